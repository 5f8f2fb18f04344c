/*
 * Internal helpers of the host crypto layer, shared by lib/crypto, lib/keys
 * and lib/cose (never installed, never used by cli/).
 */
#ifndef FWUP_CRYPTO_INT_H
#define FWUP_CRYPTO_INT_H

#include <openssl/evp.h>

#include "fwup/crypto.h"
#include "fwup/err.h"

/* Largest HMAC secret accepted (RFC 2104 allows any length; SUIT keys are 32). */
#define FWUP_HMAC_MIN 16
#define FWUP_HMAC_MAX 64

/*
 * The handle of an FWUP_V_KEY_HMAC256 key: the secret itself, allocated with
 * OPENSSL_secure_malloc and wiped when released. Never copied elsewhere.
 */
struct fwup_hmac_secret {
    size_t len;
    uint8_t bytes[FWUP_HMAC_MAX];
};

/*
 * THE OpenSSL error mapping (STYLE.md §3: one function per backend). Pops the
 * OpenSSL error queue, keeps the most specific code in diag->backend, turns
 * the few reasons a caller can act on into their own fwup codes (out of
 * memory, bad decrypt = wrong passphrase) and everything else into `dflt`.
 * `what` says which operation failed ("ECDSA sign"). Returns the fwup code.
 * The queue is always left empty, so a later failure is not blamed on an old
 * error.
 */
enum fwup_err fwup_ossl_fail(struct fwup_diag *diag, enum fwup_err dflt, const char *what);

/* Which verifier key type an EVP_PKEY is (P-256, P-384, Ed25519), or NONE. */
enum fwup_v_key_type fwup_pkey_type(const EVP_PKEY *pkey);

/* Coordinate length in bytes of an EC key type (32, 48), 0 for others. */
size_t fwup_ec_coord_len(enum fwup_v_key_type t);

/*
 * Fill a verifier key from an EVP_PKEY (a public or private key): type,
 * kid = RFC 9679 thumbprint. On success the key OWNS one reference to pkey
 * (EVP_PKEY_up_ref is done here; the caller keeps its own).
 * Errors: FWUP_E_KEY_FORMAT (unsupported type/curve), FWUP_E_CRYPTO.
 */
enum fwup_err fwup_key_from_pkey(EVP_PKEY *pkey, struct fwup_v_key *key, struct fwup_diag *diag);

/* RFC 9679 thumbprint of an EVP_PKEY (see fwup_key_thumbprint). */
enum fwup_err fwup_pkey_thumbprint(const EVP_PKEY *pkey, uint8_t out[32]);

/*
 * Verify sig (raw r||s for ECDSA, 64 bytes for Ed25519) over msg with pkey
 * for COSE alg. FWUP_OK, FWUP_E_SIG_VERIFY, FWUP_E_KEY_ALG_MISMATCH,
 * FWUP_E_COSE_UNSUPPORTED_ALG or FWUP_E_CRYPTO.
 */
enum fwup_err fwup_pkey_verify(EVP_PKEY *pkey, int32_t alg, struct fwup_bytes msg,
                               struct fwup_bytes sig, struct fwup_diag *diag);

/* HMAC-SHA-256 of msg with key[0..klen), 32 bytes out. */
enum fwup_err fwup_hmac256(const uint8_t *key, size_t klen, struct fwup_bytes msg, uint8_t out[32],
                           struct fwup_diag *diag);

#endif /* FWUP_CRYPTO_INT_H */
