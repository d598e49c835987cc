/*
 * ht.h - the one place uthash is included.
 *
 * uthash's default reaction to a failed allocation is exit(-1); a library must not exit,
 * so it is built with HASH_NONFATAL_OOM and a handler that raises a flag the caller checks
 * (nd_ht_oom). Allocations go through nd_malloc so the failing-allocator tests reach them.
 * Keys neardup stores are already 64-bit hashes, so HASH_FUNCTION just folds the key.
 */
#ifndef NEARDUP_HT_H
#define NEARDUP_HT_H

#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) nd_malloc(sz)
#define uthash_free(ptr, sz) nd_free(ptr)
/* The table whose insert ran out of memory records it in its own oom flag field. */
#define uthash_nonfatal_oom(elt) ((elt)->oom = 1)
#define HASH_FUNCTION(keyptr, keylen, hashv)                                                       \
    do {                                                                                           \
        uint64_t k_;                                                                               \
        memcpy(&k_, (keyptr), sizeof k_);                                                          \
        (hashv) = (unsigned)(k_ ^ (k_ >> 32));                                                     \
    } while (0)

#include <uthash.h>

#endif
