/*
 * Manifest processor (lib/verifier/process.c) on the draft-37 examples and
 * on crafted manifests, with a recording platform.
 *
 * The draft examples carry placeholder image digests (00112233...). To run
 * their image-match conditions for real, the test platform stores "virtual
 * images" (a byte pattern of the example's image size), and a crypto-port
 * wrapper answers the placeholder digest when, and only when, it hashed
 * exactly that pattern; everything else (manifest digests, signatures, MACs)
 * goes to the OpenSSL port untouched.
 */
#include <criterion/criterion.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "fwup/crypto.h"
#include "fwup/enc.h"
#include "fwup/processor.h"
#include "fwup/verifier.h"

TestSuite(process, .fini = fwup_test_leak_check);

/* ---- virtual images and the wrapping crypto port ------------------------- */

struct vimage {
    uint32_t seed;
    uint64_t size;
    uint8_t digest[32];
    const uint8_t *bytes; /* real content (a fetched dependency envelope), or NULL: pattern() */
};

static uint8_t
pattern(uint32_t seed, uint64_t k)
{
    return (uint8_t)((seed * 131u) + (uint32_t)(k * 7u) + (uint32_t)(k >> 9));
}

#define MAX_VIMAGES 6
struct wrap {
    struct fwup_crypto *real;
    struct fwup_v_crypto real_port;
    struct vimage img[MAX_VIMAGES];
    int n_img;
    /* the stream being hashed, checked against every virtual image */
    uint64_t hashed;
    uint32_t match_mask;
    /* a broken hash: every digest is `forced` (for the dependency-cycle guard) */
    bool force;
    uint8_t forced[32];
};

static enum fwup_err
w_hash_init(void *ctx, int32_t alg)
{
    struct wrap *w = ctx;
    w->hashed = 0;
    /* images with real bytes are hashed for real: no placeholder digest */
    w->match_mask = 0;
    for (int i = 0; i < w->n_img; i++)
        if (w->img[i].bytes == NULL)
            w->match_mask |= 1u << i;
    return w->real_port.hash_init(w->real_port.ctx, alg);
}

static enum fwup_err
w_hash_update(void *ctx, const uint8_t *d, size_t n)
{
    struct wrap *w = ctx;
    for (int i = 0; i < w->n_img; i++) {
        if ((w->match_mask & (1u << i)) == 0)
            continue;
        for (size_t k = 0; k < n; k++)
            if (d[k] != pattern(w->img[i].seed, w->hashed + k)) {
                w->match_mask &= ~(1u << i);
                break;
            }
    }
    w->hashed += n;
    return w->real_port.hash_update(w->real_port.ctx, d, n);
}

static enum fwup_err
w_hash_final(void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    struct wrap *w = ctx;
    enum fwup_err e = w->real_port.hash_final(w->real_port.ctx, out, cap, out_len);
    for (int i = 0; e == FWUP_OK && i < w->n_img; i++)
        if ((w->match_mask & (1u << i)) && w->hashed == w->img[i].size)
            memcpy(out, w->img[i].digest, 32);
    if (e == FWUP_OK && w->force)
        memcpy(out, w->forced, 32);
    return e;
}

static enum fwup_err
w_sig_verify(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
             struct fwup_bytes sig)
{
    struct wrap *w = ctx;
    return w->real_port.sig_verify(w->real_port.ctx, alg, key, msg, sig);
}

static enum fwup_err
w_mac(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
      uint8_t out[32])
{
    struct wrap *w = ctx;
    return w->real_port.mac_compute(w->real_port.ctx, alg, key, msg, out);
}

/* ---- the recording platform ---------------------------------------------- */

struct comp {
    bool present;
    uint32_t seed;
    uint64_t size;
    int64_t slot;
    const uint8_t *bytes; /* real content (a decrypted write), else the seed's pattern */
};

struct plat {
    struct wrap *w;
    struct comp c[FWUP_V_MAX_COMPONENTS];
    uint8_t vendor[16], klass[16];
    uint64_t stored_seq;
    int64_t target_slot;
    char log[1024];
    int side_effects;
    /* copy(dst <- src) may "transform" (decompress), modelled by a seed map */
    int xform_dst;
    uint32_t xform_seed;
    uint64_t xform_size;
    /* what a write with encryption-info stores (the platform's decryption
     * is modelled: the test knows the plaintext, FACTS.md fact 6) */
    const uint8_t *plain;
    size_t plain_len;
    uint64_t now; /* the now hook's answer */
    /* The view hook (memory-mapped components): VIEW_NONE answers
     * FWUP_E_UNSUPPORTED, VIEW_MAP maps the component, VIEW_BROKEN fails. */
    enum { VIEW_NONE, VIEW_MAP, VIEW_BROKEN } view_mode;
    uint8_t *mapped[FWUP_V_MAX_COMPONENTS]; /* the mappings handed out (freed by fx_release) */
    int views, reads;
    int idents; /* match_ident calls */
};

static void
logf_(struct plat *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
logf_(struct plat *p, const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(p->log);
    if (n > 0 && n < sizeof p->log - 1)
        p->log[n++] = ' ';
    va_start(ap, fmt);
    vsnprintf(p->log + n, sizeof p->log - n, fmt, ap);
    va_end(ap);
}

static uint32_t
seed_of(struct fwup_bytes uri)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < uri.len; i++)
        h = (h ^ uri.ptr[i]) * 16777619u;
    return h;
}

static enum fwup_err
p_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    (void)ctx;
    *ok = c->index < 4;
    return FWUP_OK;
}

static enum fwup_err
p_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes v, bool *ok)
{
    struct plat *p = ctx;
    const uint8_t *want = (which == FWUP_V_IDENT_VENDOR) ? p->vendor : p->klass;
    p->idents++;
    *ok = which != FWUP_V_IDENT_DEVICE && v.len == 16 && memcmp(v.ptr, want, 16) == 0;
    return FWUP_OK;
}

static enum fwup_err
p_check_sequence(void *ctx, uint64_t seq)
{
    struct plat *p = ctx;
    return seq < p->stored_seq ? FWUP_E_ROLLBACK : FWUP_OK;
}

static enum fwup_err
p_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    struct plat *p = ctx;
    (void)c;
    *ok = (int64_t)slot == p->target_slot;
    return FWUP_OK;
}

static struct vimage *
find_img(struct plat *p, uint32_t seed)
{
    for (int i = 0; i < p->w->n_img; i++)
        if (p->w->img[i].seed == seed)
            return &p->w->img[i];
    return NULL;
}

static enum fwup_err
p_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    struct plat *p = ctx;
    struct vimage *img = find_img(p, seed_of(uri));
    (void)size;
    p->side_effects++;
    if (c->slot >= 0)
        logf_(p, "fetch%u@%lld(%.*s)", c->index, (long long)c->slot, (int)uri.len,
              (const char *)uri.ptr);
    else
        logf_(p, "fetch%u(%.*s)", c->index, (int)uri.len, (const char *)uri.ptr);
    if (img == NULL)
        return FWUP_E_FETCH;
    p->c[c->index].present = true;
    p->c[c->index].seed = img->seed;
    p->c[c->index].size = img->size;
    p->c[c->index].slot = c->slot;
    p->c[c->index].bytes = img->bytes;
    return FWUP_OK;
}

static enum fwup_err
p_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    struct plat *p = ctx;
    p->side_effects++;
    p->c[c->index].present = true;
    p->c[c->index].size = size;
    p->c[c->index].seed = 0xffffffffu; /* real bytes, not a virtual image */
    p->c[c->index].bytes = NULL;
    if (c->enc_info.len > 0) {
        logf_(p, "write%u(%llu,enc%zu)", c->index, (unsigned long long)size, c->enc_info.len);
        if (p->plain != NULL) {
            p->c[c->index].bytes = p->plain;
            p->c[c->index].size = p->plain_len;
        }
    } else {
        logf_(p, "write%u(%llu)", c->index, (unsigned long long)size);
    }
    return FWUP_OK;
}

static enum fwup_err
p_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)c;
    (void)d;
    (void)n;
    return FWUP_OK;
}

static enum fwup_err
p_write_end(void *ctx, const struct fwup_v_component *c)
{
    (void)ctx;
    (void)c;
    return FWUP_OK;
}

static enum fwup_err
p_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    struct plat *p = ctx;
    *size = p->c[c->index].present ? p->c[c->index].size : 0;
    return FWUP_OK;
}

static enum fwup_err
p_read(void *ctx, const struct fwup_v_component *c, uint64_t off, uint8_t *buf, size_t n)
{
    struct plat *p = ctx;
    p->reads++;
    const struct comp *k = &p->c[c->index];
    cr_assert(k->present && off + n <= k->size, "read past the component");
    if (k->bytes != NULL) {
        memcpy(buf, k->bytes + off, n);
        return FWUP_OK;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern(k->seed, off + i);
    return FWUP_OK;
}

static enum fwup_err
p_copy(void *ctx, const struct fwup_v_component *dst, const struct fwup_v_component *src)
{
    struct plat *p = ctx;
    p->side_effects++;
    logf_(p, "copy%u<%u", dst->index, src->index);
    if (!p->c[src->index].present)
        return FWUP_E_DIRECTIVE_FAILED;
    p->c[dst->index] = p->c[src->index];
    if ((int)dst->index == p->xform_dst) {
        p->c[dst->index].seed = p->xform_seed;
        p->c[dst->index].size = p->xform_size;
    }
    return FWUP_OK;
}

static enum fwup_err
p_swap(void *ctx, const struct fwup_v_component *a, const struct fwup_v_component *b)
{
    struct plat *p = ctx;
    struct comp t = p->c[a->index];
    p->side_effects++;
    logf_(p, "swap%u<>%u", a->index, b->index);
    p->c[a->index] = p->c[b->index];
    p->c[b->index] = t;
    return FWUP_OK;
}

static enum fwup_err
p_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    struct plat *p = ctx;
    (void)args;
    logf_(p, "invoke%u", c->index);
    return FWUP_OK;
}

/* The component's bytes as one mapping (what XIP flash gives a device). */
static enum fwup_err
p_view(void *ctx, const struct fwup_v_component *c, struct fwup_bytes *out)
{
    struct plat *p = ctx;
    const struct comp *k = &p->c[c->index];
    p->views++;
    if (p->view_mode == VIEW_NONE)
        return FWUP_E_UNSUPPORTED;
    if (p->view_mode == VIEW_BROKEN)
        return FWUP_E_IO_READ;
    out->ptr = NULL;
    out->len = 0;
    if (!k->present)
        return FWUP_OK; /* empty: a view of length 0 */
    free(p->mapped[c->index]);
    p->mapped[c->index] = malloc(k->size + 1u);
    cr_assert_not_null(p->mapped[c->index]);
    for (uint64_t i = 0; i < k->size; i++)
        p->mapped[c->index][i] = k->bytes != NULL ? k->bytes[i] : pattern(k->seed, i);
    out->ptr = p->mapped[c->index];
    out->len = (size_t)k->size;
    return FWUP_OK;
}

static const struct fwup_v_platform platform_hooks = {
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
    .swap = p_swap,
    .invoke = p_invoke,
};

/* ---- fixture --------------------------------------------------------------- */

static const uint8_t ARM_VENDOR[16] = {0xfa, 0x6b, 0x4a, 0x53, 0xd5, 0xad, 0x5f, 0xdf,
                                       0xbe, 0x9d, 0xe6, 0x63, 0xe4, 0xd4, 0x1f, 0xfe};
static const uint8_t SUIT_CLASS[16] = {0x14, 0x92, 0xaf, 0x14, 0x25, 0x69, 0x5e, 0x48,
                                       0xbf, 0x42, 0x9b, 0x2d, 0x51, 0xf2, 0xab, 0x45};
/* The examples' two placeholder digests. */
static const uint8_t DIGEST0[32] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                    0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                    0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t DIGEST1[32] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba,
                                    0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
                                    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

struct fx {
    struct wrap w;
    struct fwup_v_crypto port;
    struct plat p;
    struct fwup_v_key key;
    struct fwup_v_anchor anchor;
    struct fwup_v_policy policy;
    struct fwup_verifier v;
    struct fwup_v_processor proc;
    struct fwup_v_diag diag;
    struct fwup_v_platform hooks;
    uint8_t *env;
    size_t env_len;
    uint8_t *dep_env; /* a dependency fetched by URI (fx_chain CH_BY_URI) */
    size_t dep_env_len;
};

static void
add_image(struct fx *f, const char *uri, uint64_t size, const uint8_t digest[32])
{
    struct fwup_bytes u = {(const uint8_t *)uri, strlen(uri)};
    struct vimage *im;
    cr_assert_lt(f->w.n_img, MAX_VIMAGES);
    im = &f->w.img[f->w.n_img++];
    memset(im, 0, sizeof *im);
    im->seed = seed_of(u);
    im->size = size;
    memcpy(im->digest, digest, 32);
}

/* Put a virtual image straight into component i (what is already installed). */
static void
preload(struct fx *f, uint32_t i, const char *uri)
{
    struct fwup_bytes u = {(const uint8_t *)uri, strlen(uri)};
    struct vimage *im = find_img(&f->p, seed_of(u));
    cr_assert_not_null(im);
    f->p.c[i].present = true;
    f->p.c[i].seed = im->seed;
    f->p.c[i].size = im->size;
}

static void
fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    cr_assert_eq(fwup_crypto_new(&f->w.real), FWUP_OK);
    fwup_crypto_port(f->w.real, &f->w.real_port);
    f->port.ctx = &f->w;
    f->port.hash_init = w_hash_init;
    f->port.hash_update = w_hash_update;
    f->port.hash_final = w_hash_final;
    f->port.sig_verify = w_sig_verify;
    f->port.mac_compute = w_mac;
    f->p.w = &f->w;
    f->hooks = platform_hooks;
    f->hooks.ctx = &f->p;
    memcpy(f->p.vendor, ARM_VENDOR, 16);
    memcpy(f->p.klass, SUIT_CLASS, 16);
    f->p.target_slot = 1;
    f->p.xform_dst = -1;
    f->proc.require_ident = true;
    /* the images the examples name, with their placeholder digests */
    add_image(f, "http://example.com/file.bin", 34768, DIGEST0);
    add_image(f, "http://example.com/file1.bin", 34768, DIGEST0);
    add_image(f, "http://example.com/file2.bin", 76834, DIGEST1);
    add_image(f, "http://example.com/very/long/path/to/file/file.bin", 34768, DIGEST0);
}

static void
fx_release(struct fx *f)
{
    fwup_key_release(&f->key);
    fwup_crypto_free(f->w.real);
    free(f->env);
    free(f->dep_env);
    for (int i = 0; i < FWUP_V_MAX_COMPONENTS; i++)
        free(f->p.mapped[i]);
}

/* Load an envelope and authenticate it with KEY-A (or an HMAC key). */
static void
fx_load(struct fx *f, const char *rel, const char *key_rel, bool hmac)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, key_rel);
    if (hmac)
        cr_assert_eq(fwup_key_load_hmac(path, &f->key, NULL), FWUP_OK);
    else
        cr_assert_eq(fwup_key_load_public(path, &f->key, NULL), FWUP_OK);
    f->anchor.key = &f->key;
    f->anchor.role = 0;
    f->policy.anchors = &f->anchor;
    f->policy.n_anchors = 1;
    snprintf(path, sizeof path, "%s/%s", FWUP_TEST_VECTORS, rel);
    f->env = fwup_test_slurp(path, &f->env_len);
    fwup_verifier_init(&f->v, &f->port);
    cr_assert_eq(fwup_verifier_verify(&f->v, f->env, f->env_len, &f->policy), FWUP_OK,
                 "%s does not authenticate", rel);
}

static enum fwup_err
fx_run(struct fx *f, enum fwup_v_procedure proc)
{
    memset(&f->diag, 0, sizeof f->diag);
    return fwup_v_process(&f->v, proc, &f->hooks, &f->proc, &f->diag);
}

/* ---- the draft examples (vectors FACTS.md "commands per sequence") ------- */

Test(process, example0_invoke_checks_the_image_then_invokes)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example0.suit", "draft37/example-pub.pem", false);
    preload(&f, 0, "http://example.com/file.bin");
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag code %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

Test(process, example0_invoke_refuses_a_tampered_image)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example0.suit", "draft37/example-pub.pem", false);
    preload(&f, 0, "http://example.com/file2.bin"); /* the wrong image */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.diag.suit_key, 7, "fails in validate");
    cr_assert_str_eq(f.p.log, "", "never invoked");
    fx_release(&f);
}

/* Example 0 on a device whose view hook answers `mode` (VIEW_MAP: it maps
 * its flash), with the image at `uri` installed in component 0 (NULL:
 * nothing installed). */
static void
fx_example0_viewed(struct fx *f, const char *uri, int mode)
{
    fx_init(f);
    fx_load(f, "draft37/example0.suit", "draft37/example-pub.pem", false);
    if (uri != NULL)
        preload(f, 0, uri);
    f->hooks.view = p_view;
    f->p.view_mode = mode;
}

/* A device that maps its flash: image-match hashes the mapping in one call
 * and never reads through the chunk buffer; the verdicts are the same. */
Test(process, image_match_hashes_a_mapped_component_in_place)
{
    struct fx f;
    fx_example0_viewed(&f, "http://example.com/file.bin", VIEW_MAP);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag code %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "invoke0");
    cr_assert_eq(f.p.views, 1);
    cr_assert_eq(f.p.reads, 0, "no chunked read when the component is mapped");
    cr_assert_eq(f.w.hashed, 34768, "the whole image, the signed image-size");
    fx_release(&f);
}

Test(process, image_match_refuses_a_tampered_mapped_image)
{
    struct fx f;
    fx_example0_viewed(&f, "http://example.com/file2.bin", VIEW_MAP); /* the wrong image */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.diag.suit_key, 7, "fails in validate");
    cr_assert_str_eq(f.p.log, "", "never invoked");
    fx_release(&f);
}

Test(process, image_match_fails_on_an_empty_or_short_mapping)
{
    struct fx f;
    fx_example0_viewed(&f, NULL, VIEW_MAP);
    /* nothing installed: a view of length 0, a failed condition, not a crash */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.p.reads, 0);
    /* one byte short of the signed image-size */
    preload(&f, 0, "http://example.com/file.bin");
    f.p.c[0].size = 34767;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_str_eq(f.p.log, "", "never invoked");
    fx_release(&f);
}

Test(process, image_match_reads_when_the_component_cannot_be_mapped)
{
    struct fx f;
    fx_example0_viewed(&f, "http://example.com/file.bin", VIEW_NONE); /* size + read */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag code %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "invoke0");
    cr_assert_eq(f.p.views, 1);
    cr_assert_eq(f.p.reads, (34768 + FWUP_V_CHUNK - 1) / FWUP_V_CHUNK);
    fx_release(&f);
}

Test(process, image_match_aborts_when_the_mapping_fails)
{
    struct fx f;
    fx_example0_viewed(&f, "http://example.com/file.bin", VIEW_BROKEN);
    /* A platform error is not a soft condition failure: the procedure stops. */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_IO_READ);
    cr_assert_eq(f.diag.code, FWUP_E_IO_READ);
    cr_assert_eq(f.diag.suit_key, 7);
    cr_assert_eq(f.p.reads, 0);
    cr_assert_str_eq(f.p.log, "", "never invoked");
    fx_release(&f);
}

Test(process, example1_update_fetches_and_checks)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example1.suit", "draft37/example-pub.pem", false);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "fetch0(http://example.com/file.bin)");
    fx_release(&f);
}

Test(process, example2_update_runs_the_severable_install)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example2.suit", "draft37/example-pub.pem", false);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "fetch0(http://example.com/very/long/path/to/file/file.bin)");
    fx_release(&f);
}

Test(process, example2_severed_cannot_update_but_can_boot)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example2-severed.suit", "draft37/example-pub.pem", false);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_SEVERED);
    cr_assert_eq(f.diag.suit_key, 20);
    cr_assert_eq(f.p.side_effects, 0, "nothing written before the failure");
    preload(&f, 0, "http://example.com/file.bin");
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

Test(process, example3_ab_update_picks_the_target_slot)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example3.suit", "draft37/example-pub.pem", false);
    /* slot 1 is the inactive one: branch 0 fails its slot condition */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "fetch0@1(http://example.com/file2.bin)");
    fx_release(&f);
}

Test(process, example3_ab_update_into_slot_0)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example3.suit", "draft37/example-pub.pem", false);
    f.p.target_slot = 0;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "fetch0@0(http://example.com/file1.bin)");
    fx_release(&f);
}

Test(process, example3_no_matching_slot_fails_the_try_each)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example3.suit", "draft37/example-pub.pem", false);
    f.p.target_slot = 7;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, example4_fetch_install_copy_and_load)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example4.suit", "draft37/example-pub.pem", false);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "fetch1(http://example.com/file.bin) copy0<1");
    /* load "decompresses" c0 into c2: the result is the 76834-byte image */
    f.p.log[0] = '\0';
    f.p.xform_dst = 2;
    f.p.xform_seed = f.w.img[2].seed;
    f.p.xform_size = 76834;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "copy2<0 invoke2");
    fx_release(&f);
}

Test(process, example5_two_images_one_after_the_other)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example5.suit", "draft37/example-pub.pem", false);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log,
                     "fetch0(http://example.com/file1.bin) fetch1(http://example.com/file2.bin)");
    f.p.log[0] = '\0';
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

/* ---- attacker-facing checks ------------------------------------------------ */

Test(process, wrong_vendor_is_rejected_before_any_side_effect)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example1.suit", "draft37/example-pub.pem", false);
    f.p.vendor[0] ^= 1;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, wrong_class_is_rejected_before_any_side_effect)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example5.suit", "draft37/example-pub.pem", false);
    f.p.klass[15] ^= 0x80;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.diag.suit_key, 4, "the shared sequence said no");
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, rollback_is_asked_of_the_platform_first)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example1.suit", "draft37/example-pub.pem", false);
    f.p.stored_seq = 2; /* example 1 has sequence number 1 */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_ROLLBACK);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, fetched_image_that_does_not_match_fails_the_update)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example1.suit", "draft37/example-pub.pem", false);
    f.w.img[0].digest[31] ^= 1; /* what the server delivers is not what was signed */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.diag.suit_key, 20, "install's image-match said no");
    fx_release(&f);
}

Test(process, an_inspected_context_is_never_processed)
{
    struct fx f;
    char path[512];
    fx_init(&f);
    snprintf(path, sizeof path, "%s/draft37/example1.suit", FWUP_TEST_VECTORS);
    f.env = fwup_test_slurp(path, &f.env_len);
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_parse(&f.v, f.env, f.env_len), FWUP_OK);
    cr_assert_eq(fwup_verifier_inspect(&f.v), FWUP_OK);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_NOT_AUTHENTICATED);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, an_unauthenticated_context_is_never_processed)
{
    struct fx f;
    fx_init(&f);
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_NOT_AUTHENTICATED);
    fx_release(&f);
}

/* ---- crafted manifests: one HMAC-authenticated envelope per case ---------- */

static struct fwup_bytes seal(struct fwup_enc *e, struct wrap *w, struct fwup_bytes manifest,
                              const char *member, struct fwup_bytes member_bytes,
                              uint8_t digest_out[32]);

/* One sequence of a crafted manifest: its manifest key and encoded commands. */
struct crafted_seq {
    int key;
    const uint8_t *cbor;
    size_t len;
};

/*
 * Build an envelope around a manifest whose common has ncomp components
 * [h'00'], [h'01'], ... and the given shared sequence, plus the sequences in
 * seqs (keys ascending; all encoded command arrays, given as raw CBOR), then
 * authenticate it with COSE_Mac0 (HMAC 256/256, the vectors' "aaa..." key).
 */
static void
fx_crafted_n(struct fx *f, const uint8_t *shared, size_t shared_len,
             const struct crafted_seq *seqs, size_t nseq, uint64_t ncomp)
{
    struct fwup_enc m, c, e;
    struct fwup_bytes mb, cb;
    uint8_t digest[32];
    char path[512];

    /* common = {2: [[h'00'], ...], 4: bstr(shared)} */
    fwup_enc_init(&c, 0);
    fwup_enc_map(&c, 2);
    fwup_enc_uint(&c, 2);
    fwup_enc_array(&c, ncomp);
    for (uint64_t i = 0; i < ncomp; i++) {
        uint8_t id = (uint8_t)i;
        fwup_enc_array(&c, 1);
        fwup_enc_bstr(&c, &id, 1);
    }
    fwup_enc_uint(&c, 4);
    fwup_enc_bstr(&c, shared, shared_len);
    cb = fwup_enc_bytes(&c);
    /* manifest = {1: 1, 2: 5, 3: bstr(common), key: bstr(seq), ...} */
    fwup_enc_init(&m, 0);
    fwup_enc_map(&m, 3 + nseq);
    fwup_enc_uint(&m, 1);
    fwup_enc_uint(&m, 1);
    fwup_enc_uint(&m, 2);
    fwup_enc_uint(&m, 5);
    fwup_enc_uint(&m, 3);
    fwup_enc_bstr(&m, cb.ptr, cb.len);
    for (size_t i = 0; i < nseq; i++) {
        fwup_enc_uint(&m, (uint64_t)seqs[i].key);
        fwup_enc_bstr(&m, seqs[i].cbor, seqs[i].len);
    }
    mb = fwup_enc_bytes(&m);
    /* digest over the bstr-wrapped manifest, COSE_Mac0, envelope: seal() */
    (void)seal(&e, &f->w, mb, NULL, (struct fwup_bytes){NULL, 0}, digest);
    cr_assert_eq(fwup_enc_take(&e, &f->env, &f->env_len), FWUP_OK);
    fwup_enc_release(&c);
    fwup_enc_release(&m);

    snprintf(path, sizeof path, "%s/keys/hmac256-secret.bin", FWUP_TEST_VECTORS);
    cr_assert_eq(fwup_key_load_hmac(path, &f->key, NULL), FWUP_OK);
    f->anchor.key = &f->key;
    f->policy.anchors = &f->anchor;
    f->policy.n_anchors = 1;
    fwup_verifier_init(&f->v, &f->port);
    cr_assert_eq(fwup_verifier_verify(&f->v, f->env, f->env_len, &f->policy), FWUP_OK,
                 "crafted envelope does not authenticate: %u at %u", f->v.diag.code,
                 f->v.diag.offset);
}

/* fx_crafted_n with one sequence at manifest key `key`. */
static void
fx_crafted(struct fx *f, const uint8_t *shared, size_t shared_len, int key, const uint8_t *seq,
           size_t seq_len, uint64_t ncomp)
{
    struct crafted_seq one = {key, seq, seq_len};
    fx_crafted_n(f, shared, shared_len, &one, 1, ncomp);
}

/* shared = [override {1: vendor, 2: class}, vendor? 15, class? 15] */
static const uint8_t SHARED_OK[] = {
    0x86, 0x14, 0xa2, 0x01, 0x50, 0xfa, 0x6b, 0x4a, 0x53, 0xd5, 0xad, 0x5f, 0xdf, 0xbe, 0x9d,
    0xe6, 0x63, 0xe4, 0xd4, 0x1f, 0xfe, 0x02, 0x50, 0x14, 0x92, 0xaf, 0x14, 0x25, 0x69, 0x5e,
    0x48, 0xbf, 0x42, 0x9b, 0x2d, 0x51, 0xf2, 0xab, 0x45, 0x01, 0x0f, 0x02, 0x0f};
/* shared without the class check */
static const uint8_t SHARED_NO_CLASS[] = {
    0x84, 0x14, 0xa1, 0x01, 0x50, 0xfa, 0x6b, 0x4a, 0x53, 0xd5, 0xad, 0x5f,
    0xdf, 0xbe, 0x9d, 0xe6, 0x63, 0xe4, 0xd4, 0x1f, 0xfe, 0x01, 0x0f};

Test(process, manifest_without_class_check_is_refused_by_default)
{
    static const uint8_t inv[] = {0x82, 0x17, 0x02}; /* [invoke 2] */
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_NO_CLASS, sizeof SHARED_NO_CLASS, 9, inv, sizeof inv, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_MISSING);
    cr_assert_str_eq(f.p.log, "");
    f.proc.require_ident = false; /* a device provisioned without identity */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

Test(process, unknown_command_rejects_before_any_side_effect)
{
    /* install = [write 0 ... ] preceded by a fetch would be a side effect: the
     * unknown command 30 after it must stop everything before the fetch. */
    static const uint8_t seq[] = {0x86, 0x14, 0xa1, 0x15, 0x61, 0x78, 0x15, 0x02, 0x18, 0x1e, 0x00};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 20, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_UNSUPPORTED_CMD);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, unknown_parameter_rejects_before_any_side_effect)
{
    /* install = [fetch 2, override {99: 0}] */
    static const uint8_t seq[] = {0x84, 0x15, 0x02, 0x14, 0xa1, 0x18, 0x63, 0x00};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 20, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_UNSUPPORTED_PARAM);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, directive_in_shared_sequence_is_refused)
{
    /* shared = SHARED_OK + [invoke 2]: a side effect where none may be */
    uint8_t shared[sizeof SHARED_OK + 2];
    static const uint8_t inv[] = {0x82, 0x17, 0x02};
    struct fx f;
    memcpy(shared, SHARED_OK, sizeof SHARED_OK);
    shared[0] = 0x88;
    shared[sizeof SHARED_OK] = 0x17;
    shared[sizeof SHARED_OK + 1] = 0x02;
    fx_init(&f);
    fx_crafted(&f, shared, sizeof shared, 9, inv, sizeof inv, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_SHARED_RULE);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

Test(process, try_each_nil_branch_makes_it_succeed)
{
    /* invoke = [try-each [bstr([abort 0]), nil], invoke 2] */
    static const uint8_t seq[] = {0x84, 0x0f, 0x82, 0x43, 0x82, 0x0e, 0x00, 0xf6, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

Test(process, try_each_with_every_branch_failing_fails)
{
    /* invoke = [try-each [bstr([abort 0]), bstr([abort 0])], invoke 2] */
    static const uint8_t seq[] = {0x84, 0x0f, 0x82, 0x43, 0x82, 0x0e, 0x00,
                                  0x43, 0x82, 0x0e, 0x00, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_str_eq(f.p.log, "", "invoke after a failed try-each must not run");
    fx_release(&f);
}

Test(process, run_sequence_with_soft_failure_continues)
{
    /* invoke = [run-sequence bstr([override {13: true}, abort 0]), invoke 2] */
    static const uint8_t seq[] = {0x84, 0x18, 0x20, 0x47, 0x84, 0x14, 0xa1,
                                  0x0d, 0xf5, 0x0e, 0x00, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "invoke0");
    fx_release(&f);
}

Test(process, run_sequence_without_soft_failure_fails)
{
    /* invoke = [run-sequence bstr([abort 0]), invoke 2] */
    static const uint8_t seq[] = {0x84, 0x18, 0x20, 0x43, 0x82, 0x0e, 0x00, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_CONDITION_FAILED);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

/* ---- the shared sequence again before each sequence (process.c SEEN_FRESH) */

/* validate = [override {21 (uri): "x"}]: writes a parameter the shared
 * sequence neither sets nor checks. invoke = [invoke 2]. */
static const uint8_t VALIDATE_URI[] = {0x82, 0x14, 0xa1, 0x15, 0x61, 0x78};
static const uint8_t INVOKE_2[] = {0x82, 0x17, 0x02};

static void p_record(void *ctx, int32_t section, uint32_t offset, uint32_t component,
                     int32_t command, enum fwup_err result, uint32_t rep_policy);

static void
fx_two_sequences(struct fx *f, const uint8_t *shared, size_t shared_len, const uint8_t *validate,
                 size_t validate_len, const uint8_t *invoke, size_t invoke_len)
{
    const struct crafted_seq seqs[] = {{7, validate, validate_len}, {9, invoke, invoke_len}};
    fx_crafted_n(f, shared, shared_len, seqs, 2, 1);
    f->hooks.record = p_record;
}

/* Run invoke: it succeeds with this log (records and hooks) after asking
 * the device's identity `idents` times. `what` names the case. */
static void
expect_invoke(struct fx *f, const char *log, int idents, const char *what)
{
    cr_assert_eq(fx_run(f, FWUP_V_PROC_INVOKE), FWUP_OK, "%s: diag %u at %u", what, f->diag.code,
                 f->diag.offset);
    cr_assert_str_eq(f->p.log, log, "%s", what);
    cr_assert_eq(f->p.idents, idents, "%s", what);
}

Test(process, replayable_shared_sequence_is_not_run_again)
{
    struct fx f;
    fx_init(&f);
    fx_two_sequences(&f, SHARED_OK, sizeof SHARED_OK, VALIDATE_URI, sizeof VALIDATE_URI, INVOKE_2,
                     sizeof INVOKE_2);
    /* vendor and class checked before validate; before invoke the shared
     * sequence would write the same two values and check them again */
    expect_invoke(&f, "r1@0 r2@0 invoke0 r23@0", 2, "replayable");
    fx_release(&f);
}

Test(process, shared_sequence_runs_again_after_a_sequence_overrides_its_parameters)
{
    /* validate = [override {1: a vendor id that is not the device's}];
     * invoke = [vendor? 15, invoke 2]: the shared sequence must set the
     * device's vendor id again before invoke, or invoke's check fails. */
    uint8_t validate[5 + 16] = {0x82, 0x14, 0xa1, 0x01, 0x50};
    static const uint8_t invoke[] = {0x84, 0x01, 0x0f, 0x17, 0x02};
    struct fx f;
    memset(validate + 5, 0x5a, 16);
    fx_init(&f);
    fx_two_sequences(&f, SHARED_OK, sizeof SHARED_OK, validate, sizeof validate, invoke,
                     sizeof invoke);
    expect_invoke(&f, "r1@0 r2@0 r1@0 r2@0 r1@0 invoke0 r23@0", 5, "vendor overridden");
    fx_release(&f);
}

Test(process, shared_sequence_that_is_not_replayable_runs_before_every_sequence)
{
    /* Each runs before invoke again:
     * 0: [override {1: vendor}, vendor? 15, override {2: class}, class? 15],
     *    a value written after a condition;
     * 1: SHARED_OK with set-parameters (19), which writes only what is unset;
     * 2: SHARED_OK + [try-each [bstr([vendor? 15]), nil]];
     * 3: [override {1: vendor, 2: class, 5 (slot): 1}, vendor? 15, class? 15,
     *    component-slot? 15]: a condition on more than the identity. */
    static const uint8_t try_each[] = {0x0f, 0x82, 0x43, 0x82, 0x01, 0x0f, 0xf6};
    static const uint8_t slot_tail[] = {0x01, 0x0f, 0x02, 0x0f, 0x05, 0x0f};
    uint8_t split[sizeof SHARED_OK + 2];
    uint8_t set[sizeof SHARED_OK];
    uint8_t tried[sizeof SHARED_OK + sizeof try_each];
    uint8_t slot[3 + 36 + 2 + sizeof slot_tail];
    const uint8_t *shared[] = {split, set, tried, slot};
    const size_t len[] = {sizeof split, sizeof set, sizeof tried, sizeof slot};
    static const char *const log[] = {
        "r1@0 r2@0 r1@0 r2@0 invoke0 r23@0",
        "r1@0 r2@0 r1@0 r2@0 invoke0 r23@0",
        "r1@0 r2@0 r1@0 r1@0 r2@0 r1@0 invoke0 r23@0",
        "r1@0 r2@0 r5@0 r1@0 r2@0 r5@0 invoke0 r23@0",
    };
    static const int idents[] = {4, 4, 6, 4};
    size_t n = 0;
    split[n++] = 0x88;
    split[n++] = 0x14;
    split[n++] = 0xa1;
    memcpy(split + n, SHARED_OK + 3, 18); /* 1: bstr(16) */
    n += 18;
    split[n++] = 0x01;
    split[n++] = 0x0f;
    split[n++] = 0x14;
    split[n++] = 0xa1;
    memcpy(split + n, SHARED_OK + 21, 18); /* 2: bstr(16) */
    n += 18;
    split[n++] = 0x02;
    split[n++] = 0x0f;
    cr_assert_eq(n, sizeof split);
    memcpy(set, SHARED_OK, sizeof SHARED_OK);
    set[1] = 0x13;
    memcpy(tried, SHARED_OK, sizeof SHARED_OK);
    tried[0] = 0x88;
    memcpy(tried + sizeof SHARED_OK, try_each, sizeof try_each);
    slot[0] = 0x88;
    slot[1] = 0x14;
    slot[2] = 0xa3;
    memcpy(slot + 3, SHARED_OK + 3, 36); /* 1: bstr(16), 2: bstr(16) */
    slot[39] = 0x05;
    slot[40] = 0x01;
    memcpy(slot + 41, slot_tail, sizeof slot_tail);
    static const char *const name[] = {"override after a condition", "set-parameters",
                                       "try-each", "component-slot"};
    for (int i = 0; i < 4; i++) {
        struct fx f;
        fx_init(&f);
        fx_two_sequences(&f, shared[i], len[i], VALIDATE_URI, sizeof VALIDATE_URI, INVOKE_2,
                         sizeof INVOKE_2);
        expect_invoke(&f, log[i], idents[i], name[i]);
        fx_release(&f);
    }
}

Test(process, soft_failure_at_top_level_is_an_error)
{
    /* invoke = [override {13: true}, invoke 2] */
    static const uint8_t seq[] = {0x84, 0x14, 0xa1, 0x0d, 0xf5, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_BAD_VALUE);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

Test(process, index_true_runs_a_directive_for_every_component)
{
    /* invoke = [set-index true, invoke 2] with 3 components */
    static const uint8_t seq[] = {0x84, 0x0c, 0xf5, 0x17, 0x02};
    /* with >1 component the shared sequence must select first too */
    uint8_t shared[sizeof SHARED_OK + 2];
    struct fx f;
    shared[0] = 0x88;
    shared[1] = 0x0c;
    shared[2] = 0xf5;
    memcpy(shared + 3, SHARED_OK + 1, sizeof SHARED_OK - 1);
    fx_init(&f);
    fx_crafted(&f, shared, sizeof shared, 9, seq, sizeof seq, 3);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "invoke0 invoke1 invoke2");
    fx_release(&f);
}

Test(process, index_array_selects_the_listed_components)
{
    /* invoke = [set-index [2, 0], invoke 2]: run in index order */
    static const uint8_t seq[] = {0x84, 0x0c, 0x82, 0x02, 0x00, 0x17, 0x02};
    uint8_t shared[sizeof SHARED_OK + 2];
    struct fx f;
    shared[0] = 0x88;
    shared[1] = 0x0c;
    shared[2] = 0xf5;
    memcpy(shared + 3, SHARED_OK + 1, sizeof SHARED_OK - 1);
    fx_init(&f);
    fx_crafted(&f, shared, sizeof shared, 9, seq, sizeof seq, 3);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_OK);
    cr_assert_str_eq(f.p.log, "invoke0 invoke2");
    fx_release(&f);
}

Test(process, several_components_require_set_index_first)
{
    static const uint8_t seq[] = {0x82, 0x17, 0x02}; /* [invoke 2], no set-index */
    uint8_t shared[sizeof SHARED_OK + 2];
    struct fx f;
    shared[0] = 0x88;
    shared[1] = 0x0c;
    shared[2] = 0x00;
    memcpy(shared + 3, SHARED_OK + 1, sizeof SHARED_OK - 1);
    fx_init(&f);
    fx_crafted(&f, shared, sizeof shared, 9, seq, sizeof seq, 2);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_SEQUENCE);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

Test(process, set_index_out_of_range_is_refused)
{
    static const uint8_t seq[] = {0x84, 0x0c, 0x05, 0x17, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_COMPONENT);
    fx_release(&f);
}

Test(process, nesting_beyond_the_stack_is_refused)
{
    /* run-sequence nested FWUP_V_MAX_DEPTH times: one frame more than the stack */
    uint8_t seq[64];
    size_t len = 3;
    struct fx f;
    seq[sizeof seq - 3] = 0x82;
    seq[sizeof seq - 2] = 0x17;
    seq[sizeof seq - 1] = 0x02;
    for (int i = 0; i < FWUP_V_MAX_DEPTH; i++) {
        uint8_t *p = seq + sizeof seq - len;
        /* [run-sequence(32) bstr(inner)] = 82 18 20 4x <inner> */
        p -= 4;
        p[0] = 0x82;
        p[1] = 0x18;
        p[2] = 0x20;
        p[3] = (uint8_t)(0x40 | len);
        len += 4;
    }
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 9, seq + sizeof seq - len, len, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_INVOKE), FWUP_E_LIMIT_DEPTH);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

Test(process, check_content_compares_the_component)
{
    /* install = [override {18: h'414243'}, write 0, check-content 0] */
    static const uint8_t seq[] = {0x86, 0x14, 0xa1, 0x12, 0x43, 0x41, 0x42,
                                  0x43, 0x12, 0x00, 0x06, 0x00};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 20, seq, sizeof seq, 1);
    /* the test platform's write stores no bytes (reads give a pattern), so
     * check-content must fail: it compares what is really there */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_str_eq(f.p.log, "write0(3)");
    fx_release(&f);
}

Test(process, missing_integrated_payload_fails_the_fetch)
{
    /* the crafted envelope has no "#x" member: fetch "#x" must fail cleanly */
    static const uint8_t seq[] = {0x84, 0x14, 0xa1, 0x15, 0x62, 0x23, 0x78, 0x15, 0x02};
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 20, seq, sizeof seq, 1);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_FETCH);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

/* ---- dependencies and trust domains ([TD] draft-ietf-suit-trust-domains) -- */

static enum fwup_err
p_now(void *ctx, uint64_t *t)
{
    *t = ((struct plat *)ctx)->now;
    return FWUP_OK;
}

/* Every command the processor runs, as r<command>@<component>, in order:
 * how the tests see commands that call no other hook (conditions, the
 * integrated fetch of a dependency, process-dependency). */
static void
p_record(void *ctx, int32_t section, uint32_t offset, uint32_t component, int32_t command,
         enum fwup_err result, uint32_t rep_policy)
{
    struct plat *p = ctx;
    (void)section;
    (void)offset;
    (void)rep_policy;
    logf_(p, "r%d@%u%s", command, component, result == FWUP_OK ? "" : "!");
}

/* FACTS.md: the dependent is signed by KEY-B, its integrated dependency
 * "#dependency-manifest" by KEY-A. The device policy used here: KEY-A is the
 * author (role 0), KEY-B the operator (role 1); the root must be the
 * operator's, dependencies the author's. */
struct twokeys {
    struct fwup_v_key a, b;
    struct fwup_v_anchor anchors[2];
};

static void
load_two_keys(struct fx *f, struct twokeys *k)
{
    char path[512];
    memset(k, 0, sizeof *k); /* anchors without component prefixes */
    snprintf(path, sizeof path, "%s/keys/key-a-pub.pem", FWUP_TEST_VECTORS);
    cr_assert_eq(fwup_key_load_public(path, &k->a, NULL), FWUP_OK);
    snprintf(path, sizeof path, "%s/keys/key-b-pub.pem", FWUP_TEST_VECTORS);
    cr_assert_eq(fwup_key_load_public(path, &k->b, NULL), FWUP_OK);
    k->anchors[0].key = &k->a;
    k->anchors[0].role = 0;
    k->anchors[1].key = &k->b;
    k->anchors[1].role = 1;
    f->policy.anchors = k->anchors;
    f->policy.n_anchors = 2;
    f->policy.require_roles = 1u << 1;     /* root: operator */
    f->policy.dep_require_roles = 1u << 0; /* dependencies: author */
}

static void
load_dependency_vector(struct fx *f, struct twokeys *k)
{
    char path[512];
    static const char plain[] = "This is a real firmware image.";
    load_two_keys(f, k);
    snprintf(path, sizeof path, "%s/encryption/suit-manifest-es-ecdh-dependency.suit",
             FWUP_TEST_VECTORS);
    f->env = fwup_test_slurp(path, &f->env_len);
    fwup_verifier_init(&f->v, &f->port);
    cr_assert_eq(fwup_verifier_verify(&f->v, f->env, f->env_len, &f->policy), FWUP_OK);
    f->proc.require_ident = false; /* the vector has no shared sequence */
    f->hooks.record = p_record;
    f->p.plain = (const uint8_t *)plain;
    f->p.plain_len = sizeof plain - 1;
}

Test(process, encryption_dependency_vector_runs_the_dependency_install)
{
    struct fx f;
    struct twokeys k;
    fx_init(&f);
    load_dependency_vector(&f, &k);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u key %d", f.diag.code,
                 f.diag.offset, f.diag.suit_key);
    /* dependent: set-index 0, set-index 1, fetch '#dependency-manifest' into
     * c1 (read in place: no write hook), dependency-integrity, process-
     * dependency; then the DEPENDENCY's shared sequence (set-index 0, its
     * digest and size) and its install, on the dependent's c0
     * (same identifier 'decrypted-firmware'): write of the 46-byte content
     * with the dependent's 140-byte encryption-info, and image-match of the
     * plaintext against the dependency's SHA-256 36921488... */
    cr_assert_str_eq(f.p.log,
                     "r12@0 r12@0 r21@1 r7@1 r11@1 r12@0 r12@0 write0(46,enc140) r18@0 r3@0");
    fwup_key_release(&k.a);
    fwup_key_release(&k.b);
    fx_release(&f);
}

Test(process, encryption_dependency_vector_wrong_plaintext_fails_image_match)
{
    struct fx f;
    struct twokeys k;
    fx_init(&f);
    load_dependency_vector(&f, &k);
    f.p.plain = (const uint8_t *)"This is a fake firmware image.";
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_CONDITION_FAILED);
    cr_assert_eq(f.diag.suit_key, 20, "the dependency's install said no");
    fwup_key_release(&k.a);
    fwup_key_release(&k.b);
    fx_release(&f);
}

Test(process, dependency_signed_by_the_wrong_role_is_refused_before_any_write)
{
    struct fx f;
    struct twokeys k;
    fx_init(&f);
    load_dependency_vector(&f, &k);
    /* the device wants dependencies from the operator: KEY-A is the author */
    f.policy.dep_require_roles = 1u << 1;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_POLICY_ROLE_MISSING);
    cr_assert_eq(f.p.side_effects, 0);
    cr_assert_str_eq(f.p.log, "", "refused in the dry run");
    fwup_key_release(&k.a);
    fwup_key_release(&k.b);
    fx_release(&f);
}

Test(process, dependency_without_a_trusted_key_is_refused)
{
    struct fx f;
    struct twokeys k;
    fx_init(&f);
    load_dependency_vector(&f, &k);
    /* The device knows only the operator's KEY-B: the root is fine; the
     * dependency's block (no kid) is tried against KEY-B, the one anchor of
     * its key type, and does not verify. The policy is read when the
     * procedure starts, so changing it here is what the device would hold. */
    f.policy.dep_require_roles = 0;
    f.policy.n_anchors = 1;
    k.anchors[0] = k.anchors[1];
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SIG_VERIFY, "diag %u", f.diag.code);
    cr_assert_eq(f.p.side_effects, 0);
    fwup_key_release(&k.a);
    fwup_key_release(&k.b);
    fx_release(&f);
}

/* ---- crafted dependency chains (HMAC-authenticated) ------------------------ */

/* Seal a manifest into a tagged envelope with a COSE_Mac0 (the vectors'
 * HMAC key), optionally one integrated member; digest_out = its manifest
 * digest (what a dependent must sign as the dependency's image-digest). */
static struct fwup_bytes
seal(struct fwup_enc *e, struct wrap *w, struct fwup_bytes manifest, const char *member,
     struct fwup_bytes member_bytes, uint8_t digest_out[32])
{
    struct fwup_enc t, d, a, wr;
    struct fwup_bytes tb, db, ab, wb;
    uint8_t tag[32], secret[32];
    unsigned tag_len = 0;

    memset(secret, 'a', sizeof secret);
    fwup_enc_init(&t, 0);
    fwup_enc_bstr(&t, manifest.ptr, manifest.len);
    tb = fwup_enc_bytes(&t);
    if (w->force)
        memcpy(digest_out, w->forced, 32);
    else
        fwup_sha256(tb.ptr, tb.len, digest_out);
    fwup_enc_init(&d, 0);
    fwup_enc_array(&d, 2);
    fwup_enc_int(&d, -16);
    fwup_enc_bstr(&d, digest_out, 32);
    db = fwup_enc_bytes(&d);
    fwup_enc_init(&a, 0);
    fwup_enc_array(&a, 4);
    fwup_enc_tstr_z(&a, "MAC0");
    fwup_enc_bstr(&a, (const uint8_t *)"\xa1\x01\x05", 3);
    fwup_enc_bstr(&a, NULL, 0);
    fwup_enc_bstr(&a, db.ptr, db.len);
    ab = fwup_enc_bytes(&a);
    cr_assert_not_null(HMAC(EVP_sha256(), secret, 32, ab.ptr, ab.len, tag, &tag_len));
    fwup_enc_release(&a);
    fwup_enc_init(&a, 0);
    fwup_enc_tag(&a, 17);
    fwup_enc_array(&a, 4);
    fwup_enc_bstr(&a, (const uint8_t *)"\xa1\x01\x05", 3);
    fwup_enc_map(&a, 0);
    fwup_enc_null(&a);
    fwup_enc_bstr(&a, tag, tag_len);
    ab = fwup_enc_bytes(&a);
    fwup_enc_init(&wr, 0);
    fwup_enc_array(&wr, 2);
    fwup_enc_bstr(&wr, db.ptr, db.len);
    fwup_enc_bstr(&wr, ab.ptr, ab.len);
    wb = fwup_enc_bytes(&wr);
    fwup_enc_init(e, 0);
    fwup_enc_tag(e, 107);
    fwup_enc_map(e, member != NULL ? 3 : 2);
    fwup_enc_uint(e, 2);
    fwup_enc_bstr(e, wb.ptr, wb.len);
    fwup_enc_uint(e, 3);
    fwup_enc_bstr(e, manifest.ptr, manifest.len);
    if (member != NULL) {
        fwup_enc_tstr_z(e, member);
        fwup_enc_bstr(e, member_bytes.ptr, member_bytes.len);
    }
    fwup_enc_release(&t);
    fwup_enc_release(&d);
    fwup_enc_release(&a);
    fwup_enc_release(&wr);
    return fwup_enc_bytes(e);
}

/* A SUIT_Digest [-16, bstr] as a bstr value. */
static void
enc_digest(struct fwup_enc *e, const uint8_t dig[32])
{
    uint8_t item[36] = {0x82, 0x2f, 0x58, 0x20};
    memcpy(item + 4, dig, 32);
    fwup_enc_bstr(e, item, sizeof item);
}

/*
 * A manifest with one component [h'00'] and, if dep_digest is set, a
 * dependency at index 1 (prefix [h'64']) bound to dep_digest and found at
 * uri. shared: the identity checks (root only, ident), the dependency's
 * digest and uri by set-parameters ([TD] §8.1 template), optionally
 * use-before. install: the raw sequence given.
 */
struct mdef {
    bool ident;
    const uint8_t *dep_digest;
    const char *uri;
    uint64_t use_before; /* 0: none */
    const uint8_t *resolution; /* dependency-resolution (15) raw sequence or NULL */
    size_t resolution_len;
    const uint8_t *install;
    size_t install_len;
    /* the dependency's metadata {1: prefix}: NULL for [h'64'] ("d"), else
     * this raw CBOR item (NULL prefix_len 0 and prefix non-NULL: {}) */
    const uint8_t *prefix;
    size_t prefix_len;
};

static struct fwup_bytes
mk_manifest(struct fwup_enc *m, struct fwup_enc *c, struct fwup_enc *sh, const struct mdef *d)
{
    struct fwup_bytes shb, cb;
    uint64_t n = 0;

    fwup_enc_init(sh, 0);
    fwup_enc_array(sh, 4u + (d->ident ? 4u : 0u) + (d->use_before ? 2u : 0u) +
                           (d->dep_digest ? 4u : 2u));
    fwup_enc_uint(sh, 12);
    fwup_enc_uint(sh, 0);
    fwup_enc_uint(sh, 20);
    if (d->ident) {
        fwup_enc_map(sh, d->use_before ? 4 : 3);
        fwup_enc_uint(sh, 1);
        fwup_enc_bstr(sh, ARM_VENDOR, 16);
        fwup_enc_uint(sh, 2);
        fwup_enc_bstr(sh, SUIT_CLASS, 16);
    } else {
        fwup_enc_map(sh, d->use_before ? 2 : 1);
    }
    if (d->use_before) {
        fwup_enc_uint(sh, 4);
        fwup_enc_uint(sh, d->use_before);
    }
    fwup_enc_uint(sh, 5); /* a harmless parameter so the map is never empty */
    fwup_enc_uint(sh, 0);
    if (d->ident) {
        fwup_enc_uint(sh, 1);
        fwup_enc_uint(sh, 15);
        fwup_enc_uint(sh, 2);
        fwup_enc_uint(sh, 15);
    }
    if (d->use_before) {
        fwup_enc_uint(sh, 4);
        fwup_enc_uint(sh, 15);
    }
    if (d->dep_digest) {
        fwup_enc_uint(sh, 12);
        fwup_enc_uint(sh, 1);
        fwup_enc_uint(sh, 19);
        fwup_enc_map(sh, 2);
        fwup_enc_uint(sh, 3);
        enc_digest(sh, d->dep_digest);
        fwup_enc_uint(sh, 21);
        fwup_enc_tstr_z(sh, d->uri);
    } else {
        fwup_enc_uint(sh, 12); /* a no-op pair keeps the count simple */
        fwup_enc_uint(sh, 0);
    }
    shb = fwup_enc_bytes(sh);
    fwup_enc_init(c, 0);
    fwup_enc_map(c, d->dep_digest ? 3 : 2);
    if (d->dep_digest) {
        fwup_enc_uint(c, 1);
        fwup_enc_map(c, 1);
        fwup_enc_uint(c, 1);
        if (d->prefix == NULL) {
            fwup_enc_map(c, 1);
            fwup_enc_uint(c, 1);
            fwup_enc_array(c, 1);
            fwup_enc_bstr(c, (const uint8_t *)"d", 1);
        } else if (d->prefix_len == 0) {
            fwup_enc_map(c, 0);
        } else {
            fwup_enc_map(c, 1);
            fwup_enc_uint(c, 1);
            fwup_enc_raw(c, d->prefix, d->prefix_len);
        }
    }
    fwup_enc_uint(c, 2);
    fwup_enc_array(c, 1);
    fwup_enc_array(c, 1);
    fwup_enc_bstr(c, (const uint8_t *)"\x00", 1);
    fwup_enc_uint(c, 4);
    fwup_enc_bstr(c, shb.ptr, shb.len);
    cb = fwup_enc_bytes(c);
    fwup_enc_init(m, 0);
    n = 3 + (d->resolution ? 1u : 0u) + (d->install ? 1u : 0u);
    fwup_enc_map(m, n);
    fwup_enc_uint(m, 1);
    fwup_enc_uint(m, 1);
    fwup_enc_uint(m, 2);
    fwup_enc_uint(m, 5);
    fwup_enc_uint(m, 3);
    fwup_enc_bstr(m, cb.ptr, cb.len);
    if (d->resolution) {
        fwup_enc_uint(m, 15);
        fwup_enc_bstr(m, d->resolution, d->resolution_len);
    }
    if (d->install) {
        fwup_enc_uint(m, 20);
        fwup_enc_bstr(m, d->install, d->install_len);
    }
    return fwup_enc_bytes(m);
}

enum {
    CH_BAD_DIGEST = 1,   /* the root signs a digest the dependency does not have */
    CH_MISSING = 2,      /* the root's uri names no envelope member */
    CH_NO_INTEGRITY = 4, /* process-dependency without dependency-integrity */
    CH_OVERRIDE = 8,     /* the leaf overrides content instead of set-parameters */
    CH_NO_PREFIX = 16,   /* the root's dependency (index 1, beyond components): metadata {} */
    CH_PREFIX_EMPTY = 32, /* ... dependency-prefix [] */
    CH_PREFIX_TEXT = 64,  /* ... dependency-prefix ["d"] (tstr, not bstr) */
    CH_BY_URI = 128,      /* the leaf is fetched from DEP_URI, not integrated */
};

#define DEP_URI "http://example.com/dependency.suit"

/*
 * root -> mids intermediate dependencies -> leaf, each integrated in its
 * dependent's envelope under "#d". The leaf's install writes `content` into
 * c0 [h'00'], which the root sets to "root" with set-parameters before it
 * processes the dependency.
 */
static void
fx_chain(struct fx *f, int mids, unsigned flags, uint64_t use_before)
{
    static const uint8_t leaf_set[] = {0x84, 0x13, 0xa1, 0x12, 0x43, 'd', 'e', 'p', 0x12, 0x0f};
    static const uint8_t leaf_ovr[] = {0x84, 0x14, 0xa1, 0x12, 0x43, 'd', 'e', 'p', 0x12, 0x0f};
    static const uint8_t mid_install[] = {0x86, 0x0c, 0x01, 0x07, 0x0f, 0x0b, 0x0f};
    static const uint8_t root_install[] = {0x8e, 0x0c, 0x00, 0x13, 0xa1, 0x12, 0x44, 'r',
                                           'o',  'o',  't',  0x0c, 0x01, 0x07, 0x0f, 0x0b,
                                           0x0f, 0x0c, 0x00, 0x12, 0x0f};
    static const uint8_t root_install_noint[] = {0x8a, 0x0c, 0x00, 0x13, 0xa1, 0x12, 0x44,
                                                 'r',  'o',  'o',  't',  0x0c, 0x01, 0x0b,
                                                 0x0f, 0x0c, 0x00};
    static const uint8_t resolution[] = {0x88, 0x0c, 0x01, 0x15, 0x0f, 0x07, 0x0f, 0x0b, 0x0f};
    static const uint8_t resolution_noint[] = {0x86, 0x0c, 0x01, 0x15, 0x0f, 0x0b, 0x0f};
    struct fwup_enc m, c, sh, prev, e;
    struct fwup_bytes mb, none = {NULL, 0};
    struct mdef d;
    uint8_t dig[32], nd[32];
    char path[512];

    memset(&d, 0, sizeof d);
    d.install = (flags & CH_OVERRIDE) ? leaf_ovr : leaf_set;
    d.install_len = sizeof leaf_set;
    mb = mk_manifest(&m, &c, &sh, &d);
    seal(&prev, &f->w, mb, NULL, none, dig);
    fwup_enc_release(&m);
    fwup_enc_release(&c);
    fwup_enc_release(&sh);
    for (int k = 0; k < mids; k++) {
        memset(&d, 0, sizeof d);
        d.dep_digest = dig;
        d.uri = "#d";
        d.install = mid_install;
        d.install_len = sizeof mid_install;
        mb = mk_manifest(&m, &c, &sh, &d);
        seal(&e, &f->w, mb, "#d", fwup_enc_bytes(&prev), nd);
        fwup_enc_release(&m);
        fwup_enc_release(&c);
        fwup_enc_release(&sh);
        fwup_enc_release(&prev);
        prev = e;
        memcpy(dig, nd, 32);
    }
    if (flags & CH_BAD_DIGEST)
        dig[0] ^= 1;
    memset(&d, 0, sizeof d);
    d.ident = true;
    d.dep_digest = dig;
    d.uri = (flags & CH_MISSING) ? "#nope" : (flags & CH_BY_URI) ? DEP_URI : "#d";
    d.use_before = use_before;
    if (flags & CH_NO_PREFIX)
        d.prefix = (const uint8_t *)"";
    else if (flags & CH_PREFIX_EMPTY)
        d.prefix = (const uint8_t *)"\x80", d.prefix_len = 1;
    else if (flags & CH_PREFIX_TEXT)
        d.prefix = (const uint8_t *)"\x81\x61" "d", d.prefix_len = 3;
    d.resolution = (flags & CH_NO_INTEGRITY) ? resolution_noint : resolution;
    d.resolution_len = (flags & CH_NO_INTEGRITY) ? sizeof resolution_noint : sizeof resolution;
    d.install = (flags & CH_NO_INTEGRITY) ? root_install_noint : root_install;
    d.install_len = (flags & CH_NO_INTEGRITY) ? sizeof root_install_noint : sizeof root_install;
    mb = mk_manifest(&m, &c, &sh, &d);
    if (flags & CH_BY_URI) {
        seal(&e, &f->w, mb, NULL, none, nd);
        cr_assert_eq(fwup_enc_take(&prev, &f->dep_env, &f->dep_env_len), FWUP_OK);
        add_image(f, DEP_URI, f->dep_env_len, dig);
        f->w.img[f->w.n_img - 1].bytes = f->dep_env;
    } else {
        seal(&e, &f->w, mb, "#d", fwup_enc_bytes(&prev), nd);
        fwup_enc_release(&prev);
    }
    cr_assert_eq(fwup_enc_take(&e, &f->env, &f->env_len), FWUP_OK);
    fwup_enc_release(&m);
    fwup_enc_release(&c);
    fwup_enc_release(&sh);

    snprintf(path, sizeof path, "%s/keys/hmac256-secret.bin", FWUP_TEST_VECTORS);
    cr_assert_eq(fwup_key_load_hmac(path, &f->key, NULL), FWUP_OK);
    f->anchor.key = &f->key;
    f->policy.anchors = &f->anchor;
    f->policy.n_anchors = 1;
    fwup_verifier_init(&f->v, &f->port);
    cr_assert_eq(fwup_verifier_verify(&f->v, f->env, f->env_len, &f->policy), FWUP_OK,
                 "crafted root does not authenticate: %u at %u", f->v.diag.code,
                 f->v.diag.offset);
}

Test(process, dependency_round_trip_and_set_parameters_never_overrides)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, 0, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u key %d", f.diag.code,
                 f.diag.offset, f.diag.suit_key);
    /* The leaf's set-parameters left the root's "root" (4 bytes) in place,
     * and the write the root does after process-dependency sees the same
     * parameters (OPEN-QUESTIONS 10: shared by identifier, persisting). */
    cr_assert_str_eq(f.p.log, "write0(4) write0(4)");
    fx_release(&f);
}

Test(process, dependency_override_parameters_wins_and_persists)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, CH_OVERRIDE, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "write0(3) write0(3)");
    fx_release(&f);
}

Test(process, two_level_dependency_chain_runs)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 1, 0, 0); /* root -> mid -> leaf: FWUP_V_MAX_DEP_DEPTH (2) levels */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    cr_assert_str_eq(f.p.log, "write0(4) write0(4)");
    fx_release(&f);
}

Test(process, dependency_chain_beyond_the_limit_is_refused_before_any_write)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, FWUP_V_MAX_DEP_DEPTH, 0, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_LIMIT_DEPTH);
    cr_assert_eq(f.p.side_effects, 0);
    cr_assert_str_eq(f.p.log, "");
    fx_release(&f);
}

Test(process, dependency_digest_mismatch_is_refused_before_any_write)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, CH_BAD_DIGEST, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_IMAGE_DIGEST);
    cr_assert_eq(f.diag.suit_key, 15, "found by dependency-resolution's integrity check");
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, missing_integrated_dependency_is_refused_before_any_write)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, CH_MISSING, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_FETCH);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

/* A dependency fetched by URI ([TD] template: dependency-resolution =
 * set-index 1, fetch, dependency-integrity, process-dependency) on a device
 * that maps components. The dry run cannot judge what the fetch has not
 * brought yet; the real run checks it once fetched, before running it. */
static void
fx_uri_dependency(struct fx *f, unsigned flags)
{
    fx_chain(f, 0, CH_BY_URI | flags, 0);
    f->hooks.view = p_view;
    f->p.view_mode = VIEW_MAP;
}

Test(process, dependency_fetched_by_uri_runs)
{
    struct fx f;
    fx_init(&f);
    fx_uri_dependency(&f, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u key %d", f.diag.code,
                 f.diag.offset, f.diag.suit_key);
    cr_assert_str_eq(f.p.log, "fetch1(" DEP_URI ") write0(4) write0(4)");
    cr_assert_gt(f.p.views, 0, "read through the view hook");
    fx_release(&f);
}

Test(process, dependency_fetched_by_uri_ignores_what_the_component_held_before)
{
    /* c1 holds something else (an earlier attempt, another version): the
     * dry run must not judge it; the fetch replaces it. */
    struct fx f;
    fx_init(&f);
    fx_uri_dependency(&f, 0);
    preload(&f, 1, "http://example.com/file.bin");
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u key %d", f.diag.code,
                 f.diag.offset, f.diag.suit_key);
    cr_assert_str_eq(f.p.log, "fetch1(" DEP_URI ") write0(4) write0(4)");
    fx_release(&f);
}

Test(process, dependency_fetched_by_uri_is_checked_before_it_runs)
{
    /* 0: the root signs another digest; 1: process-dependency without
     * dependency-integrity; 2: the dependency's key is not trusted. Each is
     * refused right after the fetch, before install writes anything. */
    static const unsigned flags[] = {CH_BAD_DIGEST, CH_NO_INTEGRITY, 0};
    static const enum fwup_err want[] = {FWUP_E_IMAGE_DIGEST, FWUP_E_SUIT_DEPENDENCY,
                                         FWUP_E_POLICY_ROLE_MISSING};
    for (int i = 0; i < 3; i++) {
        struct fx f;
        fx_init(&f);
        fx_uri_dependency(&f, flags[i]);
        if (i == 2)
            f.policy.dep_require_roles = 1u << 1; /* the leaf is signed as role 0 */
        cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), want[i], "case %d: %u", i, f.diag.code);
        cr_assert_eq(f.diag.suit_key, 15, "case %d: dependency-resolution", i);
        cr_assert_str_eq(f.p.log, "fetch1(" DEP_URI ")", "case %d", i);
        fx_release(&f);
    }
}

Test(process, dependency_beyond_the_components_needs_a_component_identifier)
{
    /* Index 1 is not in `components`: its dependency-prefix is the only
     * identifier the platform's hooks would get for it. Missing, empty or
     * not an array of bstr: refused before anything runs. */
    static const unsigned cases[] = {CH_NO_PREFIX, CH_PREFIX_EMPTY, CH_PREFIX_TEXT};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx f;
        fx_init(&f);
        fx_chain(&f, 0, cases[i], 0);
        cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_DEPENDENCY, "case %zu: %u", i,
                     f.diag.code);
        cr_assert_eq(f.p.side_effects, 0, "case %zu", i);
        cr_assert_str_eq(f.p.log, "", "case %zu", i);
        fx_release(&f);
    }
}

Test(process, dependency_processed_without_integrity_check_is_refused)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, CH_NO_INTEGRITY, 0);
    /* [TD] §5.6.2 (OPEN-QUESTIONS 20, strict reading): never run a
     * dependency whose integrity was not checked in this procedure. */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_DEPENDENCY);
    cr_assert_eq(f.diag.suit_key, 15);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, dependency_cycle_is_refused)
{
    /* With an honest hash a manifest cannot contain its own digest; with a
     * broken one (every digest equal) the leaf "is" the root: the chain
     * check must stop it rather than loop. */
    struct fx f;
    fx_init(&f);
    f.w.force = true;
    memset(f.w.forced, 0x5a, sizeof f.w.forced);
    fx_chain(&f, 0, 0, 0);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_DEPENDENCY);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, use_before_passes_until_the_time_and_expires_after)
{
    struct fx f;
    fx_init(&f);
    fx_chain(&f, 0, 0, 1700000000u);
    f.hooks.now = p_now;
    f.p.now = 1700000000u; /* "not after this time": the last second still counts */
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    f.p.log[0] = '\0';
    f.p.side_effects = 0;
    f.p.now = 1700000001u;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_EXPIRED);
    cr_assert_eq(f.diag.suit_key, 4, "the shared sequence said no");
    cr_assert_eq(f.p.side_effects, 0);
    /* no clock: an expiry that cannot be checked is not met */
    f.hooks.now = NULL;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_EXPIRED);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);
}

Test(process, is_dependency_selects_dependencies_under_index_true)
{
    /* [TD] §8.4 pattern: index true, try-each { is-dependency,
     * dependency-integrity, process-dependency } { set content, write }:
     * c0 (an image) takes the second branch, c1 (the dependency) the first. */
    static const uint8_t inst[] = {
        0x84, 0x0c, 0xf5, 0x0f, 0x82,
        /* branch 1: [8 15, 7 15, 11 15] */
        0x47, 0x86, 0x08, 0x0f, 0x07, 0x0f, 0x0b, 0x0f,
        /* branch 2: [20 {18: "img"}, 18 15] */
        0x4a, 0x84, 0x14, 0xa1, 0x12, 0x43, 'i', 'm', 'g', 0x12, 0x0f};
    struct fx f;
    struct mdef d;
    struct fwup_enc m, c, sh, leaf, e;
    struct fwup_bytes mb, none = {NULL, 0};
    uint8_t dig[32], rd[32];
    static const uint8_t leaf_set[] = {0x84, 0x13, 0xa1, 0x12, 0x43, 'd', 'e', 'p', 0x12, 0x0f};
    char path[512];

    fx_init(&f);
    memset(&d, 0, sizeof d);
    d.install = leaf_set;
    d.install_len = sizeof leaf_set;
    mb = mk_manifest(&m, &c, &sh, &d);
    seal(&leaf, &f.w, mb, NULL, none, dig);
    fwup_enc_release(&m);
    fwup_enc_release(&c);
    fwup_enc_release(&sh);
    memset(&d, 0, sizeof d);
    d.ident = true;
    d.dep_digest = dig;
    d.uri = "#d";
    d.install = inst;
    d.install_len = sizeof inst;
    mb = mk_manifest(&m, &c, &sh, &d);
    seal(&e, &f.w, mb, "#d", fwup_enc_bytes(&leaf), rd);
    cr_assert_eq(fwup_enc_take(&e, &f.env, &f.env_len), FWUP_OK);
    fwup_enc_release(&m);
    fwup_enc_release(&c);
    fwup_enc_release(&sh);
    fwup_enc_release(&leaf);
    snprintf(path, sizeof path, "%s/keys/hmac256-secret.bin", FWUP_TEST_VECTORS);
    cr_assert_eq(fwup_key_load_hmac(path, &f.key, NULL), FWUP_OK);
    f.anchor.key = &f.key;
    f.policy.anchors = &f.anchor;
    f.policy.n_anchors = 1;
    fwup_verifier_init(&f.v, &f.port);
    cr_assert_eq(fwup_verifier_verify(&f.v, f.env, f.env_len, &f.policy), FWUP_OK);
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u at %u", f.diag.code,
                 f.diag.offset);
    /* c0: "img" written; c1: the leaf's set-parameters on ITS c0 (= the
     * root's c0 by identifier) does not replace "img" */
    cr_assert_str_eq(f.p.log, "write0(3) write0(3)");
    fx_release(&f);
}

/* ---- fwup_v_check: the dry run alone, no device --------------------------- */

static enum fwup_err
fx_check(struct fx *f, enum fwup_v_procedure proc)
{
    memset(&f->diag, 0, sizeof f->diag);
    return fwup_v_check(&f->v, proc, &f->proc, &f->diag);
}

Test(process, check_passes_the_draft_example_without_calling_the_device)
{
    struct fx f;
    fx_init(&f);
    fx_load(&f, "draft37/example0.suit", "draft37/example-pub.pem", false);
    f.hooks.record = p_record;
    f.proc.require_ident = true;
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_INVOKE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_str_eq(f.p.log, "");
    cr_assert_eq(f.p.side_effects + f.p.idents + f.p.views + f.p.reads, 0);
    fx_release(&f);
}

Test(process, check_refuses_what_the_processor_refuses_with_the_same_diag)
{
    /* install = [override {21: "x"}, fetch 2, command 30]; and a shared
     * sequence without the class check */
    static const uint8_t seq[] = {0x86, 0x14, 0xa1, 0x15, 0x61, 0x78, 0x15, 0x02, 0x18, 0x1e, 0x00};
    static const uint8_t inv[] = {0x82, 0x17, 0x02};
    struct fwup_v_diag checked;
    struct fx f;
    fx_init(&f);
    fx_crafted(&f, SHARED_OK, sizeof SHARED_OK, 20, seq, sizeof seq, 1);
    f.proc.require_ident = true;
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_UNSUPPORTED_CMD);
    checked = f.diag;
    cr_assert_eq(fx_run(&f, FWUP_V_PROC_UPDATE), FWUP_E_SUIT_UNSUPPORTED_CMD);
    cr_assert(checked.offset == f.diag.offset && checked.suit_key == f.diag.suit_key &&
              checked.scope == f.diag.scope);
    cr_assert_eq(f.p.side_effects, 0);
    fx_release(&f);

    fx_init(&f);
    fx_crafted(&f, SHARED_NO_CLASS, sizeof SHARED_NO_CLASS, 9, inv, sizeof inv, 1);
    f.proc.require_ident = true;
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_INVOKE), FWUP_E_SUIT_MISSING);
    f.proc.require_ident = false;
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_INVOKE), FWUP_OK);
    fx_release(&f);
}

Test(process, check_authenticates_integrated_dependencies_and_leaves_fetched_ones)
{
    struct fx f;
    struct twokeys k;
    fx_init(&f);
    load_dependency_vector(&f, &k);
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    f.policy.dep_require_roles = 1u << 1; /* the dependency is the author's (role 0) */
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_UPDATE), FWUP_E_POLICY_ROLE_MISSING);
    cr_assert_str_eq(f.p.log, "");
    fwup_key_release(&k.a);
    fwup_key_release(&k.b);
    fx_release(&f);

    /* Fetched by URI: not in the envelope, so not checkable here, even with
     * a digest that the device will refuse. */
    fx_init(&f);
    fx_uri_dependency(&f, CH_BAD_DIGEST);
    cr_assert_eq(fx_check(&f, FWUP_V_PROC_UPDATE), FWUP_OK, "diag %u", f.diag.code);
    cr_assert_eq(f.p.side_effects + f.p.views, 0);
    fx_release(&f);
}
