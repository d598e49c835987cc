/*
 * json_out.c - JSON string escaping (RFC 8259, section 7).
 */
#include "json_out.h"

#include <string.h>

static const char hex[] = "0123456789abcdef";

/* The escape sequence for byte c, or NULL if it stands for itself. `buf` holds \u00XX. */
static const char *escape_of(unsigned char c, char buf[7])
{
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
    if (c < 0x20 || c == 0x7f) {
        buf[0] = '\\', buf[1] = 'u', buf[2] = '0', buf[3] = '0';
        buf[4] = hex[c >> 4], buf[5] = hex[c & 15], buf[6] = '\0';
        return buf;
    }
    return NULL;
}

size_t nd_json_escape(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    char buf[7];
    for (size_t i = 0; i < len; i++) {
        const char *e = escape_of((unsigned char)s[i], buf);
        size_t el = e ? strlen(e) : 1;
        for (size_t j = 0; j < el; j++, n++)
            if (n + 1 < cap) out[n] = e ? e[j] : s[i];
    }
    if (cap) out[n < cap ? n : cap - 1] = '\0';
    return n;
}

int nd_json_write_string(FILE *f, const char *s, size_t len)
{
    char buf[7];
    if (fputc('"', f) == EOF) return -1;
    size_t run = 0; /* start of the current run of bytes that need no escape */
    for (size_t i = 0; i < len; i++) {
        const char *e = escape_of((unsigned char)s[i], buf);
        if (!e) continue;
        if (i > run && fwrite(s + run, 1, i - run, f) != i - run) return -1;
        if (fputs(e, f) == EOF) return -1;
        run = i + 1;
    }
    if (len > run && fwrite(s + run, 1, len - run, f) != len - run) return -1;
    return fputc('"', f) == EOF ? -1 : 0;
}
