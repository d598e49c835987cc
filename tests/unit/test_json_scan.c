/*
 * test_json_scan.c - unit tests of the JSON object scanner (src/json_scan.h): RFC 8259
 * cases accepted and rejected with the right error and offset; fields found at top level
 * only, the last of repeated keys, escaped keys; string decoding (escapes, surrogate pairs,
 * lone surrogates, \u0000), exact decoding (a lone surrogate refused); random objects
 * written here, whose fields must come back exactly as written, and every prefix of them
 * reported as truncated. Where decoded lines start in a raw string (nd_json_string_lines):
 * known answers, and random strings whose raw pieces between line starts must decode to
 * exactly the lines nd_line_end finds in the decoded text. Against cJSON (the tests'
 * independent reader): random objects, their prefixes and byte mutations, each in a heap
 * block of exactly its length (ASan sees a stray read).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "paras.h"
#include "testutil.h"

static nd_status scan(const char *s, nd_json_field *f, size_t n, nd_json_error *err, size_t *at)
{
    return nd_json_scan(s, strlen(s), f, n, err, at);
}

START_TEST(test_accept_reject)
{
    static const char *const ok[] = {
        "{}",
        " \t\r\n{ } \n",
        "{\"a\":1}",
        "{\"a\":-0}",
        "{\"a\":0.5}",
        "{\"a\":1e5}",
        "{\"a\":-1.25E-3}",
        "{\"a\":true,\"b\":false,\"c\":null}",
        "{\"a\":[]}",
        "{\"a\":[1,[2,[3]],{\"b\":{}}]}",
        "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00FF\"}",
        "{\"\":\"\"}",
        "{\"a\":\"\xff raw bytes pass\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        nd_json_error e = ND_JSON_OK;
        size_t at = 0;
        ck_assert_msg(scan(ok[i], NULL, 0, &e, &at) == ND_OK, "'%s' rejected (%d at %zu)", ok[i], e,
                      at);
    }
    static const struct {
        const char *s;
        nd_json_error err;
        size_t at;
    } bad[] = {
        {"", ND_JSON_TRUNCATED, 0},
        {"[1,2]", ND_JSON_NOT_OBJECT, 0},
        {"\"s\"", ND_JSON_NOT_OBJECT, 0},
        {"12", ND_JSON_NOT_OBJECT, 0},
        {"{} {}", ND_JSON_TRAILING, 3},
        {"{\"a\":1} x", ND_JSON_TRAILING, 8},
        {"{\"a\":01}", ND_JSON_SYNTAX, 6},
        {"{\"a\":+1}", ND_JSON_SYNTAX, 5},
        {"{\"a\":1.}", ND_JSON_SYNTAX, 7},
        {"{\"a\":.5}", ND_JSON_SYNTAX, 5},
        {"{\"a\":1e}", ND_JSON_SYNTAX, 7},
        {"{\"a\":NaN}", ND_JSON_SYNTAX, 5},
        {"{\"a\":tru}", ND_JSON_SYNTAX, 5}, /* at the word, not in it */
        {"{\"a\":\"x\ty\"}", ND_JSON_SYNTAX, 7},
        {"{\"a\":\"\\x\"}", ND_JSON_SYNTAX, 7},
        {"{\"a\":\"\\u12G4\"}", ND_JSON_SYNTAX, 10},
        {"{a:1}", ND_JSON_SYNTAX, 1},
        {"{\"a\" 1}", ND_JSON_SYNTAX, 5},
        {"{\"a\":1,}", ND_JSON_SYNTAX, 7},
        {"{\"a\":[1,]}", ND_JSON_SYNTAX, 8},
        {"{\"a\":[1 2]}", ND_JSON_SYNTAX, 8},
        {"{\"a\":1", ND_JSON_TRUNCATED, 6},
        {"{\"a\":\"abc", ND_JSON_TRUNCATED, 9},
        {"{\"a\":[{", ND_JSON_TRUNCATED, 7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_json_error e = ND_JSON_OK;
        size_t at = 99;
        ck_assert_msg(scan(bad[i].s, NULL, 0, &e, &at) == ND_EJSON, "'%s' accepted", bad[i].s);
        ck_assert_msg(e == bad[i].err && at == bad[i].at,
                      "'%s': error %d at %zu, expected %d at %zu", bad[i].s, e, at, bad[i].err,
                      bad[i].at);
    }
    /* Nesting: ND_JSON_MAX_DEPTH levels pass, one more does not. */
    size_t n = ND_JSON_MAX_DEPTH;
    char *deep = malloc(2 * n + 16);
    ck_assert_ptr_nonnull(deep);
    size_t k = 0;
    deep[k++] = '{';
    deep[k++] = '"', deep[k++] = 'a', deep[k++] = '"', deep[k++] = ':';
    for (size_t i = 0; i < n - 1; i++)
        deep[k++] = '[';
    for (size_t i = 0; i < n - 1; i++)
        deep[k++] = ']';
    deep[k++] = '}';
    nd_json_error e;
    size_t at;
    ck_assert_int_eq(nd_json_scan(deep, k, NULL, 0, &e, &at), ND_OK);
    memmove(deep + 6, deep + 5, k - 5); /* one more '[' ... */
    deep[5] = '[';
    memmove(deep + k + 1, deep + k, 1); /* ... and ']' */
    deep[k] = ']';
    ck_assert_int_eq(nd_json_scan(deep, k + 2, NULL, 0, &e, &at), ND_EJSON);
    ck_assert_int_eq(e, ND_JSON_DEEP);
    free(deep);
}
END_TEST

START_TEST(test_fields)
{
    const char *s = "{\"id\": 7, \"meta\": {\"text\": \"inner\", \"id\": \"inner\"}, "
                    "\"text\": \"first\", \"list\": [\"text\"], \"t\\u0065xt\": \"last\"}";
    nd_json_field f[3] = {{"text", 4, 0, 0, 0}, {"id", 2, 0, 0, 0}, {"url", 3, 0, 0, 0}};
    nd_json_error e;
    size_t at;
    ck_assert_int_eq(scan(s, f, 3, &e, &at), ND_OK);
    /* Top level only; the last "text" is the escaped key. */
    ck_assert_int_eq(f[0].type, ND_JSON_STRING);
    ck_assert(f[0].len == 6 && memcmp(s + f[0].off, "\"last\"", 6) == 0);
    ck_assert_int_eq(f[1].type, ND_JSON_NUMBER);
    ck_assert(f[1].len == 1 && s[f[1].off] == '7');
    ck_assert_int_eq(f[2].type, ND_JSON_NONE);
    /* Values of every type, with their spans. */
    const char *t =
        "{\"a\" : [1, 2] ,\"b\":{\"c\":null},\"c\":true,\"d\":false,\"e\":null,\"f\":-1.5}";
    nd_json_field g[6] = {{"a", 1, 0, 0, 0}, {"b", 1, 0, 0, 0}, {"c", 1, 0, 0, 0},
                          {"d", 1, 0, 0, 0}, {"e", 1, 0, 0, 0}, {"f", 1, 0, 0, 0}};
    ck_assert_int_eq(scan(t, g, 6, &e, &at), ND_OK);
    static const nd_json_type want[] = {ND_JSON_ARRAY, ND_JSON_OBJECT, ND_JSON_TRUE,
                                        ND_JSON_FALSE, ND_JSON_NULL,   ND_JSON_NUMBER};
    static const char *const span[] = {"[1, 2]", "{\"c\":null}", "true", "false", "null", "-1.5"};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(g[i].type, want[i]);
        ck_assert_uint_eq(g[i].len, strlen(span[i]));
        ck_assert(memcmp(t + g[i].off, span[i], g[i].len) == 0);
    }
}
END_TEST

START_TEST(test_string)
{
    static const struct {
        const char *raw, *want;
        size_t wlen;
    } c[] = {
        {"\"\"", "", 0},
        {"\"plain\"", "plain", 5},
        {"\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7},
        {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5},
        {"\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4}, /* a surrogate pair */
        {"\"\\ud83d x\"", "\xef\xbf\xbd x", 5},        /* a lone high surrogate */
        {"\"\\ude00\"", "\xef\xbf\xbd", 3},            /* a lone low one */
        {"\"\\ud83d\\u0041\"",
         "\xef\xbf\xbd"
         "A",
         4},                          /* high, then no low */
        {"\"a\\u0000b\"", "a\0b", 3}, /* NUL kept */
        {"\"\xff\xfe raw\"", "\xff\xfe raw", 6},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char out[64];
        size_t len = strlen(c[i].raw);
        size_t n = nd_json_string(c[i].raw, len, out);
        ck_assert_uint_le(n, len);
        ck_assert_msg(n == c[i].wlen && memcmp(out, c[i].want, n) == 0, "case %zu: %zu bytes", i,
                      n);
    }
}
END_TEST

/* Random objects: keys and string values with every kind of escape, numbers, nesting. The
 * fields come back exactly as written; every proper prefix is an error (truncated or not an
 * object never: a prefix of an object is never a whole one). */
START_TEST(test_random_objects)
{
    tu_rand_seed(2026);
    tu_sbuf b = {0};
    for (int iter = 0; iter < 2000; iter++) {
        b.n = 0;
        tu_sb_puts(&b, "{");
        char text[200];
        size_t tl = 0;
        int nkeys = 1 + (int)(tu_rand() % 6), text_at = (int)(tu_rand() % (unsigned)nkeys);
        for (int k = 0; k < nkeys; k++) {
            if (k) tu_sb_puts(&b, tu_rand() % 2 ? "," : " ,\n ");
            if (k == text_at) {
                tu_sb_puts(&b, "\"text\":\"");
                tl = 0;
                int m = (int)(tu_rand() % 40);
                for (int j = 0; j < m; j++) {
                    unsigned r = (unsigned)(tu_rand() % 6);
                    char ch = (char)('a' + tu_rand() % 26);
                    if (r == 0) {
                        tu_sb_puts(&b, "\\n");
                        text[tl++] = '\n';
                    } else if (r == 1) {
                        tu_sb_puts(&b, "\\u00e9");
                        text[tl++] = '\xc3', text[tl++] = '\xa9';
                    } else if (r == 2) {
                        tu_sb_puts(&b, "\\\"");
                        text[tl++] = '"';
                    } else {
                        tu_sb_add(&b, &ch, 1);
                        text[tl++] = ch;
                    }
                }
                tu_sb_puts(&b, "\"");
                continue;
            }
            char key[32];
            snprintf(key, sizeof key, "\"k%d\":", k);
            tu_sb_puts(&b, key);
            static const char *const vals[] = {"1",  "-2.5e3", "\"x\\ty\"", "[1,[2,{\"text\":3}]]",
                                               "{}", "true",   "null",      "{\"a\":{\"b\":[]}}"};
            tu_sb_puts(&b, vals[tu_rand() % 8]);
        }
        tu_sb_puts(&b, "}");
        nd_json_field f = {"text", 4, 0, 0, 0};
        nd_json_error e;
        size_t at;
        TU_REQUIRE(nd_json_scan(b.p, b.n, &f, 1, &e, &at) == ND_OK, "'%s': %d at %zu", b.p, e, at);
        TU_REQUIRE(f.type == ND_JSON_STRING, "'%s'", b.p);
        char out[256];
        size_t n = nd_json_string(b.p + f.off, f.len, out);
        TU_REQUIRE(n == tl && memcmp(out, text, n) == 0, "'%s'", b.p);
        for (size_t cut = 0; cut < b.n; cut++)
            TU_REQUIRE(nd_json_scan(b.p, cut, &f, 1, &e, &at) == ND_EJSON &&
                           e != ND_JSON_NOT_OBJECT,
                       "prefix %zu of '%s' accepted", cut, b.p);
    }
    free(b.p);
}
END_TEST

/* The same cases, checked: a lone surrogate is refused, everything else decodes exactly as
 * nd_json_string decodes it. */
START_TEST(test_string_exact)
{
    static const char *const ok[] = {
        "\"\"",
        "\"plain\"",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u0041\\u00e9\\u20AC\"",
        "\"\\ud83d\\ude00\"",
        "\"\\uDBFF\\uDFFF\"",
        "\"a\\u0000b\"",
        "\"\xff\xfe raw\"",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char a[64], b[64];
        size_t len = strlen(ok[i]), n = 99;
        size_t want = nd_json_string(ok[i], len, a);
        ck_assert_msg(nd_json_string_exact(ok[i], len, b, &n, NULL) == ND_OK, "'%s' refused",
                      ok[i]);
        ck_assert(n == want && memcmp(a, b, n) == 0);
    }
    /* Refused, with the offset of the first byte that is wrong: lone surrogates (at their
     * backslash), and anything nd_json_scan would refuse (restore reads any bytes). */
    static const struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"\"\\ud83d\"", 1},
        {"\"\\ud83d x\"", 1},
        {"\"\\ude00\"", 1},
        {"\"\\ud83d\\u0041\"", 1},
        {"\"\\ud800x\\udc00\"", 1},
        {"\"\\udc00\\ud800\"", 1},
        {"\"ok \\uDFFF ok\"", 4},
        {"\"\\ud83d\\ude00\\ud83d\"", 13},
        {"\"\\ud83d\\uzz00\"", 1},
        {"", 0},
        {"\"", 0},
        {"x\"\"", 0},
        {"\"abc", 3},
        {"\"a\"b\"", 2},
        {"\"ab\ncd\"", 3},
        {"\"ab\x01\"", 3},
        {"\"ab\\x\"", 3},
        {"\"ab\\u12\"", 3},
        {"\"ab\\u12g4\"", 3},
        {"\"ab\\\"", 3},
        {"\"ab\\u\"", 3},
        {"\"a\\\\\\\"", 4},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[64];
        size_t n = 99, at = 99;
        ck_assert_msg(nd_json_string_exact(bad[i].s, strlen(bad[i].s), out, &n, &at) == ND_EJSON,
                      "'%s' accepted", bad[i].s);
        ck_assert_uint_eq(n, 99); /* untouched */
        ck_assert_msg(at == bad[i].at, "'%s': at %zu, not %zu", bad[i].s, at, bad[i].at);
    }
}
END_TEST

static int has_surrogate(const char *s, size_t n);

/* nd_json_string_exact on random strings against nd_json_scan: it accepts exactly what the
 * scanner accepts as a string value and holds no lone surrogate, decodes it as
 * nd_json_string, and refuses the rest at an offset inside the string. */
START_TEST(test_string_exact_random)
{
    static const char alpha[] = "\"\\u/bnrtxdD8Fc0e\x01\xc3\xa9 ";
    tu_rand_seed(31);
    for (int t = 0; t < 20000; t++) {
        char raw[40], doc[64], a[64], b[64];
        size_t len = tu_rand() % 16;
        for (size_t i = 0; i < len; i++)
            raw[i] = alpha[tu_rand() % (sizeof alpha - 1)];
        if (len && tu_rand() % 2) raw[0] = '"';
        if (len > 1 && tu_rand() % 2) raw[len - 1] = '"';
        int n = snprintf(doc, sizeof doc, "{\"v\":%.*s}", (int)len, raw);
        nd_json_field f = {"v", 1, ND_JSON_NONE, 0, 0};
        nd_json_error err;
        size_t at = 99, xl = 99;
        int scans = nd_json_scan(doc, (size_t)n, &f, 1, &err, &at) == ND_OK &&
                    f.type == ND_JSON_STRING && f.off == 5 && f.len == len;
        nd_status xs = nd_json_string_exact(raw, len, b, &xl, &at);
        if (xs == ND_OK) {
            ck_assert_msg(scans, "'%.*s' exact only", (int)len, raw);
            size_t dl = nd_json_string(raw, len, a);
            ck_assert(dl == xl && memcmp(a, b, dl) == 0);
        } else {
            ck_assert_msg(!scans || has_surrogate(raw, len), "'%.*s' refused", (int)len, raw);
            ck_assert_msg(at < len || (len == 0 && at == 0), "'%.*s' at %zu", (int)len, raw, at);
        }
    }
}
END_TEST

/* Keys compare after decoding, wholly: an escaped NUL is a character of the key (cJSON's C
 * strings ended there). */
START_TEST(test_escaped_keys)
{
    static const struct {
        const char *s, *key, *want;
    } c[] = {
        {"{\"te\\u0078t\": \"x\"}", "text", "\"x\""},
        {"{\"te\\/xt\": \"a\", \"te/xt\": \"b\", \"te\\/xt\": \"c\"}", "te/xt", "\"c\""},
        {"{\"text\\u0000junk\": \"z\"}", "text", NULL},
        {"{\"text\\u0000\": \"z\"}", "text", NULL},
        {"{\"caf\\u00e9\": 1}", "caf\xc3\xa9", "1"},
        {"{\"\": 7}", "", "7"},
        {"{\"text\": \"one\", \"id\": 1, \"text\": \"two\"}", "text", "\"two\""},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        nd_json_field f = {c[i].key, strlen(c[i].key), 0, 0, 0};
        nd_json_error e;
        size_t at;
        ck_assert_int_eq(scan(c[i].s, &f, 1, &e, &at), ND_OK);
        if (!c[i].want) {
            ck_assert_msg(f.type == ND_JSON_NONE, "case %zu found", i);
            continue;
        }
        ck_assert_msg(f.len == strlen(c[i].want) && memcmp(c[i].s + f.off, c[i].want, f.len) == 0,
                      "case %zu: '%.*s'", i, (int)f.len, c[i].s + f.off);
    }
}
END_TEST

/* What cJSON (and json_span, the lenient reader restore used before) took and RFC 8259 does
 * not: control bytes as white space, a byte-order mark, a \u with a non-hex digit; and
 * malformed objects of every kind. */
START_TEST(test_reject_lenient)
{
    static const char *const bad[] = {
        "\xef\xbb\xbf{\"text\":\"a\"}",
        "{\x01\"text\":\"a\"}",
        "{\"text\"\x1f:\"a\"}",
        "{\"text\": \"a\"\x7f}",
        "{\"text\": \"a\x01\"}",
        "{\"text\": \"\\u12g4\"}",
        "   ",
        "\"text\"",
        "{",
        "{\"text\"",
        "{\"text\":",
        "{\"text\": \"a\",}",
        "{\"text\" \"a\"}",
        "{text: \"a\"}",
        "{\"text\": \"a\"}{}",
        "{\"a\": [1, 2}",
        "{\"a\": {\"b\": 1]}",
        "{\"a\": nul}",
        "{\"a\": }",
        "{\"te\\qxt\": 1}",
        "{\"text\": \"unterminated}",
        "{\"a\" : 1 \"b\": 2}",
        "{\"a\": 1.2.3}",
        "{\"a\": --1}",
        "{\"a\": 1e+}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_json_field f = {"text", 4, 0, 0, 0};
        nd_json_error e = ND_JSON_OK;
        size_t at = 99;
        ck_assert_msg(scan(bad[i], &f, 1, &e, &at) == ND_EJSON, "'%s' accepted", bad[i]);
        ck_assert(e != ND_JSON_OK && at <= strlen(bad[i]));
    }
}
END_TEST

/* ---- line starts -------------------------------------------------------------------------- */

/* Checks nd_json_string_lines on the string body s (quoted here); want[] are offsets in the
 * body (the raw offsets less the opening quote). */
static void check_lines(const char *s, const uint32_t *lines, size_t k, const size_t *want)
{
    size_t n = strlen(s) + 2, out[16];
    char *p = malloc(n); /* exactly n: ASan sees a read past the string */
    ck_assert_ptr_nonnull(p);
    p[0] = p[n - 1] = '"';
    memcpy(p + 1, s, n - 2);
    nd_json_string_lines(p, n, lines, k, out);
    for (size_t i = 0; i < k; i++)
        ck_assert_msg(out[i] - 1 == want[i], "line %u of '%s': %zu, not %zu", lines[i], s,
                      out[i] - 1, want[i]);
    free(p);
}

START_TEST(test_string_lines)
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
    static const size_t wcr3[] = {0, 7, 20, 21, 21};
    check_lines("a\\u000Db\\u000d\\u000ac", l, 5, wcr3);
    static const size_t wcr4[] = {0, 3, 5, 9, 10};
    check_lines("a\\r\\r\\r\\nb", l, 5, wcr4); /* CR, CR, CRLF */
    static const size_t wcr5[] = {0, 3, 6, 7, 7};
    check_lines("a\\rb\\nc", l, 5, wcr5); /* a lone CR, then a raw byte, then a LF */
    static const uint32_t l2[] = {2, 3};
    static const size_t wcr2[] = {3, 3};
    check_lines("a\\r", l2, 2, wcr2);
    /* An escaped NUL is a character (a space to the decoder), not the end of the text. */
    static const size_t w4[] = {0, 3, 12, 13, 13};
    check_lines("a\\nb\\u0000\\nc", l, 5, w4);
    static const size_t w7[] = {0, 8, 16, 16, 16};
    check_lines("\\u0000\\n\\u0000\\n", l, 5, w7);
    /* Repeated lines, and a line 0 (none: mapped to the start). */
    static const uint32_t r[] = {0, 2, 2};
    static const size_t w5[] = {0, 3, 3};
    check_lines("x\\ny", r, 3, w5);
    /* A surrogate pair is one unit; escapes that are no break, and raw bytes. */
    static const uint32_t s2[] = {2, 3};
    static const size_t w6[] = {14, 25};
    check_lines("\\ud83d\\ude00\\ny\\t\\\\\\\"\\/\\n\\u00e9", s2, 2, w6);
    /* An escaped backslash before an n is no line break. */
    static const size_t w8[] = {0, 9, 9, 9, 9};
    check_lines("a\\\\nb\\\\\\n", l, 5, w8);
    /* The empty string: every line at its end. */
    static const size_t w9[] = {0, 0, 0, 0, 0};
    check_lines("", l, 5, w9);
}
END_TEST

/* A random JSON string literal (with quotes) of random units: plain and multibyte bytes,
 * every escape, every way of writing LF and CR, escaped NULs, pairs and lone surrogates. */
static void rand_string(tu_sbuf *b, size_t maxunits)
{
    static const char *const units[] = {"a",
                                        "Z",
                                        " ",
                                        "\\n",
                                        "\\r",
                                        "\\t",
                                        "\\\"",
                                        "\\\\",
                                        "\\/",
                                        "\\b",
                                        "\\f",
                                        "\\u00e9",
                                        "\\u20ac",
                                        "\xc3\xa9",
                                        "\xe2\x82\xac",
                                        "\\ud83d\\ude00",
                                        "\\u000a",
                                        "\\u000D",
                                        "\\u000A",
                                        "\\u000d",
                                        "\\u0000",
                                        "\\ud83d",
                                        "\\ude00",
                                        "\\r\\n",
                                        "\\u0041",
                                        "\x7f",
                                        "{",
                                        "}",
                                        ",",
                                        ":",
                                        "\\u005c",
                                        "\\u0022",
                                        "\\u0085",
                                        "\\u2028"};
    tu_sb_puts(b, "\"");
    size_t n = tu_rand() % (maxunits + 1);
    for (size_t i = 0; i < n; i++)
        tu_sb_puts(b, units[tu_rand() % (sizeof units / sizeof *units)]);
    tu_sb_puts(b, "\"");
}

/* For random strings: the lines nd_line_end finds in the decoded text (its NULs spaces, as
 * the decoder has them) are exactly what the raw pieces between the line starts decode
 * to; and any subset of the line numbers gives the same starts. */
START_TEST(test_string_lines_random)
{
    tu_rand_seed(31);
    tu_sbuf b = {0};
    for (int iter = 0; iter < 20000; iter++) {
        b.n = 0;
        rand_string(&b, iter < 10000 ? 8 : 60);
        char *raw = malloc(b.n);
        ck_assert_ptr_nonnull(raw);
        memcpy(raw, b.p, b.n);
        char *text = malloc(b.n), *piece = malloc(b.n + 2), *dec = malloc(b.n + 2);
        ck_assert(text && piece && dec);
        size_t tl = nd_json_string(raw, b.n, text);
        for (size_t i = 0; i < tl; i++)
            if (text[i] == '\0') text[i] = ' ';
        /* The decoded lines: starts d[0..nl), d[nl] = tl. */
        size_t d[200], nl = 0;
        for (size_t pos = 0, next; pos < tl; pos = next) {
            ck_assert_uint_lt(nl, 199);
            d[nl++] = pos;
            nd_line_end(text, tl, pos, &next);
        }
        d[nl] = tl;
        uint32_t lines[204];
        size_t out[204];
        size_t k = 0;
        for (uint32_t L = 0; L <= nl + 3; L++)
            lines[k++] = L;
        nd_json_string_lines(raw, b.n, lines, k, out);
        TU_REQUIRE(out[0] == 1 && out[1] == 1, "'%s': line 1 at %zu", b.p, out[1]);
        for (size_t L = nl + 1; L <= nl + 3; L++)
            TU_REQUIRE(out[L] == b.n - 1, "'%s': line %zu at %zu, not the end", b.p, L, out[L]);
        for (size_t L = 1; L <= nl; L++) {
            size_t a = out[L], z = out[L + 1];
            TU_REQUIRE(a <= z && z <= b.n - 1, "'%s': line %zu at %zu..%zu", b.p, L, a, z);
            piece[0] = '"';
            memcpy(piece + 1, raw + a, z - a);
            piece[z - a + 1] = '"';
            size_t pl = nd_json_string(piece, z - a + 2, dec);
            for (size_t i = 0; i < pl; i++)
                if (dec[i] == '\0') dec[i] = ' ';
            TU_REQUIRE(pl == d[L] - d[L - 1] && memcmp(dec, text + d[L - 1], pl) == 0,
                       "'%s': line %zu is '%.*s', not '%.*s'", b.p, L, (int)pl, dec,
                       (int)(d[L] - d[L - 1]), text + d[L - 1]);
        }
        /* A random ascending subset, with repeats. */
        uint32_t sub[8];
        size_t ks = tu_rand() % 8, souts[8];
        for (size_t i = 0; i < ks; i++)
            sub[i] = (uint32_t)(tu_rand() % (nl + 4));
        for (size_t i = 1; i < ks; i++) /* insertion sort */
            for (size_t j = i; j > 0 && sub[j - 1] > sub[j]; j--) {
                uint32_t t = sub[j];
                sub[j] = sub[j - 1], sub[j - 1] = t;
            }
        nd_json_string_lines(raw, b.n, sub, ks, souts);
        for (size_t i = 0; i < ks; i++)
            TU_REQUIRE(souts[i] == out[sub[i]], "'%s': line %u alone at %zu, with all at %zu", b.p,
                       sub[i], souts[i], out[sub[i]]);
        free(raw), free(text), free(piece), free(dec);
    }
    free(b.p);
}
END_TEST

/* ---- against cJSON ------------------------------------------------------------------------ */

static const char *const names[] = {"text", "id", "url", "te\\u0078t", "body", "text"};

static void rand_value(tu_sbuf *b, int depth)
{
    switch (tu_rand() % (depth < 3 ? 7 : 5)) {
    case 0:
    case 1:
        rand_string(b, 12);
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
    tu_sb_puts(b, "}\r\n");
}

/* Whether s[0..n) holds a \u escape of a surrogate: what cJSON refuses alone. */
static int has_surrogate(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (s[i] == '\\' && s[i + 1] == 'u' && (s[i + 2] | 0x20) == 'd' &&
            strchr("89abcdefABCDEF", s[i + 3]) && s[i + 3] != '\0')
            return 1;
    return 0;
}

/* nd_json_scan on s[0..n) (an exact heap copy, so ASan sees a stray read) against cJSON:
 * what neardup accepts cJSON parses (but for lone surrogates, which only cJSON refuses),
 * and the "text" it finds is cJSON's last top-level "text", with the same bytes up to
 * cJSON's first NUL (cJSON's strings end there); exact decoding fails only for a lone
 * surrogate; the line starts lie inside the span, in order. `valid`: s is known to be
 * valid JSON, so it must be accepted. */
static void compare_with_cjson(const char *s, size_t n, int valid)
{
    char *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    nd_json_field f = {"text", 4, 0, 0, 0};
    nd_json_error e;
    size_t at;
    nd_status st = nd_json_scan(p, n, &f, 1, &e, &at);
    TU_REQUIRE(st == ND_OK || !valid, "'%.*s' refused: %d at %zu", (int)n, s, e, at);
    if (st != ND_OK) {
        TU_REQUIRE(e != ND_JSON_OK && at <= n, "'%.*s': %d at %zu", (int)n, s, e, at);
        free(p);
        return;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(p, n, NULL, 0);
    if (!root && has_surrogate(p, n)) {
        free(p);
        return;
    }
    TU_REQUIRE(root && cJSON_IsObject(root), "'%.*s': cJSON refuses it", (int)n, s);
    const cJSON *t = NULL;
    for (const cJSON *c = root->child; c; c = c->next)
        if (c->string && strcmp(c->string, "text") == 0) t = c;
    if (f.type == ND_JSON_NONE) {
        /* (a key with an escaped NUL, "text\u0000...", is "text" to cJSON only) */
        TU_REQUIRE(!t || has_surrogate(p, n) || strstr(s, "\\u0000"), "'%.*s': no text found",
                   (int)n, s);
    } else {
        TU_REQUIRE(t != NULL, "'%.*s': a text cJSON does not find", (int)n, s);
        TU_REQUIRE((f.type == ND_JSON_STRING) == cJSON_IsString(t), "'%.*s': type", (int)n, s);
    }
    if (t && f.type == ND_JSON_STRING && cJSON_IsString(t)) {
        TU_REQUIRE(f.off + f.len <= n && p[f.off] == '"' && p[f.off + f.len - 1] == '"',
                   "'%.*s': span %zu+%zu", (int)n, s, f.off, f.len);
        char *out = malloc(f.len), *ex = malloc(f.len);
        ck_assert(out && ex);
        size_t len = nd_json_string(p + f.off, f.len, out), xl = 0;
        size_t upto = memchr(out, '\0', len) ? (size_t)((char *)memchr(out, '\0', len) - out) : len;
        TU_REQUIRE(upto == strlen(t->valuestring) && memcmp(out, t->valuestring, upto) == 0,
                   "'%.*s': text decodes differently", (int)n, s);
        nd_status xs = nd_json_string_exact(p + f.off, f.len, ex, &xl, NULL);
        TU_REQUIRE(xs == ND_OK ? xl == len && memcmp(ex, out, len) == 0
                               : has_surrogate(p + f.off, f.len),
                   "'%.*s': exact decoding differs", (int)n, s);
        uint32_t lines[4] = {1, 2, 3, 50};
        size_t ls[4];
        nd_json_string_lines(p + f.off, f.len, lines, 4, ls);
        for (int i = 0; i < 4; i++)
            TU_REQUIRE(ls[i] >= 1 && ls[i] <= f.len - 1 && (i == 0 || ls[i] >= ls[i - 1]),
                       "'%.*s': line %u at %zu", (int)n, s, lines[i], ls[i]);
        free(out), free(ex);
    }
    cJSON_Delete(root);
    free(p);
}

START_TEST(test_against_cjson)
{
    tu_rand_seed(12);
    tu_sbuf b = {0};
    static const char bytes[] = "{}[]\":,\\u0 \n\xff\x80\x01tfn-.e";
    for (int i = 0; i < 3000; i++) {
        rand_object(&b);
        compare_with_cjson(b.p, b.n, 1);
        /* Every prefix, and byte mutations. */
        if (i % 4 == 0)
            for (size_t cut = 0; cut < b.n; cut++)
                compare_with_cjson(b.p, cut, 0);
        for (int m = 0; m < 10 && b.n; m++) {
            char *p = malloc(b.n);
            ck_assert_ptr_nonnull(p);
            memcpy(p, b.p, b.n);
            p[tu_rand() % b.n] = bytes[tu_rand() % (sizeof bytes - 1)];
            compare_with_cjson(p, b.n, 0);
            free(p);
        }
    }
    free(b.p);
}
END_TEST

static Suite *json_scan_suite(void)
{
    Suite *s = suite_create("json_scan");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_accept_reject);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_string);
    tcase_add_test(tc, test_random_objects);
    tcase_add_test(tc, test_string_exact);
    tcase_add_test(tc, test_string_exact_random);
    tcase_add_test(tc, test_escaped_keys);
    tcase_add_test(tc, test_string_lines);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_reject_lenient);
    suite_add_tcase(s, tc);
    tc = tcase_create("random");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_string_lines_random);
    tcase_add_test(tc, test_against_cjson);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(json_scan_suite());
}
