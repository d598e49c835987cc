/*
 * articles.c - near-duplicate articles: candidate components, exact sets, verification,
 * groups (see articles.h).
 *
 * LSH (lsh.h) puts the documents of every band into buckets and joins each bucket's members
 * in a union-find: its components are the *candidate components*, the documents that could
 * be near-duplicates of one another. Only the members of components of two or more are read
 * again (pass 2, exact mode) for their exact shingle sets.
 *
 * Verification then walks every bucket, band after band, with a second union-find of what
 * verified. A bucket is a list of documents in input order; each document is tested against
 * the components already present in the bucket (the documents before it, grouped by their
 * verified component), not against every document: against a component it already belongs
 * to it is not tested at all, and against another one it is tested with up to GROUP_TRIES
 * of its members, stopping at the first that verifies, within RUN_BUDGET tests per document
 * and bucket. 125 or 1,000,000 copies of one text cost one test per copy; no list of pairs is
 * ever built. Each test that joins two components is an edge of the group: the result lists
 * these edges (size - 1 per group, each verified >= the threshold), or with all_pairs every
 * pair of each group that is >= the threshold (quadratic in the group's size, by request).
 * The order of the walk is fixed (bands, buckets, documents in input order), so the edges
 * are the same on every run.
 *
 * With containment (opts.containment = C > 0), a pair is also a near-duplicate when the
 * smaller set is contained in the other at C or more (|A n B| >= C min(|A|, |B|)), so a
 * truncated copy joins its original's group. Its candidates come after the walk, from
 * shared winnowing fingerprints between the walk's components (contain.h): the members not
 * read yet are read (pass 2 again), and each candidate pair, in order, is verified exactly
 * unless its documents are joined already. The keep rule then removes a member contained in
 * a kept one, never the longer of the two.
 * A check against an archive index (index_ext.h) adds archived documents after the batch:
 * LSH and pass 2 cover the batch only; the pairs with archived documents the check verified
 * are walked after the buckets, each an edge when it joins two components; the exact sets
 * of group members not read again here (archived ones, or batch documents whose only
 * near-duplicates are archived) come from the extension's load_set.
 * In exact mode without containment or an archive, pass 2, the walk and the groups run a
 * batch of candidate components at a time, so only about opts.set_memory bytes of exact
 * sets are held at once (see by_batch), and with opts.drop_signatures pass 1 kept only the
 * band keys (scan.c), freed after LSH, their last use.
 */
#include "articles.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "contain.h"
#include "index_ext.h"
#include "lsh.h"
#include "lsh_dist.h"
#include "verify.h"

#define RUN_GROUPS 64u  /* the most recent components of a bucket a document is tested against */
#define GROUP_TRIES 16u /* members of one component it is tested against */
#define RUN_BUDGET 64u  /* tests per document and bucket */

/* A component present in the bucket being walked, with up to GROUP_TRIES of its members
 * there (samples[first .. first + n)). */
typedef struct bgroup {
    uint32_t anchor; /* a member: the component is nd_uf_find(anchor) */
    uint32_t first, n;
} bgroup;

typedef struct stage {
    nd_scan_ctx *c;
    nd_set *sets;   /* per document; v NULL until read */
    nd_uf *vuf;     /* what verified */
    double need_eq; /* estimate mode: equal signature values that pass */
    nd_pair_sim *edges;
    size_t nedges, capedges;
    bgroup *groups; /* the bucket being walked */
    uint32_t *samples;
    size_t cap; /* room in groups (and GROUP_TRIES times that in samples) */
    size_t tests;
    size_t done, todo; /* pass 2: documents read again so far, and in all (progress) */
} stage;

/* ---- pass 2 -------------------------------------------------------------------------- */

/* Takes a pass-2 batch: each document's exact set and snippet. */
static nd_status commit_set(void *ctx, nd_batch *b)
{
    stage *s = ctx;
    struct nd_result_mem *m = s->c->res->mem;
    for (size_t i = 0; i < b->n; i++) {
        nd_item *it = &b->items[i];
        if (it->status != ND_OK) return ND_ECHANGED; /* it was fine in pass 1 */
        s->sets[it->doc] = it->set;
        it->set.v = NULL;
        const char *sn = b->strs.p + it->snippet - 1;
        size_t off;
        if (nd_arena_put(&m->strs, sn, strlen(sn), &off) != ND_OK) return ND_ENOMEM;
        if (off + 1 > UINT32_MAX) return ND_ENOMEM;
        m->docs[it->doc].snippet = (uint32_t)(off + 1);
    }
    s->done += b->n;
    nd_scan_progress(s->c, ND_PHASE_VERIFY, s->done, s->todo, 0);
    return ND_OK;
}

/* Hands document i, read again, to pass 2. */
static nd_status fetch(stage *s, nd_pass *p, uint32_t i)
{
    nd_scan_ctx *c = s->c;
    const nd_doc_rec *d = &c->res->mem->docs[i];
    nd_record rec;
    nd_status st = nd_reader_fetch(c->reader, d->source, d->offset, d->len, d->line, &rec);
    if (st == ND_OK) st = nd_pass_add(p, &rec, i, d->sum);
    c->res->stats.refetched++;
    return st;
}

/* Reads again the documents whose need[] is set and builds their exact sets. */
static nd_status pass2(stage *s, const unsigned char *need)
{
    nd_scan_ctx *c = s->c;
    struct nd_result_mem *m = c->res->mem;
    nd_pass p;
    s->done = s->todo = 0;
    for (size_t i = 0; i < m->ndocs; i++)
        s->todo += need[i] && !s->sets[i].v;
    nd_scan_progress(c, ND_PHASE_VERIFY, 0, s->todo, 0);
    nd_pass_begin(&p, c->pl, ND_MODE_SET, commit_set, s);
    nd_status st = ND_OK;
    size_t nb = c->ext ? c->ext->nbatch : m->ndocs; /* archived documents are not re-read */
    for (size_t i = 0; i < nb && st == ND_OK; i++)
        if (need[i] && !s->sets[i].v) st = fetch(s, &p, (uint32_t)i);
    return nd_pass_end(&p, st);
}

/* Pass 2 over the batch documents docs[0..nd) (ascending, none read yet); s->done and
 * s->todo count across calls (progress). */
static nd_status pass2_list(stage *s, const uint32_t *docs, size_t nd)
{
    nd_pass p;
    nd_pass_begin(&p, s->c->pl, ND_MODE_SET, commit_set, s);
    nd_status st = ND_OK;
    for (size_t i = 0; i < nd && st == ND_OK; i++) {
        assert(!s->sets[docs[i]].v && (i == 0 || docs[i - 1] < docs[i]));
        st = fetch(s, &p, docs[i]);
    }
    return nd_pass_end(&p, st);
}

/* ---- verification -------------------------------------------------------------------- */

/* The fingerprint share two documents must have for a containment candidate: their
 * fingerprints come from overlapping windows, so a copy cut from a text shares fewer of them
 * than of its shingles (those near its cut ends differ), and a few changed words take more. */
#define CONTAIN_FP_SHARE 0.5

/* Whether the exact intersection of sets of na and nb makes a near-duplicate pair: Jaccard
 * at the threshold, or (with containment) the smaller contained at C (in integers, as
 * nd_verify_passes decides, with its tolerance). */
static int exact_passes(const nd_scan_opts *o, size_t inter, size_t na, size_t nb)
{
    if (nd_verify_passes(inter, na, nb, o->threshold)) return 1;
    size_t small = na < nb ? na : nb;
    return o->containment > 0.0 && small > 0 &&
           (double)inter >= o->containment * (double)small * (1.0 - 1.0 / 1099511627776.0);
}

/* Whether documents a < b are near-duplicates; *ps receives their similarity. */
static int verify(stage *s, uint32_t a, uint32_t b, nd_pair_sim *ps)
{
    nd_scan_ctx *c = s->c;
    *ps = (nd_pair_sim){a, b, 0.0, -1.0, -1.0};
    s->tests++;
    if (c->opts.verify_estimate) {
        const uint32_t *sigs = c->res->mem->sigs;
        const uint32_t *sa = sigs + (size_t)a * c->k, *sb = sigs + (size_t)b * c->k;
        unsigned eq = 0;
        for (unsigned j = 0; j < c->k; j++)
            eq += sa[j] == sb[j];
        ps->jaccard = (double)eq / (double)c->k;
        if ((double)eq >= s->need_eq) return 1;
        /* Containment is always exact: its pairs' sets are read (see containment()). */
        if (c->opts.containment <= 0.0 || !s->sets[a].v || !s->sets[b].v) return 0;
    }
    const nd_set *x = &s->sets[a], *y = &s->sets[b];
    nd_sim sim = nd_verify_exact(x->v, x->n, y->v, y->n);
    if (!c->opts.verify_estimate) ps->jaccard = sim.jaccard;
    ps->contain_a = sim.contain_a;
    ps->contain_b = sim.contain_b;
    return exact_passes(&c->opts, sim.inter, x->n, y->n);
}

/* Tests document x against component g of the bucket; joins and records the edge on the
 * first member that verifies. */
static nd_status try_group(stage *s, uint32_t x, const bgroup *g, unsigned *budget)
{
    for (uint32_t k = 0; k < g->n && *budget; k++) {
        uint32_t y = s->samples[g->first + k];
        nd_pair_sim ps;
        (*budget)--;
        if (!verify(s, y < x ? y : x, y < x ? x : y, &ps)) continue;
        nd_uf_union(s->vuf, x, y);
        ND_GROW(s->nedges, s->capedges, 256, s->edges);
        s->edges[s->nedges++] = ps;
        return ND_OK;
    }
    return ND_OK;
}

/* Puts x among the bucket's components: as a sample of its own component's group, or as a
 * new group. */
static nd_status place(stage *s, uint32_t x, size_t *ng)
{
    uint32_t rx = nd_uf_find(s->vuf, x);
    for (size_t g = *ng; g-- > 0;) {
        bgroup *gr = &s->groups[g];
        if (nd_uf_find(s->vuf, gr->anchor) != rx) continue;
        if (gr->n < GROUP_TRIES) s->samples[gr->first + gr->n++] = x;
        return ND_OK;
    }
    if (*ng == s->cap) {
        size_t cap = s->cap;
        bgroup *v = nd_grow_array(s->groups, &cap, *ng + 1, sizeof *v, 64);
        if (!v) return ND_ENOMEM;
        s->groups = v;
        uint32_t *w = nd_reallocarray(s->samples, cap, GROUP_TRIES * sizeof *w);
        if (!w) return ND_ENOMEM;
        s->samples = w;
        s->cap = cap;
    }
    bgroup *gr = &s->groups[(*ng)++];
    gr->anchor = x;
    gr->first = (uint32_t)((*ng - 1) * GROUP_TRIES);
    gr->n = 1;
    s->samples[gr->first] = x;
    return ND_OK;
}

/* Walks one bucket (documents in input order). */
static nd_status walk_bucket(stage *s, const uint32_t *rec, size_t m)
{
    size_t ng = 0;
    nd_status st = ND_OK;
    for (size_t j = 0; j < m && st == ND_OK; j++) {
        uint32_t x = rec[j];
        unsigned budget = RUN_BUDGET;
        size_t g0 = ng > RUN_GROUPS ? ng - RUN_GROUPS : 0;
        for (size_t g = g0; g < ng && budget && st == ND_OK; g++)
            if (nd_uf_find(s->vuf, s->groups[g].anchor) != nd_uf_find(s->vuf, x))
                st = try_group(s, x, &s->groups[g], &budget);
        if (st == ND_OK) st = place(s, x, &ng);
    }
    return st;
}

/* Every bucket of every band, in order. */
static nd_status walk_buckets(stage *s, const nd_lsh_bands *bands)
{
    nd_status st = ND_OK;
    for (unsigned b = 0; b < bands->nbands && st == ND_OK; b++) {
        const uint32_t *rec = bands->rec[b], *start = bands->start[b];
        for (size_t i = 0; i < bands->nbuckets[b] && st == ND_OK; i++)
            st = walk_bucket(s, rec + start[i], start[i + 1] - start[i]);
    }
    return st;
}

/* The extension's verified pairs with archived documents, after the buckets. */
static nd_status walk_outside(stage *s)
{
    const nd_scan_ext *x = s->c->ext;
    for (size_t i = 0; x && i < x->nedges; i++) {
        const nd_pair_sim *e = &x->edges[i];
        if (!nd_uf_union(s->vuf, e->a, e->b)) continue;
        ND_GROW(s->nedges, s->capedges, 256, s->edges);
        s->edges[s->nedges++] = *e;
    }
    return ND_OK;
}

/* The exact sets of group members the stage did not read (archived ones, and batch
 * documents near-duplicates of archived ones only), from the extension. */
static nd_status outside_sets(stage *s, const nd_groups *g)
{
    const nd_scan_ext *x = s->c->ext;
    nd_status st = ND_OK;
    size_t total = g->n ? g->start[g->n] : 0;
    for (size_t i = 0; x && i < total && st == ND_OK; i++) {
        uint32_t d = g->members[i];
        if (!s->sets[d].v) st = x->load_set(x->ud, d, &s->sets[d]);
    }
    return st;
}

static int sim_cmp(const void *x, const void *y)
{
    const nd_pair_sim *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

/* With all_pairs: every pair of each group of g that verifies, appended to *v (*n of
 * them, room for *cap). */
static nd_status pairs_of(stage *s, const nd_groups *g, nd_pair_sim **v, size_t *n, size_t *cap)
{
    for (size_t k = 0; k < g->n; k++)
        for (size_t i = g->start[k]; i < g->start[k + 1]; i++)
            for (size_t j = i + 1; j < g->start[k + 1]; j++) {
                uint32_t a = g->members[i], b = g->members[j];
                nd_pair_sim ps;
                if (!verify(s, a < b ? a : b, a < b ? b : a, &ps)) continue;
                ND_GROW(*n, *cap, 256, *v);
                (*v)[(*n)++] = ps;
            }
    return ND_OK;
}

/* With all_pairs: every pair of each group that verifies, instead of the edges. */
static nd_status all_pairs(stage *s, const nd_groups *g)
{
    s->nedges = 0;
    return pairs_of(s, g, &s->edges, &s->nedges, &s->capedges);
}

/* ---- groups ---------------------------------------------------------------------------- */

/*
 * The keep rule (options.h, nd_member in result.h). The members are ordered by the rule;
 * walking them in that order with the list K of kept members, a member is removed as a
 * duplicate of the first k in K whose exact Jaccard with it reaches the threshold (decided
 * in integers, as verification does), else it joins K. Nothing is inferred through a
 * chain, so a removed member is always within the threshold of the member it names. A
 * member is tested against at most KEEP_TRIES kept ones: one that matches none of them is
 * kept, which can only keep too much (a group of more than KEEP_TRIES members that are
 * all far apart, joined by chains, costs KEEP_TRIES tests per member instead of a number
 * quadratic in the group's size).
 */
#define KEEP_TRIES 1000u

/* A member and its sort keys for the keep rule. */
typedef struct keep_ord {
    uint32_t j;             /* index in the group's members */
    uint32_t doc;           /* input order */
    uint32_t ntok;          /* words */
    unsigned char archived; /* a check's archived document: kept before any of the batch */
    nd_field_kind kind;
    double num;
    const char *str;
    size_t len;
} keep_ord;

static int by_doc(const keep_ord *a, const keep_ord *b)
{
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* A check (index.h): the archive's documents are kept first, in its order, whatever the
 * rule; the rule orders the batch's documents after them. */
#define ARCHIVED_FIRST(a, b)                                                                       \
    do {                                                                                           \
        if ((a)->archived != (b)->archived) return (a)->archived ? -1 : 1;                         \
        if ((a)->archived) return by_doc(a, b);                                                    \
    } while (0)

static int keep_longest(const void *x, const void *y)
{
    const keep_ord *a = x, *b = y;
    ARCHIVED_FIRST(a, b);
    if (a->ntok != b->ntok) return a->ntok > b->ntok ? -1 : 1;
    return by_doc(a, b);
}

static int keep_first(const void *x, const void *y)
{
    const keep_ord *a = x, *b = y;
    ARCHIVED_FIRST(a, b);
    return by_doc(a, b);
}

static int keep_last(const void *x, const void *y)
{
    const keep_ord *a = x, *b = y;
    ARCHIVED_FIRST(a, b);
    return by_doc(b, a);
}

/* Field values: documents without one last, then a number before a string, numbers by
 * value, strings byte-wise (a prefix first); sign -1 reverses the values' order (max). */
static int by_field(const keep_ord *a, const keep_ord *b, int sign)
{
    ARCHIVED_FIRST(a, b);
    if ((a->kind == ND_FIELD_NONE) != (b->kind == ND_FIELD_NONE))
        return a->kind == ND_FIELD_NONE ? 1 : -1;
    int c = 0;
    if (a->kind != b->kind) {
        c = a->kind == ND_FIELD_NUMBER ? -1 : 1;
    } else if (a->kind == ND_FIELD_NUMBER) {
        c = (a->num > b->num) - (a->num < b->num);
    } else if (a->kind == ND_FIELD_STRING) {
        int k = memcmp(a->str, b->str, a->len < b->len ? a->len : b->len);
        c = k ? (k > 0 ? 1 : -1) : (a->len > b->len) - (a->len < b->len);
    }
    return c ? sign * c : by_doc(a, b);
}

static int keep_min(const void *x, const void *y)
{
    return by_field(x, y, 1);
}

static int keep_max(const void *x, const void *y)
{
    return by_field(x, y, -1);
}

/* Applies the keep rule to group gr, whose members' similarities to the representative
 * (members[0]) are in rep_sim; ord has room for its members. */
static void keep_rule(stage *s, nd_group *gr, const nd_sim *rep_sim, keep_ord *ord)
{
    const nd_scan_opts *o = &s->c->opts;
    const struct nd_result_mem *m = s->c->res->mem;
    for (size_t j = 0; j < gr->nmembers; j++) {
        uint32_t d = gr->members[j].doc;
        keep_ord *k = &ord[j];
        memset(k, 0, sizeof *k);
        k->j = (uint32_t)j;
        k->doc = d;
        k->ntok = m->docs[d].ntokens;
        k->archived = d >= m->ndocs - m->narch;
        if (m->keys && d < m->capkeys) {
            const nd_keep_key *key = &m->keys[d];
            k->kind = key->kind;
            k->num = key->num;
            k->str = m->keystrs.p ? m->keystrs.p + key->str_off : NULL;
            k->len = key->str_len;
        }
    }
    static int (*const cmp[])(const void *, const void *) = {keep_longest, keep_first, keep_last,
                                                             keep_min, keep_max};
    assert((unsigned)o->keep < sizeof cmp / sizeof *cmp);
    qsort(ord, gr->nmembers, sizeof *ord, cmp[o->keep]);
    /* ord[0 .. nk) are the kept members, in order. */
    size_t nk = 0;
    for (size_t r = 0; r < gr->nmembers; r++) {
        nd_member *mb = &gr->members[ord[r].j];
        const nd_set *x = &s->sets[mb->doc];
        mb->keep_rank = (uint32_t)r;
        mb->kept = 1;
        mb->dup_of = mb->doc;
        mb->dup_jaccard = mb->dup_containment = 1.0;
        for (size_t q = 0; q < nk && q < KEEP_TRIES; q++) {
            const nd_member *k = &gr->members[ord[q].j];
            const nd_set *y = &s->sets[k->doc];
            nd_sim sim;
            if (ord[q].j == 0) /* the representative: already compared */
                sim = rep_sim[ord[r].j];
            else if (ord[r].j == 0) /* the other way round */
                sim = (nd_sim){.jaccard = rep_sim[ord[q].j].jaccard,
                               .contain_a = rep_sim[ord[q].j].contain_b,
                               .contain_b = rep_sim[ord[q].j].contain_a,
                               .inter = rep_sim[ord[q].j].inter};
            else
                sim = nd_verify_exact(x->v, x->n, y->v, y->n);
            /* A near-duplicate of k, or (containment) contained in k: never removed for
             * containing a kept member, so the longer copy always stays. */
            if (!nd_verify_passes(sim.inter, x->n, y->n, o->threshold) &&
                !(o->containment > 0.0 && x->n > 0 &&
                  (double)sim.inter >=
                      o->containment * (double)x->n * (1.0 - 1.0 / 1099511627776.0)))
                continue;
            mb->kept = 0;
            mb->dup_of = k->doc;
            mb->dup_jaccard = sim.jaccard;
            mb->dup_containment = sim.contain_a;
            break;
        }
        if (mb->kept) ord[nk++] = ord[r]; /* (nk <= r: ord[r] is read no more) */
    }
    gr->nkept = nk;
}

/* Fills group gr (its members and nmembers set) from its documents docs[0..nmembers)
 * (representative first), whose exact sets are loaded: each member's similarity to the
 * representative and what the keep rule makes of it. rep_sim and ord have room for its
 * members. */
static void build_group(stage *s, const uint32_t *docs, nd_group *gr, nd_sim *rep_sim,
                        keep_ord *ord)
{
    const nd_set *rep = &s->sets[docs[0]];
    for (size_t j = 0; j < gr->nmembers; j++) {
        uint32_t d = docs[j];
        nd_member *mb = &gr->members[j];
        assert(s->sets[d].v != NULL); /* every member's exact set is loaded */
        mb->doc = d;
        nd_sim sim = nd_verify_exact(s->sets[d].v, s->sets[d].n, rep->v, rep->n);
        rep_sim[j] = sim;
        mb->jaccard = sim.jaccard;
        mb->containment = sim.contain_a;
        mb->snippet = NULL; /* set by nd_result_finish */
    }
    keep_rule(s, gr, rep_sim, ord);
}

/* The result's groups, with each member's similarity to the representative and what the
 * keep rule makes of it. */
static nd_status build_groups(stage *s, const nd_groups *g)
{
    nd_scan_result *res = s->c->res;
    struct nd_result_mem *m = res->mem;
    size_t total = g->n ? g->start[g->n] : 0, most = 0;
    for (size_t k = 0; k < g->n; k++)
        if (g->start[k + 1] - g->start[k] > most) most = g->start[k + 1] - g->start[k];
    m->groups = nd_calloc(g->n ? g->n : 1, sizeof *m->groups);
    m->members = nd_calloc(total ? total : 1, sizeof *m->members);
    nd_sim *rep_sim = nd_calloc(most ? most : 1, sizeof *rep_sim);
    keep_ord *ord = nd_calloc(most ? most : 1, sizeof *ord);
    if (!m->groups || !m->members || !rep_sim || !ord) {
        nd_free(rep_sim);
        nd_free(ord);
        return ND_ENOMEM;
    }
    for (size_t k = 0; k < g->n; k++) {
        nd_group *gr = &m->groups[k];
        gr->members = m->members + g->start[k];
        gr->nmembers = g->start[k + 1] - g->start[k];
        build_group(s, g->members + g->start[k], gr, rep_sim, ord);
    }
    nd_free(rep_sim);
    nd_free(ord);
    res->groups = m->groups;
    res->ngroups = g->n;
    return ND_OK;
}

/* Groups from the verified edges, their pairs (sorted by (a, b)), and in estimate mode the
 * members' sets, read only now. */
static nd_status make_groups(stage *s, unsigned char *need, nd_groups *groups)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    size_t n = m->ndocs;
    nd_pair *pairs = nd_malloc((s->nedges ? s->nedges : 1) * sizeof *pairs);
    uint32_t *len = nd_malloc((n ? n : 1) * sizeof *len);
    nd_status st = ND_ENOMEM;
    if (!pairs || !len) goto out;
    for (size_t i = 0; i < s->nedges; i++)
        pairs[i] = (nd_pair){s->edges[i].a, s->edges[i].b};
    for (size_t i = 0; i < n; i++)
        len[i] = m->docs[i].ntokens;
    if ((st = nd_cluster(n, pairs, s->nedges, len, groups)) != ND_OK) goto out;
    if (c->opts.verify_estimate) {
        double t0 = nd_now();
        memset(need, 0, n ? n : 1);
        for (size_t i = 0; i < groups->n; i++)
            for (size_t j = groups->start[i]; j < groups->start[i + 1]; j++)
                need[groups->members[j]] = 1;
        if ((st = pass2(s, need)) != ND_OK) goto out;
        res->stats.t_pass2 = nd_now() - t0;
    }
    if ((st = outside_sets(s, groups)) != ND_OK) goto out;
    if (c->opts.all_pairs && (st = all_pairs(s, groups)) != ND_OK) goto out;
    if (s->nedges) qsort(s->edges, s->nedges, sizeof *s->edges, sim_cmp);
    m->pairs = s->edges;
    res->pairs = s->edges;
    res->npairs = s->nedges;
    s->edges = NULL;
    st = build_groups(s, groups);
out:
    nd_free(pairs);
    nd_free(len);
    return st;
}

/* Containment: candidates from shared fingerprints between the walk's components, their
 * sets read, each verified exactly unless its documents are joined already. */
static nd_status containment(stage *s, unsigned char *need)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    double t0 = nd_now(), tp2 = 0.0;
    nd_pair *cand = NULL;
    size_t nc = 0;
    nd_status st = nd_contain_candidates(m->cfps, m->ncfps, m->ndocs, s->vuf,
                                         CONTAIN_FP_SHARE * c->opts.containment, &cand, &nc);
    nd_free(m->cfps); /* used up (the sort took it for scratch) */
    m->cfps = NULL;
    m->ncfps = m->capcfps = 0;
    if (st != ND_OK) goto out;
    res->stats.contain_candidates = nc;
    memset(need, 0, m->ndocs ? m->ndocs : 1);
    for (size_t i = 0; i < nc; i++)
        need[cand[i].a] = need[cand[i].b] = 1;
    double t1 = nd_now();
    st = pass2(s, need);
    tp2 = nd_now() - t1;
    res->stats.t_pass2 += tp2;
    for (size_t i = 0; i < nc && st == ND_OK; i++) {
        uint32_t a = cand[i].a, b = cand[i].b;
        if (nd_uf_find(s->vuf, a) == nd_uf_find(s->vuf, b)) continue;
        const nd_set *x = &s->sets[a], *y = &s->sets[b];
        nd_sim sim = nd_verify_exact(x->v, x->n, y->v, y->n);
        s->tests++;
        if (!exact_passes(&c->opts, sim.inter, x->n, y->n)) continue;
        nd_uf_union(s->vuf, a, b);
        ND_GROW(s->nedges, s->capedges, 256, s->edges);
        s->edges[s->nedges++] = (nd_pair_sim){a, b, sim.jaccard, sim.contain_a, sim.contain_b};
    }
out:
    nd_free(cand);
    res->stats.t_contain = nd_now() - t0 - tp2; /* pass 2's share is in t_pass2 */
    return st;
}

/* Candidate components, and pass 2 for their members (exact mode) unless *cufp is asked
 * for: then it receives the union-find of the candidate components instead (the caller
 * frees it), and pass 2 is left to the caller. */
static nd_status candidates(stage *s, nd_lsh_bands *bands, unsigned char *need, nd_uf **cufp)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    size_t n = c->ext ? c->ext->nbatch : res->mem->ndocs; /* LSH: the batch only */
    nd_uf *cuf = NULL;
    nd_scan_progress(c, ND_PHASE_CANDIDATES, 0, 0, 0);
    double t0 = nd_now();
    nd_status st = nd_uf_create(n, &cuf);
    int ranks = c->opts.dist && c->opts.dist->nranks > 1;
    if (st == ND_OK && c->dkeys && ranks) { /* across the ranks, which keep the band keys */
        st = nd_dlsh_bands(c->opts.dist, c->dkeys, &res->lsh, n, cuf, bands);
        nd_dkeys_clear(c->dkeys);
    } else if (st == ND_OK && c->dkeys) { /* band keys kept by pass 1, not signatures */
        assert(c->dkeys->n == n);
        st = nd_lsh_bucket_keys(c->dkeys->v, n, &res->lsh, c->opts.threads, cuf, bands);
        nd_dkeys_clear(c->dkeys);
    } else if (st == ND_OK) {
        st = nd_lsh_bucket_all(res->mem->sigs, n, c->k, &res->lsh, c->opts.threads, cuf, bands);
    }
    if (st == ND_OK) {
        for (size_t i = 0; i < n; i++)
            need[i] = nd_uf_size(cuf, nd_uf_find(cuf, (uint32_t)i)) > 1;
        for (unsigned b = 0; b < bands->nbands; b++)
            for (size_t i = 0; i < bands->nbuckets[b]; i++)
                res->stats.capped_buckets += bands->start[b][i + 1] - bands->start[b][i] > 128;
    }
    if (cufp && st == ND_OK) {
        *cufp = cuf;
        cuf = NULL;
    }
    nd_uf_free(cuf);
    res->stats.t_lsh = nd_now() - t0;
    if (st != ND_OK || c->opts.verify_estimate || cufp) return st;
    t0 = nd_now();
    st = pass2(s, need);
    res->stats.t_pass2 = nd_now() - t0;
    return st;
}

/* ---- one batch of candidate components at a time ---------------------------------------- */

/*
 * Exact mode without containment or an archive: the exact sets are read, verified and
 * grouped a batch of candidate components at a time, and freed, so pass 2 holds about
 * opts.set_memory bytes of sets instead of those of every candidate.
 *
 * This gives the same result as one pass 2 and one walk of every bucket. Every bucket's
 * members share a bucket, so they lie in one candidate component, and so does everything
 * the walk of that bucket tests and joins. The verification union-find of one component
 * is thus changed by its own buckets only, and walking a component's buckets in the global
 * order (band, bucket, documents in input order) makes the same tests and the same edges as
 * the global walk; components of other batches are neither read nor changed. A group is a
 * set of documents joined by edges, so it lies within one component too: it is built (its
 * similarities and keep rule, which read sets) while its batch is loaded, by nd_cluster on
 * the batch's edges, which orders its members as nd_cluster on all edges does (input order,
 * the longest first) since the batch's documents are numbered in input order. The groups
 * are then placed in the order of their first member, which is nd_cluster's order; edges
 * are sorted at the end as always. Each candidate is read exactly once, so the statistics
 * (tests, documents read again) do not change either.
 */

/* A group built while its batch was loaded: its members are pre[off .. off + n). */
typedef struct pregroup {
    uint32_t first; /* its earliest member: the groups' order */
    size_t off, n, nkept;
} pregroup;

typedef struct batches {
    uint32_t *dstart; /* batch t's documents are docs[dstart[t] .. dstart[t + 1]) */
    uint32_t *docs;
    size_t *bstart; /* its buckets (band base + index, ascending) buckets[bstart[t] ..) */
    size_t *buckets;
    size_t *base; /* band b's buckets are numbered from base[b] */
    size_t n;
} batches;

static void batches_clear(batches *b)
{
    nd_free(b->dstart);
    nd_free(b->docs);
    nd_free(b->bstart);
    nd_free(b->buckets);
    nd_free(b->base);
    memset(b, 0, sizeof *b);
}

/* About the memory a document's exact set takes: one value per shingle (at most one per
 * word), plus the allocation's overhead. */
static uint64_t set_bytes(const nd_doc_rec *d)
{
    return 8u * (uint64_t)(d->ntokens ? d->ntokens : 1) + 32u;
}

/* Cuts the candidate components (cuf; need[i]: document i is in one of two or more) into
 * batches in order of their first document, each of about `budget` bytes of sets (one
 * component more when it alone exceeds it), and lists each batch's documents and buckets,
 * in order. */
static nd_status make_batches(stage *s, const nd_lsh_bands *bands, nd_uf *cuf,
                              const unsigned char *need, size_t budget, batches *out)
{
    const struct nd_result_mem *m = s->c->res->mem;
    size_t n = m->ndocs, nbands = bands->nbands;
    batches b = {0};
    uint64_t *w = nd_calloc(n ? n : 1, sizeof *w);        /* per root: its component's set bytes */
    uint32_t *bat = nd_malloc((n ? n : 1) * sizeof *bat); /* per root, then per document */
    nd_status st = ND_ENOMEM;
    if (!w || !bat) goto out;
    size_t ncand = 0;
    for (size_t i = 0; i < n; i++)
        if (need[i]) {
            w[nd_uf_find(cuf, (uint32_t)i)] += set_bytes(&m->docs[i]);
            ncand++;
        }
    uint64_t cur = 0;
    size_t nb = 0;
    for (size_t i = 0; i < n; i++)
        bat[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!need[i]) continue;
        uint32_t r = nd_uf_find(cuf, (uint32_t)i);
        if (bat[r] != UINT32_MAX) continue; /* its component has its batch */
        if (nb == 0 || (cur > 0 && cur + w[r] > budget)) {
            nb++;
            cur = 0;
        }
        bat[r] = (uint32_t)(nb - 1);
        cur += w[r];
    }
    /* bat per document (through w, whose sums are used up) */
    for (size_t i = 0; i < n; i++)
        if (need[i]) w[i] = bat[nd_uf_find(cuf, (uint32_t)i)];
    for (size_t i = 0; i < n; i++)
        bat[i] = need[i] ? (uint32_t)w[i] : UINT32_MAX;
    nd_free(w);
    w = NULL;
    size_t nbuckets = 0;
    for (size_t k = 0; k < nbands; k++)
        nbuckets += bands->nbuckets[k];
    b.n = nb;
    b.dstart = nd_calloc(nb + 1, sizeof *b.dstart);
    b.docs = nd_malloc((ncand ? ncand : 1) * sizeof *b.docs);
    b.bstart = nd_calloc(nb + 1, sizeof *b.bstart);
    b.buckets = nd_malloc((nbuckets ? nbuckets : 1) * sizeof *b.buckets);
    b.base = nd_malloc((nbands + 1) * sizeof *b.base);
    if (!b.dstart || !b.docs || !b.bstart || !b.buckets || !b.base) goto out;
    if (ncand >= UINT32_MAX) {
        st = ND_EINVAL;
        goto out;
    }
    /* Counting sorts by batch, stable: documents and buckets stay in order in a batch. */
    for (size_t i = 0; i < n; i++)
        if (bat[i] != UINT32_MAX) b.dstart[bat[i] + 1]++;
    for (size_t t = 0; t < nb; t++)
        b.dstart[t + 1] += b.dstart[t];
    for (size_t i = 0; i < n; i++)
        if (bat[i] != UINT32_MAX) b.docs[b.dstart[bat[i]]++] = (uint32_t)i;
    for (size_t t = nb; t > 0; t--) /* back from ends to starts */
        b.dstart[t] = b.dstart[t - 1];
    b.dstart[0] = 0;
    b.base[0] = 0;
    for (size_t k = 0; k < nbands; k++) {
        b.base[k + 1] = b.base[k] + bands->nbuckets[k];
        for (size_t i = 0; i < bands->nbuckets[k]; i++) {
            uint32_t t = bat[bands->rec[k][bands->start[k][i]]];
            assert(t != UINT32_MAX); /* a bucket's members are candidates */
            b.bstart[t + 1]++;
        }
    }
    for (size_t t = 0; t < nb; t++)
        b.bstart[t + 1] += b.bstart[t];
    for (size_t k = 0; k < nbands; k++)
        for (size_t i = 0; i < bands->nbuckets[k]; i++)
            b.buckets[b.bstart[bat[bands->rec[k][bands->start[k][i]]]]++] = b.base[k] + i;
    for (size_t t = nb; t > 0; t--)
        b.bstart[t] = b.bstart[t - 1];
    b.bstart[0] = 0;
    *out = b;
    memset(&b, 0, sizeof b);
    st = ND_OK;
out:
    nd_free(w);
    nd_free(bat);
    batches_clear(&b);
    return st;
}

/* Index of doc in the ascending docs[0..n) (it is there). */
static uint32_t local_index(const uint32_t *docs, size_t n, uint32_t doc)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (docs[mid] <= doc)
            lo = mid;
        else
            hi = mid;
    }
    assert(docs[lo] == doc);
    return (uint32_t)lo;
}

/* The groups built so far, and with all_pairs their pairs. */
typedef struct built {
    nd_member *pre;
    size_t npre, cappre;
    pregroup *pg;
    size_t npg, cappg;
    nd_pair_sim *ap;
    size_t nap, capap;
} built;

static nd_status reserve_built(built *bt, size_t nmembers, size_t ngroups)
{
    ND_RESERVE(bt->pre, bt->cappre, bt->npre + nmembers, 256);
    ND_RESERVE(bt->pg, bt->cappg, bt->npg + ngroups, 64);
    return ND_OK;
}

/* The groups of the batch docs[0..nd) (ascending, sets loaded) from the edges the batch
 * added (s->edges[e0 ..]), built into bt; with all_pairs, their pairs too. */
static nd_status group_batch(stage *s, const uint32_t *docs, size_t nd, size_t e0, built *bt)
{
    const struct nd_result_mem *m = s->c->res->mem;
    size_t ne = s->nedges - e0;
    nd_groups g = {0};
    nd_sim *rep_sim = NULL;
    keep_ord *ord = NULL;
    nd_pair *pairs = nd_malloc((ne ? ne : 1) * sizeof *pairs);
    uint32_t *len = nd_malloc((nd ? nd : 1) * sizeof *len);
    nd_status st = ND_ENOMEM;
    if (!pairs || !len) goto out;
    for (size_t i = 0; i < ne; i++) {
        const nd_pair_sim *e = &s->edges[e0 + i];
        pairs[i] = (nd_pair){local_index(docs, nd, e->a), local_index(docs, nd, e->b)};
    }
    for (size_t i = 0; i < nd; i++)
        len[i] = m->docs[docs[i]].ntokens;
    if ((st = nd_cluster(nd, pairs, ne, len, &g)) != ND_OK) goto out;
    size_t total = g.n ? g.start[g.n] : 0, most = 0;
    for (size_t i = 0; i < total; i++)
        g.members[i] = docs[g.members[i]]; /* back to document numbers */
    for (size_t k = 0; k < g.n; k++)
        if (g.start[k + 1] - g.start[k] > most) most = g.start[k + 1] - g.start[k];
    st = ND_ENOMEM;
    rep_sim = nd_malloc((most ? most : 1) * sizeof *rep_sim);
    ord = nd_malloc((most ? most : 1) * sizeof *ord);
    if (!rep_sim || !ord) goto out;
    if ((st = reserve_built(bt, total, g.n)) != ND_OK) goto out;
    for (size_t k = 0; k < g.n; k++) {
        pregroup *p = &bt->pg[bt->npg++];
        p->off = bt->npre;
        p->n = g.start[k + 1] - g.start[k];
        p->first = UINT32_MAX;
        for (size_t j = g.start[k]; j < g.start[k + 1]; j++)
            if (g.members[j] < p->first) p->first = g.members[j];
        nd_group gr = {p->n, bt->pre + p->off, 0};
        build_group(s, g.members + g.start[k], &gr, rep_sim, ord);
        p->nkept = gr.nkept;
        bt->npre += p->n;
    }
    if (s->c->opts.all_pairs) st = pairs_of(s, &g, &bt->ap, &bt->nap, &bt->capap);
out:
    nd_groups_clear(&g);
    nd_free(rep_sim);
    nd_free(ord);
    nd_free(pairs);
    nd_free(len);
    return st;
}

static int pg_cmp(const void *x, const void *y)
{
    const pregroup *p = x, *q = y;
    return (p->first > q->first) - (p->first < q->first);
}

/* Walks batch t's buckets, in order. */
static nd_status walk_batch(stage *s, const nd_lsh_bands *bands, const batches *b, size_t t)
{
    nd_status st = ND_OK;
    unsigned k = 0;
    for (size_t j = b->bstart[t]; j < b->bstart[t + 1] && st == ND_OK; j++) {
        size_t g = b->buckets[j];
        while (g >= b->base[k + 1])
            k++;
        const uint32_t *start = bands->start[k] + (g - b->base[k]);
        st = walk_bucket(s, bands->rec[k] + start[0], start[1] - start[0]);
    }
    return st;
}

/* The stage after LSH, a batch of candidate components at a time (see above): the result's
 * groups and pairs, and *groups. */
static nd_status by_batch(stage *s, nd_lsh_bands *bands, nd_uf **cuf, const unsigned char *need,
                          nd_groups *groups)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    size_t budget = c->opts.set_memory ? c->opts.set_memory : ND_SET_MEMORY;
    batches b = {0};
    built bt = {0};
    nd_status st = make_batches(s, bands, *cuf, need, budget, &b);
    nd_uf_free(*cuf);
    *cuf = NULL;
    if (st != ND_OK) goto out;
    s->done = 0;
    s->todo = b.n ? b.dstart[b.n] : 0;
    nd_scan_progress(c, ND_PHASE_VERIFY, 0, s->todo, 0);
    for (size_t t = 0; t < b.n && st == ND_OK; t++) {
        const uint32_t *docs = b.docs + b.dstart[t];
        size_t nd = b.dstart[t + 1] - b.dstart[t], e0 = s->nedges;
        double t0 = nd_now();
        st = pass2_list(s, docs, nd);
        double t1 = nd_now();
        res->stats.t_pass2 += t1 - t0;
        if (st == ND_OK) st = walk_batch(s, bands, &b, t);
        double t2 = nd_now();
        res->stats.t_verify += t2 - t1;
        if (st == ND_OK) st = group_batch(s, docs, nd, e0, &bt);
        for (size_t i = 0; i < nd; i++) {
            nd_free(s->sets[docs[i]].v);
            s->sets[docs[i]].v = NULL;
        }
        res->stats.t_cluster += nd_now() - t2;
    }
    res->stats.candidates = s->tests;
    nd_lsh_bands_clear(bands);
    batches_clear(&b);
    if (st != ND_OK) goto out;
    /* The groups of all edges, as nd_cluster orders them: by their first member. */
    double t0 = nd_now();
    nd_pair *pairs = nd_malloc((s->nedges ? s->nedges : 1) * sizeof *pairs);
    uint32_t *len = nd_malloc((m->ndocs ? m->ndocs : 1) * sizeof *len);
    st = ND_ENOMEM;
    if (pairs && len) {
        for (size_t i = 0; i < s->nedges; i++)
            pairs[i] = (nd_pair){s->edges[i].a, s->edges[i].b};
        for (size_t i = 0; i < m->ndocs; i++)
            len[i] = m->docs[i].ntokens;
        st = nd_cluster(m->ndocs, pairs, s->nedges, len, groups);
    }
    nd_free(pairs);
    nd_free(len);
    if (st != ND_OK) goto out;
    if (bt.npg) qsort(bt.pg, bt.npg, sizeof *bt.pg, pg_cmp);
    assert(bt.npg == groups->n);
    size_t total = groups->n ? groups->start[groups->n] : 0;
    assert(bt.npre == total);
    m->groups = nd_calloc(groups->n ? groups->n : 1, sizeof *m->groups);
    m->members = nd_calloc(total ? total : 1, sizeof *m->members);
    st = ND_ENOMEM;
    if (!m->groups || !m->members) goto out;
    for (size_t k = 0; k < groups->n; k++) {
        const pregroup *p = &bt.pg[k];
        nd_group *gr = &m->groups[k];
        assert(p->n == groups->start[k + 1] - groups->start[k]);
        gr->members = m->members + groups->start[k];
        gr->nmembers = p->n;
        gr->nkept = p->nkept;
        memcpy(gr->members, bt.pre + p->off, p->n * sizeof *gr->members);
        for (size_t j = 0; j < p->n; j++)
            assert(gr->members[j].doc == groups->members[groups->start[k] + j]);
    }
    res->groups = m->groups;
    res->ngroups = groups->n;
    if (c->opts.all_pairs) { /* the groups' pairs instead of the edges */
        nd_free(s->edges);
        s->edges = bt.ap;
        s->nedges = bt.nap;
        s->capedges = bt.capap;
        bt.ap = NULL;
    }
    if (s->nedges) qsort(s->edges, s->nedges, sizeof *s->edges, sim_cmp);
    m->pairs = s->edges;
    res->pairs = s->edges;
    res->npairs = s->nedges;
    s->edges = NULL;
    res->stats.t_cluster += nd_now() - t0;
    st = ND_OK;
out:
    batches_clear(&b);
    nd_free(bt.pre);
    nd_free(bt.pg);
    nd_free(bt.ap);
    return st;
}

nd_status nd_articles_group(nd_scan_ctx *c, nd_groups *groups)
{
    nd_scan_result *res = c->res;
    size_t n = res->mem->ndocs;
    stage s;
    memset(&s, 0, sizeof s);
    s.c = c;
    /* Integer form of estimate >= t: equal positions >= t * k (with rounding slack). */
    s.need_eq = c->opts.threshold * (double)c->k * (1.0 - 1e-12);
    nd_lsh_bands bands = {0};
    unsigned char *need = nd_calloc(n ? n : 1, 1);
    s.sets = nd_calloc(n ? n : 1, sizeof *s.sets);
    nd_status st = ND_ENOMEM;
    if (!need || !s.sets || nd_uf_create(n, &s.vuf) != ND_OK) goto out;
    if (!c->opts.verify_estimate && c->opts.containment <= 0.0 && !c->ext) {
        nd_uf *cuf = NULL;
        if ((st = candidates(&s, &bands, need, &cuf)) == ND_OK && c->opts.drop_signatures) {
            nd_free(res->mem->sigs); /* verified exactly: LSH was their last use */
            res->mem->sigs = NULL;
        }
        if (st == ND_OK) st = by_batch(&s, &bands, &cuf, need, groups);
        nd_uf_free(cuf);
        goto out;
    }
    if ((st = candidates(&s, &bands, need, NULL)) != ND_OK) goto out;
    double t0 = nd_now();
    st = walk_buckets(&s, &bands);
    if (st == ND_OK) st = walk_outside(&s);
    nd_lsh_bands_clear(&bands);
    res->stats.candidates = s.tests;
    res->stats.t_verify = nd_now() - t0;
    if (st == ND_OK && c->opts.containment > 0.0) st = containment(&s, need);
    if (st != ND_OK) goto out;
    t0 = nd_now();
    st = make_groups(&s, need, groups);
    res->stats.t_cluster = nd_now() - t0;
out:
    nd_lsh_bands_clear(&bands);
    if (s.sets)
        for (size_t i = 0; i < n; i++)
            nd_free(s.sets[i].v);
    nd_free(s.sets);
    nd_uf_free(s.vuf);
    nd_free(s.edges);
    nd_free(s.groups);
    nd_free(s.samples);
    nd_free(need);
    return st;
}
