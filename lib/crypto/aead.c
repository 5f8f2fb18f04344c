/*
 * Payload encryption primitives on OpenSSL 3 (draft-ietf-suit-firmware-
 * encryption-24; RFC 9052/9053 COSE; RFC 3394 AES-KW; RFC 5869 HKDF;
 * RFC 9459 AES-CTR in COSE): key objects, AES key wrap, the COSE_KDF_Context,
 * ECDH-ES key derivation and the streaming content cipher.
 *
 * Every buffer that holds a CEK, a KEK, an ECDH shared secret or a derived
 * key is wiped before it goes out of scope (STYLE.md §7). OpenSSL's own
 * contexts cleanse their key schedules when freed.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto_int.h"
#include "enc_int.h"
#include "fwup/enc.h"
#include "fwup/secure.h"

/* A PEM key file is small; anything larger is not a key. */
#define KEY_FILE_MAX 16384

/* OpenSSL takes int lengths: feed it at most this much per call. */
#define OSSL_CHUNK ((size_t)1 << 30)

/* ---- key objects ------------------------------------------------------- */

static struct fwup_enc_key *
key_alloc(void)
{
    /* Secure heap (not swapped, cleansed on free); falls back to the normal
     * heap when the process did not initialise one. */
    return OPENSSL_secure_zalloc(sizeof(struct fwup_enc_key));
}

void
fwup_enc_key_free(struct fwup_enc_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    OPENSSL_secure_clear_free(k, sizeof *k);
}

enum fwup_enc_key_kind
fwup_enc_key_kind(const struct fwup_enc_key *k)
{
    return k != NULL ? k->kind : (enum fwup_enc_key_kind)0;
}

enum fwup_err
fwup_enc_key_set_kid(struct fwup_enc_key *k, const uint8_t *kid, size_t len)
{
    if (k == NULL || len > FWUP_ENC_MAX_KID || (len > 0 && kid == NULL))
        return FWUP_E_INVALID_ARG;
    memset(k->kid, 0, sizeof k->kid);
    if (len > 0)
        memcpy(k->kid, kid, len);
    k->kid_len = len;
    return FWUP_OK;
}

enum fwup_err
fwup_enc_key_from_kek(const uint8_t *kek, size_t len, struct fwup_enc_key **out,
                      struct fwup_diag *diag)
{
    struct fwup_enc_key *k;

    if (out == NULL || kek == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    /* A128KW only: a 24- or 32-byte KEK would need A192KW / A256KW, which a
     * device of the MTI profiles fwup implements cannot use (SUIT-DIGEST §16). */
    if (len != FWUP_ENC_KEK_LEN)
        return fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                             "an A128KW key-encryption key is 16 raw bytes, got %zu", len);
    k = key_alloc();
    if (k == NULL)
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of secure memory");
    k->kind = FWUP_ENC_KEY_KEK;
    memcpy(k->kek, kek, FWUP_ENC_KEK_LEN);
    *out = k;
    return FWUP_OK;
}

enum fwup_err
fwup_enc_key_load_kek(const char *path, struct fwup_enc_key **out, struct fwup_diag *diag)
{
    enum fwup_err rc = FWUP_OK;
    size_t len;
    uint8_t *buf;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    buf = fwup_key_file_read(path, FWUP_ENC_KEK_LEN, &len, &rc, diag);
    if (buf == NULL)
        return rc;
    if (len > FWUP_ENC_KEK_LEN)
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "an A128KW key-encryption key file holds exactly 16 raw bytes (this "
                           "one is larger)");
    else
        rc = fwup_enc_key_from_kek(buf, len, out, diag);
    fwup_wipe(buf, FWUP_ENC_KEK_LEN + 1);
    free(buf);
    return rc;
}

enum fwup_err
fwup_enc_key_load_pem(const char *path, struct fwup_enc_key **out, struct fwup_diag *diag)
{
    enum fwup_err rc = FWUP_OK;
    enum fwup_enc_key_kind kind = FWUP_ENC_KEY_EC_PRIV;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;
    size_t len;
    uint8_t *buf;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    buf = fwup_key_file_read(path, KEY_FILE_MAX, &len, &rc, diag);
    if (buf == NULL)
        return rc;
    if (len > KEY_FILE_MAX) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL, "key file larger than %d bytes",
                           KEY_FILE_MAX);
        goto out;
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    if (bio == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "BIO");
        goto out;
    }
    /* Never prompt: fwup's encryption keys are unencrypted files (a device
     * key provisioned into fwup-sim, a recipient's public key). */
    pkey = PEM_read_bio_PrivateKey(bio, NULL, fwup_no_passphrase, NULL);
    if (pkey == NULL) {
        ERR_clear_error();
        (void)BIO_reset(bio);
        pkey = PEM_read_bio_PUBKEY(bio, NULL, fwup_no_passphrase, NULL);
        kind = FWUP_ENC_KEY_EC_PUB;
    }
    ERR_clear_error();
    if (pkey == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "not a PEM P-256 public key or unencrypted PEM private key");
        goto out;
    }
    /* ECDH-ES+A128KW in the SUIT MTI profiles is P-256 (SUIT-DIGEST §16). */
    if (fwup_pkey_type(pkey) != FWUP_V_KEY_P256) {
        rc = fwup_diag_set(diag, FWUP_E_KEY_FORMAT, NULL,
                           "ECDH-ES+A128KW needs a P-256 key (this is another type or curve)");
        goto out;
    }
    *out = key_alloc();
    if (*out == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of secure memory");
        goto out;
    }
    (*out)->kind = kind;
    (*out)->pkey = pkey;
    pkey = NULL;
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    fwup_wipe(buf, len); /* a private key */
    free(buf);
    return rc;
}

/* ---- AES key wrap (RFC 3394) -------------------------------------------- */

static enum fwup_err
kw_run(bool wrap, const uint8_t kek[16], const uint8_t *in, size_t in_len, uint8_t *out,
       size_t cap, size_t *out_len, struct fwup_diag *diag)
{
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t tmp[FWUP_ENC_MAX_KID + 8];
    size_t need = wrap ? in_len + 8 : in_len - 8;
    int l1 = 0, l2 = 0;
    enum fwup_err rc = FWUP_OK;

    if (kek == NULL || in == NULL || out == NULL || out_len == NULL)
        return FWUP_E_INVALID_ARG;
    *out_len = 0;
    /* RFC 3394 §2: n >= 2 64-bit blocks of key data; the CEKs here are 16
     * bytes, and tmp bounds what a SUIT recipient can carry. */
    if (in_len % 8 != 0 || in_len < (wrap ? 16u : 24u) || in_len > sizeof tmp - 8)
        return fwup_diag_set(diag, wrap ? FWUP_E_INVALID_ARG : FWUP_E_DECRYPT, NULL,
                             "AES-KW input of %zu bytes (a multiple of 8, at least %d)", in_len,
                             wrap ? 16 : 24);
    if (cap < need)
        return fwup_diag_set(diag, FWUP_E_LIMIT_BUFFER, NULL, "AES-KW output buffer too small");
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL)
        return fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "AES-KW");
    /* OpenSSL refuses the wrap modes unless asked explicitly. */
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex(ctx, EVP_aes_128_wrap(), NULL, kek, NULL, wrap ? 1 : 0) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "AES-KW init");
        goto out;
    }
    /* Unwrap into tmp, not out: a failed integrity check must leave nothing
     * of the (garbage) unwrapped bytes with the caller. */
    if (EVP_CipherUpdate(ctx, tmp, &l1, in, (int)in_len) != 1 ||
        EVP_CipherFinal_ex(ctx, tmp + l1, &l2) != 1 || (size_t)(l1 + l2) != need) {
        ERR_clear_error();
        rc = wrap ? fwup_diag_set(diag, FWUP_E_CRYPTO, NULL, "AES-KW wrap failed")
                  : fwup_diag_set(diag, FWUP_E_DECRYPT, NULL,
                                  "AES-KW unwrap failed: wrong key-encryption key or a tampered "
                                  "wrapped key (RFC 3394 integrity check)");
        goto out;
    }
    memcpy(out, tmp, need);
    *out_len = need;
out:
    fwup_wipe(tmp, sizeof tmp);
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

enum fwup_err
fwup_aes_kw_wrap(const uint8_t kek[16], const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
                 size_t *out_len, struct fwup_diag *diag)
{
    return kw_run(true, kek, in, in_len, out, cap, out_len, diag);
}

enum fwup_err
fwup_aes_kw_unwrap(const uint8_t kek[16], const uint8_t *in, size_t in_len, uint8_t *out,
                   size_t cap, size_t *out_len, struct fwup_diag *diag)
{
    return kw_run(false, kek, in, in_len, out, cap, out_len, diag);
}

/* ---- ECDH-ES + HKDF ------------------------------------------------------- */

enum fwup_err
fwup_enc_kdf_context(int32_t kw_alg, struct fwup_bytes protected_hdr, uint8_t **out,
                     size_t *out_len)
{
    struct fwup_enc e;
    enum fwup_err rc;

    if (out == NULL || out_len == NULL || (protected_hdr.len > 0 && protected_hdr.ptr == NULL))
        return FWUP_E_INVALID_ARG;
    /* RFC 9053 §5.2 COSE_KDF_Context, as [ENC] §5.2.4 fixes it for SUIT:
     * AlgorithmID = the key-wrap algorithm (-3 for -29), PartyUInfo and
     * PartyVInfo all nil, SuppPubInfo = [keyDataLength in bits, the
     * recipient's protected header bytes, other = 'SUIT Payload
     * Encryption'], no SuppPrivInfo. Binding the protected header means a
     * recipient whose alg was changed derives another KEK. */
    fwup_enc_init(&e, 4096);
    fwup_enc_array(&e, 4);
    fwup_enc_int(&e, kw_alg);
    for (int i = 0; i < 2; i++) {
        fwup_enc_array(&e, 3);
        fwup_enc_null(&e);
        fwup_enc_null(&e);
        fwup_enc_null(&e);
    }
    fwup_enc_array(&e, 3);
    fwup_enc_uint(&e, FWUP_ENC_KEK_LEN * 8);
    fwup_enc_bstr(&e, protected_hdr.ptr, protected_hdr.len);
    fwup_enc_bstr(&e, (const uint8_t *)FWUP_ENC_KDF_OTHER, strlen(FWUP_ENC_KDF_OTHER));
    rc = fwup_enc_take(&e, out, out_len);
    fwup_enc_release(&e);
    return rc;
}

EVP_PKEY *
fwup_p256_from_xy(struct fwup_bytes x, struct fwup_bytes y)
{
    uint8_t pt[65];
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pk = NULL;
    char group[] = "P-256";

    if (x.len != 32 || y.len != 32)
        return NULL;
    /* Uncompressed SEC1 point 04 || x || y; OpenSSL's decoder rejects a
     * point that is not on the curve. */
    pt[0] = 0x04;
    memcpy(pt + 1, x.ptr, 32);
    memcpy(pt + 33, y.ptr, 32);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
    params[2] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    ERR_clear_error();
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

enum fwup_err
fwup_p256_xy(const EVP_PKEY *k, uint8_t x[32], uint8_t y[32])
{
    BIGNUM *bx = NULL, *by = NULL;
    enum fwup_err rc = FWUP_E_CRYPTO;

    if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &bx) == 1 &&
        EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &by) == 1 &&
        BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32)
        rc = FWUP_OK;
    ERR_clear_error();
    BN_free(bx);
    BN_free(by);
    return rc;
}

enum fwup_err
fwup_ecdh_es_kek(EVP_PKEY *priv, EVP_PKEY *peer, struct fwup_bytes protected_hdr,
                 struct fwup_bytes salt, uint8_t kek[FWUP_ENC_KEK_LEN], struct fwup_diag *diag)
{
    EVP_PKEY_CTX *dctx = NULL;
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[5], *p = params;
    uint8_t z[66];
    size_t zlen = sizeof z;
    uint8_t *info = NULL;
    size_t info_len = 0;
    char digest[] = "SHA256";
    enum fwup_err rc;

    dctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
    if (dctx == NULL || EVP_PKEY_derive_init(dctx) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "ECDH init");
        goto out;
    }
    /* validate_peer = 1: full public-key validation of the sender's
     * ephemeral point (invalid-curve attacks, SP 800-56A §5.6.2.3). */
    if (EVP_PKEY_derive_set_peer_ex(dctx, peer, 1) != 1) {
        ERR_clear_error();
        rc = fwup_diag_set(diag, FWUP_E_COSE_HEADER, NULL,
                           "the ephemeral key of the recipient is not a valid P-256 point");
        goto out;
    }
    /* Z = the x-coordinate of the shared point (RFC 9053 §6.3.1): what
     * OpenSSL's ECDH derive returns. */
    if (EVP_PKEY_derive(dctx, z, &zlen) != 1 || zlen != 32) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "ECDH derive");
        goto out;
    }
    rc = fwup_enc_kdf_context(FWUP_COSE_A128KW, protected_hdr, &info, &info_len);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL, "cannot encode the COSE_KDF_Context");
        goto out;
    }
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    kctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    if (kctx == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "HKDF");
        goto out;
    }
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, zlen);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len);
    /* No salt unless the sender put a salt header in (RFC 9053 §5.1):
     * HKDF then uses a zero-filled salt of the hash length (RFC 5869 §2.2). */
    if (salt.len > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt.ptr,
                                                 salt.len);
    *p = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, kek, FWUP_ENC_KEK_LEN, params) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "HKDF-SHA-256");
        goto out;
    }
    rc = FWUP_OK;
out:
    fwup_wipe(z, sizeof z);
    free(info);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    EVP_PKEY_CTX_free(dctx);
    return rc;
}

/* ---- content cipher ------------------------------------------------------ */

enum fwup_err
fwup_cipher_init(struct fwup_cipher *c, int32_t alg, bool encrypt,
                 const uint8_t key[FWUP_ENC_CEK_LEN], struct fwup_bytes iv,
                 struct fwup_bytes protected_hdr, struct fwup_diag *diag)
{
    const EVP_CIPHER *cipher;
    struct fwup_enc aad;
    int outl = 0;
    enum fwup_err rc = FWUP_OK;

    memset(c, 0, sizeof *c);
    c->alg = alg;
    c->encrypt = encrypt;
    if (alg == FWUP_COSE_A128GCM) {
        cipher = EVP_aes_128_gcm();
        /* RFC 9053 §4.1: the nonce is 96 bits. */
        if (iv.len != FWUP_ENC_GCM_IV_LEN)
            return fwup_diag_set(diag, FWUP_E_COSE_HEADER, NULL,
                                 "A128GCM needs a 12-byte IV, got %zu bytes", iv.len);
    } else if (alg == FWUP_COSE_A128CTR) {
        cipher = EVP_aes_128_ctr();
        /* RFC 9459 §4: the IV is the full 128-bit initial counter block. */
        if (iv.len != FWUP_ENC_CTR_IV_LEN)
            return fwup_diag_set(diag, FWUP_E_COSE_HEADER, NULL,
                                 "A128CTR needs a 16-byte IV, got %zu bytes", iv.len);
        /* [ENC] §6.2 / RFC 9459 §4: AES-CTR gives no integrity and has no
         * AAD, so the layer-0 protected header MUST be empty. */
        if (protected_hdr.len != 0)
            return fwup_diag_set(diag, FWUP_E_COSE_HEADER, NULL,
                                 "A128CTR needs an empty protected header");
    } else {
        return fwup_diag_set(diag, FWUP_E_COSE_UNSUPPORTED_ALG, NULL,
                             "content encryption algorithm %ld is not supported (A128GCM 1, "
                             "A128CTR -65534)",
                             (long)alg);
    }
    c->ctx = EVP_CIPHER_CTX_new();
    if (c->ctx == NULL)
        return fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "cipher context");
    if (EVP_CipherInit_ex(c->ctx, cipher, NULL, NULL, NULL, encrypt ? 1 : 0) != 1 ||
        (alg == FWUP_COSE_A128GCM &&
         EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_SET_IVLEN, (int)iv.len, NULL) != 1) ||
        EVP_CipherInit_ex(c->ctx, NULL, NULL, key, iv.ptr, -1) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "cipher init");
        goto fail;
    }
    if (alg != FWUP_COSE_A128GCM)
        return FWUP_OK;
    /* RFC 9052 §5.3: AAD = Enc_structure ["Encrypt", protected, external_aad]
     * with external_aad = h'' ([ENC] §6.1: it MUST be empty). The protected
     * header (the alg) is thereby authenticated by the tag. */
    fwup_enc_init(&aad, 4096);
    fwup_enc_array(&aad, 3);
    fwup_enc_tstr_z(&aad, "Encrypt");
    fwup_enc_bstr(&aad, protected_hdr.ptr, protected_hdr.len);
    fwup_enc_bstr(&aad, NULL, 0);
    rc = fwup_enc_error(&aad);
    if (rc == FWUP_OK) {
        struct fwup_bytes b = fwup_enc_bytes(&aad);
        if (EVP_CipherUpdate(c->ctx, NULL, &outl, b.ptr, (int)b.len) != 1)
            rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "GCM AAD");
    } else {
        rc = fwup_diag_set(diag, rc, NULL, "cannot encode the Enc_structure");
    }
    fwup_enc_release(&aad);
    if (rc == FWUP_OK)
        return FWUP_OK;
fail:
    fwup_cipher_release(c);
    return rc;
}

/* Run the cipher over in[0..n) into out (CTR and GCM are length-preserving). */
static enum fwup_err
run(struct fwup_cipher *c, const uint8_t *in, size_t n, uint8_t *out, struct fwup_diag *diag)
{
    while (n > 0) {
        size_t k = n > OSSL_CHUNK ? OSSL_CHUNK : n;
        int outl = 0;
        if (EVP_CipherUpdate(c->ctx, out, &outl, in, (int)k) != 1 || (size_t)outl != k) {
            c->done = true;
            return fwup_ossl_fail(diag, FWUP_E_CRYPTO, "cipher update");
        }
        in += k;
        out += k;
        n -= k;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_cipher_update(struct fwup_cipher *c, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                   size_t *out_len, struct fwup_diag *diag)
{
    size_t total, emit, from_tail;
    enum fwup_err rc;

    if (c == NULL || out_len == NULL || (n > 0 && (in == NULL || out == NULL)))
        return FWUP_E_INVALID_ARG;
    *out_len = 0;
    if (c->done || c->ctx == NULL)
        return fwup_diag_set(diag, FWUP_E_BAD_STATE, NULL, "cipher already finished");
    if (cap < n)
        return fwup_diag_set(diag, FWUP_E_LIMIT_BUFFER, NULL,
                             "output buffer of %zu bytes for %zu input bytes", cap, n);
    if (c->encrypt || c->alg != FWUP_COSE_A128GCM) {
        rc = run(c, in, n, out, diag);
        if (rc == FWUP_OK)
            *out_len = n;
        return rc;
    }
    /* GCM decryption: the tag is the LAST 16 bytes of the stream and a
     * chunk boundary can fall anywhere, so the newest 16 bytes are always
     * held back. The stream so far is tail || in; all but its last 16 bytes
     * are decrypted now (at most n bytes, since tlen <= 16). */
    total = c->tlen + n;
    emit = total > FWUP_ENC_TAG_LEN ? total - FWUP_ENC_TAG_LEN : 0;
    from_tail = emit < c->tlen ? emit : c->tlen;
    if (from_tail > 0) {
        rc = run(c, c->tail, from_tail, out, diag);
        if (rc != FWUP_OK)
            return rc;
        memmove(c->tail, c->tail + from_tail, c->tlen - from_tail);
        c->tlen -= from_tail;
    }
    if (emit > from_tail) {
        rc = run(c, in, emit - from_tail, out + from_tail, diag);
        if (rc != FWUP_OK)
            return rc;
        in += emit - from_tail;
        n -= emit - from_tail;
    }
    /* What is left of in (n bytes) joins the tail: tlen + n <= 16 here. */
    memcpy(c->tail + c->tlen, in, n);
    c->tlen += n;
    *out_len = emit;
    return FWUP_OK;
}

enum fwup_err
fwup_cipher_final(struct fwup_cipher *c, uint8_t *out, size_t cap, size_t *out_len,
                  struct fwup_diag *diag)
{
    uint8_t scratch[32];
    int outl = 0;

    if (c == NULL)
        return FWUP_E_INVALID_ARG;
    if (out_len != NULL)
        *out_len = 0;
    if (c->done || c->ctx == NULL)
        return fwup_diag_set(diag, FWUP_E_BAD_STATE, NULL, "cipher already finished");
    c->done = true;
    if (c->alg != FWUP_COSE_A128GCM)
        /* CTR: no padding, no tag; EVP's final has nothing to add. */
        return FWUP_OK;
    if (c->encrypt) {
        if (out == NULL || out_len == NULL || cap < FWUP_ENC_TAG_LEN)
            return fwup_diag_set(diag, FWUP_E_LIMIT_BUFFER, NULL, "no room for the GCM tag");
        if (EVP_CipherFinal_ex(c->ctx, scratch, &outl) != 1 ||
            EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_GET_TAG, FWUP_ENC_TAG_LEN, out) != 1)
            return fwup_ossl_fail(diag, FWUP_E_CRYPTO, "GCM tag");
        *out_len = FWUP_ENC_TAG_LEN;
        return FWUP_OK;
    }
    if (c->tlen != FWUP_ENC_TAG_LEN)
        return fwup_diag_set(diag, FWUP_E_DECRYPT, NULL,
                             "A128GCM ciphertext shorter than its 16-byte tag");
    if (EVP_CIPHER_CTX_ctrl(c->ctx, EVP_CTRL_GCM_SET_TAG, FWUP_ENC_TAG_LEN, c->tail) != 1)
        return fwup_ossl_fail(diag, FWUP_E_CRYPTO, "GCM set tag");
    /* The tag check (constant time inside OpenSSL). A failure means the
     * ciphertext, tag, IV, protected header or CEK is not what was
     * encrypted: never a reason to trust any plaintext already released. */
    if (EVP_CipherFinal_ex(c->ctx, scratch, &outl) != 1) {
        ERR_clear_error();
        return fwup_diag_set(diag, FWUP_E_DECRYPT, NULL,
                             "A128GCM authentication tag does not verify: the ciphertext or "
                             "its encryption info was modified, or the key is wrong");
    }
    return FWUP_OK;
}

void
fwup_cipher_release(struct fwup_cipher *c)
{
    if (c == NULL)
        return;
    EVP_CIPHER_CTX_free(c->ctx); /* cleanses the key schedule */
    fwup_wipe(c, sizeof *c);
}

/* ---- names ----------------------------------------------------------------- */

enum fwup_err
fwup_enc_alg_from_name(const char *name, int32_t *alg)
{
    if (name == NULL || alg == NULL)
        return FWUP_E_INVALID_ARG;
    if (strcasecmp(name, "A128GCM") == 0)
        *alg = FWUP_COSE_A128GCM;
    else if (strcasecmp(name, "A128CTR") == 0)
        *alg = FWUP_COSE_A128CTR;
    else
        return FWUP_E_COSE_UNSUPPORTED_ALG;
    return FWUP_OK;
}

const char *
fwup_enc_alg_name(int32_t alg)
{
    switch (alg) {
    case FWUP_COSE_A128GCM:
        return "A128GCM";
    case FWUP_COSE_A128CTR:
        return "A128CTR";
    case FWUP_COSE_A128KW:
        return "A128KW";
    case FWUP_COSE_ECDH_ES_A128KW:
        return "ECDH-ES+A128KW";
    default:
        return NULL;
    }
}
