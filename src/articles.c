/*
 * articles.c - near-duplicate articles: candidates, exact sets, verification, groups (see
 * articles.h).
 *
 * Exact mode reads the candidates again (pass 2) and verifies every candidate pair on their
 * exact shingle sets; estimate mode verifies on the signatures and reads only the members
 * of verified pairs, for their similarities and snippets. Each document's set lives only
 * while the stage runs: 8 bytes per distinct shingle of a candidate.
 */
#include "articles.h"

#include <string.h>

#include "clock.h"
#include "lsh.h"
#include "verify.h"

typedef struct stage {
    nd_scan_ctx *c;
    nd_set *sets; /* per document; v NULL until read */
} stage;

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
    return ND_OK;
}

/* Reads again the documents whose need[] is set and builds their exact sets. */
static nd_status pass2(stage *s, const unsigned char *need)
{
    nd_scan_ctx *c = s->c;
    struct nd_result_mem *m = c->res->mem;
    nd_pass p;
    nd_pass_begin(&p, c->pl, ND_MODE_SET, commit_set, s);
    nd_status st = ND_OK;
    for (size_t i = 0; i < m->ndocs && st == ND_OK; i++) {
        if (!need[i] || s->sets[i].v) continue;
        const nd_doc_rec *d = &m->docs[i];
        nd_record rec;
        st = nd_reader_fetch(c->reader, d->source, d->offset, d->len, d->line, &rec);
        if (st == ND_OK) st = nd_pass_add(&p, &rec, (uint32_t)i, d->sum);
        c->res->stats.refetched++;
    }
    return nd_pass_end(&p, st);
}

/* The verified pairs among the candidates, into the result and `ok`: exact (sets loaded)
 * or estimated from the signatures. */
static nd_status verify_pairs(stage *s, const nd_pairs *cand, nd_pairs *ok)
{
    nd_scan_ctx *c = s->c;
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    size_t cap = 0;
    /* Integer form of estimate >= t: equal positions >= t * k (with rounding slack). */
    double need_eq = c->opts.threshold * (double)c->k * (1.0 - 1e-12);
    for (size_t i = 0; i < cand->n; i++) {
        uint32_t a = cand->v[i].a, b = cand->v[i].b;
        nd_pair_sim ps = {a, b, 0.0, -1.0, -1.0};
        if (c->opts.verify_estimate) {
            const uint32_t *sa = m->sigs + (size_t)a * c->k, *sb = m->sigs + (size_t)b * c->k;
            unsigned eq = 0;
            for (unsigned j = 0; j < c->k; j++)
                eq += sa[j] == sb[j];
            if ((double)eq < need_eq) continue;
            ps.jaccard = (double)eq / (double)c->k;
        } else {
            const nd_set *x = &s->sets[a], *y = &s->sets[b];
            nd_sim sim = nd_verify_exact(x->v, x->n, y->v, y->n);
            if (!nd_verify_passes(sim.inter, x->n, y->n, c->opts.threshold)) continue;
            ps.jaccard = sim.jaccard;
            ps.contain_a = sim.contain_a;
            ps.contain_b = sim.contain_b;
        }
        ND_GROW(res->npairs, cap, 256, m->pairs);
        m->pairs[res->npairs++] = ps;
        if (nd_pairs_push(ok, a, b) != ND_OK) return ND_ENOMEM;
    }
    res->pairs = m->pairs;
    return ND_OK;
}

/* The result's groups, with each member's similarity to the representative. */
static nd_status build_groups(stage *s, const nd_groups *g)
{
    nd_scan_result *res = s->c->res;
    struct nd_result_mem *m = res->mem;
    size_t total = g->n ? g->start[g->n] : 0;
    m->groups = nd_calloc(g->n ? g->n : 1, sizeof *m->groups);
    m->members = nd_calloc(total ? total : 1, sizeof *m->members);
    if (!m->groups || !m->members) return ND_ENOMEM;
    for (size_t k = 0; k < g->n; k++) {
        nd_group *gr = &m->groups[k];
        gr->members = m->members + g->start[k];
        gr->nmembers = g->start[k + 1] - g->start[k];
        const nd_set *rep = &s->sets[g->members[g->start[k]]];
        for (size_t j = 0; j < gr->nmembers; j++) {
            uint32_t d = g->members[g->start[k] + j];
            nd_member *mb = &gr->members[j];
            mb->doc = d;
            nd_sim sim = nd_verify_exact(s->sets[d].v, s->sets[d].n, rep->v, rep->n);
            mb->jaccard = sim.jaccard;
            mb->containment = sim.contain_a;
            mb->snippet = NULL; /* set by nd_result_finish */
        }
    }
    res->groups = m->groups;
    res->ngroups = g->n;
    return ND_OK;
}

/* Verification and pass 2 in the order the mode needs: exact mode reads the candidates
 * first; estimate mode verifies first and reads only the members of verified pairs. */
static nd_status verify_stage(stage *s, const nd_pairs *cand, unsigned char *need, nd_pairs *ok)
{
    nd_scan_stats *stats = &s->c->res->stats;
    nd_status st;
    double t0 = nd_now(), t1;
    if (!s->c->opts.verify_estimate) {
        for (size_t i = 0; i < cand->n; i++)
            need[cand->v[i].a] = need[cand->v[i].b] = 1;
        if ((st = pass2(s, need)) != ND_OK) return st;
        t1 = nd_now();
        st = verify_pairs(s, cand, ok);
        stats->t_pass2 = t1 - t0;
        stats->t_verify = nd_now() - t1;
        return st;
    }
    if ((st = verify_pairs(s, cand, ok)) != ND_OK) return st;
    t1 = nd_now();
    for (size_t i = 0; i < ok->n; i++)
        need[ok->v[i].a] = need[ok->v[i].b] = 1;
    st = pass2(s, need);
    stats->t_verify = t1 - t0;
    stats->t_pass2 = nd_now() - t1;
    return st;
}

nd_status nd_articles_group(nd_scan_ctx *c, nd_groups *groups)
{
    nd_scan_result *res = c->res;
    struct nd_result_mem *m = res->mem;
    size_t n = m->ndocs;
    stage s = {c, NULL};
    nd_pairs cand = {0}, ok = {0};
    unsigned char *need = NULL;
    uint32_t *len = NULL;
    double t0 = nd_now();
    nd_status st = nd_lsh_candidates(m->sigs, n, c->k, NULL, &res->lsh, 0, c->opts.threads, &cand,
                                     &res->stats.capped_buckets);
    if (st != ND_OK) goto out;
    res->stats.candidates = cand.n;
    res->stats.t_lsh = nd_now() - t0;
    st = ND_ENOMEM;
    s.sets = nd_calloc(n ? n : 1, sizeof *s.sets);
    need = nd_calloc(n ? n : 1, 1);
    if (!s.sets || !need) goto out;
    if ((st = verify_stage(&s, &cand, need, &ok)) != ND_OK) goto out;
    nd_pairs_clear(&cand);
    double t1 = nd_now();
    st = ND_ENOMEM;
    if (!(len = nd_malloc((n ? n : 1) * sizeof *len))) goto out;
    for (size_t i = 0; i < n; i++)
        len[i] = m->docs[i].ntokens;
    if ((st = nd_cluster(n, ok.v, ok.n, len, groups)) != ND_OK) goto out;
    st = build_groups(&s, groups);
    res->stats.t_cluster = nd_now() - t1;
out:
    if (s.sets)
        for (size_t i = 0; i < n; i++)
            nd_free(s.sets[i].v);
    nd_free(s.sets);
    nd_free(need);
    nd_free(len);
    nd_pairs_clear(&cand);
    nd_pairs_clear(&ok);
    return st;
}
