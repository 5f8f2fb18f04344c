/*
 * fwup show: every part of an envelope, decoded by lib/verifier WITHOUT
 * authentication (fwup_verifier_inspect: the output says "authenticated":
 * false; use `fwup verify` to trust anything). One decoding builds a JSON
 * tree; --json prints it, text mode prints it as an indented outline with
 * every untrusted string escaped.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fwup/crypto.h"
#include "fwup/verifier.h"
#include "policy.h"

static const char usage_text[] =
    "usage: fwup show ENVELOPE [--json]\n"
    "\n"
    "Show every part of a SUIT envelope: envelope keys, authentication wrapper\n"
    "(digest, blocks), manifest (version, sequence number, reference URI,\n"
    "components, each command sequence with its arguments, severed elements\n"
    "with their digests, text), integrated payloads and unknown keys.\n"
    "Nothing is authenticated: use 'fwup verify' for that.\n"
    "\n"
    "options:\n"
    "      --json   one JSON document on stdout\n"
    "  -h, --help   this help\n";

/* ---- generic CBOR diagnostic notation (RFC 8949 §8), no recursion ---- */

struct sbuf {
    char *p;
    size_t len, cap;
    bool full;
};

static void
sb_add(struct sbuf *s, const char *t, size_t n)
{
    if (s->full)
        return;
    if (n + 4 > s->cap - s->len) {
        memcpy(s->p + s->len, "...", 3);
        s->len += 3;
        s->full = true;
    } else {
        memcpy(s->p + s->len, t, n);
        s->len += n;
    }
    s->p[s->len] = '\0';
}

static void
sb_str(struct sbuf *s, const char *t)
{
    sb_add(s, t, strlen(t));
}

static void
sb_bytes(struct sbuf *s, const uint8_t *p, size_t n)
{
    char hex[2 * 64 + 1], tmp[48];

    fwup_cli_hex(p, n > 64 ? 64 : n, hex, sizeof hex);
    sb_str(s, "h'");
    sb_str(s, hex);
    if (n > 64) {
        snprintf(tmp, sizeof tmp, "...' (%zu bytes)", n);
        sb_str(s, tmp);
    } else {
        sb_str(s, "'");
    }
}

/*
 * One data item at r in diagnostic notation into s. An explicit stack of
 * (remaining children, is map) replaces recursion; nesting is bounded by
 * FWUP_V_MAX_CBOR_DEPTH like the verifier's skip().
 */
static enum fwup_err
diag_item(struct fwup_vcbor *r, struct sbuf *s)
{
    struct {
        uint64_t left;
        uint8_t kind; /* 0 array, 1 map, 2 tag */
        bool map_value;
    } st[FWUP_V_MAX_CBOR_DEPTH];
    static const char *const closer[] = {"]", "}", ")"};
    int depth = 0;
    struct fwup_vcbor_item it;
    char tmp[64];
    enum fwup_err e;

    for (;;) {
        e = fwup_vcbor_next(r, &it);
        if (e != FWUP_OK)
            return e;
        switch (it.major) {
        case FWUP_CBOR_UINT:
            snprintf(tmp, sizeof tmp, "%" PRIu64, it.val);
            sb_str(s, tmp);
            break;
        case FWUP_CBOR_NINT:
            if (it.val == UINT64_MAX)
                snprintf(tmp, sizeof tmp, "-18446744073709551616");
            else
                snprintf(tmp, sizeof tmp, "-%" PRIu64, it.val + 1);
            sb_str(s, tmp);
            break;
        case FWUP_CBOR_BSTR:
            sb_bytes(s, r->buf + it.data_off, (size_t)it.val);
            break;
        case FWUP_CBOR_TSTR: {
            char esc[512];
            fwup_cli_escape(r->buf + it.data_off, (size_t)it.val, esc, sizeof esc);
            sb_str(s, "\"");
            sb_str(s, esc);
            sb_str(s, "\"");
            break;
        }
        case FWUP_CBOR_SIMPLE:
            if (it.ai >= 25)
                snprintf(tmp, sizeof tmp, "float%d(0x%" PRIx64 ")", 16 << (it.ai - 25), it.val);
            else if (it.val == FWUP_CBOR_FALSE)
                snprintf(tmp, sizeof tmp, "false");
            else if (it.val == FWUP_CBOR_TRUE)
                snprintf(tmp, sizeof tmp, "true");
            else if (it.val == FWUP_CBOR_NULL)
                snprintf(tmp, sizeof tmp, "null");
            else if (it.val == FWUP_CBOR_UNDEFINED)
                snprintf(tmp, sizeof tmp, "undefined");
            else
                snprintf(tmp, sizeof tmp, "simple(%" PRIu64 ")", it.val);
            sb_str(s, tmp);
            break;
        default: { /* array, map, tag */
            uint8_t kind = it.major == FWUP_CBOR_ARRAY ? 0 : it.major == FWUP_CBOR_MAP ? 1 : 2;
            uint64_t kids = kind == 2 ? 1 : kind == 1 ? it.val * 2 : it.val;
            if (kind == 2) {
                snprintf(tmp, sizeof tmp, "%" PRIu64 "(", it.val);
                sb_str(s, tmp);
            } else {
                sb_str(s, kind == 0 ? "[" : "{");
            }
            if (kids == 0) {
                sb_str(s, closer[kind]);
                break;
            }
            if (depth >= FWUP_V_MAX_CBOR_DEPTH)
                return fwup_vcbor_fail(r, FWUP_E_LIMIT_DEPTH, it.off);
            st[depth].left = kids;
            st[depth].kind = kind;
            st[depth].map_value = false;
            depth++;
            continue;
        }
        }
        /* One value is complete: separators, and close finished parents. */
        while (depth > 0) {
            st[depth - 1].left--;
            if (st[depth - 1].left > 0) {
                if (st[depth - 1].kind == 1) {
                    st[depth - 1].map_value = !st[depth - 1].map_value;
                    sb_str(s, st[depth - 1].map_value ? ": " : ", ");
                } else {
                    sb_str(s, ", ");
                }
                break;
            }
            depth--;
            sb_str(s, closer[st[depth].kind]);
        }
        if (depth == 0)
            return FWUP_OK;
    }
}

/* Diagnostic notation of the item at r as a JSON string (advances r). */
static json_t *
diag_json(struct fwup_vcbor *r)
{
    char buf[4096];
    struct sbuf s = {buf, 0, sizeof buf, false};

    buf[0] = '\0';
    if (diag_item(r, &s) != FWUP_OK)
        sb_str(&s, " <malformed>");
    return json_string(buf);
}

static json_t *
diag_span(const struct fwup_verifier *v, struct fwup_v_span sp)
{
    struct fwup_vcbor r;
    struct fwup_bytes b = fwup_verifier_bytes(v, sp);

    fwup_vcbor_init(&r, b.ptr, b.len);
    return diag_json(&r);
}

/* ---- SUIT-aware pieces ---- */

static json_t *
digest_json(const uint8_t *p, size_t n)
{
    struct fwup_vcbor r;
    int64_t alg;
    struct fwup_bytes d;
    uint64_t cnt;
    char hex[2 * FWUP_V_MAX_DIGEST + 1];
    json_t *o;

    fwup_vcbor_init(&r, p, n);
    if (fwup_vcbor_get_array(&r, &cnt) != FWUP_OK || cnt < 2 ||
        fwup_vcbor_get_int(&r, &alg) != FWUP_OK || fwup_vcbor_get_bstr(&r, &d) != FWUP_OK ||
        alg < INT32_MIN || alg > INT32_MAX) {
        fwup_vcbor_init(&r, p, n);
        return diag_json(&r);
    }
    o = json_object();
    json_object_set_new(o, "alg", json_integer(alg));
    json_object_set_new(o, "alg_name", json_string(fwup_cli_alg_name((int32_t)alg)));
    fwup_cli_hex(d.ptr, d.len, hex, sizeof hex);
    json_object_set_new(o, "hex", json_string(hex));
    return o;
}

/* A component id [* bstr] as an array of "h'..'" / "'text'" strings. */
static json_t *
component_json(const uint8_t *p, size_t n)
{
    struct fwup_vcbor r;
    uint64_t cnt;
    struct fwup_bytes b;
    json_t *a = json_array();

    fwup_vcbor_init(&r, p, n);
    if (fwup_vcbor_get_array(&r, &cnt) != FWUP_OK)
        return a;
    for (; cnt > 0 && fwup_vcbor_get_bstr(&r, &b) == FWUP_OK; cnt--) {
        bool text = b.len > 0;
        char buf[300];
        for (size_t i = 0; i < b.len; i++)
            text = text && b.ptr[i] >= 0x20 && b.ptr[i] < 0x7f;
        if (text) {
            char esc[260];
            fwup_cli_escape(b.ptr, b.len, esc, sizeof esc);
            snprintf(buf, sizeof buf, "'%s'", esc);
        } else {
            char hex[2 * 64 + 1];
            fwup_cli_hex(b.ptr, b.len > 64 ? 64 : b.len, hex, sizeof hex);
            snprintf(buf, sizeof buf, "h'%s%s'", hex, b.len > 64 ? "..." : "");
        }
        json_array_append_new(a, json_string(buf));
    }
    return a;
}

static json_t *sequence_json(const uint8_t *p, size_t n, int depth);

static json_t *
param_value(int64_t key, struct fwup_vcbor *r)
{
    struct fwup_vcbor_item it;

    if (fwup_vcbor_peek(r, &it) != FWUP_OK)
        return json_string("<malformed>");
    if (key == FWUP_SUIT_PARAM_IMAGE_DIGEST && it.major == FWUP_CBOR_BSTR) {
        if (fwup_vcbor_next(r, &it) != FWUP_OK)
            return json_string("<malformed>");
        return digest_json(r->buf + it.data_off, (size_t)it.val);
    }
    if ((key == FWUP_SUIT_PARAM_VENDOR_ID || key == FWUP_SUIT_PARAM_CLASS_ID ||
         key == FWUP_SUIT_PARAM_DEVICE_ID) &&
        it.major == FWUP_CBOR_BSTR && it.val == 16) {
        const uint8_t *u = r->buf + it.data_off;
        char s[40];
        if (fwup_vcbor_next(r, &it) != FWUP_OK)
            return json_string("<malformed>");
        snprintf(s, sizeof s,
                 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
                 u[14], u[15]);
        return json_string(s);
    }
    if (key == FWUP_SUIT_PARAM_ENCRYPTION_INFO && it.major == FWUP_CBOR_BSTR) {
        struct fwup_vcbor in;
        if (fwup_vcbor_next(r, &it) != FWUP_OK)
            return json_string("<malformed>");
        fwup_vcbor_init(&in, r->buf + it.data_off, (size_t)it.val);
        return diag_json(&in);
    }
    return diag_json(r);
}

/* A command sequence as [{command, id, argument | parameters | branches}]. */
static json_t *
sequence_json(const uint8_t *p, size_t n, int depth)
{
    struct fwup_vcbor r;
    uint64_t cnt, m;
    int64_t cmd, key;
    json_t *a = json_array();

    fwup_vcbor_init(&r, p, n);
    if (depth > FWUP_V_MAX_DEPTH || fwup_vcbor_get_array(&r, &cnt) != FWUP_OK) {
        json_array_append_new(a, json_string("<malformed sequence>"));
        return a;
    }
    for (; cnt >= 2; cnt -= 2) {
        json_t *c = json_object();
        const char *name;
        struct fwup_vcbor_item it;

        if (fwup_vcbor_get_int(&r, &cmd) != FWUP_OK) {
            json_decref(c);
            json_array_append_new(a, json_string("<malformed command>"));
            break;
        }
        name = fwup_cli_cmd_name(cmd);
        json_object_set_new(c, "command", name ? json_string(name) : json_null());
        json_object_set_new(c, "id", json_integer(cmd));
        if (fwup_vcbor_peek(&r, &it) != FWUP_OK) {
            json_array_append_new(a, c);
            break;
        }
        if ((cmd == FWUP_SUIT_CMD_OVERRIDE_PARAMETERS || cmd == FWUP_SUIT_CMD_SET_PARAMETERS) &&
            it.major == FWUP_CBOR_MAP) {
            json_t *ps = json_array();
            if (fwup_vcbor_get_map(&r, &m) != FWUP_OK)
                m = 0;
            for (; m > 0; m--) {
                json_t *po = json_object();
                const char *pn;
                if (fwup_vcbor_get_int(&r, &key) != FWUP_OK) {
                    json_decref(po);
                    break;
                }
                pn = fwup_cli_param_name(key);
                json_object_set_new(po, "name", pn ? json_string(pn) : json_null());
                json_object_set_new(po, "id", json_integer(key));
                json_object_set_new(po, "value", param_value(key, &r));
                json_array_append_new(ps, po);
            }
            json_object_set_new(c, "parameters", ps);
        } else if (cmd == FWUP_SUIT_CMD_TRY_EACH && it.major == FWUP_CBOR_ARRAY) {
            json_t *br = json_array();
            if (fwup_vcbor_get_array(&r, &m) != FWUP_OK)
                m = 0;
            for (; m > 0; m--) {
                if (fwup_vcbor_next(&r, &it) != FWUP_OK)
                    break;
                if (it.major == FWUP_CBOR_BSTR)
                    json_array_append_new(br, sequence_json(r.buf + it.data_off, (size_t)it.val,
                                                            depth + 1));
                else
                    json_array_append_new(br, json_null());
            }
            json_object_set_new(c, "branches", br);
        } else if (cmd == FWUP_SUIT_CMD_RUN_SEQUENCE && it.major == FWUP_CBOR_BSTR) {
            if (fwup_vcbor_next(&r, &it) == FWUP_OK)
                json_object_set_new(c, "sequence",
                                    sequence_json(r.buf + it.data_off, (size_t)it.val, depth + 1));
        } else {
            json_object_set_new(c, "argument", diag_json(&r));
        }
        json_array_append_new(a, c);
    }
    return a;
}

static json_t *
envelope_json(const struct fwup_verifier *v, const char *file)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item k, val;
    uint64_t n;
    json_t *o = json_object(), *keys = json_array();

    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "size", json_integer(v->env_len));
    json_object_set_new(o, "tagged", json_boolean(v->tagged));
    fwup_vcbor_init(&r, v->env, v->env_len);
    if (v->tagged && fwup_vcbor_next(&r, &k) != FWUP_OK)
        goto done;
    if (fwup_vcbor_get_map(&r, &n) != FWUP_OK)
        goto done;
    for (; n > 0; n--) {
        json_t *e = json_object();
        if (fwup_vcbor_next(&r, &k) != FWUP_OK || fwup_vcbor_peek(&r, &val) != FWUP_OK) {
            json_decref(e);
            break;
        }
        if (k.major == FWUP_CBOR_TSTR) {
            char esc[256];
            fwup_cli_escape(r.buf + k.data_off, (size_t)k.val, esc, sizeof esc);
            json_object_set_new(e, "key", json_string(esc));
            json_object_set_new(e, "name", json_string("integrated-payload"));
        } else {
            const char *nm = k.major == FWUP_CBOR_UINT && k.val == 2 ? "authentication-wrapper"
                             : k.major == FWUP_CBOR_UINT && k.val == 3 ? "manifest"
                             : k.major == FWUP_CBOR_UINT && k.val != 1 && k.val != 2 && k.val != 4
                                 ? fwup_cli_manifest_key((int64_t)k.val)
                                 : NULL;
            json_object_set_new(e, "key", k.major == FWUP_CBOR_NINT
                                              ? json_integer(-1 - (json_int_t)k.val)
                                              : json_integer((json_int_t)k.val));
            json_object_set_new(e, "name", nm ? json_string(nm) : json_null());
        }
        if (val.major == FWUP_CBOR_BSTR) {
            json_object_set_new(e, "size", json_integer((json_int_t)val.val));
            if (fwup_vcbor_next(&r, &val) != FWUP_OK)
                break;
        } else {
            json_object_set_new(e, "value", diag_json(&r));
        }
        if (json_is_null(json_object_get(e, "name")) && val.major == FWUP_CBOR_BSTR) {
            struct fwup_vcbor in;
            fwup_vcbor_init(&in, r.buf + val.data_off, (size_t)val.val);
            json_object_set_new(e, "value", diag_json(&in));
        }
        json_array_append_new(keys, e);
    }
done:
    json_object_set_new(o, "keys", keys);
    return o;
}

static json_t *
auth_json(const struct fwup_verifier *v)
{
    json_t *o = json_object(), *bl = json_array();
    struct fwup_bytes d = fwup_verifier_bytes(v, v->digest);

    json_object_set_new(o, "digest", digest_json(d.ptr, d.len));
    for (uint8_t i = 0; i < v->n_blocks; i++) {
        const struct fwup_v_block *b = &v->blocks[i];
        json_t *x = json_object();
        char kid[2 * 255 + 1];
        json_object_set_new(x, "index", json_integer(i));
        json_object_set_new(x, "kind", json_string(fwup_cli_block_kind(b->kind)));
        json_object_set_new(x, "alg", json_integer(b->alg));
        json_object_set_new(x, "alg_name", json_string(fwup_cli_alg_name(b->alg)));
        if (b->kid_len > 0) {
            fwup_cli_hex(v->env + b->kid_off, b->kid_len, kid, sizeof kid);
            json_object_set_new(x, "kid", json_string(kid));
        } else {
            json_object_set_new(x, "kid", json_null());
        }
        json_array_append_new(bl, x);
    }
    json_object_set_new(o, "blocks", bl);
    return o;
}

/* Unknown keys of a map (manifest or common), shown generically. */
static void
unknown_keys(const struct fwup_verifier *v, struct fwup_v_span map, bool common, json_t *out)
{
    struct fwup_vcbor r;
    struct fwup_vcbor_item k;
    struct fwup_bytes b = fwup_verifier_bytes(v, map);
    uint64_t n;

    fwup_vcbor_init(&r, b.ptr, b.len);
    if (fwup_vcbor_get_map(&r, &n) != FWUP_OK)
        return;
    for (; n > 0; n--) {
        bool known;
        if (fwup_vcbor_next(&r, &k) != FWUP_OK)
            return;
        known = k.major == FWUP_CBOR_UINT &&
                (common ? (k.val == 1 || k.val == 2 || k.val == 4)
                        : fwup_cli_manifest_key((int64_t)k.val) != NULL);
        if (known) {
            if (fwup_vcbor_skip(&r, NULL) != FWUP_OK)
                return;
            continue;
        }
        json_t *e = json_object();
        json_object_set_new(e, "in", json_string(common ? "common" : "manifest"));
        json_object_set_new(e, "key", k.major == FWUP_CBOR_UINT ? json_integer((json_int_t)k.val)
                                      : k.major == FWUP_CBOR_NINT
                                          ? json_integer(-1 - (json_int_t)k.val)
                                          : json_string("<text key>"));
        json_object_set_new(e, "value", diag_json(&r));
        json_array_append_new(out, e);
    }
}

static json_t *
manifest_json(const struct fwup_verifier *v)
{
    const struct fwup_v_manifest *m = &v->m;
    json_t *o = json_object(), *common = json_object(), *seqs = json_object(), *unk;
    struct fwup_bytes b;

    json_object_set_new(o, "manifest-version", json_integer(m->version));
    if (m->sequence_number <= (uint64_t)INT64_MAX)
        json_object_set_new(o, "manifest-sequence-number",
                            json_integer((json_int_t)m->sequence_number));
    else
        json_object_set_new(o, "manifest-sequence-number", json_real((double)m->sequence_number));
    if (m->reference_uri.off != 0) {
        char esc[1024];
        b = fwup_verifier_bytes(v, m->reference_uri);
        fwup_cli_escape(b.ptr, b.len, esc, sizeof esc);
        json_object_set_new(o, "reference-uri", json_string(esc));
    }
    if (m->component_id.off != 0) {
        b = fwup_verifier_bytes(v, m->component_id);
        json_object_set_new(o, "manifest-component-id", component_json(b.ptr, b.len));
    }
    {
        json_t *comps = json_array();
        for (uint8_t i = 0; i < m->n_components; i++) {
            b = fwup_verifier_bytes(v, m->components[i]);
            json_array_append_new(comps, component_json(b.ptr, b.len));
        }
        json_object_set_new(common, "components", comps);
    }
    if (m->dependencies.off != 0)
        json_object_set_new(common, "dependencies", diag_span(v, m->dependencies));
    if (m->shared.off != 0) {
        b = fwup_verifier_bytes(v, m->shared);
        json_object_set_new(common, "shared-sequence", sequence_json(b.ptr, b.len, 0));
    }
    json_object_set_new(o, "common", common);
    for (int s = 0; s < FWUP_V_N_SEQ; s++) {
        const struct fwup_v_seq *q = &m->seq[s];
        const char *name = fwup_cli_manifest_key(fwup_verifier_slot_key((enum fwup_v_seq_slot)s));
        json_t *x;
        if (q->state == FWUP_V_ABSENT)
            continue;
        x = json_object();
        json_object_set_new(x, "state", json_string(fwup_cli_seq_state(q->state)));
        if (q->digest.off != 0) {
            b = fwup_verifier_bytes(v, q->digest);
            json_object_set_new(x, "digest", digest_json(b.ptr, b.len));
        }
        if (q->body.off != 0) {
            b = fwup_verifier_bytes(v, q->body);
            if (s == FWUP_V_SEQ_TEXT || s == FWUP_V_SEQ_COSWID) {
                json_object_set_new(x, "value", diag_span(v, q->body));
            } else {
                json_object_set_new(x, "commands", sequence_json(b.ptr, b.len, 0));
            }
        }
        json_object_set_new(seqs, name, x);
    }
    json_object_set_new(o, "sequences", seqs);
    unk = json_array();
    unknown_keys(v, v->manifest, false, unk);
    if (m->common.off != 0)
        unknown_keys(v, m->common, true, unk);
    json_object_set_new(o, "unknown", unk);
    return o;
}

/*
 * A text-keyed envelope member is an integrated payload or an integrated
 * dependency (§7.5, [TD] §8.1.1); only the manifest tells which: the
 * dependency's index is the one whose uri parameter names "#key". So the
 * label is settled here, after the manifest is decoded, from show's own
 * decoding of the sequences (manifest_json), not from a second walker.
 */

/* Indices selected by a set-component-index argument as show renders it
 * ("1", "true", "[0, 1]"); bit i is index i. */
static uint64_t
index_set(const char *arg)
{
    uint64_t set = 0;
    char *end;

    if (strcmp(arg, "true") == 0)
        return UINT64_MAX;
    if (*arg == '[')
        arg++;
    while (*arg >= '0' && *arg <= '9') {
        unsigned long long i = strtoull(arg, &end, 10);
        if (i < 64)
            set |= UINT64_C(1) << i;
        arg = end;
        if (arg[0] != ',' || arg[1] != ' ')
            break;
        arg += 2;
    }
    return set;
}

/*
 * Does the command list cmds set uri = want (a rendered text string,
 * "\"#key\"") for an index in deps? idx: the indices selected on entry.
 * A nested sequence (try-each branch, run-sequence) starts from the
 * enclosing selection; which branch runs is for the device to find out, so
 * what a branch selects is not carried past it.
 */
static bool
sets_uri_for(json_t *cmds, uint64_t idx, uint64_t deps, const char *want, int depth)
{
    size_t i, j;
    json_t *c, *x, *p;

    if (!json_is_array(cmds) || depth > FWUP_V_MAX_DEPTH)
        return false;
    json_array_foreach(cmds, i, c) {
        json_int_t id = json_integer_value(json_object_get(c, "id"));
        const char *arg = json_string_value(json_object_get(c, "argument"));

        if (id == FWUP_SUIT_CMD_SET_COMPONENT_INDEX && arg != NULL)
            idx = index_set(arg);
        json_array_foreach(json_object_get(c, "parameters"), j, p) {
            const char *val = json_string_value(json_object_get(p, "value"));
            if (json_integer_value(json_object_get(p, "id")) == FWUP_SUIT_PARAM_URI &&
                val != NULL && strcmp(val, want) == 0 && (idx & deps) != 0)
                return true;
        }
        json_array_foreach(json_object_get(c, "branches"), j, x) {
            if (sets_uri_for(x, idx, deps, want, depth + 1))
                return true;
        }
        if (sets_uri_for(json_object_get(c, "sequence"), idx, deps, want, depth + 1))
            return true;
    }
    return false;
}

/* Relabel the text-keyed members of keys (envelope_json) that the manifest
 * mj (manifest_json of v) uses as integrated dependencies. */
static void
label_integrated(const struct fwup_verifier *v, json_t *keys, json_t *mj)
{
    struct fwup_vcbor r;
    struct fwup_bytes b = fwup_verifier_bytes(v, v->m.dependencies);
    uint64_t n, idx, deps = 0;
    size_t i;
    json_t *e;

    if (v->m.dependencies.off == 0)
        return;
    fwup_vcbor_init(&r, b.ptr, b.len);
    if (fwup_vcbor_get_map(&r, &n) != FWUP_OK)
        return;
    for (; n > 0; n--) {
        if (fwup_vcbor_get_uint(&r, &idx) != FWUP_OK || fwup_vcbor_skip(&r, NULL) != FWUP_OK)
            return;
        if (idx < 64)
            deps |= UINT64_C(1) << idx;
    }
    json_array_foreach(keys, i, e) {
        const char *key = json_string_value(json_object_get(e, "key"));
        const char *seq;
        json_t *s;
        char want[300];
        bool dep;

        if (key == NULL)
            continue;
        snprintf(want, sizeof want, "\"%s\"", key);
        /* Every sequence starts at component 0, as the processor does
         * (docs/processor.md, open question 13). */
        dep = sets_uri_for(json_object_get(json_object_get(mj, "common"), "shared-sequence"), 1,
                           deps, want, 0);
        json_object_foreach(json_object_get(mj, "sequences"), seq, s) {
            dep = dep || sets_uri_for(json_object_get(s, "commands"), 1, deps, want, 0);
        }
        if (dep)
            json_object_set_new(e, "name", json_string("integrated-dependency"));
    }
}

/* ---- text rendering of the JSON tree (an indented outline) ---- */

static void
put_scalar(json_t *j)
{
    if (json_is_string(j)) {
        /* Every string in the tree from the envelope was made with
         * fwup_cli_escape (or is hex): printable ASCII only. */
        fputs(json_string_value(j), stdout);
    } else if (json_is_integer(j)) {
        printf("%" JSON_INTEGER_FORMAT, json_integer_value(j));
    } else if (json_is_real(j)) {
        printf("%.0f", json_real_value(j));
    } else if (json_is_true(j)) {
        fputs("true", stdout);
    } else if (json_is_false(j)) {
        fputs("false", stdout);
    } else {
        fputs("-", stdout);
    }
}

static bool
is_flat(json_t *j)
{
    size_t i;
    json_t *x;

    if (json_is_object(j))
        return false;
    if (!json_is_array(j))
        return true;
    json_array_foreach(j, i, x) if (json_is_object(x) || json_is_array(x)) return false;
    return true;
}

static void
put_flat(json_t *j)
{
    size_t i;
    json_t *x;

    if (!json_is_array(j)) {
        put_scalar(j);
        return;
    }
    putchar('[');
    json_array_foreach(j, i, x) {
        if (i)
            fputs(", ", stdout);
        put_scalar(x);
    }
    putchar(']');
}

static void
outline(json_t *j, int ind)
{
    const char *k;
    json_t *x;
    size_t i;

    if (json_is_object(j)) {
        json_object_foreach(j, k, x) {
            printf("%*s%s:", ind, "", k);
            if (is_flat(x)) {
                putchar(' ');
                put_flat(x);
                putchar('\n');
            } else {
                putchar('\n');
                outline(x, ind + 2);
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, x) {
            if (is_flat(x)) {
                printf("%*s- ", ind, "");
                put_flat(x);
                putchar('\n');
            } else if (json_is_object(x) && json_object_get(x, "command") != NULL) {
                /* a command: one line, then its nested parts */
                json_t *name = json_object_get(x, "command"), *arg = json_object_get(x, "argument");
                printf("%*s- ", ind, "");
                if (json_is_string(name))
                    put_scalar(name);
                else
                    printf("command(%" JSON_INTEGER_FORMAT ")",
                           json_integer_value(json_object_get(x, "id")));
                if (arg != NULL) {
                    putchar(' ');
                    put_scalar(arg);
                }
                putchar('\n');
                if ((arg = json_object_get(x, "parameters")) != NULL) {
                    size_t pi;
                    json_t *p;
                    json_array_foreach(arg, pi, p) {
                        json_t *pn = json_object_get(p, "name"), *pv = json_object_get(p, "value");
                        printf("%*s", ind + 4, "");
                        if (json_is_string(pn))
                            put_scalar(pn);
                        else
                            printf("parameter(%" JSON_INTEGER_FORMAT ")",
                                   json_integer_value(json_object_get(p, "id")));
                        fputs(": ", stdout);
                        if (is_flat(pv)) {
                            put_flat(pv);
                            putchar('\n');
                        } else {
                            putchar('\n');
                            outline(pv, ind + 6);
                        }
                    }
                }
                if ((arg = json_object_get(x, "branches")) != NULL) {
                    size_t bi;
                    json_t *br;
                    json_array_foreach(arg, bi, br) {
                        printf("%*stry[%zu]:\n", ind + 4, "", bi);
                        outline(br, ind + 6);
                    }
                }
                if ((arg = json_object_get(x, "sequence")) != NULL)
                    outline(arg, ind + 4);
            } else {
                printf("%*s-\n", ind, "");
                outline(x, ind + 2);
            }
        }
    } else {
        printf("%*s", ind, "");
        put_scalar(j);
        putchar('\n');
    }
}

int
fwup_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct fwup_verifier v;
    struct fwup_v_crypto port;
    struct fwup_crypto *crypto = NULL;
    struct fwup_diag d;
    const char *file;
    uint8_t *env = NULL;
    size_t len = 0;
    int json = 0, c, rc = FWUP_EXIT_OK;
    enum fwup_err e;
    json_t *doc = json_object();

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'h':
            json_decref(doc);
            fputs(usage_text, stdout);
            return fwup_cli_finish(FWUP_EXIT_OK);
        default:
            json_decref(doc);
            return fwup_cli_usage("show", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) {
        json_decref(doc);
        return fwup_cli_usage("show", optind >= argc ? "no envelope given"
                                                     : "exactly one envelope expected");
    }
    file = argv[optind];
    fwup_diag_init(&d);
    json_object_set_new(doc, "fwup_json", json_integer(1));
    json_object_set_new(doc, "command", json_string("show"));
    json_object_set_new(doc, "file", json_string(file));
    json_object_set_new(doc, "authenticated", json_false());

    e = fwup_cli_read_file(file, FWUP_CLI_MAX_INPUT, &env, &len, &d);
    if (e == FWUP_OK && fwup_crypto_new(&crypto) != FWUP_OK)
        e = fwup_diag_set(&d, FWUP_E_NO_MEMORY, NULL, "out of memory");
    if (e == FWUP_OK) {
        fwup_crypto_port(crypto, &port);
        fwup_verifier_init(&v, &port);
        e = fwup_verifier_parse(&v, env, len);
        if (e == FWUP_OK) {
            json_object_set_new(doc, "envelope", envelope_json(&v, file));
            json_object_set_new(doc, "authentication-wrapper", auth_json(&v));
            e = fwup_verifier_inspect(&v);
            if (e == FWUP_OK) {
                json_t *mj = manifest_json(&v);
                json_object_set_new(doc, "manifest", mj);
                label_integrated(&v, json_object_get(json_object_get(doc, "envelope"), "keys"), mj);
            }
        }
        if (e != FWUP_OK)
            fwup_cli_v_diag(&v, NULL, &d);
    }
    json_object_set_new(doc, "ok", json_boolean(e == FWUP_OK));
    if (e != FWUP_OK) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_integer(d.code));
        json_object_set_new(err, "name", json_string(fwup_err_name(d.code)));
        json_object_set_new(err, "offset",
                            d.has_offset ? json_integer((json_int_t)d.offset) : json_null());
        json_object_set_new(err, "path", json_string(d.path));
        json_object_set_new(err, "message",
                            json_string(d.detail[0] ? d.detail : fwup_err_str(d.code)));
        json_object_set_new(doc, "error", err);
    }
    if (json) {
        if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
            putchar('\n');
    } else if (json_object_get(doc, "envelope") != NULL) {
        json_t *x = json_object_get(doc, "manifest");
        printf("NOT AUTHENTICATED: 'fwup show' checks no signature (use 'fwup verify')\n");
        printf("envelope:\n");
        outline(json_object_get(doc, "envelope"), 2);
        printf("authentication-wrapper:\n");
        outline(json_object_get(doc, "authentication-wrapper"), 2);
        if (x != NULL) {
            printf("manifest:\n");
            outline(x, 2);
        }
    }
    if (e != FWUP_OK)
        rc = fwup_cli_fail(file, e, &d);
    else
        rc = fwup_cli_finish(FWUP_EXIT_OK);
    json_decref(doc);
    fwup_crypto_free(crypto);
    free(env);
    return rc;
}
