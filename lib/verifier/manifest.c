/*
 * The manifest view (manifest-37 §8.4): decoded only after authentication,
 * or, for display, explicitly without it (inspect).
 *
 * Nothing is copied: v->m holds spans into the envelope. The command
 * sequences are checked for shape only (a bstr holding one array of
 * command/argument pairs); the manifest processor interprets them.
 */
#include <string.h>

#include "verifier_int.h"

/* What an element's bstr must hold. */
enum body_kind { BODY_SEQUENCE, BODY_TEXT, BODY_ANY };

/*
 * Check that span s holds exactly one item of the expected shape: a command
 * sequence is an array of (command, argument) pairs (§8.4.6), text a map
 * (§8.4.4). skip() bounds the nesting (FWUP_V_MAX_CBOR_DEPTH).
 */
static enum fwup_err
check_body(struct fwup_verifier *v, struct fwup_v_span s, enum body_kind kind, uint8_t scope,
           int32_t key)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;

    fwup_v_reader(v, &r, s);
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        return fwup_v_rfail(v, &r, scope, key);
    if (kind == BODY_SEQUENCE && (it.major != FWUP_CBOR_ARRAY || (it.val & 1) != 0))
        return fwup_v_fail(v, FWUP_E_SUIT_SEQUENCE, it.off, scope, key);
    if (kind == BODY_TEXT && it.major != FWUP_CBOR_MAP)
        return fwup_v_fail(v, FWUP_E_SUIT_TEXT, it.off, scope, key);
    if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
        return fwup_v_rfail(v, &r, scope, key);
    if (!fwup_vcbor_at_end(&r))
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), scope, key);
    return FWUP_OK;
}

static enum fwup_err
check_slot_body(struct fwup_verifier *v, unsigned slot, struct fwup_v_span body)
{
    enum body_kind kind = slot == FWUP_V_SEQ_TEXT     ? BODY_TEXT
                          : slot == FWUP_V_SEQ_COSWID ? BODY_ANY
                                                      : BODY_SEQUENCE;

    return check_body(v, body, kind, FWUP_V_AT_MANIFEST, fwup_v_slot_keys[slot]);
}

/* SUIT_Component_Identifier = [+ bstr]: the empty id is CDDL-valid ([* bstr])
 * but names nothing a device can store to (OPEN-QUESTIONS 15). */
static enum fwup_err
read_component_id(struct fwup_vcbor *r, struct fwup_v_span *span)
{
    struct fwup_vcbor_item it;
    size_t start = fwup_vcbor_offset(r);
    uint64_t n;

    if (fwup_vcbor_get_array(r, &n) != FWUP_OK)
        return fwup_vcbor_error(r, NULL);
    if (n == 0)
        return fwup_vcbor_fail(r, FWUP_E_SUIT_COMPONENT, start);
    for (; n > 0; n--)
        if (fwup_v_get(r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
            return fwup_vcbor_error(r, NULL);
    span->off = (uint32_t)start;
    span->len = (uint32_t)(fwup_vcbor_offset(r) - start);
    return FWUP_OK;
}

/* A severed element (§8.4.12): the manifest holds SUIT_Digest of the
 * envelope member's complete bstr, head included (OPEN-QUESTIONS 1). */
static enum fwup_err
severed(struct fwup_verifier *v, struct fwup_vcbor *r, unsigned slot, bool lenient)
{
    struct fwup_v_seq *s = &v->m.seq[slot];
    struct fwup_v_span dbytes, mem = v->member[slot];
    struct fwup_vcbor mr;
    struct fwup_vcbor_item it;
    int32_t alg = 0, key = fwup_v_slot_keys[slot];
    size_t start = fwup_vcbor_offset(r);
    bool match = false;
    enum fwup_err e;

    if (fwup_v_parse_digest(r, &alg, &dbytes) != FWUP_OK)
        return fwup_v_rfail(v, r, FWUP_V_AT_MANIFEST, key);
    s->digest.off = (uint32_t)start;
    s->digest.len = (uint32_t)(fwup_vcbor_offset(r) - start);
    if (mem.off == 0) {
        s->state = FWUP_V_SEVERED_MISSING;
        return FWUP_OK;
    }
    if (v->crypto == NULL)
        return fwup_v_fail(v, FWUP_E_INVALID_ARG, mem.off, FWUP_V_AT_ENVELOPE, key);
    e = fwup_v_digest_match(v, alg, mem, dbytes, &match);
    if (e != FWUP_OK)
        return fwup_v_fail(v, e, start, FWUP_V_AT_MANIFEST, key);
    fwup_v_reader(v, &mr, mem);
    if (fwup_v_get(&mr, FWUP_CBOR_BSTR, &it) != FWUP_OK)
        return fwup_v_rfail(v, &mr, FWUP_V_AT_ENVELOPE, key);
    s->body = fwup_v_content(&it);
    if (!match) {
        /* An element that does not match its digest was not made by the
         * signer: refused when verifying, flagged when inspecting. */
        if (!lenient)
            return fwup_v_fail(v, FWUP_E_SEVERABLE_DIGEST, mem.off, FWUP_V_AT_ENVELOPE, key);
        s->state = FWUP_V_SEVERED_MISMATCH;
        return FWUP_OK;
    }
    s->state = FWUP_V_SEVERED_PRESENT;
    return check_slot_body(v, slot, s->body);
}

/* Unknown key: an error when verifying (OPEN-QUESTIONS 9: ignoring e.g. an
 * install under the pre-29 key 17 would silently skip commands), skipped and
 * counted when inspecting. */
static enum fwup_err
unknown_key(struct fwup_verifier *v, struct fwup_vcbor *r, size_t off, bool lenient,
            uint8_t scope, int32_t key)
{
    if (!lenient)
        return fwup_v_fail(v, FWUP_E_SUIT_UNKNOWN_KEY, off, scope, key);
    if (v->m.n_unknown < UINT8_MAX)
        v->m.n_unknown++;
    if (fwup_vcbor_skip(r, NULL) != FWUP_OK)
        return fwup_v_rfail(v, r, scope, key);
    return FWUP_OK;
}

/* SUIT_Common (§8.4.5). */
static enum fwup_err
decode_common(struct fwup_verifier *v, bool lenient)
{
    struct fwup_v_manifest *m = &v->m;
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    uint64_t n, i, cnt, j;
    uint32_t seen = 0, first, dseen, dfirst;
    int64_t key = 0, dkey;
    size_t off;

    fwup_v_reader(v, &r, m->common);
    if (fwup_v_get_map(&r, &n) != FWUP_OK)
        goto rfail;
    first = (uint32_t)fwup_vcbor_offset(&r);
    for (i = 0; i < n; i++) {
        off = fwup_vcbor_offset(&r);
        if (fwup_v_get_key(&r, first, i, &seen, &key) != FWUP_OK)
            goto rfail;
        if (key == FWUP_SUIT_COMMON_DEPENDENCIES) {
            /* [TD] §5.2.2: { uint component-index => SUIT_Dependency_Metadata } */
            m->dependencies.off = (uint32_t)fwup_vcbor_offset(&r);
            if (fwup_v_get_map(&r, &cnt) != FWUP_OK)
                goto rfail;
            dfirst = (uint32_t)fwup_vcbor_offset(&r);
            dseen = 0;
            for (j = 0; j < cnt; j++) {
                size_t koff = fwup_vcbor_offset(&r);
                if (fwup_v_get_key(&r, dfirst, j, &dseen, &dkey) != FWUP_OK)
                    goto rfail;
                if (dkey < 0)
                    return fwup_v_fail(v, FWUP_E_SUIT_COMPONENT, koff, FWUP_V_AT_COMMON,
                                       FWUP_SUIT_COMMON_DEPENDENCIES);
                if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
                    goto rfail;
                if (it.major != FWUP_CBOR_MAP)
                    return fwup_v_fail(v, FWUP_E_SUIT_DEPENDENCY, it.off, FWUP_V_AT_COMMON,
                                       FWUP_SUIT_COMMON_DEPENDENCIES);
                if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                    goto rfail;
            }
            m->dependencies.len = (uint32_t)(fwup_vcbor_offset(&r) - m->dependencies.off);
        } else if (key == FWUP_SUIT_COMMON_COMPONENTS) {
            if (fwup_vcbor_get_array(&r, &cnt) != FWUP_OK)
                goto rfail;
            if (cnt == 0)
                return fwup_v_fail(v, FWUP_E_SUIT_COMPONENT, off, FWUP_V_AT_COMMON, 2);
            /* §6.2: a manifest with more components than the device has is
             * refused; it also bounds every per-component table. */
            if (cnt > FWUP_V_MAX_COMPONENTS)
                return fwup_v_fail(v, FWUP_E_LIMIT_COMPONENTS, off, FWUP_V_AT_COMMON, 2);
            for (j = 0; j < cnt; j++)
                if (read_component_id(&r, &m->components[j]) != FWUP_OK)
                    return fwup_v_rfail(v, &r, FWUP_V_AT_COMPONENT, (int32_t)j);
            m->n_components = (uint8_t)cnt;
        } else if (key == FWUP_SUIT_COMMON_SHARED_SEQUENCE) {
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                goto rfail;
            m->shared = fwup_v_content(&it);
            if (check_body(v, m->shared, BODY_SEQUENCE, FWUP_V_AT_COMMON, 4) != FWUP_OK)
                return (enum fwup_err)v->diag.code;
        } else if (unknown_key(v, &r, off, lenient, FWUP_V_AT_COMMON, (int32_t)key) != FWUP_OK) {
            return (enum fwup_err)v->diag.code;
        }
    }
    key = 0;
    if (!fwup_vcbor_at_end(&r)) {
        if (fwup_vcbor_error(&r, NULL) != FWUP_OK)
            goto rfail;
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), FWUP_V_AT_COMMON, 0);
    }
    if (m->n_components == 0)
        return fwup_v_fail(v, FWUP_E_SUIT_MISSING, m->common.off, FWUP_V_AT_COMMON, 2);
    return FWUP_OK;

rfail:
    return fwup_v_rfail(v, &r, FWUP_V_AT_COMMON, (int32_t)key);
}

static enum fwup_err
decode(struct fwup_verifier *v, bool lenient)
{
    struct fwup_v_manifest *m = &v->m;
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct fwup_bytes t;
    uint64_t n, i, u;
    uint32_t seen = 0, first, referenced = 0;
    int64_t key = 0;
    size_t off;
    unsigned slot;

    fwup_v_reader(v, &r, v->manifest);
    if (fwup_v_get_map(&r, &n) != FWUP_OK)
        goto rfail;
    first = (uint32_t)fwup_vcbor_offset(&r);
    for (i = 0; i < n; i++) {
        off = fwup_vcbor_offset(&r);
        if (fwup_v_get_key(&r, first, i, &seen, &key) != FWUP_OK)
            goto rfail;
        switch (key) {
        case FWUP_SUIT_VERSION:
            if (fwup_vcbor_get_uint(&r, &u) != FWUP_OK)
                goto rfail;
            /* §8.4.2: a processor MUST fail on a version it does not support. */
            if (u != 1)
                return fwup_v_fail(v, FWUP_E_SUIT_VERSION, off, FWUP_V_AT_MANIFEST, 1);
            m->version = 1;
            break;
        case FWUP_SUIT_SEQUENCE_NUMBER:
            if (fwup_vcbor_get_uint(&r, &m->sequence_number) != FWUP_OK)
                goto rfail;
            break;
        case FWUP_SUIT_COMMON:
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                goto rfail;
            m->common = fwup_v_content(&it);
            break;
        case FWUP_SUIT_REFERENCE_URI:
            if (fwup_vcbor_get_tstr(&r, &t) != FWUP_OK)
                goto rfail;
            m->reference_uri.off = (uint32_t)(t.ptr - v->env);
            m->reference_uri.len = (uint32_t)t.len;
            break;
        case FWUP_SUIT_MANIFEST_COMPONENT_ID:
            if (read_component_id(&r, &m->component_id) != FWUP_OK)
                goto rfail;
            break;
        default:
            slot = key >= 0 ? fwup_v_key_slot((uint64_t)key) : FWUP_V_N_SEQ;
            if (slot == FWUP_V_N_SEQ) {
                if (unknown_key(v, &r, off, lenient, FWUP_V_AT_MANIFEST, (int32_t)key) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
                break;
            }
            if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
                goto rfail;
            /* Inline: bstr. Severed: SUIT_Digest array, only for severable
             * elements (validate, load, invoke, uninstall never are). */
            if (it.major == FWUP_CBOR_BSTR) {
                if (fwup_vcbor_next(&r, &it) != FWUP_OK)
                    goto rfail;
                m->seq[slot].state = FWUP_V_INLINE;
                m->seq[slot].body = fwup_v_content(&it);
                if (check_slot_body(v, slot, m->seq[slot].body) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            } else if (it.major == FWUP_CBOR_ARRAY &&
                       (((uint32_t)1 << key) & FWUP_V_SEVERABLE_MASK)) {
                referenced |= (uint32_t)1 << key;
                if (severed(v, &r, slot, lenient) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            } else {
                return fwup_v_fail(v, FWUP_E_SUIT_BAD_VALUE, it.off, FWUP_V_AT_MANIFEST,
                                   (int32_t)key);
            }
            break;
        }
    }
    key = 0;
    if (!fwup_vcbor_at_end(&r)) {
        if (fwup_vcbor_error(&r, NULL) != FWUP_OK)
            goto rfail;
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), FWUP_V_AT_MANIFEST, 0);
    }
    /* Version, sequence number and common are REQUIRED (§8.4). */
    for (key = 1; key <= 3; key++)
        if (!(seen & ((uint32_t)1 << key)))
            return fwup_v_fail(v, FWUP_E_SUIT_MISSING, v->manifest.off, FWUP_V_AT_MANIFEST,
                               (int32_t)key);
    /* An envelope member the manifest does not reference by digest is not
     * covered by any signature: refuse it rather than carry it along. */
    for (slot = 0; slot < FWUP_V_N_SEQ && !lenient; slot++)
        if (v->member[slot].off != 0 && !(referenced & ((uint32_t)1 << fwup_v_slot_keys[slot])))
            return fwup_v_fail(v, FWUP_E_SUIT_BAD_VALUE, v->member[slot].off,
                               FWUP_V_AT_ENVELOPE, fwup_v_slot_keys[slot]);
    return decode_common(v, lenient);

rfail:
    return fwup_v_rfail(v, &r, FWUP_V_AT_MANIFEST, (int32_t)key);
}

/*
 * 1 if component id `comp` starts with one of the prefixes in pfx (an
 * encoded array of component ids), 0 if not, -1 if pfx is malformed.
 */
static int
covered(const struct fwup_verifier *v, struct fwup_bytes pfx, struct fwup_v_span comp)
{
    struct fwup_vcbor p, c;
    struct fwup_bytes a, b;
    uint64_t np, lp, lc, j;
    bool match;

    fwup_vcbor_init(&p, pfx.ptr, pfx.len);
    if (fwup_vcbor_get_array(&p, &np) != FWUP_OK)
        return -1;
    for (; np > 0; np--) {
        fwup_v_reader(v, &c, comp);
        if (fwup_vcbor_get_array(&p, &lp) != FWUP_OK || fwup_vcbor_get_array(&c, &lc) != FWUP_OK)
            return -1;
        match = lp <= lc;
        for (j = 0; j < lp; j++) {
            if (fwup_vcbor_get_bstr(&p, &a) != FWUP_OK)
                return -1;
            if (match)
                match = fwup_vcbor_get_bstr(&c, &b) == FWUP_OK && a.len == b.len &&
                        memcmp(a.ptr, b.ptr, a.len) == 0;
        }
        if (match)
            return 1;
    }
    return 0;
}

/* Every anchor that verified a block may only have signed components inside
 * its prefixes (manifest-37 §9, "key + ACL of component-id prefixes"). */
static enum fwup_err
check_acl(struct fwup_verifier *v)
{
    const struct fwup_v_policy *pol = v->policy;
    uint8_t a, k;
    int c;

    for (a = 0; a < pol->n_anchors; a++) {
        if (!(v->valid_anchors & (1u << a)) || pol->anchors[a].prefixes.ptr == NULL)
            continue;
        for (k = 0; k < v->m.n_components; k++) {
            c = covered(v, pol->anchors[a].prefixes, v->m.components[k]);
            if (c < 0)
                return fwup_v_fail(v, FWUP_E_POLICY_INVALID, 0, FWUP_V_AT_POLICY, a);
            if (c == 0)
                return fwup_v_fail(v, FWUP_E_POLICY_COMPONENT, v->m.components[k].off,
                                   FWUP_V_AT_COMPONENT, k);
        }
    }
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_decode_manifest(struct fwup_verifier *v)
{
    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (!(v->state & FWUP_V_ST_AUTHENTICATED))
        return fwup_v_fail(v, FWUP_E_NOT_AUTHENTICATED, 0, FWUP_V_AT_NONE, 0);
    if (v->state & FWUP_V_ST_DECODED)
        return fwup_v_fail(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
    if (decode(v, false) != FWUP_OK || check_acl(v) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    v->state |= FWUP_V_ST_DECODED;
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_inspect(struct fwup_verifier *v)
{
    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (v->state != FWUP_V_ST_PARSED)
        return fwup_v_fail(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
    /* Marked first: whatever happens next, this context never runs. */
    v->state |= FWUP_V_ST_INSPECTED;
    if (decode(v, true) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    v->state |= FWUP_V_ST_DECODED;
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_verify(struct fwup_verifier *v, const uint8_t *env, size_t len,
                     const struct fwup_v_policy *policy)
{
    enum fwup_err rc = FWUP_E_INTERNAL; /* fail closed */
    enum fwup_err e = fwup_verifier_parse(v, env, len);

    if (e == FWUP_OK)
        e = fwup_verifier_authenticate(v, policy);
    if (e == FWUP_OK)
        e = fwup_verifier_decode_manifest(v);
    if (e != FWUP_OK)
        rc = e;
    else if ((v->state & (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED | FWUP_V_ST_FAILED |
                          FWUP_V_ST_INSPECTED)) ==
             (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED))
        rc = FWUP_OK;
    return rc;
}

enum fwup_err
fwup_verifier_sequence(const struct fwup_verifier *v, enum fwup_v_seq_slot slot,
                       struct fwup_bytes *out)
{
    const struct fwup_v_seq *s;

    if ((v->state & (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED | FWUP_V_ST_INSPECTED |
                     FWUP_V_ST_FAILED)) != (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED))
        return FWUP_E_NOT_AUTHENTICATED;
    if ((unsigned)slot >= FWUP_V_N_SEQ)
        return FWUP_E_INVALID_ARG;
    s = &v->m.seq[slot];
    if (s->state == FWUP_V_INLINE || s->state == FWUP_V_SEVERED_PRESENT) {
        *out = fwup_verifier_bytes(v, s->body);
        return FWUP_OK;
    }
    return s->state == FWUP_V_SEVERED_MISSING ? FWUP_E_SUIT_SEVERED : FWUP_E_SUIT_MISSING;
}
