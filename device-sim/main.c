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
    "                            provision a new device in DIR\n"
    "  install DIR ENVELOPE [--payloads PDIR] [--json] [--power-cut-after N]\n"
    "                            authenticate and install an update into the inactive slot\n"
    "  boot DIR [--json] [--power-cut-after N] [--fail-health]\n"
    "                            run the bootloader: select, verify, invoke (trial / revert)\n"
    "  confirm DIR               confirm the running trial image (as a healthy image does)\n"
    "  status DIR [--json]       slots, trial state, anti-rollback value, wear, counters\n"
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
    if ((o.vendor_uuid == NULL && o.vendor_domain == NULL) ||
        (o.class_uuid == NULL && o.model == NULL))
        return usage_error("init ", "a vendor and a class are required");
    e = fwup_sim_init(argv[optind], &o, &d);
    if (e != FWUP_OK)
        return fail(NULL, e, &d);
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
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct fwup_sim s;
    struct fwup_sim_install_result r;
    struct fwup_diag d, dc;
    const char *payloads = NULL, *envp;
    bool json = false, cut = false;
    uint64_t cut_n = 0;
    uint8_t *env = NULL;
    size_t len = 0;
    enum fwup_err e;
    int c, rc;

    fwup_diag_init(&d);
    fwup_diag_init(&dc);
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': payloads = optarg; break;
        case 'j': json = true; break;
        case 'c':
            if (!parse_count(optarg, &cut_n))
                return usage_error("install ", "--power-cut-after needs a number");
            cut = true;
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
    memset(&r, 0, sizeof r);
    r.slot = -1;
    e = slurp(envp, &env, &len, &d);
    if (e == FWUP_OK)
        e = fwup_sim_install(&s, env, len, payloads, &r, &d);
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
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct fwup_sim s;
    struct fwup_sim_boot_result r;
    struct fwup_sim_boot_opts o;
    struct fwup_diag d, dc;
    bool json = false, cut = false;
    uint64_t cut_n = 0;
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
    bool json = false;
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
        printf("flash          %llu programs, %llu erases over the device's life\n",
               (unsigned long long)s.flash.life.programs,
               (unsigned long long)s.flash.life.erases);
        printf("erases         bootloader %llu, slot A %llu, slot B %llu, state %llu\n",
               (unsigned long long)part_erases(&s, &s.layout.boot),
               (unsigned long long)part_erases(&s, &s.layout.slot[0]),
               (unsigned long long)part_erases(&s, &s.layout.slot[1]),
               (unsigned long long)part_erases(&s, &s.layout.state));
        printf("wear           ");
        for (uint32_t i = 0; i < nsec; i++)
            printf("%s%u", i ? " " : "", s.flash.wear[i]);
        printf("\n");
    }
    if (fwup_sim_close(&s, &dc) != FWUP_OK && e == FWUP_OK)
        return fail(argv[optind], dc.code, &dc);
    return finish(e == FWUP_OK ? 0 : FWUP_EXIT_IO);
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
    errorf("unknown command '%s'", argv[1]);
    fputs("try 'fwup-sim --help'\n", stderr);
    return FWUP_EXIT_USAGE;
}
