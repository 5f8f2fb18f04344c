/*
 * NOR flash model on a file. See flash.h for the semantics; this file keeps
 * one rule above all: every byte that changes in the flash file changes in
 * flash_apply(), after the operation has been counted and checked against
 * the armed power cut.
 */
#include "flash.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sidecar format: magic, version, sector count, lifetime counters, wear[]. */
#define META_MAGIC 0x4d535746u /* "FWSM" little-endian */
#define META_VERSION 1u

static bool
pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

enum fwup_err
fwup_flash_geom_check(const struct fwup_flash_geom *g, struct fwup_diag *d)
{
    if (!pow2(g->sector_size) || !pow2(g->write_size) || !pow2(g->page_size))
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, "flash",
                             "sector_size, page_size and write_size must be powers of two");
    if (g->write_size > g->page_size || g->page_size > g->sector_size)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, "flash",
                             "expected write_size <= page_size <= sector_size");
    if (g->size == 0 || g->size % g->sector_size != 0)
        return fwup_diag_set(d, FWUP_E_INVALID_ARG, "flash.size",
                             "size %u is not a non-zero multiple of sector_size %u", g->size,
                             g->sector_size);
    return FWUP_OK;
}

static bool
pwrite_all(int fd, const uint8_t *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return true;
}

static bool
pread_all(int fd, uint8_t *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
        off += r;
    }
    return true;
}

static enum fwup_err
meta_load(struct fwup_flash *f, struct fwup_diag *d)
{
    FILE *m = fopen(f->meta_path, "rb");
    uint32_t hdr[3];
    uint64_t cnt[3];
    uint32_t nsec = f->g.size / f->g.sector_size;

    if (m == NULL) {
        /* No sidecar: counters start at zero (a flash file made elsewhere). */
        if (errno == ENOENT)
            return FWUP_OK;
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open '%s': %s", f->meta_path,
                             strerror(errno));
    }
    if (fread(hdr, sizeof hdr, 1, m) != 1 || hdr[0] != META_MAGIC || hdr[1] != META_VERSION ||
        hdr[2] != nsec || fread(cnt, sizeof cnt, 1, m) != 1 ||
        fread(f->wear, sizeof *f->wear, nsec, m) != nsec) {
        fclose(m);
        return fwup_diag_set(d, FWUP_E_IO_READ, NULL, "'%s' is not a flash sidecar of this layout",
                             f->meta_path);
    }
    fclose(m);
    f->life.programs = cnt[0];
    f->life.erases = cnt[1];
    f->life.bytes_programmed = cnt[2];
    return FWUP_OK;
}

static enum fwup_err
meta_save(const struct fwup_flash *f, struct fwup_diag *d)
{
    char tmp[PATH_MAX];
    uint32_t nsec = f->g.size / f->g.sector_size;
    uint32_t hdr[3] = {META_MAGIC, META_VERSION, nsec};
    uint64_t cnt[3] = {f->life.programs, f->life.erases, f->life.bytes_programmed};
    FILE *m;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", f->meta_path);
    bool ok;

    if (n < 0 || (size_t)n >= sizeof tmp)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "path too long");
    m = fopen(tmp, "wb");
    if (m == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot create '%s': %s", tmp,
                             strerror(errno));
    ok = fwrite(hdr, sizeof hdr, 1, m) == 1 && fwrite(cnt, sizeof cnt, 1, m) == 1 &&
         fwrite(f->wear, sizeof *f->wear, nsec, m) == nsec;
    ok = (fclose(m) == 0) && ok;
    if (!ok || rename(tmp, f->meta_path) != 0) {
        int err = errno;
        unlink(tmp);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s': %s", f->meta_path,
                             strerror(err));
    }
    return FWUP_OK;
}

enum fwup_err
fwup_flash_create(const char *path, const char *meta_path, const struct fwup_flash_geom *g,
                  struct fwup_diag *d)
{
    struct fwup_flash f;
    enum fwup_err e = fwup_flash_geom_check(g, d);
    uint8_t *ff;
    int fd;
    bool ok;

    if (e != FWUP_OK)
        return e;
    fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return fwup_diag_set(d, errno == EEXIST ? FWUP_E_IO_EXISTS : FWUP_E_IO_OPEN, NULL,
                             "cannot create '%s': %s", path, strerror(errno));
    ff = malloc(g->size);
    if (ff == NULL) {
        close(fd);
        unlink(path);
        return fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    /* A fresh NOR part reads as all ones. */
    memset(ff, 0xff, g->size);
    ok = pwrite_all(fd, ff, g->size, 0);
    ok = (close(fd) == 0) && ok;
    free(ff);
    if (!ok) {
        unlink(path);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write '%s'", path);
    }
    memset(&f, 0, sizeof f);
    f.g = *g;
    f.meta_path = (char *)(uintptr_t)meta_path;
    f.wear = calloc(g->size / g->sector_size, sizeof *f.wear);
    if (f.wear == NULL)
        return fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
    e = meta_save(&f, d);
    free(f.wear);
    return e;
}

enum fwup_err
fwup_flash_open(struct fwup_flash *f, const char *path, const char *meta_path,
                const struct fwup_flash_geom *g, struct fwup_diag *d)
{
    struct stat st;
    enum fwup_err e;

    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->cut_after = -1;
    e = fwup_flash_geom_check(g, d);
    if (e != FWUP_OK)
        return e;
    f->g = *g;
    f->fd = open(path, O_RDWR);
    if (f->fd < 0)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open '%s': %s", path,
                             strerror(errno));
    if (fstat(f->fd, &st) != 0 || st.st_size != (off_t)g->size) {
        e = fwup_diag_set(d, FWUP_E_IO_READ, NULL, "'%s' is not %u bytes (the layout's size)",
                          path, g->size);
        goto fail;
    }
    f->mem = malloc(g->size);
    f->wear = calloc(g->size / g->sector_size, sizeof *f->wear);
    f->meta_path = strdup(meta_path);
    if (f->mem == NULL || f->wear == NULL || f->meta_path == NULL) {
        e = fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto fail;
    }
    if (!pread_all(f->fd, f->mem, g->size, 0)) {
        e = fwup_diag_set(d, FWUP_E_IO_READ, NULL, "cannot read '%s'", path);
        goto fail;
    }
    e = meta_load(f, d);
    if (e != FWUP_OK)
        goto fail;
    return FWUP_OK;
fail:
    if (f->fd >= 0)
        close(f->fd);
    free(f->mem);
    free(f->wear);
    free(f->meta_path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    return e;
}

enum fwup_err
fwup_flash_close(struct fwup_flash *f, struct fwup_diag *d)
{
    enum fwup_err e = FWUP_OK;

    if (f->fd < 0)
        return FWUP_OK;
    e = meta_save(f, d);
    if (close(f->fd) != 0 && e == FWUP_OK)
        e = fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot close the flash file: %s",
                          strerror(errno));
    free(f->mem);
    free(f->wear);
    free(f->meta_path);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    return e;
}

void
fwup_flash_set_power_cut(struct fwup_flash *f, uint64_t n)
{
    f->cut_after = n > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n;
}

uint64_t
fwup_flash_ops_run(const struct fwup_flash *f)
{
    return f->run.programs + f->run.erases;
}

enum fwup_err
fwup_flash_read(struct fwup_flash *f, uint32_t off, void *buf, size_t len)
{
    if (f->cut)
        return FWUP_E_POWER_CUT;
    if (off > f->g.size || len > f->g.size - off)
        return FWUP_E_INVALID_ARG;
    memcpy(buf, f->mem + off, len);
    return FWUP_OK;
}

/*
 * THE write path. `is_erase` selects the operation; for a program, data
 * holds the new bytes (already checked to clear bits only). Counts the
 * operation, and if it is the armed one, applies only its first half and
 * reports the cut. The file is updated before returning in both cases.
 */
static enum fwup_err
flash_apply(struct fwup_flash *f, bool is_erase, uint32_t off, const uint8_t *data, size_t len,
            struct fwup_diag *d)
{
    bool cut_now = f->cut_after >= 0 && fwup_flash_ops_run(f) >= (uint64_t)f->cut_after;
    size_t n = cut_now ? len / 2 : len;

    if (is_erase) {
        /* The erase pulse started: the sector wears even if it is cut. */
        f->wear[off / f->g.sector_size]++;
        memset(f->mem + off, 0xff, n);
    } else {
        memcpy(f->mem + off, data, n);
    }
    if (n > 0 && !pwrite_all(f->fd, f->mem + off, n, (off_t)off))
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write the flash file: %s",
                             strerror(errno));
    if (cut_now) {
        f->cut = true;
        return fwup_diag_set(d, FWUP_E_POWER_CUT, NULL,
                             "power cut during flash operation %llu (%s at 0x%x)",
                             (unsigned long long)fwup_flash_ops_run(f) + 1,
                             is_erase ? "erase" : "program", off);
    }
    if (is_erase) {
        f->run.erases++;
        f->life.erases++;
    } else {
        f->run.programs++;
        f->life.programs++;
        f->run.bytes_programmed += len;
        f->life.bytes_programmed += len;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_flash_erase(struct fwup_flash *f, uint32_t sector, struct fwup_diag *d)
{
    if (f->cut)
        return fwup_diag_set(d, FWUP_E_POWER_CUT, NULL, "flash used after the power cut");
    if (sector >= f->g.size / f->g.sector_size)
        return fwup_diag_set(d, FWUP_E_FLASH, NULL, "erase of sector %u: no such sector", sector);
    return flash_apply(f, true, sector * f->g.sector_size, NULL, f->g.sector_size, d);
}

enum fwup_err
fwup_flash_program(struct fwup_flash *f, uint32_t off, const void *data, size_t len,
                   struct fwup_diag *d)
{
    const uint8_t *p = data;

    if (f->cut)
        return fwup_diag_set(d, FWUP_E_POWER_CUT, NULL, "flash used after the power cut");
    if (len == 0 || off > f->g.size || len > f->g.size - off)
        return fwup_diag_set(d, FWUP_E_FLASH, NULL, "program of %zu bytes at 0x%x: out of range",
                             len, off);
    /* Granularity: sizes are powers of two, so a mask tests alignment. */
    if ((off & (f->g.write_size - 1)) != 0 || (len & (f->g.write_size - 1)) != 0)
        return fwup_diag_set(d, FWUP_E_FLASH, NULL,
                             "program of %zu bytes at 0x%x: not aligned to the write size %u",
                             len, off, f->g.write_size);
    if (off / f->g.page_size != (off + (uint32_t)len - 1) / f->g.page_size)
        return fwup_diag_set(d, FWUP_E_FLASH, NULL,
                             "program of %zu bytes at 0x%x: crosses a %u-byte page", len, off,
                             f->g.page_size);
    /* NOR can only clear bits: a 1 where the cell holds 0 needs an erase. */
    for (size_t i = 0; i < len; i++) {
        if ((f->mem[off + i] & p[i]) != p[i])
            return fwup_diag_set(d, FWUP_E_FLASH, NULL,
                                 "program at 0x%zx would set bits (0x%02x over 0x%02x) without "
                                 "an erase",
                                 (size_t)off + i, p[i], f->mem[off + i]);
    }
    return flash_apply(f, false, off, p, len, d);
}
