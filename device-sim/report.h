/*
 * fwup-sim: the SUIT report of each update attempt (device-sim/report.c).
 *
 * Every install attempt whose envelope reached the device gets a report,
 * whatever its outcome: success, rejection before any write (parse,
 * signature, policy, identity, rollback, device state) or failure midway.
 * Only a power cut produces none: the power is gone before it can be
 * written (the install reports the cut with exit 75 instead).
 *
 * The agent's record hook feeds fwup_sim_attempt_note() while the manifest
 * processor runs; fwup_sim_attempt_finish() then builds the SUIT_Report and
 * appends it to the report log (replog.h) AFTER the install's last flash
 * operation, so the report write can never be in the middle of an update.
 */
#ifndef FWUP_SIM_REPORT_H
#define FWUP_SIM_REPORT_H

#include "fwup/report.h"
#include "replog.h"

struct fwup_sim;
struct fwup_sim_install_result;

struct fwup_sim_attempt {
    struct fwup_report rep;
    /* the last command that failed (whatever its reporting policy): the
     * result-record when the procedure fails with its error */
    bool has_fail;
    int32_t fail_section;
    uint32_t fail_offset, fail_component;
    int32_t fail_command;
    enum fwup_err fail_result;
};

void fwup_sim_attempt_init(struct fwup_sim_attempt *a);

/* The processor's record hook, forwarded by the agent. */
void fwup_sim_attempt_note(struct fwup_sim_attempt *a, int32_t section, uint32_t offset,
                           uint32_t component, int32_t command, enum fwup_err result,
                           uint32_t rep_policy);

/*
 * Build the report of an install attempt that ended with `result` (diag
 * `why`: its offset locates failures outside commands) and append it to the
 * device's report log. power_cut_after >= 0 arms a power cut of the REPORT
 * part after that many of its operations (tests of the log's invariant).
 * Returns FWUP_OK, FWUP_E_POWER_CUT, or a report-log error in d.
 */
enum fwup_err fwup_sim_attempt_finish(struct fwup_sim *s, struct fwup_sim_attempt *a,
                                      const uint8_t *env, size_t len, enum fwup_err result,
                                      const struct fwup_diag *why,
                                      const struct fwup_sim_install_result *res,
                                      int64_t power_cut_after, uint32_t *number,
                                      struct fwup_diag *d);

#endif /* FWUP_SIM_REPORT_H */
