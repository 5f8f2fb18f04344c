/*
 * Compile-time limits of the embedded verifier. Override any of them with -D
 * (or a config header included before this one); each has a default sized for
 * a Cortex-M class device. They fix the size of struct fwup_verifier: nothing
 * is allocated at run time.
 */
#ifndef FWUP_VERIFIER_CONFIG_H
#define FWUP_VERIFIER_CONFIG_H

/* One-byte CBOR heads on a fast path in the reader (lib/verifier/cbor.c):
 * draft example 0 takes about 13 % fewer instructions (x86-64, gcc -O2,
 * bench/run.sh) for about 400 bytes more code on a Cortex-M4 (decode +
 * authenticate alone: 6326 bytes instead of 6120). On, except
 * in a build optimised for size (-Os defines __OPTIMIZE_SIZE__), where the
 * bytes count more: there the reader is the slow path alone, and the
 * decode + authenticate budget (6 KiB, docs/verify.md) holds. Either value
 * decodes exactly the same (tests/fuzz/fuzz_vcbor.c checks the reader
 * against a reference). Not a layout setting: units may differ. */
#ifndef FWUP_V_CBOR_FAST
#ifdef __OPTIMIZE_SIZE__
#define FWUP_V_CBOR_FAST 0
#else
#define FWUP_V_CBOR_FAST 1
#endif
#endif

/* Deepest CBOR nesting accepted by fwup_vcbor_skip() (QCBOR uses 15). SUIT's
 * deepest legitimate structure (envelope > manifest > common > shared sequence
 * > try-each > sequence > override map > digest) stays well below this. */
#ifndef FWUP_V_MAX_CBOR_DEPTH
#define FWUP_V_MAX_CBOR_DEPTH 16
#endif

/* Most components a manifest may declare (the device has this many at most).
 * Each one costs a parameter table (112 bytes on Cortex-M4) and an
 * identifier view in struct fwup_v_processor, and 8 bytes in struct
 * fwup_verifier. The default serves the hosted tools (CLI, fwup-sim) and
 * their tests; a device sets its own count. The draft examples use at most
 * 3: docs/processor.md gives context + stack for 4 components (the device
 * profile -DFWUP_V_MAX_COMPONENTS=4 -DFWUP_V_DISABLE_DEPENDENCIES: 2032
 * bytes, within the 2 KiB budget) and for the defaults (4160 bytes).
 * Every file including the verifier's headers must see the same value: the
 * structures are sized by it. */
#ifndef FWUP_V_MAX_COMPONENTS
#define FWUP_V_MAX_COMPONENTS 8
#endif

/* Most authentication blocks considered (COSE_Sign signers count one each). */
#ifndef FWUP_V_MAX_AUTH_BLOCKS
#define FWUP_V_MAX_AUTH_BLOCKS 6
#endif

/* Deepest nesting of command sequences (try-each, run-sequence) and of
 * dependencies, all on one explicit stack. */
#ifndef FWUP_V_MAX_DEPTH
#define FWUP_V_MAX_DEPTH 6
#endif

/* [TD] Deepest chain of dependencies below the root manifest (root ->
 * dependency -> its dependency ...). Each level holds one struct
 * fwup_verifier (584 bytes on Cortex-M4) inside struct fwup_v_processor, and
 * authenticating a dependency is the deepest stack chain of fwup_v_process
 * (1080 bytes, 728 without dependencies). Deeper chains
 * are rejected with FWUP_E_LIMIT_DEPTH. FWUP_V_DISABLE_DEPENDENCIES removes
 * dependency support (a manifest declaring one is then refused, [TD] §5.1). */
#ifdef FWUP_V_DISABLE_DEPENDENCIES
#undef FWUP_V_MAX_DEP_DEPTH
#define FWUP_V_MAX_DEP_DEPTH 0
#endif
#ifndef FWUP_V_MAX_DEP_DEPTH
#define FWUP_V_MAX_DEP_DEPTH 2
#endif
#if FWUP_V_MAX_DEP_DEPTH == 0 && !defined(FWUP_V_DISABLE_DEPENDENCIES)
#define FWUP_V_DISABLE_DEPENDENCIES
#endif

/* Largest COSE protected header accepted (it is copied into the to-be-signed
 * structure built on the stack). */
#ifndef FWUP_V_MAX_PROTECTED
#define FWUP_V_MAX_PROTECTED 48
#endif

/* Largest digest handled (SHA-512). */
#ifndef FWUP_V_MAX_DIGEST
#define FWUP_V_MAX_DIGEST 64
#endif

/* Trust anchors a policy may hold, and distinct roles. */
#ifndef FWUP_V_MAX_ANCHORS
#define FWUP_V_MAX_ANCHORS 8
#endif
#ifndef FWUP_V_MAX_ROLES
#define FWUP_V_MAX_ROLES 8
#endif

/* Most key/value pairs in one SUIT or COSE header map the verifier decodes.
 * SUIT maps hold a dozen keys; the bound keeps the duplicate-key check
 * (a walk back over earlier keys) at most quadratic in a small number. */
#ifndef FWUP_V_MAX_MAP_PAIRS
#define FWUP_V_MAX_MAP_PAIRS 64
#endif

#endif /* FWUP_VERIFIER_CONFIG_H */
