/*
 * Shared helpers of the fwup command. The CLI is the only layer that prints
 * or exits; commands return an exit class (enum fwup_exit) to main().
 */
#ifndef FWUP_CLI_H
#define FWUP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwup/err.h"
#include "fwup/signer.h"

/* Each subcommand: parses its own options (getopt_long), returns an exit class. */
typedef int (*fwup_cmd_fn)(int argc, char **argv);

struct fwup_cmd {
    const char *name;
    fwup_cmd_fn fn;
    const char *summary;
};

/* The table in main.c, NULL-terminated. */
extern const struct fwup_cmd fwup_cmds[];

/* Global flags set by main() before dispatch (-q, -v). */
extern int fwup_cli_quiet;
extern int fwup_cli_verbose;

/* Subcommands (cli/cmd_<name>.c). */
int fwup_cmd_create(int argc, char **argv);
int fwup_cmd_sever(int argc, char **argv);
int fwup_cmd_sign(int argc, char **argv);
int fwup_cmd_keygen(int argc, char **argv);
int fwup_cmd_pubkey(int argc, char **argv);
int fwup_cmd_verify(int argc, char **argv);
int fwup_cmd_show(int argc, char **argv);
int fwup_cmd_keys(int argc, char **argv);
int fwup_cmd_encrypt(int argc, char **argv);
int fwup_cmd_report(int argc, char **argv);

/*
 * Print a usage error: "fwup: error: <msg>" and "try 'fwup <cmd> --help'" on
 * stderr. Returns FWUP_EXIT_USAGE.
 */
int fwup_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Print one error line for a failed library call and return its exit class:
 *   fwup: error: 'FILE':OFFSET: DETAIL (PATH) [FWUP_E_NAME]
 *   fwup: error: 'FILE':LINE:COL: DETAIL (PATH) [FWUP_E_NAME]
 * file may be NULL. Uses d->code when set, else e. With -v the backend code
 * is added. Untrusted text in the detail is already escaped by the caller.
 */
int fwup_cli_fail(const char *file, enum fwup_err e, const struct fwup_diag *d);

/* A plain error line "fwup: error: <msg>" (no library error). Returns nothing. */
void fwup_cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A note on stderr unless -q: "fwup: <msg>". */
void fwup_cli_notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Default cap for reading an envelope or key into memory (payloads are streamed). */
#define FWUP_CLI_MAX_INPUT ((size_t)64 << 20)

/*
 * Read a whole file (at most max bytes; "-" = stdin) into a malloc'd buffer.
 * Errors: FWUP_E_IO_OPEN, FWUP_E_IO_READ, FWUP_E_IO_TOO_BIG (diag says which).
 */
enum fwup_err fwup_cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
                                 struct fwup_diag *d);

/*
 * The first line of a small file (at most 4 KiB; PINs, passphrases) into buf,
 * NUL-terminated, truncated to cap-1 bytes. The file's bytes are wiped before
 * they are freed; the caller wipes buf.
 */
enum fwup_err fwup_cli_read_secret_line(const char *path, char *buf, size_t cap,
                                        struct fwup_diag *d);

/*
 * Write data to path atomically: a temporary file in the same directory,
 * fsync, then rename over path. On any failure the temporary is removed and
 * path is untouched. mode: file mode (0644 for envelopes, 0600 for private
 * keys). exclusive: fail with FWUP_E_IO_EXISTS if path exists (keys without
 * --force). "-" writes to stdout.
 */
enum fwup_err fwup_cli_write_atomic(const char *path, const void *data, size_t len,
                                    unsigned mode, bool exclusive, struct fwup_diag *d);

/*
 * Escape untrusted bytes for a terminal: printable ASCII kept, \" \\ \n \t
 * and \xHH for the rest. Writes a NUL-terminated string to out (cap >= 5);
 * truncates with "..." when it does not fit.
 */
void fwup_cli_escape(const uint8_t *p, size_t n, char *out, size_t cap);

/* Lowercase hex of p[0..n) into out (cap >= 2n+1; truncates otherwise). */
void fwup_cli_hex(const uint8_t *p, size_t n, char *out, size_t cap);

/*
 * Flush and close stdout; on failure print an error and return
 * FWUP_EXIT_IO, else rc. Call as `return fwup_cli_finish(rc);`.
 */
int fwup_cli_finish(int rc);

/*
 * Secret callback for struct fwup_signer_opts: prompts on /dev/tty without
 * echo when stdin is a terminal, else fails (never reads argv).
 */
enum fwup_err fwup_cli_secret_prompt(void *ctx, const char *what, const char *prompt, char *buf,
                                     size_t cap);

/* Fill signer options from the environment (FWUP_PKCS11_MODULE, FWUP_PKCS11_PIN)
 * and the prompt callback. passphrase_file may be NULL. */
void fwup_cli_signer_opts(struct fwup_signer_opts *o, const char *passphrase_file);

#endif /* FWUP_CLI_H */
