/*
 * xxh.h - the one place xxHash is included, inlined.
 *
 * xxhash.h carries the whole implementation: with XXH_INLINE_ALL a token hash costs no
 * call through the PLT and the compiler specialises XXH3 for short inputs. Its code is not
 * written for -Wconversion, which this project turns on for the hashing files.
 */
#ifndef NEARDUP_XXH_H
#define NEARDUP_XXH_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#define XXH_INLINE_ALL
#include <xxhash.h>
#pragma GCC diagnostic pop

#endif
