/*
 * The verifier's crypto port: what lib/verifier needs from a crypto library.
 *
 * lib/verifier never includes a crypto library. The platform hands it a
 * struct fwup_v_crypto of function pointers: lib/crypto implements it on
 * OpenSSL 3 for the host (fwup_crypto_openssl_port()); a device supplies its
 * own (mbedTLS, a hardware engine, ...).
 *
 * Freestanding: types only, no includes beyond fwup/types.h.
 */
#ifndef FWUP_V_CRYPTO_H
#define FWUP_V_CRYPTO_H

#include "fwup/types.h"
#include "fwup/verifier_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key types a trust anchor may hold. */
enum fwup_v_key_type {
    FWUP_V_KEY_NONE = 0,
    FWUP_V_KEY_P256 = 1,    /* ES256 (-7), ESP256 (-9) */
    FWUP_V_KEY_P384 = 2,    /* ES384 (-35), ESP384 (-51) */
    FWUP_V_KEY_ED25519 = 3, /* EdDSA (-8), Ed25519 (-19) */
    FWUP_V_KEY_HMAC256 = 4, /* HMAC 256/256 (5): a pre-shared secret */
};

/*
 * A key as the verifier sees it: a type, an RFC 9679 thumbprint for lookup by
 * kid, and an opaque handle only the crypto port understands (an EVP_PKEY * on
 * the host; raw public key bytes or a key-slot number on a device). The
 * verifier never dereferences `handle`. Owned by the caller.
 */
struct fwup_v_key {
    const void *handle;
    uint8_t type; /* enum fwup_v_key_type */
    uint8_t kid_len;
    uint8_t kid[32];
};

/*
 * The port. Every function returns FWUP_OK or an error; a signature that
 * does not verify is FWUP_E_SIG_VERIFY (not a backend failure). `ctx` is
 * passed back unchanged.
 *
 * hash_*: one streaming hash at a time per ctx (the verifier never
 *   interleaves two). alg is a COSE hash id: -16 SHA-256 is required, -43
 *   SHA-384 and -44 SHA-512 are optional (FWUP_E_SUIT_DIGEST_ALG if absent).
 *   hash_final writes the digest to out (cap >= FWUP_V_MAX_DIGEST) and its
 *   length to *out_len.
 *
 * sig_verify: verify `sig` over `msg` (the full to-be-signed bytes; the port
 *   hashes them as the algorithm requires) with `key`. alg is a COSE id:
 *   -7/-9 (P-256 + SHA-256), -35/-51 (P-384 + SHA-384), -8/-19 (Ed25519).
 *   ECDSA signatures are raw r||s (RFC 9053 §2.1). Returns
 *   FWUP_E_SIG_VERIFY when it does not verify, FWUP_E_KEY_ALG_MISMATCH when
 *   the key cannot be used with alg, FWUP_E_COSE_UNSUPPORTED_ALG for others.
 *
 * mac_compute: HMAC of msg with the secret key `key` for COSE alg 5
 *   (HMAC 256/256), 32 bytes into out. The verifier compares tags itself, in
 *   constant time, so the compare is in code under the project's ct tests.
 */
struct fwup_v_crypto {
    void *ctx;
    enum fwup_err (*hash_init)(void *ctx, int32_t alg);
    enum fwup_err (*hash_update)(void *ctx, const uint8_t *data, size_t len);
    enum fwup_err (*hash_final)(void *ctx, uint8_t *out, size_t cap, size_t *out_len);
    enum fwup_err (*sig_verify)(void *ctx, int32_t alg, const struct fwup_v_key *key,
                                struct fwup_bytes msg, struct fwup_bytes sig);
    enum fwup_err (*mac_compute)(void *ctx, int32_t alg, const struct fwup_v_key *key,
                                 struct fwup_bytes msg, uint8_t out[32]);
};

#ifdef __cplusplus
}
#endif
#endif /* FWUP_V_CRYPTO_H */
