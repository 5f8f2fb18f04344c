/*
 * SUIT reports (draft-ietf-suit-report-18): builder, deterministic encoder
 * and strict decoder. Format choices and the extension keys: fwup/report.h
 * and docs/reports.md.
 */
#include <stdio.h>
#include <string.h>

#include "fwup/report.h"
#include "fwup/vcbor.h"

/* SUIT_Digest algorithm when nothing better is known (RFC 9054 SHA-256). */
#define DEFAULT_DIGEST_ALG (-16)

void
fwup_report_init(struct fwup_report *r)
{
    memset(r, 0, sizeof *r);
    r->success = true;
    r->digest_alg = DEFAULT_DIGEST_ALG;
    /* A non-NULL empty view: "" is a valid reference-uri. */
    r->uri.ptr = (const uint8_t *)"";
    r->digest.ptr = (const uint8_t *)"";
}

enum fwup_report_reason
fwup_report_reason_of(enum fwup_err e)
{
    /* The one mapping from fwup errors to the draft's result reasons. The
     * fine-grained code always travels next to it as result-code. */
    switch (e) {
    case FWUP_OK:
        return FWUP_REPORT_OK;
    case FWUP_E_COSE_STRUCTURE:
    case FWUP_E_COSE_HEADER:
    case FWUP_E_COSE_PAYLOAD:
        return FWUP_REPORT_COSE_UNSUPPORTED;
    case FWUP_E_COSE_UNSUPPORTED_ALG:
    case FWUP_E_SUIT_DIGEST_ALG:
        return FWUP_REPORT_ALG_UNSUPPORTED;
    case FWUP_E_SUIT_UNSUPPORTED_CMD:
        return FWUP_REPORT_COMMAND_UNSUPPORTED;
    case FWUP_E_SUIT_UNSUPPORTED_PARAM:
        return FWUP_REPORT_PARAMETER_UNSUPPORTED;
    case FWUP_E_SUIT_COMPONENT:
    case FWUP_E_LIMIT_COMPONENTS:
        return FWUP_REPORT_COMPONENT_UNSUPPORTED;
    case FWUP_E_SUIT_SEVERED:
        return FWUP_REPORT_SEVERING_UNSUPPORTED;
    case FWUP_E_POLICY_COMPONENT:
        return FWUP_REPORT_COMPONENT_UNAUTHORISED;
    case FWUP_E_POLICY_ROLE_MISSING:
    case FWUP_E_POLICY_TOO_FEW:
        /* The signatures present do not authorise the update. */
        return FWUP_REPORT_UNAUTHORISED;
    case FWUP_E_IMAGE_DIGEST:
    case FWUP_E_IMAGE_SIZE:
    case FWUP_E_ROLLBACK:
    case FWUP_E_WRONG_VENDOR:
    case FWUP_E_WRONG_CLASS:
    case FWUP_E_WRONG_DEVICE:
    case FWUP_E_EXPIRED:
    case FWUP_E_CONDITION_FAILED:
    case FWUP_E_ABORTED:
        /* Rollback is the sequence-number check of manifest-37 §6.2, a
         * required check on the recipient like the identity conditions:
         * the draft has no reason of its own for it. */
        return FWUP_REPORT_CONDITION_FAILED;
    default:
        break;
    }
    /* CBOR not well-formed (20-39) and SUIT structure (40-69 minus the COSE
     * and "unsupported" codes above): the manifest could not be parsed. */
    if ((e >= 20 && e < 40) || (e >= 40 && e < 70))
        return FWUP_REPORT_CBOR_PARSE;
    /* Authentication (70-89): signature, MAC, manifest or severable digest. */
    if (e >= 70 && e < 90)
        return FWUP_REPORT_UNAUTHORISED;
    /* Fetch, directives, flash, decryption, I/O, limits, device state. */
    return FWUP_REPORT_OPERATION_FAILED;
}

const char *
fwup_report_reason_name(uint64_t reason)
{
    static const char *const names[] = {
        "ok",
        "cbor-parse",
        "cose-unsupported",
        "alg-unsupported",
        "unauthorised",
        "command-unsupported",
        "component-unsupported",
        "component-unauthorised",
        "parameter-unsupported",
        "severing-unsupported",
        "condition-failed",
        "operation-failed",
        "invoke-pending",
    };

    return reason < sizeof names / sizeof names[0] ? names[reason] : "unknown";
}

static void
set_record(struct fwup_report_record *rec, int64_t section, uint64_t offset, uint64_t component,
           int64_t command, enum fwup_err result)
{
    memset(rec, 0, sizeof *rec);
    rec->section = section;
    rec->offset = offset;
    rec->component = component;
    rec->has_command = true;
    rec->command = command;
    rec->has_result = true;
    rec->result = (int64_t)result;
}

bool
fwup_report_add(struct fwup_report *r, int32_t section, uint32_t offset, uint32_t component,
                int32_t command, enum fwup_err result, uint32_t rep_policy)
{
    uint32_t want = result == FWUP_OK ? FWUP_REP_RECORD_SUCCESS : FWUP_REP_RECORD_FAILURE;

    /* The manifest author decides what is reported (manifest-37 §8.4.9.1,
     * OPEN-QUESTIONS 25): no bit, no record. */
    if ((rep_policy & want) == 0)
        return false;
    if (r->n_records >= FWUP_REPORT_MAX_RECORDS) {
        r->dropped++;
        r->ext |= FWUP_REPORT_HAS_DROPPED;
        return false;
    }
    set_record(&r->records[r->n_records++], section, offset, component, command, result);
    return true;
}

void
fwup_report_fail(struct fwup_report *r, enum fwup_err e, int64_t section, uint64_t offset,
                 uint64_t component, int64_t command)
{
    r->success = false;
    r->result_code = (int64_t)e;
    r->reason = fwup_report_reason_of(e);
    set_record(&r->result_record, section, offset, component, command, e);
}

/* ---- encoder ---- */

static enum fwup_err
enc_record(struct fwup_enc *e, const struct fwup_report_record *rec)
{
    uint64_t n = 5;

    if (rec->n_mid > FWUP_REPORT_MAX_MID)
        return FWUP_E_INVALID_ARG;
    /* properties must be one encoded map: check its head's major type (5). */
    if (rec->properties.len > 0 && (rec->properties.ptr[0] >> 5) != FWUP_CBOR_MAP)
        return FWUP_E_INVALID_ARG;
    if (rec->has_command)
        n += rec->has_result ? 2 : 1;
    fwup_enc_array(e, n);
    fwup_enc_array(e, rec->n_mid);
    for (uint8_t i = 0; i < rec->n_mid; i++)
        fwup_enc_uint(e, rec->mid[i]);
    fwup_enc_int(e, rec->section);
    fwup_enc_uint(e, rec->offset);
    fwup_enc_uint(e, rec->component);
    if (rec->properties.len > 0)
        fwup_enc_raw(e, rec->properties.ptr, rec->properties.len);
    else
        fwup_enc_map(e, 0);
    if (rec->has_command) {
        fwup_enc_int(e, rec->command);
        if (rec->has_result)
            fwup_enc_int(e, rec->result);
    }
    return FWUP_OK;
}

enum fwup_err
fwup_report_encode(const struct fwup_report *r, struct fwup_enc *e)
{
    /* Extension fields in key order -1, -2, ... (encodings 0x20, 0x21, ...:
     * after every non-negative key, which is what deterministic order
     * requires). */
    static const struct {
        uint32_t bit;
        int64_t key;
    } xs[] = {
        {FWUP_REPORT_HAS_SEQUENCE, FWUP_REPORT_X_SEQUENCE},
        {FWUP_REPORT_HAS_INSTALLED, FWUP_REPORT_X_INSTALLED},
        {FWUP_REPORT_HAS_DEVICE, FWUP_REPORT_X_DEVICE},
        {FWUP_REPORT_HAS_CLASS, FWUP_REPORT_X_CLASS},
        {FWUP_REPORT_HAS_TIME, FWUP_REPORT_X_TIME},
        {FWUP_REPORT_HAS_NUMBER, FWUP_REPORT_X_NUMBER},
        {FWUP_REPORT_HAS_DROPPED, FWUP_REPORT_X_DROPPED},
    };
    uint64_t n = 3 + (r->has_nonce ? 1 : 0);
    enum fwup_err err;

    if (r->n_records > FWUP_REPORT_MAX_RECORDS)
        return FWUP_E_INVALID_ARG;
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        n += (r->ext & xs[i].bit) != 0;
    /* Keys 2, 3, 4, 99 (0x02 < 0x03 < 0x04 < 0x18 0x63), then -1 ... -7. */
    fwup_enc_map(e, n);
    if (r->has_nonce) {
        fwup_enc_uint(e, FWUP_REPORT_KEY_NONCE);
        fwup_enc_bstr(e, r->nonce.ptr, r->nonce.len);
    }
    fwup_enc_uint(e, FWUP_REPORT_KEY_RECORDS);
    fwup_enc_array(e, r->n_records);
    for (size_t i = 0; i < r->n_records; i++) {
        err = enc_record(e, &r->records[i]);
        if (err != FWUP_OK)
            return err;
    }
    fwup_enc_uint(e, FWUP_REPORT_KEY_RESULT);
    if (r->success) {
        fwup_enc_bool(e, true);
    } else {
        fwup_enc_map(e, 3);
        fwup_enc_uint(e, FWUP_REPORT_KEY_RESULT_CODE);
        fwup_enc_int(e, r->result_code);
        fwup_enc_uint(e, FWUP_REPORT_KEY_RESULT_RECORD);
        err = enc_record(e, &r->result_record);
        if (err != FWUP_OK)
            return err;
        fwup_enc_uint(e, FWUP_REPORT_KEY_RESULT_REASON);
        fwup_enc_uint(e, r->reason);
    }
    fwup_enc_uint(e, FWUP_REPORT_KEY_REFERENCE);
    fwup_enc_array(e, 2);
    fwup_enc_tstr(e, (const char *)r->uri.ptr, r->uri.len);
    fwup_enc_array(e, 2);
    fwup_enc_int(e, r->digest_alg);
    fwup_enc_bstr(e, r->digest.ptr, r->digest.len);
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        if ((r->ext & xs[i].bit) == 0)
            continue;
        fwup_enc_int(e, xs[i].key);
        switch (xs[i].key) {
        case FWUP_REPORT_X_SEQUENCE: fwup_enc_uint(e, r->sequence); break;
        case FWUP_REPORT_X_INSTALLED: fwup_enc_uint(e, r->installed); break;
        case FWUP_REPORT_X_DEVICE: fwup_enc_bstr(e, r->device_id.ptr, r->device_id.len); break;
        case FWUP_REPORT_X_CLASS: fwup_enc_bstr(e, r->class_id.ptr, r->class_id.len); break;
        case FWUP_REPORT_X_TIME: fwup_enc_uint(e, r->time); break;
        case FWUP_REPORT_X_NUMBER: fwup_enc_uint(e, r->number); break;
        default: fwup_enc_uint(e, r->dropped); break;
        }
    }
    return fwup_enc_error(e);
}

/* ---- decoder ---- */

struct dec {
    struct fwup_vcbor r;
    struct fwup_diag *diag;
    char path[96]; /* where we are, for the first error */
};

/* Record the first error with the current path; returns it (sticky in r). */
static enum fwup_err
bad(struct dec *x, enum fwup_err e, size_t off, const char *what)
{
    enum fwup_err first = fwup_vcbor_fail(&x->r, e, off);
    size_t at = off;

    /* The reader may already hold an earlier error (truncation found while
     * reading): report that one, where it happened. */
    (void)fwup_vcbor_error(&x->r, &at);
    fwup_diag_set_at(x->diag, first, at, x->path, "%s", what != NULL ? what : fwup_err_str(first));
    return first;
}

/* The reader failed on its own (truncated, malformed, type): report it. */
static enum fwup_err
reader_bad(struct dec *x, const char *what)
{
    size_t at = 0;
    enum fwup_err e = fwup_vcbor_error(&x->r, &at);

    fwup_diag_set_at(x->diag, e, at, x->path, "%s: %s", what, fwup_err_str(e));
    return e;
}

/* Set the current path: base, then "[i]" when i != NO_INDEX. A path that
 * does not fit is cut, never overflowed (snprintf). */
#define NO_INDEX ((size_t)-1)

static void
path_set(struct dec *x, const char *base, size_t i)
{
    if (i == NO_INDEX)
        (void)snprintf(x->path, sizeof x->path, "%s", base);
    else
        (void)snprintf(x->path, sizeof x->path, "%s[%zu]", base, i);
}

static enum fwup_err
get_uint(struct dec *x, uint64_t *v, const char *what)
{
    return fwup_vcbor_get_uint(&x->r, v) == FWUP_OK ? FWUP_OK : reader_bad(x, what);
}

static enum fwup_err
get_int(struct dec *x, int64_t *v, const char *what)
{
    return fwup_vcbor_get_int(&x->r, v) == FWUP_OK ? FWUP_OK : reader_bad(x, what);
}

/* Skip one well-formed item of a kind we do not interpret. */
static enum fwup_err
skip(struct dec *x, const char *what)
{
    return fwup_vcbor_skip(&x->r, NULL) == FWUP_OK ? FWUP_OK : reader_bad(x, what);
}

/* SUIT_Record = [manifest-id, section, offset, component-index, properties, * ext] */
static enum fwup_err
dec_record(struct dec *x, struct fwup_report_record *rec, uint32_t *n_unknown)
{
    struct fwup_vcbor_item it;
    uint64_t n, nmid;
    size_t at = fwup_vcbor_offset(&x->r);

    memset(rec, 0, sizeof *rec);
    if (fwup_vcbor_get_array(&x->r, &n) != FWUP_OK)
        return reader_bad(x, "expected a SUIT_Record array");
    if (n < 5)
        return bad(x, FWUP_E_SUIT_MISSING, at, "SUIT_Record needs 5 elements");
    at = fwup_vcbor_offset(&x->r);
    if (fwup_vcbor_get_array(&x->r, &nmid) != FWUP_OK)
        return reader_bad(x, "expected manifest-id array");
    if (nmid > FWUP_REPORT_MAX_MID)
        return bad(x, FWUP_E_LIMIT_DEPTH, at, "manifest-id deeper than fwup supports");
    for (uint64_t i = 0; i < nmid; i++) {
        uint64_t v;
        at = fwup_vcbor_offset(&x->r);
        if (get_uint(x, &v, "manifest-id element") != FWUP_OK)
            return fwup_vcbor_error(&x->r, NULL);
        if (v > UINT32_MAX)
            return bad(x, FWUP_E_CBOR_RANGE, at, "manifest-id element out of range");
        rec->mid[rec->n_mid++] = (uint32_t)v;
    }
    if (get_int(x, &rec->section, "section") != FWUP_OK ||
        get_uint(x, &rec->offset, "offset") != FWUP_OK ||
        get_uint(x, &rec->component, "component-index") != FWUP_OK)
        return fwup_vcbor_error(&x->r, NULL);
    at = fwup_vcbor_offset(&x->r);
    if (fwup_vcbor_peek(&x->r, &it) != FWUP_OK)
        return reader_bad(x, "properties");
    if (it.major != FWUP_CBOR_MAP)
        return bad(x, FWUP_E_CBOR_TYPE, at, "properties must be a map");
    if (fwup_vcbor_skip(&x->r, &rec->properties) != FWUP_OK)
        return reader_bad(x, "properties");
    if (n > 5) {
        if (get_int(x, &rec->command, "command (fwup extension)") != FWUP_OK)
            return fwup_vcbor_error(&x->r, NULL);
        rec->has_command = true;
    }
    if (n > 6) {
        if (get_int(x, &rec->result, "result (fwup extension)") != FWUP_OK)
            return fwup_vcbor_error(&x->r, NULL);
        rec->has_result = true;
    }
    for (uint64_t i = 7; i < n; i++) {
        if (skip(x, "record extension") != FWUP_OK)
            return fwup_vcbor_error(&x->r, NULL);
        (*n_unknown)++;
    }
    return FWUP_OK;
}

static enum fwup_err
dec_reference(struct dec *x, struct fwup_report *r)
{
    uint64_t n;
    size_t at = fwup_vcbor_offset(&x->r);

    path_set(x, "report.reference", NO_INDEX);
    if (fwup_vcbor_get_array(&x->r, &n) != FWUP_OK)
        return reader_bad(x, "expected [uri, manifest-digest]");
    if (n != 2)
        return bad(x, FWUP_E_SUIT_BAD_VALUE, at, "suit-reference must have 2 elements");
    if (fwup_vcbor_get_tstr(&x->r, &r->uri) != FWUP_OK)
        return reader_bad(x, "reference uri");
    path_set(x, "report.reference.digest", NO_INDEX);
    at = fwup_vcbor_offset(&x->r);
    if (fwup_vcbor_get_array(&x->r, &n) != FWUP_OK)
        return reader_bad(x, "expected a SUIT_Digest");
    if (n != 2)
        return bad(x, FWUP_E_SUIT_BAD_VALUE, at, "SUIT_Digest must have 2 elements");
    if (get_int(x, &r->digest_alg, "digest algorithm") != FWUP_OK)
        return fwup_vcbor_error(&x->r, NULL);
    if (fwup_vcbor_get_bstr(&x->r, &r->digest) != FWUP_OK)
        return reader_bad(x, "digest bytes");
    return FWUP_OK;
}

static enum fwup_err
dec_records(struct dec *x, struct fwup_report *r)
{
    uint64_t n;
    size_t at = fwup_vcbor_offset(&x->r);

    path_set(x, "report.records", NO_INDEX);
    if (fwup_vcbor_get_array(&x->r, &n) != FWUP_OK)
        return reader_bad(x, "expected an array of records");
    for (uint64_t i = 0; i < n; i++) {
        struct fwup_vcbor_item it;
        enum fwup_err e;

        path_set(x, "report.records", (size_t)i);
        at = fwup_vcbor_offset(&x->r);
        if (fwup_vcbor_peek(&x->r, &it) != FWUP_OK)
            return reader_bad(x, "record");
        if (it.major == FWUP_CBOR_MAP) {
            /* system-property-claims: not produced by fwup; well-formed
             * check and skip. */
            if (skip(x, "system-property-claims") != FWUP_OK)
                return fwup_vcbor_error(&x->r, NULL);
            r->n_unknown++;
            continue;
        }
        if (it.major != FWUP_CBOR_ARRAY)
            return bad(x, FWUP_E_CBOR_TYPE, at, "a record must be an array or a map");
        if (r->n_records >= FWUP_REPORT_MAX_RECORDS)
            return bad(x, FWUP_E_LIMIT_COUNT, at, "more records than fwup keeps");
        e = dec_record(x, &r->records[r->n_records], &r->n_unknown);
        if (e != FWUP_OK)
            return e;
        r->n_records++;
    }
    return FWUP_OK;
}

static enum fwup_err
dec_result(struct dec *x, struct fwup_report *r)
{
    struct fwup_vcbor_item it;
    uint64_t n, seen = 0;
    size_t at = fwup_vcbor_offset(&x->r);

    path_set(x, "report.result", NO_INDEX);
    if (fwup_vcbor_peek(&x->r, &it) != FWUP_OK)
        return reader_bad(x, "result");
    if (it.major == FWUP_CBOR_SIMPLE) {
        bool b;
        if (fwup_vcbor_get_bool(&x->r, &b) != FWUP_OK)
            return reader_bad(x, "result must be true or a map");
        if (!b)
            return bad(x, FWUP_E_SUIT_BAD_VALUE, at, "result false is not allowed (true or a map)");
        r->success = true;
        return FWUP_OK;
    }
    if (fwup_vcbor_get_map(&x->r, &n) != FWUP_OK)
        return reader_bad(x, "result must be true or a map");
    r->success = false;
    for (uint64_t i = 0; i < n; i++) {
        int64_t key;
        size_t kat = fwup_vcbor_offset(&x->r);
        if (get_int(x, &key, "result key") != FWUP_OK)
            return fwup_vcbor_error(&x->r, NULL);
        if (key >= FWUP_REPORT_KEY_RESULT_CODE && key <= FWUP_REPORT_KEY_RESULT_REASON) {
            if (seen & (1u << key))
                return bad(x, FWUP_E_CBOR_DUPLICATE_KEY, kat, "duplicate key in result");
            seen |= 1u << key;
        }
        switch (key) {
        case FWUP_REPORT_KEY_RESULT_CODE:
            path_set(x, "report.result.code", NO_INDEX);
            if (get_int(x, &r->result_code, "result-code") != FWUP_OK)
                return fwup_vcbor_error(&x->r, NULL);
            break;
        case FWUP_REPORT_KEY_RESULT_RECORD: {
            enum fwup_err e;
            path_set(x, "report.result.record", NO_INDEX);
            e = dec_record(x, &r->result_record, &r->n_unknown);
            if (e != FWUP_OK)
                return e;
            break;
        }
        case FWUP_REPORT_KEY_RESULT_REASON:
            path_set(x, "report.result.reason", NO_INDEX);
            if (get_uint(x, &r->reason, "result-reason") != FWUP_OK)
                return fwup_vcbor_error(&x->r, NULL);
            break;
        default:
            /* Duplicates among unknown keys are not tracked here: they are
             * skipped and never interpreted, so they cannot be read two
             * ways. */
            if (skip(x, "unknown result member") != FWUP_OK)
                return fwup_vcbor_error(&x->r, NULL);
            r->n_unknown++;
            break;
        }
        path_set(x, "report.result", NO_INDEX);
    }
    if (seen != ((1u << 5) | (1u << 6) | (1u << 7)))
        return bad(x, FWUP_E_SUIT_MISSING, at,
                   "a failure result needs result-code, result-record and result-reason");
    return FWUP_OK;
}

/* Known keys of SUIT_Report and their bit in `seen`. */
static int
key_bit(int64_t key)
{
    switch (key) {
    case FWUP_REPORT_KEY_NONCE: return 0;
    case FWUP_REPORT_KEY_RECORDS: return 1;
    case FWUP_REPORT_KEY_RESULT: return 2;
    case FWUP_REPORT_KEY_REFERENCE: return 3;
    default: break;
    }
    if (key <= FWUP_REPORT_X_SEQUENCE && key >= FWUP_REPORT_X_DROPPED)
        return 4 + (int)(-key - 1); /* 4 .. 10 */
    return -1;
}

static enum fwup_err
dec_ext(struct dec *x, struct fwup_report *r, int64_t key)
{
    static const uint32_t bits[] = {FWUP_REPORT_HAS_SEQUENCE, FWUP_REPORT_HAS_INSTALLED,
                                    FWUP_REPORT_HAS_DEVICE,   FWUP_REPORT_HAS_CLASS,
                                    FWUP_REPORT_HAS_TIME,     FWUP_REPORT_HAS_NUMBER,
                                    FWUP_REPORT_HAS_DROPPED};
    uint64_t *num = NULL;

    path_set(x, "report.fwup", (size_t)(-key));
    switch (key) {
    case FWUP_REPORT_X_DEVICE:
    case FWUP_REPORT_X_CLASS:
        if (fwup_vcbor_get_bstr(&x->r, key == FWUP_REPORT_X_DEVICE ? &r->device_id
                                                                  : &r->class_id) != FWUP_OK)
            return reader_bad(x, "expected an identifier bstr");
        break;
    case FWUP_REPORT_X_SEQUENCE: num = &r->sequence; break;
    case FWUP_REPORT_X_INSTALLED: num = &r->installed; break;
    case FWUP_REPORT_X_TIME: num = &r->time; break;
    case FWUP_REPORT_X_NUMBER: num = &r->number; break;
    default: num = &r->dropped; break;
    }
    if (num != NULL && get_uint(x, num, "expected a uint") != FWUP_OK)
        return fwup_vcbor_error(&x->r, NULL);
    r->ext |= bits[-key - 1];
    return FWUP_OK;
}

enum fwup_err
fwup_report_decode(const uint8_t *buf, size_t len, struct fwup_report *r, struct fwup_diag *diag)
{
    struct dec x;
    uint64_t n;
    uint32_t seen = 0;
    int64_t unknown[16];
    size_t n_unk = 0;
    enum fwup_err e;

    if (r == NULL || (buf == NULL && len > 0))
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no report");
    fwup_report_init(r);
    if (len > FWUP_REPORT_MAX_SIZE)
        return fwup_diag_set(diag, FWUP_E_IO_TOO_BIG, NULL, "report larger than %zu bytes",
                             FWUP_REPORT_MAX_SIZE);
    memset(&x, 0, sizeof x);
    x.diag = diag;
    fwup_vcbor_init(&x.r, buf, len);
    path_set(&x, "report", NO_INDEX);
    if (fwup_vcbor_get_map(&x.r, &n) != FWUP_OK)
        return reader_bad(&x, "a SUIT_Report is a map");
    for (uint64_t i = 0; i < n; i++) {
        int64_t key;
        size_t kat = fwup_vcbor_offset(&x.r);
        int bit;

        path_set(&x, "report", NO_INDEX);
        if (get_int(&x, &key, "SUIT_Report keys are integers") != FWUP_OK)
            return fwup_vcbor_error(&x.r, NULL);
        bit = key_bit(key);
        if (bit >= 0) {
            if (seen & (1u << bit))
                return bad(&x, FWUP_E_CBOR_DUPLICATE_KEY, kat, "duplicate key in SUIT_Report");
            seen |= 1u << bit;
        } else {
            /* Unknown keys (capability report 8, extensions): skipped, but
             * still unique: two values for one key could be read two ways. */
            for (size_t k = 0; k < n_unk; k++)
                if (unknown[k] == key)
                    return bad(&x, FWUP_E_CBOR_DUPLICATE_KEY, kat, "duplicate key in SUIT_Report");
            if (n_unk >= sizeof unknown / sizeof unknown[0])
                return bad(&x, FWUP_E_LIMIT_COUNT, kat, "too many unknown keys");
            unknown[n_unk++] = key;
        }
        switch (key) {
        case FWUP_REPORT_KEY_REFERENCE: e = dec_reference(&x, r); break;
        case FWUP_REPORT_KEY_NONCE:
            path_set(&x, "report.nonce", NO_INDEX);
            e = fwup_vcbor_get_bstr(&x.r, &r->nonce) == FWUP_OK ? FWUP_OK
                                                                 : reader_bad(&x, "nonce");
            r->has_nonce = true;
            break;
        case FWUP_REPORT_KEY_RECORDS: e = dec_records(&x, r); break;
        case FWUP_REPORT_KEY_RESULT: e = dec_result(&x, r); break;
        default:
            if (bit >= 0) {
                e = dec_ext(&x, r, key);
            } else {
                e = skip(&x, "unknown member");
                r->n_unknown++;
            }
            break;
        }
        if (e != FWUP_OK)
            return e;
    }
    path_set(&x, "report", NO_INDEX);
    if ((seen & 0xe) != 0xe)
        return bad(&x, FWUP_E_SUIT_MISSING, 0,
                   (seen & 8) == 0   ? "suit-reference (99) missing"
                   : (seen & 2) == 0 ? "records (3) missing"
                                     : "result (4) missing");
    if (!fwup_vcbor_at_end(&x.r))
        return bad(&x, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&x.r),
                   "bytes after the SUIT_Report");
    return FWUP_OK;
}
