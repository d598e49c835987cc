/*
 * test_removed.c - unit tests of removed.jsonl entries (src/removed.h, a private header):
 * what counts as text, the entry written with its bytes in chunks of every size (as clean
 * writes a range larger than its window) and read back as restore reads it, as a JSON
 * string or in base64, with a path that is not UTF-8; and base64 decoding, which must
 * refuse anything that is not canonical.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outdir.h"
#include "removed.h"
#include "testutil.h"

/* Writes one entry for bytes b[0..n), put in chunks of `chunk` bytes, with path; returns
 * the line (malloc'd, with its '\n'). */
static char *write_entry(const char *path, const char *b, size_t n, size_t chunk, int *text)
{
    char *dir = tu_tmpdir();
    char *file = malloc(strlen(dir) + 16);
    sprintf(file, "%s/e.jsonl", dir);
    nd_ofile f;
    ck_assert_int_eq(nd_ofile_create(&f, file, NULL, NULL), ND_OK);
    nd_removed_entry e = {"repeat", "src\xff.txt", path, 3, 99, "id\"1", 2, 4, "{\"x\": 1}"};
    *text = nd_removed_is_text(b, n);
    ck_assert_int_eq(nd_removed_begin(&f, &e, *text, NULL), ND_OK);
    nd_b64 b64 = {{0}, 0};
    for (size_t i = 0; i < n; i += chunk)
        ck_assert_int_eq(
            nd_removed_put(&f, *text, &b64, b + i, n - i < chunk ? n - i : chunk, NULL), ND_OK);
    ck_assert_int_eq(nd_removed_end(&f, *text, &b64, NULL), ND_OK);
    ck_assert_int_eq(nd_ofile_close(&f, NULL), ND_OK);
    char *line = tu_read_file(file, NULL);
    free(file);
    tu_rmtree(dir);
    free(dir);
    return line;
}

static void round_trip(const char *path, const char *b, size_t n, int want_text)
{
    static const size_t chunks[] = {1, 2, 3, 4, 5, 7, 64, 1 << 20};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
        int text;
        char *line = write_entry(path, b, n, chunks[c], &text);
        ck_assert_int_eq(text, want_text);
        size_t len = strlen(line);
        ck_assert_uint_gt(len, 0);
        ck_assert_int_eq(line[len - 1], '\n');
        ck_assert_ptr_nonnull(strstr(line, text ? "\"bytes\": \"" : "\"bytes_base64\": \""));
        nd_removed_read r;
        const char *why = NULL;
        ck_assert_int_eq(nd_removed_parse(line, len - 1, &r, &why), ND_OK);
        ck_assert_str_eq(r.path, path);
        ck_assert_uint_eq(r.offset, 99);
        ck_assert_uint_eq(r.nbytes, n);
        ck_assert_mem_eq(r.bytes, b, n);
        free(r.path); /* (nd_malloc is malloc outside the failing-allocator tests) */
        free(r.bytes);
        free(line);
    }
}

START_TEST(test_text_and_binary)
{
    round_trip("a/b.txt", "", 0, 1);
    round_trip("a/b.txt", "plain words\n", 12, 1);
    static const char esc[] = "\"q\" \\ \t\r\n\x01\x1f\x7f caf\xc3\xa9 \xf0\x9f\x98\x80";
    round_trip("a/b.txt", esc, sizeof esc - 1, 1);
    round_trip("a/b.txt", "nul\0inside", 10, 0);
    round_trip("a/b.txt", "latin \xe9", 7, 0);
    round_trip("a/b.txt", "\xff", 1, 0);
    round_trip("a/b.txt", "ab", 2, 1);
    round_trip("caf\xe9/x.txt", "x", 1, 1); /* path_base64 */
    /* Random bytes, and random text, of many lengths (every base64 tail). */
    tu_rand_seed(9);
    for (size_t n = 0; n < 40; n++) {
        char b[64];
        for (size_t i = 0; i < n; i++)
            b[i] = (char)tu_rand();
        int text = nd_removed_is_text(b, n);
        round_trip("r.bin", b, n, text);
        for (size_t i = 0; i < n; i++)
            b[i] = (char)(1 + tu_rand() % 126);
        round_trip("r.txt", b, n, 1);
    }
}
END_TEST

START_TEST(test_text_prefix_in_chunks)
{
    /* Valid UTF-8 cut anywhere is never bad while more follows, and what is accepted
     * plus the rest is the whole. */
    const char s[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z";
    size_t n = sizeof s - 1;
    for (size_t cut = 0; cut <= n; cut++) {
        int bad;
        size_t ok = nd_removed_text_prefix(s, cut, 1, &bad);
        ck_assert_int_eq(bad, 0);
        ck_assert_uint_le(ok, cut);
        ck_assert_uint_ge(ok + 3, cut); /* at most a sequence's start is left over */
        size_t ok2 = nd_removed_text_prefix(s + ok, n - ok, 0, &bad);
        ck_assert_int_eq(bad, 0);
        ck_assert_uint_eq(ok + ok2, n);
    }
    int bad;
    ck_assert_uint_eq(nd_removed_text_prefix("ab\xc3", 3, 0, &bad), 2);
    ck_assert_int_eq(bad, 1); /* no more: cut short is bad */
    ck_assert_uint_eq(nd_removed_text_prefix("ab\xff", 3, 1, &bad), 2);
    ck_assert_int_eq(bad, 1); /* never a start */
    ck_assert_uint_eq(nd_removed_text_prefix("abcdefghij\0k", 12, 1, &bad), 10);
    ck_assert_int_eq(bad, 1);
}
END_TEST

START_TEST(test_base64_decode)
{
    unsigned char out[16];
    size_t n;
    ck_assert_int_eq(nd_base64_decode("Y2Fm6SBhdSBsYWl0Cg==", 20, out, &n), 0);
    ck_assert_uint_eq(n, 13);
    ck_assert_mem_eq(out, "caf\xe9 au lait\n", 13);
    ck_assert_int_eq(nd_base64_decode("", 0, out, &n), 0);
    ck_assert_uint_eq(n, 0);
    static const char *const bad[] = {
        "eA", "eA=", "eA==eA==", "e===", "eB==", "eAB=", "e A=", "????", "eA\n="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(nd_base64_decode(bad[i], strlen(bad[i]), out, &n) != 0, "'%s'", bad[i]);
}
END_TEST

START_TEST(test_parse_refuses)
{
    static const char *const bad[] = {
        "",
        "{}",
        "{\"path\": 1, \"offset\": 0, \"bytes\": \"\"}",
        "{\"path\": \"a\", \"offset\": \"0\", \"bytes\": \"\"}",
        "{\"path\": \"a\", \"offset\": 1.5, \"bytes\": \"\"}",
        "{\"path\": \"a\", \"offset\": 01, \"bytes\": \"\"}",
        "{\"path\": \"a\", \"offset\": 99999999999999999999, \"bytes\": \"\"}",
        "{\"path\": \"a\\u0000b\", \"offset\": 0, \"bytes\": \"\"}",
        "{\"path\": \"a\", \"offset\": 0, \"bytes\": 5}",
        "{\"path\": \"a\", \"offset\": 0, \"bytes\": \"x\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_removed_read r;
        const char *why = NULL;
        ck_assert_msg(nd_removed_parse(bad[i], strlen(bad[i]), &r, &why) == ND_EJSON, "'%s'",
                      bad[i]);
        ck_assert_ptr_nonnull(why);
        ck_assert_ptr_null(r.path);
        ck_assert_ptr_null(r.bytes);
    }
}
END_TEST

static Suite *removed_suite(void)
{
    Suite *s = suite_create("removed");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_text_and_binary);
    tcase_add_test(tc, test_text_prefix_in_chunks);
    tcase_add_test(tc, test_base64_decode);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_parse_refuses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(removed_suite());
}
