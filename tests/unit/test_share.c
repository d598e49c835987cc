/*
 * test_share.c - unit tests of pass 1 split across ranks (share.h, input_share.h,
 * neardup/dist.h), without MPI.
 *
 * The ranks of a distributed scan are threads here, and the transport pipes between them
 * (one per ordered pair of ranks): every rank calls nd_scan, and rank 0's report and
 * diagnostics must be byte for byte those of a single-process scan, for 2 and 3 ranks, over
 * the seeds, a gzip file (rank 0 re-reads another rank's compressed file), several JSON Lines
 * files and one cut into ranges with malformed lines next to the cuts (their line numbers
 * are the file's). Also: how the input is cut (every leaf once, ranges contiguous), a listed
 * file that a rank cannot read, and standard input refused.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "input_share.h"
#include "neardup/dist.h"
#include "neardup/report.h"
#include "neardup/scan.h"
#include "share.h"
#include "testutil.h"

/* ---- the shares ------------------------------------------------------------------------- */

START_TEST(test_parts_cover)
{
    nd_leaves l = {0};
    static const struct {
        unsigned kind;
        uint64_t size;
    } in[] = {{ND_LEAF_FILE, 100},  {ND_LEAF_OTHER, 0}, {ND_LEAF_SPLIT, 5000}, {ND_LEAF_SPLIT, 10},
              {ND_LEAF_FILE, 3000}, {ND_LEAF_OTHER, 0}, {ND_LEAF_SPLIT, 9000}, {ND_LEAF_FILE, 1}};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        ck_assert_int_eq(nd_leaves_push(&l, "x", 1, 0, in[i].kind, in[i].size), ND_OK);
    for (unsigned n = 1; n <= 5; n++) {
        /* Every leaf is read whole once, or in ranges that follow each other from 0. */
        uint64_t next[8] = {0};
        size_t whole[8] = {0}, last_leaf = 0;
        for (unsigned r = 0; r < n; r++) {
            nd_part *p = NULL;
            size_t np = 0, cap = 0;
            ck_assert_int_eq(nd_share_parts(&l, r, n, 1000, &p, &np, &cap), ND_OK);
            for (size_t i = 0; i < np; i++) {
                ck_assert_uint_ge(p[i].leaf, last_leaf); /* input order across ranks */
                last_leaf = p[i].leaf;
                if (p[i].start == 0 && p[i].end == UINT64_MAX) {
                    whole[p[i].leaf]++;
                    continue;
                }
                ck_assert_uint_eq(in[p[i].leaf].kind, ND_LEAF_SPLIT);
                ck_assert_uint_eq(p[i].start, next[p[i].leaf]);
                next[p[i].leaf] = p[i].end == UINT64_MAX ? in[p[i].leaf].size : p[i].end;
            }
            free(p);
        }
        for (size_t i = 0; i < l.n; i++)
            ck_assert_msg(whole[i] + (next[i] == in[i].size && next[i] > 0) == 1,
                          "leaf %zu read %zu times whole, ranges to %llu (n %u)", i, whole[i],
                          (unsigned long long)next[i], n);
        /* Below min_split (1000) a JSON Lines file goes whole. */
        ck_assert_uint_eq(whole[3], 1);
    }
    nd_leaves_clear(&l);
}
END_TEST

/* ---- ranks as threads ------------------------------------------------------------------- */

#define MAXR 3

typedef struct net {
    int fd[MAXR][MAXR][2]; /* fd[from][to]: a pipe */
    nd_dist d[MAXR];
    unsigned rank[MAXR];
    int fails;
    char failure[512];
    pthread_mutex_t mu;
} net;

typedef struct rank_ud {
    net *n;
    unsigned r;
} rank_ud;

static rank_ud uds[MAXR];

static nd_status net_send(void *ud, unsigned to, const void *p, size_t n)
{
    rank_ud *u = ud;
    const char *q = p;
    while (n) {
        ssize_t k = write(u->n->fd[u->r][to][1], q, n);
        if (k <= 0) return ND_EIO;
        q += k;
        n -= (size_t)k;
    }
    return ND_OK;
}

static nd_status net_recv(void *ud, unsigned from, void *p, size_t n)
{
    rank_ud *u = ud;
    char *q = p;
    while (n) {
        ssize_t k = read(u->n->fd[from][u->r][0], q, n);
        if (k <= 0) return ND_EIO;
        q += k;
        n -= (size_t)k;
    }
    return ND_OK;
}

static void net_fail(void *ud, const char *path, const char *message)
{
    rank_ud *u = ud;
    pthread_mutex_lock(&u->n->mu);
    u->n->fails++;
    snprintf(u->n->failure, sizeof u->n->failure, "rank %u: %s: %s", u->r, path, message);
    pthread_mutex_unlock(&u->n->mu);
}

static void diag_cb(const nd_diag *d, void *ud)
{
    tu_sbuf *b = ud;
    char line[1024];
    snprintf(line, sizeof line, "%s:%llu:%s:%s\n", d->path ? d->path : "",
             (unsigned long long)d->line, d->level == ND_DIAG_WARNING ? "w" : "e", d->message);
    tu_sb_puts(b, line);
}

typedef struct job {
    nd_scan_opts opts;
    const char *const *paths;
    size_t npaths;
    nd_scan_result *res;
    nd_status st;
    tu_sbuf diags;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    j->opts.userdata = &j->diags;
    j->st = nd_scan(&j->opts, j->paths, j->npaths, &j->res);
    return NULL;
}

/* The JSON and text reports of res, one after the other. */
static char *reports(const nd_scan_result *res)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_report_write(res, ND_REPORT_JSON, f), ND_OK);
    ck_assert_int_eq(nd_report_write(res, ND_REPORT_TEXT, f), ND_OK);
    fclose(f);
    return p;
}

static void base_opts(nd_scan_opts *o)
{
    nd_scan_opts_init(o);
    o->threads = 1;
    o->on_diag = diag_cb;
}

/* Runs the scan on n ranks (threads); rank 0's job in *out (the others' results freed). */
static void run_ranks(unsigned n, const char *const *paths, size_t npaths, size_t min_split,
                      net *nt, job *out)
{
    job jobs[MAXR];
    pthread_t th[MAXR];
    memset(nt, 0, sizeof *nt);
    pthread_mutex_init(&nt->mu, NULL);
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++)
            if (a != b) ck_assert_int_eq(pipe(nt->fd[a][b]), 0);
    for (unsigned r = 0; r < n; r++) {
        uds[r] = (rank_ud){nt, r};
        nt->d[r] = (nd_dist){r, n, &uds[r], net_send, net_recv, net_fail, min_split};
        memset(&jobs[r], 0, sizeof jobs[r]);
        base_opts(&jobs[r].opts);
        jobs[r].opts.dist = &nt->d[r];
        jobs[r].paths = paths;
        jobs[r].npaths = npaths;
        ck_assert_int_eq(pthread_create(&th[r], NULL, run_job, &jobs[r]), 0);
    }
    for (unsigned r = 0; r < n; r++)
        pthread_join(th[r], NULL);
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++)
            if (a != b) close(nt->fd[a][b][0]), close(nt->fd[a][b][1]);
    for (unsigned r = 1; r < n; r++) {
        ck_assert_msg(jobs[r].st == ND_OK || nt->fails || jobs[0].st != ND_OK, "rank %u: %s", r,
                      nd_status_str(jobs[r].st));
        if (jobs[r].st == ND_OK) ck_assert_uint_eq(jobs[r].res->ndocs, 0);
        nd_scan_result_free(jobs[r].res);
        free(jobs[r].diags.p);
        ck_assert_uint_eq(jobs[r].diags.n, 0); /* rank 0 reports every diagnostic */
    }
    pthread_mutex_destroy(&nt->mu);
    *out = jobs[0];
}

/* A random article of `words` words, the same for the same seed. */
static void article(tu_sbuf *b, unsigned seed, unsigned words)
{
    static const char *const vocab[] = {"the",    "council", "voted", "on",    "budget", "river",
                                        "bridge", "school",  "mayor", "said",  "new",    "plan",
                                        "city",   "park",    "road",  "tax",   "water",  "police",
                                        "report", "week",    "year",  "local", "market", "fire"};
    tu_rand_seed(seed);
    for (unsigned i = 0; i < words; i++) {
        tu_sb_puts(b, vocab[tu_rand() % (sizeof vocab / sizeof vocab[0])]);
        tu_sb_puts(b, i % 40 == 39 ? ".\\n\\n" : " ");
    }
}

/* n JSON Lines articles (every 7th a near-copy of an earlier one) appended to b. */
static void jsonl(tu_sbuf *b, const char *name, unsigned n, unsigned seed)
{
    for (unsigned i = 0; i < n; i++) {
        char head[128];
        snprintf(head, sizeof head, "{\"id\": \"%s-%u\", \"text\": \"", name, i);
        tu_sb_puts(b, head);
        unsigned s = i % 7 == 6 ? seed + i - 5 : seed + i;
        article(b, s, 150 + s % 100);
        if (i % 7 == 6) tu_sb_puts(b, " changed");
        tu_sb_puts(b, "\"}\n");
    }
}

/* Makes line `line` (0-based) of b malformed JSON of the same length. */
static void break_line(tu_sbuf *b, unsigned line)
{
    char *p = b->p;
    for (unsigned k = 0; k < line; k++)
        p = strchr(p, '\n') + 1;
    char *e = strchr(p, '\n');
    memset(p, ' ', (size_t)(e - p));
    memcpy(p, "{\"text\": broken", 15);
}

START_TEST(test_identical)
{
    char *dir = tu_tmpdir();
    tu_sbuf sm = {0}, gz = {0}, big = {0};
    jsonl(&sm, "small", 40, 90000);
    char *small = tu_write(dir, "small.jsonl", sm.p, sm.n);
    for (unsigned i = 0; i < 30; i++) { /* copies of big's and small's articles */
        char head[64];
        unsigned s = i % 3 ? 7 + i : 90000 + i;
        snprintf(head, sizeof head, "{\"id\": \"gz-%u\", \"text\": \"", i);
        tu_sb_puts(&gz, head);
        article(&gz, s, 150 + s % 100);
        tu_sb_puts(&gz, "\"}\n");
    }
    char gzpath[4096];
    snprintf(gzpath, sizeof gzpath, "%s/z.jsonl.gz", dir);
    gzFile g = gzopen(gzpath, "wb");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(gzwrite(g, gz.p, (unsigned)gz.n), (int)gz.n);
    gzclose(g);
    jsonl(&big, "big", 1200, 7);
    char *bigpath = tu_write(dir, "big.jsonl", big.p, big.n);
    const char *paths[] = {tu_src("data"), small, gzpath, bigpath};
    const size_t np = 4;
    /* The lines at the cuts (bytes total * r / n) and beside them made malformed. */
    nd_leaves l = {0};
    ck_assert_int_eq(nd_reader_leaves(NULL, paths, np, &l), ND_OK);
    ck_assert_uint_eq(l.v[l.n - 1].kind, ND_LEAF_SPLIT);
    uint64_t total = 0;
    for (size_t i = 0; i < l.n; i++)
        total += l.v[i].size;
    uint64_t before = total - big.n;
    nd_leaves_clear(&l);
    for (unsigned n = 2; n <= 3; n++)
        for (unsigned r = 1; r < n; r++) {
            uint64_t cut = total / n * r + total % n * r / n;
            ck_assert_uint_gt(cut, before); /* (the test is about cutting big) */
            unsigned line = 0;
            for (uint64_t q = 0; q < cut - before; q++)
                line += big.p[q] == '\n';
            for (unsigned k = line - 1; k <= line + 1; k++)
                break_line(&big, k);
        }
    free(bigpath);
    bigpath = tu_write(dir, "big.jsonl", big.p, big.n);
    paths[3] = bigpath;
    job single;
    memset(&single, 0, sizeof single);
    base_opts(&single.opts);
    single.paths = paths;
    single.npaths = np;
    run_job(&single);
    ck_assert_int_eq(single.st, ND_OK);
    ck_assert_uint_ge(single.res->nskipped, 6);
    ck_assert_uint_gt(single.res->ngroups, 10);
    char *want = reports(single.res);
    for (unsigned n = 2; n <= 3; n++) {
        net nt;
        job j0;
        run_ranks(n, paths, np, 4096, &nt, &j0);
        ck_assert_msg(j0.st == ND_OK, "%u ranks: %s", n, nd_status_str(j0.st));
        ck_assert_int_eq(nt.fails, 0);
        char *got = reports(j0.res);
        ck_assert_msg(strcmp(want, got) == 0, "%u ranks: the report differs", n);
        ck_assert_str_eq(single.diags.p, j0.diags.p);
        free(got);
        free(j0.diags.p);
        nd_scan_result_free(j0.res);
    }
    free(want);
    free(single.diags.p);
    nd_scan_result_free(single.res);
    free(sm.p);
    free(gz.p);
    free(big.p);
    free(small);
    free(bigpath);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- failures --------------------------------------------------------------------------- */

START_TEST(test_listed_file_unreadable)
{
    char *dir = tu_tmpdir();
    char *p = tu_write(dir, "a.jsonl", "{\"text\": \"one two three\"}\n", 26);
    nd_leaves l = {0};
    ck_assert_int_eq(nd_leaves_push(&l, p, strlen(p), 0, ND_LEAF_FILE, 27), ND_OK); /* size */
    nd_part part = {0, 0, UINT64_MAX};
    nd_reader *r;
    ck_assert_int_eq(nd_reader_create_parts(NULL, &l, &part, 1, &r), ND_OK);
    nd_record rec;
    ck_assert_int_eq(nd_reader_next(r, &rec), ND_EIO);
    const char *msg, *path = nd_reader_failure(r, &msg);
    ck_assert_str_eq(path, p);
    ck_assert_ptr_nonnull(strstr(msg, "27 bytes"));
    nd_reader_free(r);
    /* Missing where it was listed: the same. */
    unlink(p);
    l.v[0].size = 26;
    ck_assert_int_eq(nd_reader_create_parts(NULL, &l, &part, 1, &r), ND_OK);
    ck_assert_int_eq(nd_reader_next(r, &rec), ND_EIO);
    ck_assert_ptr_nonnull(strstr(nd_reader_failure(r, &msg), "a.jsonl"));
    ck_assert_ptr_nonnull(strstr(msg, "cannot open"));
    nd_reader_free(r);
    nd_leaves_clear(&l);
    free(p);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_stdin_refused)
{
    const char *paths[] = {"-"};
    net nt;
    job j0;
    run_ranks(2, paths, 1, 0, &nt, &j0);
    ck_assert_int_eq(j0.st, ND_EINVAL);
    free(j0.diags.p);
}
END_TEST

static Suite *share_suite(void)
{
    Suite *s = suite_create("share");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parts_cover);
    tcase_add_test(tc, test_identical);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_listed_file_unreadable);
    tcase_add_test(tc, test_stdin_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(share_suite());
}
