/*
 * Fuzz target: key files (fwup/crypto.h, fwup/signer.h, fwup/encrypt.h)
 * over arbitrary bytes, every loader on every input:
 *
 *  1. DER:  fwup_key_from_der() on the bytes in memory (a trust anchor
 *           given as DER, as the device policy and `fwup keys` take it).
 *  2. file: the bytes written to a temporary file (the loaders take paths
 *           only), then fwup_key_load_public() (PEM public key, PEM private
 *           key, or bare DER), fwup_key_load_hmac() (16..64 raw bytes) and
 *           fwup_enc_key_load_pem() (a P-256 device or recipient key).
 *  3. signer: fwup_signer_open() on the same file, as `fwup sign KEY.pem`
 *           does, with --passphrase-file naming a file that holds
 *           "fuzz-passphrase" (seeds encrypted with it decrypt, others meet
 *           a wrong passphrase), and once more with no passphrase source at
 *           all (an encrypted key must then fail cleanly).
 *
 * Everything loaded is released on every path, so LeakSanitizer (fuzz and
 * ASan builds) reports a loader that leaks an EVP_PKEY, BIO or buffer.
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - a failed load leaves the key empty (no handle to free) and the diag
 *    holds the returned code;
 *  - a loaded public key is P-256, P-384 or Ed25519, its kid is the RFC 9679
 *    thumbprint of its DER SubjectPublicKeyInfo, and that DER loads again to
 *    the same type and kid (DER input: the thumbprint of the input itself);
 *  - an HMAC file loads if and only if it has 16..64 bytes;
 *  - a signer that opens has a supported kind, exports its public key and
 *    signs with its default algorithm.
 *
 * Finding, fixed (tests/fuzz/README.md): fwup_signer_open() accepted a PEM
 * private key whose embedded public key does not match its private scalar
 * (a legacy "Proc-Type: 4,ENCRYPTED" SEC1 key with one IV byte changed: CBC
 * garbles the scalar, not the public key). lib/keys/pem.c now runs a
 * pairwise check at open; PAIRWISE_REQUIRED makes sign-then-verify of an
 * opened signer an invariant (the regression input is in the corpus).
 */
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fwup/crypto.h"
#include "fwup/encrypt.h"
#include "fwup/signer.h"

#define KEY_PASSPHRASE "fuzz-passphrase"
#ifndef PAIRWISE_REQUIRED
#define PAIRWISE_REQUIRED 1
#endif

static char key_path[4096];
static char pass_path[4096];
static struct fwup_crypto *ossl;
static struct fwup_v_crypto ossl_port;

static void
cleanup(void)
{
    if (key_path[0] != '\0')
        unlink(key_path);
    if (pass_path[0] != '\0')
        unlink(pass_path);
}

static void
make_temp(char *path, size_t cap, const char *what)
{
    const char *dir = getenv("TMPDIR");
    int fd, w;

    w = snprintf(path, cap, "%s/fwup-fuzz-%s.XXXXXX", dir != NULL && *dir ? dir : "/tmp", what);
    FUZZ_CHECK(w > 0 && (size_t)w < cap);
    fd = mkstemp(path);
    if (fd < 0) {
        fprintf(stderr, "fuzz_key: cannot create %s\n", path);
        abort();
    }
    close(fd);
}

static void
write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");

    FUZZ_CHECK(f != NULL);
    if (size > 0)
        FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    FUZZ_CHECK(fclose(f) == 0);
}

static void
setup(void)
{
    if (ossl != NULL)
        return;
    FUZZ_CHECK(fwup_crypto_new(&ossl) == FWUP_OK);
    fwup_crypto_port(ossl, &ossl_port);
    make_temp(key_path, sizeof key_path, "key");
    make_temp(pass_path, sizeof pass_path, "pass");
    write_file(pass_path, (const uint8_t *)KEY_PASSPHRASE "\n", strlen(KEY_PASSPHRASE) + 1);
    atexit(cleanup);
}

static bool
empty_key(const struct fwup_v_key *k)
{
    static const struct fwup_v_key zero;
    return memcmp(k, &zero, sizeof zero) == 0;
}

static bool
public_type(uint8_t t)
{
    return t == FWUP_V_KEY_P256 || t == FWUP_V_KEY_P384 || t == FWUP_V_KEY_ED25519;
}

/* A loaded public key: supported type, kid = thumbprint of its DER, and the
 * DER loads again to the same key. */
static void
check_public(const struct fwup_v_key *k)
{
    uint8_t *der = NULL, tp[32];
    size_t len = 0;
    struct fwup_v_key again;

    FUZZ_CHECK(k->handle != NULL);
    FUZZ_CHECK(public_type(k->type));
    FUZZ_CHECK(k->kid_len == 32);
    FUZZ_CHECK(fwup_key_public_der(k, &der, &len) == FWUP_OK);
    FUZZ_CHECK(fwup_key_thumbprint(der, len, tp) == FWUP_OK);
    FUZZ_CHECK(memcmp(tp, k->kid, 32) == 0);
    FUZZ_CHECK(fwup_key_from_der(der, len, &again, NULL) == FWUP_OK);
    FUZZ_CHECK(again.type == k->type && memcmp(again.kid, k->kid, 32) == 0);
    fwup_key_release(&again);
    free(der);
}

static void
check_failed(enum fwup_err e, const struct fwup_v_key *k, const struct fwup_diag *d)
{
    FUZZ_CHECK(e != FWUP_OK);
    FUZZ_CHECK(empty_key(k));
    FUZZ_CHECK(d->code == e);
}

static void
fuzz_der(const uint8_t *data, size_t size)
{
    struct fwup_v_key k;
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_key_from_der(data, size, &k, &d);
    if (e != FWUP_OK) {
        check_failed(e, &k, &d);
        return;
    }
    check_public(&k);
    {
        uint8_t tp[32];
        FUZZ_CHECK(fwup_key_thumbprint(data, size, tp) == FWUP_OK);
        FUZZ_CHECK(memcmp(tp, k.kid, 32) == 0);
    }
    fwup_key_release(&k);
    FUZZ_CHECK(empty_key(&k));
}

static void
fuzz_files(size_t size)
{
    struct fwup_v_key k;
    struct fwup_enc_key *ek = NULL;
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_key_load_public(key_path, &k, &d);
    if (e == FWUP_OK)
        check_public(&k);
    else
        check_failed(e, &k, &d);
    fwup_key_release(&k);

    fwup_diag_init(&d);
    e = fwup_key_load_hmac(key_path, &k, &d);
    FUZZ_CHECK((e == FWUP_OK) == (size >= 16 && size <= 64));
    if (e == FWUP_OK) {
        FUZZ_CHECK(k.type == FWUP_V_KEY_HMAC256 && k.handle != NULL && k.kid_len == 0);
    } else {
        check_failed(e, &k, &d);
    }
    fwup_key_release(&k);

    fwup_diag_init(&d);
    e = fwup_enc_key_load_pem(key_path, &ek, &d);
    if (e == FWUP_OK) {
        enum fwup_enc_key_kind kind = fwup_enc_key_kind(ek);
        FUZZ_CHECK(kind == FWUP_ENC_KEY_EC_PUB || kind == FWUP_ENC_KEY_EC_PRIV);
        fwup_enc_key_free(ek);
    } else {
        FUZZ_CHECK(d.code == e);
    }
}

static void
check_signer(struct fwup_signer *s)
{
    enum fwup_key_kind kind = fwup_signer_kind(s);
    static const uint8_t msg[] = "fwup fuzz_key sign/verify";
    uint8_t sig[132], *der = NULL;
    size_t sig_len = 0, der_len = 0;
    struct fwup_v_key pub;
    struct fwup_diag d;
    int32_t alg = fwup_signer_default_alg(s);
    enum fwup_err e;

    FUZZ_CHECK(kind == FWUP_KEY_P256 || kind == FWUP_KEY_P384 || kind == FWUP_KEY_ED25519);
    FUZZ_CHECK(fwup_signer_alg_ok(s, alg));
    FUZZ_CHECK(fwup_signer_describe(s) != NULL);
    fwup_diag_init(&d);
    FUZZ_CHECK(fwup_signer_public_der(s, &der, &der_len, &d) == FWUP_OK);
    FUZZ_CHECK(fwup_key_from_der(der, der_len, &pub, NULL) == FWUP_OK);
    FUZZ_CHECK(pub.type == fwup_alg_key_type(alg));
    FUZZ_CHECK(fwup_signer_sign(s, alg, (struct fwup_bytes){msg, sizeof msg}, sig, &sig_len, &d) ==
               FWUP_OK);
    e = ossl_port.sig_verify(ossl_port.ctx, alg, &pub, (struct fwup_bytes){msg, sizeof msg},
                             (struct fwup_bytes){sig, sig_len});
    if (e != FWUP_OK && PAIRWISE_REQUIRED) {
        fprintf(stderr, "fuzz_key: a signer opened but its signature does not verify under its "
                        "own public key (error %d)\n", (int)e);
        abort();
    }
    fwup_key_release(&pub);
    free(der);
}

static void
fuzz_signer(void)
{
    struct fwup_signer_opts with_pass, no_pass;
    struct fwup_signer *s;
    struct fwup_diag d;
    enum fwup_err e;

    memset(&with_pass, 0, sizeof with_pass);
    with_pass.passphrase_file = pass_path;
    memset(&no_pass, 0, sizeof no_pass);

    for (int i = 0; i < 2; i++) {
        s = NULL;
        fwup_diag_init(&d);
        e = fwup_signer_open(key_path, i == 0 ? &with_pass : &no_pass, &s, &d);
        if (e != FWUP_OK) {
            FUZZ_CHECK(s == NULL);
            FUZZ_CHECK(d.code == e);
            continue;
        }
        FUZZ_CHECK(s != NULL);
        check_signer(s);
        fwup_signer_free(s);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    fuzz_der(data, size);
    /* The file loaders cap key files at 16..64 KiB; larger inputs only
     * test the cap. */
    if (size > 70000)
        return 0;
    write_file(key_path, data, size);
    fuzz_files(size);
    fuzz_signer();
    return 0;
}
