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
 * Are a and b the same key? Public keys: the same type and RFC 9679
 * thumbprint. HMAC secrets: the same bytes, compared in constant time
 * (the length is not secret). Loaded keys only (fwup_key_load_*).
 */
FWUP_API bool fwup_key_same(const struct fwup_v_key *a, const struct fwup_v_key *b);

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

/*
 * Key type a COSE signature or MAC algorithm needs: -7/-9 -> FWUP_V_KEY_P256,
 * -35/-51 -> P384, -8/-19 -> ED25519, 5 -> HMAC256; FWUP_V_KEY_NONE for any
 * other id (not a signing algorithm fwup supports).
 */
FWUP_API enum fwup_v_key_type fwup_alg_key_type(int32_t alg);

/*
 * ECDSA signature forms. COSE carries raw r||s, each coordinate left-padded to
 * the curve size (RFC 9053 §2.1); OpenSSL, openssl(1) and most HSM/KMS APIs
 * speak X9.62 DER (SEQUENCE { INTEGER r, INTEGER s }).
 *
 * fwup_ecdsa_der_to_raw: strict DER (the whole input, canonical encoding) into
 *   raw[0 .. 2*coord_len); r or s wider than coord_len is rejected.
 *   Errors: FWUP_E_INVALID_ARG, FWUP_E_COSE_STRUCTURE (not a DER ECDSA signature).
 * fwup_ecdsa_raw_to_der: raw_len must be even; *der is malloc'd (free()).
 *   Errors: FWUP_E_INVALID_ARG, FWUP_E_NO_MEMORY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_ecdsa_der_to_raw(const uint8_t *der, size_t der_len,
                                                            size_t coord_len, uint8_t *raw);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_ecdsa_raw_to_der(const uint8_t *raw, size_t raw_len,
                                                            uint8_t **der, size_t *der_len);

/*
 * How a signature made outside fwup is encoded (detached signing, exec:
 * signers). AUTO: Ed25519 must be 64 bytes; for ECDSA a strict DER
 * SEQUENCE is converted, otherwise exactly 2 * coordinate bytes are taken
 * as raw r||s.
 */
enum fwup_sig_format {
    FWUP_SIG_AUTO = 0,
    FWUP_SIG_RAW = 1,
    FWUP_SIG_DER = 2,
};

/*
 * Bring an external signature into COSE form for a key of type `key_type`
 * (enum fwup_v_key_type): raw r||s for ECDSA, 64 bytes for Ed25519, into
 * out (132 bytes), length in *out_len. It does NOT verify the signature.
 * Errors: FWUP_E_INVALID_ARG, FWUP_E_COSE_STRUCTURE (wrong length or not DER).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_sig_to_cose(uint8_t key_type, enum fwup_sig_format fmt,
                                                       const uint8_t *in, size_t len,
                                                       uint8_t out[132], size_t *out_len);

/*
 * DER SubjectPublicKeyInfo of a key loaded by fwup_key_load_public() or
 * fwup_key_from_der() (malloc'd, caller frees). HMAC keys have no public
 * half: FWUP_E_UNSUPPORTED.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_key_public_der(const struct fwup_v_key *key,
                                                          uint8_t **der, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_CRYPTO_H */
