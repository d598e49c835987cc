/*
 * paras.h - an article cut into paragraphs: the per-document structure the paragraph pass
 * works on.
 *
 * A paragraph is a non-empty line (ND_PARA_LINE, the default: scraped text puts one
 * paragraph per line) or a maximal run of non-blank lines (ND_PARA_BLOCK, for hard-wrapped
 * text). A line or block without a word is not a paragraph. A paragraph of fewer than
 * `short_words` words is a *short line* (a widget headline, "Global", "A"): its repeats
 * are counted on their own (repeats.h) and it never takes part in a doubled block or a
 * shared sentence. Paragraphs are mapped to the article's tokens through the tokens' byte
 * offsets, so the text is tokenised once for the whole article.
 *
 * nd_doc_paras holds one article's paragraphs and what the two passes over them add: its
 * internal repeats (repeats.h) and the sentences of its long paragraphs (sentences.h). One
 * per worker thread, reused from article to article. Private to neardup_core.
 */
#ifndef NEARDUP_PARAS_H
#define NEARDUP_PARAS_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "neardup/result.h"
#include "normalize.h"

#define ND_PARA_BANDS 8u /* LSH bands of a sentence (see sentences.h) */

/* One paragraph of a document. */
typedef struct nd_para {
    uint32_t first_line, last_line; /* 1-based, within the document's text */
    uint32_t start, end;            /* byte range in the text */
    uint32_t tok_first, ntok;       /* its tokens in the document's nd_tokens */
    uint64_t key;                   /* exact key: hash of the normalised word sequence */
    unsigned char is_short;
} nd_para;

/* A sentence of a long paragraph (for matching across articles, see sentences.h). */
typedef struct nd_sentence {
    uint32_t para;                /* index into nd_doc_paras.p */
    uint32_t start, end;          /* byte range in the text */
    uint64_t key;                 /* hash of its normalised word sequence */
    uint32_t band[ND_PARA_BANDS]; /* LSH band keys of its word set's MinHash */
    uint64_t bm[2];               /* map of its words (see link.h, nd_para_sketch) */
    size_t w_off;                 /* its words' ids: nd_doc_paras.wids[w_off .. w_off + w_n) */
    uint32_t w_n;
} nd_sentence;

/* A short line that occurs `count` >= 2 times in one document. */
typedef struct nd_short_repeat {
    uint32_t first_line; /* its first occurrence */
    uint32_t count;
    uint32_t para;      /* index of the first occurrence in nd_doc_paras.p */
    uint32_t lines_off; /* the first line of every copy: nd_doc_paras.short_lines[lines_off
                           .. lines_off + count), ascending */
} nd_short_repeat;

/* Everything the paragraph pass learns about one document. Zero it before first use; each
 * step resets what it fills; nd_doc_paras_clear frees everything. */
typedef struct nd_doc_paras {
    nd_para *p; /* the paragraphs, in text order */
    size_t n, cap;
    uint32_t words; /* words in all paragraphs */
    /* repeats.h: */
    nd_block_repeat *blocks;
    size_t nblocks, capblocks;
    nd_short_repeat *shorts; /* in order of first occurrence */
    size_t nshorts, capshorts;
    uint32_t *short_lines; /* the copies' lines of every short repeat, back to back */
    size_t nshort_lines, capshort_lines;
    uint32_t repeated_words; /* words in later copies of repeated long paragraphs */
    /* sentences.h: */
    nd_sentence *s; /* sentences of long paragraphs, in text order */
    size_t ns, caps;
    uint32_t *wids; /* the sentences' word ids (sentences.h), back to back */
    size_t nwids, capwids;
} nd_doc_paras;

void nd_doc_paras_clear(nd_doc_paras *d); /* frees everything; zero it again to reuse */

/* The end of the line starting at text[pos] (pos < len): the offset of its line break, or
 * len. A line ends at "\n", at "\r\n" (its "\r" stays inside the line, as white space) or at
 * a lone "\r" (old Mac text); *next receives where the next line starts. */
size_t nd_line_end(const char *text, size_t len, size_t pos, size_t *next);

/*
 * Cuts text[0..len) (already tokenised into toks, whose token hashes are th[0..toks->n))
 * into paragraphs with their exact keys and short flags, replacing what d held (its
 * repeats and sentences too). ND_OK or ND_ENOMEM.
 */
nd_status nd_paras_split(const nd_para_opts *o, const char *text, size_t len, const nd_tokens *toks,
                         const uint64_t *th, nd_doc_paras *d);

#endif
