/*
 * Error names, messages and exit classes. Host only: the verifier reports
 * numeric codes and never links these tables (QCBOR keeps its
 * qcbor_err_to_str.c apart for the same reason).
 */
#include "fwup/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
fwup_err_name(enum fwup_err e)
{
    switch (e) {
    case FWUP_OK:
        return "FWUP_OK";
#define FWUP_ERR(name, value, msg)                                                                 \
    case FWUP_E_##name:                                                                            \
        return "FWUP_E_" #name;
#include "fwup/err_list.h"
#undef FWUP_ERR
    }
    return "FWUP_E_UNKNOWN";
}

const char *
fwup_err_str(enum fwup_err e)
{
    switch (e) {
    case FWUP_OK:
        return "success";
#define FWUP_ERR(name, value, msg)                                                                 \
    case FWUP_E_##name:                                                                            \
        return msg;
#include "fwup/err_list.h"
#undef FWUP_ERR
    }
    return "unknown error";
}

enum fwup_exit
fwup_err_exit(enum fwup_err e)
{
    int v = (int)e;

    if (v == 0)
        return FWUP_EXIT_OK;
    if (e == FWUP_E_POWER_CUT)
        return FWUP_EXIT_POWER_CUT;
    if (v < 20)
        return FWUP_EXIT_USAGE;
    if (v < 70)
        return FWUP_EXIT_MALFORMED;
    if (v < 100)
        return FWUP_EXIT_REJECTED;
    if (v < 120)
        return (e == FWUP_E_KEY_FORMAT) ? FWUP_EXIT_MALFORMED : FWUP_EXIT_BACKEND;
    if (v < 140)
        return FWUP_EXIT_IO;
    /* A limit is hit by input the tool refuses to process: malformed for the user. */
    if (v < 150)
        return FWUP_EXIT_MALFORMED;
    if (v < 170)
        return FWUP_EXIT_MALFORMED;
    /* Processing: a condition or directive said no on a well-formed manifest. */
    if (v < 190)
        return FWUP_EXIT_REJECTED;
    return FWUP_EXIT_INTERNAL;
}

void
fwup_diag_init(struct fwup_diag *d)
{
    if (d != NULL)
        memset(d, 0, sizeof *d);
}

static void
diag_fill(struct fwup_diag *d, enum fwup_err e, const char *path, const char *fmt, va_list ap)
{
    d->code = e;
    d->path[0] = '\0';
    d->detail[0] = '\0';
    if (path != NULL)
        snprintf(d->path, sizeof d->path, "%s", path);
    if (fmt != NULL)
        vsnprintf(d->detail, sizeof d->detail, fmt, ap);
}

enum fwup_err
fwup_diag_set(struct fwup_diag *d, enum fwup_err e, const char *path, const char *fmt, ...)
{
    va_list ap;

    /* First error wins: keep the root cause when callers add context on the way up. */
    if (d == NULL || d->code != FWUP_OK)
        return e;
    va_start(ap, fmt);
    diag_fill(d, e, path, fmt, ap);
    va_end(ap);
    return e;
}

enum fwup_err
fwup_diag_set_at(struct fwup_diag *d, enum fwup_err e, size_t offset, const char *path,
                 const char *fmt, ...)
{
    va_list ap;

    if (d == NULL || d->code != FWUP_OK)
        return e;
    va_start(ap, fmt);
    diag_fill(d, e, path, fmt, ap);
    va_end(ap);
    d->offset = offset;
    d->has_offset = true;
    return e;
}
