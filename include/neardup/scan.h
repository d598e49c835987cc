/*
 * scan.h - the whole pipeline over a set of paths: nd_scan().
 *
 *   read -> decode -> normalise -> shingle -> MinHash -> LSH -> verify -> cluster
 *
 * Pass 1 streams every document once and keeps only its signature (4 * perms bytes), its
 * id and where it came from. LSH turns the signatures into candidate pairs. Pass 2 reads
 * again just the documents that are candidates (or group members), rebuilds their exact
 * shingle sets and verifies every candidate pair (or, with verify_estimate, trusts the
 * signature estimate). Union-find makes the groups.
 *
 * The paragraph pass (opts.parts) runs on the same workers during pass 1: each article's
 * internal repeats are found there (paragraphs.h), and the sentences of its long paragraphs
 * are kept as small records (key, 40 signature values, bigram fingerprints) that are
 * grouped across articles after clustering; sharing that only one near-duplicate group has
 * is left out.
 *
 * The reading, normalising, shingling and signing of both passes runs on `threads` worker
 * threads over batches of documents; results are committed in input order, so the output
 * is byte-identical whatever the thread count. nd_scan() never prints: diagnostics go to
 * the caller's callback, in input order, on the calling thread.
 */
#ifndef NEARDUP_SCAN_H
#define NEARDUP_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/input.h"
#include "neardup/lsh.h"
#include "neardup/paragraphs.h"
#include "neardup/status.h"

/* What nd_scan looks for (nd_scan_opts.parts). */
#define ND_PART_GROUPS 1u /* near-duplicate article groups */
#define ND_PART_BLOCKS 2u /* doubled blocks inside an article */
#define ND_PART_SHORT 4u  /* repeated short lines inside an article */
#define ND_PART_SHARED 8u /* paragraphs shared across articles */
#define ND_PART_ALL 15u

typedef struct nd_scan_opts {
    unsigned ngram;           /* word n-gram size, 1..ND_NGRAM_MAX; default 5 */
    unsigned perms;           /* MinHash permutations, 1..ND_PERMS_MAX; default 128 */
    double threshold;         /* Jaccard threshold, (0, 1]; default 0.8 */
    unsigned bands;           /* LSH bands; 0 = derived from threshold and perms */
    int verify_estimate;      /* 0: exact Jaccard of shingle sets; 1: signature estimate */
    unsigned threads;         /* worker threads; 0 = one per online CPU */
    nd_reader_opts input;     /* size limit, input format */
    nd_decode_opts decode;    /* JSON field names */
    unsigned parts;           /* ND_PART_* bits; default ND_PART_ALL */
    nd_para_opts para;        /* paragraph rule and thresholds */
    size_t boilerplate_docs;  /* a shared paragraph in >= this many articles is
                                 boilerplate; default 5 */
    double boilerplate_share; /* ... or in >= this share of all articles (0 = off) */
    nd_diag_fn on_diag;       /* may be NULL */
    void *userdata;           /* passed to on_diag */
} nd_scan_opts;

/* Fills opts with the defaults above. */
void nd_scan_opts_init(nd_scan_opts *opts);

typedef struct nd_doc_info {
    const char *id;   /* NUL-terminated, owned by the result */
    uint32_t source;  /* index into nd_scan_result.sources */
    uint64_t line;    /* 1-based line of the document in its source */
    uint32_t ntokens; /* words in the document */
} nd_doc_info;

/* A group member and its exact similarity to the group's representative. */
typedef struct nd_member {
    uint32_t doc;        /* index into docs */
    double jaccard;      /* J(member, representative); 1 for the representative */
    double containment;  /* |member n representative| / |member| */
    const char *snippet; /* the start of the text on one line, owned by the result */
} nd_member;

typedef struct nd_group {
    size_t nmembers;    /* >= 2 */
    nd_member *members; /* members[0] is the representative */
} nd_group;

/* A verified pair, a before b in input order. */
typedef struct nd_pair_sim {
    uint32_t a, b;
    double jaccard;   /* exact, or the signature estimate with verify_estimate */
    double contain_a; /* |A n B| / |A| (exact mode), else -1 */
    double contain_b; /* |A n B| / |B| (exact mode), else -1 */
} nd_pair_sim;

/* Something that was skipped (an error diagnostic), or a warning (a note that skipped
 * nothing: code ND_OK), kept for the report. line is ND_NO_LINE when none. */
typedef struct nd_skip {
    const char *path;
    uint64_t line;
    nd_status code;
    const char *message;
} nd_skip;

/* A line repeated inside one article: a short line (widget, label) seen `count` times. */
typedef struct nd_short_line {
    uint32_t first_line;
    uint32_t count;
    const char *text; /* the line, on one line, owned by the result */
} nd_short_line;

/* An article's internal repeats. */
typedef struct nd_doc_repeats {
    uint32_t doc;
    uint32_t words;          /* words in the article's paragraphs */
    uint32_t repeated_words; /* words in later copies of repeated paragraphs */
    int doubled;             /* repeated_words >= doubled_share * words */
    size_t nblocks;
    nd_block_repeat *blocks; /* lines a_first..a_last repeat as b_first..b_last */
    const char **block_text; /* start of each block's first paragraph */
    size_t nshort;
    nd_short_line *shorts;
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
    double t_link;         /* ... of which linking similar sentences (nd_para_link) */
    double t_texts;        /* ... and reading the shared sentences' texts */
    size_t paragraphs;     /* long paragraphs kept for the cross-article pass */
    uint64_t bytes;        /* bytes of document records read in pass 1 */
    size_t candidates;     /* candidate pairs from LSH, after de-duplication */
    size_t capped_buckets; /* buckets larger than the cap (see lsh.h) */
    size_t refetched;      /* documents read again in pass 2 */
    unsigned threads;      /* worker threads used */
} nd_scan_stats;

typedef struct nd_scan_result {
    nd_scan_opts opts; /* the options in force (defaults filled in); on_diag and userdata
                          are NULL, the field names in decode are copies owned by the
                          result (NULL where the caller left the default) */
    nd_lsh_params lsh; /* the banding used */
    size_t ndocs;      /* documents read and signed */
    nd_doc_info *docs;
    size_t nsources;
    const char **sources; /* paths of the files read */
    size_t nskipped;      /* documents or paths skipped (errors) */
    nd_skip *skipped;
    size_t nwarnings;  /* notes that skipped nothing (ignored files, unfollowed links) */
    nd_skip *warnings; /* them, in input order */
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
    struct nd_scan_priv *priv; /* owned memory */
} nd_scan_result;

/*
 * Runs the pipeline over paths[0..npaths). On ND_OK *out is a result to free with
 * nd_scan_result_free. Bad input is never a failure: it is reported through on_diag and
 * listed in skipped. Failures: ND_EINVAL (an option out of range, no path), ND_ENOMEM,
 * ND_EIO (a document vanished between the passes), ND_ECHANGED (an input changed during
 * the run).
 */
nd_status nd_scan(const nd_scan_opts *opts, const char *const *paths, size_t npaths,
                  nd_scan_result **out);
void nd_scan_result_free(nd_scan_result *res); /* NULL is a no-op */

#endif
