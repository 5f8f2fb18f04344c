/*
 * CLI support for the verifier commands (verify, show): trust anchors and
 * roles, the JSON trust policy (schemas/policy.schema.json, docs/policy.md),
 * names of SUIT/COSE code points, and turning the verifier's numeric
 * diagnostics into fwup_diag lines with a SUIT key path.
 */
#ifndef FWUP_CLI_POLICY_H
#define FWUP_CLI_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "fwup/err.h"
#include "fwup/verifier.h"

/* Role given to a trust anchor named without ROLE= (docs/verify.md). */
#define FWUP_CLI_DEFAULT_ROLE "author"

/* Everything `fwup verify` trusts. Owns the keys and the prefix buffers. */
struct fwup_cli_trust {
    char *role_names[FWUP_V_MAX_ROLES];
    uint8_t n_roles;
    struct fwup_v_key keys[FWUP_V_MAX_ANCHORS];
    char *key_files[FWUP_V_MAX_ANCHORS];
    uint8_t *prefix_buf[FWUP_V_MAX_ANCHORS];
    struct fwup_v_anchor anchors[FWUP_V_MAX_ANCHORS];
    struct fwup_v_policy policy;
};

void fwup_cli_trust_init(struct fwup_cli_trust *t);
void fwup_cli_trust_release(struct fwup_cli_trust *t);

/* Role id for a name, creating it. -1 when there are FWUP_V_MAX_ROLES already. */
int fwup_cli_role(struct fwup_cli_trust *t, const char *name);

/*
 * Add an anchor from "[ROLE=]FILE" (hmac: an HMAC secret file, else a PEM
 * public key). Errors: FWUP_E_LIMIT_COUNT (too many anchors or roles), the
 * key loader's (FWUP_E_IO_OPEN, FWUP_E_KEY_FORMAT); d names the file.
 */
enum fwup_err fwup_cli_trust_add(struct fwup_cli_trust *t, const char *spec, bool hmac,
                                 struct fwup_diag *d);

/*
 * Load a JSON policy file (anchors with key paths relative to the file,
 * component prefixes, require, min_signers, count_roles, strict) into t.
 * Errors: FWUP_E_IO_*, FWUP_E_POLICY_INVALID (d has line:column or path).
 */
enum fwup_err fwup_cli_policy_load(struct fwup_cli_trust *t, const char *path,
                                   struct fwup_diag *d);

/* Names (never NULL). */
const char *fwup_cli_alg_name(int32_t alg);
const char *fwup_cli_block_kind(uint8_t kind);
const char *fwup_cli_verdict(uint8_t verdict);
const char *fwup_cli_manifest_key(int64_t key); /* NULL if unknown */
const char *fwup_cli_cmd_name(int64_t cmd);     /* NULL if unknown */
const char *fwup_cli_param_name(int64_t p);     /* NULL if unknown */
const char *fwup_cli_seq_state(uint8_t state);

/* SUIT key path of a verifier diagnostic ("envelope.manifest.common"). */
void fwup_cli_v_path(const struct fwup_v_diag *vd, const struct fwup_cli_trust *t, char *out,
                     size_t cap);

/* Fill a host diag from the verifier's (code, offset, path, detail). */
void fwup_cli_v_diag(const struct fwup_verifier *v, const struct fwup_cli_trust *t,
                     struct fwup_diag *d);

#endif /* FWUP_CLI_POLICY_H */
