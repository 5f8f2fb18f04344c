/*
 * The manifest processor of the embedded verifier: runs the command sequences
 * of an AUTHENTICATED manifest (draft-ietf-suit-manifest-37 §6) against a
 * device, through platform hooks.
 *
 * Freestanding, no heap, no recursion: try-each and run-sequence nest on an
 * explicit stack of FWUP_V_MAX_DEPTH frames inside struct fwup_v_processor.
 *
 * Division of labour: the processor owns SUIT semantics (parameters per
 * component, conditions, directives, soft-failure, the shared sequence run
 * before every sequence, severed sequences, integrated payloads, the required
 * checks of §6.2: version, rollback hook, component count, vendor and class
 * checks present). The platform owns storage and the device: where a
 * component lives, how bytes are fetched, written, copied, swapped, read back,
 * invoked, and what the device's identity and installed sequence number are.
 */
#ifndef FWUP_PROCESSOR_H
#define FWUP_PROCESSOR_H

#include "fwup/types.h"
#include "fwup/verifier.h"
#include "fwup/verifier_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the buffer image-match and check-content read components through
 * (on their stack frame: see docs/processor.md for the stack figures). */
#ifndef FWUP_V_CHUNK
#define FWUP_V_CHUNK 128
#endif

/* Parameters of one component (§8.4.8). `set` has bit (1 << key) for each
 * parameter key set (all keys used are < 32). Values are views into the
 * envelope that set them (`val`, indexed by enum fwup_v_pspan: a dependency's
 * values point into the dependency's envelope, so views rather than offsets)
 * or integers (`num`, by enum fwup_v_pnum); nothing is copied. */
enum fwup_v_pspan {
    FWUP_V_P_VENDOR,
    FWUP_V_P_CLASS,
    FWUP_V_P_DEVICE,
    FWUP_V_P_DIGEST,
    FWUP_V_P_CONTENT,
    FWUP_V_P_URI,
    FWUP_V_P_INVOKE_ARGS,
    FWUP_V_P_ENC_INFO,
    FWUP_V_P_FETCH_ARGS,
    FWUP_V_P_NSPAN
};
enum fwup_v_pnum {
    FWUP_V_P_SLOT,
    FWUP_V_P_SIZE,
    FWUP_V_P_SOURCE,
    FWUP_V_P_USE_BEFORE, /* [UM] use-before (4): UTC seconds */
    FWUP_V_P_NNUM
};

struct fwup_v_params {
    uint32_t set;
    struct fwup_bytes val[FWUP_V_P_NSPAN];
    uint64_t num[FWUP_V_P_NNUM];
};

/* One level of the explicit sequence stack (no recursion, §5 of STYLE.md). */
struct fwup_v_frame {
    uint32_t start, end; /* the sequence being run: encoded pairs in [start, end) */
    uint32_t pos;        /* next command */
    uint32_t left;       /* command/argument pairs left */
    uint32_t arg;        /* try-each / run-sequence: offset of the command's argument */
    uint32_t resume;     /* offset in the parent just after that argument */
    uint32_t branch;     /* try-each: offset of the next branch in the argument array */
    uint32_t branches;   /* try-each: branches left after the current one */
    uint32_t iter;       /* components still to run this construct for (bit mask) */
    uint32_t sel_saved;  /* selection to restore when the construct is done */
    uint8_t kind;        /* top level, try-each branch, run-sequence, dependency */
    uint8_t soft;        /* soft-failure in force for this sequence */
    uint8_t lvl;         /* manifest level the offsets refer to (0 = root) */
    uint8_t phase;       /* dependency frame: 0 its shared sequence, 1 its sequence */
};

/*
 * One manifest level: the root (0) and each dependency being processed
 * ([TD] draft-ietf-suit-trust-domains §5.2.2, §5.6). Indices are the
 * manifest's own (components, then dependencies beyond them, OPEN-QUESTIONS
 * 19); `slot` maps each to its parameter slot in fwup_v_processor.params.
 */
struct fwup_v_level {
    uint32_t deps;    /* bit i: index i is a dependency (common.dependencies) */
    uint32_t checked; /* bit i: dependency-integrity succeeded on i (cache, §5.6.2) */
#ifndef FWUP_V_DISABLE_DEPENDENCIES
    /* bit i: the dry run has met a directive that writes i (fetch, write, copy,
     * swap): a dependency there is judged by the real run, once fetched */
    uint32_t staged;
#endif
    uint8_t n_index;  /* index space: max(#components, last dependency + 1) */
    uint8_t loaded;   /* the dependency index the next level's context holds (0xff: none) */
    uint8_t top;      /* parameter slots in use once this level was mapped */
    uint8_t slot[FWUP_V_MAX_COMPONENTS];
};

/*
 * The processor's working state: caller-allocated (static or stack), no
 * heap. Fields are private. Size on Cortex-M4 with the defaults (8
 * components, depth 6, FWUP_V_MAX_DEP_DEPTH 2): 2496 bytes, of which 2 x 584
 * bytes are the dependency contexts (see docs/trust-domains.md); 776 bytes
 * with 4 components and FWUP_V_DISABLE_DEPENDENCIES (docs/processor.md).
 *
 * Parameter slots: the root manifest's index i uses params[i]; a dependency's
 * component uses the slot of the component with the same identifier (so
 * "parameters set by the dependency persist in the dependent", OPEN-QUESTIONS
 * 10, matched by IDENTIFIER), or the next free slot; at most
 * FWUP_V_MAX_COMPONENTS slots in all.
 */
struct fwup_v_processor {
    /* Cleared when a procedure starts: everything up to `stack`. */
    struct fwup_v_params params[FWUP_V_MAX_COMPONENTS];
    struct fwup_bytes slot_id[FWUP_V_MAX_COMPONENTS]; /* encoded identifier per slot */
    struct fwup_v_level lv[FWUP_V_MAX_DEP_DEPTH + 1];
    uint32_t depth;
    uint32_t sel;      /* selected components (bit mask) */
    int32_t section;   /* manifest key of the sequence running (for records) */
    uint8_t n_slots;   /* parameter slots in use */
    bool require_ident; /* shared sequence must check vendor and class (default true) */
    /* Not cleared: each frame is zeroed when pushed, each dependency context
     * initialised when loaded. */
    struct fwup_v_frame stack[FWUP_V_MAX_DEPTH];
#if FWUP_V_MAX_DEP_DEPTH > 0
    /* dep[k]: the authenticated dependency at level k + 1 (a second, third
     * verifier context: no heap), and the policy it was authenticated with. */
    struct fwup_verifier dep[FWUP_V_MAX_DEP_DEPTH];
    struct fwup_v_policy dep_policy;
#endif
};

/* Procedures (§4.2, §10 of SUIT-DIGEST): which sequences run, in order. */
enum fwup_v_procedure {
    /* dependency-resolution(15), payload-fetch(16), install(20), validate(7) */
    FWUP_V_PROC_UPDATE = 1,
    /* validate(7), load(8), invoke(9) */
    FWUP_V_PROC_INVOKE = 2,
};

/* Identity kinds matched by conditions 1, 2, 24 (values = SUIT parameter keys). */
enum fwup_v_ident {
    FWUP_V_IDENT_VENDOR = 1,
    FWUP_V_IDENT_CLASS = 2,
    FWUP_V_IDENT_DEVICE = 24,
};

/*
 * The component a hook acts on: its index in the manifest, its identifier
 * (the encoded SUIT_Component_Identifier, a CBOR array of bstr, as a view into
 * the envelope), the component-slot parameter if one is set (-1 if not), and
 * the encryption-info parameter if one is set (len 0 if not).
 *
 * Encryption ([ENC] draft-ietf-suit-firmware-encryption §4): when enc_info is
 * set on the DESTINATION of fetch, write or copy, the bytes arriving are
 * ciphertext and the platform must decrypt them (SUIT_Encryption_Info =
 * COSE_Encrypt, detached ciphertext) while storing, with its own key material
 * (a KEK or a device private key); a platform that cannot decrypt returns
 * FWUP_E_DECRYPT or FWUP_E_UNSUPPORTED and must leave the active image intact.
 * The processor itself holds no content key.
 */
struct fwup_v_component {
    uint32_t index;
    int64_t slot;
    struct fwup_bytes id;
    struct fwup_bytes enc_info;
};

/*
 * Platform hooks. All return FWUP_OK or an error; an error from a directive's
 * hook aborts the procedure (§6.4: directive failures are never soft).
 * Conditions report through `bool *ok` so that a failed condition (a normal
 * outcome, soft inside try-each) is distinct from a platform error.
 *
 * Payload bytes never pass through the processor in one piece: fetch streams
 * them into storage inside the platform; image-match reads them back through
 * `read` in chunks of FWUP_V_CHUNK bytes (a buffer on the processor's stack),
 * or hashes them in place when the platform maps the component (`view`).
 */
struct fwup_v_platform {
    void *ctx;

    /* Is this component identifier one the device has? (checked for every
     * component before any sequence runs: §6.2 "no more components than the
     * device has"; unknown ones reject the manifest). */
    enum fwup_err (*component_ok)(void *ctx, const struct fwup_v_component *c, bool *ok);

    /* Does the device match this vendor / class / device id (16 bytes, or a
     * tagged PEN for vendor)? A device may match several. Must answer the
     * same for the same value throughout a procedure: a replayable shared
     * sequence (docs/processor.md) is not run again, so its identity
     * checks are asked once per procedure. */
    enum fwup_err (*match_ident)(void *ctx, enum fwup_v_ident which, struct fwup_bytes value,
                                 bool *ok);

    /* Rollback check (§6.2): FWUP_OK if `sequence` may be applied, FWUP_E_ROLLBACK
     * if not. Called once, before any sequence, for the update procedure. */
    enum fwup_err (*check_sequence)(void *ctx, uint64_t sequence);

    /* Component-slot condition (5): is `slot` the slot this procedure acts on for
     * c (the inactive slot for an update, the active one to boot)? */
    enum fwup_err (*match_slot)(void *ctx, const struct fwup_v_component *c, uint64_t slot,
                                bool *ok);

    /* fetch (21) from an external URI into c, streaming; size is the
     * image-size parameter or 0 if unset. Integrated payloads ("#name") never
     * reach this hook: the processor writes them from the envelope itself. */
    enum fwup_err (*fetch)(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri,
                           uint64_t size);

    /* Write path used for integrated payloads and the write directive (18):
     * begin (erase / prepare for `size` bytes), chunks in order, end (commit). */
    enum fwup_err (*write_begin)(void *ctx, const struct fwup_v_component *c, uint64_t size);
    enum fwup_err (*write_chunk)(void *ctx, const struct fwup_v_component *c,
                                 const uint8_t *data, size_t len);
    enum fwup_err (*write_end)(void *ctx, const struct fwup_v_component *c);

    /* Read back for image-match / check-content. *size: the component's
     * current content length (0 if empty). read fills buf[0..len) at offset. */
    enum fwup_err (*size)(void *ctx, const struct fwup_v_component *c, uint64_t *size);
    enum fwup_err (*read)(void *ctx, const struct fwup_v_component *c, uint64_t offset,
                          uint8_t *buf, size_t len);

    /* copy (22) src -> dst; swap (31) a <-> b (must be resumable / revertible,
     * §6.3.1: the platform's job). */
    enum fwup_err (*copy)(void *ctx, const struct fwup_v_component *dst,
                          const struct fwup_v_component *src);
    enum fwup_err (*swap)(void *ctx, const struct fwup_v_component *a,
                          const struct fwup_v_component *b);

    /* invoke (23): hand over to c with invoke-args (may not return on a device). */
    enum fwup_err (*invoke)(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args);

    /* Optional (may be NULL): the device's current time in UTC seconds, for
     * the use-before condition (4, [UM]: "the manifest must not be used after
     * this time"). Without the hook (a device with no trusted clock) the
     * condition fails: an expiry nobody can check is not a pass. */
    enum fwup_err (*now)(void *ctx, uint64_t *utc_seconds);

    /* Optional (may be NULL): a read-only view of the content of component
     * c, for a platform that can map it (memory-mapped flash, a RAM staging
     * buffer); out->len is the content length, as `size` would say.
     * Two users:
     *  - dependency-integrity ([TD] §5.6.1) reads a dependency envelope that
     *    was fetched by URI through it (required then; integrated
     *    dependencies, "#name", are read in place in the envelope);
     *  - image-match hashes a mapped component in one call instead of
     *    reading it FWUP_V_CHUNK bytes at a time.
     * An empty component is a view of length 0 (image-match then fails as
     * a condition, dependency-integrity with FWUP_E_FETCH). FWUP_E_UNSUPPORTED:
     * c cannot be mapped (image-match then uses `size` and `read`); any other
     * error aborts the procedure. The view must stay unchanged until
     * fwup_v_process returns or a directive changes c. */
    enum fwup_err (*view)(void *ctx, const struct fwup_v_component *c, struct fwup_bytes *out);

    /* Optional (may be NULL): one record per command executed, for SUIT
     * reports (draft-ietf-suit-report §4): section = sequence key (7, 9, 16,
     * 20, ...), offset = byte offset of the command inside that sequence,
     * command = SUIT command number, result = FWUP_OK or the failure.
     * rep_policy (added last for the report builder, lib/report): the
     * command's SUIT_Rep_Policy argument (bit 0 record-on-success, bit 1
     * record-on-failure, bits 2-3 sysinfo), 0 for commands without one
     * (set-component-index). The platform decides from it which records go
     * into a report. A replayable shared sequence (docs/processor.md) is
     * recorded when it runs, once per procedure unless a parameter changes:
     * its skipped repetitions could only have passed the same way. */
    void (*record)(void *ctx, int32_t section, uint32_t offset, uint32_t component,
                   int32_t command, enum fwup_err result, uint32_t rep_policy);
};

/*
 * Run procedure `proc` of an AUTHENTICATED and DECODED manifest on the
 * platform (draft-ietf-suit-manifest-37 §6).
 *
 * Before any hook with a side effect is called: every component must be one
 * the device has (component_ok), every sequence the procedure may run
 * (shared included, try-each and run-sequence bodies too) must hold only
 * supported commands and parameters of the right types, the shared sequence
 * only conditions and parameter directives, with a vendor and a class check
 * unless p->require_ident is false, and for UPDATE the platform's rollback
 * check must pass. A severed sequence the procedure needs fails it.
 *
 * \param[in]     v     context after fwup_verifier_decode_manifest()
 *                      (FWUP_E_NOT_AUTHENTICATED otherwise)
 * \param[in]     proc  FWUP_V_PROC_UPDATE or FWUP_V_PROC_INVOKE
 * \param[in]     plat  platform hooks (all but `record` required)
 * \param[in,out] p     working state (caller-owned; cleared here except
 *                      require_ident, which the caller sets before: set it
 *                      true unless the device deliberately accepts manifests
 *                      without vendor/class checks)
 * \param[out]    diag  first error (may be NULL): offset in the envelope,
 *                      scope FWUP_V_AT_MANIFEST with the sequence's manifest
 *                      key (or FWUP_V_AT_COMMON, key 4, for the shared one)
 * Dependencies ([TD], docs/trust-domains.md): dependency-integrity
 * authenticates each dependency envelope on its own (policy of `v`, with
 * require_roles replaced by dep_require_roles) in a context inside p, and
 * checks its manifest digest against the dependent's image-digest; the dry
 * run does this too, and walks the dependency's sequences through
 * process-dependency, so a forged, mis-signed or malformed dependency is
 * refused before any side effect. Except a dependency that a directive
 * writes before its integrity check (fetched by URI in this procedure): the
 * dry run leaves it to the real run, which authenticates it once fetched
 * and before running it (docs/trust-domains.md). Nesting is bounded by FWUP_V_MAX_DEPTH
 * frames and FWUP_V_MAX_DEP_DEPTH contexts.
 *
 * \return FWUP_OK; FWUP_E_CONDITION_FAILED (a condition failed outside any
 *         soft-failure scope); FWUP_E_EXPIRED (use-before failed there);
 *         FWUP_E_SUIT_DEPENDENCY (process-dependency on an index that is not
 *         a dependency or whose integrity was not checked, a dependency
 *         cycle, a dependency without image-digest); FWUP_E_IMAGE_DIGEST (a
 *         dependency's manifest digest is not the signed one); the
 *         authentication codes of a dependency (FWUP_E_SIG_VERIFY,
 *         FWUP_E_POLICY_ROLE_MISSING ...); FWUP_E_UNSUPPORTED (a dependency
 *         fetched by URI without the `view` hook, or any dependency with
 *         FWUP_V_DISABLE_DEPENDENCIES); FWUP_E_SUIT_UNSUPPORTED_CMD / _PARAM,
 *         FWUP_E_SUIT_SEQUENCE, FWUP_E_SUIT_SHARED_RULE, FWUP_E_SUIT_MISSING
 *         (no vendor/class check), FWUP_E_SUIT_COMPONENT, FWUP_E_SUIT_SEVERED,
 *         FWUP_E_SUIT_BAD_VALUE, FWUP_E_LIMIT_DEPTH, FWUP_E_FETCH,
 *         FWUP_E_DIRECTIVE_FAILED, FWUP_E_ROLLBACK or any error a hook returns.
 * Stack (Cortex-M4, -Os, scripts/cortexm-report.sh): 1080 B at worst with
 * dependencies (fwup_v_process 160 + run_sequence 144 + dep_next 72 +
 * dep_load 112 + fwup_verifier_authenticate of the dependency 592), 736 B
 * without (the image-match / fetch chains; 704 B with 4 components), plus the crypto port's and the
 * platform's frames; the try-each / run-sequence / process-dependency
 * nesting lives in p->stack, not on the C stack.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_v_process(const struct fwup_verifier *v,
                                                     enum fwup_v_procedure proc,
                                                     const struct fwup_v_platform *plat,
                                                     struct fwup_v_processor *p,
                                                     struct fwup_v_diag *diag);

/*
 * The dry run of fwup_v_process alone, with no device: whether a device
 * built on this processor would refuse procedure `proc` of the manifest
 * before any side effect, for a publisher to learn before shipping (`fwup
 * verify --device-check`). Same checks, same codes and diag as
 * fwup_v_process, except what needs the device: its components
 * (component_ok), the rollback check, every condition (they all pass in a
 * dry run), and a dependency that is not integrated in the envelope (read
 * from the device, so left unchecked). Integrated dependencies are
 * authenticated with v's policy and dep_require_roles, as on a device.
 *
 * \param[in]     v     as for fwup_v_process
 * \param[in,out] p     working state, require_ident set by the caller
 * \param[out]    diag  first error (may be NULL)
 * \return FWUP_OK, or the error fwup_v_process would return before its
 *         first hook with a side effect. Calls no platform hook.
 * Stack: that of fwup_v_process.
 */
FWUP_API FWUP_NODISCARD enum fwup_err fwup_v_check(const struct fwup_verifier *v,
                                                   enum fwup_v_procedure proc,
                                                   struct fwup_v_processor *p,
                                                   struct fwup_v_diag *diag);

#ifdef __cplusplus
}
#endif
#endif /* FWUP_PROCESSOR_H */
