/*
 * restore.c - nd_restore: the input files rebuilt from a clean's kept/ and removed.jsonl
 * (see clean.h).
 *
 * removed.jsonl holds the entries of each file together, in increasing offset order
 * (removed.h), and every entry is bytes that were cut out of the input at an offset of the
 * input. So one pass rebuilds a file: copy its kept/ file up to the next entry's offset
 * (counted in the input, so minus the bytes put back so far), put the entry's bytes, and
 * so on, then the rest of the kept file. A file removed whole has no kept file: its
 * entries alone make it. Then every kept/ file without an entry is copied as it is.
 * Everything is checked on the way (the offsets increase, the kept file has the bytes an
 * entry's offset asks for and nothing is left over of a file... except its tail, which is
 * copied), so a removed.jsonl that does not belong to its kept/ stops the run.
 */
#include "neardup/clean.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "containers.h"
#include "outdir.h"
#include "removed.h"

#define COPY_BUF ((size_t)1 << 20)

typedef struct restore_ctx {
    nd_say say;
    nd_outdir out;
    char *kept_dir;
    char *removed_path;
    /* removed.jsonl, read line by line */
    int fd;
    char *buf;
    size_t cap, pos, len;
    int eof;
    uint64_t lineno;
    /* the file being rebuilt */
    char *cur;     /* its path under kept/ (NULL: none) */
    int kept_fd;   /* its kept file, or -1 when it has none */
    nd_ofile file; /* what is written */
    uint64_t at;   /* bytes of the input written so far */
    char *copy;    /* COPY_BUF bytes */
    char **done;   /* the paths rebuilt from entries */
    size_t ndone, capdone;
} restore_ctx;

/* The next line of removed.jsonl in *line (without its '\n'), good until the next call.
 * ND_OK, ND_END, ND_EIO (with a message), ND_ENOMEM. */
static nd_status next_line(restore_ctx *r, const char **line, size_t *n)
{
    for (;;) {
        char *nl = r->len > r->pos ? memchr(r->buf + r->pos, '\n', r->len - r->pos) : NULL;
        if (nl || (r->eof && r->pos < r->len)) {
            size_t end = nl ? (size_t)(nl - r->buf) : r->len;
            *line = r->buf + r->pos;
            *n = end - r->pos;
            r->pos = nl ? end + 1 : end;
            r->lineno++;
            return ND_OK;
        }
        if (r->eof) return ND_END;
        if (r->pos > 0) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->len < COPY_BUF) {
            size_t c = r->cap ? 2 * r->cap : 2 * COPY_BUF;
            char *b = nd_reallocarray(r->buf, c, 1);
            if (!b) return ND_ENOMEM;
            r->buf = b;
            r->cap = c;
        }
        ssize_t k = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0)
            return nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, r->removed_path, "cannot read it: %s",
                           strerror(errno));
        if (k == 0) r->eof = 1;
        r->len += (size_t)k;
    }
}

/* Whether p is a path restore may write: relative, without empty, "." or ".." parts. */
static int safe_path(const char *p)
{
    if (!*p || *p == '/') return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return 0;
        s += n + (e != NULL);
        if (e && !*s) return 0; /* a trailing slash */
    }
    return 1;
}

/* Copies n bytes (all of them when n is UINT64_MAX) of the kept file to the file being
 * rebuilt. */
static nd_status copy_kept(restore_ctx *r, uint64_t n)
{
    while (n > 0) {
        if (r->kept_fd < 0) break;
        size_t want = n > COPY_BUF ? COPY_BUF : (size_t)n;
        ssize_t k = read(r->kept_fd, r->copy, want);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0)
            return nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, r->cur, "cannot read kept/%s: %s",
                           r->cur, strerror(errno));
        if (k == 0) break;
        nd_status st = nd_ofile_write(&r->file, r->copy, (size_t)k, &r->say);
        if (st != ND_OK) return st;
        r->at += (uint64_t)k;
        if (n != UINT64_MAX) n -= (uint64_t)k;
    }
    if (n != 0 && n != UINT64_MAX)
        return nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, r->removed_path,
                       "line %llu: kept/%s is shorter than its entries say",
                       (unsigned long long)r->lineno, r->cur);
    return ND_OK;
}

/* Ends the file being rebuilt: the rest of its kept file. */
static nd_status finish_file(restore_ctx *r)
{
    nd_status st = ND_OK;
    if (r->cur) st = copy_kept(r, UINT64_MAX);
    nd_status cs = nd_ofile_close(&r->file, &r->say);
    if (r->kept_fd >= 0) close(r->kept_fd);
    r->kept_fd = -1;
    r->cur = NULL;
    return st != ND_OK ? st : cs;
}

/* Starts rebuilding path (its entries start here); takes path, whatever happens. */
static nd_status start_file(restore_ctx *r, char *path)
{
    if (r->ndone == r->capdone) {
        char **v = nd_grow_array(r->done, &r->capdone, r->ndone + 1, sizeof *v, 64);
        if (!v) {
            nd_free(path);
            return ND_ENOMEM;
        }
        r->done = v;
    }
    r->done[r->ndone++] = path; /* owned by done from here */
    r->cur = path;
    r->at = 0;
    char *to = nd_path_join(r->out.tmp, path), *from = nd_path_join(r->kept_dir, path);
    nd_status st = to && from ? ND_OK : ND_ENOMEM;
    struct stat sb;
    if (st == ND_OK && lstat(to, &sb) == 0)
        st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, r->removed_path,
                     "line %llu: the entries of %s are not together (or it is also a directory)",
                     (unsigned long long)r->lineno, path);
    if (st == ND_OK) st = nd_mkdirs(r->out.tmp, path, &r->say);
    if (st == ND_OK) st = nd_ofile_create(&r->file, to, NULL, &r->say);
    if (st == ND_OK) {
        r->kept_fd = open(from, O_RDONLY);
        if (r->kept_fd < 0 && errno != ENOENT)
            st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, from, "cannot open it: %s",
                         strerror(errno));
    }
    nd_free(to);
    nd_free(from);
    return st;
}

/* Puts every entry of removed.jsonl back into its file. */
static nd_status merge_entries(restore_ctx *r)
{
    nd_status st;
    const char *line = NULL;
    size_t n = 0;
    while ((st = next_line(r, &line, &n)) == ND_OK) {
        size_t b = 0;
        while (b < n && (unsigned char)line[b] <= 0x20)
            b++;
        if (b == n) continue; /* a blank line */
        nd_removed_read e;
        const char *why = "";
        st = nd_removed_parse(line, n, &e, &why);
        if (st == ND_ENOMEM) return st;
        if (st != ND_OK)
            return nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, r->removed_path,
                           "line %llu: not an entry of a clean: %s", (unsigned long long)r->lineno,
                           why);
        if (!safe_path(e.path)) {
            st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, r->removed_path,
                         "line %llu: \"%s\" is not a relative path inside the output",
                         (unsigned long long)r->lineno, e.path);
        } else if (!r->cur || strcmp(r->cur, e.path) != 0) {
            if ((st = finish_file(r)) == ND_OK) {
                st = start_file(r, e.path);
                e.path = NULL;
            }
        }
        if (st == ND_OK && e.offset < r->at)
            st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, r->removed_path,
                         "line %llu: offset %llu comes before what is already written",
                         (unsigned long long)r->lineno, (unsigned long long)e.offset);
        if (st == ND_OK) st = copy_kept(r, e.offset - r->at);
        if (st == ND_OK) st = nd_ofile_write(&r->file, e.bytes, e.nbytes, &r->say);
        r->at += e.nbytes;
        nd_free(e.path);
        nd_free(e.bytes);
        if (st != ND_OK) return st;
    }
    if (st != ND_END) return st;
    return finish_file(r);
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Copies kept/rel (a directory; "" for kept/ itself) to the output, but the files rebuilt
 * from entries (done, sorted). */
static nd_status copy_tree(restore_ctx *r, const char *rel)
{
    char *dir =
        rel[0] ? nd_path_join(r->kept_dir, rel) : nd_strndup(r->kept_dir, strlen(r->kept_dir));
    if (!dir) return ND_ENOMEM;
    DIR *d = opendir(dir);
    if (!d) {
        nd_status st =
            nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, dir, "cannot read it: %s", strerror(errno));
        nd_free(dir);
        return st;
    }
    nd_status st = ND_OK;
    struct dirent *e;
    while (st == ND_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *sub =
            rel[0] ? nd_path_join(rel, e->d_name) : nd_strndup(e->d_name, strlen(e->d_name));
        char *from = sub ? nd_path_join(r->kept_dir, sub) : NULL;
        struct stat sb;
        if (!sub || !from) {
            st = ND_ENOMEM;
        } else if (lstat(from, &sb) != 0) {
            st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, from, "cannot read it: %s",
                         strerror(errno));
        } else if (S_ISDIR(sb.st_mode)) {
            st = copy_tree(r, sub);
        } else if (!S_ISREG(sb.st_mode)) {
            st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EINVAL, from,
                         "is not a regular file (a clean writes only files)");
        } else if (!r->ndone || !bsearch(&sub, r->done, r->ndone, sizeof *r->done, str_cmp)) {
            r->cur = sub;
            r->at = 0;
            char *to = nd_path_join(r->out.tmp, sub);
            st = to ? nd_mkdirs(r->out.tmp, sub, &r->say) : ND_ENOMEM;
            if (st == ND_OK) st = nd_ofile_create(&r->file, to, NULL, &r->say);
            if (st == ND_OK) {
                r->kept_fd = open(from, O_RDONLY);
                if (r->kept_fd < 0)
                    st = nd_sayf(&r->say, ND_DIAG_ERROR, ND_EIO, from, "cannot open it: %s",
                                 strerror(errno));
            }
            nd_status fs = finish_file(r);
            if (st == ND_OK) st = fs;
            nd_free(to);
        }
        nd_free(sub);
        nd_free(from);
    }
    closedir(d);
    nd_free(dir);
    return st;
}

nd_status nd_restore(const char *outdir, const char *dest, int force, nd_diag_fn on_diag,
                     void *userdata)
{
    restore_ctx r;
    memset(&r, 0, sizeof r);
    r.say = (nd_say){on_diag, userdata};
    r.fd = r.kept_fd = -1;
    r.file.fd = -1;
    if (!outdir || !dest) return ND_EINVAL;
    r.kept_dir = nd_path_join(outdir, "kept");
    r.removed_path = nd_path_join(outdir, "removed.jsonl");
    r.copy = nd_malloc(COPY_BUF);
    nd_status st = r.kept_dir && r.removed_path && r.copy ? ND_OK : ND_ENOMEM;
    struct stat sb;
    if (st == ND_OK && (stat(r.kept_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        st = nd_sayf(&r.say, ND_DIAG_ERROR, ND_EINVAL, outdir,
                     "is not the output of a clean (no kept/ directory)");
    if (st == ND_OK && (r.fd = open(r.removed_path, O_RDONLY)) < 0)
        st = nd_sayf(&r.say, ND_DIAG_ERROR, ND_EINVAL, r.removed_path, "cannot open it: %s",
                     strerror(errno));
    if (st == ND_OK) st = nd_outdir_open(&r.out, dest, force, &r.say);
    if (st == ND_OK) st = merge_entries(&r);
    if (st == ND_OK && r.ndone) qsort(r.done, r.ndone, sizeof *r.done, str_cmp);
    if (st == ND_OK) st = copy_tree(&r, "");
    if (st == ND_OK) st = nd_outdir_commit(&r.out, 1, &r.say);
    if (st != ND_OK) {
        nd_ofile_close(&r.file, NULL);
        nd_outdir_abort(&r.out);
    }
    if (r.kept_fd >= 0) close(r.kept_fd);
    if (r.fd >= 0) close(r.fd);
    for (size_t i = 0; i < r.ndone; i++)
        nd_free(r.done[i]);
    nd_free(r.done);
    nd_free(r.buf);
    nd_free(r.copy);
    nd_free(r.kept_dir);
    nd_free(r.removed_path);
    return st;
}
