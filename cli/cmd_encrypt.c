/*
 * fwup encrypt PAYLOAD -o CIPHERTEXT --info-out INFO.cose
 *              (--kek FILE [--kid ID] | --recipient [KID=]PUB.pem) ... [--alg ALG]
 *
 * Encrypts a payload ONCE for a device class (draft-ietf-suit-firmware-
 * encryption-24 §3, DESIGN.md §1.2 "broadcast"): a fresh random CEK, the
 * payload encrypted with it, and the CEK wrapped for every recipient given
 * (a pre-shared KEK with A128KW, or a device's P-256 public key with
 * ECDH-ES+A128KW). The SUIT_Encryption_Info goes to INFO.cose, to be named
 * in the release description (docs/description.md "encryption"); the
 * ciphertext is the payload that is published or integrated.
 *
 * Both outputs are written atomically (temporary file, then rename): a
 * failure never leaves a truncated file. The payload is read whole (up to
 * 1 GiB): the atomic writer takes a buffer; devices use the streaming API.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "fwup/encrypt.h"
#include "fwup/secure.h"

#define MAX_PAYLOAD ((size_t)1 << 30)

static const char usage[] =
    "usage: fwup encrypt PAYLOAD -o CIPHERTEXT --info-out INFO.cose\n"
    "                    (--kek FILE [--kid ID] | --recipient [KID=]PUB.pem) ... [--alg ALG]\n"
    "\n"
    "Encrypt a payload once for a device class (draft-ietf-suit-firmware-encryption):\n"
    "a fresh random content key (CEK) encrypts the payload, and is wrapped for each\n"
    "recipient. INFO.cose is the SUIT_Encryption_Info (COSE_Encrypt, detached) that\n"
    "the release description names; CIPHERTEXT is what devices fetch.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE      the ciphertext (A128GCM: payload + 16-byte tag)\n"
    "  --info-out FILE        the encryption info (CBOR)\n"
    "  --kek FILE             a 16-byte pre-shared key-encryption key (A128KW); repeatable\n"
    "  --kid ID               key id of the preceding --kek (text), sent in the recipient\n"
    "  --recipient [KID=]PEM  a device's P-256 public key (ECDH-ES+A128KW); repeatable\n"
    "  --alg ALG              A128GCM (default, authenticated) or A128CTR\n"
    "  -h, --help             show this help\n"
    "\n"
    "One CEK for all recipients: every device that can unwrap it can decrypt the\n"
    "payload. A KEK shared by a whole fleet is strongly discouraged ([ENC] §3);\n"
    "prefer one KEK or key pair per device. See docs/encryption.md.\n"
    "\n"
    "exit status: 0 ok, 2 usage, 3 malformed key file, 4 I/O error, 5 crypto backend.\n";

/* Recipient argument "[KID=]PATH": a kid before the first '=', unless the
 * whole argument names an existing file (paths may contain '='). */
static void
split_kid(char *arg, const char **kid, const char **path)
{
    struct stat st;
    char *eq = strchr(arg, '=');

    *kid = NULL;
    *path = arg;
    if (eq == NULL || eq == arg || stat(arg, &st) == 0)
        return;
    *eq = '\0';
    *kid = arg;
    *path = eq + 1;
}

int
fwup_cmd_encrypt(int argc, char **argv)
{
    enum { OPT_INFO = 256, OPT_KEK, OPT_KID, OPT_RECIPIENT, OPT_ALG };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"info-out", required_argument, NULL, OPT_INFO},
        {"kek", required_argument, NULL, OPT_KEK},
        {"kid", required_argument, NULL, OPT_KID},
        {"recipient", required_argument, NULL, OPT_RECIPIENT},
        {"alg", required_argument, NULL, OPT_ALG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fwup_enc_key *keys[FWUP_ENC_MAX_RECIPIENTS] = {NULL};
    size_t nkeys = 0;
    bool last_is_kek = false, last_has_kid = false;
    const char *output = NULL, *info_out = NULL, *in;
    struct fwup_encrypt_opts eo = {.alg = FWUP_COSE_A128GCM};
    struct fwup_diag d;
    uint8_t *pt = NULL, *ct = NULL, *info = NULL;
    size_t pt_len = 0, ct_len = 0, info_len = 0;
    enum fwup_err rc;
    int ch, ret = FWUP_EXIT_OK;

    fwup_diag_init(&d);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        const char *kid = NULL, *path = optarg;
        switch (ch) {
        case 'o': output = optarg; continue;
        case OPT_INFO: info_out = optarg; continue;
        case 'h':
            fputs(usage, stdout);
            ret = fwup_cli_finish(FWUP_EXIT_OK);
            goto done;
        case OPT_ALG:
            if (fwup_enc_alg_from_name(optarg, &eo.alg) != FWUP_OK) {
                ret = fwup_cli_usage("encrypt", "unknown --alg '%s' (A128GCM or A128CTR)",
                                     optarg);
                goto done;
            }
            continue;
        case OPT_KID:
            /* --kid names the KEK just given: a kid without a KEK, or two
             * kids for one KEK, is a mistake worth stopping for. */
            if (!last_is_kek || last_has_kid) {
                ret = fwup_cli_usage("encrypt", "--kid must follow a --kek (one kid each); "
                                                "use KID=PUB.pem for --recipient");
                goto done;
            }
            if (strlen(optarg) == 0 || strlen(optarg) > FWUP_ENC_MAX_KID) {
                ret = fwup_cli_usage("encrypt", "--kid must be 1 to %d bytes",
                                     FWUP_ENC_MAX_KID);
                goto done;
            }
            if (fwup_enc_key_set_kid(keys[nkeys - 1], (const uint8_t *)optarg, strlen(optarg)) !=
                FWUP_OK) {
                ret = FWUP_EXIT_INTERNAL;
                goto done;
            }
            last_has_kid = true;
            continue;
        case OPT_KEK:
        case OPT_RECIPIENT:
            if (nkeys == FWUP_ENC_MAX_RECIPIENTS) {
                ret = fwup_cli_usage("encrypt", "at most %d recipients",
                                     FWUP_ENC_MAX_RECIPIENTS);
                goto done;
            }
            if (ch == OPT_RECIPIENT)
                split_kid(optarg, &kid, &path);
            rc = ch == OPT_KEK ? fwup_enc_key_load_kek(path, &keys[nkeys], &d)
                               : fwup_enc_key_load_pem(path, &keys[nkeys], &d);
            if (rc != FWUP_OK) {
                ret = fwup_cli_fail(path, rc, &d);
                goto done;
            }
            nkeys++;
            if (kid != NULL && (strlen(kid) > FWUP_ENC_MAX_KID ||
                                fwup_enc_key_set_kid(keys[nkeys - 1], (const uint8_t *)kid,
                                                     strlen(kid)) != FWUP_OK)) {
                ret = fwup_cli_usage("encrypt", "a kid must be 1 to %d bytes",
                                     FWUP_ENC_MAX_KID);
                goto done;
            }
            last_is_kek = ch == OPT_KEK;
            last_has_kid = false;
            continue;
        default:
            ret = fwup_cli_usage("encrypt", "invalid option");
            goto done;
        }
    }
    if (optind != argc - 1) {
        ret = fwup_cli_usage("encrypt",
                             optind >= argc ? "missing payload file" : "one payload file expected");
        goto done;
    }
    if (output == NULL || info_out == NULL) {
        ret = fwup_cli_usage("encrypt", "missing %s", output == NULL ? "-o CIPHERTEXT"
                                                                     : "--info-out INFO.cose");
        goto done;
    }
    if (nkeys == 0) {
        ret = fwup_cli_usage("encrypt", "no recipient: give --kek FILE or --recipient PUB.pem");
        goto done;
    }
    if (strcmp(output, info_out) == 0 || (strcmp(output, "-") == 0 && strcmp(info_out, "-") == 0)) {
        ret = fwup_cli_usage("encrypt", "-o and --info-out must be different files");
        goto done;
    }
    for (size_t i = 0; i < nkeys; i++)
        if (fwup_enc_key_kind(keys[i]) == FWUP_ENC_KEY_EC_PRIV)
            /* Harmless (the public half is used), but a device's private
             * key on a build host is usually a mistake worth mentioning. */
            fwup_cli_notef("warning: a --recipient is a PRIVATE key; only its public half is "
                           "used, and it should not be on this host");
    in = argv[optind];
    rc = fwup_cli_read_file(in, MAX_PAYLOAD, &pt, &pt_len, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(in, rc, &d);
        goto done;
    }
    rc = fwup_encrypt_oneshot(&eo, (const struct fwup_enc_key *const *)keys, nkeys, pt, pt_len,
                              &ct, &ct_len, &info, &info_len, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(in, rc, &d);
        goto done;
    }
    /* Ciphertext first: an info that exists only names a ciphertext that
     * was completely written. */
    rc = fwup_cli_write_atomic(output, ct, ct_len, 0644, false, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(output, rc, &d);
        goto done;
    }
    rc = fwup_cli_write_atomic(info_out, info, info_len, 0644, false, &d);
    if (rc != FWUP_OK) {
        ret = fwup_cli_fail(info_out, rc, &d);
        goto done;
    }
    fwup_cli_notef("encrypted '%s' (%zu bytes) with %s for %zu recipient%s: '%s' (%zu bytes), "
                   "'%s'",
                   in, pt_len, fwup_enc_alg_name(eo.alg), nkeys, nkeys == 1 ? "" : "s", output,
                   ct_len, info_out);
    ret = fwup_cli_finish(FWUP_EXIT_OK);
done:
    for (size_t i = 0; i < nkeys; i++)
        fwup_enc_key_free(keys[i]);
    if (pt != NULL)
        fwup_wipe(pt, pt_len); /* the plaintext firmware may itself be confidential */
    free(pt);
    free(ct);
    free(info);
    return ret;
}
