/*
 * Host hex helpers: one digit, and a whole string to bytes. Strict: only
 * [0-9a-fA-F], no prefix, sign or whitespace (sscanf("%2x") takes all
 * three, so a policy or description could mean other bytes than it shows).
 */
#ifndef FWUP_HEX_H
#define FWUP_HEX_H

#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Value of one hex digit, -1 if c is not one. */
FWUP_API int fwup_hex_digit(char c);

/*
 * Decode n hex digits at s into out (n / 2 bytes). false if n is odd,
 * n / 2 > cap, or a character is not a hex digit; out may then be partly
 * written. s need not be NUL-terminated.
 */
FWUP_API FWUP_NODISCARD bool fwup_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_HEX_H */
