/*
 * bench/measure: whole-process wall time and peak RSS of a command, without
 * /usr/bin/time (which a minimal Debian image does not have).
 *
 *   measure [-n RUNS] [-w WARMUP] [-e] -- CMD ARGS... [--then CMD ARGS...]...
 *
 * Each run forks and execs every command in turn (stdout and stderr to
 * /dev/null unless -e keeps stderr) and times the whole sequence with
 * CLOCK_MONOTONIC; CPU time (user + system) and peak RSS (ru_maxrss) of each
 * child come from wait4(). Prints one line:
 *
 *   runs=N median_ms=M min_ms=A max_ms=B cpu_ms=C maxrss_kib=R
 *
 * (median, minimum and maximum wall time of a run; median CPU time of a run,
 * which a busy machine disturbs less than wall time)
 * where maxrss_kib is the largest ru_maxrss of any child of any run. A
 * command that exits non-zero (or dies) makes measure exit 1 at once: a
 * benchmark of a failure is no benchmark. WARMUP runs (default 1) are done
 * first and not counted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 1000
#define MAX_CMDS 8

static int
usage(void)
{
    fputs("usage: measure [-n RUNS] [-w WARMUP] [-e] -- CMD ARGS... [--then CMD ARGS...]...\n",
          stderr);
    return 2;
}

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Run argv once; return 0, the child's ru_maxrss in *rss and its user +
 * system CPU time in *cpu (ms), or -1. */
static int
run_one(char **argv, int keep_stderr, long *rss, double *cpu)
{
    struct rusage ru;
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        perror("measure: fork");
        return -1;
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            if (!keep_stderr)
                dup2(fd, STDERR_FILENO);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("measure: wait4");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "measure: '%s' failed (status %d)\n", argv[0],
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return -1;
    }
    *rss = ru.ru_maxrss;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    return 0;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(const double *x, int n)
{
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
    static double t[MAX_RUNS], u[MAX_RUNS];
    char **cmd[MAX_CMDS];
    int n_cmd = 0, runs = 5, warm = 1, keep_stderr = 0, i;
    long maxrss = 0;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            runs = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
            warm = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-e") == 0)
            keep_stderr = 1;
        else
            return usage();
    }
    if (i >= argc - 1 || runs < 1 || runs > MAX_RUNS || warm < 0)
        return usage();
    /* Split the rest at each --then into NULL-terminated argv vectors. */
    cmd[n_cmd++] = &argv[i + 1];
    for (int k = i + 1; k < argc; k++) {
        if (strcmp(argv[k], "--then") == 0) {
            if (n_cmd == MAX_CMDS || k + 1 >= argc)
                return usage();
            argv[k] = NULL;
            cmd[n_cmd++] = &argv[k + 1];
        }
    }
    for (int r = -warm; r < runs; r++) {
        double t0 = now_ms(), cpu_sum = 0;

        for (int c = 0; c < n_cmd; c++) {
            long rss = 0;
            double cpu = 0;

            if (run_one(cmd[c], keep_stderr, &rss, &cpu) != 0)
                return 1;
            cpu_sum += cpu;
            if (r >= 0 && rss > maxrss)
                maxrss = rss;
        }
        if (r >= 0) {
            t[r] = now_ms() - t0;
            u[r] = cpu_sum;
        }
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    qsort(u, (size_t)runs, sizeof u[0], cmp_double);
    printf("runs=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f cpu_ms=%.3f maxrss_kib=%ld\n", runs,
           median(t, runs), t[0], t[runs - 1], median(u, runs), maxrss);
    return 0;
}
