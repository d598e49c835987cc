/*
 * fuzz_util.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Each target defines LLVMFuzzerTestOneInput(data, size), which must return 0 and checks
 * its invariants with FZ_CHECK: a broken one prints what and where, then aborts, which
 * libFuzzer reports as a crash and saves the input. The same target source links either
 * with libFuzzer (-DNEARDUP_FUZZ=ON, clang) or with replay.c, a plain main() that runs
 * the committed corpus through it in any build (ctest fuzz.<target>).
 *
 * Inputs reach the reader through files: fz_dir() is one private temporary directory per
 * process, removed at exit.
 */
#ifndef NEARDUP_FUZZ_UTIL_H
#define NEARDUP_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message unless cond holds. */
#define FZ_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                              \
    } while (0)

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* The process's scratch directory (made on first use; removed with its files at exit). */
const char *fz_dir(void);

/* Writes data[0..size) to fz_dir()/name (replacing it); returns the path (static buffer,
 * valid until the next call). Aborts if the file cannot be written. */
const char *fz_write(const char *name, const uint8_t *data, size_t size);

/* Removes every file in fz_dir() (not the directory). */
void fz_clean(void);

/* The offset of the first invalid UTF-8 sequence in s[0..len), or len: a reference
 * written from RFC 3629's table, independent of nd_utf8_check. */
size_t fz_utf8_check(const uint8_t *s, size_t len);

#endif
