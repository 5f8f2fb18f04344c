/*
 * Constant-time check of fwup's secret compares, in the manner of Monocypher's
 * tests/ctgrind.c: the secret bytes are marked uninitialised with
 * VALGRIND_MAKE_MEM_UNDEFINED, the code under test runs under valgrind
 * memcheck, and memcheck reports every conditional jump (or memory address)
 * that depends on them. A compare with an early exit branches on the secret;
 * a constant-time one only produces an undefined RESULT, which becomes public
 * at the one accept/reject decision (tests/ct/run.sh tells the two apart by
 * where memcheck reports them).
 *
 *   ct_check MODE
 *
 * MODE:
 *   mac-equal, mac-differ   fwup_verifier_authenticate on a COSE_Mac0
 *       envelope (tests/vectors/multi-signer/example0-sign1-plus-mac0.suit,
 *       HMAC key tests/vectors/keys/hmac256-secret.bin): the crypto port's
 *       mac_compute output (the expected tag, a secret) and the envelope's
 *       tag bytes are undefined when auth.c compares them. -differ flips one
 *       bit of the computed tag (the envelope must then be refused).
 *   content-equal, content-differ   fwup_v_process on a crafted HMAC-
 *       authenticated manifest whose validate sequence is
 *       [override {18: content}, check-content 0]; the platform's read hook
 *       returns the component's bytes marked undefined (a secret the device
 *       holds). -differ stores a different last byte.
 *   host    fwup_ct_equal (CRYPTO_memcmp) and fwup_wipe of lib/common/secure.c
 *       on undefined bytes; the result is declassified before it is used.
 *   leaky   negative control: a memcmp-style compare with an early exit on
 *       the same undefined bytes. memcheck MUST report it (run.sh expects it).
 *
 * Exit status: 0, and "ct_check: outcome as expected" on stdout, when the
 * outcome (accepted / refused) is the expected one; what memcheck reports is
 * judged by tests/ct/run.sh.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "fwup/crypto.h"
#include "fwup/enc.h"
#include "fwup/processor.h"
#include "fwup/secure.h"
#include "fwup/verifier.h"

#ifndef FWUP_TEST_VECTORS
#error "FWUP_TEST_VECTORS must name tests/vectors"
#endif

/* Declassify: a value that is public by design (the verdict). */
#define PUBLIC(x) VALGRIND_MAKE_MEM_DEFINED(&(x), sizeof(x))

static int
die(const char *what)
{
    fprintf(stderr, "ct_check: %s\n", what);
    return 2;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        if (f)
            fclose(f);
        return NULL;
    }
    p = malloc((size_t)n + 1);
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* ---- the crypto port: OpenSSL, with the MAC it computes marked secret ---- */

struct ctport {
    struct fwup_v_crypto real;
    bool secret_mac; /* mark mac_compute's output undefined */
    bool flip;       /* and flip one bit of it (a wrong tag) */
};

static enum fwup_err
c_hash_init(void *ctx, int32_t alg)
{
    struct ctport *c = ctx;
    return c->real.hash_init(c->real.ctx, alg);
}

static enum fwup_err
c_hash_update(void *ctx, const uint8_t *d, size_t n)
{
    struct ctport *c = ctx;
    return c->real.hash_update(c->real.ctx, d, n);
}

static enum fwup_err
c_hash_final(void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    struct ctport *c = ctx;
    return c->real.hash_final(c->real.ctx, out, cap, out_len);
}

static enum fwup_err
c_sig_verify(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
             struct fwup_bytes sig)
{
    struct ctport *c = ctx;
    return c->real.sig_verify(c->real.ctx, alg, key, msg, sig);
}

static enum fwup_err
c_mac_compute(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
              uint8_t out[32])
{
    struct ctport *c = ctx;
    enum fwup_err e = c->real.mac_compute(c->real.ctx, alg, key, msg, out);

    if (e == FWUP_OK && c->flip)
        out[17] ^= 0x01;
    if (e == FWUP_OK && c->secret_mac)
        VALGRIND_MAKE_MEM_UNDEFINED(out, 32);
    return e;
}

/* ---- MAC tag compare (auth.c) ---- */

static int
mode_mac(bool differ)
{
    char path[1024];
    struct fwup_crypto *cr = NULL;
    struct ctport cp;
    struct fwup_v_crypto port = {&cp,         c_hash_init,  c_hash_update,
                                 c_hash_final, c_sig_verify, c_mac_compute};
    struct fwup_v_key key;
    struct fwup_v_anchor anchor = {&key, {NULL, 0}, 0};
    struct fwup_v_policy policy;
    struct fwup_verifier v;
    uint8_t *env;
    size_t len;
    enum fwup_err e;
    int rc;

    memset(&cp, 0, sizeof cp);
    memset(&policy, 0, sizeof policy);
    policy.anchors = &anchor;
    policy.n_anchors = 1;
    snprintf(path, sizeof path, "%s/keys/hmac256-secret.bin", FWUP_TEST_VECTORS);
    if (fwup_crypto_new(&cr) != FWUP_OK || fwup_key_load_hmac(path, &key, NULL) != FWUP_OK)
        return die("cannot load the HMAC key");
    fwup_crypto_port(cr, &cp.real);
    snprintf(path, sizeof path, "%s/multi-signer/example0-sign1-plus-mac0.suit",
             FWUP_TEST_VECTORS);
    env = slurp(path, &len);
    if (env == NULL)
        return die("cannot read the COSE_Mac0 envelope");
    fwup_verifier_init(&v, &port);
    if (fwup_verifier_parse(&v, env, len) != FWUP_OK)
        return die("envelope does not parse");
    /* The tag in the envelope: mark it secret too (the compare must not
     * branch on either side). Block 1 is the COSE_Mac0; its tag is the last
     * 32 bytes of the authentication wrapper. */
    if (v.n_blocks != 2 || v.blocks[1].kind != FWUP_V_BLOCK_MAC0)
        return die("unexpected vector: block 1 is not a COSE_Mac0");
    VALGRIND_MAKE_MEM_UNDEFINED(env + v.auth.off + v.auth.len - 32, 32);
    cp.secret_mac = true;
    cp.flip = differ;
    e = fwup_verifier_authenticate(&v, &policy);
    PUBLIC(e);
    cp.secret_mac = false;
    VALGRIND_MAKE_MEM_DEFINED(env, len);
    rc = (e == (differ ? FWUP_E_SIG_VERIFY : FWUP_OK)) ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, "ct_check: authenticate returned %d\n", (int)e);
    free(env);
    fwup_key_release(&key);
    fwup_crypto_free(cr);
    return rc;
}

/* ---- check-content (process.c) ---- */

#define CONTENT_LEN 40 /* more than one FWUP_V_CHUNK is not needed: 40 bytes */

static const uint8_t CONTENT[CONTENT_LEN] = "fwup check-content: a device secret!!!!";

/* shared = [override {1: vendor, 2: class}, vendor? 15, class? 15] */
static const uint8_t SHARED_OK[] = {
    0x86, 0x14, 0xa2, 0x01, 0x50, 0xfa, 0x6b, 0x4a, 0x53, 0xd5, 0xad, 0x5f, 0xdf, 0xbe, 0x9d,
    0xe6, 0x63, 0xe4, 0xd4, 0x1f, 0xfe, 0x02, 0x50, 0x14, 0x92, 0xaf, 0x14, 0x25, 0x69, 0x5e,
    0x48, 0xbf, 0x42, 0x9b, 0x2d, 0x51, 0xf2, 0xab, 0x45, 0x01, 0x0f, 0x02, 0x0f};

struct ctplat {
    uint8_t stored[CONTENT_LEN];
};

static enum fwup_err
p_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    (void)ctx;
    *ok = c->index == 0;
    return FWUP_OK;
}

static enum fwup_err
p_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes v, bool *ok)
{
    (void)ctx;
    (void)v;
    *ok = which != FWUP_V_IDENT_DEVICE;
    return FWUP_OK;
}

static enum fwup_err
p_check_sequence(void *ctx, uint64_t seq)
{
    (void)ctx;
    (void)seq;
    return FWUP_OK;
}

static enum fwup_err
p_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    (void)ctx;
    (void)c;
    (void)slot;
    *ok = false;
    return FWUP_OK;
}

static enum fwup_err
p_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    (void)ctx;
    (void)c;
    (void)uri;
    (void)size;
    return FWUP_E_FETCH;
}

static enum fwup_err
p_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    (void)ctx;
    (void)c;
    (void)size;
    return FWUP_E_DIRECTIVE_FAILED;
}

static enum fwup_err
p_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)c;
    (void)d;
    (void)n;
    return FWUP_E_DIRECTIVE_FAILED;
}

static enum fwup_err
p_write_end(void *ctx, const struct fwup_v_component *c)
{
    (void)ctx;
    (void)c;
    return FWUP_E_DIRECTIVE_FAILED;
}

static enum fwup_err
p_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    (void)ctx;
    (void)c;
    *size = CONTENT_LEN; /* public: the manifest states the length */
    return FWUP_OK;
}

static enum fwup_err
p_read(void *ctx, const struct fwup_v_component *c, uint64_t off, uint8_t *buf, size_t n)
{
    struct ctplat *p = ctx;

    (void)c;
    if (off > CONTENT_LEN || n > CONTENT_LEN - off)
        return FWUP_E_IO_READ;
    memcpy(buf, p->stored + off, n);
    VALGRIND_MAKE_MEM_UNDEFINED(buf, n); /* the device's secret */
    return FWUP_OK;
}

static enum fwup_err
p_copy(void *ctx, const struct fwup_v_component *d, const struct fwup_v_component *s)
{
    (void)ctx;
    (void)d;
    (void)s;
    return FWUP_E_DIRECTIVE_FAILED;
}

static enum fwup_err
p_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    (void)ctx;
    (void)c;
    (void)args;
    return FWUP_OK;
}

/* An envelope around {1: 1, 2: 1, 3: common, 7: validate}, authenticated
 * with COSE_Mac0 (HMAC 256/256) under `secret`. Returns the encoder that
 * holds it (release with fwup_enc_release). */
static int
build_envelope(const uint8_t *secret, size_t secret_len, struct fwup_enc *out)
{
    struct fwup_enc c, s, m, t, d, a, w;
    struct fwup_bytes cb, sb, mb, tb, db, ab, wb;
    uint8_t digest[32], tag[32];
    unsigned tag_len = 0;

    /* validate = [override {18: CONTENT}, check-content 15] */
    fwup_enc_init(&s, 0);
    fwup_enc_array(&s, 4);
    fwup_enc_uint(&s, 20);
    fwup_enc_map(&s, 1);
    fwup_enc_uint(&s, 18);
    fwup_enc_bstr(&s, CONTENT, CONTENT_LEN);
    fwup_enc_uint(&s, 6);
    fwup_enc_uint(&s, 15);
    sb = fwup_enc_bytes(&s);
    /* common = {2: [[h'00']], 4: bstr(shared)} */
    fwup_enc_init(&c, 0);
    fwup_enc_map(&c, 2);
    fwup_enc_uint(&c, 2);
    fwup_enc_array(&c, 1);
    fwup_enc_array(&c, 1);
    fwup_enc_bstr(&c, (const uint8_t *)"", 1);
    fwup_enc_uint(&c, 4);
    fwup_enc_bstr(&c, SHARED_OK, sizeof SHARED_OK);
    cb = fwup_enc_bytes(&c);
    fwup_enc_init(&m, 0);
    fwup_enc_map(&m, 4);
    fwup_enc_uint(&m, 1);
    fwup_enc_uint(&m, 1);
    fwup_enc_uint(&m, 2);
    fwup_enc_uint(&m, 1);
    fwup_enc_uint(&m, 3);
    fwup_enc_bstr(&m, cb.ptr, cb.len);
    fwup_enc_uint(&m, 7);
    fwup_enc_bstr(&m, sb.ptr, sb.len);
    mb = fwup_enc_bytes(&m);
    /* the manifest digest is over the whole bstr, head included */
    fwup_enc_init(&t, 0);
    fwup_enc_bstr(&t, mb.ptr, mb.len);
    tb = fwup_enc_bytes(&t);
    fwup_sha256(tb.ptr, tb.len, digest);
    fwup_enc_init(&d, 0);
    fwup_enc_array(&d, 2);
    fwup_enc_int(&d, -16);
    fwup_enc_bstr(&d, digest, 32);
    db = fwup_enc_bytes(&d);
    /* MAC_structure ["MAC0", h'a10105', h'', bstr(digest item)] */
    fwup_enc_init(&a, 0);
    fwup_enc_array(&a, 4);
    fwup_enc_tstr_z(&a, "MAC0");
    fwup_enc_bstr(&a, (const uint8_t *)"\xa1\x01\x05", 3);
    fwup_enc_bstr(&a, NULL, 0);
    fwup_enc_bstr(&a, db.ptr, db.len);
    ab = fwup_enc_bytes(&a);
    if (HMAC(EVP_sha256(), secret, (int)secret_len, ab.ptr, ab.len, tag, &tag_len) == NULL)
        return -1;
    fwup_enc_release(&a);
    fwup_enc_init(&a, 0);
    fwup_enc_tag(&a, 17);
    fwup_enc_array(&a, 4);
    fwup_enc_bstr(&a, (const uint8_t *)"\xa1\x01\x05", 3);
    fwup_enc_map(&a, 0);
    fwup_enc_null(&a);
    fwup_enc_bstr(&a, tag, tag_len);
    ab = fwup_enc_bytes(&a);
    fwup_enc_init(&w, 0);
    fwup_enc_array(&w, 2);
    fwup_enc_bstr(&w, db.ptr, db.len);
    fwup_enc_bstr(&w, ab.ptr, ab.len);
    wb = fwup_enc_bytes(&w);
    fwup_enc_init(out, 0);
    fwup_enc_tag(out, 107);
    fwup_enc_map(out, 2);
    fwup_enc_uint(out, 2);
    fwup_enc_bstr(out, wb.ptr, wb.len);
    fwup_enc_uint(out, 3);
    fwup_enc_bstr(out, mb.ptr, mb.len);
    fwup_enc_release(&a);
    fwup_enc_release(&w);
    fwup_enc_release(&c);
    fwup_enc_release(&s);
    fwup_enc_release(&m);
    fwup_enc_release(&t);
    fwup_enc_release(&d);
    return fwup_enc_error(out) == FWUP_OK ? 0 : -1;
}

static int
mode_content(bool differ)
{
    char path[1024];
    struct fwup_crypto *cr = NULL;
    struct ctport cp;
    struct fwup_v_crypto port = {&cp,         c_hash_init,  c_hash_update,
                                 c_hash_final, c_sig_verify, c_mac_compute};
    struct fwup_v_key key;
    struct fwup_v_anchor anchor = {&key, {NULL, 0}, 0};
    struct fwup_v_policy policy;
    static struct fwup_verifier v;
    static struct fwup_v_processor proc;
    struct ctplat pl;
    struct fwup_v_platform hooks = {
        .ctx = &pl,
        .component_ok = p_component_ok,
        .match_ident = p_match_ident,
        .check_sequence = p_check_sequence,
        .match_slot = p_match_slot,
        .fetch = p_fetch,
        .write_begin = p_write_begin,
        .write_chunk = p_write_chunk,
        .write_end = p_write_end,
        .size = p_size,
        .read = p_read,
        .copy = p_copy,
        .swap = p_copy,
        .invoke = p_invoke,
    };
    struct fwup_v_diag diag;
    struct fwup_enc env;
    struct fwup_bytes eb;
    uint8_t secret[64];
    size_t secret_len;
    FILE *f;
    enum fwup_err e;
    int rc;

    memset(&cp, 0, sizeof cp);
    memset(&policy, 0, sizeof policy);
    policy.anchors = &anchor;
    policy.n_anchors = 1;
    snprintf(path, sizeof path, "%s/keys/hmac256-secret.bin", FWUP_TEST_VECTORS);
    f = fopen(path, "rb");
    if (f == NULL)
        return die("cannot read the HMAC key");
    secret_len = fread(secret, 1, sizeof secret, f);
    fclose(f);
    if (fwup_crypto_new(&cr) != FWUP_OK || fwup_key_load_hmac(path, &key, NULL) != FWUP_OK)
        return die("cannot load the HMAC key");
    fwup_crypto_port(cr, &cp.real);
    if (build_envelope(secret, secret_len, &env) != 0)
        return die("cannot build the check-content envelope");
    fwup_wipe(secret, sizeof secret);
    eb = fwup_enc_bytes(&env);
    fwup_verifier_init(&v, &port);
    if (fwup_verifier_verify(&v, eb.ptr, eb.len, &policy) != FWUP_OK)
        return die("the check-content envelope does not authenticate");
    memcpy(pl.stored, CONTENT, CONTENT_LEN);
    if (differ)
        pl.stored[CONTENT_LEN - 1] ^= 0x80; /* the last byte: an early exit would pass all others */
    proc.require_ident = true;
    e = fwup_v_process(&v, FWUP_V_PROC_INVOKE, &hooks, &proc, &diag);
    PUBLIC(e);
    rc = (e == (differ ? FWUP_E_CONDITION_FAILED : FWUP_OK)) ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, "ct_check: process returned %d (diag code %u at %u)\n", (int)e,
                (unsigned)diag.code, (unsigned)diag.offset);
    fwup_enc_release(&env);
    fwup_key_release(&key);
    fwup_crypto_free(cr);
    return rc;
}

/* ---- host helpers (lib/common/secure.c) ---- */

static int
mode_host(void)
{
    uint8_t a[32], b[32];
    bool eq, ne;
    size_t i;

    for (i = 0; i < sizeof a; i++)
        a[i] = b[i] = (uint8_t)(i * 37u);
    VALGRIND_MAKE_MEM_UNDEFINED(a, sizeof a);
    eq = fwup_ct_equal(a, b, sizeof a);
    PUBLIC(eq);
    b[31] ^= 1;
    ne = fwup_ct_equal(a, b, sizeof a);
    PUBLIC(ne);
    /* wipe a secret: no branch on it, and the result is defined zeros */
    fwup_wipe(a, sizeof a);
    if (VALGRIND_CHECK_MEM_IS_DEFINED(a, sizeof a) != 0)
        return die("fwup_wipe left undefined bytes");
    for (i = 0; i < sizeof a; i++)
        if (a[i] != 0)
            return die("fwup_wipe left non-zero bytes");
    if (!eq || ne)
        return die("fwup_ct_equal gave the wrong answer");
    return 0;
}

/* ---- negative control: a compare that leaks ---- */

/* memcmp-style early exit: the loop stops at the first difference, so its
 * running time tells where that is. noinline so that the report names it. */
__attribute__((noinline)) static bool
leaky_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

static int
mode_leaky(void)
{
    uint8_t a[32], b[32];
    bool eq;

    for (size_t i = 0; i < sizeof a; i++)
        a[i] = b[i] = (uint8_t)i;
    VALGRIND_MAKE_MEM_UNDEFINED(a, sizeof a);
    eq = leaky_equal(a, b, sizeof a);
    PUBLIC(eq);
    return eq ? 0 : 1;
}

static int
dispatch(const char *m)
{
    if (strcmp(m, "mac-equal") == 0)
        return mode_mac(false);
    if (strcmp(m, "mac-differ") == 0)
        return mode_mac(true);
    if (strcmp(m, "content-equal") == 0)
        return mode_content(false);
    if (strcmp(m, "content-differ") == 0)
        return mode_content(true);
    if (strcmp(m, "host") == 0)
        return mode_host();
    if (strcmp(m, "leaky") == 0)
        return mode_leaky();
    fprintf(stderr, "usage: ct_check mac-equal|mac-differ|content-equal|content-differ|host|leaky\n");
    return 2;
}

int
main(int argc, char **argv)
{
    int rc;

    if (!RUNNING_ON_VALGRIND)
        fprintf(stderr, "ct_check: not under valgrind: nothing is checked (run tests/ct/run.sh)\n");
    rc = dispatch(argc == 2 ? argv[1] : "");
    if (rc == 0)
        printf("ct_check: outcome as expected\n");
    return rc;
}
