/*
 * index_int.h - the archive index's insides, shared by index.c (the file: open, create,
 * settings, info, verify), index_map.c (the key maps), index_add.c (adding a batch) and
 * check.c (checking a batch). Private to neardup_core.
 *
 * The file (schema 1; README.md, "The archive index", describes it for users):
 *   settings(name, value)  the settings, the schema version, a probe (below), when and by
 *                          which neardup it was made
 *   sources(source, path)  the paths documents were added from
 *   adds(add_id, time, documents, version)   one row per add
 *   docs(doc, id, source, line, words, add_id, snippet, record)
 *                          one row per document; record: index_code.h
 *   runs(map, run, entries, chunks)          the runs of each key map
 *   ids, bands, sentences(key, chunk)        the key maps' chunks (index_map.c)
 * PRAGMA application_id marks the file as neardup's, PRAGMA user_version is the schema.
 *
 * A key map is a multimap from a key (< 2^42) to document numbers, stored as sorted *runs*
 * of chunks: each add writes one run per map, and runs of similar size are merged (like the
 * levels of a log-structured merge tree), so an add writes in proportion to its batch, not to
 * the archive, and a lookup costs one index seek per run. A chunk is stored under the key
 * run << 42 | (its first entry's key) and never splits the entries of one key, so the chunk
 * holding key k is the last one of the run whose first key is <= k.
 */
#ifndef NEARDUP_INDEX_INT_H
#define NEARDUP_INDEX_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "index_code.h"
#include "index_ext.h"
#include "neardup/index.h"
#include "writeback.h"

#define ND_INDEX_APP_ID 0x6e647570 /* "ndup": PRAGMA application_id */
#define ND_KEY_BITS 42             /* map keys are < 2^42 */

enum { ND_MAP_IDS = 0, ND_MAP_BANDS = 1, ND_MAP_SENTS = 2, ND_MAPS = 3 };

/* The prepared statements an index keeps. */
enum {
    ST_DOC_GET,    /* a document's id, source path, line, words, snippet, record */
    ST_DOC_RECORD, /* a document's record only */
    ST_DOC_ID,     /* a document's id only */
    ST_CHUNK_AT,   /* per map: the chunk holding a key (3 statements) */
    ST_CHUNK_AT_END = ST_CHUNK_AT + ND_MAPS,
    ST_NSTMTS = ST_CHUNK_AT_END
};

struct nd_index {
    sqlite3 *db;
    char *path;
    int writable;
    nd_index_settings set;
    uint64_t ndocs; /* documents, as of the last read or add */
    sqlite3_stmt *st[ST_NSTMTS];
    nd_writeback *wb; /* during a write transaction (writeback.h) ... */
    int wb_db;        /* ... on the file (a descriptor of ours + 1, 0: none; closed only
                         after SQLite's connection, see writeback.h) */
    int wb_wal;       /* ... and on the write-ahead log (+ 1; closed at the end of each) */
    char msg[ND_INDEX_MSG_MAX];
};

/* The table of a map. */
const char *nd_map_table(int map);

/* Sets ix->msg from a printf format; returns code. */
nd_status nd_index_fail(nd_index *ix, nd_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For a failed SQLite call (rc) while doing `what`: the status (ND_ECORRUPT, ND_EBUSY,
 * ND_ENOMEM, ND_EIO) and a message naming what and SQLite's reason. */
nd_status nd_index_sqlfail(nd_index *ix, int rc, const char *what);
/* Runs SQL without results. */
nd_status nd_index_exec(nd_index *ix, const char *sql, const char *what);
/* A kept prepared statement (reset, bindings cleared). */
nd_status nd_index_stmt(nd_index *ix, int which, sqlite3_stmt **out);

/* BEGIN IMMEDIATE (a write transaction: waits for another writer up to the busy timeout,
 * then ND_EBUSY) or BEGIN (a read snapshot, taken at once); COMMIT; ROLLBACK. A write
 * transaction runs a writeback thread (writeback.h) on the file and its log until its
 * COMMIT (and the checkpoint in it) or ROLLBACK. */
nd_status nd_index_begin(nd_index *ix, int write);
nd_status nd_index_commit(nd_index *ix);
void nd_index_rollback(nd_index *ix);
/* Re-reads the document count (in a transaction: as of its snapshot). */
nd_status nd_index_count(nd_index *ix);

/* A document's record, decoded into r. ND_OK, ND_ECORRUPT (none such, or damaged), ND_EIO,
 * ND_ENOMEM. */
nd_status nd_index_load_record(nd_index *ix, uint32_t doc, nd_rec *r);

/* The exact shingle set of a decoded record (as a scan computes it: n-grams of its token
 * hashes, sorted, unique), into *out (nd_malloc'd). ND_OK or ND_ENOMEM. */
nd_status nd_rec_shingle_set(const nd_rec *r, unsigned ngram, nd_u64s *scratch, uint64_t **out,
                             size_t *n);

/* ---- key maps (index_map.c) ------------------------------------------------------------ */

/* Writes a new run of one map: entries put in (key, doc) order (repeats dropped). */
typedef struct nd_run_writer {
    nd_index *ix;
    int map;
    int64_t run;
    nd_kentry *buf; /* the chunk being filled */
    size_t n, cap;
    uint64_t entries;
    uint64_t chunks;
    nd_bytes enc;
    sqlite3_stmt *ins;
} nd_run_writer;

nd_status nd_run_begin(nd_index *ix, int map, nd_run_writer *w);
nd_status nd_run_put(nd_run_writer *w, uint64_t key, uint32_t doc);
/* Writes what is left and records the run (none when it holds no entry). Frees w. */
nd_status nd_run_end(nd_run_writer *w);
void nd_run_abandon(nd_run_writer *w); /* frees w after a failure */

/* Merges the newest runs of a map while the one before the newest is at most twice its size
 * (so there are O(log n) runs). ND_OK or a failure. */
nd_status nd_map_compact(nd_index *ix, int map);

/* The runs of a map, oldest first, with their entry counts: *runs (nd_malloc'd) of *n. */
typedef struct nd_run_info {
    int64_t run;
    uint64_t entries, chunks;
} nd_run_info;
nd_status nd_map_runs(nd_index *ix, int map, nd_run_info **runs, size_t *n);

/* Looks keys up in one run, in any order; in ascending order it reads the run's chunks as a
 * stream, each at most once, seeking only over long gaps. */
typedef struct nd_map_cursor {
    nd_index *ix;
    int map;
    int64_t run;
    nd_kentry *e; /* the decoded chunk */
    size_t n, cap;
    uint64_t first;      /* its first key; valid when n > 0 */
    uint64_t next_first; /* the next chunk's first key (UINT64_MAX: none); valid when n > 0 */
    sqlite3_stmt *stream; /* positioned on the row of the next chunk, when `on` */
    int on;
    nd_bytes copy; /* a chunk's bytes while the stream moves past it */
} nd_map_cursor;

void nd_map_cursor_init(nd_map_cursor *c, nd_index *ix, int map, int64_t run);
void nd_map_cursor_clear(nd_map_cursor *c); /* also ends its statement */
/* The entries with key k: (*e)[0 .. *n), borrowed until the next call; *n = 0 when none. */
nd_status nd_map_lookup(nd_map_cursor *c, uint64_t k, const nd_kentry **e, size_t *n);

/* ---- adding (index_add.c) and checking (check.c) --------------------------------------- */

#define ND_SBUF 4096 /* sentence band entries buffered per band */

/* What an add keeps of the documents it writes at the end. */
enum { ND_KEEP_ALL = 0, ND_KEEP_ONLY_NEW, ND_KEEP_ADD_NEW };

/* One add or check of a batch (an nd_scan_run with the extension of index_ext.h). */
typedef struct nd_session {
    nd_index *ix;
    nd_scan_ext ext;
    nd_scan_ctx *ctx; /* the scan running (set after pass 1) */
    int write; /* the batch is added at the end (keep: ND_KEEP_*) */
    int keep;
    /* Pass 1: each document's record and snippet, and (write) its sentences' band keys, in
     * temporary files. */
    FILE *spool;
    uint64_t spool_pos;
    uint64_t *spool_off; /* per batch document */
    size_t nspool, capspool;
    FILE *sband[ND_PARA_BANDS];
    uint64_t *sbuf; /* entries not yet written to sband[b]: sbuf[b * ND_SBUF ..], sbn[b] */
    size_t sbn[ND_PARA_BANDS];
    /* A plain add writes each document as pass 1 commits it ("direct"): its id checked
     * against the id map (a cursor per run) and the batch's earlier ids (a hash table of
     * (hash << 32 | document)), its number in docno[]. */
    int direct;
    uint32_t *docno;
    size_t capdocno;
    uint64_t *idtab; /* open addressing, idcap slots, 0 = empty (entries store doc + 1) */
    size_t idcap, idn;
    nd_map_cursor *idcur;
    size_t nidcur;
    sqlite3_stmt *ins_doc;
    int64_t add_id;
    int64_t *srcid; /* sources table number of each reader source, -1 unknown */
    size_t nsrcid;
    /* What the lookups found (check.c). */
    nd_pair_sim *edges;
    size_t nedges, capedges;
    nd_para_rec *srecs;
    size_t nsrecs, capsrecs;
    nd_pair *sjoin;
    size_t nsjoin, capsjoin;
    uint32_t *arch_doc; /* archive document number of result document nbatch + i */
    size_t narch;
    /* Scratch. */
    nd_rec rec;
    nd_u64s scratch;
    nd_bytes buf;
    nd_index_add_stats stats;
} nd_session;

/* Readies s for ix (write: the batch is added, keeping ND_KEEP_*). ND_OK or ND_EIO /
 * ND_ENOMEM (a temporary file), with a message in ix. */
nd_status nd_session_init(nd_session *s, nd_index *ix, int write, int keep);
void nd_session_clear(nd_session *s);
/* The extension's on_doc (index_ext.h): spools the document. */
nd_status nd_session_on_doc(void *ud, nd_scan_ctx *c, uint32_t doc, const nd_ext_doc *d);
/* The record of batch document d, from the spool, decoded into s->rec; its snippet in
 * *snippet (snippet_len bytes, valid until the next spool read) unless snippet is NULL. */
nd_status nd_session_batch_record(nd_session *s, uint32_t d, const char **snippet,
                                  size_t *snippet_len);
/* After the scan: adds what the session keeps of the batch to the archive (in the open
 * write transaction), the counts in s->stats. */
nd_status nd_session_write(nd_session *s, const nd_scan_result *res, const nd_scan_opts *opts);

/* check.c: the extension's after_pass1 and load_set. */
nd_status nd_check_after_pass1(void *ud, nd_scan_ctx *c, const nd_sent_store *store);
nd_status nd_check_load_set(void *ud, uint32_t doc, nd_set *out);

#endif
