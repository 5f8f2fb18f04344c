/*
 * NOR flash model of the simulated device, backed by a file.
 *
 * Semantics (what a real NOR part does, and what the model enforces):
 *   - erase works on a whole sector and sets every byte of it to 0xFF;
 *   - program can only clear bits (1 -> 0). Programming a 1 over a 0 is an
 *     error the model reports (FWUP_E_FLASH) and the flash is left unchanged:
 *     real parts silently AND the data, which hides exactly the bugs a
 *     simulator is there to find (writing over data without erasing);
 *   - program offsets and lengths are multiples of the write granularity,
 *     and one program operation stays inside one page (page_size bytes, the
 *     NOR page-program buffer);
 *   - every sector keeps a wear (erase) counter, and the model counts
 *     operations (programs and erases) over the device's life and in this run.
 *
 * Power-cut injection: fwup_flash_set_power_cut(f, n) lets n operations of
 * this run complete and interrupts the (n+1)-th MIDWAY, deterministically:
 *   - an interrupted program writes only the first half of its bytes
 *     (len / 2, rounded down), the rest keeps its old content;
 *   - an interrupted erase sets the first half of the sector to 0xFF and
 *     leaves the second half unchanged (its wear counter still counts it:
 *     the erase pulse did start).
 * The interrupted call returns FWUP_E_POWER_CUT and every later operation
 * (read included) returns it too: after the cut the device is dead, so no
 * code path can write one more byte. The caller closes the flash (which
 * saves the counters) and exits 75.
 *
 * Every change to the flash file goes through one function (flash_apply in
 * flash.c), so the counter and the cut are exact. The file always holds the
 * flash contents as of the last operation (written with pwrite per
 * operation, no caching), so a cut leaves exactly what the cut left.
 *
 * Counters and wear live in a sidecar file (flash.meta), written on close.
 * They are simulation metadata, not device state: the device's code never
 * reads them to decide anything.
 */
#ifndef FWUP_SIM_FLASH_H
#define FWUP_SIM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwup/err.h"

/* Geometry, from the layout JSON. */
struct fwup_flash_geom {
    uint32_t size;        /* total bytes, a multiple of sector_size */
    uint32_t sector_size; /* erase unit, a power of two */
    uint32_t write_size;  /* program granularity, a power of two dividing page_size */
    uint32_t page_size;   /* largest program operation, divides sector_size */
};

/* Operation counts (lifetime ones are persisted in the sidecar). */
struct fwup_flash_counts {
    uint64_t programs;
    uint64_t erases;
    uint64_t bytes_programmed;
};

struct fwup_flash {
    struct fwup_flash_geom g;
    int fd;
    uint8_t *mem;        /* the whole flash, mirrored in memory for reads */
    uint32_t *wear;      /* erases per sector, over the device's life */
    struct fwup_flash_counts life;
    struct fwup_flash_counts run; /* this process only */
    int64_t cut_after;   /* -1: no cut; else operations allowed before the cut */
    bool cut;            /* the power has been cut */
    char *meta_path;
};

/* Check a geometry (sizes non-zero, powers of two, divisibility). */
enum fwup_err fwup_flash_geom_check(const struct fwup_flash_geom *g, struct fwup_diag *d);

/*
 * Create a new flash file at path, every byte 0xFF (a factory-fresh part),
 * with zero counters. Fails with FWUP_E_IO_EXISTS if path exists.
 */
enum fwup_err fwup_flash_create(const char *path, const char *meta_path,
                                const struct fwup_flash_geom *g, struct fwup_diag *d);

/*
 * Open an existing flash file (its size must match g) and its sidecar.
 * Fills the caller-owned *f; release with fwup_flash_close().
 */
enum fwup_err fwup_flash_open(struct fwup_flash *f, const char *path, const char *meta_path,
                              const struct fwup_flash_geom *g, struct fwup_diag *d);

/*
 * Save the counters (atomically) and release f. Called after a power cut too:
 * the counters are the simulator's, they survive the cut by design.
 */
enum fwup_err fwup_flash_close(struct fwup_flash *f, struct fwup_diag *d);

/* Arm the power cut: n operations of this run complete, the (n+1)-th is cut. */
void fwup_flash_set_power_cut(struct fwup_flash *f, uint64_t n);

/* Read len bytes at off (bounds checked; FWUP_E_POWER_CUT once cut). */
enum fwup_err fwup_flash_read(struct fwup_flash *f, uint32_t off, void *buf, size_t len);

/* Erase the sector with index `sector`. */
enum fwup_err fwup_flash_erase(struct fwup_flash *f, uint32_t sector, struct fwup_diag *d);

/*
 * Program len bytes at off: aligned to write_size, len a multiple of it,
 * inside one page, and clearing bits only.
 */
enum fwup_err fwup_flash_program(struct fwup_flash *f, uint32_t off, const void *data,
                                 size_t len, struct fwup_diag *d);

/* Operations completed in this run (programs + erases). */
uint64_t fwup_flash_ops_run(const struct fwup_flash *f);

#endif /* FWUP_SIM_FLASH_H */
