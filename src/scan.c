/*
 * scan.c - the pipeline (see scan.h).
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

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "xxh.h"

#include "neardup/alloc.h"
#include "grow.h"
#include "neardup/cluster.h"
#include "neardup/minhash.h"
#include "neardup/normalize.h"
#include "neardup/paragraphs.h"
#include "neardup/shingle.h"
#include "neardup/verify.h"

#define BATCH_BYTES ((size_t)1 << 20)
#define BATCH_ITEMS 1024u
#define MAX_INFLIGHT 16u
#define SNIPPET_BYTES 100u

/* ---- growable byte arena (offsets stay valid across growth) ------------------------------ */

typedef struct arena {
    char *p;
    size_t len, cap;
} arena;

static nd_status arena_put(arena *a, const char *s, size_t n, size_t *off)
{
    if (a->cap - a->len < n + 1) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap - a->len < n + 1)
            cap *= 2;
        char *p = nd_reallocarray(a->p, cap, 1);
        if (!p)
            return ND_ENOMEM;
        a->p = p;
        a->cap = cap;
    }
    if (n)
        memcpy(a->p + a->len, s, n);
    a->p[a->len + n] = '\0';
    *off = a->len;
    a->len += n + 1;
    return ND_OK;
}

static void arena_clear(arena *a)
{
    nd_free(a->p);
    memset(a, 0, sizeof *a);
}

/* ---- per-document records -------------------------------------------------------------- */

typedef struct docrec {
    uint64_t id_off; /* into priv->ids */
    uint64_t offset; /* record's byte offset in its source */
    uint64_t line;
    uint64_t sum;    /* XXH3 of the record's bytes: detects a file changed between passes */
    uint32_t source;
    uint32_t len;    /* record bytes */
    uint32_t ntokens;
    uint32_t snippet; /* offset + 1 into priv->strs, 0 = none */
} docrec;

typedef struct skiprec {
    size_t path_off, msg_off;
    uint64_t line;
    nd_status code;
} skiprec;

typedef struct set {
    uint64_t *v;
    size_t n;
} set;

typedef struct nd_scan_priv nd_scan_priv;
struct nd_scan_priv {
    arena ids;  /* document ids */
    arena strs; /* paths, messages, snippets */
    docrec *docs;
    size_t ndocs, capdocs;
    uint32_t *sigs; /* ndocs * k */
    skiprec *skips;
    size_t nskips, capskips;
    set *sets; /* pass 2: per document, NULL array until needed */
    nd_member *members;
    nd_group *groups;
    /* paragraph pass */
    nd_para_rec *precs;  /* long paragraphs of all documents, in document order */
    size_t nprecs, capprecs;
    nd_doc_repeats *reps;
    size_t nreps, capreps;
    nd_block_repeat *blocks; /* all reps' blocks, back to back */
    size_t *block_txt;       /* offsets into strs, per block */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    nd_shared_para *shared;
    nd_para_place *places;
    size_t *shared_txt;
    const char **block_ptrs;
    uint16_t *fps;       /* bigram fingerprints of all sentences (see nd_para_rec) */
    size_t nfps, capfps;
    nd_pair_sim *pairs;
    nd_doc_info *info;
    const char **sources;
};

/* ---- batches ------------------------------------------------------------------------------ */

enum { MODE_SIGN, MODE_SET };

typedef struct item {
    nd_record_kind kind;
    unsigned char json;
    size_t data, len;   /* raw bytes in batch->bytes */
    const char *path;   /* borrowed from the reader (a source's path: lives with it) */
    size_t path_str;    /* offset + 1 into batch->strs: a copy of the path of an error or
                           note record, whose path the reader frees at its next record */
    uint32_t source;
    uint64_t line, offset;
    nd_status status;   /* reader's or ours */
    size_t msg;         /* offset + 1 into batch->strs, 0 = none */
    uint64_t diag_line, diag_offset;
    /* results */
    size_t id;          /* offset into batch->strs */
    size_t id_len;
    uint32_t ntokens;
    uint64_t sum;
    uint32_t doc;       /* pass 2: the document */
    set set;            /* pass 2: the exact shingle set (owned until committed) */
    size_t snippet;     /* pass 2: offset + 1 into batch->strs */
    /* paragraph pass: ranges in the batch's arrays */
    size_t prec_first, prec_n, blk_first, blk_n, sh_first, sh_n;
    uint32_t words, rwords;
} item;

typedef struct batch {
    int mode;
    item *items;
    size_t n, cap;
    arena bytes;
    arena strs;
    uint32_t *sigs; /* BATCH_ITEMS * k */
    nd_para_rec *precs;
    size_t nprecs, capprecs;
    uint16_t *fps; /* the records' fingerprints; their fp_off is relative to this */
    size_t nfps, capfps;
    nd_block_repeat *blocks;
    size_t *block_txt; /* offset + 1 into strs */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    int done;
    nd_status fatal; /* ND_ENOMEM inside a worker */
} batch;

static void batch_reset(batch *b, int mode)
{
    for (size_t i = 0; i < b->n; i++)
        nd_free(b->items[i].set.v);
    b->mode = mode;
    b->n = 0;
    b->nprecs = b->nblocks = b->nshorts = b->nfps = 0;
    b->bytes.len = 0;
    b->strs.len = 0;
    b->done = 0;
    b->fatal = ND_OK;
}

static void batch_free(batch *b)
{
    if (!b)
        return;
    batch_reset(b, MODE_SIGN);
    nd_free(b->items);
    arena_clear(&b->bytes);
    arena_clear(&b->strs);
    nd_free(b->sigs);
    nd_free(b->precs);
    nd_free(b->fps);
    nd_free(b->blocks);
    nd_free(b->block_txt);
    nd_free(b->shorts);
    nd_free(b->short_txt);
    nd_free(b);
}

static nd_status batch_create(unsigned k, batch **out)
{
    batch *b = nd_calloc(1, sizeof *b);
    if (!b)
        return ND_ENOMEM;
    b->cap = BATCH_ITEMS;
    b->items = nd_calloc(b->cap, sizeof *b->items);
    b->sigs = nd_malloc((size_t)BATCH_ITEMS * k * sizeof *b->sigs);
    if (!b->items || !b->sigs) {
        batch_free(b);
        return ND_ENOMEM;
    }
    *out = b;
    return ND_OK;
}

static int batch_full(const batch *b)
{
    return b->n == b->cap || b->bytes.len >= BATCH_BYTES;
}

/* Copies a record into the batch. */
static nd_status batch_add(batch *b, const nd_record *rec, uint32_t doc, uint64_t sum)
{
    item *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->kind = rec->kind;
    it->json = rec->json;
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
        if ((st = arena_put(&b->bytes, rec->data, rec->len, &it->data)) != ND_OK)
            return st;
        it->len = rec->len;
    } else {
        size_t off;
        if (rec->message) {
            if ((st = arena_put(&b->strs, rec->message, strlen(rec->message), &off)) != ND_OK)
                return st;
            it->msg = off + 1;
        }
        if ((st = arena_put(&b->strs, rec->path, strlen(rec->path), &off)) != ND_OK)
            return st;
        it->path_str = off + 1;
    }
    b->n++;
    return ND_OK;
}

/* ---- the work on one document ---------------------------------------------------------- */

typedef struct worker {
    nd_normalizer *nz;
    nd_decoder *dec;
    nd_tokens toks;
    nd_u64s scratch, sh;
    const nd_minhash *mh;
    const nd_minhash *pmh; /* paragraph signatures */
    const nd_scan_opts *opts;
    nd_doc_paras dp;
} worker;

static void worker_clear(worker *w)
{
    nd_normalizer_free(w->nz);
    nd_decoder_free(w->dec);
    nd_tokens_clear(&w->toks);
    nd_u64s_clear(&w->scratch);
    nd_u64s_clear(&w->sh);
    nd_doc_paras_clear(&w->dp);
    memset(w, 0, sizeof *w);
}

static nd_status worker_init(worker *w, const nd_scan_opts *opts, const nd_minhash *mh,
                             const nd_minhash *pmh)
{
    memset(w, 0, sizeof *w);
    w->mh = mh;
    w->pmh = pmh;
    w->opts = opts;
    nd_tokens_init(&w->toks);
    if (nd_normalizer_create(&w->nz) != ND_OK || nd_decoder_create(&opts->decode, &w->dec) != ND_OK) {
        worker_clear(w);
        return ND_ENOMEM;
    }
    return ND_OK;
}

static nd_status item_message(batch *b, item *it, nd_status code, const char *msg)
{
    size_t off;
    it->status = code;
    if (arena_put(&b->strs, msg, strlen(msg), &off) != ND_OK)
        return ND_ENOMEM;
    it->msg = off + 1;
    return ND_OK;
}

/* Copies the start of text onto one line: whitespace runs become one space, at most
 * SNIPPET_BYTES bytes cut at a character boundary, "..." when cut. */
static nd_status make_snippet(arena *a, const char *text, size_t len, size_t *out)
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
        if (n + space + cl > SNIPPET_BYTES || i + cl > len)
            break;
        if (space)
            buf[n++] = ' ';
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
    if (arena_put(a, buf, n, &off) != ND_OK)
        return ND_ENOMEM;
    *out = off + 1;
    return ND_OK;
}

/* The paragraph pass over one signed document: its internal repeats, and its long
 * paragraphs for the cross-article pass. Token hashes are still in w->scratch. */
static nd_status paragraph_pass(worker *w, batch *b, item *it, const nd_doc *doc)
{
    const nd_scan_opts *o = w->opts;
    nd_doc_paras *dp = &w->dp;
    nd_status st = nd_paragraphs_analyze(&o->para, w->pmh, doc->text, doc->len, &w->toks,
                                         w->scratch.v, dp);
    if (st != ND_OK)
        return st;
    it->words = dp->words;
    it->rwords = dp->repeated_words;
    it->prec_first = b->nprecs;
    it->blk_first = b->nblocks;
    it->sh_first = b->nshorts;
    if (o->parts & ND_PART_SHARED) {
        for (size_t i = 0; i < dp->ns; i++) {
            const nd_sentence *se = &dp->s[i];
            ND_GROW(b->nprecs, b->capprecs, 256, b->precs);
            nd_para_rec *r = &b->precs[b->nprecs++];
            memset(r, 0, sizeof *r);
            r->key = se->key;
            memcpy(r->sig, se->sig, sizeof r->sig);
            r->line = dp->p[se->para].first_line;
            r->start = se->start;
            r->len = se->end - se->start;
            size_t nf = se->set_n < ND_SENT_FP_MAX ? se->set_n : ND_SENT_FP_MAX;
            if (b->capfps - b->nfps < nf) {
                size_t c = b->capfps ? b->capfps : 4096;
                while (c - b->nfps < nf)
                    c *= 2;
                uint16_t *v = nd_reallocarray(b->fps, c, sizeof *v);
                if (!v)
                    return ND_ENOMEM;
                b->fps = v;
                b->capfps = c;
            }
            r->fp_off = (uint32_t)b->nfps;
            uint16_t *fp = b->fps + b->nfps;
            for (size_t k = 0; k < nf; k++) {
                /* insertion sort as they come: a sentence has a few dozen bigrams */
                uint16_t x = (uint16_t)(dp->ssets.v[se->set_off + k] >> 48);
                size_t j = k;
                while (j > 0 && fp[j - 1] > x) {
                    fp[j] = fp[j - 1];
                    j--;
                }
                fp[j] = x;
            }
            size_t u = nf ? 1 : 0;
            for (size_t k = 1; k < nf; k++)
                if (fp[k] != fp[u - 1])
                    fp[u++] = fp[k];
            r->fp_n = (uint16_t)u;
            b->nfps += u;
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
            if (make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
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
            if (make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
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
    if (it->kind != ND_REC_DOC)
        return ND_OK;
    nd_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = ND_REC_DOC;
    rec.json = it->json;
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
    if (st == ND_ENOMEM)
        return st;
    if (st != ND_OK)
        return item_message(b, it, st, msg);
    size_t bad = 0;
    st = nd_normalize(w->nz, doc.text, doc.len, &w->toks, &bad);
    if (st == ND_ENOMEM)
        return st;
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
    if (st != ND_OK)
        return st;
    if (b->mode == MODE_SIGN) {
        unsigned k = nd_minhash_k(w->mh);
        nd_minhash_sign(w->mh, w->sh.v, w->sh.n, b->sigs + idx * k);
        if (arena_put(&b->strs, doc.id, doc.id_len, &it->id) != ND_OK)
            return ND_ENOMEM;
        it->id_len = doc.id_len;
        if (w->opts->parts & (ND_PART_BLOCKS | ND_PART_SHORT | ND_PART_SHARED))
            return paragraph_pass(w, b, it, &doc);
        return ND_OK;
    }
    /* MODE_SET: the exact set, and a snippet for the report. */
    size_t n = nd_u64_sort_unique(w->sh.v, w->sh.n, &w->scratch);
    it->set.v = nd_malloc(n * sizeof *it->set.v);
    if (!it->set.v)
        return ND_ENOMEM;
    memcpy(it->set.v, w->sh.v, n * sizeof *it->set.v);
    it->set.n = n;
    return make_snippet(&b->strs, doc.text, doc.len, &it->snippet);
}

static void process_batch(worker *w, batch *b)
{
    for (size_t i = 0; i < b->n && b->fatal == ND_OK; i++)
        b->fatal = process_item(w, b, i);
}

/* ---- the worker pool --------------------------------------------------------------------- */

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    batch *queue[MAX_INFLIGHT];
    size_t qhead, qlen;
    int stop;
    pthread_t *threads;
    worker *workers;
    unsigned nthreads, started;
} pool;

typedef struct thread_arg {
    pool *p;
    worker *w;
} thread_arg;

static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    pool *p = ta->p;
    worker *w = ta->w;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->qlen == 0 && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->qlen == 0 && p->stop)
            break;
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

/* ---- the scan state ------------------------------------------------------------------------ */

typedef struct scan {
    nd_scan_opts opts;
    nd_scan_result *res;
    nd_scan_priv *priv;
    nd_reader *reader;
    nd_minhash *mh;
    nd_minhash *pmh;
    unsigned k;
    worker inline_worker;
    pool pool;
    thread_arg *targs;
    batch *ring[MAX_INFLIGHT]; /* in-flight batches, oldest at ring_head */
    size_t ring_head, ring_len;
    batch *spare[MAX_INFLIGHT + 1];
    size_t nspare;
    size_t max_inflight;
} scan;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static nd_status pool_start(scan *s, unsigned n)
{
    pool *p = &s->pool;
    memset(p, 0, sizeof *p);
    if (n <= 1)
        return ND_OK;
    p->threads = nd_calloc(n, sizeof *p->threads);
    p->workers = nd_calloc(n, sizeof *p->workers);
    s->targs = nd_calloc(n, sizeof *s->targs);
    if (!p->threads || !p->workers || !s->targs)
        return ND_ENOMEM;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        return ND_ENOMEM;
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->nthreads = n;
    for (unsigned i = 0; i < n; i++) {
        if (worker_init(&p->workers[i], &s->opts, s->mh, s->pmh) != ND_OK)
            return ND_ENOMEM;
        s->targs[i].p = p;
        s->targs[i].w = &p->workers[i];
        if (pthread_create(&p->threads[i], NULL, thread_main, &s->targs[i]) != 0)
            return ND_ENOMEM;
        p->started++;
    }
    return ND_OK;
}

static void pool_stop(scan *s)
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
            worker_clear(&p->workers[i]);
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

static nd_status get_batch(scan *s, int mode, batch **out)
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
static void submit(scan *s, batch *b)
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
static batch *wait_oldest(scan *s)
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

static void recycle(scan *s, batch *b)
{
    batch_reset(b, MODE_SIGN);
    s->spare[s->nspare++] = b;
}

/* ---- committing results ---------------------------------------------------------------------- */

static void emit_diag(scan *s, nd_diag_level level, nd_status code, const char *path,
                      uint64_t line, uint64_t offset, const char *message)
{
    if (!s->opts.on_diag)
        return;
    nd_diag d;
    d.code = code;
    d.level = level;
    d.path = path;
    d.line = line;
    d.offset = offset;
    d.message = message;
    s->opts.on_diag(&d, s->opts.userdata);
}

static nd_status add_skip(scan *s, const char *path, uint64_t line, nd_status code,
                          const char *msg)
{
    nd_scan_priv *pv = s->priv;
    if (pv->nskips == pv->capskips) {
        size_t cap = pv->capskips ? pv->capskips * 2 : 16;
        skiprec *v = nd_reallocarray(pv->skips, cap, sizeof *v);
        if (!v)
            return ND_ENOMEM;
        pv->skips = v;
        pv->capskips = cap;
    }
    skiprec *r = &pv->skips[pv->nskips];
    if (arena_put(&pv->strs, path, strlen(path), &r->path_off) != ND_OK ||
        arena_put(&pv->strs, msg, strlen(msg), &r->msg_off) != ND_OK)
        return ND_ENOMEM;
    r->line = line;
    r->code = code;
    pv->nskips++;
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
            if (!v)
                return ND_ENOMEM;
            pv->precs = v;
            pv->capprecs = cap;
        }
        for (size_t j = 0; j < it->prec_n; j++) {
            nd_para_rec *r = &pv->precs[pv->nprecs];
            *r = b->precs[it->prec_first + j];
            r->doc = doc;
            if (pv->capfps - pv->nfps < r->fp_n) {
                size_t c = pv->capfps ? pv->capfps : 65536;
                while (c - pv->nfps < r->fp_n)
                    c *= 2;
                uint16_t *v = nd_reallocarray(pv->fps, c, sizeof *v);
                if (!v)
                    return ND_ENOMEM;
                pv->fps = v;
                pv->capfps = c;
            }
            if (pv->nfps + r->fp_n > UINT32_MAX)
                return ND_ENOMEM;
            memcpy(pv->fps + pv->nfps, b->fps + r->fp_off, r->fp_n * sizeof *pv->fps);
            r->fp_off = (uint32_t)pv->nfps;
            pv->nfps += r->fp_n;
            pv->nprecs++;
        }
    }
    if (!it->blk_n && !it->sh_n)
        return ND_OK;
    ND_GROW(pv->nreps, pv->capreps, 64, pv->reps);
    nd_doc_repeats *r = &pv->reps[pv->nreps];
    memset(r, 0, sizeof *r);
    r->doc = doc;
    r->words = it->words;
    r->repeated_words = it->rwords;
    r->doubled = it->words > 0 && (double)it->rwords >=
                                      s->opts.para.doubled_share * (double)it->words;
    r->nblocks = it->blk_n;
    r->nshort = it->sh_n;
    for (size_t j = 0; j < it->blk_n; j++) {
        ND_GROW2(pv->nblocks, pv->capblocks, 64, pv->blocks, pv->block_txt);
        const char *t = b->strs.p + b->block_txt[it->blk_first + j] - 1;
        if (arena_put(&pv->strs, t, strlen(t), &pv->block_txt[pv->nblocks]) != ND_OK)
            return ND_ENOMEM;
        pv->blocks[pv->nblocks++] = b->blocks[it->blk_first + j];
    }
    for (size_t j = 0; j < it->sh_n; j++) {
        ND_GROW2(pv->nshorts, pv->capshorts, 64, pv->shorts, pv->short_txt);
        const char *t = b->strs.p + b->short_txt[it->sh_first + j] - 1;
        if (arena_put(&pv->strs, t, strlen(t), &pv->short_txt[pv->nshorts]) != ND_OK)
            return ND_ENOMEM;
        pv->shorts[pv->nshorts++] = b->shorts[it->sh_first + j];
    }
    pv->nreps++;
    return ND_OK;
}

static nd_status commit_sign(scan *s, batch *b)
{
    nd_scan_priv *pv = s->priv;
    if (b->fatal != ND_OK)
        return b->fatal;
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        const char *msg = it->msg ? b->strs.p + it->msg - 1 : "";
        if (it->path_str)
            it->path = b->strs.p + it->path_str - 1;
        if (it->kind == ND_REC_NOTE) {
            emit_diag(s, ND_DIAG_WARNING, it->status, it->path, it->diag_line, it->diag_offset,
                      msg);
            s->res->nwarnings++;
            continue;
        }
        if (it->kind == ND_REC_ERROR || it->status != ND_OK) {
            emit_diag(s, ND_DIAG_ERROR, it->status, it->path, it->diag_line, it->diag_offset,
                      msg);
            if (add_skip(s, it->path, it->diag_line, it->status, msg) != ND_OK)
                return ND_ENOMEM;
            continue;
        }
        if (pv->ndocs >= UINT32_MAX - 1)
            return ND_EINVAL;
        if (pv->ndocs == pv->capdocs) {
            size_t cap = pv->capdocs ? pv->capdocs * 2 : 1024;
            docrec *d = nd_reallocarray(pv->docs, cap, sizeof *d);
            if (!d)
                return ND_ENOMEM;
            pv->docs = d;
            uint32_t *sg = nd_reallocarray(pv->sigs, cap * s->k, sizeof *sg);
            if (!sg)
                return ND_ENOMEM;
            pv->sigs = sg;
            pv->capdocs = cap;
        }
        docrec *d = &pv->docs[pv->ndocs];
        size_t off;
        if (arena_put(&pv->ids, b->strs.p + it->id, it->id_len, &off) != ND_OK)
            return ND_ENOMEM;
        d->id_off = off;
        d->offset = it->offset;
        d->line = it->line;
        d->sum = it->sum;
        d->source = it->source;
        d->len = (uint32_t)it->len;
        d->ntokens = it->ntokens;
        d->snippet = 0;
        memcpy(pv->sigs + pv->ndocs * s->k, b->sigs + i * s->k, s->k * sizeof *pv->sigs);
        if (commit_paragraphs(s, b, it, (uint32_t)pv->ndocs) != ND_OK)
            return ND_ENOMEM;
        pv->ndocs++;
        s->res->stats.bytes += it->len;
    }
    return ND_OK;
}

static nd_status commit_set(scan *s, batch *b)
{
    nd_scan_priv *pv = s->priv;
    if (b->fatal != ND_OK)
        return b->fatal;
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (it->status != ND_OK)
            return ND_ECHANGED; /* it was fine in pass 1 */
        pv->sets[it->doc] = it->set;
        it->set.v = NULL;
        const char *sn = b->strs.p + it->snippet - 1;
        size_t off;
        if (arena_put(&pv->strs, sn, strlen(sn), &off) != ND_OK)
            return ND_ENOMEM;
        if (off + 1 > UINT32_MAX)
            return ND_ENOMEM;
        pv->docs[it->doc].snippet = (uint32_t)(off + 1);
    }
    return ND_OK;
}

static nd_status drain(scan *s, size_t keep)
{
    while (s->ring_len > keep) {
        batch *b = wait_oldest(s);
        nd_status st = b->mode == MODE_SIGN ? commit_sign(s, b) : commit_set(s, b);
        recycle(s, b);
        if (st != ND_OK)
            return st;
    }
    return ND_OK;
}

/* ---- pass 1 ------------------------------------------------------------------------------------ */

static nd_status pass1(scan *s)
{
    batch *b = NULL;
    nd_status st;
    for (;;) {
        nd_record rec;
        st = nd_reader_next(s->reader, &rec);
        if (st == ND_END)
            break;
        if (st != ND_OK)
            goto out;
        if (!b && (st = get_batch(s, MODE_SIGN, &b)) != ND_OK)
            goto out;
        if ((st = batch_add(b, &rec, 0, 0)) != ND_OK)
            goto out;
        if (batch_full(b)) {
            submit(s, b);
            b = NULL;
            if ((st = drain(s, s->max_inflight - 1)) != ND_OK)
                goto out;
        }
    }
    st = ND_OK;
    if (b) {
        submit(s, b);
        b = NULL;
    }
    st = drain(s, 0);
out:
    if (b)
        recycle(s, b);
    return st;
}

/* ---- pass 2 ------------------------------------------------------------------------------------ */

/* Reads again the documents whose need[] is set and builds their exact sets. */
static nd_status pass2(scan *s, const unsigned char *need, int mode)
{
    nd_scan_priv *pv = s->priv;
    batch *b = NULL;
    nd_status st = ND_OK;
    for (size_t i = 0; i < pv->ndocs; i++) {
        if (!need[i] || (mode == MODE_SET && pv->sets[i].v))
            continue;
        const docrec *d = &pv->docs[i];
        nd_record rec;
        st = nd_reader_fetch(s->reader, d->source, d->offset, d->len, d->line, &rec);
        if (st != ND_OK)
            goto out;
        if (!b && (st = get_batch(s, mode, &b)) != ND_OK)
            goto out;
        if ((st = batch_add(b, &rec, (uint32_t)i, d->sum)) != ND_OK)
            goto out;
        if (mode == MODE_SET)
            s->res->stats.refetched++;
        if (batch_full(b)) {
            submit(s, b);
            b = NULL;
            if ((st = drain(s, s->max_inflight - 1)) != ND_OK)
                goto out;
        }
    }
    if (b) {
        submit(s, b);
        b = NULL;
    }
    st = drain(s, 0);
out:
    if (b)
        recycle(s, b);
    return st;
}

/* ---- verification, groups, result -------------------------------------------------------------- */

static nd_status push_pair_sim(nd_pair_sim **v, size_t *n, size_t *cap, nd_pair_sim ps)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        nd_pair_sim *p = nd_reallocarray(*v, c, sizeof *p);
        if (!p)
            return ND_ENOMEM;
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
            if ((double)eq < need_eq)
                continue;
            ps.jaccard = (double)eq / (double)s->k;
        } else {
            nd_sim sim = nd_verify_exact(pv->sets[a].v, pv->sets[a].n, pv->sets[b].v,
                                         pv->sets[b].n);
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
    if (!pv->groups || !pv->members)
        return ND_ENOMEM;
    for (size_t k = 0; k < g->n; k++) {
        nd_group *gr = &pv->groups[k];
        gr->members = pv->members + g->start[k];
        gr->nmembers = g->start[k + 1] - g->start[k];
        uint32_t rep = g->members[g->start[k]];
        for (size_t m = 0; m < gr->nmembers; m++) {
            uint32_t d = g->members[g->start[k] + m];
            nd_member *mb = &gr->members[m];
            mb->doc = d;
            nd_sim sim = nd_verify_exact(pv->sets[d].v, pv->sets[d].n, pv->sets[rep].v,
                                         pv->sets[rep].n);
            mb->jaccard = sim.jaccard;
            mb->containment = sim.contain_a;
            mb->snippet = pv->docs[d].snippet ? pv->strs.p + pv->docs[d].snippet - 1 : "";
        }
    }
    res->groups = pv->groups;
    res->ngroups = g->n;
    return ND_OK;
}

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
static nd_status shared_pass(scan *s, const nd_groups *ag)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    nd_para_groups pg = {0};
    uint32_t *agid = NULL;
    uint64_t *order = NULL, *sig = NULL;
    size_t *pstart = NULL;
    nd_pairs near = {0};
    nd_uf *uf = NULL;
    nd_status st = nd_uf_create(pv->nprecs, &uf);
    if (st != ND_OK)
        return st;
    agid = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *agid);
    if (!agid) {
        st = ND_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < ag->n; k++)
        for (size_t m = ag->start[k]; m < ag->start[k + 1]; m++)
            agid[ag->members[m]] = (uint32_t)(k + 1);
    if ((st = nd_para_link(pv->precs, pv->nprecs, s->opts.para.threshold, s->opts.threads, uf,
                           &near)) != ND_OK)
        goto out;
    /* Near candidates between articles of one near-duplicate group are not reported:
     * drop them before paying for their verification. */
    size_t w = 0;
    for (size_t i = 0; i < near.n; i++) {
        uint32_t da = pv->precs[near.v[i].a].doc, db = pv->precs[near.v[i].b].doc;
        /* Nor those whose sentences other matches already joined. */
        if (!(agid[da] && agid[da] == agid[db]) &&
            nd_uf_find(uf, near.v[i].a) != nd_uf_find(uf, near.v[i].b))
            near.v[w++] = near.v[i];
    }
    near.n = w;
    /* Exact verification of the pairs the estimate left just below the threshold (unless
     * other matches joined them meanwhile: the components do not depend on the order). */
    for (size_t i = 0; i < near.n; i++) {
        if (nd_uf_find(uf, near.v[i].a) == nd_uf_find(uf, near.v[i].b))
            continue;
        const nd_para_rec *ra = &pv->precs[near.v[i].a], *rb = &pv->precs[near.v[i].b];
        if (nd_sent_similar(pv->fps + ra->fp_off, ra->fp_n, pv->fps + rb->fp_off, rb->fp_n,
                            s->opts.para.threshold))
            nd_uf_union(uf, near.v[i].a, near.v[i].b);
    }
    if ((st = nd_para_group(pv->precs, pv->nprecs, uf, &pg)) != ND_OK)
        goto out;
    st = ND_ENOMEM;
    size_t total = pg.n ? pg.start[pg.n] : 0;
    pv->places = nd_malloc((total ? total : 1) * sizeof *pv->places);
    pstart = nd_malloc((pg.n + 1) * sizeof *pstart);
    sig = nd_malloc((pg.n ? pg.n : 1) * 2 * sizeof *sig);
    if (!pv->places || !pstart || !sig)
        goto out;
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
    if (!pv->shared || !pv->shared_txt || !order)
        goto out;
    size_t k = 0;
    double share_docs = s->opts.boilerplate_share * (double)pv->ndocs;
    for (size_t g = 0; g < pg.n; g++) {
        if (!pg.ndocs[g])
            continue;
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
    qsort(order, kept, 2 * sizeof *order, u64_cmp);
    nd_decoder *dec = s->inline_worker.dec;
    for (size_t i = 0; i < kept;) {
        uint32_t d = (uint32_t)(order[2 * i] >> 32);
        const docrec *dr = &pv->docs[d];
        nd_record rec;
        nd_doc doc;
        const char *msg;
        if ((st = nd_reader_fetch(s->reader, dr->source, dr->offset, dr->len, dr->line, &rec)) !=
            ND_OK)
            goto out;
        if (XXH3_64bits(rec.data, rec.len) != dr->sum || nd_decode(dec, &rec, &doc, &msg) != ND_OK) {
            st = ND_ECHANGED;
            goto out;
        }
        for (; i < kept && (uint32_t)(order[2 * i] >> 32) == d; i++) {
            size_t g = (size_t)(order[2 * i] & 0xffffffffu);
            size_t start = (size_t)(order[2 * i + 1] >> 32), len = order[2 * i + 1] & 0xffffffffu;
            if (start + len > doc.len) {
                st = ND_ECHANGED;
                goto out;
            }
            if ((st = make_snippet(&pv->strs, doc.text + start, len, &pv->shared_txt[g])) != ND_OK)
                goto out;
        }
    }
    res->shared = pv->shared;
    st = ND_OK;
out:
    nd_free(agid);
    nd_free(order);
    nd_free(sig);
    nd_free(pstart);
    nd_pairs_clear(&near);
    nd_uf_free(uf);
    nd_para_groups_clear(&pg);
    return st;
}

static nd_status finish_result(scan *s)
{
    nd_scan_priv *pv = s->priv;
    nd_scan_result *res = s->res;
    res->ndocs = pv->ndocs;
    pv->info = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *pv->info);
    if (!pv->info)
        return ND_ENOMEM;
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
        if (arena_put(&pv->strs, p, strlen(p), &offs[i]) != ND_OK) {
            nd_free(offs);
            return ND_ENOMEM;
        }
    }
    res->skipped = nd_calloc(pv->nskips ? pv->nskips : 1, sizeof *res->skipped);
    if (!res->skipped) {
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
    pv->block_ptrs = nd_calloc(pv->nblocks ? pv->nblocks : 1, sizeof *pv->block_ptrs);
    if (!pv->block_ptrs)
        return ND_ENOMEM;
    for (size_t i = 0; i < pv->nblocks; i++)
        pv->block_ptrs[i] = pv->strs.p + pv->block_txt[i];
    for (size_t i = 0; i < pv->nshorts; i++)
        pv->shorts[i].text = pv->strs.p + pv->short_txt[i];
    size_t fb = 0, fs = 0;
    for (size_t i = 0; i < pv->nreps; i++) {
        nd_doc_repeats *r = &pv->reps[i];
        r->blocks = pv->blocks + fb;
        r->block_text = pv->block_ptrs + fb;
        r->shorts = pv->shorts + fs;
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

/* ---- public -------------------------------------------------------------------------------------- */

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
    if (!res)
        return;
    nd_scan_priv *pv = res->priv;
    if (pv) {
        arena_clear(&pv->ids);
        arena_clear(&pv->strs);
        nd_free(pv->docs);
        nd_free(pv->sigs);
        nd_free(pv->skips);
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
    nd_free(res);
}

static void free_sets(nd_scan_priv *pv)
{
    if (!pv->sets)
        return;
    for (size_t i = 0; i < pv->ndocs; i++)
        nd_free(pv->sets[i].v);
    nd_free(pv->sets);
    pv->sets = NULL;
}

nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                  nd_scan_result **out)
{
    if (!opts || npaths == 0)
        return ND_EINVAL;
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
    if (!s->res)
        return ND_ENOMEM;
    s->priv = s->res->priv = nd_calloc(1, sizeof *s->priv);
    if (!s->priv)
        goto out;
    if (s->opts.threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->opts.threads = n > 0 ? (unsigned)n : 1;
    }
    if (s->opts.threads > 256)
        s->opts.threads = 256;
    s->k = s->opts.perms;
    s->opts.para.want_sentences = (s->opts.parts & ND_PART_SHARED) != 0;
    if (s->opts.bands) {
        s->res->lsh.bands = s->opts.bands;
        s->res->lsh.rows = s->k / s->opts.bands;
    } else if ((st = nd_lsh_params_for(s->opts.threshold, s->k, &s->res->lsh)) != ND_OK) {
        goto out;
    }
    if ((st = nd_minhash_create(s->k, ND_MINHASH_SEED, &s->mh)) != ND_OK)
        goto out;
    if ((st = nd_minhash_create(ND_PARA_PERMS, ND_PARA_SEED, &s->pmh)) != ND_OK)
        goto out;
    if ((st = nd_reader_create(&s->opts.input, paths, npaths, &s->reader)) != ND_OK)
        goto out;
    if ((st = worker_init(&s->inline_worker, &s->opts, s->mh, s->pmh)) != ND_OK)
        goto out;
    unsigned nthreads = s->opts.threads > 1 ? s->opts.threads : 0;
    s->max_inflight = nthreads ? (2 * nthreads + 2 < MAX_INFLIGHT ? 2 * nthreads + 2 : MAX_INFLIGHT)
                               : 1;
    if ((st = pool_start(s, nthreads)) != ND_OK)
        goto out;
    s->res->stats.threads = s->opts.threads;

    double t0 = now();
    if ((st = pass1(s)) != ND_OK)
        goto out;
    double t1 = now();
    nd_scan_priv *pv = s->priv;
    if ((st = nd_lsh_candidates_mt(pv->sigs, pv->ndocs, s->k, NULL, &s->res->lsh, 0,
                                   s->opts.threads, &cand, &s->res->stats.capped_buckets)) != ND_OK)
        goto out;
    s->res->stats.candidates = cand.n;
    double t2 = now();

    st = ND_ENOMEM;
    pv->sets = nd_calloc(pv->ndocs ? pv->ndocs : 1, sizeof *pv->sets);
    need = nd_calloc(pv->ndocs ? pv->ndocs : 1, 1);
    if (!pv->sets || !need)
        goto out;
    double t3 = t2, t4 = t2;
    if (!s->opts.verify_estimate) {
        for (size_t i = 0; i < cand.n; i++)
            need[cand.v[i].a] = need[cand.v[i].b] = 1;
        if ((st = pass2(s, need, MODE_SET)) != ND_OK)
            goto out;
        t3 = now();
        if ((st = verify_pairs(s, &cand, &ok)) != ND_OK)
            goto out;
        t4 = now();
    } else {
        if ((st = verify_pairs(s, &cand, &ok)) != ND_OK)
            goto out;
        t4 = now();
        for (size_t i = 0; i < ok.n; i++)
            need[ok.v[i].a] = need[ok.v[i].b] = 1;
        if ((st = pass2(s, need, MODE_SET)) != ND_OK)
            goto out;
        t3 = now();
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
    if (st != ND_OK)
        goto out;
    if ((st = build_groups(s, &groups)) != ND_OK)
        goto out;
    free_sets(pv);
    double t5 = now();
    s->res->stats.paragraphs = pv->nprecs;
    if ((s->opts.parts & ND_PART_SHARED) && (st = shared_pass(s, &groups)) != ND_OK)
        goto out;
    double t6 = now();
    if ((st = finish_result(s)) != ND_OK)
        goto out;
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
    s->res->opts = s->opts;
    s->res->opts.on_diag = NULL;
    s->res->opts.userdata = NULL;
    s->res->opts.decode.text_field = NULL;
    s->res->opts.decode.id_field = NULL;
    st = ND_OK;
out:
    pool_stop(s);
    while (s->ring_len) {
        batch *b = s->ring[s->ring_head];
        s->ring_head = (s->ring_head + 1) % MAX_INFLIGHT;
        s->ring_len--;
        batch_free(b);
    }
    for (size_t i = 0; i < s->nspare; i++)
        batch_free(s->spare[i]);
    worker_clear(&s->inline_worker);
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
