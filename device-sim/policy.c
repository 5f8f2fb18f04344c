/*
 * The device's trust policy (schemas/policy.schema.json), loaded into the
 * verifier's struct fwup_v_policy, and envelope authentication with it.
 *
 *   { "fwup_policy": 1,
 *     "anchors": [ { "role": "author", "key": "demo-author.pub.pem",
 *                    "components": [ [ {"hex": "00"} ] ] },
 *                  { "role": "psk", "hmac": "secret.bin" } ],
 *     "require": ["author", "operator"],      all-of: every role listed
 *     "min_signers": 2,                       n-of-m: distinct valid anchors
 *     "count_roles": ["author", "operator"],  roles counted for min_signers
 *     "dependency_roles": ["author"],         all-of for [TD] dependency manifests
 *     "strict": false }                       unknown-key blocks fail if true
 * This is the format of the fwup CLI's --policy (cli/policy.c), so the same
 * file provisions a device and checks a release.
 *
 * Role names map to the verifier's small role numbers in order of first
 * appearance (anchors first, then "require"). Key paths are relative to the
 * policy file's directory.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

static int
role_index(struct fwup_sim_policy *p, const char *name, bool add)
{
    for (int i = 0; i < p->n_roles; i++)
        if (strcmp(p->roles[i], name) == 0)
            return i;
    if (!add || p->n_roles >= FWUP_V_MAX_ROLES || strlen(name) >= FWUP_SIM_ROLE_NAME)
        return -1;
    snprintf(p->roles[p->n_roles], FWUP_SIM_ROLE_NAME, "%s", name);
    return p->n_roles++;
}

static int
hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Small CBOR heads (counts and lengths < 256 are all a policy needs). */
static bool
head(uint8_t *b, size_t cap, size_t *n, uint8_t major, size_t v)
{
    if (v < 24) {
        if (*n >= cap)
            return false;
        b[(*n)++] = (uint8_t)(major << 5 | v);
        return true;
    }
    if (v > 255 || cap - *n < 2)
        return false;
    b[(*n)++] = (uint8_t)(major << 5 | 24);
    b[(*n)++] = (uint8_t)v;
    return true;
}

/* "components": [ ["text", {"hex": "00"}], ... ] -> CBOR [* [* bstr]]: an
 * element is a text string (its UTF-8 bytes) or {"hex": "..."}, the same
 * form as the fwup CLI's policy (cli/policy.c). */
static enum fwup_err
encode_prefixes(json_t *comps, uint8_t *buf, size_t cap, size_t *len, const char *path,
                struct fwup_diag *d)
{
    size_t i, j, n = 0;
    json_t *pre, *el;

    if (!json_is_array(comps) || !head(buf, cap, &n, 4, json_array_size(comps)))
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path,
                             "'components' must be an array of prefixes");
    json_array_foreach(comps, i, pre) {
        if (!json_is_array(pre) || !head(buf, cap, &n, 4, json_array_size(pre)))
            return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path,
                                 "a component prefix must be an array of id elements");
        json_array_foreach(pre, j, el) {
            const char *s = json_string_value(el);
            const char *h = json_string_value(json_object_get(el, "hex"));
            size_t sl = s != NULL ? json_string_length(el) : h != NULL ? strlen(h) : 0;
            size_t bl = s != NULL ? sl : sl / 2;

            if ((s == NULL && h == NULL) || (h != NULL && sl % 2 != 0) ||
                !head(buf, cap, &n, 2, bl) || bl > cap - n)
                return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path,
                                     "a component id element is a string or {\"hex\": ...} "
                                     "(and short)");
            if (s != NULL) {
                memcpy(buf + n, s, sl);
                n += sl;
                continue;
            }
            for (size_t k = 0; k < sl; k += 2) {
                int hi = hexv(h[k]), lo = hexv(h[k + 1]);
                if (hi < 0 || lo < 0)
                    return fwup_diag_set(d, FWUP_E_POLICY_INVALID, path,
                                         "component id element is not hex");
                buf[n++] = (uint8_t)(hi << 4 | lo);
            }
        }
    }
    *len = n;
    return FWUP_OK;
}

void
fwup_sim_policy_release(struct fwup_sim_policy *p)
{
    for (size_t i = 0; i < FWUP_V_MAX_ANCHORS; i++)
        fwup_key_release(&p->keys[i]);
    memset(p, 0, sizeof *p);
}

enum fwup_err
fwup_sim_policy_load(struct fwup_sim_policy *p, const char *path, struct fwup_diag *d)
{
    /* The keys of the fwup CLI's policy format (cli/policy.c): one policy
     * file serves `fwup verify --policy` and a simulated device alike. */
    static const char *const top[] = {"fwup_policy", "anchors",     "require", "count_roles",
                                      "min_signers", "strict",      "description",
                                      "dependency_roles", NULL};
    json_error_t je;
    json_t *root, *anchors, *a, *req, *v;
    const char *k;
    char base[PATH_MAX], jp[64];
    enum fwup_err e = FWUP_OK;
    size_t i;

    memset(p, 0, sizeof *p);
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL)
        return fwup_diag_set(d, FWUP_E_POLICY_INVALID, NULL, "'%s':%d:%d: %s", path, je.line,
                             je.column, je.text);
    if (fwup_sim_dirname(base, sizeof base, path) != FWUP_OK) {
        e = fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
        goto out;
    }
    if (!json_is_object(root)) {
        e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$", "'%s': expected an object", path);
        goto out;
    }
    json_object_foreach(root, k, v) {
        bool known = false;
        for (size_t t = 0; top[t] != NULL; t++)
            known = known || strcmp(k, top[t]) == 0;
        if (!known) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$", "'%s': unknown key '%s'", path, k);
            goto out;
        }
    }
    anchors = json_object_get(root, "anchors");
    if (!json_is_array(anchors) || json_array_size(anchors) == 0 ||
        json_array_size(anchors) > FWUP_V_MAX_ANCHORS) {
        e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.anchors",
                          "'%s': 'anchors' must list 1 to %d keys", path, FWUP_V_MAX_ANCHORS);
        goto out;
    }
    json_array_foreach(anchors, i, a) {
        const char *role = json_string_value(json_object_get(a, "role"));
        const char *key = json_string_value(json_object_get(a, "key"));
        const char *hmac = json_string_value(json_object_get(a, "hmac"));
        json_t *comps = json_object_get(a, "components");
        char kp[PATH_MAX];
        int r;

        snprintf(jp, sizeof jp, "$.anchors[%zu]", i);
        if (role == NULL || (key == NULL) == (hmac == NULL)) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp,
                              "'%s': an anchor needs 'role' and one of 'key', 'hmac'", path);
            goto out;
        }
        r = role_index(p, role, true);
        if (r < 0) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp, "'%s': too many roles or name too long",
                              path);
            goto out;
        }
        if (fwup_sim_path(kp, sizeof kp, base, key != NULL ? key : hmac) != FWUP_OK) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, jp, "key path too long");
            goto out;
        }
        e = key != NULL ? fwup_key_load_public(kp, &p->keys[i], d)
                        : fwup_key_load_hmac(kp, &p->keys[i], d);
        if (e != FWUP_OK) {
            if (d != NULL && d->detail[0] == '\0')
                (void)!snprintf(d->detail, sizeof d->detail, "cannot load key '%.100s'", kp);
            goto out;
        }
        p->anchors[i].key = &p->keys[i];
        p->anchors[i].role = (uint8_t)r;
        if (comps != NULL) {
            size_t n = 0;
            e = encode_prefixes(comps, p->prefixes[i], sizeof p->prefixes[i], &n, jp, d);
            if (e != FWUP_OK)
                goto out;
            p->anchors[i].prefixes.ptr = p->prefixes[i];
            p->anchors[i].prefixes.len = n;
        }
    }
    p->pol.anchors = p->anchors;
    p->pol.n_anchors = (uint8_t)json_array_size(anchors);
    req = json_object_get(root, "require");
    if (req != NULL) {
        json_t *rn;
        if (!json_is_array(req)) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.require", "'require' must be an array");
            goto out;
        }
        json_array_foreach(req, i, rn) {
            int r = json_is_string(rn) ? role_index(p, json_string_value(rn), false) : -1;
            if (r < 0) {
                /* A required role no anchor has can never be satisfied: a
                 * policy error, said at provisioning rather than at update. */
                e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.require",
                                  "'%s': required role %zu is not the role of any anchor", path,
                                  i);
                goto out;
            }
            p->pol.require_roles = (uint16_t)(p->pol.require_roles | (1u << r));
        }
    }
    /* [TD] roles every dependency manifest must be signed by (the processor
     * authenticates each dependency with this policy, require_roles
     * replaced by this mask; docs/trust-domains.md). */
    req = json_object_get(root, "dependency_roles");
    if (req != NULL) {
        json_t *rn;
        if (!json_is_array(req)) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.dependency_roles",
                              "'dependency_roles' must be an array");
            goto out;
        }
        json_array_foreach(req, i, rn) {
            int r = json_is_string(rn) ? role_index(p, json_string_value(rn), false) : -1;
            if (r < 0) {
                e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.dependency_roles",
                                  "'%s': dependency role %zu is not the role of any anchor",
                                  path, i);
                goto out;
            }
            p->pol.dep_require_roles = (uint16_t)(p->pol.dep_require_roles | (1u << r));
        }
    }
    req = json_object_get(root, "count_roles");
    if (req != NULL) {
        json_t *rn;
        json_array_foreach(req, i, rn) {
            int r = json_is_string(rn) ? role_index(p, json_string_value(rn), false) : -1;
            if (r < 0) {
                e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.count_roles",
                                  "'%s': counted role %zu is not the role of any anchor", path,
                                  i);
                goto out;
            }
            p->pol.count_roles = (uint16_t)(p->pol.count_roles | (1u << r));
        }
    }
    v = json_object_get(root, "fwup_policy");
    if (v != NULL && json_integer_value(v) != 1) {
        e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.fwup_policy", "'fwup_policy' must be 1");
        goto out;
    }
    v = json_object_get(root, "min_signers");
    if (v != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > (json_int_t)p->pol.n_anchors) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.min_signers",
                              "'min_signers' must be 0 to the number of anchors");
            goto out;
        }
        p->pol.min_signers = (uint8_t)json_integer_value(v);
    }
    v = json_object_get(root, "strict");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            e = fwup_diag_set(d, FWUP_E_POLICY_INVALID, "$.strict", "'strict' must be a boolean");
            goto out;
        }
        p->pol.strict = json_is_true(v);
    }
out:
    json_decref(root);
    if (e != FWUP_OK)
        fwup_sim_policy_release(p);
    return e;
}

enum fwup_err
fwup_sim_vdiag(struct fwup_diag *d, const struct fwup_verifier *v, enum fwup_err e,
               const char *what)
{
    const struct fwup_v_diag *vd = fwup_verifier_diag(v);
    enum fwup_err code = vd->code != FWUP_OK ? (enum fwup_err)vd->code : e;

    if (vd->offset != 0)
        return fwup_diag_set_at(d, code, vd->offset, NULL, "%s: %s", what, fwup_err_str(code));
    return fwup_diag_set(d, code, NULL, "%s: %s", what, fwup_err_str(code));
}

enum fwup_err
fwup_sim_authenticate(struct fwup_sim *s, struct fwup_verifier *v, const uint8_t *env, size_t len,
                      struct fwup_diag *d)
{
    enum fwup_err e;

    fwup_verifier_init(v, &s->port);
    /* Parse, authenticate against the provisioned policy, then (and only
     * then) decode the manifest: the verifier enforces that order. */
    e = fwup_verifier_verify(v, env, len, &s->policy.pol);
    if (e != FWUP_OK)
        return fwup_sim_vdiag(d, v, e, "envelope rejected");
    return FWUP_OK;
}

/* The trusted clock the use-before condition is judged by ([UM]). A real
 * device would read an RTC it trusts; the simulator takes `--now` or the
 * host clock, so tests can put a manifest's expiry in the past. */
enum fwup_err
fwup_sim_clock(const struct fwup_sim *s, uint64_t *utc_seconds)
{
    time_t t;

    if (s->has_now) {
        *utc_seconds = s->now;
        return FWUP_OK;
    }
    t = time(NULL);
    if (t == (time_t)-1 || t < 0)
        return FWUP_E_UNSUPPORTED;
    *utc_seconds = (uint64_t)t;
    return FWUP_OK;
}
