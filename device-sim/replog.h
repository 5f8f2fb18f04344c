/*
 * The device's report log: the last SUIT reports (draft-ietf-suit-report-18)
 * of its update attempts, kept power-safely for fleet monitoring.
 *
 * WHERE: a separate small NOR part, DIR/reports.bin (+ reports.meta, the
 * simulator's counters), with the same flash model as flash.bin: 16 KiB in
 * four 4 KiB sectors, write granularity 8, page 256. A device keeps such
 * logs in a part (or a partition) of their own so that:
 *   - a rejected envelope still leaves the FIRMWARE flash (slots and state
 *     log) byte-identical: the rejection is recorded without touching it;
 *   - writing a report can never erase or tear a state record or an image:
 *     they are not on the same erase unit, not even on the same part;
 *   - a stream of bad envelopes wears the report part, not the state log.
 *
 * FORMAT: the sectors form a ring of 1024-byte slots (4 per sector, 16 in
 * all). A slot:
 *     0  magic "FWRP" | 4 version (1) | 5..7 zero
 *     8  counter (u32, +1 per report: the device's report number)
 *    12  length of the report (u16) | 14..15 zero
 *    16  the encoded SUIT_Report (at most FWUP_REPLOG_MAX_REPORT bytes),
 *        then 0xFF up to byte 1019
 *  1020  CRC-32 (IEEE) of bytes 0..1019, little endian
 * A slot is programmed page by page IN ORDER, the page holding the CRC
 * last; an interrupted program writes only a prefix. So a torn slot keeps
 * 0xFF in its CRC field (or wrong bytes before it) and never verifies.
 *
 * APPEND: into the sector holding the newest valid report, in the slot after
 * the last non-blank one (a torn slot is stepped over, never reprogrammed);
 * when that sector is full the NEXT sector of the ring is erased first.
 *
 * POWER-FAIL INVARIANT: a cut at any instant of an append leaves every
 * report that was valid before it valid and unchanged, except the oldest
 * ones in the sector being erased, which were due to be overwritten anyway;
 * the new report is either complete or ignored. Proof sketch: a program
 * only touches a blank slot; an erase only touches a sector that does not
 * hold the newest report (another sector of a ring of four), i.e. it holds
 * only the oldest reports. So after any cut the log holds at least the
 * last 12 reports that completed (3 full sectors) and at most 16.
 * The device's state log and images are never touched (another part).
 */
#ifndef FWUP_SIM_REPLOG_H
#define FWUP_SIM_REPLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "flash.h"

#define FWUP_REPLOG_SLOT 1024u
#define FWUP_REPLOG_HEADER 16u
#define FWUP_REPLOG_MAX_REPORT (FWUP_REPLOG_SLOT - FWUP_REPLOG_HEADER - 4u)
#define FWUP_REPLOG_MAGIC 0x50525746u /* "FWRP" little endian */
#define FWUP_REPLOG_VERSION 1u
#define FWUP_REPLOG_SECTORS 4u
#define FWUP_REPLOG_SECTOR_SIZE 4096u
#define FWUP_REPLOG_SLOTS (FWUP_REPLOG_SECTORS * FWUP_REPLOG_SECTOR_SIZE / FWUP_REPLOG_SLOT)

struct fwup_replog {
    struct fwup_flash flash;
    bool open;
    uint32_t newest; /* counter of the newest valid report, 0 if none */
    uint32_t sector; /* sector of the next append */
    uint32_t next;   /* slot in that sector; == slots per sector when full */
};

/* One valid report in the log. */
struct fwup_replog_entry {
    uint32_t counter;
    uint32_t addr; /* offset of the slot in the part */
    uint16_t len;
};

/*
 * Open DIR/reports.bin and recover the append position (read only). A
 * missing file is an empty log: with `create` it is created (all 0xFF, a
 * fresh part; devices provisioned before reports existed get one on their
 * first update), without it l->open stays false and the log lists nothing.
 */
enum fwup_err fwup_replog_open(struct fwup_replog *l, const char *dir, bool create,
                               struct fwup_diag *d);

/* Save the part's counters and release it (safe after a power cut). */
enum fwup_err fwup_replog_close(struct fwup_replog *l, struct fwup_diag *d);

/*
 * Append one encoded report (len <= FWUP_REPLOG_MAX_REPORT, else
 * FWUP_E_LIMIT_BUFFER and nothing is written); its counter is
 * l->newest + 1. FWUP_E_POWER_CUT: the flash holds no new report or a torn
 * one (see the invariant above).
 */
enum fwup_err fwup_replog_append(struct fwup_replog *l, const uint8_t *report, size_t len,
                                 struct fwup_diag *d);

/* The valid reports, oldest first (counter order); *n <= FWUP_REPLOG_SLOTS. */
void fwup_replog_list(const struct fwup_replog *l, struct fwup_replog_entry out[FWUP_REPLOG_SLOTS],
                      size_t *n);

/* The report bytes of an entry (a view into the part's memory mirror). */
const uint8_t *fwup_replog_data(const struct fwup_replog *l, const struct fwup_replog_entry *e);

#endif /* FWUP_SIM_REPLOG_H */
