/*
 * bench/vcount: the embedded verifier on one draft-37 example, for counting
 * instructions with valgrind --tool=callgrind (bench/run.sh).
 *
 *   vcount VECTORS_DIR N [map]
 *
 * With "map" the stand-in device has memory-mapped components (the view
 * hook answers, as on a part with execute-in-place flash) and image-match
 * hashes each image in one call; without it, through the read hook in
 * FWUP_V_CHUNK-byte chunks.
 *
 * Everything the device would do for example N happens inside vc_run():
 * parse + authenticate + decode the envelope (fwup_verifier_verify), then
 * the manifest processor on a recording platform: the procedures of
 * tests/process/test_process.c for that example (0: invoke; 1, 2, 3: update;
 * 4, 5: update, then invoke). Loading the key and the file, and OpenSSL's
 * own start-up, happen outside, so callgrind --toggle-collect=vc_run counts
 * the verifier alone.
 *
 * Crypto and the platform are reached only through the function pointers of
 * struct fwup_v_crypto and struct fwup_v_platform; here those are port_* and
 * plat_* functions, so callgrind's inclusive cost of port_* is the crypto
 * (the OpenSSL port: SHA-256 of manifest and images, ECDSA verify) and of
 * plat_* the stand-in device; the rest of vc_run is SUIT logic.
 *
 * The draft examples carry placeholder image digests (00112233...): the
 * platform's components hold zeros of the image's size, and port_hash_final
 * answers the placeholder digest when it has just hashed exactly that many
 * bytes of an image (the same stand-in as tests/process; manifest digests and
 * signatures are real). The cost of hashing those bytes is counted as crypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwup/crypto.h"
#include "fwup/processor.h"
#include "fwup/verifier.h"

/* ---- crypto port: the OpenSSL port, plus the placeholder digests ---- */

static const uint8_t DIGEST0[32] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                    0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                    0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t DIGEST1[32] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba,
                                    0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

struct wrap {
    struct fwup_v_crypto real;
    uint64_t hashed;
};

static enum fwup_err
port_hash_init(void *ctx, int32_t alg)
{
    struct wrap *w = ctx;

    w->hashed = 0;
    return w->real.hash_init(w->real.ctx, alg);
}

static enum fwup_err
port_hash_update(void *ctx, const uint8_t *d, size_t n)
{
    struct wrap *w = ctx;

    w->hashed += n;
    return w->real.hash_update(w->real.ctx, d, n);
}

static enum fwup_err
port_hash_final(void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    struct wrap *w = ctx;
    enum fwup_err e = w->real.hash_final(w->real.ctx, out, cap, out_len);

    if (e == FWUP_OK && w->hashed == 34768)
        memcpy(out, DIGEST0, 32);
    else if (e == FWUP_OK && w->hashed == 76834)
        memcpy(out, DIGEST1, 32);
    return e;
}

static enum fwup_err
port_sig_verify(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
                struct fwup_bytes sig)
{
    struct wrap *w = ctx;

    return w->real.sig_verify(w->real.ctx, alg, key, msg, sig);
}

static enum fwup_err
port_mac_compute(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
                 uint8_t out[32])
{
    struct wrap *w = ctx;

    return w->real.mac_compute(w->real.ctx, alg, key, msg, out);
}

/* ---- recording platform: a device that has what the examples name ---- */

static const uint8_t ARM_VENDOR[16] = {0xfa, 0x6b, 0x4a, 0x53, 0xd5, 0xad, 0x5f, 0xdf,
                                       0xbe, 0x9d, 0xe6, 0x63, 0xe4, 0xd4, 0x1f, 0xfe};
static const uint8_t SUIT_CLASS[16] = {0x14, 0x92, 0xaf, 0x14, 0x25, 0x69, 0x5e, 0x48,
                                       0xbf, 0x42, 0x9b, 0x2d, 0x51, 0xf2, 0xab, 0x45};

struct plat {
    uint64_t size[FWUP_V_MAX_COMPONENTS]; /* content length (zeros) per component */
    bool mapped; /* "map": components are memory-mapped (the view hook answers) */
    unsigned n_records;
    unsigned fetches, writes, copies, invokes;
};

static enum fwup_err
plat_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    (void)ctx;
    *ok = c->index < 4;
    return FWUP_OK;
}

static enum fwup_err
plat_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes v, bool *ok)
{
    const uint8_t *want = which == FWUP_V_IDENT_VENDOR ? ARM_VENDOR : SUIT_CLASS;

    (void)ctx;
    *ok = which != FWUP_V_IDENT_DEVICE && v.len == 16 && memcmp(v.ptr, want, 16) == 0;
    return FWUP_OK;
}

static enum fwup_err
plat_check_sequence(void *ctx, uint64_t seq)
{
    (void)ctx;
    (void)seq;
    return FWUP_OK;
}

static enum fwup_err
plat_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    (void)ctx;
    (void)c;
    *ok = slot == 1; /* the inactive slot of an A/B device */
    return FWUP_OK;
}

static uint64_t
size_of_uri(struct fwup_bytes uri)
{
    static const char f2[] = "http://example.com/file2.bin";

    return uri.len == sizeof f2 - 1 && memcmp(uri.ptr, f2, uri.len) == 0 ? 76834 : 34768;
}

static enum fwup_err
plat_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    struct plat *p = ctx;

    (void)size;
    p->fetches++;
    p->size[c->index] = size_of_uri(uri);
    return FWUP_OK;
}

static enum fwup_err
plat_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    struct plat *p = ctx;

    p->writes++;
    p->size[c->index] = size;
    return FWUP_OK;
}

static enum fwup_err
plat_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)c;
    (void)d;
    (void)n;
    return FWUP_OK;
}

static enum fwup_err
plat_write_end(void *ctx, const struct fwup_v_component *c)
{
    (void)ctx;
    (void)c;
    return FWUP_OK;
}

static enum fwup_err
plat_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    struct plat *p = ctx;

    *size = p->size[c->index];
    return FWUP_OK;
}

static enum fwup_err
plat_read(void *ctx, const struct fwup_v_component *c, uint64_t off, uint8_t *buf, size_t n)
{
    (void)ctx;
    (void)c;
    (void)off;
    memset(buf, 0, n);
    return FWUP_OK;
}

/* A device whose flash is memory-mapped (XIP): image-match hashes in place. */
static enum fwup_err
plat_view(void *ctx, const struct fwup_v_component *c, struct fwup_bytes *out)
{
    static const uint8_t zeros[80 * 1024];
    struct plat *p = ctx;

    if (!p->mapped || p->size[c->index] > sizeof zeros)
        return FWUP_E_UNSUPPORTED;
    out->ptr = zeros;
    out->len = (size_t)p->size[c->index];
    return FWUP_OK;
}

static enum fwup_err
plat_copy(void *ctx, const struct fwup_v_component *dst, const struct fwup_v_component *src)
{
    struct plat *p = ctx;

    p->copies++;
    /* example 4: load "decompresses" component 0 into 2 (the 76834-byte image) */
    p->size[dst->index] = dst->index == 2 ? 76834 : p->size[src->index];
    return FWUP_OK;
}

static enum fwup_err
plat_swap(void *ctx, const struct fwup_v_component *a, const struct fwup_v_component *b)
{
    struct plat *p = ctx;
    uint64_t t = p->size[a->index];

    p->size[a->index] = p->size[b->index];
    p->size[b->index] = t;
    return FWUP_OK;
}

static enum fwup_err
plat_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    struct plat *p = ctx;

    (void)c;
    (void)args;
    p->invokes++;
    return FWUP_OK;
}

static void
plat_record(void *ctx, int32_t section, uint32_t offset, uint32_t component, int32_t command,
            enum fwup_err result, uint32_t rep_policy)
{
    struct plat *p = ctx;

    (void)section;
    (void)offset;
    (void)component;
    (void)command;
    (void)result;
    (void)rep_policy;
    p->n_records++;
}

/* ---- the measured part ---- */

struct run {
    const uint8_t *env;
    size_t len;
    const struct fwup_v_policy *policy;
    const struct fwup_v_crypto *port;
    const struct fwup_v_platform *hooks;
    int example;
};

static struct fwup_verifier v;
static struct fwup_v_processor proc;

__attribute__((noinline)) enum fwup_err vc_run(const struct run *r);

__attribute__((noinline)) enum fwup_err
vc_run(const struct run *r)
{
    struct fwup_v_diag diag;
    enum fwup_err e;

    fwup_verifier_init(&v, r->port);
    e = fwup_verifier_verify(&v, r->env, r->len, r->policy);
    if (e != FWUP_OK)
        return e;
    proc.require_ident = true;
    if (r->example == 0)
        return fwup_v_process(&v, FWUP_V_PROC_INVOKE, r->hooks, &proc, &diag);
    e = fwup_v_process(&v, FWUP_V_PROC_UPDATE, r->hooks, &proc, &diag);
    if (e == FWUP_OK && r->example >= 4)
        e = fwup_v_process(&v, FWUP_V_PROC_INVOKE, r->hooks, &proc, &diag);
    return e;
}

int
main(int argc, char **argv)
{
    static uint8_t env[64 * 1024];
    char path[4096];
    struct fwup_crypto *cr = NULL;
    struct wrap w;
    struct fwup_v_crypto port = {&w,          port_hash_init,  port_hash_update,
                                 port_hash_final, port_sig_verify, port_mac_compute};
    struct plat p;
    struct fwup_v_platform hooks = {
        .ctx = &p,
        .component_ok = plat_component_ok,
        .match_ident = plat_match_ident,
        .check_sequence = plat_check_sequence,
        .match_slot = plat_match_slot,
        .fetch = plat_fetch,
        .write_begin = plat_write_begin,
        .write_chunk = plat_write_chunk,
        .write_end = plat_write_end,
        .size = plat_size,
        .read = plat_read,
        .view = plat_view,
        .copy = plat_copy,
        .swap = plat_swap,
        .invoke = plat_invoke,
        .record = plat_record,
    };
    struct fwup_v_key key;
    struct fwup_v_anchor anchor;
    struct fwup_v_policy policy;
    struct run r;
    enum fwup_err e;
    FILE *f;
    size_t len;

    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "map") != 0)) {
        fprintf(stderr, "usage: vcount VECTORS_DIR N [map]\n");
        return 2;
    }
    memset(&p, 0, sizeof p);
    p.mapped = (argc == 4);
    memset(&r, 0, sizeof r);
    memset(&policy, 0, sizeof policy);
    r.example = (int)(strtol(argv[2], NULL, 10) % 10);
    if (r.example == 0)
        p.size[0] = 34768; /* secure boot: the image is already installed */
    snprintf(path, sizeof path, "%s/draft37/example-pub.pem", argv[1]);
    if (fwup_crypto_new(&cr) != FWUP_OK || fwup_key_load_public(path, &key, NULL) != FWUP_OK) {
        fprintf(stderr, "vcount: cannot load %s\n", path);
        return 1;
    }
    fwup_crypto_port(cr, &w.real);
    anchor.key = &key;
    anchor.role = 0;
    anchor.prefixes.ptr = NULL;
    anchor.prefixes.len = 0;
    policy.anchors = &anchor;
    policy.n_anchors = 1;
    snprintf(path, sizeof path, "%s/draft37/example%d.suit", argv[1], r.example);
    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    len = fread(env, 1, sizeof env, f);
    fclose(f);
    r.env = env;
    r.len = len;
    r.policy = &policy;
    r.port = &port;
    r.hooks = &hooks;
    /* OpenSSL's lazy start-up (provider, algorithm fetch) outside vc_run. */
    {
        uint8_t d[64];
        size_t dl;

        if (w.real.hash_init(w.real.ctx, -16) != FWUP_OK ||
            w.real.hash_final(w.real.ctx, d, sizeof d, &dl) != FWUP_OK)
            return 1;
    }
    e = vc_run(&r);
    printf("example%d: %s, %u records, fetch %u write %u copy %u invoke %u\n", r.example,
           e == FWUP_OK ? "ok" : "FAILED", p.n_records, p.fetches, p.writes, p.copies, p.invokes);
    fwup_key_release(&key);
    fwup_crypto_free(cr);
    return e == FWUP_OK ? 0 : 1;
}
