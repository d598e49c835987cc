/*
 * index_map.c - the key maps of an archive index: runs of chunks, written, merged and looked
 * up (see index_int.h).
 *
 * A run is written in one pass from entries in (key, doc) order, cut into chunks of about
 * CHUNK_ENTRIES entries at a key boundary, each stored under run << 42 | its first key: so
 * the chunk that may hold key k is found with one seek, the last row of the run at or
 * before k. Runs are merged like the levels of a log-structured merge tree (O'Neil et al.,
 * "The log-structured merge-tree", 1996): after an add, the two newest runs of a map are
 * merged while the older is at most twice the newer, so the sizes of the runs left at least
 * double from newest to oldest (O(log n) runs) and each entry is rewritten O(log n) times
 * over the archive's life, while an add writes in proportion to its own batch.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "index_int.h"

#define CHUNK_ENTRIES 512u
#define KEY_MASK ((UINT64_C(1) << ND_KEY_BITS) - 1)
#define MAX_RUN ((INT64_C(1) << (62 - ND_KEY_BITS)) - 1)

nd_status nd_map_runs(nd_index *ix, int map, nd_run_info **runs, size_t *n)
{
    *runs = NULL;
    *n = 0;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ix->db,
                                "SELECT run, entries, chunks FROM runs WHERE map = ?1 ORDER BY run",
                                -1, &q, NULL);
    nd_run_info *v = NULL;
    size_t nv = 0, cap = 0;
    if (rc == SQLITE_OK) sqlite3_bind_int(q, 1, map);
    int ok = rc == SQLITE_OK;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (nv == cap) {
            nd_run_info *g = nd_grow_array(v, &cap, nv + 1, sizeof *g, 8);
            if (!g) {
                sqlite3_finalize(q);
                nd_free(v);
                return nd_index_fail(ix, ND_ENOMEM, "out of memory");
            }
            v = g;
        }
        v[nv].run = sqlite3_column_int64(q, 0);
        v[nv].entries = (uint64_t)sqlite3_column_int64(q, 1);
        v[nv].chunks = (uint64_t)sqlite3_column_int64(q, 2);
        nv++;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) {
        nd_free(v);
        return nd_index_sqlfail(ix, rc, "reading the runs");
    }
    *runs = v;
    *n = nv;
    return ND_OK;
}

/* ---- writing ------------------------------------------------------------------------------ */

nd_status nd_run_begin(nd_index *ix, int map, nd_run_writer *w)
{
    memset(w, 0, sizeof *w);
    w->ix = ix;
    w->map = map;
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ix->db, "SELECT coalesce(max(run), 0) FROM runs WHERE map = ?1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(q, 1, map);
        rc = sqlite3_step(q);
    }
    if (rc == SQLITE_ROW) {
        w->run = sqlite3_column_int64(q, 0) + 1;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK) return nd_index_sqlfail(ix, rc, "starting a run");
    if (w->run > MAX_RUN) return nd_index_fail(ix, ND_EIO, "too many runs in the %s map",
                                               nd_map_table(map));
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT INTO %s(key, chunk) VALUES (?1, ?2)", nd_map_table(map));
    rc = sqlite3_prepare_v2(ix->db, sql, -1, &w->ins, NULL);
    if (rc != SQLITE_OK) return nd_index_sqlfail(ix, rc, "starting a run");
    return ND_OK;
}

void nd_run_abandon(nd_run_writer *w)
{
    sqlite3_finalize(w->ins);
    nd_free(w->buf);
    nd_bytes_clear(&w->enc);
    memset(w, 0, sizeof *w);
}

/* Writes the chunk being filled. */
static nd_status flush_chunk(nd_run_writer *w)
{
    if (!w->n) return ND_OK;
    w->enc.len = 0;
    nd_status st = nd_chunk_encode(w->buf, w->n, &w->enc);
    if (st != ND_OK) return nd_index_fail(w->ix, st, "out of memory");
    sqlite3_reset(w->ins);
    sqlite3_bind_int64(w->ins, 1, (int64_t)((uint64_t)w->run << ND_KEY_BITS | w->buf[0].key));
    sqlite3_bind_blob(w->ins, 2, w->enc.p, (int)w->enc.len, SQLITE_STATIC);
    int rc = sqlite3_step(w->ins);
    if (rc != SQLITE_DONE) return nd_index_sqlfail(w->ix, rc, "writing a map");
    w->entries += w->n;
    w->chunks++;
    w->n = 0;
    return ND_OK;
}

nd_status nd_run_put(nd_run_writer *w, uint64_t key, uint32_t doc)
{
    assert(key <= KEY_MASK);
    if (w->n) {
        const nd_kentry *last = &w->buf[w->n - 1];
        assert(key > last->key || (key == last->key && doc >= last->doc));
        if (key == last->key && doc == last->doc) return ND_OK;
        if (w->n >= CHUNK_ENTRIES && key != last->key) {
            nd_status st = flush_chunk(w);
            if (st != ND_OK) return st;
        }
    }
    if (w->n == w->cap) {
        size_t cap = w->cap;
        nd_kentry *v = nd_grow_array(w->buf, &cap, w->n + 1, sizeof *v, CHUNK_ENTRIES);
        if (!v) return nd_index_fail(w->ix, ND_ENOMEM, "out of memory");
        w->buf = v;
        w->cap = cap;
    }
    w->buf[w->n++] = (nd_kentry){key, doc};
    return ND_OK;
}

nd_status nd_run_end(nd_run_writer *w)
{
    nd_status st = flush_chunk(w);
    if (st == ND_OK && w->entries) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO runs(map, run, entries, chunks) VALUES (%d, %lld, "
                                  "%llu, %llu)",
                 w->map, (long long)w->run, (unsigned long long)w->entries,
                 (unsigned long long)w->chunks);
        st = nd_index_exec(w->ix, sql, "writing a map");
    }
    nd_run_abandon(w);
    return st;
}

/* ---- reading a run in order --------------------------------------------------------------- */

typedef struct run_reader {
    nd_index *ix;
    int map;
    int64_t run;
    sqlite3_stmt *q;
    int64_t next; /* the row key to start the next chunk from */
    nd_kentry *e;
    size_t n, cap, i;
    int done;
} run_reader;

static nd_status reader_open(run_reader *r, nd_index *ix, int map, int64_t run)
{
    memset(r, 0, sizeof *r);
    r->ix = ix;
    r->map = map;
    r->run = run;
    r->next = run << ND_KEY_BITS;
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT key, chunk FROM %s WHERE key BETWEEN ?1 AND ?2 ORDER BY key LIMIT 1",
             nd_map_table(map));
    int rc = sqlite3_prepare_v2(ix->db, sql, -1, &r->q, NULL);
    return rc == SQLITE_OK ? ND_OK : nd_index_sqlfail(ix, rc, "reading a map");
}

static void reader_close(run_reader *r)
{
    sqlite3_finalize(r->q);
    nd_free(r->e);
    memset(r, 0, sizeof *r);
}

/* The next entry in *out; 0 at the end. */
static nd_status reader_next(run_reader *r, const nd_kentry **out)
{
    *out = NULL;
    while (r->i == r->n) {
        if (r->done) return ND_OK;
        sqlite3_reset(r->q);
        sqlite3_bind_int64(r->q, 1, r->next);
        sqlite3_bind_int64(r->q, 2, (r->run << ND_KEY_BITS) | (int64_t)KEY_MASK);
        int rc = sqlite3_step(r->q);
        if (rc == SQLITE_DONE) {
            r->done = 1;
            return ND_OK;
        }
        if (rc != SQLITE_ROW) return nd_index_sqlfail(r->ix, rc, "reading a map");
        int64_t key = sqlite3_column_int64(r->q, 0);
        nd_status st = nd_chunk_decode(sqlite3_column_blob(r->q, 1),
                                       (size_t)sqlite3_column_bytes(r->q, 1),
                                       (uint64_t)key & KEY_MASK, &r->e, &r->n, &r->cap);
        if (st == ND_ECORRUPT)
            return nd_index_fail(r->ix, st,
                                 "damaged: a chunk of the %s map has a bad checksum (run "
                                 "'neardup index info --check')",
                                 nd_map_table(r->map));
        if (st != ND_OK) return nd_index_fail(r->ix, st, "out of memory");
        r->i = 0;
        r->next = key + 1;
    }
    *out = &r->e[r->i++];
    return ND_OK;
}

/* Deletes run `run` of map `map`. */
static nd_status drop_run(nd_index *ix, int map, int64_t run)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE key BETWEEN %lld AND %lld; DELETE FROM runs WHERE map = %d AND "
             "run = %lld",
             nd_map_table(map), (long long)(run << ND_KEY_BITS),
             (long long)((run << ND_KEY_BITS) | (int64_t)KEY_MASK), map, (long long)run);
    return nd_index_exec(ix, sql, "merging a map");
}

/* Merges runs a and b of map into a new run, and drops them. */
static nd_status merge_runs(nd_index *ix, int map, int64_t a, int64_t b)
{
    run_reader ra, rb;
    nd_run_writer w;
    memset(&w, 0, sizeof w);
    nd_status st = reader_open(&ra, ix, map, a);
    if (st == ND_OK) st = reader_open(&rb, ix, map, b);
    else memset(&rb, 0, sizeof rb);
    if (st == ND_OK) st = nd_run_begin(ix, map, &w);
    const nd_kentry *x = NULL, *y = NULL;
    if (st == ND_OK) st = reader_next(&ra, &x);
    if (st == ND_OK) st = reader_next(&rb, &y);
    while (st == ND_OK && (x || y)) {
        int take_x = x && (!y || x->key < y->key || (x->key == y->key && x->doc <= y->doc));
        const nd_kentry *e = take_x ? x : y;
        st = nd_run_put(&w, e->key, e->doc);
        if (st == ND_OK) st = take_x ? reader_next(&ra, &x) : reader_next(&rb, &y);
    }
    reader_close(&ra);
    reader_close(&rb);
    if (st == ND_OK) {
        st = nd_run_end(&w);
    } else {
        nd_run_abandon(&w);
        return st;
    }
    if (st == ND_OK) st = drop_run(ix, map, a);
    if (st == ND_OK) st = drop_run(ix, map, b);
    return st;
}

nd_status nd_map_compact(nd_index *ix, int map)
{
    for (;;) {
        nd_run_info *runs;
        size_t n;
        nd_status st = nd_map_runs(ix, map, &runs, &n);
        if (st != ND_OK) return st;
        int merge = n >= 2 && runs[n - 2].entries <= 2 * runs[n - 1].entries;
        int64_t a = n >= 2 ? runs[n - 2].run : 0, b = n >= 2 ? runs[n - 1].run : 0;
        nd_free(runs);
        if (!merge) return ND_OK;
        if ((st = merge_runs(ix, map, a, b)) != ND_OK) return st;
    }
}

/* ---- lookups ------------------------------------------------------------------------------ */

void nd_map_cursor_init(nd_map_cursor *c, nd_index *ix, int map, int64_t run)
{
    memset(c, 0, sizeof *c);
    c->ix = ix;
    c->map = map;
    c->run = run;
}

void nd_map_cursor_clear(nd_map_cursor *c)
{
    sqlite3_finalize(c->stream);
    nd_free(c->e);
    nd_bytes_clear(&c->copy);
    memset(c, 0, sizeof *c);
}

#define STREAM_STEPS 8 /* chunks read in a row before a seek is cheaper */

/* Decodes the chunk p[0..len) of first key `first` into the cursor. */
static nd_status cursor_decode(nd_map_cursor *c, const void *p, size_t len, uint64_t first)
{
    c->n = 0;
    nd_status st = nd_chunk_decode(p, len, first, &c->e, &c->n, &c->cap);
    if (st == ND_ECORRUPT)
        return nd_index_fail(c->ix, st,
                             "damaged: a chunk of the %s map has a bad checksum (run 'neardup "
                             "index info --check')",
                             nd_map_table(c->map));
    if (st != ND_OK) return nd_index_fail(c->ix, st, "out of memory");
    c->first = first;
    return ND_OK;
}

/* Steps the stream to its next row: next_first from it, or UINT64_MAX at the run's end. */
static nd_status stream_step(nd_map_cursor *c)
{
    int rc = sqlite3_step(c->stream);
    if (rc == SQLITE_ROW) {
        c->next_first = (uint64_t)sqlite3_column_int64(c->stream, 0) & KEY_MASK;
        return ND_OK;
    }
    c->on = 0;
    c->next_first = UINT64_MAX;
    sqlite3_reset(c->stream);
    return rc == SQLITE_DONE ? ND_OK : nd_index_sqlfail(c->ix, rc, "looking a key up");
}

/* Seeks the chunk that may hold k (the last one of the run starting at or before it), and
 * the stream just after it. ND_OK with c->n == 0 when k is before the run's first key. */
static nd_status cursor_seek(nd_map_cursor *c, uint64_t k)
{
    sqlite3_stmt *q = NULL;
    nd_status st = nd_index_stmt(c->ix, ST_CHUNK_AT + c->map, &q);
    if (st != ND_OK) return st;
    int64_t lo = c->run << ND_KEY_BITS;
    sqlite3_bind_int64(q, 1, lo);
    sqlite3_bind_int64(q, 2, lo | (int64_t)k);
    int rc = sqlite3_step(q);
    c->n = 0;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return ND_OK;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return nd_index_sqlfail(c->ix, rc, "looking a key up");
    }
    int64_t row = sqlite3_column_int64(q, 0);
    st = cursor_decode(c, sqlite3_column_blob(q, 1), (size_t)sqlite3_column_bytes(q, 1),
                       (uint64_t)row & KEY_MASK);
    sqlite3_reset(q);
    if (st != ND_OK) return st;
    if (!c->stream) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT key, chunk FROM %s WHERE key BETWEEN ?1 AND ?2 ORDER BY key",
                 nd_map_table(c->map));
        if ((rc = sqlite3_prepare_v2(c->ix->db, sql, -1, &c->stream, NULL)) != SQLITE_OK)
            return nd_index_sqlfail(c->ix, rc, "looking a key up");
    }
    sqlite3_reset(c->stream);
    sqlite3_bind_int64(c->stream, 1, row + 1);
    sqlite3_bind_int64(c->stream, 2, lo | (int64_t)KEY_MASK);
    c->on = 1;
    return stream_step(c);
}

/* Moves to the chunk that holds k >= next_first: along the stream, or by a seek. */
static nd_status cursor_advance(nd_map_cursor *c, uint64_t k)
{
    for (unsigned steps = 0; c->on && steps < STREAM_STEPS; steps++) {
        /* The stream's row is the chunk of first key next_first: keep its bytes, look at
         * the one after it. */
        uint64_t first = c->next_first;
        const void *p = sqlite3_column_blob(c->stream, 1);
        size_t len = (size_t)sqlite3_column_bytes(c->stream, 1);
        if (len > c->copy.cap) {
            size_t cap = c->copy.cap;
            unsigned char *v = nd_grow_array(c->copy.p, &cap, len, 1, 4096);
            if (!v) return nd_index_fail(c->ix, ND_ENOMEM, "out of memory");
            c->copy.p = v;
            c->copy.cap = cap;
        }
        if (len) memcpy(c->copy.p, p, len);
        nd_status st = stream_step(c);
        if (st != ND_OK) return st;
        if (k < c->next_first) return cursor_decode(c, c->copy.p, len, first);
    }
    return cursor_seek(c, k);
}

nd_status nd_map_lookup(nd_map_cursor *c, uint64_t k, const nd_kentry **e, size_t *n)
{
    *n = 0;
    *e = NULL;
    assert(k <= KEY_MASK);
    if (!c->n || k < c->first || k >= c->next_first) {
        nd_status st = c->n && k >= c->next_first ? cursor_advance(c, k) : cursor_seek(c, k);
        if (st != ND_OK || !c->n) return st;
    }
    if (k > c->e[c->n - 1].key) return ND_OK;
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->e[mid].key < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < c->n && c->e[end].key == k)
        end++;
    *e = c->e + lo;
    *n = end - lo;
    return ND_OK;
}
