/*
 * Fuzz target: the verifier's CBOR pull reader (lib/verifier/cbor.c,
 * fwup/vcbor.h) over arbitrary bytes.
 *
 * Besides "no crash, no out-of-bounds read" (ASan), it checks the reader
 * against an independent reference written from the contract in vcbor.h:
 *
 *  1. walk:  peek + next over the input, head by head. Each head must match
 *            the reference decoder (major, ai, value, where the content
 *            starts and ends); peek must not consume; next must consume
 *            exactly [off, end); errors are the documented ones, at the
 *            head's offset, and sticky (a later call returns the same error
 *            and reads nothing).
 *  2. skip:  fwup_vcbor_skip() item after item must agree with a reference
 *            walk using the same depth limit: same error and offset, or the
 *            same span.
 *  3. typed: the typed getters (get_uint/int/bstr/tstr/array/map/tag/bool/
 *            null) mixed with skip, mostly the getter that matches the next
 *            head and every fifth step a deliberately wrong one; each result
 *            and value must be what the reference predicts, including
 *            CBOR_RANGE for integers beyond int64 and CBOR_UTF8 for bad text.
 *
 * Every loop consumes at least one byte per step, so each pass is bounded by
 * the input length.
 */
#include <string.h>

#include "fuzz.h"
#include "fwup/vcbor.h"

/* ---- reference decoder, from the rules stated in vcbor.h ---------------- */

struct ref_head {
    enum fwup_err err;
    uint8_t major, ai;
    uint64_t val;
    size_t hlen; /* bytes of the head */
    size_t end;  /* after the head, and after the content for strings */
};

static struct ref_head
ref_decode(const uint8_t *d, size_t n, size_t pos)
{
    struct ref_head h;
    size_t rem;

    memset(&h, 0, sizeof h);
    if (pos >= n) {
        h.err = FWUP_E_CBOR_TRUNCATED;
        return h;
    }
    h.major = d[pos] >> 5;
    h.ai = d[pos] & 31;
    rem = n - pos - 1;
    if (h.ai >= 28 && h.ai <= 30) {
        h.err = FWUP_E_CBOR_MALFORMED;
        return h;
    }
    if (h.ai == 31) {
        h.err = h.major == 7 ? FWUP_E_CBOR_MALFORMED : FWUP_E_CBOR_INDEFINITE;
        return h;
    }
    if (h.ai < 24) {
        h.val = h.ai;
        h.hlen = 1;
    } else {
        size_t k = h.ai == 24 ? 1 : h.ai == 25 ? 2 : h.ai == 26 ? 4 : 8;
        if (rem < k) {
            h.err = FWUP_E_CBOR_TRUNCATED;
            return h;
        }
        for (size_t i = 0; i < k; i++)
            h.val = h.val * 256 + d[pos + 1 + i];
        h.hlen = 1 + k;
        rem -= k;
    }
    if (h.major == 7 && h.ai == 24 && h.val < 32) {
        h.err = FWUP_E_CBOR_MALFORMED;
        return h;
    }
    h.end = pos + h.hlen;
    switch (h.major) {
    case 2:
    case 3:
        if (h.val > rem)
            h.err = FWUP_E_CBOR_TRUNCATED;
        else
            h.end += (size_t)h.val;
        break;
    case 4:
        if (h.val > rem) /* each element needs at least one byte */
            h.err = FWUP_E_CBOR_TRUNCATED;
        break;
    case 5:
        if (h.val > rem / 2) /* each pair needs at least two */
            h.err = FWUP_E_CBOR_TRUNCATED;
        break;
    case 6:
        if (rem == 0) /* a tag must be followed by its item */
            h.err = FWUP_E_CBOR_TRUNCATED;
        break;
    default:
        break;
    }
    return h;
}

/* Skip one item from pos; returns the error (and *at) or FWUP_OK and *end. */
static enum fwup_err
ref_skip(const uint8_t *d, size_t n, size_t pos, size_t *end, size_t *at)
{
    uint64_t pending[FWUP_V_MAX_CBOR_DEPTH];
    size_t depth = 0;

    pending[0] = 1;
    for (;;) {
        struct ref_head h;
        uint64_t kids;

        while (pending[depth] == 0) {
            if (depth == 0) {
                *end = pos;
                return FWUP_OK;
            }
            depth--;
        }
        h = ref_decode(d, n, pos);
        if (h.err != FWUP_OK) {
            *at = pos;
            return h.err;
        }
        pending[depth]--;
        kids = h.major == 4 ? h.val : h.major == 5 ? 2 * h.val : h.major == 6 ? 1 : 0;
        if (kids > 0) {
            /* Children of an item at level `depth` sit at depth + 1, which
             * must stay below the limit (vcbor.h: deeper is LIMIT_DEPTH). */
            if (depth + 1 >= FWUP_V_MAX_CBOR_DEPTH) {
                *at = pos;
                return FWUP_E_LIMIT_DEPTH;
            }
            pending[++depth] = kids;
        }
        pos = h.end;
    }
}

/* RFC 3629 UTF-8, written as a table of allowed byte ranges (RFC 3629 §4),
 * deliberately unlike the verifier's decode-and-compare. */
static int
ref_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t k;

        if (c <= 0x7f) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c == 0xe0)
            k = 2, lo = 0xa0;
        else if (c >= 0xe1 && c <= 0xec)
            k = 2;
        else if (c == 0xed)
            k = 2, hi = 0x9f;
        else if (c >= 0xee && c <= 0xef)
            k = 2;
        else if (c == 0xf0)
            k = 3, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3)
            k = 3;
        else if (c == 0xf4)
            k = 3, hi = 0x8f;
        else
            return 0;
        if (n - i - 1 < k)
            return 0;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xbf)
                return 0;
        i += k + 1;
    }
    return 1;
}

/* ---- checks ------------------------------------------------------------- */

/*
 * After an error e at offset `at`, the reader must stay stuck: every call
 * returns e and reads nothing more. (Where it stopped is not promised: a
 * skip() that fails deep inside an item has consumed the heads before it.)
 */
static void
check_sticky(struct fwup_vcbor *r, enum fwup_err e, size_t at)
{
    struct fwup_vcbor_item it;
    struct fwup_bytes b;
    uint64_t u;
    size_t off, pos = fwup_vcbor_offset(r);

    FUZZ_CHECK(fwup_vcbor_error(r, &off) == e);
    FUZZ_CHECK(off == at);
    FUZZ_CHECK(!fwup_vcbor_at_end(r));
    FUZZ_CHECK(fwup_vcbor_next(r, &it) == e);
    FUZZ_CHECK(fwup_vcbor_peek(r, &it) == e);
    FUZZ_CHECK(fwup_vcbor_skip(r, &b) == e);
    FUZZ_CHECK(fwup_vcbor_get_uint(r, &u) == e);
    FUZZ_CHECK(fwup_vcbor_offset(r) == pos);
    /* A later failure does not replace the first one. */
    FUZZ_CHECK(fwup_vcbor_fail(r, FWUP_E_INTERNAL, 0) == e);
    FUZZ_CHECK(fwup_vcbor_error(r, &off) == e && off == at);
}

static void
check_item(const struct fwup_vcbor_item *it, const struct ref_head *h, size_t pos)
{
    FUZZ_CHECK(it->off == pos);
    FUZZ_CHECK(it->major == h->major);
    FUZZ_CHECK(it->ai == h->ai);
    FUZZ_CHECK(it->val == h->val);
    FUZZ_CHECK(it->data_off == pos + h->hlen);
    FUZZ_CHECK(it->end == h->end);
}

static void
pass_walk(const uint8_t *d, size_t n)
{
    struct fwup_vcbor r;

    fwup_vcbor_init(&r, d, n);
    FUZZ_CHECK(fwup_vcbor_at_end(&r) == (n == 0));
    for (size_t steps = 0; steps <= n; steps++) {
        size_t pos = fwup_vcbor_offset(&r);
        struct ref_head h = ref_decode(d, n, pos);
        struct fwup_vcbor_item a, b;
        enum fwup_err e;

        if (pos == n) {
            FUZZ_CHECK(fwup_vcbor_at_end(&r));
            return;
        }
        e = fwup_vcbor_peek(&r, &a);
        FUZZ_CHECK(e == h.err);
        if (e != FWUP_OK) {
            FUZZ_CHECK(fwup_vcbor_offset(&r) == pos); /* a bad head is not consumed */
            check_sticky(&r, e, pos);
            return;
        }
        check_item(&a, &h, pos);
        FUZZ_CHECK(fwup_vcbor_offset(&r) == pos); /* peek does not consume */
        FUZZ_CHECK(fwup_vcbor_next(&r, &b) == FWUP_OK);
        check_item(&b, &h, pos);
        FUZZ_CHECK(fwup_vcbor_offset(&r) == h.end);
        FUZZ_CHECK(h.end > pos && h.end <= n);
    }
    FUZZ_FAIL("walk did not terminate");
}

static void
pass_skip(const uint8_t *d, size_t n)
{
    struct fwup_vcbor r;

    fwup_vcbor_init(&r, d, n);
    for (size_t steps = 0; steps <= n; steps++) {
        size_t pos = fwup_vcbor_offset(&r), want_end = 0, want_at = 0;
        enum fwup_err want, e;
        struct fwup_bytes span = {NULL, 0};

        if (pos == n)
            return;
        want = ref_skip(d, n, pos, &want_end, &want_at);
        e = fwup_vcbor_skip(&r, &span);
        FUZZ_CHECK(e == want);
        if (e != FWUP_OK) {
            check_sticky(&r, e, want_at);
            return;
        }
        FUZZ_CHECK(span.ptr == d + pos);
        FUZZ_CHECK(span.len == want_end - pos && span.len > 0);
        FUZZ_CHECK(fwup_vcbor_offset(&r) == want_end);
    }
    FUZZ_FAIL("skip did not terminate");
}

enum op { OP_UINT, OP_INT, OP_BSTR, OP_TSTR, OP_ARRAY, OP_MAP, OP_TAG, OP_BOOL, OP_NULL, OP_SKIP,
          OP_COUNT };

static enum op
matching_op(const struct ref_head *h, size_t step)
{
    if (step % 3 == 2)
        return OP_SKIP; /* skip from positions inside containers too */
    switch (h->major) {
    case 0:
        return (step & 1) ? OP_INT : OP_UINT;
    case 1:
        return OP_INT;
    case 2:
        return OP_BSTR;
    case 3:
        return OP_TSTR;
    case 4:
        return OP_ARRAY;
    case 5:
        return OP_MAP;
    case 6:
        return OP_TAG;
    default:
        if (h->ai < 24 && (h->val == 20 || h->val == 21))
            return OP_BOOL;
        if (h->ai < 24 && h->val == 22)
            return OP_NULL;
        return OP_SKIP;
    }
}

static void
pass_typed(const uint8_t *d, size_t n)
{
    struct fwup_vcbor r;

    fwup_vcbor_init(&r, d, n);
    for (size_t step = 0; step <= n; step++) {
        size_t pos = fwup_vcbor_offset(&r);
        struct ref_head h = ref_decode(d, n, pos);
        enum op op = matching_op(&h, step);
        enum fwup_err want = h.err, e = FWUP_OK;
        size_t want_end = h.end, at = pos;
        uint64_t u = 0, want_u = h.val;
        int64_t i = 0;
        bool bv = false;
        struct fwup_bytes b = {NULL, 0};

        if (pos == n)
            return;
        if ((step + n) % 5 == 4)
            op = (enum op)((op + 1 + step % (OP_COUNT - 1)) % OP_COUNT); /* a wrong one */

        switch (op) {
        case OP_UINT:
            e = fwup_vcbor_get_uint(&r, &u);
            if (want == FWUP_OK && h.major != 0)
                want = FWUP_E_CBOR_TYPE;
            break;
        case OP_INT:
            e = fwup_vcbor_get_int(&r, &i);
            if (want == FWUP_OK && h.major != 0 && h.major != 1)
                want = FWUP_E_CBOR_TYPE;
            else if (want == FWUP_OK && h.val > (uint64_t)INT64_MAX)
                want = FWUP_E_CBOR_RANGE;
            if (e == FWUP_OK)
                FUZZ_CHECK(h.major == 0 ? (uint64_t)i == h.val : (uint64_t)(-1 - i) == h.val);
            break;
        case OP_BSTR:
        case OP_TSTR:
            e = op == OP_BSTR ? fwup_vcbor_get_bstr(&r, &b) : fwup_vcbor_get_tstr(&r, &b);
            if (want == FWUP_OK && h.major != (op == OP_BSTR ? 2 : 3))
                want = FWUP_E_CBOR_TYPE;
            else if (want == FWUP_OK && op == OP_TSTR && !ref_utf8(d + pos + h.hlen, (size_t)h.val))
                want = FWUP_E_CBOR_UTF8;
            if (e == FWUP_OK)
                FUZZ_CHECK(b.ptr == d + pos + h.hlen && b.len == h.val);
            break;
        case OP_ARRAY:
        case OP_MAP:
        case OP_TAG:
            e = op == OP_ARRAY ? fwup_vcbor_get_array(&r, &u)
                : op == OP_MAP ? fwup_vcbor_get_map(&r, &u)
                               : fwup_vcbor_get_tag(&r, &u);
            if (want == FWUP_OK && h.major != (op == OP_ARRAY ? 4 : op == OP_MAP ? 5 : 6))
                want = FWUP_E_CBOR_TYPE;
            break;
        case OP_BOOL:
            e = fwup_vcbor_get_bool(&r, &bv);
            if (want == FWUP_OK && !(h.major == 7 && h.ai < 24 && (h.val == 20 || h.val == 21)))
                want = FWUP_E_CBOR_TYPE;
            if (e == FWUP_OK)
                FUZZ_CHECK(bv == (h.val == 21));
            break;
        case OP_NULL:
            e = fwup_vcbor_get_null(&r);
            if (want == FWUP_OK && !(h.major == 7 && h.ai < 24 && h.val == 22))
                want = FWUP_E_CBOR_TYPE;
            break;
        default:
            want = ref_skip(d, n, pos, &want_end, &at);
            e = fwup_vcbor_skip(&r, &b);
            if (e == FWUP_OK)
                FUZZ_CHECK(b.ptr == d + pos && b.len == want_end - pos);
            break;
        }
        FUZZ_CHECK(e == want);
        if (e != FWUP_OK) {
            /* Only a failed skip may have consumed anything. */
            if (op != OP_SKIP)
                FUZZ_CHECK(fwup_vcbor_offset(&r) == pos);
            check_sticky(&r, e, at);
            return;
        }
        if (op == OP_UINT || op == OP_ARRAY || op == OP_MAP || op == OP_TAG)
            FUZZ_CHECK(u == want_u);
        FUZZ_CHECK(fwup_vcbor_offset(&r) == want_end);
        FUZZ_CHECK(want_end > pos && want_end <= n);
    }
    FUZZ_FAIL("typed reads did not terminate");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pass_walk(data, size);
    pass_skip(data, size);
    pass_typed(data, size);
    /* The UTF-8 validator on its own, over the whole input. */
    FUZZ_CHECK(fwup_vcbor_utf8_valid(data, size) == (bool)ref_utf8(data, size));
    return 0;
}
