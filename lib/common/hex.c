/* Hex digits and strings (fwup/hex.h). */
#include "fwup/hex.h"

int
fwup_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
fwup_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
    if (n % 2 != 0 || n / 2 > cap)
        return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = fwup_hex_digit(s[i]), lo = fwup_hex_digit(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
