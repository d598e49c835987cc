/*
 * clock.h - monotonic wall time for the stage timings (--stats).
 */
#ifndef NEARDUP_CLOCK_H
#define NEARDUP_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock. */
static inline double nd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
