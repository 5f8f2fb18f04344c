/*
 * Unit tests of payload encryption (lib/crypto/aead.c, encinfo.c;
 * draft-ietf-suit-firmware-encryption-24). Facts come from
 * tests/vectors/FACTS.md "encryption/": every encryption info decrypts to
 * "This is a real firmware image." (sha256 36921488fe668071...), with the
 * CEKs listed there; RFC 3394 §4.1 for AES-KW.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "fwup/crypto.h"
#include "fwup/encrypt.h"
#include "fwup/secure.h"

TestSuite(encrypt, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p
#define PLAINTEXT "This is a real firmware image."
#define PT_SHA256 "36921488fe668071"

static void
hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static void
unhex(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static struct fwup_enc_key *
kek_key(void)
{
    struct fwup_enc_key *k = NULL;
    cr_assert_eq(fwup_enc_key_load_kek(V("keys/a128kw-kek.bin"), &k, NULL), FWUP_OK);
    cr_assert_eq(fwup_enc_key_kind(k), FWUP_ENC_KEY_KEK);
    return k;
}

static struct fwup_enc_key *
device_key(void)
{
    struct fwup_enc_key *k = NULL;
    cr_assert_eq(fwup_enc_key_load_pem(V("keys/ecdh-device-p256.pem"), &k, NULL), FWUP_OK);
    cr_assert_eq(fwup_enc_key_kind(k), FWUP_ENC_KEY_EC_PRIV);
    return k;
}

/* Decrypt a draft vector (info + detached payload) and check the plaintext. */
static void
check_vector(const char *info_name, const char *ct_name, struct fwup_enc_key *k)
{
    size_t il, cl, pl = 0;
    uint8_t *info = fwup_test_slurp(info_name, &il), *ct = fwup_test_slurp(ct_name, &cl), *pt;
    uint8_t d[32];
    char h[65];
    struct fwup_diag diag;

    fwup_diag_init(&diag);
    cr_assert_eq(fwup_decrypt_oneshot(info, il, k, ct, cl, &pt, &pl, &diag), FWUP_OK, "%s: %s",
                 info_name, diag.detail);
    cr_assert_eq(pl, strlen(PLAINTEXT));
    cr_assert(memcmp(pt, PLAINTEXT, pl) == 0);
    fwup_sha256(pt, pl, d);
    hex(d, 8, h);
    cr_assert_str_eq(h, PT_SHA256);
    free(pt);
    free(info);
    free(ct);
}

Test(encrypt, draft_vector_aes_kw_aes_gcm_decrypts)
{
    struct fwup_enc_key *k = kek_key();
    check_vector(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                 V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k);
    fwup_enc_key_free(k);
}

Test(encrypt, draft_vector_aes_kw_aes_ctr_decrypts)
{
    struct fwup_enc_key *k = kek_key();
    check_vector(V("encryption/encryption-info-aes-kw-aes-ctr.cose"),
                 V("encryption/encrypted-payload-aes-kw-aes-ctr.bin"), k);
    fwup_enc_key_free(k);
}

Test(encrypt, draft_vector_es_ecdh_aes_gcm_decrypts)
{
    struct fwup_enc_key *k = device_key();
    check_vector(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"),
                 V("encryption/encrypted-payload-es-ecdh-aes-gcm.bin"), k);
    fwup_enc_key_free(k);
}

Test(encrypt, draft_vector_es_ecdh_aes_ctr_decrypts)
{
    struct fwup_enc_key *k = device_key();
    check_vector(V("encryption/encryption-info-es-ecdh-aes-ctr.cose"),
                 V("encryption/encrypted-payload-es-ecdh-aes-ctr.bin"), k);
    fwup_enc_key_free(k);
}

/* The kid of the draft's KEK ('kid-1') selects the recipient directly. */
Test(encrypt, draft_vector_decrypts_with_matching_kid)
{
    struct fwup_enc_key *k = kek_key();
    cr_assert_eq(fwup_enc_key_set_kid(k, (const uint8_t *)"kid-1", 5), FWUP_OK);
    check_vector(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                 V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k);
    fwup_enc_key_free(k);
}

static void
check_cek(const char *info_name, struct fwup_enc_key *k, const char *want_hex,
          int32_t want_alg, int32_t want_ralg, size_t want_iv, size_t want_prot)
{
    size_t il, cek_len = 0;
    uint8_t *buf = fwup_test_slurp(info_name, &il), cek[16];
    struct fwup_enc_info *info = malloc(sizeof *info);
    char h[33];

    cr_assert_not_null(info);
    cr_assert_eq(fwup_enc_info_parse(buf, il, info, NULL), FWUP_OK);
    cr_assert_eq(info->alg, want_alg);
    cr_assert_eq(info->iv.len, want_iv);
    cr_assert_eq(info->protected_hdr.len, want_prot);
    cr_assert_eq(info->nrecip, 1);
    cr_assert_eq(info->recip[0].alg, want_ralg);
    cr_assert(info->recip[0].supported);
    cr_assert_eq(fwup_enc_unwrap_cek(info, k, cek, &cek_len, NULL), FWUP_OK);
    cr_assert_eq(cek_len, 16);
    hex(cek, 16, h);
    cr_assert_str_eq(h, want_hex);
    fwup_wipe(cek, sizeof cek);
    free(info);
    free(buf);
}

Test(encrypt, draft_vectors_unwrap_the_ceks_facts_lists)
{
    struct fwup_enc_key *kw = kek_key(), *ec = device_key();

    check_cek(V("encryption/encryption-info-aes-kw-aes-gcm.cose"), kw,
              "15f785b5c931414411b4b71373a9c0f7", 1, -3, 12, 3);
    check_cek(V("encryption/encryption-info-aes-kw-aes-ctr.cose"), kw,
              "261de6165070fb8951ec5d7b92a065fe", -65534, -3, 16, 0);
    check_cek(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"), ec,
              "15f785b5c931414411b4b71373a9c0f7", 1, -29, 12, 3);
    check_cek(V("encryption/encryption-info-es-ecdh-aes-ctr.cose"), ec,
              "261de6165070fb8951ec5d7b92a065fe", -65534, -29, 16, 0);
    fwup_enc_key_free(kw);
    fwup_enc_key_free(ec);
}

Test(encrypt, kid_of_aes_kw_vector_is_kid_1)
{
    size_t il;
    uint8_t *buf = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-gcm.cose"), &il);
    struct fwup_enc_info *info = malloc(sizeof *info);

    cr_assert_eq(fwup_enc_info_parse(buf, il, info, NULL), FWUP_OK);
    cr_assert_eq(info->recip[0].kid.len, 5);
    cr_assert(memcmp(info->recip[0].kid.ptr, "kid-1", 5) == 0);
    free(info);
    free(buf);
}

Test(encrypt, kdf_context_reproduces_the_vector)
{
    static const uint8_t prot[] = {0xa1, 0x01, 0x38, 0x1c};
    size_t vl, l = 0;
    uint8_t *want = fwup_test_slurp(V("encryption/kdf-context-a128kw.cbor"), &vl), *got = NULL;

    cr_assert_eq(fwup_enc_kdf_context(-3, (struct fwup_bytes){prot, sizeof prot}, &got, &l),
                 FWUP_OK);
    cr_assert_eq(l, vl);
    cr_assert(memcmp(got, want, vl) == 0);
    free(got);
    free(want);
}

/* RFC 3394 §4.1: 128-bit key data with a 128-bit KEK. */
Test(encrypt, aes_kw_matches_rfc3394_4_1_and_detects_wrong_kek)
{
    uint8_t kek[16], key[16], want[24], out[24], back[16];
    size_t n = 0;

    unhex("000102030405060708090A0B0C0D0E0F", kek, 16);
    unhex("00112233445566778899AABBCCDDEEFF", key, 16);
    unhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", want, 24);
    cr_assert_eq(fwup_aes_kw_wrap(kek, key, 16, out, sizeof out, &n, NULL), FWUP_OK);
    cr_assert_eq(n, 24);
    cr_assert(memcmp(out, want, 24) == 0);
    cr_assert_eq(fwup_aes_kw_unwrap(kek, out, 24, back, sizeof back, &n, NULL), FWUP_OK);
    cr_assert_eq(n, 16);
    cr_assert(memcmp(back, key, 16) == 0);
    kek[0] ^= 1;
    memset(back, 0x55, sizeof back);
    cr_assert_eq(fwup_aes_kw_unwrap(kek, out, 24, back, sizeof back, &n, NULL), FWUP_E_DECRYPT);
    cr_assert_eq(n, 0);
    /* Nothing of the failed unwrap reaches the caller's buffer. */
    for (size_t i = 0; i < sizeof back; i++)
        cr_assert_eq(back[i], 0x55);
    cr_assert_eq(fwup_aes_kw_unwrap(kek, out, 20, back, sizeof back, &n, NULL), FWUP_E_DECRYPT);
    cr_assert_eq(fwup_aes_kw_wrap(kek, key, 16, out, 23, &n, NULL), FWUP_E_LIMIT_BUFFER);
}

/* The draft's GCM vector re-created from its CEK and IV: our encoder and
 * cipher produce the published ciphertext byte for byte. */
Test(encrypt, fixed_cek_and_iv_reproduce_the_draft_ciphertexts)
{
    uint8_t cek_g[16], iv_g[12], cek_c[16], iv_c[16];
    struct fwup_enc_key *k = kek_key();
    const struct fwup_enc_key *rs[1] = {k};
    struct fwup_encrypt_opts o = {0};
    uint8_t *ct, *info, *want;
    size_t cl, il, wl;

    unhex("15F785B5C931414411B4B71373A9C0F7", cek_g, 16);
    unhex("F14AAB9D81D51F7AD943FE87", iv_g, 12);
    unhex("261DE6165070FB8951EC5D7B92A065FE", cek_c, 16);
    unhex("DAE613B2E0DC55F4322BE38BDBA9DC68", iv_c, 16);
    cr_assert_eq(fwup_enc_key_set_kid(k, (const uint8_t *)"kid-1", 5), FWUP_OK);

    o.alg = FWUP_COSE_A128GCM;
    o.cek = cek_g;
    o.iv = iv_g;
    cr_assert_eq(fwup_encrypt_oneshot(&o, rs, 1, (const uint8_t *)PLAINTEXT, strlen(PLAINTEXT),
                                      &ct, &cl, &info, &il, NULL),
                 FWUP_OK);
    want = fwup_test_slurp(V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), &wl);
    cr_assert_eq(cl, wl);
    cr_assert(memcmp(ct, want, wl) == 0);
    free(want);
    /* AES-KW is deterministic: the whole info equals the draft's. */
    want = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-gcm.cose"), &wl);
    cr_assert_eq(il, wl);
    cr_assert(memcmp(info, want, wl) == 0);
    free(want);
    free(ct);
    free(info);

    o.alg = FWUP_COSE_A128CTR;
    o.cek = cek_c;
    o.iv = iv_c;
    cr_assert_eq(fwup_encrypt_oneshot(&o, rs, 1, (const uint8_t *)PLAINTEXT, strlen(PLAINTEXT),
                                      &ct, &cl, &info, &il, NULL),
                 FWUP_OK);
    want = fwup_test_slurp(V("encryption/encrypted-payload-aes-kw-aes-ctr.bin"), &wl);
    cr_assert_eq(cl, wl);
    cr_assert(memcmp(ct, want, wl) == 0);
    free(want);
    want = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-ctr.cose"), &wl);
    cr_assert_eq(il, wl);
    cr_assert(memcmp(info, want, wl) == 0);
    free(want);
    free(ct);
    free(info);
    fwup_enc_key_free(k);
}

/* A test payload that is not a multiple of 16 and spans several blocks. */
static uint8_t *
payload(size_t n)
{
    uint8_t *p = malloc(n);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + 7);
    return p;
}

/* Decrypt in chunks of `step` bytes through the streaming API. */
static enum fwup_err
stream_decrypt(const uint8_t *info, size_t il, const struct fwup_enc_key *k, const uint8_t *ct,
               size_t cl, size_t step, uint8_t *out, size_t *out_len)
{
    struct fwup_enc_info *pi = malloc(sizeof *pi);
    struct fwup_decrypt *d = NULL;
    enum fwup_err e;
    size_t done = 0, got;

    *out_len = 0;
    e = fwup_enc_info_parse(info, il, pi, NULL);
    if (e == FWUP_OK)
        e = fwup_decrypt_new(pi, k, &d, NULL);
    free(pi); /* the decryptor keeps nothing of the parsed info */
    while (e == FWUP_OK && done < cl) {
        size_t n = cl - done < step ? cl - done : step;
        e = fwup_decrypt_update(d, ct + done, n, out + *out_len, n, &got, NULL);
        cr_assert_leq(got, n);
        *out_len += got;
        done += n;
    }
    if (e == FWUP_OK)
        e = fwup_decrypt_final(d, NULL);
    fwup_decrypt_free(d);
    return e;
}

static void
round_trip(int32_t alg, const struct fwup_enc_key *const *rs, size_t nr,
           const struct fwup_enc_key *dec)
{
    static const size_t sizes[] = {0, 1, 15, 16, 17, 1000, 4099};
    static const size_t steps[] = {1, 7, 16, 17, 4096};

    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si], cl, il, pl;
        uint8_t *pt = payload(n), *ct, *info, *back = malloc(n + 17);
        struct fwup_encrypt_opts o = {.alg = alg};

        cr_assert_eq(
            fwup_encrypt_oneshot(&o, rs, nr, pt, n, &ct, &cl, &info, &il, NULL), FWUP_OK);
        cr_assert_eq(cl, n + (alg == FWUP_COSE_A128GCM ? 16 : 0));
        for (size_t st = 0; st < sizeof steps / sizeof steps[0]; st++) {
            memset(back, 0, n + 17);
            cr_assert_eq(stream_decrypt(info, il, dec, ct, cl, steps[st], back, &pl), FWUP_OK,
                         "alg %d size %zu step %zu", alg, n, steps[st]);
            cr_assert_eq(pl, n);
            cr_assert(n == 0 || memcmp(back, pt, n) == 0);
        }
        free(pt);
        free(ct);
        free(info);
        free(back);
    }
}

static struct fwup_enc_key *
fresh_kek(uint8_t fill, const char *kid)
{
    uint8_t b[16];
    struct fwup_enc_key *k = NULL;
    memset(b, fill, sizeof b);
    cr_assert_eq(fwup_enc_key_from_kek(b, 16, &k, NULL), FWUP_OK);
    if (kid != NULL)
        cr_assert_eq(fwup_enc_key_set_kid(k, (const uint8_t *)kid, strlen(kid)), FWUP_OK);
    return k;
}

Test(encrypt, round_trip_every_mode_and_chunking)
{
    struct fwup_enc_key *kw = kek_key(), *ec = device_key();
    const struct fwup_enc_key *one_kw[1] = {kw}, *one_ec[1] = {ec};

    round_trip(FWUP_COSE_A128GCM, one_kw, 1, kw);
    round_trip(FWUP_COSE_A128CTR, one_kw, 1, kw);
    round_trip(FWUP_COSE_A128GCM, one_ec, 1, ec);
    round_trip(FWUP_COSE_A128CTR, one_ec, 1, ec);
    fwup_enc_key_free(kw);
    fwup_enc_key_free(ec);
}

/* One CEK wrapped for several devices (KEK and ECDH mixed, kids or not):
 * each device unwraps its own entry, by kid or by trying each. */
Test(encrypt, several_recipients_each_decrypts)
{
    struct fwup_enc_key *a = fresh_kek(0x11, "dev-a"), *b = fresh_kek(0x22, "dev-b"),
                        *c = fresh_kek(0x33, NULL), *ec = device_key(), *pub = NULL;
    const struct fwup_enc_key *rs[4];

    /* The device's public key is what a release engineer has. */
    cr_assert_eq(fwup_enc_key_load_pem(FWUP_TEST_SRCDIR "/tests/cli/encrypt/device-p256-pub.pem",
                                       &pub, NULL),
                 FWUP_OK);
    cr_assert_eq(fwup_enc_key_kind(pub), FWUP_ENC_KEY_EC_PUB);
    rs[0] = a;
    rs[1] = pub;
    rs[2] = b;
    rs[3] = c;
    round_trip(FWUP_COSE_A128GCM, rs, 4, a);
    round_trip(FWUP_COSE_A128GCM, rs, 4, b);
    round_trip(FWUP_COSE_A128CTR, rs, 4, c);
    round_trip(FWUP_COSE_A128CTR, rs, 4, ec);
    /* A key whose kid names another recipient still finds its own entry
     * (pass 2 tries each). */
    cr_assert_eq(fwup_enc_key_set_kid(c, (const uint8_t *)"dev-a", 5), FWUP_OK);
    round_trip(FWUP_COSE_A128GCM, rs, 4, c);
    fwup_enc_key_free(a);
    fwup_enc_key_free(b);
    fwup_enc_key_free(c);
    fwup_enc_key_free(ec);
    fwup_enc_key_free(pub);
}

Test(encrypt, fresh_cek_and_iv_every_time)
{
    struct fwup_enc_key *k = kek_key();
    const struct fwup_enc_key *rs[1] = {k};
    uint8_t *c1, *c2, *i1, *i2;
    size_t l1, l2, n1, n2;

    cr_assert_eq(fwup_encrypt_oneshot(NULL, rs, 1, (const uint8_t *)PLAINTEXT, 30, &c1, &l1, &i1,
                                      &n1, NULL),
                 FWUP_OK);
    cr_assert_eq(fwup_encrypt_oneshot(NULL, rs, 1, (const uint8_t *)PLAINTEXT, 30, &c2, &l2, &i2,
                                      &n2, NULL),
                 FWUP_OK);
    cr_assert_eq(l1, 46); /* default A128GCM: 16-byte tag appended */
    cr_assert_eq(l1, l2);
    cr_assert(memcmp(c1, c2, l1) != 0);
    cr_assert(n1 == n2 && memcmp(i1, i2, n1) != 0);
    free(c1);
    free(c2);
    free(i1);
    free(i2);
    fwup_enc_key_free(k);
}

/* ---- bad inputs ---------------------------------------------------------------- */

static enum fwup_err
decrypt_files(const char *info_name, const char *ct_name, const struct fwup_enc_key *k,
              struct fwup_diag *diag, void (*mutate_info)(uint8_t *, size_t),
              void (*mutate_ct)(uint8_t *, size_t))
{
    size_t il, cl, pl = 0;
    uint8_t *info = fwup_test_slurp(info_name, &il), *ct = fwup_test_slurp(ct_name, &cl);
    uint8_t *pt = (uint8_t *)"sentinel";
    enum fwup_err e;

    if (mutate_info != NULL)
        mutate_info(info, il);
    if (mutate_ct != NULL)
        mutate_ct(ct, cl);
    e = fwup_decrypt_oneshot(info, il, k, ct, cl, &pt, &pl, diag);
    if (e != FWUP_OK)
        cr_assert_null(pt, "no plaintext is handed out on failure");
    free(pt);
    free(info);
    free(ct);
    return e;
}

Test(encrypt, wrong_kek_is_decrypt_error)
{
    struct fwup_enc_key *k = fresh_kek(0x62, NULL);
    struct fwup_diag d;

    fwup_diag_init(&d);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k, &d, NULL,
                               NULL),
                 FWUP_E_DECRYPT);
    cr_assert(strstr(d.detail, "unwrap") != NULL, "%s", d.detail);
    fwup_enc_key_free(k);
}

Test(encrypt, wrong_device_key_is_decrypt_error)
{
    struct fwup_enc_key *k = NULL;
    cr_assert_eq(fwup_enc_key_load_pem(V("keys/key-a-priv.pem"), &k, NULL), FWUP_OK);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"),
                               V("encryption/encrypted-payload-es-ecdh-aes-gcm.bin"), k, NULL,
                               NULL, NULL),
                 FWUP_E_DECRYPT);
    fwup_enc_key_free(k);
}

Test(encrypt, key_of_the_other_method_is_alg_mismatch)
{
    struct fwup_enc_key *kw = kek_key(), *ec = device_key(), *pub = NULL;

    cr_assert_eq(decrypt_files(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"),
                               V("encryption/encrypted-payload-es-ecdh-aes-gcm.bin"), kw, NULL,
                               NULL, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-ctr.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-ctr.bin"), ec, NULL,
                               NULL, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    /* A public key can encrypt but never decrypt. */
    cr_assert_eq(fwup_enc_key_load_pem(V("keys/key-a-pub.pem"), &pub, NULL), FWUP_OK);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"),
                               V("encryption/encrypted-payload-es-ecdh-aes-gcm.bin"), pub, NULL,
                               NULL, NULL),
                 FWUP_E_KEY_ALG_MISMATCH);
    fwup_enc_key_free(kw);
    fwup_enc_key_free(ec);
    fwup_enc_key_free(pub);
}

static void
flip_first(uint8_t *p, size_t n)
{
    (void)n;
    p[0] ^= 0x01;
}

static void
flip_last(uint8_t *p, size_t n)
{
    p[n - 1] ^= 0x80;
}

/* The wrapped CEK is the last 24 bytes of the aes-kw infos. */
static void
flip_wrapped(uint8_t *p, size_t n)
{
    p[n - 3] ^= 0x04;
}

/* GCM protected header a1 01 01 at offset 4: alg 1 -> 3 (A256GCM) is an
 * unsupported alg; the IV lives at offset 10.. in the GCM infos. */
static void
flip_iv(uint8_t *p, size_t n)
{
    (void)n;
    p[12] ^= 0x01;
}

Test(encrypt, tampered_gcm_ciphertext_or_tag_fails_the_tag_check)
{
    struct fwup_enc_key *k = kek_key();
    struct fwup_diag d;

    fwup_diag_init(&d);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k, &d, NULL,
                               flip_first),
                 FWUP_E_DECRYPT);
    cr_assert(strstr(d.detail, "tag") != NULL, "%s", d.detail);
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k, NULL,
                               NULL, flip_last),
                 FWUP_E_DECRYPT);
    /* IV changed: the tag does not verify either. */
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k, NULL,
                               flip_iv, NULL),
                 FWUP_E_DECRYPT);
    /* Wrapped CEK changed: AES-KW integrity check. */
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-aes-kw-aes-gcm.cose"),
                               V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), k, NULL,
                               flip_wrapped, NULL),
                 FWUP_E_DECRYPT);
    fwup_enc_key_free(k);
}

Test(encrypt, truncated_gcm_ciphertext_is_rejected)
{
    struct fwup_enc_key *k = kek_key();
    size_t il, cl, pl;
    uint8_t *info = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-gcm.cose"), &il);
    uint8_t *ct = fwup_test_slurp(V("encryption/encrypted-payload-aes-kw-aes-gcm.bin"), &cl), *pt;

    cr_assert_eq(fwup_decrypt_oneshot(info, il, k, ct, 10, &pt, &pl, NULL), FWUP_E_DECRYPT);
    cr_assert_eq(fwup_decrypt_oneshot(info, il, k, ct, cl - 1, &pt, &pl, NULL), FWUP_E_DECRYPT);
    free(info);
    free(ct);
    fwup_enc_key_free(k);
}

/* CTR has no tag: a flipped bit gives a different plaintext (the signed image
 * digest is what catches it on a device, docs/encryption.md). */
Test(encrypt, tampered_ctr_ciphertext_changes_the_plaintext)
{
    struct fwup_enc_key *k = kek_key();
    size_t il, cl, pl;
    uint8_t *info = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-ctr.cose"), &il);
    uint8_t *ct = fwup_test_slurp(V("encryption/encrypted-payload-aes-kw-aes-ctr.bin"), &cl), *pt;

    ct[3] ^= 0x20;
    cr_assert_eq(fwup_decrypt_oneshot(info, il, k, ct, cl, &pt, &pl, NULL), FWUP_OK);
    cr_assert_eq(pl, 30);
    cr_assert(memcmp(pt, PLAINTEXT, 30) != 0);
    cr_assert_eq(pt[3], (uint8_t)(PLAINTEXT[3] ^ 0x20));
    free(pt);
    free(info);
    free(ct);
    fwup_enc_key_free(k);
}

static enum fwup_err
parse_hex(const char *h, struct fwup_diag *d)
{
    size_t n = strlen(h) / 2;
    uint8_t *b = malloc(n);
    struct fwup_enc_info *info = malloc(sizeof *info);
    enum fwup_err e;

    unhex(h, b, n);
    e = fwup_enc_info_parse(b, n, info, d);
    free(b);
    free(info);
    return e;
}

/* The aes-kw-gcm vector with single bytes changed: each edit is one way an
 * encryption info can be wrong. */
#define GCM_INFO                                                                                  \
    "d8608443a10101a1054cf14aab9d81d51f7ad943fe87f6818340a2012204456b69642d31581875603ffc9518d7"  \
    "94713c8ca8a115a7fb32565a6d59534d62"

Test(encrypt, parse_accepts_the_vector_and_rejects_bad_structures)
{
    struct fwup_diag d;

    cr_assert_eq(parse_hex(GCM_INFO, NULL), FWUP_OK);
    /* Tag 97 (COSE_Mac) instead of 96. */
    cr_assert_eq(parse_hex("d8618443a10101a1054cf14aab9d81d51f7ad943fe87f6818340a2012204456b69642d"
                           "31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           NULL),
                 FWUP_E_CBOR_TAG);
    /* Untagged. */
    cr_assert_eq(parse_hex(GCM_INFO + 4, NULL), FWUP_E_CBOR_TYPE);
    /* Content alg 3 (A256GCM): not supported. */
    fwup_diag_init(&d);
    cr_assert_eq(parse_hex("d8608443a10103a1054cf14aab9d81d51f7ad943fe87f6818340a2012204456b69"
                           "642d31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           &d),
                 FWUP_E_COSE_UNSUPPORTED_ALG);
    cr_assert(d.has_offset);
    /* Attached ciphertext (bstr h'00' instead of nil). */
    cr_assert_eq(parse_hex("d8608443a10101a1054cf14aab9d81d51f7ad943fe874100818340a2012204456b"
                           "69642d31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           NULL),
                 FWUP_E_COSE_PAYLOAD);
    /* 11-byte IV for GCM. */
    cr_assert_eq(parse_hex("d8608443a10101a1054bf14aab9d81d51f7ad943fef6818340a2012204456b6964"
                           "2d31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           NULL),
                 FWUP_E_COSE_HEADER);
    /* No recipients. */
    cr_assert_eq(parse_hex("d8608443a10101a1054cf14aab9d81d51f7ad943fe87f680", NULL),
                 FWUP_E_COSE_STRUCTURE);
    /* alg in both headers. */
    cr_assert_eq(parse_hex("d8608443a10101a201010" "54cf14aab9d81d51f7ad943fe87f6818340a20122044"
                           "56b69642d31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           NULL),
                 FWUP_E_COSE_HEADER);
    /* crit (2) in the unprotected header. */
    cr_assert_eq(parse_hex("d8608443a10101a2028101054cf14aab9d81d51f7ad943fe87f6818340a2012204"
                           "456b69642d31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62",
                           NULL),
                 FWUP_E_COSE_HEADER);
    /* Wrapped CEK of 23 bytes. */
    cr_assert_eq(parse_hex("d8608443a10101a1054cf14aab9d81d51f7ad943fe87f6818340a2012204456b69"
                           "642d315775603ffc9518d794713c8ca8a115a7fb32565a6d59534d",
                           NULL),
                 FWUP_E_COSE_STRUCTURE);
    /* Truncated. */
    cr_assert_eq(parse_hex("d8608443a10101a1054cf14aab9d81d51f7ad9", NULL), FWUP_E_CBOR_TRUNCATED);
    /* Trailing byte. */
    cr_assert_eq(parse_hex(GCM_INFO "00", NULL), FWUP_E_CBOR_TRAILING);
}

/* A recipient of an algorithm fwup does not implement (A256KW, -5) is kept
 * but skipped; with nothing else, decryption says so. */
Test(encrypt, unknown_recipient_alg_is_unsupported)
{
    static const char h[] = "d8608443a10101a1054cf14aab9d81d51f7ad943fe87f6818340a2012404456b69642d"
                            "31581875603ffc9518d794713c8ca8a115a7fb32565a6d59534d62";
    size_t n = strlen(h) / 2;
    uint8_t *b = malloc(n), cek[16];
    struct fwup_enc_info *info = malloc(sizeof *info);
    struct fwup_enc_key *k = kek_key();
    size_t cl;

    unhex(h, b, n);
    cr_assert_eq(fwup_enc_info_parse(b, n, info, NULL), FWUP_OK);
    cr_assert_eq(info->recip[0].alg, -5);
    cr_assert_not(info->recip[0].supported);
    cr_assert_eq(fwup_enc_unwrap_cek(info, k, cek, &cl, NULL), FWUP_E_COSE_UNSUPPORTED_ALG);
    free(b);
    free(info);
    fwup_enc_key_free(k);
}

/* ECDH recipient whose ephemeral point is moved off the curve. */
static void
flip_epk(uint8_t *p, size_t n)
{
    (void)n;
    /* x of the es-ecdh-gcm info starts after "...a401022001215820" at 37. */
    p[40] ^= 0x01;
}

Test(encrypt, ephemeral_key_off_the_curve_is_rejected)
{
    struct fwup_enc_key *k = device_key();
    cr_assert_eq(decrypt_files(V("encryption/encryption-info-es-ecdh-aes-gcm.cose"),
                               V("encryption/encrypted-payload-es-ecdh-aes-gcm.bin"), k, NULL,
                               flip_epk, NULL),
                 FWUP_E_DECRYPT);
    fwup_enc_key_free(k);
}

Test(encrypt, bad_keys_and_arguments)
{
    struct fwup_enc_key *k = NULL;
    const struct fwup_enc_key *none[1] = {NULL};
    struct fwup_encrypt *x = NULL;
    uint8_t b[24] = {0};
    struct fwup_encrypt_opts o = {.alg = 3};
    int32_t alg = 0;

    cr_assert_eq(fwup_enc_key_from_kek(b, 24, &k, NULL), FWUP_E_KEY_FORMAT);
    cr_assert_null(k);
    /* A 32-byte file (the HMAC secret) is not a 16-byte KEK. */
    cr_assert_eq(fwup_enc_key_load_kek(V("keys/hmac256-secret.bin"), &k, NULL), FWUP_E_KEY_FORMAT);
    cr_assert_eq(fwup_enc_key_load_kek("/nonexistent/kek", &k, NULL), FWUP_E_IO_OPEN);
    cr_assert_eq(fwup_enc_key_load_pem(V("keys/a128kw-kek.bin"), &k, NULL), FWUP_E_KEY_FORMAT);
    cr_assert_eq(fwup_encrypt_new(NULL, none, 0, &x, NULL), FWUP_E_INVALID_ARG);
    k = kek_key();
    none[0] = k;
    cr_assert_eq(fwup_encrypt_new(&o, none, 1, &x, NULL), FWUP_E_COSE_UNSUPPORTED_ALG);
    cr_assert_null(x);
    cr_assert_eq(fwup_enc_alg_from_name("a128ctr", &alg), FWUP_OK);
    cr_assert_eq(alg, FWUP_COSE_A128CTR);
    cr_assert_eq(fwup_enc_alg_from_name("A256GCM", &alg), FWUP_E_COSE_UNSUPPORTED_ALG);
    fwup_enc_key_free(k);
}

Test(encrypt, decryptor_refuses_use_after_final_and_small_buffers)
{
    struct fwup_enc_key *k = kek_key();
    size_t il, got;
    uint8_t *info = fwup_test_slurp(V("encryption/encryption-info-aes-kw-aes-ctr.cose"), &il);
    struct fwup_enc_info *pi = malloc(sizeof *pi);
    struct fwup_decrypt *d = NULL;
    uint8_t in[32] = {0}, out[32];

    cr_assert_eq(fwup_enc_info_parse(info, il, pi, NULL), FWUP_OK);
    cr_assert_eq(fwup_decrypt_new(pi, k, &d, NULL), FWUP_OK);
    cr_assert_eq(fwup_decrypt_update(d, in, 32, out, 31, &got, NULL), FWUP_E_LIMIT_BUFFER);
    cr_assert_eq(fwup_decrypt_update(d, in, 32, out, 32, &got, NULL), FWUP_OK);
    cr_assert_eq(got, 32);
    cr_assert_eq(fwup_decrypt_final(d, NULL), FWUP_OK);
    cr_assert_eq(fwup_decrypt_update(d, in, 1, out, 32, &got, NULL), FWUP_E_BAD_STATE);
    cr_assert_eq(fwup_decrypt_final(d, NULL), FWUP_E_BAD_STATE);
    fwup_decrypt_free(d);
    free(pi);
    free(info);
    fwup_enc_key_free(k);
}
