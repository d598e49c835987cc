/*
 * fuzz_scan.c - a whole scan (nd_scan) and the three report writers (report.h).
 *
 * Input: byte 0 and byte 1 choose the options (JSON Lines or text files, n-gram size,
 * permutations, threshold, paragraph mode, verification, parts, thread count); the rest is
 * cut at each "\n==FILE==\n" into up to 8 files (N.jsonl or N.txt), which are scanned. The
 * reports are written into memory with open_memstream.
 *
 * Invariants: nd_scan returns ND_OK (bad input is skipped, never a failure); the result is
 * consistent (members, pairs and places name documents that exist, similarities in [0, 1],
 * the representative first); every writer returns ND_OK; the text report has no NUL byte;
 * the JSON report is valid UTF-8 (RFC 8259 requires it) and parses (cJSON) to an object
 * whose counts match the result; every TSV line is a record of a known type with exactly
 * its number of fields (so no field holds a raw tab or newline), as many records of each
 * type as the result has; with the thread bit set, 1 and 2 threads give the same bytes.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "neardup/report.h"
#include "neardup/scan.h"

#define MAX_FILES 8
static const char SEP[] = "\n==FILE==\n";

/* The first occurrence of the separator in p[0..n), or NULL (memmem is not POSIX). */
static const uint8_t *find_sep(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + sizeof SEP - 1 <= n; i++)
        if (p[i] == '\n' && memcmp(p + i, SEP, sizeof SEP - 1) == 0) return p + i;
    return NULL;
}

static void on_diag(const nd_diag *d, void *userdata)
{
    FZ_CHECK(d->path != NULL && d->message != NULL, "a diagnostic without path or message");
    FZ_CHECK(d->level == ND_DIAG_WARNING || d->code != ND_OK, "an error diagnostic with ND_OK");
    ++*(size_t *)userdata;
}

typedef struct report {
    char *p;
    size_t n;
} report;

static void write_report(const nd_scan_result *res, nd_report_format fmt, report *out)
{
    out->p = NULL;
    out->n = 0;
    FILE *f = open_memstream(&out->p, &out->n);
    if (!f) abort();
    nd_status st = nd_report_write(res, fmt, f);
    FZ_CHECK(st == ND_OK, "nd_report_write(%d) returned %d", (int)fmt, (int)st);
    if (fclose(f) != 0) abort();
}

static void check_result(const nd_scan_result *r)
{
    for (size_t g = 0; g < r->ngroups; g++) {
        const nd_group *gr = &r->groups[g];
        FZ_CHECK(gr->nmembers >= 2, "group %zu has %zu members", g, gr->nmembers);
        FZ_CHECK(gr->members[0].jaccard == 1.0, "representative's jaccard %f",
                 gr->members[0].jaccard);
        for (size_t m = 0; m < gr->nmembers; m++) {
            const nd_member *mb = &gr->members[m];
            FZ_CHECK(mb->doc < r->ndocs, "member %u of %zu documents", mb->doc, r->ndocs);
            FZ_CHECK(mb->jaccard >= 0 && mb->jaccard <= 1, "jaccard %f", mb->jaccard);
            FZ_CHECK(mb->containment >= 0 && mb->containment <= 1, "containment %f",
                     mb->containment);
        }
    }
    for (size_t i = 0; i < r->npairs; i++) {
        const nd_pair_sim *p = &r->pairs[i];
        FZ_CHECK(p->a < p->b && p->b < r->ndocs, "pair (%u, %u) of %zu", p->a, p->b, r->ndocs);
        FZ_CHECK(p->jaccard >= 0 && p->jaccard <= 1, "pair jaccard %f", p->jaccard);
        FZ_CHECK(p->jaccard >= r->opts.threshold - 1e-9, "pair jaccard %f under %f", p->jaccard,
                 r->opts.threshold);
    }
    for (size_t i = 0; i < r->nrepeats; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        FZ_CHECK(rp->doc < r->ndocs, "repeats of document %u of %zu", rp->doc, r->ndocs);
        FZ_CHECK(rp->repeated_words <= rp->words, "%u repeated words of %u", rp->repeated_words,
                 rp->words);
    }
    for (size_t i = 0; i < r->nshared; i++) {
        const nd_shared_para *sp = &r->shared[i];
        FZ_CHECK(sp->nplaces >= 2 && sp->ndocs >= 2 && sp->ndocs <= sp->nplaces,
                 "shared %zu: %zu places in %u documents", i, sp->nplaces, sp->ndocs);
        for (size_t k = 0; k < sp->nplaces; k++)
            FZ_CHECK(sp->places[k].doc < r->ndocs, "place in document %u of %zu", sp->places[k].doc,
                     r->ndocs);
    }
    for (size_t d = 0; d < r->ndocs; d++)
        FZ_CHECK(r->docs[d].id != NULL && r->docs[d].source < r->nsources, "document %zu", d);
}

static size_t array_size(const cJSON *root, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
    FZ_CHECK(cJSON_IsArray(a), "JSON: \"%s\" is not an array", key);
    return (size_t)cJSON_GetArraySize(a);
}

static void check_json(const nd_scan_result *r, const report *j)
{
    size_t bad = fz_utf8_check((const uint8_t *)j->p, j->n);
    FZ_CHECK(bad == j->n, "the JSON report is not valid UTF-8 at byte %zu: ...%.*s...", bad,
             (int)(j->n - bad < 40 ? j->n - bad : 40), j->p + bad);
    cJSON *root = cJSON_ParseWithLength(j->p, j->n);
    FZ_CHECK(root != NULL, "the JSON report does not parse near byte %zu",
             cJSON_GetErrorPtr() ? (size_t)(cJSON_GetErrorPtr() - j->p) : (size_t)0);
    FZ_CHECK(cJSON_IsObject(root), "the JSON report is not an object");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "summary");
    FZ_CHECK(cJSON_IsObject(s), "no summary");
    const cJSON *docs = cJSON_GetObjectItemCaseSensitive(s, "documents");
    FZ_CHECK(cJSON_IsNumber(docs) && docs->valuedouble == (double)r->ndocs,
             "summary.documents is not %zu", r->ndocs);
    FZ_CHECK(array_size(root, "skipped") == r->nskipped, "skipped[] is not %zu long", r->nskipped);
    if (r->opts.parts & ND_PART_GROUPS) {
        FZ_CHECK(array_size(root, "groups") == r->ngroups, "groups[] is not %zu long", r->ngroups);
        FZ_CHECK(array_size(root, "pairs") == r->npairs, "pairs[] is not %zu long", r->npairs);
    }
    cJSON_Delete(root);
}

static void check_tsv(const nd_scan_result *r, const report *t)
{
    size_t want_block = 0, want_short = 0, want_shared = 0;
    for (size_t i = 0; i < r->nrepeats; i++) {
        want_block += r->repeats[i].nblocks;
        want_short += r->repeats[i].nshort;
    }
    for (size_t i = 0; i < r->nshared; i++)
        want_shared += r->shared[i].nplaces;
    unsigned parts = r->opts.parts;
    size_t want_pair = parts & ND_PART_GROUPS ? r->npairs : 0;
    size_t want_group = parts & ND_PART_GROUPS ? r->ngroups : 0, want_member = 0;
    for (size_t g = 0; g < want_group; g++)
        want_member += r->groups[g].nmembers;
    want_block = parts & ND_PART_BLOCKS ? want_block : 0;
    want_short = parts & ND_PART_SHORT ? want_short : 0;
    want_shared = parts & ND_PART_SHARED ? want_shared : 0;

    size_t npair = 0, nblock = 0, nshort = 0, nshared = 0, ngroup = 0, nmember = 0;
    FZ_CHECK(t->n == 0 || t->p[t->n - 1] == '\n', "the TSV report does not end in a newline");
    FZ_CHECK(memchr(t->p, '\r', t->n) == NULL && memchr(t->p, '\0', t->n) == NULL,
             "a CR or NUL byte in the TSV report");
    for (const char *line = t->p, *end = t->p + t->n; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t fields = 1;
        for (const char *c = line; c < nl; c++)
            fields += *c == '\t';
        size_t want;
        if (strncmp(line, "group\t", 6) == 0)
            want = 4, ngroup++;
        else if (strncmp(line, "member\t", 7) == 0)
            want = 7, nmember++;
        else if (strncmp(line, "pair\t", 5) == 0)
            want = 6, npair++;
        else if (strncmp(line, "block\t", 6) == 0)
            want = 8, nblock++;
        else if (strncmp(line, "short\t", 6) == 0)
            want = 5, nshort++;
        else if (strncmp(line, "shared\t", 7) == 0)
            want = 6, nshared++;
        else
            want = 0;
        FZ_CHECK(want != 0, "a TSV line of no known type: %.*s", (int)(nl - line), line);
        FZ_CHECK(fields == want, "a TSV record with %zu fields, not %zu: %.*s", fields, want,
                 (int)(nl - line), line);
        line = nl + 1;
    }
    FZ_CHECK(ngroup == want_group && nmember == want_member,
             "TSV group/member %zu/%zu, result %zu/%zu", ngroup, nmember, want_group, want_member);
    FZ_CHECK(npair == want_pair && nblock == want_block && nshort == want_short &&
                 nshared == want_shared,
             "TSV records pair/block/short/shared %zu/%zu/%zu/%zu, result %zu/%zu/%zu/%zu", npair,
             nblock, nshort, nshared, want_pair, want_block, want_short, want_shared);
}

static nd_scan_result *scan(const nd_scan_opts *opts, const char *const *paths, size_t n)
{
    nd_scan_result *res = NULL;
    nd_status st = nd_scan(opts, paths, n, &res);
    FZ_CHECK(st == ND_OK, "nd_scan returned %d", (int)st);
    return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    static const unsigned ngrams[] = {1, 2, 3, 5};
    static const unsigned perms[] = {8, 16, 32, 128};
    static const double thresholds[] = {0.5, 0.8, 1.0, 0.3};
    static const unsigned parts[] = {ND_PART_ALL, ND_PART_GROUPS, ND_PART_BLOCKS | ND_PART_SHORT,
                                     ND_PART_SHARED};
    uint8_t o0 = data[0], o1 = data[1];
    int json = o0 & 1;
    size_t ndiag = 0;
    nd_scan_opts opts;
    nd_scan_opts_init(&opts);
    opts.ngram = ngrams[(o0 >> 1) & 3];
    opts.para.mode = (o0 >> 3) & 1 ? ND_PARA_BLOCK : ND_PARA_LINE;
    opts.verify_estimate = (o0 >> 4) & 1;
    opts.parts = parts[(o0 >> 5) & 3];
    opts.perms = perms[o1 & 3];
    opts.threshold = thresholds[(o1 >> 2) & 3];
    opts.boilerplate_docs = 2 + ((o1 >> 4) & 3);
    opts.para.short_words = 1 + ((o1 >> 6) & 3);
    opts.threads = 1;
    opts.on_diag = on_diag;
    opts.userdata = &ndiag;
    data += 2;
    size -= 2;

    /* The files: the payload cut at each separator. */
    char names[MAX_FILES][64];
    char *owned[MAX_FILES];
    const char *paths[MAX_FILES];
    size_t nfiles = 0;
    for (const uint8_t *p = data, *end = data + size; nfiles < MAX_FILES;) {
        const uint8_t *cut = NULL;
        if (nfiles + 1 < MAX_FILES) cut = find_sep(p, (size_t)(end - p));
        size_t len = cut ? (size_t)(cut - p) : (size_t)(end - p);
        snprintf(names[nfiles], sizeof names[nfiles], "%zu.%s", nfiles, json ? "jsonl" : "txt");
        const char *path = fz_write(names[nfiles], p, len);
        if (!(owned[nfiles] = strdup(path))) abort();
        paths[nfiles] = owned[nfiles];
        nfiles++;
        if (!cut) break;
        p = cut + sizeof SEP - 1;
    }

    nd_scan_result *res = scan(&opts, paths, nfiles);
    check_result(res);
    FZ_CHECK(ndiag >= res->nskipped, "%zu skips but %zu diagnostics", res->nskipped, ndiag);
    report text, js, tsv;
    write_report(res, ND_REPORT_TEXT, &text);
    write_report(res, ND_REPORT_JSON, &js);
    write_report(res, ND_REPORT_TSV, &tsv);
    FZ_CHECK(memchr(text.p, '\0', text.n) == NULL, "a NUL byte in the text report");
    check_json(res, &js);
    check_tsv(res, &tsv);
    nd_scan_result_free(res);

    if (o1 & 0x80 && o0 & 0x80) { /* the same bytes with two threads */
        opts.threads = 2;
        ndiag = 0;
        res = scan(&opts, paths, nfiles);
        report js2;
        write_report(res, ND_REPORT_JSON, &js2);
        FZ_CHECK(js2.n == js.n && memcmp(js2.p, js.p, js.n) == 0,
                 "the JSON report differs between 1 and 2 threads");
        free(js2.p);
        nd_scan_result_free(res);
    }
    free(text.p);
    free(js.p);
    free(tsv.p);
    for (size_t i = 0; i < nfiles; i++)
        free(owned[i]);
    fz_clean();
    return 0;
}
