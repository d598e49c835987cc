/*
 * containers.h - the library's small generic containers: growable arrays, a byte arena, a
 * list of 64-bit values and a list of document pairs.
 *
 * Growth is one rule everywhere: capacity doubles from a first size until it holds what is
 * needed (amortised O(1) appends, O(log n) reallocations). ND_RESERVE and ND_GROW make room
 * in any array; on failure they return ND_ENOMEM from the calling function and leave the
 * array and its capacity as they were, so the caller's own clear function still frees it.
 * Private to neardup_core.
 */
#ifndef NEARDUP_CONTAINERS_H
#define NEARDUP_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "neardup/status.h"

/* The array p (capacity *cap elements of `size` bytes) reallocated to hold at least `need`:
 * the new pointer (*cap updated), or NULL without memory (p and *cap unchanged). */
void *nd_grow_array(void *p, size_t *cap, size_t need, size_t size, size_t init);

/* Room for `need` elements in p (capacity cap, doubling from init); returns ND_ENOMEM from
 * the calling function on failure. */
#define ND_RESERVE(p, cap, need, init)                                                             \
    do {                                                                                           \
        if ((need) > (cap)) {                                                                      \
            void *q_ = nd_grow_array((p), &(cap), (need), sizeof *(p), (init));                    \
            if (!q_) return ND_ENOMEM;                                                             \
            (p) = q_;                                                                              \
        }                                                                                          \
    } while (0)

/* Room for element n (one more append). */
#define ND_GROW(n, cap, init, p) ND_RESERVE(p, cap, (size_t)(n) + 1, init)

/* The same for two parallel arrays sharing n and cap (both grown, or neither kept larger
 * than the other: cap changes only once both have room). */
#define ND_GROW2(n, cap, init, p1, p2)                                                             \
    do {                                                                                           \
        if ((size_t)(n) + 1 > (cap)) {                                                             \
            size_t c1_ = (cap), c2_ = (cap);                                                       \
            void *q1_ = nd_grow_array((p1), &c1_, (size_t)(n) + 1, sizeof *(p1), (init));          \
            if (!q1_) return ND_ENOMEM;                                                            \
            (p1) = q1_;                                                                            \
            void *q2_ = nd_grow_array((p2), &c2_, c1_, sizeof *(p2), (init));                      \
            if (!q2_) return ND_ENOMEM;                                                            \
            (p2) = q2_;                                                                            \
            (cap) = c1_;                                                                           \
        }                                                                                          \
    } while (0)

/* A growable array of 64-bit values. Initialise to {0}; release with nd_u64s_clear. */
typedef struct nd_u64s {
    uint64_t *v;
    size_t n, cap;
} nd_u64s;

void nd_u64s_clear(nd_u64s *a);
/* Makes room for at least `need` values. ND_OK or ND_ENOMEM (a is then unchanged). */
nd_status nd_u64s_reserve(nd_u64s *a, size_t need);

/* A pair of document (or record) indices, a < b. */
typedef struct nd_pair {
    uint32_t a, b;
} nd_pair;

/* A growable list of pairs. Initialise to {0}; release with nd_pairs_clear. */
typedef struct nd_pairs {
    nd_pair *v;
    size_t n, cap;
} nd_pairs;

void nd_pairs_clear(nd_pairs *p); /* frees the array */
/* Appends (min(a, b), max(a, b)). ND_OK or ND_ENOMEM. */
nd_status nd_pairs_push(nd_pairs *p, uint32_t a, uint32_t b);
/* Sorts pairs by (a, b) and removes repeats. ND_OK. */
nd_status nd_pairs_sort_unique(nd_pairs *p);

/* A byte arena: NUL-terminated strings appended back to back, named by their offsets,
 * which stay valid when it grows (pointers into it do not). Initialise to {0}. */
typedef struct nd_arena {
    char *p;
    size_t len, cap;
} nd_arena;

/* Copies s[0..n) and a NUL to the end of a; *off is where it starts. ND_ENOMEM leaves a as
 * it was. */
nd_status nd_arena_put(nd_arena *a, const char *s, size_t n, size_t *off);
/* Frees a's bytes and zeroes it. */
void nd_arena_clear(nd_arena *a);

#endif
