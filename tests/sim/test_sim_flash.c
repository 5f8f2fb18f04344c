/*
 * Unit tests of the simulated device's NOR flash model and state log
 * (device-sim/flash.c, device-sim/state.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "flash.h"
#include "state.h"

TestSuite(sim_flash, .fini = fwup_test_leak_check);
TestSuite(sim_state, .fini = fwup_test_leak_check);

/* 8 sectors of 1 KiB, 8-byte writes, 256-byte pages. */
static const struct fwup_flash_geom geom = {8192, 1024, 8, 256};

struct tmpflash {
    char dir[64], path[96], meta[96];
};

static void
tmp_make(struct tmpflash *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/fwup-sim-ut.XXXXXX");
    cr_assert_not_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/flash.bin", t->dir);
    snprintf(t->meta, sizeof t->meta, "%s/flash.meta", t->dir);
    cr_assert_eq(fwup_flash_create(t->path, t->meta, &geom, NULL), FWUP_OK);
}

static void
tmp_drop(struct tmpflash *t)
{
    unlink(t->path);
    unlink(t->meta);
    rmdir(t->dir);
}

/* The file, read back: what a power cut leaves is what is in the file. */
static uint8_t *
file_bytes(const struct tmpflash *t)
{
    size_t n;
    uint8_t *b = fwup_test_slurp(t->path, &n);
    cr_assert_eq(n, geom.size);
    return b;
}

static bool
all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return false;
    return true;
}

Test(sim_flash, fresh_flash_is_erased_and_program_clears_bits)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t a[8] = {0xf0, 0x0f, 0xaa, 0x55, 0x00, 0xff, 0x12, 0x34}, b[8] = {0}, r[8];
    uint8_t *fb;

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert(all_ff(f.mem, geom.size));
    cr_assert_eq(fwup_flash_program(&f, 1024, a, 8, NULL), FWUP_OK);
    /* Programming zeros over anything only clears more bits: allowed. */
    cr_assert_eq(fwup_flash_program(&f, 1024, b, 8, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_read(&f, 1024, r, 8), FWUP_OK);
    cr_assert_arr_eq(r, b, 8);
    cr_assert_eq(fwup_flash_ops_run(&f), 2);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    fb = file_bytes(&t);
    cr_assert_arr_eq(fb + 1024, b, 8);
    cr_assert(all_ff(fb + 1032, geom.size - 1032));
    free(fb);
    tmp_drop(&t);
}

Test(sim_flash, programming_a_one_over_a_zero_is_reported_and_changes_nothing)
{
    struct tmpflash t;
    struct fwup_flash f;
    struct fwup_diag d;
    uint8_t z[8] = {0}, one[8] = {1, 0, 0, 0, 0, 0, 0, 0}, r[8];

    tmp_make(&t);
    fwup_diag_init(&d);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_program(&f, 0, z, 8, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_program(&f, 0, one, 8, &d), FWUP_E_FLASH);
    cr_assert(strstr(d.detail, "set bits") != NULL, "%s", d.detail);
    cr_assert_eq(fwup_flash_read(&f, 0, r, 8), FWUP_OK);
    cr_assert_arr_eq(r, z, 8);
    /* The refused program is not an operation. */
    cr_assert_eq(fwup_flash_ops_run(&f), 1);
    /* After an erase the same program is fine. */
    cr_assert_eq(fwup_flash_erase(&f, 0, NULL), FWUP_OK);
    cr_assert(all_ff(f.mem, 1024));
    cr_assert_eq(fwup_flash_program(&f, 0, one, 8, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    tmp_drop(&t);
}

Test(sim_flash, writes_must_be_aligned_and_inside_one_page)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t z[512] = {0};

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_program(&f, 4, z, 8, NULL), FWUP_E_FLASH);    /* offset */
    cr_assert_eq(fwup_flash_program(&f, 0, z, 12, NULL), FWUP_E_FLASH);   /* length */
    cr_assert_eq(fwup_flash_program(&f, 248, z, 16, NULL), FWUP_E_FLASH); /* page cross */
    cr_assert_eq(fwup_flash_program(&f, 0, z, 512, NULL), FWUP_E_FLASH);  /* > page */
    cr_assert_eq(fwup_flash_program(&f, geom.size - 8, z, 16, NULL), FWUP_E_FLASH);
    cr_assert_eq(fwup_flash_erase(&f, 8, NULL), FWUP_E_FLASH); /* no sector 8 */
    cr_assert_eq(fwup_flash_ops_run(&f), 0);
    cr_assert(all_ff(f.mem, geom.size));
    cr_assert_eq(fwup_flash_program(&f, 256, z, 256, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    tmp_drop(&t);
}

Test(sim_flash, wear_and_operation_counters_survive_reopen)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t z[8] = {0};

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_erase(&f, 3, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_erase(&f, 3, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_erase(&f, 5, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_program(&f, 0, z, 8, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(f.wear[3], 2);
    cr_assert_eq(f.wear[5], 1);
    cr_assert_eq(f.wear[0], 0);
    cr_assert_eq(f.life.erases, 3);
    cr_assert_eq(f.life.programs, 1);
    cr_assert_eq(fwup_flash_ops_run(&f), 0); /* per run */
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    tmp_drop(&t);
}

Test(sim_flash, power_cut_interrupts_a_program_midway_and_kills_the_device)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t z[256], r[8];
    uint8_t *fb;

    memset(z, 0, sizeof z);
    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    fwup_flash_set_power_cut(&f, 2);
    cr_assert_eq(fwup_flash_program(&f, 0, z, 8, NULL), FWUP_OK);
    cr_assert_eq(fwup_flash_erase(&f, 7, NULL), FWUP_OK);
    /* Third operation: cut. Only its first half (128 of 256 bytes) lands. */
    cr_assert_eq(fwup_flash_program(&f, 1024, z, 256, NULL), FWUP_E_POWER_CUT);
    cr_assert(f.cut);
    cr_assert_eq(fwup_flash_ops_run(&f), 2);
    /* Dead: nothing else happens, reads included. */
    cr_assert_eq(fwup_flash_program(&f, 2048, z, 8, NULL), FWUP_E_POWER_CUT);
    cr_assert_eq(fwup_flash_erase(&f, 0, NULL), FWUP_E_POWER_CUT);
    cr_assert_eq(fwup_flash_read(&f, 0, r, 8), FWUP_E_POWER_CUT);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    fb = file_bytes(&t);
    cr_assert_arr_eq(fb, z, 8);
    cr_assert_arr_eq(fb + 1024, z, 128);
    cr_assert(all_ff(fb + 1024 + 128, 128));
    cr_assert(all_ff(fb + 2048, 8));
    free(fb);
    tmp_drop(&t);
}

Test(sim_flash, power_cut_during_erase_leaves_the_sector_half_erased)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t z[256];
    uint8_t *fb;

    memset(z, 0, sizeof z);
    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    for (uint32_t o = 1024; o < 2048; o += 256)
        cr_assert_eq(fwup_flash_program(&f, o, z, 256, NULL), FWUP_OK);
    fwup_flash_set_power_cut(&f, 4); /* the next operation is cut */
    cr_assert_eq(fwup_flash_erase(&f, 1, NULL), FWUP_E_POWER_CUT);
    cr_assert_eq(f.wear[1], 1); /* the erase pulse started: it wears */
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    fb = file_bytes(&t);
    cr_assert(all_ff(fb + 1024, 512));
    cr_assert_arr_eq(fb + 1536, z, 256);
    cr_assert_arr_eq(fb + 1792, z, 256);
    free(fb);
    tmp_drop(&t);
}

Test(sim_flash, cut_after_zero_interrupts_the_first_operation)
{
    struct tmpflash t;
    struct fwup_flash f;
    uint8_t z[8] = {0};
    uint8_t *fb;

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    fwup_flash_set_power_cut(&f, 0);
    cr_assert_eq(fwup_flash_program(&f, 0, z, 8, NULL), FWUP_E_POWER_CUT);
    cr_assert_eq(fwup_flash_ops_run(&f), 0);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    fb = file_bytes(&t);
    cr_assert_arr_eq(fb, z, 4);
    cr_assert(all_ff(fb + 4, 4));
    free(fb);
    tmp_drop(&t);
}

/* ---- state log ---- */

/* Layout for the log tests: state = the last 2 sectors (4 records each). */
static struct fwup_sim_layout
log_layout(void)
{
    struct fwup_sim_layout l;

    memset(&l, 0, sizeof l);
    l.geom = geom;
    l.boot = (struct fwup_sim_part){0, 1024};
    l.slot[0] = (struct fwup_sim_part){1024, 2048};
    l.slot[1] = (struct fwup_sim_part){3072, 2048};
    l.state = (struct fwup_sim_part){6144, 2048};
    l.trial_boots = 1;
    return l;
}

/* Deterministic content for record number i, so any state can be recognised. */
static void
fill_state(struct fwup_state *s, uint64_t i)
{
    s->anti_rollback = i;
    s->active = (uint8_t)(i % 2);
    s->slot[0].seq = i * 10;
    s->slot[1].seq = i * 10 + 1;
    s->slot[0].state = FWUP_SLOT_CONFIRMED;
    s->slot[1].state = FWUP_SLOT_TRIAL;
}

Test(sim_state, record_round_trip_and_crc_catches_any_single_bit_flip)
{
    struct fwup_state s, t;
    uint8_t rec[FWUP_STATE_REC_SIZE];

    memset(&s, 0, sizeof s);
    s.counter = 7;
    fill_state(&s, 42);
    memset(s.slot[1].env_sha256, 0xab, 32);
    s.last_install.code = 92;
    s.last_install.seq = 3;
    fwup_state_encode(&s, rec);
    cr_assert(fwup_state_decode(rec, &t));
    cr_assert_eq(t.counter, 7);
    cr_assert_eq(t.anti_rollback, 42);
    cr_assert_eq(t.slot[1].seq, 421);
    cr_assert_eq(t.slot[1].env_sha256[31], 0xab);
    cr_assert_eq(t.last_install.code, 92);
    for (size_t bit = 0; bit < 8 * FWUP_STATE_REC_SIZE; bit++) {
        rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert(!fwup_state_decode(rec, &t), "bit %zu flip accepted", bit);
        rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
}

Test(sim_state, appends_wrap_around_the_ring_and_load_finds_the_newest)
{
    struct tmpflash t;
    struct fwup_flash f;
    struct fwup_sim_layout l = log_layout();
    struct fwup_state s, r;
    struct fwup_state_pos pos, rpos;

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(fwup_state_format(&f, &l, &s, &pos, NULL), FWUP_OK);
    /* 4 records per sector, 2 sectors: 20 appends go round the ring 2.5 times. */
    for (uint64_t i = 1; i <= 20; i++) {
        fill_state(&s, i);
        cr_assert_eq(fwup_state_append(&f, &l, &s, &pos, NULL), FWUP_OK);
        cr_assert_eq(fwup_state_load(&f, &l, &r, &rpos, NULL), FWUP_OK);
        cr_assert_eq(r.anti_rollback, i);
        cr_assert_eq(r.counter, i + 1);
        cr_assert_eq(rpos.sector, pos.sector);
        cr_assert_eq(rpos.next, pos.next);
    }
    /* 21 records in 4-record sectors: one erase per 4 appends after the
     * first sector filled, plus the 2 of format. */
    cr_assert_eq(f.wear[6] + f.wear[7], 2 + 5);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    tmp_drop(&t);
}

Test(sim_state, an_empty_partition_has_no_state)
{
    struct tmpflash t;
    struct fwup_flash f;
    struct fwup_sim_layout l = log_layout();
    struct fwup_state s;
    struct fwup_state_pos pos;

    tmp_make(&t);
    cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
    cr_assert_eq(fwup_state_load(&f, &l, &s, &pos, NULL), FWUP_E_FLASH);
    cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
    tmp_drop(&t);
}

/*
 * Every torn write: starting from a log of k records (k covering every
 * position in a sector, and the sector switch with its erase), append one
 * more record with the power cut at every operation of that append; the
 * recovered state must be exactly the old one (never a mix), and the log must
 * keep working: the next appends succeed and are recovered.
 */
Test(sim_state, recovers_from_a_cut_at_every_operation_of_an_append)
{
    struct fwup_sim_layout l = log_layout();
    int tried = 0;

    for (uint64_t k = 0; k < 10; k++) {
        for (uint64_t cut = 0;; cut++) {
            struct tmpflash t;
            struct fwup_flash f;
            struct fwup_state s, r;
            struct fwup_state_pos pos;
            uint64_t before;
            enum fwup_err e;

            tmp_make(&t);
            cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
            cr_assert_eq(fwup_state_format(&f, &l, &s, &pos, NULL), FWUP_OK);
            for (uint64_t i = 1; i <= k; i++) {
                fill_state(&s, i);
                cr_assert_eq(fwup_state_append(&f, &l, &s, &pos, NULL), FWUP_OK);
            }
            before = fwup_flash_ops_run(&f);
            fwup_flash_set_power_cut(&f, before + cut);
            fill_state(&s, 1000);
            e = fwup_state_append(&f, &l, &s, &pos, NULL);
            cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
            /* "reboot" */
            cr_assert_eq(fwup_flash_open(&f, t.path, t.meta, &geom, NULL), FWUP_OK);
            cr_assert_eq(fwup_state_load(&f, &l, &r, &pos, NULL), FWUP_OK);
            if (e == FWUP_OK) {
                /* The cut came after the append: the new record is there. */
                cr_assert_eq(r.anti_rollback, 1000);
                cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
                tmp_drop(&t);
                break;
            }
            cr_assert_eq(e, FWUP_E_POWER_CUT);
            tried++;
            cr_assert_eq(r.anti_rollback, k, "k=%llu cut=%llu: got state %llu",
                         (unsigned long long)k, (unsigned long long)cut,
                         (unsigned long long)r.anti_rollback);
            cr_assert_eq(r.counter, k + 1);
            /* The log goes on: three more appends, each recovered. */
            for (uint64_t i = 1; i <= 3; i++) {
                struct fwup_state_pos p2;
                fill_state(&r, 2000 + i);
                cr_assert_eq(fwup_state_append(&f, &l, &r, &pos, NULL), FWUP_OK);
                cr_assert_eq(fwup_state_load(&f, &l, &s, &p2, NULL), FWUP_OK);
                cr_assert_eq(s.anti_rollback, 2000 + i);
            }
            cr_assert_eq(fwup_flash_close(&f, NULL), FWUP_OK);
            tmp_drop(&t);
        }
    }
    /* k = 0..9 appends: 10 plain appends (1 op each) plus the switches at
     * k = 3 and k = 7 (erase + program: 2 ops). */
    cr_assert_eq(tried, 12);
}
