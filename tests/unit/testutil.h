/*
 * testutil.h - helpers shared by the unit tests.
 */
#ifndef NEARDUP_TESTUTIL_H
#define NEARDUP_TESTUTIL_H

#include <stddef.h>

/* Reads a whole file into a NUL-terminated malloc'd buffer; aborts the test on failure. */
char *tu_read_file(const char *path, size_t *len);
/* Path of a file in the source tree / in ../shared (static buffer per call site is not
 * thread-safe; tests are single-threaded). */
const char *tu_src(const char *rel);
const char *tu_shared(const char *rel);
/* A fresh temporary directory (mkdtemp); removed by tu_rmtree. */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Writes len bytes to dir/name; returns the malloc'd path. */
char *tu_write(const char *dir, const char *name, const char *data, size_t len);

#endif
