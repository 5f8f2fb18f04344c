/*
 * UUIDv5 (RFC 9562 §5.5) for SUIT vendor and class identifiers
 * (draft-ietf-suit-manifest-37 §8.4.8.2-3, RFC 9124 §3.3-3.4):
 *     vendor-id = UUID5(NAMESPACE_DNS, vendor domain)
 *     class-id  = UUID5(vendor-id, model / class information)
 * SHA-1 is what RFC 9562 prescribes for v5; it is used as a name hash here,
 * not for security.
 */
#include <string.h>

#include <openssl/evp.h>

#include "author_int.h"
#include "fwup/hex.h"

const uint8_t FWUP_UUID_NS_DNS[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                      0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

enum fwup_err
fwup_uuid5(const uint8_t ns[16], const uint8_t *name, size_t len, uint8_t out[16])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    if (ctx == NULL)
        return FWUP_E_NO_MEMORY;
    ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(ctx, ns, 16) == 1 &&
         (len == 0 || EVP_DigestUpdate(ctx, name, len) == 1) &&
         EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return FWUP_E_CRYPTO;
    memcpy(out, md, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x50); /* version 5 */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* variant 10b */
    return FWUP_OK;
}

bool
fwup_uuid_parse(const char *s, uint8_t out[16])
{
    size_t o = 0;

    if (s == NULL || strlen(s) != 36)
        return false;
    for (size_t i = 0; i < 36;) {
        int hi, lo;
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
            i++;
            continue;
        }
        hi = fwup_hex_digit(s[i]);
        lo = fwup_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0 || o >= 16)
            return false;
        out[o++] = (uint8_t)(hi * 16 + lo);
        i += 2;
    }
    return o == 16;
}
