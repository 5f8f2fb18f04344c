/*
 * Unit tests of lib/keys: PEM signers (plain and encrypted), HMAC signer,
 * exec: signer, keygen. Every signature is checked with the verifier's port,
 * i.e. by the code a device runs, not by the signer itself.
 */
#include <criterion/criterion.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "fwup/crypto.h"
#include "fwup/keygen.h"
#include "fwup/secure.h"
#include "fwup/signer.h"

TestSuite(signer, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p

/* A private scratch directory per test (Criterion forks each test). */
static char tmpdir[64];

static const char *
scratch(const char *name)
{
    static char path[4][128];
    static int k;

    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/fwup-signer.XXXXXX");
        cr_assert_not_null(mkdtemp(tmpdir));
    }
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

static void
write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Sign `msg` with s and check it with the port and the signer's public key. */
static void
sign_and_verify(struct fwup_signer *s, int32_t alg, size_t want_len)
{
    static const uint8_t msg[] = "to be signed: a Sig_structure in real life";
    uint8_t sig[132], *der = NULL;
    size_t slen = 0, dlen = 0;
    struct fwup_v_key pub;
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    struct fwup_bytes m = {msg, sizeof msg};

    cr_assert(fwup_signer_alg_ok(s, alg));
    cr_assert_eq(fwup_signer_sign(s, alg, m, sig, &slen, NULL), FWUP_OK, "alg %d", (int)alg);
    cr_assert_eq(slen, want_len);
    cr_assert_eq(fwup_signer_public_der(s, &der, &dlen, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_from_der(der, dlen, &pub, NULL), FWUP_OK);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(port.sig_verify(port.ctx, alg, &pub, m, (struct fwup_bytes){sig, slen}), FWUP_OK);
    sig[slen - 1] ^= 0x80;
    cr_assert_eq(port.sig_verify(port.ctx, alg, &pub, m, (struct fwup_bytes){sig, slen}),
                 FWUP_E_SIG_VERIFY);
    fwup_crypto_free(c);
    fwup_key_release(&pub);
    free(der);
}

Test(signer, key_a_pem_signs_es256_and_esp256_by_default)
{
    struct fwup_signer *s;

    cr_assert_eq(fwup_signer_open(V("keys/key-a-priv.pem"), NULL, &s, NULL), FWUP_OK);
    cr_assert_eq(fwup_signer_kind(s), FWUP_KEY_P256);
    cr_assert_eq(fwup_signer_default_alg(s), -9);
    cr_assert(strstr(fwup_signer_describe(s), "key-a-priv.pem") != NULL);
    sign_and_verify(s, -9, 64);
    sign_and_verify(s, -7, 64);
    /* a P-256 key refuses every other algorithm */
    uint8_t sig[132];
    size_t n;
    cr_assert_not(fwup_signer_alg_ok(s, -35));
    cr_assert_eq(fwup_signer_sign(s, -51, (struct fwup_bytes){sig, 1}, sig, &n, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(fwup_signer_sign(s, -19, (struct fwup_bytes){sig, 1}, sig, &n, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(fwup_signer_sign(s, 5, (struct fwup_bytes){sig, 1}, sig, &n, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    fwup_signer_free(s);
}

/* keygen -> PEM file -> signer -> signature verified by the port, every kind. */
Test(signer, keygen_keys_sign_and_verify_for_every_algorithm)
{
    static const struct {
        enum fwup_key_kind kind;
        int32_t algs[2];
        size_t len;
    } cases[] = {
        {FWUP_KEY_P256, {-9, -7}, 64},
        {FWUP_KEY_P384, {-51, -35}, 96},
        {FWUP_KEY_ED25519, {-19, -8}, 64},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fwup_keygen_out k;
        struct fwup_signer *s;
        const char *path = scratch("k.pem");
        uint8_t tp[32], *der;
        size_t dlen;

        cr_assert_eq(fwup_keygen(cases[i].kind, NULL, &k, NULL), FWUP_OK);
        cr_assert(memcmp(k.priv, "-----BEGIN PRIVATE KEY-----", 27) == 0);
        cr_assert(strncmp(k.pub_pem, "-----BEGIN PUBLIC KEY-----", 26) == 0);
        write_file(path, k.priv, k.priv_len);
        cr_assert_eq(fwup_signer_open(path, NULL, &s, NULL), FWUP_OK);
        cr_assert_eq(fwup_signer_kind(s), cases[i].kind);
        sign_and_verify(s, cases[i].algs[0], cases[i].len);
        sign_and_verify(s, cases[i].algs[1], cases[i].len);
        /* keygen's kid is the thumbprint of the key in the file */
        cr_assert_eq(fwup_signer_public_der(s, &der, &dlen, NULL), FWUP_OK);
        cr_assert_eq(fwup_key_thumbprint(der, dlen, tp), FWUP_OK);
        cr_assert_eq(memcmp(tp, k.kid, 32), 0);
        free(der);
        fwup_signer_free(s);
        fwup_keygen_release(&k);
        cr_assert_null(k.priv);
        unlink(path);
    }
}

Test(signer, hmac_signer_matches_port_mac_and_has_no_public_key)
{
    struct fwup_signer *s;
    struct fwup_v_key k;
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    uint8_t sig[132], mac[32], *der = NULL;
    size_t n = 0, dlen = 0;
    struct fwup_bytes m = {(const uint8_t *)"MAC me", 6};

    cr_assert_eq(fwup_signer_open("hmac:" V("keys/hmac256-secret.bin"), NULL, &s, NULL), FWUP_OK);
    cr_assert_eq(fwup_signer_kind(s), FWUP_KEY_HMAC256);
    cr_assert_eq(fwup_signer_default_alg(s), 5);
    cr_assert_eq(fwup_signer_sign(s, 5, m, sig, &n, NULL), FWUP_OK);
    cr_assert_eq(n, 32);
    cr_assert_eq(fwup_key_load_hmac(V("keys/hmac256-secret.bin"), &k, NULL), FWUP_OK);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(port.mac_compute(port.ctx, 5, &k, m, mac), FWUP_OK);
    cr_assert(fwup_ct_equal(mac, sig, 32));
    cr_assert_eq(fwup_signer_public_der(s, &der, &dlen, NULL), FWUP_E_UNSUPPORTED);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, NULL), FWUP_E_KEY_ALG_MISMATCH);
    fwup_crypto_free(c);
    fwup_key_release(&k);
    fwup_signer_free(s);
}

Test(signer, encrypted_pkcs8_pem_opens_with_passphrase_file_only)
{
    struct fwup_signer_opts o;
    struct fwup_keygen_out k;
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    const char *pass = scratch("pass"), *bad = scratch("bad"), *key = scratch("enc.pem");

    write_file(pass, "correct horse\n", 14); /* trailing newline is not part of it */
    write_file(bad, "battery staple\n", 15);
    memset(&o, 0, sizeof o);
    o.passphrase_file = pass;
    cr_assert_eq(fwup_keygen(FWUP_KEY_P384, &o, &k, NULL), FWUP_OK);
    cr_assert(memcmp(k.priv, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
    write_file(key, k.priv, k.priv_len);
    fwup_keygen_release(&k);

    /* right passphrase */
    cr_assert_eq(fwup_signer_open(key, &o, &s, NULL), FWUP_OK);
    sign_and_verify(s, -51, 96);
    fwup_signer_free(s);
    /* wrong passphrase: KEY_PASSPHRASE, no signer */
    o.passphrase_file = bad;
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(key, &o, &s, &d), FWUP_E_KEY_PASSPHRASE);
    cr_assert_null(s);
    cr_assert(strstr(d.detail, "passphrase") != NULL, "%s", d.detail);
    /* no passphrase source at all (no file, no callback): never prompts */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(key, NULL, &s, &d), FWUP_E_KEY_PASSPHRASE);
    cr_assert(strstr(d.detail, "--passphrase-file") != NULL, "%s", d.detail);
    /* missing passphrase file */
    o.passphrase_file = "/nonexistent/pass";
    cr_assert_eq(fwup_signer_open(key, &o, &s, NULL), FWUP_E_IO_OPEN);
}

static enum fwup_err
cb_secret(void *ctx, const char *what, const char *prompt, char *buf, size_t cap)
{
    (void)prompt;
    cr_assert_str_eq(what, "passphrase");
    (*(int *)ctx)++;
    snprintf(buf, cap, "%s", "from-callback");
    return FWUP_OK;
}

Test(signer, traditional_encrypted_pem_uses_the_secret_callback)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    const char *key = scratch("trad.pem");
    BIO *f = BIO_new_file(key, "w");
    struct fwup_signer_opts o;
    struct fwup_signer *s;
    int calls = 0;

    /* "Proc-Type: 4,ENCRYPTED" EC PRIVATE KEY, as older tooling writes it */
    cr_assert_not_null(f);
    cr_assert_eq(PEM_write_bio_PrivateKey_traditional(
                     f, pk, EVP_aes_128_cbc(), (unsigned char *)"from-callback", 13, NULL, NULL),
                 1);
    BIO_free(f);
    EVP_PKEY_free(pk);
    memset(&o, 0, sizeof o);
    o.secret_cb = cb_secret;
    o.secret_ctx = &calls;
    cr_assert_eq(fwup_signer_open(key, &o, &s, NULL), FWUP_OK);
    cr_assert_geq(calls, 1);
    sign_and_verify(s, -9, 64);
    fwup_signer_free(s);
}

Test(signer, open_errors_name_the_problem)
{
    struct fwup_signer *s = (struct fwup_signer *)1;
    struct fwup_diag d;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open("/nonexistent.pem", NULL, &s, &d), FWUP_E_IO_OPEN);
    cr_assert_null(s);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(V("keys/key-a-pub.pem"), NULL, &s, &d), FWUP_E_KEY_FORMAT);
    cr_assert(strstr(d.detail, "public key") != NULL, "%s", d.detail);
    cr_assert_eq(fwup_signer_open(V("draft37/example0.suit"), NULL, &s, NULL), FWUP_E_KEY_FORMAT);
    /* an exec: signer without its public key is refused up front */
    cr_assert_eq(fwup_signer_open("exec:true", NULL, &s, NULL), FWUP_E_INVALID_ARG);
    cr_assert_eq(fwup_signer_open("", NULL, &s, NULL), FWUP_E_INVALID_ARG);
    fwup_signer_free(NULL); /* NULL-safe */
}

static struct fwup_signer *
exec_signer(const char *cmd, const char *pub, unsigned timeout)
{
    struct fwup_signer_opts o;
    struct fwup_signer *s = NULL;

    memset(&o, 0, sizeof o);
    o.public_key_file = pub;
    o.exec_timeout_s = timeout;
    cr_assert_eq(fwup_signer_open(cmd, &o, &s, NULL), FWUP_OK);
    return s;
}

Test(signer, exec_signer_accepts_der_from_openssl_and_checks_it)
{
    char cmd[512];
    struct fwup_signer *s;

    /* openssl dgst -sign writes DER ECDSA: fwup converts it to r||s */
    snprintf(cmd, sizeof cmd, "exec:openssl dgst -sha256 -sign '%s'", V("keys/key-a-priv.pem"));
    s = exec_signer(cmd, V("keys/key-a-pub.pem"), 0);
    cr_assert_eq(fwup_signer_kind(s), FWUP_KEY_P256);
    sign_and_verify(s, -9, 64);
    fwup_signer_free(s);
}

Test(signer, exec_signer_failures_are_external_signer_errors)
{
    char cmd[512];
    struct fwup_signer *s;
    struct fwup_diag d;
    uint8_t sig[132];
    size_t n;
    struct fwup_bytes m = {(const uint8_t *)"x", 1};

    /* non-zero exit */
    s = exec_signer("exec:cat >/dev/null; exit 3", V("keys/key-a-pub.pem"), 0);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, &d), FWUP_E_EXTERNAL_SIGNER);
    cr_assert(strstr(d.detail, "status 3") != NULL, "%s", d.detail);
    fwup_signer_free(s);
    /* malformed output: 10 bytes are no signature */
    s = exec_signer("exec:head -c 10 /dev/zero", V("keys/key-a-pub.pem"), 0);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, &d), FWUP_E_EXTERNAL_SIGNER);
    cr_assert(strstr(d.detail, "not a") != NULL, "%s", d.detail);
    fwup_signer_free(s);
    /* a real signature by the WRONG key (KEY-B behind the command, KEY-A as --pub) */
    snprintf(cmd, sizeof cmd, "exec:openssl dgst -sha256 -sign '%s'", V("keys/key-b-priv.pem"));
    s = exec_signer(cmd, V("keys/key-a-pub.pem"), 0);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, &d), FWUP_E_EXTERNAL_SIGNER);
    cr_assert(strstr(d.detail, "does not verify") != NULL, "%s", d.detail);
    fwup_signer_free(s);
    /* a hung command is killed at the timeout */
    s = exec_signer("exec:sleep 30", V("keys/key-a-pub.pem"), 1);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, &d), FWUP_E_EXTERNAL_SIGNER);
    cr_assert(strstr(d.detail, "timed out") != NULL, "%s", d.detail);
    fwup_signer_free(s);
    /* a command that never reads stdin must not kill us with SIGPIPE */
    s = exec_signer("exec:exit 0", V("keys/key-a-pub.pem"), 0);
    cr_assert_eq(fwup_signer_sign(s, -9, m, sig, &n, NULL), FWUP_E_EXTERNAL_SIGNER);
    fwup_signer_free(s);
}

Test(signer, keygen_hmac_is_32_random_bytes_in_secure_memory)
{
    struct fwup_keygen_out a, b;
    uint8_t warm[1];

    /* Instantiate OpenSSL's DRBGs BEFORE the secure heap exists: otherwise
     * their state is referenced only from the secure arena, an mmap that
     * LeakSanitizer does not scan, and the global DRBG looks leaked. */
    cr_assert_eq(RAND_priv_bytes(warm, 1), 1);
    if (!CRYPTO_secure_malloc_initialized())
        cr_assert_eq(CRYPTO_secure_malloc_init(32768, 32), 1);
    cr_assert_eq(fwup_keygen(FWUP_KEY_HMAC256, NULL, &a, NULL), FWUP_OK);
    cr_assert_eq(fwup_keygen(FWUP_KEY_HMAC256, NULL, &b, NULL), FWUP_OK);
    cr_assert_eq(a.priv_len, 32);
    cr_assert_null(a.pub_pem);
    cr_assert(CRYPTO_secure_allocated(a.priv));
    cr_assert_neq(memcmp(a.priv, b.priv, 32), 0);
    fwup_keygen_release(&a);
    fwup_keygen_release(&b);
    cr_assert_eq(fwup_keygen(FWUP_KEY_NONE, NULL, &a, NULL), FWUP_E_INVALID_ARG);
}
