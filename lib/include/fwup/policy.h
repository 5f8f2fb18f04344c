/*
 * The JSON trust policy (schemas/policy.schema.json, docs/policy.md), loaded
 * into the verifier's struct fwup_v_policy. The one loader of the format:
 * `fwup verify --policy` and the simulated device (fwup-sim) both use it, so
 * a field cannot be honoured by one and ignored by the other.
 *
 * Ownership: struct fwup_policy owns the anchors' keys, their file names and
 * their encoded component prefixes; fwup_policy_release() frees them. `pol` points into
 * the struct, so it must not be copied or moved while `pol` is in use.
 *
 * Roles are numbered in order of first appearance (anchors in file order,
 * then anchors added with fwup_policy_add_anchor()).
 */
#ifndef FWUP_POLICY_H
#define FWUP_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "fwup/err.h"
#include "fwup/types.h"
#include "fwup/verifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Role of an anchor that names none (docs/policy.md, docs/verify.md). */
#define FWUP_POLICY_DEFAULT_ROLE "author"
/* A role name is at most FWUP_POLICY_ROLE_NAME - 1 bytes. */
#define FWUP_POLICY_ROLE_NAME 32
/* Cap of one anchor's encoded "components" ([* [* bstr]]). */
#define FWUP_POLICY_MAX_PREFIXES 1024

struct fwup_policy {
    struct fwup_v_key keys[FWUP_V_MAX_ANCHORS];
    struct fwup_v_anchor anchors[FWUP_V_MAX_ANCHORS]; /* pol.anchors */
    uint8_t *prefixes[FWUP_V_MAX_ANCHORS];            /* owned; NULL: any component */
    char *key_files[FWUP_V_MAX_ANCHORS]; /* owned: the file each key was read from */
    char role_names[FWUP_V_MAX_ROLES][FWUP_POLICY_ROLE_NAME];
    uint8_t n_roles;
    struct fwup_v_policy pol; /* what fwup_verifier_verify() takes */
};

/* An empty policy: no anchors, no roles. */
FWUP_API void fwup_policy_init(struct fwup_policy *p);

/* Free keys and prefixes and leave p as fwup_policy_init() does. */
FWUP_API void fwup_policy_release(struct fwup_policy *p);

/* Role id of a name, -1 if no anchor or policy field introduced it. */
FWUP_API int fwup_policy_role(const struct fwup_policy *p, const char *name);

/*
 * Add an anchor: a PEM public key (hmac false) or an HMAC-256 secret file,
 * with a role (created if new), any component. Errors: FWUP_E_INVALID_ARG
 * (role name empty or too long), FWUP_E_LIMIT_COUNT (more than
 * FWUP_V_MAX_ANCHORS anchors or FWUP_V_MAX_ROLES roles),
 * FWUP_E_POLICY_INVALID (the key already is an anchor, fwup_key_same: a
 * block counts for one anchor only, so the second role could never be
 * met), the key loader's (FWUP_E_IO_OPEN, FWUP_E_KEY_FORMAT, ...),
 * FWUP_E_NO_MEMORY. p is unchanged on error.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_policy_add_anchor(struct fwup_policy *p,
                                                             const char *role,
                                                             const char *file, bool hmac,
                                                             struct fwup_diag *d);

/*
 * Load a policy file into p, which must be empty (just initialised). Key
 * paths are relative to the file's directory (absolute ones are taken as
 * they are). Every rule of schemas/policy.schema.json is enforced, and a
 * role in require / count_roles / dependency_roles must be the role of an
 * anchor (else it could never be satisfied), and min_signers must not exceed
 * the number of anchors.
 * Errors: FWUP_E_IO_OPEN (d: detail), FWUP_E_POLICY_INVALID (JSON syntax:
 * d->line / d->column; structure: d->path is the JSON path, e.g.
 * "$.anchors[1].components"), the key loader's errors for an anchor's key
 * (d->path "$.anchors[N].key" or ".hmac"), FWUP_E_NO_MEMORY. On error p is
 * released (empty again). The library never names the file: callers do.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_policy_load(struct fwup_policy *p, const char *path,
                                                       struct fwup_diag *d);

/*
 * One element of a component identifier written in JSON, the form of a
 * policy's "components" prefixes and of fwup-sim's layout "component": a
 * text string (its UTF-8 bytes) or {"hex": "..."} (the bytes the pairs of
 * hex digits spell, nothing else in the object). Appended to e as a bstr,
 * encoded as fwup create encodes it, so that identifiers compare byte for
 * byte with a manifest's. e's own limit bounds the length (its sticky
 * error, checked by the caller).
 * Returns NULL, or a static one-line reason for the caller's diagnostic,
 * which adds the JSON path. el is a jansson json_t (borrowed).
 */
struct json_t;
struct fwup_enc;
FWUP_API const char *fwup_policy_id_element(struct fwup_enc *e, const struct json_t *el);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_POLICY_H */
