/*
 * Authentication: COSE_Sign1 / COSE_Sign / COSE_Mac0 blocks over the
 * detached SUIT_Digest (manifest-37 §8.3, RFC 9052 §4.4, §6.3), the manifest
 * digest, and the trust policy (DESIGN.md §3).
 *
 * The detached payload is the content of wrapper[0] (the encoded SUIT_Digest),
 * encoded ONCE as a bstr in the to-be-signed structure (OPEN-QUESTIONS 2,
 * settled by every vector). The manifest digest covers the complete bstr at
 * envelope key 3, head included (OPEN-QUESTIONS 1).
 */
#include <string.h>

#include "verifier_int.h"

/* Headers of one COSE layer that the verifier uses. */
struct hdrs {
    int32_t alg;
    uint32_t kid_off;
    uint8_t kid_len;
    bool has_alg;
};

/* COSE algs fwup verifies and the key type each needs (RFC 9053, RFC 9864).
 * A table instead of a switch: a switch compiles to a jump table plus code. */
static const int8_t alg_types[][2] = {
    {FWUP_COSE_ES256, FWUP_V_KEY_P256},      {FWUP_COSE_ESP256, FWUP_V_KEY_P256},
    {FWUP_COSE_ES384, FWUP_V_KEY_P384},      {FWUP_COSE_ESP384, FWUP_V_KEY_P384},
    {FWUP_COSE_EDDSA, FWUP_V_KEY_ED25519},   {FWUP_COSE_ED25519, FWUP_V_KEY_ED25519},
    {FWUP_COSE_HMAC256, FWUP_V_KEY_HMAC256},
};

/* Key type able to check alg; FWUP_V_KEY_NONE for an alg fwup does not verify. */
static uint8_t
alg_key_type(int32_t alg)
{
    size_t i;

    for (i = 0; i < sizeof alg_types / sizeof alg_types[0]; i++)
        if (alg_types[i][0] == alg)
            return (uint8_t)alg_types[i][1];
    return FWUP_V_KEY_NONE;
}

/* Signature / tag length per key type: ECDSA is raw r||s (RFC 9053 §2.1),
 * Ed25519 64, HMAC 256/256 the full 32-byte tag (RFC 9053 §3.1: no
 * truncation for alg 5). Indexed by enum fwup_v_key_type. */
static const uint8_t sig_len[] = {0, 64, 96, 64, 32};

/*
 * Read a protected header (bstr) and an unprotected header (map). alg must be
 * protected: an unprotected alg could be rewritten to a weaker one without
 * breaking the signature (RFC 9052 §3.1, suit-mti). A label may not appear in
 * both buckets (RFC 9052 §3). crit is refused: fwup understands no critical
 * extension, and RFC 9052 §3.1 says to reject what is not understood.
 */
static enum fwup_err
read_headers(struct fwup_vcbor *r, struct fwup_v_span *prot, struct hdrs *h)
{
    struct fwup_vcbor_item it;
    struct fwup_vcbor p;
    struct fwup_vcbor *m;
    struct fwup_v_map map;
    uint32_t both = 0;
    int32_t key = 0;
    size_t off = 0;
    int pass;

    memset(h, 0, sizeof *h);
    if (fwup_v_get(r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
        return r->err;
    FWUP_V_CONTENT(prot, &it);
    /* Bounded because it is copied into the to-be-signed buffer. */
    if (prot->len > FWUP_V_MAX_PROTECTED)
        return fwup_vcbor_fail(r, FWUP_E_LIMIT_BUFFER, it.off);
    for (pass = 0; pass < 2; pass++) {
        m = r;
        if (pass == 0) {
            /* h'' stands for the empty map (RFC 9052 §3). */
            if (prot->len == 0)
                continue;
            fwup_vcbor_init(&p, r->buf, (size_t)prot->off + prot->len);
            p.pos = prot->off;
            m = &p;
        }
        if (fwup_v_map(m, &map) != FWUP_OK)
            goto mfail;
        while (map.i < map.n) {
            if (fwup_v_key(m, &map, &key, &off) != FWUP_OK)
                goto mfail;
            if (key == FWUP_COSE_HDR_ALG || key == FWUP_COSE_HDR_KID ||
                key == FWUP_COSE_HDR_CRIT) {
                uint32_t bit = (uint32_t)1 << key;
                if ((both & bit) || key == FWUP_COSE_HDR_CRIT ||
                    (key == FWUP_COSE_HDR_ALG && pass == 1))
                    return fwup_vcbor_fail(r, FWUP_E_COSE_HEADER, off);
                both |= bit;
            }
            if (key == FWUP_COSE_HDR_ALG) {
                if (fwup_v_int32(m, &h->alg, FWUP_E_COSE_UNSUPPORTED_ALG, off) != FWUP_OK)
                    goto mfail;
                h->has_alg = true;
            } else if (key == FWUP_COSE_HDR_KID) {
                if (fwup_v_get(m, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                    goto mfail;
                if (it.val > UINT8_MAX)
                    return fwup_vcbor_fail(r, FWUP_E_COSE_HEADER, off);
                h->kid_off = (uint32_t)it.data_off;
                h->kid_len = (uint8_t)it.val;
            } else if (fwup_vcbor_skip(m, NULL) != FWUP_OK) {
                goto mfail;
            }
        }
        /* The protected bstr must hold exactly one map. */
        if (pass == 0 && !fwup_vcbor_at_end(m))
            return fwup_vcbor_fail(r, FWUP_E_CBOR_TRAILING, m->pos);
    }
    return FWUP_OK;

mfail:
    return fwup_vcbor_fail(r, m->err, m->err_off);
}

static size_t
put_head(uint8_t *p, uint8_t major, size_t n)
{
    /* n < 65536: callers bound every length by the TBS limits. */
    if (n < 24) {
        p[0] = (uint8_t)(((size_t)major << 5) | n);
        return 1;
    }
#if FWUP_V_MAX_PROTECTED < 256 && FWUP_V_MAX_DIGEST_ITEM < 256
    /* With the default limits every string here is < 256 bytes: no
     * two-byte length, which is code a device would never run. */
    p[0] = (uint8_t)((unsigned)major << 5 | 24u);
    p[1] = (uint8_t)n;
    return 2;
#else
    if (n < 256) {
        p[0] = (uint8_t)((unsigned)major << 5 | 24u);
        p[1] = (uint8_t)n;
        return 2;
    }
    p[0] = (uint8_t)((unsigned)major << 5 | 25u);
    p[1] = (uint8_t)(n >> 8);
    p[2] = (uint8_t)n;
    return 3;
#endif
}

static size_t
put_str(uint8_t *p, uint8_t major, const uint8_t *s, size_t n)
{
    size_t h = put_head(p, major, n);

    memcpy(p + h, s, n);
    return h + n;
}

/* Branch-free equality for MAC tags: the time does not depend on where the
 * first difference is, so an attacker cannot forge a tag byte by byte. */
static bool
ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t d = 0;
    size_t i;

    for (i = 0; i < n; i++)
        d = (uint8_t)(d | (a[i] ^ b[i]));
    return d == 0;
}

void
fwup_v_wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;

    while (n--)
        *q++ = 0;
}

/* The block being walked: what one_block and check_block need, in one place
 * (passing it field by field cost nine arguments per call). */
struct blk {
    const struct fwup_v_policy *pol; /* NULL: record (parse); else verify */
    struct fwup_v_span bprot;        /* body protected header */
    struct fwup_v_span sprot;        /* signer protected header (COSE_Sign) */
    struct fwup_v_span sig;
    struct hdrs h; /* headers of this block or signer */
    uint8_t slot;  /* next free v->blocks entry */
    uint8_t kind;  /* enum fwup_v_block_kind */
};

/*
 * Verify one block (or signer) against the policy's anchors and record the
 * verdict. Returns FWUP_OK whatever the verdict; an error only when the port
 * failed for another reason than "does not verify" (fail closed upstream).
 */
static enum fwup_err
check_block(struct fwup_verifier *v, const struct blk *c, struct fwup_v_block *b)
{
    /* The Sig_structure / MAC_structure contexts: "Signature1", its prefix
     * "Signature" (COSE_Sign) and "MAC0", from one string. */
    static const uint8_t ctx[] = "Signature1MAC0";
    const struct fwup_v_policy *pol = c->pol;
    const struct fwup_v_crypto *cr = v->crypto;
    uint8_t tbs[FWUP_V_TBS_MAX];
    uint8_t mac[32];
    uint8_t type = alg_key_type(b->alg);
    const uint8_t *kid = v->env + b->kid_off;
    struct fwup_bytes msg, sg;
    size_t n;
    uint8_t a;
    enum fwup_err e = FWUP_OK;

    b->verdict = FWUP_V_UNSUPPORTED;
    if (type == FWUP_V_KEY_NONE || (type == FWUP_V_KEY_HMAC256) != (b->kind == FWUP_V_BLOCK_MAC0))
        return FWUP_OK;

    /* Sig_structure / MAC_structure (RFC 9052 §4.4, §6.3), external_aad h''.
     * Sizes: protected headers <= FWUP_V_MAX_PROTECTED (read_headers),
     * payload <= FWUP_V_MAX_DIGEST_ITEM (parse_wrapper): fits FWUP_V_TBS_MAX. */
    n = 0;
    tbs[n++] = b->kind == FWUP_V_BLOCK_SIGN ? 0x85 : 0x84;
    n += put_str(tbs + n, FWUP_CBOR_TSTR, ctx + (b->kind == FWUP_V_BLOCK_MAC0 ? 10 : 0),
                 b->kind == FWUP_V_BLOCK_SIGN1 ? 10u : b->kind == FWUP_V_BLOCK_SIGN ? 9u : 4u);
    n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + c->bprot.off, c->bprot.len);
    if (b->kind == FWUP_V_BLOCK_SIGN)
        n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + c->sprot.off, c->sprot.len);
    tbs[n++] = 0x40;
    n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + v->digest.off, v->digest.len);
    msg.ptr = tbs;
    msg.len = n;
    sg.ptr = v->env + c->sig.off;
    sg.len = c->sig.len;

    b->verdict = FWUP_V_UNKNOWN;
    for (a = 0; a < pol->n_anchors; a++) {
        const struct fwup_v_key *k = pol->anchors[a].key;
        bool named = b->kid_len != 0 && k->kid_len == b->kid_len &&
                     memcmp(k->kid, kid, b->kid_len) == 0;

        /* A kid that names another key: not this anchor's block. An anchor
         * without kid (HMAC secret) cannot be excluded by kid. */
        if (b->kid_len != 0 && k->kid_len != 0 && !named)
            continue;
        if (k->type != type) {
            if (!named)
                continue;
            b->verdict = FWUP_V_KNOWN_BAD; /* named key cannot even do this alg */
            break;
        }
        if (sg.len != sig_len[type]) {
            e = FWUP_E_SIG_VERIFY;
        } else if (type == FWUP_V_KEY_HMAC256) {
            /* The port only computes; the compare is here, in constant time. */
            e = cr->mac_compute(cr->ctx, b->alg, k, msg, mac);
            if (e == FWUP_OK && !ct_equal(mac, sg.ptr, sizeof mac))
                e = FWUP_E_SIG_VERIFY;
        } else {
            e = cr->sig_verify(cr->ctx, b->alg, k, msg, sg);
        }
        if (e == FWUP_OK) {
            b->verdict = FWUP_V_VALID;
            b->anchor = a;
            v->valid_anchors = (uint16_t)(v->valid_anchors | (1u << a));
            break;
        }
        if (e != FWUP_E_SIG_VERIFY && e != FWUP_E_KEY_ALG_MISMATCH)
            break; /* backend failure: reported, never read as "invalid" */
        e = FWUP_OK;
        if (named) {
            b->verdict = FWUP_V_KNOWN_BAD;
            break;
        }
        b->verdict = FWUP_V_INVALID;
    }
    fwup_v_wipe(mac, sizeof mac);
    return e;
}

/* Record (parse) or verify (authenticate) the block / signer c in slot
 * c->slot. The failure position is (FWUP_V_AT_BLOCK, c->slot), moved to
 * the next slot once the block is done. */
static enum fwup_err
one_block(struct fwup_verifier *v, struct blk *c, uint32_t off)
{
    struct fwup_v_block *b;
    enum fwup_err e;

    if (c->slot >= FWUP_V_MAX_AUTH_BLOCKS)
        return fwup_v_fail(v, FWUP_E_LIMIT_BLOCKS, off);
    b = &v->blocks[c->slot];
    if (c->pol == NULL) {
        if (c->kind != FWUP_V_BLOCK_MAC && !c->h.has_alg)
            return fwup_v_fail(v, FWUP_E_COSE_HEADER, off);
        b->alg = c->h.alg;
        b->off = off;
        b->kid_off = c->h.kid_off;
        b->kid_len = c->h.kid_len;
        b->kind = c->kind;
        b->verdict = c->kind == FWUP_V_BLOCK_MAC ? FWUP_V_UNSUPPORTED : FWUP_V_UNCHECKED;
        b->anchor = FWUP_V_NO_ANCHOR;
        v->n_blocks = (uint8_t)(c->slot + 1);
    } else if (c->kind != FWUP_V_BLOCK_MAC) {
        e = check_block(v, c, b);
        if (e != FWUP_OK)
            return fwup_v_fail(v, e, off);
    }
    c->slot++;
    fwup_v_at(v, FWUP_V_AT_BLOCK, c->slot);
    return FWUP_OK;
}

/* COSE tags in the order of enum fwup_v_block_kind (1..4). */
static const uint8_t kind_tags[] = {FWUP_COSE_TAG_SIGN1, FWUP_COSE_TAG_SIGN, FWUP_COSE_TAG_MAC0,
                                    FWUP_COSE_TAG_MAC};

enum fwup_err
fwup_v_walk_blocks(struct fwup_verifier *v, const struct fwup_v_policy *pol)
{
    struct fwup_vcbor r, b;
    struct fwup_vcbor_item it;
    struct blk c;
    struct hdrs bh;
    uint32_t n, i, cnt;
    uint32_t off;

    memset(&c, 0, sizeof c);
    c.pol = pol;
    fwup_v_at(v, FWUP_V_AT_AUTH, 0);
    fwup_v_reader(v, &r, v->auth);
    if (fwup_v_count(&r, FWUP_CBOR_ARRAY, &n) != FWUP_OK)
        return fwup_v_rfail(v, &r);
    if (pol == NULL) {
        /* Parse: wrapper[0], the SUIT_Digest, MUST be present (manifest-37
         * §8.3); blocks may be zero here and are refused by authenticate
         * (FWUP_E_NO_AUTH_BLOCK). */
        if (n == 0)
            return fwup_v_fail(v, FWUP_E_SUIT_MISSING, v->auth.off);
        if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
            return fwup_v_rfail(v, &r);
        FWUP_V_CONTENT(&v->digest, &it);
        /* wrapper[0] is copied into every to-be-signed structure (TBS buffer). */
        if (v->digest.len > FWUP_V_MAX_DIGEST_ITEM)
            return fwup_v_fail(v, FWUP_E_LIMIT_BUFFER, it.off);
        fwup_v_reader(v, &b, v->digest);
        if (fwup_v_parse_digest(&b, &v->digest_alg, &v->digest_bytes) != FWUP_OK)
            goto bfail;
        if (fwup_v_end(v, &b) != FWUP_OK)
            return (enum fwup_err)v->diag.code;
    } else if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) {
        return fwup_v_rfail(v, &r); /* parsed before: cannot fail */
    }
    for (i = 1; i < n; i++) {
        /* Each block is bstr .cbor COSE_*_Tagged; its content must be
         * exactly one COSE structure. */
        fwup_v_at(v, FWUP_V_AT_AUTH, 0);
        if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
            return fwup_v_rfail(v, &r);
        fwup_v_at(v, FWUP_V_AT_BLOCK, c.slot);
        FWUP_V_CONTENT(&c.sig, &it); /* the block; the signature comes later */
        fwup_v_reader(v, &b, c.sig);
        off = (uint32_t)b.pos;
        if (fwup_v_get(&b, FWUP_CBOR_TAG, &it) != FWUP_OK)
            goto bfail;
        /* kind = 1 + index of the tag in kind_tags (enum fwup_v_block_kind). */
        for (c.kind = 0; c.kind < sizeof kind_tags && kind_tags[c.kind] != it.val; c.kind++)
            ;
        if (c.kind++ == sizeof kind_tags)
            return fwup_v_fail(v, FWUP_E_CBOR_TAG, off);
        if (c.kind == FWUP_V_BLOCK_MAC) {
            /* COSE_Mac needs recipients (key distribution) that SUIT devices
             * do not use; it is recorded as unsupported and never counts. */
            memset(&c.h, 0, sizeof c.h);
            if (fwup_vcbor_skip(&b, NULL) != FWUP_OK)
                goto bfail;
            if (one_block(v, &c, off) != FWUP_OK)
                return (enum fwup_err)v->diag.code;
        } else {
            if (fwup_v_count(&b, FWUP_CBOR_ARRAY, &cnt) != FWUP_OK)
                goto bfail;
            if (cnt != 4)
                return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, off);
            /* COSE_Sign1 / COSE_Mac0: the body's headers are the block's. */
            if (read_headers(&b, &c.bprot, c.kind == FWUP_V_BLOCK_SIGN ? &bh : &c.h) != FWUP_OK)
                goto bfail;
            /* SUIT signs detached: an embedded payload would let a block
             * carry a digest different from wrapper[0] (manifest-37 §8.3). */
            if (fwup_vcbor_peek(&b, &it) != FWUP_OK)
                goto bfail;
            if (it.major != FWUP_CBOR_SIMPLE || it.val != FWUP_CBOR_NULL || it.ai >= 24)
                return fwup_v_fail(v, FWUP_E_COSE_PAYLOAD, it.off);
            b.pos = it.end;
            /* COSE_Sign: every COSE_Signature is a result of its own. */
            cnt = 1;
            if (c.kind == FWUP_V_BLOCK_SIGN) {
                if (fwup_v_count(&b, FWUP_CBOR_ARRAY, &cnt) != FWUP_OK)
                    goto bfail;
                if (cnt == 0)
                    return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, off);
            }
            for (; cnt > 0; cnt--) {
                if (c.kind == FWUP_V_BLOCK_SIGN) {
                    uint32_t three;
                    off = (uint32_t)b.pos;
                    if (fwup_v_count(&b, FWUP_CBOR_ARRAY, &three) != FWUP_OK)
                        goto bfail;
                    if (three != 3)
                        return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, off);
                    if (read_headers(&b, &c.sprot, &c.h) != FWUP_OK)
                        goto bfail;
                }
                if (fwup_v_get(&b, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                    goto bfail;
                FWUP_V_CONTENT(&c.sig, &it);
                if (one_block(v, &c, off) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            }
        }
        if (fwup_v_end(v, &b) != FWUP_OK)
            return (enum fwup_err)v->diag.code;
    }
    fwup_v_at(v, FWUP_V_AT_AUTH, 0);
    return fwup_v_end(v, &r);

bfail:
    return fwup_v_rfail(v, &b);
}

static bool
policy_ok(const struct fwup_v_policy *pol)
{
    uint8_t a;

    if (pol->n_anchors > FWUP_V_MAX_ANCHORS || (pol->n_anchors > 0 && pol->anchors == NULL) ||
        (pol->require_roles >> FWUP_V_MAX_ROLES) != 0)
        return false;
    for (a = 0; a < pol->n_anchors; a++)
        if (pol->anchors[a].key == NULL || pol->anchors[a].role >= FWUP_V_MAX_ROLES)
            return false;
    return true;
}

enum fwup_err
fwup_verifier_authenticate(struct fwup_verifier *v, const struct fwup_v_policy *pol)
{
    enum fwup_err verdict = FWUP_E_SIG_VERIFY; /* fail closed: set to OK at one point */
    uint8_t bad = FWUP_V_NO_ANCHOR, strange = FWUP_V_NO_ANCHOR;
    uint16_t have_roles = 0, missing;
    uint8_t i, count = 0, need, scope = FWUP_V_AT_BLOCK;
    bool tried = false, match = false;
    uint32_t off = v->auth.off;
    int32_t key = 0;
    enum fwup_err e;

    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (v->state != FWUP_V_ST_PARSED)
        return fwup_v_fail_at(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
    if (pol == NULL || v->crypto == NULL)
        return fwup_v_fail_at(v, FWUP_E_INVALID_ARG, 0, FWUP_V_AT_NONE, 0);
    if (!policy_ok(pol))
        return fwup_v_fail_at(v, FWUP_E_POLICY_INVALID, 0, FWUP_V_AT_POLICY, 0);
    if (v->n_unknown != 0)
        return fwup_v_fail_at(v, FWUP_E_SUIT_UNKNOWN_KEY, v->unknown_off, FWUP_V_AT_ENVELOPE, 0);
    /* "the Manifest Processor requires a SUIT_Authentication_Block" (§8.3;
     * OPEN-QUESTIONS 4): an envelope with a digest only is unsigned. */
    fwup_v_at(v, FWUP_V_AT_AUTH, 0);
    if (v->n_blocks == 0)
        return fwup_v_fail(v, FWUP_E_NO_AUTH_BLOCK, v->auth.off);

    e = fwup_v_digest_match(v, v->digest_alg, &v->manifest_item, &v->digest_bytes, &match);
    if (e != FWUP_OK)
        return fwup_v_fail(v, e, v->digest.off);
    v->digest_ok = match ? 1 : 0;
    if (fwup_v_walk_blocks(v, pol) != FWUP_OK)
        return (enum fwup_err)v->diag.code;

    /* bad: first block whose named key does not verify it; strange: first
     * block that is not valid (FWUP_V_NO_ANCHOR: none). */
    for (i = 0; i < v->n_blocks; i++) {
        uint8_t vd = v->blocks[i].verdict;
        if (vd == FWUP_V_KNOWN_BAD && bad == FWUP_V_NO_ANCHOR)
            bad = i;
        if (vd != FWUP_V_VALID && strange == FWUP_V_NO_ANCHOR)
            strange = i;
        if (vd == FWUP_V_INVALID || vd == FWUP_V_KNOWN_BAD)
            tried = true;
    }
    for (i = 0; i < pol->n_anchors; i++) {
        uint16_t role = (uint16_t)(1u << pol->anchors[i].role);
        if (!(v->valid_anchors & (1u << i)))
            continue;
        have_roles |= role;
        if (pol->count_roles == 0 || (pol->count_roles & role))
            count++;
    }
    need = pol->min_signers > 1 ? pol->min_signers : 1;
    missing = (uint16_t)(pol->require_roles & ~have_roles);

    /* The decision rule (struct fwup_v_policy), first that applies. */
    if (!match) {
        verdict = FWUP_E_MANIFEST_DIGEST;
        off = v->manifest_item.off;
        scope = FWUP_V_AT_ENVELOPE;
        key = FWUP_SUIT_ENV_MANIFEST;
    } else if (bad != FWUP_V_NO_ANCHOR) {
        verdict = FWUP_E_KNOWN_KEY_BAD_SIG;
        off = v->blocks[bad].off;
        key = bad;
    } else if (pol->strict && strange != FWUP_V_NO_ANCHOR) {
        verdict = FWUP_E_UNKNOWN_KEY_STRICT;
        off = v->blocks[strange].off;
        key = strange;
    } else if (v->valid_anchors == 0) {
        verdict = tried ? FWUP_E_SIG_VERIFY : FWUP_E_NO_TRUSTED_KEY;
        scope = FWUP_V_AT_AUTH;
    } else if (missing != 0) {
        verdict = FWUP_E_POLICY_ROLE_MISSING;
        scope = FWUP_V_AT_POLICY;
        /* The lowest missing role, for the diagnostic. */
        while (!(missing & (1u << key)))
            key++;
    } else if (count < need) {
        verdict = FWUP_E_POLICY_TOO_FEW;
        scope = FWUP_V_AT_POLICY;
        key = count;
    } else {
        verdict = FWUP_OK;
    }
    if (verdict != FWUP_OK)
        return fwup_v_fail_at(v, verdict, off, scope, key);
    v->policy = pol;
    v->state |= FWUP_V_ST_AUTHENTICATED;
    return FWUP_OK;
}
