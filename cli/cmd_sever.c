/*
 * fwup sever IN.suit -o OUT.suit
 *
 * Drops the severable elements (payload-fetch, install, text, and the
 * extension ones) from an envelope. The manifest and the authentication
 * wrapper are copied byte for byte, so the manifest digest and every
 * signature stay valid: sever before or after signing, the result verifies.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "fwup/author.h"

static const char usage[] =
    "usage: fwup sever IN.suit -o OUT.suit\n"
    "\n"
    "Drop the severable elements (payload-fetch, install, text; manifest-37 §8.4.12)\n"
    "from an envelope. Their digests stay in the manifest; the manifest and the\n"
    "authentication wrapper are copied unchanged, so signatures stay valid.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE  write the result to FILE ('-' = stdout)\n"
    "  -h, --help         show this help\n"
    "\n"
    "exit status: 0 ok, 2 usage, 3 malformed envelope, 4 I/O error.\n";

int
fwup_cmd_sever(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *in;
    struct fwup_diag d;
    uint8_t *buf = NULL, *out = NULL;
    size_t len = 0, olen = 0, removed = 0;
    enum fwup_err rc;
    int ch, ret;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'h': fputs(usage, stdout); return fwup_cli_finish(FWUP_EXIT_OK);
        default: return fwup_cli_usage("sever", "invalid option");
        }
    }
    if (optind != argc - 1)
        return fwup_cli_usage("sever", optind >= argc ? "missing envelope file"
                                                      : "one envelope file expected");
    if (output == NULL)
        return fwup_cli_usage("sever", "missing -o OUT.suit");
    in = argv[optind];
    fwup_diag_init(&d);
    rc = fwup_cli_read_file(in, FWUP_CLI_MAX_INPUT, &buf, &len, &d);
    if (rc != FWUP_OK)
        return fwup_cli_fail(in, rc, &d);
    rc = fwup_author_sever(buf, len, &out, &olen, &removed, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(in, rc, &d);
        goto done;
    }
    rc = fwup_cli_write_atomic(output, out, olen, 0644, false, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(output, rc, &d);
        goto done;
    }
    if (removed == 0)
        fwup_cli_notef("'%s' has no severable elements; written unchanged", in);
    ret = FWUP_EXIT_OK;
done:
    free(buf);
    free(out);
    return fwup_cli_finish(ret);
}
