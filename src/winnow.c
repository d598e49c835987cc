/*
 * winnow.c - winnowing (see winnow.h).
 *
 * A monotone queue of positions whose hashes increase from front to back holds the
 * candidates of the current window: the front is its minimum. A new hash removes every
 * queued one that is not smaller (so of equal hashes the rightmost stays), and the front
 * leaves when the window passes it. A selection is recorded when it is not the position
 * recorded last. O(n) for any w.
 */
#include "winnow.h"

#include <assert.h>
#include <stdlib.h>

#define RING 128u /* a power of two above ND_WINNOW_MAXW + 1, the most ever queued */

size_t nd_winnow(const uint64_t *h, size_t n, unsigned w, uint32_t *out)
{
    assert(w >= 1 && w <= ND_WINNOW_MAXW);
    if (n == 0) return 0;
    if (n < w) w = (unsigned)n; /* one window: the whole text */
    size_t q[RING], head = 0, len = 0, k = 0, last = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        while (len && h[q[(head + len - 1) % RING]] >= h[i])
            len--;
        q[(head + len++) % RING] = i;
        if (q[head] + w <= i) { /* the front left the window [i - w + 1, i] */
            head = (head + 1) % RING;
            len--;
        }
        if (i + 1 >= w && q[head] != last) {
            last = q[head];
            out[k++] = (uint32_t)(h[last] >> 32);
        }
    }
    return k;
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

size_t nd_u32_sort_unique(uint32_t *a, size_t n)
{
    if (n < 2) return n;
    qsort(a, n, sizeof *a, u32_cmp);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[k - 1]) a[k++] = a[i];
    return k;
}
