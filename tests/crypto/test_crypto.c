/*
 * Unit tests of lib/crypto: the verifier's crypto port on OpenSSL, key
 * loading, RFC 9679 thumbprints, ECDSA DER <-> raw, HMAC secrets.
 * Facts (thumbprints, digests, signatures) come from tests/vectors/FACTS.md.
 */
#include <criterion/criterion.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "fwup/crypto.h"
#include "fwup/secure.h"
#include "fwup/vcbor.h"

TestSuite(crypto, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p

static void
hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

Test(crypto, thumbprint_of_key_a_and_key_b_matches_rfc9679_facts)
{
    struct fwup_v_key a, b;
    char h[65];

    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &a, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_load_public(V("keys/key-b-pub.pem"), &b, NULL), FWUP_OK);
    cr_assert_eq(a.type, FWUP_V_KEY_P256);
    cr_assert_eq(a.kid_len, 32);
    hex(a.kid, 32, h);
    cr_assert_str_eq(h, "ca9e35f23b2b525fb4fc83f512b0dcac4ac29e457e873a5d6a7313f71690b33c");
    hex(b.kid, 32, h);
    cr_assert_str_eq(h, "c770ec535d8c949586324adaf2ddffb76b1a852dfa52e19c80f7440ec163beea");
    fwup_key_release(&a);
    fwup_key_release(&b);
}

Test(crypto, private_pem_yields_the_same_public_key_and_thumbprint)
{
    struct fwup_v_key pub, priv;

    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &pub, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_load_public(V("keys/key-a-priv.pem"), &priv, NULL), FWUP_OK);
    cr_assert_eq(memcmp(pub.kid, priv.kid, 32), 0);
    /* the handle of a key loaded from a private PEM is public-only */
    cr_assert_eq(EVP_PKEY_get_bn_param(priv.handle, "priv", &(BIGNUM *){NULL}), 0);
    fwup_key_release(&pub);
    fwup_key_release(&priv);
}

Test(crypto, thumbprint_from_der_equals_kid_and_pem_round_trips)
{
    struct fwup_v_key k, k2;
    uint8_t *der = NULL, tp[32];
    size_t len = 0;
    char *pem = NULL;

    cr_assert_eq(fwup_key_load_public(V("keys/key-b-pub.pem"), &k, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_public_der(&k, &der, &len), FWUP_OK);
    cr_assert_eq(fwup_key_thumbprint(der, len, tp), FWUP_OK);
    cr_assert_eq(memcmp(tp, k.kid, 32), 0);
    cr_assert_eq(fwup_key_der_to_pem(der, len, &pem), FWUP_OK);
    /* the PEM we export is byte-identical to the published file */
    size_t flen;
    uint8_t *file = fwup_test_slurp(V("keys/key-b-pub.pem"), &flen);
    cr_assert_eq(strlen(pem), flen);
    cr_assert_eq(memcmp(pem, file, flen), 0);
    cr_assert_eq(fwup_key_from_der(der, len, &k2, NULL), FWUP_OK);
    cr_assert_eq(memcmp(k2.kid, k.kid, 32), 0);
    /* trailing garbage after the SPKI is not a key */
    cr_assert_eq(fwup_key_thumbprint(der, len - 1, tp), FWUP_E_KEY_FORMAT);
    free(file);
    free(pem);
    free(der);
    fwup_key_release(&k);
    fwup_key_release(&k2);
}

Test(crypto, load_public_errors_are_specific)
{
    struct fwup_v_key k;
    struct fwup_diag d;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_key_load_public("/nonexistent/key.pem", &k, &d), FWUP_E_IO_OPEN);
    cr_assert_eq(d.code, FWUP_E_IO_OPEN);
    fwup_diag_init(&d);
    /* an envelope is not a key */
    cr_assert_eq(fwup_key_load_public(V("draft37/example0.suit"), &k, &d), FWUP_E_KEY_FORMAT);
    cr_assert_eq(k.handle, NULL);
    /* an HMAC secret is 16..64 raw bytes: a 241-byte PEM file is not one */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_key_load_hmac(V("keys/ecdh-device-p256.pem"), &k, &d), FWUP_E_KEY_FORMAT);
    cr_assert_eq(k.handle, NULL);
}

/* Find wrapper[0] (the encoded SUIT_Digest) and block 1's parts in an envelope. */
struct parts {
    struct fwup_bytes digest, protected_, sig;
    uint64_t tag;
};

static void
split(const uint8_t *env, size_t len, struct parts *p)
{
    struct fwup_vcbor r, w, b;
    uint64_t n, tag, key;
    struct fwup_bytes wrap, blk;

    fwup_vcbor_init(&r, env, len);
    cr_assert_eq(fwup_vcbor_get_tag(&r, &tag), FWUP_OK);
    cr_assert_eq(tag, 107);
    cr_assert_eq(fwup_vcbor_get_map(&r, &n), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &key), FWUP_OK);
    cr_assert_eq(key, 2);
    cr_assert_eq(fwup_vcbor_get_bstr(&r, &wrap), FWUP_OK);
    fwup_vcbor_init(&w, wrap.ptr, wrap.len);
    cr_assert_eq(fwup_vcbor_get_array(&w, &n), FWUP_OK);
    cr_assert_geq(n, 2);
    cr_assert_eq(fwup_vcbor_get_bstr(&w, &p->digest), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&w, &blk), FWUP_OK);
    fwup_vcbor_init(&b, blk.ptr, blk.len);
    cr_assert_eq(fwup_vcbor_get_tag(&b, &p->tag), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_array(&b, &n), FWUP_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(fwup_vcbor_get_bstr(&b, &p->protected_), FWUP_OK);
    cr_assert_eq(fwup_vcbor_skip(&b, NULL), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_null(&b), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&b, &p->sig), FWUP_OK);
}

/* ["Signature1"|"MAC0", protected, h'', payload] with 1-byte-head protected. */
static size_t
tbs(const char *ctx, struct fwup_bytes prot, struct fwup_bytes payload, uint8_t *out)
{
    size_t o = 0, cl = strlen(ctx);

    out[o++] = 0x84;
    out[o++] = (uint8_t)(0x60 | cl);
    memcpy(out + o, ctx, cl), o += cl;
    out[o++] = (uint8_t)(0x40 | prot.len);
    memcpy(out + o, prot.ptr, prot.len), o += prot.len;
    out[o++] = 0x40;
    out[o++] = 0x58;
    out[o++] = (uint8_t)payload.len;
    memcpy(out + o, payload.ptr, payload.len), o += payload.len;
    return o;
}

Test(crypto, port_verifies_draft37_example0_signature_with_key_a)
{
    size_t len, n;
    uint8_t *env = fwup_test_slurp(V("draft37/example0.suit"), &len);
    struct parts p;
    uint8_t buf[128], bad[64];
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    struct fwup_v_key a, b;
    static const uint8_t head[] = {0x84, 0x6a, 'S',  'i',  'g',  'n',  'a',  't',  'u', 'r',
                                   'e',  '1',  0x43, 0xa1, 0x01, 0x26, 0x40, 0x58, 0x24};

    split(env, len, &p);
    cr_assert_eq(p.tag, 18);
    n = tbs("Signature1", p.protected_, p.digest, buf);
    /* FACTS.md: example0 ToBeSigned is 55 bytes, starting with this head */
    cr_assert_eq(n, 55);
    cr_assert_eq(memcmp(buf, head, sizeof head), 0);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(port.ctx, c);
    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &a, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_load_public(V("keys/key-b-pub.pem"), &b, NULL), FWUP_OK);
    struct fwup_bytes msg = {buf, n};
    cr_assert_eq(port.sig_verify(port.ctx, -7, &a, msg, p.sig), FWUP_OK);
    /* ESP256 (-9) is the same math: the port accepts it with the same key */
    cr_assert_eq(port.sig_verify(port.ctx, -9, &a, msg, p.sig), FWUP_OK);
    /* wrong key, flipped bit, truncated signature: all SIG_VERIFY */
    cr_assert_eq(port.sig_verify(port.ctx, -7, &b, msg, p.sig), FWUP_E_SIG_VERIFY);
    memcpy(bad, p.sig.ptr, 64);
    bad[10] ^= 1;
    cr_assert_eq(port.sig_verify(port.ctx, -7, &a, msg, (struct fwup_bytes){bad, 64}),
                 FWUP_E_SIG_VERIFY);
    cr_assert_eq(port.sig_verify(port.ctx, -7, &a, msg, (struct fwup_bytes){p.sig.ptr, 63}),
                 FWUP_E_SIG_VERIFY);
    buf[n - 1] ^= 1; /* one bit of the digest */
    cr_assert_eq(port.sig_verify(port.ctx, -7, &a, msg, p.sig), FWUP_E_SIG_VERIFY);
    /* a P-256 key cannot make ES384 or Ed25519 signatures */
    cr_assert_eq(port.sig_verify(port.ctx, -35, &a, msg, p.sig), FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(port.sig_verify(port.ctx, -19, &a, msg, p.sig), FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(port.sig_verify(port.ctx, -257, &a, msg, p.sig), FWUP_E_COSE_UNSUPPORTED_ALG);
    fwup_key_release(&a);
    fwup_key_release(&b);
    fwup_crypto_free(c);
    free(env);
}

Test(crypto, port_hashes_the_manifest_bstr_of_example0)
{
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    uint8_t out[64];
    size_t len, olen = 0;
    uint8_t *env = fwup_test_slurp(V("draft37/example0.suit"), &len);
    char h[129];

    /* FACTS.md: the digest covers the key-3 bstr with its head 58 71; 115
     * bytes that end the file (key 3 is the last element of example0) */
    cr_assert_eq(env[len - 115], 0x58);
    cr_assert_eq(env[len - 114], 0x71);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(port.hash_update(port.ctx, env, 1), FWUP_E_BAD_STATE);
    cr_assert_eq(port.hash_init(port.ctx, -16), FWUP_OK);
    /* streamed in two pieces, as the verifier does through its chunk buffer */
    cr_assert_eq(port.hash_update(port.ctx, env + len - 115, 50), FWUP_OK);
    cr_assert_eq(port.hash_update(port.ctx, env + len - 65, 65), FWUP_OK);
    cr_assert_eq(port.hash_final(port.ctx, out, sizeof out, &olen), FWUP_OK);
    cr_assert_eq(olen, 32);
    hex(out, 32, h);
    cr_assert_str_eq(h, "6658ea560262696dd1f13b782239a064da7c6c5cbaf52fded428a6fc83c7e5af");
    /* SHA-384/512 available; SHAKE128 (-18) is not */
    cr_assert_eq(port.hash_init(port.ctx, -44), FWUP_OK);
    cr_assert_eq(port.hash_final(port.ctx, out, 32, &olen), FWUP_E_LIMIT_BUFFER);
    cr_assert_eq(port.hash_init(port.ctx, -43), FWUP_OK);
    cr_assert_eq(port.hash_update(port.ctx, (const uint8_t *)"abc", 3), FWUP_OK);
    cr_assert_eq(port.hash_final(port.ctx, out, sizeof out, &olen), FWUP_OK);
    cr_assert_eq(olen, 48);
    hex(out, 4, h);
    cr_assert_str_eq(h, "cb00753f"); /* FIPS 180-2 SHA-384("abc") */
    cr_assert_eq(port.hash_init(port.ctx, -18), FWUP_E_SUIT_DIGEST_ALG);
    fwup_sha256((const uint8_t *)"abc", 3, out);
    hex(out, 4, h);
    cr_assert_str_eq(h, "ba7816bf");
    fwup_crypto_free(c);
    free(env);
}

/* The COSE_Mac0 in multi-signer/example0-sign1-plus-mac0.suit is block 2. */
Test(crypto, port_macs_match_the_mac0_vector_and_secret_is_hmac_typed)
{
    size_t len;
    uint8_t *env = fwup_test_slurp(V("multi-signer/example0-sign1-plus-mac0.suit"), &len);
    struct fwup_vcbor r, w, b;
    uint64_t n, tag;
    struct fwup_bytes wrap, digest, blk, prot, mac;
    uint8_t buf[128], out[32];
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    struct fwup_v_key k, a;

    fwup_vcbor_init(&r, env, len);
    cr_assert_eq(fwup_vcbor_get_tag(&r, &tag), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_map(&r, &n), FWUP_OK);
    cr_assert_eq(fwup_vcbor_skip(&r, NULL), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&r, &wrap), FWUP_OK);
    fwup_vcbor_init(&w, wrap.ptr, wrap.len);
    cr_assert_eq(fwup_vcbor_get_array(&w, &n), FWUP_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(fwup_vcbor_get_bstr(&w, &digest), FWUP_OK);
    cr_assert_eq(fwup_vcbor_skip(&w, NULL), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&w, &blk), FWUP_OK);
    fwup_vcbor_init(&b, blk.ptr, blk.len);
    cr_assert_eq(fwup_vcbor_get_tag(&b, &tag), FWUP_OK);
    cr_assert_eq(tag, 17);
    cr_assert_eq(fwup_vcbor_get_array(&b, &n), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&b, &prot), FWUP_OK);
    cr_assert_eq(fwup_vcbor_skip(&b, NULL), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_null(&b), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&b, &mac), FWUP_OK);
    cr_assert_eq(mac.len, 32);
    n = tbs("MAC0", prot, digest, buf);

    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(fwup_key_load_hmac(V("keys/hmac256-secret.bin"), &k, NULL), FWUP_OK);
    cr_assert_eq(k.type, FWUP_V_KEY_HMAC256);
    cr_assert_eq(port.mac_compute(port.ctx, 5, &k, (struct fwup_bytes){buf, n}, out), FWUP_OK);
    cr_assert(fwup_ct_equal(out, mac.ptr, 32));
    /* a public key is no MAC key, and an HMAC key makes no signature */
    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &a, NULL), FWUP_OK);
    cr_assert_eq(port.mac_compute(port.ctx, 5, &a, (struct fwup_bytes){buf, n}, out),
                 FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(port.sig_verify(port.ctx, -9, &k, (struct fwup_bytes){buf, n}, mac),
                 FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(port.mac_compute(port.ctx, 6, &k, (struct fwup_bytes){buf, n}, out),
                 FWUP_E_COSE_UNSUPPORTED_ALG);
    fwup_key_release(&k);
    fwup_key_release(&a);
    fwup_crypto_free(c);
    free(env);
}

Test(crypto, hmac_secret_lives_in_secure_heap_and_is_wiped_on_release)
{
    struct fwup_v_key k;
    const volatile uint8_t *mem;
    size_t sz;
    bool any = false;

    /* With the secure heap on (as cli/main.c does), the secret must land in
     * it. The secure arena is a private mmap that stays mapped after free,
     * so reading it after release is well defined and shows the wipe. */
    if (!CRYPTO_secure_malloc_initialized())
        cr_assert_eq(CRYPTO_secure_malloc_init(32768, 32), 1);
    cr_assert_eq(fwup_key_load_hmac(V("keys/hmac256-secret.bin"), &k, NULL), FWUP_OK);
    cr_assert(CRYPTO_secure_allocated(k.handle));
    mem = k.handle;
    sz = CRYPTO_secure_actual_size((void *)(uintptr_t)k.handle);
    cr_assert_geq(sz, 32);
    for (size_t i = 0; i < sz; i++)
        any |= mem[i] == 'a';
    cr_assert(any, "secret bytes expected before release");
    fwup_key_release(&k);
    cr_assert_eq(k.handle, NULL);
    cr_assert_eq(k.type, FWUP_V_KEY_NONE);
    for (size_t i = 0; i < sz; i++)
        cr_assert_eq(mem[i], 0, "byte %zu not wiped", i);
}

Test(crypto, ecdsa_der_raw_round_trip_keeps_leading_zero_bytes)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    uint8_t dig[32] = {0}, der[80], raw[64], *der2 = NULL;
    size_t der_len, der2_len;
    int tries = 0;
    bool zero = false;

    cr_assert_not_null(k);
    /* Sign until r or s is short (leading 0x00 in the fixed-width form:
     * about 1 signature in 128). BN_bn2binpad must keep the zero. */
    while (!zero && tries++ < 5000) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        dig[0] = (uint8_t)tries;
        dig[1] = (uint8_t)(tries >> 8);
        der_len = sizeof der;
        cr_assert_eq(EVP_PKEY_sign_init(ctx), 1);
        cr_assert_eq(EVP_PKEY_sign(ctx, der, &der_len, dig, sizeof dig), 1);
        EVP_PKEY_CTX_free(ctx);
        cr_assert_eq(fwup_ecdsa_der_to_raw(der, der_len, 32, raw), FWUP_OK);
        zero = raw[0] == 0 || raw[32] == 0;
        cr_assert_eq(fwup_ecdsa_raw_to_der(raw, 64, &der2, &der2_len), FWUP_OK);
        cr_assert_eq(der2_len, der_len);
        cr_assert_eq(memcmp(der2, der, der_len), 0);
        free(der2);
    }
    cr_assert(zero, "no signature with a leading zero byte in %d tries", tries);
    /* BER-ish input (one more length byte) and trailing bytes are refused */
    uint8_t longform[82];
    longform[0] = 0x30;
    longform[1] = 0x81;
    longform[2] = der[1];
    memcpy(longform + 3, der + 2, der_len - 2);
    cr_assert_eq(fwup_ecdsa_der_to_raw(longform, der_len + 1, 32, raw), FWUP_E_COSE_STRUCTURE);
    der[der_len] = 0;
    cr_assert_eq(fwup_ecdsa_der_to_raw(der, der_len + 1, 32, raw), FWUP_E_COSE_STRUCTURE);
    /* a P-384-sized r cannot go in a P-256 slot */
    cr_assert_eq(fwup_ecdsa_raw_to_der(raw, 63, &der2, &der2_len), FWUP_E_INVALID_ARG);
    EVP_PKEY_free(k);
}
