/*
 * index_add.c - adding a batch to an archive index: nd_index_add, and the session that
 * nd_check shares with it (see index_int.h).
 *
 * The batch goes through the scan's pass 1 (index_ext.h) with records on: each committed
 * document's record and snippet are appended to a temporary *spool* file, and its
 * sentences' band keys to one temporary file per band, so nothing of the batch but its
 * signatures (which the scan keeps anyway) stays in memory. At the end, in the one write
 * transaction of the add:
 *   1. the documents to keep: all, or (only-new, add-new) those the check's groups allow;
 *   2. ids: the batch's id hashes, sorted, are looked up in the id map's runs, and each hit
 *      compared with the stored id; a document whose id is archived, or earlier in the
 *      batch, is reported and dropped;
 *   3. the kept documents' rows, read back from the spool in order;
 *   4. one new run per map: ids, article band keys (from the signatures), sentence band
 *      keys (from the band files), each radix-sorted one band at a time (the sentence
 *      bands on a helper thread too, write_maps); then the maps' runs are compacted
 *      (index_map.c).
 * A failure anywhere rolls the transaction back: the archive is as it was.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "index_int.h"
#include "lsh.h"
#include "neardup/neardup.h"
#include "radix.h"
#include "xxh.h"

/* ---- the session ------------------------------------------------------------------------ */

/* A temporary file in $TMPDIR (else /tmp), removed at once: it lives while it is open. */
static FILE *temp_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    size_t n = strlen(dir);
    char *path = malloc(n + 32);
    if (!path) return NULL;
    memcpy(path, dir, n);
    memcpy(path + n, "/neardup-index.XXXXXX", 22);
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    unlink(path);
    free(path);
    FILE *f = fdopen(fd, "w+b");
    if (!f) close(fd);
    return f;
}

nd_status nd_session_init(nd_session *s, nd_index *ix, int write, int keep)
{
    memset(s, 0, sizeof *s);
    s->ix = ix;
    s->write = write;
    s->keep = keep;
    s->ext.ud = s;
    s->ext.on_doc = nd_session_on_doc;
    s->ext.load_set = nd_check_load_set;
    s->ext.rows = ix->set.rows; /* the batch's banding is the archive's */
    s->spool = temp_file();
    for (unsigned b = 0; b < ND_PARA_BANDS && write; b++)
        if (s->spool && !(s->sband[b] = temp_file())) break;
    if (write && !(s->sbuf = nd_malloc(ND_PARA_BANDS * ND_SBUF * sizeof *s->sbuf))) {
        nd_session_clear(s);
        return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    }
    if (!s->spool || (write && !s->sband[ND_PARA_BANDS - 1])) {
        int e = errno;
        nd_session_clear(s);
        return nd_index_fail(ix, ND_EIO, "cannot make a temporary file: %s", strerror(e));
    }
    return ND_OK;
}

void nd_session_clear(nd_session *s)
{
    if (s->spool) fclose(s->spool);
    for (unsigned b = 0; b < ND_PARA_BANDS; b++)
        if (s->sband[b]) fclose(s->sband[b]);
    nd_free(s->spool_off);
    nd_free(s->sbuf);
    nd_free(s->docno);
    nd_free(s->idtab);
    for (size_t i = 0; i < s->nidcur; i++)
        nd_map_cursor_clear(&s->idcur[i]);
    nd_free(s->idcur);
    sqlite3_finalize(s->ins_doc);
    nd_free(s->srcid);
    nd_free(s->edges);
    nd_free(s->srecs);
    nd_free(s->sjoin);
    nd_free(s->arch_doc);
    nd_rec_clear(&s->rec);
    nd_u64s_clear(&s->scratch);
    nd_bytes_clear(&s->buf);
    memset(s, 0, sizeof *s);
}

static void put_u32(unsigned char *p, uint32_t x)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (unsigned char)(x >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Writes the buffered entries of band b to its file. */
static nd_status flush_band(nd_session *s, unsigned b)
{
    size_t n = s->sbn[b];
    s->sbn[b] = 0;
    if (n && fwrite(s->sbuf + (size_t)b * ND_SBUF, sizeof *s->sbuf, n, s->sband[b]) != n)
        return nd_index_fail(s->ix, ND_EIO, "cannot write a temporary file: %s", strerror(errno));
    return ND_OK;
}

/* The 32-bit hash of an id that the id map keys. */
static uint32_t id_hash(const char *id)
{
    return (uint32_t)XXH3_64bits(id, strlen(id));
}

/* Reports that a document (at path:line) is not added: its id is archived or earlier in the
 * batch. */
static void report_existing(const nd_scan_opts *o, const char *path, uint64_t line, const char *id,
                            int in_batch)
{
    if (!o->on_diag) return;
    char msg[160];
    snprintf(msg, sizeof msg, "id %.100s%s is %s already; not added", id,
             strlen(id) > 100 ? "..." : "", in_batch ? "earlier in the batch" : "in the archive");
    nd_diag dg = {ND_EEXIST, ND_DIAG_WARNING, path, line, ND_NO_OFFSET, msg};
    o->on_diag(&dg, o->userdata);
}

/* Whether archived document `doc` has the id `id`. */
static nd_status archived_id_is(nd_index *ix, uint32_t doc, const char *id, int *same)
{
    sqlite3_stmt *q = NULL;
    nd_status st = nd_index_stmt(ix, ST_DOC_ID, &q);
    if (st != ND_OK) return st;
    sqlite3_bind_int64(q, 1, doc);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const char *got = (const char *)sqlite3_column_text(q, 0);
        *same = got && strcmp(got, id) == 0;
    } else if (rc == SQLITE_DONE) {
        *same = 0;
    } else {
        st = nd_index_sqlfail(ix, rc, "reading an id");
    }
    sqlite3_reset(q);
    return st;
}

/* The sources table's number for path (added if new). */
static nd_status source_id(nd_index *ix, const char *path, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(ix->db,
                                "INSERT INTO sources(path) VALUES (?1) ON CONFLICT(path) DO UPDATE "
                                "SET path = path RETURNING source",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
    }
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? ND_OK : nd_index_sqlfail(ix, rc, "writing a source");
}

/* A new row of adds (its documents counted at the end) into s->add_id. */
static nd_status start_add(nd_session *s)
{
    char sql[200], when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    snprintf(sql, sizeof sql, "INSERT INTO adds(time, documents, version) VALUES ('%s', 0, '%s')",
             when, nd_version());
    nd_status st = nd_index_exec(s->ix, sql, "adding");
    if (st == ND_OK) s->add_id = sqlite3_last_insert_rowid(s->ix->db);
    return st;
}

/* Inserts one document row; *no receives its number. */
static nd_status insert_doc(nd_session *s, const char *id, int64_t source, uint64_t line,
                            uint32_t words, const char *snippet, size_t snippet_len,
                            const unsigned char *rec, size_t rec_len, uint32_t *no)
{
    nd_index *ix = s->ix;
    int rc;
    if (!s->ins_doc &&
        (rc = sqlite3_prepare_v2(ix->db,
                                 "INSERT INTO docs(id, source, line, words, add_id, snippet, "
                                 "record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 -1, &s->ins_doc, NULL)) != SQLITE_OK)
        return nd_index_sqlfail(ix, rc, "adding documents");
    sqlite3_stmt *q = s->ins_doc;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, source);
    sqlite3_bind_int64(q, 3, (int64_t)line);
    sqlite3_bind_int64(q, 4, words);
    sqlite3_bind_int64(q, 5, s->add_id);
    sqlite3_bind_text(q, 6, snippet, (int)snippet_len, SQLITE_STATIC);
    sqlite3_bind_blob(q, 7, rec, (int)rec_len, SQLITE_STATIC);
    if ((rc = sqlite3_step(q)) != SQLITE_DONE) return nd_index_sqlfail(ix, rc, "adding documents");
    int64_t n = sqlite3_last_insert_rowid(ix->db);
    if (n <= 0 || n >= UINT32_MAX) return nd_index_fail(ix, ND_EIO, "the index is full");
    *no = (uint32_t)n;
    s->stats.added++;
    return ND_OK;
}

/* Direct mode: the batch's ids so far, (hash << 32 | document + 1) in an open-addressing
 * table. Adds document d of hash h. */
static nd_status idtab_put(nd_session *s, uint32_t h, uint32_t d)
{
    if (2 * (s->idn + 1) > s->idcap) {
        size_t cap = s->idcap ? 2 * s->idcap : 4096;
        uint64_t *t = nd_calloc(cap, sizeof *t);
        if (!t) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
        for (size_t i = 0; i < s->idcap; i++) {
            uint64_t e = s->idtab[i];
            if (!e) continue;
            size_t j = (size_t)((e >> 32) * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = e;
        }
        nd_free(s->idtab);
        s->idtab = t;
        s->idcap = cap;
    }
    size_t j = (size_t)((uint64_t)h * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (s->idcap - 1);
    while (s->idtab[j])
        j = (j + 1) & (s->idcap - 1);
    s->idtab[j] = (uint64_t)h << 32 | (d + 1);
    s->idn++;
    return ND_OK;
}

/* Whether an earlier document of the batch, added, has the id `id` (hash h). */
static int idtab_has(const nd_session *s, const nd_scan_ctx *c, uint32_t h, const char *id)
{
    if (!s->idcap) return 0;
    const struct nd_result_mem *m = c->res->mem;
    size_t j = (size_t)((uint64_t)h * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (s->idcap - 1);
    for (; s->idtab[j]; j = (j + 1) & (s->idcap - 1)) {
        if ((uint32_t)(s->idtab[j] >> 32) != h) continue;
        uint32_t d = (uint32_t)s->idtab[j] - 1;
        if (strcmp(m->ids.p + m->docs[d].id_off, id) == 0) return 1;
    }
    return 0;
}

/* Direct mode: document doc checked and written as it comes. */
static nd_status direct_doc(nd_session *s, nd_scan_ctx *c, uint32_t doc, const nd_ext_doc *d)
{
    nd_index *ix = s->ix;
    nd_status st = ND_OK;
    if (doc == 0) { /* the first: the add's row, and a cursor per run of the id map */
        nd_run_info *runs = NULL;
        size_t nr = 0;
        if ((st = start_add(s)) != ND_OK || (st = nd_map_runs(ix, ND_MAP_IDS, &runs, &nr)) != ND_OK)
            return st;
        s->idcur = nd_calloc(nr ? nr : 1, sizeof *s->idcur);
        if (!s->idcur) {
            nd_free(runs);
            return nd_index_fail(ix, ND_ENOMEM, "out of memory");
        }
        for (size_t r = 0; r < nr; r++)
            nd_map_cursor_init(&s->idcur[r], ix, ND_MAP_IDS, runs[r].run);
        s->nidcur = nr;
        nd_free(runs);
    }
    if (doc >= s->capdocno) {
        size_t cap = s->capdocno;
        uint32_t *v = nd_grow_array(s->docno, &cap, (size_t)doc + 1, sizeof *v, 4096);
        if (!v) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
        s->docno = v;
        s->capdocno = cap;
    }
    s->docno[doc] = 0;
    const struct nd_result_mem *m = c->res->mem;
    const nd_doc_rec *dr = &m->docs[doc];
    const char *id = m->ids.p + dr->id_off;
    const char *path = nd_reader_path(c->reader, dr->source);
    uint32_t h = id_hash(id);
    int in_batch = idtab_has(s, c, h, id), archived = 0;
    for (size_t r = 0; r < s->nidcur && !in_batch && !archived && st == ND_OK; r++) {
        const nd_kentry *e;
        size_t ne;
        st = nd_map_lookup(&s->idcur[r], h, &e, &ne);
        for (size_t k = 0; k < ne && st == ND_OK && !archived; k++)
            st = archived_id_is(ix, e[k].doc, id, &archived);
    }
    if (st != ND_OK) return st;
    if (in_batch || archived) {
        s->stats.existing++;
        report_existing(&c->opts, path, dr->line, id, in_batch);
        return ND_OK;
    }
    if (dr->source >= s->nsrcid) {
        size_t n = s->nsrcid;
        int64_t *v = nd_grow_array(s->srcid, &n, (size_t)dr->source + 1, sizeof *v, 64);
        if (!v) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
        for (size_t i = s->nsrcid; i < n; i++)
            v[i] = -1;
        s->srcid = v;
        s->nsrcid = n;
    }
    if (s->srcid[dr->source] < 0 && (st = source_id(ix, path, &s->srcid[dr->source])) != ND_OK)
        return st;
    if ((st = insert_doc(s, id, s->srcid[dr->source], dr->line, dr->ntokens, d->snippet,
                         strlen(d->snippet), d->rec, d->rec_len, &s->docno[doc])) != ND_OK)
        return st;
    return idtab_put(s, h, doc);
}

nd_status nd_session_on_doc(void *ud, nd_scan_ctx *c, uint32_t doc, const nd_ext_doc *d)
{
    nd_session *s = ud;
    assert(d->rec && d->snippet);
    for (size_t j = 0; s->write && j < d->nsents; j++)
        for (unsigned b = 0; b < ND_PARA_BANDS; b++) {
            if (s->sbn[b] == ND_SBUF && flush_band(s, b) != ND_OK) return ND_EIO;
            s->sbuf[b * ND_SBUF + s->sbn[b]++] = (uint64_t)d->psent[j].band[b] << 32 | doc;
        }
    if (s->direct) return direct_doc(s, c, doc, d);
    assert(doc == s->nspool);
    ND_GROW(s->nspool, s->capspool, 1024, s->spool_off);
    s->spool_off[s->nspool++] = s->spool_pos;
    size_t sl = strlen(d->snippet);
    unsigned char h[4], t[4];
    put_u32(h, (uint32_t)d->rec_len);
    put_u32(t, (uint32_t)sl);
    if (fwrite(h, 1, 4, s->spool) != 4 || fwrite(d->rec, 1, d->rec_len, s->spool) != d->rec_len ||
        fwrite(t, 1, 4, s->spool) != 4 || fwrite(d->snippet, 1, sl, s->spool) != sl)
        return nd_index_fail(s->ix, ND_EIO, "cannot write a temporary file: %s", strerror(errno));
    s->spool_pos += 8 + d->rec_len + sl;
    return ND_OK;
}

/* Reads `len` bytes at offset `off` of the spool into s->buf. */
static nd_status spool_read(nd_session *s, uint64_t off, size_t len)
{
    if (len > s->buf.cap) {
        size_t cap = s->buf.cap;
        unsigned char *p = nd_grow_array(s->buf.p, &cap, len, 1, 4096);
        if (!p) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
        s->buf.p = p;
        s->buf.cap = cap;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fileno(s->spool), s->buf.p + got, len - got, (off_t)(off + got));
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return nd_index_fail(s->ix, ND_EIO, "cannot read a temporary file: %s",
                                 r < 0 ? strerror(errno) : "it is shorter");
        }
        got += (size_t)r;
    }
    s->buf.len = len;
    return ND_OK;
}

/* The record (*rec, *rec_len) and snippet of batch document d, into s->buf. */
static nd_status spool_get(nd_session *s, uint32_t d, const unsigned char **rec, size_t *rec_len,
                           const char **snippet, size_t *snippet_len)
{
    assert(d < s->nspool);
    if (fflush(s->spool) != 0)
        return nd_index_fail(s->ix, ND_EIO, "cannot write a temporary file: %s", strerror(errno));
    uint64_t off = s->spool_off[d];
    uint64_t end = d + 1 < s->nspool ? s->spool_off[d + 1] : s->spool_pos;
    nd_status st = spool_read(s, off, (size_t)(end - off));
    if (st != ND_OK) return st;
    uint32_t rl = get_u32(s->buf.p);
    if (8 + (uint64_t)rl > s->buf.len) return nd_index_fail(s->ix, ND_EIO, "temporary file damaged");
    *rec = s->buf.p + 4;
    *rec_len = rl;
    *snippet = (const char *)s->buf.p + 8 + rl;
    *snippet_len = s->buf.len - 8 - rl;
    return ND_OK;
}

nd_status nd_session_batch_record(nd_session *s, uint32_t d, const char **snippet,
                                  size_t *snippet_len)
{
    const unsigned char *rec;
    const char *sn;
    size_t rl, sl;
    nd_status st = spool_get(s, d, &rec, &rl, &sn, &sl);
    if (st != ND_OK) return st;
    if (snippet) {
        *snippet = sn;
        *snippet_len = sl;
    }
    st = nd_rec_decode(rec, rl, &s->rec);
    if (st == ND_ECORRUPT) return nd_index_fail(s->ix, ND_EIO, "temporary file damaged");
    return st == ND_OK ? ND_OK : nd_index_fail(s->ix, st, "out of memory");
}

/* ---- what to keep ------------------------------------------------------------------------- */

/* keep[d] for each batch document d < nb: all, or as only-new or add-new says. */
static void choose(const nd_session *s, const nd_scan_result *res, size_t nb, unsigned char *keep)
{
    memset(keep, 1, nb);
    if (s->keep == ND_KEEP_ALL) return;
    for (size_t g = 0; g < res->ngroups; g++) {
        const nd_group *gr = &res->groups[g];
        int archived = 0;
        uint32_t first = UINT32_MAX;
        for (size_t m = 0; m < gr->nmembers; m++) {
            uint32_t d = gr->members[m].doc;
            if (d >= nb)
                archived = 1;
            else if (d < first)
                first = d;
        }
        for (size_t m = 0; m < gr->nmembers; m++) {
            uint32_t d = gr->members[m].doc;
            if (d >= nb) continue;
            /* add-new: nothing of a group; only-new: the first of an all-new group */
            if (s->keep == ND_KEEP_ADD_NEW || archived || d != first) keep[d] = 0;
        }
    }
}


static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Drops from keep[] the documents whose id is archived or earlier in the batch, reporting
 * each in input order. ids[] receives (hash << 32 | d) of the documents kept, sorted. */
static nd_status drop_existing(nd_session *s, const nd_scan_result *res, const nd_scan_opts *o,
                               size_t nb, unsigned char *keep, uint64_t *ids, size_t *nids)
{
    nd_index *ix = s->ix;
    size_t n = 0;
    for (size_t d = 0; d < nb; d++)
        if (keep[d]) ids[n++] = (uint64_t)id_hash(res->docs[d].id) << 32 | d;
    qsort(ids, n, sizeof *ids, u64_cmp);
    unsigned char *why = nd_calloc(nb ? nb : 1, 1); /* 1: archived, 2: earlier in the batch */
    if (!why) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    /* In the batch: the same hash and the same id as an earlier document. */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ids[j] >> 32 == ids[i] >> 32)
            j++;
        for (size_t a = i + 1; a < j; a++)
            for (size_t b = i; b < a; b++) {
                uint32_t da = (uint32_t)ids[a], db = (uint32_t)ids[b];
                if (!why[db] && strcmp(res->docs[da].id, res->docs[db].id) == 0) {
                    why[da] = 2;
                    break;
                }
            }
        i = j;
    }
    /* In the archive: the id map's runs, then the stored id. */
    nd_run_info *runs = NULL;
    size_t nr = 0;
    nd_status st = nd_map_runs(ix, ND_MAP_IDS, &runs, &nr);
    for (size_t r = 0; r < nr && st == ND_OK; r++) {
        nd_map_cursor cur;
        nd_map_cursor_init(&cur, ix, ND_MAP_IDS, runs[r].run);
        for (size_t i = 0; i < n && st == ND_OK; i++) {
            uint32_t d = (uint32_t)ids[i];
            if (why[d]) continue;
            const nd_kentry *e;
            size_t ne;
            st = nd_map_lookup(&cur, ids[i] >> 32, &e, &ne);
            for (size_t k = 0; k < ne && st == ND_OK && !why[d]; k++) {
                int same = 0;
                st = archived_id_is(ix, e[k].doc, res->docs[d].id, &same);
                if (same) why[d] = 1;
            }
        }
        nd_map_cursor_clear(&cur);
    }
    nd_free(runs);
    if (st == ND_OK) {
        size_t w = 0;
        for (size_t i = 0; i < n; i++)
            if (!why[(uint32_t)ids[i]]) ids[w++] = ids[i];
        *nids = w;
        for (size_t d = 0; d < nb; d++)
            if (why[d]) {
                keep[d] = 0;
                s->stats.existing++;
                report_existing(o, res->sources[res->docs[d].source], res->docs[d].line,
                                res->docs[d].id, why[d] == 2);
            }
    }
    nd_free(why);
    return st;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* The kept documents' rows, from the spool; docno[d] receives each one's number. */
static nd_status write_docs(nd_session *s, const nd_scan_result *res, size_t nb,
                            const unsigned char *keep, uint32_t *docno)
{
    nd_index *ix = s->ix;
    int64_t *src = nd_malloc((res->nsources ? res->nsources : 1) * sizeof *src);
    if (!src) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    for (size_t i = 0; i < res->nsources; i++)
        src[i] = -1;
    nd_status st = ND_OK;
    for (size_t d = 0; d < nb && st == ND_OK; d++) {
        docno[d] = 0;
        if (!keep[d]) continue;
        const nd_doc_info *di = &res->docs[d];
        if (src[di->source] < 0 &&
            (st = source_id(ix, res->sources[di->source], &src[di->source])) != ND_OK)
            break;
        const unsigned char *rec;
        const char *sn;
        size_t rl, sl;
        if ((st = spool_get(s, (uint32_t)d, &rec, &rl, &sn, &sl)) != ND_OK) break;
        st = insert_doc(s, di->id, src[di->source], di->line, di->ntokens, sn, sl, rec, rl,
                        &docno[d]);
    }
    nd_free(src);
    return st;
}

/* Sorts a[0..n) by the upper 32 bits (stably) into a; tmp holds n. */
static void sort_entries(uint64_t *a, uint64_t *tmp, size_t n)
{
    if (n < 2) return;
    uint64_t *r = nd_radix_sort(a, NULL, NULL, n, a, tmp);
    if (r != a) memcpy(a, r, n * sizeof *a);
}

/* The new run of the article band keys: for each band, the kept documents' keys. */
static nd_status write_bands(nd_session *s, const nd_scan_result *res, size_t nb,
                             const uint32_t *docno)
{
    nd_index *ix = s->ix;
    const nd_index_settings *set = &ix->set;
    uint64_t *a = nd_malloc((nb ? nb : 1) * sizeof *a), *tmp = nd_malloc((nb ? nb : 1) * sizeof *tmp);
    nd_run_writer w;
    nd_status st = a && tmp ? nd_run_begin(ix, ND_MAP_BANDS, &w)
                            : nd_index_fail(ix, ND_ENOMEM, "out of memory");
    if (st != ND_OK) {
        nd_free(a);
        nd_free(tmp);
        return st;
    }
    for (unsigned b = 0; b < set->bands && st == ND_OK; b++) {
        size_t n = 0;
        for (size_t d = 0; d < nb; d++)
            if (docno[d])
                a[n++] = (uint64_t)nd_lsh_band_key(res->signatures + d * set->perms, b, set->rows)
                             << 32 |
                         docno[d];
        sort_entries(a, tmp, n);
        for (size_t i = 0; i < n && st == ND_OK; i++)
            st = nd_run_put(&w, (uint64_t)b << 32 | a[i] >> 32, (uint32_t)a[i]);
    }
    st = st == ND_OK ? nd_run_end(&w) : (nd_run_abandon(&w), st);
    nd_free(a);
    nd_free(tmp);
    return st;
}

/* The new run of the sentence band keys, band by band from the band files. Each band is
 * *prepared* (read from its file, renumbered to the kept documents' numbers, sorted) on one
 * of two threads, a helper and the calling one, and *put* into the run in band order by the
 * calling thread (SQLite is used by it alone). The helper starts while the calling thread
 * writes the other two maps; after that, the calling thread prepares a band itself when the
 * next one to put is not ready, so both cores work until the last band. At most SENT_AHEAD
 * bands beyond the one being put are prepared, which bounds the memory (a band of the 100k
 * benchmark is 2.7 million entries, 22 MB). */
#define SENT_AHEAD 1u

typedef struct sent_prep {
    nd_session *s;
    size_t nb;
    const uint32_t *docno;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned next;            /* the next band to prepare */
    unsigned put;             /* bands put so far */
    int ready[ND_PARA_BANDS]; /* 1: a[b], n[b] prepared; -1: failed (why[b]) */
    uint64_t *a[ND_PARA_BANDS];
    size_t n[ND_PARA_BANDS];
    nd_status fail[ND_PARA_BANDS];
    const char *why[ND_PARA_BANDS];
    int stop; /* the calling thread gave up: prepare nothing more */
} sent_prep;

/* Prepares band b into p->a[b], p->n[b] (without the lock: the band's file and arrays are
 * its own; docno is read only). */
static void sent_prepare(sent_prep *p, unsigned b)
{
    FILE *f = p->s->sband[b];
    uint64_t *a = NULL, *tmp = NULL;
    nd_status st = ND_OK;
    const char *why = NULL;
    long size = -1;
    if (fflush(f) != 0 || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
        st = ND_EIO;
        why = "cannot read a temporary file";
    }
    size_t m = size > 0 ? (size_t)size / sizeof *a : 0;
    if (st == ND_OK && (!(a = nd_malloc((m ? m : 1) * sizeof *a)) ||
                        !(tmp = nd_malloc((m ? m : 1) * sizeof *tmp)))) {
        st = ND_ENOMEM;
        why = "out of memory";
    }
    if (st == ND_OK) {
        rewind(f);
        if (m && fread(a, sizeof *a, m, f) != m) {
            st = ND_EIO;
            why = "cannot read a temporary file";
        }
    }
    size_t n = 0;
    if (st == ND_OK) {
        for (size_t i = 0; i < m; i++) {
            uint32_t d = (uint32_t)a[i];
            if (d < p->nb && p->docno[d]) a[n++] = (a[i] & ~UINT64_C(0xffffffff)) | p->docno[d];
        }
        if (n >= 2) { /* sorted into tmp: keep it, not a */
            uint64_t *r = nd_radix_sort(a, NULL, NULL, n, a, tmp);
            if (r != a) {
                tmp = a;
                a = r;
            }
        }
    }
    nd_free(tmp);
    if (st != ND_OK) {
        nd_free(a);
        a = NULL;
    }
    pthread_mutex_lock(&p->mu);
    p->a[b] = a;
    p->n[b] = n;
    p->fail[b] = st;
    p->why[b] = why;
    p->ready[b] = st == ND_OK ? 1 : -1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Under the lock: the band to prepare next, or ND_PARA_BANDS when none may be now. */
static unsigned sent_take(sent_prep *p)
{
    if (p->stop || p->next >= ND_PARA_BANDS || p->next > p->put + SENT_AHEAD) return ND_PARA_BANDS;
    return p->next++;
}

static void *sent_helper(void *arg)
{
    sent_prep *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->next < ND_PARA_BANDS) {
        unsigned b = sent_take(p);
        if (b == ND_PARA_BANDS) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        sent_prepare(p, b);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static nd_status write_ids(nd_index *ix, const uint64_t *ids, size_t n, const uint32_t *docno);

/* The new runs of the three maps: ids, article band keys, sentence band keys; the helper
 * starts preparing the sentence bands first, while this thread writes the other two. */
static nd_status write_maps(nd_session *s, const nd_scan_result *res, size_t nb,
                            const uint64_t *ids, size_t nids, const uint32_t *docno)
{
    nd_index *ix = s->ix;
    nd_status st = ND_OK;
    for (unsigned b = 0; b < ND_PARA_BANDS && st == ND_OK; b++)
        st = flush_band(s, b);
    if (st != ND_OK) return st;
    nd_run_writer w;
    memset(&w, 0, sizeof w);
    sent_prep p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.nb = nb;
    p.docno = docno;
    pthread_t tid;
    int helper = 0;
    if (pthread_mutex_init(&p.mu, NULL) != 0) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    if (pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    }
    helper = pthread_create(&tid, NULL, sent_helper, &p) == 0; /* else: all on this thread */
    int begun = 0;
    if ((st = write_ids(ix, ids, nids, docno)) == ND_OK &&
        (st = write_bands(s, res, nb, docno)) == ND_OK &&
        (st = nd_run_begin(ix, ND_MAP_SENTS, &w)) == ND_OK)
        begun = 1;
    for (unsigned b = 0; b < ND_PARA_BANDS && st == ND_OK; b++) {
        pthread_mutex_lock(&p.mu);
        while (!p.ready[b]) {
            unsigned k = sent_take(&p);
            if (k == ND_PARA_BANDS) {
                pthread_cond_wait(&p.cv, &p.mu);
                continue;
            }
            pthread_mutex_unlock(&p.mu);
            sent_prepare(&p, k);
            pthread_mutex_lock(&p.mu);
        }
        int ok = p.ready[b] > 0;
        pthread_mutex_unlock(&p.mu);
        if (!ok) {
            st = nd_index_fail(ix, p.fail[b], "%s", p.why[b]);
            break;
        }
        const uint64_t *a = p.a[b];
        for (size_t i = 0; i < p.n[b] && st == ND_OK; i++)
            st = nd_run_put(&w, (uint64_t)b << 32 | a[i] >> 32, (uint32_t)a[i]);
        pthread_mutex_lock(&p.mu);
        nd_free(p.a[b]);
        p.a[b] = NULL;
        p.put = b + 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = 1;
    pthread_cond_broadcast(&p.cv);
    pthread_mutex_unlock(&p.mu);
    if (helper) pthread_join(tid, NULL);
    for (unsigned b = 0; b < ND_PARA_BANDS; b++)
        nd_free(p.a[b]);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    if (!begun) return st;
    return st == ND_OK ? nd_run_end(&w) : (nd_run_abandon(&w), st);
}

/* The new run of the id hashes: ids[] is (hash << 32 | batch document), sorted. */
static nd_status write_ids(nd_index *ix, const uint64_t *ids, size_t n, const uint32_t *docno)
{
    nd_run_writer w;
    nd_status st = nd_run_begin(ix, ND_MAP_IDS, &w);
    for (size_t i = 0; i < n && st == ND_OK; i++)
        st = nd_run_put(&w, ids[i] >> 32, docno[(uint32_t)ids[i]]);
    return st == ND_OK ? nd_run_end(&w) : (nd_run_abandon(&w), st);
}

nd_status nd_session_write(nd_session *s, const nd_scan_result *res, const nd_scan_opts *opts)
{
    nd_index *ix = s->ix;
    size_t nb = res->ndocs - res->narchived;
    unsigned char *keep = nd_malloc(nb ? nb : 1);
    uint64_t *ids = nd_malloc((nb ? nb : 1) * sizeof *ids);
    uint32_t *docno = s->direct ? NULL : nd_calloc(nb ? nb : 1, sizeof *docno);
    nd_status st = ND_OK;
    size_t nids = 0;
    if (!keep || !ids || (!s->direct && !docno)) {
        st = nd_index_fail(ix, ND_ENOMEM, "out of memory");
        goto out;
    }
    if (s->direct) {
        /* written already, as pass 1 committed them (none: the batch was empty); the id
         * cursors' statements end before the maps are written */
        for (size_t i = 0; i < s->nidcur; i++)
            nd_map_cursor_clear(&s->idcur[i]);
        s->nidcur = 0;
        if (!nb && (st = start_add(s)) != ND_OK) goto out;
        for (size_t d = 0; d < nb; d++)
            if (s->docno[d]) ids[nids++] = (uint64_t)id_hash(res->docs[d].id) << 32 | d;
        qsort(ids, nids, sizeof *ids, u64_cmp);
    } else {
        choose(s, res, nb, keep);
        for (size_t d = 0; d < nb; d++)
            s->stats.duplicates += !keep[d];
        if ((st = drop_existing(s, res, opts, nb, keep, ids, &nids)) != ND_OK ||
            (st = start_add(s)) != ND_OK || (st = write_docs(s, res, nb, keep, docno)) != ND_OK)
            goto out;
    }
    const uint32_t *no = s->direct ? s->docno : docno;
    if (s->stats.added) {
        if ((st = write_maps(s, res, nb, ids, nids, no)) != ND_OK) goto out;
        for (int m = 0; m < ND_MAPS && st == ND_OK; m++)
            st = nd_map_compact(ix, m);
        if (st != ND_OK) goto out;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE adds SET documents = %zu WHERE add_id = %lld", s->stats.added,
             (long long)s->add_id);
    st = nd_index_exec(ix, sql, "adding");
out:
    nd_free(keep);
    nd_free(ids);
    nd_free(docno);
    return st;
}

/* ---- nd_index_add ------------------------------------------------------------------------ */

/* The counts of the run (read, skipped, warnings) into s->stats. */
static void count_run(nd_session *s, const nd_scan_result *res)
{
    s->stats.read = res->ndocs - res->narchived;
    s->stats.skipped = res->nskipped;
    s->stats.warnings = res->nwarnings;
}

nd_status nd_index_add(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                       size_t npaths, int only_new, nd_index_add_stats *stats)
{
    ix->msg[0] = '\0';
    if (stats) memset(stats, 0, sizeof *stats);
    if (!ix->writable) return nd_index_fail(ix, ND_EINVAL, "opened read-only");
    nd_scan_opts o = *opts;
    nd_status st = nd_index_use_settings(ix, &o, 0);
    if (st != ND_OK) return st;
    o.verify_estimate = 0;
    o.all_pairs = 0;
    o.parts = only_new ? ND_PART_GROUPS : 0;
    nd_session s;
    if ((st = nd_session_init(&s, ix, 1, only_new ? ND_KEEP_ONLY_NEW : ND_KEEP_ALL)) != ND_OK)
        return st;
    s.direct = !only_new;
    s.ext.flags = ND_EXT_RECORDS | ND_EXT_SENTENCES | (only_new ? 0 : ND_EXT_NO_STAGES);
    s.ext.after_pass1 = only_new ? nd_check_after_pass1 : NULL;
    nd_scan_result *res = NULL;
    if ((st = nd_index_begin(ix, 1)) != ND_OK) goto out;
    double t0 = nd_now();
    st = nd_scan_run(&o, paths, npaths, &s.ext, &res);
    if (st != ND_OK && !ix->msg[0]) nd_index_fail(ix, st, "%s", nd_status_str(st));
    double t1 = nd_now();
    s.stats.t_scan = t1 - t0;
    if (st == ND_OK) {
        count_run(&s, res);
        st = nd_session_write(&s, res, &o);
    }
    double t2 = nd_now();
    s.stats.t_write = t2 - t1;
    if (st == ND_OK) st = nd_index_commit(ix);
    s.stats.t_commit = nd_now() - t2;
    if (st == ND_OK) {
        ix->ndocs += s.stats.added;
    } else {
        nd_index_rollback(ix);
        s.stats.added = 0;
    }
out:
    s.stats.documents = ix->ndocs;
    if (stats) *stats = s.stats;
    nd_scan_result_free(res);
    nd_session_clear(&s);
    return st;
}
