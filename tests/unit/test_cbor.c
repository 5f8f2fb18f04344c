/* Unit tests of the verifier's CBOR pull reader (lib/verifier/cbor.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "common.h"
#include "fwup/vcbor.h"

TestSuite(cbor, .fini = fwup_test_leak_check);

#define READER(name, ...)                                                                          \
    static const uint8_t name##_buf[] = {__VA_ARGS__};                                             \
    struct fwup_vcbor name;                                                                        \
    fwup_vcbor_init(&name, name##_buf, sizeof name##_buf)

Test(cbor, decodes_integers_of_every_width)
{
    READER(r, 0x17, 0x18, 0x18, 0x19, 0x01, 0x00, 0x1a, 0x00, 0x01, 0x00, 0x00, 0x1b, 0xff, 0xff,
           0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    uint64_t v;

    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, 23);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, 24);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, 256);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, 65536);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert(fwup_vcbor_at_end(&r));
}

Test(cbor, negative_integers_and_int64_range)
{
    /* -1, -16 (the SHA-256 id), -65534 (A128CTR), and -2^64 which has no int64 */
    READER(r, 0x20, 0x2f, 0x39, 0xff, 0xfd, 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    int64_t v;
    size_t off;

    cr_assert_eq(fwup_vcbor_get_int(&r, &v), FWUP_OK);
    cr_assert_eq(v, -1);
    cr_assert_eq(fwup_vcbor_get_int(&r, &v), FWUP_OK);
    cr_assert_eq(v, -16);
    cr_assert_eq(fwup_vcbor_get_int(&r, &v), FWUP_OK);
    cr_assert_eq(v, -65534);
    cr_assert_eq(fwup_vcbor_get_int(&r, &v), FWUP_E_CBOR_RANGE);
    cr_assert_eq(fwup_vcbor_error(&r, &off), FWUP_E_CBOR_RANGE);
    cr_assert_eq(off, 5);
}

Test(cbor, int64_min_is_accepted)
{
    READER(r, 0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    int64_t v;

    cr_assert_eq(fwup_vcbor_get_int(&r, &v), FWUP_OK);
    cr_assert_eq(v, INT64_MIN);
}

Test(cbor, byte_string_is_a_view_into_the_input)
{
    READER(r, 0x43, 0xa1, 0x01, 0x26);
    struct fwup_bytes b;

    cr_assert_eq(fwup_vcbor_get_bstr(&r, &b), FWUP_OK);
    cr_assert_eq(b.len, 3);
    cr_assert_eq(b.ptr, r_buf + 1);
}

Test(cbor, string_longer_than_input_is_truncated_not_read)
{
    /* bstr of length 2^64-1 with 1 byte of content: the length check must not wrap */
    READER(r, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00);
    struct fwup_bytes b;

    cr_assert_eq(fwup_vcbor_get_bstr(&r, &b), FWUP_E_CBOR_TRUNCATED);
}

Test(cbor, truncated_head_is_reported_at_its_offset)
{
    READER(r, 0x01, 0x19, 0x01);
    uint64_t v;
    size_t off;

    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_E_CBOR_TRUNCATED);
    cr_assert_eq(fwup_vcbor_error(&r, &off), FWUP_E_CBOR_TRUNCATED);
    cr_assert_eq(off, 1);
}

Test(cbor, errors_are_sticky)
{
    READER(r, 0x1c, 0x01);
    uint64_t v;

    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_E_CBOR_MALFORMED);
    /* The next, well-formed item is not read: the first error stays. */
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_E_CBOR_MALFORMED);
    cr_assert_eq(fwup_vcbor_offset(&r), 0);
}

Test(cbor, rejects_indefinite_lengths)
{
    READER(a, 0x9f, 0x01, 0xff);
    READER(b, 0x5f, 0x41, 0x00, 0xff);
    READER(m, 0xbf, 0x01, 0x02, 0xff);
    uint64_t n;
    struct fwup_bytes s;

    cr_assert_eq(fwup_vcbor_get_array(&a, &n), FWUP_E_CBOR_INDEFINITE);
    cr_assert_eq(fwup_vcbor_get_bstr(&b, &s), FWUP_E_CBOR_INDEFINITE);
    cr_assert_eq(fwup_vcbor_get_map(&m, &n), FWUP_E_CBOR_INDEFINITE);
}

Test(cbor, rejects_stray_break_and_reserved_ai)
{
    READER(brk, 0xff);
    READER(res, 0x1d);
    READER(simple, 0xf8, 0x10); /* two-byte simple value below 32 */
    struct fwup_vcbor_item it;

    cr_assert_eq(fwup_vcbor_next(&brk, &it), FWUP_E_CBOR_MALFORMED);
    cr_assert_eq(fwup_vcbor_next(&res, &it), FWUP_E_CBOR_MALFORMED);
    cr_assert_eq(fwup_vcbor_next(&simple, &it), FWUP_E_CBOR_MALFORMED);
}

Test(cbor, array_count_larger_than_input_is_rejected_before_any_loop)
{
    /* The 6-byte input that made libcbor allocate 20 GB (ENVIRONMENT.md §9). */
    READER(r, 0x9a, 0x9a, 0x9a, 0x9a, 0x95, 0x02);
    READER(m, 0xa2, 0x01, 0x02, 0x03); /* 2 pairs need 4 bytes, 3 left */
    uint64_t n;

    cr_assert_eq(fwup_vcbor_get_array(&r, &n), FWUP_E_CBOR_TRUNCATED);
    cr_assert_eq(fwup_vcbor_get_map(&m, &n), FWUP_E_CBOR_TRUNCATED);
}

Test(cbor, skip_walks_nested_items_and_returns_the_span)
{
    /* [1, {2: h'00'}, 6(["a"])] followed by 7 */
    READER(r, 0x83, 0x01, 0xa1, 0x02, 0x41, 0x00, 0xc6, 0x81, 0x61, 0x61, 0x07);
    struct fwup_bytes span;
    uint64_t v;

    cr_assert_eq(fwup_vcbor_skip(&r, &span), FWUP_OK);
    cr_assert_eq(span.ptr, r_buf);
    cr_assert_eq(span.len, 10);
    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_OK);
    cr_assert_eq(v, 7);
    cr_assert(fwup_vcbor_at_end(&r));
}

Test(cbor, skip_bounds_nesting_depth)
{
    uint8_t deep[64];
    struct fwup_vcbor r;
    size_t off;

    /* 63 nested one-element arrays around 0: deeper than FWUP_V_MAX_CBOR_DEPTH */
    memset(deep, 0x81, sizeof deep);
    deep[sizeof deep - 1] = 0x00;
    fwup_vcbor_init(&r, deep, sizeof deep);
    cr_assert_eq(fwup_vcbor_skip(&r, NULL), FWUP_E_LIMIT_DEPTH);
    cr_assert_eq(fwup_vcbor_error(&r, &off), FWUP_E_LIMIT_DEPTH);
    cr_assert_eq(off, FWUP_V_MAX_CBOR_DEPTH - 1);
}

Test(cbor, skip_at_exactly_the_depth_limit_succeeds)
{
    uint8_t deep[FWUP_V_MAX_CBOR_DEPTH];
    struct fwup_vcbor r;

    /* FWUP_V_MAX_CBOR_DEPTH - 1 arrays around a leaf: depth index reaches max-1 */
    memset(deep, 0x81, sizeof deep);
    deep[sizeof deep - 1] = 0x00;
    fwup_vcbor_init(&r, deep, sizeof deep);
    cr_assert_eq(fwup_vcbor_skip(&r, NULL), FWUP_OK);
    cr_assert(fwup_vcbor_at_end(&r));
}

Test(cbor, skip_of_truncated_container_fails)
{
    READER(r, 0x82, 0x01);
    cr_assert_eq(fwup_vcbor_skip(&r, NULL), FWUP_E_CBOR_TRUNCATED);
}

Test(cbor, type_mismatch_does_not_consume)
{
    READER(r, 0x41, 0x00);
    uint64_t v;
    size_t off;

    cr_assert_eq(fwup_vcbor_get_uint(&r, &v), FWUP_E_CBOR_TYPE);
    cr_assert_eq(fwup_vcbor_error(&r, &off), FWUP_E_CBOR_TYPE);
    cr_assert_eq(off, 0);
}

Test(cbor, tstr_must_be_utf8)
{
    READER(ok, 0x63, 0xe2, 0x82, 0xac);      /* U+20AC */
    READER(overlong, 0x62, 0xc0, 0xaf);      /* overlong '/' */
    READER(surrogate, 0x63, 0xed, 0xa0, 0x80); /* U+D800 */
    READER(cut, 0x62, 0xe2, 0x82);           /* sequence cut short */
    struct fwup_bytes s;

    cr_assert_eq(fwup_vcbor_get_tstr(&ok, &s), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_tstr(&overlong, &s), FWUP_E_CBOR_UTF8);
    cr_assert_eq(fwup_vcbor_get_tstr(&surrogate, &s), FWUP_E_CBOR_UTF8);
    cr_assert_eq(fwup_vcbor_get_tstr(&cut, &s), FWUP_E_CBOR_UTF8);
}

Test(cbor, bool_null_and_tags)
{
    READER(r, 0xf5, 0xf4, 0xf6, 0xd8, 0x6b, 0xa0);
    bool b;
    uint64_t tag, n;

    cr_assert_eq(fwup_vcbor_get_bool(&r, &b), FWUP_OK);
    cr_assert(b);
    cr_assert_eq(fwup_vcbor_get_bool(&r, &b), FWUP_OK);
    cr_assert_not(b);
    cr_assert_eq(fwup_vcbor_get_null(&r), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_tag(&r, &tag), FWUP_OK);
    cr_assert_eq(tag, 107);
    cr_assert_eq(fwup_vcbor_get_map(&r, &n), FWUP_OK);
    cr_assert_eq(n, 0);
}

Test(cbor, tag_without_content_is_truncated)
{
    READER(r, 0xd8, 0x6b);
    uint64_t tag;

    cr_assert_eq(fwup_vcbor_get_tag(&r, &tag), FWUP_E_CBOR_TRUNCATED);
}

Test(cbor, every_truncation_of_a_nested_item_fails_cleanly)
{
    static const uint8_t full[] = {0xd8, 0x6b, 0xa2, 0x02, 0x45, 0x81, 0x82, 0x2f,
                                   0x41, 0x00, 0x03, 0x43, 0xa1, 0x01, 0x01};
    for (size_t n = 0; n < sizeof full; n++) {
        struct fwup_vcbor r;
        /* a heap copy of exactly n bytes, so ASan flags any read past it */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, full, n);
        fwup_vcbor_init(&r, cut, n);
        cr_assert_neq(fwup_vcbor_skip(&r, NULL), FWUP_OK, "prefix of %zu bytes accepted", n);
        free(cut);
    }
}
