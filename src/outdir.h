/*
 * outdir.h - writing a tree of files that appears all at once, or not at all.
 *
 * clean and restore write their output into a temporary directory and move it into place
 * only when the whole run has succeeded (nd_outdir_commit); a failed run removes it
 * (nd_outdir_abort). Two ways, chosen by nd_outdir_open:
 *   - atomic: the temporary directory is a sibling of the final one (".NAME.neardup-XXXXXXXX"
 *     in its parent) and one rename(2) makes it the final directory, which must not exist
 *     or be an empty directory. A run killed at any moment leaves no file under its final
 *     name (only the hidden temporary directory).
 *   - merge: the temporary directory is inside the final one (".neardup-XXXXXXXX"), for a
 *     final directory that is not empty (force) or cannot be replaced by a rename (a mount
 *     point, a symbolic link, ".", an unwritable parent). Commit moves its entries into
 *     place one rename at a time: whole top-level entries replaced (clean: kept/ and
 *     removed.jsonl), or file by file (restore).
 * Also: buffered output files (nd_ofile), directories made on the way to a file
 * (nd_mkdirs), a tree removed (nd_rm_tree), and messages through the caller's on_diag
 * (nd_say). Private to neardup_core; only clean and restore use it.
 */
#ifndef NEARDUP_OUTDIR_H
#define NEARDUP_OUTDIR_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

/* Where messages go: the caller's diagnostic callback (fn may be NULL). */
typedef struct nd_say {
    nd_diag_fn fn;
    void *ud;
} nd_say;

/* Passes "MESSAGE" about path (NULL: none) to s->fn at level lv with code; returns code. */
nd_status nd_sayf(const nd_say *s, nd_diag_level lv, nd_status code, const char *path,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

typedef struct nd_outdir {
    char *final; /* the directory asked for */
    char *tmp;   /* where the files are written, until commit */
    int merge;   /* 0: atomic (tmp renamed to final); 1: tmp inside final */
} nd_outdir;

/*
 * Checks `final` and makes the temporary directory: final must not exist, or be an empty
 * directory, or (force) any directory. ND_OK; ND_EINVAL (not empty without force, or not
 * a directory) or ND_EIO (the temporary directory cannot be made), each with a message
 * through say; ND_ENOMEM. On failure o is zeroed.
 */
nd_status nd_outdir_open(nd_outdir *o, const char *final, int force, const nd_say *say);

/*
 * Moves the temporary directory's contents into place (see above): with per_file, each
 * file to the same relative path under final (directories made as needed, files of that
 * name replaced); else each top-level entry replacing the one of that name. Then removes
 * what is left of the temporary directory and frees o. ND_OK, or ND_EIO with a message.
 * On failure the temporary directory is left for nd_outdir_abort.
 */
nd_status nd_outdir_commit(nd_outdir *o, int per_file, const nd_say *say);

/* Removes the temporary directory and all in it, and frees o. A zeroed o is a no-op. */
void nd_outdir_abort(nd_outdir *o);

/* Makes the directories of base/rel leading to its last component (a file's). ND_OK, or
 * ND_EIO with a message. */
nd_status nd_mkdirs(const char *base, const char *rel, const nd_say *say);

/* Removes path and, for a directory, everything under it (symbolic links are removed, not
 * followed). ND_OK or ND_EIO (errno says why). */
nd_status nd_rm_tree(const char *path);

/* base + "/" + rel, newly allocated; NULL without memory. */
char *nd_path_join(const char *base, const char *rel);

/*
 * A thread that does the write(2) calls of files (nd_ofile) for the thread that fills
 * them, so that copying bytes into the page cache overlaps with reading and preparing
 * them. It owns ND_WRITER_BUFS buffers of ND_WRITER_BUF bytes (all the memory it takes);
 * a full buffer is queued and written in order (one queue for all files), and a file
 * waits for a free buffer when all are queued. The first failed write is kept and
 * reported by the file's next call.
 */
#define ND_WRITER_BUFS 4
#define ND_WRITER_BUF ((size_t)4 << 20)
typedef struct nd_writer nd_writer;

/* A new writer thread. ND_OK, or ND_ENOMEM / ND_EIO (no thread): write without one. */
nd_status nd_writer_create(nd_writer **out);
/* Waits for every queued write, stops the thread, frees w. NULL is a no-op. */
void nd_writer_free(nd_writer *w);

/* A file being written, through a buffer of ND_OFILE_BUF bytes, or the buffers of a
 * writer thread. */
#define ND_OFILE_BUF ((size_t)1 << 20)
typedef struct nd_ofile {
    int fd;
    char *buf;
    size_t n, cap;
    char *path; /* for messages */
    uint64_t written;
    nd_writer *w; /* NULL: written here */
} nd_ofile;

/* Creates path (which must not exist; mode 0666 less the umask), written through w (may be
 * NULL, which must outlive f). ND_OK, ND_EIO with a message, or ND_ENOMEM. */
nd_status nd_ofile_create(nd_ofile *f, const char *path, nd_writer *w, const nd_say *say);
/* Appends p[0..n). ND_OK, or ND_EIO with a message. */
nd_status nd_ofile_write(nd_ofile *f, const void *p, size_t n, const nd_say *say);
/* Flushes and closes f (a zeroed or failed f too; then it only frees). ND_OK, or ND_EIO
 * with a message. */
nd_status nd_ofile_close(nd_ofile *f, const nd_say *say);

#endif
