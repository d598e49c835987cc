/*
 * test_index.c - unit tests of the archive index and nd_check (include/neardup/index.h).
 *
 * Expectations are computed without the index: exact shingle sets are built here with the
 * public normaliser and shingler, so a check must report exactly the archived documents at
 * exact Jaccard >= 0.8 of each new one, with that Jaccard. Fixtures are generated articles
 * (random words in sentences and lines) and their near-copies, and the sample batch in
 * data/ for sentences shared with an archived article. Also: ids already archived, only-new
 * and add-new (idempotent), runs merged as adds come, every bad file refused with the file
 * left as it was, damaged records found, and a failing allocator.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "alloc.h"
#include "neardup/index.h"
#include "neardup/scan.h"
#include "normalize.h"
#include "shingle.h"
#include "verify.h"
#include "testutil.h"

/* ---- fixtures ------------------------------------------------------------------------- */

/* A word of the generated language: syllables from the seed. */
static void word(uint64_t r, tu_sbuf *b)
{
    static const char *const syl[] = {"ka", "lo", "mi", "ter", "san", "du", "pra", "ve",
                                      "gan", "ri", "so", "tel", "nu", "bar", "qi", "zen"};
    unsigned n = 1 + (unsigned)(r % 3);
    for (unsigned i = 0; i < n; i++) {
        r /= 7;
        tu_sb_puts(b, syl[r % 16]);
    }
}

/* An article of about `words` words from seed: lines of two or three sentences. */
static char *article(uint64_t seed, size_t words)
{
    tu_sbuf b = {0};
    tu_rand_seed(seed);
    size_t inline_ = 0, insent = 0;
    for (size_t i = 0; i < words; i++) {
        uint64_t r = tu_rand();
        if (insent) tu_sb_puts(&b, " ");
        word(r % 3000, &b);
        insent++;
        if (insent >= 8 + r % 9) {
            tu_sb_puts(&b, ".");
            insent = 0;
            if (++inline_ >= 2 + (r >> 32) % 2) {
                tu_sb_puts(&b, "\n");
                inline_ = 0;
            } else {
                tu_sb_puts(&b, " ");
            }
        }
    }
    tu_sb_puts(&b, ".\n");
    return b.p;
}

/* text with every `every`-th word (of those after the first) replaced. */
static char *edit(const char *text, size_t every, unsigned tag)
{
    tu_sbuf b = {0};
    size_t w = 0, i = 0, len = strlen(text);
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != ' ' && text[j] != '\n' && text[j] != '.')
            j++;
        if (j > i) {
            if (w > 0 && w % every == 0) {
                char repl[32];
                snprintf(repl, sizeof repl, "xq%uz%zu", tag, w);
                tu_sb_puts(&b, repl);
            } else {
                tu_sb_add(&b, text + i, j - i);
            }
            w++;
        }
        if (j < len) tu_sb_add(&b, text + j, 1);
        i = j + 1;
    }
    return b.p;
}

/* Exact 5-shingle set of text. */
typedef struct xset {
    uint64_t *v;
    size_t n;
} xset;

static xset exact_set(const char *text)
{
    nd_normalizer *nz = NULL;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    nd_tokens toks;
    nd_tokens_init(&toks);
    ck_assert_int_eq(nd_normalize(nz, text, strlen(text), &toks, NULL), ND_OK);
    nd_u64s scratch = {0}, sh = {0};
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &sh), ND_OK);
    xset s;
    s.n = nd_u64_sort_unique(sh.v, sh.n, &scratch);
    s.v = sh.v;
    nd_u64s_clear(&scratch);
    nd_tokens_clear(&toks);
    nd_normalizer_free(nz);
    return s;
}

static double jaccard(const char *a, const char *b)
{
    xset x = exact_set(a), y = exact_set(b);
    nd_sim s = nd_verify_exact(x.v, x.n, y.v, y.n);
    free(x.v);
    free(y.v);
    return s.jaccard;
}

/* Appends {"id": id, "text": text} to a JSON Lines buffer (text: letters, spaces, dots,
 * newlines only). */
static void jsonl_add(tu_sbuf *b, const char *id, const char *text)
{
    tu_sb_puts(b, "{\"id\": \"");
    tu_sb_puts(b, id);
    tu_sb_puts(b, "\", \"text\": \"");
    for (const char *p = text; *p; p++)
        if (*p == '\n')
            tu_sb_puts(b, "\\n");
        else
            tu_sb_add(b, p, 1);
    tu_sb_puts(b, "\"}\n");
}

/* A directory with an archive file name and JSON Lines inputs. */
typedef struct env {
    char *dir;
    char archive[4096];
} env;

static void env_make(env *e)
{
    e->dir = tu_tmpdir();
    snprintf(e->archive, sizeof e->archive, "%s/archive.idx", e->dir);
}

static void env_free(env *e)
{
    tu_rmtree(e->dir);
    free(e->dir);
}

static char *env_write(env *e, const char *name, const tu_sbuf *b)
{
    return tu_write(e->dir, name, b->p ? b->p : "", b->n);
}

static nd_scan_opts quiet_opts(void)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 2;
    return o;
}

static nd_index *open_ok(const char *path, int writable)
{
    char why[ND_INDEX_MSG_MAX];
    nd_index *ix = NULL;
    nd_status st = nd_index_open(path, writable, &ix, why);
    ck_assert_msg(st == ND_OK, "open: %s (%s)", nd_status_str(st), why);
    return ix;
}

static void create_ok(const char *path)
{
    char why[ND_INDEX_MSG_MAX];
    nd_scan_opts o = quiet_opts();
    nd_status st = nd_index_create(path, &o, why);
    ck_assert_msg(st == ND_OK, "create: %s (%s)", nd_status_str(st), why);
}

static nd_index_add_stats add_ok(const char *archive, const char *path, int only_new)
{
    nd_index *ix = open_ok(archive, 1);
    nd_scan_opts o = quiet_opts();
    const char *paths[1] = {path};
    nd_index_add_stats s;
    nd_status st = nd_index_add(ix, &o, paths, 1, only_new, &s);
    ck_assert_msg(st == ND_OK, "add: %s (%s)", nd_status_str(st), nd_index_errmsg(ix));
    nd_index_close(ix);
    return s;
}

static nd_scan_result *check_ok(const char *archive, const char *path, nd_check_add add,
                                nd_index_add_stats *s)
{
    nd_index *ix = open_ok(archive, add != ND_CHECK_ONLY);
    nd_scan_opts o = quiet_opts();
    const char *paths[1] = {path};
    nd_scan_result *res = NULL;
    nd_status st = nd_check(ix, &o, paths, 1, add, s, &res);
    ck_assert_msg(st == ND_OK, "check: %s (%s)", nd_status_str(st), nd_index_errmsg(ix));
    nd_index_close(ix);
    return res;
}

/* The group of document d, or NULL. */
static const nd_group *group_of(const nd_scan_result *r, uint32_t d)
{
    for (size_t g = 0; g < r->ngroups; g++)
        for (size_t m = 0; m < r->groups[g].nmembers; m++)
            if (r->groups[g].members[m].doc == d) return &r->groups[g];
    return NULL;
}

/* The index of the document named id (archived or not), or UINT32_MAX. */
static uint32_t doc_named(const nd_scan_result *r, const char *id, int archived)
{
    for (size_t d = 0; d < r->ndocs; d++)
        if (strcmp(r->docs[d].id, id) == 0 && r->docs[d].archived == archived) return (uint32_t)d;
    return UINT32_MAX;
}

/* ---- settings and files --------------------------------------------------------------- */

START_TEST(test_create_and_settings)
{
    env e;
    env_make(&e);
    char why[ND_INDEX_MSG_MAX];
    nd_scan_opts o = quiet_opts();
    o.ngram = 4;
    o.para.mode = ND_PARA_BLOCK;
    ck_assert_int_eq(nd_index_create(e.archive, &o, why), ND_OK);
    ck_assert_int_eq(nd_index_create(e.archive, &o, why), ND_EEXIST);
    ck_assert_ptr_nonnull(strstr(why, "exists"));
    nd_index *ix = open_ok(e.archive, 0);
    const nd_index_settings *s = nd_index_get_settings(ix);
    ck_assert_uint_eq(s->ngram, 4);
    ck_assert_uint_eq(s->perms, 128);
    ck_assert_uint_eq(s->bands, 20);
    ck_assert_uint_eq(s->rows, 5);
    ck_assert_int_eq(s->para_mode, ND_PARA_BLOCK);
    /* Settings not given are taken from the index; one given must be the same. */
    nd_scan_opts q = quiet_opts();
    ck_assert_int_eq(nd_index_use_settings(ix, &q, ND_SET_PERMS), ND_OK);
    ck_assert_uint_eq(q.ngram, 4);
    q = quiet_opts();
    ck_assert_int_eq(nd_index_use_settings(ix, &q, ND_SET_NGRAM), ND_ESETTINGS);
    ck_assert_str_eq(nd_index_errmsg(ix), "made with --ngram 4, not 5");
    q = quiet_opts();
    ck_assert_int_eq(nd_index_use_settings(ix, &q, ND_SET_PARAGRAPHS), ND_ESETTINGS);
    nd_index_info in;
    ck_assert_int_eq(nd_index_info_get(ix, 1, &in), ND_OK);
    ck_assert_uint_eq(in.documents, 0);
    ck_assert_int_eq(in.schema, ND_INDEX_SCHEMA);
    ck_assert_int_eq(nd_index_verify(ix), ND_OK);
    /* A read-only index refuses to add. */
    const char *paths[1] = {e.archive};
    ck_assert_int_eq(nd_index_add(ix, &q, paths, 1, 0, NULL), ND_EINVAL);
    nd_index_close(ix);
    o.ngram = 0;
    ck_assert_int_eq(nd_index_create(e.dir, &o, why), ND_EINVAL);
    env_free(&e);
}
END_TEST

static char *slurp(const char *path, size_t *n)
{
    return tu_read_file(path, n);
}

/* Opening path fails with want, and leaves its bytes as they were. */
static void refused(const char *path, int writable, nd_status want, const char *msg)
{
    size_t n0 = 0, n1 = 0;
    char *before = slurp(path, &n0);
    char why[ND_INDEX_MSG_MAX] = "";
    nd_index *ix = NULL;
    nd_status st = nd_index_open(path, writable, &ix, why);
    ck_assert_msg(st == want, "%s: %s, not %s (%s)", path, nd_status_str(st), nd_status_str(want),
                  why);
    ck_assert_ptr_null(ix);
    ck_assert_msg(strstr(why, msg) != NULL, "message '%s' lacks '%s'", why, msg);
    char *after = slurp(path, &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert(memcmp(before, after, n0) == 0);
    free(before);
    free(after);
}

/* Runs SQL on the file at path (the test's own connection). */
static void sql(const char *path, const char *q)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", q,
                  sqlite3_errmsg(db));
    ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

START_TEST(test_bad_files)
{
    env e;
    env_make(&e);
    char why[ND_INDEX_MSG_MAX];
    nd_index *ix = NULL;
    ck_assert_int_eq(nd_index_open(e.archive, 0, &ix, why), ND_EIO);
    ck_assert_str_eq(why, "cannot open: No such file or directory");
    ck_assert_int_eq(nd_index_open(e.dir, 0, &ix, why), ND_EIO);
    char *text = tu_write(e.dir, "text.idx", "not a database, just some text\n", 31);
    refused(text, 0, ND_ENOTINDEX, "not an SQLite database");
    refused(text, 1, ND_ENOTINDEX, "not an SQLite database");
    char *empty = tu_write(e.dir, "empty.idx", "", 0);
    refused(empty, 1, ND_ENOTINDEX, "an empty file");
    char other[4096];
    snprintf(other, sizeof other, "%s/other.db", e.dir);
    sql(other, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    refused(other, 1, ND_ENOTINDEX, "another program");
    create_ok(e.archive);
    sql(e.archive, "PRAGMA user_version = 2");
    refused(e.archive, 0, ND_ENEWER, "index schema 2, this neardup reads schema 1");
    refused(e.archive, 1, ND_ENEWER, "newer neardup");
    sql(e.archive, "PRAGMA user_version = 1; UPDATE settings SET value = '0123456789abcdef' WHERE "
                   "name = 'probe'");
    refused(e.archive, 0, ND_ESETTINGS, "normalises or hashes text differently");
    sql(e.archive, "DELETE FROM settings WHERE name = 'rows'");
    refused(e.archive, 1, ND_ECORRUPT, "settings are incomplete");
    free(text);
    free(empty);
    env_free(&e);
}
END_TEST

/* ---- adding and checking ----------------------------------------------------------------- */

#define NARCH 40

/* The archive's articles a0..a39 in arch.jsonl, added; returns their texts. */
static char **make_archive(env *e)
{
    char **t = malloc(NARCH * sizeof *t);
    tu_sbuf b = {0};
    for (int i = 0; i < NARCH; i++) {
        char id[16];
        snprintf(id, sizeof id, "a%d", i);
        t[i] = article(1000 + (uint64_t)i, 150 + (size_t)i * 7);
        jsonl_add(&b, id, t[i]);
    }
    free(env_write(e, "arch.jsonl", &b));
    free(b.p);
    create_ok(e->archive);
    char path[4096];
    snprintf(path, sizeof path, "%s/arch.jsonl", e->dir);
    nd_index_add_stats s = add_ok(e->archive, path, 0);
    ck_assert_uint_eq(s.read, NARCH);
    ck_assert_uint_eq(s.added, NARCH);
    ck_assert_uint_eq(s.documents, NARCH);
    return t;
}

static void free_texts(char **t, int n)
{
    for (int i = 0; i < n; i++)
        free(t[i]);
    free(t);
}

START_TEST(test_check_finds_archived)
{
    env e;
    env_make(&e);
    char **arch = make_archive(&e);
    /* The batch: an exact copy of a3, near-copies of a5 (every 60th word replaced) and a7
     * (every 9th: below the threshold), a pair of new near-duplicates, and new articles. */
    tu_sbuf b = {0};
    char *t_copy = strdup(arch[3]), *t_near = edit(arch[5], 60, 1), *t_far = edit(arch[7], 9, 2);
    char *t_new = article(5000, 200), *t_new2 = edit(t_new, 60, 3), *t_alone = article(6000, 180);
    jsonl_add(&b, "n_copy3", t_copy);
    jsonl_add(&b, "n_near5", t_near);
    jsonl_add(&b, "n_far7", t_far);
    jsonl_add(&b, "n_new", t_new);
    jsonl_add(&b, "n_new2", t_new2);
    jsonl_add(&b, "n_alone", t_alone);
    char *batch = env_write(&e, "batch.jsonl", &b);
    ck_assert(jaccard(t_near, arch[5]) >= 0.8);
    ck_assert(jaccard(t_far, arch[7]) < 0.8);
    ck_assert(jaccard(t_new, t_new2) >= 0.8);

    nd_scan_result *r = check_ok(e.archive, batch, ND_CHECK_ONLY, NULL);
    ck_assert_uint_eq(r->ndocs - r->narchived, 6);
    ck_assert_ptr_nonnull(r->archive);
    ck_assert_uint_eq(r->archive_docs, NARCH);
    /* n_copy3 with archived a3 at J = 1, n_near5 with a5 at the exact J. */
    uint32_t a3 = doc_named(r, "a3", 1), a5 = doc_named(r, "a5", 1);
    ck_assert_uint_ne(a3, UINT32_MAX);
    ck_assert_uint_ne(a5, UINT32_MAX);
    ck_assert_uint_ge(a3, r->ndocs - r->narchived);
    ck_assert(r->docs[a3].archived && !r->docs[0].archived);
    ck_assert_ptr_eq(group_of(r, 0), group_of(r, a3));
    ck_assert_ptr_eq(group_of(r, 1), group_of(r, a5));
    ck_assert_ptr_null(group_of(r, 2));
    ck_assert_ptr_null(group_of(r, 5));
    ck_assert_ptr_nonnull(group_of(r, 3));
    ck_assert_ptr_eq(group_of(r, 3), group_of(r, 4));
    ck_assert_uint_eq(r->ngroups, 3);
    int seen = 0;
    for (size_t i = 0; i < r->npairs; i++)
        if (r->pairs[i].a == 1 && r->pairs[i].b == a5) {
            ck_assert_double_eq_tol(r->pairs[i].jaccard, jaccard(t_near, arch[5]), 1e-12);
            seen = 1;
        }
    ck_assert(seen);
    /* Archived documents carry their id, source and words. */
    ck_assert_str_eq(r->sources[r->docs[a3].source] + strlen(e.dir), "/arch.jsonl");
    ck_assert_uint_eq(r->docs[a3].line, 4);
    ck_assert_uint_gt(r->docs[a3].ntokens, 150);
    /* For clean --index: which batch documents duplicate archived ones. */
    uint32_t of[6];
    ck_assert_int_eq(nd_check_archived_of(r, of), ND_OK);
    ck_assert_uint_eq(of[0], a3);
    ck_assert_uint_eq(of[1], a5);
    for (int i = 2; i < 6; i++)
        ck_assert_uint_eq(of[i], UINT32_MAX);
    nd_scan_result_free(r);

    /* Every archived document duplicates itself. */
    char path[4096];
    snprintf(path, sizeof path, "%s/arch.jsonl", e.dir);
    r = check_ok(e.archive, path, ND_CHECK_ONLY, NULL);
    ck_assert_uint_eq(r->narchived, NARCH);
    for (uint32_t d = 0; d < NARCH; d++) {
        const nd_group *g = group_of(r, d);
        ck_assert_ptr_nonnull(g);
        ck_assert_ptr_eq(g, group_of(r, doc_named(r, r->docs[d].id, 1)));
    }
    nd_scan_result_free(r);
    free(t_copy);
    free(t_near);
    free(t_far);
    free(t_new);
    free(t_new2);
    free(t_alone);
    free(batch);
    free(b.p);
    free_texts(arch, NARCH);
    env_free(&e);
}
END_TEST

START_TEST(test_ids_only_new_add_new)
{
    env e;
    env_make(&e);
    char **arch = make_archive(&e);
    char path[4096];
    snprintf(path, sizeof path, "%s/arch.jsonl", e.dir);
    /* Adding the archive again adds nothing: every id is there. */
    nd_index_add_stats s = add_ok(e.archive, path, 0);
    ck_assert_uint_eq(s.added, 0);
    ck_assert_uint_eq(s.existing, NARCH);
    ck_assert_uint_eq(s.documents, NARCH);

    /* A batch: a copy of a1 under a new id, y and its near-copy y2, z, and z again under
     * its own id (a repeat in the batch). */
    tu_sbuf b = {0};
    char *y = article(7000, 220), *y2 = edit(y, 60, 4), *z = article(8000, 190);
    jsonl_add(&b, "copy1", arch[1]);
    jsonl_add(&b, "y", y);
    jsonl_add(&b, "y2", y2);
    jsonl_add(&b, "z", z);
    jsonl_add(&b, "z", z);
    char *batch = env_write(&e, "batch.jsonl", &b);

    /* add-new: only z, the one document in no group (its repeat is reported). */
    nd_index_add_stats a;
    nd_scan_result *r = check_ok(e.archive, batch, ND_CHECK_ADD_NEW, &a);
    ck_assert_uint_eq(a.added, 0);
    ck_assert_uint_eq(a.duplicates, 5); /* z twice: one group with itself */
    nd_scan_result_free(r);
    /* only-new: y (first of its group) and z (first of its group of two). */
    s = add_ok(e.archive, batch, 1);
    ck_assert_uint_eq(s.added, 2);
    ck_assert_uint_eq(s.duplicates, 3);
    ck_assert_uint_eq(s.documents, NARCH + 2);
    /* Again: y and z are archived now, so nothing is new. */
    s = add_ok(e.archive, batch, 1);
    ck_assert_uint_eq(s.added, 0);
    /* add-new twice on a clean batch is idempotent. */
    tu_sbuf c = {0};
    char *w = article(9000, 200);
    jsonl_add(&c, "w", w);
    char *clean = env_write(&e, "clean.jsonl", &c);
    r = check_ok(e.archive, clean, ND_CHECK_ADD_NEW, &a);
    ck_assert_uint_eq(a.added, 1);
    ck_assert_uint_eq(r->ngroups, 0);
    nd_scan_result_free(r);
    r = check_ok(e.archive, clean, ND_CHECK_ADD_NEW, &a);
    ck_assert_uint_eq(a.added, 0);
    ck_assert_uint_eq(r->ngroups, 1);
    ck_assert_uint_eq(a.documents, NARCH + 3);
    nd_scan_result_free(r);
    /* --add adds all but the ids it has. */
    r = check_ok(e.archive, batch, ND_CHECK_ADD, &a);
    ck_assert_uint_eq(a.added, 2); /* copy1, y2 */
    ck_assert_uint_eq(a.existing, 3);
    nd_scan_result_free(r);
    nd_index *ix = open_ok(e.archive, 0);
    ck_assert_int_eq(nd_index_verify(ix), ND_OK);
    nd_index_close(ix);
    free(y);
    free(y2);
    free(z);
    free(w);
    free(batch);
    free(clean);
    free(b.p);
    free(c.p);
    free_texts(arch, NARCH);
    env_free(&e);
}
END_TEST

/* Many small adds: the maps' runs stay few (merged), and every document is still found. */
START_TEST(test_runs_merge)
{
    env e;
    env_make(&e);
    create_ok(e.archive);
    char **t = malloc(64 * sizeof *t);
    for (int i = 0; i < 64; i++) {
        tu_sbuf b = {0};
        char id[16], name[32];
        snprintf(id, sizeof id, "r%d", i);
        snprintf(name, sizeof name, "r%d.jsonl", i);
        t[i] = article(20000 + (uint64_t)i, 120);
        jsonl_add(&b, id, t[i]);
        char *p = env_write(&e, name, &b);
        add_ok(e.archive, p, 0);
        free(p);
        free(b.p);
    }
    nd_index *ix = open_ok(e.archive, 0);
    nd_index_info in;
    ck_assert_int_eq(nd_index_info_get(ix, 0, &in), ND_OK);
    ck_assert_uint_eq(in.documents, 64);
    for (int m = 0; m < 3; m++)
        ck_assert_msg(in.runs[m] <= 7, "map %d has %u runs", m, in.runs[m]);
    ck_assert_int_eq(nd_index_verify(ix), ND_OK);
    nd_index_close(ix);
    tu_sbuf b = {0};
    for (int i = 0; i < 64; i++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        jsonl_add(&b, id, t[i]);
    }
    char *p = env_write(&e, "copies.jsonl", &b);
    nd_scan_result *r = check_ok(e.archive, p, ND_CHECK_ONLY, NULL);
    ck_assert_uint_eq(r->ngroups, 64);
    ck_assert_uint_eq(r->narchived, 64);
    nd_scan_result_free(r);
    free(p);
    free(b.p);
    free_texts(t, 64);
    env_free(&e);
}
END_TEST

/* An add's writeback thread (src/writeback.h) reads the file through a descriptor of its
 * own, which must outlive the connection: closing any descriptor of a file drops the
 * process's POSIX locks on it, among them the shared lock SQLite holds in WAL mode while
 * connected, and another process could then take itself for the last connection and remove
 * the log under this one. A child process looks for that lock after an add and a check
 * --add (bytes PENDING_BYTE + 2 .. + 512 of the unix VFS). */
static int child_sees_shared_lock(const char *path)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR);
        struct flock fl;
        memset(&fl, 0, sizeof fl);
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 0x40000000 + 2;
        fl.l_len = 510;
        int ok = fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_RDLCK;
        _exit(ok ? 0 : 1);
    }
    int ws = 0;
    ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
}

START_TEST(test_add_keeps_locks)
{
    env e;
    env_make(&e);
    create_ok(e.archive);
    tu_sbuf b = {0};
    char *t = article(4242, 150);
    jsonl_add(&b, "k1", t);
    char *p = env_write(&e, "k1.jsonl", &b);
    nd_index *ix = open_ok(e.archive, 1);
    ck_assert(child_sees_shared_lock(e.archive));
    nd_scan_opts o = quiet_opts();
    const char *paths[1] = {p};
    nd_index_add_stats st;
    ck_assert_int_eq(nd_index_add(ix, &o, paths, 1, 0, &st), ND_OK);
    ck_assert_uint_eq(st.added, 1);
    ck_assert_msg(child_sees_shared_lock(e.archive), "the shared lock is gone after an add");
    /* a second transaction on the same connection, then the lock still there */
    ck_assert_int_eq(nd_index_add(ix, &o, paths, 1, 0, &st), ND_OK);
    ck_assert_uint_eq(st.existing, 1);
    ck_assert_msg(child_sees_shared_lock(e.archive), "the shared lock is gone after an add");
    nd_index_close(ix);
    free(p);
    free(b.p);
    free(t);
    env_free(&e);
}
END_TEST

/* The seeds: 001 shares three quoted sentences (near-identical) with 000 (lines 7, 8, 18). */
START_TEST(test_shared_with_archived)
{
    env e;
    env_make(&e);
    create_ok(e.archive);
    nd_index *ix = open_ok(e.archive, 1);
    nd_scan_opts o = quiet_opts();
    char p0[4096], p2[4096], p4[4096], p1[4096];
    snprintf(p0, sizeof p0, "%s", tu_src("data/000_beebcc9d70568a44.txt"));
    snprintf(p2, sizeof p2, "%s", tu_src("data/002_a894bd07f7f79a4f.txt"));
    snprintf(p4, sizeof p4, "%s", tu_src("data/004_7112fbb0957666e0.txt"));
    snprintf(p1, sizeof p1, "%s", tu_src("data/001_038cac575548727a.txt"));
    const char *paths[3] = {p0, p2, p4};
    ck_assert_int_eq(nd_index_add(ix, &o, paths, 3, 0, NULL), ND_OK);
    nd_index_close(ix);
    nd_scan_result *r = check_ok(e.archive, p1, ND_CHECK_ONLY, NULL);
    ck_assert_uint_eq(r->ngroups, 0);
    ck_assert_uint_eq(r->narchived, 1);
    ck_assert_str_eq(r->docs[1].id, p0);
    ck_assert_uint_eq(r->nshared, 3);
    static const uint32_t lines[3] = {7, 8, 18};
    for (size_t i = 0; i < 3; i++) {
        const nd_shared_para *sp = &r->shared[i];
        ck_assert_uint_eq(sp->ndocs, 2);
        ck_assert(!sp->identical && !sp->boilerplate);
        const nd_para_place *last = &sp->places[sp->nplaces - 1];
        ck_assert_uint_eq(last->doc, 1);
        ck_assert_uint_eq(last->line, lines[i]);
    }
    /* And 001's own doubled block, from the scan. */
    ck_assert_uint_eq(r->nrepeats, 1);
    ck_assert_uint_eq(r->repeats[0].nblocks, 1);
    ck_assert_uint_eq(r->repeats[0].blocks[0].a_first, 7);
    nd_scan_result_free(r);
    env_free(&e);
}
END_TEST

/* ---- damage and errors ---------------------------------------------------------------- */

START_TEST(test_damaged_record)
{
    env e;
    env_make(&e);
    char **arch = make_archive(&e);
    /* Flip one byte inside the record of a7. */
    sql(e.archive, "UPDATE docs SET record = substr(record, 1, 20) || CASE WHEN "
                   "substr(record, 21, 1) = x'00' THEN x'01' ELSE x'00' END || "
                   "substr(record, 22) WHERE id = 'a7'");
    nd_index *ix = open_ok(e.archive, 0);
    ck_assert_int_eq(nd_index_verify(ix), ND_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(nd_index_errmsg(ix), "bad checksum"));
    /* A check that must read it says so. */
    tu_sbuf b = {0};
    jsonl_add(&b, "copy7", arch[7]);
    char *p = env_write(&e, "b.jsonl", &b);
    nd_scan_opts o = quiet_opts();
    const char *paths[1] = {p};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_check(ix, &o, paths, 1, ND_CHECK_ONLY, NULL, &r), ND_ECORRUPT);
    ck_assert_ptr_null(r);
    nd_index_close(ix);
    free(p);
    free(b.p);
    free_texts(arch, NARCH);
    env_free(&e);
}
END_TEST

START_TEST(test_failing_allocator)
{
    env e;
    env_make(&e);
    char **arch = make_archive(&e);
    tu_sbuf b = {0};
    char *near = edit(arch[2], 60, 5);
    jsonl_add(&b, "near2", near);
    jsonl_add(&b, "copy9", arch[9]);
    char *p = env_write(&e, "b.jsonl", &b);
    nd_scan_opts o = quiet_opts();
    o.threads = 1;
    const char *paths[1] = {p};
    int ok = 0;
    for (long n = 0; n < 4000 && !ok; n += 13) {
        nd_index *ix = open_ok(e.archive, 1);
        nd_scan_result *r = NULL;
        nd_alloc_fail_after(n);
        nd_status st = nd_check(ix, &o, paths, 1, ND_CHECK_ADD, NULL, &r);
        nd_alloc_fail_after(-1);
        ck_assert_msg(st == ND_OK || st == ND_ENOMEM, "n = %ld: %s", n, nd_status_str(st));
        ok = st == ND_OK;
        if (ok) ck_assert_uint_eq(r->ngroups, 2);
        nd_scan_result_free(r);
        nd_index_info in;
        ck_assert_int_eq(nd_index_info_get(ix, 0, &in), ND_OK);
        /* Failed: nothing added. */
        ck_assert_uint_eq(in.documents, ok ? NARCH + 2 : NARCH);
        nd_index_close(ix);
    }
    ck_assert(ok);
    free(near);
    free(p);
    free(b.p);
    free_texts(arch, NARCH);
    env_free(&e);
}
END_TEST

static Suite *index_suite(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("files");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_create_and_settings);
    tcase_add_test(tc, test_bad_files);
    suite_add_tcase(s, tc);
    tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_check_finds_archived);
    tcase_add_test(tc, test_ids_only_new_add_new);
    tcase_add_test(tc, test_runs_merge);
    tcase_add_test(tc, test_shared_with_archived);
    tcase_add_test(tc, test_add_keeps_locks);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_damaged_record);
    tcase_add_test(tc, test_failing_allocator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(index_suite());
}
