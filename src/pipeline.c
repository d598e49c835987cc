/*
 * pipeline.c - the worker pool, the ring of batches in flight, and passes (see pipeline.h).
 *
 * A queue (under one mutex) hands batches to the workers; `done` tells the committing
 * thread a batch is finished. The ring holds the batches in flight in the order they were
 * filled: at most max_inflight (2 per worker + 2), so a slow batch never lets the reader
 * run unboundedly ahead. Committed batches are reset and kept as spares.
 */
#include "pipeline.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#define MAX_INFLIGHT 16u

typedef struct thread_arg {
    nd_pipeline *pl;
    nd_worker *w;
} thread_arg;

struct nd_pipeline {
    unsigned k;
    nd_worker inline_worker; /* without threads */
    /* the pool */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    nd_batch *queue[MAX_INFLIGHT];
    size_t qhead, qlen;
    int stop;
    pthread_t *threads;
    nd_worker *workers;
    thread_arg *targs;
    unsigned nthreads, started;
    /* batches in flight, oldest at ring_head, and spares */
    nd_batch *ring[MAX_INFLIGHT];
    size_t ring_head, ring_len, max_inflight;
    nd_batch *spare[MAX_INFLIGHT + 1];
    size_t nspare;
};

static void *thread_main(void *arg)
{
    thread_arg *ta = arg;
    nd_pipeline *pl = ta->pl;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (pl->qlen == 0 && !pl->stop)
            pthread_cond_wait(&pl->work, &pl->mu);
        if (pl->qlen == 0 && pl->stop) break;
        nd_batch *b = pl->queue[pl->qhead];
        pl->qhead = (pl->qhead + 1) % MAX_INFLIGHT;
        pl->qlen--;
        pthread_mutex_unlock(&pl->mu);
        nd_process_batch(ta->w, b);
        pthread_mutex_lock(&pl->mu);
        b->done = 1;
        pthread_cond_broadcast(&pl->done);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* Starts n worker threads; on failure nd_pipeline_free still cleans up what started. */
static nd_status start_pool(nd_pipeline *pl, const nd_scan_opts *opts, const nd_minhash *mh,
                            const nd_minhash *pmh, unsigned n)
{
    pl->threads = nd_calloc(n, sizeof *pl->threads);
    pl->workers = nd_calloc(n, sizeof *pl->workers);
    pl->targs = nd_calloc(n, sizeof *pl->targs);
    if (!pl->threads || !pl->workers || !pl->targs) return ND_ENOMEM;
    if (pthread_mutex_init(&pl->mu, NULL) != 0) return ND_ENOMEM;
    pthread_cond_init(&pl->work, NULL);
    pthread_cond_init(&pl->done, NULL);
    pl->nthreads = n;
    for (unsigned i = 0; i < n; i++) {
        if (nd_worker_init(&pl->workers[i], opts, mh, pmh) != ND_OK) return ND_ENOMEM;
        pl->targs[i].pl = pl;
        pl->targs[i].w = &pl->workers[i];
        if (pthread_create(&pl->threads[i], NULL, thread_main, &pl->targs[i]) != 0)
            return ND_ENOMEM;
        pl->started++;
    }
    return ND_OK;
}

nd_status nd_pipeline_create(const nd_scan_opts *opts, const nd_minhash *mh, const nd_minhash *pmh,
                             unsigned k, unsigned threads, nd_pipeline **out)
{
    nd_pipeline *pl = nd_calloc(1, sizeof *pl);
    if (!pl) return ND_ENOMEM;
    pl->k = k;
    unsigned n = threads > 1 ? threads : 0;
    pl->max_inflight = n ? (2 * n + 2 < MAX_INFLIGHT ? 2 * n + 2 : MAX_INFLIGHT) : 1;
    nd_status st = nd_worker_init(&pl->inline_worker, opts, mh, pmh);
    if (st == ND_OK && n) st = start_pool(pl, opts, mh, pmh, n);
    if (st != ND_OK) {
        nd_pipeline_free(pl);
        return st;
    }
    *out = pl;
    return ND_OK;
}

void nd_pipeline_free(nd_pipeline *pl)
{
    if (!pl) return;
    if (pl->nthreads) {
        pthread_mutex_lock(&pl->mu);
        pl->stop = 1;
        pthread_cond_broadcast(&pl->work);
        pthread_mutex_unlock(&pl->mu);
        for (unsigned i = 0; i < pl->started; i++)
            pthread_join(pl->threads[i], NULL);
        for (unsigned i = 0; i < pl->nthreads; i++)
            nd_worker_clear(&pl->workers[i]);
        pthread_mutex_destroy(&pl->mu);
        pthread_cond_destroy(&pl->work);
        pthread_cond_destroy(&pl->done);
    }
    nd_free(pl->threads);
    nd_free(pl->workers);
    nd_free(pl->targs);
    while (pl->ring_len) {
        nd_batch_free(pl->ring[pl->ring_head]);
        pl->ring_head = (pl->ring_head + 1) % MAX_INFLIGHT;
        pl->ring_len--;
    }
    for (size_t i = 0; i < pl->nspare; i++)
        nd_batch_free(pl->spare[i]);
    nd_worker_clear(&pl->inline_worker);
    nd_free(pl);
}

void nd_pipeline_trim(nd_pipeline *pl)
{
    assert(pl->ring_len == 0);
    for (size_t i = 0; i < pl->nspare; i++)
        nd_batch_trim(pl->spare[i]);
}

/* A reset batch in the given mode: a spare one, or a new one. */
static nd_status get_batch(nd_pipeline *pl, int mode, nd_batch **out)
{
    nd_batch *b;
    if (pl->nspare)
        b = pl->spare[--pl->nspare];
    else if (nd_batch_create(pl->k, &b) != ND_OK)
        return ND_ENOMEM;
    nd_batch_reset(b, mode);
    *out = b;
    return ND_OK;
}

static void recycle(nd_pipeline *pl, nd_batch *b)
{
    assert(pl->nspare < MAX_INFLIGHT + 1);
    nd_batch_reset(b, ND_MODE_SIGN);
    pl->spare[pl->nspare++] = b;
}

/* Appends b to the ring and hands it to the workers (or processes it inline). */
static void submit(nd_pipeline *pl, nd_batch *b)
{
    assert(pl->ring_len < pl->max_inflight);
    pl->ring[(pl->ring_head + pl->ring_len) % MAX_INFLIGHT] = b;
    pl->ring_len++;
    if (!pl->nthreads) {
        nd_process_batch(&pl->inline_worker, b);
        b->done = 1;
        return;
    }
    pthread_mutex_lock(&pl->mu);
    pl->queue[(pl->qhead + pl->qlen) % MAX_INFLIGHT] = b;
    pl->qlen++;
    pthread_cond_signal(&pl->work);
    pthread_mutex_unlock(&pl->mu);
}

/* Waits for the oldest batch in flight and removes it from the ring. */
static nd_batch *wait_oldest(nd_pipeline *pl)
{
    nd_batch *b = pl->ring[pl->ring_head];
    if (pl->nthreads) {
        pthread_mutex_lock(&pl->mu);
        while (!b->done)
            pthread_cond_wait(&pl->done, &pl->mu);
        pthread_mutex_unlock(&pl->mu);
    }
    pl->ring_head = (pl->ring_head + 1) % MAX_INFLIGHT;
    pl->ring_len--;
    return b;
}

/* Commits the oldest batches until at most `keep` are in flight. */
static nd_status drain(nd_pass *p, size_t keep)
{
    nd_pipeline *pl = p->pl;
    while (pl->ring_len > keep) {
        nd_batch *b = wait_oldest(pl);
        nd_status st = b->fatal != ND_OK ? b->fatal : p->commit(p->ctx, b);
        recycle(pl, b);
        if (st != ND_OK) return st;
    }
    return ND_OK;
}

void nd_pass_begin(nd_pass *p, nd_pipeline *pl, int mode, nd_commit_fn commit, void *ctx)
{
    p->pl = pl;
    p->mode = mode;
    p->commit = commit;
    p->ctx = ctx;
    p->cur = NULL;
}

nd_status nd_pass_add(nd_pass *p, const nd_record *rec, uint32_t doc, uint64_t sum)
{
    nd_status st;
    if (p->cur && nd_batch_full(p->cur)) {
        submit(p->pl, p->cur);
        p->cur = NULL;
        if ((st = drain(p, p->pl->max_inflight - 1)) != ND_OK) return st;
    }
    if (!p->cur && (st = get_batch(p->pl, p->mode, &p->cur)) != ND_OK) return st;
    return nd_batch_add(p->cur, rec, doc, sum);
}

nd_status nd_pass_add_req(nd_pass *p, size_t start, size_t len, size_t slot)
{
    assert(p->cur && p->cur->n > 0);
    return nd_batch_add_req(p->cur, start, len, slot);
}

nd_status nd_pass_end(nd_pass *p, nd_status st)
{
    nd_pipeline *pl = p->pl;
    if (st != ND_OK) {
        if (p->cur) recycle(pl, p->cur);
        p->cur = NULL;
        /* What is in flight is committed by nobody: wait for it, then drop it. */
        while (pl->ring_len)
            recycle(pl, wait_oldest(pl));
        return st;
    }
    if (p->cur) submit(pl, p->cur);
    p->cur = NULL;
    st = drain(p, 0);
    while (pl->ring_len)
        recycle(pl, wait_oldest(pl));
    return st;
}
