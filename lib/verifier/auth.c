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

/* Key type able to check alg; FWUP_V_KEY_NONE for an alg fwup does not verify. */
static uint8_t
alg_key_type(int32_t alg)
{
    switch (alg) {
    case FWUP_COSE_ES256:
    case FWUP_COSE_ESP256:
        return FWUP_V_KEY_P256;
    case FWUP_COSE_ES384:
    case FWUP_COSE_ESP384:
        return FWUP_V_KEY_P384;
    case FWUP_COSE_EDDSA:
    case FWUP_COSE_ED25519:
        return FWUP_V_KEY_ED25519;
    case FWUP_COSE_HMAC256:
        return FWUP_V_KEY_HMAC256;
    default:
        return FWUP_V_KEY_NONE;
    }
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
    uint64_t n, i;
    uint32_t both = 0, seen, first;
    int64_t key = 0;
    size_t off = 0;
    int pass;
    enum fwup_err e;

    memset(h, 0, sizeof *h);
    if (fwup_v_get(r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
        return fwup_vcbor_error(r, NULL);
    *prot = fwup_v_content(&it);
    /* Bounded because it is copied into the to-be-signed buffer. */
    if (prot->len > FWUP_V_MAX_PROTECTED)
        return fwup_vcbor_fail(r, FWUP_E_LIMIT_BUFFER, it.off);
    for (pass = 0; pass < 2; pass++) {
        m = r;
        seen = 0;
        if (pass == 0) {
            /* h'' stands for the empty map (RFC 9052 §3). */
            if (prot->len == 0)
                continue;
            fwup_vcbor_init(&p, r->buf, (size_t)prot->off + prot->len);
            p.pos = prot->off;
            m = &p;
        }
        if (fwup_v_get_map(m, &n) != FWUP_OK)
            goto mfail;
        first = (uint32_t)fwup_vcbor_offset(m);
        for (i = 0; i < n; i++) {
            off = fwup_vcbor_offset(m);
            if (fwup_v_get_key(m, first, i, &seen, &key) != FWUP_OK)
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
                int64_t a;
                if (fwup_vcbor_get_int(m, &a) != FWUP_OK)
                    goto mfail;
                if (a < INT32_MIN || a > INT32_MAX)
                    return fwup_vcbor_fail(r, FWUP_E_COSE_UNSUPPORTED_ALG, off);
                h->alg = (int32_t)a;
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
            return fwup_vcbor_fail(r, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(m));
    }
    return FWUP_OK;

mfail:
    e = fwup_vcbor_error(m, &off);
    return fwup_vcbor_fail(r, e, off);
}

static size_t
put_head(uint8_t *p, uint8_t major, size_t n)
{
    /* n < 65536: callers bound every length by the TBS limits. */
    if (n < 24) {
        p[0] = (uint8_t)(((size_t)major << 5) | n);
        return 1;
    }
    if (n < 256) {
        p[0] = (uint8_t)((unsigned)major << 5 | 24u);
        p[1] = (uint8_t)n;
        return 2;
    }
    p[0] = (uint8_t)((unsigned)major << 5 | 25u);
    p[1] = (uint8_t)(n >> 8);
    p[2] = (uint8_t)n;
    return 3;
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

static void
wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;

    while (n--)
        *q++ = 0;
}

/*
 * Verify one block (or signer) against the policy's anchors and record the
 * verdict. Returns FWUP_OK whatever the verdict; an error only when the port
 * failed for another reason than "does not verify" (fail closed upstream).
 */
static enum fwup_err
check_block(struct fwup_verifier *v, const struct fwup_v_policy *pol, struct fwup_v_block *b,
            struct fwup_v_span bprot, const struct fwup_v_span *sprot, struct fwup_v_span sig)
{
    static const uint8_t ctx_sign1[] = "Signature1", ctx_sign[] = "Signature", ctx_mac0[] = "MAC0";
    const struct fwup_v_crypto *c = v->crypto;
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
    tbs[n++] = sprot != NULL ? 0x85 : 0x84;
    if (b->kind == FWUP_V_BLOCK_SIGN1)
        n += put_str(tbs + n, FWUP_CBOR_TSTR, ctx_sign1, sizeof ctx_sign1 - 1);
    else if (b->kind == FWUP_V_BLOCK_SIGN)
        n += put_str(tbs + n, FWUP_CBOR_TSTR, ctx_sign, sizeof ctx_sign - 1);
    else
        n += put_str(tbs + n, FWUP_CBOR_TSTR, ctx_mac0, sizeof ctx_mac0 - 1);
    n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + bprot.off, bprot.len);
    if (sprot != NULL)
        n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + sprot->off, sprot->len);
    tbs[n++] = 0x40;
    n += put_str(tbs + n, FWUP_CBOR_BSTR, v->env + v->digest.off, v->digest.len);
    msg.ptr = tbs;
    msg.len = n;
    sg.ptr = v->env + sig.off;
    sg.len = sig.len;

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
        if (sig.len != sig_len[type]) {
            e = FWUP_E_SIG_VERIFY;
        } else if (type == FWUP_V_KEY_HMAC256) {
            /* The port only computes; the compare is here, in constant time. */
            e = c->mac_compute(c->ctx, b->alg, k, msg, mac);
            if (e == FWUP_OK && !ct_equal(mac, sg.ptr, sizeof mac))
                e = FWUP_E_SIG_VERIFY;
        } else {
            e = c->sig_verify(c->ctx, b->alg, k, msg, sg);
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
    wipe(mac, sizeof mac);
    return e;
}

/* Record (policy NULL) or verify one block / signer in slot *slot. */
static enum fwup_err
one_block(struct fwup_verifier *v, const struct fwup_v_policy *pol, uint8_t *slot, uint8_t kind,
          uint32_t off, const struct hdrs *h, struct fwup_v_span bprot,
          const struct fwup_v_span *sprot, struct fwup_v_span sig)
{
    struct fwup_v_block *b;
    enum fwup_err e;

    if (*slot >= FWUP_V_MAX_AUTH_BLOCKS)
        return fwup_v_fail(v, FWUP_E_LIMIT_BLOCKS, off, FWUP_V_AT_BLOCK, *slot);
    b = &v->blocks[(*slot)++];
    if (pol == NULL) {
        if (kind != FWUP_V_BLOCK_MAC && !h->has_alg)
            return fwup_v_fail(v, FWUP_E_COSE_HEADER, off, FWUP_V_AT_BLOCK, *slot - 1);
        b->alg = h->alg;
        b->off = off;
        b->kid_off = h->kid_off;
        b->kid_len = h->kid_len;
        b->kind = kind;
        b->verdict = kind == FWUP_V_BLOCK_MAC ? FWUP_V_UNSUPPORTED : FWUP_V_UNCHECKED;
        b->anchor = FWUP_V_NO_ANCHOR;
        v->n_blocks = *slot;
        return FWUP_OK;
    }
    if (kind == FWUP_V_BLOCK_MAC)
        return FWUP_OK;
    e = check_block(v, pol, b, bprot, sprot, sig);
    if (e != FWUP_OK)
        return fwup_v_fail(v, e, off, FWUP_V_AT_BLOCK, *slot - 1);
    return FWUP_OK;
}

enum fwup_err
fwup_v_walk_blocks(struct fwup_verifier *v, const struct fwup_v_policy *pol)
{
    struct fwup_vcbor r, b;
    struct fwup_vcbor_item it;
    struct fwup_v_span bprot = {0, 0}, sprot = {0, 0}, sig = {0, 0};
    struct hdrs bh, h;
    uint64_t n, i, cnt, tag;
    uint8_t slot = 0, kind;
    uint32_t off = 0;

    fwup_v_reader(v, &r, v->auth);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK || fwup_vcbor_skip(&r, NULL) != FWUP_OK)
        return fwup_v_rfail(v, &r, FWUP_V_AT_AUTH, 0);
    for (i = 1; i < n; i++) {
        /* Each block is bstr .cbor COSE_*_Tagged; its content must be
         * exactly one COSE structure. */
        if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
            return fwup_v_rfail(v, &r, FWUP_V_AT_AUTH, 0);
        fwup_v_reader(v, &b, fwup_v_content(&it));
        off = (uint32_t)fwup_vcbor_offset(&b);
        if (fwup_vcbor_get_tag(&b, &tag) != FWUP_OK)
            goto bfail;
        kind = tag == FWUP_COSE_TAG_SIGN1 ? FWUP_V_BLOCK_SIGN1
               : tag == FWUP_COSE_TAG_SIGN ? FWUP_V_BLOCK_SIGN
               : tag == FWUP_COSE_TAG_MAC0 ? FWUP_V_BLOCK_MAC0
               : tag == FWUP_COSE_TAG_MAC  ? FWUP_V_BLOCK_MAC
                                           : 0;
        if (kind == 0)
            return fwup_v_fail(v, FWUP_E_CBOR_TAG, off, FWUP_V_AT_BLOCK, slot);
        if (kind == FWUP_V_BLOCK_MAC) {
            /* COSE_Mac needs recipients (key distribution) that SUIT devices
             * do not use; it is recorded as unsupported and never counts. */
            memset(&h, 0, sizeof h);
            if (fwup_vcbor_skip(&b, NULL) != FWUP_OK)
                goto bfail;
            if (one_block(v, pol, &slot, kind, off, &h, bprot, NULL, sig) != FWUP_OK)
                return (enum fwup_err)v->diag.code;
        } else {
            if (fwup_vcbor_get_array(&b, &cnt) != FWUP_OK)
                goto bfail;
            if (cnt != 4)
                return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, off, FWUP_V_AT_BLOCK, slot);
            if (read_headers(&b, &bprot, &bh) != FWUP_OK)
                goto bfail;
            /* SUIT signs detached: an embedded payload would let a block
             * carry a digest different from wrapper[0] (manifest-37 §8.3). */
            if (fwup_vcbor_peek(&b, &it) != FWUP_OK)
                goto bfail;
            if (it.major != FWUP_CBOR_SIMPLE || it.val != FWUP_CBOR_NULL || it.ai >= 24)
                return fwup_v_fail(v, FWUP_E_COSE_PAYLOAD, it.off, FWUP_V_AT_BLOCK, slot);
            if (fwup_vcbor_next(&b, &it) != FWUP_OK)
                goto bfail;
            if (kind == FWUP_V_BLOCK_SIGN) {
                /* COSE_Sign: every COSE_Signature is a result of its own. */
                if (fwup_vcbor_get_array(&b, &cnt) != FWUP_OK)
                    goto bfail;
                if (cnt == 0)
                    return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, off, FWUP_V_AT_BLOCK, slot);
                for (; cnt > 0; cnt--) {
                    uint64_t three;
                    uint32_t soff = (uint32_t)fwup_vcbor_offset(&b);
                    if (fwup_vcbor_get_array(&b, &three) != FWUP_OK)
                        goto bfail;
                    if (three != 3)
                        return fwup_v_fail(v, FWUP_E_COSE_STRUCTURE, soff, FWUP_V_AT_BLOCK, slot);
                    if (read_headers(&b, &sprot, &h) != FWUP_OK ||
                        fwup_v_get(&b, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                        goto bfail;
                    sig = fwup_v_content(&it);
                    if (one_block(v, pol, &slot, kind, soff, &h, bprot, &sprot, sig) != FWUP_OK)
                        return (enum fwup_err)v->diag.code;
                }
            } else {
                if (fwup_v_get(&b, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                    goto bfail;
                sig = fwup_v_content(&it);
                if (one_block(v, pol, &slot, kind, off, &bh, bprot, NULL, sig) != FWUP_OK)
                    return (enum fwup_err)v->diag.code;
            }
        }
        if (!fwup_vcbor_at_end(&b)) {
            if (fwup_vcbor_error(&b, NULL) != FWUP_OK)
                goto bfail;
            return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&b), FWUP_V_AT_BLOCK,
                               slot);
        }
    }
    if (!fwup_vcbor_at_end(&r)) {
        if (fwup_vcbor_error(&r, NULL) != FWUP_OK)
            return fwup_v_rfail(v, &r, FWUP_V_AT_AUTH, 0);
        return fwup_v_fail(v, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), FWUP_V_AT_AUTH, 0);
    }
    return FWUP_OK;

bfail:
    return fwup_v_rfail(v, &b, FWUP_V_AT_BLOCK, slot);
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
    const struct fwup_v_block *bad = NULL, *strange = NULL;
    uint16_t have_roles = 0;
    uint8_t i, count = 0, need;
    bool tried = false, match = false;
    uint32_t off = v->auth.off;
    int32_t key = 0;
    enum fwup_err e;

    if (v->state & FWUP_V_ST_FAILED)
        return (enum fwup_err)v->diag.code;
    if (v->state != FWUP_V_ST_PARSED)
        return fwup_v_fail(v, FWUP_E_BAD_STATE, 0, FWUP_V_AT_NONE, 0);
    if (pol == NULL || v->crypto == NULL)
        return fwup_v_fail(v, FWUP_E_INVALID_ARG, 0, FWUP_V_AT_NONE, 0);
    if (!policy_ok(pol))
        return fwup_v_fail(v, FWUP_E_POLICY_INVALID, 0, FWUP_V_AT_POLICY, 0);
    if (v->n_unknown != 0)
        return fwup_v_fail(v, FWUP_E_SUIT_UNKNOWN_KEY, v->unknown_off, FWUP_V_AT_ENVELOPE, 0);
    /* "the Manifest Processor requires a SUIT_Authentication_Block" (§8.3;
     * OPEN-QUESTIONS 4): an envelope with a digest only is unsigned. */
    if (v->n_blocks == 0)
        return fwup_v_fail(v, FWUP_E_NO_AUTH_BLOCK, v->auth.off, FWUP_V_AT_AUTH, 0);

    e = fwup_v_digest_match(v, v->digest_alg, v->manifest_item, v->digest_bytes, &match);
    if (e != FWUP_OK)
        return fwup_v_fail(v, e, v->digest.off, FWUP_V_AT_AUTH, 0);
    v->digest_ok = match ? 1 : 0;
    if (fwup_v_walk_blocks(v, pol) != FWUP_OK)
        return (enum fwup_err)v->diag.code;

    for (i = 0; i < v->n_blocks; i++) {
        const struct fwup_v_block *b = &v->blocks[i];
        if (b->verdict == FWUP_V_KNOWN_BAD && bad == NULL)
            bad = b;
        if (b->verdict != FWUP_V_VALID && strange == NULL)
            strange = b;
        if (b->verdict == FWUP_V_INVALID || b->verdict == FWUP_V_KNOWN_BAD)
            tried = true;
    }
    for (i = 0; i < pol->n_anchors; i++) {
        if (!(v->valid_anchors & (1u << i)))
            continue;
        have_roles = (uint16_t)(have_roles | (1u << pol->anchors[i].role));
        if (pol->count_roles == 0 || (pol->count_roles & (1u << pol->anchors[i].role)))
            count++;
    }
    need = pol->min_signers > 1 ? pol->min_signers : 1;

    if (!match) {
        verdict = FWUP_E_MANIFEST_DIGEST;
        off = v->manifest_item.off;
    } else if (bad != NULL) {
        verdict = FWUP_E_KNOWN_KEY_BAD_SIG;
        off = bad->off;
        key = (int32_t)(bad - v->blocks);
    } else if (pol->strict && strange != NULL) {
        verdict = FWUP_E_UNKNOWN_KEY_STRICT;
        off = strange->off;
        key = (int32_t)(strange - v->blocks);
    } else if (v->valid_anchors == 0) {
        verdict = tried ? FWUP_E_SIG_VERIFY : FWUP_E_NO_TRUSTED_KEY;
    } else if ((pol->require_roles & have_roles) != pol->require_roles) {
        verdict = FWUP_E_POLICY_ROLE_MISSING;
        /* The lowest missing role, for the diagnostic. */
        for (key = 0; !((pol->require_roles & ~have_roles) & (1u << key)); key++)
            ;
    } else if (count < need) {
        verdict = FWUP_E_POLICY_TOO_FEW;
        key = count;
    } else {
        verdict = FWUP_OK;
    }
    if (verdict != FWUP_OK)
        return fwup_v_fail(v, verdict, off,
                           verdict == FWUP_E_MANIFEST_DIGEST  ? FWUP_V_AT_ENVELOPE
                           : verdict >= FWUP_E_POLICY_ROLE_MISSING ? FWUP_V_AT_POLICY
                           : off != v->auth.off                 ? FWUP_V_AT_BLOCK
                                                                : FWUP_V_AT_AUTH,
                           verdict == FWUP_E_MANIFEST_DIGEST ? FWUP_SUIT_ENV_MANIFEST : key);
    v->policy = pol;
    v->state |= FWUP_V_ST_AUTHENTICATED;
    return FWUP_OK;
}
