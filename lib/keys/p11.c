/*
 * PKCS#11 signer backend and token/key discovery, through p11-kit.
 *
 * A key is named by an RFC 7512 "pkcs11:" URI; p11-kit parses it, loads the
 * module (by path, by its registered name, or every registered module) and
 * matches module, slot and token info for us. What this file adds:
 *
 *  - token choice without guessing: several matching tokens are narrowed to
 *    the one that visibly holds the key before any PIN is tried, because each
 *    wrong PIN costs a retry on a real HSM;
 *  - exactly one login per opened signer (a batch of envelopes signed with one
 *    signer logs in once), with the PIN wiped right after C_Login;
 *  - one fwup error per failure a user can act on (FWUP_E_PKCS11_*), with the
 *    raw CK_RV in diag->backend;
 *  - the signature formats COSE wants: CKM_ECDSA over a software digest
 *    returns raw r||s (PKCS#11 v2.40 §2.3.1, = RFC 9053 §2.1), CKM_EDDSA with
 *    no parameters is pure Ed25519 over the whole message (PKCS#11 v3.0
 *    §2.3.14; RFC 8032 has no pre-hash for Ed25519 in COSE).
 *
 * Tested against SoftHSM2 2.6.1 (tests/p11/, tests/cli/p11/); the quirks of
 * real tokens this code allows for are listed in docs/hsm.md.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "fwup/p11.h"
#include "fwup/secure.h"
#include "signer_int.h"

/* PINs longer than this are refused (PKCS#11 tokens allow far less). */
#define PIN_CAP 256
/* How many matching private keys we look at to report an ambiguity. */
#define MAX_MATCH 8
/* Attribute values are small (labels, ids, EC points, certificates). */
#define ATTR_MAX ((CK_ULONG)65536)

/* ------------------------------------------------------------------------ */
/* p11-kit, loaded on first use                                              */

/*
 * libp11-kit (and the libffi it pulls in) is opened with dlopen when a
 * pkcs11: URI is first used, not linked: mapping and relocating it cost every
 * fwup process about 0.3 ms of its start-up, `fwup create` and `fwup sign
 * key.pem` included, which never touch a token (bench/README.md). The calls
 * below go through this table; p11k_load() fills it once per process
 * (the library is NODELETE: it is never closed). uri_parse() is where every
 * entry point first needs p11-kit, so it loads it there.
 */
#ifndef FWUP_P11KIT_SONAME
#define FWUP_P11KIT_SONAME "libp11-kit.so.0"
#endif

#define P11K_FUNCS(X) \
    X(p11_kit_message) \
    X(p11_kit_module_finalize) \
    X(p11_kit_module_for_name) \
    X(p11_kit_module_get_name) \
    X(p11_kit_module_initialize) \
    X(p11_kit_module_load) \
    X(p11_kit_module_release) \
    X(p11_kit_modules_finalize_and_release) \
    X(p11_kit_modules_load) \
    X(p11_kit_modules_load_and_initialize) \
    X(p11_kit_modules_release) \
    X(p11_kit_space_strlen) \
    X(p11_kit_strerror) \
    X(p11_kit_uri_any_unrecognized) \
    X(p11_kit_uri_format) \
    X(p11_kit_uri_free) \
    X(p11_kit_uri_get_attribute) \
    X(p11_kit_uri_get_attributes) \
    X(p11_kit_uri_get_module_name) \
    X(p11_kit_uri_get_module_path) \
    X(p11_kit_uri_get_pin_source) \
    X(p11_kit_uri_get_pin_value) \
    X(p11_kit_uri_get_slot_id) \
    X(p11_kit_uri_get_token_info) \
    X(p11_kit_uri_match_module_info) \
    X(p11_kit_uri_match_slot_info) \
    X(p11_kit_uri_match_token_info) \
    X(p11_kit_uri_message) \
    X(p11_kit_uri_new) \
    X(p11_kit_uri_parse) \
    X(p11_kit_uri_set_attribute) \
    X(p11_kit_uri_set_module_name) \
    X(p11_kit_uri_set_module_path)

static struct {
#define P11K_MEMBER(f) __typeof__(f) *f;
    P11K_FUNCS(P11K_MEMBER)
#undef P11K_MEMBER
} p11k;

static pthread_once_t p11k_once = PTHREAD_ONCE_INIT;
static bool p11k_ready;       /* the whole table is filled */
static char p11k_error[160]; /* why not, when it is not */

static void
p11k_open(void)
{
    void *h = dlopen(FWUP_P11KIT_SONAME, RTLD_NOW | RTLD_LOCAL);
    void *sym;
    const char *e;

    if (h == NULL) {
        e = dlerror();
        snprintf(p11k_error, sizeof p11k_error, "%s", e != NULL ? e : FWUP_P11KIT_SONAME);
        return;
    }
    /* POSIX dlsym returns a data pointer; memcpy is the conversion ISO C
     * allows (a cast to a function pointer is not). */
#define P11K_BIND(f)                                                                            \
    sym = dlsym(h, #f);                                                                         \
    if (sym == NULL) {                                                                          \
        snprintf(p11k_error, sizeof p11k_error, "%s has no %s", FWUP_P11KIT_SONAME, #f);       \
        return;                                                                                 \
    }                                                                                           \
    memcpy(&p11k.f, &sym, sizeof sym);
    P11K_FUNCS(P11K_BIND)
#undef P11K_BIND
    p11k_ready = true;
}

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

/*
 * Map a CK_RV to the fwup error a user can act on; `dflt` for the rest.
 * One place, as STYLE.md §3 asks for a backend boundary.
 */
static enum fwup_err
map_rv(CK_RV rv, enum fwup_err dflt)
{
    switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_USER_NOT_LOGGED_IN:
    case CKR_USER_PIN_NOT_INITIALIZED:
        return FWUP_E_PKCS11_PIN;
    case CKR_PIN_LOCKED:
        return FWUP_E_PKCS11_PIN_LOCKED;
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_TOKEN_NOT_RECOGNIZED:
    case CKR_DEVICE_REMOVED:
    case CKR_SESSION_CLOSED:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SLOT_ID_INVALID:
        return FWUP_E_PKCS11_TOKEN;
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
        return FWUP_E_PKCS11_NOT_ALLOWED;
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_FUNCTION_NOT_SUPPORTED:
        return FWUP_E_PKCS11_MECHANISM;
    case CKR_HOST_MEMORY:
        return FWUP_E_NO_MEMORY;
    default:
        return dflt;
    }
}

/* Record e with a message and the raw CK_RV (first error wins, as fwup_diag_set). */
static enum fwup_err
p11_fail(struct fwup_diag *d, enum fwup_err e, CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum fwup_err
p11_fail(struct fwup_diag *d, enum fwup_err e, CK_RV rv, const char *fmt, ...)
{
    char msg[sizeof d->detail];
    va_list ap;
    bool fresh = d != NULL && d->code == FWUP_OK;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)fwup_diag_set(d, e, NULL, "%s", msg);
    if (fresh)
        d->backend = rv;
    return e;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */

/* Copy a space-padded PKCS#11 string into a NUL-terminated one (n = field size). */
static void
unpad(const CK_UTF8CHAR *s, size_t n, char *out, size_t cap)
{
    size_t len = p11k.p11_kit_space_strlen(s, n);

    if (len >= cap)
        len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* For describe strings: keep printable ASCII, '?' for the rest (labels are token data). */
static void
safe_copy(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t i;

    for (i = 0; i < n && i + 1 < cap; i++)
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'') ? (char)p[i] : '?';
    out[i] = '\0';
}

static void
hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        out[o++] = hx[p[i] >> 4];
        out[o++] = hx[p[i] & 15];
    }
    out[o] = '\0';
}

/*
 * Read one attribute into a malloc'd buffer (two-call idiom, capped).
 * Returns the token's CK_RV; *val is NULL on failure. A value of length 0 is
 * returned as a 1-byte allocation with *len = 0.
 */
static CK_RV
attr_get(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
         uint8_t **val, size_t *len)
{
    CK_ATTRIBUTE a = {t, NULL, 0};
    CK_RV rv;

    *val = NULL;
    *len = 0;
    rv = m->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK)
        return rv;
    /* CK_UNAVAILABLE_INFORMATION is ~0: caught by the cap as well. */
    if (a.ulValueLen > ATTR_MAX)
        return CKR_ATTRIBUTE_VALUE_INVALID;
    a.pValue = malloc(a.ulValueLen ? a.ulValueLen : 1);
    if (a.pValue == NULL)
        return CKR_HOST_MEMORY;
    rv = m->C_GetAttributeValue(s, o, &a, 1);
    if (rv != CKR_OK || a.ulValueLen > ATTR_MAX) {
        free(a.pValue);
        return rv != CKR_OK ? rv : CKR_ATTRIBUTE_VALUE_INVALID;
    }
    *val = a.pValue;
    *len = a.ulValueLen;
    return CKR_OK;
}

/* A CK_BBOOL attribute: 1 true, 0 false, -1 absent/unreadable. */
static int
attr_bool(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
    CK_BBOOL b = CK_FALSE;
    CK_ATTRIBUTE a = {t, &b, sizeof b};

    if (m->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != sizeof b)
        return -1;
    return b ? 1 : 0;
}

static bool
attr_ulong(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t,
           CK_ULONG *v)
{
    CK_ATTRIBUTE a = {t, v, sizeof *v};

    return m->C_GetAttributeValue(s, o, &a, 1) == CKR_OK && a.ulValueLen == sizeof *v;
}

/*
 * Curves by their CKA_EC_PARAMS. Tokens give either the DER OID (RFC 5480,
 * RFC 8410) or, for Edwards curves, a PrintableString with the curve name
 * (PKCS#11 v3.0 §2.3.5; SoftHSM 2.6 does this). Both are accepted.
 */
struct curve {
    enum fwup_key_kind kind; /* FWUP_KEY_NONE: known but not usable for signing here */
    const char *name;
    const char *ossl; /* OpenSSL group name or key type */
    size_t point_len; /* raw public key length */
    size_t len;
    uint8_t der[12];
};

static const struct curve curves[] = {
    {FWUP_KEY_P256, "P-256", "prime256v1", 65, 10,
     {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}},
    {FWUP_KEY_P384, "P-384", "secp384r1", 97, 7, {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}},
    {FWUP_KEY_NONE, "P-521", "secp521r1", 133, 7, {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}},
    {FWUP_KEY_ED25519, "Ed25519", "ED25519", 32, 5, {0x06, 0x03, 0x2b, 0x65, 0x70}},
    {FWUP_KEY_NONE, "Ed448", "ED448", 57, 5, {0x06, 0x03, 0x2b, 0x65, 0x71}},
};

static const struct curve *
curve_of(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (n == curves[i].len && memcmp(p, curves[i].der, n) == 0)
            return &curves[i];
    /* PrintableString (tag 0x13) "edwards25519" / "edwards448". */
    if (n == 14 && p[0] == 0x13 && p[1] == 12 && memcmp(p + 2, "edwards25519", 12) == 0)
        return &curves[3];
    if (n == 12 && p[0] == 0x13 && p[1] == 10 && memcmp(p + 2, "edwards448", 10) == 0)
        return &curves[4];
    return NULL;
}

static const char *
class_name(CK_ULONG c)
{
    switch (c) {
    case CKO_PRIVATE_KEY:
        return "private";
    case CKO_PUBLIC_KEY:
        return "public";
    case CKO_CERTIFICATE:
        return "cert";
    case CKO_SECRET_KEY:
        return "secret-key";
    case CKO_DATA:
        return "data";
    default:
        return "other";
    }
}

static const char *
key_type_name(CK_ULONG t)
{
    switch (t) {
    case CKK_EC:
        return "EC";
    case CKK_EC_EDWARDS:
        return "EC_EDWARDS";
    case CKK_RSA:
        return "RSA";
    case CKK_AES:
        return "AES";
    case CKK_GENERIC_SECRET:
        return "GENERIC_SECRET";
    default:
        return "other";
    }
}

/* ------------------------------------------------------------------------ */
/* Modules                                                                   */

/*
 * The modules one open or list works with. p11-kit "managed" loading
 * (flags 0) reference-counts C_Initialize/C_Finalize, so several signers in
 * one process (author and operator) can each load and finalize safely.
 */
struct modset {
    CK_FUNCTION_LIST **registered; /* p11_kit_modules_load*(), or NULL */
    CK_FUNCTION_LIST *single;      /* p11_kit_module_load() by path, or NULL */
    CK_FUNCTION_LIST *named;       /* the one picked from `registered` by name */
    bool all_initialized;          /* registered came from _load_and_initialize */
    CK_FUNCTION_LIST *list[64];    /* initialized modules to search, NULL-terminated */
    char path[256];                /* set when loaded by path */
};

static void
modset_release(struct modset *ms)
{
    if (ms->single != NULL) {
        (void)p11k.p11_kit_module_finalize(ms->single);
        p11k.p11_kit_module_release(ms->single);
    }
    if (ms->named != NULL)
        (void)p11k.p11_kit_module_finalize(ms->named);
    if (ms->registered != NULL) {
        if (ms->all_initialized)
            p11k.p11_kit_modules_finalize_and_release(ms->registered);
        else
            p11k.p11_kit_modules_release(ms->registered);
    }
    memset(ms, 0, sizeof *ms);
}

static enum fwup_err
modset_load(struct modset *ms, P11KitUri *uri, const struct fwup_signer_opts *opts,
            struct fwup_diag *d)
{
    const char *path = p11k.p11_kit_uri_get_module_path(uri);
    const char *name = p11k.p11_kit_uri_get_module_name(uri);
    CK_RV rv;
    size_t n = 0;

    memset(ms, 0, sizeof *ms);
    if (path == NULL && name == NULL && opts != NULL && opts->pkcs11_module != NULL &&
        opts->pkcs11_module[0] != '\0') {
        /* $FWUP_PKCS11_MODULE: a file if it looks like a path, else a registered name. */
        if (strchr(opts->pkcs11_module, '/') != NULL)
            path = opts->pkcs11_module;
        else
            name = opts->pkcs11_module;
    }
    if (path != NULL) {
        snprintf(ms->path, sizeof ms->path, "%s", path);
        ms->single = p11k.p11_kit_module_load(path, 0);
        if (ms->single == NULL)
            return p11_fail(d, FWUP_E_PKCS11_MODULE, 0, "cannot load PKCS#11 module '%s': %s",
                            path, p11k.p11_kit_message() ? p11k.p11_kit_message() : "unknown error");
        rv = p11k.p11_kit_module_initialize(ms->single);
        if (rv != CKR_OK) {
            p11k.p11_kit_module_release(ms->single);
            ms->single = NULL;
            return p11_fail(d, FWUP_E_PKCS11_MODULE, rv,
                            "PKCS#11 module '%s' failed to initialize: %s", path,
                            p11k.p11_kit_strerror(rv));
        }
        ms->list[0] = ms->single;
        return FWUP_OK;
    }
    if (name != NULL) {
        /* Load the registry without initializing: only the named module is started. */
        ms->registered = p11k.p11_kit_modules_load(NULL, 0);
        if (ms->registered != NULL)
            ms->named = p11k.p11_kit_module_for_name(ms->registered, name);
        if (ms->named == NULL) {
            enum fwup_err e =
                p11_fail(d, FWUP_E_PKCS11_MODULE, 0,
                         "no PKCS#11 module named '%s' is registered with p11-kit "
                         "(see 'p11-kit list-modules', or use module-path=)",
                         name);
            modset_release(ms);
            return e;
        }
        rv = p11k.p11_kit_module_initialize(ms->named);
        if (rv != CKR_OK) {
            ms->named = NULL;
            modset_release(ms);
            return p11_fail(d, FWUP_E_PKCS11_MODULE, rv,
                            "PKCS#11 module '%s' failed to initialize: %s", name,
                            p11k.p11_kit_strerror(rv));
        }
        ms->list[0] = ms->named;
        return FWUP_OK;
    }
    /* Every registered module; ones that fail to start are left out by p11-kit. */
    ms->registered = p11k.p11_kit_modules_load_and_initialize(0);
    ms->all_initialized = true;
    for (CK_FUNCTION_LIST **m = ms->registered; m != NULL && *m != NULL && n < 63; m++)
        ms->list[n++] = *m;
    if (n == 0) {
        modset_release(ms);
        return p11_fail(d, FWUP_E_PKCS11_MODULE, 0,
                        "no PKCS#11 module is registered with p11-kit: name one with "
                        "module-path= in the URI or $FWUP_PKCS11_MODULE");
    }
    return FWUP_OK;
}

/* Module name for messages and URIs: malloc'd, caller frees. */
static char *
module_label(const struct modset *ms, CK_FUNCTION_LIST *m)
{
    char *name;

    if (m == ms->single)
        return strdup(ms->path);
    name = p11k.p11_kit_module_get_name(m);
    return name != NULL ? name : strdup("unknown");
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                    */

struct tok {
    CK_FUNCTION_LIST *m;
    CK_SLOT_ID slot;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    char *module; /* malloc'd (module_label) */
    bool by_path; /* module was loaded by path: URIs carry module-path= */
};

struct toklist {
    struct tok *v;
    size_t n;
    char seen[120]; /* labels of every present token, for "no token matches" */
};

static void
toklist_free(struct toklist *tl)
{
    for (size_t i = 0; i < tl->n; i++)
        free(tl->v[i].module);
    free(tl->v);
    memset(tl, 0, sizeof *tl);
}

static void
seen_add(struct toklist *tl, const char *label)
{
    size_t used = strlen(tl->seen);

    if (used + strlen(label) + 5 >= sizeof tl->seen)
        return;
    snprintf(tl->seen + used, sizeof tl->seen - used, "%s'%s'", used ? ", " : "", label);
}

/* Every present token of the module set that the URI's module/slot/token parts match. */
static enum fwup_err
tokens_collect(const struct modset *ms, P11KitUri *uri, struct toklist *tl, struct fwup_diag *d)
{
    CK_SLOT_ID want_slot = p11k.p11_kit_uri_get_slot_id(uri);

    memset(tl, 0, sizeof *tl);
    for (size_t mi = 0; ms->list[mi] != NULL; mi++) {
        CK_FUNCTION_LIST *m = ms->list[mi];
        CK_INFO info;
        CK_SLOT_ID *slots;
        CK_ULONG nslots = 0;

        if (m->C_GetInfo(&info) != CKR_OK || !p11k.p11_kit_uri_match_module_info(uri, &info))
            continue;
        if (m->C_GetSlotList(CK_TRUE, NULL, &nslots) != CKR_OK || nslots == 0)
            continue;
        slots = calloc(nslots, sizeof *slots);
        if (slots == NULL) {
            toklist_free(tl);
            return p11_fail(d, FWUP_E_NO_MEMORY, 0, "out of memory");
        }
        if (m->C_GetSlotList(CK_TRUE, slots, &nslots) != CKR_OK)
            nslots = 0;
        for (CK_ULONG i = 0; i < nslots; i++) {
            struct tok t;
            struct tok *nv;
            char label[33];

            memset(&t, 0, sizeof t);
            if (m->C_GetSlotInfo(slots[i], &t.si) != CKR_OK ||
                m->C_GetTokenInfo(slots[i], &t.ti) != CKR_OK)
                continue;
            /* A slot with a blank token (SoftHSM keeps one free slot) holds
             * no keys and refuses sessions: not a candidate, not listed. */
            if (!(t.ti.flags & CKF_TOKEN_INITIALIZED))
                continue;
            unpad(t.ti.label, sizeof t.ti.label, label, sizeof label);
            seen_add(tl, label);
            /* Slot ids are not stable (SoftHSM reassigns them on init): users
             * should name tokens, but slot-id= is part of RFC 7512. */
            if (want_slot != (CK_SLOT_ID)-1 && slots[i] != want_slot)
                continue;
            if (!p11k.p11_kit_uri_match_slot_info(uri, &t.si) ||
                !p11k.p11_kit_uri_match_token_info(uri, &t.ti))
                continue;
            nv = realloc(tl->v, (tl->n + 1) * sizeof *nv);
            if (nv == NULL) {
                free(slots);
                toklist_free(tl);
                return p11_fail(d, FWUP_E_NO_MEMORY, 0, "out of memory");
            }
            tl->v = nv;
            t.m = m;
            t.slot = slots[i];
            t.module = module_label(ms, m);
            t.by_path = m == ms->single;
            tl->v[tl->n++] = t;
        }
        free(slots);
    }
    return FWUP_OK;
}

/* ------------------------------------------------------------------------ */
/* PINs                                                                      */

struct pinsrc {
    const char *value;  /* pin-value= (owned by the parsed URI) */
    const char *source; /* pin-source= */
    const struct fwup_signer_opts *opts;
};

static bool
pin_given(const struct pinsrc *ps)
{
    return ps->value != NULL || ps->source != NULL ||
           (ps->opts != NULL && ps->opts->pkcs11_pin != NULL);
}

/*
 * Read a pin-source file: the PIN is its content up to the first newline.
 * The file is opened once and read to EOF, so a FIFO works (tests use one to
 * prove the PIN is asked for once per signer).
 */
static enum fwup_err
pin_from_file(const char *src, char *buf, size_t cap, struct fwup_diag *d)
{
    const char *path = src;
    size_t n = 0;
    int fd;
    char *nl;

    if (strncmp(path, "file:", 5) == 0) {
        path += 5;
        if (strncmp(path, "//", 2) == 0) /* file:///abs/path */
            path += 2;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return p11_fail(d, FWUP_E_IO_OPEN, 0, "cannot open pin-source '%s': %s", path,
                        strerror(errno));
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = errno;
            close(fd);
            fwup_wipe(buf, cap);
            return p11_fail(d, FWUP_E_IO_READ, 0, "cannot read pin-source '%s': %s", path,
                            strerror(err));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap - 1)
            break;
    }
    close(fd);
    buf[n] = '\0';
    nl = strpbrk(buf, "\r\n");
    if (nl != NULL)
        *nl = '\0';
    return FWUP_OK;
}

/* The PIN for `token_label` from the first source that has one (see fwup/p11.h). */
static enum fwup_err
pin_get(const struct pinsrc *ps, const char *token_label, char *buf, size_t cap,
        struct fwup_diag *d)
{
    buf[0] = '\0';
    if (ps->value != NULL) {
        if (strlen(ps->value) >= cap)
            return p11_fail(d, FWUP_E_PKCS11_PIN, 0, "pin-value is too long");
        memcpy(buf, ps->value, strlen(ps->value) + 1);
        return FWUP_OK;
    }
    if (ps->source != NULL)
        return pin_from_file(ps->source, buf, cap, d);
    if (ps->opts != NULL && ps->opts->pkcs11_pin != NULL) {
        if (strlen(ps->opts->pkcs11_pin) >= cap)
            return p11_fail(d, FWUP_E_PKCS11_PIN, 0, "PIN is too long");
        memcpy(buf, ps->opts->pkcs11_pin, strlen(ps->opts->pkcs11_pin) + 1);
        return FWUP_OK;
    }
    if (ps->opts != NULL && ps->opts->secret_cb != NULL) {
        char prompt[96];
        enum fwup_err e;

        snprintf(prompt, sizeof prompt, "PIN for token '%s'", token_label);
        e = ps->opts->secret_cb(ps->opts->secret_ctx, "pin", prompt, buf, cap);
        if (e == FWUP_OK)
            return FWUP_OK;
        fwup_wipe(buf, cap);
    }
    return p11_fail(d, FWUP_E_PKCS11_PIN, 0,
                    "no PIN for token '%s': add pin-source= to the URI, set FWUP_PKCS11_PIN, "
                    "or run on a terminal",
                    token_label);
}

/*
 * Log in as the user. Returns FWUP_OK also when the application was already
 * logged in (another signer of this process holds a session on the token).
 * *fresh tells whether this call did the login.
 */
static enum fwup_err
token_login(const struct tok *t, CK_SESSION_HANDLE s, const struct pinsrc *ps, bool *fresh,
            struct fwup_diag *d)
{
    char label[33];
    char pin[PIN_CAP];
    CK_RV rv;
    enum fwup_err e;

    *fresh = false;
    unpad(t->ti.label, sizeof t->ti.label, label, sizeof label);
    /* Refuse before trying: a locked PIN cannot work, and the token says so. */
    if (t->ti.flags & CKF_USER_PIN_LOCKED)
        return p11_fail(d, FWUP_E_PKCS11_PIN_LOCKED, CKR_PIN_LOCKED,
                        "user PIN of token '%s' is locked (too many wrong PINs); "
                        "the security officer must reset it",
                        label);
    if ((t->ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) && !pin_given(ps)) {
        /* PIN pad or biometric: the token asks the user itself. */
        rv = t->m->C_Login(s, CKU_USER, NULL, 0);
    } else {
        e = pin_get(ps, label, pin, sizeof pin, d);
        if (e != FWUP_OK)
            return e;
        rv = t->m->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, (CK_ULONG)strlen(pin));
        FWUP_WIPE_VAR(pin);
    }
    if (rv == CKR_OK) {
        *fresh = true;
        return FWUP_OK;
    }
    if (rv == CKR_USER_ALREADY_LOGGED_IN)
        return FWUP_OK;
    if (rv == CKR_PIN_INCORRECT) {
        CK_TOKEN_INFO ti;
        const char *hint = "";

        /* Tell the user how close the token is to locking (flags updated by the failure). */
        if (t->m->C_GetTokenInfo(t->slot, &ti) == CKR_OK) {
            if (ti.flags & CKF_USER_PIN_LOCKED)
                hint = "; the PIN is now locked";
            else if (ti.flags & CKF_USER_PIN_FINAL_TRY)
                hint = "; one more wrong PIN locks it";
            else if (ti.flags & CKF_USER_PIN_COUNT_LOW)
                hint = "; few tries left";
        }
        return p11_fail(d, FWUP_E_PKCS11_PIN, rv, "wrong PIN for token '%s'%s", label, hint);
    }
    e = map_rv(rv, FWUP_E_PKCS11);
    return p11_fail(d, e, rv, "login to token '%s' failed: %s", label, p11k.p11_kit_strerror(rv));
}

/* ------------------------------------------------------------------------ */
/* Object search                                                             */

/*
 * Find up to `max` objects of class `cls` (or the URI's type= when cls is
 * ~0) that match the URI's object attributes.
 */
static CK_RV
find_objects(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, P11KitUri *uri, CK_ULONG cls,
             CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *count)
{
    CK_ULONG n = 0, t = 0;
    CK_ATTRIBUTE *ua = p11k.p11_kit_uri_get_attributes(uri, &n);
    CK_ATTRIBUTE tmpl[8];
    CK_RV rv, rv2;

    *count = 0;
    if (cls != (CK_ULONG)-1)
        tmpl[t++] = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
    for (CK_ULONG i = 0; i < n && t < 8; i++)
        if (ua[i].type != CKA_CLASS || cls == (CK_ULONG)-1)
            tmpl[t++] = ua[i];
    rv = m->C_FindObjectsInit(s, tmpl, t);
    if (rv != CKR_OK)
        return rv;
    rv = m->C_FindObjects(s, out, max, count);
    rv2 = m->C_FindObjectsFinal(s);
    return rv != CKR_OK ? rv : rv2;
}

/* ------------------------------------------------------------------------ */
/* Public key                                                                */

/*
 * CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 v2.40
 * §2.3.3); a few tokens return the bare point. Decide by the length the
 * curve needs, not by the first byte: an uncompressed EC point also starts
 * with 0x04, the OCTET STRING tag.
 */
static bool
ec_point_raw(const uint8_t *p, size_t n, const struct curve *c, const uint8_t **out)
{
    if (n == c->point_len) {
        *out = p;
        return true;
    }
    if (c->point_len < 128 && n == c->point_len + 2 && p[0] == 0x04 && p[1] == c->point_len) {
        *out = p + 2;
        return true;
    }
    if (c->point_len >= 128 && c->point_len < 256 && n == c->point_len + 3 && p[0] == 0x04 &&
        p[1] == 0x81 && p[2] == c->point_len) {
        *out = p + 3;
        return true;
    }
    return false;
}

/* DER SubjectPublicKeyInfo from a curve and raw point (malloc'd). */
static enum fwup_err
spki_from_point(const struct curve *c, const uint8_t *pt, uint8_t **der, size_t *der_len,
                struct fwup_diag *d)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t *buf = NULL, *w;
    int len;
    enum fwup_err e = FWUP_E_KEY_FORMAT;

    if (c->kind == FWUP_KEY_ED25519) {
        pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt, c->point_len);
    } else {
        OSSL_PARAM params[3] = {
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)c->ossl,
                                             0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)pt,
                                              c->point_len),
            OSSL_PARAM_construct_end(),
        };
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
            EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pk = NULL;
    }
    if (pk == NULL) {
        (void)p11_fail(d, FWUP_E_KEY_FORMAT, 0, "token public key is not a valid %s point",
                       c->name);
        goto out;
    }
    len = i2d_PUBKEY(pk, NULL);
    if (len <= 0 || (buf = malloc((size_t)len)) == NULL) {
        e = p11_fail(d, len <= 0 ? FWUP_E_CRYPTO : FWUP_E_NO_MEMORY, 0,
                     "cannot encode the public key");
        goto out;
    }
    w = buf;
    if (i2d_PUBKEY(pk, &w) != len) {
        free(buf);
        buf = NULL;
        e = p11_fail(d, FWUP_E_CRYPTO, 0, "cannot encode the public key");
        goto out;
    }
    *der = buf;
    *der_len = (size_t)len;
    e = FWUP_OK;
out:
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(ctx);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Login sharing                                                             */

/*
 * PKCS#11 login state belongs to the application and token, not to a
 * session (v2.40 §5.6): a second signer of this process on the same token
 * (author and operator keys side by side) gets CKR_USER_ALREADY_LOGGED_IN and
 * rides on the first one's login, and a C_Logout by either ends it for both
 * (seen with SoftHSM: the other signer's key handle turns invalid). So logins
 * are counted per token identity, and only the last signer to go logs out.
 */
struct login_ref {
    struct login_ref *next;
    uint8_t id[32 + 32 + 16 + 16]; /* label, manufacturerID, model, serialNumber */
    unsigned count;
};

static pthread_mutex_t login_mu = PTHREAD_MUTEX_INITIALIZER;
static struct login_ref *login_refs;

static void
token_identity(const CK_TOKEN_INFO *ti, uint8_t id[96])
{
    memcpy(id, ti->label, 32);
    memcpy(id + 32, ti->manufacturerID, 32);
    memcpy(id + 64, ti->model, 16);
    memcpy(id + 80, ti->serialNumber, 16);
}

/* Count one more signer logged in to the token; false when out of memory. */
static bool
login_ref_take(const CK_TOKEN_INFO *ti)
{
    uint8_t id[96];
    struct login_ref *r;
    bool ok = true;

    token_identity(ti, id);
    pthread_mutex_lock(&login_mu);
    for (r = login_refs; r != NULL; r = r->next)
        if (memcmp(r->id, id, sizeof id) == 0)
            break;
    if (r == NULL && (r = calloc(1, sizeof *r)) != NULL) {
        memcpy(r->id, id, sizeof id);
        r->next = login_refs;
        login_refs = r;
    }
    if (r != NULL)
        r->count++;
    else
        ok = false;
    pthread_mutex_unlock(&login_mu);
    return ok;
}

/* Drop one; true if it was the last (the caller then logs out). */
static bool
login_ref_drop(const CK_TOKEN_INFO *ti)
{
    uint8_t id[96];
    struct login_ref **pp, *r;
    bool last = true;

    token_identity(ti, id);
    pthread_mutex_lock(&login_mu);
    for (pp = &login_refs; (r = *pp) != NULL; pp = &r->next) {
        if (memcmp(r->id, id, sizeof id) != 0)
            continue;
        last = --r->count == 0;
        if (last) {
            *pp = r->next;
            free(r);
        }
        break;
    }
    pthread_mutex_unlock(&login_mu);
    return last;
}

/* ------------------------------------------------------------------------ */
/* The signer                                                                */

struct p11_state {
    struct modset ms;
    struct tok tok;
    CK_SESSION_HANDLE session;
    bool session_open;
    bool logged_in; /* holds a login_ref on the token */
    CK_OBJECT_HANDLE priv;
    const struct curve *curve;
    uint8_t id[64];
    size_t id_len;
    uint8_t label[64];
    size_t label_len;
    /* Keys with CKA_ALWAYS_AUTHENTICATE (PIV signature slot) need the PIN
     * again after every C_SignInit (PKCS#11 v2.40 §4.9): kept in secure heap
     * only for them, wiped in destroy. */
    bool always_auth;
    char *ctx_pin;
    uint8_t *spki; /* cached DER SubjectPublicKeyInfo */
    size_t spki_len;
};

static void
p11_destroy(struct fwup_signer *s)
{
    struct p11_state *st = s->state;

    if (st == NULL)
        return;
    if (st->session_open) {
        /* The last signer logged in to this token logs out (login_ref_*). */
        if (st->logged_in && login_ref_drop(&st->tok.ti))
            (void)st->tok.m->C_Logout(st->session);
        (void)st->tok.m->C_CloseSession(st->session);
    }
    if (st->ctx_pin != NULL)
        OPENSSL_secure_clear_free(st->ctx_pin, PIN_CAP);
    free(st->spki);
    free(st->tok.module);
    modset_release(&st->ms);
    fwup_wipe(st, sizeof *st);
    free(st);
    s->state = NULL;
}

/* COSE alg -> digest for ECDSA, and a check that the alg fits the key. */
static enum fwup_err
alg_md(const struct p11_state *st, int32_t alg, const EVP_MD **md, struct fwup_diag *d)
{
    *md = NULL;
    switch (st->curve->kind) {
    case FWUP_KEY_P256:
        if (alg == FWUP_COSE_ES256 || alg == FWUP_COSE_ESP256) {
            *md = EVP_sha256();
            return FWUP_OK;
        }
        break;
    case FWUP_KEY_P384:
        if (alg == FWUP_COSE_ES384 || alg == FWUP_COSE_ESP384) {
            *md = EVP_sha384();
            return FWUP_OK;
        }
        break;
    case FWUP_KEY_ED25519:
        if (alg == FWUP_COSE_EDDSA || alg == FWUP_COSE_ED25519)
            return FWUP_OK;
        break;
    default:
        break;
    }
    return p11_fail(d, FWUP_E_KEY_ALG_MISMATCH, 0, "COSE algorithm %d does not fit a %s key",
                    (int)alg, st->curve->name);
}

/*
 * A non-conforming token may hand back a DER ECDSA-Sig-Value instead of the
 * raw r||s PKCS#11 specifies; convert it rather than emit a COSE signature
 * no verifier accepts.
 */
static bool
ecdsa_der_to_raw(uint8_t *sig, size_t *len, size_t coord)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)*len);
    const BIGNUM *r, *sv;
    uint8_t raw[132];
    bool ok;

    if (es == NULL || p != sig + *len)
        return ECDSA_SIG_free(es), false;
    ECDSA_SIG_get0(es, &r, &sv);
    ok = BN_bn2binpad(r, raw, (int)coord) == (int)coord &&
         BN_bn2binpad(sv, raw + coord, (int)coord) == (int)coord;
    ECDSA_SIG_free(es);
    if (ok) {
        memcpy(sig, raw, 2 * coord);
        *len = 2 * coord;
    }
    return ok;
}

static enum fwup_err
p11_sign(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs, uint8_t sig[132],
         size_t *sig_len, struct fwup_diag *d)
{
    struct p11_state *st = s->state;
    const EVP_MD *md;
    uint8_t dgst[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
    const uint8_t *in = tbs.ptr;
    size_t inlen = tbs.len;
    CK_ULONG out_len = 132;
    size_t want;
    CK_RV rv;
    enum fwup_err e;

    *sig_len = 0;
    e = alg_md(st, alg, &md, d);
    if (e != FWUP_OK)
        return e;
    if (md != NULL) {
        /* The token signs a digest: SoftHSM and most HSMs lack CKM_ECDSA_SHA256,
         * and hashing here keeps a large manifest off a slow token link. */
        if (EVP_Digest(tbs.ptr, tbs.len, dgst, &dlen, md, NULL) != 1)
            return p11_fail(d, FWUP_E_CRYPTO, 0, "digest failed");
        in = dgst;
        inlen = dlen;
        want = st->curve->kind == FWUP_KEY_P256 ? 64 : 96;
    } else {
        mech.mechanism = CKM_EDDSA; /* no parameters = pure Ed25519 */
        want = 64;
    }
    rv = st->tok.m->C_SignInit(st->session, &mech, st->priv);
    if (rv != CKR_OK)
        return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv, "C_SignInit on %s: %s", s->describe,
                        p11k.p11_kit_strerror(rv));
    if (st->always_auth) {
        CK_ULONG pl = st->ctx_pin != NULL ? (CK_ULONG)strlen(st->ctx_pin) : 0;
        rv = st->tok.m->C_Login(st->session, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR *)st->ctx_pin,
                                pl);
        if (rv != CKR_OK) {
            /* Terminate the pending operation (a NULL-buffer C_Sign does not). */
            (void)st->tok.m->C_SignInit(st->session, NULL, st->priv);
            return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv,
                            "context-specific login for %s: %s", s->describe,
                            p11k.p11_kit_strerror(rv));
        }
    }
    rv = st->tok.m->C_Sign(st->session, (CK_BYTE *)(uintptr_t)in, (CK_ULONG)inlen, sig, &out_len);
    fwup_wipe(dgst, sizeof dgst);
    if (rv != CKR_OK)
        return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv, "C_Sign on %s: %s", s->describe,
                        p11k.p11_kit_strerror(rv));
    *sig_len = out_len;
    if (*sig_len != want && md != NULL && sig[0] == 0x30)
        (void)ecdsa_der_to_raw(sig, sig_len, want / 2);
    if (*sig_len != want) {
        *sig_len = 0;
        return p11_fail(d, FWUP_E_PKCS11, 0, "token returned a %lu-byte signature, expected %zu",
                        (unsigned long)out_len, want);
    }
    return FWUP_OK;
}

/*
 * The public key: the CKO_PUBLIC_KEY with the private key's CKA_ID (RFC 7512
 * and every token's convention pair keys by id), else a certificate with that
 * id (smart cards often keep only the certificate).
 */
static enum fwup_err
p11_public_der(struct fwup_signer *s, uint8_t **der, size_t *der_len, struct fwup_diag *d)
{
    struct p11_state *st = s->state;
    CK_FUNCTION_LIST *m = st->tok.m;
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, st->id, st->id_len}};
    CK_OBJECT_HANDLE h;
    CK_ULONG cnt = 0;
    uint8_t *params = NULL, *point = NULL, *val = NULL;
    size_t plen, ptlen, vlen;
    const uint8_t *raw;
    enum fwup_err e = FWUP_E_PKCS11_NO_KEY;
    CK_RV rv;

    *der = NULL;
    *der_len = 0;
    if (st->spki == NULL) {
        if (st->id_len == 0) /* no id: pair by label instead */
            tmpl[1] = (CK_ATTRIBUTE){CKA_LABEL, st->label, st->label_len};
        for (int pass = 0; pass < 2 && st->spki == NULL; pass++) {
            cls = pass == 0 ? CKO_PUBLIC_KEY : CKO_CERTIFICATE;
            rv = m->C_FindObjectsInit(st->session, tmpl, 2);
            if (rv != CKR_OK)
                return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv, "C_FindObjectsInit: %s",
                                p11k.p11_kit_strerror(rv));
            rv = m->C_FindObjects(st->session, &h, 1, &cnt);
            (void)m->C_FindObjectsFinal(st->session);
            if (rv != CKR_OK || cnt == 0)
                continue;
            if (pass == 0) {
                const struct curve *c;
                if (attr_get(m, st->session, h, CKA_EC_PARAMS, &params, &plen) != CKR_OK ||
                    attr_get(m, st->session, h, CKA_EC_POINT, &point, &ptlen) != CKR_OK) {
                    e = p11_fail(d, FWUP_E_KEY_FORMAT, 0,
                                 "public key of %s has no EC parameters or point", s->describe);
                    goto out;
                }
                c = curve_of(params, plen);
                if (c != st->curve || !ec_point_raw(point, ptlen, c, &raw)) {
                    e = p11_fail(d, FWUP_E_KEY_FORMAT, 0,
                                 "public key of %s does not match its private key's curve",
                                 s->describe);
                    goto out;
                }
                e = spki_from_point(c, raw, &st->spki, &st->spki_len, d);
                if (e != FWUP_OK)
                    goto out;
            } else {
                const unsigned char *p;
                X509 *x;
                EVP_PKEY *pk;
                int len;

                if (attr_get(m, st->session, h, CKA_VALUE, &val, &vlen) != CKR_OK)
                    continue;
                p = val;
                x = d2i_X509(NULL, &p, (long)vlen);
                pk = x != NULL ? X509_get0_pubkey(x) : NULL;
                len = pk != NULL ? i2d_PUBKEY(pk, NULL) : -1;
                if (len > 0 && (st->spki = malloc((size_t)len)) != NULL) {
                    unsigned char *w = st->spki;
                    st->spki_len = (size_t)i2d_PUBKEY(pk, &w);
                }
                X509_free(x);
            }
        }
        if (st->spki == NULL) {
            e = p11_fail(d, FWUP_E_PKCS11_NO_KEY, 0,
                         "no public key or certificate with the id of %s on the token",
                         s->describe);
            goto out;
        }
    }
    *der = malloc(st->spki_len);
    if (*der == NULL) {
        e = p11_fail(d, FWUP_E_NO_MEMORY, 0, "out of memory");
        goto out;
    }
    memcpy(*der, st->spki, st->spki_len);
    *der_len = st->spki_len;
    e = FWUP_OK;
out:
    free(params);
    free(point);
    free(val);
    return e;
}

static const struct fwup_signer_ops p11_ops = {
    .sign = p11_sign,
    .public_der = p11_public_der,
    .destroy = p11_destroy,
};

/* Fill the p11-kit table (once per process); FWUP_E_PKCS11_MODULE if not. */
static enum fwup_err
p11k_load(struct fwup_diag *d)
{
    (void)pthread_once(&p11k_once, p11k_open);
    if (!p11k_ready)
        return p11_fail(d, FWUP_E_PKCS11_MODULE, 0, "cannot load p11-kit: %s",
                        p11k_error[0] != '\0' ? p11k_error : FWUP_P11KIT_SONAME);
    return FWUP_OK;
}

/* Parse and vet a URI (FWUP_E_URI on anything we would not honour exactly). */
static enum fwup_err
uri_parse(const char *text, P11KitUri **out, struct fwup_diag *d)
{
    P11KitUri *uri;
    int r;
    enum fwup_err e;

    *out = NULL;
    e = p11k_load(d);
    if (e != FWUP_OK)
        return e;
    uri = p11k.p11_kit_uri_new();
    if (uri == NULL)
        return p11_fail(d, FWUP_E_NO_MEMORY, 0, "out of memory");
    r = p11k.p11_kit_uri_parse(text != NULL ? text : "pkcs11:", P11_KIT_URI_FOR_ANY, uri);
    if (r != P11_KIT_URI_OK) {
        p11k.p11_kit_uri_free(uri);
        return p11_fail(d, FWUP_E_URI, 0, "malformed PKCS#11 URI: %s", p11k.p11_kit_uri_message(r));
    }
    /* An attribute p11-kit did not understand would be silently dropped from
     * the match, which widens it: refuse instead. */
    if (p11k.p11_kit_uri_any_unrecognized(uri)) {
        p11k.p11_kit_uri_free(uri);
        return p11_fail(d, FWUP_E_URI, 0,
                        "PKCS#11 URI has an attribute fwup does not know (RFC 7512 names only)");
    }
    *out = uri;
    return FWUP_OK;
}

/*
 * Free a parsed URI after wiping its pin-value. p11-kit frees it without
 * clearing; the string is ours (the URI object is), so clearing it through a
 * non-const alias is sound.
 */
static void
uri_free(P11KitUri *uri)
{
    const char *pv;

    if (uri == NULL)
        return;
    pv = p11k.p11_kit_uri_get_pin_value(uri);
    if (pv != NULL) {
        char *w;
        memcpy(&w, &pv, sizeof w); /* drop const without -Wcast-qual noise */
        fwup_wipe(w, strlen(w));
    }
    p11k.p11_kit_uri_free(uri);
}

/* Does the token, seen without logging in, show an object the URI names? */
static bool
token_shows_key(const struct tok *t, CK_SESSION_HANDLE s, P11KitUri *uri)
{
    static const CK_ULONG classes[] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE};
    CK_OBJECT_HANDLE h;
    CK_ULONG cnt;

    for (size_t i = 0; i < 3; i++)
        if (find_objects(t->m, s, uri, classes[i], &h, 1, &cnt) == CKR_OK && cnt > 0)
            return true;
    return false;
}

/*
 * Pick the one token to use among tl. A single candidate is taken as is.
 * With several, prefer those that show the key before login; a PIN is never
 * tried on more than one token.
 */
static enum fwup_err
token_choose(struct toklist *tl, P11KitUri *uri, size_t *pick, CK_SESSION_HANDLE *session,
             struct fwup_diag *d)
{
    size_t shows = 0, shows_at = 0, login = 0, login_at = 0;
    char names[100] = "";
    CK_RV rv;

    if (tl->n == 1) {
        *pick = 0;
        rv = tl->v[0].m->C_OpenSession(tl->v[0].slot, CKF_SERIAL_SESSION, NULL, NULL, session);
        if (rv != CKR_OK)
            return p11_fail(d, map_rv(rv, FWUP_E_PKCS11_TOKEN), rv, "cannot open a session: %s",
                            p11k.p11_kit_strerror(rv));
        return FWUP_OK;
    }
    for (size_t i = 0; i < tl->n; i++) {
        CK_SESSION_HANDLE s;
        char label[33];
        size_t used = strlen(names);

        unpad(tl->v[i].ti.label, sizeof tl->v[i].ti.label, label, sizeof label);
        if (used + strlen(label) + 5 < sizeof names)
            snprintf(names + used, sizeof names - used, "%s'%s'", used ? ", " : "", label);
        if (tl->v[i].m->C_OpenSession(tl->v[i].slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
            CKR_OK)
            continue;
        if (token_shows_key(&tl->v[i], s, uri)) {
            shows++;
            shows_at = i;
        }
        (void)tl->v[i].m->C_CloseSession(s);
        if (tl->v[i].ti.flags & CKF_LOGIN_REQUIRED) {
            login++;
            login_at = i;
        }
    }
    if (shows == 1)
        *pick = shows_at;
    else if (shows == 0 && login == 1)
        *pick = login_at;
    else
        return p11_fail(d, FWUP_E_PKCS11_AMBIGUOUS, 0,
                        "%zu tokens match (%s): add token= to the URI", tl->n, names);
    rv = tl->v[*pick].m->C_OpenSession(tl->v[*pick].slot, CKF_SERIAL_SESSION, NULL, NULL, session);
    if (rv != CKR_OK)
        return p11_fail(d, map_rv(rv, FWUP_E_PKCS11_TOKEN), rv, "cannot open a session: %s",
                        p11k.p11_kit_strerror(rv));
    return FWUP_OK;
}

/* "'label' id 0a0b, 'label2' id 0c" for an ambiguity message. */
static void
describe_matches(CK_FUNCTION_LIST *m, CK_SESSION_HANDLE s, const CK_OBJECT_HANDLE *h, CK_ULONG n,
                 char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (CK_ULONG i = 0; i < n; i++) {
        uint8_t *lab = NULL, *id = NULL;
        size_t ll = 0, il = 0;
        char sl[40], sh[40];
        int w;

        (void)attr_get(m, s, h[i], CKA_LABEL, &lab, &ll);
        (void)attr_get(m, s, h[i], CKA_ID, &id, &il);
        safe_copy(lab != NULL ? lab : (const uint8_t *)"", ll, sl, sizeof sl);
        hex(id != NULL ? id : (const uint8_t *)"", il, sh, sizeof sh);
        free(lab);
        free(id);
        w = snprintf(out + used, cap - used, "%s'%s' id %s", i ? ", " : "", sl,
                     sh[0] ? sh : "(none)");
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
}

/* Is `mech` in the slot's mechanism list? */
static bool
mech_listed(CK_FUNCTION_LIST *m, CK_SLOT_ID slot, CK_MECHANISM_TYPE mech)
{
    CK_MECHANISM_TYPE *v;
    CK_ULONG n = 0;
    bool found = false;

    if (m->C_GetMechanismList(slot, NULL, &n) != CKR_OK || n == 0 || n > 4096)
        return false;
    v = calloc(n, sizeof *v);
    if (v == NULL)
        return false;
    if (m->C_GetMechanismList(slot, v, &n) == CKR_OK)
        for (CK_ULONG i = 0; i < n && !found; i++)
            found = v[i] == mech;
    free(v);
    return found;
}

/* Read what the signer needs about the private key and check it can sign. */
static enum fwup_err
key_inspect(struct p11_state *st, struct fwup_diag *d)
{
    CK_FUNCTION_LIST *m = st->tok.m;
    CK_SESSION_HANDLE s = st->session;
    CK_ULONG kt = 0;
    uint8_t *v = NULL;
    size_t n = 0;
    char what[100], lab[40], idh[40];
    CK_MECHANISM_INFO mi;
    CK_MECHANISM_TYPE mech;
    CK_RV rv;

    if (attr_get(m, s, st->priv, CKA_ID, &v, &n) == CKR_OK && n <= sizeof st->id) {
        memcpy(st->id, v, n);
        st->id_len = n;
    }
    free(v);
    if (attr_get(m, s, st->priv, CKA_LABEL, &v, &n) == CKR_OK && n <= sizeof st->label) {
        memcpy(st->label, v, n);
        st->label_len = n;
    }
    free(v);
    safe_copy(st->label, st->label_len, lab, sizeof lab);
    hex(st->id, st->id_len, idh, sizeof idh);
    snprintf(what, sizeof what, "key '%s' id %s", lab, idh[0] ? idh : "(none)");

    if (!attr_ulong(m, s, st->priv, CKA_KEY_TYPE, &kt))
        return p11_fail(d, FWUP_E_PKCS11, 0, "cannot read the key type of %s", what);
    if (kt != CKK_EC && kt != CKK_EC_EDWARDS)
        return p11_fail(d, FWUP_E_KEY_FORMAT, 0,
                        "%s is a %s key: fwup signs with P-256, P-384 or Ed25519", what,
                        key_type_name(kt));
    rv = attr_get(m, s, st->priv, CKA_EC_PARAMS, &v, &n);
    if (rv != CKR_OK)
        return p11_fail(d, FWUP_E_PKCS11, rv, "cannot read the curve of %s: %s", what,
                        p11k.p11_kit_strerror(rv));
    st->curve = curve_of(v, n);
    free(v);
    if (st->curve == NULL || st->curve->kind == FWUP_KEY_NONE)
        return p11_fail(d, FWUP_E_KEY_FORMAT, 0,
                        "%s is on curve %s: fwup signs with P-256, P-384 or Ed25519", what,
                        st->curve != NULL ? st->curve->name : "(unknown)");
    /* Fail at open, not in the middle of a batch: CKA_SIGN false means
     * C_SignInit would return CKR_KEY_FUNCTION_NOT_PERMITTED. */
    if (attr_bool(m, s, st->priv, CKA_SIGN) == 0)
        return p11_fail(d, FWUP_E_PKCS11_NOT_ALLOWED, CKR_KEY_FUNCTION_NOT_PERMITTED,
                        "%s is not allowed to sign (CKA_SIGN is false)", what);
    st->always_auth = attr_bool(m, s, st->priv, CKA_ALWAYS_AUTHENTICATE) == 1;
    mech = st->curve->kind == FWUP_KEY_ED25519 ? CKM_EDDSA : CKM_ECDSA;
    /* Both the list and the info: SoftHSM answers C_GetMechanismInfo for a
     * mechanism its slots.mechanisms config has removed from the list. */
    rv = mech_listed(m, st->tok.slot, mech) ? m->C_GetMechanismInfo(st->tok.slot, mech, &mi)
                                           : CKR_MECHANISM_INVALID;
    if (rv != CKR_OK || !(mi.flags & CKF_SIGN))
        return p11_fail(d, FWUP_E_PKCS11_MECHANISM, rv,
                        "token does not offer %s for signing (needed for %s)",
                        mech == CKM_EDDSA ? "CKM_EDDSA" : "CKM_ECDSA", what);
    return FWUP_OK;
}

enum fwup_err
fwup_p11_signer_open(const char *uri_text, const struct fwup_signer_opts *opts,
                     struct fwup_signer **out, struct fwup_diag *diag)
{
    P11KitUri *uri = NULL;
    struct fwup_signer *s = NULL;
    struct p11_state *st = NULL;
    struct toklist tl = {0};
    struct pinsrc ps;
    size_t pick = 0;
    CK_OBJECT_HANDLE found[MAX_MATCH];
    CK_ULONG cnt = 0;
    CK_RV rv;
    enum fwup_err e;
    char tlabel[33], lab[40], idh[40];

    if (uri_text == NULL || out == NULL)
        return p11_fail(diag, FWUP_E_INVALID_ARG, 0, "no URI");
    *out = NULL;
    e = uri_parse(uri_text, &uri, diag);
    if (e != FWUP_OK)
        return e;
    s = calloc(1, sizeof *s);
    st = calloc(1, sizeof *st);
    if (s == NULL || st == NULL) {
        e = p11_fail(diag, FWUP_E_NO_MEMORY, 0, "out of memory");
        goto out;
    }
    s->ops = &p11_ops;
    s->state = st;
    ps.value = p11k.p11_kit_uri_get_pin_value(uri);
    ps.source = p11k.p11_kit_uri_get_pin_source(uri);
    ps.opts = opts;

    e = modset_load(&st->ms, uri, opts, diag);
    if (e != FWUP_OK)
        goto out;
    e = tokens_collect(&st->ms, uri, &tl, diag);
    if (e != FWUP_OK)
        goto out;
    if (tl.n == 0) {
        e = p11_fail(diag, FWUP_E_PKCS11_TOKEN, 0, "no token matches the URI (present: %s)",
                     tl.seen[0] ? tl.seen : "none");
        goto out;
    }
    e = token_choose(&tl, uri, &pick, &st->session, diag);
    if (e != FWUP_OK)
        goto out;
    st->session_open = true;
    /* Take the chosen token out of the list (its module name moves with it). */
    st->tok = tl.v[pick];
    tl.v[pick].module = NULL;

    if ((st->tok.ti.flags & CKF_LOGIN_REQUIRED) || pin_given(&ps)) {
        bool fresh;
        e = token_login(&st->tok, st->session, &ps, &fresh, diag);
        if (e != FWUP_OK)
            goto out;
        if (!login_ref_take(&st->tok.ti)) {
            if (fresh)
                (void)st->tok.m->C_Logout(st->session);
            e = p11_fail(diag, FWUP_E_NO_MEMORY, 0, "out of memory");
            goto out;
        }
        st->logged_in = true;
    }
    rv = find_objects(st->tok.m, st->session, uri, CKO_PRIVATE_KEY, found, MAX_MATCH, &cnt);
    unpad(st->tok.ti.label, sizeof st->tok.ti.label, tlabel, sizeof tlabel);
    if (rv != CKR_OK) {
        e = p11_fail(diag, map_rv(rv, FWUP_E_PKCS11), rv, "key search on token '%s': %s",
                     tlabel, p11k.p11_kit_strerror(rv));
        goto out;
    }
    if (cnt == 0) {
        e = p11_fail(diag, FWUP_E_PKCS11_NO_KEY, 0,
                     "no private key on token '%s' matches the URI (see 'fwup keys list')",
                     tlabel);
        goto out;
    }
    if (cnt > 1) {
        char list[120];
        describe_matches(st->tok.m, st->session, found, cnt, list, sizeof list);
        e = p11_fail(diag, FWUP_E_PKCS11_AMBIGUOUS, 0, "%lu keys match: %s; add id=",
                     (unsigned long)cnt, list);
        goto out;
    }
    st->priv = found[0];
    e = key_inspect(st, diag);
    if (e != FWUP_OK)
        goto out;
    if (st->always_auth && pin_given(&ps)) {
        st->ctx_pin = OPENSSL_secure_zalloc(PIN_CAP);
        if (st->ctx_pin == NULL) {
            e = p11_fail(diag, FWUP_E_NO_MEMORY, 0, "out of memory");
            goto out;
        }
        e = pin_get(&ps, tlabel, st->ctx_pin, PIN_CAP, diag);
        if (e != FWUP_OK)
            goto out;
    }
    s->kind = st->curve->kind;
    safe_copy(st->label, st->label_len, lab, sizeof lab);
    hex(st->id, st->id_len, idh, sizeof idh);
    {
        char tl_safe[40];
        safe_copy((const uint8_t *)tlabel, strlen(tlabel), tl_safe, sizeof tl_safe);
        snprintf(s->describe, sizeof s->describe, "pkcs11 token '%s' object '%s' id %s", tl_safe,
                 lab, idh[0] ? idh : "(none)");
    }
    *out = s;
    s = NULL;
    e = FWUP_OK;
out:
    toklist_free(&tl);
    uri_free(uri);
    if (s != NULL) {
        p11_destroy(s);
        free(s);
    }
    return e;
}

/* ------------------------------------------------------------------------ */
/* Listing                                                                   */

static void
flag_words(const CK_SLOT_INFO *si, const CK_TOKEN_INFO *ti, char *out, size_t cap)
{
    static const struct {
        bool token;
        CK_FLAGS bit;
        const char *word;
    } words[] = {
        {false, CKF_HW_SLOT, "hw-slot"},
        {false, CKF_REMOVABLE_DEVICE, "removable"},
        {true, CKF_TOKEN_INITIALIZED, "initialized"},
        {true, CKF_LOGIN_REQUIRED, "login-required"},
        {true, CKF_PROTECTED_AUTHENTICATION_PATH, "protected-auth-path"},
        {true, CKF_USER_PIN_INITIALIZED, "user-pin-initialized"},
        {true, CKF_USER_PIN_COUNT_LOW, "user-pin-count-low"},
        {true, CKF_USER_PIN_FINAL_TRY, "user-pin-final-try"},
        {true, CKF_USER_PIN_LOCKED, "user-pin-locked"},
        {true, CKF_WRITE_PROTECTED, "write-protected"},
        {true, CKF_RNG, "rng"},
    };
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        CK_FLAGS f = words[i].token ? ti->flags : si->flags;
        int w;
        if (!(f & words[i].bit))
            continue;
        w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", words[i].word);
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
}

/* A URI for a token (obj == false) or an object on it, naming the module too. */
static char *
make_uri(const struct tok *t, bool obj, CK_ULONG cls, const uint8_t *label, size_t llen,
         const uint8_t *id, size_t idlen)
{
    P11KitUri *u = p11k.p11_kit_uri_new();
    CK_TOKEN_INFO *ti;
    char *s = NULL;

    if (u == NULL)
        return NULL;
    ti = p11k.p11_kit_uri_get_token_info(u);
    memcpy(ti->label, t->ti.label, sizeof ti->label);
    memcpy(ti->manufacturerID, t->ti.manufacturerID, sizeof ti->manufacturerID);
    memcpy(ti->model, t->ti.model, sizeof ti->model);
    memcpy(ti->serialNumber, t->ti.serialNumber, sizeof ti->serialNumber);
    if (obj) {
        CK_ATTRIBUTE a;
        a = (CK_ATTRIBUTE){CKA_CLASS, &cls, sizeof cls};
        (void)p11k.p11_kit_uri_set_attribute(u, &a);
        if (llen > 0) {
            a = (CK_ATTRIBUTE){CKA_LABEL, (void *)(uintptr_t)label, llen};
            (void)p11k.p11_kit_uri_set_attribute(u, &a);
        }
        if (idlen > 0) {
            a = (CK_ATTRIBUTE){CKA_ID, (void *)(uintptr_t)id, idlen};
            (void)p11k.p11_kit_uri_set_attribute(u, &a);
        }
    }
    if (t->by_path)
        p11k.p11_kit_uri_set_module_path(u, t->module);
    else
        p11k.p11_kit_uri_set_module_name(u, t->module);
    if (p11k.p11_kit_uri_format(u, obj ? P11_KIT_URI_FOR_OBJECT_ON_TOKEN : P11_KIT_URI_FOR_TOKEN,
                           &s) != P11_KIT_URI_OK)
        s = NULL;
    p11k.p11_kit_uri_free(u);
    return s;
}

static enum fwup_err
list_objects(const struct tok *t, const struct fwup_p11_token_desc *td, CK_SESSION_HANDLE s,
             P11KitUri *uri, fwup_p11_object_fn on_object, void *ctx, struct fwup_diag *d)
{
    enum { CHUNK = 64 };
    CK_OBJECT_HANDLE h[CHUNK];
    CK_OBJECT_HANDLE *all = NULL;
    CK_ULONG got, n = 0, na = 0;
    CK_ULONG ua_n = 0;
    CK_ATTRIBUTE *ua = p11k.p11_kit_uri_get_attributes(uri, &ua_n);
    bool want_class = p11k.p11_kit_uri_get_attribute(uri, CKA_CLASS) != NULL;
    CK_RV rv;
    enum fwup_err e = FWUP_OK;

    /* Collect handles first: some modules do not allow attribute reads
     * while a search is active on the session. */
    rv = t->m->C_FindObjectsInit(s, ua, ua_n);
    if (rv != CKR_OK)
        return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv, "C_FindObjectsInit: %s",
                        p11k.p11_kit_strerror(rv));
    for (;;) {
        CK_OBJECT_HANDLE *nv;
        rv = t->m->C_FindObjects(s, h, CHUNK, &got);
        if (rv != CKR_OK || got == 0)
            break;
        if (n + got > 4096) /* a sane cap for a listing */
            break;
        if (n + got > na) {
            na = (n + got) * 2;
            nv = realloc(all, na * sizeof *nv);
            if (nv == NULL) {
                (void)t->m->C_FindObjectsFinal(s);
                free(all);
                return p11_fail(d, FWUP_E_NO_MEMORY, 0, "out of memory");
            }
            all = nv;
        }
        memcpy(all + n, h, got * sizeof *h);
        n += got;
    }
    (void)t->m->C_FindObjectsFinal(s);
    if (rv != CKR_OK) {
        free(all);
        return p11_fail(d, map_rv(rv, FWUP_E_PKCS11), rv, "C_FindObjects: %s",
                        p11k.p11_kit_strerror(rv));
    }
    for (CK_ULONG i = 0; i < n && on_object != NULL; i++) {
        struct fwup_p11_object_desc od;
        CK_ULONG cls = (CK_ULONG)-1, kt = (CK_ULONG)-1;
        uint8_t *label = NULL, *id = NULL, *params = NULL;
        size_t llen = 0, idlen = 0, plen = 0;
        const struct curve *c = NULL;
        char *ouri;

        memset(&od, 0, sizeof od);
        (void)attr_ulong(t->m, s, all[i], CKA_CLASS, &cls);
        /* Keys only, unless the URI asks for a class (type=cert, type=data):
         * a trust module's hundreds of CA certificates would bury them. */
        if (!want_class && cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY &&
            cls != CKO_SECRET_KEY)
            continue;
        (void)attr_get(t->m, s, all[i], CKA_LABEL, &label, &llen);
        (void)attr_get(t->m, s, all[i], CKA_ID, &id, &idlen);
        od.token = td;
        od.cls = class_name(cls);
        od.key_type = "";
        od.curve = "";
        od.can_sign = -1;
        if (cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY || cls == CKO_SECRET_KEY) {
            if (attr_ulong(t->m, s, all[i], CKA_KEY_TYPE, &kt))
                od.key_type = key_type_name(kt);
            if (attr_get(t->m, s, all[i], CKA_EC_PARAMS, &params, &plen) == CKR_OK &&
                (c = curve_of(params, plen)) != NULL)
                od.curve = c->name;
            if (cls != CKO_PUBLIC_KEY)
                od.can_sign = attr_bool(t->m, s, all[i], CKA_SIGN);
        }
        od.label = label != NULL ? label : (const uint8_t *)"";
        od.label_len = llen;
        od.id = id != NULL ? id : (const uint8_t *)"";
        od.id_len = idlen;
        ouri = make_uri(t, true, cls, label, llen, id, idlen);
        od.uri = ouri != NULL ? ouri : "";
        on_object(ctx, &od);
        free(ouri);
        free(label);
        free(id);
        free(params);
    }
    free(all);
    return e;
}

enum fwup_err
fwup_p11_list(const char *uri_text, const struct fwup_signer_opts *opts, unsigned flags,
              fwup_p11_token_fn on_token, fwup_p11_object_fn on_object, void *ctx,
              struct fwup_diag *diag)
{
    P11KitUri *uri = NULL;
    struct modset ms;
    struct toklist tl = {0};
    struct pinsrc ps;
    bool loaded = false, want_login;
    enum fwup_err e;

    e = uri_parse(uri_text, &uri, diag);
    if (e != FWUP_OK)
        return e;
    ps.value = p11k.p11_kit_uri_get_pin_value(uri);
    ps.source = p11k.p11_kit_uri_get_pin_source(uri);
    ps.opts = opts;
    e = modset_load(&ms, uri, opts, diag);
    if (e != FWUP_OK)
        goto out;
    loaded = true;
    e = tokens_collect(&ms, uri, &tl, diag);
    if (e != FWUP_OK)
        goto out;
    if (tl.n == 0) {
        e = p11_fail(diag, FWUP_E_PKCS11_TOKEN, 0, "no token matches the URI (present: %s)",
                     tl.seen[0] ? tl.seen : "none");
        goto out;
    }
    /* Explicit requests (--login, a PIN in the URI) with several tokens are an
     * error; an ambient PIN ($FWUP_PKCS11_PIN) is just not used then. */
    want_login = (flags & FWUP_P11_LIST_LOGIN) || ps.value != NULL || ps.source != NULL;
    if (want_login && tl.n > 1) {
        e = p11_fail(diag, FWUP_E_PKCS11_AMBIGUOUS, 0,
                     "%zu tokens match: name one with token= to log in", tl.n);
        goto out;
    }
    want_login = want_login || (opts != NULL && opts->pkcs11_pin != NULL && tl.n == 1);
    for (size_t i = 0; i < tl.n; i++) {
        struct tok *t = &tl.v[i];
        struct fwup_p11_token_desc td;
        char label[33], manuf[33], model[17], serial[17], sdesc[65], fw[200];
        char *turi;
        CK_SESSION_HANDLE s;
        CK_RV rv;
        bool fresh = false;

        unpad(t->ti.label, sizeof t->ti.label, label, sizeof label);
        unpad(t->ti.manufacturerID, sizeof t->ti.manufacturerID, manuf, sizeof manuf);
        unpad(t->ti.model, sizeof t->ti.model, model, sizeof model);
        unpad(t->ti.serialNumber, sizeof t->ti.serialNumber, serial, sizeof serial);
        unpad(t->si.slotDescription, sizeof t->si.slotDescription, sdesc, sizeof sdesc);
        flag_words(&t->si, &t->ti, fw, sizeof fw);
        rv = t->m->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
        if (rv != CKR_OK && tl.n > 1)
            continue; /* one broken token does not hide the others */
        if (rv != CKR_OK) {
            e = p11_fail(diag, map_rv(rv, FWUP_E_PKCS11_TOKEN), rv,
                         "cannot open a session on token '%s': %s", label, p11k.p11_kit_strerror(rv));
            goto out;
        }
        if (want_login && (t->ti.flags & CKF_LOGIN_REQUIRED)) {
            e = token_login(t, s, &ps, &fresh, diag);
            if (e != FWUP_OK) {
                (void)t->m->C_CloseSession(s);
                goto out;
            }
        }
        turi = make_uri(t, false, 0, NULL, 0, NULL, 0);
        memset(&td, 0, sizeof td);
        td.module = t->module;
        td.slot_id = t->slot;
        td.slot_description = sdesc;
        td.label = label;
        td.manufacturer = manuf;
        td.model = model;
        td.serial = serial;
        td.slot_flags = t->si.flags;
        td.token_flags = t->ti.flags;
        td.flags_text = fw;
        td.uri = turi != NULL ? turi : "";
        td.logged_in = want_login && (t->ti.flags & CKF_LOGIN_REQUIRED);
        td.private_hidden = !td.logged_in && (t->ti.flags & CKF_LOGIN_REQUIRED);
        if (on_token != NULL)
            on_token(ctx, &td);
        e = list_objects(t, &td, s, uri, on_object, ctx, diag);
        free(turi);
        if (fresh)
            (void)t->m->C_Logout(s);
        (void)t->m->C_CloseSession(s);
        if (e != FWUP_OK)
            goto out;
    }
    e = FWUP_OK;
out:
    toklist_free(&tl);
    if (loaded)
        modset_release(&ms);
    uri_free(uri);
    return e;
}
