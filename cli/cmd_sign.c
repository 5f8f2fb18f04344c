/*
 * fwup sign: append one authentication block to one or more envelopes.
 *
 * Modes:
 *   sign      -k KEY (PEM file, pkcs11: URI, exec:COMMAND) or --hmac-key FILE
 *   export    --tbs-out FILE: the exact to-be-signed bytes (detached signing)
 *   attach    --attach SIG --pub PUB.pem: verify a detached signature, append it
 *
 * Batch: several inputs with --out-dir DIR (DIR/<basename>) or one -o per
 * input, in order. The key is opened once (one PKCS#11 login, one passphrase
 * prompt), every envelope is signed in memory, and outputs are written only
 * when ALL of them succeeded: a batch never publishes half a release. Each
 * output is written atomically (temporary file + rename).
 */
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwup/cose.h"
#include "fwup/crypto.h"
#include "fwup/secure.h"
#include "fwup/signer.h"

static const char sign_usage[] =
    "usage: fwup sign IN.suit -k KEY -o OUT.suit [options]\n"
    "       fwup sign IN.suit... -k KEY (--out-dir DIR | -o OUT.suit -o OUT2.suit ...)\n"
    "       fwup sign IN.suit --hmac-key FILE -o OUT.suit\n"
    "       fwup sign IN.suit --tbs-out TBS.bin (--pub PUB.pem | -k KEY | --alg ALG)\n"
    "       fwup sign IN.suit --attach SIG --pub PUB.pem -o OUT.suit [--sig-format FMT]\n"
    "\n"
    "Append a COSE_Sign1 (or COSE_Mac0) block to each envelope's authentication\n"
    "wrapper. Earlier blocks and every other byte are kept. The manifest digest is\n"
    "checked before signing; a key signs an envelope once; the new signature is\n"
    "verified with the public key before anything is written.\n"
    "\n"
    "  -k, --key KEY            PEM private key file, pkcs11: URI, or exec:COMMAND\n"
    "                           (COMMAND reads the to-be-signed bytes on stdin and\n"
    "                           writes a raw r||s, DER or Ed25519 signature)\n"
    "      --hmac-key FILE      HMAC-256 secret (16..64 raw bytes): append a COSE_Mac0\n"
    "  -o, --output OUT         output envelope (\"-\" = stdout); one -o per input\n"
    "      --out-dir DIR        batch: write DIR/<basename of each input>\n"
    "  -a, --alg ALG            ESP256 ES256 ESP384 ES384 Ed25519 EdDSA HMAC256\n"
    "                           (default: ESP256, ESP384, Ed25519 by key type)\n"
    "      --kid HEX            kid of the block (default: RFC 9679 thumbprint of the\n"
    "                           public key; none for HMAC)\n"
    "      --passphrase-file F  passphrase of an encrypted PEM key (first line of F)\n"
    "      --pin-file F         PKCS#11 user PIN (first line of F)\n"
    "      --pub PUB.pem        public key of an exec: signer, or for --tbs-out/--attach\n"
    "      --exec-timeout SEC   time limit of an exec: command (default 120)\n"
    "      --tbs-out FILE       write the exact to-be-signed bytes and print their\n"
    "                           SHA-256 (sign them elsewhere, then --attach)\n"
    "      --attach SIG         attach a detached signature made over --tbs-out bytes\n"
    "      --sig-format FMT     auto (default), raw (r||s) or der\n"
    "  -h, --help               this help\n"
    "\n"
    "PKCS#11: module from $FWUP_PKCS11_MODULE or the URI; PIN from --pin-file,\n"
    "the URI's pin-source, $FWUP_PKCS11_PIN or a prompt. Secrets never in argv.\n"
    "\n"
    "exit status: 0 ok; 1 manifest digest mismatch or attached signature does not\n"
    "verify; 2 usage; 3 malformed envelope or key file; 4 I/O; 5 key, HSM or\n"
    "external signer failure, key/alg mismatch, or already signed by this key.\n";

#define MAX_INPUTS 256

struct job {
    const char *in;
    char *out; /* owned */
    uint8_t *signed_env;
    size_t signed_len;
};

static bool
parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = strlen(s);

    if (n == 0 || n % 2 != 0 || n / 2 > cap)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        char b[3] = {s[i], s[i + 1], '\0'};
        char *end;
        unsigned long v = strtoul(b, &end, 16);
        if (*end != '\0' || b[0] == '+' || b[0] == '-' || b[0] == ' ')
            return false;
        out[i / 2] = (uint8_t)v;
    }
    *len = n / 2;
    return true;
}

static char *
join_out_dir(const char *dir, const char *in)
{
    char *copy = strdup(in), *base, *p;
    size_t n;

    if (copy == NULL)
        return NULL;
    base = basename(copy);
    n = strlen(dir) + strlen(base) + 2;
    p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s", dir, base);
    free(copy);
    return p;
}

static int
do_tbs_out(const char *in, const char *tbs_out, const char *pub, const char *key, int32_t alg,
           const struct fwup_signer_opts *opts)
{
    struct fwup_diag d;
    struct fwup_v_key vk;
    struct fwup_signer *s = NULL;
    uint8_t *env = NULL, *tbs = NULL, h[32];
    size_t len = 0, tlen = 0;
    char hex[65];
    enum fwup_err e;
    int rc;

    memset(&vk, 0, sizeof vk);
    fwup_diag_init(&d);
    /* The alg is in the protected header, hence in the signed bytes: it must
     * be fixed now, from --alg or from the key type. */
    if (alg == 0 && pub != NULL) {
        e = fwup_key_load_public(pub, &vk, &d);
        if (e != FWUP_OK)
            return fwup_cli_fail(pub, e, &d);
        alg = fwup_cose_default_alg(vk.type);
    } else if (alg == 0 && key != NULL) {
        e = fwup_signer_open(key, opts, &s, &d);
        if (e != FWUP_OK)
            return fwup_cli_fail(key, e, &d);
        alg = fwup_signer_default_alg(s);
    }
    if (pub != NULL && vk.handle == NULL && alg != 0) {
        /* --alg and --pub together: check they agree now, not at --attach. */
        e = fwup_key_load_public(pub, &vk, &d);
        if (e != FWUP_OK)
            return fwup_cli_fail(pub, e, &d);
    }
    if (vk.handle != NULL && fwup_alg_key_type(alg) != vk.type) {
        (void)fwup_diag_set(&d, FWUP_E_KEY_ALG_MISMATCH, NULL,
                            "--alg %s does not match the type of this public key",
                            fwup_cose_alg_name(alg));
        rc = fwup_cli_fail(pub, FWUP_E_KEY_ALG_MISMATCH, &d);
        goto out;
    }
    e = fwup_cli_read_file(in, FWUP_CLI_MAX_INPUT, &env, &len, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(in, e, &d);
        goto out;
    }
    e = fwup_cose_export_tbs(env, len, alg, &tbs, &tlen, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(in, e, &d);
        goto out;
    }
    e = fwup_cli_write_atomic(tbs_out, tbs, tlen, 0644, false, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(tbs_out, e, &d);
        goto out;
    }
    fwup_sha256(tbs, tlen, h);
    fwup_cli_hex(h, sizeof h, hex, sizeof hex);
    /* sha256sum format, so `sha256sum -c` and humans can compare. */
    printf("%s  %s\n", hex, tbs_out);
    fwup_cli_notef("to-be-signed bytes for %s: %zu bytes in '%s'", fwup_cose_alg_name(alg), tlen,
                   tbs_out);
    rc = fwup_cli_finish(FWUP_EXIT_OK);
out:
    fwup_key_release(&vk);
    fwup_signer_free(s);
    free(env);
    free(tbs);
    return rc;
}

static int
do_attach(const char *in, const char *out, const char *sig_path, const char *pub, int32_t alg,
          const uint8_t *kid, size_t kid_len, enum fwup_sig_format fmt)
{
    struct fwup_diag d;
    struct fwup_v_key vk;
    struct fwup_cose_sign_opts o = {alg, kid, kid_len};
    uint8_t *env = NULL, *sig = NULL, *res = NULL;
    size_t len = 0, slen = 0, rlen = 0;
    enum fwup_err e;
    int rc;

    memset(&vk, 0, sizeof vk);
    fwup_diag_init(&d);
    e = fwup_key_load_public(pub, &vk, &d);
    if (e != FWUP_OK)
        return fwup_cli_fail(pub, e, &d);
    e = fwup_cli_read_file(in, FWUP_CLI_MAX_INPUT, &env, &len, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(in, e, &d);
        goto out;
    }
    e = fwup_cli_read_file(sig_path, 4096, &sig, &slen, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(sig_path, e, &d);
        goto out;
    }
    e = fwup_cose_attach(env, len, &vk, &o, sig, slen, fmt, &res, &rlen, &d);
    if (e != FWUP_OK) {
        /* Signature-form and verification problems are the signature
         * file's; everything else (digest, already signed) the envelope's. */
        rc = fwup_cli_fail(e == FWUP_E_COSE_STRUCTURE || e == FWUP_E_SIG_VERIFY ? sig_path : in, e,
                           &d);
        goto out;
    }
    e = fwup_cli_write_atomic(out, res, rlen, 0644, false, &d);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(out, e, &d);
        goto out;
    }
    fwup_cli_notef("attached a verified %s signature to '%s'",
                   fwup_cose_alg_name(alg != 0 ? alg : fwup_cose_default_alg(vk.type)), out);
    rc = fwup_cli_finish(FWUP_EXIT_OK);
out:
    fwup_key_release(&vk);
    free(env);
    free(sig);
    free(res);
    return rc;
}

int
fwup_cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"hmac-key", required_argument, NULL, 'H'},
        {"output", required_argument, NULL, 'o'},
        {"out-dir", required_argument, NULL, 'D'},
        {"alg", required_argument, NULL, 'a'},
        {"kid", required_argument, NULL, 'K'},
        {"passphrase-file", required_argument, NULL, 'w'},
        {"pin-file", required_argument, NULL, 'p'},
        {"pub", required_argument, NULL, 'P'},
        {"exec-timeout", required_argument, NULL, 'T'},
        {"tbs-out", required_argument, NULL, 't'},
        {"attach", required_argument, NULL, 'A'},
        {"sig-format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *hmac = NULL, *out_dir = NULL, *pass = NULL, *pin_file = NULL;
    const char *pub = NULL, *tbs_out = NULL, *attach = NULL, *outs[MAX_INPUTS];
    size_t nouts = 0, njobs = 0, kid_len = 0;
    int32_t alg = 0;
    uint8_t kid[64];
    bool have_kid = false;
    unsigned timeout = 0;
    enum fwup_sig_format fmt = FWUP_SIG_AUTO;
    struct fwup_signer_opts opts;
    struct fwup_signer *s = NULL;
    struct fwup_cose_sign_opts so;
    struct fwup_diag d;
    struct job *jobs = NULL;
    char pin[256];
    enum fwup_err e;
    int c, rc = FWUP_EXIT_INTERNAL;

    pin[0] = '\0';
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:o:a:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            key = optarg;
            break;
        case 'H':
            hmac = optarg;
            break;
        case 'o':
            if (nouts == MAX_INPUTS)
                return fwup_cli_usage("sign", "more than %d outputs", MAX_INPUTS);
            outs[nouts++] = optarg;
            break;
        case 'D':
            out_dir = optarg;
            break;
        case 'a':
            if (fwup_cose_alg_from_name(optarg, &alg) != FWUP_OK)
                return fwup_cli_usage("sign", "unknown algorithm '%s'", optarg);
            break;
        case 'K':
            if (!parse_hex(optarg, kid, sizeof kid, &kid_len))
                return fwup_cli_usage("sign", "--kid needs 1..64 bytes as hex digits");
            have_kid = true;
            break;
        case 'w':
            pass = optarg;
            break;
        case 'p':
            pin_file = optarg;
            break;
        case 'P':
            pub = optarg;
            break;
        case 'T': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end != '\0' || v == 0 || v > 86400)
                return fwup_cli_usage("sign", "--exec-timeout needs 1..86400 seconds");
            timeout = (unsigned)v;
            break;
        }
        case 't':
            tbs_out = optarg;
            break;
        case 'A':
            attach = optarg;
            break;
        case 'F':
            if (strcmp(optarg, "auto") == 0)
                fmt = FWUP_SIG_AUTO;
            else if (strcmp(optarg, "raw") == 0)
                fmt = FWUP_SIG_RAW;
            else if (strcmp(optarg, "der") == 0)
                fmt = FWUP_SIG_DER;
            else
                return fwup_cli_usage("sign", "--sig-format is auto, raw or der");
            break;
        case 'h':
            fputs(sign_usage, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        default:
            return fwup_cli_usage("sign", "bad option");
        }
    }
    njobs = (size_t)(argc - optind);
    if (njobs == 0)
        return fwup_cli_usage("sign", "missing input envelope");
    if (njobs > MAX_INPUTS)
        return fwup_cli_usage("sign", "more than %d inputs", MAX_INPUTS);

    /* Mode checks: exactly one source of signature. */
    if ((key != NULL) + (hmac != NULL) + (attach != NULL) > 1)
        return fwup_cli_usage("sign", "-k, --hmac-key and --attach exclude each other");
    if (tbs_out != NULL) {
        if (hmac != NULL || attach != NULL || nouts > 0 || out_dir != NULL || njobs != 1)
            return fwup_cli_usage("sign", "--tbs-out takes one input and no output envelope");
        if (alg == 0 && pub == NULL && key == NULL)
            return fwup_cli_usage("sign",
                                  "--tbs-out needs --alg, --pub or -k to fix the algorithm");
        fwup_cli_signer_opts(&opts, pass);
        return do_tbs_out(argv[optind], tbs_out, pub, key, alg, &opts);
    }
    if (attach != NULL) {
        if (pub == NULL)
            return fwup_cli_usage("sign", "--attach needs --pub PUB.pem");
        if (njobs != 1 || nouts != 1 || out_dir != NULL)
            return fwup_cli_usage("sign", "--attach takes one input and one -o");
        return do_attach(argv[optind], outs[0], attach, pub, alg, have_kid ? kid : NULL, kid_len,
                         fmt);
    }
    if (key == NULL && hmac == NULL)
        return fwup_cli_usage("sign", "missing -k KEY (or --hmac-key, --tbs-out, --attach)");
    if (out_dir != NULL && nouts > 0)
        return fwup_cli_usage("sign", "use either --out-dir or -o, not both");
    if (out_dir == NULL && nouts != njobs)
        return fwup_cli_usage("sign", "%zu input(s) but %zu -o: give one -o per input or --out-dir",
                              njobs, nouts);
    if (pub != NULL && (key == NULL || strncmp(key, "exec:", 5) != 0))
        return fwup_cli_usage("sign", "--pub is for exec: signers, --tbs-out and --attach");

    jobs = calloc(njobs, sizeof *jobs);
    if (jobs == NULL) {
        fwup_cli_errorf("out of memory");
        return FWUP_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < njobs; i++) {
        jobs[i].in = argv[optind + (int)i];
        jobs[i].out = out_dir != NULL ? join_out_dir(out_dir, jobs[i].in) : strdup(outs[i]);
        if (jobs[i].out == NULL) {
            fwup_cli_errorf("out of memory");
            goto out;
        }
        /* Two inputs to one output would silently drop a signed envelope. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(jobs[j].out, jobs[i].out) == 0 && strcmp(jobs[i].out, "-") != 0) {
                rc = fwup_cli_usage("sign", "two inputs would be written to '%s'", jobs[i].out);
                goto out;
            }
        }
    }

    /* Open the key ONCE for the whole batch (one login, one prompt). */
    fwup_diag_init(&d);
    fwup_cli_signer_opts(&opts, pass);
    opts.public_key_file = pub;
    opts.exec_timeout_s = timeout;
    if (pin_file != NULL) {
        e = fwup_cli_read_secret_line(pin_file, pin, sizeof pin, &d);
        if (e != FWUP_OK) {
            rc = fwup_cli_fail(pin_file, e, &d);
            goto out;
        }
        opts.pkcs11_pin = pin;
    }
    e = hmac != NULL ? fwup_signer_open_hmac(hmac, &s, &d) : fwup_signer_open(key, &opts, &s, &d);
    FWUP_WIPE_VAR(pin);
    if (e != FWUP_OK) {
        rc = fwup_cli_fail(hmac != NULL ? hmac : key, e, &d);
        goto out;
    }
    if (alg != 0 && !fwup_signer_alg_ok(s, alg)) {
        (void)fwup_diag_set(&d, FWUP_E_KEY_ALG_MISMATCH, NULL,
                            "--alg %s cannot be made with this key", fwup_cose_alg_name(alg));
        rc = fwup_cli_fail(hmac != NULL ? hmac : key, FWUP_E_KEY_ALG_MISMATCH, &d);
        goto out;
    }
    so.alg = alg;
    so.kid = have_kid ? kid : NULL;
    so.kid_len = kid_len;

    /* Sign everything in memory first ... */
    for (size_t i = 0; i < njobs; i++) {
        uint8_t *env = NULL;
        size_t len = 0;

        fwup_diag_init(&d);
        e = fwup_cli_read_file(jobs[i].in, FWUP_CLI_MAX_INPUT, &env, &len, &d);
        if (e == FWUP_OK)
            e = fwup_cose_sign_envelope(env, len, s, &so, &jobs[i].signed_env, &jobs[i].signed_len,
                                        &d);
        free(env);
        if (e != FWUP_OK) {
            rc = fwup_cli_fail(jobs[i].in, e, &d);
            if (njobs > 1)
                fwup_cli_errorf("nothing written: the batch of %zu envelopes stopped at '%s'",
                                njobs, jobs[i].in);
            goto out;
        }
    }
    /* ... then write: a batch is all or nothing up to the writes themselves. */
    for (size_t i = 0; i < njobs; i++) {
        fwup_diag_init(&d);
        e = fwup_cli_write_atomic(jobs[i].out, jobs[i].signed_env, jobs[i].signed_len, 0644, false,
                                  &d);
        if (e != FWUP_OK) {
            rc = fwup_cli_fail(jobs[i].out, e, &d);
            goto out;
        }
        fwup_cli_notef("signed '%s' -> '%s' with %s (%s)", jobs[i].in, jobs[i].out,
                       fwup_signer_describe(s),
                       fwup_cose_alg_name(alg != 0 ? alg : fwup_signer_default_alg(s)));
    }
    rc = fwup_cli_finish(FWUP_EXIT_OK);
out:
    fwup_signer_free(s);
    for (size_t i = 0; jobs != NULL && i < njobs; i++) {
        free(jobs[i].out);
        free(jobs[i].signed_env);
    }
    free(jobs);
    return rc;
}
