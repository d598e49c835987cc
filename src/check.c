/*
 * check.c - a batch checked against an archive index: nd_check, and the lookups it shares
 * with `index add --only-new` (see index.h, index_int.h and index_ext.h).
 *
 * After pass 1 (nd_check_after_pass1), in the snapshot of the archive the session's
 * transaction reads:
 *   1. Article candidates: for each band, the batch's band keys, sorted, are looked up in
 *      every run of the band map (one seek per distinct key and run, a chunk decoded once
 *      for the keys it holds). A key held by more than KEY_CAP archived documents (a text
 *      archived thousands of times) yields its KEY_CAP most recent. Each (batch document,
 *      archived document) pair is counted over the bands it shares; a batch document keeps
 *      its DOC_CAP candidates sharing the most bands.
 *   2. Each candidate is verified exactly: the archived set is recomputed from its stored
 *      record, the batch document's from its spooled record (index_add.c), both as a scan
 *      computes them; a pair at or above the threshold is an edge for the article stage.
 *   3. Sentences (when shared paragraphs are asked for): the batch's sentence band keys
 *      (the scan's store) are looked up in the sentence map the same way; each candidate
 *      archived document's sentences are compared with the batch sentence by the exact
 *      Jaccard of their word sets (64-bit token hashes), as the scan compares sentences; a
 *      match is an archived sentence record joined with the batch's.
 *   4. The archived documents in an edge or a match are appended to the result, in archive
 *      order, and the edges and records renumbered to them.
 * Memory depends on the batch and what it matches, never on the archive's size: nothing is
 * loaded but the chunks and records the batch's keys lead to.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"
#include "clock.h"
#include "index_int.h"
#include "lsh.h"
#include "mix.h"
#include "neardup/neardup.h"
#include "minhash.h"
#include "radix.h"
#include "scan_reader.h"
#include "sentences.h"
#include "shingle.h"
#include "verify.h"

#define KEY_CAP 256u /* archived documents taken from one key of one run */
#define DOC_CAP 64u  /* archived candidates verified per batch document */
#define SENT_CAP 16u     /* archived documents tried per batch sentence ... */
#define SENT_CAP_MAX 64u /* ... or boilerplate_docs of them, up to this */
#define CACHE 256u   /* decoded records kept (direct-mapped by document) */

/* A decoded record's exact set and its sentences' sorted word sets, for one document. */
typedef struct dset {
    uint32_t doc; /* archive number (archived) or batch index; UINT32_MAX = empty slot */
    int loaded_sents;
    uint64_t *set;
    size_t n;
    uint64_t *words; /* the sentences' word sets back to back */
    size_t *wstart;  /* sentence i: words[wstart[i] .. + wn[i]), sorted and unique once
                        wn[i] != UINT32_MAX (sorted when first compared: most never are) */
    uint32_t *wn;
    uint32_t *line;
    uint64_t *key;   /* the sentence's exact key (as the scan's nd_para_rec.key) */
    uint32_t *band;  /* its ND_PARA_BANDS band keys (as the scan's), sentence i's at i * bands */
    size_t ns;
    /* (band << 32 | key) of every sentence in an open-addressing table of tcap slots:
     * tkey[j] and the sentence tsent[j] + 1 (0 = empty) */
    uint64_t *tkey;
    uint32_t *tsent;
    size_t tcap;
} dset;

typedef struct cache {
    dset slot[CACHE];
} cache;

static void dset_clear(dset *d)
{
    nd_free(d->set);
    nd_free(d->words);
    nd_free(d->wstart);
    nd_free(d->wn);
    nd_free(d->line);
    nd_free(d->key);
    nd_free(d->band);
    nd_free(d->tkey);
    nd_free(d->tsent);
    memset(d, 0, sizeof *d);
    d->doc = UINT32_MAX;
}

static void cache_init(cache *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned i = 0; i < CACHE; i++)
        c->slot[i].doc = UINT32_MAX;
}

static void cache_clear(cache *c)
{
    for (unsigned i = 0; i < CACHE; i++)
        dset_clear(&c->slot[i]);
}

/* Sorts and de-duplicates a[0..n) (a few dozen words) in place; returns the new length. */
static size_t small_sort_unique(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
    size_t w = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

/* Fills d from the decoded record r: without sents its exact set, with sents its sentences
 * (their band keys with pmh, the scan's sentence MinHash, in a small table). */
static nd_status dset_fill(dset *d, const nd_rec *r, unsigned ngram, nd_u64s *scratch, int sents,
                           const nd_minhash *pmh)
{
    if (!sents) {
        if (d->set) return ND_OK;
        return nd_rec_shingle_set(r, ngram, scratch, &d->set, &d->n);
    }
    if (d->loaded_sents) return ND_OK;
    size_t total = 0;
    for (size_t i = 0; i < r->ns; i++)
        total += r->s[i].ntok;
    d->words = nd_malloc((total ? total : 1) * sizeof *d->words);
    d->wstart = nd_malloc((r->ns + 1) * sizeof *d->wstart);
    d->wn = nd_malloc((r->ns ? r->ns : 1) * sizeof *d->wn);
    d->line = nd_malloc((r->ns ? r->ns : 1) * sizeof *d->line);
    d->key = nd_malloc((r->ns ? r->ns : 1) * sizeof *d->key);
    d->band = nd_malloc((r->ns ? r->ns : 1) * ND_PARA_BANDS * sizeof *d->band);
    if (!d->words || !d->wstart || !d->wn || !d->line || !d->key || !d->band) return ND_ENOMEM;
    size_t w = 0;
    for (size_t i = 0; i < r->ns; i++) {
        const nd_rec_sent *s = &r->s[i];
        d->wstart[i] = w;
        d->line[i] = s->line;
        d->key[i] = nd_seq_key(r->th + s->first, s->ntok);
        uint32_t sig[ND_PARA_PERMS];
        nd_minhash_sign(pmh, r->th + s->first, s->ntok, sig);
        for (unsigned b = 0; b < ND_PARA_BANDS; b++)
            d->band[i * ND_PARA_BANDS + b] = nd_lsh_band_key(sig, b, ND_PARA_ROWS);
        memcpy(d->words + w, r->th + s->first, s->ntok * sizeof *d->words);
        d->wn[i] = UINT32_MAX;
        w += s->ntok;
    }
    d->wstart[r->ns] = w;
    d->ns = r->ns;
    size_t tcap = 16;
    while (tcap < 2 * r->ns * ND_PARA_BANDS)
        tcap *= 2;
    d->tkey = nd_malloc(tcap * sizeof *d->tkey);
    d->tsent = nd_calloc(tcap, sizeof *d->tsent);
    if (!d->tkey || !d->tsent) return ND_ENOMEM;
    d->tcap = tcap;
    for (size_t i = 0; i < r->ns; i++)
        for (unsigned b = 0; b < ND_PARA_BANDS; b++) {
            uint64_t key = (uint64_t)b << 32 | d->band[i * ND_PARA_BANDS + b];
            size_t j = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 32) & (tcap - 1);
            while (d->tsent[j])
                j = (j + 1) & (tcap - 1);
            d->tkey[j] = key;
            d->tsent[j] = (uint32_t)i + 1;
        }
    d->loaded_sents = 1;
    return ND_OK;
}

/* The session's state for one check. */
typedef struct checker {
    nd_session *s;
    nd_scan_ctx *c;
    nd_minhash *pmh; /* the scan's sentence MinHash */
    uint32_t nb;     /* batch documents */
    cache arch, batch;
    uint64_t *pairs; /* candidates (a << 32 | b), meaning per step */
    size_t npairs, cappairs;
} checker;

/* The cached entry of archived document a (archive number), loaded with what `sents` asks. */
static nd_status get_archived(checker *k, uint32_t a, int sents, dset **out)
{
    nd_session *s = k->s;
    dset *d = &k->arch.slot[a % CACHE];
    if (d->doc != a || (sents ? !d->loaded_sents : !d->set)) {
        if (d->doc != a) dset_clear(d);
        nd_status st = nd_index_load_record(s->ix, a, &s->rec);
        if (st != ND_OK) return st;
        d->doc = a;
        if ((st = dset_fill(d, &s->rec, s->ix->set.ngram, &s->scratch, sents, k->pmh)) != ND_OK)
            return nd_index_fail(s->ix, st, "out of memory");
    }
    *out = d;
    return ND_OK;
}

/* The cached entry of batch document b, from the spool. */
static nd_status get_batch(checker *k, uint32_t b, int sents, dset **out)
{
    nd_session *s = k->s;
    dset *d = &k->batch.slot[b % CACHE];
    if (d->doc != b || (sents ? !d->loaded_sents : !d->set)) {
        if (d->doc != b) dset_clear(d);
        nd_status st = nd_session_batch_record(s, b, NULL, NULL);
        if (st != ND_OK) return st;
        d->doc = b;
        if ((st = dset_fill(d, &s->rec, s->ix->set.ngram, &s->scratch, sents, k->pmh)) != ND_OK)
            return nd_index_fail(s->ix, st, "out of memory");
    }
    *out = d;
    return ND_OK;
}

static nd_status push_pair(checker *k, uint64_t p)
{
    if (k->npairs == k->cappairs) {
        size_t cap = k->cappairs;
        uint64_t *v = nd_grow_array(k->pairs, &cap, k->npairs + 1, sizeof *v, 4096);
        if (!v) return nd_index_fail(k->s->ix, ND_ENOMEM, "out of memory");
        k->pairs = v;
        k->cappairs = cap;
    }
    k->pairs[k->npairs++] = p;
    return ND_OK;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/*
 * Looks up one band of a map: q[0..n) are (key << 32 | item), sorted; every archived document
 * under band << 32 | key in any run becomes a pair (item << 32 | document), at most `cap` per
 * key and run (the most recent).
 */
static nd_status lookup_band(checker *k, int map, unsigned band, const uint64_t *q, size_t n,
                             const nd_run_info *runs, size_t nr, unsigned cap)
{
    nd_status st = ND_OK;
    for (size_t r = 0; r < nr && st == ND_OK; r++) {
        nd_map_cursor cur;
        nd_map_cursor_init(&cur, k->s->ix, map, runs[r].run);
        const nd_kentry *e = NULL;
        size_t ne = 0;
        for (size_t i = 0; i < n && st == ND_OK; i++) {
            if (i == 0 || q[i] >> 32 != q[i - 1] >> 32)
                st = nd_map_lookup(&cur, (uint64_t)band << 32 | q[i] >> 32, &e, &ne);
            size_t from = ne > cap ? ne - cap : 0;
            for (size_t j = from; j < ne && st == ND_OK; j++)
                st = push_pair(k, (uint64_t)(uint32_t)q[i] << 32 | e[j].doc);
        }
        nd_map_cursor_clear(&cur);
    }
    return st;
}

/* Step 1: the article candidates, as (batch << 32 | archived), in k->pairs, at most DOC_CAP
 * per batch document, sorted. */
static nd_status article_candidates(checker *k, const nd_run_info *runs, size_t nr)
{
    nd_index *ix = k->s->ix;
    const nd_index_settings *set = &ix->set;
    const uint32_t *sigs = k->c->res->mem->sigs;
    uint64_t *q = nd_malloc((k->nb ? k->nb : 1) * sizeof *q);
    if (!q) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    nd_status st = ND_OK;
    for (unsigned b = 0; b < set->bands && st == ND_OK; b++) {
        for (uint32_t d = 0; d < k->nb; d++)
            q[d] = (uint64_t)nd_lsh_band_key(sigs + (size_t)d * set->perms, b, set->rows) << 32 | d;
        qsort(q, k->nb, sizeof *q, u64_cmp);
        st = lookup_band(k, ND_MAP_BANDS, b, q, k->nb, runs, nr, KEY_CAP);
    }
    nd_free(q);
    if (st != ND_OK) return st;
    if (k->npairs) qsort(k->pairs, k->npairs, sizeof *k->pairs, u64_cmp);
    /* (pair, bands shared), then at most DOC_CAP per batch document: those sharing the most
     * bands, the most recent first among equals. */
    size_t w = 0;
    for (size_t i = 0; i < k->npairs;) {
        uint32_t d = (uint32_t)(k->pairs[i] >> 32);
        size_t j = i, first = w;
        while (j < k->npairs && (uint32_t)(k->pairs[j] >> 32) == d) {
            size_t e = j;
            while (e < k->npairs && k->pairs[e] == k->pairs[j])
                e++;
            /* (bands << 32 | archived), to rank */
            k->pairs[w++] = (uint64_t)(e - j) << 32 | (uint32_t)k->pairs[j];
            j = e;
        }
        if (w - first > DOC_CAP) {
            qsort(k->pairs + first, w - first, sizeof *k->pairs, u64_cmp);
            memmove(k->pairs + first, k->pairs + w - DOC_CAP, DOC_CAP * sizeof *k->pairs);
            w = first + DOC_CAP;
        }
        for (size_t x = first; x < w; x++)
            k->pairs[x] = (uint64_t)d << 32 | (uint32_t)k->pairs[x];
        qsort(k->pairs + first, w - first, sizeof *k->pairs, u64_cmp);
        i = j;
    }
    k->npairs = w;
    return ND_OK;
}

/* Step 2: verifies the candidates; edges (batch, archive number) into s->edges, for now. */
static nd_status verify_articles(checker *k)
{
    nd_session *s = k->s;
    double t = s->ix->set.threshold;
    nd_status st = ND_OK;
    for (size_t i = 0; i < k->npairs && st == ND_OK; i++) {
        uint32_t b = (uint32_t)(k->pairs[i] >> 32), a = (uint32_t)k->pairs[i];
        dset *x = NULL, *y = NULL;
        if ((st = get_batch(k, b, 0, &x)) != ND_OK || (st = get_archived(k, a, 0, &y)) != ND_OK)
            break;
        nd_sim sim = nd_verify_exact(x->set, x->n, y->set, y->n);
        if (!nd_verify_passes(sim.inter, x->n, y->n, t)) continue;
        ND_GROW(s->nedges, s->capedges, 256, s->edges);
        s->edges[s->nedges++] = (nd_pair_sim){b, a, sim.jaccard, sim.contain_a, sim.contain_b};
    }
    return st;
}

/* The matched sentences of archived document a, found[0..n) as (sentence << 32 | batch
 * record): a record for each (in sentence order, with doc = a for now), joined with the
 * batch sentences it matched. */
static nd_status add_matches(checker *k, const dset *y, uint32_t a, uint64_t *found, size_t n)
{
    nd_session *s = k->s;
    if (!n) return ND_OK;
    qsort(found, n, sizeof *found, u64_cmp);
    for (size_t i = 0; i < n; i++) {
        uint32_t m = (uint32_t)(found[i] >> 32);
        if (i == 0 || m != (uint32_t)(found[i - 1] >> 32)) {
            if (s->nsrecs == s->capsrecs) {
                size_t c = s->capsrecs;
                nd_para_rec *v = nd_grow_array(s->srecs, &c, s->nsrecs + 1, sizeof *v, 256);
                if (!v) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
                s->srecs = v;
                s->capsrecs = c;
            }
            s->srecs[s->nsrecs++] = (nd_para_rec){y->key[m], a, y->line[m], 0, 0};
        }
        if (s->nsjoin == s->capsjoin) {
            size_t c = s->capsjoin;
            nd_pair *v = nd_grow_array(s->sjoin, &c, s->nsjoin + 1, sizeof *v, 256);
            if (!v) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
            s->sjoin = v;
            s->capsjoin = c;
        }
        s->sjoin[s->nsjoin++] = (nd_pair){(uint32_t)(s->nsrecs - 1), (uint32_t)found[i]};
    }
    return ND_OK;
}

/* The batch's sentences, each in one block of 64-bit words, so that testing a candidate pair
 * reads one place: [record | words << 32], its ND_PARA_BANDS band keys two to a word, then
 * its word set (sorted, unique token hashes). at[r] is where record r's block starts. Each
 * batch document's record is read from the spool once, in order. */
#define BLK_HEAD (1 + ND_PARA_BANDS / 2)

typedef struct bsents {
    uint64_t *v;
    size_t n, cap;
    size_t *at;
} bsents;

static nd_status batch_sentences(checker *k, const nd_sent_store *store, bsents *out)
{
    nd_session *s = k->s;
    size_t n = store->n;
    out->at = nd_malloc((n ? n : 1) * sizeof *out->at);
    if (!out->at) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
    size_t r = 0;
    for (uint32_t d = 0; d < k->nb && r < n; d++) {
        if (store->recs[r].doc != d) continue; /* no sentence in d */
        nd_status st = nd_session_batch_record(s, d, NULL, NULL);
        if (st != ND_OK) return st;
        const nd_rec *rec = &s->rec;
        for (size_t j = 0; j < rec->ns; j++, r++) {
            if (r >= n || store->recs[r].doc != d)
                return nd_index_fail(s->ix, ND_EINTERNAL, "a record's sentences differ");
            const nd_rec_sent *se = &rec->s[j];
            size_t need = out->n + BLK_HEAD + se->ntok;
            if (need > out->cap) {
                size_t cap = out->cap;
                uint64_t *v = nd_grow_array(out->v, &cap, need, sizeof *v, 1u << 16);
                if (!v) return nd_index_fail(s->ix, ND_ENOMEM, "out of memory");
                out->v = v;
                out->cap = cap;
            }
            uint64_t *blk = out->v + out->n;
            memcpy(blk + BLK_HEAD, rec->th + se->first, se->ntok * sizeof *blk);
            size_t w = small_sort_unique(blk + BLK_HEAD, se->ntok);
            blk[0] = (uint64_t)w << 32 | r;
            for (unsigned b = 0; b < ND_PARA_BANDS; b += 2)
                blk[1 + b / 2] = (uint64_t)store->band[b + 1][r] << 32 | store->band[b][r];
            out->at[r] = out->n;
            out->n += BLK_HEAD + w;
        }
    }
    if (r != n) return nd_index_fail(s->ix, ND_EINTERNAL, "a record's sentences differ");
    return ND_OK;
}

/* Step 3a: for each batch sentence r, up to `cap` archived documents that share one of its
 * band keys (the most recent of each bucket, those of the first bands first): cand[r * cap ..
 * r * cap + ncand[r]). */
static nd_status sentence_candidates(checker *k, const nd_sent_store *store,
                                     const nd_run_info *runs, size_t nr, unsigned cap,
                                     uint32_t *cand, unsigned char *ncand)
{
    size_t n = store->n;
    uint64_t *room = nd_malloc((n ? n : 1) * sizeof *room), *tmp = nd_malloc((n ? n : 1) * sizeof *tmp);
    uint32_t *idx = nd_malloc((n ? n : 1) * sizeof *idx);
    if (!room || !tmp || !idx) {
        nd_free(room);
        nd_free(tmp);
        nd_free(idx);
        return nd_index_fail(k->s->ix, ND_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    nd_status st = ND_OK;
    for (unsigned b = 0; b < ND_PARA_BANDS && st == ND_OK; b++) {
        /* (key << 32 | record), sorted by key, records in order */
        const uint64_t *q = nd_radix_sort(NULL, store->band[b], idx, n, room, tmp);
        for (size_t r = 0; r < nr && st == ND_OK; r++) {
            nd_map_cursor cur;
            nd_map_cursor_init(&cur, k->s->ix, ND_MAP_SENTS, runs[r].run);
            const nd_kentry *e = NULL;
            size_t ne = 0;
            for (size_t i = 0; i < n && st == ND_OK; i++) {
                if (i == 0 || q[i] >> 32 != q[i - 1] >> 32)
                    st = nd_map_lookup(&cur, (uint64_t)b << 32 | q[i] >> 32, &e, &ne);
                uint32_t rec = (uint32_t)q[i];
                uint32_t *c = cand + (size_t)rec * cap;
                for (size_t j = ne; j-- > (ne > cap ? ne - cap : 0) && ncand[rec] < cap;) {
                    unsigned x = 0;
                    while (x < ncand[rec] && c[x] != e[j].doc)
                        x++;
                    if (x == ncand[rec]) c[ncand[rec]++] = e[j].doc;
                }
            }
            nd_map_cursor_clear(&cur);
        }
    }
    nd_free(room);
    nd_free(tmp);
    nd_free(idx);
    return st;
}

/* Step 3: sentence matches, as (archived sentence, batch sentence) into s->srecs/s->sjoin
 * (doc = archive number for now). Each candidate archived document is read once (in archive
 * order), its sentences' band keys recomputed, and a batch sentence compared (exact Jaccard
 * of the word sets) with those of its sentences that share a band key with it. */
static nd_status match_sentences(checker *k, const nd_sent_store *store, const nd_run_info *runs,
                                 size_t nr)
{
    nd_session *s = k->s;
    nd_index *ix = s->ix;
    size_t n = store->n;
    unsigned cap = (unsigned)k->c->opts.boilerplate_docs;
    cap = cap < SENT_CAP ? SENT_CAP : cap > SENT_CAP_MAX ? SENT_CAP_MAX : cap;
    bsents bw = {0};
    uint32_t *cand = nd_malloc((n ? n : 1) * cap * sizeof *cand);
    unsigned char *ncand = nd_calloc(n ? n : 1, 1);
    uint64_t *found = NULL; /* (archived sentence << 32 | record) of one archived document */
    size_t nfound = 0, capfound = 0;
    nd_status st = cand && ncand ? ND_OK : nd_index_fail(ix, ND_ENOMEM, "out of memory");
    if (st == ND_OK) st = sentence_candidates(k, store, runs, nr, cap, cand, ncand);
    if (st == ND_OK) st = batch_sentences(k, store, &bw);
    if (st == ND_OK && bw.n >= UINT32_MAX)
        st = nd_index_fail(ix, ND_ENOMEM, "too many sentences in one batch");
    /* (archived << 32 | the record's block), sorted: each archived document read once. */
    k->npairs = 0;
    for (size_t r = 0; r < n && st == ND_OK; r++)
        for (unsigned j = 0; j < ncand[r] && st == ND_OK; j++)
            st = push_pair(k, (uint64_t)cand[r * cap + j] << 32 | bw.at[r]);
    nd_free(cand);
    cand = NULL;
    if (st == ND_OK && k->npairs > 1) {
        /* pushed in record order: a stable sort by archive number orders them fully */
        uint64_t *tmp = nd_malloc(k->npairs * sizeof *tmp);
        if (!tmp) {
            st = nd_index_fail(ix, ND_ENOMEM, "out of memory");
        } else {
            uint64_t *sorted = nd_radix_sort(k->pairs, NULL, NULL, k->npairs, k->pairs, tmp);
            if (sorted != k->pairs) memcpy(k->pairs, sorted, k->npairs * sizeof *tmp);
            nd_free(tmp);
        }
    }
    double t = k->c->opts.para.threshold;
    for (size_t i = 0; i < k->npairs && st == ND_OK;) {
        uint32_t a = (uint32_t)(k->pairs[i] >> 32);
        dset *y = NULL;
        if ((st = get_archived(k, a, 1, &y)) != ND_OK) break;
        nfound = 0;
        for (; i < k->npairs && (uint32_t)(k->pairs[i] >> 32) == a && st == ND_OK; i++) {
            if (i + 8 < k->npairs) __builtin_prefetch(bw.v + (uint32_t)k->pairs[i + 8]);
            const uint64_t *blk = bw.v + (uint32_t)k->pairs[i];
            uint32_t r = (uint32_t)blk[0];
            const uint64_t *xw = blk + BLK_HEAD;
            size_t xn = (size_t)(blk[0] >> 32);
            /* The archived sentences sharing a band key with r, each tried once. */
            uint32_t tried[4 * ND_PARA_BANDS];
            unsigned ntried = 0;
            for (unsigned b = 0; b < ND_PARA_BANDS && st == ND_OK; b++) {
                uint64_t key = (uint64_t)b << 32 | (uint32_t)(blk[1 + b / 2] >> (32 * (b & 1)));
                size_t j = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 32) & (y->tcap - 1);
                for (; y->tsent[j]; j = (j + 1) & (y->tcap - 1)) {
                    if (y->tkey[j] != key) continue;
                    uint32_t m = y->tsent[j] - 1;
                    unsigned x = 0;
                    while (x < ntried && tried[x] != m)
                        x++;
                    if (x < ntried) continue;
                    if (ntried < sizeof tried / sizeof *tried) tried[ntried++] = m;
                    if (y->wn[m] == UINT32_MAX)
                        y->wn[m] = (uint32_t)small_sort_unique(y->words + y->wstart[m],
                                                               y->wstart[m + 1] - y->wstart[m]);
                    const uint64_t *yw = y->words + y->wstart[m];
                    size_t yn = y->wn[m];
                    size_t lo = xn < yn ? xn : yn, hi = xn < yn ? yn : xn;
                    if ((double)lo < t * (double)hi * (1.0 - 1e-12)) continue; /* J <= lo / hi */
                    nd_sim sim = nd_verify_exact(xw, xn, yw, yn);
                    if (!nd_verify_passes(sim.inter, xn, yn, t)) continue;
                    if (nfound == capfound) {
                        size_t c = capfound;
                        uint64_t *v = nd_grow_array(found, &c, nfound + 1, sizeof *v, 64);
                        if (!v) {
                            st = nd_index_fail(ix, ND_ENOMEM, "out of memory");
                            break;
                        }
                        found = v;
                        capfound = c;
                    }
                    found[nfound++] = (uint64_t)m << 32 | r;
                }
            }
        }
        if (st == ND_OK) st = add_matches(k, y, a, found, nfound);
    }
    nd_free(found);
    nd_free(cand);
    nd_free(ncand);
    nd_free(bw.v);
    nd_free(bw.at);
    return st;
}

/* Step 4: the archived documents of the edges and matches appended to the result, in
 * archive order; edges and records renumbered to their indices. */
static nd_status add_archived(checker *k)
{
    nd_session *s = k->s;
    nd_index *ix = s->ix;
    nd_scan_result *res = k->c->res;
    size_t total = s->nedges + s->nsrecs;
    uint32_t *docs = nd_malloc((total ? total : 1) * sizeof *docs);
    if (!docs) return nd_index_fail(ix, ND_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < s->nedges; i++)
        docs[n++] = s->edges[i].b;
    for (size_t i = 0; i < s->nsrecs; i++)
        docs[n++] = s->srecs[i].doc;
    qsort(docs, n, sizeof *docs, u32_cmp);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || docs[i] != docs[u - 1]) docs[u++] = docs[i];
    s->arch_doc = docs;
    s->narch = u;
    nd_status st = ND_OK;
    for (size_t i = 0; i < u && st == ND_OK; i++) {
        sqlite3_stmt *q;
        if ((st = nd_index_stmt(ix, ST_DOC_GET, &q)) != ND_OK) break;
        sqlite3_bind_int64(q, 1, docs[i]);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            const char *id = (const char *)sqlite3_column_text(q, 0);
            const char *src = (const char *)sqlite3_column_text(q, 1);
            const char *sn = (const char *)sqlite3_column_text(q, 4);
            uint32_t index;
            st = nd_result_add_archived(res, k->c->k, id ? id : "", id ? strlen(id) : 0,
                                        src ? src : "", (uint64_t)sqlite3_column_int64(q, 2),
                                        (uint32_t)sqlite3_column_int64(q, 3), sn, &index);
            if (st != ND_OK)
                st = nd_index_fail(ix, st, "%s", nd_status_str(st));
            else
                assert(index == k->nb + i);
        } else if (rc == SQLITE_DONE) {
            st = nd_index_fail(ix, ND_ECORRUPT, "damaged: a map names document %u, which is missing",
                               docs[i]);
        } else {
            st = nd_index_sqlfail(ix, rc, "reading a document");
        }
        sqlite3_reset(q);
    }
    if (st != ND_OK) return st;
    /* archive number -> result index: its place in docs[] */
    for (size_t i = 0; i < s->nedges; i++) {
        uint32_t *p = bsearch(&s->edges[i].b, docs, u, sizeof *docs, u32_cmp);
        s->edges[i].b = k->nb + (uint32_t)(p - docs);
    }
    for (size_t i = 0; i < s->nsrecs; i++) {
        uint32_t *p = bsearch(&s->srecs[i].doc, docs, u, sizeof *docs, u32_cmp);
        s->srecs[i].doc = k->nb + (uint32_t)(p - docs);
    }
    return ND_OK;
}

nd_status nd_check_after_pass1(void *ud, nd_scan_ctx *c, const nd_sent_store *store)
{
    nd_session *s = ud;
    nd_index *ix = s->ix;
    s->ctx = c;
    checker k;
    memset(&k, 0, sizeof k);
    k.s = s;
    k.c = c;
    k.nb = s->ext.nbatch;
    cache_init(&k.arch);
    cache_init(&k.batch);
    nd_status st = nd_result_set_archive(c->res, ix->path, ix->ndocs);
    if (st == ND_OK) st = nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &k.pmh);
    if (st != ND_OK) st = nd_index_fail(ix, st, "out of memory");
    nd_run_info *runs = NULL;
    size_t nr = 0;
    if (st == ND_OK) st = nd_map_runs(ix, ND_MAP_BANDS, &runs, &nr);
    if (st == ND_OK && nr && k.nb) st = article_candidates(&k, runs, nr);
    if (st == ND_OK) st = verify_articles(&k);
    nd_free(runs);
    runs = NULL;
    if (st == ND_OK && store->n) {
        if ((st = nd_map_runs(ix, ND_MAP_SENTS, &runs, &nr)) == ND_OK && nr)
            st = match_sentences(&k, store, runs, nr);
    }
    nd_free(runs);
    if (st == ND_OK) st = add_archived(&k);
    if (st == ND_OK) {
        s->ext.edges = s->edges;
        s->ext.nedges = s->nedges;
        s->ext.srecs = s->srecs;
        s->ext.nsrecs = s->nsrecs;
        s->ext.sjoin = s->sjoin;
        s->ext.nsjoin = s->nsjoin;
    }
    cache_clear(&k.arch);
    cache_clear(&k.batch);
    nd_free(k.pairs);
    nd_minhash_free(k.pmh);
    if (st != ND_OK && !ix->msg[0]) nd_index_fail(ix, st, "%s", nd_status_str(st));
    return st;
}

nd_status nd_check_load_set(void *ud, uint32_t doc, nd_set *out)
{
    nd_session *s = ud;
    nd_index *ix = s->ix;
    nd_status st;
    if (doc < s->ext.nbatch) {
        /* A batch document the article stage did not read again: its snippet too. */
        const char *sn;
        size_t sl;
        st = nd_session_batch_record(s, doc, &sn, &sl);
        struct nd_result_mem *m = s->ctx->res->mem;
        size_t off;
        if (st == ND_OK && !m->docs[doc].snippet) {
            if (nd_arena_put(&m->strs, sn, sl, &off) != ND_OK || off + 1 > UINT32_MAX)
                return nd_index_fail(ix, ND_ENOMEM, "out of memory");
            m->docs[doc].snippet = (uint32_t)(off + 1);
        }
    } else {
        assert(doc - s->ext.nbatch < s->narch);
        st = nd_index_load_record(ix, s->arch_doc[doc - s->ext.nbatch], &s->rec);
    }
    if (st != ND_OK) return st;
    st = nd_rec_shingle_set(&s->rec, ix->set.ngram, &s->scratch, &out->v, &out->n);
    return st == ND_OK ? ND_OK : nd_index_fail(ix, st, "out of memory");
}

/* ---- nd_check ----------------------------------------------------------------------------- */

static nd_status check_run(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                           size_t npaths, nd_check_add add, nd_index_add_stats *added,
                           nd_scan_result **out, nd_reader **reader)
{
    ix->msg[0] = '\0';
    if (added) memset(added, 0, sizeof *added);
    if (add != ND_CHECK_ONLY && !ix->writable)
        return nd_index_fail(ix, ND_EINVAL, "opened read-only");
    nd_scan_opts o = *opts;
    nd_status st = nd_index_use_settings(ix, &o, 0);
    if (st != ND_OK) return st;
    o.verify_estimate = 0;
    nd_session s;
    int write = add != ND_CHECK_ONLY;
    st = nd_session_init(&s, ix, write, add == ND_CHECK_ADD_NEW ? ND_KEEP_ADD_NEW : ND_KEEP_ALL);
    if (st != ND_OK) return st;
    s.ext.flags = ND_EXT_RECORDS | (write ? ND_EXT_SENTENCES : 0);
    s.ext.after_pass1 = nd_check_after_pass1;
    nd_scan_result *res = NULL;
    if ((st = nd_index_begin(ix, write)) != ND_OK) goto out;
    if (write && (st = nd_index_count(ix)) != ND_OK) goto fail;
    double t0 = nd_now();
    st = nd_scan_run_reader(&o, paths, npaths, &s.ext, &res, reader);
    if (st != ND_OK && !ix->msg[0]) nd_index_fail(ix, st, "%s", nd_status_str(st));
    double t1 = nd_now();
    s.stats.t_scan = t1 - t0;
    if (st == ND_OK) {
        s.stats.read = res->ndocs - res->narchived;
        s.stats.skipped = res->nskipped;
        s.stats.warnings = res->nwarnings;
    }
    if (st == ND_OK && write) st = nd_session_write(&s, res, &o);
    double t2 = nd_now();
    s.stats.t_write = t2 - t1;
    if (st == ND_OK && write) st = nd_index_commit(ix);
    s.stats.t_commit = nd_now() - t2;
    if (st == ND_OK && write) ix->ndocs += s.stats.added;
fail:
    if (st != ND_OK) {
        if (reader && *reader) { /* the scan handed it back, a later step failed */
            nd_reader_free(*reader);
            *reader = NULL;
        }
        s.stats.added = 0;
        nd_scan_result_free(res);
        res = NULL;
    }
    nd_index_rollback(ix); /* ends the read snapshot; after a commit, nothing */
out:
    s.stats.documents = ix->ndocs;
    if (added) *added = s.stats;
    nd_session_clear(&s);
    if (st == ND_OK) *out = res;
    return st;
}

nd_status nd_check(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                   size_t npaths, nd_check_add add, nd_index_add_stats *added,
                   nd_scan_result **out)
{
    return check_run(ix, opts, paths, npaths, add, added, out, NULL);
}

nd_status nd_check_keep_reader(nd_index *ix, const nd_scan_opts *opts, const char *const *paths,
                               size_t npaths, nd_scan_result **out, nd_reader **reader)
{
    return check_run(ix, opts, paths, npaths, ND_CHECK_ONLY, NULL, out, reader);
}

nd_status nd_check_archived_of(const nd_scan_result *res, uint32_t *out)
{
    size_t nb = res->ndocs - res->narchived;
    for (size_t i = 0; i < nb; i++)
        out[i] = UINT32_MAX;
    for (size_t g = 0; g < res->ngroups; g++) {
        const nd_group *gr = &res->groups[g];
        uint32_t a = UINT32_MAX;
        for (size_t m = 0; m < gr->nmembers; m++)
            if (gr->members[m].doc >= nb && gr->members[m].doc < a) a = gr->members[m].doc;
        for (size_t m = 0; m < gr->nmembers && a != UINT32_MAX; m++)
            if (gr->members[m].doc < nb) out[gr->members[m].doc] = a;
    }
    return ND_OK;
}
