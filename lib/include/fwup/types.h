/*
 * fwup basic types, shared by the freestanding verifier and the host library.
 *
 * Freestanding: includes only <stdint.h>, <stddef.h> and <stdbool.h>.
 */
#ifndef FWUP_TYPES_H
#define FWUP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported symbols of libfwup; everything else is built -fvisibility=hidden. */
#if defined(__GNUC__)
#define FWUP_API __attribute__((visibility("default")))
#define FWUP_NODISCARD __attribute__((warn_unused_result))
#else
#define FWUP_API
#define FWUP_NODISCARD
#endif

/*
 * The one error enum of the project. Values come from err_list.h and are
 * stable (never renumbered). FWUP_OK is 0.
 */
enum fwup_err {
    FWUP_OK = 0,
#define FWUP_ERR(name, value, msg) FWUP_E_##name = value,
#include "fwup/err_list.h"
#undef FWUP_ERR
};

/*
 * A read-only view of bytes owned by someone else. Never freed through the
 * view; valid as long as the owner keeps the memory alive.
 */
struct fwup_bytes {
    const uint8_t *ptr;
    size_t len;
};

/*
 * Space to write into, owned by the caller. A NULL ptr means "compute the
 * size only" (the writer counts but stores nothing).
 */
struct fwup_buf {
    uint8_t *ptr;
    size_t cap;
};

/* COSE algorithm identifiers (IANA "COSE Algorithms"; RFC 9053, RFC 9864). */
enum fwup_cose_alg {
    FWUP_COSE_ES256 = -7,    /* ECDSA P-256 + SHA-256 (polymorphic, RFC 9053) */
    FWUP_COSE_ESP256 = -9,   /* same math, fully specified (RFC 9864) */
    FWUP_COSE_ES384 = -35,   /* ECDSA P-384 + SHA-384 */
    FWUP_COSE_ESP384 = -51,  /* fully specified (RFC 9864) */
    FWUP_COSE_EDDSA = -8,    /* EdDSA (polymorphic; fwup accepts Ed25519 only) */
    FWUP_COSE_ED25519 = -19, /* fully specified (RFC 9864) */
    FWUP_COSE_HMAC256 = 5,   /* HMAC 256/256 (RFC 9053 §3.1) */
    FWUP_COSE_SHA256 = -16,  /* SUIT_Digest algorithms (RFC 9054) */
    FWUP_COSE_SHA384 = -43,
    FWUP_COSE_SHA512 = -44,
    FWUP_COSE_A128KW = -3,        /* RFC 9053 §6.2.1 */
    FWUP_COSE_ECDH_ES_A128KW = -29, /* RFC 9053 §6.4 */
    FWUP_COSE_A128GCM = 1,        /* RFC 9053 §4.1 */
    FWUP_COSE_A128CTR = -65534,   /* RFC 9459 */
};

#ifdef __cplusplus
}
#endif
#endif /* FWUP_TYPES_H */
