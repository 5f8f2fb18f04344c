/* Wiping and constant-time compare on the host, on OpenSSL's primitives. */
#include "fwup/secure.h"

#include <openssl/crypto.h>

void
fwup_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}

bool
fwup_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}
