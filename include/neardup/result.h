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
 *
 * It also carries what `clean` (clean.h) needs to rewrite the input without a scan of its
 * own: each source's format and state when read (source_info), which members of each group
 * the keep rule keeps and which kept document each removed one duplicates (nd_member), the
 * line of every copy of a repeated short line, and where each skipped record was (nd_skip).
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

/*
 * A group member, its exact similarity to the group's representative, and what the keep
 * rule (nd_scan_opts.keep) makes of it. The rule orders the members; walking them in that
 * order with a list K of kept documents (K starts with the first), a member whose exact
 * Jaccard with some k in K reaches the threshold is removed as a duplicate of the first
 * such k, otherwise it joins K. There is no chaining: every removed member is within the
 * threshold of the kept document it names (a chain A~B~C with A and C far apart keeps A
 * and C). In estimate mode too, the Jaccard here is exact.
 */
typedef struct nd_member {
    uint32_t doc;           /* index into docs */
    double jaccard;         /* J(member, representative); 1 for the representative */
    double containment;     /* |member n representative| / |member| */
    const char *snippet;    /* the start of the text on one line */
    int kept;               /* 1: kept; 0: removed as a near-duplicate of dup_of */
    uint32_t dup_of;        /* removed: the kept document it duplicates (index into docs, a
                               member of the same group); kept: doc */
    double dup_jaccard;     /* removed: exact J(member, dup_of) >= the threshold; kept: 1 */
    double dup_containment; /* removed: |member n dup_of| / |member|; kept: 1 */
    uint32_t keep_rank;     /* the member's place in the keep rule's order, 0 first */
} nd_member;

/* A group of near-duplicate documents. */
typedef struct nd_group {
    size_t nmembers;    /* >= 2 */
    nd_member *members; /* members[0] is the representative (the longest, ties to the
                           earliest), then the others in input order */
    size_t nkept;       /* members the keep rule keeps: 1, or more when members chain */
} nd_group;

/* A verified pair, a before b in input order. */
typedef struct nd_pair_sim {
    uint32_t a, b;
    double jaccard;   /* exact, or the signature estimate with verify_estimate */
    double contain_a; /* |A n B| / |A| (exact mode), else -1 */
    double contain_b; /* |A n B| / |B| (exact mode), else -1 */
} nd_pair_sim;

#define ND_NO_SOURCE UINT32_MAX

/* Something that was skipped (an error diagnostic), or a warning (a note that skipped
 * nothing: code ND_OK), kept for the report. line is ND_NO_LINE when none. */
typedef struct nd_skip {
    const char *path;
    uint64_t line; /* 0 when it concerns a whole file */
    nd_status code;
    const char *message;
    uint32_t source; /* index into sources, or ND_NO_SOURCE (a path that was never read: a
                        missing file, an unreadable directory, a note) */
    uint64_t offset; /* a skipped JSON Lines record: the byte offset of its line in the
                        source, and `line` is that line; ND_NO_OFFSET when the whole source
                        was skipped (an empty, binary or unreadable file, a text file) */
} nd_skip;

/* Lines [a_first, a_last] appear again as [b_first, b_last] in the same document. */
typedef struct nd_block_repeat {
    uint32_t a_first, a_last, b_first, b_last;
    uint32_t nparas;         /* paragraphs in the block */
    uint32_t words;          /* words of the repeat (the later copy) */
    unsigned char identical; /* every paragraph pair identical (not just near) */
} nd_block_repeat;

/* Words [a_first, a_last] of one paragraph appear again as [b_first, b_last] in the same
 * paragraph (a page flattened onto one line with its body twice). Words are numbered from 1
 * within the paragraph, which is identified by its first line; a_last < b_first. */
typedef struct nd_run_repeat {
    uint32_t line; /* the paragraph's first line */
    uint32_t a_first, a_last, b_first, b_last;
    uint32_t words; /* words of the run: b_last - b_first + 1 */
} nd_run_repeat;

/* A line repeated inside one article: a short line (widget, label) seen `count` times. */
typedef struct nd_short_line {
    uint32_t first_line;
    uint32_t count;
    const char *text;      /* the line, on one line */
    const uint32_t *lines; /* the first line of each of the count copies, ascending
                              (lines[0] == first_line) */
} nd_short_line;

/* An article's internal repeats. */
typedef struct nd_doc_repeats {
    uint32_t doc;
    uint32_t words;          /* words in the article's paragraphs */
    uint32_t repeated_words; /* words in later copies of repeated paragraphs and of runs
                                repeated inside a paragraph (each word once) */
    int doubled;             /* repeated_words >= doubled_share * words */
    size_t nblocks;
    nd_block_repeat *blocks; /* sorted by their first copy's line */
    const char **block_text; /* start of each block's first paragraph */
    size_t nshort;
    nd_short_line *shorts; /* in order of first occurrence */
    size_t nruns;
    nd_run_repeat *runs;   /* runs repeated inside a paragraph: by paragraph, then copy */
    const char **run_text; /* the start of each run's first occurrence */
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

/* The Gopher repetition measures of one article (ND_PART_METRICS; see the README). */
typedef struct nd_doc_metrics {
    uint64_t chars;             /* characters (code points) of the text */
    uint32_t lines, paragraphs; /* as the measures split the text */
    double value[ND_GOPHER_N];  /* each measure (options.h); -1 for a top n-gram of a text of
                                   fewer than n words, which has none */
    uint32_t over;              /* with opts.gopher.enabled: bit i set when value[i] is above
                                   limit[i]; else 0 */
} nd_doc_metrics;

/* Where the time went (seconds of wall time) and what the stages saw. */
typedef struct nd_scan_stats {
    double t_pass1;        /* read + decode + normalise + shingle + sign, all documents */
    double t_lsh;          /* banding and candidate pairs */
    double t_pass2;        /* re-read + normalise + shingle + sort the candidates' sets */
    double t_verify;       /* exact Jaccard of candidate pairs */
    double t_cluster;      /* union-find, representatives, similarities */
    double t_contain;      /* containment: fingerprint candidates and their verification */
    double t_shared;       /* grouping paragraphs across articles, and their texts: */
    double t_link;         /* ... of which linking similar sentences */
    double t_texts;        /* ... and reading the shared sentences' texts */
    size_t paragraphs;     /* sentences of long paragraphs kept for the cross-article pass */
    uint64_t bytes;        /* bytes of document records read in pass 1 */
    size_t candidates;     /* candidate pairs tested (see README, LSH) */
    size_t capped_buckets; /* LSH buckets of more than 128 documents */
    size_t refetched;      /* documents read again in pass 2 */
    size_t contain_candidates; /* containment candidate pairs (fingerprints shared) */
    nd_input_counts input; /* what the reader counted (WARC records by type) */
    unsigned threads;      /* worker threads used */
} nd_scan_stats;

/* A source: a file (or standard input) the scan read, and its state when read. */
typedef struct nd_source_info {
    const char *path;         /* as in sources[] */
    nd_input_format format;   /* how it was read (never ND_INPUT_AUTO) */
    unsigned char stream;     /* standard input or a pipe, spooled while read (it cannot be
                                 opened again: only the scan's own reader has its bytes) */
    unsigned char compressed; /* its bytes on disk are gzip or zstd (its offsets are in
                                 the decompressed bytes, not the file's) */
    uint64_t size;            /* bytes when opened (regular file), or spooled (stream) */
    int64_t mtime_sec;        /* modification time when opened (regular file), else 0 */
    long mtime_nsec;
} nd_source_info;

/* What `clean` (clean.h) did; all zero in a scan's result. */
typedef struct nd_clean_summary {
    int cleaned;            /* 1 in the result of nd_clean */
    unsigned remove;        /* what was removed (ND_REMOVE_* of clean.h) */
    size_t files_written;   /* files under kept/ */
    size_t files_removed;   /* input files left without a file under kept/ (a removed .txt
                               article, an invalid file dropped) */
    size_t docs_removed;    /* near-duplicate documents removed */
    size_t ranges_removed;  /* line ranges removed from kept articles (later copies of
                               doubled blocks, repeated short lines, boilerplate) */
    size_t invalid_copied;  /* skipped records or files copied to kept/ unchanged */
    size_t invalid_dropped; /* skipped records or files moved to removed.jsonl */
    uint64_t bytes_removed; /* bytes of the input moved to removed.jsonl */
    double t_write;         /* seconds spent reading the input again and writing */
} nd_clean_summary;

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
                                   i * opts.perms (all 0 for an archived document); NULL
                                   when opts.drop_signatures freed them */
    size_t nsources;
    const char **sources; /* paths of the files read ("<stdin>" for standard input), then the
                             paths the archived documents were added from */
    const nd_source_info *source_info; /* nsources of them: format and state when read (an
                                          archived document's source: see builder.c) */
    size_t nskipped;                   /* documents or paths skipped (errors), in input order */
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
    size_t nwrapped;         /* documents that --paragraphs auto (ND_PARA_AUTO) found
                                hard-wrapped and cut by block; 0 in the other modes */
    size_t nshared;
    nd_shared_para *shared;  /* sorted by first occurrence */
    nd_doc_metrics *metrics; /* with ND_PART_METRICS: one per document, as docs; else NULL */
    size_t ngopher;          /* with opts.gopher.enabled: documents over a limit */
    nd_scan_stats stats;
    nd_clean_summary clean;    /* what clean did (zero after a scan) */
    struct nd_result_mem *mem; /* what the result owns (private) */
} nd_scan_result;

ND_API void nd_scan_result_free(nd_scan_result *res); /* NULL is a no-op */

#endif
