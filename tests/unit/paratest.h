/*
 * paratest.h - helpers shared by the unit tests of the paragraph pass (see paratest.c).
 */
#ifndef NEARDUP_PARATEST_H
#define NEARDUP_PARATEST_H

#include <check.h>
#include <stdint.h>

#include "minhash.h"
#include "neardup/scan.h"
#include "normalize.h"
#include "paras.h"
#include "repeats.h"
#include "sentences.h"
#include "testutil.h"

#define SEED0 "data/000_beebcc9d70568a44.txt"
#define SEED1 "data/001_038cac575548727a.txt"
#define SEED2 "data/002_a894bd07f7f79a4f.txt"
#define SEED4 "data/004_7112fbb0957666e0.txt"

/* The lines of a seed article (1-based: v[1] is line 1), without their newlines. */
typedef struct seed_lines {
    char *buf;
    char **v;
    size_t n; /* lines; v[1..n] */
} seed_lines;

/* One text analysed: its tokens, token hashes and paragraph findings. */
typedef struct para_run {
    const char *text;
    size_t len;
    nd_tokens toks;
    nd_u64s th; /* token hashes (nd_shingle_hashes' scratch) */
    nd_u64s sh;
    nd_minhash *mh;
    nd_words *words; /* the dictionary of its sentences' words */
    nd_doc_paras dp;
} para_run;

/* s and a newline. */
void sb_line(tu_sbuf *b, const char *s);

/* Reads the seed article `rel` (under the source tree) by lines. */
seed_lines read_seed(const char *rel);

void free_seed(seed_lines *s); /* frees what read_seed made */

/* Counts the whitespace-separated words of s. */
size_t ws_words(const char *s);

/* s with its whitespace-separated word number `idx` (0-based) replaced by `repl`. */
char *replace_word(const char *s, size_t idx, const char *repl);

/* Tokenises text and hashes its tokens, as a scan does; dp stays empty. */
void prepare(para_run *r, const char *text, size_t len);

/* The paragraph pass over r's text into dp, as a scan runs it: paragraphs, sentences (when
 * o->want_sentences), repeats. */
nd_status run_analyze(para_run *r, const nd_para_opts *o, nd_doc_paras *dp);

/* prepare + run_analyze with options o (NULL: the defaults). */
void analyze(para_run *r, const nd_para_opts *o, const char *text, size_t len);

void run_clear(para_run *r); /* frees what prepare and analyze made */

/* 1-based line of byte `off` of text. */
uint32_t line_of(const char *text, size_t off);

/* Words (tokens) of lines first..last, from the tokens' byte offsets. */
uint32_t words_in_lines(const para_run *r, uint32_t first, uint32_t last);

/* Does paragraph i's text begin with `prefix`? */
int para_starts(const para_run *r, size_t i, const char *prefix);

/* Asserts block k of the run: lines af..al repeat as bf..bl, np paragraphs. */
void expect_block(const para_run *r, size_t k, uint32_t af, uint32_t al, uint32_t bf, uint32_t bl,
                  uint32_t np, int identical);

/* qsort comparator of uint64_t. */
int u64_cmp(const void *a, const void *b);

/* Asserts that two lists of block repeats are the same, field by field (not memcmp: the
 * struct has padding). */
void same_blocks(const nd_block_repeat *x, const nd_block_repeat *y, size_t n);

/* Sorts v[0..n) and drops repeats; returns the new length. */
size_t sort_unique(uint64_t *v, size_t n);

/* Asserts that sentence k's word ids stand for exactly its distinct words (compared as bytes
 * here), in first-occurrence order, or sorted when the sentence has more than
 * ND_SENT_FP_SMALL words, and that its map has exactly their bits. */
void check_words(const para_run *r, const nd_doc_paras *dp, size_t k);

/* Asserts that two lists of short repeats are the same. */
void same_shorts(const nd_short_repeat *x, const nd_short_repeat *y, size_t n);

/* The next xorshift64 value of state x. */
uint64_t rng_next(uint64_t *x);

#endif
