/*
 * clean.c - nd_clean: the scan, then every input file written again without what is
 * removed (see clean.h).
 *
 * After the scan, each source is read again from start to end through a window (a buffer
 * of WIN_CHUNK bytes or one record, from the file, or for a stream from the scan reader's
 * spool) and copied to its kept/ file, except the byte ranges removed, which go to
 * removed.jsonl with their reasons. The ranges of one source come in increasing offset
 * order from three lists of the result, each walked with a cursor: its documents (removed
 * whole, repaired, or copied), its skipped records, and the line ranges cut from the
 * articles it holds (doubled blocks and repeated short lines from `repeats`, boilerplate
 * from `shared`). Every document record is checked against the checksum pass 1 took, and
 * every file against its size and modification time, before and after: an input that
 * changed stops the run.
 *
 * A format is a writer (struct fmt): its name for standard input, whether a removed record
 * takes the line break after it, and how to find a record's article text and where its
 * lines start in the raw bytes. Text files and JSON Lines are the two there are.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "neardup/clean.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "clean_priv.h"
#include "clock.h"
#include "containers.h"
#include "json_scan.h"
#include "outdir.h"
#include "paras.h"
#include "removed.h"
#include "scan_reader.h"
#include "xxh.h"

#define WIN_CHUNK ((size_t)4 << 20) /* bytes read at a time */

void nd_clean_opts_init(nd_clean_opts *o)
{
    memset(o, 0, sizeof *o);
    o->remove = ND_REMOVE_DEFAULT;
}

/* ---- paths under kept/ ------------------------------------------------------------------ */

size_t nd_clean_rel_path(const nd_source_info *s, char *out, size_t cap)
{
    const char *p = s->path;
    if (s->stream && strcmp(p, "<stdin>") == 0)
        p = s->format == ND_INPUT_JSONL ? "stdin.jsonl" : "stdin.txt";
    /* Everything up to and including the last ".." component goes. */
    size_t from = 0, n = strlen(p);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') from = j;
        i = j + 1;
    }
    size_t len = 0;
    for (size_t i = from; i < n;) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t cl = j - i;
        if (cl > 0 && !(cl == 1 && p[i] == '.')) {
            if (len > 0) {
                if (len < cap) out[len] = '/';
                len++;
            }
            for (size_t k = 0; k < cl; k++, len++)
                if (len < cap) out[len] = p[i + k];
        }
        i = j + 1;
    }
    if (cap > 0) out[len < cap ? len : cap - 1] = '\0';
    return len;
}

/* ---- formats ------------------------------------------------------------------------- */

typedef struct clean_ctx clean_ctx;

/* A record's article text: the decoded text, and where in the record its raw form lies. */
typedef struct text_view {
    const char *text; /* decoded */
    size_t len;
    /* the text's raw bytes, record[raw_start .. + raw_len): a text file's whole record, a
     * JSON record's string with its quotes */
    size_t raw_start, raw_len;
} text_view;

struct fmt {
    nd_input_format format;
    const char *stdin_name;
    int takes_newline; /* a removed record takes the '\n' after it with it */
    /* The article text of record rec[0..len): ND_OK, or another status to leave the record
     * as it is (a warning is given). */
    nd_status (*text)(clean_ctx *c, uint32_t doc, const char *rec, size_t len, text_view *tv);
    /* The raw offsets (in the record) of the starts of the text's lines lines[0..k). */
    nd_status (*line_starts)(clean_ctx *c, const char *rec, const text_view *tv,
                             const uint32_t *lines, size_t k, size_t *raw);
};

/* ---- the run ------------------------------------------------------------------------- */

/* A line range cut out of an article, and why. */
enum { CUT_REPEAT, CUT_SHORT, CUT_BOILER };
typedef struct cut {
    uint32_t first, last; /* the article's lines */
    int kind;
    uint32_t of_first, of_last; /* repeat: the lines it repeats; short: the first copy's */
    uint32_t count;             /* short: copies; boilerplate: articles */
    int identical;
} cut;

/* A place of a boilerplate paragraph. */
typedef struct bplace {
    uint32_t doc, line, shared;
} bplace;

/* The window on the source being read again: bytes [base, base + len) of it. */
typedef struct window {
    int fd; /* a regular file; -1 for a stream (read through the scan's reader) */
    uint32_t source;
    uint64_t size;
    char *buf;
    size_t cap, len;
    uint64_t base;
} window;

struct clean_ctx {
    const nd_clean_opts *o;
    nd_scan_result *res;  /* what is written: the batch's documents and sources only */
    nd_scan_result *full; /* the result (with --index, the archived documents after the
                             batch's: res is then `view`, a copy that stops before them) */
    nd_scan_result view;
    nd_reader *reader;
    nd_say say;
    nd_outdir out;
    char *kept_dir;
    nd_ofile removed;
    nd_ofile kept;     /* the file being written (fd < 0: none) */
    nd_writer *writer; /* the thread that writes them (NULL: this one) */
    char **rel;        /* per source: its path under kept/ */
    const struct fmt **fmts;
    const nd_member **fate; /* per document: its member entry when it is removed */
    bplace *bp;
    size_t nbp;
    nd_decoder *dec;
    window w;
    /* cursors over the result's lists, in input order */
    size_t next_rep, next_bp;
    /* scratch for one article */
    cut *cuts;
    size_t ncuts, capcuts;
    uint32_t *lines;
    size_t caplines;
    size_t *raw;
    size_t capraw;
    size_t *lstart; /* decoded line starts */
    size_t nlstart, caplstart;
    char *text;
    size_t captext;
    char *reason;
    size_t capreason, lreason;
    nd_clean_summary sum;
};

static nd_status grow_bytes(char **p, size_t *cap, size_t need)
{
    if (need <= *cap) return ND_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    char *q = nd_reallocarray(*p, c, 1);
    if (!q) return ND_ENOMEM;
    *p = q;
    *cap = c;
    return ND_OK;
}

/* ---- reading a source again ---------------------------------------------------------- */

/* Makes bytes [off, off + n) of the source available (n > 0, off + n <= its size) and
 * returns them, or NULL with *st: ND_ECHANGED (the file is shorter), ND_EIO, ND_ENOMEM.
 * The pointer is good until the next call for bytes outside the window. */
static const char *win_get(clean_ctx *c, uint64_t off, size_t n, nd_status *st)
{
    window *w = &c->w;
    if (off >= w->base && off + n <= w->base + w->len) return w->buf + (off - w->base);
    size_t keep = 0;
    if (off >= w->base && off < w->base + w->len) { /* the part already here */
        keep = (size_t)(w->base + w->len - off);
        memmove(w->buf, w->buf + (off - w->base), keep);
    }
    size_t want = n > WIN_CHUNK ? n : WIN_CHUNK;
    if (want > w->size - off) want = (size_t)(w->size - off);
    if ((*st = grow_bytes(&w->buf, &w->cap, want)) != ND_OK) return NULL;
    w->base = off;
    w->len = keep;
    while (w->len < want) {
        if (w->fd >= 0) {
            ssize_t k = pread(w->fd, w->buf + w->len, want - w->len, (off_t)(off + w->len));
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) {
                *st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EIO, c->res->sources[w->source],
                              "cannot read it again: %s", strerror(errno));
                return NULL;
            }
            if (k == 0) break;
            w->len += (size_t)k;
        } else {
            nd_record rec;
            nd_status fs =
                nd_reader_fetch(c->reader, w->source, off + w->len, want - w->len, 1, &rec);
            if (fs == ND_ENOMEM) {
                *st = fs;
                return NULL;
            }
            if (fs != ND_OK) break;
            memcpy(w->buf + w->len, rec.data, rec.len);
            w->len += rec.len;
        }
    }
    if (w->len < want) {
        w->len = 0;
        *st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_ECHANGED, c->res->sources[w->source],
                      "changed during the run (it is shorter now)");
        return NULL;
    }
    return w->buf;
}

/* Whether the file behind the window is as the scan found it (size, modification time). */
static nd_status check_unchanged(clean_ctx *c)
{
    const nd_source_info *si = &c->res->source_info[c->w.source];
    struct stat sb;
    if (c->w.fd < 0) return ND_OK; /* a stream's spool cannot change */
    if (fstat(c->w.fd, &sb) != 0)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_EIO, si->path, "cannot read it again: %s",
                       strerror(errno));
    if ((uint64_t)sb.st_size != si->size || (int64_t)sb.st_mtim.tv_sec != si->mtime_sec ||
        sb.st_mtim.tv_nsec != si->mtime_nsec)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_ECHANGED, si->path,
                       "changed during the run (size or modification time)");
    return ND_OK;
}

static nd_status open_source(clean_ctx *c, uint32_t s)
{
    const nd_source_info *si = &c->res->source_info[s];
    c->w.source = s;
    c->w.size = si->size;
    c->w.base = c->w.len = 0;
    c->w.fd = -1;
    if (si->stream) return ND_OK;
    c->w.fd = open(si->path, O_RDONLY);
    if (c->w.fd < 0)
        return nd_sayf(&c->say, ND_DIAG_ERROR, errno == ENOENT ? ND_ECHANGED : ND_EIO, si->path,
                       "cannot open it again: %s", strerror(errno));
    return check_unchanged(c);
}

static void close_source(clean_ctx *c)
{
    if (c->w.fd >= 0) close(c->w.fd);
    c->w.fd = -1;
    c->w.base = c->w.len = 0;
}

/* Copies bytes [from, to) of the source to the kept file. */
static nd_status copy_range(clean_ctx *c, uint64_t from, uint64_t to)
{
    nd_status st = ND_OK;
    while (from < to && st == ND_OK) {
        size_t n = to - from > WIN_CHUNK ? WIN_CHUNK : (size_t)(to - from);
        const char *p = win_get(c, from, n, &st);
        if (!p) return st;
        st = nd_ofile_write(&c->kept, p, n, &c->say);
        from += n;
    }
    return st;
}

/* ---- removed.jsonl ---------------------------------------------------------------------- */

/* Writes the entry e with bytes [off, off + n) of the source. */
static nd_status emit(clean_ctx *c, nd_removed_entry *e, uint64_t off, uint64_t n)
{
    nd_status st = ND_OK;
    int text = 1;
    for (uint64_t pos = off; pos < off + n && text;) { /* are the bytes text? */
        size_t k = off + n - pos > WIN_CHUNK ? WIN_CHUNK : (size_t)(off + n - pos);
        const char *p = win_get(c, pos, k, &st);
        if (!p) return st;
        int bad;
        size_t ok = nd_removed_text_prefix(p, k, pos + k < off + n, &bad);
        if (bad) text = 0;
        pos += ok ? ok : k; /* (ok == 0 only at a sequence longer than a chunk: not text) */
        if (!ok && !bad) text = 0;
    }
    e->path = c->rel[c->w.source];
    e->source = c->res->sources[c->w.source];
    nd_b64 b = {{0}, 0};
    if ((st = nd_removed_begin(&c->removed, e, text, &c->say)) != ND_OK) return st;
    for (uint64_t pos = off; pos < off + n;) {
        size_t k = off + n - pos > WIN_CHUNK ? WIN_CHUNK : (size_t)(off + n - pos);
        const char *p = win_get(c, pos, k, &st);
        if (!p) return st;
        if ((st = nd_removed_put(&c->removed, text, &b, p, k, &c->say)) != ND_OK) return st;
        pos += k;
    }
    c->sum.bytes_removed += n;
    return nd_removed_end(&c->removed, text, &b, &c->say);
}

/* The reason being built: appends s[0..n) (raw JSON). */
static nd_status rs_put(clean_ctx *c, const char *s, size_t n)
{
    nd_status st = grow_bytes(&c->reason, &c->capreason, c->lreason + n + 1);
    if (st != ND_OK) return st;
    memcpy(c->reason + c->lreason, s, n);
    c->lreason += n;
    c->reason[c->lreason] = '\0';
    return ND_OK;
}

static nd_status rs_printf(clean_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static nd_status rs_printf(clean_ctx *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return rs_put(c, buf, k < 0 ? 0 : (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1);
}

/* Appends s as a JSON string (lossy for bytes that are not UTF-8: it only informs). */
static nd_status rs_str(clean_ctx *c, const char *s)
{
    size_t n = strlen(s);
    size_t need = nd_removed_info_escape(NULL, 0, s, n);
    nd_status st = grow_bytes(&c->reason, &c->capreason, c->lreason + need + 3);
    if (st != ND_OK) return st;
    c->reason[c->lreason++] = '"';
    nd_removed_info_escape(c->reason + c->lreason, need + 1, s, n);
    c->lreason += need;
    c->reason[c->lreason++] = '"';
    c->reason[c->lreason] = '\0';
    return ND_OK;
}

/* ---- one document ------------------------------------------------------------------- */

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v') return 0;
    return 1;
}

/* Where the decoded text's lines start (c->lstart; line L at lstart[L - 1]), by the one
 * rule paragraphs are cut by (nd_line_end: LF, CRLF, a lone CR); a line break at the very
 * end starts no line. */
static nd_status index_lines(clean_ctx *c, const char *t, size_t len)
{
    c->nlstart = 0;
    for (size_t pos = 0, next; pos < len; pos = next) {
        ND_GROW(c->nlstart, c->caplstart, 256, c->lstart);
        c->lstart[c->nlstart++] = pos;
        nd_line_end(t, len, pos, &next);
    }
    return ND_OK;
}

/* The last line of the paragraph that starts at line L: L itself by line, or the last of
 * the non-blank lines that follow it by block (as paras.c cuts them). */
static uint32_t para_last(const clean_ctx *c, const char *t, size_t len, uint32_t L)
{
    if (c->res->opts.para.mode != ND_PARA_BLOCK) return L;
    while (L < c->nlstart) {
        size_t next, s = c->lstart[L], e = nd_line_end(t, len, s, &next);
        if (blank_line(t + s, e - s)) break;
        L++;
    }
    return L;
}

static nd_status add_cut(clean_ctx *c, cut k)
{
    if (k.first == 0 || k.first > k.last || k.first > c->nlstart) return ND_OK;
    ND_GROW(c->ncuts, c->capcuts, 16, c->cuts);
    c->cuts[c->ncuts++] = k;
    return ND_OK;
}

static int cut_cmp(const void *x, const void *y)
{
    const cut *a = x, *b = y;
    if (a->first != b->first) return a->first < b->first ? -1 : 1;
    return (a->last < b->last) - (a->last > b->last); /* the longer first */
}

/* The line ranges to cut from document d, whose text is t[0..len): sorted, without
 * overlaps (a range that starts inside an earlier one keeps only what lies beyond it). */
static nd_status collect_cuts(clean_ctx *c, uint32_t d, const char *t, size_t len)
{
    const nd_scan_result *r = c->res;
    unsigned rm = c->o->remove;
    c->ncuts = 0;
    nd_status st = index_lines(c, t, len);
    if (st != ND_OK) return st;
    if (c->next_rep < r->nrepeats && r->repeats[c->next_rep].doc == d) {
        const nd_doc_repeats *rp = &r->repeats[c->next_rep];
        for (size_t i = 0; i < rp->nblocks && (rm & ND_REMOVE_BLOCKS) && st == ND_OK; i++) {
            const nd_block_repeat *b = &rp->blocks[i];
            st = add_cut(c, (cut){b->b_first, b->b_last, CUT_REPEAT, b->a_first, b->a_last, 0,
                                  b->identical});
        }
        for (size_t i = 0; i < rp->nshort && (rm & ND_REMOVE_SHORT) && st == ND_OK; i++) {
            const nd_short_line *sl = &rp->shorts[i];
            uint32_t f0 = sl->lines[0], l0 = para_last(c, t, len, f0);
            for (uint32_t k = 1; k < sl->count && st == ND_OK; k++)
                st = add_cut(c, (cut){sl->lines[k], para_last(c, t, len, sl->lines[k]), CUT_SHORT,
                                      f0, l0, sl->count, 1});
        }
    }
    for (; c->next_bp < c->nbp && c->bp[c->next_bp].doc == d && st == ND_OK; c->next_bp++) {
        const bplace *p = &c->bp[c->next_bp];
        const nd_shared_para *sp = &r->shared[p->shared];
        st = add_cut(c, (cut){p->line, para_last(c, t, len, p->line), CUT_BOILER, 0, 0, sp->ndocs,
                              sp->identical});
    }
    if (st != ND_OK || c->ncuts == 0) return st;
    qsort(c->cuts, c->ncuts, sizeof *c->cuts, cut_cmp);
    size_t w = 0;
    uint32_t end = 0; /* last line cut so far */
    for (size_t i = 0; i < c->ncuts; i++) {
        cut k = c->cuts[i];
        if (k.last > c->nlstart) k.last = (uint32_t)c->nlstart;
        if (k.first <= end) k.first = end + 1;
        if (k.first > k.last) continue;
        c->cuts[w++] = k;
        end = k.last;
    }
    c->ncuts = w;
    return ND_OK;
}

/* The reason of cut k, into c->reason. */
static nd_status cut_reason(clean_ctx *c, const cut *k)
{
    c->lreason = 0;
    switch (k->kind) {
    case CUT_REPEAT:
        return rs_printf(c, "{\"repeats\": [%u, %u], \"identical\": %s}", k->of_first, k->of_last,
                         k->identical ? "true" : "false");
    case CUT_SHORT:
        return rs_printf(c, "{\"repeats\": [%u, %u], \"copies\": %u}", k->of_first, k->of_last,
                         k->count);
    default:
        return rs_printf(c, "{\"articles\": %u, \"identical\": %s}", k->count,
                         k->identical ? "true" : "false");
    }
}

/* Writes document d (its record rec[0..len) at offset off) without the cuts; *pos (the
 * source's bytes dealt with) moves to the record's end. */
static nd_status write_cuts(clean_ctx *c, uint32_t d, uint64_t off, const char *rec, size_t len,
                            const text_view *tv, uint64_t *pos)
{
    static const char *const kinds[] = {"repeat", "short", "boilerplate"};
    const struct fmt *f = c->fmts[c->w.source];
    const nd_doc_info *di = &c->res->docs[d];
    size_t nb = 2 * c->ncuts;
    ND_RESERVE(c->lines, c->caplines, nb, 64);
    ND_RESERVE(c->raw, c->capraw, nb, 64);
    for (size_t i = 0; i < c->ncuts; i++) {
        c->lines[2 * i] = c->cuts[i].first;
        c->lines[2 * i + 1] = c->cuts[i].last + 1;
    }
    nd_status st = f->line_starts(c, rec, tv, c->lines, nb, c->raw);
    if (st != ND_OK) return st;
    uint64_t line = di->line;
    for (size_t i = 0; i < c->ncuts && st == ND_OK; i++) {
        const cut *k = &c->cuts[i];
        uint64_t a = off + c->raw[2 * i], b = off + c->raw[2 * i + 1];
        if (a >= b) continue;
        if ((st = copy_range(c, *pos, a)) != ND_OK) return st;
        if ((st = cut_reason(c, k)) != ND_OK) return st;
        /* A text file's line is the article's line; a JSON record is one line. */
        if (f->format == ND_INPUT_TXT) line = di->line + k->first - 1;
        nd_removed_entry e = {kinds[k->kind], NULL,     NULL,    line,     a,
                              di->id,         k->first, k->last, c->reason};
        if ((st = emit(c, &e, a, b - a)) != ND_OK) return st;
        c->sum.ranges_removed++;
        *pos = b;
    }
    if (st == ND_OK) st = copy_range(c, *pos, off + len);
    *pos = off + len;
    return st;
}

/* Deals with document d, whose record starts at *pos or after it. */
static nd_status do_doc(clean_ctx *c, uint32_t d, uint64_t *pos)
{
    const nd_doc_info *di = &c->res->docs[d];
    const struct fmt *f = c->fmts[c->w.source];
    nd_status st;
    if (di->offset < *pos || di->offset + di->length > c->w.size)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_ECHANGED, c->res->sources[c->w.source],
                       "changed during the run (a record is not where it was)");
    if ((st = copy_range(c, *pos, di->offset)) != ND_OK) return st;
    *pos = di->offset;
    size_t len = (size_t)di->length;
    int nl_after = f->takes_newline && di->offset + len < c->w.size;
    const char *rec = win_get(c, di->offset, len + (size_t)nl_after, &st);
    if (!rec) return st;
    if (XXH3_64bits(rec, len) != di->checksum)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_ECHANGED, c->res->sources[c->w.source],
                       "changed during the run (line %llu is not what was read)",
                       (unsigned long long)di->line);
    const nd_member *m = c->fate[d];
    if (m) { /* removed whole, with its line break */
        uint64_t n = len + (nl_after && rec[len] == '\n');
        const nd_doc_info *kept = &c->res->docs[m->dup_of];
        c->lreason = 0;
        if ((st = rs_put(c, "{\"kept\": ", 9)) == ND_OK && (st = rs_str(c, kept->id)) == ND_OK &&
            (st = rs_put(c, ", \"kept_source\": ", 17)) == ND_OK &&
            (st = rs_str(c, c->res->sources[kept->source])) == ND_OK)
            st = rs_printf(c, ", \"kept_line\": %llu, \"jaccard\": %.4f, \"containment\": %.4f}",
                           (unsigned long long)kept->line, m->dup_jaccard, m->dup_containment);
        if (st != ND_OK) return st;
        nd_removed_entry e = {"duplicate", NULL, NULL, di->line, di->offset,
                              di->id,      0,    0,    c->reason};
        if ((st = emit(c, &e, di->offset, n)) != ND_OK) return st;
        c->sum.docs_removed++;
        *pos = di->offset + n;
        return ND_OK;
    }
    /* Anything to cut from it? */
    int any = (c->next_rep < c->res->nrepeats && c->res->repeats[c->next_rep].doc == d &&
               (c->o->remove & (ND_REMOVE_BLOCKS | ND_REMOVE_SHORT))) ||
              (c->next_bp < c->nbp && c->bp[c->next_bp].doc == d);
    text_view tv;
    if (any && (st = f->text(c, d, rec, len, &tv)) == ND_OK &&
        (st = collect_cuts(c, d, tv.text, tv.len)) == ND_OK && c->ncuts > 0)
        return write_cuts(c, d, di->offset, rec, len, &tv, pos);
    if (st == ND_ENOMEM) return st;
    if (any) /* the cuts that were not found are left out */
        while (c->next_bp < c->nbp && c->bp[c->next_bp].doc == d)
            c->next_bp++;
    if ((st = nd_ofile_write(&c->kept, rec, len, &c->say)) != ND_OK) return st;
    *pos = di->offset + len;
    return ND_OK;
}

/* ---- the two formats ------------------------------------------------------------------ */

static nd_status txt_text(clean_ctx *c, uint32_t doc, const char *rec, size_t len, text_view *tv)
{
    (void)c;
    (void)doc;
    *tv = (text_view){rec, len, 0, len};
    return ND_OK;
}

static nd_status txt_line_starts(clean_ctx *c, const char *rec, const text_view *tv,
                                 const uint32_t *lines, size_t k, size_t *raw)
{
    (void)rec;
    for (size_t i = 0; i < k; i++)
        raw[i] = lines[i] >= 1 && lines[i] <= c->nlstart ? c->lstart[lines[i] - 1] : tv->len;
    return ND_OK;
}

/* The text field's string in the raw line and the decoder's text of it. The span is
 * nd_json_scan's for the decoder's key (the last of repeated keys, as the decoder takes),
 * and, as a check that it is the string the decoder read, it must decode to the decoder's
 * bytes (an escaped NUL a space, as decode.c makes it); if not, the record is kept whole. */
static nd_status jsonl_text(clean_ctx *c, uint32_t doc, const char *rec, size_t len, text_view *tv)
{
    const nd_scan_opts *o = &c->res->opts;
    const char *field = o->decode.text_field ? o->decode.text_field : "text";
    const nd_doc_info *di = &c->res->docs[doc];
    nd_record r;
    memset(&r, 0, sizeof r);
    r.kind = ND_REC_DOC;
    r.json = 1;
    r.data = rec;
    r.len = len;
    r.path = c->res->sources[di->source];
    r.source = di->source;
    r.line = di->line;
    r.offset = di->offset;
    nd_doc dd;
    const char *msg;
    nd_status st = nd_decode(c->dec, &r, &dd, &msg);
    if (st == ND_ENOMEM) return st;
    nd_json_field f = {field, strlen(field), ND_JSON_NONE, 0, 0};
    nd_json_error err;
    size_t at;
    if (st == ND_OK && nd_json_scan(rec, len, &f, 1, &err, &at) == ND_OK &&
        f.type == ND_JSON_STRING) {
        if ((st = grow_bytes(&c->text, &c->captext, f.len)) != ND_OK) return st;
        size_t n = nd_json_string(rec + f.off, f.len, c->text);
        for (char *z = c->text, *e = c->text + n; (z = memchr(z, '\0', (size_t)(e - z))) != NULL;)
            *z++ = ' ';
        if (n == dd.len && memcmp(c->text, dd.text, n) == 0) {
            *tv = (text_view){dd.text, dd.len, f.off, f.len};
            return ND_OK;
        }
    }
    nd_sayf(&c->say, ND_DIAG_WARNING, ND_OK, c->res->sources[di->source],
            "line %llu: its \"%s\" string could not be read in place; the record is kept "
            "as it is",
            (unsigned long long)di->line, field);
    return ND_EJSON;
}

static nd_status jsonl_line_starts(clean_ctx *c, const char *rec, const text_view *tv,
                                   const uint32_t *lines, size_t k, size_t *raw)
{
    (void)c;
    nd_json_string_lines(rec + tv->raw_start, tv->raw_len, lines, k, raw);
    for (size_t i = 0; i < k; i++)
        raw[i] += tv->raw_start;
    return ND_OK;
}

static const struct fmt formats[] = {
    {ND_INPUT_TXT, "stdin.txt", 0, txt_text, txt_line_starts},
    {ND_INPUT_JSONL, "stdin.jsonl", 1, jsonl_text, jsonl_line_starts},
};

/* ---- one source ------------------------------------------------------------------------- */

static nd_status open_kept(clean_ctx *c, uint32_t s)
{
    nd_status st = nd_mkdirs(c->kept_dir, c->rel[s], &c->say);
    if (st != ND_OK) return st;
    char *p = nd_path_join(c->kept_dir, c->rel[s]);
    if (!p) return ND_ENOMEM;
    st = nd_ofile_create(&c->kept, p, c->writer, &c->say);
    nd_free(p);
    if (st == ND_OK) c->sum.files_written++;
    return st;
}

/* The skipped record at offset off (a JSON Lines line) or the whole source (ND_NO_OFFSET):
 * moved to removed.jsonl with drop_invalid, else left where it is (copied with the rest). */
static nd_status do_skip(clean_ctx *c, const nd_skip *sk, uint64_t *pos)
{
    if (!c->o->drop_invalid) {
        c->sum.invalid_copied++;
        return ND_OK;
    }
    uint64_t off = sk->offset == ND_NO_OFFSET ? 0 : sk->offset, end = c->w.size;
    if (off < *pos || off > c->w.size)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_ECHANGED, c->res->sources[c->w.source],
                       "changed during the run (a skipped line is not where it was)");
    nd_status st = copy_range(c, *pos, off);
    if (st != ND_OK) return st;
    if (sk->offset != ND_NO_OFFSET) /* to the end of its line, with the line break */
        for (uint64_t p = off; p < c->w.size;) {
            size_t k = c->w.size - p > WIN_CHUNK ? WIN_CHUNK : (size_t)(c->w.size - p);
            const char *b = win_get(c, p, k, &st);
            if (!b) return st;
            const char *nl = memchr(b, '\n', k);
            if (nl) {
                end = p + (uint64_t)(nl - b) + 1;
                break;
            }
            p += k;
        }
    c->lreason = 0;
    if ((st = rs_put(c, "{\"error\": ", 10)) != ND_OK ||
        (st = rs_str(c, nd_status_str(sk->code))) != ND_OK ||
        (st = rs_put(c, ", \"message\": ", 13)) != ND_OK ||
        (st = rs_str(c, sk->message)) != ND_OK || (st = rs_put(c, "}", 1)) != ND_OK)
        return st;
    nd_removed_entry e = {"invalid", NULL, NULL, sk->offset == ND_NO_OFFSET ? 1 : sk->line,
                          off,       NULL, 0,    0,
                          c->reason};
    if ((st = emit(c, &e, off, end - off)) != ND_OK) return st;
    c->sum.invalid_dropped++;
    *pos = end;
    return ND_OK;
}

/* Writes source s: its kept/ file (unless nothing of it is kept) and its removed entries.
 * *d and *k are the cursors on the documents and skips, moved past those of s. */
static nd_status do_source(clean_ctx *c, uint32_t s, size_t *d, size_t *k)
{
    const nd_scan_result *r = c->res;
    size_t d0 = *d, d1 = d0, k0 = *k, k1 = k0;
    while (d1 < r->ndocs && r->docs[d1].source == s)
        d1++;
    while (k1 < r->nskipped &&
           (r->skipped[k1].source == s || r->skipped[k1].source == ND_NO_SOURCE))
        k1++;
    *d = d1;
    *k = k1;
    int whole_skip = 0;
    size_t nskips = 0;
    for (size_t i = k0; i < k1; i++)
        if (r->skipped[i].source == s) {
            nskips++;
            whole_skip |= r->skipped[i].offset == ND_NO_OFFSET;
        }
    whole_skip &= d1 == d0; /* (a source with documents is never skipped whole) */
    /* Nothing of it is kept: a text file removed, a skipped file dropped. */
    int gone = (whole_skip && c->o->drop_invalid) ||
               (c->fmts[s]->format == ND_INPUT_TXT && d1 == d0 + 1 && c->fate[d0]);
    nd_status st = open_source(c, s);
    if (st == ND_OK && !gone) st = open_kept(c, s);
    if (gone) c->sum.files_removed++;
    uint64_t pos = 0;
    size_t i = d0, j = k0;
    while (st == ND_OK && (i < d1 || j < k1)) {
        if (j < k1 && r->skipped[j].source != s) {
            j++;
            continue;
        }
        uint64_t skoff = j < k1 ? r->skipped[j].offset : UINT64_MAX;
        if (j < k1 && skoff == ND_NO_OFFSET) skoff = 0;
        if (i < d1 && r->docs[i].offset < skoff) {
            st = do_doc(c, (uint32_t)i, &pos);
            i++;
            while (c->next_rep < r->nrepeats && r->repeats[c->next_rep].doc < i)
                c->next_rep++;
            while (c->next_bp < c->nbp && c->bp[c->next_bp].doc < i)
                c->next_bp++;
        } else {
            st = do_skip(c, &r->skipped[j], &pos);
            j++;
        }
    }
    if (st == ND_OK && !gone) st = copy_range(c, pos, c->w.size);
    if (st == ND_OK) st = check_unchanged(c);
    if (st == ND_OK && nskips && !c->o->drop_invalid)
        nd_sayf(&c->say, ND_DIAG_WARNING, ND_OK, r->sources[s],
                "%s copied unchanged to kept/ (--drop-invalid moves %s to removed.jsonl)",
                whole_skip    ? "skipped; the file is"
                : nskips == 1 ? "1 skipped line"
                              : "skipped lines",
                whole_skip || nskips == 1 ? "it" : "them");
    nd_status cs = nd_ofile_close(&c->kept, &c->say);
    close_source(c);
    return st != ND_OK ? st : cs;
}

/* ---- planning --------------------------------------------------------------------------- */

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Each source's path under kept/ and its format's writer; refuses what cannot be
 * written: an unknown format, a path that maps to nothing or to another's path (or to a
 * directory on another's way). */
static nd_status plan_sources(clean_ctx *c)
{
    const nd_scan_result *r = c->res;
    size_t ns = r->nsources;
    c->rel = nd_calloc(ns ? ns : 1, sizeof *c->rel);
    c->fmts = nd_calloc(ns ? ns : 1, sizeof *c->fmts);
    char **sorted = nd_calloc(ns ? ns : 1, sizeof *sorted);
    nd_status st = ND_OK;
    if (!c->rel || !c->fmts || !sorted) {
        nd_free(sorted);
        return ND_ENOMEM;
    }
    for (size_t s = 0; s < ns && st == ND_OK; s++) {
        const nd_source_info *si = &r->source_info[s];
        for (size_t f = 0; f < sizeof formats / sizeof *formats; f++)
            if (formats[f].format == si->format) c->fmts[s] = &formats[f];
        if (!c->fmts[s] || si->compressed) {
            st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EINVAL, si->path,
                         "clean cannot rewrite this kind of input (compressed, CSV/TSV or WARC); "
                         "only text files and uncompressed JSON Lines");
            break;
        }
        size_t n = nd_clean_rel_path(si, NULL, 0);
        if (n == 0) {
            st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EINVAL, si->path,
                         "names no file to write under kept/");
            break;
        }
        if (!(c->rel[s] = nd_malloc(n + 1))) {
            st = ND_ENOMEM;
            break;
        }
        nd_clean_rel_path(si, c->rel[s], n + 1);
        sorted[s] = c->rel[s];
    }
    if (st == ND_OK && ns > 1) qsort(sorted, ns, sizeof *sorted, str_cmp);
    for (size_t i = 0; i < ns && st == ND_OK; i++) {
        const char *p = sorted[i];
        if (i + 1 < ns && strcmp(p, sorted[i + 1]) == 0)
            st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EINVAL, p,
                         "two inputs would both be kept/%s (name each file once)", p);
        /* A file whose path is a directory on another's way. */
        for (const char *q = strchr(p, '/'); q && st == ND_OK; q = strchr(q + 1, '/')) {
            size_t pl = (size_t)(q - p);
            size_t lo = 0, hi = ns;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int cmp = strncmp(sorted[mid], p, pl);
                if (cmp == 0 && sorted[mid][pl] != '\0') cmp = 1;
                if (cmp < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < ns && strncmp(sorted[lo], p, pl) == 0 && sorted[lo][pl] == '\0')
                st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EINVAL, p,
                             "kept/%s would need kept/%s to be both a file and a directory", p,
                             sorted[lo]);
        }
    }
    nd_free(sorted);
    return st;
}

/* Refuses a source inside the output directory (a second run over its own output). */
static nd_status check_not_inside(clean_ctx *c, const char *outdir)
{
    char *od = realpath(outdir, NULL);
    if (!od) return ND_OK; /* it does not exist yet: nothing is inside it */
    size_t ol = strlen(od);
    nd_status st = ND_OK;
    for (size_t s = 0; s < c->res->nsources && st == ND_OK; s++) {
        if (c->res->source_info[s].stream) continue;
        char *sp = realpath(c->res->sources[s], NULL);
        if (sp && strncmp(sp, od, ol) == 0 && (sp[ol] == '/' || ol == 1))
            st = nd_sayf(&c->say, ND_DIAG_ERROR, ND_EINVAL, c->res->sources[s],
                         "is inside the output directory %s (clean a copy, or write elsewhere)",
                         outdir);
        free(sp);
    }
    free(od);
    return st;
}

static int bplace_cmp(const void *x, const void *y)
{
    const bplace *a = x, *b = y;
    if (a->doc != b->doc) return a->doc < b->doc ? -1 : 1;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return (a->shared > b->shared) - (a->shared < b->shared);
}

/* What goes: each removed member's fate, and the boilerplate places. */
static nd_status plan_removals(clean_ctx *c)
{
    const nd_scan_result *r = c->res;
    c->fate = nd_calloc(r->ndocs ? r->ndocs : 1, sizeof *c->fate);
    if (!c->fate) return ND_ENOMEM;
    if (c->o->remove & ND_REMOVE_GROUPS)
        for (size_t g = 0; g < r->ngroups; g++)
            for (size_t m = 0; m < r->groups[g].nmembers; m++) {
                const nd_member *mb = &r->groups[g].members[m];
                if (!mb->kept && mb->doc < r->ndocs) c->fate[mb->doc] = mb; /* (not archived) */
            }
    if (!(c->o->remove & ND_REMOVE_BOILERPLATE)) return ND_OK;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < r->nshared; i++) {
        const nd_shared_para *sp = &r->shared[i];
        if (!sp->boilerplate) continue;
        ND_RESERVE(c->bp, cap, n + sp->nplaces, 256);
        for (size_t k = 0; k < sp->nplaces; k++)
            if (sp->places[k].doc < r->ndocs) /* (an archived place is not written) */
                c->bp[n++] = (bplace){sp->places[k].doc, sp->places[k].line, (uint32_t)i};
    }
    if (n) qsort(c->bp, n, sizeof *c->bp, bplace_cmp);
    c->nbp = n;
    return ND_OK;
}

/* ---- nd_clean --------------------------------------------------------------------------- */

static void ctx_clear(clean_ctx *c)
{
    if (c->rel)
        for (size_t s = 0; s < c->res->nsources; s++)
            nd_free(c->rel[s]);
    nd_free(c->rel);
    nd_free(c->fmts);
    nd_free(c->fate);
    nd_free(c->bp);
    nd_decoder_free(c->dec);
    nd_free(c->w.buf);
    nd_free(c->cuts);
    nd_free(c->lines);
    nd_free(c->raw);
    nd_free(c->lstart);
    nd_free(c->text);
    nd_free(c->reason);
    nd_free(c->kept_dir);
}

/* Writes everything into the temporary directory. */
static nd_status write_all(clean_ctx *c)
{
    nd_status st;
    if ((st = plan_sources(c)) != ND_OK || (st = plan_removals(c)) != ND_OK) return st;
    if ((st = nd_decoder_create(&c->res->opts.decode, &c->dec)) != ND_OK) return st;
    /* With two threads or more, the writes go to a thread of their own. */
    if (c->res->opts.threads > 1 && (st = nd_writer_create(&c->writer)) != ND_OK) {
        if (st == ND_ENOMEM) return st;
        c->writer = NULL; /* no thread: write here */
    }
    if (!(c->kept_dir = nd_path_join(c->out.tmp, "kept"))) return ND_ENOMEM;
    if (mkdir(c->kept_dir, 0777) != 0)
        return nd_sayf(&c->say, ND_DIAG_ERROR, ND_EIO, c->kept_dir, "cannot create it: %s",
                       strerror(errno));
    char *rp = nd_path_join(c->out.tmp, "removed.jsonl");
    if (!rp) return ND_ENOMEM;
    st = nd_ofile_create(&c->removed, rp, c->writer, &c->say);
    nd_free(rp);
    size_t d = 0, k = 0;
    for (uint32_t s = 0; s < c->res->nsources && st == ND_OK; s++)
        st = do_source(c, s, &d, &k);
    nd_status cs = nd_ofile_close(&c->removed, &c->say);
    return st != ND_OK ? st : cs;
}

nd_status nd_clean_run(const nd_scan_opts *scan_opts, const nd_clean_opts *opts, const char *outdir,
                       const char *const *paths, size_t npaths, nd_scan_result **out,
                       void (*after_scan)(void *), void *hook_ud)
{
    nd_say say = {scan_opts ? scan_opts->on_diag : NULL, scan_opts ? scan_opts->userdata : NULL};
    if (!scan_opts || !opts || !outdir || !npaths || (opts->remove & ~ND_REMOVE_ALL))
        return ND_EINVAL;
    static const struct {
        unsigned remove, part;
        const char *name;
    } needs[] = {{ND_REMOVE_GROUPS, ND_PART_GROUPS, "groups"},
                 {ND_REMOVE_BLOCKS, ND_PART_BLOCKS, "blocks"},
                 {ND_REMOVE_SHORT, ND_PART_SHORT, "short"},
                 {ND_REMOVE_BOILERPLATE, ND_PART_SHARED, "shared"}};
    for (size_t i = 0; i < sizeof needs / sizeof *needs; i++)
        if ((opts->remove & needs[i].remove) && !(scan_opts->parts & needs[i].part))
            return nd_sayf(&say, ND_DIAG_ERROR, ND_EINVAL, NULL,
                           "removing %s needs the scan part '%s' (--parts)",
                           needs[i].remove == ND_REMOVE_BOILERPLATE ? "boilerplate" : needs[i].name,
                           needs[i].name);
    clean_ctx c;
    memset(&c, 0, sizeof c);
    c.o = opts;
    c.say = say;
    c.w.fd = -1;
    c.kept.fd = -1;
    c.removed.fd = -1;
    nd_status st = nd_outdir_open(&c.out, outdir, opts->force, &say);
    if (st != ND_OK) return st;
    if (!opts->index)
        st = nd_scan_keep_reader(scan_opts, paths, npaths, &c.res, &c.reader);
    else if ((st = nd_check_keep_reader(opts->index, scan_opts, paths, npaths, &c.res,
                                        &c.reader)) != ND_OK &&
             nd_index_errmsg(opts->index)[0])
        st = nd_sayf(&say, ND_DIAG_ERROR, ND_EINVAL, NULL, "the archive index: %s",
                     nd_index_errmsg(opts->index));
    c.full = c.res;
    if (st == ND_OK && c.res->narchived) {
        /* The archived documents (and their sources) come after the batch's: the writers
         * see only the batch. A group's archived members are kept (the keep rule puts them
         * first), so only batch documents are removed, as duplicates of them or of others. */
        c.view = *c.res;
        size_t nb = c.res->ndocs - c.res->narchived;
        uint32_t first = UINT32_MAX;
        for (size_t d = nb; d < c.res->ndocs; d++)
            if (c.res->docs[d].source < first) first = c.res->docs[d].source;
        c.view.ndocs = nb;
        c.view.narchived = 0;
        c.view.nsources = first < c.res->nsources ? first : c.res->nsources;
        c.res = &c.view;
    }
    if (st == ND_OK && after_scan) after_scan(hook_ud);
    if (st == ND_OK && c.out.merge) st = check_not_inside(&c, outdir);
    double t0 = nd_now();
    if (st == ND_OK) st = write_all(&c);
    nd_reader_free(c.reader);
    c.reader = NULL;
    if (st != ND_OK) { /* (their queued writes are done before the files go) */
        nd_ofile_close(&c.kept, NULL);
        nd_ofile_close(&c.removed, NULL);
    }
    nd_writer_free(c.writer);
    c.writer = NULL;
    if (st == ND_OK) st = nd_outdir_commit(&c.out, 0, &say);
    c.sum.t_write = nd_now() - t0;
    if (st != ND_OK) {
        nd_ofile_close(&c.kept, NULL);
        nd_ofile_close(&c.removed, NULL);
        nd_outdir_abort(&c.out);
        if (c.res) ctx_clear(&c);
        nd_scan_result_free(c.full);
        return st;
    }
    c.sum.cleaned = 1;
    c.sum.remove = opts->remove;
    ctx_clear(&c);
    c.full->clean = c.sum;
    *out = c.full;
    return ND_OK;
}

nd_status nd_clean(const nd_scan_opts *scan_opts, const nd_clean_opts *opts, const char *outdir,
                   const char *const *paths, size_t npaths, nd_scan_result **out)
{
    return nd_clean_run(scan_opts, opts, outdir, paths, npaths, out, NULL, NULL);
}
