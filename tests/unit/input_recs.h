/*
 * input_recs.h - helpers of the reader's unit tests (test_input.c, test_input_formats.c):
 * owned copies of records, reading a whole reader, and checks of one record.
 */
#ifndef NEARDUP_INPUT_RECS_H
#define NEARDUP_INPUT_RECS_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "neardup/input.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------------------- */

/* An owned copy of an nd_record. */
typedef struct srec {
    nd_record_kind kind;
    unsigned char json;
    char *data;
    size_t len;
    char *path;
    uint32_t source;
    uint64_t line, offset;
    nd_status status;
    char *message;
    unsigned char format;
    uint32_t text_col, id_col;
} srec;

typedef struct recs {
    srec *v;
    size_t n, cap;
} recs;

static inline char *dup_or_null(const char *s, size_t len)
{
    if (!s) return NULL;
    char *p = malloc(len + 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static inline void recs_push(recs *rs, const nd_record *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        ck_assert_ptr_nonnull(rs->v);
    }
    srec *c = &rs->v[rs->n++];
    c->kind = r->kind;
    c->json = r->json;
    c->data = r->kind == ND_REC_DOC ? dup_or_null(r->data, r->len) : NULL;
    c->len = r->len;
    c->path = dup_or_null(r->path, r->path ? strlen(r->path) : 0);
    c->source = r->source;
    c->line = r->line;
    c->offset = r->offset;
    c->status = r->status;
    c->message = dup_or_null(r->message, r->message ? strlen(r->message) : 0);
    c->format = r->format;
    c->text_col = r->text_col;
    c->id_col = r->id_col;
}

static inline void recs_free(recs *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].data);
        free(rs->v[i].path);
        free(rs->v[i].message);
    }
    free(rs->v);
    memset(rs, 0, sizeof *rs);
}

/* Reads every record of r (each call must return ND_OK) until ND_END. */
static inline recs drain_reader(nd_reader *r)
{
    recs rs = {0};
    nd_record rec;
    nd_status st;
    while ((st = nd_reader_next(r, &rec)) == ND_OK)
        recs_push(&rs, &rec);
    ck_assert_int_eq(st, ND_END);
    /* Stays at the end. */
    ck_assert_int_eq(nd_reader_next(r, &rec), ND_END);
    return rs;
}

static inline recs read_paths(const nd_reader_opts *opts, const char *const *paths, size_t n)
{
    nd_reader *r = NULL;
    ck_assert_int_eq(nd_reader_create(opts, paths, n, &r), ND_OK);
    recs rs = drain_reader(r);
    nd_reader_free(r);
    return rs;
}

static inline recs read_one(const nd_reader_opts *opts, const char *path)
{
    const char *paths[1] = {path};
    return read_paths(opts, paths, 1);
}

static inline char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static inline void make_dir(const char *dir, const char *name)
{
    char *p = join(dir, name);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    free(p);
}

static inline void write_str(const char *dir, const char *name, const char *s)
{
    free(tu_write(dir, name, s, strlen(s)));
}

static inline void check_doc(const srec *r, const char *path, const char *data, size_t len,
                             int json, uint64_t line, uint64_t offset)
{
    ck_assert_int_eq(r->kind, ND_REC_DOC);
    ck_assert_str_eq(r->path, path);
    ck_assert_int_eq(r->json, json);
    ck_assert_uint_eq(r->len, len);
    ck_assert_mem_eq(r->data, data, len);
    ck_assert_uint_eq(r->line, line);
    ck_assert_uint_eq(r->offset, offset);
}

static inline void check_error(const srec *r, const char *path, nd_status st)
{
    ck_assert_int_eq(r->kind, ND_REC_ERROR);
    ck_assert_str_eq(r->path, path);
    ck_assert_int_eq(r->status, st);
    ck_assert_ptr_nonnull(r->message);
    ck_assert_uint_gt(strlen(r->message), 0);
}

/* Fetches every document record of rs again and compares it with what pass 1 saw. */
static inline void check_fetch_all(nd_reader *r, const recs *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        const srec *c = &rs->v[i];
        if (c->kind != ND_REC_DOC) continue;
        nd_record out;
        ck_assert_int_eq(nd_reader_fetch(r, c->source, c->offset, c->len, c->line, &out), ND_OK);
        ck_assert_int_eq(out.kind, ND_REC_DOC);
        ck_assert_uint_eq(out.len, c->len);
        ck_assert_mem_eq(out.data, c->data, c->len);
        ck_assert_int_eq(out.json, c->json);
        ck_assert_str_eq(out.path, c->path);
        ck_assert_uint_eq(out.source, c->source);
        ck_assert_uint_eq(out.line, c->line);
        ck_assert_uint_eq(out.offset, c->offset);
        ck_assert_uint_eq(out.format, c->format);
        ck_assert_uint_eq(out.text_col, c->text_col);
        ck_assert_uint_eq(out.id_col, c->id_col);
    }
}

#endif
