/*
 * scan_batch.c - the work side of nd_scan(): batches and the threads that process them.
 *
 * Owns the byte arena, batches (create/reset/add/free), the per-thread worker (init/clear),
 * the work on one document (pass 1: decode, normalise, shingle, sign, and the paragraph
 * pass; pass 2: the exact shingle set and a snippet), and the worker pool with the ring of
 * in-flight batches (submit, wait for the oldest, recycle).
 *
 * The calling thread fills a batch of about BATCH_BYTES and submits it; a worker processes
 * a whole batch, touching nothing but the batch and its own worker state, and marks it
 * done. Committing finished batches, strictly in submission order, is scan.c's job: so the
 * results never depend on thread timing. With one thread, nd_submit() processes the batch
 * inline, with no worker. A failure inside a worker (ND_ENOMEM) is kept in batch->fatal.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "xxh.h"

#include "neardup/alloc.h"
#include "grow.h"
#include "neardup/minhash.h"
#include "neardup/normalize.h"
#include "neardup/paragraphs.h"
#include "neardup/shingle.h"
#include "scan_priv.h"

#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_ITEMS 1024u
#define SNIPPET_BYTES 100u

/* ---- growable byte arena (offsets stay valid across growth) ------------------------------ */

nd_status nd_arena_put(arena *a, const char *s, size_t n, size_t *off)
{
    if (a->cap - a->len < n + 1) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap - a->len < n + 1)
            cap *= 2;
        char *p = nd_reallocarray(a->p, cap, 1);
        if (!p) return ND_ENOMEM;
        a->p = p;
        a->cap = cap;
    }
    if (n) memcpy(a->p + a->len, s, n);
    a->p[a->len + n] = '\0';
    *off = a->len;
    a->len += n + 1;
    return ND_OK;
}

void nd_arena_clear(arena *a)
{
    nd_free(a->p);
    memset(a, 0, sizeof *a);
}

/* ---- batches ------------------------------------------------------------------------------ */

static void batch_reset(batch *b, int mode)
{
    for (size_t i = 0; i < b->n; i++)
        nd_free(b->items[i].set.v);
    b->mode = mode;
    b->n = 0;
    b->nprecs = b->nblocks = b->nshorts = b->nfps = b->nreqs = 0;
    b->bytes.len = 0;
    b->strs.len = 0;
    b->done = 0;
    b->fatal = ND_OK;
}

void nd_batch_free(batch *b)
{
    if (!b) return;
    batch_reset(b, MODE_SIGN);
    nd_free(b->items);
    nd_arena_clear(&b->bytes);
    nd_arena_clear(&b->strs);
    nd_free(b->sigs);
    nd_free(b->precs);
    nd_free(b->psent);
    nd_free(b->fps);
    nd_free(b->blocks);
    nd_free(b->block_txt);
    nd_free(b->shorts);
    nd_free(b->short_txt);
    nd_free(b->reqs);
    nd_free(b);
}

static nd_status batch_create(unsigned k, batch **out)
{
    batch *b = nd_calloc(1, sizeof *b);
    if (!b) return ND_ENOMEM;
    b->cap = BATCH_ITEMS;
    b->items = nd_calloc(b->cap, sizeof *b->items);
    b->sigs = nd_malloc((size_t)BATCH_ITEMS * k * sizeof *b->sigs);
    if (!b->items || !b->sigs) {
        nd_batch_free(b);
        return ND_ENOMEM;
    }
    *out = b;
    return ND_OK;
}

int nd_batch_full(const batch *b)
{
    return b->n == b->cap || b->bytes.len >= BATCH_BYTES;
}

nd_status nd_batch_add_req(batch *b, size_t start, size_t len, size_t slot)
{
    ND_GROW(b->nreqs, b->capreqs, 256, b->reqs);
    item *it = &b->items[b->n - 1];
    if (!it->req_n) it->req_first = b->nreqs;
    it->req_n++;
    text_req *r = &b->reqs[b->nreqs++];
    r->start = start;
    r->len = len;
    r->slot = slot;
    r->snip = 0;
    return ND_OK;
}

/* Copies a record into the batch. */
nd_status nd_batch_add(batch *b, const nd_record *rec, uint32_t doc, uint64_t sum)
{
    item *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->kind = rec->kind;
    it->json = rec->json;
    it->format = rec->format; /* input wiring: what nd_decode needs besides the bytes */
    it->text_col = rec->text_col;
    it->id_col = rec->id_col;
    it->path = rec->path;
    it->source = rec->source;
    it->line = rec->line;
    it->offset = rec->offset;
    it->status = rec->status;
    it->diag_line = rec->line;
    it->diag_offset = rec->kind == ND_REC_DOC ? ND_NO_OFFSET : rec->offset;
    it->doc = doc;
    it->sum = sum;
    nd_status st;
    if (rec->kind == ND_REC_DOC) {
        if ((st = nd_arena_put(&b->bytes, rec->data, rec->len, &it->data)) != ND_OK) return st;
        it->len = rec->len;
    } else {
        size_t off;
        if (rec->message) {
            if ((st = nd_arena_put(&b->strs, rec->message, strlen(rec->message), &off)) != ND_OK)
                return st;
            it->msg = off + 1;
        }
        if ((st = nd_arena_put(&b->strs, rec->path, strlen(rec->path), &off)) != ND_OK) return st;
        it->path_str = off + 1;
    }
    b->n++;
    return ND_OK;
}

/* ---- the work on one document ---------------------------------------------------------- */

void nd_worker_clear(worker *w)
{
    nd_normalizer_free(w->nz);
    nd_decoder_free(w->dec);
    nd_tokens_clear(&w->toks);
    nd_u64s_clear(&w->scratch);
    nd_u64s_clear(&w->sh);
    nd_doc_paras_clear(&w->dp);
    memset(w, 0, sizeof *w);
}

nd_status nd_worker_init(worker *w, const nd_scan_opts *opts, const nd_minhash *mh,
                         const nd_minhash *pmh)
{
    memset(w, 0, sizeof *w);
    w->mh = mh;
    w->pmh = pmh;
    w->opts = opts;
    nd_tokens_init(&w->toks);
    if (nd_normalizer_create(&w->nz) != ND_OK ||
        nd_decoder_create(&opts->decode, &w->dec) != ND_OK) {
        nd_worker_clear(w);
        return ND_ENOMEM;
    }
    return ND_OK;
}

static nd_status item_message(batch *b, item *it, nd_status code, const char *msg)
{
    size_t off;
    it->status = code;
    if (nd_arena_put(&b->strs, msg, strlen(msg), &off) != ND_OK) return ND_ENOMEM;
    it->msg = off + 1;
    return ND_OK;
}

/* Copies the start of text onto one line: whitespace runs become one space, at most
 * SNIPPET_BYTES bytes cut at a character boundary, "..." when cut. */
nd_status nd_make_snippet(arena *a, const char *text, size_t len, size_t *out)
{
    char buf[SNIPPET_BYTES + 8];
    size_t n = 0, i = 0;
    int space = 0;
    while (i < len && n < SNIPPET_BYTES) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = n > 0;
            i++;
            continue;
        }
        size_t cl = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (n + space + cl > SNIPPET_BYTES || i + cl > len) break;
        if (space) buf[n++] = ' ';
        space = 0;
        memcpy(buf + n, text + i, cl);
        n += cl;
        i += cl;
    }
    while (i < len && strchr(" \t\r\n\f\v", text[i]))
        i++;
    if (i < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    size_t off;
    if (nd_arena_put(a, buf, n, &off) != ND_OK) return ND_ENOMEM;
    *out = off + 1;
    return ND_OK;
}

/* The paragraph pass over one signed document: its internal repeats, and its long
 * paragraphs for the cross-article pass. Token hashes are still in w->scratch. */
static nd_status paragraph_pass(worker *w, batch *b, item *it, const nd_doc *doc)
{
    const nd_scan_opts *o = w->opts;
    nd_doc_paras *dp = &w->dp;
    nd_status st =
        nd_paragraphs_analyze(&o->para, w->pmh, doc->text, doc->len, &w->toks, w->scratch.v, dp);
    if (st != ND_OK) return st;
    it->words = dp->words;
    it->rwords = dp->repeated_words;
    it->prec_first = b->nprecs;
    it->blk_first = b->nblocks;
    it->sh_first = b->nshorts;
    if (o->parts & ND_PART_SHARED) {
        for (size_t i = 0; i < dp->ns; i++) {
            const nd_sentence *se = &dp->s[i];
            ND_GROW2(b->nprecs, b->capprecs, 256, b->precs, b->psent);
            nd_para_rec *r = &b->precs[b->nprecs];
            r->key = se->key;
            r->doc = 0;
            r->line = dp->p[se->para].first_line;
            r->start = se->start;
            r->len = se->end - se->start;
            struct psent *k = &b->psent[b->nprecs++];
            memcpy(k->band, se->band, sizeof k->band);
            k->sk.bm[0] = se->bm[0];
            k->sk.bm[1] = se->bm[1];
            k->sk.doc = 0;
            k->sk.fp_n = (uint16_t)se->fp_n;
            k->sk.pad = 0;
            if (b->capfps - b->nfps < se->fp_n) {
                size_t c = b->capfps ? b->capfps : 4096;
                while (c - b->nfps < se->fp_n)
                    c *= 2;
                uint16_t *v = nd_reallocarray(b->fps, c, sizeof *v);
                if (!v) return ND_ENOMEM;
                b->fps = v;
                b->capfps = c;
            }
            memcpy(b->fps + b->nfps, dp->fps + se->fp_off, se->fp_n * sizeof *dp->fps);
            k->sk.fp_off = b->nfps;
            b->nfps += se->fp_n;
        }
    }
    if (o->parts & ND_PART_BLOCKS) {
        for (size_t i = 0; i < dp->nblocks; i++) {
            ND_GROW2(b->nblocks, b->capblocks, 16, b->blocks, b->block_txt);
            b->blocks[b->nblocks] = dp->blocks[i];
            /* The text of the block's first paragraph. */
            const nd_para *p = dp->p;
            for (size_t j = 0; j < dp->n; j++)
                if (dp->p[j].first_line == dp->blocks[i].a_first) {
                    p = &dp->p[j];
                    break;
                }
            if (nd_make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
                                &b->block_txt[b->nblocks]) != ND_OK)
                return ND_ENOMEM;
            b->nblocks++;
        }
    } else {
        it->rwords = 0;
    }
    if (o->parts & ND_PART_SHORT) {
        for (size_t i = 0; i < dp->nshorts; i++) {
            ND_GROW2(b->nshorts, b->capshorts, 16, b->shorts, b->short_txt);
            const nd_para *p = &dp->p[dp->shorts[i].para];
            nd_short_line *sl = &b->shorts[b->nshorts];
            sl->first_line = dp->shorts[i].first_line;
            sl->count = dp->shorts[i].count;
            sl->text = NULL;
            if (nd_make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
                                &b->short_txt[b->nshorts]) != ND_OK)
                return ND_ENOMEM;
            b->nshorts++;
        }
    }
    it->prec_n = b->nprecs - it->prec_first;
    it->blk_n = b->nblocks - it->blk_first;
    it->sh_n = b->nshorts - it->sh_first;
    return ND_OK;
}

static nd_status process_item(worker *w, batch *b, size_t idx)
{
    item *it = &b->items[idx];
    if (it->kind != ND_REC_DOC) return ND_OK;
    nd_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = ND_REC_DOC;
    rec.json = it->json;
    rec.format = it->format; /* input wiring */
    rec.text_col = it->text_col;
    rec.id_col = it->id_col;
    rec.data = b->bytes.p + it->data;
    rec.len = it->len;
    rec.path = it->path;
    rec.source = it->source;
    rec.line = it->line;
    rec.offset = it->offset;
    if (b->mode == MODE_SIGN) {
        it->sum = XXH3_64bits(rec.data, rec.len);
    } else if (XXH3_64bits(rec.data, rec.len) != it->sum) {
        it->status = ND_ECHANGED; /* not the bytes pass 1 signed */
        return ND_OK;
    }

    nd_doc doc;
    const char *msg = NULL;
    nd_status st = nd_decode(w->dec, &rec, &doc, &msg);
    if (st == ND_ENOMEM) return st;
    if (st != ND_OK) return item_message(b, it, st, msg);
    if (b->mode == MODE_TEXT) {
        for (size_t i = it->req_first; i < it->req_first + it->req_n; i++) {
            text_req *r = &b->reqs[i];
            if (r->start > doc.len || r->len > doc.len - r->start) {
                it->status = ND_ECHANGED; /* not the text pass 1 cut */
                return ND_OK;
            }
            if (nd_make_snippet(&b->strs, doc.text + r->start, r->len, &r->snip) != ND_OK)
                return ND_ENOMEM;
        }
        return ND_OK;
    }
    size_t bad = 0;
    st = nd_normalize(w->nz, doc.text, doc.len, &w->toks, &bad);
    if (st == ND_ENOMEM) return st;
    if (st == ND_EUTF8) {
        char m[160];
        if (it->json) {
            snprintf(m, sizeof m, "invalid UTF-8 at byte %zu of the \"%s\" field; skipped", bad,
                     w->opts->decode.text_field ? w->opts->decode.text_field : "text");
        } else {
            uint64_t nl = 0;
            for (size_t i = 0; i < bad; i++)
                nl += doc.text[i] == '\n';
            it->diag_line = it->line + nl;
            it->diag_offset = it->offset + bad;
            snprintf(m, sizeof m, "invalid UTF-8 at byte %zu; skipped", bad);
        }
        return item_message(b, it, ND_EUTF8, m);
    }
    if (w->toks.n == 0)
        return item_message(b, it, ND_ENOWORDS, "no words (only punctuation or symbols); skipped");
    it->ntokens = w->toks.n > UINT32_MAX ? UINT32_MAX : (uint32_t)w->toks.n;
    st = nd_shingle_hashes(&w->toks, 0, w->toks.n, w->opts->ngram, &w->scratch, &w->sh);
    if (st != ND_OK) return st;
    if (b->mode == MODE_SIGN) {
        unsigned k = nd_minhash_k(w->mh);
        nd_minhash_sign(w->mh, w->sh.v, w->sh.n, b->sigs + idx * k);
        if (nd_arena_put(&b->strs, doc.id, doc.id_len, &it->id) != ND_OK) return ND_ENOMEM;
        it->id_len = doc.id_len;
        if (w->opts->parts & (ND_PART_BLOCKS | ND_PART_SHORT | ND_PART_SHARED))
            return paragraph_pass(w, b, it, &doc);
        return ND_OK;
    }
    /* MODE_SET: the exact set, and a snippet for the report. */
    size_t n = nd_u64_sort_unique(w->sh.v, w->sh.n, &w->scratch);
    it->set.v = nd_malloc(n * sizeof *it->set.v);
    if (!it->set.v) return ND_ENOMEM;
    memcpy(it->set.v, w->sh.v, n * sizeof *it->set.v);
    it->set.n = n;
    return nd_make_snippet(&b->strs, doc.text, doc.len, &it->snippet);
}

static void process_batch(worker *w, batch *b)
{
    for (size_t i = 0; i < b->n && b->fatal == ND_OK; i++)
        b->fatal = process_item(w, b, i);
}

/* ---- the worker pool --------------------------------------------------------------------- */

static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    pool *p = ta->p;
    worker *w = ta->w;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->qlen == 0 && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->qlen == 0 && p->stop) break;
        batch *b = p->queue[p->qhead];
        p->qhead = (p->qhead + 1) % MAX_INFLIGHT;
        p->qlen--;
        pthread_mutex_unlock(&p->mu);
        process_batch(w, b);
        pthread_mutex_lock(&p->mu);
        b->done = 1;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

nd_status nd_pool_start(scan *s, unsigned n)
{
    pool *p = &s->pool;
    memset(p, 0, sizeof *p);
    if (n <= 1) return ND_OK;
    p->threads = nd_calloc(n, sizeof *p->threads);
    p->workers = nd_calloc(n, sizeof *p->workers);
    s->targs = nd_calloc(n, sizeof *s->targs);
    if (!p->threads || !p->workers || !s->targs) return ND_ENOMEM;
    if (pthread_mutex_init(&p->mu, NULL) != 0) return ND_ENOMEM;
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->nthreads = n;
    for (unsigned i = 0; i < n; i++) {
        if (nd_worker_init(&p->workers[i], &s->opts, s->mh, s->pmh) != ND_OK) return ND_ENOMEM;
        s->targs[i].p = p;
        s->targs[i].w = &p->workers[i];
        if (pthread_create(&p->threads[i], NULL, thread_main, &s->targs[i]) != 0) return ND_ENOMEM;
        p->started++;
    }
    return ND_OK;
}

void nd_pool_stop(scan *s)
{
    pool *p = &s->pool;
    if (p->nthreads) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
        for (unsigned i = 0; i < p->started; i++)
            pthread_join(p->threads[i], NULL);
        for (unsigned i = 0; i < p->nthreads; i++)
            nd_worker_clear(&p->workers[i]);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
    }
    nd_free(p->threads);
    nd_free(p->workers);
    nd_free(s->targs);
    memset(p, 0, sizeof *p);
    s->targs = NULL;
}

nd_status nd_get_batch(scan *s, int mode, batch **out)
{
    batch *b;
    if (s->nspare)
        b = s->spare[--s->nspare];
    else if (batch_create(s->k, &b) != ND_OK)
        return ND_ENOMEM;
    batch_reset(b, mode);
    *out = b;
    return ND_OK;
}

/* Hands a full batch to the workers (or processes it inline). */
void nd_submit(scan *s, batch *b)
{
    pool *p = &s->pool;
    s->ring[(s->ring_head + s->ring_len) % MAX_INFLIGHT] = b;
    s->ring_len++;
    if (!p->nthreads) {
        process_batch(&s->inline_worker, b);
        b->done = 1;
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->queue[(p->qhead + p->qlen) % MAX_INFLIGHT] = b;
    p->qlen++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

/* Waits for the oldest in-flight batch and removes it from the ring. */
batch *nd_wait_oldest(scan *s)
{
    batch *b = s->ring[s->ring_head];
    pool *p = &s->pool;
    if (p->nthreads) {
        pthread_mutex_lock(&p->mu);
        while (!b->done)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    s->ring_head = (s->ring_head + 1) % MAX_INFLIGHT;
    s->ring_len--;
    return b;
}

void nd_recycle(scan *s, batch *b)
{
    batch_reset(b, MODE_SIGN);
    s->spare[s->nspare++] = b;
}
