/*
 * scan.c - nd_scan(): the pipeline's passes in order, and pass 1 (see scan.h).
 *
 * nd_scan checks the options, then runs:
 *   1. pass 1: every record read, batched and processed on the workers (docwork.h), each
 *      finished batch committed here in input order: documents with their signatures
 *      (or only their band keys, when nothing after LSH needs the signatures),
 *      skips and warnings, internal repeats (into the result), sentences (into a store for
 *      stage 3; on several ranks each rank keeps its own and all link them right after
 *      pass 1, link_dist.h, rank 0 keeping the union-find for stage 3);
 *   2. the article stage (articles.h): candidates, pass 2, verification, groups;
 *   3. the cross-article stage (shared.h), when shared paragraphs are asked for;
 *   4. the result finished (result.h).
 * Diagnostics reach the caller's callback here, on the calling thread, in input order.
 * An archive index (index_ext.h) runs the same passes through nd_scan_run with hooks: each
 * committed document handed over (on_doc), the archive looked up after pass 1, the stages
 * skipped or run with what it found.
 */
#include "neardup/scan.h"

#include <assert.h>
#include <string.h>
#include <unistd.h>

#include "articles.h"
#include "clock.h"
#include "index_ext.h"
#include "link.h"
#include "link_dist.h"
#include "lsh.h"
#include "lsh_dist.h"
#include "minhash.h"
#include "scan_ctx.h"
#include "scan_reader.h"
#include "sentences.h"
#include "share.h"
#include "shared.h"
#include "shingle.h"

void nd_para_opts_init(nd_para_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = ND_PARA_AUTO;
    o->short_words = 4;
    o->threshold = 0.8;
    o->doubled_share = 0.4;
    o->min_repeat_words = 12;
}

void nd_scan_opts_init(nd_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ngram = 5;
    o->perms = 128;
    o->threshold = 0.8;
    o->parts = ND_PART_ALL;
    nd_para_opts_init(&o->para);
    o->boilerplate_docs = 5;
    /* Gopher's published limits (Rae et al. 2021, table A1), in nd_gopher_name's order. */
    static const double gopher[ND_GOPHER_N] = {0.30, 0.30, 0.20, 0.20, 0.20, 0.18, 0.16,
                                               0.15, 0.14, 0.13, 0.12, 0.11, 0.10};
    memcpy(o->gopher.limit, gopher, sizeof gopher);
}

/* ---- pass 1 ---------------------------------------------------------------------------- */

/* What pass 1 commits into. */
typedef struct pass1 {
    nd_scan_ctx *c;
    nd_sent_store *store; /* the sentences, for the cross-article stage */
    uint32_t *map;        /* the batch's word ids to run-wide ones */
    size_t mapcap;
    nd_dkeys *keys; /* not NULL: this rank's own batches, their band keys kept here */
    int recs_only;  /* another rank's batches whose sentences stay there: records alone */
    size_t ndocs;   /* documents of this rank's own batches kept (keep_own) */
    nd_share_out *kept;
    FILE *spill; /* with recs_only: their records, until the link is done (spill_load) */
    size_t nspill;
} pass1;

static void emit_diag(const nd_scan_ctx *c, nd_diag_level level, const nd_item *it, const char *msg)
{
    if (!c->opts.on_diag) return;
    nd_diag d = {it->status, level, it->path, it->diag_line, it->diag_offset, msg};
    c->opts.on_diag(&d, c->opts.userdata);
}

/* Moves one document's sentences from its batch into the store (p->map: the batch's words
 * already interned in the run's dictionary). */
static nd_status commit_sentences(pass1 *p, const nd_batch *b, const nd_item *it, uint32_t doc)
{
    for (size_t j = it->prec_first; j < it->prec_first + it->prec_n; j++) {
        nd_para_rec r = b->precs[j];
        r.doc = doc;
        if (p->recs_only) { /* (linked on its rank: link_dist.h) */
            if (!p->spill && !(p->spill = tmpfile())) return ND_EIO;
            if (fwrite(&r, sizeof r, 1, p->spill) != 1) return ND_EIO;
            p->nspill++;
            continue;
        }
        const nd_psent *ps = &b->psent[j];
        nd_status st =
            nd_sent_store_add(p->store, &r, ps->band, &ps->sk, b->wids + ps->sk.w_off, p->map);
        if (st != ND_OK) return st;
    }
    return ND_OK;
}

/* The batch's words in the run's dictionary, in input order (so run-wide ids are the same
 * on every run): p->map[local id] = run-wide id. */
static nd_status map_words(pass1 *p, const nd_batch *b)
{
    if (!b->nprecs || p->recs_only) return ND_OK;
    ND_RESERVE(p->map, p->mapcap, nd_words_count(b->words), 4096);
    return nd_sent_store_map_words(p->store, b->words, p->map);
}

/* Moves one document's internal repeats from its batch into the result. */
static nd_status commit_repeats(pass1 *p, const nd_batch *b, const nd_item *it, uint32_t doc)
{
    nd_scan_result *res = p->c->res;
    if (!it->blk_n && !it->sh_n && !it->run_n) return ND_OK;
    nd_doc_repeats r;
    memset(&r, 0, sizeof r);
    r.doc = doc;
    r.words = it->words;
    r.repeated_words = it->rwords;
    r.doubled =
        it->words > 0 && (double)it->rwords >= p->c->opts.para.doubled_share * (double)it->words;
    r.nblocks = it->blk_n;
    r.nshort = it->sh_n;
    r.nruns = it->run_n;
    nd_status st = ND_OK;
    for (size_t j = it->blk_first; j < it->blk_first + it->blk_n && st == ND_OK; j++)
        st = nd_result_add_block(res, &b->blocks[j], b->strs.p + b->block_txt[j] - 1);
    for (size_t j = it->run_first; j < it->run_first + it->run_n && st == ND_OK; j++)
        st = nd_result_add_run(res, &b->runs[j], b->strs.p + b->run_txt[j] - 1);
    for (size_t j = it->sh_first; j < it->sh_first + it->sh_n && st == ND_OK; j++)
        st = nd_result_add_short(res, &b->shorts[j], b->strs.p + b->short_txt[j] - 1,
                                 b->short_lines + b->short_loff[j]);
    return st == ND_OK ? nd_result_add_repeats(res, &r) : st;
}

/* Where a skipped record was, for clean (see nd_skip): the offset of a JSON Lines line,
 * or ND_NO_OFFSET when the whole source went (every error of a text file, and every error
 * the reader reports without a line). */
static uint64_t skip_offset(const nd_item *it)
{
    if (it->kind == ND_REC_DOC) return it->json ? it->offset : ND_NO_OFFSET;
    return it->line != ND_NO_LINE ? it->offset : ND_NO_OFFSET;
}

/* Takes a pass-1 batch: notes become warnings, errors skips, documents documents. */
static nd_status commit_sign(void *ctx, nd_batch *b)
{
    pass1 *p = ctx;
    nd_scan_ctx *c = p->c;
    nd_status st = map_words(p, b);
    for (size_t i = 0; i < b->n && st == ND_OK; i++) {
        nd_item *it = &b->items[i];
        const char *msg = it->msg ? b->strs.p + it->msg - 1 : "";
        if (it->path_str) it->path = b->strs.p + it->path_str - 1;
        if (it->kind == ND_REC_NOTE) {
            emit_diag(c, ND_DIAG_WARNING, it, msg);
            st = nd_result_add_skip(c->res, 1, it->path, it->diag_line, it->status, msg, it->source,
                                    ND_NO_OFFSET);
            c->res->nwarnings++;
            continue;
        }
        if (it->kind == ND_REC_ERROR || it->status != ND_OK) {
            emit_diag(c, ND_DIAG_ERROR, it, msg);
            st = nd_result_add_skip(c->res, 0, it->path, it->diag_line, it->status, msg, it->source,
                                    skip_offset(it));
            continue;
        }
        nd_doc_rec d = {0,          it->offset,        it->line,    it->sum,
                        it->source, (uint32_t)it->len, it->ntokens, 0};
        uint32_t doc;
        assert(nd_item_is_doc(it));
        /* (band keys instead when they suffice: kept where they were computed) */
        const uint32_t *sig = b->sigs + i * c->k;
        st = nd_result_add_doc(c->res, c->k, &d, b->strs.p + it->id, it->id_len,
                               c->dkeys ? NULL : sig, &doc);
        if (st == ND_OK && p->keys) st = nd_dkeys_add(p->keys, sig, &c->res->lsh);
        if (st == ND_OK && (c->opts.parts & ND_PART_METRICS))
            st = nd_result_add_metrics(c->res, &it->metrics);
        if (st == ND_OK && c->opts.decode.keep_field)
            st = nd_result_set_key(c->res, doc, it->keep_kind, it->keep_num,
                                   b->strs.p + it->keep_str, it->keep_len);
        if (st == ND_OK && c->opts.containment > 0.0)
            st = nd_result_add_fps(c->res, doc, b->cfps + it->cfp_first, it->cfp_n);
        /* (an index add cuts sentences without the cross-article stage: none to store) */
        if (st == ND_OK && (c->opts.parts & ND_PART_SHARED)) st = commit_sentences(p, b, it, doc);
        if (st == ND_OK) st = commit_repeats(p, b, it, doc);
        c->res->nwrapped += it->wrapped;
        if (st == ND_OK && c->ext && c->ext->on_doc) {
            nd_ext_doc xd = {b->recs.p + it->rec_off,
                             it->rec_len,
                             it->snippet ? b->strs.p + it->snippet - 1 : NULL,
                             it->prec_n ? b->precs + it->prec_first : NULL,
                             it->prec_n ? b->psent + it->prec_first : NULL,
                             it->prec_n};
            st = c->ext->on_doc(c->ext->ud, c, doc, &xd);
        }
        c->res->stats.bytes += it->len;
    }
    nd_scan_progress(c, ND_PHASE_READ, c->res->mem->ndocs, 0, c->res->stats.bytes);
    return st;
}

/* The ranks of a distributed scan (neardup/dist.h), 1 for a plain one. */
static unsigned rank_count(const nd_scan_ctx *c)
{
    return c->opts.dist && c->opts.dist->nranks > 1 ? c->opts.dist->nranks : 1;
}

/* Rank > 0 whose sentences stay here (link_dist.h): a batch's sentences into this rank's
 * store (its documents numbered from 0 here), then the batch kept for rank 0 without them. */
static nd_status keep_own(void *ctx, nd_batch *b)
{
    pass1 *p = ctx;
    nd_status st = map_words(p, b);
    for (size_t i = 0; i < b->n && st == ND_OK; i++)
        if (nd_item_is_doc(&b->items[i]))
            st = commit_sentences(p, b, &b->items[i], (uint32_t)p->ndocs++);
    return st == ND_OK ? nd_share_keep(p->kept, b) : st;
}

/* The rank of a distributed scan (neardup/dist.h), 0 for a plain one. */
static unsigned rank_of(const nd_scan_ctx *c)
{
    return c->opts.dist && c->opts.dist->nranks > 1 ? c->opts.dist->rank : 0;
}

/* Whether nothing after the article stage's LSH needs the signatures (exact verification,
 * no containment fingerprints, no archive index, and the caller does not want them in the
 * result): then pass 1 keeps each document's band keys (lsh_dist.h), 80 bytes at the
 * default 20 bands, instead of its signature, 512 bytes at 128 values. */
static int keys_suffice(const nd_scan_ctx *c)
{
    return !c->ext && c->opts.drop_signatures && !c->opts.verify_estimate &&
           c->opts.containment <= 0.0;
}

/* Whether the article stage's LSH runs across the ranks (lsh_dist.h): several ranks, a
 * transport with a collective, and band keys enough. */
static int lsh_distributed(const nd_scan_ctx *c)
{
    const nd_dist *d = c->opts.dist;
    return d && d->nranks > 1 && d->alltoallv && keys_suffice(c);
}

/* Whether the sentences are linked across the ranks (link_dist.h): several ranks, a
 * transport with a collective, a cross-article stage and no archive index. */
static int sentences_distributed(const nd_scan_ctx *c)
{
    const nd_dist *d = c->opts.dist;
    return d && d->nranks > 1 && d->alltoallv && !c->ext && (c->opts.parts & ND_PART_SHARED);
}

/* Pass 1 on this rank; with its sentences linked across ranks, *ndocs receives how many of
 * the documents are its own (their sentences the store's records), and rank 0 the other
 * ranks' records in *spill (*nspill of them; NULL for none), kept out of memory while the
 * sentences are linked. */
static nd_status run_pass1(nd_scan_ctx *c, nd_sent_store *store, size_t *ndocs, FILE **spill,
                           size_t *nspill)
{
    nd_share_out kept = {0};
    pass1 p = {c, store, NULL, 0, c->dkeys, 0, 0, &kept, NULL, 0};
    int dsent = sentences_distributed(c);
    const nd_dist *d = c->opts.dist;
    int rank = (int)rank_of(c);
    kept.k = c->k;
    kept.keys = c->dkeys;
    kept.lsh = &c->res->lsh;
    kept.no_sketches = dsent;
    nd_scan_progress(c, ND_PHASE_READ, 0, 0, 0);
    nd_pass pass;
    int mode = c->ext && (c->ext->flags & ND_EXT_RECORDS) ? ND_MODE_INDEX : ND_MODE_SIGN;
    /* Another rank keeps its batches for rank 0, which commits them after its own. */
    if (rank > 0)
        nd_pass_begin(&pass, c->pl, mode, dsent ? keep_own : nd_share_keep,
                      dsent ? (void *)&p : &kept);
    else
        nd_pass_begin(&pass, c->pl, mode, commit_sign, &p);
    nd_status st;
    for (;;) {
        nd_record rec;
        st = nd_reader_next(c->reader, &rec);
        if (st == ND_END) {
            st = ND_OK;
            break;
        }
        if (st == ND_OK) st = nd_pass_add(&pass, &rec, 0, 0);
        if (st != ND_OK) break;
    }
    if (st == ND_EIO && d && d->nranks > 1) { /* a listed file this rank cannot read */
        const char *msg, *path = nd_reader_failure(c->reader, &msg);
        if (d->on_fail) d->on_fail(d->ud, path, msg);
    }
    st = nd_pass_end(&pass, st);
    if (st == ND_OK && rank > 0) st = nd_share_send(d, &kept, c->reader);
    p.keys = NULL; /* (the other ranks keep their own) */
    *ndocs = rank > 0 ? p.ndocs : c->res->mem->ndocs;
    p.recs_only = dsent; /* (the other ranks link their own) */
    if (st == ND_OK && rank == 0 && d && d->nranks > 1)
        st = nd_share_take(d, c->reader, c->k, !c->dkeys, !dsent, commit_sign, &p);
    nd_share_out_clear(&kept);
    nd_free(p.map);
    *spill = p.spill;
    *nspill = p.nspill;
    return st;
}

/* The other ranks' records spilled by run_pass1 appended to the store's. ND_OK, ND_ENOMEM or
 * ND_EIO. */
static nd_status spill_load(nd_sent_store *s, FILE *f, size_t n)
{
    if (!n) return ND_OK;
    if (s->n + n > s->cap) {
        nd_para_rec *r = nd_reallocarray(s->recs, s->n + n, sizeof *r);
        if (!r) return ND_ENOMEM;
        s->recs = r;
        s->cap = s->n + n;
    }
    if (fseek(f, 0, SEEK_SET) != 0 || fread(s->recs + s->n, sizeof *s->recs, n, f) != n)
        return ND_EIO;
    s->n += n;
    return ND_OK;
}

/* ---- the scan -------------------------------------------------------------------------- */

/* Checks opts and fills in what is derived: threads, banding, sentences wanted. */
static nd_status resolve_opts(const nd_scan_opts *in, nd_scan_ctx *c)
{
    if (in->ngram < 1 || in->ngram > ND_NGRAM_MAX || in->perms < 1 || in->perms > ND_PERMS_MAX ||
        !(in->threshold > 0.0 && in->threshold <= 1.0) || in->bands > in->perms ||
        !(in->containment >= 0.0 && in->containment <= 1.0) ||
        (unsigned)in->keep > ND_KEEP_FIELD_MAX ||
        ((in->keep == ND_KEEP_FIELD_MIN || in->keep == ND_KEEP_FIELD_MAX) &&
         !in->decode.keep_field))
        return ND_EINVAL;
    c->opts = *in;
    if (c->opts.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->opts.threads = n > 0 ? (unsigned)n : 1;
    }
    if (c->opts.threads > 256) c->opts.threads = 256;
    c->k = c->opts.perms;
    if (c->opts.gopher.enabled) c->opts.parts |= ND_PART_METRICS;
    c->opts.para.want_sentences =
        (c->opts.parts & ND_PART_SHARED) != 0 || (c->ext && (c->ext->flags & ND_EXT_SENTENCES));
    nd_scan_result *res = c->res;
    res->stats.threads = c->opts.threads;
    if (c->opts.bands) {
        res->lsh.bands = c->opts.bands;
        res->lsh.rows = c->ext && c->ext->rows ? c->ext->rows : c->k / c->opts.bands;
        return ND_OK;
    }
    return nd_lsh_params_for(c->opts.threshold, c->k, &res->lsh);
}

/* The stages after pass 1, and the result's last touches. */
static nd_status run_stages(nd_scan_ctx *c, nd_sent_store *store)
{
    nd_scan_result *res = c->res;
    nd_groups groups = {0};
    nd_status st = ND_OK;
    if (c->ext) {
        c->ext->nbatch = (uint32_t)res->mem->ndocs;
        if (c->ext->after_pass1) st = c->ext->after_pass1(c->ext->ud, c, store);
        if (st == ND_OK && (c->ext->flags & ND_EXT_NO_STAGES))
            return nd_result_finish(res, c->reader, &c->opts);
    }
    if (st == ND_OK) st = nd_articles_group(c, &groups);
    res->stats.paragraphs = store->n;
    double t0 = nd_now();
    if (st == ND_OK && (c->opts.parts & ND_PART_SHARED)) {
        nd_scan_progress(c, ND_PHASE_SHARED, 0, 0, 0);
        st = nd_shared_find(c, store, &groups);
    }
    res->stats.t_shared = nd_now() - t0;
    nd_groups_clear(&groups);
    nd_reader_counts(c->reader, &res->stats.input);
    if (st == ND_OK) st = nd_result_finish(res, c->reader, &c->opts);
    return st;
}

nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                  nd_scan_result **out)
{
    return nd_scan_run_reader(opts, paths, npaths, NULL, out, NULL);
}

nd_status nd_scan_keep_reader(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                              nd_scan_result **out, nd_reader **reader)
{
    return nd_scan_run_reader(opts, paths, npaths, NULL, out, reader);
}

nd_status nd_scan_run(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                      nd_scan_ext *ext, nd_scan_result **out)
{
    return nd_scan_run_reader(opts, paths, npaths, ext, out, NULL);
}

nd_status nd_scan_run_reader(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                             nd_scan_ext *ext, nd_scan_result **out, nd_reader **reader)
{
    if (!opts || npaths == 0) return ND_EINVAL;
    nd_scan_ctx c;
    memset(&c, 0, sizeof c);
    c.ext = ext;
    nd_minhash *mh = NULL, *pmh = NULL;
    nd_sent_store store = {0};
    nd_dkeys dkeys = {0};
    FILE *spill = NULL;
    nd_status st = nd_result_create(&c.res);
    if (st != ND_OK) return st;
    if ((st = resolve_opts(opts, &c)) != ND_OK) goto out;
    /* (several ranks without a collective send rank 0 their signatures: it keeps them all) */
    if (lsh_distributed(&c) || (rank_count(&c) == 1 && keys_suffice(&c))) c.dkeys = &dkeys;
    if ((st = nd_minhash_create(c.k, ND_MINHASH_SEED, &mh)) != ND_OK) goto out;
    if ((st = nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &pmh)) != ND_OK) goto out;
    if (c.opts.dist && c.opts.dist->nranks > 1) {
        if (ext || reader) { /* (only nd_scan runs on several ranks) */
            st = ND_EINVAL;
            goto out;
        }
        st = nd_share_reader(c.opts.dist, &c.opts.input, paths, npaths, &c.reader);
    } else {
        st = nd_reader_create(&c.opts.input, paths, npaths, &c.reader);
    }
    if (st != ND_OK) goto out;
    if ((st = nd_pipeline_create(&c.opts, mh, pmh, c.k, c.opts.threads, &c.pl)) != ND_OK) goto out;
    double t0 = nd_now();
    size_t own_docs = 0, nspill = 0;
    if ((st = run_pass1(&c, &store, &own_docs, &spill, &nspill)) != ND_OK) goto out;
    c.res->stats.t_pass1 = nd_now() - t0;
    nd_pipeline_trim(c.pl);          /* (pass 1's sentences in its batches: MBs each) */
    if (sentences_distributed(&c)) { /* every rank, before the article stage */
        t0 = nd_now();
        size_t all = store.n + nspill;
        if (rank_of(&c) == 0 && (st = nd_uf_create(all, &c.sent_uf)) != ND_OK) goto out;
        st = nd_dlink_sentences(c.opts.dist, &store, own_docs, c.opts.para.threshold,
                                c.opts.dist->round_bytes, all, c.sent_uf);
        c.res->stats.t_link = nd_now() - t0;
        if (st != ND_OK) goto out;
        /* Linked: only the records are needed now, all ranks' on rank 0. */
        if (rank_of(&c) > 0) nd_sent_store_clear(&store);
        nd_sent_store_drop_sketches(&store);
        if ((st = spill_load(&store, spill, nspill)) != ND_OK) goto out;
    }
    if (rank_of(&c) > 0) { /* its output is rank 0's now: an empty result */
        if (c.dkeys)       /* its part of the LSH, which rank 0 runs in the article stage */
            st = nd_dlsh_bands(c.opts.dist, c.dkeys, &c.res->lsh, 0, NULL, NULL);
        nd_dkeys_clear(&dkeys);
        if (st == ND_OK) st = nd_result_finish(c.res, c.reader, &c.opts);
    } else {
        st = run_stages(&c, &store);
    }
out:
    nd_pipeline_free(c.pl);
    if (st == ND_OK && reader) {
        *reader = c.reader; /* the caller's now, with the spools of its streams */
        c.reader = NULL;
    }
    nd_reader_free(c.reader);
    nd_minhash_free(mh);
    nd_minhash_free(pmh);
    nd_sent_store_clear(&store);
    nd_dkeys_clear(&dkeys);
    nd_uf_free(c.sent_uf);
    if (spill) fclose(spill);
    if (st != ND_OK) {
        nd_scan_result_free(c.res);
        return st;
    }
    *out = c.res;
    return ND_OK;
}
