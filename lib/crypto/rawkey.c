/*
 * Keys of the three types fwup signs with (P-256, P-384, Ed25519) in their
 * raw form: DER SubjectPublicKeyInfo without OpenSSL's decoders and
 * encoders, EVP_PKEYs built with EVP_PKEY_fromdata, RFC 9679 thumbprints
 * from the raw coordinates, and strict parsers of unencrypted PEM private
 * keys (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY") and of PEM public keys
 * ("PUBLIC KEY": a SubjectPublicKeyInfo).
 *
 * Why: OpenSSL 3 builds its whole decoder (or encoder) chain the first time
 * a process calls d2i_PUBKEY, i2d_PUBKEY, PEM_read_bio_PUBKEY or
 * PEM_read_bio_PrivateKey: about 10 M instructions for one PEM private key,
 * 3.5 M for one i2d_PUBKEY, most of a `fwup sign` or `fwup verify` process
 * (bench/README.md). The forms fwup and `openssl genpkey` write are few
 * and fixed, so they are matched byte for byte here; everything else
 * (encrypted PEM, explicit curve parameters, compressed points, a PKCS#8 v2
 * key, other key types) returns FWUP_E_UNSUPPORTED and the callers fall
 * back to OpenSSL's generic path, which keeps its behaviour and error
 * messages. So do bytes that match but that EVP_PKEY_fromdata refuses (a
 * point off the curve): OpenSSL's decoder refuses them too, with the
 * message users already get. Only a key pair
 * whose halves disagree is refused on the fast path itself, by the same
 * pairwise check the generic path runs.
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdint.h>
#include <string.h>

#include "crypto_int.h"
#include "fwup/enc.h"
#include "fwup/secure.h"

/* COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7). */
#define COSE_KEY_KTY 1
#define COSE_KEY_CRV (-1)
#define COSE_KEY_X (-2)
#define COSE_KEY_Y (-3)
#define COSE_KTY_OKP 1
#define COSE_KTY_EC2 2
#define COSE_CRV_P256 1
#define COSE_CRV_P384 2
#define COSE_CRV_ED25519 6

/* DER of the AlgorithmIdentifier contents and the named-curve OIDs. */
static const uint8_t oid_ec_public_key[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

/*
 * SubjectPublicKeyInfo up to the key bytes (RFC 5480 §2, RFC 8410 §4): the
 * rest of the DER is the uncompressed point 04 || x || y, or the 32 bytes of
 * an Ed25519 key. Lengths are fixed, so the prefix is too.
 */
static const uint8_t spki_p256[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
static const uint8_t spki_p384[] = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                                    0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                                    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
static const uint8_t spki_ed25519[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static size_t
pub_len_of(enum fwup_v_key_type t)
{
    return t == FWUP_V_KEY_ED25519 ? 32 : 1 + 2 * fwup_ec_coord_len(t);
}

static const uint8_t *
spki_prefix(enum fwup_v_key_type t, size_t *len)
{
    switch (t) {
    case FWUP_V_KEY_P256: *len = sizeof spki_p256; return spki_p256;
    case FWUP_V_KEY_P384: *len = sizeof spki_p384; return spki_p384;
    case FWUP_V_KEY_ED25519: *len = sizeof spki_ed25519; return spki_ed25519;
    default: *len = 0; return NULL;
    }
}

bool
fwup_spki_parse(const uint8_t *der, size_t len, struct fwup_raw_pub *pub)
{
    static const enum fwup_v_key_type types[] = {FWUP_V_KEY_P256, FWUP_V_KEY_P384,
                                                 FWUP_V_KEY_ED25519};

    memset(pub, 0, sizeof *pub);
    if (der == NULL)
        return false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t pl, kl = pub_len_of(types[i]);
        const uint8_t *pre = spki_prefix(types[i], &pl);

        if (len != pl + kl || memcmp(der, pre, pl) != 0)
            continue;
        /* Only the uncompressed point has a fixed length; 04 is its tag. */
        if (types[i] != FWUP_V_KEY_ED25519 && der[pl] != 0x04)
            return false;
        pub->type = types[i];
        pub->len = kl;
        memcpy(pub->bytes, der + pl, kl);
        return true;
    }
    return false;
}

size_t
fwup_spki_encode(const struct fwup_raw_pub *pub, uint8_t out[FWUP_SPKI_MAX])
{
    size_t pl;
    const uint8_t *pre = spki_prefix(pub->type, &pl);

    if (pre == NULL || pub->len != pub_len_of(pub->type))
        return 0;
    memcpy(out, pre, pl);
    memcpy(out + pl, pub->bytes, pub->len);
    return pl + pub->len;
}

/* OSSL_PARAM integers are native-endian (OSSL_PARAM_construct_BN(3)). */
static void
be_to_native(const uint8_t *be, uint8_t *out, size_t n)
{
    const uint16_t one = 1;

    if (*(const uint8_t *)&one == 1) {
        for (size_t i = 0; i < n; i++)
            out[i] = be[n - 1 - i];
    } else {
        memcpy(out, be, n);
    }
}

EVP_PKEY *
fwup_pkey_from_raw(const struct fwup_raw_pub *pub, const uint8_t *priv, size_t priv_len)
{
    OSSL_PARAM params[4];
    size_t n = 0, cl = fwup_ec_coord_len(pub->type);
    uint8_t scalar[48];
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    bool ec = pub->type == FWUP_V_KEY_P256 || pub->type == FWUP_V_KEY_P384;

    /* An Ed25519 key pair may come without its public half (PKCS#8 v1):
     * OpenSSL then derives it from the private key. */
    if ((!ec && pub->type != FWUP_V_KEY_ED25519) ||
        (pub->len != pub_len_of(pub->type) && !(!ec && priv != NULL && pub->len == 0)) ||
        (priv != NULL && priv_len != (ec ? cl : 32)))
        return NULL;
    if (ec) {
        params[n++] = OSSL_PARAM_construct_utf8_string(
            OSSL_PKEY_PARAM_GROUP_NAME,
            (char *)(uintptr_t)(pub->type == FWUP_V_KEY_P256 ? "prime256v1" : "secp384r1"), 0);
        if (priv != NULL) {
            be_to_native(priv, scalar, cl);
            params[n++] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, scalar, cl);
        }
    } else if (priv != NULL) {
        memcpy(scalar, priv, 32);
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, scalar, 32);
    }
    /* Given with the private half, the public half is what the pairwise
     * check (fwup_pkey_pair_ok) compares the private one with. */
    if (pub->len != 0)
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                        (void *)(uintptr_t)pub->bytes, pub->len);
    params[n] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(NULL, ec ? "EC" : "ED25519", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                          params) != 1) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
        ERR_clear_error();
    }
    EVP_PKEY_CTX_free(ctx);
    FWUP_WIPE_VAR(scalar);
    return pkey;
}

bool
fwup_pkey_pair_ok(EVP_PKEY *pkey)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    bool ok = pc != NULL && EVP_PKEY_pairwise_check(pc) == 1;

    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    return ok;
}

enum fwup_err
fwup_raw_thumbprint(const struct fwup_raw_pub *pub, uint8_t out[32])
{
    size_t cl = fwup_ec_coord_len(pub->type);
    struct fwup_enc e;
    struct fwup_bytes b;
    enum fwup_err rc;

    if (pub->type != FWUP_V_KEY_ED25519 && cl == 0)
        return FWUP_E_KEY_FORMAT;
    if (pub->len != pub_len_of(pub->type))
        return FWUP_E_KEY_FORMAT;
    /* RFC 9679 §3: the required members only, in deterministic encoding
     * (RFC 8949 §4.2.1: keys sorted bytewise, 0x01 < 0x20 < 0x21 < 0x22,
     * i.e. 1, -1, -2, -3). Key bytes are public: no wiping needed. */
    fwup_enc_init(&e, 256);
    if (pub->type == FWUP_V_KEY_ED25519) {
        fwup_enc_map(&e, 3);
        fwup_enc_int(&e, COSE_KEY_KTY);
        fwup_enc_int(&e, COSE_KTY_OKP);
        fwup_enc_int(&e, COSE_KEY_CRV);
        fwup_enc_int(&e, COSE_CRV_ED25519);
        fwup_enc_int(&e, COSE_KEY_X);
        fwup_enc_bstr(&e, pub->bytes, 32);
    } else {
        fwup_enc_map(&e, 4);
        fwup_enc_int(&e, COSE_KEY_KTY);
        fwup_enc_int(&e, COSE_KTY_EC2);
        fwup_enc_int(&e, COSE_KEY_CRV);
        fwup_enc_int(&e, pub->type == FWUP_V_KEY_P256 ? COSE_CRV_P256 : COSE_CRV_P384);
        fwup_enc_int(&e, COSE_KEY_X);
        fwup_enc_bstr(&e, pub->bytes + 1, cl);
        fwup_enc_int(&e, COSE_KEY_Y);
        fwup_enc_bstr(&e, pub->bytes + 1 + cl, cl);
    }
    rc = fwup_enc_error(&e);
    if (rc == FWUP_OK) {
        b = fwup_enc_bytes(&e);
        fwup_sha256(b.ptr, b.len, out);
    }
    fwup_enc_release(&e);
    return rc;
}

/* ---- PEM files: strict DER and base64, private keys -------------------- */

/* A strict DER reader: definite, minimal lengths; no indefinite forms. */
struct der {
    const uint8_t *p, *end;
};

/* Next element must have this tag: *in is its contents, d moves past it. */
static bool
der_take(struct der *d, uint8_t tag, struct der *in)
{
    size_t n, len;

    if (d->end - d->p < 2 || d->p[0] != tag)
        return false;
    n = d->p[1];
    d->p += 2;
    if (n & 0x80) {
        size_t k = n & 0x7f;
        /* Key files are far below 64 KiB: one or two length bytes. */
        if (k == 0 || k > 2 || (size_t)(d->end - d->p) < k || d->p[0] == 0)
            return false;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | *d->p++;
        if (len < 0x80) /* minimal encoding (X.690 §10.1) */
            return false;
    } else {
        len = n;
    }
    if ((size_t)(d->end - d->p) < len)
        return false;
    in->p = d->p;
    in->end = d->p + len;
    d->p += len;
    return true;
}

/* Next element is exactly these DER bytes (tag, length and contents). */
static bool
der_expect(struct der *d, const uint8_t *der, size_t len)
{
    if ((size_t)(d->end - d->p) < len || memcmp(d->p, der, len) != 0)
        return false;
    d->p += len;
    return true;
}

static bool
der_done(const struct der *d)
{
    return d->p == d->end;
}

static enum fwup_v_key_type
curve_of(struct der *d)
{
    if (der_expect(d, oid_p256, sizeof oid_p256))
        return FWUP_V_KEY_P256;
    if (der_expect(d, oid_p384, sizeof oid_p384))
        return FWUP_V_KEY_P384;
    return FWUP_V_KEY_NONE;
}

/*
 * ECPrivateKey (RFC 5915 §3) with its publicKey, which OpenSSL always
 * writes; curve is NONE when the parameters must name it (SEC1 file), else
 * the curve of the PKCS#8 AlgorithmIdentifier (parameters then optional).
 */
static bool
parse_ec_private(struct der *d, enum fwup_v_key_type curve, struct fwup_raw_pub *pub,
                 uint8_t *priv, size_t *priv_len)
{
    static const uint8_t version1[] = {0x02, 0x01, 0x01};
    struct der seq, scalar, params, pk, bits;
    size_t cl;

    if (!der_take(d, 0x30, &seq) || !der_done(d) ||
        !der_expect(&seq, version1, sizeof version1) || !der_take(&seq, 0x04, &scalar))
        return false;
    if (seq.p < seq.end && seq.p[0] == 0xa0) {
        enum fwup_v_key_type named;
        if (!der_take(&seq, 0xa0, &params) || (named = curve_of(&params)) == FWUP_V_KEY_NONE ||
            !der_done(&params) || (curve != FWUP_V_KEY_NONE && named != curve))
            return false;
        curve = named;
    }
    cl = fwup_ec_coord_len(curve);
    /* RFC 5915: the scalar is ceiling(log2(n)/8) octets, i.e. fixed. */
    if (cl == 0 || (size_t)(scalar.end - scalar.p) != cl)
        return false;
    if (!der_take(&seq, 0xa1, &pk) || !der_done(&seq) || !der_take(&pk, 0x03, &bits) ||
        !der_done(&pk))
        return false;
    /* BIT STRING: no unused bits, then the uncompressed point. */
    if ((size_t)(bits.end - bits.p) != 2 + 2 * cl || bits.p[0] != 0x00 || bits.p[1] != 0x04)
        return false;
    pub->type = curve;
    pub->len = 1 + 2 * cl;
    memcpy(pub->bytes, bits.p + 1, pub->len);
    memcpy(priv, scalar.p, cl);
    *priv_len = cl;
    return true;
}

/* PrivateKeyInfo (RFC 5208 §5) of an EC or Ed25519 key (RFC 8410 §7). */
static bool
parse_pkcs8(struct der *d, struct fwup_raw_pub *pub, uint8_t *priv, size_t *priv_len)
{
    static const uint8_t version0[] = {0x02, 0x01, 0x00};
    struct der pki, alg, okey, inner;

    if (!der_take(d, 0x30, &pki) || !der_done(d) ||
        !der_expect(&pki, version0, sizeof version0) || !der_take(&pki, 0x30, &alg) ||
        !der_take(&pki, 0x04, &okey) || !der_done(&pki))
        return false;
    if (der_expect(&alg, oid_ed25519, sizeof oid_ed25519)) {
        /* The public half is not in a v1 key: fwup_pkey_from_raw derives it,
         * so there is no second half to disagree with. */
        if (!der_done(&alg) || !der_take(&okey, 0x04, &inner) || !der_done(&okey) ||
            inner.end - inner.p != 32)
            return false;
        memcpy(priv, inner.p, 32);
        *priv_len = 32;
        pub->type = FWUP_V_KEY_ED25519;
        pub->len = 0;
        return true;
    }
    {
        enum fwup_v_key_type curve;
        if (!der_expect(&alg, oid_ec_public_key, sizeof oid_ec_public_key) ||
            (curve = curve_of(&alg)) == FWUP_V_KEY_NONE || !der_done(&alg))
            return false;
        return parse_ec_private(&okey, curve, pub, priv, priv_len);
    }
}

static int
b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * RFC 7468 §3 strict base64 body: lines of base64 characters, each ending in
 * LF or CRLF, '=' padding only at the very end, zero pad bits. Returns the
 * decoded length, or 0 for anything else.
 */
static size_t
b64_decode(const uint8_t *p, const uint8_t *end, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    size_t n = 0, bits = 0, pad = 0;

    for (; p < end; p++) {
        int v;
        if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
            continue;
        if (*p == '=') {
            pad++;
            continue;
        }
        v = b64_value(*p);
        if (v < 0 || pad > 0)
            return 0;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return 0;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    /* A last quantum of 2 or 3 characters leaves 4 or 2 bits, all zero, and
     * comes with 2 or 1 '='; 6 bits is a lone character. */
    if ((bits == 0 && pad != 0) || (bits == 4 && pad != 2) || (bits == 2 && pad != 1) ||
        bits == 6 || (acc & ((1u << bits) - 1)) != 0)
        return 0;
    acc = 0;
    return n;
}

/* "-----BEGIN <label>-----" + EOL at p: returns the byte after it or NULL. */
static const uint8_t *
pem_line(const uint8_t *p, const uint8_t *end, const char *what, const char *label)
{
    size_t wl = strlen(what), ll = strlen(label);

    if ((size_t)(end - p) < 10 + wl + ll || memcmp(p, "-----", 5) != 0 ||
        memcmp(p + 5, what, wl) != 0 || memcmp(p + 5 + wl, label, ll) != 0 ||
        memcmp(p + 5 + wl + ll, "-----", 5) != 0)
        return NULL;
    p += 10 + wl + ll;
    if (p < end && *p == '\r')
        p++;
    if (p == end || *p != '\n')
        return NULL;
    return p + 1;
}

/*
 * The DER of a file that is exactly one PEM block with this label, decoded
 * into der[0..cap): its length, 0 for anything else. der may hold part of
 * the body even then: a caller decoding a secret wipes it either way.
 */
static size_t
pem_block(const uint8_t *pem, size_t len, const char *label, uint8_t *der, size_t cap)
{
    const uint8_t *end = pem + len, *body = pem_line(pem, end, "BEGIN ", label), *stop;

    if (body == NULL)
        return 0;
    /* The END line closes the file: one key, nothing after it but an
     * optional final newline (pem_line wants one). No headers either: an
     * encrypted legacy key has them, and is OpenSSL's to read. */
    for (stop = body; stop < end && *stop != '-'; stop++)
        ;
    if (pem_line(stop, end, "END ", label) != end)
        return 0;
    return b64_decode(body, stop, der, cap);
}

enum fwup_err
fwup_pem_private_parse(const uint8_t *pem, size_t len, struct fwup_raw_pub *pub,
                       uint8_t priv[FWUP_PRIV_MAX], size_t *priv_len)
{
    static const char *const labels[] = {"PRIVATE KEY", "EC PRIVATE KEY"};
    uint8_t der[256];
    enum fwup_err rc = FWUP_E_UNSUPPORTED;

    memset(pub, 0, sizeof *pub);
    *priv_len = 0;
    /* The two BEGIN lines differ, so at most one label can match. */
    for (size_t i = 0; i < 2; i++) {
        size_t n = pem_block(pem, len, labels[i], der, sizeof der);
        struct der d = {der, der + n};

        if (n == 0)
            continue;
        if (i == 0 ? parse_pkcs8(&d, pub, priv, priv_len)
                   : parse_ec_private(&d, FWUP_V_KEY_NONE, pub, priv, priv_len))
            rc = FWUP_OK;
        break;
    }
    if (rc != FWUP_OK) {
        memset(pub, 0, sizeof *pub);
        fwup_wipe(priv, FWUP_PRIV_MAX);
        *priv_len = 0;
    }
    FWUP_WIPE_VAR(der);
    return rc;
}

/* ---- PEM public keys -------------------------------------------------- */

enum fwup_err
fwup_pem_public_parse(const uint8_t *pem, size_t len, struct fwup_raw_pub *pub)
{
    /* Anything longer than the largest fixed form is not one of them:
     * b64_decode stops at the capacity. */
    uint8_t der[FWUP_SPKI_MAX];
    size_t n = pem_block(pem, len, "PUBLIC KEY", der, sizeof der);

    if (n != 0 && fwup_spki_parse(der, n, pub))
        return FWUP_OK;
    memset(pub, 0, sizeof *pub);
    return FWUP_E_UNSUPPORTED;
}
