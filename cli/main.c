/*
 * fwup: command table and dispatch (git's cmd_struct, p11-kit's command list).
 * The only place that exits; each command returns an exit class.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "cli.h"

/* ASan (and so LeakSanitizer) builds: gcc says so with __SANITIZE_ADDRESS__,
 * clang with __has_feature. */
#if defined(__SANITIZE_ADDRESS__)
#define FWUP_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FWUP_LSAN 1
#endif
#endif

int fwup_cli_quiet;
int fwup_cli_verbose;

const struct fwup_cmd fwup_cmds[] = {
    {"create", fwup_cmd_create, "build an unsigned SUIT envelope from a JSON description"},
    {"sign", fwup_cmd_sign, "append an authentication block (file key, pkcs11: URI, exec:)"},
    {"verify", fwup_cmd_verify, "authenticate an envelope against trust anchors and a policy"},
    {"show", fwup_cmd_show, "show every part of an envelope (text or --json)"},
    {"sever", fwup_cmd_sever, "drop severable elements (their digests stay in the manifest)"},
    {"keygen", fwup_cmd_keygen, "make a key pair (ES256, ES384, Ed25519) or an HMAC key"},
    {"pubkey", fwup_cmd_pubkey, "export the public key of a key file or pkcs11: URI as PEM"},
    {"keys", fwup_cmd_keys, "list PKCS#11 tokens and keys a URI matches"},
    {"encrypt", fwup_cmd_encrypt, "encrypt a payload once for a device class (A128GCM/A128CTR)"},
    {"report", fwup_cmd_report, "decode SUIT reports and summarise a fleet rollout"},
    {NULL, NULL, NULL},
};

static void
print_help(FILE *f)
{
    fprintf(f, "usage: fwup [-q|-v] <command> [options] [args]\n"
               "       fwup help <command> | fwup <command> --help\n"
               "       fwup --version\n\n"
               "Secure firmware updates with IETF SUIT manifests (draft-ietf-suit-manifest-37).\n\n"
               "commands:\n");
    for (const struct fwup_cmd *c = fwup_cmds; c->name != NULL; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\nexit status: 0 ok, 1 verification said no, 2 usage, 3 malformed input,\n"
               "4 I/O error, 5 key/HSM/crypto backend failure, 70 internal error.\n"
               "See docs/exit-codes.md and docs/error-codes.md.\n");
}

static const struct fwup_cmd *
find_cmd(const char *name)
{
    for (const struct fwup_cmd *c = fwup_cmds; c->name != NULL; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int
main(int argc, char **argv)
{
    const struct fwup_cmd *cmd;
    int i = 1;

    /* Secret heap for key material (STYLE.md §7); failure is not fatal. */
    (void)CRYPTO_secure_malloc_init(32768, 32);
#ifndef FWUP_LSAN
    /* OpenSSL's atexit tear-down frees every table it built, 0.7 M
     * instructions in `fwup create`, 1.2 M in `fwup sign`: work the kernel
     * does for free at exit. The code that holds keys still frees (and
     * cleanses) them itself; failure is not fatal. Sanitizer builds keep
     * the tear-down: the DRBG holds the only pointers to some of its heap
     * buffers in the secure heap above, which LeakSanitizer does not scan,
     * so without it every process would report a leak. */
    (void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
#endif
    /* The default DRBG, CTR-DRBG on AES-256, makes OpenSSL 3 construct its
     * whole cipher table on first use: 3.1 M instructions, 20 % of a `fwup
     * sign`, for the nonce of one ECDSA signature. Hash_DRBG on SHA-256 is
     * the same SP 800-90A family and security strength (256 bits), seeded
     * the same way, and reuses the digest table fwup builds anyway. Must
     * come before the first random byte; an error keeps the default. */
    if (RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") != 1)
        ERR_clear_error();

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            fwup_cli_quiet = 1;
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            fwup_cli_verbose = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_help(stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("fwup %s (SUIT draft-ietf-suit-manifest-37)\n", FWUP_VERSION);
            return fwup_cli_finish(FWUP_EXIT_OK);
        } else {
            fwup_cli_errorf("unknown option '%s'", argv[i]);
            fprintf(stderr, "try 'fwup --help'\n");
            return FWUP_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        /* A usage error is one line of reason plus a pointer to the help
         * (curl's helpf), not the whole help text on stderr. */
        fwup_cli_errorf("no command given");
        fprintf(stderr, "try 'fwup --help'\n");
        return FWUP_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            print_help(stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        }
        cmd = find_cmd(argv[i + 1]);
        if (cmd == NULL) {
            fwup_cli_errorf("unknown command '%s'", argv[i + 1]);
            fprintf(stderr, "try 'fwup --help'\n");
            return FWUP_EXIT_USAGE;
        }
        char *hargv[] = {argv[i + 1], (char *)"--help", NULL};
        return cmd->fn(2, hargv);
    }
    cmd = find_cmd(argv[i]);
    if (cmd == NULL) {
        fwup_cli_errorf("unknown command '%s'", argv[i]);
        fprintf(stderr, "try 'fwup --help'\n");
        return FWUP_EXIT_USAGE;
    }
    return cmd->fn(argc - i, argv + i);
}
