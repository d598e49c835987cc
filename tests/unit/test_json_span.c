/*
 * test_json_span.c - unit tests of reading a raw JSON object in place (src/json_span.h,
 * a private header): the span of a member's value, a string's decoding, and the raw
 * offsets where its decoded lines start.
 *
 * Known answers for every escape, surrogate pairs and their errors, repeated and escaped
 * member names, nesting and its limit, white space as cJSON counts it, and malformed
 * objects; then a differential test against cJSON (what the decoder uses) on generated
 * objects: whenever cJSON finds a string member, nd_json_member finds the same (first)
 * member and nd_json_unescape gives its bytes; and the same objects cut at every length and
 * mutated byte by byte, on which the functions must only ever read inside the buffer
 * (every input is copied to a heap block of exactly its length, so ASan sees a stray
 * read).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_span.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* A heap copy of exactly n bytes (no NUL after it), so that reading past is an ASan error. */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    return p;
}

/* nd_json_member on s (the whole NUL-terminated string) for key. */
static nd_status member(const char *s, const char *key, int which, nd_json_span *sp)
{
    size_t n = strlen(s);
    char *p = exact(s, n);
    nd_status st = nd_json_member(p, n, key, strlen(key), which, sp);
    free(p);
    return st;
}

/* Checks that key's value in s is the raw text `want` (string: between the quotes). */
static void check_member(const char *s, const char *key, int which, const char *want, int str)
{
    nd_json_span sp = {0, 0, 0};
    ck_assert_int_eq(member(s, key, which, &sp), ND_OK);
    ck_assert_int_eq(sp.is_string, str);
    ck_assert_uint_le(sp.start, sp.end);
    ck_assert_uint_eq(sp.end - sp.start, strlen(want));
    ck_assert_mem_eq(s + sp.start, want, strlen(want));
}

/* Decodes the string body s; returns the malloc'd bytes and their length. */
static char *unescape(const char *s, int stop_at_nul, nd_status *st, size_t *len, size_t *stop)
{
    size_t n = strlen(s);
    char *p = exact(s, n);
    char *out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    *st = nd_json_unescape(p, n, stop_at_nul, out, len, stop);
    free(p);
    return out;
}

static void check_unescape(const char *s, const char *want, size_t want_len)
{
    nd_status st;
    size_t len, stop;
    char *out = unescape(s, 0, &st, &len, &stop);
    ck_assert_int_eq(st, ND_OK);
    ck_assert_uint_eq(len, want_len);
    ck_assert_mem_eq(out, want, want_len);
    ck_assert_uint_eq(stop, strlen(s));
    free(out);
}

static void check_bad_string(const char *s)
{
    nd_status st;
    size_t len, stop;
    char *out = unescape(s, 0, &st, &len, &stop);
    ck_assert_msg(st == ND_EJSON, "'%s' decoded", s);
    free(out);
}

/* ---- members -------------------------------------------------------------------------- */

START_TEST(test_member_basic)
{
    const char *o = "{\"id\": \"a1\", \"text\": \"hello\\nworld\", \"n\": 5}";
    check_member(o, "text", ND_JSON_FIRST, "hello\\nworld", 1);
    check_member(o, "id", ND_JSON_FIRST, "a1", 1);
    check_member(o, "n", ND_JSON_FIRST, "5", 0);
    nd_json_span sp;
    ck_assert_int_eq(member(o, "nope", ND_JSON_FIRST, &sp), ND_EFIELD);
    ck_assert_int_eq(member(o, "tex", ND_JSON_FIRST, &sp), ND_EFIELD);
    ck_assert_int_eq(member(o, "texts", ND_JSON_FIRST, &sp), ND_EFIELD);
    /* The text field anywhere: first, middle, last, alone. */
    check_member("{\"text\":\"t\",\"id\":1}", "text", ND_JSON_FIRST, "t", 1);
    check_member("{\"text\":\"\"}", "text", ND_JSON_FIRST, "", 1);
    ck_assert_int_eq(member("{}", "text", ND_JSON_FIRST, &sp), ND_EFIELD);
    ck_assert_int_eq(member(" { } ", "text", ND_JSON_FIRST, &sp), ND_EFIELD);
}
END_TEST

START_TEST(test_member_values)
{
    const char *o = "{\"a\": {\"text\": \"inner\", \"b\": [1, \"}]\", {\"c\": null}]}, \"t\": true,"
                    " \"f\": false, \"z\": null, \"x\": -1.5e+3, \"arr\": [], \"text\": \"outer\"}";
    check_member(o, "text", ND_JSON_FIRST, "outer", 1); /* top level only */
    check_member(o, "a", ND_JSON_FIRST, "{\"text\": \"inner\", \"b\": [1, \"}]\", {\"c\": null}]}",
                 0);
    check_member(o, "t", ND_JSON_FIRST, "true", 0);
    check_member(o, "f", ND_JSON_FIRST, "false", 0);
    check_member(o, "z", ND_JSON_FIRST, "null", 0);
    check_member(o, "x", ND_JSON_FIRST, "-1.5e+3", 0);
    check_member(o, "arr", ND_JSON_FIRST, "[]", 0);
}
END_TEST

START_TEST(test_member_repeated_and_escaped_names)
{
    const char *o = "{\"text\": \"one\", \"id\": 1, \"text\": \"two\"}";
    check_member(o, "text", ND_JSON_FIRST, "one", 1);
    check_member(o, "text", ND_JSON_LAST, "two", 1);
    /* Names compare decoded; an escaped NUL ends a name as it ends cJSON's C string. */
    check_member("{\"te\\u0078t\": \"x\"}", "text", ND_JSON_FIRST, "x", 1);
    check_member("{\"te\\/xt\": \"no\", \"te/xt\": \"y\"}", "te/xt", ND_JSON_FIRST, "no", 1);
    check_member("{\"text\\u0000junk\": \"z\"}", "text", ND_JSON_FIRST, "z", 1);
    check_member("{\"caf\\u00e9\": 1}", "caf\xc3\xa9", ND_JSON_FIRST, "1", 0);
    check_member("{\"\": 7}", "", ND_JSON_FIRST, "7", 0);
}
END_TEST

START_TEST(test_member_white_space_and_bom)
{
    /* Any byte up to 0x20 is white space (as cJSON); a byte-order mark may open the line. */
    check_member("\xef\xbb\xbf{\"text\":\"a\"}", "text", ND_JSON_FIRST, "a", 1);
    check_member("\t\r {\x01\"text\"\x1f:\x02\"a\"\x20}", "text", ND_JSON_FIRST, "a", 1);
    nd_json_span sp;
    ck_assert_int_eq(member("{\"text\": \"a\"\x7f}", "text", ND_JSON_FIRST, &sp), ND_EJSON);
}
END_TEST

START_TEST(test_member_malformed)
{
    static const char *const bad[] = {
        "",
        "   ",
        "[]",
        "\"text\"",
        "{",
        "{\"text\"",
        "{\"text\":",
        "{\"text\": \"a\"",
        "{\"text\": \"a\",}",
        "{\"text\" \"a\"}",
        "{text: \"a\"}",
        "{\"text\": \"a\"} x",
        "{\"text\": \"a\"}{}",
        "{\"a\": [1, 2}",
        "{\"a\": {\"b\": 1]}",
        "{\"a\": tru}",
        "{\"a\": nul}",
        "{\"a\": }",
        "{\"text\": \"bad \\x escape\"}",
        "{\"te\\qxt\": 1}",
        "{\"a\": \"\\ud800\"}",
        "{\"text\": \"unterminated}",
        "{\"a\" : 1 \"b\": 2}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_json_span sp = {7, 7, 7};
        nd_status st = member(bad[i], "text", ND_JSON_FIRST, &sp);
        ck_assert_msg(st == ND_EJSON, "'%s': %d", bad[i], st);
        ck_assert_uint_eq(sp.start, 7); /* untouched */
    }
}
END_TEST

START_TEST(test_member_depth_limit)
{
    tu_sbuf b = {0};
    for (int depth = ND_JSON_SPAN_DEPTH - 1; depth <= ND_JSON_SPAN_DEPTH + 1; depth++) {
        b.n = 0;
        tu_sb_puts(&b, "{\"a\": ");
        for (int i = 0; i < depth; i++)
            tu_sb_puts(&b, "[");
        for (int i = 0; i < depth; i++)
            tu_sb_puts(&b, "]");
        tu_sb_puts(&b, ", \"text\": \"x\"}");
        nd_json_span sp;
        nd_status st = member(b.p, "text", ND_JSON_FIRST, &sp);
        ck_assert_int_eq(st, depth <= ND_JSON_SPAN_DEPTH ? ND_OK : ND_EJSON);
    }
    free(b.p);
}
END_TEST

/* ---- strings ------------------------------------------------------------------------- */

START_TEST(test_unescape_escapes)
{
    check_unescape("plain", "plain", 5);
    check_unescape("", "", 0);
    check_unescape("\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t", 8);
    check_unescape("\\u0041\\u00e9\\u20AC", "A\xc3\xa9\xe2\x82\xac", 6);
    check_unescape("\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4);       /* U+1F600 */
    check_unescape("\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf", 4);       /* U+10FFFF */
    check_unescape("caf\xc3\xa9 \x01\t", "caf\xc3\xa9 \x01\t", 8); /* raw bytes pass */
    check_unescape("a\\u0000b", "a\0b", 3);                        /* NUL kept */
    check_unescape("\\u000a\\u000D", "\n\r", 2);
    check_unescape("\\u12g4", "\0", 1); /* not hex: U+0000, as cJSON reads it */
}
END_TEST

START_TEST(test_unescape_errors)
{
    check_bad_string("\\");
    check_bad_string("ab\\");
    check_bad_string("\\x41");
    check_bad_string("\\u12");
    check_bad_string("\\ud800");         /* a high surrogate alone */
    check_bad_string("\\ud800x\\udc00"); /* ... not followed by its pair */
    check_bad_string("\\ud800\\u0041");  /* ... followed by no low surrogate */
    check_bad_string("\\udc00");         /* a low surrogate alone */
    check_bad_string("a\"b");            /* a raw quote in a body */
}
END_TEST

START_TEST(test_unescape_stop_at_nul)
{
    nd_status st;
    size_t len, stop;
    char *out = unescape("ab\\u0000cd", 1, &st, &len, &stop);
    ck_assert_int_eq(st, ND_OK);
    ck_assert_uint_eq(len, 2);
    ck_assert_uint_eq(stop, 2);
    free(out);
}
END_TEST

/* ---- line starts ---------------------------------------------------------------------- */

static void check_lines(const char *s, const uint32_t *lines, size_t k, const size_t *want)
{
    size_t n = strlen(s), raw[16];
    char *p = exact(s, n);
    ck_assert_int_eq(nd_json_line_starts(p, n, lines, k, raw), ND_OK);
    for (size_t i = 0; i < k; i++)
        ck_assert_msg(raw[i] == want[i], "line %u of '%s': %zu, not %zu", lines[i], s, raw[i],
                      want[i]);
    free(p);
}

START_TEST(test_line_starts)
{
    /* "a\nbb\ncc" three ways: \n, \u000a, \u000A. */
    static const uint32_t l[] = {1, 2, 3, 4, 9};
    static const size_t w1[] = {0, 3, 7, 9, 9};
    check_lines("a\\nbb\\ncc", l, 5, w1);
    static const size_t w2[] = {0, 7, 15, 17, 17};
    check_lines("a\\u000abb\\u000Acc", l, 5, w2);
    /* CRLF: the \r belongs to its line. */
    static const size_t w3[] = {0, 5, 11, 11, 11};
    check_lines("a\\r\\nbb\\r\\n", l, 5, w3);
    /* A lone CR ends a line too (old Mac text), as nd_line_end; CRLF is one break. */
    static const size_t wcr[] = {0, 3, 8, 11, 12};
    check_lines("a\\rb\\r\\nc\\rd", l, 5, wcr);
    static const uint32_t l2[] = {2, 3};
    static const size_t wcr2[] = {3, 3};
    check_lines("a\\r", l2, 2, wcr2);
    /* The text ends at an escaped NUL, as cJSON's does. */
    static const size_t w4[] = {0, 3, 4, 4, 4};
    check_lines("a\\nb\\u0000\\nc", l, 5, w4);
    /* Repeated lines, and a line 0 (none: mapped to the start). */
    static const uint32_t r[] = {0, 2, 2};
    static const size_t w5[] = {0, 3, 3};
    check_lines("x\\ny", r, 3, w5);
    /* A surrogate pair is one unit. */
    static const uint32_t s2[] = {2};
    static const size_t w6[] = {14};
    check_lines("\\ud83d\\ude00\\ny", s2, 1, w6);
}
END_TEST

/* ---- against cJSON -------------------------------------------------------------------- */

static const char *const names[] = {"text", "id", "url", "te\\u0078t", "body", "text"};

/* A random JSON string literal (with quotes) of random escapes and UTF-8. */
static void rand_string(tu_sbuf *b)
{
    static const char *const units[] = {
        "a",   "Z",   " ",   "\\n",     "\\r",     "\\t",      "\\\"",         "\\\\",
        "\\/", "\\b", "\\f", "\\u00e9", "\\u20ac", "\xc3\xa9", "\xe2\x82\xac", "\\ud83d\\ude00",
        "{",   "}",   "[",   "]",       ",",       ":",        "\\u0041",      "\x7f"};
    tu_sb_puts(b, "\"");
    size_t n = tu_rand() % 12;
    for (size_t i = 0; i < n; i++)
        tu_sb_puts(b, units[tu_rand() % (sizeof units / sizeof *units)]);
    tu_sb_puts(b, "\"");
}

static void rand_value(tu_sbuf *b, int depth)
{
    switch (tu_rand() % (depth < 3 ? 7 : 5)) {
    case 0:
    case 1:
        rand_string(b);
        break;
    case 2:
        tu_sb_puts(b, tu_rand() % 2 ? "-12.5e3" : "0");
        break;
    case 3:
        tu_sb_puts(b, tu_rand() % 2 ? "true" : "null");
        break;
    case 4:
        tu_sb_puts(b, "false");
        break;
    case 5: {
        tu_sb_puts(b, "[");
        size_t n = tu_rand() % 3;
        for (size_t i = 0; i < n; i++) {
            if (i) tu_sb_puts(b, ",");
            rand_value(b, depth + 1);
        }
        tu_sb_puts(b, "]");
        break;
    }
    default: {
        tu_sb_puts(b, "{");
        size_t n = tu_rand() % 3;
        for (size_t i = 0; i < n; i++) {
            if (i) tu_sb_puts(b, ", ");
            tu_sb_puts(b, "\"");
            tu_sb_puts(b, names[tu_rand() % (sizeof names / sizeof *names)]);
            tu_sb_puts(b, "\": ");
            rand_value(b, depth + 1);
        }
        tu_sb_puts(b, "}");
    }
    }
}

static void rand_object(tu_sbuf *b)
{
    b->n = 0;
    tu_sb_puts(b, tu_rand() % 4 ? "{" : " {\t");
    size_t n = tu_rand() % 5;
    for (size_t i = 0; i < n; i++) {
        if (i) tu_sb_puts(b, tu_rand() % 2 ? "," : " ,\n ");
        tu_sb_puts(b, "\"");
        tu_sb_puts(b, names[tu_rand() % (sizeof names / sizeof *names)]);
        tu_sb_puts(b, tu_rand() % 2 ? "\":" : "\" : ");
        rand_value(b, 0);
    }
    tu_sb_puts(b, "}");
}

/* The first "text" member as cJSON sees it, compared with nd_json_member (first). */
static void compare_with_cjson(const char *s, size_t n)
{
    char *p = exact(s, n);
    nd_json_span sp;
    nd_status st = nd_json_member(p, n, "text", 4, ND_JSON_FIRST, &sp);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    /* The decoder takes a line only when nothing but white space follows the object. */
    int whole = root != NULL;
    for (const char *q = end; whole && q < s + n; q++)
        whole = (unsigned char)*q <= 0x20;
    if (whole && cJSON_IsObject(root)) {
        /* cJSON gives the first member of a name; the decoder may take another one, and
         * clean tries first and last, so the first is what to compare here. */
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "text");
        if (!t) {
            ck_assert_msg(st == ND_EFIELD, "'%.*s': %d", (int)n, s, st);
        } else {
            ck_assert_msg(st == ND_OK, "'%.*s': %d", (int)n, s, st);
            ck_assert_int_eq(sp.is_string, cJSON_IsString(t));
            if (cJSON_IsString(t)) {
                char *out = malloc(sp.end - sp.start + 1);
                size_t len, stop;
                ck_assert_int_eq(
                    nd_json_unescape(p + sp.start, sp.end - sp.start, 1, out, &len, &stop), ND_OK);
                ck_assert_uint_eq(len, strlen(t->valuestring));
                ck_assert_mem_eq(out, t->valuestring, len);
                free(out);
            }
        }
    }
    cJSON_Delete(root);
    free(p);
}

START_TEST(test_against_cjson)
{
    tu_rand_seed(12);
    tu_sbuf b = {0};
    for (int i = 0; i < 3000; i++) {
        rand_object(&b);
        compare_with_cjson(b.p, b.n);
    }
    free(b.p);
}
END_TEST

/* Every function on every prefix and on byte mutations of generated objects: no crash, no
 * read outside the input (ASan), results inside the input. */
START_TEST(test_truncated_and_mutated)
{
    tu_rand_seed(7);
    tu_sbuf b = {0};
    static const char bytes[] = "{}[]\":,\\u0 \n\xff\x80";
    for (int i = 0; i < 400; i++) {
        rand_object(&b);
        for (size_t cut = 0; cut <= b.n; cut++) {
            char *p = exact(b.p, cut);
            nd_json_span sp;
            if (nd_json_member(p, cut, "text", 4, (int)(cut & 1), &sp) == ND_OK) {
                ck_assert_uint_le(sp.start, sp.end);
                ck_assert_uint_le(sp.end, cut);
            }
            char *out = malloc(cut + 1);
            size_t len, stop, raw[3];
            uint32_t lines[3] = {1, 2, 5};
            if (nd_json_unescape(p, cut, (int)(cut & 1), out, &len, &stop) == ND_OK) {
                ck_assert_uint_le(len, cut);
                ck_assert_uint_le(stop, cut);
            }
            if (nd_json_line_starts(p, cut, lines, 3, raw) == ND_OK)
                for (int k = 0; k < 3; k++)
                    ck_assert_uint_le(raw[k], cut);
            free(out);
            free(p);
        }
        for (int m = 0; m < 20 && b.n; m++) {
            char *p = exact(b.p, b.n);
            p[tu_rand() % b.n] = bytes[tu_rand() % (sizeof bytes - 1)];
            compare_with_cjson(p, b.n);
            free(p);
        }
    }
    free(b.p);
}
END_TEST

static Suite *json_span_suite(void)
{
    Suite *s = suite_create("json_span");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_member_basic);
    tcase_add_test(tc, test_member_values);
    tcase_add_test(tc, test_member_repeated_and_escaped_names);
    tcase_add_test(tc, test_member_white_space_and_bom);
    tcase_add_test(tc, test_unescape_escapes);
    tcase_add_test(tc, test_unescape_stop_at_nul);
    tcase_add_test(tc, test_line_starts);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_member_malformed);
    tcase_add_test(tc, test_member_depth_limit);
    tcase_add_test(tc, test_unescape_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("against_cjson");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_against_cjson);
    tcase_add_test(tc, test_truncated_and_mutated);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(json_span_suite());
}
