/*
 * testutil.c - helpers shared by the unit tests (see testutil.h).
 */
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *mkdtemp(char *template);

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = tu_read_stream(f, len);
    fclose(f);
    return buf;
}

char *tu_read_stream(FILE *f, size_t *len)
{
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

const char *tu_src(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", ND_SOURCE_DIR, rel);
    return buf;
}

const char *tu_shared(const char *rel)
{
    static char buf[4096];
    const char *dir = getenv("ND_SHARED_DIR");
    snprintf(buf, sizeof buf, "%s/%s", dir && *dir ? dir : ND_SHARED_DIR, rel);
    return buf;
}

int tu_have_shared(const char *test, const char *const *rels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *path = tu_shared(rels[i]);
        if (access(path, R_OK) == 0) continue;
        printf("%s: skipped: %s not found (the team's shared data, ../shared beside the "
               "repository; CI has it)\n",
               test, path);
        fflush(stdout);
        return 0;
    }
    return 1;
}

char *tu_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/neardup-test-XXXXXX", base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

void tu_rmtree(const char *dir)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

char *tu_write(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(path);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static char *tmp_base;
static char *saved_tmpdir;

void tu_tmp_fixture_setup(void)
{
    const char *old = getenv("TMPDIR");
    saved_tmpdir = old ? strdup(old) : NULL;
    tmp_base = tu_tmpdir();
    ck_assert_int_eq(setenv("TMPDIR", tmp_base, 1), 0);
}

void tu_tmp_fixture_teardown(void)
{
    if (saved_tmpdir)
        setenv("TMPDIR", saved_tmpdir, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmpdir);
    saved_tmpdir = NULL;
    tu_rmtree(tmp_base);
    free(tmp_base);
    tmp_base = NULL;
}

static uint64_t rng_state;

void tu_rand_seed(uint64_t seed)
{
    rng_state = seed;
}

uint64_t tu_rand(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

int tu_cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

size_t tu_sort_unique(uint64_t *a, size_t n)
{
    if (n == 0) return 0;
    qsort(a, n, sizeof *a, tu_cmp_u64);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (a[i] != a[w - 1]) a[w++] = a[i];
    return w;
}

size_t tu_sb_add(tu_sbuf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + len + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        ck_assert_ptr_nonnull(b->p);
        b->cap = cap;
    }
    size_t at = b->n;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
    return at;
}

size_t tu_sb_puts(tu_sbuf *b, const char *s)
{
    return tu_sb_add(b, s, strlen(s));
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
