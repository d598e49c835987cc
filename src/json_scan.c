/*
 * json_scan.c - one JSON object checked, and some of its fields found (see json_scan.h).
 *
 * An iterative parser with an explicit stack of open containers (so nesting costs no C
 * stack) and a state per step. Scalars are checked in place: strings (no raw control
 * characters, escapes as RFC 8259 lists them), numbers (-?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?), and the three literals. At depth 1, each key is compared with the
 * keys asked for, and the span of its value is noted when the value ends.
 *
 * A string span is then decoded (nd_json_string) or walked for where its decoded lines
 * start (nd_json_string_lines). These trust the span to be one nd_json_scan accepted (its
 * escapes complete and valid), so they check nothing but with asserts. nd_json_string_exact,
 * for restore, trusts nothing: the same decoding loop checks what the scanner would, and
 * refuses a lone surrogate instead of replacing it.
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

/* Whether the run r[0..n) of a string's raw bytes holds a byte a string cannot hold raw
 * (a quote or a control character); its offset in *at if so. */
static int bad_raw(const char *r, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (r[i] == '"' || (unsigned char)r[i] < 0x20) {
            *at = i;
            return 1;
        }
    return 0;
}

/* The decoding of nd_json_string and nd_json_string_exact, one loop for both: raw runs are
 * copied, escapes decoded. A lone surrogate is U+FFFD. With exact (a constant once inlined,
 * so nd_json_string pays nothing for it), everything nd_json_scan would check is checked
 * too, and a lone surrogate refused: (size_t)-1 is returned with *bad the offset in raw of
 * the first byte that is wrong. */
static inline size_t decode(const char *raw, size_t len, char *out, int exact, size_t *bad)
{
    if (exact) {
        if (len < 2 || raw[0] != '"') {
            *bad = 0;
            return (size_t)-1;
        }
        if (raw[len - 1] != '"') {
            *bad = len - 1;
            return (size_t)-1;
        }
    }
    assert(len >= 2 && raw[0] == '"' && raw[len - 1] == '"');
    const char *p = raw + 1, *end = raw + len - 1;
    size_t o = 0;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = bs ? (size_t)(bs - p) : (size_t)(end - p);
        if (exact && bad_raw(p, run, bad)) {
            *bad += (size_t)(p - raw);
            return (size_t)-1;
        }
        memmove(out + o, p, run);
        o += run;
        p += run;
        if (!bs) break;
        if (exact &&
            (end - p < 2 || (p[1] == 'u' && (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) ||
                                             !is_hex(p[4]) || !is_hex(p[5]))))) {
            *bad = (size_t)(p - raw);
            return (size_t)-1;
        }
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
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5])) {
                uint32_t lo = hex4(p + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000) { /* a lone surrogate */
                if (exact) {
                    *bad = (size_t)(p - 6 - raw);
                    return (size_t)-1;
                }
                cp = 0xfffd;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        case '"':
        case '\\':
        case '/':
            out[o++] = e;
            break;
        default:
            if (exact) {
                *bad = (size_t)(p - 2 - raw);
                return (size_t)-1;
            }
            assert(0);
        }
    }
    assert(o <= len);
    return o;
}

size_t nd_json_string(const char *raw, size_t len, char *out)
{
    return decode(raw, len, out, 0, NULL);
}

nd_status nd_json_string_exact(const char *raw, size_t len, char *out, size_t *out_len, size_t *at)
{
    size_t bad = 0, n = decode(raw, len, out, 1, &bad);
    if (n == (size_t)-1) {
        if (at) *at = bad;
        return ND_EJSON;
    }
    *out_len = n;
    return ND_OK;
}

/*
 * Line starts: only escapes can break a line (a string nd_json_scan accepted holds no raw
 * control byte), so the walk jumps from backslash to backslash. Each escape is one unit,
 * \uXXXX too: the half of a surrogate pair is never a LF or a CR, so a pair needs no
 * special case. A CR is a break of its own unless the very next unit is a LF (CRLF, one
 * break after the LF), which is why a CR's break waits (cr) for the next unit.
 */
/* The line starts being found: lines[0..k) wanted, out[0..next) found; `line` started last. */
typedef struct starts {
    const uint32_t *lines;
    size_t k, next;
    size_t *out;
    uint64_t line;
} starts;

/* The next line starts at raw offset at. */
static void line_at(starts *s, size_t at)
{
    s->line++;
    while (s->next < s->k && s->lines[s->next] <= s->line)
        s->out[s->next++] = at;
}

void nd_json_string_lines(const char *raw, size_t len, const uint32_t *lines, size_t k, size_t *out)
{
    assert(len >= 2 && raw[0] == '"' && raw[len - 1] == '"');
    starts s = {lines, k, 0, out, 0};
    size_t end = len - 1, i = 1;
    size_t cr = 0; /* nonzero: a CR unit ended here, its break not yet taken */
    line_at(&s, 1);
    while (s.next < k && i < end) {
        const char *bs = memchr(raw + i, '\\', end - i);
        size_t b = bs ? (size_t)(bs - raw) : end;
        if (cr && b > i) { /* a raw byte after the CR */
            line_at(&s, cr);
            cr = 0;
        }
        if (!bs) break;
        assert(b + 1 < end);
        char e = raw[b + 1];
        uint32_t u = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 'u' ? hex4(raw + b + 2) : 0;
        i = b + (e == 'u' ? 6 : 2);
        assert(i <= end);
        if (cr && u != '\n') line_at(&s, cr); /* a lone CR */
        cr = 0;
        if (u == '\n')
            line_at(&s, i);
        else if (u == '\r')
            cr = i;
    }
    if (cr) line_at(&s, cr); /* a CR that ends the text */
    while (s.next < k)
        out[s.next++] = end;
}
