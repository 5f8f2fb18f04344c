/*
 * Fuzz target: the JSON release description (lib/author, fwup/author.h),
 * parsed from memory as `fwup create` does, and everything it produces fed
 * back through the verifier.
 *
 * Image paths resolve against device-sim/example/ (the demo firmware images),
 * so seeds that name firmware-v1.bin / firmware-v2.bin get through to the
 * encoder. The clock is fixed (opts.now), so a run is reproducible.
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - a failed parse returns no model and fills the diag with the same code;
 *  - an accepted description encodes (with and without severable elements);
 *  - what fwup create writes is an envelope the verifier parses and inspects
 *    (what we make, we can read), and the digest in its authentication
 *    wrapper is fwup_author_manifest_digest() of the model;
 *  - encoding is deterministic: the same model gives the same bytes twice;
 *  - fwup_author_sever() of the full envelope is the envelope encoded with
 *    sever = true.
 */
#include <string.h>

#include "fuzz.h"
#include "fwup/author.h"
#include "fwup/crypto.h"
#include "fwup/verifier.h"

#ifndef FWUP_TEST_SRCDIR
#error "FWUP_TEST_SRCDIR (the project root) must be defined by the build"
#endif

/* The OpenSSL port, as `fwup show` uses it (it checks severed elements'
 * digests), made once. */
static struct fwup_crypto *ossl;
static struct fwup_v_crypto ossl_port;

static void
check_envelope(const uint8_t *env, size_t len, const uint8_t digest[32])
{
    struct fwup_verifier v;
    struct fwup_bytes d;

    if (ossl == NULL) {
        FUZZ_CHECK(fwup_crypto_new(&ossl) == FWUP_OK);
        fwup_crypto_port(ossl, &ossl_port);
    }
    fwup_verifier_init(&v, &ossl_port);
    if (fwup_verifier_parse(&v, env, len) != FWUP_OK ||
        fwup_verifier_inspect(&v) != FWUP_OK) {
        const struct fwup_v_diag *dg = fwup_verifier_diag(&v);
        fprintf(stderr, "fuzz_description: the verifier refuses what create made: code %u at %u\n",
                (unsigned)dg->code, (unsigned)dg->offset);
        abort();
    }
    d = fwup_verifier_bytes(&v, v.digest_bytes);
    FUZZ_CHECK(v.digest_alg == FWUP_COSE_SHA256);
    FUZZ_CHECK(d.len == 32 && memcmp(d.ptr, digest, 32) == 0);
    FUZZ_CHECK(v.n_blocks == 0); /* unsigned: the wrapper holds the digest only */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fwup_author_opts opts = {FWUP_TEST_SRCDIR "/device-sim/example", 1700000000u};
    struct fwup_author_model *m = (struct fwup_author_model *)1; /* must be reset */
    struct fwup_diag d;
    uint8_t *full = NULL, *full2 = NULL, *severed = NULL, *cut = NULL;
    size_t full_len = 0, full2_len = 0, severed_len = 0, cut_len = 0, removed = 0;
    uint8_t digest[32];
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_author_parse((const char *)data, size, &opts, &m, &d);
    if (e != FWUP_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(d.code == e);
        return 0;
    }
    FUZZ_CHECK(m != NULL);

    fwup_diag_init(&d);
    e = fwup_author_manifest_digest(m, digest, &d);
    if (e != FWUP_OK) {
        /* Only an image that cannot be read or a backend failure may stop it. */
        FUZZ_CHECK(e == FWUP_E_DESC_FILE || e == FWUP_E_LIMIT_BUFFER || e == FWUP_E_NO_MEMORY);
        goto out;
    }
    e = fwup_author_encode(m, false, &full, &full_len, NULL);
    if (e != FWUP_OK) {
        FUZZ_CHECK(e == FWUP_E_DESC_FILE || e == FWUP_E_LIMIT_BUFFER || e == FWUP_E_NO_MEMORY);
        goto out;
    }
    check_envelope(full, full_len, digest);

    FUZZ_CHECK(fwup_author_encode(m, false, &full2, &full2_len, NULL) == FWUP_OK);
    FUZZ_CHECK(full2_len == full_len && memcmp(full, full2, full_len) == 0);

    FUZZ_CHECK(fwup_author_encode(m, true, &severed, &severed_len, NULL) == FWUP_OK);
    check_envelope(severed, severed_len, digest);

    FUZZ_CHECK(fwup_author_sever(full, full_len, &cut, &cut_len, &removed, NULL) == FWUP_OK);
    FUZZ_CHECK(cut_len == severed_len && memcmp(cut, severed, cut_len) == 0);
    FUZZ_CHECK((removed == 0) == (full_len == severed_len));

out:
    free(full);
    free(full2);
    free(severed);
    free(cut);
    fwup_author_free(m);
    return 0;
}
