/*
 * test_share.c - unit tests of pass 1 split across ranks (share.h, input_share.h,
 * neardup/dist.h), without MPI.
 *
 * The ranks of a distributed scan are threads here, and the transport pipes between them
 * (one per ordered pair of ranks): every rank calls nd_scan, and rank 0's report and
 * diagnostics must be byte for byte those of a single-process scan, for 2 and 3 ranks, over
 * the seeds, a gzip file (rank 0 re-reads another rank's compressed file), several JSON Lines
 * files and one cut into ranges with malformed lines next to the cuts (their line numbers
 * are the file's). The article stage's LSH across the ranks (lsh_dist.h) when signatures
 * are dropped, and stage 1's path (every signature to rank 0) for the options that keep
 * them: the same reports, and the bytes of each stage. The buckets of nd_dlsh_bands on
 * crafted keys against nd_lsh_buckets on all of them (a bucket spanning ranks, a band whose
 * keys all land on one owner, one bucket of every document, a rank with no documents).
 * Also: how the input is cut (every leaf once, ranges contiguous), a listed file that a
 * rank cannot read, and standard input refused.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "input_share.h"
#include "link.h"
#include "link_dist.h"
#include "mix.h"
#include "sentences.h"
#include "lsh_dist.h"
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
    unsigned long long bytes[MAXR][ND_DIST_STAGES]; /* nd_dist.bytes of each rank */
} net;

typedef struct rank_ud {
    net *n;
    unsigned r;
} rank_ud;

static rank_ud uds[MAXR];
static size_t round_bytes; /* nd_dist.round_bytes of net_open's ranks */
static int no_collective;  /* net_open's ranks without alltoallv: stage 1's path */

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

typedef struct writer {
    pthread_t th;
    int fd;
    const char *p;
    size_t n;
    nd_status st;
} writer;

static void *write_all(void *arg)
{
    writer *w = arg;
    w->st = ND_OK;
    while (w->n) {
        ssize_t k = write(w->fd, w->p, w->n);
        if (k <= 0) {
            w->st = ND_EIO;
            break;
        }
        w->p += k;
        w->n -= (size_t)k;
    }
    return NULL;
}

/* The all-to-all over the pipes: a writer thread per other rank (a pipe holds 64 KiB), while
 * this one reads from each in rank order. */
static nd_status net_alltoallv(void *ud, const void *s, const size_t *sc, void *r,
                               const size_t *rc)
{
    rank_ud *u = ud;
    unsigned n = u->n->d[u->r].nranks;
    writer w[MAXR];
    size_t so = 0, ro = 0;
    nd_status st = ND_OK;
    for (unsigned p = 0; p < n; p++) {
        w[p] = (writer){0, u->n->fd[u->r][p][1], (const char *)s + so, sc[p], ND_OK};
        if (p == u->r) {
            ck_assert_uint_eq(sc[p], rc[p]);
            memcpy((char *)r + ro, (const char *)s + so, sc[p]);
        } else if (sc[p]) {
            ck_assert_int_eq(pthread_create(&w[p].th, NULL, write_all, &w[p]), 0);
        }
        so += sc[p];
        ro += rc[p];
    }
    ro = 0;
    for (unsigned p = 0; p < n; p++) {
        if (p != u->r && rc[p] && st == ND_OK) st = net_recv(ud, p, (char *)r + ro, rc[p]);
        ro += rc[p];
    }
    for (unsigned p = 0; p < n; p++)
        if (p != u->r && sc[p]) {
            pthread_join(w[p].th, NULL);
            if (w[p].st != ND_OK) st = w[p].st;
        }
    return st;
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

/* Sets up the pipes and the transports of n ranks (threads). */
static void net_open(net *nt, unsigned n, size_t min_split)
{
    memset(nt, 0, sizeof *nt);
    pthread_mutex_init(&nt->mu, NULL);
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++)
            if (a != b) ck_assert_int_eq(pipe(nt->fd[a][b]), 0);
    for (unsigned r = 0; r < n; r++) {
        uds[r] = (rank_ud){nt, r};
        nt->d[r] = (nd_dist){r,        n,        &uds[r],         net_send,
                             net_recv, net_fail, min_split,       net_alltoallv,
                             nt->bytes[r],
                             round_bytes};
        if (no_collective) nt->d[r].alltoallv = NULL;
    }
}

static void net_close(net *nt, unsigned n)
{
    for (unsigned a = 0; a < n; a++)
        for (unsigned b = 0; b < n; b++)
            if (a != b) close(nt->fd[a][b][0]), close(nt->fd[a][b][1]);
    pthread_mutex_destroy(&nt->mu);
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

/* Runs the scan (options *opts, or base_opts' when NULL) on n ranks (threads); rank 0's job
 * in *out (the others' results freed). */
static void run_ranks_opts(unsigned n, const char *const *paths, size_t npaths, size_t min_split,
                           const nd_scan_opts *opts, net *nt, job *out)
{
    job jobs[MAXR];
    pthread_t th[MAXR];
    net_open(nt, n, min_split);
    for (unsigned r = 0; r < n; r++) {
        memset(&jobs[r], 0, sizeof jobs[r]);
        if (opts)
            jobs[r].opts = *opts;
        else
            base_opts(&jobs[r].opts);
        jobs[r].opts.dist = &nt->d[r];
        jobs[r].paths = paths;
        jobs[r].npaths = npaths;
        ck_assert_int_eq(pthread_create(&th[r], NULL, run_job, &jobs[r]), 0);
    }
    for (unsigned r = 0; r < n; r++)
        pthread_join(th[r], NULL);
    for (unsigned r = 1; r < n; r++) {
        ck_assert_msg(jobs[r].st == ND_OK || nt->fails || jobs[0].st != ND_OK, "rank %u: %s", r,
                      nd_status_str(jobs[r].st));
        if (jobs[r].st == ND_OK) ck_assert_uint_eq(jobs[r].res->ndocs, 0);
        nd_scan_result_free(jobs[r].res);
        free(jobs[r].diags.p);
        ck_assert_uint_eq(jobs[r].diags.n, 0); /* rank 0 reports every diagnostic */
    }
    net_close(nt, n);
    *out = jobs[0];
}

static void run_ranks(unsigned n, const char *const *paths, size_t npaths, size_t min_split,
                      net *nt, job *out)
{
    run_ranks_opts(n, paths, npaths, min_split, NULL, nt, out);
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

/* The options of test_identical's loop: 0 signatures kept (stage 1's path; at 2 ranks also
 * without a collective, so the sentences go to rank 0 too), 1 dropped (the
 * LSH across the ranks, and also 0 to compare the batches' bytes), 2 and 3 dropped but
 * needed by containment or estimated verification (stage 1's path). */
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
    unsigned long long batches[MAXR + 1] = {0};
    for (int v = _i == 1 ? 0 : _i; v <= _i; v++) {
        job single;
        memset(&single, 0, sizeof single);
        base_opts(&single.opts);
        single.opts.drop_signatures = v > 0;
        if (v == 2) single.opts.containment = 0.6;
        if (v == 3) single.opts.verify_estimate = 1;
        int spread = v == 1;
        single.paths = paths;
        single.npaths = np;
        run_job(&single);
        ck_assert_int_eq(single.st, ND_OK);
        ck_assert_uint_ge(single.res->nskipped, 6);
        ck_assert_uint_gt(single.res->ngroups, 10);
        char *want = reports(single.res);
        ck_assert_uint_gt(single.res->nshared, 3);
        for (unsigned n = 2; n <= 3; n++) {
            net nt;
            job j0;
            round_bytes = n == 3 ? 40000 : 0; /* (sub-rounds of the sentences' link) */
            /* Without a collective, everything goes to rank 0 (stage 1's path). */
            int linked = !(v == 0 && n == 2);
            no_collective = !linked;
            run_ranks_opts(n, paths, np, 4096, &single.opts, &nt, &j0);
            round_bytes = 0;
            no_collective = 0;
            ck_assert_msg(j0.st == ND_OK, "%u ranks: %s", n, nd_status_str(j0.st));
            ck_assert_int_eq(nt.fails, 0);
            char *got = reports(j0.res);
            ck_assert_msg(strcmp(want, got) == 0, "variant %d, %u ranks: the report differs", v,
                          n);
            ck_assert_str_eq(single.diags.p, j0.diags.p);
            /* Band keys and buckets sent only when spread, by every rank; batches by the
             * others, without signatures when spread. */
            for (unsigned r = 0; r < n; r++) {
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_KEYS] > 0, spread);
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_BATCHES] > 0, r > 0);
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_LIST] > 0, r == 0);
                /* The sentences linked across the ranks, whatever the articles do. */
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_WORDS] > 1000, linked);
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_SENTENCES] > 1000, linked);
                ck_assert_uint_eq(nt.bytes[r][ND_DIST_PAIRS] > 0, linked);
            }
            ck_assert_uint_eq(nt.bytes[1][ND_DIST_BUCKETS] > 0, spread);
            if (v < 2) batches[n] += v == 0 ? nt.bytes[1][ND_DIST_BATCHES]
                                            : -nt.bytes[1][ND_DIST_BATCHES];
            free(got);
            free(j0.diags.p);
            nd_scan_result_free(j0.res);
        }
        free(want);
        free(single.diags.p);
        nd_scan_result_free(single.res);
    }
    /* Without signatures, rank 1's batches are smaller by more than 100 bytes a document. */
    for (unsigned n = 2; n <= 3 && _i == 1; n++)
        ck_assert_uint_gt(batches[n], 100u * 400u);
    free(sm.p);
    free(gz.p);
    free(big.p);
    free(small);
    free(bigpath);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- the buckets across ranks ------------------------------------------------------------ */

#define DL_BANDS 4u
#define DL_DOCS 100u

typedef struct dl_job {
    const nd_dist *d;
    nd_dkeys keys;
    nd_lsh_params p;
    size_t total;
    nd_uf *uf;
    nd_lsh_bands *out;
    nd_status st;
} dl_job;

static void *run_dlsh(void *arg)
{
    dl_job *j = arg;
    j->st = nd_dlsh_bands(j->d, &j->keys, &j->p, j->total, j->uf, j->out);
    return NULL;
}

/* nd_dlsh_bands on 3 ranks holding 40, 0 and 60 documents, with crafted keys: band 0's all
 * owned by rank 1 (the one without documents), band 1 from a small range (buckets spanning
 * ranks), band 2 one key (a bucket of every document), band 3 all different (no bucket).
 * Rank 0 must get what nd_lsh_buckets finds on all the keys in one process, and the same
 * components. */
START_TEST(test_dlsh_merge)
{
    static const unsigned count[3] = {40, 0, 60};
    uint32_t keys[DL_BANDS][DL_DOCS], owned[10];
    unsigned no = 0;
    for (uint32_t key = 1; no < 10; key++)
        if (nd_dlsh_owner(key * 2654435761u, 0, 3) == 1) owned[no++] = key * 2654435761u;
    tu_rand_seed(5);
    for (unsigned i = 0; i < DL_DOCS; i++) {
        keys[0][i] = owned[tu_rand() % 10];
        keys[1][i] = tu_rand() % 30;
        keys[2][i] = 77;
        keys[3][i] = i * 7919u + 1u;
    }
    net nt;
    net_open(&nt, 3, 0);
    dl_job jobs[3];
    pthread_t th[3];
    nd_lsh_bands got = {0};
    nd_uf *uf;
    ck_assert_int_eq(nd_uf_create(DL_DOCS, &uf), ND_OK);
    for (unsigned r = 0, first = 0; r < 3; first += count[r], r++) {
        jobs[r] = (dl_job){&nt.d[r], {NULL, 0, 0}, {DL_BANDS, 1}, r ? 0 : DL_DOCS,
                           r ? NULL : uf, r ? NULL : &got, ND_OK};
        nd_dkeys *k = &jobs[r].keys;
        k->v = calloc((count[r] ? count[r] : 1) * DL_BANDS, sizeof *k->v);
        k->n = k->cap = count[r];
        for (unsigned i = 0; i < count[r]; i++)
            for (unsigned b = 0; b < DL_BANDS; b++)
                k->v[i * DL_BANDS + b] = keys[b][first + i];
        ck_assert_int_eq(pthread_create(&th[r], NULL, run_dlsh, &jobs[r]), 0);
    }
    for (unsigned r = 0; r < 3; r++) {
        pthread_join(th[r], NULL);
        ck_assert_int_eq(jobs[r].st, ND_OK);
        free(jobs[r].keys.v);
    }
    net_close(&nt, 3);
    /* Rank 1 owns band 0 and has no document: it sends buckets, and keys of none. */
    ck_assert_uint_gt(nt.bytes[1][ND_DIST_BUCKETS], 8u * DL_DOCS);
    ck_assert_uint_gt(nt.bytes[0][ND_DIST_KEYS], 8u * 40u); /* (band 0: all to rank 1) */
    nd_uf *ref;
    ck_assert_int_eq(nd_uf_create(DL_DOCS, &ref), ND_OK);
    nd_lsh_scratch scr = {0};
    ck_assert_uint_eq(got.nbands, DL_BANDS);
    size_t spanning = 0;
    for (unsigned b = 0; b < DL_BANDS; b++) {
        uint64_t *e;
        size_t m;
        ck_assert_int_eq(nd_lsh_buckets(&scr, keys[b], NULL, DL_DOCS, &e, &m), ND_OK);
        size_t nb = 0;
        for (size_t i = 0; i < m; nb++) {
            size_t j = nd_lsh_bucket_end(e, m, i);
            ck_assert_uint_lt(nb, got.nbuckets[b]);
            ck_assert_uint_eq(got.start[b][nb], i);
            for (size_t x = i; x < j; x++) {
                ck_assert_uint_eq(got.rec[b][x], (uint32_t)e[x]);
                nd_uf_union(ref, (uint32_t)e[i], (uint32_t)e[x]);
            }
            spanning += (uint32_t)e[i] < 40 && (uint32_t)e[j - 1] >= 40;
            i = j;
        }
        ck_assert_uint_eq(got.nbuckets[b], nb);
        ck_assert_uint_eq(got.start[b][nb], m);
        if (b == 2) ck_assert_uint_eq(nb, 1);
        if (b == 3) ck_assert_uint_eq(nb, 0);
    }
    ck_assert_uint_gt(spanning, 10);
    for (uint32_t i = 0; i < DL_DOCS; i++) {
        ck_assert_uint_eq(nd_uf_size(uf, nd_uf_find(uf, i)), nd_uf_size(ref, nd_uf_find(ref, i)));
        for (uint32_t j = 0; j < i; j++)
            ck_assert_int_eq(nd_uf_find(uf, i) == nd_uf_find(uf, j),
                             nd_uf_find(ref, i) == nd_uf_find(ref, j));
    }
    nd_lsh_scratch_clear(&scr);
    nd_lsh_bands_clear(&got);
    nd_uf_free(uf);
    nd_uf_free(ref);
}
END_TEST

/* A rank without documents in a scan: 3 ranks, a file too small to cut, all rank 0's. */
START_TEST(test_rank_without_docs)
{
    char *dir = tu_tmpdir();
    tu_sbuf sm = {0};
    jsonl(&sm, "small", 40, 90000);
    char *small = tu_write(dir, "small.jsonl", sm.p, sm.n);
    const char *paths[] = {small};
    job single;
    memset(&single, 0, sizeof single);
    base_opts(&single.opts);
    single.opts.drop_signatures = 1;
    single.paths = paths;
    single.npaths = 1;
    run_job(&single);
    ck_assert_int_eq(single.st, ND_OK);
    ck_assert_uint_gt(single.res->ngroups, 2);
    char *want = reports(single.res);
    net nt;
    job j0;
    run_ranks_opts(3, paths, 1, 0, &single.opts, &nt, &j0);
    ck_assert_int_eq(j0.st, ND_OK);
    ck_assert_uint_gt(nt.bytes[2][ND_DIST_KEYS], 0); /* (the counts: it took part) */
    char *got = reports(j0.res);
    ck_assert_str_eq(want, got);
    free(got);
    free(want);
    free(j0.diags.p);
    nd_scan_result_free(j0.res);
    free(single.diags.p);
    nd_scan_result_free(single.res);
    free(sm.p);
    free(small);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- sentences linked across ranks ------------------------------------------------------ */

#define SL_MAX 400  /* records */
#define SL_WORDS 96 /* most words of a record */
#define SL_VOCAB 300

/* A crafted sentence: its document, exact key, band keys and words (vocabulary indices). */
typedef struct sl_rec {
    uint32_t doc;
    uint64_t key;
    uint32_t band[ND_PARA_BANDS];
    uint32_t n, w[SL_WORDS];
} sl_rec;

static uint64_t sl_hash(uint32_t u)
{
    return nd_fmix64(u + 1u);
}

/* Interns vocabulary word u ("w<u>", with the zeros nd_words_intern reads past it). */
static uint32_t sl_intern(nd_words *d, uint32_t u)
{
    char w[32] = {0};
    snprintf(w, 24, "w%u", u);
    uint32_t id;
    ck_assert_int_eq(nd_words_intern(d, sl_hash(u), w, (uint32_t)strlen(w), &id), ND_OK);
    return id;
}

/* The records recs[from .. to) into a store, their documents less doc0; the store's
 * dictionary takes the vocabulary in an order of its own (reversed when rev), so its ids
 * differ from another rank's. */
static void sl_store(nd_sent_store *s, const sl_rec *recs, size_t from, size_t to, uint32_t doc0,
                     int rev)
{
    memset(s, 0, sizeof *s);
    nd_words *local;
    ck_assert_int_eq(nd_words_create(&local), ND_OK);
    ck_assert_int_eq(nd_words_create(&s->words), ND_OK);
    for (uint32_t u = 0; u < SL_VOCAB; u++) {
        sl_intern(local, u);
        sl_intern(s->words, rev ? SL_VOCAB - 1 - u : u);
    }
    uint32_t map[SL_VOCAB];
    ck_assert_int_eq(nd_sent_store_map_words(s, local, map), ND_OK);
    for (size_t i = from; i < to; i++) {
        const sl_rec *x = &recs[i];
        nd_para_rec r = {x->key, x->doc - doc0, 1, 0, 10};
        nd_para_sketch sk = {{0, 0}, 0, 0, x->n};
        uint32_t ids[SL_WORDS];
        size_t n;
        /* ids without repeats; sorted by nd_sent_store_add when long */
        n = 0;
        for (uint32_t k = 0; k < x->n; k++) {
            uint64_t h = sl_hash(x->w[k]);
            sk.bm[(h >> 6) & 1] |= UINT64_C(1) << (h & 63);
            ids[n++] = x->w[k];
        }
        ck_assert_int_eq(nd_sent_store_add(s, &r, x->band, &sk, ids, map), ND_OK);
    }
    nd_words_free(local);
}

typedef struct sl_job {
    const nd_dist *d;
    nd_sent_store s;
    size_t ndocs, total;
    nd_uf *uf;
    nd_status st;
} sl_job;

static void *run_dlink(void *arg)
{
    sl_job *j = arg;
    j->st = nd_dlink_sentences(j->d, &j->s, j->ndocs, 0.8, round_bytes, j->total, j->uf);
    return NULL;
}

/* Words of template t with word `swap` (if < n) replaced by another. */
static void sl_words(sl_rec *x, uint32_t t, uint32_t n, uint32_t swap)
{
    x->n = n;
    for (uint32_t k = 0; k < n; k++)
        x->w[k] = (t * 7 + k * 13) % SL_VOCAB;
    if (swap < n) x->w[swap] = (x->w[swap] + 151) % SL_VOCAB;
}

/* nd_dlink_sentences on 2 and 3 ranks (one of them without sentences, and in sub-rounds)
 * against nd_link_sentences in one process: the same components. Crafted: buckets spanning
 * ranks, a bucket of 60 (> 32), exact keys repeated across ranks (and one colliding on other
 * words), long sentences (> ND_SENT_FP_SMALL words) whose ids are sorted again. */
START_TEST(test_dlink_components)
{
    static sl_rec recs[SL_MAX];
    size_t n = 0;
    uint32_t doc = 0;
    tu_rand_seed(11);
    unsigned nlong = 0;
    for (unsigned d = 0; d < 100; d++, doc++) {
        for (unsigned k = 0; k < 3; k++, n++) {
            sl_rec *x = &recs[n];
            x->doc = doc;
            uint32_t t = (uint32_t)(tu_rand() % 25);
            unsigned kind = (unsigned)(tu_rand() % 4);
            sl_words(x, t, 8 + t % 6, kind == 0 ? (uint32_t)(tu_rand() % 8) : 99);
            x->key = kind == 0 ? tu_rand() : 1000 + t; /* copies share their key */
            for (unsigned b = 0; b < ND_PARA_BANDS; b++)
                x->band[b] = tu_rand() % 3 ? t * 16 + b : (uint32_t)tu_rand();
            if (d % 10 == 3 && k == 0) { /* one key, other words: a collision */
                x->key = 1000 + (t + 1) % 25;
                sl_words(x, t, 8 + t % 6, 99);
            }
            if (d >= 40 && k == 2) { /* a bucket of 60 in band 5 */
                x->band[5] = 4242;
                sl_words(x, 30, 12, d % 12);
                x->key = tu_rand();
            }
        }
        if (d == 10 || d == 45 || d == 60 || d == 99) { /* long, near-identical */
            sl_rec *x = &recs[n++];
            x->doc = doc;
            x->key = tu_rand();
            x->n = 80;
            for (uint32_t q = 0; q < 80; q++)
                x->w[q] = (SL_VOCAB - 1 - q * 3) % SL_VOCAB;
            x->w[nlong] = 1 + nlong; /* one word of its own */
            for (unsigned b = 0; b < ND_PARA_BANDS; b++)
                x->band[b] = 9000 + b + (nlong == 2 ? 100 : 0); /* (one only in band 7) */
            if (nlong == 2) x->band[7] = 9007;
            nlong++;
        }
    }
    nd_sent_store ref;
    sl_store(&ref, recs, 0, n, 0, 0);
    nd_uf *want;
    ck_assert_int_eq(nd_uf_create(n, &want), ND_OK);
    ck_assert_int_eq(nd_link_sentences(&ref, 0.8, 2, want), ND_OK);
    size_t joined = 0;
    for (uint32_t i = 0; i < n; i++)
        joined += nd_uf_find(want, i) != i;
    ck_assert_uint_gt(joined, 150);
    /* the long ones joined (docs 10 and 99) */
    ck_assert_uint_eq(nd_uf_find(want, 33), nd_uf_find(want, (uint32_t)n - 1));
    /* Splits by document: 2 ranks; 3 with the middle one empty; 3 in sub-rounds. */
    static const uint32_t cuts[3][4] = {{0, 50, 999, 999}, {0, 50, 50, 999}, {0, 30, 70, 999}};
    static const unsigned nr[3] = {2, 3, 3};
    for (unsigned v = 0; v < 3; v++) {
        unsigned R = nr[v];
        net nt;
        round_bytes = v == 2 ? 700 : 0;
        net_open(&nt, R, 0);
        sl_job jobs[MAXR];
        pthread_t th[MAXR];
        nd_uf *got;
        ck_assert_int_eq(nd_uf_create(n, &got), ND_OK);
        size_t at = 0;
        for (unsigned r = 0; r < R; r++) {
            uint32_t lo = cuts[v][r], hi = r + 1 < R ? cuts[v][r + 1] : 999;
            size_t from = at;
            while (at < n && recs[at].doc < hi)
                at++;
            memset(&jobs[r], 0, sizeof jobs[r]);
            jobs[r].d = &nt.d[r];
            sl_store(&jobs[r].s, recs, from, at, lo, r % 2);
            jobs[r].ndocs = (hi < doc ? hi : doc) - lo;
            jobs[r].total = r ? 0 : n;
            jobs[r].uf = r ? NULL : got;
            if (v == 1 && r == 1) ck_assert_uint_eq(jobs[r].s.n, 0);
        }
        ck_assert_uint_eq(at, n);
        for (unsigned r = 0; r < R; r++)
            ck_assert_int_eq(pthread_create(&th[r], NULL, run_dlink, &jobs[r]), 0);
        for (unsigned r = 0; r < R; r++) {
            pthread_join(th[r], NULL);
            ck_assert_msg(jobs[r].st == ND_OK, "variant %u rank %u: %s", v, r,
                          nd_status_str(jobs[r].st));
            ck_assert_ptr_null(jobs[r].s.words); /* (freed) */
            nd_sent_store_clear(&jobs[r].s);
        }
        net_close(&nt, R);
        round_bytes = 0;
        for (unsigned r = 0; r < R; r++)
            ck_assert_uint_gt(nt.bytes[r][ND_DIST_SENTENCES], 0);
        ck_assert_uint_gt(nt.bytes[R - 1][ND_DIST_PAIRS], 0);
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < i; j++)
                ck_assert_msg((nd_uf_find(got, i) == nd_uf_find(got, j)) ==
                                  (nd_uf_find(want, i) == nd_uf_find(want, j)),
                              "variant %u: records %u and %u", v, j, i);
        nd_uf_free(got);
    }
    nd_uf_free(want);
    nd_sent_store_clear(&ref);
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
    tcase_add_loop_test(tc, test_identical, 0, 4);
    tcase_add_test(tc, test_dlsh_merge);
    tcase_add_test(tc, test_rank_without_docs);
    tcase_add_test(tc, test_dlink_components);
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
