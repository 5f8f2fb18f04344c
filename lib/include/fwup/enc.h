/*
 * Host CBOR encoder for fwup: deterministic heads (RFC 8949 §4.2.1 shortest
 * form), a growable buffer with a hard cap, and a sticky error.
 *
 * Map key ORDER is the caller's job (emit keys in core deterministic order:
 * bytewise lexicographic order of their encodings); fwup_enc_sort_map()
 * helps when keys are not known in advance.
 *
 * Ownership: the encoder owns its buffer until fwup_enc_take() hands it to
 * the caller (free() it) or fwup_enc_release() frees it.
 */
#ifndef FWUP_ENC_H
#define FWUP_ENC_H

#include "fwup/err.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default cap of one encoded envelope: 64 MiB (integrated payloads included). */
#define FWUP_ENC_DEFAULT_MAX ((size_t)64 << 20)

struct fwup_enc {
    uint8_t *buf; /* private */
    size_t len;
    size_t cap;
    size_t max;
    enum fwup_err err; /* sticky: calls after an error do nothing */
};

/* Start an empty encoder; max == 0 means FWUP_ENC_DEFAULT_MAX. */
FWUP_API void fwup_enc_init(struct fwup_enc *e, size_t max);
/* Free the buffer (NULL-safe, idempotent). */
FWUP_API void fwup_enc_release(struct fwup_enc *e);

FWUP_API void fwup_enc_uint(struct fwup_enc *e, uint64_t v);
/* Any int64: major 0 or 1. */
FWUP_API void fwup_enc_int(struct fwup_enc *e, int64_t v);
FWUP_API void fwup_enc_bstr(struct fwup_enc *e, const uint8_t *p, size_t n);
FWUP_API void fwup_enc_tstr(struct fwup_enc *e, const char *p, size_t n);
/* NUL-terminated convenience. */
FWUP_API void fwup_enc_tstr_z(struct fwup_enc *e, const char *s);
FWUP_API void fwup_enc_array(struct fwup_enc *e, uint64_t n);
FWUP_API void fwup_enc_map(struct fwup_enc *e, uint64_t n);
FWUP_API void fwup_enc_tag(struct fwup_enc *e, uint64_t tag);
FWUP_API void fwup_enc_bool(struct fwup_enc *e, bool v);
FWUP_API void fwup_enc_null(struct fwup_enc *e);
/* Append already-encoded CBOR verbatim. */
FWUP_API void fwup_enc_raw(struct fwup_enc *e, const uint8_t *p, size_t n);
/* Just the head of a bstr of length n (content follows with fwup_enc_raw). */
FWUP_API void fwup_enc_bstr_head(struct fwup_enc *e, uint64_t n);

/*
 * Sort the n key/value pairs that were encoded from byte offset `start` up to
 * the current end into core deterministic order (bytewise lexicographic order
 * of the encoded keys, RFC 8949 §4.2.1). The map head must be before `start`.
 * Duplicate keys are FWUP_E_CBOR_DUPLICATE_KEY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_sort_map(struct fwup_enc *e, size_t start,
                                                        size_t n);

/* The sticky error (FWUP_OK if none). */
FWUP_API enum fwup_err fwup_enc_error(const struct fwup_enc *e);
/* View of the bytes so far (valid until the next write). */
FWUP_API struct fwup_bytes fwup_enc_bytes(const struct fwup_enc *e);
/* Hand the buffer to the caller (who free()s it); the encoder is left empty. */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_enc_take(struct fwup_enc *e, uint8_t **out,
                                                    size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_ENC_H */
