/*
 * fwup authoring: a JSON release description becomes a draft-37 SUIT envelope.
 *
 * Flow (DESIGN.md §2):
 *
 *     description bytes --fwup_author_parse()--> struct fwup_author_model
 *                       --fwup_author_encode()--> unsigned envelope (deterministic CBOR)
 *
 * The description format is documented in docs/description.md and
 * schemas/description.schema.json. Parsing expands the high-level keys into
 * the manifest templates of draft-ietf-suit-manifest-37 §7 (compatibility
 * check, trusted invocation, download, install, integrated payload, load,
 * A/B images) and checks explicit command sequences against the SUIT rules.
 *
 * Output (fwup_author_encode): RFC 8949 §4.2.1 core deterministic CBOR, tag
 * 107, authentication wrapper (key 2) holding only [ bstr(SUIT_Digest) ] over
 * the complete bstr-wrapped manifest (head included), manifest at key 3. The
 * same model always gives the same bytes.
 *
 * Images named by a file are read through a streaming hash (64 KiB chunks,
 * never slurped); only integrated payloads are copied into the envelope.
 *
 * The library never prints. Errors are returned as enum fwup_err with detail
 * in an optional struct fwup_diag: for description errors diag->line and
 * diag->column give the 1-based position in the description of the offending
 * value (or of the nearest enclosing value whose position is known), and
 * diag->path its JSON path ("$.components[0].image.file").
 */
#ifndef FWUP_AUTHOR_H
#define FWUP_AUTHOR_H

#include "fwup/err.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest description accepted (it is text written by people). */
#define FWUP_AUTHOR_MAX_DESC ((size_t)1 << 20)
/* Most components in one manifest (a SUIT component index is a small uint). */
#define FWUP_AUTHOR_MAX_COMPONENTS 64
/* Largest image that may be integrated into an envelope (fwup_enc's cap). */
#define FWUP_AUTHOR_MAX_INTEGRATED ((size_t)48 << 20)
/* Chunk size of the streaming image hash. */
#define FWUP_AUTHOR_CHUNK ((size_t)64 << 10)

/* The parsed, template-expanded release. Opaque; free with fwup_author_free(). */
struct fwup_author_model;

struct fwup_author_opts {
    /*
     * Directory that relative image paths in the description are resolved
     * against (normally the description's own directory). NULL or "" = the
     * current directory. Copied; need not outlive the call.
     */
    const char *base_dir;
    /*
     * UTC seconds used for "sequence-number": "auto". The library does not
     * read the clock: the caller passes time(NULL) or SOURCE_DATE_EPOCH, so a
     * build can be reproduced.
     */
    uint64_t now;
};

/*
 * Parse a description (UTF-8 JSON, at most FWUP_AUTHOR_MAX_DESC bytes) into a
 * model: validate every key, resolve identities (UUIDv5), hash image files,
 * expand templates, and check all command sequences against the SUIT rules.
 *
 * \param[in]  json   description bytes; need not be NUL-terminated; only
 *                    read during the call
 * \param[in]  len    their length
 * \param[in]  opts   may be NULL (base_dir = cwd, now = 0)
 * \param[out] out    the model on success (caller frees), NULL on failure
 * \param[out] diag   may be NULL
 * \return FWUP_OK;
 *         FWUP_E_DESC_SYNTAX (not JSON), FWUP_E_DESC_DUPLICATE_KEY,
 *         FWUP_E_DESC_UNKNOWN_KEY, FWUP_E_DESC_TYPE, FWUP_E_DESC_MISSING,
 *         FWUP_E_DESC_VALUE, FWUP_E_DESC_CONFLICT (impossible combination),
 *         FWUP_E_DESC_RULE (a sequence breaks a SUIT rule),
 *         FWUP_E_DESC_FILE (an image file cannot be opened or read, or
 *         changed size while read), FWUP_E_IO_TOO_BIG (description too big),
 *         FWUP_E_LIMIT_COMPONENTS, FWUP_E_LIMIT_DEPTH, FWUP_E_NO_MEMORY,
 *         FWUP_E_CRYPTO (hash backend), FWUP_E_INVALID_ARG.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_author_parse(const char *json, size_t len,
                                                        const struct fwup_author_opts *opts,
                                                        struct fwup_author_model **out,
                                                        struct fwup_diag *diag);

/* Free a model; NULL-safe. */
FWUP_API void fwup_author_free(struct fwup_author_model *m);

/*
 * Encode the unsigned envelope.
 *
 * \param[in]  m      a parsed model
 * \param[in]  sever  true: leave the severable elements out of the envelope
 *                    (their digests are in the manifest either way, so the
 *                    manifest and its digest do not depend on this flag)
 * \param[out] out    malloc'd envelope (caller free()s) on success
 * \param[out] len    its length
 * \param[out] diag   may be NULL
 * \return FWUP_OK; FWUP_E_DESC_FILE (an integrated image changed since it was
 *         hashed, or cannot be read), FWUP_E_LIMIT_BUFFER (envelope larger
 *         than the encoder cap), FWUP_E_NO_MEMORY, FWUP_E_CRYPTO,
 *         FWUP_E_INVALID_ARG.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_author_encode(const struct fwup_author_model *m,
                                                         bool sever, uint8_t **out,
                                                         size_t *len, struct fwup_diag *diag);

/*
 * The SHA-256 manifest digest of the model (what the authentication wrapper
 * carries), e.g. for tests and `fwup create -v`.
 * Errors as fwup_author_encode().
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_author_manifest_digest(
    const struct fwup_author_model *m, uint8_t digest[32], struct fwup_diag *diag);

/*
 * Drop the severable elements (envelope keys 14, 15, 16, 18, 20, 23) from an
 * envelope. Every other member is copied byte for byte, in its order; the
 * authentication wrapper and the manifest are untouched, so every signature
 * stays valid and the manifest digest is unchanged. A severable member whose
 * digest is not in the manifest is still dropped (nothing can reference it).
 *
 * \param[in]  env    envelope bytes (tag 107 or untagged map); read only
 * \param[out] out    malloc'd result (caller free()s)
 * \param[out] removed  number of members dropped (0: out equals env); may be NULL
 * \return FWUP_OK; FWUP_E_CBOR_* (not well-formed, trailing bytes),
 *         FWUP_E_CBOR_TAG (a tag other than 107), FWUP_E_SUIT_MISSING (no
 *         authentication wrapper or manifest), FWUP_E_CBOR_TYPE (they are
 *         not byte strings), FWUP_E_CBOR_DUPLICATE_KEY, FWUP_E_NO_MEMORY.
 *         diag->offset is the byte offset of the problem.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_author_sever(const uint8_t *env, size_t len,
                                                        uint8_t **out, size_t *out_len,
                                                        size_t *removed,
                                                        struct fwup_diag *diag);

/*
 * Name-based UUID, version 5 (RFC 9562 §5.5): SHA-1(namespace || name),
 * first 16 bytes, version nibble 5, variant 10b.
 * Example: fwup_uuid5(FWUP_UUID_NS_DNS, "arm.com", 7, out)
 *          = fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe.
 * \return FWUP_OK or FWUP_E_CRYPTO.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_uuid5(const uint8_t ns[16], const uint8_t *name,
                                                 size_t len, uint8_t out[16]);

/* RFC 9562 namespace ID for DNS names: 6ba7b810-9dad-11d1-80b4-00c04fd430c8. */
FWUP_API extern const uint8_t FWUP_UUID_NS_DNS[16];

/*
 * Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, either case) into 16
 * bytes. Returns false if s is not exactly that form.
 */
FWUP_API bool fwup_uuid_parse(const char *s, uint8_t out[16]);

/*
 * Hash a file by streaming it in FWUP_AUTHOR_CHUNK chunks (never loads it).
 *
 * \param[in]  path    file to read
 * \param[in]  alg     FWUP_COSE_SHA256, _SHA384 or _SHA512
 * \param[out] digest  at least 64 bytes; *dlen receives the digest length
 * \param[out] size    number of bytes hashed
 * \return FWUP_OK; FWUP_E_IO_OPEN, FWUP_E_IO_READ (diag says why),
 *         FWUP_E_SUIT_DIGEST_ALG, FWUP_E_CRYPTO.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_author_hash_file(const char *path, int64_t alg,
                                                            uint8_t digest[64], size_t *dlen,
                                                            uint64_t *size,
                                                            struct fwup_diag *diag);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_AUTHOR_H */
