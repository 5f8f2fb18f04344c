/*
 * Severing (draft-ietf-suit-manifest-37 §5.4, §8.4.12): drop the severable
 * members of an envelope. Their digests stay in the manifest, which is not
 * touched, and neither is the authentication wrapper: every member that
 * stays is copied byte for byte, so the manifest digest and every signature
 * over it remain valid (a signed envelope stays signed). Only the map head
 * is re-encoded, with the new count, in shortest form.
 *
 * The envelope is read with the verifier's pull reader (lib/verifier is the
 * project's one CBOR decoder); its bounds and depth limits apply.
 */
#include <stdlib.h>
#include <string.h>

#include "author_int.h"
#include "fwup/enc.h"
#include "fwup/vcbor.h"

/* Envelope members that are severable: [UM] coswid 14, [TD]
 * dependency-resolution 15, payload-fetch 16, [TD] candidate-verification 18
 * (a severable envelope member in the [TD] CDDL), install 20, text 23. */
static bool
is_severable(uint64_t key)
{
    return key == 14 || key == 15 || key == 16 || key == 18 || key == 20 || key == 23;
}

struct member {
    size_t off; /* key start */
    size_t end; /* value end */
};

enum fwup_err
fwup_author_sever(const uint8_t *env, size_t len, uint8_t **out, size_t *out_len,
                  size_t *removed, struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct member *mem = NULL;
    struct fwup_enc e;
    uint64_t n = 0, seen = 0;
    size_t kept = 0, dropped = 0, tag_end = 0, off;
    enum fwup_err rc;

    if (env == NULL || out == NULL || out_len == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "NULL argument");
    *out = NULL;
    *out_len = 0;
    fwup_vcbor_init(&r, env, len);
    fwup_enc_init(&e, 0);
    rc = fwup_vcbor_peek(&r, &it);
    if (rc == FWUP_OK && it.major == FWUP_CBOR_TAG) {
        if (fwup_vcbor_next(&r, &it) != FWUP_OK)
            goto cbor_err;
        if (it.val != FWUP_ENVELOPE_TAG) {
            rc = fwup_diag_set_at(diag, FWUP_E_CBOR_TAG, it.off, "envelope",
                                  "expected tag 107 (SUIT_Envelope_Tagged), found tag %llu",
                                  (unsigned long long)it.val);
            goto out;
        }
        tag_end = fwup_vcbor_offset(&r);
    }
    off = fwup_vcbor_offset(&r);
    if (rc == FWUP_OK)
        rc = fwup_vcbor_get_map(&r, &n);
    if (rc != FWUP_OK)
        goto cbor_err;
    /* Each pair takes at least 2 bytes, so n is bounded by the input. */
    mem = calloc(n > 0 ? (size_t)n : 1, sizeof *mem);
    if (mem == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    for (uint64_t i = 0; i < n; i++) {
        struct fwup_bytes span;
        bool drop = false, small = false;
        uint64_t key = 0;
        size_t koff = fwup_vcbor_offset(&r);

        if ((rc = fwup_vcbor_peek(&r, &it)) != FWUP_OK)
            goto cbor_err;
        if (it.major == FWUP_CBOR_UINT) {
            if (fwup_vcbor_next(&r, &it) != FWUP_OK)
            goto cbor_err;
            key = it.val;
            small = key < 64;
            drop = is_severable(key);
            if (small && (seen & ((uint64_t)1 << key))) {
                rc = fwup_diag_set_at(diag, FWUP_E_CBOR_DUPLICATE_KEY, koff, "envelope",
                                      "envelope key %llu appears twice",
                                      (unsigned long long)key);
                goto out;
            }
            if (small)
                seen |= (uint64_t)1 << key;
        } else if ((rc = fwup_vcbor_skip(&r, NULL)) != FWUP_OK) {
            goto cbor_err;
        }
        if ((rc = fwup_vcbor_peek(&r, &it)) != FWUP_OK)
            goto cbor_err;
        if ((key == FWUP_ENV_AUTH || key == FWUP_ENV_MANIFEST) && small &&
            it.major != FWUP_CBOR_BSTR) {
            rc = fwup_diag_set_at(diag, FWUP_E_CBOR_TYPE, it.off,
                                  key == FWUP_ENV_AUTH ? "envelope.authentication-wrapper"
                                                       : "envelope.manifest",
                                  "expected a byte string");
            goto out;
        }
        if ((rc = fwup_vcbor_skip(&r, &span)) != FWUP_OK)
            goto cbor_err;
        if (drop) {
            dropped++;
            continue;
        }
        mem[kept].off = koff;
        mem[kept].end = fwup_vcbor_offset(&r);
        kept++;
    }
    if (!fwup_vcbor_at_end(&r)) {
        rc = fwup_diag_set_at(diag, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), "envelope",
                              "bytes after the envelope");
        goto out;
    }
    if (!(seen & ((uint64_t)1 << FWUP_ENV_AUTH)) || !(seen & ((uint64_t)1 << FWUP_ENV_MANIFEST))) {
        rc = fwup_diag_set_at(diag, FWUP_E_SUIT_MISSING, off, "envelope",
                              "an envelope needs an authentication wrapper (2) and a "
                              "manifest (3)");
        goto out;
    }
    fwup_enc_raw(&e, env, tag_end);
    fwup_enc_map(&e, kept);
    for (size_t i = 0; i < kept; i++)
        fwup_enc_raw(&e, env + mem[i].off, mem[i].end - mem[i].off);
    rc = fwup_enc_take(&e, out, out_len);
    if (rc != FWUP_OK) {
        (void)fwup_diag_set(diag, rc, "envelope", "cannot encode the envelope");
        goto out;
    }
    if (removed != NULL)
        *removed = dropped;
    goto out;
cbor_err : {
    size_t at = 0;
    rc = fwup_vcbor_error(&r, &at);
    if (rc == FWUP_OK)
        rc = FWUP_E_CBOR_MALFORMED;
    (void)fwup_diag_set_at(diag, rc, at, "envelope", "%s", "malformed envelope");
}
out:
    fwup_enc_release(&e);
    free(mem);
    return rc;
}
