/*
 * result.h - what a scan found: nd_scan_result, the seam every consumer reads.
 *
 * The report writers (report.h), and every command built on the library, read only this
 * result and the public API, never the scan's private state. It holds the documents read
 * (where each record is: source, line, byte offset, length, checksum; its signature), the
 * groups of near-duplicates with their representative and each member's similarity to it,
 * the verified pairs, each article's internal repeats (line ranges of doubled blocks,
 * repeated short lines), the paragraphs shared across articles with their places, and what
 * was skipped. A check against an archive index (index.h) gives the same result for its
 * batch, plus the archived documents it found near-duplicates or shared sentences in: they
 * come after the batch's documents, flagged `archived`, and groups, pairs and shared
 * paragraphs name them like any other document. Everything in it is owned by the result
 * and lives until nd_scan_result_free. Its arrays are sorted deterministically: the same input and options
 * give the same result, whatever the thread count or machine.
 */
#ifndef NEARDUP_RESULT_H
#define NEARDUP_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/options.h"
#include "neardup/status.h"

/* A document that was read and signed. */
typedef struct nd_doc_info {
    const char *id;    /* NUL-terminated */
    uint32_t source;   /* index into nd_scan_result.sources */
    uint64_t line;     /* 1-based line of the record's first byte in its source */
    uint64_t offset;   /* byte offset of the record in its source */
    uint64_t length;   /* bytes of the record: a whole text file, or one JSON line */
    uint64_t checksum; /* XXH3-64 of the record's bytes (a file that changed has others) */
    uint32_t ntokens;  /* words in the document */
    unsigned char archived; /* 1: a document of an archive index (check, index.h), not of the
                               input: id, source (the path it was added from), line and
                               ntokens as stored; offset, length and checksum 0 */
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

/* Something that was skipped (an error diagnostic), or a warning (a note that skipped
 * nothing: code ND_OK), kept for the report. line is ND_NO_LINE when none. */
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
    size_t candidates;     /* candidate pairs tested (see README, LSH) */
    size_t capped_buckets; /* LSH buckets of more than 128 documents */
    size_t refetched;      /* documents read again in pass 2 */
    unsigned threads;      /* worker threads used */
} nd_scan_stats;

typedef struct nd_scan_result {
    nd_scan_opts opts; /* the options in force (defaults filled in); on_diag and userdata
                          are NULL, the field names in decode are copies owned by the
                          result (NULL where the caller left the default) */
    nd_lsh_params lsh; /* the banding used */
    size_t ndocs;      /* documents read and signed, in input order, then the archived */
    nd_doc_info *docs;
    size_t narchived;  /* check: the archived documents, docs[ndocs - narchived ..]; 0 for a
                          scan. The input's documents are the first ndocs - narchived */
    const char *archive; /* check: the archive index's path; NULL for a scan */
    size_t archive_docs; /* check: documents the archive held */
    const uint32_t *signatures; /* ndocs * opts.perms MinHash values, document i's at
                                   i * opts.perms (all 0 for an archived document) */
    size_t nsources;
    const char **sources; /* paths of the files read ("<stdin>" for standard input), then the
                             paths the archived documents were added from */
    size_t nskipped;      /* documents or paths skipped (errors), in input order */
    nd_skip *skipped;
    size_t nwarnings;  /* notes that skipped nothing (ignored files, unfollowed links) */
    nd_skip *warnings; /* them, in input order */
    size_t ngroups;
    nd_group *groups; /* sorted by their earliest member */
    size_t npairs;
    nd_pair_sim *pairs; /* verified pairs, sorted by (a, b): those that joined each group
                           (size - 1 per group), or every pair of a group that reaches the
                           threshold with opts.all_pairs */
    size_t nrepeats;
    nd_doc_repeats *repeats; /* articles with internal repeats, in input order */
    size_t ndoubled;         /* articles whose repeats make a doubled body */
    size_t nshared;
    nd_shared_para *shared; /* sorted by first occurrence */
    nd_scan_stats stats;
    struct nd_result_mem *mem; /* what the result owns (private) */
} nd_scan_result;

ND_API void nd_scan_result_free(nd_scan_result *res); /* NULL is a no-op */

#endif
