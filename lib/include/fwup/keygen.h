/*
 * Key generation (lib/keys/keygen.c): a fresh ES256 / ES384 / Ed25519 key
 * pair as PEM, or a random HMAC-256 secret.
 *
 * The private half is returned in OpenSSL secure memory and wiped by
 * fwup_keygen_release(); write it out (0600, exclusively) and release it at
 * once. The library writes no files: the CLI does (fwup keygen).
 */
#ifndef FWUP_KEYGEN_H
#define FWUP_KEYGEN_H

#include "fwup/err.h"
#include "fwup/signer.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* HMAC keys made by fwup_keygen(): 32 random bytes (HMAC 256/256, RFC 9053 §3.1). */
#define FWUP_KEYGEN_HMAC_LEN 32

struct fwup_keygen_out {
    /* Private key: PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----", or
     * "ENCRYPTED PRIVATE KEY" with a passphrase) for signature keys, the raw
     * secret for HMAC. Secure memory; NOT NUL-terminated for HMAC. */
    uint8_t *priv;
    size_t priv_len;
    /* Public key as PEM SubjectPublicKeyInfo (malloc'd, NUL-terminated);
     * NULL for HMAC. */
    char *pub_pem;
    size_t pub_len;
    /* RFC 9679 thumbprint of the public key (the default kid); zero for HMAC. */
    uint8_t kid[32];
};

/*
 * Generate a key of `kind` (FWUP_KEY_P256, _P384, _ED25519, _HMAC256) into
 * *out. If opts->passphrase_file (or opts->secret_cb) is set and kind is not
 * HMAC, the private key is encrypted (PKCS#8, PBES2 AES-256-CBC); opts may be
 * NULL for an unencrypted key.
 * Errors: FWUP_E_INVALID_ARG (kind), FWUP_E_CRYPTO, FWUP_E_NO_MEMORY,
 * FWUP_E_IO_OPEN / FWUP_E_KEY_PASSPHRASE (passphrase file).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_keygen(enum fwup_key_kind kind,
                                                  const struct fwup_signer_opts *opts,
                                                  struct fwup_keygen_out *out,
                                                  struct fwup_diag *diag);

/* Wipe and free everything in out (NULL-safe, idempotent). */
FWUP_API void fwup_keygen_release(struct fwup_keygen_out *out);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_KEYGEN_H */
