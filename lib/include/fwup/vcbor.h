/*
 * The verifier's CBOR pull reader (RFC 8949), freestanding, no heap, no recursion.
 *
 * This is the one CBOR decoder of fwup: the envelope, COSE and manifest
 * decoders of lib/verifier are built on it, and the CLI's `show` uses it to
 * walk elements it does not know.
 *
 * Bounds: every read checks `need > remaining` before touching a byte (never
 * `pos + need > end`, which can wrap), so no call reads outside [buf, buf+len).
 *
 * What it refuses (a verifier must not accept it, SUIT never needs it):
 *   - indefinite-length strings, arrays and maps (FWUP_E_CBOR_INDEFINITE);
 *     SUIT and COSE in SUIT use definite lengths only;
 *   - reserved additional information 28..30, a stray break, a two-byte simple
 *     value below 32 (FWUP_E_CBOR_MALFORMED, RFC 8949 §3.3);
 *   - a declared length or count that cannot fit in the bytes left
 *     (FWUP_E_CBOR_TRUNCATED: each item takes at least one byte, so a count
 *     larger than what remains is a lie; this is what stops libcbor-style
 *     multi-gigabyte allocations and long skip loops);
 *   - nesting deeper than FWUP_V_MAX_CBOR_DEPTH in fwup_vcbor_skip()
 *     (FWUP_E_LIMIT_DEPTH);
 *   - text strings that are not UTF-8 (FWUP_E_CBOR_UTF8), in fwup_vcbor_get_tstr().
 * Duplicate map keys are checked by the map decoders that know their key space.
 *
 * Errors are sticky (QCBOR style): after the first error every call returns it
 * again and reads nothing; err_off keeps the offset where it happened.
 *
 * Stack: every function here uses < 64 bytes on Cortex-M4 except
 * fwup_vcbor_skip(), which keeps FWUP_V_MAX_CBOR_DEPTH counters (4 bytes each)
 * on the stack: about 100 bytes with the default depth of 16.
 */
#ifndef FWUP_VCBOR_H
#define FWUP_VCBOR_H

#include "fwup/types.h"
#include "fwup/verifier_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Major types (RFC 8949 §3.1). */
enum fwup_vcbor_major {
    FWUP_CBOR_UINT = 0,
    FWUP_CBOR_NINT = 1,
    FWUP_CBOR_BSTR = 2,
    FWUP_CBOR_TSTR = 3,
    FWUP_CBOR_ARRAY = 4,
    FWUP_CBOR_MAP = 5,
    FWUP_CBOR_TAG = 6,
    FWUP_CBOR_SIMPLE = 7,
};

/* Simple values and floats (major type 7, RFC 8949 §3.3). */
#define FWUP_CBOR_FALSE 20
#define FWUP_CBOR_TRUE 21
#define FWUP_CBOR_NULL 22
#define FWUP_CBOR_UNDEFINED 23
#define FWUP_CBOR_FLOAT16 25
#define FWUP_CBOR_FLOAT32 26
#define FWUP_CBOR_FLOAT64 27

/* Reader state. Fields are private: use the functions. */
struct fwup_vcbor {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    enum fwup_err err;
    size_t err_off;
};

/*
 * One decoded head. For strings the content has been consumed and is at
 * buf[data_off .. data_off + val); for arrays, maps and tags only the head has
 * been consumed and the children follow.
 *
 *   major UINT:   val = the value
 *   major NINT:   the value is -1 - val (val may be up to 2^64-1)
 *   BSTR/TSTR:    val = length in bytes, data_off = first content byte
 *   ARRAY/MAP:    val = number of elements / of pairs
 *   TAG:          val = tag number
 *   SIMPLE:       val = simple value (20..23, or 0..255) or the raw float bits,
 *                 ai = 25/26/27 for half/single/double floats
 */
struct fwup_vcbor_item {
    uint64_t val;
    size_t off;      /* offset of the head */
    size_t data_off; /* strings: content offset; others: offset just after the head */
    size_t end;      /* offset just after what next() consumed */
    /* Last: after val they need no padding (24 bytes instead of 32 on a
     * 32-bit target; items live in most frames of the decoder). */
    uint8_t major;
    uint8_t ai;
};

/* Start reading buf[0..len). buf must stay alive while the reader is used. */
FWUP_API void fwup_vcbor_init(struct fwup_vcbor *r, const uint8_t *buf, size_t len);

/* Offset of the next byte to read. */
FWUP_API size_t fwup_vcbor_offset(const struct fwup_vcbor *r);

/* True when every byte has been consumed (and no error is pending). */
FWUP_API bool fwup_vcbor_at_end(const struct fwup_vcbor *r);

/* The sticky error (FWUP_OK if none) and where it happened. */
FWUP_API enum fwup_err fwup_vcbor_error(const struct fwup_vcbor *r, size_t *offset);

/*
 * Record an error found by a caller (a type the caller did not expect, a
 * duplicate key) at `offset`; first error wins. Returns the sticky error.
 */
FWUP_API enum fwup_err fwup_vcbor_fail(struct fwup_vcbor *r, enum fwup_err e, size_t offset);

/*
 * Read the next head (and the content of a string).
 * Returns FWUP_OK, or FWUP_E_CBOR_TRUNCATED / _MALFORMED / _INDEFINITE (sticky).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_next(struct fwup_vcbor *r,
                                                      struct fwup_vcbor_item *it);

/* Like next() without consuming anything (errors are still sticky). */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_peek(struct fwup_vcbor *r,
                                                      struct fwup_vcbor_item *it);

/*
 * Skip one complete data item with all its children. Iterative, with an
 * explicit stack of FWUP_V_MAX_CBOR_DEPTH counters; deeper nesting is
 * FWUP_E_LIMIT_DEPTH. If span is non-NULL it receives the whole encoded item.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_skip(struct fwup_vcbor *r,
                                                      struct fwup_bytes *span);

/*
 * Typed reads. Each checks the major type (FWUP_E_CBOR_TYPE otherwise) and
 * consumes the item's head (and string content).
 *   get_int: uint or nint that fits int64_t (FWUP_E_CBOR_RANGE otherwise)
 *   get_tstr: also validates UTF-8
 *   get_array / get_map: count of elements / pairs
 *   get_bool: true/false only
 *   get_null: null only
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_uint(struct fwup_vcbor *r, uint64_t *v);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_int(struct fwup_vcbor *r, int64_t *v);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_bstr(struct fwup_vcbor *r,
                                                          struct fwup_bytes *v);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_tstr(struct fwup_vcbor *r,
                                                          struct fwup_bytes *v);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_array(struct fwup_vcbor *r, uint64_t *n);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_map(struct fwup_vcbor *r, uint64_t *n);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_tag(struct fwup_vcbor *r, uint64_t *tag);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_bool(struct fwup_vcbor *r, bool *v);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_vcbor_get_null(struct fwup_vcbor *r);

/* True if s[0..n) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
FWUP_API bool fwup_vcbor_utf8_valid(const uint8_t *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_VCBOR_H */
