/*
 * lib/author: descriptions -> envelopes. The key acceptance test is that the
 * high-level descriptions of draft-37 examples 0-5 (tests/vectors/draft37/
 * exampleN.json, no hand-written command sequences) reproduce the published
 * unsigned envelopes byte for byte.
 */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "fwup/author.h"
#include "fwup/vcbor.h"

TestSuite(author, .fini = fwup_test_leak_check);

#define V37 FWUP_TEST_VECTORS "/draft37/"

static struct fwup_author_model *
parse_text(const char *json, const char *base, struct fwup_diag *d, enum fwup_err *rc)
{
    struct fwup_author_opts o = {.base_dir = base, .now = 1700000000};
    struct fwup_author_model *m = NULL;

    fwup_diag_init(d);
    *rc = fwup_author_parse(json, strlen(json), &o, &m, d);
    return m;
}

static uint8_t *
build_file(const char *path, bool sever, size_t *len)
{
    size_t jl;
    char *json = (char *)fwup_test_slurp(path, &jl);
    struct fwup_author_opts o = {.base_dir = FWUP_TEST_VECTORS "/draft37", .now = 1};
    struct fwup_author_model *m = NULL;
    struct fwup_diag d;
    uint8_t *out = NULL;
    enum fwup_err rc;

    fwup_diag_init(&d);
    rc = fwup_author_parse(json, jl, &o, &m, &d);
    cr_assert_eq(rc, FWUP_OK, "%s: %s at %s (%d:%d)", path, d.detail, d.path, d.line, d.column);
    rc = fwup_author_encode(m, sever, &out, len, &d);
    cr_assert_eq(rc, FWUP_OK, "%s: %s", path, d.detail);
    fwup_author_free(m);
    free(json);
    return out;
}

static void
assert_same_file(const uint8_t *got, size_t glen, const char *want_path)
{
    size_t wl;
    uint8_t *want = fwup_test_slurp(want_path, &wl);

    cr_assert_eq(glen, wl, "%s: length %zu, want %zu", want_path, glen, wl);
    for (size_t i = 0; i < wl; i++)
        cr_assert_eq(got[i], want[i], "%s: first difference at byte %zu", want_path, i);
    free(want);
}

Test(author, uuid5_matches_the_draft_vendor_and_class)
{
    uint8_t v[16], c[16], want_v[16], want_c[16];

    cr_assert(fwup_uuid_parse("fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe", want_v));
    cr_assert(fwup_uuid_parse("1492AF14-2569-5e48-bf42-9b2d51f2ab45", want_c));
    cr_assert_eq(fwup_uuid5(FWUP_UUID_NS_DNS, (const uint8_t *)"arm.com", 7, v), FWUP_OK);
    cr_assert_eq(memcmp(v, want_v, 16), 0);
    cr_assert_eq(fwup_uuid5(v, (const uint8_t *)"suit", 4, c), FWUP_OK);
    cr_assert_eq(memcmp(c, want_c, 16), 0);
}

Test(author, uuid_parse_rejects_malformed)
{
    uint8_t u[16];

    cr_assert_not(fwup_uuid_parse("fa6b4a53d5ad5fdfbe9de663e4d41ffe", u));
    cr_assert_not(fwup_uuid_parse("fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffg", u));
    cr_assert_not(fwup_uuid_parse("fa6b4a5-3d5ad-5fdf-be9d-e663e4d41ffe", u));
    cr_assert_not(fwup_uuid_parse("", u));
}

/* Examples 0, 1, 3, 4, 5: the whole unsigned envelope. */
Test(author, examples_reproduce_unsigned_envelopes_byte_for_byte)
{
    static const int ex[] = {0, 1, 3, 4, 5};

    for (size_t i = 0; i < sizeof ex / sizeof ex[0]; i++) {
        char in[512], want[512];
        size_t len;
        uint8_t *out;
        snprintf(in, sizeof in, V37 "example%d.json", ex[i]);
        snprintf(want, sizeof want, V37 "example%d-unsigned.suit", ex[i]);
        out = build_file(in, false, &len);
        assert_same_file(out, len, want);
        free(out);
    }
}

/* Find envelope member `key` (uint) in an envelope; returns its whole encoded
 * value (bstr head included). */
static struct fwup_bytes
member(const uint8_t *env, size_t len, uint64_t key)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item it;
    struct fwup_bytes span = {NULL, 0};
    uint64_t tag, n;

    fwup_vcbor_init(&r, env, len);
    cr_assert_eq(fwup_vcbor_get_tag(&r, &tag), FWUP_OK);
    cr_assert_eq(fwup_vcbor_get_map(&r, &n), FWUP_OK);
    for (uint64_t i = 0; i < n; i++) {
        bool hit = false;
        cr_assert_eq(fwup_vcbor_peek(&r, &it), FWUP_OK);
        if (it.major == FWUP_CBOR_UINT) {
            cr_assert_eq(fwup_vcbor_next(&r, &it), FWUP_OK);
            hit = it.val == key;
        } else {
            cr_assert_eq(fwup_vcbor_skip(&r, NULL), FWUP_OK);
        }
        cr_assert_eq(fwup_vcbor_skip(&r, hit ? &span : NULL), FWUP_OK);
        if (hit)
            return span;
    }
    return span;
}

static void
assert_member_equal(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint64_t key)
{
    struct fwup_bytes x = member(a, al, key), y = member(b, bl, key);

    cr_assert_not_null(x.ptr, "member %llu missing", (unsigned long long)key);
    cr_assert_not_null(y.ptr);
    cr_assert_eq(x.len, y.len, "member %llu: %zu vs %zu bytes", (unsigned long long)key, x.len,
                 y.len);
    cr_assert_eq(memcmp(x.ptr, y.ptr, x.len), 0, "member %llu differs", (unsigned long long)key);
}

/* Example 2 is published signed, with severable install and text: compare
 * the manifest and both severable members; the severed form is published
 * unsigned and compares whole. */
Test(author, example2_matches_manifest_severable_members_and_severed_form)
{
    size_t len, wl, sl;
    uint8_t *out = build_file(V37 "example2.json", false, &len);
    uint8_t *want = fwup_test_slurp(V37 "example2.suit", &wl);
    uint8_t *sev = build_file(V37 "example2.json", true, &sl);

    assert_member_equal(out, len, want, wl, 3);
    assert_member_equal(out, len, want, wl, 20);
    assert_member_equal(out, len, want, wl, 23);
    assert_same_file(sev, sl, V37 "example2-severed-unsigned.suit");
    free(out);
    free(want);
    free(sev);
}

Test(author, manifest_digest_is_over_the_wrapped_manifest_and_in_the_wrapper)
{
    size_t jl, len;
    char *json = (char *)fwup_test_slurp(V37 "example0.json", &jl);
    struct fwup_author_opts o = {.now = 1};
    struct fwup_author_model *m = NULL;
    uint8_t dg[32], *out = NULL;
    /* FACTS.md: example 0 manifest digest 6658ea56...83c7e5af */
    static const uint8_t head[4] = {0x66, 0x58, 0xea, 0x56};

    cr_assert_eq(fwup_author_parse(json, jl, &o, &m, NULL), FWUP_OK);
    cr_assert_eq(fwup_author_manifest_digest(m, dg, NULL), FWUP_OK);
    cr_assert_eq(memcmp(dg, head, 4), 0);
    cr_assert_eq(fwup_author_encode(m, false, &out, &len, NULL), FWUP_OK);
    /* d8 6b a2 02 58 27 81 58 24 82 2f 58 20 <digest> */
    cr_assert_eq(memcmp(out + 13, dg, 32), 0);
    fwup_author_free(m);
    free(out);
    free(json);
}

Test(author, same_description_gives_same_bytes)
{
    size_t a_len, b_len;
    uint8_t *a = build_file(V37 "example4.json", false, &a_len);
    uint8_t *b = build_file(V37 "example4.json", false, &b_len);

    cr_assert_eq(a_len, b_len);
    cr_assert_eq(memcmp(a, b, a_len), 0);
    free(a);
    free(b);
}

Test(author, sever_keeps_signed_wrapper_and_manifest)
{
    size_t wl, ol, el, removed = 99;
    uint8_t *in = fwup_test_slurp(V37 "example2.suit", &wl), *out = NULL;
    uint8_t *exp = fwup_test_slurp(V37 "example2-severed.suit", &el);
    struct fwup_bytes m1, m2, a1, a2;

    cr_assert_eq(fwup_author_sever(in, wl, &out, &ol, &removed, NULL), FWUP_OK);
    cr_assert_eq(removed, 2);
    /* The published severed envelope carries the same signature. */
    cr_assert_eq(ol, el);
    cr_assert_eq(memcmp(out, exp, el), 0);
    m1 = member(in, wl, 3);
    m2 = member(out, ol, 3);
    a1 = member(in, wl, 2);
    a2 = member(out, ol, 2);
    cr_assert(m1.len == m2.len && memcmp(m1.ptr, m2.ptr, m1.len) == 0);
    cr_assert(a1.len == a2.len && memcmp(a1.ptr, a2.ptr, a1.len) == 0);
    cr_assert_null(member(out, ol, 20).ptr);
    cr_assert_null(member(out, ol, 23).ptr);
    free(out);
    out = NULL;
    /* Severing a severed envelope changes nothing. */
    cr_assert_eq(fwup_author_sever(exp, el, &out, &ol, &removed, NULL), FWUP_OK);
    cr_assert_eq(removed, 0);
    cr_assert(ol == el && memcmp(out, exp, el) == 0);
    free(out);
    free(in);
    free(exp);
}

Test(author, sever_rejects_malformed_envelopes)
{
    static const uint8_t wrong_tag[] = {0xd8, 0x6c, 0xa0};
    static const uint8_t no_manifest[] = {0xd8, 0x6b, 0xa1, 0x02, 0x40};
    static const uint8_t truncated[] = {0xd8, 0x6b, 0xa2, 0x02, 0x41};
    static const uint8_t trailing[] = {0xa2, 0x02, 0x40, 0x03, 0x40, 0x00};
    static const uint8_t manifest_not_bstr[] = {0xa2, 0x02, 0x40, 0x03, 0x01};
    static const uint8_t dup[] = {0xa3, 0x02, 0x40, 0x03, 0x40, 0x03, 0x40};
    uint8_t *out = NULL;
    size_t ol;
    struct fwup_diag d;

    fwup_diag_init(&d);
    cr_assert_eq(fwup_author_sever(wrong_tag, sizeof wrong_tag, &out, &ol, NULL, &d),
                 FWUP_E_CBOR_TAG);
    cr_assert(d.has_offset && d.offset == 0);
    cr_assert_eq(fwup_author_sever(no_manifest, sizeof no_manifest, &out, &ol, NULL, NULL),
                 FWUP_E_SUIT_MISSING);
    cr_assert_eq(fwup_author_sever(truncated, sizeof truncated, &out, &ol, NULL, NULL),
                 FWUP_E_CBOR_TRUNCATED);
    cr_assert_eq(fwup_author_sever(trailing, sizeof trailing, &out, &ol, NULL, NULL),
                 FWUP_E_CBOR_TRAILING);
    cr_assert_eq(fwup_author_sever(manifest_not_bstr, sizeof manifest_not_bstr, &out, &ol, NULL,
                                   NULL),
                 FWUP_E_CBOR_TYPE);
    cr_assert_eq(fwup_author_sever(dup, sizeof dup, &out, &ol, NULL, NULL),
                 FWUP_E_CBOR_DUPLICATE_KEY);
    cr_assert_null(out);
}

/* A scratch file of n pseudo-random bytes; returns its path (static). */
static const char *
scratch(const char *name, size_t n)
{
    static char path[256];
    FILE *f;
    uint32_t x = 12345;

    snprintf(path, sizeof path, "/tmp/fwup-author-%ld-%s", (long)getpid(), name);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 24), f);
    }
    fclose(f);
    return path;
}

Test(author, streaming_hash_equals_one_shot_hash)
{
    /* 3 chunks and a bit: exercises chunk boundaries. */
    size_t n = 3 * FWUP_AUTHOR_CHUNK + 4321, len, dlen;
    const char *p = scratch("hash.bin", n);
    uint8_t *all = fwup_test_slurp(p, &len);
    uint8_t d[64], want[64];
    unsigned int wl;
    uint64_t size;

    cr_assert_eq(fwup_author_hash_file(p, -16, d, &dlen, &size, NULL), FWUP_OK);
    cr_assert_eq(size, n);
    cr_assert_eq(dlen, 32);
    cr_assert_eq(EVP_Digest(all, len, want, &wl, EVP_sha256(), NULL), 1);
    cr_assert_eq(memcmp(d, want, 32), 0);
    cr_assert_eq(fwup_author_hash_file(p, -44, d, &dlen, &size, NULL), FWUP_OK);
    cr_assert_eq(dlen, 64);
    cr_assert_eq(fwup_author_hash_file(p, -99, d, &dlen, &size, NULL), FWUP_E_SUIT_DIGEST_ALG);
    cr_assert_eq(fwup_author_hash_file("/nonexistent/x", -16, d, &dlen, &size, NULL),
                 FWUP_E_IO_OPEN);
    unlink(p);
    free(all);
}

#define IDENT "\"identity\": {\"vendor-domain\": \"arm.com\", \"model\": \"suit\"}"

Test(author, integrated_payload_is_embedded_under_its_key)
{
    const char *p = scratch("integ.bin", 1000);
    char json[1024];
    struct fwup_diag d;
    enum fwup_err rc;
    struct fwup_author_model *m;
    uint8_t *out = NULL, *img;
    size_t len, il;
    static const uint8_t key[] = {0x63, '#', 'f', 'w', 0x59, 0x03, 0xe8}; /* "#fw": bstr(1000) */

    snprintf(json, sizeof json,
             "{\"sequence-number\": 7, " IDENT ", \"components\": [{\"id\": [\"app\"], "
             "\"image\": {\"file\": \"%s\"}, \"integrated\": \"#fw\", \"invoke\": true}]}",
             p);
    m = parse_text(json, "/", &d, &rc);
    cr_assert_eq(rc, FWUP_OK, "%s (%s)", d.detail, d.path);
    cr_assert_eq(fwup_author_encode(m, false, &out, &len, &d), FWUP_OK);
    img = fwup_test_slurp(p, &il);
    /* Text keys sort last: the payload ends the envelope. */
    cr_assert_gt(len, il + sizeof key);
    cr_assert_eq(memcmp(out + len - il - sizeof key, key, sizeof key), 0);
    cr_assert_eq(memcmp(out + len - il, img, il), 0);
    /* The manifest fetches it by the fragment URI (tstr "#fw"). */
    cr_assert_not_null(memmem(out, len - il, "\x15\x63#fw", 5));
    fwup_author_free(m);
    free(out);
    free(img);
    unlink(p);
}

Test(author, sequence_number_auto_uses_the_given_time)
{
    struct fwup_diag d;
    enum fwup_err rc;
    uint8_t *out = NULL;
    size_t len;
    struct fwup_author_model *m = parse_text(
        "{\"sequence-number\": \"auto\", " IDENT ", \"components\": [{\"id\": [{\"hex\": \"00\"}],"
        "\"image\": {\"digest\": \"" "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210"
        "\", \"size\": 1}}]}",
        NULL, &d, &rc);

    cr_assert_eq(rc, FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_author_encode(m, false, &out, &len, NULL), FWUP_OK);
    /* manifest: a5 01 01 02 1a 65 53 f1 00 (1700000000) */
    cr_assert_not_null(memmem(out, len, "\x01\x01\x02\x1a\x65\x53\xf1\x00", 8));
    fwup_author_free(m);
    free(out);
}

/* Explicit sequences and extras go through the same rule checks. */
Test(author, escape_hatch_custom_command_and_parameter)
{
    struct fwup_diag d;
    enum fwup_err rc;
    uint8_t *out = NULL;
    size_t len;
    struct fwup_author_model *m = parse_text(
        "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [\"a\"], "
        "\"image\": {\"digest\": \"00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210\","
        " \"size\": 1}, \"uri\": \"http://x/a\", \"extra\": {\"install\": ["
        "{\"override-parameters\": {\"-300\": \"x\"}}, {\"command\": -301, \"argument\": 7}]}}]}",
        NULL, &d, &rc);

    cr_assert_eq(rc, FWUP_OK, "%s (%s)", d.detail, d.path);
    cr_assert_eq(fwup_author_encode(m, false, &out, &len, NULL), FWUP_OK);
    /* 14 a1 39012b 61 78 : override {-300: "x"}; 39012c 07 : custom -301 arg 7 */
    cr_assert_not_null(memmem(out, len, "\x14\xa1\x39\x01\x2b\x61x\x39\x01\x2c\x07", 10));
    fwup_author_free(m);
    free(out);
}

struct bad {
    const char *name;
    const char *json;
    enum fwup_err code;
    const char *path;
    int line;
    int col;
};

#define DIG "\"00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210\""
#define C0 "{\"id\": [{\"hex\": \"00\"}], \"image\": {\"digest\": " DIG ", \"size\": 1}"

static const struct bad bads[] = {
    {"unknown top-level key", "{\"sequence-number\": 1,\n \"colour\": 2}", FWUP_E_DESC_UNKNOWN_KEY,
     "$.colour", 2, 12},
    {"wrong type", "{\"sequence-number\": \"one\"}", FWUP_E_DESC_VALUE, "$.sequence-number", 1,
     21},
    {"negative sequence", "{\"sequence-number\": -1}", FWUP_E_DESC_VALUE, "$.sequence-number", 1,
     21},
    {"duplicate key", "{\"sequence-number\": 1,\n  \"sequence-number\": 2}",
     FWUP_E_DESC_DUPLICATE_KEY, "$.sequence-number", 2, 3},
    {"syntax", "{\"sequence-number\": 1,\n \"identity\": {\"model\": }}", FWUP_E_DESC_SYNTAX,
     "$.identity.model", 2, 24},
    {"missing identity", "{\"sequence-number\": 1, \"components\": [" C0 "}]}",
     FWUP_E_DESC_MISSING, "$", 1, 1},
    {"component id wrong type",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [5]}]}", FWUP_E_DESC_TYPE,
     "$.components[0].id[0]", 1, 106},
    {"one slot is not A/B",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [\"a\"], \"slots\": "
     "[{\"image\": {\"digest\": " DIG ", \"size\": 1}}]}]}",
     FWUP_E_DESC_CONFLICT, "$.components[0].slots", 0, 0},
    {"integrated and uri",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0
     ", \"uri\": \"http://x\", \"integrated\": \"#a\"}]}",
     FWUP_E_DESC_CONFLICT, "$.components[0].integrated", 0, 0},
    {"severable element absent",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0 "}], \"severable\": [\"text\"]}",
     FWUP_E_DESC_CONFLICT, "$.severable[0]", 0, 0},
    {"unknown component name",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0 ", \"load-from\": \"nope\"}]}",
     FWUP_E_DESC_VALUE, "$.components[0].load-from", 0, 0},
    {"fetch without uri (explicit)",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0
     "}], \"sequences\": {\"install\": [{\"fetch\": 2}]}}",
     FWUP_E_DESC_RULE, "$.sequences.install[0]", 0, 0},
    {"fetch in shared",
     "{\"sequence-number\": 1, \"components\": [" C0
     "}], \"sequences\": {\"shared\": [{\"override-parameters\": {\"uri\": \"x\"}}, "
     "{\"fetch\": 2}]}}",
     FWUP_E_DESC_RULE, "$.sequences.shared[1]", 0, 0},
    {"shared without class check",
     "{\"sequence-number\": 1, \"components\": [" C0
     "}], \"sequences\": {\"shared\": [{\"override-parameters\": {\"vendor-id\": "
     "\"fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe\"}}, {\"vendor-identifier\": 15}]}}",
     FWUP_E_DESC_RULE, "$.sequences.shared", 0, 0},
    {"two components, no set-component-index",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0 "}, {\"id\": [\"b\"]}], "
     "\"sequences\": {\"validate\": [{\"image-match\": 15}]}}",
     FWUP_E_DESC_RULE, "$.sequences.validate[0]", 0, 0},
    {"unknown command",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0
     "}], \"sequences\": {\"install\": [{\"reboot\": 2}]}}",
     FWUP_E_DESC_UNKNOWN_KEY, "$.sequences.install[0].reboot", 0, 0},
    {"custom parameter in shared",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [" C0
     ", \"extra\": {\"shared\": [{\"override-parameters\": {\"-257\": 1}}]}}]}",
     FWUP_E_DESC_RULE, "$.components[0].extra.shared[0]", 0, 0},
    {"missing image file",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [\"a\"], \"image\": "
     "{\"file\": \"does-not-exist.bin\"}}]}",
     FWUP_E_DESC_FILE, "$.components[0].image.file", 1, 130},
    {"vendor-id disagrees with domain",
     "{\"sequence-number\": 1, \"identity\": {\"vendor-domain\": \"arm.com\", \"vendor-id\": "
     "\"1492af14-2569-5e48-bf42-9b2d51f2ab45\", \"model\": \"x\"}, \"components\": [" C0 "}]}",
     FWUP_E_DESC_CONFLICT, "$.identity.vendor-id", 0, 0},
    {"short digest",
     "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [\"a\"], \"image\": "
     "{\"digest\": \"0011\", \"size\": 1}}]}",
     FWUP_E_DESC_VALUE, "$.components[0].image.digest", 0, 0},
    {"odd key needs quoting in the path", "{\"sequence-number\": 1, \"a b\": 1}",
     FWUP_E_DESC_UNKNOWN_KEY, "$[\"a b\"]", 1, 31},
};

Test(author, bad_descriptions_name_code_path_and_position)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        struct fwup_diag d;
        enum fwup_err rc;
        struct fwup_author_model *m = parse_text(b->json, "/nonexistent-dir", &d, &rc);

        cr_assert_null(m, "%s: parsed", b->name);
        cr_expect_eq(rc, b->code, "%s: got %s (%s at %s)", b->name, fwup_err_name(rc), d.detail,
                     d.path);
        cr_expect_eq(d.code, rc, "%s: diag code", b->name);
        cr_expect_str_eq(d.path, b->path, "%s: path", b->name);
        cr_expect_neq(d.detail[0], '\0', "%s: no detail", b->name);
        /* Every error has a position (0:0 in the table = any, but known). */
        cr_expect_gt(d.line, 0, "%s: no line", b->name);
        if (b->line > 0) {
            cr_expect_eq(d.line, b->line, "%s: line %d", b->name, d.line);
            cr_expect_eq(d.column, b->col, "%s: column %d", b->name, d.column);
        }
    }
}

Test(author, file_digest_given_must_match)
{
    const char *p = scratch("match.bin", 10);
    char json[1024];
    struct fwup_diag d;
    enum fwup_err rc;

    snprintf(json, sizeof json,
             "{\"sequence-number\": 1, " IDENT ", \"components\": [{\"id\": [\"a\"], "
             "\"image\": {\"file\": \"%s\", \"size\": 11}}]}",
             p);
    cr_assert_null(parse_text(json, NULL, &d, &rc));
    cr_assert_eq(rc, FWUP_E_DESC_CONFLICT);
    cr_assert_str_eq(d.path, "$.components[0].image.size");
    unlink(p);
}

Test(author, ab_install_from_staging_and_load_pass_the_rule_checker)
{
    /* Templates combined: A/B with invoke, staging + install, load. The rule
     * checker runs on template output too, so a template that forgot a
     * parameter would fail here. */
    struct fwup_diag d;
    enum fwup_err rc;
    uint8_t *out = NULL;
    size_t len;
    struct fwup_author_model *m = parse_text(
        "{\"sequence-number\": 1, " IDENT ", \"components\": ["
        "{\"id\": [\"ab\"], \"invoke\": true, \"slots\": ["
        "{\"image\": {\"digest\": " DIG ", \"size\": 1}, \"uri\": \"http://x/1\"},"
        "{\"image\": {\"digest\": " DIG ", \"size\": 2}, \"uri\": \"http://x/2\"}]},"
        "{\"name\": \"ext\", \"id\": [\"ext\"]},"
        "{\"name\": \"fw\", \"id\": [\"fw\"], \"image\": {\"digest\": " DIG ", \"size\": 3},"
        " \"uri\": \"http://x/3\", \"staging\": \"ext\"},"
        "{\"id\": [\"ram\"], \"image\": {\"digest\": " DIG ", \"size\": 3}, \"load-from\": \"fw\"}],"
        " \"severable\": [\"install\", \"payload-fetch\"]}",
        NULL, &d, &rc);

    cr_assert_eq(rc, FWUP_OK, "%s (%s)", d.detail, d.path);
    cr_assert_eq(fwup_author_encode(m, true, &out, &len, NULL), FWUP_OK);
    fwup_author_free(m);
    free(out);
}
