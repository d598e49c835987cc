/*
 * test_report.c - unit tests of the text, JSON and TSV reports (include/neardup/report.h).
 *
 * Each test scans a tiny temporary corpus (nd_scan is the only way to get a result through
 * the public API) and checks what nd_report_write prints: the text layout (group header,
 * representative marked, snippets, summary lines), TSV "pair" records (the tag, then five
 * tab-separated fields, ids first and escaped so one field stays one field), and JSON parsed
 * back with cJSON against the documented schema, including ids with quotes, backslashes,
 * tabs and newlines that must survive the round trip. Most tests scan for groups only
 * (ND_PART_GROUPS) so that the paragraph sections stay out of the way; the schema test runs
 * with everything on. Also: ids and paths that are not UTF-8 (U+FFFD in JSON, \xNN in text
 * and TSV, nd_report_write_field), parts not asked for (null in JSON), the options and
 * warnings in JSON, nd_report_format_parse and a failing stream (with its errno).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "neardup/report.h"
#include "neardup/scan.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* Three unrelated texts of 37, 33 and 39 words. */
#define T1                                                                                         \
    "The central bank kept its benchmark rate unchanged on Thursday as policymakers "              \
    "weighed slowing inflation against a weaker currency and signs that household "                \
    "spending had begun to recover after a long and difficult year for many families"
#define T2                                                                                         \
    "Heavy rain flooded several districts of the capital overnight, forcing hundreds of "          \
    "residents to leave their homes while rescue teams used rubber boats to reach people "         \
    "trapped on the upper floors of houses"
#define T3                                                                                         \
    "A new railway line linking the port to the industrial zone opened this week, "                \
    "cutting the journey for freight trains from six hours to less than two, officials "           \
    "said at a ceremony attended by local leaders"

/* The awkward id of the first document, as the JSON line spells it and as bytes. */
#define ODD_ID_JSON "q\\\"uo\\\\te\\ttab\\nline \\u00e9 end"
#define ODD_ID "q\"uo\\te\ttab\nline \xc3\xa9 end"

typedef struct corpus {
    char *dir;
    char *jsonl; /* dir/a.jsonl */
    char *txt;   /* dir/y_article.txt */
    char *empty; /* dir/z_empty.txt */
    nd_scan_result *res;
} corpus;

/* a.jsonl: the odd id and an exact copy "copy-2" (a group), "other", a broken line 4;
 * y_article.txt: a third article; z_empty.txt: skipped. */
static void corpus_make(corpus *c, int estimate, unsigned parts)
{
    c->dir = tu_tmpdir();
    const char *jl = "{\"id\":\"" ODD_ID_JSON "\",\"text\":\"" T1 "\"}\n"
                     "{\"id\":\"copy-2\",\"text\":\"" T1 "\"}\n"
                     "{\"id\":\"other\",\"text\":\"" T2 "\"}\n"
                     "{\"id\":\"broken\",\"text\": nope}\n";
    c->jsonl = tu_write(c->dir, "a.jsonl", jl, strlen(jl));
    c->txt = tu_write(c->dir, "y_article.txt", T3, strlen(T3));
    c->empty = tu_write(c->dir, "z_empty.txt", "", 0);
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.verify_estimate = estimate;
    o.parts = parts;
    const char *paths[1] = {c->dir};
    c->res = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &c->res), ND_OK);
    ck_assert_uint_eq(c->res->ndocs, 4);
    ck_assert_uint_eq(c->res->ngroups, 1);
    ck_assert_uint_eq(c->res->npairs, 1);
    ck_assert_uint_eq(c->res->nskipped, 2);
    ck_assert_str_eq(c->res->docs[0].id, ODD_ID);
}

static void corpus_free(corpus *c)
{
    nd_scan_result_free(c->res);
    free(c->jsonl);
    free(c->txt);
    free(c->empty);
    tu_rmtree(c->dir);
    free(c->dir);
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

/* s with \t \n \r \\ written as two-character escapes and other control bytes as \xNN
 * (the text and TSV field rule). */
static char *field_escape(const char *s)
{
    char *out = malloc(4 * strlen(s) + 1);
    ck_assert_ptr_nonnull(out);
    char *p = out;
    for (; *s; s++) {
        switch (*s) {
        case '\t':
            *p++ = '\\', *p++ = 't';
            break;
        case '\n':
            *p++ = '\\', *p++ = 'n';
            break;
        case '\r':
            *p++ = '\\', *p++ = 'r';
            break;
        case '\\':
            *p++ = '\\', *p++ = '\\';
            break;
        default:
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                p += sprintf(p, "\\x%02x", (unsigned char)*s);
            else
                *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

/* The inverse of field_escape, in place. */
static void field_unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r != '\\') {
            *w++ = *r;
            continue;
        }
        r++;
        if (*r == 'x') {
            unsigned v = 0;
            ck_assert_msg(sscanf(r + 1, "%2x", &v) == 1, "bad \\x escape");
            *w++ = (char)v;
            r += 2;
            continue;
        }
        ck_assert_msg(*r == 't' || *r == 'n' || *r == 'r' || *r == '\\', "bad escape \\%c", *r);
        *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : '\\';
    }
    *w = '\0';
}

/* Splits text into lines (in place); returns the number of lines (a final "\n" ends the
 * last one). */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        ck_assert_msg(nl != NULL, "unterminated last line: %s", p);
        *nl = '\0';
        ck_assert_uint_lt(n, max);
        lines[n++] = p;
        p = nl + 1;
    }
    return n;
}

/* The lines of a TSV report whose type (first field) is `type`, as a malloc'd string. */
static char *tsv_records(const char *tsv, const char *type)
{
    char *out = malloc(strlen(tsv) + 1);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    size_t tl = strlen(type);
    for (const char *p = tsv; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (strncmp(p, type, tl) == 0 && p[tl] == '\t') {
            memcpy(w, p, n);
            w += n;
        }
        p += n;
    }
    *w = '\0';
    return out;
}

/* The report's pair records alone. */
static char *pair_report(const nd_scan_result *res)
{
    char *tsv = report(res, ND_REPORT_TSV);
    char *pairs = tsv_records(tsv, "pair");
    free(tsv);
    return pairs;
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(v != NULL, "no key \"%s\"", key);
    return v;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = get(obj, key);
    ck_assert_msg(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = get(obj, key);
    ck_assert_msg(cJSON_IsString(v), "\"%s\" is not a string", key);
    return v->valuestring;
}

static const cJSON *arr(const cJSON *obj, const char *key, int size)
{
    const cJSON *v = get(obj, key);
    ck_assert_msg(cJSON_IsArray(v), "\"%s\" is not an array", key);
    ck_assert_int_eq(cJSON_GetArraySize(v), size);
    return v;
}

/* Checks obj has the keys in `keys` (NULL-terminated): the schema may grow by new keys,
 * never lose one. */
static void check_keys(const cJSON *obj, const char *const *keys)
{
    ck_assert(cJSON_IsObject(obj));
    for (size_t i = 0; keys[i]; i++)
        ck_assert_msg(cJSON_GetObjectItemCaseSensitive(obj, keys[i]) != NULL, "missing key \"%s\"",
                      keys[i]);
}

/* Splits a TSV "pair" record (in place) into its five fields after the tag. */
static void pair_fields(char *line, char **fields)
{
    ck_assert_msg(strncmp(line, "pair\t", 5) == 0, "not a pair record: %s", line);
    ck_assert_msg(count_char(line, '\t') == 5, "not 5 fields after the tag: %s", line);
    char *p = line + 5;
    for (int i = 0; i < 5; i++) {
        fields[i] = p;
        p = strchr(p, '\t');
        if (p) *p++ = '\0';
    }
}

static cJSON *parse_json_report(const nd_scan_result *res)
{
    char *text = report(res, ND_REPORT_JSON);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    ck_assert_msg(root != NULL, "JSON does not parse near: %.60s", end ? end : "?");
    free(text);
    return root;
}

/* ---- core: text ------------------------------------------------------------------------ */

START_TEST(test_text_format)
{
    corpus c;
    corpus_make(&c, 0, ND_PART_GROUPS);
    const nd_scan_result *r = c.res;
    char *text = report(r, ND_REPORT_TEXT);
    char *lines[32];
    size_t n = split_lines(text, lines, 32);
    ck_assert_uint_eq(n, 13);
    /* The summary first: the counts, the bytes, what could go, the biggest groups. */
    ck_assert_str_eq(lines[0], "4 documents read, 2 skipped; 1 group of near-duplicates "
                               "(1 document could go)");
    ck_assert_int_eq(strncmp(lines[1], "  read: ", 8), 0);
    ck_assert_int_eq(strncmp(lines[2], "  could go: 1 document, ", 24), 0);
    ck_assert_str_eq(lines[3], "  biggest groups:");
    ck_assert_int_eq(strncmp(lines[4], "    group 1: 2 documents like ", 30), 0);
    ck_assert_str_eq(lines[5], "");
    char **detail = lines + 6;
    ck_assert_str_eq(detail[0], "group 1: 2 documents");

    char *id = field_escape(ODD_ID);
    char want[8192];
    snprintf(want, sizeof want, "  * %s (%s:1)  [representative, %u words]", id, c.jsonl,
             r->docs[0].ntokens);
    ck_assert_str_eq(detail[1], want);
    ck_assert_uint_eq(r->docs[0].ntokens, 37);
    /* Snippet: indented, one line, the start of the text, cut with "...". */
    ck_assert_int_eq(strncmp(detail[2], "      The central bank kept its benchmark rate", 46), 0);
    ck_assert_uint_le(strlen(detail[2]), 6 + 100 + 3);
    ck_assert_str_eq(detail[2] + strlen(detail[2]) - 3, "...");
    snprintf(want, sizeof want, "    copy-2 (%s:2)  [jaccard 1.0000, containment 1.0000, %u words]",
             c.jsonl, r->docs[1].ntokens);
    ck_assert_str_eq(detail[3], want);
    ck_assert_str_eq(detail[4], detail[2]);
    ck_assert_str_eq(detail[5], "");
    /* Last, the parameters in force. */
    snprintf(want, sizeof want,
             "(5-word shingles, 128 permutations, jaccard >= 0.80, %u bands x %u rows, exact "
             "verification;",
             r->lsh.bands, r->lsh.rows);
    ck_assert_int_eq(strncmp(detail[6], want, strlen(want)), 0);
    free(id);
    free(text);
    corpus_free(&c);
}
END_TEST

START_TEST(test_text_file_ids_and_order)
{
    /* Text files: the id is the path, printed once. The representative is the longest
     * document, even when it comes last. */
    char *dir = tu_tmpdir();
    char *p1 = tu_write(dir, "m1.txt", T2, strlen(T2));
    char *p2 = tu_write(dir, "m2.txt", T2 " and more", strlen(T2) + 9);
    char *p3 = tu_write(dir, "m3.txt", T1, strlen(T1));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = ND_PART_GROUPS;
    const char *paths[1] = {dir};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ngroups, 1);
    char *text = report(r, ND_REPORT_TEXT);
    char *lines[16];
    size_t n = split_lines(text, lines, 16);
    ck_assert_uint_eq(n, 13);
    ck_assert_str_eq(lines[0], "3 documents read, 0 skipped; 1 group of near-duplicates "
                               "(1 document could go)");
    char want[8192];
    snprintf(want, sizeof want, "    group 1: 2 documents like %s", p2);
    ck_assert_str_eq(lines[4], want);
    snprintf(want, sizeof want, "  * %s  [representative, 35 words]", p2);
    ck_assert_str_eq(lines[7], want);
    ck_assert_int_eq(strncmp(lines[8], "      Heavy rain flooded", 24), 0);
    ck_assert_str_eq(lines[8] + strlen(lines[8]) - 3, "...");
    ck_assert_int_eq(strncmp(lines[9], "    ", 4), 0);
    ck_assert_int_eq(strncmp(lines[9] + 4, p1, strlen(p1)), 0);
    ck_assert_int_eq(strncmp(lines[9] + 4 + strlen(p1), "  [jaccard 0.9", 14), 0);
    free(text);
    nd_scan_result_free(r);
    free(p1);
    free(p2);
    free(p3);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- core: TSV --------------------------------------------------------------------------- */

START_TEST(test_tsv_format)
{
    corpus c;
    corpus_make(&c, 0, ND_PART_GROUPS);
    char *all = report(c.res, ND_REPORT_TSV);
    char *id = field_escape(ODD_ID);
    char want[4096];
    /* The group, its members (kept or to drop), then the pair that joined it. */
    snprintf(want, sizeof want,
             "group\t1\t2\t%s\n"
             "member\t1\tkeep\t%s\t1.0000\t1.0000\t37\n"
             "member\t1\tdrop\tcopy-2\t1.0000\t1.0000\t37\n"
             "pair\t%s\tcopy-2\t1.0000\t1.0000\t1.0000\n",
             id, id, id);
    ck_assert_str_eq(all, want);
    free(all);
    char *tsv = pair_report(c.res);
    ck_assert_str_eq(id, "q\"uo\\\\te\\ttab\\nline \xc3\xa9 end");

    /* Five fields after the tag; the first unescapes to the original id. */
    char *lines[4], *fields[5];
    ck_assert_uint_eq(split_lines(tsv, lines, 4), 1);
    pair_fields(lines[0], fields);
    field_unescape(fields[0]);
    ck_assert_str_eq(fields[0], ODD_ID);
    ck_assert_str_eq(fields[1], "copy-2");
    ck_assert_str_eq(fields[2], "1.0000");
    free(id);
    free(tsv);
    corpus_free(&c);
}
END_TEST

START_TEST(test_tsv_estimate)
{
    corpus c;
    corpus_make(&c, 1, ND_PART_GROUPS);
    char *all = report(c.res, ND_REPORT_TSV);
    ck_assert_ptr_nonnull(strstr(all, "\nmember\t1\tdrop\tcopy-2\t1.0000\t"));
    free(all);
    char *tsv = pair_report(c.res);
    char *lines[4], *fields[5];
    ck_assert_uint_eq(split_lines(tsv, lines, 4), 1);
    pair_fields(lines[0], fields);
    ck_assert_str_eq(fields[1], "copy-2");
    ck_assert_str_eq(fields[2], "1.0000");
    ck_assert_str_eq(fields[3], "-");
    ck_assert_str_eq(fields[4], "-");
    free(tsv);
    corpus_free(&c);
}
END_TEST

/* ---- core: JSON -------------------------------------------------------------------------- */

START_TEST(test_json_schema)
{
    corpus c;
    corpus_make(&c, 0, ND_PART_ALL);
    const nd_scan_result *r = c.res;
    cJSON *root = parse_json_report(r);
    static const char *const top[] = {"tool",   "version", "schema",  "options", "summary",
                                      "groups", "pairs",   "skipped", NULL};
    check_keys(root, top);
    ck_assert_str_eq(str(root, "tool"), "neardup");
    ck_assert_uint_gt(strlen(str(root, "version")), 0);
    ck_assert_double_eq(num(root, "schema"), ND_JSON_SCHEMA);
    ck_assert_int_eq(ND_JSON_SCHEMA, 1);

    const cJSON *opt = get(root, "options");
    static const char *const optk[] = {"ngram", "perms",  "threshold", "bands",
                                       "rows",  "verify", NULL};
    check_keys(opt, optk);
    ck_assert_double_eq(num(opt, "ngram"), 5);
    ck_assert_double_eq(num(opt, "perms"), 128);
    ck_assert_double_eq_tol(num(opt, "threshold"), 0.8, 1e-12);
    ck_assert_double_eq(num(opt, "bands"), r->lsh.bands);
    ck_assert_double_eq(num(opt, "rows"), r->lsh.rows);
    ck_assert_str_eq(str(opt, "verify"), "exact");

    const cJSON *sum = get(root, "summary");
    static const char *const sumk[] = {"documents",  "skipped", "groups",
                                       "duplicates", "pairs",   NULL};
    check_keys(sum, sumk);
    ck_assert_double_eq(num(sum, "documents"), 4);
    ck_assert_double_eq(num(sum, "skipped"), 2);
    ck_assert_double_eq(num(sum, "groups"), 1);
    ck_assert_double_eq(num(sum, "duplicates"), 1);
    ck_assert_double_eq(num(sum, "pairs"), 1);

    const cJSON *groups = arr(root, "groups", 1);
    const cJSON *g = cJSON_GetArrayItem(groups, 0);
    static const char *const gk[] = {"representative", "size", "members", NULL};
    check_keys(g, gk);
    ck_assert_str_eq(str(g, "representative"), ODD_ID);
    ck_assert_double_eq(num(g, "size"), 2);
    const cJSON *members = arr(g, "members", 2);
    static const char *const mk[] = {"id",      "source",      "line", "words",
                                     "jaccard", "containment", NULL};
    static const char *const ids[] = {ODD_ID, "copy-2"};
    for (int m = 0; m < 2; m++) {
        const cJSON *mb = cJSON_GetArrayItem(members, m);
        check_keys(mb, mk);
        ck_assert_str_eq(str(mb, "id"), ids[m]);
        ck_assert_str_eq(str(mb, "source"), c.jsonl);
        ck_assert_double_eq(num(mb, "line"), m + 1);
        ck_assert_double_eq(num(mb, "words"), 37);
        ck_assert_double_eq(num(mb, "jaccard"), 1.0);
        ck_assert_double_eq(num(mb, "containment"), 1.0);
    }

    const cJSON *pairs = arr(root, "pairs", 1);
    const cJSON *p = cJSON_GetArrayItem(pairs, 0);
    static const char *const pk[] = {"a", "b", "jaccard", "containment_a", "containment_b", NULL};
    check_keys(p, pk);
    ck_assert_str_eq(str(p, "a"), ODD_ID);
    ck_assert_str_eq(str(p, "b"), "copy-2");
    ck_assert_double_eq(num(p, "jaccard"), 1.0);
    ck_assert_double_eq(num(p, "containment_a"), 1.0);
    ck_assert_double_eq(num(p, "containment_b"), 1.0);

    const cJSON *skipped = arr(root, "skipped", 2);
    static const char *const sk[] = {"source", "line", "error", "message", NULL};
    const cJSON *s0 = cJSON_GetArrayItem(skipped, 0), *s1 = cJSON_GetArrayItem(skipped, 1);
    check_keys(s0, sk);
    check_keys(s1, sk);
    ck_assert_str_eq(str(s0, "source"), c.jsonl);
    ck_assert_double_eq(num(s0, "line"), 4);
    ck_assert_str_eq(str(s0, "error"), nd_status_str(ND_EJSON));
    ck_assert_str_eq(str(s0, "message"), r->skipped[0].message);
    ck_assert_str_eq(str(s1, "source"), c.empty);
    ck_assert(cJSON_IsNull(get(s1, "line")));
    ck_assert_str_eq(str(s1, "error"), nd_status_str(ND_EEMPTY));
    ck_assert_uint_gt(strlen(str(s1, "message")), 0);
    cJSON_Delete(root);
    corpus_free(&c);
}
END_TEST

START_TEST(test_json_estimate)
{
    corpus c;
    corpus_make(&c, 1, ND_PART_GROUPS);
    cJSON *root = parse_json_report(c.res);
    ck_assert_str_eq(str(get(root, "options"), "verify"), "estimate");
    const cJSON *p = cJSON_GetArrayItem(arr(root, "pairs", 1), 0);
    ck_assert_double_eq(num(p, "jaccard"), 1.0);
    ck_assert(cJSON_IsNull(get(p, "containment_a")));
    ck_assert(cJSON_IsNull(get(p, "containment_b")));
    cJSON_Delete(root);
    char *text = report(c.res, ND_REPORT_TEXT);
    ck_assert_ptr_nonnull(strstr(text, " rows, estimated verification"));
    free(text);
    corpus_free(&c);
}
END_TEST

START_TEST(test_json_id_round_trip)
{
    /* Every awkward byte a JSON Lines id can carry comes back from the JSON report. */
    static const char *const json_ids[] = {
        "\\\"quoted\\\"",   "back\\\\slash\\\\",        "tab\\there",
        "new\\nline\\r\\n", "ctl\\u0001\\u001f\\u007f", "emoji \\ud83d\\ude00 \\u00e9",
        "slash\\/ok"};
    static const char *const ids[] = {"\"quoted\"",      "back\\slash\\",
                                      "tab\there",       "new\nline\r\n",
                                      "ctl\x01\x1f\x7f", "emoji \xf0\x9f\x98\x80 \xc3\xa9",
                                      "slash/ok"};
    size_t n = sizeof ids / sizeof *ids;
    char *dir = tu_tmpdir();
    char *jl = malloc(65536);
    ck_assert_ptr_nonnull(jl);
    jl[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(jl, "{\"id\":\"");
        strcat(jl, json_ids[i]);
        strcat(jl, "\",\"text\":\"" T1 "\"}\n");
    }
    char *path = tu_write(dir, "ids.jsonl", jl, strlen(jl));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = ND_PART_GROUPS;
    const char *paths[1] = {path};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ndocs, n);
    ck_assert_uint_eq(r->ngroups, 1);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(r->docs[i].id, ids[i]);

    cJSON *root = parse_json_report(r);
    const cJSON *g = cJSON_GetArrayItem(arr(root, "groups", 1), 0);
    ck_assert_str_eq(str(g, "representative"), ids[0]);
    const cJSON *members = arr(g, "members", (int)n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(str(cJSON_GetArrayItem(members, (int)i), "id"), ids[i]);
    const cJSON *pairs = get(root, "pairs");
    for (int i = 0; i < cJSON_GetArraySize(pairs); i++) {
        const cJSON *p = cJSON_GetArrayItem(pairs, i);
        ck_assert_str_eq(str(p, "a"), ids[(size_t)r->pairs[i].a]);
        ck_assert_str_eq(str(p, "b"), ids[(size_t)r->pairs[i].b]);
    }
    cJSON_Delete(root);

    /* TSV: every pair line has five fields and its ids unescape to the originals. */
    char *tsv = pair_report(r);
    char *lines[64];
    size_t nl = split_lines(tsv, lines, 64);
    ck_assert_uint_eq(nl, r->npairs);
    for (size_t i = 0; i < nl; i++) {
        char *fields[5];
        pair_fields(lines[i], fields);
        field_unescape(fields[0]);
        field_unescape(fields[1]);
        ck_assert_str_eq(fields[0], ids[r->pairs[i].a]);
        ck_assert_str_eq(fields[1], ids[r->pairs[i].b]);
    }
    free(tsv);
    nd_scan_result_free(r);
    free(path);
    free(jl);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_empty_result)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = ND_PART_GROUPS;
    const char *paths[1] = {tu_src("data")};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ngroups, 0);

    cJSON *root = parse_json_report(r);
    arr(root, "groups", 0);
    arr(root, "pairs", 0);
    arr(root, "skipped", 0);
    const cJSON *sum = get(root, "summary");
    ck_assert_double_eq(num(sum, "documents"), 4);
    ck_assert_double_eq(num(sum, "groups"), 0);
    ck_assert_double_eq(num(sum, "duplicates"), 0);
    ck_assert_double_eq(num(sum, "pairs"), 0);
    cJSON_Delete(root);

    char *text = report(r, ND_REPORT_TEXT);
    char *lines[8];
    ck_assert_uint_eq(split_lines(text, lines, 8), 5);
    ck_assert_str_eq(lines[0], "4 documents read, 0 skipped; 0 groups of near-duplicates "
                               "(0 documents could go)");
    ck_assert_int_eq(strncmp(lines[1], "  read: ", 8), 0);
    ck_assert_str_eq(lines[2], "  could go: no document (no near-duplicate group)");
    ck_assert_str_eq(lines[3], "");
    char want[512];
    snprintf(want, sizeof want,
             "(5-word shingles, 128 permutations, jaccard >= 0.80, %u bands x %u rows, exact "
             "verification;",
             r->lsh.bands, r->lsh.rows);
    ck_assert_int_eq(strncmp(lines[4], want, strlen(want)), 0);
    free(text);
    char *tsv = report(r, ND_REPORT_TSV);
    ck_assert_str_eq(tsv, "");
    free(tsv);
    nd_scan_result_free(r);

    /* With everything on, the TSV may have other records, but no pair. */
    o.parts = ND_PART_ALL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    tsv = report(r, ND_REPORT_TSV);
    ck_assert_ptr_null(strstr(tsv, "pair\t"));
    free(tsv);
    nd_scan_result_free(r);
}
END_TEST

/* The report of res in format fmt with at most `limit` entries per section. */
static char *report_limit(const nd_scan_result *res, nd_report_format fmt, size_t limit)
{
    nd_report_opts ro;
    nd_report_opts_init(&ro);
    ro.limit = limit;
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_report_write_opts(res, fmt, &ro, f), ND_OK);
    char *buf = tu_read_stream(f, NULL);
    fclose(f);
    return buf;
}

START_TEST(test_text_folds_and_limits)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    const char *paths[1] = {tu_src("data")};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    /* 002's 15 headlines printed twice are one finding, and its "Global" label with them,
     * not 15 entries beside a short line. */
    char *text = report(r, ND_REPORT_TEXT);
    ck_assert_ptr_nonnull(strstr(text, "\n    15 headlines each printed twice (lines 43-115), "
                                       "with \"Global\" x15 among them\n"));
    ck_assert_ptr_null(strstr(text, "line 48 repeats as line 50"));
    ck_assert_ptr_null(strstr(text, "\"Global\" x15 (line 47)"));
    ck_assert_ptr_nonnull(strstr(text, "\"A\" x3 (line 3)"));
    ck_assert_ptr_null(strstr(text, "more (use --limit 0"));
    ck_assert_ptr_nonnull(strstr(text, "\n  most widespread shared paragraphs:\n"));
    free(text);
    /* --limit 1: one entry per section, one place per paragraph, and the rest counted. */
    text = report_limit(r, ND_REPORT_TEXT, 1);
    ck_assert_ptr_nonnull(strstr(text, "\n  ... and 1 more article (use --limit 0 or -f json)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n  ... and 2 more shared paragraphs (use --limit 0 or "
                                       "-f json)\n"));
    ck_assert_ptr_nonnull(strstr(text, "data/000_beebcc9d70568a44.txt:7 and 2 more\n"));
    ck_assert_ptr_null(strstr(text, "002_a894bd07f7f79a4f.txt: 21.7%"));
    free(text);
    /* --limit 0 is everything, as the default is when nothing is over it. */
    char *all = report_limit(r, ND_REPORT_TEXT, 0);
    char *def = report(r, ND_REPORT_TEXT);
    ck_assert_str_eq(all, def);
    free(all);
    free(def);
    /* JSON and TSV are complete whatever the limit. */
    for (int f = ND_REPORT_JSON; f <= ND_REPORT_TSV; f++) {
        char *x = report_limit(r, (nd_report_format)f, 1);
        char *y = report_limit(r, (nd_report_format)f, 0);
        ck_assert_str_eq(x, y);
        free(x);
        free(y);
    }
    nd_scan_result_free(r);
}
END_TEST

START_TEST(test_deterministic)
{
    corpus a, b;
    corpus_make(&a, 0, ND_PART_ALL);
    corpus_make(&b, 0, ND_PART_ALL);
    for (int f = 0; f < 3; f++) {
        char *x = report(a.res, (nd_report_format)f);
        char *y = report(a.res, (nd_report_format)f);
        ck_assert_str_eq(x, y);
        free(y);
        if (f == ND_REPORT_TSV) { /* no paths in it: identical across directories */
            y = report(b.res, (nd_report_format)f);
            ck_assert_str_eq(x, y);
            free(y);
        }
        free(x);
    }
    corpus_free(&a);
    corpus_free(&b);
}
END_TEST

/* ---- bytes that are not UTF-8, control characters ----------------------------------------- */

/* Whether s[0..len) is valid UTF-8 (decoded; no overlong form, surrogate or value above
 * U+10FFFF) without a raw control character other than tab and newline (C0, DEL, C1). */
static int terminal_safe(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < len;) {
        size_t n = s[i] < 0x80             ? 1
                   : (s[i] & 0xe0) == 0xc0 ? 2
                   : (s[i] & 0xf0) == 0xe0 ? 3
                   : (s[i] & 0xf8) == 0xf0 ? 4
                                           : 0;
        if (n == 0 || i + n > len) return 0;
        unsigned long cp = n == 1 ? s[i] : s[i] & (0x7fu >> n);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3fu);
        }
        static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
        if ((cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f)) return 0;
        i += n;
    }
    return 1;
}

/* nd_report_write_field(s) as a malloc'd string. */
static char *field(const char *s, size_t len)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(nd_report_write_field(f, s, len), ND_OK);
    char *buf = tu_read_stream(f, NULL);
    fclose(f);
    return buf;
}

START_TEST(test_write_field)
{
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
#define C(in, want) {in, sizeof in - 1, want}
        C("plain \xc3\xa9t\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d",
          "plain \xc3\xa9t\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d"),
        C("t\tn\nr\rb\\", "t\\tn\\nr\\rb\\\\"),
        C("\x1b[31m\x07\x7f", "\\x1b[31m\\x07\\x7f"),
        C("nul\0x", "nul\\x00x"),
        C("a\xff\x62", "a\\xffb"),                     /* never in UTF-8 */
        C("\x80\xbf", "\\x80\\xbf"),                   /* lone continuations */
        C("\xc0\xaf", "\\xc0\\xaf"),                   /* overlong */
        C("\xed\xa0\x80", "\\xed\\xa0\\x80"),          /* a surrogate */
        C("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"), /* above U+10FFFF */
        C("\xe2\x82\x41", "\\xe2\\x82A"),              /* truncated */
        C("end\xf0\x9f\x98", "end\\xf0\\x9f\\x98"),    /* truncated at the end */
        C("c1 \xc2\x9b[0m", "c1 \\xc2\\x9b[0m"),       /* C1 control (CSI) */
        C("nbsp\xc2\xa0", "nbsp\xc2\xa0"),             /* U+00A0 is text */
        C("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
    };
#undef C
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = field(cases[i].in, cases[i].len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got %s, want %s", i, out,
                      cases[i].want);
        ck_assert_msg(terminal_safe(out, strlen(out)), "case %zu: raw bytes in %s", i, out);
        /* The escapes give back the bytes (\xNN per byte, \t \n \r \\). */
        char *back = strdup(out);
        ck_assert_ptr_nonnull(back);
        field_unescape(back);
        if (!memchr(cases[i].in, '\0', cases[i].len)) {
            ck_assert_uint_eq(strlen(back), cases[i].len);
            ck_assert_mem_eq(back, cases[i].in, cases[i].len);
        }
        free(back);
        free(out);
    }
}
END_TEST

/* A pair whose JSON Lines ids are not UTF-8 ("a\xffb", "c\xe2\x82" + ESC). */
START_TEST(test_ids_not_utf8)
{
    char *dir = tu_tmpdir();
    const char *jl = "{\"id\":\"a\xff"
                     "b\",\"text\":\"" T1 "\"}\n"
                     "{\"id\":\"c\xe2\x82\\u001b\",\"text\":\"" T1 "\"}\n";
    char *path = tu_write(dir, "ids.jsonl", jl, strlen(jl));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = ND_PART_GROUPS;
    const char *paths[1] = {path};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ngroups, 1);
    ck_assert_str_eq(r->docs[0].id, "a\xff\x62");

    char *json = report(r, ND_REPORT_JSON);
    ck_assert_msg(terminal_safe(json, strlen(json)), "raw bytes in the JSON report");
    cJSON *root = cJSON_Parse(json);
    ck_assert_ptr_nonnull(root);
    const cJSON *g = cJSON_GetArrayItem(arr(root, "groups", 1), 0);
    ck_assert_str_eq(str(g, "representative"), "a\xef\xbf\xbd\x62");
    const cJSON *mb = arr(g, "members", 2);
    ck_assert_str_eq(str(cJSON_GetArrayItem(mb, 1), "id"), "c\xef\xbf\xbd\x1b");
    const cJSON *p = cJSON_GetArrayItem(arr(root, "pairs", 1), 0);
    ck_assert_str_eq(str(p, "a"), "a\xef\xbf\xbd\x62");
    cJSON_Delete(root);
    free(json);

    char *tsv = pair_report(r);
    ck_assert_str_eq(tsv, "pair\ta\\xffb\tc\\xe2\\x82\\x1b\t1.0000\t1.0000\t1.0000\n");
    free(tsv);
    char *text = report(r, ND_REPORT_TEXT);
    ck_assert_msg(terminal_safe(text, strlen(text)), "raw bytes in the text report");
    ck_assert_ptr_nonnull(strstr(text, "\n  * a\\xffb ("));
    ck_assert_ptr_nonnull(strstr(text, "\n    c\\xe2\\x82\\x1b ("));
    free(text);
    nd_scan_result_free(r);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- parts not asked for, options, warnings ------------------------------------------------ */

/* The JSON report of the sample batch scanned for `parts`. */
static cJSON *sample_json(unsigned parts)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.parts = parts;
    const char *paths[1] = {tu_src("data")};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    cJSON *root = parse_json_report(r);
    nd_scan_result_free(r);
    return root;
}

/* Occurrences of needle in s. */
static size_t count_str(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

START_TEST(test_html)
{
    /* A group whose member differs from the representative in a few words, its ids and a
     * text holding HTML, quotes and bytes that are not UTF-8. */
    char *dir = tu_tmpdir();
    const char *jl = "{\"id\":\"<b>\\\"rep\\\"</b>\",\"text\":\"" T1 " <script>x</script> & \"}\n"
                     "{\"id\":\"copy\xff'\",\"text\":\"" T1 " <script>y</script> & \"}\n"
                     "{\"id\":\"other\",\"text\":\"" T2 "\"}\n";
    char *path = tu_write(dir, "docs.jsonl", jl, strlen(jl));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    const char *paths[1] = {path};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ngroups, 1);
    char *page = report(r, ND_REPORT_HTML);
    ck_assert_msg(terminal_safe(page, strlen(page)), "raw bytes in the HTML report");
    ck_assert_int_eq(strncmp(page, "<!DOCTYPE html>\n", 16), 0);
    ck_assert_ptr_nonnull(strstr(page, "</html>\n"));
    /* No markup from the input: ids and texts are escaped, bad bytes are U+FFFD. */
    ck_assert_uint_eq(count_str(page, "<script"), 2); /* the page's own two */
    ck_assert_ptr_nonnull(strstr(page, "&lt;b&gt;&quot;rep&quot;&lt;/b&gt;"));
    ck_assert_ptr_nonnull(strstr(page, "copy\xef\xbf\xbd&#39;"));
    ck_assert_ptr_nonnull(strstr(page, "&lt;/script&gt;"));
    /* The pair side by side, the shared n-grams marked (the whole shared start), the
     * differing words outside the marks; the similarity shown. */
    ck_assert_uint_eq(count_str(page, "<div class=pair>"), 1);
    ck_assert_ptr_nonnull(strstr(page, "<mark>The central bank kept its benchmark rate"));
    ck_assert_ptr_nonnull(strstr(page, " &lt;script</mark>&gt;x&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(page, "jaccard <b>"));
    ck_assert_ptr_nonnull(strstr(page, "containment <b>"));
    /* Every section and the script that makes it searchable. */
    ck_assert_ptr_nonnull(strstr(page, "<details class=sec id=groups open>"));
    ck_assert_ptr_nonnull(strstr(page, "id=shared"));
    ck_assert_ptr_nonnull(strstr(page, "<input id=q type=search"));
    ck_assert_ptr_nonnull(strstr(page, "data-ready"));
    free(page);

    /* A source that changed since the scan: its snippet, and why; no failure. */
    const char *changed = "{\"id\":\"x\",\"text\":\"something else entirely\"}\n";
    free(tu_write(dir, "docs.jsonl", changed, strlen(changed)));
    page = report(r, ND_REPORT_HTML);
    ck_assert_uint_eq(count_str(page, "text not shown: its file changed since the scan"), 2);
    ck_assert_ptr_null(strstr(page, "<mark>The central"));
    free(page);
    /* Gone: the same, with why. */
    remove(path);
    page = report(r, ND_REPORT_HTML);
    ck_assert_ptr_nonnull(strstr(page, "text not shown: "));
    free(page);
    /* The limit caps the sections. */
    page = report_limit(r, ND_REPORT_HTML, 1);
    ck_assert_ptr_nonnull(strstr(page, "at most 1 entry per section"));
    free(page);
    nd_scan_result_free(r);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_html_oom)
{
    /* Out of memory anywhere in the HTML writer: ND_ENOMEM, nothing leaked (LeakSanitizer
     * in the sanitizer build), and once memory suffices the same page as without the hook. */
    char *dir = tu_tmpdir();
    char *a = tu_write(dir, "a.txt", T1 " " T2, strlen(T1) + 1 + strlen(T2));
    char *b = tu_write(dir, "b.txt", T1 " " T2 " more", strlen(T1) + 6 + strlen(T2));
    const char doubled[] = T3 "\n" T2 "\n" T3 "\n" T2 "\n";
    char *c = tu_write(dir, "c.txt", doubled, strlen(doubled));
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    const char *paths[1] = {dir};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ngroups, 1);
    char *want = report(r, ND_REPORT_HTML);
    ck_assert_ptr_nonnull(strstr(want, "<mark>"));
    long n;
    for (n = 0; n < 100000; n++) {
        FILE *f = tmpfile();
        ck_assert_ptr_nonnull(f);
        nd_alloc_fail_after(n);
        nd_status st = nd_report_write_opts(r, ND_REPORT_HTML, NULL, f);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            char *got = tu_read_stream(f, NULL);
            ck_assert_str_eq(got, want);
            free(got);
            fclose(f);
            break;
        }
        fclose(f);
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: %s", n, nd_status_str(st));
    }
    ck_assert_int_gt(n, 5);
    ck_assert_int_lt(n, 100000);
    free(want);
    nd_scan_result_free(r);
    free(a);
    free(b);
    free(c);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_json_parts_null)
{
    static const char *const counts[] = {"groups",
                                         "duplicates",
                                         "pairs",
                                         "doubled_block_articles",
                                         "doubled_bodies",
                                         "short_repeat_articles",
                                         "shared_paragraphs",
                                         "boilerplate_paragraphs"};
    static const unsigned count_part[] = {ND_PART_GROUPS, ND_PART_GROUPS, ND_PART_GROUPS,
                                          ND_PART_BLOCKS, ND_PART_BLOCKS, ND_PART_SHORT,
                                          ND_PART_SHARED, ND_PART_SHARED};
    static const char *const names[] = {"groups", "blocks", "short", "shared"};
    for (unsigned parts = 1; parts <= ND_PART_ALL; parts++) {
        cJSON *root = sample_json(parts);
        const cJSON *sum = get(root, "summary");
        for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
            const cJSON *v = get(sum, counts[i]);
            if (parts & count_part[i])
                ck_assert_msg(cJSON_IsNumber(v), "parts %u: %s not a number", parts, counts[i]);
            else
                ck_assert_msg(cJSON_IsNull(v), "parts %u: %s not null", parts, counts[i]);
        }
        int g = (parts & ND_PART_GROUPS) != 0;
        ck_assert(cJSON_IsArray(get(root, "groups")) == g);
        ck_assert(cJSON_IsNull(get(root, "groups")) == !g);
        ck_assert(cJSON_IsNull(get(root, "pairs")) == !g);
        int rep = (parts & (ND_PART_BLOCKS | ND_PART_SHORT)) != 0;
        const cJSON *reps = get(root, "repeats");
        ck_assert_msg(cJSON_IsNull(reps) == !rep, "parts %u: repeats", parts);
        for (int i = 0; rep && i < cJSON_GetArraySize(reps); i++) {
            const cJSON *a = cJSON_GetArrayItem(reps, i);
            int b = (parts & ND_PART_BLOCKS) != 0, sh = (parts & ND_PART_SHORT) != 0;
            ck_assert(cJSON_IsArray(get(a, "blocks")) == b);
            ck_assert(cJSON_IsNull(get(a, "repeated_share")) == !b);
            ck_assert(cJSON_IsNull(get(a, "doubled")) == !b);
            ck_assert(cJSON_IsArray(get(a, "short_lines")) == sh);
        }
        ck_assert(cJSON_IsNull(get(root, "shared")) == !(parts & ND_PART_SHARED));
        /* options.parts names exactly the parts asked for, in a fixed order. */
        const cJSON *op = get(get(root, "options"), "parts");
        ck_assert(cJSON_IsArray(op));
        int k = 0;
        for (unsigned b = 0; b < 4; b++)
            if (parts & (1u << b))
                ck_assert_str_eq(cJSON_GetArrayItem(op, k++)->valuestring, names[b]);
        ck_assert_int_eq(cJSON_GetArraySize(op), k);
        cJSON_Delete(root);
    }
}
END_TEST

START_TEST(test_json_options)
{
    char *dir = tu_tmpdir();
    const char *jl =
        "{\"name\":\"n1\",\"body\":\"" T1 "\"}\n{\"name\":\"n2\",\"body\":\"" T1 "\"}\n";
    char *path = tu_write(dir, "docs.jsonl", jl, strlen(jl));
    char text_field[] = "body", id_field[] = "name";
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    o.decode.text_field = text_field;
    o.decode.id_field = id_field;
    o.input.max_doc_bytes = 4096;
    o.input.format = ND_INPUT_JSONL;
    o.boilerplate_share = 0.25;
    o.parts = ND_PART_GROUPS | ND_PART_SHARED;
    const char *paths[1] = {path};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    /* The result keeps its own copies of the field names. */
    text_field[0] = id_field[0] = 'X';
    ck_assert_str_eq(r->opts.decode.text_field, "body");
    ck_assert_str_eq(r->opts.decode.id_field, "name");
    cJSON *root = parse_json_report(r);
    const cJSON *opt = get(root, "options");
    static const char *const keys[] = {"ngram",
                                       "perms",
                                       "threshold",
                                       "bands",
                                       "rows",
                                       "verify",
                                       "parts",
                                       "paragraphs",
                                       "short_words",
                                       "paragraph_threshold",
                                       "doubled_share",
                                       "boilerplate_docs",
                                       "boilerplate_share",
                                       "input_format",
                                       "text_field",
                                       "id_fields",
                                       "max_bytes",
                                       NULL};
    check_keys(opt, keys);
    ck_assert_str_eq(str(opt, "text_field"), "body");
    const cJSON *ids = get(opt, "id_fields");
    ck_assert_int_eq(cJSON_GetArraySize(ids), 1);
    ck_assert_str_eq(cJSON_GetArrayItem(ids, 0)->valuestring, "name");
    ck_assert_str_eq(str(opt, "input_format"), "jsonl");
    ck_assert_double_eq(num(opt, "max_bytes"), 4096);
    ck_assert_double_eq_tol(num(opt, "boilerplate_share"), 0.25, 1e-12);
    ck_assert_double_eq_tol(num(opt, "doubled_share"), 0.4, 1e-12);
    ck_assert_str_eq(str(opt, "paragraphs"), "line");
    ck_assert_int_eq(cJSON_GetArraySize(get(opt, "parts")), 2);
    ck_assert_str_eq(str(cJSON_GetArrayItem(arr(root, "groups", 1), 0), "representative"), "n1");
    cJSON_Delete(root);
    nd_scan_result_free(r);

    /* The defaults: both id fields, the text field, the default limit, share off. */
    nd_scan_opts_init(&o);
    o.threads = 1;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_ptr_null(r->opts.decode.text_field);
    root = parse_json_report(r);
    opt = get(root, "options");
    ck_assert_str_eq(str(opt, "text_field"), "text");
    ids = get(opt, "id_fields");
    ck_assert_int_eq(cJSON_GetArraySize(ids), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(ids, 0)->valuestring, "id");
    ck_assert_str_eq(cJSON_GetArrayItem(ids, 1)->valuestring, "url");
    ck_assert_str_eq(str(opt, "input_format"), "auto");
    ck_assert_double_eq(num(opt, "max_bytes"), 16 << 20);
    ck_assert(cJSON_IsNull(get(opt, "boilerplate_share")));
    cJSON_Delete(root);
    nd_scan_result_free(r);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_json_warnings)
{
    /* Two files of another type in a directory: warnings, not skips, in input order. */
    char *dir = tu_tmpdir();
    char *a = tu_write(dir, "a.txt", T1, strlen(T1));
    char *h = tu_write(dir, "b.html", "<p>x</p>", 8);
    char *m = tu_write(dir, "c.md", "notes", 5);
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.threads = 1;
    const char *paths[1] = {dir};
    nd_scan_result *r = NULL;
    ck_assert_int_eq(nd_scan(&o, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(r->ndocs, 1);
    ck_assert_uint_eq(r->nskipped, 0);
    ck_assert_uint_eq(r->nwarnings, 2);
    ck_assert_str_eq(r->warnings[0].path, h);
    ck_assert_str_eq(r->warnings[1].path, m);
    ck_assert_uint_eq(r->warnings[0].line, ND_NO_LINE);
    ck_assert_str_eq(r->warnings[0].message, "ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)");
    cJSON *root = parse_json_report(r);
    ck_assert_double_eq(num(get(root, "summary"), "warnings"), 2);
    const cJSON *w = arr(root, "warnings", 2);
    static const char *const wk[] = {"source", "line", "message", NULL};
    check_keys(cJSON_GetArrayItem(w, 0), wk);
    ck_assert_str_eq(str(cJSON_GetArrayItem(w, 0), "source"), h);
    ck_assert_str_eq(str(cJSON_GetArrayItem(w, 1), "source"), m);
    ck_assert(cJSON_IsNull(get(cJSON_GetArrayItem(w, 0), "line")));
    ck_assert_str_eq(str(cJSON_GetArrayItem(w, 0), "message"), r->warnings[0].message);
    arr(root, "skipped", 0);
    cJSON_Delete(root);
    nd_scan_result_free(r);
    free(a);
    free(h);
    free(m);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

START_TEST(test_format_parse)
{
    nd_report_format f = ND_REPORT_TSV;
    ck_assert_int_eq(nd_report_format_parse("text", &f), ND_OK);
    ck_assert_int_eq(f, ND_REPORT_TEXT);
    ck_assert_int_eq(nd_report_format_parse("json", &f), ND_OK);
    ck_assert_int_eq(f, ND_REPORT_JSON);
    ck_assert_int_eq(nd_report_format_parse("tsv", &f), ND_OK);
    ck_assert_int_eq(f, ND_REPORT_TSV);
    ck_assert_int_eq(nd_report_format_parse("html", &f), ND_OK);
    ck_assert_int_eq(f, ND_REPORT_HTML);
    static const char *const bad[] = {"",    "JSON", "Text",  "tsv ",  " json",
                                      "csv", "js",   "jsonl", "text\n", "htm"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        f = ND_REPORT_JSON;
        ck_assert_int_eq(nd_report_format_parse(bad[i], &f), ND_EINVAL);
        ck_assert_int_eq(f, ND_REPORT_JSON); /* untouched */
    }
}
END_TEST

START_TEST(test_format_for_path)
{
    static const struct {
        const char *path;
        nd_report_format fmt;
    } good[] = {{"r.txt", ND_REPORT_TEXT},    {"dir/r.json", ND_REPORT_JSON},
                {"a.b/r.tsv", ND_REPORT_TSV}, {"report.html", ND_REPORT_HTML},
                {"R.HTM", ND_REPORT_HTML},    {"/tmp/x.Json", ND_REPORT_JSON}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        nd_report_format f = ND_REPORT_TSV;
        ck_assert_int_eq(nd_report_format_for_path(good[i].path, &f), ND_OK);
        ck_assert_int_eq(f, good[i].fmt);
    }
    static const char *const bad[] = {"", "report", "r.htmlx", "r.jsonl", ".html", "d/.json",
                                      "r.txt/"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        nd_report_format f = ND_REPORT_JSON;
        ck_assert_msg(nd_report_format_for_path(bad[i], &f) == ND_EINVAL, "%s", bad[i]);
        ck_assert_int_eq(f, ND_REPORT_JSON);
    }
}
END_TEST

START_TEST(test_write_error)
{
    corpus c;
    corpus_make(&c, 0, ND_PART_GROUPS);
    /* A stream opened read-only: every write fails. */
    for (int fmt = 0; fmt < 3; fmt++) {
        FILE *f = fopen(c.txt, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(nd_report_write(c.res, (nd_report_format)fmt, f), ND_EIO);
        ck_assert_int_eq(errno, EBADF);
        fclose(f);
    }
    /* A full disk: errno says so (the CLI prints it). */
    for (int fmt = 0; fmt < 3; fmt++) {
        FILE *f = fopen("/dev/full", "w");
        if (!f) break; /* not on this system */
        errno = 0;
        ck_assert_int_eq(nd_report_write(c.res, (nd_report_format)fmt, f), ND_EIO);
        ck_assert_int_eq(errno, ENOSPC);
        fclose(f);
    }
    corpus_free(&c);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_text_format);
    tcase_add_test(tc, test_text_file_ids_and_order);
    tcase_add_test(tc, test_tsv_format);
    tcase_add_test(tc, test_tsv_estimate);
    tcase_add_test(tc, test_json_schema);
    tcase_add_test(tc, test_json_estimate);
    tcase_add_test(tc, test_json_id_round_trip);
    tcase_add_test(tc, test_empty_result);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_text_folds_and_limits);
    tcase_add_test(tc, test_html);
    tcase_add_test(tc, test_json_parts_null);
    tcase_add_test(tc, test_json_options);
    tcase_add_test(tc, test_json_warnings);
    suite_add_tcase(s, tc);
    tc = tcase_create("bytes");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_write_field);
    tcase_add_test(tc, test_ids_not_utf8);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_format_parse);
    tcase_add_test(tc, test_format_for_path);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_html_oom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(report_suite());
}
