/*
 * The JSON trust policy loader (fwup/policy.h). Strict by design: a field
 * this loader did not know would be a field a device silently ignores, so
 * every key, type and role reference is checked against
 * schemas/policy.schema.json before the policy is used.
 */
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwup/crypto.h"
#include "fwup/enc.h"
#include "fwup/hex.h"
#include "fwup/policy.h"

void
fwup_policy_init(struct fwup_policy *p)
{
    memset(p, 0, sizeof *p);
    p->pol.anchors = p->anchors;
}

void
fwup_policy_release(struct fwup_policy *p)
{
    for (int i = 0; i < FWUP_V_MAX_ANCHORS; i++) {
        if (i < p->pol.n_anchors)
            fwup_key_release(&p->keys[i]);
        free(p->prefixes[i]);
        free(p->key_files[i]);
    }
    fwup_policy_init(p);
}

int
fwup_policy_role(const struct fwup_policy *p, const char *name)
{
    for (int i = 0; i < p->n_roles; i++)
        if (strcmp(p->role_names[i], name) == 0)
            return i;
    return -1;
}

static enum fwup_err
add_role(struct fwup_policy *p, const char *name, uint8_t *id, struct fwup_diag *d)
{
    int r = fwup_policy_role(p, name);
    size_t n = strlen(name);

    if (r >= 0) {
        *id = (uint8_t)r;
        return FWUP_OK;
    }
    if (n == 0 || n >= FWUP_POLICY_ROLE_NAME)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "a role name is 1 to %d bytes",
                             FWUP_POLICY_ROLE_NAME - 1);
    if (p->n_roles >= FWUP_V_MAX_ROLES)
        return fwup_diag_set(d, FWUP_E_LIMIT_COUNT, NULL, "more than %d roles",
                             FWUP_V_MAX_ROLES);
    memcpy(p->role_names[p->n_roles], name, n + 1);
    *id = p->n_roles++;
    return FWUP_OK;
}

enum fwup_err
fwup_policy_add_anchor(struct fwup_policy *p, const char *role, const char *file, bool hmac,
                       struct fwup_diag *d)
{
    uint8_t a = p->pol.n_anchors, r = 0, n_roles = p->n_roles;
    enum fwup_err e;

    if (a >= FWUP_V_MAX_ANCHORS)
        return fwup_diag_set(d, FWUP_E_LIMIT_COUNT, NULL, "more than %d trust anchors",
                             FWUP_V_MAX_ANCHORS);
    e = add_role(p, role, &r, d);
    if (e != FWUP_OK)
        return e;
    e = hmac ? fwup_key_load_hmac(file, &p->keys[a], d) : fwup_key_load_public(file, &p->keys[a], d);
    if (e == FWUP_OK && (p->key_files[a] = strdup(file)) == NULL) {
        fwup_key_release(&p->keys[a]);
        e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    /* One key, one anchor: a block is credited to the first anchor whose
     * key verifies it, so a key listed twice (say as author and operator)
     * would count once and leave the second role unmet, for reasons the
     * policy does not show. Refused here, where the file is named. */
    for (uint8_t k = 0; e == FWUP_OK && k < a; k++)
        if (fwup_key_same(&p->keys[k], &p->keys[a])) {
            fwup_key_release(&p->keys[a]);
            free(p->key_files[a]);
            p->key_files[a] = NULL;
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, NULL,
                              "the same key as anchor %u (%.200s): a key can be one anchor only",
                              (unsigned)k, p->key_files[k]);
        }
    if (e != FWUP_OK) {
        if (p->n_roles != n_roles) /* a role only this anchor would have had */
            memset(p->role_names[--p->n_roles], 0, FWUP_POLICY_ROLE_NAME);
        return e;
    }
    p->anchors[a].key = &p->keys[a];
    p->anchors[a].role = r;
    p->anchors[a].prefixes.ptr = NULL;
    p->anchors[a].prefixes.len = 0;
    p->pol.n_anchors++;
    return FWUP_OK;
}

/* ---- the file ---- */

/* A JSON path for a diag, built in buf (sizeof struct fwup_diag.path). */
static const char *
jp(char buf[96], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
jp(char buf[96], const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)!vsnprintf(buf, 96, fmt, ap);
    va_end(ap);
    return buf;
}

/* Only the keys in `known` (NULL-terminated) may appear in object o. */
static enum fwup_err
check_keys(json_t *o, const char *const *known, const char *path, struct fwup_diag *d)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v) {
        bool ok = false;
        for (size_t i = 0; known[i] != NULL && !ok; i++)
            ok = strcmp(k, known[i]) == 0;
        if (!ok)
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path, "unknown key '%.60s'", k);
    }
    return FWUP_OK;
}

const char *
fwup_policy_id_element(struct fwup_enc *e, const json_t *el)
{
    const json_t *h;
    const char *hex;
    size_t n;
    bool ok;

    if (json_is_string(el)) {
        fwup_enc_bstr(e, (const uint8_t *)json_string_value(el), json_string_length(el));
        return NULL;
    }
    h = json_object_get(el, "hex");
    if (!json_is_object(el) || !json_is_string(h))
        return "an id element is a string or {\"hex\": \"...\"}";
    /* One key: a second one ("hex" and "text", say) would leave a reader
     * guessing which bytes were meant. */
    if (json_object_size(el) != 1)
        return "{\"hex\": ...} takes no other key";
    hex = json_string_value(h);
    n = json_string_length(h);
    ok = n % 2 == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = fwup_hex_digit(hex[i]) >= 0;
    if (!ok)
        return "\"hex\" must be pairs of hex digits";
    /* Straight into the encoder, whose limit is the caller's. */
    fwup_enc_bstr_head(e, n / 2);
    for (size_t i = 0; i < n; i += 2) {
        uint8_t b = (uint8_t)(fwup_hex_digit(hex[i]) << 4 | fwup_hex_digit(hex[i + 1]));
        fwup_enc_raw(e, &b, 1);
    }
    return NULL;
}

/* "components": [[element, ...], ...] -> CBOR [* [* bstr]], owned by p. */
static enum fwup_err
encode_prefixes(struct fwup_policy *p, size_t a, json_t *comps, struct fwup_diag *d)
{
    struct fwup_enc e;
    size_t i, j, len;
    json_t *pre, *el;
    enum fwup_err rc;
    char path[96];

    if (!json_is_array(comps))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].components", a),
                             "must be an array of prefixes");
    fwup_enc_init(&e, FWUP_POLICY_MAX_PREFIXES);
    fwup_enc_array(&e, json_array_size(comps));
    json_array_foreach(comps, i, pre) {
        if (!json_is_array(pre)) {
            fwup_enc_release(&e);
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID,
                                 jp(path, "$.anchors[%zu].components[%zu]", a, i),
                                 "a prefix is an array of id elements");
        }
        fwup_enc_array(&e, json_array_size(pre));
        json_array_foreach(pre, j, el) {
            const char *why = fwup_policy_id_element(&e, el);
            if (why != NULL) {
                fwup_enc_release(&e);
                return fwup_diag_set(d, FWUP_E_POLICY_INVALID,
                                     jp(path, "$.anchors[%zu].components[%zu][%zu]", a, i, j),
                                     "%s", why);
            }
        }
    }
    rc = fwup_enc_take(&e, &p->prefixes[a], &len);
    fwup_enc_release(&e);
    if (rc == FWUP_E_LIMIT_BUFFER)
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].components", a),
                             "longer than %d bytes encoded", FWUP_POLICY_MAX_PREFIXES);
    if (rc != FWUP_OK)
        return fwup_diag_set(d, rc, NULL, "cannot encode the prefixes");
    p->anchors[a].prefixes.ptr = p->prefixes[a];
    p->anchors[a].prefixes.len = len;
    return FWUP_OK;
}

static enum fwup_err
load_anchor(struct fwup_policy *p, const char *dir, size_t i, json_t *a, struct fwup_diag *d)
{
    static const char *const anchor_keys[] = {"key", "hmac", "role", "components", NULL};
    json_t *key = json_object_get(a, "key"), *hmac = json_object_get(a, "hmac");
    json_t *role = json_object_get(a, "role"), *comps = json_object_get(a, "components");
    const char *kk = key != NULL ? "key" : "hmac", *name, *rname = FWUP_POLICY_DEFAULT_ROLE;
    char file[PATH_MAX], path[96];
    enum fwup_err e;
    int n;

    jp(path, "$.anchors[%zu]", i);
    if (!json_is_object(a))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path, "an anchor is an object");
    if (check_keys(a, anchor_keys, path, d) != FWUP_OK)
        return FWUP_E_POLICY_INVALID;
    if ((key == NULL) == (hmac == NULL))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path,
                             "an anchor has exactly one of \"key\" and \"hmac\"");
    name = json_string_value(key != NULL ? key : hmac);
    if (name == NULL || name[0] == '\0')
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].%s", i, kk),
                             "must be a file name (a non-empty string)");
    if (role != NULL) {
        rname = json_string_value(role);
        if (rname == NULL || rname[0] == '\0' || strlen(rname) >= FWUP_POLICY_ROLE_NAME)
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].role", i),
                                 "must be a role name (a string of 1 to %d bytes)",
                                 FWUP_POLICY_ROLE_NAME - 1);
        if (fwup_policy_role(p, rname) < 0 && p->n_roles >= FWUP_V_MAX_ROLES)
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].role", i),
                                 "more than %d roles", FWUP_V_MAX_ROLES);
    }
    n = name[0] == '/' ? snprintf(file, sizeof file, "%s", name)
                       : snprintf(file, sizeof file, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof file)
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.anchors[%zu].%s", i, kk),
                             "path too long");
    e = fwup_policy_add_anchor(p, rname, file, hmac != NULL, d);
    if (e != FWUP_OK) {
        /* The key loader knows no JSON: say which anchor's file it was. */
        if (d != NULL && d->code == e && d->path[0] == '\0')
            (void)!snprintf(d->path, sizeof d->path, "$.anchors[%zu].%s", i, kk);
        return e;
    }
    return comps != NULL ? encode_prefixes(p, i, comps, d) : FWUP_OK;
}

/* A list of role names, each the role of an anchor, each once -> bit mask. */
static enum fwup_err
role_mask(const struct fwup_policy *p, json_t *root, const char *field, uint16_t *mask,
          struct fwup_diag *d)
{
    json_t *arr = json_object_get(root, field), *r;
    char path[96];
    size_t i;

    if (arr == NULL)
        return FWUP_OK;
    if (!json_is_array(arr))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.%s", field),
                             "must be an array of role names");
    json_array_foreach(arr, i, r) {
        int id;
        if (!json_is_string(r))
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.%s[%zu]", field, i),
                                 "must be a role name (a string)");
        id = fwup_policy_role(p, json_string_value(r));
        if (id < 0) {
            /* A role no anchor has can never be satisfied: said when the
             * policy is loaded (provisioning), not at the first update. */
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.%s[%zu]", field, i),
                                 "'%.40s' is not the role of any anchor", json_string_value(r));
        }
        if (*mask & (1u << id)) {
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp(path, "$.%s[%zu]", field, i),
                                 "'%.40s' is listed twice", json_string_value(r));
        }
        *mask = (uint16_t)(*mask | (1u << id));
    }
    return FWUP_OK;
}

static enum fwup_err
load_root(struct fwup_policy *p, json_t *root, const char *dir, struct fwup_diag *d)
{
    static const char *const top[] = {"fwup_policy", "description", "anchors",
                                      "require",     "count_roles", "dependency_roles",
                                      "min_signers", "strict",      NULL};
    json_t *anchors, *a, *v;
    size_t i;
    enum fwup_err e;

    if (!json_is_object(root))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$", "a policy is a JSON object");
    if (check_keys(root, top, "$", d) != FWUP_OK)
        return FWUP_E_POLICY_INVALID;
    v = json_object_get(root, "fwup_policy");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) != 1))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.fwup_policy", "must be 1");
    v = json_object_get(root, "description");
    if (v != NULL && !json_is_string(v))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.description", "must be a string");
    anchors = json_object_get(root, "anchors");
    if (!json_is_array(anchors) || json_array_size(anchors) == 0 ||
        json_array_size(anchors) > FWUP_V_MAX_ANCHORS)
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.anchors",
                             "an array of 1 to %d trust anchors is required", FWUP_V_MAX_ANCHORS);
    json_array_foreach(anchors, i, a) {
        e = load_anchor(p, dir, i, a, d);
        if (e != FWUP_OK)
            return e;
    }
    if ((e = role_mask(p, root, "require", &p->pol.require_roles, d)) != FWUP_OK ||
        (e = role_mask(p, root, "count_roles", &p->pol.count_roles, d)) != FWUP_OK ||
        (e = role_mask(p, root, "dependency_roles", &p->pol.dep_require_roles, d)) != FWUP_OK)
        return e;
    v = json_object_get(root, "min_signers");
    if (v != NULL) {
        /* More than there are anchors could never be met. */
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > (json_int_t)p->pol.n_anchors)
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.min_signers",
                                 "must be an integer from 0 to the number of anchors (%u)",
                                 (unsigned)p->pol.n_anchors);
        p->pol.min_signers = (uint8_t)json_integer_value(v);
    }
    v = json_object_get(root, "strict");
    if (v != NULL) {
        if (!json_is_boolean(v))
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.strict", "must be true or false");
        p->pol.strict = json_is_true(v);
    }
    return FWUP_OK;
}

enum fwup_err
fwup_policy_load(struct fwup_policy *p, const char *path, struct fwup_diag *d)
{
    json_error_t jerr;
    json_t *root;
    char dirbuf[PATH_MAX];
    enum fwup_err e;

    if (p->pol.n_anchors != 0 || p->n_roles != 0)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "policy already loaded");
    if (strlen(path) >= sizeof dirbuf)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jansson gives no line for a file it could not open or read. */
        e = jerr.line < 0 ? FWUP_E_IO_OPEN : FWUP_E_POLICY_INVALID;
        fwup_diag_set(d, e, NULL, "%s", jerr.text);
        if (d != NULL && d->code == e && jerr.line > 0) {
            d->line = jerr.line;
            d->column = jerr.column;
        }
        return e;
    }
    memcpy(dirbuf, path, strlen(path) + 1);
    e = load_root(p, root, dirname(dirbuf), d);
    json_decref(root);
    if (e != FWUP_OK)
        fwup_policy_release(p);
    return e;
}
