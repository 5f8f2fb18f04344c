/*
 * The trust policy loader (lib/policy, fwup/policy.h): what `fwup verify
 * --policy` and fwup-sim both load. Each policy is written to a temporary
 * directory next to copies of the test keys, so relative key paths resolve
 * the way they do for a real policy file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "fwup/hex.h"
#include "fwup/policy.h"

TestSuite(policy, .fini = fwup_test_leak_check);

static char dir[64];

static void
put(const char *name, const void *data, size_t len)
{
    char p[128];
    FILE *f;

    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot write %s", p);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

static void
copy_key(const char *name, const char *to)
{
    char p[512];
    size_t len;
    uint8_t *b;

    snprintf(p, sizeof p, "%s/keys/%s", FWUP_TEST_VECTORS, name);
    b = fwup_test_slurp(p, &len);
    put(to, b, len);
    free(b);
}

static void
setup(void)
{
    char p[128];

    snprintf(dir, sizeof dir, "/tmp/fwup-policy-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/k", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    copy_key("key-a-pub.pem", "a.pem");
    copy_key("key-b-pub.pem", "k/b.pem");
    copy_key("hmac256-secret.bin", "k/s.bin");
}

static void
teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    fwup_test_leak_check();
}

/* Write text as DIR/policy.json and load it into a fresh p. */
static enum fwup_err
load(const char *text, struct fwup_policy *p, struct fwup_diag *d)
{
    char path[128];

    put("policy.json", text, strlen(text));
    snprintf(path, sizeof path, "%s/policy.json", dir);
    fwup_policy_init(p);
    fwup_diag_init(d);
    return fwup_policy_load(p, path, d);
}

Test(policy, every_field, .init = setup, .fini = teardown)
{
    static const uint8_t want_prefixes[] = {
        0x82,                                     /* [ */
        0x81, 0x41, 0x00,                         /*   [h'00'], */
        0x82, 0x43, 'u', 's', 'r', 0x43, 'b', 'i', 'n'}; /* ["usr", "bin"] ] */
    struct fwup_policy p;
    struct fwup_diag d;
    char want_file[128];
    enum fwup_err e;

    e = load("{\"fwup_policy\": 1, \"description\": \"all of it\",\n"
             " \"anchors\": [{\"key\": \"a.pem\"},\n"
             "   {\"key\": \"k/b.pem\", \"role\": \"operator\",\n"
             "    \"components\": [[{\"hex\": \"00\"}], [\"usr\", \"bin\"]]},\n"
             "   {\"hmac\": \"k/s.bin\", \"role\": \"device\"}],\n"
             " \"require\": [\"author\", \"operator\"],\n"
             " \"count_roles\": [\"operator\", \"device\"],\n"
             " \"dependency_roles\": [\"author\"],\n"
             " \"min_signers\": 2, \"strict\": true}\n",
             &p, &d);
    cr_assert_eq(e, FWUP_OK, "%s (%s)", d.detail, d.path);
    cr_assert_eq(p.pol.n_anchors, 3);
    cr_assert_eq(p.pol.anchors, p.anchors);
    cr_assert_eq(p.n_roles, 3);
    cr_assert_str_eq(p.role_names[0], FWUP_POLICY_DEFAULT_ROLE);
    cr_assert_str_eq(p.role_names[1], "operator");
    cr_assert_str_eq(p.role_names[2], "device");
    cr_assert_eq(p.anchors[0].role, 0);
    cr_assert_eq(p.anchors[1].role, 1);
    cr_assert_eq(p.anchors[2].role, 2);
    cr_assert_eq(p.anchors[2].key->type, FWUP_V_KEY_HMAC256);
    cr_assert_null(p.anchors[0].prefixes.ptr);
    cr_assert_eq(p.anchors[1].prefixes.len, sizeof want_prefixes);
    cr_assert_arr_eq(p.anchors[1].prefixes.ptr, want_prefixes, sizeof want_prefixes);
    cr_assert_eq(p.pol.require_roles, 0x3);
    cr_assert_eq(p.pol.count_roles, 0x6);
    cr_assert_eq(p.pol.dep_require_roles, 0x1);
    cr_assert_eq(p.pol.min_signers, 2);
    cr_assert(p.pol.strict);
    snprintf(want_file, sizeof want_file, "%s/k/b.pem", dir);
    cr_assert_str_eq(p.key_files[1], want_file);
    fwup_policy_release(&p);
    cr_assert_eq(p.pol.n_anchors, 0);
}

Test(policy, absolute_key_path_and_defaults, .init = setup, .fini = teardown)
{
    struct fwup_policy p;
    struct fwup_diag d;
    char text[256];

    snprintf(text, sizeof text, "{\"anchors\": [{\"key\": \"%s/a.pem\", \"components\": []}]}",
             dir);
    cr_assert_eq(load(text, &p, &d), FWUP_OK, "%s (%s)", d.detail, d.path);
    cr_assert_eq(p.pol.n_anchors, 1);
    cr_assert_eq(p.pol.min_signers, 0);
    cr_assert_not(p.pol.strict);
    cr_assert_eq(p.pol.require_roles | p.pol.count_roles | p.pol.dep_require_roles, 0);
    /* "components": [] is an anchor that may sign no component, not any. */
    cr_assert_not_null(p.anchors[0].prefixes.ptr);
    cr_assert_eq(p.anchors[0].prefixes.len, 1);
    fwup_policy_release(&p);
}

struct bad {
    const char *json;
    enum fwup_err code;
    const char *path;   /* JSON path, "" for none */
    const char *detail; /* a substring of the detail */
    int line;           /* 0: no position */
};

#define A "{\"key\": \"a.pem\"}"
#define ANCHORS "\"anchors\": [" A "]"

static const struct bad bads[] = {
    {"[]", FWUP_E_POLICY_INVALID, "$", "JSON object", 0},
    {"{" ANCHORS ", \"bogus\": 1}", FWUP_E_POLICY_INVALID, "$", "unknown key 'bogus'", 0},
    {"{" ANCHORS ",\n \"strict\": true,\n \"strict\": false}", FWUP_E_POLICY_INVALID, "",
     "duplicate", 3},
    {"{\"anchors\": [\n", FWUP_E_POLICY_INVALID, "", "", 2},
    {"{\"fwup_policy\": 2, " ANCHORS "}", FWUP_E_POLICY_INVALID, "$.fwup_policy", "must be 1", 0},
    {"{\"fwup_policy\": \"1\", " ANCHORS "}", FWUP_E_POLICY_INVALID, "$.fwup_policy", "", 0},
    {"{\"description\": 5, " ANCHORS "}", FWUP_E_POLICY_INVALID, "$.description", "string", 0},
    {"{}", FWUP_E_POLICY_INVALID, "$.anchors", "1 to 8", 0},
    {"{\"anchors\": []}", FWUP_E_POLICY_INVALID, "$.anchors", "1 to 8", 0},
    {"{\"anchors\": {}}", FWUP_E_POLICY_INVALID, "$.anchors", "1 to 8", 0},
    {"{\"anchors\": [" A "," A "," A "," A "," A "," A "," A "," A "," A "]}",
     FWUP_E_POLICY_INVALID, "$.anchors", "1 to 8", 0},
    {"{\"anchors\": [\"a.pem\"]}", FWUP_E_POLICY_INVALID, "$.anchors[0]", "object", 0},
    {"{\"anchors\": [" A ", {\"key\": \"a.pem\", \"kid\": \"x\"}]}", FWUP_E_POLICY_INVALID,
     "$.anchors[1]", "unknown key 'kid'", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"hmac\": \"k/s.bin\"}]}", FWUP_E_POLICY_INVALID,
     "$.anchors[0]", "exactly one", 0},
    {"{\"anchors\": [{\"role\": \"author\"}]}", FWUP_E_POLICY_INVALID, "$.anchors[0]",
     "exactly one", 0},
    {"{\"anchors\": [{\"key\": 5}]}", FWUP_E_POLICY_INVALID, "$.anchors[0].key", "string", 0},
    {"{\"anchors\": [{\"hmac\": \"\"}]}", FWUP_E_POLICY_INVALID, "$.anchors[0].hmac", "string",
     0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"role\": 5}]}", FWUP_E_POLICY_INVALID,
     "$.anchors[0].role", "role name", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"role\": \"\"}]}", FWUP_E_POLICY_INVALID,
     "$.anchors[0].role", "role name", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"role\": \"0123456789abcdef0123456789abcdef\"}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].role", "1 to 31 bytes", 0},
    {"{\"anchors\": [" A ", {\"key\": \"missing.pem\"}]}", FWUP_E_IO_OPEN, "$.anchors[1].key",
     "cannot open", 0},
    {"{\"anchors\": [{\"hmac\": \"missing.bin\"}]}", FWUP_E_IO_OPEN, "$.anchors[0].hmac", "", 0},
    {"{\"anchors\": [{\"key\": \"k/s.bin\"}]}", FWUP_E_KEY_FORMAT, "$.anchors[0].key", "", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": {}}]}", FWUP_E_POLICY_INVALID,
     "$.anchors[0].components", "array", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[\"x\"], \"y\"]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[1]", "prefix", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[\"x\", 5]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][1]", "id element", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": \"0g\"}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "hex digits", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": \"001\"}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "hex digits", 0},
    /* sscanf("%2x") read these as bytes: the schema's pattern does not. */
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": \" 1\"}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "hex digits", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": \"-1\"}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "hex digits", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": \"00\", \"x\": 1}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "takes no other key", 0},
    {"{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[{\"hex\": 0}]]}]}",
     FWUP_E_POLICY_INVALID, "$.anchors[0].components[0][0]", "id element", 0},
    {"{" ANCHORS ", \"require\": \"author\"}", FWUP_E_POLICY_INVALID, "$.require", "array", 0},
    {"{" ANCHORS ", \"require\": [1]}", FWUP_E_POLICY_INVALID, "$.require[0]", "role name", 0},
    {"{" ANCHORS ", \"require\": [\"operator\"]}", FWUP_E_POLICY_INVALID, "$.require[0]",
     "'operator' is not the role of any anchor", 0},
    {"{" ANCHORS ", \"require\": [\"author\", \"author\"]}", FWUP_E_POLICY_INVALID,
     "$.require[1]", "listed twice", 0},
    {"{" ANCHORS ", \"count_roles\": \"author\"}", FWUP_E_POLICY_INVALID, "$.count_roles",
     "array", 0},
    {"{" ANCHORS ", \"count_roles\": [\"operator\"]}", FWUP_E_POLICY_INVALID,
     "$.count_roles[0]", "not the role of any anchor", 0},
    {"{" ANCHORS ", \"dependency_roles\": [\"author\", \"x\"]}", FWUP_E_POLICY_INVALID,
     "$.dependency_roles[1]", "not the role of any anchor", 0},
    {"{" ANCHORS ", \"min_signers\": 2}", FWUP_E_POLICY_INVALID, "$.min_signers",
     "number of anchors (1)", 0},
    {"{" ANCHORS ", \"min_signers\": -1}", FWUP_E_POLICY_INVALID, "$.min_signers", "", 0},
    {"{" ANCHORS ", \"min_signers\": \"1\"}", FWUP_E_POLICY_INVALID, "$.min_signers", "", 0},
    {"{" ANCHORS ", \"strict\": 1}", FWUP_E_POLICY_INVALID, "$.strict", "true or false", 0},
};

Test(policy, refusals, .init = setup, .fini = teardown)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        struct fwup_policy p;
        struct fwup_diag d;
        enum fwup_err e = load(b->json, &p, &d);

        cr_expect_eq(e, b->code, "case %zu: %s -> %s", i, b->json, fwup_err_name(e));
        cr_expect_eq(d.code, b->code, "case %zu", i);
        cr_expect_str_eq(d.path, b->path, "case %zu: path '%s'", i, d.path);
        cr_expect(strstr(d.detail, b->detail) != NULL, "case %zu: detail '%s'", i, d.detail);
        cr_expect_eq(d.line, b->line, "case %zu: line %d", i, d.line);
        /* jansson puts an end-of-file error at column 0. */
        if (b->line > 0 && b->detail[0] != '\0')
            cr_expect_gt(d.column, 0, "case %zu", i);
        /* A refused policy holds nothing (no half-loaded anchors). */
        cr_expect_eq(p.pol.n_anchors, 0, "case %zu", i);
        cr_expect_eq(p.n_roles, 0, "case %zu", i);
        fwup_policy_release(&p);
    }
}

Test(policy, long_prefixes, .init = setup, .fini = teardown)
{
    struct fwup_policy p;
    struct fwup_diag d;
    char text[2048];
    char el[1100];

    memset(el, 'x', sizeof el - 1);
    el[sizeof el - 1] = '\0';
    snprintf(text, sizeof text, "{\"anchors\": [{\"key\": \"a.pem\", \"components\": [[\"%s\"]]}]}",
             el);
    cr_assert_eq(load(text, &p, &d), FWUP_E_POLICY_INVALID);
    cr_assert_str_eq(d.path, "$.anchors[0].components");
    fwup_policy_release(&p);
}

Test(policy, missing_file, .init = setup, .fini = teardown)
{
    struct fwup_policy p;
    struct fwup_diag d;
    char path[128];

    snprintf(path, sizeof path, "%s/none.json", dir);
    fwup_policy_init(&p);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_load(&p, path, &d), FWUP_E_IO_OPEN);
    cr_assert_eq(d.line, 0);
}

/* One key cannot be two anchors: a block counts for the first anchor whose
 * key verifies it, so the second role would silently stay unmet. */
Test(policy, a_key_is_one_anchor_only, .init = setup, .fini = teardown)
{
    struct fwup_policy p;
    struct fwup_diag d;
    char a[128], s[128], s2[128];
    uint8_t *sec;
    size_t n;

    snprintf(a, sizeof a, "%s/a.pem", dir);
    snprintf(s, sizeof s, "%s/k/s.bin", dir);
    snprintf(s2, sizeof s2, "%s/k/s2.bin", dir);
    sec = fwup_test_slurp(s, &n);
    put("k/s2.bin", sec, n); /* the same secret under another name */
    free(sec);
    fwup_policy_init(&p);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_add_anchor(&p, "author", a, false, &d), FWUP_OK, "%s", d.detail);
    cr_assert_eq(fwup_policy_add_anchor(&p, "operator", a, false, &d), FWUP_E_POLICY_INVALID);
    cr_assert_not_null(strstr(d.detail, "the same key as anchor 0"), "%s", d.detail);
    cr_assert_eq(p.pol.n_anchors, 1);
    cr_assert_eq(fwup_policy_role(&p, "operator"), -1, "the refused anchor's role is gone");
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_add_anchor(&p, "device", s, true, &d), FWUP_OK, "%s", d.detail);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_add_anchor(&p, "device2", s2, true, &d), FWUP_E_POLICY_INVALID,
                 "the same HMAC secret in another file");
    cr_assert_not_null(strstr(d.detail, "the same key as anchor 1"), "%s", d.detail);
    cr_assert_eq(p.pol.n_anchors, 2);
    fwup_policy_release(&p);
    /* In a policy file: the path of the second anchor's key. */
    fwup_diag_init(&d);
    cr_assert_eq(load("{\"anchors\": [{\"key\": \"a.pem\", \"role\": \"author\"},\n"
                      " {\"key\": \"a.pem\", \"role\": \"operator\"}]}",
                      &p, &d),
                 FWUP_E_POLICY_INVALID);
    cr_assert_str_eq(d.path, "$.anchors[1].key");
    cr_assert_not_null(strstr(d.detail, "a key can be one anchor only"), "%s", d.detail);
}

Test(policy, add_anchor, .init = setup, .fini = teardown)
{
    struct fwup_policy p;
    struct fwup_diag d;
    char file[128], path[128];

    snprintf(file, sizeof file, "%s/a.pem", dir);
    fwup_policy_init(&p);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_add_anchor(&p, "", file, false, &d), FWUP_E_INVALID_ARG);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_add_anchor(&p, "r", "/nonexistent.pem", false, &d), FWUP_E_IO_OPEN);
    cr_assert_eq(p.n_roles, 0, "a failed anchor leaves no role behind");
    /* Eight different keys (HMAC secrets: one key, one anchor), then one more. */
    for (int i = 0; i <= FWUP_V_MAX_ANCHORS; i++) {
        char role[8], name[16];
        uint8_t secret[32];
        memset(secret, 0x40 + i, sizeof secret);
        snprintf(name, sizeof name, "s%d.bin", i);
        put(name, secret, sizeof secret);
        snprintf(role, sizeof role, "r%d", i);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        fwup_diag_init(&d);
        cr_assert_eq(fwup_policy_add_anchor(&p, role, path, true, &d),
                     i < FWUP_V_MAX_ANCHORS ? FWUP_OK : FWUP_E_LIMIT_COUNT, "%s", d.detail);
    }
    cr_assert_eq(fwup_policy_role(&p, "r7"), 7);
    cr_assert_eq(fwup_policy_role(&p, "r8"), -1);
    /* Loading into a policy that already has anchors is a caller error. */
    snprintf(path, sizeof path, "%s/policy.json", dir);
    put("policy.json", "{" ANCHORS "}", strlen("{" ANCHORS "}"));
    fwup_diag_init(&d);
    cr_assert_eq(fwup_policy_load(&p, path, &d), FWUP_E_INVALID_ARG);
    cr_assert_eq(p.pol.n_anchors, FWUP_V_MAX_ANCHORS);
    fwup_policy_release(&p);
}

Test(policy, hex)
{
    uint8_t b[4];

    cr_assert_eq(fwup_hex_digit('0'), 0);
    cr_assert_eq(fwup_hex_digit('F'), 15);
    cr_assert_eq(fwup_hex_digit('f'), 15);
    cr_assert_eq(fwup_hex_digit('g'), -1);
    cr_assert(fwup_hex_decode("00fFa5", 6, b, sizeof b));
    cr_assert_eq(b[0], 0x00);
    cr_assert_eq(b[1], 0xff);
    cr_assert_eq(b[2], 0xa5);
    cr_assert(fwup_hex_decode("", 0, b, 0));
    cr_assert_not(fwup_hex_decode("0", 1, b, sizeof b));
    cr_assert_not(fwup_hex_decode("0x", 2, b, sizeof b));
    cr_assert_not(fwup_hex_decode(" 1", 2, b, sizeof b));
    cr_assert_not(fwup_hex_decode("0011223344", 10, b, sizeof b));
}
