/*
 * test_words.c - unit tests of the word dictionary (src/words.h): one id per distinct word
 * whatever the hashes (the same hash given for different words, on purpose), words that
 * differ only in their 9th or 256th byte, ids in order of first interning, growth past
 * many table sizes, reset, and a failing allocator.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "shingle.h"
#include "testutil.h"
#include "words.h"

/* Interns s (with 8 bytes of readable slack, as token text has) under `hash`. */
static uint32_t intern(nd_words *d, uint64_t hash, const char *s)
{
    char buf[600];
    size_t len = strlen(s);
    ck_assert_uint_lt(len + 8, sizeof buf);
    memset(buf, 'x', sizeof buf); /* the slack holds garbage, which must not matter */
    memcpy(buf, s, len);
    uint32_t id = UINT32_MAX;
    ck_assert_int_eq(nd_words_intern(d, hash, buf, (uint32_t)len, &id), ND_OK);
    return id;
}

START_TEST(test_ids)
{
    nd_words *d = NULL;
    ck_assert_int_eq(nd_words_create(&d), ND_OK);
    const char *w[] = {"negara", "a", "besar", "negara", "a", "Negara", ""};
    uint32_t id[7];
    for (int i = 0; i < 7; i++)
        id[i] = intern(d, nd_token_hash(w[i], strlen(w[i])), w[i]);
    ck_assert_uint_eq(id[0], 0);
    ck_assert_uint_eq(id[1], 1);
    ck_assert_uint_eq(id[2], 2);
    ck_assert_uint_eq(id[3], 0); /* the same word, the same id */
    ck_assert_uint_eq(id[4], 1);
    ck_assert_uint_eq(id[5], 3); /* bytes differ: another word */
    ck_assert_uint_eq(id[6], 4);
    ck_assert_uint_eq(nd_words_count(d), 5);
    uint32_t len;
    uint64_t h;
    const char *s = nd_words_get(d, 2, &len, &h);
    ck_assert_uint_eq(len, 5);
    ck_assert(memcmp(s, "besar", 5) == 0);
    ck_assert_uint_eq(h, nd_token_hash("besar", 5));
    nd_words_reset(d);
    ck_assert_uint_eq(nd_words_count(d), 0);
    ck_assert_uint_eq(intern(d, nd_token_hash("besar", 5), "besar"), 0);
    nd_words_free(d);
    nd_words_free(NULL);
}
END_TEST

/* Different words under the same hash (a collision of any width): different ids; each found
 * again under that hash. Words that agree on their first 8 bytes, or 255, or their length
 * clamp in the slot's tag, stay apart too. */
START_TEST(test_collisions)
{
    nd_words *d = NULL;
    ck_assert_int_eq(nd_words_create(&d), ND_OK);
    static const char *const w[] = {"story", "number",    "28352",     "topic",    "198464", "w633",
                                    "w873",  "abcdefgh1", "abcdefgh2", "abcdefgh", "abcdefg"};
    enum { N = sizeof w / sizeof *w };
    uint32_t id[N];
    for (int i = 0; i < N; i++)
        id[i] = intern(d, 42, w[i]); /* all the same hash */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            ck_assert_uint_ne(id[i], id[j]);
    for (int i = 0; i < N; i++)
        ck_assert_uint_eq(intern(d, 42, w[i]), id[i]);
    char a[300], b[300];
    memset(a, 'q', 299);
    a[299] = '\0';
    memcpy(b, a, sizeof a);
    b[280] = 'r'; /* differs past the length clamp of 255 */
    uint32_t ia = intern(d, 7, a), ib = intern(d, 7, b);
    ck_assert_uint_ne(ia, ib);
    ck_assert_uint_eq(intern(d, 7, a), ia);
    ck_assert_uint_eq(intern(d, 7, b), ib);
    nd_words_free(d);
}
END_TEST

/* 100,000 words (the table doubles many times), 1,000 of them colliding: the same ids back. */
START_TEST(test_growth)
{
    nd_words *d = NULL;
    ck_assert_int_eq(nd_words_create(&d), ND_OK);
    char w[32];
    for (unsigned i = 0; i < 100000; i++) {
        int n = snprintf(w, sizeof w, "kata%u", i);
        /* 1,000 of them under one of 16 hashes: probe chains of about 60. */
        uint64_t h = i < 1000 ? i % 16 : nd_token_hash(w, (size_t)n);
        ck_assert_uint_eq(intern(d, h, w), i);
    }
    for (unsigned i = 0; i < 100000; i += 7) {
        int n = snprintf(w, sizeof w, "kata%u", i);
        uint64_t h = i < 1000 ? i % 16 : nd_token_hash(w, (size_t)n);
        TU_REQUIRE(intern(d, h, w) == i, "word %u", i);
    }
    ck_assert_uint_eq(nd_words_count(d), 100000);
    nd_words_free(d);
}
END_TEST

START_TEST(test_oom)
{
    long n;
    for (n = 0; n < 10000; n++) {
        nd_words *d = NULL;
        nd_alloc_fail_after(n);
        nd_status st = nd_words_create(&d);
        char w[16];
        for (unsigned i = 0; st == ND_OK && i < 3000; i++) {
            int len = snprintf(w, sizeof w, "w%u", i);
            uint32_t id;
            st = nd_words_intern(d, nd_token_hash(w, (size_t)len), w, (uint32_t)len, &id);
            if (st == ND_OK) ck_assert_uint_eq(id, i);
        }
        nd_alloc_fail_after(-1);
        nd_words_free(d);
        if (st == ND_OK) break;
        ck_assert_int_eq(st, ND_ENOMEM);
    }
    ck_assert_int_gt(n, 3);
    ck_assert_int_lt(n, 10000);
}
END_TEST

static Suite *words_suite(void)
{
    Suite *s = suite_create("words");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ids);
    tcase_add_test(tc, test_collisions);
    tcase_add_test(tc, test_growth);
    suite_add_tcase(s, tc);
    tc = tcase_create("oom");
    tcase_add_test(tc, test_oom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(words_suite());
}
