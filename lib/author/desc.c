/*
 * The JSON release description (docs/description.md,
 * schemas/description.schema.json) into a model.
 *
 * Steps: jansson parses the text (JSON_REJECT_DUPLICATES); jpos.c records
 * where every value starts; every object is checked for unknown keys and
 * every value for its type; identities are resolved (UUIDv5); image files
 * are hashed by streaming; the templates of draft-ietf-suit-manifest-37 §7
 * are expanded into command sequences (or explicit sequences are taken as
 * written); check.c applies the SUIT rules to the result.
 *
 * Errors carry the JSON path of the offending value and its line:column
 * (or those of the nearest enclosing value, see jpos.c). The first error
 * wins and parsing stops there.
 *
 * The templates reproduce the draft's examples 0-5 byte for byte, so the
 * command order and reporting policies below follow those examples exactly
 * (tests/vectors/FACTS.md lists them command by command):
 *   shared   per component: [set-index] override{vendor, class, device (first
 *            component), digest, size} [try-each over slots] vendor? class?
 *            device? ; reporting policy 15 for the checks
 *   validate per component with an image (not loaded): [set-index] image-match?
 *   load     per loaded component: [set-index] override{digest, size,
 *            source} copy image-match?
 *   invoke   per bootable component: [set-index] [try-each slot?] invoke
 *   payload-fetch  per staged image: [set-index(staging)] override{digest,
 *            uri} fetch image-match? ; and images with "fetch-in":
 *            "payload-fetch": [set-index] override{uri} fetch image-match?
 *   install  per fetched image: [set-index] override{uri} fetch image-match?
 *            per A/B component: try-each{override{slot} slot? override{uri}}
 *            fetch image-match? ; per staged / copied image: [set-index]
 *            override{source} copy image-match?
 * "[set-index]" appears only when the manifest has more than one component
 * (§6.2). fetch, copy and invoke use reporting policy 2, component-slot 5.
 *
 * Dependencies ([TD] draft-ietf-suit-trust-domains §5.2.2, §8.1) take the
 * indices after the components (dependency-prefix as identifier,
 * OPEN-QUESTIONS 19); their blocks follow the components' in each sequence
 * (gen_dep_block). With any dependency there are 2+ indices, so every block
 * gets its set-component-index. use-before ([UM]) is a block of its own,
 * first in install or last in shared (gen_use_before).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "author_int.h"
#include "dep_int.h"
#include "fwup/encrypt.h"
#include "fwup/hex.h"
#include "hash_int.h"

/* Deepest nesting of try-each / run-sequence in a description: the
 * verifier's whole stack (FWUP_V_MAX_DEPTH, 6) must also hold dependencies. */
#define FWUP_DESC_MAX_NEST 4

struct imgd {
    bool present;
    int64_t alg;
    uint8_t digest[64];
    size_t dlen;
    uint64_t size;
    char *file; /* resolved path, owned; NULL when given as digest + size */
};

struct slotd {
    struct imgd img;
    const char *uri; /* borrowed from the JSON tree */
    const char *integ;
};

struct compd {
    const char *name;
    struct imgd img;
    const char *uri;
    const char *integ;
    bool fetch_pf; /* fetch in payload-fetch instead of install */
    int staging;   /* component indices, -1 = none */
    int install_from;
    int load_from;
    int staged_for; /* this component is the staging area of that one */
    bool invoke;
    struct slotd *slots;
    size_t nslots;
    struct fwup_aseq *extra[FWUP_SEQ_COUNT];
    char *staging_path; /* JSON path of "staging", for late errors */
    /* "encryption": the SUIT_Encryption_Info made by `fwup encrypt`, and its
     * ciphertext (what is integrated; for a uri, only checked) */
    uint8_t *enc_info;
    size_t enc_info_len;
    struct imgd enc_ct;
};

/* [TD] a dependency: another envelope, bound by its manifest digest. */
struct depd {
    char *file; /* resolved path, owned */
    const char *uri;   /* borrowed from the JSON tree */
    const char *integ; /* "#name": integrated into this envelope */
    struct fwup_dep_info info;
};

struct ctx {
    struct fwup_diag *diag;
    struct fwup_jpos *pos;
    char path[256];
    size_t plen;
    const char *base_dir;
    uint64_t now;
    struct fwup_author_model *m;
    struct compd *cd;
    size_t ncd;
    json_t *names; /* borrowed component names, in order (json array) */
    uint8_t vendor[16];
    uint8_t klass[16];
    uint8_t device[16];
    bool has_identity;
    bool has_device;
    struct fwup_aseq *explicit_seq[FWUP_SEQ_COUNT];
    bool has_explicit[FWUP_SEQ_COUNT];
    int nest;
    struct depd *dd; /* [TD] dependencies, index ncd + j */
    size_t ndd;
    bool has_use_before; /* [UM] use-before (4) */
    bool use_before_shared; /* in shared instead of install */
    uint64_t use_before;
};

/* ---- paths and errors --------------------------------------------------- */

static size_t
push_key(struct ctx *c, const char *key)
{
    size_t mark = c->plen;
    c->plen = fwup_jpos_append_key(c->path, c->plen, sizeof c->path, key, strlen(key));
    return mark;
}

static size_t
push_idx(struct ctx *c, size_t i)
{
    size_t mark = c->plen;
    c->plen = fwup_jpos_append_index(c->path, c->plen, sizeof c->path, i);
    return mark;
}

static void
pop(struct ctx *c, size_t mark)
{
    c->plen = mark;
    c->path[mark] = '\0';
}

static enum fwup_err fail(struct ctx *c, enum fwup_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record e at the current path, with the position of that value (or of the
 * nearest enclosing one). Returns e. */
static enum fwup_err
fail(struct ctx *c, enum fwup_err e, const char *fmt, ...)
{
    char detail[160];
    va_list ap;

    if (c->diag == NULL || c->diag->code != FWUP_OK)
        return e;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    (void)fwup_diag_set(c->diag, e, c->path, "%s", detail);
    (void)fwup_jpos_find(c->pos, c->path, &c->diag->line, &c->diag->column);
    return e;
}

static enum fwup_err
oom(struct ctx *c)
{
    return fail(c, FWUP_E_NO_MEMORY, "out of memory");
}

static const char *
jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "?";
}

/* Text from the description in a message: printable ASCII only, bounded. */
static void
esc(const char *s, char *out, size_t cap)
{
    size_t o = 0;

    for (; *s != '\0' && o + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (*s != '\0' && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Every key of obj must be in allowed (NULL-terminated) or be "comment"
 * (descriptions are JSON, which has no comments). */
static enum fwup_err
check_keys(struct ctx *c, json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v) {
        bool ok = strcmp(k, "comment") == 0;
        for (size_t i = 0; !ok && allowed[i] != NULL; i++)
            ok = strcmp(k, allowed[i]) == 0;
        if (!ok) {
            char e[64];
            size_t mark = push_key(c, k);
            enum fwup_err rc;
            esc(k, e, sizeof e);
            rc = fail(c, FWUP_E_DESC_UNKNOWN_KEY, "unknown key '%s'", e);
            pop(c, mark);
            return rc;
        }
    }
    return FWUP_OK;
}

static enum fwup_err
want(struct ctx *c, json_t *v, json_type t, const char *what)
{
    if (json_typeof(v) == t || (t == JSON_TRUE && json_is_boolean(v)))
        return FWUP_OK;
    return fail(c, FWUP_E_DESC_TYPE, "expected %s, got %s", what, jtype(v));
}

static enum fwup_err
get_uint(struct ctx *c, json_t *v, uint64_t max, uint64_t *out)
{
    json_int_t i;

    if (!json_is_integer(v))
        return fail(c, FWUP_E_DESC_TYPE, "expected a non-negative integer, got %s", jtype(v));
    i = json_integer_value(v);
    if (i < 0 || (uint64_t)i > max)
        return fail(c, FWUP_E_DESC_VALUE, "expected an integer from 0 to %llu, got %lld",
                    (unsigned long long)max, (long long)i);
    *out = (uint64_t)i;
    return FWUP_OK;
}

static enum fwup_err
get_str(struct ctx *c, json_t *v, bool nonempty, const char **out)
{
    if (!json_is_string(v))
        return fail(c, FWUP_E_DESC_TYPE, "expected a string, got %s", jtype(v));
    if (nonempty && json_string_length(v) == 0)
        return fail(c, FWUP_E_DESC_VALUE, "must not be empty");
    *out = json_string_value(v);
    return FWUP_OK;
}

/* Hex string into a malloc'd buffer (len may be 0; *out is never NULL on OK). */
static enum fwup_err
get_hex(struct ctx *c, json_t *v, uint8_t **out, size_t *len)
{
    const char *s;
    size_t n;
    uint8_t *b;
    enum fwup_err rc = get_str(c, v, false, &s);

    if (rc != FWUP_OK)
        return rc;
    n = strlen(s);
    if (n % 2 != 0)
        return fail(c, FWUP_E_DESC_VALUE, "hex string has an odd number of digits");
    b = malloc(n / 2 + 1);
    if (b == NULL)
        return oom(c);
    for (size_t i = 0; i < n; i += 2) {
        int hi = fwup_hex_digit(s[i]), lo = fwup_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            return fail(c, FWUP_E_DESC_VALUE, "not a hex digit at character %zu", i + 1);
        }
        b[i / 2] = (uint8_t)(hi * 16 + lo);
    }
    *out = b;
    *len = n / 2;
    return FWUP_OK;
}

/* Bytes: a string (its UTF-8 bytes) or {"hex": "..."}. */
static enum fwup_err
get_bytes(struct ctx *c, json_t *v, uint8_t **out, size_t *len)
{
    static const char *const keys[] = {"hex", NULL};
    json_t *h;
    enum fwup_err rc;
    size_t mark;

    if (json_is_string(v)) {
        size_t n = json_string_length(v);
        *out = malloc(n + 1);
        if (*out == NULL)
            return oom(c);
        memcpy(*out, json_string_value(v), n);
        *len = n;
        return FWUP_OK;
    }
    if (!json_is_object(v))
        return fail(c, FWUP_E_DESC_TYPE, "expected a string or {\"hex\": ...}, got %s",
                    jtype(v));
    rc = check_keys(c, v, keys);
    if (rc != FWUP_OK)
        return rc;
    h = json_object_get(v, "hex");
    if (h == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "missing 'hex'");
    mark = push_key(c, "hex");
    rc = get_hex(c, h, out, len);
    pop(c, mark);
    return rc;
}

static enum fwup_err
get_uuid(struct ctx *c, json_t *v, uint8_t out[16])
{
    const char *s;
    enum fwup_err rc = get_str(c, v, false, &s);

    if (rc != FWUP_OK)
        return rc;
    if (!fwup_uuid_parse(s, out))
        return fail(c, FWUP_E_DESC_VALUE,
                    "expected a UUID like 'fa6b4a53-d5ad-5fdf-be9d-e663e4d41ffe'");
    return FWUP_OK;
}

static enum fwup_err
get_alg(struct ctx *c, json_t *v, int64_t *alg)
{
    const char *s;
    enum fwup_err rc = get_str(c, v, false, &s);

    if (rc != FWUP_OK)
        return rc;
    if (strcmp(s, "sha-256") == 0)
        *alg = FWUP_COSE_SHA256;
    else if (strcmp(s, "sha-384") == 0)
        *alg = FWUP_COSE_SHA384;
    else if (strcmp(s, "sha-512") == 0)
        *alg = FWUP_COSE_SHA512;
    else
        return fail(c, FWUP_E_DESC_VALUE,
                    "unknown digest algorithm (expected sha-256, sha-384 or sha-512)");
    return FWUP_OK;
}

/* Look up a component by name; -1 if none. */
static int
comp_by_name(struct ctx *c, const char *name)
{
    for (size_t i = 0; i < json_array_size(c->names); i++) {
        json_t *n = json_array_get(c->names, i);
        if (json_is_string(n) && strcmp(json_string_value(n), name) == 0)
            return (int)i;
    }
    return -1;
}

/* A component reference: a name, or an index when allow_index. */
static enum fwup_err
get_comp_ref(struct ctx *c, json_t *v, bool allow_index, uint32_t *out)
{
    if (allow_index && json_is_integer(v)) {
        uint64_t u;
        enum fwup_err rc = get_uint(c, v, FWUP_AUTHOR_MAX_COMPONENTS - 1, &u);
        if (rc != FWUP_OK)
            return rc;
        /* names: the components, then (once parsed) the dependencies. */
        if (u >= json_array_size(c->names))
            return fail(c, FWUP_E_DESC_VALUE, "component index %llu is out of range (%zu "
                        "components)", (unsigned long long)u, json_array_size(c->names));
        *out = (uint32_t)u;
        return FWUP_OK;
    }
    if (json_is_string(v)) {
        int i = comp_by_name(c, json_string_value(v));
        char e[64];
        if (i >= 0) {
            *out = (uint32_t)i;
            return FWUP_OK;
        }
        esc(json_string_value(v), e, sizeof e);
        return fail(c, FWUP_E_DESC_VALUE, "no component is named '%s'", e);
    }
    return fail(c, FWUP_E_DESC_TYPE, "expected a component name%s, got %s",
                allow_index ? " or index" : "", jtype(v));
}

/* ---- images --------------------------------------------------------------- */

/* Join base_dir and a relative path (absolute paths are kept). */
static char *
resolve(const char *base, const char *file)
{
    size_t bl, fl = strlen(file);
    char *r;

    if (file[0] == '/' || base == NULL || base[0] == '\0')
        return strdup(file);
    bl = strlen(base);
    r = malloc(bl + fl + 2);
    if (r == NULL)
        return NULL;
    memcpy(r, base, bl);
    r[bl] = '/';
    memcpy(r + bl + 1, file, fl + 1);
    return r;
}

static enum fwup_err
parse_image(struct ctx *c, json_t *obj, struct imgd *img)
{
    static const char *const keys[] = {"file", "digest", "size", "digest-algorithm", NULL};
    json_t *file, *dig, *size, *alg;
    uint8_t *given = NULL;
    size_t glen = 0;
    uint64_t gsize = 0;
    enum fwup_err rc;
    size_t mark;

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    img->present = true;
    img->alg = FWUP_COSE_SHA256;
    file = json_object_get(obj, "file");
    dig = json_object_get(obj, "digest");
    size = json_object_get(obj, "size");
    alg = json_object_get(obj, "digest-algorithm");
    if (alg != NULL) {
        mark = push_key(c, "digest-algorithm");
        rc = get_alg(c, alg, &img->alg);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (file == NULL && (dig == NULL || size == NULL))
        return fail(c, FWUP_E_DESC_MISSING,
                    "an image needs 'file', or 'digest' and 'size'%s",
                    dig != NULL ? " ('size' is missing)"
                                : (size != NULL ? " ('digest' is missing)" : ""));
    if (dig != NULL) {
        mark = push_key(c, "digest");
        rc = get_hex(c, dig, &given, &glen);
        if (rc == FWUP_OK && glen != fwup_hash_len(img->alg))
            rc = fail(c, FWUP_E_DESC_VALUE, "a %zu-byte digest was expected, got %zu bytes",
                      fwup_hash_len(img->alg), glen);
        pop(c, mark);
        if (rc != FWUP_OK)
            goto out;
    }
    if (size != NULL) {
        mark = push_key(c, "size");
        rc = get_uint(c, size, (uint64_t)INT64_MAX, &gsize);
        pop(c, mark);
        if (rc != FWUP_OK)
            goto out;
    }
    if (file != NULL) {
        const char *f;
        struct fwup_diag hd;

        mark = push_key(c, "file");
        rc = get_str(c, file, true, &f);
        if (rc == FWUP_OK) {
            img->file = resolve(c->base_dir, f);
            if (img->file == NULL)
                rc = oom(c);
        }
        if (rc == FWUP_OK) {
            fwup_diag_init(&hd);
            rc = fwup_author_hash_file(img->file, img->alg, img->digest, &img->dlen,
                                       &img->size, &hd);
            if (rc == FWUP_E_IO_OPEN || rc == FWUP_E_IO_READ)
                /* A file the description names is part of the input: report
                 * it as a description error at the "file" value (exit 3). */
                rc = fail(c, FWUP_E_DESC_FILE, "%s", hd.detail);
            else if (rc != FWUP_OK)
                rc = fail(c, rc, "%s", hd.detail);
        }
        if (rc == FWUP_OK && given != NULL && memcmp(given, img->digest, glen) != 0) {
            pop(c, mark);
            mark = push_key(c, "digest");
            rc = fail(c, FWUP_E_DESC_CONFLICT, "the digest does not match the file's");
        }
        if (rc == FWUP_OK && size != NULL && gsize != img->size) {
            pop(c, mark);
            mark = push_key(c, "size");
            rc = fail(c, FWUP_E_DESC_CONFLICT, "the size does not match the file's (%llu bytes)",
                      (unsigned long long)img->size);
        }
        pop(c, mark);
    } else {
        memcpy(img->digest, given, glen);
        img->dlen = glen;
        img->size = gsize;
    }
out:
    free(given);
    return rc;
}

/* Where the device gets an image: "uri" or "integrated" (never both). */
static enum fwup_err
parse_source(struct ctx *c, json_t *obj, const struct imgd *img, const char **uri,
             const char **integ)
{
    json_t *u = json_object_get(obj, "uri");
    json_t *in = json_object_get(obj, "integrated");
    enum fwup_err rc = FWUP_OK;
    size_t mark;

    if (u != NULL) {
        mark = push_key(c, "uri");
        rc = get_str(c, u, true, uri);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (in != NULL) {
        mark = push_key(c, "integrated");
        rc = get_str(c, in, true, integ);
        if (rc == FWUP_OK && u != NULL)
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "an image is either integrated or fetched from 'uri', not both");
        else if (rc == FWUP_OK && ((*integ)[0] != '#' || (*integ)[1] == '\0'))
            /* The key doubles as a fragment-only URI reference (§7.5). */
            rc = fail(c, FWUP_E_DESC_VALUE, "an integrated payload key must look like '#name'");
        else if (rc == FWUP_OK && (img == NULL || !img->present || img->file == NULL))
            rc = fail(c, FWUP_E_DESC_MISSING,
                      "an integrated payload needs an image given as 'file'");
        else if (rc == FWUP_OK && img->size > FWUP_AUTHOR_MAX_INTEGRATED)
            rc = fail(c, FWUP_E_DESC_VALUE,
                      "image of %llu bytes is too large to integrate (at most %zu); use 'uri'",
                      (unsigned long long)img->size, FWUP_AUTHOR_MAX_INTEGRATED);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((u != NULL || in != NULL) && (img == NULL || !img->present)) {
        mark = push_key(c, u != NULL ? "uri" : "integrated");
        rc = fail(c, FWUP_E_DESC_MISSING,
                  "a fetched image needs 'image' (its digest is checked after the fetch)");
        pop(c, mark);
    }
    return rc;
}

/* ---- commands ------------------------------------------------------------- */

enum ptype { PT_UUID, PT_DIGEST, PT_UINT, PT_BOOL, PT_BYTES, PT_TSTR, PT_COMP };

static const struct {
    const char *name;
    int64_t key;
    enum ptype t;
} param_tab[] = {
    {"vendor-id", FWUP_P_VENDOR_ID, PT_UUID},
    {"class-id", FWUP_P_CLASS_ID, PT_UUID},
    {"image-digest", FWUP_P_IMAGE_DIGEST, PT_DIGEST},
    {"component-slot", FWUP_P_COMPONENT_SLOT, PT_UINT},
    {"use-before", FWUP_P_USE_BEFORE, PT_UINT}, /* [UM] UTC seconds */
    {"strict-order", FWUP_P_STRICT_ORDER, PT_BOOL},
    {"soft-failure", FWUP_P_SOFT_FAILURE, PT_BOOL},
    {"image-size", FWUP_P_IMAGE_SIZE, PT_UINT},
    {"content", FWUP_P_CONTENT, PT_BYTES},
    {"encryption-info", FWUP_P_ENCRYPTION_INFO, PT_BYTES},
    {"uri", FWUP_P_URI, PT_TSTR},
    {"source-component", FWUP_P_SOURCE_COMPONENT, PT_COMP},
    {"invoke-args", FWUP_P_INVOKE_ARGS, PT_BYTES},
    {"device-id", FWUP_P_DEVICE_ID, PT_UUID},
    {"fetch-arguments", FWUP_P_FETCH_ARGUMENTS, PT_BYTES},
};

static const struct {
    const char *name;
    int64_t code;
    enum fwup_arg_kind arg;
} cmd_tab[] = {
    {"vendor-identifier", FWUP_CMD_VENDOR_ID, FWUP_ARG_POLICY},
    {"class-identifier", FWUP_CMD_CLASS_ID, FWUP_ARG_POLICY},
    {"image-match", FWUP_CMD_IMAGE_MATCH, FWUP_ARG_POLICY},
    {"use-before", FWUP_CMD_USE_BEFORE, FWUP_ARG_POLICY},
    {"component-slot", FWUP_CMD_COMPONENT_SLOT, FWUP_ARG_POLICY},
    {"check-content", FWUP_CMD_CHECK_CONTENT, FWUP_ARG_POLICY},
    {"dependency-integrity", FWUP_CMD_DEPENDENCY_INTEGRITY, FWUP_ARG_POLICY},
    {"is-dependency", FWUP_CMD_IS_DEPENDENCY, FWUP_ARG_POLICY},
    {"process-dependency", FWUP_CMD_PROCESS_DEPENDENCY, FWUP_ARG_POLICY},
    {"set-component-index", FWUP_CMD_SET_COMPONENT_INDEX, FWUP_ARG_INDEX},
    {"abort", FWUP_CMD_ABORT, FWUP_ARG_POLICY},
    {"try-each", FWUP_CMD_TRY_EACH, FWUP_ARG_SEQS},
    {"write", FWUP_CMD_WRITE, FWUP_ARG_POLICY},
    {"set-parameters", FWUP_CMD_SET_PARAMETERS, FWUP_ARG_PARAMS},
    {"override-parameters", FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS},
    {"fetch", FWUP_CMD_FETCH, FWUP_ARG_POLICY},
    {"copy", FWUP_CMD_COPY, FWUP_ARG_POLICY},
    {"invoke", FWUP_CMD_INVOKE, FWUP_ARG_POLICY},
    {"device-identifier", FWUP_CMD_DEVICE_ID, FWUP_ARG_POLICY},
    {"swap", FWUP_CMD_SWAP, FWUP_ARG_POLICY},
    {"run-sequence", FWUP_CMD_RUN_SEQUENCE, FWUP_ARG_SEQ},
    {"unlink", FWUP_CMD_UNLINK, FWUP_ARG_POLICY},
};

static enum fwup_err parse_seq(struct ctx *c, json_t *arr, struct fwup_aseq **out);

/* A custom value: integer, boolean (parameters only), string, {"hex"}, null
 * (commands only). */
static enum fwup_err
get_custom_val(struct ctx *c, json_t *v, bool is_param, struct fwup_aval *out)
{
    memset(out, 0, sizeof *out);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        out->kind = i >= 0 ? FWUP_VAL_UINT : FWUP_VAL_INT;
        out->u = (uint64_t)i;
        out->i = (int64_t)i;
        return FWUP_OK;
    }
    if (is_param && json_is_boolean(v)) {
        out->kind = FWUP_VAL_BOOL;
        out->b = json_is_true(v);
        return FWUP_OK;
    }
    if (!is_param && json_is_null(v)) {
        out->kind = FWUP_VAL_NIL;
        return FWUP_OK;
    }
    if (json_is_string(v)) {
        out->kind = FWUP_VAL_TSTR;
        out->len = json_string_length(v);
        out->data = malloc(out->len + 1);
        if (out->data == NULL)
            return oom(c);
        memcpy(out->data, json_string_value(v), out->len);
        return FWUP_OK;
    }
    if (json_is_object(v)) {
        out->kind = FWUP_VAL_BSTR;
        return get_bytes(c, v, &out->data, &out->len);
    }
    return fail(c, FWUP_E_DESC_TYPE, "expected an integer, %sa string or {\"hex\": ...}, got %s",
                is_param ? "a boolean, " : "null, ", jtype(v));
}

/* Parse a signed integer written as a JSON object key ("-257"). */
static bool
key_int(const char *k, int64_t *out)
{
    char *end;
    long long v;

    if (k[0] != '-' && (k[0] < '0' || k[0] > '9'))
        return false;
    errno = 0;
    v = strtoll(k, &end, 10);
    if (errno != 0 || *end != '\0' || end == k)
        return false;
    *out = (int64_t)v;
    return true;
}

static enum fwup_err
parse_param(struct ctx *c, const char *k, json_t *v, struct fwup_acmd *cmd)
{
    struct fwup_aval val;
    int64_t key;
    enum fwup_err rc = FWUP_OK;
    size_t ti;

    memset(&val, 0, sizeof val);
    for (ti = 0; ti < sizeof param_tab / sizeof param_tab[0]; ti++)
        if (strcmp(k, param_tab[ti].name) == 0)
            break;
    if (ti == sizeof param_tab / sizeof param_tab[0]) {
        char e[64];
        if (key_int(k, &key) && key <= FWUP_SUIT_CUSTOM_MAX) {
            rc = get_custom_val(c, v, true, &val);
            goto add;
        }
        esc(k, e, sizeof e);
        return fail(c, FWUP_E_DESC_UNKNOWN_KEY,
                    "unknown parameter '%s' (custom parameters are numbers <= -257)", e);
    }
    key = param_tab[ti].key;
    switch (param_tab[ti].t) {
    case PT_UUID: {
        uint8_t u[16];
        rc = get_uuid(c, v, u);
        if (rc == FWUP_OK) {
            val.kind = FWUP_VAL_BSTR;
            val.data = malloc(16);
            if (val.data == NULL)
                return oom(c);
            memcpy(val.data, u, 16);
            val.len = 16;
        }
        break;
    }
    case PT_DIGEST: {
        static const char *const dk[] = {"algorithm", "digest", NULL};
        json_t *a, *d;
        size_t mark;
        val.kind = FWUP_VAL_DIGEST;
        val.i = FWUP_COSE_SHA256;
        if ((rc = want(c, v, JSON_OBJECT, "{\"algorithm\": ..., \"digest\": ...}")) != FWUP_OK ||
            (rc = check_keys(c, v, dk)) != FWUP_OK)
            return rc;
        a = json_object_get(v, "algorithm");
        d = json_object_get(v, "digest");
        if (a != NULL) {
            mark = push_key(c, "algorithm");
            rc = get_alg(c, a, &val.i);
            pop(c, mark);
            if (rc != FWUP_OK)
                return rc;
        }
        if (d == NULL)
            return fail(c, FWUP_E_DESC_MISSING, "missing 'digest'");
        mark = push_key(c, "digest");
        rc = get_hex(c, d, &val.data, &val.len);
        if (rc == FWUP_OK && val.len != fwup_hash_len(val.i))
            rc = fail(c, FWUP_E_DESC_VALUE, "a %zu-byte digest was expected, got %zu bytes",
                      fwup_hash_len(val.i), val.len);
        pop(c, mark);
        break;
    }
    case PT_UINT:
        val.kind = FWUP_VAL_UINT;
        rc = get_uint(c, v, (uint64_t)INT64_MAX, &val.u);
        break;
    case PT_BOOL:
        val.kind = FWUP_VAL_BOOL;
        rc = want(c, v, JSON_TRUE, "a boolean");
        val.b = json_is_true(v);
        break;
    case PT_BYTES:
        val.kind = FWUP_VAL_BSTR;
        rc = get_bytes(c, v, &val.data, &val.len);
        break;
    case PT_TSTR: {
        const char *s;
        val.kind = FWUP_VAL_TSTR;
        rc = get_str(c, v, false, &s);
        if (rc == FWUP_OK) {
            val.len = strlen(s);
            val.data = (uint8_t *)strdup(s);
            if (val.data == NULL)
                return oom(c);
        }
        break;
    }
    case PT_COMP: {
        uint32_t idx = 0;
        val.kind = FWUP_VAL_UINT;
        rc = get_comp_ref(c, v, true, &idx);
        val.u = idx;
        break;
    }
    }
add:
    if (rc == FWUP_OK && !fwup_ir_param(cmd, key, &val))
        rc = oom(c);
    fwup_ir_val_release(&val);
    return rc;
}

static enum fwup_err
parse_index(struct ctx *c, json_t *v, struct fwup_acmd *cmd)
{
    enum fwup_err rc;

    if (json_is_true(v)) {
        cmd->idx_all = true;
        return FWUP_OK;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v);
        if (n == 0)
            return fail(c, FWUP_E_DESC_VALUE, "an index list needs at least one component");
        cmd->idx = calloc(n, sizeof *cmd->idx);
        if (cmd->idx == NULL)
            return oom(c);
        cmd->idx_list = true;
        for (size_t i = 0; i < n; i++) {
            size_t mark = push_idx(c, i);
            rc = get_comp_ref(c, json_array_get(v, i), true, &cmd->idx[i]);
            pop(c, mark);
            if (rc != FWUP_OK)
                return rc;
            cmd->nidx++;
        }
        return FWUP_OK;
    }
    cmd->idx = calloc(1, sizeof *cmd->idx);
    if (cmd->idx == NULL)
        return oom(c);
    rc = get_comp_ref(c, v, true, &cmd->idx[0]);
    if (rc == FWUP_OK)
        cmd->nidx = 1;
    return rc;
}

static enum fwup_err
parse_cmd(struct ctx *c, json_t *obj, struct fwup_aseq *seq)
{
    const char *name = NULL;
    json_t *arg = NULL;
    struct fwup_acmd *cmd = NULL;
    enum fwup_err rc = FWUP_OK;
    size_t ti, mark;

    if ((rc = want(c, obj, JSON_OBJECT, "a command object like {\"fetch\": 2}")) != FWUP_OK)
        return rc;
    if (json_object_get(obj, "command") != NULL) {
        /* {"command": -300, "argument": ...}: a custom command (§8.4.10). */
        static const char *const ck[] = {"command", "argument", NULL};
        json_t *num = json_object_get(obj, "command");
        json_t *a = json_object_get(obj, "argument");
        json_int_t code;
        if ((rc = check_keys(c, obj, ck)) != FWUP_OK)
            return rc;
        mark = push_key(c, "command");
        if (!json_is_integer(num))
            rc = fail(c, FWUP_E_DESC_TYPE, "expected an integer, got %s", jtype(num));
        else if ((code = json_integer_value(num)) > FWUP_SUIT_CUSTOM_MAX)
            rc = fail(c, FWUP_E_DESC_VALUE,
                      "custom commands are numbers <= -257; use the name of a standard command");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        cmd = fwup_ir_push(seq, (int64_t)json_integer_value(num), FWUP_ARG_VALUE);
        if (cmd == NULL || (cmd->path = strdup(c->path)) == NULL)
            return oom(c);
        if (a != NULL) {
            mark = push_key(c, "argument");
            rc = get_custom_val(c, a, false, &cmd->value);
            pop(c, mark);
        }
        return rc;
    }
    if (json_object_size(obj) != 1)
        return fail(c, FWUP_E_DESC_VALUE, "a command object has exactly one key, the "
                    "command name (got %zu keys)", json_object_size(obj));
    {
        const char *k;
        json_t *v;
        json_object_foreach(obj, k, v) {
            name = k;
            arg = v;
        }
    }
    for (ti = 0; ti < sizeof cmd_tab / sizeof cmd_tab[0]; ti++)
        if (strcmp(name, cmd_tab[ti].name) == 0)
            break;
    if (ti < sizeof cmd_tab / sizeof cmd_tab[0]) {
        cmd = fwup_ir_push(seq, cmd_tab[ti].code, cmd_tab[ti].arg);
        /* A rule error names the command object, not its argument. */
        if (cmd == NULL || (cmd->path = strdup(c->path)) == NULL)
            return oom(c);
    }
    mark = push_key(c, name);
    if (ti == sizeof cmd_tab / sizeof cmd_tab[0]) {
        char e[64];
        esc(name, e, sizeof e);
        rc = fail(c, FWUP_E_DESC_UNKNOWN_KEY, "unknown command '%s'", e);
        goto out;
    }
    switch (cmd->arg) {
    case FWUP_ARG_POLICY:
        rc = get_uint(c, arg, UINT32_MAX, &cmd->policy);
        break;
    case FWUP_ARG_INDEX:
        rc = parse_index(c, arg, cmd);
        break;
    case FWUP_ARG_PARAMS: {
        const char *k;
        json_t *v;
        if ((rc = want(c, arg, JSON_OBJECT, "an object of parameters")) != FWUP_OK)
            break;
        if (json_object_size(arg) == 0) {
            rc = fail(c, FWUP_E_DESC_VALUE, "needs at least one parameter");
            break;
        }
        json_object_foreach(arg, k, v) {
            size_t m3 = push_key(c, k);
            rc = parse_param(c, k, v, cmd);
            pop(c, m3);
            if (rc != FWUP_OK)
                break;
        }
        break;
    }
    case FWUP_ARG_SEQS: {
        size_t n;
        if ((rc = want(c, arg, JSON_ARRAY, "an array of command sequences")) != FWUP_OK)
            break;
        n = json_array_size(arg);
        if (n < 2) {
            /* CDDL: [2* bstr .cbor SUIT_Command_Sequence, ? nil] */
            rc = fail(c, FWUP_E_DESC_VALUE, "try-each needs at least two sequences");
            break;
        }
        cmd->seqs = calloc(n, sizeof *cmd->seqs);
        if (cmd->seqs == NULL) {
            rc = oom(c);
            break;
        }
        cmd->nseqs = n;
        for (size_t i = 0; i < n && rc == FWUP_OK; i++) {
            json_t *b = json_array_get(arg, i);
            size_t m3 = push_idx(c, i);
            if (json_is_null(b)) {
                /* Only the last branch may be nil (an empty, succeeding branch). */
                if (i + 1 != n)
                    rc = fail(c, FWUP_E_DESC_VALUE, "only the last try-each branch may be null");
            } else {
                rc = parse_seq(c, b, &cmd->seqs[i]);
            }
            pop(c, m3);
        }
        break;
    }
    case FWUP_ARG_SEQ:
        cmd->seqs = calloc(1, sizeof *cmd->seqs);
        if (cmd->seqs == NULL) {
            rc = oom(c);
            break;
        }
        cmd->nseqs = 1;
        rc = parse_seq(c, arg, &cmd->seqs[0]);
        break;
    case FWUP_ARG_VALUE:
        break;
    }
out:
    pop(c, mark);
    return rc;
}

static enum fwup_err
parse_seq(struct ctx *c, json_t *arr, struct fwup_aseq **out)
{
    struct fwup_aseq *s;
    enum fwup_err rc;

    *out = NULL;
    if ((rc = want(c, arr, JSON_ARRAY, "an array of commands")) != FWUP_OK)
        return rc;
    if (c->nest >= FWUP_DESC_MAX_NEST)
        return fail(c, FWUP_E_LIMIT_DEPTH, "command sequences nest deeper than %d",
                    FWUP_DESC_MAX_NEST);
    s = fwup_ir_seq_new();
    if (s == NULL)
        return oom(c);
    c->nest++;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        size_t mark = push_idx(c, i);
        rc = parse_cmd(c, json_array_get(arr, i), s);
        pop(c, mark);
        if (rc != FWUP_OK) {
            c->nest--;
            fwup_ir_seq_free(s);
            return rc;
        }
    }
    c->nest--;
    *out = s;
    return FWUP_OK;
}

static int
seq_by_name(const char *k)
{
    for (int s = 0; s < FWUP_SEQ_COUNT; s++)
        if (strcmp(k, fwup_seq_name((enum fwup_seq_id)s)) == 0)
            return s;
    return -1;
}

/* {"install": [...], ...}: sequence name -> commands. */
static enum fwup_err
parse_seq_map(struct ctx *c, json_t *obj, struct fwup_aseq **seqs)
{
    const char *k;
    json_t *v;
    enum fwup_err rc;

    if ((rc = want(c, obj, JSON_OBJECT, "an object of command sequences")) != FWUP_OK)
        return rc;
    json_object_foreach(obj, k, v) {
        int s = seq_by_name(k);
        size_t mark = push_key(c, k);
        if (s < 0 && strcmp(k, "comment") != 0) {
            char e[64];
            esc(k, e, sizeof e);
            rc = fail(c, FWUP_E_DESC_UNKNOWN_KEY,
                      "unknown sequence '%s' (shared, validate, load, invoke, "
                      "payload-fetch, install, dependency-resolution)",
                      e);
        } else if (s >= 0) {
            rc = parse_seq(c, v, &seqs[s]);
        }
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

/* ---- components ------------------------------------------------------------ */

static enum fwup_err
parse_comp_id(struct ctx *c, json_t *v, struct fwup_acomp *comp)
{
    size_t n;
    enum fwup_err rc;

    if ((rc = want(c, v, JSON_ARRAY, "an array of strings or {\"hex\": ...}")) != FWUP_OK)
        return rc;
    n = json_array_size(v);
    if (n == 0)
        /* CDDL allows [], but an empty identifier names nothing (OPEN-QUESTIONS 15). */
        return fail(c, FWUP_E_DESC_VALUE, "a component identifier needs at least one segment");
    comp->seg = calloc(n, sizeof *comp->seg);
    if (comp->seg == NULL)
        return oom(c);
    for (size_t i = 0; i < n; i++) {
        uint8_t *b = NULL;
        size_t len = 0;
        size_t mark = push_idx(c, i);
        rc = get_bytes(c, json_array_get(v, i), &b, &len);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        comp->seg[i].ptr = b;
        comp->seg[i].len = len;
        comp->nseg++;
    }
    return FWUP_OK;
}

static bool
same_id(const struct fwup_acomp *a, const struct fwup_acomp *b)
{
    if (a->nseg != b->nseg)
        return false;
    for (size_t i = 0; i < a->nseg; i++)
        if (a->seg[i].len != b->seg[i].len ||
            (a->seg[i].len > 0 && memcmp(a->seg[i].ptr, b->seg[i].ptr, a->seg[i].len) != 0))
            return false;
    return true;
}

static enum fwup_err
parse_ctext(struct ctx *c, json_t *obj, struct fwup_acomp *comp)
{
    static const char *const keys[] = {"vendor-name", "model-name", "vendor-domain",
                                       "model-info", "description", "version", NULL};
    enum fwup_err rc;

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    /* keys[i] is component text key i + 1 (§8.4.4). */
    for (int i = 0; keys[i] != NULL; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        const char *s;
        size_t mark;
        if (v == NULL)
            continue;
        mark = push_key(c, keys[i]);
        rc = get_str(c, v, false, &s);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        comp->ctext[i + 1] = strdup(s);
        if (comp->ctext[i + 1] == NULL)
            return oom(c);
    }
    return FWUP_OK;
}

static enum fwup_err
get_ref(struct ctx *c, json_t *obj, const char *key, size_t self, int *out, char **where)
{
    json_t *v = json_object_get(obj, key);
    uint32_t idx;
    enum fwup_err rc;
    size_t mark;

    *out = -1;
    if (v == NULL)
        return FWUP_OK;
    mark = push_key(c, key);
    rc = get_comp_ref(c, v, false, &idx);
    if (rc == FWUP_OK && idx == self)
        rc = fail(c, FWUP_E_DESC_CONFLICT, "a component cannot refer to itself");
    if (rc == FWUP_OK && where != NULL && (*where = strdup(c->path)) == NULL)
        rc = oom(c);
    pop(c, mark);
    if (rc == FWUP_OK)
        *out = (int)idx;
    return rc;
}

static enum fwup_err
conflict_key(struct ctx *c, json_t *obj, const char *key, const char *why)
{
    size_t mark;
    enum fwup_err rc;

    if (json_object_get(obj, key) == NULL)
        return FWUP_OK;
    mark = push_key(c, key);
    rc = fail(c, FWUP_E_DESC_CONFLICT, "%s", why);
    pop(c, mark);
    return rc;
}

static enum fwup_err
parse_slots(struct ctx *c, json_t *arr, struct compd *d)
{
    static const char *const keys[] = {"image", "uri", "integrated", NULL};
    size_t n;
    enum fwup_err rc;

    if ((rc = want(c, arr, JSON_ARRAY, "an array of slots")) != FWUP_OK)
        return rc;
    n = json_array_size(arr);
    if (n < 2)
        /* §7.7: A/B images choose between slots with try-each, which needs
         * two branches; one slot is a plain image. */
        return fail(c, FWUP_E_DESC_CONFLICT,
                    "A/B images need at least two slots (got %zu); use 'image' for one", n);
    d->slots = calloc(n, sizeof *d->slots);
    if (d->slots == NULL)
        return oom(c);
    d->nslots = n;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        struct slotd *sl = &d->slots[i];
        size_t mark = push_idx(c, i);
        json_t *img;
        if ((rc = want(c, s, JSON_OBJECT, "an object")) == FWUP_OK &&
            (rc = check_keys(c, s, keys)) == FWUP_OK) {
            img = json_object_get(s, "image");
            if (img == NULL) {
                rc = fail(c, FWUP_E_DESC_MISSING, "a slot needs 'image'");
            } else {
                size_t m2 = push_key(c, "image");
                rc = parse_image(c, img, &sl->img);
                pop(c, m2);
            }
            if (rc == FWUP_OK)
                rc = parse_source(c, s, &sl->img, &sl->uri, &sl->integ);
            if (rc == FWUP_OK && i > 0 &&
                ((sl->uri || sl->integ) != (d->slots[0].uri || d->slots[0].integ)))
                rc = fail(c, FWUP_E_DESC_CONFLICT,
                          "either every slot is fetched ('uri' / 'integrated') or none is");
        }
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

/*
 * "encryption": {"info": FILE, "ciphertext": FILE} (docs/description.md,
 * docs/encryption.md). The image is encrypted beforehand by `fwup encrypt`
 * (a random CEK per payload: kept out of `create`, which stays
 * reproducible). The encryption-info parameter (19) goes into the override
 * that sets the uri, right before the fetch that stores the payload
 * ([ENC] §4: on the destination component), so the device decrypts while
 * writing. "image" keeps describing the PLAINTEXT: the shared image-digest
 * and image-size, and every image-match (after the fetch, at validate, at
 * boot) check the decrypted image in the component (OPEN-QUESTIONS 17).
 */
static enum fwup_err
parse_encryption(struct ctx *c, json_t *obj, struct compd *d)
{
    static const char *const keys[] = {"info", "ciphertext", NULL};
    struct fwup_enc_info *info = NULL;
    struct fwup_diag ed;
    json_t *v;
    const char *f;
    char *path = NULL;
    FILE *fp;
    size_t mark, tag;
    enum fwup_err rc;

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    if (d->nslots > 0 || d->staging >= 0 || d->install_from >= 0 || d->load_from >= 0)
        return fail(c, FWUP_E_DESC_CONFLICT,
                    "'encryption' applies to an image fetched straight into its component "
                    "('uri' or 'integrated'; not slots, staging or copies)");
    if (!d->uri && !d->integ)
        return fail(c, FWUP_E_DESC_CONFLICT,
                    "an encrypted image must be fetched: give 'uri' or 'integrated'");
    if ((v = json_object_get(obj, "info")) == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "'encryption' needs 'info' (made by fwup encrypt)");
    mark = push_key(c, "info");
    rc = get_str(c, v, true, &f);
    if (rc == FWUP_OK && (path = resolve(c->base_dir, f)) == NULL)
        rc = oom(c);
    if (rc == FWUP_OK) {
        /* An encryption info is small (one recipient per device: 64 at most). */
        d->enc_info = malloc(16384);
        fp = d->enc_info != NULL ? fopen(path, "rb") : NULL;
        if (d->enc_info == NULL)
            rc = oom(c);
        else if (fp == NULL)
            rc = fail(c, FWUP_E_DESC_FILE, "cannot open '%s': %s", path, strerror(errno));
        else {
            d->enc_info_len = fread(d->enc_info, 1, 16384, fp);
            if (ferror(fp) || d->enc_info_len == 16384)
                rc = fail(c, FWUP_E_DESC_FILE, "cannot read '%s' (or larger than 16 KiB)", path);
            fclose(fp);
        }
    }
    if (rc == FWUP_OK && (info = malloc(sizeof *info)) == NULL)
        rc = oom(c);
    if (rc == FWUP_OK) {
        /* Check it now, with the device's parser: a wrong file (a key, the
         * ciphertext) must not reach a fleet. */
        fwup_diag_init(&ed);
        if (fwup_enc_info_parse(d->enc_info, d->enc_info_len, info, &ed) != FWUP_OK)
            rc = fail(c, FWUP_E_DESC_VALUE, "not a usable SUIT_Encryption_Info: %s", ed.detail);
    }
    pop(c, mark);
    free(path);
    tag = (rc == FWUP_OK && info->alg == FWUP_COSE_A128GCM) ? FWUP_ENC_TAG_LEN : 0;
    free(info);
    if (rc != FWUP_OK)
        return rc;
    if ((v = json_object_get(obj, "ciphertext")) != NULL) {
        struct fwup_diag hd;
        mark = push_key(c, "ciphertext");
        rc = get_str(c, v, true, &f);
        if (rc == FWUP_OK && (d->enc_ct.file = resolve(c->base_dir, f)) == NULL)
            rc = oom(c);
        if (rc == FWUP_OK) {
            fwup_diag_init(&hd);
            d->enc_ct.present = true;
            d->enc_ct.alg = d->img.alg;
            rc = fwup_author_hash_file(d->enc_ct.file, d->enc_ct.alg, d->enc_ct.digest,
                                       &d->enc_ct.dlen, &d->enc_ct.size, &hd);
            if (rc != FWUP_OK)
                rc = fail(c, FWUP_E_DESC_FILE, "%s", hd.detail);
        }
        /* The ciphertext is the plaintext plus the GCM tag (CTR: same size);
         * anything else is the wrong file. */
        if (rc == FWUP_OK && d->enc_ct.size != d->img.size + tag)
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "the ciphertext is %llu bytes; the image (%llu bytes) encrypted with "
                      "this info must be %llu",
                      (unsigned long long)d->enc_ct.size, (unsigned long long)d->img.size,
                      (unsigned long long)(d->img.size + tag));
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    } else if (d->integ) {
        return fail(c, FWUP_E_DESC_MISSING,
                    "an integrated encrypted image needs 'ciphertext': its bytes are embedded");
    }
    return FWUP_OK;
}

static enum fwup_err
parse_component(struct ctx *c, json_t *obj, size_t idx)
{
    static const char *const keys[] = {"name",         "id",        "image",   "uri",
                                       "integrated",   "fetch-in",  "staging", "install-from",
                                       "load-from",    "invoke",    "slots",   "text",
                                       "extra",        "encryption", NULL};
    struct compd *d = &c->cd[idx];
    struct fwup_acomp *comp = &c->m->comps[idx];
    json_t *v;
    enum fwup_err rc;
    size_t mark;

    d->staging = d->install_from = d->load_from = d->staged_for = -1;
    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    v = json_object_get(obj, "id");
    if (v == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "a component needs 'id'");
    mark = push_key(c, "id");
    rc = parse_comp_id(c, v, comp);
    for (size_t j = 0; rc == FWUP_OK && j < idx; j++)
        if (same_id(&c->m->comps[j], comp))
            rc = fail(c, FWUP_E_DESC_CONFLICT, "the same identifier as component %zu", j);
    pop(c, mark);
    if (rc != FWUP_OK)
        return rc;

    if ((v = json_object_get(obj, "image")) != NULL) {
        mark = push_key(c, "image");
        rc = parse_image(c, v, &d->img);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((rc = parse_source(c, obj, &d->img, &d->uri, &d->integ)) != FWUP_OK)
        return rc;
    if ((v = json_object_get(obj, "slots")) != NULL) {
        static const char *const excl[] = {"image", "uri", "integrated", "install-from",
                                           "load-from", "staging", NULL};
        for (int i = 0; excl[i] != NULL; i++)
            if ((rc = conflict_key(c, obj, excl[i],
                                   "A/B images give image and uri per slot (in 'slots')")) !=
                FWUP_OK)
                return rc;
        mark = push_key(c, "slots");
        rc = parse_slots(c, v, d);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(obj, "fetch-in")) != NULL) {
        const char *s;
        mark = push_key(c, "fetch-in");
        rc = get_str(c, v, false, &s);
        if (rc == FWUP_OK && strcmp(s, "payload-fetch") == 0)
            d->fetch_pf = true;
        else if (rc == FWUP_OK && strcmp(s, "install") != 0)
            rc = fail(c, FWUP_E_DESC_VALUE, "expected 'install' or 'payload-fetch'");
        if (rc == FWUP_OK && !(d->uri || d->integ || (d->nslots && (d->slots[0].uri ||
                                                                   d->slots[0].integ))))
            rc = fail(c, FWUP_E_DESC_CONFLICT, "'fetch-in' needs an image with 'uri' or "
                      "'integrated'");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((rc = get_ref(c, obj, "staging", idx, &d->staging, &d->staging_path)) != FWUP_OK ||
        (rc = get_ref(c, obj, "install-from", idx, &d->install_from, NULL)) != FWUP_OK ||
        (rc = get_ref(c, obj, "load-from", idx, &d->load_from, NULL)) != FWUP_OK)
        return rc;
    if (d->staging >= 0) {
        if (!d->uri && !d->integ)
            return conflict_key(c, obj, "staging",
                                "'staging' needs an image with 'uri' or 'integrated' to fetch");
        if ((rc = conflict_key(c, obj, "fetch-in", "a staged image is always fetched in "
                                                   "payload-fetch; drop 'fetch-in'")) != FWUP_OK)
            return rc;
    }
    if (d->install_from >= 0) {
        static const char *const excl[] = {"uri", "integrated", "staging", NULL};
        for (int i = 0; excl[i] != NULL; i++)
            if ((rc = conflict_key(c, obj, excl[i],
                                   "an image is either copied ('install-from') or fetched")) !=
                FWUP_OK)
                return rc;
        if (!d->img.present)
            return conflict_key(c, obj, "install-from",
                                "'install-from' needs 'image' (checked after the copy)");
    }
    if (d->load_from >= 0) {
        static const char *const excl[] = {"uri", "integrated", "staging", "install-from",
                                           NULL};
        for (int i = 0; excl[i] != NULL; i++)
            if ((rc = conflict_key(c, obj, excl[i],
                                   "a loaded component gets its image from 'load-from' only")) !=
                FWUP_OK)
                return rc;
        if (!d->img.present)
            return conflict_key(c, obj, "load-from",
                                "'load-from' needs 'image' (the loaded image is checked)");
    }
    if ((v = json_object_get(obj, "encryption")) != NULL) {
        mark = push_key(c, "encryption");
        rc = parse_encryption(c, v, d);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(obj, "invoke")) != NULL) {
        mark = push_key(c, "invoke");
        rc = want(c, v, JSON_TRUE, "a boolean");
        d->invoke = json_is_true(v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(obj, "text")) != NULL) {
        mark = push_key(c, "text");
        rc = parse_ctext(c, v, comp);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(obj, "extra")) != NULL) {
        mark = push_key(c, "extra");
        rc = parse_seq_map(c, v, d->extra);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

/* Checks that need every component parsed: staging areas. */
static enum fwup_err
check_components(struct ctx *c)
{
    for (size_t i = 0; i < c->ncd; i++) {
        struct compd *d = &c->cd[i];
        struct compd *t;
        if (d->staging < 0)
            continue;
        t = &c->cd[d->staging];
        if (t->img.present || t->nslots || t->uri || t->integ || t->invoke ||
            t->load_from >= 0 || t->install_from >= 0 || t->staging >= 0 || t->staged_for >= 0) {
            size_t save = c->plen;
            enum fwup_err rc;
            /* Point at the "staging" value that names it. */
            snprintf(c->path, sizeof c->path, "%s", d->staging_path);
            c->plen = strlen(c->path);
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      t->staged_for >= 0
                          ? "this staging component already holds another image (payload-fetch "
                            "runs completely before install)"
                          : "a staging component holds the download only: it must have no "
                            "image, slots, uri or invoke of its own");
            c->plen = save;
            c->path[save] = '\0';
            return rc;
        }
        t->staged_for = (int)i;
    }
    return FWUP_OK;
}

/* ---- templates ------------------------------------------------------------ */

/* Move the commands of blk to the end of out (ownership moves; blk is freed). */
static bool
splice(struct fwup_aseq *out, struct fwup_aseq *blk)
{
    for (size_t i = 0; i < blk->n; i++) {
        struct fwup_acmd *d = fwup_ir_push(out, 0, FWUP_ARG_POLICY);
        if (d == NULL)
            return false;
        *d = blk->cmds[i];
    }
    blk->n = 0;
    fwup_ir_seq_free(blk);
    return true;
}

static bool
add_image_params(struct fwup_acmd *ov, const struct imgd *img, bool with_size)
{
    return fwup_ir_param_bytes(ov, FWUP_P_IMAGE_DIGEST, FWUP_VAL_DIGEST, img->digest, img->dlen,
                               img->alg) &&
           (!with_size || fwup_ir_param_uint(ov, FWUP_P_IMAGE_SIZE, img->size));
}

static bool
add_uri(struct fwup_acmd *ov, const char *uri, const char *integ)
{
    const char *u = uri != NULL ? uri : integ;
    return fwup_ir_param_bytes(ov, FWUP_P_URI, FWUP_VAL_TSTR, u, strlen(u), 0);
}

/* try-each over the slots of an A/B component (§7.7, example 3). Each branch:
 * override{slot: k}, component-slot?(5), then override{what(slot k)} if any. */
enum slot_part { SLOT_IMAGE, SLOT_URI, SLOT_NONE };

static bool
add_slot_try(struct fwup_aseq *s, const struct compd *d, enum slot_part part)
{
    struct fwup_acmd *t = fwup_ir_push(s, FWUP_CMD_TRY_EACH, FWUP_ARG_SEQS);

    if (t == NULL || (t->seqs = calloc(d->nslots, sizeof *t->seqs)) == NULL)
        return false;
    t->nseqs = d->nslots;
    for (size_t k = 0; k < d->nslots; k++) {
        struct fwup_aseq *b = fwup_ir_seq_new();
        struct fwup_acmd *ov;
        t->seqs[k] = b;
        if (b == NULL)
            return false;
        ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
        if (ov == NULL || !fwup_ir_param_uint(ov, FWUP_P_COMPONENT_SLOT, k) ||
            !fwup_ir_policy(b, FWUP_CMD_COMPONENT_SLOT, FWUP_POLICY_SLOT))
            return false;
        if (part == SLOT_NONE)
            continue;
        ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
        if (ov == NULL)
            return false;
        if (part == SLOT_IMAGE ? !add_image_params(ov, &d->slots[k].img, true)
                               : !add_uri(ov, d->slots[k].uri, d->slots[k].integ))
            return false;
    }
    return true;
}

static bool
slots_fetched(const struct compd *d)
{
    return d->nslots > 0 && (d->slots[0].uri != NULL || d->slots[0].integ != NULL);
}

/* The commands of component i in sequence s (without set-component-index). */
static bool
gen_block(struct ctx *c, enum fwup_seq_id s, size_t i, struct fwup_aseq *b)
{
    const struct compd *d = &c->cd[i];
    struct fwup_acmd *ov;
    bool fetched = d->uri != NULL || d->integ != NULL;

    switch (s) {
    case FWUP_SEQ_SHARED: {
        /* Compatibility check (§7.1) on the first component, plus the image
         * digest and size (§7.2/§7.3) unless the image is loaded (its
         * parameters are set where it is loaded, example 4). */
        bool ident = (i == 0) && c->has_identity;
        bool image = d->img.present && d->load_from < 0;
        if (ident || image) {
            ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
            if (ov == NULL)
                return false;
            if (ident && (!fwup_ir_param_bytes(ov, FWUP_P_VENDOR_ID, FWUP_VAL_BSTR, c->vendor,
                                               16, 0) ||
                          !fwup_ir_param_bytes(ov, FWUP_P_CLASS_ID, FWUP_VAL_BSTR, c->klass,
                                               16, 0)))
                return false;
            if (ident && c->has_device &&
                !fwup_ir_param_bytes(ov, FWUP_P_DEVICE_ID, FWUP_VAL_BSTR, c->device, 16, 0))
                return false;
            if (image && !add_image_params(ov, &d->img, true))
                return false;
        }
        if (d->nslots > 0 && !add_slot_try(b, d, SLOT_IMAGE))
            return false;
        if (ident && (!fwup_ir_policy(b, FWUP_CMD_VENDOR_ID, FWUP_POLICY_CHECK) ||
                      !fwup_ir_policy(b, FWUP_CMD_CLASS_ID, FWUP_POLICY_CHECK)))
            return false;
        if (ident && c->has_device && !fwup_ir_policy(b, FWUP_CMD_DEVICE_ID, FWUP_POLICY_CHECK))
            return false;
        return true;
    }
    case FWUP_SEQ_VALIDATE:
        /* Trusted invocation (§7.2): check what is stored before use. */
        if ((d->img.present && d->load_from < 0) || d->nslots > 0)
            return fwup_ir_policy(b, FWUP_CMD_IMAGE_MATCH, FWUP_POLICY_CHECK);
        return true;
    case FWUP_SEQ_LOAD:
        /* Load from non-volatile storage (§7.6, example 4). */
        if (d->load_from < 0)
            return true;
        ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
        return ov != NULL && add_image_params(ov, &d->img, true) &&
               fwup_ir_param_uint(ov, FWUP_P_SOURCE_COMPONENT, (uint64_t)d->load_from) &&
               fwup_ir_policy(b, FWUP_CMD_COPY, FWUP_POLICY_ACTION) &&
               fwup_ir_policy(b, FWUP_CMD_IMAGE_MATCH, FWUP_POLICY_CHECK);
    case FWUP_SEQ_INVOKE:
        if (!d->invoke)
            return true;
        if (d->nslots > 0 && !add_slot_try(b, d, SLOT_NONE))
            return false;
        return fwup_ir_policy(b, FWUP_CMD_INVOKE, FWUP_POLICY_ACTION);
    case FWUP_SEQ_PAYLOAD_FETCH:
        if (d->staged_for >= 0) {
            /* Download into the staging area (example 4): the digest is set
             * here because shared does not describe this component. */
            const struct compd *img = &c->cd[d->staged_for];
            ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
            return ov != NULL && add_image_params(ov, &img->img, false) &&
                   add_uri(ov, img->uri, img->integ) &&
                   fwup_ir_policy(b, FWUP_CMD_FETCH, FWUP_POLICY_ACTION) &&
                   fwup_ir_policy(b, FWUP_CMD_IMAGE_MATCH, FWUP_POLICY_CHECK);
        }
        if (!d->fetch_pf)
            return true;
        break;
    case FWUP_SEQ_INSTALL:
        if (d->staging >= 0 || d->install_from >= 0) {
            /* Install by copy (§7.4). */
            int from = d->staging >= 0 ? d->staging : d->install_from;
            ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
            return ov != NULL && fwup_ir_param_uint(ov, FWUP_P_SOURCE_COMPONENT, (uint64_t)from) &&
                   fwup_ir_policy(b, FWUP_CMD_COPY, FWUP_POLICY_ACTION) &&
                   fwup_ir_policy(b, FWUP_CMD_IMAGE_MATCH, FWUP_POLICY_CHECK);
        }
        if (d->fetch_pf)
            return true;
        break;
    case FWUP_SEQ_DEP_RESOLUTION: /* components take no part in it */
    case FWUP_SEQ_COUNT:
        return true;
    }
    /* Download (§7.3) or integrated payload (§7.5) straight into the component. */
    if (d->nslots > 0) {
        if (!slots_fetched(d))
            return true;
        if (!add_slot_try(b, d, SLOT_URI))
            return false;
    } else {
        if (!fetched)
            return true;
        ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
        if (ov == NULL || !add_uri(ov, d->uri, d->integ))
            return false;
        /* [ENC] §4: encryption-info on the component the fetch stores into;
         * set right here, in the fetching sequence only, so validate and
         * invoke (which read the decrypted image) never see it. */
        if (d->enc_info != NULL &&
            !fwup_ir_param_bytes(ov, FWUP_P_ENCRYPTION_INFO, FWUP_VAL_BSTR, d->enc_info,
                                 d->enc_info_len, 0))
            return false;
    }
    return fwup_ir_policy(b, FWUP_CMD_FETCH, FWUP_POLICY_ACTION) &&
           fwup_ir_policy(b, FWUP_CMD_IMAGE_MATCH, FWUP_POLICY_CHECK);
}

/*
 * The commands of dependency j in sequence s: the trust-domains template
 * ([TD] §8.1, SUIT-DIGEST §18.4), without set-component-index.
 *   shared                 set-parameters{image-digest = its MANIFEST digest
 *                          [, uri "#name" when integrated: validate and
 *                          invoke at boot must find it too]}
 *   dependency-resolution  set-parameters{uri} fetch dependency-integrity
 *                          process-dependency
 *   install, validate      dependency-integrity process-dependency
 *   payload-fetch, load,   the same, when the dependency has that sequence
 *   invoke                 ("a dependent MUST populate all sequences of the
 *                          procedure" the dependency uses)
 * set-parameters, never override: a dependent's value wins over a deeper
 * one only by being set first ([TD] §5.6.3, OPEN-QUESTIONS 11).
 */
static bool
gen_dep_block(struct ctx *c, enum fwup_seq_id s, size_t j, struct fwup_aseq *b)
{
    const struct depd *d = &c->dd[j];
    struct fwup_acmd *sp;
    bool run;

    switch (s) {
    case FWUP_SEQ_SHARED:
        sp = fwup_ir_push(b, FWUP_CMD_SET_PARAMETERS, FWUP_ARG_PARAMS);
        return sp != NULL &&
               fwup_ir_param_bytes(sp, FWUP_P_IMAGE_DIGEST, FWUP_VAL_DIGEST, d->info.digest,
                                   d->info.dlen, d->info.alg) &&
               (d->integ == NULL || add_uri(sp, NULL, d->integ));
    case FWUP_SEQ_DEP_RESOLUTION:
        sp = fwup_ir_push(b, FWUP_CMD_SET_PARAMETERS, FWUP_ARG_PARAMS);
        if (sp == NULL || !add_uri(sp, d->uri, d->integ) ||
            !fwup_ir_policy(b, FWUP_CMD_FETCH, FWUP_POLICY_ACTION))
            return false;
        run = true;
        break;
    case FWUP_SEQ_INSTALL:
    case FWUP_SEQ_VALIDATE: run = true; break;
    case FWUP_SEQ_PAYLOAD_FETCH: run = d->info.payload_fetch; break;
    case FWUP_SEQ_LOAD: run = d->info.load; break;
    case FWUP_SEQ_INVOKE: run = d->info.invoke; break;
    case FWUP_SEQ_COUNT:
    default: run = false; break;
    }
    return !run || (fwup_ir_policy(b, FWUP_CMD_DEPENDENCY_INTEGRITY, FWUP_POLICY_CHECK) &&
                    fwup_ir_policy(b, FWUP_CMD_PROCESS_DEPENDENCY, FWUP_POLICY_ACTION));
}

/* [UM] use-before on component 0: override{use-before} use-before?. */
static bool
gen_use_before(struct ctx *c, struct fwup_aseq *b)
{
    struct fwup_acmd *ov;

    if (c->m->ncomp + c->ndd > 1 && !fwup_ir_index(b, 0))
        return false;
    ov = fwup_ir_push(b, FWUP_CMD_OVERRIDE_PARAMETERS, FWUP_ARG_PARAMS);
    return ov != NULL && fwup_ir_param_uint(ov, FWUP_P_USE_BEFORE, c->use_before) &&
           fwup_ir_policy(b, FWUP_CMD_USE_BEFORE, FWUP_POLICY_CHECK);
}

static enum fwup_err
gen_sequences(struct ctx *c)
{
    struct fwup_author_model *m = c->m;
    size_t n_index = m->ncomp + c->ndd;

    for (int s = 0; s < FWUP_SEQ_COUNT; s++) {
        struct fwup_aseq *out;

        if (c->has_explicit[s]) {
            /* Written out in "sequences": taken as is; per-component extras
             * for it would have no place to go. */
            for (size_t i = 0; i < c->ncd; i++) {
                if (c->cd[i].extra[s] != NULL) {
                    size_t m0 = push_key(c, "components");
                    size_t m1 = push_idx(c, i);
                    size_t m2 = push_key(c, "extra");
                    size_t m3 = push_key(c, fwup_seq_name((enum fwup_seq_id)s));
                    enum fwup_err rc = fail(c, FWUP_E_DESC_CONFLICT,
                                            "'%s' is given in full under 'sequences'; put "
                                            "these commands there",
                                            fwup_seq_name((enum fwup_seq_id)s));
                    pop(c, m3);
                    pop(c, m2);
                    pop(c, m1);
                    pop(c, m0);
                    return rc;
                }
            }
            m->seq[s] = c->explicit_seq[s];
            c->explicit_seq[s] = NULL;
            continue;
        }
        out = fwup_ir_seq_new();
        if (out == NULL)
            return oom(c);
        /* use-before first in install: checked before anything is written
         * (the shared variant runs before every sequence, boot included). */
        if (c->has_use_before &&
            s == (c->use_before_shared ? FWUP_SEQ_COUNT : FWUP_SEQ_INSTALL) &&
            !gen_use_before(c, out)) {
            fwup_ir_seq_free(out);
            return oom(c);
        }
        /* Components 0..ncd-1, then dependencies ncd.. (OPEN-QUESTIONS 19). */
        for (size_t i = 0; i < n_index; i++) {
            struct fwup_aseq *b = fwup_ir_seq_new();
            bool ok = b != NULL && (i < c->ncd ? gen_block(c, (enum fwup_seq_id)s, i, b)
                                               : gen_dep_block(c, (enum fwup_seq_id)s,
                                                               i - c->ncd, b));
            if (ok && i < c->ncd && c->cd[i].extra[s] != NULL) {
                ok = splice(b, c->cd[i].extra[s]);
                c->cd[i].extra[s] = NULL;
            }
            if (ok && b->n > 0 && n_index > 1) {
                /* §6.2: with several components every block says which. */
                struct fwup_aseq *hdr = fwup_ir_seq_new();
                ok = hdr != NULL && fwup_ir_index(hdr, (uint32_t)i) && splice(hdr, b);
                b = ok ? hdr : NULL;
                if (!ok)
                    fwup_ir_seq_free(hdr);
            }
            if (ok)
                ok = splice(out, b);
            else
                fwup_ir_seq_free(b);
            if (!ok) {
                fwup_ir_seq_free(out);
                return oom(c);
            }
        }
        if (c->has_use_before && c->use_before_shared && s == FWUP_SEQ_SHARED &&
            !gen_use_before(c, out)) {
            fwup_ir_seq_free(out);
            return oom(c);
        }
        if (out->n == 0) {
            fwup_ir_seq_free(out);
            out = NULL;
        }
        m->seq[s] = out;
    }
    return FWUP_OK;
}

/* ---- dependencies and when-to-apply conditions ([TD], [UM]) --------------- */

/* "use-before": N, or {"time": N, "sequence": "install" | "shared"}. */
static enum fwup_err
parse_use_before(struct ctx *c, json_t *v)
{
    static const char *const keys[] = {"time", "sequence", NULL};
    json_t *t = v, *sq = NULL;
    enum fwup_err rc;
    size_t mark;

    if (json_is_object(v)) {
        if ((rc = check_keys(c, v, keys)) != FWUP_OK)
            return rc;
        t = json_object_get(v, "time");
        sq = json_object_get(v, "sequence");
        if (t == NULL)
            return fail(c, FWUP_E_DESC_MISSING, "missing 'time' (UTC seconds)");
    } else if (!json_is_integer(v)) {
        return fail(c, FWUP_E_DESC_TYPE,
                    "expected UTC seconds or {\"time\", \"sequence\"}, got %s", jtype(v));
    }
    mark = json_is_object(v) ? push_key(c, "time") : c->plen;
    rc = get_uint(c, t, (uint64_t)INT64_MAX, &c->use_before);
    if (rc == FWUP_OK && c->use_before == 0)
        rc = fail(c, FWUP_E_DESC_VALUE, "0 would expire the manifest from the start");
    pop(c, mark);
    if (rc != FWUP_OK)
        return rc;
    if (sq != NULL) {
        const char *str;
        mark = push_key(c, "sequence");
        rc = get_str(c, sq, false, &str);
        if (rc == FWUP_OK && strcmp(str, "shared") == 0)
            c->use_before_shared = true;
        else if (rc == FWUP_OK && strcmp(str, "install") != 0)
            rc = fail(c, FWUP_E_DESC_VALUE, "expected \"install\" or \"shared\"");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    c->has_use_before = true;
    return FWUP_OK;
}

/* Same identifier as a component or an earlier dependency? */
static bool
id_taken(struct ctx *c, const struct fwup_acomp *id, size_t j)
{
    for (size_t i = 0; i < c->m->ncomp; i++)
        if (same_id(&c->m->comps[i], id))
            return true;
    for (size_t k = 0; k < j; k++)
        if (same_id(&c->m->deps[k], id))
            return true;
    return false;
}

/*
 * One dependency: {"envelope": FILE, "uri": URI | "integrated": "#name",
 * "name": NAME, "prefix": [segments]}. The envelope is read through the
 * embedded verifier (dep.c); its manifest digest is what this manifest
 * binds.
 */
static enum fwup_err
parse_dependency(struct ctx *c, json_t *obj, size_t j)
{
    static const char *const keys[] = {"name", "envelope", "uri", "integrated", "prefix",
                                       NULL};
    struct depd *d = &c->dd[j];
    struct fwup_acomp *id = &c->m->deps[j];
    json_t *v, *uri, *integ;
    const char *str;
    char why[200];
    enum fwup_err rc;
    size_t mark;

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    uri = json_object_get(obj, "uri");
    integ = json_object_get(obj, "integrated");
    if (uri == NULL && integ == NULL)
        return fail(c, FWUP_E_DESC_MISSING,
                    "a dependency needs 'uri' (fetched) or 'integrated' (\"#name\")");
    if (uri != NULL && integ != NULL)
        return conflict_key(c, obj, "integrated", "give 'uri' or 'integrated', not both");
    if (uri != NULL) {
        mark = push_key(c, "uri");
        rc = get_str(c, uri, true, &d->uri);
        if (rc == FWUP_OK && d->uri[0] == '#')
            rc = fail(c, FWUP_E_DESC_VALUE, "a \"#name\" is given as 'integrated'");
        pop(c, mark);
    } else {
        mark = push_key(c, "integrated");
        rc = get_str(c, integ, true, &d->integ);
        /* §5.5: a fragment-only URI reference names an envelope member. */
        if (rc == FWUP_OK && (d->integ[0] != '#' || d->integ[1] == '\0'))
            rc = fail(c, FWUP_E_DESC_VALUE, "expected \"#name\"");
        pop(c, mark);
    }
    if (rc != FWUP_OK)
        return rc;
    v = json_object_get(obj, "envelope");
    if (v == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "missing 'envelope' (the dependency's .suit file)");
    mark = push_key(c, "envelope");
    rc = get_str(c, v, true, &str);
    if (rc == FWUP_OK && (d->file = resolve(c->base_dir, str)) == NULL)
        rc = oom(c);
    if (rc == FWUP_OK) {
        rc = fwup_dep_read(d->file, &d->info, why, sizeof why);
        if (rc != FWUP_OK)
            rc = fail(c, rc, "%s", why);
    }
    /* An integrated dependency travels as is: unsigned, no device could
     * ever authenticate it (a URI one may still be signed after this). */
    if (rc == FWUP_OK && d->integ != NULL && d->info.n_blocks == 0)
        rc = fail(c, FWUP_E_DESC_VALUE,
                  "dependency '%s' is not signed: sign it before integrating it", d->file);
    pop(c, mark);
    if (rc != FWUP_OK)
        return rc;
    /* dependency-prefix: its identifier in this manifest's index space. */
    v = json_object_get(obj, "prefix");
    if (v != NULL) {
        mark = push_key(c, "prefix");
        rc = parse_comp_id(c, v, id);
    } else {
        /* default: [name], or ["dependency-J"] */
        char def[32];
        json_t *n = json_object_get(obj, "name");
        const char *base = json_is_string(n) ? json_string_value(n) : def;
        size_t bl;
        snprintf(def, sizeof def, "dependency-%zu", j);
        bl = strlen(base);
        mark = c->plen;
        id->seg = calloc(1, sizeof *id->seg);
        if (id->seg == NULL || (id->seg[0].ptr = malloc(bl > 0 ? bl : 1)) == NULL)
            return oom(c);
        memcpy((void *)(uintptr_t)id->seg[0].ptr, base, bl);
        id->seg[0].len = bl;
        id->nseg = 1;
    }
    if (rc == FWUP_OK && id_taken(c, id, j))
        rc = fail(c, FWUP_E_DESC_CONFLICT,
                  "this dependency identifier is already a component or dependency "
                  "identifier (set 'prefix')");
    pop(c, mark);
    return rc;
}

static enum fwup_err
parse_dependencies(struct ctx *c, json_t *arr)
{
    struct fwup_author_model *m = c->m;
    enum fwup_err rc;
    size_t n;

    if ((rc = want(c, arr, JSON_ARRAY, "an array of dependencies")) != FWUP_OK)
        return rc;
    n = json_array_size(arr);
    if (n == 0)
        return fail(c, FWUP_E_DESC_VALUE, "needs at least one dependency (or leave it out)");
    if (c->ncd + n > FWUP_AUTHOR_MAX_COMPONENTS)
        return fail(c, FWUP_E_LIMIT_COMPONENTS, "at most %d components and dependencies",
                    FWUP_AUTHOR_MAX_COMPONENTS);
    c->dd = calloc(n, sizeof *c->dd);
    m->deps = calloc(n, sizeof *m->deps);
    if (c->dd == NULL || m->deps == NULL)
        return oom(c);
    c->ndd = n;
    m->ndeps = n;
    /* Names first (a dependency name must not shadow a component's), then
     * each dependency; names join the component names so that explicit
     * sequences can say {"set-component-index": "app"}. */
    for (size_t j = 0; j < n; j++) {
        json_t *o = json_array_get(arr, j);
        json_t *nm = json_is_object(o) ? json_object_get(o, "name") : NULL;
        size_t m0 = push_idx(c, j);
        if (nm != NULL) {
            const char *str;
            size_t m1 = push_key(c, "name");
            rc = get_str(c, nm, true, &str);
            if (rc == FWUP_OK && comp_by_name(c, str) >= 0)
                rc = fail(c, FWUP_E_DESC_CONFLICT,
                          "a component or another dependency has this name");
            pop(c, m1);
            if (rc != FWUP_OK) {
                pop(c, m0);
                return rc;
            }
        }
        if (json_array_append(c->names, nm != NULL ? nm : json_null()) != 0)
            return oom(c);
        rc = parse_dependency(c, o, j);
        pop(c, m0);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

/* ---- top level --------------------------------------------------------------- */

static enum fwup_err
parse_identity(struct ctx *c, json_t *obj)
{
    static const char *const keys[] = {"vendor-id", "vendor-domain", "class-id", "model",
                                       "device-id", NULL};
    json_t *vid, *vdom, *cid, *model, *dev;
    uint8_t derived[16];
    enum fwup_err rc;
    size_t mark;

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    vid = json_object_get(obj, "vendor-id");
    vdom = json_object_get(obj, "vendor-domain");
    cid = json_object_get(obj, "class-id");
    model = json_object_get(obj, "model");
    dev = json_object_get(obj, "device-id");
    if (vid == NULL && vdom == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "needs 'vendor-id' or 'vendor-domain'");
    if (cid == NULL && model == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "needs 'class-id' or 'model'");
    if (vdom != NULL) {
        const char *s;
        mark = push_key(c, "vendor-domain");
        rc = get_str(c, vdom, true, &s);
        /* RFC 9124 §3.3: vendor-id = UUID5(NAMESPACE_DNS, domain). */
        if (rc == FWUP_OK && fwup_uuid5(FWUP_UUID_NS_DNS, (const uint8_t *)s, strlen(s),
                                        c->vendor) != FWUP_OK)
            rc = fail(c, FWUP_E_CRYPTO, "UUIDv5 failed");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (vid != NULL) {
        mark = push_key(c, "vendor-id");
        rc = get_uuid(c, vid, derived);
        if (rc == FWUP_OK && vdom != NULL && memcmp(derived, c->vendor, 16) != 0)
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "'vendor-id' is not UUID5(DNS, vendor-domain); give only one of them");
        memcpy(c->vendor, derived, 16);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (model != NULL) {
        const char *s;
        mark = push_key(c, "model");
        rc = get_str(c, model, true, &s);
        /* RFC 9124 §3.4: class-id = UUID5(vendor-id, class information). */
        if (rc == FWUP_OK &&
            fwup_uuid5(c->vendor, (const uint8_t *)s, strlen(s), c->klass) != FWUP_OK)
            rc = fail(c, FWUP_E_CRYPTO, "UUIDv5 failed");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (cid != NULL) {
        mark = push_key(c, "class-id");
        rc = get_uuid(c, cid, derived);
        if (rc == FWUP_OK && model != NULL && memcmp(derived, c->klass, 16) != 0)
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "'class-id' is not UUID5(vendor-id, model); give only one of them");
        memcpy(c->klass, derived, 16);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if (dev != NULL) {
        mark = push_key(c, "device-id");
        rc = get_uuid(c, dev, c->device);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        c->has_device = true;
    }
    c->has_identity = true;
    return FWUP_OK;
}

static enum fwup_err
parse_text(struct ctx *c, json_t *obj)
{
    static const char *const keys[] = {"language",    "manifest-description",
                                       "update-description", "json-source",
                                       "yaml-source", NULL};
    struct fwup_author_model *m = c->m;
    json_t *lang;
    enum fwup_err rc;
    const char *s = "en-US";

    if ((rc = want(c, obj, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, obj, keys)) != FWUP_OK)
        return rc;
    if ((lang = json_object_get(obj, "language")) != NULL) {
        size_t mark = push_key(c, "language");
        rc = get_str(c, lang, true, &s);
        for (const char *p = s; rc == FWUP_OK && *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-'))
                rc = fail(c, FWUP_E_DESC_VALUE, "not a language tag (RFC 5646), e.g. 'en-US'");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    m->lang = strdup(s);
    if (m->lang == NULL)
        return oom(c);
    /* keys[i] is manifest text key i (§8.4.4): 1 manifest description,
     * 2 update description, 3 JSON source, 4 YAML source. */
    for (int i = 1; keys[i] != NULL; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        size_t mark;
        if (v == NULL)
            continue;
        mark = push_key(c, keys[i]);
        rc = get_str(c, v, false, &s);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        m->mtext[i] = strdup(s);
        if (m->mtext[i] == NULL)
            return oom(c);
    }
    return FWUP_OK;
}

static bool
has_text(const struct fwup_author_model *m)
{
    for (int i = 1; i <= FWUP_MTEXT_MAX; i++)
        if (m->mtext[i] != NULL)
            return true;
    for (size_t j = 0; j < m->ncomp; j++)
        for (int i = 1; i <= FWUP_CTEXT_MAX; i++)
            if (m->comps[j].ctext[i] != NULL)
                return true;
    return false;
}

static enum fwup_err
parse_severable(struct ctx *c, json_t *arr)
{
    struct fwup_author_model *m = c->m;
    enum fwup_err rc;

    if ((rc = want(c, arr, JSON_ARRAY, "an array of element names")) != FWUP_OK)
        return rc;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *s;
        bool *flag = NULL, present = false;
        size_t mark = push_idx(c, i);
        rc = get_str(c, json_array_get(arr, i), false, &s);
        if (rc == FWUP_OK) {
            if (strcmp(s, "install") == 0) {
                flag = &m->severable[FWUP_SEQ_INSTALL];
                present = m->seq[FWUP_SEQ_INSTALL] != NULL;
            } else if (strcmp(s, "payload-fetch") == 0) {
                flag = &m->severable[FWUP_SEQ_PAYLOAD_FETCH];
                present = m->seq[FWUP_SEQ_PAYLOAD_FETCH] != NULL;
            } else if (strcmp(s, "dependency-resolution") == 0) {
                flag = &m->severable[FWUP_SEQ_DEP_RESOLUTION];
                present = m->seq[FWUP_SEQ_DEP_RESOLUTION] != NULL;
            } else if (strcmp(s, "text") == 0) {
                flag = &m->text_severable;
                present = has_text(m);
            } else {
                /* §8.4.12: only these core elements are severable. */
                rc = fail(c, FWUP_E_DESC_VALUE,
                          "only 'dependency-resolution', 'payload-fetch', 'install' and "
                          "'text' are severable");
            }
        }
        if (rc == FWUP_OK && *flag)
            rc = fail(c, FWUP_E_DESC_VALUE, "listed twice");
        if (rc == FWUP_OK && !present)
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "'%s' is marked severable but the manifest has no such element", s);
        if (rc == FWUP_OK)
            *flag = true;
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

static void
compd_release(struct compd *d)
{
    free(d->img.file);
    for (size_t k = 0; k < d->nslots; k++)
        free(d->slots[k].img.file);
    free(d->slots);
    for (int s = 0; s < FWUP_SEQ_COUNT; s++)
        fwup_ir_seq_free(d->extra[s]);
    free(d->staging_path);
    free(d->enc_info);
    free(d->enc_ct.file);
}

/* Record integrated dependencies ([TD] §8.1.1: the dependency envelope as a
 * bstr under a tstr key equal to its URI). The whole file's SHA-256 is kept
 * so that encode.c re-checks it while copying (TOCTOU), as for images. */
static enum fwup_err
collect_integrated_deps(struct ctx *c)
{
    struct fwup_author_model *m = c->m;

    for (size_t j = 0; j < c->ndd; j++) {
        const struct depd *d = &c->dd[j];
        struct fwup_integrated *ni, *x;
        if (d->integ == NULL)
            continue;
        for (size_t k = 0; k < m->ninteg; k++) {
            if (strcmp(m->integ[k].key, d->integ) == 0) {
                size_t m0 = push_key(c, "dependencies");
                size_t m1 = push_idx(c, j);
                enum fwup_err rc;
                (void)push_key(c, "integrated");
                rc = fail(c, FWUP_E_DESC_CONFLICT,
                          "'%s' is already the key of an integrated payload or dependency",
                          d->integ);
                pop(c, m1);
                pop(c, m0);
                return rc;
            }
        }
        ni = realloc(m->integ, (m->ninteg + 1) * sizeof *ni);
        if (ni == NULL)
            return oom(c);
        m->integ = ni;
        x = &m->integ[m->ninteg];
        memset(x, 0, sizeof *x);
        x->key = strdup(d->integ);
        x->file = strdup(d->file);
        if (x->key == NULL || x->file == NULL) {
            free(x->key);
            free(x->file);
            return oom(c);
        }
        x->alg = FWUP_COSE_SHA256;
        memcpy(x->digest, d->info.sha256, 32);
        x->dlen = 32;
        x->size = d->info.size;
        m->ninteg++;
    }
    return FWUP_OK;
}

/* Record integrated payloads (component images and slots), then the
 * integrated dependencies. */
static enum fwup_err
collect_integrated(struct ctx *c)
{
    struct fwup_author_model *m = c->m;

    for (size_t i = 0; i < c->ncd; i++) {
        struct compd *d = &c->cd[i];
        size_t nimg = d->nslots ? d->nslots : 1;
        for (size_t k = 0; k < nimg; k++) {
            const char *key = d->nslots ? d->slots[k].integ : d->integ;
            /* An encrypted image is integrated as its ciphertext. */
            const struct imgd *img = d->nslots          ? &d->slots[k].img
                                     : d->enc_ct.present ? &d->enc_ct
                                                         : &d->img;
            struct fwup_integrated *ni, *x;
            if (key == NULL)
                continue;
            for (size_t j = 0; j < m->ninteg; j++) {
                if (strcmp(m->integ[j].key, key) == 0) {
                    size_t m0 = push_key(c, "components");
                    size_t m1 = push_idx(c, i);
                    enum fwup_err rc;
                    if (d->nslots) {
                        (void)push_key(c, "slots");
                        (void)push_idx(c, k);
                    }
                    (void)push_key(c, "integrated");
                    rc = fail(c, FWUP_E_DESC_CONFLICT,
                              "two images are integrated under the same key");
                    pop(c, m1);
                    pop(c, m0);
                    return rc;
                }
            }
            ni = realloc(m->integ, (m->ninteg + 1) * sizeof *ni);
            if (ni == NULL)
                return oom(c);
            m->integ = ni;
            x = &m->integ[m->ninteg];
            memset(x, 0, sizeof *x);
            x->key = strdup(key);
            x->file = strdup(img->file);
            if (x->key == NULL || x->file == NULL) {
                free(x->key);
                free(x->file);
                return oom(c);
            }
            x->alg = img->alg;
            memcpy(x->digest, img->digest, sizeof x->digest);
            x->dlen = img->dlen;
            x->size = img->size;
            m->ninteg++;
        }
    }
    return collect_integrated_deps(c);
}

static enum fwup_err
parse_root(struct ctx *c, json_t *root)
{
    static const char *const keys[] = {"$schema",    "manifest-version", "sequence-number",
                                       "reference-uri", "identity",     "components",
                                       "text",       "severable",        "sequences",
                                       "dependencies", "use-before",     NULL};
    struct fwup_author_model *m = c->m;
    json_t *v, *comps;
    enum fwup_err rc;
    size_t mark;

    if ((rc = want(c, root, JSON_OBJECT, "an object")) != FWUP_OK ||
        (rc = check_keys(c, root, keys)) != FWUP_OK)
        return rc;
    if ((v = json_object_get(root, "manifest-version")) != NULL) {
        uint64_t ver;
        mark = push_key(c, "manifest-version");
        rc = get_uint(c, v, UINT32_MAX, &ver);
        if (rc == FWUP_OK && ver != 1)
            rc = fail(c, FWUP_E_DESC_VALUE, "only manifest-version 1 exists (manifest-37 §8.4.1)");
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    v = json_object_get(root, "sequence-number");
    if (v == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "missing 'sequence-number' (a number or \"auto\")");
    mark = push_key(c, "sequence-number");
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "auto") != 0)
            rc = fail(c, FWUP_E_DESC_VALUE, "expected a number or \"auto\"");
        else if (c->now == 0)
            rc = fail(c, FWUP_E_DESC_VALUE, "\"auto\" needs the current time, none was given");
        m->sequence_number = c->now;
    } else {
        rc = get_uint(c, v, (uint64_t)INT64_MAX, &m->sequence_number);
    }
    pop(c, mark);
    if (rc != FWUP_OK)
        return rc;
    if ((v = json_object_get(root, "reference-uri")) != NULL) {
        const char *s;
        mark = push_key(c, "reference-uri");
        rc = get_str(c, v, true, &s);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        if ((m->reference_uri = strdup(s)) == NULL)
            return oom(c);
    }
    comps = json_object_get(root, "components");
    if (comps == NULL)
        return fail(c, FWUP_E_DESC_MISSING, "missing 'components'");
    mark = push_key(c, "components");
    rc = want(c, comps, JSON_ARRAY, "an array of components");
    if (rc == FWUP_OK && json_array_size(comps) == 0)
        rc = fail(c, FWUP_E_DESC_VALUE, "needs at least one component");
    if (rc == FWUP_OK && json_array_size(comps) > FWUP_AUTHOR_MAX_COMPONENTS)
        rc = fail(c, FWUP_E_LIMIT_COMPONENTS, "at most %d components",
                  FWUP_AUTHOR_MAX_COMPONENTS);
    pop(c, mark);
    if (rc != FWUP_OK)
        return rc;
    c->ncd = json_array_size(comps);
    c->cd = calloc(c->ncd, sizeof *c->cd);
    m->comps = calloc(c->ncd, sizeof *m->comps);
    c->names = json_array(); /* component names in order, for references */
    if (c->cd == NULL || m->comps == NULL || c->names == NULL)
        return oom(c);
    m->ncomp = c->ncd;
    /* Names first, so references may point forward. */
    for (size_t i = 0; i < c->ncd; i++) {
        json_t *o = json_array_get(comps, i);
        json_t *n = json_is_object(o) ? json_object_get(o, "name") : NULL;
        size_t m0 = push_key(c, "components"), m1 = push_idx(c, i), m2;
        rc = FWUP_OK;
        if (n != NULL) {
            const char *s;
            m2 = push_key(c, "name");
            rc = get_str(c, n, true, &s);
            if (rc == FWUP_OK && comp_by_name(c, s) >= 0)
                rc = fail(c, FWUP_E_DESC_CONFLICT, "two components have this name");
            pop(c, m2);
        }
        pop(c, m1);
        pop(c, m0);
        if (rc != FWUP_OK)
            return rc;
        if (json_array_append(c->names, n != NULL ? n : json_null()) != 0)
            return oom(c);
    }
    for (size_t i = 0; i < c->ncd; i++) {
        size_t m0 = push_key(c, "components"), m1 = push_idx(c, i);
        rc = parse_component(c, json_array_get(comps, i), i);
        pop(c, m1);
        pop(c, m0);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((rc = check_components(c)) != FWUP_OK)
        return rc;
    if ((v = json_object_get(root, "dependencies")) != NULL) {
        mark = push_key(c, "dependencies");
        rc = parse_dependencies(c, v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(root, "use-before")) != NULL) {
        mark = push_key(c, "use-before");
        rc = parse_use_before(c, v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((v = json_object_get(root, "sequences")) != NULL) {
        mark = push_key(c, "sequences");
        rc = parse_seq_map(c, v, c->explicit_seq);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
        for (int s = 0; s < FWUP_SEQ_COUNT; s++)
            c->has_explicit[s] = c->explicit_seq[s] != NULL;
        if (c->has_use_before &&
            c->has_explicit[c->use_before_shared ? FWUP_SEQ_SHARED : FWUP_SEQ_INSTALL]) {
            mark = push_key(c, "use-before");
            rc = fail(c, FWUP_E_DESC_CONFLICT,
                      "the %s sequence is given in full under 'sequences': write the "
                      "use-before condition there",
                      c->use_before_shared ? "shared" : "install");
            pop(c, mark);
            return rc;
        }
    }
    if ((v = json_object_get(root, "identity")) != NULL) {
        mark = push_key(c, "identity");
        rc = parse_identity(c, v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    } else if (!c->has_explicit[FWUP_SEQ_SHARED]) {
        return fail(c, FWUP_E_DESC_MISSING,
                    "missing 'identity': the shared sequence must check vendor and class "
                    "(manifest-37 §6.2)");
    }
    if ((v = json_object_get(root, "text")) != NULL) {
        mark = push_key(c, "text");
        rc = parse_text(c, v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    } else if (has_text(m) && (m->lang = strdup("en-US")) == NULL) {
        return oom(c);
    }
    if ((rc = gen_sequences(c)) != FWUP_OK)
        return rc;
    if ((v = json_object_get(root, "severable")) != NULL) {
        mark = push_key(c, "severable");
        rc = parse_severable(c, v);
        pop(c, mark);
        if (rc != FWUP_OK)
            return rc;
    }
    if ((rc = collect_integrated(c)) != FWUP_OK)
        return rc;
    rc = fwup_check_model(m, c->diag);
    if (rc != FWUP_OK && c->diag != NULL && c->diag->line == 0)
        /* Rule errors name the command's path; add its position. */
        (void)fwup_jpos_find(c->pos, c->diag->path, &c->diag->line, &c->diag->column);
    return rc;
}

enum fwup_err
fwup_author_parse(const char *json, size_t len, const struct fwup_author_opts *opts,
                  struct fwup_author_model **out, struct fwup_diag *diag)
{
    struct ctx c;
    json_error_t je;
    json_t *root = NULL;
    enum fwup_err rc;

    if (out == NULL || (json == NULL && len > 0))
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "NULL argument");
    *out = NULL;
    if (len > FWUP_AUTHOR_MAX_DESC)
        return fwup_diag_set(diag, FWUP_E_IO_TOO_BIG, NULL,
                             "description larger than %zu bytes", FWUP_AUTHOR_MAX_DESC);
    memset(&c, 0, sizeof c);
    c.diag = diag;
    c.path[0] = '$';
    c.plen = 1;
    if (opts != NULL) {
        c.base_dir = opts->base_dir;
        c.now = opts->now;
    }
    if (json == NULL)
        json = "";
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        /* Syntax error: jansson knows line and column. Name the value it was
         * in by scanning the text up to the error (jpos.c). Duplicate keys:
         * the scanner finds the exact key (jansson only says "near"). */
        bool dup = json_error_code(&je) == json_error_duplicate_key;
        /* jansson's position is just past the offending token; cut before
         * its last byte so the scan ends inside the value being read. */
        size_t cut = (je.position > 0 && (size_t)je.position <= len) ? (size_t)je.position - 1
                                                                     : len;
        struct fwup_jpos *p = fwup_jpos_scan(json, dup ? len : cut);
        const char *dpath;
        int dl, dc;

        if (dup && p != NULL && fwup_jpos_dup(p, &dpath, &dl, &dc)) {
            rc = fwup_diag_set(diag, FWUP_E_DESC_DUPLICATE_KEY, dpath, "%s", je.text);
            if (diag != NULL && diag->code == FWUP_E_DESC_DUPLICATE_KEY) {
                diag->line = dl;
                diag->column = dc;
            }
        } else {
            const char *sp = fwup_jpos_stop_path(p);
            rc = fwup_diag_set(diag, dup ? FWUP_E_DESC_DUPLICATE_KEY : FWUP_E_DESC_SYNTAX,
                               sp != NULL ? sp : "$", "%s", je.text);
            if (diag != NULL && (diag->code == FWUP_E_DESC_SYNTAX ||
                                 diag->code == FWUP_E_DESC_DUPLICATE_KEY)) {
                diag->line = je.line;
                diag->column = je.column;
            }
        }
        fwup_jpos_free(p);
        return rc;
    }
    c.pos = fwup_jpos_scan(json, len);
    c.m = calloc(1, sizeof *c.m);
    if (c.pos == NULL || c.m == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    rc = parse_root(&c, root);
out:
    for (size_t i = 0; i < c.ncd; i++)
        compd_release(&c.cd[i]);
    free(c.cd);
    for (size_t j = 0; j < c.ndd; j++)
        free(c.dd[j].file);
    free(c.dd);
    for (int s = 0; s < FWUP_SEQ_COUNT; s++)
        fwup_ir_seq_free(c.explicit_seq[s]);
    json_decref(c.names);
    json_decref(root);
    fwup_jpos_free(c.pos);
    if (rc != FWUP_OK) {
        fwup_author_free(c.m);
        return rc;
    }
    *out = c.m;
    return FWUP_OK;
}

void
fwup_author_free(struct fwup_author_model *m)
{
    if (m == NULL)
        return;
    free(m->reference_uri);
    for (size_t i = 0; i < m->ncomp; i++) {
        for (size_t k = 0; k < m->comps[i].nseg; k++)
            free((void *)(uintptr_t)m->comps[i].seg[k].ptr);
        free(m->comps[i].seg);
        for (int t = 0; t <= FWUP_CTEXT_MAX; t++)
            free(m->comps[i].ctext[t]);
    }
    free(m->comps);
    for (size_t j = 0; j < m->ndeps; j++) {
        for (size_t k = 0; k < m->deps[j].nseg; k++)
            free((void *)(uintptr_t)m->deps[j].seg[k].ptr);
        free(m->deps[j].seg);
    }
    free(m->deps);
    for (int s = 0; s < FWUP_SEQ_COUNT; s++)
        fwup_ir_seq_free(m->seq[s]);
    free(m->lang);
    for (int t = 0; t <= FWUP_MTEXT_MAX; t++)
        free(m->mtext[t]);
    for (size_t i = 0; i < m->ninteg; i++) {
        free(m->integ[i].key);
        free(m->integ[i].file);
    }
    free(m->integ);
    free(m);
}
