/*
 * CLI support for the verifier commands (verify, show): trust anchors and
 * roles on the command line (the JSON policy itself: fwup/policy.h),
 * names of SUIT/COSE code points, and turning the verifier's numeric
 * diagnostics into fwup_diag lines with a SUIT key path.
 */
#ifndef FWUP_CLI_POLICY_H
#define FWUP_CLI_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "fwup/err.h"
#include "fwup/policy.h"
#include "fwup/verifier.h"

/*
 * Add an anchor from "[ROLE=]FILE" (role FWUP_POLICY_DEFAULT_ROLE if none;
 * hmac: an HMAC secret file, else a PEM public key) to t, the same type the
 * JSON policy loads into (fwup/policy.h). Errors: FWUP_E_INVALID_ARG (bad
 * role), FWUP_E_LIMIT_COUNT (too many anchors or roles), the key loader's
 * (FWUP_E_IO_OPEN, FWUP_E_KEY_FORMAT).
 */
enum fwup_err fwup_cli_trust_add(struct fwup_policy *t, const char *spec, bool hmac,
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
void fwup_cli_v_path(const struct fwup_v_diag *vd, const struct fwup_policy *t, char *out,
                     size_t cap);

/* Fill a host diag with a verifier diagnostic's code, offset and path (no
 * detail): for diagnostics that are not the context's own, e.g. the
 * processor's (fwup_v_check). */
void fwup_cli_vd_diag(const struct fwup_v_diag *vd, const struct fwup_policy *t,
                      struct fwup_diag *d);

/* Fill a host diag from the verifier's (code, offset, path, detail). */
void fwup_cli_v_diag(const struct fwup_verifier *v, const struct fwup_policy *t,
                     struct fwup_diag *d);

#endif /* FWUP_CLI_POLICY_H */
