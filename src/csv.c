/*
 * csv.c - CSV and TSV files with a header row, cut into one record per row (RFC 4180).
 *
 * A field is quoted when it starts with '"'; inside quotes a doubled quote is a quote and
 * separators and line breaks are data; a row ends at a line break outside quotes (LF or
 * CRLF). TSV is the same with a tab as separator (what Python's csv module and pandas write
 * with sep='\t'). Blank lines are skipped, as pandas does. The header row names the
 * columns; the text column is --text-field, else "text", else the only column of long text
 * in the first rows (a note says so); the id column is --id-field, else "id", else "url".
 *
 * A record is the raw row (without its line break) and its line is the line where the row
 * starts, so messages point into the file even when quoted fields span lines; the decoder
 * (decode.c, on the workers) splits the row again with nd_csv_field. A row that cannot be
 * cut (a quote that never closes, or a closing quote followed by more than a separator)
 * is reported and skipped, and reading goes on at the line after the one where that row
 * started: one bad quote costs one row, not the rest of the file.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "input_priv.h"
#include "alloc.h"

#define SNIFF_ROWS 200 /* rows looked at to find the column of long text */
#define LONG_TEXT 200  /* mean field bytes that make a column one of long text */

/* ---- fields ------------------------------------------------------------------------------- */

/* The end of the field that starts at row[i] (the index of its separator, or n). */
static size_t field_end(const char *row, size_t n, char delim, size_t i, int *quoted)
{
    *quoted = i < n && row[i] == '"';
    if (*quoted) {
        for (i++; i < n; i++)
            if (row[i] == '"') {
                if (i + 1 < n && row[i + 1] == '"')
                    i++;
                else
                    break;
            }
    }
    while (i < n && row[i] != delim)
        i++;
    return i;
}

int nd_csv_field(const char *row, size_t n, char delim, uint32_t col, size_t *b, size_t *e,
                 int *quoted)
{
    size_t i = 0;
    for (uint32_t c = 0;; c++) {
        size_t end = field_end(row, n, delim, i, quoted);
        if (c == col) {
            *b = i;
            *e = end;
            return 1;
        }
        if (end >= n) return 0;
        i = end + 1;
    }
}

uint32_t nd_csv_nfields(const char *row, size_t n, char delim)
{
    uint32_t k = 1;
    int q;
    for (size_t i = field_end(row, n, delim, 0, &q); i < n; i = field_end(row, n, delim, i + 1, &q))
        k++;
    return k;
}

/* ---- cutting rows ------------------------------------------------------------------------- */

enum { AT_START, IN_PLAIN, IN_QUOTES, AFTER_QUOTE };

/* Where scanning a row from buf[0] got to. */
typedef struct row_scan {
    size_t i;    /* next byte to look at */
    int state;   /* AT_START ... AFTER_QUOTE */
    uint64_t nl; /* line breaks inside the row so far */
    size_t bad;  /* 1 + offset of a closing quote followed by data, 0 if none */
} row_scan;

/* Scans b[sc->i, n) for the end of the row that starts at b[0]: 1 with sc->i at its '\n',
 * 0 when b ends first (sc->i == n). */
static int scan_row(const char *b, size_t n, char delim, row_scan *sc)
{
    for (size_t i = sc->i; i < n; i++) {
        char c = b[i];
        switch (sc->state) {
        case AT_START:
        case IN_PLAIN:
            if (c == '\n') {
                sc->i = i;
                return 1;
            }
            if (c == '"' && sc->state == AT_START)
                sc->state = IN_QUOTES;
            else
                sc->state = c == delim ? AT_START : IN_PLAIN;
            break;
        case IN_QUOTES:
            if (c == '"') sc->state = AFTER_QUOTE;
            if (c == '\n') sc->nl++;
            break;
        case AFTER_QUOTE:
            if (c == '"') {
                sc->state = IN_QUOTES;
            } else if (c == delim) {
                sc->state = AT_START;
            } else if (c == '\n') {
                sc->i = i;
                return 1;
            } else if (c != '\r') {
                if (!sc->bad) sc->bad = i + 1;
                sc->state = IN_PLAIN;
            }
            break;
        }
    }
    sc->i = n;
    return 0;
}

/* Skips the rest of the physical line the bad row started on: reading goes on at the next
 * line (that line is still in the buffer: the row was scanned from it). */
static void resync(nd_reader *r, size_t start)
{
    const char *nl = memchr(r->buf + start, '\n', r->len - start);
    r->pos = nl ? (size_t)(nl - r->buf) + 1 : r->len;
    r->line++;
}

/* Discards the rest of a row too long to hold, which has no quote open: up to the end of
 * its physical line (as for JSON Lines). -2 out of memory, else 0. */
static int discard_line(nd_reader *r)
{
    for (;;) {
        const char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (nl) {
            r->pos = (size_t)(nl - r->buf) + 1;
            r->line++;
            return 0;
        }
        r->pos = r->len;
        if (r->eof) return 0;
        int f = nd_rd_fill(r);
        if (f == -2) return -2;
    }
}

/* Cuts the next row: *start and *n its bytes in r->buf (without the line break), *line where
 * it starts; r->pos moves past it. ND_OK, ND_END, ND_ENOMEM, or ND_EFORMAT/ND_ETOOBIG with
 * r->msg set for a row that was skipped (r->pos then past it): ND_EFORMAT, ND_ETOOBIG. */
static nd_status cut_row(nd_reader *r, size_t *start, size_t *n, uint64_t *line)
{
    size_t max = r->opts.max_doc_bytes;
    for (;;) { /* skip blank lines */
        if (r->pos < r->len && r->buf[r->pos] == '\n') {
            r->pos++;
            r->line++;
            continue;
        }
        if (r->pos + 1 < r->len && r->buf[r->pos] == '\r' && r->buf[r->pos + 1] == '\n') {
            r->pos += 2;
            r->line++;
            continue;
        }
        if (r->pos + 1 >= r->len && !r->eof) {
            if (nd_rd_fill(r) == -2) return ND_ENOMEM;
            continue;
        }
        break;
    }
    if (r->pos >= r->len) return ND_END;
    row_scan sc = {0, AT_START, 0, 0};
    *line = r->line;
    for (;;) {
        int found = scan_row(r->buf + r->pos, r->len - r->pos, r->delim, &sc);
        if (!found && !r->eof && sc.i <= max) {
            if (nd_rd_fill(r) == -2) return ND_ENOMEM;
            assert(r->pos == 0);
            continue;
        }
        if (!found && sc.i > max && sc.state != IN_QUOTES && sc.state != AFTER_QUOTE) {
            snprintf(r->msg, sizeof r->msg,
                     "row is longer than the %zu-byte limit (--max-bytes); skipped", max);
            r->pos += sc.i; /* no quote is open: the row ends at the next line break */
            r->line += sc.nl;
            return discard_line(r) == -2 ? ND_ENOMEM : ND_ETOOBIG;
        }
        if (!found && (sc.state == IN_QUOTES || (sc.i > max && sc.state == AFTER_QUOTE))) {
            if (r->eof && r->in.status != ND_OK) return ND_END; /* the stream failed: said there */
            snprintf(r->msg, sizeof r->msg,
                     "unbalanced quote: a quoted field that starts in this row %s; row skipped, "
                     "reading on at the next line",
                     sc.i > max ? "does not close within --max-bytes" : "never closes");
            resync(r, r->pos);
            return ND_EFORMAT;
        }
        if (sc.bad) { /* the line of the bad quote: line breaks before it */
            uint64_t k = 0;
            for (size_t i = 0; i + 1 < sc.bad; i++)
                k += r->buf[r->pos + i] == '\n';
            snprintf(r->msg, sizeof r->msg,
                     "malformed quoted field: a closing quote is followed by data on line %llu "
                     "(a quote inside a quoted field must be doubled; a quote may be "
                     "unbalanced); row skipped, reading on at the next line",
                     (unsigned long long)(*line + k));
            resync(r, r->pos);
            return ND_EFORMAT;
        }
        if (!found && r->eof && r->in.status != ND_OK) return ND_END; /* cut off by a failure */
        *start = r->pos;
        size_t end = r->pos + sc.i;
        r->pos = found ? end + 1 : end;
        r->line += sc.nl + (found ? 1 : 0);
        if (end > *start && r->buf[end - 1] == '\r') end--;
        *n = end - *start;
        if (*n > max) {
            snprintf(r->msg, sizeof r->msg,
                     "row is longer than the %zu-byte limit (--max-bytes); skipped", max);
            return ND_ETOOBIG;
        }
        return ND_OK;
    }
}

nd_status nd_rd_next_csv(nd_reader *r, nd_record *out)
{
    assert(r->mode == MODE_CSV);
    const char *path = r->src[r->cur].path;
    size_t start, n;
    uint64_t line;
    nd_status st = cut_row(r, &start, &n, &line);
    if (st == ND_ENOMEM) return st;
    if (st == ND_END && r->in.status != ND_OK) {
        nd_rd_stream_error(r, out);
        return ND_OK;
    }
    if (st == ND_END) return st;
    if (st != ND_OK) {
        nd_rd_error(r, out, path, r->cur, line, ND_NO_OFFSET, st, ND_REC_ERROR);
        return ND_OK;
    }
    const char *nul = memchr(r->buf + start, '\0', n);
    if (nul) {
        snprintf(r->msg, sizeof r->msg, "NUL byte at byte %zu of the row (binary data); skipped",
                 (size_t)(nul - (r->buf + start)) + 1);
        nd_rd_error(r, out, path, r->cur, line, ND_NO_OFFSET, ND_EBINARY, ND_REC_ERROR);
        return ND_OK;
    }
    nd_rd_doc(r, out, start, n, line);
    return ND_OK;
}

/* ---- the header and the columns ------------------------------------------------------------ */

/* Column `name` of the header row h[0..n): exact, else in any case. ND_NO_COLUMN if none. */
static uint32_t find_column(const char *h, size_t n, char delim, const char *name)
{
    size_t len = strlen(name), b = 0, e = 0;
    int q;
    uint32_t found = ND_NO_COLUMN, nf = nd_csv_nfields(h, n, delim);
    for (int pass = 0; pass < 2 && found == ND_NO_COLUMN; pass++)
        for (uint32_t c = 0; c < nf && found == ND_NO_COLUMN; c++) {
            nd_csv_field(h, n, delim, c, &b, &e, &q);
            if (q && e - b >= 2) b++, e--; /* header names are not expected to hold quotes */
            if (e - b == len &&
                (pass ? strncasecmp(h + b, name, len) : strncmp(h + b, name, len)) == 0)
                found = c;
        }
    return found;
}

/* Appends "a, b, c" (the header's names, cut short) to msg. */
static void list_columns(char *msg, size_t cap, const char *h, size_t n, char delim)
{
    uint32_t nf = nd_csv_nfields(h, n, delim);
    size_t b = 0, e = 0, at = strlen(msg);
    int q;
    for (uint32_t c = 0; c < nf && at + 8 < cap; c++) {
        nd_csv_field(h, n, delim, c, &b, &e, &q);
        if (q && e - b >= 2) b++, e--;
        int k = snprintf(msg + at, cap - at, "%s\"%.*s\"", c ? ", " : "",
                         (int)(e - b > 40 ? 40 : e - b), h + b);
        if (k < 0) break;
        at += (size_t)k;
    }
}

/* The only column whose fields average LONG_TEXT bytes or more over the first rows in the
 * buffer after r->pos; ND_NO_COLUMN with *count the number of such columns otherwise. */
static uint32_t long_text_column(nd_reader *r, uint32_t ncols, uint32_t *count)
{
    uint64_t sums[64] = {0};
    uint32_t cols = ncols < 64 ? ncols : 64, rows = 0;
    size_t pos = r->pos;
    while (rows < SNIFF_ROWS && pos < r->len) {
        row_scan sc = {0, AT_START, 0, 0};
        int found = scan_row(r->buf + pos, r->len - pos, r->delim, &sc);
        if (!found && !r->eof) break;
        size_t n = sc.i;
        if (n > 0 && r->buf[pos + n - 1] == '\r') n--;
        if (n > 0) {
            for (uint32_t c = 0; c < cols; c++) {
                size_t b, e;
                int q;
                if (nd_csv_field(r->buf + pos, n, r->delim, c, &b, &e, &q)) sums[c] += e - b;
            }
            rows++;
        }
        pos += sc.i + (found ? 1 : 0);
        if (!found) break;
    }
    uint32_t best = ND_NO_COLUMN;
    *count = 0;
    for (uint32_t c = 0; rows && c < cols; c++)
        if (sums[c] / rows >= LONG_TEXT) {
            best = c;
            (*count)++;
        }
    return *count == 1 ? best : ND_NO_COLUMN;
}

/* Picks the source's text and id columns from the header h[0..n) (in r->buf). ND_OK, with
 * r->msg set to a note when the text column was guessed (*note = 1); ND_EFIELD (r->msg says
 * why) when there is no text column. */
static nd_status pick_columns(nd_reader *r, const char *h, size_t n, int *note)
{
    src_file *s = &r->src[r->cur];
    const char *want = r->text_field ? r->text_field : "text";
    uint32_t ncols = nd_csv_nfields(h, n, r->delim);
    *note = 0;
    s->text_col = find_column(h, n, r->delim, want);
    if (s->text_col == ND_NO_COLUMN && !r->text_field) {
        uint32_t count;
        s->text_col = long_text_column(r, ncols, &count);
        if (s->text_col == ND_NO_COLUMN) {
            snprintf(r->msg, sizeof r->msg,
                     "no \"text\" column, and %s column of long text: name the text column with "
                     "--text-field (columns: ",
                     count ? "more than one" : "no");
            list_columns(r->msg, sizeof r->msg - 2, h, n, r->delim);
            strcat(r->msg, ")");
            return ND_EFIELD;
        }
        size_t b = 0, e = 0;
        int q;
        nd_csv_field(h, n, r->delim, s->text_col, &b, &e, &q);
        if (q && e - b >= 2) b++, e--;
        snprintf(r->msg, sizeof r->msg,
                 "no \"text\" column: the text is column %u, \"%.*s\" (the only column of long "
                 "text; --text-field names another)",
                 s->text_col + 1, (int)(e - b > 60 ? 60 : e - b), h + b);
        *note = 1;
    } else if (s->text_col == ND_NO_COLUMN) {
        snprintf(r->msg, sizeof r->msg, "no \"%.60s\" column (--text-field; columns: ", want);
        list_columns(r->msg, sizeof r->msg - 2, h, n, r->delim);
        strcat(r->msg, ")");
        return ND_EFIELD;
    }
    if (r->id_field) {
        s->id_col = find_column(h, n, r->delim, r->id_field);
    } else {
        s->id_col = find_column(h, n, r->delim, "id");
        if (s->id_col == ND_NO_COLUMN) s->id_col = find_column(h, n, r->delim, "url");
    }
    return ND_OK;
}

nd_status nd_rd_start_csv(nd_reader *r, nd_record *out)
{
    uint32_t si = r->cur;
    const char *path = r->src[si].path;
    r->delim = r->src[si].format == ND_INPUT_TSV ? '\t' : ',';
    r->mode = MODE_CSV;
    if (r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) r->pos = 3; /* a byte-order mark */
    if (nd_rd_sniff_not_utf8(r, r->buf, r->len)) {
        nd_rd_end_file(r);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, ND_EBINARY, ND_REC_ERROR);
        return ND_OK;
    }
    size_t start, n;
    uint64_t line;
    nd_status st = cut_row(r, &start, &n, &line);
    if (st == ND_ENOMEM) return st;
    if (st == ND_END) {
        int failed = r->in.status != ND_OK;
        snprintf(r->msg, sizeof r->msg, "%s", failed ? r->in.msg : "empty file (no header row)");
        nd_rd_end_file(r);
        nd_rd_error(r, out, path, si, ND_NO_LINE, ND_NO_OFFSET, failed ? ND_EIO : ND_EEMPTY,
                    ND_REC_ERROR);
        return ND_OK;
    }
    int note = 0;
    if (st == ND_OK) st = pick_columns(r, r->buf + start, n, &note);
    if (st != ND_OK) { /* no usable header: the file is skipped */
        nd_rd_end_file(r);
        nd_rd_error(r, out, path, si, line, ND_NO_OFFSET, st, ND_REC_ERROR);
        return ND_OK;
    }
    if (note) {
        nd_rd_error(r, out, path, si, line, ND_NO_OFFSET, ND_OK, ND_REC_NOTE);
        return ND_OK;
    }
    return nd_rd_next_csv(r, out);
}
