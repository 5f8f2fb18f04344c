/*
 * fwup-sim: the simulated device's command line (init, install, boot,
 * confirm, status). The only file of device-sim that prints or exits.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwup/report.h"
#include "report.h"
#include "sim.h"

static const char usage_main[] =
    "usage: fwup-sim <command> [options]\n"
    "\n"
    "A simulated device with NOR flash, A/B slots, a power-safe state log, a\n"
    "static bootloader and a SUIT update agent (see docs/device-sim.md).\n"
    "\n"
    "commands:\n"
    "  init DIR --layout L.json --policy P.json (--vendor UUID | --vendor-domain D)\n"
    "       (--class UUID | --model M) [--device UUID]\n"
    "       [--kek FILE | --device-key PEM] [--no-identity-checks]\n"
    "                            provision a new device in DIR (--kek / --device-key:\n"
    "                            payload decryption key, docs/encryption.md)\n"
    "  install DIR ENVELOPE [--payloads PDIR] [--json] [--power-cut-after N]\n"
    "          [--power-cut-report-after N] [--now SECONDS]\n"
    "                            authenticate and install an update into the inactive slot;\n"
    "                            every attempt leaves a SUIT report in the report log\n"
    "  boot DIR [--json] [--power-cut-after N] [--fail-health] [--now SECONDS]\n"
    "                            run the bootloader: select, verify, invoke (trial / revert)\n"
    "  confirm DIR               confirm the running trial image (as a healthy image does)\n"
    "  status DIR [--json]       slots, trial state, anti-rollback value, wear, counters,\n"
    "                            last update outcome\n"
    "  report DIR [-o OUT] [--all]\n"
    "                            export the last SUIT report (CBOR) to stdout or OUT; --all:\n"
    "                            every kept report into OUT (default DIR/reports/) as\n"
    "                            report-NNNNNNNN.cbor\n"
    "\n"
    "exit: 0 ok, 1 rejected, 2 usage, 3 malformed, 4 I/O, 5 backend, 70 internal,\n"
    "      75 simulated power cut (the flash is left exactly as the cut left it)\n";

static void
errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
errorf(const char *fmt, ...)
{
    va_list ap;

    fputs("fwup-sim: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int
usage_error(const char *cmd, const char *msg)
{
    errorf("%s", msg);
    fprintf(stderr, "try 'fwup-sim %s--help'\n", cmd != NULL ? cmd : "");
    return FWUP_EXIT_USAGE;
}

static int
exit_of(enum fwup_err e)
{
    /* A flash rule violation is a bug of the simulated firmware, not input. */
    if (e == FWUP_E_FLASH)
        return FWUP_EXIT_INTERNAL;
    /* The device refuses an operation in its current state: "said no". */
    if (e == FWUP_E_BAD_STATE)
        return FWUP_EXIT_REJECTED;
    return (int)fwup_err_exit(e);
}

/* One error line, fwup style; returns the exit class. */
static int
fail(const char *file, enum fwup_err e, const struct fwup_diag *d)
{
    enum fwup_err code = d->code != FWUP_OK ? d->code : e;

    fputs("fwup-sim: error: ", stderr);
    if (file != NULL) {
        fprintf(stderr, "'%s'", file);
        if (d->line > 0)
            fprintf(stderr, ":%d:%d", d->line, d->column);
        else if (d->has_offset)
            fprintf(stderr, ":%zu", d->offset);
        fputs(": ", stderr);
    }
    fputs(d->detail[0] != '\0' ? d->detail : fwup_err_str(code), stderr);
    if (d->path[0] != '\0')
        fprintf(stderr, " (%s)", d->path);
    fprintf(stderr, " [%s]\n", fwup_err_name(code));
    return exit_of(code);
}

static int
finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "fwup-sim: error: cannot write to stdout: %s [FWUP_E_IO_WRITE]\n",
                strerror(errno));
        return FWUP_EXIT_IO;
    }
    return rc;
}

static bool
parse_count(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static json_t *
flash_json(const struct fwup_flash *f)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:b}", "operations",
                     (json_int_t)(f->run.programs + f->run.erases), "programs",
                     (json_int_t)f->run.programs, "erases", (json_int_t)f->run.erases,
                     "bytes_programmed", (json_int_t)f->run.bytes_programmed, "power_cut", f->cut);
}

static json_t *
error_json(enum fwup_err e, const struct fwup_diag *d)
{
    enum fwup_err code = d->code != FWUP_OK ? d->code : e;

    return json_pack("{s:i,s:s,s:o,s:s,s:s}", "code", (int)code, "name", fwup_err_name(code),
                     "offset", d->has_offset ? json_integer((json_int_t)d->offset) : json_null(),
                     "path", d->path, "message",
                     d->detail[0] != '\0' ? d->detail : fwup_err_str(code));
}

static int
emit_json(json_t *j)
{
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    fputc('\n', stdout);
    return rc == 0 ? 0 : -1;
}

/* ---- init ---- */

static int
cmd_init(int argc, char **argv)
{
    static const struct option lo[] = {
        {"layout", required_argument, NULL, 'l'}, {"policy", required_argument, NULL, 'p'},
        {"vendor", required_argument, NULL, 'V'}, {"vendor-domain", required_argument, NULL, 'D'},
        {"class", required_argument, NULL, 'C'},  {"model", required_argument, NULL, 'M'},
        {"device", required_argument, NULL, 'I'}, {"help", no_argument, NULL, 'h'},
        {"kek", required_argument, NULL, 'K'},    {"device-key", required_argument, NULL, 'E'},
        {"no-identity-checks", no_argument, NULL, 'N'},
        {NULL, 0, NULL, 0}};
    struct fwup_sim_init_opts o;
    struct fwup_diag d;
    enum fwup_err e;
    int c;

    memset(&o, 0, sizeof o);
    fwup_diag_init(&d);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'l': o.layout_path = optarg; break;
        case 'p': o.policy_path = optarg; break;
        case 'V': o.vendor_uuid = optarg; break;
        case 'D': o.vendor_domain = optarg; break;
        case 'C': o.class_uuid = optarg; break;
        case 'M': o.model = optarg; break;
        case 'I': o.device_uuid = optarg; break;
        case 'K': o.kek_path = optarg; break;
        case 'E': o.device_key_path = optarg; break;
        case 'N': o.no_identity_checks = true; break;
        case 'h': fputs(usage_main, stdout); return finish(0);
        default: return usage_error("init ", "bad option");
        }
    }
    if (optind + 1 != argc)
        return usage_error("init ", "expected exactly one device directory");
    if (o.layout_path == NULL || o.policy_path == NULL)
        return usage_error("init ", "--layout and --policy are required");
    if ((o.vendor_uuid != NULL && o.vendor_domain != NULL) ||
        (o.class_uuid != NULL && o.model != NULL))
        return usage_error("init ", "give --vendor or --vendor-domain, --class or --model, not both");
    if (o.kek_path != NULL && o.device_key_path != NULL)
        return usage_error("init ", "give --kek or --device-key, not both");
    if ((o.vendor_uuid == NULL && o.vendor_domain == NULL) ||
        (o.class_uuid == NULL && o.model == NULL))
        return usage_error("init ", "a vendor and a class are required");
    e = fwup_sim_init(argv[optind], &o, &d);
    if (e != FWUP_OK) {
        int rc = fail(NULL, e, &d);
        /* At provisioning the policy is the operator's input file: a
         * malformed one is malformed input (exit 3), as in `fwup verify
         * --policy`. Elsewhere FWUP_E_POLICY_INVALID keeps its library
         * class: a stored policy the device cannot load is a refusal. */
        return (d.code == FWUP_E_POLICY_INVALID || e == FWUP_E_POLICY_INVALID)
                   ? FWUP_EXIT_MALFORMED
                   : rc;
    }
    return finish(0);
}

/* ---- install ---- */

static enum fwup_err
slurp(const char *path, uint8_t **buf, size_t *len, struct fwup_diag *d)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;

    *buf = NULL;
    if (f == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open: %s", strerror(errno));
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *nb;
            if (cap > FWUP_SIM_MAX_ENVELOPE) {
                free(b);
                fclose(f);
                return fwup_diag_set(d, FWUP_E_IO_TOO_BIG, NULL, "larger than %zu bytes",
                                     FWUP_SIM_MAX_ENVELOPE);
            }
            cap = cap ? cap * 2 : 65536;
            nb = realloc(b, cap);
            if (nb == NULL) {
                free(b);
                fclose(f);
                return fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
            }
            b = nb;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(b);
        fclose(f);
        return fwup_diag_set(d, FWUP_E_IO_READ, NULL, "read error");
    }
    fclose(f);
    *buf = b;
    *len = n;
    return FWUP_OK;
}

static int
cmd_install(int argc, char **argv)
{
    static const struct option lo[] = {{"payloads", required_argument, NULL, 'p'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"power-cut-after", required_argument, NULL, 'c'},
                                       {"power-cut-report-after", required_argument, NULL, 'R'},
                                       {"now", required_argument, NULL, 'N'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    static struct fwup_sim_attempt att; /* a few KiB of records */
    struct fwup_sim s;
    struct fwup_sim_install_result r;
    struct fwup_diag d, dc, dr;
    const char *payloads = NULL, *envp;
    bool json = false, cut = false, rcut = false, reported = false, has_now = false;
    uint64_t cut_n = 0, rcut_n = 0, now = 0;
    uint32_t report_no = 0;
    enum fwup_err er = FWUP_OK;
    uint8_t *env = NULL;
    size_t len = 0;
    enum fwup_err e;
    int c, rc;

    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    fwup_diag_init(&dr);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': payloads = optarg; break;
        case 'j': json = true; break;
        case 'c':
            if (!parse_count(optarg, &cut_n))
                return usage_error("install ", "--power-cut-after needs a number");
            cut = true;
            break;
        case 'R':
            /* The report is written to its own part after the install's last
             * flash operation: its cut points are counted separately. */
            if (!parse_count(optarg, &rcut_n) || rcut_n > INT64_MAX)
                return usage_error("install ", "--power-cut-report-after needs a number");
            rcut = true;
            break;
        case 'N':
            if (!parse_count(optarg, &now))
                return usage_error("install ", "--now needs UTC seconds");
            has_now = true;
            break;
        case 'h': fputs(usage_main, stdout); return finish(0);
        default: return usage_error("install ", "bad option");
        }
    }
    if (optind + 2 != argc)
        return usage_error("install ", "expected a device directory and an envelope");
    envp = argv[optind + 1];
    e = fwup_sim_open(&s, argv[optind], true, &d);
    if (e != FWUP_OK) {
        fwup_sim_close(&s, NULL);
        return fail(argv[optind], e, &d);
    }
    if (cut)
        fwup_flash_set_power_cut(&s.flash, cut_n);
    s.has_now = has_now;
    s.now = now;
    memset(&r, 0, sizeof r);
    r.slot = -1;
    e = slurp(envp, &env, &len, &d);
    if (e == FWUP_OK) {
        fwup_sim_attempt_init(&att);
        s.attempt = &att;
        e = fwup_sim_install(&s, env, len, payloads, &r, &d);
        s.attempt = NULL;
        /* Every attempt the device received is reported, whatever its
         * outcome, except a power cut: the device is off. */
        if (e != FWUP_E_POWER_CUT && !s.flash.cut) {
            er = fwup_sim_attempt_finish(&s, &att, env, len, e, &d, &r,
                                         rcut ? (int64_t)rcut_n : -1, &report_no, &dr);
            reported = er == FWUP_OK;
        }
    }
    free(env);
    if (json) {
        json_t *j = json_pack("{s:i,s:b,s:o,s:o,s:o}", "fwup_json", 1, "ok", e == FWUP_OK,
                              "slot",
                              r.slot >= 0 ? json_string(fwup_sim_slot_name(r.slot)) : json_null(),
                              "sequence",
                              r.authenticated ? json_integer((json_int_t)r.seq) : json_null(),
                              "flash", flash_json(&s.flash));
        json_object_set_new(j, "erases",
                            json_pack("{s:I,s:I}", "slot", (json_int_t)r.erases_slot, "state",
                                      (json_int_t)r.erases_state));
        if (s.layout.has_staging)
            json_object_set_new(json_object_get(j, "erases"), "staging",
                                json_integer((json_int_t)r.erases_staging));
        json_object_set_new(j, "report",
                            reported ? json_integer((json_int_t)report_no) : json_null());
        if (e == FWUP_OK)
            json_object_set_new(j, "image_size", json_integer((json_int_t)r.image_len));
        else
            json_object_set_new(j, "error", error_json(e, &d));
        if (emit_json(j) != 0)
            e = e == FWUP_OK ? FWUP_E_IO_WRITE : e;
    } else if (e == FWUP_OK) {
        printf("installed sequence %llu into slot %s (%llu bytes, trial), %llu flash operations\n",
               (unsigned long long)r.seq, fwup_sim_slot_name(r.slot),
               (unsigned long long)r.image_len,
               (unsigned long long)fwup_flash_ops_run(&s.flash));
    }
    if (fwup_sim_close(&s, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(argv[optind], dc.code, &dc);
    if (e == FWUP_E_POWER_CUT || (e != FWUP_OK && s.flash.cut)) {
        fprintf(stderr, "fwup-sim: power cut after %llu flash operations\n",
                (unsigned long long)cut_n);
        return finish(FWUP_EXIT_POWER_CUT);
    }
    if (er == FWUP_E_POWER_CUT) {
        fprintf(stderr, "fwup-sim: power cut after %llu report-log operations\n",
                (unsigned long long)rcut_n);
        return finish(FWUP_EXIT_POWER_CUT);
    }
    if (er != FWUP_OK)
        /* The update's own outcome stands; the missing report is a warning. */
        fprintf(stderr, "fwup-sim: warning: no report recorded: %s [%s]\n",
                dr.detail[0] != '\0' ? dr.detail : fwup_err_str(er),
                fwup_err_name(dr.code != FWUP_OK ? dr.code : er));
    if (e != FWUP_OK) {
        rc = fail(d.code == FWUP_E_IO_OPEN || d.code == FWUP_E_IO_READ || d.has_offset ? envp
                                                                                       : NULL,
                  e, &d);
        return finish(rc);
    }
    return finish(0);
}

/* ---- boot ---- */

static const char *
outcome_name(enum fwup_sim_boot_outcome o)
{
    switch (o) {
    case FWUP_SIM_BOOT_CONFIRMED: return "confirmed";
    case FWUP_SIM_BOOT_TRIAL_OK: return "trial-confirmed";
    case FWUP_SIM_BOOT_TRIAL_UNCONFIRMED: return "trial-unconfirmed";
    case FWUP_SIM_BOOT_NONE: break;
    }
    return "none";
}

static int
cmd_boot(int argc, char **argv)
{
    static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
                                       {"power-cut-after", required_argument, NULL, 'c'},
                                       {"fail-health", no_argument, NULL, 'f'},
                                       {"now", required_argument, NULL, 'N'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct fwup_sim s;
    struct fwup_sim_boot_result r;
    struct fwup_sim_boot_opts o;
    struct fwup_diag d, dc;
    bool json = false, cut = false, has_now = false;
    uint64_t cut_n = 0, now = 0;
    enum fwup_err e;
    int c;

    memset(&o, 0, sizeof o);
    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'f': o.fail_health = true; break;
        case 'c':
            if (!parse_count(optarg, &cut_n))
                return usage_error("boot ", "--power-cut-after needs a number");
            cut = true;
            break;
        case 'N':
            if (!parse_count(optarg, &now))
                return usage_error("boot ", "--now needs UTC seconds");
            has_now = true;
            break;
        case 'h': fputs(usage_main, stdout); return finish(0);
        default: return usage_error("boot ", "bad option");
        }
    }
    if (optind + 1 != argc)
        return usage_error("boot ", "expected a device directory");
    e = fwup_sim_open(&s, argv[optind], true, &d);
    if (e != FWUP_OK) {
        fwup_sim_close(&s, NULL);
        return fail(argv[optind], e, &d);
    }
    if (cut)
        fwup_flash_set_power_cut(&s.flash, cut_n);
    s.has_now = has_now;
    s.now = now;
    e = fwup_sim_boot(&s, &o, &r, &d);
    if (json) {
        json_t *j = json_pack(
            "{s:i,s:b,s:o,s:o,s:s,s:o,s:o}", "fwup_json", 1, "ok", e == FWUP_OK, "slot",
            r.slot >= 0 ? json_string(fwup_sim_slot_name(r.slot)) : json_null(), "sequence",
            r.slot >= 0 ? json_integer((json_int_t)r.seq) : json_null(), "outcome",
            outcome_name(r.outcome), "reverted",
            r.reverted >= 0 ? json_string(fwup_sim_slot_name(r.reverted)) : json_null(), "flash",
            flash_json(&s.flash));
        json_t *sk = json_array();
        for (int i = 0; i < 2; i++)
            if (r.skipped[i] != 0)
                json_array_append_new(
                    sk, json_pack("{s:s,s:s}", "slot", fwup_sim_slot_name(i), "error",
                                  fwup_err_name((enum fwup_err)r.skipped[i])));
        json_object_set_new(j, "skipped", sk);
        if (e != FWUP_OK)
            json_object_set_new(j, "error", error_json(e, &d));
        if (emit_json(j) != 0 && e == FWUP_OK)
            e = FWUP_E_IO_WRITE;
    } else {
        if (r.reverted >= 0)
            printf("reverted: slot %s did not confirm its trial\n",
                   fwup_sim_slot_name(r.reverted));
        for (int i = 0; i < 2; i++)
            if (r.skipped[i] != 0)
                printf("skipped slot %s: %s\n", fwup_sim_slot_name(i),
                       fwup_err_str((enum fwup_err)r.skipped[i]));
        if (e == FWUP_OK)
            printf("booted slot %s (sequence %llu, %s), %llu flash operations\n",
                   fwup_sim_slot_name(r.slot), (unsigned long long)r.seq,
                   outcome_name(r.outcome), (unsigned long long)fwup_flash_ops_run(&s.flash));
    }
    if (fwup_sim_close(&s, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(argv[optind], dc.code, &dc);
    if (e == FWUP_E_POWER_CUT || (e != FWUP_OK && s.flash.cut)) {
        fprintf(stderr, "fwup-sim: power cut after %llu flash operations\n",
                (unsigned long long)cut_n);
        return finish(FWUP_EXIT_POWER_CUT);
    }
    if (e != FWUP_OK)
        return finish(fail(NULL, e, &d));
    return finish(0);
}

/* ---- confirm ---- */

static int
cmd_confirm(int argc, char **argv)
{
    struct fwup_sim s;
    struct fwup_diag d, dc;
    enum fwup_err e;

    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_main, stdout);
        return finish(0);
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage_error("confirm ", "expected a device directory");
    e = fwup_sim_open(&s, argv[1], false, &d);
    if (e == FWUP_OK)
        e = fwup_sim_confirm(&s, &d);
    if (fwup_sim_close(&s, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(argv[1], dc.code, &dc);
    if (e != FWUP_OK)
        return finish(fail(NULL, e, &d));
    printf("confirmed slot %s\n", fwup_sim_slot_name(s.st.active));
    return finish(0);
}

/* ---- status ---- */

static json_t *
result_json(const struct fwup_result_rec *r)
{
    if (r->slot == FWUP_SLOT_NONE && r->code == 0)
        return json_null();
    return json_pack("{s:s,s:o,s:I}", "result", fwup_err_name((enum fwup_err)r->code), "slot",
                     r->slot <= 1 ? json_string(fwup_sim_slot_name(r->slot)) : json_null(),
                     "sequence", (json_int_t)r->seq);
}

/*
 * The last update outcome, from the newest report of the report log
 * (decoded with lib/report, i.e. the verifier's CBOR reader). *has is false
 * when the device has no report yet.
 */
static enum fwup_err
last_report(const char *dir, struct fwup_report *rep, uint8_t *buf, size_t cap, size_t *kept,
            bool *has, struct fwup_diag *d)
{
    struct fwup_replog_entry en[FWUP_REPLOG_SLOTS];
    struct fwup_replog log;
    enum fwup_err e = fwup_replog_open(&log, dir, false, d);

    *has = false;
    *kept = 0;
    if (e != FWUP_OK)
        return e;
    fwup_replog_list(&log, en, kept);
    if (*kept > 0 && en[*kept - 1].len <= cap) {
        /* Copied out: the views of the decoded report outlive the log. */
        memcpy(buf, fwup_replog_data(&log, &en[*kept - 1]), en[*kept - 1].len);
        e = fwup_report_decode(buf, en[*kept - 1].len, rep, d);
        *has = e == FWUP_OK;
    }
    (void)fwup_replog_close(&log, NULL);
    return e;
}

static uint64_t
part_erases(const struct fwup_sim *s, const struct fwup_sim_part *p)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->size / s->layout.geom.sector_size; i++)
        n += s->flash.wear[p->off / s->layout.geom.sector_size + i];
    return n;
}

static int
cmd_status(int argc, char **argv)
{
    static const struct option lo[] = {{"json", no_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct fwup_sim s;
    struct fwup_diag d, dc;
    static struct fwup_report rep;
    static uint8_t rbuf[FWUP_REPLOG_MAX_REPORT];
    size_t kept = 0;
    bool json = false, has_rep = false;
    enum fwup_err e;
    uint32_t nsec;
    char u[37];
    int c;

    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': fputs(usage_main, stdout); return finish(0);
        default: return usage_error("status ", "bad option");
        }
    }
    if (optind + 1 != argc)
        return usage_error("status ", "expected a device directory");
    e = fwup_sim_open(&s, argv[optind], false, &d);
    if (e != FWUP_OK) {
        fwup_sim_close(&s, NULL);
        return fail(argv[optind], e, &d);
    }
    nsec = s.layout.geom.size / s.layout.geom.sector_size;
    e = last_report(argv[optind], &rep, rbuf, sizeof rbuf, &kept, &has_rep, &d);
    if (e != FWUP_OK) {
        fwup_sim_close(&s, NULL);
        return finish(fail(argv[optind], e, &d));
    }
    if (json) {
        json_t *j = json_object(), *slots = json_array(), *wear = json_array(), *id;
        json_object_set_new(j, "fwup_json", json_integer(1));
        json_object_set_new(j, "ok", json_true());
        id = json_object();
        fwup_sim_uuid_format(s.vendor, u);
        json_object_set_new(id, "vendor_id", s.has_vendor ? json_string(u) : json_null());
        fwup_sim_uuid_format(s.klass, u);
        json_object_set_new(id, "class_id", s.has_class ? json_string(u) : json_null());
        fwup_sim_uuid_format(s.device, u);
        json_object_set_new(id, "device_id", s.has_device ? json_string(u) : json_null());
        json_object_set_new(j, "identity", id);
        json_object_set_new(j, "anti_rollback", json_integer((json_int_t)s.st.anti_rollback));
        json_object_set_new(j, "active", s.st.active <= 1
                                             ? json_string(fwup_sim_slot_name(s.st.active))
                                             : json_null());
        for (int i = 0; i < 2; i++) {
            const struct fwup_slot_rec *r = &s.st.slot[i];
            bool has = r->state == FWUP_SLOT_TRIAL || r->state == FWUP_SLOT_CONFIRMED ||
                       r->state == FWUP_SLOT_REJECTED;
            json_array_append_new(
                slots, json_pack("{s:s,s:s,s:o,s:o,s:o,s:i,s:b}", "name", fwup_sim_slot_name(i),
                                 "state", fwup_sim_slot_state_name(r->state), "sequence",
                                 has ? json_integer((json_int_t)r->seq) : json_null(),
                                 "image_size",
                                 has ? json_integer((json_int_t)r->image_len) : json_null(),
                                 "envelope_size",
                                 has ? json_integer((json_int_t)r->env_len) : json_null(),
                                 "trial_boots_used", (int)r->attempts, "superseded",
                                 r->state == FWUP_SLOT_CONFIRMED &&
                                     r->seq < s.st.anti_rollback));
        }
        json_object_set_new(j, "slots", slots);
        json_object_set_new(j, "state_log",
                            json_pack("{s:I,s:i,s:i}", "records", (json_int_t)s.st.counter,
                                      "sector", (int)s.pos.sector, "next", (int)s.pos.next));
        json_object_set_new(j, "last_install", result_json(&s.st.last_install));
        json_object_set_new(j, "last_boot", result_json(&s.st.last_boot));
        json_object_set_new(
            j, "last_report",
            !has_rep ? json_null()
                     : json_pack("{s:I,s:b,s:s,s:s,s:o,s:o,s:I}", "number",
                                 (json_int_t)rep.number, "ok", rep.success, "reason",
                                 fwup_report_reason_name(rep.success ? 0 : rep.reason), "result",
                                 fwup_err_name((enum fwup_err)(rep.success ? 0 : rep.result_code)),
                                 "sequence",
                                 (rep.ext & FWUP_REPORT_HAS_SEQUENCE)
                                     ? json_integer((json_int_t)rep.sequence)
                                     : json_null(),
                                 "command",
                                 !rep.success && rep.result_record.command >= 0
                                     ? json_integer((json_int_t)rep.result_record.command)
                                     : json_null(),
                                 "reports_kept", (json_int_t)kept));
        for (uint32_t i = 0; i < nsec; i++)
            json_array_append_new(wear, json_integer(s.flash.wear[i]));
        json_object_set_new(
            j, "flash",
            json_pack("{s:i,s:i,s:i,s:i,s:I,s:I,s:I,s:o,s:{s:I,s:I,s:I,s:I}}", "size",
                      (int)s.layout.geom.size, "sector_size", (int)s.layout.geom.sector_size,
                      "write_size", (int)s.layout.geom.write_size, "page_size",
                      (int)s.layout.geom.page_size, "programs", (json_int_t)s.flash.life.programs,
                      "erases", (json_int_t)s.flash.life.erases, "bytes_programmed",
                      (json_int_t)s.flash.life.bytes_programmed, "wear", wear,
                      "erases_per_partition", "bootloader",
                      (json_int_t)part_erases(&s, &s.layout.boot), "slot_a",
                      (json_int_t)part_erases(&s, &s.layout.slot[0]), "slot_b",
                      (json_int_t)part_erases(&s, &s.layout.slot[1]), "state",
                      (json_int_t)part_erases(&s, &s.layout.state)));
        if (s.layout.has_staging)
            json_object_set_new(
                json_object_get(json_object_get(j, "flash"), "erases_per_partition"), "staging",
                json_integer((json_int_t)part_erases(&s, &s.layout.staging)));
        if (emit_json(j) != 0)
            e = FWUP_E_IO_WRITE;
    } else {
        fwup_sim_uuid_format(s.vendor, u);
        printf("vendor-id      %s\n", s.has_vendor ? u : "-");
        fwup_sim_uuid_format(s.klass, u);
        printf("class-id       %s\n", s.has_class ? u : "-");
        fwup_sim_uuid_format(s.device, u);
        printf("device-id      %s\n", s.has_device ? u : "-");
        printf("anti-rollback  %llu\n", (unsigned long long)s.st.anti_rollback);
        printf("active slot    %s\n", fwup_sim_slot_name(s.st.active <= 1 ? s.st.active : -1));
        for (int i = 0; i < 2; i++) {
            const struct fwup_slot_rec *r = &s.st.slot[i];
            if (r->state == FWUP_SLOT_EMPTY)
                printf("slot %s         empty\n", fwup_sim_slot_name(i));
            else
                printf("slot %s         %s, sequence %llu, image %u bytes, envelope %u bytes, "
                       "trial boots used %u%s\n",
                       fwup_sim_slot_name(i), fwup_sim_slot_state_name(r->state),
                       (unsigned long long)r->seq, r->image_len, r->env_len, r->attempts,
                       r->state == FWUP_SLOT_CONFIRMED && r->seq < s.st.anti_rollback
                           ? " (superseded)"
                           : "");
        }
        printf("state log      %u records\n", s.st.counter);
        if (!has_rep)
            printf("last update    none reported\n");
        else if (rep.success)
            printf("last update    report %llu: ok, sequence %llu (%zu reports kept)\n",
                   (unsigned long long)rep.number, (unsigned long long)rep.sequence, kept);
        else
            printf("last update    report %llu: failed, %s (%s), command %lld at %lld+%llu "
                   "(%zu reports kept)\n",
                   (unsigned long long)rep.number, fwup_report_reason_name(rep.reason),
                   fwup_err_name((enum fwup_err)rep.result_code),
                   (long long)rep.result_record.command, (long long)rep.result_record.section,
                   (unsigned long long)rep.result_record.offset, kept);
        printf("flash          %llu programs, %llu erases over the device's life\n",
               (unsigned long long)s.flash.life.programs,
               (unsigned long long)s.flash.life.erases);
        printf("erases         bootloader %llu, slot A %llu, slot B %llu, state %llu",
               (unsigned long long)part_erases(&s, &s.layout.boot),
               (unsigned long long)part_erases(&s, &s.layout.slot[0]),
               (unsigned long long)part_erases(&s, &s.layout.slot[1]),
               (unsigned long long)part_erases(&s, &s.layout.state));
        if (s.layout.has_staging)
            printf(", staging %llu", (unsigned long long)part_erases(&s, &s.layout.staging));
        printf("\n");
        printf("wear           ");
        for (uint32_t i = 0; i < nsec; i++)
            printf("%s%u", i ? " " : "", s.flash.wear[i]);
        printf("\n");
    }
    if (fwup_sim_close(&s, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(argv[optind], dc.code, &dc);
    return finish(e == FWUP_OK ? 0 : FWUP_EXIT_IO);
}

/* ---- report ---- */

/* Write a file atomically (temporary + rename): an export is never half
 * written. */
static enum fwup_err
write_file(const char *path, const uint8_t *p, size_t n, struct fwup_diag *d)
{
    char tmp[PATH_MAX];
    FILE *f;
    int k = snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    bool ok;

    if (k < 0 || (size_t)k >= sizeof tmp)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long: '%s'", path);
    f = fopen(tmp, "wb");
    if (f == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot create '%s': %s", tmp,
                             strerror(errno));
    ok = fwrite(p, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", path);
    }
    return FWUP_OK;
}

static int
cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {{"output", required_argument, NULL, 'o'},
                                       {"all", no_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct fwup_replog_entry en[FWUP_REPLOG_SLOTS];
    struct fwup_replog log;
    struct fwup_diag d, dc;
    const char *out = NULL, *dir;
    char outdir[PATH_MAX], path[PATH_MAX];
    bool all = false;
    enum fwup_err e;
    size_t n = 0;
    int c;

    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    while ((c = getopt_long(argc, argv, "ho:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'a': all = true; break;
        case 'h': fputs(usage_main, stdout); return finish(0);
        default: return usage_error("report ", "bad option");
        }
    }
    if (optind + 1 != argc)
        return usage_error("report ", "expected a device directory");
    dir = argv[optind];
    e = fwup_replog_open(&log, dir, false, &d);
    if (e != FWUP_OK)
        return fail(dir, e, &d);
    fwup_replog_list(&log, en, &n);
    if (n == 0) {
        e = fwup_diag_set(&d, FWUP_E_BAD_STATE, NULL, "the device has no report yet");
    } else if (!all) {
        /* The newest report: to OUT, or as raw CBOR on stdout. */
        const uint8_t *p = fwup_replog_data(&log, &en[n - 1]);
        if (out != NULL && strcmp(out, "-") != 0)
            e = write_file(out, p, en[n - 1].len, &d);
        else if (fwrite(p, 1, en[n - 1].len, stdout) != en[n - 1].len)
            e = fwup_diag_set(&d, FWUP_E_IO_WRITE, NULL, "cannot write to stdout");
    } else {
        /* Every kept report, one file each, named by the device's report
         * number (so repeated exports overwrite identical files, and
         * `fwup report summary DIR` finds them in DIR/reports/). */
        if (fwup_sim_path(outdir, sizeof outdir, dir, out != NULL ? out : "reports") != FWUP_OK)
            e = fwup_diag_set(&d, FWUP_E_INVALID_ARG, NULL, "path too long");
        if (out != NULL && e == FWUP_OK)
            (void)snprintf(outdir, sizeof outdir, "%s", out);
        if (e == FWUP_OK && mkdir(outdir, 0755) != 0 && errno != EEXIST)
            e = fwup_diag_set(&d, FWUP_E_IO_WRITE, NULL, "cannot create '%s': %s", outdir,
                              strerror(errno));
        for (size_t i = 0; i < n && e == FWUP_OK; i++) {
            int k = snprintf(path, sizeof path, "%s/report-%08u.cbor", outdir,
                             (unsigned)en[i].counter);
            if (k < 0 || (size_t)k >= sizeof path)
                e = fwup_diag_set(&d, FWUP_E_INVALID_ARG, NULL, "path too long");
            else
                e = write_file(path, fwup_replog_data(&log, &en[i]), en[i].len, &d);
            if (e == FWUP_OK)
                printf("%s\n", path);
        }
    }
    if (fwup_replog_close(&log, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(dir, dc.code, &dc);
    if (e != FWUP_OK)
        return finish(fail(NULL, e, &d));
    return finish(0);
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_main, stdout);
        return finish(0);
    }
    if (strcmp(argv[1], "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(argv[1], "install") == 0)
        return cmd_install(argc - 1, argv + 1);
    if (strcmp(argv[1], "boot") == 0)
        return cmd_boot(argc - 1, argv + 1);
    if (strcmp(argv[1], "confirm") == 0)
        return cmd_confirm(argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    errorf("unknown command '%s'", argv[1]);
    fputs("try 'fwup-sim --help'\n", stderr);
    return FWUP_EXIT_USAGE;
}
