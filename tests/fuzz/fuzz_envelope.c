/*
 * Fuzz target: the verifier's envelope path (fwup/verifier.h) over arbitrary
 * bytes, three ways:
 *
 *  1. show:   parse + inspect with the OpenSSL port, as `fwup show` does,
 *             and again with no port (inspect-only use); then every
 *             accessor. Nothing is authenticated, so the processor's
 *             accessors must refuse the context (FWUP_E_NOT_AUTHENTICATED).
 *  2. verify: parse + authenticate + decode with the real OpenSSL port
 *             (lib/crypto) and one fixed trust anchor, the draft's example
 *             key (tests/vectors/draft37/example-pub.pem), as `fwup verify`
 *             does. A mutated envelope essentially never authenticates; this
 *             pass fuzzes the COSE parsing, the Sig_structure building and
 *             the decision rule.
 *  3. deep:   the same with the permissive port (permissive.h): every
 *             signature "verifies" and every hash "comes out" as the digest
 *             the envelope claims, so the manifest decoder, image parameters
 *             and image check are fuzzed too (fuzz_process goes on into the
 *             processor). Its verdicts mean nothing; only memory safety and
 *             the invariants below are checked.
 *
 * Invariants (FUZZ_CHECK aborts): a call's result equals the context's first
 * error (sticky diag, fail closed); every span the context records lies
 * inside the envelope; counts stay within the compile-time limits; accessors
 * refuse a context that is not authenticated and decoded.
 */
#include <string.h>

#include "fuzz.h"
#include "permissive.h"
#include "fwup/crypto.h"
#include "fwup/verifier.h"

#ifndef FWUP_TEST_VECTORS
#error "FWUP_TEST_VECTORS (the tests/vectors directory) must be defined by the build"
#endif

static void
check_span(const struct fwup_verifier *v, struct fwup_v_span s, size_t len)
{
    if (s.off == 0 && s.len == 0)
        return; /* absent */
    FUZZ_CHECK(s.off <= len && s.len <= len - s.off);
    struct fwup_bytes b = fwup_verifier_bytes(v, s);
    FUZZ_CHECK(b.len == s.len);
}

/* Everything the context records must point into the envelope. */
static void
check_context(const struct fwup_verifier *v, size_t len)
{
    FUZZ_CHECK(v->n_blocks <= FWUP_V_MAX_AUTH_BLOCKS);
    FUZZ_CHECK(v->m.n_components <= FWUP_V_MAX_COMPONENTS);
    check_span(v, v->auth, len);
    check_span(v, v->manifest_item, len);
    check_span(v, v->manifest, len);
    check_span(v, v->digest, len);
    check_span(v, v->digest_bytes, len);
    for (int i = 0; i < FWUP_V_N_SEQ; i++) {
        check_span(v, v->member[i], len);
        check_span(v, v->m.seq[i].body, len);
        check_span(v, v->m.seq[i].digest, len);
    }
    for (unsigned i = 0; i < v->m.n_components; i++)
        check_span(v, v->m.components[i], len);
    check_span(v, v->m.reference_uri, len);
    check_span(v, v->m.component_id, len);
    check_span(v, v->m.common, len);
    check_span(v, v->m.dependencies, len);
    check_span(v, v->m.shared, len);
    for (unsigned i = 0; i < v->n_blocks; i++) {
        const struct fwup_v_block *b = &v->blocks[i];
        FUZZ_CHECK(b->off < len);
        if (b->kid_len > 0)
            FUZZ_CHECK(b->kid_off <= len && b->kid_len <= len - b->kid_off);
    }
}

/* A call's result must be the context's sticky first error. */
static void
check_result(const struct fwup_verifier *v, enum fwup_err e)
{
    const struct fwup_v_diag *d = fwup_verifier_diag(v);

    FUZZ_CHECK(d != NULL);
    if (e == FWUP_OK)
        FUZZ_CHECK(d->code == FWUP_OK);
    else
        FUZZ_CHECK(d->code == (uint8_t)e);
}

/* The processor-facing accessors on a context that is not decoded. */
static void
check_refused(const struct fwup_verifier *v)
{
    struct fwup_bytes a, b;
    struct fwup_v_image img;

    FUZZ_CHECK(fwup_verifier_sequence(v, FWUP_V_SEQ_INSTALL, &a) != FWUP_OK);
    FUZZ_CHECK(fwup_verifier_integrated(v, 0, &a, &b) != FWUP_OK);
    FUZZ_CHECK(fwup_verifier_image_params(v, 0, &img) != FWUP_OK);
}

/* ---- image check through a read callback over a fixed buffer ---- */

struct reader {
    const uint8_t *p;
    size_t left;
};

static enum fwup_err
read_image(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct reader *r = ctx;
    size_t n = r->left < cap ? r->left : cap;

    memcpy(buf, r->p, n);
    r->p += n;
    r->left -= n;
    *got = n;
    return FWUP_OK;
}

static void
exercise_decoded(const struct fwup_verifier *v, const uint8_t *data, size_t size)
{
    for (int s = 0; s < FWUP_V_N_SEQ; s++) {
        struct fwup_bytes seq;
        if (fwup_verifier_sequence(v, (enum fwup_v_seq_slot)s, &seq) == FWUP_OK)
            FUZZ_CHECK(seq.ptr >= data && seq.len <= size && (size_t)(seq.ptr - data) <= size - seq.len);
    }
    for (size_t i = 0; i < 4; i++) {
        struct fwup_bytes name, bytes;
        if (fwup_verifier_integrated(v, i, &name, &bytes) != FWUP_OK)
            break;
        FUZZ_CHECK(bytes.ptr >= data && (size_t)(bytes.ptr - data) <= size - bytes.len);
    }
    for (uint32_t c = 0; c <= v->m.n_components; c++) {
        struct fwup_v_image img;
        enum fwup_err e = fwup_verifier_image_params(v, c, &img);
        if (c == v->m.n_components) {
            FUZZ_CHECK(e != FWUP_OK); /* index out of range */
            break;
        }
        if (e == FWUP_OK && img.has_digest) {
            uint8_t chunk[64];
            struct reader r = {data, size < 300 ? size : 300};
            check_span(v, img.digest, size);
            enum fwup_err ie = fwup_verifier_check_image(v, c, read_image, &r, chunk, sizeof chunk);
            /* verifier.h: the image check does not change the sticky state. */
            FUZZ_CHECK(fwup_verifier_diag(v)->code == FWUP_OK);
            FUZZ_CHECK(ie != FWUP_E_NOT_AUTHENTICATED);
        }
    }
}

/* ---- the fixed trust anchor, loaded once ---- */

static struct fwup_crypto *ossl;
static struct fwup_v_crypto ossl_port;
static struct fwup_v_key anchor_key;
static struct fwup_v_anchor anchor;

static void
setup(void)
{
    struct fwup_diag d;

    if (ossl != NULL)
        return;
    fwup_diag_init(&d);
    FUZZ_CHECK(fwup_crypto_new(&ossl) == FWUP_OK);
    fwup_crypto_port(ossl, &ossl_port);
    if (fwup_key_load_public(FWUP_TEST_VECTORS "/draft37/example-pub.pem", &anchor_key, &d) !=
        FWUP_OK) {
        fprintf(stderr, "fuzz_envelope: cannot load the trust anchor: %s\n", d.detail);
        abort();
    }
    anchor.key = &anchor_key;
    anchor.role = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fwup_verifier v;
    enum fwup_err e;

    setup();
    if (size >= UINT32_MAX)
        return 0;

    /* 1. show: parse + inspect, with the OpenSSL port as `fwup show` uses it,
     *    and with no port at all (verifier.h allows NULL for inspect-only use). */
    for (int with_port = 1; with_port >= 0; with_port--) {
        fwup_verifier_init(&v, with_port ? &ossl_port : NULL);
        e = fwup_verifier_parse(&v, data, size);
        check_result(&v, e);
        if (e == FWUP_OK) {
            check_context(&v, size);
            e = fwup_verifier_inspect(&v);
            check_result(&v, e);
            check_context(&v, size);
        }
        check_refused(&v);
    }

    /* 2. verify with the real port and the example key. */
    {
        struct fwup_v_policy pol;
        memset(&pol, 0, sizeof pol);
        pol.anchors = &anchor;
        pol.n_anchors = 1;
        fwup_verifier_init(&v, &ossl_port);
        e = fwup_verifier_verify(&v, data, size, &pol);
        check_result(&v, e);
        if (e == FWUP_OK) {
            check_context(&v, size);
            exercise_decoded(&v, data, size);
        } else {
            check_refused(&v);
        }
    }

    /* 3. deep: permissive port, so arbitrary manifests get decoded. */
    {
        struct permissive perm;
        fuzz_permissive_init(&perm, &v);
        fwup_verifier_init(&v, &perm.port);
        e = fwup_verifier_parse(&v, data, size);
        check_result(&v, e);
        if (e == FWUP_OK) {
            e = fwup_verifier_authenticate(&v, &perm.policy);
            check_result(&v, e);
            if (e == FWUP_OK) {
                e = fwup_verifier_decode_manifest(&v);
                check_result(&v, e);
            }
            check_context(&v, size);
            if (e == FWUP_OK)
                exercise_decoded(&v, data, size);
            else
                check_refused(&v);
        }
    }
    return 0;
}
