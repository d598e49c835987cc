/*
 * json_span.c - one raw JSON object read in place (see json_span.h).
 *
 * nd_json_member walks the whole object once, left to right: every member name is a
 * string (decoded into a small buffer to compare it with the key), every value is skipped
 * by its syntax: a string to its closing quote, an object or array to its matching bracket
 * (a stack of the open brackets, at most ND_JSON_SPAN_DEPTH deep, checks that they pair
 * up), a scalar over its characters. So a member is found only in an object that is
 * well-formed to its end, as the decoder saw it.
 *
 * Escapes decode as cJSON decodes them (\b \f \n \r \t \" \\ \/ and \uXXXX, a surrogate
 * pair as one code point in four UTF-8 bytes, a lone surrogate an error), quirks included:
 * \uXXXX with a character that is not a hex digit reads as U+0000, which ends the text.
 */
#include "json_span.h"

#include <string.h>

#define NAME_MAX_RAW 4096 /* a member name longer than this, escaped, is never the key */

static int is_space(unsigned char c)
{
    return c <= 0x20; /* as cJSON: any control byte is white space */
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len && is_space((unsigned char)s[i]))
        i++;
    return i;
}

/* The value of 4 hex digits; 0 when one is not a hex digit, as cJSON's parse_hex4. */
static unsigned hex4(const char *s)
{
    unsigned h = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return 0;
        h = h << 4 | d;
    }
    return h;
}

/*
 * Decodes the escape unit at s[i] (i < n): a raw byte or an escape. *used receives its raw
 * length, out[0 .. *olen) its bytes (at most 4). Returns 0, or -1 when it is malformed.
 */
static int unit(const char *s, size_t n, size_t i, size_t *used, char *out, size_t *olen)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '"') return -1; /* an unescaped quote inside a string body */
    if (c != '\\') {
        out[0] = (char)c;
        *olen = 1;
        *used = 1;
        return 0;
    }
    if (i + 1 >= n) return -1;
    *used = 2;
    *olen = 1;
    switch (s[i + 1]) {
    case 'b':
        out[0] = '\b';
        return 0;
    case 'f':
        out[0] = '\f';
        return 0;
    case 'n':
        out[0] = '\n';
        return 0;
    case 'r':
        out[0] = '\r';
        return 0;
    case 't':
        out[0] = '\t';
        return 0;
    case '"':
    case '\\':
    case '/':
        out[0] = s[i + 1];
        return 0;
    case 'u':
        break;
    default:
        return -1;
    }
    if (n - i < 6) return -1;
    unsigned cp = hex4(s + i + 2), lo;
    *used = 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) return -1; /* a lone low surrogate */
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (n - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u' || (lo = hex4(s + i + 8)) < 0xdc00 ||
            lo > 0xdfff)
            return -1;
        cp = 0x10000 + (((cp & 0x3ff) << 10) | (lo & 0x3ff));
        *used = 12;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        *olen = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        *olen = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        *olen = 3;
    } else {
        out[0] = (char)(0xf0 | cp >> 18);
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        *olen = 4;
    }
    return 0;
}

nd_status nd_json_unescape(const char *s, size_t n, int stop_at_nul, char *out, size_t *out_len,
                           size_t *stop)
{
    size_t i = 0, o = 0;
    while (i < n) {
        size_t used, k;
        char b[4];
        if (unit(s, n, i, &used, b, &k) != 0) return ND_EJSON;
        if (stop_at_nul && k == 1 && b[0] == '\0' && used > 1) break;
        memcpy(out + o, b, k); /* k <= used: never past n bytes */
        o += k;
        i += used;
    }
    *out_len = o;
    if (stop) *stop = i;
    return ND_OK;
}

nd_status nd_json_line_starts(const char *s, size_t n, const uint32_t *lines, size_t k, size_t *raw)
{
    size_t i = 0, next = 0, after_cr = 0;
    uint64_t line = 1;
    int cr = 0; /* the last unit decoded to a CR: a line break unless a LF follows */
    while (next < k && lines[next] <= line)
        raw[next++] = 0;
    while (i < n && next < k) {
        size_t used, olen;
        char b[4];
        if (unit(s, n, i, &used, b, &olen) != 0) return ND_EJSON;
        if (olen == 1 && b[0] == '\0' && used > 1) break; /* where the decoded text ends */
        int lf = olen == 1 && b[0] == '\n';
        if (cr && !lf) { /* a lone CR ended the line */
            line++;
            while (next < k && lines[next] <= line)
                raw[next++] = after_cr;
        }
        i += used;
        cr = olen == 1 && b[0] == '\r';
        after_cr = i;
        if (lf) {
            line++;
            while (next < k && lines[next] <= line)
                raw[next++] = i;
        }
    }
    while (next < k)
        raw[next++] = i; /* (a CR at the very end: the line after it starts there too) */
    return ND_OK;
}

/* The end of the string whose opening quote is s[i]: the index of its closing quote, or
 * len when there is none. */
static size_t string_end(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '"') return i;
        if (s[i] == '\\') i++;
    }
    return len;
}

/* Skips the value at s[i] (after white space); returns the index just past it, or len + 1
 * when it is malformed. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    if (i >= len) return len + 1;
    unsigned char c = (unsigned char)s[i];
    if (c == '"') {
        size_t e = string_end(s, len, i);
        return e < len ? e + 1 : len + 1;
    }
    if (c == '{' || c == '[') {
        char stack[ND_JSON_SPAN_DEPTH];
        size_t depth = 0;
        for (; i < len; i++) {
            c = (unsigned char)s[i];
            if (c == '"') {
                i = string_end(s, len, i);
                if (i >= len) return len + 1;
            } else if (c == '{' || c == '[') {
                if (depth == ND_JSON_SPAN_DEPTH) return len + 1;
                stack[depth++] = c == '{' ? '}' : ']';
            } else if (c == '}' || c == ']') {
                if (depth == 0 || stack[depth - 1] != (char)c) return len + 1;
                if (--depth == 0) return i + 1;
            }
        }
        return len + 1;
    }
    /* A scalar: true, false, null, or the characters of a number. */
    size_t j = i;
    while (j < len && s[j] && strchr("0123456789+-.eE", s[j]))
        j++;
    if (j > i) return j;
    static const char *const words[] = {"true", "false", "null"};
    for (size_t w = 0; w < 3; w++) {
        size_t wl = strlen(words[w]);
        if (len - i >= wl && memcmp(s + i, words[w], wl) == 0) return i + wl;
    }
    return len + 1;
}

/* Whether the member name s[a..b) (a string body) decodes, up to an escaped NUL, to key. */
static int name_is(const char *s, size_t a, size_t b, const char *key, size_t key_len)
{
    if (b - a > NAME_MAX_RAW) return 0;
    char buf[NAME_MAX_RAW];
    size_t n, stop;
    if (nd_json_unescape(s + a, b - a, 1, buf, &n, &stop) != ND_OK) return 0;
    return n == key_len && memcmp(buf, key, n) == 0;
}

nd_status nd_json_member(const char *s, size_t len, const char *key, size_t key_len, int which,
                         nd_json_span *out)
{
    size_t i = 0;
    if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) i = 3;
    i = skip_space(s, len, i);
    if (i >= len || s[i] != '{') return ND_EJSON;
    i = skip_space(s, len, i + 1);
    int found = 0;
    nd_json_span best = {0, 0, 0};
    if (i < len && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            if (i >= len || s[i] != '"') return ND_EJSON;
            size_t ke = string_end(s, len, i);
            if (ke >= len) return ND_EJSON;
            /* The name must decode (a malformed escape makes the object malformed). */
            int hit = name_is(s, i + 1, ke, key, key_len);
            char tmp[4];
            for (size_t k = i + 1, used, ol; k < ke; k += used)
                if (unit(s, ke, k, &used, tmp, &ol) != 0) return ND_EJSON;
            i = skip_space(s, len, ke + 1);
            if (i >= len || s[i] != ':') return ND_EJSON;
            i = skip_space(s, len, i + 1);
            size_t vs = i, ve = skip_value(s, len, i);
            if (ve > len) return ND_EJSON;
            if (s[vs] == '"') {
                for (size_t k = vs + 1, used, ol; k < ve - 1; k += used)
                    if (unit(s, ve - 1, k, &used, tmp, &ol) != 0) return ND_EJSON;
            }
            if (hit && (!found || which == ND_JSON_LAST)) {
                int str = s[vs] == '"';
                best = (nd_json_span){str ? vs + 1 : vs, str ? ve - 1 : ve, str};
                found = 1;
            }
            i = skip_space(s, len, ve);
            if (i < len && s[i] == ',') {
                i = skip_space(s, len, i + 1);
                continue;
            }
            if (i < len && s[i] == '}') {
                i++;
                break;
            }
            return ND_EJSON;
        }
    }
    if (skip_space(s, len, i) != len) return ND_EJSON; /* something after the object */
    if (!found) return ND_EFIELD;
    *out = best;
    return ND_OK;
}
