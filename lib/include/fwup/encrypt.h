/*
 * Payload encryption for SUIT (draft-ietf-suit-firmware-encryption-24),
 * host side on OpenSSL 3 (lib/crypto/aead.c, lib/crypto/encinfo.c).
 *
 * What is encrypted: one payload (a firmware image), with a fresh random
 * content-encryption key (CEK). The manifest carries the
 * SUIT_Encryption_Info parameter (19): a COSE_Encrypt (tag 96) with a
 * DETACHED ciphertext (the payload travels as a fetched file, an integrated
 * payload or params[content]) and one recipient per key that may unwrap the
 * CEK:
 *
 *   COSE_Encrypt = #6.96([ protected, unprotected {1: alg?, 5: IV}, nil,
 *                          [+ COSE_recipient] ])
 *   COSE_recipient = [ protected, unprotected {1: alg?, 4: kid?, -1: COSE_Key?},
 *                      wrapped CEK ]
 *
 * Content algorithms (RFC 9053 §4.1, RFC 9459):
 *   A128GCM (1):      protected << {1: 1} >>, 12-byte IV, AAD = Enc_structure
 *                     ["Encrypt", protected, h''] (external AAD empty, [ENC] §6),
 *                     the 16-byte tag appended to the ciphertext;
 *   A128CTR (-65534): protected h'' and alg in the unprotected header
 *                     ([ENC] §6.2, OPEN-QUESTIONS 6), 16-byte IV = the initial
 *                     counter block, +1 (mod 2^128) per 16-byte block; no
 *                     integrity: the signed image digest is what detects
 *                     tampering (see docs/encryption.md).
 * Key distribution ([ENC] §5):
 *   A128KW (-3):          the CEK wrapped (RFC 3394) with a pre-shared KEK;
 *                         recipient protected h'', unprotected {1: -3, 4: kid}.
 *   ECDH-ES+A128KW (-29): an ephemeral P-256 key (COSE_Key in -1), Z = ECDH
 *                         x-coordinate, KEK = HKDF-SHA-256(salt absent,
 *                         IKM Z, info = COSE_KDF_Context, L = 16), CEK wrapped
 *                         with that KEK; recipient protected << {1: -29} >>.
 *   COSE_KDF_Context = [ -3 (the KW alg), [nil,nil,nil], [nil,nil,nil],
 *                        [128, recipient protected bstr,
 *                         'SUIT Payload Encryption'] ]          ([ENC] §5.2.4)
 *
 * Secrets: CEKs, KEKs, ECDH shared secrets and derived KEKs live in
 * OPENSSL_secure_malloc'd memory or on the stack and are wiped (fwup_wipe)
 * as soon as they are no longer needed. Key objects are opaque.
 *
 * Streaming: fwup_decrypt_* decrypts a payload chunk by chunk, so a device
 * never holds the image. With A128GCM the plaintext of update() is NOT yet
 * authenticated: only final() checks the tag. A caller must write it only
 * where it cannot be used (an inactive slot) and commit nothing until
 * final() returned FWUP_OK.
 */
#ifndef FWUP_ENCRYPT_H
#define FWUP_ENCRYPT_H

#include "fwup/err.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* COSE tag of COSE_Encrypt (RFC 9052 §2). */
#define FWUP_TAG_COSE_ENCRYPT 96
/* COSE header labels used here (RFC 9052 §3.1, RFC 9053 §6.4.1). */
#define FWUP_COSE_HDR_CRIT 2
#define FWUP_COSE_HDR_IV 5
#define FWUP_COSE_HDR_PARTIAL_IV 6
#define FWUP_COSE_HDR_EPK (-1)
#define FWUP_COSE_HDR_SALT (-20)
/* COSE_Key labels and values (RFC 9052 §7, RFC 9053 §7.1). */
#define FWUP_COSE_KEY_KTY 1
#define FWUP_COSE_KEY_CRV (-1)
#define FWUP_COSE_KEY_X (-2)
#define FWUP_COSE_KEY_Y (-3)
#define FWUP_COSE_KTY_EC2 2
#define FWUP_COSE_CRV_P256 1
/* Sizes. */
#define FWUP_ENC_CEK_LEN 16     /* A128GCM / A128CTR */
#define FWUP_ENC_KEK_LEN 16     /* A128KW */
#define FWUP_ENC_WRAPPED_LEN 24 /* RFC 3394: CEK + 8 */
#define FWUP_ENC_GCM_IV_LEN 12
#define FWUP_ENC_CTR_IV_LEN 16
#define FWUP_ENC_TAG_LEN 16
/* Most recipients one encryption info may carry (one per device or per
 * device group; [ENC] §3 "per-device KEK with one recipient per device"). */
#define FWUP_ENC_MAX_RECIPIENTS 64
/* Longest kid accepted (kids are names or thumbprints). */
#define FWUP_ENC_MAX_KID 64
/* The `other` member of the COSE_KDF_Context SUIT uses ([ENC] §5.2.4). */
#define FWUP_ENC_KDF_OTHER "SUIT Payload Encryption"

/* ---- keys ---------------------------------------------------------------- */

/*
 * Key material, opaque: an A128KW key-encryption key (16 raw bytes, in
 * secure memory) or a P-256 key (an EVP_PKEY: a PRIVATE key to decrypt as
 * a device, a PUBLIC key to encrypt for a device). An optional kid names it
 * in recipients.
 */
struct fwup_enc_key;

enum fwup_enc_key_kind {
    FWUP_ENC_KEY_KEK = 1,     /* A128KW (-3) */
    FWUP_ENC_KEY_EC_PUB = 2,  /* ECDH-ES+A128KW (-29), can encrypt only */
    FWUP_ENC_KEY_EC_PRIV = 3, /* ECDH-ES+A128KW (-29), can decrypt (and encrypt) */
};

/*
 * A KEK from memory (exactly 16 bytes) or from a file holding exactly 16 raw
 * bytes. The bytes are copied into secure memory; the caller wipes its copy.
 * Errors: FWUP_E_INVALID_ARG, FWUP_E_KEY_FORMAT (wrong length),
 * FWUP_E_IO_OPEN / _READ, FWUP_E_NO_MEMORY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_key_from_kek(const uint8_t *kek, size_t len,
                                                            struct fwup_enc_key **out,
                                                            struct fwup_diag *diag);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_key_load_kek(const char *path,
                                                            struct fwup_enc_key **out,
                                                            struct fwup_diag *diag);

/*
 * A P-256 key from a PEM file: an unencrypted private key (PKCS#8 or SEC1)
 * gives FWUP_ENC_KEY_EC_PRIV, a SubjectPublicKeyInfo FWUP_ENC_KEY_EC_PUB.
 * Errors: FWUP_E_IO_OPEN / _READ, FWUP_E_KEY_FORMAT (not PEM, or not P-256).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_key_load_pem(const char *path,
                                                            struct fwup_enc_key **out,
                                                            struct fwup_diag *diag);

/* Set (copy) the kid; len 0 removes it. FWUP_E_INVALID_ARG if len > 64. */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_key_set_kid(struct fwup_enc_key *k,
                                                           const uint8_t *kid, size_t len);
FWUP_API enum fwup_enc_key_kind fwup_enc_key_kind(const struct fwup_enc_key *k);
/* Wipe and free (NULL-safe). */
FWUP_API void fwup_enc_key_free(struct fwup_enc_key *k);

/* ---- primitives (exposed for tests and other COSE users) ----------------- */

/*
 * RFC 3394 AES key wrap with a 128-bit KEK (A128KW). in_len is a multiple
 * of 8, >= 16; the output is in_len + 8 bytes (cap checked). Unwrap checks
 * the RFC 3394 integrity value: a wrong KEK or tampered input is
 * FWUP_E_DECRYPT (and nothing is written to out).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_aes_kw_wrap(const uint8_t kek[16], const uint8_t *in,
                                                       size_t in_len, uint8_t *out, size_t cap,
                                                       size_t *out_len, struct fwup_diag *diag);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_aes_kw_unwrap(const uint8_t kek[16], const uint8_t *in,
                                                         size_t in_len, uint8_t *out, size_t cap,
                                                         size_t *out_len, struct fwup_diag *diag);

/*
 * The encoded COSE_KDF_Context for key-wrap algorithm kw_alg (-3) and the
 * recipient's serialized protected header (the bstr CONTENT): exactly the
 * bytes of tests/vectors/encryption/kdf-context-a128kw.cbor for
 * protected = a1 01 38 1c. *out is malloc'd (free()).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_kdf_context(int32_t kw_alg,
                                                           struct fwup_bytes protected_hdr,
                                                           uint8_t **out, size_t *out_len);

/* ---- SUIT_Encryption_Info ------------------------------------------------ */

/* One COSE_recipient, as views into the parsed input. */
struct fwup_enc_recipient {
    int32_t alg;                     /* -3, -29, or another id (kept, skipped) */
    bool supported;                  /* alg is one fwup can unwrap */
    struct fwup_bytes protected_hdr; /* bstr content (serialized map or empty) */
    struct fwup_bytes kid;           /* len 0: none */
    struct fwup_bytes epk_x, epk_y;  /* ECDH: ephemeral public key, 32 bytes each */
    struct fwup_bytes salt;          /* ECDH: HKDF salt header (-20), len 0: none */
    struct fwup_bytes wrapped;       /* the wrapped CEK */
};

/* A parsed SUIT_Encryption_Info. Views: valid while the input is alive. */
struct fwup_enc_info {
    int32_t alg;                     /* content algorithm: 1 or -65534 */
    struct fwup_bytes protected_hdr; /* layer-0 protected bstr content */
    struct fwup_bytes iv;
    size_t nrecip;
    struct fwup_enc_recipient recip[FWUP_ENC_MAX_RECIPIENTS];
};

/*
 * Parse and check a SUIT_Encryption_Info: tag 96, ciphertext nil (detached),
 * content alg A128GCM (12-byte IV, protected {1: 1}) or A128CTR (16-byte
 * IV, protected h''), 1..64 recipients. An alg must not be in both
 * headers; a crit header (2) is refused (fwup understands no critical
 * extension). Recipients with an algorithm fwup does not support are kept
 * with supported = false; a supported recipient must be well-formed.
 * Errors (diag has the byte offset): FWUP_E_CBOR_*, FWUP_E_CBOR_TAG,
 * FWUP_E_COSE_STRUCTURE, FWUP_E_COSE_HEADER, FWUP_E_COSE_PAYLOAD
 * (attached ciphertext), FWUP_E_COSE_UNSUPPORTED_ALG (content alg),
 * FWUP_E_LIMIT_COUNT (> 64 recipients).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_info_parse(const uint8_t *p, size_t n,
                                                          struct fwup_enc_info *info,
                                                          struct fwup_diag *diag);

/*
 * Unwrap the CEK with key: the recipients whose kid equals key's kid first
 * (if key has one), then every other recipient of the key's method (a
 * recipient without a kid, or a kid the device does not know under that
 * name: [ENC] "select by kid, else try each", OPEN-QUESTIONS 18). The AES-KW
 * integrity check tells a right key from a wrong one.
 * cek must hold 16 bytes; the caller wipes it.
 * Errors: FWUP_E_KEY_ALG_MISMATCH (no recipient uses the key's method, or
 * the key is a public key), FWUP_E_COSE_UNSUPPORTED_ALG (no recipient fwup
 * supports), FWUP_E_DECRYPT (no recipient unwraps with this key: wrong KEK
 * or device key), FWUP_E_CRYPTO.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_unwrap_cek(const struct fwup_enc_info *info,
                                                          const struct fwup_enc_key *key,
                                                          uint8_t cek[16], size_t *cek_len,
                                                          struct fwup_diag *diag);

/* ---- decryption (streaming) ---------------------------------------------- */

struct fwup_decrypt;

/*
 * Start decrypting the payload described by info with key (fwup_enc_unwrap_cek,
 * then the content cipher). info may be freed after this call.
 * Errors: those of fwup_enc_unwrap_cek, FWUP_E_NO_MEMORY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_decrypt_new(const struct fwup_enc_info *info,
                                                       const struct fwup_enc_key *key,
                                                       struct fwup_decrypt **out,
                                                       struct fwup_diag *diag);

/*
 * Feed n ciphertext bytes; up to n plaintext bytes come out (cap >= n). For
 * A128GCM the last 16 bytes seen are held back (they may be the tag), so
 * *out_len can be less than n. Plaintext from update() is unauthenticated
 * until final() succeeds (GCM) or an image digest is checked (CTR).
 * Errors: FWUP_E_LIMIT_BUFFER (cap < n), FWUP_E_BAD_STATE (after final or
 * an error), FWUP_E_CRYPTO.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_decrypt_update(struct fwup_decrypt *d,
                                                          const uint8_t *in, size_t n,
                                                          uint8_t *out, size_t cap,
                                                          size_t *out_len, struct fwup_diag *diag);

/*
 * End of the ciphertext. A128GCM: checks the tag (FWUP_E_DECRYPT if the
 * ciphertext, the tag, the protected header or the key is wrong, or the
 * input was shorter than a tag). A128CTR: nothing to check.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_decrypt_final(struct fwup_decrypt *d,
                                                         struct fwup_diag *diag);

/* Wipe (CEK, cipher state) and free; NULL-safe. */
FWUP_API void fwup_decrypt_free(struct fwup_decrypt *d);

/*
 * One shot: parse info, decrypt ct[0..ct_len) into a malloc'd *pt (free()
 * it; wipe it first if the plaintext is secret). Nothing is returned unless
 * the GCM tag verified.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_decrypt_oneshot(const uint8_t *info, size_t info_len,
                                                           const struct fwup_enc_key *key,
                                                           const uint8_t *ct, size_t ct_len,
                                                           uint8_t **pt, size_t *pt_len,
                                                           struct fwup_diag *diag);

/* ---- encryption (streaming) ---------------------------------------------- */

struct fwup_encrypt;

struct fwup_encrypt_opts {
    int32_t alg; /* FWUP_COSE_A128GCM (default when 0) or FWUP_COSE_A128CTR */
    /*
     * TEST VECTORS ONLY: a fixed CEK (16 bytes) and IV (12 / 16 bytes).
     * NULL (always, in production) = fresh RAND_bytes values: [ENC] §6
     * forbids reusing a key and IV pair, and a CEK must never be reused
     * for a second plaintext.
     */
    const uint8_t *cek;
    const uint8_t *iv;
};

/*
 * Start encrypting one payload for recipients[0..n) (1..64 keys: a KEK for
 * an A128KW recipient, a P-256 public or private key for an ECDH-ES+A128KW
 * recipient, each with its kid if set). The SUIT_Encryption_Info is built
 * here (fwup_encrypt_info). opts may be NULL.
 * Errors: FWUP_E_INVALID_ARG, FWUP_E_COSE_UNSUPPORTED_ALG, FWUP_E_CRYPTO
 * (RAND_bytes, ECDH), FWUP_E_NO_MEMORY, FWUP_E_LIMIT_COUNT.
 */
FWUP_API FWUP_NODISCARD enum fwup_err
fwup_encrypt_new(const struct fwup_encrypt_opts *opts, const struct fwup_enc_key *const *recipients,
                 size_t n, struct fwup_encrypt **out, struct fwup_diag *diag);

/* The encoded SUIT_Encryption_Info (a view owned by e). */
FWUP_API struct fwup_bytes fwup_encrypt_info(const struct fwup_encrypt *e);

/* n plaintext bytes in, n ciphertext bytes out (cap >= n). */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_encrypt_update(struct fwup_encrypt *e,
                                                          const uint8_t *in, size_t n,
                                                          uint8_t *out, size_t cap,
                                                          size_t *out_len, struct fwup_diag *diag);

/* End: A128GCM appends the 16-byte tag (cap >= 16), A128CTR nothing. */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_encrypt_final(struct fwup_encrypt *e, uint8_t *out,
                                                         size_t cap, size_t *out_len,
                                                         struct fwup_diag *diag);

FWUP_API void fwup_encrypt_free(struct fwup_encrypt *e);

/* One shot: *ct (malloc'd) = ciphertext (+ tag), *info (malloc'd) = the
 * encryption info. */
FWUP_API FWUP_NODISCARD enum fwup_err
fwup_encrypt_oneshot(const struct fwup_encrypt_opts *opts,
                     const struct fwup_enc_key *const *recipients, size_t n, const uint8_t *pt,
                     size_t pt_len, uint8_t **ct, size_t *ct_len, uint8_t **info, size_t *info_len,
                     struct fwup_diag *diag);

/* "A128GCM" / "A128CTR" (case-insensitive) -> id; FWUP_E_COSE_UNSUPPORTED_ALG
 * otherwise. fwup_enc_alg_name: the name, or NULL. */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_alg_from_name(const char *name, int32_t *alg);
FWUP_API const char *fwup_enc_alg_name(int32_t alg);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_ENCRYPT_H */
