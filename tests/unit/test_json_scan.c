/*
 * test_json_scan.c - unit tests of the JSON object scanner (src/json_scan.h): RFC 8259
 * cases accepted and rejected with the right error and offset; fields found at top level
 * only, the last of repeated keys, escaped keys; string decoding (escapes, surrogate pairs,
 * lone surrogates, \u0000); random objects written here, whose fields must come back exactly
 * as written, and every prefix of them reported as truncated.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
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

static Suite *json_scan_suite(void)
{
    Suite *s = suite_create("json_scan");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_accept_reject);
    tcase_add_test(tc, test_fields);
    tcase_add_test(tc, test_string);
    tcase_add_test(tc, test_random_objects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(json_scan_suite());
}
