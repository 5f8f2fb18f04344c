/*
 * Internal helpers shared by the verifier's files (not exported: the library
 * is built with -fvisibility=hidden and these carry no FWUP_API).
 */
#ifndef FWUP_VERIFIER_INT_H
#define FWUP_VERIFIER_INT_H

#include "fwup/verifier.h"

/* Kept out of line where a helper with a large frame would otherwise be
 * inlined into a function that also calls something deep: GCC gives the
 * caller the sum of both frames, and the worst-case stack (the device
 * budget) is the deepest chain, so a sibling's frame must not ride along. */
#if defined(__GNUC__)
#define FWUP_V_NOINLINE __attribute__((noinline))
#else
#define FWUP_V_NOINLINE
#endif

/* Largest SUIT_Digest (wrapper[0]) accepted: [alg, bstr(64)] plus room for a
 * small extension. It is copied into the to-be-signed bytes. */
#define FWUP_V_MAX_DIGEST_ITEM (FWUP_V_MAX_DIGEST + 16)

/*
 * Largest to-be-signed structure (RFC 9052 §4.4): the COSE_Sign form
 *   85 69 "Signature" bstr(body_protected) bstr(sign_protected) 40 bstr(payload)
 * with both protected headers at FWUP_V_MAX_PROTECTED and the payload at
 * FWUP_V_MAX_DIGEST_ITEM; each bstr head takes at most 3 bytes (< 65536).
 */
#define FWUP_V_TBS_MAX (1 + 10 + 2 * (3 + FWUP_V_MAX_PROTECTED) + 1 + 3 + FWUP_V_MAX_DIGEST_ITEM)

/*
 * Failures. The scope and SUIT key of the next failure are kept in v->diag
 * while no error is recorded (fwup_v_at), so a failure site passes only the
 * code and the offset: five arguments at some seventy sites were the largest
 * single item of the verifier's code size. The first failure freezes diag
 * (fwup_v_at does not touch a recorded error), marks the context failed and
 * is returned again by every later call, so callers can `return
 * fwup_v_fail(...)`. While code is FWUP_OK, scope / offset / suit_key are
 * only the decoder's position and mean nothing to a caller.
 */
void fwup_v_at(struct fwup_verifier *v, uint8_t scope, int32_t key);
enum fwup_err fwup_v_fail(struct fwup_verifier *v, enum fwup_err e, size_t off);
/* fwup_v_at + fwup_v_fail, for the few sites outside the current scope. */
enum fwup_err fwup_v_fail_at(struct fwup_verifier *v, enum fwup_err e, size_t off, uint8_t scope,
                             int32_t key);
/* Fail with the reader's own sticky error and offset. */
enum fwup_err fwup_v_rfail(struct fwup_verifier *v, const struct fwup_vcbor *r);
/* The reader must be exactly at its end: FWUP_OK, its pending error, or
 * FWUP_E_CBOR_TRAILING (something after the item the span must hold). */
enum fwup_err fwup_v_end(struct fwup_verifier *v, const struct fwup_vcbor *r);

/* A reader over span s of the envelope, reporting absolute offsets. */
void fwup_v_reader(const struct fwup_verifier *v, struct fwup_vcbor *r, struct fwup_v_span s);

/* Next item, which must be of major type `major` (FWUP_E_CBOR_TYPE else);
 * strings are consumed with their content, containers with their head. */
enum fwup_err fwup_v_get(struct fwup_vcbor *r, uint8_t major, struct fwup_vcbor_item *it);

/* An array (major FWUP_CBOR_ARRAY) or map (FWUP_CBOR_MAP) head, its count
 * as 32 bits: the verifier's spans are < 4 GiB and a count never exceeds
 * the bytes left, and 32-bit counts keep 64-bit loops out of the code. */
enum fwup_err fwup_v_count(struct fwup_vcbor *r, uint8_t major, uint32_t *n);

/*
 * One map being decoded: every SUIT and COSE map goes through these two, so
 * the pair limit and the duplicate-key check exist once.
 *
 * fwup_v_map: a map head with at most FWUP_V_MAX_MAP_PAIRS pairs
 * (FWUP_E_LIMIT_COUNT).
 *
 * fwup_v_key: the next key (uint, nint or tstr; FWUP_E_CBOR_TYPE else),
 * checked against the earlier keys of the map: known small uint keys through
 * the `seen` bitmask, any other key by walking back over the map from
 * `first`. FWUP_E_CBOR_DUPLICATE_KEY if repeated. *key is the key clamped to
 * int32 (no SUIT or COSE key is larger), 0 for a tstr key (m->tstr set):
 * 32-bit keys keep 64-bit compares out of every map decoder. *off is the
 * key's offset.
 */
struct fwup_v_map {
    uint32_t first; /* offset of the first key */
    uint32_t n;     /* pairs */
    uint32_t i;     /* pairs read */
    uint32_t seen;  /* small uint keys read */
    bool tstr;      /* the last key read is a tstr */
};
enum fwup_err fwup_v_map(struct fwup_vcbor *r, struct fwup_v_map *m);
enum fwup_err fwup_v_key(struct fwup_vcbor *r, struct fwup_v_map *m, int32_t *key, size_t *off);

/* An int (uint or nint) into *out: FWUP_E_CBOR_TYPE / _RANGE as
 * fwup_vcbor_get_int, and error `range` at offset `at` outside int32 (the
 * caller's code: an alg id no COSE registry has). */
enum fwup_err fwup_v_int32(struct fwup_vcbor *r, int32_t *out, enum fwup_err range, size_t at);

/* Parse a SUIT_Digest [alg: int, bytes: bstr, * ext] at the reader. */
enum fwup_err fwup_v_parse_digest(struct fwup_vcbor *r, int32_t *alg, struct fwup_v_span *bytes);

/*
 * Hash span `data` with COSE hash `alg` through the port and compare with
 * the digest bytes at `expect`. *match is false on a mismatch (not an error).
 */
enum fwup_err fwup_v_digest_match(const struct fwup_verifier *v, int32_t alg,
                                  const struct fwup_v_span *data,
                                  const struct fwup_v_span *expect, bool *match);

/* Decode the envelope (FWUP_V_AT_ENVELOPE), manifest (FWUP_V_AT_MANIFEST)
 * or common (FWUP_V_AT_COMMON) map at s into v (manifest.c). */
enum fwup_err fwup_v_decode_map(struct fwup_verifier *v, struct fwup_v_span s, uint8_t scope,
                                bool lenient);

/* Walk the authentication wrapper: parse its SUIT_Digest and record the
 * blocks (policy NULL, at parse) or verify the blocks against policy (at
 * authenticate). */
enum fwup_err fwup_v_walk_blocks(struct fwup_verifier *v, const struct fwup_v_policy *policy);

/* Span helpers: *s = the data of a string item, or the whole item. Macros:
 * as functions returning a struct they cost a call and a copy at each of
 * their dozen sites. */
#define FWUP_V_CONTENT(s, it) ((s)->off = (uint32_t)(it)->data_off, (s)->len = (uint32_t)(it)->val)
#define FWUP_V_WHOLE(s, it)                                                                        \
    ((s)->off = (uint32_t)(it)->off, (s)->len = (uint32_t)((it)->end - (it)->off))

/* Zero n bytes through a volatile pointer: a plain memset of a buffer that
 * is about to go out of scope may be removed by the compiler, and these
 * buffers held secrets (a MAC, a component's content). */
void fwup_v_wipe(void *p, size_t n);

/* Envelope key of each sequence slot. */
extern const uint8_t fwup_v_slot_keys[FWUP_V_N_SEQ];
/* Slot of a SUIT key, or FWUP_V_N_SEQ. */
unsigned fwup_v_key_slot(uint32_t key);

/* Severable keys (manifest-37 §8.4.12, [TD], [UM]) as a bitmask. */
#define FWUP_V_SEVERABLE_MASK                                                                      \
    ((1u << 14) | (1u << 15) | (1u << 16) | (1u << 18) | (1u << 20) | (1u << 23))

#endif /* FWUP_VERIFIER_INT_H */
