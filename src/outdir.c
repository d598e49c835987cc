/*
 * outdir.c - a tree of files written into a temporary directory and moved into place at
 * the end (see outdir.h).
 */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"

nd_status nd_sayf(const nd_say *s, nd_diag_level lv, nd_status code, const char *path,
                  const char *fmt, ...)
{
    if (!s || !s->fn) return code;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nd_diag d = {code, lv, path ? path : "", ND_NO_LINE, ND_NO_OFFSET, msg};
    s->fn(&d, s->ud);
    return code;
}

char *nd_path_join(const char *base, const char *rel)
{
    size_t a = strlen(base), b = strlen(rel);
    char *p = nd_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, base, a);
    p[a] = '/';
    memcpy(p + a + 1, rel, b + 1);
    return p;
}

/* 1 when directory path has no entry, 0 when it has one, -1 when it cannot be read. */
static int dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

/* Removes entry name of the directory at, and everything under it; with descriptors, so
 * that it allocates nothing (it runs when memory has run out) and no path grows. */
static nd_status rm_at(int at, const char *name)
{
    struct stat sb;
    if (fstatat(at, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? ND_OK : ND_EIO;
    if (!S_ISDIR(sb.st_mode)) return unlinkat(at, name, 0) == 0 ? ND_OK : ND_EIO;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0) close(fd);
        return ND_EIO;
    }
    nd_status st = ND_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (rm_at(dirfd(d), e->d_name) != ND_OK) st = ND_EIO;
    }
    closedir(d);
    if (st == ND_OK && unlinkat(at, name, AT_REMOVEDIR) != 0) st = ND_EIO;
    return st;
}

nd_status nd_rm_tree(const char *path)
{
    return rm_at(AT_FDCWD, path);
}

/* Splits final (trailing slashes ignored) into a newly allocated parent directory and a
 * pointer to its last component's start in *base (inside the returned copy). */
static char *split_path(const char *final, const char **base)
{
    size_t n = strlen(final);
    while (n > 1 && final[n - 1] == '/')
        n--;
    char *p = nd_malloc(n + 3);
    if (!p) return NULL;
    memcpy(p, final, n);
    p[n] = '\0';
    char *slash = strrchr(p, '/');
    if (!slash) { /* "name": parent ".", the name after it */
        memmove(p + 2, p, n + 1);
        p[0] = '.';
        p[1] = '\0';
        *base = p + 2;
    } else if (slash == p) { /* "/name" */
        memmove(p + 2, p + 1, n);
        p[0] = '/';
        p[1] = '\0';
        *base = p + 2;
    } else {
        *slash = '\0';
        *base = slash + 1;
    }
    return p;
}

static void outdir_free(nd_outdir *o)
{
    nd_free(o->final);
    nd_free(o->tmp);
    memset(o, 0, sizeof *o);
}

/* The temporary directory dir/PREFIX-XXXXXXXX, made with mode 0777 less the umask (it
 * becomes the final directory; mkdtemp would make it 0700). The name is new: mkdir fails
 * on one that exists, and another is tried. ND_OK, ND_EIO (errno set) or ND_ENOMEM. */
static nd_status make_tmp(nd_outdir *o, const char *dir, const char *prefix)
{
    size_t n = strlen(dir) + strlen(prefix) + 16;
    char *t = nd_malloc(n);
    if (!t) return ND_ENOMEM;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^
                 (uint64_t)(uintptr_t)t;
    for (int tries = 0; tries < 1000; tries++) {
        x += 0x9e3779b97f4a7c15u; /* splitmix64 */
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        snprintf(t, n, "%s/%s-%08x", dir, prefix, (unsigned)(z & 0xffffffffu));
        if (mkdir(t, 0777) == 0) {
            o->tmp = t;
            return ND_OK;
        }
        if (errno != EEXIST) break;
    }
    int e = errno;
    nd_free(t);
    errno = e;
    return ND_EIO;
}

nd_status nd_outdir_open(nd_outdir *o, const char *final, int force, const nd_say *say)
{
    memset(o, 0, sizeof *o);
    struct stat sb, lsb, psb;
    int exists = stat(final, &sb) == 0;
    if (!exists && errno != ENOENT)
        return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, final, "cannot use it: %s", strerror(errno));
    if (exists && !S_ISDIR(sb.st_mode))
        return nd_sayf(say, ND_DIAG_ERROR, ND_EINVAL, final, "exists and is not a directory");
    int empty = exists ? dir_empty(final) : 1;
    if (empty < 0)
        return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, final, "cannot read it: %s", strerror(errno));
    if (!empty && !force)
        return nd_sayf(say, ND_DIAG_ERROR, ND_EINVAL, final,
                       "is not empty (--force writes into it anyway)");
    const char *base;
    char *parent = split_path(final, &base);
    o->final = nd_strndup(final, strlen(final));
    if (!parent || !o->final) {
        nd_free(parent);
        outdir_free(o);
        return ND_ENOMEM;
    }
    /* Atomic when one rename can put the directory in place. */
    int atomic = empty && strcmp(base, ".") != 0 && strcmp(base, "..") != 0 && base[0] != '\0';
    if (atomic && exists)
        atomic = lstat(final, &lsb) == 0 && !S_ISLNK(lsb.st_mode) && stat(parent, &psb) == 0 &&
                 psb.st_dev == sb.st_dev;
    nd_status st = ND_EIO;
    if (atomic) {
        size_t n = strlen(base) + 16;
        char *prefix = nd_malloc(n);
        if (!prefix) {
            st = ND_ENOMEM;
        } else {
            snprintf(prefix, n, ".%s.neardup", base);
            st = make_tmp(o, parent, prefix);
            nd_free(prefix);
        }
        if (st == ND_EIO && !exists) {
            int e = errno;
            nd_free(parent);
            outdir_free(o);
            return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, final, "cannot create it: %s", strerror(e));
        }
    }
    nd_free(parent);
    if (st == ND_ENOMEM) {
        outdir_free(o);
        return st;
    }
    if (st != ND_OK) { /* merge: inside the directory */
        o->merge = 1;
        st = make_tmp(o, final, ".neardup");
        if (st != ND_OK) {
            int e = errno;
            outdir_free(o);
            if (st == ND_ENOMEM) return st;
            return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, final, "cannot write in it: %s",
                           strerror(e));
        }
    }
    return ND_OK;
}

void nd_outdir_abort(nd_outdir *o)
{
    if (o->tmp) nd_rm_tree(o->tmp);
    outdir_free(o);
}

nd_status nd_mkdirs(const char *base, const char *rel, const nd_say *say)
{
    char *p = nd_path_join(base, rel);
    if (!p) return ND_ENOMEM;
    size_t from = strlen(base) + 1;
    nd_status st = ND_OK;
    for (char *q = p + from; (q = strchr(q, '/')) != NULL; q++) {
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, p, "cannot create the directory: %s",
                         strerror(errno));
            break;
        }
        struct stat sb;
        if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, p, "cannot create the directory: %s",
                         "a file of that name is in the way");
            break;
        }
        *q = '/';
    }
    nd_free(p);
    return st;
}

/* Moves every file of tmp/rel (a directory) to final/rel, making directories there. */
static nd_status move_files(const char *tmp, const char *final, const char *rel, const nd_say *say)
{
    char *src = rel[0] ? nd_path_join(tmp, rel) : nd_strndup(tmp, strlen(tmp));
    if (!src) return ND_ENOMEM;
    DIR *d = opendir(src);
    if (!d) {
        nd_status st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, src, "cannot read the directory: %s",
                               strerror(errno));
        nd_free(src);
        return st;
    }
    nd_status st = ND_OK;
    struct dirent *e;
    while (st == ND_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *sub =
            rel[0] ? nd_path_join(rel, e->d_name) : nd_strndup(e->d_name, strlen(e->d_name));
        char *from = sub ? nd_path_join(tmp, sub) : NULL;
        char *to = sub ? nd_path_join(final, sub) : NULL;
        struct stat sb;
        if (!sub || !from || !to) {
            st = ND_ENOMEM;
        } else if (lstat(from, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (mkdir(to, 0777) != 0 && errno != EEXIST)
                st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, to, "cannot create the directory: %s",
                             strerror(errno));
            else
                st = move_files(tmp, final, sub, say);
        } else if (rename(from, to) != 0) {
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, to, "cannot put it in place: %s",
                         strerror(errno));
        }
        nd_free(sub);
        nd_free(from);
        nd_free(to);
    }
    closedir(d);
    nd_free(src);
    return st;
}

/* Replaces each top-level entry of final by the one of that name in tmp: the old one is
 * first moved into tmp (as ".old-NAME"), then removed with tmp. */
static nd_status replace_entries(const char *tmp, const char *final, const nd_say *say)
{
    DIR *d = opendir(tmp);
    if (!d)
        return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, tmp, "cannot read the directory: %s",
                       strerror(errno));
    /* Names first (the directory changes as entries move out of it). */
    char **names = NULL;
    size_t n = 0, cap = 0;
    nd_status st = ND_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* ".", "..", and nothing else is hidden here */
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 8;
            char **v = nd_reallocarray(names, nc, sizeof *v);
            if (!v) {
                st = ND_ENOMEM;
                break;
            }
            names = v;
            cap = nc;
        }
        if (!(names[n] = nd_strndup(e->d_name, strlen(e->d_name)))) {
            st = ND_ENOMEM;
            break;
        }
        n++;
    }
    closedir(d);
    for (size_t i = 0; i < n && st == ND_OK; i++) {
        char *from = nd_path_join(tmp, names[i]), *to = nd_path_join(final, names[i]);
        size_t ol = strlen(names[i]) + 8;
        char *oldname = nd_malloc(ol);
        char *old = NULL;
        if (oldname) {
            snprintf(oldname, ol, ".old-%s", names[i]);
            old = nd_path_join(tmp, oldname);
        }
        struct stat sb;
        if (!from || !to || !old)
            st = ND_ENOMEM;
        else if (lstat(to, &sb) == 0 && rename(to, old) != 0)
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, to, "cannot move it aside: %s",
                         strerror(errno));
        else if (rename(from, to) != 0)
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, to, "cannot put it in place: %s",
                         strerror(errno));
        nd_free(from);
        nd_free(to);
        nd_free(oldname);
        nd_free(old);
    }
    for (size_t i = 0; i < n; i++)
        nd_free(names[i]);
    nd_free(names);
    return st;
}

nd_status nd_outdir_commit(nd_outdir *o, int per_file, const nd_say *say)
{
    nd_status st;
    if (!o->merge) {
        if (rename(o->tmp, o->final) != 0)
            return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, o->final, "cannot put it in place: %s",
                           strerror(errno));
        outdir_free(o);
        return ND_OK;
    }
    st = per_file ? move_files(o->tmp, o->final, "", say) : replace_entries(o->tmp, o->final, say);
    if (st != ND_OK) return st;
    nd_rm_tree(o->tmp); /* what is left: emptied directories, replaced entries */
    outdir_free(o);
    return ND_OK;
}

/* ---- the writer thread ----------------------------------------------------------------- */

/* A full buffer to write to fd. */
typedef struct wjob {
    int fd;
    int buf; /* index into bufs */
    size_t n;
    const char *path; /* the file's, for a message (lives until the file is closed) */
} wjob;

struct nd_writer {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job queued, a buffer freed, a job done, stop */
    pthread_t tid;
    char *bufs[ND_WRITER_BUFS];
    int free_bufs[ND_WRITER_BUFS];
    size_t nfree;
    wjob q[ND_WRITER_BUFS];
    size_t qhead, qn;
    int busy; /* a job is being written */
    int stop;
    int err; /* errno of the first failed write, 0 when none */
    const char *err_path;
};

static int write_fd(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return errno ? errno : EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    nd_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->qn == 0 && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->qn == 0) break;
        wjob j = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % ND_WRITER_BUFS;
        w->qn--;
        w->busy = 1;
        int failed = w->err;
        pthread_mutex_unlock(&w->mu);
        int e = failed ? 0 : write_fd(j.fd, w->bufs[j.buf], j.n);
        pthread_mutex_lock(&w->mu);
        if (e && !w->err) {
            w->err = e;
            w->err_path = j.path;
        }
        w->free_bufs[w->nfree++] = j.buf;
        w->busy = 0;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

nd_status nd_writer_create(nd_writer **out)
{
    nd_writer *w = nd_calloc(1, sizeof *w);
    if (!w) return ND_ENOMEM;
    for (int i = 0; i < ND_WRITER_BUFS; i++) {
        if (!(w->bufs[i] = nd_malloc(ND_WRITER_BUF))) {
            for (int k = 0; k < i; k++)
                nd_free(w->bufs[k]);
            nd_free(w);
            return ND_ENOMEM;
        }
        w->free_bufs[w->nfree++] = i;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->tid, NULL, writer_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        for (int i = 0; i < ND_WRITER_BUFS; i++)
            nd_free(w->bufs[i]);
        nd_free(w);
        return ND_EIO;
    }
    *out = w;
    return ND_OK;
}

void nd_writer_free(nd_writer *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    for (int i = 0; i < ND_WRITER_BUFS; i++)
        nd_free(w->bufs[i]);
    nd_free(w);
}

/* The writer's first failure (errno err, writing path), for the caller's say. */
static nd_status writer_error(int err, const char *path, const nd_say *say)
{
    return nd_sayf(say, ND_DIAG_ERROR, ND_EIO, path, "cannot write it: %s", strerror(err));
}

/* Queues f's buffer (if it holds anything) and leaves f without one. Called with the
 * writer's lock held. */
static void queue_buffer(nd_ofile *f, nd_writer *w)
{
    int b = -1;
    for (int i = 0; i < ND_WRITER_BUFS; i++)
        if (w->bufs[i] == f->buf) b = i;
    if (f->n > 0) {
        w->q[(w->qhead + w->qn) % ND_WRITER_BUFS] = (wjob){f->fd, b, f->n, f->path};
        w->qn++;
    } else {
        w->free_bufs[w->nfree++] = b;
    }
    pthread_cond_broadcast(&w->cv);
    f->buf = NULL;
    f->n = f->cap = 0;
}

/* Hands f's full buffer to the writer and takes a free one. */
static nd_status swap_buffer(nd_ofile *f, const nd_say *say)
{
    nd_writer *w = f->w;
    pthread_mutex_lock(&w->mu);
    if (f->buf) queue_buffer(f, w);
    while (w->nfree == 0 && !w->err)
        pthread_cond_wait(&w->cv, &w->mu);
    int err = w->err;
    const char *ep = w->err_path;
    if (!err) {
        f->buf = w->bufs[w->free_bufs[--w->nfree]];
        f->cap = ND_WRITER_BUF;
    }
    pthread_mutex_unlock(&w->mu);
    return err ? writer_error(err, ep, say) : ND_OK;
}

/* Queues what f holds and waits until every queued write is done. */
static nd_status drain(nd_ofile *f, const nd_say *say)
{
    nd_writer *w = f->w;
    pthread_mutex_lock(&w->mu);
    if (f->buf) queue_buffer(f, w);
    while (w->qn > 0 || w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    int err = w->err;
    const char *ep = w->err_path;
    pthread_mutex_unlock(&w->mu);
    return err ? writer_error(err, ep, say) : ND_OK;
}

/* ---- output files --------------------------------------------------------------------- */

nd_status nd_ofile_create(nd_ofile *f, const char *path, nd_writer *w, const nd_say *say)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->w = w;
    f->path = nd_strndup(path, strlen(path));
    f->buf = w ? NULL : nd_malloc(ND_OFILE_BUF);
    f->cap = w ? 0 : ND_OFILE_BUF;
    if (!f->path || (!w && !f->buf)) {
        nd_free(f->path);
        nd_free(f->buf);
        memset(f, 0, sizeof *f);
        f->fd = -1;
        return ND_ENOMEM;
    }
    f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (f->fd < 0) {
        nd_status st =
            nd_sayf(say, ND_DIAG_ERROR, ND_EIO, path, "cannot create it: %s", strerror(errno));
        nd_free(f->path);
        nd_free(f->buf);
        memset(f, 0, sizeof *f);
        f->fd = -1;
        return st;
    }
    return ND_OK;
}

/* Writes p[0..n) to f's file here, the buffer bypassed. */
static nd_status write_all(nd_ofile *f, const char *p, size_t n, const nd_say *say)
{
    int e = write_fd(f->fd, p, n);
    return e ? nd_sayf(say, ND_DIAG_ERROR, ND_EIO, f->path, "cannot write it: %s", strerror(e))
             : ND_OK;
}

/* Empties f's buffer: written here, or handed to the writer thread for a free one. */
static nd_status flush(nd_ofile *f, const nd_say *say)
{
    if (f->w) return swap_buffer(f, say);
    nd_status st = write_all(f, f->buf, f->n, say);
    f->n = 0;
    return st;
}

nd_status nd_ofile_write(nd_ofile *f, const void *p, size_t n, const nd_say *say)
{
    const char *s = p;
    f->written += n;
    if (!f->w && n >= f->cap) { /* a large piece goes straight to the file, after the buffer */
        nd_status st = flush(f, say);
        return st == ND_OK ? write_all(f, s, n, say) : st;
    }
    while (n > 0) {
        if (f->n == f->cap) {
            nd_status st = flush(f, say);
            if (st != ND_OK) return st;
        }
        size_t k = f->cap - f->n < n ? f->cap - f->n : n;
        memcpy(f->buf + f->n, s, k);
        f->n += k;
        s += k;
        n -= k;
    }
    return ND_OK;
}

nd_status nd_ofile_close(nd_ofile *f, const nd_say *say)
{
    nd_status st = ND_OK;
    if (f->fd >= 0) {
        st = f->w ? drain(f, say) : flush(f, say);
        if (close(f->fd) != 0 && st == ND_OK)
            st = nd_sayf(say, ND_DIAG_ERROR, ND_EIO, f->path, "cannot write it: %s",
                         strerror(errno));
    }
    nd_free(f->path);
    if (!f->w) nd_free(f->buf);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    return st;
}
