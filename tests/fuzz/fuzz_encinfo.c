/*
 * Fuzz target: SUIT_Encryption_Info (fwup/encrypt.h), the COSE_Encrypt a
 * manifest carries in parameter 19 for an encrypted payload. A device parses
 * it before the payload is decrypted; the manifest around it is signed, but
 * the parser is also reached by `fwup show` on anything.
 *
 * Each input goes to fwup_enc_info_parse(); an accepted one is then used as
 * a device would: fwup_enc_unwrap_cek() with the draft's KEK
 * (tests/vectors/keys/a128kw-kek.bin, kid "kid-1") and with the ECDH device
 * key (tests/vectors/keys/ecdh-device-p256.pem), which puts the recipient's
 * ephemeral key from the input through OpenSSL's point decoding and the
 * COSE_KDF_Context; a CEK that unwraps starts a decryption of a few input
 * bytes (streaming update + final).
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - a failed parse puts the returned code in the diag;
 *  - an accepted info has the content alg A128GCM (12-byte IV) or A128CTR
 *    (16-byte IV, empty protected header), 1..64 recipients, every view
 *    inside the input; a supported recipient is A128KW or ECDH-ES+A128KW
 *    with a 24-byte wrapped CEK, a kid of at most 64 bytes and, for ECDH,
 *    32-byte x and y;
 *  - unwrapping a hostile info fails only as "not for this key"
 *    (FWUP_E_DECRYPT, FWUP_E_KEY_ALG_MISMATCH, FWUP_E_COSE_UNSUPPORTED_ALG),
 *    never as a backend failure, and an unwrapped CEK is 16 bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "fwup/encrypt.h"

#ifndef FWUP_TEST_VECTORS
#error "FWUP_TEST_VECTORS (the tests/vectors directory) must be defined by the build"
#endif

static struct fwup_enc_key *kek, *device;

static void
setup(void)
{
    struct fwup_diag d;

    if (kek != NULL)
        return;
    fwup_diag_init(&d);
    if (fwup_enc_key_load_kek(FWUP_TEST_VECTORS "/keys/a128kw-kek.bin", &kek, &d) != FWUP_OK ||
        fwup_enc_key_set_kid(kek, (const uint8_t *)"kid-1", 5) != FWUP_OK ||
        fwup_enc_key_load_pem(FWUP_TEST_VECTORS "/keys/ecdh-device-p256.pem", &device, &d) !=
            FWUP_OK) {
        fprintf(stderr, "fuzz_encinfo: cannot load the test keys: %s\n", d.detail);
        abort();
    }
    FUZZ_CHECK(fwup_enc_key_kind(device) == FWUP_ENC_KEY_EC_PRIV);
}

static void
check_view(struct fwup_bytes b, const uint8_t *data, size_t size)
{
    if (b.len == 0)
        return;
    FUZZ_CHECK(b.ptr >= data && b.len <= size && (size_t)(b.ptr - data) <= size - b.len);
}

static void
check_info(const struct fwup_enc_info *info, const uint8_t *data, size_t size)
{
    FUZZ_CHECK(info->alg == FWUP_COSE_A128GCM || info->alg == FWUP_COSE_A128CTR);
    FUZZ_CHECK(info->iv.len ==
               (info->alg == FWUP_COSE_A128GCM ? FWUP_ENC_GCM_IV_LEN : FWUP_ENC_CTR_IV_LEN));
    if (info->alg == FWUP_COSE_A128CTR)
        FUZZ_CHECK(info->protected_hdr.len == 0);
    check_view(info->protected_hdr, data, size);
    check_view(info->iv, data, size);
    FUZZ_CHECK(info->nrecip >= 1 && info->nrecip <= FWUP_ENC_MAX_RECIPIENTS);
    for (size_t i = 0; i < info->nrecip; i++) {
        const struct fwup_enc_recipient *rc = &info->recip[i];
        check_view(rc->protected_hdr, data, size);
        check_view(rc->kid, data, size);
        check_view(rc->epk_x, data, size);
        check_view(rc->epk_y, data, size);
        check_view(rc->salt, data, size);
        check_view(rc->wrapped, data, size);
        FUZZ_CHECK(rc->kid.len <= FWUP_ENC_MAX_KID);
        if (!rc->supported)
            continue;
        FUZZ_CHECK(rc->alg == FWUP_COSE_A128KW || rc->alg == FWUP_COSE_ECDH_ES_A128KW);
        FUZZ_CHECK(rc->wrapped.len == FWUP_ENC_WRAPPED_LEN);
        if (rc->alg == FWUP_COSE_ECDH_ES_A128KW)
            FUZZ_CHECK(rc->epk_x.len == 32 && rc->epk_y.len == 32);
        else
            FUZZ_CHECK(rc->epk_x.len == 0 && rc->epk_y.len == 0 && rc->salt.len == 0);
    }
}

static void
try_key(const struct fwup_enc_info *info, const struct fwup_enc_key *key, const uint8_t *data,
        size_t size)
{
    uint8_t cek[16], out[64 + 16];
    size_t cek_len = 99, n = size < 64 ? size : 64, out_len = 0;
    struct fwup_decrypt *dec = NULL;
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_enc_unwrap_cek(info, key, cek, &cek_len, &d);
    if (e != FWUP_OK) {
        if (e != FWUP_E_DECRYPT && e != FWUP_E_KEY_ALG_MISMATCH &&
            e != FWUP_E_COSE_UNSUPPORTED_ALG) {
            fprintf(stderr, "fuzz_encinfo: unwrap failed with error %d: %s\n", (int)e, d.detail);
            abort();
        }
        FUZZ_CHECK(d.code == e);
        FUZZ_CHECK(cek_len == 0);
        return;
    }
    FUZZ_CHECK(cek_len == FWUP_ENC_CEK_LEN);
    memset(cek, 0, sizeof cek);

    /* A CEK unwraps (a seed, or a mutation outside the recipients): decrypt
     * a few bytes of the input, streaming. */
    fwup_diag_init(&d);
    FUZZ_CHECK(fwup_decrypt_new(info, key, &dec, &d) == FWUP_OK);
    FUZZ_CHECK(fwup_decrypt_update(dec, data, n, out, sizeof out, &out_len, &d) == FWUP_OK);
    FUZZ_CHECK(out_len <= n);
    e = fwup_decrypt_final(dec, &d);
    if (info->alg == FWUP_COSE_A128CTR)
        FUZZ_CHECK(e == FWUP_OK);
    else
        FUZZ_CHECK(e == FWUP_OK || e == FWUP_E_DECRYPT);
    fwup_decrypt_free(dec);
}

/* 64 recipients make the struct large: static, not on the stack. */
static struct fwup_enc_info info;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fwup_diag d;
    enum fwup_err e;

    setup();
    fwup_diag_init(&d);
    e = fwup_enc_info_parse(data, size, &info, &d);
    if (e != FWUP_OK) {
        FUZZ_CHECK(d.code == e);
        return 0;
    }
    check_info(&info, data, size);
    try_key(&info, kek, data, size);
    try_key(&info, device, data, size);
    return 0;
}
