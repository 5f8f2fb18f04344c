/*
 * Power-safe device state: an append-only log of fixed-size records in the
 * state partition.
 *
 * Format: the partition's sectors form a ring. Each sector holds
 * sector_size / FWUP_STATE_REC_SIZE record slots. A record is 256 bytes:
 *
 *   0  magic "FWST" | 4 version (1) | 5 active slot (0, 1, 0xff none)
 *   8  counter (u32, +1 per record: the log position)
 *  12  reserved
 *  16  anti_rollback (u64)
 *  24  slot A (64 bytes) | 88 slot B (64 bytes), each:
 *        +0 state, +1 attempts, +4 image_len (u32), +8 manifest seq (u64),
 *        +16 env_off (u32), +20 env_len (u32), +24 SHA-256 of the envelope
 * 152  last install result (16 bytes) | 168 last boot result (16 bytes), each:
 *        +0 error code (u16), +2 slot, +8 manifest seq (u64)
 * 184  zero padding
 * 252  CRC-32 (IEEE) of bytes 0..251, little endian
 *
 * All integers little endian. The CRC is the LAST bytes of the record and the
 * record is written with one program operation whose interrupted form writes
 * only a prefix: a torn record therefore keeps 0xFF in its CRC field, never
 * verifies, and is ignored.
 *
 * Recovery (fwup_state_load): scan every slot of every sector and keep the
 * valid record (magic, version, CRC) with the highest counter.
 *
 * Append (fwup_state_append): the new record goes into the sector holding
 * the newest valid record, in the slot after the last non-blank one (a
 * torn record is skipped, never overwritten: its bytes are not 0xFF). When
 * that sector is full, the NEXT sector of the ring is erased and the record
 * goes into its first slot. The sector being erased never holds the newest
 * valid record (it is a different sector, and the ring has >= 2), so:
 *   - cut during the erase: the newest record is untouched; the half-erased
 *     sector may still hold old records, all with lower counters;
 *   - cut during the program: the torn record is ignored, the previous
 *     newest record wins.
 * In every case the state after a cut is either the old state or the new
 * one, never a mix: the record is the atomic unit.
 */
#ifndef FWUP_SIM_STATE_H
#define FWUP_SIM_STATE_H

#include <stdint.h>

#include "flash.h"
#include "layout.h"

#define FWUP_STATE_REC_SIZE 256u
#define FWUP_STATE_MAGIC 0x54535746u /* "FWST" little endian */
#define FWUP_STATE_VERSION 1u
#define FWUP_SLOT_NONE 0xffu

/* What a slot holds, as far as the state log knows. */
enum fwup_slot_state {
    FWUP_SLOT_EMPTY = 0,     /* nothing bootable (never written, or being written) */
    FWUP_SLOT_TRIAL = 1,     /* installed, not yet confirmed: boots on trial */
    FWUP_SLOT_CONFIRMED = 2, /* confirmed by the image itself */
    FWUP_SLOT_REJECTED = 3,  /* failed its trial; the bootloader reverted from it */
};

struct fwup_slot_rec {
    uint8_t state;    /* enum fwup_slot_state */
    uint8_t attempts; /* boots started while in trial */
    uint32_t image_len;
    uint64_t seq; /* manifest sequence number of the envelope that installed it */
    uint32_t env_off; /* envelope offset inside the slot */
    uint32_t env_len;
    uint8_t env_sha256[32];
};

struct fwup_result_rec {
    uint16_t code; /* enum fwup_err, 0 = success */
    uint8_t slot;
    uint64_t seq;
};

struct fwup_state {
    uint32_t counter;
    uint8_t active; /* slot last booted, FWUP_SLOT_NONE before the first boot */
    uint64_t anti_rollback; /* highest CONFIRMED sequence number */
    struct fwup_slot_rec slot[2];
    struct fwup_result_rec last_install;
    struct fwup_result_rec last_boot;
};

/* Where the log is: sector index (in the partition) and next free slot. */
struct fwup_state_pos {
    uint32_t sector;
    uint32_t next; /* slot index; == slots per sector when the sector is full */
};

/* Encode / decode one record (exposed for the unit tests). */
void fwup_state_encode(const struct fwup_state *s, uint8_t rec[FWUP_STATE_REC_SIZE]);
bool fwup_state_decode(const uint8_t rec[FWUP_STATE_REC_SIZE], struct fwup_state *s);
uint32_t fwup_state_crc32(const uint8_t *p, size_t n);

/*
 * Erase the whole state partition and write the first record (counter 1,
 * everything empty, anti-rollback 0). Used by `init` only.
 */
enum fwup_err fwup_state_format(struct fwup_flash *f, const struct fwup_sim_layout *l,
                                struct fwup_state *s, struct fwup_state_pos *pos,
                                struct fwup_diag *d);

/*
 * Recover the newest valid record. FWUP_E_FLASH if there is none (never
 * initialised: init writes one before anything else, and no later step can
 * destroy the newest valid record).
 */
enum fwup_err fwup_state_load(struct fwup_flash *f, const struct fwup_sim_layout *l,
                              struct fwup_state *s, struct fwup_state_pos *pos,
                              struct fwup_diag *d);

/*
 * Append s as the next record (s->counter is set here to the next value).
 * On FWUP_E_POWER_CUT the flash holds either no new record or a torn one.
 */
enum fwup_err fwup_state_append(struct fwup_flash *f, const struct fwup_sim_layout *l,
                                struct fwup_state *s, struct fwup_state_pos *pos,
                                struct fwup_diag *d);

#endif /* FWUP_SIM_STATE_H */
