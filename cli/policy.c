/*
 * Command-line trust anchors and verifier names/paths for the verify and
 * show commands (see policy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwup/crypto.h"
#include "policy.h"

enum fwup_err
fwup_cli_trust_add(struct fwup_policy *t, const char *spec, bool hmac, struct fwup_diag *d)
{
    const char *eq = strchr(spec, '=');
    char role[FWUP_POLICY_ROLE_NAME];

    if (eq == NULL)
        return fwup_policy_add_anchor(t, FWUP_POLICY_DEFAULT_ROLE, spec, hmac, d);
    if (eq == spec || (size_t)(eq - spec) >= sizeof role)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "bad role in '%s'", spec);
    memcpy(role, spec, (size_t)(eq - spec));
    role[eq - spec] = '\0';
    return fwup_policy_add_anchor(t, role, eq + 1, hmac, d);
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
fwup_cli_v_path(const struct fwup_v_diag *vd, const struct fwup_policy *t, char *out,
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
fwup_cli_vd_diag(const struct fwup_v_diag *vd, const struct fwup_policy *t,
                 struct fwup_diag *d)
{
    fwup_diag_init(d);
    d->code = (enum fwup_err)vd->code;
    d->offset = vd->offset;
    d->has_offset = vd->scope != FWUP_V_AT_NONE && vd->scope != FWUP_V_AT_POLICY;
    fwup_cli_v_path(vd, t, d->path, sizeof d->path);
}

void
fwup_cli_v_diag(const struct fwup_verifier *v, const struct fwup_policy *t,
                struct fwup_diag *d)
{
    const struct fwup_v_diag *vd = fwup_verifier_diag(v);
    enum fwup_err code = (enum fwup_err)vd->code;
    int32_t k = vd->suit_key;

    fwup_cli_vd_diag(vd, t, d);
    switch (code) {
    case FWUP_E_POLICY_ROLE_MISSING:
        if (t != NULL && k >= 0 && k < t->n_roles)
            snprintf(d->detail, sizeof d->detail,
                     "required role '%s' has no valid authentication block", t->role_names[k]);
        break;
    case FWUP_E_POLICY_TOO_FEW:
        snprintf(d->detail, sizeof d->detail, "%d valid signer(s), the policy requires %d",
                 (int)k, t != NULL && t->pol.min_signers > 1 ? t->pol.min_signers : 1);
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
