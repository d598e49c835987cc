/*
 * input.h - turning paths into documents.
 *
 * A reader walks its paths in order: a directory is read recursively, its entries sorted
 * by byte-wise name (hidden entries skipped; FIFOs, sockets and devices noted, never
 * opened; only files of a known extension taken, others noted); "-" is standard input.
 * Formats (ND_INPUT_AUTO decides per file, by extension, any case):
 *   .txt  one article;          .jsonl  one JSON object per line;
 *   .csv / .tsv  a header row, then one article per row (RFC 4180 quoting);
 *   .warc / .wet  WARC 1.0/1.1 records: `conversion` records and `resource` records with
 *         a text/ Content-Type are articles, other types are skipped and counted.
 * Any of these may be compressed with gzip (.gz, any number of members) or zstd (.zst, any
 * number of frames); compression is recognised by its magic number, whatever the name. A
 * named file of another extension is one article; standard input and a compressed file
 * without a known inner extension are sniffed (JSON Lines if the first non-blank byte is
 * '{', WARC if it starts with "WARC/", else one article). The reader never holds more than
 * one chunk (and one document) in memory.
 *
 * The reader yields raw *records*: a whole text file, one JSON line, one CSV row or one
 * WARC record. Turning a record into a document (parsing the JSON or the row, picking the
 * text and id) is the decoder's job, so that it can run on worker threads. Problems found
 * while reading (a missing path, an empty or binary file, a line over the size limit, a
 * truncated compressed stream, a broken WARC record) come back as records of kind
 * ND_REC_ERROR, in input order, so the caller reports them where they belong.
 *
 * Every record knows where it came from (source file, line, byte offset, length), and
 * nd_reader_fetch() reads it again: neardup keeps signatures, not texts, and re-reads the
 * few documents it must verify or show. Standard input is spooled to a temporary file for
 * that (as it came: compressed input stays compressed). In a compressed source, offsets
 * are offsets in the decompressed stream; fetching decompresses from the nearest
 * checkpoint (a gzip member or zstd frame start, or a gzip access point every 1 MiB of
 * output, whose 32 KiB window is kept in a temporary file, not in memory), or goes on from
 * the previous fetch when that is nearer: records fetched in increasing order cost one
 * decompression of the file in all. A single zstd frame can only be restarted from its
 * start (zstd has no window snapshot), so fetching backwards in one costs a decompression
 * from there.
 */
#ifndef NEARDUP_INPUT_H
#define NEARDUP_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/status.h"

#define ND_MAX_DOC_BYTES ((size_t)16 << 20) /* default size limit of one document */

typedef enum nd_input_format {
    ND_INPUT_AUTO = 0, /* per file, by extension (see above) */
    ND_INPUT_TXT,      /* every file is one article */
    ND_INPUT_JSONL,    /* every file is JSON Lines */
    ND_INPUT_CSV,      /* every file is CSV with a header row */
    ND_INPUT_TSV,      /* every file is TSV (tab-separated, CSV quoting) with a header row */
    ND_INPUT_WARC      /* every file is WARC (WET) */
} nd_input_format;

/* The format's name as --input-format spells it ("auto", "txt", "jsonl", "csv", "tsv",
 * "warc"); "unknown" for a value outside the enum. */
ND_API const char *nd_input_format_name(nd_input_format format);

typedef struct nd_reader_opts {
    size_t max_doc_bytes;   /* a longer file, line, row or record is skipped; 0 = default */
    nd_input_format format; /* how to read files (compression is always recognised) */
    /* CSV / TSV columns (copied; NULL for the defaults): the text column, by default the
     * column named "text", else the only column of long text (a note says which); the id
     * column, by default "id", then "url", else none (the id is then "path:line"). The CLI
     * passes --text-field / --id-field here and in nd_decode_opts. */
    const char *text_field;
    const char *id_field;
    /* A compressed file is decompressed once: as it is read, its decompressed bytes go to an
     * unlinked temporary file (tmpfile(3)) from which nd_reader_fetch reads records again,
     * up to half the space free there for all files of the reader. 1: keep no such copy;
     * each fetch then decompresses again, from the nearest checkpoint. */
    int no_spool;
    /* A compressed file (not a stream) is decompressed on a thread of its own, a few MiB
     * ahead of the reading. 1: decompress on the calling thread. */
    int no_readahead;
} nd_reader_opts;

#define ND_NO_COLUMN UINT32_MAX

typedef enum nd_record_kind {
    ND_REC_DOC = 0, /* a document: data[0..len) */
    ND_REC_ERROR,   /* something was skipped: see status and message */
    ND_REC_NOTE     /* a warning; nothing was skipped (e.g. a file of another type) */
} nd_record_kind;

typedef struct nd_record {
    nd_record_kind kind;
    unsigned char json; /* 1: data is one JSON Lines line (format == ND_INPUT_JSONL) */
    const char *data;   /* borrowed until the next call on the reader; NULL unless a doc */
    size_t len;
    const char *path;    /* the source's path ("<stdin>"), valid while the reader lives */
    uint32_t source;     /* index of the source file, in reading order */
    uint64_t line;       /* 1-based line of the record's first byte */
    uint64_t offset;     /* byte offset of data in the source */
    nd_status status;    /* ND_REC_ERROR / ND_REC_NOTE: what happened */
    const char *message; /* ND_REC_ERROR / ND_REC_NOTE: a description; borrowed like data */
    /* What the decoder needs besides data (a caller that copies records must copy these):
     * the record's format (ND_INPUT_TXT: the whole text of a file; ND_INPUT_JSONL one line;
     * ND_INPUT_CSV / ND_INPUT_TSV one row, without its line break; ND_INPUT_WARC one record
     * from its "WARC/" line to the end of its block), and for CSV / TSV the 0-based columns
     * of the text and the id (ND_NO_COLUMN: none). ND_INPUT_AUTO (0, a record built by
     * hand) is read as `json` says. */
    unsigned char format;
    uint32_t text_col, id_col;
} nd_record;

typedef struct nd_reader nd_reader;

/* Creates a reader over paths[0..npaths) (copied). opts may be NULL for defaults.
 * ND_OK, ND_EINVAL (npaths == 0) or ND_ENOMEM. Nothing is opened until nd_reader_next. */
ND_API nd_status nd_reader_create(const nd_reader_opts *opts, const char *const *paths,
                                  size_t npaths, nd_reader **out);
ND_API void nd_reader_free(nd_reader *r); /* NULL is a no-op; closes and removes temporary files */

/* The next record: ND_OK (see out->kind), ND_END after the last one, or ND_ENOMEM. */
ND_API nd_status nd_reader_next(nd_reader *r, nd_record *out);

/* Reads again the record of `len` bytes at `offset` of `source` (as returned by
 * nd_reader_next) into out, borrowed until the next call on the reader; its format and
 * columns are the source's. In any order; in increasing offset order per source a
 * compressed source is decompressed once in all (see above).
 * ND_OK, ND_EIO (the file cannot be read) or ND_ECHANGED (it is shorter now, or its
 * compressed data no longer decompresses to it), ND_ENOMEM. */
ND_API nd_status nd_reader_fetch(nd_reader *r, uint32_t source, uint64_t offset, size_t len,
                                 uint64_t line, nd_record *out);

/* Number of sources (files) seen so far, and the path of one. */
ND_API size_t nd_reader_nsources(const nd_reader *r);
ND_API const char *nd_reader_path(const nd_reader *r, uint32_t source);

/* WARC record types, for the counts of records skipped without a message. */
typedef enum nd_warc_type {
    ND_WARC_WARCINFO = 0,
    ND_WARC_RESPONSE,
    ND_WARC_REQUEST,
    ND_WARC_METADATA,
    ND_WARC_REVISIT,
    ND_WARC_RESOURCE, /* a resource record whose Content-Type is not text */
    ND_WARC_CONTINUATION,
    ND_WARC_OTHER, /* any other WARC-Type */
    ND_WARC_NTYPES
} nd_warc_type;

/* What the reader counted so far (for --stats). */
typedef struct nd_input_counts {
    uint64_t warc_records;                 /* WARC records read, of every type */
    uint64_t warc_docs;                    /* of which articles (conversion, text resource) */
    uint64_t warc_skipped[ND_WARC_NTYPES]; /* of which skipped silently, by type */
} nd_input_counts;

/* Copies the reader's counts into *out. */
ND_API void nd_reader_counts(const nd_reader *r, nd_input_counts *out);
/* The WARC-Type value of t ("response"; "other" for ND_WARC_OTHER); never NULL. */
ND_API const char *nd_warc_type_name(nd_warc_type t);

/* What a caller that reads a source again whole (clean) must know of it. */
typedef struct nd_source_desc {
    nd_input_format format; /* how it was read (never ND_INPUT_AUTO once opened) */
    unsigned char compressed; /* gzip or zstd: its offsets are in the decompressed bytes */
    unsigned char stream;   /* standard input or a pipe: its bytes are in the reader's
                               spool only, to read with nd_reader_fetch */
    uint64_t size;          /* regular file: its size when opened; stream: bytes spooled */
    int64_t mtime_sec;      /* regular file: its modification time when opened; else 0 */
    long mtime_nsec;
} nd_source_desc;

/* Describes source `source` (< nd_reader_nsources) in *out. ND_OK, or ND_EIO when the
 * size of a stream's spool cannot be read. */
ND_API nd_status nd_reader_source_desc(nd_reader *r, uint32_t source, nd_source_desc *out);

/* The type of a field's value (nd_doc.keep). */
typedef enum nd_field_kind {
    ND_FIELD_NONE = 0, /* no such field, or not a number or a string (text files: always) */
    ND_FIELD_NUMBER,
    ND_FIELD_STRING
} nd_field_kind;

/* A decoded document. All pointers borrowed from the decoder until its next call. */
typedef struct nd_doc {
    const char *id; /* JSON, CSV: the id field (column), else url, else "path:line"; text
                       file: its path; WARC: WARC-Target-URI, else WARC-Record-ID */
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
ND_API nd_status nd_decoder_create(const nd_decode_opts *opts, nd_decoder **out);
ND_API void nd_decoder_free(nd_decoder *d); /* NULL is a no-op */

/*
 * Decodes a document record. ND_OK; ND_EJSON (not a JSON object), ND_EFIELD (no text
 * field, or not a string; a CSV row without the text column), ND_EEMPTY (empty text),
 * ND_EUTF8 (a CSV field or WARC block that is not UTF-8: the decoder checks those, with the
 * place in the file) with a message in *message (borrowed from the decoder); or ND_ENOMEM.
 * Out of memory inside the JSON parser is ND_ENOMEM too, never ND_EJSON.
 */
ND_API nd_status nd_decode(nd_decoder *d, const nd_record *rec, nd_doc *out, const char **message);

#endif
