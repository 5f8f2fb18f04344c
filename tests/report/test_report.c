/*
 * lib/report: SUIT reports (draft-ietf-suit-report-18). Round trips, the
 * exact deterministic bytes of a small report, every truncation of a full
 * report, wrong types at every field, duplicate / missing keys, trailing
 * bytes, the reporting-policy filter and the error -> reason mapping.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fwup/report.h"

static const uint8_t DIGEST[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t DEV[16] = {0x2b, 0x1e, 0x9a, 0x7c, 0x51, 0xe8, 0x4a, 0x9e,
                                0x9d, 0x0e, 0x7f, 0x3c, 0x5a, 0x1b, 0x2c, 0x3d};

static struct fwup_report rep, out;

/* Encode r into a malloc'd buffer (asserts success). */
static uint8_t *
encode(const struct fwup_report *r, size_t *len)
{
    struct fwup_enc e;
    uint8_t *buf = NULL;

    fwup_enc_init(&e, 0);
    cr_assert_eq(fwup_report_encode(r, &e), FWUP_OK);
    cr_assert_eq(fwup_enc_take(&e, &buf, len), FWUP_OK);
    fwup_enc_release(&e);
    return buf;
}

/* A failure report with every field fwup writes. */
static void
full_report(struct fwup_report *r)
{
    fwup_report_init(r);
    r->uri.ptr = (const uint8_t *)"https://example.com/fw.suit";
    r->uri.len = strlen("https://example.com/fw.suit");
    r->digest.ptr = DIGEST;
    r->digest.len = sizeof DIGEST;
    r->has_nonce = true;
    r->nonce.ptr = DEV;
    r->nonce.len = 8;
    cr_assert(fwup_report_add(r, 4, 3, 0, 1, FWUP_OK, 15));
    cr_assert(fwup_report_add(r, 20, 9, 0, 21, FWUP_E_FETCH, 2));
    fwup_report_fail(r, FWUP_E_FETCH, 20, 9, 0, 21);
    r->sequence = 7;
    r->installed = 6;
    r->device_id.ptr = DEV;
    r->device_id.len = 16;
    r->class_id.ptr = DEV;
    r->class_id.len = 16;
    r->time = 1700000000;
    r->number = 42;
    r->ext = FWUP_REPORT_HAS_SEQUENCE | FWUP_REPORT_HAS_INSTALLED | FWUP_REPORT_HAS_DEVICE |
             FWUP_REPORT_HAS_CLASS | FWUP_REPORT_HAS_TIME | FWUP_REPORT_HAS_NUMBER;
}

static void
assert_same_record(const struct fwup_report_record *a, const struct fwup_report_record *b)
{
    cr_assert_eq(a->n_mid, b->n_mid);
    cr_assert_eq(a->section, b->section);
    cr_assert_eq(a->offset, b->offset);
    cr_assert_eq(a->component, b->component);
    cr_assert_eq(a->has_command, b->has_command);
    cr_assert_eq(a->command, b->command);
    cr_assert_eq(a->has_result, b->has_result);
    cr_assert_eq(a->result, b->result);
}

TestSuite(report);

Test(report, smallest_success_report_has_exact_deterministic_bytes)
{
    /* {3: [], 4: true, 99: ["", [-16, h'']]}: keys in bytewise order of
     * their encodings (03 < 04 < 18 63). */
    static const uint8_t want[] = {0xa3, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63,
                                   0x82, 0x60, 0x82, 0x2f, 0x40};
    size_t len;
    uint8_t *b;

    fwup_report_init(&rep);
    b = encode(&rep, &len);
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(b, want, sizeof want);
    cr_assert_eq(fwup_report_decode(b, len, &out, NULL), FWUP_OK);
    cr_assert(out.success);
    cr_assert_eq(out.n_records, 0);
    cr_assert_eq(out.uri.len, 0);
    cr_assert_eq(out.digest_alg, -16);
    free(b);
}

Test(report, extension_keys_follow_the_draft_keys_in_order)
{
    size_t len;
    uint8_t *b;

    fwup_report_init(&rep);
    rep.number = 1;
    rep.sequence = 2;
    rep.ext = FWUP_REPORT_HAS_NUMBER | FWUP_REPORT_HAS_SEQUENCE;
    b = encode(&rep, &len);
    /* map(5), 3: [], 4: true, 99: [...], -1: 2, -6: 1 */
    cr_assert_eq(b[0], 0xa5);
    cr_assert_eq(b[len - 4], 0x20); /* -1 */
    cr_assert_eq(b[len - 3], 0x02);
    cr_assert_eq(b[len - 2], 0x25); /* -6 */
    cr_assert_eq(b[len - 1], 0x01);
    free(b);
}

Test(report, failure_round_trip_keeps_every_field)
{
    size_t len;
    uint8_t *b;

    full_report(&rep);
    b = encode(&rep, &len);
    cr_assert_eq(fwup_report_decode(b, len, &out, NULL), FWUP_OK);
    cr_assert(!out.success);
    cr_assert_eq(out.result_code, FWUP_E_FETCH);
    cr_assert_eq(out.reason, FWUP_REPORT_OPERATION_FAILED);
    assert_same_record(&out.result_record, &rep.result_record);
    cr_assert_eq(out.n_records, 2);
    assert_same_record(&out.records[0], &rep.records[0]);
    assert_same_record(&out.records[1], &rep.records[1]);
    cr_assert_eq(out.uri.len, rep.uri.len);
    cr_assert_arr_eq(out.uri.ptr, rep.uri.ptr, rep.uri.len);
    cr_assert_eq(out.digest.len, 32);
    cr_assert_arr_eq(out.digest.ptr, DIGEST, 32);
    cr_assert(out.has_nonce);
    cr_assert_eq(out.nonce.len, 8);
    cr_assert_eq(out.ext, rep.ext);
    cr_assert_eq(out.sequence, 7);
    cr_assert_eq(out.installed, 6);
    cr_assert_eq(out.time, 1700000000);
    cr_assert_eq(out.number, 42);
    cr_assert_arr_eq(out.device_id.ptr, DEV, 16);
    cr_assert_eq(out.n_unknown, 0);
    /* Re-encoding the decoded report gives the same bytes (deterministic). */
    {
        size_t len2;
        uint8_t *b2 = encode(&out, &len2);
        cr_assert_eq(len2, len);
        cr_assert_arr_eq(b2, b, len);
        free(b2);
    }
    free(b);
}

Test(report, every_truncation_is_an_error)
{
    size_t len;
    uint8_t *b;

    full_report(&rep);
    b = encode(&rep, &len);
    for (size_t n = 0; n < len; n++) {
        struct fwup_diag d;
        /* A copy of exactly n bytes, so ASan sees any read past the end. */
        uint8_t *t = malloc(n ? n : 1);
        enum fwup_err e;
        memcpy(t, b, n);
        fwup_diag_init(&d);
        e = fwup_report_decode(t, n, &out, &d);
        cr_assert_neq(e, FWUP_OK, "truncation to %zu of %zu bytes accepted", n, len);
        cr_assert_eq(fwup_err_exit(e), FWUP_EXIT_MALFORMED, "truncation %zu: %s", n,
                     fwup_err_name(e));
        cr_assert_eq(d.code, e);
        free(t);
    }
    free(b);
}

Test(report, trailing_bytes_are_refused_with_their_offset)
{
    size_t len;
    uint8_t *b, *t;
    struct fwup_diag d;

    full_report(&rep);
    b = encode(&rep, &len);
    t = malloc(len + 1);
    memcpy(t, b, len);
    t[len] = 0x00;
    fwup_diag_init(&d);
    cr_assert_eq(fwup_report_decode(t, len + 1, &out, &d), FWUP_E_CBOR_TRAILING);
    cr_assert(d.has_offset);
    cr_assert_eq(d.offset, len);
    free(t);
    free(b);
}

/* Decode hand-written CBOR and expect an error (and its offset). */
static void
expect_bad(const uint8_t *p, size_t n, enum fwup_err want, size_t off)
{
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_report_decode(p, n, &out, &d);
    cr_assert_eq(e, want, "got %s, want %s", fwup_err_name(e), fwup_err_name(want));
    cr_assert(d.has_offset);
    cr_assert_eq(d.offset, off, "offset %zu, want %zu", d.offset, off);
}

#define BAD(want, off, ...)                                                                        \
    do {                                                                                           \
        static const uint8_t in_[] = {__VA_ARGS__};                                                \
        expect_bad(in_, sizeof in_, want, off);                                                    \
    } while (0)

Test(report, wrong_types_are_refused_where_they_are)
{
    /* not a map */
    BAD(FWUP_E_CBOR_TYPE, 0, 0x80);
    /* records is a map */
    BAD(FWUP_E_CBOR_TYPE, 2, 0xa3, 0x03, 0xa0, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f,
        0x40);
    /* result is 1 */
    BAD(FWUP_E_CBOR_TYPE, 4, 0xa3, 0x03, 0x80, 0x04, 0x01, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f,
        0x40);
    /* result is false */
    BAD(FWUP_E_SUIT_BAD_VALUE, 4, 0xa3, 0x03, 0x80, 0x04, 0xf4, 0x18, 0x63, 0x82, 0x60, 0x82,
        0x2f, 0x40);
    /* uri is a bstr */
    BAD(FWUP_E_CBOR_TYPE, 8, 0xa3, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x40, 0x82, 0x2f,
        0x40);
    /* digest bytes are a tstr */
    BAD(FWUP_E_CBOR_TYPE, 11, 0xa3, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f,
        0x60);
    /* digest alg is a tstr */
    BAD(FWUP_E_CBOR_TYPE, 10, 0xa3, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x60,
        0x40);
    /* a record that is a uint */
    BAD(FWUP_E_CBOR_TYPE, 3, 0xa3, 0x03, 0x81, 0x01, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82,
        0x2f, 0x40);
    /* a record with a tstr offset: [[], 7, "", 0, {}] */
    BAD(FWUP_E_CBOR_TYPE, 6, 0xa3, 0x03, 0x81, 0x85, 0x80, 0x07, 0x60, 0x00, 0xa0, 0x04, 0xf5,
        0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* a record whose properties are an array */
    BAD(FWUP_E_CBOR_TYPE, 8, 0xa3, 0x03, 0x81, 0x85, 0x80, 0x07, 0x00, 0x00, 0x80, 0x04, 0xf5,
        0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* a record with 4 elements */
    BAD(FWUP_E_SUIT_MISSING, 3, 0xa3, 0x03, 0x81, 0x84, 0x80, 0x07, 0x00, 0x00, 0x04, 0xf5, 0x18,
        0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* a text-string key */
    BAD(FWUP_E_CBOR_TYPE, 1, 0xa1, 0x61, 0x61, 0x00);
    /* fwup extension -3 (device id) as a uint */
    BAD(FWUP_E_CBOR_TYPE, 13, 0xa4, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f,
        0x40, 0x22, 0x01);
    /* fwup extension -1 (sequence) negative */
    BAD(FWUP_E_CBOR_TYPE, 13, 0xa4, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f,
        0x40, 0x20, 0x20);
    /* result-reason negative: {5: 1, 6: [[], 0, 0, 0, {}], 7: -1} */
    BAD(FWUP_E_CBOR_TYPE, 15, 0xa3, 0x03, 0x80, 0x04, 0xa3, 0x05, 0x01, 0x06, 0x85, 0x80, 0x00,
        0x00, 0x00, 0xa0, 0x07, 0x20, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* uri not UTF-8 */
    BAD(FWUP_E_CBOR_UTF8, 8, 0xa3, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x61, 0xff, 0x82,
        0x2f, 0x40);
    /* indefinite-length records */
    BAD(FWUP_E_CBOR_INDEFINITE, 2, 0xa3, 0x03, 0x9f, 0xff, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60,
        0x82, 0x2f, 0x40);
}

Test(report, duplicate_and_missing_keys_are_refused)
{
    /* 3 twice */
    BAD(FWUP_E_CBOR_DUPLICATE_KEY, 3, 0xa4, 0x03, 0x80, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63,
        0x82, 0x60, 0x82, 0x2f, 0x40);
    /* an unknown key twice */
    BAD(FWUP_E_CBOR_DUPLICATE_KEY, 14, 0xa5, 0x03, 0x80, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60,
        0x82, 0x2f, 0x40, 0x08, 0xa0, 0x08, 0xa0);
    /* no 99 */
    BAD(FWUP_E_SUIT_MISSING, 0, 0xa2, 0x03, 0x80, 0x04, 0xf5);
    /* no 4 */
    BAD(FWUP_E_SUIT_MISSING, 0, 0xa2, 0x03, 0x80, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* failure result without result-reason */
    BAD(FWUP_E_SUIT_MISSING, 4, 0xa3, 0x03, 0x80, 0x04, 0xa2, 0x05, 0x01, 0x06, 0x85, 0x80, 0x00,
        0x00, 0x00, 0xa0, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* result-code twice */
    BAD(FWUP_E_CBOR_DUPLICATE_KEY, 7, 0xa3, 0x03, 0x80, 0x04, 0xa3, 0x05, 0x01, 0x05, 0x01, 0x07,
        0x00, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
}

Test(report, unknown_keys_and_system_properties_are_skipped_and_counted)
{
    /* {3: [{0: [h'00']}], 4: true, 8: {}, 99: ["", [-16, h'']], -20: 1} */
    static const uint8_t in[] = {0xa5, 0x03, 0x81, 0xa1, 0x00, 0x81, 0x41, 0x00, 0x04, 0xf5,
                                 0x08, 0xa0, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40, 0x33,
                                 0x01};

    cr_assert_eq(fwup_report_decode(in, sizeof in, &out, NULL), FWUP_OK);
    cr_assert_eq(out.n_records, 0);
    cr_assert_eq(out.n_unknown, 3);
}

Test(report, manifest_id_depth_and_record_count_are_bounded)
{
    uint8_t buf[4 + 6 * (FWUP_REPORT_MAX_RECORDS + 1)];
    size_t n = 0;

    /* manifest-id with 9 elements */
    BAD(FWUP_E_LIMIT_DEPTH, 4, 0xa3, 0x03, 0x81, 0x85, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x00,
        0x00, 0xa0, 0x04, 0xf5, 0x18, 0x63, 0x82, 0x60, 0x82, 0x2f, 0x40);
    /* FWUP_REPORT_MAX_RECORDS + 1 records of [[], 0, 0, 0, {}] */
    buf[n++] = 0xa3;
    buf[n++] = 0x03;
    buf[n++] = 0x98;
    buf[n++] = FWUP_REPORT_MAX_RECORDS + 1;
    for (int i = 0; i <= FWUP_REPORT_MAX_RECORDS; i++) {
        static const uint8_t rec[] = {0x85, 0x80, 0x00, 0x00, 0x00, 0xa0};
        cr_assert_leq(n + sizeof rec, sizeof buf);
        memcpy(buf + n, rec, sizeof rec);
        n += sizeof rec;
    }
    expect_bad(buf, n, FWUP_E_LIMIT_COUNT, 4 + 6 * FWUP_REPORT_MAX_RECORDS);
}

Test(report, reporting_policy_decides_which_records_are_kept)
{
    fwup_report_init(&rep);
    cr_assert(!fwup_report_add(&rep, 7, 1, 0, 3, FWUP_OK, 0));
    cr_assert(!fwup_report_add(&rep, 7, 1, 0, 3, FWUP_OK, FWUP_REP_RECORD_FAILURE));
    cr_assert(fwup_report_add(&rep, 7, 1, 0, 3, FWUP_OK, FWUP_REP_RECORD_SUCCESS));
    cr_assert(!fwup_report_add(&rep, 7, 1, 0, 3, FWUP_E_CONDITION_FAILED, FWUP_REP_RECORD_SUCCESS));
    cr_assert(fwup_report_add(&rep, 7, 1, 0, 3, FWUP_E_CONDITION_FAILED, FWUP_REP_RECORD_FAILURE));
    cr_assert_eq(rep.n_records, 2);
    cr_assert_eq(rep.records[1].result, FWUP_E_CONDITION_FAILED);
    for (int i = 0; i < FWUP_REPORT_MAX_RECORDS; i++)
        (void)fwup_report_add(&rep, 7, 1, 0, 3, FWUP_OK, 15);
    cr_assert_eq(rep.n_records, FWUP_REPORT_MAX_RECORDS);
    cr_assert_eq(rep.dropped, 2);
    cr_assert(rep.ext & FWUP_REPORT_HAS_DROPPED);
}

Test(report, errors_map_to_the_drafts_reasons)
{
    static const struct {
        enum fwup_err e;
        enum fwup_report_reason r;
    } t[] = {
        {FWUP_OK, FWUP_REPORT_OK},
        {FWUP_E_CBOR_TRUNCATED, FWUP_REPORT_CBOR_PARSE},
        {FWUP_E_SUIT_SEQUENCE, FWUP_REPORT_CBOR_PARSE},
        {FWUP_E_COSE_STRUCTURE, FWUP_REPORT_COSE_UNSUPPORTED},
        {FWUP_E_COSE_UNSUPPORTED_ALG, FWUP_REPORT_ALG_UNSUPPORTED},
        {FWUP_E_SIG_VERIFY, FWUP_REPORT_UNAUTHORISED},
        {FWUP_E_NO_AUTH_BLOCK, FWUP_REPORT_UNAUTHORISED},
        {FWUP_E_POLICY_ROLE_MISSING, FWUP_REPORT_UNAUTHORISED},
        {FWUP_E_POLICY_COMPONENT, FWUP_REPORT_COMPONENT_UNAUTHORISED},
        {FWUP_E_SUIT_UNSUPPORTED_CMD, FWUP_REPORT_COMMAND_UNSUPPORTED},
        {FWUP_E_SUIT_COMPONENT, FWUP_REPORT_COMPONENT_UNSUPPORTED},
        {FWUP_E_SUIT_UNSUPPORTED_PARAM, FWUP_REPORT_PARAMETER_UNSUPPORTED},
        {FWUP_E_SUIT_SEVERED, FWUP_REPORT_SEVERING_UNSUPPORTED},
        {FWUP_E_CONDITION_FAILED, FWUP_REPORT_CONDITION_FAILED},
        {FWUP_E_ROLLBACK, FWUP_REPORT_CONDITION_FAILED},
        {FWUP_E_IMAGE_DIGEST, FWUP_REPORT_CONDITION_FAILED},
        {FWUP_E_FETCH, FWUP_REPORT_OPERATION_FAILED},
        {FWUP_E_FLASH, FWUP_REPORT_OPERATION_FAILED},
        {FWUP_E_DECRYPT, FWUP_REPORT_OPERATION_FAILED},
        {FWUP_E_BAD_STATE, FWUP_REPORT_OPERATION_FAILED},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        cr_assert_eq(fwup_report_reason_of(t[i].e), t[i].r, "%s", fwup_err_name(t[i].e));
    cr_assert_str_eq(fwup_report_reason_name(10), "condition-failed");
    cr_assert_str_eq(fwup_report_reason_name(4), "unauthorised");
    cr_assert_str_eq(fwup_report_reason_name(13), "unknown");
}

Test(report, encoder_refuses_properties_that_are_not_a_map)
{
    static const uint8_t arr[] = {0x80};
    struct fwup_enc e;

    fwup_report_init(&rep);
    cr_assert(fwup_report_add(&rep, 7, 0, 0, 3, FWUP_OK, 1));
    rep.records[0].properties.ptr = arr;
    rep.records[0].properties.len = 1;
    fwup_enc_init(&e, 0);
    cr_assert_eq(fwup_report_encode(&rep, &e), FWUP_E_INVALID_ARG);
    fwup_enc_release(&e);
}

Test(report, encoder_cap_is_reported)
{
    struct fwup_enc e;

    full_report(&rep);
    fwup_enc_init(&e, 16);
    cr_assert_eq(fwup_report_encode(&rep, &e), FWUP_E_LIMIT_BUFFER);
    fwup_enc_release(&e);
}
