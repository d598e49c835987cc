/*
 * json_out.c - JSON string escaping (RFC 8259, section 7) that always yields valid UTF-8.
 *
 * The string is cut into pieces: a byte that stands for itself, a well-formed multi-byte
 * UTF-8 sequence (kept), a character that must be escaped, or a malformed sequence's
 * maximal subpart (replaced by U+FFFD). nd_json_escape and nd_json_write_string walk the
 * same pieces, so they agree byte for byte.
 */
#include "json_out.h"

#include <assert.h>
#include <string.h>

static const char hex[] = "0123456789abcdef";

int nd_utf8_seq(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    assert(len >= 1);
    unsigned c = s[0], lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    int need;                                /* continuation bytes */
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0) lo = 0xa0; /* below: overlong */
        if (c == 0xed) hi = 0x9f; /* above: a surrogate, U+D800-U+DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0) lo = 0x90; /* below: overlong */
        if (c == 0xf4) hi = 0x8f; /* above: beyond U+10FFFF */
    } else {
        return -1; /* 0x80-0xc1 (continuation, overlong 2-byte lead) or 0xf5-0xff */
    }
    for (int i = 1; i <= need; i++) {
        if ((size_t)i >= len || s[i] < lo || s[i] > hi) return -i;
        lo = 0x80, hi = 0xbf;
    }
    return need + 1;
}

/* The next piece of s[0..len), len >= 1: sets *adv to the bytes it covers and returns what
 * to write for them, or NULL when they stand for themselves. buf holds a \u00XX escape. */
static const char *piece(const char *s, size_t len, size_t *adv, char buf[7])
{
    unsigned char c = (unsigned char)s[0];
    *adv = 1;
    switch (c) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        break;
    }
    if (c >= 0x20 && c < 0x7f) return NULL;
    if (c >= 0x80) {
        int n = nd_utf8_seq(s, len);
        if (n < 0) {
            *adv = (size_t)-n;
            return ND_UTF8_REPLACEMENT;
        }
        *adv = (size_t)n;
        if (c != 0xc2 || (unsigned char)s[1] >= 0xa0) return NULL;
        c = (unsigned char)s[1]; /* U+0080-U+009F: a C1 control, escaped */
    }
    buf[0] = '\\', buf[1] = 'u', buf[2] = '0', buf[3] = '0';
    buf[4] = hex[c >> 4], buf[5] = hex[c & 15], buf[6] = '\0';
    return buf;
}

size_t nd_json_escape(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0, adv;
    char buf[7];
    for (size_t i = 0; i < len; i += adv) {
        const char *e = piece(s + i, len - i, &adv, buf);
        const char *from = e ? e : s + i;
        size_t el = e ? strlen(e) : adv;
        for (size_t j = 0; j < el; j++, n++)
            if (n + 1 < cap) out[n] = from[j];
    }
    if (cap) out[n < cap ? n : cap - 1] = '\0';
    return n;
}

int nd_json_write_string(FILE *f, const char *s, size_t len)
{
    char buf[7];
    if (fputc('"', f) == EOF) return -1;
    size_t run = 0, adv; /* run: start of the current run of bytes written as they are */
    for (size_t i = 0; i < len; i += adv) {
        const char *e = piece(s + i, len - i, &adv, buf);
        if (!e) continue;
        if (i > run && fwrite(s + run, 1, i - run, f) != i - run) return -1;
        if (fputs(e, f) == EOF) return -1;
        run = i + adv;
    }
    if (len > run && fwrite(s + run, 1, len - run, f) != len - run) return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}
