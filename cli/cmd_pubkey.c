/*
 * fwup pubkey: export the public key of a key file or a pkcs11: URI as PEM
 * (or its RFC 9679 thumbprint with --kid).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwup/crypto.h"
#include "fwup/secure.h"
#include "fwup/signer.h"

static const char pubkey_usage[] =
    "usage: fwup pubkey KEY [-o PUB.pem] [--kid] [--passphrase-file F] [--pin-file F]\n"
    "\n"
    "Print the public key of KEY as PEM. KEY is a PEM private (or public) key\n"
    "file or an RFC 7512 pkcs11: URI (module from $FWUP_PKCS11_MODULE).\n"
    "\n"
    "  -o, --output PUB.pem     write to a file instead of stdout\n"
    "      --kid                print the key id (RFC 9679 thumbprint, hex) instead\n"
    "      --passphrase-file F  passphrase of an encrypted PEM key (first line of F)\n"
    "      --pin-file F         PKCS#11 user PIN (first line of F)\n"
    "  -h, --help               this help\n"
    "\n"
    "exit status: 0 ok, 2 usage, 3 malformed key file, 4 I/O, 5 key/HSM backend.\n";

int
fwup_cmd_pubkey(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"kid", no_argument, NULL, 'K'},
        {"passphrase-file", required_argument, NULL, 'w'},
        {"pin-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *pass = NULL, *pin_file = NULL, *key;
    bool want_kid = false;
    struct fwup_signer_opts opts;
    struct fwup_signer *s = NULL;
    struct fwup_v_key vk;
    struct fwup_diag d;
    uint8_t *der = NULL, tp[32];
    size_t dlen = 0;
    char *pem = NULL, pin[256], hex[65];
    enum fwup_err e;
    int c, rc;

    memset(&vk, 0, sizeof vk);
    pin[0] = '\0';
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'K':
            want_kid = true;
            break;
        case 'w':
            pass = optarg;
            break;
        case 'p':
            pin_file = optarg;
            break;
        case 'h':
            fputs(pubkey_usage, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        default:
            return fwup_cli_usage("pubkey", "bad option");
        }
    }
    if (argc - optind != 1)
        return fwup_cli_usage("pubkey", "expected exactly one KEY");
    key = argv[optind];
    fwup_diag_init(&d);
    fwup_cli_signer_opts(&opts, pass);
    if (pin_file != NULL) {
        e = fwup_cli_read_secret_line(pin_file, pin, sizeof pin, &d);
        if (e != FWUP_OK)
            return fwup_cli_fail(pin_file, e, &d);
        opts.pkcs11_pin = pin;
    }
    e = fwup_signer_open(key, &opts, &s, &d);
    if (e == FWUP_OK) {
        e = fwup_signer_public_der(s, &der, &dlen, &d);
    } else if (e == FWUP_E_KEY_FORMAT && strncasecmp(key, "pkcs11:", 7) != 0) {
        /* Not a private key: a public key file is fine for export too. */
        fwup_diag_init(&d);
        e = fwup_key_load_public(key, &vk, &d);
        if (e == FWUP_OK)
            e = fwup_key_public_der(&vk, &der, &dlen);
    }
    FWUP_WIPE_VAR(pin);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(key, e, &d);
        goto out;
    }
    if (want_kid) {
        e = fwup_key_thumbprint(der, dlen, tp);
        if (e == FWUP_OK) {
            fwup_cli_hex(tp, sizeof tp, hex, sizeof hex);
            /* hex is 64 chars; the trailing newline makes it a text line */
            pem = malloc(66);
            if (pem == NULL)
                e = FWUP_E_NO_MEMORY;
            else
                snprintf(pem, 66, "%s\n", hex);
        }
    } else {
        e = fwup_key_der_to_pem(der, dlen, &pem);
    }
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(key, e, NULL);
        goto out;
    }
    fwup_diag_init(&d);
    e = fwup_cli_write_atomic(out != NULL ? out : "-", pem, strlen(pem), 0644, false, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(out, e, &d);
        goto out;
    }
    rc = fwup_cli_finish(FWUP_EXIT_OK);
out:
    fwup_signer_free(s);
    fwup_key_release(&vk);
    free(der);
    free(pem);
    return rc;
}
