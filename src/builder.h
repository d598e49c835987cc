/*
 * builder.h - the scan result while it is built: what it owns, and how the passes fill it.
 *
 * While the scan runs, strings live in arenas and are named by offsets (an arena moves
 * when it grows); nd_result_finish, once nothing is added any more, turns them into the
 * pointers of the public nd_scan_result. Everything here belongs to the result and is freed
 * by nd_scan_result_free. Private to neardup_core.
 */
#ifndef NEARDUP_BUILDER_H
#define NEARDUP_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "containers.h"
#include "neardup/input.h"
#include "neardup/result.h"

/* A document as pass 1 kept it (48 bytes besides its id and signature). */
typedef struct nd_doc_rec {
    uint64_t id_off; /* into ids */
    uint64_t offset; /* the record's byte offset in its source */
    uint64_t line;
    uint64_t sum; /* XXH3 of the record's bytes: detects a file changed between passes */
    uint32_t source;
    uint32_t len;     /* record bytes */
    uint32_t ntokens; /* words */
    uint32_t snippet; /* offset + 1 into strs, 0 = none (set by pass 2) */
} nd_doc_rec;

typedef struct nd_skip_rec {
    size_t path_off, msg_off; /* into strs */
    uint64_t line;
    nd_status code;
    uint32_t source; /* or ND_NO_SOURCE */
    uint64_t offset; /* or ND_NO_OFFSET */
} nd_skip_rec;

/* A document's value of the keep rule's field (only kept when the rule orders by one). */
typedef struct nd_keep_key {
    nd_field_kind kind;
    double num;       /* ND_FIELD_NUMBER */
    uint64_t str_off; /* ND_FIELD_STRING: into keystrs */
    uint64_t str_len;
} nd_keep_key;

struct nd_result_mem {
    nd_arena ids;  /* document ids */
    nd_arena strs; /* paths, messages, snippets */
    nd_doc_rec *docs;
    size_t ndocs, capdocs;
    uint32_t *sigs; /* ndocs * k */
    nd_skip_rec *skips;
    size_t nskips, capskips;
    nd_skip_rec *warns;
    size_t nwarns, capwarns;
    nd_doc_repeats *reps;
    size_t nreps, capreps;
    nd_block_repeat *blocks; /* all reps' blocks, back to back */
    size_t *block_txt;       /* offsets into strs, per block */
    size_t nblocks, capblocks;
    nd_short_line *shorts;
    size_t *short_txt;
    size_t nshorts, capshorts;
    nd_doc_metrics *metrics; /* one per document (ND_PART_METRICS) */
    size_t nmetrics, capmetrics;
    nd_run_repeat *runs; /* all reps' runs inside a paragraph, back to back */
    size_t *run_txt;     /* offsets into strs, per run */
    size_t nruns, capruns;
    uint32_t *short_lines; /* every short line's copies, back to back */
    size_t nshort_lines, capshort_lines;
    nd_keep_key *keys; /* per document, when the keep rule orders by a field; else NULL */
    size_t capkeys;
    nd_arena keystrs;
    uint64_t *cfps; /* with containment: (fingerprint << 32 | document), each document's
                       winnowing fingerprints (winnow.h), unique per document */
    size_t ncfps, capcfps;
    /* made by the stages */
    nd_member *members;
    nd_group *groups;
    nd_pair_sim *pairs;
    nd_shared_para *shared;
    nd_para_place *places;
    size_t *shared_txt; /* offset + 1 into strs, per shared entry */
    /* archived documents (check, index.h): the last narch of docs; their source is an index
       into xsrc (offsets into strs), which finish appends to the reader's sources */
    size_t narch;
    size_t *xsrc;
    size_t nxsrc, capxsrc;
    size_t archive_off; /* the archive's path: offset + 1 into strs, 0 = a scan */
    /* made by nd_result_finish */
    nd_doc_info *info;
    const char **sources;
    nd_source_info *source_info;
    const char **block_ptrs;
    const char **run_ptrs;
};

/* A new, empty result. ND_OK or ND_ENOMEM. */
nd_status nd_result_create(nd_scan_result **out);

/* Appends a skipped document or path, or (warning != 0) a warning: a note that skipped
 * nothing; source and offset say where a skipped record was (see nd_skip). ND_OK or
 * ND_ENOMEM. */
nd_status nd_result_add_skip(nd_scan_result *res, int warning, const char *path, uint64_t line,
                             nd_status code, const char *msg, uint32_t source, uint64_t offset);
/* Appends a document: d (its id_off is set here), its id and its k-value signature (NULL:
 * none kept, for every document of res then); *index receives its number. ND_OK, ND_EINVAL (2^32 - 1 documents) or ND_ENOMEM. */
nd_status nd_result_add_doc(nd_scan_result *res, unsigned k, const nd_doc_rec *d, const char *id,
                            size_t id_len, const uint32_t *sig, uint32_t *index);
/* Appends document doc's n fingerprints fp[0..n) (unique). ND_OK or ND_ENOMEM. */
nd_status nd_result_add_fps(nd_scan_result *res, uint32_t doc, const uint32_t *fp, size_t n);
/* Appends an archived document (check, index.h) after every document of the input: its id,
 * the path it was added from (a source of its own unless the archived document before has
 * the same), its line there, its words, the snippet to show (may be NULL) and an all-zero
 * signature. *index receives its number. ND_OK, ND_EINVAL (2^32 - 1 documents) or
 * ND_ENOMEM. */
nd_status nd_result_add_archived(nd_scan_result *res, unsigned k, const char *id, size_t id_len,
                                 const char *source, uint64_t line, uint32_t words,
                                 const char *snippet, uint32_t *index);
/* Records that the result is a check against the archive at `path` holding `ndocs`
 * documents (the path is copied). ND_OK or ND_ENOMEM. */
nd_status nd_result_set_archive(nd_scan_result *res, const char *path, size_t ndocs);

/* Sets document doc's value of the keep rule's field (doc < ndocs, added last or
 * before). ND_OK or ND_ENOMEM. */
nd_status nd_result_set_key(nd_scan_result *res, uint32_t doc, nd_field_kind kind, double num,
                            const char *str, size_t len);
/* A document's internal repeats: its blocks, runs and short lines one by one (each with the
 * text to show; a short line with the lines of its s->count copies), then the entry, whose
 * nblocks, nruns and nshort say how many of them were its own. */
nd_status nd_result_add_block(nd_scan_result *res, const nd_block_repeat *b, const char *text);
nd_status nd_result_add_run(nd_scan_result *res, const nd_run_repeat *r, const char *text);
nd_status nd_result_add_short(nd_scan_result *res, const nd_short_line *s, const char *text,
                              const uint32_t *lines);
nd_status nd_result_add_repeats(nd_scan_result *res, const nd_doc_repeats *r);
/* The repetition measures of the document just added (ND_PART_METRICS: one per document, in
 * order). ND_OK or ND_ENOMEM. */
nd_status nd_result_add_metrics(nd_scan_result *res, const nd_doc_metrics *m);

/* Turns offsets into pointers once nothing more is added: documents, sources and their
 * descriptions (read from reader), skips and warnings, repeats, shared texts and member
 * snippets; and keeps opts as the options in force (with copies of its field names, and no
 * callback). ND_OK, ND_EIO (a stream's spool cannot be measured) or ND_ENOMEM. */
nd_status nd_result_finish(nd_scan_result *res, nd_reader *reader, const nd_scan_opts *opts);

#endif
