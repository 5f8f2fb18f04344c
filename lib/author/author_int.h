/*
 * lib/author internals: the model that a description is parsed into.
 *
 * The model is close to the wire: a list of component identifiers and, per
 * SUIT command sequence, a list of commands (the "IR"). The templates
 * (desc.c) produce IR; explicit sequences from the description are parsed
 * into the same IR; check.c applies the SUIT rules to all of it; encode.c
 * turns it into CBOR. One representation means the rule checks cover the
 * template output as well as hand-written sequences.
 */
#ifndef FWUP_AUTHOR_INT_H
#define FWUP_AUTHOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwup/author.h"
#include "fwup/err.h"
#include "fwup/types.h"

/* SUIT manifest keys (draft-ietf-suit-manifest-37 §8.4, §11.2). */
#define FWUP_M_VERSION 1
#define FWUP_M_SEQUENCE 2
#define FWUP_M_COMMON 3
#define FWUP_M_REFERENCE_URI 4
#define FWUP_M_VALIDATE 7
#define FWUP_M_LOAD 8
#define FWUP_M_INVOKE 9
#define FWUP_M_DEPENDENCY_RESOLUTION 15 /* [TD] §5.4 */
#define FWUP_M_PAYLOAD_FETCH 16
#define FWUP_M_INSTALL 20
#define FWUP_M_TEXT 23
/* SUIT_Common keys (§8.4.5; [TD] §5.2.2 dependencies). */
#define FWUP_COMMON_DEPENDENCIES 1
#define FWUP_DEP_PREFIX 1 /* SUIT_Dependency_Metadata: dependency-prefix */
#define FWUP_COMMON_COMPONENTS 2
#define FWUP_COMMON_SHARED 4
/* Envelope (§8.2). */
#define FWUP_ENVELOPE_TAG 107
#define FWUP_ENV_AUTH 2
#define FWUP_ENV_MANIFEST 3

/* Commands (§8.4.9, §8.4.10, §11.4; [TD] 7, 8, 11, 19, 33). */
enum fwup_suit_cmd {
    FWUP_CMD_VENDOR_ID = 1,
    FWUP_CMD_CLASS_ID = 2,
    FWUP_CMD_IMAGE_MATCH = 3,
    FWUP_CMD_USE_BEFORE = 4, /* [UM] */
    FWUP_CMD_COMPONENT_SLOT = 5,
    FWUP_CMD_CHECK_CONTENT = 6,
    FWUP_CMD_DEPENDENCY_INTEGRITY = 7,
    FWUP_CMD_IS_DEPENDENCY = 8,
    FWUP_CMD_PROCESS_DEPENDENCY = 11,
    FWUP_CMD_SET_COMPONENT_INDEX = 12,
    FWUP_CMD_ABORT = 14,
    FWUP_CMD_TRY_EACH = 15,
    FWUP_CMD_WRITE = 18,
    FWUP_CMD_SET_PARAMETERS = 19,
    FWUP_CMD_OVERRIDE_PARAMETERS = 20,
    FWUP_CMD_FETCH = 21,
    FWUP_CMD_COPY = 22,
    FWUP_CMD_INVOKE = 23,
    FWUP_CMD_DEVICE_ID = 24,
    FWUP_CMD_SWAP = 31,
    FWUP_CMD_RUN_SEQUENCE = 32,
    FWUP_CMD_UNLINK = 33,
};
/* Custom commands and parameters are private use: <= -257 (§11.4, §11.5). */
#define FWUP_SUIT_CUSTOM_MAX (-257)

/* Parameters (§8.4.8, §11.5; [ENC] 19). */
enum fwup_suit_param {
    FWUP_P_VENDOR_ID = 1,
    FWUP_P_CLASS_ID = 2,
    FWUP_P_IMAGE_DIGEST = 3,
    FWUP_P_USE_BEFORE = 4, /* [UM] UTC seconds */
    FWUP_P_COMPONENT_SLOT = 5,
    FWUP_P_STRICT_ORDER = 12,
    FWUP_P_SOFT_FAILURE = 13,
    FWUP_P_IMAGE_SIZE = 14,
    FWUP_P_CONTENT = 18,
    FWUP_P_ENCRYPTION_INFO = 19,
    FWUP_P_URI = 21,
    FWUP_P_SOURCE_COMPONENT = 22,
    FWUP_P_INVOKE_ARGS = 23,
    FWUP_P_DEVICE_ID = 24,
    FWUP_P_FETCH_ARGUMENTS = 25,
};

/* Reporting policies the draft's examples use (§8.4.7): 15 = record and
 * system information on success and failure, for identity and image checks;
 * 2 = record on failure, for fetch/copy/invoke; 5 = record + sysinfo on
 * success, for the component-slot condition of A/B images. */
#define FWUP_POLICY_CHECK 15
#define FWUP_POLICY_ACTION 2
#define FWUP_POLICY_SLOT 5

/* The command sequences a manifest can carry, in one array. */
enum fwup_seq_id {
    FWUP_SEQ_SHARED = 0, /* common.shared-sequence */
    FWUP_SEQ_VALIDATE,
    FWUP_SEQ_LOAD,
    FWUP_SEQ_INVOKE,
    FWUP_SEQ_PAYLOAD_FETCH,
    FWUP_SEQ_INSTALL,
    FWUP_SEQ_DEP_RESOLUTION, /* [TD] dependency-resolution (15) */
    FWUP_SEQ_COUNT
};

/* A parameter value or a custom command argument. */
enum fwup_val_kind {
    FWUP_VAL_NIL,
    FWUP_VAL_UINT,
    FWUP_VAL_INT,
    FWUP_VAL_BOOL,
    FWUP_VAL_TSTR,
    FWUP_VAL_BSTR,
    FWUP_VAL_DIGEST, /* bstr .cbor SUIT_Digest: [alg, bytes] */
};

struct fwup_aval {
    enum fwup_val_kind kind;
    uint64_t u;
    int64_t i; /* INT, and the algorithm of a DIGEST */
    bool b;
    uint8_t *data; /* TSTR / BSTR / DIGEST bytes, owned */
    size_t len;
};

struct fwup_aparam {
    int64_t key;
    struct fwup_aval v;
};

struct fwup_aseq;

enum fwup_arg_kind {
    FWUP_ARG_POLICY, /* conditions and most directives: a reporting policy */
    FWUP_ARG_INDEX,  /* set-component-index */
    FWUP_ARG_PARAMS, /* override-parameters, set-parameters */
    FWUP_ARG_SEQS,   /* try-each: 2+ sequences, NULL entries are nil */
    FWUP_ARG_SEQ,    /* run-sequence: one sequence (bstr-wrapped) */
    FWUP_ARG_VALUE,  /* custom commands: int / tstr / bstr / nil */
};

struct fwup_acmd {
    int64_t code;
    enum fwup_arg_kind arg;
    uint64_t policy;
    /* INDEX: all = true, else list (is_list: encode as array) */
    bool idx_all;
    bool idx_list;
    uint32_t *idx;
    size_t nidx;
    /* PARAMS */
    struct fwup_aparam *params;
    size_t nparams;
    /* SEQS / SEQ */
    struct fwup_aseq **seqs;
    size_t nseqs;
    /* VALUE */
    struct fwup_aval value;
    /* JSON path of a command written in the description; NULL if generated */
    char *path;
};

struct fwup_aseq {
    struct fwup_acmd *cmds;
    size_t n;
    size_t cap;
};

/* An image embedded in the envelope under a tstr key ("#name"). */
struct fwup_integrated {
    char *key;
    char *file; /* resolved path */
    int64_t alg;
    uint8_t digest[64];
    size_t dlen;
    uint64_t size;
};

/* Component text keys (§8.4.4, §11.7): 1..6. Manifest text keys: 1..4. */
#define FWUP_CTEXT_MAX 6
#define FWUP_MTEXT_MAX 4

struct fwup_acomp {
    struct fwup_bytes *seg; /* identifier segments, each owned (ptr malloc'd) */
    size_t nseg;
    char *ctext[FWUP_CTEXT_MAX + 1]; /* index = component text key */
};

struct fwup_author_model {
    uint64_t sequence_number;
    char *reference_uri;
    struct fwup_acomp *comps;
    size_t ncomp;
    struct fwup_aseq *seq[FWUP_SEQ_COUNT]; /* NULL = absent */
    bool severable[FWUP_SEQ_COUNT];        /* payload-fetch, install */
    bool text_severable;
    char *lang;
    char *mtext[FWUP_MTEXT_MAX + 1];
    struct fwup_integrated *integ;
    size_t ninteg;
    /* [TD] dependencies: index ncomp + j, identified by its dependency-prefix
     * (OPEN-QUESTIONS 19, the upstream form); encoded in common key 1. */
    struct fwup_acomp *deps;
    size_t ndeps;
};

/* Dependency envelopes: dep_int.h (kept apart: it includes the verifier's
 * headers, whose enum names differ from the ones above). */

/* Sequence name in descriptions ("shared", "payload-fetch", ...) and its
 * manifest key (0 for shared, which lives in common). */
const char *fwup_seq_name(enum fwup_seq_id s);
int fwup_seq_key(enum fwup_seq_id s);

/* ---- IR helpers (ir.c) ---- */
struct fwup_aseq *fwup_ir_seq_new(void);
void fwup_ir_seq_free(struct fwup_aseq *s);
void fwup_ir_val_release(struct fwup_aval *v);
/* Append a zeroed command; NULL when out of memory. */
struct fwup_acmd *fwup_ir_push(struct fwup_aseq *s, int64_t code, enum fwup_arg_kind arg);
/* Convenience: a command with a reporting policy. false when out of memory. */
bool fwup_ir_policy(struct fwup_aseq *s, int64_t code, uint64_t policy);
bool fwup_ir_index(struct fwup_aseq *s, uint32_t index);
/* Add a parameter to a PARAMS command; the value is copied (data duplicated). */
bool fwup_ir_param(struct fwup_acmd *c, int64_t key, const struct fwup_aval *v);
bool fwup_ir_param_uint(struct fwup_acmd *c, int64_t key, uint64_t u);
bool fwup_ir_param_bytes(struct fwup_acmd *c, int64_t key, enum fwup_val_kind kind,
                         const void *p, size_t n, int64_t alg);

/* ---- rule checks (check.c) ---- */
/*
 * Check every sequence of the model against the SUIT rules fwup enforces:
 * shared holds only conditions and parameter directives (no custom commands or
 * parameters) and checks vendor and class; with more than one component every
 * sequence starts with set-component-index; indices are in range; every
 * parameter a command consumes is set (by shared or earlier in the sequence)
 * for every component it runs on. Errors: FWUP_E_DESC_RULE, with diag->path
 * set to the command's JSON path when it came from the description.
 */
enum fwup_err fwup_check_model(const struct fwup_author_model *m, struct fwup_diag *diag);

/* ---- JSON position index (jpos.c) ---- */
struct fwup_jpos;
/* Scan well-formed JSON text and record line/column of every value by path.
 * Never fails on well-formed input; returns NULL only when out of memory. */
struct fwup_jpos *fwup_jpos_scan(const char *text, size_t len);
void fwup_jpos_free(struct fwup_jpos *p);
/* Position of path, or of its nearest ancestor with a known position.
 * Returns false if nothing is known (line/col then 0). */
bool fwup_jpos_find(const struct fwup_jpos *p, const char *path, int *line, int *col);
/* The first duplicate key in the text (jansson names the key, not where it
 * is): its path and the position of the key. false if none was found. */
bool fwup_jpos_dup(const struct fwup_jpos *p, const char **path, int *line, int *col);
/* Path of the value being read where the scanned text ended or went wrong
 * (scan a text cut at a syntax error to name the value it is in); NULL if
 * the scan completed. */
const char *fwup_jpos_stop_path(const struct fwup_jpos *p);
/* Append ".key" or ["key"] (escaped) to path buf; returns the new length, or
 * cap-1 if truncated (buf stays NUL-terminated). */
size_t fwup_jpos_append_key(char *buf, size_t len, size_t cap, const char *key, size_t klen);
size_t fwup_jpos_append_index(char *buf, size_t len, size_t cap, size_t index);

/* ---- hashing (hash.c) ---- */
/* Digest length of a SUIT digest algorithm, 0 if unsupported. */
size_t fwup_hash_len(int64_t alg);

#endif /* FWUP_AUTHOR_INT_H */
