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

/*
 * Raw keys (rawkey.c): the fixed DER forms of P-256, P-384 and Ed25519 keys
 * handled without OpenSSL's decoders and encoders (their first use costs a
 * process millions of instructions). Anything not in those forms is for
 * OpenSSL's generic path: these functions say so (false / 0 / NULL /
 * FWUP_E_UNSUPPORTED) and never guess.
 */
#define FWUP_PUB_MAX 97   /* P-384 uncompressed point: 04 || x || y */
#define FWUP_PRIV_MAX 48  /* P-384 scalar */
#define FWUP_SPKI_MAX 120 /* P-384 SubjectPublicKeyInfo: 23 + 97 */

/*
 * Read a key file of at most max bytes into a fresh buffer of max + 1 bytes
 * (*len == max + 1 says the file is larger: callers refuse it with their own
 * message). The bytes may be secret: the caller wipes max + 1 bytes
 * (fwup_wipe) before free(). NULL with *err and diag set on error
 * (FWUP_E_INVALID_ARG for a NULL path, FWUP_E_IO_OPEN, FWUP_E_IO_READ,
 * FWUP_E_NO_MEMORY).
 */
uint8_t *fwup_key_file_read(const char *path, size_t max, size_t *len, enum fwup_err *err,
                            struct fwup_diag *diag);

/* OpenSSL passphrase callback that never supplies one: loading a public key
 * or an unencrypted key file must not prompt on the terminal. */
int fwup_no_passphrase(char *buf, int size, int rwflag, void *u);

/* EC: the uncompressed point 04 || x || y; Ed25519: the 32 key bytes. */
struct fwup_raw_pub {
    enum fwup_v_key_type type;
    size_t len;
    uint8_t bytes[FWUP_PUB_MAX];
};

/* DER SubjectPublicKeyInfo of a named-curve uncompressed P-256/P-384 point
 * or an Ed25519 key, exactly; false for any other bytes. */
bool fwup_spki_parse(const uint8_t *der, size_t len, struct fwup_raw_pub *pub);

/* The DER SubjectPublicKeyInfo of pub; its length, 0 if pub is not valid. */
size_t fwup_spki_encode(const struct fwup_raw_pub *pub, uint8_t out[FWUP_SPKI_MAX]);

/* EVP_PKEY from a public key and optionally its private half (big-endian EC
 * scalar of the coordinate length, or the 32-byte Ed25519 seed, with
 * pub->len 0 to derive the public half). The provider checks the point is
 * on the curve; halves that disagree are for fwup_pkey_pair_ok. NULL on any
 * failure, OpenSSL's error queue cleared. */
EVP_PKEY *fwup_pkey_from_raw(const struct fwup_raw_pub *pub, const uint8_t *priv,
                             size_t priv_len);

/* EVP_PKEY_pairwise_check: the public half matches the private half. */
bool fwup_pkey_pair_ok(EVP_PKEY *pkey);

/* RFC 9679 thumbprint of a raw public key (as fwup_key_thumbprint). */
enum fwup_err fwup_raw_thumbprint(const struct fwup_raw_pub *pub, uint8_t out[32]);

/*
 * An unencrypted PEM private key, the whole file: one "PRIVATE KEY" (PKCS#8
 * v1: EC on P-256/P-384 with its public key, or Ed25519) or "EC PRIVATE KEY"
 * (SEC1 naming its curve, with its public key) block, strict base64 and
 * strict DER. FWUP_OK fills pub (pub->len 0 for Ed25519: not in the file)
 * and priv; FWUP_E_UNSUPPORTED for anything else, priv wiped. The caller
 * wipes priv after use.
 */
enum fwup_err fwup_pem_private_parse(const uint8_t *pem, size_t len, struct fwup_raw_pub *pub,
                                     uint8_t priv[FWUP_PRIV_MAX], size_t *priv_len);

/*
 * A PEM public key, the whole file: one "PUBLIC KEY" block (same strict
 * base64 as above) whose DER fwup_spki_parse takes. FWUP_OK fills pub;
 * FWUP_E_UNSUPPORTED for anything else (another label such as a private
 * key, other key types, compressed points, explicit parameters), pub zeroed.
 * The point is not checked here: fwup_pkey_from_raw does that.
 */
enum fwup_err fwup_pem_public_parse(const uint8_t *pem, size_t len, struct fwup_raw_pub *pub);

#endif /* FWUP_CRYPTO_INT_H */
