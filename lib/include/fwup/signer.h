/*
 * One signer interface for every place a private key can live.
 *
 * A signer is opened from a key specification:
 *   - a path to a PEM private key file (EC P-256, EC P-384, Ed25519, possibly
 *     encrypted: the passphrase comes from opts->secret_cb, never argv);
 *   - an RFC 7512 "pkcs11:" URI naming a key in a token (lib/keys/p11.c);
 *   - "exec:COMMAND": an external command that reads the to-be-signed bytes on
 *     stdin and writes the signature on stdout (KMS integrations);
 *   - for MACs, "hmac:PATH" or a 32-byte raw secret file opened with
 *     fwup_signer_open_hmac().
 *
 * Private key bytes never leave lib/keys: callers hand over the bytes to be
 * signed and get a signature back.
 *
 * Library rules: nothing here prints, prompts or reads the environment. The
 * CLI supplies the module path / PIN / passphrase through the options and
 * the secret callback.
 */
#ifndef FWUP_SIGNER_H
#define FWUP_SIGNER_H

#include "fwup/err.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fwup_signer; /* opaque */

/*
 * Ask the caller for a secret (PIN or passphrase). Write at most cap-1 bytes
 * plus a NUL into buf. `what` is "pin" or "passphrase", `prompt` a short
 * human label ("PIN for token 'fwup-author'"). Return FWUP_OK, or an error
 * (FWUP_E_KEY_PASSPHRASE / FWUP_E_PKCS11_PIN when none can be had). The
 * library wipes buf after use.
 */
typedef enum fwup_err (*fwup_secret_fn)(void *ctx, const char *what, const char *prompt,
                                        char *buf, size_t cap);

struct fwup_signer_opts {
    /* PKCS#11 module used when the URI names none (CLI: $FWUP_PKCS11_MODULE). */
    const char *pkcs11_module;
    /* PIN used when the URI carries no pin-value/pin-source (CLI: $FWUP_PKCS11_PIN). */
    const char *pkcs11_pin;
    /* Passphrase file for encrypted PEM keys (--passphrase-file), or NULL. */
    const char *passphrase_file;
    fwup_secret_fn secret_cb; /* may be NULL: no prompting */
    void *secret_ctx;
    /* Public key (PEM) of an "exec:" signer (--pub): the command only returns
     * signatures, so kid, key type and verify-after-sign need it. */
    const char *public_key_file;
    /* Seconds an "exec:" command may run before it is killed; 0 = 120. */
    unsigned exec_timeout_s;
};

/* Key / algorithm family of a signer. */
enum fwup_key_kind {
    FWUP_KEY_NONE = 0,
    FWUP_KEY_P256 = 1,
    FWUP_KEY_P384 = 2,
    FWUP_KEY_ED25519 = 3,
    FWUP_KEY_HMAC256 = 4,
};

/*
 * Open a signer from a key specification (see above). *out is owned by the
 * caller and released with fwup_signer_free(). One PKCS#11 login per open
 * signer: sign many envelopes with one signer.
 * Errors: FWUP_E_IO_OPEN, FWUP_E_KEY_FORMAT, FWUP_E_KEY_PASSPHRASE,
 * FWUP_E_PKCS11_* , FWUP_E_URI, FWUP_E_NO_MEMORY.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_signer_open(const char *spec,
                                                       const struct fwup_signer_opts *opts,
                                                       struct fwup_signer **out,
                                                       struct fwup_diag *diag);

/* Open an HMAC-256 key: a file holding the raw secret (16..64 bytes). */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_signer_open_hmac(const char *path,
                                                            struct fwup_signer **out,
                                                            struct fwup_diag *diag);

/* Close (logout, free, wipe). NULL-safe. */
FWUP_API void fwup_signer_free(struct fwup_signer *s);

FWUP_API enum fwup_key_kind fwup_signer_kind(const struct fwup_signer *s);

/* Default (fully specified, RFC 9864) COSE alg for the kind: -9, -51, -19, 5. */
FWUP_API int32_t fwup_signer_default_alg(const struct fwup_signer *s);

/* True if the COSE alg can be made with this signer's key (-7/-9 for P-256, ...). */
FWUP_API bool fwup_signer_alg_ok(const struct fwup_signer *s, int32_t alg);

/*
 * Sign (or MAC) `tbs` with COSE algorithm `alg`. ECDSA output is raw r||s
 * (64 or 96 bytes), Ed25519 64 bytes, HMAC-256 32 bytes. sig must hold 132
 * bytes. Errors: FWUP_E_KEY_ALG_MISMATCH, FWUP_E_CRYPTO, FWUP_E_PKCS11_*,
 * FWUP_E_EXTERNAL_SIGNER.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_signer_sign(struct fwup_signer *s, int32_t alg,
                                                       struct fwup_bytes tbs, uint8_t sig[132],
                                                       size_t *sig_len, struct fwup_diag *diag);

/*
 * The public key as DER SubjectPublicKeyInfo (malloc'd, caller frees), for
 * PEM export, kid computation and verify-after-sign. HMAC signers have none:
 * FWUP_E_UNSUPPORTED.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_signer_public_der(struct fwup_signer *s,
                                                             uint8_t **der, size_t *der_len,
                                                             struct fwup_diag *diag);

/* Human-readable description for messages ("file 'k.pem'", "pkcs11 token 'x' object 'y'"). */
FWUP_API const char *fwup_signer_describe(const struct fwup_signer *s);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_SIGNER_H */
