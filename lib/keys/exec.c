/*
 * "exec:COMMAND" signer: the bridge to KMS and signing services. fwup runs
 * COMMAND with /bin/sh -c, writes the exact to-be-signed bytes (the COSE
 * Sig_structure) to its stdin and reads the signature from its stdout:
 * ECDSA as raw r||s or DER, Ed25519 as 64 bytes. The command's stderr is
 * passed through for its own diagnostics.
 *
 * The command never sees a private key through fwup and fwup never trusts its
 * output: the public key comes from opts->public_key_file and every
 * signature is verified with it before it is returned.
 *
 * Robustness: stdin is a socketpair, not a pipe, so a command that exits
 * without reading cannot kill fwup with SIGPIPE (send(MSG_NOSIGNAL)); the
 * command runs in its own process group, so a timeout kills the whole
 * pipeline it started, not just the shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../crypto/crypto_int.h"
#include "fwup/crypto.h"
#include "signer_int.h"

#define EXEC_OUT_MAX 4096 /* a signature is <= 132 bytes; anything longer is garbage */
#define EXEC_DEFAULT_TIMEOUT_S 120

struct exec_state {
    char *command;
    struct fwup_v_key pub;
    unsigned timeout_s;
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kill the command's process group and reap it. */
static void
kill_and_reap(pid_t pid)
{
    (void)kill(-pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/*
 * Run the command: tbs on stdin, up to EXEC_OUT_MAX bytes of stdout into out.
 * Returns FWUP_OK or FWUP_E_EXTERNAL_SIGNER with a diag saying what happened.
 */
static enum fwup_err
run(const struct exec_state *st, struct fwup_bytes tbs, uint8_t *out, size_t *out_len,
    struct fwup_diag *diag)
{
    int in_sv[2] = {-1, -1}, out_p[2] = {-1, -1};
    pid_t pid;
    size_t sent = 0, got = 0;
    bool too_long = false, eof = false;
    long long deadline = now_ms() + (long long)st->timeout_s * 1000;
    int status = 0;
    enum fwup_err rc = FWUP_E_EXTERNAL_SIGNER;

    *out_len = 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_sv) != 0 ||
        pipe2(out_p, O_CLOEXEC) != 0) {
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL, "cannot create pipes: %s",
                           strerror(errno));
        goto close_all;
    }
    pid = fork();
    if (pid < 0) {
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL, "cannot start the signer: %s",
                           strerror(errno));
        goto close_all;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls until exec. */
        (void)setpgid(0, 0);
        if (dup2(in_sv[1], STDIN_FILENO) < 0 || dup2(out_p[1], STDOUT_FILENO) < 0)
            _exit(127);
        execl("/bin/sh", "sh", "-c", st->command, (char *)NULL);
        _exit(127);
    }
    (void)setpgid(pid, pid); /* also from the parent: no race with kill(-pid) */
    close(in_sv[1]);
    close(out_p[1]);
    in_sv[1] = out_p[1] = -1;
    (void)fcntl(in_sv[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(out_p[0], F_SETFL, O_NONBLOCK);
    if (tbs.len == 0)
        (void)shutdown(in_sv[0], SHUT_WR);

    while (!eof) {
        struct pollfd pf[2];
        nfds_t n = 0;
        long long left = deadline - now_ms();
        int pr;

        if (left <= 0) {
            kill_and_reap(pid);
            rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                               "external signer timed out after %u s (killed)", st->timeout_s);
            goto close_all;
        }
        pf[n].fd = out_p[0];
        pf[n].events = POLLIN;
        pf[n].revents = 0;
        n++;
        if (in_sv[0] >= 0 && sent < tbs.len) {
            pf[n].fd = in_sv[0];
            pf[n].events = POLLOUT;
            pf[n].revents = 0;
            n++;
        }
        pr = poll(pf, n, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno != EINTR) {
            kill_and_reap(pid);
            rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL, "poll: %s", strerror(errno));
            goto close_all;
        }
        if (pr <= 0)
            continue;
        if (n > 1 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = send(in_sv[0], tbs.ptr + sent, tbs.len - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            /* EPIPE: the command does not read its input; its exit status
             * and output decide. Either way stop writing. */
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                sent = tbs.len;
            if (sent == tbs.len)
                (void)shutdown(in_sv[0], SHUT_WR);
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            uint8_t tmp[512];
            ssize_t r = read(out_p[0], tmp, sizeof tmp);
            if (r == 0) {
                eof = true;
            } else if (r > 0) {
                size_t k = (size_t)r;
                if (k > EXEC_OUT_MAX - got) {
                    too_long = true;
                    k = EXEC_OUT_MAX - got;
                }
                memcpy(out + got, tmp, k);
                got += k;
            } else if (errno != EAGAIN && errno != EINTR) {
                eof = true;
            }
        }
    }
    /* stdout closed: wait for the exit status, still bounded by the deadline. */
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL, "waitpid: %s", strerror(errno));
            goto close_all;
        }
        if (now_ms() >= deadline) {
            kill_and_reap(pid);
            rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                               "external signer timed out after %u s (killed)", st->timeout_s);
            goto close_all;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFSIGNALED(status)) {
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                           "external signer killed by signal %d", WTERMSIG(status));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                           code == 127
                               ? "external signer exited with status 127 (command not found?)"
                               : "external signer exited with status %d",
                           code);
    } else if (too_long) {
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                           "external signer wrote more than %d bytes: not a signature",
                           EXEC_OUT_MAX);
    } else {
        *out_len = got;
        rc = FWUP_OK;
    }
close_all:
    for (int i = 0; i < 2; i++) {
        if (in_sv[i] >= 0)
            close(in_sv[i]);
        if (out_p[i] >= 0)
            close(out_p[i]);
    }
    return rc;
}

static enum fwup_err
exec_sign(struct fwup_signer *s, int32_t alg, struct fwup_bytes tbs, uint8_t sig[132],
          size_t *sig_len, struct fwup_diag *diag)
{
    struct exec_state *st = s->state;
    uint8_t *out = malloc(EXEC_OUT_MAX);
    size_t n = 0;
    enum fwup_err rc;

    if (out == NULL)
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    rc = run(st, tbs, out, &n, diag);
    if (rc != FWUP_OK)
        goto out;
    rc = fwup_sig_to_cose(st->pub.type, FWUP_SIG_AUTO, out, n, sig, sig_len);
    if (rc != FWUP_OK) {
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                           "external signer output (%zu bytes) is not a %s signature", n,
                           s->kind == FWUP_KEY_ED25519 ? "64-byte Ed25519"
                                                       : "raw r||s or DER ECDSA");
        goto out;
    }
    /* Never pass on what the command said without checking it against the
     * public key: a wrong key or a mangled output must fail here, clearly. */
    rc = fwup_pkey_verify((EVP_PKEY *)(uintptr_t)st->pub.handle, alg, tbs,
                          (struct fwup_bytes){sig, *sig_len}, NULL);
    if (rc != FWUP_OK) {
        *sig_len = 0;
        rc = fwup_diag_set(diag, FWUP_E_EXTERNAL_SIGNER, NULL,
                           "external signer's signature does not verify with the public key "
                           "(wrong --pub, or wrong key behind the command)");
    }
out:
    free(out);
    return rc;
}

static enum fwup_err
exec_public_der(struct fwup_signer *s, uint8_t **der, size_t *der_len, struct fwup_diag *diag)
{
    struct exec_state *st = s->state;
    enum fwup_err rc = fwup_key_public_der(&st->pub, der, der_len);

    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "cannot export the public key");
    return FWUP_OK;
}

static void
exec_destroy(struct fwup_signer *s)
{
    struct exec_state *st = s->state;

    if (st == NULL)
        return;
    fwup_key_release(&st->pub);
    free(st->command);
    free(st);
    s->state = NULL;
}

static const struct fwup_signer_ops exec_ops = {
    .sign = exec_sign,
    .public_der = exec_public_der,
    .destroy = exec_destroy,
};

enum fwup_err
fwup_exec_signer_open(const char *command, const struct fwup_signer_opts *opts,
                      struct fwup_signer **out, struct fwup_diag *diag)
{
    struct exec_state *st;
    struct fwup_signer *s;
    enum fwup_err rc;

    if (command == NULL || command[0] == '\0')
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "exec: needs a command");
    if (opts == NULL || opts->public_key_file == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL,
                             "an exec: signer needs its public key (--pub PUB.pem)");
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    rc = fwup_key_load_public(opts->public_key_file, &st->pub, diag);
    if (rc != FWUP_OK) {
        free(st);
        return rc;
    }
    st->command = strdup(command);
    st->timeout_s = opts->exec_timeout_s != 0 ? opts->exec_timeout_s : EXEC_DEFAULT_TIMEOUT_S;
    s = fwup_signer_alloc(&exec_ops, fwup_signer_kind_of(st->pub.type), "external signer '%s'",
                          command);
    if (st->command == NULL || s == NULL) {
        fwup_key_release(&st->pub);
        free(st->command);
        free(st);
        free(s);
        return fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
    }
    s->state = st;
    *out = s;
    return FWUP_OK;
}
