/*
 * The state log (format and invariants in state.h).
 */
#include "state.h"

#include <string.h>

uint32_t
fwup_state_crc32(const uint8_t *p, size_t n)
{
    /* Bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320): 256-byte
     * records make a table pointless. */
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t
get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Byte offsets inside a record (state.h documents the same table). */
enum {
    OFF_MAGIC = 0,
    OFF_VERSION = 4,
    OFF_ACTIVE = 5,
    OFF_COUNTER = 8,
    OFF_ANTI = 16,
    OFF_SLOT = 24, /* + 64 * slot */
    SLOT_REC = 64,
    OFF_LAST_INSTALL = 152,
    OFF_LAST_BOOT = 168,
    OFF_CRC = FWUP_STATE_REC_SIZE - 4,
};

static void
put_result(uint8_t *p, const struct fwup_result_rec *r)
{
    put16(p, r->code);
    p[2] = r->slot;
    put64(p + 8, r->seq);
}

static void
get_result(const uint8_t *p, struct fwup_result_rec *r)
{
    r->code = get16(p);
    r->slot = p[2];
    r->seq = get64(p + 8);
}

void
fwup_state_encode(const struct fwup_state *s, uint8_t rec[FWUP_STATE_REC_SIZE])
{
    memset(rec, 0, FWUP_STATE_REC_SIZE);
    put32(rec + OFF_MAGIC, FWUP_STATE_MAGIC);
    rec[OFF_VERSION] = FWUP_STATE_VERSION;
    rec[OFF_ACTIVE] = s->active;
    put32(rec + OFF_COUNTER, s->counter);
    put64(rec + OFF_ANTI, s->anti_rollback);
    for (int i = 0; i < 2; i++) {
        uint8_t *p = rec + OFF_SLOT + SLOT_REC * i;
        const struct fwup_slot_rec *r = &s->slot[i];
        p[0] = r->state;
        p[1] = r->attempts;
        put32(p + 4, r->image_len);
        put64(p + 8, r->seq);
        put32(p + 16, r->env_off);
        put32(p + 20, r->env_len);
        memcpy(p + 24, r->env_sha256, 32);
    }
    put_result(rec + OFF_LAST_INSTALL, &s->last_install);
    put_result(rec + OFF_LAST_BOOT, &s->last_boot);
    put32(rec + OFF_CRC, fwup_state_crc32(rec, OFF_CRC));
}

bool
fwup_state_decode(const uint8_t rec[FWUP_STATE_REC_SIZE], struct fwup_state *s)
{
    if (get32(rec + OFF_MAGIC) != FWUP_STATE_MAGIC || rec[OFF_VERSION] != FWUP_STATE_VERSION ||
        get32(rec + OFF_CRC) != fwup_state_crc32(rec, OFF_CRC))
        return false;
    memset(s, 0, sizeof *s);
    s->active = rec[OFF_ACTIVE];
    s->counter = get32(rec + OFF_COUNTER);
    s->anti_rollback = get64(rec + OFF_ANTI);
    for (int i = 0; i < 2; i++) {
        const uint8_t *p = rec + OFF_SLOT + SLOT_REC * i;
        struct fwup_slot_rec *r = &s->slot[i];
        r->state = p[0];
        r->attempts = p[1];
        r->image_len = get32(p + 4);
        r->seq = get64(p + 8);
        r->env_off = get32(p + 16);
        r->env_len = get32(p + 20);
        memcpy(r->env_sha256, p + 24, 32);
    }
    get_result(rec + OFF_LAST_INSTALL, &s->last_install);
    get_result(rec + OFF_LAST_BOOT, &s->last_boot);
    /* A CRC-valid record with impossible values is a bug, not a tear. */
    if ((s->active > 1 && s->active != FWUP_SLOT_NONE) || s->slot[0].state > 3 ||
        s->slot[1].state > 3)
        return false;
    return true;
}

static enum fwup_err
check_geom(const struct fwup_sim_layout *l, struct fwup_diag *d)
{
    /* A record is programmed in whole write units and fits in a sector. */
    if (l->geom.write_size > FWUP_STATE_REC_SIZE || l->geom.sector_size < FWUP_STATE_REC_SIZE)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, "layout",
                             "state records need write_size <= %u <= sector_size",
                             FWUP_STATE_REC_SIZE);
    return FWUP_OK;
}

static uint32_t
slots_per_sector(const struct fwup_sim_layout *l)
{
    return l->geom.sector_size / FWUP_STATE_REC_SIZE;
}

static uint32_t
rec_addr(const struct fwup_sim_layout *l, uint32_t sector, uint32_t slot)
{
    return l->state.off + sector * l->geom.sector_size + slot * FWUP_STATE_REC_SIZE;
}

static bool
blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return false;
    return true;
}

/* Program one record; in page-sized pieces if the page is smaller (the CRC,
 * at the end, is then in the last piece: a cut between pieces tears it). */
static enum fwup_err
write_rec(struct fwup_flash *f, uint32_t addr, const uint8_t *rec, struct fwup_diag *d)
{
    uint32_t step = f->g.page_size < FWUP_STATE_REC_SIZE ? f->g.page_size : FWUP_STATE_REC_SIZE;

    for (uint32_t o = 0; o < FWUP_STATE_REC_SIZE; o += step) {
        enum fwup_err e = fwup_flash_program(f, addr + o, rec + o, step, d);
        if (e != FWUP_OK)
            return e;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_state_format(struct fwup_flash *f, const struct fwup_sim_layout *l, struct fwup_state *s,
                  struct fwup_state_pos *pos, struct fwup_diag *d)
{
    uint8_t rec[FWUP_STATE_REC_SIZE];
    enum fwup_err e = check_geom(l, d);
    uint32_t nsec = l->state.size / l->geom.sector_size;

    if (e != FWUP_OK)
        return e;
    for (uint32_t i = 0; i < nsec; i++) {
        e = fwup_flash_erase(f, l->state.off / l->geom.sector_size + i, d);
        if (e != FWUP_OK)
            return e;
    }
    memset(s, 0, sizeof *s);
    s->counter = 1;
    s->active = FWUP_SLOT_NONE;
    s->slot[0].state = s->slot[1].state = FWUP_SLOT_EMPTY;
    s->last_install.slot = s->last_boot.slot = FWUP_SLOT_NONE;
    fwup_state_encode(s, rec);
    e = write_rec(f, rec_addr(l, 0, 0), rec, d);
    if (e != FWUP_OK)
        return e;
    pos->sector = 0;
    pos->next = 1;
    return FWUP_OK;
}

enum fwup_err
fwup_state_load(struct fwup_flash *f, const struct fwup_sim_layout *l, struct fwup_state *s,
                struct fwup_state_pos *pos, struct fwup_diag *d)
{
    uint8_t rec[FWUP_STATE_REC_SIZE];
    uint32_t nsec = l->state.size / l->geom.sector_size, per = slots_per_sector(l);
    bool found = false;
    enum fwup_err e = check_geom(l, d);

    if (e != FWUP_OK)
        return e;
    for (uint32_t sec = 0; sec < nsec; sec++) {
        for (uint32_t i = 0; i < per; i++) {
            struct fwup_state t;
            e = fwup_flash_read(f, rec_addr(l, sec, i), rec, sizeof rec);
            if (e != FWUP_OK)
                return fwup_diag_set(d, e, NULL, "cannot read the state log");
            if (!fwup_state_decode(rec, &t))
                continue;
            if (!found || t.counter > s->counter) {
                *s = t;
                pos->sector = sec;
                found = true;
            }
        }
    }
    if (!found)
        return fwup_diag_set(d, FWUP_E_FLASH, "state",
                             "no valid state record (device not initialised)");
    /* Next slot: after the LAST non-blank slot of the newest record's sector,
     * so a torn record (not blank, not valid) is stepped over, and a slot
     * is only ever programmed when it is entirely 0xFF. */
    pos->next = 0;
    for (uint32_t i = per; i > 0; i--) {
        e = fwup_flash_read(f, rec_addr(l, pos->sector, i - 1), rec, sizeof rec);
        if (e != FWUP_OK)
            return fwup_diag_set(d, e, NULL, "cannot read the state log");
        if (!blank(rec, sizeof rec)) {
            pos->next = i;
            break;
        }
    }
    return FWUP_OK;
}

enum fwup_err
fwup_state_append(struct fwup_flash *f, const struct fwup_sim_layout *l, struct fwup_state *s,
                  struct fwup_state_pos *pos, struct fwup_diag *d)
{
    uint8_t rec[FWUP_STATE_REC_SIZE];
    uint32_t nsec = l->state.size / l->geom.sector_size;
    enum fwup_err e;

    if (pos->next >= slots_per_sector(l)) {
        /* Sector full: move to the next sector of the ring. It never holds
         * the newest record (that one is in pos->sector), so erasing it,
         * even partly, cannot lose the current state. */
        uint32_t nxt = (pos->sector + 1) % nsec;
        e = fwup_flash_erase(f, l->state.off / l->geom.sector_size + nxt, d);
        if (e != FWUP_OK)
            return e;
        pos->sector = nxt;
        pos->next = 0;
    }
    s->counter++;
    fwup_state_encode(s, rec);
    e = write_rec(f, rec_addr(l, pos->sector, pos->next), rec, d);
    /* Even a torn record occupies its slot: step over it. */
    pos->next++;
    return e;
}
