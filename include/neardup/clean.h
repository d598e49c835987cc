/*
 * clean.h - writing the cleaned batch and everything removed, and restoring the input.
 *
 * nd_clean runs nd_scan (scan.h) with the caller's options, then reads every input file
 * again and writes, under an output directory OUTDIR:
 *   kept/          one file per input file, in its format: the input minus what was
 *                  removed (an input path keeps its relative path; a leading '/' and every
 *                  component up to a "..", and "." components, are dropped as tar does;
 *                  standard input becomes stdin.jsonl or stdin.txt);
 *   removed.jsonl  one JSON object per removed document or line range, with the removed
 *                  bytes exactly (schema in README.md).
 * What is removed (opts.remove): near-duplicate documents (all but the members the keep
 * rule keeps, nd_member in result.h), later copies of doubled blocks, later copies of
 * repeated short lines, boilerplate paragraphs. Passages shared across articles are never
 * removed. Every removal is a byte range of the input: a whole record (a JSON line with
 * its line break, a whole text file), or whole lines of an article (with their line
 * breaks); in a JSON Lines record the lines are cut out of the text field's raw string, so
 * a repaired record differs from its input line only inside that string, and every other
 * byte of the file is kept as it was. Records the scan skipped are copied unchanged, or
 * with drop_invalid moved to removed.jsonl. nd_restore merges kept/ and removed.jsonl back
 * into the input files, byte for byte.
 *
 * Safety: no input is opened for writing. Everything is written into a temporary
 * directory and renamed into place only when the whole run succeeded: next to OUTDIR
 * (".NAME.neardup-XXXXXXXX"), renamed to OUTDIR in one step, so that a run killed at any
 * moment leaves no file under its final name; inside OUTDIR when it is a non-empty
 * directory (force) or cannot be replaced in one rename (a mount point), its kept/ and
 * removed.jsonl then replaced by two renames. An input that changed since the scan read it
 * (size, modification time, or a record's checksum) stops the run with ND_ECHANGED and
 * nothing written. Clean rewrites text and JSON Lines sources; any other format (or
 * compressed input) is refused with ND_EINVAL before anything is written.
 *
 * Messages (what went wrong, with the path) go to scan_opts->on_diag: errors before a
 * failing return, warnings (skipped input copied) as the run goes on. The library never
 * prints.
 */
#ifndef NEARDUP_CLEAN_H
#define NEARDUP_CLEAN_H

#include <stddef.h>

#include "neardup/options.h"
#include "neardup/result.h"
#include "neardup/status.h"

/* What clean removes (nd_clean_opts.remove). Each needs the matching scan part. */
#define ND_REMOVE_GROUPS 1u      /* near-duplicate documents (ND_PART_GROUPS) */
#define ND_REMOVE_BLOCKS 2u      /* later copies of doubled blocks (ND_PART_BLOCKS) */
#define ND_REMOVE_SHORT 4u       /* repeated short lines after the first (ND_PART_SHORT) */
#define ND_REMOVE_BOILERPLATE 8u /* boilerplate paragraphs, everywhere (ND_PART_SHARED) */
#define ND_REMOVE_ALL 15u
#define ND_REMOVE_DEFAULT (ND_REMOVE_GROUPS | ND_REMOVE_BLOCKS)

typedef struct nd_clean_opts {
    unsigned remove;  /* ND_REMOVE_* bits; default ND_REMOVE_DEFAULT */
    int drop_invalid; /* skipped input goes to removed.jsonl (kind "invalid"), not to kept/ */
    int force;        /* OUTDIR may be a non-empty directory: its kept/ and removed.jsonl
                         are replaced, nothing else in it is touched */
    struct nd_index *index; /* an archive index (index.h) or NULL: the batch is checked
                               against it (nd_check, read only), so that a document that
                               duplicates an archived one is removed too (the archived one
                               is always the kept member of its group) */
} nd_clean_opts;

/* Fills o with the defaults above. */
ND_API void nd_clean_opts_init(nd_clean_opts *o);

/*
 * Scans paths[0..npaths) with scan_opts and writes the cleaned batch under outdir (see
 * above). On ND_OK, *out is the scan's result with its `clean` summary filled in, to free
 * with nd_scan_result_free. Skipped input is not a failure (it is copied or moved, and
 * listed in the result as for a scan). Failures, with nothing written (a message through
 * on_diag first, except for ND_ENOMEM): ND_EINVAL (an option out of range; a removal
 * whose scan part is off; outdir not empty without force, or not a directory; a source
 * clean cannot rewrite; two sources that map to one kept/ path; a source inside outdir),
 * ND_EIO (outdir or a file in it cannot be written, an input cannot be read again),
 * ND_ECHANGED (an input changed during the run), ND_ENOMEM, and nd_scan's failures.
 */
ND_API nd_status nd_clean(const nd_scan_opts *scan_opts, const nd_clean_opts *opts,
                          const char *outdir, const char *const *paths, size_t npaths,
                          nd_scan_result **out);

/*
 * Rebuilds every input file of a clean under dest, with the relative paths of outdir's
 * kept/ tree: each file of kept/ with the entries of removed.jsonl for its path put back
 * at their offsets, and the files removed whole. dest must not exist or be an empty
 * directory unless force (files of the same path are then replaced). Written as clean
 * writes (a temporary directory, renamed into place at the end). Only bytes are restored,
 * not permissions or times. ND_OK; ND_EINVAL (dest not empty without force; removed.jsonl
 * malformed, or its entries do not fit the kept files); ND_EIO; ND_ENOMEM. Messages go to
 * on_diag (may be NULL).
 */
ND_API nd_status nd_restore(const char *outdir, const char *dest, int force, nd_diag_fn on_diag,
                            void *userdata);

/*
 * The path under kept/ (and under restore's dest) of source s, into out (cap bytes with
 * its NUL): standard input is "stdin.jsonl" or "stdin.txt" by its format; any other path
 * loses its leading '/', "." components, empty components, and every component up to and
 * including the last ".." (as tar does). Returns the length of the full path (like
 * snprintf: truncated when >= cap), or 0 when nothing is left of it ("/", "..").
 */
ND_API size_t nd_clean_rel_path(const nd_source_info *s, char *out, size_t cap);

#endif
