/*
 * writeback.c - the thread of writeback.h.
 */
#ifdef __linux__
#define _GNU_SOURCE /* sync_file_range */
#endif

#include "writeback.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define WB_FILES 4

struct nd_writeback {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    unsigned period_ms;
    size_t n;
    int fd[WB_FILES];
    uint64_t calls;
};

#ifdef __linux__

/* One round: each file's dirty pages sent to the disk. */
static void wb_round(nd_writeback *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->fd[i] >= 0 && sync_file_range(w->fd[i], 0, 0, SYNC_FILE_RANGE_WRITE) == 0)
            w->calls++;
}

/* A round at once, then one each period until stopped. */
static void *wb_main(void *arg)
{
    nd_writeback *w = arg;
    for (;;) {
        wb_round(w);
        pthread_mutex_lock(&w->mu);
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += (long)(w->period_ms % 1000) * 1000000L;
        t.tv_sec += (time_t)(w->period_ms / 1000) + t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &t) != ETIMEDOUT) {
        }
        int stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop) return NULL;
    }
}

nd_writeback *nd_writeback_start(const int *fds, size_t n, unsigned period_ms)
{
    if (n > WB_FILES) n = WB_FILES;
    nd_writeback *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->period_ms = period_ms ? period_ms : 1;
    for (size_t i = 0; i < n; i++)
        w->fd[i] = fds[i];
    w->n = n;
    if (pthread_mutex_init(&w->mu, NULL) != 0) goto fail;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        goto fail;
    }
    if (pthread_create(&w->tid, NULL, wb_main, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        goto fail;
    }
    return w;
fail:
    free(w);
    return NULL;
}

uint64_t nd_writeback_stop(nd_writeback *w)
{
    if (!w) return 0;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    uint64_t calls = w->calls;
    free(w);
    return calls;
}

#else /* not Linux: nothing to do */

nd_writeback *nd_writeback_start(const int *fds, size_t n, unsigned period_ms)
{
    (void)fds;
    (void)n;
    (void)period_ms;
    return NULL;
}

uint64_t nd_writeback_stop(nd_writeback *w)
{
    (void)w;
    return 0;
}

#endif
