/*
 * CLI helpers: messages, file I/O (atomic writes), escaping, secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "fwup/secure.h"

int
fwup_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("fwup: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'fwup %s --help'\n", cmd);
    return FWUP_EXIT_USAGE;
}

void
fwup_cli_errorf(const char *fmt, ...)
{
    va_list ap;

    fputs("fwup: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
fwup_cli_notef(const char *fmt, ...)
{
    va_list ap;

    if (fwup_cli_quiet)
        return;
    fputs("fwup: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
fwup_cli_fail(const char *file, enum fwup_err e, const struct fwup_diag *d)
{
    enum fwup_err code = (d != NULL && d->code != FWUP_OK) ? d->code : e;
    const char *detail = (d != NULL && d->detail[0] != '\0') ? d->detail : fwup_err_str(code);

    fputs("fwup: error: ", stderr);
    if (file != NULL) {
        fprintf(stderr, "'%s'", file);
        if (d != NULL && d->line > 0)
            fprintf(stderr, ":%d:%d", d->line, d->column);
        else if (d != NULL && d->has_offset)
            fprintf(stderr, ":%zu", d->offset);
        fputs(": ", stderr);
    } else if (d != NULL && d->has_offset) {
        fprintf(stderr, "at offset %zu: ", d->offset);
    }
    fputs(detail, stderr);
    if (d != NULL && d->path[0] != '\0')
        fprintf(stderr, " (%s)", d->path);
    fprintf(stderr, " [%s]", fwup_err_name(code));
    if (fwup_cli_verbose && d != NULL && d->backend != 0)
        fprintf(stderr, " (backend 0x%lx)", d->backend);
    fputc('\n', stderr);
    return (int)fwup_err_exit(code);
}

enum fwup_err
fwup_cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, struct fwup_diag *d)
{
    FILE *f;
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    bool is_stdin = strcmp(path, "-") == 0;

    *buf = NULL;
    *len = 0;
    f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot open: %s", strerror(errno));
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb;
            /* One byte over the cap tells a file at the cap from a larger one. */
            if (ncap > max + 1)
                ncap = max + 1;
            if (ncap <= cap) {
                free(b);
                if (!is_stdin)
                    fclose(f);
                return fwup_diag_set(d, FWUP_E_IO_TOO_BIG, NULL, "larger than %zu bytes", max);
            }
            nb = realloc(b, ncap);
            if (nb == NULL) {
                free(b);
                if (!is_stdin)
                    fclose(f);
                return fwup_diag_set(d, FWUP_E_NO_MEMORY, NULL, "out of memory");
            }
            b = nb;
            cap = ncap;
        }
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno;
        free(b);
        if (!is_stdin)
            fclose(f);
        return fwup_diag_set(d, FWUP_E_IO_READ, NULL, "read error: %s", strerror(err));
    }
    if (!is_stdin)
        fclose(f);
    if (n > max) {
        free(b);
        return fwup_diag_set(d, FWUP_E_IO_TOO_BIG, NULL, "larger than %zu bytes", max);
    }
    *buf = b;
    *len = n;
    return FWUP_OK;
}

enum fwup_err
fwup_cli_read_secret_line(const char *path, char *buf, size_t cap, struct fwup_diag *d)
{
    uint8_t *data = NULL;
    size_t len = 0, n = 0;
    enum fwup_err e;

    if (cap == 0)
        return FWUP_E_INVALID_ARG;
    e = fwup_cli_read_file(path, 4096, &data, &len, d);
    if (e != FWUP_OK)
        return e;
    while (n < len && n + 1 < cap && data[n] != '\n' && data[n] != '\r')
        n++;
    memcpy(buf, data, n);
    buf[n] = '\0';
    fwup_wipe(data, len);
    free(data);
    return FWUP_OK;
}

static bool
write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/*
 * After the rename (or link), the new directory entry is durable only once
 * the directory itself is synced (fsync(2): syncing the file does not sync
 * the entry). Some file systems refuse fsync on a directory (EINVAL): the
 * entry is then as durable as they make it.
 */
static bool
sync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : (size_t)(slash - path);
    int fd, rc;

    if (n >= sizeof dir)
        return false;
    if (slash == NULL) {
        memcpy(dir, ".", 2);
    } else if (n == 0) {
        memcpy(dir, "/", 2);
    } else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    rc = (fsync(fd) == 0 || errno == EINVAL) ? 0 : errno;
    close(fd);
    errno = rc;
    return rc == 0;
}

enum fwup_err
fwup_cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                      bool exclusive, struct fwup_diag *d)
{
    char tmp[PATH_MAX];
    int fd, n;
    struct stat st;

    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot write to stdout: %s",
                                 strerror(errno));
        return FWUP_OK;
    }
    if (exclusive && lstat(path, &st) == 0)
        return fwup_diag_set(d, FWUP_E_IO_EXISTS, NULL,
                             "refusing to overwrite an existing file (use --force)");
    n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "path too long");
    /* mkstemp creates the file 0600, exclusively: a key is never readable by
     * others, not even between creation and the final chmod. */
    fd = mkstemp(tmp);
    if (fd < 0)
        return fwup_diag_set(d, FWUP_E_IO_OPEN, NULL, "cannot create a file next to it: %s",
                             strerror(errno));
    if (!write_all(fd, data, len) || fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
        int err = errno;
        close(fd);
        unlink(tmp);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "write error: %s", strerror(err));
    }
    if (close(fd) != 0) {
        int err = errno;
        unlink(tmp);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "write error: %s", strerror(err));
    }
    if (exclusive) {
        /* link() fails if path appeared meanwhile: no race with another writer. */
        if (link(tmp, path) != 0) {
            int err = errno;
            unlink(tmp);
            return fwup_diag_set(d, err == EEXIST ? FWUP_E_IO_EXISTS : FWUP_E_IO_WRITE, NULL,
                                 "cannot create: %s", strerror(err));
        }
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL, "cannot replace: %s", strerror(err));
    }
    if (!sync_parent(path))
        return fwup_diag_set(d, FWUP_E_IO_WRITE, NULL,
                             "written, but cannot sync its directory: %s", strerror(errno));
    return FWUP_OK;
}

void
fwup_cli_escape(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        char tmp[5];
        size_t tl;
        uint8_t c = p[i];

        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            tl = 2;
        } else if (c == '\n') {
            memcpy(tmp, "\\n", 2);
            tl = 2;
        } else if (c == '\t') {
            memcpy(tmp, "\\t", 2);
            tl = 2;
        } else if (c >= 0x20 && c < 0x7f) {
            tmp[0] = (char)c;
            tl = 1;
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            tl = 4;
        }
        /* Keep room for "..." and the NUL. */
        if (tl + 4 > cap - o) {
            if (cap - o >= 4)
                memcpy(out + o, "...", 3), o += 3;
            break;
        }
        memcpy(out + o, tmp, tl);
        o += tl;
    }
    out[o] = '\0';
}

void
fwup_cli_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;

    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        out[o++] = hx[p[i] >> 4];
        out[o++] = hx[p[i] & 15];
    }
    if (cap > 0)
        out[o] = '\0';
}

int
fwup_cli_finish(int rc)
{
    /* git's run_builtin: a full disk or closed pipe on stdout is an error. */
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "fwup: error: cannot write to stdout: %s [FWUP_E_IO_WRITE]\n",
                strerror(errno));
        return FWUP_EXIT_IO;
    }
    return rc;
}

enum fwup_err
fwup_cli_secret_prompt(void *ctx, const char *what, const char *prompt, char *buf, size_t cap)
{
    FILE *tty;
    struct termios old, noecho;
    bool restore = false;
    size_t n;
    enum fwup_err fail = strcmp(what, "pin") == 0 ? FWUP_E_PKCS11_PIN : FWUP_E_KEY_PASSPHRASE;

    (void)ctx;
    if (cap == 0 || !isatty(STDIN_FILENO))
        return fail;
    tty = fopen("/dev/tty", "r+");
    if (tty == NULL)
        return fail;
    fprintf(tty, "%s: ", prompt);
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) == 0) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(fileno(tty), TCSAFLUSH, &noecho) == 0;
    }
    if (fgets(buf, (int)(cap > INT_MAX ? INT_MAX : cap), tty) == NULL)
        buf[0] = '\0';
    if (restore)
        (void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0) {
        fwup_wipe(buf, cap);
        return fail;
    }
    return FWUP_OK;
}

void
fwup_cli_signer_opts(struct fwup_signer_opts *o, const char *passphrase_file)
{
    memset(o, 0, sizeof *o);
    /* The environment is read here, in the CLI, never in lib/ (STYLE.md §1). */
    o->pkcs11_module = getenv("FWUP_PKCS11_MODULE");
    o->pkcs11_pin = getenv("FWUP_PKCS11_PIN");
    o->passphrase_file = passphrase_file;
    o->secret_cb = fwup_cli_secret_prompt;
    o->secret_ctx = NULL;
}
