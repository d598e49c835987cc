/*
 * input.c - the reader (paths to raw records) and the decoder (records to documents).
 *
 * Reader: a stack of pending paths, visited depth-first; a directory's entries are pushed
 * in reverse byte-wise order so they pop sorted. A text file is read whole (it is one
 * article, bounded by the size limit). A JSON Lines file is read through one buffer of
 * CHUNK bytes that grows only to hold the longest line under the limit; a longer line is
 * reported and skipped without being held in memory. Streams (standard input, pipes) are
 * copied to an unlinked temporary file as they are read so their records can be fetched
 * again.
 *
 * Decoder: cJSON parses one line; the text and id fields are looked up by name.
 */
#include "neardup/input.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

#define CHUNK ((size_t)1 << 20)
#define BINARY_PROBE 8192u
#define STDIN_NAME "<stdin>"

typedef struct pending {
    char *path;
    unsigned char from_dir; /* found in a directory: only .txt / .jsonl are taken */
} pending;

typedef struct src_file {
    char *path;
    unsigned char json;
    FILE *spool;       /* streams: a copy of everything read, for nd_reader_fetch */
    uint64_t size;     /* regular files: st_size when opened */
    int64_t mtime_sec; /* ... and st_mtim */
    long mtime_nsec;
} src_file;

struct nd_reader {
    nd_reader_opts opts;
    pending *stack;
    size_t nstack, capstack;
    src_file *src;
    size_t nsrc, capsrc;

    /* The JSON Lines file being read (fd >= 0), or none. */
    int fd;
    uint32_t cur; /* its source index */
    char *buf;    /* bytes [pos, len) not yet consumed */
    size_t pos, len, cap;
    uint64_t base; /* file offset of buf[0] */
    uint64_t line; /* line number of buf[pos] */
    int eof;

    char *fetch;
    size_t fetch_cap;
    int fetch_fd; /* the last file fetched from, kept open for the next fetch */
    uint32_t fetch_src;
    char msg[512];
    char *errpath; /* path of an error record that has no source */
};

/* ---- small helpers ---------------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
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
    r->stack[r->nstack].path = path;
    r->stack[r->nstack].from_dir = from_dir;
    r->nstack++;
    return ND_OK;
}

static nd_status add_source(nd_reader *r, const char *path, unsigned char json, uint32_t *idx)
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
    r->src[r->nsrc].json = json;
    *idx = (uint32_t)r->nsrc++;
    return ND_OK;
}

static nd_status reserve_buf(nd_reader *r, size_t need)
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

/* read() that retries on EINTR and fills up to n bytes unless at end of file. */
static ssize_t read_full(int fd, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

static void set_record(nd_record *out, nd_record_kind kind, const char *path, uint32_t source,
                       uint64_t line, uint64_t offset)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->path = path;
    out->source = source;
    out->line = line;
    out->offset = offset;
}

static void error_record(nd_reader *r, nd_record *out, const char *path, uint32_t source,
                         uint64_t line, uint64_t offset, nd_status st, nd_record_kind kind)
{
    set_record(out, kind, path, source, line, offset);
    out->status = st;
    out->message = r->msg;
}

/* ---- create / free ---------------------------------------------------------------- */

nd_status nd_reader_create(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_reader **out)
{
    if (npaths == 0) return ND_EINVAL;
    nd_reader *r = nd_calloc(1, sizeof *r);
    if (!r) return ND_ENOMEM;
    r->fd = -1;
    r->fetch_fd = -1;
    if (opts) r->opts = *opts;
    if (r->opts.max_doc_bytes == 0) r->opts.max_doc_bytes = ND_MAX_DOC_BYTES;
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

void nd_reader_free(nd_reader *r)
{
    if (!r) return;
    if (r->fd > STDIN_FILENO) close(r->fd);
    for (size_t i = 0; i < r->nstack; i++)
        nd_free(r->stack[i].path);
    for (size_t i = 0; i < r->nsrc; i++) {
        nd_free(r->src[i].path);
        if (r->src[i].spool) fclose(r->src[i].spool);
    }
    nd_free(r->stack);
    nd_free(r->src);
    nd_free(r->buf);
    nd_free(r->fetch);
    if (r->fetch_fd >= 0) close(r->fetch_fd);
    nd_free(r->errpath);
    nd_free(r);
}

size_t nd_reader_nsources(const nd_reader *r)
{
    return r->nsrc;
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
    out->format = s->json ? ND_INPUT_JSONL : ND_INPUT_TXT;
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

/* ---- whole-file records ------------------------------------------------------------ */

/* Reads the rest of fd into r->buf after the *len bytes already there, keeping at most
 * max bytes; *too_big is set when there were more. Copies what it reads to spool when
 * given. ND_OK, ND_EIO or ND_ENOMEM. */
static nd_status slurp(nd_reader *r, int fd, FILE *spool, size_t *len, int *too_big)
{
    size_t max = r->opts.max_doc_bytes, n = *len;
    *too_big = n > max;
    for (;;) {
        if (n > max) { /* keep draining (streams) without storing */
            char tmp[4096];
            ssize_t k = read_full(fd, tmp, sizeof tmp);
            if (k < 0) return ND_EIO;
            if (k == 0) break;
            continue;
        }
        if (reserve_buf(r, n + CHUNK) != ND_OK) return ND_ENOMEM;
        ssize_t k = read_full(fd, r->buf + n, CHUNK);
        if (k < 0) return ND_EIO;
        if (spool && k > 0 && fwrite(r->buf + n, 1, (size_t)k, spool) != (size_t)k) return ND_EIO;
        n += (size_t)k;
        if ((size_t)k < CHUNK) break;
    }
    if (n > max) {
        *too_big = 1;
        n = max;
    }
    *len = n;
    return ND_OK;
}

/* One text file (or a stream of one article) as one record. */
static nd_status text_record(nd_reader *r, uint32_t si, int fd, FILE *spool, size_t have, int eof,
                             nd_record *out)
{
    const char *path = r->src[si].path;
    size_t n = have;
    int too_big = 0;
    nd_status st = eof ? ND_OK : slurp(r, fd, spool, &n, &too_big);
    if (eof && n > r->opts.max_doc_bytes) too_big = 1;
    if (st == ND_EIO) {
        snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
        error_record(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    if (st != ND_OK) return st;
    if (too_big) {
        snprintf(r->msg, sizeof r->msg, "file is larger than the %zu-byte limit (--max-bytes)",
                 r->opts.max_doc_bytes);
        error_record(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_ETOOBIG, ND_REC_ERROR);
        return ND_OK;
    }
    if (n == 0) {
        snprintf(r->msg, sizeof r->msg, "empty file");
        error_record(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY, ND_REC_ERROR);
        return ND_OK;
    }
    const char *nul = memchr(r->buf, '\0', n);
    if (nul) {
        snprintf(r->msg, sizeof r->msg, "binary file (a NUL byte)");
        error_record(r, out, path, si, ND_NO_LINE, (uint64_t)(nul - r->buf), ND_EBINARY,
                     ND_REC_ERROR);
        return ND_OK;
    }
    set_record(out, ND_REC_DOC, path, si, 1, 0);
    out->data = r->buf;
    out->len = n;
    return ND_OK;
}

/* ---- JSON Lines --------------------------------------------------------------------- */

/* Reads more of the current file into buf after compacting it. 0 ok, -1 read error. */
static int fill(nd_reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (reserve_buf(r, r->len + CHUNK) != ND_OK) return -2;
    ssize_t k = read_full(r->fd, r->buf + r->len, CHUNK);
    if (k < 0) return -1;
    FILE *spool = r->src[r->cur].spool;
    if (spool && k > 0 && fwrite(r->buf + r->len, 1, (size_t)k, spool) != (size_t)k) return -1;
    if ((size_t)k < CHUNK) r->eof = 1;
    r->len += (size_t)k;
    return 0;
}

static void end_jsonl(nd_reader *r)
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
static nd_status next_line(nd_reader *r, nd_record *out)
{
    const char *path = r->src[r->cur].path;
    size_t max = r->opts.max_doc_bytes;
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (!nl && !r->eof) {
            if (r->len - r->pos > max) {
                /* Over the limit: report, then discard up to the end of the line. */
                uint64_t line = r->line, off = r->base + r->pos;
                for (;;) {
                    r->pos = r->len;
                    int f = fill(r);
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
                error_record(r, out, path, r->cur, line, off, ND_ETOOBIG, ND_REC_ERROR);
                return ND_OK;
            }
            int f = fill(r);
            if (f == -2) return ND_ENOMEM;
            if (f < 0) {
                snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
                error_record(r, out, path, r->cur, r->line, r->base + r->pos, ND_EIO, ND_REC_ERROR);
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
            error_record(r, out, path, r->cur, line, off, ND_ETOOBIG, ND_REC_ERROR);
            return ND_OK;
        }
        const char *nul = memchr(start, '\0', n);
        if (nul) {
            snprintf(r->msg, sizeof r->msg, "NUL byte at column %zu (binary data); skipped",
                     (size_t)(nul - start) + 1);
            error_record(r, out, path, r->cur, line, off, ND_EBINARY, ND_REC_ERROR);
            return ND_OK;
        }
        set_record(out, ND_REC_DOC, path, r->cur, line, off);
        out->json = 1;
        out->data = start;
        out->len = n;
        return ND_OK;
    }
}

/* Starts reading fd as JSON Lines; the first record (or END) goes to out. */
static nd_status start_jsonl(nd_reader *r, uint32_t si, int fd, nd_record *out)
{
    r->fd = fd;
    r->cur = si;
    r->pos = r->len = 0;
    r->base = 0;
    r->line = 1;
    r->eof = 0;
    int f = fill(r);
    if (f == -2) return ND_ENOMEM;
    const char *path = r->src[si].path;
    if (f < 0) {
        snprintf(r->msg, sizeof r->msg, "read error: %s", strerror(errno));
        end_jsonl(r);
        error_record(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    if (r->len == 0) {
        end_jsonl(r);
        snprintf(r->msg, sizeof r->msg, "empty file");
        error_record(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY, ND_REC_ERROR);
        return ND_OK;
    }
    /* A binary file: a NUL byte in its first line (within the first 8 KiB). A NUL further
     * on only costs the line it is in. */
    size_t probe = r->len < BINARY_PROBE ? r->len : BINARY_PROBE;
    const char *nl = memchr(r->buf, '\n', probe);
    const char *nul = memchr(r->buf, '\0', nl ? (size_t)(nl - r->buf) : probe);
    if (nul) {
        end_jsonl(r);
        snprintf(r->msg, sizeof r->msg, "binary file (a NUL byte)");
        error_record(r, out, path, si, ND_NO_LINE, (uint64_t)(nul - r->buf), ND_EBINARY,
                     ND_REC_ERROR);
        return ND_OK;
    }
    if (r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) r->pos = 3; /* a byte-order mark */
    nd_status st = next_line(r, out);
    if (st == ND_END) end_jsonl(r);
    return st;
}

/* ---- the main loop -------------------------------------------------------------------- */

/* Opens a stream (stdin, a pipe) as a spooled source and reads its first record. */
static nd_status open_stream(nd_reader *r, const char *name, int fd, unsigned char force_json,
                             nd_record *out)
{
    FILE *spool = tmpfile();
    uint32_t si;
    if (!spool) {
        snprintf(r->msg, sizeof r->msg, "cannot create a temporary file: %s", strerror(errno));
        if (fd > STDIN_FILENO) close(fd);
        error_record(r, out, name, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_EIO, ND_REC_ERROR);
        return ND_OK;
    }
    nd_status st = add_source(r, name, 0, &si);
    if (st != ND_OK) {
        fclose(spool);
        if (fd > STDIN_FILENO) close(fd);
        return st;
    }
    r->src[si].spool = spool;
    int json = force_json;
    if (r->opts.format == ND_INPUT_AUTO) {
        /* Sniff: JSON Lines if the first non-blank byte is '{'. */
        r->cur = si;
        r->fd = fd;
        r->pos = r->len = 0;
        r->base = 0;
        r->eof = 0;
        int f = fill(r);
        if (f == -2) return ND_ENOMEM;
        size_t i = 0;
        while (i < r->len && strchr(" \t\r\n", r->buf[i]))
            i++;
        json = i < r->len && r->buf[i] == '{';
        r->src[si].json = (unsigned char)json;
        if (json) {
            r->line = 1;
            nd_status s2 = next_line(r, out);
            if (s2 == ND_END) end_jsonl(r);
            if (s2 == ND_END) {
                snprintf(r->msg, sizeof r->msg, "empty input");
                error_record(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY,
                             ND_REC_ERROR);
                return ND_OK;
            }
            return s2;
        }
        /* One article: what fill() read is already in buf; read the rest behind it. */
        r->fd = -1;
        st = text_record(r, si, fd, spool, r->len, r->eof, out);
        if (fd > STDIN_FILENO) close(fd);
        return st;
    }
    r->src[si].json = (unsigned char)json;
    if (json) {
        st = start_jsonl(r, si, fd, out);
        if (st == ND_END) {
            snprintf(r->msg, sizeof r->msg, "empty input");
            error_record(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY,
                         ND_REC_ERROR);
            return ND_OK;
        }
        return st;
    }
    st = text_record(r, si, fd, spool, 0, 0, out);
    if (fd > STDIN_FILENO) close(fd);
    return st;
}

/* Replaces r->errpath with a copy of path (for records with no source). ND_OK or
 * ND_ENOMEM. */
static nd_status keep_errpath(nd_reader *r, const char *path)
{
    nd_free(r->errpath);
    r->errpath = nd_strndup(path, strlen(path));
    return r->errpath ? ND_OK : ND_ENOMEM;
}

nd_status nd_reader_next(nd_reader *r, nd_record *out)
{
    for (;;) {
        if (r->fd >= 0) {
            nd_status st = next_line(r, out);
            if (st != ND_END) return st;
            end_jsonl(r);
        }
        if (r->nstack == 0) return ND_END;
        pending p = r->stack[--r->nstack];
        nd_status st = ND_OK;
        if (strcmp(p.path, "-") == 0 && !p.from_dir) {
            nd_free(p.path);
            int json = r->opts.format == ND_INPUT_JSONL;
            return open_stream(r, STDIN_NAME, STDIN_FILENO, (unsigned char)json, out);
        }
        struct stat sb, lsb;
        if (stat(p.path, &sb) != 0) {
            snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
            if (keep_errpath(r, p.path) != ND_OK) {
                nd_free(p.path);
                return ND_ENOMEM;
            }
            error_record(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_EIO,
                         ND_REC_ERROR);
            nd_free(p.path);
            return ND_OK;
        }
        if (S_ISDIR(sb.st_mode)) {
            if (p.from_dir && lstat(p.path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
                snprintf(r->msg, sizeof r->msg,
                         "symbolic link to a directory not followed (name it to read it)");
                if (keep_errpath(r, p.path) != ND_OK) {
                    nd_free(p.path);
                    return ND_ENOMEM;
                }
                error_record(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_OK,
                             ND_REC_NOTE);
                nd_free(p.path);
                return ND_OK;
            }
            st = expand_dir(r, p.path);
            if (st == ND_EIO) {
                if (keep_errpath(r, p.path) != ND_OK) {
                    nd_free(p.path);
                    return ND_ENOMEM;
                }
                error_record(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_EIO,
                             ND_REC_ERROR);
                nd_free(p.path);
                return ND_OK;
            }
            nd_free(p.path);
            if (st != ND_OK) return st;
            continue;
        }
        int is_jsonl = ends_with(p.path, ".jsonl");
        if (p.from_dir && !is_jsonl && !ends_with(p.path, ".txt")) {
            snprintf(r->msg, sizeof r->msg, "ignored: not a .txt or .jsonl file");
            if (keep_errpath(r, p.path) != ND_OK) {
                nd_free(p.path);
                return ND_ENOMEM;
            }
            error_record(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_OK,
                         ND_REC_NOTE);
            nd_free(p.path);
            return ND_OK;
        }
        int json =
            r->opts.format == ND_INPUT_JSONL || (r->opts.format == ND_INPUT_AUTO && is_jsonl);
        int fd = open(p.path, O_RDONLY);
        if (fd < 0) {
            snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
            if (keep_errpath(r, p.path) != ND_OK) {
                nd_free(p.path);
                return ND_ENOMEM;
            }
            error_record(r, out, r->errpath, UINT32_MAX, ND_NO_LINE, ND_NO_OFFSET, ND_EIO,
                         ND_REC_ERROR);
            nd_free(p.path);
            return ND_OK;
        }
        if (!S_ISREG(sb.st_mode)) { /* a pipe or device: spool it like stdin */
            int fmt_json = json && r->opts.format != ND_INPUT_AUTO ? 1 : json;
            nd_input_format saved = r->opts.format;
            if (fmt_json)
                r->opts.format = ND_INPUT_JSONL;
            else if (saved == ND_INPUT_AUTO)
                r->opts.format = ND_INPUT_TXT;
            st = open_stream(r, p.path, fd, (unsigned char)fmt_json, out);
            r->opts.format = saved;
            nd_free(p.path);
            return st;
        }
        uint32_t si;
        st = add_source(r, p.path, (unsigned char)json, &si);
        nd_free(p.path);
        if (st != ND_OK) {
            close(fd);
            return st;
        }
        r->src[si].size = (uint64_t)sb.st_size;
        r->src[si].mtime_sec = (int64_t)sb.st_mtim.tv_sec;
        r->src[si].mtime_nsec = sb.st_mtim.tv_nsec;
        if (json) {
            st = start_jsonl(r, si, fd, out);
            if (st == ND_END) {
                snprintf(r->msg, sizeof r->msg, "no JSON lines (only blank lines)");
                error_record(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_OK,
                             ND_REC_NOTE);
            }
            return st == ND_END ? ND_OK : st;
        }
        st = text_record(r, si, fd, NULL, 0, 0, out);
        close(fd);
        return st;
    }
}

/* ---- fetching a record again ----------------------------------------------------------- */

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
    const src_file *s = &r->src[si];
    int fd;
    if (s->spool) {
        fflush(s->spool);
        fd = fileno(s->spool);
    } else if (r->fetch_fd >= 0 && r->fetch_src == si) {
        fd = r->fetch_fd;
    } else {
        if (r->fetch_fd >= 0) close(r->fetch_fd);
        r->fetch_fd = fd = open(s->path, O_RDONLY);
        r->fetch_src = si;
        if (fd < 0) return ND_EIO;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t k = pread(fd, r->fetch + got, len - got, (off_t)(offset + got));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    if (got < len) return ND_ECHANGED;
    set_record(out, ND_REC_DOC, s->path, si, line, offset);
    out->json = s->json;
    out->data = r->fetch;
    out->len = len;
    return ND_OK;
}

/* ---- decoder ---------------------------------------------------------------------------- */

struct nd_decoder {
    char *text_field;
    char *id_field;
    char *keep_field; /* NULL: none */
    cJSON *root;
    char *idbuf; /* "path:line" and numeric ids */
    size_t idcap;
    char msg[256];
};

nd_status nd_decoder_create(const nd_decode_opts *opts, nd_decoder **out)
{
    nd_decoder *d = nd_calloc(1, sizeof *d);
    if (!d) return ND_ENOMEM;
    const char *tf = opts && opts->text_field ? opts->text_field : "text";
    d->text_field = nd_strndup(tf, strlen(tf));
    if (opts && opts->id_field) d->id_field = nd_strndup(opts->id_field, strlen(opts->id_field));
    if (opts && opts->keep_field)
        d->keep_field = nd_strndup(opts->keep_field, strlen(opts->keep_field));
    if (!d->text_field || (opts && opts->id_field && !d->id_field) ||
        (opts && opts->keep_field && !d->keep_field)) {
        nd_decoder_free(d);
        return ND_ENOMEM;
    }
    *out = d;
    return ND_OK;
}

void nd_decoder_free(nd_decoder *d)
{
    if (!d) return;
    cJSON_Delete(d->root);
    nd_free(d->text_field);
    nd_free(d->id_field);
    nd_free(d->keep_field);
    nd_free(d->idbuf);
    nd_free(d);
}

static nd_status reserve_idbuf(nd_decoder *d, size_t n)
{
    if (n + 1 > d->idcap) {
        char *b = nd_reallocarray(d->idbuf, n + 64, 1);
        if (!b) return ND_ENOMEM;
        d->idbuf = b;
        d->idcap = n + 64;
    }
    return ND_OK;
}

nd_status nd_decode(nd_decoder *d, const nd_record *rec, nd_doc *out, const char **message)
{
    cJSON_Delete(d->root);
    d->root = NULL;
    d->msg[0] = '\0';
    *message = d->msg;
    out->keep_kind = ND_FIELD_NONE;
    out->keep_num = 0;
    out->keep_str = NULL;
    out->keep_len = 0;
    if (!rec->json) {
        out->id = rec->path;
        out->id_len = strlen(rec->path);
        out->text = rec->data;
        out->len = rec->len;
        if (rec->len == 0) {
            snprintf(d->msg, sizeof d->msg, "empty file");
            return ND_EEMPTY;
        }
        return ND_OK;
    }
    const char *end = NULL;
    d->root = cJSON_ParseWithLengthOpts(rec->data, rec->len, &end, 0);
    if (!d->root) {
        size_t col = end && end >= rec->data ? (size_t)(end - rec->data) + 1 : 1;
        size_t first = 0, last = rec->len;
        while (first < rec->len && strchr(" \t\r", rec->data[first]))
            first++;
        while (last > first && strchr(" \t\r", rec->data[last - 1]))
            last--;
        /* A line that opens an object but does not close it was cut off. */
        if (first < last && rec->data[first] == '{' && rec->data[last - 1] != '}')
            snprintf(d->msg, sizeof d->msg, "malformed JSON: the line ends early (truncated?)");
        else
            snprintf(d->msg, sizeof d->msg, "malformed JSON near column %zu", col);
        return ND_EJSON;
    }
    if (!cJSON_IsObject(d->root)) {
        snprintf(d->msg, sizeof d->msg, "not a JSON object");
        return ND_EJSON;
    }
    /* Only white space may follow the object: a second object on the line would be lost. */
    for (const char *p = end; p && p < rec->data + rec->len; p++)
        if (!strchr(" \t\r", *p) || *p == '\0') {
            snprintf(d->msg, sizeof d->msg, "malformed JSON: text after the object at column %zu",
                     (size_t)(p - rec->data) + 1);
            return ND_EJSON;
        }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(d->root, d->text_field);
    if (!t) {
        snprintf(d->msg, sizeof d->msg, "no \"%.200s\" field", d->text_field);
        return ND_EFIELD;
    }
    if (!cJSON_IsString(t) || !t->valuestring) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is not a string", d->text_field);
        return ND_EFIELD;
    }
    out->text = t->valuestring;
    out->len = strlen(t->valuestring);
    const cJSON *id = NULL;
    if (d->id_field)
        id = cJSON_GetObjectItemCaseSensitive(d->root, d->id_field);
    else {
        id = cJSON_GetObjectItemCaseSensitive(d->root, "id");
        if (!id || !(cJSON_IsString(id) || cJSON_IsNumber(id)))
            id = cJSON_GetObjectItemCaseSensitive(d->root, "url");
    }
    if (id && cJSON_IsString(id) && id->valuestring && id->valuestring[0]) {
        out->id = id->valuestring;
        out->id_len = strlen(id->valuestring);
    } else if (id && cJSON_IsNumber(id)) {
        char num[64];
        int k;
        double v = id->valuedouble;
        if (v > -9.2e18 && v < 9.2e18 && v == (double)(long long)v)
            k = snprintf(num, sizeof num, "%lld", (long long)id->valuedouble);
        else
            k = snprintf(num, sizeof num, "%.17g", id->valuedouble);
        if (reserve_idbuf(d, (size_t)k) != ND_OK) return ND_ENOMEM;
        memcpy(d->idbuf, num, (size_t)k + 1);
        out->id = d->idbuf;
        out->id_len = (size_t)k;
    } else {
        char loc[64];
        int k = snprintf(loc, sizeof loc, ":%llu", (unsigned long long)rec->line);
        size_t pl = strlen(rec->path);
        if (reserve_idbuf(d, pl + (size_t)k) != ND_OK) return ND_ENOMEM;
        memcpy(d->idbuf, rec->path, pl);
        memcpy(d->idbuf + pl, loc, (size_t)k + 1);
        out->id = d->idbuf;
        out->id_len = pl + (size_t)k;
    }
    if (out->len == 0) {
        snprintf(d->msg, sizeof d->msg, "the \"%.200s\" field is empty", d->text_field);
        return ND_EEMPTY;
    }
    /* The keep rule's field: a number or a string, else as if missing. */
    const cJSON *k =
        d->keep_field ? cJSON_GetObjectItemCaseSensitive(d->root, d->keep_field) : NULL;
    if (k && cJSON_IsNumber(k)) {
        out->keep_kind = ND_FIELD_NUMBER;
        out->keep_num = k->valuedouble;
    } else if (k && cJSON_IsString(k) && k->valuestring) {
        out->keep_kind = ND_FIELD_STRING;
        out->keep_str = k->valuestring;
        out->keep_len = strlen(k->valuestring);
    }
    return ND_OK;
}
