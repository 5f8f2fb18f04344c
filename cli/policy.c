/*
 * Trust anchors, the JSON trust policy and verifier names/paths for the
 * verify and show commands (see policy.h).
 */
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwup/crypto.h"
#include "fwup/enc.h"
#include "policy.h"

void
fwup_cli_trust_init(struct fwup_cli_trust *t)
{
    memset(t, 0, sizeof *t);
    t->policy.anchors = t->anchors;
}

void
fwup_cli_trust_release(struct fwup_cli_trust *t)
{
    for (int i = 0; i < FWUP_V_MAX_ROLES; i++)
        free(t->role_names[i]);
    for (int i = 0; i < FWUP_V_MAX_ANCHORS; i++) {
        if (t->anchors[i].key != NULL)
            fwup_key_release(&t->keys[i]);
        free(t->key_files[i]);
        free(t->prefix_buf[i]);
    }
    memset(t, 0, sizeof *t);
}

int
fwup_cli_role(struct fwup_cli_trust *t, const char *name)
{
    for (int i = 0; i < t->n_roles; i++)
        if (strcmp(t->role_names[i], name) == 0)
            return i;
    if (t->n_roles >= FWUP_V_MAX_ROLES)
        return -1;
    t->role_names[t->n_roles] = strdup(name);
    if (t->role_names[t->n_roles] == NULL)
        return -1;
    return t->n_roles++;
}

static enum fwup_err
add_anchor(struct fwup_cli_trust *t, const char *role, const char *file, bool hmac,
           struct fwup_diag *d)
{
    uint8_t a = t->policy.n_anchors;
    int r;
    enum fwup_err e;

    if (a >= FWUP_V_MAX_ANCHORS)
        return fwup_diag_set(d, FWUP_E_LIMIT_COUNT, NULL, "more than %d trust anchors",
                             FWUP_V_MAX_ANCHORS);
    r = fwup_cli_role(t, role);
    if (r < 0)
        return fwup_diag_set(d, FWUP_E_LIMIT_COUNT, NULL, "more than %d roles", FWUP_V_MAX_ROLES);
    e = hmac ? fwup_key_load_hmac(file, &t->keys[a], d) : fwup_key_load_public(file, &t->keys[a], d);
    if (e != FWUP_OK)
        return e;
    t->key_files[a] = strdup(file);
    t->anchors[a].key = &t->keys[a];
    t->anchors[a].role = (uint8_t)r;
    t->policy.n_anchors++;
    return FWUP_OK;
}

enum fwup_err
fwup_cli_trust_add(struct fwup_cli_trust *t, const char *spec, bool hmac, struct fwup_diag *d)
{
    const char *eq = strchr(spec, '=');
    char role[64];

    if (eq == NULL)
        return add_anchor(t, FWUP_CLI_DEFAULT_ROLE, spec, hmac, d);
    if (eq == spec || (size_t)(eq - spec) >= sizeof role)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "bad role in '%s'", spec);
    memcpy(role, spec, (size_t)(eq - spec));
    role[eq - spec] = '\0';
    return add_anchor(t, role, eq + 1, hmac, d);
}

/* ---- JSON policy ---- */

/* A policy error: path is a JSON path, msg already formatted by the caller. */
#define pfail(d, path, fmt, what) fwup_diag_set((d), FWUP_E_POLICY_INVALID, (path), fmt, (what))

/* Encode the "components" prefixes of one anchor as CBOR [[* bstr], ...]. */
static enum fwup_err
encode_prefixes(json_t *arr, uint8_t **out, size_t *len, struct fwup_diag *d, const char *jpath)
{
    struct fwup_enc e;
    size_t i, j;
    json_t *p, *el;

    fwup_enc_init(&e, 1 << 16);
    fwup_enc_array(&e, json_array_size(arr));
    json_array_foreach(arr, i, p) {
        if (!json_is_array(p)) {
            fwup_enc_release(&e);
            return pfail(d, jpath, "%s: each prefix is an array of id elements", "components");
        }
        fwup_enc_array(&e, json_array_size(p));
        json_array_foreach(p, j, el) {
            if (json_is_string(el)) {
                fwup_enc_bstr(&e, (const uint8_t *)json_string_value(el), json_string_length(el));
            } else if (json_is_object(el) && json_is_string(json_object_get(el, "hex"))) {
                const char *h = json_string_value(json_object_get(el, "hex"));
                size_t n = strlen(h);
                uint8_t buf[256];
                if (n % 2 != 0 || n / 2 > sizeof buf) {
                    fwup_enc_release(&e);
                    return pfail(d, jpath, "%s: bad hex element", "components");
                }
                for (size_t k = 0; k < n / 2; k++) {
                    unsigned v;
                    if (sscanf(h + 2 * k, "%2x", &v) != 1) {
                        fwup_enc_release(&e);
                        return pfail(d, jpath, "%s: bad hex element", "components");
                    }
                    buf[k] = (uint8_t)v;
                }
                fwup_enc_bstr(&e, buf, n / 2);
            } else {
                fwup_enc_release(&e);
                return pfail(d, jpath, "%s: an element is a string or {\"hex\": ...}",
                             "components");
            }
        }
    }
    if (fwup_enc_take(&e, out, len) != FWUP_OK) {
        fwup_enc_release(&e);
        return fwup_diag_set(d, FWUP_E_NO_MEMORY, jpath, "out of memory");
    }
    return FWUP_OK;
}

static enum fwup_err
role_mask(struct fwup_cli_trust *t, json_t *arr, uint16_t *mask, struct fwup_diag *d,
          const char *jpath)
{
    size_t i;
    json_t *r;

    if (!json_is_array(arr))
        return pfail(d, jpath, "%s must be an array of role names", jpath);
    json_array_foreach(arr, i, r) {
        int id;
        if (!json_is_string(r))
            return pfail(d, jpath, "%s must be an array of role names", jpath);
        id = fwup_cli_role(t, json_string_value(r));
        if (id < 0)
            return pfail(d, jpath, "%s: too many roles", jpath);
        *mask = (uint16_t)(*mask | (1u << id));
    }
    return FWUP_OK;
}

enum fwup_err
fwup_cli_policy_load(struct fwup_cli_trust *t, const char *path, struct fwup_diag *d)
{
    json_error_t jerr;
    json_t *root, *v, *anchors, *a;
    const char *k;
    char dirbuf[PATH_MAX], jpath[64];
    const char *dir;
    size_t i;
    enum fwup_err e = FWUP_OK;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        enum fwup_err code = jerr.line < 0 ? FWUP_E_IO_OPEN : FWUP_E_POLICY_INVALID;
        fwup_diag_set(d, code, NULL, "%s", jerr.text);
        if (d != NULL && jerr.line > 0) {
            d->line = jerr.line;
            d->column = jerr.column;
        }
        return code;
    }
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    dir = dirname(dirbuf);
    if (!json_is_object(root)) {
        e = pfail(d, "$", "%s: a policy is a JSON object", "$");
        goto out;
    }
    json_object_foreach(root, k, v) {
        if (strcmp(k, "fwup_policy") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) != 1) {
                e = pfail(d, "$.fwup_policy", "%s must be 1", "fwup_policy");
                goto out;
            }
        } else if (strcmp(k, "anchors") != 0 && strcmp(k, "require") != 0 &&
                   strcmp(k, "min_signers") != 0 && strcmp(k, "count_roles") != 0 &&
                   strcmp(k, "strict") != 0 && strcmp(k, "description") != 0 &&
                   strcmp(k, "dependency_roles") != 0) {
            e = pfail(d, "$", "unknown key '%s'", k);
            goto out;
        }
    }
    anchors = json_object_get(root, "anchors");
    if (!json_is_array(anchors) || json_array_size(anchors) == 0) {
        e = pfail(d, "$.anchors", "%s: a non-empty array of trust anchors is required", "anchors");
        goto out;
    }
    json_array_foreach(anchors, i, a) {
        json_t *key = json_object_get(a, "key"), *hmac = json_object_get(a, "hmac");
        json_t *role = json_object_get(a, "role"), *comp = json_object_get(a, "components");
        char file[PATH_MAX];
        const char *name;
        uint8_t idx = t->policy.n_anchors;

        snprintf(jpath, sizeof jpath, "$.anchors[%zu]", i);
        if (!json_is_object(a) || (key == NULL) == (hmac == NULL) ||
            !json_is_string(key != NULL ? key : hmac) || (role != NULL && !json_is_string(role)) ||
            (comp != NULL && !json_is_array(comp))) {
            e = pfail(d, jpath, "%s: needs exactly one of \"key\" or \"hmac\" (a path), "
                                "optional \"role\" (a name) and \"components\" (an array)",
                      jpath);
            goto out;
        }
        name = json_string_value(key != NULL ? key : hmac);
        if (name[0] == '/')
            snprintf(file, sizeof file, "%s", name);
        else
            snprintf(file, sizeof file, "%s/%s", dir, name);
        e = add_anchor(t, role != NULL ? json_string_value(role) : FWUP_CLI_DEFAULT_ROLE, file,
                       hmac != NULL, d);
        if (e != FWUP_OK)
            goto out;
        if (comp != NULL) {
            size_t n;
            e = encode_prefixes(comp, &t->prefix_buf[idx], &n, d, jpath);
            if (e != FWUP_OK)
                goto out;
            t->anchors[idx].prefixes.ptr = t->prefix_buf[idx];
            t->anchors[idx].prefixes.len = n;
        }
    }
    if ((v = json_object_get(root, "require")) != NULL &&
        (e = role_mask(t, v, &t->policy.require_roles, d, "require")) != FWUP_OK)
        goto out;
    if ((v = json_object_get(root, "count_roles")) != NULL &&
        (e = role_mask(t, v, &t->policy.count_roles, d, "count_roles")) != FWUP_OK)
        goto out;
    /* [TD] all-of roles for dependency manifests: used by the manifest
     * processor (fwup-sim), not by `fwup verify`, which checks the envelope
     * it is given (docs/policy.md: verify a dependency on its own). */
    if ((v = json_object_get(root, "dependency_roles")) != NULL &&
        (e = role_mask(t, v, &t->policy.dep_require_roles, d, "dependency_roles")) != FWUP_OK)
        goto out;
    if ((v = json_object_get(root, "min_signers")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > FWUP_V_MAX_ANCHORS) {
            e = pfail(d, "$.min_signers", "%s must be an integer 0..8", "min_signers");
            goto out;
        }
        t->policy.min_signers = (uint8_t)json_integer_value(v);
    }
    if ((v = json_object_get(root, "strict")) != NULL) {
        if (!json_is_boolean(v)) {
            e = pfail(d, "$.strict", "%s must be true or false", "strict");
            goto out;
        }
        t->policy.strict = t->policy.strict || json_is_true(v);
    }
out:
    json_decref(root);
    return e;
}

/* ---- names ---- */

const char *
fwup_cli_alg_name(int32_t alg)
{
    switch (alg) {
    case FWUP_COSE_ES256:
        return "ES256";
    case FWUP_COSE_ESP256:
        return "ESP256";
    case FWUP_COSE_ES384:
        return "ES384";
    case FWUP_COSE_ESP384:
        return "ESP384";
    case FWUP_COSE_EDDSA:
        return "EdDSA";
    case FWUP_COSE_ED25519:
        return "Ed25519";
    case FWUP_COSE_HMAC256:
        return "HMAC-256/256";
    case FWUP_COSE_SHA256:
        return "sha-256";
    case FWUP_COSE_SHA384:
        return "sha-384";
    case FWUP_COSE_SHA512:
        return "sha-512";
    default:
        return "unknown";
    }
}

const char *
fwup_cli_block_kind(uint8_t kind)
{
    static const char *const n[] = {"?", "COSE_Sign1", "COSE_Sign", "COSE_Mac0", "COSE_Mac"};
    return kind < 5 ? n[kind] : "?";
}

const char *
fwup_cli_verdict(uint8_t verdict)
{
    static const char *const n[] = {"unchecked", "valid", "unknown-key", "invalid", "known-key-bad",
                                    "unsupported"};
    return verdict < 6 ? n[verdict] : "?";
}

const char *
fwup_cli_seq_state(uint8_t s)
{
    static const char *const n[] = {"absent", "inline", "severed-present", "severed-missing",
                                    "severed-digest-mismatch"};
    return s < 5 ? n[s] : "?";
}

const char *
fwup_cli_manifest_key(int64_t key)
{
    switch (key) {
    case 1: return "manifest-version";
    case 2: return "manifest-sequence-number";
    case 3: return "common";
    case 4: return "reference-uri";
    case 5: return "manifest-component-id";
    case 7: return "validate";
    case 8: return "load";
    case 9: return "invoke";
    case 14: return "coswid";
    case 15: return "dependency-resolution";
    case 16: return "payload-fetch";
    case 18: return "candidate-verification";
    case 20: return "install";
    case 23: return "text";
    case 24: return "uninstall";
    default: return NULL;
    }
}

const char *
fwup_cli_cmd_name(int64_t c)
{
    switch (c) {
    case 1: return "condition-vendor-identifier";
    case 2: return "condition-class-identifier";
    case 3: return "condition-image-match";
    case 4: return "condition-use-before";
    case 5: return "condition-component-slot";
    case 6: return "condition-check-content";
    case 7: return "condition-dependency-integrity";
    case 8: return "condition-is-dependency";
    case 11: return "directive-process-dependency";
    case 12: return "directive-set-component-index";
    case 14: return "condition-abort";
    case 15: return "directive-try-each";
    case 18: return "directive-write";
    case 19: return "directive-set-parameters";
    case 20: return "directive-override-parameters";
    case 21: return "directive-fetch";
    case 22: return "directive-copy";
    case 23: return "directive-invoke";
    case 24: return "condition-device-identifier";
    case 25: return "condition-image-not-match";
    case 26: return "condition-minimum-battery";
    case 27: return "condition-update-authorized";
    case 28: return "condition-version";
    case 29: return "directive-wait";
    case 31: return "directive-swap";
    case 32: return "directive-run-sequence";
    case 33: return "directive-unlink";
    case 34: return "directive-override-multiple";
    case 35: return "directive-copy-params";
    default: return NULL;
    }
}

const char *
fwup_cli_param_name(int64_t p)
{
    switch (p) {
    case 1: return "vendor-identifier";
    case 2: return "class-identifier";
    case 3: return "image-digest";
    case 4: return "use-before";
    case 5: return "component-slot";
    case 12: return "strict-order";
    case 13: return "soft-failure";
    case 14: return "image-size";
    case 18: return "content";
    case 19: return "encryption-info";
    case 21: return "uri";
    case 22: return "source-component";
    case 23: return "invoke-args";
    case 24: return "device-identifier";
    case 25: return "fetch-arguments";
    case 26: return "minimum-battery";
    case 27: return "update-priority";
    case 28: return "version";
    case 29: return "wait-info";
    case 30: return "component-metadata";
    default: return NULL;
    }
}

void
fwup_cli_v_path(const struct fwup_v_diag *vd, const struct fwup_cli_trust *t, char *out,
                size_t cap)
{
    static const char *const common[] = {NULL, "dependencies", "components", NULL,
                                         "shared-sequence"};
    const char *n;
    int32_t k = vd->suit_key;

    switch (vd->scope) {
    case FWUP_V_AT_ENVELOPE:
        if (k == FWUP_SUIT_ENV_AUTH)
            snprintf(out, cap, "envelope.authentication-wrapper");
        else if (k == FWUP_SUIT_ENV_MANIFEST)
            snprintf(out, cap, "envelope.manifest");
        else if (k == 0)
            snprintf(out, cap, "envelope");
        else if (k < 0)
            snprintf(out, cap, "envelope[tstr]");
        else if ((n = fwup_cli_manifest_key(k)) != NULL && k != 1 && k != 2 && k != 4)
            snprintf(out, cap, "envelope.%s", n);
        else
            snprintf(out, cap, "envelope[%d]", (int)k);
        break;
    case FWUP_V_AT_AUTH:
        snprintf(out, cap, "envelope.authentication-wrapper");
        break;
    case FWUP_V_AT_BLOCK:
        snprintf(out, cap, "envelope.authentication-wrapper.block[%d]", (int)k);
        break;
    case FWUP_V_AT_MANIFEST:
        if (k == 0)
            snprintf(out, cap, "envelope.manifest");
        else if ((n = fwup_cli_manifest_key(k)) != NULL)
            snprintf(out, cap, "envelope.manifest.%s", n);
        else
            snprintf(out, cap, "envelope.manifest[%d]", (int)k);
        break;
    case FWUP_V_AT_COMMON:
        if (k > 0 && k < 5 && common[k] != NULL)
            snprintf(out, cap, "envelope.manifest.common.%s", common[k]);
        else if (k == 0)
            snprintf(out, cap, "envelope.manifest.common");
        else
            snprintf(out, cap, "envelope.manifest.common[%d]", (int)k);
        break;
    case FWUP_V_AT_COMPONENT:
        snprintf(out, cap, "envelope.manifest.common.components[%d]", (int)k);
        break;
    case FWUP_V_AT_POLICY:
        if (t != NULL && k >= 0 && k < t->n_roles && vd->code == FWUP_E_POLICY_ROLE_MISSING)
            snprintf(out, cap, "policy.require[%s]", t->role_names[k]);
        else
            snprintf(out, cap, "policy");
        break;
    case FWUP_V_AT_IMAGE:
        snprintf(out, cap, "payload[%d]", (int)k);
        break;
    default:
        out[0] = '\0';
    }
}

void
fwup_cli_v_diag(const struct fwup_verifier *v, const struct fwup_cli_trust *t,
                struct fwup_diag *d)
{
    const struct fwup_v_diag *vd = fwup_verifier_diag(v);
    enum fwup_err code = (enum fwup_err)vd->code;
    int32_t k = vd->suit_key;

    fwup_diag_init(d);
    d->code = code;
    d->offset = vd->offset;
    d->has_offset = vd->scope != FWUP_V_AT_NONE && vd->scope != FWUP_V_AT_POLICY;
    fwup_cli_v_path(vd, t, d->path, sizeof d->path);
    switch (code) {
    case FWUP_E_POLICY_ROLE_MISSING:
        if (t != NULL && k >= 0 && k < t->n_roles)
            snprintf(d->detail, sizeof d->detail,
                     "required role '%s' has no valid authentication block", t->role_names[k]);
        break;
    case FWUP_E_POLICY_TOO_FEW:
        snprintf(d->detail, sizeof d->detail, "%d valid signer(s), the policy requires %d",
                 (int)k, t != NULL && t->policy.min_signers > 1 ? t->policy.min_signers : 1);
        break;
    case FWUP_E_KNOWN_KEY_BAD_SIG:
        if (k >= 0 && k < v->n_blocks)
            snprintf(d->detail, sizeof d->detail,
                     "authentication block %d names a trusted key but does not verify", (int)k);
        break;
    case FWUP_E_SIG_VERIFY:
        snprintf(d->detail, sizeof d->detail,
                 "no authentication block verifies with a trusted key");
        break;
    case FWUP_E_NO_TRUSTED_KEY:
        snprintf(d->detail, sizeof d->detail,
                 "no authentication block is by a trusted key (kid or key type)");
        break;
    default:
        break;
    }
}
