/*
 * input_priv.h - the reader's private state, shared by its files (not a public header).
 *
 * reader.c owns the reader object: the stack of pending paths, directories, the table of
 * sources, opening each file (and deciding its format) and nd_reader_fetch. stream.c gives
 * the bytes of a file as stored or decompressed (gzip, zstd) and keeps each compressed
 * source's checkpoints. frame.c cuts text files and JSON Lines into records, csv.c CSV/TSV
 * rows, warc.c WARC records. decode.c (the decoder) uses only the CSV field helpers.
 *
 * Invariants: at most one file is being read at a time (r->mode != MODE_NONE while its
 * records are cut, r->in.fd >= 0 while it is open); r->buf holds its decompressed bytes
 * [r->pos, r->len), which start at offset r->base + r->pos of the source and at line
 * r->line; r->cur is its index in r->src.
 */
#ifndef NEARDUP_INPUT_PRIV_H
#define NEARDUP_INPUT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "neardup/input.h"

#define CHUNK ((size_t)1 << 20) /* bytes read at a time */
#define BINARY_PROBE 8192u      /* bytes looked at to call a file binary */
#define STDIN_NAME "<stdin>"

/* ---- streams (stream.c) --------------------------------------------------------------- */

enum { ZK_PLAIN = 0, ZK_GZIP, ZK_ZSTD }; /* how a file is stored */

/* A place where decompression can start afresh: raw (compressed) offset and the output
 * offset there. win == UINT64_MAX: a gzip member or zstd frame start; otherwise a zran
 * access point: its window (winlen bytes at offset win of the window file) and the bits
 * of the byte before raw that belong to the next deflate block. */
typedef struct zpoint {
    uint64_t raw, out, win;
    uint16_t winlen;
    unsigned char bits;
} zpoint;

typedef struct zindex {
    zpoint *v; /* sorted by out */
    size_t n, cap;
} zindex;

struct z_stream_s;
struct ZSTD_DCtx_s;
struct zahead;

/* The bytes of a file as stored or decompressed. */
typedef struct zin {
    int fd;
    int kind;          /* ZK_* */
    int pread;         /* read raw bytes with pread at raw_base + ilen (fetching), else read() */
    FILE *spool;       /* raw bytes read are copied here (streams), or NULL */
    zindex *index;     /* checkpoints go here while the file is first read, or NULL */
    FILE *winfile;     /* where access points' windows go */
    unsigned char *ib; /* raw bytes [ipos, ilen) not yet decompressed */
    size_t ipos, ilen, icap;
    uint64_t raw_base;    /* file offset of ib[0] */
    uint64_t out;         /* decompressed bytes delivered so far */
    uint64_t last_access; /* out at the last checkpoint (access points are ACCESS_SPAN apart) */
    int raw_eof, open, resumed, ended;
    size_t skip_trailer;
    struct z_stream_s *gz;
    struct ZSTD_DCtx_s *zd;
    nd_status status; /* ND_OK, or why reading stopped (msg says more) */
    char msg[200];
    /* The decompressed copy (the reader's spool): the bytes nd_zin_read_full delivers are
     * appended to dcopy, at most dcopy_room in all; past that, or when a write fails,
     * dcopy_lost is set and no more is written. Read them with nd_zin_copied. */
    FILE *dcopy;
    uint64_t dcopy_room, dcopied;
    int dcopy_lost;
    struct zahead *ahead; /* the read-ahead (nd_zin_ahead), or NULL: decoding on this thread */
} zin;

/* Opens fd for reading: reads its first bytes to recognise gzip or zstd. Checkpoints go to
 * index (may be NULL), windows to winfile (may be NULL). ND_OK or ND_ENOMEM (a read error
 * is kept in z->status for the first nd_zin_read). */
nd_status nd_zin_open(zin *z, int fd, FILE *spool, zindex *index, FILE *winfile);
/* Up to n decompressed bytes into p: the count (0 at the end), or -1 with z->status and
 * z->msg set (truncated or corrupt data, a read error, ND_ENOMEM). Bytes before an error
 * are delivered first. _full fills p unless the end or an error comes first. */
ptrdiff_t nd_zin_read(zin *z, char *p, size_t n);
ptrdiff_t nd_zin_read_full(zin *z, char *p, size_t n);
/* Opens fd, at its current position, as stored (no magic number looked for: a part that
 * starts inside a plain file). ND_OK or ND_ENOMEM. */
nd_status nd_zin_open_plain(zin *z, int fd);
/* Frees what z holds (not its fd, spool or dcopy); stops its read-ahead first. */
void nd_zin_close(zin *z);
/* Moves the decoding of z (opened, not failed, not a fetch stream) to a read-ahead: with
 * thread, a thread of its own that decompresses up to AHEAD_SLOTS chunks ahead of
 * nd_zin_read_full, which then only copies them out; without, nd_zin_read_full decodes a
 * chunk at a time on the calling thread the same way (zstd: buffer-less into the
 * read-ahead's ring, see stream.c). Everything else about z reads the same. While the
 * thread runs it owns what z decodes with (descriptor reads, index, winfile, spool,
 * dcopy): pause it (nd_zin_pause) before touching those. ND_OK or ND_ENOMEM (z is then as
 * it was). */
nd_status nd_zin_ahead(zin *z, int thread);
/* Returns once no read-ahead thread runs for z (the next nd_zin_read_full starts it again;
 * chunks already decompressed are kept). Does nothing without a read-ahead. */
void nd_zin_pause(zin *z);
/* The decompressed copy so far: bytes written and whether it is incomplete (pauses z). */
void nd_zin_copied(zin *z, uint64_t *copied, int *lost);
/* Writes no more to the decompressed copy (pauses z); the caller may close it. */
void nd_zin_drop_copy(zin *z);
/* A stream for fetching from fd (stored as `kind`), positioned by nd_zin_seek. */
nd_status nd_zin_open_fetch(zin *z, int fd, int kind);
/* Readies a fetch stream to reach decompressed offset `offset`: leaves it where it is when
 * it is at or before offset with no checkpoint of ix in between, else restarts it at the
 * nearest checkpoint at or before offset. Afterwards z->out <= offset; read on to get
 * there. ND_OK, ND_ECHANGED (the data is not there any more), ND_EIO, ND_EINTERNAL. */
nd_status nd_zin_position(zin *z, const zindex *ix, FILE *winfile, uint64_t offset);
void nd_zindex_clear(zindex *ix);

/* ---- the reader ------------------------------------------------------------------------- */

typedef struct pending {
    char *path;
    unsigned char from_dir; /* found in a directory: only known extensions are taken */
    unsigned char planned;  /* a part of a share (input_share.h): kind and size as listed */
    unsigned char kind;     /* ND_LEAF_* when planned */
    uint64_t size;          /* ND_LEAF_FILE, ND_LEAF_SPLIT: the listed size */
    uint64_t start, end;    /* the part's lines start in [start, end) (0, UINT64_MAX: all) */
} pending;

typedef struct src_file {
    char *path;
    unsigned char format;      /* nd_input_format of its records (never AUTO once opened) */
    unsigned char zkind;       /* ZK_*: how it is stored */
    uint32_t text_col, id_col; /* CSV / TSV: the columns, ND_NO_COLUMN when none */
    FILE *spool;               /* streams: a copy of the raw bytes, for nd_reader_fetch */
    FILE *dspool;              /* compressed: the decompressed bytes as read (see frame.c), for
                                * nd_reader_fetch; NULL when not kept */
    uint64_t dspooled;         /* bytes written to it */
    zindex index;              /* compressed: where decompression can restart */
    uint64_t size;             /* regular files: st_size when opened (nd_source_desc) */
    int64_t mtime_sec;         /* ... and st_mtim */
    long mtime_nsec;
} src_file;

enum { MODE_NONE = 0, MODE_LINES, MODE_CSV, MODE_WARC }; /* the framing of the open file */

struct nd_reader {
    nd_reader_opts opts;
    char *text_field, *id_field; /* copies of opts' names (CSV columns) */
    pending *stack;
    size_t nstack, capstack;
    src_file *src;
    size_t nsrc, capsrc;

    /* The file being read. */
    int mode;     /* MODE_*: records still to come from it */
    zin in;       /* its bytes (in.fd >= 0 while open) */
    int close_fd; /* in.fd is ours to close (not standard input) */
    uint32_t cur; /* its source index */
    char *buf;    /* bytes [pos, len) not yet consumed */
    size_t pos, len, cap;
    uint64_t base;      /* stream offset of buf[0] */
    uint64_t line;      /* line number of buf[pos] */
    int eof;            /* the stream has ended (or failed: see in.status) */
    uint64_t last_line; /* line (CSV, JSON Lines) or offset (WARC) of the last record cut */
    int have_last;      /* a document was cut from this file */
    int any;            /* a document or an error was cut from this file */
    char delim;         /* CSV ',' / TSV '\t' */

    nd_input_counts counts;
    uint64_t warc_base_records; /* counts.warc_records when the current file was opened */

    char *fetch;
    size_t fetch_cap;
    int fetch_fd; /* the last file fetched from, kept open for the next fetch */
    uint32_t fetch_src;
    zin fz;          /* compressed sources: the fetch cursor */
    uint32_t fz_src; /* its source, UINT32_MAX for none */
    char *fzbuf;     /* the cursor's last output: stream bytes [fzbase, fzbase + fzlen) */
    size_t fzlen, fzcap;
    uint64_t fzbase;  /* fzbase + fzlen == fz.out */
    FILE *winfile;    /* windows of the gzip access points of every source */
    uint64_t dspool_total, dspool_budget; /* decompressed spools: bytes kept, and the most */
    int stdin_closed; /* descriptor 0 was closed when the reader was created */
    uint64_t end;     /* the open file's lines starting at or after this are another part's */
    int continues;    /* the first part started inside a file (input_share.h) */
    char *failpath;   /* a planned leaf that cannot be read here (nd_reader_failure) */
    char msg[512];
    char *errpath; /* path of an error record that has no source */
};

/* ---- shared helpers (reader.c) ---------------------------------------------------------- */

/* Fills *out as a record of `kind` with no data. */
void nd_rd_set_record(nd_record *out, nd_record_kind kind, const char *path, uint32_t source,
                      uint64_t line, uint64_t offset);
/* An error or note record whose message is r->msg (set it first). */
void nd_rd_error(nd_reader *r, nd_record *out, const char *path, uint32_t source, uint64_t line,
                 uint64_t offset, nd_status st, nd_record_kind kind);
/* A document record of source r->cur: data = r->buf + at, len bytes. */
void nd_rd_doc(nd_reader *r, nd_record *out, size_t at, size_t len, uint64_t line);
/* Grows r->buf to hold at least `need` bytes. ND_OK or ND_ENOMEM. */
nd_status nd_rd_reserve(nd_reader *r, size_t need);

/* ---- framing (frame.c) ------------------------------------------------------------------ */

/* Once nothing reads it ahead: counts the current source's decompressed copy against the
 * run's budget, or closes it when it is incomplete (then fetches decompress again). */
void nd_rd_settle_dspool(nd_reader *r);
/* Reads more of the current file into r->buf after compacting it (bytes before r->pos are
 * dropped). 0 ok (r->eof set at the end), -1 the stream failed (r->in.msg says why; r->eof
 * set), -2 out of memory. */
int nd_rd_fill(nd_reader *r);
/* A new decompressed spool for a compressed source (see frame.c); NULL when none. */
FILE *nd_rd_dspool_open(nd_reader *r);
/* Stops reading the current file and closes it (not standard input). */
void nd_rd_end_file(nd_reader *r);
/* The error record for a stream that failed (r->in.msg) at r->pos: the message names the
 * last record cut before it. Closes the file. */
void nd_rd_stream_error(nd_reader *r, nd_record *out);
/* Says what r->buf[0..n) is when it is not UTF-8 text (compressed, UTF-16, ...) into r->msg
 * and returns 1, else 0. */
int nd_rd_sniff_not_utf8(nd_reader *r, const char *p, size_t n);
/* The whole file as one record (the first chunk is in r->buf). */
nd_status nd_rd_text_record(nd_reader *r, nd_record *out);
/* Starts cutting the open file into JSON Lines (first chunk in r->buf); the first record,
 * or ND_END when there is none. */
nd_status nd_rd_start_jsonl(nd_reader *r, nd_record *out);
/* The next record of the open file in its mode: ND_OK, ND_END at its end, ND_ENOMEM. */
nd_status nd_rd_next_line(nd_reader *r, nd_record *out);

/* ---- CSV / TSV (csv.c) ------------------------------------------------------------------ */

/* Reads the header row and picks the columns; the first record (a note saying which column
 * was chosen, an error, or the first row), or ND_END. */
nd_status nd_rd_start_csv(nd_reader *r, nd_record *out);
nd_status nd_rd_next_csv(nd_reader *r, nd_record *out);
/* Field `col` of row[0..n) (RFC 4180, separator delim): its raw span [*b, *e) including
 * quotes, and whether it is quoted. 0 if the row has fewer fields. */
int nd_csv_field(const char *row, size_t n, char delim, uint32_t col, size_t *b, size_t *e,
                 int *quoted);
/* The number of fields of row[0..n). */
uint32_t nd_csv_nfields(const char *row, size_t n, char delim);

/* ---- WARC (warc.c) ---------------------------------------------------------------------- */

nd_status nd_rd_next_warc(nd_reader *r, nd_record *out);
/* The value of header `name` in the header block h[0..n) (case-insensitive name), trimmed;
 * NULL if absent. */
const char *nd_warc_header(const char *h, size_t n, const char *name, size_t *len);
/* The length of the header block of record rec[0..n) (up to and including the blank line),
 * or 0 if it has none. */
size_t nd_warc_header_len(const char *rec, size_t n);

#endif
