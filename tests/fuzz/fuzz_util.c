/*
 * fuzz_util.c - helpers shared by the fuzz targets (see fuzz_util.h).
 */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[4096];
static char path[8192];

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: invariant broken: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static void remove_dir(void)
{
    if (!dir[0]) return;
    fz_clean();
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (dir[0]) return dir;
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/neardup-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(remove_dir);
    return dir;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size)
{
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

void fz_clean(void)
{
    DIR *d = opendir(fz_dir());
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

size_t fz_utf8_check(const uint8_t *s, size_t len)
{
    /* RFC 3629, section 4: the well-formed sequences, byte by byte. */
    size_t i = 0;
    while (i < len) {
        uint8_t b = s[i];
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf;
        if (b <= 0x7f) {
            i++;
            continue;
        } else if (b >= 0xc2 && b <= 0xdf) {
            n = 1;
        } else if (b == 0xe0) {
            n = 2, lo = 0xa0;
        } else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) {
            n = 2;
        } else if (b == 0xed) {
            n = 2, hi = 0x9f; /* no surrogates */
        } else if (b == 0xf0) {
            n = 3, lo = 0x90;
        } else if (b >= 0xf1 && b <= 0xf3) {
            n = 3;
        } else if (b == 0xf4) {
            n = 3, hi = 0x8f; /* nothing above U+10FFFF */
        } else {
            return i;
        }
        if (len - i - 1 < n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k <= n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf) return i;
        i += n + 1;
    }
    return len;
}
