/*
 * The device's trust policy (schemas/policy.schema.json, loaded by the
 * library: fwup/policy.h, the same loader as `fwup verify --policy`, so one
 * file provisions a device and checks a release) and envelope
 * authentication with it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"

enum fwup_err
fwup_sim_policy_load(struct fwup_policy *p, const char *path, struct fwup_diag *d)
{
    struct fwup_diag ld;
    char where[64];
    enum fwup_err e;

    fwup_policy_init(p);
    fwup_diag_init(&ld);
    e = fwup_policy_load(p, path, &ld);
    if (e == FWUP_OK || d == NULL || d->code != FWUP_OK)
        return e;
    *d = ld;
    if (ld.line > 0)
        (void)!snprintf(where, sizeof where, ":%d:%d", ld.line, ld.column);
    else
        where[0] = '\0';
    (void)!snprintf(d->detail, sizeof d->detail, "'%.60s'%s: %.90s", path, where,
                    ld.detail[0] != '\0' ? ld.detail : fwup_err_str(ld.code));
    d->line = d->column = 0;
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

/* The match_ident hook of the update agent and of the bootloader: the
 * identity the device was provisioned with (fwup-sim init). An id the
 * device has none of matches nothing. */
bool
fwup_sim_match_ident(const struct fwup_sim *s, enum fwup_v_ident which, struct fwup_bytes value)
{
    const uint8_t *mine = which == FWUP_V_IDENT_VENDOR  ? (s->has_vendor ? s->vendor : NULL)
                          : which == FWUP_V_IDENT_CLASS ? (s->has_class ? s->klass : NULL)
                                                        : (s->has_device ? s->device : NULL);

    /* Identifiers are public compatibility data (SUIT-DIGEST §15): memcmp is fine. */
    return mine != NULL && value.len == 16 && memcmp(value.ptr, mine, 16) == 0;
}
