/*
 * Internal interface between the verifier's decoded view and the manifest
 * processor (lib/verifier only).
 *
 * The processor runs over spans of the caller's envelope buffer. Offsets are
 * absolute within the envelope and were bounds-checked by the decoder; the
 * processor still re-checks every read through the CBOR reader.
 */
#ifndef FWUP_PROCESS_INT_H
#define FWUP_PROCESS_INT_H

#include "fwup/processor.h"
#include "fwup/v_crypto.h"
#include "fwup/vcbor.h"

/* State of a command sequence / severable element in the manifest. */
enum fwup_v_el_state {
    FWUP_V_EL_ABSENT = 0,
    FWUP_V_EL_INLINE = 1,          /* bstr in the manifest */
    FWUP_V_EL_SEVERED_PRESENT = 2, /* digest in the manifest, element in the envelope, digest checked */
    FWUP_V_EL_SEVERED_MISSING = 3, /* digest in the manifest, element not in the envelope */
};

/* Sequences the processor may run, indexed by enum fwup_v_seq_slot. */
enum fwup_v_seq_slot {
    FWUP_V_SEQ_VALIDATE = 0,    /* manifest key 7 */
    FWUP_V_SEQ_LOAD = 1,        /* 8 */
    FWUP_V_SEQ_INVOKE = 2,      /* 9 */
    FWUP_V_SEQ_DEP_RES = 3,     /* 15 */
    FWUP_V_SEQ_FETCH = 4,       /* 16 */
    FWUP_V_SEQ_INSTALL = 5,     /* 20 */
    FWUP_V_SEQ_COUNT = 6,
};

/*
 * What the processor needs from an authenticated manifest. Filled by the
 * verifier (fwup_v_process() adapts struct fwup_verifier into this).
 */
struct fwup_v_input {
    const uint8_t *env;
    size_t env_len;
    struct fwup_v_span env_map;       /* the envelope map (for "#name" payload lookup) */
    uint64_t sequence;
    uint32_t n_components;
    struct fwup_v_span comp_id[FWUP_V_MAX_COMPONENTS]; /* each encoded [* bstr] */
    struct fwup_v_span shared;        /* encoded shared sequence (array), len 0 if absent */
    uint8_t seq_state[FWUP_V_SEQ_COUNT];
    struct fwup_v_span seq[FWUP_V_SEQ_COUNT]; /* encoded sequence (array) when available */
};

/* Manifest keys of the sequences, indexed by enum fwup_v_seq_slot. */
extern const uint8_t fwup_v_seq_key[FWUP_V_SEQ_COUNT];

#endif /* FWUP_PROCESS_INT_H */
