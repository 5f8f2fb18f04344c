/*
 * fwup verify: authenticate an envelope with lib/verifier (the same code a
 * device runs) against trust anchors and a policy, and optionally check
 * payload images against the manifest's image-digest / image-size.
 * Everything goes to stdout (results) or stderr (the error line); no files.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwup/crypto.h"
#include "fwup/processor.h"
#include "fwup/verifier.h"
#include "policy.h"

static const char usage_text[] =
    "usage: fwup verify ENVELOPE -t [ROLE=]PUBKEY.pem ... [options]\n"
    "\n"
    "Authenticate a SUIT envelope: every COSE block over the manifest digest,\n"
    "the manifest digest over the manifest, the trust policy, then the manifest\n"
    "and its severable elements.\n"
    "\n"
    "options:\n"
    "  -t, --trust [ROLE=]FILE    trust a public key (PEM); ROLE defaults to 'author'\n"
    "      --hmac-key [ROLE=]FILE trust an HMAC-256 secret (raw bytes) for COSE_Mac0\n"
    "  -r, --require ROLE,...     each of these roles needs a valid block (all-of)\n"
    "  -n, --min-signers N        at least N distinct trusted keys must have signed\n"
    "      --strict               every block must be valid (no unknown keys)\n"
    "  -p, --policy POLICY.json   load anchors and rules from a policy file\n"
    "      --payload [INDEX=]FILE check a payload image against component INDEX\n"
    "                             (default 0): image-digest and image-size\n"
    "      --device-check         also run fwup's manifest processor as a device\n"
    "                             would before installing (its dry run, update and\n"
    "                             invoke, vendor and class checks required) and\n"
    "                             refuse what it would refuse\n"
    "      --json                 one JSON document on stdout\n"
    "  -h, --help                 this help\n"
    "\n"
    "Without --require / --min-signers, one valid block by any trusted key is\n"
    "enough; blocks by unknown keys are ignored unless --strict; a block that\n"
    "names a trusted key (kid) but does not verify rejects the envelope.\n"
    "\n"
    "exit status: 0 verified, 1 rejected (signature, digest, policy, payload),\n"
    "2 usage, 3 malformed input or key file, 4 I/O error, 5 crypto backend.\n";

#define MAX_PAYLOADS 16

struct payload {
    const char *file;
    unsigned index;
    enum fwup_err result;
};

static enum fwup_err
file_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    FILE *f = ctx;

    *got = fread(buf, 1, cap, f);
    if (*got == 0 && ferror(f))
        return FWUP_E_IO_READ;
    return FWUP_OK;
}

static json_t *
block_json(const struct fwup_verifier *v, const struct fwup_policy *t, uint8_t i)
{
    const struct fwup_v_block *b = &v->blocks[i];
    char kid[2 * 255 + 1];
    json_t *o = json_object();

    json_object_set_new(o, "index", json_integer(i));
    json_object_set_new(o, "kind", json_string(fwup_cli_block_kind(b->kind)));
    json_object_set_new(o, "alg", json_integer(b->alg));
    json_object_set_new(o, "alg_name", json_string(fwup_cli_alg_name(b->alg)));
    if (b->kid_len > 0) {
        fwup_cli_hex(v->env + b->kid_off, b->kid_len, kid, sizeof kid);
        json_object_set_new(o, "kid", json_string(kid));
    } else {
        json_object_set_new(o, "kid", json_null());
    }
    if (b->anchor != FWUP_V_NO_ANCHOR && t != NULL) {
        json_object_set_new(o, "anchor", json_integer(b->anchor));
        json_object_set_new(o, "key", json_string(t->key_files[b->anchor]));
        json_object_set_new(o, "role", json_string(t->role_names[t->anchors[b->anchor].role]));
    } else {
        json_object_set_new(o, "anchor", json_null());
        json_object_set_new(o, "role", json_null());
    }
    json_object_set_new(o, "verdict", json_string(fwup_cli_verdict(b->verdict)));
    return o;
}

static void
print_block(const struct fwup_verifier *v, const struct fwup_policy *t, uint8_t i)
{
    const struct fwup_v_block *b = &v->blocks[i];
    char kid[2 * 255 + 1] = "-";

    if (b->kid_len > 0)
        fwup_cli_hex(v->env + b->kid_off, b->kid_len, kid, sizeof kid);
    printf("block %u: %s %s (%d) kid %s: %s", i, fwup_cli_block_kind(b->kind),
           fwup_cli_alg_name(b->alg), (int)b->alg, kid, fwup_cli_verdict(b->verdict));
    if (b->anchor != FWUP_V_NO_ANCHOR)
        printf(" (anchor %u '%s', role %s)", b->anchor, t->key_files[b->anchor],
               t->role_names[t->anchors[b->anchor].role]);
    putchar('\n');
}

static int
emit_json(json_t *doc)
{
    if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        return -1;
    putchar('\n');
    return 0;
}

static json_t *
error_json(const struct fwup_diag *d)
{
    json_t *err = json_object();

    json_object_set_new(err, "code", json_integer(d->code));
    json_object_set_new(err, "name", json_string(fwup_err_name(d->code)));
    if (d->has_offset)
        json_object_set_new(err, "offset", json_integer((json_int_t)d->offset));
    else
        json_object_set_new(err, "offset", json_null());
    json_object_set_new(err, "path", json_string(d->path));
    json_object_set_new(err, "message",
                        json_string(d->detail[0] != '\0' ? d->detail : fwup_err_str(d->code)));
    return err;
}

int
fwup_cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"trust", required_argument, NULL, 't'},   {"hmac-key", required_argument, NULL, 'K'},
        {"require", required_argument, NULL, 'r'}, {"min-signers", required_argument, NULL, 'n'},
        {"strict", no_argument, NULL, 'S'},        {"policy", required_argument, NULL, 'p'},
        {"payload", required_argument, NULL, 'P'}, {"json", no_argument, NULL, 'j'},
        {"device-check", no_argument, NULL, 'D'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fwup_policy trust;
    struct fwup_verifier v;
    struct fwup_v_crypto port;
    struct fwup_crypto *crypto = NULL;
    struct fwup_diag d;
    struct payload pay[MAX_PAYLOADS];
    const char *trusts[FWUP_V_MAX_ANCHORS * 2], *policy_file = NULL, *require = NULL;
    bool is_hmac[FWUP_V_MAX_ANCHORS * 2];
    int n_trust = 0, n_pay = 0, json = 0, strict = 0, device_check = 0, c, rc;
    long min_signers = -1;
    const char *file;
    uint8_t *env = NULL;
    size_t len = 0;
    enum fwup_err e;
    json_t *doc = NULL, *blocks;
    const char *failed_file;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:r:n:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
        case 'K':
            if (n_trust >= (int)(sizeof trusts / sizeof trusts[0]))
                return fwup_cli_usage("verify", "too many trust anchors");
            is_hmac[n_trust] = c == 'K';
            trusts[n_trust++] = optarg;
            break;
        case 'r':
            require = optarg;
            break;
        case 'n': {
            char *end;
            min_signers = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || min_signers < 0 ||
                min_signers > FWUP_V_MAX_ANCHORS)
                return fwup_cli_usage("verify", "--min-signers wants a number 0..%d",
                                      FWUP_V_MAX_ANCHORS);
            break;
        }
        case 'S':
            strict = 1;
            break;
        case 'p':
            policy_file = optarg;
            break;
        case 'P': {
            const char *eq = strchr(optarg, '=');
            if (n_pay >= MAX_PAYLOADS)
                return fwup_cli_usage("verify", "at most %d --payload options", MAX_PAYLOADS);
            pay[n_pay].index = 0;
            pay[n_pay].file = optarg;
            if (eq != NULL) {
                char *end;
                unsigned long ix = strtoul(optarg, &end, 10);
                if (end != eq || eq == optarg || ix >= FWUP_V_MAX_COMPONENTS)
                    return fwup_cli_usage("verify", "--payload wants [INDEX=]FILE, got '%s'",
                                          optarg);
                pay[n_pay].index = (unsigned)ix;
                pay[n_pay].file = eq + 1;
            }
            n_pay++;
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'D':
            device_check = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        case ':':
            return fwup_cli_usage("verify", "option '%s' needs an argument", argv[optind - 1]);
        default:
            return fwup_cli_usage("verify", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return fwup_cli_usage("verify", optind >= argc ? "no envelope given"
                                                       : "exactly one envelope expected");
    if (n_trust == 0 && policy_file == NULL)
        return fwup_cli_usage("verify", "no trust anchor: give -t PUBKEY, --hmac-key or --policy");
    file = argv[optind];

    fwup_policy_init(&trust);
    fwup_diag_init(&d);
    failed_file = file;
    if (policy_file != NULL && fwup_policy_load(&trust, policy_file, &d) != FWUP_OK) {
        failed_file = policy_file;
        goto fail;
    }
    for (int i = 0; i < n_trust; i++) {
        if (fwup_cli_trust_add(&trust, trusts[i], is_hmac[i], &d) != FWUP_OK) {
            if (d.code == FWUP_E_INVALID_ARG || d.code == FWUP_E_LIMIT_COUNT) {
                rc = fwup_cli_usage("verify", "%s", d.detail);
                fwup_policy_release(&trust);
                return rc;
            }
            failed_file = strchr(trusts[i], '=') ? strchr(trusts[i], '=') + 1 : trusts[i];
            goto fail;
        }
    }
    if (require != NULL) {
        char *copy = strdup(require), *save = NULL;
        for (char *r = strtok_r(copy, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
            int id = fwup_policy_role(&trust, r);
            bool anchored = false;
            for (int a = 0; id >= 0 && a < trust.pol.n_anchors; a++)
                anchored = anchored || trust.anchors[a].role == id;
            if (!anchored) {
                rc = fwup_cli_usage("verify", "required role '%s' has no trust anchor", r);
                free(copy);
                fwup_policy_release(&trust);
                return rc;
            }
            trust.pol.require_roles = (uint16_t)(trust.pol.require_roles | (1u << id));
        }
        free(copy);
    }
    if (min_signers >= 0)
        trust.pol.min_signers = (uint8_t)min_signers;
    if (strict)
        trust.pol.strict = true;

    if (fwup_cli_read_file(file, FWUP_CLI_MAX_INPUT, &env, &len, &d) != FWUP_OK)
        goto fail;
    if (fwup_crypto_new(&crypto) != FWUP_OK) {
        fwup_diag_set(&d, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto fail;
    }
    fwup_crypto_port(crypto, &port);
    fwup_verifier_init(&v, &port);
    e = fwup_verifier_verify(&v, env, len, &trust.pol);
    if (e != FWUP_OK) {
        fwup_cli_v_diag(&v, &trust, &d);
        if (json) {
            doc = json_object();
            json_object_set_new(doc, "fwup_json", json_integer(1));
            json_object_set_new(doc, "command", json_string("verify"));
            json_object_set_new(doc, "ok", json_false());
            json_object_set_new(doc, "file", json_string(file));
            json_object_set_new(doc, "error", error_json(&d));
            blocks = json_array();
            for (uint8_t i = 0; i < v.n_blocks; i++)
                json_array_append_new(blocks, block_json(&v, &trust, i));
            json_object_set_new(doc, "blocks", blocks);
            emit_json(doc);
        } else {
            for (uint8_t i = 0; i < v.n_blocks; i++)
                print_block(&v, &trust, i);
        }
        rc = fwup_cli_fail(file, e, &d);
        goto out;
    }

    /* Payloads: streamed through the port's hash, never loaded whole. */
    for (int i = 0; i < n_pay; i++) {
        FILE *f = fopen(pay[i].file, "rb");
        uint8_t chunk[4096];

        if (f == NULL) {
            fwup_diag_set(&d, FWUP_E_IO_OPEN, NULL, "cannot open payload");
            failed_file = pay[i].file;
            goto fail;
        }
        pay[i].result = fwup_verifier_check_image(&v, pay[i].index, file_read, f, chunk,
                                                  sizeof chunk);
        fclose(f);
        if (pay[i].result != FWUP_OK) {
            struct fwup_v_diag pd = {0};
            pd.code = (uint8_t)pay[i].result;
            pd.scope = FWUP_V_AT_IMAGE;
            pd.suit_key = (int32_t)pay[i].index;
            fwup_diag_init(&d);
            d.code = pay[i].result;
            fwup_cli_v_path(&pd, &trust, d.path, sizeof d.path);
            snprintf(d.detail, sizeof d.detail, "%s for component %u",
                     pay[i].result == FWUP_E_SUIT_MISSING ? "the manifest sets no image-digest"
                     : pay[i].result == FWUP_E_SUIT_COMPONENT
                         ? "no such component"
                         : fwup_err_str(pay[i].result),
                     pay[i].index);
            failed_file = pay[i].file;
            goto fail;
        }
    }

    /* What a device on lib/verifier refuses before installing: an
     * unsupported or custom command or parameter, a directive in the shared
     * sequence, no vendor or class check, an integrated dependency that does
     * not authenticate. The same code as on the device (fwup_v_check). */
    for (int k = 0; device_check && k < 2; k++) {
        static struct fwup_v_processor proc; /* 2.5 KB, not on the stack */
        struct fwup_v_diag vd = {0, 0, 0, 0};
        enum fwup_v_procedure pr = k == 0 ? FWUP_V_PROC_UPDATE : FWUP_V_PROC_INVOKE;

        proc.require_ident = true;
        e = fwup_v_check(&v, pr, &proc, &vd);
        if (e != FWUP_OK) {
            fwup_cli_vd_diag(&vd, &trust, &d);
            snprintf(d.detail, sizeof d.detail, "a device would refuse its %s procedure: %s",
                     k == 0 ? "update" : "invoke", fwup_err_str(e));
            goto fail;
        }
    }

    {
        char hex[2 * FWUP_V_MAX_DIGEST + 1];
        struct fwup_bytes db = fwup_verifier_bytes(&v, v.digest_bytes);
        int signers = 0;

        fwup_cli_hex(db.ptr, db.len, hex, sizeof hex);
        if (json) {
            json_t *dig = json_object(), *sig = json_array(), *pl = json_array();
            doc = json_object();
            json_object_set_new(doc, "fwup_json", json_integer(1));
            json_object_set_new(doc, "command", json_string("verify"));
            json_object_set_new(doc, "ok", json_true());
            json_object_set_new(doc, "file", json_string(file));
            json_object_set_new(dig, "alg", json_integer(v.digest_alg));
            json_object_set_new(dig, "alg_name", json_string(fwup_cli_alg_name(v.digest_alg)));
            json_object_set_new(dig, "hex", json_string(hex));
            json_object_set_new(doc, "manifest_digest", dig);
            if (v.m.sequence_number <= (uint64_t)INT64_MAX)
                json_object_set_new(doc, "sequence_number",
                                    json_integer((json_int_t)v.m.sequence_number));
            else
                json_object_set_new(doc, "sequence_number", json_real((double)v.m.sequence_number));
            blocks = json_array();
            for (uint8_t i = 0; i < v.n_blocks; i++)
                json_array_append_new(blocks, block_json(&v, &trust, i));
            json_object_set_new(doc, "blocks", blocks);
            for (uint8_t a = 0; a < trust.pol.n_anchors; a++)
                if (v.valid_anchors & (1u << a)) {
                    json_t *s = json_object();
                    json_object_set_new(s, "anchor", json_integer(a));
                    json_object_set_new(s, "key", json_string(trust.key_files[a]));
                    json_object_set_new(s, "role",
                                        json_string(trust.role_names[trust.anchors[a].role]));
                    json_array_append_new(sig, s);
                }
            json_object_set_new(doc, "signers", sig);
            for (int i = 0; i < n_pay; i++) {
                json_t *p = json_object();
                json_object_set_new(p, "index", json_integer(pay[i].index));
                json_object_set_new(p, "file", json_string(pay[i].file));
                json_object_set_new(p, "ok", json_true());
                json_array_append_new(pl, p);
            }
            json_object_set_new(doc, "payloads", pl);
            if (device_check)
                json_object_set_new(doc, "device_check", json_true());
            if (emit_json(doc) != 0) {
                rc = FWUP_EXIT_IO;
                goto out;
            }
        } else {
            for (uint8_t i = 0; i < v.n_blocks; i++)
                print_block(&v, &trust, i);
            printf("manifest: sequence number %llu, %s %s\n",
                   (unsigned long long)v.m.sequence_number, fwup_cli_alg_name(v.digest_alg),
                   hex);
            for (int i = 0; i < n_pay; i++)
                printf("payload %u '%s': image-digest ok\n", pay[i].index, pay[i].file);
            if (device_check)
                printf("device check: nothing a device refuses before installing (update, invoke)\n");
            printf("verified: '%s' (", file);
            for (uint8_t a = 0; a < trust.pol.n_anchors; a++)
                if (v.valid_anchors & (1u << a))
                    printf("%s%s", signers++ ? ", " : "",
                           trust.role_names[trust.anchors[a].role]);
            printf(")\n");
        }
    }
    rc = fwup_cli_finish(FWUP_EXIT_OK);
    goto out;

fail:
    if (json) {
        doc = json_object();
        json_object_set_new(doc, "fwup_json", json_integer(1));
        json_object_set_new(doc, "command", json_string("verify"));
        json_object_set_new(doc, "ok", json_false());
        json_object_set_new(doc, "file", json_string(failed_file));
        json_object_set_new(doc, "error", error_json(&d));
        emit_json(doc);
    }
    rc = fwup_cli_fail(failed_file, d.code, &d);
    /* A broken policy file is malformed input, not a verdict on the envelope. */
    if (d.code == FWUP_E_POLICY_INVALID && failed_file == policy_file)
        rc = FWUP_EXIT_MALFORMED;
out:
    json_decref(doc);
    fwup_crypto_free(crypto);
    free(env);
    fwup_policy_release(&trust);
    if (rc != FWUP_EXIT_OK && json)
        fflush(stdout);
    return rc;
}
