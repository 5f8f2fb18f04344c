/*
 * SUIT envelope parsing (manifest-37 §5.1, §8.2) and the helpers shared by
 * the verifier's files.
 *
 * Nothing here trusts the input: the envelope is only split into spans. The
 * manifest bytes are not even looked at until fwup_verifier_authenticate()
 * has checked their digest (manifest-37 §6.1, RIOT handlers_envelope.c).
 */
#include <string.h>

#include "verifier_int.h"

/* The context's size is part of the contract with device integrators: a
 * change that grows it past the documented bound must be deliberate. */
typedef char fwup_v_context_size_is_pinned[(sizeof(struct fwup_verifier) <= FWUP_V_CONTEXT_BOUND)
                                               ? 1
                                               : -1];
/* Anchor and role sets are 16-bit masks. */
typedef char fwup_v_masks_fit[(FWUP_V_MAX_ANCHORS <= 16 && FWUP_V_MAX_ROLES <= 16 &&
                               FWUP_V_MAX_AUTH_BLOCKS < FWUP_V_NO_ANCHOR &&
                               FWUP_V_MAX_COMPONENTS < 256)
                                  ? 1
                                  : -1];

const uint8_t fwup_v_slot_keys[FWUP_V_N_SEQ] = {
    FWUP_SUIT_VALIDATE,         FWUP_SUIT_LOAD,
    FWUP_SUIT_INVOKE,           FWUP_SUIT_COSWID,
    FWUP_SUIT_DEPENDENCY_RESOLUTION, FWUP_SUIT_PAYLOAD_FETCH,
    FWUP_SUIT_CANDIDATE_VERIFICATION, FWUP_SUIT_INSTALL,
    FWUP_SUIT_TEXT,             FWUP_SUIT_UNINSTALL,
};

unsigned
fwup_v_key_slot(uint32_t key)
{
    unsigned s;

    for (s = 0; s < FWUP_V_N_SEQ; s++)
        if (fwup_v_slot_keys[s] == key)
            break;
    return s;
}

int32_t
fwup_verifier_slot_key(enum fwup_v_seq_slot slot)
{
    return (unsigned)slot < FWUP_V_N_SEQ ? fwup_v_slot_keys[slot] : 0;
}

void
fwup_v_at(struct fwup_verifier *v, uint8_t scope, int32_t key)
{
    /* A recorded error keeps the place where it happened. */
    if (v->diag.code == FWUP_OK) {
        v->diag.scope = scope;
        v->diag.suit_key = key;
    }
}

enum fwup_err
fwup_v_fail(struct fwup_verifier *v, enum fwup_err e, size_t off)
{
    if (v->diag.code == FWUP_OK) {
        /* FWUP_OK here would be a bug; it must still fail closed. */
        v->diag.code = (uint8_t)(e != FWUP_OK ? e : FWUP_E_INTERNAL);
        v->diag.offset = (uint32_t)off;
    }
    v->state |= FWUP_V_ST_FAILED;
    return (enum fwup_err)v->diag.code;
}

enum fwup_err
fwup_v_fail_at(struct fwup_verifier *v, enum fwup_err e, size_t off, uint8_t scope, int32_t key)
{
    fwup_v_at(v, scope, key);
    return fwup_v_fail(v, e, off);
}

enum fwup_err
fwup_v_rfail(struct fwup_verifier *v, const struct fwup_vcbor *r)
{
    /* A caller only gets here after a reader call failed; a missing sticky
     * error would be a bug, which fwup_v_fail turns into FWUP_E_INTERNAL. */
    return fwup_v_fail(v, r->err, r->err_off);
}

enum fwup_err
fwup_v_end(struct fwup_verifier *v, const struct fwup_vcbor *r)
{
    if (fwup_vcbor_at_end(r))
        return FWUP_OK;
    /* A decoder that stops at the item's end would accept anything appended
     * to signed bytes; refuse it so the bytes checked are all the bytes. */
    if (r->err != FWUP_OK)
        return fwup_v_rfail(v, r);
    return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, r->pos);
}

void
fwup_v_reader(const struct fwup_verifier *v, struct fwup_vcbor *r, struct fwup_v_span s)
{
    /* A reader over the whole envelope prefix up to the span's end, started
     * at the span: offsets stay absolute (diagnostics point into the file)
     * and nothing past the span can be read. */
    fwup_vcbor_init(r, v->env, (size_t)s.off + s.len);
    r->pos = s.off;
}

enum fwup_err
fwup_v_map(struct fwup_vcbor *r, struct fwup_v_map *m)
{
    size_t at = r->pos;
    enum fwup_err e;

    m->n = 0;
    e = fwup_v_count(r, FWUP_CBOR_MAP, &m->n);
    if (e == FWUP_OK && m->n > FWUP_V_MAX_MAP_PAIRS)
        return fwup_vcbor_fail(r, FWUP_E_LIMIT_COUNT, at);
    m->first = (uint32_t)r->pos;
    m->i = 0;
    m->seen = 0;
    return e;
}

enum fwup_err
fwup_v_key(struct fwup_vcbor *r, struct fwup_v_map *m, int32_t *key, size_t *off)
{
    struct fwup_vcbor_item it, k;
    struct fwup_vcbor w;
    enum fwup_err e;
    uint32_t i, index = m->i++;

    *off = r->pos;
    e = fwup_vcbor_next(r, &it);
    if (e != FWUP_OK)
        return e;
    m->tstr = it.major == FWUP_CBOR_TSTR;
    if (it.major == FWUP_CBOR_UINT) {
        *key = it.val > (uint64_t)INT32_MAX ? INT32_MAX : (int32_t)it.val;
        /* Small keys, the ones SUIT and COSE define: a bitmask is enough. */
        if (it.val < 32) {
            uint32_t bit = (uint32_t)1 << it.val;
            if (m->seen & bit)
                return fwup_vcbor_fail(r, FWUP_E_CBOR_DUPLICATE_KEY, it.off);
            m->seen |= bit;
            return FWUP_OK;
        }
    } else if (it.major == FWUP_CBOR_NINT) {
        *key = it.val >= (uint64_t)INT32_MAX ? INT32_MIN : -1 - (int32_t)it.val;
    } else if (it.major == FWUP_CBOR_TSTR) {
        if (!fwup_vcbor_utf8_valid(r->buf + it.data_off, (size_t)it.val))
            return fwup_vcbor_fail(r, FWUP_E_CBOR_UTF8, it.off);
        *key = 0;
    } else {
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it.off);
    }
    /*
     * Any other key: compare with every earlier key of this map (decoded
     * value, not encoding, so a non-shortest head cannot smuggle a
     * duplicate in). Earlier keys were validated to be int or tstr, so
     * next() consumes each whole. Bounded by FWUP_V_MAX_MAP_PAIRS.
     */
    fwup_vcbor_init(&w, r->buf, r->len);
    w.pos = m->first;
    for (i = 0; i < index; i++) {
        if (fwup_vcbor_next(&w, &k) != FWUP_OK)
            break;
        if (k.major == it.major && k.val == it.val &&
            (k.major != FWUP_CBOR_TSTR ||
             memcmp(r->buf + k.data_off, r->buf + it.data_off, (size_t)it.val) == 0))
            return fwup_vcbor_fail(r, FWUP_E_CBOR_DUPLICATE_KEY, it.off);
        if (fwup_vcbor_skip(&w, NULL) != FWUP_OK)
            break;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_v_int32(struct fwup_vcbor *r, int32_t *out, enum fwup_err range, size_t at)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_vcbor_next(r, &it);

    /* Errors are sticky: that the item was consumed does not matter. */
    if (e != FWUP_OK)
        return e;
    if (it.major > FWUP_CBOR_NINT)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it.off);
    /* As fwup_vcbor_get_int: past int64 is a CBOR range error; then the
     * caller's own error past int32 (uint > INT32_MAX, or nint -1 - val
     * < INT32_MIN: the same bound on val). */
    if (it.val > (uint64_t)INT64_MAX)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_RANGE, it.off);
    if (it.val > (uint64_t)INT32_MAX)
        return fwup_vcbor_fail(r, range, at);
    *out = it.major == FWUP_CBOR_UINT ? (int32_t)it.val : -1 - (int32_t)it.val;
    return FWUP_OK;
}

enum fwup_err
fwup_v_parse_digest(struct fwup_vcbor *r, int32_t *alg, struct fwup_v_span *bytes)
{
    struct fwup_vcbor_item it;
    size_t at = r->pos;
    uint32_t n;
    enum fwup_err e;

    e = fwup_v_count(r, FWUP_CBOR_ARRAY, &n);
    if (e != FWUP_OK)
        return e;
    /* SUIT_Digest = [algorithm-id, digest-bytes, * extensions] (§10 CDDL) */
    if (n < 2)
        return fwup_vcbor_fail(r, FWUP_E_SUIT_BAD_VALUE, at);
    e = fwup_v_int32(r, alg, FWUP_E_SUIT_DIGEST_ALG, at);
    if (e != FWUP_OK)
        return e;
    e = fwup_v_get(r, FWUP_CBOR_BSTR, &it);
    if (e != FWUP_OK)
        return e;
    FWUP_V_CONTENT(bytes, &it);
    for (n -= 2; n > 0 && e == FWUP_OK; n--)
        e = fwup_vcbor_skip(r, NULL);
    return e;
}

enum fwup_err
fwup_v_digest_match(const struct fwup_verifier *v, int32_t alg, const struct fwup_v_span *data,
                    const struct fwup_v_span *expect, bool *match)
{
    const struct fwup_v_crypto *c = v->crypto;
    uint8_t out[FWUP_V_MAX_DIGEST];
    size_t olen = 0;
    enum fwup_err e;

    *match = false;
    e = c->hash_init(c->ctx, alg);
    if (e == FWUP_OK)
        e = c->hash_update(c->ctx, v->env + data->off, data->len);
    if (e == FWUP_OK)
        e = c->hash_final(c->ctx, out, sizeof out, &olen);
    if (e != FWUP_OK)
        return e;
    /* Digests are public (the expected one is in the envelope): memcmp's
     * early exit leaks nothing an attacker does not already have. */
    *match = olen == expect->len && olen <= sizeof out &&
             memcmp(out, v->env + expect->off, olen) == 0;
    return FWUP_OK;
}

void
fwup_verifier_init(struct fwup_verifier *v, const struct fwup_v_crypto *crypto)
{
    memset(v, 0, sizeof *v);
    v->crypto = crypto;
}

const struct fwup_v_diag *
fwup_verifier_diag(const struct fwup_verifier *v)
{
    return &v->diag;
}

struct fwup_bytes
fwup_verifier_bytes(const struct fwup_verifier *v, struct fwup_v_span s)
{
    struct fwup_bytes b = {NULL, 0};

    /* Spans come from the parser and lie inside the envelope; a span
     * handed in by a caller is checked all the same. */
    if (v->env != NULL && s.off != 0 && s.off <= v->env_len && s.len <= v->env_len - s.off) {
        b.ptr = v->env + s.off;
        b.len = s.len;
    }
    return b;
}

enum fwup_err
fwup_verifier_parse(struct fwup_verifier *v, const uint8_t *env, size_t len)
{
    struct fwup_v_span all;
    enum fwup_err e = FWUP_E_LIMIT_BUFFER;

    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (v->state != 0)
        e = FWUP_E_BAD_STATE;
    else if (env == NULL || len == 0)
        e = FWUP_E_INVALID_ARG;
    /* Offsets are 32-bit: nothing a device verifies comes near 4 GiB. */
    else if (len < UINT32_MAX)
        e = FWUP_OK;
    if (e != FWUP_OK)
        return fwup_v_fail_at(v, e, 0, FWUP_V_AT_NONE, 0);
    v->env = env;
    v->env_len = (uint32_t)len;

    all.off = 0;
    all.len = (uint32_t)len;
    if (fwup_v_decode_map(v, all, FWUP_V_AT_ENVELOPE, false) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    /* The authentication wrapper: its SUIT_Digest, then the blocks. */
    if (fwup_v_walk_blocks(v, NULL) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    v->state = FWUP_V_ST_PARSED;
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_integrated(const struct fwup_verifier *v, size_t index, struct fwup_bytes *name,
                         struct fwup_bytes *data)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item k, it;
    struct fwup_v_span all;
    uint64_t n, i;
    size_t found = 0;

    if ((v->state & (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED | FWUP_V_ST_INSPECTED |
                     FWUP_V_ST_FAILED)) != (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED))
        return FWUP_E_NOT_AUTHENTICATED;
    /* Re-walk the (already validated) envelope map: cheaper in RAM than a
     * table of members, and integrated payloads are looked up rarely. */
    all.off = 0;
    all.len = v->env_len;
    fwup_v_reader(v, &r, all);
    if (v->tagged && fwup_vcbor_next(&r, &it) != FWUP_OK)
        return FWUP_E_INTERNAL;
    if (fwup_vcbor_get_map(&r, &n) != FWUP_OK)
        return FWUP_E_INTERNAL;
    for (i = 0; i < n; i++) {
        if (fwup_vcbor_next(&r, &k) != FWUP_OK)
            return FWUP_E_INTERNAL;
        if (k.major == FWUP_CBOR_TSTR && found++ == index) {
            if (fwup_vcbor_next(&r, &it) != FWUP_OK)
                return FWUP_E_INTERNAL;
            name->ptr = v->env + k.data_off;
            name->len = (size_t)k.val;
            data->ptr = v->env + it.data_off;
            data->len = (size_t)it.val;
            return FWUP_OK;
        }
        /* Every value of an authenticated envelope is a bstr (decode_map
         * reads them so; an unknown key, the one other kind, makes
         * authenticate fail): next() consumes it whole, with no skip()
         * and its depth table on the stack of fwup_v_process's fetch. */
        if (fwup_vcbor_next(&r, &it) != FWUP_OK || it.major != FWUP_CBOR_BSTR)
            return FWUP_E_INTERNAL;
    }
    return FWUP_E_SUIT_MISSING;
}
