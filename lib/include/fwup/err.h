/*
 * Host-side error helpers: names, messages, the diag struct, exit classes.
 *
 * The string tables live in lib/common/err.c, which is never linked into the
 * embedded verifier (it reports numeric codes only).
 */
#ifndef FWUP_ERR_H
#define FWUP_ERR_H

#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Detail of a failure, filled by library calls that take a `struct fwup_diag *`.
 *
 * - May be NULL: the caller then only gets the code.
 * - The FIRST error wins: a function fills it only while diag->code == FWUP_OK,
 *   so the root cause survives errors reported on the way up.
 * - offset: byte offset in the input (CBOR) or (line << 32 | column) is NOT
 *   used: JSON positions go in line/column.
 * - path: SUIT key path ("envelope.manifest.common.components[0]") or JSON
 *   path ("$.components[0].image"), NUL-terminated, may be empty.
 * - detail: what was expected and what was found, NUL-terminated, may be empty.
 * - backend: raw backend code (OpenSSL ERR_get_error(), CK_RV), 0 if none.
 * The library never knows file names: the CLI adds them.
 */
struct fwup_diag {
    enum fwup_err code;
    size_t offset;
    bool has_offset;
    int line;   /* JSON descriptions: 1-based, 0 = unknown */
    int column; /* JSON descriptions: 1-based, 0 = unknown */
    char path[96];
    char detail[160];
    unsigned long backend;
};

/* Exit classes of the fwup and fwup-sim commands (docs/exit-codes.md). */
enum fwup_exit {
    FWUP_EXIT_OK = 0,
    FWUP_EXIT_REJECTED = 1, /* well-formed, but signature/digest/condition/policy said no */
    FWUP_EXIT_USAGE = 2,
    FWUP_EXIT_MALFORMED = 3, /* CBOR, COSE, SUIT, JSON description, key file */
    FWUP_EXIT_IO = 4,
    FWUP_EXIT_BACKEND = 5, /* key, HSM or crypto backend */
    FWUP_EXIT_INTERNAL = 70,
    FWUP_EXIT_POWER_CUT = 75, /* fwup-sim only */
};

/* "FWUP_E_SIG_VERIFY"; "FWUP_OK"; "FWUP_E_UNKNOWN" for a value not in the list. */
FWUP_API const char *fwup_err_name(enum fwup_err e);

/* Lower-case one-line message without trailing period; never NULL. */
FWUP_API const char *fwup_err_str(enum fwup_err e);

/* Map an error to its exit class (the one place that does it). */
FWUP_API enum fwup_exit fwup_err_exit(enum fwup_err e);

/* Clear a diag (code FWUP_OK, empty strings). NULL-safe. */
FWUP_API void fwup_diag_init(struct fwup_diag *d);

/*
 * Record an error in d if d is non-NULL and empty (first error wins).
 * path and fmt may be NULL. Returns e, so callers can `return fwup_diag_set(...)`.
 */
FWUP_API enum fwup_err fwup_diag_set(struct fwup_diag *d, enum fwup_err e, const char *path,
                                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Same, with a byte offset into the input. */
FWUP_API enum fwup_err fwup_diag_set_at(struct fwup_diag *d, enum fwup_err e, size_t offset,
                                        const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif /* FWUP_ERR_H */
