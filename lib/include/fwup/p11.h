/*
 * PKCS#11 tokens and keys: discovery for `fwup keys list`.
 *
 * Signing with a token key goes through the ordinary signer interface
 * (fwup/signer.h): fwup_signer_open("pkcs11:...") . This header only adds
 * what a user needs to FIND the URI of a key: the tokens a URI matches and
 * the objects on them, each with a pkcs11: URI that can be pasted back.
 *
 * URIs are RFC 7512. Besides the path attributes (token, manufacturer,
 * serial, model, object, id, type, slot-id, slot-description, ...) fwup
 * honours the query attributes module-name= (a module registered with
 * p11-kit, see pkcs11.conf(5)), module-path= (a .so file), pin-value= and
 * pin-source= (a file holding the PIN; "file:" prefix optional). A path
 * attribute fwup does not know makes the URI malformed (FWUP_E_URI): ignoring
 * it would widen the match and could pick a key the user did not mean.
 *
 * Which module is used:
 *   1. module-path= or module-name= in the URI;
 *   2. else opts->pkcs11_module (a path if it contains '/', else a p11-kit
 *      module name; the CLI fills it from $FWUP_PKCS11_MODULE);
 *   3. else every module registered with p11-kit.
 *
 * Where the PIN comes from (first that is present):
 *   pin-value= or pin-source= in the URI, opts->pkcs11_pin (CLI:
 *   $FWUP_PKCS11_PIN), opts->secret_cb (the CLI prompts on a terminal).
 *   PINs are wiped after use. A token with a protected authentication path
 *   (PIN pad) is logged in with no PIN when none is given.
 *
 * Library rules: nothing here prints, prompts (except through secret_cb) or
 * reads the environment.
 */
#ifndef FWUP_P11_H
#define FWUP_P11_H

#include "fwup/err.h"
#include "fwup/signer.h"
#include "fwup/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One token (a slot with a token present) that the URI matches. All strings
 * are NUL-terminated and valid only during the callback. label,
 * manufacturer, model, serial and slot_description are the token's own bytes
 * with the PKCS#11 space padding removed: untrusted, escape before printing.
 */
struct fwup_p11_token_desc {
    const char *module;           /* p11-kit module name, or the module path */
    unsigned long slot_id;        /* CK_SLOT_ID; not stable across inits on SoftHSM */
    const char *slot_description; /* CK_SLOT_INFO.slotDescription */
    const char *label;            /* CK_TOKEN_INFO.label */
    const char *manufacturer;     /* CK_TOKEN_INFO.manufacturerID */
    const char *model;            /* CK_TOKEN_INFO.model */
    const char *serial;           /* CK_TOKEN_INFO.serialNumber */
    unsigned long slot_flags;     /* CK_SLOT_INFO.flags (CKF_TOKEN_PRESENT, ...) */
    unsigned long token_flags;    /* CK_TOKEN_INFO.flags (CKF_LOGIN_REQUIRED, ...) */
    const char *flags_text;       /* both as words: "hw-slot,removable,login-required,..." */
    const char *uri;              /* pkcs11: URI naming this token (with its module) */
    bool logged_in;               /* true if private objects were listed */
    bool private_hidden;          /* login required but not done: private keys not shown */
};

/*
 * One object on a token. label and id are raw token bytes (untrusted).
 * uri names exactly this object (token, object, id, type and the module).
 */
struct fwup_p11_object_desc {
    const struct fwup_p11_token_desc *token;
    const char *cls;      /* "private", "public", "cert", "secret-key", "data", "other" */
    const char *key_type; /* "EC", "EC_EDWARDS", "RSA", "AES", ... "" when not a key */
    const char *curve;    /* "P-256", "P-384", "P-521", "Ed25519", "Ed448", "" if unknown */
    const uint8_t *label;
    size_t label_len;
    const uint8_t *id;
    size_t id_len;
    int can_sign; /* CKA_SIGN: 1 true, 0 false, -1 not applicable or not readable */
    const char *uri;
};

typedef void (*fwup_p11_token_fn)(void *ctx, const struct fwup_p11_token_desc *t);
typedef void (*fwup_p11_object_fn)(void *ctx, const struct fwup_p11_object_desc *o);

/*
 * Log in to list private objects. Without it, fwup still logs in when the
 * URI carries pin-value=/pin-source= or opts->pkcs11_pin is set, and only if
 * the URI selects exactly one token (a PIN is never tried on tokens the user
 * did not name: each wrong try costs a retry on a real HSM).
 */
#define FWUP_P11_LIST_LOGIN 1u

/*
 * Walk the tokens `uri` matches ("pkcs11:" or NULL = every initialized token
 * of every module) and the objects on them that match its object attributes
 * (object=, id=, type=). Without type= only keys (private, public, secret)
 * are reported; type=cert or type=data asks for those. Calls on_token once
 * per token, then on_object for each of its objects (either may be NULL).
 * A token that refuses a session is skipped when several match.
 *
 * \param[in] uri   RFC 7512 URI, or NULL for all.
 * \param[in] opts  module / PIN sources (may be NULL).
 * \param[in] flags FWUP_P11_LIST_LOGIN or 0.
 * Errors: FWUP_E_URI, FWUP_E_PKCS11_MODULE, FWUP_E_PKCS11_TOKEN (no token
 * matches), FWUP_E_PKCS11_AMBIGUOUS (login asked for, several tokens match),
 * FWUP_E_PKCS11_PIN, FWUP_E_PKCS11_PIN_LOCKED, FWUP_E_PKCS11,
 * FWUP_E_NO_MEMORY. diag->backend holds the CK_RV where there is one.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_p11_list(const char *uri,
                                                    const struct fwup_signer_opts *opts,
                                                    unsigned flags, fwup_p11_token_fn on_token,
                                                    fwup_p11_object_fn on_object, void *ctx,
                                                    struct fwup_diag *diag);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_P11_H */
