/*
 * input_share.h - the reader's side of a pass 1 split across processes (dist.h).
 *
 * A distributed scan lists its input once (rank 0: nd_reader_leaves) as the "leaves" its
 * reader would visit, in order: every path that yields a record or is read (files, and the
 * paths that give an error or a note), never a directory that is expanded. Each process
 * (rank) then reads only its parts (nd_reader_create_parts): whole leaves, or byte ranges of
 * a large plain JSON Lines file, cut at line starts (a line belongs to the part where it
 * starts). A part that starts inside a file counts the file's lines before it, so that line
 * numbers are the file's own. A leaf that rank 0 saw as a readable regular file of some
 * size and this process cannot read as such (missing, another size, a directory) is a
 * failure of the run, not a skipped input: nd_reader_next returns ND_EIO and
 * nd_reader_failure says which file and why.
 *
 * The sources a process opened are then described (nd_reader_source_meta) and added, in
 * input order, to rank 0's reader (nd_reader_source_add), which re-reads their records from
 * the shared filesystem: a compressed file it did not read itself is decompressed again from
 * its start (it has no checkpoints of it). Private to neardup_core.
 */
#ifndef NEARDUP_INPUT_SHARE_H
#define NEARDUP_INPUT_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/input.h"

enum {
    ND_LEAF_OTHER = 0, /* gives an error or a note, or read as whatever it is then */
    ND_LEAF_FILE,      /* a regular file read whole */
    ND_LEAF_SPLIT,     /* a regular, uncompressed JSON Lines file: may be cut into ranges */
    ND_LEAF_STREAM     /* standard input or a pipe: one process only */
};

typedef struct nd_leaf {
    char *path; /* owned by the list */
    unsigned char from_dir, kind;
    uint64_t size; /* ND_LEAF_FILE, ND_LEAF_SPLIT: bytes when listed; else 0 */
} nd_leaf;

typedef struct nd_leaves {
    nd_leaf *v;
    size_t n, cap;
} nd_leaves;

/* The leaves a reader over paths (opts: its format decides what may be cut) visits, in
 * order, appended to *out (initialised to {0}). ND_OK or ND_ENOMEM. */
nd_status nd_reader_leaves(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_leaves *out);
/* Appends a leaf (path copied). ND_OK or ND_ENOMEM. */
nd_status nd_leaves_push(nd_leaves *l, const char *path, size_t len, unsigned from_dir,
                         unsigned kind, uint64_t size);
void nd_leaves_clear(nd_leaves *l); /* frees and zeroes */

/* One part of a process's share: leaf `leaf`, its lines starting in bytes [start, end)
 * (0, UINT64_MAX: the whole leaf). */
typedef struct nd_part {
    size_t leaf;
    uint64_t start, end;
} nd_part;

/* A reader over parts[0..nparts) of leaves (both copied), in that order. nparts may be 0 (a
 * reader with nothing to read). ND_OK or ND_ENOMEM. */
nd_status nd_reader_create_parts(const nd_reader_opts *opts, const nd_leaves *leaves,
                                 const nd_part *parts, size_t nparts, nd_reader **out);
/* After nd_reader_next returned ND_EIO: the file and what went wrong (valid while r
 * lives). */
const char *nd_reader_failure(const nd_reader *r, const char **message);

/* What rank 0 needs of a source read by another process. */
typedef struct nd_src_meta {
    const char *path; /* borrowed */
    unsigned char format, zkind;
    uint32_t text_col, id_col;
    uint64_t size;
    int64_t mtime_sec;
    long mtime_nsec;
} nd_src_meta;

/* Source `source` (< nd_reader_nsources) described in *out (path borrowed from r). */
void nd_reader_source_meta(const nd_reader *r, uint32_t source, nd_src_meta *out);
/* Adds a source read elsewhere; *idx its index here. ND_OK, ND_ENOMEM or ND_EINVAL. */
nd_status nd_reader_source_add(nd_reader *r, const nd_src_meta *m, uint32_t *idx);
/* Adds counts made elsewhere to r's (nd_reader_counts). */
void nd_reader_add_counts(nd_reader *r, const nd_input_counts *c);
/* True when r's first part started inside a file: its first source continues the previous
 * process's last one. */
int nd_reader_continues(const nd_reader *r);

#endif
