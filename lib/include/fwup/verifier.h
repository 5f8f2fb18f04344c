/*
 * The embedded SUIT verifier: envelope parsing, COSE authentication under a
 * trust policy, and a decoded (offset-only) view of the manifest.
 *
 * draft-ietf-suit-manifest-37 §5-§8, RFC 9052/9053 (COSE), RFC 9864 (fully
 * specified algorithm ids), RFC 9679 (COSE_Key thumbprints as kid).
 *
 * Freestanding C99: no heap, no recursion, no stdio. Crypto is reached only
 * through struct fwup_v_crypto (fwup/v_crypto.h).
 *
 * ORDER (enforced by a state bitfield, manifest-37 §6.1/§6.2 "verify the
 * signature prior to parsing/executing any section of the manifest"):
 *
 *   fwup_verifier_init()
 *   fwup_verifier_parse()          envelope keys and the authentication wrapper
 *                                  (COSE structure only: nothing is trusted yet;
 *                                  the manifest bytes are not looked at)
 *   fwup_verifier_authenticate()   COSE blocks over wrapper[0], the manifest
 *                                  digest over envelope key 3 (bstr head included),
 *                                  the trust policy
 *   fwup_verifier_decode_manifest() only now: manifest, common, severable digests
 *
 *   or, for display only (`fwup show`):
 *   fwup_verifier_parse() then fwup_verifier_inspect(): the same decoder without
 *   authentication; the context is marked unauthenticated and every accessor
 *   meant for the manifest processor refuses it (FWUP_E_NOT_AUTHENTICATED).
 *
 * Errors are sticky: after the first failure every call returns the same code
 * and fwup_verifier_diag() tells where it happened (byte offset into the
 * envelope, scope and SUIT key). Nothing is ever "partially accepted".
 *
 * Ownership and lifetime: the caller owns the context (static memory or
 * stack), the envelope buffer, the crypto port and the policy. The context
 * keeps ONE pointer to the envelope and otherwise only 32-bit offsets into it
 * (struct fwup_v_span), so every view is valid while the envelope buffer is
 * alive and unchanged. The envelope must not change between calls: keep it in
 * RAM an attacker cannot write (manifest-37 REQ.SEC.MFST.CONST), otherwise
 * the bytes authenticated are not the bytes decoded (TOCTOU). The crypto port
 * and the policy must stay alive until the context is no longer used.
 *
 * SIZE (default limits of fwup/verifier_config.h): sizeof(struct
 * fwup_verifier) is 584 bytes on Cortex-M4 (arm-none-eabi-gcc, 32-bit
 * pointers) and 600 bytes on x86-64; envelope.c pins an upper bound with a
 * static assert (FWUP_V_CONTEXT_BOUND).
 *
 * STACK (Cortex-M4, arm-none-eabi-gcc -Os, -fstack-usage, excluding the crypto
 * port's own frames; see docs/verify.md for the measurement):
 *
 *   | function                        | worst case |
 *   |---------------------------------|-----------:|
 *   | fwup_verifier_parse             |    560 B   |  parse > walk_blocks > one_block (TBS buffer) + the port
 *   | fwup_verifier_authenticate      |    592 B   |  (+ the port; check_block holds the 197-byte TBS buffer)
 *   | fwup_verifier_decode_manifest   |    520 B   |  decode_map > key > skip (+ the port)
 *   | fwup_verifier_verify            |    608 B   |
 *   | fwup_verifier_inspect           |    520 B   |
 *   | fwup_verifier_check_image       |    624 B   |  (+ the caller's chunk buffer)
 *   | fwup_verifier_image_params      |    472 B   |
 *   | other accessors                 |  <= 200 B  |
 *   Context + worst stack: about 1.2 KiB (budget 1.5 KiB). Measured by
 *   scripts/cortexm-report.sh (stack-depth.py over -fcallgraph-info=su).
 */
#ifndef FWUP_VERIFIER_H
#define FWUP_VERIFIER_H

#include "fwup/types.h"
#include "fwup/v_crypto.h"
#include "fwup/vcbor.h"
#include "fwup/verifier_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SUIT code points (manifest-37 §11, [TD] trust-domains-11, [UM]) ---- */

/* CBOR tags (manifest-37 §8.2, RFC 9052 §2). */
#define FWUP_SUIT_TAG_ENVELOPE 107
#define FWUP_COSE_TAG_SIGN1 18
#define FWUP_COSE_TAG_SIGN 98
#define FWUP_COSE_TAG_MAC0 17
#define FWUP_COSE_TAG_MAC 97

/* COSE header labels (RFC 9052 §3.1). */
#define FWUP_COSE_HDR_ALG 1
#define FWUP_COSE_HDR_CRIT 2
#define FWUP_COSE_HDR_KID 4

/* SUIT_Envelope keys (manifest-37 §8.2). */
#define FWUP_SUIT_ENV_DELEGATION 1 /* reserved */
#define FWUP_SUIT_ENV_AUTH 2
#define FWUP_SUIT_ENV_MANIFEST 3

/* SUIT_Manifest keys (manifest-37 §8.4, §11.2). Severable ones reuse their key
 * as envelope member key. */
#define FWUP_SUIT_VERSION 1
#define FWUP_SUIT_SEQUENCE_NUMBER 2
#define FWUP_SUIT_COMMON 3
#define FWUP_SUIT_REFERENCE_URI 4
#define FWUP_SUIT_MANIFEST_COMPONENT_ID 5 /* [TD] */
#define FWUP_SUIT_VALIDATE 7
#define FWUP_SUIT_LOAD 8
#define FWUP_SUIT_INVOKE 9
#define FWUP_SUIT_COSWID 14                 /* [UM], severable */
#define FWUP_SUIT_DEPENDENCY_RESOLUTION 15  /* [TD], severable */
#define FWUP_SUIT_PAYLOAD_FETCH 16          /* severable */
#define FWUP_SUIT_CANDIDATE_VERIFICATION 18 /* [TD], treated as severable (OPEN-QUESTIONS 21) */
#define FWUP_SUIT_INSTALL 20                /* severable */
#define FWUP_SUIT_TEXT 23                   /* severable */
#define FWUP_SUIT_UNINSTALL 24              /* [TD], never severable */

/* SUIT_Common keys (manifest-37 §8.4.5). */
#define FWUP_SUIT_COMMON_DEPENDENCIES 1 /* [TD] */
#define FWUP_SUIT_COMMON_COMPONENTS 2
#define FWUP_SUIT_COMMON_SHARED_SEQUENCE 4

/* Commands (manifest-37 §11.4, [TD] §9.4, [UM]). */
enum fwup_suit_cmd {
    FWUP_SUIT_CMD_VENDOR_IDENTIFIER = 1,
    FWUP_SUIT_CMD_CLASS_IDENTIFIER = 2,
    FWUP_SUIT_CMD_IMAGE_MATCH = 3,
    FWUP_SUIT_CMD_USE_BEFORE = 4, /* [UM] */
    FWUP_SUIT_CMD_COMPONENT_SLOT = 5,
    FWUP_SUIT_CMD_CHECK_CONTENT = 6,
    FWUP_SUIT_CMD_DEPENDENCY_INTEGRITY = 7, /* [TD] */
    FWUP_SUIT_CMD_IS_DEPENDENCY = 8,        /* [TD] */
    FWUP_SUIT_CMD_PROCESS_DEPENDENCY = 11,  /* [TD] */
    FWUP_SUIT_CMD_SET_COMPONENT_INDEX = 12,
    FWUP_SUIT_CMD_ABORT = 14,
    FWUP_SUIT_CMD_TRY_EACH = 15,
    FWUP_SUIT_CMD_WRITE = 18,
    FWUP_SUIT_CMD_SET_PARAMETERS = 19, /* [TD] */
    FWUP_SUIT_CMD_OVERRIDE_PARAMETERS = 20,
    FWUP_SUIT_CMD_FETCH = 21,
    FWUP_SUIT_CMD_COPY = 22,
    FWUP_SUIT_CMD_INVOKE = 23,
    FWUP_SUIT_CMD_DEVICE_IDENTIFIER = 24,
    FWUP_SUIT_CMD_IMAGE_NOT_MATCH = 25,    /* [UM] */
    FWUP_SUIT_CMD_MINIMUM_BATTERY = 26,    /* [UM] */
    FWUP_SUIT_CMD_UPDATE_AUTHORIZED = 27,  /* [UM] */
    FWUP_SUIT_CMD_VERSION = 28,            /* [UM] */
    FWUP_SUIT_CMD_WAIT = 29,               /* [UM] */
    FWUP_SUIT_CMD_SWAP = 31,
    FWUP_SUIT_CMD_RUN_SEQUENCE = 32,
    FWUP_SUIT_CMD_UNLINK = 33,             /* [TD] */
    FWUP_SUIT_CMD_OVERRIDE_MULTIPLE = 34,  /* [UM] */
    FWUP_SUIT_CMD_COPY_PARAMS = 35,        /* [UM] */
};

/* Parameters (manifest-37 §11.5, [ENC] §4, [UM]). */
enum fwup_suit_param {
    FWUP_SUIT_PARAM_VENDOR_ID = 1,
    FWUP_SUIT_PARAM_CLASS_ID = 2,
    FWUP_SUIT_PARAM_IMAGE_DIGEST = 3,
    FWUP_SUIT_PARAM_USE_BEFORE = 4, /* [UM] */
    FWUP_SUIT_PARAM_COMPONENT_SLOT = 5,
    FWUP_SUIT_PARAM_STRICT_ORDER = 12,
    FWUP_SUIT_PARAM_SOFT_FAILURE = 13,
    FWUP_SUIT_PARAM_IMAGE_SIZE = 14,
    FWUP_SUIT_PARAM_CONTENT = 18,
    FWUP_SUIT_PARAM_ENCRYPTION_INFO = 19, /* [ENC] */
    FWUP_SUIT_PARAM_URI = 21,
    FWUP_SUIT_PARAM_SOURCE_COMPONENT = 22,
    FWUP_SUIT_PARAM_INVOKE_ARGS = 23,
    FWUP_SUIT_PARAM_DEVICE_ID = 24,
    FWUP_SUIT_PARAM_FETCH_ARGUMENTS = 25,
    FWUP_SUIT_PARAM_MINIMUM_BATTERY = 26,   /* [UM] */
    FWUP_SUIT_PARAM_UPDATE_PRIORITY = 27,   /* [UM] */
    FWUP_SUIT_PARAM_VERSION = 28,           /* [UM] */
    FWUP_SUIT_PARAM_WAIT_INFO = 29,         /* [UM] */
    FWUP_SUIT_PARAM_COMPONENT_METADATA = 30 /* [UM] */
};

/* ---- views ---- */

/* Bytes [off, off + len) of the envelope buffer. off == 0 means "absent":
 * every element the verifier records lies after the envelope's first head. */
struct fwup_v_span {
    uint32_t off;
    uint32_t len;
};

/* Where an error was found (struct fwup_v_diag.scope). The CLI turns scope +
 * suit_key into a SUIT key path. */
enum fwup_v_scope {
    FWUP_V_AT_NONE = 0,
    FWUP_V_AT_ENVELOPE = 1,   /* suit_key: envelope key (or -1 for a tstr key) */
    FWUP_V_AT_AUTH = 2,       /* the authentication wrapper / SUIT_Digest */
    FWUP_V_AT_BLOCK = 3,      /* suit_key: index of the block (signer) */
    FWUP_V_AT_MANIFEST = 4,   /* suit_key: manifest key */
    FWUP_V_AT_COMMON = 5,     /* suit_key: common key */
    FWUP_V_AT_COMPONENT = 6,  /* suit_key: component index */
    FWUP_V_AT_POLICY = 7,     /* suit_key: role or anchor index */
    FWUP_V_AT_IMAGE = 8,      /* suit_key: component index */
};

/* Numeric-only diagnostics: no strings in the verifier (STYLE.md §3).
 * scope, offset and suit_key mean something only when code != FWUP_OK (while
 * no error is recorded the verifier keeps its position there). */
struct fwup_v_diag {
    uint8_t code;  /* enum fwup_err; FWUP_OK if none */
    uint8_t scope; /* enum fwup_v_scope */
    uint32_t offset;
    int32_t suit_key;
};

/* One authentication block, or one signer of a COSE_Sign (each counts as a
 * result of its own). */
enum fwup_v_block_kind {
    FWUP_V_BLOCK_SIGN1 = 1,
    FWUP_V_BLOCK_SIGN = 2, /* one COSE_Signature of a COSE_Sign */
    FWUP_V_BLOCK_MAC0 = 3,
    FWUP_V_BLOCK_MAC = 4, /* COSE_Mac: recognised, not supported (never verifies) */
};

enum fwup_v_verdict {
    FWUP_V_UNCHECKED = 0,   /* parsed, not authenticated (inspect) */
    FWUP_V_VALID = 1,       /* verified with policy anchor `anchor` */
    FWUP_V_UNKNOWN = 2,     /* its kid names no anchor and no anchor was compatible */
    FWUP_V_INVALID = 3,     /* tried against compatible anchors, none verified */
    FWUP_V_KNOWN_BAD = 4,   /* its kid names an anchor and does not verify with it */
    FWUP_V_UNSUPPORTED = 5, /* algorithm or structure this verifier does not verify */
};

struct fwup_v_block {
    int32_t alg;      /* COSE alg from the protected header */
    uint32_t off;     /* offset of the COSE structure (of the COSE_Signature for a signer) */
    uint32_t kid_off; /* kid bytes (0 when there is no kid) */
    uint8_t kid_len;
    uint8_t kind;    /* enum fwup_v_block_kind */
    uint8_t verdict; /* enum fwup_v_verdict */
    uint8_t anchor;  /* index in the policy's anchors, FWUP_V_NO_ANCHOR if none */
};
#define FWUP_V_NO_ANCHOR 0xff

/* ---- trust policy (DESIGN.md §3) ---- */

/*
 * A trust anchor: a key with a role (a small integer < FWUP_V_MAX_ROLES; the
 * CLI maps names such as "author" and "operator" onto them) and optionally
 * the component-id prefixes that role may touch.
 *
 * prefixes: the CBOR encoding of an array of component-id prefixes, each a
 * SUIT_Component_Identifier ([* bstr]); a component matches a prefix when its
 * first elements equal the prefix's elements. ptr == NULL: any component.
 * An anchor key should appear once in a policy (a block counts for the first
 * anchor that verifies it).
 */
struct fwup_v_anchor {
    const struct fwup_v_key *key;
    struct fwup_bytes prefixes;
    uint8_t role;
};

/*
 * The decision rule (evaluated by fwup_verifier_authenticate, in this order):
 *   1. no authentication block                        -> FWUP_E_NO_AUTH_BLOCK
 *   2. manifest digest does not match wrapper[0]      -> FWUP_E_MANIFEST_DIGEST
 *   3. a block whose kid names an anchor does not
 *      verify with that anchor                        -> FWUP_E_KNOWN_KEY_BAD_SIG
 *   4. strict and a block is not valid (unknown key,
 *      unsupported alg, no anchor verifies it)        -> FWUP_E_UNKNOWN_KEY_STRICT
 *   5. no block verifies:
 *        at least one block was tried against an
 *        anchor of its key type                       -> FWUP_E_SIG_VERIFY
 *        no block had any candidate anchor            -> FWUP_E_NO_TRUSTED_KEY
 *   6. a role in require_roles has no valid block     -> FWUP_E_POLICY_ROLE_MISSING
 *   7. fewer distinct valid anchors (with a role in
 *      count_roles) than min_signers                  -> FWUP_E_POLICY_TOO_FEW
 * Blocks by unknown keys are otherwise ignored (DESIGN.md §3).
 *
 * A block is matched to anchors by kid (RFC 9679 thumbprint, compared with
 * struct fwup_v_key.kid); a block without kid, or an anchor without kid
 * (HMAC secrets), is tried against every anchor of the block's key type.
 *
 * Component restriction: after authentication, fwup_verifier_decode_manifest
 * fails with FWUP_E_POLICY_COMPONENT if a valid anchor with prefixes signed a
 * manifest declaring a component outside them (the signer may only touch its
 * components, manifest-37 §9 ACLs).
 */
struct fwup_v_policy {
    const struct fwup_v_anchor *anchors;
    uint8_t n_anchors;     /* <= FWUP_V_MAX_ANCHORS */
    uint8_t min_signers;   /* 0 and 1 both mean "at least one valid block" */
    uint16_t require_roles; /* all-of: bit r = role r must have a valid block */
    uint16_t count_roles;   /* n-of-m: roles counted for min_signers; 0 = every role */
    bool strict;           /* every block must be valid */
    /* [TD] all-of roles for DEPENDENCY manifests (every level below the root):
     * the manifest processor authenticates each dependency on its own with
     * this policy, require_roles replaced by this mask (e.g. root: operator,
     * dependencies: author). 0: any valid block by a policy anchor. Not used
     * by fwup_verifier_authenticate itself. */
    uint16_t dep_require_roles;
};

/* ---- manifest view ---- */

/* Command sequences and severable elements, in one table. */
enum fwup_v_seq_slot {
    FWUP_V_SEQ_VALIDATE = 0,
    FWUP_V_SEQ_LOAD,
    FWUP_V_SEQ_INVOKE,
    FWUP_V_SEQ_COSWID,
    FWUP_V_SEQ_DEPENDENCY_RESOLUTION,
    FWUP_V_SEQ_PAYLOAD_FETCH,
    FWUP_V_SEQ_CANDIDATE_VERIFICATION,
    FWUP_V_SEQ_INSTALL,
    FWUP_V_SEQ_TEXT,
    FWUP_V_SEQ_UNINSTALL,
    FWUP_V_N_SEQ
};

enum fwup_v_seq_state {
    FWUP_V_ABSENT = 0,
    FWUP_V_INLINE = 1,           /* bstr in the manifest */
    FWUP_V_SEVERED_PRESENT = 2,  /* digest in the manifest, element in the envelope, digest OK */
    FWUP_V_SEVERED_MISSING = 3,  /* digest in the manifest, element not in the envelope */
    FWUP_V_SEVERED_MISMATCH = 4, /* inspect only: element present, digest does NOT match */
};

struct fwup_v_seq {
    struct fwup_v_span body;   /* content of the element's bstr (inline or envelope member) */
    struct fwup_v_span digest; /* severed: the encoded SUIT_Digest in the manifest */
    uint8_t state;             /* enum fwup_v_seq_state */
};

struct fwup_v_manifest {
    uint64_t sequence_number;
    uint32_t version;
    struct fwup_v_span reference_uri; /* tstr content (UTF-8 checked) */
    struct fwup_v_span component_id;  /* [TD] manifest-component-id: encoded [* bstr] */
    struct fwup_v_span common;        /* bstr content */
    struct fwup_v_span dependencies;  /* [TD] encoded map */
    struct fwup_v_span shared;        /* shared-sequence bstr content */
    struct fwup_v_span components[FWUP_V_MAX_COMPONENTS]; /* each an encoded [+ bstr] */
    struct fwup_v_seq seq[FWUP_V_N_SEQ];
    uint8_t n_components;
    uint8_t n_unknown; /* inspect: unknown keys skipped in manifest + common */
};

/* ---- the context ---- */

#define FWUP_V_ST_PARSED 0x01u
#define FWUP_V_ST_AUTHENTICATED 0x02u
#define FWUP_V_ST_DECODED 0x04u
#define FWUP_V_ST_INSPECTED 0x08u /* decoded WITHOUT authentication */
#define FWUP_V_ST_FAILED 0x80u

/*
 * The whole verifier state. Caller-allocated, fixed size, no pointers into it
 * are kept anywhere. Fields are public for debuggers and for the read-only
 * use documented below; they are PRIVATE for writing: use the functions.
 */
struct fwup_verifier {
    const uint8_t *env; /* the caller's envelope (the only pointer kept) */
    const struct fwup_v_crypto *crypto;
    const struct fwup_v_policy *policy; /* set by authenticate */
    uint32_t env_len;
    uint8_t state; /* FWUP_V_ST_* */

    /* envelope */
    uint8_t tagged;       /* tag 107 present */
    uint8_t n_integrated; /* tstr members (integrated payloads / dependencies) */
    uint8_t n_unknown;    /* unknown int keys (rejected by authenticate) */
    uint32_t unknown_off;
    struct fwup_v_span auth;          /* wrapper bstr content */
    struct fwup_v_span manifest_item; /* key 3 value: the whole bstr, head included (hashed) */
    struct fwup_v_span manifest;      /* its content */
    struct fwup_v_span member[FWUP_V_N_SEQ]; /* severable members: whole bstr, head included */

    /* authentication wrapper */
    struct fwup_v_span digest;       /* wrapper[0] content: the encoded SUIT_Digest */
    struct fwup_v_span digest_bytes; /* its digest-bytes */
    int32_t digest_alg;
    uint8_t n_blocks;
    uint8_t digest_ok;      /* authenticate: manifest digest matched */
    uint16_t valid_anchors; /* bit a: anchor a verified some block */
    struct fwup_v_block blocks[FWUP_V_MAX_AUTH_BLOCKS];

    struct fwup_v_manifest m;
    struct fwup_v_diag diag;
};

/* An upper bound of sizeof(struct fwup_verifier), pinned by a static assert. */
#define FWUP_V_CONTEXT_BOUND                                                                       \
    (128 + 16 * FWUP_V_MAX_AUTH_BLOCKS + 8 * FWUP_V_MAX_COMPONENTS + 28 * FWUP_V_N_SEQ + 64)

/* ---- functions ---- */

/*
 * Reset a context and bind it to a crypto port.
 * \param[out] v       the context (caller-owned)
 * \param[in]  crypto  the port; must outlive v. May be NULL only for
 *                     inspecting envelopes without severable members present:
 *                     authenticate, and inspect of an envelope carrying a
 *                     severable member (whose digest must be checked), then
 *                     fail with FWUP_E_INVALID_ARG.
 * Stack: < 32 bytes.
 */
FWUP_API void fwup_verifier_init(struct fwup_verifier *v, const struct fwup_v_crypto *crypto);

/*
 * Parse the envelope structure: tag 107 or untagged map; key 2 (before key 3)
 * and key 3 as bstr; severable members (14, 15, 16, 18, 20, 23) as bstr; tstr
 * keys (integrated payloads / dependencies) as bstr; duplicate keys,
 * indefinite lengths and trailing bytes rejected. Unknown integer keys are
 * recorded and rejected by fwup_verifier_authenticate() (OPEN-QUESTIONS 9:
 * fwup rejects them, because an element the verifier does not understand
 * could carry something the signer meant to be processed); inspect shows them.
 * Then the authentication wrapper: [bstr .cbor SUIT_Digest, * bstr .cbor
 * COSE_Sign1 / COSE_Sign / COSE_Mac0 / COSE_Mac], each block's structure
 * (payload nil, alg in the protected header, kid) into v->blocks.
 *
 * \param[in,out] v    an initialised context
 * \param[in]     env  the envelope; must stay alive and unchanged while v is used
 * \param[in]     len  its length (< 4 GiB)
 * \return FWUP_OK; FWUP_E_BAD_STATE (not freshly initialised);
 *         FWUP_E_INVALID_ARG; FWUP_E_CBOR_* (not well-formed, trailing bytes,
 *         duplicate key, wrong tag/type); FWUP_E_SUIT_MISSING (key 2 or 3,
 *         wrapper digest); FWUP_E_SUIT_BAD_VALUE (key 3 before key 2);
 *         FWUP_E_COSE_STRUCTURE / _HEADER / _PAYLOAD; FWUP_E_LIMIT_* (blocks,
 *         protected header size, map size, nesting).
 * Stack: see the table above.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_parse(struct fwup_verifier *v,
                                                          const uint8_t *env, size_t len);

/*
 * Authenticate: verify every block over wrapper[0] (detached payload,
 * RFC 9052 §4.4 Sig_structure / §6.3 MAC_structure), recompute the manifest
 * digest over the complete bstr at envelope key 3, and apply the policy (the
 * decision rule is documented at struct fwup_v_policy). Per-block verdicts are
 * left in v->blocks whatever the outcome.
 *
 * \param[in,out] v       a parsed context
 * \param[in]     policy  trust anchors and rules; must outlive v
 * \return FWUP_OK (the context is now AUTHENTICATED); FWUP_E_BAD_STATE;
 *         FWUP_E_INVALID_ARG / FWUP_E_POLICY_INVALID (bad policy, no port);
 *         FWUP_E_SUIT_UNKNOWN_KEY (unknown envelope key); the verdicts of the
 *         decision rule; FWUP_E_SUIT_DIGEST_ALG; a backend error of the port
 *         (FWUP_E_CRYPTO ...) other than "does not verify".
 * Stack: see the table above (the to-be-signed bytes are built in a bounded
 * stack buffer; protected headers are limited to FWUP_V_MAX_PROTECTED).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_authenticate(
    struct fwup_verifier *v, const struct fwup_v_policy *policy);

/*
 * Decode the authenticated manifest into v->m: version (must be 1), sequence
 * number, reference-uri, manifest-component-id, common (dependencies,
 * components: 1..FWUP_V_MAX_COMPONENTS non-empty ids, shared sequence), and
 * every sequence / element as absent, inline, severed-present (digest over the
 * envelope member's complete bstr checked) or severed-missing. Duplicate and
 * unknown integer keys are rejected in the manifest and in common
 * (OPEN-QUESTIONS 9). An envelope member the manifest does not reference by
 * digest is rejected. Then the anchors' component prefixes are enforced.
 *
 * \return FWUP_OK (DECODED); FWUP_E_NOT_AUTHENTICATED (not authenticated);
 *         FWUP_E_BAD_STATE; FWUP_E_CBOR_*; FWUP_E_SUIT_MISSING / _VERSION /
 *         _UNKNOWN_KEY / _BAD_VALUE / _COMPONENT / _SEQUENCE / _TEXT;
 *         FWUP_E_SUIT_DIGEST_ALG; FWUP_E_SEVERABLE_DIGEST;
 *         FWUP_E_LIMIT_COMPONENTS; FWUP_E_POLICY_COMPONENT.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_decode_manifest(struct fwup_verifier *v);

/*
 * The same decoder WITHOUT authentication, for display: unknown keys are
 * skipped (counted in v->m.n_unknown), a severed element whose digest does
 * not match is marked FWUP_V_SEVERED_MISMATCH instead of failing. The context
 * is marked INSPECTED and can never be authenticated or processed.
 * \return as fwup_verifier_decode_manifest, minus the authentication and
 *         policy codes; FWUP_E_BAD_STATE after authenticate.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_inspect(struct fwup_verifier *v);

/*
 * parse + authenticate + decode_manifest in one call. The result starts as a
 * failure and is set to FWUP_OK at one point, after all three succeeded.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_verify(struct fwup_verifier *v,
                                                           const uint8_t *env, size_t len,
                                                           const struct fwup_v_policy *policy);

/* The first error recorded (code FWUP_OK if none). Never NULL. */
FWUP_API const struct fwup_v_diag *fwup_verifier_diag(const struct fwup_verifier *v);

/* The view of bytes at span s of the envelope ({NULL, 0} if absent). */
FWUP_API struct fwup_bytes fwup_verifier_bytes(const struct fwup_verifier *v,
                                               struct fwup_v_span s);

/*
 * Accessors for the manifest processor: they refuse a context that was not
 * authenticated and decoded (FWUP_E_NOT_AUTHENTICATED), so an inspected or
 * failed context can never be executed.
 *
 * fwup_verifier_sequence: the command sequence bytes of a slot.
 *   FWUP_E_SUIT_MISSING (absent), FWUP_E_SUIT_SEVERED (severed, not in the
 *   envelope).
 * fwup_verifier_integrated: the index-th tstr member of the envelope (name
 *   without quotes, e.g. "#fw.bin", and its bstr content). FWUP_E_SUIT_MISSING
 *   past the last one. Integrity comes from an image-match condition, not from
 *   this call.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_sequence(const struct fwup_verifier *v,
                                                             enum fwup_v_seq_slot slot,
                                                             struct fwup_bytes *out);
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_integrated(const struct fwup_verifier *v,
                                                               size_t index,
                                                               struct fwup_bytes *name,
                                                               struct fwup_bytes *data);

/* The SUIT key of a slot (FWUP_SUIT_VALIDATE ... FWUP_SUIT_UNINSTALL). */
FWUP_API int32_t fwup_verifier_slot_key(enum fwup_v_seq_slot slot);

/* ---- payload check (a stop-gap until the manifest processor) ---- */

/*
 * Image parameters of one component, as fwup_verifier_image_params finds them:
 * override-parameters (20) and set-parameters (19) in the shared sequence,
 * then (for what is still unset) in payload-fetch, then in install, with
 * set-component-index tracking (integer, true, array). try-each and
 * run-sequence bodies are NOT evaluated (their parameters depend on which
 * branch runs: that is the processor's job).
 */
struct fwup_v_image {
    int32_t digest_alg;
    struct fwup_v_span digest; /* digest-bytes */
    uint64_t size;
    bool has_digest;
    bool has_size;
};

/*
 * \return FWUP_OK; FWUP_E_NOT_AUTHENTICATED; FWUP_E_SUIT_COMPONENT (index out
 *         of range); FWUP_E_CBOR_* / FWUP_E_SUIT_SEQUENCE (malformed sequence).
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_image_params(const struct fwup_verifier *v,
                                                                 uint32_t index,
                                                                 struct fwup_v_image *out);

/* Read callback: fill buf[0..cap) with the next bytes, *got = 0 at the end. */
typedef enum fwup_err (*fwup_v_read_fn)(void *ctx, uint8_t *buf, size_t cap, size_t *got);

/*
 * Stream an image through the port's hash, via the caller's chunk buffer
 * (mcuboot's tmp_buf), and compare with the component's image-digest and
 * image-size (if set).
 * \return FWUP_OK; FWUP_E_NOT_AUTHENTICATED; FWUP_E_SUIT_MISSING (no
 *         image-digest for the component); FWUP_E_IMAGE_DIGEST;
 *         FWUP_E_IMAGE_SIZE; FWUP_E_SUIT_DIGEST_ALG; errors of read().
 *         Does not change the context's sticky state.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_verifier_check_image(const struct fwup_verifier *v,
                                                                uint32_t index, fwup_v_read_fn read,
                                                                void *read_ctx, uint8_t *chunk,
                                                                size_t chunk_len);

/*
 * ---- the manifest processor (next issue) ----
 *
 * lib/verifier/process.c will add the draft-37 command interpreter on top of
 * an AUTHENTICATED + DECODED context: a `struct fwup_v_proc` (parameters per
 * component for v->m.n_components, an explicit stack of FWUP_V_MAX_DEPTH
 * sequence frames for try-each / run-sequence, soft-failure / strict-order)
 * and a platform hook struct (storage, fetch, invoke, vendor/class ids,
 * sequence-number store). It reads sequences only through
 * fwup_verifier_sequence(), which refuses unauthenticated contexts, and
 * integrated payloads through fwup_verifier_integrated().
 */

#ifdef __cplusplus
}
#endif
#endif /* FWUP_VERIFIER_H */
