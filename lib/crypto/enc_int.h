/*
 * Internals of payload encryption (lib/crypto/aead.c, lib/crypto/encinfo.c):
 * key objects, the content cipher and the ECDH-ES key derivation.
 */
#ifndef FWUP_ENC_INT_H
#define FWUP_ENC_INT_H

#include <openssl/evp.h>

#include "fwup/encrypt.h"

/*
 * The key object. Allocated whole in OPENSSL_secure memory (the KEK bytes
 * sit in it) and cleared on free.
 */
struct fwup_enc_key {
    enum fwup_enc_key_kind kind;
    uint8_t kek[FWUP_ENC_KEK_LEN];
    EVP_PKEY *pkey; /* P-256, EC_PUB or EC_PRIV */
    size_t kid_len;
    uint8_t kid[FWUP_ENC_MAX_KID];
};

/* A content cipher (A128GCM or A128CTR) in one direction. */
struct fwup_cipher {
    EVP_CIPHER_CTX *ctx;
    int32_t alg;
    bool encrypt;
    bool done;   /* final() ran or an error happened: no more input */
    size_t tlen; /* GCM decrypt: bytes held back in tail (the tag candidate) */
    uint8_t tail[FWUP_ENC_TAG_LEN];
};

/*
 * Start a content cipher: key = CEK (16 bytes), iv (12 for GCM, 16 for CTR),
 * protected = layer-0 protected bstr content (GCM AAD = Enc_structure).
 * Errors: FWUP_E_COSE_UNSUPPORTED_ALG, FWUP_E_COSE_HEADER (IV length),
 * FWUP_E_CRYPTO, FWUP_E_NO_MEMORY.
 */
enum fwup_err fwup_cipher_init(struct fwup_cipher *c, int32_t alg, bool encrypt,
                               const uint8_t key[FWUP_ENC_CEK_LEN], struct fwup_bytes iv,
                               struct fwup_bytes protected_hdr, struct fwup_diag *diag);
/* See fwup_decrypt_update / fwup_encrypt_update. */
enum fwup_err fwup_cipher_update(struct fwup_cipher *c, const uint8_t *in, size_t n, uint8_t *out,
                                 size_t cap, size_t *out_len, struct fwup_diag *diag);
/* Decrypt: check the GCM tag. Encrypt: write the GCM tag to out (cap >= 16). */
enum fwup_err fwup_cipher_final(struct fwup_cipher *c, uint8_t *out, size_t cap, size_t *out_len,
                                struct fwup_diag *diag);
/* Free the OpenSSL context (which cleanses its key schedule) and wipe. */
void fwup_cipher_release(struct fwup_cipher *c);

/*
 * ECDH-ES+A128KW key derivation ([ENC] §5.2.4, RFC 9053 §6.3.1):
 * Z = ECDH(priv, peer).x, KEK = HKDF-SHA-256(salt, Z, COSE_KDF_Context(-3,
 * protected), 16). The peer point is validated (on the curve, not the
 * identity) before use: an invalid-curve point would leak bits of the
 * device key. Z is wiped here; the caller wipes kek.
 * Errors: FWUP_E_COSE_HEADER (peer point not on P-256), FWUP_E_CRYPTO.
 */
enum fwup_err fwup_ecdh_es_kek(EVP_PKEY *priv, EVP_PKEY *peer, struct fwup_bytes protected_hdr,
                               struct fwup_bytes salt, uint8_t kek[FWUP_ENC_KEK_LEN],
                               struct fwup_diag *diag);

/* A P-256 public key from its affine coordinates (32 bytes each), or NULL
 * if they are not a point on the curve. */
EVP_PKEY *fwup_p256_from_xy(struct fwup_bytes x, struct fwup_bytes y);

/* The affine coordinates of a P-256 key (left-padded to 32 bytes). */
enum fwup_err fwup_p256_xy(const EVP_PKEY *k, uint8_t x[32], uint8_t y[32]);

#endif /* FWUP_ENC_INT_H */
