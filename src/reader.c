/*
 * reader.c - the reader: paths to raw records, and records read again by offset.
 *
 * Owns the reader object (input_priv.h): a stack of pending paths, visited depth-first; a
 * directory's entries are pushed in reverse byte-wise order so they pop sorted. Each file
 * opened becomes a source (its index is the record's `source`): stream.c gives its bytes
 * (as stored, or decompressed), its format is decided here (by option, by extension, or by
 * its first bytes), and frame.c / csv.c / warc.c cut it into records. Streams (standard
 * input, pipes) are copied, as they come, to an unlinked temporary file so that their
 * records can be fetched again. Problems with a path become error or note records, in input
 * order; only out of memory stops the reader.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input_priv.h"
#include "alloc.h"
#include "input_share.h"

/* ---- small helpers ---------------------------------------------------------------- */

/* True when s ends with suffix, in any case (".JSONL" is ".jsonl"). */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static nd_status push_pending(nd_reader *r, char *path, unsigned char from_dir)
{
    if (r->nstack == r->capstack) {
        size_t cap = r->capstack ? r->capstack * 2 : 16;
        pending *p = nd_reallocarray(r->stack, cap, sizeof *p);
        if (!p) return ND_ENOMEM;
        r->stack = p;
        r->capstack = cap;
    }
    memset(&r->stack[r->nstack], 0, sizeof r->stack[r->nstack]);
    r->stack[r->nstack].path = path;
    r->stack[r->nstack].from_dir = from_dir;
    r->stack[r->nstack].end = UINT64_MAX;
    r->nstack++;
    return ND_OK;
}

static nd_status add_source(nd_reader *r, const char *path, uint32_t *idx)
{
    if (r->nsrc >= UINT32_MAX - 1) return ND_EINVAL;
    if (r->nsrc == r->capsrc) {
        size_t cap = r->capsrc ? r->capsrc * 2 : 16;
        src_file *s = nd_reallocarray(r->src, cap, sizeof *s);
        if (!s) return ND_ENOMEM;
        r->src = s;
        r->capsrc = cap;
    }
    char *p = nd_strndup(path, strlen(path));
    if (!p) return ND_ENOMEM;
    memset(&r->src[r->nsrc], 0, sizeof r->src[r->nsrc]);
    r->src[r->nsrc].path = p;
    r->src[r->nsrc].text_col = r->src[r->nsrc].id_col = ND_NO_COLUMN;
    *idx = (uint32_t)r->nsrc++;
    return ND_OK;
}

nd_status nd_rd_reserve(nd_reader *r, size_t need)
{
    if (need <= r->cap) return ND_OK;
    size_t cap = r->cap ? r->cap : CHUNK;
    while (cap < need)
        cap *= 2;
    char *b = nd_reallocarray(r->buf, cap, 1);
    if (!b) return ND_ENOMEM;
    r->buf = b;
    r->cap = cap;
    return ND_OK;
}

void nd_rd_set_record(nd_record *out, nd_record_kind kind, const char *path, uint32_t source,
                      uint64_t line, uint64_t offset)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->path = path;
    out->source = source;
    out->line = line;
    out->offset = offset;
}

void nd_rd_error(nd_reader *r, nd_record *out, const char *path, uint32_t source, uint64_t line,
                 uint64_t offset, nd_status st, nd_record_kind kind)
{
    assert(kind != ND_REC_DOC);
    if (kind == ND_REC_ERROR) r->any = 1;
    nd_rd_set_record(out, kind, path, source, line, offset);
    out->status = st;
    out->message = r->msg;
}

void nd_rd_doc(nd_reader *r, nd_record *out, size_t at, size_t len, uint64_t line)
{
    const src_file *s = &r->src[r->cur];
    assert(at + len <= r->len);
    nd_rd_set_record(out, ND_REC_DOC, s->path, r->cur, line, r->base + at);
    out->data = r->buf + at;
    out->len = len;
    out->format = s->format;
    out->json = s->format == ND_INPUT_JSONL;
    out->text_col = s->text_col;
    out->id_col = s->id_col;
    r->last_line = r->mode == MODE_WARC ? r->base + at : line;
    r->have_last = r->any = 1;
}

/* An error or note about a path that is not a source (it could not be opened, or is not
 * read): the record's path is a copy kept in r->errpath until the next one. The message is
 * r->msg. ND_OK or ND_ENOMEM. */
static nd_status path_record(nd_reader *r, nd_record *out, const char *path, nd_status st,
                             nd_record_kind kind)
{
    nd_free(r->errpath);
    r->errpath = nd_strndup(path, strlen(path));
    if (!r->errpath) return ND_ENOMEM;
    nd_rd_error(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, st, kind);
    return ND_OK;
}

/* ---- create / free ---------------------------------------------------------------- */

static nd_status create(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                        nd_reader **out)
{
    nd_reader *r = nd_calloc(1, sizeof *r);
    if (!r) return ND_ENOMEM;
    r->in.fd = -1;
    r->fz.fd = -1;
    r->fetch_fd = -1;
    r->fetch_src = r->fz_src = UINT32_MAX;
    r->end = UINT64_MAX;
    /* Checked now, before anything is opened: a closed descriptor 0 would be taken by the
     * first file opened, and read back as standard input. */
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    /* Closed, or (as the program parks a closed one) open but not for reading. */
    r->stdin_closed = (fl < 0 && errno == EBADF) || (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY);
    if (opts) r->opts = *opts;
    if (r->opts.max_doc_bytes == 0) r->opts.max_doc_bytes = ND_MAX_DOC_BYTES;
    const char *tf = r->opts.text_field, *idf = r->opts.id_field;
    r->opts.text_field = r->opts.id_field = NULL; /* ours are the copies */
    if ((tf && !(r->text_field = nd_strndup(tf, strlen(tf)))) ||
        (idf && !(r->id_field = nd_strndup(idf, strlen(idf))))) {
        nd_reader_free(r);
        return ND_ENOMEM;
    }
    /* Pushed in reverse so they pop in the order given. */
    for (size_t i = npaths; i-- > 0;) {
        char *p = nd_strndup(paths[i], strlen(paths[i]));
        if (!p || push_pending(r, p, 0) != ND_OK) {
            nd_free(p);
            nd_reader_free(r);
            return ND_ENOMEM;
        }
    }
    *out = r;
    return ND_OK;
}

nd_status nd_reader_create(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_reader **out)
{
    if (npaths == 0) return ND_EINVAL;
    return create(opts, paths, npaths, out);
}

void nd_reader_free(nd_reader *r)
{
    if (!r) return;
    nd_rd_end_file(r);
    nd_zin_close(&r->in);
    nd_zin_close(&r->fz);
    if (r->winfile) fclose(r->winfile);
    nd_free(r->text_field);
    nd_free(r->id_field);
    for (size_t i = 0; i < r->nstack; i++)
        nd_free(r->stack[i].path);
    for (size_t i = 0; i < r->nsrc; i++) {
        nd_free(r->src[i].path);
        nd_zindex_clear(&r->src[i].index);
        if (r->src[i].spool) fclose(r->src[i].spool);
        if (r->src[i].dspool) fclose(r->src[i].dspool);
    }
    nd_free(r->stack);
    nd_free(r->src);
    nd_free(r->buf);
    nd_free(r->fetch);
    nd_free(r->fzbuf);
    if (r->fetch_fd >= 0) close(r->fetch_fd);
    nd_free(r->errpath);
    nd_free(r->failpath);
    nd_free(r);
}

size_t nd_reader_nsources(const nd_reader *r)
{
    return r->nsrc;
}

const char *nd_input_format_name(nd_input_format format)
{
    static const char *const names[] = {"auto", "txt", "jsonl", "csv", "tsv", "warc"};
    return (unsigned)format < sizeof names / sizeof *names ? names[format] : "unknown";
}

const char *nd_reader_path(const nd_reader *r, uint32_t source)
{
    return source < r->nsrc ? r->src[source].path : NULL;
}

nd_status nd_reader_source_desc(nd_reader *r, uint32_t source, nd_source_desc *out)
{
    memset(out, 0, sizeof *out);
    if (source >= r->nsrc) return ND_EINVAL;
    const src_file *s = &r->src[source];
    out->format = (nd_input_format)s->format;
    out->compressed = s->zkind != ZK_PLAIN;
    if (!s->spool) {
        out->size = s->size;
        out->mtime_sec = s->mtime_sec;
        out->mtime_nsec = s->mtime_nsec;
        return ND_OK;
    }
    struct stat sb;
    out->stream = 1;
    if (fflush(s->spool) != 0 || fstat(fileno(s->spool), &sb) != 0) return ND_EIO;
    out->size = (uint64_t)sb.st_size;
    return ND_OK;
}

/* ---- directories ------------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Pushes the visible entries of directory `path`, sorted. ND_OK, ND_EIO (r->msg set),
 * ND_ENOMEM. */
static nd_status expand_dir(nd_reader *r, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        snprintf(r->msg, sizeof r->msg, "cannot open directory: %s", strerror(errno));
        return ND_EIO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    nd_status st = ND_OK;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* ".", "..", and hidden files such as .git */
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **p = nd_reallocarray(names, nc, sizeof *p);
            if (!p) {
                st = ND_ENOMEM;
                goto out;
            }
            names = p;
            cap = nc;
        }
        size_t pl = strlen(path), el = strlen(e->d_name);
        int slash = pl > 0 && path[pl - 1] != '/';
        char *full = nd_malloc(pl + (size_t)slash + el + 1);
        if (!full) {
            st = ND_ENOMEM;
            goto out;
        }
        memcpy(full, path, pl);
        if (slash) full[pl] = '/';
        memcpy(full + pl + slash, e->d_name, el + 1);
        names[n++] = full;
    }
    if (n) qsort(names, n, sizeof *names, name_cmp);
    while (n > 0) {
        if ((st = push_pending(r, names[n - 1], 1)) != ND_OK) goto out;
        n--;
    }
out:
    for (size_t i = 0; i < n; i++)
        nd_free(names[i]);
    nd_free(names);
    closedir(d);
    return st;
}

/* ---- opening files ---------------------------------------------------------------- */

/* The format a file's name gives (its extension, any case, after a .gz or .zst suffix), or
 * ND_INPUT_AUTO when the name says nothing. *zext: the name ends in .gz or .zst. */
static nd_input_format format_by_name(const char *path, int *zext)
{
    size_t n = strlen(path);
    *zext = 0;
    if (ends_with(path, ".gz"))
        n -= 3, *zext = 1;
    else if (ends_with(path, ".zst"))
        n -= 4, *zext = 1;
    static const struct {
        const char *ext;
        nd_input_format f;
    } exts[] = {{".txt", ND_INPUT_TXT}, {".jsonl", ND_INPUT_JSONL}, {".csv", ND_INPUT_CSV},
                {".tsv", ND_INPUT_TSV}, {".warc", ND_INPUT_WARC},   {".wet", ND_INPUT_WARC}};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i].ext);
        if (n >= m && strncasecmp(path + n - m, exts[i].ext, m) == 0) return exts[i].f;
    }
    return ND_INPUT_AUTO;
}

/* The format of the open file from its first bytes (in r->buf): JSON Lines when the first
 * non-blank byte (after a byte-order mark) is '{', WARC when it starts with "WARC/", else
 * one article. */
static nd_input_format sniff_format(const nd_reader *r)
{
    size_t i = r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    if (r->len - i >= 5 && memcmp(r->buf + i, "WARC/", 5) == 0) return ND_INPUT_WARC;
    while (i < r->len && strchr(" \t\r\n", r->buf[i]))
        i++;
    return i < r->len && r->buf[i] == '{' ? ND_INPUT_JSONL : ND_INPUT_TXT;
}

/* At the end of a CSV or WARC file that gave neither a document nor an error: a note that
 * says so (ND_OK), so that a file is never passed over in silence; else ND_END. Closes the
 * file. */
static nd_status end_of_file(nd_reader *r, nd_record *out)
{
    int mode = r->mode, any = r->any;
    uint32_t si = r->cur;
    nd_rd_end_file(r);
    if (any || (mode != MODE_CSV && mode != MODE_WARC)) return ND_END;
    if (mode == MODE_CSV) {
        snprintf(r->msg, sizeof r->msg, "no rows after the header");
    } else {
        uint64_t other = r->counts.warc_records - r->warc_base_records;
        snprintf(r->msg, sizeof r->msg,
                 "no conversion or text resource records (read %llu WARC records of other types)",
                 (unsigned long long)other);
    }
    nd_rd_error(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_OK, ND_REC_NOTE);
    return ND_OK;
}

/* Starts cutting the open file into WARC records; the first record, or ND_END. */
static nd_status start_warc(nd_reader *r, nd_record *out)
{
    uint32_t si = r->cur;
    const char *path = r->src[si].path;
    if (r->len == 0 || nd_rd_sniff_not_utf8(r, r->buf, r->len)) {
        if (r->len == 0)
            snprintf(r->msg, sizeof r->msg, "%s", r->in.status ? r->in.msg : "empty file");
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET,
                    r->len         ? ND_EBINARY
                    : r->in.status ? ND_EIO
                                   : ND_EEMPTY,
                    ND_REC_ERROR);
        nd_rd_end_file(r);
        return ND_OK;
    }
    r->mode = MODE_WARC;
    r->warc_base_records = r->counts.warc_records;
    nd_status st = nd_rd_next_warc(r, out);
    return st == ND_END ? end_of_file(r, out) : st;
}

/* Opens fd as a new source named `name` and cuts its first record into out. stream: a pipe,
 * device or standard input (spooled for fetching). fmt: from the option or the name, or
 * ND_INPUT_AUTO to decide from the first bytes (sniff) or, for a plain file, one article.
 * Takes fd (closes it unless it is standard input). */
static nd_status open_source(nd_reader *r, const char *name, int fd, int stream,
                             nd_input_format fmt, int sniff, nd_record *out)
{
    FILE *spool = NULL;
    if (stream && !(spool = tmpfile())) {
        snprintf(r->msg, sizeof r->msg, "cannot create a temporary file: %s", strerror(errno));
        if (fd != STDIN_FILENO) close(fd);
        return path_record(r, out, name, ND_EIO, ND_REC_ERROR);
    }
    uint32_t si;
    nd_status st = add_source(r, name, &si);
    if (st != ND_OK) {
        if (spool) fclose(spool);
        if (fd != STDIN_FILENO) close(fd);
        return st;
    }
    src_file *s = &r->src[si];
    s->spool = spool;
    struct stat sb;
    if (!stream && fstat(fd, &sb) == 0) { /* what clean checks before it reads it again */
        s->size = (uint64_t)sb.st_size;
        s->mtime_sec = (int64_t)sb.st_mtim.tv_sec;
        s->mtime_nsec = sb.st_mtim.tv_nsec;
    }
    nd_zin_close(&r->in);
    st = nd_zin_open(&r->in, fd, spool, &s->index, NULL);
    /* Standard input is never closed; a file that got descriptor 0 (standard input was
     * closed) is. */
    r->close_fd = fd != STDIN_FILENO || strcmp(name, STDIN_NAME) != 0;
    r->cur = si;
    r->pos = r->len = 0;
    r->base = 0;
    r->line = 1;
    r->eof = r->have_last = r->any = 0;
    if (st == ND_OK && r->in.kind == ZK_GZIP && !r->winfile)
        r->winfile = tmpfile(); /* without one, fetching restarts from member starts only */
    r->in.winfile = r->in.kind == ZK_GZIP ? r->winfile : NULL;
    s->zkind = (unsigned char)r->in.kind;
    if (st == ND_OK && s->zkind != ZK_PLAIN) s->dspool = nd_rd_dspool_open(r);
    if (s->dspool) {
        r->in.dcopy = s->dspool;
        r->in.dcopy_room = r->dspool_budget - r->dspool_total;
    }
    /* Decompression on a thread of its own (stream.c); not for a stream, where it could
     * block in a read that nobody is waiting for. zstd is decoded through the read-ahead's
     * ring either way (buffer-less: the same bytes and failures), on this thread then. */
    int thread = !stream && !r->opts.no_readahead;
    if (st == ND_OK && r->in.status == ND_OK &&
        (s->zkind == ZK_ZSTD || (s->zkind != ZK_PLAIN && thread)))
        st = nd_zin_ahead(&r->in, thread);
    if (st != ND_OK || nd_rd_fill(r) == -2) {
        nd_rd_end_file(r);
        return ND_ENOMEM;
    }
    if (fmt == ND_INPUT_AUTO) fmt = sniff || s->zkind != ZK_PLAIN ? sniff_format(r) : ND_INPUT_TXT;
    s->format = (unsigned char)fmt;
    if (fmt == ND_INPUT_CSV || fmt == ND_INPUT_TSV) {
        st = nd_rd_start_csv(r, out);
        return st == ND_END ? end_of_file(r, out) : st;
    }
    if (fmt == ND_INPUT_WARC) return start_warc(r, out);
    if (fmt == ND_INPUT_JSONL) {
        st = nd_rd_start_jsonl(r, out);
        if (st != ND_END || r->end != UINT64_MAX) return st; /* (a part: the note is the file's) */
        snprintf(r->msg, sizeof r->msg,
                 stream ? "empty input" : "no JSON lines (only blank lines)");
        nd_rd_error(r, out, s->path, si, ND_NO_LINE, ND_NO_OFFSET, stream ? ND_EEMPTY : ND_OK,
                    stream ? ND_REC_ERROR : ND_REC_NOTE);
        return ND_OK;
    }
    return nd_rd_text_record(r, out);
}

/* A planned leaf that cannot be read here (the message is r->msg): the run fails. */
static nd_status fail(nd_reader *r, const char *path)
{
    nd_free(r->failpath);
    r->failpath = nd_strndup(path, strlen(path));
    return r->failpath ? ND_EIO : ND_ENOMEM;
}

const char *nd_reader_failure(const nd_reader *r, const char **message)
{
    *message = r->msg;
    return r->failpath ? r->failpath : "";
}

/* The bytes [0, n) of fd at offset at, retrying interrupted reads: the count, or -1. */
static ssize_t pread_full(int fd, char *p, size_t n, uint64_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, p + got, n - got, (off_t)(at + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/*
 * Opens part p of a plain JSON Lines file that starts inside it (fd open, sb its stat): the
 * lines that start in [p->start, p->end). The file's start is checked as the first part
 * checks it (not UTF-8 text, a NUL byte in its first line): a file rejected there gives
 * nothing here (the first part reports it). The lines before the part are counted, so that
 * its records have the file's line numbers. ND_OK with the first record, ND_END when none
 * starts in the range, ND_EIO (fail), ND_ENOMEM. Takes fd.
 */
static nd_status open_continuation(nd_reader *r, const pending *p, int fd, const struct stat *sb,
                                   nd_record *out)
{
    uint32_t si;
    nd_status st = add_source(r, p->path, &si);
    if (st == ND_OK) st = nd_rd_reserve(r, CHUNK);
    if (st != ND_OK) {
        close(fd);
        return st;
    }
    if (si == 0) r->continues = 1;
    src_file *s = &r->src[si];
    s->size = (uint64_t)sb->st_size;
    s->mtime_sec = (int64_t)sb->st_mtim.tv_sec;
    s->mtime_nsec = sb->st_mtim.tv_nsec;
    s->format = ND_INPUT_JSONL;
    s->zkind = ZK_PLAIN;
    ssize_t n = pread_full(fd, r->buf, BINARY_PROBE, 0);
    if (n < 0) {
        snprintf(r->msg, sizeof r->msg, "cannot read: %s", strerror(errno));
        close(fd);
        return fail(r, p->path);
    }
    const char *nl = memchr(r->buf, '\n', (size_t)n);
    if (n == 0 || nd_rd_sniff_not_utf8(r, r->buf, (size_t)n) ||
        memchr(r->buf, '\0', nl ? (size_t)(nl - r->buf) : (size_t)n)) {
        close(fd);
        return ND_END;
    }
    /* Newlines before byte start - 1, then the first one at or after it: the part's first
     * line starts just after it. */
    uint64_t lines = 0, at = 0, begin = UINT64_MAX, cut = p->start - 1;
    while (begin == UINT64_MAX) {
        ssize_t k = pread_full(fd, r->buf, CHUNK, at);
        if (k < 0) {
            snprintf(r->msg, sizeof r->msg, "cannot read: %s", strerror(errno));
            close(fd);
            return fail(r, p->path);
        }
        if (k == 0) break;
        size_t before = at >= cut ? 0 : cut - at < (uint64_t)k ? (size_t)(cut - at) : (size_t)k;
        for (const char *q = r->buf, *e = r->buf + before; (q = memchr(q, '\n', (size_t)(e - q)));)
            lines++, q++;
        if (before < (size_t)k) {
            const char *q = memchr(r->buf + before, '\n', (size_t)k - before);
            if (q) begin = at + (uint64_t)(q - r->buf) + 1, lines++;
        }
        at += (uint64_t)k;
    }
    if (begin >= p->end || begin >= s->size || lseek(fd, (off_t)begin, SEEK_SET) < 0) {
        close(fd);
        return ND_END;
    }
    nd_zin_close(&r->in);
    if (nd_zin_open_plain(&r->in, fd) != ND_OK) {
        close(fd);
        return ND_ENOMEM;
    }
    r->close_fd = 1;
    r->cur = si;
    r->pos = r->len = 0;
    r->base = begin;
    r->line = lines + 1;
    r->eof = r->have_last = r->any = 0;
    r->mode = MODE_LINES;
    if (nd_rd_fill(r) == -2) {
        nd_rd_end_file(r);
        return ND_ENOMEM;
    }
    st = nd_rd_next_line(r, out);
    if (st == ND_END) nd_rd_end_file(r);
    return st;
}

/* Opens file p (stat'ed as sb) and reads its first record into out. */
static nd_status open_file(nd_reader *r, const pending *p, const struct stat *sb, nd_record *out)
{
    int zext;
    nd_input_format named = format_by_name(p->path, &zext);
    if (p->from_dir && named == ND_INPUT_AUTO) {
        snprintf(
            r->msg, sizeof r->msg,
            "ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)");
        return path_record(r, out, p->path, ND_OK, ND_REC_NOTE);
    }
    nd_input_format fmt = r->opts.format != ND_INPUT_AUTO ? r->opts.format : named;
    int fd = open(p->path, O_RDONLY);
    if (fd < 0) {
        snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
        if (p->planned && p->kind != ND_LEAF_OTHER) return fail(r, p->path);
        return path_record(r, out, p->path, ND_EIO, ND_REC_ERROR);
    }
    if (p->planned && p->start > 0) return open_continuation(r, p, fd, sb, out);
    /* A pipe or device is read as a stream, like standard input. A name that says nothing
     * is one article, unless the data is compressed (then its first bytes decide). */
    return open_source(r, p->path, fd, !S_ISREG(sb->st_mode), fmt, zext, out);
}

/* What a file that is neither regular nor a directory is, for messages. */
static const char *file_type(mode_t m)
{
    if (S_ISFIFO(m)) return "FIFO";
    if (S_ISSOCK(m)) return "socket";
    if (S_ISCHR(m)) return "character device";
    if (S_ISBLK(m)) return "block device";
    return "special file";
}

/* Visits pending path p: a record goes to out (ND_OK), or ND_END when p gave none (a
 * directory, whose entries are now pending), or ND_ENOMEM. */
static nd_status visit(nd_reader *r, const pending *p, nd_record *out)
{
    r->end = p->planned ? p->end : UINT64_MAX;
    if (strcmp(p->path, "-") == 0 && !p->from_dir) {
        if (r->stdin_closed) {
            snprintf(r->msg, sizeof r->msg, "standard input is closed");
            return path_record(r, out, STDIN_NAME, ND_EIO, ND_REC_ERROR);
        }
        return open_source(r, STDIN_NAME, STDIN_FILENO, 1, r->opts.format, 1, out);
    }
    struct stat sb, lsb;
    int listed_file = p->planned && p->kind != ND_LEAF_OTHER;
    if (stat(p->path, &sb) != 0) {
        snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
        if (listed_file) return fail(r, p->path);
        return path_record(r, out, p->path, ND_EIO, ND_REC_ERROR);
    }
    if (listed_file && (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != p->size)) {
        snprintf(r->msg, sizeof r->msg,
                 "not the file rank 0 listed (a regular file of %llu bytes): a shared filesystem "
                 "is assumed",
                 (unsigned long long)p->size);
        return fail(r, p->path);
    }
    if (p->from_dir && !S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode)) {
        /* Never opened: opening a FIFO blocks until a writer comes, a device may never end.
         * Named on the command line, it is read as a stream (open_file). */
        snprintf(r->msg, sizeof r->msg, "not a regular file (%s); skipped", file_type(sb.st_mode));
        return path_record(r, out, p->path, ND_OK, ND_REC_NOTE);
    }
    if (!S_ISDIR(sb.st_mode)) return open_file(r, p, &sb, out);
    if (p->from_dir && lstat(p->path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
        snprintf(r->msg, sizeof r->msg,
                 "symbolic link to a directory not followed (name it to read it)");
        return path_record(r, out, p->path, ND_OK, ND_REC_NOTE);
    }
    nd_status st = expand_dir(r, p->path);
    if (st == ND_EIO) return path_record(r, out, p->path, ND_EIO, ND_REC_ERROR);
    if (st == ND_OK && p->planned) { /* listed as unreadable, or as no directory */
        snprintf(r->msg, sizeof r->msg,
                 "a directory here, not where rank 0 listed the input: a shared filesystem is "
                 "assumed");
        return fail(r, p->path);
    }
    return st == ND_OK ? ND_END : st;
}

nd_status nd_reader_next(nd_reader *r, nd_record *out)
{
    for (;;) {
        if (r->mode != MODE_NONE) {
            nd_status st = r->mode == MODE_CSV    ? nd_rd_next_csv(r, out)
                           : r->mode == MODE_WARC ? nd_rd_next_warc(r, out)
                                                  : nd_rd_next_line(r, out);
            if (st != ND_END) return st;
            if (end_of_file(r, out) == ND_OK) return ND_OK;
        }
        if (r->nstack == 0) return ND_END;
        pending p = r->stack[--r->nstack];
        nd_status st = visit(r, &p, out);
        nd_free(p.path);
        if (st != ND_END) return st;
    }
}

/* ---- fetching a record again ----------------------------------------------------------- */

/* A descriptor to read source si from: its spool, or the file (kept open for the next
 * fetch). -1 when it cannot be opened. */
static int source_fd(nd_reader *r, uint32_t si)
{
    const src_file *s = &r->src[si];
    if (s->dspool) {
        fflush(s->dspool);
        return fileno(s->dspool);
    }
    if (s->spool) {
        fflush(s->spool);
        return fileno(s->spool);
    }
    if (r->fetch_fd >= 0 && r->fetch_src == si) return r->fetch_fd;
    if (r->fetch_fd >= 0) close(r->fetch_fd);
    r->fetch_fd = open(s->path, O_RDONLY);
    r->fetch_src = si;
    return r->fetch_fd;
}

/* Points *data at len decompressed bytes at offset of compressed source si. The cursor
 * decompresses in CHUNK-sized steps into r->fzbuf and keeps the last step, so records
 * fetched in increasing order cost one decompression in all, copied once. */
static nd_status fetch_compressed(nd_reader *r, uint32_t si, int fd, uint64_t offset, size_t len,
                                  const char **data)
{
    const src_file *s = &r->src[si];
    if (r->fz_src != si || r->fz.fd != fd) {
        nd_zin_close(&r->fz);
        r->fz_src = UINT32_MAX;
        nd_status st = nd_zin_open_fetch(&r->fz, fd, s->zkind);
        if (st != ND_OK) return st;
        r->fz_src = si;
        r->fzlen = 0;
    }
    if (!(r->fz.status == ND_OK && offset >= r->fzbase && offset <= r->fz.out)) {
        nd_status st = nd_zin_position(&r->fz, &s->index, r->winfile, offset);
        if (st != ND_OK) return st;
        r->fzbase = r->fz.out;
        r->fzlen = 0;
    }
    assert(r->fzbase <= offset && r->fzbase + r->fzlen == r->fz.out);
    while (r->fzbase + r->fzlen < offset + len) {
        /* Keep only what the record needs, then decompress the next step behind it. */
        uint64_t drop = offset - r->fzbase < r->fzlen ? offset - r->fzbase : r->fzlen;
        if (drop && r->fzlen > drop) memmove(r->fzbuf, r->fzbuf + drop, r->fzlen - (size_t)drop);
        r->fzlen -= (size_t)drop;
        r->fzbase += drop;
        size_t need = r->fzlen + (len > CHUNK ? len : CHUNK);
        if (need > r->fzcap) {
            char *b = nd_reallocarray(r->fzbuf, need, 1);
            if (!b) return ND_ENOMEM;
            r->fzbuf = b;
            r->fzcap = need;
        }
        uint64_t want = r->fzcap - r->fzlen;
        if (r->fzbase + r->fzlen < offset && offset - (r->fzbase + r->fzlen) < want)
            want = offset - (r->fzbase + r->fzlen); /* do not step past the record's start */
        ptrdiff_t k = nd_zin_read(&r->fz, r->fzbuf + r->fzlen, (size_t)want);
        if (k <= 0) return r->fz.status == ND_ENOMEM ? ND_ENOMEM : ND_ECHANGED;
        r->fzlen += (size_t)k;
        if (r->fzbase + r->fzlen <= offset) { /* all before the record: drop it */
            r->fzbase += r->fzlen;
            r->fzlen = 0;
        }
    }
    *data = r->fzbuf + (offset - r->fzbase);
    return ND_OK;
}

nd_status nd_reader_fetch(nd_reader *r, uint32_t si, uint64_t offset, size_t len, uint64_t line,
                          nd_record *out)
{
    if (si >= r->nsrc) return ND_EINVAL;
    if (len + 1 > r->fetch_cap) {
        size_t cap = len + 1 > 4096 ? len + 1 : 4096;
        char *b = nd_reallocarray(r->fetch, cap, 1);
        if (!b) return ND_ENOMEM;
        r->fetch = b;
        r->fetch_cap = cap;
    }
    if (r->in.fd >= 0) { /* a file being read: its read-ahead stops while we read */
        nd_zin_pause(&r->in);
        nd_rd_settle_dspool(r);
    }
    const src_file *s = &r->src[si];
    int fd = source_fd(r, si);
    if (fd < 0) return ND_EIO;
    const char *data = r->fetch;
    if (s->zkind != ZK_PLAIN && !s->dspool) {
        nd_status st = fetch_compressed(r, si, fd, offset, len, &data);
        if (st != ND_OK) return st;
    } else {
        size_t got = 0;
        while (got < len) {
            ssize_t k = pread(fd, r->fetch + got, len - got, (off_t)(offset + got));
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            got += (size_t)k;
        }
        if (got < len) return ND_ECHANGED;
    }
    nd_rd_set_record(out, ND_REC_DOC, s->path, si, line, offset);
    out->format = s->format;
    out->json = s->format == ND_INPUT_JSONL;
    out->text_col = s->text_col;
    out->id_col = s->id_col;
    out->data = data;
    out->len = len;
    return ND_OK;
}

/* ---- shares of a distributed pass 1 (input_share.h) --------------------------------------- */

nd_status nd_leaves_push(nd_leaves *l, const char *path, size_t len, unsigned from_dir,
                         unsigned kind, uint64_t size)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        nd_leaf *v = nd_reallocarray(l->v, cap, sizeof *v);
        if (!v) return ND_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    char *p = nd_strndup(path, len);
    if (!p) return ND_ENOMEM;
    l->v[l->n++] = (nd_leaf){p, (unsigned char)from_dir, (unsigned char)kind, size};
    return ND_OK;
}

void nd_leaves_clear(nd_leaves *l)
{
    for (size_t i = 0; i < l->n; i++)
        nd_free(l->v[i].path);
    nd_free(l->v);
    memset(l, 0, sizeof *l);
}

/* What leaf p (stat'ed as sb, a file) is: a regular file, one that may be cut (plain JSON
 * Lines by option or by name, no compression magic), or a stream. A file that cannot be
 * opened here is "other": an error record where it is read, as in one process. */
static unsigned leaf_kind(const nd_reader *r, const pending *p, const struct stat *sb)
{
    if (!S_ISREG(sb->st_mode)) return ND_LEAF_STREAM;
    int zext;
    nd_input_format named = format_by_name(p->path, &zext);
    if (p->from_dir && named == ND_INPUT_AUTO) return ND_LEAF_OTHER; /* noted, not read */
    nd_input_format fmt = r->opts.format != ND_INPUT_AUTO ? r->opts.format : named;
    unsigned char m[4] = {0};
    int fd = open(p->path, O_RDONLY);
    if (fd < 0) return ND_LEAF_OTHER;
    if (fmt != ND_INPUT_JSONL || zext) {
        close(fd);
        return ND_LEAF_FILE;
    }
    ssize_t n = pread_full(fd, (char *)m, sizeof m, 0);
    close(fd);
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return ND_LEAF_FILE;
    if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0) return ND_LEAF_FILE;
    return ND_LEAF_SPLIT;
}

nd_status nd_reader_leaves(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_leaves *out)
{
    nd_reader *r;
    nd_status st = nd_reader_create(opts, paths, npaths, &r);
    while (st == ND_OK && r->nstack) {
        pending p = r->stack[--r->nstack];
        struct stat sb, lsb;
        unsigned kind = ND_LEAF_OTHER;
        uint64_t size = 0;
        int leaf = 1;
        if (strcmp(p.path, "-") == 0 && !p.from_dir) {
            kind = ND_LEAF_STREAM;
        } else if (stat(p.path, &sb) != 0 ||
                   (p.from_dir && !S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))) {
            kind = ND_LEAF_OTHER;
        } else if (!S_ISDIR(sb.st_mode)) {
            kind = leaf_kind(r, &p, &sb);
            if (kind == ND_LEAF_FILE || kind == ND_LEAF_SPLIT) size = (uint64_t)sb.st_size;
        } else if (!(p.from_dir && lstat(p.path, &lsb) == 0 && S_ISLNK(lsb.st_mode))) {
            st = expand_dir(r, p.path);
            leaf = st == ND_EIO; /* an error record where it is read */
            if (st == ND_EIO) st = ND_OK;
        }
        if (st == ND_OK && leaf)
            st = nd_leaves_push(out, p.path, strlen(p.path), p.from_dir, kind, size);
        nd_free(p.path);
    }
    nd_reader_free(r);
    return st;
}

nd_status nd_reader_create_parts(const nd_reader_opts *opts, const nd_leaves *leaves,
                                 const nd_part *parts, size_t nparts, nd_reader **out)
{
    nd_reader *r;
    nd_status st = create(opts, NULL, 0, &r);
    if (st != ND_OK) return st;
    for (size_t i = nparts; i-- > 0;) { /* pushed in reverse: they pop in order */
        const nd_leaf *l = &leaves->v[parts[i].leaf];
        char *p = nd_strndup(l->path, strlen(l->path));
        if (!p || push_pending(r, p, l->from_dir) != ND_OK) {
            nd_free(p);
            nd_reader_free(r);
            return ND_ENOMEM;
        }
        pending *q = &r->stack[r->nstack - 1];
        q->planned = 1;
        q->kind = l->kind;
        q->size = l->size;
        q->start = parts[i].start;
        q->end = parts[i].end;
    }
    *out = r;
    return ND_OK;
}

void nd_reader_source_meta(const nd_reader *r, uint32_t source, nd_src_meta *out)
{
    const src_file *s = &r->src[source];
    *out = (nd_src_meta){s->path,   s->format, s->zkind,     s->text_col,
                         s->id_col, s->size,   s->mtime_sec, s->mtime_nsec};
}

nd_status nd_reader_source_add(nd_reader *r, const nd_src_meta *m, uint32_t *idx)
{
    nd_status st = add_source(r, m->path, idx);
    if (st != ND_OK) return st;
    src_file *s = &r->src[*idx];
    s->format = m->format;
    s->zkind = m->zkind;
    s->text_col = m->text_col;
    s->id_col = m->id_col;
    s->size = m->size;
    s->mtime_sec = m->mtime_sec;
    s->mtime_nsec = m->mtime_nsec;
    return ND_OK;
}

void nd_reader_add_counts(nd_reader *r, const nd_input_counts *c)
{
    r->counts.warc_records += c->warc_records;
    r->counts.warc_docs += c->warc_docs;
    for (int i = 0; i < ND_WARC_NTYPES; i++)
        r->counts.warc_skipped[i] += c->warc_skipped[i];
}

int nd_reader_continues(const nd_reader *r)
{
    return r->continues;
}
