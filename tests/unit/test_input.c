/*
 * test_input.c - unit tests of the reader (paths to records) and the decoder (records to
 * documents), through include/neardup/input.h.
 *
 * The reader is driven over temporary trees and files written by each test: directory
 * order (recursive, byte-wise sorted, hidden entries skipped, other types noted), JSON
 * Lines framing (BOM, CRLF, blank lines, a last line without newline) with exact line
 * numbers and byte offsets, nd_reader_fetch giving back the same bytes, the size limit
 * (also for lines spanning several of the reader's 1 MiB chunks), bad files (empty,
 * binary, missing) and a failing allocator. The decoder is fed hand-made records.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "input_recs.h"
#include "neardup/input.h"
#include "testutil.h"

#define MIB ((size_t)1 << 20)

/* Appends a JSON line {"text":"w w w ..."} of exactly `len` bytes (no newline); returns its
 * offset. */
static size_t sb_json_line(tu_sbuf *b, size_t len)
{
    ck_assert_uint_ge(len, 12);
    size_t at = tu_sb_puts(b, "{\"text\":\"");
    size_t body = len - 9 - 2;
    char chunk[4096];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (i % 5 == 4) ? ' ' : (char)('a' + (i % 7));
    while (body > 0) {
        size_t k = body < sizeof chunk ? body : sizeof chunk;
        tu_sb_add(b, chunk, k);
        body -= k;
    }
    tu_sb_puts(b, "\"}");
    ck_assert_uint_eq(b->n - at, len);
    return at;
}

/* ---- core: directories ----------------------------------------------------------------- */

START_TEST(test_dir_sorted_recursive)
{
    char *dir = tu_tmpdir();
    write_str(dir, "b.txt", "bee");
    write_str(dir, "a.txt", "ay");
    write_str(dir, "B.txt", "big bee");
    write_str(dir, "a-b.txt", "dash");
    make_dir(dir, "sub");
    write_str(dir, "sub/c.txt", "sea");
    write_str(dir, ".hidden.txt", "hidden");
    make_dir(dir, ".git");
    write_str(dir, ".git/d.txt", "hidden dir");
    write_str(dir, "x.html", "<p>html</p>");
    write_str(dir, "m.jsonl", "{\"text\":\"em\"}\n");

    recs rs = read_one(NULL, dir);
    /* Byte-wise: 'B' (0x42) < 'a'; '-' (0x2d) < '.' (0x2e); "sub" < "x.html". */
    static const char *const names[] = {"B.txt",   "a-b.txt",   "a.txt", "b.txt",
                                        "m.jsonl", "sub/c.txt", "x.html"};
    static const char *const texts[] = {"big bee",           "dash", "ay", "bee",
                                        "{\"text\":\"em\"}", "sea",  NULL};
    ck_assert_uint_eq(rs.n, 7);
    for (size_t i = 0; i < rs.n; i++) {
        char *p = join(dir, names[i]);
        if (texts[i]) {
            check_doc(&rs.v[i], p, texts[i], strlen(texts[i]), i == 4, 1, 0);
            ck_assert_uint_eq(rs.v[i].source, i);
        } else {
            ck_assert_int_eq(rs.v[i].kind, ND_REC_NOTE);
            ck_assert_str_eq(rs.v[i].path, p);
            ck_assert_ptr_nonnull(rs.v[i].message);
        }
        free(p);
    }
    recs_free(&rs);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_dir_trailing_slash_and_sources)
{
    char *dir = tu_tmpdir();
    write_str(dir, "one.txt", "1");
    write_str(dir, "two.txt", "2");
    char *slashed = malloc(strlen(dir) + 2);
    sprintf(slashed, "%s/", dir);
    const char *paths[1] = {slashed};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 1, &r), ND_OK);
    ck_assert_uint_eq(nd_reader_nsources(r), 0); /* nothing opened yet */
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, 2);
    char *p1 = join(dir, "one.txt"), *p2 = join(dir, "two.txt");
    check_doc(&rs.v[0], p1, "1", 1, 0, 1, 0);
    check_doc(&rs.v[1], p2, "2", 1, 0, 1, 0);
    ck_assert_uint_eq(nd_reader_nsources(r), 2);
    ck_assert_str_eq(nd_reader_path(r, 0), p1);
    ck_assert_str_eq(nd_reader_path(r, 1), p2);
    ck_assert_ptr_null(nd_reader_path(r, 2));
    nd_reader_free(r);
    free(p1);
    free(p2);
    free(slashed);
    recs_free(&rs);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_explicit_files_any_extension)
{
    char *dir = tu_tmpdir();
    char *html = tu_write(dir, "x.html", "<p>one\narticle</p>\n", 19);
    char *noext = tu_write(dir, "README", "plain words", 11);
    char *hidden = tu_write(dir, ".hidden.txt", "named, so read", 14);
    /* An explicit .json file is not JSON Lines: one article. */
    char *json = tu_write(dir, "a.json", "{\"text\":\"x\"}\n{\"text\":\"y\"}\n", 26);
    const char *paths[4] = {html, noext, hidden, json};
    recs rs = read_paths(NULL, paths, 4);
    ck_assert_uint_eq(rs.n, 4);
    check_doc(&rs.v[0], html, "<p>one\narticle</p>\n", 19, 0, 1, 0);
    check_doc(&rs.v[1], noext, "plain words", 11, 0, 1, 0);
    check_doc(&rs.v[2], hidden, "named, so read", 14, 0, 1, 0);
    check_doc(&rs.v[3], json, "{\"text\":\"x\"}\n{\"text\":\"y\"}\n", 26, 0, 1, 0);
    recs_free(&rs);

    /* ND_INPUT_JSONL forces JSON Lines on any file. */
    nd_reader_opts o = {.max_doc_bytes = 0, .format = ND_INPUT_JSONL};
    rs = read_one(&o, json);
    ck_assert_uint_eq(rs.n, 2);
    check_doc(&rs.v[0], json, "{\"text\":\"x\"}", 12, 1, 1, 0);
    check_doc(&rs.v[1], json, "{\"text\":\"y\"}", 12, 1, 2, 13);
    recs_free(&rs);
    free(html);
    free(noext);
    free(hidden);
    free(json);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_dir_fifo_not_opened)
{
    /* Opening a FIFO blocks until a writer comes: one met in a directory is noted, never
     * opened (the test would time out otherwise). */
    char *dir = tu_tmpdir();
    write_str(dir, "a.txt", "ay");
    char *fifo = join(dir, "b.jsonl");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    write_str(dir, "c.txt", "sea");
    recs rs = read_one(NULL, dir);
    ck_assert_uint_eq(rs.n, 3);
    ck_assert_int_eq(rs.v[0].kind, ND_REC_DOC);
    ck_assert_int_eq(rs.v[1].kind, ND_REC_NOTE);
    ck_assert_str_eq(rs.v[1].path, fifo);
    ck_assert_ptr_nonnull(strstr(rs.v[1].message, "not a regular file (FIFO)"));
    ck_assert_int_eq(rs.v[2].kind, ND_REC_DOC);
    recs_free(&rs);
    free(fifo);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_device_stream_limit)
{
    /* A named device is read as a stream, the limit applied while reading: /dev/zero ends. */
    nd_reader_opts o = {.max_doc_bytes = 4096, .format = ND_INPUT_AUTO};
    recs rs = read_one(&o, "/dev/zero");
    ck_assert_uint_eq(rs.n, 1);
    check_error(&rs.v[0], "/dev/zero", ND_ETOOBIG);
    recs_free(&rs);
}
END_TEST

START_TEST(test_dir_extension_any_case)
{
    char *dir = tu_tmpdir();
    write_str(dir, "A.TXT", "upper");
    write_str(dir, "B.JSONL", "{\"text\":\"json upper\"}\n");
    write_str(dir, "c.JsonL", "{\"text\":\"json mixed\"}\n");
    write_str(dir, "d.Txt", "mixed");
    recs rs = read_one(NULL, dir);
    ck_assert_uint_eq(rs.n, 4);
    char *a = join(dir, "A.TXT"), *b = join(dir, "B.JSONL"), *c = join(dir, "c.JsonL"),
         *d = join(dir, "d.Txt");
    check_doc(&rs.v[0], a, "upper", 5, 0, 1, 0);
    check_doc(&rs.v[1], b, "{\"text\":\"json upper\"}", 21, 1, 1, 0);
    check_doc(&rs.v[2], c, "{\"text\":\"json mixed\"}", 21, 1, 1, 0);
    check_doc(&rs.v[3], d, "mixed", 5, 0, 1, 0);
    free(a);
    free(b);
    free(c);
    free(d);
    recs_free(&rs);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- core: JSON Lines ------------------------------------------------------------------ */

START_TEST(test_jsonl_framing)
{
    const char *l1 = "{\"id\":\"one\",\"text\":\"first\"}";
    const char *l4 = "{\"id\":\"four\",\"text\":\"fourth\"}";
    const char *l5 = "{\"text\":\"fifth\"}";
    const char *l7 = "{\"id\":\"seven\",\"text\":\"last\"}";
    tu_sbuf b = {0};
    tu_sb_puts(&b, "\xef\xbb\xbf");
    size_t o1 = tu_sb_puts(&b, l1);
    tu_sb_puts(&b, "\n\n \t\n"); /* lines 2 and 3 are blank */
    size_t o4 = tu_sb_puts(&b, l4);
    tu_sb_puts(&b, "\r\n");
    size_t o5 = tu_sb_puts(&b, l5);
    tu_sb_puts(&b, "\n\r\n");       /* line 6: a lone CR is blank too */
    size_t o7 = tu_sb_puts(&b, l7); /* no final newline */

    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "d.jsonl", b.p, b.n);
    recs rs = read_one(NULL, path);
    ck_assert_uint_eq(rs.n, 4);
    ck_assert_uint_eq(o1, 3);
    check_doc(&rs.v[0], path, l1, strlen(l1), 1, 1, o1);
    /* A CRLF line: the line's bytes, with at most its CR. */
    ck_assert_int_eq(rs.v[1].kind, ND_REC_DOC);
    ck_assert_uint_eq(rs.v[1].line, 4);
    ck_assert_uint_eq(rs.v[1].offset, o4);
    ck_assert_msg(rs.v[1].len == strlen(l4) ||
                      (rs.v[1].len == strlen(l4) + 1 && rs.v[1].data[strlen(l4)] == '\r'),
                  "CRLF line has length %zu", rs.v[1].len);
    ck_assert_mem_eq(rs.v[1].data, l4, strlen(l4));
    check_doc(&rs.v[2], path, l5, strlen(l5), 1, 5, o5);
    check_doc(&rs.v[3], path, l7, strlen(l7), 1, 7, o7);
    for (size_t i = 0; i < rs.n; i++)
        ck_assert_uint_eq(rs.v[i].source, 0);

    /* And each of them decodes. */
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    static const char *const ids[] = {"one", "four", NULL, "seven"};
    static const char *const texts[] = {"first", "fourth", "fifth", "last"};
    for (size_t i = 0; i < rs.n; i++) {
        nd_record r = {0};
        r.kind = ND_REC_DOC;
        r.json = 1;
        r.data = rs.v[i].data;
        r.len = rs.v[i].len;
        r.path = path;
        r.line = rs.v[i].line;
        nd_doc doc;
        const char *msg = NULL;
        ck_assert_int_eq(nd_decode(d, &r, &doc, &msg), ND_OK);
        ck_assert_uint_eq(doc.len, strlen(texts[i]));
        ck_assert_mem_eq(doc.text, texts[i], doc.len);
        if (ids[i]) {
            ck_assert_uint_eq(doc.id_len, strlen(ids[i]));
            ck_assert_mem_eq(doc.id, ids[i], doc.id_len);
        } else {
            char want[4200];
            snprintf(want, sizeof want, "%s:5", path);
            ck_assert_uint_eq(doc.id_len, strlen(want));
            ck_assert_mem_eq(doc.id, want, doc.id_len);
        }
    }
    nd_decoder_free(d);
    recs_free(&rs);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_jsonl_bom_only_at_start)
{
    /* A BOM in the middle of a file is data, not a mark: the line keeps its bytes. */
    const char *s = "{\"text\":\"a\"}\n\xef\xbb\xbf{\"text\":\"b\"}\n";
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "bom.jsonl", s, strlen(s));
    recs rs = read_one(NULL, path);
    ck_assert_uint_eq(rs.n, 2);
    check_doc(&rs.v[0], path, "{\"text\":\"a\"}", 12, 1, 1, 0);
    check_doc(&rs.v[1], path, "\xef\xbb\xbf{\"text\":\"b\"}", 15, 1, 2, 13);
    recs_free(&rs);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_fetch_same_bytes)
{
    char *dir = tu_tmpdir();
    const char *jl = "\xef\xbb\xbf{\"id\":1,\"text\":\"alpha beta\"}\r\n\n"
                     "{\"id\":2,\"text\":\"gamma delta epsilon zeta\"}\n"
                     "{\"id\":3,\"text\":\"eta\"}";
    char *jpath = tu_write(dir, "a.jsonl", jl, strlen(jl));
    const char *tx = "A text article.\nSecond line.\n";
    char *tpath = tu_write(dir, "b.txt", tx, strlen(tx));
    const char *paths[1] = {dir};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 1, &r), ND_OK);
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, 4);
    ck_assert_uint_eq(rs.v[3].source, 1);
    check_fetch_all(r, &rs);
    /* In any order, repeatedly. */
    nd_record out;
    ck_assert_int_eq(nd_reader_fetch(r, 0, rs.v[0].offset, rs.v[0].len, 1, &out), ND_OK);
    ck_assert_mem_eq(out.data, rs.v[0].data, rs.v[0].len);
    check_fetch_all(r, &rs);

    /* Truncated files: the record is no longer there. */
    ck_assert_int_eq(truncate(jpath, (off_t)rs.v[2].offset + 3), 0);
    ck_assert_int_eq(nd_reader_fetch(r, 0, rs.v[2].offset, rs.v[2].len, rs.v[2].line, &out),
                     ND_ECHANGED);
    ck_assert_int_eq(nd_reader_fetch(r, 0, rs.v[0].offset, rs.v[0].len, rs.v[0].line, &out),
                     ND_OK); /* what is left is still readable */
    ck_assert_int_eq(truncate(tpath, 5), 0);
    ck_assert_int_eq(nd_reader_fetch(r, 1, rs.v[3].offset, rs.v[3].len, rs.v[3].line, &out),
                     ND_ECHANGED);
    nd_reader_free(r);
    recs_free(&rs);
    free(jpath);
    free(tpath);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_fetch_vanished)
{
    char *dir = tu_tmpdir();
    char *a = tu_write(dir, "a.txt", "first text", 10);
    char *b = tu_write(dir, "b.txt", "second text", 11);
    const char *paths[2] = {a, b};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 2, &r), ND_OK);
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, 2);
    /* A file that vanished after pass 1 cannot be read at all. */
    ck_assert_int_eq(unlink(b), 0);
    nd_record out;
    ck_assert_int_eq(nd_reader_fetch(r, 1, 0, 11, 1, &out), ND_EIO);
    ck_assert_int_eq(nd_reader_fetch(r, 0, 0, 10, 1, &out), ND_OK);
    ck_assert_mem_eq(out.data, "first text", 10);
    ck_assert_int_eq(nd_reader_fetch(r, 1, 0, 11, 1, &out), ND_EIO);
    nd_reader_free(r);
    recs_free(&rs);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------ */

START_TEST(test_line_over_limit_skipped)
{
    tu_sbuf b = {0};
    size_t o1 = tu_sb_puts(&b, "{\"text\":\"short one\"}");
    tu_sb_puts(&b, "\n");
    size_t o2 = sb_json_line(&b, 5000);
    tu_sb_puts(&b, "\n");
    size_t o3 = sb_json_line(&b, 1000); /* exactly at the limit: kept */
    tu_sb_puts(&b, "\n");
    size_t o4 = sb_json_line(&b, 1001); /* one byte over */
    tu_sb_puts(&b, "\n");
    size_t o5 = tu_sb_puts(&b, "{\"text\":\"after\"}");
    tu_sb_puts(&b, "\n");
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "big.jsonl", b.p, b.n);
    nd_reader_opts o = {.max_doc_bytes = 1000, .format = ND_INPUT_AUTO};
    recs rs = read_one(&o, path);
    ck_assert_uint_eq(rs.n, 5);
    check_doc(&rs.v[0], path, b.p + o1, 20, 1, 1, o1);
    check_error(&rs.v[1], path, ND_ETOOBIG);
    ck_assert_uint_eq(rs.v[1].line, 2);
    ck_assert_uint_eq(rs.v[1].offset, o2);
    check_doc(&rs.v[2], path, b.p + o3, 1000, 1, 3, o3);
    check_error(&rs.v[3], path, ND_ETOOBIG);
    ck_assert_uint_eq(rs.v[3].line, 4);
    ck_assert_uint_eq(rs.v[3].offset, o4);
    check_doc(&rs.v[4], path, b.p + o5, 16, 1, 5, o5);
    recs_free(&rs);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_text_file_over_limit)
{
    char buf[1001];
    memset(buf, 'w', sizeof buf);
    char *dir = tu_tmpdir();
    char *at = tu_write(dir, "at.txt", buf, 1000);
    char *over = tu_write(dir, "over.txt", buf, 1001);
    const char *paths[2] = {over, at};
    nd_reader_opts o = {.max_doc_bytes = 1000, .format = ND_INPUT_AUTO};
    recs rs = read_paths(&o, paths, 2);
    ck_assert_uint_eq(rs.n, 2);
    check_error(&rs.v[0], over, ND_ETOOBIG);
    check_doc(&rs.v[1], at, buf, 1000, 0, 1, 0);
    recs_free(&rs);
    free(at);
    free(over);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A 3 MiB line between two short ones, read with the given limit. */
static void multi_chunk_case(size_t limit, int kept, int last_newline)
{
    tu_sbuf b = {0};
    size_t o1 = tu_sb_puts(&b, "{\"text\":\"before\"}");
    tu_sb_puts(&b, "\n");
    size_t big = 3 * MIB + 12345;
    size_t o2 = sb_json_line(&b, big);
    size_t o3 = 0;
    if (last_newline) {
        tu_sb_puts(&b, "\n");
        o3 = tu_sb_puts(&b, "{\"text\":\"after\"}");
        tu_sb_puts(&b, "\n");
    }
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "huge.jsonl", b.p, b.n);
    nd_reader_opts o = {.max_doc_bytes = limit, .format = ND_INPUT_AUTO};
    const char *paths[1] = {path};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(&o, paths, 1, &r), ND_OK);
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, last_newline ? 3 : 2);
    check_doc(&rs.v[0], path, b.p + o1, 17, 1, 1, o1);
    if (kept) {
        check_doc(&rs.v[1], path, b.p + o2, big, 1, 2, o2);
        check_fetch_all(r, &rs);
    } else {
        check_error(&rs.v[1], path, ND_ETOOBIG);
        ck_assert_uint_eq(rs.v[1].line, 2);
        ck_assert_uint_eq(rs.v[1].offset, o2);
    }
    if (last_newline) check_doc(&rs.v[2], path, b.p + o3, 16, 1, 3, o3);
    nd_reader_free(r);
    recs_free(&rs);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_line_spanning_chunks_kept)
{
    multi_chunk_case(4 * MIB, 1, 1);
}
END_TEST

START_TEST(test_line_spanning_chunks_skipped)
{
    multi_chunk_case(2 * MIB, 0, 1);
}
END_TEST

START_TEST(test_line_spanning_chunks_skipped_at_eof)
{
    multi_chunk_case(2 * MIB, 0, 0);
}
END_TEST

START_TEST(test_line_spanning_chunks_at_eof_kept)
{
    multi_chunk_case(4 * MIB, 1, 0);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------ */

START_TEST(test_empty_files)
{
    char *dir = tu_tmpdir();
    char *t = tu_write(dir, "e.txt", "", 0);
    char *j = tu_write(dir, "e.jsonl", "", 0);
    char *ok = tu_write(dir, "ok.txt", "fine", 4);
    const char *paths[3] = {t, j, ok};
    recs rs = read_paths(NULL, paths, 3);
    ck_assert_uint_eq(rs.n, 3);
    check_error(&rs.v[0], t, ND_EEMPTY);
    check_error(&rs.v[1], j, ND_EEMPTY);
    check_doc(&rs.v[2], ok, "fine", 4, 0, 1, 0);
    recs_free(&rs);
    free(t);
    free(j);
    free(ok);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Reads data as path `name` (and as the same bytes named .jsonl) and checks the one error
 * record's status and that its message contains `want`. */
static void check_named_error(const char *name, const char *data, size_t len, const char *want)
{
    char *dir = tu_tmpdir();
    char jname[64];
    snprintf(jname, sizeof jname, "%s.jsonl", name);
    char *t = tu_write(dir, name, data, len);
    char *j = tu_write(dir, jname, data, len);
    const char *paths[2] = {t, j};
    recs rs = read_paths(NULL, paths, 2);
    ck_assert_uint_eq(rs.n, 2);
    for (size_t i = 0; i < 2; i++) {
        check_error(&rs.v[i], paths[i], ND_EBINARY);
        ck_assert_msg(strstr(rs.v[i].message, want), "%s: '%s' lacks '%s'", paths[i],
                      rs.v[i].message, want);
        if (strncmp(want, "binary", 6) != 0) ck_assert_uint_eq(rs.v[i].offset, ND_NO_OFFSET);
    }
    recs_free(&rs);
    free(t);
    free(j);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_utf16_and_compressed_named)
{
    const char *iconv16 = "UTF-16 text (neardup reads UTF-8: convert it, e.g. iconv -f UTF-16 -t UTF-8)";
    /* "{"text":"hi"}" and "Hello world" in UTF-16LE/BE with and without a BOM. */
    static const char le_bom[] = "\xff\xfe{\0\"\0t\0e\0x\0t\0\"\0:\0\"\0h\0i\0\"\0}\0\n\0";
    static const char be_bom[] = "\xfe\xff\0H\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d";
    static const char le[] = "H\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0!\0";
    static const char be[] = "\0H\0e\0l\0l\0o\0 \0w\0o\0r\0l\0d\0!";
    check_named_error("le_bom.txt", le_bom, sizeof le_bom - 1, iconv16);
    check_named_error("be_bom.txt", be_bom, sizeof be_bom - 1, iconv16);
    check_named_error("le.txt", le, sizeof le - 1, iconv16);
    check_named_error("be.txt", be, sizeof be - 1, iconv16);
    static const char le32[] = "\xff\xfe\0\0H\0\0\0i\0\0\0";
    static const char le32n[] = "H\0\0\0e\0\0\0l\0\0\0l\0\0\0o\0\0\0";
    check_named_error("le32.txt", le32, sizeof le32 - 1, "UTF-32 text");
    check_named_error("le32n.txt", le32n, sizeof le32n - 1, "UTF-32 text");
    static const char bz[] = "BZh91AY&SY";
    static const char xz[] = "\xfd" "7zXZ\0\0\x04";
    check_named_error("bz.txt", bz, sizeof bz - 1, "bzip2-compressed data");
    check_named_error("xz.txt", xz, sizeof xz - 1, "xz-compressed data");
}
END_TEST

START_TEST(test_binary_still_binary)
{
    /* Random binary with a NUL, and text that merely starts with "BZh": not misnamed. */
    check_named_error("bin.txt", "\x01\x02\0\x7f\xee\x01\x02\x03", 8, "binary file");
    char *dir = tu_tmpdir();
    char *t = tu_write(dir, "bzh.txt", "BZh is not a word", 17);
    recs rs = read_one(NULL, t);
    ck_assert_uint_eq(rs.n, 1);
    check_doc(&rs.v[0], t, "BZh is not a word", 17, 0, 1, 0);
    recs_free(&rs);
    free(t);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_binary_text_file)
{
    char *dir = tu_tmpdir();
    char *bin = tu_write(dir, "bin.txt", "text\0more text", 14);
    char *ok = tu_write(dir, "ok.txt", "fine", 4);
    const char *paths[2] = {bin, ok};
    recs rs = read_paths(NULL, paths, 2);
    ck_assert_uint_eq(rs.n, 2);
    check_error(&rs.v[0], bin, ND_EBINARY);
    check_doc(&rs.v[1], ok, "fine", 4, 0, 1, 0);
    recs_free(&rs);
    free(bin);
    free(ok);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* A NUL byte inside one JSON line skips that line only; `pad` lines come first. */
static void jsonl_nul_case(size_t pad)
{
    tu_sbuf b = {0};
    for (size_t i = 0; i < pad; i++)
        tu_sb_puts(&b, "{\"text\":\"padding line with a few words in it\"}\n");
    size_t o1 = tu_sb_puts(&b, "{\"text\":\"one two\"}");
    tu_sb_puts(&b, "\n");
    size_t o2 = tu_sb_add(&b, "{\"text\":\"a\0b\"}", 14);
    tu_sb_puts(&b, "\n");
    size_t o3 = tu_sb_puts(&b, "{\"text\":\"three\"}");
    tu_sb_puts(&b, "\n");
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "nul.jsonl", b.p, b.n);
    recs rs = read_one(NULL, path);
    ck_assert_msg(rs.n == pad + 3, "%zu records for %zu lines (first: kind %d, status %d)", rs.n,
                  pad + 3, rs.n ? (int)rs.v[0].kind : -1, rs.n ? (int)rs.v[0].status : -1);
    check_doc(&rs.v[pad], path, b.p + o1, 18, 1, pad + 1, o1);
    check_error(&rs.v[pad + 1], path, ND_EBINARY);
    ck_assert_uint_eq(rs.v[pad + 1].line, pad + 2);
    ck_assert_uint_eq(rs.v[pad + 1].offset, o2);
    check_doc(&rs.v[pad + 2], path, b.p + o3, 16, 1, pad + 3, o3);
    recs_free(&rs);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_jsonl_nul_line_far)
{
    jsonl_nul_case(400); /* the NUL is well past the first 8 KiB */
}
END_TEST

START_TEST(test_jsonl_nul_line_near_start)
{
    jsonl_nul_case(0);
}
END_TEST

START_TEST(test_missing_path)
{
    char *dir = tu_tmpdir();
    char *missing = join(dir, "no-such-file.txt");
    char *ok = tu_write(dir, "ok.txt", "fine", 4);
    const char *paths[3] = {missing, ok, missing};
    recs rs = read_paths(NULL, paths, 3);
    ck_assert_uint_eq(rs.n, 3);
    check_error(&rs.v[0], missing, ND_EIO);
    check_doc(&rs.v[1], ok, "fine", 4, 0, 1, 0);
    check_error(&rs.v[2], missing, ND_EIO);
    recs_free(&rs);
    free(missing);
    free(ok);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_stdin_closed)
{
    /* A closed descriptor 0 would be taken by the first file the reader opens (its spool),
     * which then read back as an empty standard input. */
    int saved = dup(STDIN_FILENO);
    ck_assert_int_ge(saved, 0);
    close(STDIN_FILENO);
    const char *paths[1] = {"-"};
    nd_reader *r = NULL;
    nd_status st = nd_reader_create(NULL, paths, 1, &r);
    recs rs = {0};
    if (st == ND_OK) rs = drain_reader(r);
    nd_reader_free(r);
    ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    ck_assert_int_eq(st, ND_OK);
    ck_assert_uint_eq(rs.n, 1);
    check_error(&rs.v[0], "<stdin>", ND_EIO);
    ck_assert_str_eq(rs.v[0].message, "standard input is closed");
    recs_free(&rs);
}
END_TEST

START_TEST(test_create_no_paths)
{
    nd_reader *r = (nd_reader *)(uintptr_t)0x1;
    const char *paths[1] = {"x"};
    ck_assert_int_eq(nd_reader_create(NULL, paths, 0, &r), ND_EINVAL);
    ck_assert_ptr_eq(r, (nd_reader *)(uintptr_t)0x1);
    nd_reader_free(NULL);
    nd_decoder_free(NULL);
}
END_TEST

/* ---- decoder ------------------------------------------------------------------------------ */

static nd_status decode_line(nd_decoder *d, const char *line, size_t len, nd_doc *doc,
                             const char **msg)
{
    nd_record r;
    memset(&r, 0, sizeof r);
    r.kind = ND_REC_DOC;
    r.json = 1;
    r.data = line;
    r.len = len;
    r.path = "dir/in.jsonl";
    r.line = 7;
    r.offset = 123;
    *msg = NULL;
    return nd_decode(d, &r, doc, msg);
}

static void check_decoded(const nd_decode_opts *opts, const char *line, const char *id,
                          const char *text)
{
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(opts, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    ck_assert_int_eq(decode_line(d, line, strlen(line), &doc, &msg), ND_OK);
    ck_assert_uint_eq(doc.id_len, strlen(id));
    ck_assert_mem_eq(doc.id, id, doc.id_len);
    ck_assert_uint_eq(doc.len, strlen(text));
    ck_assert_mem_eq(doc.text, text, doc.len);
    nd_decoder_free(d);
}

static void check_decode_fails(const char *line, size_t len, nd_status want)
{
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    nd_status st = decode_line(d, line, len, &doc, &msg);
    ck_assert_msg(st == want, "decoding '%.*s': status %d, want %d", (int)len, line, (int)st,
                  (int)want);
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strlen(msg) > 0, "no message for %s", line);
    nd_decoder_free(d);
}

START_TEST(test_decode_ids)
{
    check_decoded(NULL, "{\"id\":\"abc\",\"url\":\"http://u\",\"text\":\"t\"}", "abc", "t");
    check_decoded(NULL, "{\"url\":\"http://x/1\",\"text\":\"t u\"}", "http://x/1", "t u");
    check_decoded(NULL, "{\"id\":null,\"url\":\"http://x/2\",\"text\":\"t\"}", "http://x/2", "t");
    check_decoded(NULL, "{\"id\":42,\"text\":\"t\"}", "42", "t");
    check_decoded(NULL, "{\"id\":-7,\"text\":\"t\"}", "-7", "t");
    check_decoded(NULL, "{\"id\":1.5,\"text\":\"t\"}", "1.5", "t");
    /* Beyond the range of a 64-bit integer: still printed as the number it is. */
    check_decoded(NULL, "{\"id\":1e20,\"text\":\"t\"}", "1e+20", "t");
    check_decoded(NULL, "{\"id\":-1e300,\"text\":\"t\"}", "-1.0000000000000001e+300", "t");
    check_decoded(NULL, "{\"text\":\"t\"}", "dir/in.jsonl:7", "t");
    check_decoded(NULL, "{\"text\":\"t\",\"id\":true}", "dir/in.jsonl:7", "t");
    /* A key given twice: the last one wins, as in jq and Python. */
    check_decoded(NULL, "{\"text\":\"first\",\"id\":\"a\",\"text\":\"last\",\"id\":\"b\"}", "b",
                  "last");
    check_decoded(NULL, "{\"id\":\"a\",\"id\":null,\"url\":\"u1\",\"url\":\"u2\",\"text\":\"t\"}",
                  "u2", "t");
    /* JSON escapes are decoded in both fields. */
    check_decoded(NULL, "{\"id\":\"a\\\"b\\\\c\\td\\ne\",\"text\":\"x\\u00e9\\ny\"}",
                  "a\"b\\c\td\ne", "x\xc3\xa9\ny");
    /* An escaped NUL separates words of the text (it does not end it); an id ends there. */
    check_decoded(NULL, "{\"id\":\"k\\u0000z\",\"text\":\"one\\u0000two \\u0000\"}", "k",
                  "one two  ");
    check_decoded(NULL, "{\"id\":\"\\u0000\",\"url\":\"u\",\"text\":\"t\"}", "dir/in.jsonl:7", "t");
    /* Numbers are ids by value, whatever their spelling. */
    check_decoded(NULL, "{\"id\":1e3,\"text\":\"t\"}", "1000", "t");
    check_decoded(NULL, "{\"id\":-0,\"text\":\"t\"}", "0", "t");
}
END_TEST

START_TEST(test_decode_custom_fields)
{
    nd_decode_opts o = {.text_field = "body", .id_field = "doc"};
    check_decoded(&o, "{\"doc\":\"D1\",\"id\":\"no\",\"text\":\"no\",\"body\":\"yes\"}", "D1",
                  "yes");
    check_decoded(&o, "{\"doc\":9,\"body\":\"b\"}", "9", "b");
    /* An explicit id field has no url fallback. */
    check_decoded(&o, "{\"url\":\"http://u\",\"body\":\"b\"}", "dir/in.jsonl:7", "b");
    nd_decode_opts t = {.text_field = "content"};
    check_decoded(&t, "{\"id\":\"x\",\"content\":\"c\"}", "x", "c");

    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(&o, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    const char *l = "{\"text\":\"only text\"}";
    ck_assert_int_eq(decode_line(d, l, strlen(l), &doc, &msg), ND_EFIELD);
    ck_assert_ptr_nonnull(strstr(msg, "body"));
    nd_decoder_free(d);
}
END_TEST

START_TEST(test_decode_text_record)
{
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_record r;
    memset(&r, 0, sizeof r);
    r.kind = ND_REC_DOC;
    r.json = 0;
    r.data = "{\"text\":\"not parsed\"} plus";
    r.len = 21;
    r.path = "corpus/a.txt";
    r.line = 1;
    nd_doc doc;
    const char *msg;
    ck_assert_int_eq(nd_decode(d, &r, &doc, &msg), ND_OK);
    ck_assert_uint_eq(doc.id_len, strlen("corpus/a.txt"));
    ck_assert_mem_eq(doc.id, "corpus/a.txt", doc.id_len);
    ck_assert_ptr_eq(doc.text, r.data);
    ck_assert_uint_eq(doc.len, 21);
    nd_decoder_free(d);
}
END_TEST

START_TEST(test_decode_respects_length)
{
    /* The record is not NUL-terminated: bytes after len belong to the next line. */
    const char *buf = "{\"text\":\"abc\"}\n{\"text\":\"def\"}";
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    ck_assert_int_eq(decode_line(d, buf, 14, &doc, &msg), ND_OK);
    ck_assert_uint_eq(doc.len, 3);
    ck_assert_mem_eq(doc.text, "abc", 3);
    /* A line cut short inside the buffer is truncated JSON even if more follows. */
    ck_assert_int_eq(decode_line(d, buf, 12, &doc, &msg), ND_EJSON);
    nd_decoder_free(d);
}
END_TEST

START_TEST(test_decode_errors)
{
    check_decode_fails("{\"text\": abc}", 13, ND_EJSON);
    check_decode_fails("{\"text\": \"abc", 13, ND_EJSON);
    check_decode_fails("{\"id\":\"x\"}", 10, ND_EFIELD);
    check_decode_fails("{\"text\":42}", 11, ND_EFIELD);
    check_decode_fails("{\"text\":null}", 13, ND_EFIELD);
    check_decode_fails("{\"text\":[\"a\"]}", 14, ND_EFIELD);
    check_decode_fails("{\"text\":\"\"}", 11, ND_EEMPTY);
    check_decode_fails("[1,2]", 5, ND_EJSON);
    check_decode_fails("\"text\"", 6, ND_EJSON);
    check_decode_fails("42", 2, ND_EJSON);
    check_decode_fails("", 0, ND_EJSON);

    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    ck_assert_int_eq(decode_line(d, "{\"text\": abc}", 13, &doc, &msg), ND_EJSON);
    ck_assert_ptr_nonnull(strstr(msg, "JSON"));
    ck_assert_int_eq(decode_line(d, "{\"text\": \"abc", 13, &doc, &msg), ND_EJSON);
    ck_assert_ptr_nonnull(strstr(msg, "JSON"));
    ck_assert_int_eq(decode_line(d, "{\"text\":7}", 10, &doc, &msg), ND_EFIELD);
    ck_assert_ptr_nonnull(strstr(msg, "text"));
    /* The decoder is reusable after an error. */
    ck_assert_int_eq(decode_line(d, "{\"text\":\"ok\"}", 13, &doc, &msg), ND_OK);
    ck_assert_mem_eq(doc.text, "ok", 2);
    nd_decoder_free(d);
}
END_TEST

START_TEST(test_decode_trailing_garbage)
{
    /* Two objects glued on one line, or junk after the object, is not one JSON value. */
    const char *two = "{\"text\":\"a b c\"}{\"text\":\"d e f\"}";
    check_decode_fails(two, strlen(two), ND_EJSON);
    const char *junk = "{\"text\":\"a b c\"} trailing";
    check_decode_fails(junk, strlen(junk), ND_EJSON);
    /* Trailing whitespace (and a CR) is fine. */
    check_decoded(NULL, "{\"text\":\"a\"}  \r", "dir/in.jsonl:7", "a");
}
END_TEST

/* ---- oom ------------------------------------------------------------------------------------ */

START_TEST(test_oom_reader_create)
{
    const char *paths[3] = {"a", "b/c", "-"};
    long n;
    for (n = 0; n < 1000; n++) {
        nd_reader *r = (nd_reader *)(uintptr_t)0x1;
        nd_alloc_fail_after(n);
        nd_status st = nd_reader_create(NULL, paths, 3, &r);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            nd_reader_free(r);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_ptr_eq(r, (nd_reader *)(uintptr_t)0x1);
    }
    ck_assert_int_gt(n, 0);
    ck_assert_int_lt(n, 1000);
}
END_TEST

/* Builds a tree that uses every allocation path of the reader. */
static char *oom_tree(void)
{
    char *dir = tu_tmpdir();
    write_str(dir, "a.txt", "first article text");
    write_str(dir, "b.jsonl", "{\"text\":\"one\"}\n\n{\"text\":\"two\"}\r\n{bad\n");
    make_dir(dir, "sub");
    write_str(dir, "sub/c.txt", "third");
    write_str(dir, "sub/d.txt", "");
    write_str(dir, "x.html", "<p>note</p>");
    return dir;
}

static int rec_equal(const srec *a, const srec *b)
{
    return a->kind == b->kind && a->json == b->json && a->len == b->len && a->source == b->source &&
           a->line == b->line && a->offset == b->offset && a->status == b->status &&
           strcmp(a->path, b->path) == 0 &&
           (a->kind != ND_REC_DOC || memcmp(a->data, b->data, a->len) == 0);
}

START_TEST(test_oom_reader_next)
{
    char *dir = oom_tree();
    char *missing = join(dir, "missing");
    const char *paths[2] = {dir, missing};
    recs want = read_paths(NULL, paths, 2);
    ck_assert_uint_eq(want.n, 8);
    long n;
    int failures = 0;
    for (n = 0; n < 10000; n++) {
        nd_reader *r = NULL;
        ck_assert_int_eq(nd_reader_create(NULL, paths, 2, &r), ND_OK);
        recs got = {0};
        nd_alloc_fail_after(n);
        nd_record rec;
        nd_status st;
        while ((st = nd_reader_next(r, &rec)) == ND_OK)
            recs_push(&got, &rec);
        long used = nd_alloc_count();
        nd_alloc_fail_after(-1);
        nd_reader_free(r);
        if (st == ND_ENOMEM) {
            failures++;
            recs_free(&got);
            continue;
        }
        ck_assert_int_eq(st, ND_END);
        /* No ND_ENOMEM: then nothing may have been lost to a failed allocation. */
        ck_assert_msg(got.n == want.n, "n=%ld: %zu records instead of %zu", n, got.n, want.n);
        for (size_t i = 0; i < got.n; i++)
            ck_assert_msg(rec_equal(&got.v[i], &want.v[i]),
                          "n=%ld: record %zu differs (path '%s', want '%s')", n, i, got.v[i].path,
                          want.v[i].path);
        recs_free(&got);
        if (used <= n) break; /* no allocation failed: done */
    }
    ck_assert_int_gt(failures, 0);
    ck_assert_int_lt(n, 10000);
    recs_free(&want);
    free(missing);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_oom_fetch)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "a.jsonl", "{\"text\":\"x y z\"}\n", 17);
    const char *paths[1] = {path};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 1, &r), ND_OK);
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, 1);
    nd_record out;
    nd_alloc_fail_after(0);
    nd_status st = nd_reader_fetch(r, 0, rs.v[0].offset, rs.v[0].len, 1, &out);
    nd_alloc_fail_after(-1);
    ck_assert_int_eq(st, ND_ENOMEM);
    check_fetch_all(r, &rs);
    nd_reader_free(r);
    recs_free(&rs);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_oom_decoder_create)
{
    nd_decode_opts o = {.text_field = "body", .id_field = "doc"};
    long n;
    for (n = 0; n < 100; n++) {
        nd_decoder *d = (nd_decoder *)(uintptr_t)0x1;
        nd_alloc_fail_after(n);
        nd_status st = nd_decoder_create(&o, &d);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            check_decoded(&o, "{\"doc\":\"i\",\"body\":\"b\"}", "i", "b");
            nd_decoder_free(d);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_ptr_eq(d, (nd_decoder *)(uintptr_t)0x1);
    }
    ck_assert_int_eq(n, 3); /* the decoder, and a copy of each field name */
}
END_TEST

START_TEST(test_oom_decode_id)
{
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_doc doc;
    const char *msg;
    /* A "path:line" id and a numeric id are built in the decoder's buffer. */
    nd_alloc_fail_after(0);
    nd_status st = decode_line(d, "{\"text\":\"t\"}", 12, &doc, &msg);
    nd_alloc_fail_after(-1);
    ck_assert_int_eq(st, ND_ENOMEM);
    nd_decoder_free(d);
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_alloc_fail_after(0);
    st = decode_line(d, "{\"id\":5,\"text\":\"t\"}", 19, &doc, &msg);
    nd_alloc_fail_after(-1);
    ck_assert_int_eq(st, ND_ENOMEM);
    ck_assert_int_eq(decode_line(d, "{\"id\":5,\"text\":\"t\"}", 19, &doc, &msg), ND_OK);
    ck_assert_mem_eq(doc.id, "5", 1);
    nd_decoder_free(d);
}
END_TEST

START_TEST(test_oom_decode_json)
{
    /* Every allocation a decoder makes (its text and id buffers, grown on first use) can
     * fail: the answer is ND_ENOMEM, never "malformed JSON", and nothing leaks
     * (LeakSanitizer, valgrind); then the same line decodes. A fresh decoder per line, as a
     * used one has its buffers already. */
    static const char *const lines[] = {
        "{\"id\":\"abc\",\"text\":\"one two three\"}",
        ("{\"meta\":{\"a\":[1,2,{\"b\":\"c\"}],\"d\":null},\"url\":\"http://u/1\","
         "\"text\":\"x\\u00e9\\ny z\",\"tags\":[\"p\",\"q\"]}"),
        "{\"text\":\"no id here\"}",
        "{\"id\":12345,\"text\":\"numeric id\"}",
    };
    for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
        nd_decoder *d = NULL;
        ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
        long n;
        int failures = 0;
        for (n = 0; n < 10000; n++) {
            nd_doc doc;
            const char *msg;
            nd_alloc_fail_after(n);
            nd_status st = decode_line(d, lines[l], strlen(lines[l]), &doc, &msg);
            long used = nd_alloc_count();
            nd_alloc_fail_after(-1);
            if (st == ND_OK) {
                ck_assert_int_le(used, n);
                break;
            }
            ck_assert_msg(st == ND_ENOMEM, "line %zu, n=%ld: status %d (%s)", l, n, (int)st, msg);
            failures++;
        }
        ck_assert_int_gt(failures, 0);
        ck_assert_int_lt(n, 10000);
        nd_decoder_free(d);
    }
}
END_TEST

static Suite *input_suite(void)
{
    Suite *s = suite_create("input");
    TCase *tc = tcase_create("core");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_dir_sorted_recursive);
    tcase_add_test(tc, test_dir_trailing_slash_and_sources);
    tcase_add_test(tc, test_explicit_files_any_extension);
    tcase_add_test(tc, test_dir_fifo_not_opened);
    tcase_add_test(tc, test_dir_extension_any_case);
    tcase_add_test(tc, test_device_stream_limit);
    tcase_add_test(tc, test_jsonl_framing);
    tcase_add_test(tc, test_jsonl_bom_only_at_start);
    tcase_add_test(tc, test_fetch_same_bytes);
    tcase_add_test(tc, test_fetch_vanished);
    suite_add_tcase(s, tc);

    tc = tcase_create("decoder");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_decode_ids);
    tcase_add_test(tc, test_decode_custom_fields);
    tcase_add_test(tc, test_decode_text_record);
    tcase_add_test(tc, test_decode_respects_length);
    tcase_add_test(tc, test_decode_errors);
    tcase_add_test(tc, test_decode_trailing_garbage);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_line_over_limit_skipped);
    tcase_add_test(tc, test_text_file_over_limit);
    tcase_add_test(tc, test_line_spanning_chunks_kept);
    tcase_add_test(tc, test_line_spanning_chunks_skipped);
    tcase_add_test(tc, test_line_spanning_chunks_skipped_at_eof);
    tcase_add_test(tc, test_line_spanning_chunks_at_eof_kept);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_empty_files);
    tcase_add_test(tc, test_binary_text_file);
    tcase_add_test(tc, test_utf16_and_compressed_named);
    tcase_add_test(tc, test_binary_still_binary);
    tcase_add_test(tc, test_jsonl_nul_line_far);
    tcase_add_test(tc, test_jsonl_nul_line_near_start);
    tcase_add_test(tc, test_missing_path);
    tcase_add_test(tc, test_create_no_paths);
    tcase_add_test(tc, test_stdin_closed);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");

    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_oom_reader_create);
    tcase_add_test(tc, test_oom_reader_next);
    tcase_add_test(tc, test_oom_fetch);
    tcase_add_test(tc, test_oom_decoder_create);
    tcase_add_test(tc, test_oom_decode_id);
    tcase_add_test(tc, test_oom_decode_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(input_suite());
}
