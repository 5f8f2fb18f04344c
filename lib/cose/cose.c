/*
 * COSE_Sign1 / COSE_Mac0 authentication blocks for SUIT envelopes: parse an
 * envelope for signing (with the verifier's CBOR reader), build the
 * to-be-signed structure, encode and append a block.
 *
 * The envelope is never re-encoded as a whole: the output is the input with
 * ONE span replaced, the authentication wrapper bstr at key 2. Everything
 * before and after it, including earlier blocks inside it, is copied byte for
 * byte, so a co-signer cannot change what the author signed and an earlier
 * signature stays valid (manifest-37 §5.2: blocks can be added without
 * changing the manifest digest).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fwup/cose.h"
#include "fwup/crypto.h"
#include "fwup/enc.h"
#include "fwup/secure.h"
#include "fwup/vcbor.h"

#define KID_MAX 64

/* Record a reader's sticky error in diag at an absolute offset. */
static enum fwup_err
reader_fail(struct fwup_vcbor *r, size_t base, const char *path, struct fwup_diag *diag)
{
    size_t off = 0;
    enum fwup_err e = fwup_vcbor_error(r, &off);

    if (e == FWUP_OK)
        e = FWUP_E_INTERNAL;
    return fwup_diag_set_at(diag, e, base + off, path, "%s", fwup_err_str(e));
}

/* Parse the SUIT_Authentication array (content of the key-2 bstr). */
static enum fwup_err
parse_wrapper(struct fwup_cose_env *env, size_t base, struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    uint64_t n;

    fwup_vcbor_init(&r, env->wrapper.ptr, env->wrapper.len);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return reader_fail(&r, base, "envelope.authentication-wrapper", diag);
    if (n == 0)
        return fwup_diag_set_at(diag, FWUP_E_SUIT_MISSING, base, "envelope.authentication-wrapper",
                                "authentication wrapper has no digest");
    if (n - 1 > FWUP_COSE_MAX_BLOCKS)
        return fwup_diag_set_at(diag, FWUP_E_LIMIT_BLOCKS, base, "envelope.authentication-wrapper",
                                "more than %d authentication blocks", FWUP_COSE_MAX_BLOCKS);
    env->items_off = fwup_vcbor_offset(&r);
    if (fwup_vcbor_get_bstr(&r, &env->payload) != FWUP_OK)
        return reader_fail(&r, base, "envelope.authentication-wrapper[0]", diag);
    env->nblocks = (size_t)(n - 1);
    for (size_t i = 0; i < env->nblocks; i++)
        if (fwup_vcbor_get_bstr(&r, &env->blocks[i]) != FWUP_OK)
            return reader_fail(&r, base, "envelope.authentication-wrapper", diag);
    if (!fwup_vcbor_at_end(&r))
        return fwup_diag_set_at(diag, FWUP_E_CBOR_TRAILING, base + fwup_vcbor_offset(&r),
                                "envelope.authentication-wrapper",
                                "bytes after the authentication array");
    return FWUP_OK;
}

/* Parse wrapper[0] = SUIT_Digest [alg, bytes, *ext] and check it against
 * the manifest bstr (manifest-37 §8.3: the digest covers the bstr WITH its
 * head). */
static enum fwup_err
check_digest(struct fwup_cose_env *env, size_t base, struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    uint64_t n;
    uint8_t got[64];
    size_t glen = 0;
    struct fwup_crypto *c = NULL;
    struct fwup_v_crypto port;
    enum fwup_err rc;

    fwup_vcbor_init(&r, env->payload.ptr, env->payload.len);
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK || n < 2 ||
        fwup_vcbor_get_int(&r, &env->digest_alg) != FWUP_OK ||
        fwup_vcbor_get_bstr(&r, &env->digest) != FWUP_OK) {
        if (fwup_vcbor_error(&r, NULL) == FWUP_OK)
            (void)fwup_vcbor_fail(&r, FWUP_E_SUIT_BAD_VALUE, 0);
        return reader_fail(&r, base, "envelope.authentication-wrapper[0]", diag);
    }
    for (uint64_t i = 2; i < n; i++) /* extension elements (manifest-37 §8.3) */
        if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
            return reader_fail(&r, base, "envelope.authentication-wrapper[0]", diag);
    if (!fwup_vcbor_at_end(&r))
        return fwup_diag_set_at(diag, FWUP_E_CBOR_TRAILING, base + fwup_vcbor_offset(&r),
                                "envelope.authentication-wrapper[0]", "bytes after the digest");
    rc = fwup_crypto_new(&c);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "out of memory");
    fwup_crypto_port(c, &port);
    if (env->digest_alg < INT32_MIN || env->digest_alg > INT32_MAX ||
        port.hash_init(port.ctx, (int32_t)env->digest_alg) != FWUP_OK) {
        fwup_crypto_free(c);
        return fwup_diag_set_at(diag, FWUP_E_SUIT_DIGEST_ALG, base,
                                "envelope.authentication-wrapper[0]",
                                "unsupported digest algorithm %lld", (long long)env->digest_alg);
    }
    rc = port.hash_update(port.ctx, env->manifest.ptr, env->manifest.len);
    if (rc == FWUP_OK)
        rc = port.hash_final(port.ctx, got, sizeof got, &glen);
    fwup_crypto_free(c);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "cannot hash the manifest");
    /* memcmp: both digests are public values, no timing concern. */
    if (glen != env->digest.len || memcmp(got, env->digest.ptr, glen) != 0)
        return fwup_diag_set_at(diag, FWUP_E_MANIFEST_DIGEST,
                                (size_t)(env->manifest.ptr - env->input.ptr), "envelope.manifest",
                                "manifest does not match the digest in the authentication "
                                "wrapper: refusing to sign");
    return FWUP_OK;
}

enum fwup_err
fwup_cose_env_parse(const uint8_t *p, size_t n, struct fwup_cose_env *env, struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    uint64_t pairs, tag;
    bool have_auth = false, have_man = false;
    enum fwup_err rc;

    if (env == NULL || (p == NULL && n != 0))
        return FWUP_E_INVALID_ARG;
    memset(env, 0, sizeof *env);
    env->input.ptr = p;
    env->input.len = n;
    fwup_vcbor_init(&r, p, n);
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        return reader_fail(&r, 0, "envelope", diag);
    if (it.major == FWUP_CBOR_TAG) {
        if (fwup_vcbor_get_tag(&r, &tag) != FWUP_OK)
            return reader_fail(&r, 0, "envelope", diag);
        if (tag != FWUP_TAG_SUIT_ENVELOPE)
            return fwup_diag_set_at(diag, FWUP_E_CBOR_TAG, 0, "envelope",
                                    "expected tag 107 (SUIT_Envelope), got tag %llu",
                                    (unsigned long long)tag);
    }
    if (fwup_vcbor_get_map(&r, &pairs) != FWUP_OK)
        return reader_fail(&r, 0, "envelope", diag);
    for (uint64_t i = 0; i < pairs; i++) {
        size_t koff = fwup_vcbor_offset(&r);
        int64_t key = 0;
        bool int_key;

        if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
            return reader_fail(&r, 0, "envelope", diag);
        int_key = it.major == FWUP_CBOR_UINT || it.major == FWUP_CBOR_NINT;
        if (int_key ? fwup_vcbor_get_int(&r, &key) != FWUP_OK
                    : fwup_vcbor_skip(&r, NULL) != FWUP_OK)
            return reader_fail(&r, 0, "envelope", diag);
        if (int_key && (key == FWUP_ENV_AUTH || key == FWUP_ENV_MANIFEST)) {
            bool *seen = key == FWUP_ENV_AUTH ? &have_auth : &have_man;
            const char *path =
                key == FWUP_ENV_AUTH ? "envelope.authentication-wrapper" : "envelope.manifest";
            if (*seen)
                return fwup_diag_set_at(diag, FWUP_E_CBOR_DUPLICATE_KEY, koff, "envelope",
                                        "envelope key %lld appears twice", (long long)key);
            *seen = true;
            if (fwup_vcbor_next(&r, &it) != FWUP_OK)
                return reader_fail(&r, 0, path, diag);
            if (it.major != FWUP_CBOR_BSTR)
                return fwup_diag_set_at(diag, FWUP_E_CBOR_TYPE, it.off, path, "expected bstr");
            if (key == FWUP_ENV_AUTH) {
                env->wrapper_off = it.off;
                env->wrapper_end = it.end;
                env->wrapper.ptr = p + it.data_off;
                env->wrapper.len = it.end - it.data_off;
            } else {
                env->manifest.ptr = p + it.off;
                env->manifest.len = it.end - it.off;
            }
        } else if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) {
            return reader_fail(&r, 0, "envelope", diag);
        }
    }
    if (!fwup_vcbor_at_end(&r))
        return fwup_diag_set_at(diag, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), "envelope",
                                "bytes after the envelope");
    if (!have_auth || !have_man)
        return fwup_diag_set(diag, FWUP_E_SUIT_MISSING, "envelope", "no %s in the envelope",
                             have_auth ? "manifest (key 3)" : "authentication wrapper (key 2)");
    rc = parse_wrapper(env, (size_t)(env->wrapper.ptr - p), diag);
    if (rc == FWUP_OK)
        rc = check_digest(env, (size_t)(env->payload.ptr - p), diag);
    return rc;
}

int32_t
fwup_cose_default_alg(uint8_t v_key_type)
{
    switch (v_key_type) {
    case FWUP_V_KEY_P256:
        return FWUP_COSE_ESP256;
    case FWUP_V_KEY_P384:
        return FWUP_COSE_ESP384;
    case FWUP_V_KEY_ED25519:
        return FWUP_COSE_ED25519;
    case FWUP_V_KEY_HMAC256:
        return FWUP_COSE_HMAC256;
    default:
        return 0;
    }
}

enum fwup_err
fwup_cose_protected(int32_t alg, uint8_t out[8], size_t *len)
{
    struct fwup_enc e;
    struct fwup_bytes b;
    enum fwup_err rc;

    if (out == NULL || len == NULL)
        return FWUP_E_INVALID_ARG;
    /* One member only, so deterministic encoding is just shortest-form
     * integers (RFC 8949 §4.2.1; RFC 9052 §3 asks for a bstr of it). */
    fwup_enc_init(&e, 16);
    fwup_enc_map(&e, 1);
    fwup_enc_int(&e, FWUP_COSE_HDR_ALG);
    fwup_enc_int(&e, alg);
    rc = fwup_enc_error(&e);
    if (rc == FWUP_OK) {
        b = fwup_enc_bytes(&e);
        memcpy(out, b.ptr, b.len);
        *len = b.len;
    }
    fwup_enc_release(&e);
    return rc;
}

enum fwup_err
fwup_cose_tbs(int32_t alg, struct fwup_bytes payload, uint8_t **tbs, size_t *tbs_len)
{
    struct fwup_enc e;
    uint8_t prot[8];
    size_t plen = 0;
    enum fwup_err rc;

    if (tbs == NULL || tbs_len == NULL || (payload.ptr == NULL && payload.len != 0))
        return FWUP_E_INVALID_ARG;
    *tbs = NULL;
    *tbs_len = 0;
    rc = fwup_cose_protected(alg, prot, &plen);
    if (rc != FWUP_OK)
        return rc;
    /* RFC 9052 §4.4 / §6.3, external_aad empty; payload encoded ONCE as a
     * bstr (FACTS.md: the double-wrapped reading never verifies). */
    fwup_enc_init(&e, 0);
    fwup_enc_array(&e, 4);
    fwup_enc_tstr_z(&e, alg == FWUP_COSE_HMAC256 ? "MAC0" : "Signature1");
    fwup_enc_bstr(&e, prot, plen);
    fwup_enc_bstr(&e, NULL, 0);
    fwup_enc_bstr(&e, payload.ptr, payload.len);
    return fwup_enc_take(&e, tbs, tbs_len);
}

enum fwup_err
fwup_cose_block(int32_t alg, const uint8_t *kid, size_t kid_len, const uint8_t *sig, size_t sig_len,
                uint8_t **out, size_t *out_len)
{
    struct fwup_enc e;
    uint8_t prot[8];
    size_t plen = 0;
    enum fwup_err rc;

    if (out == NULL || out_len == NULL || sig == NULL || sig_len == 0 ||
        (kid == NULL && kid_len != 0))
        return FWUP_E_INVALID_ARG;
    rc = fwup_cose_protected(alg, prot, &plen);
    if (rc != FWUP_OK)
        return rc;
    fwup_enc_init(&e, 0);
    fwup_enc_tag(&e, alg == FWUP_COSE_HMAC256 ? FWUP_TAG_COSE_MAC0 : FWUP_TAG_COSE_SIGN1);
    fwup_enc_array(&e, 4);
    fwup_enc_bstr(&e, prot, plen);
    if (kid != NULL && kid_len > 0) {
        fwup_enc_map(&e, 1);
        fwup_enc_uint(&e, FWUP_COSE_HDR_KID);
        fwup_enc_bstr(&e, kid, kid_len);
    } else {
        fwup_enc_map(&e, 0);
    }
    fwup_enc_null(&e); /* detached payload (manifest-37 §8.3) */
    fwup_enc_bstr(&e, sig, sig_len);
    return fwup_enc_take(&e, out, out_len);
}

enum fwup_err
fwup_cose_append(const struct fwup_cose_env *env, struct fwup_bytes block, uint8_t **out,
                 size_t *out_len)
{
    struct fwup_enc inner, e;
    struct fwup_bytes in;
    const uint8_t *base;
    enum fwup_err rc;

    if (env == NULL || out == NULL || out_len == NULL || block.ptr == NULL || block.len == 0)
        return FWUP_E_INVALID_ARG;
    if (env->nblocks >= FWUP_COSE_MAX_BLOCKS)
        return FWUP_E_LIMIT_BLOCKS;
    base = env->input.ptr;
    /* New wrapper content: a new array head, then the old elements verbatim
     * (digest and every earlier block), then the new block as a bstr. */
    fwup_enc_init(&inner, 0);
    fwup_enc_array(&inner, (uint64_t)env->nblocks + 2);
    fwup_enc_raw(&inner, env->wrapper.ptr + env->items_off, env->wrapper.len - env->items_off);
    fwup_enc_bstr(&inner, block.ptr, block.len);
    rc = fwup_enc_error(&inner);
    if (rc != FWUP_OK) {
        fwup_enc_release(&inner);
        return rc;
    }
    in = fwup_enc_bytes(&inner);
    /* Envelope: prefix up to the key-2 value, new bstr, untouched suffix. */
    fwup_enc_init(&e, 0);
    fwup_enc_raw(&e, base, env->wrapper_off);
    fwup_enc_bstr(&e, in.ptr, in.len);
    fwup_enc_raw(&e, base + env->wrapper_end, env->input.len - env->wrapper_end);
    fwup_enc_release(&inner);
    return fwup_enc_take(&e, out, out_len);
}

/* ---- signing --------------------------------------------------------- */

/* What a signing operation compares earlier blocks against. */
struct who {
    const uint8_t *kid; /* the kid the new block will carry, or NULL */
    size_t kid_len;
    const struct fwup_v_key *pub; /* signature key, or NULL */
    struct fwup_signer *mac;      /* HMAC signer, or NULL */
    struct fwup_v_crypto *port;
};

/*
 * Decode one COSE_Sign1 / COSE_Mac0 block loosely (tag, protected bstr, alg,
 * kid, signature). Blocks this signer did not make are kept whatever they
 * contain; this only needs enough to recognise our own key. Returns false for
 * anything else (COSE_Sign, COSE_Mac, malformed).
 */
static bool
peek_block(struct fwup_bytes blk, uint64_t *tag, struct fwup_bytes *prot, int64_t *alg,
           struct fwup_bytes *kid, struct fwup_bytes *sig)
{
    struct fwup_vcbor r, h;
    uint64_t n, m;
    struct fwup_vcbor_item it;

    *alg = 0;
    kid->ptr = NULL;
    kid->len = 0;
    fwup_vcbor_init(&r, blk.ptr, blk.len);
    if (fwup_vcbor_get_tag(&r, tag) != FWUP_OK ||
        (*tag != FWUP_TAG_COSE_SIGN1 && *tag != FWUP_TAG_COSE_MAC0) ||
        fwup_vcbor_get_array(&r, &n) != FWUP_OK || n != 4 ||
        fwup_vcbor_get_bstr(&r, prot) != FWUP_OK)
        return false;
    /* The protected header: alg (1) and possibly kid (4). */
    fwup_vcbor_init(&h, prot->ptr, prot->len);
    if (prot->len > 0) {
        if (fwup_vcbor_get_map(&h, &m) != FWUP_OK)
            return false;
        for (uint64_t i = 0; i < m; i++) {
            int64_t k = 0;
            if (fwup_vcbor_peek(&h, &it) != FWUP_OK)
                return false;
            if (it.major > FWUP_CBOR_NINT) {
                if (fwup_vcbor_skip(&h, NULL) != FWUP_OK || fwup_vcbor_skip(&h, NULL) != FWUP_OK)
                    return false;
                continue;
            }
            if (fwup_vcbor_get_int(&h, &k) != FWUP_OK)
                return false;
            if (k == FWUP_COSE_HDR_ALG) {
                if (fwup_vcbor_get_int(&h, alg) != FWUP_OK)
                    return false;
            } else if (k == FWUP_COSE_HDR_KID) {
                if (fwup_vcbor_get_bstr(&h, kid) != FWUP_OK)
                    return false;
            } else if (fwup_vcbor_skip(&h, NULL) != FWUP_OK) {
                return false;
            }
        }
    }
    /* The unprotected header: kid (4). */
    if (fwup_vcbor_get_map(&r, &m) != FWUP_OK)
        return false;
    for (uint64_t i = 0; i < m; i++) {
        int64_t k = 0;
        if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
            return false;
        if (it.major <= FWUP_CBOR_NINT) {
            if (fwup_vcbor_get_int(&r, &k) != FWUP_OK)
                return false;
        } else if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) {
            return false;
        }
        if (k == FWUP_COSE_HDR_KID && it.major <= FWUP_CBOR_NINT) {
            if (fwup_vcbor_get_bstr(&r, kid) != FWUP_OK)
                return false;
        } else if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) {
            return false;
        }
    }
    if (fwup_vcbor_skip(&r, NULL) != FWUP_OK) /* payload: nil when detached */
        return false;
    return fwup_vcbor_get_bstr(&r, sig) == FWUP_OK;
}

/* Would `blk` have been made by this key? Verifies it as this key would. */
static bool
made_by(const struct fwup_cose_env *env, const struct who *w, uint64_t tag, struct fwup_bytes prot,
        int64_t alg, struct fwup_bytes sig)
{
    uint8_t *tbs = NULL, mac[132];
    size_t tlen = 0, mlen = 0;
    bool same = false;
    struct fwup_enc e;

    /* Rebuild the block's own to-be-signed bytes with ITS protected header
     * (it may be {1: -7} where we would write {1: -9}). */
    fwup_enc_init(&e, 0);
    fwup_enc_array(&e, 4);
    fwup_enc_tstr_z(&e, tag == FWUP_TAG_COSE_MAC0 ? "MAC0" : "Signature1");
    fwup_enc_bstr(&e, prot.ptr, prot.len);
    fwup_enc_bstr(&e, NULL, 0);
    fwup_enc_bstr(&e, env->payload.ptr, env->payload.len);
    if (fwup_enc_take(&e, &tbs, &tlen) != FWUP_OK)
        return false;
    if (alg < INT32_MIN || alg > INT32_MAX)
        goto out;
    if (tag == FWUP_TAG_COSE_SIGN1 && w->pub != NULL &&
        fwup_alg_key_type((int32_t)alg) == w->pub->type) {
        same = w->port->sig_verify(w->port->ctx, (int32_t)alg, w->pub,
                                   (struct fwup_bytes){tbs, tlen}, sig) == FWUP_OK;
    } else if (tag == FWUP_TAG_COSE_MAC0 && w->mac != NULL && alg == FWUP_COSE_HMAC256 &&
               sig.len == 32) {
        same = fwup_signer_sign(w->mac, FWUP_COSE_HMAC256, (struct fwup_bytes){tbs, tlen}, mac,
                                &mlen, NULL) == FWUP_OK &&
               mlen == 32 && fwup_ct_equal(mac, sig.ptr, 32);
        FWUP_WIPE_VAR(mac);
    }
out:
    free(tbs);
    return same;
}

static enum fwup_err
refuse_if_signed(const struct fwup_cose_env *env, const struct who *w, struct fwup_diag *diag)
{
    for (size_t i = 0; i < env->nblocks; i++) {
        uint64_t tag;
        struct fwup_bytes prot, kid, sig;
        int64_t alg;

        if (!peek_block(env->blocks[i], &tag, &prot, &alg, &kid, &sig))
            continue;
        /* memcmp: kids are public identifiers. */
        if (w->kid != NULL && kid.ptr != NULL && kid.len == w->kid_len &&
            memcmp(kid.ptr, w->kid, kid.len) == 0)
            return fwup_diag_set(diag, FWUP_E_ALREADY_SIGNED, "envelope.authentication-wrapper",
                                 "block %zu already carries this kid", i + 1);
        if (made_by(env, w, tag, prot, alg, sig))
            return fwup_diag_set(diag, FWUP_E_ALREADY_SIGNED, "envelope.authentication-wrapper",
                                 "block %zu is already signed by this key", i + 1);
    }
    return FWUP_OK;
}

static enum fwup_err
check_kid(const struct fwup_cose_sign_opts *o, struct fwup_diag *diag)
{
    if (o != NULL && o->kid != NULL && (o->kid_len == 0 || o->kid_len > KID_MAX))
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "kid must be 1..%d bytes", KID_MAX);
    return FWUP_OK;
}

/* Encode the block, append it, hand out the new envelope. */
static enum fwup_err
finish(const struct fwup_cose_env *env, int32_t alg, const struct who *w, const uint8_t *sig,
       size_t sig_len, uint8_t **out, size_t *out_len, struct fwup_diag *diag)
{
    uint8_t *blk = NULL;
    size_t blen = 0;
    enum fwup_err rc;

    rc = fwup_cose_block(alg, w->kid, w->kid != NULL ? w->kid_len : 0, sig, sig_len, &blk, &blen);
    if (rc == FWUP_OK)
        rc = fwup_cose_append(env, (struct fwup_bytes){blk, blen}, out, out_len);
    free(blk);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "cannot encode the authentication block");
    return FWUP_OK;
}

enum fwup_err
fwup_cose_sign_envelope(const uint8_t *in, size_t in_len, struct fwup_signer *s,
                        const struct fwup_cose_sign_opts *opts, uint8_t **out, size_t *out_len,
                        struct fwup_diag *diag)
{
    struct fwup_cose_env env;
    struct fwup_v_key pub;
    struct fwup_crypto *c = NULL;
    struct fwup_v_crypto port;
    struct who w;
    uint8_t *der = NULL, *tbs = NULL, sig[132], again[132];
    size_t der_len = 0, tlen = 0, slen = 0, alen = 0;
    int32_t alg;
    enum fwup_err rc;

    memset(&pub, 0, sizeof pub);
    memset(&w, 0, sizeof w);
    if (s == NULL || out == NULL || out_len == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    rc = check_kid(opts, diag);
    if (rc != FWUP_OK)
        return rc;
    /* 1. TOCTOU: what we are about to sign is the manifest that is here. */
    rc = fwup_cose_env_parse(in, in_len, &env, diag);
    if (rc != FWUP_OK)
        return rc;
    alg = (opts != NULL && opts->alg != 0) ? opts->alg : fwup_signer_default_alg(s);
    if (!fwup_signer_alg_ok(s, alg))
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, NULL,
                             "COSE algorithm %ld cannot be made with %s", (long)alg,
                             fwup_signer_describe(s));
    rc = fwup_crypto_new(&c);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "out of memory");
    fwup_crypto_port(c, &port);
    w.port = &port;
    /* 2. The public key: kid, duplicate detection, verify-after-sign. */
    if (fwup_signer_kind(s) == FWUP_KEY_HMAC256) {
        w.mac = s;
    } else {
        rc = fwup_signer_public_der(s, &der, &der_len, diag);
        if (rc == FWUP_OK)
            rc = fwup_key_from_der(der, der_len, &pub, diag);
        if (rc != FWUP_OK)
            goto out;
        w.pub = &pub;
        w.kid = pub.kid;
        w.kid_len = pub.kid_len;
    }
    if (opts != NULL && opts->kid != NULL) {
        w.kid = opts->kid;
        w.kid_len = opts->kid_len;
    }
    /* 3. One block per key. */
    rc = refuse_if_signed(&env, &w, diag);
    if (rc != FWUP_OK)
        goto out;
    /* 4. Sign. */
    rc = fwup_cose_tbs(alg, env.payload, &tbs, &tlen);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL, "cannot build the to-be-signed structure");
        goto out;
    }
    rc = fwup_signer_sign(s, alg, (struct fwup_bytes){tbs, tlen}, sig, &slen, diag);
    if (rc != FWUP_OK)
        goto out;
    /* 5. Verify what we made before anyone sees it (minisign's sign()): a
     * faulty backend or token must not produce an envelope that fails on
     * every device. */
    if (w.pub != NULL) {
        rc = port.sig_verify(port.ctx, alg, &pub, (struct fwup_bytes){tbs, tlen},
                             (struct fwup_bytes){sig, slen});
    } else {
        rc = fwup_signer_sign(s, alg, (struct fwup_bytes){tbs, tlen}, again, &alen, diag);
        if (rc == FWUP_OK && (alen != slen || !fwup_ct_equal(again, sig, slen)))
            rc = FWUP_E_SIG_VERIFY;
        FWUP_WIPE_VAR(again);
    }
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL,
                           "the new signature does not verify with the key's public half");
        goto out;
    }
    rc = finish(&env, alg, &w, sig, slen, out, out_len, diag);
out:
    if (fwup_signer_kind(s) == FWUP_KEY_HMAC256)
        FWUP_WIPE_VAR(sig); /* a MAC tag is derived from the secret */
    fwup_key_release(&pub);
    fwup_crypto_free(c);
    free(der);
    free(tbs);
    return rc;
}

enum fwup_err
fwup_cose_export_tbs(const uint8_t *in, size_t in_len, int32_t alg, uint8_t **tbs, size_t *tbs_len,
                     struct fwup_diag *diag)
{
    struct fwup_cose_env env;
    enum fwup_err rc;

    if (tbs == NULL || tbs_len == NULL)
        return FWUP_E_INVALID_ARG;
    *tbs = NULL;
    *tbs_len = 0;
    if (fwup_alg_key_type(alg) == FWUP_V_KEY_NONE)
        return fwup_diag_set(diag, FWUP_E_COSE_UNSUPPORTED_ALG, NULL,
                             "COSE algorithm %ld is not supported for signing", (long)alg);
    rc = fwup_cose_env_parse(in, in_len, &env, diag);
    if (rc != FWUP_OK)
        return rc;
    rc = fwup_cose_tbs(alg, env.payload, tbs, tbs_len);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "cannot build the to-be-signed structure");
    return FWUP_OK;
}

enum fwup_err
fwup_cose_attach(const uint8_t *in, size_t in_len, const struct fwup_v_key *pub,
                 const struct fwup_cose_sign_opts *opts, const uint8_t *sig, size_t sig_len,
                 enum fwup_sig_format fmt, uint8_t **out, size_t *out_len, struct fwup_diag *diag)
{
    struct fwup_cose_env env;
    struct fwup_crypto *c = NULL;
    struct fwup_v_crypto port;
    struct who w;
    uint8_t *tbs = NULL, cs[132];
    size_t tlen = 0, clen = 0;
    int32_t alg;
    enum fwup_err rc;

    if (pub == NULL || pub->handle == NULL || sig == NULL || out == NULL || out_len == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    if (pub->type == FWUP_V_KEY_HMAC256)
        return fwup_diag_set(diag, FWUP_E_UNSUPPORTED, NULL,
                             "detached signing is for public-key signatures, not MACs");
    rc = check_kid(opts, diag);
    if (rc != FWUP_OK)
        return rc;
    rc = fwup_cose_env_parse(in, in_len, &env, diag);
    if (rc != FWUP_OK)
        return rc;
    alg = (opts != NULL && opts->alg != 0) ? opts->alg : fwup_cose_default_alg(pub->type);
    if (fwup_alg_key_type(alg) != pub->type)
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, NULL,
                             "COSE algorithm %ld does not match the public key's type", (long)alg);
    rc = fwup_crypto_new(&c);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "out of memory");
    fwup_crypto_port(c, &port);
    memset(&w, 0, sizeof w);
    w.port = &port;
    w.pub = pub;
    w.kid = (opts != NULL && opts->kid != NULL) ? opts->kid : pub->kid;
    w.kid_len = (opts != NULL && opts->kid != NULL) ? opts->kid_len : pub->kid_len;
    rc = refuse_if_signed(&env, &w, diag);
    if (rc != FWUP_OK)
        goto out;
    rc = fwup_sig_to_cose(pub->type, fmt, sig, sig_len, cs, &clen);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL, "signature (%zu bytes) is not a %s", sig_len,
                           pub->type == FWUP_V_KEY_ED25519 ? "64-byte Ed25519 signature"
                           : fmt == FWUP_SIG_DER           ? "DER ECDSA signature"
                           : fmt == FWUP_SIG_RAW ? "raw r||s ECDSA signature of the key's size"
                                                 : "raw r||s or DER ECDSA signature");
        goto out;
    }
    rc = fwup_cose_tbs(alg, env.payload, &tbs, &tlen);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL, "cannot build the to-be-signed structure");
        goto out;
    }
    rc = port.sig_verify(port.ctx, alg, pub, (struct fwup_bytes){tbs, tlen},
                         (struct fwup_bytes){cs, clen});
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL,
                           "signature does not verify with the public key over the "
                           "to-be-signed bytes (other key, other --alg, or another envelope?)");
        goto out;
    }
    rc = finish(&env, alg, &w, cs, clen, out, out_len, diag);
out:
    fwup_crypto_free(c);
    free(tbs);
    return rc;
}

/* ---- algorithm names -------------------------------------------------- */

static const struct {
    const char *name;
    int32_t alg;
} alg_names[] = {
    {"ESP256", FWUP_COSE_ESP256},   {"ES256", FWUP_COSE_ES256},     {"ESP384", FWUP_COSE_ESP384},
    {"ES384", FWUP_COSE_ES384},     {"Ed25519", FWUP_COSE_ED25519}, {"EdDSA", FWUP_COSE_EDDSA},
    {"HMAC256", FWUP_COSE_HMAC256},
};

enum fwup_err
fwup_cose_alg_from_name(const char *name, int32_t *alg)
{
    char *end = NULL;
    long v;

    if (name == NULL || alg == NULL)
        return FWUP_E_INVALID_ARG;
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++) {
        if (strcasecmp(name, alg_names[i].name) == 0) {
            *alg = alg_names[i].alg;
            return FWUP_OK;
        }
    }
    if (strcasecmp(name, "HMAC 256/256") == 0) {
        *alg = FWUP_COSE_HMAC256;
        return FWUP_OK;
    }
    v = strtol(name, &end, 10);
    if (end != name && *end == '\0' && v >= INT32_MIN && v <= INT32_MAX &&
        fwup_alg_key_type((int32_t)v) != FWUP_V_KEY_NONE) {
        *alg = (int32_t)v;
        return FWUP_OK;
    }
    return FWUP_E_COSE_UNSUPPORTED_ALG;
}

const char *
fwup_cose_alg_name(int32_t alg)
{
    for (size_t i = 0; i < sizeof alg_names / sizeof alg_names[0]; i++)
        if (alg_names[i].alg == alg)
            return alg_names[i].name;
    return NULL;
}
