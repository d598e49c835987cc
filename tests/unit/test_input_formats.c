/*
 * test_input_formats.c - unit tests of the reader on crawls as they are stored: gzip and
 * zstd compression (members, frames, access points, truncated and corrupt streams, reading
 * again in any order), through include/neardup/input.h.
 *
 * Compressed files are made here with zlib and libzstd from known plain bytes, and every
 * record read from them must equal the record read from the plain file (data, line,
 * offset: offsets are offsets in the decompressed stream) and come back the same from
 * nd_reader_fetch in increasing, decreasing and scattered order.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "input_recs.h"
#include "alloc.h"
#include "neardup/input.h"
#include "testutil.h"

/* ---- compressing test data ------------------------------------------------------------- */

/* Appends data[0..n) to b as one gzip member. */
static void gz_member(tu_sbuf *b, const char *data, size_t n, int level)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    tu_sb_add(b, (const char *)out, cap - z.avail_out);
    deflateEnd(&z);
    free(out);
}

/* Appends data[0..n) to b as one zstd frame (with a checksum). */
static void zst_frame(tu_sbuf *b, const char *data, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t k = ZSTD_compress2(c, out, cap, data, n);
    ck_assert(!ZSTD_isError(k));
    tu_sb_add(b, out, k);
    ZSTD_freeCCtx(c);
    free(out);
}

/* Appends data[0..n) to b as one zstd frame of unknown content size (streamed), with a
 * window of 2^wlog bytes declared in its header whatever the data's size. */
static void zst_frame_window(tu_sbuf *b, const char *data, size_t n, int wlog)
{
    size_t cap = ZSTD_compressBound(n) + 64;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ck_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog)));
    ZSTD_inBuffer in = {data, n, 0};
    ZSTD_outBuffer o = {out, cap, 0};
    ck_assert_uint_eq(ZSTD_compressStream2(c, &o, &in, ZSTD_e_end), 0);
    tu_sb_add(b, out, o.pos);
    ZSTD_freeCCtx(c);
    free(out);
}

/* Appends a skippable zstd frame of n bytes of content to b. */
static void zst_skippable(tu_sbuf *b, size_t n)
{
    unsigned char h[8] = {0x5a, 0x2a, 0x4d, 0x18, (unsigned char)n, (unsigned char)(n >> 8),
                          (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    tu_sb_add(b, (const char *)h, 8);
    for (size_t i = 0; i < n; i++)
        tu_sb_add(b, "\x28", 1); /* (zstd's magic byte, for good measure) */
}

/* data compressed as `how`: "gz" one member, "gzN" N members, "zst" one frame, "zstN" N
 * frames, cut at arbitrary places (inside lines too). */
static tu_sbuf compress_as(const char *how, const char *data, size_t n)
{
    tu_sbuf b = {0};
    int gz = how[0] == 'g';
    int parts = atoi(how + (gz ? 2 : 3));
    if (parts < 1) parts = 1;
    size_t at = 0;
    for (int i = 0; i < parts; i++) {
        size_t end = i == parts - 1 ? n : n / (size_t)parts * (size_t)(i + 1) + 7;
        if (end > n) end = n;
        if (gz)
            gz_member(&b, data + at, end - at, 6);
        else
            zst_frame(&b, data + at, end - at);
        at = end;
    }
    return b;
}

/* JSON Lines of `n` documents of a few hundred bytes, some blank lines and CRLFs. */
static tu_sbuf make_jsonl(size_t n, uint64_t seed)
{
    tu_sbuf b = {0};
    tu_rand_seed(seed);
    char line[2048];
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(line, sizeof line, "{\"id\":\"d%zu\",\"text\":\"", i);
        size_t words = 20 + tu_rand() % 200;
        for (size_t w = 0; w < words && (size_t)k < sizeof line - 40; w++)
            k += snprintf(line + k, sizeof line - (size_t)k, "%sw%llu", w ? " " : "",
                          (unsigned long long)(tu_rand() % 5000));
        k += snprintf(line + k, sizeof line - (size_t)k, "\"}%s", i % 17 == 3 ? "\r\n" : "\n");
        tu_sb_add(&b, line, (size_t)k);
        if (i % 29 == 5) tu_sb_puts(&b, "\n");
    }
    return b;
}

/* The records of path read alone. */
static recs read_file(const char *path, nd_reader **keep)
{
    const char *paths[1] = {path};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 1, &r), ND_OK);
    recs rs = drain_reader(r);
    if (keep)
        *keep = r;
    else
        nd_reader_free(r);
    return rs;
}

/* The records of `a` and `b` are the same apart from the path. */
static void check_same_records(const recs *a, const recs *b)
{
    ck_assert_uint_eq(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const srec *x = &a->v[i], *y = &b->v[i];
        ck_assert_int_eq(x->kind, y->kind);
        ck_assert_uint_eq(x->len, y->len);
        if (x->kind == ND_REC_DOC) ck_assert_mem_eq(x->data, y->data, x->len);
        ck_assert_uint_eq(x->line, y->line);
        ck_assert_uint_eq(x->offset, y->offset);
        ck_assert_int_eq(x->json, y->json);
        ck_assert_uint_eq(x->format, y->format);
        ck_assert_int_eq(x->status, y->status);
    }
}

/* Fetches the documents of rs in reverse, then in a scattered order. */
static void check_fetch_any_order(nd_reader *r, const recs *rs)
{
    check_fetch_all(r, rs);
    /* At most ~300 each way: a backwards fetch decompresses up to a checkpoint's distance. */
    size_t step = rs->n / 300 + 1;
    for (size_t i = rs->n; i >= step;) {
        i -= step;
        const srec *c = &rs->v[i];
        if (c->kind != ND_REC_DOC) continue;
        nd_record out;
        ck_assert_int_eq(nd_reader_fetch(r, c->source, c->offset, c->len, c->line, &out), ND_OK);
        ck_assert_mem_eq(out.data, c->data, c->len);
    }
    for (size_t k = 0; k < rs->n; k += step) {
        const srec *c = &rs->v[(k * 7919) % rs->n];
        if (c->kind != ND_REC_DOC) continue;
        nd_record out;
        ck_assert_int_eq(nd_reader_fetch(r, c->source, c->offset, c->len, c->line, &out), ND_OK);
        ck_assert_mem_eq(out.data, c->data, c->len);
    }
}

/* ---- compressed: same records as the plain file ----------------------------------------- */

static void same_as_plain(const char *how, size_t ndocs, const char *suffix)
{
    tu_sbuf plain = make_jsonl(ndocs, 42);
    tu_sbuf z = compress_as(how, plain.p, plain.n);
    char *dir = tu_tmpdir();
    char name[64];
    snprintf(name, sizeof name, "d.jsonl%s", suffix);
    char *pp = tu_write(dir, "d.jsonl", plain.p, plain.n);
    char *zp = tu_write(dir, name, z.p, z.n);
    recs want = read_file(pp, NULL);
    nd_reader *r = NULL;
    recs got = read_file(zp, &r);
    ck_assert_uint_gt(want.n, ndocs / 2);
    check_same_records(&want, &got);
    check_fetch_any_order(r, &got); /* from the decompressed copy */
    nd_reader_free(r);
    recs_free(&got);
    /* Without the copy (no_spool): fetches decompress again from the checkpoints. */
    nd_reader_opts no = {0};
    no.no_spool = 1;
    const char *paths[1] = {zp};
    ck_assert_int_eq(nd_reader_create(&no, paths, 1, &r), ND_OK);
    got = drain_reader(r);
    check_same_records(&want, &got);
    check_fetch_any_order(r, &got);
    nd_reader_free(r);
    recs_free(&got);
    /* Decompressing on the calling thread (no_readahead): the same records (the small
     * cases only: the damaged ones compare both ways too). */
    if (ndocs <= 1000) {
        nd_reader_opts sync = {0};
        sync.no_readahead = 1;
        ck_assert_int_eq(nd_reader_create(&sync, paths, 1, &r), ND_OK);
        got = drain_reader(r);
        check_same_records(&want, &got);
        nd_reader_free(r);
    }
    recs_free(&want);
    recs_free(&got);
    free(plain.p);
    free(z.p);
    free(pp);
    free(zp);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_gzip_one_member)
{
    same_as_plain("gz", 300, ".gz");
}
END_TEST

START_TEST(test_gzip_members)
{
    same_as_plain("gz13", 300, ".gz");
}
END_TEST

START_TEST(test_zstd_one_frame)
{
    same_as_plain("zst", 300, ".zst");
}
END_TEST

START_TEST(test_zstd_frames)
{
    same_as_plain("zst9", 300, ".zst");
}
END_TEST

START_TEST(test_gzip_named_jsonl)
{
    /* The magic number decides, not the name. */
    same_as_plain("gz", 50, "");
}
END_TEST

START_TEST(test_gzip_access_points)
{
    /* One member of ~5 MiB: fetching backwards resumes at access points (1 MiB apart). */
    same_as_plain("gz", 25000, ".gz");
}
END_TEST

START_TEST(test_zstd_large_frames)
{
    same_as_plain("zst3", 25000, ".zst");
}
END_TEST

/* Frames the read-ahead's ring decodes buffer-less and frames it hands to the streaming
 * decoder (a window larger than the ring after the first frame), with skippable frames
 * between (one longer than the read buffer): the records of the plain file either way. */
START_TEST(test_zstd_mixed_frames)
{
    tu_sbuf plain = make_jsonl(900, 9);
    size_t a = plain.n / 3 + 5, b = plain.n * 2 / 3 + 11;
    tu_sbuf z = {0};
    zst_frame_window(&z, plain.p, a, 18);
    zst_skippable(&z, 300000);
    zst_frame_window(&z, plain.p + a, b - a, 24); /* 16 MiB: more than the ring holds */
    zst_skippable(&z, 10);
    zst_frame_window(&z, plain.p + b, plain.n - b, 18);
    char *dir = tu_tmpdir();
    char *pp = tu_write(dir, "d.jsonl", plain.p, plain.n);
    char *zp = tu_write(dir, "d.jsonl.zst", z.p, z.n);
    recs want = read_file(pp, NULL);
    nd_reader *r = NULL;
    recs got = read_file(zp, &r);
    check_same_records(&want, &got);
    check_fetch_any_order(r, &got);
    nd_reader_free(r);
    recs_free(&got);
    /* The first frame's large window: the ring grows before anything is in it. */
    tu_sbuf big = {0};
    zst_frame_window(&big, plain.p, plain.n, 24);
    char *bp = tu_write(dir, "big.jsonl.zst", big.p, big.n);
    got = read_file(bp, NULL);
    check_same_records(&want, &got);
    recs_free(&got);
    recs_free(&want);
    free(plain.p);
    free(z.p);
    free(big.p);
    free(pp);
    free(zp);
    free(bp);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_compressed_text_and_stdin)
{
    const char *art = "One article,\nof two lines.\n";
    tu_sbuf gz = compress_as("gz", art, strlen(art));
    tu_sbuf zs = compress_as("zst", art, strlen(art));
    char *dir = tu_tmpdir();
    char *g = tu_write(dir, "a.txt.gz", gz.p, gz.n);
    char *z = tu_write(dir, "b.txt.zst", zs.p, zs.n);
    const char *paths[2] = {g, z};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(NULL, paths, 2, &r), ND_OK);
    recs rs = drain_reader(r);
    ck_assert_uint_eq(rs.n, 2);
    check_doc(&rs.v[0], g, art, strlen(art), 0, 1, 0);
    check_doc(&rs.v[1], z, art, strlen(art), 0, 1, 0);
    check_fetch_any_order(r, &rs);
    nd_reader_free(r);
    recs_free(&rs);

    /* Compressed JSON Lines on standard input: sniffed after decompression, spooled
     * compressed, fetched back. */
    tu_sbuf plain = make_jsonl(40, 7);
    tu_sbuf zj = compress_as("zst2", plain.p, plain.n);
    char *in = tu_write(dir, "in.zst", zj.p, zj.n);
    int saved = dup(STDIN_FILENO);
    ck_assert_ptr_nonnull(freopen(in, "r", stdin));
    const char *dash[1] = {"-"};
    ck_assert_int_eq(nd_reader_create(NULL, dash, 1, &r), ND_OK);
    rs = drain_reader(r);
    ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    ck_assert_uint_eq(rs.n, 40);
    ck_assert_int_eq(rs.v[0].json, 1);
    ck_assert_str_eq(rs.v[0].path, "<stdin>");
    check_fetch_any_order(r, &rs);
    nd_reader_free(r);
    recs_free(&rs);
    free(plain.p);
    free(zj.p);
    free(in);
    free(gz.p);
    free(zs.p);
    free(g);
    free(z);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Fetches while the file is still being read (its read-ahead paused and resumed), and a
 * reader freed while its read-ahead runs: the records stay those of the plain file. */
static void fetch_while_reading(const char *how, const char *suffix, int spool)
{
    tu_sbuf plain = make_jsonl(25000, 11);
    tu_sbuf z = compress_as(how, plain.p, plain.n);
    char *dir = tu_tmpdir();
    char name[64];
    snprintf(name, sizeof name, "d.jsonl%s", suffix);
    char *pp = tu_write(dir, "d.jsonl", plain.p, plain.n);
    char *zp = tu_write(dir, name, z.p, z.n);
    recs want = read_file(pp, NULL);
    const char *paths[1] = {zp};
    {
        nd_reader_opts o = {0};
        o.no_spool = !spool;
        nd_reader *r = NULL;
        ck_assert_int_eq(nd_reader_create(&o, paths, 1, &r), ND_OK);
        recs got = {0};
        nd_record rec;
        while (nd_reader_next(r, &rec) == ND_OK) {
            recs_push(&got, &rec);
            if (got.n % 997 != 0) continue;
            /* The last record, one a little before, one far before (without the copy,
             * going back in a single zstd frame decompresses from its start again). */
            size_t at[3] = {got.n - 1, got.n - 500, got.n / 3};
            for (size_t k = 0; k < 3; k++) {
                const srec *c = &got.v[at[k]];
                nd_record out;
                ck_assert_int_eq(nd_reader_fetch(r, 0, c->offset, c->len, c->line, &out), ND_OK);
                ck_assert_mem_eq(out.data, c->data, c->len);
            }
        }
        check_same_records(&want, &got);
        nd_reader_free(r);
        recs_free(&got);
        /* Freed a few records in: the read-ahead is still decompressing, or waiting. */
        ck_assert_int_eq(nd_reader_create(&o, paths, 1, &r), ND_OK);
        for (int i = 0; i < 10; i++)
            ck_assert_int_eq(nd_reader_next(r, &rec), ND_OK);
        nd_reader_free(r);
    }
    recs_free(&want);
    free(plain.p);
    free(z.p);
    free(pp);
    free(zp);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_zstd_fetch_while_reading)
{
    fetch_while_reading("zst", ".zst", 1); /* from the decompressed copy */
}
END_TEST

START_TEST(test_gzip_fetch_while_reading)
{
    fetch_while_reading("gz", ".gz", 0); /* from the access points and their windows */
}
END_TEST

/* ---- compressed: truncated and corrupt streams -------------------------------------------- */

/* Reads `bytes` (a damaged compression of `plain`) as d.jsonl<suffix>: every record before
 * the damage equals the plain file's, then one error record whose message contains `want`
 * and names the last complete record; nothing after. Returns the number of documents. */
static size_t damaged_case(const tu_sbuf *plain, const char *bytes, size_t n, const char *suffix,
                           const char *want, size_t intact)
{
    char *dir = tu_tmpdir();
    char name[64];
    snprintf(name, sizeof name, "d.jsonl%s", suffix);
    char *pp = tu_write(dir, "d.jsonl", plain->p, plain->n);
    char *zp = tu_write(dir, name, bytes, n);
    recs all = read_file(pp, NULL);
    nd_reader *r = NULL;
    recs got = read_file(zp, &r);
    ck_assert_uint_ge(got.n, 1);
    const srec *e = &got.v[got.n - 1];
    ck_assert_int_eq(e->kind, ND_REC_ERROR);
    ck_assert_int_eq(e->status, ND_EIO);
    ck_assert_msg(strstr(e->message, want), "'%s' lacks '%s'", e->message, want);
    size_t docs = got.n - 1;
    ck_assert_uint_le(docs, all.n);
    /* gzip checks a member's CRC only at its end: what a damaged deflate stream gave before
     * zlib noticed may be wrong. Records wholly before the damage are exact. */
    size_t exact = intact < docs ? intact : docs;
    for (size_t i = 0; i < exact; i++) {
        ck_assert_int_eq(got.v[i].kind, ND_REC_DOC);
        ck_assert_uint_eq(got.v[i].len, all.v[i].len);
        ck_assert_mem_eq(got.v[i].data, all.v[i].data, all.v[i].len);
        ck_assert_uint_eq(got.v[i].line, all.v[i].line);
    }
    char last[64];
    if (docs && exact == docs) {
        snprintf(last, sizeof last, "the last complete record is line %llu",
                 (unsigned long long)got.v[docs - 1].line);
        ck_assert_msg(strstr(e->message, last), "'%s' lacks '%s'", e->message, last);
        ck_assert_uint_gt(e->line, got.v[docs - 1].line);
    }
    /* What was read is fetched back. */
    got.n = exact;
    check_fetch_any_order(r, &got);
    got.n = docs + 1;
    nd_reader_free(r);
    /* Decompressing on the calling thread: the same records and the same message. */
    nd_reader_opts sync = {0};
    sync.no_readahead = 1;
    const char *paths[1] = {zp};
    ck_assert_int_eq(nd_reader_create(&sync, paths, 1, &r), ND_OK);
    recs here = drain_reader(r);
    check_same_records(&got, &here);
    ck_assert_str_eq(here.v[here.n - 1].message, e->message);
    nd_reader_free(r);
    recs_free(&here);
    recs_free(&all);
    recs_free(&got);
    free(pp);
    free(zp);
    tu_rmtree(dir);
    free(dir);
    return docs;
}

START_TEST(test_truncated_gzip)
{
    tu_sbuf plain = make_jsonl(2000, 3);
    tu_sbuf z = compress_as("gz", plain.p, plain.n);
    size_t docs = damaged_case(&plain, z.p, z.n / 2, ".gz", "truncated gzip data", SIZE_MAX);
    ck_assert_uint_gt(docs, 500);
    /* Cut inside the 8-byte trailer: all the text is there, but the member is not whole. */
    ck_assert_uint_eq(damaged_case(&plain, z.p, z.n - 3, ".gz", "truncated gzip data", SIZE_MAX),
                      2000);
    free(plain.p);
    free(z.p);
}
END_TEST

START_TEST(test_truncated_zstd)
{
    tu_sbuf plain = make_jsonl(2000, 4);
    tu_sbuf z = compress_as("zst4", plain.p, plain.n);
    size_t docs = damaged_case(&plain, z.p, z.n * 2 / 3, ".zst", "truncated zstd data", SIZE_MAX);
    ck_assert_uint_gt(docs, 500);
    ck_assert_uint_eq(damaged_case(&plain, z.p, z.n - 2, ".zst", "truncated zstd data", SIZE_MAX),
                      2000);
    free(plain.p);
    free(z.p);
}
END_TEST

/* Incompressible lines go into stored (Raw_Block) zstd blocks, whose bytes the decoder passes
 * on as they come: cut inside one, the complete lines of what arrived are kept, as many as
 * libzstd's streaming decoder gives from the same bytes. */
START_TEST(test_truncated_zstd_raw_block)
{
    tu_sbuf plain = {0};
    tu_rand_seed(11);
    for (size_t i = 0; i < 200; i++) {
        char line[2048];
        size_t k = (size_t)snprintf(line, sizeof line, "{\"t\":\"");
        while (k < 2000) { /* any byte but NUL and a newline: too random to compress */
            unsigned c = 1 + (unsigned)(tu_rand() % 255);
            line[k++] = (char)(c == '\n' ? 'n' : c);
        }
        k += (size_t)snprintf(line + k, sizeof line - k, "\"}\n");
        tu_sb_add(&plain, line, k);
    }
    tu_sbuf z = compress_as("zst", plain.p, plain.n);
    size_t cut = z.n - 20000; /* inside the last block */
    /* What the streaming decoder gives from the cut file. */
    char *dec = malloc(plain.n);
    ck_assert_ptr_nonnull(dec);
    ZSTD_DStream *d = ZSTD_createDStream();
    ZSTD_inBuffer in = {z.p, cut, 0};
    ZSTD_outBuffer o = {dec, plain.n, 0};
    size_t ret = ZSTD_decompressStream(d, &o, &in);
    ck_assert(!ZSTD_isError(ret) && ret > 0);
    ZSTD_freeDStream(d);
    ck_assert_uint_gt(o.pos % ZSTD_BLOCKSIZE_MAX, 0); /* it stopped inside a stored block */
    size_t lines = 0;
    for (size_t i = 0; i < o.pos; i++)
        lines += dec[i] == '\n';
    size_t docs = damaged_case(&plain, z.p, cut, ".zst", "truncated zstd data", SIZE_MAX);
    ck_assert_uint_eq(docs, lines);
    free(dec);
    free(plain.p);
    free(z.p);
}
END_TEST

START_TEST(test_corrupt_zstd_frame)
{
    tu_sbuf plain = make_jsonl(2000, 5);
    tu_sbuf z = compress_as("zst4", plain.p, plain.n);
    /* Damage the third frame: the first two (about half the lines) are kept. */
    size_t at = z.n * 5 / 8;
    for (size_t i = 0; i < 64; i++)
        z.p[at + i] ^= 0x5a;
    size_t docs = damaged_case(&plain, z.p, z.n, ".zst", "corrupt zstd data", 900);
    ck_assert_uint_gt(docs, 800);
    /* One frame, damaged a quarter in: what was decoded before the damage is kept (a
     * failing zstd call reports none of its output, so calls are one block at most). */
    tu_sbuf one = compress_as("zst", plain.p, plain.n);
    for (size_t i = 0; i < 64; i++)
        one.p[one.n / 4 + i] ^= 0x5a;
    docs = damaged_case(&plain, one.p, one.n, ".zst", "corrupt zstd data", SIZE_MAX);
    ck_assert_uint_gt(docs, 150);
    free(one.p);
    free(plain.p);
    free(z.p);
}
END_TEST

START_TEST(test_corrupt_gzip)
{
    tu_sbuf plain = make_jsonl(2000, 6);
    tu_sbuf z = compress_as("gz3", plain.p, plain.n);
    size_t at = z.n / 2;
    for (size_t i = 0; i < 64; i++)
        z.p[at + i] ^= 0x5a;
    /* Damage in the second of three members: the first third of the lines are exact. */
    damaged_case(&plain, z.p, z.n, ".gz", "corrupt gzip data", 600);
    /* Garbage after the last member. */
    tu_sbuf g = compress_as("gz", plain.p, plain.n);
    tu_sb_puts(&g, "trailing junk");
    ck_assert_uint_eq(damaged_case(&plain, g.p, g.n, ".gz", "no gzip header at byte", SIZE_MAX),
                      2000);
    free(plain.p);
    free(z.p);
    free(g.p);
}
END_TEST

START_TEST(test_fetch_changed_compressed)
{
    tu_sbuf plain = make_jsonl(300, 8);
    tu_sbuf z = compress_as("zst2", plain.p, plain.n);
    char *dir = tu_tmpdir();
    char *zp = tu_write(dir, "d.jsonl.zst", z.p, z.n);
    nd_reader *r = NULL;
    recs rs = read_file(zp, &r);
    const srec *last = &rs.v[rs.n - 1];
    /* A second reader that keeps no decompressed copy (no_spool). */
    nd_reader_opts no = {0};
    no.no_spool = 1;
    const char *paths[1] = {zp};
    nd_reader *r2 = NULL;
    ck_assert_int_eq(nd_reader_create(&no, paths, 1, &r2), ND_OK);
    recs rs2 = drain_reader(r2);
    ck_assert_uint_eq(rs2.n, rs.n);
    ck_assert_int_eq(truncate(zp, (off_t)(z.n * 3 / 4)), 0); /* the first frame is whole */
    nd_record out;
    /* Decompressing again notices the change... */
    ck_assert_int_eq(nd_reader_fetch(r2, 0, last->offset, last->len, last->line, &out),
                     ND_ECHANGED);
    ck_assert_int_eq(nd_reader_fetch(r2, 0, rs.v[0].offset, rs.v[0].len, 1, &out), ND_OK);
    ck_assert_mem_eq(out.data, rs.v[0].data, rs.v[0].len);
    /* ... the decompressed copy serves the bytes read the first time, every record. */
    for (size_t i = rs.n; i-- > 0;) {
        ck_assert_int_eq(nd_reader_fetch(r, 0, rs.v[i].offset, rs.v[i].len, rs.v[i].line, &out),
                         ND_OK);
        ck_assert_mem_eq(out.data, rs.v[i].data, rs.v[i].len);
    }
    nd_reader_free(r2);
    recs_free(&rs2);
    nd_reader_free(r);
    recs_free(&rs);
    free(plain.p);
    free(z.p);
    free(zp);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- CSV / TSV ---------------------------------------------------------------------------- */

/* Decodes record c (as read) and checks its text and id. */
static void check_decoded_rec(const srec *c, const char *path, const char *id, const char *text)
{
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_record r;
    memset(&r, 0, sizeof r);
    r.kind = ND_REC_DOC;
    r.data = c->data;
    r.len = c->len;
    r.path = path;
    r.line = c->line;
    r.format = c->format;
    r.json = c->json;
    r.text_col = c->text_col;
    r.id_col = c->id_col;
    nd_doc doc;
    const char *msg;
    nd_status st = nd_decode(d, &r, &doc, &msg);
    ck_assert_msg(st == ND_OK, "decode: %d %s", (int)st, msg);
    ck_assert_uint_eq(doc.len, strlen(text));
    ck_assert_mem_eq(doc.text, text, doc.len);
    ck_assert_uint_eq(doc.id_len, strlen(id));
    ck_assert_mem_eq(doc.id, id, doc.id_len);
    nd_decoder_free(d);
}

static recs read_with(const nd_reader_opts *o, const char *path, nd_reader **keep)
{
    const char *paths[1] = {path};
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(o, paths, 1, &r), ND_OK);
    recs rs = drain_reader(r);
    if (keep)
        *keep = r;
    else
        nd_reader_free(r);
    return rs;
}

START_TEST(test_csv_quoting)
{
    /* An unnamed index column (as pandas writes it), quoted fields with separators, doubled
     * quotes, line breaks and CRLF inside, CRLF rows, a blank line, no final newline. */
    const char *csv = ",id,text,note\r\n"
                      "0,a1,\"plain, with a comma\",x\r\n"
                      "1,a2,\"she said \"\"hi\"\"\nand left\",\"y\"\r\n"
                      "\r\n"
                      "2,,\"two\r\nlines\",z\n"
                      "3,a4,last,w";
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "p.csv", csv, strlen(csv));
    nd_reader *r = NULL;
    recs rs = read_with(NULL, path, &r);
    ck_assert_uint_eq(rs.n, 4);
    static const uint64_t lines[] = {2, 3, 6, 8};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(rs.v[i].kind, ND_REC_DOC);
        ck_assert_uint_eq(rs.v[i].line, lines[i]);
        ck_assert_uint_eq(rs.v[i].format, ND_INPUT_CSV);
        ck_assert_uint_eq(rs.v[i].text_col, 2);
        ck_assert_uint_eq(rs.v[i].id_col, 1);
        ck_assert_mem_eq(csv + rs.v[i].offset, rs.v[i].data, rs.v[i].len);
    }
    ck_assert_str_eq(rs.v[0].data, "0,a1,\"plain, with a comma\",x");
    check_decoded_rec(&rs.v[0], path, "a1", "plain, with a comma");
    check_decoded_rec(&rs.v[1], path, "a2", "she said \"hi\"\nand left");
    char want[4200];
    snprintf(want, sizeof want, "%s:6", path);
    check_decoded_rec(&rs.v[2], path, want, "two\r\nlines"); /* no id: path:line */
    check_decoded_rec(&rs.v[3], path, "a4", "last");
    check_fetch_any_order(r, &rs);
    nd_reader_free(r);
    recs_free(&rs);

    /* TSV: the same rules with a tab; gzip-compressed CSV. */
    const char *tsv = "url\ttext\n\"u\t1\"\t\"tab\there\"\nu2\tplain\n";
    char *tp = tu_write(dir, "t.tsv", tsv, strlen(tsv));
    rs = read_with(NULL, tp, NULL);
    ck_assert_uint_eq(rs.n, 2);
    check_decoded_rec(&rs.v[0], tp, "u\t1", "tab\there");
    check_decoded_rec(&rs.v[1], tp, "u2", "plain");
    recs_free(&rs);
    tu_sbuf gz = compress_as("gz", csv, strlen(csv));
    char *gp = tu_write(dir, "p.csv.gz", gz.p, gz.n);
    recs rz = read_with(NULL, gp, &r);
    ck_assert_uint_eq(rz.n, 4);
    check_decoded_rec(&rz.v[1], gp, "a2", "she said \"hi\"\nand left");
    check_fetch_any_order(r, &rz);
    nd_reader_free(r);
    recs_free(&rz);
    free(gz.p);
    free(gp);
    free(tp);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_columns)
{
    char *dir = tu_tmpdir();
    char longtext[400];
    memset(longtext, 'w', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    for (size_t i = 5; i < sizeof longtext - 1; i += 6)
        longtext[i] = ' ';
    tu_sbuf b = {0};
    tu_sb_puts(&b, "url,title,content\n");
    for (int i = 0; i < 3; i++) {
        char row[600];
        snprintf(row, sizeof row, "http://x/%d,Title %d,\"%s %d\"\n", i, i, longtext, i);
        tu_sb_puts(&b, row);
    }
    char *p = tu_write(dir, "c.csv", b.p, b.n);
    /* No "text" column: the only long one is taken, with a note naming it. */
    recs rs = read_with(NULL, p, NULL);
    ck_assert_uint_eq(rs.n, 4);
    ck_assert_int_eq(rs.v[0].kind, ND_REC_NOTE);
    ck_assert_uint_eq(rs.v[0].line, 1);
    ck_assert_msg(strstr(rs.v[0].message, "column 3, \"content\""), "%s", rs.v[0].message);
    ck_assert_uint_eq(rs.v[1].text_col, 2);
    ck_assert_uint_eq(rs.v[1].id_col, 0); /* url */
    char want[600];
    snprintf(want, sizeof want, "%s 2", longtext);
    check_decoded_rec(&rs.v[3], p, "http://x/2", want);
    recs_free(&rs);
    /* Named columns, in any case; a named column that is not there fails the file. */
    nd_reader_opts o = {.text_field = "TITLE", .id_field = "Content"};
    rs = read_with(&o, p, NULL);
    ck_assert_uint_eq(rs.n, 3);
    ck_assert_uint_eq(rs.v[0].text_col, 1);
    ck_assert_uint_eq(rs.v[0].id_col, 2);
    recs_free(&rs);
    nd_reader_opts bad = {.text_field = "body"};
    rs = read_with(&bad, p, NULL);
    ck_assert_uint_eq(rs.n, 1);
    check_error(&rs.v[0], p, ND_EFIELD);
    ck_assert_msg(strstr(rs.v[0].message, "no \"body\" column"), "%s", rs.v[0].message);
    ck_assert_msg(strstr(rs.v[0].message, "\"url\", \"title\", \"content\""), "%s",
                  rs.v[0].message);
    recs_free(&rs);
    /* Two long columns and no "text": the file is skipped with a message. */
    const char *two = "a,b\n";
    tu_sbuf t = {0};
    tu_sb_puts(&t, two);
    for (int i = 0; i < 2; i++) {
        tu_sb_puts(&t, longtext);
        tu_sb_puts(&t, ",");
        tu_sb_puts(&t, longtext);
        tu_sb_puts(&t, "\n");
    }
    char *tp = tu_write(dir, "two.csv", t.p, t.n);
    rs = read_with(NULL, tp, NULL);
    ck_assert_uint_eq(rs.n, 1);
    check_error(&rs.v[0], tp, ND_EFIELD);
    ck_assert_msg(strstr(rs.v[0].message, "more than one column of long text"), "%s",
                  rs.v[0].message);
    recs_free(&rs);
    /* A row short of the text column: the decoder says so. */
    const char *shortrow = "id,text\n1\n2,ok\n";
    char *sp = tu_write(dir, "short.csv", shortrow, strlen(shortrow));
    rs = read_with(NULL, sp, NULL);
    ck_assert_uint_eq(rs.n, 2);
    nd_decoder *d = NULL;
    ck_assert_int_eq(nd_decoder_create(NULL, &d), ND_OK);
    nd_record rec = {.kind = ND_REC_DOC,
                     .data = rs.v[0].data,
                     .len = rs.v[0].len,
                     .path = sp,
                     .line = 2,
                     .format = ND_INPUT_CSV,
                     .text_col = 1,
                     .id_col = 0};
    nd_doc doc;
    const char *msg;
    ck_assert_int_eq(nd_decode(d, &rec, &doc, &msg), ND_EFIELD);
    ck_assert_msg(strstr(msg, "the row has 1 field"), "%s", msg);
    nd_decoder_free(d);
    recs_free(&rs);
    free(b.p);
    free(t.p);
    free(p);
    free(tp);
    free(sp);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_bad_quotes)
{
    char *dir = tu_tmpdir();
    /* Line 3 opens a quote that a later field closes (line 5): the row is refused at the
     * closing quote and reading goes on at line 4; a quote that never closes (line 7)
     * costs its row only. */
    const char *csv = "id,text\n"
                      "a,one\n"
                      "b,\"two never closed\n"
                      "c,three\n"
                      "d,\"four\"\n"
                      "e,five\n"
                      "f,\"six\n"
                      "g,seven\n";
    char *p = tu_write(dir, "q.csv", csv, strlen(csv));
    recs rs = read_with(NULL, p, NULL);
    /* a, [error line 3], c, d, e, [error line 7], g */
    ck_assert_uint_eq(rs.n, 7);
    static const char *const ids[] = {"a", NULL, "c", "d", "e", NULL, "g"};
    static const uint64_t lines[] = {2, 3, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < rs.n; i++) {
        ck_assert_uint_eq(rs.v[i].line, lines[i]);
        if (!ids[i]) {
            check_error(&rs.v[i], p, ND_EFORMAT);
            continue;
        }
        ck_assert_int_eq(rs.v[i].kind, ND_REC_DOC);
        ck_assert_mem_eq(rs.v[i].data, ids[i], 1);
    }
    ck_assert_msg(strstr(rs.v[1].message, "malformed quoted field") &&
                      strstr(rs.v[1].message, "line 5"),
                  "%s", rs.v[1].message);
    ck_assert_msg(strstr(rs.v[5].message, "unbalanced quote"), "%s", rs.v[5].message);
    recs_free(&rs);
    free(p);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- WARC ----------------------------------------------------------------------------------- */

/* Appends a WARC record (CRLF header lines) with the given type, extra header lines (each
 * ending in CRLF) and block; clen_delta is added to the true Content-Length. Returns the
 * record's offset. */
static size_t warc_rec(tu_sbuf *b, const char *version, const char *type, const char *extra,
                       const char *block, long clen_delta)
{
    char h[1024];
    size_t at = b->n;
    snprintf(h, sizeof h,
             "%s\r\nWARC-Type: %s\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
             "WARC-Record-ID: <urn:uuid:%08zx-0000-0000-0000-000000000000>\r\n%s"
             "Content-Length: %ld\r\n\r\n",
             version, type, at, extra, (long)strlen(block) + clen_delta);
    tu_sb_puts(b, h);
    tu_sb_puts(b, block);
    tu_sb_puts(b, "\r\n\r\n");
    return at;
}

START_TEST(test_warc_records)
{
    tu_sbuf b = {0};
    warc_rec(&b, "WARC/1.0", "warcinfo", "Content-Type: application/warc-fields\r\n",
             "software: test\r\n", 0);
    size_t o1 = warc_rec(&b, "WARC/1.0", "conversion",
                         "WARC-Target-URI: http://a.example/1\r\nContent-Type: text/plain\r\n",
                         "First article.\nSecond line.", 0);
    warc_rec(&b, "WARC/1.1", "response",
             "WARC-Target-URI: http://a.example/1\r\nContent-Type: application/http\r\n",
             "HTTP/1.1 200 OK\r\n\r\n<html>hi</html>", 0);
    warc_rec(&b, "WARC/1.1", "request", "WARC-Target-URI: http://a.example/1\r\n",
             "GET / HTTP/1.1\r\n\r\n", 0);
    warc_rec(&b, "WARC/1.1", "metadata", "", "fetchTimeMs: 12\r\n", 0);
    size_t o2 = warc_rec(&b, "WARC/1.1", "resource",
                         "WARC-Target-URI: <file:///notes.txt>\r\nContent-Type: text/plain; "
                         "charset=utf-8\r\n",
                         "A resource in text.", 0);
    warc_rec(&b, "WARC/1.1", "resource", "Content-Type: image/jpeg\r\n", "\xff\xd8 not text", 0);
    size_t o3 = warc_rec(&b, "WARC/1.0", "conversion", "Content-Type: text/plain\r\n",
                         "No target URI: the record id names it.", 0);
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "a.warc", b.p, b.n);
    nd_reader *r = NULL;
    recs rs = read_with(NULL, path, &r);
    ck_assert_uint_eq(rs.n, 3);
    ck_assert_uint_eq(rs.v[0].offset, o1);
    ck_assert_uint_eq(rs.v[1].offset, o2);
    ck_assert_uint_eq(rs.v[2].offset, o3);
    ck_assert_uint_eq(rs.v[0].format, ND_INPUT_WARC);
    ck_assert_uint_eq(rs.v[0].line, 11); /* warcinfo: 7 header lines, 1 block line, 2 blank */
    check_decoded_rec(&rs.v[0], path, "http://a.example/1", "First article.\nSecond line.");
    check_decoded_rec(&rs.v[1], path, "file:///notes.txt", "A resource in text.");
    char want[64];
    snprintf(want, sizeof want, "urn:uuid:%08zx-0000-0000-0000-000000000000", o3);
    check_decoded_rec(&rs.v[2], path, want, "No target URI: the record id names it.");
    nd_input_counts c;
    nd_reader_counts(r, &c);
    ck_assert_uint_eq(c.warc_records, 8);
    ck_assert_uint_eq(c.warc_docs, 3);
    ck_assert_uint_eq(c.warc_skipped[ND_WARC_WARCINFO], 1);
    ck_assert_uint_eq(c.warc_skipped[ND_WARC_RESPONSE], 1);
    ck_assert_uint_eq(c.warc_skipped[ND_WARC_REQUEST], 1);
    ck_assert_uint_eq(c.warc_skipped[ND_WARC_METADATA], 1);
    ck_assert_uint_eq(c.warc_skipped[ND_WARC_RESOURCE], 1);
    ck_assert_str_eq(nd_warc_type_name(ND_WARC_METADATA), "metadata");
    check_fetch_any_order(r, &rs);
    nd_reader_free(r);
    recs_free(&rs);

    /* One gzip member per record (.warc.gz as crawlers write them): the same records. */
    tu_sbuf gz = {0};
    size_t at = 0;
    for (int k = 0; k < 8; k++) {
        const char *next = strstr(b.p + at + 1, "WARC/1.");
        size_t end = next ? (size_t)(next - b.p) : b.n;
        gz_member(&gz, b.p + at, end - at, 6);
        at = end;
    }
    char *gp = tu_write(dir, "a.warc.wet.gz", gz.p, gz.n);
    recs rg = read_with(NULL, gp, &r);
    ck_assert_uint_eq(rg.n, 3);
    ck_assert_uint_eq(rg.v[2].offset, o3);
    check_fetch_any_order(r, &rg);
    nd_reader_free(r);
    recs_free(&rg);
    free(gz.p);
    free(gp);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_warc_damaged)
{
    tu_sbuf b = {0};
    size_t o1 = warc_rec(&b, "WARC/1.0", "conversion", "WARC-Target-URI: http://x/1\r\n", "one", 0);
    size_t bad1 = warc_rec(&b, "WARC/1.0", "conversion", "WARC-Target-URI: http://x/2\r\n",
                           "two, too short", -5);
    size_t o3 =
        warc_rec(&b, "WARC/1.0", "conversion", "WARC-Target-URI: http://x/3\r\n", "three", 0);
    /* too long: it would swallow the next record, which must still be read */
    size_t bad2 =
        warc_rec(&b, "WARC/1.0", "conversion", "WARC-Target-URI: http://x/4\r\n", "four", 40);
    size_t o5 = warc_rec(&b, "WARC/1.0", "conversion", "WARC-Target-URI: http://x/5\r\n",
                         "five, a longer block than forty bytes of text", 0);
    size_t bad3 = b.n;
    tu_sb_puts(&b, "WARC/1.0\r\nWARC-Type: conversion\r\n\r\nno length\r\n\r\n");
    size_t bad4 = b.n;
    tu_sb_puts(&b, "WARC/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n"); /* no WARC-Type */
    /* LF-only line ends are read too. */
    size_t o6 = b.n;
    tu_sb_puts(&b, "WARC/1.1\nWARC-Type: conversion\nWARC-Target-URI: http://x/6\n"
                   "Content-Length: 3\n\nsix\n\n");
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "d.warc", b.p, b.n), *tp2;
    recs rs = read_with(NULL, path, NULL);
    ck_assert_uint_eq(rs.n, 8);
    static const int isdoc[] = {1, 0, 1, 0, 1, 0, 0, 1};
    size_t offs[] = {o1, bad1, o3, bad2, o5, bad3, bad4, o6};
    for (size_t i = 0; i < rs.n; i++) {
        ck_assert_uint_eq(rs.v[i].offset, offs[i]);
        if (isdoc[i]) {
            ck_assert_int_eq(rs.v[i].kind, ND_REC_DOC);
            continue;
        }
        check_error(&rs.v[i], path, ND_EFORMAT);
        ck_assert_uint_eq(rs.v[i].line, ND_NO_LINE);
    }
    ck_assert_msg(strstr(rs.v[1].message, "Content-Length (9) does not end it"), "%s",
                  rs.v[1].message);
    ck_assert_msg(strstr(rs.v[5].message, "without a Content-Length"), "%s", rs.v[5].message);
    ck_assert_msg(strstr(rs.v[6].message, "without a WARC-Type"), "%s", rs.v[6].message);
    check_decoded_rec(&rs.v[7], path, "http://x/6", "six");
    recs_free(&rs);

    /* Truncated inside a record: the records before it are kept. */
    size_t cut = (size_t)(strstr(b.p + o5, "five, a") - b.p) + 10; /* inside its block */
    char *tp = tu_write(dir, "t.warc", b.p, cut);
    rs = read_with(NULL, tp, NULL);
    ck_assert_uint_eq(rs.n, 5);
    check_error(&rs.v[4], tp, ND_EFORMAT);
    ck_assert_uint_eq(rs.v[4].offset, o5);
    ck_assert_msg(strstr(rs.v[4].message, "the file ends first"), "%s", rs.v[4].message);
    recs_free(&rs);
    tp2 = tu_write(dir, "h.warc", b.p, o5 + 30); /* inside its header */
    rs = read_with(NULL, tp2, NULL);
    ck_assert_uint_eq(rs.n, 5);
    ck_assert_uint_eq(rs.v[4].offset, o5);
    ck_assert_msg(strstr(rs.v[4].message, "WARC header without an end"), "%s", rs.v[4].message);
    recs_free(&rs);
    free(tp2);
    free(tp);
    /* A WARC file without an article (a crawl, not its WET) is not passed over silently. */
    tu_sbuf w = {0};
    warc_rec(&w, "WARC/1.1", "warcinfo", "", "x: y\r\n", 0);
    warc_rec(&w, "WARC/1.1", "response", "WARC-Target-URI: http://x/\r\n", "HTTP/1.1 200 OK", 0);
    char *wp = tu_write(dir, "crawl.warc", w.p, w.n);
    const char *hdr = "id,text\n";
    char *cp = tu_write(dir, "header.csv", hdr, strlen(hdr));
    const char *both[2] = {wp, cp};
    rs = read_paths(NULL, both, 2);
    ck_assert_uint_eq(rs.n, 2);
    ck_assert_int_eq(rs.v[0].kind, ND_REC_NOTE);
    ck_assert_msg(strstr(rs.v[0].message, "read 2 WARC records of other types"), "%s",
                  rs.v[0].message);
    ck_assert_int_eq(rs.v[1].kind, ND_REC_NOTE);
    ck_assert_str_eq(rs.v[1].message, "no rows after the header");
    recs_free(&rs);
    free(w.p);
    free(wp);
    free(cp);
    free(b.p);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---- out of memory -------------------------------------------------------------------------- */

START_TEST(test_oom_compressed)
{
    tu_sbuf plain = make_jsonl(200, 9);
    tu_sbuf g = compress_as("gz2", plain.p, plain.n);
    tu_sbuf z = compress_as("zst2", plain.p, plain.n);
    char *dir = tu_tmpdir();
    free(tu_write(dir, "a.jsonl.gz", g.p, g.n));
    free(tu_write(dir, "b.jsonl.zst", z.p, z.n));
    const char *csv = "url,title,content\n1,t,\"a \"\"quoted\"\"\nrow\"\n2,\"bad\n";
    free(tu_write(dir, "c.csv", csv, strlen(csv)));
    tu_sbuf w = {0};
    warc_rec(&w, "WARC/1.1", "warcinfo", "", "x: y\r\n", 0);
    warc_rec(&w, "WARC/1.1", "conversion", "WARC-Target-URI: http://x/\r\n", "some text", 0);
    warc_rec(&w, "WARC/1.1", "conversion", "", "wrong length", 3);
    warc_rec(&w, "WARC/1.1", "resource", "Content-Type: text/plain\r\n", "more text", 0);
    free(tu_write(dir, "d.warc", w.p, w.n));
    free(w.p);
    const char *paths[1] = {dir};
    recs want = read_paths(NULL, paths, 1);
    long n;
    int failures = 0;
    for (n = 0; n < 10000; n++) {
        nd_reader *r = NULL;
        ck_assert_int_eq(nd_reader_create(NULL, paths, 1, &r), ND_OK);
        recs got = {0};
        nd_alloc_fail_after(n);
        nd_record rec;
        nd_status st;
        while ((st = nd_reader_next(r, &rec)) == ND_OK)
            recs_push(&got, &rec);
        /* and fetch each document back */
        for (size_t i = 0; st == ND_END && i < got.n; i++) {
            if (got.v[i].kind != ND_REC_DOC) continue;
            nd_record out;
            nd_status f = nd_reader_fetch(r, got.v[i].source, got.v[i].offset, got.v[i].len,
                                          got.v[i].line, &out);
            if (f == ND_ENOMEM) st = f;
            if (f == ND_OK) ck_assert_mem_eq(out.data, got.v[i].data, got.v[i].len);
        }
        long used = nd_alloc_count();
        nd_alloc_fail_after(-1);
        nd_reader_free(r);
        if (st == ND_ENOMEM) {
            failures++;
            recs_free(&got);
            continue;
        }
        ck_assert_int_eq(st, ND_END);
        ck_assert_uint_eq(got.n, want.n);
        recs_free(&got);
        if (used <= n) break;
    }
    ck_assert_int_gt(failures, 0);
    ck_assert_int_lt(n, 10000);
    recs_free(&want);
    free(plain.p);
    free(g.p);
    free(z.p);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *formats_suite(void)
{
    Suite *s = suite_create("input_formats");
    TCase *tc = tcase_create("compressed");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_gzip_one_member);
    tcase_add_test(tc, test_gzip_members);
    tcase_add_test(tc, test_zstd_one_frame);
    tcase_add_test(tc, test_zstd_frames);
    tcase_add_test(tc, test_gzip_named_jsonl);
    tcase_add_test(tc, test_gzip_access_points);
    tcase_add_test(tc, test_zstd_large_frames);
    tcase_add_test(tc, test_zstd_mixed_frames);
    tcase_add_test(tc, test_compressed_text_and_stdin);
    tcase_add_test(tc, test_zstd_fetch_while_reading);
    tcase_add_test(tc, test_gzip_fetch_while_reading);
    suite_add_tcase(s, tc);

    tc = tcase_create("damaged");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_truncated_gzip);
    tcase_add_test(tc, test_truncated_zstd);
    tcase_add_test(tc, test_truncated_zstd_raw_block);
    tcase_add_test(tc, test_corrupt_zstd_frame);
    tcase_add_test(tc, test_corrupt_gzip);
    tcase_add_test(tc, test_fetch_changed_compressed);
    suite_add_tcase(s, tc);

    tc = tcase_create("csv");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_csv_quoting);
    tcase_add_test(tc, test_csv_columns);
    tcase_add_test(tc, test_csv_bad_quotes);
    suite_add_tcase(s, tc);

    tc = tcase_create("warc");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_add_test(tc, test_warc_records);
    tcase_add_test(tc, test_warc_damaged);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_unchecked_fixture(tc, tu_tmp_fixture_setup, tu_tmp_fixture_teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_oom_compressed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(formats_suite());
}
