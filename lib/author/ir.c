/*
 * The command IR of lib/author: allocation helpers. Every owned pointer is
 * freed by fwup_ir_seq_free(), recursively through try-each and
 * run-sequence; nesting depth is bounded by the parser (desc.c), so the
 * recursion here is bounded too.
 */
#include <stdlib.h>
#include <string.h>

#include "author_int.h"

struct fwup_aseq *
fwup_ir_seq_new(void)
{
    return calloc(1, sizeof(struct fwup_aseq));
}

void
fwup_ir_val_release(struct fwup_aval *v)
{
    if (v == NULL)
        return;
    free(v->data);
    v->data = NULL;
    v->len = 0;
}

static void
cmd_release(struct fwup_acmd *c)
{
    free(c->idx);
    for (size_t i = 0; i < c->nparams; i++)
        fwup_ir_val_release(&c->params[i].v);
    free(c->params);
    for (size_t i = 0; i < c->nseqs; i++)
        fwup_ir_seq_free(c->seqs[i]);
    free(c->seqs);
    fwup_ir_val_release(&c->value);
    free(c->path);
}

void
fwup_ir_seq_free(struct fwup_aseq *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        cmd_release(&s->cmds[i]);
    free(s->cmds);
    free(s);
}

struct fwup_acmd *
fwup_ir_push(struct fwup_aseq *s, int64_t code, enum fwup_arg_kind arg)
{
    struct fwup_acmd *c;

    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        struct fwup_acmd *nc = realloc(s->cmds, ncap * sizeof *nc);
        if (nc == NULL)
            return NULL;
        s->cmds = nc;
        s->cap = ncap;
    }
    c = &s->cmds[s->n++];
    memset(c, 0, sizeof *c);
    c->code = code;
    c->arg = arg;
    return c;
}

bool
fwup_ir_policy(struct fwup_aseq *s, int64_t code, uint64_t policy)
{
    struct fwup_acmd *c = fwup_ir_push(s, code, FWUP_ARG_POLICY);

    if (c == NULL)
        return false;
    c->policy = policy;
    return true;
}

bool
fwup_ir_index(struct fwup_aseq *s, uint32_t index)
{
    struct fwup_acmd *c = fwup_ir_push(s, FWUP_CMD_SET_COMPONENT_INDEX, FWUP_ARG_INDEX);

    if (c == NULL)
        return false;
    c->idx = malloc(sizeof *c->idx);
    if (c->idx == NULL)
        return false;
    c->idx[0] = index;
    c->nidx = 1;
    return true;
}

bool
fwup_ir_param(struct fwup_acmd *c, int64_t key, const struct fwup_aval *v)
{
    struct fwup_aparam *np = realloc(c->params, (c->nparams + 1) * sizeof *np);
    struct fwup_aparam *p;

    if (np == NULL)
        return false;
    c->params = np;
    p = &c->params[c->nparams];
    memset(p, 0, sizeof *p);
    p->key = key;
    p->v = *v;
    p->v.data = NULL;
    if (v->data != NULL || v->len > 0) {
        /* +1 so that an empty string still gets a distinct allocation. */
        p->v.data = malloc(v->len + 1);
        if (p->v.data == NULL)
            return false;
        if (v->len > 0)
            memcpy(p->v.data, v->data, v->len);
    }
    c->nparams++;
    return true;
}

bool
fwup_ir_param_uint(struct fwup_acmd *c, int64_t key, uint64_t u)
{
    struct fwup_aval v = {.kind = FWUP_VAL_UINT, .u = u};
    return fwup_ir_param(c, key, &v);
}

bool
fwup_ir_param_bytes(struct fwup_acmd *c, int64_t key, enum fwup_val_kind kind, const void *p,
                    size_t n, int64_t alg)
{
    struct fwup_aval v = {.kind = kind, .data = (uint8_t *)(uintptr_t)p, .len = n, .i = alg};
    return fwup_ir_param(c, key, &v);
}

const char *
fwup_seq_name(enum fwup_seq_id s)
{
    static const char *const names[FWUP_SEQ_COUNT] = {
        "shared", "validate", "load", "invoke", "payload-fetch", "install",
        "dependency-resolution",
    };
    return ((unsigned)s < FWUP_SEQ_COUNT) ? names[s] : "?";
}

int
fwup_seq_key(enum fwup_seq_id s)
{
    static const int keys[FWUP_SEQ_COUNT] = {
        0, FWUP_M_VALIDATE, FWUP_M_LOAD, FWUP_M_INVOKE, FWUP_M_PAYLOAD_FETCH, FWUP_M_INSTALL,
        FWUP_M_DEPENDENCY_RESOLUTION,
    };
    return ((unsigned)s < FWUP_SEQ_COUNT) ? keys[s] : -1;
}
