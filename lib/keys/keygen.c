/*
 * Key generation. Private material goes through a secure-memory BIO and a
 * secure-memory result buffer only (STYLE.md §7); nothing of it touches the
 * normal heap.
 */
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "../crypto/crypto_int.h"
#include "fwup/keygen.h"
#include "fwup/secure.h"
#include "signer_int.h"

void
fwup_keygen_release(struct fwup_keygen_out *out)
{
    if (out == NULL)
        return;
    if (out->priv != NULL)
        OPENSSL_secure_clear_free(out->priv, out->priv_len);
    free(out->pub_pem);
    memset(out, 0, sizeof *out);
}

static EVP_PKEY *
generate(enum fwup_key_kind kind)
{
    switch (kind) {
    case FWUP_KEY_P256:
        return EVP_EC_gen("P-256");
    case FWUP_KEY_P384:
        return EVP_EC_gen("P-384");
    case FWUP_KEY_ED25519:
        return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    default:
        return NULL;
    }
}

/* Copy a BIO's contents into a new buffer: secure memory or plain malloc. */
static uint8_t *
bio_take(BIO *bio, size_t *len, bool secure)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    uint8_t *p;

    if (n <= 0)
        return NULL;
    p = secure ? OPENSSL_secure_malloc((size_t)n + 1) : malloc((size_t)n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, data, (size_t)n);
    p[n] = '\0';
    *len = (size_t)n;
    return p;
}

enum fwup_err
fwup_keygen(enum fwup_key_kind kind, const struct fwup_signer_opts *opts,
            struct fwup_keygen_out *out, struct fwup_diag *diag)
{
    EVP_PKEY *pkey = NULL;
    BIO *priv = NULL, *pub = NULL;
    char pass[1024];
    bool encrypt = opts != NULL && (opts->passphrase_file != NULL || opts->secret_cb != NULL);
    enum fwup_err rc = FWUP_OK;

    if (out == NULL)
        return FWUP_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    pass[0] = '\0';
    if (kind == FWUP_KEY_HMAC256) {
        out->priv = OPENSSL_secure_malloc(FWUP_KEYGEN_HMAC_LEN);
        if (out->priv == NULL)
            return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of secure memory");
        out->priv_len = FWUP_KEYGEN_HMAC_LEN;
        /* RAND_priv_bytes: the DRBG instance OpenSSL reserves for secrets. */
        if (RAND_priv_bytes(out->priv, FWUP_KEYGEN_HMAC_LEN) != 1) {
            rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "random bytes");
            fwup_keygen_release(out);
        }
        return rc;
    }
    if (kind != FWUP_KEY_P256 && kind != FWUP_KEY_P384 && kind != FWUP_KEY_ED25519)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "unknown key kind %d", (int)kind);
    if (encrypt) {
        rc = fwup_keys_passphrase(opts, "passphrase for the new key", pass, sizeof pass, diag);
        if (rc != FWUP_OK)
            return rc;
    }
    pkey = generate(kind);
    if (pkey == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "key generation");
        goto out;
    }
    priv = BIO_new(BIO_s_secmem());
    pub = BIO_new(BIO_s_mem());
    if (priv == NULL || pub == NULL) {
        rc = fwup_ossl_fail(diag, FWUP_E_NO_MEMORY, "BIO");
        goto out;
    }
    /* PKCS#8 ("BEGIN PRIVATE KEY"), the form every tool reads; encrypted
     * with PBES2 + AES-256-CBC when a passphrase was given. */
    if (PEM_write_bio_PKCS8PrivateKey(priv, pkey, encrypt ? EVP_aes_256_cbc() : NULL,
                                      encrypt ? pass : NULL, encrypt ? (int)strlen(pass) : 0, NULL,
                                      NULL) != 1 ||
        PEM_write_bio_PUBKEY(pub, pkey) != 1) {
        rc = fwup_ossl_fail(diag, FWUP_E_CRYPTO, "PEM encoding");
        goto out;
    }
    out->priv = bio_take(priv, &out->priv_len, true);
    out->pub_pem = (char *)bio_take(pub, &out->pub_len, false);
    if (out->priv == NULL || out->pub_pem == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    if (fwup_pkey_thumbprint(pkey, out->kid) != FWUP_OK) {
        rc = fwup_diag_set(diag, FWUP_E_CRYPTO, NULL, "cannot compute the key thumbprint");
        goto out;
    }
out:
    if (rc != FWUP_OK)
        fwup_keygen_release(out);
    FWUP_WIPE_VAR(pass);
    BIO_free(priv); /* secure BIO: cleansed on free */
    BIO_free(pub);
    EVP_PKEY_free(pkey);
    return rc;
}
