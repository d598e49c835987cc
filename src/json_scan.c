/*
 * json_scan.c - one JSON object checked, and some of its fields found (see json_scan.h).
 *
 * An iterative parser with an explicit stack of open containers (so nesting costs no C
 * stack) and a state per step. Scalars are checked in place: strings (no raw control
 * characters, escapes as RFC 8259 lists them), numbers (-?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?), and the three literals. At depth 1, each key is compared with the
 * keys asked for, and the span of its value is noted when the value ends.
 */
#include "json_scan.h"

#include <assert.h>
#include <string.h>

enum state {
    S_VALUE,
    S_OBJ_FIRST,
    S_OBJ_KEY,
    S_OBJ_COLON,
    S_OBJ_COMMA,
    S_ARR_FIRST,
    S_ARR_COMMA,
    S_END
};

typedef struct scanner {
    const char *s;
    size_t len, i;
    nd_json_error err;
    size_t at;
} scanner;

static int fail(scanner *c, nd_json_error e)
{
    c->err = c->i >= c->len && e == ND_JSON_SYNTAX ? ND_JSON_TRUNCATED : e;
    c->at = c->i;
    return 0;
}

static void skip_ws(scanner *c)
{
    while (c->i < c->len &&
           (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r'))
        c->i++;
}

/* Nonzero when some byte of the 8 in w is a quote, a backslash or a control character (the
 * bytes that end a plain run of a string): the classic "has a zero byte" tests. Exact for
 * the zero test; the < 0x20 test may flag a byte that is not one (a borrow), which only
 * sends the caller to its byte loop. */
static uint64_t special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs) | ((w - ones * 0x20) & ~w & highs);
}

static int is_hex(char x)
{
    return (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F');
}

/* A string at s[i] == '"': checked, i moved past its closing quote; *escaped says whether
 * it holds a backslash. */
static int scan_string(scanner *c, int *escaped)
{
    assert(c->s[c->i] == '"');
    *escaped = 0;
    c->i++;
    while (c->i < c->len) {
        /* Plain bytes eight at a time: most of a line is the text, and most of a text is
         * plain (one third of the instructions a scan spends decoding, before this). */
        for (uint64_t w; c->i + 8 <= c->len; c->i += 8) {
            memcpy(&w, c->s + c->i, 8);
            if (special8(w)) break;
        }
        if (c->i >= c->len) break;
        unsigned char x = (unsigned char)c->s[c->i];
        if (x == '"') {
            c->i++;
            return 1;
        }
        if (x < 0x20) return fail(c, ND_JSON_SYNTAX);
        if (x != '\\') {
            c->i++;
            continue;
        }
        *escaped = 1;
        if (++c->i >= c->len) return fail(c, ND_JSON_SYNTAX);
        char e = c->s[c->i];
        if (e == 'u') {
            for (int k = 1; k <= 4; k++)
                if (c->i + (size_t)k >= c->len || !is_hex(c->s[c->i + (size_t)k])) {
                    c->i += (size_t)k;
                    return fail(c, ND_JSON_SYNTAX);
                }
            c->i += 5;
        } else if (strchr("\"\\/bfnrt", e) && e != '\0') {
            c->i++;
        } else {
            return fail(c, ND_JSON_SYNTAX);
        }
    }
    return fail(c, ND_JSON_SYNTAX);
}

static int scan_digits(scanner *c)
{
    size_t start = c->i;
    while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
        c->i++;
    return c->i > start ? 1 : fail(c, ND_JSON_SYNTAX);
}

/* A number at s[i] ('-' or a digit). */
static int scan_number(scanner *c)
{
    if (c->s[c->i] == '-') c->i++;
    if (c->i < c->len && c->s[c->i] == '0')
        c->i++;
    else if (!scan_digits(c))
        return 0;
    if (c->i < c->len && c->s[c->i] == '.') {
        c->i++;
        if (!scan_digits(c)) return 0;
    }
    if (c->i < c->len && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        c->i++;
        if (c->i < c->len && (c->s[c->i] == '+' || c->s[c->i] == '-')) c->i++;
        if (!scan_digits(c)) return 0;
    }
    return 1;
}

/* A literal at s[i]; a word that is not one is reported where it starts ("this" at the
 * 't', not at the 'h'). */
static int scan_literal(scanner *c, const char *lit)
{
    size_t n = strlen(lit), start = c->i;
    for (size_t k = 0; k < n; k++, c->i++) {
        if (c->i >= c->len) return fail(c, ND_JSON_SYNTAX);
        if (c->s[c->i] != lit[k]) {
            c->i = start;
            return fail(c, ND_JSON_SYNTAX);
        }
    }
    return 1;
}

/* A scalar at s[i]: checked, i past it. 0 on an error (or when s[i] starts no value). */
static int scan_scalar(scanner *c, nd_json_type *type)
{
    char x = c->s[c->i];
    int escaped;
    switch (x) {
    case '"':
        *type = ND_JSON_STRING;
        return scan_string(c, &escaped);
    case 't':
        *type = ND_JSON_TRUE;
        return scan_literal(c, "true");
    case 'f':
        *type = ND_JSON_FALSE;
        return scan_literal(c, "false");
    case 'n':
        *type = ND_JSON_NULL;
        return scan_literal(c, "null");
    default:
        if (x == '-' || (x >= '0' && x <= '9')) {
            *type = ND_JSON_NUMBER;
            return scan_number(c);
        }
        return fail(c, ND_JSON_SYNTAX);
    }
}

/* The index of the field whose key equals the key string s[start .. end) (quotes
 * included), or -1. A key with escapes is decoded first. */
static long match_key(const char *s, size_t start, size_t end, int escaped, const nd_json_field *f,
                      size_t n)
{
    const char *k = s + start + 1;
    size_t kl = end - start - 2;
    char buf[256];
    if (escaped) {
        if (end - start > sizeof buf) return -1; /* longer than any field name we look for */
        kl = nd_json_string(s + start, end - start, buf);
        k = buf;
    }
    long hit = -1;
    for (size_t j = 0; j < n; j++)
        if (f[j].key_len == kl && memcmp(f[j].key, k, kl) == 0) hit = (long)j;
    return hit;
}

nd_status nd_json_scan(const char *s, size_t len, nd_json_field *f, size_t n, nd_json_error *err,
                       size_t *at)
{
    scanner c = {s, len, 0, ND_JSON_OK, 0};
    unsigned char stack[ND_JSON_MAX_DEPTH]; /* '{' or '[' of each open container */
    size_t depth = 0, val_start = 0;
    long cur = -1; /* the field whose value is being read at depth 1 */
    nd_json_type top = ND_JSON_NONE, type = ND_JSON_NONE;
    enum state st = S_VALUE;
    for (size_t j = 0; j < n; j++)
        f[j].type = ND_JSON_NONE;
    for (;;) {
        skip_ws(&c);
        if (st == S_END) {
            if (c.i < len) {
                fail(&c, top == ND_JSON_OBJECT ? ND_JSON_TRAILING : ND_JSON_SYNTAX);
                goto bad;
            }
            if (top != ND_JSON_OBJECT) {
                c.at = 0;
                c.err = ND_JSON_NOT_OBJECT;
                goto bad;
            }
            return ND_OK;
        }
        if (c.i >= len) {
            fail(&c, ND_JSON_TRUNCATED);
            goto bad;
        }
        char x = s[c.i];
        int closed = 0; /* a value just ended */
        switch (st) {
        case S_VALUE:
        case S_ARR_FIRST:
            if (st == S_ARR_FIRST && x == ']') {
                c.i++;
                depth--;
                closed = 1;
                break;
            }
            if (depth == 1 && stack[0] == '{') val_start = c.i;
            if (x == '{' || x == '[') {
                if (depth == ND_JSON_MAX_DEPTH) {
                    fail(&c, ND_JSON_DEEP);
                    goto bad;
                }
                if (depth == 0) top = x == '{' ? ND_JSON_OBJECT : ND_JSON_ARRAY;
                if (depth == 1) type = x == '{' ? ND_JSON_OBJECT : ND_JSON_ARRAY;
                stack[depth++] = (unsigned char)x;
                c.i++;
                st = x == '{' ? S_OBJ_FIRST : S_ARR_FIRST;
                continue;
            }
            {
                nd_json_type nested;
                if (!scan_scalar(&c, depth == 0 ? &top : depth == 1 ? &type : &nested)) goto bad;
            }
            closed = 1;
            break;
        case S_OBJ_FIRST:
        case S_OBJ_KEY:
            if (st == S_OBJ_FIRST && x == '}') {
                c.i++;
                depth--;
                closed = 1;
                break;
            }
            if (x != '"') {
                fail(&c, ND_JSON_SYNTAX);
                goto bad;
            } else {
                size_t k0 = c.i;
                int escaped;
                if (!scan_string(&c, &escaped)) goto bad;
                if (depth == 1) cur = match_key(s, k0, c.i, escaped, f, n);
            }
            st = S_OBJ_COLON;
            continue;
        case S_OBJ_COLON:
            if (x != ':') {
                fail(&c, ND_JSON_SYNTAX);
                goto bad;
            }
            c.i++;
            st = S_VALUE;
            continue;
        case S_OBJ_COMMA:
        case S_ARR_COMMA:
            if (x == ',') {
                c.i++;
                st = st == S_OBJ_COMMA ? S_OBJ_KEY : S_VALUE;
                continue;
            }
            if (x != (st == S_OBJ_COMMA ? '}' : ']')) {
                fail(&c, ND_JSON_SYNTAX);
                goto bad;
            }
            c.i++;
            depth--;
            closed = 1;
            break;
        case S_END:
            break;
        }
        assert(closed);
        (void)closed;
        /* A value ended at c.i: note it if it was a wanted field's, then the state of the
         * container it was in. */
        if (depth == 1 && stack[0] == '{' && cur >= 0) {
            f[cur].type = type;
            f[cur].off = val_start;
            f[cur].len = c.i - val_start;
        }
        if (depth == 1) cur = -1;
        st = depth == 0 ? S_END : stack[depth - 1] == '{' ? S_OBJ_COMMA : S_ARR_COMMA;
    }
bad:
    *err = c.err;
    *at = c.at;
    return ND_EJSON;
}

/* Appends code point cp as UTF-8 to out; returns the bytes written. */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static uint32_t hex4(const char *p)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char x = p[k];
        v = v << 4 | (uint32_t)(x <= '9' ? x - '0' : (x | 0x20) - 'a' + 10);
    }
    return v;
}

size_t nd_json_string(const char *raw, size_t len, char *out)
{
    assert(len >= 2 && raw[0] == '"' && raw[len - 1] == '"');
    const char *p = raw + 1, *end = raw + len - 1;
    size_t o = 0;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
        memmove(out + o, p, run);
        o += run;
        p += run;
        if (!bs) break;
        char e = p[1];
        p += 2;
        switch (e) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t lo = hex4(p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd; /* a lone surrogate */
            o += put_utf8(out + o, cp);
            break;
        }
        default: /* " \ / */
            out[o++] = e;
        }
    }
    assert(o <= len);
    return o;
}
