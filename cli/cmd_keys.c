/*
 * fwup keys list [URI]: the PKCS#11 tokens and key objects a URI matches,
 * each with the full pkcs11: URI to paste into `fwup sign -k` or
 * `fwup pubkey`. The library walks the tokens (fwup_p11_list); this file
 * only prints.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwup/p11.h"
#include "fwup/secure.h"

static const char keys_usage[] =
    "usage: fwup keys list [--login] [--pin-file FILE] [URI]\n"
    "\n"
    "List the PKCS#11 tokens a URI matches (all tokens when URI is omitted) and\n"
    "the key objects on them, each with the pkcs11: URI that names it.\n"
    "\n"
    "Tokens show label, manufacturer, model, serial and flags; objects show\n"
    "class, key type and curve, CKA_SIGN, id (hex) and label.\n"
    "\n"
    "Private keys are usually hidden until you log in. fwup logs in when\n"
    "--login is given or the URI has pin-value=/pin-source=, and also when\n"
    "FWUP_PKCS11_PIN or --pin-file is set and the URI selects one token.\n"
    "\n"
    "options:\n"
    "  --login           log in (the URI must select one token); the PIN comes\n"
    "                    from pin-source=/pin-value= in the URI, --pin-file,\n"
    "                    FWUP_PKCS11_PIN, or a prompt on a terminal\n"
    "  --pin-file FILE   read the PIN from the first line of FILE\n"
    "  -h, --help        show this help\n"
    "\n"
    "environment:\n"
    "  FWUP_PKCS11_MODULE  module to use when the URI names none (a path to a\n"
    "                      .so, or a p11-kit module name); default: every\n"
    "                      module registered with p11-kit\n"
    "  FWUP_PKCS11_PIN     user PIN (prefer pin-source= or the prompt)\n"
    "\n"
    "examples:\n"
    "  fwup keys list\n"
    "  fwup keys list --login 'pkcs11:token=fwup-test'\n"
    "  fwup keys list 'pkcs11:token=fwup-test;type=public?module-name=softhsm2'\n"
    "\n"
    "exit status: 0 ok, 2 usage, 4 cannot read the PIN file, 5 module, token,\n"
    "PIN or URI problem (see docs/hsm.md)\n";

struct keys_ctx {
    unsigned tokens;
    unsigned objects;
    bool last_hidden; /* last token hides private objects (not logged in) */
};

static void
print_escaped(const char *prefix, const uint8_t *p, size_t n, const char *suffix)
{
    char buf[200];

    fwup_cli_escape(p, n, buf, sizeof buf);
    printf("%s%s%s", prefix, buf, suffix);
}

static void
finish_token(struct keys_ctx *k)
{
    if (k->last_hidden)
        printf("  (private keys are hidden until you log in: --login, FWUP_PKCS11_PIN or "
               "pin-source=)\n");
}

static void
on_token(void *ctx, const struct fwup_p11_token_desc *t)
{
    struct keys_ctx *k = ctx;

    if (k->tokens > 0) {
        finish_token(k);
        putchar('\n');
    }
    k->tokens++;
    print_escaped("token '", (const uint8_t *)t->label, strlen(t->label), "'\n");
    print_escaped("  module:       ", (const uint8_t *)t->module, strlen(t->module), "\n");
    printf("  slot:         %lu", t->slot_id);
    print_escaped(" '", (const uint8_t *)t->slot_description, strlen(t->slot_description),
                  "'\n");
    print_escaped("  manufacturer: ", (const uint8_t *)t->manufacturer, strlen(t->manufacturer),
                  "\n");
    print_escaped("  model:        ", (const uint8_t *)t->model, strlen(t->model), "\n");
    print_escaped("  serial:       ", (const uint8_t *)t->serial, strlen(t->serial), "\n");
    printf("  flags:        %s\n", t->flags_text);
    /* p11-kit percent-encodes URIs: safe to print as is. */
    printf("  uri:          %s\n", t->uri);
    k->last_hidden = t->private_hidden;
}

static void
on_object(void *ctx, const struct fwup_p11_object_desc *o)
{
    struct keys_ctx *k = ctx;
    char id[130];
    char kind[40];

    k->objects++;
    fwup_cli_hex(o->id, o->id_len, id, sizeof id);
    snprintf(kind, sizeof kind, "%s%s%s", o->key_type, o->curve[0] ? " " : "", o->curve);
    printf("  %-10s %-18s sign=%-3s id=%s", o->cls, kind[0] ? kind : "-",
           o->can_sign < 0 ? "-" : o->can_sign ? "yes" : "no", id[0] ? id : "-");
    print_escaped(" label='", o->label, o->label_len, "'\n");
    printf("    %s\n", o->uri);
}

/* First line of a PIN file into buf (cap bytes), trailing CR/LF dropped. */
static enum fwup_err
read_pin_file(const char *path, char *buf, size_t cap, struct fwup_diag *d)
{
    uint8_t *data = NULL;
    size_t len = 0, n = 0;
    enum fwup_err e = fwup_cli_read_file(path, cap - 1, &data, &len, d);

    if (e != FWUP_OK)
        return e;
    while (n < len && data[n] != '\n' && data[n] != '\r')
        n++;
    memcpy(buf, data, n);
    buf[n] = '\0';
    fwup_wipe(data, len);
    free(data);
    return FWUP_OK;
}

int
fwup_cmd_keys(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"login", no_argument, NULL, 'l'},
        {"pin-file", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    struct fwup_signer_opts opts;
    struct fwup_diag d;
    struct keys_ctx k = {0};
    const char *pin_file = NULL, *uri = NULL;
    unsigned flags = 0;
    char pin[256];
    enum fwup_err e;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(keys_usage, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        case 'l':
            flags |= FWUP_P11_LIST_LOGIN;
            break;
        case 'p':
            pin_file = optarg;
            break;
        default:
            return fwup_cli_usage("keys", "bad option");
        }
    }
    /* Options may also follow the subcommand: `fwup keys list --login URI`. */
    if (optind >= argc)
        return fwup_cli_usage("keys", "missing subcommand (only 'list' exists)");
    if (strcmp(argv[optind], "list") != 0)
        return fwup_cli_usage("keys", "unknown subcommand '%s' (only 'list' exists)",
                              argv[optind]);
    argc -= optind;
    argv += optind;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(keys_usage, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        case 'l':
            flags |= FWUP_P11_LIST_LOGIN;
            break;
        case 'p':
            pin_file = optarg;
            break;
        default:
            return fwup_cli_usage("keys", "bad option");
        }
    }
    if (argc - optind > 1)
        return fwup_cli_usage("keys", "one URI at most");
    if (optind < argc) {
        uri = argv[optind];
        if (strncasecmp(uri, "pkcs11:", 7) != 0)
            return fwup_cli_usage("keys", "'%s' is not a pkcs11: URI", uri);
    }

    fwup_cli_signer_opts(&opts, NULL);
    fwup_diag_init(&d);
    if (pin_file != NULL) {
        e = read_pin_file(pin_file, pin, sizeof pin, &d);
        if (e != FWUP_OK)
            return fwup_cli_fail(pin_file, e, &d);
        opts.pkcs11_pin = pin;
    }
    e = fwup_p11_list(uri, &opts, flags, on_token, on_object, &k, &d);
    FWUP_WIPE_VAR(pin);
    if (e != FWUP_OK) {
        fflush(stdout);
        return fwup_cli_fail(NULL, e, &d);
    }
    if (k.tokens > 0)
        finish_token(&k);
    rc = FWUP_EXIT_OK;
    if (k.objects == 0)
        fwup_cli_notef("no object matches (log in to see private keys)");
    return fwup_cli_finish(rc);
}
