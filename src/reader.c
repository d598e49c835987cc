/*
 * reader.c - the reader: paths to raw records, and records read again by offset.
 *
 * Owns the reader object (input_priv.h): a stack of pending paths, visited depth-first; a
 * directory's entries are pushed in reverse byte-wise order so they pop sorted. Each file
 * opened becomes a source (its index is the record's `source`); frame.c then cuts it into
 * records. Streams (standard input, pipes) are copied to an unlinked temporary file as they
 * are read so that their records can be fetched again. Problems with a path become error or
 * note records, in input order; only out of memory stops the reader.
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
#include "neardup/alloc.h"

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
    r->src[r->nsrc].path = p;
    r->src[r->nsrc].json = json;
    r->src[r->nsrc].spool = NULL;
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

ptrdiff_t nd_rd_read_full(int fd, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ptrdiff_t)got;
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
    nd_rd_set_record(out, kind, path, source, line, offset);
    out->status = st;
    out->message = r->msg;
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

nd_status nd_reader_create(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_reader **out)
{
    if (npaths == 0) return ND_EINVAL;
    nd_reader *r = nd_calloc(1, sizeof *r);
    if (!r) return ND_ENOMEM;
    r->fd = -1;
    r->fetch_fd = -1;
    /* Checked now, before anything is opened: a closed descriptor 0 would be taken by the
     * first file opened, and read back as standard input. */
    r->stdin_closed = fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF;
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

/* Opens a stream (stdin, a pipe) as a spooled source and reads its first record. */
static nd_status open_stream(nd_reader *r, const char *name, int fd, unsigned char force_json,
                             nd_record *out)
{
    FILE *spool = tmpfile();
    uint32_t si;
    if (!spool) {
        snprintf(r->msg, sizeof r->msg, "cannot create a temporary file: %s", strerror(errno));
        if (fd > STDIN_FILENO) close(fd);
        return path_record(r, out, name, ND_EIO, ND_REC_ERROR);
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
        int f = nd_rd_fill(r);
        if (f == -2) return ND_ENOMEM;
        size_t i = 0;
        while (i < r->len && strchr(" \t\r\n", r->buf[i]))
            i++;
        json = i < r->len && r->buf[i] == '{';
        r->src[si].json = (unsigned char)json;
        if (json) {
            r->line = 1;
            nd_status s2 = nd_rd_next_line(r, out);
            if (s2 == ND_END) nd_rd_end_file(r);
            if (s2 == ND_END) {
                snprintf(r->msg, sizeof r->msg, "empty input");
                nd_rd_error(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY,
                            ND_REC_ERROR);
                return ND_OK;
            }
            return s2;
        }
        /* One article: what nd_rd_fill() read is already in buf; read the rest behind it. */
        r->fd = -1;
        st = nd_rd_text_record(r, si, fd, spool, r->len, r->eof, out);
        if (fd > STDIN_FILENO) close(fd);
        return st;
    }
    r->src[si].json = (unsigned char)json;
    if (json) {
        st = nd_rd_start_jsonl(r, si, fd, out);
        if (st == ND_END) {
            snprintf(r->msg, sizeof r->msg, "empty input");
            nd_rd_error(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EEMPTY,
                        ND_REC_ERROR);
            return ND_OK;
        }
        return st;
    }
    st = nd_rd_text_record(r, si, fd, spool, 0, 0, out);
    if (fd > STDIN_FILENO) close(fd);
    return st;
}

/* Opens file p (stat'ed as sb) and reads its first record into out. */
static nd_status open_file(nd_reader *r, const pending *p, const struct stat *sb, nd_record *out)
{
    int is_jsonl = ends_with(p->path, ".jsonl");
    if (p->from_dir && !is_jsonl && !ends_with(p->path, ".txt")) {
        snprintf(r->msg, sizeof r->msg, "ignored: not a .txt or .jsonl file");
        return path_record(r, out, p->path, ND_OK, ND_REC_NOTE);
    }
    int json = r->opts.format == ND_INPUT_JSONL || (r->opts.format == ND_INPUT_AUTO && is_jsonl);
    int fd = open(p->path, O_RDONLY);
    if (fd < 0) {
        snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
        return path_record(r, out, p->path, ND_EIO, ND_REC_ERROR);
    }
    nd_status st;
    if (!S_ISREG(sb->st_mode)) { /* a pipe or device: spool it like stdin */
        int fmt_json = json && r->opts.format != ND_INPUT_AUTO ? 1 : json;
        nd_input_format saved = r->opts.format;
        if (fmt_json)
            r->opts.format = ND_INPUT_JSONL;
        else if (saved == ND_INPUT_AUTO)
            r->opts.format = ND_INPUT_TXT;
        st = open_stream(r, p->path, fd, (unsigned char)fmt_json, out);
        r->opts.format = saved;
        return st;
    }
    uint32_t si;
    if ((st = add_source(r, p->path, (unsigned char)json, &si)) != ND_OK) {
        close(fd);
        return st;
    }
    if (json) {
        st = nd_rd_start_jsonl(r, si, fd, out);
        if (st == ND_END) {
            snprintf(r->msg, sizeof r->msg, "no JSON lines (only blank lines)");
            nd_rd_error(r, out, r->src[si].path, si, ND_NO_LINE, ND_NO_OFFSET, ND_OK, ND_REC_NOTE);
        }
        return st == ND_END ? ND_OK : st;
    }
    st = nd_rd_text_record(r, si, fd, NULL, 0, 0, out);
    close(fd);
    return st;
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
    if (strcmp(p->path, "-") == 0 && !p->from_dir) {
        if (r->stdin_closed) {
            snprintf(r->msg, sizeof r->msg, "standard input is closed");
            return path_record(r, out, STDIN_NAME, ND_EIO, ND_REC_ERROR);
        }
        int json = r->opts.format == ND_INPUT_JSONL;
        return open_stream(r, STDIN_NAME, STDIN_FILENO, (unsigned char)json, out);
    }
    struct stat sb, lsb;
    if (stat(p->path, &sb) != 0) {
        snprintf(r->msg, sizeof r->msg, "cannot open: %s", strerror(errno));
        return path_record(r, out, p->path, ND_EIO, ND_REC_ERROR);
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
    return st == ND_OK ? ND_END : st;
}

nd_status nd_reader_next(nd_reader *r, nd_record *out)
{
    for (;;) {
        if (r->fd >= 0) {
            nd_status st = nd_rd_next_line(r, out);
            if (st != ND_END) return st;
            nd_rd_end_file(r);
        }
        if (r->nstack == 0) return ND_END;
        pending p = r->stack[--r->nstack];
        nd_status st = visit(r, &p, out);
        nd_free(p.path);
        if (st != ND_END) return st;
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
    nd_rd_set_record(out, ND_REC_DOC, s->path, si, line, offset);
    out->json = s->json;
    out->data = r->fetch;
    out->len = len;
    return ND_OK;
}
