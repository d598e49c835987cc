/*
 * frame.c - cutting the file being read into records: a whole text file, or JSON Lines.
 *
 * A text file is read whole into the reader's buffer (it is one article, bounded by the size
 * limit). A JSON Lines file is read through the same buffer, CHUNK bytes at a time; it grows
 * only to hold the longest line under the limit, and a longer line is reported and skipped
 * without being held in memory. Bytes come through the file's zin (stream.c: as stored or
 * decompressed); when the stream fails (truncated or corrupt compressed data) the complete
 * lines before the failure are kept and the error names the last of them. Also here: what
 * a file is when it is not UTF-8 text. Paths, sources and fetching are reader.c's.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "input_priv.h"
#include "alloc.h"

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

int nd_rd_sniff_not_utf8(nd_reader *r, const char *p, size_t n)
{
    return sniff_not_utf8(p, n, r->msg, sizeof r->msg);
}

/* Reads the rest of the open file into r->buf after the r->len bytes there, keeping at
 * most max bytes; returns 1 when there were more, and reading stops there (a device such as
 * /dev/zero never ends). 0 otherwise, -1 the stream failed (r->in.msg), -2 out of memory. */
static int slurp(nd_reader *r)
{
    size_t max = r->opts.max_doc_bytes;
    while (!r->eof && r->len <= max) {
        if (nd_rd_reserve(r, r->len + CHUNK) != ND_OK) return -2;
        ptrdiff_t k = nd_zin_read_full(&r->in, r->buf + r->len, CHUNK);
        if (k < 0) return r->in.status == ND_ENOMEM ? -2 : -1;
        r->len += (size_t)k;
        if ((size_t)k < CHUNK) r->eof = 1;
    }
    if (r->in.status == ND_ENOMEM) return -2;
    if (r->in.status != ND_OK) return -1;
    return r->len > max;
}

nd_status nd_rd_text_record(nd_reader *r, nd_record *out)
{
    uint32_t si = r->cur;
    const char *path = r->src[si].path;
    int s = slurp(r);
    size_t n = r->len;
    if (s == -2) return ND_ENOMEM;
    nd_rd_end_file(r);
    if (s == -1) { /* an article cut short is not an article */
        snprintf(r->msg, sizeof r->msg, "%s", r->in.msg);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    if (s == 1) {
        if (r->src[si].spool)
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
    nd_rd_doc(r, out, 0, n, 1);
    return ND_OK;
}

/* ---- JSON Lines --------------------------------------------------------------------- */

/*
 * The decompressed spool. Fetching a record of a compressed file again (pass 2, the texts of
 * a report) would decompress the file a second time up to its last candidate; instead, the
 * decompressed bytes are written as they are read to an unlinked temporary file (tmpfile(3):
 * the page cache, then the disk of P_tmpdir), and fetches read it as a plain file. The
 * writing is the zin's (its dcopy: on the read-ahead thread when there is one); the
 * accounting is done here once nothing reads ahead (at the end of the file, or before a
 * fetch). The spools of a run may use at most half of the space free where the first one
 * is made; past that, a file's spool is dropped and its fetches decompress again from the
 * checkpoints (stream.c), as they do when no temporary file can be made.
 */
FILE *nd_rd_dspool_open(nd_reader *r)
{
    if (r->opts.no_spool) return NULL;
    FILE *f = tmpfile();
    if (!f) return NULL;
    if (!r->dspool_budget) {
        struct statvfs v;
        r->dspool_budget = fstatvfs(fileno(f), &v) == 0
                               ? (uint64_t)v.f_bavail * (uint64_t)v.f_frsize / 2
                               : 0;
        if (!r->dspool_budget) r->dspool_budget = 1; /* no room known: spool nothing */
    }
    return f;
}

void nd_rd_settle_dspool(nd_reader *r)
{
    src_file *s = &r->src[r->cur];
    if (!s->dspool) return;
    uint64_t copied;
    int lost;
    nd_zin_copied(&r->in, &copied, &lost);
    r->dspool_total -= s->dspooled;
    s->dspooled = 0;
    if (lost) { /* past the budget, or a write failed */
        nd_zin_drop_copy(&r->in);
        fclose(s->dspool); /* unlinked: its space is freed */
        s->dspool = NULL;
        return;
    }
    s->dspooled = copied;
    r->dspool_total += copied;
}

int nd_rd_fill(nd_reader *r)
{
    assert(r->in.fd >= 0 && r->pos <= r->len && r->len <= r->cap);
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->eof) return r->in.status == ND_OK ? 0 : -1;
    if (nd_rd_reserve(r, r->len + CHUNK) != ND_OK) return -2;
    ptrdiff_t k = nd_zin_read_full(&r->in, r->buf + r->len, CHUNK);
    if (k > 0) r->len += (size_t)k;
    if (r->in.status == ND_ENOMEM) return -2;
    if (k < 0 || (size_t)k < CHUNK) r->eof = 1;
    /* Bytes that came before a failure are delivered first: the failure shows at the next
     * fill, once the complete records in them have been cut. */
    return k > 0 || r->in.status == ND_OK ? 0 : -1;
}

void nd_rd_end_file(nd_reader *r)
{
    if (r->in.fd >= 0) {
        nd_zin_pause(&r->in); /* nothing reads the descriptor once it is closed */
        nd_rd_settle_dspool(r);
    }
    if (r->in.fd >= 0 && r->close_fd) close(r->in.fd);
    r->in.fd = -1;
    r->close_fd = 0;
    r->mode = MODE_NONE;
}

void nd_rd_stream_error(nd_reader *r, nd_record *out)
{
    uint32_t si = r->cur;
    char last[96];
    if (!r->have_last)
        snprintf(last, sizeof last, "no complete record before it");
    else if (r->mode == MODE_WARC)
        snprintf(last, sizeof last, "the last complete record starts at byte %llu",
                 (unsigned long long)r->last_line);
    else
        snprintf(last, sizeof last, "the last complete record is line %llu",
                 (unsigned long long)r->last_line);
    snprintf(r->msg, sizeof r->msg, "%s; %s", r->in.msg, last);
    int warc = r->mode == MODE_WARC;
    uint64_t line = warc ? ND_NO_LINE : r->line, off = r->base + r->pos;
    r->pos = r->len;
    nd_rd_end_file(r);
    nd_rd_error(r, out, r->src[si].path, si, line, off, ND_EIO, ND_REC_ERROR);
}

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return 0;
    return 1;
}

nd_status nd_rd_next_line(nd_reader *r, nd_record *out)
{
    const char *path = r->src[r->cur].path;
    size_t max = r->opts.max_doc_bytes;
    assert(r->cur < r->nsrc && r->mode == MODE_LINES);
    for (;;) {
        assert(r->pos <= r->len);
        if (r->base + r->pos >= r->end) return ND_END; /* the next part's lines */
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (!nl && r->eof && r->in.status != ND_OK) { /* a line cut off by the failure */
            nd_rd_stream_error(r, out);
            return ND_OK;
        }
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
            continue; /* a failure shows above, once the complete lines are cut */
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
        nd_rd_doc(r, out, (size_t)(start - r->buf), n, line);
        return ND_OK;
    }
}

nd_status nd_rd_start_jsonl(nd_reader *r, nd_record *out)
{
    uint32_t si = r->cur;
    const char *path = r->src[si].path;
    if (r->len == 0 && r->eof && r->in.status != ND_OK) {
        snprintf(r->msg, sizeof r->msg, "%s", r->in.msg);
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
    r->mode = MODE_LINES;
    nd_status st = nd_rd_next_line(r, out);
    if (st == ND_END) nd_rd_end_file(r);
    return st;
}
