/*
 * containers.c - growable arrays, the byte arena, u64 lists and pair lists (see
 * containers.h).
 */
#include "containers.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void *nd_grow_array(void *p, size_t *cap, size_t need, size_t size, size_t init)
{
    size_t c = *cap ? *cap : (init ? init : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2) return NULL;
        c *= 2;
    }
    void *q = nd_reallocarray(p, c, size);
    if (q) *cap = c;
    return q;
}

void nd_u64s_clear(nd_u64s *a)
{
    nd_free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

nd_status nd_u64s_reserve(nd_u64s *a, size_t need)
{
    ND_RESERVE(a->v, a->cap, need, 256);
    return ND_OK;
}

void nd_pairs_clear(nd_pairs *p)
{
    nd_free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

nd_status nd_pairs_push(nd_pairs *p, uint32_t a, uint32_t b)
{
    ND_GROW(p->n, p->cap, 1024, p->v);
    p->v[p->n].a = a < b ? a : b;
    p->v[p->n].b = a < b ? b : a;
    p->n++;
    return ND_OK;
}

static int pair_cmp(const void *x, const void *y)
{
    const nd_pair *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

nd_status nd_pairs_sort_unique(nd_pairs *p)
{
    if (p->n < 2) return ND_OK;
    qsort(p->v, p->n, sizeof *p->v, pair_cmp);
    size_t w = 1;
    for (size_t i = 1; i < p->n; i++)
        if (p->v[i].a != p->v[w - 1].a || p->v[i].b != p->v[w - 1].b) p->v[w++] = p->v[i];
    p->n = w;
    return ND_OK;
}

nd_status nd_arena_put(nd_arena *a, const char *s, size_t n, size_t *off)
{
    if (n > SIZE_MAX - 1 - a->len) return ND_ENOMEM;
    ND_RESERVE(a->p, a->cap, a->len + n + 1, 4096);
    if (n) memcpy(a->p + a->len, s, n);
    a->p[a->len + n] = '\0';
    *off = a->len;
    a->len += n + 1;
    assert(a->len <= a->cap);
    return ND_OK;
}

void nd_arena_clear(nd_arena *a)
{
    nd_free(a->p);
    memset(a, 0, sizeof *a);
}
