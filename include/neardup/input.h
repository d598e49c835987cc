/*
 * input.h - turning paths into documents.
 *
 * A reader walks its paths in order: a directory is read recursively, its entries sorted
 * by byte-wise name (hidden entries skipped; only *.txt and *.jsonl files taken, others
 * noted); a `.jsonl` file holds one JSON object per line; any other file is one article;
 * "-" is standard input (JSON Lines when its first non-blank byte is '{', else one
 * article). The reader never holds more than one chunk (and one document) in memory.
 *
 * The reader yields raw *records*: a whole text file, or one JSON line. Turning a record
 * into a document (parsing the JSON, picking the text and id fields) is the decoder's job,
 * so that it can run on worker threads. Problems found while reading (a missing path, an
 * empty or binary file, a line over the size limit) come back as records of kind
 * ND_REC_ERROR, in input order, so the caller reports them where they belong.
 *
 * Every record knows where it came from (source file, line, byte offset, length), and
 * nd_reader_fetch() reads it again: neardup keeps signatures, not texts, and re-reads the
 * few documents it must verify or show. Standard input is spooled to a temporary file for
 * that.
 */
#ifndef NEARDUP_INPUT_H
#define NEARDUP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_MAX_DOC_BYTES ((size_t)16 << 20) /* default size limit of one document */

typedef enum nd_input_format {
    ND_INPUT_AUTO = 0, /* by extension: .jsonl is JSON Lines, anything else one article */
    ND_INPUT_TXT,      /* every file is one article */
    ND_INPUT_JSONL     /* every file is JSON Lines */
} nd_input_format;

typedef struct nd_reader_opts {
    size_t max_doc_bytes;   /* a longer file or line is skipped; 0 = ND_MAX_DOC_BYTES */
    nd_input_format format; /* how to read files */
} nd_reader_opts;

typedef enum nd_record_kind {
    ND_REC_DOC = 0, /* a document: data[0..len) */
    ND_REC_ERROR,   /* something was skipped: see status and message */
    ND_REC_NOTE     /* a warning; nothing was skipped (e.g. a file of another type) */
} nd_record_kind;

typedef struct nd_record {
    nd_record_kind kind;
    unsigned char json; /* 1: data is one JSON Lines line; 0: the whole text of a file */
    const char *data;   /* borrowed until the next call on the reader; NULL unless a doc */
    size_t len;
    const char *path;    /* the source's path ("<stdin>"), valid while the reader lives */
    uint32_t source;     /* index of the source file, in reading order */
    uint64_t line;       /* 1-based line of the record's first byte */
    uint64_t offset;     /* byte offset of data in the source */
    nd_status status;    /* ND_REC_ERROR / ND_REC_NOTE: what happened */
    const char *message; /* ND_REC_ERROR / ND_REC_NOTE: a description; borrowed like data */
} nd_record;

typedef struct nd_reader nd_reader;

/* Creates a reader over paths[0..npaths) (copied). opts may be NULL for defaults.
 * ND_OK, ND_EINVAL (npaths == 0) or ND_ENOMEM. Nothing is opened until nd_reader_next. */
nd_status nd_reader_create(const nd_reader_opts *opts, const char *const *paths, size_t npaths,
                           nd_reader **out);
void nd_reader_free(nd_reader *r); /* NULL is a no-op; closes and removes temporary files */

/* The next record: ND_OK (see out->kind), ND_END after the last one, or ND_ENOMEM. */
nd_status nd_reader_next(nd_reader *r, nd_record *out);

/* Reads again the record of `len` bytes at `offset` of `source` (as returned by
 * nd_reader_next) into out, borrowed until the next call on the reader.
 * ND_OK, ND_EIO (the file cannot be read) or ND_ECHANGED (it is shorter now), ND_ENOMEM. */
nd_status nd_reader_fetch(nd_reader *r, uint32_t source, uint64_t offset, size_t len, uint64_t line,
                          nd_record *out);

/* Number of sources (files) seen so far, and the path of one. */
size_t nd_reader_nsources(const nd_reader *r);
const char *nd_reader_path(const nd_reader *r, uint32_t source);

/* What a caller that reads a source again whole (clean) must know of it. */
typedef struct nd_source_desc {
    nd_input_format format; /* ND_INPUT_TXT or ND_INPUT_JSONL: how it was read */
    unsigned char stream;   /* standard input or a pipe: its bytes are in the reader's
                               spool only, to read with nd_reader_fetch */
    uint64_t size;          /* regular file: its size when opened; stream: bytes spooled */
    int64_t mtime_sec;      /* regular file: its modification time when opened; else 0 */
    long mtime_nsec;
} nd_source_desc;

/* Describes source `source` (< nd_reader_nsources) in *out. ND_OK, or ND_EIO when the
 * size of a stream's spool cannot be read. */
nd_status nd_reader_source_desc(nd_reader *r, uint32_t source, nd_source_desc *out);

/* The type of a field's value (nd_doc.keep). */
typedef enum nd_field_kind {
    ND_FIELD_NONE = 0, /* no such field, or not a number or a string (text files: always) */
    ND_FIELD_NUMBER,
    ND_FIELD_STRING
} nd_field_kind;

/* A decoded document. All pointers borrowed from the decoder until its next call. */
typedef struct nd_doc {
    const char *id; /* JSON: the id field, else url, else "path:line"; text file: path */
    size_t id_len;
    const char *text; /* the article text (UTF-8 not yet validated) */
    size_t len;
    /* The value of nd_decode_opts.keep_field (the field a keep rule orders by): */
    nd_field_kind keep_kind;
    double keep_num;      /* ND_FIELD_NUMBER */
    const char *keep_str; /* ND_FIELD_STRING: its bytes (not NUL-terminated) */
    size_t keep_len;
} nd_doc;

typedef struct nd_decode_opts {
    const char *text_field; /* NULL: "text" */
    const char *id_field;   /* NULL: "id", then "url" */
    const char *keep_field; /* NULL: none; else a top-level field whose value nd_decode
                               returns in nd_doc.keep_* (--keep-by) */
} nd_decode_opts;

typedef struct nd_decoder nd_decoder;

/* opts (copied) may be NULL. ND_OK or ND_ENOMEM. One decoder per thread. */
nd_status nd_decoder_create(const nd_decode_opts *opts, nd_decoder **out);
void nd_decoder_free(nd_decoder *d); /* NULL is a no-op */

/*
 * Decodes a document record. ND_OK; ND_EJSON (not a JSON object), ND_EFIELD (no text
 * field, or not a string), ND_EEMPTY (empty text) with a message in *message (borrowed
 * from the decoder); or ND_ENOMEM.
 */
nd_status nd_decode(nd_decoder *d, const nd_record *rec, nd_doc *out, const char **message);

#endif
