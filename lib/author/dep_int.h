/*
 * lib/author: reading a dependency envelope ([TD] draft-ietf-suit-trust-
 * domains §5.2.2) through the embedded verifier, for `fwup create`.
 *
 * Separate from author_int.h on purpose: dep.c includes fwup/verifier.h,
 * whose command / parameter enums share tag names with author_int.h's.
 */
#ifndef FWUP_AUTHOR_DEP_INT_H
#define FWUP_AUTHOR_DEP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwup/err.h"

/* What a dependent needs to know about a dependency envelope file. */
struct fwup_dep_info {
    int64_t alg;        /* manifest digest algorithm (authentication-wrapper[0]) */
    uint8_t digest[64]; /* the manifest digest: what the dependent binds */
    size_t dlen;
    /* the sequences its manifest holds (present inline or severed) */
    bool validate, load, invoke, payload_fetch, install, dep_resolution;
    size_t n_blocks;    /* authentication blocks (0: unsigned) */
    uint8_t sha256[32]; /* of the whole file, for integration (TOCTOU re-check) */
    uint64_t size;
};

/*
 * Read a dependency envelope file and check it with the embedded verifier
 * (the decoder the device runs): a well-formed envelope, its manifest digest
 * equal to authentication-wrapper[0], a decodable manifest. No key is
 * needed: the device authenticates the dependency itself.
 *
 * \param[in]  path  the envelope file (at most FWUP_AUTHOR_MAX_INTEGRATED bytes)
 * \param[out] out   filled on success
 * \param[out] why   one-line reason on failure (NUL-terminated)
 * \return FWUP_OK; FWUP_E_DESC_FILE (cannot open or read it, too big);
 *         FWUP_E_DESC_VALUE (not a SUIT envelope, manifest digest mismatch,
 *         manifest not decodable); FWUP_E_NO_MEMORY; FWUP_E_CRYPTO.
 */
enum fwup_err fwup_dep_read(const char *path, struct fwup_dep_info *out, char *why, size_t cap);

#endif
