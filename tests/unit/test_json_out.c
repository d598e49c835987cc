/*
 * test_json_out.c - unit tests of JSON string escaping (src/json_out.h, a private header).
 *
 * nd_json_escape and nd_json_write_string must agree byte for byte, escape exactly the
 * bytes RFC 8259 requires (plus DEL, which the header counts as a control character),
 * let UTF-8 through untouched, respect the given length (embedded NUL bytes included) and,
 * for nd_json_escape, truncate like snprintf: return the full length, never write past
 * `cap`, always NUL-terminate when cap > 0. Whatever they write must parse back (cJSON)
 * to the original bytes.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/json_out.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* nd_json_escape into a fresh malloc'd, NUL-terminated buffer; checks the returned length
 * against what was written. */
static char *escape(const char *s, size_t len)
{
    size_t need = nd_json_escape(NULL, 0, s, len);
    char *out = malloc(need + 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(nd_json_escape(out, need + 1, s, len), need);
    ck_assert_uint_eq(strlen(out), need);
    return out;
}

/* nd_json_write_string to a temporary file, read back as a malloc'd NUL-terminated string. */
static char *write_string(const char *s, size_t len, size_t *outlen)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_json_write_string(f, s, len), 0);
    ck_assert_int_ge(ftell(f), 2);
    char *buf = tu_read_stream(f, outlen);
    fclose(f);
    return buf;
}

/* Checks that s[0..len) escapes to `want` (without quotes) with both functions. */
static void check_escape(const char *s, size_t len, const char *want)
{
    char *e = escape(s, len);
    ck_assert_str_eq(e, want);
    free(e);
    size_t wn;
    char *w = write_string(s, len, &wn);
    ck_assert_uint_eq(wn, strlen(want) + 2);
    ck_assert_int_eq(w[0], '"');
    ck_assert_int_eq(w[wn - 1], '"');
    ck_assert_mem_eq(w + 1, want, wn - 2);
    free(w);
}

/* Parses the output of nd_json_write_string(s, len) with cJSON and checks it gives back
 * exactly s[0..len) (s must not contain NUL: cJSON strings are NUL-terminated). */
static void check_round_trip(const char *s, size_t len)
{
    char *w = write_string(s, len, NULL);
    cJSON *j = cJSON_Parse(w);
    ck_assert_msg(j != NULL, "cJSON cannot parse %s", w);
    ck_assert(cJSON_IsString(j));
    ck_assert_uint_eq(strlen(j->valuestring), len);
    ck_assert_mem_eq(j->valuestring, s, len);
    cJSON_Delete(j);
    free(w);
}

/* ---- core ----------------------------------------------------------------------------- */

START_TEST(test_plain)
{
    check_escape("hello, world", 12, "hello, world");
    check_escape("", 0, "");
    /* Only len bytes count: the rest of the buffer is not part of the string. */
    check_escape("abcdef", 3, "abc");
}
END_TEST

START_TEST(test_quote_backslash)
{
    check_escape("say \"hi\"", 8, "say \\\"hi\\\"");
    check_escape("C:\\dir\\f", 8, "C:\\\\dir\\\\f");
    check_escape("\"\\\"", 3, "\\\"\\\\\\\"");
    check_escape("/", 1, "/"); /* solidus need not be escaped */
}
END_TEST

START_TEST(test_short_escapes)
{
    check_escape("a\nb", 3, "a\\nb");
    check_escape("a\rb", 3, "a\\rb");
    check_escape("a\tb", 3, "a\\tb");
    check_escape("a\bb", 3, "a\\bb");
    check_escape("a\fb", 3, "a\\fb");
    check_escape("\r\n\t\b\f", 5, "\\r\\n\\t\\b\\f");
}
END_TEST

START_TEST(test_control_bytes)
{
    check_escape("\x01", 1, "\\u0001");
    check_escape("\x1f", 1, "\\u001f");
    check_escape("x\x0by", 3, "x\\u000by");
    check_escape("\x1b[0m", 4, "\\u001b[0m");
    check_escape(" ", 1, " "); /* 0x20 is the first byte that stands for itself */
    check_escape("\x7f", 1, "\\u007f");
    check_escape("~\x7f~", 3, "~\\u007f~");
}
END_TEST

START_TEST(test_embedded_nul)
{
    check_escape("a\0b", 3, "a\\u0000b");
    check_escape("\0", 1, "\\u0000");
    check_escape("\0\0", 2, "\\u0000\\u0000");
}
END_TEST

START_TEST(test_utf8_passthrough)
{
    static const char *const texts[] = {
        "Presiden Jokowi meresmikan jalan tol \xe2\x80\x9cTrans Jawa\xe2\x80\x9d",
        "caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve",
        "emoji \xf0\x9f\x98\x80\xf0\x9f\x87\xae\xf0\x9f\x87\xa9 ok",
        "\xe4\xb8\xad\xe6\x96\x87",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        check_escape(texts[i], strlen(texts[i]), texts[i]);
        check_round_trip(texts[i], strlen(texts[i]));
    }
}
END_TEST

START_TEST(test_round_trip_all_ascii)
{
    char s[127];
    for (int c = 1; c < 128; c++)
        s[c - 1] = (char)c;
    check_round_trip(s, sizeof s);
    const char *mixed = "id \"x\"\t\\ \n\r\x01\x1f\x7f \xc3\xa9\xf0\x9f\x98\x80";
    check_round_trip(mixed, strlen(mixed));
}
END_TEST

START_TEST(test_escape_matches_write)
{
    /* Every byte value, twice, in a scrambled order: both functions must agree. */
    char s[512];
    for (size_t i = 0; i < sizeof s; i++)
        s[i] = (char)(unsigned char)((i * 167u + 13u) & 0xffu);
    char *e = escape(s, sizeof s);
    size_t wn;
    char *w = write_string(s, sizeof s, &wn);
    ck_assert_uint_eq(wn, strlen(e) + 2);
    ck_assert_mem_eq(w + 1, e, wn - 2);
    /* Nothing below 0x20 and no DEL survives unescaped. */
    for (size_t i = 0; e[i]; i++)
        ck_assert_msg((unsigned char)e[i] >= 0x20 && (unsigned char)e[i] != 0x7f,
                      "raw control byte 0x%02x at %zu", (unsigned char)e[i], i);
    free(e);
    free(w);
}
END_TEST

/* ---- limits: truncation of nd_json_escape -------------------------------------------- */

START_TEST(test_escape_truncates_like_snprintf)
{
    const char *s = "a\"b\n\x01z";
    size_t len = strlen(s);
    const char *full = "a\\\"b\\n\\u0001z";
    size_t fl = strlen(full);
    for (size_t cap = 1; cap <= fl + 3; cap++) {
        char buf[64];
        memset(buf, 'Z', sizeof buf);
        ck_assert_uint_eq(nd_json_escape(buf, cap, s, len), fl);
        size_t keep = cap - 1 < fl ? cap - 1 : fl;
        ck_assert_msg(buf[keep] == '\0', "cap %zu: no NUL at %zu", cap, keep);
        ck_assert_mem_eq(buf, full, keep);
        for (size_t i = cap; i < sizeof buf; i++)
            ck_assert_msg(buf[i] == 'Z', "cap %zu: byte %zu written", cap, i);
    }
}
END_TEST

START_TEST(test_escape_cap_zero)
{
    char buf[4] = {'Z', 'Z', 'Z', 'Z'};
    ck_assert_uint_eq(nd_json_escape(buf, 0, "\"\"", 2), 4);
    ck_assert_mem_eq(buf, "ZZZZ", 4);
    ck_assert_uint_eq(nd_json_escape(NULL, 0, "\x01", 1), 6);
    ck_assert_uint_eq(nd_json_escape(buf, 1, "abc", 3), 3);
    ck_assert_int_eq(buf[0], '\0');
    ck_assert_int_eq(buf[1], 'Z');
}
END_TEST

/* ---- errors ----------------------------------------------------------------------------- */

START_TEST(test_write_error)
{
    /* A stream opened for reading only: every write fails. */
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "ro.txt", "x", 1);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_json_write_string(f, "abc", 3), -1);
    ck_assert_int_eq(nd_json_write_string(f, "", 0), -1);
    fclose(f);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *json_out_suite(void)
{
    Suite *s = suite_create("json_out");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_plain);
    tcase_add_test(tc, test_quote_backslash);
    tcase_add_test(tc, test_short_escapes);
    tcase_add_test(tc, test_control_bytes);
    tcase_add_test(tc, test_embedded_nul);
    tcase_add_test(tc, test_utf8_passthrough);
    tcase_add_test(tc, test_round_trip_all_ascii);
    tcase_add_test(tc, test_escape_matches_write);
    suite_add_tcase(s, tc);
    tc = tcase_create("limits");
    tcase_add_test(tc, test_escape_truncates_like_snprintf);
    tcase_add_test(tc, test_escape_cap_zero);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_write_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(json_out_suite());
}
