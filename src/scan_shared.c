/*
 * scan_shared.c - the cross-article stage of nd_scan(): paragraphs shared across articles.
 *
 * Owns nd_shared_pass(): from the long paragraphs pass 1 kept (priv->precs, their fingerprints
 * in priv->fps) and the near-duplicate article groups, it links similar sentences, groups
 * them, drops what one article group already explains, merges groups with the same places,
 * classifies them (identical, boilerplate) and reads each one's first text for the report.
 * It runs on the calling thread after the groups are built; it frees precs and fps.
 */
#include <stdlib.h>
#include <string.h>

#include "neardup/alloc.h"
#include "neardup/cluster.h"
#include "neardup/paragraphs.h"
#include "scan_priv.h"

static int u64_cmp(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return (*x > *y) - (*x < *y);
}

/* Paragraphs shared across articles, from the groups of shared sentences: a group's places
 * are the (article, paragraph line) pairs of its sentences. Groups that only one
 * near-duplicate article group shares are dropped (the article groups already say it), and
 * groups with the same places are merged (a paragraph shared whole is one entry, not one
 * per sentence). Then each is classified, and its first sentence read for the report. */
nd_status nd_shared_pass(scan *s, const nd_groups *ag)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    nd_para_groups pg = {0};
    uint32_t *agid = NULL;
    uint64_t *order = NULL, *sig = NULL;
    size_t *pstart = NULL;
    nd_uf *uf = NULL;
    nd_status st = nd_uf_create(pv->nprecs, &uf);
    if (st != ND_OK) return st;
    agid = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *agid);
    if (!agid) {
        st = ND_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < ag->n; k++)
        for (size_t m = ag->start[k]; m < ag->start[k + 1]; m++)
            agid[ag->members[m]] = (uint32_t)(k + 1);
    nd_para_input in = {.recs = pv->precs, .sk = pv->psk, .n = pv->nprecs, .fps = pv->fps};
    for (size_t b = 0; b < ND_PARA_BANDS; b++)
        in.band[b] = pv->pband[b];
    double t0 = nd_now();
    if ((st = nd_para_link(&in, s->opts.para.threshold, s->opts.threads, uf)) != ND_OK) goto out;
    res->stats.t_link = nd_now() - t0;
    nd_free(pv->psk_mem);
    pv->psk_mem = NULL;
    pv->psk = NULL;
    for (size_t b = 0; b < ND_PARA_BANDS; b++) {
        nd_free(pv->pband[b]);
        pv->pband[b] = NULL;
    }
    nd_free(pv->fps);
    pv->fps = NULL;
    if ((st = nd_para_group(pv->precs, pv->nprecs, uf, &pg)) != ND_OK) goto out;
    st = ND_ENOMEM;
    size_t total = pg.n ? pg.start[pg.n] : 0;
    pv->places = nd_malloc((total ? total : 1) * sizeof *pv->places);
    pstart = nd_malloc((pg.n + 1) * sizeof *pstart);
    sig = nd_malloc((pg.n ? pg.n : 1) * 2 * sizeof *sig);
    if (!pv->places || !pstart || !sig) goto out;
    /* Places of each group, without repeats (members are in (doc, line) order), and a
     * hash of the place list to find groups with the same places. */
    size_t np = 0, nkeep = 0;
    for (size_t g = 0; g < pg.n; g++) {
        pstart[g] = np;
        uint32_t a = agid[pv->precs[pg.member[pg.start[g]]].doc];
        int same = a != 0;
        uint64_t h = 0x9e3779b97f4a7c15u;
        for (size_t m = pg.start[g]; m < pg.start[g + 1]; m++) {
            const nd_para_rec *r = &pv->precs[pg.member[m]];
            same = same && agid[r->doc] == a;
            if (np > pstart[g] && pv->places[np - 1].doc == r->doc &&
                pv->places[np - 1].line == r->line)
                continue;
            pv->places[np].doc = r->doc;
            pv->places[np].line = r->line;
            np++;
            h = (h ^ (((uint64_t)r->doc << 32) | r->line)) * UINT64_C(0xff51afd7ed558ccd);
            h ^= h >> 29;
        }
        if (same) {
            np = pstart[g]; /* dropped */
            pg.ndocs[g] = 0;
            continue;
        }
        sig[2 * nkeep] = h;
        sig[2 * nkeep + 1] = g;
        nkeep++;
    }
    pstart[pg.n] = np;
    /* Merge groups with identical place lists: sort by hash, compare lists. */
    qsort(sig, nkeep, 2 * sizeof *sig, u64_cmp);
    for (size_t i = 0; i < nkeep;) {
        size_t j = i + 1;
        size_t gi = (size_t)sig[2 * i + 1];
        for (; j < nkeep && sig[2 * j] == sig[2 * i]; j++) {
            size_t gj = (size_t)sig[2 * j + 1];
            size_t li = pstart[gi + 1] - pstart[gi], lj = pstart[gj + 1] - pstart[gj];
            if (li == lj && memcmp(pv->places + pstart[gi], pv->places + pstart[gj],
                                   li * sizeof *pv->places) == 0) {
                /* Keep the earlier group (by first member); fold identical flags. */
                size_t keep = gi < gj ? gi : gj, drop = gi < gj ? gj : gi;
                pg.identical[keep] = pg.identical[keep] && pg.identical[drop];
                pg.ndocs[drop] = 0;
                gi = keep;
            }
        }
        i = j;
    }
    size_t kept = 0;
    for (size_t g = 0; g < pg.n; g++)
        kept += pg.ndocs[g] != 0;
    pv->shared = nd_calloc(kept ? kept : 1, sizeof *pv->shared);
    pv->shared_txt = nd_calloc(kept ? kept : 1, sizeof *pv->shared_txt);
    order = nd_malloc((kept ? kept : 1) * 2 * sizeof *order);
    if (!pv->shared || !pv->shared_txt || !order) goto out;
    size_t k = 0;
    double share_docs = s->opts.boilerplate_share * (double)pv->ndocs;
    for (size_t g = 0; g < pg.n; g++) {
        if (!pg.ndocs[g]) continue;
        nd_shared_para *sp = &pv->shared[k];
        sp->places = pv->places + pstart[g];
        sp->nplaces = pstart[g + 1] - pstart[g];
        sp->ndocs = pg.ndocs[g];
        sp->identical = pg.identical[g];
        sp->boilerplate = sp->ndocs >= s->opts.boilerplate_docs ||
                          (s->opts.boilerplate_share > 0 && (double)sp->ndocs >= share_docs);
        /* Read the first member's sentence later, in document order. */
        const nd_para_rec *r = &pv->precs[pg.member[pg.start[g]]];
        order[2 * k] = ((uint64_t)r->doc << 32) | k;
        order[2 * k + 1] = ((uint64_t)r->start << 32) | r->len;
        k++;
    }
    res->nshared = kept;
    nd_free(pv->precs);
    pv->precs = NULL;
    nd_free(pv->fps);
    pv->fps = NULL;
    /* Texts: one read of each document that holds a first occurrence, in input order. */
    double t1 = nd_now();
    qsort(order, kept, 2 * sizeof *order, u64_cmp);
    if ((st = nd_fetch_texts(s, order, kept)) != ND_OK) goto out;
    res->shared = pv->shared;
    res->stats.t_texts = nd_now() - t1;
    st = ND_OK;
out:
    nd_free(agid);
    nd_free(order);
    nd_free(sig);
    nd_free(pstart);
    nd_uf_free(uf);
    nd_para_groups_clear(&pg);
    return st;
}
