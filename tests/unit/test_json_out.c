/*
 * test_json_out.c - unit tests of JSON string escaping (src/json_out.h, a private header).
 *
 * nd_json_escape and nd_json_write_string must agree byte for byte, escape exactly the
 * bytes RFC 8259 requires (plus DEL and the C1 controls, which the header counts as
 * control characters), let well-formed UTF-8 through untouched, replace every malformed
 * sequence (each class: lone continuation bytes, overlong forms, UTF-8-encoded surrogates,
 * truncated sequences, values above U+10FFFF, bytes that never occur) by U+FFFD per maximal
 * subpart, respect the given length (embedded NUL bytes included) and, for nd_json_escape,
 * truncate like snprintf: return the full length, never write past `cap`, always
 * NUL-terminate when cap > 0. Whatever they write must be valid UTF-8 (checked by an
 * independent decoder below) and parse back (cJSON) to the original bytes when those were
 * valid UTF-8.
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

/* An independent strict UTF-8 check (decode, then reject overlong forms, surrogates and
 * values above U+10FFFF by the code point), to hold nd_utf8_seq's table against. Returns
 * the length of the valid sequence at s[0..len), or 0. */
static size_t decode_one(const unsigned char *s, size_t len)
{
    static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = s[0] < 0x80             ? 1
               : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0 || n > len) return 0;
    unsigned long cp = n == 1 ? s[0] : s[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
    return n;
}

static int valid_utf8(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0, n; i < len; i += n)
        if ((n = decode_one(s + i, len - i)) == 0) return 0;
    return 1;
}

/* Checks that s[0..len) (not valid UTF-8) comes out with want (without quotes) and that the
 * output is valid UTF-8 and valid JSON. */
static void check_replaced(const char *s, size_t len, const char *want)
{
    ck_assert_msg(!valid_utf8(s, len), "test input is valid UTF-8");
    check_escape(s, len, want);
    size_t wn;
    char *w = write_string(s, len, &wn);
    ck_assert_msg(valid_utf8(w, wn), "output is not UTF-8: %s", w);
    cJSON *j = cJSON_Parse(w);
    ck_assert_msg(j != NULL && cJSON_IsString(j), "cJSON cannot parse %s", w);
    cJSON_Delete(j);
    free(w);
}

#define R ND_UTF8_REPLACEMENT

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

START_TEST(test_c1_controls)
{
    /* U+0080-U+009F are controls (0x9b is CSI for some terminals): escaped like C0. */
    check_escape("\xc2\x80", 2, "\\u0080");
    check_escape("a\xc2\x9b[31mb", 8, "a\\u009b[31mb");
    check_escape("\xc2\x9f", 2, "\\u009f");
    check_escape("\xc2\xa0", 2, "\xc2\xa0"); /* no-break space: a character */
    check_round_trip("x\xc2\x85y", 4);
}
END_TEST

START_TEST(test_utf8_boundaries)
{
    /* The first and last code point of each length and around the surrogates pass. */
    static const char *const ok[] = {
        "\x7e",
        "\xc2\xa0",
        "\xdf\xbf",
        "\xe0\xa0\x80",
        "\xed\x9f\xbf",
        "\xee\x80\x80",
        "\xef\xbf\xbf",
        "\xef\xbf\xbd",
        "\xf0\x90\x80\x80",
        "\xf3\xbf\xbf\xbf",
        "\xf4\x8f\xbf\xbf",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        size_t n = strlen(ok[i]);
        ck_assert(valid_utf8(ok[i], n));
        ck_assert_int_eq(nd_utf8_seq(ok[i], n), (int)n);
        check_escape(ok[i], n, ok[i]);
        check_round_trip(ok[i], n);
    }
}
END_TEST

START_TEST(test_invalid_lone_and_never)
{
    /* Lone continuation bytes: one U+FFFD each. */
    check_replaced("\x80", 1, R);
    check_replaced("a\x80\xbf\x62", 4, "a" R R "b");
    check_replaced("\xbf\xbf\xbf", 3, R R R);
    /* Bytes that never occur in UTF-8. */
    check_replaced("\xff", 1, R);
    check_replaced("id\xfe\xff", 4, "id" R R);
    check_replaced("\xf8\x88\x80\x80\x80", 5, R R R R R); /* old 5-byte form */
    check_replaced("\xfc\x84\x80\x80\x80\x80", 6, R R R R R R);
}
END_TEST

START_TEST(test_invalid_overlong)
{
    check_replaced("\xc0\x80", 2, R R); /* NUL as 2 bytes */
    check_replaced("\xc1\xbf", 2, R R);
    check_replaced("\xc0\xaf", 2, R R); /* '/' */
    check_replaced("\xe0\x80\xaf", 3, R R R);
    check_replaced("\xe0\x9f\xbf", 3, R R R);
    check_replaced("\xf0\x80\x80\xaf", 4, R R R R);
    check_replaced("\xf0\x8f\xbf\xbf", 4, R R R R);
}
END_TEST

START_TEST(test_invalid_surrogates)
{
    check_replaced("\xed\xa0\x80", 3, R R R);                   /* U+D800 */
    check_replaced("\xed\xbf\xbf", 3, R R R);                   /* U+DFFF */
    check_replaced("\xed\xa0\xbd\xed\xb8\x80", 6, R R R R R R); /* CESU-8 pair */
    check_replaced("x\xed\xb2\x80y", 5, "x" R R R "y");
}
END_TEST

START_TEST(test_invalid_too_large)
{
    check_replaced("\xf4\x90\x80\x80", 4, R R R R); /* U+110000 */
    check_replaced("\xf4\xbf\xbf\xbf", 4, R R R R);
    check_replaced("\xf5\x80\x80\x80", 4, R R R R);
    check_replaced("\xf7\xbf\xbf\xbf", 4, R R R R);
}
END_TEST

START_TEST(test_invalid_truncated)
{
    /* A truncated sequence is one unit: one U+FFFD, whatever follows. */
    check_replaced("\xc3", 1, R);
    check_replaced("\xc3\x41", 2, R "A");
    check_replaced("\xe2\x82", 2, R);
    check_replaced("\xe2\x82\x41", 3, R "A");
    check_replaced("\xe2\x82\xe2\x82\xac", 5, R "\xe2\x82\xac");
    check_replaced("\xf0\x9f\x98", 3, R);
    check_replaced("\xf0\x9f\x98\"", 4, R "\\\"");
    check_replaced("\xf0\x9f", 2, R);
    check_replaced("\xf0", 1, R);
    check_replaced("caf\xc3", 4, "caf" R);
    /* The length bounds the sequence: a valid sequence cut by len is truncated. */
    check_replaced("\xe2\x82\xac", 2, R);
    check_escape("\xe2\x82\xac", 3, "\xe2\x82\xac");
}
END_TEST

START_TEST(test_utf8_seq_matches_decoder)
{
    /* nd_utf8_seq accepts exactly what the independent decoder accepts, for every 1- and
     * 2-byte string and every 3- and 4-byte string over boundary bytes. */
    unsigned char s[4];
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            s[0] = (unsigned char)a, s[1] = (unsigned char)b;
            for (size_t len = 1; len <= 2; len++) {
                int n = nd_utf8_seq((const char *)s, len);
                size_t d = decode_one(s, len);
                TU_REQUIRE(d ? n == (int)d : n < 0, "%02x %02x len %zu: %d vs %zu", a, b, len, n,
                           d);
                TU_REQUIRE(n != 0 && (size_t)(n < 0 ? -n : n) <= len, "length %d", n);
            }
        }
    static const unsigned char edge[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                         0xc0, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0xff};
    size_t ne = sizeof edge;
    for (unsigned a = 0xc0; a < 256; a++)
        for (size_t i = 0; i < ne; i++)
            for (size_t j = 0; j < ne; j++)
                for (size_t k = 0; k < ne; k++) {
                    s[0] = (unsigned char)a, s[1] = edge[i], s[2] = edge[j], s[3] = edge[k];
                    int n = nd_utf8_seq((const char *)s, 4);
                    size_t d = decode_one(s, 4);
                    TU_REQUIRE(d ? n == (int)d : n < 0, "%02x %02x %02x %02x: %d vs %zu", a, s[1],
                               s[2], s[3], n, d);
                    /* A maximal subpart is a prefix of some valid sequence. */
                    if (n < -1) TU_REQUIRE(a >= 0xe0 && a <= 0xf4, "subpart from %02x", a);
                }
}
END_TEST

START_TEST(test_output_always_utf8)
{
    /* Random byte strings, biased towards UTF-8 lead and continuation bytes: the output is
     * valid UTF-8 and JSON, and equals the input exactly when that was valid UTF-8 without
     * anything to escape. */
    tu_rand_seed(10);
    for (int t = 0; t < 5000; t++) {
        char s[12];
        size_t len = 1 + tu_rand() % sizeof s;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = tu_rand();
            s[i] = (char)(r % 3 == 0   ? 0x80 + (r >> 8) % 0x40
                          : r % 3 == 1 ? 0xc0 + (r >> 8) % 0x40
                                       : 0x20 + (r >> 8) % 0x60);
        }
        size_t wn;
        char *w = write_string(s, len, &wn);
        TU_REQUIRE(valid_utf8(w, wn), "output of case %d is not UTF-8", t);
        cJSON *j = cJSON_Parse(w);
        TU_REQUIRE(j != NULL, "case %d: cJSON cannot parse %s", t, w);
        if (valid_utf8(s, len)) {
            TU_REQUIRE(strlen(j->valuestring) == len && memcmp(j->valuestring, s, len) == 0,
                       "case %d: valid UTF-8 changed", t);
        } else {
            TU_REQUIRE(strstr(w, R) != NULL, "case %d: no replacement in %s", t, w);
        }
        cJSON_Delete(j);
        free(w);
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
    /* Nothing below 0x20 and no DEL survives unescaped, and the rest is UTF-8. */
    for (size_t i = 0; e[i]; i++)
        ck_assert_msg((unsigned char)e[i] >= 0x20 && (unsigned char)e[i] != 0x7f,
                      "raw control byte 0x%02x at %zu", (unsigned char)e[i], i);
    ck_assert(valid_utf8(e, strlen(e)));
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
    tcase_add_test(tc, test_c1_controls);
    tcase_add_test(tc, test_utf8_boundaries);
    tcase_add_test(tc, test_round_trip_all_ascii);
    tcase_add_test(tc, test_escape_matches_write);
    suite_add_tcase(s, tc);
    tc = tcase_create("invalid_utf8");
    tcase_add_test(tc, test_invalid_lone_and_never);
    tcase_add_test(tc, test_invalid_overlong);
    tcase_add_test(tc, test_invalid_surrogates);
    tcase_add_test(tc, test_invalid_too_large);
    tcase_add_test(tc, test_invalid_truncated);
    tcase_add_test(tc, test_utf8_seq_matches_decoder);
    tcase_add_test(tc, test_output_always_utf8);
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
