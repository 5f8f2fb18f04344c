/* Incremental hashing for lib/author (OpenSSL EVP behind a small struct). */
#ifndef FWUP_AUTHOR_HASH_INT_H
#define FWUP_AUTHOR_HASH_INT_H

#include <sys/types.h>

#include "fwup/err.h"
#include "fwup/types.h"

struct fwup_hash {
    void *ctx; /* EVP_MD_CTX * */
};

/* alg: FWUP_COSE_SHA256/384/512. Errors: SUIT_DIGEST_ALG, NO_MEMORY, CRYPTO. */
enum fwup_err fwup_hash_begin(struct fwup_hash *h, int64_t alg);
enum fwup_err fwup_hash_update(struct fwup_hash *h, const void *p, size_t n);
/* Finish and free; out gets *len bytes. */
enum fwup_err fwup_hash_end(struct fwup_hash *h, uint8_t out[64], size_t *len);
/* Free without finishing (error paths). */
void fwup_hash_abort(struct fwup_hash *h);
/* SHA-256 over a || b (either may be empty). */
enum fwup_err fwup_hash_sha256(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                               uint8_t out[32]);
/* open() for streaming reads; -1 with diag (FWUP_E_IO_OPEN) on failure. */
int fwup_hash_open(const char *path, struct fwup_diag *diag);
/* read() until n bytes or EOF; bytes read, or -1 (errno set). */
ssize_t fwup_hash_read(int fd, uint8_t *buf, size_t n);

#endif
