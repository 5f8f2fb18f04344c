/*
 * The device directory: init (provisioning) and open/close.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "fwup/secure.h"
#include "sim.h"

/* RFC 9562 §6.6: the DNS namespace, for vendor-id = UUID5(DNS, domain). */
static const uint8_t ns_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                   0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

void
fwup_sim_uuid5(const uint8_t ns[16], const uint8_t *name, size_t len, uint8_t out[16])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    /* SHA-1 is what RFC 9562 specifies for version 5; not used for security. */
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha1(), NULL) != 1 ||
        EVP_DigestUpdate(c, ns, 16) != 1 || EVP_DigestUpdate(c, name, len) != 1 ||
        EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen < 16)
        memset(md, 0, sizeof md);
    EVP_MD_CTX_free(c);
    memcpy(out, md, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x50);
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

enum fwup_err
fwup_sim_uuid_parse(const char *text, uint8_t out[16])
{
    size_t n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        int v;
        if (*p == '-')
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            return FWUP_E_INVALID_ARG;
        if (n >= 32)
            return FWUP_E_INVALID_ARG;
        if (n % 2 == 0)
            out[n / 2] = (uint8_t)(v << 4);
        else
            out[n / 2] = (uint8_t)(out[n / 2] | v);
        n++;
    }
    return n == 32 ? FWUP_OK : FWUP_E_INVALID_ARG;
}

void
fwup_sim_uuid_format(const uint8_t u[16], char out[37])
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[u[i] >> 4];
        out[o++] = hx[u[i] & 15];
    }
    out[o] = '\0';
}

const char *
fwup_sim_slot_name(int slot)
{
    return slot == 0 ? "A" : slot == 1 ? "B" : "none";
}

const char *
fwup_sim_slot_state_name(uint8_t st)
{
    switch (st) {
    case FWUP_SLOT_EMPTY:
        return "empty";
    case FWUP_SLOT_TRIAL:
        return "trial";
    case FWUP_SLOT_CONFIRMED:
        return "confirmed";
    case FWUP_SLOT_REJECTED:
        return "rejected";
    }
    return "unknown";
}

static enum fwup_err
path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? FWUP_E_INVALID_ARG : FWUP_OK;
}

enum fwup_err
fwup_sim_path(char *out, size_t cap, const char *base, const char *rel)
{
    int n = rel[0] == '/' ? snprintf(out, cap, "%s", rel) : snprintf(out, cap, "%s/%s", base, rel);
    return (n < 0 || (size_t)n >= cap) ? FWUP_E_INVALID_ARG : FWUP_OK;
}

enum fwup_err
fwup_sim_dirname(char *out, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    int n = slash != NULL ? snprintf(out, cap, "%.*s", (int)(slash - path), path)
                          : snprintf(out, cap, ".");
    if (slash == path)
        n = snprintf(out, cap, "/");
    return (n < 0 || (size_t)n >= cap) ? FWUP_E_INVALID_ARG : FWUP_OK;
}

static enum fwup_err
read_text(const char *path, char **out, size_t *len, struct fwup_diag *d)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    *out = NULL;
    if (f == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open '%s': %s", path,
                             strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1L << 20) ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return fwup_diag_set(d, FWUP_E_IO_READ, NULL, "cannot read '%s' (or larger than 1 MiB)",
                             path);
    }
    b = malloc((size_t)n + 1);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return fwup_diag_set(d, FWUP_E_IO_READ, NULL, "cannot read '%s'", path);
    }
    fclose(f);
    b[n] = '\0';
    *out = b;
    *len = (size_t)n;
    return FWUP_OK;
}

static enum fwup_err
write_json(json_t *j, const char *path, struct fwup_diag *d)
{
    if (json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", path);
    return FWUP_OK;
}

/* Provision the payload decryption key (docs/encryption.md): a copy in
 * DIR/keys/, created owner-only (0600) and exclusively, like a private key
 * file (STYLE.md §6). The bytes are secret: wiped before free. */
static enum fwup_err
provision_secret(const char *dir, const char *src, const char *name, struct fwup_diag *d)
{
    char kdir[PATH_MAX], dst[PATH_MAX];
    uint8_t buf[16384];
    size_t n;
    FILE *in;
    int fd;
    enum fwup_err e = FWUP_OK;

    if (path_join(kdir, sizeof kdir, dir, "keys") != FWUP_OK ||
        path_join(dst, sizeof dst, kdir, name) != FWUP_OK)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
    if (mkdir(kdir, 0755) != 0 && errno != EEXIST)
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot create '%s'", kdir);
    in = fopen(src, "rb");
    if (in == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open '%s': %s", src,
                             strerror(errno));
    n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, buf, n) != (ssize_t)n || fsync(fd) != 0)
        e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", dst);
    if (fd >= 0 && close(fd) != 0 && e == FWUP_OK)
        e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", dst);
    fwup_wipe(buf, sizeof buf);
    return e;
}

/* Copy the policy into the device: keys to DIR/keys/anchor-N.pem and a
 * policy.json naming them, so the device does not depend on files outside
 * its directory after init (it was "provisioned"). */
static enum fwup_err
provision_policy(const char *dir, const char *policy_path, struct fwup_diag *d)
{
    char *text = NULL, base[PATH_MAX], p[PATH_MAX], kdir[PATH_MAX];
    size_t len, i;
    json_t *root = NULL, *anchors, *a;
    json_error_t je;
    enum fwup_err e;

    e = read_text(policy_path, &text, &len, d);
    if (e != FWUP_OK)
        return e;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (root == NULL)
        return fwup_diag_set(d, FWUP_E_DESC_SYNTAX, NULL, "'%s':%d:%d: %s", policy_path, je.line,
                             je.column, je.text);
    if (fwup_sim_dirname(base, sizeof base, policy_path) != FWUP_OK) {
        e = fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
        goto out;
    }
    if (path_join(kdir, sizeof kdir, dir, "keys") != FWUP_OK ||
        (mkdir(kdir, 0755) != 0 && errno != EEXIST)) {
        e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot create '%s'", kdir);
        goto out;
    }
    anchors = json_object_get(root, "anchors");
    json_array_foreach(anchors, i, a) {
        const char *kk = json_object_get(a, "key") != NULL ? "key" : "hmac";
        const char *k = json_string_value(json_object_get(a, kk));
        char src[PATH_MAX], rel[64], *pem = NULL;
        size_t plen;
        FILE *f;

        if (k == NULL)
            continue; /* fwup_sim_policy_load already reported it */
        if (fwup_sim_path(src, sizeof src, base, k) != FWUP_OK) {
            e = fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
            goto out;
        }
        e = read_text(src, &pem, &plen, d);
        if (e != FWUP_OK)
            goto out;
        (void)!snprintf(rel, sizeof rel, "keys/anchor-%zu.%s", i,
                        strcmp(kk, "key") == 0 ? "pem" : "bin");
        if (path_join(p, sizeof p, dir, rel) != FWUP_OK) {
            free(pem);
            e = fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
            goto out;
        }
        f = fopen(p, "wb");
        if (f == NULL || fwrite(pem, 1, plen, f) != plen || fclose(f) != 0) {
            free(pem);
            e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", p);
            goto out;
        }
        free(pem);
        /* An HMAC anchor is a secret: owner-only, like a private key. */
        if (strcmp(kk, "hmac") == 0 && chmod(p, 0600) != 0) {
            e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot protect '%s'", p);
            goto out;
        }
        json_object_set_new(a, kk, json_string(rel));
    }
    path_join(p, sizeof p, dir, "policy.json");
    e = write_json(root, p, d);
out:
    json_decref(root);
    return e;
}

enum fwup_err
fwup_sim_init(const char *dir, const struct fwup_sim_init_opts *o, struct fwup_diag *d)
{
    struct fwup_sim_layout l;
    struct fwup_policy pol;
    struct fwup_flash f;
    struct fwup_state st;
    struct fwup_state_pos pos;
    uint8_t vendor[16], klass[16], device[16];
    char *text = NULL, p[PATH_MAX], meta[PATH_MAX], u[37];
    size_t len;
    json_t *dev = NULL, *lj = NULL;
    json_error_t je;
    enum fwup_err e, e2;

    /* Identity first: a usage problem must not leave a half-made directory. */
    if (o->vendor_uuid != NULL) {
        if (fwup_sim_uuid_parse(o->vendor_uuid, vendor) != FWUP_OK)
            return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "--vendor: not a UUID: '%s'",
                                 o->vendor_uuid);
    } else if (o->vendor_domain != NULL) {
        fwup_sim_uuid5(ns_dns, (const uint8_t *)o->vendor_domain, strlen(o->vendor_domain),
                       vendor);
    } else {
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL,
                             "a vendor is required (--vendor or --vendor-domain)");
    }
    if (o->class_uuid != NULL) {
        if (fwup_sim_uuid_parse(o->class_uuid, klass) != FWUP_OK)
            return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "--class: not a UUID: '%s'",
                                 o->class_uuid);
    } else if (o->model != NULL) {
        /* SUIT-DIGEST §15: class-id = UUID5(vendor-id, class-specific info). */
        fwup_sim_uuid5(vendor, (const uint8_t *)o->model, strlen(o->model), klass);
    } else {
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL,
                             "a class is required (--class or --model)");
    }
    if (o->device_uuid != NULL && fwup_sim_uuid_parse(o->device_uuid, device) != FWUP_OK)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "--device: not a UUID: '%s'",
                             o->device_uuid);

    e = read_text(o->layout_path, &text, &len, d);
    if (e != FWUP_OK)
        return e;
    e = fwup_layout_parse(text, len, &l, d);
    if (e == FWUP_OK) {
        lj = json_loadb(text, len, 0, &je);
        if (lj == NULL)
            e = fwup_diag_set(d, FWUP_E_INTERNAL, NULL, "layout reparse failed");
    }
    free(text);
    if (e != FWUP_OK)
        goto out;
    /* Load the policy once to reject a bad one (and bad keys) at provisioning. */
    e = fwup_sim_policy_load(&pol, o->policy_path, d);
    if (e != FWUP_OK)
        goto out;
    fwup_policy_release(&pol);
    /* And the decryption key: a wrong file is refused before DIR exists. */
    if (o->kek_path != NULL || o->device_key_path != NULL) {
        struct fwup_enc_key *k = NULL;
        e = o->kek_path != NULL ? fwup_enc_key_load_kek(o->kek_path, &k, d)
                                : fwup_enc_key_load_pem(o->device_key_path, &k, d);
        if (e == FWUP_OK && o->device_key_path != NULL &&
            fwup_enc_key_kind(k) != FWUP_ENC_KEY_EC_PRIV)
            e = fwup_diag_set(d, FWUP_E_KEY_FORMAT, NULL,
                              "--device-key needs the device's PRIVATE P-256 key");
        fwup_enc_key_free(k);
        if (e != FWUP_OK)
            goto out;
    }

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot create '%s': %s", dir,
                          strerror(errno));
        goto out;
    }
    path_join(p, sizeof p, dir, "flash.bin");
    path_join(meta, sizeof meta, dir, "flash.meta");
    e = fwup_flash_create(p, meta, &l.geom, d);
    if (e != FWUP_OK)
        goto out;
    e = fwup_flash_open(&f, p, meta, &l.geom, d);
    if (e != FWUP_OK)
        goto out;
    /* Factory programming of the state log: it holds a valid record before
     * the device ever runs, so "no valid record" can only mean "not a
     * device". The bootloader partition is left erased: the simulated
     * bootloader is this program, it has no bytes in flash. */
    e = fwup_state_format(&f, &l, &st, &pos, d);
    e2 = fwup_flash_close(&f, d);
    if (e == FWUP_OK)
        e = e2;
    if (e != FWUP_OK)
        goto out;
    e = provision_policy(dir, o->policy_path, d);
    if (e == FWUP_OK && o->kek_path != NULL)
        e = provision_secret(dir, o->kek_path, "decrypt-kek.bin", d);
    if (e == FWUP_OK && o->device_key_path != NULL)
        e = provision_secret(dir, o->device_key_path, "decrypt-key.pem", d);
    if (e != FWUP_OK)
        goto out;

    dev = json_object();
    json_object_set_new(dev, "fwup_sim", json_integer(1));
    fwup_sim_uuid_format(vendor, u);
    json_object_set_new(dev, "vendor_id", json_string(u));
    fwup_sim_uuid_format(klass, u);
    json_object_set_new(dev, "class_id", json_string(u));
    if (o->device_uuid != NULL) {
        fwup_sim_uuid_format(device, u);
        json_object_set_new(dev, "device_id", json_string(u));
    }
    if (o->no_identity_checks)
        /* Recorded so that every later run knows; see require_ident. */
        json_object_set_new(dev, "identity_checks", json_false());
    json_object_set(dev, "layout", lj);
    path_join(p, sizeof p, dir, "device.json");
    e = write_json(dev, p, d);
out:
    json_decref(dev);
    json_decref(lj);
    return e;
}

static enum fwup_err
get_uuid(json_t *dev, const char *key, uint8_t out[16], bool *has, struct fwup_diag *d)
{
    json_t *v = json_object_get(dev, key);

    *has = false;
    if (v == NULL)
        return FWUP_OK;
    if (!json_is_string(v) || fwup_sim_uuid_parse(json_string_value(v), out) != FWUP_OK)
        return fwup_diag_set(d, FWUP_E_DESC_VALUE, key, "device.json: '%s' is not a UUID", key);
    *has = true;
    return FWUP_OK;
}

enum fwup_err
fwup_sim_open(struct fwup_sim *s, const char *dir, bool with_policy, struct fwup_diag *d)
{
    char p[PATH_MAX], meta[PATH_MAX], *text = NULL, *lt = NULL;
    size_t len;
    json_t *dev = NULL, *lj;
    json_error_t je;
    enum fwup_err e;

    memset(s, 0, sizeof *s);
    memcpy(s->dir, dir, strnlen(dir, sizeof s->dir - 1));
    if (strlen(dir) >= sizeof s->dir || path_join(p, sizeof p, dir, "device.json") != FWUP_OK)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
    e = read_text(p, &text, &len, d);
    if (e != FWUP_OK)
        return e;
    dev = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (dev == NULL || json_integer_value(json_object_get(dev, "fwup_sim")) != 1) {
        e = fwup_diag_set(d, FWUP_E_DESC_SYNTAX, NULL, "'%s' is not a fwup-sim device file", p);
        goto out;
    }
    lj = json_object_get(dev, "layout");
    lt = json_dumps(lj, JSON_COMPACT);
    if (lt == NULL) {
        e = fwup_diag_set(d, FWUP_E_DESC_MISSING, "layout", "device.json has no layout");
        goto out;
    }
    e = fwup_layout_parse(lt, strlen(lt), &s->layout, d);
    if (e == FWUP_OK)
        e = get_uuid(dev, "vendor_id", s->vendor, &s->has_vendor, d);
    if (e == FWUP_OK)
        e = get_uuid(dev, "class_id", s->klass, &s->has_class, d);
    if (e == FWUP_OK)
        e = get_uuid(dev, "device_id", s->device, &s->has_device, d);
    if (e != FWUP_OK)
        goto out;
    s->require_ident = !json_is_false(json_object_get(dev, "identity_checks"));
    path_join(p, sizeof p, dir, "flash.bin");
    path_join(meta, sizeof meta, dir, "flash.meta");
    e = fwup_flash_open(&s->flash, p, meta, &s->layout.geom, d);
    if (e != FWUP_OK)
        goto out;
    s->flash_open = true;
    e = fwup_state_load(&s->flash, &s->layout, &s->st, &s->pos, d);
    if (e != FWUP_OK)
        goto out;
    if (with_policy) {
        path_join(p, sizeof p, dir, "policy.json");
        e = fwup_sim_policy_load(&s->policy, p, d);
        if (e != FWUP_OK)
            goto out;
        s->policy_loaded = true;
        e = fwup_crypto_new(&s->crypto);
        if (e != FWUP_OK) {
            e = fwup_diag_set(d, e, NULL, "cannot start the crypto backend");
            goto out;
        }
        fwup_crypto_port(s->crypto, &s->port);
        /* The decryption key, if one was provisioned (one of the two). */
        if (path_join(p, sizeof p, dir, "keys/decrypt-kek.bin") == FWUP_OK &&
            access(p, F_OK) == 0)
            e = fwup_enc_key_load_kek(p, &s->dec_key, d);
        else if (path_join(p, sizeof p, dir, "keys/decrypt-key.pem") == FWUP_OK &&
                 access(p, F_OK) == 0)
            e = fwup_enc_key_load_pem(p, &s->dec_key, d);
        if (e != FWUP_OK)
            goto out;
    }
out:
    free(lt);
    json_decref(dev);
    return e;
}

enum fwup_err
fwup_sim_close(struct fwup_sim *s, struct fwup_diag *d)
{
    enum fwup_err e = FWUP_OK;

    if (s->flash_open)
        e = fwup_flash_close(&s->flash, d);
    s->flash_open = false;
    if (s->policy_loaded)
        fwup_policy_release(&s->policy);
    s->policy_loaded = false;
    fwup_crypto_free(s->crypto);
    s->crypto = NULL;
    fwup_enc_key_free(s->dec_key);
    s->dec_key = NULL;
    return e;
}
