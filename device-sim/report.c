/*
 * fwup-sim: the SUIT report of each update attempt (report.h), built with
 * lib/report and kept in the report log (replog.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "sim.h"

void
fwup_sim_attempt_init(struct fwup_sim_attempt *a)
{
    memset(a, 0, sizeof *a);
    fwup_report_init(&a->rep);
}

void
fwup_sim_attempt_note(struct fwup_sim_attempt *a, int32_t section, uint32_t offset,
                      uint32_t component, int32_t command, enum fwup_err result,
                      uint32_t rep_policy)
{
    (void)fwup_report_add(&a->rep, section, offset, component, command, result, rep_policy);
    if (result != FWUP_OK) {
        /* Kept whatever the policy says: the result-record names the
         * failing command even when the author asked for no records. */
        a->has_fail = true;
        a->fail_section = section;
        a->fail_offset = offset;
        a->fail_component = component;
        a->fail_command = command;
        a->fail_result = result;
    }
}

/* The newest image the device holds after the attempt: TRIAL or CONFIRMED
 * slots (a slot being written, or rejected, holds nothing installable). */
static bool
installed_seq(const struct fwup_sim *s, uint64_t *seq)
{
    bool any = false;

    for (int i = 0; i < 2; i++) {
        const struct fwup_slot_rec *r = &s->st.slot[i];
        if (r->state != FWUP_SLOT_TRIAL && r->state != FWUP_SLOT_CONFIRMED)
            continue;
        if (!any || r->seq > *seq)
            *seq = r->seq;
        any = true;
    }
    return any;
}

/* The simulated real-time clock: FWUP_SIM_CLOCK (seconds) when set, so that
 * tests and demos produce the same bytes every run; the host clock else. */
static uint64_t
sim_clock(void)
{
    const char *c = getenv("FWUP_SIM_CLOCK");
    char *end;
    unsigned long long v;

    if (c != NULL && c[0] >= '0' && c[0] <= '9') {
        v = strtoull(c, &end, 10);
        if (*end == '\0')
            return v;
    }
    return (uint64_t)time(NULL);
}

/*
 * A failure found outside any command (the diag's offset is absolute in
 * the envelope): locate it in a command sequence if it lies inside one, so
 * the result-record has the draft's (section, offset-in-sequence) form and
 * names the command at that place; section 0 otherwise.
 */
static void
locate(const struct fwup_verifier *v, bool decoded, size_t off, int64_t *section,
       uint64_t *offset, int64_t *command)
{
    struct fwup_v_span body = {0, 0};
    struct fwup_vcbor r;
    int64_t cmd;

    *section = 0;
    *offset = off;
    *command = -1;
    if (!decoded || off == 0)
        return;
    if (v->m.shared.len > 0 && off >= v->m.shared.off && off < v->m.shared.off + v->m.shared.len) {
        body = v->m.shared;
        *section = FWUP_SUIT_COMMON_SHARED_SEQUENCE;
    }
    for (int i = 0; i < FWUP_V_N_SEQ && *section == 0; i++) {
        struct fwup_v_span b = v->m.seq[i].body;
        if (b.len > 0 && off >= b.off && off < b.off + b.len) {
            body = b;
            *section = fwup_verifier_slot_key((enum fwup_v_seq_slot)i);
        }
    }
    if (*section == 0)
        return;
    *offset = off - body.off;
    /* The command key at that offset, read with the verifier's reader over
     * the sequence only (it cannot read past the sequence's end). */
    fwup_vcbor_init(&r, v->env + off, body.off + body.len - off);
    if (fwup_vcbor_get_int(&r, &cmd) == FWUP_OK)
        *command = cmd;
}

enum fwup_err
fwup_sim_attempt_finish(struct fwup_sim *s, struct fwup_sim_attempt *a, const uint8_t *env,
                        size_t len, enum fwup_err result, const struct fwup_diag *why,
                        const struct fwup_sim_install_result *res, int64_t power_cut_after,
                        uint32_t *number, struct fwup_diag *d)
{
    static struct fwup_verifier v; /* ~600 bytes: static, like the agent's */
    struct fwup_report *rep = &a->rep;
    struct fwup_replog log;
    struct fwup_enc enc;
    bool parsed, decoded = false;
    enum fwup_err e, e2;

    /* suit-reference: the digest is wrapper[0] as parsed (present as soon
     * as the authentication wrapper parsed, even when a signature then
     * failed: it names what was offered); the reference-uri is read only
     * from a manifest that AUTHENTICATED, never from unverified bytes. */
    /* The port is needed by inspect to check the digests of severable
     * members (text); install always opens the device with it. */
    fwup_verifier_init(&v, s->crypto != NULL ? &s->port : NULL);
    parsed = fwup_verifier_parse(&v, env, len) == FWUP_OK;
    if (parsed && v.digest_bytes.len > 0) {
        rep->digest_alg = v.digest_alg;
        rep->digest = fwup_verifier_bytes(&v, v.digest_bytes);
    }
    if (parsed && res->authenticated) {
        decoded = fwup_verifier_inspect(&v) == FWUP_OK;
        if (decoded && v.m.reference_uri.off != 0)
            rep->uri = fwup_verifier_bytes(&v, v.m.reference_uri);
        rep->sequence = res->seq;
        rep->ext |= FWUP_REPORT_HAS_SEQUENCE;
    }

    if (result != FWUP_OK) {
        enum fwup_err code = why != NULL && why->code != FWUP_OK ? why->code : result;
        if (a->has_fail && a->fail_result == code) {
            fwup_report_fail(rep, code, a->fail_section, a->fail_offset, a->fail_component,
                             a->fail_command);
        } else {
            int64_t section, command;
            uint64_t offset;
            locate(&v, decoded, why != NULL && why->has_offset ? why->offset : 0, &section,
                   &offset, &command);
            fwup_report_fail(rep, code, section, offset, 0, command);
        }
    }
    if (installed_seq(s, &rep->installed))
        rep->ext |= FWUP_REPORT_HAS_INSTALLED;
    if (s->has_device) {
        rep->device_id.ptr = s->device;
        rep->device_id.len = 16;
        rep->ext |= FWUP_REPORT_HAS_DEVICE;
    }
    if (s->has_class) {
        rep->class_id.ptr = s->klass;
        rep->class_id.len = 16;
        rep->ext |= FWUP_REPORT_HAS_CLASS;
    }
    rep->time = sim_clock();
    rep->ext |= FWUP_REPORT_HAS_TIME;

    e = fwup_replog_open(&log, s->dir, true, d);
    if (e != FWUP_OK)
        return e;
    rep->number = log.newest + 1;
    rep->ext |= FWUP_REPORT_HAS_NUMBER;
    /* A report that does not fit a slot loses its newest records first (the
     * result record stays: it is the outcome); the count of dropped records
     * says so. */
    for (;;) {
        fwup_enc_init(&enc, FWUP_REPLOG_MAX_REPORT);
        e = fwup_report_encode(rep, &enc);
        if (e != FWUP_E_LIMIT_BUFFER || rep->n_records == 0)
            break;
        fwup_enc_release(&enc);
        rep->n_records--;
        rep->dropped++;
        rep->ext |= FWUP_REPORT_HAS_DROPPED;
    }
    if (e == FWUP_OK) {
        struct fwup_bytes b = fwup_enc_bytes(&enc);
        if (power_cut_after >= 0)
            fwup_flash_set_power_cut(&log.flash, (uint64_t)power_cut_after);
        e = fwup_replog_append(&log, b.ptr, b.len, d);
        if (e == FWUP_OK && number != NULL)
            *number = log.newest;
    } else {
        e = fwup_diag_set(d, e, NULL, "cannot encode the report: %s", fwup_err_str(e));
    }
    fwup_enc_release(&enc);
    e2 = fwup_replog_close(&log, d);
    return e != FWUP_OK ? e : e2;
}
