/*
 * options.h - what a scan is asked to do: its options, their defaults and limits.
 *
 * nd_scan_opts_init fills the defaults; every field says its range. The options in force
 * (defaults filled in) come back in the result (result.h), so a report can say what
 * produced it.
 */
#ifndef NEARDUP_OPTIONS_H
#define NEARDUP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/input.h"
#include "neardup/status.h"

#define ND_NGRAM_MAX 64u   /* longest word n-gram */
#define ND_PERMS_MAX 1024u /* most MinHash permutations */
#define ND_SET_MEMORY ((size_t)16 << 20) /* default nd_scan_opts.set_memory: 16 MiB */

/* What nd_scan looks for (nd_scan_opts.parts). */
#define ND_PART_GROUPS 1u   /* near-duplicate article groups */
#define ND_PART_BLOCKS 2u   /* doubled blocks inside an article */
#define ND_PART_SHORT 4u    /* repeated short lines inside an article */
#define ND_PART_SHARED 8u   /* paragraphs shared across articles */
#define ND_PART_ALL 15u     /* the four above (the default) */
#define ND_PART_METRICS 16u /* the Gopher repetition measures of every article (not in "all") */

/* How an article is cut into paragraphs. */
typedef enum nd_para_mode {
    ND_PARA_LINE = 0, /* every non-empty line (scraped text: one paragraph per line) */
    ND_PARA_BLOCK,    /* every maximal run of non-blank lines (hard-wrapped text) */
    ND_PARA_AUTO      /* the default: by block for a document that looks hard-wrapped
                         (nd_paras_hard_wrapped in src/paras.h: the rule is in the README),
                         by line for every other; decided per document */
} nd_para_mode;

/* The paragraph rules. */
typedef struct nd_para_opts {
    nd_para_mode mode;
    unsigned short_words;      /* fewer words than this: a short line; default 4 */
    double threshold;          /* Jaccard for near-identical paragraphs (of their word bigrams)
                                  and sentences (of their words); default 0.8 */
    double doubled_share;      /* share of repeated words that makes a "doubled body"; 0.4 */
    unsigned min_repeat_words; /* a run of at least this many words that appears again in
                                  the same paragraph is a repeat (a flattened doubled body);
                                  0 = not looked for; default 12 */
    int want_sentences;        /* also cut long paragraphs into sentences (set by nd_scan from
                                  parts) */
} nd_para_opts;

/* The Gopher repetition measures (Rae et al. 2021, table A1), as datatrove's
 * gopher_repetition_filter names them (nd_gopher_name), in this order. */
enum {
    ND_GOPHER_DUP_LINE_FRAC,      /* duplicate lines / lines */
    ND_GOPHER_DUP_PARA_FRAC,      /* duplicate paragraphs / paragraphs */
    ND_GOPHER_DUP_LINE_CHAR_FRAC, /* characters in duplicate lines / characters */
    ND_GOPHER_DUP_PARA_CHAR_FRAC, /* characters in duplicate paragraphs / characters */
    ND_GOPHER_TOP_2_GRAM,         /* characters of the most frequent 2-gram, 3-gram, 4-gram */
    ND_GOPHER_TOP_3_GRAM,
    ND_GOPHER_TOP_4_GRAM,
    ND_GOPHER_DUP_5_GRAMS, /* characters in duplicate 5-grams .. 10-grams / characters */
    ND_GOPHER_DUP_6_GRAMS,
    ND_GOPHER_DUP_7_GRAMS,
    ND_GOPHER_DUP_8_GRAMS,
    ND_GOPHER_DUP_9_GRAMS,
    ND_GOPHER_DUP_10_GRAMS,
    ND_GOPHER_N
};

/* Flagging articles whose measures exceed limits (--gopher). */
typedef struct nd_gopher_opts {
    int enabled;               /* flag articles (implies ND_PART_METRICS) */
    double limit[ND_GOPHER_N]; /* a measure above its limit flags the article; a negative
                                  limit is not checked. Defaults: the published ones, 0.30,
                                  0.30, 0.20, 0.20, 0.20, 0.18, 0.16, 0.15 .. 0.10 */
} nd_gopher_opts;

/* The name of measure i (< ND_GOPHER_N), as datatrove's metadata has it: "dup_line_frac",
 * "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac", "top_2_gram" .. "top_4_gram",
 * "duplicated_5_n_grams" .. "duplicated_10_n_grams"; NULL beyond. A static string. */
ND_API const char *nd_gopher_name(unsigned i);

/* The phases of a scan, in the order they run (nd_progress.phase). */
typedef enum nd_scan_phase {
    ND_PHASE_READ = 0,   /* pass 1: every document read, normalised and signed */
    ND_PHASE_CANDIDATES, /* LSH: candidate pairs from the signatures */
    ND_PHASE_VERIFY,     /* pass 2: the candidates read again and verified */
    ND_PHASE_SHARED      /* sentences linked across articles (shared paragraphs) */
} nd_scan_phase;

/* How far a scan is (nd_scan_opts.on_progress). */
typedef struct nd_progress {
    nd_scan_phase phase;
    uint64_t docs;                 /* documents done in this phase (read and signed in pass
                                      1; read again in pass 2) */
    uint64_t docs_total;           /* documents this phase will do; 0 when not known (pass 1
                                      cannot know before it has read everything) */
    uint64_t bytes;                /* pass 1: bytes of the records read so far; else 0 */
} nd_progress;

/* Receives progress on the thread that called nd_scan: at the start of each phase and
 * after each batch of about 1 MiB of records in the passes, so possibly hundreds of times
 * a second: a caller that draws something should limit how often. `p` is borrowed for the
 * call. The library itself never prints. */
typedef void (*nd_progress_fn)(const nd_progress *p, void *userdata);
/*
 * Which member of a group of near-duplicates is kept, the others being removed (clean.h):
 * the rule orders the members, and walking them in that order each is kept unless it is
 * near-identical to one kept before it (no chaining; see nd_member in result.h).
 */
typedef enum nd_keep_rule {
    ND_KEEP_LONGEST = 0, /* the representative: most words first, ties to the earliest */
    ND_KEEP_FIRST,       /* the earliest in input order first */
    ND_KEEP_LAST,        /* the latest in input order first */
    ND_KEEP_FIELD_MIN,   /* the smallest value of the JSON field decode.keep_field first:
                            numbers by value, strings byte-wise (ISO dates sort in time
                            order), a number before a string; documents without the field
                            (or with another type of value, or text files) last; ties to
                            the earliest */
    ND_KEEP_FIELD_MAX    /* the largest value first; the same otherwise */
} nd_keep_rule;

typedef struct nd_scan_opts {
    unsigned ngram;           /* word n-gram size, 1..ND_NGRAM_MAX; default 5 */
    unsigned perms;           /* MinHash permutations, 1..ND_PERMS_MAX; default 128 */
    double threshold;         /* Jaccard threshold, (0, 1]; default 0.8 */
    unsigned bands;           /* LSH bands; 0 = derived from threshold and perms */
    int verify_estimate;      /* 0: exact Jaccard of shingle sets; 1: signature estimate */
    int all_pairs;            /* 0: the result's pairs are those that joined each group (size
                                 - 1 per group); 1: every pair of a group that reaches the
                                 threshold (quadratic in the group's size) */
    double containment;       /* 0 (default): off; else also a pair whose containment
                                 |A n B| / min(|A|, |B|) of shingle sets is >= this, in
                                 (0, 1], is a near-duplicate pair (a truncated copy in its
                                 original): found by winnowing, verified exactly */
    unsigned threads;         /* worker threads; 0 = one per online CPU */
    nd_reader_opts input;     /* size limit, input format */
    nd_decode_opts decode;    /* JSON field names (borrowed for the call) */
    unsigned parts;           /* ND_PART_* bits; default ND_PART_ALL */
    nd_para_opts para;        /* paragraph rule and thresholds */
    size_t boilerplate_docs;  /* a shared paragraph in >= this many articles is
                                 boilerplate; default 5 */
    double boilerplate_share; /* ... or in >= this share of all articles (0 = off) */
    nd_keep_rule keep;        /* which member of a group is kept; default ND_KEEP_LONGEST.
                                 ND_KEEP_FIELD_* need decode.keep_field (else ND_EINVAL) */
    nd_gopher_opts gopher;    /* flags on the repetition measures (ND_PART_METRICS) */
    size_t set_memory;        /* about how many bytes of exact shingle sets verification
                                 holds at once (candidate components are verified a batch at
                                 a time); 0 = default (ND_SET_MEMORY). Changes memory and
                                 time, never the result */
    int drop_signatures;      /* 1: free the signatures once LSH has used them when nothing
                                 after needs them (exact verification, no containment): the
                                 result's signatures are then NULL. 0 (default): kept */
    nd_diag_fn on_diag;       /* may be NULL */
    nd_progress_fn on_progress; /* may be NULL */
    void *userdata;           /* passed to on_diag and on_progress */
    const struct nd_dist *dist; /* pass 1 split across processes (dist.h); NULL: one */
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

#endif
