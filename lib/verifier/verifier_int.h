/*
 * Internal helpers shared by the verifier's files (not exported: the library
 * is built with -fvisibility=hidden and these carry no FWUP_API).
 */
#ifndef FWUP_VERIFIER_INT_H
#define FWUP_VERIFIER_INT_H

#include "fwup/verifier.h"

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

/* Record the first error (sticky) and mark the context failed. Returns the
 * first error, so callers can `return fwup_v_fail(...)`. */
enum fwup_err fwup_v_fail(struct fwup_verifier *v, enum fwup_err e, size_t off, uint8_t scope,
                          int32_t key);

/* Same with the reader's own sticky error and offset. */
enum fwup_err fwup_v_rfail(struct fwup_verifier *v, const struct fwup_vcbor *r, uint8_t scope,
                           int32_t key);

/* A reader over span s of the envelope, reporting absolute offsets. */
void fwup_v_reader(const struct fwup_verifier *v, struct fwup_vcbor *r, struct fwup_v_span s);

/* Next item, which must be of major type `major` (FWUP_E_CBOR_TYPE else). */
enum fwup_err fwup_v_get(struct fwup_vcbor *r, uint8_t major, struct fwup_vcbor_item *it);

/* Map head with at most FWUP_V_MAX_MAP_PAIRS pairs (FWUP_E_LIMIT_COUNT). */
enum fwup_err fwup_v_get_map(struct fwup_vcbor *r, uint64_t *n);

/*
 * Read a map key (uint, nint or tstr; FWUP_E_CBOR_TYPE else) and check it
 * against the earlier keys of the map: known small uint keys through the
 * `seen` bitmask, any other key by walking back over the map from `first`
 * (the offset of its first key). FWUP_E_CBOR_DUPLICATE_KEY if repeated.
 * *key is the key as int64 for uint/nint keys and -1 - 2^62 for tstr keys
 * (which no SUIT map uses as an integer).
 */
#define FWUP_V_KEY_TSTR (-(INT64_C(1) << 62))
enum fwup_err fwup_v_get_key(struct fwup_vcbor *r, uint32_t first, uint64_t index,
                             uint32_t *seen, int64_t *key);

/*
 * Parse a SUIT_Digest [alg: int, bytes: bstr, * ext] that must fill exactly
 * the reader's span (wrapper[0], a bstr-wrapped parameter) or be one item of
 * a larger structure (`whole` false).
 */
enum fwup_err fwup_v_parse_digest(struct fwup_vcbor *r, int32_t *alg, struct fwup_v_span *bytes);

/*
 * Hash span `data` with COSE hash `alg` through the port and compare with
 * the digest bytes at `expect`. *match is false on a mismatch (not an error).
 */
enum fwup_err fwup_v_digest_match(const struct fwup_verifier *v, int32_t alg,
                                  struct fwup_v_span data, struct fwup_v_span expect, bool *match);

/* Walk the authentication blocks: record them (policy NULL, at parse) or
 * verify them against policy (at authenticate). */
enum fwup_err fwup_v_walk_blocks(struct fwup_verifier *v, const struct fwup_v_policy *policy);

/* Span helpers: data of a string item, and a whole item. */
struct fwup_v_span fwup_v_content(const struct fwup_vcbor_item *it);
struct fwup_v_span fwup_v_whole(const struct fwup_vcbor_item *it);

/* Envelope key of each sequence slot. */
extern const uint8_t fwup_v_slot_keys[FWUP_V_N_SEQ];
/* Slot of a SUIT key, or FWUP_V_N_SEQ. */
unsigned fwup_v_key_slot(uint64_t key);

/* Severable keys (manifest-37 §8.4.12, [TD], [UM]) as a bitmask. */
#define FWUP_V_SEVERABLE_MASK                                                                      \
    ((1u << 14) | (1u << 15) | (1u << 16) | (1u << 18) | (1u << 20) | (1u << 23))

#endif /* FWUP_VERIFIER_INT_H */
