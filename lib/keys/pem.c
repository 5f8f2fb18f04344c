/*
 * PEM file signer: EC P-256 / P-384 and Ed25519 private keys (PKCS#8 or
 * traditional "EC PRIVATE KEY"), optionally encrypted. The passphrase comes
 * from a file or the caller's secret callback, never argv (STYLE.md §6-7).
 *
 * Secrets: the file bytes and the passphrase are wiped as soon as OpenSSL
 * has decoded the key; the key itself then lives only inside the EVP_PKEY,
 * which OpenSSL cleanses when it is freed.
 *
 * Unencrypted keys in the forms `openssl genpkey` and `fwup keygen` write
 * are decoded by lib/crypto/rawkey.c instead of PEM_read_bio_PrivateKey:
 * OpenSSL 3's decoder set-up alone was 40 % of the instructions of a whole
 * `fwup sign` (bench/README.md). Everything else takes OpenSSL's path.
 */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto_int.h"
#include "fwup/secure.h"
#include "signer_int.h"

#define KEY_FILE_MAX 65536 /* a PEM private key is well under 4 KiB */
#define PASS_MAX 1024

enum fwup_err
fwup_keys_passphrase(const struct fwup_signer_opts *opts, const char *prompt, char *buf, size_t cap,
                     struct fwup_diag *diag)
{
    enum fwup_err rc = FWUP_OK;
    size_t n;

    if (buf == NULL || cap < 2)
        return FWUP_E_INVALID_ARG;
    buf[0] = '\0';
    if (opts != NULL && opts->passphrase_file != NULL) {
        FILE *f = fopen(opts->passphrase_file, "rb");
        if (f == NULL)
            return fwup_diag_set(diag, FWUP_E_IO_OPEN, NULL, "cannot open passphrase file: %s",
                                 strerror(errno));
        /* First line only: `echo secret > file` adds a newline that is not
         * part of the passphrase (what openssl's file: source does too). */
        if (fgets(buf, (int)(cap > 4096 ? 4096 : cap), f) == NULL)
            buf[0] = '\0';
        fclose(f);
    } else if (opts != NULL && opts->secret_cb != NULL) {
        rc = opts->secret_cb(opts->secret_ctx, "passphrase", prompt, buf, cap);
        if (rc != FWUP_OK) {
            fwup_wipe(buf, cap);
            return fwup_diag_set(diag, rc, NULL,
                                 "key is encrypted and no passphrase was given "
                                 "(use --passphrase-file)");
        }
    } else {
        return fwup_diag_set(diag, FWUP_E_KEY_PASSPHRASE, NULL,
                             "key is encrypted and no passphrase was given "
                             "(use --passphrase-file)");
    }
    n = strnlen(buf, cap);
    if (n == cap) { /* no NUL inside: cannot happen with fgets/contract, be safe */
        fwup_wipe(buf, cap);
        return fwup_diag_set(diag, FWUP_E_KEY_PASSPHRASE, NULL, "passphrase too long");
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0) {
        fwup_wipe(buf, cap);
        return fwup_diag_set(diag, FWUP_E_KEY_PASSPHRASE, NULL, "passphrase is empty");
    }
    return FWUP_OK;
}

struct pw_ctx {
    const struct fwup_signer_opts *opts;
    const char *path;
    bool asked;
    enum fwup_err err;
    struct fwup_diag *diag;
};

/* OpenSSL pem_password_cb: called only when the key is encrypted. */
static int
pw_cb(char *buf, int size, int rwflag, void *u)
{
    struct pw_ctx *c = u;
    char pass[PASS_MAX], prompt[200];
    size_t n;
    enum fwup_err rc;

    (void)rwflag;
    c->asked = true;
    if (size <= 1)
        return -1;
    snprintf(prompt, sizeof prompt, "passphrase for '%s'", c->path);
    rc = fwup_keys_passphrase(c->opts, prompt, pass, sizeof pass, c->diag);
    if (rc != FWUP_OK) {
        c->err = rc;
        return -1;
    }
    n = strlen(pass);
    if (n >= (size_t)size) {
        c->err = fwup_diag_set(c->diag, FWUP_E_KEY_PASSPHRASE, NULL, "passphrase too long");
        FWUP_WIPE_VAR(pass);
        return -1;
    }
    memcpy(buf, pass, n);
    FWUP_WIPE_VAR(pass);
    return (int)n;
}

struct pem_key {
    EVP_PKEY *pkey;
    /* DER SubjectPublicKeyInfo when the fast path decoded the key (i2d_PUBKEY
     * would set up OpenSSL's encoders for it); 0: ask OpenSSL. */
    size_t spki_len;
    uint8_t spki[FWUP_SPKI_MAX];
};

static enum fwup_err
pem_sign(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs, uint8_t sig[132],
         size_t *sig_len, struct fwup_diag *diag)
{
    EVP_PKEY *pkey = ((struct pem_key *)s->state)->pkey;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = NULL;
    uint8_t der[160];
    size_t dl = sizeof der, cl = 0;
    enum fwup_err rc;

    (void)alg; /* fwup_signer_sign checked alg against the kind */
    if (s->kind == FWUP_KEY_P256)
        md = EVP_sha256(), cl = 32;
    else if (s->kind == FWUP_KEY_P384)
        md = EVP_sha384(), cl = 48;
    if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, md, NULL, pkey) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "signature init");
        goto out;
    }
    if (s->kind == FWUP_KEY_ED25519) {
        /* PureEdDSA over the whole to-be-signed structure (RFC 9053 §2.2). */
        dl = 64;
        if (EVP_DigestSign(ctx, sig, &dl, tbs.ptr, tbs.len) != 1 || dl != 64) {
            rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "Ed25519 sign");
            goto out;
        }
        *sig_len = 64;
        rc = FWUP_OK;
        goto out;
    }
    /* ECDSA: OpenSSL emits DER; COSE wants fixed-width r||s (RFC 9053 §2.1).
     * OpenSSL 3.0 has no RFC 6979: each signature differs (ENVIRONMENT §9). */
    if (EVP_DigestSign(ctx, der, &dl, tbs.ptr, tbs.len) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "ECDSA sign");
        goto out;
    }
    rc = fwup_ecdsa_der_to_raw(der, dl, cl, sig);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, FWUP_E_CRYPTO, NULL, "OpenSSL returned a malformed signature");
        goto out;
    }
    *sig_len = 2 * cl;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

static enum fwup_err
pem_public_der(struct fwup_signer *s, uint8_t **der, size_t *der_len, struct fwup_diag *diag)
{
    const struct pem_key *k = s->state;
    unsigned char *o = NULL;
    int n;

    if (k->spki_len != 0) {
        *der = malloc(k->spki_len);
        if (*der == NULL)
            return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        memcpy(*der, k->spki, k->spki_len);
        *der_len = k->spki_len;
        return FWUP_OK;
    }
    n = i2d_PUBKEY(k->pkey, &o);
    if (n <= 0)
        return fwup_ossl_fail(diag, FWUP_E_CRYPTO, "public key export");
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(o);
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    memcpy(*der, o, (size_t)n);
    *der_len = (size_t)n;
    OPENSSL_free(o);
    return FWUP_OK;
}

static void
pem_destroy(struct fwup_signer *s)
{
    struct pem_key *k = s->state;

    if (k != NULL)
        EVP_PKEY_free(k->pkey); /* OpenSSL cleanses the private scalar */
    free(k);
    s->state = NULL;
}

static const struct fwup_signer_ops pem_ops = {
    .sign = pem_sign,
    .public_der = pem_public_der,
    .destroy = pem_destroy,
};

/*
 * The fast path (rawkey.c). NULL when the file is not in one of its forms,
 * or OpenSSL refuses the numbers (a point off the curve): the generic path
 * then decides, with the messages it always gave.
 */
static EVP_PKEY *
open_raw(const uint8_t *buf, size_t len, struct pem_key *k)
{
    struct fwup_raw_pub pub;
    uint8_t priv[FWUP_PRIV_MAX];
    size_t priv_len = 0, n = 32;
    EVP_PKEY *pkey;

    if (fwup_pem_private_parse(buf, len, &pub, priv, &priv_len) != FWUP_OK)
        return NULL;
    pkey = fwup_pkey_from_raw(&pub, priv, priv_len);
    FWUP_WIPE_VAR(priv);
    if (pkey == NULL)
        return NULL;
    if (pub.len == 0) { /* Ed25519 PKCS#8 v1: OpenSSL derived the public key */
        if (EVP_PKEY_get_raw_public_key(pkey, pub.bytes, &n) != 1 || n != 32) {
            ERR_clear_error();
            EVP_PKEY_free(pkey);
            return NULL;
        }
        pub.len = 32;
    }
    k->spki_len = fwup_spki_encode(&pub, k->spki);
    return pkey;
}

enum fwup_err
fwup_pem_signer_open(const char *path, const struct fwup_signer_opts *opts,
                     struct fwup_signer **out, struct fwup_diag *diag)
{
    FILE *f;
    uint8_t *buf = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    struct pem_key *k = NULL;
    struct fwup_signer *s;
    struct pw_ctx pw = {opts, path, false, FWUP_OK, diag};
    enum fwup_err rc = FWUP_OK;
    enum fwup_v_key_type t;

    f = fopen(path, "rb");
    if (f == NULL)
        return fwup_diag_set(diag, FWUP_E_IO_OPEN, NULL, "cannot open key: %s", strerror(errno));
    buf = malloc(KEY_FILE_MAX + 2); /* +1 to detect too big, +1 for a NUL */
    k = calloc(1, sizeof *k);
    if (buf == NULL || k == NULL) {
        fclose(f);
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    len = fread(buf, 1, KEY_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = fwup_diag_set(diag, FWUP_E_IO_READ, NULL, "cannot read key: %s", strerror(errno));
        fclose(f);
        goto out;
    }
    fclose(f);
    buf[len] = '\0'; /* strstr below must stop inside the buffer */
    if (len > KEY_FILE_MAX) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL, "key file larger than %d bytes",
                           KEY_FILE_MAX);
        goto out;
    }
    pkey = open_raw(buf, len, k);
    if (pkey == NULL) {
        bio = BIO_new_mem_buf(buf, (int)len);
        if (bio == NULL) {
            rc = fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "BIO");
            goto out;
        }
        pkey = PEM_read_bio_PrivateKey(bio, NULL, pw_cb, &pw);
    }
    if (pkey == NULL) {
        if (pw.err != FWUP_OK) {
            /* The callback could not get a passphrase: its diag says why. */
            ERR_clear_error();
            rc = pw.err;
        } else if (pw.asked) {
            ERR_clear_error();
            rc = fwup_diag_set(diag, FWUP_E_KEY_PASSPHRASE, NULL,
                               "cannot decrypt the key: wrong passphrase");
        } else {
            /* Tell a public key apart: a common slip in pipelines. */
            bool is_pub = len >= 26 && strstr((const char *)buf, "PUBLIC KEY-----") != NULL;
            ERR_clear_error();
            rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL, "%s",
                               is_pub ? "this is a public key; signing needs the private key"
                                      : "not a PEM private key");
        }
        goto out;
    }
    t = fwup_pkey_type(pkey);
    if (t == FWUP_V_KEY_NONE) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "unsupported key type (need EC P-256, EC P-384 or Ed25519)");
        goto out;
    }
    /* A key file whose public half does not match its private half (a
     * corrupted or tampered file: found by tests/fuzz/fuzz_key.c on a legacy
     * encrypted key with one IV byte changed) is refused here, naming the key
     * file, rather than later as a signature that does not verify. Both
     * paths: a fast-path key carries the public half from the file too. */
    if (!fwup_pkey_pair_ok(pkey)) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "the key's public half does not match its private half");
        goto out;
    }
    s = fwup_signer_alloc(&pem_ops, fwup_signer_kind_of((uint8_t)t), "key file '%s'", path);
    if (s == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    k->pkey = pkey;
    s->state = k;
    pkey = NULL;
    k = NULL;
    *out = s;
out:
    EVP_PKEY_free(pkey);
    free(k);
    BIO_free(bio);
    if (buf != NULL)
        fwup_wipe(buf, KEY_FILE_MAX + 2);
    free(buf);
    return rc;
}
