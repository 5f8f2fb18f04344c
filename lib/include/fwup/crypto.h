/*
 * Host crypto (lib/crypto, OpenSSL 3): the verifier's crypto port for the
 * host, public-key loading into verifier keys, RFC 9679 thumbprints, and
 * one-shot hashing.
 */
#ifndef FWUP_CRYPTO_H
#define FWUP_CRYPTO_H

#include "fwup/err.h"
#include "fwup/types.h"
#include "fwup/v_crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fwup_crypto; /* opaque host port state (hash context, ...) */

/* Allocate a port state. Free with fwup_crypto_free (NULL-safe). */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_crypto_new(struct fwup_crypto **out);
FWUP_API void fwup_crypto_free(struct fwup_crypto *c);

/*
 * Fill *port with the OpenSSL implementation of the verifier's crypto port,
 * bound to c (port->ctx = c). Key handles given to it must come from
 * fwup_key_load_* below (EVP_PKEY * for public keys, a secret blob for HMAC).
 */
FWUP_API void fwup_crypto_port(struct fwup_crypto *c, struct fwup_v_crypto *port);

/*
 * Load a public key (PEM SubjectPublicKeyInfo, or a PEM private key whose
 * public half is taken) into *key: handle = an EVP_PKEY * owned by key,
 * type from the curve, kid = RFC 9679 COSE_Key thumbprint (SHA-256).
 * Release with fwup_key_release().
 * Errors: FWUP_E_IO_OPEN, FWUP_E_KEY_FORMAT (not a P-256/P-384/Ed25519 key).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_load_public(const char *path,
                                                           struct fwup_v_key *key,
                                                           struct fwup_diag *diag);

/* Same from a DER SubjectPublicKeyInfo in memory. */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_from_der(const uint8_t *der, size_t len,
                                                        struct fwup_v_key *key,
                                                        struct fwup_diag *diag);

/*
 * Load an HMAC-256 secret (a file of 16..64 raw bytes) into *key
 * (type FWUP_V_KEY_HMAC256, handle = secret blob in secure memory, kid empty).
 * Release with fwup_key_release(), which wipes it.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_load_hmac(const char *path,
                                                         struct fwup_v_key *key,
                                                         struct fwup_diag *diag);

/* Free what a fwup_key_load_* / fwup_key_from_der put in key; NULL-safe. */
FWUP_API void fwup_key_release(struct fwup_v_key *key);

/*
 * RFC 9679 COSE_Key thumbprint of a DER SubjectPublicKeyInfo: SHA-256 over
 * the deterministic encoding of the required COSE_Key members
 * ({1:kty, -1:crv, -2:x, -3:y} for EC2; {1:kty, -1:crv, -2:x} for OKP).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_thumbprint(const uint8_t *der, size_t len,
                                                          uint8_t out[32]);

/* PEM text of a DER SubjectPublicKeyInfo (malloc'd, NUL-terminated). */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_der_to_pem(const uint8_t *der, size_t len,
                                                          char **pem);

/* One-shot SHA-256. */
FWUP_API void fwup_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_CRYPTO_H */
