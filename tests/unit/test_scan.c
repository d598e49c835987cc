/*
 * test_scan.c - unit tests of the whole pipeline, nd_scan() (include/neardup/scan.h).
 *
 * The expectations are computed independently of the LSH stage: exact shingle sets are
 * built here with the public normalize/shingle/verify functions, and the groups a scan
 * must find are the connected components of "exact Jaccard >= threshold". Fixtures are
 * near-copies of a real article from data/ (a few words changed, a footer added, an exact
 * copy, a truncation) and a larger generated JSON Lines corpus that spans several batches,
 * so that runs with 1, 2 and 4 threads can be compared byte for byte. Also: skipped inputs
 * and their diagnostics (in input order), option validation, and a failing allocator over
 * whole scans.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "minhash.h"
#include "normalize.h"
#include "neardup/report.h"
#include "neardup/scan.h"
#include "shingle.h"
#include "verify.h"
#include "testutil.h"

#define SEED "data/000_beebcc9d70568a44.txt"
#define OTHER "data/004_7112fbb0957666e0.txt"

/* ---- helpers -------------------------------------------------------------------------- */

/* The sorted, unique 5-shingle set of text and its token count, as the scan builds them. */
typedef struct xset {
    uint64_t *v;
    size_t n;
    size_t ntokens;
} xset;

static xset exact_set(const char *text, size_t len, unsigned ngram)
{
    nd_normalizer *nz = NULL;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    nd_tokens toks;
    nd_tokens_init(&toks);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    nd_u64s scratch = {0}, sh = {0};
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, ngram, &scratch, &sh), ND_OK);
    xset s;
    s.n = nd_u64_sort_unique(sh.v, sh.n, &scratch);
    s.v = malloc((s.n ? s.n : 1) * sizeof *s.v);
    ck_assert_ptr_nonnull(s.v);
    memcpy(s.v, sh.v, s.n * sizeof *s.v);
    s.ntokens = toks.n;
    nd_u64s_clear(&scratch);
    nd_u64s_clear(&sh);
    nd_tokens_clear(&toks);
    nd_normalizer_free(nz);
    return s;
}

/* text with the whitespace-separated words at the given indices replaced. */
static char *replace_words(const char *text, const size_t *idx, size_t nidx)
{
    tu_sbuf b = {0};
    size_t w = 0, i = 0, len = strlen(text);
    while (i < len) {
        if (strchr(" \t\r\n", text[i])) {
            tu_sb_add(&b, text + i, 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !strchr(" \t\r\n", text[j]))
            j++;
        int hit = 0;
        for (size_t k = 0; k < nidx; k++)
            hit |= idx[k] == w;
        if (hit) {
            char repl[32];
            snprintf(repl, sizeof repl, "qzxv%zu", w);
            tu_sb_puts(&b, repl);
        } else {
            tu_sb_add(&b, text + i, j - i);
        }
        w++;
        i = j;
    }
    ck_assert_uint_gt(w, idx[nidx - 1]);
    return b.p;
}

/* The first `keep` lines of text. */
static char *first_lines(const char *text, size_t keep)
{
    const char *p = text;
    for (size_t i = 0; i < keep; i++) {
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    size_t n = (size_t)(p - text);
    char *out = malloc(n + 1);
    memcpy(out, text, n);
    out[n] = '\0';
    return out;
}

static size_t count_lines(const char *text)
{
    size_t n = 0, len = strlen(text);
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n + (len > 0 && text[len - 1] != '\n');
}

static nd_scan_opts opts_threads(unsigned threads)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = threads;
    return o;
}

static nd_scan_result *scan_one(const nd_scan_opts *o, const char *path)
{
    const char *paths[1] = {path};
    nd_scan_result *res = NULL;
    nd_status st = nd_scan(o, paths, 1, &res);
    ck_assert_msg(st == ND_OK, "nd_scan: %s", nd_status_str(st));
    ck_assert_ptr_nonnull(res);
    return res;
}

/* The report of res in format fmt, as a malloc'd string. */
static char *report(const nd_scan_result *res, nd_report_format fmt)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_report_write(res, fmt, f), ND_OK);
    char *buf = tu_read_stream(f, NULL);
    fclose(f);
    return buf;
}

static void write_s(const char *dir, const char *name, const char *text)
{
    free(tu_write(dir, name, text, strlen(text)));
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- the near-copy fixture ----------------------------------------------------------- */

#define NFIX 7
static const char *const fix_names[NFIX] = {"a_orig.txt", "b_edit3.txt", "c_footer.txt",
                                            "d_same.txt", "e_trunc.txt", "f_other.txt",
                                            "g_half.txt"};

typedef struct fixture {
    char *dir;
    char *text[NFIX];
    xset set[NFIX];
    int in_group[NFIX]; /* expected: connected to a_orig by exact J >= 0.8 */
    size_t rep;         /* expected representative */
} fixture;

static void fixture_make(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    char *orig = tu_read_file(tu_src(SEED), NULL);
    static const size_t idx[3] = {60, 250, 470};
    fx->text[0] = orig;
    fx->text[1] = replace_words(orig, idx, 3);
    tu_sbuf b = {0};
    tu_sb_puts(&b, orig);
    tu_sb_puts(&b, orig[strlen(orig) - 1] == '\n' ? "" : "\n");
    tu_sb_puts(&b, "Baca juga: berita pilihan lainnya hanya di portal kami, setiap hari.\n");
    fx->text[2] = b.p;
    fx->text[3] = strdup(orig);
    size_t lines = count_lines(orig);
    fx->text[4] = first_lines(orig, (lines * 85 + 50) / 100);
    fx->text[5] = tu_read_file(tu_src(OTHER), NULL);
    fx->text[6] = first_lines(orig, lines / 2);
    fx->dir = tu_tmpdir();
    for (size_t i = 0; i < NFIX; i++) {
        free(tu_write(fx->dir, fix_names[i], fx->text[i], strlen(fx->text[i])));
        fx->set[i] = exact_set(fx->text[i], strlen(fx->text[i]), 5);
    }
    /* Expected groups: components of the exact-J >= 0.8 graph, grown from a_orig. */
    fx->in_group[0] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < NFIX; i++)
            for (size_t j = 0; j < NFIX; j++) {
                if (!fx->in_group[i] || fx->in_group[j]) continue;
                nd_sim s = nd_verify_exact(fx->set[i].v, fx->set[i].n, fx->set[j].v, fx->set[j].n);
                if (nd_verify_passes(s.inter, fx->set[i].n, fx->set[j].n, 0.8))
                    fx->in_group[j] = changed = 1;
            }
    }
    fx->rep = 0;
    for (size_t i = 0; i < NFIX; i++)
        if (fx->in_group[i] && fx->set[i].ntokens > fx->set[fx->rep].ntokens) fx->rep = i;
    /* The fixture is what it claims: the footer copy is longest, the unrelated article is
     * out, and no copy sits so close to the threshold that LSH could reasonably miss it. */
    ck_assert_uint_eq(fx->rep, 2);
    ck_assert(!fx->in_group[5]);
    for (size_t i = 1; i < NFIX; i++) {
        nd_sim s = nd_verify_exact(fx->set[0].v, fx->set[0].n, fx->set[i].v, fx->set[i].n);
        ck_assert_msg(s.jaccard > 0.84 || s.jaccard < 0.7, "%s: J = %f is too near 0.8",
                      fix_names[i], s.jaccard);
    }
}

static void fixture_free(fixture *fx)
{
    for (size_t i = 0; i < NFIX; i++) {
        free(fx->text[i]);
        free(fx->set[i].v);
    }
    tu_rmtree(fx->dir);
    free(fx->dir);
}

/* Index of the fixture file a scan id (a path) names. */
static size_t fix_index(const char *id)
{
    for (size_t i = 0; i < NFIX; i++)
        if (strcmp(base_name(id), fix_names[i]) == 0) return i;
    ck_abort_msg("unknown id %s", id);
    return 0;
}

/* Checks res against the fixture's expectation. `exact`: exact verification. */
static void check_fixture_result(const fixture *fx, const nd_scan_result *res, int exact)
{
    ck_assert_uint_eq(res->ndocs, NFIX);
    ck_assert_uint_eq(res->nskipped, 0);
    for (size_t i = 0; i < NFIX; i++) {
        ck_assert_str_eq(base_name(res->docs[i].id), fix_names[i]);
        ck_assert_uint_eq(res->docs[i].ntokens, fx->set[i].ntokens);
        ck_assert_uint_eq(res->docs[i].line, 1);
        ck_assert_str_eq(res->sources[res->docs[i].source], res->docs[i].id);
    }
    ck_assert_uint_eq(res->ngroups, 1);
    const nd_group *g = &res->groups[0];
    int seen[NFIX] = {0};
    for (size_t m = 0; m < g->nmembers; m++) {
        size_t d = fix_index(res->docs[g->members[m].doc].id);
        ck_assert_uint_eq(g->members[m].doc, d);
        ck_assert_msg(fx->in_group[d], "%s should not be in the group", fix_names[d]);
        ck_assert(!seen[d]);
        seen[d] = 1;
        if (m > 1) ck_assert_uint_lt(g->members[m - 1].doc, g->members[m].doc);
    }
    size_t want = 0;
    for (size_t i = 0; i < NFIX; i++) {
        want += (size_t)fx->in_group[i];
        ck_assert_msg(seen[i] == fx->in_group[i], "%s: in group %d, expected %d", fix_names[i],
                      seen[i], fx->in_group[i]);
    }
    ck_assert_uint_eq(g->nmembers, want);
    /* Representative: the longest, first; its similarities are 1. */
    ck_assert_uint_eq(g->members[0].doc, fx->rep);
    ck_assert_double_eq(g->members[0].jaccard, 1.0);
    ck_assert_double_eq(g->members[0].containment, 1.0);
    const xset *rep = &fx->set[fx->rep];
    for (size_t m = 0; m < g->nmembers; m++) {
        const nd_member *mb = &g->members[m];
        const xset *s = &fx->set[mb->doc];
        nd_sim sim = nd_verify_exact(s->v, s->n, rep->v, rep->n);
        ck_assert(mb->jaccard >= 0.0 && mb->jaccard <= 1.0);
        ck_assert(mb->containment >= 0.0 && mb->containment <= 1.0);
        ck_assert_double_eq_tol(mb->jaccard, sim.jaccard, 1e-12);
        ck_assert_double_eq_tol(mb->containment, sim.contain_a, 1e-12);
        ck_assert_ptr_nonnull(mb->snippet);
        ck_assert_uint_gt(strlen(mb->snippet), 0);
        ck_assert_ptr_null(strchr(mb->snippet, '\n'));
    }
    /* Verified pairs: sorted, inside the group, really over the threshold. */
    ck_assert_uint_gt(res->npairs, 0);
    for (size_t i = 0; i < res->npairs; i++) {
        const nd_pair_sim *p = &res->pairs[i];
        ck_assert_uint_lt(p->a, p->b);
        ck_assert_uint_lt(p->b, NFIX);
        if (i > 0)
            ck_assert(res->pairs[i - 1].a < p->a ||
                      (res->pairs[i - 1].a == p->a && res->pairs[i - 1].b < p->b));
        ck_assert(fx->in_group[p->a] && fx->in_group[p->b]);
        nd_sim sim =
            nd_verify_exact(fx->set[p->a].v, fx->set[p->a].n, fx->set[p->b].v, fx->set[p->b].n);
        ck_assert(p->jaccard >= 0.0 && p->jaccard <= 1.0);
        if (exact) {
            ck_assert(nd_verify_passes(sim.inter, fx->set[p->a].n, fx->set[p->b].n, 0.8));
            ck_assert_double_eq_tol(p->jaccard, sim.jaccard, 1e-12);
            ck_assert_double_eq_tol(p->contain_a, sim.contain_a, 1e-12);
            ck_assert_double_eq_tol(p->contain_b, sim.contain_b, 1e-12);
        } else {
            ck_assert(p->jaccard >= 0.8 - 1e-9);
            ck_assert_double_eq(p->contain_a, -1.0);
            ck_assert_double_eq(p->contain_b, -1.0);
        }
    }
}

/* ---- core ---------------------------------------------------------------------------- */

START_TEST(test_sample_batch)
{
    nd_scan_opts o = opts_threads(1);
    nd_scan_result *res = scan_one(&o, tu_src("data"));
    ck_assert_uint_eq(res->ndocs, 4);
    ck_assert_uint_eq(res->nsources, 4);
    ck_assert_uint_eq(res->ngroups, 0);
    ck_assert_uint_eq(res->npairs, 0);
    ck_assert_uint_eq(res->nskipped, 0);
    ck_assert_uint_eq(res->nwarnings, 0);
    ck_assert_str_eq(base_name(res->docs[0].id), "000_beebcc9d70568a44.txt");
    ck_assert_str_eq(base_name(res->docs[3].id), "004_7112fbb0957666e0.txt");
    /* Defaults in force. */
    ck_assert_uint_eq(res->opts.ngram, 5);
    ck_assert_uint_eq(res->opts.perms, 128);
    ck_assert_double_eq(res->opts.threshold, 0.8);
    ck_assert_uint_gt(res->lsh.bands, 0);
    ck_assert_uint_gt(res->lsh.rows, 0);
    ck_assert_uint_le(res->lsh.bands * res->lsh.rows, 128);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_gt(res->docs[i].ntokens, 400);
    nd_scan_result_free(res);
    nd_scan_result_free(NULL);
}
END_TEST

/* What the progress callback saw. */
typedef struct progress_log {
    size_t calls, per_phase[4];
    int last_phase;
    uint64_t last_docs, last_bytes, verify_total, verify_done;
    int ok; /* phases never go back; docs and bytes never shrink within a phase */
} progress_log;

static void on_progress(const nd_progress *p, void *ud)
{
    progress_log *l = ud;
    l->calls++;
    ck_assert_int_ge((int)p->phase, 0);
    ck_assert_int_le((int)p->phase, ND_PHASE_SHARED);
    l->per_phase[p->phase]++;
    if ((int)p->phase < l->last_phase) l->ok = 0;
    if ((int)p->phase == l->last_phase && (p->docs < l->last_docs || p->bytes < l->last_bytes))
        l->ok = 0;
    if (p->docs_total && p->docs > p->docs_total) l->ok = 0;
    if (p->phase == ND_PHASE_VERIFY) {
        l->verify_total = p->docs_total;
        l->verify_done = p->docs;
    }
    l->last_phase = (int)p->phase;
    l->last_docs = p->docs;
    l->last_bytes = p->bytes;
}

START_TEST(test_progress)
{
    /* Every phase is announced, in order, from the calling thread; pass 1 ends at every
     * document and byte read; pass 2 counts up to the documents it reads again. */
    fixture fx;
    fixture_make(&fx);
    for (unsigned t = 1; t <= 2; t++) {
        progress_log log = {.last_phase = -1, .ok = 1};
        nd_scan_opts o = opts_threads(t);
        o.on_progress = on_progress;
        o.userdata = &log;
        nd_scan_result *res = scan_one(&o, fx.dir);
        check_fixture_result(&fx, res, 1);
        ck_assert(log.ok);
        for (int ph = 0; ph <= ND_PHASE_SHARED; ph++)
            ck_assert_uint_ge(log.per_phase[ph], 1);
        ck_assert_uint_ge(log.per_phase[ND_PHASE_READ], 2); /* the start, then each batch */
        ck_assert_uint_eq(log.verify_total, res->stats.refetched);
        ck_assert_uint_eq(log.verify_done, res->stats.refetched);
        ck_assert_int_eq(log.last_phase, ND_PHASE_SHARED);
        nd_scan_result_free(res);
    }
    /* Without a callback nothing is called (and nothing breaks); without shared
     * paragraphs that phase is not announced. */
    progress_log log = {.last_phase = -1, .ok = 1};
    nd_scan_opts o = opts_threads(1);
    o.on_progress = on_progress;
    o.userdata = &log;
    o.parts = ND_PART_GROUPS;
    nd_scan_result *res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(log.per_phase[ND_PHASE_SHARED], 0);
    ck_assert_uint_eq(log.last_docs, res->stats.refetched);
    nd_scan_result_free(res);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_near_copies)
{
    fixture fx;
    fixture_make(&fx);
    /* Sanity of the fixture: the close copies are in, the unrelated article and the half
     * copy out (J ~ 0.5). */
    ck_assert(fx.in_group[1] && fx.in_group[2] && fx.in_group[3]);
    ck_assert(!fx.in_group[5] && !fx.in_group[6]);
    nd_scan_opts o = opts_threads(1);
    nd_scan_result *res = scan_one(&o, fx.dir);
    check_fixture_result(&fx, res, 1);
    nd_scan_result_free(res);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_near_copies_threads_identical)
{
    fixture fx;
    fixture_make(&fx);
    char *want[3] = {NULL, NULL, NULL};
    static const unsigned threads[3] = {1, 2, 4};
    for (size_t t = 0; t < 3; t++) {
        nd_scan_opts o = opts_threads(threads[t]);
        nd_scan_result *res = scan_one(&o, fx.dir);
        check_fixture_result(&fx, res, 1);
        ck_assert_uint_eq(res->stats.threads, threads[t]);
        for (int f = 0; f < 3; f++) {
            char *got = report(res, (nd_report_format)f);
            if (t == 0)
                want[f] = got;
            else {
                ck_assert_str_eq(got, want[f]);
                free(got);
            }
        }
        nd_scan_result_free(res);
    }
    for (int f = 0; f < 3; f++)
        free(want[f]);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_verify_estimate)
{
    fixture fx;
    fixture_make(&fx);
    nd_scan_opts o = opts_threads(1);
    o.verify_estimate = 1;
    nd_scan_result *res = scan_one(&o, fx.dir);
    ck_assert_int_eq(res->opts.verify_estimate, 1);
    check_fixture_result(&fx, res, 0);
    nd_scan_result_free(res);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_bands_override)
{
    fixture fx;
    fixture_make(&fx);
    nd_scan_opts o = opts_threads(1);
    o.bands = 16;
    nd_scan_result *res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(res->lsh.bands, 16);
    ck_assert_uint_eq(res->lsh.rows, 8);
    ck_assert_uint_eq(res->opts.bands, 16);
    check_fixture_result(&fx, res, 1);
    nd_scan_result_free(res);

    /* One band of 128 rows: only (nearly) identical signatures collide, so the copies with
     * changed words drop out and only the exact copy pair is left. */
    o.bands = 1;
    res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(res->lsh.bands, 1);
    ck_assert_uint_eq(res->lsh.rows, 128);
    ck_assert_uint_eq(res->ngroups, 1);
    ck_assert_uint_eq(res->groups[0].nmembers, 2);
    ck_assert_uint_eq(res->groups[0].members[0].doc, 0);
    ck_assert_uint_eq(res->groups[0].members[1].doc, 3);
    nd_scan_result_free(res);

    /* As many bands as permutations: rows of one. */
    o.bands = 128;
    res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(res->lsh.bands, 128);
    ck_assert_uint_eq(res->lsh.rows, 1);
    check_fixture_result(&fx, res, 1);
    nd_scan_result_free(res);
    fixture_free(&fx);
}
END_TEST

START_TEST(test_threshold)
{
    /* A lower threshold takes in the half copy; 1.0 only exact copies. */
    fixture fx;
    fixture_make(&fx);
    nd_scan_opts o = opts_threads(1);
    ck_assert(!fx.in_group[6]); /* the half copy is out at 0.8 ... */
    o.threshold = 0.3;
    nd_scan_result *res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(res->ngroups, 1); /* ... and in at 0.3; the unrelated one never */
    ck_assert_uint_eq(res->groups[0].nmembers, 6);
    ck_assert_uint_eq(res->groups[0].members[0].doc, 2);
    for (size_t m = 0; m < 6; m++)
        ck_assert_uint_ne(res->groups[0].members[m].doc, 5);
    nd_scan_result_free(res);

    o.threshold = 1.0;
    res = scan_one(&o, fx.dir);
    ck_assert_uint_eq(res->ngroups, 1);
    ck_assert_uint_eq(res->groups[0].nmembers, 2);
    ck_assert_uint_eq(res->groups[0].members[0].doc, 0);
    ck_assert_uint_eq(res->groups[0].members[1].doc, 3);
    ck_assert_uint_eq(res->npairs, 1);
    ck_assert_double_eq(res->pairs[0].jaccard, 1.0);
    nd_scan_result_free(res);
    fixture_free(&fx);
}
END_TEST

/* ---- limits: a corpus spanning several batches ------------------------------------- */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* Writes a JSON Lines corpus of `ndocs` 150-word documents over a 3000-word vocabulary;
 * every 7th is a copy of the one 5 earlier with its last word changed (J ~ 0.99), and every
 * 500th document is followed by a broken line. */
static char *make_corpus(const char *dir, size_t ndocs)
{
    tu_sbuf b = {0};
    char **docs = calloc(ndocs, sizeof *docs);
    ck_assert_ptr_nonnull(docs);
    uint32_t seed = 12345;
    for (size_t i = 0; i < ndocs; i++) {
        tu_sbuf t = {0};
        if (i % 7 == 6) {
            const char *src = docs[i - 5];
            const char *last = strrchr(src, ' ');
            tu_sb_add(&t, src, (size_t)(last - src));
            tu_sb_puts(&t, " zzchanged");
        } else {
            for (size_t w = 0; w < 150; w++) {
                char word[16];
                uint32_t v = lcg(&seed) % 3000u;
                snprintf(word, sizeof word, "%sw%c%c%c", w ? " " : "", 'a' + (int)(v % 26),
                         'a' + (int)(v / 26 % 26), 'a' + (int)(v / 676));
                tu_sb_puts(&t, word);
            }
        }
        docs[i] = t.p;
        char head[64];
        snprintf(head, sizeof head, "{\"id\":\"doc-%05zu\",\"text\":\"", i);
        tu_sb_puts(&b, head);
        tu_sb_puts(&b, t.p);
        tu_sb_puts(&b, "\"}\n");
        if (i % 500 == 499) tu_sb_puts(&b, "{\"id\":\"broken\",\"text\":\n");
    }
    for (size_t i = 0; i < ndocs; i++)
        free(docs[i]);
    free(docs);
    char *path = tu_write(dir, "corpus.jsonl", b.p, b.n);
    free(b.p);
    return path;
}

typedef struct diag_log {
    size_t n;
    nd_status code[64];
    nd_diag_level level[64];
    uint64_t line[64];
    uint64_t offset[64];
    char path[64][256];
    char message[64][256];
} diag_log;

static void log_diag(const nd_diag *d, void *userdata)
{
    diag_log *log = userdata;
    ck_assert_ptr_nonnull(d->path);
    ck_assert_ptr_nonnull(d->message);
    if (log->n < 64) {
        log->code[log->n] = d->code;
        log->level[log->n] = d->level;
        log->line[log->n] = d->line;
        log->offset[log->n] = d->offset;
        snprintf(log->path[log->n], sizeof log->path[0], "%s", d->path);
        snprintf(log->message[log->n], sizeof log->message[0], "%s", d->message);
    }
    log->n++;
}

START_TEST(test_batches_threads_identical)
{
    char *dir = tu_tmpdir();
    size_t ndocs = 3000;
    char *path = make_corpus(dir, ndocs);
    char *want[3] = {NULL, NULL, NULL};
    diag_log *logs = calloc(3, sizeof *logs);
    ck_assert_ptr_nonnull(logs);
    size_t want_ngroups = 0;
    static const unsigned threads[3] = {1, 2, 4};
    for (size_t t = 0; t < 3; t++) {
        nd_scan_opts o = opts_threads(threads[t]);
        o.on_diag = log_diag;
        o.userdata = &logs[t];
        nd_scan_result *res = scan_one(&o, path);
        ck_assert_uint_eq(res->ndocs, ndocs);
        ck_assert_uint_eq(res->nskipped, ndocs / 500);
        ck_assert_uint_eq(logs[t].n, ndocs / 500);
        for (size_t i = 0; i < logs[t].n; i++) {
            ck_assert_int_eq(logs[t].code[i], ND_EJSON);
            /* Line of the i-th broken line: 500 documents and one broken line before. */
            ck_assert_uint_eq(logs[t].line[i], 501 * (i + 1));
            ck_assert_uint_eq(res->skipped[i].line, 501 * (i + 1));
            ck_assert_int_eq(res->skipped[i].code, ND_EJSON);
        }
        /* Every copy joins its original, and nothing else joins. */
        ck_assert_uint_eq(res->ngroups, ndocs / 7);
        for (size_t g = 0; g < res->ngroups; g++) {
            const nd_group *gr = &res->groups[g];
            ck_assert_uint_eq(gr->nmembers, 2);
            uint32_t a = gr->members[0].doc, c = gr->members[1].doc;
            ck_assert_uint_eq(a % 7, 1);
            ck_assert_uint_eq(c, a + 5);
            ck_assert(gr->members[1].jaccard > 0.95 && gr->members[1].jaccard < 1.0);
        }
        ck_assert_uint_eq(res->npairs, res->ngroups);
        ck_assert_uint_ge(res->stats.refetched, 2 * res->ngroups);
        if (t == 0) want_ngroups = res->ngroups;
        ck_assert_uint_eq(res->ngroups, want_ngroups);
        for (int f = 0; f < 3; f++) {
            char *got = report(res, (nd_report_format)f);
            if (t == 0)
                want[f] = got;
            else {
                ck_assert_msg(strcmp(got, want[f]) == 0, "format %d differs with %u threads", f,
                              threads[t]);
                free(got);
            }
        }
        nd_scan_result_free(res);
    }
    for (int f = 0; f < 3; f++)
        free(want[f]);
    free(logs);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Writes a JSON Lines corpus of clusters of chained near-copies, shuffled: cluster c (of 80)
 * has 1 + c % 9 members, member j its cluster's 120-word text with j words changed, each
 * member's changes those of the one before and one more (neighbours in a chain verify, its
 * ends do not: several members are kept); every third cluster has an outsider too, a
 * candidate but no near-duplicate (so a component's first document need not be a group's).
 * The documents of all clusters are spread over the input in a pseudo-random order. */
static char *chain_corpus(const char *dir, size_t *ndocs)
{
    enum { NCLUSTERS = 80, WORDS = 120 };
    uint32_t seed = 777;
    size_t n = 0, cap = NCLUSTERS * 10;
    char **texts = calloc(cap, sizeof *texts);
    ck_assert_ptr_nonnull(texts);
    for (size_t c = 0; c < NCLUSTERS; c++) {
        uint32_t v[WORDS];
        for (size_t w = 0; w < WORDS; w++)
            v[w] = lcg(&seed) % 5000u;
        size_t nm = 1 + c % 9 + (c % 3 == 0); /* and an outsider */
        for (size_t j = 0; j < nm; j++) {
            tu_sbuf t = {0};
            int out = c % 3 == 0 && j == nm - 1;
            for (size_t w = 0; w < WORDS; w++) {
                char word[24];
                /* member j: the first j of the words 0, 17, 34, ... changed; the outsider
                 * has four others changed (J ~ 0.7 with member 0: a candidate, no match) */
                int changed = out ? w % 13 == 6 && w / 13 < 4 : w % 17 == 0 && w / 17 < j;
                snprintf(word, sizeof word, "%s%s%c%c%c", w ? " " : "", changed ? "x" : "w",
                         'a' + (int)(v[w] % 26), 'a' + (int)(v[w] / 26 % 26),
                         'a' + (int)(v[w] / 676 % 26));
                tu_sb_puts(&t, word);
            }
            texts[n++] = t.p;
        }
    }
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t k = lcg(&seed) % i;
        char *x = texts[i - 1];
        texts[i - 1] = texts[k];
        texts[k] = x;
    }
    tu_sbuf b = {0};
    for (size_t i = 0; i < n; i++) {
        char head[64];
        snprintf(head, sizeof head, "{\"id\":\"d%03zu\",\"text\":\"", i);
        tu_sb_puts(&b, head);
        tu_sb_puts(&b, texts[i]);
        tu_sb_puts(&b, "\"}\n");
        free(texts[i]);
    }
    free(texts);
    char *path = tu_write(dir, "chains.jsonl", b.p, b.n);
    free(b.p);
    *ndocs = n;
    return path;
}

/* Verifying a batch of candidate components at a time (opts.set_memory) changes nothing:
 * one component per batch, a few per batch and all in one give the same report and
 * statistics, with the keep rules and all_pairs. */
START_TEST(test_set_memory_identical)
{
    char *dir = tu_tmpdir();
    size_t ndocs;
    char *path = chain_corpus(dir, &ndocs);
    static const size_t budget[3] = {0, 1, 20000};
    static const nd_keep_rule keep[2] = {ND_KEEP_LONGEST, ND_KEEP_LAST};
    for (int ap = 0; ap < 2; ap++)
        for (int kr = 0; kr < 2; kr++) {
            char *want = NULL;
            nd_scan_stats ws = {0};
            for (size_t t = 0; t < 3; t++) {
                nd_scan_opts o = opts_threads(2);
                o.parts = ND_PART_GROUPS;
                o.all_pairs = ap;
                o.keep = keep[kr];
                o.set_memory = budget[t];
                nd_scan_result *res = scan_one(&o, path);
                ck_assert_uint_eq(res->ndocs, ndocs);
                /* chains: groups whose members are not all kept, and several groups */
                ck_assert_uint_ge(res->ngroups, 50);
                char *got = report(res, ND_REPORT_JSON);
                if (t == 0) {
                    want = got;
                    ws = res->stats;
                    size_t chained = 0;
                    for (size_t g = 0; g < res->ngroups; g++)
                        chained += res->groups[g].nkept > 1;
                    ck_assert_uint_gt(chained, 0);
                } else {
                    ck_assert_msg(strcmp(got, want) == 0,
                                  "set_memory %zu (all_pairs %d, keep %d) changes the report",
                                  budget[t], ap, (int)keep[kr]);
                    ck_assert_uint_eq(res->stats.candidates, ws.candidates);
                    ck_assert_uint_eq(res->stats.refetched, ws.refetched);
                    free(got);
                }
                nd_scan_result_free(res);
            }
            free(want);
        }
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* drop_signatures frees the signatures after LSH in exact mode only, and changes nothing
 * else. */
START_TEST(test_drop_signatures)
{
    char *dir = tu_tmpdir();
    size_t ndocs;
    char *path = chain_corpus(dir, &ndocs);
    for (int est = 0; est < 2; est++) {
        char *want = NULL;
        for (int drop = 0; drop < 2; drop++) {
            nd_scan_opts o = opts_threads(2);
            o.verify_estimate = est;
            o.drop_signatures = drop;
            nd_scan_result *res = scan_one(&o, path);
            if (drop && !est)
                ck_assert_ptr_null(res->signatures);
            else
                ck_assert_ptr_nonnull(res->signatures);
            char *got = report(res, ND_REPORT_JSON);
            if (!drop)
                want = got;
            else {
                ck_assert_str_eq(got, want);
                free(got);
            }
            nd_scan_result_free(res);
        }
        free(want);
    }
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- errors: skipped inputs and bad options ----------------------------------------- */

static void skipped_case(unsigned threads)
{
    char *dir = tu_tmpdir();
    write_s(dir, "a_good.txt", "alpha beta gamma delta epsilon zeta eta theta");
    const char *jl = "{\"id\":\"j1\",\"text\":\"one two three four five six\"}\n"
                     "{\"id\":\"j2\",\"text\": bad}\n"
                     "{\"id\":\"j3\",\"text\":\"seven eight nine ten eleven\"}\n";
    free(tu_write(dir, "b_lines.jsonl", jl, strlen(jl)));
    const char *bad = "first line is fine\nsecond \xff line\n";
    free(tu_write(dir, "c_badutf8.txt", bad, strlen(bad)));
    free(tu_write(dir, "d_empty.txt", "", 0));
    const char *punct = "... !!! ?? -- \xe2\x80\x9c \xe2\x80\x9d\n";
    free(tu_write(dir, "e_punct.txt", punct, strlen(punct)));
    free(tu_write(dir, "f_note.html", "<p>html</p>", 11));
    write_s(dir, "g_good.txt", "iota kappa lambda mu nu xi omicron");

    diag_log *log = calloc(1, sizeof *log);
    ck_assert_ptr_nonnull(log);
    nd_scan_opts o = opts_threads(threads);
    o.on_diag = log_diag;
    o.userdata = log;
    nd_scan_result *res = scan_one(&o, dir);
    ck_assert_uint_eq(res->ndocs, 4);
    ck_assert_str_eq(base_name(res->docs[0].id), "a_good.txt");
    ck_assert_str_eq(res->docs[1].id, "j1");
    ck_assert_str_eq(res->docs[2].id, "j3");
    ck_assert_uint_eq(res->docs[2].line, 3);
    ck_assert_str_eq(base_name(res->docs[3].id), "g_good.txt");
    ck_assert_uint_eq(res->nwarnings, 1);

    static const char *const paths[5] = {"b_lines.jsonl", "c_badutf8.txt", "d_empty.txt",
                                         "e_punct.txt", "f_note.html"};
    static const nd_status codes[5] = {ND_EJSON, ND_EUTF8, ND_EEMPTY, ND_ENOWORDS, ND_OK};
    static const uint64_t lines[5] = {2, 2, ND_NO_LINE, 1, ND_NO_LINE};
    ck_assert_uint_eq(res->nskipped, 4);
    for (size_t i = 0; i < 4; i++) {
        const nd_skip *sk = &res->skipped[i];
        ck_assert_str_eq(base_name(sk->path), paths[i]);
        ck_assert_int_eq(strncmp(sk->path, dir, strlen(dir)), 0);
        ck_assert_int_eq(sk->code, codes[i]);
        ck_assert_uint_eq(sk->line, lines[i]);
        ck_assert_ptr_nonnull(sk->message);
        ck_assert_uint_gt(strlen(sk->message), 0);
    }
    /* The callback saw the same, in input order, with the note in its place. */
    ck_assert_uint_eq(log->n, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(base_name(log->path[i]), paths[i]);
        ck_assert_uint_eq(log->line[i], lines[i]);
        ck_assert_int_eq(log->level[i], i == 4 ? ND_DIAG_WARNING : ND_DIAG_ERROR);
        if (i < 4) {
            ck_assert_int_eq(log->code[i], codes[i]);
            ck_assert_str_eq(log->message[i], res->skipped[i].message);
        }
    }
    /* The invalid byte's offset in the file. */
    ck_assert_uint_eq(log->offset[1], (uint64_t)(strchr(bad, '\xff') - bad));
    nd_scan_result_free(res);
    free(log);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_skipped_inputs)
{
    skipped_case(1);
}
END_TEST

START_TEST(test_skipped_inputs_threads)
{
    skipped_case(3);
}
END_TEST

START_TEST(test_missing_path_skipped)
{
    char *dir = tu_tmpdir();
    char *good = tu_write(dir, "good.txt", "some words in a file here", 25);
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/nope.txt", dir);
    const char *paths[2] = {missing, good};
    nd_scan_opts o = opts_threads(1);
    nd_scan_result *res = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 2, &res), ND_OK);
    ck_assert_uint_eq(res->ndocs, 1);
    ck_assert_uint_eq(res->nskipped, 1);
    ck_assert_str_eq(res->skipped[0].path, missing);
    ck_assert_int_eq(res->skipped[0].code, ND_EIO);
    nd_scan_result_free(res);
    free(good);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_punctuation_only)
{
    char *dir = tu_tmpdir();
    const char *jl = "{\"id\":\"p\",\"text\":\"!!! ... --- ?? ,,, \\u201c\\u201d \\u2014\"}\n"
                     "{\"id\":\"w\",\"text\":\"real words here\"}\n";
    char *path = tu_write(dir, "p.jsonl", jl, strlen(jl));
    nd_scan_opts o = opts_threads(1);
    nd_scan_result *res = scan_one(&o, path);
    ck_assert_uint_eq(res->ndocs, 1);
    ck_assert_str_eq(res->docs[0].id, "w");
    ck_assert_uint_eq(res->docs[0].ntokens, 3);
    ck_assert_uint_eq(res->nskipped, 1);
    ck_assert_int_eq(res->skipped[0].code, ND_ENOWORDS);
    ck_assert_uint_eq(res->skipped[0].line, 1);
    ck_assert_str_eq(res->skipped[0].path, path);
    nd_scan_result_free(res);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static void check_einval(const nd_scan_opts *o, size_t npaths)
{
    const char *paths[1] = {tu_src("data")};
    nd_scan_result *res = (nd_scan_result *)(uintptr_t)0x1;
    nd_status st = nd_scan(o, paths, npaths, &res);
    ck_assert_msg(st == ND_EINVAL, "status %d (%s), want ND_EINVAL", (int)st, nd_status_str(st));
    ck_assert_ptr_eq(res, (nd_scan_result *)(uintptr_t)0x1);
}

START_TEST(test_invalid_options)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.ngram = 0;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.ngram = ND_NGRAM_MAX + 1;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.perms = 0;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.perms = ND_PERMS_MAX + 1;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.threshold = 0.0;
    check_einval(&o, 1);
    o.threshold = -0.5;
    check_einval(&o, 1);
    o.threshold = 1.5;
    check_einval(&o, 1);
    o.threshold = 1.0000001;
    check_einval(&o, 1);
    o.threshold = NAN;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.bands = 129;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    o.perms = 16;
    o.bands = 17;
    check_einval(&o, 1);
    nd_scan_opts_init(&o);
    check_einval(&o, 0);
    check_einval(NULL, 1);
}
END_TEST

START_TEST(test_option_bounds_valid)
{
    /* The ends of each range are accepted. */
    nd_scan_opts o = opts_threads(1);
    o.ngram = 1;
    o.perms = 1;
    o.threshold = 1.0;
    nd_scan_result *res = scan_one(&o, tu_src("data"));
    ck_assert_uint_eq(res->ndocs, 4);
    ck_assert_uint_eq(res->lsh.bands * res->lsh.rows, 1);
    nd_scan_result_free(res);
    o.ngram = ND_NGRAM_MAX;
    o.perms = ND_PERMS_MAX;
    o.threshold = 1e-9;
    o.bands = ND_PERMS_MAX;
    res = scan_one(&o, tu_src("data"));
    ck_assert_uint_eq(res->ndocs, 4);
    nd_scan_result_free(res);
}
END_TEST

/* ---- oom ---------------------------------------------------------------------------- */

static char *tiny_corpus(void)
{
    char *dir = tu_tmpdir();
    const char *jl =
        "{\"id\":\"one\",\"text\":\"the quick brown fox jumps over the lazy dog near the "
        "river bank today and tomorrow\"}\n"
        "{\"text\": broken}\n"
        "{\"id\":\"two\",\"text\":\"the quick brown fox jumps over the lazy dog near the "
        "river bank today and tomorrow too\"}\n";
    free(tu_write(dir, "a.jsonl", jl, strlen(jl)));
    const char *t = "An entirely different article about monetary policy and prices.\n";
    free(tu_write(dir, "b.txt", t, strlen(t)));
    return dir;
}

static void oom_scan_case(unsigned threads)
{
    char *dir = tiny_corpus();
    const char *paths[1] = {dir};
    nd_scan_opts o = opts_threads(threads);
    /* Small signatures and fixed bands keep each of the ~100 scans cheap (choosing the
     * bands integrates numerically and allocates nothing). */
    o.perms = 16;
    o.bands = 4;
    nd_scan_result *ref = scan_one(&o, dir);
    ck_assert_uint_eq(ref->ndocs, 3);
    ck_assert_uint_eq(ref->nskipped, 1);
    ck_assert_uint_eq(ref->ngroups, 1);
    char *want = report(ref, ND_REPORT_JSON);
    nd_scan_result_free(ref);
    long n;
    for (n = 0; n < 100000; n++) {
        nd_scan_result *res = (nd_scan_result *)(uintptr_t)0x1;
        nd_alloc_fail_after(n);
        nd_status st = nd_scan(&o, paths, 1, &res);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            char *got = report(res, ND_REPORT_JSON);
            ck_assert_str_eq(got, want);
            free(got);
            nd_scan_result_free(res);
            break;
        }
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: %s", n, nd_status_str(st));
        ck_assert_ptr_eq(res, (nd_scan_result *)(uintptr_t)0x1);
    }
    ck_assert_int_gt(n, 10);
    ck_assert_int_lt(n, 100000);
    free(want);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_oom_scan)
{
    oom_scan_case(1);
}
END_TEST

START_TEST(test_oom_scan_threads)
{
    oom_scan_case(2);
}
END_TEST

static Suite *scan_suite(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sample_batch);
    tcase_add_test(tc, test_near_copies);
    tcase_add_test(tc, test_near_copies_threads_identical);
    tcase_add_test(tc, test_verify_estimate);
    tcase_add_test(tc, test_bands_override);
    tcase_add_test(tc, test_threshold);
    tcase_add_test(tc, test_progress);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_batches_threads_identical);
    tcase_add_test(tc, test_set_memory_identical);
    tcase_add_test(tc, test_drop_signatures);
    tcase_add_test(tc, test_option_bounds_valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_skipped_inputs);
    tcase_add_test(tc, test_skipped_inputs_threads);
    tcase_add_test(tc, test_missing_path_skipped);
    tcase_add_test(tc, test_punctuation_only);
    tcase_add_test(tc, test_invalid_options);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_oom_scan);
    tcase_add_test(tc, test_oom_scan_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(scan_suite());
}
