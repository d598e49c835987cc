/*
 * grow.h - making room in growable arrays, for functions that return nd_status.
 *
 * ND_GROW(n, cap, init, p) makes room for element n of array p of capacity cap (doubling,
 * first `init`); ND_GROW2 does the same for two parallel arrays sharing n and cap. On
 * failure they return ND_ENOMEM from the calling function, leaving p (and cap) as they
 * were: a caller frees what it owns in its own clear function.
 */
#ifndef NEARDUP_GROW_H
#define NEARDUP_GROW_H

#include "neardup/alloc.h"

#define ND_GROW(n, cap, init, p1)                                                                  \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t c_ = (cap) ? (cap)*2 : (init);                                                  \
            void *q1_ = nd_reallocarray((p1), c_, sizeof *(p1));                                   \
            if (!q1_) return ND_ENOMEM;                                                            \
            (p1) = q1_;                                                                            \
            (cap) = c_;                                                                            \
        }                                                                                          \
    } while (0)

#define ND_GROW2(n, cap, init, p1, p2)                                                             \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            size_t c_ = (cap) ? (cap)*2 : (init);                                                  \
            void *q1_ = nd_reallocarray((p1), c_, sizeof *(p1));                                   \
            if (!q1_) return ND_ENOMEM;                                                            \
            (p1) = q1_;                                                                            \
            void *q2_ = nd_reallocarray((p2), c_, sizeof *(p2));                                   \
            if (!q2_) return ND_ENOMEM;                                                            \
            (p2) = q2_;                                                                            \
            (cap) = c_;                                                                            \
        }                                                                                          \
    } while (0)

#endif
