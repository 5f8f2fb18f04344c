/*
 * SUIT reports (draft-ietf-suit-report-18): build one from what a manifest
 * processor did, encode it as deterministic CBOR, and decode one strictly.
 *
 *   SUIT_Report = {
 *     99 suit-reference => [uri: tstr, manifest-digest: SUIT_Digest],
 *     ? 2 nonce => bstr,
 *     3 records => [* SUIT_Record / system-property-claims],
 *     4 result => true / { 5 result-code => int,
 *                          6 result-record => SUIT_Record,
 *                          7 result-reason => uint },
 *     * ext }
 *   SUIT_Record = [manifest-id: [* uint], section: int, offset: uint,
 *                  component-index: uint, properties: {* SUIT parameters},
 *                  * ext]
 *
 * fwup's choices (docs/reports.md has the full table):
 *   - result-code is the fwup error code (enum fwup_err): "internal/debug" in
 *     the draft, and exactly what a fleet operator greps for;
 *   - result-reason comes from fwup_report_reason_of(), the ONE mapping from
 *     fwup errors to the draft's reasons;
 *   - a SUIT_Record carries two fwup extension elements after properties:
 *     [5] the SUIT command number at that offset and [6] its result (fwup
 *     error code), so a report is readable without replaying the manifest;
 *   - a failure outside every command sequence (envelope parsing,
 *     authentication, the rollback check) has section 0 and the byte offset
 *     in the ENVELOPE where it was found (0 if unknown), command -1;
 *   - the shared sequence is section 4 (its key in SUIT_Common), as the
 *     processor reports it;
 *   - fwup extension fields use NEGATIVE keys of SUIT_Report (never assigned
 *     by the draft's registry): FWUP_REPORT_X_*;
 *   - records with manifest-id other than [] (dependencies) are decoded;
 *     the builder only produces root records.
 *
 * Decoding goes through the verifier's CBOR pull reader (fwup/vcbor.h), the
 * project's one decoder, and is strict: indefinite lengths, duplicate keys,
 * a missing required key, a wrong type, a value out of range and trailing
 * bytes are all errors with the byte offset of the offending item. Unknown
 * positive keys (8 capability-report, future ones) and system-property-claims
 * maps inside records are skipped (counted in n_unknown) after a well-formed
 * check, as an extension point must be.
 *
 * Ownership: struct fwup_report is caller-owned. After fwup_report_decode()
 * its byte views point into the input buffer: valid while the input is alive
 * and unchanged. For encoding, the views are the caller's.
 */
#ifndef FWUP_REPORT_H
#define FWUP_REPORT_H

#include "fwup/enc.h"
#include "fwup/err.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SUIT_Report keys (draft-ietf-suit-report-18 §4, §9). */
#define FWUP_REPORT_KEY_NONCE 2
#define FWUP_REPORT_KEY_RECORDS 3
#define FWUP_REPORT_KEY_RESULT 4
#define FWUP_REPORT_KEY_RESULT_CODE 5
#define FWUP_REPORT_KEY_RESULT_RECORD 6
#define FWUP_REPORT_KEY_RESULT_REASON 7
#define FWUP_REPORT_KEY_CAPABILITY 8
#define FWUP_REPORT_KEY_REFERENCE 99

/* fwup extension keys of SUIT_Report (negative: outside the draft's space). */
#define FWUP_REPORT_X_SEQUENCE (-1)  /* uint: the manifest's sequence number */
#define FWUP_REPORT_X_INSTALLED (-2) /* uint: newest image installed after the attempt */
#define FWUP_REPORT_X_DEVICE (-3)    /* bstr: device identifier (16-byte UUID) */
#define FWUP_REPORT_X_CLASS (-4)     /* bstr: class identifier (16-byte UUID) */
#define FWUP_REPORT_X_TIME (-5)      /* uint: platform clock, seconds since 1970 */
#define FWUP_REPORT_X_NUMBER (-6)    /* uint: per-device report counter */
#define FWUP_REPORT_X_DROPPED (-7)   /* uint: records dropped for lack of room */

/* Bits of SUIT_Rep_Policy (manifest-37 §8.4.9.1). */
#define FWUP_REP_RECORD_SUCCESS 1u
#define FWUP_REP_RECORD_FAILURE 2u
#define FWUP_REP_SYSINFO_SUCCESS 4u
#define FWUP_REP_SYSINFO_FAILURE 8u

/* Limits: records kept in one struct fwup_report, depth of a manifest-id. */
#define FWUP_REPORT_MAX_RECORDS 32
#define FWUP_REPORT_MAX_MID 8
/* Largest encoded report fwup_report_decode() accepts (1 MiB). */
#define FWUP_REPORT_MAX_SIZE ((size_t)1 << 20)

/* SUIT_Report_Result_Reason (draft-ietf-suit-report-18 §4.1). */
enum fwup_report_reason {
    FWUP_REPORT_OK = 0,
    FWUP_REPORT_CBOR_PARSE = 1,
    FWUP_REPORT_COSE_UNSUPPORTED = 2,
    FWUP_REPORT_ALG_UNSUPPORTED = 3,
    FWUP_REPORT_UNAUTHORISED = 4,
    FWUP_REPORT_COMMAND_UNSUPPORTED = 5,
    FWUP_REPORT_COMPONENT_UNSUPPORTED = 6,
    FWUP_REPORT_COMPONENT_UNAUTHORISED = 7,
    FWUP_REPORT_PARAMETER_UNSUPPORTED = 8,
    FWUP_REPORT_SEVERING_UNSUPPORTED = 9,
    FWUP_REPORT_CONDITION_FAILED = 10,
    FWUP_REPORT_OPERATION_FAILED = 11,
    FWUP_REPORT_INVOKE_PENDING = 12,
};

/* One SUIT_Record. command / result are fwup's extension elements. */
struct fwup_report_record {
    uint32_t mid[FWUP_REPORT_MAX_MID]; /* manifest-id: path of dependency indices */
    uint8_t n_mid;                     /* 0 = the root manifest */
    int64_t section;                   /* sequence key; 0 = outside every sequence */
    uint64_t offset;                   /* byte offset of the command in the sequence */
    uint64_t component;                /* component index */
    struct fwup_bytes properties;      /* encoded map; len 0 encodes {} */
    bool has_command;
    int64_t command; /* SUIT command number, -1 = none */
    bool has_result;
    int64_t result; /* enum fwup_err of the command */
};

/* Presence bits of the fwup extension fields (struct fwup_report.ext). */
#define FWUP_REPORT_HAS_SEQUENCE 0x01u
#define FWUP_REPORT_HAS_INSTALLED 0x02u
#define FWUP_REPORT_HAS_DEVICE 0x04u
#define FWUP_REPORT_HAS_CLASS 0x08u
#define FWUP_REPORT_HAS_TIME 0x10u
#define FWUP_REPORT_HAS_NUMBER 0x20u
#define FWUP_REPORT_HAS_DROPPED 0x40u

struct fwup_report {
    /* suit-reference: the manifest's reference-uri ("" if none) and the
     * SUIT_Digest of the root manifest (authentication wrapper[0]). */
    struct fwup_bytes uri;
    int64_t digest_alg;
    struct fwup_bytes digest;
    bool has_nonce;
    struct fwup_bytes nonce;
    struct fwup_report_record records[FWUP_REPORT_MAX_RECORDS];
    size_t n_records;
    /* result: success (true), or the failure: result-code, -record, -reason */
    bool success;
    int64_t result_code;
    struct fwup_report_record result_record;
    uint64_t reason; /* enum fwup_report_reason (decode accepts any uint) */
    /* fwup extension fields, each present if its FWUP_REPORT_HAS_* bit is set */
    uint32_t ext;
    uint64_t sequence, installed, time, number, dropped;
    struct fwup_bytes device_id, class_id;
    /* decode only: unknown keys and system-property-claims skipped */
    uint32_t n_unknown;
};

/* Clear r: no records, success, reference "" with an empty SHA-256 digest. */
FWUP_API void fwup_report_init(struct fwup_report *r);

/*
 * The result-reason for a fwup error (the one mapping, docs/reports.md):
 * FWUP_OK -> ok; CBOR and SUIT structure errors -> cbor-parse; COSE
 * structure -> cose-unsupported; unsupported algorithms -> alg-unsupported;
 * authentication and signer policy -> unauthorised; a signer touching a
 * component outside its prefixes -> component-unauthorised; unsupported
 * command / parameter / component / severed element -> 5 / 8 / 6 / 9;
 * conditions, identity, rollback, image digest -> condition-failed;
 * everything else (fetch, directive, flash, decryption, I/O, limits) ->
 * operation-failed.
 */
FWUP_API enum fwup_report_reason fwup_report_reason_of(enum fwup_err e);

/* "condition-failed"; "unknown" for a value outside the draft's list. */
FWUP_API const char *fwup_report_reason_name(uint64_t reason);

/*
 * Add the record of one executed command if its reporting policy asks for
 * it: record-on-success (bit 0) for a success, record-on-failure (bit 1) for
 * a failure. A record that does not fit (FWUP_REPORT_MAX_RECORDS) is counted
 * in r->dropped (FWUP_REPORT_HAS_DROPPED set). Returns true if it was kept.
 * The record's properties are {} and its manifest-id [] (root).
 */
FWUP_API bool fwup_report_add(struct fwup_report *r, int32_t section, uint32_t offset,
                              uint32_t component, int32_t command, enum fwup_err result,
                              uint32_t rep_policy);

/*
 * Set the failure outcome: result-code = e, result-reason from
 * fwup_report_reason_of(e), result-record at (section, offset, component)
 * with command (-1 if none) and result e.
 */
FWUP_API void fwup_report_fail(struct fwup_report *r, enum fwup_err e, int64_t section,
                               uint64_t offset, uint64_t component, int64_t command);

/*
 * Encode r as one deterministic CBOR item (RFC 8949 §4.2.1: shortest heads,
 * map keys in bytewise order of their encodings) appended to e.
 * \param[in]     r  the report (r->n_records <= FWUP_REPORT_MAX_RECORDS,
 *                   r->records[i].n_mid <= FWUP_REPORT_MAX_MID)
 * \param[in,out] e  encoder (its sticky error reports an overflow)
 * \return FWUP_OK, FWUP_E_INVALID_ARG (counts out of range, properties not a
 *         CBOR map head), or the encoder's error (FWUP_E_LIMIT_BUFFER,
 *         FWUP_E_NO_MEMORY).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_report_encode(const struct fwup_report *r,
                                                         struct fwup_enc *e);

/*
 * Decode one SUIT_Report occupying exactly buf[0..len) (an optional CBOR tag
 * is NOT accepted: the report's tags are still TBA in the draft).
 * \param[in]  buf, len  the encoded report (len <= FWUP_REPORT_MAX_SIZE)
 * \param[out] r         filled; views point into buf
 * \param[out] diag      first error: code, byte offset, path such as
 *                       "report.records[2].offset" (may be NULL)
 * \return FWUP_OK; FWUP_E_CBOR_* (truncated, malformed, indefinite, type,
 *         range, duplicate key, trailing bytes, UTF-8), FWUP_E_SUIT_MISSING
 *         (99, 3 or 4 absent, or 5/6/7 in a failure result),
 *         FWUP_E_SUIT_BAD_VALUE (a value of the right type that is not
 *         allowed, e.g. result false), FWUP_E_LIMIT_COUNT (more records
 *         than FWUP_REPORT_MAX_RECORDS), FWUP_E_LIMIT_DEPTH (manifest-id
 *         deeper than FWUP_REPORT_MAX_MID), FWUP_E_IO_TOO_BIG.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_report_decode(const uint8_t *buf, size_t len,
                                                         struct fwup_report *r,
                                                         struct fwup_diag *diag);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_REPORT_H */
