/*
 * Fuzz target: SUIT reports (fwup/report.h). fwup_report_decode() reads
 * what devices send back (`fwup report show / summary`, a fleet backend),
 * so it is the parser of untrusted input on the operator's side.
 *
 * Each input is decoded; an accepted report is encoded again and the
 * re-encoding decoded:
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - a failed decode puts the returned code in the diag;
 *  - an accepted report is within the limits (records, manifest-id depth)
 *    and every byte view points into the input;
 *  - what decode accepted, encode writes (FWUP_OK), and the encoding
 *    decodes to the same values: reference, nonce, every record (manifest
 *    id, section, offset, component, properties bytes, command, result),
 *    the result, every fwup extension field (unknown keys and
 *    system-property-claims are dropped by design, so n_unknown is not
 *    compared, and a success result carries no failure fields);
 *  - encoding is a fixed point: encoding the re-decoded report gives the
 *    same bytes again, and nothing is unknown in it.
 */
#include <string.h>

#include "fuzz.h"
#include "fwup/enc.h"
#include "fwup/report.h"

static void
check_view(struct fwup_bytes b, const uint8_t *data, size_t size)
{
    if (b.len == 0)
        return;
    FUZZ_CHECK(b.ptr >= data && b.len <= size && (size_t)(b.ptr - data) <= size - b.len);
}

static bool
same_bytes(struct fwup_bytes a, struct fwup_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static void
check_record_views(const struct fwup_report_record *rec, const uint8_t *data, size_t size)
{
    FUZZ_CHECK(rec->n_mid <= FWUP_REPORT_MAX_MID);
    check_view(rec->properties, data, size);
    /* decode: properties is one encoded map */
    FUZZ_CHECK(rec->properties.len > 0 && (rec->properties.ptr[0] >> 5) == 5);
    FUZZ_CHECK(!rec->has_result || rec->has_command);
}

static void
same_record(const struct fwup_report_record *a, const struct fwup_report_record *b)
{
    FUZZ_CHECK(a->n_mid == b->n_mid);
    for (uint8_t i = 0; i < a->n_mid; i++)
        FUZZ_CHECK(a->mid[i] == b->mid[i]);
    FUZZ_CHECK(a->section == b->section);
    FUZZ_CHECK(a->offset == b->offset);
    FUZZ_CHECK(a->component == b->component);
    FUZZ_CHECK(same_bytes(a->properties, b->properties));
    FUZZ_CHECK(a->has_command == b->has_command);
    if (a->has_command)
        FUZZ_CHECK(a->command == b->command);
    FUZZ_CHECK(a->has_result == b->has_result);
    if (a->has_result)
        FUZZ_CHECK(a->result == b->result);
}

static void
same_report(const struct fwup_report *a, const struct fwup_report *b)
{
    FUZZ_CHECK(same_bytes(a->uri, b->uri));
    FUZZ_CHECK(a->digest_alg == b->digest_alg);
    FUZZ_CHECK(same_bytes(a->digest, b->digest));
    FUZZ_CHECK(a->has_nonce == b->has_nonce);
    if (a->has_nonce)
        FUZZ_CHECK(same_bytes(a->nonce, b->nonce));
    FUZZ_CHECK(a->n_records == b->n_records);
    for (size_t i = 0; i < a->n_records; i++)
        same_record(&a->records[i], &b->records[i]);
    FUZZ_CHECK(a->success == b->success);
    if (!a->success) {
        FUZZ_CHECK(a->result_code == b->result_code);
        same_record(&a->result_record, &b->result_record);
        FUZZ_CHECK(a->reason == b->reason);
    }
    FUZZ_CHECK(a->ext == b->ext);
    if (a->ext & FWUP_REPORT_HAS_SEQUENCE)
        FUZZ_CHECK(a->sequence == b->sequence);
    if (a->ext & FWUP_REPORT_HAS_INSTALLED)
        FUZZ_CHECK(a->installed == b->installed);
    if (a->ext & FWUP_REPORT_HAS_DEVICE)
        FUZZ_CHECK(same_bytes(a->device_id, b->device_id));
    if (a->ext & FWUP_REPORT_HAS_CLASS)
        FUZZ_CHECK(same_bytes(a->class_id, b->class_id));
    if (a->ext & FWUP_REPORT_HAS_TIME)
        FUZZ_CHECK(a->time == b->time);
    if (a->ext & FWUP_REPORT_HAS_NUMBER)
        FUZZ_CHECK(a->number == b->number);
    if (a->ext & FWUP_REPORT_HAS_DROPPED)
        FUZZ_CHECK(a->dropped == b->dropped);
}

/* Two reports are large (32 records each): static, not on the stack. */
static struct fwup_report r1, r2;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fwup_diag d;
    struct fwup_enc e1, e2;
    struct fwup_bytes b1, b2;
    uint8_t *copy = NULL;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_report_decode(data, size, &r1, &d);
    if (e != FWUP_OK) {
        FUZZ_CHECK(d.code == e);
        return 0;
    }

    FUZZ_CHECK(r1.n_records <= FWUP_REPORT_MAX_RECORDS);
    check_view(r1.uri, data, size);
    check_view(r1.digest, data, size);
    check_view(r1.nonce, data, size);
    check_view(r1.device_id, data, size);
    check_view(r1.class_id, data, size);
    for (size_t i = 0; i < r1.n_records; i++)
        check_record_views(&r1.records[i], data, size);
    if (!r1.success)
        check_record_views(&r1.result_record, data, size);

    /* What decode accepted, encode writes; it decodes to the same values. */
    fwup_enc_init(&e1, 2 * FWUP_REPORT_MAX_SIZE);
    e = fwup_report_encode(&r1, &e1);
    if (e != FWUP_OK) {
        fprintf(stderr, "fuzz_report: a decoded report does not encode: error %d\n", (int)e);
        abort();
    }
    b1 = fwup_enc_bytes(&e1);
    FUZZ_CHECK(b1.len > 0 && b1.len <= FWUP_REPORT_MAX_SIZE);
    /* An exact-size copy, so an over-read of the re-encoding is reported. */
    copy = malloc(b1.len);
    FUZZ_CHECK(copy != NULL);
    memcpy(copy, b1.ptr, b1.len);
    fwup_diag_init(&d);
    e = fwup_report_decode(copy, b1.len, &r2, &d);
    if (e != FWUP_OK) {
        fprintf(stderr, "fuzz_report: the re-encoding does not decode: error %d at %zu (%s: %s)\n",
                (int)e, d.offset, d.path, d.detail);
        abort();
    }
    same_report(&r1, &r2);
    FUZZ_CHECK(r2.n_unknown == 0);

    /* Fixed point: encoding the re-decoded report gives the same bytes. */
    fwup_enc_init(&e2, 2 * FWUP_REPORT_MAX_SIZE);
    FUZZ_CHECK(fwup_report_encode(&r2, &e2) == FWUP_OK);
    b2 = fwup_enc_bytes(&e2);
    FUZZ_CHECK(b2.len == b1.len && memcmp(b2.ptr, b1.ptr, b1.len) == 0);

    fwup_enc_release(&e2);
    fwup_enc_release(&e1);
    free(copy);
    return 0;
}
