/*
 * threads.h - running one stage's share of work on each of a few threads.
 */
#ifndef NEARDUP_THREADS_H
#define NEARDUP_THREADS_H

#include <pthread.h>
#include <stddef.h>

#define ND_MAX_THREADS 256u

/* Runs fn on each of ctx[0 .. threads) (elements of `size` bytes): the first on the calling
 * thread, the others on threads of their own, joined before it returns. A share whose
 * thread cannot be started (or beyond ND_MAX_THREADS) runs on the calling thread instead,
 * so every share runs exactly once whatever the system allows. */
static inline void nd_run_threads(void *(*fn)(void *), void *ctx, size_t size, unsigned threads)
{
    pthread_t tid[ND_MAX_THREADS];
    unsigned char started[ND_MAX_THREADS] = {0};
    char *c = ctx;
    for (unsigned t = 1; t < threads && t < ND_MAX_THREADS; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, c + t * size) == 0;
    fn(c);
    for (unsigned t = 1; t < threads; t++)
        if (t < ND_MAX_THREADS && started[t])
            pthread_join(tid[t], NULL);
        else
            fn(c + t * size);
}

#endif
