/*
 * SUIT rules applied to every command sequence of a model, whether the
 * templates generated it or the description spelled it out.
 *
 * The check is an abstract run of each sequence (manifest-37 §6.4): it tracks
 * the current component index set and, per component, which parameters are
 * known to be set. The shared sequence runs first and its result is the
 * starting state of every other sequence, as on a device (§6.1: the shared
 * sequence runs before each sequence). A parameter counts as set after a
 * try-each only if every branch sets it (a nil branch sets nothing), since
 * the processor may take any branch.
 *
 * Rules (manifest-37 §6.2, §8.4.5, §7 "Authors MUST set every parameter a
 * command consumes"):
 *   1. shared holds only conditions and parameter directives
 *      (set-component-index, override/set-parameters, try-each and
 *      run-sequence of such sequences); no custom commands or parameters;
 *   2. shared checks vendor-identifier and class-identifier;
 *   3. with more than one index (components + [TD] dependencies) every
 *      sequence starts with set-component-index;
 *   4. component indices and source-component values are in range, and a
 *      component is not copied onto itself;
 *   5. every parameter a command consumes is set for each component the
 *      command runs on.
 * Nesting depth is bounded by the parser (FWUP_DESC_MAX_NEST), so the
 * recursion below is bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "author_int.h"

/* Parameter keys we track fit in a 64-bit set (all standard keys are < 64). */
typedef uint64_t pset;
#define PBIT(k) (((k) >= 0 && (k) < 64) ? ((pset)1 << (k)) : 0)

struct chk {
    const struct fwup_author_model *m;
    struct fwup_diag *diag;
    enum fwup_seq_id seq;
    bool in_shared;
    bool saw_vendor;
    bool saw_class;
};

/* Index space: the components, then the dependencies ([TD] §5.2.2,
 * OPEN-QUESTIONS 19); at most FWUP_AUTHOR_MAX_COMPONENTS in all. */
static size_t
n_index(const struct fwup_author_model *m)
{
    return m->ncomp + m->ndeps;
}

struct state {
    pset set[FWUP_AUTHOR_MAX_COMPONENTS];
    uint64_t cur; /* bit i = component i selected */
};

static const char *
cmd_name(int64_t code)
{
    switch (code) {
    case FWUP_CMD_VENDOR_ID: return "vendor-identifier";
    case FWUP_CMD_CLASS_ID: return "class-identifier";
    case FWUP_CMD_IMAGE_MATCH: return "image-match";
    case FWUP_CMD_USE_BEFORE: return "use-before";
    case FWUP_CMD_COMPONENT_SLOT: return "component-slot";
    case FWUP_CMD_CHECK_CONTENT: return "check-content";
    case FWUP_CMD_DEPENDENCY_INTEGRITY: return "dependency-integrity";
    case FWUP_CMD_IS_DEPENDENCY: return "is-dependency";
    case FWUP_CMD_PROCESS_DEPENDENCY: return "process-dependency";
    case FWUP_CMD_SET_COMPONENT_INDEX: return "set-component-index";
    case FWUP_CMD_ABORT: return "abort";
    case FWUP_CMD_TRY_EACH: return "try-each";
    case FWUP_CMD_WRITE: return "write";
    case FWUP_CMD_SET_PARAMETERS: return "set-parameters";
    case FWUP_CMD_OVERRIDE_PARAMETERS: return "override-parameters";
    case FWUP_CMD_FETCH: return "fetch";
    case FWUP_CMD_COPY: return "copy";
    case FWUP_CMD_INVOKE: return "invoke";
    case FWUP_CMD_DEVICE_ID: return "device-identifier";
    case FWUP_CMD_SWAP: return "swap";
    case FWUP_CMD_RUN_SEQUENCE: return "run-sequence";
    case FWUP_CMD_UNLINK: return "unlink";
    default: return "custom command";
    }
}

static const char *
param_name(int64_t key)
{
    switch (key) {
    case FWUP_P_VENDOR_ID: return "vendor-id";
    case FWUP_P_CLASS_ID: return "class-id";
    case FWUP_P_IMAGE_DIGEST: return "image-digest";
    case FWUP_P_USE_BEFORE: return "use-before";
    case FWUP_P_COMPONENT_SLOT: return "component-slot";
    case FWUP_P_CONTENT: return "content";
    case FWUP_P_URI: return "uri";
    case FWUP_P_SOURCE_COMPONENT: return "source-component";
    case FWUP_P_DEVICE_ID: return "device-id";
    default: return "parameter";
    }
}

/* The parameter a command reads (§8.4.9, §8.4.10), or -1 for none. */
static int64_t
consumes(int64_t code)
{
    switch (code) {
    case FWUP_CMD_VENDOR_ID: return FWUP_P_VENDOR_ID;
    case FWUP_CMD_CLASS_ID: return FWUP_P_CLASS_ID;
    case FWUP_CMD_IMAGE_MATCH: return FWUP_P_IMAGE_DIGEST;
    case FWUP_CMD_USE_BEFORE: return FWUP_P_USE_BEFORE;
    case FWUP_CMD_DEPENDENCY_INTEGRITY: return FWUP_P_IMAGE_DIGEST;
    case FWUP_CMD_COMPONENT_SLOT: return FWUP_P_COMPONENT_SLOT;
    case FWUP_CMD_CHECK_CONTENT: return FWUP_P_CONTENT;
    case FWUP_CMD_WRITE: return FWUP_P_CONTENT;
    case FWUP_CMD_DEVICE_ID: return FWUP_P_DEVICE_ID;
    case FWUP_CMD_FETCH: return FWUP_P_URI;
    case FWUP_CMD_COPY: return FWUP_P_SOURCE_COMPONENT;
    case FWUP_CMD_SWAP: return FWUP_P_SOURCE_COMPONENT;
    default: return -1;
    }
}

/* Conditions have no side effects and may appear in shared (§8.4.9). */
static bool
is_condition(int64_t code)
{
    switch (code) {
    case FWUP_CMD_VENDOR_ID:
    case FWUP_CMD_CLASS_ID:
    case FWUP_CMD_IMAGE_MATCH:
    case FWUP_CMD_USE_BEFORE:
    case FWUP_CMD_COMPONENT_SLOT:
    case FWUP_CMD_CHECK_CONTENT:
    case FWUP_CMD_DEPENDENCY_INTEGRITY:
    case FWUP_CMD_IS_DEPENDENCY:
    case FWUP_CMD_ABORT:
    case FWUP_CMD_DEVICE_ID: return true;
    default: return false;
    }
}

static enum fwup_err
rule(struct chk *k, const struct fwup_acmd *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum fwup_err
rule(struct chk *k, const struct fwup_acmd *c, const char *fmt, ...)
{
    char detail[160];
    char where[96];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c != NULL && c->path != NULL)
        snprintf(where, sizeof where, "%s", c->path);
    else
        /* Generated by a template: name the sequence instead of a JSON path. */
        snprintf(where, sizeof where, "(generated %s sequence)", fwup_seq_name(k->seq));
    return fwup_diag_set(k->diag, FWUP_E_DESC_RULE, where, "%s", detail);
}

static enum fwup_err check_seq(struct chk *k, const struct fwup_aseq *s, struct state *st,
                               bool top);

static enum fwup_err
check_params(struct chk *k, const struct fwup_acmd *c, struct state *st)
{
    const struct fwup_author_model *m = k->m;

    for (size_t i = 0; i < c->nparams; i++) {
        const struct fwup_aparam *p = &c->params[i];
        if (k->in_shared && p->key <= FWUP_SUIT_CUSTOM_MAX)
            return rule(k, c,
                        "custom parameter %lld is not allowed in the shared sequence "
                        "(manifest-37 §8.4.8.14)",
                        (long long)p->key);
        if (p->key == FWUP_P_SOURCE_COMPONENT) {
            if (p->v.u >= m->ncomp)
                return rule(k, c, "source-component %llu is not a component (there are %zu)",
                            (unsigned long long)p->v.u, m->ncomp);
            if (st->cur & ((uint64_t)1 << p->v.u))
                return rule(k, c, "component %llu would be copied onto itself",
                            (unsigned long long)p->v.u);
        }
    }
    for (size_t ci = 0; ci < n_index(m); ci++) {
        if (!(st->cur & ((uint64_t)1 << ci)))
            continue;
        for (size_t i = 0; i < c->nparams; i++)
            st->set[ci] |= PBIT(c->params[i].key);
    }
    return FWUP_OK;
}

static enum fwup_err
check_cmd(struct chk *k, const struct fwup_acmd *c, struct state *st)
{
    const struct fwup_author_model *m = k->m;
    int64_t need;
    enum fwup_err rc;

    if (k->in_shared) {
        bool ok = is_condition(c->code) || c->code == FWUP_CMD_SET_COMPONENT_INDEX ||
                  c->code == FWUP_CMD_OVERRIDE_PARAMETERS ||
                  c->code == FWUP_CMD_SET_PARAMETERS || c->code == FWUP_CMD_TRY_EACH ||
                  c->code == FWUP_CMD_RUN_SEQUENCE;
        if (!ok)
            return rule(k, c,
                        "'%s' is not allowed in the shared sequence: it may hold only "
                        "conditions and parameter directives (manifest-37 §8.4.5)",
                        cmd_name(c->code));
    }
    if (c->code == FWUP_CMD_VENDOR_ID)
        k->saw_vendor = true;
    if (c->code == FWUP_CMD_CLASS_ID)
        k->saw_class = true;

    switch (c->arg) {
    case FWUP_ARG_INDEX:
        if (c->idx_all) {
            st->cur = (n_index(m) >= 64) ? ~(uint64_t)0 : (((uint64_t)1 << n_index(m)) - 1);
            return FWUP_OK;
        }
        st->cur = 0;
        for (size_t i = 0; i < c->nidx; i++) {
            if (c->idx[i] >= n_index(m))
                return rule(k, c, "component index %u is out of range (there are %zu)",
                            c->idx[i], n_index(m));
            st->cur |= (uint64_t)1 << c->idx[i];
        }
        return FWUP_OK;
    case FWUP_ARG_PARAMS:
        return check_params(k, c, st);
    case FWUP_ARG_SEQS: {
        /* try-each: the result is what every branch guarantees. */
        struct state out = *st;
        bool first = true;
        for (size_t b = 0; b < c->nseqs; b++) {
            struct state br = *st;
            if (c->seqs[b] != NULL) {
                rc = check_seq(k, c->seqs[b], &br, false);
                if (rc != FWUP_OK)
                    return rc;
            }
            for (size_t ci = 0; ci < n_index(m); ci++)
                out.set[ci] = first ? br.set[ci] : (out.set[ci] & br.set[ci]);
            first = false;
        }
        /* The index a branch selects is not known afterwards: keep the one
         * in force before the try-each. */
        out.cur = st->cur;
        *st = out;
        return FWUP_OK;
    }
    case FWUP_ARG_SEQ:
        if (c->nseqs == 1 && c->seqs[0] != NULL)
            return check_seq(k, c->seqs[0], st, false);
        return FWUP_OK;
    case FWUP_ARG_VALUE:
        if (k->in_shared)
            return rule(k, c, "custom commands are not allowed in the shared sequence "
                              "(manifest-37 §8.4.5)");
        return FWUP_OK;
    case FWUP_ARG_POLICY:
        break;
    }
    need = consumes(c->code);
    if (need < 0)
        return FWUP_OK;
    for (size_t ci = 0; ci < n_index(m); ci++) {
        if (!(st->cur & ((uint64_t)1 << ci)))
            continue;
        if (!(st->set[ci] & PBIT(need)))
            return rule(k, c,
                        "'%s' on component %zu needs parameter %s, which is not set "
                        "before it (manifest-37 §7)",
                        cmd_name(c->code), ci, param_name(need));
    }
    return FWUP_OK;
}

static enum fwup_err
check_seq(struct chk *k, const struct fwup_aseq *s, struct state *st, bool top)
{
    if (top && n_index(k->m) > 1 && s->n > 0 &&
        s->cmds[0].code != FWUP_CMD_SET_COMPONENT_INDEX)
        return rule(k, &s->cmds[0],
                    "with more than one component the %s sequence must start with "
                    "set-component-index (manifest-37 §6.2)",
                    fwup_seq_name(k->seq));
    for (size_t i = 0; i < s->n; i++) {
        enum fwup_err rc = check_cmd(k, &s->cmds[i], st);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}

enum fwup_err
fwup_check_model(const struct fwup_author_model *m, struct fwup_diag *diag)
{
    struct chk k;
    struct state base;
    enum fwup_err rc;

    memset(&k, 0, sizeof k);
    memset(&base, 0, sizeof base);
    k.m = m;
    k.diag = diag;
    if (m->ncomp == 0 || n_index(m) > FWUP_AUTHOR_MAX_COMPONENTS)
        return fwup_diag_set(diag, FWUP_E_DESC_RULE, "$.components",
                             "a manifest needs 1 to %d components and dependencies",
                             FWUP_AUTHOR_MAX_COMPONENTS);

    /* Shared first: its result is where every other sequence starts. The
     * index starts at 0 in every sequence (OPEN-QUESTIONS 13). */
    k.seq = FWUP_SEQ_SHARED;
    k.in_shared = true;
    base.cur = 1;
    if (m->seq[FWUP_SEQ_SHARED] != NULL) {
        rc = check_seq(&k, m->seq[FWUP_SEQ_SHARED], &base, true);
        if (rc != FWUP_OK)
            return rc;
    }
    if (!k.saw_vendor || !k.saw_class)
        return fwup_diag_set(diag, FWUP_E_DESC_RULE, "$.sequences.shared",
                             "the shared sequence must check vendor-identifier and "
                             "class-identifier (manifest-37 §6.2)");
    k.in_shared = false;
    for (int s = FWUP_SEQ_SHARED + 1; s < FWUP_SEQ_COUNT; s++) {
        struct state st = base;
        if (m->seq[s] == NULL)
            continue;
        k.seq = (enum fwup_seq_id)s;
        st.cur = 1;
        rc = check_seq(&k, m->seq[s], &st, true);
        if (rc != FWUP_OK)
            return rc;
    }
    return FWUP_OK;
}
