/*
 * Unit tests of lib/crypto/rawkey.c: the PEM private key, PEM public key and
 * SPKI forms decoded without OpenSSL's decoders. Every key the fast path accepts is
 * compared with what OpenSSL's own decoder makes of the same bytes; every
 * form it must not take is checked to be left to the generic path
 * (FWUP_E_UNSUPPORTED), and the signer built on top must still refuse what
 * it refused before (mismatched halves, points off the curve).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "crypto/crypto_int.h"
#include "fwup/crypto.h"
#include "fwup/signer.h"

TestSuite(rawkey, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p
#define R(p) FWUP_TEST_SRCDIR "/" p

static const uint8_t oid_ec[] = {0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_k256[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a}; /* secp256k1 */
static const uint8_t oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

/* ---- helpers: DER and PEM built by hand, to make each defect on purpose */

struct buf {
    uint8_t b[1024];
    size_t n;
};

static void
put(struct buf *o, const void *p, size_t n)
{
    cr_assert_leq(o->n + n, sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void
tlv(struct buf *o, uint8_t tag, const struct buf *c)
{
    uint8_t h[4] = {tag};
    size_t hl = 2;

    if (c->n < 0x80) {
        h[1] = (uint8_t)c->n;
    } else if (c->n < 0x100) {
        h[1] = 0x81, h[2] = (uint8_t)c->n, hl = 3;
    } else {
        h[1] = 0x82, h[2] = (uint8_t)(c->n >> 8), h[3] = (uint8_t)c->n, hl = 4;
    }
    put(o, h, hl);
    put(o, c->b, c->n);
}

static void
tlv_raw(struct buf *o, uint8_t tag, const uint8_t *p, size_t n)
{
    struct buf c = {.n = 0};
    put(&c, p, n);
    tlv(o, tag, &c);
}

/* ECPrivateKey (RFC 5915); curve NULL: no [0] parameters. */
static void
sec1(struct buf *o, const uint8_t *curve, size_t cl, const uint8_t *priv, size_t pl,
     const uint8_t *pub, size_t publ)
{
    static const uint8_t v1[] = {0x02, 0x01, 0x01};
    struct buf seq = {.n = 0}, bits = {.n = 0}, inner = {.n = 0};

    put(&seq, v1, sizeof v1);
    tlv_raw(&seq, 0x04, priv, pl);
    if (curve != NULL)
        tlv_raw(&seq, 0xa0, curve, cl);
    if (pub != NULL) {
        put(&bits, "\0", 1);
        put(&bits, pub, publ);
        tlv(&inner, 0x03, &bits);
        tlv(&seq, 0xa1, &inner);
    }
    tlv(o, 0x30, &seq);
}

/* PrivateKeyInfo around an ECPrivateKey (no [0]: the algorithm names it). */
static void
pkcs8_ec(struct buf *o, const uint8_t *alg_oid, size_t al, const uint8_t *curve, size_t cl,
         const uint8_t *priv, size_t pl, const uint8_t *pub, size_t publ)
{
    static const uint8_t v0[] = {0x02, 0x01, 0x00};
    struct buf pki = {.n = 0}, alg = {.n = 0}, key = {.n = 0};

    put(&pki, v0, sizeof v0);
    put(&alg, alg_oid, al);
    put(&alg, curve, cl);
    tlv(&pki, 0x30, &alg);
    sec1(&key, NULL, 0, priv, pl, pub, publ);
    tlv(&pki, 0x04, &key);
    tlv(o, 0x30, &pki);
}

/* PEM with 64-character lines (RFC 7468 §2), LF or CRLF line ends. */
static char *
pem(const char *label, const uint8_t *der, size_t n, bool crlf)
{
    unsigned char b64[2048];
    int bl = EVP_EncodeBlock(b64, der, (int)n);
    char *out = calloc(1, 4096);
    size_t o = 0;
    const char *eol = crlf ? "\r\n" : "\n";

    cr_assert_not_null(out);
    o += (size_t)snprintf(out + o, 4096 - o, "-----BEGIN %s-----%s", label, eol);
    for (int i = 0; i < bl; i += 64)
        o += (size_t)snprintf(out + o, 4096 - o, "%.*s%s", bl - i < 64 ? bl - i : 64, b64 + i, eol);
    snprintf(out + o, 4096 - o, "-----END %s-----%s", label, eol);
    return out;
}

static enum fwup_err
parse_str(const char *s, struct fwup_raw_pub *pub, uint8_t *priv, size_t *pl)
{
    return fwup_pem_private_parse((const uint8_t *)s, strlen(s), pub, priv, pl);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* Parse must leave it to OpenSSL: FWUP_E_UNSUPPORTED and nothing kept. */
static void
declined(const char *s, const char *why)
{
    struct fwup_raw_pub pub;
    uint8_t priv[FWUP_PRIV_MAX];
    size_t pl = 99;

    memset(priv, 0xaa, sizeof priv);
    cr_assert_eq(parse_str(s, &pub, priv, &pl), FWUP_E_UNSUPPORTED, "%s", why);
    cr_assert_eq(pl, 0, "%s", why);
    cr_assert(all_zero(priv, sizeof priv), "%s: private bytes not wiped", why);
    cr_assert_eq(pub.type, FWUP_V_KEY_NONE, "%s", why);
}

static EVP_PKEY *
ossl_read(const char *s)
{
    BIO *b = BIO_new_mem_buf(s, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static char *
ossl_write(EVP_PKEY *k, bool traditional)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    long n;

    cr_assert_eq(traditional ? PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL)
                             : PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL),
                 1);
    n = BIO_get_mem_data(b, &data);
    out = calloc(1, (size_t)n + 1);
    memcpy(out, data, (size_t)n);
    BIO_free(b);
    return out;
}

static char *
slurp_str(const char *path)
{
    size_t n;
    uint8_t *b = fwup_test_slurp(path, &n);
    char *s = calloc(1, n + 1);
    memcpy(s, b, n);
    free(b);
    return s;
}

/* The big-endian private scalar / seed and the raw public key of k. */
static void
raw_of(EVP_PKEY *k, enum fwup_v_key_type t, uint8_t *priv, size_t *pl, struct fwup_raw_pub *pub)
{
    pub->type = t;
    if (t == FWUP_V_KEY_ED25519) {
        *pl = 32;
        pub->len = 32;
        cr_assert_eq(EVP_PKEY_get_raw_private_key(k, priv, pl), 1);
        cr_assert_eq(EVP_PKEY_get_raw_public_key(k, pub->bytes, &pub->len), 1);
    } else {
        BIGNUM *bn = NULL;
        size_t cl = fwup_ec_coord_len(t);
        cr_assert_eq(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
        cr_assert_eq(BN_bn2binpad(bn, priv, (int)cl), (int)cl);
        BN_clear_free(bn);
        *pl = cl;
        cr_assert_eq(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub->bytes,
                                                     sizeof pub->bytes, &pub->len),
                     1);
        cr_assert_eq(pub->len, 1 + 2 * cl);
    }
}

/*
 * The fast path on s gives exactly the key OpenSSL's decoder gives: same
 * type, private bytes, public key, SubjectPublicKeyInfo and thumbprint; and
 * a signer opened from the file signs with it.
 */
static void
same_as_openssl(const char *s, enum fwup_v_key_type want)
{
    EVP_PKEY *ref = ossl_read(s), *mine;
    struct fwup_raw_pub pub, rpub, back;
    uint8_t priv[FWUP_PRIV_MAX], rpriv[FWUP_PRIV_MAX], spki[FWUP_SPKI_MAX], tp[32], rtp[32];
    unsigned char *rder = NULL;
    size_t pl = 0, rpl = 0, sl;
    int rl;

    cr_assert_not_null(ref, "OpenSSL cannot read the test key");
    cr_assert_eq(parse_str(s, &pub, priv, &pl), FWUP_OK);
    cr_assert_eq(pub.type, want);
    raw_of(ref, want, rpriv, &rpl, &rpub);
    cr_assert_eq(pl, rpl);
    cr_assert_arr_eq(priv, rpriv, pl);
    if (want == FWUP_V_KEY_ED25519) {
        cr_assert_eq(pub.len, 0, "a PKCS#8 v1 Ed25519 key carries no public key");
    } else {
        cr_assert_eq(pub.len, rpub.len);
        cr_assert_arr_eq(pub.bytes, rpub.bytes, pub.len);
    }
    mine = fwup_pkey_from_raw(&pub, priv, pl);
    cr_assert_not_null(mine);
    cr_assert_eq(EVP_PKEY_eq(mine, ref), 1);
    cr_assert(fwup_pkey_pair_ok(mine));
    cr_assert_eq(fwup_pkey_type(mine), want);
    /* SPKI and thumbprint from the raw bytes equal OpenSSL's. */
    sl = fwup_spki_encode(&rpub, spki);
    rl = i2d_PUBKEY(ref, &rder);
    cr_assert_gt(rl, 0);
    cr_assert_eq(sl, (size_t)rl);
    cr_assert_arr_eq(spki, rder, sl);
    cr_assert(fwup_spki_parse(rder, (size_t)rl, &back));
    cr_assert_eq(back.type, want);
    cr_assert_eq(back.len, rpub.len);
    cr_assert_arr_eq(back.bytes, rpub.bytes, back.len);
    cr_assert_eq(fwup_raw_thumbprint(&back, tp), FWUP_OK);
    cr_assert_eq(fwup_pkey_thumbprint(ref, rtp), FWUP_OK);
    cr_assert_arr_eq(tp, rtp, 32);
    OPENSSL_free(rder);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(ref);
}

static char *
write_tmp(const char *s)
{
    char *path = strdup("/tmp/fwup-rawkey.XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
    close(fd);
    return path;
}

/* fwup_signer_open on s: the error (or FWUP_OK, then it signs and the
 * public key verifies it) and, on error, the diag text contains msg. */
static void
signer_result(const char *s, enum fwup_err want, const char *msg)
{
    char *path = write_tmp(s);
    struct fwup_signer *sg = NULL;
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_signer_open(path, NULL, &sg, &d);
    unlink(path);
    free(path);
    cr_assert_eq(e, want, "signer open: %d (%s)", (int)e, d.detail);
    if (e != FWUP_OK) {
        cr_assert_null(sg);
        if (msg != NULL)
            cr_assert_not_null(strstr(d.detail, msg), "diag '%s' lacks '%s'", d.detail, msg);
        return;
    }
    {
        static const uint8_t m[] = "tbs";
        int32_t alg = fwup_signer_default_alg(sg);
        uint8_t sig[132], *der = NULL;
        size_t slen = 0, dlen = 0;
        struct fwup_v_key pub;
        struct fwup_crypto *c;
        struct fwup_v_crypto port;

        cr_assert_eq(fwup_signer_sign(sg, alg, (struct fwup_bytes){m, sizeof m}, sig, &slen, NULL),
                     FWUP_OK);
        cr_assert_eq(fwup_signer_public_der(sg, &der, &dlen, NULL), FWUP_OK);
        cr_assert_eq(fwup_key_from_der(der, dlen, &pub, NULL), FWUP_OK);
        cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
        fwup_crypto_port(c, &port);
        cr_assert_eq(port.sig_verify(port.ctx, alg, &pub, (struct fwup_bytes){m, sizeof m},
                                     (struct fwup_bytes){sig, slen}),
                     FWUP_OK);
        fwup_crypto_free(c);
        fwup_key_release(&pub);
        free(der);
        fwup_signer_free(sg);
    }
}

static EVP_PKEY *
gen(enum fwup_v_key_type t)
{
    EVP_PKEY *k = t == FWUP_V_KEY_ED25519 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                  : EVP_PKEY_Q_keygen(NULL, NULL, "EC",
                                      t == FWUP_V_KEY_P256 ? "P-256" : "P-384");
    cr_assert_not_null(k);
    return k;
}

/* ---- positive: every key file in the tree and generated keys ---------- */

Test(rawkey, key_files_in_the_tree_decode_as_openssl_does)
{
    static const struct {
        const char *path;
        enum fwup_v_key_type t;
    } files[] = {
        {R("keys/demo-author.pem"), FWUP_V_KEY_P256},
        {R("keys/demo-operator.pem"), FWUP_V_KEY_ED25519},
        {V("keys/key-a-priv.pem"), FWUP_V_KEY_P256},
        {V("keys/key-b-priv.pem"), FWUP_V_KEY_P256}, /* SEC1 "EC PRIVATE KEY" */
        {V("keys/ecdh-device-p256.pem"), FWUP_V_KEY_P256},
    };

    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *s = slurp_str(files[i].path);
        same_as_openssl(s, files[i].t);
        signer_result(s, FWUP_OK, NULL);
        free(s);
    }
}

Test(rawkey, generated_keys_every_type_and_form)
{
    static const enum fwup_v_key_type types[] = {FWUP_V_KEY_P256, FWUP_V_KEY_P384,
                                                 FWUP_V_KEY_ED25519};

    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *k = gen(types[i]);
        char *p8 = ossl_write(k, false);
        cr_assert_not_null(strstr(p8, "-----BEGIN PRIVATE KEY-----"));
        same_as_openssl(p8, types[i]);
        signer_result(p8, FWUP_OK, NULL);
        if (types[i] != FWUP_V_KEY_ED25519) {
            char *s1 = ossl_write(k, true);
            cr_assert_not_null(strstr(s1, "-----BEGIN EC PRIVATE KEY-----"));
            same_as_openssl(s1, types[i]);
            signer_result(s1, FWUP_OK, NULL);
            free(s1);
        }
        free(p8);
        EVP_PKEY_free(k);
    }
}

Test(rawkey, crlf_line_ends_and_a_sec1_key_in_pkcs8_with_parameters)
{
    EVP_PKEY *k = gen(FWUP_V_KEY_P384);
    uint8_t priv[FWUP_PRIV_MAX];
    size_t pl;
    struct fwup_raw_pub pub;
    struct buf der = {.n = 0};
    char *s;

    raw_of(k, FWUP_V_KEY_P384, priv, &pl, &pub);
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p384, sizeof oid_p384, priv, pl, pub.bytes, pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, true);
    same_as_openssl(s, FWUP_V_KEY_P384);
    free(s);
    /* SEC1 with [0] naming the curve, as `openssl ec` writes it. */
    der.n = 0;
    sec1(&der, oid_p384, sizeof oid_p384, priv, pl, pub.bytes, pub.len);
    s = pem("EC PRIVATE KEY", der.b, der.n, false);
    same_as_openssl(s, FWUP_V_KEY_P384);
    free(s);
    EVP_PKEY_free(k);
}

/* ---- negative: left to OpenSSL's generic path ------------------------- */

/*
 * Every framing defect the strict PEM reader must decline, each made from
 * the good file s and handed to declined_as (the private- or public-key
 * check): cut short, no END line or its newline, one base64 character short,
 * a character outside base64, a space, bytes after END, two keys, text
 * before BEGIN, an END label that differs.
 */
static void
pem_framing_defects(const char *s, void (*declined_as)(const char *, const char *))
{
    size_t n = strlen(s);
    const char *end = strstr(s, "-----END");
    char *t;

    cr_assert_not_null(end);
    t = strndup(s, n / 2);
    declined_as(t, "cut in the middle");
    free(t);
    t = strndup(s, (size_t)(end - s));
    declined_as(t, "no END line");
    free(t);
    t = strndup(s, n - 1);
    declined_as(t, "END line without its newline");
    free(t);
    /* One base64 character fewer: a bad length / pad combination. */
    t = strdup(s);
    memmove(t + (end - s) - 2, t + (end - s) - 1, strlen(end - 1) + 1);
    declined_as(t, "base64 one character short");
    free(t);
    t = strdup(s);
    t[40] = '*';
    declined_as(t, "a character outside base64");
    free(t);
    t = strdup(s);
    t[40] = ' ';
    declined_as(t, "a space in the base64");
    free(t);
    t = calloc(1, 2 * n + 32);
    cr_assert_not_null(t);
    snprintf(t, 2 * n + 32, "%sgarbage\n", s);
    declined_as(t, "bytes after the END line");
    snprintf(t, 2 * n + 32, "%s%s", s, s);
    declined_as(t, "two keys");
    snprintf(t, 2 * n + 32, "comment\n%s", s);
    declined_as(t, "text before BEGIN");
    free(t);
    /* Both labels ("PRIVATE KEY", "PUBLIC KEY") are longer than 6. */
    t = strdup(s);
    memcpy(strstr(t, "-----END ") + 9, "XXXXXX", 6);
    declined_as(t, "END label differs");
    free(t);
}

Test(rawkey, truncated_bad_base64_and_trailing_bytes_are_declined)
{
    char *s = slurp_str(R("keys/demo-author.pem"));

    pem_framing_defects(s, declined);
    free(s);
}

Test(rawkey, der_defects_are_declined)
{
    EVP_PKEY *k = gen(FWUP_V_KEY_P256);
    uint8_t priv[FWUP_PRIV_MAX];
    size_t pl;
    struct fwup_raw_pub pub;
    struct buf der = {.n = 0};
    char *s;

    raw_of(k, FWUP_V_KEY_P256, priv, &pl, &pub);
    /* The reference form is accepted: the defects below are what fails. */
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p256, sizeof oid_p256, priv, pl, pub.bytes, pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    same_as_openssl(s, FWUP_V_KEY_P256);
    free(s);

    /* Trailing bytes after the outer SEQUENCE. */
    put(&der, "\0\0", 2);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "DER trailing bytes");
    free(s);
    /* Truncated DER. */
    der.n -= 5;
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "DER truncated");
    free(s);
    /* Wrong algorithm OID, wrong curve OID. */
    der.n = 0;
    pkcs8_ec(&der, oid_ed25519, sizeof oid_ed25519, oid_p256, sizeof oid_p256, priv, pl,
             pub.bytes, pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "Ed25519 OID on an EC key");
    free(s);
    der.n = 0;
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_k256, sizeof oid_k256, priv, pl, pub.bytes, pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "secp256k1");
    free(s);
    /* The PKCS#8 label on a SEC1 body, and the other way round. */
    der.n = 0;
    sec1(&der, oid_p256, sizeof oid_p256, priv, pl, pub.bytes, pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "SEC1 body under PRIVATE KEY");
    free(s);
    der.n = 0;
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p256, sizeof oid_p256, priv, pl, pub.bytes, pub.len);
    s = pem("EC PRIVATE KEY", der.b, der.n, false);
    declined(s, "PKCS#8 body under EC PRIVATE KEY");
    free(s);
    /* No public key (optional in RFC 5915): nothing to check the scalar
     * against here, so OpenSSL decides. */
    der.n = 0;
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p256, sizeof oid_p256, priv, pl, NULL, 0);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "no public key");
    signer_result(s, FWUP_OK, NULL); /* the generic path still opens it */
    free(s);
    /* A short scalar, a compressed point, a P-384 point on a P-256 key. */
    der.n = 0;
    pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p256, sizeof oid_p256, priv + 1, pl - 1, pub.bytes,
             pub.len);
    s = pem("PRIVATE KEY", der.b, der.n, false);
    declined(s, "31-byte scalar");
    free(s);
    {
        uint8_t comp[33];
        comp[0] = (uint8_t)(0x02 | (pub.bytes[64] & 1));
        memcpy(comp + 1, pub.bytes + 1, 32);
        der.n = 0;
        pkcs8_ec(&der, oid_ec, sizeof oid_ec, oid_p256, sizeof oid_p256, priv, pl, comp, 33);
        s = pem("PRIVATE KEY", der.b, der.n, false);
        declined(s, "compressed point");
        signer_result(s, FWUP_OK, NULL);
        free(s);
    }
    /* SEC1 whose [0] names another curve than the PKCS#8 algorithm. */
    {
        static const uint8_t v0[] = {0x02, 0x01, 0x00};
        struct buf pki = {.n = 0}, alg = {.n = 0}, key = {.n = 0};
        put(&pki, v0, 3);
        put(&alg, oid_ec, sizeof oid_ec);
        put(&alg, oid_p256, sizeof oid_p256);
        tlv(&pki, 0x30, &alg);
        sec1(&key, oid_p384, sizeof oid_p384, priv, pl, pub.bytes, pub.len);
        tlv(&pki, 0x04, &key);
        der.n = 0;
        tlv(&der, 0x30, &pki);
        s = pem("PRIVATE KEY", der.b, der.n, false);
        declined(s, "[0] disagrees with the algorithm");
        free(s);
    }
    /* A non-minimal length (0x81 0x20 for 32). */
    {
        static const uint8_t v0[] = {0x02, 0x01, 0x00};
        struct buf pki = {.n = 0}, alg = {.n = 0}, key = {.n = 0}, pkb = {.n = 0};
        uint8_t hdr[] = {0x30, 0x78, 0x02, 0x01, 0x01, 0x04, 0x81, 0x20};
        uint8_t bits[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
        put(&key, hdr, sizeof hdr);
        put(&key, priv, 32);
        put(&key, bits, sizeof bits);
        put(&key, pub.bytes, 65);
        put(&pki, v0, 3);
        put(&alg, oid_ec, sizeof oid_ec);
        put(&alg, oid_p256, sizeof oid_p256);
        tlv(&pki, 0x30, &alg);
        tlv(&pki, 0x04, &key);
        tlv(&pkb, 0x30, &pki);
        s = pem("PRIVATE KEY", pkb.b, pkb.n, false);
        declined(s, "non-minimal length");
        free(s);
    }
    EVP_PKEY_free(k);
}

Test(rawkey, encrypted_and_public_pem_take_the_generic_path)
{
    EVP_PKEY *k = gen(FWUP_V_KEY_P256);
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *s;
    long n;

    /* PKCS#8 encrypted: another label. */
    cr_assert_eq(PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL,
                                               (void *)"pass"),
                 1);
    n = BIO_get_mem_data(b, &data);
    s = strndup(data, (size_t)n);
    declined(s, "ENCRYPTED PRIVATE KEY");
    free(s);
    /* Legacy encrypted SEC1: the same label, with Proc-Type / DEK-Info. */
    (void)BIO_reset(b);
    cr_assert_eq(PEM_write_bio_PrivateKey_traditional(b, k, EVP_aes_256_cbc(),
                                                      (unsigned char *)"pass", 4, NULL, NULL),
                 1);
    n = BIO_get_mem_data(b, &data);
    s = strndup(data, (size_t)n);
    cr_assert_not_null(strstr(s, "Proc-Type: 4,ENCRYPTED"));
    declined(s, "legacy encrypted");
    /* ... and the generic path still asks for its passphrase. */
    signer_result(s, FWUP_E_KEY_PASSPHRASE, NULL);
    free(s);
    (void)BIO_reset(b);
    cr_assert_eq(PEM_write_bio_PUBKEY(b, k), 1);
    n = BIO_get_mem_data(b, &data);
    s = strndup(data, (size_t)n);
    declined(s, "public key");
    signer_result(s, FWUP_E_KEY_FORMAT, "public key");
    free(s);
    BIO_free(b);
    EVP_PKEY_free(k);
}

/* ---- halves that disagree, points off the curve ------------------------ */

Test(rawkey, mismatched_public_half_is_refused_on_the_fast_path)
{
    static const enum fwup_v_key_type types[] = {FWUP_V_KEY_P256, FWUP_V_KEY_P384};

    for (size_t i = 0; i < 2; i++) {
        EVP_PKEY *k = gen(types[i]), *other = gen(types[i]), *mine;
        const uint8_t *curve = types[i] == FWUP_V_KEY_P256 ? oid_p256 : oid_p384;
        size_t cl = types[i] == FWUP_V_KEY_P256 ? sizeof oid_p256 : sizeof oid_p384;
        uint8_t priv[FWUP_PRIV_MAX], opriv[FWUP_PRIV_MAX], got[FWUP_PRIV_MAX];
        size_t pl, opl, gl;
        struct fwup_raw_pub pub, opub, gpub;
        struct buf der = {.n = 0};
        char *s;

        raw_of(k, types[i], priv, &pl, &pub);
        raw_of(other, types[i], opriv, &opl, &opub);
        /* k's scalar with other's (valid) point, in both file forms. */
        for (int form = 0; form < 2; form++) {
            der.n = 0;
            if (form == 0)
                pkcs8_ec(&der, oid_ec, sizeof oid_ec, curve, cl, priv, pl, opub.bytes, opub.len);
            else
                sec1(&der, curve, cl, priv, pl, opub.bytes, opub.len);
            s = pem(form == 0 ? "PRIVATE KEY" : "EC PRIVATE KEY", der.b, der.n, false);
            cr_assert_eq(parse_str(s, &gpub, got, &gl), FWUP_OK, "structurally fine");
            mine = fwup_pkey_from_raw(&gpub, got, gl);
            cr_assert_not_null(mine);
            cr_assert_not(fwup_pkey_pair_ok(mine), "halves disagree");
            EVP_PKEY_free(mine);
            signer_result(s, FWUP_E_KEY_FORMAT, "public half does not match");
            free(s);
        }
        /* A point off the curve: the provider refuses it, and so does the
         * generic path the signer falls back to. */
        pub.bytes[pub.len - 1] ^= 0x01;
        der.n = 0;
        pkcs8_ec(&der, oid_ec, sizeof oid_ec, curve, cl, priv, pl, pub.bytes, pub.len);
        s = pem("PRIVATE KEY", der.b, der.n, false);
        cr_assert_eq(parse_str(s, &gpub, got, &gl), FWUP_OK);
        cr_assert_null(fwup_pkey_from_raw(&gpub, got, gl));
        signer_result(s, FWUP_E_KEY_FORMAT, NULL);
        free(s);
        EVP_PKEY_free(k);
        EVP_PKEY_free(other);
    }
}

/* ---- SubjectPublicKeyInfo --------------------------------------------- */

Test(rawkey, spki_forms_and_off_curve_points)
{
    EVP_PKEY *k = gen(FWUP_V_KEY_P256);
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    struct fwup_raw_pub pub;
    struct fwup_v_key vk;
    uint8_t bad[FWUP_SPKI_MAX + 1];

    cr_assert_gt(n, 0);
    cr_assert(fwup_spki_parse(der, (size_t)n, &pub));
    cr_assert_eq(pub.type, FWUP_V_KEY_P256);
    cr_assert_not(fwup_spki_parse(der, (size_t)n - 1, &pub), "truncated");
    memcpy(bad, der, (size_t)n);
    bad[n] = 0;
    cr_assert_not(fwup_spki_parse(bad, (size_t)n + 1, &pub), "trailing byte");
    bad[10] ^= 1; /* inside the ecPublicKey OID */
    cr_assert_not(fwup_spki_parse(bad, (size_t)n, &pub), "wrong OID");
    memcpy(bad, der, (size_t)n);
    bad[26] = 0x05; /* not the uncompressed-point tag */
    cr_assert_not(fwup_spki_parse(bad, (size_t)n, &pub), "point tag");
    /* Off the curve: fwup_key_from_der refuses it (fast path and fallback). */
    memcpy(bad, der, (size_t)n);
    bad[n - 1] ^= 0x01;
    cr_assert(fwup_spki_parse(bad, (size_t)n, &pub));
    cr_assert_null(fwup_pkey_from_raw(&pub, NULL, 0));
    cr_assert_eq(fwup_key_from_der(bad, (size_t)n, &vk, NULL), FWUP_E_KEY_FORMAT);
    /* The accepted form loads, with the thumbprint of the slow path. */
    cr_assert_eq(fwup_key_from_der(der, (size_t)n, &vk, NULL), FWUP_OK);
    {
        uint8_t tp[32];
        cr_assert_eq(fwup_pkey_thumbprint(k, tp), FWUP_OK);
        cr_assert_arr_eq(vk.kid, tp, 32);
        cr_assert_eq(EVP_PKEY_eq((EVP_PKEY *)(uintptr_t)vk.handle, k), 1);
    }
    fwup_key_release(&vk);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

/* ---- PEM public keys ---------------------------------------------------- */

static EVP_PKEY *
ossl_read_pub(const char *s)
{
    BIO *b = BIO_new_mem_buf(s, -1);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    return k;
}

static char *
ossl_write_pub(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    long n;

    cr_assert_eq(PEM_write_bio_PUBKEY(b, k), 1);
    n = BIO_get_mem_data(b, &data);
    out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static enum fwup_err
pub_parse_str(const char *s, struct fwup_raw_pub *pub)
{
    return fwup_pem_public_parse((const uint8_t *)s, strlen(s), pub);
}

/* fwup_key_load_public on s (through a file): its result and the key. */
static enum fwup_err
load_pub_str(const char *s, struct fwup_v_key *vk, struct fwup_diag *d)
{
    char *path = write_tmp(s);
    enum fwup_err e;

    fwup_diag_init(d);
    e = fwup_key_load_public(path, vk, d);
    unlink(path);
    free(path);
    return e;
}

/* The fast path must leave s to OpenSSL: FWUP_E_UNSUPPORTED, pub zeroed. */
static void
pub_declined(const char *s, const char *why)
{
    struct fwup_raw_pub pub;

    memset(&pub, 0xaa, sizeof pub);
    cr_assert_eq(pub_parse_str(s, &pub), FWUP_E_UNSUPPORTED, "%s", why);
    cr_assert_eq(pub.type, FWUP_V_KEY_NONE, "%s", why);
    cr_assert_eq(pub.len, 0, "%s", why);
}

/*
 * The fast path on the PEM public key s gives the key OpenSSL's decoder
 * gives: same type, same DER SubjectPublicKeyInfo (fwup_spki_encode against
 * i2d_PUBKEY), an equal EVP_PKEY; and fwup_key_load_public makes of it the
 * key and kid of the generic path.
 */
static void
pub_same_as_openssl(const char *s, enum fwup_v_key_type want)
{
    EVP_PKEY *ref = ossl_read_pub(s), *mine;
    struct fwup_raw_pub pub;
    struct fwup_v_key vk;
    struct fwup_diag d;
    uint8_t spki[FWUP_SPKI_MAX], tp[32];
    unsigned char *rder = NULL;
    size_t sl;
    int rl;

    cr_assert_not_null(ref, "OpenSSL cannot read the test key");
    cr_assert_eq(pub_parse_str(s, &pub), FWUP_OK, "not on the fast path:\n%s", s);
    cr_assert_eq(pub.type, want);
    sl = fwup_spki_encode(&pub, spki);
    rl = i2d_PUBKEY(ref, &rder);
    cr_assert_gt(rl, 0);
    cr_assert_eq(sl, (size_t)rl);
    cr_assert_arr_eq(spki, rder, sl);
    mine = fwup_pkey_from_raw(&pub, NULL, 0);
    cr_assert_not_null(mine);
    cr_assert_eq(EVP_PKEY_eq(mine, ref), 1);
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(vk.type, want);
    cr_assert_eq(EVP_PKEY_eq((EVP_PKEY *)(uintptr_t)vk.handle, ref), 1);
    cr_assert_eq(fwup_pkey_thumbprint(ref, tp), FWUP_OK);
    cr_assert_eq(vk.kid_len, 32);
    cr_assert_arr_eq(vk.kid, tp, 32);
    fwup_key_release(&vk);
    OPENSSL_free(rder);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(ref);
}

Test(rawkey, public_key_files_in_the_tree_take_the_fast_path)
{
    /* Every PEM public key the tree ships, found by content so that a new
     * one is covered without editing this list. */
    static const char *const dirs[] = {R("keys"), V("keys"), V("draft37")};
    size_t found = 0;

    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        DIR *dir = opendir(dirs[i]);
        struct dirent *de;

        cr_assert_not_null(dir, "%s", dirs[i]);
        while ((de = readdir(dir)) != NULL) {
            char path[4096];
            char *s;
            EVP_PKEY *ref;

            if (strstr(de->d_name, ".pem") == NULL)
                continue;
            snprintf(path, sizeof path, "%s/%s", dirs[i], de->d_name);
            s = slurp_str(path);
            if (strstr(s, "-----BEGIN PUBLIC KEY-----") == NULL) {
                pub_declined(s, path); /* private keys are not public keys */
                free(s);
                continue;
            }
            ref = ossl_read_pub(s);
            cr_assert_not_null(ref, "%s", path);
            pub_same_as_openssl(s, fwup_pkey_type(ref));
            cr_assert_neq(fwup_pkey_type(ref), FWUP_V_KEY_NONE, "%s", path);
            EVP_PKEY_free(ref);
            free(s);
            found++;
        }
        closedir(dir);
    }
    /* keys/: 2, tests/vectors/keys: 2, draft37: 1 (at least). */
    cr_assert_geq(found, 5, "only %zu public keys found", found);
}

Test(rawkey, generated_public_keys_every_type_lf_and_crlf)
{
    static const enum fwup_v_key_type types[] = {FWUP_V_KEY_P256, FWUP_V_KEY_P384,
                                                 FWUP_V_KEY_ED25519};

    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *k = gen(types[i]);
        char *s = ossl_write_pub(k), *c;
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(k, &der);

        pub_same_as_openssl(s, types[i]);
        cr_assert_gt(n, 0);
        c = pem("PUBLIC KEY", der, (size_t)n, true);
        pub_same_as_openssl(c, types[i]);
        free(c);
        OPENSSL_free(der);
        free(s);
        EVP_PKEY_free(k);
    }
}

Test(rawkey, public_pem_defects_are_declined)
{
    char *s = slurp_str(V("draft37/example-pub.pem"));
    struct fwup_raw_pub pub;

    cr_assert_eq(pub_parse_str(s, &pub), FWUP_OK, "the unmodified file is accepted");
    pem_framing_defects(s, pub_declined);
    free(s);
}

Test(rawkey, public_der_defects_other_curves_and_forms_fall_back)
{
    EVP_PKEY *k = gen(FWUP_V_KEY_P256), *k1;
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(k, &der);
    struct buf b = {.n = 0};
    struct fwup_v_key vk, ref;
    struct fwup_diag d;
    char *s;

    cr_assert_gt(n, 0);
    cr_assert_eq(fwup_key_from_pkey(k, &ref, NULL), FWUP_OK);
    /* DER trailing bytes: declined, and refused by the generic path too
     * (PEM_read_bio_PUBKEY alone would ignore what follows the SPKI). */
    put(&b, der, (size_t)n);
    put(&b, "\0\0", 2);
    s = pem("PUBLIC KEY", b.b, b.n, false);
    pub_declined(s, "DER trailing bytes");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_E_KEY_FORMAT);
    cr_assert_not_null(strstr(d.detail, "not a PEM public key"), "%s", d.detail);
    free(s);
    /* Truncated DER: declined, and refused by the generic path. */
    s = pem("PUBLIC KEY", der, (size_t)n - 1, false);
    pub_declined(s, "DER truncated");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_E_KEY_FORMAT);
    cr_assert_not_null(strstr(d.detail, "not a PEM public key"), "%s", d.detail);
    free(s);
    /* Wrong OID: the EC point under the Ed25519 algorithm, and a curve
     * fwup does not sign with (secp256k1: OpenSSL reads it, fwup refuses
     * it with the message of the generic path). */
    b.n = 0;
    put(&b, der, (size_t)n);
    b.b[10] ^= 0x01; /* inside id-ecPublicKey */
    s = pem("PUBLIC KEY", b.b, b.n, false);
    pub_declined(s, "wrong algorithm OID");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_E_KEY_FORMAT);
    free(s);
    k1 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    cr_assert_not_null(k1);
    s = ossl_write_pub(k1);
    pub_declined(s, "secp256k1");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_E_KEY_FORMAT);
    cr_assert_not_null(strstr(d.detail, "unsupported key type"), "%s", d.detail);
    free(s);
    EVP_PKEY_free(k1);
    /* Compressed point and explicit curve parameters: declined, and the
     * generic path loads them to the very key of the canonical form. */
    cr_assert_eq(EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                                "compressed"),
                 1);
    s = ossl_write_pub(k);
    pub_declined(s, "compressed point");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(vk.type, FWUP_V_KEY_P256);
    cr_assert_arr_eq(vk.kid, ref.kid, 32);
    fwup_key_release(&vk);
    free(s);
    cr_assert_eq(EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                                "uncompressed"),
                 1);
    cr_assert_eq(EVP_PKEY_set_utf8_string_param(k, OSSL_PKEY_PARAM_EC_ENCODING, "explicit"), 1);
    s = ossl_write_pub(k);
    cr_assert_gt(strlen(s), 300, "explicit parameters make a longer key");
    pub_declined(s, "explicit parameters");
    cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_OK, "%s", d.detail);
    cr_assert_arr_eq(vk.kid, ref.kid, 32);
    fwup_key_release(&vk);
    free(s);
    fwup_key_release(&ref);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
}

Test(rawkey, public_points_off_the_curve_are_refused)
{
    static const enum fwup_v_key_type types[] = {FWUP_V_KEY_P256, FWUP_V_KEY_P384};
    /* The P-384 field prime: a coordinate equal to it is out of range. */
    static const uint8_t p384[48] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};

    for (size_t i = 0; i < 2; i++) {
        EVP_PKEY *k = gen(types[i]);
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(k, &der);
        size_t cl = fwup_ec_coord_len(types[i]);
        struct fwup_raw_pub pub;
        struct fwup_v_key vk;
        struct fwup_diag d;
        char *s;

        cr_assert_gt(n, 0);
        for (int defect = 0; defect < 2; defect++) {
            if (defect == 0) {
                der[n - 1] ^= 0x01; /* y no longer fits x */
            } else {
                if (types[i] != FWUP_V_KEY_P384)
                    continue;
                memcpy(der + n - 2 * cl, p384, cl); /* x = p */
            }
            s = pem("PUBLIC KEY", der, (size_t)n, false);
            /* Structurally a key of the fixed form: the fast path reads it,
             * the provider refuses the point, so does the generic path. */
            cr_assert_eq(pub_parse_str(s, &pub), FWUP_OK);
            cr_assert_eq(pub.type, types[i]);
            cr_assert_null(fwup_pkey_from_raw(&pub, NULL, 0), "off-curve point imported");
            cr_assert_null(ossl_read_pub(s), "OpenSSL's decoder takes it");
            ERR_clear_error();
            cr_assert_eq(load_pub_str(s, &vk, &d), FWUP_E_KEY_FORMAT);
            cr_assert_null(vk.handle);
            cr_assert_not_null(strstr(d.detail, "not a PEM public key"), "%s", d.detail);
            free(s);
        }
        OPENSSL_free(der);
        EVP_PKEY_free(k);
    }
}

Test(rawkey, private_keys_are_not_public_keys_on_the_fast_path)
{
    static const char *const pairs[][2] = {
        {R("keys/demo-author.pem"), R("keys/demo-author.pub.pem")},
        {R("keys/demo-operator.pem"), R("keys/demo-operator.pub.pem")},
        {V("keys/key-b-priv.pem"), V("keys/key-b-pub.pem")}, /* SEC1 */
    };

    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char *priv = slurp_str(pairs[i][0]), *pubs = slurp_str(pairs[i][1]), *t;
        struct fwup_v_key a, b;
        struct fwup_diag d;
        struct fwup_raw_pub pub;

        pub_declined(priv, pairs[i][0]);
        /* ... and its body under the PUBLIC KEY label is no SPKI. */
        {
            BIO *bio = BIO_new_mem_buf(priv, -1);
            char *name = NULL, *header = NULL;
            unsigned char *der = NULL;
            long dl = 0;

            cr_assert_eq(PEM_read_bio(bio, &name, &header, &der, &dl), 1);
            t = pem("PUBLIC KEY", der, (size_t)dl, false);
            cr_assert_eq(pub_parse_str(t, &pub), FWUP_E_UNSUPPORTED, "%s", pairs[i][0]);
            free(t);
            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(der);
            BIO_free(bio);
        }
        /* fwup_key_load_public still takes a private key's public half,
         * on the generic path, and it is the key of the .pub.pem file. */
        cr_assert_eq(load_pub_str(priv, &a, &d), FWUP_OK, "%s", d.detail);
        cr_assert_eq(load_pub_str(pubs, &b, &d), FWUP_OK, "%s", d.detail);
        cr_assert_eq(a.type, b.type);
        cr_assert_arr_eq(a.kid, b.kid, 32);
        cr_assert_eq(EVP_PKEY_eq((EVP_PKEY *)(uintptr_t)a.handle, (EVP_PKEY *)(uintptr_t)b.handle),
                     1);
        fwup_key_release(&a);
        fwup_key_release(&b);
        free(priv);
        free(pubs);
    }
}
