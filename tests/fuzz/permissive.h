/*
 * A permissive crypto port for fuzz targets (fuzz_envelope, fuzz_process):
 * every signature "verifies", every MAC is zeros, and every hash "comes out"
 * as the manifest digest the envelope's authentication wrapper claims. That
 * lets arbitrary manifests past authentication, so the manifest decoder and
 * the processor (which a real signature would keep out of a fuzzer's reach)
 * are fuzzed too. Its verdicts mean nothing; only memory safety and the
 * targets' invariants are checked.
 */
#ifndef FWUP_FUZZ_PERMISSIVE_H
#define FWUP_FUZZ_PERMISSIVE_H

#include "fwup/verifier.h"

struct permissive {
    const struct fwup_verifier *v; /* the context whose wrapper digest hashes "produce" */
    struct fwup_v_crypto port;
    struct fwup_v_key keys[2];
    struct fwup_v_anchor anchors[2];
    struct fwup_v_policy policy; /* a P-256 and an Ed25519 anchor, no kid, roles 0 and 1 */
};

/* Set up p for context v: p->port is the port to give fwup_verifier_init,
 * p->policy the policy every well-formed block satisfies. */
void fuzz_permissive_init(struct permissive *p, const struct fwup_verifier *v);

#endif
