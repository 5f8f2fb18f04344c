/*
 * Public keys and HMAC secrets as the verifier sees them (struct fwup_v_key),
 * RFC 9679 COSE_Key thumbprints, PEM export, one-shot SHA-256.
 */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "fwup/enc.h"
#include "fwup/secure.h"

/* A PEM public or private key is well under this; bigger is not a key. */
#define KEY_FILE_MAX 65536

void
fwup_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
    static const uint8_t empty[1] = {0};

    SHA256(p != NULL ? p : empty, n, out);
}

uint8_t *
fwup_key_file_read(const char *path, size_t max, size_t *len, enum fwup_err *err,
                   struct fwup_diag *diag)
{
    FILE *f;
    uint8_t *buf;
    size_t n;

    *len = 0;
    if (path == NULL) {
        *err = fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no key file");
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        *err = fwup_diag_set(diag, FWUP_E_IO_OPEN, NULL, "cannot open key: %s", strerror(errno));
        return NULL;
    }
    /* One byte more than max tells "exactly max" from "too big". */
    buf = malloc(max + 1);
    if (buf == NULL) {
        fclose(f);
        *err = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        return NULL;
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        *err = fwup_diag_set(diag, FWUP_E_IO_READ, NULL, "cannot read key: %s", strerror(errno));
        fclose(f);
        fwup_wipe(buf, max + 1);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* fwup_key_file_read, with a file over max refused. */
static uint8_t *
slurp(const char *path, size_t max, size_t *len, enum fwup_err *err, struct fwup_diag *diag)
{
    uint8_t *buf = fwup_key_file_read(path, max, len, err, diag);

    if (buf != NULL && *len > max) {
        *err = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL, "key file larger than %zu bytes", max);
        fwup_wipe(buf, max + 1);
        free(buf);
        *len = 0;
        return NULL;
    }
    return buf;
}

int
fwup_no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Big-endian coordinate of an EC public key, left-padded to cl bytes. */
static bool
ec_coord(const EVP_PKEY *pkey, const char *name, uint8_t *out, size_t cl)
{
    BIGNUM *bn = NULL;
    bool ok =
        EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && BN_bn2binpad(bn, out, (int)cl) == (int)cl;

    BN_free(bn);
    return ok;
}

/* The RFC 9679 thumbprint of a key OpenSSL holds: its raw public half, then
 * the one COSE_Key encoder (fwup_raw_thumbprint, rawkey.c). */
enum fwup_err
fwup_pkey_thumbprint(const EVP_PKEY *pkey, uint8_t out[32])
{
    struct fwup_raw_pub raw;
    size_t cl;

    memset(&raw, 0, sizeof raw);
    raw.type = fwup_pkey_type(pkey);
    if (raw.type == FWUP_V_KEY_NONE)
        return FWUP_E_KEY_FORMAT;
    if (raw.type == FWUP_V_KEY_ED25519) {
        cl = 32;
        if (EVP_PKEY_get_raw_public_key(pkey, raw.bytes, &cl) != 1 || cl != 32) {
            ERR_clear_error();
            return FWUP_E_KEY_FORMAT;
        }
        raw.len = 32;
    } else {
        cl = fwup_ec_coord_len(raw.type);
        raw.bytes[0] = 0x04; /* uncompressed point: 04 || x || y */
        if (!ec_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_X, raw.bytes + 1, cl) ||
            !ec_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, raw.bytes + 1 + cl, cl)) {
            ERR_clear_error();
            return FWUP_E_KEY_FORMAT;
        }
        raw.len = 1 + 2 * cl;
    }
    return fwup_raw_thumbprint(&raw, out);
}

enum fwup_err
fwup_key_thumbprint(const uint8_t *der, size_t len, uint8_t out[32])
{
    const unsigned char *p = der;
    struct fwup_raw_pub raw;
    EVP_PKEY *pkey;
    enum fwup_err rc;

    if (der == NULL || out == NULL || len > KEY_FILE_MAX)
        return FWUP_E_INVALID_ARG;
    /* The canonical forms skip d2i_PUBKEY's decoder set-up (rawkey.c). The
     * EVP_PKEY is built only to refuse a point off the curve, as before. */
    if (fwup_spki_parse(der, len, &raw) && (pkey = fwup_pkey_from_raw(&raw, NULL, 0)) != NULL) {
        EVP_PKEY_free(pkey);
        return fwup_raw_thumbprint(&raw, out);
    }
    pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey == NULL || p != der + len) {
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        return FWUP_E_KEY_FORMAT;
    }
    rc = fwup_pkey_thumbprint(pkey, out);
    EVP_PKEY_free(pkey);
    return rc;
}

/*
 * The verifier key of a raw public key, without OpenSSL's decoders. False,
 * key untouched, when EVP_PKEY_fromdata refuses the point (off the curve):
 * the caller then takes the generic path, which refuses it as it always did
 * and with the message users already get. True with *rc otherwise.
 */
static bool
key_from_raw(const struct fwup_raw_pub *raw, struct fwup_v_key *key, enum fwup_err *rc,
             struct fwup_diag *diag)
{
    EVP_PKEY *pkey = fwup_pkey_from_raw(raw, NULL, 0);

    if (pkey == NULL)
        return false;
    *rc = fwup_raw_thumbprint(raw, key->kid);
    if (*rc != FWUP_OK) {
        EVP_PKEY_free(pkey);
        memset(key, 0, sizeof *key);
        *rc = fwup_diag_set(diag, *rc, NULL, "cannot compute the key thumbprint");
        return true;
    }
    key->handle = pkey;
    key->type = (uint8_t)raw->type;
    key->kid_len = 32;
    return true;
}

enum fwup_err
fwup_key_from_der(const uint8_t *der, size_t len, struct fwup_v_key *key, struct fwup_diag *diag)
{
    const unsigned char *p = der;
    struct fwup_raw_pub raw;
    EVP_PKEY *pkey;
    enum fwup_v_key_type t;
    enum fwup_err rc;

    if (key == NULL)
        return FWUP_E_INVALID_ARG;
    memset(key, 0, sizeof *key);
    if (der == NULL || len == 0 || len > KEY_FILE_MAX)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no public key bytes");
    /* The canonical forms skip d2i_PUBKEY's decoder set-up (rawkey.c). */
    if (fwup_spki_parse(der, len, &raw) && key_from_raw(&raw, key, &rc, diag))
        return rc;
    pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey == NULL || p != der + len) {
        EVP_PKEY_free(pkey);
        return fwup_ossl_fail(diag, FWUP_E_KEY_FORMAT, "public key decode");
    }
    t = fwup_pkey_type(pkey);
    if (t == FWUP_V_KEY_NONE) {
        EVP_PKEY_free(pkey);
        return fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                             "unsupported key type (need EC P-256, EC P-384 or Ed25519)");
    }
    rc = fwup_pkey_thumbprint(pkey, key->kid);
    if (rc != FWUP_OK) {
        EVP_PKEY_free(pkey);
        return fwup_diag_set(diag, rc, NULL, "cannot compute the key thumbprint");
    }
    key->handle = pkey;
    key->type = (uint8_t)t;
    key->kid_len = 32;
    return FWUP_OK;
}

enum fwup_err
fwup_key_from_pkey(EVP_PKEY *pkey, struct fwup_v_key *key, struct fwup_diag *diag)
{
    unsigned char *der = NULL;
    int n;
    enum fwup_err rc;

    /* Round-trip through DER SubjectPublicKeyInfo: the verifier key then
     * holds a public-only EVP_PKEY even when pkey is a private key, so a
     * trust anchor never carries private material. */
    n = i2d_PUBKEY(pkey, &der);
    if (n <= 0) {
        memset(key, 0, sizeof *key);
        return fwup_ossl_fail(diag, FWUP_E_KEY_FORMAT, "public key encode");
    }
    rc = fwup_key_from_der(der, (size_t)n, key, diag);
    OPENSSL_free(der);
    return rc;
}

/*
 * The first "PUBLIC KEY" block of bio (other blocks before it are skipped,
 * as PEM_read_bio_PUBKEY skips them) if its DER is exactly one
 * SubjectPublicKeyInfo, else NULL. PEM_read_bio_PUBKEY ignores bytes after
 * the SPKI; a key file that carries more than the key is refused, as the
 * bare DER form is, so that what the file holds and what fwup trusts
 * cannot differ.
 */
static EVP_PKEY *
pem_public(BIO *bio)
{
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long n = 0;
    EVP_PKEY *pkey = NULL;

    while (PEM_read_bio(bio, &name, &header, &data, &n) == 1) {
        bool match = strcmp(name, "PUBLIC KEY") == 0 && header[0] == '\0';
        if (match) {
            const unsigned char *p = data;
            pkey = d2i_PUBKEY(NULL, &p, n);
            if (pkey != NULL && p != data + n) {
                EVP_PKEY_free(pkey);
                pkey = NULL;
            }
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
        if (match)
            break;
    }
    return pkey;
}

enum fwup_err
fwup_key_load_public(const char *path, struct fwup_v_key *key, struct fwup_diag *diag)
{
    uint8_t *buf;
    size_t len;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    enum fwup_err rc = FWUP_OK;

    if (key == NULL)
        return FWUP_E_INVALID_ARG;
    memset(key, 0, sizeof *key);
    if (path == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no key file");
    buf = slurp(path, KEY_FILE_MAX, &len, &rc, diag);
    if (buf == NULL)
        return rc;
    /* The forms fwup and `openssl pkey -pubout` write skip both the decoder
     * set-up of PEM_read_bio_PUBKEY and the encoder set-up of the i2d_PUBKEY
     * in fwup_key_from_pkey (rawkey.c): most of a `fwup verify` process. */
    {
        struct fwup_raw_pub raw;
        if (fwup_pem_public_parse(buf, len, &raw) == FWUP_OK && key_from_raw(&raw, key, &rc, diag))
            goto out;
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    if (bio == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "BIO");
        goto out;
    }
    pkey = pem_public(bio);
    if (pkey == NULL) {
        /* Not a public key: maybe a PEM private key (take its public half). */
        ERR_clear_error();
        (void)BIO_reset(bio);
        pkey = PEM_read_bio_PrivateKey(bio, NULL, fwup_no_passphrase, NULL);
    }
    if (pkey == NULL) {
        /* Last chance: a bare DER SubjectPublicKeyInfo. */
        const unsigned char *p = buf;
        ERR_clear_error();
        pkey = d2i_PUBKEY(NULL, &p, (long)len);
        if (pkey != NULL && p != buf + len) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
    }
    if (pkey == NULL) {
        ERR_clear_error();
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "not a PEM public key or unencrypted PEM private key");
        goto out;
    }
    rc = fwup_key_from_pkey(pkey, key, diag);
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    fwup_wipe(buf, len); /* may have been a private key */
    free(buf);
    return rc;
}

enum fwup_err
fwup_key_load_hmac(const char *path, struct fwup_v_key *key, struct fwup_diag *diag)
{
    uint8_t *buf;
    size_t len;
    struct fwup_hmac_secret *sec;
    enum fwup_err rc = FWUP_OK;

    if (key == NULL)
        return FWUP_E_INVALID_ARG;
    memset(key, 0, sizeof *key);
    if (path == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no key file");
    buf = slurp(path, FWUP_HMAC_MAX, &len, &rc, diag);
    if (buf == NULL)
        return rc;
    if (len < FWUP_HMAC_MIN) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "HMAC key is %zu bytes, expected %d..%d raw bytes", len, FWUP_HMAC_MIN,
                           FWUP_HMAC_MAX);
        goto out;
    }
    /* Secure heap (STYLE.md §7): not swapped, cleansed on free. Falls back
     * to the normal heap when the secure heap is not initialised. */
    sec = OPENSSL_secure_zalloc(sizeof *sec);
    if (sec == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of secure memory");
        goto out;
    }
    memcpy(sec->bytes, buf, len);
    sec->len = len;
    key->handle = sec;
    key->type = FWUP_V_KEY_HMAC256;
    key->kid_len = 0;
out:
    fwup_wipe(buf, FWUP_HMAC_MAX + 1);
    free(buf);
    return rc;
}

void
fwup_key_release(struct fwup_v_key *key)
{
    if (key == NULL)
        return;
    if (key->type == FWUP_V_KEY_HMAC256) {
        /* Wipe the secret before the memory goes back to the allocator. */
        OPENSSL_secure_clear_free((void *)(uintptr_t)key->handle, sizeof(struct fwup_hmac_secret));
    } else if (key->handle != NULL) {
        EVP_PKEY_free((EVP_PKEY *)(uintptr_t)key->handle);
    }
    memset(key, 0, sizeof *key);
}

bool
fwup_key_same(const struct fwup_v_key *a, const struct fwup_v_key *b)
{
    if (a->type != b->type || a->handle == NULL || b->handle == NULL)
        return false;
    if (a->type == FWUP_V_KEY_HMAC256) {
        const struct fwup_hmac_secret *x = a->handle, *y = b->handle;
        return x->len == y->len && fwup_ct_equal(x->bytes, y->bytes, x->len);
    }
    return a->kid_len == b->kid_len && memcmp(a->kid, b->kid, a->kid_len) == 0;
}

enum fwup_err
fwup_key_public_der(const struct fwup_v_key *key, uint8_t **der, size_t *len)
{
    unsigned char *o = NULL;
    int n;

    if (key == NULL || der == NULL || len == NULL || key->handle == NULL)
        return FWUP_E_INVALID_ARG;
    *der = NULL;
    *len = 0;
    if (key->type == FWUP_V_KEY_HMAC256)
        return FWUP_E_UNSUPPORTED;
    n = i2d_PUBKEY((EVP_PKEY *)(uintptr_t)key->handle, &o);
    if (n <= 0) {
        ERR_clear_error();
        return FWUP_E_CRYPTO;
    }
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(o);
        return FWUP_E_NO_MEMORY;
    }
    memcpy(*der, o, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(o);
    return FWUP_OK;
}

enum fwup_err
fwup_key_der_to_pem(const uint8_t *der, size_t len, char **pem)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;
    char *data;
    long n;
    enum fwup_err rc = FWUP_E_KEY_FORMAT;

    if (der == NULL || pem == NULL || len > KEY_FILE_MAX)
        return FWUP_E_INVALID_ARG;
    *pem = NULL;
    pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (pkey == NULL || p != der + len)
        goto out;
    rc = FWUP_E_NO_MEMORY;
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
        goto out;
    n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        goto out;
    *pem = malloc((size_t)n + 1);
    if (*pem == NULL)
        goto out;
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
    rc = FWUP_OK;
out:
    ERR_clear_error();
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return rc;
}
