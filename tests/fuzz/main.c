/*
 * Replay driver for the fuzz targets: calls LLVMFuzzerTestOneInput() once per
 * input, so a corpus (seeds plus every crash found and turned into a
 * regression file) runs as an ordinary test without libFuzzer.
 *
 *   fuzz_<target>-replay FILE|DIR...    each file, and each regular file of
 *                                       each DIR (sorted, not recursive)
 *   fuzz_<target>-replay < FILE         no arguments: one input from stdin
 *
 * Each input is copied into a buffer of exactly its size, so that under ASan
 * (build-asan in scripts/test.sh) a read one byte past the end is reported,
 * as libFuzzer would. Exit status: 0 if every input ran (a failed invariant
 * or a sanitizer report aborts), 1 if an argument cannot be read or no input
 * was found (an empty corpus would otherwise pass without testing anything).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT ((size_t)16 << 20) /* larger seeds are a mistake */

static int
run_stream(FILE *f, const char *name)
{
    uint8_t *buf = NULL, *exact;
    size_t len = 0, cap = 0;

    for (;;) {
        size_t got;
        if (len == cap) {
            uint8_t *nb;
            cap = cap ? cap * 2 : 4096;
            if (cap > REPLAY_MAX_INPUT + 1)
                cap = REPLAY_MAX_INPUT + 1;
            if (len == cap) {
                fprintf(stderr, "replay: %s: larger than %zu bytes\n", name, REPLAY_MAX_INPUT);
                free(buf);
                return -1;
            }
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", name);
        free(buf);
        return -1;
    }
    /* An exact-size copy: the target must not read past `len`. */
    exact = malloc(len ? len : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    if (len > 0)
        memcpy(exact, buf, len);
    free(buf);
    (void)LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    int rc;

    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    rc = run_stream(f, path);
    fclose(f);
    return rc;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir in name order; returns the count or -1. */
static long
run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    long count = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn;
            cap = cap ? cap * 2 : 64;
            nn = realloc(names, cap * sizeof *names);
            if (nn == NULL) {
                count = -1;
                goto out;
            }
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            count = -1;
            goto out;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);

        if (w < 0 || (size_t)w >= sizeof path) {
            count = -1;
            goto out;
        }
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (run_file(path) != 0) {
            count = -1;
            goto out;
        }
        count++;
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return count;
}

int
main(int argc, char **argv)
{
    long total = 0;

    if (argc < 2) {
        if (run_stream(stdin, "<stdin>") != 0)
            return 1;
        printf("replayed 1 input from stdin\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: cannot open %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            long c = run_dir(argv[i]);
            if (c < 0)
                return 1;
            total += c;
        } else {
            if (run_file(argv[i]) != 0)
                return 1;
            total++;
        }
    }
    if (total == 0) {
        fprintf(stderr, "replay: no input found\n");
        return 1;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
