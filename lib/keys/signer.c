/*
 * The signer handle: dispatch on the key specification and the public
 * functions of fwup/signer.h, on top of each backend's ops (signer_int.h).
 * The HMAC backend is small enough to live here too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto_int.h"
#include "fwup/crypto.h"
#include "fwup/secure.h"
#include "signer_int.h"

struct fwup_signer *
fwup_signer_alloc(const struct fwup_signer_ops *ops, enum fwup_key_kind kind, const char *fmt, ...)
{
    struct fwup_signer *s = calloc(1, sizeof *s);
    va_list ap;

    if (s == NULL)
        return NULL;
    s->ops = ops;
    s->kind = kind;
    va_start(ap, fmt);
    vsnprintf(s->describe, sizeof s->describe, fmt, ap);
    va_end(ap);
    return s;
}

enum fwup_key_kind
fwup_signer_kind_of(uint8_t v_key_type)
{
    switch (v_key_type) {
    case FWUP_V_KEY_P256:
        return FWUP_KEY_P256;
    case FWUP_V_KEY_P384:
        return FWUP_KEY_P384;
    case FWUP_V_KEY_ED25519:
        return FWUP_KEY_ED25519;
    case FWUP_V_KEY_HMAC256:
        return FWUP_KEY_HMAC256;
    default:
        return FWUP_KEY_NONE;
    }
}

enum fwup_err
fwup_signer_open(const char *spec, const struct fwup_signer_opts *opts, struct fwup_signer **out,
                 struct fwup_diag *diag)
{
    static const struct fwup_signer_opts none;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    if (spec == NULL || spec[0] == '\0')
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no key given");
    if (opts == NULL)
        opts = &none;
    /* RFC 7512 URIs are case-insensitive in the scheme. */
    if (strncasecmp(spec, "pkcs11:", 7) == 0)
        return fwup_p11_signer_open(spec, opts, out, diag);
    if (strncmp(spec, "exec:", 5) == 0)
        return fwup_exec_signer_open(spec + 5, opts, out, diag);
    if (strncmp(spec, "hmac:", 5) == 0)
        return fwup_signer_open_hmac(spec + 5, out, diag);
    return fwup_pem_signer_open(spec, opts, out, diag);
}

void
fwup_signer_free(struct fwup_signer *s)
{
    if (s == NULL)
        return;
    if (s->ops != NULL && s->ops->destroy != NULL)
        s->ops->destroy(s);
    fwup_wipe(s, sizeof *s);
    free(s);
}

enum fwup_key_kind
fwup_signer_kind(const struct fwup_signer *s)
{
    return s != NULL ? s->kind : FWUP_KEY_NONE;
}

int32_t
fwup_signer_default_alg(const struct fwup_signer *s)
{
    /* RFC 9864 fully-specified ids by default (DESIGN.md §5). */
    switch (fwup_signer_kind(s)) {
    case FWUP_KEY_P256:
        return FWUP_COSE_ESP256;
    case FWUP_KEY_P384:
        return FWUP_COSE_ESP384;
    case FWUP_KEY_ED25519:
        return FWUP_COSE_ED25519;
    case FWUP_KEY_HMAC256:
        return FWUP_COSE_HMAC256;
    default:
        return 0;
    }
}

bool
fwup_signer_alg_ok(const struct fwup_signer *s, int32_t alg)
{
    enum fwup_v_key_type t = fwup_alg_key_type(alg);

    return s != NULL && t != FWUP_V_KEY_NONE && fwup_signer_kind_of((uint8_t)t) == s->kind;
}

enum fwup_err
fwup_signer_sign(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs, uint8_t sig[132],
                 size_t *sig_len, struct fwup_diag *diag)
{
    if (s == NULL || sig == NULL || sig_len == NULL || (tbs.ptr == NULL && tbs.len != 0))
        return FWUP_E_INVALID_ARG;
    *sig_len = 0;
    if (!fwup_signer_alg_ok(s, alg))
        return fwup_diag_set(diag, FWUP_E_KEY_ALG_MISMATCH, NULL,
                             "COSE algorithm %ld cannot be made with %s", (long)alg, s->describe);
    return s->ops->sign(s, alg, tbs, sig, sig_len, diag);
}

enum fwup_err
fwup_signer_public_der(struct fwup_signer *s, uint8_t **der, size_t *der_len,
                       struct fwup_diag *diag)
{
    if (s == NULL || der == NULL || der_len == NULL)
        return FWUP_E_INVALID_ARG;
    *der = NULL;
    *der_len = 0;
    if (s->kind == FWUP_KEY_HMAC256 || s->ops->public_der == NULL)
        return fwup_diag_set(diag, FWUP_E_UNSUPPORTED, NULL, "an HMAC key has no public key");
    return s->ops->public_der(s, der, der_len, diag);
}

const char *
fwup_signer_describe(const struct fwup_signer *s)
{
    return s != NULL ? s->describe : "(no key)";
}

/* ---- HMAC-256 backend ------------------------------------------------ */

/* state: a struct fwup_v_key of type HMAC256 (secret in secure memory). */

static enum fwup_err
hmac_sign(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs, uint8_t sig[132],
          size_t *sig_len, struct fwup_diag *diag)
{
    const struct fwup_v_key *k = s->state;
    const struct fwup_hmac_secret *sec = k->handle;
    enum fwup_err rc;

    (void)alg; /* only 5 passes fwup_signer_alg_ok for this kind */
    rc = fwup_hmac256(sec->bytes, sec->len, tbs, sig, diag);
    if (rc == FWUP_OK)
        *sig_len = 32;
    return rc;
}

static void
hmac_destroy(struct fwup_signer *s)
{
    struct fwup_v_key *k = s->state;

    fwup_key_release(k); /* wipes the secret */
    free(k);
    s->state = NULL;
}

static const struct fwup_signer_ops hmac_ops = {
    .sign = hmac_sign,
    .public_der = NULL,
    .destroy = hmac_destroy,
};

enum fwup_err
fwup_signer_open_hmac(const char *path, struct fwup_signer **out, struct fwup_diag *diag)
{
    struct fwup_v_key *k;
    struct fwup_signer *s;
    enum fwup_err rc;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    if (path == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "no HMAC key file");
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    rc = fwup_key_load_hmac(path, k, diag);
    if (rc != FWUP_OK) {
        free(k);
        return rc;
    }
    s = fwup_signer_alloc(&hmac_ops, FWUP_KEY_HMAC256, "HMAC key file '%s'", path);
    if (s == NULL) {
        fwup_key_release(k);
        free(k);
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    s->state = k;
    *out = s;
    return FWUP_OK;
}
