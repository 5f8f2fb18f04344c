/*
 * fwup create DESC.json -o OUT.suit [--sever]
 *
 * Reads a JSON release description (docs/description.md), builds the
 * unsigned SUIT envelope and writes it atomically. Relative image paths in
 * the description are resolved against the description's directory, so a
 * release directory can be built from anywhere.
 *
 * "sequence-number": "auto" takes SOURCE_DATE_EPOCH when set (reproducible
 * builds), else the current UTC time.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fwup/author.h"

static const char usage[] =
    "usage: fwup create DESC.json -o OUT.suit [--sever]\n"
    "\n"
    "Build an unsigned SUIT envelope (draft-ietf-suit-manifest-37) from a JSON\n"
    "release description. The authentication wrapper holds only the manifest\n"
    "digest; add signatures with 'fwup sign'.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  write the envelope to FILE ('-' = stdout)\n"
    "      --sever        leave severable elements (payload-fetch, install, text)\n"
    "                     out of the envelope; the manifest keeps their digests\n"
    "  -h, --help         show this help\n"
    "\n"
    "Image paths in the description are relative to its directory.\n"
    "\"sequence-number\": \"auto\" uses SOURCE_DATE_EPOCH if set, else the time now.\n"
    "Format: docs/description.md, schemas/description.schema.json.\n"
    "exit status: 0 ok, 2 usage, 3 invalid description, 4 I/O error.\n";

/* The directory part of path ("." for a bare file name), malloc'd. */
static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *d;

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    d = malloc((size_t)(slash - path) + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
    return d;
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) or the clock; 0 if neither. */
static uint64_t
now_utc(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");

    if (sde != NULL && *sde != '\0') {
        char *end;
        unsigned long long v;
        errno = 0;
        v = strtoull(sde, &end, 10);
        if (errno == 0 && *end == '\0' && sde[0] != '-')
            return (uint64_t)v;
    }
    {
        time_t t = time(NULL);
        return t > 0 ? (uint64_t)t : 0;
    }
}

int
fwup_cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"sever", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *desc;
    bool sever = false;
    struct fwup_author_opts ao;
    struct fwup_author_model *model = NULL;
    struct fwup_diag d;
    uint8_t *json = NULL, *env = NULL;
    size_t jlen = 0, elen = 0;
    char *dir = NULL;
    enum fwup_err rc;
    int ch, ret;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'S': sever = true; break;
        case 'h': fputs(usage, stdout); return fwup_cli_finish(FWUP_EXIT_OK);
        default: return fwup_cli_usage("create", "invalid option");
        }
    }
    if (optind != argc - 1)
        return fwup_cli_usage("create", optind >= argc ? "missing description file"
                                                       : "one description file expected");
    if (output == NULL)
        return fwup_cli_usage("create", "missing -o OUT.suit");
    desc = argv[optind];

    fwup_diag_init(&d);
    rc = fwup_cli_read_file(desc, FWUP_AUTHOR_MAX_DESC, &json, &jlen, &d);
    if (rc != FWUP_OK)
        return fwup_cli_fail(desc, rc, &d);
    dir = dir_of(desc);
    if (dir == NULL) {
        free(json);
        return fwup_cli_fail(desc, FWUP_E_NO_MEMORY, NULL);
    }
    memset(&ao, 0, sizeof ao);
    ao.base_dir = strcmp(desc, "-") == 0 ? "." : dir;
    ao.now = now_utc();
    rc = fwup_author_parse((const char *)json, jlen, &ao, &model, &d);
    if (rc == FWUP_OK)
        rc = fwup_author_encode(model, sever, &env, &elen, &d);
    if (rc != FWUP_OK) {
        /* Description errors carry line:column and the JSON path. */
        ret = fwup_cli_fail(desc, rc, &d);
        goto out;
    }
    rc = fwup_cli_write_atomic(output, env, elen, 0644, false, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(output, rc, &d);
        goto out;
    }
    if (fwup_cli_verbose) {
        uint8_t dg[32];
        char hex[65];
        if (fwup_author_manifest_digest(model, dg, NULL) == FWUP_OK) {
            fwup_cli_hex(dg, sizeof dg, hex, sizeof hex);
            fwup_cli_notef("wrote %zu bytes to '%s', manifest digest sha-256:%s", elen, output,
                           hex);
        }
    }
    ret = FWUP_EXIT_OK;
out:
    fwup_author_free(model);
    free(env);
    free(json);
    free(dir);
    return fwup_cli_finish(ret);
}
