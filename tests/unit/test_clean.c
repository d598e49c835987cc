/*
 * test_clean.c - unit tests of clean and restore (include/neardup/clean.h) and of the keep
 * rule the scan applies for them (nd_member in include/neardup/result.h).
 *
 * The keep rule is held against exact shingle sets built here with the public normalise /
 * shingle / verify functions: a chain A~B~C whose ends are far apart keeps both ends under
 * every rule that starts at an end; --keep-by orders by numbers, strings and missing
 * values; and on a generated corpus of chained near-copies every removed member is within
 * the threshold of the kept member it names, and no two kept members of a group are.
 * Clean itself: paths under kept/ (tar-like), trees of text files (CRLF, no final line
 * break, doubled blocks, repeated short lines) and JSON Lines (the text field anywhere,
 * escapes, a byte-order mark, blank lines, a last line without a line break) cleaned and
 * restored byte for byte, what the output directory may be, an input changed between the
 * scan and the writing (through the private hook), skipped input copied or moved, a file
 * name that is not UTF-8, restore refusing a removed.jsonl that does not fit, and a failing
 * allocator through whole cleans and restores.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "clean_priv.h"
#include "neardup/clean.h"
#include "neardup/scan.h"
#include "normalize.h"
#include "shingle.h"
#include "testutil.h"
#include "verify.h"

#define SEED "data/000_beebcc9d70568a44.txt"
#define OTHER "data/004_7112fbb0957666e0.txt"
#define DOUBLED "data/001_038cac575548727a.txt"
#define WIDGETS "data/002_a894bd07f7f79a4f.txt"

/* ---- helpers -------------------------------------------------------------------------- */

typedef struct xset {
    uint64_t *v;
    size_t n;
} xset;

/* The sorted, unique 5-shingle set of text, as the scan builds it. */
static xset exact_set(const char *text, size_t len)
{
    nd_normalizer *nz = NULL;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    nd_tokens toks;
    nd_tokens_init(&toks);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    nd_u64s scratch = {0}, sh = {0};
    ck_assert_int_eq(nd_shingle_hashes(&toks, 0, toks.n, 5, &scratch, &sh), ND_OK);
    xset s;
    s.n = nd_u64_sort_unique(sh.v, sh.n, &scratch);
    s.v = malloc((s.n ? s.n : 1) * sizeof *s.v);
    ck_assert_ptr_nonnull(s.v);
    memcpy(s.v, sh.v, s.n * sizeof *s.v);
    nd_u64s_clear(&scratch);
    nd_u64s_clear(&sh);
    nd_tokens_clear(&toks);
    nd_normalizer_free(nz);
    return s;
}

static double jac(const xset *a, const xset *b)
{
    return nd_verify_exact(a->v, a->n, b->v, b->n).jaccard;
}

static int passes(const xset *a, const xset *b, double t)
{
    return nd_verify_passes(nd_verify_exact(a->v, a->n, b->v, b->n).inter, a->n, b->n, t);
}

/* text with the whitespace-separated words at positions idx[0..n) (ascending) replaced by
 * words of their own ("qzxvN"). */
static char *replace_words(const char *text, const size_t *idx, size_t n)
{
    tu_sbuf b = {0};
    size_t w = 0, i = 0, len = strlen(text), k = 0;
    while (i < len) {
        if (strchr(" \t\r\n", text[i])) {
            tu_sb_add(&b, text + i, 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && !strchr(" \t\r\n", text[j]))
            j++;
        if (k < n && idx[k] == w) {
            char repl[32];
            snprintf(repl, sizeof repl, "qzxv%zu", w);
            tu_sb_puts(&b, repl);
            k++;
        } else {
            tu_sb_add(&b, text + i, j - i);
        }
        w++;
        i = j;
    }
    ck_assert_uint_eq(k, n);
    return b.p;
}

/* s as the body of a JSON string (quotes, backslashes and control bytes escaped). */
static void json_escape_into(tu_sbuf *b, const char *s)
{
    for (; *s; s++) {
        char e[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            snprintf(e, sizeof e, "\\%c", c);
        else if (c == '\n')
            snprintf(e, sizeof e, "\\n");
        else if (c < 0x20)
            snprintf(e, sizeof e, "\\u%04x", c);
        else
            e[0] = (char)c, e[1] = '\0';
        tu_sb_puts(b, e);
    }
}

static nd_scan_opts opts1(void)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    return o;
}

static nd_scan_result *scan_path(const nd_scan_opts *o, const char *path)
{
    const char *paths[1] = {path};
    nd_scan_result *res = NULL;
    nd_status st = nd_scan(o, paths, 1, &res);
    ck_assert_msg(st == ND_OK, "nd_scan: %s", nd_status_str(st));
    return res;
}

/* The member of res's groups for the document of that id (NULL when in no group). */
static const nd_member *member_of(const nd_scan_result *r, const char *id, const nd_group **g)
{
    for (size_t i = 0; i < r->ngroups; i++)
        for (size_t k = 0; k < r->groups[i].nmembers; k++)
            if (strcmp(r->docs[r->groups[i].members[k].doc].id, id) == 0) {
                if (g) *g = &r->groups[i];
                return &r->groups[i].members[k];
            }
    return NULL;
}

static const char *dup_of_id(const nd_scan_result *r, const char *id)
{
    const nd_member *m = member_of(r, id, NULL);
    ck_assert_msg(m != NULL, "%s is in no group", id);
    return m->kept ? NULL : r->docs[m->dup_of].id;
}

/* Whether the whole file at path holds exactly want[0..n). */
static void check_file(const char *path, const char *want, size_t n)
{
    size_t len;
    char *got = tu_read_file(path, &len);
    ck_assert_msg(len == n && memcmp(got, want, n) == 0, "%s differs (%zu bytes, %zu expected)",
                  path, len, n);
    free(got);
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

static char *join(const char *a, const char *b)
{
    char *p = malloc(strlen(a) + strlen(b) + 2);
    ck_assert_ptr_nonnull(p);
    sprintf(p, "%s/%s", a, b);
    return p;
}

/* Whether the trees a and b hold the same files with the same bytes (and nothing else). */
static void check_same_tree(const char *a, const char *b)
{
    DIR *d = opendir(a);
    ck_assert_msg(d != NULL, "cannot open %s", a);
    size_t na = 0, nb = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        na++;
        char *pa = join(a, e->d_name), *pb = join(b, e->d_name);
        struct stat sa;
        ck_assert_int_eq(lstat(pa, &sa), 0);
        if (S_ISDIR(sa.st_mode)) {
            check_same_tree(pa, pb);
        } else {
            size_t la;
            char *ca = tu_read_file(pa, &la);
            check_file(pb, ca, la);
            free(ca);
        }
        free(pa);
        free(pb);
    }
    closedir(d);
    d = opendir(b);
    ck_assert_msg(d != NULL, "cannot open %s", b);
    while ((e = readdir(d)) != NULL)
        nb += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    ck_assert_msg(na == nb, "%s has %zu entries, %s %zu", a, na, b, nb);
}

/* Counts the entries of the directory at path (hidden ones too). */
static size_t entries(const char *path)
{
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* nd_clean of paths (relative to the working directory, made `base` for the call). */
static nd_status clean_in(const char *base, const nd_scan_opts *o, const nd_clean_opts *co,
                          const char *out, const char *const *paths, size_t n, nd_scan_result **res)
{
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(base), 0);
    nd_status st = nd_clean(o, co, out, paths, n, res);
    ck_assert_int_eq(chdir(cwd), 0);
    return st;
}

static nd_status restore_in(const char *base, const char *out, const char *dest, int force)
{
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(base), 0);
    nd_status st = nd_restore(out, dest, force, NULL, NULL);
    ck_assert_int_eq(chdir(cwd), 0);
    return st;
}

/* ---- paths under kept/ ---------------------------------------------------------------- */

static void check_rel(const char *path, int stream, nd_input_format fmt, const char *want)
{
    nd_source_info si;
    memset(&si, 0, sizeof si);
    si.path = path;
    si.stream = (unsigned char)stream;
    si.format = fmt;
    char out[256];
    size_t n = nd_clean_rel_path(&si, out, sizeof out);
    ck_assert_msg(n == strlen(want) && strcmp(out, want) == 0, "'%s' -> '%s', not '%s'", path, out,
                  want);
}

START_TEST(test_rel_path)
{
    check_rel("batch/a.jsonl", 0, ND_INPUT_JSONL, "batch/a.jsonl");
    check_rel("a.txt", 0, ND_INPUT_TXT, "a.txt");
    check_rel("/abs/dir/a.txt", 0, ND_INPUT_TXT, "abs/dir/a.txt");
    check_rel("//abs//a.txt", 0, ND_INPUT_TXT, "abs/a.txt");
    check_rel("./a/./b.txt", 0, ND_INPUT_TXT, "a/b.txt");
    check_rel("../up/a.txt", 0, ND_INPUT_TXT, "up/a.txt");
    check_rel("../../x/../y/a.txt", 0, ND_INPUT_TXT, "y/a.txt"); /* up to the last ".." */
    check_rel("a/../b.txt", 0, ND_INPUT_TXT, "b.txt");
    check_rel("..data/a.txt", 0, ND_INPUT_TXT, "..data/a.txt"); /* not a ".." component */
    check_rel("<stdin>", 1, ND_INPUT_JSONL, "stdin.jsonl");
    check_rel("<stdin>", 1, ND_INPUT_TXT, "stdin.txt");
    check_rel("/dev/fd/63", 1, ND_INPUT_TXT, "dev/fd/63");
    check_rel("<stdin>", 0, ND_INPUT_TXT, "<stdin>"); /* a file of that name */
    check_rel("/", 0, ND_INPUT_TXT, "");
    check_rel("..", 0, ND_INPUT_TXT, "");
    /* Truncated like snprintf. */
    nd_source_info si = {.path = "abc/def.txt", .format = ND_INPUT_TXT};
    char small[5];
    ck_assert_uint_eq(nd_clean_rel_path(&si, small, sizeof small), 11);
    ck_assert_str_eq(small, "abc/");
    ck_assert_uint_eq(nd_clean_rel_path(&si, NULL, 0), 11);
}
END_TEST

/* ---- the keep rule -------------------------------------------------------------------- */

/* A chain: B is A with 10 words changed, C is B with 10 more; J(A,B), J(B,C) >= 0.8 and
 * J(A,C) < 0.8 (checked). Written as JSON Lines a, b, c, then an unrelated article. */
typedef struct chain {
    char *dir, *path;
    char *text[3];
    xset set[3];
} chain;

static void chain_make(chain *c, const char *const fields[3])
{
    memset(c, 0, sizeof c[0]);
    char *a = tu_read_file(tu_src(SEED), NULL);
    size_t i1[10], i2[20];
    for (size_t k = 0; k < 10; k++)
        i1[k] = 20 + 50 * k;
    for (size_t k = 0; k < 20; k++)
        i2[k] = k % 2 ? 45 + 50 * (k / 2) : 20 + 50 * (k / 2);
    c->text[0] = a;
    c->text[1] = replace_words(a, i1, 10);
    c->text[2] = replace_words(a, i2, 20);
    for (int k = 0; k < 3; k++)
        c->set[k] = exact_set(c->text[k], strlen(c->text[k]));
    ck_assert(passes(&c->set[0], &c->set[1], 0.8));
    ck_assert(passes(&c->set[1], &c->set[2], 0.8));
    ck_assert_msg(!passes(&c->set[0], &c->set[2], 0.8), "J(A,C) = %f", jac(&c->set[0], &c->set[2]));
    tu_sbuf b = {0};
    static const char *const ids[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        tu_sb_puts(&b, "{\"id\": \"");
        tu_sb_puts(&b, ids[k]);
        tu_sb_puts(&b, "\"");
        if (fields && fields[k]) {
            tu_sb_puts(&b, ", ");
            tu_sb_puts(&b, fields[k]);
        }
        tu_sb_puts(&b, ", \"text\": \"");
        json_escape_into(&b, c->text[k]);
        tu_sb_puts(&b, "\"}\n");
    }
    char *o = tu_read_file(tu_src(OTHER), NULL);
    tu_sb_puts(&b, "{\"id\": \"other\", \"text\": \"");
    json_escape_into(&b, o);
    tu_sb_puts(&b, "\"}\n");
    free(o);
    c->dir = tu_tmpdir();
    c->path = tu_write(c->dir, "chain.jsonl", b.p, b.n);
    free(b.p);
}

static void chain_free(chain *c)
{
    for (int k = 0; k < 3; k++) {
        free(c->text[k]);
        free(c->set[k].v);
    }
    tu_rmtree(c->dir);
    free(c->dir);
    free(c->path);
}

static nd_scan_result *scan_keep(const chain *c, nd_keep_rule rule, const char *field)
{
    nd_scan_opts o = opts1();
    o.keep = rule;
    o.decode.keep_field = field;
    nd_scan_result *r = scan_path(&o, c->path);
    ck_assert_uint_eq(r->ngroups, 1);
    ck_assert_uint_eq(r->groups[0].nmembers, 3);
    return r;
}

START_TEST(test_keep_chain)
{
    chain c;
    chain_make(&c, NULL);
    /* longest: a (ties to the earliest; b and c have as many words) is kept; b goes as its
     * duplicate; c is not near a, so it stays although it is near b. */
    nd_scan_result *r = scan_keep(&c, ND_KEEP_LONGEST, NULL);
    ck_assert_ptr_null(dup_of_id(r, "a"));
    ck_assert_str_eq(dup_of_id(r, "b"), "a");
    ck_assert_ptr_null(dup_of_id(r, "c"));
    ck_assert_uint_eq(r->groups[0].nkept, 2);
    const nd_member *mb = member_of(r, "b", NULL);
    ck_assert_double_eq_tol(mb->dup_jaccard, jac(&c.set[1], &c.set[0]), 1e-12);
    ck_assert_double_ge(mb->dup_jaccard, 0.8);
    ck_assert_double_eq(member_of(r, "a", NULL)->dup_jaccard, 1.0);
    nd_scan_result_free(r);
    /* first: the same order here. last: c first, b its duplicate, a stays. */
    r = scan_keep(&c, ND_KEEP_FIRST, NULL);
    ck_assert_str_eq(dup_of_id(r, "b"), "a");
    ck_assert_ptr_null(dup_of_id(r, "c"));
    nd_scan_result_free(r);
    r = scan_keep(&c, ND_KEEP_LAST, NULL);
    ck_assert_ptr_null(dup_of_id(r, "c"));
    ck_assert_str_eq(dup_of_id(r, "b"), "c");
    ck_assert_ptr_null(dup_of_id(r, "a"));
    ck_assert_uint_eq(member_of(r, "c", NULL)->keep_rank, 0);
    nd_scan_result_free(r);
    chain_free(&c);
}
END_TEST

START_TEST(test_keep_by_field)
{
    /* b has the smallest date and is near both ends: kept, and both ends go (min). */
    const char *dates[3] = {"\"published\": \"2020-03-01\"", "\"published\": \"2020-01-31\"", NULL};
    chain c;
    chain_make(&c, dates);
    nd_scan_result *r = scan_keep(&c, ND_KEEP_FIELD_MIN, "published");
    ck_assert_ptr_null(dup_of_id(r, "b"));
    ck_assert_str_eq(dup_of_id(r, "a"), "b");
    ck_assert_str_eq(dup_of_id(r, "c"), "b"); /* c lacks the field: last, still near b */
    ck_assert_uint_eq(r->groups[0].nkept, 1);
    nd_scan_result_free(r);
    /* max: a first (the larger date), then b (near a: goes), then c (missing: last; far
     * from a: kept). */
    r = scan_keep(&c, ND_KEEP_FIELD_MAX, "published");
    ck_assert_ptr_null(dup_of_id(r, "a"));
    ck_assert_str_eq(dup_of_id(r, "b"), "a");
    ck_assert_ptr_null(dup_of_id(r, "c"));
    nd_scan_result_free(r);
    chain_free(&c);

    /* Numbers by value (10 > 9, which byte-wise order would invert), a number before a
     * string, a value of another type as missing. */
    const char *nums[3] = {"\"v\": 10", "\"v\": \"1\"", "\"v\": 9"};
    chain_make(&c, nums);
    r = scan_keep(&c, ND_KEEP_FIELD_MIN, "v"); /* order c (9), a (10), b ("1") */
    ck_assert_ptr_null(dup_of_id(r, "c"));
    ck_assert_str_eq(dup_of_id(r, "b"), "c");
    ck_assert_ptr_null(dup_of_id(r, "a"));
    nd_scan_result_free(r);
    r = scan_keep(&c, ND_KEEP_FIELD_MAX, "v"); /* order b ("1"), a (10), c (9) */
    ck_assert_ptr_null(dup_of_id(r, "b"));
    ck_assert_str_eq(dup_of_id(r, "a"), "b");
    ck_assert_str_eq(dup_of_id(r, "c"), "b");
    nd_scan_result_free(r);
    chain_free(&c);

    const char *odd[3] = {"\"v\": true", "\"v\": null", "\"v\": [1]"};
    chain_make(&c, odd); /* no usable value anywhere: input order */
    r = scan_keep(&c, ND_KEEP_FIELD_MAX, "v");
    ck_assert_ptr_null(dup_of_id(r, "a"));
    ck_assert_str_eq(dup_of_id(r, "b"), "a");
    nd_scan_result_free(r);
    chain_free(&c);
}
END_TEST

START_TEST(test_keep_rule_options)
{
    nd_scan_opts o = opts1();
    const char *paths[1] = {tu_src(SEED)};
    nd_scan_result *r = NULL;
    o.keep = ND_KEEP_FIELD_MIN; /* without a field */
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_EINVAL);
    o.keep = (nd_keep_rule)99;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_EINVAL);
    ck_assert_ptr_null(r);
}
END_TEST

/* Many chained near-copies of a few articles, every rule: the no-chaining guarantee, and
 * kept members pairwise apart. */
START_TEST(test_no_chaining_property)
{
    static const char *const src[] = {SEED, OTHER, DOUBLED};
    tu_rand_seed(33);
    tu_sbuf b = {0};
    char *texts[60];
    size_t nt = 0;
    for (size_t s = 0; s < 3; s++) {
        char *cur = tu_read_file(tu_src(src[s]), NULL);
        for (int k = 0; k < 20; k++) { /* each copy a few edits away from the one before */
            texts[nt++] = cur;
            size_t idx[6], n = 2 + tu_rand() % 5;
            for (size_t i = 0; i < n; i++)
                idx[i] = 10 + i * 60 + tu_rand() % 50;
            cur = replace_words(cur, idx, n);
        }
        free(cur);
    }
    for (size_t i = 0; i < nt; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"id\": \"d%zu\", \"n\": %llu, \"text\": \"", i,
                 (unsigned long long)(tu_rand() % 7));
        tu_sb_puts(&b, line);
        json_escape_into(&b, texts[i]);
        tu_sb_puts(&b, "\"}\n");
    }
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "c.jsonl", b.p, b.n);
    xset *sets = calloc(nt, sizeof *sets);
    for (size_t i = 0; i < nt; i++)
        sets[i] = exact_set(texts[i], strlen(texts[i]));
    for (int rule = ND_KEEP_LONGEST; rule <= ND_KEEP_FIELD_MAX; rule++) {
        nd_scan_opts o = opts1();
        o.keep = (nd_keep_rule)rule;
        o.decode.keep_field = "n";
        nd_scan_result *r = scan_path(&o, path);
        size_t removed = 0, chained = 0;
        for (size_t g = 0; g < r->ngroups; g++) {
            const nd_group *gr = &r->groups[g];
            size_t kept = 0;
            for (size_t m = 0; m < gr->nmembers; m++) {
                const nd_member *mb = &gr->members[m];
                kept += mb->kept;
                if (mb->kept) {
                    for (size_t q = 0; q < gr->nmembers; q++) {
                        const nd_member *o2 = &gr->members[q];
                        if (q != m && o2->kept)
                            ck_assert_msg(!passes(&sets[mb->doc], &sets[o2->doc], 0.8),
                                          "kept d%u and d%u are near-duplicates", mb->doc, o2->doc);
                    }
                    continue;
                }
                removed++;
                /* dup_of is a kept member of the same group, within the threshold. */
                int found = 0;
                for (size_t q = 0; q < gr->nmembers; q++)
                    found |= gr->members[q].doc == mb->dup_of && gr->members[q].kept;
                ck_assert(found);
                ck_assert(passes(&sets[mb->doc], &sets[mb->dup_of], 0.8));
                ck_assert_double_eq_tol(mb->dup_jaccard, jac(&sets[mb->doc], &sets[mb->dup_of]),
                                        1e-12);
            }
            ck_assert_uint_eq(kept, gr->nkept);
            chained += kept > 1;
        }
        ck_assert_uint_gt(removed, 20);
        ck_assert_uint_gt(chained, 0); /* the corpus does chain */
        nd_scan_result_free(r);
    }
    for (size_t i = 0; i < nt; i++) {
        free(texts[i]);
        free(sets[i].v);
    }
    free(sets);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- clean and restore ----------------------------------------------------------------- */

/* The seeds' lines l[0..n) of text (1-based, inclusive ranges as pairs) removed. */
static char *without_lines(const char *text, const unsigned *ranges, size_t nr)
{
    tu_sbuf b = {0};
    unsigned line = 1;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        int cut = 0;
        for (size_t i = 0; i < nr; i++)
            cut |= line >= ranges[2 * i] && line <= ranges[2 * i + 1];
        if (!cut) tu_sb_add(&b, p, len);
        p += len;
        line++;
    }
    if (!b.p) tu_sb_puts(&b, "");
    return b.p;
}

START_TEST(test_clean_seeds)
{
    char *dir = tu_tmpdir();
    ck_assert_int_eq(system("true"), 0);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -R '%s' '%s/data'", tu_src("data"), dir);
    ck_assert_int_eq(system(cmd), 0);
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    const char *paths[1] = {"data"};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(clean_in(dir, &o, &co, "out", paths, 1, &r), ND_OK);
    ck_assert(r->clean.cleaned);
    ck_assert_uint_eq(r->clean.docs_removed, 0);
    ck_assert_uint_eq(r->clean.ranges_removed, 16); /* 001's block and 002's 15 headlines */
    ck_assert_uint_eq(r->clean.files_written, 4);
    nd_scan_result_free(r);
    /* 001 without lines 17-26; 002 without the second copy of each widget headline; the
     * others as they were. */
    char *t1 = tu_read_file(tu_src(DOUBLED), NULL);
    static const unsigned r1[] = {17, 26};
    char *w1 = without_lines(t1, r1, 1);
    char *k1 = join(dir, "out/kept/" DOUBLED);
    check_file(k1, w1, strlen(w1));
    char *t2 = tu_read_file(tu_src(WIDGETS), NULL);
    unsigned r2[30];
    for (unsigned i = 0; i < 15; i++)
        r2[2 * i] = r2[2 * i + 1] = 45 + 5 * i;
    char *w2 = without_lines(t2, r2, 15);
    char *k2 = join(dir, "out/kept/" WIDGETS);
    check_file(k2, w2, strlen(w2));
    char *t0 = tu_read_file(tu_src(SEED), NULL);
    char *k0 = join(dir, "out/kept/" SEED);
    check_file(k0, t0, strlen(t0));
    /* Restored, byte for byte. */
    ck_assert_int_eq(restore_in(dir, "out", "back", 0), ND_OK);
    char *d1 = join(dir, "data"), *d2 = join(dir, "back/data");
    check_same_tree(d1, d2);
    free(d1);
    free(d2);
    free(t0), free(t1), free(t2), free(w1), free(w2), free(k0), free(k1), free(k2);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A tree of awkward inputs; clean with every removal, then restore. */
static char *awkward_tree(void)
{
    char *dir = tu_tmpdir();
    char *sub = join(dir, "in");
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    char *deep = join(dir, "in/deep");
    ck_assert_int_eq(mkdir(deep, 0777), 0);
    char *seed = tu_read_file(tu_src(SEED), NULL);
    char *dbl = tu_read_file(tu_src(DOUBLED), NULL);
    char *other = tu_read_file(tu_src(OTHER), NULL);
    /* A text file with CRLF line breaks, a tripled block, short lines, no final break. */
    tu_sbuf t = {0};
    const char *lines[] = {"Judul", "Baca juga", "Line one of the block has a few words in it.",
                           "Line two of the block has a few more words in it.", "Baca juga"};
    for (int rep = 0; rep < 3; rep++)
        for (int i = 0; i < 5; i++) {
            tu_sb_puts(&t, lines[i]);
            tu_sb_puts(&t, "\r\n");
        }
    tu_sb_puts(&t, "The end, without a line break");
    free(tu_write(sub, "crlf.txt", t.p, t.n));
    free(t.p);
    /* Old Mac text: a lone CR ends a line; a doubled block in it. */
    static const char cr[] = "Title\rAn old Mac line that the scraper caught twice.\rAnd its "
                             "neighbour, also caught twice by it.\rAn old Mac line that the "
                             "scraper caught twice.\rAnd its neighbour, also caught twice by "
                             "it.\rEnd line here\r";
    free(tu_write(sub, "cr.txt", cr, sizeof cr - 1));
    /* A text file that is a near-copy of the seed (removed whole), and the seed. */
    free(tu_write(sub, "seed.txt", seed, strlen(seed)));
    size_t idx[2] = {30, 300};
    char *near = replace_words(seed, idx, 2);
    free(tu_write(deep, "near.txt", near, strlen(near)));
    /* JSON Lines: a byte-order mark; a duplicate first; the text field not last; escapes
     * (\u00e9, \/ and a surrogate pair) kept as they are; a blank line; CRLF line ends; a
     * doubled article; the last line without a line break. */
    tu_sbuf j = {0};
    tu_sb_puts(&j, "\xef\xbb\xbf{\"id\": \"n1\", \"text\": \"");
    json_escape_into(&j, near);
    tu_sb_puts(&j, "\"}\r\n");
    tu_sb_puts(&j, "{\"text\": \"caf\\u00e9 \\/ \\ud83d\\ude00 ");
    json_escape_into(&j, dbl);
    tu_sb_puts(&j, "\", \"id\": \"dbl\", \"more\": {\"text\": \"not this one\"}}\n\n");
    tu_sb_puts(&j, "{\"id\": \"crs\", \"text\": \"A first paragraph of several words here.\\r"
                   "A second paragraph of several words too.\\rA first paragraph of several "
                   "words here.\\rA second paragraph of several words too.\"}\n");
    tu_sb_puts(&j, "{\"id\": \"other\", \"text\": \"");
    json_escape_into(&j, other);
    tu_sb_puts(&j, "\"}");
    free(tu_write(sub, "mixed.jsonl", j.p, j.n));
    free(j.p);
    free(seed), free(dbl), free(other), free(near), free(sub), free(deep);
    return dir;
}

START_TEST(test_clean_restore_awkward)
{
    char *dir = awkward_tree();
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    co.remove = ND_REMOVE_ALL;
    o.boilerplate_docs = 2;
    const char *paths[1] = {"in"};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(clean_in(dir, &o, &co, "out", paths, 1, &r), ND_OK);
    /* deep/near.txt is kept (as long as the others, and read first), n1 and seed.txt are
     * removed: the text file is gone from kept/, the JSON record is a line less. */
    ck_assert_uint_eq(r->clean.docs_removed, 2);
    ck_assert_uint_ge(r->clean.ranges_removed, 3);
    nd_scan_result_free(r);
    char *gone = join(dir, "out/kept/in/seed.txt");
    ck_assert(!exists(gone));
    free(gone);
    /* crlf.txt: the tripled block's two later copies (lines 8-9 and 13-14) and every later
     * copy of the short lines (5 of "Baca juga", 2 of "Judul") are gone, with their CRLF;
     * the last line stays as it was. */
    char *k = join(dir, "out/kept/in/crlf.txt");
    check_file(k,
               "Judul\r\nBaca juga\r\nLine one of the block has a few words in it.\r\n"
               "Line two of the block has a few more words in it.\r\nThe end, without a line "
               "break",
               144);
    free(k);
    k = join(dir, "out/kept/in/cr.txt");
    static const char crk[] = "Title\rAn old Mac line that the scraper caught twice.\rAnd its "
                              "neighbour, also caught twice by it.\rEnd line here\r";
    check_file(k, crk, sizeof crk - 1);
    free(k);
    /* mixed.jsonl: the byte-order mark stays; the repaired record keeps its escapes and
     * every byte outside its text field's string. */
    k = join(dir, "out/kept/in/mixed.jsonl");
    size_t len;
    char *kept = tu_read_file(k, &len);
    static const char head[] = "\xef\xbb\xbf{\"text\": \"caf\\u00e9 \\/ \\ud83d\\ude00 ";
    ck_assert_mem_eq(kept, head, sizeof head - 1);
    ck_assert_ptr_nonnull(strstr(kept,
                                 "\", \"id\": \"dbl\", \"more\": {\"text\": \"not this one\"}}\n\n"
                                 "{\"id\": \"crs\""));
    ck_assert_ptr_nonnull(strstr(kept, "{\"id\": \"crs\", \"text\": \"A first paragraph of "
                                       "several words here.\\rA second paragraph of several "
                                       "words too.\\r\"}\n"));
    free(kept);
    free(k);
    ck_assert_int_eq(restore_in(dir, "out", "back", 0), ND_OK);
    char *a = join(dir, "in"), *b = join(dir, "back/in");
    check_same_tree(a, b);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The hook: the input changes after the scan read it. */
static void append_to(void *path)
{
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fputs("more\n", f);
    fclose(f);
}

START_TEST(test_changed_input)
{
    char *dir = tu_tmpdir();
    char *seed = tu_read_file(tu_src(SEED), NULL);
    char *p = tu_write(dir, "a.txt", seed, strlen(seed));
    char *out = join(dir, "out");
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    const char *paths[1] = {p};
    nd_scan_result *r = (nd_scan_result *)(uintptr_t)1;
    ck_assert_int_eq(nd_clean_run(&o, &co, out, paths, 1, &r, append_to, p), ND_ECHANGED);
    ck_assert_ptr_eq(r, (nd_scan_result *)(uintptr_t)1);
    ck_assert(!exists(out));
    ck_assert_uint_eq(entries(dir), 1); /* a.txt; no temporary directory left */
    free(seed), free(p), free(out);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_outdir_rules)
{
    char *dir = tu_tmpdir();
    char *seed = tu_read_file(tu_src(SEED), NULL);
    char *p = tu_write(dir, "a.txt", seed, strlen(seed));
    char *out = join(dir, "out");
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    const char *paths[1] = {p};
    nd_scan_result *r = NULL;
    /* An empty directory is fine (replaced in one rename); then it is not empty. */
    ck_assert_int_eq(mkdir(out, 0777), 0);
    ck_assert_int_eq(nd_clean(&o, &co, out, paths, 1, &r), ND_OK);
    nd_scan_result_free(r);
    r = NULL;
    ck_assert_int_eq(nd_clean(&o, &co, out, paths, 1, &r), ND_EINVAL);
    ck_assert_ptr_null(r);
    /* force: kept/ and removed.jsonl replaced (a stale file in kept/ goes), others stay. */
    char *stale = join(out, "kept/stale.txt");
    free(tu_write(out, "kept/stale.txt", "x", 1));
    free(tu_write(out, "notes.txt", "mine", 4));
    co.force = 1;
    ck_assert_int_eq(nd_clean(&o, &co, out, paths, 1, &r), ND_OK);
    nd_scan_result_free(r);
    ck_assert(!exists(stale));
    char *notes = join(out, "notes.txt");
    check_file(notes, "mine", 4);
    ck_assert_uint_eq(entries(out), 3); /* kept, removed.jsonl, notes.txt: no temporary */
    /* force does not let an input inside OUTDIR be cleaned into it. */
    char *inside = join(out, "kept");
    const char *in2[1] = {inside};
    ck_assert_int_eq(nd_clean(&o, &co, out, in2, 1, &r), ND_EINVAL);
    ck_assert_ptr_nonnull(strstr(p, "a.txt"));
    /* A file is not a directory. */
    co.force = 0;
    ck_assert_int_eq(nd_clean(&o, &co, notes, paths, 1, &r), ND_EINVAL);
    /* Two inputs that would be one kept/ file. */
    const char *twice[2] = {p, p};
    char *out2 = join(dir, "out2");
    ck_assert_int_eq(nd_clean(&o, &co, out2, twice, 2, &r), ND_EINVAL);
    ck_assert(!exists(out2));
    /* A removal whose scan part is off. */
    o.parts = ND_PART_GROUPS;
    ck_assert_int_eq(nd_clean(&o, &co, out2, paths, 1, &r), ND_EINVAL);
    ck_assert(!exists(out2));
    free(seed), free(p), free(out), free(stale), free(notes), free(inside), free(out2);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_invalid_input)
{
    char *dir = tu_tmpdir();
    char *sub = join(dir, "in");
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    free(tu_write(sub, "latin1.txt", "caf\xe9 au lait\n", 13));
    const char jl[] = "{\"id\": \"ok\", \"text\": \"fine words here\"}\n"
                      "{\"id\": \"bad\", \"text\": \"caf\xe9\"}\n"
                      "{\"id\": \"broken\", \"text\": \n";
    free(tu_write(sub, "f.jsonl", jl, sizeof jl - 1));
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    const char *paths[1] = {"in"};
    nd_scan_result *r = NULL;
    /* Copied unchanged. */
    ck_assert_int_eq(clean_in(dir, &o, &co, "out", paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->nskipped, 3);
    ck_assert_uint_eq(r->clean.invalid_copied, 3);
    nd_scan_result_free(r);
    char *k = join(dir, "out/kept/in/f.jsonl");
    check_file(k, jl, sizeof jl - 1);
    free(k);
    /* Moved: the text file has no kept file, the lines are gone; base64 for the Latin-1. */
    co.drop_invalid = 1;
    ck_assert_int_eq(clean_in(dir, &o, &co, "out2", paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->clean.invalid_dropped, 3);
    ck_assert_uint_eq(r->clean.files_removed, 1);
    nd_scan_result_free(r);
    k = join(dir, "out2/kept/in/f.jsonl");
    check_file(k, "{\"id\": \"ok\", \"text\": \"fine words here\"}\n", 40);
    free(k);
    k = join(dir, "out2/kept/in/latin1.txt");
    ck_assert(!exists(k));
    free(k);
    k = join(dir, "out2/removed.jsonl");
    char *removed = tu_read_file(k, NULL);
    ck_assert_ptr_nonnull(strstr(removed, "\"bytes_base64\": \"Y2Fm6SBhdSBsYWl0Cg==\""));
    ck_assert_ptr_nonnull(strstr(removed, "\"kind\": \"invalid\""));
    free(removed);
    free(k);
    ck_assert_int_eq(restore_in(dir, "out2", "back", 0), ND_OK);
    char *a = join(dir, "in"), *b = join(dir, "back/in");
    check_same_tree(a, b);
    free(a), free(b), free(sub);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_path_not_utf8)
{
    char *dir = tu_tmpdir();
    char *seed = tu_read_file(tu_src(SEED), NULL);
    size_t idx[1] = {100};
    char *near = replace_words(seed, idx, 1);
    free(tu_write(dir, "a.txt", seed, strlen(seed)));
    free(tu_write(dir, "caf\xe9.txt", near, strlen(near))); /* removed whole */
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    const char *paths[2] = {"a.txt", "caf\xe9.txt"};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(clean_in(dir, &o, &co, "out", paths, 2, &r), ND_OK);
    ck_assert_uint_eq(r->clean.docs_removed, 1);
    nd_scan_result_free(r);
    char *k = join(dir, "out/removed.jsonl");
    char *removed = tu_read_file(k, NULL);
    ck_assert_ptr_nonnull(strstr(removed, "\"path_base64\": \"Y2Fm6S50eHQ=\""));
    free(removed);
    free(k);
    ck_assert_int_eq(restore_in(dir, "out", "back", 0), ND_OK);
    k = join(dir, "back/caf\xe9.txt");
    check_file(k, near, strlen(near));
    free(k), free(seed), free(near);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Restore refuses what does not fit, and writes nothing then. */
START_TEST(test_restore_refuses)
{
    static const char *const bad[] = {
        "{\"path\": \"a.txt\", \"offset\": 100, \"bytes\": \"x\"}\n",  /* past the kept file */
        "{\"path\": \"../a.txt\", \"offset\": 0, \"bytes\": \"x\"}\n", /* outside */
        "{\"path\": \"/a.txt\", \"offset\": 0, \"bytes\": \"x\"}\n",   /* absolute */
        "{\"path\": \"a.txt\", \"offset\": 2, \"bytes\": \"x\"}\n"
        "{\"path\": \"a.txt\", \"offset\": 1, \"bytes\": \"y\"}\n", /* out of order */
        "{\"path\": \"a.txt\", \"offset\": 0, \"bytes\": \"x\"}\n"
        "{\"path\": \"b.txt\", \"offset\": 0, \"bytes\": \"x\"}\n"
        "{\"path\": \"a.txt\", \"offset\": 5, \"bytes\": \"x\"}\n", /* not together */
        "{\"path\": \"a.txt\", \"offset\": -1, \"bytes\": \"x\"}\n",
        "{\"path\": \"a.txt\", \"offset\": 0, \"bytes_base64\": \"eA\"}\n", /* not base64 */
        "{\"path\": \"a.txt\", \"offset\": 0}\n",
        "not json\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *dir = tu_tmpdir();
        char *kept = join(dir, "out/kept");
        char *out = join(dir, "out");
        ck_assert_int_eq(mkdir(out, 0777), 0);
        ck_assert_int_eq(mkdir(kept, 0777), 0);
        free(tu_write(kept, "a.txt", "abc", 3));
        free(tu_write(out, "removed.jsonl", bad[i], strlen(bad[i])));
        nd_status st = restore_in(dir, "out", "back", 0);
        ck_assert_msg(st == ND_EINVAL, "case %zu: %s", i, nd_status_str(st));
        char *back = join(dir, "back");
        ck_assert(!exists(back));
        ck_assert_uint_eq(entries(dir), 1);
        free(back), free(kept), free(out);
        tu_rmtree(dir);
        free(dir);
    }
}
END_TEST

/* ---- a failing allocator ------------------------------------------------------------- */

START_TEST(test_oom_clean_restore)
{
    char *dir = awkward_tree();
    nd_scan_opts o = opts1();
    nd_clean_opts co;
    nd_clean_opts_init(&co);
    co.remove = ND_REMOVE_ALL;
    co.drop_invalid = 1;
    const char *paths[1] = {"in"};
    long n;
    for (n = 0; n < 100000; n++) {
        nd_scan_result *r = NULL;
        nd_alloc_fail_after(n);
        nd_status st = clean_in(dir, &o, &co, "out", paths, 1, &r);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            nd_scan_result_free(r);
            break;
        }
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: %s", n, nd_status_str(st));
        ck_assert_ptr_null(r);
        ck_assert_uint_eq(entries(dir), 1); /* nothing but the input */
    }
    ck_assert_int_gt(n, 20);
    ck_assert_int_lt(n, 100000);
    for (n = 0; n < 100000; n++) {
        nd_alloc_fail_after(n);
        nd_status st = restore_in(dir, "out", "back", 0);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) break;
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: %s", n, nd_status_str(st));
        ck_assert_uint_eq(entries(dir), 2);
    }
    ck_assert_int_lt(n, 100000);
    char *a = join(dir, "in"), *b = join(dir, "back/in");
    check_same_tree(a, b);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *clean_suite(void)
{
    Suite *s = suite_create("clean");
    TCase *tc = tcase_create("keep");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_keep_chain);
    tcase_add_test(tc, test_keep_by_field);
    tcase_add_test(tc, test_keep_rule_options);
    tcase_add_test(tc, test_no_chaining_property);
    suite_add_tcase(s, tc);
    tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_rel_path);
    tcase_add_test(tc, test_clean_seeds);
    tcase_add_test(tc, test_clean_restore_awkward);
    tcase_add_test(tc, test_invalid_input);
    tcase_add_test(tc, test_path_not_utf8);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_changed_input);
    tcase_add_test(tc, test_outdir_rules);
    tcase_add_test(tc, test_restore_refuses);
    tcase_add_test(tc, test_oom_clean_restore);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(clean_suite());
}
