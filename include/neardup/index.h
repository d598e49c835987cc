/*
 * index.h - an archive index in one SQLite file, and checking a new batch against it.
 *
 * An index keeps, for every document added, what comparing new documents with it needs,
 * so the archived files are never read again: its id and source, its token hashes (from
 * which its exact word n-gram set is recomputed, as a scan computes it) and its sentences,
 * and, in key maps, the LSH band keys of its signature and of its sentences' signatures and
 * a hash of its id. Its settings (n-gram size, permutations, threshold, banding, paragraph
 * rules) are fixed when it is created and stored in it with a schema version.
 *
 * nd_check scans a batch as nd_scan does and compares it with the archive: band keys are
 * looked up through the maps' SQLite indexes (the archive is never loaded), every candidate
 * is verified exactly with the stored sets, and archived documents join the result's groups
 * and shared paragraphs (result.h: they come after the batch, flagged `archived`).
 *
 * Every add is one SQLite transaction in WAL mode: a reader (a check) sees the archive as
 * it was before an add or after it, never in between, and an add killed at any moment
 * leaves the old archive. A check opened read-only never writes. Functions that fail leave
 * a message in the index (nd_index_errmsg) or in `why`; the library never prints.
 */
#ifndef NEARDUP_INDEX_H
#define NEARDUP_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/options.h"
#include "neardup/result.h"
#include "neardup/status.h"

#define ND_INDEX_SCHEMA 1    /* the layout this library writes and reads */
#define ND_INDEX_MSG_MAX 512 /* room for a message (`why`) */

typedef struct nd_index nd_index;

/* The settings of an index: everything stored depends on them, so they never change. */
typedef struct nd_index_settings {
    unsigned ngram;         /* words per shingle */
    unsigned perms;         /* MinHash permutations */
    double threshold;       /* Jaccard of near-duplicate articles */
    unsigned bands, rows;   /* LSH banding of the article signatures */
    nd_para_mode para_mode; /* paragraphs by line or by blank-line block */
    unsigned short_words;   /* a paragraph of fewer words holds no sentence */
} nd_index_settings;

/* Which settings a caller asked for explicitly (nd_index_use_settings). */
#define ND_SET_NGRAM 1u
#define ND_SET_PERMS 2u
#define ND_SET_THRESHOLD 4u
#define ND_SET_BANDS 8u
#define ND_SET_PARAGRAPHS 16u
#define ND_SET_SHORT_WORDS 32u

/*
 * Creates a new, empty index at `path` with the settings of opts (ngram, perms, threshold,
 * bands - 0 derives them as a scan does -, para.mode and para.short_words). The file must
 * not exist. ND_OK; ND_EINVAL (a setting out of range), ND_EEXIST (the file exists), ND_EIO
 * (cannot be created), ND_ENOMEM; a message in why[0..ND_INDEX_MSG_MAX) (may be NULL). On
 * failure no file is left behind.
 */
ND_API nd_status nd_index_create(const char *path, const nd_scan_opts *opts, char *why);

/*
 * Opens the index at `path`, read-only unless `writable`. Nothing is written while opening.
 * Checked: the file exists and is an SQLite database (ND_EIO, ND_ENOTINDEX), one this
 * library made (ND_ENOTINDEX), with a schema it reads (ND_ENEWER for a newer one), settings
 * it can read and hashes this build computes alike (ND_ECORRUPT, ND_ESETTINGS), and the
 * root and end pages of every table (ND_ECORRUPT); a damaged page elsewhere is found when it
 * is read (ND_ECORRUPT then; nd_index_verify reads them all). ND_ENOMEM. A message in why
 * (may be NULL) on failure. *out is to close with nd_index_close.
 */
ND_API nd_status nd_index_open(const char *path, int writable, nd_index **out, char *why);
ND_API void nd_index_close(nd_index *ix); /* NULL is a no-op */

/* The message of the last failure on ix ("" if none); valid until the next call on it. */
ND_API const char *nd_index_errmsg(const nd_index *ix);

/* The index's settings (valid while it is open). */
ND_API const nd_index_settings *nd_index_get_settings(const nd_index *ix);

/* Puts the index's settings into opts (ngram, perms, threshold, bands, para.mode,
 * para.short_words). Those the caller asked for explicitly (`given`, ND_SET_* bits, with
 * their values in opts) must be the index's: else ND_ESETTINGS and a message naming the
 * first that differs, opts untouched. */
ND_API nd_status nd_index_use_settings(nd_index *ix, nd_scan_opts *opts, unsigned given);

/* What nd_index_info reports. */
typedef struct nd_index_info {
    nd_index_settings settings;
    int schema;            /* schema version */
    uint64_t documents;    /* documents in the index */
    uint64_t adds;         /* adds that added documents */
    uint64_t file_bytes;   /* the file's size on disk (pages in use and free) */
    uint64_t wal_bytes;    /* its write-ahead log, when one is left (0 usually) */
    uint64_t free_bytes;   /* free pages inside the file */
    uint64_t docs_bytes;   /* with `tables`, of file_bytes: the documents and their sources */
    uint64_t bands_bytes;  /* ... the article band-key map */
    uint64_t sents_bytes;  /* ... the sentence band-key map */
    uint64_t ids_bytes;    /* ... the id map */
    unsigned runs[3];      /* runs of the id, band and sentence maps */
    char created[32];      /* when it was created (UTC, ISO 8601) */
    char version[32];      /* the neardup that created it */
} nd_index_info;

/* Fills *out; with `tables`, also the bytes of each table (which reads every page). ND_OK,
 * ND_ECORRUPT, ND_EIO or ND_ENOMEM (message in nd_index_errmsg). */
ND_API nd_status nd_index_info_get(nd_index *ix, int tables, nd_index_info *out);

/* Reads all of it: SQLite's PRAGMA integrity_check (every page), every document record and
 * map chunk decoded (their checksums), and every map entry naming a document that exists.
 * ND_OK, or ND_ECORRUPT with the first problem in nd_index_errmsg; ND_EIO, ND_ENOMEM. */
ND_API nd_status nd_index_verify(nd_index *ix);

/* What an add did. */
typedef struct nd_index_add_stats {
    size_t read;       /* documents read from the input */
    size_t skipped;    /* inputs skipped (bad input, reported through on_diag) */
    size_t warnings;   /* warnings (on_diag) other than ids already in the archive */
    size_t added;      /* documents added */
    size_t existing;   /* documents not added: their id is in the archive (or earlier in the
                          batch) already; each reported through on_diag (ND_EEXIST) */
    size_t duplicates; /* documents not added as near-duplicates (only-new, add-new) */
    uint64_t documents; /* documents in the index afterwards */
    double t_scan;      /* seconds: reading and processing the batch (pass 1, stages) */
    double t_write;     /* ... writing it into the index, until the commit */
    double t_commit;    /* ... the commit */
} nd_index_add_stats;

/*
 * Adds the documents of paths[0..npaths) (read as nd_scan reads them; opts gives the input,
 * thread and diagnostic options, its similarity and paragraph settings are the index's: see
 * nd_index_use_settings) to ix (opened writable), in one transaction. A document whose id
 * is in the index already, or earlier in the batch, is reported (on_diag, a warning with
 * code ND_EEXIST) and not added. With only_new, a document is added only if it is not a
 * near-duplicate of an archived document nor of an earlier document of the batch (its
 * group, as nd_check makes them, has no archived member and it is its first input member).
 * Bad input is skipped and reported as nd_scan does; what is read is added. ND_OK; on
 * failure (ND_ENOMEM, ND_EIO, ND_ECHANGED, ND_ECORRUPT, ND_EBUSY: another writer kept the
 * index locked) nothing is added, with a message in nd_index_errmsg. stats may be NULL.
 */
ND_API nd_status nd_index_add(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                              size_t npaths, int only_new, nd_index_add_stats *stats);

/* What nd_check adds to the archive after checking (ix must then be writable). */
typedef enum nd_check_add {
    ND_CHECK_ONLY = 0, /* nothing: the archive is only read */
    ND_CHECK_ADD,      /* the whole batch (as nd_index_add) */
    ND_CHECK_ADD_NEW   /* the documents in no group (that duplicate nothing) */
} nd_check_add;

/*
 * Checks the batch paths[0..npaths) against ix: the result of nd_scan on the batch (same
 * options; the similarity and paragraph settings must be the index's, nd_index_use_settings;
 * verification is always exact), with the archived documents it involves after the batch's
 * (result.h): archived near-duplicates of batch documents in their groups, archived
 * sentences matching batch sentences (word-set Jaccard >= para.threshold, exactly) in the
 * shared paragraphs, a paragraph counted as boilerplate when enough archived articles have
 * it. The archive is read in one snapshot (an add running meanwhile is not seen); with add,
 * the batch is added in the same transaction. ND_OK with *out to free with
 * nd_scan_result_free; failures as nd_scan and nd_index_add, with a message in
 * nd_index_errmsg. added may be NULL.
 */
ND_API nd_status nd_check(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                          size_t npaths, nd_check_add add, nd_index_add_stats *added,
                          nd_scan_result **out);

/*
 * For clean --index, and anyone who must know which input documents of a check duplicate
 * archived ones: out[i] for each input document i < res->ndocs - res->narchived is the index
 * (into res->docs) of the first archived member of i's group, or UINT32_MAX when its group
 * has none (or it is in no group). ND_OK, or ND_EINVAL for a result that is not a check.
 */
ND_API nd_status nd_check_archived_of(const nd_scan_result *res, uint32_t *out);

#endif
