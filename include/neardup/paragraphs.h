/*
 * paragraphs.h - repeated paragraphs: inside one article and across articles.
 *
 * A paragraph is a non-empty line (ND_PARA_LINE, the default: scraped text puts one
 * paragraph per line) or a maximal run of non-blank lines (ND_PARA_BLOCK, for hard-wrapped
 * text). A line or block without a word is not a paragraph. A paragraph of fewer than
 * `short_words` words is a *short line* (a widget headline, "Global", "A"): its repeats are
 * counted separately and it never takes part in a doubled block or a shared paragraph.
 *
 * Two paragraphs are the same when their normalised word sequences are identical (exact
 * key), or near-identical when the Jaccard similarity of their word-bigram sets is at
 * least `threshold`. Inside one article, candidates are the paragraphs that share an exact
 * key or a bigram of their *prefixes* (the smallest n - ceil(threshold * n) + 1 of their n
 * bigram hashes: two sets with Jaccard >= threshold always share one, so no pair is
 * missed), verified exactly.
 *
 * Across articles the unit is the *sentence* of a long paragraph (cut after . ! ? or an
 * ellipsis, optionally followed by closing quotes, then white space): syndicated text is
 * quoted sentence by sentence, with its attribution and neighbours changed, so whole
 * paragraphs rarely match while their sentences do. Two sentences match when their exact
 * keys are equal, or when the Jaccard similarity of their *word* sets is at least
 * `threshold`: a quote keeps its words but gains or loses one here and there ("... kata
 * pemimpin Rusia itu" / "... tersebut"), which costs a short sentence two bigrams per
 * change, so bigram sets would miss most quotes. Candidates come from MinHash LSH on the
 * word sets (ND_PARA_PERMS values in ND_PARA_BANDS bands of ND_PARA_ROWS) and are verified
 * exactly on the words' fingerprints; a paragraph is shared when one of its sentences is.
 *
 * nd_paragraphs_analyze() handles one document (thread-safe, per-thread scratch); the
 * cross-article grouping is nd_para_link() + nd_para_group() over every document's
 * sentence records.
 */
#ifndef NEARDUP_PARAGRAPHS_H
#define NEARDUP_PARAGRAPHS_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/cluster.h"
#include "neardup/lsh.h"
#include "neardup/minhash.h"
#include "neardup/normalize.h"
#include "neardup/shingle.h"
#include "neardup/status.h"

#define ND_PARA_PERMS 32u
#define ND_PARA_BANDS 8u
#define ND_PARA_ROWS 4u
#define ND_PARA_SEED UINT64_C(0x70617261677261) /* "paragra" */
#define ND_SENT_FP_MAX 1024u                    /* fingerprints kept per sentence */
#define ND_SENT_FP_SMALL 64u /* up to this many words, fingerprints stay in word order */

typedef enum nd_para_mode { ND_PARA_LINE = 0, ND_PARA_BLOCK } nd_para_mode;

typedef struct nd_para_opts {
    nd_para_mode mode;
    unsigned short_words; /* fewer words than this: a short line; default 4 */
    double threshold;     /* bigram Jaccard for near-identical paragraphs; default 0.8 */
    double doubled_share; /* share of repeated words that makes a "doubled body"; 0.4 */
    int want_sentences;   /* also cut long paragraphs into sentences (cross-article pass) */
} nd_para_opts;

void nd_para_opts_init(nd_para_opts *o);

/* One paragraph of a document. */
typedef struct nd_para {
    uint32_t first_line, last_line; /* 1-based, within the document's text */
    uint32_t start, end;            /* byte range in the text */
    uint32_t tok_first, ntok;       /* its tokens in the document's nd_tokens */
    uint32_t nbigrams;              /* word bigrams (distinct once sorted) */
    uint64_t key;                   /* exact key: hash of the normalised word sequence */
    unsigned char is_short;
    unsigned char sorted; /* its bigram set is sorted and unique */
} nd_para;

/* A sentence of a long paragraph (for matching across articles). */
typedef struct nd_sentence {
    uint32_t para;                /* index into nd_doc_paras.p */
    uint32_t start, end;          /* byte range in the text */
    uint64_t key;                 /* hash of its normalised word sequence */
    uint32_t band[ND_PARA_BANDS]; /* LSH band keys of its word set's MinHash */
    uint64_t bm[2];               /* bitmap of its fingerprints (see nd_para_sketch) */
    size_t fp_off; /* its word fingerprints: nd_doc_paras.fps[fp_off .. fp_off + fp_n) */
    uint32_t fp_n;
} nd_sentence;

/* Lines [a_first, a_last] appear again as [b_first, b_last] in the same document. */
typedef struct nd_block_repeat {
    uint32_t a_first, a_last, b_first, b_last;
    uint32_t nparas;         /* paragraphs in the block */
    uint32_t words;          /* words of the repeat (the later copy) */
    unsigned char identical; /* every paragraph pair identical (not just near) */
} nd_block_repeat;

/* A short line that occurs `count` >= 2 times in one document. */
typedef struct nd_short_repeat {
    uint32_t first_line; /* its first occurrence */
    uint32_t count;
    uint32_t para; /* index of the first occurrence in nd_doc_paras.p */
} nd_short_repeat;

/* Everything the paragraph pass learns about one document. Reuse across documents with
 * nd_doc_paras_clear only at the end; nd_paragraphs_analyze resets it. */
typedef struct nd_doc_paras {
    nd_para *p;
    size_t n, cap;
    nd_block_repeat *blocks;
    size_t nblocks, capblocks;
    nd_short_repeat *shorts;
    size_t nshorts, capshorts;
    nd_sentence *s; /* sentences of long paragraphs (want_sentences only) */
    size_t ns, caps;
    uint16_t *fps; /* the sentences' fingerprints (see nd_para_rec), back to back */
    size_t nfps, capfps;
    uint32_t words;          /* words in all paragraphs */
    uint32_t repeated_words; /* words in later copies of repeated long paragraphs */
    /* scratch */
    nd_u64s sets;    /* bigram sets of all paragraphs, back to back */
    size_t *set_off; /* n + 1 offsets into sets */
    size_t set_cap;
    nd_u64s tmp;
    nd_u64s pre;     /* a paragraph's prefix */
    nd_u64s cnt;     /* bigram occurrence counts (bytes) */
    uint32_t *match; /* scratch for block detection: 5 arrays of match_cap */
    size_t match_cap;
    uint64_t *tkey; /* hash table for block detection */
    uint32_t *tval;
    size_t tcap;
} nd_doc_paras;

void nd_doc_paras_clear(nd_doc_paras *d); /* frees everything; then zero it to reuse */

/*
 * Splits text[0..len) (already tokenised into toks, whose token hashes are th[0..toks->n))
 * into paragraphs and finds its internal repeats: doubled blocks (runs of consecutive
 * long paragraphs repeated later, identical or near-identical, each maximal run once, a
 * block repeated twice listed against its first occurrence) and repeated short lines.
 * mh must have ND_PARA_PERMS permutations (ND_PARA_SEED). ND_OK or ND_ENOMEM.
 */
nd_status nd_paragraphs_analyze(const nd_para_opts *o, const nd_minhash *mh, const char *text,
                                size_t len, const nd_tokens *toks, const uint64_t *th,
                                nd_doc_paras *out);

/* A sentence of some document, as kept for the cross-article pass: what the report needs
 * (24 bytes) ... */
typedef struct nd_para_rec {
    uint64_t key;
    uint32_t doc;
    uint32_t line;  /* first line of its paragraph */
    uint32_t start; /* byte range of the sentence in the document's text */
    uint32_t len;
} nd_para_rec;

/* ... and, besides its band keys, what testing a candidate pair needs, in 32 bytes: its document,
 * its word fingerprints (see nd_sent_fingerprints) at fp_off in a fingerprint array kept beside the
 * records, and a 128-bit map of them (bit fp & 127). A fingerprint of x whose bit y's map lacks is
 * not in y, so |x & y| <= n_x - popcount(bm_x & ~bm_y): most candidates are rejected on these 32
 * bytes, without reading a fingerprint. */
typedef struct nd_para_sketch {
    uint64_t bm[2];
    uint64_t fp_off;
    uint32_t doc;
    uint16_t fp_n;
    uint16_t pad;
} nd_para_sketch;

/* Exact test of two sentences by their word fingerprints (as nd_sent_fingerprints makes
 * them: without repeats, sorted when there are more than ND_SENT_FP_SMALL): Jaccard of the
 * two sets of 16-bit values >= threshold. (Two distinct words share a fingerprint with
 * probability 2^-16, which moves a 20-word sentence's Jaccard by about 0.005 at worst.) */
int nd_sent_similar(const uint16_t *a, size_t na, const uint16_t *b, size_t nb, double threshold);

/* The fingerprints (top 16 bits) of n word hashes, without repeats, into
 * out[0..min(n, ND_SENT_FP_MAX)), and their 128-bit map (bit fp & 127, see nd_para_sketch)
 * into bm; returns how many. Up to ND_SENT_FP_SMALL hashes (most sentences) they stay in
 * first-occurrence order, the map itself telling most new ones from repeats; beyond, they
 * are sorted, for a linear merge. */
size_t nd_sent_fingerprints(const uint64_t *hashes, size_t n, uint16_t *out, uint64_t bm[2]);

/* What nd_para_link reads: n records, their band keys (band b of record i at band[b][i]:
 * each band is read on its own), their sketches (best 32-byte aligned) and the fingerprint
 * array the sketches point into. */
typedef struct nd_para_input {
    const nd_para_rec *recs;
    const uint32_t *band[ND_PARA_BANDS];
    const nd_para_sketch *sk;
    size_t n;
    const uint16_t *fps;
} nd_para_input;

/* Groups of sentences shared by two or more documents: members of group g are
 * recs[member[start[g] .. start[g+1])], in record order; groups sorted by their first
 * member. identical[g] is 1 when all members have the same exact key. */
typedef struct nd_para_groups {
    size_t n;
    size_t *start;
    uint32_t *member;
    unsigned char *identical;
    uint32_t *ndocs; /* distinct documents in each group */
} nd_para_groups;

void nd_para_groups_clear(nd_para_groups *g);

/*
 * Step 1 of the cross-article pass: joins in uf (created for in->n) the records with equal
 * exact keys, and the pairs of records of different documents that share an LSH band and
 * whose fingerprint Jaccard is at least `threshold`. In a
 * large band bucket each record is paired with the bucket's first record and its
 * predecessor, so the work stays linear even for boilerplate in thousands of articles.
 * `threads` threads share the exact keys and the bands, and join in uf as they go, so a
 * candidate pair already joined is not verified. ND_OK or ND_ENOMEM.
 */
nd_status nd_para_link(const nd_para_input *in, double threshold, unsigned threads, nd_uf *uf);

/* Step 2: the components of uf that span two or more documents. ND_OK or ND_ENOMEM. */
nd_status nd_para_group(const nd_para_rec *recs, size_t n, nd_uf *uf, nd_para_groups *out);

#endif
