/*
 * Host helpers for secrets: wiping and constant-time comparison.
 * (The verifier has its own freestanding versions.)
 */
#ifndef FWUP_SECURE_H
#define FWUP_SECURE_H

#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Overwrite n bytes at p with zeros in a way the compiler cannot drop
 * (OPENSSL_cleanse). NULL-safe. Call on every buffer that held key bytes,
 * PINs, passphrases or decrypted key material before it is freed or goes out
 * of scope. */
FWUP_API void fwup_wipe(void *p, size_t n);
#define FWUP_WIPE_VAR(x) fwup_wipe(&(x), sizeof(x))

/* Constant-time equality of a[0..n) and b[0..n) (CRYPTO_memcmp): the time
 * does not depend on where the first difference is. */
FWUP_API bool fwup_ct_equal(const void *a, const void *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_SECURE_H */
