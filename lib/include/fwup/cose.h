/*
 * COSE authentication blocks for SUIT envelopes (lib/cose): build the
 * to-be-signed structure, encode COSE_Sign1 / COSE_Mac0 blocks, and append a
 * block to an envelope's authentication wrapper.
 *
 * What is signed (draft-ietf-suit-manifest-37 §8.3, RFC 9052 §4.4, §6.3):
 *   Sig_structure = ["Signature1", protected, h'', payload]
 *   MAC_structure = ["MAC0",       protected, h'', payload]
 * payload = the bytes inside the wrapper's first element (the encoded
 * SUIT_Digest), encoded once as a bstr: the 4th element is byte-identical to
 * wrapper[0] on the wire. Blocks are detached (payload nil), with protected
 * {1: alg} and unprotected {4: kid} (or {} without a kid).
 *
 * Envelope rules enforced on every append:
 *   - the manifest digest is recomputed over the complete bstr at envelope
 *     key 3 (head included) and must equal wrapper[0] (TOCTOU: never sign a
 *     digest without checking what it covers) -> FWUP_E_MANIFEST_DIGEST;
 *   - a key signs an envelope once: a block with the same kid, or one that
 *     verifies with the same key, is FWUP_E_ALREADY_SIGNED;
 *   - ONLY the authentication wrapper bstr is re-encoded: every other byte of
 *     the envelope, and every earlier block, is kept byte for byte;
 *   - the new signature is verified with the public key before returning.
 *
 * Memory: outputs are malloc'd; the caller free()s them. Inputs are only read.
 */
#ifndef FWUP_COSE_H
#define FWUP_COSE_H

#include "fwup/crypto.h"
#include "fwup/err.h"
#include "fwup/signer.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CBOR tags (RFC 9052 §2, manifest-37 §8.2). */
#define FWUP_TAG_COSE_SIGN1 18
#define FWUP_TAG_COSE_MAC0 17
#define FWUP_TAG_SUIT_ENVELOPE 107
/* SUIT envelope keys (manifest-37 §8.2). */
#define FWUP_ENV_AUTH 2
#define FWUP_ENV_MANIFEST 3
/* COSE header labels (RFC 9052 §3.1). */
#define FWUP_COSE_HDR_ALG 1
#define FWUP_COSE_HDR_KID 4

/* Most authentication blocks an envelope may carry when signing. */
#define FWUP_COSE_MAX_BLOCKS 16

/*
 * An envelope as the signer sees it. Views into the caller's input: valid
 * while that input is alive and unchanged.
 */
struct fwup_cose_env {
    struct fwup_bytes input;    /* the whole envelope */
    size_t wrapper_off;         /* the key-2 value: bstr head offset ... */
    size_t wrapper_end;         /* ... and the offset just after its content */
    struct fwup_bytes wrapper;  /* its content: the SUIT_Authentication array */
    size_t items_off;           /* offset in wrapper just after the array head */
    struct fwup_bytes payload;  /* content of wrapper[0]: the encoded SUIT_Digest */
    int64_t digest_alg;         /* SUIT_Digest algorithm (COSE hash id) */
    struct fwup_bytes digest;   /* SUIT_Digest bytes */
    struct fwup_bytes manifest; /* complete bstr item at key 3, head included */
    size_t nblocks;
    struct fwup_bytes blocks[FWUP_COSE_MAX_BLOCKS]; /* content of each block bstr */
};

/*
 * Parse an envelope (tag 107 or bare map) for signing and check its manifest
 * digest (TOCTOU). Uses the verifier's CBOR reader (fwup/vcbor.h).
 * Errors: FWUP_E_CBOR_* / FWUP_E_SUIT_MISSING / FWUP_E_COSE_STRUCTURE
 * (malformed, diag has the offset), FWUP_E_SUIT_DIGEST_ALG,
 * FWUP_E_MANIFEST_DIGEST, FWUP_E_LIMIT_BLOCKS.
 */
FWUP_API FWUP_NODISCARD enum fwup_err
fwup_cose_env_parse(const uint8_t *p, size_t n, struct fwup_cose_env *env, struct fwup_diag *diag);

/*
 * The encoded protected header {1: alg} (deterministic: a1 01 <alg>) into
 * out (cap >= 8); length in *len.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_protected(int32_t alg, uint8_t out[8], size_t *len);

/*
 * The to-be-signed bytes for `alg` over `payload` (the content of wrapper[0]):
 * Sig_structure for signature algs, MAC_structure for alg 5 (HMAC 256/256).
 * *tbs is malloc'd.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_tbs(int32_t alg, struct fwup_bytes payload,
                                                    uint8_t **tbs, size_t *tbs_len);

/*
 * Encode a COSE_Sign1 (tag 18) or, for alg 5, COSE_Mac0 (tag 17) block:
 * [protected {1: alg}, unprotected {4: kid} or {}, nil, sig]. kid may be NULL.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_block(int32_t alg, const uint8_t *kid,
                                                      size_t kid_len, const uint8_t *sig,
                                                      size_t sig_len, uint8_t **out,
                                                      size_t *out_len);

/*
 * The envelope with `block` (one encoded COSE block) appended to the
 * authentication wrapper. Only the wrapper bstr is re-encoded.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_append(const struct fwup_cose_env *env,
                                                       struct fwup_bytes block, uint8_t **out,
                                                       size_t *out_len);

/* Options of a signing operation. */
struct fwup_cose_sign_opts {
    int32_t alg;        /* COSE alg; 0 = the key's default (-9, -51, -19, 5) */
    const uint8_t *kid; /* NULL = the RFC 9679 thumbprint of the public key
                           (signatures) / no kid (HMAC) */
    size_t kid_len;     /* 1..64 when kid is given */
};

/*
 * Sign an envelope with a signer and append the block (all rules above).
 * opts may be NULL (defaults).
 * Errors: the parse errors, FWUP_E_KEY_ALG_MISMATCH, FWUP_E_ALREADY_SIGNED,
 * the signer's errors, FWUP_E_SIG_VERIFY (the fresh signature did not verify:
 * a broken backend), FWUP_E_NO_MEMORY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err
fwup_cose_sign_envelope(const uint8_t *env, size_t env_len, struct fwup_signer *s,
                        const struct fwup_cose_sign_opts *opts, uint8_t **out, size_t *out_len,
                        struct fwup_diag *diag);

/*
 * Detached signing, step 1: the exact to-be-signed bytes for `alg` (after the
 * TOCTOU check). Sign them elsewhere (HSM, openssl pkeyutl, KMS) and come
 * back with fwup_cose_attach() using the same alg.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_export_tbs(const uint8_t *env, size_t env_len,
                                                           int32_t alg, uint8_t **tbs,
                                                           size_t *tbs_len, struct fwup_diag *diag);

/*
 * Detached signing, step 2: bring `sig` (raw r||s, DER ECDSA or Ed25519, per
 * fmt) into COSE form, verify it with `pub` over the Sig_structure, and append
 * it. opts->alg 0 = pub's default fully-specified alg; opts->kid NULL = pub's
 * thumbprint.
 * Errors: the parse errors, FWUP_E_KEY_ALG_MISMATCH, FWUP_E_ALREADY_SIGNED,
 * FWUP_E_COSE_STRUCTURE (signature not in the expected form),
 * FWUP_E_SIG_VERIFY (does not verify with pub).
 */
FWUP_API FWUP_NODISCARD enum fwup_err
fwup_cose_attach(const uint8_t *env, size_t env_len, const struct fwup_v_key *pub,
                 const struct fwup_cose_sign_opts *opts, const uint8_t *sig, size_t sig_len,
                 enum fwup_sig_format fmt, uint8_t **out, size_t *out_len, struct fwup_diag *diag);

/*
 * COSE algorithm names as fwup's CLI spells them (IANA names, case-insensitive
 * on input): "ESP256" -9, "ES256" -7, "ESP384" -51, "ES384" -35, "Ed25519" -19,
 * "EdDSA" -8, "HMAC256" 5 (also "HMAC 256/256"); a decimal id is accepted too.
 * fwup_cose_alg_from_name: FWUP_OK or FWUP_E_COSE_UNSUPPORTED_ALG.
 * fwup_cose_alg_name: the name, or NULL for an id fwup does not sign with.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_cose_alg_from_name(const char *name, int32_t *alg);
FWUP_API const char *fwup_cose_alg_name(int32_t alg);

/* Default fully-specified alg for a verifier key type (-9, -51, -19, 5; 0 if none). */
FWUP_API int32_t fwup_cose_default_alg(uint8_t v_key_type);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_COSE_H */
