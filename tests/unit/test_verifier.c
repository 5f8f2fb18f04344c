/*
 * Unit tests of the embedded verifier (lib/verifier/envelope.c, auth.c,
 * manifest.c, image.c) against tests/vectors (facts from FACTS.md), with
 * the host OpenSSL crypto port, plus hand-built hostile envelopes.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fwup/crypto.h"
#include "fwup/verifier.h"

TestSuite(verifier, .fini = fwup_test_leak_check);

#define V(p) FWUP_TEST_VECTORS "/" p

/* ---- fixtures ---- */

enum { KEY_A, KEY_B, KEY_DEV, KEY_HMAC, N_KEYS };
static const char *const key_files[N_KEYS] = {
    V("keys/key-a-pub.pem"), V("keys/key-b-pub.pem"), V("keys/ecdh-device-p256.pem"),
    V("keys/hmac256-secret.bin")};

struct fx {
    struct fwup_crypto *c;
    struct fwup_v_crypto port;
    struct fwup_v_key keys[N_KEYS];
    struct fwup_v_anchor anchors[FWUP_V_MAX_ANCHORS];
    struct fwup_v_policy pol;
    struct fwup_verifier v;
    uint8_t *env;
    size_t len;
};

static void
fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    cr_assert_eq(fwup_crypto_new(&f->c), FWUP_OK);
    fwup_crypto_port(f->c, &f->port);
    for (int i = 0; i < N_KEYS; i++) {
        enum fwup_err e = i == KEY_HMAC ? fwup_key_load_hmac(key_files[i], &f->keys[i], NULL)
                                        : fwup_key_load_public(key_files[i], &f->keys[i], NULL);
        cr_assert_eq(e, FWUP_OK, "loading %s", key_files[i]);
    }
    f->pol.anchors = f->anchors;
}

static void
fx_release(struct fx *f)
{
    for (int i = 0; i < N_KEYS; i++)
        fwup_key_release(&f->keys[i]);
    fwup_crypto_free(f->c);
    free(f->env);
}

/* Add an anchor (key index, role). */
static void
anchor(struct fx *f, int key, uint8_t role)
{
    struct fwup_v_anchor *a = &f->anchors[f->pol.n_anchors++];

    a->key = &f->keys[key];
    a->role = role;
}

static void
load(struct fx *f, const char *path)
{
    free(f->env);
    f->env = fwup_test_slurp(path, &f->len);
}

static enum fwup_err
verify(struct fx *f)
{
    fwup_verifier_init(&f->v, &f->port);
    return fwup_verifier_verify(&f->v, f->env, f->len, &f->pol);
}

static enum fwup_err
verify_file(struct fx *f, const char *path)
{
    load(f, path);
    return verify(f);
}

/* ---- the vectors and their verdicts (FACTS.md) ---- */

struct signed_case {
    const char *file;
    uint64_t seq;
    uint8_t n_components;
};

static const struct signed_case draft37_signed[] = {
    {"draft37/example0.suit", 0, 1},         {"draft37/example1.suit", 1, 1},
    {"draft37/example2.suit", 2, 1},         {"draft37/example2-severed.suit", 2, 1},
    {"draft37/example3.suit", 3, 1},         {"draft37/example4.suit", 4, 3},
    {"draft37/example5.suit", 5, 2},
};

Test(verifier, draft37_signed_vectors_accept_with_example_pub)
{
    struct fx f;
    struct fwup_v_key ex;

    fx_init(&f);
    cr_assert_eq(fwup_key_load_public(V("draft37/example-pub.pem"), &ex, NULL), FWUP_OK);
    f.anchors[0].key = &ex;
    f.pol.n_anchors = 1;
    for (size_t i = 0; i < sizeof draft37_signed / sizeof draft37_signed[0]; i++) {
        const struct signed_case *c = &draft37_signed[i];
        char path[256];

        snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, c->file);
        cr_assert_eq(verify_file(&f, path), FWUP_OK, "%s: %d", c->file, f.v.diag.code);
        cr_assert_eq(f.v.m.version, 1);
        cr_assert_eq(f.v.m.sequence_number, c->seq, "%s", c->file);
        cr_assert_eq(f.v.m.n_components, c->n_components, "%s", c->file);
        cr_assert_eq(f.v.n_blocks, 1);
        cr_assert_eq(f.v.blocks[0].kind, FWUP_V_BLOCK_SIGN1);
        cr_assert_eq(f.v.blocks[0].alg, FWUP_COSE_ES256);
        cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_VALID);
        cr_assert_eq(f.v.blocks[0].anchor, 0);
        cr_assert(f.v.state & FWUP_V_ST_AUTHENTICATED);
        cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_VALIDATE].state, FWUP_V_INLINE, "%s", c->file);
    }
    fwup_key_release(&ex);
    fx_release(&f);
}

Test(verifier, unsigned_vectors_reject_no_auth_block)
{
    static const char *const files[] = {
        "draft37/example0-unsigned.suit", "draft37/example1-unsigned.suit",
        "draft37/example2-severed-unsigned.suit", "draft37/example3-unsigned.suit",
        "draft37/example4-unsigned.suit", "draft37/example5-unsigned.suit"};
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, files[i]);
        cr_assert_eq(verify_file(&f, path), FWUP_E_NO_AUTH_BLOCK, "%s", files[i]);
        cr_assert_eq(f.v.n_blocks, 0);
        cr_assert_not(f.v.state & FWUP_V_ST_AUTHENTICATED);
    }
    fx_release(&f);
}

Test(verifier, example0_digest_and_tbs_facts)
{
    static const uint8_t digest0[4] = {0x66, 0x58, 0xea, 0x56};
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_OK);
    cr_assert_eq(f.v.digest_alg, FWUP_COSE_SHA256);
    cr_assert_eq(f.v.digest_bytes.len, 32);
    cr_assert_eq(memcmp(f.env + f.v.digest_bytes.off, digest0, 4), 0);
    /* the hashed item is the bstr incl. its head 58 71 (115 bytes) */
    cr_assert_eq(f.v.manifest_item.len, 115);
    cr_assert_eq(f.env[f.v.manifest_item.off], 0x58);
    cr_assert_eq(f.v.manifest.len, 113);
    cr_assert(f.v.tagged);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INVOKE].state, FWUP_V_INLINE);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_ABSENT);
    cr_assert_neq(f.v.m.shared.off, 0);
    cr_assert_eq(f.v.m.reference_uri.off, 0);
    fx_release(&f);
}

Test(verifier, example2_reference_uri_and_severable_states)
{
    struct fx f;
    struct fwup_bytes b;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("draft37/example2.suit")), FWUP_OK);
    b = fwup_verifier_bytes(&f.v, f.v.m.reference_uri);
    cr_assert_eq(b.len, strlen("https://git.io/JJYoj"));
    cr_assert_eq(memcmp(b.ptr, "https://git.io/JJYoj", b.len), 0);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_PRESENT);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_TEXT].state, FWUP_V_SEVERED_PRESENT);
    /* install element is the 60-byte bstr (head 58 3c) in the envelope */
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].body.len, 60);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_INSTALL, &b), FWUP_OK);
    cr_assert_eq(b.len, 60);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_LOAD, &b), FWUP_E_SUIT_MISSING);

    cr_assert_eq(verify_file(&f, V("draft37/example2-severed.suit")), FWUP_OK);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_MISSING);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_TEXT].state, FWUP_V_SEVERED_MISSING);
    cr_assert_neq(f.v.m.seq[FWUP_V_SEQ_INSTALL].digest.off, 0);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_INSTALL, &b), FWUP_E_SUIT_SEVERED);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_INVOKE, &b), FWUP_OK);
    fx_release(&f);
}

Test(verifier, example4_has_inline_payload_fetch_and_three_components)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("draft37/example4.suit")), FWUP_OK);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_PAYLOAD_FETCH].state, FWUP_V_INLINE);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_LOAD].state, FWUP_V_INLINE);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_INLINE);
    /* c1 = [h'02'] */
    cr_assert_eq(f.v.m.components[1].len, 3);
    cr_assert_eq(f.env[f.v.m.components[1].off + 2], 0x02);
    fx_release(&f);
}

Test(verifier, negative_vectors)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("negative/example0-bad-signature.suit")), FWUP_E_SIG_VERIFY);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_INVALID);
    cr_assert_eq(verify_file(&f, V("negative/example0-manifest-tampered.suit")),
                 FWUP_E_MANIFEST_DIGEST);
    /* detected before any parsing of the manifest */
    cr_assert_eq(f.v.m.version, 0);
    cr_assert_eq(f.v.diag.offset, f.v.manifest_item.off);
    cr_assert_eq(verify_file(&f, V("negative/example2-text-tampered.suit")),
                 FWUP_E_SEVERABLE_DIGEST);
    cr_assert_eq(f.v.diag.suit_key, FWUP_SUIT_TEXT);
    cr_assert(f.v.state & FWUP_V_ST_AUTHENTICATED); /* the signature itself was fine */

    f.anchors[0].key = &f.keys[KEY_B]; /* KEY-B as the ONLY anchor */
    cr_assert_eq(verify_file(&f, V("negative/example0-wrong-key.suit")), FWUP_E_SIG_VERIFY);
    fx_release(&f);
}

Test(verifier, wrong_key_type_is_no_trusted_key)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_HMAC, 0); /* ES256 block, only an HMAC anchor: no candidate at all */
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_E_NO_TRUSTED_KEY);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_UNKNOWN);
    f.pol.n_anchors = 0;
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_E_NO_TRUSTED_KEY);
    fx_release(&f);
}

Test(verifier, two_sign1_author_and_operator_required)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0); /* author */
    anchor(&f, KEY_B, 1); /* operator */
    f.pol.require_roles = 3;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1.suit")), FWUP_OK);
    cr_assert_eq(f.v.n_blocks, 2);
    cr_assert_eq(f.v.blocks[0].anchor, 0);
    cr_assert_eq(f.v.blocks[1].anchor, 1);
    cr_assert_eq(f.v.blocks[1].alg, FWUP_COSE_ESP256);
    cr_assert_eq(f.v.blocks[1].kid_len, 32);
    cr_assert_eq(memcmp(f.env + f.v.blocks[1].kid_off, f.keys[KEY_B].kid, 32), 0);
    cr_assert_eq(f.v.valid_anchors, 3);
    f.pol.min_signers = 2;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1.suit")), FWUP_OK);
    f.pol.min_signers = 3;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1.suit")),
                 FWUP_E_POLICY_TOO_FEW);
    /* n-of-m over the operator role only: 1 signer */
    f.pol.min_signers = 2;
    f.pol.count_roles = 2;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1.suit")),
                 FWUP_E_POLICY_TOO_FEW);
    fx_release(&f);
}

Test(verifier, required_role_without_valid_block_fails)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    anchor(&f, KEY_DEV, 1); /* "operator" is an unrelated key */
    f.pol.require_roles = 3;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1.suit")),
                 FWUP_E_POLICY_ROLE_MISSING);
    cr_assert_eq(f.v.diag.suit_key, 1);
    cr_assert_eq(f.v.blocks[1].verdict, FWUP_V_UNKNOWN); /* kid names no anchor */
    /* a single-signed envelope cannot satisfy author + operator */
    f.anchors[1].key = &f.keys[KEY_B];
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_E_POLICY_ROLE_MISSING);
    fx_release(&f);
}

Test(verifier, second_bad_signature_by_known_key_fails_envelope)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1-second-bad.suit")), FWUP_OK,
                 "unknown (KEY-B) block is ignored");
    cr_assert_eq(f.v.blocks[1].verdict, FWUP_V_UNKNOWN);
    f.pol.strict = true;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1-second-bad.suit")),
                 FWUP_E_UNKNOWN_KEY_STRICT);
    f.pol.strict = false;
    anchor(&f, KEY_B, 1);
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-two-sign1-second-bad.suit")),
                 FWUP_E_KNOWN_KEY_BAD_SIG);
    cr_assert_eq(f.v.blocks[1].verdict, FWUP_V_KNOWN_BAD);
    cr_assert_eq(f.v.diag.suit_key, 1);
    fx_release(&f);
}

Test(verifier, cose_sign_counts_each_signer)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    anchor(&f, KEY_B, 1);
    f.pol.min_signers = 2;
    f.pol.require_roles = 3;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-cose-sign-2signers.suit")), FWUP_OK);
    cr_assert_eq(f.v.n_blocks, 2);
    cr_assert_eq(f.v.blocks[0].kind, FWUP_V_BLOCK_SIGN);
    cr_assert_eq(f.v.blocks[1].kind, FWUP_V_BLOCK_SIGN);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_VALID);
    cr_assert_eq(f.v.blocks[1].verdict, FWUP_V_VALID);
    cr_assert_eq(f.v.blocks[0].alg, FWUP_COSE_ES256);
    cr_assert_eq(f.v.blocks[1].alg, FWUP_COSE_ESP256);
    fx_release(&f);
}

Test(verifier, sign1_plus_mac0)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    anchor(&f, KEY_HMAC, 1);
    f.pol.require_roles = 3;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-sign1-plus-mac0.suit")), FWUP_OK);
    cr_assert_eq(f.v.blocks[1].kind, FWUP_V_BLOCK_MAC0);
    cr_assert_eq(f.v.blocks[1].alg, FWUP_COSE_HMAC256);
    cr_assert_eq(f.v.blocks[1].verdict, FWUP_V_VALID);
    cr_assert_eq(f.v.blocks[1].anchor, 1);
    /* the HMAC key alone is enough for "any one" */
    f.anchors[0] = f.anchors[1];
    f.pol.n_anchors = 1;
    f.pol.require_roles = 0;
    cr_assert_eq(verify_file(&f, V("multi-signer/example0-sign1-plus-mac0.suit")), FWUP_OK);
    fx_release(&f);
}

Test(verifier, mac_with_wrong_secret_is_rejected)
{
    static uint8_t wrong[32];
    struct fx f;
    struct fwup_v_key k;

    fx_init(&f);
    /* Same type, other secret: must not verify (the tag compare is real). */
    memset(wrong, 'b', sizeof wrong);
    char path[] = "/tmp/fwup-test-hmac-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, wrong, sizeof wrong), (ssize_t)sizeof wrong);
    close(fd);
    cr_assert_eq(fwup_key_load_hmac(path, &k, NULL), FWUP_OK);
    unlink(path);
    f.anchors[0].key = &k;
    f.pol.n_anchors = 1;
    cr_assert_eq(verify_file(&f, V("encryption/suit-manifest-aes-kw.suit")), FWUP_E_SIG_VERIFY);
    fwup_key_release(&k);
    fx_release(&f);
}

Test(verifier, encryption_envelopes_authenticate)
{
    static const char *const mac[] = {"encryption/suit-manifest-aes-kw-content.suit",
                                      "encryption/suit-manifest-aes-kw.suit",
                                      "encryption/suit-manifest-aes-kw-slot.suit"};
    struct fx f;
    char path[256];

    fx_init(&f);
    anchor(&f, KEY_HMAC, 0);
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, mac[i]);
        cr_assert_eq(verify_file(&f, path), FWUP_OK, "%s: %d", mac[i], f.v.diag.code);
        cr_assert_eq(f.v.blocks[0].kind, FWUP_V_BLOCK_MAC0);
        cr_assert_eq(f.v.m.sequence_number, 1);
        cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_INLINE);
        cr_assert_eq(f.v.m.shared.off, 0, "shared(absent)");
    }
    cr_assert_eq(f.v.m.n_components, 2);
    f.anchors[0].key = &f.keys[KEY_A];
    cr_assert_eq(verify_file(&f, V("encryption/suit-manifest-es-ecdh-content.suit")), FWUP_OK);
    cr_assert_eq(f.v.blocks[0].alg, FWUP_COSE_ESP256);
    cr_assert_eq(verify_file(&f, V("encryption/suit-manifest-es-ecdh-dependency.suit")),
                 FWUP_E_SIG_VERIFY, "outer envelope is KEY-B's");
    f.anchors[0].key = &f.keys[KEY_B];
    cr_assert_eq(verify_file(&f, V("encryption/suit-manifest-es-ecdh-dependency.suit")), FWUP_OK);
    cr_assert_eq(f.v.n_integrated, 1);
    cr_assert_neq(f.v.m.component_id.off, 0);
    cr_assert_neq(f.v.m.dependencies.off, 0);
    {
        struct fwup_bytes name, data;
        cr_assert_eq(fwup_verifier_integrated(&f.v, 0, &name, &data), FWUP_OK);
        cr_assert_eq(name.len, strlen("#dependency-manifest"));
        cr_assert_eq(memcmp(name.ptr, "#dependency-manifest", name.len), 0);
        cr_assert_eq(data.len, 247);
        cr_assert_eq(fwup_verifier_integrated(&f.v, 1, &name, &data), FWUP_E_SUIT_MISSING);
        /* the integrated dependency is an envelope itself, signed by KEY-A */
        struct fwup_verifier dep;
        f.anchors[0].key = &f.keys[KEY_A];
        fwup_verifier_init(&dep, &f.port);
        cr_assert_eq(fwup_verifier_verify(&dep, data.ptr, data.len, &f.pol), FWUP_OK);
        cr_assert_eq(dep.m.sequence_number, 1);
    }
    fx_release(&f);
}

/* ---- component ACL ---- */

Test(verifier, component_prefixes_limit_what_a_role_may_sign)
{
    static const uint8_t only_01[] = {0x81, 0x81, 0x41, 0x01};         /* [[h'01']] */
    static const uint8_t only_00[] = {0x82, 0x81, 0x41, 0x07, 0x81, 0x41, 0x00}; /* [[h'07'],[h'00']] */
    static const uint8_t anything[] = {0x81, 0x80};                    /* [[]] */
    static const uint8_t broken[] = {0x81, 0x81, 0x01};                /* [[1]] */
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    f.anchors[0].prefixes.ptr = only_01;
    f.anchors[0].prefixes.len = sizeof only_01;
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_E_POLICY_COMPONENT);
    cr_assert_eq(f.v.diag.scope, FWUP_V_AT_COMPONENT);
    f.anchors[0].prefixes.ptr = only_00;
    f.anchors[0].prefixes.len = sizeof only_00;
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_OK);
    /* example4 has [h'00'], [h'02'], [h'01']: [h'00'] alone does not cover */
    cr_assert_eq(verify_file(&f, V("draft37/example4.suit")), FWUP_E_POLICY_COMPONENT);
    f.anchors[0].prefixes.ptr = anything;
    f.anchors[0].prefixes.len = sizeof anything;
    cr_assert_eq(verify_file(&f, V("draft37/example4.suit")), FWUP_OK);
    f.anchors[0].prefixes.ptr = broken;
    f.anchors[0].prefixes.len = sizeof broken;
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_E_POLICY_INVALID);
    fx_release(&f);
}

/* ---- state machine and inspect ---- */

Test(verifier, order_is_enforced)
{
    struct fx f;
    struct fwup_bytes b;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    load(&f, V("draft37/example0.suit"));
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_decode_manifest(&f.v), FWUP_E_NOT_AUTHENTICATED);
    /* sticky: the first error stays */
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_E_NOT_AUTHENTICATED);

    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_authenticate(&f.v, &f.pol), FWUP_E_BAD_STATE);

    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_OK);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_UNCHECKED);
    cr_assert_eq(fwup_verifier_decode_manifest(&f.v), FWUP_E_NOT_AUTHENTICATED);
    cr_assert_eq(f.v.m.version, 0, "nothing decoded before authentication");

    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_OK);
    cr_assert_eq(fwup_verifier_authenticate(&f.v, &f.pol), FWUP_OK);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_VALIDATE, &b), FWUP_E_NOT_AUTHENTICATED,
                 "not decoded yet");
    cr_assert_eq(fwup_verifier_inspect(&f.v), FWUP_E_BAD_STATE);
    fx_release(&f);
}

Test(verifier, inspect_decodes_unsigned_but_never_authorises)
{
    struct fx f;
    struct fwup_bytes b;
    struct fwup_v_image img;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    load(&f, V("draft37/example2-severed-unsigned.suit"));
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_OK);
    cr_assert_eq(fwup_verifier_inspect(&f.v), FWUP_OK);
    cr_assert(f.v.state & FWUP_V_ST_INSPECTED);
    cr_assert_not(f.v.state & FWUP_V_ST_AUTHENTICATED);
    cr_assert_eq(f.v.m.sequence_number, 2);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_MISSING);
    cr_assert_eq(fwup_verifier_sequence(&f.v, FWUP_V_SEQ_VALIDATE, &b), FWUP_E_NOT_AUTHENTICATED);
    cr_assert_eq(fwup_verifier_image_params(&f.v, 0, &img), FWUP_E_NOT_AUTHENTICATED);
    cr_assert_eq(fwup_verifier_authenticate(&f.v, &f.pol), FWUP_E_BAD_STATE);

    load(&f, V("negative/example2-text-tampered.suit"));
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_OK);
    cr_assert_eq(fwup_verifier_inspect(&f.v), FWUP_OK);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_TEXT].state, FWUP_V_SEVERED_MISMATCH);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_PRESENT);
    fx_release(&f);
}

/* ---- payload image check ---- */

struct mem_src {
    const uint8_t *p;
    size_t n, pos;
};

static enum fwup_err
mem_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct mem_src *s = ctx;
    size_t k = s->n - s->pos < cap ? s->n - s->pos : cap;

    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    *got = k;
    return FWUP_OK;
}

Test(verifier, image_params_from_shared_and_install)
{
    struct fx f;
    struct fwup_v_image img;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("draft37/example5.suit")), FWUP_OK);
    cr_assert_eq(fwup_verifier_image_params(&f.v, 1, &img), FWUP_OK);
    cr_assert(img.has_digest && img.has_size);
    cr_assert_eq(img.size, 76834);
    cr_assert_eq(img.digest_alg, FWUP_COSE_SHA256);
    cr_assert_eq(f.env[img.digest.off], 0x01);
    cr_assert_eq(fwup_verifier_image_params(&f.v, 0, &img), FWUP_OK);
    cr_assert_eq(img.size, 34768);
    cr_assert_eq(fwup_verifier_image_params(&f.v, 2, &img), FWUP_E_SUIT_COMPONENT);
    /* example4: c1's digest is set in payload-fetch, without a size */
    cr_assert_eq(verify_file(&f, V("draft37/example4.suit")), FWUP_OK);
    cr_assert_eq(fwup_verifier_image_params(&f.v, 1, &img), FWUP_OK);
    cr_assert(img.has_digest);
    cr_assert_not(img.has_size);
    fx_release(&f);
}

Test(verifier, check_image_compares_size_and_digest)
{
    struct fx f;
    uint8_t chunk[7];
    uint8_t *big = calloc(1, 34768);
    struct mem_src s = {big, 34768, 0};

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(verify_file(&f, V("draft37/example0.suit")), FWUP_OK);
    cr_assert_eq(fwup_verifier_check_image(&f.v, 0, mem_read, &s, chunk, sizeof chunk),
                 FWUP_E_IMAGE_DIGEST, "right size, wrong bytes");
    s.n = 100;
    s.pos = 0;
    cr_assert_eq(fwup_verifier_check_image(&f.v, 0, mem_read, &s, chunk, sizeof chunk),
                 FWUP_E_IMAGE_SIZE);
    free(big);
    fx_release(&f);
}

/* ---- hand-built envelopes: a Mac0 over any manifest, to test decoding ---- */

static const uint8_t hmac_secret[32] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static size_t
put_bstr_head(uint8_t *p, size_t n)
{
    if (n < 24) {
        p[0] = (uint8_t)(0x40 | n);
        return 1;
    }
    if (n < 256) {
        p[0] = 0x58;
        p[1] = (uint8_t)n;
        return 2;
    }
    p[0] = 0x59;
    p[1] = (uint8_t)(n >> 8);
    p[2] = (uint8_t)n;
    return 3;
}

/*
 * Envelope #6.107({2: [digest, Mac0], 3: manifest, <extra pairs>}) with a
 * correct digest and HMAC tag. Returns a malloc'd buffer.
 */
static uint8_t *
build(const uint8_t *man, size_t man_len, const uint8_t *extra, size_t extra_len, int n_extra,
      size_t *out_len)
{
    uint8_t mitem[4096], dig[40], tbs[128], mac0[64], wrap[160];
    uint8_t *env = malloc(8192);
    size_t mi, n, w, o;
    unsigned int tl = 32;

    mi = put_bstr_head(mitem, man_len);
    memcpy(mitem + mi, man, man_len);
    mi += man_len;
    dig[0] = 0x82;
    dig[1] = 0x2f;
    dig[2] = 0x58;
    dig[3] = 0x20;
    EVP_Digest(mitem, mi, dig + 4, NULL, EVP_sha256(), NULL);
    /* MAC_structure ["MAC0", h'a10105', h'', bstr(digest)] */
    n = 0;
    memcpy(tbs, "\x84\x64MAC0\x43\xa1\x01\x05\x40\x58\x24", 13);
    n = 13;
    memcpy(tbs + n, dig, 36);
    n += 36;
    memcpy(mac0, "\xd1\x84\x43\xa1\x01\x05\xa0\xf6\x58\x20", 10);
    HMAC(EVP_sha256(), hmac_secret, 32, tbs, n, mac0 + 10, &tl);
    w = 0;
    wrap[w++] = 0x82;
    w += put_bstr_head(wrap + w, 36);
    memcpy(wrap + w, dig, 36);
    w += 36;
    w += put_bstr_head(wrap + w, 42);
    memcpy(wrap + w, mac0, 42);
    w += 42;
    o = 0;
    env[o++] = 0xd8;
    env[o++] = 0x6b;
    env[o++] = (uint8_t)(0xa2 + n_extra);
    env[o++] = 0x02;
    o += put_bstr_head(env + o, w);
    memcpy(env + o, wrap, w);
    o += w;
    env[o++] = 0x03;
    memcpy(env + o, mitem, mi);
    o += mi;
    if (extra_len > 0)
        memcpy(env + o, extra, extra_len);
    o += extra_len;
    *out_len = o;
    return env;
}

/* A minimal valid manifest: {1:1, 2:7, 3: << {2: [[h'00']]} >>} */
#define MAN_HEAD 0x01, 0x01, 0x02, 0x07, 0x03, 0x45, 0xa1, 0x02, 0x81, 0x81, 0x40

static enum fwup_err
verify_manifest(struct fx *f, const uint8_t *man, size_t n)
{
    free(f->env);
    f->env = build(man, n, NULL, 0, 0, &f->len);
    return verify(f);
}

#define CHECK_MANIFEST(expect, ...)                                                                \
    do {                                                                                           \
        static const uint8_t m_[] = {__VA_ARGS__};                                                 \
        cr_assert_eq(verify_manifest(&f, m_, sizeof m_), (expect), "got %d", f.v.diag.code);     \
    } while (0)

Test(verifier, hand_built_manifests)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_HMAC, 0);
    /* the builder works: [h''] is a component id with one (empty) element */
    CHECK_MANIFEST(FWUP_OK, 0xa3, MAN_HEAD);
    cr_assert_eq(f.v.m.sequence_number, 7);
    /* sequence number at uint64 max */
    CHECK_MANIFEST(FWUP_OK, 0xa3, 0x01, 0x01, 0x02, 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                   0xff, 0x03, 0x45, 0xa1, 0x02, 0x81, 0x81, 0x40);
    cr_assert_eq(f.v.m.sequence_number, UINT64_MAX);
    CHECK_MANIFEST(FWUP_E_SUIT_VERSION, 0xa3, 0x01, 0x02, 0x02, 0x07, 0x03, 0x45, 0xa1, 0x02, 0x81,
                   0x81, 0x40);
    CHECK_MANIFEST(FWUP_E_CBOR_DUPLICATE_KEY, 0xa4, MAN_HEAD, 0x02, 0x08);
    /* install under the pre-29 key 17: unknown, refused */
    CHECK_MANIFEST(FWUP_E_SUIT_UNKNOWN_KEY, 0xa4, MAN_HEAD, 0x11, 0x41, 0x80);
    CHECK_MANIFEST(FWUP_E_SUIT_UNKNOWN_KEY, 0xa4, MAN_HEAD, 0x61, 'x', 0x00);
    /* required common missing */
    CHECK_MANIFEST(FWUP_E_SUIT_MISSING, 0xa2, 0x01, 0x01, 0x02, 0x07);
    /* negative sequence number */
    CHECK_MANIFEST(FWUP_E_CBOR_TYPE, 0xa3, 0x01, 0x01, 0x02, 0x20, 0x03, 0x45, 0xa1, 0x02, 0x81,
                   0x81, 0x40);
    /* empty component id, empty components, no components */
    CHECK_MANIFEST(FWUP_E_SUIT_COMPONENT, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x44, 0xa1, 0x02,
                   0x81, 0x80);
    CHECK_MANIFEST(FWUP_E_SUIT_COMPONENT, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x43, 0xa1, 0x02,
                   0x80);
    CHECK_MANIFEST(FWUP_E_SUIT_MISSING, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x41, 0xa0);
    /* nine components, one more than FWUP_V_MAX_COMPONENTS */
    CHECK_MANIFEST(FWUP_E_LIMIT_COMPONENTS, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x55, 0xa1, 0x02,
                   0x89, 0x81, 0x40, 0x81, 0x40, 0x81, 0x40, 0x81, 0x40, 0x81, 0x40, 0x81, 0x40,
                   0x81, 0x40, 0x81, 0x40, 0x81, 0x40);
    /* component id element not a bstr */
    CHECK_MANIFEST(FWUP_E_CBOR_TYPE, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x45, 0xa1, 0x02, 0x81,
                   0x81, 0x60);
    /* unknown key in common */
    CHECK_MANIFEST(FWUP_E_SUIT_UNKNOWN_KEY, 0xa3, 0x01, 0x01, 0x02, 0x07, 0x03, 0x47, 0xa2, 0x02,
                   0x81, 0x81, 0x40, 0x03, 0x00);
    /* validate as a SUIT_Digest: never severable */
    CHECK_MANIFEST(FWUP_E_SUIT_BAD_VALUE, 0xa4, MAN_HEAD, 0x07, 0x82, 0x2f, 0x40);
    /* a sequence with an odd number of items, and one that is not an array */
    CHECK_MANIFEST(FWUP_E_SUIT_SEQUENCE, 0xa4, MAN_HEAD, 0x07, 0x42, 0x81, 0x03);
    CHECK_MANIFEST(FWUP_E_SUIT_SEQUENCE, 0xa4, MAN_HEAD, 0x09, 0x41, 0x03);
    /* trailing bytes inside a sequence bstr */
    CHECK_MANIFEST(FWUP_E_CBOR_TRAILING, 0xa4, MAN_HEAD, 0x07, 0x42, 0x80, 0x00);
    /* inline valid sequence; severed install with no member = SEVERED_MISSING */
    CHECK_MANIFEST(FWUP_OK, 0xa5, MAN_HEAD, 0x07, 0x43, 0x82, 0x03, 0x0f, 0x14, 0x82, 0x2f, 0x41,
                   0x00);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_MISSING);
    /* text must be a map */
    CHECK_MANIFEST(FWUP_E_SUIT_TEXT, 0xa4, MAN_HEAD, 0x17, 0x41, 0x80);
    /* reference-uri must be UTF-8 text */
    CHECK_MANIFEST(FWUP_E_CBOR_UTF8, 0xa4, MAN_HEAD, 0x04, 0x62, 0xc0, 0x80);
    /* nesting beyond FWUP_V_MAX_CBOR_DEPTH inside a sequence */
    CHECK_MANIFEST(FWUP_E_LIMIT_DEPTH, 0xa4, MAN_HEAD, 0x07, 0x54, 0x82, 0x01, 0x81, 0x81, 0x81,
                   0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
                   0x81, 0x00);
    /* trailing byte after the manifest map, inside its bstr */
    CHECK_MANIFEST(FWUP_E_CBOR_TRAILING, 0xa3, MAN_HEAD, 0x00);
    fx_release(&f);
}

Test(verifier, severable_member_in_envelope)
{
    /* manifest {.., 20: [-16, sha256(member)]} with member 20: h'80' (a bstr of [])
     * encoded 41 80; its SUIT_Digest is over the 2 bytes 41 80. */
    uint8_t man[64], extra[8], h[32];
    size_t n = 0;
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_HMAC, 0);
    EVP_Digest("\x41\x80", 2, h, NULL, EVP_sha256(), NULL);
    memcpy(man, "\xa4\x01\x01\x02\x07\x03\x45\xa1\x02\x81\x81\x40\x14\x82\x2f\x58\x20", 17);
    n = 17;
    memcpy(man + n, h, 32);
    n += 32;
    memcpy(extra, "\x14\x41\x80", 3);
    free(f.env);
    f.env = build(man, n, extra, 3, 1, &f.len);
    cr_assert_eq(verify(&f), FWUP_OK, "%d", f.v.diag.code);
    cr_assert_eq(f.v.m.seq[FWUP_V_SEQ_INSTALL].state, FWUP_V_SEVERED_PRESENT);
    /* a member whose digest does not match */
    free(f.env);
    f.env = build(man, n, (const uint8_t *)"\x14\x41\x81", 3, 1, &f.len);
    cr_assert_eq(verify(&f), FWUP_E_SEVERABLE_DIGEST);
    /* a member the manifest does not reference by digest */
    free(f.env);
    f.env = build(man, n, (const uint8_t *)"\x10\x41\x80", 3, 1, &f.len);
    cr_assert_eq(verify(&f), FWUP_E_SUIT_BAD_VALUE);
    cr_assert_eq(f.v.diag.suit_key, 16);
    fx_release(&f);
}

/* ---- envelope-level hostile input ---- */

static enum fwup_err
parse_bytes(struct fx *f, const uint8_t *p, size_t n)
{
    free(f->env);
    f->env = malloc(n ? n : 1);
    if (n > 0)
        memcpy(f->env, p, n);
    f->len = n;
    fwup_verifier_init(&f->v, &f->port);
    return fwup_verifier_parse(&f->v, f->env, f->len);
}

/* Take example0 and patch it: returns the modified copy's verdict. */
static enum fwup_err
patched_example0(struct fx *f, size_t at, const uint8_t *with, size_t wn, size_t del)
{
    size_t n;
    uint8_t *e0 = fwup_test_slurp(V("draft37/example0.suit"), &n);
    uint8_t *p = malloc(n + wn);

    memcpy(p, e0, at);
    if (wn > 0)
        memcpy(p + at, with, wn);
    memcpy(p + at + wn, e0 + at + del, n - at - del);
    free(f->env);
    f->env = p;
    f->len = n + wn - del;
    free(e0);
    return verify(f);
}

Test(verifier, envelope_structure_errors)
{
    static const uint8_t dup2[] = {0xa3, 0x02, 0x41, 0x80, 0x02, 0x41, 0x80, 0x03, 0x41, 0xa0};
    static const uint8_t order[] = {0xa2, 0x03, 0x41, 0xa0, 0x02, 0x42, 0x81, 0x40};
    static const uint8_t dup_t[] = {0xa4, 0x02, 0x41, 0x81, 0x03, 0x41, 0xa0, 0x61, 'a', 0x40,
                                    0x61, 'a', 0x40};
    static const uint8_t indef[] = {0xbf, 0x02, 0x41, 0x80, 0xff};
    static const uint8_t tag108[] = {0xd8, 0x6c, 0xa0};
    static const uint8_t huge[] = {0xa1, 0x02, 0x5a, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t missing3[] = {0xa1, 0x02, 0x41, 0x80};
    static const uint8_t not_map[] = {0x82, 0x02, 0x03};
    static const uint8_t float_key[] = {0xa1, 0xf9, 0x3c, 0x00, 0x40};
    static const uint8_t nodigest[] = {0xa2, 0x02, 0x41, 0x80, 0x03, 0x41, 0xa0};
    static const uint8_t deep[] = {0xa3, 0x02, 0x41, 0x81, 0x03, 0x41, 0xa0, 0x18, 0x63, 0x81,
                                   0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81,
                                   0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x00};
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    cr_assert_eq(parse_bytes(&f, dup2, sizeof dup2), FWUP_E_CBOR_DUPLICATE_KEY);
    cr_assert_eq(f.v.diag.offset, 4);
    cr_assert_eq(parse_bytes(&f, order, sizeof order), FWUP_E_SUIT_BAD_VALUE);
    cr_assert_eq(parse_bytes(&f, dup_t, sizeof dup_t), FWUP_E_CBOR_DUPLICATE_KEY);
    cr_assert_eq(f.v.diag.offset, 10);
    cr_assert_eq(parse_bytes(&f, indef, sizeof indef), FWUP_E_CBOR_INDEFINITE);
    cr_assert_eq(parse_bytes(&f, tag108, sizeof tag108), FWUP_E_CBOR_TAG);
    cr_assert_eq(parse_bytes(&f, huge, sizeof huge), FWUP_E_CBOR_TRUNCATED);
    cr_assert_eq(parse_bytes(&f, missing3, sizeof missing3), FWUP_E_SUIT_MISSING);
    cr_assert_eq(parse_bytes(&f, not_map, sizeof not_map), FWUP_E_CBOR_TYPE);
    cr_assert_eq(parse_bytes(&f, float_key, sizeof float_key), FWUP_E_CBOR_TYPE);
    cr_assert_eq(parse_bytes(&f, nodigest, sizeof nodigest), FWUP_E_SUIT_MISSING);
    cr_assert_eq(parse_bytes(&f, deep, sizeof deep), FWUP_E_LIMIT_DEPTH);
    cr_assert_eq(parse_bytes(&f, NULL, 0), FWUP_E_INVALID_ARG);
    fx_release(&f);
}

Test(verifier, example0_variants)
{
    struct fx f;

    fx_init(&f);
    anchor(&f, KEY_A, 0);
    /* untagged envelope: still the same signed bytes (OPEN-QUESTIONS 8) */
    cr_assert_eq(patched_example0(&f, 0, NULL, 0, 2), FWUP_OK);
    cr_assert_not(f.v.tagged);
    /* a trailing byte after the envelope */
    {
        size_t n;
        uint8_t *e0 = fwup_test_slurp(V("draft37/example0.suit"), &n);
        cr_assert_eq(patched_example0(&f, n, (const uint8_t *)"\x00", 1, 0), FWUP_E_CBOR_TRAILING);
        free(e0);
    }
    /* an integrated payload (tstr key) is allowed and counted */
    cr_assert_eq(patched_example0(&f, 2, (const uint8_t *)"\xa3", 1, 1), FWUP_E_CBOR_TRUNCATED);
    {
        size_t n;
        uint8_t *e0 = fwup_test_slurp(V("draft37/example0.suit"), &n);
        uint8_t *p = malloc(n + 6);
        memcpy(p, e0, n);
        p[2] = 0xa3;
        memcpy(p + n, "\x62#x\x42hi", 6);
        free(f.env);
        f.env = p;
        f.len = n + 6;
        cr_assert_eq(verify(&f), FWUP_OK);
        cr_assert_eq(f.v.n_integrated, 1);
        /* an unknown integer key instead: parse records, authenticate refuses */
        memcpy(p + n, "\x18\x63\x42hi", 5);
        f.len = n + 5;
        fwup_verifier_init(&f.v, &f.port);
        cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.len), FWUP_OK);
        cr_assert_eq(f.v.n_unknown, 1);
        cr_assert_eq(fwup_verifier_authenticate(&f.v, &f.pol), FWUP_E_SUIT_UNKNOWN_KEY);
        cr_assert_eq(f.v.diag.offset, n);
        free(e0);
    }
    /* payload not nil: 0xf6 at offset 54 -> 0x40 (embedded empty payload) */
    cr_assert_eq(patched_example0(&f, 54, (const uint8_t *)"\x40", 1, 1), FWUP_E_COSE_PAYLOAD);
    /* Sign1 tagged as Mac0 (tag 17): HMAC alg mismatch -> unsupported, no valid block */
    cr_assert_eq(patched_example0(&f, 47, (const uint8_t *)"\xd1", 1, 1), FWUP_E_NO_TRUSTED_KEY);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_UNSUPPORTED);
    /* COSE tag 19 is not an authentication block */
    cr_assert_eq(patched_example0(&f, 47, (const uint8_t *)"\xd3", 1, 1), FWUP_E_CBOR_TAG);
    /* alg in the protected header changed to -8 (EdDSA): KEY-A is P-256 */
    cr_assert_eq(patched_example0(&f, 52, (const uint8_t *)"\x27", 1, 1), FWUP_E_NO_TRUSTED_KEY);
    /* alg -1 (not a signature algorithm) */
    cr_assert_eq(patched_example0(&f, 52, (const uint8_t *)"\x20", 1, 1), FWUP_E_NO_TRUSTED_KEY);
    cr_assert_eq(f.v.blocks[0].verdict, FWUP_V_UNSUPPORTED);
    /* alg moved to the unprotected header: a0 -> a1 01 26, protected 43 a1 01 26 -> 41 a0 */
    cr_assert_eq(patched_example0(&f, 49, (const uint8_t *)"\x41\xa0\xa1\x01\x26", 5, 5),
                 FWUP_E_COSE_HEADER);
    /* kid in both buckets: a0 -> a1 04 40 and protected gains 04 40 is too long to
     * patch in place; a crit header instead: protected {1:-7} -> {2:[]}... */
    cr_assert_eq(patched_example0(&f, 50, (const uint8_t *)"\xa1\x02\x80", 3, 3),
                 FWUP_E_COSE_HEADER);
    fx_release(&f);
}

/* ---- every truncation, every single-byte flip ---- */

static const char *const all_vectors[] = {
    "draft37/example0.suit",
    "draft37/example0-unsigned.suit",
    "draft37/example1.suit",
    "draft37/example2.suit",
    "draft37/example2-severed.suit",
    "draft37/example3.suit",
    "draft37/example4.suit",
    "draft37/example5.suit",
    "encryption/suit-manifest-aes-kw-content.suit",
    "encryption/suit-manifest-aes-kw.suit",
    "encryption/suit-manifest-es-ecdh-content.suit",
    "encryption/suit-manifest-es-ecdh-dependency.suit",
    "multi-signer/example0-two-sign1.suit",
    "multi-signer/example0-cose-sign-2signers.suit",
    "multi-signer/example0-sign1-plus-mac0.suit",
    "multi-signer/example0-two-sign1-second-bad.suit",
    "negative/example2-text-tampered.suit",
};

static void
all_anchors(struct fx *f)
{
    f->pol.n_anchors = 0;
    anchor(f, KEY_A, 0);
    anchor(f, KEY_B, 1);
    anchor(f, KEY_HMAC, 2);
}

Test(verifier, every_truncation_fails)
{
    struct fx f;
    char path[256];

    fx_init(&f);
    all_anchors(&f);
    for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
        size_t n;
        uint8_t *full;

        snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, all_vectors[i]);
        full = fwup_test_slurp(path, &n);
        for (size_t k = 0; k < n; k++) {
            /* exactly k bytes on the heap: ASan sees any over-read */
            uint8_t *p = malloc(k ? k : 1);
            enum fwup_err e;
            memcpy(p, full, k);
            fwup_verifier_init(&f.v, &f.port);
            e = fwup_verifier_verify(&f.v, k ? p : NULL, k, &f.pol);
            cr_assert_neq(e, FWUP_OK, "%s truncated to %zu accepted", all_vectors[i], k);
            cr_assert_eq(e, f.v.diag.code);
            cr_assert_leq(f.v.diag.offset, k);
            free(p);
        }
        free(full);
    }
    fx_release(&f);
}

static bool
in_span(size_t k, struct fwup_v_span s)
{
    return s.off != 0 && k >= s.off && k - s.off < s.len;
}

Test(verifier, every_byte_flip_is_handled)
{
    struct fx f;
    char path[256];
    size_t flips = 0, accepted = 0;

    fx_init(&f);
    all_anchors(&f);
    for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
        size_t n;
        uint8_t *full, *p;
        struct fwup_verifier ref;

        snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, all_vectors[i]);
        full = fwup_test_slurp(path, &n);
        fwup_verifier_init(&ref, &f.port);
        /* The reference parse locates the signed region. */
        cr_assert_eq(fwup_verifier_parse(&ref, full, n), FWUP_OK);
        p = malloc(n);
        for (size_t k = 0; k < n; k++) {
            static const uint8_t masks[] = {0x01, 0x80, 0xff};
            for (size_t mi = 0; mi < sizeof masks; mi++) {
                enum fwup_err e;
                memcpy(p, full, n);
                p[k] ^= masks[mi];
                fwup_verifier_init(&f.v, &f.port);
                e = fwup_verifier_verify(&f.v, p, n, &f.pol);
                flips++;
                cr_assert_eq(e, e == FWUP_OK ? FWUP_OK : (enum fwup_err)f.v.diag.code);
                if (e != FWUP_OK)
                    continue;
                accepted++;
                /* The signed region: the manifest bstr and wrapper[0]. A flip
                 * there must never be accepted. (Elsewhere a flip may restore
                 * a tampered byte or turn a known kid into an unknown one,
                 * which the policy then ignores.) */
                cr_assert_not(in_span(k, ref.manifest_item) || in_span(k, ref.digest),
                              "%s: flip 0x%02x at %zu inside the signed region accepted",
                              all_vectors[i], masks[mi], k);
            }
        }
        free(p);
        free(full);
    }
    cr_assert_gt(flips, 10000);
    cr_log_info("%zu flips, %zu still accepted (outside the signed region)", flips, accepted);
    fx_release(&f);
}
