/*
 * removed.c - writing and reading removed.jsonl entries (see removed.h).
 */
#include "removed.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "json_out.h"
#include "json_span.h"

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Whether the 8 bytes at s are ASCII without a NUL (most of any text). */
static int ascii8(const char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    return !((x | ((x - ones) & ~x)) & highs); /* no high bit, no zero byte */
}

size_t nd_removed_text_prefix(const char *s, size_t n, int more, int *bad)
{
    size_t i = 0;
    *bad = 0;
    while (i < n) {
        if (i + 8 <= n && ascii8(s + i)) {
            i += 8;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        int k = c ? nd_utf8_seq(s + i, n - i) : -1;
        if (k > 0) {
            i += (size_t)k;
            continue;
        }
        if (more && c >= 0xc2 && c <= 0xf4 && i + (size_t)(-k) == n)
            return i; /* a sequence cut short by the chunk: the next one has the rest */
        *bad = 1;
        return i;
    }
    return i;
}

int nd_removed_is_text(const char *s, size_t n)
{
    int bad;
    return nd_removed_text_prefix(s, n, 0, &bad) == n && !bad;
}

size_t nd_removed_info_escape(char *out, size_t cap, const char *s, size_t n)
{
    return nd_json_escape(out, cap, s, n);
}

nd_status nd_removed_info_string(nd_ofile *f, const char *s, size_t n, const nd_say *say)
{
    char small[512];
    size_t need = nd_json_escape(small, sizeof small, s, n);
    char *buf = small;
    if (need >= sizeof small) {
        if (!(buf = nd_malloc(need + 1))) return ND_ENOMEM;
        nd_json_escape(buf, need + 1, s, n);
    }
    nd_status st = nd_ofile_write(f, "\"", 1, say);
    if (st == ND_OK) st = nd_ofile_write(f, buf, need, say);
    if (st == ND_OK) st = nd_ofile_write(f, "\"", 1, say);
    if (buf != small) nd_free(buf);
    return st;
}

/* Writes s[0..n), which nd_removed_is_text accepts, as the inside of a JSON string: only
 * the quote, the backslash and control characters are escaped, so it reads back as the
 * same bytes. Escaped runs are gathered in a buffer (a JSON record is full of quotes). */
static nd_status put_text(nd_ofile *f, const char *s, size_t n, const nd_say *say)
{
    static const char hex[] = "0123456789abcdef";
    char out[8192];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 6 > sizeof out) {
            nd_status st = nd_ofile_write(f, out, o, say);
            if (st != ND_OK) return st;
            o = 0;
        }
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            out[o++] = (char)c;
            continue;
        }
        out[o++] = '\\';
        switch (c) {
        case '"':
        case '\\':
            out[o++] = (char)c;
            break;
        case '\n':
            out[o++] = 'n';
            break;
        case '\r':
            out[o++] = 'r';
            break;
        case '\t':
            out[o++] = 't';
            break;
        default:
            out[o++] = 'u';
            out[o++] = '0';
            out[o++] = '0';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return nd_ofile_write(f, out, o, say);
}

/* The base64 of one group of 1 to 3 bytes, padded. */
static void b64_group(const unsigned char *p, size_t n, char out[4])
{
    uint32_t v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0) | (n > 2 ? p[2] : 0);
    out[0] = b64chars[v >> 18];
    out[1] = b64chars[(v >> 12) & 63];
    out[2] = n > 1 ? b64chars[(v >> 6) & 63] : '=';
    out[3] = n > 2 ? b64chars[v & 63] : '=';
}

static nd_status put_b64(nd_ofile *f, nd_b64 *b, const char *s, size_t n, const nd_say *say)
{
    const unsigned char *p = (const unsigned char *)s;
    char out[1024];
    size_t no = 0;
    while (b->nrest > 0 && b->nrest < 3 && n > 0) { /* complete the group carried over */
        b->rest[b->nrest++] = *p++;
        n--;
    }
    if (b->nrest == 3) {
        b64_group(b->rest, 3, out);
        no = 4;
        b->nrest = 0;
    }
    while (n >= 3) {
        b64_group(p, 3, out + no);
        no += 4;
        p += 3;
        n -= 3;
        if (no == sizeof out) {
            nd_status st = nd_ofile_write(f, out, no, say);
            if (st != ND_OK) return st;
            no = 0;
        }
    }
    if (n > 0) { /* b->nrest is 0 here: a partial group was completed or n was 0 */
        memcpy(b->rest, p, n);
        b->nrest = n;
    }
    return nd_ofile_write(f, out, no, say);
}

nd_status nd_removed_begin(nd_ofile *f, const nd_removed_entry *e, int text, const nd_say *say)
{
    char num[160];
    nd_status st = nd_ofile_write(f, "{\"kind\": \"", 10, say);
    if (st == ND_OK) st = nd_ofile_write(f, e->kind, strlen(e->kind), say);
    if (st == ND_OK) st = nd_ofile_write(f, "\", \"source\": ", 13, say);
    if (st == ND_OK) st = nd_removed_info_string(f, e->source, strlen(e->source), say);
    size_t pl = strlen(e->path);
    int path_text = nd_removed_is_text(e->path, pl);
    if (st == ND_OK)
        st = path_text ? nd_ofile_write(f, ", \"path\": \"", 11, say)
                       : nd_ofile_write(f, ", \"path_base64\": \"", 18, say);
    nd_b64 b = {{0}, 0};
    if (st == ND_OK) st = nd_removed_put(f, path_text, &b, e->path, pl, say);
    if (st == ND_OK && !path_text && b.nrest) {
        char g[4];
        b64_group(b.rest, b.nrest, g);
        st = nd_ofile_write(f, g, 4, say);
    }
    int k = snprintf(num, sizeof num,
                     "\", \"line\": %llu, \"offset\": %llu, \"id\": ", (unsigned long long)e->line,
                     (unsigned long long)e->offset);
    if (st == ND_OK) st = nd_ofile_write(f, num, (size_t)k, say);
    if (st == ND_OK)
        st = e->id ? nd_removed_info_string(f, e->id, strlen(e->id), say)
                   : nd_ofile_write(f, "null", 4, say);
    if (st == ND_OK && e->first) {
        k = snprintf(num, sizeof num, ", \"lines\": [%u, %u]", e->first, e->last);
        st = nd_ofile_write(f, num, (size_t)k, say);
    }
    if (st == ND_OK) st = nd_ofile_write(f, ", \"reason\": ", 12, say);
    if (st == ND_OK) st = nd_ofile_write(f, e->reason, strlen(e->reason), say);
    if (st == ND_OK)
        st = text ? nd_ofile_write(f, ", \"bytes\": \"", 12, say)
                  : nd_ofile_write(f, ", \"bytes_base64\": \"", 19, say);
    return st;
}

nd_status nd_removed_put(nd_ofile *f, int text, nd_b64 *b, const char *p, size_t n,
                         const nd_say *say)
{
    return text ? put_text(f, p, n, say) : put_b64(f, b, p, n, say);
}

nd_status nd_removed_end(nd_ofile *f, int text, nd_b64 *b, const nd_say *say)
{
    nd_status st = ND_OK;
    if (!text && b->nrest) {
        char g[4];
        b64_group(b->rest, b->nrest, g);
        b->nrest = 0;
        st = nd_ofile_write(f, g, 4, say);
    }
    return st == ND_OK ? nd_ofile_write(f, "\"}\n", 3, say) : st;
}

/* ---- reading ------------------------------------------------------------------------ */

static int b64_value(unsigned char c)
{
    const char *p = c ? strchr(b64chars, c) : NULL;
    return p ? (int)(p - b64chars) : -1;
}

int nd_base64_decode(const char *s, size_t n, unsigned char *out, size_t *out_len)
{
    if (n % 4) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        size_t pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = b64_value((unsigned char)s[i + k])) < 0) return -1;
        }
        uint32_t x =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        /* Canonical: the bits a padded group does not use are zero. */
        if ((pad == 1 && (x & 0xff)) || (pad == 2 && (x & 0xffff))) return -1;
        out[o++] = (unsigned char)(x >> 16);
        if (pad < 2) out[o++] = (unsigned char)(x >> 8);
        if (pad < 1) out[o++] = (unsigned char)x;
    }
    *out_len = o;
    return 0;
}

/* The value of member key as a decoded string: from key (a JSON string) or from
 * key_base64. *out is allocated (NUL-terminated). ND_OK, ND_EFIELD (neither), ND_EJSON,
 * ND_ENOMEM. */
static nd_status get_bytes(const char *s, size_t n, const char *key, char **out, size_t *len)
{
    char b64key[64];
    snprintf(b64key, sizeof b64key, "%s_base64", key);
    nd_json_span sp;
    int b64 = 0;
    nd_status st = nd_json_member(s, n, key, strlen(key), ND_JSON_FIRST, &sp);
    if (st == ND_EFIELD) {
        st = nd_json_member(s, n, b64key, strlen(b64key), ND_JSON_FIRST, &sp);
        b64 = 1;
    }
    if (st != ND_OK) return st;
    if (!sp.is_string) return ND_EJSON;
    size_t raw = sp.end - sp.start;
    char *buf = nd_malloc(raw + 1);
    if (!buf) return ND_ENOMEM;
    if (nd_json_unescape(s + sp.start, raw, 0, buf, len, NULL) != ND_OK) {
        nd_free(buf);
        return ND_EJSON;
    }
    if (b64) {
        size_t dl;
        /* decoding in place: the output never overtakes the input */
        if (nd_base64_decode(buf, *len, (unsigned char *)buf, &dl) != 0) {
            nd_free(buf);
            return ND_EJSON;
        }
        *len = dl;
    }
    buf[*len] = '\0';
    *out = buf;
    return ND_OK;
}

nd_status nd_removed_parse(const char *s, size_t n, nd_removed_read *out, const char **why)
{
    memset(out, 0, sizeof *out);
    nd_json_span sp;
    size_t plen = 0;
    nd_status st = get_bytes(s, n, "path", &out->path, &plen);
    if (st != ND_OK) {
        *why = st == ND_EFIELD ? "no \"path\"" : "not a JSON object with a string \"path\"";
        return st == ND_ENOMEM ? st : ND_EJSON;
    }
    if (strlen(out->path) != plen) {
        *why = "a NUL byte in \"path\"";
        st = ND_EJSON;
        goto fail;
    }
    if (nd_json_member(s, n, "offset", 6, ND_JSON_FIRST, &sp) != ND_OK || sp.is_string ||
        sp.start == sp.end) {
        *why = "no \"offset\"";
        st = ND_EJSON;
        goto fail;
    }
    uint64_t off = 0;
    for (size_t i = sp.start; i < sp.end; i++) {
        if (s[i] < '0' || s[i] > '9' || off > (UINT64_MAX - 9) / 10 || (i > sp.start && off == 0)) {
            *why = "\"offset\" is not a whole number";
            st = ND_EJSON;
            goto fail;
        }
        off = off * 10 + (uint64_t)(s[i] - '0');
    }
    out->offset = off;
    st = get_bytes(s, n, "bytes", &out->bytes, &out->nbytes);
    if (st != ND_OK) {
        *why = st == ND_EFIELD ? "no \"bytes\"" : "\"bytes\" is not a string (or not base64)";
        if (st != ND_ENOMEM) st = ND_EJSON;
        goto fail;
    }
    return ND_OK;
fail:
    nd_free(out->path);
    nd_free(out->bytes);
    memset(out, 0, sizeof *out);
    return st;
}
