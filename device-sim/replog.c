/*
 * The report log (format and power-fail invariant in replog.h). Same shape
 * as the state log (state.c): fixed slots, CRC last, a ring of sectors in
 * which the sector erased never holds the newest entry.
 */
#include "replog.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state.h" /* fwup_state_crc32: one CRC-32 for both logs */

static const struct fwup_flash_geom geom = {
    FWUP_REPLOG_SECTORS * FWUP_REPLOG_SECTOR_SIZE, FWUP_REPLOG_SECTOR_SIZE, 8, 256};

#define PER_SECTOR (FWUP_REPLOG_SECTOR_SIZE / FWUP_REPLOG_SLOT)
#define OFF_CRC (FWUP_REPLOG_SLOT - 4u)

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
slot_addr(uint32_t sector, uint32_t slot)
{
    return sector * FWUP_REPLOG_SECTOR_SIZE + slot * FWUP_REPLOG_SLOT;
}

/* A valid slot: magic, version, a length that fits, and the CRC. */
static bool
slot_valid(const uint8_t *p, uint32_t *counter, uint16_t *len)
{
    uint16_t n = (uint16_t)(p[12] | p[13] << 8);

    if (get32(p) != FWUP_REPLOG_MAGIC || p[4] != FWUP_REPLOG_VERSION ||
        n > FWUP_REPLOG_MAX_REPORT || get32(p + OFF_CRC) != fwup_state_crc32(p, OFF_CRC))
        return false;
    *counter = get32(p + 8);
    *len = n;
    return true;
}

static bool
blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return false;
    return true;
}

enum fwup_err
fwup_replog_open(struct fwup_replog *l, const char *dir, bool create, struct fwup_diag *d)
{
    char path[PATH_MAX], meta[PATH_MAX];
    enum fwup_err e;
    bool found = false;
    int n1, n2;

    memset(l, 0, sizeof *l);
    n1 = snprintf(path, sizeof path, "%s/reports.bin", dir);
    n2 = snprintf(meta, sizeof meta, "%s/reports.meta", dir);
    if (n1 < 0 || (size_t)n1 >= sizeof path || n2 < 0 || (size_t)n2 >= sizeof meta)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, NULL, "path too long");
    /* Devices provisioned before the report log existed get an empty one:
     * a fresh part reads all 0xFF, which is exactly an empty log. */
    if (!create && access(path, F_OK) != 0)
        return FWUP_OK; /* no log yet: nothing was ever reported */
    e = fwup_flash_create(path, meta, &geom, NULL);
    if (e != FWUP_OK && e != FWUP_E_IO_EXISTS)
        return fwup_diag_set(d, e, NULL, "cannot create the report log '%s'", path);
    e = fwup_flash_open(&l->flash, path, meta, &geom, d);
    if (e != FWUP_OK)
        return e;
    l->open = true;

    /* Recovery: the newest valid slot decides where the next one goes. */
    for (uint32_t sec = 0; sec < FWUP_REPLOG_SECTORS; sec++) {
        for (uint32_t i = 0; i < PER_SECTOR; i++) {
            uint32_t c;
            uint16_t n;
            if (!slot_valid(l->flash.mem + slot_addr(sec, i), &c, &n))
                continue;
            if (!found || c > l->newest) {
                l->newest = c;
                l->sector = sec;
                found = true;
            }
        }
    }
    /* After the LAST non-blank slot of that sector (sector 0 for an empty
     * log): a torn slot is not blank and is stepped over, so a slot is only
     * ever programmed when it is entirely 0xFF. */
    l->next = 0;
    for (uint32_t i = PER_SECTOR; i > 0; i--) {
        if (!blank(l->flash.mem + slot_addr(l->sector, i - 1), FWUP_REPLOG_SLOT)) {
            l->next = i;
            break;
        }
    }
    return FWUP_OK;
}

enum fwup_err
fwup_replog_close(struct fwup_replog *l, struct fwup_diag *d)
{
    enum fwup_err e = FWUP_OK;

    if (l->open)
        e = fwup_flash_close(&l->flash, d);
    l->open = false;
    return e;
}

enum fwup_err
fwup_replog_append(struct fwup_replog *l, const uint8_t *report, size_t len, struct fwup_diag *d)
{
    uint8_t slot[FWUP_REPLOG_SLOT];
    uint32_t addr;
    enum fwup_err e;

    if (!l->open)
        return fwup_diag_set(d, FWUP_E_BAD_STATE, NULL, "report log not open");
    if (len > FWUP_REPLOG_MAX_REPORT)
        return fwup_diag_set(d, FWUP_E_LIMIT_BUFFER, NULL,
                             "report of %zu bytes does not fit a report slot (%u bytes)", len,
                             FWUP_REPLOG_MAX_REPORT);
    if (l->next >= PER_SECTOR) {
        /* Full: erase the next sector of the ring. It does not hold the
         * newest report (that one is in l->sector), only the oldest ones,
         * so a cut during this erase loses nothing that was due to stay. */
        uint32_t nxt = (l->sector + 1) % FWUP_REPLOG_SECTORS;
        e = fwup_flash_erase(&l->flash, nxt, d);
        if (e != FWUP_OK)
            return e;
        l->sector = nxt;
        l->next = 0;
    }
    memset(slot, 0xff, sizeof slot);
    put32(slot, FWUP_REPLOG_MAGIC);
    slot[4] = FWUP_REPLOG_VERSION;
    slot[5] = slot[6] = slot[7] = 0;
    put32(slot + 8, l->newest + 1);
    slot[12] = (uint8_t)len;
    slot[13] = (uint8_t)(len >> 8);
    slot[14] = slot[15] = 0;
    memcpy(slot + FWUP_REPLOG_HEADER, report, len);
    put32(slot + OFF_CRC, fwup_state_crc32(slot, OFF_CRC));
    addr = slot_addr(l->sector, l->next);
    /* Even a torn slot occupies its place: step over it next time. */
    l->next++;
    /* Pages in order, the CRC's page last; an all-0xFF page programs
     * nothing and is skipped (the cells are erased already). */
    for (uint32_t o = 0; o < FWUP_REPLOG_SLOT; o += geom.page_size) {
        if (blank(slot + o, geom.page_size))
            continue;
        e = fwup_flash_program(&l->flash, addr + o, slot + o, geom.page_size, d);
        if (e != FWUP_OK)
            return e;
    }
    l->newest++;
    return FWUP_OK;
}

void
fwup_replog_list(const struct fwup_replog *l, struct fwup_replog_entry out[FWUP_REPLOG_SLOTS],
                 size_t *n)
{
    *n = 0;
    if (!l->open)
        return;
    for (uint32_t sec = 0; sec < FWUP_REPLOG_SECTORS; sec++) {
        for (uint32_t i = 0; i < PER_SECTOR; i++) {
            struct fwup_replog_entry en;
            size_t k;
            en.addr = slot_addr(sec, i);
            if (!slot_valid(l->flash.mem + en.addr, &en.counter, &en.len))
                continue;
            /* Insertion sort by counter: 16 entries at most. */
            for (k = *n; k > 0 && out[k - 1].counter > en.counter; k--)
                out[k] = out[k - 1];
            out[k] = en;
            (*n)++;
        }
    }
}

const uint8_t *
fwup_replog_data(const struct fwup_replog *l, const struct fwup_replog_entry *e)
{
    return l->flash.mem + e->addr + FWUP_REPLOG_HEADER;
}
