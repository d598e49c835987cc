/*
 * index.c - the archive index's file: creating, opening and checking it, its settings,
 * what it reports about itself (see index.h and index_int.h for the layout).
 *
 * Opening reads only the header, the settings and the add counts, so it costs the same for
 * ten documents or ten million; it never writes. Damage elsewhere in the file is found when
 * a command reads it: SQLite checks every b-tree page it loads (SQLITE_CORRUPT), and every
 * record and chunk carries a checksum (index_code.h). nd_index_verify reads everything.
 *
 * The *probe*: at creation, a fixed text is run through the very code that makes records
 * and keys (the workers' ND_MODE_INDEX: normalising, token hashes, signature, sentences and
 * their band keys), and a hash of what came out is stored. Opening recomputes it: a build
 * whose normaliser, hashing or sentence cutting has changed since (so that its keys would
 * not find the stored ones) refuses the index instead of silently missing duplicates.
 */
#include "neardup/index.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "docwork.h"
#include "index_int.h"
#include "lsh.h"
#include "minhash.h"
#include "neardup/neardup.h"
#include "sentences.h"
#include "shingle.h"
#include "xxh.h"

#define BUSY_MS 60000 /* how long to wait for another writer */

/* The --paragraphs name of a mode, as the settings table stores it. */
static const char *mode_name(nd_para_mode m)
{
    return m == ND_PARA_BLOCK ? "block" : m == ND_PARA_AUTO ? "auto" : "line";
}

static const char *const map_tables[ND_MAPS] = {"ids", "bands", "sentences"};

const char *nd_map_table(int map)
{
    return map_tables[map];
}

/* ---- messages and SQL helpers ------------------------------------------------------------ */

__attribute__((format(printf, 2, 0))) static void vset_msg(char *buf, const char *fmt, va_list ap)
{
    if (!buf) return;
    vsnprintf(buf, ND_INDEX_MSG_MAX, fmt, ap);
}

__attribute__((format(printf, 3, 4))) static nd_status why_fail(char *why, nd_status code,
                                                                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_msg(why, fmt, ap);
    va_end(ap);
    return code;
}

nd_status nd_index_fail(nd_index *ix, nd_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset_msg(ix->msg, fmt, ap);
    va_end(ap);
    return code;
}

/* The status of an SQLite result code. */
static nd_status sql_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return ND_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ND_ECORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ND_EBUSY;
    default:
        return ND_EIO;
    }
}

nd_status nd_index_sqlfail(nd_index *ix, int rc, const char *what)
{
    nd_status st = sql_status(rc);
    const char *why = sqlite3_errstr(rc);
    if (ix->db && sqlite3_errcode(ix->db) == rc) why = sqlite3_errmsg(ix->db);
    if (st == ND_ECORRUPT)
        return nd_index_fail(ix, st, "damaged: %s while %s (run 'neardup index info --check')",
                             why, what);
    if (st == ND_EBUSY)
        return nd_index_fail(ix, st, "busy: another neardup kept it locked for %d s (%s)",
                             BUSY_MS / 1000, what);
    return nd_index_fail(ix, st, "%s while %s", why, what);
}

nd_status nd_index_exec(nd_index *ix, const char *sql, const char *what)
{
    int rc = sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? ND_OK : nd_index_sqlfail(ix, rc, what);
}

static const char *const stmt_sql[ST_NSTMTS] = {
    [ST_DOC_GET] = ("SELECT d.id, s.path, d.line, d.words, d.snippet FROM docs d JOIN sources s "
                    "ON s.source = d.source WHERE d.doc = ?1"),
    [ST_DOC_RECORD] = "SELECT record FROM docs WHERE doc = ?1",
    [ST_DOC_ID] = "SELECT id FROM docs WHERE doc = ?1",
    [ST_CHUNK_AT + ND_MAP_IDS] =
        "SELECT key, chunk FROM ids WHERE key BETWEEN ?1 AND ?2 ORDER BY key DESC LIMIT 1",
    [ST_CHUNK_AT + ND_MAP_BANDS] =
        "SELECT key, chunk FROM bands WHERE key BETWEEN ?1 AND ?2 ORDER BY key DESC LIMIT 1",
    [ST_CHUNK_AT + ND_MAP_SENTS] =
        "SELECT key, chunk FROM sentences WHERE key BETWEEN ?1 AND ?2 ORDER BY key DESC LIMIT 1",
};

nd_status nd_index_stmt(nd_index *ix, int which, sqlite3_stmt **out)
{
    if (!ix->st[which]) {
        int rc = sqlite3_prepare_v3(ix->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                    &ix->st[which], NULL);
        if (rc != SQLITE_OK) return nd_index_sqlfail(ix, rc, "preparing a query");
    }
    sqlite3_reset(ix->st[which]);
    sqlite3_clear_bindings(ix->st[which]);
    *out = ix->st[which];
    return ND_OK;
}

/* The writeback thread of a write transaction: the file and its write-ahead log. */
#define WRITEBACK_MS 25

static void writeback_start(nd_index *ix)
{
    const char *db = sqlite3_db_filename(ix->db, "main");
    if (ix->wb || !db || !*db) return;
    /* The file's descriptor stays open until the connection is closed: closing it would
     * drop SQLite's POSIX locks on the file (they belong to the process, not the
     * descriptor). The log holds no lock. */
    if (!ix->wb_db) ix->wb_db = open(db, O_RDONLY | O_CLOEXEC) + 1;
    if (!ix->wb_wal) ix->wb_wal = open(sqlite3_filename_wal(db), O_RDONLY | O_CLOEXEC) + 1;
    int fds[2] = {ix->wb_db - 1, ix->wb_wal - 1};
    ix->wb = nd_writeback_start(fds, 2, WRITEBACK_MS);
}

static void writeback_stop(nd_index *ix)
{
    nd_writeback_stop(ix->wb);
    ix->wb = NULL;
    if (ix->wb_wal > 0) close(ix->wb_wal - 1);
    ix->wb_wal = 0;
}

nd_status nd_index_begin(nd_index *ix, int write)
{
    if (write) {
        nd_status st = nd_index_exec(ix, "BEGIN IMMEDIATE", "starting to write");
        if (st == ND_OK) writeback_start(ix);
        return st;
    }
    nd_status st = nd_index_exec(ix, "BEGIN", "starting to read");
    /* A deferred transaction takes its snapshot at its first read: take it now. */
    if (st == ND_OK) st = nd_index_count(ix);
    if (st != ND_OK) nd_index_rollback(ix);
    return st;
}

nd_status nd_index_commit(nd_index *ix)
{
    nd_status st = nd_index_exec(ix, "COMMIT", "committing");
    writeback_stop(ix);
    return st;
}

void nd_index_rollback(nd_index *ix)
{
    if (!sqlite3_get_autocommit(ix->db)) sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
    writeback_stop(ix);
}

/* One integer from a query without parameters. */
static nd_status query_int(nd_index *ix, const char *sql, int64_t *out, const char *what)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(ix->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        *out = 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? ND_OK : nd_index_sqlfail(ix, rc, what);
}

nd_status nd_index_count(nd_index *ix)
{
    int64_t n = 0;
    nd_status st = query_int(ix, "SELECT coalesce(sum(documents), 0) FROM adds", &n,
                             "counting the documents");
    if (st == ND_OK) ix->ndocs = (uint64_t)n;
    return st;
}

nd_status nd_index_load_record(nd_index *ix, uint32_t doc, nd_rec *r)
{
    sqlite3_stmt *s = NULL;
    nd_status st = nd_index_stmt(ix, ST_DOC_RECORD, &s);
    if (st != ND_OK) return st;
    sqlite3_bind_int64(s, 1, doc);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        st = nd_rec_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), r);
        if (st == ND_ECORRUPT)
            st = nd_index_fail(ix, st, "damaged: the record of document %u has a bad checksum "
                                       "(run 'neardup index info --check')", doc);
    } else if (rc == SQLITE_DONE) {
        st = nd_index_fail(ix, ND_ECORRUPT, "damaged: a map names document %u, which is missing",
                           doc);
    } else {
        st = nd_index_sqlfail(ix, rc, "reading a document");
    }
    sqlite3_reset(s);
    return st;
}

nd_status nd_rec_shingle_set(const nd_rec *r, unsigned ngram, nd_u64s *scratch, uint64_t **out,
                             size_t *n)
{
    nd_u64s sh = {0};
    nd_status st = nd_shingle_from_hashes(r->th, r->ntok, ngram, &sh);
    if (st != ND_OK) {
        nd_u64s_clear(&sh);
        return st;
    }
    *n = nd_u64_sort_unique(sh.v, sh.n, scratch);
    *out = sh.v;
    return ND_OK;
}

/* ---- settings --------------------------------------------------------------------------- */

/* Checks the settings of opts and resolves the banding into s. */
static nd_status settings_from(const nd_scan_opts *o, nd_index_settings *s, char *why)
{
    if (o->ngram < 1 || o->ngram > ND_NGRAM_MAX || o->perms < 1 || o->perms > ND_PERMS_MAX ||
        !(o->threshold > 0.0 && o->threshold <= 1.0) || o->bands > o->perms ||
        o->para.short_words < 1 || (o->para.mode != ND_PARA_LINE && o->para.mode != ND_PARA_BLOCK &&
         o->para.mode != ND_PARA_AUTO))
        return why_fail(why, ND_EINVAL, "a setting is out of range");
    memset(s, 0, sizeof *s);
    s->ngram = o->ngram;
    s->perms = o->perms;
    s->threshold = o->threshold;
    s->para_mode = o->para.mode;
    s->short_words = o->para.short_words;
    if (o->bands) {
        s->bands = o->bands;
        s->rows = o->perms / o->bands;
        return ND_OK;
    }
    nd_lsh_params p;
    if (nd_lsh_params_for(o->threshold, o->perms, &p) != ND_OK)
        return why_fail(why, ND_EINVAL, "no banding for these settings");
    s->bands = p.bands;
    s->rows = p.rows;
    return ND_OK;
}

/* The probe of settings s (see the top of the file) into *out. */
static nd_status probe(const nd_index_settings *s, uint64_t *out)
{
    static const char text[] =
        "Presiden Rusia Vladimir Putin mengatakan: \xe2\x80\x9cKami mendukung diskusi "
        "profesional dan konstruktif.\xe2\x80\x9d Ini kalimat kedua yang cukup panjang!\n"
        "Negara-negara \xc3\x9cNTERSCHIEDLICH 42 words, \xef\xac\x81 ligatures... And a third "
        "sentence, after an ellipsis. Short.\n\nA new block of one sentence here.\n";
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.ngram = s->ngram;
    o.perms = s->perms;
    o.threshold = s->threshold;
    o.para.mode = s->para_mode;
    o.para.short_words = s->short_words;
    o.para.want_sentences = 1;
    o.parts = 0;
    nd_minhash *mh = NULL, *pmh = NULL;
    nd_batch *b = NULL;
    nd_worker w;
    int have_w = 0;
    nd_status st;
    if ((st = nd_minhash_create(s->perms, ND_MINHASH_SEED, &mh)) != ND_OK) goto out;
    if ((st = nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &pmh)) != ND_OK) goto out;
    if ((st = nd_worker_init(&w, &o, mh, pmh)) != ND_OK) goto out;
    have_w = 1;
    if ((st = nd_batch_create(s->perms, &b)) != ND_OK) goto out;
    nd_batch_reset(b, ND_MODE_INDEX);
    nd_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = ND_REC_DOC;
    rec.data = text;
    rec.len = sizeof text - 1;
    rec.path = "<probe>";
    rec.line = 1;
    if ((st = nd_batch_add(b, &rec, 0, 0)) != ND_OK) goto out;
    nd_process_batch(&w, b);
    if ((st = b->fatal) != ND_OK) goto out;
    const nd_item *it = &b->items[0];
    if (it->status != ND_OK || it->prec_n == 0) {
        st = ND_EINTERNAL;
        goto out;
    }
    XXH3_state_t *x = XXH3_createState();
    if (!x) {
        st = ND_ENOMEM;
        goto out;
    }
    XXH3_64bits_reset(x);
    XXH3_64bits_update(x, b->recs.p + it->rec_off, it->rec_len);
    XXH3_64bits_update(x, b->sigs, s->perms * sizeof *b->sigs);
    for (size_t j = it->prec_first; j < it->prec_first + it->prec_n; j++) {
        XXH3_64bits_update(x, b->psent[j].band, sizeof b->psent[j].band);
        XXH3_64bits_update(x, &b->precs[j].key, sizeof b->precs[j].key);
    }
    /* The article band keys as nd_lsh_band_key makes them. */
    for (unsigned k = 0; k < s->bands; k++) {
        uint32_t key = nd_lsh_band_key(b->sigs, k, s->rows);
        XXH3_64bits_update(x, &key, sizeof key);
    }
    *out = XXH3_64bits_digest(x);
    XXH3_freeState(x);
out:
    nd_batch_free(b);
    if (have_w) nd_worker_clear(&w);
    nd_minhash_free(mh);
    nd_minhash_free(pmh);
    return st;
}

/* The settings table's rows for s, as SQL. */
static nd_status write_settings(nd_index *ix, const nd_index_settings *s, uint64_t pr)
{
    char sql[2048], when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    snprintf(sql, sizeof sql,
             "INSERT INTO settings(name, value) VALUES "
             "('schema', %d), ('ngram', %u), ('perms', %u), ('threshold', '%.17g'), "
             "('bands', %u), ('rows', %u), ('paragraphs', '%s'), ('short_words', %u), "
             "('sentence_perms', %u), ('sentence_bands', %u), ('sentence_rows', %u), "
             "('probe', '%016llx'), ('created', '%s'), ('neardup', '%s')",
             ND_INDEX_SCHEMA, s->ngram, s->perms, s->threshold, s->bands, s->rows,
             mode_name(s->para_mode), s->short_words, ND_PARA_PERMS,
             ND_PARA_BANDS, ND_PARA_ROWS, (unsigned long long)pr, when, nd_version());
    return nd_index_exec(ix, sql, "writing the settings");
}

static const char schema_sql[] =
    "CREATE TABLE settings(name TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE sources(source INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);"
    "CREATE TABLE adds(add_id INTEGER PRIMARY KEY, time TEXT NOT NULL, documents INTEGER NOT "
    "NULL, version TEXT NOT NULL);"
    "CREATE TABLE docs(doc INTEGER PRIMARY KEY, id TEXT NOT NULL, source INTEGER NOT NULL, "
    "line INTEGER NOT NULL, words INTEGER NOT NULL, add_id INTEGER NOT NULL, snippet TEXT NOT "
    "NULL, record BLOB NOT NULL);"
    "CREATE TABLE runs(map INTEGER NOT NULL, run INTEGER NOT NULL, entries INTEGER NOT NULL, "
    "chunks INTEGER NOT NULL, PRIMARY KEY(map, run)) WITHOUT ROWID;"
    "CREATE TABLE ids(key INTEGER PRIMARY KEY, chunk BLOB NOT NULL);"
    "CREATE TABLE bands(key INTEGER PRIMARY KEY, chunk BLOB NOT NULL);"
    "CREATE TABLE sentences(key INTEGER PRIMARY KEY, chunk BLOB NOT NULL);";

/* Removes a file SQLite may have left next to path. */
static void unlink_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    char *p = malloc(n + m + 1);
    if (!p) return;
    memcpy(p, path, n);
    memcpy(p + n, suffix, m + 1);
    unlink(p);
    free(p);
}

static void index_free(nd_index *ix)
{
    if (!ix) return;
    writeback_stop(ix);
    for (int i = 0; i < ST_NSTMTS; i++)
        sqlite3_finalize(ix->st[i]);
    sqlite3_close(ix->db);
    if (ix->wb_db > 0) close(ix->wb_db - 1); /* after SQLite's locks are gone */
    nd_free(ix->path);
    nd_free(ix);
}

/* The connection's own settings (none is written to the file). */
static nd_status connection_pragmas(nd_index *ix)
{
    sqlite3_busy_timeout(ix->db, BUSY_MS);
    sqlite3_extended_result_codes(ix->db, 1);
    return nd_index_exec(ix,
                         "PRAGMA cache_size = -65536; PRAGMA synchronous = NORMAL; "
                         "PRAGMA secure_delete = OFF; PRAGMA journal_size_limit = 67108864; "
                         "PRAGMA foreign_keys = OFF",
                         "setting up the connection");
}

nd_status nd_index_create(const char *path, const nd_scan_opts *opts, char *why)
{
    nd_index_settings s;
    nd_status st = settings_from(opts, &s, why);
    if (st != ND_OK) return st;
    uint64_t pr;
    if ((st = probe(&s, &pr)) != ND_OK) return why_fail(why, st, "%s", nd_status_str(st));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        int e = errno;
        return why_fail(why, e == EEXIST ? ND_EEXIST : ND_EIO, "cannot create: %s",
                        e == EEXIST ? "it exists already" : strerror(e));
    }
    close(fd);
    nd_index *ix = nd_calloc(1, sizeof *ix);
    if (!ix) {
        unlink(path);
        return why_fail(why, ND_ENOMEM, "out of memory");
    }
    int rc = sqlite3_open_v2(path, &ix->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        st = nd_index_sqlfail(ix, rc, "creating the index");
        goto fail;
    }
    if ((st = connection_pragmas(ix)) != ND_OK) goto fail;
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; PRAGMA application_id = %d; "
             "PRAGMA user_version = %d",
             ND_INDEX_APP_ID, ND_INDEX_SCHEMA);
    if ((st = nd_index_exec(ix, sql, "creating the index")) != ND_OK) goto fail;
    if ((st = nd_index_begin(ix, 1)) != ND_OK) goto fail;
    if ((st = nd_index_exec(ix, schema_sql, "creating the tables")) != ND_OK ||
        (st = write_settings(ix, &s, pr)) != ND_OK || (st = nd_index_commit(ix)) != ND_OK) {
        nd_index_rollback(ix);
        goto fail;
    }
    index_free(ix);
    return ND_OK;
fail:
    if (why) snprintf(why, ND_INDEX_MSG_MAX, "%s", ix->msg);
    index_free(ix);
    unlink(path);
    unlink_suffix(path, "-wal");
    unlink_suffix(path, "-shm");
    unlink_suffix(path, "-journal");
    return st;
}

/* Reads the settings table into ix->set and checks the schema and the probe. */
static nd_status read_settings(nd_index *ix)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ix->db, "SELECT name, value FROM settings", -1, &q, NULL);
    if (rc != SQLITE_OK) return nd_index_sqlfail(ix, rc, "reading the settings");
    nd_index_settings *s = &ix->set;
    memset(s, 0, sizeof *s);
    unsigned seen = 0, sp = 0, sb = 0, sr = 0;
    unsigned long long pr = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        const char *val = (const char *)sqlite3_column_text(q, 1);
        if (!name || !val) continue;
        unsigned v = (unsigned)sqlite3_column_int64(q, 1);
        if (strcmp(name, "ngram") == 0)
            s->ngram = v, seen |= 1;
        else if (strcmp(name, "perms") == 0)
            s->perms = v, seen |= 2;
        else if (strcmp(name, "threshold") == 0)
            s->threshold = strtod(val, NULL), seen |= 4;
        else if (strcmp(name, "bands") == 0)
            s->bands = v, seen |= 8;
        else if (strcmp(name, "rows") == 0)
            s->rows = v, seen |= 16;
        else if (strcmp(name, "paragraphs") == 0)
            s->para_mode = strcmp(val, "block") == 0  ? ND_PARA_BLOCK
                           : strcmp(val, "auto") == 0 ? ND_PARA_AUTO
                                                      : ND_PARA_LINE,
            seen |= 32;
        else if (strcmp(name, "short_words") == 0)
            s->short_words = v, seen |= 64;
        else if (strcmp(name, "sentence_perms") == 0)
            sp = v, seen |= 128;
        else if (strcmp(name, "sentence_bands") == 0)
            sb = v, seen |= 256;
        else if (strcmp(name, "sentence_rows") == 0)
            sr = v, seen |= 512;
        else if (strcmp(name, "probe") == 0)
            pr = strtoull(val, NULL, 16), seen |= 1024;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return nd_index_sqlfail(ix, rc, "reading the settings");
    if (seen != 2047 || s->ngram < 1 || s->ngram > ND_NGRAM_MAX || s->perms < 1 ||
        s->perms > ND_PERMS_MAX || !(s->threshold > 0 && s->threshold <= 1) || s->bands < 1 ||
        s->rows < 1 || s->bands * s->rows > s->perms || s->short_words < 1)
        return nd_index_fail(ix, ND_ECORRUPT, "damaged: its settings are incomplete or invalid");
    if (sp != ND_PARA_PERMS || sb != ND_PARA_BANDS || sr != ND_PARA_ROWS)
        return nd_index_fail(ix, ND_ESETTINGS,
                             "made with sentence signatures of %u values in %u bands of %u rows; "
                             "this neardup makes %u in %u of %u: rebuild the index",
                             sp, sb, sr, ND_PARA_PERMS, ND_PARA_BANDS, ND_PARA_ROWS);
    uint64_t now;
    nd_status st = probe(s, &now);
    if (st != ND_OK) return nd_index_fail(ix, st, "%s", nd_status_str(st));
    if (now != pr)
        return nd_index_fail(ix, ND_ESETTINGS,
                             "made by a neardup that normalises or hashes text differently from "
                             "this one (its probe differs): rebuild the index");
    return ND_OK;
}

/* Reads the first and last row of every table: their b-trees' root pages and the pages on
 * the way to both ends (a few dozen pages whatever the size), so a damaged root is refused
 * at once. */
static nd_status probe_tables(nd_index *ix)
{
    static const char *const sql[] = {
        "SELECT max(doc), min(doc) FROM docs",      "SELECT max(key), min(key) FROM ids",
        "SELECT max(key), min(key) FROM bands",     "SELECT max(key), min(key) FROM sentences",
        "SELECT max(source), min(source) FROM sources", "SELECT max(add_id), min(add_id) FROM adds",
        "SELECT count(*) FROM (SELECT 1 FROM runs LIMIT 1)"};
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        int rc = sqlite3_exec(ix->db, sql[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK) return nd_index_sqlfail(ix, rc, "opening");
    }
    return ND_OK;
}

nd_status nd_index_open(const char *path, int writable, nd_index **out, char *why)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return why_fail(why, ND_EIO, "cannot open: %s", strerror(errno));
    if (S_ISDIR(sb.st_mode)) return why_fail(why, ND_EIO, "cannot open: it is a directory");
    nd_index *ix = nd_calloc(1, sizeof *ix);
    if (!ix || !(ix->path = nd_strndup(path, strlen(path)))) {
        nd_free(ix);
        return why_fail(why, ND_ENOMEM, "out of memory");
    }
    ix->writable = writable;
    nd_status st;
    int rc = sqlite3_open_v2(path, &ix->db, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                             NULL);
    if (rc != SQLITE_OK) {
        st = nd_index_sqlfail(ix, rc, "opening");
        goto fail;
    }
    sqlite3_busy_timeout(ix->db, BUSY_MS);
    int64_t app = 0, ver = 0;
    rc = sqlite3_exec(ix->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        st = nd_index_fail(ix, ND_ENOTINDEX, "not a neardup index: not an SQLite database");
        goto fail;
    }
    if (rc != SQLITE_OK) {
        st = nd_index_sqlfail(ix, rc, "opening");
        goto fail;
    }
    if ((st = query_int(ix, "PRAGMA application_id", &app, "opening")) != ND_OK ||
        (st = query_int(ix, "PRAGMA user_version", &ver, "opening")) != ND_OK)
        goto fail;
    if (app != ND_INDEX_APP_ID) {
        st = nd_index_fail(ix, ND_ENOTINDEX, "not a neardup index: an SQLite database of %s",
                           sb.st_size == 0 ? "nothing (an empty file)" : "another program");
        goto fail;
    }
    if (ver > ND_INDEX_SCHEMA) {
        st = nd_index_fail(ix, ND_ENEWER,
                           "made by a newer neardup: index schema %lld, this neardup reads "
                           "schema %d",
                           (long long)ver, ND_INDEX_SCHEMA);
        goto fail;
    }
    if (ver < 1) {
        st = nd_index_fail(ix, ND_ECORRUPT, "damaged: no schema version");
        goto fail;
    }
    if ((st = connection_pragmas(ix)) != ND_OK) goto fail;
    if ((st = read_settings(ix)) != ND_OK || (st = nd_index_count(ix)) != ND_OK ||
        (st = probe_tables(ix)) != ND_OK)
        goto fail;
    *out = ix;
    return ND_OK;
fail:
    if (why) snprintf(why, ND_INDEX_MSG_MAX, "%s", ix->msg);
    index_free(ix);
    return st;
}

void nd_index_close(nd_index *ix)
{
    index_free(ix);
}

const char *nd_index_errmsg(const nd_index *ix)
{
    return ix->msg;
}

const nd_index_settings *nd_index_get_settings(const nd_index *ix)
{
    return &ix->set;
}


nd_status nd_index_use_settings(nd_index *ix, nd_scan_opts *o, unsigned given)
{
    const nd_index_settings *s = &ix->set;
    if ((given & ND_SET_NGRAM) && o->ngram != s->ngram)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --ngram %u, not %u", s->ngram, o->ngram);
    if ((given & ND_SET_PERMS) && o->perms != s->perms)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --perms %u, not %u", s->perms, o->perms);
    if ((given & ND_SET_THRESHOLD) && fabs(o->threshold - s->threshold) > 1e-12)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --threshold %g, not %g", s->threshold,
                             o->threshold);
    if ((given & ND_SET_BANDS) && o->bands != s->bands)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --bands %u, not %u", s->bands, o->bands);
    if ((given & ND_SET_PARAGRAPHS) && o->para.mode != s->para_mode)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --paragraphs %s, not %s",
                             mode_name(s->para_mode), mode_name(o->para.mode));
    if ((given & ND_SET_SHORT_WORDS) && o->para.short_words != s->short_words)
        return nd_index_fail(ix, ND_ESETTINGS, "made with --short-words %u, not %u",
                             s->short_words, o->para.short_words);
    o->ngram = s->ngram;
    o->perms = s->perms;
    o->threshold = s->threshold;
    o->bands = s->bands;
    o->para.mode = s->para_mode;
    o->para.short_words = s->short_words;
    return ND_OK;
}

/* ---- info and verify ---------------------------------------------------------------------- */

/* The text of a settings row into buf. */
static void setting_text(nd_index *ix, const char *name, char *buf, size_t n)
{
    sqlite3_stmt *q = NULL;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(ix->db, "SELECT value FROM settings WHERE name = ?1", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
            snprintf(buf, n, "%s", (const char *)sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
}

nd_status nd_index_info_get(nd_index *ix, int tables, nd_index_info *out)
{
    memset(out, 0, sizeof *out);
    out->settings = ix->set;
    out->schema = ND_INDEX_SCHEMA;
    nd_status st = nd_index_begin(ix, 0);
    if (st != ND_OK) return st;
    int64_t v = 0, pages = 0, psize = 0, freep = 0;
    out->documents = ix->ndocs;
    if ((st = query_int(ix, "SELECT count(*) FROM adds WHERE documents > 0", &v, "reading")) !=
            ND_OK ||
        (st = query_int(ix, "PRAGMA page_count", &pages, "reading")) != ND_OK ||
        (st = query_int(ix, "PRAGMA page_size", &psize, "reading")) != ND_OK ||
        (st = query_int(ix, "PRAGMA freelist_count", &freep, "reading")) != ND_OK)
        goto out;
    out->adds = (uint64_t)v;
    out->free_bytes = (uint64_t)(freep * psize);
    for (int m = 0; m < ND_MAPS && st == ND_OK; m++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE map = %d", m);
        if ((st = query_int(ix, sql, &v, "reading the runs")) == ND_OK) out->runs[m] = (unsigned)v;
    }
    if (st != ND_OK) goto out;
    setting_text(ix, "created", out->created, sizeof out->created);
    setting_text(ix, "neardup", out->version, sizeof out->version);
    struct stat sb;
    out->file_bytes = stat(ix->path, &sb) == 0 ? (uint64_t)sb.st_size : (uint64_t)(pages * psize);
    size_t n = strlen(ix->path);
    char *wal = nd_malloc(n + 5);
    if (wal) {
        memcpy(wal, ix->path, n);
        memcpy(wal + n, "-wal", 5);
        if (stat(wal, &sb) == 0) out->wal_bytes = (uint64_t)sb.st_size;
        nd_free(wal);
    }
    if (!tables) goto out;
    /* Per table (SQLite's dbstat): reads every page. */
    sqlite3_stmt *q = NULL;
    /* (Not dbstat's aggregate mode: its sums wrap at 2^31 in SQLite 3.40.) */
    int rc = sqlite3_prepare_v2(ix->db, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name", -1,
                                &q, NULL);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(q, 0);
            uint64_t b = (uint64_t)sqlite3_column_int64(q, 1);
            if (!name) continue;
            if (strcmp(name, "docs") == 0 || strcmp(name, "sources") == 0 ||
                strcmp(name, "sqlite_autoindex_sources_1") == 0)
                out->docs_bytes += b;
            else if (strcmp(name, "bands") == 0)
                out->bands_bytes += b;
            else if (strcmp(name, "sentences") == 0)
                out->sents_bytes += b;
            else if (strcmp(name, "ids") == 0)
                out->ids_bytes += b;
        }
        if (rc != SQLITE_DONE) st = nd_index_sqlfail(ix, rc, "measuring the tables");
    }
    sqlite3_finalize(q);
out:
    nd_index_rollback(ix);
    return st;
}

/* Every chunk of every run of map m decodes, holds what the runs table says, and names
 * documents that exist (bit d of have). */
static nd_status verify_map(nd_index *ix, int m, const unsigned char *have, uint64_t maxdoc)
{
    nd_run_info *runs = NULL;
    size_t nr = 0;
    nd_status st = nd_map_runs(ix, m, &runs, &nr);
    nd_kentry *e = NULL;
    size_t cap = 0;
    for (size_t r = 0; r < nr && st == ND_OK; r++) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT key, chunk FROM %s WHERE key BETWEEN %lld AND %lld",
                 nd_map_table(m), (long long)(runs[r].run << ND_KEY_BITS),
                 (long long)((runs[r].run << ND_KEY_BITS) | ((INT64_C(1) << ND_KEY_BITS) - 1)));
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(ix->db, sql, -1, &q, NULL);
        uint64_t entries = 0, chunks = 0, last = 0;
        int ok = rc == SQLITE_OK;
        while (ok && st == ND_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
            uint64_t first = (uint64_t)sqlite3_column_int64(q, 0) & ((UINT64_C(1) << ND_KEY_BITS) - 1);
            size_t n = 0;
            st = nd_chunk_decode(sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1), first,
                                 &e, &n, &cap);
            if (st == ND_ECORRUPT) {
                st = nd_index_fail(ix, st, "damaged: a chunk of the %s map has a bad checksum",
                                   nd_map_table(m));
                break;
            }
            if (st != ND_OK) break;
            if (chunks && first <= last)
                st = nd_index_fail(ix, ND_ECORRUPT, "damaged: the %s map splits a key",
                                   nd_map_table(m));
            for (size_t i = 0; i < n && st == ND_OK; i++)
                if (e[i].doc > maxdoc || !(have[e[i].doc / 8] & (1u << (e[i].doc % 8))))
                    st = nd_index_fail(ix, ND_ECORRUPT,
                                       "damaged: the %s map names document %u, which is missing",
                                       nd_map_table(m), e[i].doc);
            if (n) last = e[n - 1].key;
            entries += n;
            chunks++;
        }
        if (st == ND_OK && rc != SQLITE_DONE) st = nd_index_sqlfail(ix, rc, "reading a map");
        sqlite3_finalize(q);
        if (st == ND_OK && (entries != runs[r].entries || chunks != runs[r].chunks))
            st = nd_index_fail(ix, ND_ECORRUPT,
                               "damaged: a run of the %s map holds %llu entries in %llu chunks, "
                               "not %llu in %llu",
                               nd_map_table(m), (unsigned long long)entries,
                               (unsigned long long)chunks, (unsigned long long)runs[r].entries,
                               (unsigned long long)runs[r].chunks);
    }
    nd_free(e);
    nd_free(runs);
    return st;
}

nd_status nd_index_verify(nd_index *ix)
{
    nd_status st = nd_index_begin(ix, 0);
    if (st != ND_OK) return st;
    unsigned char *have = NULL;
    nd_rec r = {0};
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ix->db, "PRAGMA integrity_check(10)", -1, &q, NULL);
    int ok = rc == SQLITE_OK;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(q, 0);
        if (row && strcmp(row, "ok") != 0) {
            st = nd_index_fail(ix, ND_ECORRUPT, "damaged: %s", row);
            break;
        }
    }
    if (st == ND_OK && rc != SQLITE_DONE) st = nd_index_sqlfail(ix, rc, "checking the pages");
    sqlite3_finalize(q);
    q = NULL;
    int64_t maxdoc = 0, total = 0;
    if (st == ND_OK) st = query_int(ix, "SELECT coalesce(max(doc), 0) FROM docs", &maxdoc, "reading");
    if (st == ND_OK && (maxdoc < 0 || maxdoc > UINT32_MAX))
        st = nd_index_fail(ix, ND_ECORRUPT, "damaged: document number %lld", (long long)maxdoc);
    if (st == ND_OK && !(have = nd_calloc((size_t)maxdoc / 8 + 1, 1)))
        st = nd_index_fail(ix, ND_ENOMEM, "out of memory");
    if (st == ND_OK) rc = sqlite3_prepare_v2(ix->db, "SELECT doc, record FROM docs", -1, &q, NULL);
    ok = st == ND_OK && rc == SQLITE_OK;
    while (ok && st == ND_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t d = sqlite3_column_int64(q, 0);
        if (d < 0 || d > maxdoc) {
            st = nd_index_fail(ix, ND_ECORRUPT, "damaged: document number %lld", (long long)d);
            break;
        }
        st = nd_rec_decode(sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1), &r);
        if (st == ND_ECORRUPT)
            st = nd_index_fail(ix, st, "damaged: the record of document %lld has a bad checksum",
                               (long long)d);
        have[d / 8] |= (unsigned char)(1u << (d % 8));
        total++;
    }
    if (st == ND_OK && rc != SQLITE_DONE) st = nd_index_sqlfail(ix, rc, "reading the documents");
    sqlite3_finalize(q);
    if (st == ND_OK && (uint64_t)total != ix->ndocs)
        st = nd_index_fail(ix, ND_ECORRUPT, "damaged: %lld documents, the adds count %llu",
                           (long long)total, (unsigned long long)ix->ndocs);
    for (int m = 0; m < ND_MAPS && st == ND_OK; m++)
        st = verify_map(ix, m, have, (uint64_t)maxdoc);
    nd_rec_clear(&r);
    nd_free(have);
    nd_index_rollback(ix);
    return st;
}
