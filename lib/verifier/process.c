/*
 * SUIT manifest processor (draft-ietf-suit-manifest-37 §6): runs the command
 * sequences of an authenticated manifest through platform hooks.
 *
 * Two passes:
 *   1. check(): walks every sequence the procedure may run (shared included,
 *      nested try-each / run-sequence too) and rejects the manifest if any
 *      command or parameter is unsupported or malformed, or a shared-sequence
 *      rule is broken, BEFORE any hook with a side effect is called (§6.1:
 *      "an unsupported command excludes the manifest"; a device must not be
 *      left half-updated by a manifest it could never finish).
 *   2. run(): the abstract machine of §6.4 on an explicit frame stack: no
 *      recursion, depth bounded by FWUP_V_MAX_DEPTH.
 *
 * Every offset handled here is absolute in the envelope buffer; every read
 * goes through the bounds-checked CBOR reader over the span of the sequence
 * being run.
 */
#include <stddef.h>
#include <string.h>

#include "fwup/processor.h"
#include "fwup/verifier.h"
#include "verifier_int.h"

/* CBOR PEN vendor id tag (RFC 9090; manifest-37 §8.4.8.3). */
#ifndef FWUP_SUIT_TAG_PEN
#define FWUP_SUIT_TAG_PEN 112
#endif

enum frame_kind {
    FRAME_TOP = 0,
    FRAME_TRY = 1,    /* one branch of try-each; soft-failure defaults to true */
    FRAME_RUNSEQ = 2, /* run-sequence; soft-failure defaults to false */
    FRAME_DEP = 3,    /* process-dependency: a dependency's shared sequence, then its own */
};

#define PBIT(k) ((uint32_t)1u << (k))

/* ---- small helpers ----------------------------------------------------- */

static void
reader_at(struct fwup_vcbor *r, const struct fwup_verifier *in, uint32_t start, uint32_t end,
          uint32_t pos)
{
    /* The reader only ever sees [start, end) of the envelope: a sequence can
     * never read into its neighbour, whatever its contents claim. */
    fwup_vcbor_init(r, in->env + start, end - start);
    r->pos = pos - start;
}

static uint32_t
abs_pos(const struct fwup_vcbor *r, uint32_t start)
{
    return start + (uint32_t)fwup_vcbor_offset(r);
}

static struct fwup_v_span
span_of(const struct fwup_verifier *in, struct fwup_bytes b)
{
    struct fwup_v_span s;

    s.off = (uint32_t)(b.ptr - in->env);
    s.len = (uint32_t)b.len;
    return s;
}

static struct fwup_bytes
bytes_of(const struct fwup_verifier *in, struct fwup_v_span s)
{
    struct fwup_bytes b;

    b.ptr = in->env + s.off;
    b.len = s.len;
    return b;
}

/* Public values (digests, identifiers) compared with memcmp: an early exit
 * leaks nothing secret. */
static bool
bytes_eq(struct fwup_bytes a, struct fwup_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Conditions, and the commands whose argument is a reporting policy (uint):
 * sets of command numbers, all below 32. */
#define CMD(c) ((uint32_t)1u << FWUP_SUIT_CMD_##c)
#ifndef FWUP_V_DISABLE_DEPENDENCIES
#define DEP_CONDITIONS (CMD(DEPENDENCY_INTEGRITY) | CMD(IS_DEPENDENCY))
#define DEP_DIRECTIVES CMD(PROCESS_DEPENDENCY)
#else
#define DEP_CONDITIONS 0u
#define DEP_DIRECTIVES 0u
#endif
#define CONDITIONS                                                                                 \
    (CMD(VENDOR_IDENTIFIER) | CMD(CLASS_IDENTIFIER) | CMD(IMAGE_MATCH) | CMD(COMPONENT_SLOT) |     \
     CMD(CHECK_CONTENT) | CMD(ABORT) | CMD(DEVICE_IDENTIFIER) | CMD(USE_BEFORE) | DEP_CONDITIONS)
#define REP_POLICY                                                                                 \
    (CONDITIONS | CMD(WRITE) | CMD(FETCH) | CMD(COPY) | CMD(INVOKE) | CMD(SWAP) | DEP_DIRECTIVES)

static bool
cmd_in(int64_t cmd, uint32_t set)
{
    return cmd >= 0 && cmd < 32 && ((set >> cmd) & 1u) != 0;
}

static bool
is_condition(int64_t cmd)
{
    return cmd_in(cmd, CONDITIONS);
}

static bool
takes_rep_policy(int64_t cmd)
{
    return cmd_in(cmd, REP_POLICY);
}

static enum fwup_err
fail_at(struct fwup_v_diag *diag, enum fwup_err e, uint32_t off, int32_t key)
{
    if (diag != NULL && diag->code == FWUP_OK) {
        diag->code = (uint8_t)e;
        /* The shared sequence and the component list live in common (key 3's
         * common map); every other sequence is a manifest member. */
        diag->scope = (key == FWUP_SUIT_COMMON_SHARED_SEQUENCE && e != FWUP_E_LIMIT_COMPONENTS)
                          ? FWUP_V_AT_COMMON
                          : FWUP_V_AT_MANIFEST;
        if (key == FWUP_SUIT_COMMON_COMPONENTS)
            diag->scope = FWUP_V_AT_COMMON;
        diag->offset = off;
        diag->suit_key = key;
    }
    return e;
}

/* Read a sequence's array head: the number of command/argument pairs. */
static enum fwup_err
open_sequence(const struct fwup_verifier *in, struct fwup_v_span s, uint32_t *first,
              uint32_t *pairs)
{
    struct fwup_vcbor r;
    uint64_t n;

    reader_at(&r, in, s.off, s.off + s.len, s.off);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return FWUP_E_SUIT_SEQUENCE;
    /* A sequence is [cmd, arg, cmd, arg, ...]: an odd count is malformed. */
    if ((n & 1u) != 0)
        return FWUP_E_SUIT_SEQUENCE;
    *first = abs_pos(&r, s.off);
    *pairs = (uint32_t)(n / 2); /* n <= span length (reader bound) */
    return FWUP_OK;
}

/* ---- shared decoders ------------------------------------------------------ */

/*
 * set-component-index argument (§8.4.10.1): an index, true (all components),
 * or a non-empty array of indices; every index below n. Returns the
 * selection as a bit mask (n <= 32 by FWUP_V_MAX_COMPONENTS).
 * Out of line, as apply_params: run_sequence calls the dependency
 * authentication, the deepest chain, so its own frame must stay small.
 */
static FWUP_V_NOINLINE enum fwup_err
read_index(struct fwup_vcbor *r, uint32_t n, uint32_t *sel)
{
    struct fwup_vcbor_item it;
    uint64_t cnt = 1, idx;
    bool all;

    *sel = 0;
    if (fwup_vcbor_peek(r, &it) != FWUP_OK)
        return FWUP_E_SUIT_SEQUENCE;
    if (it.major == FWUP_CBOR_SIMPLE) {
        if (fwup_vcbor_get_bool(r, &all) != FWUP_OK || !all)
            return FWUP_E_SUIT_COMPONENT;
        *sel = (n >= 32) ? 0xffffffffu : (PBIT(n) - 1u);
        return FWUP_OK;
    }
    if (it.major == FWUP_CBOR_ARRAY && (fwup_vcbor_get_array(r, &cnt) != FWUP_OK || cnt == 0))
        return FWUP_E_SUIT_COMPONENT;
    for (uint64_t i = 0; i < cnt; i++) {
        if (fwup_vcbor_get_uint(r, &idx) != FWUP_OK || idx >= n)
            return FWUP_E_SUIT_COMPONENT;
        *sel |= PBIT(idx);
    }
    return FWUP_OK;
}

/*
 * How each parameter key is stored and typed (§8.4.8, [ENC] §4), indexed by
 * key: 0 = not supported here; else kind << 4 | index, where kind is
 * P_SPAN_BSTR / P_SPAN_UUID / P_SPAN_TSTR / P_SPAN_DIGEST (index into
 * params.span), P_NUM (index into params.num) or P_BOOL (soft-failure,
 * strict-order: not stored per component).
 */
#define P_SPAN_BSTR 1u
#define P_SPAN_UUID 2u
#define P_SPAN_TSTR 3u
#define P_SPAN_DIGEST 4u
#define P_NUM 5u
#define P_BOOL 6u
#define PM(kind, idx) ((uint8_t)(((kind) << 4) | (idx)))
static const uint8_t param_map[26] = {
    [FWUP_SUIT_PARAM_VENDOR_ID] = PM(P_SPAN_UUID, FWUP_V_P_VENDOR),
    [FWUP_SUIT_PARAM_CLASS_ID] = PM(P_SPAN_UUID, FWUP_V_P_CLASS),
    [FWUP_SUIT_PARAM_IMAGE_DIGEST] = PM(P_SPAN_DIGEST, FWUP_V_P_DIGEST),
    [FWUP_SUIT_PARAM_USE_BEFORE] = PM(P_NUM, FWUP_V_P_USE_BEFORE),
    [FWUP_SUIT_PARAM_COMPONENT_SLOT] = PM(P_NUM, FWUP_V_P_SLOT),
    [FWUP_SUIT_PARAM_STRICT_ORDER] = PM(P_BOOL, 0),
    [FWUP_SUIT_PARAM_SOFT_FAILURE] = PM(P_BOOL, 1),
    [FWUP_SUIT_PARAM_IMAGE_SIZE] = PM(P_NUM, FWUP_V_P_SIZE),
    [FWUP_SUIT_PARAM_CONTENT] = PM(P_SPAN_BSTR, FWUP_V_P_CONTENT),
    [FWUP_SUIT_PARAM_ENCRYPTION_INFO] = PM(P_SPAN_BSTR, FWUP_V_P_ENC_INFO),
    [FWUP_SUIT_PARAM_URI] = PM(P_SPAN_TSTR, FWUP_V_P_URI),
    [FWUP_SUIT_PARAM_SOURCE_COMPONENT] = PM(P_NUM, FWUP_V_P_SOURCE),
    [FWUP_SUIT_PARAM_INVOKE_ARGS] = PM(P_SPAN_BSTR, FWUP_V_P_INVOKE_ARGS),
    [FWUP_SUIT_PARAM_DEVICE_ID] = PM(P_SPAN_UUID, FWUP_V_P_DEVICE),
    [FWUP_SUIT_PARAM_FETCH_ARGUMENTS] = PM(P_SPAN_BSTR, FWUP_V_P_FETCH_ARGS),
};

/* A SUIT_Digest = [alg: int, bytes: bstr, * ext] filling b exactly. */
static bool
digest_ok(struct fwup_bytes b)
{
    struct fwup_vcbor d;
    struct fwup_bytes db;
    uint64_t m;
    int64_t alg;

    fwup_vcbor_init(&d, b.ptr, b.len);
    if (fwup_vcbor_get_array(&d, &m) != FWUP_OK || m < 2 || fwup_vcbor_get_int(&d, &alg) != FWUP_OK ||
        fwup_vcbor_get_bstr(&d, &db) != FWUP_OK || db.len > FWUP_V_MAX_DIGEST)
        return false;
    for (uint64_t j = 2; j < m; j++)
        if (fwup_vcbor_skip(&d, NULL) != FWUP_OK)
            return false;
    return fwup_vcbor_at_end(&d);
}

/*
 * Decode an override-parameters (override = true) or set-parameters map into
 * pp, validating every value's type and shape. The dry run stores into the
 * same table before the real run clears it, so a malformed value is refused
 * before any side effect by the very code that stores it later.
 *
 * set-parameters ([TD] §5.6.4) never replaces a value already set: that is
 * how a dependent pins what its dependency may not change.
 * Every key of the map is added to *keys (PBIT), what the caller learns of
 * what was written. soft-failure / strict-order are not per component:
 * reported through *keys (PBIT(SOFT_FAILURE)) and *soft_value; strict-order
 * is accepted and ignored because this processor always runs in order,
 * which strict-order true asks and false permits (§6.7).
 * Out of line: see read_index.
 */
static FWUP_V_NOINLINE enum fwup_err
apply_params(struct fwup_vcbor *r, struct fwup_v_params *pp, bool override, uint32_t *keys,
             bool *soft_value)
{
    uint64_t n;
    uint32_t seen = 0;

    if (fwup_vcbor_get_map(r, &n) != FWUP_OK)
        return FWUP_E_SUIT_SEQUENCE;
    for (uint64_t k = 0; k < n; k++) {
        int64_t key;
        struct fwup_bytes b;
        struct fwup_vcbor_item it;
        uint64_t u;
        unsigned kind, idx;

        if (fwup_vcbor_get_int(r, &key) != FWUP_OK)
            return FWUP_E_SUIT_SEQUENCE;
        if (key < 0 || key >= (int64_t)sizeof param_map || param_map[key] == 0)
            return FWUP_E_SUIT_UNSUPPORTED_PARAM;
        /* A repeated key would let two readers of the manifest disagree on
         * which value counts. */
        if ((seen & PBIT(key)) != 0)
            return FWUP_E_CBOR_DUPLICATE_KEY;
        seen |= PBIT(key);
        kind = param_map[key] >> 4;
        idx = param_map[key] & 15u;
        /* One head per value, its type checked here: the parameter maps are
         * read before every sequence (the shared sequence's each time). */
        if (fwup_vcbor_next(r, &it) != FWUP_OK)
            return FWUP_E_SUIT_SEQUENCE;
        b.ptr = r->buf + it.data_off;
        b.len = (size_t)it.val;
        u = it.val;
        if (kind == P_BOOL) {
            if (it.major != FWUP_CBOR_SIMPLE || it.ai >= 24 ||
                (it.val != FWUP_CBOR_TRUE && it.val != FWUP_CBOR_FALSE))
                return FWUP_E_SUIT_BAD_VALUE;
            if (idx == 1)
                *soft_value = (it.val == FWUP_CBOR_TRUE);
            continue;
        }
        if (kind == P_NUM) {
            if (it.major != FWUP_CBOR_UINT)
                return FWUP_E_SUIT_BAD_VALUE;
        } else if (kind == P_SPAN_TSTR) {
            if (it.major != FWUP_CBOR_TSTR || !fwup_vcbor_utf8_valid(b.ptr, b.len))
                return FWUP_E_SUIT_BAD_VALUE;
        } else if (idx == FWUP_V_P_VENDOR && it.major == FWUP_CBOR_TAG) {
            /* A CBOR PEN vendor id #6.112(bstr) (§8.4.8.3): kept encoded,
             * tag included. */
            struct fwup_bytes pen;
            if (it.val != FWUP_SUIT_TAG_PEN || fwup_vcbor_get_bstr(r, &pen) != FWUP_OK)
                return FWUP_E_SUIT_BAD_VALUE;
            b.ptr = r->buf + it.off;
            b.len = (size_t)(pen.ptr + pen.len - b.ptr);
        } else {
            /* UUIDs are 16 bytes (RFC 9562): a shorter value could compare
             * equal to a prefix of the device's id in a careless platform. */
            if (it.major != FWUP_CBOR_BSTR || (kind == P_SPAN_UUID && b.len != 16) ||
                (kind == P_SPAN_DIGEST && !digest_ok(b)))
                return FWUP_E_SUIT_BAD_VALUE;
        }
        if (!override && (pp->set & PBIT(key)) != 0)
            continue;
        if (kind == P_NUM)
            pp->num[idx] = u;
        else
            pp->val[idx] = b;
        pp->set |= PBIT(key);
    }
    *keys |= seen;
    return FWUP_OK;
}

/* What a dry run saw in the shared sequence. */
#define SEEN_VENDOR 1u
#define SEEN_CLASS 2u
/*
 * Running the shared sequence again before the next sequence of the
 * procedure is skipped when it could only repeat itself (bench/run.sh:
 * 1.8 k of example 0's 17.1 k instructions, 4.0 k of example 4's 47.6 k). That
 * holds for a "replayable" shared sequence, one the dry run saw to be flat
 * (no try-each or run-sequence), with no set-parameters, with every
 * override-parameters before the first condition, and with no condition but
 * vendor-, class- and device-identifier: its overrides write the same
 * literals into the same components each time, so every condition compares
 * the same parameter values with the device's fixed identity (match_ident
 * is a pure function, processor.h) and passes again. It holds while no
 * other sequence wrote a parameter the shared sequence reads (the
 * identifiers) or writes (x->shared_keys), for any component: such a write
 * clears SEEN_FRESH, as does process-dependency; a URI set by install
 * does not. A run skipped this way would have produced only success records
 * (report-18 generates records on failure; success records are a policy
 * option), identical to those of the run it repeats. A dependency's shared
 * sequence (x->shared too, run by process-dependency, which clears
 * SEEN_FRESH) can only add to these marks: never a skip it does not allow.
 */
#define SEEN_COND 4u /* dry run: a condition was seen in the shared sequence */
#define SEEN_REPLAY 8u /* dry run: the shared sequence is not replayable */
#define SEEN_FRESH 16u /* real run: the shared sequence ran; no parameter written since */

/* ---- pass 2: the abstract machine ---------------------------------------- */

struct run {
    const struct fwup_verifier *in;
    struct fwup_v_processor *p;
    const struct fwup_v_platform *plat;
    const struct fwup_v_crypto *crypto;
    struct fwup_v_diag *diag;
    /* Dry run (pass 1): decode and validate everything the real run would
     * meet, call no hook, evaluate no condition (all pass), and walk every
     * branch of every try-each. Same code as the real run, so the check can
     * never accept what the run would then refuse half way. */
    bool dry;
    bool shared;   /* running the shared sequence: no side-effect commands */
    uint32_t seen; /* the shared sequence: SEEN_* */
    /* The parameters a replayable shared sequence reads or writes (PBIT of
     * the key): another sequence writing one of them runs it again. */
    uint32_t shared_keys;
    const struct fwup_verifier *root; /* the manifest fwup_v_process was given */
    uint32_t lvl;   /* manifest level running: 0 root, k dependency p->dep[k - 1] */
    uint32_t first; /* offset of the first command of the level's current sequence */
    uint32_t base;  /* start of the level's current sequence (record offsets) */
    uint8_t slot;   /* enum fwup_v_seq_slot of the root sequence running */
};

/* Parameter slot of index i of the manifest at the current level. */
static uint32_t
slot_of(const struct run *x, uint32_t i)
{
    return x->p->lv[x->lvl].slot[i];
}

/* Outcome of one command for one component. */
enum step {
    STEP_OK = 0,
    STEP_COND_FAIL = 1, /* a condition said no: soft or fatal depending on the frame */
    STEP_ERROR = 2,     /* a directive or the platform failed: always fatal */
};

static struct fwup_v_component
component(const struct run *x, uint32_t i)
{
    struct fwup_v_component c;
    uint32_t s = slot_of(x, i);
    const struct fwup_v_params *pp = &x->p->params[s];

    /* The platform sees the slot: the root's own index, or the index a
     * dependency's component shares with (or was added to) the root's. */
    c.index = s;
    c.slot = (pp->set & PBIT(FWUP_SUIT_PARAM_COMPONENT_SLOT)) ? (int64_t)pp->num[FWUP_V_P_SLOT] : -1;
    c.id = x->p->slot_id[s];
    c.enc_info.ptr = NULL;
    c.enc_info.len = 0;
    if (pp->set & PBIT(FWUP_SUIT_PARAM_ENCRYPTION_INFO))
        c.enc_info = pp->val[FWUP_V_P_ENC_INFO];
    return c;
}

static enum step
error_step(struct run *x, enum fwup_err e, uint32_t off)
{
    (void)fail_at(x->diag, e, off, x->p->section);
    return STEP_ERROR;
}

/* The one call of the optional record hook: real run only, offset relative
 * to the sequence of the manifest level running; rep_policy is the command's
 * SUIT_Rep_Policy argument (0 for set-component-index). */
static void
rec(struct run *x, uint32_t off, uint32_t comp, int64_t cmd, enum fwup_err result,
    uint64_t rep_policy)
{
    if (!x->dry && x->plat->record != NULL)
        x->plat->record(x->plat->ctx, x->p->section, off - x->base, comp, (int32_t)cmd, result,
                        (uint32_t)rep_policy);
}

/* image-match (§8.4.9.3): hash the component's content, in one piece when
 * the platform can map it (`view`: memory-mapped flash, RAM), else through
 * the read hook, FWUP_V_CHUNK bytes at a time. */
static FWUP_V_NOINLINE enum step
image_match(struct run *x, uint32_t i, uint32_t off)
{
    const struct fwup_v_params *pp = &x->p->params[slot_of(x, i)];
    struct fwup_v_component c = component(x, i);
    const struct fwup_v_crypto *cr = x->crypto;
    enum fwup_err (*read)(void *, const struct fwup_v_component *, uint64_t, uint8_t *, size_t) =
        x->plat->read;
    void *pctx = x->plat->ctx;
    /* The chunk buffer also receives the digest once the reads are done. */
    uint8_t buf[FWUP_V_CHUNK > FWUP_V_MAX_DIGEST ? FWUP_V_CHUNK : FWUP_V_MAX_DIGEST];
    struct fwup_vcbor d;
    struct fwup_bytes want, map = {NULL, 0};
    size_t got_len = 0;
    uint64_t size, done = 0, m;
    int64_t alg;
    enum fwup_err e;
    bool mapped;

    /* No digest set: the condition fails (§8.4.9), it does not pass vacuously. */
    if ((pp->set & PBIT(FWUP_SUIT_PARAM_IMAGE_DIGEST)) == 0)
        return STEP_COND_FAIL;
    /* A dependency is checked by dependency-integrity (same digest, plus its
     * signature); image-match does not stand in for it (OPEN-QUESTIONS 20). */
    if ((x->p->lv[x->lvl].deps & PBIT(i)) != 0)
        return error_step(x, FWUP_E_SUIT_DEPENDENCY, off);
    fwup_vcbor_init(&d, pp->val[FWUP_V_P_DIGEST].ptr, pp->val[FWUP_V_P_DIGEST].len);
    if (fwup_vcbor_get_array(&d, &m) != FWUP_OK || fwup_vcbor_get_int(&d, &alg) != FWUP_OK ||
        fwup_vcbor_get_bstr(&d, &want) != FWUP_OK || alg < INT32_MIN || alg > INT32_MAX)
        return error_step(x, FWUP_E_SUIT_BAD_VALUE, off);
    /* A mapped component is hashed by one call: on a device with
     * memory-mapped flash the chunk loop below was two thirds of the
     * processor's own instructions for a 34 KB image (bench/run.sh). */
    e = FWUP_E_UNSUPPORTED;
    if (x->plat->view != NULL)
        e = x->plat->view(pctx, &c, &map);
    mapped = (e == FWUP_OK);
    if (mapped)
        size = map.len;
    else if (e == FWUP_E_UNSUPPORTED)
        e = x->plat->size(pctx, &c, &size);
    if (e != FWUP_OK)
        return error_step(x, e, off);
    if (pp->set & PBIT(FWUP_SUIT_PARAM_IMAGE_SIZE)) {
        /* The signed size bounds what is hashed: trailing bytes in a slot
         * (erased flash) are not part of the image. */
        if (size < pp->num[FWUP_V_P_SIZE])
            return STEP_COND_FAIL;
        size = pp->num[FWUP_V_P_SIZE];
    }
    e = cr->hash_init(cr->ctx, (int32_t)alg);
    if (e == FWUP_OK && mapped) {
        e = cr->hash_update(cr->ctx, map.ptr, (size_t)size);
        done = size;
    }
    /* The loop runs once per FWUP_V_CHUNK bytes of the image (hundreds of
     * times for a few tens of KB): hooks and buffer are held in locals,
     * since the calls through them could otherwise change *x for all the
     * compiler knows, and it would reload them every round. */
    while (e == FWUP_OK && done < size) {
        size_t n = (size - done > FWUP_V_CHUNK) ? FWUP_V_CHUNK : (size_t)(size - done);
        e = read(pctx, &c, done, buf, n);
        if (e == FWUP_OK)
            e = cr->hash_update(cr->ctx, buf, n);
        done += n;
    }
    if (e != FWUP_OK)
        return error_step(x, e, off);
    e = cr->hash_final(cr->ctx, buf, FWUP_V_MAX_DIGEST, &got_len);
    if (e != FWUP_OK)
        return error_step(x, e, off);
    /* Image digests are public values (they are in the manifest): memcmp's
     * early exit leaks nothing secret. */
    if (got_len != want.len || memcmp(buf, want.ptr, got_len) != 0)
        return STEP_COND_FAIL;
    return STEP_OK;
}

/* check-content (§8.4.9.6): byte-for-byte, constant time over the content.
 * The chunk buffers of this and image_match are on their own frames, not in
 * struct fwup_v_processor: neither lies under the deepest call chain
 * (dependency authentication), so with dependencies the buffer costs no
 * worst-case stack, and without them little more than it cost as state. */
static FWUP_V_NOINLINE enum step
content_diff(struct run *x, uint32_t i, uint32_t off, uint8_t *diff)
{
    const struct fwup_v_params *pp = &x->p->params[slot_of(x, i)];
    struct fwup_v_component c = component(x, i);
    const uint8_t *want = pp->val[FWUP_V_P_CONTENT].ptr;
    uint8_t buf[FWUP_V_CHUNK];
    uint64_t size, done = 0;
    uint8_t d = 0;
    enum fwup_err e;

    if ((pp->set & PBIT(FWUP_SUIT_PARAM_CONTENT)) == 0)
        return STEP_COND_FAIL;
    e = x->plat->size(x->plat->ctx, &c, &size);
    if (e != FWUP_OK)
        return error_step(x, e, off);
    if (size != pp->val[FWUP_V_P_CONTENT].len)
        return STEP_COND_FAIL; /* the length is public: it is in the manifest */
    /* The content may be a secret the device holds (a key slot, a config
     * value): no early exit, one OR-accumulator, and the buffer wiped on
     * every way out. */
    while (done < size) {
        size_t n = (size - done > FWUP_V_CHUNK) ? FWUP_V_CHUNK : (size_t)(size - done);
        e = x->plat->read(x->plat->ctx, &c, done, buf, n);
        if (e != FWUP_OK)
            break;
        for (size_t k = 0; k < n; k++)
            d |= (uint8_t)(buf[k] ^ want[done + k]);
        done += n;
    }
    fwup_v_wipe(buf, sizeof buf);
    *diff = d;
    if (e != FWUP_OK)
        return error_step(x, e, off);
    return STEP_OK;
}

/* The one decision on the secret comparison, inlined into its caller:
 * there the verdict is a single branch (tests/ct pins this: a second
 * branch on it would be a second use of the secret-derived value). */
static enum step
check_content(struct run *x, uint32_t i, uint32_t off)
{
    uint8_t diff = 1;
    enum step s = content_diff(x, i, off, &diff);

    if (s != STEP_OK)
        return s;
    return (diff == 0) ? STEP_OK : STEP_COND_FAIL;
}

/* Find an integrated payload: the envelope member whose tstr key equals uri
 * (§7.5; all vectors use the whole fragment, '#' included, as the key). */
static bool
find_integrated(const struct fwup_verifier *in, struct fwup_bytes uri, struct fwup_bytes *out)
{
    struct fwup_bytes name;

    for (size_t k = 0; fwup_verifier_integrated(in, k, &name, out) == FWUP_OK; k++)
        if (name.len == uri.len && memcmp(name.ptr, uri.ptr, uri.len) == 0)
            return true;
    return false;
}

static enum fwup_err
write_bytes(struct run *x, const struct fwup_v_component *c, struct fwup_bytes data)
{
    enum fwup_err e = x->plat->write_begin(x->plat->ctx, c, data.len);

    if (e == FWUP_OK && data.len > 0)
        e = x->plat->write_chunk(x->plat->ctx, c, data.ptr, data.len);
    if (e == FWUP_OK)
        e = x->plat->write_end(x->plat->ctx, c);
    return e;
}

static uint32_t
lowest_bit(uint32_t m)
{
    return m & (~m + 1u);
}

static uint32_t
bit_index(uint32_t b)
{
    uint32_t i = 0;
    while (b > 1u) {
        b >>= 1;
        i++;
    }
    return i;
}

/* The verifier context of manifest level lvl (0: the root). */
static const struct fwup_verifier *
level_ctx(const struct run *x, uint32_t lvl)
{
#ifndef FWUP_V_DISABLE_DEPENDENCIES
    if (lvl > 0)
        return &x->p->dep[lvl - 1];
#else
    (void)lvl;
#endif
    return x->root;
}

/*
 * Map the indices of the manifest at level lvl (context in) to parameter
 * slots. The root's index i is slot i; its dependencies (common.dependencies,
 * [TD] §5.2.2) may lie beyond `components` (the upstream form every example
 * uses, OPEN-QUESTIONS 19), then identified by their dependency-prefix. A
 * dependency's component takes the slot of the live component with the same
 * identifier, so parameters the dependent set on it reach the dependency and
 * what the dependency sets persists in the dependent (OPEN-QUESTIONS 10:
 * matched by IDENTIFIER, never by index: two manifests by two authors number
 * their components independently). Otherwise it gets a fresh slot, and the
 * device must have it (component_ok, §6.2). A dependency's own dependencies
 * always get fresh slots: a prefix chosen by the dependency's author must
 * not alias a component the dependent controls.
 */
#ifndef FWUP_V_DISABLE_DEPENDENCIES
/* A SUIT_Component_Identifier = [+ bstr] filling b exactly (the empty one
 * names nothing, OPEN-QUESTIONS 15). */
static bool
component_id_ok(struct fwup_bytes b)
{
    struct fwup_vcbor r;
    struct fwup_bytes e;
    uint64_t n;

    fwup_vcbor_init(&r, b.ptr, b.len);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK || n == 0)
        return false;
    for (; n > 0; n--)
        if (fwup_vcbor_get_bstr(&r, &e) != FWUP_OK)
            return false;
    return fwup_vcbor_at_end(&r);
}
#endif

static enum fwup_err
level_setup(struct run *x, const struct fwup_verifier *in, uint32_t lvl)
{
    struct fwup_v_processor *p = x->p;
    struct fwup_v_level *L = &p->lv[lvl];
    struct fwup_bytes id[FWUP_V_MAX_COMPONENTS];
    uint32_t n = in->m.n_components, n_index = n;

    memset(id, 0, sizeof id);
    for (uint32_t i = 0; i < n; i++)
        id[i] = bytes_of(in, in->m.components[i]);
    L->deps = 0;
    L->checked = 0;
#ifndef FWUP_V_DISABLE_DEPENDENCIES
    L->staged = 0;
#endif
    L->loaded = 0xff;
    if (in->m.dependencies.len > 0) {
#ifdef FWUP_V_DISABLE_DEPENDENCIES
        /* [TD] §5.1: a processor without dependency support MUST abort. */
        return FWUP_E_UNSUPPORTED;
#else
        struct fwup_vcbor r;
        uint64_t cnt, mc, idx;
        int64_t key;

        fwup_vcbor_init(&r, in->env + in->m.dependencies.off, in->m.dependencies.len);
        if (fwup_vcbor_get_map(&r, &cnt) != FWUP_OK)
            return FWUP_E_SUIT_DEPENDENCY;
        for (uint64_t k = 0; k < cnt; k++) {
            if (fwup_vcbor_get_uint(&r, &idx) != FWUP_OK || fwup_vcbor_get_map(&r, &mc) != FWUP_OK)
                return FWUP_E_SUIT_DEPENDENCY;
            if (idx >= FWUP_V_MAX_COMPONENTS)
                return FWUP_E_LIMIT_COMPONENTS;
            for (uint64_t j = 0; j < mc; j++) {
                struct fwup_bytes v;
                if (fwup_vcbor_get_int(&r, &key) != FWUP_OK || fwup_vcbor_skip(&r, &v) != FWUP_OK)
                    return FWUP_E_SUIT_DEPENDENCY;
                /* dependency-prefix (1): the identifier of a dependency that
                 * is not one of `components`, a SUIT_Component_Identifier
                 * like theirs ([TD] §5.2.2). */
                if (key == 1 && !component_id_ok(v))
                    return FWUP_E_SUIT_DEPENDENCY;
                if (key == 1 && idx >= n)
                    id[idx] = v;
            }
            /* Beyond the components, the prefix is the only name the
             * platform's hooks get for the dependency's component: without
             * one, fetch or the integrated write would be handed a
             * component with no identifier (found by fuzz_process). */
            if (idx >= n && id[idx].len == 0)
                return FWUP_E_SUIT_DEPENDENCY;
            L->deps |= PBIT(idx);
            if (idx >= n_index)
                n_index = (uint32_t)idx + 1u;
        }
#endif
    }
    /* An index beyond the components that is not a dependency names nothing. */
    for (uint32_t i = n; i < n_index; i++)
        if ((L->deps & PBIT(i)) == 0)
            return FWUP_E_SUIT_DEPENDENCY;
    L->n_index = (uint8_t)n_index;
    /* Slots of deeper levels are dead once this level is (re)mapped. */
    p->n_slots = (lvl == 0) ? 0 : p->lv[lvl - 1].top;
    for (uint32_t i = 0; i < n_index; i++) {
        uint32_t s = p->n_slots;
        bool is_dep = (L->deps & PBIT(i)) != 0;
        if (lvl > 0 && !is_dep)
            for (uint32_t k = 0; k < p->n_slots; k++)
                if (bytes_eq(p->slot_id[k], id[i])) {
                    s = k;
                    break;
                }
        if (s == p->n_slots) {
            if (s >= FWUP_V_MAX_COMPONENTS)
                return FWUP_E_LIMIT_COMPONENTS;
            memset(&p->params[s], 0, sizeof p->params[s]);
            p->slot_id[s] = id[i];
            p->n_slots++;
            if (lvl > 0 && !is_dep && x->plat != NULL) {
                struct fwup_v_component c;
                bool ok = false;
                enum fwup_err e;
                memset(&c, 0, sizeof c);
                c.index = s;
                c.slot = -1;
                c.id = id[i];
                e = x->plat->component_ok(x->plat->ctx, &c, &ok);
                if (e != FWUP_OK)
                    return e;
                if (!ok)
                    return FWUP_E_SUIT_COMPONENT;
            }
        }
        L->slot[i] = (uint8_t)s;
    }
    L->top = p->n_slots;
    return FWUP_OK;
}

#ifndef FWUP_V_DISABLE_DEPENDENCIES
/* Integrated ("#name", [TD] §8.1.1): read in place in an envelope, never
 * from the component. */
static bool
integrated_uri(const struct fwup_v_params *pp)
{
    return (pp->set & PBIT(FWUP_SUIT_PARAM_URI)) != 0 && pp->val[FWUP_V_P_URI].len > 0 &&
           pp->val[FWUP_V_P_URI].ptr[0] == '#';
}

/* Dry run: dependency i is read from its component, which a directive met
 * before this point writes, or there is no device (fwup_v_check): only the
 * real run can judge it (run_sequence). */
static bool
dep_deferred(const struct run *x, uint32_t i)
{
    return ((x->p->lv[x->lvl].staged & PBIT(i)) != 0 || x->plat == NULL) &&
           !integrated_uri(&x->p->params[slot_of(x, i)]);
}

/*
 * dependency-integrity ([TD] §5.6.1) on index i of the current level: find
 * the dependency envelope (integrated "#name" member, else the platform's
 * view of what was fetched), authenticate it ON ITS OWN with the device
 * policy and the dependency role mask (its signature is the dependency
 * author's, not the dependent's), check that its manifest digest is the
 * image-digest the dependent signed (FACTS.md 5: wrapper[0], so re-signing or
 * severing the dependency does not break the binding), and map its
 * components. Success is cached for process-dependency (lv.checked) and the
 * context stays in p->dep[lvl]. Every failure is an error (abort), never a
 * soft condition failure: a dependency that is declared and does not verify
 * is an attack or a broken release, not a branch to skip.
 * Crypto only: no platform hook with a side effect, so the dry run calls it.
 */
static enum fwup_err
dep_load(struct run *x, uint32_t i)
{
    struct fwup_v_processor *p = x->p;
    struct fwup_v_level *L = &p->lv[x->lvl];
    const struct fwup_v_params *pp = &p->params[slot_of(x, i)];
    struct fwup_verifier *dv;
    struct fwup_bytes env, uri = pp->val[FWUP_V_P_URI], want;
    struct fwup_vcbor d;
    uint64_t m;
    int64_t alg;
    enum fwup_err e;

    L->checked &= ~PBIT(i);
    L->loaded = 0xff;
    if (x->lvl >= FWUP_V_MAX_DEP_DEPTH)
        return FWUP_E_LIMIT_DEPTH;
    /* Nothing signed to bind the dependency to: refuse, never trust it on
     * its own signature alone. */
    if ((pp->set & PBIT(FWUP_SUIT_PARAM_IMAGE_DIGEST)) == 0)
        return FWUP_E_SUIT_DEPENDENCY;
    if (integrated_uri(pp)) {
        /* [TD] §8.1.1: integrated in this manifest's envelope, or in the
         * root's (where an intermediary may have inserted it, §7.5). */
        if (!find_integrated(x->in, uri, &env) && !find_integrated(x->root, uri, &env))
            return FWUP_E_FETCH;
    } else {
        struct fwup_v_component c = component(x, i);
        if (x->plat->view == NULL)
            return FWUP_E_UNSUPPORTED;
        e = x->plat->view(x->plat->ctx, &c, &env);
        if (e == FWUP_OK && env.len == 0)
            e = FWUP_E_FETCH; /* nothing fetched into c yet */
        if (e != FWUP_OK)
            return e;
    }
    dv = &p->dep[x->lvl];
    fwup_verifier_init(dv, x->root->crypto);
    e = fwup_verifier_parse(dv, env.ptr, env.len);
    if (e == FWUP_OK)
        e = fwup_verifier_authenticate(dv, &p->dep_policy);
    if (e == FWUP_OK)
        e = fwup_verifier_decode_manifest(dv);
    if (e != FWUP_OK)
        return e;
    fwup_vcbor_init(&d, pp->val[FWUP_V_P_DIGEST].ptr, pp->val[FWUP_V_P_DIGEST].len);
    if (fwup_vcbor_get_array(&d, &m) != FWUP_OK || fwup_vcbor_get_int(&d, &alg) != FWUP_OK ||
        fwup_vcbor_get_bstr(&d, &want) != FWUP_OK)
        return FWUP_E_SUIT_BAD_VALUE;
    if (alg != dv->digest_alg || !bytes_eq(want, bytes_of(dv, dv->digest_bytes)))
        return FWUP_E_IMAGE_DIGEST;
    /* A manifest already on the chain would make process-dependency loop
     * (only reachable with a broken hash, but the check costs nothing). */
    for (uint32_t k = 0; k <= x->lvl; k++) {
        const struct fwup_verifier *u = level_ctx(x, k);
        if (bytes_eq(want, bytes_of(u, u->digest_bytes)))
            return FWUP_E_SUIT_DEPENDENCY;
    }
    e = level_setup(x, dv, x->lvl + 1u);
    if (e != FWUP_OK)
        return e;
    L->checked |= PBIT(i);
    L->loaded = (uint8_t)i;
    return FWUP_OK;
}
#endif

/* A directive changed component i: a cached integrity result no longer
 * describes what it holds ([TD] §5.6.2: dropped on fetch / copy). */
static void
invalidate(struct run *x, uint32_t i)
{
    struct fwup_v_level *L = &x->p->lv[x->lvl];

    L->checked &= ~PBIT(i);
    if (L->loaded == i)
        L->loaded = 0xff;
}

/* One condition or directive with a reporting policy, for component i (an
 * index of the manifest at the current level). Out of line, and without
 * dependency-integrity, image-match and check-content (run_sequence calls
 * those itself): its frame is then never under theirs. */
static FWUP_V_NOINLINE enum step
exec_simple(struct run *x, int64_t cmd, uint32_t i, uint32_t off)
{
    const struct fwup_v_params *pp = &x->p->params[slot_of(x, i)];
    struct fwup_v_component c = component(x, i);
    const struct fwup_v_level *L = &x->p->lv[x->lvl];
    enum fwup_err e = FWUP_OK;
    bool ok = false;

    switch (cmd) {
    case FWUP_SUIT_CMD_VENDOR_IDENTIFIER:
    case FWUP_SUIT_CMD_CLASS_IDENTIFIER:
    case FWUP_SUIT_CMD_DEVICE_IDENTIFIER:
        /* These three conditions share their number with the parameter they
         * check (1, 2, 24) and with enum fwup_v_ident. A condition on an
         * unset parameter fails (§8.4.9). */
        if ((pp->set & PBIT(cmd)) == 0)
            return STEP_COND_FAIL;
        e = x->plat->match_ident(x->plat->ctx, (enum fwup_v_ident)cmd,
                                 pp->val[param_map[cmd] & 15u], &ok);
        break;
    case FWUP_SUIT_CMD_USE_BEFORE: {
        /* [UM] use-before: passes while now <= the signed time. No clock, or
         * no time set: fails (an expiry that cannot be checked is not met). */
        uint64_t now = 0;
        if ((pp->set & PBIT(FWUP_SUIT_PARAM_USE_BEFORE)) == 0 || x->plat->now == NULL)
            return STEP_COND_FAIL;
        e = x->plat->now(x->plat->ctx, &now);
        ok = (now <= pp->num[FWUP_V_P_USE_BEFORE]);
        break;
    }
    case FWUP_SUIT_CMD_COMPONENT_SLOT:
        if ((pp->set & PBIT(FWUP_SUIT_PARAM_COMPONENT_SLOT)) == 0)
            return STEP_COND_FAIL;
        e = x->plat->match_slot(x->plat->ctx, &c, pp->num[FWUP_V_P_SLOT], &ok);
        break;
    case FWUP_SUIT_CMD_ABORT:
        return STEP_COND_FAIL;
#ifndef FWUP_V_DISABLE_DEPENDENCIES
    case FWUP_SUIT_CMD_IS_DEPENDENCY:
        return (L->deps & PBIT(i)) ? STEP_OK : STEP_COND_FAIL;
#endif
    case FWUP_SUIT_CMD_FETCH: {
        struct fwup_bytes uri, payload;
        if ((pp->set & PBIT(FWUP_SUIT_PARAM_URI)) == 0)
            return error_step(x, FWUP_E_FETCH, off);
        uri = pp->val[FWUP_V_P_URI];
        invalidate(x, i);
        if (uri.len > 0 && uri.ptr[0] == '#') {
            /* Integrated payload: the bytes are in the envelope, outside the
             * signed manifest; image-match is what authenticates them. */
            if (!find_integrated(x->in, uri, &payload) &&
                ((L->deps & PBIT(i)) == 0 || !find_integrated(x->root, uri, &payload)))
                return error_step(x, FWUP_E_FETCH, off);
            /* An integrated dependency is read in place by
             * dependency-integrity (the envelope is in protected RAM,
             * REQ.SEC.MFST.CONST): nothing to store. */
            if ((L->deps & PBIT(i)) != 0)
                return STEP_OK;
            e = write_bytes(x, &c, payload);
        } else {
            e = x->plat->fetch(x->plat->ctx, &c, uri,
                               (pp->set & PBIT(FWUP_SUIT_PARAM_IMAGE_SIZE)) ? pp->num[FWUP_V_P_SIZE] : 0);
        }
        ok = true; /* a directive: its hook's result is the outcome */
        break;
    }
    case FWUP_SUIT_CMD_WRITE:
        if ((pp->set & PBIT(FWUP_SUIT_PARAM_CONTENT)) == 0)
            return error_step(x, FWUP_E_DIRECTIVE_FAILED, off);
        invalidate(x, i);
        e = write_bytes(x, &c, pp->val[FWUP_V_P_CONTENT]);
        ok = true;
        break;
    case FWUP_SUIT_CMD_COPY:
    case FWUP_SUIT_CMD_SWAP: {
        struct fwup_v_component src;
        /* source-component is read from the DESTINATION's parameters (§8.4.10.5). */
        if ((pp->set & PBIT(FWUP_SUIT_PARAM_SOURCE_COMPONENT)) == 0 ||
            pp->num[FWUP_V_P_SOURCE] >= L->n_index || pp->num[FWUP_V_P_SOURCE] == i)
            return error_step(x, FWUP_E_DIRECTIVE_FAILED, off);
        src = component(x, (uint32_t)pp->num[FWUP_V_P_SOURCE]);
        invalidate(x, i);
        invalidate(x, (uint32_t)pp->num[FWUP_V_P_SOURCE]);
        e = (cmd == FWUP_SUIT_CMD_COPY) ? x->plat->copy(x->plat->ctx, &c, &src)
                                   : x->plat->swap(x->plat->ctx, &c, &src);
        ok = true;
        break;
    }
    case FWUP_SUIT_CMD_INVOKE: {
        struct fwup_bytes args = {NULL, 0};
        if (pp->set & PBIT(FWUP_SUIT_PARAM_INVOKE_ARGS))
            args = pp->val[FWUP_V_P_INVOKE_ARGS];
        e = x->plat->invoke(x->plat->ctx, &c, args);
        ok = true;
        break;
    }
    default:
        return error_step(x, FWUP_E_SUIT_UNSUPPORTED_CMD, off);
    }
    if (e != FWUP_OK)
        return error_step(x, e, off);
    return ok ? STEP_OK : STEP_COND_FAIL;
}

/* Open the sequence of frame f from a bstr span. */
static enum fwup_err
frame_open(struct run *x, struct fwup_v_frame *f, struct fwup_bytes b)
{
    uint32_t first, pairs;
    enum fwup_err e = open_sequence(x->in, span_of(x->in, b), &first, &pairs);

    if (e != FWUP_OK)
        return e;
    f->start = (uint32_t)(b.ptr - x->in->env);
    f->end = f->start + (uint32_t)b.len;
    f->pos = first;
    f->left = pairs;
    return FWUP_OK;
}

enum branch_result { BRANCH_OPENED, BRANCH_EMPTY, BRANCH_NONE, BRANCH_ERROR };

/* Move try-each frame f (at depth d) to its next branch. */
static enum branch_result
next_branch(struct run *x, uint32_t d)
{
    struct fwup_v_frame *f = &x->p->stack[d];
    const struct fwup_v_frame *parent = &x->p->stack[d - 1];
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct fwup_bytes b;

    if (f->branches == 0)
        return BRANCH_NONE;
    f->branches--;
    reader_at(&r, x->in, parent->start, parent->end, f->branch);
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        return BRANCH_ERROR;
    if (it.major == FWUP_CBOR_SIMPLE) {
        /* The trailing nil: an empty branch that always succeeds (§8.4.10.2). */
        if (fwup_vcbor_get_null(&r) != FWUP_OK)
            return BRANCH_ERROR;
        f->branch = abs_pos(&r, parent->start);
        return BRANCH_EMPTY;
    }
    if (fwup_vcbor_get_bstr(&r, &b) != FWUP_OK || frame_open(x, f, b) != FWUP_OK)
        return BRANCH_ERROR;
    f->branch = abs_pos(&r, parent->start);
    /* Each branch starts with soft-failure true (§8.4.10.2). */
    f->soft = 1;
    return BRANCH_OPENED;
}

/* (Re)start the construct of frame d for the component selected now. */
static enum fwup_err
construct_start(struct run *x, uint32_t d)
{
    struct fwup_v_frame *f = &x->p->stack[d];
    const struct fwup_v_frame *parent = &x->p->stack[d - 1];
    struct fwup_vcbor r;
    struct fwup_bytes b;
    uint64_t n;

    reader_at(&r, x->in, parent->start, parent->end, f->arg);
    if (f->kind == FRAME_RUNSEQ) {
        if (fwup_vcbor_get_bstr(&r, &b) != FWUP_OK)
            return FWUP_E_SUIT_SEQUENCE;
        f->soft = 0; /* run-sequence: soft-failure defaults to false (§8.4.10.8) */
        return frame_open(x, f, b);
    }
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return FWUP_E_SUIT_SEQUENCE;
    f->branch = abs_pos(&r, parent->start);
    f->branches = (uint32_t)n;
    f->left = 0;
    return FWUP_OK;
}

/*
 * The construct of the top frame finished for the current component (its
 * sequence completed, a soft failure ended it, or a try-each branch
 * succeeded). Runs it again for the next selected component, or pops.
 * Returns true when a new sequence was opened in the same frame.
 */
static enum fwup_err
construct_done(struct run *x, bool *again)
{
    uint32_t d = x->p->depth;
    struct fwup_v_frame *f = &x->p->stack[d];
    enum fwup_err e;

    *again = false;
    /* §6.5: under index true or a list, a nested sequence runs once per
     * component, each time with an integer index. A loop, not recursion: a
     * try-each whose first branch is the empty one finishes at once. */
    while (f->iter != 0) {
        uint32_t b = lowest_bit(f->iter);
        f->iter &= ~b;
        x->p->sel = b;
        e = construct_start(x, d);
        if (e != FWUP_OK)
            return e;
        if (f->kind == FRAME_TRY) {
            enum branch_result br = next_branch(x, d);
            if (br == BRANCH_ERROR || br == BRANCH_NONE)
                return FWUP_E_SUIT_SEQUENCE;
            if (br == BRANCH_EMPTY)
                continue;
        }
        *again = true;
        return FWUP_OK;
    }
    x->p->sel = f->sel_saved;
    x->p->stack[d - 1].pos = f->resume;
    x->p->depth = d - 1;
    return FWUP_OK;
}

/* Make the manifest at level lvl the running one. */
static void
enter_level(struct run *x, uint32_t lvl)
{
    x->lvl = lvl;
    x->in = level_ctx(x, lvl);
    x->shared = false;
    x->first = 0; /* never a command offset: the level's first command ran */
}

#ifndef FWUP_V_DISABLE_DEPENDENCIES
/*
 * Open the next sequence of dependency frame f, whose manifest is x->in: its
 * shared sequence (phase 0), then its sequence of the kind the root is
 * running (phase 1, [TD] §5.6.2). Absent ones are skipped (success); a
 * severed one the procedure needs fails it, as for the root (§5.4).
 */
static enum fwup_err
dep_open(struct run *x, struct fwup_v_frame *f, bool *opened)
{
    const struct fwup_verifier *in = x->in;

    *opened = false;
    while (f->phase < 2) {
        struct fwup_v_span sq = in->m.shared;
        uint8_t ph = f->phase++;
        enum fwup_err e;
        if (ph == 1) {
            const struct fwup_v_seq *q = &in->m.seq[x->slot];
            if (q->state == FWUP_V_SEVERED_MISSING)
                return FWUP_E_SUIT_SEVERED;
            sq = (q->state == FWUP_V_ABSENT) ? (struct fwup_v_span){0, 0} : q->body;
        }
        if (sq.len == 0)
            continue;
        e = open_sequence(in, sq, &f->pos, &f->left);
        if (e != FWUP_OK)
            return e;
        f->start = sq.off;
        f->end = sq.off + sq.len;
        f->soft = 0; /* a dependency's sequences are top level: no soft-failure */
        x->shared = (ph == 0);
        x->first = f->pos;
        x->base = sq.off;
        x->p->sel = 1u; /* OPEN-QUESTIONS 13: index 0 at each sequence start */
        *opened = true;
        return FWUP_OK;
    }
    return FWUP_OK;
}

/*
 * Dependency frame at the top of the stack: start the next dependency of its
 * selection (f->iter), or pop it when none is left. Runs in the DEPENDENT's
 * level while choosing, in the dependency's while it runs. The nesting is on
 * p->stack like try-each: no recursion, and the depth is bounded twice, by
 * FWUP_V_MAX_DEPTH frames and by FWUP_V_MAX_DEP_DEPTH verifier contexts.
 */
static enum fwup_err
dep_next(struct run *x)
{
    struct fwup_v_processor *p = x->p;
    uint32_t d = p->depth;
    struct fwup_v_frame *f = &p->stack[d];
    enum fwup_err e;
    bool opened;

    enter_level(x, f->lvl - 1u);
    while (f->iter != 0) {
        uint32_t b = lowest_bit(f->iter), i = bit_index(b);
        struct fwup_v_level *L = &p->lv[x->lvl];
        f->iter &= ~b;
        if ((L->deps & b) == 0) {
            /* Index true / a list: process-dependency acts on the dependencies
             * among the selected components ([TD] §5.6.2). One index that is
             * not a dependency aborts, except in the dry run of a try-each
             * branch, whose conditions the dry run does not evaluate. */
            if (f->sel_saved != b || (x->dry && p->stack[d - 1].kind == FRAME_TRY))
                continue;
            return FWUP_E_SUIT_DEPENDENCY;
        }
        /* [TD] §5.6.2: a dependency whose integrity was not checked in this
         * procedure (or was changed since) is never run (OPEN-QUESTIONS 20).
         * In the dry run, one that is fetched first is not there to walk:
         * the real run checks and runs it (docs/trust-domains.md). */
        if ((L->checked & b) == 0) {
            if (x->dry && dep_deferred(x, i))
                continue;
            return FWUP_E_SUIT_DEPENDENCY;
        }
        if (L->loaded != i) {
            /* Another dependency of this level was loaded since: load this
             * one again (same bytes, same checks). */
            e = dep_load(x, i);
            if (e != FWUP_OK)
                return e;
        }
        rec(x, f->arg, slot_of(x, i), FWUP_SUIT_CMD_PROCESS_DEPENDENCY, FWUP_OK, f->branch);
        enter_level(x, f->lvl);
        f->phase = 0;
        e = dep_open(x, f, &opened);
        if (e != FWUP_OK)
            return e;
        if (opened)
            return FWUP_OK;
        enter_level(x, f->lvl - 1u);
    }
    /* Done: back in the dependent, just after the command. */
    p->sel = f->sel_saved;
    p->stack[d - 1].pos = f->resume;
    p->depth = d - 1;
    for (uint32_t k = d - 1; k > 0; k--)
        if (p->stack[k].kind == FRAME_DEP) {
            x->base = p->stack[k].start;
            return FWUP_OK;
        }
    x->base = p->stack[0].start;
    return FWUP_OK;
}
#endif

/* The frame starts a manifest's own sequence (root or dependency). */
static bool
level_top(const struct fwup_v_frame *f)
{
    return f->kind == FRAME_TOP || f->kind == FRAME_DEP;
}

/*
 * A condition failed in the top frame. Unwind per §6.4: a frame with
 * soft-failure ends (try-each: next branch); without it the failure
 * propagates to the parent; at the top level of the root or of a dependency
 * the procedure fails (a failed dependency fails process-dependency, a
 * directive: never soft). `why` is the code reported then.
 * Returns FWUP_OK when execution can go on.
 */
static enum fwup_err
condition_failed(struct run *x, uint32_t off, enum fwup_err why)
{
    for (;;) {
        uint32_t d = x->p->depth;
        struct fwup_v_frame *f = &x->p->stack[d];
        bool again;

        if (level_top(f))
            return fail_at(x->diag, why, off, x->p->section);
        if (f->soft) {
            if (f->kind == FRAME_TRY) {
                enum branch_result br = next_branch(x, d);
                if (br == BRANCH_OPENED)
                    return FWUP_OK;
                if (br == BRANCH_ERROR)
                    return fail_at(x->diag, FWUP_E_SUIT_SEQUENCE, off, x->p->section);
                if (br == BRANCH_EMPTY)
                    return construct_done(x, &again);
                /* No branch left: the try-each itself failed in the parent. */
            } else {
                /* run-sequence with soft-failure: ends with no error. */
                return construct_done(x, &again);
            }
        }
        /* Not soft (or try-each exhausted): the failure moves up a level. */
        x->p->sel = f->sel_saved;
        x->p->depth = d - 1;
    }
}

/* Run one top-level sequence (shared or a procedure sequence) of the root,
 * and every dependency sequence process-dependency runs from it. */
static enum fwup_err
run_sequence(struct run *x, struct fwup_v_span seq, int32_t key)
{
    struct fwup_v_processor *p = x->p;
    struct fwup_v_level *L;
    enum fwup_err e;
    uint32_t at;

/* Every failure of the loop leaves through one fail_at call: its four
 * arguments set up at two dozen sites were a tenth of the function. */
#define FAIL(err, where)                                                                           \
    do {                                                                                           \
        e = (err);                                                                                 \
        at = (where);                                                                              \
        goto fail;                                                                                 \
    } while (0)

    p->section = key;
    p->depth = 0;
    p->sel = 1u; /* component 0 until set-component-index (OPEN-QUESTIONS 13) */
    enter_level(x, 0);
    x->shared = (key == FWUP_SUIT_COMMON_SHARED_SEQUENCE);
    memset(&p->stack[0], 0, sizeof p->stack[0]);
    p->stack[0].kind = FRAME_TOP;
    e = open_sequence(x->in, seq, &p->stack[0].pos, &p->stack[0].left);
    if (e != FWUP_OK)
        FAIL(e, seq.off);
    p->stack[0].start = seq.off;
    p->stack[0].end = seq.off + seq.len;
    x->first = p->stack[0].pos;
    x->base = seq.off;

    for (;;) {
        uint32_t d = p->depth;
        struct fwup_v_frame *f = &p->stack[d];
        struct fwup_vcbor r;
        int64_t cmd;
        uint64_t pol = 0;
        uint32_t off;
        bool failed = false;

        L = &p->lv[x->lvl];
        if (f->left == 0) {
            bool again;
            /* A sequence ends exactly where its bstr ends: no trailing bytes
             * that another parser could read differently. */
            if (f->pos != f->end)
                FAIL(FWUP_E_SUIT_SEQUENCE, f->pos);
            if (d == 0)
                return FWUP_OK;
#ifndef FWUP_V_DISABLE_DEPENDENCIES
            if (f->kind == FRAME_DEP) {
                /* The dependency's shared sequence ended: its sequence of the
                 * same kind next; then the next dependency, or back. */
                bool opened;
                e = dep_open(x, f, &opened);
                if (e == FWUP_OK && !opened)
                    e = dep_next(x);
                if (e != FWUP_OK)
                    FAIL(e, f->pos);
                continue;
            }
#endif
            if (x->dry && f->kind == FRAME_TRY) {
                /* Dry run: every branch is checked, not just the first that
                 * would succeed. */
                enum branch_result br = next_branch(x, d);
                if (br == BRANCH_ERROR)
                    FAIL(FWUP_E_SUIT_SEQUENCE, f->branch);
                if (br == BRANCH_OPENED)
                    continue;
            }
            /* A nested sequence completed: for try-each that is the branch
             * that succeeded. */
            e = construct_done(x, &again);
            if (e != FWUP_OK)
                FAIL(e, f->pos);
            continue;
        }
        f->left--;
        off = f->pos;
        reader_at(&r, x->in, f->start, f->end, f->pos);
        if (fwup_vcbor_get_int(&r, &cmd) != FWUP_OK)
            FAIL(FWUP_E_SUIT_SEQUENCE, off);
        /* §6.2: with several components every sequence selects first, or its
         * commands would silently act on component 0. */
        if (off == x->first && L->n_index > 1 && cmd != FWUP_SUIT_CMD_SET_COMPONENT_INDEX)
            FAIL(FWUP_E_SUIT_SEQUENCE, off);

        if (cmd == FWUP_SUIT_CMD_SET_COMPONENT_INDEX) {
            uint32_t sel;
            e = read_index(&r, L->n_index, &sel);
            if (e != FWUP_OK)
                FAIL(e, off);
            p->sel = sel;
            f->pos = abs_pos(&r, f->start);
            rec(x, off, 0, cmd, FWUP_OK, 0);
            continue;
        }
        if (cmd == FWUP_SUIT_CMD_OVERRIDE_PARAMETERS || cmd == FWUP_SUIT_CMD_SET_PARAMETERS) {
            uint32_t arg = abs_pos(&r, f->start);
            uint32_t keys = 0;
            bool soft_value = false;
            if (x->shared && x->dry &&
                (cmd == FWUP_SUIT_CMD_SET_PARAMETERS || (x->seen & SEEN_COND) != 0))
                x->seen |= SEEN_REPLAY;
            for (uint32_t m = p->sel; m != 0; m &= m - 1u) {
                struct fwup_vcbor pr;
                /* The same map applies to every selected component. */
                reader_at(&pr, x->in, f->start, f->end, arg);
                e = apply_params(&pr, &p->params[slot_of(x, bit_index(lowest_bit(m)))],
                                 cmd == FWUP_SUIT_CMD_OVERRIDE_PARAMETERS, &keys, &soft_value);
                if (e != FWUP_OK)
                    FAIL(e, off);
                r = pr;
            }
            if (p->sel == 0 && fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                FAIL(FWUP_E_SUIT_SEQUENCE, off);
            if (x->shared)
                x->shared_keys |= keys;
            else if ((keys & x->shared_keys) != 0)
                x->seen &= ~SEEN_FRESH;
            if (keys & PBIT(FWUP_SUIT_PARAM_SOFT_FAILURE)) {
                /* soft-failure is only defined inside try-each / run-sequence
                 * (§8.4.8.14); at the top level it is an error. */
                if (level_top(f))
                    FAIL(FWUP_E_SUIT_BAD_VALUE, off);
                f->soft = soft_value ? 1 : 0;
            }
            f->pos = abs_pos(&r, f->start);
            continue;
        }
        if (cmd == FWUP_SUIT_CMD_TRY_EACH || cmd == FWUP_SUIT_CMD_RUN_SEQUENCE) {
            struct fwup_vcbor skip = r;
            struct fwup_v_frame *nf;
            uint32_t first;
            if (x->shared)
                x->seen |= SEEN_REPLAY;
            if (d + 1 >= FWUP_V_MAX_DEPTH)
                FAIL(FWUP_E_LIMIT_DEPTH, off);
            if (fwup_vcbor_skip(&skip, NULL) != FWUP_OK)
                FAIL(FWUP_E_SUIT_SEQUENCE, off);
            nf = &p->stack[d + 1];
            memset(nf, 0, sizeof *nf);
            nf->kind = (cmd == FWUP_SUIT_CMD_TRY_EACH) ? FRAME_TRY : FRAME_RUNSEQ;
            nf->lvl = (uint8_t)x->lvl;
            nf->arg = abs_pos(&r, f->start);
            nf->resume = abs_pos(&skip, f->start);
            nf->sel_saved = p->sel;
            first = lowest_bit(p->sel);
            /* The dry run checks the nested sequence once: its decoding does
             * not depend on the component. */
            nf->iter = x->dry ? 0 : (p->sel & ~first);
            p->sel = first;
            p->depth = d + 1;
            if (first == 0) {
                /* Nothing selected: the construct runs for no component. */
                p->sel = nf->sel_saved;
                p->depth = d;
                f->pos = nf->resume;
                continue;
            }
            e = construct_start(x, d + 1);
            if (e != FWUP_OK)
                FAIL(e, off);
            if (nf->kind == FRAME_TRY) {
                enum branch_result br = next_branch(x, d + 1);
                bool again;
                if (br == BRANCH_ERROR)
                    FAIL(FWUP_E_SUIT_SEQUENCE, off);
                if (br == BRANCH_EMPTY) {
                    e = construct_done(x, &again);
                    if (e != FWUP_OK)
                        FAIL(e, off);
                }
            }
            continue;
        }
        /* Unknown, custom (< -256), or a [TD]/[UM] command not implemented
         * here: §6.1 excludes the manifest rather than running part of it. */
        if (!takes_rep_policy(cmd))
            FAIL(FWUP_E_SUIT_UNSUPPORTED_CMD, off);
        if (fwup_vcbor_get_uint(&r, &pol) != FWUP_OK)
            FAIL(FWUP_E_SUIT_SEQUENCE, off);
        f->pos = abs_pos(&r, f->start);
        /* §5 of SUIT-DIGEST: the shared sequence has no side effects; only
         * conditions and parameter directives may appear in it ([TD] §5.6.2:
         * process-dependency neither). */
        if (x->shared && !is_condition(cmd))
            FAIL(FWUP_E_SUIT_SHARED_RULE, off);
#ifndef FWUP_V_DISABLE_DEPENDENCIES
        if (cmd == FWUP_SUIT_CMD_PROCESS_DEPENDENCY) {
            /* [TD] §5.6.2: run the dependency's shared sequence and its
             * sequence of this kind on this same stack, in both passes: the
             * dry run checks the dependency's sequences before any side
             * effect exactly as it checks the root's. */
            struct fwup_v_frame *nf;
            /* Its sequences share parameter slots with the root's
             * components of the same identifier. */
            x->seen &= ~SEEN_FRESH;
            if (d + 1 >= FWUP_V_MAX_DEPTH || x->lvl >= FWUP_V_MAX_DEP_DEPTH)
                FAIL(FWUP_E_LIMIT_DEPTH, off);
            nf = &p->stack[d + 1];
            memset(nf, 0, sizeof *nf);
            nf->kind = FRAME_DEP;
            nf->lvl = (uint8_t)(x->lvl + 1u);
            nf->arg = off;
            nf->branch = (uint32_t)pol; /* for the record of each dependency */
            nf->resume = f->pos;
            nf->sel_saved = p->sel;
            nf->iter = p->sel; /* each selected dependency, in both passes */
            p->depth = d + 1;
            e = dep_next(x);
            if (e != FWUP_OK)
                FAIL(e, off);
            continue;
        }
#endif
        if (x->dry) {
            if (x->shared) {
                x->seen |= SEEN_COND;
                if (cmd == FWUP_SUIT_CMD_VENDOR_IDENTIFIER)
                    x->seen |= SEEN_VENDOR;
                else if (cmd == FWUP_SUIT_CMD_CLASS_IDENTIFIER)
                    x->seen |= SEEN_CLASS;
                else if (cmd != FWUP_SUIT_CMD_DEVICE_IDENTIFIER)
                    x->seen |= SEEN_REPLAY;
            }
#ifndef FWUP_V_DISABLE_DEPENDENCIES
            /* dependency-integrity has no side effect: the dry run checks
             * every dependency for real, so a forged, mis-signed or
             * mismatching dependency is refused before anything is written.
             * A selected index that is not a dependency is left to the real
             * run (there the condition fails). So is a dependency that a
             * directive before this point writes (the [TD] template:
             * fetch by URI in dependency-resolution): what the component
             * holds now is not what the run will check, and judging it
             * would refuse every first fetch (FWUP_E_FETCH, nothing there)
             * or a refetch of a changed dependency. The real run checks it
             * once fetched, before process-dependency may run it. */
            if (cmd == FWUP_SUIT_CMD_FETCH || cmd == FWUP_SUIT_CMD_WRITE ||
                cmd == FWUP_SUIT_CMD_COPY)
                L->staged |= p->sel;
            else if (cmd == FWUP_SUIT_CMD_SWAP)
                L->staged = ~(uint32_t)0; /* the source component too */
            if (cmd == FWUP_SUIT_CMD_DEPENDENCY_INTEGRITY)
                for (uint32_t m = p->sel & L->deps; m != 0; m &= m - 1u) {
                    uint32_t i = bit_index(lowest_bit(m));
                    if (dep_deferred(x, i))
                        continue;
                    e = dep_load(x, i);
                    if (e != FWUP_OK)
                        FAIL(e, off);
                }
#endif
            continue;
        }
        /* Run for each selected component, in index order (§6.5). */
        for (uint32_t m = p->sel; m != 0 && !failed; m &= m - 1u) {
            uint32_t i = bit_index(lowest_bit(m));
            enum step s;
#ifndef FWUP_V_DISABLE_DEPENDENCIES
            if (cmd == FWUP_SUIT_CMD_DEPENDENCY_INTEGRITY) {
                /* Called from here, not from exec_simple: dep_load
                 * authenticates a whole envelope (the deepest chain of the
                 * processor), and exec_simple's frame need not lie under it.
                 * Not a dependency: the condition fails (soft inside
                 * try-each, the [TD] §8.4 "is-dependency" pattern); a
                 * dependency that does not verify aborts. */
                if ((L->deps & PBIT(i)) == 0)
                    s = STEP_COND_FAIL;
                else if ((e = dep_load(x, i)) != FWUP_OK)
                    s = error_step(x, e, off);
                else
                    s = STEP_OK;
            } else
#endif
            /* The two conditions that read a component through a chunk
             * buffer are called from here too: their frames and
             * exec_simple's are siblings, not stacked. */
            if (cmd == FWUP_SUIT_CMD_IMAGE_MATCH)
                s = image_match(x, i, off);
            else if (cmd == FWUP_SUIT_CMD_CHECK_CONTENT)
                s = check_content(x, i, off);
            else
                s = exec_simple(x, cmd, i, off);
            rec(x, off, slot_of(x, i), cmd,
                s == STEP_OK     ? FWUP_OK
                : s == STEP_ERROR ? (enum fwup_err)x->diag->code
                                  : FWUP_E_CONDITION_FAILED,
                pol);
            if (s == STEP_ERROR)
                return (enum fwup_err)x->diag->code;
            failed = (s == STEP_COND_FAIL);
        }
        if (failed) {
            /* use-before says why: the manifest expired ([UM]). */
            e = condition_failed(x, off,
                                 cmd == FWUP_SUIT_CMD_USE_BEFORE ? FWUP_E_EXPIRED
                                                                : FWUP_E_CONDITION_FAILED);
            if (e != FWUP_OK)
                return e;
        }
    }
fail:
    return fail_at(x->diag, e, at, key);
}
#undef FAIL

/* ---- the procedure ------------------------------------------------------- */

/* Sequences of each procedure, in order (§4.2; SUIT-DIGEST §10). */
static const uint8_t update_order[] = {FWUP_V_SEQ_DEPENDENCY_RESOLUTION, FWUP_V_SEQ_PAYLOAD_FETCH, FWUP_V_SEQ_INSTALL,
                                       FWUP_V_SEQ_VALIDATE};
static const uint8_t invoke_order[] = {FWUP_V_SEQ_VALIDATE, FWUP_V_SEQ_LOAD, FWUP_V_SEQ_INVOKE};

/* The context of fwup_v_check's platform, which has no hooks: with it the
 * procedure runs with x.plat NULL, its dry run only (a dry run calls no
 * hook). No device's platform can have it: it is private to this file. One
 * entry point rather than a wrapper around a shared body: the wrapper's
 * frame would sit under the deepest chain (scripts/cortexm-report.sh). */
static const char no_device;

enum fwup_err
fwup_v_process(const struct fwup_verifier *in, enum fwup_v_procedure proc,
               const struct fwup_v_platform *plat, struct fwup_v_processor *p,
               struct fwup_v_diag *diag)
{
    struct fwup_v_diag local = {0, 0, 0, 0};
    struct run x;
    const uint8_t *order;
    size_t n_order;
    bool require_ident;
    enum fwup_err e, result = FWUP_E_INTERNAL; /* fail closed: set to OK at one point */

    if (in == NULL || plat == NULL || p == NULL || in->crypto == NULL)
        return FWUP_E_INVALID_ARG;
    if (diag == NULL)
        diag = &local;
    /* Authenticate before interpreting (§6.1): only a context that went
     * through authenticate AND decode_manifest, never an inspected or failed
     * one, is executed. */
    if ((in->state & (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED)) !=
            (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED) ||
        (in->state & (FWUP_V_ST_INSPECTED | FWUP_V_ST_FAILED)) != 0 || in->policy == NULL)
        return fail_at(diag, FWUP_E_NOT_AUTHENTICATED, 0, 0);
    require_ident = p->require_ident;
    /* §6.1: all parameter storage is cleared when a procedure starts: the
     * part of the state a run reads before writing it. The frames and the
     * dependency contexts (most of the structure) are always written first;
     * clearing them cost more than the rest of the processor's work on a
     * small manifest. */
    memset(p, 0, offsetof(struct fwup_v_processor, stack));
    p->require_ident = require_ident;
    memset(&x, 0, sizeof x);
    x.shared_keys = PBIT(FWUP_SUIT_PARAM_VENDOR_ID) | PBIT(FWUP_SUIT_PARAM_CLASS_ID) |
                    PBIT(FWUP_SUIT_PARAM_DEVICE_ID);
    x.in = in;
    x.root = in;
    x.p = p;
    x.plat = (const void *)plat->ctx == (const void *)&no_device ? NULL : plat;
    x.crypto = in->crypto;
    x.diag = diag;
#ifndef FWUP_V_DISABLE_DEPENDENCIES
    /* Each dependency is authenticated on its own, with the device policy
     * and the roles required of dependencies ([TD] §5.1; e.g. the root by
     * the operator, the dependency by the author). */
    p->dep_policy = *in->policy;
    p->dep_policy.require_roles = in->policy->dep_require_roles;
#endif

    if (proc == FWUP_V_PROC_UPDATE) {
        order = update_order;
        n_order = sizeof update_order;
    } else if (proc == FWUP_V_PROC_INVOKE) {
        order = invoke_order;
        n_order = sizeof invoke_order;
    } else {
        return FWUP_E_INVALID_ARG;
    }

    /* §6.2: the device must have every component the manifest names. */
    if (in->m.n_components == 0 || in->m.n_components > FWUP_V_MAX_COMPONENTS)
        return fail_at(diag, FWUP_E_LIMIT_COMPONENTS, 0, FWUP_SUIT_COMMON_COMPONENTS);
    e = level_setup(&x, in, 0);
    if (e != FWUP_OK)
        return fail_at(diag, e, in->m.dependencies.off, FWUP_SUIT_COMMON_COMPONENTS);
    for (uint32_t i = 0; x.plat != NULL && i < in->m.n_components; i++) {
        struct fwup_v_component c = component(&x, i);
        bool ok = false;
        e = plat->component_ok(plat->ctx, &c, &ok);
        if (e != FWUP_OK)
            return fail_at(diag, e, in->m.components[i].off, FWUP_SUIT_COMMON_COMPONENTS);
        if (!ok)
            return fail_at(diag, FWUP_E_SUIT_COMPONENT, in->m.components[i].off,
                           FWUP_SUIT_COMMON_COMPONENTS);
    }

    /* The shared sequence is checked once on its own (a procedure whose
     * sequences are all absent still gets its identity checks judged). */
    x.dry = true;
    if (in->m.shared.len > 0) {
        e = run_sequence(&x, in->m.shared, FWUP_SUIT_COMMON_SHARED_SEQUENCE);
        if (e != FWUP_OK)
            return e;
    }
    /* §6.2 SHOULD, made a MUST by default: without vendor and class checks a
     * manifest for another device class would be applied. */
    if (p->require_ident && (x.seen & (SEEN_VENDOR | SEEN_CLASS)) != (SEEN_VENDOR | SEEN_CLASS))
        return fail_at(diag, FWUP_E_SUIT_MISSING, in->m.shared.off,
                       FWUP_SUIT_COMMON_SHARED_SEQUENCE);

    /* Pass 0 is a dry run that rejects what cannot be run before anything
     * runs (dependencies included: each is authenticated and its sequences
     * walked); pass 1 runs: the shared sequence before each sequence of the
     * procedure, parameters persisting across them (OPEN-QUESTIONS 10). */
    for (int pass = 0; pass < (x.plat != NULL ? 2 : 1); pass++) {
        x.dry = (pass == 0);
        if (!x.dry) {
            /* Back to the root's own slots; the integrity cache of the dry
             * run does not count for the real run. */
            memset(p->params, 0, sizeof p->params);
            p->n_slots = p->lv[0].top;
            p->lv[0].checked = 0;
            p->lv[0].loaded = 0xff;
            /* §6.2 rollback: asked of the device before anything is written. */
            if (proc == FWUP_V_PROC_UPDATE) {
                e = plat->check_sequence(plat->ctx, in->m.sequence_number);
                if (e != FWUP_OK)
                    return fail_at(diag, e, 0, FWUP_SUIT_SEQUENCE_NUMBER);
            }
        }
        for (size_t k = 0; k < n_order; k++) {
            enum fwup_v_seq_slot s = (enum fwup_v_seq_slot)order[k];
            int32_t key = fwup_verifier_slot_key(s);
            if (in->m.seq[s].state == FWUP_V_ABSENT)
                continue;
            /* A severed sequence this procedure needs cannot run: the update
             * fails ("payload not available"), it is not skipped (§5.4). */
            if (in->m.seq[s].state == FWUP_V_SEVERED_MISSING)
                return fail_at(diag, FWUP_E_SUIT_SEVERED, 0, key);
            x.slot = (uint8_t)s;
            if (!x.dry && in->m.shared.len > 0 &&
                (x.seen & (SEEN_REPLAY | SEEN_FRESH)) != SEEN_FRESH) {
                e = run_sequence(&x, in->m.shared, FWUP_SUIT_COMMON_SHARED_SEQUENCE);
                if (e != FWUP_OK)
                    return e;
                x.seen |= SEEN_FRESH;
            }
            e = run_sequence(&x, in->m.seq[s].body, key);
            if (e != FWUP_OK)
                return e;
        }
    }
    result = FWUP_OK;
    return result;
}

enum fwup_err
fwup_v_check(const struct fwup_verifier *v, enum fwup_v_procedure proc,
             struct fwup_v_processor *p, struct fwup_v_diag *diag)
{
    struct fwup_v_platform none;

    memset(&none, 0, sizeof none);
    none.ctx = (void *)(uintptr_t)&no_device; /* never written through */
    return fwup_v_process(v, proc, &none, p, diag);
}
