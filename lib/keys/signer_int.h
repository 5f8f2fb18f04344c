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

#endif /* FWUP_SIGNER_INT_H */
