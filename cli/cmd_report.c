/*
 * fwup report: read SUIT reports (draft-ietf-suit-report-18) written by
 * devices (fwup-sim, or any device that builds them with lib/report).
 *
 *   fwup report show REPORT [--json]      one report, decoded
 *   fwup report summary DIR... [--json]   a fleet table from many devices
 *
 * Reports are decoded by lib/report on the verifier's CBOR reader, strictly:
 * a truncated or hostile report is an error naming the file and the byte
 * offset (exit 3), never a partial table. Every string taken from a report
 * is escaped before it reaches the terminal.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fwup/report.h"
#include "policy.h"

static const char usage_text[] =
    "usage: fwup report show REPORT [--json]\n"
    "       fwup report summary DIR... [--json]\n"
    "\n"
    "Read SUIT reports (draft-ietf-suit-report-18, CBOR) written by devices.\n"
    "\n"
    "show      one report: manifest reference and digest, outcome, result reason,\n"
    "          the failing command, section and offset, the records, and fwup's\n"
    "          extension fields (sequence numbers, device, report number)\n"
    "summary   each DIR is a device directory (its exported reports are in\n"
    "          DIR/reports/, see 'fwup-sim report --all'), a folder of report files\n"
    "          (*.cbor) or one report file. The newest report of each device\n"
    "          counts: outcome, installed sequence number, failure reason,\n"
    "          failing command and fwup result code, then one row per device\n"
    "\n"
    "options:\n"
    "      --json   one JSON document on stdout (schemas/cli/report-show.schema.json,\n"
    "               schemas/cli/report-summary.schema.json)\n"
    "  -h, --help   this help\n"
    "\n"
    "exit: 0 ok, 2 usage, 3 malformed report, 4 I/O\n";

/* Reports are small (a device keeps each in a 1 KiB slot); cap reads. */
#define MAX_REPORT_FILE ((size_t)1 << 20)

/* ---- names ---- */

static const char *
section_name(int64_t section)
{
    /* Section 4 of a record is the shared sequence (its key in SUIT_Common),
     * not manifest key 4; 0 is fwup's "outside every sequence". */
    if (section == 4)
        return "shared-sequence";
    if (section == 0)
        return "none";
    return fwup_cli_manifest_key(section);
}

static const char *
digest_alg_name(int64_t alg)
{
    switch (alg) {
    case -16: return "sha-256";
    case -43: return "sha-384";
    case -44: return "sha-512";
    default: return "unknown";
    }
}

static json_t *
hex_json(struct fwup_bytes b)
{
    char *h = malloc(2 * b.len + 1);
    json_t *j;

    if (h == NULL)
        return json_null();
    fwup_cli_hex(b.ptr, b.len, h, 2 * b.len + 1);
    j = json_string(h);
    free(h);
    return j;
}

/* A 16-byte identifier as a UUID string, other lengths as hex. */
static json_t *
id_json(struct fwup_bytes b)
{
    char s[40];

    if (b.len != 16)
        return hex_json(b);
    snprintf(s, sizeof s,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b.ptr[0],
             b.ptr[1], b.ptr[2], b.ptr[3], b.ptr[4], b.ptr[5], b.ptr[6], b.ptr[7], b.ptr[8],
             b.ptr[9], b.ptr[10], b.ptr[11], b.ptr[12], b.ptr[13], b.ptr[14], b.ptr[15]);
    return json_string(s);
}

static json_t *
opt_name(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *
record_json(const struct fwup_report_record *rec)
{
    json_t *j = json_object(), *mid = json_array();

    for (uint8_t i = 0; i < rec->n_mid; i++)
        json_array_append_new(mid, json_integer(rec->mid[i]));
    json_object_set_new(j, "manifest_id", mid);
    json_object_set_new(j, "section", json_integer((json_int_t)rec->section));
    json_object_set_new(j, "section_name", opt_name(section_name(rec->section)));
    json_object_set_new(j, "offset", json_integer((json_int_t)rec->offset));
    json_object_set_new(j, "component", json_integer((json_int_t)rec->component));
    json_object_set_new(j, "properties", hex_json(rec->properties));
    json_object_set_new(j, "command",
                        rec->has_command && rec->command >= 0
                            ? json_integer((json_int_t)rec->command)
                            : json_null());
    json_object_set_new(j, "command_name",
                        opt_name(rec->has_command ? fwup_cli_cmd_name(rec->command) : NULL));
    json_object_set_new(j, "result",
                        rec->has_result ? json_string(fwup_err_name((enum fwup_err)rec->result))
                                        : json_null());
    return j;
}

/* The whole report as JSON: the one model both output modes print from. */
static json_t *
report_json(const struct fwup_report *r)
{
    json_t *j = json_object(), *ref = json_object(), *dg = json_object(), *recs = json_array();
    json_t *x = json_object();

    /* The uri is UTF-8 checked by the decoder; JSON carries it as is. */
    json_object_set_new(ref, "uri", json_stringn((const char *)r->uri.ptr, r->uri.len));
    json_object_set_new(dg, "alg", json_string(digest_alg_name(r->digest_alg)));
    json_object_set_new(dg, "alg_id", json_integer((json_int_t)r->digest_alg));
    json_object_set_new(dg, "hex", hex_json(r->digest));
    json_object_set_new(ref, "digest", dg);
    json_object_set_new(j, "reference", ref);
    json_object_set_new(j, "nonce", r->has_nonce ? hex_json(r->nonce) : json_null());
    json_object_set_new(j, "outcome", json_string(r->success ? "success" : "failure"));
    if (r->success) {
        json_object_set_new(j, "result", json_null());
    } else {
        json_t *res = json_object();
        json_object_set_new(res, "code", json_integer((json_int_t)r->result_code));
        json_object_set_new(res, "name",
                            json_string(fwup_err_name((enum fwup_err)r->result_code)));
        json_object_set_new(res, "reason", json_integer((json_int_t)r->reason));
        json_object_set_new(res, "reason_name", json_string(fwup_report_reason_name(r->reason)));
        json_object_set_new(res, "record", record_json(&r->result_record));
        json_object_set_new(j, "result", res);
    }
    for (size_t i = 0; i < r->n_records; i++)
        json_array_append_new(recs, record_json(&r->records[i]));
    json_object_set_new(j, "records", recs);
#define XNUM(bit, name, v)                                                                         \
    json_object_set_new(x, name, (r->ext & (bit)) ? json_integer((json_int_t)(v)) : json_null())
    XNUM(FWUP_REPORT_HAS_SEQUENCE, "sequence", r->sequence);
    XNUM(FWUP_REPORT_HAS_INSTALLED, "installed", r->installed);
    XNUM(FWUP_REPORT_HAS_NUMBER, "number", r->number);
    XNUM(FWUP_REPORT_HAS_TIME, "time", r->time);
    XNUM(FWUP_REPORT_HAS_DROPPED, "records_dropped", r->dropped);
#undef XNUM
    json_object_set_new(x, "device_id",
                        (r->ext & FWUP_REPORT_HAS_DEVICE) ? id_json(r->device_id) : json_null());
    json_object_set_new(x, "class_id",
                        (r->ext & FWUP_REPORT_HAS_CLASS) ? id_json(r->class_id) : json_null());
    json_object_set_new(j, "fwup", x);
    json_object_set_new(j, "unknown_items", json_integer(r->n_unknown));
    return j;
}

static json_t *
error_json(const struct fwup_diag *d)
{
    json_t *err = json_object();

    json_object_set_new(err, "code", json_integer(d->code));
    json_object_set_new(err, "name", json_string(fwup_err_name(d->code)));
    json_object_set_new(err, "offset",
                        d->has_offset ? json_integer((json_int_t)d->offset) : json_null());
    json_object_set_new(err, "path", json_string(d->path));
    json_object_set_new(err, "message", json_string(d->detail[0] ? d->detail : fwup_err_str(d->code)));
    return err;
}

/* Read and decode one report file; buf is the caller's to free. */
static enum fwup_err
load_report(const char *file, uint8_t **buf, struct fwup_report *r, struct fwup_diag *d)
{
    size_t len = 0;
    enum fwup_err e = fwup_cli_read_file(file, MAX_REPORT_FILE, buf, &len, d);

    if (e == FWUP_OK)
        e = fwup_report_decode(*buf, len, r, d);
    return e;
}

/* A record as one text line: "install +4 directive-fetch, component 0: FWUP_OK". */
static void
print_record(const char *indent, const struct fwup_report_record *rec)
{
    const char *sn = section_name(rec->section);
    const char *cn = rec->has_command ? fwup_cli_cmd_name(rec->command) : NULL;

    printf("%s", indent);
    if (rec->section == 0)
        /* fwup's convention: outside every sequence, offset in the envelope */
        printf("before any command sequence, envelope offset %" PRIu64, rec->offset);
    else if (sn != NULL)
        printf("%s +%" PRIu64, sn, rec->offset);
    else
        printf("section %" PRId64 " +%" PRIu64, rec->section, rec->offset);
    if (cn != NULL)
        printf(" %s", cn);
    else if (rec->has_command && rec->command >= 0)
        printf(" command %" PRId64, rec->command);
    printf(", component %" PRIu64, rec->component);
    if (rec->n_mid > 0) {
        printf(", manifest-id [");
        for (uint8_t i = 0; i < rec->n_mid; i++)
            printf("%s%" PRIu32, i ? ", " : "", rec->mid[i]);
        printf("]");
    }
    if (rec->has_result)
        printf(": %s", fwup_err_name((enum fwup_err)rec->result));
    printf("\n");
}

static void
print_report(const char *file, const struct fwup_report *r)
{
    char esc[512], hex[2 * 64 + 1];
    json_t *x;

    fwup_cli_escape((const uint8_t *)file, strlen(file), esc, sizeof esc);
    printf("report         %s\n", esc);
    fwup_cli_escape(r->uri.ptr, r->uri.len, esc, sizeof esc);
    printf("manifest uri   \"%s\"%s\n", esc, r->uri.len == 0 ? " (none)" : "");
    fwup_cli_hex(r->digest.ptr, r->digest.len, hex, sizeof hex);
    printf("manifest digest %s %s\n", digest_alg_name(r->digest_alg),
           r->digest.len > 0 ? hex : "(unknown: the envelope did not parse)");
    if (r->ext & FWUP_REPORT_HAS_SEQUENCE)
        printf("sequence       %" PRIu64 "\n", r->sequence);
    if (r->ext & FWUP_REPORT_HAS_INSTALLED)
        printf("installed      %" PRIu64 "\n", r->installed);
    x = (r->ext & FWUP_REPORT_HAS_DEVICE) ? id_json(r->device_id) : NULL;
    if (x != NULL)
        printf("device-id      %s\n", json_string_value(x));
    json_decref(x);
    x = (r->ext & FWUP_REPORT_HAS_CLASS) ? id_json(r->class_id) : NULL;
    if (x != NULL)
        printf("class-id       %s\n", json_string_value(x));
    json_decref(x);
    if (r->ext & FWUP_REPORT_HAS_NUMBER)
        printf("report number  %" PRIu64 "\n", r->number);
    if (r->ext & FWUP_REPORT_HAS_TIME)
        printf("time           %" PRIu64 "\n", r->time);
    if (r->success) {
        printf("outcome        success\n");
    } else {
        printf("outcome        failure\n");
        printf("reason         %s (%" PRIu64 ")\n", fwup_report_reason_name(r->reason),
               r->reason);
        printf("result code    %s (%" PRId64 ")\n", fwup_err_name((enum fwup_err)r->result_code),
               r->result_code);
        print_record("failed at      ", &r->result_record);
    }
    printf("records        %zu%s\n", r->n_records,
           (r->ext & FWUP_REPORT_HAS_DROPPED) ? " (some dropped: no room)" : "");
    for (size_t i = 0; i < r->n_records; i++)
        print_record("  ", &r->records[i]);
    if (r->n_unknown > 0)
        printf("unknown items  %" PRIu32 " (skipped)\n", r->n_unknown);
}

static int
emit(json_t *doc)
{
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

    if (rc == 0)
        putchar('\n');
    return rc;
}

/* ---- show ---- */

static int
cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct fwup_report r; /* a few KiB of records */
    struct fwup_diag d;
    uint8_t *buf = NULL;
    int json = 0, c, rc;
    enum fwup_err e;
    json_t *doc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return fwup_cli_finish(FWUP_EXIT_OK);
        default: return fwup_cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return fwup_cli_usage("report", optind >= argc ? "no report given"
                                                       : "exactly one report expected");
    fwup_diag_init(&d);
    e = load_report(argv[optind], &buf, &r, &d);
    if (json) {
        doc = json_object();
        json_object_set_new(doc, "fwup_json", json_integer(1));
        json_object_set_new(doc, "command", json_string("report show"));
        json_object_set_new(doc, "file", json_string(argv[optind]));
        json_object_set_new(doc, "ok", json_boolean(e == FWUP_OK));
        if (e == FWUP_OK)
            json_object_set_new(doc, "report", report_json(&r));
        else
            json_object_set_new(doc, "error", error_json(&d));
        emit(doc);
        json_decref(doc);
    } else if (e == FWUP_OK) {
        print_report(argv[optind], &r);
    }
    rc = e != FWUP_OK ? fwup_cli_fail(argv[optind], e, &d) : fwup_cli_finish(FWUP_EXIT_OK);
    free(buf);
    return rc;
}

/* ---- summary ---- */

/* The newest report of one device. */
struct dev {
    char *key;  /* device-id (UUID) or, without one, the directory or file */
    char *file; /* the report that counts */
    json_t *row;
    uint64_t number, time;
    bool has_number;
    unsigned reports; /* reports of this device read */
};

struct fleet {
    struct dev *devs;
    size_t n, cap;
    size_t reports;
    char fail_file[4096]; /* the file an error is about */
};

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
newer(const struct fwup_report *r, const struct dev *d)
{
    /* The device's report counter orders its reports; the clock only when
     * a report has no counter; otherwise the later file (sorted) wins. */
    if ((r->ext & FWUP_REPORT_HAS_NUMBER) && d->has_number)
        return r->number > d->number;
    if (r->ext & FWUP_REPORT_HAS_TIME)
        return r->time >= d->time;
    return true;
}

static json_t *
row_json(const char *key, const char *file, const struct fwup_report *r)
{
    const struct fwup_report_record *f = &r->result_record;

    return json_pack(
        "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "device", key, "file", file, "outcome",
        r->success ? "success" : "failure", "number",
        (r->ext & FWUP_REPORT_HAS_NUMBER) ? json_integer((json_int_t)r->number) : json_null(),
        "sequence",
        (r->ext & FWUP_REPORT_HAS_SEQUENCE) ? json_integer((json_int_t)r->sequence) : json_null(),
        "installed",
        (r->ext & FWUP_REPORT_HAS_INSTALLED) ? json_integer((json_int_t)r->installed)
                                             : json_null(),
        "reason", r->success ? json_null() : json_string(fwup_report_reason_name(r->reason)),
        "result",
        r->success ? json_null() : json_string(fwup_err_name((enum fwup_err)r->result_code)),
        "command",
        r->success ? json_null()
                   : opt_name(f->has_command ? fwup_cli_cmd_name(f->command) : NULL));
}

static enum fwup_err
add_report(struct fleet *fl, const char *file, const char *owner, struct fwup_diag *d)
{
    static struct fwup_report r;
    uint8_t *buf = NULL;
    enum fwup_err e = load_report(file, &buf, &r, d);
    json_t *id = NULL;
    const char *key;
    struct dev *dv = NULL;

    if (e != FWUP_OK) {
        (void)snprintf(fl->fail_file, sizeof fl->fail_file, "%s", file);
        free(buf);
        return e;
    }
    fl->reports++;
    if (r.ext & FWUP_REPORT_HAS_DEVICE)
        id = id_json(r.device_id);
    key = id != NULL ? json_string_value(id) : owner;
    for (size_t i = 0; i < fl->n; i++)
        if (strcmp(fl->devs[i].key, key) == 0)
            dv = &fl->devs[i];
    if (dv == NULL) {
        if (fl->n == fl->cap) {
            size_t nc = fl->cap ? 2 * fl->cap : 16;
            struct dev *nd = realloc(fl->devs, nc * sizeof *nd);
            if (nd == NULL) {
                e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
                goto out;
            }
            fl->devs = nd;
            fl->cap = nc;
        }
        dv = &fl->devs[fl->n++];
        memset(dv, 0, sizeof *dv);
        dv->key = strdup(key);
        if (dv->key == NULL) {
            fl->n--;
            e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
            goto out;
        }
    } else if (!newer(&r, dv)) {
        dv->reports++;
        goto out;
    }
    dv->reports++;
    free(dv->file);
    json_decref(dv->row);
    dv->file = strdup(file);
    dv->row = row_json(key, file, &r);
    dv->has_number = (r.ext & FWUP_REPORT_HAS_NUMBER) != 0;
    dv->number = r.number;
    dv->time = r.time;
    if (dv->file == NULL || dv->row == NULL)
        e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
out:
    json_decref(id);
    free(buf);
    return e;
}

static bool
is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Every *.cbor of a folder, in name order (the order does not change the
 * counts: each device's newest report wins by its counter). */
static enum fwup_err
add_folder(struct fleet *fl, const char *folder, const char *owner, struct fwup_diag *d)
{
    DIR *dir = opendir(folder);
    struct dirent *de;
    char **names = NULL, path[4096];
    size_t n = 0, cap = 0;
    enum fwup_err e = FWUP_OK;

    if (dir == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open directory '%s': %s", folder,
                             strerror(errno));
    while ((de = readdir(dir)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".cbor") != 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 32;
            char **nn = realloc(names, nc * sizeof *nn);
            if (nn == NULL) {
                e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
                break;
            }
            names = nn;
            cap = nc;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
            break;
        }
        n++;
    }
    closedir(dir);
    if (e == FWUP_OK && n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && e == FWUP_OK; i++) {
        int k = snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        if (k < 0 || (size_t)k >= sizeof path)
            e = fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
        else
            /* A device folder owns all its reports; a plain folder's files
             * are each their own device unless they carry a device-id. */
            e = add_report(fl, path, owner != NULL ? owner : path, d);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return e;
}

/* Counting helpers: a JSON object name -> count. */
static void
bump(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    json_object_set_new(obj, key, json_integer(v != NULL ? json_integer_value(v) + 1 : 1));
}

static int
cmp_keys(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    char *ex, *ey;
    unsigned long long nx = strtoull(x, &ex, 10), ny = strtoull(y, &ey, 10);

    /* Sequence numbers sort as numbers, names as text. */
    if (*x != '\0' && *ex == '\0' && *y != '\0' && *ey == '\0')
        return nx < ny ? -1 : nx > ny;
    return strcmp(x, y);
}

/* A counts object with its keys in order (numbers numerically). */
static json_t *
sorted(json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    json_t *out = json_object(), *v;
    const char *k;

    if (keys == NULL)
        return out;
    json_object_foreach(obj, k, v) {
        (void)v;
        keys[i++] = k;
    }
    qsort(keys, n, sizeof *keys, cmp_keys);
    for (i = 0; i < n; i++)
        json_object_set(out, keys[i], json_object_get(obj, keys[i]));
    free(keys);
    return out;
}

static void
print_counts(const char *title, json_t *obj)
{
    const char *k;
    json_t *v;

    printf("%s\n", title);
    if (json_object_size(obj) == 0)
        printf("  -\n");
    json_object_foreach(obj, k, v)
        printf("  %-32s %lld\n", k, (long long)json_integer_value(v));
}

static int
dev_cmp(const void *a, const void *b)
{
    return strcmp(((const struct dev *)a)->key, ((const struct dev *)b)->key);
}

static int
cmd_summary(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fleet fl;
    struct fwup_diag d;
    int json = 0, c, rc;
    enum fwup_err e = FWUP_OK;
    const char *bad = NULL;
    json_t *doc = NULL, *outcome, *installed, *reasons, *commands, *results, *table;
    char sub[4096];

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': fputs(usage_text, stdout); return fwup_cli_finish(FWUP_EXIT_OK);
        default: return fwup_cli_usage("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return fwup_cli_usage("report", "no device directory or report given");
    memset(&fl, 0, sizeof fl);
    fwup_diag_init(&d);
    for (int i = optind; i < argc && e == FWUP_OK; i++) {
        int k = snprintf(sub, sizeof sub, "%s/reports", argv[i]);
        bad = argv[i];
        if (k > 0 && (size_t)k < sizeof sub && is_dir(sub))
            e = add_folder(&fl, sub, argv[i], &d); /* a device directory */
        else if (is_dir(argv[i]))
            e = add_folder(&fl, argv[i], NULL, &d);
        else
            e = add_report(&fl, argv[i], argv[i], &d);
    }
    if (e == FWUP_OK && fl.n > 0)
        qsort(fl.devs, fl.n, sizeof *fl.devs, dev_cmp);

    outcome = json_pack("{s:i,s:i}", "success", 0, "failure", 0);
    installed = json_object();
    reasons = json_object();
    commands = json_object();
    results = json_object();
    table = json_array();
    for (size_t i = 0; i < fl.n && e == FWUP_OK; i++) {
        json_t *row = fl.devs[i].row, *v;
        char num[32];
        bool ok = strcmp(json_string_value(json_object_get(row, "outcome")), "success") == 0;
        bump(outcome, ok ? "success" : "failure");
        v = json_object_get(row, "installed");
        if (json_is_integer(v))
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        else
            snprintf(num, sizeof num, "none");
        bump(installed, num);
        if (!ok) {
            const char *cmd = json_string_value(json_object_get(row, "command"));
            bump(reasons, json_string_value(json_object_get(row, "reason")));
            bump(results, json_string_value(json_object_get(row, "result")));
            bump(commands, cmd != NULL ? cmd : "none");
        }
        json_object_set_new(row, "reports", json_integer(fl.devs[i].reports));
        json_array_append(table, row);
    }
    if (e == FWUP_OK) {
        doc = json_object();
        json_object_set_new(doc, "fwup_json", json_integer(1));
        json_object_set_new(doc, "command", json_string("report summary"));
        json_object_set_new(doc, "ok", json_true());
        json_object_set_new(doc, "devices", json_integer((json_int_t)fl.n));
        json_object_set_new(doc, "reports", json_integer((json_int_t)fl.reports));
        json_object_set_new(doc, "outcome", outcome);
        json_object_set_new(doc, "installed", sorted(installed));
        json_object_set_new(doc, "reasons", sorted(reasons));
        json_object_set_new(doc, "commands", sorted(commands));
        json_object_set_new(doc, "results", sorted(results));
        json_object_set_new(doc, "table", table);
        outcome = table = NULL;
    }
    if (json) {
        if (doc == NULL) {
            doc = json_pack("{s:i,s:s,s:b}", "fwup_json", 1, "command", "report summary", "ok",
                            0);
            json_object_set_new(doc, "error", error_json(&d));
        }
        emit(doc);
    } else if (doc != NULL) {
        json_t *row;
        size_t i;
        printf("fleet: %zu devices, %zu reports (the newest report of each device counts)\n",
               fl.n, fl.reports);
        print_counts("outcome", json_object_get(doc, "outcome"));
        print_counts("installed sequence", json_object_get(doc, "installed"));
        print_counts("failure reason", json_object_get(doc, "reasons"));
        print_counts("failing command", json_object_get(doc, "commands"));
        print_counts("result code", json_object_get(doc, "results"));
        printf("devices\n");
        printf("  %-36s %-8s %8s %9s  %s\n", "device", "outcome", "sequence", "installed",
               "reason / result / command");
        json_array_foreach(json_object_get(doc, "table"), i, row) {
            char esc[256], s1[24] = "-", s2[24] = "-";
            const char *key = json_string_value(json_object_get(row, "device"));
            json_t *v = json_object_get(row, "sequence");
            fwup_cli_escape((const uint8_t *)key, strlen(key), esc, sizeof esc);
            if (json_is_integer(v))
                snprintf(s1, sizeof s1, "%lld", (long long)json_integer_value(v));
            v = json_object_get(row, "installed");
            if (json_is_integer(v))
                snprintf(s2, sizeof s2, "%lld", (long long)json_integer_value(v));
            printf("  %-36s %-8s %8s %9s", esc,
                   json_string_value(json_object_get(row, "outcome")), s1, s2);
            if (json_is_string(json_object_get(row, "reason"))) {
                const char *cmd = json_string_value(json_object_get(row, "command"));
                printf("  %s / %s / %s", json_string_value(json_object_get(row, "reason")),
                       json_string_value(json_object_get(row, "result")),
                       cmd != NULL ? cmd : "none");
            }
            printf("\n");
        }
    }
    json_decref(doc);
    json_decref(outcome);
    json_decref(table);
    json_decref(installed);
    json_decref(reasons);
    json_decref(commands);
    json_decref(results);
    for (size_t i = 0; i < fl.n; i++) {
        free(fl.devs[i].key);
        free(fl.devs[i].file);
        json_decref(fl.devs[i].row);
    }
    free(fl.devs);
    /* The error names the report file when there is one (d has the offset). */
    rc = e != FWUP_OK ? fwup_cli_fail(fl.fail_file[0] != '\0' ? fl.fail_file : bad, e, &d)
                      : fwup_cli_finish(FWUP_EXIT_OK);
    return rc;
}

int
fwup_cmd_report(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(usage_text, stdout);
        return fwup_cli_finish(FWUP_EXIT_OK);
    }
    if (argc < 2)
        return fwup_cli_usage("report", "expected 'show' or 'summary'");
    if (strcmp(argv[1], "show") == 0)
        return cmd_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "summary") == 0)
        return cmd_summary(argc - 1, argv + 1);
    return fwup_cli_usage("report", "unknown subcommand '%s' (expected 'show' or 'summary')",
                          argv[1]);
}
