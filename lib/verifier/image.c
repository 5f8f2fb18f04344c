/*
 * Payload check: a component's image-digest / image-size as the manifest
 * sets them, and a streaming comparison of an image against them.
 *
 * This is a stop-gap for `fwup verify --payload` until the manifest
 * processor exists. It reads parameters without running conditions: values
 * set inside try-each or run-sequence are not considered (which branch runs
 * is decided at run time), and only override-parameters (20, "always set",
 * OPEN-QUESTIONS 11) and set-parameters (19, "set if unset") are read.
 */
#include <string.h>

#include "verifier_int.h"

static bool
usable(const struct fwup_verifier *v)
{
    return (v->state & (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED | FWUP_V_ST_INSPECTED |
                        FWUP_V_ST_FAILED)) == (FWUP_V_ST_AUTHENTICATED | FWUP_V_ST_DECODED);
}

/*
 * Walk one command sequence for parameters of component `index`. The
 * component index starts at 0 in every sequence (OPEN-QUESTIONS 13); with
 * more than one component §6.2 requires set-component-index first anyway.
 */
static enum fwup_err
scan(const struct fwup_verifier *v, struct fwup_v_span seq, uint32_t index, struct fwup_v_image *img)
{
    struct fwup_vcbor r, d;
    struct fwup_vcbor_item it;
    uint64_t n, i, cnt, j, u;
    int64_t cmd, key;
    bool sel = index == 0, set;

    fwup_v_reader(v, &r, seq);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return fwup_vcbor_error(&r, NULL);
    for (i = 0; i + 1 < n; i += 2) {
        if (fwup_vcbor_get_int(&r, &cmd) != FWUP_OK)
            return fwup_vcbor_error(&r, NULL);
        if (cmd == FWUP_SUIT_CMD_SET_COMPONENT_INDEX) {
            /* uint, true (all components) or [+ uint] (§6.5) */
            if (fwup_vcbor_next(&r, &it) != FWUP_OK)
                return fwup_vcbor_error(&r, NULL);
            if (it.major == FWUP_CBOR_UINT) {
                sel = it.val == index;
            } else if (it.major == FWUP_CBOR_SIMPLE && it.val == FWUP_CBOR_TRUE && it.ai < 24) {
                sel = true;
            } else if (it.major == FWUP_CBOR_ARRAY) {
                sel = false;
                for (cnt = it.val; cnt > 0; cnt--) {
                    if (fwup_vcbor_get_uint(&r, &u) != FWUP_OK)
                        return fwup_vcbor_error(&r, NULL);
                    sel = sel || u == index;
                }
            } else {
                return FWUP_E_SUIT_SEQUENCE;
            }
            continue;
        }
        if (cmd != FWUP_SUIT_CMD_OVERRIDE_PARAMETERS && cmd != FWUP_SUIT_CMD_SET_PARAMETERS) {
            if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                return fwup_vcbor_error(&r, NULL);
            continue;
        }
        if (fwup_vcbor_get_map(&r, &cnt) != FWUP_OK)
            return fwup_vcbor_error(&r, NULL);
        for (j = 0; j < cnt; j++) {
            if (fwup_vcbor_get_int(&r, &key) != FWUP_OK)
                return fwup_vcbor_error(&r, NULL);
            if (sel && key == FWUP_SUIT_PARAM_IMAGE_DIGEST) {
                set = cmd == FWUP_SUIT_CMD_OVERRIDE_PARAMETERS || !img->has_digest;
                if (fwup_v_get(&r, FWUP_CBOR_BSTR, &it) != FWUP_OK)
                    return fwup_vcbor_error(&r, NULL);
                /* image-digest is bstr .cbor SUIT_Digest (§8.4.8.6) */
                if (set) {
                    struct fwup_v_span body;
                    FWUP_V_CONTENT(&body, &it);
                    fwup_v_reader(v, &d, body);
                    if (fwup_v_parse_digest(&d, &img->digest_alg, &img->digest) != FWUP_OK)
                        return fwup_vcbor_error(&d, NULL);
                    if (!fwup_vcbor_at_end(&d))
                        return FWUP_E_CBOR_TRAILING;
                    img->has_digest = true;
                }
            } else if (sel && key == FWUP_SUIT_PARAM_IMAGE_SIZE) {
                if (fwup_vcbor_get_uint(&r, &u) != FWUP_OK)
                    return fwup_vcbor_error(&r, NULL);
                if (cmd == FWUP_SUIT_CMD_OVERRIDE_PARAMETERS || !img->has_size) {
                    img->size = u;
                    img->has_size = true;
                }
            } else if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) {
                return fwup_vcbor_error(&r, NULL);
            }
        }
    }
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_image_params(const struct fwup_verifier *v, uint32_t index, struct fwup_v_image *out)
{
    static const uint8_t after[] = {FWUP_V_SEQ_PAYLOAD_FETCH, FWUP_V_SEQ_INSTALL};
    struct fwup_v_image tmp;
    const struct fwup_v_seq *s;
    enum fwup_err e;
    unsigned k;

    memset(out, 0, sizeof *out);
    if (!usable(v))
        return FWUP_E_NOT_AUTHENTICATED;
    if (index >= v->m.n_components)
        return FWUP_E_SUIT_COMPONENT;
    if (v->m.shared.off != 0) {
        e = scan(v, v->m.shared, index, out);
        if (e != FWUP_OK)
            return e;
    }
    /* Then what payload-fetch / install set, for what is still unset: the
     * shared sequence runs before each of them (§8.4.5), so its values are
     * the ones they start from. */
    for (k = 0; k < sizeof after; k++) {
        s = &v->m.seq[after[k]];
        if (s->state != FWUP_V_INLINE && s->state != FWUP_V_SEVERED_PRESENT)
            continue;
        memset(&tmp, 0, sizeof tmp);
        e = scan(v, s->body, index, &tmp);
        if (e != FWUP_OK)
            return e;
        if (!out->has_digest && tmp.has_digest) {
            out->has_digest = true;
            out->digest_alg = tmp.digest_alg;
            out->digest = tmp.digest;
        }
        if (!out->has_size && tmp.has_size) {
            out->has_size = true;
            out->size = tmp.size;
        }
    }
    return FWUP_OK;
}

enum fwup_err
fwup_verifier_check_image(const struct fwup_verifier *v, uint32_t index, fwup_v_read_fn read,
                          void *read_ctx, uint8_t *chunk, size_t chunk_len)
{
    const struct fwup_v_crypto *c = v->crypto;
    struct fwup_v_image img;
    uint8_t out[FWUP_V_MAX_DIGEST];
    size_t got, olen = 0;
    uint64_t total = 0;
    enum fwup_err rc = FWUP_E_IMAGE_DIGEST; /* fail closed */
    enum fwup_err e;

    e = fwup_verifier_image_params(v, index, &img);
    if (e != FWUP_OK)
        return e;
    if (!img.has_digest)
        return FWUP_E_SUIT_MISSING;
    if (read == NULL || chunk == NULL || chunk_len == 0 || c == NULL)
        return FWUP_E_INVALID_ARG;
    e = c->hash_init(c->ctx, img.digest_alg);
    while (e == FWUP_OK) {
        got = 0;
        e = read(read_ctx, chunk, chunk_len, &got);
        if (e != FWUP_OK || got == 0)
            break;
        if (got > chunk_len) {
            e = FWUP_E_INVALID_ARG;
            break;
        }
        total += got;
        e = c->hash_update(c->ctx, chunk, got);
    }
    if (e == FWUP_OK)
        e = c->hash_final(c->ctx, out, sizeof out, &olen);
    if (e != FWUP_OK)
        return e;
    /* Public values: memcmp is fine (see fwup_v_digest_match). */
    if (img.has_size && total != img.size)
        rc = FWUP_E_IMAGE_SIZE;
    else if (olen == img.digest.len && memcmp(out, v->env + img.digest.off, olen) == 0)
        rc = FWUP_OK;
    return rc;
}
