/*
 * Internal signer backend interface (lib/keys only).
 *
 * struct fwup_signer is a small vtable plus backend state. lib/keys/signer.c
 * dispatches fwup_signer_open() on the spec ("pkcs11:" -> p11.c, "exec:" ->
 * exec.c, otherwise a PEM file -> pem.c) and implements the public functions
 * on top of these ops.
 */
#ifndef FWUP_SIGNER_INT_H
#define FWUP_SIGNER_INT_H

#include "fwup/signer.h"

struct fwup_signer_ops {
    /* Raw signature of tbs with COSE alg (already checked by fwup_signer_alg_ok). */
    enum fwup_err (*sign)(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs,
                          uint8_t sig[132], size_t *sig_len, struct fwup_diag *diag);
    /* DER SubjectPublicKeyInfo, malloc'd. NULL for HMAC. */
    enum fwup_err (*public_der)(struct fwup_signer *s, uint8_t **der, size_t *der_len,
                                struct fwup_diag *diag);
    /* Free backend state (wipe secrets). */
    void (*destroy)(struct fwup_signer *s);
};

struct fwup_signer {
    const struct fwup_signer_ops *ops;
    enum fwup_key_kind kind;
    char describe[160];
    void *state; /* backend-owned */
};

/* Backends. Each fills a freshly allocated signer (ops, kind, describe, state). */
enum fwup_err fwup_pem_signer_open(const char *path, const struct fwup_signer_opts *opts,
                                   struct fwup_signer **out, struct fwup_diag *diag);
enum fwup_err fwup_p11_signer_open(const char *uri, const struct fwup_signer_opts *opts,
                                   struct fwup_signer **out, struct fwup_diag *diag);
enum fwup_err fwup_exec_signer_open(const char *command, const struct fwup_signer_opts *opts,
                                    struct fwup_signer **out, struct fwup_diag *diag);

/*
 * Allocate a signer with ops and kind and a printf-style description (for
 * messages; truncated to fit). Backends call it, then set ->state.
 * Returns NULL when out of memory.
 */
struct fwup_signer *fwup_signer_alloc(const struct fwup_signer_ops *ops, enum fwup_key_kind kind,
                                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Key kind of a verifier key type (FWUP_V_KEY_P256 -> FWUP_KEY_P256, ...). */
enum fwup_key_kind fwup_signer_kind_of(uint8_t v_key_type);

/*
 * Read a passphrase: the first line of `path` (trailing CR/LF dropped), at
 * most cap-1 bytes plus a NUL into buf, or from secret_cb when path is NULL.
 * Wipes every temporary. Errors: FWUP_E_IO_OPEN, FWUP_E_KEY_PASSPHRASE
 * (empty, too long, or no source).
 */
enum fwup_err fwup_keys_passphrase(const struct fwup_signer_opts *opts, const char *prompt,
                                   char *buf, size_t cap, struct fwup_diag *diag);

#endif /* FWUP_SIGNER_INT_H */
