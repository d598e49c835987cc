/*
 * scan.c - the pipeline (see scan.h): its passes, in order, and the result.
 *
 * Owns nd_scan() and its steps: pass 1 (every record read, batched, signed), LSH, pass 2
 * (the candidates' exact sets), verification, union-find groups, then the cross-article
 * stage (scan_shared.c) and the result; committing finished batches strictly in submission
 * order, with the diagnostics and skips they carry; nd_scan_opts_init and
 * nd_scan_result_free. The batches, workers and pool are in scan_batch.c, the shared types
 * in scan_priv.h.
 *
 * Work moves in batches: the calling thread reads records (nd_reader) and copies them into
 * a batch of about BATCH_BYTES; worker threads decode, normalise, shingle and sign (pass 1)
 * or build exact shingle sets (pass 2) for a whole batch; the calling thread commits
 * finished batches strictly in submission order. So documents get their indices, and
 * diagnostics their order, from the input alone - never from thread timing - and the
 * output does not depend on the thread count. With one thread, batches are processed
 * inline, with no worker.
 *
 * Memory per document kept after pass 1: its signature (4 * perms bytes), a 48-byte record
 * (where it is, its length, a checksum of its bytes) and its id.
 */
#include "neardup/scan.h"

#include <assert.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "neardup/alloc.h"
#include "grow.h"
#include "neardup/cluster.h"
#include "neardup/minhash.h"
#include "neardup/paragraphs.h"
#include "neardup/verify.h"
#include "scan_priv.h"

/* ---- committing results ---------------------------------------------------------------------- */

static void emit_diag(scan *s, nd_diag_level level, nd_status code, const char *path, uint64_t line,
                      uint64_t offset, const char *message)
{
    if (!s->opts.on_diag) return;
    nd_diag d;
    d.code = code;
    d.level = level;
    d.path = path;
    d.line = line;
    d.offset = offset;
    d.message = message;
    s->opts.on_diag(&d, s->opts.userdata);
}

/* Keeps a copy of a skip (an error diagnostic) or, with `warn`, of a warning (a note that
 * skipped nothing) for the result. */
static nd_status add_skip(scan *s, int warn, const char *path, uint64_t line, nd_status code,
                          const char *msg)
{
    nd_scan_priv *pv = s->priv;
    skiprec **list = warn ? &pv->warns : &pv->skips;
    size_t *n = warn ? &pv->nwarns : &pv->nskips, *capp = warn ? &pv->capwarns : &pv->capskips;
    if (*n == *capp) {
        size_t cap = *capp ? *capp * 2 : 16;
        skiprec *v = nd_reallocarray(*list, cap, sizeof *v);
        if (!v) return ND_ENOMEM;
        *list = v;
        *capp = cap;
    }
    skiprec *r = &(*list)[*n];
    if (nd_arena_put(&pv->strs, path, strlen(path), &r->path_off) != ND_OK ||
        nd_arena_put(&pv->strs, msg, strlen(msg), &r->msg_off) != ND_OK)
        return ND_ENOMEM;
    r->line = line;
    r->code = code;
    (*n)++;
    return ND_OK;
}

/* Moves one document's paragraph findings from its batch into the scan. */
static nd_status commit_paragraphs(scan *s, batch *b, const item *it, uint32_t doc)
{
    nd_scan_priv *pv = s->priv;
    if (it->prec_n) {
        if (pv->capprecs - pv->nprecs < it->prec_n) {
            size_t cap = pv->capprecs ? pv->capprecs : 4096;
            while (cap - pv->nprecs < it->prec_n)
                cap *= 2;
            nd_para_rec *v = nd_reallocarray(pv->precs, cap, sizeof *v);
            if (!v) return ND_ENOMEM;
            pv->precs = v;
            for (size_t q = 0; q < ND_PARA_BANDS; q++) {
                uint32_t *bv = nd_reallocarray(pv->pband[q], cap, sizeof *bv);
                if (!bv) return ND_ENOMEM;
                pv->pband[q] = bv;
            }
            /* Sketches are read 32 bytes at a time: keep them in one cache line each. */
            if (cap > SIZE_MAX / sizeof *pv->psk) return ND_ENOMEM;
            void *mem = nd_realloc_align64(pv->psk_mem, pv->nprecs * sizeof *pv->psk,
                                           cap * sizeof *pv->psk);
            if (!mem) return ND_ENOMEM;
            pv->psk_mem = mem;
            pv->psk = nd_align64(mem);
            pv->capprecs = cap;
        }
        size_t nf = 0;
        for (size_t j = 0; j < it->prec_n; j++)
            nf += b->psent[it->prec_first + j].sk.fp_n;
        if (pv->capfps - pv->nfps < nf) {
            size_t c = pv->capfps ? pv->capfps : 65536;
            while (c - pv->nfps < nf)
                c *= 2;
            uint16_t *v = nd_reallocarray(pv->fps, c, sizeof *v);
            if (!v) return ND_ENOMEM;
            pv->fps = v;
            pv->capfps = c;
        }
        for (size_t j = 0; j < it->prec_n; j++) {
            const struct psent *bk = &b->psent[it->prec_first + j];
            nd_para_sketch *k = &pv->psk[pv->nprecs];
            nd_para_rec *r = &pv->precs[pv->nprecs];
            *r = b->precs[it->prec_first + j];
            r->doc = doc;
            for (size_t q = 0; q < ND_PARA_BANDS; q++)
                pv->pband[q][pv->nprecs] = bk->band[q];
            *k = bk->sk;
            k->doc = doc;
            memcpy(pv->fps + pv->nfps, b->fps + bk->sk.fp_off, k->fp_n * sizeof *pv->fps);
            k->fp_off = pv->nfps;
            pv->nfps += k->fp_n;
            pv->nprecs++;
        }
    }
    if (!it->blk_n && !it->sh_n) return ND_OK;
    ND_GROW(pv->nreps, pv->capreps, 64, pv->reps);
    nd_doc_repeats *r = &pv->reps[pv->nreps];
    memset(r, 0, sizeof *r);
    r->doc = doc;
    r->words = it->words;
    r->repeated_words = it->rwords;
    r->doubled =
        it->words > 0 && (double)it->rwords >= s->opts.para.doubled_share * (double)it->words;
    r->nblocks = it->blk_n;
    r->nshort = it->sh_n;
    for (size_t j = 0; j < it->blk_n; j++) {
        ND_GROW2(pv->nblocks, pv->capblocks, 64, pv->blocks, pv->block_txt);
        const char *t = b->strs.p + b->block_txt[it->blk_first + j] - 1;
        if (nd_arena_put(&pv->strs, t, strlen(t), &pv->block_txt[pv->nblocks]) != ND_OK)
            return ND_ENOMEM;
        pv->blocks[pv->nblocks++] = b->blocks[it->blk_first + j];
    }
    for (size_t j = 0; j < it->sh_n; j++) {
        ND_GROW2(pv->nshorts, pv->capshorts, 64, pv->shorts, pv->short_txt);
        const char *t = b->strs.p + b->short_txt[it->sh_first + j] - 1;
        if (nd_arena_put(&pv->strs, t, strlen(t), &pv->short_txt[pv->nshorts]) != ND_OK)
            return ND_ENOMEM;
        pv->shorts[pv->nshorts++] = b->shorts[it->sh_first + j];
    }
    pv->nreps++;
    return ND_OK;
}

static nd_status commit_sign(scan *s, batch *b)
{
    nd_scan_priv *pv = s->priv;
    if (b->fatal != ND_OK) return b->fatal;
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        const char *msg = it->msg ? b->strs.p + it->msg - 1 : "";
        if (it->path_str) it->path = b->strs.p + it->path_str - 1;
        if (it->kind == ND_REC_NOTE) {
            emit_diag(s, ND_DIAG_WARNING, it->status, it->path, it->diag_line, it->diag_offset,
                      msg);
            if (add_skip(s, 1, it->path, it->diag_line, it->status, msg) != ND_OK) return ND_ENOMEM;
            s->res->nwarnings++;
            continue;
        }
        if (it->kind == ND_REC_ERROR || it->status != ND_OK) {
            emit_diag(s, ND_DIAG_ERROR, it->status, it->path, it->diag_line, it->diag_offset, msg);
            if (add_skip(s, 0, it->path, it->diag_line, it->status, msg) != ND_OK) return ND_ENOMEM;
            continue;
        }
        if (pv->ndocs >= UINT32_MAX - 1) return ND_EINVAL;
        if (pv->ndocs == pv->capdocs) {
            size_t cap = pv->capdocs ? pv->capdocs * 2 : 1024;
            docrec *d = nd_reallocarray(pv->docs, cap, sizeof *d);
            if (!d) return ND_ENOMEM;
            pv->docs = d;
            uint32_t *sg = nd_reallocarray(pv->sigs, cap * s->k, sizeof *sg);
            if (!sg) return ND_ENOMEM;
            pv->sigs = sg;
            pv->capdocs = cap;
        }
        docrec *d = &pv->docs[pv->ndocs];
        size_t off;
        if (nd_arena_put(&pv->ids, b->strs.p + it->id, it->id_len, &off) != ND_OK) return ND_ENOMEM;
        d->id_off = off;
        d->offset = it->offset;
        d->line = it->line;
        d->sum = it->sum;
        d->source = it->source;
        d->len = (uint32_t)it->len;
        d->ntokens = it->ntokens;
        d->snippet = 0;
        memcpy(pv->sigs + pv->ndocs * s->k, b->sigs + i * s->k, s->k * sizeof *pv->sigs);
        if (commit_paragraphs(s, b, it, (uint32_t)pv->ndocs) != ND_OK) return ND_ENOMEM;
        pv->ndocs++;
        s->res->stats.bytes += it->len;
    }
    return ND_OK;
}

static nd_status commit_set(scan *s, batch *b)
{
    nd_scan_priv *pv = s->priv;
    if (b->fatal != ND_OK) return b->fatal;
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->status != ND_OK) return ND_ECHANGED; /* it was fine in pass 1 */
        pv->sets[it->doc] = it->set;
        it->set.v = NULL;
        const char *sn = b->strs.p + it->snippet - 1;
        size_t off;
        if (nd_arena_put(&pv->strs, sn, strlen(sn), &off) != ND_OK) return ND_ENOMEM;
        if (off + 1 > UINT32_MAX) return ND_ENOMEM;
        pv->docs[it->doc].snippet = (uint32_t)(off + 1);
    }
    return ND_OK;
}

static nd_status commit_text(scan *s, batch *b)
{
    nd_scan_priv *pv = s->priv;
    if (b->fatal != ND_OK) return b->fatal;
    for (size_t i = 0; i < b->n; i++)
        if (b->items[i].status != ND_OK) return ND_ECHANGED; /* it was fine in pass 1 */
    for (size_t i = 0; i < b->nreqs; i++) {
        const char *sn = b->strs.p + b->reqs[i].snip - 1;
        if (nd_arena_put(&pv->strs, sn, strlen(sn), &pv->shared_txt[b->reqs[i].slot]) != ND_OK)
            return ND_ENOMEM;
        pv->shared_txt[b->reqs[i].slot]++; /* offset + 1 */
    }
    return ND_OK;
}

static nd_status drain(scan *s, size_t keep)
{
    while (s->ring_len > keep) {
        batch *b = nd_wait_oldest(s);
        nd_status st = b->mode == MODE_SIGN  ? commit_sign(s, b)
                       : b->mode == MODE_SET ? commit_set(s, b)
                                             : commit_text(s, b);
        nd_recycle(s, b);
        if (st != ND_OK) return st;
    }
    return ND_OK;
}

/* Hands b to the workers once it is full, keeping at most max_inflight - 1 batches in
 * flight (committing the oldest ones). */
static nd_status submit_if_full(scan *s, batch **b)
{
    if (!nd_batch_full(*b)) return ND_OK;
    nd_submit(s, *b);
    *b = NULL;
    return drain(s, s->max_inflight - 1);
}

/* The end of a pass that filled batches: after st == ND_OK, hands over the last one (b, if
 * any) and commits everything in flight; after an error, drops b. */
static nd_status finish_batches(scan *s, batch *b, nd_status st)
{
    if (st != ND_OK) {
        if (b) nd_recycle(s, b);
        return st;
    }
    if (b) nd_submit(s, b);
    return drain(s, 0);
}

/* ---- pass 1 ------------------------------------------------------------------------------------
 */

static nd_status pass1(scan *s)
{
    batch *b = NULL;
    nd_status st;
    for (;;) {
        nd_record rec;
        st = nd_reader_next(s->reader, &rec);
        if (st == ND_END) break;
        if (st != ND_OK) goto out;
        if (!b && (st = nd_get_batch(s, MODE_SIGN, &b)) != ND_OK) goto out;
        if ((st = nd_batch_add(b, &rec, 0, 0)) != ND_OK) goto out;
        if ((st = submit_if_full(s, &b)) != ND_OK) goto out;
    }
    st = ND_OK;
out:
    return finish_batches(s, b, st);
}

/* ---- pass 2 ------------------------------------------------------------------------------------
 */

/* Reads again the documents whose need[] is set and builds their exact sets. */
static nd_status pass2(scan *s, const unsigned char *need, int mode)
{
    nd_scan_priv *pv = s->priv;
    batch *b = NULL;
    nd_status st = ND_OK;
    for (size_t i = 0; i < pv->ndocs; i++) {
        if (!need[i] || (mode == MODE_SET && pv->sets[i].v)) continue;
        const docrec *d = &pv->docs[i];
        nd_record rec;
        st = nd_reader_fetch(s->reader, d->source, d->offset, d->len, d->line, &rec);
        if (st != ND_OK) goto out;
        if (!b && (st = nd_get_batch(s, mode, &b)) != ND_OK) goto out;
        if ((st = nd_batch_add(b, &rec, (uint32_t)i, d->sum)) != ND_OK) goto out;
        if (mode == MODE_SET) s->res->stats.refetched++;
        if ((st = submit_if_full(s, &b)) != ND_OK) goto out;
    }
out:
    return finish_batches(s, b, st);
}

/* Cuts the snippets of the shared sentences' first occurrences: req[2i] is (document << 32
 * | slot), req[2i + 1] is (start << 32 | length), sorted by document, so each document is
 * read once, in input order; the workers decode and cut, the snippets land in
 * priv->shared_txt[slot]. */
nd_status nd_fetch_texts(scan *s, const uint64_t *req, size_t n)
{
    nd_scan_priv *pv = s->priv;
    batch *b = NULL;
    nd_status st = ND_OK;
    for (size_t i = 0; i < n;) {
        uint32_t d = (uint32_t)(req[2 * i] >> 32);
        const docrec *dr = &pv->docs[d];
        nd_record rec;
        if ((st = nd_reader_fetch(s->reader, dr->source, dr->offset, dr->len, dr->line, &rec)) !=
            ND_OK)
            goto out;
        if (!b && (st = nd_get_batch(s, MODE_TEXT, &b)) != ND_OK) goto out;
        if ((st = nd_batch_add(b, &rec, d, dr->sum)) != ND_OK) goto out;
        for (; i < n && (uint32_t)(req[2 * i] >> 32) == d; i++)
            if ((st = nd_batch_add_req(b, (size_t)(req[2 * i + 1] >> 32),
                                       (size_t)(req[2 * i + 1] & 0xffffffffu),
                                       (size_t)(req[2 * i] & 0xffffffffu))) != ND_OK)
                goto out;
        if ((st = submit_if_full(s, &b)) != ND_OK) goto out;
    }
out:
    return finish_batches(s, b, st);
}

/* ---- verification, groups, result --------------------------------------------------------------
 */

static nd_status push_pair_sim(nd_pair_sim **v, size_t *n, size_t *cap, nd_pair_sim ps)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        nd_pair_sim *p = nd_reallocarray(*v, c, sizeof *p);
        if (!p) return ND_ENOMEM;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = ps;
    return ND_OK;
}

/* Verified pairs from candidates: exact (sets loaded) or estimated from signatures. */
static nd_status verify_pairs(scan *s, const nd_pairs *cand, nd_pairs *ok)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    size_t cap = 0;
    /* Integer form of estimate >= t: equal positions >= t * k (with rounding slack). */
    double need_eq = s->opts.threshold * (double)s->k * (1.0 - 1e-12);
    for (size_t i = 0; i < cand->n; i++) {
        uint32_t a = cand->v[i].a, b = cand->v[i].b;
        nd_pair_sim ps = {a, b, 0.0, -1.0, -1.0};
        if (s->opts.verify_estimate) {
            const uint32_t *sa = pv->sigs + (size_t)a * s->k, *sb = pv->sigs + (size_t)b * s->k;
            unsigned eq = 0;
            for (unsigned j = 0; j < s->k; j++)
                eq += sa[j] == sb[j];
            if ((double)eq < need_eq) continue;
            ps.jaccard = (double)eq / (double)s->k;
        } else {
            nd_sim sim =
                nd_verify_exact(pv->sets[a].v, pv->sets[a].n, pv->sets[b].v, pv->sets[b].n);
            if (!nd_verify_passes(sim.inter, pv->sets[a].n, pv->sets[b].n, s->opts.threshold))
                continue;
            ps.jaccard = sim.jaccard;
            ps.contain_a = sim.contain_a;
            ps.contain_b = sim.contain_b;
        }
        if (push_pair_sim(&pv->pairs, &res->npairs, &cap, ps) != ND_OK ||
            nd_pairs_push(ok, a, b) != ND_OK)
            return ND_ENOMEM;
    }
    res->pairs = pv->pairs;
    return ND_OK;
}

static nd_status build_groups(scan *s, const nd_groups *g)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    size_t total = g->n ? g->start[g->n] : 0;
    pv->groups = nd_calloc(g->n ? g->n : 1, sizeof *pv->groups);
    pv->members = nd_calloc(total ? total : 1, sizeof *pv->members);
    if (!pv->groups || !pv->members) return ND_ENOMEM;
    for (size_t k = 0; k < g->n; k++) {
        nd_group *gr = &pv->groups[k];
        gr->members = pv->members + g->start[k];
        gr->nmembers = g->start[k + 1] - g->start[k];
        uint32_t rep = g->members[g->start[k]];
        for (size_t m = 0; m < gr->nmembers; m++) {
            uint32_t d = g->members[g->start[k] + m];
            nd_member *mb = &gr->members[m];
            mb->doc = d;
            nd_sim sim =
                nd_verify_exact(pv->sets[d].v, pv->sets[d].n, pv->sets[rep].v, pv->sets[rep].n);
            mb->jaccard = sim.jaccard;
            mb->containment = sim.contain_a;
            mb->snippet = pv->docs[d].snippet ? pv->strs.p + pv->docs[d].snippet - 1 : "";
        }
    }
    res->groups = pv->groups;
    res->ngroups = g->n;
    return ND_OK;
}

static nd_status finish_result(scan *s)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    res->opts = s->opts;
    res->opts.on_diag = NULL;
    res->opts.userdata = NULL;
    res->ndocs = pv->ndocs;
    pv->info = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *pv->info);
    if (!pv->info) return ND_ENOMEM;
    for (size_t i = 0; i < pv->ndocs; i++) {
        pv->info[i].id = pv->ids.p + pv->docs[i].id_off;
        pv->info[i].source = pv->docs[i].source;
        pv->info[i].line = pv->docs[i].line;
        pv->info[i].ntokens = pv->docs[i].ntokens;
    }
    res->docs = pv->info;
    size_t ns = nd_reader_nsources(s->reader);
    pv->sources = nd_calloc(ns ? ns : 1, sizeof *pv->sources);
    size_t *offs = nd_calloc(ns ? ns : 1, sizeof *offs);
    if (!pv->sources || !offs) {
        nd_free(offs);
        return ND_ENOMEM;
    }
    for (size_t i = 0; i < ns; i++) {
        const char *p = nd_reader_path(s->reader, (uint32_t)i);
        if (nd_arena_put(&pv->strs, p, strlen(p), &offs[i]) != ND_OK) {
            nd_free(offs);
            return ND_ENOMEM;
        }
    }
    /* The caller's JSON field names: the result keeps copies (the report prints them). */
    const nd_decode_opts *dec = &s->opts.decode;
    size_t tf_off = 0, idf_off = 0;
    res->skipped = nd_calloc(pv->nskips ? pv->nskips : 1, sizeof *res->skipped);
    res->warnings = nd_calloc(pv->nwarns ? pv->nwarns : 1, sizeof *res->warnings);
    if (!res->skipped || !res->warnings ||
        (dec->text_field &&
         nd_arena_put(&pv->strs, dec->text_field, strlen(dec->text_field), &tf_off) != ND_OK) ||
        (dec->id_field &&
         nd_arena_put(&pv->strs, dec->id_field, strlen(dec->id_field), &idf_off) != ND_OK)) {
        nd_free(offs);
        return ND_ENOMEM;
    }
    /* strs no longer grows: pointers into it are stable from here on. */
    for (size_t i = 0; i < ns; i++)
        pv->sources[i] = pv->strs.p + offs[i];
    nd_free(offs);
    res->sources = pv->sources;
    res->nsources = ns;
    for (size_t i = 0; i < pv->nskips; i++) {
        res->skipped[i].path = pv->strs.p + pv->skips[i].path_off;
        res->skipped[i].message = pv->strs.p + pv->skips[i].msg_off;
        res->skipped[i].line = pv->skips[i].line;
        res->skipped[i].code = pv->skips[i].code;
    }
    res->nskipped = pv->nskips;
    assert(res->nwarnings == pv->nwarns);
    for (size_t i = 0; i < pv->nwarns; i++) {
        res->warnings[i].path = pv->strs.p + pv->warns[i].path_off;
        res->warnings[i].message = pv->strs.p + pv->warns[i].msg_off;
        res->warnings[i].line = pv->warns[i].line;
        res->warnings[i].code = pv->warns[i].code;
    }
    res->opts.decode.text_field = dec->text_field ? pv->strs.p + tf_off : NULL;
    res->opts.decode.id_field = dec->id_field ? pv->strs.p + idf_off : NULL;
    pv->block_ptrs = nd_calloc(pv->nblocks ? pv->nblocks : 1, sizeof *pv->block_ptrs);
    if (!pv->block_ptrs) return ND_ENOMEM;
    for (size_t i = 0; i < pv->nblocks; i++)
        pv->block_ptrs[i] = pv->strs.p + pv->block_txt[i];
    for (size_t i = 0; i < pv->nshorts; i++)
        pv->shorts[i].text = pv->strs.p + pv->short_txt[i];
    size_t fb = 0, fs = 0;
    for (size_t i = 0; i < pv->nreps; i++) {
        nd_doc_repeats *r = &pv->reps[i];
        r->blocks = r->nblocks ? pv->blocks + fb : NULL;
        r->block_text = r->nblocks ? pv->block_ptrs + fb : NULL;
        r->shorts = r->nshort ? pv->shorts + fs : NULL;
        fb += r->nblocks;
        fs += r->nshort;
        res->ndoubled += r->doubled;
    }
    res->repeats = pv->reps;
    res->nrepeats = pv->nreps;
    for (size_t i = 0; i < res->nshared; i++)
        pv->shared[i].text = pv->strs.p + pv->shared_txt[i] - 1;
    for (size_t k = 0; k < res->ngroups; k++)
        for (size_t m = 0; m < res->groups[k].nmembers; m++) {
            uint32_t d = res->groups[k].members[m].doc;
            res->groups[k].members[m].snippet =
                pv->docs[d].snippet ? pv->strs.p + pv->docs[d].snippet - 1 : "";
        }
    return ND_OK;
}

/* ---- public
 * -------------------------------------------------------------------------------------- */

void nd_scan_opts_init(nd_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ngram = 5;
    o->perms = 128;
    o->threshold = 0.8;
    o->parts = ND_PART_ALL;
    nd_para_opts_init(&o->para);
    o->boilerplate_docs = 5;
}

void nd_scan_result_free(nd_scan_result *res)
{
    if (!res) return;
    nd_scan_priv *pv = res->priv;
    if (pv) {
        nd_arena_clear(&pv->ids);
        nd_arena_clear(&pv->strs);
        nd_free(pv->docs);
        nd_free(pv->sigs);
        nd_free(pv->skips);
        nd_free(pv->warns);
        if (pv->sets) {
            for (size_t i = 0; i < pv->ndocs; i++)
                nd_free(pv->sets[i].v);
            nd_free(pv->sets);
        }
        nd_free(pv->members);
        nd_free(pv->groups);
        nd_free(pv->pairs);
        nd_free(pv->info);
        nd_free(pv->sources);
        nd_free(pv->precs);
        nd_free(pv->psk_mem);
        for (size_t q = 0; q < ND_PARA_BANDS; q++)
            nd_free(pv->pband[q]);
        nd_free(pv->reps);
        nd_free(pv->blocks);
        nd_free(pv->block_txt);
        nd_free(pv->shorts);
        nd_free(pv->short_txt);
        nd_free(pv->shared);
        nd_free(pv->places);
        nd_free(pv->shared_txt);
        nd_free(pv->block_ptrs);
        nd_free(pv->fps);
        nd_free(pv);
    }
    nd_free(res->skipped);
    nd_free(res->warnings);
    nd_free(res);
}

static void free_sets(nd_scan_priv *pv)
{
    if (!pv->sets) return;
    for (size_t i = 0; i < pv->ndocs; i++)
        nd_free(pv->sets[i].v);
    nd_free(pv->sets);
    pv->sets = NULL;
}

nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                  nd_scan_result **out)
{
    if (!opts || npaths == 0) return ND_EINVAL;
    if (opts->ngram < 1 || opts->ngram > ND_NGRAM_MAX || opts->perms < 1 ||
        opts->perms > ND_PERMS_MAX || !(opts->threshold > 0.0 && opts->threshold <= 1.0) ||
        opts->bands > opts->perms)
        return ND_EINVAL;
    scan S, *s = &S;
    memset(s, 0, sizeof *s);
    s->opts = *opts;
    nd_status st = ND_ENOMEM;
    nd_pairs cand = {0}, ok = {0};
    nd_groups groups = {0};
    unsigned char *need = NULL;

    s->res = nd_calloc(1, sizeof *s->res);
    if (!s->res) return ND_ENOMEM;
    s->priv = s->res->priv = nd_calloc(1, sizeof *s->priv);
    if (!s->priv) goto out;
    if (s->opts.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->opts.threads = n > 0 ? (unsigned)n : 1;
    }
    if (s->opts.threads > 256) s->opts.threads = 256;
    s->k = s->opts.perms;
    s->opts.para.want_sentences = (s->opts.parts & ND_PART_SHARED) != 0;
    if (s->opts.bands) {
        s->res->lsh.bands = s->opts.bands;
        s->res->lsh.rows = s->k / s->opts.bands;
    } else if ((st = nd_lsh_params_for(s->opts.threshold, s->k, &s->res->lsh)) != ND_OK) {
        goto out;
    }
    if ((st = nd_minhash_create(s->k, ND_MINHASH_SEED, &s->mh)) != ND_OK) goto out;
    if ((st = nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &s->pmh)) != ND_OK) goto out;
    if ((st = nd_reader_create(&s->opts.input, paths, npaths, &s->reader)) != ND_OK) goto out;
    if ((st = nd_worker_init(&s->inline_worker, &s->opts, s->mh, s->pmh)) != ND_OK) goto out;
    unsigned nthreads = s->opts.threads > 1 ? s->opts.threads : 0;
    s->max_inflight =
        nthreads ? (2 * nthreads + 2 < MAX_INFLIGHT ? 2 * nthreads + 2 : MAX_INFLIGHT) : 1;
    if ((st = nd_pool_start(s, nthreads)) != ND_OK) goto out;
    s->res->stats.threads = s->opts.threads;

    double t0 = nd_now();
    if ((st = pass1(s)) != ND_OK) goto out;
    double t1 = nd_now();
    nd_scan_priv *pv = s->priv;
    if ((st = nd_lsh_candidates_mt(pv->sigs, pv->ndocs, s->k, NULL, &s->res->lsh, 0,
                                   s->opts.threads, &cand, &s->res->stats.capped_buckets)) != ND_OK)
        goto out;
    s->res->stats.candidates = cand.n;
    double t2 = nd_now();

    st = ND_ENOMEM;
    pv->sets = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *pv->sets);
    need = nd_calloc(pv->ndocs ? pv->ndocs : 1, 1);
    if (!pv->sets || !need) goto out;
    double t3 = t2, t4 = t2;
    if (!s->opts.verify_estimate) {
        for (size_t i = 0; i < cand.n; i++)
            need[cand.v[i].a] = need[cand.v[i].b] = 1;
        if ((st = pass2(s, need, MODE_SET)) != ND_OK) goto out;
        t3 = nd_now();
        if ((st = verify_pairs(s, &cand, &ok)) != ND_OK) goto out;
        t4 = nd_now();
    } else {
        if ((st = verify_pairs(s, &cand, &ok)) != ND_OK) goto out;
        t4 = nd_now();
        for (size_t i = 0; i < ok.n; i++)
            need[ok.v[i].a] = need[ok.v[i].b] = 1;
        if ((st = pass2(s, need, MODE_SET)) != ND_OK) goto out;
        t3 = nd_now();
    }
    nd_pairs_clear(&cand);
    uint32_t *len = nd_malloc((pv->ndocs ? pv->ndocs : 1) * sizeof *len);
    if (!len) {
        st = ND_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < pv->ndocs; i++)
        len[i] = pv->docs[i].ntokens;
    st = nd_cluster(pv->ndocs, ok.v, ok.n, len, &groups);
    nd_free(len);
    if (st != ND_OK) goto out;
    if ((st = build_groups(s, &groups)) != ND_OK) goto out;
    free_sets(pv);
    double t5 = nd_now();
    s->res->stats.paragraphs = pv->nprecs;
    if ((s->opts.parts & ND_PART_SHARED) && (st = nd_shared_pass(s, &groups)) != ND_OK) goto out;
    double t6 = nd_now();
    if ((st = finish_result(s)) != ND_OK) goto out;
    s->res->stats.t_shared = t6 - t5;
    s->res->stats.t_pass1 = t1 - t0;
    s->res->stats.t_lsh = t2 - t1;
    if (s->opts.verify_estimate) {
        s->res->stats.t_verify = t4 - t2;
        s->res->stats.t_pass2 = t3 - t4;
    } else {
        s->res->stats.t_pass2 = t3 - t2;
        s->res->stats.t_verify = t4 - t3;
    }
    s->res->stats.t_cluster = t5 - (t3 > t4 ? t3 : t4);
    st = ND_OK;
out:
    nd_pool_stop(s);
    while (s->ring_len) {
        batch *b = s->ring[s->ring_head];
        s->ring_head = (s->ring_head + 1) % MAX_INFLIGHT;
        s->ring_len--;
        nd_batch_free(b);
    }
    for (size_t i = 0; i < s->nspare; i++)
        nd_batch_free(s->spare[i]);
    nd_worker_clear(&s->inline_worker);
    nd_reader_free(s->reader);
    nd_minhash_free(s->mh);
    nd_minhash_free(s->pmh);
    nd_pairs_clear(&cand);
    nd_pairs_clear(&ok);
    nd_groups_clear(&groups);
    nd_free(need);
    if (st != ND_OK) {
        nd_scan_result_free(s->res);
        return st;
    }
    *out = s->res;
    return ND_OK;
}
