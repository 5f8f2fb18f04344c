/*
 * The verifier's crypto port (struct fwup_v_crypto) on OpenSSL 3, for the
 * host CLI and tests. Keys come from fwup_key_load_* (crypto.h): an
 * EVP_PKEY * for signature keys, a struct fwup_hmac_secret * for HMAC.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"
#include "fwup/secure.h"

struct fwup_crypto {
    EVP_MD_CTX *md;
    bool active; /* a hash_init without its hash_final */
};

enum fwup_err
fwup_crypto_new(struct fwup_crypto **out)
{
    struct fwup_crypto *c;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return FWUP_E_NO_MEMORY;
    c->md = EVP_MD_CTX_new();
    if (c->md == NULL) {
        free(c);
        return FWUP_E_NO_MEMORY;
    }
    *out = c;
    return FWUP_OK;
}

void
fwup_crypto_free(struct fwup_crypto *c)
{
    if (c == NULL)
        return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

static enum fwup_err
port_hash_init(void *ctx, int32_t alg)
{
    struct fwup_crypto *c = ctx;
    const EVP_MD *md;

    switch (alg) {
    case FWUP_COSE_SHA256:
        md = EVP_sha256();
        break;
    case FWUP_COSE_SHA384:
        md = EVP_sha384();
        break;
    case FWUP_COSE_SHA512:
        md = EVP_sha512();
        break;
    default:
        return FWUP_E_SUIT_DIGEST_ALG;
    }
    /* Re-initialising an unfinished hash is allowed: the verifier may abort
     * a digest half way (bad input) and start the next one. */
    if (EVP_DigestInit_ex2(c->md, md, NULL) != 1) {
        c->active = false;
        return fwup_ossl_fail(NULL, FWUP_E_CRYPTO, "hash init");
    }
    c->active = true;
    return FWUP_OK;
}

static enum fwup_err
port_hash_update(void *ctx, const uint8_t *data, size_t len)
{
    struct fwup_crypto *c = ctx;

    if (!c->active)
        return FWUP_E_BAD_STATE;
    if (len == 0)
        return FWUP_OK;
    if (EVP_DigestUpdate(c->md, data, len) != 1)
        return fwup_ossl_fail(NULL, FWUP_E_CRYPTO, "hash update");
    return FWUP_OK;
}

static enum fwup_err
port_hash_final(void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    struct fwup_crypto *c = ctx;
    unsigned int n = 0;
    int size;

    if (!c->active)
        return FWUP_E_BAD_STATE;
    size = EVP_MD_CTX_get_size(c->md);
    /* Check before writing: EVP_DigestFinal_ex has no capacity argument. */
    if (size <= 0 || (size_t)size > cap)
        return FWUP_E_LIMIT_BUFFER;
    c->active = false;
    if (EVP_DigestFinal_ex(c->md, out, &n) != 1)
        return fwup_ossl_fail(NULL, FWUP_E_CRYPTO, "hash final");
    *out_len = n;
    return FWUP_OK;
}

static enum fwup_err
port_sig_verify(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
                struct fwup_bytes sig)
{
    enum fwup_v_key_type need = fwup_alg_key_type(alg);

    (void)ctx;
    if (key == NULL || key->handle == NULL)
        return FWUP_E_INVALID_ARG;
    if (need == FWUP_V_KEY_NONE || need == FWUP_V_KEY_HMAC256)
        return FWUP_E_COSE_UNSUPPORTED_ALG;
    /* The declared type must agree with the alg before the handle is
     * interpreted as an EVP_PKEY (an HMAC handle is not one). */
    if (key->type != (uint8_t)need)
        return FWUP_E_KEY_ALG_MISMATCH;
    return fwup_pkey_verify((EVP_PKEY *)(uintptr_t)key->handle, alg, msg, sig, NULL);
}

static enum fwup_err
port_mac_compute(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
                 uint8_t out[32])
{
    const struct fwup_hmac_secret *sec;

    (void)ctx;
    if (key == NULL || key->handle == NULL)
        return FWUP_E_INVALID_ARG;
    if (alg != FWUP_COSE_HMAC256)
        return FWUP_E_COSE_UNSUPPORTED_ALG;
    if (key->type != FWUP_V_KEY_HMAC256)
        return FWUP_E_KEY_ALG_MISMATCH;
    sec = key->handle;
    return fwup_hmac256(sec->bytes, sec->len, msg, out, NULL);
}

void
fwup_crypto_port(struct fwup_crypto *c, struct fwup_v_crypto *port)
{
    if (port == NULL)
        return;
    port->ctx = c;
    port->hash_init = port_hash_init;
    port->hash_update = port_hash_update;
    port->hash_final = port_hash_final;
    port->sig_verify = port_sig_verify;
    port->mac_compute = port_mac_compute;
}
