/*
 * Streaming image hash and small digest helpers (OpenSSL EVP, host only).
 *
 * Images can be a gigabyte: they are read with read(2) in FWUP_AUTHOR_CHUNK
 * pieces into one heap buffer and fed to the digest, so memory use does not
 * depend on the image size (DESIGN.md §4: payloads are streamed, never
 * slurped).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "author_int.h"
#include "hash_int.h"

size_t
fwup_hash_len(int64_t alg)
{
    switch (alg) {
    case FWUP_COSE_SHA256: return 32;
    case FWUP_COSE_SHA384: return 48;
    case FWUP_COSE_SHA512: return 64;
    default: return 0;
    }
}

static const EVP_MD *
md_of(int64_t alg)
{
    switch (alg) {
    case FWUP_COSE_SHA256: return EVP_sha256();
    case FWUP_COSE_SHA384: return EVP_sha384();
    case FWUP_COSE_SHA512: return EVP_sha512();
    default: return NULL;
    }
}

enum fwup_err
fwup_hash_begin(struct fwup_hash *h, int64_t alg)
{
    const EVP_MD *md = md_of(alg);

    h->ctx = NULL;
    if (md == NULL)
        return FWUP_E_SUIT_DIGEST_ALG;
    h->ctx = EVP_MD_CTX_new();
    if (h->ctx == NULL)
        return FWUP_E_NO_MEMORY;
    if (EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
        return FWUP_E_CRYPTO;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_hash_update(struct fwup_hash *h, const void *p, size_t n)
{
    if (n == 0)
        return FWUP_OK;
    return EVP_DigestUpdate(h->ctx, p, n) == 1 ? FWUP_OK : FWUP_E_CRYPTO;
}

enum fwup_err
fwup_hash_end(struct fwup_hash *h, uint8_t out[64], size_t *len)
{
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(h->ctx, out, &n);

    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    *len = n;
    return ok == 1 ? FWUP_OK : FWUP_E_CRYPTO;
}

void
fwup_hash_abort(struct fwup_hash *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

enum fwup_err
fwup_hash_sha256(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
    struct fwup_hash h;
    uint8_t d[64];
    size_t n;
    enum fwup_err rc = fwup_hash_begin(&h, FWUP_COSE_SHA256);

    if (rc != FWUP_OK)
        return rc;
    if (fwup_hash_update(&h, a, alen) != FWUP_OK || fwup_hash_update(&h, b, blen) != FWUP_OK) {
        fwup_hash_abort(&h);
        return FWUP_E_CRYPTO;
    }
    rc = fwup_hash_end(&h, d, &n);
    if (rc == FWUP_OK)
        memcpy(out, d, 32);
    return rc;
}

int
fwup_hash_open(const char *path, struct fwup_diag *diag)
{
    int fd;

    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        (void)fwup_diag_set(diag, FWUP_E_IO_OPEN, NULL, "cannot open '%s': %s", path,
                            strerror(errno));
        return -1;
    }
    {
        struct stat st;
        /* A directory opens fine but reads fail with EISDIR: say so up front. */
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            (void)fwup_diag_set(diag, FWUP_E_IO_OPEN, NULL, "'%s' is a directory", path);
            return -1;
        }
    }
#ifdef POSIX_FADV_SEQUENTIAL
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    return fd;
}

/* read() until n bytes or end of file; returns bytes read or -1. */
ssize_t
fwup_hash_read(int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

enum fwup_err
fwup_author_hash_file(const char *path, int64_t alg, uint8_t digest[64], size_t *dlen,
                      uint64_t *size, struct fwup_diag *diag)
{
    struct fwup_hash h = {NULL};
    uint8_t *buf = NULL;
    uint64_t total = 0;
    int fd = -1;
    enum fwup_err rc;

    if (path == NULL || digest == NULL || dlen == NULL || size == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "NULL argument");
    rc = fwup_hash_begin(&h, alg);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "unsupported digest algorithm %lld",
                             (long long)alg);
    buf = malloc(FWUP_AUTHOR_CHUNK);
    if (buf == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    fd = fwup_hash_open(path, diag);
    if (fd < 0) {
        rc = FWUP_E_IO_OPEN;
        goto out;
    }
    for (;;) {
        ssize_t got = fwup_hash_read(fd, buf, FWUP_AUTHOR_CHUNK);
        if (got < 0) {
            rc = fwup_diag_set(diag, FWUP_E_IO_READ, NULL, "cannot read '%s': %s", path,
                               strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        rc = fwup_hash_update(&h, buf, (size_t)got);
        if (rc != FWUP_OK) {
            (void)fwup_diag_set(diag, rc, NULL, "hash backend failed");
            goto out;
        }
        total += (uint64_t)got;
    }
    rc = fwup_hash_end(&h, digest, dlen);
    if (rc != FWUP_OK) {
        (void)fwup_diag_set(diag, rc, NULL, "hash backend failed");
        goto out;
    }
    *size = total;
out:
    if (h.ctx != NULL)
        fwup_hash_abort(&h);
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}
