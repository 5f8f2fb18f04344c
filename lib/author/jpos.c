/*
 * Positions of JSON values, by JSON path.
 *
 * jansson reports line:column for syntax errors only; a json_t carries no
 * position. Semantic errors (wrong type, unknown key, impossible combination)
 * must still point at the offending text, so after jansson has accepted the
 * description this pre-pass walks the same bytes once and records where each
 * value starts, under the path desc.c uses for it ("$.components[0].image").
 *
 * The input has already been parsed by jansson, so it is well-formed JSON;
 * the scanner is still bounds-checked everywhere and simply stops recording
 * if it meets something unexpected (positions are a convenience: a missing
 * one falls back to the nearest ancestor, never to a crash).
 *
 * Columns count characters, not bytes (UTF-8 continuation bytes are not
 * counted), as jansson does for its syntax errors; both are 1-based.
 * Values nested deeper than JPOS_MAX_DEPTH are skipped without recording
 * (their errors report the nearest recorded ancestor); the walk is recursive
 * only up to that depth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "author_int.h"
#include "fwup/hex.h"

#define JPOS_MAX_DEPTH 48
#define JPOS_PATH_MAX 512

struct jent {
    char *path;
    int line;
    int col;
};

struct fwup_jpos {
    struct jent *e;
    size_t n;
    size_t cap;
    /* First duplicate key found (jansson only says "near '"key"'"). */
    char *dup_path;
    int dup_line;
    int dup_col;
    /* Path of the value being scanned when the text ended or went wrong. */
    char *stop_path;
};

struct scan {
    const char *s;
    size_t len;
    size_t pos;
    int line;
    int col;
    bool bad; /* stop: unexpected input, end of text or out of memory */
    struct fwup_jpos *p;
    char path[JPOS_PATH_MAX];
};

static bool
ident_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '$';
}

size_t
fwup_jpos_append_key(char *buf, size_t len, size_t cap, const char *key, size_t klen)
{
    bool plain = klen > 0;
    size_t o = len;

    if (cap == 0 || len >= cap)
        return len;
    for (size_t i = 0; i < klen; i++)
        plain = plain && ident_char((unsigned char)key[i]);
    /* Reserve one byte for the NUL at every step: `o + need < cap`. */
#define PUT(ch)                                                                                  \
    do {                                                                                         \
        if (o + 1 >= cap)                                                                        \
            goto trunc;                                                                          \
        buf[o++] = (char)(ch);                                                                   \
    } while (0)
    if (plain) {
        PUT('.');
        for (size_t i = 0; i < klen; i++)
            PUT(key[i]);
    } else {
        PUT('[');
        PUT('"');
        for (size_t i = 0; i < klen; i++) {
            unsigned char ch = (unsigned char)key[i];
            if (ch == '"' || ch == '\\') {
                PUT('\\');
                PUT(ch);
            } else if (ch < 0x20 || ch == 0x7f) {
                /* Never put control bytes in a message that reaches a terminal. */
                PUT('?');
            } else {
                PUT(ch);
            }
        }
        PUT('"');
        PUT(']');
    }
#undef PUT
    buf[o] = '\0';
    return o;
trunc:
    buf[o] = '\0';
    return o;
}

size_t
fwup_jpos_append_index(char *buf, size_t len, size_t cap, size_t index)
{
    int n;

    if (cap == 0 || len >= cap)
        return len;
    n = snprintf(buf + len, cap - len, "[%zu]", index);
    if (n < 0 || (size_t)n >= cap - len) {
        buf[len] = '\0';
        return len;
    }
    return len + (size_t)n;
}

static void set_bad(struct scan *sc);

static void
record(struct scan *sc)
{
    struct fwup_jpos *p = sc->p;
    char *dup;

    if (sc->bad)
        return;
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        struct jent *ne = realloc(p->e, ncap * sizeof *ne);
        if (ne == NULL) {
            set_bad(sc);
            return;
        }
        p->e = ne;
        p->cap = ncap;
    }
    dup = strdup(sc->path);
    if (dup == NULL) {
        set_bad(sc);
        return;
    }
    p->e[p->n].path = dup;
    p->e[p->n].line = sc->line;
    p->e[p->n].col = sc->col;
    p->n++;
}

/* Stop scanning; remember where (the path of the value being read). */
static void
set_bad(struct scan *sc)
{
    if (!sc->bad && sc->p->stop_path == NULL)
        sc->p->stop_path = strdup(sc->path);
    sc->bad = true;
}

static int
peekc(const struct scan *sc)
{
    return (sc->pos < sc->len) ? (unsigned char)sc->s[sc->pos] : -1;
}

static void
adv(struct scan *sc)
{
    unsigned char ch;

    if (sc->pos >= sc->len)
        return;
    ch = (unsigned char)sc->s[sc->pos++];
    if (ch == '\n') {
        sc->line++;
        sc->col = 1;
    } else if ((ch & 0xc0) != 0x80) {
        sc->col++;
    }
}

static void
skip_ws(struct scan *sc)
{
    int ch;
    while ((ch = peekc(sc)) == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
        adv(sc);
}

/* Read 4 hex digits of a \u escape. */
static long
read_u4(struct scan *sc)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        /* peekc() is -1 at the end: (char)-1 is no hex digit either. */
        int h = fwup_hex_digit((char)peekc(sc));
        if (h < 0)
            return -1;
        v = v * 16 + h;
        adv(sc);
    }
    return v;
}

static size_t
put_utf8(char *out, size_t o, size_t cap, unsigned long cp)
{
    unsigned char b[4];
    size_t n;

    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xc0 | (cp >> 6));
        b[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xe0 | (cp >> 12));
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | (cp >> 18));
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (n > cap - o)
        return o;
    memcpy(out + o, b, n);
    return o + n;
}

/*
 * Scan a string starting at '"'. If out is non-NULL, decode it (as jansson
 * does, so keys match json_object_foreach's) into out[0..cap) and return the
 * decoded length; decoding stops silently at cap.
 */
static size_t
scan_string(struct scan *sc, char *out, size_t cap)
{
    size_t o = 0;

    adv(sc); /* opening quote */
    for (;;) {
        int ch = peekc(sc);
        if (ch < 0) {
            set_bad(sc);
            return o;
        }
        if (ch == '"') {
            adv(sc);
            return o;
        }
        if (ch == '\\') {
            adv(sc);
            ch = peekc(sc);
            adv(sc);
            if (ch == 'u') {
                long v = read_u4(sc);
                unsigned long cp;
                if (v < 0) {
                    set_bad(sc);
                    return o;
                }
                cp = (unsigned long)v;
                if (cp >= 0xd800 && cp <= 0xdbff && peekc(sc) == '\\') {
                    long lo;
                    adv(sc);
                    if (peekc(sc) != 'u') {
                        set_bad(sc);
                        return o;
                    }
                    adv(sc);
                    lo = read_u4(sc);
                    if (lo < 0xdc00 || lo > 0xdfff) {
                        set_bad(sc);
                        return o;
                    }
                    cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
                }
                if (out != NULL)
                    o = put_utf8(out, o, cap, cp);
                continue;
            }
            switch (ch) {
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            default: break; /* " \ / stand for themselves */
            }
            if (out != NULL && o < cap)
                out[o++] = (char)ch;
            continue;
        }
        if (out != NULL && o < cap)
            out[o++] = (char)ch;
        adv(sc);
    }
}

/* Skip one value of any depth without recording (used past the depth cap):
 * count brackets outside strings until the container closes. */
static void
skip_value(struct scan *sc)
{
    size_t depth = 0;
    int ch = peekc(sc);

    if (ch == '"') {
        (void)scan_string(sc, NULL, 0);
        return;
    }
    if (ch != '{' && ch != '[') {
        while ((ch = peekc(sc)) >= 0 && ch != ',' && ch != '}' && ch != ']')
            adv(sc);
        return;
    }
    do {
        ch = peekc(sc);
        if (ch < 0) {
            set_bad(sc);
            return;
        }
        if (ch == '"') {
            (void)scan_string(sc, NULL, 0);
            continue;
        }
        if (ch == '{' || ch == '[')
            depth++;
        else if (ch == '}' || ch == ']')
            depth--;
        adv(sc);
    } while (depth > 0 && !sc->bad);
}

static void scan_value(struct scan *sc, int depth);

static void
scan_object(struct scan *sc, int depth)
{
    size_t base = strlen(sc->path);

    char **keys = NULL; /* keys seen in this object, for duplicate detection */
    size_t nkeys = 0;

    adv(sc); /* { */
    skip_ws(sc);
    if (peekc(sc) == '}') {
        adv(sc);
        return;
    }
    while (!sc->bad) {
        char key[256];
        size_t kl;
        int kline, kcol;

        skip_ws(sc);
        if (peekc(sc) != '"') {
            set_bad(sc);
            break;
        }
        kline = sc->line;
        kcol = sc->col;
        kl = scan_string(sc, key, sizeof key - 1);
        key[kl] = '\0';
        /* Quadratic, so only for objects of reasonable size; larger ones
         * still get jansson's (path-less) duplicate report. */
        if (sc->p->dup_path == NULL && nkeys < 1024) {
            char **nk;
            for (size_t i = 0; i < nkeys; i++) {
                if (strcmp(keys[i], key) == 0 && sc->p->dup_path == NULL) {
                    char dp[JPOS_PATH_MAX];
                    memcpy(dp, sc->path, base + 1);
                    (void)fwup_jpos_append_key(dp, base, sizeof dp, key, kl);
                    sc->p->dup_path = strdup(dp);
                    sc->p->dup_line = kline;
                    sc->p->dup_col = kcol;
                }
            }
            nk = realloc(keys, (nkeys + 1) * sizeof *nk);
            if (nk != NULL) {
                keys = nk;
                keys[nkeys] = strdup(key);
                if (keys[nkeys] != NULL)
                    nkeys++;
            }
        }
        skip_ws(sc);
        if (peekc(sc) != ':') {
            /* break, not return: the keys collected so far are freed below
             * (found by the description fuzzer on the input '{"o'). */
            set_bad(sc);
            break;
        }
        adv(sc);
        (void)fwup_jpos_append_key(sc->path, base, sizeof sc->path, key, kl);
        scan_value(sc, depth + 1);
        if (sc->pos >= sc->len)
            set_bad(sc); /* the text ends inside this value: name it */
        if (sc->bad)
            break; /* keep the path: it says where the text went wrong */
        sc->path[base] = '\0';
        skip_ws(sc);
        if (peekc(sc) == ',') {
            adv(sc);
            continue;
        }
        if (peekc(sc) == '}')
            adv(sc);
        else
            set_bad(sc);
        break;
    }
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
}

static void
scan_array(struct scan *sc, int depth)
{
    size_t base = strlen(sc->path);
    size_t i = 0;

    adv(sc); /* [ */
    skip_ws(sc);
    if (peekc(sc) == ']') {
        adv(sc);
        return;
    }
    while (!sc->bad) {
        (void)fwup_jpos_append_index(sc->path, base, sizeof sc->path, i++);
        scan_value(sc, depth + 1);
        if (sc->pos >= sc->len)
            set_bad(sc);
        if (sc->bad)
            return;
        sc->path[base] = '\0';
        skip_ws(sc);
        if (peekc(sc) == ',') {
            adv(sc);
            continue;
        }
        if (peekc(sc) == ']')
            adv(sc);
        else
            set_bad(sc);
        return;
    }
}

static void
scan_value(struct scan *sc, int depth)
{
    int ch;

    skip_ws(sc);
    ch = peekc(sc);
    if (ch < 0) {
        set_bad(sc);
        return;
    }
    if (depth > JPOS_MAX_DEPTH) {
        skip_value(sc);
        return;
    }
    record(sc);
    if (ch == '{') {
        scan_object(sc, depth);
    } else if (ch == '[') {
        scan_array(sc, depth);
    } else if (ch == '"') {
        (void)scan_string(sc, NULL, 0);
    } else {
        /* number, true, false, null: up to the next delimiter */
        while ((ch = peekc(sc)) >= 0 && ch != ',' && ch != '}' && ch != ']' && ch != ' ' &&
               ch != '\t' && ch != '\n' && ch != '\r')
            adv(sc);
    }
}

struct fwup_jpos *
fwup_jpos_scan(const char *text, size_t len)
{
    struct scan sc;
    struct fwup_jpos *p = calloc(1, sizeof *p);

    if (p == NULL)
        return NULL;
    memset(&sc, 0, sizeof sc);
    sc.s = text;
    sc.len = len;
    sc.line = 1;
    sc.col = 1;
    sc.p = p;
    /* A UTF-8 byte order mark is not part of the JSON text. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        sc.pos = 3;
    memcpy(sc.path, "$", 2); /* "$" and its NUL */
    scan_value(&sc, 0);
    return p;
}

void
fwup_jpos_free(struct fwup_jpos *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->e[i].path);
    free(p->e);
    free(p->dup_path);
    free(p->stop_path);
    free(p);
}

static const struct jent *
lookup(const struct fwup_jpos *p, const char *path, size_t len)
{
    for (size_t i = 0; i < p->n; i++)
        if (strlen(p->e[i].path) == len && memcmp(p->e[i].path, path, len) == 0)
            return &p->e[i];
    return NULL;
}

/* Length of the parent path: the start of the last ".key", "[n]" or
 * ["key"] component (quoted keys may contain '.', '[' and escaped '"'). */
static size_t
parent_len(const char *path, size_t len)
{
    size_t i = 0, last = 0;

    if (len > 0 && path[0] == '$')
        i = 1;
    while (i < len) {
        last = i;
        if (path[i] == '.') {
            i++;
            while (i < len && path[i] != '.' && path[i] != '[')
                i++;
        } else if (path[i] == '[' && i + 1 < len && path[i + 1] == '"') {
            i += 2;
            while (i < len && path[i] != '"') {
                if (path[i] == '\\')
                    i++;
                i++;
            }
            i += 2; /* "] */
        } else {
            while (i < len && path[i] != ']')
                i++;
            i++;
        }
    }
    return last;
}

bool
fwup_jpos_find(const struct fwup_jpos *p, const char *path, int *line, int *col)
{
    size_t len = strlen(path);

    *line = 0;
    *col = 0;
    if (p == NULL)
        return false;
    for (;;) {
        const struct jent *e = lookup(p, path, len);
        if (e != NULL) {
            *line = e->line;
            *col = e->col;
            return true;
        }
        if (len <= 1)
            return false;
        len = parent_len(path, len);
    }
}

bool
fwup_jpos_dup(const struct fwup_jpos *p, const char **path, int *line, int *col)
{
    if (p == NULL || p->dup_path == NULL)
        return false;
    *path = p->dup_path;
    *line = p->dup_line;
    *col = p->dup_col;
    return true;
}

const char *
fwup_jpos_stop_path(const struct fwup_jpos *p)
{
    return (p != NULL) ? p->stop_path : NULL;
}
