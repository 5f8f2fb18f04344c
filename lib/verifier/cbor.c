/*
 * CBOR pull reader (RFC 8949) for the embedded verifier.
 *
 * Invariant: r->pos <= r->len at all times. Every read first checks
 * `need > r->len - r->pos` (the subtraction cannot wrap because of the
 * invariant), never `r->pos + need > r->len` (which can).
 */
#include <string.h>

#include "verifier_int.h"

void
fwup_vcbor_init(struct fwup_vcbor *r, const uint8_t *buf, size_t len)
{
    r->buf = buf;
    r->len = (buf == NULL) ? 0 : len;
    r->pos = 0;
    r->err = FWUP_OK;
    r->err_off = 0;
}

size_t
fwup_vcbor_offset(const struct fwup_vcbor *r)
{
    return r->pos;
}

bool
fwup_vcbor_at_end(const struct fwup_vcbor *r)
{
    return r->err == FWUP_OK && r->pos == r->len;
}

enum fwup_err
fwup_vcbor_error(const struct fwup_vcbor *r, size_t *offset)
{
    if (offset != NULL)
        *offset = r->err_off;
    return r->err;
}

enum fwup_err
fwup_vcbor_fail(struct fwup_vcbor *r, enum fwup_err e, size_t offset)
{
    if (r->err == FWUP_OK) {
        r->err = e;
        r->err_off = offset;
    }
    return r->err;
}

/*
 * Decode one head at r->pos without moving r->pos. On success fills it
 * (string content included in it->end). Does not set the sticky error.
 */
static enum fwup_err
decode_head(const struct fwup_vcbor *r, struct fwup_vcbor_item *it, size_t *err_at)
{
    size_t pos = r->pos;
    size_t remaining = r->len - pos;
    uint8_t ib, ai;
    uint64_t val = 0;
    size_t extra;

    *err_at = pos;
    if (remaining < 1)
        return FWUP_E_CBOR_TRUNCATED;
    ib = r->buf[pos];
    ai = (uint8_t)(ib & 0x1f);
    it->major = (uint8_t)(ib >> 5);
    it->ai = ai;
    it->off = pos;

    if (ai < 24) {
        extra = 0;
        val = ai;
    } else if (ai <= 27) {
        extra = (size_t)1 << (ai - 24); /* 1, 2, 4 or 8 bytes */
        if (extra > remaining - 1)
            return FWUP_E_CBOR_TRUNCATED;
        for (size_t i = 0; i < extra; i++)
            val = (val << 8) | r->buf[pos + 1 + i];
    } else if (ai == 31) {
        /* Indefinite lengths (and the break in major 7): SUIT uses definite
         * lengths only, and refusing them keeps skip() a simple counter walk. */
        return (it->major == FWUP_CBOR_SIMPLE) ? FWUP_E_CBOR_MALFORMED : FWUP_E_CBOR_INDEFINITE;
    } else {
        return FWUP_E_CBOR_MALFORMED; /* 28..30 reserved (RFC 8949 §3) */
    }
    if (it->major == FWUP_CBOR_SIMPLE && ai == 24 && val < 32)
        return FWUP_E_CBOR_MALFORMED; /* RFC 8949 §3.3: two-byte form of a one-byte value */

    it->val = val;
    it->data_off = pos + 1 + extra;
    it->end = it->data_off;
    remaining -= 1 + extra;

    if (it->major == FWUP_CBOR_BSTR || it->major == FWUP_CBOR_TSTR) {
        if (val > remaining) {
            *err_at = pos;
            return FWUP_E_CBOR_TRUNCATED;
        }
        it->end = it->data_off + (size_t)val;
    } else if (it->major == FWUP_CBOR_ARRAY || it->major == FWUP_CBOR_MAP) {
        /* Each element takes at least one byte: a count larger than what is
         * left cannot be honest. Checked here so that no caller ever loops
         * 2^64 times or sizes anything from an attacker's count. */
        if (val > remaining || (it->major == FWUP_CBOR_MAP && val > remaining / 2))
            return FWUP_E_CBOR_TRUNCATED;
    } else if (it->major == FWUP_CBOR_TAG) {
        if (remaining < 1)
            return FWUP_E_CBOR_TRUNCATED;
    }
    return FWUP_OK;
}

/*
 * Fast paths. Most SUIT items have a head of one byte (additional
 * information < 24: keys, commands, counts, short strings, small integers),
 * and the verifier decodes a few hundred per envelope: the typed getters
 * below read those directly, without filling an item, and hand anything
 * else (longer heads, wrong types, items that do not fit, a reader in
 * error) to decode_head, which accepts or refuses it. A fast path accepts
 * only what decode_head accepts, with the same result. (Two- and
 * three-byte heads on the fast path measured slower: bench/vcount.)
 * FWUP_V_CBOR_FAST (verifier_config.h) leaves them out of a build
 * optimised for size.
 *
 * Each typed getter is a fast path with no item on its frame and a slow
 * path out of line (FWUP_V_NOINLINE) that holds one: on a Cortex-M4 the
 * deepest call chains of the processor go through these getters, and the
 * fast path must not add a frame to them (scripts/cortexm-report.sh).
 *
 * small(): the head byte if the reader can go on and the head is one
 * byte, else -1. LEFT(r): the bytes after that head byte.
 */
#if FWUP_V_CBOR_FAST
static int
small(const struct fwup_vcbor *r)
{
    uint8_t b;

    if (r->err != FWUP_OK || r->pos >= r->len)
        return -1;
    b = r->buf[r->pos];
    return (b & 0x1f) < 24 ? b : -1;
}
#define LEFT(r) ((r)->len - (r)->pos - 1)

/* decode_head's bounds for a one-byte head of major `major`, value val. */
static bool
small_fits(unsigned major, uint32_t val, size_t left)
{
    if (major == FWUP_CBOR_BSTR || major == FWUP_CBOR_TSTR || major == FWUP_CBOR_ARRAY)
        return val <= left;
    if (major == FWUP_CBOR_MAP)
        return val <= left / 2;
    if (major == FWUP_CBOR_TAG)
        return left > 0;
    return true;
}

/* Out of line only when there is a fast path to keep small. */
#define SLOW FWUP_V_NOINLINE
#else
#define SLOW
#endif

enum fwup_err
fwup_vcbor_peek(struct fwup_vcbor *r, struct fwup_vcbor_item *it)
{
    size_t at;
    enum fwup_err e;
#if FWUP_V_CBOR_FAST
    int b = small(r);

    if (b >= 0 && small_fits((unsigned)b >> 5, (uint32_t)b & 0x1f, LEFT(r))) {
        unsigned major = (unsigned)b >> 5;
        uint32_t val = (uint32_t)b & 0x1f;
        it->val = val;
        it->off = r->pos;
        it->data_off = r->pos + 1;
        it->end = r->pos + 1 + ((major == FWUP_CBOR_BSTR || major == FWUP_CBOR_TSTR) ? val : 0);
        it->major = (uint8_t)major;
        it->ai = (uint8_t)val;
        return FWUP_OK;
    }
#endif
    if (r->err != FWUP_OK)
        return r->err;
    e = decode_head(r, it, &at);
    if (e != FWUP_OK)
        return fwup_vcbor_fail(r, e, at);
    return FWUP_OK;
}

enum fwup_err
fwup_vcbor_next(struct fwup_vcbor *r, struct fwup_vcbor_item *it)
{
    enum fwup_err e = fwup_vcbor_peek(r, it);

    if (e == FWUP_OK)
        r->pos = it->end;
    return e;
}

enum fwup_err
fwup_vcbor_skip(struct fwup_vcbor *r, struct fwup_bytes *span)
{
    /* pending[d] = items still to read at depth d. No recursion: the depth is
     * bounded by the array, checked before every descent. */
    uint32_t pending[FWUP_V_MAX_CBOR_DEPTH];
    size_t depth = 0;
    size_t start = r->pos;
    struct fwup_vcbor_item it;
    enum fwup_err e;

    pending[0] = 1;
    while (depth > 0 || pending[0] > 0) {
        uint64_t children = 0;

        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        e = fwup_vcbor_next(r, &it);
        if (e != FWUP_OK)
            return e;
        pending[depth]--;
        if (it.major == FWUP_CBOR_ARRAY)
            children = it.val;
        else if (it.major == FWUP_CBOR_MAP)
            children = it.val * 2; /* val <= remaining/2 (decode_head): no overflow */
        else if (it.major == FWUP_CBOR_TAG)
            children = 1;
        if (children == 0)
            continue;
        if (depth + 1 >= FWUP_V_MAX_CBOR_DEPTH)
            return fwup_vcbor_fail(r, FWUP_E_LIMIT_DEPTH, it.off);
        /* children <= bytes left <= SIZE_MAX; a count above 2^32 cannot fit any
         * input a verifier accepts, and decode_head already bounded it. */
        if (children > UINT32_MAX)
            return fwup_vcbor_fail(r, FWUP_E_CBOR_TRUNCATED, it.off);
        pending[++depth] = (uint32_t)children;
    }
    if (span != NULL) {
        span->ptr = r->buf + start;
        span->len = r->pos - start;
    }
    return FWUP_OK;
}

/* Read a head of one expected major type (the verifier's fwup_v_get). */
enum fwup_err
fwup_v_get(struct fwup_vcbor *r, uint8_t major, struct fwup_vcbor_item *it)
{
    enum fwup_err e = fwup_vcbor_peek(r, it);

    if (e != FWUP_OK)
        return e;
    if (it->major != major)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it->off);
    r->pos = it->end;
    return FWUP_OK;
}

/* get_val's slow path: any head, through fwup_v_get. */
static SLOW enum fwup_err
get_val_slow(struct fwup_vcbor *r, uint8_t major, uint64_t *v)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_v_get(r, major, &it);

    if (e == FWUP_OK)
        *v = it.val;
    return e;
}

#if FWUP_V_CBOR_FAST
/* The fast path of get_val and fwup_v_count: a one-byte head of `major`
 * (not a string) that fits, consumed. Inlined, so that the getter's frame
 * stays empty on the way to its slow path. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline bool
small_val(struct fwup_vcbor *r, uint8_t major, uint32_t *v)
{
    int b = small(r);

    if (b < 0 || (unsigned)b >> 5 != major || !small_fits(major, (uint32_t)b & 0x1f, LEFT(r)))
        return false;
    *v = (uint32_t)b & 0x1f;
    r->pos++;
    return true;
}
#endif

/* The value of a head of one expected major type, not a string: the
 * shared body of the typed reads below (one copy instead of one per type). */
static inline enum fwup_err
get_val(struct fwup_vcbor *r, uint8_t major, uint64_t *v)
{
#if FWUP_V_CBOR_FAST
    uint32_t s;

    if (small_val(r, major, &s)) {
        *v = s;
        return FWUP_OK;
    }
#endif
    return get_val_slow(r, major, v);
}

enum fwup_err
fwup_v_count(struct fwup_vcbor *r, uint8_t major, uint32_t *n)
{
    struct fwup_vcbor_item it;
    enum fwup_err e;

#if FWUP_V_CBOR_FAST
    if (small_val(r, major, n))
        return FWUP_OK;
#endif
    e = fwup_v_get(r, major, &it);
    if (e != FWUP_OK)
        return e;
#if SIZE_MAX > UINT32_MAX
    /* decode_head bounds a count by the bytes left, so this only fires for
     * a buffer of 4 GiB or more (64-bit hosts; on 32-bit targets it cannot
     * happen): a count that large cannot be honest there either. */
    if (it.val > UINT32_MAX)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TRUNCATED, it.off);
#endif
    *n = (uint32_t)it.val;
    return FWUP_OK;
}

enum fwup_err
fwup_vcbor_get_uint(struct fwup_vcbor *r, uint64_t *v)
{
    return get_val(r, FWUP_CBOR_UINT, v);
}

static SLOW enum fwup_err
get_int_slow(struct fwup_vcbor *r, int64_t *v)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_vcbor_peek(r, &it);

    if (e != FWUP_OK)
        return e;
    if (it.major != FWUP_CBOR_UINT && it.major != FWUP_CBOR_NINT)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it.off);
    if (it.val > (uint64_t)INT64_MAX)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_RANGE, it.off);
    /* nint n encodes -1 - n; n <= INT64_MAX gives a result >= INT64_MIN. */
    *v = (it.major == FWUP_CBOR_UINT) ? (int64_t)it.val : -1 - (int64_t)it.val;
    r->pos = it.end;
    return FWUP_OK;
}

enum fwup_err
fwup_vcbor_get_int(struct fwup_vcbor *r, int64_t *v)
{
#if FWUP_V_CBOR_FAST
    int b = small(r);

    if (b >= 0 && b < 0x40) { /* major 0 or 1, one-byte head */
        *v = b < 0x20 ? (int64_t)b : -1 - (int64_t)(b & 0x1f);
        r->pos++;
        return FWUP_OK;
    }
#endif
    return get_int_slow(r, v);
}

static SLOW enum fwup_err
get_bstr_slow(struct fwup_vcbor *r, struct fwup_bytes *v)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_v_get(r, FWUP_CBOR_BSTR, &it);

    if (e == FWUP_OK) {
        v->ptr = r->buf + it.data_off;
        v->len = (size_t)it.val;
    }
    return e;
}

enum fwup_err
fwup_vcbor_get_bstr(struct fwup_vcbor *r, struct fwup_bytes *v)
{
#if FWUP_V_CBOR_FAST
    int b = small(r);

    if (b >= 0 && (unsigned)b >> 5 == FWUP_CBOR_BSTR && (size_t)(b & 0x1f) <= LEFT(r)) {
        v->ptr = r->buf + r->pos + 1;
        v->len = (size_t)b & 0x1f;
        r->pos += 1 + v->len;
        return FWUP_OK;
    }
#endif
    return get_bstr_slow(r, v);
}

enum fwup_err
fwup_vcbor_get_tstr(struct fwup_vcbor *r, struct fwup_bytes *v)
{
    struct fwup_vcbor_item it;
    size_t at = r->pos;
    enum fwup_err e = fwup_v_get(r, FWUP_CBOR_TSTR, &it);

    if (e != FWUP_OK)
        return e;
    if (!fwup_vcbor_utf8_valid(r->buf + it.data_off, (size_t)it.val)) {
        /* Not consumed: the reader stays at the bad string. */
        r->pos = at;
        return fwup_vcbor_fail(r, FWUP_E_CBOR_UTF8, it.off);
    }
    v->ptr = r->buf + it.data_off;
    v->len = (size_t)it.val;
    return FWUP_OK;
}

enum fwup_err
fwup_vcbor_get_array(struct fwup_vcbor *r, uint64_t *n)
{
    return get_val(r, FWUP_CBOR_ARRAY, n);
}

enum fwup_err
fwup_vcbor_get_map(struct fwup_vcbor *r, uint64_t *n)
{
    return get_val(r, FWUP_CBOR_MAP, n);
}

enum fwup_err
fwup_vcbor_get_tag(struct fwup_vcbor *r, uint64_t *tag)
{
    return get_val(r, FWUP_CBOR_TAG, tag);
}

enum fwup_err
fwup_vcbor_get_bool(struct fwup_vcbor *r, bool *v)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_vcbor_peek(r, &it);

    if (e != FWUP_OK)
        return e;
    if (it.major != FWUP_CBOR_SIMPLE || it.ai >= 24 ||
        (it.val != FWUP_CBOR_TRUE && it.val != FWUP_CBOR_FALSE))
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it.off);
    *v = (it.val == FWUP_CBOR_TRUE);
    r->pos = it.end;
    return FWUP_OK;
}

enum fwup_err
fwup_vcbor_get_null(struct fwup_vcbor *r)
{
    struct fwup_vcbor_item it;
    enum fwup_err e = fwup_vcbor_peek(r, &it);

    if (e != FWUP_OK)
        return e;
    if (it.major != FWUP_CBOR_SIMPLE || it.ai >= 24 || it.val != FWUP_CBOR_NULL)
        return fwup_vcbor_fail(r, FWUP_E_CBOR_TYPE, it.off);
    r->pos = it.end;
    return FWUP_OK;
}

bool
fwup_vcbor_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i++];
        unsigned need, k;
        uint32_t cp;

        if (c < 0x80)
            continue;
        /* 0x80..0xbf cannot start a sequence; 0xf8.. are not UTF-8. */
        if (c < 0xc0 || c >= 0xf8)
            return false;
        need = c >= 0xf0 ? 3u : c >= 0xe0 ? 2u : 1u; /* continuation bytes */
        cp = c & (0x3fu >> need);
        if (need > n - i)
            return false;
        for (k = 0; k < need; k++) {
            uint8_t cc = s[i++];
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        /* Overlong forms (below 0x80, 0x800, 0x10000 for 1, 2, 3
         * continuation bytes), UTF-16 surrogates and values past U+10FFFF
         * are not UTF-8. */
        if (cp < ((uint32_t)1 << (need == 3 ? 16 : 4 * need + 3)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
    }
    return true;
}
