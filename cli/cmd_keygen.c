/*
 * fwup keygen: make a signing key pair (ES256, ES384, Ed25519) or an HMAC
 * secret. The private key is created exclusively with mode 0600 (signify,
 * minisign); overwriting needs --force. The public key goes beside it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fwup/cose.h"
#include "fwup/keygen.h"
#include "fwup/secure.h"

static const char keygen_usage[] =
    "usage: fwup keygen -a ALG -o KEY [--pub PUB.pem] [--passphrase-file FILE] [--force]\n"
    "\n"
    "Make a new key. The private key is written with mode 0600 and never\n"
    "replaces an existing file unless --force is given.\n"
    "\n"
    "  -a, --alg ALG            ES256 (P-256), ES384 (P-384), Ed25519, or HMAC256\n"
    "                           (ESP256/ESP384/EdDSA are accepted as aliases)\n"
    "  -o, --output KEY         private key: PKCS#8 PEM, or 32 raw bytes for HMAC256\n"
    "      --pub PUB.pem        public key file (default: KEY with .pem replaced by\n"
    "                           .pub.pem, or KEY.pub.pem); none for HMAC256\n"
    "      --passphrase-file F  encrypt the private key with the first line of F\n"
    "                           (PKCS#8, AES-256-CBC)\n"
    "  -f, --force              replace existing key files\n"
    "  -h, --help               this help\n"
    "\n"
    "stdout: the key id (RFC 9679 thumbprint, the default kid of signatures).\n"
    "exit status: 0 ok, 2 usage, 4 I/O (file exists, cannot write), 5 crypto backend.\n";

/* KEY.pem -> KEY.pub.pem; anything else -> KEY.pub.pem appended. */
static char *
default_pub_path(const char *key)
{
    size_t n = strlen(key);
    char *p = malloc(n + 9);

    if (p == NULL)
        return NULL;
    if (n > 4 && strcmp(key + n - 4, ".pem") == 0)
        snprintf(p, n + 9, "%.*s.pub.pem", (int)(n - 4), key);
    else
        snprintf(p, n + 9, "%s.pub.pem", key);
    return p;
}

static bool
kind_from_name(const char *name, enum fwup_key_kind *kind)
{
    int32_t alg;

    if (fwup_cose_alg_from_name(name, &alg) != FWUP_OK)
        return false;
    switch (alg) {
    case FWUP_COSE_ES256:
    case FWUP_COSE_ESP256:
        *kind = FWUP_KEY_P256;
        return true;
    case FWUP_COSE_ES384:
    case FWUP_COSE_ESP384:
        *kind = FWUP_KEY_P384;
        return true;
    case FWUP_COSE_EDDSA:
    case FWUP_COSE_ED25519:
        *kind = FWUP_KEY_ED25519;
        return true;
    case FWUP_COSE_HMAC256:
        *kind = FWUP_KEY_HMAC256;
        return true;
    default:
        return false;
    }
}

int
fwup_cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"alg", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"pub", required_argument, NULL, 'P'},
        {"passphrase-file", required_argument, NULL, 'w'},
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *alg = NULL, *out = NULL, *pub = NULL, *pass = NULL;
    char *pub_alloc = NULL;
    bool force = false;
    enum fwup_key_kind kind = FWUP_KEY_NONE;
    struct fwup_signer_opts opts;
    struct fwup_keygen_out k;
    struct fwup_diag d;
    struct stat st;
    char kid[65];
    enum fwup_err e;
    int c, rc = FWUP_EXIT_INTERNAL;

    memset(&k, 0, sizeof k);
    optind = 1;
    while ((c = getopt_long(argc, argv, "a:o:fh", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            alg = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'P':
            pub = optarg;
            break;
        case 'w':
            pass = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            fputs(keygen_usage, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        default:
            return fwup_cli_usage("keygen", "bad option");
        }
    }
    if (optind < argc)
        return fwup_cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
    if (alg == NULL)
        return fwup_cli_usage("keygen", "missing -a ALG (ES256, ES384, Ed25519, HMAC256)");
    if (!kind_from_name(alg, &kind))
        return fwup_cli_usage("keygen", "unknown algorithm '%s' (ES256, ES384, Ed25519, HMAC256)",
                              alg);
    if (out == NULL)
        return fwup_cli_usage("keygen", "missing -o KEY");
    /* A private key never goes to stdout, where it would end up in logs. */
    if (strcmp(out, "-") == 0)
        return fwup_cli_usage("keygen", "refusing to write a private key to stdout");
    if (kind == FWUP_KEY_HMAC256 && (pub != NULL || pass != NULL))
        return fwup_cli_usage("keygen", "--pub and --passphrase-file do not apply to HMAC256");
    if (kind != FWUP_KEY_HMAC256 && pub == NULL) {
        pub = pub_alloc = default_pub_path(out);
        if (pub == NULL) {
            fwup_cli_errorf("out of memory");
            return FWUP_EXIT_INTERNAL;
        }
    }
    if (pub != NULL && strcmp(pub, out) == 0) {
        rc = fwup_cli_usage("keygen", "--pub must differ from -o");
        goto out;
    }
    fwup_diag_init(&d);
    /* Check both names before writing either: never leave a new private key
     * next to an old public key (or the reverse) after a refusal. */
    if (!force) {
        const char *exists = lstat(out, &st) == 0                    ? out
                             : (pub != NULL && lstat(pub, &st) == 0) ? pub
                                                                     : NULL;
        if (exists != NULL) {
            (void)fwup_diag_set(&d, FWUP_E_IO_EXISTS, NULL,
                                "refusing to overwrite an existing file (use --force)");
            rc = fwup_cli_fail(exists, FWUP_E_IO_EXISTS, &d);
            goto out;
        }
    }
    memset(&opts, 0, sizeof opts);
    opts.passphrase_file = pass;
    e = fwup_keygen(kind, pass != NULL ? &opts : NULL, &k, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(pass, e, &d);
        goto out;
    }
    e = fwup_cli_write_atomic(out, k.priv, k.priv_len, 0600, !force, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(out, e, &d);
        goto out;
    }
    if (pub != NULL) {
        e = fwup_cli_write_atomic(pub, k.pub_pem, k.pub_len, 0644, !force, &d);
        if (e != FWUP_OK) {
            /* No half-made pair: the private key we just created goes too. */
            unlink(out);
            rc = fwup_cli_fail(pub, e, &d);
            goto out;
        }
    }
    if (kind != FWUP_KEY_HMAC256) {
        fwup_cli_hex(k.kid, sizeof k.kid, kid, sizeof kid);
        printf("%s\n", kid);
        fwup_cli_notef("wrote private key '%s' (0600) and public key '%s'", out, pub);
    } else {
        fwup_cli_notef("wrote HMAC-256 secret '%s' (0600)", out);
    }
    rc = fwup_cli_finish(FWUP_EXIT_OK);
out:
    fwup_keygen_release(&k);
    free(pub_alloc);
    return rc;
}
