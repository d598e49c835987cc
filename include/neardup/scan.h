/*
 * scan.h - the whole pipeline over a set of paths, nd_scan(), and its result: the seam every
 * consumer reads.
 *
 *   read -> decode -> normalise -> shingle -> MinHash -> LSH -> verify -> cluster
 *                                  \-> paragraphs: repeats inside an article, and sentences
 *                                      shared across articles
 *
 * Pass 1 streams every document once and keeps its signature (4 * perms bytes), its id and
 * where it came from. LSH turns the signatures into candidate pairs; pass 2 reads again
 * just the candidate documents, builds their exact shingle sets and verifies the
 * candidates; union-find makes the groups. The paragraph pass runs on the same workers in
 * pass 1: each article's internal repeats are found there, and the sentences of its long
 * paragraphs are kept as small records (exact key, band keys of a 32-value MinHash of their
 * word set, word fingerprints) that are linked across articles after the groups are made.
 *
 * The result (nd_scan_result) is the one documented seam: the report writers, and every
 * command built on the library, read only it and the public API, never the scan's private
 * state. Everything in it is owned by the result and lives until nd_scan_result_free. Its
 * arrays are sorted deterministically: the same input and options give the same result,
 * whatever the thread count or machine.
 */
#ifndef NEARDUP_SCAN_H
#define NEARDUP_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/input.h"
#include "neardup/status.h"

#define ND_NGRAM_MAX 64u  /* longest word n-gram */
#define ND_PERMS_MAX 1024u /* most MinHash permutations */

/* What nd_scan looks for (nd_scan_opts.parts). */
#define ND_PART_GROUPS 1u /* near-duplicate article groups */
#define ND_PART_BLOCKS 2u /* doubled blocks inside an article */
#define ND_PART_SHORT 4u  /* repeated short lines inside an article */
#define ND_PART_SHARED 8u /* paragraphs shared across articles */
#define ND_PART_ALL 15u

/* How an article is cut into paragraphs. */
typedef enum nd_para_mode {
    ND_PARA_LINE = 0, /* every non-empty line (scraped text: one paragraph per line) */
    ND_PARA_BLOCK     /* every maximal run of non-blank lines (hard-wrapped text) */
} nd_para_mode;

/* The paragraph rules. */
typedef struct nd_para_opts {
    nd_para_mode mode;
    unsigned short_words; /* fewer words than this: a short line; default 4 */
    double threshold;     /* Jaccard for near-identical paragraphs (of their word bigrams)
                             and sentences (of their words); default 0.8 */
    double doubled_share; /* share of repeated words that makes a "doubled body"; 0.4 */
    int want_sentences;   /* also cut long paragraphs into sentences (set by nd_scan from
                             parts) */
} nd_para_opts;

typedef struct nd_scan_opts {
    unsigned ngram;           /* word n-gram size, 1..ND_NGRAM_MAX; default 5 */
    unsigned perms;           /* MinHash permutations, 1..ND_PERMS_MAX; default 128 */
    double threshold;         /* Jaccard threshold, (0, 1]; default 0.8 */
    unsigned bands;           /* LSH bands; 0 = derived from threshold and perms */
    int verify_estimate;      /* 0: exact Jaccard of shingle sets; 1: signature estimate */
    unsigned threads;         /* worker threads; 0 = one per online CPU */
    nd_reader_opts input;     /* size limit, input format */
    nd_decode_opts decode;    /* JSON field names (borrowed for the call) */
    unsigned parts;           /* ND_PART_* bits; default ND_PART_ALL */
    nd_para_opts para;        /* paragraph rule and thresholds */
    size_t boilerplate_docs;  /* a shared paragraph in >= this many articles is
                                 boilerplate; default 5 */
    double boilerplate_share; /* ... or in >= this share of all articles (0 = off) */
    nd_diag_fn on_diag;       /* may be NULL */
    void *userdata;           /* passed to on_diag */
} nd_scan_opts;

/* Fills opts with the defaults above. */
ND_API void nd_scan_opts_init(nd_scan_opts *opts);
/* Fills o with the default paragraph rules. */
ND_API void nd_para_opts_init(nd_para_opts *o);

/* LSH banding: `bands` bands of `rows` signature values each. */
typedef struct nd_lsh_params {
    unsigned bands;
    unsigned rows;
} nd_lsh_params;

/* A document that was read and signed. */
typedef struct nd_doc_info {
    const char *id;    /* NUL-terminated */
    uint32_t source;   /* index into nd_scan_result.sources */
    uint64_t line;     /* 1-based line of the record's first byte in its source */
    uint64_t offset;   /* byte offset of the record in its source */
    uint64_t length;   /* bytes of the record: a whole text file, or one JSON line */
    uint64_t checksum; /* XXH3-64 of the record's bytes (a file that changed has others) */
    uint32_t ntokens;  /* words in the document */
} nd_doc_info;

/* A group member and its exact similarity to the group's representative. */
typedef struct nd_member {
    uint32_t doc;        /* index into docs */
    double jaccard;      /* J(member, representative); 1 for the representative */
    double containment;  /* |member n representative| / |member| */
    const char *snippet; /* the start of the text on one line */
} nd_member;

/* A group of near-duplicate documents. */
typedef struct nd_group {
    size_t nmembers;    /* >= 2 */
    nd_member *members; /* members[0] is the representative (the longest, ties to the
                           earliest), then the others in input order */
} nd_group;

/* A verified pair, a before b in input order. */
typedef struct nd_pair_sim {
    uint32_t a, b;
    double jaccard;   /* exact, or the signature estimate with verify_estimate */
    double contain_a; /* |A n B| / |A| (exact mode), else -1 */
    double contain_b; /* |A n B| / |B| (exact mode), else -1 */
} nd_pair_sim;

/* Something that was skipped (an error diagnostic), kept for the report. */
typedef struct nd_skip {
    const char *path;
    uint64_t line; /* 0 when it concerns a whole file */
    nd_status code;
    const char *message;
} nd_skip;

/* Lines [a_first, a_last] appear again as [b_first, b_last] in the same document. */
typedef struct nd_block_repeat {
    uint32_t a_first, a_last, b_first, b_last;
    uint32_t nparas;         /* paragraphs in the block */
    uint32_t words;          /* words of the repeat (the later copy) */
    unsigned char identical; /* every paragraph pair identical (not just near) */
} nd_block_repeat;

/* A line repeated inside one article: a short line (widget, label) seen `count` times. */
typedef struct nd_short_line {
    uint32_t first_line;
    uint32_t count;
    const char *text; /* the line, on one line */
} nd_short_line;

/* An article's internal repeats. */
typedef struct nd_doc_repeats {
    uint32_t doc;
    uint32_t words;          /* words in the article's paragraphs */
    uint32_t repeated_words; /* words in later copies of repeated paragraphs */
    int doubled;             /* repeated_words >= doubled_share * words */
    size_t nblocks;
    nd_block_repeat *blocks; /* sorted by their first copy's line */
    const char **block_text; /* start of each block's first paragraph */
    size_t nshort;
    nd_short_line *shorts; /* in order of first occurrence */
} nd_doc_repeats;

/* One occurrence of a shared paragraph. */
typedef struct nd_para_place {
    uint32_t doc;
    uint32_t line;
} nd_para_place;

/* A paragraph found in two or more articles (not all in one near-duplicate group). */
typedef struct nd_shared_para {
    size_t nplaces;
    nd_para_place *places; /* sorted by document, then line */
    uint32_t ndocs;        /* distinct articles */
    int identical;         /* all occurrences identical after normalisation */
    int boilerplate;       /* ndocs reaches the boilerplate limit */
    const char *text;      /* the first occurrence, on one line */
} nd_shared_para;

/* Where the time went (seconds of wall time) and what the stages saw. */
typedef struct nd_scan_stats {
    double t_pass1;        /* read + decode + normalise + shingle + sign, all documents */
    double t_lsh;          /* banding and candidate pairs */
    double t_pass2;        /* re-read + normalise + shingle + sort the candidates' sets */
    double t_verify;       /* exact Jaccard of candidate pairs */
    double t_cluster;      /* union-find, representatives, similarities */
    double t_shared;       /* grouping paragraphs across articles, and their texts: */
    double t_link;         /* ... of which linking similar sentences */
    double t_texts;        /* ... and reading the shared sentences' texts */
    size_t paragraphs;     /* sentences of long paragraphs kept for the cross-article pass */
    uint64_t bytes;        /* bytes of document records read in pass 1 */
    size_t candidates;     /* candidate pairs from LSH, after de-duplication */
    size_t capped_buckets; /* buckets larger than the cap (see README, LSH) */
    size_t refetched;      /* documents read again in pass 2 */
    unsigned threads;      /* worker threads used */
} nd_scan_stats;

typedef struct nd_scan_result {
    nd_scan_opts opts;  /* the options in force (defaults filled in; no callback) */
    nd_lsh_params lsh;  /* the banding used */
    size_t ndocs;       /* documents read and signed, in input order */
    nd_doc_info *docs;
    const uint32_t *signatures; /* ndocs * opts.perms MinHash values, document i's at
                                   i * opts.perms */
    size_t nsources;
    const char **sources; /* paths of the files read ("<stdin>" for standard input) */
    size_t nskipped;      /* documents or paths skipped (errors), in input order */
    nd_skip *skipped;
    size_t nwarnings; /* notes that skipped nothing */
    size_t ngroups;
    nd_group *groups; /* sorted by their earliest member */
    size_t npairs;
    nd_pair_sim *pairs; /* verified pairs, sorted by (a, b) */
    size_t nrepeats;
    nd_doc_repeats *repeats; /* articles with internal repeats, in input order */
    size_t ndoubled;         /* articles whose repeats make a doubled body */
    size_t nshared;
    nd_shared_para *shared; /* sorted by first occurrence */
    nd_scan_stats stats;
    struct nd_result_mem *mem; /* what the result owns (private) */
} nd_scan_result;

/*
 * Runs the pipeline over paths[0..npaths). On ND_OK *out is a result to free with
 * nd_scan_result_free. Bad input is never a failure: it is reported through on_diag and
 * listed in skipped. Failures: ND_EINVAL (an option out of range, no path), ND_ENOMEM,
 * ND_EIO (a document vanished between the passes), ND_ECHANGED (an input changed during
 * the run).
 */
ND_API nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                         nd_scan_result **out);
ND_API void nd_scan_result_free(nd_scan_result *res); /* NULL is a no-op */

#endif
