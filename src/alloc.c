/*
 * alloc.c - the only file in neardup_core that calls malloc and friends.
 *
 * A process-wide countdown lets tests fail the Nth allocation (see alloc.h). It is an
 * atomic so that a worker thread reading it is not a data race; the hook itself is for
 * single-threaded tests.
 */
#include "alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_after = -1; /* < 0: hook off */
static atomic_long count;

static int should_fail(void)
{
    atomic_fetch_add(&count, 1);
    long n = atomic_load(&fail_after);
    if (n < 0) return 0;
    if (n == 0) return 1;
    atomic_fetch_sub(&fail_after, 1);
    return 0;
}

void nd_alloc_fail_after(long n)
{
    atomic_store(&fail_after, n < 0 ? -1 : n);
    atomic_store(&count, 0);
}

long nd_alloc_count(void)
{
    return atomic_load(&count);
}

void *nd_malloc(size_t size)
{
    if (should_fail()) return NULL;
    return malloc(size ? size : 1);
}

void *nd_calloc(size_t n, size_t size)
{
    if (should_fail()) return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *nd_reallocarray(void *ptr, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    if (should_fail()) return NULL;
    size_t bytes = n * size;
    return realloc(ptr, bytes ? bytes : 1);
}

void *nd_realloc_align64(void *block, size_t used, size_t size)
{
    size_t was = block ? (size_t)((char *)nd_align64(block) - (char *)block) : 0;
    if (size > SIZE_MAX - 64) return NULL;
    char *b = nd_reallocarray(block, 1, size + 64);
    if (!b) return NULL;
    char *d = nd_align64(b);
    if (used && (size_t)(d - b) != was) memmove(d, b + was, used);
    return b;
}

void nd_free(void *ptr)
{
    free(ptr);
}

char *nd_strndup(const char *s, size_t len)
{
    char *p = nd_malloc(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
