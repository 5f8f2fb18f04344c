/*
 * PKCS#11 signer (lib/keys/p11.c) against a real SoftHSM2 token.
 *
 * Runs under tests/with-hsm.sh -x tests/p11/fixtures.sh keys/hsm-setup.sh:
 * a throw-away token dir with its own SOFTHSM2_CONF (exported before any
 * C_Initialize), removed afterwards. Criterion must run with --jobs=1: SoftHSM
 * rewrites its token file on every login, and parallel workers on one token
 * intermittently see no objects.
 *
 * Signatures are checked independently of p11.c: the public key is read from
 * the token here with plain PKCS#11 calls, wrapped into a SubjectPublicKeyInfo
 * by hand (fixed DER prefixes, RFC 5480 / RFC 8410), and OpenSSL
 * EVP_DigestVerify checks the signature.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "fwup/err.h"
#include "fwup/p11.h"
#include "fwup/signer.h"

static const char *mod, *pin, *tok, *hsmdir;

static void
need_hsm(void)
{
    mod = getenv("SOFTHSM2_MODULE");
    pin = getenv("FWUP_HSM_PIN");
    tok = getenv("FWUP_HSM_TOKEN");
    hsmdir = getenv("FWUP_HSM_DIR");
    if (!mod || !pin || !tok || !hsmdir || !getenv("SOFTHSM2_CONF"))
        cr_skip_test("no SoftHSM token (run under tests/with-hsm.sh)");
}

TestSuite(p11, .init = need_hsm, .fini = fwup_test_leak_check);

static struct fwup_signer_opts
std_opts(void)
{
    struct fwup_signer_opts o;

    memset(&o, 0, sizeof o);
    o.pkcs11_module = mod;
    o.pkcs11_pin = pin;
    return o;
}

static char *
uri_id(const char *id)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "pkcs11:token=%s;id=%%%s;type=private", tok, id);
    return buf;
}

/* Open, expecting failure with `want`; returns the diag for further checks. */
static struct fwup_diag
open_fails(const char *uri, const struct fwup_signer_opts *o, enum fwup_err want)
{
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    enum fwup_err e;

    fwup_diag_init(&d);
    e = fwup_signer_open(uri, o, &s, &d);
    cr_log_info("%s -> %s: %s (CK_RV 0x%lx)", uri, fwup_err_name(e), d.detail, d.backend);
    cr_assert_eq(e, want, "%s: got %s, want %s (%s)", uri, fwup_err_name(e), fwup_err_name(want),
                 d.detail);
    cr_assert_eq(d.code, want);
    cr_assert_null(s);
    cr_assert_neq(d.detail[0], '\0', "every PKCS#11 error carries its own message");
    cr_assert_eq(fwup_err_exit(e), FWUP_EXIT_BACKEND, "PKCS#11 errors exit 5");
    return d;
}

/* ---- independent public key read (plain PKCS#11 + fixed DER prefixes) --- */

static const uint8_t spki_p256[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};
static const uint8_t spki_p384[] = {0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                                    0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
                                    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00};
static const uint8_t spki_ed25519[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* The DER SPKI of the token's public key with CKA_ID = id (one byte). */
static size_t
token_spki(uint8_t id, uint8_t *out, size_t cap)
{
    CK_FUNCTION_LIST *m = p11_kit_module_load(mod, 0);
    CK_SLOT_ID slots[8];
    CK_ULONG ns = 8, cnt = 0;
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    CK_OBJECT_HANDLE h;
    uint8_t point[200];
    CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof point};
    const uint8_t *prefix;
    size_t plen, raw;
    bool found = false;

    cr_assert_not_null(m);
    cr_assert_eq(p11_kit_module_initialize(m), CKR_OK);
    cr_assert_eq(m->C_GetSlotList(CK_TRUE, slots, &ns), CKR_OK);
    for (CK_ULONG i = 0; i < ns && !found; i++) {
        CK_TOKEN_INFO ti;
        cr_assert_eq(m->C_GetTokenInfo(slots[i], &ti), CKR_OK);
        if (p11_kit_space_strlen(ti.label, 32) != strlen(tok) || memcmp(ti.label, tok, strlen(tok)))
            continue;
        cr_assert_eq(m->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
        found = true;
    }
    cr_assert(found, "token %s", tok);
    cr_assert_eq(m->C_FindObjectsInit(s, t, 2), CKR_OK);
    cr_assert_eq(m->C_FindObjects(s, &h, 1, &cnt), CKR_OK);
    (void)m->C_FindObjectsFinal(s);
    cr_assert_eq(cnt, 1);
    cr_assert_eq(m->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
    (void)m->C_CloseSession(s);
    (void)p11_kit_module_finalize(m);
    p11_kit_module_release(m);
    /* CKA_EC_POINT is a DER OCTET STRING: 04 <len> <point>. */
    cr_assert_eq(point[0], 0x04);
    raw = point[1];
    cr_assert_eq(a.ulValueLen, raw + 2);
    if (raw == 65) {
        prefix = spki_p256;
        plen = sizeof spki_p256;
    } else if (raw == 97) {
        prefix = spki_p384;
        plen = sizeof spki_p384;
    } else {
        cr_assert_eq(raw, 32);
        prefix = spki_ed25519;
        plen = sizeof spki_ed25519;
    }
    cr_assert_leq(plen + raw, cap);
    memcpy(out, prefix, plen);
    memcpy(out + plen, point + 2, raw);
    return plen + raw;
}

/*
 * pkcs11-tool cannot make a key with CKA_SIGN false (--usage-derive adds
 * CKA_DERIVE but SoftHSM's CKA_SIGN default stays true), so the fixture key
 * id 20 "nosign" gets CKA_SIGN cleared here with C_SetAttributeValue.
 */
static void
clear_sign_on_id20(void)
{
    CK_FUNCTION_LIST *m = p11_kit_module_load(mod, 0);
    CK_SLOT_ID slots[8];
    CK_ULONG ns = 8, cnt = 0;
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    uint8_t id = 0x20;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, &id, 1}};
    CK_ATTRIBUTE a = {CKA_SIGN, &no, sizeof no};
    CK_OBJECT_HANDLE h;
    bool found = false;

    cr_assert_not_null(m);
    cr_assert_eq(p11_kit_module_initialize(m), CKR_OK);
    cr_assert_eq(m->C_GetSlotList(CK_TRUE, slots, &ns), CKR_OK);
    for (CK_ULONG i = 0; i < ns && !found; i++) {
        CK_TOKEN_INFO ti;
        cr_assert_eq(m->C_GetTokenInfo(slots[i], &ti), CKR_OK);
        if (p11_kit_space_strlen(ti.label, 32) != strlen(tok) || memcmp(ti.label, tok, strlen(tok)))
            continue;
        cr_assert_eq(m->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                      &s),
                     CKR_OK);
        found = true;
    }
    cr_assert(found);
    cr_assert_eq(m->C_Login(s, CKU_USER, (CK_UTF8CHAR *)(uintptr_t)pin, (CK_ULONG)strlen(pin)),
                 CKR_OK);
    cr_assert_eq(m->C_FindObjectsInit(s, t, 2), CKR_OK);
    cr_assert_eq(m->C_FindObjects(s, &h, 1, &cnt), CKR_OK);
    (void)m->C_FindObjectsFinal(s);
    cr_assert_eq(cnt, 1);
    cr_assert_eq(m->C_SetAttributeValue(s, h, &a, 1), CKR_OK);
    (void)m->C_Logout(s);
    (void)m->C_CloseSession(s);
    (void)p11_kit_module_finalize(m);
    p11_kit_module_release(m);
}

/* OpenSSL verification of a COSE-format signature (raw r||s for ECDSA). */
static bool
ossl_verify(const uint8_t *spki, size_t spki_len, const EVP_MD *md, const uint8_t *msg,
            size_t mlen, const uint8_t *sig, size_t slen)
{
    const unsigned char *p = spki;
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki_len);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char *der = NULL;
    int dlen = 0, ok;

    cr_assert_not_null(pk);
    cr_assert_not_null(c);
    if (md != NULL) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)(slen / 2), NULL),
                       BN_bin2bn(sig + slen / 2, (int)(slen / 2), NULL));
        dlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        cr_assert_gt(dlen, 0);
        sig = der;
        slen = (size_t)dlen;
    }
    cr_assert_eq(EVP_DigestVerifyInit(c, NULL, md, NULL, pk), 1);
    ok = EVP_DigestVerify(c, sig, slen, msg, mlen);
    OPENSSL_free(der);
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pk);
    return ok == 1;
}

/* Sign on the token and check with an independent OpenSSL verification. */
static void
sign_and_verify(const char *id_hex, uint8_t id, enum fwup_key_kind kind, int32_t alg,
                const EVP_MD *md, size_t sig_want)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    uint8_t spki[200], sig[132];
    uint8_t *der = NULL;
    size_t spki_len, der_len = 0, sl = 0;
    /* Stand-in for a COSE Sig_structure: bytes with a 0x00 and > 1 block. */
    uint8_t msg[300];

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    spki_len = token_spki(id, spki, sizeof spki);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(uri_id(id_hex), &o, &s, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_signer_kind(s), kind);
    cr_assert(strstr(fwup_signer_describe(s), "pkcs11 token") != NULL, "%s",
              fwup_signer_describe(s));
    cr_assert_eq(fwup_signer_sign(s, alg, (struct fwup_bytes){msg, sizeof msg}, sig, &sl, &d),
                 FWUP_OK, "%s", d.detail);
    cr_assert_eq(sl, sig_want);
    cr_assert(ossl_verify(spki, spki_len, md, msg, sizeof msg, sig, sl),
              "OpenSSL verifies the token's signature with the token's public key");
    /* A signature is not just any bytes of the right length. */
    msg[0] ^= 1;
    cr_assert_not(ossl_verify(spki, spki_len, md, msg, sizeof msg, sig, sl));
    /* public_der gives the same key as the independent read. */
    cr_assert_eq(fwup_signer_public_der(s, &der, &der_len, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(der_len, spki_len);
    cr_assert_eq(memcmp(der, spki, spki_len), 0);
    free(der);
    fwup_signer_free(s);
}

Test(p11, es256_p256_signs_and_openssl_verifies)
{
    sign_and_verify("01", 0x01, FWUP_KEY_P256, FWUP_COSE_ESP256, EVP_sha256(), 64);
}

Test(p11, es384_p384_signs_and_openssl_verifies)
{
    sign_and_verify("04", 0x04, FWUP_KEY_P384, FWUP_COSE_ESP384, EVP_sha384(), 96);
}

Test(p11, ed25519_signs_whole_message_and_openssl_verifies)
{
    sign_and_verify("03", 0x03, FWUP_KEY_ED25519, FWUP_COSE_ED25519, NULL, 64);
}

Test(p11, polymorphic_es256_id_accepted_and_wrong_alg_refused)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    uint8_t sig[132];
    size_t sl;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(uri_id("02"), &o, &s, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_signer_sign(s, FWUP_COSE_ES256, (struct fwup_bytes){(const uint8_t *)"x", 1},
                                  sig, &sl, &d),
                 FWUP_OK);
    cr_assert_eq(sl, 64);
    cr_assert_eq(fwup_signer_sign(s, FWUP_COSE_ES384, (struct fwup_bytes){(const uint8_t *)"x", 1},
                                  sig, &sl, &d),
                 FWUP_E_KEY_ALG_MISMATCH);
    fwup_signer_free(s);
}

Test(p11, author_and_operator_signers_coexist_on_one_token)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_signer *a = NULL, *op = NULL;
    struct fwup_diag d;
    uint8_t sa[132], so[132], spa[200], spo[200];
    size_t la, lo, pa, po;
    static const uint8_t msg[] = "one Sig_structure, two signers";

    pa = token_spki(0x01, spa, sizeof spa);
    po = token_spki(0x02, spo, sizeof spo);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(uri_id("01"), &o, &a, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_signer_open(uri_id("02"), &o, &op, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_signer_sign(a, -9, (struct fwup_bytes){msg, sizeof msg}, sa, &la, &d), 0);
    /* Freeing the first signer must not log the second one out (PKCS#11
     * login state is per application and token, shared by both sessions). */
    fwup_signer_free(a);
    cr_assert_eq(fwup_signer_sign(op, -9, (struct fwup_bytes){msg, sizeof msg}, so, &lo, &d),
                 FWUP_OK, "%s", d.detail);
    cr_assert(ossl_verify(spa, pa, EVP_sha256(), msg, sizeof msg, sa, la));
    cr_assert(ossl_verify(spo, po, EVP_sha256(), msg, sizeof msg, so, lo));
    cr_assert_not(ossl_verify(spa, pa, EVP_sha256(), msg, sizeof msg, so, lo),
                  "operator's signature must not verify with author's key");
    fwup_signer_free(op);
}

/* ---- module selection -------------------------------------------------- */

static void
open_ok(const char *uri, const struct fwup_signer_opts *o)
{
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    uint8_t sig[132];
    size_t sl;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(uri, o, &s, &d), FWUP_OK, "%s: %s", uri, d.detail);
    cr_assert_eq(fwup_signer_sign(s, -9, (struct fwup_bytes){(const uint8_t *)"m", 1}, sig, &sl,
                                  &d),
                 FWUP_OK, "%s", d.detail);
    fwup_signer_free(s);
}

Test(p11, module_path_in_uri)
{
    char uri[512];
    struct fwup_signer_opts o = {.pkcs11_pin = pin};

    snprintf(uri, sizeof uri, "pkcs11:token=%s;id=%%01?module-path=%s", tok, mod);
    open_ok(uri, &o);
}

Test(p11, module_name_from_p11kit_registry)
{
    char uri[512];
    struct fwup_signer_opts o = {0};

    /* Debian registers SoftHSM as "softhsm2" (softhsm2.module); pin in the URI. */
    snprintf(uri, sizeof uri, "pkcs11:token=%s;object=author;type=private"
                              "?module-name=softhsm2&pin-value=%s",
             tok, pin);
    open_ok(uri, &o);
}

Test(p11, module_name_from_opts_and_all_registered_modules)
{
    struct fwup_signer_opts o = {.pkcs11_module = "softhsm2", .pkcs11_pin = pin};

    open_ok(uri_id("01"), &o);
    /* No module anywhere: every module p11-kit knows is searched. */
    o.pkcs11_module = NULL;
    open_ok(uri_id("01"), &o);
}

/* ---- PIN sources --------------------------------------------------------- */

static int cb_calls;
static char cb_prompt[128];

static enum fwup_err
pin_cb(void *ctx, const char *what, const char *prompt, char *buf, size_t cap)
{
    cb_calls++;
    cr_assert_str_eq(what, "pin");
    snprintf(cb_prompt, sizeof cb_prompt, "%s", prompt);
    snprintf(buf, cap, "%s", (const char *)ctx);
    return FWUP_OK;
}

Test(p11, pin_from_secret_callback_once)
{
    struct fwup_signer_opts o = {.pkcs11_module = mod, .secret_cb = pin_cb,
                                 .secret_ctx = (void *)(uintptr_t)pin};

    cb_calls = 0;
    open_ok(uri_id("01"), &o);
    cr_assert_eq(cb_calls, 1);
    cr_assert(strstr(cb_prompt, tok) != NULL, "prompt names the token: %s", cb_prompt);
}

Test(p11, uri_pin_wins_over_opts_and_callback)
{
    char uri[512];
    struct fwup_signer_opts o = {.pkcs11_module = mod, .pkcs11_pin = "0000", .secret_cb = pin_cb,
                                 .secret_ctx = (void *)(uintptr_t) "0000"};

    cb_calls = 0;
    snprintf(uri, sizeof uri, "pkcs11:token=%s;id=%%01?pin-value=%s", tok, pin);
    open_ok(uri, &o);
    cr_assert_eq(cb_calls, 0);
}

Test(p11, pin_source_file)
{
    char uri[1024], path[512];
    struct fwup_signer_opts o = {.pkcs11_module = mod};
    FILE *f;

    snprintf(path, sizeof path, "%s/pin.txt", hsmdir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", pin); /* the trailing newline is not part of the PIN */
    fclose(f);
    snprintf(uri, sizeof uri, "pkcs11:token=%s;id=%%01?pin-source=file:%s", tok, path);
    open_ok(uri, &o);
    unlink(path);
}

/*
 * One login per signer: the spy module (tests/p11/spy.c) forwards to SoftHSM
 * and appends a line per C_Login. 25 signatures, one line.
 */
Test(p11, one_login_for_many_signatures)
{
    char uri[512], log[512], line[64];
    struct fwup_signer_opts o = {.pkcs11_pin = pin};
    struct fwup_signer *s = NULL;
    struct fwup_diag d;
    uint8_t sig[132];
    size_t sl;
    int lines = 0;
    FILE *f;

    snprintf(log, sizeof log, "%s/spy-login.log", hsmdir);
    unlink(log);
    setenv("FWUP_SPY_MODULE", mod, 1);
    setenv("FWUP_SPY_LOG", log, 1);
    snprintf(uri, sizeof uri, "pkcs11:token=%s;id=%%01?module-path=%s", tok, FWUP_TEST_SPY);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_signer_open(uri, &o, &s, &d), FWUP_OK, "%s", d.detail);
    for (int i = 0; i < 25; i++)
        cr_assert_eq(fwup_signer_sign(s, -9, (struct fwup_bytes){(const uint8_t *)&i, sizeof i},
                                      sig, &sl, &d),
                     FWUP_OK, "%s", d.detail);
    fwup_signer_free(s);
    f = fopen(log, "r");
    cr_assert_not_null(f, "the spy saw no C_Login at all");
    while (fgets(line, sizeof line, f) != NULL) {
        cr_assert_str_eq(line, "C_Login 1\n", "only CKU_USER logins");
        lines++;
    }
    fclose(f);
    cr_assert_eq(lines, 1, "25 signatures, %d logins", lines);
    unlink(log);
}

/* ---- every error, each with its own code ------------------------------- */

Test(p11, err_module_path_missing)
{
    struct fwup_signer_opts o = {.pkcs11_pin = pin};
    struct fwup_diag d =
        open_fails("pkcs11:token=x?module-path=/nonexistent/libnope.so", &o, FWUP_E_PKCS11_MODULE);
    cr_assert(strstr(d.detail, "/nonexistent/libnope.so") != NULL, "%s", d.detail);
}

Test(p11, err_module_name_not_registered)
{
    struct fwup_signer_opts o = {.pkcs11_module = "no-such-module", .pkcs11_pin = pin};
    struct fwup_diag d = open_fails("pkcs11:token=x", &o, FWUP_E_PKCS11_MODULE);
    cr_assert(strstr(d.detail, "no-such-module") != NULL, "%s", d.detail);
}

Test(p11, err_token_absent_lists_present_tokens)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_diag d = open_fails("pkcs11:token=not-plugged-in;id=%01", &o, FWUP_E_PKCS11_TOKEN);
    cr_assert(strstr(d.detail, tok) != NULL, "names the tokens that are there: %s", d.detail);
}

Test(p11, err_wrong_pin)
{
    struct fwup_signer_opts o = {.pkcs11_module = mod, .pkcs11_pin = "0000"};
    struct fwup_diag d = open_fails(uri_id("01"), &o, FWUP_E_PKCS11_PIN);
    cr_assert_eq(d.backend, CKR_PIN_INCORRECT, "raw CK_RV kept: 0x%lx", d.backend);
}

Test(p11, err_no_pin_anywhere)
{
    struct fwup_signer_opts o = {.pkcs11_module = mod};
    struct fwup_diag d = open_fails(uri_id("01"), &o, FWUP_E_PKCS11_PIN);
    cr_assert(strstr(d.detail, "no PIN") != NULL, "%s", d.detail);
}

Test(p11, err_pin_locked_token_flag)
{
    /* fixtures.sh marks token fwup-lock's user PIN locked (SoftHSM never
     * locks by itself): we refuse before sending a PIN. */
    struct fwup_signer_opts o = {.pkcs11_module = mod, .pkcs11_pin = "1111"};
    struct fwup_diag d = open_fails("pkcs11:token=fwup-lock;id=%01", &o, FWUP_E_PKCS11_PIN_LOCKED);
    cr_assert(strstr(d.detail, "locked") != NULL, "%s", d.detail);
}

Test(p11, err_pin_locked_from_c_login)
{
    /* A token that locks answers C_Login with CKR_PIN_LOCKED: injected by the
     * spy module in front of SoftHSM. */
    char uri[512];
    struct fwup_signer_opts o = {.pkcs11_pin = pin};
    struct fwup_diag d;

    setenv("FWUP_SPY_MODULE", mod, 1);
    setenv("FWUP_SPY_LOGIN_RV", "0xa4", 1); /* CKR_PIN_LOCKED */
    snprintf(uri, sizeof uri, "pkcs11:token=%s;id=%%01?module-path=%s", tok, FWUP_TEST_SPY);
    d = open_fails(uri, &o, FWUP_E_PKCS11_PIN_LOCKED);
    cr_assert_eq(d.backend, CKR_PIN_LOCKED);
    unsetenv("FWUP_SPY_LOGIN_RV");
}

Test(p11, err_no_key)
{
    struct fwup_signer_opts o = std_opts();
    open_fails(uri_id("7f"), &o, FWUP_E_PKCS11_NO_KEY);
}

Test(p11, err_ambiguous_lists_labels_and_ids)
{
    char uri[256];
    struct fwup_signer_opts o = std_opts();
    struct fwup_diag d;

    snprintf(uri, sizeof uri, "pkcs11:token=%s;object=dup", tok);
    d = open_fails(uri, &o, FWUP_E_PKCS11_AMBIGUOUS);
    cr_assert(strstr(d.detail, "'dup' id 10") != NULL, "%s", d.detail);
    cr_assert(strstr(d.detail, "'dup' id 11") != NULL, "%s", d.detail);
}

Test(p11, err_key_not_allowed_to_sign)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_diag d;

    clear_sign_on_id20();
    d = open_fails(uri_id("20"), &o, FWUP_E_PKCS11_NOT_ALLOWED);
    cr_assert_eq(d.backend, CKR_KEY_FUNCTION_NOT_PERMITTED);
}

Test(p11, err_mechanism_not_offered)
{
    char conf[512];
    struct fwup_signer_opts o = std_opts();

    /* Same tokens, but this SoftHSM config offers no ECDSA/EdDSA mechanism.
     * Set before this worker's first C_Initialize. */
    snprintf(conf, sizeof conf, "%s/nomech.conf", hsmdir);
    setenv("SOFTHSM2_CONF", conf, 1);
    open_fails(uri_id("01"), &o, FWUP_E_PKCS11_MECHANISM);
    open_fails(uri_id("03"), &o, FWUP_E_PKCS11_MECHANISM);
}

Test(p11, err_malformed_uri)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_signer *s = NULL;
    static const char *bad[] = {
        "pkcs11:id=%zz",            /* bad percent-encoding */
        "pkcs11:token=a;frobnicate=1", /* attribute RFC 7512 does not define */
        "pkcs11:type=nonsense",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fwup_diag d;
        fwup_diag_init(&d);
        cr_assert_eq(fwup_signer_open(bad[i], &o, &s, &d), FWUP_E_URI, "%s: %s", bad[i],
                     d.detail);
        cr_assert_null(s);
    }
    /* Decided: a malformed URI exits 5 like every other PKCS#11 key problem
     * (docs/hsm.md); FWUP_E_URI tells it apart for scripts. */
    cr_assert_eq(fwup_err_exit(FWUP_E_URI), FWUP_EXIT_BACKEND);
}

/* ---- listing -------------------------------------------------------------- */

struct seen {
    int tokens;
    bool author_priv, author_pub, nosign, any_private;
    char author_uri[512];
    char token_flags[200];
};

static void
on_tok(void *ctx, const struct fwup_p11_token_desc *t)
{
    struct seen *s = ctx;

    s->tokens++;
    cr_assert_str_eq(t->label, tok);
    cr_assert_str_eq(t->manufacturer, "SoftHSM project");
    cr_assert(strstr(t->uri, "token=fwup-test") != NULL, "%s", t->uri);
    snprintf(s->token_flags, sizeof s->token_flags, "%s", t->flags_text);
}

static void
on_obj(void *ctx, const struct fwup_p11_object_desc *o)
{
    struct seen *s = ctx;

    if (strcmp(o->cls, "private") == 0)
        s->any_private = true;
    if (o->id_len == 1 && o->id[0] == 0x01 && strcmp(o->cls, "private") == 0) {
        s->author_priv = true;
        cr_assert_eq(o->can_sign, 1);
        cr_assert_str_eq(o->curve, "P-256");
        cr_assert_str_eq(o->key_type, "EC");
        snprintf(s->author_uri, sizeof s->author_uri, "%s", o->uri);
    }
    if (o->id_len == 1 && o->id[0] == 0x01 && strcmp(o->cls, "public") == 0)
        s->author_pub = true;
    if (o->id_len == 1 && o->id[0] == 0x20 && strcmp(o->cls, "private") == 0) {
        s->nosign = true;
        cr_assert_eq(o->can_sign, 0, "CKA_SIGN false is shown");
    }
}

Test(p11, list_with_login_shows_private_keys_and_usable_uris)
{
    char uri[256];
    struct fwup_signer_opts o = std_opts();
    struct seen s = {0};
    struct fwup_diag d;

    clear_sign_on_id20();
    snprintf(uri, sizeof uri, "pkcs11:token=%s", tok);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_p11_list(uri, &o, FWUP_P11_LIST_LOGIN, on_tok, on_obj, &s, &d), FWUP_OK,
                 "%s", d.detail);
    cr_assert_eq(s.tokens, 1);
    cr_assert(s.author_priv && s.author_pub && s.nosign);
    cr_assert(strstr(s.token_flags, "login-required") != NULL, "%s", s.token_flags);
    cr_assert(strstr(s.author_uri, "id=%01") != NULL, "%s", s.author_uri);
    cr_assert(strstr(s.author_uri, "type=private") != NULL, "%s", s.author_uri);
    /* The listed URI is one a user can paste: it opens and signs. */
    o.pkcs11_module = NULL;
    open_ok(s.author_uri, &o);
}

Test(p11, list_without_pin_shows_public_objects_only)
{
    char uri[256];
    struct fwup_signer_opts o = {.pkcs11_module = mod};
    struct seen s = {0};
    struct fwup_diag d;

    snprintf(uri, sizeof uri, "pkcs11:token=%s", tok);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_p11_list(uri, &o, 0, on_tok, on_obj, &s, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(s.tokens, 1);
    cr_assert(s.author_pub);
    cr_assert_not(s.any_private, "private keys need a login on SoftHSM");
}

Test(p11, list_login_refused_when_several_tokens_match)
{
    struct fwup_signer_opts o = std_opts();
    struct fwup_diag d;

    /* fwup-test and fwup-lock both match "pkcs11:": one PIN is never tried on
     * several tokens. */
    fwup_diag_init(&d);
    cr_assert_eq(fwup_p11_list("pkcs11:", &o, FWUP_P11_LIST_LOGIN, NULL, NULL, NULL, &d),
                 FWUP_E_PKCS11_AMBIGUOUS, "%s", d.detail);
}
