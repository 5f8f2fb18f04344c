/*
 * Model -> unsigned SUIT envelope, in RFC 8949 §4.2.1 core deterministic
 * CBOR (shortest heads from fwup_enc, map keys in bytewise order of their
 * encodings). SUIT's one ordering exception, authentication wrapper (2)
 * before manifest (3) (manifest-37 §8.2), is also the sorted order.
 *
 *   envelope = #6.107({
 *       2: bstr([ bstr([-16, SHA-256(bstr-wrapped manifest, head included)]) ]),
 *       3: bstr(manifest),
 *       15/16/20/23: bstr(severable element) ; unless severed
 *       "#name": bstr(integrated payload)   ; §7.5
 *   })
 *
 * Severable elements (§8.4.12) appear in the manifest as the SUIT_Digest of
 * their complete bstr encoding, whether or not the envelope carries them, so
 * the manifest digest does not depend on severing.
 *
 * Nested sequences recurse; the depth is bounded by the parser
 * (FWUP_DESC_MAX_NEST in desc.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "author_int.h"
#include "fwup/enc.h"
#include "hash_int.h"

static void
enc_val(struct fwup_enc *e, const struct fwup_aval *v)
{
    switch (v->kind) {
    case FWUP_VAL_NIL: fwup_enc_null(e); break;
    case FWUP_VAL_UINT: fwup_enc_uint(e, v->u); break;
    case FWUP_VAL_INT: fwup_enc_int(e, v->i); break;
    case FWUP_VAL_BOOL: fwup_enc_bool(e, v->b); break;
    case FWUP_VAL_TSTR: fwup_enc_tstr(e, (const char *)v->data, v->len); break;
    case FWUP_VAL_BSTR: fwup_enc_bstr(e, v->data, v->len); break;
    case FWUP_VAL_DIGEST: {
        /* bstr .cbor SUIT_Digest = [alg, bytes]: 1 + 2 + 9 + len bytes at most */
        struct fwup_enc d;
        fwup_enc_init(&d, 0);
        fwup_enc_array(&d, 2);
        fwup_enc_int(&d, v->i);
        fwup_enc_bstr(&d, v->data, v->len);
        if (fwup_enc_error(&d) != FWUP_OK && fwup_enc_error(e) == FWUP_OK)
            e->err = fwup_enc_error(&d);
        fwup_enc_bstr(e, d.buf, d.len);
        fwup_enc_release(&d);
        break;
    }
    }
}

/* Wrap what `inner` holds as a bstr in e (and free inner). */
static void
wrap(struct fwup_enc *e, struct fwup_enc *inner)
{
    if (fwup_enc_error(inner) != FWUP_OK && e->err == FWUP_OK)
        e->err = fwup_enc_error(inner);
    fwup_enc_bstr(e, inner->buf, inner->len);
    fwup_enc_release(inner);
}

static void enc_seq_wrapped(struct fwup_enc *e, const struct fwup_aseq *s);

static void
enc_cmd(struct fwup_enc *e, const struct fwup_acmd *c)
{
    fwup_enc_int(e, c->code);
    switch (c->arg) {
    case FWUP_ARG_POLICY: fwup_enc_uint(e, c->policy); break;
    case FWUP_ARG_INDEX:
        /* SUIT_Component_Index: uint / true / [+uint] (§8.4.10.1). */
        if (c->idx_all) {
            fwup_enc_bool(e, true);
        } else if (c->idx_list) {
            fwup_enc_array(e, c->nidx);
            for (size_t i = 0; i < c->nidx; i++)
                fwup_enc_uint(e, c->idx[i]);
        } else {
            fwup_enc_uint(e, c->nidx > 0 ? c->idx[0] : 0);
        }
        break;
    case FWUP_ARG_PARAMS: {
        /* The parameter map is not wrapped (§8.4.10.3); keys sorted. */
        size_t start;
        fwup_enc_map(e, c->nparams);
        start = e->len;
        for (size_t i = 0; i < c->nparams; i++) {
            fwup_enc_int(e, c->params[i].key);
            enc_val(e, &c->params[i].v);
        }
        if (fwup_enc_sort_map(e, start, c->nparams) != FWUP_OK)
            return; /* the error is sticky in e; the caller reports it */
        break;
    }
    case FWUP_ARG_SEQS:
        /* try-each: [2* bstr .cbor SUIT_Command_Sequence, ? nil] */
        fwup_enc_array(e, c->nseqs);
        for (size_t i = 0; i < c->nseqs; i++) {
            if (c->seqs[i] == NULL)
                fwup_enc_null(e);
            else
                enc_seq_wrapped(e, c->seqs[i]);
        }
        break;
    case FWUP_ARG_SEQ:
        /* run-sequence's argument IS wrapped (§8.4.10.8). */
        if (c->nseqs == 1 && c->seqs[0] != NULL) {
            enc_seq_wrapped(e, c->seqs[0]);
        } else {
            struct fwup_aseq empty = {NULL, 0, 0};
            enc_seq_wrapped(e, &empty);
        }
        break;
    case FWUP_ARG_VALUE: enc_val(e, &c->value); break;
    }
}

static void
enc_seq(struct fwup_enc *e, const struct fwup_aseq *s)
{
    /* A sequence is a flat array of command, argument pairs (§8.4.6). */
    fwup_enc_array(e, 2 * (uint64_t)s->n);
    for (size_t i = 0; i < s->n; i++)
        enc_cmd(e, &s->cmds[i]);
}

static void
enc_seq_wrapped(struct fwup_enc *e, const struct fwup_aseq *s)
{
    struct fwup_enc in;

    fwup_enc_init(&in, e->max);
    enc_seq(&in, s);
    wrap(e, &in);
}

static void
enc_id(struct fwup_enc *e, const struct fwup_acomp *c)
{
    fwup_enc_array(e, c->nseg);
    for (size_t k = 0; k < c->nseg; k++)
        fwup_enc_bstr(e, c->seg[k].ptr, c->seg[k].len);
}

/* bstr .cbor SUIT_Common = { ? 1: dependencies, 2: components, 4: shared }.
 * [TD] §5.2.2: dependencies = { index => { 1: dependency-prefix } }; the
 * dependencies sit at the indices after the components and are named by
 * their prefix (the upstream form, OPEN-QUESTIONS 19). Keys ascend, so the
 * map is in deterministic order as written. */
static void
enc_common(struct fwup_enc *e, const struct fwup_author_model *m)
{
    struct fwup_enc in;
    bool shared = m->seq[FWUP_SEQ_SHARED] != NULL;

    fwup_enc_init(&in, e->max);
    fwup_enc_map(&in, (shared ? 2u : 1u) + (m->ndeps > 0 ? 1u : 0u));
    if (m->ndeps > 0) {
        fwup_enc_uint(&in, FWUP_COMMON_DEPENDENCIES);
        fwup_enc_map(&in, m->ndeps);
        for (size_t j = 0; j < m->ndeps; j++) {
            fwup_enc_uint(&in, m->ncomp + j);
            fwup_enc_map(&in, 1);
            fwup_enc_uint(&in, FWUP_DEP_PREFIX);
            enc_id(&in, &m->deps[j]);
        }
    }
    fwup_enc_uint(&in, FWUP_COMMON_COMPONENTS);
    fwup_enc_array(&in, m->ncomp);
    for (size_t i = 0; i < m->ncomp; i++) {
        fwup_enc_array(&in, m->comps[i].nseg);
        for (size_t k = 0; k < m->comps[i].nseg; k++)
            fwup_enc_bstr(&in, m->comps[i].seg[k].ptr, m->comps[i].seg[k].len);
    }
    if (shared) {
        fwup_enc_uint(&in, FWUP_COMMON_SHARED);
        enc_seq_wrapped(&in, m->seq[FWUP_SEQ_SHARED]);
    }
    wrap(e, &in);
}

static bool
has_ctext(const struct fwup_acomp *c)
{
    for (int t = 1; t <= FWUP_CTEXT_MAX; t++)
        if (c->ctext[t] != NULL)
            return true;
    return false;
}

/* The text element: bstr .cbor { lang: { int => tstr, component-id => { int => tstr } } }
 * (§8.4.4). Returns false if the model has no text. */
static bool
enc_text(struct fwup_enc *e, const struct fwup_author_model *m)
{
    struct fwup_enc in;
    size_t n = 0, start;

    for (int t = 1; t <= FWUP_MTEXT_MAX; t++)
        n += m->mtext[t] != NULL;
    for (size_t i = 0; i < m->ncomp; i++)
        n += has_ctext(&m->comps[i]);
    if (n == 0 || m->lang == NULL)
        return false;
    fwup_enc_init(&in, e->max);
    fwup_enc_map(&in, 1);
    fwup_enc_tstr_z(&in, m->lang);
    fwup_enc_map(&in, n);
    start = in.len;
    for (int t = 1; t <= FWUP_MTEXT_MAX; t++) {
        if (m->mtext[t] == NULL)
            continue;
        fwup_enc_uint(&in, (uint64_t)t);
        fwup_enc_tstr_z(&in, m->mtext[t]);
    }
    for (size_t i = 0; i < m->ncomp; i++) {
        const struct fwup_acomp *c = &m->comps[i];
        size_t k = 0;
        if (!has_ctext(c))
            continue;
        fwup_enc_array(&in, c->nseg);
        for (size_t s = 0; s < c->nseg; s++)
            fwup_enc_bstr(&in, c->seg[s].ptr, c->seg[s].len);
        for (int t = 1; t <= FWUP_CTEXT_MAX; t++)
            k += c->ctext[t] != NULL;
        fwup_enc_map(&in, k);
        for (int t = 1; t <= FWUP_CTEXT_MAX; t++) {
            if (c->ctext[t] == NULL)
                continue;
            fwup_enc_uint(&in, (uint64_t)t);
            fwup_enc_tstr_z(&in, c->ctext[t]);
        }
    }
    /* Integer keys (0x01..) sort before component ids (0x8N ...). */
    if (fwup_enc_sort_map(&in, start, n) != FWUP_OK) {
        /* sticky in `in`; wrap() carries it over to e */
    }
    wrap(e, &in);
    return true;
}

/* The severable elements of a model, each already bstr-wrapped. */
struct sev {
    int key;
    struct fwup_enc el; /* the complete bstr encoding */
    bool present;
    bool severable;
};

/* In manifest key order: 15, 16, 20, 23. */
enum { SEV_DEP_RESOLUTION, SEV_FETCH, SEV_INSTALL, SEV_TEXT, SEV_N };

static void
build_sev(const struct fwup_author_model *m, struct sev sv[SEV_N], size_t max)
{
    static const int keys[SEV_N] = {FWUP_M_DEPENDENCY_RESOLUTION, FWUP_M_PAYLOAD_FETCH,
                                    FWUP_M_INSTALL, FWUP_M_TEXT};
    static const enum fwup_seq_id seqs[SEV_TEXT] = {FWUP_SEQ_DEP_RESOLUTION,
                                                    FWUP_SEQ_PAYLOAD_FETCH, FWUP_SEQ_INSTALL};

    for (int i = 0; i < SEV_N; i++) {
        sv[i].key = keys[i];
        fwup_enc_init(&sv[i].el, max);
        if (i < SEV_TEXT) {
            sv[i].present = m->seq[seqs[i]] != NULL;
            sv[i].severable = m->severable[seqs[i]];
            if (sv[i].present)
                enc_seq_wrapped(&sv[i].el, m->seq[seqs[i]]);
        } else {
            sv[i].present = enc_text(&sv[i].el, m);
            sv[i].severable = m->text_severable;
        }
    }
}

static void
free_sev(struct sev sv[SEV_N])
{
    for (int i = 0; i < SEV_N; i++)
        fwup_enc_release(&sv[i].el);
}

/* SUIT_Digest [-16, SHA-256(bytes)] in e (not wrapped). */
static enum fwup_err
enc_digest_of(struct fwup_enc *e, const uint8_t *p, size_t n)
{
    uint8_t d[32];
    enum fwup_err rc = fwup_hash_sha256(p, n, NULL, 0, d);

    if (rc != FWUP_OK)
        return rc;
    fwup_enc_array(e, 2);
    fwup_enc_int(e, FWUP_COSE_SHA256);
    fwup_enc_bstr(e, d, sizeof d);
    return FWUP_OK;
}

/* The manifest map (not wrapped). */
static enum fwup_err
enc_manifest(struct fwup_enc *e, const struct fwup_author_model *m, struct sev sv[SEV_N])
{
    static const enum fwup_seq_id inline_seqs[3] = {FWUP_SEQ_VALIDATE, FWUP_SEQ_LOAD,
                                                    FWUP_SEQ_INVOKE};
    uint64_t n = 3;
    enum fwup_err rc;

    n += m->reference_uri != NULL;
    for (int i = 0; i < 3; i++)
        n += m->seq[inline_seqs[i]] != NULL;
    for (int i = 0; i < SEV_N; i++)
        n += sv[i].present;
    /* Keys in increasing order = core deterministic order for small uints. */
    fwup_enc_map(e, n);
    fwup_enc_uint(e, FWUP_M_VERSION);
    fwup_enc_uint(e, 1);
    fwup_enc_uint(e, FWUP_M_SEQUENCE);
    fwup_enc_uint(e, m->sequence_number);
    fwup_enc_uint(e, FWUP_M_COMMON);
    enc_common(e, m);
    if (m->reference_uri != NULL) {
        fwup_enc_uint(e, FWUP_M_REFERENCE_URI);
        fwup_enc_tstr_z(e, m->reference_uri);
    }
    for (int i = 0; i < 3; i++) {
        if (m->seq[inline_seqs[i]] == NULL)
            continue;
        fwup_enc_uint(e, (uint64_t)fwup_seq_key(inline_seqs[i]));
        enc_seq_wrapped(e, m->seq[inline_seqs[i]]);
    }
    for (int i = 0; i < SEV_N; i++) {
        if (!sv[i].present)
            continue;
        fwup_enc_uint(e, (uint64_t)sv[i].key);
        if (sv[i].severable) {
            /* §8.4.12: the digest of the element's complete bstr encoding. */
            rc = enc_digest_of(e, sv[i].el.buf, sv[i].el.len);
            if (rc != FWUP_OK)
                return rc;
        } else {
            fwup_enc_raw(e, sv[i].el.buf, sv[i].el.len);
        }
    }
    return fwup_enc_error(e);
}

/*
 * Copy an integrated image into e as a bstr, hashing it again on the way:
 * the file was hashed at parse time and the manifest holds that digest, so a
 * file that changed in between must not be embedded (TOCTOU).
 */
static enum fwup_err
enc_integrated(struct fwup_enc *e, const struct fwup_integrated *x, struct fwup_diag *diag)
{
    struct fwup_hash h = {NULL};
    uint8_t *buf = NULL;
    uint8_t d[64];
    size_t dlen = 0;
    uint64_t total = 0;
    int fd = -1;
    enum fwup_err rc;

    rc = fwup_hash_begin(&h, x->alg);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, NULL, "hash backend failed");
    buf = malloc(FWUP_AUTHOR_CHUNK);
    if (buf == NULL) {
        rc = fwup_diag_set(diag, FWUP_E_NO_MEMORY, NULL, "out of memory");
        goto out;
    }
    fd = fwup_hash_open(x->file, NULL);
    if (fd < 0) {
        rc = fwup_diag_set(diag, FWUP_E_DESC_FILE, NULL, "cannot open '%s': %s", x->file,
                           strerror(errno));
        goto out;
    }
    fwup_enc_bstr_head(e, x->size);
    for (;;) {
        ssize_t got = fwup_hash_read(fd, buf, FWUP_AUTHOR_CHUNK);
        if (got < 0) {
            rc = fwup_diag_set(diag, FWUP_E_DESC_FILE, NULL, "cannot read '%s': %s", x->file,
                               strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        if ((uint64_t)got > x->size - total) {
            rc = fwup_diag_set(diag, FWUP_E_DESC_FILE, NULL, "'%s' grew since it was hashed",
                               x->file);
            goto out;
        }
        total += (uint64_t)got;
        fwup_enc_raw(e, buf, (size_t)got);
        if ((rc = fwup_hash_update(&h, buf, (size_t)got)) != FWUP_OK) {
            (void)fwup_diag_set(diag, rc, NULL, "hash backend failed");
            goto out;
        }
    }
    rc = fwup_hash_end(&h, d, &dlen);
    if (rc != FWUP_OK) {
        (void)fwup_diag_set(diag, rc, NULL, "hash backend failed");
        goto out;
    }
    /* memcmp: both digests are public values. */
    if (total != x->size || dlen != x->dlen || memcmp(d, x->digest, dlen) != 0)
        rc = fwup_diag_set(diag, FWUP_E_DESC_FILE, NULL, "'%s' changed since it was hashed",
                           x->file);
out:
    if (h.ctx != NULL)
        fwup_hash_abort(&h);
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

/* Encode the bstr-wrapped manifest into mw and its digest into digest. */
static enum fwup_err
manifest_wrapped(const struct fwup_author_model *m, struct sev sv[SEV_N], struct fwup_enc *mw,
                 uint8_t digest[32])
{
    struct fwup_enc man;
    enum fwup_err rc;

    fwup_enc_init(&man, 0);
    rc = enc_manifest(&man, m, sv);
    if (rc == FWUP_OK) {
        wrap(mw, &man);
        rc = fwup_enc_error(mw);
    } else {
        fwup_enc_release(&man);
    }
    /* §8.3 / OPEN-QUESTIONS 1: over the bstr INCLUDING its head. */
    if (rc == FWUP_OK)
        rc = fwup_hash_sha256(mw->buf, mw->len, NULL, 0, digest);
    return rc;
}

enum fwup_err
fwup_author_manifest_digest(const struct fwup_author_model *m, uint8_t digest[32],
                            struct fwup_diag *diag)
{
    struct sev sv[SEV_N];
    struct fwup_enc mw;
    enum fwup_err rc;

    if (m == NULL || digest == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "NULL argument");
    build_sev(m, sv, 0);
    fwup_enc_init(&mw, 0);
    rc = manifest_wrapped(m, sv, &mw, digest);
    fwup_enc_release(&mw);
    free_sev(sv);
    if (rc != FWUP_OK)
        return fwup_diag_set(diag, rc, "envelope.manifest", "cannot encode the manifest");
    return FWUP_OK;
}

enum fwup_err
fwup_author_encode(const struct fwup_author_model *m, bool sever, uint8_t **out, size_t *len,
                   struct fwup_diag *diag)
{
    struct sev sv[SEV_N];
    struct fwup_enc env, mw, auth;
    uint8_t digest[32];
    uint64_t n = 2;
    size_t start;
    enum fwup_err rc;

    if (m == NULL || out == NULL || len == NULL)
        return fwup_diag_set(diag, FWUP_E_INVALID_ARG, NULL, "NULL argument");
    *out = NULL;
    *len = 0;
    build_sev(m, sv, 0);
    fwup_enc_init(&mw, 0);
    fwup_enc_init(&auth, 0);
    fwup_enc_init(&env, 0);
    rc = manifest_wrapped(m, sv, &mw, digest);
    if (rc != FWUP_OK) {
        (void)fwup_diag_set(diag, rc, "envelope.manifest", "cannot encode the manifest");
        goto out;
    }
    /* SUIT_Authentication = [ bstr .cbor SUIT_Digest ] with no blocks yet:
     * `fwup sign` appends them without touching anything else. */
    {
        struct fwup_enc dg;
        fwup_enc_init(&dg, 0);
        fwup_enc_array(&auth, 1);
        rc = enc_digest_of(&dg, mw.buf, mw.len);
        if (rc == FWUP_OK) {
            /* enc_digest_of hashed mw; digest already holds the same value. */
            wrap(&auth, &dg);
        } else {
            fwup_enc_release(&dg);
            (void)fwup_diag_set(diag, rc, "envelope.authentication-wrapper", "hash failed");
            goto out;
        }
    }
    for (int i = 0; i < SEV_N; i++)
        n += sv[i].present && sv[i].severable && !sever;
    n += m->ninteg;
    fwup_enc_tag(&env, FWUP_ENVELOPE_TAG);
    fwup_enc_map(&env, n);
    start = env.len;
    fwup_enc_uint(&env, FWUP_ENV_AUTH);
    wrap(&env, &auth);
    fwup_enc_uint(&env, FWUP_ENV_MANIFEST);
    fwup_enc_raw(&env, mw.buf, mw.len);
    for (int i = 0; i < SEV_N; i++) {
        if (!sv[i].present || !sv[i].severable || sever)
            continue;
        fwup_enc_uint(&env, (uint64_t)sv[i].key);
        fwup_enc_raw(&env, sv[i].el.buf, sv[i].el.len);
    }
    for (size_t i = 0; i < m->ninteg; i++) {
        fwup_enc_tstr_z(&env, m->integ[i].key);
        rc = enc_integrated(&env, &m->integ[i], diag);
        if (rc != FWUP_OK)
            goto out;
    }
    /* Integer keys are already in order; text keys of integrated payloads
     * (major type 3) sort after them, among themselves bytewise. */
    rc = fwup_enc_sort_map(&env, start, n);
    if (rc == FWUP_OK)
        rc = fwup_enc_take(&env, out, len);
    if (rc != FWUP_OK)
        (void)fwup_diag_set(diag, rc, "envelope", "cannot encode the envelope");
out:
    fwup_enc_release(&env);
    fwup_enc_release(&mw);
    fwup_enc_release(&auth);
    free_sev(sv);
    return rc;
}
