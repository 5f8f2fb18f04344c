/*
 * The update agent: authenticates an envelope with the device's policy and
 * runs its UPDATE procedure (fwup_v_process) with flash-backed hooks that
 * write the payload into the INACTIVE slot.
 *
 * Install steps and the power-fail invariant after each (a cut at ANY flash
 * operation leaves the device bootable with the old image, and re-running
 * the same install completes it):
 *
 *  1. Read and authenticate the envelope, run the processor's checks
 *     (components, vendor / class / device ids, rollback through
 *     check_sequence). NO flash write: a rejected envelope leaves the flash
 *     byte-identical (the hooks below write only from fetch / write_begin).
 *  2. First write of the update (fetch or write_begin): if the target slot
 *     still holds an image in the state log, append a record marking it
 *     EMPTY. Cut before / during it: the log still says what it said, and the
 *     slot content is untouched. Cut after: the target is empty, the active
 *     slot is untouched.
 *  3. Stream the payload: each sector of the target slot is erased at most
 *     once, lazily, right before its first program; programs are page sized.
 *     Cut anywhere here: only the target slot changed, and the log does not
 *     name it as bootable (step 2), so the bootloader never looks at it.
 *  4. The processor checks the written image (image-match reads it back
 *     through the read hook). Read only. An image that no image-match
 *     passed on after it was written (or, decrypted, whose AEAD tag did not
 *     verify it) is never committed.
 *  5. Write the envelope after the image (aligned to the write size). Cut:
 *     as in 3.
 *  6. COMMIT: append one state record naming the target slot TRIAL, with the
 *     image length, the manifest sequence number, the envelope's place and
 *     its SHA-256. This single record program is the commit point: torn, it
 *     does not verify and the previous record (target EMPTY) wins.
 * With a staging partition (layout "staging"), a manifest may fetch into the
 * staging component and COPY into the image component, decrypting on the
 * way ([ENC] §4, the draft's aes-kw examples). The fetch into staging comes
 * before step 2 and changes nothing the state log names: a cut there leaves
 * the log, both slots, and so what boots, as they were. The copy is steps
 * 2-3 with the staging partition as the source. Staging content does not
 * outlive the run: a re-run fetches again (nothing records how much of an
 * earlier download was written, and it would have to be re-authenticated
 * anyway), so each update erases each staging sector it uses exactly once.
 * The anti-rollback value is NOT raised here: it is raised when the new
 * image confirms itself (boot.c), so a trial that fails and is reverted can
 * be installed again, while anything not newer than the confirmed image is
 * refused (check_sequence).
 */
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sim.h"

/*
 * Where a component's bytes go: the target slot (the image component) or the
 * staging partition (the layout's staging component). Each update writes a
 * sink at most once, erasing each of its sectors at most once, lazily.
 */
struct sink {
    const struct fwup_sim_part *part;
    const char *name;      /* for messages: "slot A", "staging" */
    uint32_t cap;          /* bytes the content may use */
    uint8_t *erased;       /* per sector: erased in this update */
    uint8_t *page;         /* program buffer, one page */
    uint32_t page_off;     /* partition offset of the buffered page */
    uint32_t pos;          /* content bytes received */
    bool writing;          /* between write_begin and write_end */
    bool written;          /* the content was completely written */
    /* The content was authenticated after it was written: an image-match
     * on it passed, or it was decrypted with an AEAD whose tag verified. */
    bool checked;
    bool aead;             /* dec is A128GCM: final() authenticates the plaintext */
    uint64_t erases;
    struct fwup_decrypt *dec; /* the bytes arriving are ciphertext: decrypt while storing */
};

struct agent {
    struct fwup_sim *s;
    struct fwup_diag *d;
    const char *payload_dir;
    int target;
    struct sink img;   /* the image component: the INACTIVE slot */
    struct sink stage; /* the staging component (layout.has_staging) */
    bool touched;      /* the target slot's state record was handled (step 2) */
    bool wrote;        /* the update has written to the flash (any partition) */
    int64_t img_index; /* the processor's index of the image component (-1: none yet) */
    uint8_t *dbuf;     /* plaintext out of the decryptor, DEC_CHUNK bytes */
};

/* Plaintext is written to the slot in pieces of this size. */
#define DEC_CHUNK 4096

static bool
is_ours(struct agent *a, const struct fwup_v_component *c)
{
    return fwup_layout_is_image(&a->s->layout, c->id);
}

static bool
is_staging(struct agent *a, const struct fwup_v_component *c)
{
    return fwup_layout_is_staging(&a->s->layout, c->id);
}

/* The sink of a component; component_ok admitted only these two. */
static struct sink *
sink_of(struct agent *a, const struct fwup_v_component *c)
{
    return is_ours(a, c) ? &a->img : is_staging(a, c) ? &a->stage : NULL;
}

static enum fwup_err
no_sink(struct agent *a)
{
    return fwup_diag_set(a->d, FWUP_E_SUIT_COMPONENT, NULL,
                         "component is neither the image nor the staging area");
}

static enum fwup_err
touch(struct agent *a, struct sink *k)
{
    struct fwup_sim *s = a->s;
    struct fwup_slot_rec *r = &s->st.slot[a->target];

    a->wrote = true;
    /* The staging partition is named by nothing in the state log: writing
     * it needs no record, and a cut while it is written leaves the log, and
     * so what boots, unchanged. */
    if (k != &a->img || a->touched)
        return FWUP_OK;
    a->touched = true;
    if (r->state == FWUP_SLOT_EMPTY)
        return FWUP_OK;
    /* Step 2: the slot is about to be destroyed; say so in the log first. */
    memset(r, 0, sizeof *r);
    r->state = FWUP_SLOT_EMPTY;
    return fwup_state_append(&s->flash, &s->layout, &s->st, &s->pos, a->d);
}

/* Program bytes at partition offset `off` (page-contained, write-size
 * multiple), erasing the sector first if this update has not erased it yet. */
static enum fwup_err
part_program(struct agent *a, struct sink *k, uint32_t off, const uint8_t *p, size_t n)
{
    const struct fwup_sim_layout *l = &a->s->layout;
    uint32_t sec = off / l->geom.sector_size;
    enum fwup_err e;

    if (!k->erased[sec]) {
        e = fwup_flash_erase(&a->s->flash, (k->part->off + off) / l->geom.sector_size, a->d);
        if (e != FWUP_OK)
            return e;
        k->erased[sec] = 1;
        k->erases++;
    }
    return fwup_flash_program(&a->s->flash, k->part->off + off, p, n, a->d);
}

/* Program the buffered page (the part filled so far, padded with 0xFF up to
 * the write size: padding programs nothing, the cells are erased). */
static enum fwup_err
flush_page(struct agent *a, struct sink *k, uint32_t fill)
{
    uint32_t ws = a->s->layout.geom.write_size;
    uint32_t n = (fill + ws - 1) / ws * ws;

    if (fill == 0)
        return FWUP_OK;
    memset(k->page + fill, 0xff, n - fill);
    return part_program(a, k, k->page_off, k->page, n);
}

static enum fwup_err
h_component_ok(void *ctx, const struct fwup_v_component *c, bool *ok)
{
    struct agent *a = ctx;

    *ok = sink_of(a, c) != NULL;
    /* Each identifier has one index for the whole procedure (dependencies
     * share their dependent's, processor.h): the records name it. */
    if (is_ours(a, c))
        a->img_index = c->index;
    return FWUP_OK;
}

static enum fwup_err
h_match_ident(void *ctx, enum fwup_v_ident which, struct fwup_bytes value, bool *ok)
{
    *ok = fwup_sim_match_ident(((struct agent *)ctx)->s, which, value);
    return FWUP_OK;
}

static enum fwup_err
h_check_sequence(void *ctx, uint64_t seq)
{
    struct agent *a = ctx;

    /* Rollback (manifest-37 §6.2; DESIGN.md §1.4): only a sequence number
     * newer than the highest confirmed one may be installed. */
    if (seq <= a->s->st.anti_rollback)
        return fwup_diag_set(a->d, FWUP_E_ROLLBACK, "manifest.sequence-number",
                             "sequence number %llu is not newer than the device's %llu",
                             (unsigned long long)seq,
                             (unsigned long long)a->s->st.anti_rollback);
    return FWUP_OK;
}

static enum fwup_err
h_match_slot(void *ctx, const struct fwup_v_component *c, uint64_t slot, bool *ok)
{
    struct agent *a = ctx;

    (void)c;
    *ok = slot == (uint64_t)a->target;
    return FWUP_OK;
}

/* Parse the encryption info and unwrap the CEK with the provisioned key. */
static enum fwup_err
start_decrypt(struct agent *a, struct sink *k, struct fwup_bytes info)
{
    struct fwup_enc_info *pi;
    enum fwup_err e;

    if (a->s->dec_key == NULL)
        return fwup_diag_set(a->d, FWUP_E_DECRYPT, "encryption-info",
                             "encrypted payload, and this device has no decryption key "
                             "(provision one with init --kek or --device-key)");
    pi = malloc(sizeof *pi);
    if (a->dbuf == NULL)
        a->dbuf = malloc(DEC_CHUNK);
    if (pi == NULL || a->dbuf == NULL) {
        free(pi);
        return fwup_diag_set(a->d, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    e = fwup_enc_info_parse(info.ptr, info.len, pi, a->d);
    if (e == FWUP_OK)
        e = fwup_decrypt_new(pi, a->s->dec_key, &k->dec, a->d);
    /* A128GCM authenticates what it decrypts; A128CTR does not, and its
     * plaintext still needs an image-match. */
    k->aead = (pi->alg == 1);
    free(pi);
    return e;
}

/* Plaintext bytes into the sink, page by page. */
static enum fwup_err
store(struct agent *a, struct sink *k, const uint8_t *data, size_t len)
{
    uint32_t ps = a->s->layout.geom.page_size;

    if (len > k->cap - k->pos)
        return fwup_diag_set(a->d, FWUP_E_LIMIT_BUFFER, NULL,
                             "content does not fit in %s (%u bytes%s)", k->name, k->cap,
                             k == &a->img ? " with the envelope" : "");
    while (len > 0) {
        uint32_t fill = k->pos - k->page_off;
        size_t n = ps - fill < len ? ps - fill : len;
        memcpy(k->page + fill, data, n);
        k->pos += (uint32_t)n;
        data += n;
        len -= n;
        if (k->pos - k->page_off == ps) {
            enum fwup_err e = flush_page(a, k, ps);
            if (e != FWUP_OK)
                return e;
            k->page_off += ps;
        }
    }
    return FWUP_OK;
}

static enum fwup_err
h_write_begin(void *ctx, const struct fwup_v_component *c, uint64_t size)
{
    struct agent *a = ctx;
    struct sink *k = sink_of(a, c);
    enum fwup_err e;

    if (k == NULL)
        return no_sink(a);
    if (k->written || k->writing)
        /* A second write would need a second erase of the same sectors. */
        return fwup_diag_set(a->d, FWUP_E_DIRECTIVE_FAILED, NULL,
                             "%s is written twice in one update", k->name);
    if (size > k->cap)
        return fwup_diag_set(a->d, FWUP_E_LIMIT_BUFFER, NULL,
                             "content of %llu bytes does not fit in %s (%u bytes%s)",
                             (unsigned long long)size, k->name, k->cap,
                             k == &a->img ? " with the envelope" : "");
    /* Encrypted payload ([ENC] §4: encryption-info on the destination of
     * fetch / write / copy): set up decryption BEFORE the first flash
     * operation on this sink, so a device without the key, with the wrong
     * key, or facing an info it cannot use, refuses with the sink (and above
     * all the slot) untouched. */
    if (c->enc_info.len > 0) {
        e = start_decrypt(a, k, c->enc_info);
        if (e != FWUP_OK)
            return e;
    }
    k->writing = true;
    k->pos = 0;
    k->page_off = 0;
    return touch(a, k);
}

static enum fwup_err
h_write_chunk(void *ctx, const struct fwup_v_component *c, const uint8_t *data, size_t len)
{
    struct agent *a = ctx;
    struct sink *k = sink_of(a, c);

    if (k == NULL || !k->writing)
        return fwup_diag_set(a->d, FWUP_E_BAD_STATE, NULL, "write_chunk outside a write");
    if (k->dec == NULL)
        return store(a, k, data, len);
    /* Decrypt while storing, a piece at a time: the device never holds the
     * image. With A128GCM this plaintext is not yet authenticated; it goes
     * only into the inactive slot (or the staging area), which nothing names
     * bootable until the commit record, written after the tag check
     * (write_end) and the image-match. */
    while (len > 0) {
        size_t n = len < DEC_CHUNK ? len : DEC_CHUNK, got = 0;
        enum fwup_err e = fwup_decrypt_update(k->dec, data, n, a->dbuf, DEC_CHUNK, &got, a->d);
        if (e == FWUP_OK)
            e = store(a, k, a->dbuf, got);
        if (e != FWUP_OK)
            return e;
        data += n;
        len -= n;
    }
    return FWUP_OK;
}

static enum fwup_err
h_write_end(void *ctx, const struct fwup_v_component *c)
{
    struct agent *a = ctx;
    struct sink *k = sink_of(a, c);
    enum fwup_err e;

    if (k == NULL || !k->writing)
        return fwup_diag_set(a->d, FWUP_E_BAD_STATE, NULL, "write_end outside a write");
    if (k->dec != NULL) {
        /* A128GCM: the tag check. A failure leaves the slot EMPTY in the
         * log (step 2) and the install is never committed. */
        e = fwup_decrypt_final(k->dec, a->d);
        fwup_decrypt_free(k->dec);
        k->dec = NULL;
        if (e != FWUP_OK) {
            k->writing = false;
            return e;
        }
    }
    e = flush_page(a, k, k->pos - k->page_off);
    k->writing = false;
    k->written = e == FWUP_OK;
    k->checked = k->written && k->aead; /* the tag verified above */
    return e;
}

static enum fwup_err
h_fetch(void *ctx, const struct fwup_v_component *c, struct fwup_bytes uri, uint64_t size)
{
    struct agent *a = ctx;
    char name[256], path[PATH_MAX];
    size_t start = 0, n;
    uint8_t buf[4096];
    FILE *f;
    enum fwup_err e;

    /* Transport-agnostic (DESIGN.md §1.1): the URI's last path segment names
     * a file in --payloads. Anything odd in it is refused, not sanitised. */
    for (size_t i = 0; i < uri.len; i++)
        if (uri.ptr[i] == '/')
            start = i + 1;
    n = uri.len - start;
    if (a->payload_dir == NULL)
        return fwup_diag_set(a->d, FWUP_E_FETCH, NULL, "payload needed but no --payloads given");
    if (n == 0 || n >= sizeof name || memchr(uri.ptr + start, 0, n) != NULL ||
        (n <= 2 && uri.ptr[start] == '.'))
        return fwup_diag_set(a->d, FWUP_E_FETCH, NULL, "cannot map the URI to a payload file");
    memcpy(name, uri.ptr + start, n);
    name[n] = '\0';
    snprintf(path, sizeof path, "%s/%s", a->payload_dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return fwup_diag_set(a->d, FWUP_E_FETCH, NULL, "payload '%s': %s", path, strerror(errno));
    e = h_write_begin(a, c, size);
    while (e == FWUP_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        e = h_write_chunk(a, c, buf, n);
    if (e == FWUP_OK && ferror(f))
        e = fwup_diag_set(a->d, FWUP_E_FETCH, NULL, "payload '%s': read error", path);
    fclose(f);
    if (e == FWUP_OK)
        e = h_write_end(a, c);
    return e;
}

static enum fwup_err
h_size(void *ctx, const struct fwup_v_component *c, uint64_t *size)
{
    struct agent *a = ctx;
    const struct fwup_slot_rec *r = &a->s->st.slot[a->target];
    struct sink *k = sink_of(a, c);

    if (k == NULL)
        return no_sink(a);
    /* The staging area holds something only once this update fetched into
     * it: nothing records what an earlier (perhaps cut) run left there. */
    if (k != &a->img || a->touched)
        *size = k->written ? k->pos : 0;
    else
        *size = r->state == FWUP_SLOT_EMPTY ? 0 : r->image_len;
    return FWUP_OK;
}

static enum fwup_err
h_read(void *ctx, const struct fwup_v_component *c, uint64_t off, uint8_t *buf, size_t len)
{
    struct agent *a = ctx;
    struct sink *k = sink_of(a, c);
    uint64_t size;
    enum fwup_err e = h_size(ctx, c, &size);

    if (e != FWUP_OK)
        return e;
    if (off > size || len > size - off)
        return fwup_diag_set(a->d, FWUP_E_INVALID_ARG, NULL, "read past the content");
    return fwup_flash_read(&a->s->flash, k->part->off + (uint32_t)off, buf, len);
}

/*
 * copy (22) from the staging area into the image component, decrypting when
 * the destination carries encryption-info ([ENC] §4: the ciphertext is
 * fetched into one component and decrypted while copied into another).
 * This is the write path (write_begin / chunk / end) fed from the staging
 * partition instead of the network, so it keeps every property of a fetch:
 * key checked before the slot's first flash operation, the target marked
 * EMPTY before it is erased, GCM tag checked before anything can commit.
 * The source is read from flash, never from a RAM copy of the download,
 * so what is decrypted is exactly what a later image-match on the staging
 * component would see.
 */
static enum fwup_err
h_copy(void *ctx, const struct fwup_v_component *dst, const struct fwup_v_component *src)
{
    struct agent *a = ctx;
    struct sink *kd = sink_of(a, dst), *ks = sink_of(a, src);
    uint8_t buf[1024];
    enum fwup_err e;

    if (kd != &a->img || ks != &a->stage)
        /* The active slot is never a destination, and nothing else is a
         * source: the image component always resolves to the inactive slot. */
        return fwup_diag_set(a->d, FWUP_E_UNSUPPORTED, NULL,
                             "copy: this device copies only from the staging area into the "
                             "image");
    if (!ks->written)
        return fwup_diag_set(a->d, FWUP_E_DIRECTIVE_FAILED, NULL,
                             "copy: nothing was fetched into the staging area in this update");
    e = h_write_begin(a, dst, ks->pos);
    for (uint32_t off = 0; e == FWUP_OK && off < ks->pos; off += sizeof buf) {
        size_t n = ks->pos - off < sizeof buf ? ks->pos - off : sizeof buf;
        e = fwup_flash_read(&a->s->flash, ks->part->off + off, buf, n);
        if (e == FWUP_OK)
            e = h_write_chunk(a, dst, buf, n);
    }
    if (e == FWUP_OK)
        e = h_write_end(a, dst);
    return e;
}

static enum fwup_err
h_swap(void *ctx, const struct fwup_v_component *x, const struct fwup_v_component *y)
{
    (void)x;
    (void)y;
    return fwup_diag_set(((struct agent *)ctx)->d, FWUP_E_UNSUPPORTED, NULL,
                         "swap: the device has one component");
}

static enum fwup_err
h_invoke(void *ctx, const struct fwup_v_component *c, struct fwup_bytes args)
{
    (void)c;
    (void)args;
    return fwup_diag_set(((struct agent *)ctx)->d, FWUP_E_UNSUPPORTED, NULL,
                         "invoke during an update");
}

/* One record per command executed, for the attempt's SUIT report
 * (report.c decides from the reporting policy what is kept). */
static void
h_record(void *ctx, int32_t section, uint32_t offset, uint32_t component, int32_t command,
         enum fwup_err result, uint32_t rep_policy)
{
    struct agent *a = ctx;
    struct fwup_sim *s = a->s;

    /* The commit rule (fwup_sim_install): an image-match that passed on the
     * image once it was completely written. */
    if (command == FWUP_SUIT_CMD_IMAGE_MATCH && result == FWUP_OK &&
        (int64_t)component == a->img_index && a->img.written)
        a->img.checked = true;
    if (s->attempt != NULL)
        fwup_sim_attempt_note(s->attempt, section, offset, component, command, result,
                              rep_policy);
}

/* Step 5: the envelope right after the image, page by page. */
static enum fwup_err
write_envelope(struct agent *a, const uint8_t *env, size_t len, uint32_t env_off)
{
    uint32_t ps = a->s->layout.geom.page_size, ws = a->s->layout.geom.write_size;
    uint32_t off = env_off;
    size_t done = 0;

    while (done < len) {
        uint32_t room = ps - off % ps;
        uint32_t n = len - done < room ? (uint32_t)(len - done) : room;
        uint32_t padded = (n + ws - 1) / ws * ws;
        enum fwup_err e;

        memcpy(a->img.page, env + done, n);
        memset(a->img.page + n, 0xff, padded - n);
        e = part_program(a, &a->img, off, a->img.page, padded);
        if (e != FWUP_OK)
            return e;
        off += padded;
        done += n;
    }
    return FWUP_OK;
}

/* [UM] use-before: the device clock. */
static enum fwup_err
h_now(void *ctx, uint64_t *utc_seconds)
{
    return fwup_sim_clock(((struct agent *)ctx)->s, utc_seconds);
}

enum fwup_err
fwup_sim_install(struct fwup_sim *s, const uint8_t *env, size_t len, const char *payload_dir,
                 struct fwup_sim_install_result *res, struct fwup_diag *d)
{
    static struct fwup_verifier v; /* ~600 bytes: static, like on a device */
    static struct fwup_v_processor proc;
    struct fwup_v_diag vd = {0};
    struct agent a;
    struct fwup_v_platform plat;
    const struct fwup_sim_layout *l = &s->layout;
    uint64_t erases_before = s->flash.run.erases;
    uint32_t ws = l->geom.write_size, env_off, env_room;
    struct fwup_slot_rec *r;
    enum fwup_err e;

    memset(res, 0, sizeof *res);
    res->slot = -1;
    memset(&a, 0, sizeof a);
    a.img_index = -1;
    if (len > FWUP_SIM_MAX_ENVELOPE)
        return fwup_diag_set(d, FWUP_E_IO_TOO_BIG, NULL, "envelope larger than %zu bytes",
                             FWUP_SIM_MAX_ENVELOPE);
    e = fwup_sim_authenticate(s, &v, env, len, d);
    if (e != FWUP_OK)
        return e;
    res->authenticated = true;
    res->seq = v.m.sequence_number;

    /* Never overwrite the only known-good image: while the running image is
     * an unconfirmed trial, the other slot is the fallback. */
    if (s->st.active != FWUP_SLOT_NONE && s->st.slot[s->st.active].state == FWUP_SLOT_TRIAL)
        return fwup_diag_set(d, FWUP_E_BAD_STATE, NULL,
                             "slot %s runs an unconfirmed trial image: confirm it or reboot "
                             "(revert) before updating",
                             fwup_sim_slot_name(s->st.active));
    a.target = s->st.active == FWUP_SLOT_NONE ? 0 : 1 - s->st.active;
    res->slot = a.target;
    a.s = s;
    a.d = d;
    a.payload_dir = payload_dir;
    env_room = ((uint32_t)len + ws - 1) / ws * ws;
    if (env_room >= l->slot[a.target].size)
        return fwup_diag_set(d, FWUP_E_LIMIT_BUFFER, NULL, "envelope does not fit in a slot");
    a.img.part = &l->slot[a.target];
    a.img.name = a.target == 0 ? "slot A" : "slot B";
    a.img.cap = (l->slot[a.target].size - env_room) / ws * ws;
    a.img.erased = calloc(l->slot[a.target].size / l->geom.sector_size, 1);
    a.img.page = malloc(l->geom.page_size);
    if (l->has_staging) {
        a.stage.part = &l->staging;
        a.stage.name = "the staging area";
        a.stage.cap = l->staging.size;
        a.stage.erased = calloc(l->staging.size / l->geom.sector_size, 1);
        a.stage.page = malloc(l->geom.page_size);
    }
    if (a.img.erased == NULL || a.img.page == NULL ||
        (l->has_staging && (a.stage.erased == NULL || a.stage.page == NULL))) {
        e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }

    memset(&plat, 0, sizeof plat);
    plat.ctx = &a;
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
    plat.swap = h_swap;
    plat.invoke = h_invoke;
    plat.record = h_record;
    plat.now = h_now;
    /* Vendor and class checks are required unless the device was
     * provisioned with --no-identity-checks (docs/device-sim.md: then any
     * manifest signed by a trusted key applies to it). */
    proc.require_ident = s->require_ident;
    e = fwup_v_process(&v, FWUP_V_PROC_UPDATE, &plat, &proc, &vd);
    if (e != FWUP_OK) {
        if (vd.offset != 0 && (d == NULL || d->code == FWUP_OK))
            fwup_diag_set_at(d, e, vd.offset, NULL, "update procedure failed: %s",
                             fwup_err_str(e));
        else
            fwup_diag_set(d, e, NULL, "update procedure failed: %s", fwup_err_str(e));
        goto fail_record;
    }
    if (!a.img.written) {
        e = fwup_diag_set(d, FWUP_E_DIRECTIVE_FAILED, NULL,
                          "the manifest installed no image into the slot");
        goto fail_record;
    }
    /* Commit only content this update authenticated. Without the rule a
     * manifest that writes and never checks would commit a slot the
     * bootloader then refuses (it verifies the image digest before every
     * invoke), and a slot's worth of erases would be spent for nothing.
     * Step 4 of the header comment, made a requirement. */
    if (!a.img.checked) {
        e = fwup_diag_set(d, FWUP_E_DIRECTIVE_FAILED, NULL,
                          "the manifest never checked the image it installed (no image-match "
                          "passed on it after it was written, no authenticated decryption): "
                          "not committed");
        goto fail_record;
    }
    env_off = (a.img.pos + ws - 1) / ws * ws;
    e = write_envelope(&a, env, len, env_off);
    if (e != FWUP_OK)
        goto out;

    /* Step 6, the commit point. */
    r = &s->st.slot[a.target];
    memset(r, 0, sizeof *r);
    r->state = FWUP_SLOT_TRIAL;
    r->image_len = a.img.pos;
    r->seq = v.m.sequence_number;
    r->env_off = env_off;
    r->env_len = (uint32_t)len;
    SHA256(env, len, r->env_sha256);
    s->st.last_install.code = FWUP_OK;
    s->st.last_install.slot = (uint8_t)a.target;
    s->st.last_install.seq = v.m.sequence_number;
    e = fwup_state_append(&s->flash, l, &s->st, &s->pos, d);
    res->image_len = a.img.pos;
    goto out;

fail_record:
    /* Record the failure for reports, but only if the update already wrote
     * to the flash (the slot or the staging area): a rejected envelope must
     * leave the flash untouched. */
    if (a.wrote && e != FWUP_E_POWER_CUT && !s->flash.cut) {
        s->st.last_install.code = (uint16_t)e;
        s->st.last_install.slot = (uint8_t)a.target;
        s->st.last_install.seq = v.m.sequence_number;
        (void)fwup_state_append(&s->flash, l, &s->st, &s->pos, NULL);
    }
out:
    res->erases_slot = a.img.erases;
    res->erases_staging = a.stage.erases;
    res->erases_state = s->flash.run.erases - erases_before - a.img.erases - a.stage.erases;
    fwup_decrypt_free(a.img.dec); /* an install that failed mid-payload */
    fwup_decrypt_free(a.stage.dec);
    free(a.dbuf);
    free(a.img.erased);
    free(a.img.page);
    free(a.stage.erased);
    free(a.stage.page);
    return e;
}
