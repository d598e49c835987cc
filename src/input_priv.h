/*
 * input_priv.h - the reader's private state, shared by its files (not a public header).
 *
 * reader.c owns the reader object: the stack of pending paths, directories, the table of
 * sources, opening each file and nd_reader_fetch. frame.c cuts the file being read into
 * records (a whole text file, JSON Lines lines). decode.c (the decoder) needs none of this.
 *
 * Invariants: at most one file is being read at a time (r->fd >= 0 while its records are
 * cut); r->buf holds its bytes [r->pos, r->len), which start at offset r->base + r->pos of
 * the source and at line r->line; r->cur is its index in r->src.
 */
#ifndef NEARDUP_INPUT_PRIV_H
#define NEARDUP_INPUT_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include "neardup/input.h"

#define CHUNK ((size_t)1 << 20) /* bytes read at a time */
#define BINARY_PROBE 8192u      /* bytes looked at to call a file binary */
#define STDIN_NAME "<stdin>"

typedef struct pending {
    char *path;
    unsigned char from_dir; /* found in a directory: only .txt / .jsonl are taken */
} pending;

typedef struct src_file {
    char *path;
    unsigned char json;
    FILE *spool; /* streams: a copy of everything read, for nd_reader_fetch */
} src_file;

struct nd_reader {
    nd_reader_opts opts;
    pending *stack;
    size_t nstack, capstack;
    src_file *src;
    size_t nsrc, capsrc;

    /* The JSON Lines file being read (fd >= 0), or none. */
    int fd;
    uint32_t cur; /* its source index */
    char *buf;    /* bytes [pos, len) not yet consumed */
    size_t pos, len, cap;
    uint64_t base; /* file offset of buf[0] */
    uint64_t line; /* line number of buf[pos] */
    int eof;

    char *fetch;
    size_t fetch_cap;
    int fetch_fd; /* the last file fetched from, kept open for the next fetch */
    uint32_t fetch_src;
    int stdin_closed; /* descriptor 0 was closed when the reader was created */
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
/* Grows r->buf to hold at least `need` bytes. ND_OK or ND_ENOMEM. */
nd_status nd_rd_reserve(nd_reader *r, size_t need);
/* read() that retries on EINTR and fills up to n bytes unless at end of file: the number of
 * bytes read, or -1 with errno set. */
ptrdiff_t nd_rd_read_full(int fd, char *p, size_t n);

/* ---- framing (frame.c) ------------------------------------------------------------------ */

/* One text file (or a stream of one article) as one record: reads fd after the `have`
 * bytes already in r->buf (eof: nothing more to read). ND_OK with a record, or ND_ENOMEM. */
nd_status nd_rd_text_record(nd_reader *r, uint32_t si, int fd, FILE *spool, size_t have, int eof,
                            nd_record *out);
/* Starts cutting fd (source si) into JSON Lines; the first record (or ND_END) goes to out. */
nd_status nd_rd_start_jsonl(nd_reader *r, uint32_t si, int fd, nd_record *out);
/* The next line of the current JSON Lines file: ND_OK with a record, ND_END at its end
 * (the file is then closed), or ND_ENOMEM. */
nd_status nd_rd_next_line(nd_reader *r, nd_record *out);
/* Reads more of the current file into r->buf after compacting it. 0 ok, -1 read error
 * (errno set), -2 out of memory. */
int nd_rd_fill(nd_reader *r);
/* Stops reading the current file and closes it (not standard input). */
void nd_rd_end_file(nd_reader *r);

#endif
