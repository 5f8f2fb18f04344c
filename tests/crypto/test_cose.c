/*
 * Unit tests of lib/cose: to-be-signed bytes, block encoding, appending to
 * an envelope (byte preservation), TOCTOU, one block per key, detached
 * signing. Results are checked by parsing the output again and verifying
 * through the verifier's crypto port.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>

#include "common.h"
#include "fwup/cose.h"
#include "fwup/crypto.h"
#include "fwup/secure.h"
#include "fwup/signer.h"
#include "fwup/vcbor.h"

TestSuite(cose, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p

struct blk {
    uint64_t tag;
    int64_t alg;
    struct fwup_bytes prot, kid, sig;
};

/* Strict decode of a block we made: tag, [bstr{1:alg}, {?4:kid}, nil, bstr]. */
static void
decode_block(struct fwup_bytes b, struct blk *o)
{
    struct fwup_vcbor r, h;
    uint64_t n, k;

    memset(o, 0, sizeof *o);
    fwup_vcbor_init(&r, b.ptr, b.len);
    cr_assert_eq(fwup_vcbor_get_tag(&r, &o->tag), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_array(&r, &n), FWUP_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(fwup_vcbor_get_bstr(&r, &o->prot), FWUP_OK);
    fwup_vcbor_init(&h, o->prot.ptr, o->prot.len);
    cr_assert_eq(fwup_vcbor_get_map(&h, &n), FWUP_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(fwup_vcbor_get_uint(&h, &k), FWUP_OK);
    cr_assert_eq(k, 1);
    cr_assert_eq(fwup_vcbor_get_int(&h, &o->alg), FWUP_OK);
    cr_assert(fwup_vcbor_at_end(&h));
    cr_assert_eq(fwup_vcbor_get_map(&r, &n), FWUP_OK);
    if (n == 1) {
        cr_assert_eq(fwup_vcbor_get_uint(&r, &k), FWUP_OK);
        cr_assert_eq(k, 4);
        cr_assert_eq(fwup_vcbor_get_bstr(&r, &o->kid), FWUP_OK);
    } else {
        cr_assert_eq(n, 0);
    }
    cr_assert_eq(fwup_vcbor_get_null(&r), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_bstr(&r, &o->sig), FWUP_OK);
    cr_assert(fwup_vcbor_at_end(&r));
}

/* Verify block i of env with pub through the port, rebuilding the TBS. */
static enum fwup_err
verify_block(const struct fwup_cose_env *env, size_t i, const struct fwup_v_key *pub)
{
    struct blk b;
    uint8_t *tbs;
    size_t tlen;
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    enum fwup_err rc;

    decode_block(env->blocks[i], &b);
    cr_assert_eq(b.tag, 18);
    cr_assert_eq(fwup_cose_tbs((int32_t)b.alg, env->payload, &tbs, &tlen), FWUP_OK);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    rc = port.sig_verify(port.ctx, (int32_t)b.alg, pub, (struct fwup_bytes){tbs, tlen}, b.sig);
    fwup_crypto_free(c);
    free(tbs);
    return rc;
}

static struct fwup_signer *
open_key(const char *path)
{
    struct fwup_signer *s;
    cr_assert_eq(fwup_signer_open(path, NULL, &s, NULL), FWUP_OK);
    return s;
}

Test(cose, tbs_of_example0_is_the_55_byte_sig_structure)
{
    size_t len, tlen;
    uint8_t *env = fwup_test_slurp(V("draft37/example0.suit"), &len), *tbs;
    struct fwup_cose_env e;
    static const uint8_t head[] = {0x84, 0x6a, 'S',  'i',  'g',  'n',  'a',  't',  'u', 'r',
                                   'e',  '1',  0x43, 0xa1, 0x01, 0x26, 0x40, 0x58, 0x24};

    cr_assert_eq(fwup_cose_env_parse(env, len, &e, NULL), FWUP_OK);
    cr_assert_eq(e.nblocks, 1);
    cr_assert_eq(e.digest_alg, -16);
    cr_assert_eq(e.manifest.len, 115);
    cr_assert_eq(fwup_cose_export_tbs(env, len, -7, &tbs, &tlen, NULL), FWUP_OK);
    cr_assert_eq(tlen, 55);
    cr_assert_eq(memcmp(tbs, head, sizeof head), 0);
    /* last element = wrapper[0] on the wire, byte for byte */
    cr_assert_eq(memcmp(tbs + sizeof head, e.payload.ptr, 36), 0);
    /* and the published signature verifies over exactly these bytes */
    struct fwup_v_key a;
    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &a, NULL), FWUP_OK);
    cr_assert_eq(verify_block(&e, 0, &a), FWUP_OK);
    fwup_key_release(&a);
    /* MAC0 context for alg 5 */
    free(tbs);
    cr_assert_eq(fwup_cose_export_tbs(env, len, 5, &tbs, &tlen, NULL), FWUP_OK);
    cr_assert_eq(memcmp(tbs, "\x84\x64MAC0\x43\xa1\x01\x05\x40", 11), 0);
    free(tbs);
    free(env);
}

Test(cose, block_encoding_is_deterministic)
{
    uint8_t sig[64], *b;
    size_t n;
    static const uint8_t kid[2] = {0xab, 0xcd};
    static const uint8_t want[] = {0xd2, 0x84, 0x43, 0xa1, 0x01, 0x28, 0xa1,
                                   0x04, 0x42, 0xab, 0xcd, 0xf6, 0x58, 0x40};

    memset(sig, 0x11, sizeof sig);
    cr_assert_eq(fwup_cose_block(-9, kid, 2, sig, 64, &b, &n), FWUP_OK);
    cr_assert_eq(n, sizeof want + 64);
    cr_assert_eq(memcmp(b, want, sizeof want), 0);
    free(b);
    /* Mac0, no kid, ESP384 id needs a 2-byte head: 38 32 */
    cr_assert_eq(fwup_cose_block(5, NULL, 0, sig, 32, &b, &n), FWUP_OK);
    cr_assert_eq(memcmp(b, "\xd1\x84\x43\xa1\x01\x05\xa0\xf6\x58\x20", 10), 0);
    free(b);
    uint8_t prot[8];
    cr_assert_eq(fwup_cose_protected(-51, prot, &n), FWUP_OK);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(prot, "\xa1\x01\x38\x32", 4), 0);
}

Test(cose, sign_then_cosign_keeps_every_earlier_byte)
{
    size_t len, l1, l2;
    uint8_t *in = fwup_test_slurp(V("draft37/example0-unsigned.suit"), &len), *o1, *o2;
    struct fwup_signer *a = open_key(V("keys/key-a-priv.pem"));
    struct fwup_signer *b = open_key(V("keys/key-b-priv.pem"));
    struct fwup_cose_env e0, e1, e2;
    struct fwup_v_key pa, pb;
    struct blk blk;

    cr_assert_eq(fwup_cose_env_parse(in, len, &e0, NULL), FWUP_OK);
    cr_assert_eq(e0.nblocks, 0);
    cr_assert_eq(fwup_cose_sign_envelope(in, len, a, NULL, &o1, &l1, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_sign_envelope(o1, l1, b, NULL, &o2, &l2, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_env_parse(o1, l1, &e1, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_env_parse(o2, l2, &e2, NULL), FWUP_OK);
    cr_assert_eq(e1.nblocks, 1);
    cr_assert_eq(e2.nblocks, 2);
    /* everything before the wrapper and after it is untouched ... */
    cr_assert_eq(e1.wrapper_off, e0.wrapper_off);
    cr_assert_eq(memcmp(o1, in, e0.wrapper_off), 0);
    cr_assert_eq(len - e0.wrapper_end, l1 - e1.wrapper_end);
    cr_assert_eq(memcmp(o1 + e1.wrapper_end, in + e0.wrapper_end, len - e0.wrapper_end), 0);
    cr_assert_eq(memcmp(o2, o1, e1.wrapper_off), 0);
    cr_assert_eq(memcmp(o2 + e2.wrapper_end, o1 + e1.wrapper_end, l1 - e1.wrapper_end), 0);
    /* ... the digest too, and the author's block is byte-identical */
    cr_assert_eq(e2.payload.len, e0.payload.len);
    cr_assert_eq(memcmp(e2.payload.ptr, e0.payload.ptr, e0.payload.len), 0);
    cr_assert_eq(e2.blocks[0].len, e1.blocks[0].len);
    cr_assert_eq(memcmp(e2.blocks[0].ptr, e1.blocks[0].ptr, e1.blocks[0].len), 0);
    /* both verify, each with its own key only; default alg ESP256, kid = thumbprint */
    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &pa, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_load_public(V("keys/key-b-pub.pem"), &pb, NULL), FWUP_OK);
    cr_assert_eq(verify_block(&e2, 0, &pa), FWUP_OK);
    cr_assert_eq(verify_block(&e2, 1, &pb), FWUP_OK);
    cr_assert_eq(verify_block(&e2, 1, &pa), FWUP_E_SIG_VERIFY);
    decode_block(e2.blocks[1], &blk);
    cr_assert_eq(blk.alg, -9);
    cr_assert_eq(blk.kid.len, 32);
    cr_assert_eq(memcmp(blk.kid.ptr, pb.kid, 32), 0);
    fwup_key_release(&pa);
    fwup_key_release(&pb);
    fwup_signer_free(a);
    fwup_signer_free(b);
    free(o1);
    free(o2);
    free(in);
}

Test(cose, refuses_a_second_block_by_the_same_key)
{
    size_t len, l1, l2 = 0;
    uint8_t *in = fwup_test_slurp(V("draft37/example0-unsigned.suit"), &len), *o1, *o2 = NULL;
    uint8_t *signed0;
    size_t slen;
    struct fwup_signer *a = open_key(V("keys/key-a-priv.pem"));
    struct fwup_diag d;
    struct fwup_cose_sign_opts o = {.alg = -7, .kid = (const uint8_t *)"other", .kid_len = 5};

    cr_assert_eq(fwup_cose_sign_envelope(in, len, a, NULL, &o1, &l1, NULL), FWUP_OK);
    /* same key again: same kid */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_cose_sign_envelope(o1, l1, a, NULL, &o2, &l2, &d), FWUP_E_ALREADY_SIGNED);
    cr_assert_null(o2);
    cr_assert(strstr(d.detail, "kid") != NULL, "%s", d.detail);
    /* same key under another kid and alg: recognised because it verifies */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_cose_sign_envelope(o1, l1, a, &o, &o2, &l2, &d), FWUP_E_ALREADY_SIGNED);
    cr_assert(strstr(d.detail, "signed by this key") != NULL, "%s", d.detail);
    /* the draft's example0 has an ES256 block by KEY-A without kid */
    signed0 = fwup_test_slurp(V("draft37/example0.suit"), &slen);
    cr_assert_eq(fwup_cose_sign_envelope(signed0, slen, a, NULL, &o2, &l2, NULL),
                 FWUP_E_ALREADY_SIGNED);
    fwup_signer_free(a);
    free(signed0);
    free(o1);
    free(in);
}

Test(cose, refuses_to_sign_a_tampered_manifest)
{
    size_t len, l = 0;
    uint8_t *in = fwup_test_slurp(V("negative/example0-manifest-tampered.suit"), &len), *o = NULL;
    struct fwup_signer *b = open_key(V("keys/key-b-priv.pem"));
    struct fwup_diag d;
    uint8_t *tbs = NULL;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_cose_sign_envelope(in, len, b, NULL, &o, &l, &d), FWUP_E_MANIFEST_DIGEST);
    cr_assert_null(o);
    cr_assert(d.has_offset);
    cr_assert_eq(d.offset, len - 115); /* where the key-3 bstr starts */
    cr_assert_str_eq(d.path, "envelope.manifest");
    /* the detached flow checks too: no to-be-signed bytes for a bad digest */
    cr_assert_eq(fwup_cose_export_tbs(in, len, -9, &tbs, &l, NULL), FWUP_E_MANIFEST_DIGEST);
    cr_assert_null(tbs);
    fwup_signer_free(b);
    free(in);
}

Test(cose, malformed_envelopes_are_rejected_with_offsets)
{
    static const uint8_t not_env[] = {0xc6, 0xa0};            /* tag 6 */
    static const uint8_t no_man[] = {0xa1, 0x02, 0x41, 0x80}; /* {2: h'80'} */
    static const uint8_t trunc[] = {0xd8, 0x6b, 0xa2, 0x02, 0x58, 0x30};
    static const uint8_t dup[] = {0xa2, 0x03, 0x40, 0x03, 0x40};
    struct fwup_cose_env e;
    struct fwup_diag d;

    cr_assert_eq(fwup_cose_env_parse(not_env, sizeof not_env, &e, NULL), FWUP_E_CBOR_TAG);
    cr_assert_eq(fwup_cose_env_parse(no_man, sizeof no_man, &e, NULL), FWUP_E_SUIT_MISSING);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_cose_env_parse(trunc, sizeof trunc, &e, &d), FWUP_E_CBOR_TRUNCATED);
    cr_assert(d.has_offset);
    cr_assert_eq(fwup_cose_env_parse(dup, sizeof dup, &e, NULL), FWUP_E_CBOR_DUPLICATE_KEY);
}

/* Sign tbs outside fwup, like `openssl pkeyutl` would: DER ECDSA. */
static size_t
external_der(const char *priv, const uint8_t *tbs, size_t tlen, uint8_t *out)
{
    FILE *f = fopen(priv, "r");
    EVP_PKEY *k;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t n = 80;

    cr_assert_not_null(f);
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert_not_null(k);
    cr_assert_eq(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k), 1);
    cr_assert_eq(EVP_DigestSign(ctx, out, &n, tbs, tlen), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return n;
}

Test(cose, detached_der_and_raw_signatures_attach_after_verification)
{
    size_t len, tlen, n, l = 0;
    uint8_t *in = fwup_test_slurp(V("draft37/example0-unsigned.suit"), &len), *tbs, *o = NULL;
    uint8_t der[80], raw[64];
    struct fwup_v_key pa, pb;
    struct fwup_cose_env e;
    struct fwup_diag d;

    cr_assert_eq(fwup_key_load_public(V("keys/key-a-pub.pem"), &pa, NULL), FWUP_OK);
    cr_assert_eq(fwup_key_load_public(V("keys/key-b-pub.pem"), &pb, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_export_tbs(in, len, -9, &tbs, &tlen, NULL), FWUP_OK);
    n = external_der(V("keys/key-a-priv.pem"), tbs, tlen, der);
    /* wrong public key: SIG_VERIFY, nothing produced */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_cose_attach(in, len, &pb, NULL, der, n, FWUP_SIG_AUTO, &o, &l, &d),
                 FWUP_E_SIG_VERIFY);
    cr_assert_null(o);
    /* DER declared as raw: wrong form */
    cr_assert_eq(fwup_cose_attach(in, len, &pa, NULL, der, n, FWUP_SIG_RAW, &o, &l, NULL),
                 FWUP_E_COSE_STRUCTURE);
    /* alg mismatch: ES384 with a P-256 key */
    struct fwup_cose_sign_opts o384 = {.alg = -51};
    cr_assert_eq(fwup_cose_attach(in, len, &pa, &o384, der, n, FWUP_SIG_AUTO, &o, &l, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    /* signed over -9 but attached as -7: the protected header differs */
    struct fwup_cose_sign_opts o7 = {.alg = -7};
    cr_assert_eq(fwup_cose_attach(in, len, &pa, &o7, der, n, FWUP_SIG_AUTO, &o, &l, NULL),
                 FWUP_E_SIG_VERIFY);
    /* the right one, as DER */
    cr_assert_eq(fwup_cose_attach(in, len, &pa, NULL, der, n, FWUP_SIG_DER, &o, &l, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_env_parse(o, l, &e, NULL), FWUP_OK);
    cr_assert_eq(verify_block(&e, 0, &pa), FWUP_OK);
    free(o);
    /* the same signature converted to raw r||s attaches too (AUTO detects it) */
    cr_assert_eq(fwup_ecdsa_der_to_raw(der, n, 32, raw), FWUP_OK);
    cr_assert_eq(fwup_cose_attach(in, len, &pa, NULL, raw, 64, FWUP_SIG_AUTO, &o, &l, NULL),
                 FWUP_OK);
    /* and attaching it a second time is refused */
    uint8_t *o2 = NULL;
    size_t l2;
    cr_assert_eq(fwup_cose_attach(o, l, &pa, NULL, raw, 64, FWUP_SIG_AUTO, &o2, &l2, NULL),
                 FWUP_E_ALREADY_SIGNED);
    free(o);
    free(tbs);
    fwup_key_release(&pa);
    fwup_key_release(&pb);
    free(in);
}

Test(cose, hmac_envelope_carries_a_mac0_the_port_accepts)
{
    size_t len, l, tlen;
    uint8_t *in = fwup_test_slurp(V("draft37/example0-unsigned.suit"), &len), *o, *tbs;
    struct fwup_signer *h;
    struct fwup_cose_env e;
    struct blk b;
    struct fwup_v_key k;
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    uint8_t mac[32];

    cr_assert_eq(fwup_signer_open_hmac(V("keys/hmac256-secret.bin"), &h, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_sign_envelope(in, len, h, NULL, &o, &l, NULL), FWUP_OK);
    cr_assert_eq(fwup_cose_env_parse(o, l, &e, NULL), FWUP_OK);
    decode_block(e.blocks[0], &b);
    cr_assert_eq(b.tag, 17);
    cr_assert_eq(b.alg, 5);
    cr_assert_eq(b.kid.len, 0); /* no kid for a shared secret unless asked */
    cr_assert_eq(fwup_cose_tbs(5, e.payload, &tbs, &tlen), FWUP_OK);
    cr_assert_eq(fwup_key_load_hmac(V("keys/hmac256-secret.bin"), &k, NULL), FWUP_OK);
    cr_assert_eq(fwup_crypto_new(&c), FWUP_OK);
    fwup_crypto_port(c, &port);
    cr_assert_eq(port.mac_compute(port.ctx, 5, &k, (struct fwup_bytes){tbs, tlen}, mac), FWUP_OK);
    cr_assert(fwup_ct_equal(mac, b.sig.ptr, 32));
    /* MAC'ing again with the same secret is refused (recomputed tag matches) */
    uint8_t *o2 = NULL;
    size_t l2;
    cr_assert_eq(fwup_cose_sign_envelope(o, l, h, NULL, &o2, &l2, NULL), FWUP_E_ALREADY_SIGNED);
    fwup_crypto_free(c);
    fwup_key_release(&k);
    fwup_signer_free(h);
    free(tbs);
    free(o);
    free(in);
}
