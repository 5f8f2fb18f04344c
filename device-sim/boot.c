/*
 * The static bootloader: selects, verifies and invokes an image; trial boot
 * and revert.
 *
 * Boot steps and the power-fail invariant after each:
 *
 *  1. Recover the state log (read only): the newest valid record.
 *  2. Candidates: slots the log names TRIAL or CONFIRMED, newest manifest
 *     sequence number first. A CONFIRMED slot older than the anti-rollback
 *     value is superseded and never booted (DESIGN.md §1.4). A partly
 *     written slot is never a candidate: the agent names a slot TRIAL only
 *     in its commit record, after image and envelope are complete.
 *  3. A TRIAL slot that already used its trial boots (trial_boots, layout)
 *     did not confirm itself: it is marked REJECTED (revert) in memory and
 *     the next candidate is tried. The change is written together with the
 *     next record of this boot (or alone if nothing boots): a cut before that
 *     makes the next boot take the same decision again.
 *  4. Verify the candidate, read only: the envelope stored in the slot must
 *     match the SHA-256 in the log, authenticate with the provisioned policy,
 *     carry the sequence number in the log, and its INVOKE procedure
 *     (validate, load, invoke) must pass through fwup_v_process with read
 *     hooks on the slot: image-match re-hashes the image from flash. A slot
 *     that fails is skipped (never booted, never written).
 *  5. The invoke hook is the hand-over. Right before it, the bootloader
 *     appends the record "active = this slot" and, for a trial, "one more
 *     trial boot used". Cut before / during it: nothing changed, the next
 *     boot repeats this one. Cut after: the attempt counts, so an image that
 *     crashes (or loses power) during its trial is reverted next time: a
 *     trial image gets trial_boots chances, not more.
 *  6. The image runs its health check (the simulated check fails with
 *     --fail-health or when the image contains FWUP_SIM_FAIL_MARKER). A
 *     healthy trial image confirms itself: one record, CONFIRMED and the
 *     anti-rollback value raised to its sequence number. Cut before / during
 *     it: still TRIAL with its attempt used, so the next boot reverts to the
 *     other slot; the anti-rollback value is the old one (the record carries
 *     both changes at once, they cannot be separated by a cut).
 */
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct boot {
    struct fwup_sim *s;
    struct fwup_diag *d;
    int slot;
    bool invoked;
    bool dirty; /* s->st changed in memory (a revert), not yet appended */
};

static bool
is_ours(struct boot *b, const struct fwup_v_component *c)
{
    return fwup_layout_is_image(&b->s->layout, c->id);
}

/* The staging component (layout "staging") may appear in a stored manifest
 * (fetched into during the update); it is accepted so that the manifest
 * passes the component check, but at boot it holds nothing: its content is
 * not tracked by the state log and is never booted or verified against. */
static bool
is_staging(struct boot *b, const struct fwup_v_component *c)
{
    return fwup_layout_is_staging(&b->s->layout, c->id);
}

static enum fwup_err
h_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    *ok = is_ours(ctx, c) || is_staging(ctx, c);
    return FWUP_OK;
}

static enum fwup_err
h_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes value, bool *ok)
{
    *ok = fwup_sim_match_ident(((struct boot *)ctx)->s, which, value);
    return FWUP_OK;
}

static enum fwup_err
h_check_sequence(void *ctx, uint64_t seq)
{
    (void)ctx;
    (void)seq;
    /* Only the update procedure asks; the bootloader's rule is step 2. */
    return FWUP_OK;
}

static enum fwup_err
h_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    (void)c;
    *ok = slot == (uint64_t)((struct boot *)ctx)->slot;
    return FWUP_OK;
}

static enum fwup_err
h_no_write(void *ctx)
{
    return fwup_diag_set(((struct boot *)ctx)->d, FWUP_E_UNSUPPORTED, NULL,
                         "the bootloader never writes a slot");
}

static enum fwup_err
h_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    (void)c;
    (void)uri;
    (void)size;
    return h_no_write(ctx);
}

static enum fwup_err
h_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    (void)c;
    (void)size;
    return h_no_write(ctx);
}

static enum fwup_err
h_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *p, size_t n)
{
    (void)c;
    (void)p;
    (void)n;
    return h_no_write(ctx);
}

static enum fwup_err
h_write_end(void *ctx, const struct fwup_v_component *c)
{
    (void)c;
    return h_no_write(ctx);
}

static enum fwup_err
h_copy(void *ctx, const struct fwup_v_component *x, const struct fwup_v_component *y)
{
    (void)x;
    (void)y;
    return h_no_write(ctx);
}

static enum fwup_err
h_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    struct boot *b = ctx;

    *size = is_ours(b, c) ? b->s->st.slot[b->slot].image_len : 0;
    return FWUP_OK;
}

static enum fwup_err
h_read(void *ctx, const struct fwup_v_component *c, uint64_t off, uint8_t *buf, size_t len)
{
    struct boot *b = ctx;
    uint64_t size = b->s->st.slot[b->slot].image_len;

    if (!is_ours(b, c))
        size = 0; /* the staging area: nothing to read at boot */
    if (off > size || len > size - off)
        return fwup_diag_set(b->d, FWUP_E_INVALID_ARG, NULL, "read past the image");
    return fwup_flash_read(&b->s->flash, b->s->layout.slot[b->slot].off + (uint32_t)off, buf, len);
}

/* Step 5: persist the boot before handing over. */
static enum fwup_err
h_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    struct boot *b = ctx;
    struct fwup_sim *s = b->s;
    struct fwup_slot_rec *r = &s->st.slot[b->slot];
    bool change = b->dirty || s->st.active != b->slot || r->state == FWUP_SLOT_TRIAL;
    enum fwup_err e = FWUP_OK;

    (void)c;
    (void)args;
    if (change) {
        s->st.active = (uint8_t)b->slot;
        if (r->state == FWUP_SLOT_TRIAL && r->attempts < 255)
            r->attempts++;
        s->st.last_boot.code = FWUP_OK;
        s->st.last_boot.slot = (uint8_t)b->slot;
        s->st.last_boot.seq = r->seq;
        e = fwup_state_append(&s->flash, &s->layout, &s->st, &s->pos, b->d);
        b->dirty = false;
    }
    if (e == FWUP_OK)
        b->invoked = true;
    return e;
}

/* [UM] use-before: the device clock. */
static enum fwup_err
h_now(void *ctx, uint64_t *utc_seconds)
{
    return fwup_sim_clock(((struct boot *)ctx)->s, utc_seconds);
}

/* Step 4: is this slot's content exactly what the log committed, and does
 * its manifest's INVOKE procedure pass? Read only until the invoke hook. */
static enum fwup_err
verify_and_invoke(struct boot *b, int slot)
{
    static struct fwup_verifier v;
    static struct fwup_v_processor proc;
    struct fwup_v_diag vd = {0};
    struct fwup_sim *s = b->s;
    const struct fwup_slot_rec *r = &s->st.slot[slot];
    const struct fwup_sim_part *part = &s->layout.slot[slot];
    struct fwup_v_platform plat;
    uint8_t *env = NULL, md[32];
    enum fwup_err e;

    if (r->env_len == 0 || r->env_off > part->size || r->env_len > part->size - r->env_off ||
        r->image_len > r->env_off)
        return FWUP_E_FLASH;
    env = malloc(r->env_len);
    if (env == NULL)
        return FWUP_E_NO_MEMORY;
    e = fwup_flash_read(&s->flash, part->off + r->env_off, env, r->env_len);
    if (e != FWUP_OK)
        goto out;
    SHA256(env, r->env_len, md);
    /* Public data (a digest of the stored envelope), not a secret. */
    if (memcmp(md, r->env_sha256, 32) != 0) {
        e = FWUP_E_MANIFEST_DIGEST;
        goto out;
    }
    e = fwup_sim_authenticate(s, &v, env, r->env_len, NULL);
    if (e != FWUP_OK)
        goto out;
    if (v.m.sequence_number != r->seq) {
        e = FWUP_E_ROLLBACK;
        goto out;
    }
    memset(&plat, 0, sizeof plat);
    plat.ctx = b;
    plat.component_ok = h_component_ok;
    plat.match_ident = h_match_ident;
    plat.check_sequence = h_check_sequence;
    plat.match_slot = h_match_slot;
    plat.fetch = h_fetch;
    plat.write_begin = h_write_begin;
    plat.write_chunk = h_write_chunk;
    plat.write_end = h_write_end;
    plat.size = h_size;
    plat.read = h_read;
    plat.copy = h_copy;
    plat.swap = h_copy;
    plat.invoke = h_invoke;
    plat.now = h_now; /* a use-before in a shared sequence is judged at boot too */
    /* Same rule as the agent: off only on a --no-identity-checks device. */
    proc.require_ident = b->s->require_ident;
    b->slot = slot;
    b->invoked = false;
    e = fwup_v_process(&v, FWUP_V_PROC_INVOKE, &plat, &proc, &vd);
    if (e == FWUP_OK && !b->invoked)
        e = FWUP_E_SUIT_MISSING; /* a manifest that never invokes cannot be booted */
out:
    free(env);
    return e;
}

/* The simulated image's health check. */
static enum fwup_err
healthy(struct fwup_sim *s, int slot, bool fail_flag, bool *ok)
{
    uint32_t n = s->st.slot[slot].image_len;
    uint8_t *img;
    enum fwup_err e;

    *ok = !fail_flag;
    if (!*ok || n == 0)
        return FWUP_OK;
    img = malloc(n);
    if (img == NULL)
        return FWUP_E_NO_MEMORY;
    e = fwup_flash_read(&s->flash, s->layout.slot[slot].off, img, n);
    if (e == FWUP_OK)
        *ok = memmem(img, n, FWUP_SIM_FAIL_MARKER, sizeof FWUP_SIM_FAIL_MARKER - 1) == NULL;
    free(img);
    return e;
}

enum fwup_err
fwup_sim_boot(struct fwup_sim *s, const struct fwup_sim_boot_opts *o,
              struct fwup_sim_boot_result *res, struct fwup_diag *d)
{
    struct boot b;
    int order[2], n = 0;
    enum fwup_err e;

    memset(res, 0, sizeof *res);
    res->slot = -1;
    res->reverted = -1;
    memset(&b, 0, sizeof b);
    b.s = s;
    b.d = d;
    /* Step 2: candidates, newest first. */
    for (int i = 0; i < 2; i++) {
        const struct fwup_slot_rec *r = &s->st.slot[i];
        if (r->state == FWUP_SLOT_TRIAL ||
            (r->state == FWUP_SLOT_CONFIRMED && r->seq >= s->st.anti_rollback))
            order[n++] = i;
    }
    if (n == 2 && s->st.slot[order[1]].seq > s->st.slot[order[0]].seq) {
        int t = order[0];
        order[0] = order[1];
        order[1] = t;
    }
    for (int k = 0; k < n; k++) {
        int i = order[k];
        struct fwup_slot_rec *r = &s->st.slot[i];
        bool ok;

        if (r->state == FWUP_SLOT_TRIAL && r->attempts >= s->layout.trial_boots) {
            /* Step 3: the trial ran and did not confirm itself. */
            r->state = FWUP_SLOT_REJECTED;
            res->reverted = i;
            b.dirty = true;
            continue;
        }
        e = verify_and_invoke(&b, i);
        if (e == FWUP_E_POWER_CUT || s->flash.cut)
            return fwup_diag_set(d, FWUP_E_POWER_CUT, NULL, "power cut during boot");
        if (e != FWUP_OK) {
            res->skipped[i] = (int)e;
            continue;
        }
        res->slot = i;
        res->seq = r->seq;
        if (r->state != FWUP_SLOT_TRIAL) {
            res->outcome = FWUP_SIM_BOOT_CONFIRMED;
            return FWUP_OK;
        }
        /* Step 6: the trial image checks itself and confirms. */
        e = healthy(s, i, o->fail_health, &ok);
        if (e != FWUP_OK)
            return fwup_diag_set(d, e, NULL, "health check: %s", fwup_err_str(e));
        if (!ok) {
            res->outcome = FWUP_SIM_BOOT_TRIAL_UNCONFIRMED;
            return FWUP_OK;
        }
        res->outcome = FWUP_SIM_BOOT_TRIAL_OK;
        return fwup_sim_confirm(s, d);
    }
    /* Nothing booted. Persist a revert decided above, so the log says why. */
    if (b.dirty) {
        s->st.last_boot.code = FWUP_E_NO_BOOTABLE_IMAGE;
        s->st.last_boot.slot = FWUP_SLOT_NONE;
        e = fwup_state_append(&s->flash, &s->layout, &s->st, &s->pos, d);
        if (e != FWUP_OK)
            return e;
    }
    return fwup_diag_set(d, FWUP_E_NO_BOOTABLE_IMAGE, NULL,
                         "no slot holds a valid image (%s: %s, %s: %s)", "A",
                         fwup_sim_slot_state_name(s->st.slot[0].state), "B",
                         fwup_sim_slot_state_name(s->st.slot[1].state));
}

enum fwup_err
fwup_sim_confirm(struct fwup_sim *s, struct fwup_diag *d)
{
    struct fwup_slot_rec *r;

    if (s->st.active == FWUP_SLOT_NONE || s->st.slot[s->st.active].state != FWUP_SLOT_TRIAL ||
        s->st.slot[s->st.active].attempts == 0)
        return fwup_diag_set(d, FWUP_E_BAD_STATE, NULL, "no trial image is running");
    r = &s->st.slot[s->st.active];
    /* One record: confirmed AND the anti-rollback value raised together. */
    r->state = FWUP_SLOT_CONFIRMED;
    if (r->seq > s->st.anti_rollback)
        s->st.anti_rollback = r->seq;
    return fwup_state_append(&s->flash, &s->layout, &s->st, &s->pos, d);
}
