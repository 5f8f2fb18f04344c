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
 * (§8.4.4). skip() bounds the nesting (FWUP_V_MAX_CBOR_DEPTH). Failures are
 * reported at the caller's position (the element's key).
 */
static enum fwup_err
check_body(struct fwup_verifier *v, struct fwup_v_span s, enum body_kind kind)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;

    fwup_v_reader(v, &r, s);
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        return fwup_v_rfail(v, &r);
    if (kind == BODY_SEQUENCE && (it.major != FWUP_CBOR_ARRAY || (it.val & 1) != 0))
        return fwup_v_fail(v, FWUP_E_SUIT_SEQUENCE, it.off);
    if (kind == BODY_TEXT && it.major != FWUP_CBOR_MAP)
        return fwup_v_fail(v, FWUP_E_SUIT_TEXT, it.off);
    if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
        return fwup_v_rfail(v, &r);
    return fwup_v_end(v, &r);
}

static enum fwup_err
check_slot_body(struct fwup_verifier *v, unsigned slot, struct fwup_v_span body)
{
    return check_body(v, body,
                      slot == FWUP_V_SEQ_TEXT     ? BODY_TEXT
                      : slot == FWUP_V_SEQ_COSWID ? BODY_ANY
                                                  : BODY_SEQUENCE);
}

/* SUIT_Component_Identifier = [+ bstr]: the empty id is CDDL-valid ([* bstr])
 * but names nothing a device can store to (OPEN-QUESTIONS 15). */
static enum fwup_err
read_component_id(struct fwup_vcbor *r, struct fwup_v_span *span)
{
    struct fwup_vcbor_item it;
    size_t start = r->pos;
    uint32_t n;

    if (fwup_v_count(r, FWUP_CBOR_ARRAY, &n) != FWUP_OK)
        return r->err;
    if (n == 0)
        return fwup_vcbor_fail(r, FWUP_E_SUIT_COMPONENT, start);
    for (; n > 0; n--)
        if (fwup_v_get(r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
            return r->err;
    span->off = (uint32_t)start;
    span->len = (uint32_t)(r->pos - start);
    return FWUP_OK;
}

/* A severed element (§8.4.12): the manifest holds SUIT_Digest of the
 * envelope member's complete bstr, head included (OPEN-QUESTIONS 1).
 * Position: (MANIFEST, key) except for faults of the envelope member. */
static enum fwup_err
severed(struct fwup_verifier *v, struct fwup_vcbor *r, unsigned slot, bool lenient)
{
    struct fwup_v_seq *s = &v->m.seq[slot];
    struct fwup_v_span dbytes, mem = v->member[slot];
    unsigned ai, hl;
    int32_t alg = 0, key = fwup_v_slot_keys[slot];
    size_t start = r->pos;
    bool match = false;
    enum fwup_err e;

    if (fwup_v_parse_digest(r, &alg, &dbytes) != FWUP_OK)
        return fwup_v_rfail(v, r);
    s->digest.off = (uint32_t)start;
    s->digest.len = (uint32_t)(r->pos - start);
    if (mem.off == 0) {
        s->state = FWUP_V_SEVERED_MISSING;
        return FWUP_OK;
    }
    if (v->crypto == NULL)
        return fwup_v_fail_at(v, FWUP_E_INVALID_ARG, mem.off, FWUP_V_AT_ENVELOPE, key);
    e = fwup_v_digest_match(v, alg, &mem, &dbytes, &match);
    if (e != FWUP_OK)
        return fwup_v_fail(v, e, start);
    /* The member was read as a bstr by parse: this cannot fail, and fails
     * closed if it does. */
    /* The member is a definite bstr (parse read it): its content follows a
     * head of 1, 2, 3, 5 or 9 bytes (additional information < 24, 24..27). */
    ai = v->env[mem.off] & 0x1fu;
    hl = ai < 24 ? 1u : 1u + (1u << (ai - 24));
    s->body.off = mem.off + hl;
    s->body.len = mem.len - hl;
    if (!match) {
        /* An element that does not match its digest was not made by the
         * signer: refused when verifying, flagged when inspecting. */
        if (!lenient)
            return fwup_v_fail_at(v, FWUP_E_SEVERABLE_DIGEST, mem.off, FWUP_V_AT_ENVELOPE, key);
        s->state = FWUP_V_SEVERED_MISMATCH;
        return FWUP_OK;
    }
    s->state = FWUP_V_SEVERED_PRESENT;
    return check_slot_body(v, slot, s->body);
}

/* SUIT_Common's dependencies ([TD] §5.2.2): { uint component-index =>
 * SUIT_Dependency_Metadata (a map) }; recorded as a span. */
static enum fwup_err
read_dependencies(struct fwup_verifier *v, struct fwup_vcbor *r)
{
    struct fwup_vcbor_item it;
    struct fwup_v_map d;
    int32_t dkey;
    size_t koff;

    v->m.dependencies.off = (uint32_t)r->pos;
    if (fwup_v_map(r, &d) != FWUP_OK)
        return fwup_v_rfail(v, r);
    while (d.i < d.n) {
        if (fwup_v_key(r, &d, &dkey, &koff) != FWUP_OK)
            return fwup_v_rfail(v, r);
        if (dkey < 0 || d.tstr)
            return fwup_v_fail(v, FWUP_E_SUIT_COMPONENT, koff);
        if (fwup_vcbor_peek(r, &it) != FWUP_OK)
            return fwup_v_rfail(v, r);
        if (it.major != FWUP_CBOR_MAP)
            return fwup_v_fail(v, FWUP_E_SUIT_DEPENDENCY, it.off);
        if (fwup_vcbor_skip(r, NULL) != FWUP_OK)
            return fwup_v_rfail(v, r);
    }
    v->m.dependencies.len = (uint32_t)(r->pos - v->m.dependencies.off);
    return FWUP_OK;
}

/* Case labels of fwup_v_decode_map: a key (0..31, other keys are 0) plus
 * the map it is in. */
#define IN_COMMON 32u
#define IN_ENVELOPE 64u

/*
 * Decode SUIT_Envelope (scope FWUP_V_AT_ENVELOPE, §8.2), SUIT_Manifest
 * (FWUP_V_AT_MANIFEST, §8.4) or SUIT_Common (FWUP_V_AT_COMMON, §8.4.5) at
 * span s: one map walker for the three, so the loop, the key rules, the
 * trailing-bytes check and the required keys exist once. Required: the
 * authentication wrapper and the manifest in the envelope (§8.2); version,
 * sequence number, common in the manifest (§8.4); components in common.
 *
 * Unknown keys of the manifest and common are an error when verifying
 * (OPEN-QUESTIONS 9: ignoring e.g. an install under the pre-29 key 17 would
 * silently skip commands), skipped and counted when inspecting (lenient).
 * Unknown envelope keys are recorded here and refused by authenticate.
 */
enum fwup_err
fwup_v_decode_map(struct fwup_verifier *v, struct fwup_v_span s, uint8_t scope, bool lenient)
{
    struct fwup_v_manifest *m = &v->m;
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct fwup_v_map map;
    uint32_t j, cnt;
    uint32_t need = scope == FWUP_V_AT_COMMON     ? 1u << FWUP_SUIT_COMMON_COMPONENTS
                    : scope == FWUP_V_AT_MANIFEST ? 0x0eu
                                                  : 0x0cu;
    unsigned in = scope == FWUP_V_AT_COMMON     ? IN_COMMON
                  : scope == FWUP_V_AT_ENVELOPE ? IN_ENVELOPE
                                                : 0;
    int32_t key = 0;
    size_t off;
    unsigned slot, k;
    enum fwup_err e;

    fwup_v_at(v, scope, 0);
    fwup_v_reader(v, &r, s);
    if (in == IN_ENVELOPE) {
        /* SUIT_Envelope_Tagged = #6.107(SUIT_Envelope); untagged maps occur
         * in the TEEP vectors (OPEN-QUESTIONS 8). Any other tag is not an
         * envelope. */
        if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
            return fwup_v_rfail(v, &r);
        if (it.major == FWUP_CBOR_TAG) {
            if (it.val != FWUP_SUIT_TAG_ENVELOPE)
                return fwup_v_fail(v, FWUP_E_CBOR_TAG, it.off);
            r.pos = it.end;
            v->tagged = 1;
        }
    }
    if (fwup_v_map(&r, &map) != FWUP_OK)
        return fwup_v_rfail(v, &r);
    while (map.i < map.n) {
        /* On a key that cannot be read the position is the previous key
         * (0 in the envelope). */
        if (in == IN_ENVELOPE)
            key = 0;
        e = fwup_v_key(&r, &map, &key, &off);
        fwup_v_at(v, scope, key);
        if (e != FWUP_OK)
            return fwup_v_rfail(v, &r);
        k = key >= 0 && key < 32 ? (unsigned)key : 0;
        if (in == IN_ENVELOPE) {
            /* Every member the envelope defines is a bstr: one read for
             * them all, then where it goes. */
            struct fwup_v_span *whole = NULL, *content = NULL;

            if (map.tstr) {
                /* Integrated payload or dependency (§5.5, [TD] §8.1.1).
                 * Not covered by the signature: image-match protects it. */
                fwup_v_at(v, scope, -1);
            } else if (k == FWUP_SUIT_ENV_AUTH) {
                /* §8.2: "the authentication wrapper MUST come first" - a
                 * streaming device must be able to authenticate before it
                 * has buffered the manifest. */
                if (map.seen & (1u << FWUP_SUIT_ENV_MANIFEST))
                    return fwup_v_fail(v, FWUP_E_SUIT_BAD_VALUE, off);
                content = &v->auth;
            } else if (k == FWUP_SUIT_ENV_MANIFEST) {
                whole = &v->manifest_item;
                content = &v->manifest;
            } else if (((uint32_t)1 << k) & FWUP_V_SEVERABLE_MASK) {
                /* Checked against the digest the manifest holds, by decode. */
                whole = &v->member[fwup_v_key_slot(k)];
            } else {
                /* Unknown integer key (including reserved 1, delegation):
                 * recorded here, refused by authenticate, shown by inspect. */
                if (v->n_unknown == 0)
                    v->unknown_off = (uint32_t)off;
                if (v->n_unknown < UINT8_MAX)
                    v->n_unknown++;
                if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                    return fwup_v_rfail(v, &r);
                continue;
            }
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            if (whole != NULL)
                FWUP_V_WHOLE(whole, &it);
            if (content != NULL)
                FWUP_V_CONTENT(content, &it);
            if (map.tstr && v->n_integrated < UINT8_MAX)
                v->n_integrated++;
            continue;
        }
        switch (k | in) {
        case FWUP_SUIT_VERSION:
            if (fwup_v_get(&r, FWUP_CBOR_UINT, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            /* §8.4.2: a processor MUST fail on a version it does not support. */
            if (it.val != 1)
                return fwup_v_fail(v, FWUP_E_SUIT_VERSION, off);
            m->version = 1;
            break;
        case FWUP_SUIT_SEQUENCE_NUMBER:
            if (fwup_v_get(&r, FWUP_CBOR_UINT, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            m->sequence_number = it.val;
            break;
        case FWUP_SUIT_COMMON:
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            FWUP_V_CONTENT(&m->common, &it);
            break;
        case FWUP_SUIT_REFERENCE_URI:
            if (fwup_v_get(&r, FWUP_CBOR_TSTR, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            if (!fwup_vcbor_utf8_valid(v->env + it.data_off, (size_t)it.val))
                return fwup_v_fail(v, FWUP_E_CBOR_UTF8, it.off);
            FWUP_V_CONTENT(&m->reference_uri, &it);
            break;
        case FWUP_SUIT_MANIFEST_COMPONENT_ID:
            if (read_component_id(&r, &m->component_id) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            break;
        case IN_COMMON | FWUP_SUIT_COMMON_DEPENDENCIES:
            if (read_dependencies(v, &r) != FWUP_OK)
                return (enum fwup_err)v->diag.code;
            break;
        case IN_COMMON | FWUP_SUIT_COMMON_SHARED_SEQUENCE:
            if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            FWUP_V_CONTENT(&m->shared, &it);
            if (check_body(v, m->shared, BODY_SEQUENCE) != FWUP_OK)
                return (enum fwup_err)v->diag.code;
            break;
        case IN_COMMON | FWUP_SUIT_COMMON_COMPONENTS:
            if (fwup_v_count(&r, FWUP_CBOR_ARRAY, &cnt) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            if (cnt == 0)
                return fwup_v_fail(v, FWUP_E_SUIT_COMPONENT, off);
            /* §6.2: a manifest with more components than the device has is
             * refused; it also bounds every per-component table. */
            if (cnt > FWUP_V_MAX_COMPONENTS)
                return fwup_v_fail(v, FWUP_E_LIMIT_COMPONENTS, off);
            for (j = 0; j < cnt; j++) {
                fwup_v_at(v, FWUP_V_AT_COMPONENT, (int32_t)j);
                if (read_component_id(&r, &m->components[j]) != FWUP_OK)
                    return fwup_v_rfail(v, &r);
            }
            m->n_components = (uint8_t)cnt;
            break;
        default:
            slot = in == 0 && k != 0 ? fwup_v_key_slot(k) : FWUP_V_N_SEQ;
            if (slot == FWUP_V_N_SEQ) {
                if (!lenient)
                    return fwup_v_fail(v, FWUP_E_SUIT_UNKNOWN_KEY, off);
                if (m->n_unknown < UINT8_MAX)
                    m->n_unknown++;
                if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                    return fwup_v_rfail(v, &r);
                break;
            }
            if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
                return fwup_v_rfail(v, &r);
            /* Inline: bstr. Severed: SUIT_Digest array, only for severable
             * elements (validate, load, invoke, uninstall never are). */
            if (it.major == FWUP_CBOR_BSTR) {
                r.pos = it.end;
                m->seq[slot].state = FWUP_V_INLINE;
                FWUP_V_CONTENT(&m->seq[slot].body, &it);
                if (check_slot_body(v, slot, m->seq[slot].body) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            } else if (it.major == FWUP_CBOR_ARRAY &&
                       (((uint32_t)1 << k) & FWUP_V_SEVERABLE_MASK)) {
                if (severed(v, &r, slot, lenient) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            } else {
                return fwup_v_fail(v, FWUP_E_SUIT_BAD_VALUE, it.off);
            }
            break;
        }
    }
    fwup_v_at(v, scope, 0);
    if (fwup_v_end(v, &r) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    /* The lowest required key missing, for the diagnostic. */
    need &= ~map.seen;
    if (need == 0)
        return FWUP_OK;
    for (k = 1; (need & (1u << k)) == 0; k++)
        ;
    return fwup_v_fail_at(v, FWUP_E_SUIT_MISSING, s.off, scope, (int32_t)k);
}

static enum fwup_err
decode(struct fwup_verifier *v, bool lenient)
{
    unsigned slot;

    if (fwup_v_decode_map(v, v->manifest, FWUP_V_AT_MANIFEST, lenient) != FWUP_OK)
        return (enum fwup_err)v->diag.code;
    /* An envelope member the manifest does not reference by digest is not
     * covered by any signature: refuse it rather than carry it along. A
     * slot decoded as severed has state SEVERED_* (keys are unique). */
    for (slot = 0; slot < FWUP_V_N_SEQ && !lenient; slot++)
        if (v->member[slot].off != 0 && v->m.seq[slot].state < FWUP_V_SEVERED_PRESENT)
            return fwup_v_fail_at(v, FWUP_E_SUIT_BAD_VALUE, v->member[slot].off,
                                  FWUP_V_AT_ENVELOPE, fwup_v_slot_keys[slot]);
    return fwup_v_decode_map(v, v->m.common, FWUP_V_AT_COMMON, lenient);
}

/*
 * 1 if component id `comp` starts with one of the prefixes in pfx (an
 * encoded array of component ids), 0 if not, -1 if pfx is malformed.
 */
static int
covered(const struct fwup_verifier *v, struct fwup_bytes pfx, struct fwup_v_span comp)
{
    struct fwup_vcbor p, c;
    struct fwup_vcbor_item a, b;
    uint32_t np, lp, lc;
    bool match;

    /* Counts of 32 bits: a larger one in the caller's prefixes fails as
     * malformed (fwup_v_count), never as a shorter prefix. */
    fwup_vcbor_init(&p, pfx.ptr, pfx.len);
    if (fwup_v_count(&p, FWUP_CBOR_ARRAY, &np) != FWUP_OK)
        return -1;
    for (; np > 0; np--) {
        fwup_v_reader(v, &c, comp);
        if (fwup_v_count(&p, FWUP_CBOR_ARRAY, &lp) != FWUP_OK ||
            fwup_v_count(&c, FWUP_CBOR_ARRAY, &lc) != FWUP_OK)
            return -1;
        match = lp <= lc;
        for (; lp > 0; lp--) {
            if (fwup_v_get(&p, FWUP_CBOR_BSTR, &a) != FWUP_OK)
                return -1;
            if (match)
                match = fwup_v_get(&c, FWUP_CBOR_BSTR, &b) == FWUP_OK && a.val == b.val &&
                        memcmp(pfx.ptr + a.data_off, v->env + b.data_off, (size_t)a.val) == 0;
        }
        if (match)
            return 1;
    }
    return 0;
}

/* Every anchor that verified a block may only have signed components inside
 * its prefixes (manifest-37 §9, "key + ACL of component-id prefixes").
 * Out of line: its readers would otherwise sit in the frame of
 * fwup_verifier_decode_manifest, under the whole manifest decode. */
static FWUP_V_NOINLINE enum fwup_err
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
                return fwup_v_fail_at(v, FWUP_E_POLICY_INVALID, 0, FWUP_V_AT_POLICY, a);
            if (c == 0)
                return fwup_v_fail_at(v, FWUP_E_POLICY_COMPONENT, v->m.components[k].off,
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
        return fwup_v_fail_at(v, FWUP_E_NOT_AUTHENTICATED, 0, FWUP_V_AT_NONE, 0);
    if (v->state & FWUP_V_ST_DECODED)
        return fwup_v_fail_at(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
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
        return fwup_v_fail_at(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
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
