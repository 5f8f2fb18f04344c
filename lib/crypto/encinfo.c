/*
 * SUIT_Encryption_Info (draft-ietf-suit-firmware-encryption-24 §4-§6):
 * parsing the COSE_Encrypt, unwrapping the CEK for a recipient, streaming
 * decryption and encryption, and building the COSE_Encrypt for
 * `fwup encrypt`.
 *
 * The parser is the verifier's pull reader (fwup/vcbor.h): bounds-checked,
 * no recursion, definite lengths only. The results are views into the
 * caller's bytes.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "enc_int.h"
#include "fwup/cose.h"
#include "fwup/enc.h"
#include "fwup/secure.h"
#include "fwup/vcbor.h"

/* ---- parsing ---------------------------------------------------------------- */

/* Header values fwup looks at; everything else is skipped. */
struct hdrs {
    bool has_alg;
    int64_t alg;
    struct fwup_bytes kid, iv, salt, epk;
    bool has_kid, has_iv, has_salt, has_epk;
};

#define PATH_INFO "encryption-info"

static enum fwup_err
cbor_fail(struct fwup_vcbor *r, struct fwup_diag *diag, const char *path)
{
    size_t off = 0;
    enum fwup_err e = fwup_vcbor_error(r, &off);

    if (e == FWUP_OK)
        e = FWUP_E_INTERNAL;
    return fwup_diag_set_at(diag, e, off, path, "%s", fwup_err_str(e));
}

static enum fwup_err
bad(struct fwup_diag *diag, enum fwup_err e, size_t off, const char *path, const char *what)
{
    return fwup_diag_set_at(diag, e, off, path, "%s", what);
}

/*
 * A header map (RFC 9052 §3): the reader is positioned on the map head.
 * Duplicate labels are refused (§3: a label must not repeat), and so is crit
 * (2): fwup implements no critical extension, and a sender who marks one
 * critical wants a receiver that does not understand it to fail.
 */
static enum fwup_err
parse_hdr_map(struct fwup_vcbor *r, struct hdrs *h, const char *path, struct fwup_diag *diag)
{
    uint64_t n;
    int64_t seen[24];
    size_t nseen = 0;

    if (fwup_vcbor_get_map(r, &n) != FWUP_OK)
        return cbor_fail(r, diag, path);
    for (uint64_t i = 0; i < n; i++) {
        struct fwup_vcbor_item it;
        size_t koff = fwup_vcbor_offset(r);
        int64_t label;
        enum fwup_err e;

        if (fwup_vcbor_peek(r, &it) != FWUP_OK)
            return cbor_fail(r, diag, path);
        if (it.major != FWUP_CBOR_UINT && it.major != FWUP_CBOR_NINT) {
            /* tstr labels are private use; fwup knows none of them. */
            if (fwup_vcbor_skip(r, NULL) != FWUP_OK || fwup_vcbor_skip(r, NULL) != FWUP_OK)
                return cbor_fail(r, diag, path);
            continue;
        }
        if (fwup_vcbor_get_int(r, &label) != FWUP_OK)
            return cbor_fail(r, diag, path);
        for (size_t k = 0; k < nseen; k++)
            if (seen[k] == label)
                return bad(diag, FWUP_E_CBOR_DUPLICATE_KEY, koff, path,
                           "a COSE header label appears twice");
        if (nseen < sizeof seen / sizeof seen[0])
            seen[nseen++] = label;
        else
            return bad(diag, FWUP_E_LIMIT_COUNT, koff, path, "too many COSE header labels");
        switch (label) {
        case FWUP_COSE_HDR_ALG:
            h->has_alg = true;
            e = fwup_vcbor_get_int(r, &h->alg);
            break;
        case FWUP_COSE_HDR_CRIT:
            return bad(diag, FWUP_E_COSE_HEADER, koff, path,
                       "a critical COSE header (crit) fwup does not implement");
        case FWUP_COSE_HDR_KID:
            h->has_kid = true;
            e = fwup_vcbor_get_bstr(r, &h->kid);
            break;
        case FWUP_COSE_HDR_IV:
            h->has_iv = true;
            e = fwup_vcbor_get_bstr(r, &h->iv);
            break;
        case FWUP_COSE_HDR_PARTIAL_IV:
            /* Needs a context IV agreed out of band: not a SUIT deployment. */
            return bad(diag, FWUP_E_COSE_HEADER, koff, path,
                       "Partial IV (6) is not supported: the full IV (5) is needed");
        case FWUP_COSE_HDR_SALT:
            h->has_salt = true;
            e = fwup_vcbor_get_bstr(r, &h->salt);
            break;
        case FWUP_COSE_HDR_EPK:
            h->has_epk = true;
            e = fwup_vcbor_skip(r, &h->epk);
            break;
        default:
            /* PartyU/PartyV identities (-21..-26) would change the KDF
             * context; [ENC] §5.2.4 fixes them to nil. */
            if (label >= -26 && label <= -21)
                return bad(diag, FWUP_E_COSE_HEADER, koff, path,
                           "PartyU / PartyV KDF headers are not used by SUIT ([ENC] 5.2.4)");
            e = fwup_vcbor_skip(r, NULL);
            break;
        }
        if (e != FWUP_OK) {
            size_t off = 0;
            if (fwup_vcbor_error(r, &off) == FWUP_E_CBOR_TYPE || e == FWUP_E_CBOR_TYPE)
                return bad(diag, FWUP_E_COSE_HEADER, off != 0 ? off : koff, path,
                           "a COSE header value has the wrong type");
            return cbor_fail(r, diag, path);
        }
    }
    return FWUP_OK;
}

/* The serialized protected header (bstr): empty, or a map of headers. */
static enum fwup_err
parse_protected(struct fwup_vcbor *r, const uint8_t *base, struct fwup_bytes *out, struct hdrs *h,
                const char *path, struct fwup_diag *diag)
{
    struct fwup_vcbor sub;
    size_t off = fwup_vcbor_offset(r);
    enum fwup_err e;

    if (fwup_vcbor_get_bstr(r, out) != FWUP_OK)
        return cbor_fail(r, diag, path);
    if (out->len == 0)
        return FWUP_OK;
    fwup_vcbor_init(&sub, out->ptr, out->len);
    e = parse_hdr_map(&sub, h, path, NULL);
    if (e != FWUP_OK || !fwup_vcbor_at_end(&sub))
        return bad(diag, e == FWUP_E_COSE_HEADER ? e : FWUP_E_COSE_STRUCTURE, off, path,
                   "the protected header is not a well-formed header map");
    (void)base;
    return FWUP_OK;
}

/* Merge protected and unprotected: a label must not be in both (RFC 9052 §3). */
static enum fwup_err
merge_alg(const struct hdrs *p, const struct hdrs *u, int64_t *alg, bool *has, size_t off,
          const char *path, struct fwup_diag *diag)
{
    if (p->has_alg && u->has_alg)
        return bad(diag, FWUP_E_COSE_HEADER, off, path,
                   "alg is in both the protected and the unprotected header");
    *has = p->has_alg || u->has_alg;
    *alg = p->has_alg ? p->alg : u->alg;
    if (p->has_kid || p->has_iv || p->has_epk || p->has_salt)
        /* Harmless in COSE, but no SUIT producer does it and accepting two
         * places for a value doubles what the parser must get right. */
        return bad(diag, FWUP_E_COSE_HEADER, off, path,
                   "kid, IV, salt and ephemeral key belong in the unprotected header");
    return FWUP_OK;
}

/* The ephemeral COSE_Key of an ECDH-ES recipient: EC2, P-256, x and y. */
static enum fwup_err
parse_epk(struct fwup_bytes epk, size_t base_off, struct fwup_enc_recipient *rc, const char *path,
          struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    uint64_t n;
    int64_t kty = 0, crv = 0;

    fwup_vcbor_init(&r, epk.ptr, epk.len);
    if (fwup_vcbor_get_map(&r, &n) != FWUP_OK)
        return bad(diag, FWUP_E_COSE_HEADER, base_off, path,
                   "the ephemeral key (-1) is not a COSE_Key map");
    for (uint64_t i = 0; i < n; i++) {
        int64_t label;
        enum fwup_err e;
        if (fwup_vcbor_get_int(&r, &label) != FWUP_OK)
            return bad(diag, FWUP_E_COSE_HEADER, base_off, path, "bad COSE_Key label");
        switch (label) {
        case FWUP_COSE_KEY_KTY:
            e = fwup_vcbor_get_int(&r, &kty);
            break;
        case FWUP_COSE_KEY_CRV:
            e = fwup_vcbor_get_int(&r, &crv);
            break;
        case FWUP_COSE_KEY_X:
            e = fwup_vcbor_get_bstr(&r, &rc->epk_x);
            break;
        case FWUP_COSE_KEY_Y:
            /* A bool y (compressed point) is valid COSE; fwup does not
             * implement point decompression. */
            e = fwup_vcbor_get_bstr(&r, &rc->epk_y);
            break;
        default:
            e = fwup_vcbor_skip(&r, NULL);
            break;
        }
        if (e != FWUP_OK)
            return bad(diag, FWUP_E_COSE_HEADER, base_off, path,
                       "bad COSE_Key member (x and y must be byte strings)");
    }
    if (kty != FWUP_COSE_KTY_EC2 || crv != FWUP_COSE_CRV_P256 || rc->epk_x.len != 32 ||
        rc->epk_y.len != 32)
        return bad(diag, FWUP_E_COSE_HEADER, base_off, path,
                   "the ephemeral key must be an EC2 P-256 COSE_Key with 32-byte x and y");
    return FWUP_OK;
}

static enum fwup_err
parse_recipient(struct fwup_vcbor *r, struct fwup_enc_recipient *rc, const char *path,
                struct fwup_diag *diag)
{
    struct hdrs p, u;
    uint64_t n;
    size_t off = fwup_vcbor_offset(r), uoff;
    struct fwup_vcbor_item it;
    int64_t alg = 0;
    bool has_alg = false;
    enum fwup_err e;

    memset(&p, 0, sizeof p);
    memset(&u, 0, sizeof u);
    memset(rc, 0, sizeof *rc);
    if (fwup_vcbor_get_array(r, &n) != FWUP_OK)
        return cbor_fail(r, diag, path);
    /* [protected, unprotected, ciphertext]; a 4th member would be nested
     * recipients (a multi-layer KEK chain), which no SUIT profile uses. */
    if (n != 3)
        return bad(diag, FWUP_E_COSE_STRUCTURE, off, path,
                   "a COSE_recipient has 3 members here (nested recipients are not supported)");
    if ((e = parse_protected(r, NULL, &rc->protected_hdr, &p, path, diag)) != FWUP_OK)
        return e;
    uoff = fwup_vcbor_offset(r);
    if ((e = parse_hdr_map(r, &u, path, diag)) != FWUP_OK)
        return e;
    if ((e = merge_alg(&p, &u, &alg, &has_alg, uoff, path, diag)) != FWUP_OK)
        return e;
    if (fwup_vcbor_peek(r, &it) != FWUP_OK)
        return cbor_fail(r, diag, path);
    if (it.major == FWUP_CBOR_BSTR) {
        if (fwup_vcbor_get_bstr(r, &rc->wrapped) != FWUP_OK)
            return cbor_fail(r, diag, path);
    } else if (fwup_vcbor_skip(r, NULL) != FWUP_OK) {
        return cbor_fail(r, diag, path);
    }
    if (!has_alg || alg < INT32_MIN || alg > INT32_MAX)
        return bad(diag, FWUP_E_COSE_HEADER, off, path, "a recipient without an alg");
    rc->alg = (int32_t)alg;
    if (u.has_kid) {
        if (u.kid.len > FWUP_ENC_MAX_KID)
            return bad(diag, FWUP_E_COSE_HEADER, uoff, path, "kid longer than 64 bytes");
        rc->kid = u.kid;
    }
    if (alg != FWUP_COSE_A128KW && alg != FWUP_COSE_ECDH_ES_A128KW)
        /* Another method (A256KW, ECDH-ES+A256KW, ...): meant for some
         * other device. Kept, never used. */
        return FWUP_OK;
    if (it.major != FWUP_CBOR_BSTR || rc->wrapped.len != FWUP_ENC_WRAPPED_LEN)
        return bad(diag, FWUP_E_COSE_STRUCTURE, off, path,
                   "the wrapped CEK must be a 24-byte string (a 16-byte key wrapped with "
                   "RFC 3394)");
    if (alg == FWUP_COSE_ECDH_ES_A128KW) {
        if (!u.has_epk)
            return bad(diag, FWUP_E_COSE_HEADER, uoff, path,
                       "an ECDH-ES recipient needs its ephemeral key (-1)");
        if ((e = parse_epk(u.epk, uoff, rc, path, diag)) != FWUP_OK)
            return e;
        if (u.has_salt)
            rc->salt = u.salt;
    } else if (u.has_epk || u.has_salt) {
        return bad(diag, FWUP_E_COSE_HEADER, uoff, path,
                   "an A128KW recipient carries no ephemeral key or salt");
    }
    rc->supported = true;
    return FWUP_OK;
}

enum fwup_err
fwup_enc_info_parse(const uint8_t *pbuf, size_t plen, struct fwup_enc_info *info,
                    struct fwup_diag *diag)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct hdrs p, u;
    uint64_t tag, n, nrec;
    int64_t alg = 0;
    bool has_alg = false;
    size_t uoff;
    enum fwup_err e;

    if (pbuf == NULL || info == NULL)
        return FWUP_E_INVALID_ARG;
    memset(info, 0, sizeof *info);
    memset(&p, 0, sizeof p);
    memset(&u, 0, sizeof u);
    fwup_vcbor_init(&r, pbuf, plen);
    /* [ENC] §4: SUIT_Encryption_Info = #6.96(COSE_Encrypt): tagged. */
    if (fwup_vcbor_get_tag(&r, &tag) != FWUP_OK)
        return cbor_fail(&r, diag, PATH_INFO);
    if (tag != FWUP_TAG_COSE_ENCRYPT)
        return bad(diag, FWUP_E_CBOR_TAG, 0, PATH_INFO,
                   "expected a COSE_Encrypt (tag 96) as SUIT_Encryption_Info");
    if (fwup_vcbor_get_array(&r, &n) != FWUP_OK)
        return cbor_fail(&r, diag, PATH_INFO);
    if (n != 4)
        return bad(diag, FWUP_E_COSE_STRUCTURE, 0, PATH_INFO, "a COSE_Encrypt has 4 members");
    if ((e = parse_protected(&r, pbuf, &info->protected_hdr, &p, PATH_INFO ".protected",
                             diag)) != FWUP_OK)
        return e;
    uoff = fwup_vcbor_offset(&r);
    if ((e = parse_hdr_map(&r, &u, PATH_INFO ".unprotected", diag)) != FWUP_OK)
        return e;
    if ((e = merge_alg(&p, &u, &alg, &has_alg, uoff, PATH_INFO, diag)) != FWUP_OK)
        return e;
    if (!has_alg)
        return bad(diag, FWUP_E_COSE_HEADER, uoff, PATH_INFO,
                   "no content encryption algorithm (alg)");
    if (alg != FWUP_COSE_A128GCM && alg != FWUP_COSE_A128CTR)
        return fwup_diag_set_at(diag, FWUP_E_COSE_UNSUPPORTED_ALG, uoff, PATH_INFO,
                                "content encryption algorithm %lld is not supported (A128GCM 1, "
                                "A128CTR -65534)",
                                (long long)alg);
    info->alg = (int32_t)alg;
    if (!u.has_iv)
        /* [ENC] §6: the IV is RECOMMENDED in the header; an IV agreed out
         * of band would be a per-deployment secret fwup has no place for. */
        return bad(diag, FWUP_E_COSE_HEADER, uoff, PATH_INFO, "no IV (5) in the header");
    info->iv = u.iv;
    if ((alg == FWUP_COSE_A128GCM && info->iv.len != FWUP_ENC_GCM_IV_LEN) ||
        (alg == FWUP_COSE_A128CTR && info->iv.len != FWUP_ENC_CTR_IV_LEN))
        return bad(diag, FWUP_E_COSE_HEADER, uoff, PATH_INFO,
                   "IV length does not fit the algorithm (12 bytes for A128GCM, 16 for A128CTR)");
    if (alg == FWUP_COSE_A128CTR && info->protected_hdr.len != 0)
        /* [ENC] §6.2: AES-CTR has no AAD, so nothing may pretend to be
         * protected; follow the draft over the MTI CDDL (OPEN-QUESTIONS 6). */
        return bad(diag, FWUP_E_COSE_HEADER, 0, PATH_INFO,
                   "A128CTR needs an empty protected header");
    if (fwup_vcbor_peek(&r, &it) != FWUP_OK)
        return cbor_fail(&r, diag, PATH_INFO);
    if (it.major == FWUP_CBOR_BSTR)
        /* The payload is the detached ciphertext (fetched, integrated or
         * params[content]); an attached one would be a second copy the
         * manifest's digests do not describe. */
        return bad(diag, FWUP_E_COSE_PAYLOAD, it.off, PATH_INFO ".ciphertext",
                   "the ciphertext must be detached (nil) in SUIT_Encryption_Info");
    if (fwup_vcbor_get_null(&r) != FWUP_OK)
        return cbor_fail(&r, diag, PATH_INFO ".ciphertext");
    if (fwup_vcbor_get_array(&r, &nrec) != FWUP_OK)
        return cbor_fail(&r, diag, PATH_INFO ".recipients");
    if (nrec == 0)
        return bad(diag, FWUP_E_COSE_STRUCTURE, it.end, PATH_INFO ".recipients",
                   "no recipients");
    if (nrec > FWUP_ENC_MAX_RECIPIENTS)
        return fwup_diag_set_at(diag, FWUP_E_LIMIT_COUNT, it.end, PATH_INFO ".recipients",
                                "more than %d recipients", FWUP_ENC_MAX_RECIPIENTS);
    for (uint64_t i = 0; i < nrec; i++) {
        char path[64];
        snprintf(path, sizeof path, PATH_INFO ".recipients[%llu]", (unsigned long long)i);
        if ((e = parse_recipient(&r, &info->recip[i], path, diag)) != FWUP_OK)
            return e;
    }
    info->nrecip = (size_t)nrec;
    if (!fwup_vcbor_at_end(&r)) {
        if (fwup_vcbor_error(&r, NULL) != FWUP_OK)
            return cbor_fail(&r, diag, PATH_INFO);
        return bad(diag, FWUP_E_CBOR_TRAILING, fwup_vcbor_offset(&r), PATH_INFO,
                   "bytes after the COSE_Encrypt");
    }
    return FWUP_OK;
}

/* ---- unwrapping the CEK ------------------------------------------------------ */

static bool
method_of(const struct fwup_enc_key *k, int32_t alg)
{
    return (alg == FWUP_COSE_A128KW && k->kind == FWUP_ENC_KEY_KEK) ||
           (alg == FWUP_COSE_ECDH_ES_A128KW && k->kind == FWUP_ENC_KEY_EC_PRIV);
}

/* One recipient: FWUP_OK with the CEK, FWUP_E_DECRYPT (wrong key for it),
 * or another error (backend). */
static enum fwup_err
try_recipient(const struct fwup_enc_recipient *rc, const struct fwup_enc_key *k, uint8_t cek[16],
              struct fwup_diag *diag)
{
    uint8_t kek[FWUP_ENC_KEK_LEN], out[FWUP_ENC_WRAPPED_LEN];
    size_t olen = 0;
    EVP_PKEY *peer = NULL;
    enum fwup_err e;

    if (rc->alg == FWUP_COSE_A128KW) {
        e = fwup_aes_kw_unwrap(k->kek, rc->wrapped.ptr, rc->wrapped.len, out, sizeof out, &olen,
                               diag);
    } else {
        /* ECDH-ES: the device's static private key with the sender's
         * ephemeral public key ([ENC] §5.2). */
        peer = fwup_p256_from_xy(rc->epk_x, rc->epk_y);
        if (peer == NULL) {
            e = fwup_diag_set(diag, FWUP_E_DECRYPT, NULL,
                              "the recipient's ephemeral key is not a point on P-256");
            goto out;
        }
        e = fwup_ecdh_es_kek(k->pkey, peer, rc->protected_hdr, rc->salt, kek, diag);
        if (e == FWUP_E_COSE_HEADER)
            e = FWUP_E_DECRYPT;
        if (e == FWUP_OK)
            e = fwup_aes_kw_unwrap(kek, rc->wrapped.ptr, rc->wrapped.len, out, sizeof out, &olen,
                                   diag);
    }
    if (e == FWUP_OK && olen != FWUP_ENC_CEK_LEN)
        e = fwup_diag_set(diag, FWUP_E_DECRYPT, NULL, "the unwrapped CEK is %zu bytes, not 16",
                          olen);
    if (e == FWUP_OK)
        memcpy(cek, out, FWUP_ENC_CEK_LEN);
out:
    fwup_wipe(kek, sizeof kek);
    fwup_wipe(out, sizeof out);
    EVP_PKEY_free(peer);
    return e;
}

enum fwup_err
fwup_enc_unwrap_cek(const struct fwup_enc_info *info, const struct fwup_enc_key *key,
                    uint8_t cek[16], size_t *cek_len, struct fwup_diag *diag)
{
    bool tried[FWUP_ENC_MAX_RECIPIENTS] = {false};
    bool any_supported = false, any_method = false;
    struct fwup_diag last;

    if (info == NULL || key == NULL || cek == NULL || cek_len == NULL ||
        info->nrecip > FWUP_ENC_MAX_RECIPIENTS)
        return FWUP_E_INVALID_ARG;
    *cek_len = 0;
    if (key->kind == FWUP_ENC_KEY_EC_PUB)
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, NULL,
                             "a public key cannot decrypt: the device's private key is needed");
    fwup_diag_init(&last);
    /* Pass 0: recipients named by the key's kid; pass 1: every other
     * recipient of the key's method ("select by kid, else try each",
     * OPEN-QUESTIONS 18). A recipient for another device fails the RFC 3394
     * integrity check with probability 1 - 2^-64, so trying is safe. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < info->nrecip; i++) {
            const struct fwup_enc_recipient *rc = &info->recip[i];
            enum fwup_err e;
            struct fwup_diag one;

            if (!rc->supported)
                continue;
            any_supported = true;
            if (!method_of(key, rc->alg) || tried[i])
                continue;
            any_method = true;
            /* The kid is a public label (manifest bytes): memcmp is fine. */
            if (pass == 0 && !(key->kid_len > 0 && rc->kid.len == key->kid_len &&
                               memcmp(rc->kid.ptr, key->kid, key->kid_len) == 0))
                continue;
            tried[i] = true;
            fwup_diag_init(&one);
            e = try_recipient(rc, key, cek, &one);
            if (e == FWUP_OK) {
                *cek_len = FWUP_ENC_CEK_LEN;
                return FWUP_OK;
            }
            if (e != FWUP_E_DECRYPT) {
                /* A backend failure is not "wrong key": report it. */
                if (diag != NULL && diag->code == FWUP_OK)
                    *diag = one;
                return e;
            }
            last = one;
        }
    }
    if (!any_supported)
        return fwup_diag_set(diag, FWUP_E_COSE_UNSUPPORTED_ALG, "encryption-info.recipients",
                             "no recipient uses a key distribution method fwup supports "
                             "(A128KW, ECDH-ES+A128KW)");
    if (!any_method)
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, "encryption-info.recipients",
                             "no recipient uses %s, the method of this device's key",
                             key->kind == FWUP_ENC_KEY_KEK ? "A128KW" : "ECDH-ES+A128KW");
    return fwup_diag_set(diag, FWUP_E_DECRYPT, "encryption-info.recipients",
                         "no recipient's CEK unwraps with this %s (%s)",
                         key->kind == FWUP_ENC_KEY_KEK ? "key-encryption key" : "device key",
                         last.detail[0] != '\0' ? last.detail : "wrong key");
}

/* ---- decryption ---------------------------------------------------------------- */

struct fwup_decrypt {
    struct fwup_cipher c;
};

enum fwup_err
fwup_decrypt_new(const struct fwup_enc_info *info, const struct fwup_enc_key *key,
                 struct fwup_decrypt **out, struct fwup_diag *diag)
{
    uint8_t cek[FWUP_ENC_CEK_LEN];
    size_t cek_len = 0;
    struct fwup_decrypt *d;
    enum fwup_err e;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    e = fwup_enc_unwrap_cek(info, key, cek, &cek_len, diag);
    if (e != FWUP_OK)
        return e;
    d = calloc(1, sizeof *d);
    if (d == NULL) {
        fwup_wipe(cek, sizeof cek);
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    e = fwup_cipher_init(&d->c, info->alg, false, cek, info->iv, info->protected_hdr, diag);
    fwup_wipe(cek, sizeof cek);
    if (e != FWUP_OK) {
        free(d);
        return e;
    }
    *out = d;
    return FWUP_OK;
}

enum fwup_err
fwup_decrypt_update(struct fwup_decrypt *d, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                    size_t *out_len, struct fwup_diag *diag)
{
    if (d == NULL)
        return FWUP_E_INVALID_ARG;
    return fwup_cipher_update(&d->c, in, n, out, cap, out_len, diag);
}

enum fwup_err
fwup_decrypt_final(struct fwup_decrypt *d, struct fwup_diag *diag)
{
    if (d == NULL)
        return FWUP_E_INVALID_ARG;
    return fwup_cipher_final(&d->c, NULL, 0, NULL, diag);
}

void
fwup_decrypt_free(struct fwup_decrypt *d)
{
    if (d == NULL)
        return;
    fwup_cipher_release(&d->c);
    free(d);
}

enum fwup_err
fwup_decrypt_oneshot(const uint8_t *info_buf, size_t info_len, const struct fwup_enc_key *key,
                     const uint8_t *ct, size_t ct_len, uint8_t **pt, size_t *pt_len,
                     struct fwup_diag *diag)
{
    struct fwup_enc_info *info = NULL;
    struct fwup_decrypt *d = NULL;
    uint8_t *buf = NULL;
    size_t got = 0;
    enum fwup_err e;

    if (pt == NULL || pt_len == NULL || (ct == NULL && ct_len > 0))
        return FWUP_E_INVALID_ARG;
    *pt = NULL;
    *pt_len = 0;
    /* struct fwup_enc_info is ~7 KiB with 64 recipients: heap, not stack. */
    info = malloc(sizeof *info);
    buf = malloc(ct_len > 0 ? ct_len : 1);
    if (info == NULL || buf == NULL) {
        e = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    e = fwup_enc_info_parse(info_buf, info_len, info, diag);
    if (e == FWUP_OK)
        e = fwup_decrypt_new(info, key, &d, diag);
    if (e == FWUP_OK)
        e = fwup_decrypt_update(d, ct, ct_len, buf, ct_len, &got, diag);
    if (e == FWUP_OK)
        e = fwup_decrypt_final(d, diag);
    if (e == FWUP_OK) {
        *pt = buf;
        *pt_len = got;
        buf = NULL;
    }
out:
    if (buf != NULL)
        fwup_wipe(buf, ct_len > 0 ? ct_len : 1); /* unauthenticated plaintext */
    free(buf);
    free(info);
    fwup_decrypt_free(d);
    return e;
}

/* ---- encryption -------------------------------------------------------------- */

struct fwup_encrypt {
    struct fwup_cipher c;
    uint8_t *info;
    size_t info_len;
};

/* Recipient protected header of ECDH-ES+A128KW: << {1: -29} >>. */
static const uint8_t ecdh_protected[] = {0xa1, 0x01, 0x38, 0x1c};
/* Layer-0 protected header of A128GCM: << {1: 1} >>. */
static const uint8_t gcm_protected[] = {0xa1, 0x01, 0x01};

static enum fwup_err
add_recipient(struct fwup_enc *e, const struct fwup_enc_key *k, const uint8_t cek[16],
              struct fwup_diag *diag)
{
    uint8_t wrapped[FWUP_ENC_WRAPPED_LEN], kek[FWUP_ENC_KEK_LEN], x[32], y[32];
    size_t wlen = 0;
    EVP_PKEY *eph = NULL;
    struct fwup_bytes none = {NULL, 0};
    enum fwup_err rc;

    if (k->kind == FWUP_ENC_KEY_KEK) {
        rc = fwup_aes_kw_wrap(k->kek, cek, FWUP_ENC_CEK_LEN, wrapped, sizeof wrapped, &wlen, diag);
        if (rc != FWUP_OK)
            goto out;
        /* [ENC] §5.1: [h'', {1: -3, 4: kid}, wrapped CEK]. */
        fwup_enc_array(e, 3);
        fwup_enc_bstr(e, NULL, 0);
        fwup_enc_map(e, k->kid_len > 0 ? 2 : 1);
        fwup_enc_int(e, FWUP_COSE_HDR_ALG);
        fwup_enc_int(e, FWUP_COSE_A128KW);
        if (k->kid_len > 0) {
            fwup_enc_int(e, FWUP_COSE_HDR_KID);
            fwup_enc_bstr(e, k->kid, k->kid_len);
        }
        fwup_enc_bstr(e, wrapped, wlen);
        rc = FWUP_OK;
        goto out;
    }
    /* ECDH-ES+A128KW ([ENC] §5.2): a fresh ephemeral key per recipient, so
     * no two recipients share a KEK even when the device keys repeat. */
    eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (eph == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "ephemeral P-256 key");
        goto out;
    }
    rc = fwup_ecdh_es_kek(eph, k->pkey, (struct fwup_bytes){ecdh_protected, sizeof ecdh_protected},
                          none, kek, diag);
    if (rc == FWUP_OK)
        rc = fwup_aes_kw_wrap(kek, cek, FWUP_ENC_CEK_LEN, wrapped, sizeof wrapped, &wlen, diag);
    if (rc == FWUP_OK)
        rc = fwup_p256_xy(eph, x, y);
    if (rc != FWUP_OK)
        goto out;
    /* [<< {1: -29} >>, {4: kid?, -1: {1: 2, -1: 1, -2: x, -3: y}}, wrapped]:
     * keys in core deterministic order (04 < 20; 01 < 20 < 21 < 22). */
    fwup_enc_array(e, 3);
    fwup_enc_bstr(e, ecdh_protected, sizeof ecdh_protected);
    fwup_enc_map(e, k->kid_len > 0 ? 2 : 1);
    if (k->kid_len > 0) {
        fwup_enc_int(e, FWUP_COSE_HDR_KID);
        fwup_enc_bstr(e, k->kid, k->kid_len);
    }
    fwup_enc_int(e, FWUP_COSE_HDR_EPK);
    fwup_enc_map(e, 4);
    fwup_enc_int(e, FWUP_COSE_KEY_KTY);
    fwup_enc_int(e, FWUP_COSE_KTY_EC2);
    fwup_enc_int(e, FWUP_COSE_KEY_CRV);
    fwup_enc_int(e, FWUP_COSE_CRV_P256);
    fwup_enc_int(e, FWUP_COSE_KEY_X);
    fwup_enc_bstr(e, x, 32);
    fwup_enc_int(e, FWUP_COSE_KEY_Y);
    fwup_enc_bstr(e, y, 32);
    fwup_enc_bstr(e, wrapped, wlen);
out:
    fwup_wipe(kek, sizeof kek);
    fwup_wipe(wrapped, sizeof wrapped);
    EVP_PKEY_free(eph); /* the ephemeral private key: freed (and cleansed) now */
    return rc;
}

enum fwup_err
fwup_encrypt_new(const struct fwup_encrypt_opts *opts, const struct fwup_enc_key *const *recipients,
                 size_t n, struct fwup_encrypt **out, struct fwup_diag *diag)
{
    int32_t alg = (opts != NULL && opts->alg != 0) ? opts->alg : FWUP_COSE_A128GCM;
    size_t ivlen = alg == FWUP_COSE_A128GCM ? FWUP_ENC_GCM_IV_LEN : FWUP_ENC_CTR_IV_LEN;
    uint8_t cek[FWUP_ENC_CEK_LEN], iv[FWUP_ENC_CTR_IV_LEN];
    struct fwup_encrypt *x = NULL;
    struct fwup_enc e;
    struct fwup_bytes prot;
    enum fwup_err rc;

    if (out == NULL || recipients == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    if (n == 0 || n > FWUP_ENC_MAX_RECIPIENTS)
        return fwup_diag_set(diag, n == 0 ? FWUP_E_INVALID_ARG : FWUP_E_LIMIT_COUNT, NULL,
                             "1 to %d recipients are needed, got %zu", FWUP_ENC_MAX_RECIPIENTS,
                             n);
    if (alg != FWUP_COSE_A128GCM && alg != FWUP_COSE_A128CTR)
        return fwup_diag_set(diag, FWUP_E_COSE_UNSUPPORTED_ALG, NULL,
                             "content encryption algorithm %ld is not supported (A128GCM, "
                             "A128CTR)",
                             (long)alg);
    for (size_t i = 0; i < n; i++)
        if (recipients[i] == NULL || recipients[i]->kind == 0)
            return FWUP_E_INVALID_ARG;
    fwup_enc_init(&e, 0);
    /* A fresh CEK per plaintext and a fresh IV ([ENC] §6; RFC 8937 advice:
     * the CEK from the private DRBG instance). */
    if (opts != NULL && opts->cek != NULL)
        memcpy(cek, opts->cek, sizeof cek);
    else if (RAND_priv_bytes(cek, sizeof cek) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "random CEK");
        goto out;
    }
    if (opts != NULL && opts->iv != NULL)
        memcpy(iv, opts->iv, ivlen);
    else if (RAND_bytes(iv, (int)ivlen) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "random IV");
        goto out;
    }
    x = calloc(1, sizeof *x);
    if (x == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    prot = alg == FWUP_COSE_A128GCM ? (struct fwup_bytes){gcm_protected, sizeof gcm_protected}
                                    : (struct fwup_bytes){NULL, 0};
    /* #6.96([protected, unprotected, nil, recipients]) ([ENC] §4). A128GCM
     * puts its alg in the protected header (authenticated as AAD); A128CTR
     * must leave it empty and carries the alg unprotected ([ENC] §6.2). */
    fwup_enc_tag(&e, FWUP_TAG_COSE_ENCRYPT);
    fwup_enc_array(&e, 4);
    fwup_enc_bstr(&e, prot.ptr, prot.len);
    if (alg == FWUP_COSE_A128GCM) {
        fwup_enc_map(&e, 1);
    } else {
        fwup_enc_map(&e, 2);
        fwup_enc_int(&e, FWUP_COSE_HDR_ALG);
        fwup_enc_int(&e, FWUP_COSE_A128CTR);
    }
    fwup_enc_int(&e, FWUP_COSE_HDR_IV);
    fwup_enc_bstr(&e, iv, ivlen);
    fwup_enc_null(&e);
    fwup_enc_array(&e, n);
    for (size_t i = 0; i < n; i++) {
        rc = add_recipient(&e, recipients[i], cek, diag);
        if (rc != FWUP_OK)
            goto out;
    }
    rc = fwup_enc_error(&e);
    if (rc == FWUP_OK)
        rc = fwup_enc_take(&e, &x->info, &x->info_len);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, rc, NULL, "cannot encode the encryption info");
        goto out;
    }
    rc = fwup_cipher_init(&x->c, alg, true, cek, (struct fwup_bytes){iv, ivlen}, prot, diag);
    if (rc != FWUP_OK)
        goto out;
    *out = x;
    x = NULL;
out:
    fwup_wipe(cek, sizeof cek);
    fwup_enc_release(&e);
    fwup_encrypt_free(x);
    return rc;
}

struct fwup_bytes
fwup_encrypt_info(const struct fwup_encrypt *x)
{
    struct fwup_bytes b = {NULL, 0};

    if (x != NULL) {
        b.ptr = x->info;
        b.len = x->info_len;
    }
    return b;
}

enum fwup_err
fwup_encrypt_update(struct fwup_encrypt *x, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                    size_t *out_len, struct fwup_diag *diag)
{
    if (x == NULL)
        return FWUP_E_INVALID_ARG;
    return fwup_cipher_update(&x->c, in, n, out, cap, out_len, diag);
}

enum fwup_err
fwup_encrypt_final(struct fwup_encrypt *x, uint8_t *out, size_t cap, size_t *out_len,
                   struct fwup_diag *diag)
{
    if (x == NULL)
        return FWUP_E_INVALID_ARG;
    return fwup_cipher_final(&x->c, out, cap, out_len, diag);
}

void
fwup_encrypt_free(struct fwup_encrypt *x)
{
    if (x == NULL)
        return;
    fwup_cipher_release(&x->c);
    free(x->info);
    free(x);
}

enum fwup_err
fwup_encrypt_oneshot(const struct fwup_encrypt_opts *opts,
                     const struct fwup_enc_key *const *recipients, size_t n, const uint8_t *pt,
                     size_t pt_len, uint8_t **ct, size_t *ct_len, uint8_t **info,
                     size_t *info_len, struct fwup_diag *diag)
{
    struct fwup_encrypt *x = NULL;
    uint8_t *buf = NULL;
    size_t got = 0, tag = 0;
    enum fwup_err e;

    if (ct == NULL || ct_len == NULL || info == NULL || info_len == NULL ||
        (pt == NULL && pt_len > 0) || pt_len > SIZE_MAX - FWUP_ENC_TAG_LEN)
        return FWUP_E_INVALID_ARG;
    *ct = *info = NULL;
    *ct_len = *info_len = 0;
    e = fwup_encrypt_new(opts, recipients, n, &x, diag);
    if (e != FWUP_OK)
        return e;
    buf = malloc(pt_len + FWUP_ENC_TAG_LEN);
    *info = malloc(x->info_len);
    if (buf == NULL || *info == NULL) {
        e = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    e = fwup_encrypt_update(x, pt, pt_len, buf, pt_len, &got, diag);
    if (e == FWUP_OK)
        e = fwup_encrypt_final(x, buf + got, FWUP_ENC_TAG_LEN, &tag, diag);
    if (e != FWUP_OK)
        goto out;
    memcpy(*info, x->info, x->info_len);
    *info_len = x->info_len;
    *ct = buf;
    *ct_len = got + tag;
    buf = NULL;
out:
    if (e != FWUP_OK) {
        free(*info);
        *info = NULL;
    }
    free(buf);
    fwup_encrypt_free(x);
    return e;
}
