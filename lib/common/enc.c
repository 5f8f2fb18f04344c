/*
 * Host CBOR encoder. Heads come from libcbor's low-level encoders, which
 * always pick the shortest form (RFC 8949 §4.2.1 "preferred serialization");
 * libcbor's item API is not used because items keep the width they were
 * built with and maps keep insertion order (ENVIRONMENT.md §9).
 *
 * Invariant: len <= cap <= max. Growth checks `n > max - len` before adding.
 */
#include "fwup/enc.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

void
fwup_enc_init(struct fwup_enc *e, size_t max)
{
    memset(e, 0, sizeof *e);
    e->max = (max == 0) ? FWUP_ENC_DEFAULT_MAX : max;
}

void
fwup_enc_release(struct fwup_enc *e)
{
    if (e == NULL)
        return;
    free(e->buf);
    e->buf = NULL;
    e->len = e->cap = 0;
}

/* Make room for n more bytes; returns a pointer to them or NULL (sticky error). */
static uint8_t *
reserve(struct fwup_enc *e, size_t n)
{
    if (e->err != FWUP_OK)
        return NULL;
    if (n > e->max - e->len) {
        e->err = FWUP_E_LIMIT_BUFFER;
        return NULL;
    }
    if (n > e->cap - e->len) {
        size_t want = e->len + n;
        size_t ncap = (e->cap < 256) ? 256 : e->cap;
        uint8_t *nb;

        while (ncap < want)
            ncap = (ncap > e->max / 2) ? e->max : ncap * 2;
        nb = realloc(e->buf, ncap);
        if (nb == NULL) {
            e->err = FWUP_E_NO_MEMORY;
            return NULL;
        }
        e->buf = nb;
        e->cap = ncap;
    }
    return e->buf + e->len;
}

/* Append a head produced by one of libcbor's encoders (at most 9 bytes). */
static void
put_head(struct fwup_enc *e, size_t (*fn)(uint64_t, unsigned char *, size_t), uint64_t v)
{
    uint8_t *p = reserve(e, 9);
    size_t n;

    if (p == NULL)
        return;
    n = fn(v, p, 9);
    if (n == 0)
        e->err = FWUP_E_INTERNAL;
    e->len += n;
}

/* libcbor's string/array/map starters take size_t; adapt them to uint64_t. */
static size_t
bstr_start(uint64_t v, unsigned char *p, size_t cap)
{
    return cbor_encode_bytestring_start((size_t)v, p, cap);
}
static size_t
tstr_start(uint64_t v, unsigned char *p, size_t cap)
{
    return cbor_encode_string_start((size_t)v, p, cap);
}
static size_t
array_start(uint64_t v, unsigned char *p, size_t cap)
{
    return cbor_encode_array_start((size_t)v, p, cap);
}
static size_t
map_start(uint64_t v, unsigned char *p, size_t cap)
{
    return cbor_encode_map_start((size_t)v, p, cap);
}

void
fwup_enc_uint(struct fwup_enc *e, uint64_t v)
{
    put_head(e, cbor_encode_uint, v);
}

void
fwup_enc_int(struct fwup_enc *e, int64_t v)
{
    if (v >= 0)
        put_head(e, cbor_encode_uint, (uint64_t)v);
    else
        put_head(e, cbor_encode_negint, (uint64_t)(-(v + 1))); /* -1 - n, no overflow at INT64_MIN */
}

void
fwup_enc_raw(struct fwup_enc *e, const uint8_t *p, size_t n)
{
    uint8_t *d = reserve(e, n);

    if (d == NULL)
        return;
    if (n > 0)
        memcpy(d, p, n);
    e->len += n;
}

void
fwup_enc_bstr_head(struct fwup_enc *e, uint64_t n)
{
    put_head(e, bstr_start, n);
}

void
fwup_enc_bstr(struct fwup_enc *e, const uint8_t *p, size_t n)
{
    put_head(e, bstr_start, n);
    fwup_enc_raw(e, p, n);
}

void
fwup_enc_tstr(struct fwup_enc *e, const char *p, size_t n)
{
    put_head(e, tstr_start, n);
    fwup_enc_raw(e, (const uint8_t *)p, n);
}

void
fwup_enc_tstr_z(struct fwup_enc *e, const char *s)
{
    fwup_enc_tstr(e, s, strlen(s));
}

void
fwup_enc_array(struct fwup_enc *e, uint64_t n)
{
    put_head(e, array_start, n);
}

void
fwup_enc_map(struct fwup_enc *e, uint64_t n)
{
    put_head(e, map_start, n);
}

void
fwup_enc_tag(struct fwup_enc *e, uint64_t tag)
{
    put_head(e, cbor_encode_tag, tag);
}

void
fwup_enc_bool(struct fwup_enc *e, bool v)
{
    uint8_t *p = reserve(e, 1);

    if (p != NULL)
        e->len += cbor_encode_bool(v, p, 1);
}

void
fwup_enc_null(struct fwup_enc *e)
{
    uint8_t *p = reserve(e, 1);

    if (p != NULL)
        e->len += cbor_encode_null(p, 1);
}

enum fwup_err
fwup_enc_error(const struct fwup_enc *e)
{
    return e->err;
}

struct fwup_bytes
fwup_enc_bytes(const struct fwup_enc *e)
{
    struct fwup_bytes b = {e->buf, e->len};
    return b;
}

enum fwup_err
fwup_enc_take(struct fwup_enc *e, uint8_t **out, size_t *len)
{
    if (e->err != FWUP_OK) {
        fwup_enc_release(e);
        return e->err;
    }
    *out = e->buf;
    *len = e->len;
    e->buf = NULL;
    e->len = e->cap = 0;
    return FWUP_OK;
}

/* ---- map sorting ------------------------------------------------------- */

/* Length of the one well-formed item at p[0..n) (our own output, so trusted
 * to be well formed; still bounds-checked). Returns 0 on malformed input. */
static size_t
item_len(const uint8_t *p, size_t n)
{
    size_t pos = 0;
    uint64_t pending = 1;

    while (pending > 0) {
        uint8_t ib, ai, major;
        uint64_t val = 0;
        size_t extra;

        if (pos >= n)
            return 0;
        ib = p[pos];
        major = (uint8_t)(ib >> 5);
        ai = (uint8_t)(ib & 0x1f);
        if (ai < 24)
            extra = 0, val = ai;
        else if (ai <= 27)
            extra = (size_t)1 << (ai - 24);
        else
            return 0;
        if (extra > n - pos - 1)
            return 0;
        for (size_t i = 0; i < extra; i++)
            val = (val << 8) | p[pos + 1 + i];
        pos += 1 + extra;
        pending--;
        if (major == 2 || major == 3) {
            if (val > n - pos)
                return 0;
            pos += (size_t)val;
        } else if (major == 4) {
            pending += val;
        } else if (major == 5) {
            pending += 2 * val;
        } else if (major == 6) {
            pending += 1;
        }
        if (pending > n)
            return 0;
    }
    return pos;
}

struct kv {
    size_t off;
    size_t klen;
    size_t len; /* key + value */
};

static int
kv_cmp(const uint8_t *base, const struct kv *a, const struct kv *b)
{
    size_t m = (a->klen < b->klen) ? a->klen : b->klen;
    int c = memcmp(base + a->off, base + b->off, m);

    if (c != 0)
        return c;
    /* Bytewise lexicographic: a shorter key that is a prefix sorts first. */
    return (a->klen > b->klen) - (a->klen < b->klen);
}

enum fwup_err
fwup_enc_sort_map(struct fwup_enc *e, size_t start, size_t n)
{
    struct kv *kvs = NULL;
    uint8_t *tmp = NULL;
    size_t pos = start, total;
    enum fwup_err rc = FWUP_E_INTERNAL;

    if (e->err != FWUP_OK)
        return e->err;
    if (start > e->len)
        return FWUP_E_INVALID_ARG;
    if (n < 2)
        return FWUP_OK;
    total = e->len - start;
    kvs = calloc(n, sizeof *kvs);
    tmp = malloc(total);
    if (kvs == NULL || tmp == NULL) {
        rc = FWUP_E_NO_MEMORY;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t kl = item_len(e->buf + pos, e->len - pos), vl;
        if (kl == 0)
            goto out;
        vl = item_len(e->buf + pos + kl, e->len - pos - kl);
        if (vl == 0)
            goto out;
        kvs[i].off = pos;
        kvs[i].klen = kl;
        kvs[i].len = kl + vl;
        pos += kl + vl;
    }
    if (pos != e->len)
        goto out;
    /* Insertion sort: maps in SUIT have a handful of keys. */
    for (size_t i = 1; i < n; i++) {
        struct kv k = kvs[i];
        size_t j = i;
        while (j > 0 && kv_cmp(e->buf, &kvs[j - 1], &k) > 0) {
            kvs[j] = kvs[j - 1];
            j--;
        }
        kvs[j] = k;
    }
    for (size_t i = 1; i < n; i++) {
        if (kv_cmp(e->buf, &kvs[i - 1], &kvs[i]) == 0) {
            rc = FWUP_E_CBOR_DUPLICATE_KEY;
            goto out;
        }
    }
    pos = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(tmp + pos, e->buf + kvs[i].off, kvs[i].len);
        pos += kvs[i].len;
    }
    memcpy(e->buf + start, tmp, total);
    rc = FWUP_OK;
out:
    free(kvs);
    free(tmp);
    if (rc != FWUP_OK && e->err == FWUP_OK)
        e->err = rc;
    return rc;
}
