/*
 * shared.c - paragraphs shared across articles (see shared.h).
 *
 * A group of linked sentences becomes a shared paragraph whose places are the (article,
 * paragraph line) pairs of its sentences. Its texts are read back at the end through the
 * workers (ND_MODE_TEXT), each document once, in input order. A check against an archive
 * index (index_ext.h) adds the archived sentences the batch's sentences matched as records
 * after the batch's, joined with them, so they become places of the same groups.
 */
#include "shared.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "index_ext.h"

static int u64_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* The working state of the stage. */
typedef struct stage {
    nd_scan_ctx *c;
    nd_sent_store *store; /* freed once the entries are made */
    nd_para_groups pg;
    uint32_t *agid; /* article group of each document + 1, 0 = none */
    size_t *pstart; /* places of group g: mem->places[pstart[g] .. pstart[g + 1]) */
    uint64_t *sig;  /* (hash of the place list, group) of the groups kept */
    size_t nkeep;
} stage;

/* Appends the extension's archived sentences to the store's records (after the batch's:
 * they are sorted by document, which comes after every batch document) and joins each with
 * the batch sentences it matched, in uf (made for them too). */
static nd_status join_archived(const nd_scan_ext *x, nd_sent_store *store, nd_uf *uf)
{
    size_t n = store->n;
    if (n + x->nsrecs > store->cap) {
        nd_para_rec *r = nd_reallocarray(store->recs, n + x->nsrecs, sizeof *r);
        if (!r) return ND_ENOMEM;
        store->recs = r;
        store->cap = n + x->nsrecs;
    }
    memcpy(store->recs + n, x->srecs, x->nsrecs * sizeof *x->srecs);
    for (size_t i = 0; i < x->nsjoin; i++)
        nd_uf_union(uf, (uint32_t)(n + x->sjoin[i].a), x->sjoin[i].b);
    store->n += x->nsrecs;
    return ND_OK;
}

/* Links the store's sentences and groups them (into st->pg), then frees what linking
 * needed. */
static nd_status link_sentences(stage *s, nd_sent_store *store)
{
    nd_scan_ctx *c = s->c;
    nd_uf *uf = c->sent_uf;
    size_t nx = c->ext ? c->ext->nsrecs : 0;
    nd_status st = ND_OK;
    c->sent_uf = NULL; /* (linked across the ranks already: link_dist.h) */
    if (!uf) {
        if ((st = nd_uf_create(store->n + nx, &uf)) != ND_OK) return st;
        double t0 = nd_now();
        st = nd_link_sentences(store, c->opts.para.threshold, c->opts.threads, uf);
        c->res->stats.t_link = nd_now() - t0;
    }
    nd_sent_store_drop_sketches(store);
    if (st == ND_OK && nx) st = join_archived(c->ext, store, uf);
    if (st == ND_OK) st = nd_link_groups(store->recs, store->n, uf, &s->pg);
    nd_uf_free(uf);
    return st;
}

/* The places of each group, without repeats (members are in (doc, line) order), and a hash
 * of each place list, to find groups with the same places. A group whose articles are all
 * in one near-duplicate group is dropped (that group says it already): its ndocs becomes 0.
 */
static nd_status collect_places(stage *s)
{
    struct nd_result_mem *m = s->c->res->mem;
    const nd_para_groups *pg = &s->pg;
    const nd_para_rec *recs = s->store->recs;
    size_t total = pg->n ? pg->start[pg->n] : 0;
    m->places = nd_malloc((total ? total : 1) * sizeof *m->places);
    s->pstart = nd_malloc((pg->n + 1) * sizeof *s->pstart);
    s->sig = nd_malloc((pg->n ? pg->n : 1) * 2 * sizeof *s->sig);
    if (!m->places || !s->pstart || !s->sig) return ND_ENOMEM;
    size_t np = 0;
    for (size_t g = 0; g < pg->n; g++) {
        s->pstart[g] = np;
        uint32_t a = s->agid[recs[pg->member[pg->start[g]]].doc];
        int same = a != 0;
        uint64_t h = 0x9e3779b97f4a7c15u;
        for (size_t k = pg->start[g]; k < pg->start[g + 1]; k++) {
            const nd_para_rec *r = &recs[pg->member[k]];
            same = same && s->agid[r->doc] == a;
            if (np > s->pstart[g] && m->places[np - 1].doc == r->doc &&
                m->places[np - 1].line == r->line)
                continue;
            m->places[np].doc = r->doc;
            m->places[np].line = r->line;
            np++;
            h = (h ^ (((uint64_t)r->doc << 32) | r->line)) * UINT64_C(0xff51afd7ed558ccd);
            h ^= h >> 29;
        }
        if (same) {
            np = s->pstart[g]; /* dropped */
            pg->ndocs[g] = 0;
            continue;
        }
        s->sig[2 * s->nkeep] = h;
        s->sig[2 * s->nkeep + 1] = g;
        s->nkeep++;
    }
    s->pstart[pg->n] = np;
    return ND_OK;
}

/* Groups with identical place lists become one, the earlier (by first member); it is
 * identical only if all of them were. */
static void merge_same_places(stage *s)
{
    const nd_para_place *places = s->c->res->mem->places;
    nd_para_groups *pg = &s->pg;
    qsort(s->sig, s->nkeep, 2 * sizeof *s->sig, u64_cmp);
    for (size_t i = 0; i < s->nkeep;) {
        size_t j = i + 1;
        size_t gi = (size_t)s->sig[2 * i + 1];
        for (; j < s->nkeep && s->sig[2 * j] == s->sig[2 * i]; j++) {
            size_t gj = (size_t)s->sig[2 * j + 1];
            size_t li = s->pstart[gi + 1] - s->pstart[gi], lj = s->pstart[gj + 1] - s->pstart[gj];
            if (li == lj &&
                memcmp(places + s->pstart[gi], places + s->pstart[gj], li * sizeof *places) == 0) {
                size_t keep = gi < gj ? gi : gj, drop = gi < gj ? gj : gi;
                pg->identical[keep] = pg->identical[keep] && pg->identical[drop];
                pg->ndocs[drop] = 0;
                gi = keep;
            }
        }
        i = j;
    }
}

/* Takes a batch of texts: each slot's snippet. */
static nd_status commit_text(void *ctx, nd_batch *b)
{
    struct nd_result_mem *m = ((stage *)ctx)->c->res->mem;
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].status != ND_OK) return ND_ECHANGED; /* it was fine in pass 1 */
    for (size_t i = 0; i < b->nreqs; i++) {
        const char *sn = b->strs.p + b->reqs[i].snip - 1;
        size_t *slot = &m->shared_txt[b->reqs[i].slot];
        if (nd_arena_put(&m->strs, sn, strlen(sn), slot) != ND_OK) return ND_ENOMEM;
        (*slot)++; /* offset + 1 */
    }
    return ND_OK;
}

/* Cuts the snippets of the shared sentences' first occurrences: req[2i] is (document << 32
 * | slot), req[2i + 1] is (start << 32 | length), sorted by document, so each document is
 * read once, in input order. */
static nd_status fetch_texts(stage *s, const uint64_t *req, size_t n)
{
    nd_scan_ctx *c = s->c;
    const nd_doc_rec *docs = c->res->mem->docs;
    nd_pass p;
    nd_pass_begin(&p, c->pl, ND_MODE_TEXT, commit_text, s);
    nd_status st = ND_OK;
    for (size_t i = 0; i < n && st == ND_OK;) {
        uint32_t d = (uint32_t)(req[2 * i] >> 32);
        const nd_doc_rec *dr = &docs[d];
        nd_record rec;
        st = nd_reader_fetch(c->reader, dr->source, dr->offset, dr->len, dr->line, &rec);
        if (st == ND_OK) st = nd_pass_add(&p, &rec, d, dr->sum);
        for (; st == ND_OK && i < n && (uint32_t)(req[2 * i] >> 32) == d; i++)
            st = nd_pass_add_req(&p, (size_t)(req[2 * i + 1] >> 32),
                                 (size_t)(req[2 * i + 1] & 0xffffffffu),
                                 (size_t)(req[2 * i] & 0xffffffffu));
    }
    return nd_pass_end(&p, st);
}

/* The result's entries from the groups kept, classified, and their texts. */
static nd_status make_entries(stage *s)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    const nd_para_groups *pg = &s->pg;
    size_t kept = 0;
    for (size_t g = 0; g < pg->n; g++)
        kept += pg->ndocs[g] != 0;
    m->shared = nd_calloc(kept ? kept : 1, sizeof *m->shared);
    m->shared_txt = nd_calloc(kept ? kept : 1, sizeof *m->shared_txt);
    uint64_t *order = nd_malloc((kept ? kept : 1) * 2 * sizeof *order);
    if (!m->shared || !m->shared_txt || !order) {
        nd_free(order);
        return ND_ENOMEM;
    }
    size_t k = 0;
    size_t nbatch = c->ext ? c->ext->nbatch : m->ndocs; /* the share is of the input's */
    double share_docs = c->opts.boilerplate_share * (double)nbatch;
    for (size_t g = 0; g < pg->n; g++) {
        if (!pg->ndocs[g]) continue;
        nd_shared_para *sp = &m->shared[k];
        sp->places = m->places + s->pstart[g];
        sp->nplaces = s->pstart[g + 1] - s->pstart[g];
        sp->ndocs = pg->ndocs[g];
        sp->identical = pg->identical[g];
        sp->boilerplate = sp->ndocs >= c->opts.boilerplate_docs ||
                          (c->opts.boilerplate_share > 0 && (double)sp->ndocs >= share_docs);
        /* Read the first member's sentence later, in document order. */
        const nd_para_rec *r = &s->store->recs[pg->member[pg->start[g]]];
        order[2 * k] = ((uint64_t)r->doc << 32) | k;
        order[2 * k + 1] = ((uint64_t)r->start << 32) | r->len;
        k++;
    }
    res->nshared = kept;
    nd_sent_store_clear(s->store); /* the texts are read without it */
    double t0 = nd_now();
    qsort(order, kept, 2 * sizeof *order, u64_cmp);
    nd_status st = fetch_texts(s, order, kept);
    nd_free(order);
    if (st != ND_OK) return st;
    res->shared = m->shared;
    res->stats.t_texts = nd_now() - t0;
    return ND_OK;
}

nd_status nd_shared_find(nd_scan_ctx *c, nd_sent_store *store, const nd_groups *ag)
{
    size_t ndocs = c->res->mem->ndocs;
    stage s;
    memset(&s, 0, sizeof s);
    s.c = c;
    s.store = store;
    nd_status st = ND_ENOMEM;
    if (!(s.agid = nd_calloc(ndocs ? ndocs : 1, sizeof *s.agid))) goto out;
    for (size_t k = 0; k < ag->n; k++)
        for (size_t j = ag->start[k]; j < ag->start[k + 1]; j++)
            s.agid[ag->members[j]] = (uint32_t)(k + 1);
    if ((st = link_sentences(&s, store)) != ND_OK) goto out;
    if ((st = collect_places(&s)) != ND_OK) goto out;
    merge_same_places(&s);
    st = make_entries(&s);
out:
    nd_free(s.agid);
    nd_free(s.sig);
    nd_free(s.pstart);
    nd_para_groups_clear(&s.pg);
    return st;
}
