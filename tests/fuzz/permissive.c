/* The permissive crypto port of the fuzz targets (permissive.h). */
#include <string.h>

#include "permissive.h"

static enum fwup_err
p_hash_init(void *ctx, int32_t alg)
{
    (void)ctx;
    return (alg == FWUP_COSE_SHA256 || alg == FWUP_COSE_SHA384 || alg == FWUP_COSE_SHA512)
               ? FWUP_OK
               : FWUP_E_SUIT_DIGEST_ALG;
}

/* Touch every byte: ASan then checks the verifier's views are in bounds. */
static void
touch(const uint8_t *p, size_t n)
{
    volatile uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x = (uint8_t)(x ^ p[i]);
}

static enum fwup_err
p_hash_update(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    touch(data, len);
    return FWUP_OK;
}

/* "Computes" the digest the envelope's wrapper claims for the manifest. */
static enum fwup_err
p_hash_final(void *ctx, uint8_t *out, size_t cap, size_t *out_len)
{
    const struct permissive *p = ctx;
    struct fwup_bytes want = fwup_verifier_bytes(p->v, p->v->digest_bytes);
    size_t n = want.len <= cap ? want.len : cap;

    if (n > 0)
        memcpy(out, want.ptr, n);
    *out_len = n;
    return FWUP_OK;
}

static enum fwup_err
p_sig_verify(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
             struct fwup_bytes sig)
{
    (void)ctx;
    (void)alg;
    (void)key;
    touch(msg.ptr, msg.len);
    touch(sig.ptr, sig.len);
    return FWUP_OK;
}

static enum fwup_err
p_mac_compute(void *ctx, int32_t alg, const struct fwup_v_key *key, struct fwup_bytes msg,
              uint8_t out[32])
{
    (void)ctx;
    (void)alg;
    (void)key;
    touch(msg.ptr, msg.len);
    memset(out, 0, 32);
    return FWUP_OK;
}

void
fuzz_permissive_init(struct permissive *p, const struct fwup_verifier *v)
{
    memset(p, 0, sizeof *p);
    p->v = v;
    p->port.ctx = p;
    p->port.hash_init = p_hash_init;
    p->port.hash_update = p_hash_update;
    p->port.hash_final = p_hash_final;
    p->port.sig_verify = p_sig_verify;
    p->port.mac_compute = p_mac_compute;
    /* One P-256 and one Ed25519 anchor without kid, so every block has a
     * candidate; the key handles are never used by this port. */
    p->keys[0].type = FWUP_V_KEY_P256;
    p->keys[1].type = FWUP_V_KEY_ED25519;
    for (int i = 0; i < 2; i++) {
        p->anchors[i].key = &p->keys[i];
        p->anchors[i].role = (uint8_t)i;
    }
    p->policy.anchors = p->anchors;
    p->policy.n_anchors = 2;
}
