/*
 * A dependency envelope, read for its dependent ([TD] draft-ietf-suit-trust-
 * domains §5.2.2, §8.1): the dependent binds the dependency by its MANIFEST
 * digest (authentication-wrapper[0]), so the dependency may be re-signed,
 * co-signed or severed later without breaking the binding.
 *
 * The envelope is decoded by the embedded verifier, the code the device
 * runs (DESIGN.md §2: "verified before publish" means verified by exactly
 * that code), with the host crypto port for its digests (severed elements
 * are checked against theirs) but without keys: nothing is authenticated (the
 * author's keys are not the dependent's business; the device checks them),
 * but the wrapper digest is recomputed over the manifest bstr, head included
 * (manifest-37 §8.3), so a tampered or hand-edited envelope is refused at
 * build time instead of on every device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dep_int.h"
#include "fwup/author.h"
#include "fwup/crypto.h"
#include "fwup/verifier.h"
#include "hash_int.h"

/* Read the whole file (a dependency envelope is held in RAM by the device
 * too; the cap is the one for integrated payloads). */
static enum fwup_err
slurp(const char *path, uint8_t **out, size_t *len, char *why, size_t cap)
{
    struct stat st;
    uint8_t *buf = NULL;
    ssize_t got;
    int fd = fwup_hash_open(path, NULL);

    if (fd < 0) {
        snprintf(why, cap, "cannot open dependency '%s': %s", path, strerror(errno));
        return FWUP_E_DESC_FILE;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "dependency '%s' is not a regular file", path);
        close(fd);
        return FWUP_E_DESC_FILE;
    }
    if ((uint64_t)st.st_size > FWUP_AUTHOR_MAX_INTEGRATED) {
        snprintf(why, cap, "dependency '%s' is larger than %zu bytes", path,
                 (size_t)FWUP_AUTHOR_MAX_INTEGRATED);
        close(fd);
        return FWUP_E_DESC_FILE;
    }
    /* +1: a file that grew since fstat is noticed (got > st_size). */
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        snprintf(why, cap, "out of memory");
        return FWUP_E_NO_MEMORY;
    }
    got = fwup_hash_read(fd, buf, (size_t)st.st_size + 1);
    close(fd);
    if (got < 0 || (uint64_t)got != (uint64_t)st.st_size) {
        snprintf(why, cap, "cannot read dependency '%s'%s%s", path, got < 0 ? ": " : "",
                 got < 0 ? strerror(errno) : " (it changed while read)");
        free(buf);
        return FWUP_E_DESC_FILE;
    }
    *out = buf;
    *len = (size_t)got;
    return FWUP_OK;
}

static bool
present(const struct fwup_verifier *v, enum fwup_v_seq_slot s)
{
    return v->m.seq[s].state != FWUP_V_ABSENT;
}

enum fwup_err
fwup_dep_read(const char *path, struct fwup_dep_info *out, char *why, size_t cap)
{
    struct fwup_verifier v;
    struct fwup_crypto *crypto = NULL;
    struct fwup_v_crypto port;
    struct fwup_hash h = {NULL};
    struct fwup_bytes item, want;
    uint8_t *env = NULL, d[64];
    size_t len = 0, dlen = 0;
    enum fwup_err rc;

    memset(out, 0, sizeof *out);
    rc = slurp(path, &env, &len, why, cap);
    if (rc != FWUP_OK)
        return rc;
    rc = fwup_crypto_new(&crypto);
    if (rc != FWUP_OK) {
        snprintf(why, cap, "crypto backend failed");
        goto out;
    }
    fwup_crypto_port(crypto, &port);
    fwup_verifier_init(&v, &port);
    rc = fwup_verifier_parse(&v, env, len);
    if (rc != FWUP_OK) {
        const struct fwup_v_diag *vd = fwup_verifier_diag(&v);
        snprintf(why, cap, "dependency '%s' is not a SUIT envelope: %s at byte %lu [%s]", path,
                 fwup_err_str(rc), (unsigned long)vd->offset, fwup_err_name(rc));
        rc = FWUP_E_DESC_VALUE;
        goto out;
    }
    /* The binding: wrapper[0] over the complete manifest bstr (§8.3). The
     * dependent signs this digest, so it must be the manifest's own. */
    item = fwup_verifier_bytes(&v, v.manifest_item);
    want = fwup_verifier_bytes(&v, v.digest_bytes);
    rc = fwup_hash_begin(&h, v.digest_alg);
    if (rc == FWUP_OK)
        rc = fwup_hash_update(&h, item.ptr, item.len);
    if (rc == FWUP_OK) {
        rc = fwup_hash_end(&h, d, &dlen);
        h.ctx = NULL;
    }
    if (rc == FWUP_E_SUIT_DIGEST_ALG) {
        snprintf(why, cap, "dependency '%s': unsupported manifest digest algorithm %ld", path,
                 (long)v.digest_alg);
        rc = FWUP_E_DESC_VALUE;
        goto out;
    }
    if (rc != FWUP_OK) {
        snprintf(why, cap, "hash backend failed");
        goto out;
    }
    /* memcmp: both digests are public values. */
    if (want.len != dlen || memcmp(want.ptr, d, dlen) != 0) {
        snprintf(why, cap,
                 "dependency '%s': its manifest does not match the digest in its "
                 "authentication wrapper [%s]",
                 path, fwup_err_name(FWUP_E_MANIFEST_DIGEST));
        rc = FWUP_E_DESC_VALUE;
        goto out;
    }
    /* Decode the manifest (no authentication: display-mode decoder) to learn
     * which sequences the dependent has to populate ([TD] §8.1). */
    rc = fwup_verifier_inspect(&v);
    if (rc != FWUP_OK) {
        const struct fwup_v_diag *vd = fwup_verifier_diag(&v);
        snprintf(why, cap, "dependency '%s': bad manifest: %s at byte %lu [%s]", path,
                 fwup_err_str(rc), (unsigned long)vd->offset, fwup_err_name(rc));
        rc = FWUP_E_DESC_VALUE;
        goto out;
    }
    out->alg = v.digest_alg;
    memcpy(out->digest, d, dlen);
    out->dlen = dlen;
    out->validate = present(&v, FWUP_V_SEQ_VALIDATE);
    out->load = present(&v, FWUP_V_SEQ_LOAD);
    out->invoke = present(&v, FWUP_V_SEQ_INVOKE);
    out->payload_fetch = present(&v, FWUP_V_SEQ_PAYLOAD_FETCH);
    out->install = present(&v, FWUP_V_SEQ_INSTALL);
    out->dep_resolution = present(&v, FWUP_V_SEQ_DEPENDENCY_RESOLUTION);
    out->n_blocks = v.n_blocks;
    out->size = len;
    rc = fwup_hash_sha256(env, len, NULL, 0, out->sha256);
    if (rc != FWUP_OK)
        snprintf(why, cap, "hash backend failed");
out:
    if (h.ctx != NULL)
        fwup_hash_abort(&h);
    fwup_crypto_free(crypto);
    free(env);
    return rc;
}
