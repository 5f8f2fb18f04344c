/*
 * OpenSSL 3 boundary of lib/crypto: the one error-mapping function
 * (STYLE.md §3, as t_cose's crypto adapter), ECDSA signature forms, and the
 * signature / MAC primitives the port, lib/keys and lib/cose share.
 */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pemerr.h>
#include <openssl/proverr.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "fwup/secure.h"

/* Reasons a user can act on; everything else is the caller's default code. */
static enum fwup_err
map_reason(unsigned long e, enum fwup_err dflt)
{
    int lib = ERR_GET_LIB(e);
    int reason = ERR_GET_REASON(e);

    if (reason == ERR_R_MALLOC_FAILURE)
        return FWUP_E_NO_MEMORY;
    /* A wrong passphrase shows up as a failed decrypt (traditional PEM via
     * the EVP cipher, PKCS#8 via the provider) or a failed password read. */
    if ((lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) ||
        (lib == ERR_LIB_PEM && (reason == PEM_R_BAD_DECRYPT || reason == PEM_R_BAD_PASSWORD_READ ||
                                reason == PEM_R_PROBLEMS_GETTING_PASSWORD)) ||
        (lib == ERR_LIB_PROV && reason == PROV_R_BAD_DECRYPT))
        return FWUP_E_KEY_PASSPHRASE;
    return dflt;
}

enum fwup_err
fwup_ossl_fail(struct fwup_diag *diag, enum fwup_err dflt, const char *what)
{
    unsigned long e, first = 0;
    enum fwup_err code = dflt;
    const char *reason = NULL;

    /* Drain the whole queue: the earliest entry is the root cause, but a
     * passphrase failure can sit anywhere in it. */
    while ((e = ERR_get_error()) != 0) {
        enum fwup_err m = map_reason(e, dflt);
        if (first == 0)
            first = e;
        if (m != dflt && code == dflt)
            code = m;
    }
    if (first != 0)
        reason = ERR_reason_error_string(first);
    if (diag != NULL && diag->code == FWUP_OK) {
        if (code == FWUP_E_KEY_PASSPHRASE)
            (void)fwup_diag_set(diag, code, NULL, "%s failed: wrong or missing passphrase", what);
        else if (reason != NULL)
            (void)fwup_diag_set(diag, code, NULL, "%s failed: %s", what, reason);
        else
            (void)fwup_diag_set(diag, code, NULL, "%s failed", what);
        diag->backend = first;
    }
    return code;
}

enum fwup_v_key_type
fwup_alg_key_type(int32_t alg)
{
    switch (alg) {
    case FWUP_COSE_ES256:
    case FWUP_COSE_ESP256:
        return FWUP_V_KEY_P256;
    case FWUP_COSE_ES384:
    case FWUP_COSE_ESP384:
        return FWUP_V_KEY_P384;
    case FWUP_COSE_EDDSA: /* polymorphic EdDSA: fwup supports the Ed25519 curve only */
    case FWUP_COSE_ED25519:
        return FWUP_V_KEY_ED25519;
    case FWUP_COSE_HMAC256:
        return FWUP_V_KEY_HMAC256;
    default:
        return FWUP_V_KEY_NONE;
    }
}

size_t
fwup_ec_coord_len(enum fwup_v_key_type t)
{
    return t == FWUP_V_KEY_P256 ? 32 : t == FWUP_V_KEY_P384 ? 48 : 0;
}

enum fwup_v_key_type
fwup_pkey_type(const EVP_PKEY *pkey)
{
    char group[64];
    size_t glen = 0;
    int nid;

    if (pkey == NULL)
        return FWUP_V_KEY_NONE;
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519)
        return FWUP_V_KEY_ED25519;
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
        return FWUP_V_KEY_NONE;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &glen) != 1) {
        ERR_clear_error();
        return FWUP_V_KEY_NONE;
    }
    /* OpenSSL names the curves "prime256v1"/"secp384r1"; accept the NIST
     * names too in case a provider reports those. */
    nid = OBJ_sn2nid(group);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(group);
    if (nid == NID_X9_62_prime256v1)
        return FWUP_V_KEY_P256;
    if (nid == NID_secp384r1)
        return FWUP_V_KEY_P384;
    return FWUP_V_KEY_NONE;
}

enum fwup_err
fwup_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord_len, uint8_t *raw)
{
    const unsigned char *p = der;
    unsigned char *re = NULL;
    ECDSA_SIG *sig;
    const BIGNUM *r, *s;
    enum fwup_err rc = FWUP_E_COSE_STRUCTURE;
    int n;

    if (der == NULL || raw == NULL || coord_len == 0 || coord_len > 66 || der_len > 256)
        return FWUP_E_INVALID_ARG;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (sig == NULL || p != der + der_len)
        goto out;
    /* Strict DER: re-encoding must give the same bytes, so a BER variant
     * (long-form lengths, extra leading zeros) cannot smuggle in a second
     * encoding of one signature. */
    n = i2d_ECDSA_SIG(sig, &re);
    if (n <= 0 || (size_t)n != der_len || memcmp(re, der, der_len) != 0)
        goto out;
    ECDSA_SIG_get0(sig, &r, &s);
    /* BN_bn2binpad left-pads with zeros (fixed width r||s, RFC 9053 §2.1)
     * and fails if the integer is wider than coord_len. */
    if (BN_is_negative(r) || BN_is_negative(s) ||
        BN_bn2binpad(r, raw, (int)coord_len) != (int)coord_len ||
        BN_bn2binpad(s, raw + coord_len, (int)coord_len) != (int)coord_len)
        goto out;
    rc = FWUP_OK;
out:
    ERR_clear_error();
    OPENSSL_free(re);
    ECDSA_SIG_free(sig);
    return rc;
}

enum fwup_err
fwup_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len, uint8_t **der, size_t *der_len)
{
    ECDSA_SIG *sig = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *out = NULL;
    enum fwup_err rc = FWUP_E_NO_MEMORY;
    size_t half = raw_len / 2;
    int n;

    if (raw == NULL || der == NULL || der_len == NULL || raw_len == 0 || raw_len % 2 != 0 ||
        raw_len > 132)
        return FWUP_E_INVALID_ARG;
    *der = NULL;
    *der_len = 0;
    sig = ECDSA_SIG_new();
    r = BN_bin2bn(raw, (int)half, NULL);
    s = BN_bin2bn(raw + half, (int)half, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1)
        goto out;
    r = s = NULL; /* owned by sig now */
    n = i2d_ECDSA_SIG(sig, &out);
    if (n <= 0)
        goto out;
    /* Hand out plain malloc'd memory: callers free() it like every other
     * buffer of the host API. */
    *der = malloc((size_t)n);
    if (*der == NULL)
        goto out;
    memcpy(*der, out, (size_t)n);
    *der_len = (size_t)n;
    rc = FWUP_OK;
out:
    ERR_clear_error();
    OPENSSL_free(out);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return rc;
}

enum fwup_err
fwup_pkey_verify(EVP_PKEY *pkey, int32_t alg, struct fwup_bytes msg, struct fwup_bytes sig,
                 struct fwup_diag *diag)
{
    enum fwup_v_key_type need = fwup_alg_key_type(alg), have = fwup_pkey_type(pkey);
    const EVP_MD *md = NULL;
    EVP_MD_CTX *ctx = NULL;
    uint8_t *der = NULL;
    size_t der_len = 0;
    const uint8_t *sp = sig.ptr;
    size_t sl = sig.len;
    enum fwup_err rc;
    int ok;

    if (need == FWUP_V_KEY_NONE || need == FWUP_V_KEY_HMAC256)
        return fwup_diag_set(diag, FWUP_E_COSE_UNSUPPORTED_ALG, NULL,
                             "COSE algorithm %ld is not a signature algorithm fwup supports",
                             (long)alg);
    if (have != need)
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, NULL,
                             "key type does not match COSE algorithm %ld", (long)alg);
    if (need == FWUP_V_KEY_ED25519) {
        /* Ed25519 signs the whole message (PureEdDSA): no digest. */
        if (sig.len != 64)
            return fwup_diag_set(diag, FWUP_E_SIG_VERIFY, NULL,
                                 "Ed25519 signature is %zu bytes, expected 64", sig.len);
    } else {
        size_t cl = fwup_ec_coord_len(need);
        /* COSE ECDSA signatures are exactly 2 * coordinate length; anything
         * else cannot verify (RFC 9053 §2.1). */
        if (sig.len != 2 * cl)
            return fwup_diag_set(diag, FWUP_E_SIG_VERIFY, NULL,
                                 "ECDSA signature is %zu bytes, expected %zu", sig.len, 2 * cl);
        md = (need == FWUP_V_KEY_P256) ? EVP_sha256() : EVP_sha384();
        rc = fwup_ecdsa_raw_to_der(sig.ptr, sig.len, &der, &der_len);
        if (rc != FWUP_OK)
            return fwup_diag_set(diag, rc, NULL, "cannot convert the signature to DER");
        sp = der;
        sl = der_len;
    }
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "signature verify init");
        goto out;
    }
    ok = EVP_DigestVerify(ctx, sp, sl, msg.ptr, msg.len);
    if (ok == 1) {
        rc = FWUP_OK;
    } else {
        /* 0 is "does not verify"; a negative value on a signature we encoded
         * ourselves means OpenSSL rejected its form (e.g. r = 0): either way
         * the signature is not valid, so fail closed with SIG_VERIFY. */
        unsigned long be = ERR_peek_error();
        ERR_clear_error();
        rc = fwup_diag_set(diag, FWUP_E_SIG_VERIFY, NULL, "signature does not verify");
        if (diag != NULL && diag->code == FWUP_E_SIG_VERIFY && diag->backend == 0)
            diag->backend = be;
    }
out:
    free(der);
    EVP_MD_CTX_free(ctx);
    return rc;
}

enum fwup_err
fwup_hmac256(const uint8_t *key, size_t klen, struct fwup_bytes msg, uint8_t out[32],
             struct fwup_diag *diag)
{
    size_t olen = 0;
    static const unsigned char empty[1] = {0};

    /* EVP_Q_mac: one-shot HMAC through the provider (HMAC_CTX is deprecated
     * in OpenSSL 3). The key is copied into OpenSSL's own context, which it
     * cleanses on free. */
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, msg.ptr != NULL ? msg.ptr : empty,
                  msg.len, out, 32, &olen) == NULL ||
        olen != 32)
        return fwup_ossl_fail(diag, FWUP_E_CRYPTO, "HMAC-SHA-256");
    return FWUP_OK;
}

enum fwup_err
fwup_sig_to_cose(uint8_t key_type, enum fwup_sig_format fmt, const uint8_t *in, size_t len,
                 uint8_t out[132], size_t *out_len)
{
    size_t cl = fwup_ec_coord_len((enum fwup_v_key_type)key_type);

    if (in == NULL || out == NULL || out_len == NULL)
        return FWUP_E_INVALID_ARG;
    *out_len = 0;
    if (key_type == FWUP_V_KEY_ED25519) {
        /* Ed25519 has one encoding (RFC 8032 §5.1.6): R || S, 64 bytes. */
        if (fmt == FWUP_SIG_DER || len != 64)
            return FWUP_E_COSE_STRUCTURE;
        memcpy(out, in, 64);
        *out_len = 64;
        return FWUP_OK;
    }
    if (cl == 0)
        return FWUP_E_INVALID_ARG;
    if (fmt == FWUP_SIG_RAW || (fmt == FWUP_SIG_AUTO && len == 2 * cl && in[0] != 0x30)) {
        if (len != 2 * cl)
            return FWUP_E_COSE_STRUCTURE;
        memcpy(out, in, len);
        *out_len = len;
        return FWUP_OK;
    }
    /* DER asked for, or AUTO with a SEQUENCE tag. A raw signature whose r
     * starts with 0x30 and which also happens to parse as strict DER is
     * astronomically unlikely; when the DER parse fails, AUTO falls back
     * to raw if the length fits. Callers verify the result anyway. */
    if (fwup_ecdsa_der_to_raw(in, len, cl, out) == FWUP_OK) {
        *out_len = 2 * cl;
        return FWUP_OK;
    }
    if (fmt == FWUP_SIG_AUTO && len == 2 * cl) {
        memcpy(out, in, len);
        *out_len = len;
        return FWUP_OK;
    }
    return FWUP_E_COSE_STRUCTURE;
}
