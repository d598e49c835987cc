/*
 * alloc.h - the library's single allocation seam.
 *
 * Every allocation inside neardup_core goes through nd_malloc/nd_calloc/nd_realloc/nd_free,
 * so tests can make the Nth allocation fail and check that every function returns
 * ND_ENOMEM, frees what it allocated and leaks nothing. Outside tests the hook is off and
 * these are plain malloc/calloc/realloc/free.
 */
#ifndef NEARDUP_ALLOC_H
#define NEARDUP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *nd_malloc(size_t size);
void *nd_calloc(size_t count, size_t size);
/* Like realloc, but overflow-checked: returns NULL if count * size overflows. */
void *nd_reallocarray(void *ptr, size_t count, size_t size);
void nd_free(void *ptr);

/* The first 64-byte aligned address in block. */
static inline void *nd_align64(void *block)
{
    return (void *)(((uintptr_t)block + 63) & ~(uintptr_t)63);
}
/* realloc for data kept 64-byte aligned inside a block (a cache line per record): block is
 * NULL or what this returned before, with `used` bytes of data at nd_align64(block). The
 * new block holds `size` bytes from its own nd_align64, the data moved there if realloc
 * changed the alignment (a large block is remapped in place and keeps it). NULL without
 * memory, block untouched. */
void *nd_realloc_align64(void *block, size_t used, size_t size);
/* A copy of s[0..len) plus a terminating NUL, or NULL when out of memory. */
char *nd_strndup(const char *s, size_t len);

/*
 * Test hook: after `n` more successful allocations, every allocation fails (returns NULL)
 * until the hook is reset with n < 0. Process-wide; meant for single-threaded tests only.
 */
void nd_alloc_fail_after(long n);
/* Number of allocations made since the last nd_alloc_fail_after() call. */
long nd_alloc_count(void);

#endif
