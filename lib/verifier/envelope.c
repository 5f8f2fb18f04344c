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
fwup_v_key_slot(uint64_t key)
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

enum fwup_err
fwup_v_fail(struct fwup_verifier *v, enum fwup_err e, size_t off, uint8_t scope, int32_t key)
{
    if (v->diag.code == FWUP_OK) {
        v->diag.code = (uint8_t)e;
        v->diag.scope = scope;
        v->diag.offset = (uint32_t)off;
        v->diag.suit_key = key;
    }
    v->state |= FWUP_V_ST_FAILED;
    return (enum fwup_err)v->diag.code;
}

enum fwup_err
fwup_v_rfail(struct fwup_verifier *v, const struct fwup_vcbor *r, uint8_t scope, int32_t key)
{
    size_t off = 0;
    enum fwup_err e = fwup_vcbor_error(r, &off);

    /* A caller only gets here after a reader call failed; a missing sticky
     * error would be a bug, which must still fail closed. */
    return fwup_v_fail(v, e != FWUP_OK ? e : FWUP_E_INTERNAL, off, scope, key);
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

struct fwup_v_span
fwup_v_content(const struct fwup_vcbor_item *it)
{
    struct fwup_v_span s;

    s.off = (uint32_t)it->data_off;
    s.len = (uint32_t)it->val;
    return s;
}

struct fwup_v_span
fwup_v_whole(const struct fwup_vcbor_item *it)
{
    struct fwup_v_span s;

    s.off = (uint32_t)it->off;
    s.len = (uint32_t)(it->end - it->off);
    return s;
}

enum fwup_err
fwup_v_get(struct fwup_vcbor *r, uint8_t major, struct fwup_vcbor_item *it)
{
    enum fwup_err e = fwup_vcbor_peek(r, it);

    if (e != FWUP_OK)
        return e;
    if (it->major != major)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it->off);
    return fwup_vcbor_next(r, it);
}

enum fwup_err
fwup_v_get_map(struct fwup_vcbor *r, uint64_t *n)
{
    size_t at = fwup_vcbor_offset(r);
    enum fwup_err e = fwup_vcbor_get_map(r, n);

    if (e == FWUP_OK && *n > FWUP_V_MAX_MAP_PAIRS)
        return fwup_vcbor_fail(r, FWUP_E_LIMIT_COUNT, at);
    return e;
}

enum fwup_err
fwup_v_get_key(struct fwup_vcbor *r, uint32_t first, uint64_t index, uint32_t *seen, int64_t *key)
{
    struct fwup_vcbor_item it, k;
    struct fwup_vcbor w;
    enum fwup_err e = fwup_vcbor_next(r, &it);
    uint64_t i;

    if (e != FWUP_OK)
        return e;
    if (it.major == FWUP_CBOR_UINT) {
        *key = it.val > (uint64_t)INT32_MAX ? INT32_MAX : (int64_t)it.val;
        /* Small keys, the ones SUIT and COSE define: a bitmask is enough. */
        if (seen != NULL && it.val < 32) {
            uint32_t bit = (uint32_t)1 << it.val;
            if (*seen & bit)
                return fwup_vcbor_fail(r, FWUP_E_CBOR_DUPLICATE_KEY, it.off);
            *seen |= bit;
            return FWUP_OK;
        }
    } else if (it.major == FWUP_CBOR_NINT) {
        *key = it.val >= (uint64_t)INT32_MAX ? INT32_MIN : -1 - (int64_t)it.val;
    } else if (it.major == FWUP_CBOR_TSTR) {
        if (!fwup_vcbor_utf8_valid(r->buf + it.data_off, (size_t)it.val))
            return fwup_vcbor_fail(r, FWUP_E_CBOR_UTF8, it.off);
        *key = FWUP_V_KEY_TSTR;
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
    w.pos = first;
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
fwup_v_parse_digest(struct fwup_vcbor *r, int32_t *alg, struct fwup_v_span *bytes)
{
    struct fwup_vcbor_item it;
    uint64_t n;
    int64_t a;
    enum fwup_err e;

    e = fwup_vcbor_peek(r, &it);
    if (e == FWUP_OK)
        e = fwup_vcbor_get_array(r, &n);
    if (e != FWUP_OK)
        return e;
    /* SUIT_Digest = [algorithm-id, digest-bytes, * extensions] (§10 CDDL) */
    if (n < 2)
        return fwup_vcbor_fail(r, FWUP_E_SUIT_BAD_VALUE, it.off);
    e = fwup_vcbor_get_int(r, &a);
    if (e != FWUP_OK)
        return e;
    if (a < INT32_MIN || a > INT32_MAX)
        return fwup_vcbor_fail(r, FWUP_E_SUIT_DIGEST_ALG, it.off);
    *alg = (int32_t)a;
    e = fwup_v_get(r, FWUP_CBOR_BSTR, &it);
    if (e != FWUP_OK)
        return e;
    *bytes = fwup_v_content(&it);
    for (n -= 2; n > 0 && e == FWUP_OK; n--)
        e = fwup_vcbor_skip(r, NULL);
    return e;
}

enum fwup_err
fwup_v_digest_match(const struct fwup_verifier *v, int32_t alg, struct fwup_v_span data,
                    struct fwup_v_span expect, bool *match)
{
    const struct fwup_v_crypto *c = v->crypto;
    uint8_t out[FWUP_V_MAX_DIGEST];
    size_t olen = 0;
    enum fwup_err e;

    *match = false;
    e = c->hash_init(c->ctx, alg);
    if (e == FWUP_OK)
        e = c->hash_update(c->ctx, v->env + data.off, data.len);
    if (e == FWUP_OK)
        e = c->hash_final(c->ctx, out, sizeof out, &olen);
    if (e != FWUP_OK)
        return e;
    /* Digests are public (the expected one is in the envelope): memcmp's
     * early exit leaks nothing an attacker does not already have. */
    *match = olen == expect.len && olen <= sizeof out &&
             memcmp(out, v->env + expect.off, olen) == 0;
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

/* Parse the authentication wrapper's SUIT_Digest, then record the blocks. */
static enum fwup_err
parse_wrapper(struct fwup_verifier *v)
{
    struct fwup_vcbor r, d;
    struct fwup_vcbor_item it;
    uint64_t n;

    fwup_v_reader(v, &r, v->auth);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return fwup_v_rfail(v, &r, FWUP_V_AT_AUTH, 0);
    /* The digest MUST be present (manifest-37 §8.3); blocks may be zero here
     * and are refused by authenticate (FWUP_E_NO_AUTH_BLOCK). */
    if (n == 0)
        return fwup_v_fail(v, FWUP_E_SUIT_MISSING, v->auth.off, FWUP_V_AT_AUTH, 0);
    if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
        return fwup_v_rfail(v, &r, FWUP_V_AT_AUTH, 0);
    v->digest = fwup_v_content(&it);
    /* wrapper[0] is copied into every to-be-signed structure (TBS buffer). */
    if (v->digest.len > FWUP_V_MAX_DIGEST_ITEM)
        return fwup_v_fail(v, FWUP_E_LIMIT_BUFFER, it.off, FWUP_V_AT_AUTH, 0);
    fwup_v_reader(v, &d, v->digest);
    if (fwup_v_parse_digest(&d, &v->digest_alg, &v->digest_bytes) != FWUP_OK)
        return fwup_v_rfail(v, &d, FWUP_V_AT_AUTH, 0);
    if (!fwup_vcbor_at_end(&d))
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&d), FWUP_V_AT_AUTH, 0);
    return fwup_v_walk_blocks(v, NULL);
}

enum fwup_err
fwup_verifier_parse(struct fwup_verifier *v, const uint8_t *env, size_t len)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    uint64_t n, i;
    uint32_t seen = 0, first;
    int64_t key = 0;

    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (v->state != 0)
        return fwup_v_fail(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
    if (env == NULL || len == 0)
        return fwup_v_fail(v, FWUP_E_INVALID_ARG, 0, FWUP_V_AT_NONE, 0);
    /* Offsets are 32-bit: nothing a device verifies comes near 4 GiB. */
    if (len >= UINT32_MAX)
        return fwup_v_fail(v, FWUP_E_LIMIT_BUFFER, 0, FWUP_V_AT_NONE, 0);
    v->env = env;
    v->env_len = (uint32_t)len;

    fwup_vcbor_init(&r, env, len);
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        goto rfail;
    /* SUIT_Envelope_Tagged = #6.107(SUIT_Envelope); untagged maps occur in
     * the TEEP vectors (OPEN-QUESTIONS 8). Any other tag is not an envelope. */
    if (it.major == FWUP_CBOR_TAG) {
        if (it.val != FWUP_SUIT_TAG_ENVELOPE)
            return fwup_v_fail(v, FWUP_E_CBOR_TAG, it.off, FWUP_V_AT_ENVELOPE, 0);
        if (fwup_vcbor_next(&r, &it) != FWUP_OK)
            goto rfail;
        v->tagged = 1;
    }
    if (fwup_v_get_map(&r, &n) != FWUP_OK)
        goto rfail;
    first = (uint32_t)fwup_vcbor_offset(&r);
    for (i = 0; i < n; i++) {
        uint32_t key_off = (uint32_t)fwup_vcbor_offset(&r);

        key = 0;
        if (fwup_v_get_key(&r, first, i, &seen, &key) != FWUP_OK)
            goto rfail;
        if (key == FWUP_V_KEY_TSTR) {
            /* Integrated payload or dependency (§5.5, [TD] §8.1.1): a bstr.
             * Not covered by the signature: image-match protects it. */
            key = -1;
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                goto rfail;
            if (v->n_integrated < UINT8_MAX)
                v->n_integrated++;
            continue;
        }
        if (key == FWUP_SUIT_ENV_AUTH || key == FWUP_SUIT_ENV_MANIFEST ||
            (key >= 0 && key < 32 && (((uint32_t)1 << key) & FWUP_V_SEVERABLE_MASK))) {
            /* §8.2: "the authentication wrapper MUST come first" - a
             * streaming device must be able to authenticate before it has
             * buffered the manifest. */
            if (key == FWUP_SUIT_ENV_AUTH && (seen & (1u << FWUP_SUIT_ENV_MANIFEST)))
                return fwup_v_fail(v, FWUP_E_SUIT_BAD_VALUE, key_off, FWUP_V_AT_ENVELOPE, 2);
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                goto rfail;
            if (key == FWUP_SUIT_ENV_AUTH) {
                v->auth = fwup_v_content(&it);
            } else if (key == FWUP_SUIT_ENV_MANIFEST) {
                v->manifest_item = fwup_v_whole(&it);
                v->manifest = fwup_v_content(&it);
            } else {
                v->member[fwup_v_key_slot((uint64_t)key)] = fwup_v_whole(&it);
            }
            continue;
        }
        /* Unknown integer key (including reserved 1, delegation): recorded
         * here, refused by authenticate, shown by inspect. */
        if (v->n_unknown == 0)
            v->unknown_off = key_off;
        if (v->n_unknown < UINT8_MAX)
            v->n_unknown++;
        if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
            goto rfail;
    }
    key = 0;
    /* A verifier that stops at the map's end would accept anything appended
     * to a signed envelope; refuse it so the bytes checked are the file. */
    if (!fwup_vcbor_at_end(&r)) {
        if (fwup_vcbor_error(&r, NULL) != FWUP_OK)
            goto rfail;
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), FWUP_V_AT_ENVELOPE, 0);
    }
    if (v->auth.off == 0)
        return fwup_v_fail(v, FWUP_E_SUIT_MISSING, 0, FWUP_V_AT_ENVELOPE, FWUP_SUIT_ENV_AUTH);
    if (v->manifest.off == 0)
        return fwup_v_fail(v, FWUP_E_SUIT_MISSING, 0, FWUP_V_AT_ENVELOPE, FWUP_SUIT_ENV_MANIFEST);
    if (parse_wrapper(v) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    v->state = FWUP_V_ST_PARSED;
    return FWUP_OK;

rfail:
    return fwup_v_rfail(v, &r, FWUP_V_AT_ENVELOPE, (int32_t)key);
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
        if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
            return FWUP_E_INTERNAL;
    }
    return FWUP_E_SUIT_MISSING;
}
