/*
 * frame.c - cutting the file being read into records: a whole text file, or JSON Lines.
 *
 * A text file is read whole into the reader's buffer (it is one article, bounded by the size
 * limit). A JSON Lines file is read through the same buffer, CHUNK bytes at a time; it grows
 * only to hold the longest line under the limit, and a longer line is reported and skipped
 * without being held in memory. Streams copy what they read to their spool so that their
 * records can be fetched again. Paths, sources and fetching are reader.c's.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "input_priv.h"

/* ---- what a file is when it is not UTF-8 text ------------------------------------------ */

/* The share of NUL bytes at positions i % step == phase among the first n bytes, in 1/256. */
static unsigned nul_share(const unsigned char *p, size_t n, size_t step, size_t phase)
{
    size_t all = 0, nul = 0;
    for (size_t i = phase; i < n; i += step, all++)
        nul += p[i] == 0;
    return all ? (unsigned)(nul * 256 / all) : 0;
}

/*
 * Recognises, from the first n bytes of a file, data that is not UTF-8 text but has a name:
 * compressed data (by magic number: gzip 1f 8b, zstd 28 b5 2f fd, bzip2 "BZh1".."BZh9", xz
 * fd "7zXZ" 00) and UTF-16 / UTF-32 text (a byte-order mark, or the NUL bytes that ASCII
 * characters leave in every other byte, or three bytes of four). Writes a message saying
 * what it is and what to do, and returns 1; 0 when it is none of these.
 */
static int sniff_not_utf8(const char *data, size_t n, char *msg, size_t cap)
{
    const unsigned char *p = (const unsigned char *)data;
    static const struct {
        const char *magic;
        size_t len;
        const char *what;
    } zs[] = {
        {"\x1f\x8b", 2, "gzip-compressed data (decompress it first, e.g. gunzip)"},
        {"\x28\xb5\x2f\xfd", 4, "zstd-compressed data (decompress it first, e.g. unzstd)"},
        {"\xfd"
         "7zXZ\0",
         6, "xz-compressed data (decompress it first, e.g. unxz)"},
    };
    for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++)
        if (n >= zs[i].len && memcmp(p, zs[i].magic, zs[i].len) == 0) {
            snprintf(msg, cap, "%s", zs[i].what);
            return 1;
        }
    if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9') {
        snprintf(msg, cap, "bzip2-compressed data (decompress it first, e.g. bunzip2)");
        return 1;
    }
    size_t probe = n < 512 ? n : 512;
    int utf32 =
        (n >= 4 && (memcmp(p, "\xff\xfe\0\0", 4) == 0 || memcmp(p, "\0\0\xfe\xff", 4) == 0));
    int utf16 =
        !utf32 && n >= 2 && (memcmp(p, "\xff\xfe", 2) == 0 || memcmp(p, "\xfe\xff", 2) == 0);
    if (!utf32 && !utf16 && probe >= 8) {
        /* No mark: ASCII in UTF-32 leaves NULs in three bytes of four, in UTF-16 in one of
         * two (either byte order); UTF-8 text has no NUL at all. */
        unsigned z[4];
        for (size_t k = 0; k < 4; k++)
            z[k] = nul_share(p, probe, 4, k);
        int three = (z[0] < 64) + (z[1] > 192) + (z[2] > 192) + (z[3] > 192) == 4 ||
                    (z[3] < 64) + (z[0] > 192) + (z[1] > 192) + (z[2] > 192) == 4;
        unsigned even = nul_share(p, probe, 2, 0), odd = nul_share(p, probe, 2, 1);
        utf32 = three;
        utf16 = !three && ((even < 64 && odd > 192) || (odd < 64 && even > 192));
    }
    if (utf32 || utf16) {
        const char *enc = utf32 ? "UTF-32" : "UTF-16";
        snprintf(msg, cap, "%s text (neardup reads UTF-8: convert it, e.g. iconv -f %s -t UTF-8)",
                 enc, enc);
        return 1;
    }
    return 0;
}

/* ---- whole-file records ------------------------------------------------------------ */

/* Reads the rest of fd into r->buf after the *len bytes already there, keeping at most
 * max bytes; *too_big is set when there were more, and reading stops there (a device such
 * as /dev/zero never ends). Copies what it reads to spool when given. ND_OK, ND_EIO or
 * ND_ENOMEM. */
static nd_status slurp(nd_reader *r, int fd, FILE *spool, size_t *len, int *too_big)
{
    size_t max = r->opts.max_doc_bytes, n = *len;
    while (n <= max) {
        if (nd_rd_reserve(r, n + CHUNK) != ND_OK) return ND_ENOMEM;
        ptrdiff_t k = nd_rd_read_full(fd, r->buf + n, CHUNK);
        if (k < 0) return ND_EIO;
        if (spool && k > 0 && fwrite(r->buf + n, 1, (size_t)k, spool) != (size_t)k) return ND_EIO;
        n += (size_t)k;
        if ((size_t)k < CHUNK) break;
    }
    *too_big = n > max;
    *len = n > max ? max : n;
    return ND_OK;
}

/* One text file (or a stream of one article) as one record. */
nd_status nd_rd_text_record(nd_reader *r, uint32_t si, int fd, FILE *spool, size_t have, int eof,
                            nd_record *out)
{
    const char *path = r->src[si].path;
    size_t n = have;
    int too_big = 0;
    nd_status st = eof ? ND_OK : slurp(r, fd, spool, &n, &too_big);
    if (eof && n > r->opts.max_doc_bytes) too_big = 1;
    if (st == ND_EIO) {
        snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    if (st != ND_OK) return st;
    if (too_big) {
        if (spool)
            snprintf(r->msg, sizeof r->msg,
                     "input is longer than the %zu-byte limit (--max-bytes); stopped reading",
                     r->opts.max_doc_bytes);
        else
            snprintf(r->msg, sizeof r->msg, "file is larger than the %zu-byte limit (--max-bytes)",
                     r->opts.max_doc_bytes);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_ETOOBIG, ND_REC_ERROR);
        return ND_OK;
    }
    if (n == 0) {
        snprintf(r->msg, sizeof r->msg, "empty file");
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY, ND_REC_ERROR);
        return ND_OK;
    }
    if (sniff_not_utf8(r->buf, n, r->msg, sizeof r->msg)) {
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EBINARY, ND_REC_ERROR);
        return ND_OK;
    }
    const char *nul = memchr(r->buf, '\0', n);
    if (nul) {
        snprintf(r->msg, sizeof r->msg, "binary file (a NUL byte)");
        nd_rd_error(r, out, path, si, ND_NO_LINE, (uint64_t)(nul - r->buf), ND_EBINARY,
                    ND_REC_ERROR);
        return ND_OK;
    }
    nd_rd_set_record(out, ND_REC_DOC, path, si, 1, 0);
    out->data = r->buf;
    out->len = n;
    return ND_OK;
}

/* ---- JSON Lines --------------------------------------------------------------------- */

/* Reads more of the current file into buf after compacting it. 0 ok, -1 read error. */
int nd_rd_fill(nd_reader *r)
{
    assert(r->fd >= 0 && r->pos <= r->len && r->len <= r->cap);
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (nd_rd_reserve(r, r->len + CHUNK) != ND_OK) return -2;
    ptrdiff_t k = nd_rd_read_full(r->fd, r->buf + r->len, CHUNK);
    if (k < 0) return -1;
    FILE *spool = r->src[r->cur].spool;
    if (spool && k > 0 && fwrite(r->buf + r->len, 1, (size_t)k, spool) != (size_t)k) return -1;
    if ((size_t)k < CHUNK) r->eof = 1;
    r->len += (size_t)k;
    return 0;
}

void nd_rd_end_file(nd_reader *r)
{
    if (r->fd > STDIN_FILENO) close(r->fd);
    r->fd = -1;
}

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

/* The next line of the current JSON Lines file: ND_OK with a record, ND_END at its end. */
nd_status nd_rd_next_line(nd_reader *r, nd_record *out)
{
    const char *path = r->src[r->cur].path;
    size_t max = r->opts.max_doc_bytes;
    assert(r->cur < r->nsrc);
    for (;;) {
        assert(r->pos <= r->len);
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (!nl && !r->eof) {
            if (r->len - r->pos > max) {
                /* Over the limit: report, then discard up to the end of the line. */
                uint64_t line = r->line, off = r->base + r->pos;
                for (;;) {
                    r->pos = r->len;
                    int f = nd_rd_fill(r);
                    if (f == -2) return ND_ENOMEM;
                    if (f < 0) break;
                    nl = memchr(r->buf, '\n', r->len);
                    if (nl) {
                        r->pos = (size_t)(nl - r->buf) + 1;
                        break;
                    }
                    if (r->eof) {
                        r->pos = r->len;
                        break;
                    }
                }
                r->line++;
                snprintf(r->msg, sizeof r->msg,
                         "line is longer than the %zu-byte limit (--max-bytes); skipped", max);
                nd_rd_error(r, out, path, r->cur, line, off, ND_ETOOBIG, ND_REC_ERROR);
                return ND_OK;
            }
            int f = nd_rd_fill(r);
            if (f == -2) return ND_ENOMEM;
            if (f < 0) {
                snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
                nd_rd_error(r, out, path, r->cur, r->line, r->base + r->pos, ND_EIO, ND_REC_ERROR);
                r->eof = 1;
                r->pos = r->len;
                return ND_OK;
            }
            continue;
        }
        size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
        if (!nl && n == 0) return ND_END;
        uint64_t line = r->line, off = r->base + r->pos;
        r->pos += n + (nl ? 1 : 0);
        r->line++;
        if (blank(start, n)) continue;
        if (n > max) {
            snprintf(r->msg, sizeof r->msg,
                     "line is longer than the %zu-byte limit (--max-bytes); skipped", max);
            nd_rd_error(r, out, path, r->cur, line, off, ND_ETOOBIG, ND_REC_ERROR);
            return ND_OK;
        }
        const char *nul = memchr(start, '\0', n);
        if (nul) {
            snprintf(r->msg, sizeof r->msg, "NUL byte at column %zu (binary data); skipped",
                     (size_t)(nul - start) + 1);
            nd_rd_error(r, out, path, r->cur, line, off, ND_EBINARY, ND_REC_ERROR);
            return ND_OK;
        }
        nd_rd_set_record(out, ND_REC_DOC, path, r->cur, line, off);
        out->json = 1;
        out->data = start;
        out->len = n;
        return ND_OK;
    }
}

/* Starts reading fd as JSON Lines; the first record (or END) goes to out. */
nd_status nd_rd_start_jsonl(nd_reader *r, uint32_t si, int fd, nd_record *out)
{
    r->fd = fd;
    r->cur = si;
    r->pos = r->len = 0;
    r->base = 0;
    r->line = 1;
    r->eof = 0;
    int f = nd_rd_fill(r);
    if (f == -2) return ND_ENOMEM;
    const char *path = r->src[si].path;
    if (f < 0) {
        snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
        nd_rd_end_file(r);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    if (r->len == 0) {
        nd_rd_end_file(r);
        snprintf(r->msg, sizeof r->msg, "empty file");
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY, ND_REC_ERROR);
        return ND_OK;
    }
    if (sniff_not_utf8(r->buf, r->len, r->msg, sizeof r->msg)) {
        nd_rd_end_file(r);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EBINARY, ND_REC_ERROR);
        return ND_OK;
    }
    /* A binary file: a NUL byte in its first line (within the first 8 KiB). A NUL further
     * on only costs the line it is in. */
    size_t probe = r->len < BINARY_PROBE ? r->len : BINARY_PROBE;
    const char *nl = memchr(r->buf, '\n', probe);
    const char *nul = memchr(r->buf, '\0', nl ? (size_t)(nl - r->buf) : probe);
    if (nul) {
        nd_rd_end_file(r);
        snprintf(r->msg, sizeof r->msg, "binary file (a NUL byte)");
        nd_rd_error(r, out, path, si, ND_NO_LINE, (uint64_t)(nul - r->buf), ND_EBINARY,
                    ND_REC_ERROR);
        return ND_OK;
    }
    if (r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) r->pos = 3; /* a byte-order mark */
    nd_status st = nd_rd_next_line(r, out);
    if (st == ND_END) nd_rd_end_file(r);
    return st;
}
