/*
 * test_cluster.c - unit tests of grouping verified pairs (include/neardup/cluster.h).
 *
 * What is tested: union-find (find, union's return value, transitivity, the empty set);
 * nd_cluster on hand-made pairs: groups sorted by their earliest member, members in input
 * order with the representative (longest document, ties to the earliest) moved first,
 * singletons left out, chains joined, repeated and unsorted pairs; no pairs; a random
 * forest against a reference labelling; 100,000-document chains and stars; and a failing
 * allocator for nd_uf_create and nd_cluster (ND_ENOMEM, output untouched, nothing leaked).
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cluster.h"
#include "testutil.h"

static nd_groups g;

static void setup(void)
{
    memset(&g, 0, sizeof g);
}

static void teardown(void)
{
    nd_groups_clear(&g);
}

/* Asserts group k's members are exactly want[0..n). */
static void expect_group(size_t k, const uint32_t *want, size_t n)
{
    ck_assert_msg(k < g.n, "group %zu of %zu", k, g.n);
    size_t size = g.start[k + 1] - g.start[k];
    ck_assert_msg(size == n, "group %zu has %zu members, expected %zu", k, size, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(g.members[g.start[k] + i] == want[i], "group %zu member %zu is %u, not %u", k,
                      i, g.members[g.start[k] + i], want[i]);
}

#define GROUP(k, ...)                                                                              \
    do {                                                                                           \
        static const uint32_t want_[] = {__VA_ARGS__};                                             \
        expect_group((k), want_, sizeof want_ / sizeof *want_);                                    \
    } while (0)

/* ------------------------------------------------------------------------------------- */
/* core                                                                                  */

START_TEST(test_uf_basics)
{
    nd_uf *uf = NULL;
    ck_assert_int_eq(nd_uf_create(10, &uf), ND_OK);
    ck_assert_ptr_nonnull(uf);
    for (uint32_t i = 0; i < 10; i++)
        ck_assert_uint_eq(nd_uf_find(uf, i), i);
    ck_assert_int_eq(nd_uf_union(uf, 1, 2), 1);
    ck_assert_int_eq(nd_uf_union(uf, 2, 1), 0);
    ck_assert_int_eq(nd_uf_union(uf, 1, 1), 0);
    ck_assert_uint_eq(nd_uf_find(uf, 1), nd_uf_find(uf, 2));
    ck_assert_uint_ne(nd_uf_find(uf, 1), nd_uf_find(uf, 3));
    ck_assert_int_eq(nd_uf_union(uf, 3, 4), 1);
    ck_assert_int_eq(nd_uf_union(uf, 4, 2), 1); /* joins {1,2} and {3,4} */
    ck_assert_int_eq(nd_uf_union(uf, 1, 3), 0); /* transitively joined */
    uint32_t r = nd_uf_find(uf, 1);
    ck_assert(r == 1 || r == 2 || r == 3 || r == 4); /* the root is a member */
    for (uint32_t i = 1; i <= 4; i++)
        ck_assert_uint_eq(nd_uf_find(uf, i), r);
    ck_assert_uint_eq(nd_uf_size(uf, r), 4);
    for (uint32_t i = 5; i < 10; i++) {
        ck_assert_uint_eq(nd_uf_find(uf, i), i);
        ck_assert_uint_eq(nd_uf_size(uf, i), 1);
    }
    ck_assert_uint_eq(nd_uf_find(uf, 0), 0);
    nd_uf_free(uf);
    nd_uf_free(NULL);
    /* An empty union-find is valid. */
    ck_assert_int_eq(nd_uf_create(0, &uf), ND_OK);
    nd_uf_free(uf);
}
END_TEST

START_TEST(test_uf_union_count)
{
    /* n - (number of successful unions) is the number of sets. */
    enum { N = 5000 };
    nd_uf *uf;
    ck_assert_int_eq(nd_uf_create(N, &uf), ND_OK);
    uint32_t label[N]; /* reference: naive relabelling */
    for (uint32_t i = 0; i < N; i++)
        label[i] = i;
    tu_rand_seed(3);
    for (int k = 0; k < 3000; k++) {
        uint32_t a = (uint32_t)(tu_rand() % N), b = (uint32_t)(tu_rand() % N);
        int joined = label[a] != label[b];
        ck_assert_int_eq(nd_uf_union(uf, a, b), joined);
        if (joined) {
            uint32_t from = label[b], to = label[a];
            for (uint32_t i = 0; i < N; i++)
                if (label[i] == from) label[i] = to;
        }
    }
    for (uint32_t i = 0; i < N; i += 7)
        for (uint32_t j = 0; j < N; j += 13)
            TU_REQUIRE((nd_uf_find(uf, i) == nd_uf_find(uf, j)) == (label[i] == label[j]),
                       "%u and %u", i, j);
    nd_uf_free(uf);
}
END_TEST

/* Threads joining random pairs of one shared union-find end with the sets a sequential
 * one makes of the same pairs, and nd_uf_recount gives their sizes. */
enum { SH_N = 20000, SH_PAIRS = 16000, SH_THREADS = 4 };
static uint32_t sh_pairs[SH_PAIRS][2];
static nd_uf *sh_uf;

static void *shared_unions(void *arg)
{
    size_t t = (size_t)arg;
    for (size_t k = t; k < SH_PAIRS; k += SH_THREADS) {
        nd_uf_union_shared(sh_uf, sh_pairs[k][0], sh_pairs[k][1]);
        (void)nd_uf_find_shared(sh_uf, sh_pairs[(k * 7) % SH_PAIRS][0]);
    }
    return NULL;
}

START_TEST(test_uf_shared_threads)
{
    nd_uf *ref;
    ck_assert_int_eq(nd_uf_create(SH_N, &ref), ND_OK);
    ck_assert_int_eq(nd_uf_create(SH_N, &sh_uf), ND_OK);
    tu_rand_seed(11);
    for (size_t k = 0; k < SH_PAIRS; k++) {
        sh_pairs[k][0] = (uint32_t)(tu_rand() % SH_N);
        sh_pairs[k][1] = (uint32_t)(tu_rand() % SH_N);
        nd_uf_union(ref, sh_pairs[k][0], sh_pairs[k][1]);
    }
    /* Some sequential joins first, as the exact keys make before the bands. */
    ck_assert_int_eq(nd_uf_union(sh_uf, 5, 6), 1);
    nd_uf_union(ref, 5, 6);
    pthread_t tid[SH_THREADS];
    for (size_t t = 1; t < SH_THREADS; t++)
        ck_assert_int_eq(pthread_create(&tid[t], NULL, shared_unions, (void *)t), 0);
    shared_unions((void *)0);
    for (size_t t = 1; t < SH_THREADS; t++)
        pthread_join(tid[t], NULL);
    ck_assert_int_eq(nd_uf_union_shared(sh_uf, 5, 6), 0);
    nd_uf_recount(sh_uf);
    for (uint32_t i = 0; i < SH_N; i++) {
        uint32_t r = nd_uf_find(sh_uf, i);
        TU_REQUIRE(nd_uf_size(sh_uf, r) == nd_uf_size(ref, nd_uf_find(ref, i)), "size of %u", i);
        uint32_t j = (uint32_t)((i * 2654435761u) % SH_N);
        TU_REQUIRE((r == nd_uf_find(sh_uf, j)) == (nd_uf_find(ref, i) == nd_uf_find(ref, j)),
                   "%u and %u", i, j);
    }
    for (size_t k = 0; k < SH_PAIRS; k++)
        ck_assert_uint_eq(nd_uf_find(sh_uf, sh_pairs[k][0]), nd_uf_find(sh_uf, sh_pairs[k][1]));
    nd_uf_free(ref);
    nd_uf_free(sh_uf);
}
END_TEST

START_TEST(test_cluster_hand_made)
{
    /* Documents 0..9; groups {1,3,7}, {5,6}, {2,8,9}; 0 and 4 are singletons. */
    const nd_pair pairs[] = {{5, 6}, {3, 7}, {1, 3}, {8, 9}, {2, 9}};
    /* Longest of {1,3,7} is 7; {5,6} tie -> 5; {2,8,9}: 8 and 9 tie at 50 -> 8. */
    const uint32_t length[10] = {100, 10, 10, 20, 500, 30, 30, 40, 50, 50};
    ck_assert_int_eq(nd_cluster(10, pairs, 5, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 3);
    ck_assert_uint_eq(g.start[0], 0);
    ck_assert_uint_eq(g.start[3], 8);
    /* Groups in order of their earliest member: 1, 2, 5. */
    GROUP(0, 7, 1, 3);
    GROUP(1, 8, 2, 9);
    GROUP(2, 5, 6);
}
END_TEST

START_TEST(test_cluster_representative)
{
    /* All the same length: the earliest is the representative, order unchanged. */
    const nd_pair pairs[] = {{0, 4}, {2, 4}, {4, 6}};
    uint32_t length[7] = {5, 5, 5, 5, 5, 5, 5};
    ck_assert_int_eq(nd_cluster(7, pairs, 3, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    GROUP(0, 0, 2, 4, 6);
    nd_groups_clear(&g);
    /* The last is longest: it moves to the front; the others keep their order. */
    length[6] = 9;
    ck_assert_int_eq(nd_cluster(7, pairs, 3, length, &g), ND_OK);
    GROUP(0, 6, 0, 2, 4);
    nd_groups_clear(&g);
    /* A middle one ties with the last at the maximum: the earlier of the two wins. */
    length[2] = 9;
    ck_assert_int_eq(nd_cluster(7, pairs, 3, length, &g), ND_OK);
    GROUP(0, 2, 0, 4, 6);
    nd_groups_clear(&g);
    /* Length of documents outside any group does not matter. */
    length[1] = 1000;
    ck_assert_int_eq(nd_cluster(7, pairs, 3, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    GROUP(0, 2, 0, 4, 6);
}
END_TEST

START_TEST(test_cluster_chains_and_repeats)
{
    /* a-b, b-c: one group; repeated and reversed pairs change nothing. */
    const nd_pair pairs[] = {{0, 1}, {1, 2}, {0, 1}, {1, 2}, {0, 2}};
    const uint32_t length[4] = {3, 3, 3, 3};
    ck_assert_int_eq(nd_cluster(4, pairs, 5, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    GROUP(0, 0, 1, 2);
    nd_groups_clear(&g);
    /* A chain given back to front: 9-8, 8-7, ..., 1-0 (pairs stay a < b). */
    nd_pair chain[9];
    for (uint32_t i = 0; i < 9; i++) {
        chain[i].a = 8 - i;
        chain[i].b = 9 - i;
    }
    uint32_t len10[10] = {0};
    ck_assert_int_eq(nd_cluster(10, chain, 9, len10, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    GROUP(0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
}
END_TEST

START_TEST(test_cluster_no_pairs)
{
    const uint32_t length[5] = {1, 2, 3, 4, 5};
    ck_assert_int_eq(nd_cluster(5, NULL, 0, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 0);
    ck_assert_ptr_nonnull(g.start);
    ck_assert_uint_eq(g.start[0], 0);
    nd_groups_clear(&g);
    ck_assert_ptr_null(g.start);
    ck_assert_ptr_null(g.members);
    ck_assert_uint_eq(g.n, 0);
    /* No documents at all. */
    ck_assert_int_eq(nd_cluster(0, NULL, 0, NULL, &g), ND_OK);
    ck_assert_uint_eq(g.n, 0);
    nd_groups_clear(&g);
    nd_groups_clear(&g); /* clearing twice is fine */
}
END_TEST

START_TEST(test_cluster_random_against_reference)
{
    /* Random pairs over 3000 documents; the reference labels components naively. */
    enum { N = 3000, P = 1200 };
    static nd_pair pairs[P];
    static uint32_t length[N], label[N];
    tu_rand_seed(17);
    for (uint32_t i = 0; i < N; i++) {
        length[i] = (uint32_t)(tu_rand() % 50);
        label[i] = i;
    }
    for (size_t k = 0; k < P; k++) {
        uint32_t a = (uint32_t)(tu_rand() % N), b = (uint32_t)(tu_rand() % N);
        if (a == b) b = (a + 1) % N;
        pairs[k].a = a < b ? a : b;
        pairs[k].b = a < b ? b : a;
        uint32_t from = label[pairs[k].b], to = label[pairs[k].a];
        if (from != to)
            for (uint32_t i = 0; i < N; i++)
                if (label[i] == from) label[i] = to;
    }
    ck_assert_int_eq(nd_cluster(N, pairs, P, length, &g), ND_OK);
    /* Component sizes by label. */
    static uint32_t size[N];
    memset(size, 0, sizeof size);
    for (uint32_t i = 0; i < N; i++)
        size[label[i]]++;
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    size_t in_groups = 0;
    uint32_t prev_min = 0;
    for (size_t k = 0; k < g.n; k++) {
        size_t lo = g.start[k], hi = g.start[k + 1];
        ck_assert_uint_ge(hi - lo, 2);
        uint32_t lab = label[g.members[lo]];
        ck_assert_uint_eq(hi - lo, size[lab]); /* the whole component */
        /* Representative: the longest, earliest among equals. */
        uint32_t rep = g.members[lo], min = rep;
        for (size_t m = lo + 1; m < hi; m++) {
            uint32_t d = g.members[m];
            ck_assert_uint_eq(label[d], lab);
            ck_assert(length[d] < length[rep] || (length[d] == length[rep] && d > rep));
            if (m > lo + 1) ck_assert_uint_lt(g.members[m - 1], d); /* the rest in input order */
            if (d < min) min = d;
        }
        /* Groups ordered by earliest member. */
        if (k) ck_assert_uint_gt(min, prev_min);
        prev_min = min;
        for (size_t m = lo; m < hi; m++) {
            ck_assert(!seen[g.members[m]]);
            seen[g.members[m]] = 1;
        }
        in_groups += hi - lo;
    }
    /* Every document of a component of 2 or more is in a group; singletons are not. */
    size_t want = 0;
    for (uint32_t i = 0; i < N; i++) {
        want += size[label[i]] >= 2;
        ck_assert_int_eq(seen[i], size[label[i]] >= 2);
    }
    ck_assert_uint_eq(in_groups, want);
    ck_assert_uint_gt(g.n, 100);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* limits                                                                                */

START_TEST(test_large_chain_and_star)
{
    enum { N = 100000 };
    nd_pair *pairs = malloc((N - 1) * sizeof *pairs);
    uint32_t *length = malloc(N * sizeof *length);
    ck_assert_ptr_nonnull(pairs);
    ck_assert_ptr_nonnull(length);
    for (uint32_t i = 0; i < N; i++)
        length[i] = 100 + i % 1000;
    length[77777] = 5000; /* the longest */
    /* A chain 0-1-2-...-(N-1). */
    for (uint32_t i = 0; i + 1 < N; i++) {
        pairs[i].a = i;
        pairs[i].b = i + 1;
    }
    ck_assert_int_eq(nd_cluster(N, pairs, N - 1, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(g.start[1], N);
    ck_assert_uint_eq(g.members[0], 77777);
    for (uint32_t i = 1; i < N; i++)
        TU_REQUIRE(g.members[i] == (i <= 77777 ? i - 1 : i), "member %u", i);
    nd_groups_clear(&g);
    /* A star: everyone paired with the last document. */
    for (uint32_t i = 0; i + 1 < N; i++) {
        pairs[i].a = i;
        pairs[i].b = N - 1;
    }
    ck_assert_int_eq(nd_cluster(N, pairs, N - 1, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, 1);
    ck_assert_uint_eq(g.members[0], 77777);
    nd_groups_clear(&g);
    /* N/2 separate pairs (2i, 2i+1): N/2 groups in order. */
    for (uint32_t i = 0; i < N / 2; i++) {
        pairs[i].a = 2 * i;
        pairs[i].b = 2 * i + 1;
    }
    ck_assert_int_eq(nd_cluster(N, pairs, N / 2, length, &g), ND_OK);
    ck_assert_uint_eq(g.n, N / 2);
    for (uint32_t k = 0; k < N / 2; k++) {
        TU_REQUIRE(g.start[k] == 2 * k, "group %u start", k);
        uint32_t a = 2 * k, b = 2 * k + 1;
        uint32_t rep = length[b] > length[a] ? b : a;
        TU_REQUIRE(g.members[2 * k] == rep && g.members[2 * k + 1] == (rep == a ? b : a),
                   "group %u", k);
    }
    free(pairs);
    free(length);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* oom                                                                                   */

START_TEST(test_oom_uf_create)
{
    long n;
    for (n = 0;; n++) {
        nd_uf *uf = (nd_uf *)&n;
        nd_alloc_fail_after(n);
        nd_status st = nd_uf_create(1000, &uf);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert_ptr_ne(uf, (nd_uf *)&n);
            ck_assert_int_eq(nd_uf_union(uf, 1, 999), 1);
            ck_assert_uint_eq(nd_uf_find(uf, 1), nd_uf_find(uf, 999));
            nd_uf_free(uf);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_ptr_eq(uf, (nd_uf *)&n);
    }
    ck_assert_int_ge(n, 2);
}
END_TEST

START_TEST(test_oom_cluster)
{
    const nd_pair pairs[] = {{5, 6}, {3, 7}, {1, 3}, {8, 9}, {2, 9}};
    const uint32_t length[10] = {100, 10, 10, 20, 500, 30, 30, 40, 50, 50};
    long n;
    for (n = 0;; n++) {
        size_t fake_start[2] = {11, 22};
        uint32_t fake_members[1] = {33};
        nd_groups out = {7, fake_start, fake_members};
        nd_alloc_fail_after(n);
        nd_status st = nd_cluster(10, pairs, 5, length, &out);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            g = out; /* freed by the fixture */
            ck_assert_uint_eq(g.n, 3);
            GROUP(0, 7, 1, 3);
            GROUP(1, 8, 2, 9);
            GROUP(2, 5, 6);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        /* Untouched on failure. */
        ck_assert_uint_eq(out.n, 7);
        ck_assert_ptr_eq(out.start, fake_start);
        ck_assert_ptr_eq(out.members, fake_members);
        ck_assert_uint_eq(fake_start[0], 11);
        ck_assert_uint_eq(fake_members[0], 33);
    }
    ck_assert_int_ge(n, 4);
}
END_TEST

static Suite *cluster_suite(void)
{
    Suite *s = suite_create("cluster");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_uf_basics);
    tcase_add_test(tc, test_uf_union_count);
    tcase_add_test(tc, test_uf_shared_threads);
    tcase_add_test(tc, test_cluster_hand_made);
    tcase_add_test(tc, test_cluster_representative);
    tcase_add_test(tc, test_cluster_chains_and_repeats);
    tcase_add_test(tc, test_cluster_no_pairs);
    tcase_add_test(tc, test_cluster_random_against_reference);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_large_chain_and_star);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_oom_uf_create);
    tcase_add_test(tc, test_oom_cluster);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(cluster_suite());
}
