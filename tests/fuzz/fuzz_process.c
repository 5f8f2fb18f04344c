/*
 * Fuzz target: the manifest processor (fwup/processor.h) over arbitrary
 * envelopes. The permissive port (permissive.h) gets any well-formed
 * manifest past authentication; fwup_v_process then runs the update and the
 * invoke procedure on an in-memory device whose answers are pure functions
 * of what it is asked (match_ident of the value, check_sequence of the
 * number, fetch of the URI), so that every path, failed conditions included,
 * is reachable and every run is reproducible.
 *
 * Invariants (FUZZ_CHECK aborts):
 *  - the result equals the diag's code; hooks only ever see components the
 *    device has, and reads stay inside the size the platform reported;
 *  - records name a sequence key and a parameter slot;
 *  - processor.h's promise: a manifest refused for what the dry run checks
 *    (unsupported command or parameter, a directive in the shared
 *    sequence) has had no hook with a side effect called. Not asserted for
 *    manifests with dependencies: a dependency fetched by URI during the
 *    run cannot be walked before it exists;
 *  - the working state is cleared where the processor says it is: a run
 *    on a struct fwup_v_processor filled with 0xa5 behaves exactly like a
 *    run on a zeroed one (same result, diag, hooks and records, in order);
 *  - fwup_v_check (the dry run alone, `fwup verify --device-check`) agrees
 *    with the processor on a device that has every component: what it
 *    refuses, the run refuses with the same code and diag; what it passes,
 *    the run does not refuse for a reason the dry run decides. Manifests
 *    with dependencies apart (a fetched one is left to the device).
 */
#include <string.h>

#include "fuzz.h"
#include "fwup/processor.h"
#include "fwup/verifier.h"
#include "permissive.h"

#define CAP 512 /* bytes a component of the fuzz device holds */

struct device {
    uint8_t data[FWUP_V_MAX_COMPONENTS][CAP];
    size_t len[FWUP_V_MAX_COMPONENTS];
    size_t writing; /* bytes written since write_begin */
    uint64_t trace;  /* FNV-1a over every hook call and its arguments */
    unsigned side_effects, records, calls;
};

static void
mix(struct device *d, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        d->trace = (d->trace ^ b[i]) * 1099511628211u;
}

static void
event(struct device *d, int what, uint32_t comp, uint64_t arg)
{
    mix(d, &what, sizeof what);
    mix(d, &comp, sizeof comp);
    mix(d, &arg, sizeof arg);
    d->calls++;
}

static uint32_t
comp_of(const struct fwup_v_component *c)
{
    FUZZ_CHECK(c != NULL && c->index < FWUP_V_MAX_COMPONENTS);
    FUZZ_CHECK(c->id.ptr != NULL && c->id.len > 0);
    return c->index;
}

static enum fwup_err
h_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    event(ctx, 1, comp_of(c), c->id.len);
    *ok = true;
    return FWUP_OK;
}

/* A pure function of the value (processor.h: match_ident must answer the
 * same for the same value throughout a procedure). */
static enum fwup_err
h_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes value, bool *ok)
{
    event(ctx, 2, (uint32_t)which, value.len);
    *ok = value.len > 0 && value.ptr[0] != 0; /* the draft examples' ids match */
    return FWUP_OK;
}

static enum fwup_err
h_check_sequence(void *ctx, uint64_t seq)
{
    event(ctx, 3, 0, seq);
    return seq % 8 == 7 ? FWUP_E_ROLLBACK : FWUP_OK;
}

static enum fwup_err
h_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    event(ctx, 4, comp_of(c), slot);
    *ok = slot == 1;
    return FWUP_OK;
}

static enum fwup_err
h_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);
    uint64_t h = 14695981039346656037u;

    event(d, 5, i, size);
    d->side_effects++;
    for (size_t k = 0; k < uri.len; k++)
        h = (h ^ uri.ptr[k]) * 1099511628211u;
    /* The draft's images (34 kB and more) are cut to what a component
     * holds: image-match then fails as a condition, on the size. */
    d->len[i] = size == 0 ? 37 : size > CAP ? CAP : (size_t)size;
    for (size_t k = 0; k < d->len[i]; k++)
        d->data[i][k] = (uint8_t)(h >> (8 * (k % 8)));
    return FWUP_OK;
}

static enum fwup_err
h_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);

    event(d, 6, i, size);
    d->side_effects++;
    d->writing = 0;
    d->len[i] = 0;
    return size > CAP ? FWUP_E_LIMIT_BUFFER : FWUP_OK;
}

static enum fwup_err
h_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *data, size_t len)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);

    event(d, 7, i, len);
    mix(d, data, len);
    d->side_effects++;
    if (len > CAP - d->writing)
        return FWUP_E_LIMIT_BUFFER;
    memcpy(d->data[i] + d->writing, data, len);
    d->writing += len;
    d->len[i] = d->writing;
    return FWUP_OK;
}

static enum fwup_err
h_write_end(void *ctx, const struct fwup_v_component *c)
{
    event(ctx, 8, comp_of(c), 0);
    ((struct device *)ctx)->side_effects++;
    return FWUP_OK;
}

static enum fwup_err
h_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);

    event(d, 9, i, d->len[i]);
    *size = d->len[i];
    return FWUP_OK;
}

static enum fwup_err
h_read(void *ctx, const struct fwup_v_component *c, uint64_t offset, uint8_t *buf, size_t len)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);

    event(d, 10, i, offset);
    /* The processor reads only what `size` said is there. */
    FUZZ_CHECK(offset <= d->len[i] && len <= d->len[i] - offset);
    memcpy(buf, d->data[i] + offset, len);
    return FWUP_OK;
}

static enum fwup_err
h_copy(void *ctx, const struct fwup_v_component *dst, const struct fwup_v_component *src)
{
    struct device *d = ctx;
    uint32_t a = comp_of(dst), b = comp_of(src);

    event(d, 11, a, b);
    d->side_effects++;
    memmove(d->data[a], d->data[b], d->len[b]);
    d->len[a] = d->len[b];
    return FWUP_OK;
}

static enum fwup_err
h_swap(void *ctx, const struct fwup_v_component *x, const struct fwup_v_component *y)
{
    struct device *d = ctx;
    uint32_t a = comp_of(x), b = comp_of(y);
    uint8_t tmp[CAP];
    size_t n = d->len[a];

    event(d, 12, a, b);
    d->side_effects++;
    memcpy(tmp, d->data[a], n);
    memmove(d->data[a], d->data[b], d->len[b]);
    d->len[a] = d->len[b];
    memcpy(d->data[b], tmp, n);
    d->len[b] = n;
    return FWUP_OK;
}

static enum fwup_err
h_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    struct device *d = ctx;

    event(d, 13, comp_of(c), args.len);
    mix(d, args.ptr, args.len);
    d->side_effects++;
    return FWUP_OK;
}

static enum fwup_err
h_now(void *ctx, uint64_t *t)
{
    event(ctx, 14, 0, 0);
    *t = 1700000000u;
    return FWUP_OK;
}

/* Even components are memory-mapped, odd ones are read through read(). */
static enum fwup_err
h_view(void *ctx, const struct fwup_v_component *c, struct fwup_bytes *out)
{
    struct device *d = ctx;
    uint32_t i = comp_of(c);

    event(d, 15, i, d->len[i]);
    if (i % 2 != 0)
        return FWUP_E_UNSUPPORTED;
    out->ptr = d->data[i];
    out->len = d->len[i];
    return FWUP_OK;
}

static bool
is_sequence_key(int32_t key)
{
    if (key == 4) /* the shared sequence, its key in SUIT_Common */
        return true;
    for (int s = 0; s < FWUP_V_N_SEQ; s++)
        if (fwup_verifier_slot_key((enum fwup_v_seq_slot)s) == key)
            return true;
    return false;
}

static void
h_record(void *ctx, int32_t section, uint32_t offset, uint32_t component, int32_t command,
         enum fwup_err result, uint32_t rep_policy)
{
    struct device *d = ctx;

    FUZZ_CHECK(is_sequence_key(section));
    FUZZ_CHECK(component < FWUP_V_MAX_COMPONENTS);
    event(d, 16, component, ((uint64_t)(uint32_t)section << 32) | offset);
    mix(d, &command, sizeof command);
    mix(d, &result, sizeof result);
    mix(d, &rep_policy, sizeof rep_policy);
    d->records++;
}

static const struct fwup_v_platform platform = {
    .component_ok = h_component_ok,
    .match_ident = h_match_ident,
    .check_sequence = h_check_sequence,
    .match_slot = h_match_slot,
    .fetch = h_fetch,
    .write_begin = h_write_begin,
    .write_chunk = h_write_chunk,
    .write_end = h_write_end,
    .size = h_size,
    .read = h_read,
    .copy = h_copy,
    .swap = h_swap,
    .invoke = h_invoke,
    .now = h_now,
    .view = h_view,
    .record = h_record,
};

struct outcome {
    enum fwup_err e;
    struct fwup_v_diag diag;
    uint64_t trace;
    unsigned side_effects, records, calls;
};

/* One procedure on a fresh device, with the working state first filled
 * with `fill`. */
static void
run(const struct fwup_verifier *v, enum fwup_v_procedure proc, bool require_ident, uint8_t fill,
    struct fwup_v_processor *p, struct device *d, struct outcome *o)
{
    struct fwup_v_platform plat = platform;

    memset(d, 0, sizeof *d);
    d->trace = 14695981039346656037u;
    plat.ctx = d;
    memset(p, fill, sizeof *p);
    p->require_ident = require_ident;
    memset(&o->diag, 0, sizeof o->diag);
    o->e = fwup_v_process(v, proc, &plat, p, &o->diag);
    if (o->e == FWUP_OK)
        FUZZ_CHECK(o->diag.code == FWUP_OK);
    else
        FUZZ_CHECK(o->diag.code == (uint8_t)o->e);
    o->trace = d->trace;
    o->side_effects = d->side_effects;
    o->records = d->records;
    o->calls = d->calls;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Static: the processor holds two verifier contexts for dependencies. */
    static struct fwup_v_processor p;
    static struct device d;
    struct permissive perm;
    struct fwup_verifier v;
    bool deps;

    if (size >= UINT32_MAX)
        return 0;
    memset(&v, 0, sizeof v); /* the port keeps its address; initialised next */
    fuzz_permissive_init(&perm, &v);
    fwup_verifier_init(&v, &perm.port);
    if (fwup_verifier_verify(&v, data, size, &perm.policy) != FWUP_OK)
        return 0;
    deps = v.m.dependencies.len > 0;

    for (int k = 0; k < 3; k++) {
        enum fwup_v_procedure proc = k == 1 ? FWUP_V_PROC_INVOKE : FWUP_V_PROC_UPDATE;
        bool require_ident = (k == 2);
        struct outcome zero, junk;

        run(&v, proc, require_ident, 0x00, &p, &d, &zero);
        run(&v, proc, require_ident, 0xa5, &p, &d, &junk);
        FUZZ_CHECK(zero.e == junk.e);
        FUZZ_CHECK(zero.diag.code == junk.diag.code && zero.diag.scope == junk.diag.scope &&
                   zero.diag.offset == junk.diag.offset &&
                   zero.diag.suit_key == junk.diag.suit_key);
        FUZZ_CHECK(zero.trace == junk.trace && zero.calls == junk.calls);
        FUZZ_CHECK(zero.side_effects == junk.side_effects && zero.records == junk.records);
        bool dry_refusal = zero.e == FWUP_E_SUIT_UNSUPPORTED_CMD ||
                           zero.e == FWUP_E_SUIT_UNSUPPORTED_PARAM ||
                           zero.e == FWUP_E_SUIT_SHARED_RULE;
        if (!deps && dry_refusal)
            FUZZ_CHECK(zero.side_effects == 0 && zero.records == 0);
        if (!deps) {
            struct fwup_v_diag cd = {0, 0, 0, 0};
            enum fwup_err ce;
            memset(&p, 0xa5, sizeof p);
            p.require_ident = require_ident;
            ce = fwup_v_check(&v, proc, &p, &cd);
            if (ce != FWUP_OK)
                FUZZ_CHECK(ce == zero.e && cd.code == zero.diag.code &&
                           cd.offset == zero.diag.offset && cd.suit_key == zero.diag.suit_key);
            else
                FUZZ_CHECK(!dry_refusal);
        }
    }
    return 0;
}
