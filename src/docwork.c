/*
 * docwork.c - batches and the work on one document (see docwork.h).
 *
 * Pass 1 (ND_MODE_SIGN) decodes a record, normalises its text, shingles and signs it, takes
 * its repetition measures when asked (metrics.h), and runs the paragraph pass: the article's
 * paragraphs (paras.h), the sentences of its long paragraphs (sentences.h) and its internal repeats
 * (repeats.h), copied into the batch. Pass 2 (ND_MODE_SET) checks the record's checksum against
 * pass 1 and builds its exact shingle set. ND_MODE_TEXT cuts snippets of the byte ranges asked for.
 * ND_MODE_INDEX is pass 1 plus, for an archive index, the document's record (its token hashes
 * and the token ranges of its sentences, index_code.h) and a snippet. A record that is no
 * longer what pass 1 read (another checksum, or too short for a range) gets ND_ECHANGED.
 */
#include "docwork.h"

#include <stdio.h>
#include <string.h>

#include "sentences.h"
#include "winnow.h"
#include "shingle.h"
#include "xxh.h"

/* ---- batches ------------------------------------------------------------------------------ */

void nd_batch_reset(nd_batch *b, int mode)
{
    for (size_t i = 0; i < b->n; i++)
        nd_free(b->items[i].set.v);
    b->mode = mode;
    b->n = 0;
    b->nprecs = b->nblocks = b->nshorts = b->nruns = b->nshort_lines = b->nwids = b->nreqs =
        b->ncfps = 0;
    b->bytes.len = 0;
    b->strs.len = 0;
    b->recs.len = 0;
    if (b->words) nd_words_reset(b->words);
    b->done = 0;
    b->fatal = ND_OK;
}

void nd_batch_trim(nd_batch *b)
{
/* Frees b->a and zeroes its capacity b->cap (an array sharing the capacity is freed just
 * before it). */
#define DROP(a, cap)                                                                               \
    do {                                                                                           \
        nd_free(b->a);                                                                             \
        b->a = NULL;                                                                               \
        b->cap = 0;                                                                                \
    } while (0)
    nd_batch_reset(b, b->mode);
    nd_free(b->psent); /* (capprecs, as precs) */
    b->psent = NULL;
    DROP(precs, capprecs);
    DROP(wids, capwids);
    nd_free(b->block_txt); /* (capblocks) */
    b->block_txt = NULL;
    DROP(blocks, capblocks);
    nd_free(b->short_txt); /* (capshorts) */
    b->short_txt = NULL;
    DROP(shorts, capshorts);
    nd_free(b->run_txt); /* (capruns) */
    b->run_txt = NULL;
    DROP(runs, capruns);
    DROP(short_loff, capshort_loff);
    DROP(short_lines, capshort_lines);
    DROP(cfps, capcfps);
#undef DROP
    nd_bytes_clear(&b->recs);
}

void nd_batch_free(nd_batch *b)
{
    if (!b) return;
    nd_batch_reset(b, ND_MODE_SIGN);
    nd_free(b->items);
    nd_arena_clear(&b->bytes);
    nd_arena_clear(&b->strs);
    nd_free(b->sigs);
    nd_free(b->precs);
    nd_free(b->psent);
    nd_free(b->wids);
    nd_words_free(b->words);
    nd_free(b->blocks);
    nd_free(b->block_txt);
    nd_free(b->shorts);
    nd_free(b->short_txt);
    nd_free(b->runs);
    nd_free(b->run_txt);
    nd_free(b->short_loff);
    nd_free(b->short_lines);
    nd_free(b->reqs);
    nd_free(b->cfps);
    nd_bytes_clear(&b->recs);
    nd_free(b);
}

nd_status nd_batch_create(unsigned k, nd_batch **out)
{
    nd_batch *b = nd_calloc(1, sizeof *b);
    if (!b) return ND_ENOMEM;
    b->cap = ND_BATCH_ITEMS;
    b->items = nd_calloc(b->cap, sizeof *b->items);
    b->sigs = nd_malloc((size_t)ND_BATCH_ITEMS * k * sizeof *b->sigs);
    if (!b->items || !b->sigs || nd_words_create(&b->words) != ND_OK) {
        nd_batch_free(b);
        return ND_ENOMEM;
    }
    *out = b;
    return ND_OK;
}

int nd_batch_full(const nd_batch *b)
{
    return b->n == b->cap || b->bytes.len >= ND_BATCH_BYTES;
}

nd_status nd_batch_add_req(nd_batch *b, size_t start, size_t len, size_t slot)
{
    ND_GROW(b->nreqs, b->capreqs, 256, b->reqs);
    nd_item *it = &b->items[b->n - 1];
    if (!it->req_n) it->req_first = b->nreqs;
    it->req_n++;
    nd_text_req *r = &b->reqs[b->nreqs++];
    r->start = start;
    r->len = len;
    r->slot = slot;
    r->snip = 0;
    return ND_OK;
}

/* Copies a record into the batch. */
nd_status nd_batch_add(nd_batch *b, const nd_record *rec, uint32_t doc, uint64_t sum)
{
    nd_item *it = &b->items[b->n];
    memset(it, 0, sizeof *it);
    it->kind = rec->kind;
    it->json = rec->json;
    it->format = rec->format; /* input wiring: what nd_decode needs besides the bytes */
    it->text_col = rec->text_col;
    it->id_col = rec->id_col;
    it->path = rec->path;
    it->source = rec->source;
    it->line = rec->line;
    it->offset = rec->offset;
    it->status = rec->status;
    it->diag_line = rec->line;
    it->diag_offset = rec->kind == ND_REC_DOC ? ND_NO_OFFSET : rec->offset;
    it->doc = doc;
    it->sum = sum;
    nd_status st;
    if (rec->kind == ND_REC_DOC) {
        if ((st = nd_arena_put(&b->bytes, rec->data, rec->len, &it->data)) != ND_OK) return st;
        it->len = rec->len;
    } else {
        size_t off;
        if (rec->message) {
            if ((st = nd_arena_put(&b->strs, rec->message, strlen(rec->message), &off)) != ND_OK)
                return st;
            it->msg = off + 1;
        }
        if ((st = nd_arena_put(&b->strs, rec->path, strlen(rec->path), &off)) != ND_OK) return st;
        it->path_str = off + 1;
    }
    b->n++;
    return ND_OK;
}

/* ---- the work on one document ---------------------------------------------------------- */

void nd_worker_clear(nd_worker *w)
{
    nd_normalizer_free(w->nz);
    nd_decoder_free(w->dec);
    nd_tokens_clear(&w->toks);
    nd_u64s_clear(&w->scratch);
    nd_u64s_clear(&w->sh);
    nd_doc_paras_clear(&w->dp);
    nd_repeats_scratch_free(w->rs);
    nd_metrics_scratch_free(w->ms);
    nd_rec_scratch_clear(&w->rsc);
    nd_free(w->rsent);
    memset(w, 0, sizeof *w);
}

nd_status nd_worker_init(nd_worker *w, const nd_scan_opts *opts, const nd_minhash *mh,
                         const nd_minhash *pmh)
{
    memset(w, 0, sizeof *w);
    w->mh = mh;
    w->pmh = pmh;
    w->opts = opts;
    nd_tokens_init(&w->toks);
    if (nd_normalizer_create(&w->nz) != ND_OK ||
        nd_decoder_create(&opts->decode, &w->dec) != ND_OK ||
        nd_repeats_scratch_create(&w->rs) != ND_OK || nd_metrics_scratch_create(&w->ms) != ND_OK) {
        nd_worker_clear(w);
        return ND_ENOMEM;
    }
    return ND_OK;
}

static nd_status item_message(nd_batch *b, nd_item *it, nd_status code, const char *msg)
{
    size_t off;
    it->status = code;
    if (nd_arena_put(&b->strs, msg, strlen(msg), &off) != ND_OK) return ND_ENOMEM;
    it->msg = off + 1;
    return ND_OK;
}

/* Copies the start of text onto one line: whitespace runs become one space, at most
 * ND_SNIPPET_BYTES bytes cut at a character boundary, "..." when cut. */
nd_status nd_make_snippet(nd_arena *a, const char *text, size_t len, size_t *out)
{
    char buf[ND_SNIPPET_BYTES + 8];
    size_t n = 0, i = 0;
    int space = 0;
    while (i < len && n < ND_SNIPPET_BYTES) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = n > 0;
            i++;
            continue;
        }
        size_t cl = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (n + space + cl > ND_SNIPPET_BYTES || i + cl > len) break;
        if (space) buf[n++] = ' ';
        space = 0;
        memcpy(buf + n, text + i, cl);
        n += cl;
        i += cl;
    }
    while (i < len && strchr(" \t\r\n\f\v", text[i]))
        i++;
    if (i < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    size_t off;
    if (nd_arena_put(a, buf, n, &off) != ND_OK) return ND_ENOMEM;
    *out = off + 1;
    return ND_OK;
}

/* Copies the sentences of dp's long paragraphs into the batch, for the cross-article pass. */
static nd_status copy_sentences(nd_batch *b, const nd_doc_paras *dp)
{
    for (size_t i = 0; i < dp->ns; i++) {
        const nd_sentence *se = &dp->s[i];
        ND_GROW2(b->nprecs, b->capprecs, 256, b->precs, b->psent);
        nd_para_rec *r = &b->precs[b->nprecs];
        r->key = se->key;
        r->doc = 0;
        r->line = dp->p[se->para].first_line;
        r->start = se->start;
        r->len = se->end - se->start;
        nd_psent *k = &b->psent[b->nprecs++];
        memcpy(k->band, se->band, sizeof k->band);
        k->sk.bm[0] = se->bm[0];
        k->sk.bm[1] = se->bm[1];
        k->sk.doc = 0;
        k->sk.w_n = se->w_n;
        k->sk.w_off = b->nwids;
        if (!se->w_n) continue; /* cut without words (an index add): none to copy */
        ND_RESERVE(b->wids, b->capwids, b->nwids + se->w_n, 4096);
        memcpy(b->wids + b->nwids, dp->wids + se->w_off, se->w_n * sizeof *dp->wids);
        b->nwids += se->w_n;
    }
    return ND_OK;
}

/* Copies dp's doubled blocks into the batch, each with the text of its first paragraph. */
static nd_status copy_blocks(nd_batch *b, const nd_doc_paras *dp, const nd_doc *doc)
{
    for (size_t i = 0; i < dp->nblocks; i++) {
        ND_GROW2(b->nblocks, b->capblocks, 16, b->blocks, b->block_txt);
        b->blocks[b->nblocks] = dp->blocks[i];
        const nd_para *p = dp->p;
        for (size_t j = 0; j < dp->n; j++)
            if (dp->p[j].first_line == dp->blocks[i].a_first) {
                p = &dp->p[j];
                break;
            }
        if (nd_make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
                            &b->block_txt[b->nblocks]) != ND_OK)
            return ND_ENOMEM;
        b->nblocks++;
    }
    return ND_OK;
}

/* Copies dp's runs repeated inside a paragraph into the batch (words numbered from 1 in
 * their paragraph), each with the text from its first occurrence's first word. */
static nd_status copy_runs(nd_batch *b, const nd_doc_paras *dp, const nd_tokens *toks,
                           const nd_doc *doc)
{
    for (size_t i = 0; i < dp->nruns; i++) {
        const nd_word_run *wr = &dp->runs[i];
        const nd_para *p = &dp->p[wr->para];
        ND_GROW2(b->nruns, b->capruns, 16, b->runs, b->run_txt);
        nd_run_repeat *r = &b->runs[b->nruns];
        r->line = p->first_line;
        r->a_first = wr->a + 1;
        r->a_last = wr->a + wr->len;
        r->b_first = wr->b + 1;
        r->b_last = wr->b + wr->len;
        r->words = wr->len;
        size_t start = toks->v[p->tok_first + wr->a].src;
        if (nd_make_snippet(&b->strs, doc->text + start, p->end - start, &b->run_txt[b->nruns]) !=
            ND_OK)
            return ND_ENOMEM;
        b->nruns++;
    }
    return ND_OK;
}

/* Copies dp's repeated short lines into the batch, each with its text. */
static nd_status copy_shorts(nd_batch *b, const nd_doc_paras *dp, const nd_doc *doc)
{
    for (size_t i = 0; i < dp->nshorts; i++) {
        const nd_short_repeat *sr = &dp->shorts[i];
        ND_GROW2(b->nshorts, b->capshorts, 16, b->shorts, b->short_txt);
        ND_RESERVE(b->short_loff, b->capshort_loff, b->nshorts + 1, 16);
        ND_RESERVE(b->short_lines, b->capshort_lines, b->nshort_lines + sr->count, 64);
        const nd_para *p = &dp->p[sr->para];
        nd_short_line *sl = &b->shorts[b->nshorts];
        sl->first_line = sr->first_line;
        sl->count = sr->count;
        sl->text = NULL;
        sl->lines = NULL;
        b->short_loff[b->nshorts] = b->nshort_lines;
        memcpy(b->short_lines + b->nshort_lines, dp->short_lines + sr->lines_off,
               sr->count * sizeof *b->short_lines);
        b->nshort_lines += sr->count;
        if (nd_make_snippet(&b->strs, doc->text + p->start, p->end - p->start,
                            &b->short_txt[b->nshorts]) != ND_OK)
            return ND_ENOMEM;
        b->nshorts++;
    }
    return ND_OK;
}

/* The paragraph pass over one signed document: its internal repeats, and its long
 * paragraphs for the cross-article pass. Token hashes are still in w->scratch. */
static nd_status paragraph_pass(nd_worker *w, nd_batch *b, nd_item *it, const nd_doc *doc)
{
    const nd_scan_opts *o = w->opts;
    nd_doc_paras *dp = &w->dp;
    const uint64_t *th = w->scratch.v;
    nd_status st = nd_paras_split(&o->para, doc->text, doc->len, &w->toks, th, dp);
    /* (their words only for the cross-article stage: an index add stores none) */
    if (st == ND_OK && o->para.want_sentences)
        st = nd_sentences_cut(&o->para, w->pmh, (o->parts & ND_PART_SHARED) ? b->words : NULL,
                              doc->text, &w->toks, th, dp);
    if (st == ND_OK && (o->parts & (ND_PART_BLOCKS | ND_PART_SHORT)))
        st = nd_repeats_find(&o->para, &w->toks, th, dp, w->rs);
    if (st != ND_OK) return st;
    it->words = dp->words;
    it->rwords = (o->parts & ND_PART_BLOCKS) ? dp->repeated_words : 0;
    it->wrapped = dp->wrapped;
    it->prec_first = b->nprecs;
    it->blk_first = b->nblocks;
    it->sh_first = b->nshorts;
    it->run_first = b->nruns;
    if (o->para.want_sentences) st = copy_sentences(b, dp);
    if (st == ND_OK && (o->parts & ND_PART_BLOCKS)) st = copy_blocks(b, dp, doc);
    if (st == ND_OK && (o->parts & ND_PART_BLOCKS)) st = copy_runs(b, dp, &w->toks, doc);
    if (st == ND_OK && (o->parts & ND_PART_SHORT)) st = copy_shorts(b, dp, doc);
    it->prec_n = b->nprecs - it->prec_first;
    it->blk_n = b->nblocks - it->blk_first;
    it->sh_n = b->nshorts - it->sh_first;
    it->run_n = b->nruns - it->run_first;
    return st;
}

/* With containment: the document's winnowing fingerprints (from its shingle hashes in text
 * order, w->sh), sorted and unique, appended to the batch. */
static nd_status fingerprints(nd_worker *w, nd_batch *b, nd_item *it)
{
    ND_RESERVE(b->cfps, b->capcfps, b->ncfps + w->sh.n, 1024);
    uint32_t *fp = b->cfps + b->ncfps;
    size_t n = nd_winnow(w->sh.v, w->sh.n, ND_WINNOW_W, fp);
    it->cfp_first = b->ncfps;
    it->cfp_n = nd_u32_sort_unique(fp, n);
    b->ncfps += it->cfp_n;
    return ND_OK;
}

/* The first of the n tokens t[0..n) whose first byte is at or after `byte`. */
static size_t token_at(const nd_token *t, size_t n, uint32_t byte)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].src < byte)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ND_MODE_INDEX: the document's record (its token hashes, still in w->scratch, and its
 * sentences as token ranges, when the paragraph pass cut them) and its snippet. */
static nd_status index_record(nd_worker *w, nd_batch *b, nd_item *it, const nd_doc *doc,
                              int have_sentences)
{
    const nd_doc_paras *dp = &w->dp;
    size_t ns = have_sentences ? dp->ns : 0;
    ND_RESERVE(w->rsent, w->caprsent, ns ? ns : 1, 64);
    for (size_t i = 0; i < ns; i++) {
        const nd_sentence *se = &dp->s[i];
        size_t a = token_at(w->toks.v, w->toks.n, se->start);
        size_t e = token_at(w->toks.v, w->toks.n, se->end);
        w->rsent[i] = (nd_rec_sent){dp->p[se->para].first_line, (uint32_t)a, (uint32_t)(e - a)};
    }
    it->rec_off = b->recs.len;
    nd_status st = nd_rec_encode(w->scratch.v, w->toks.n, w->rsent, ns, &w->rsc, &b->recs);
    if (st != ND_OK) return st;
    it->rec_len = b->recs.len - it->rec_off;
    return nd_make_snippet(&b->strs, doc->text, doc->len, &it->snippet);
}

static nd_status process_item(nd_worker *w, nd_batch *b, size_t idx)
{
    nd_item *it = &b->items[idx];
    if (it->kind != ND_REC_DOC) return ND_OK;
    nd_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = ND_REC_DOC;
    rec.json = it->json;
    rec.format = it->format; /* input wiring */
    rec.text_col = it->text_col;
    rec.id_col = it->id_col;
    rec.data = b->bytes.p + it->data;
    rec.len = it->len;
    rec.path = it->path;
    rec.source = it->source;
    rec.line = it->line;
    rec.offset = it->offset;
    int signing = b->mode == ND_MODE_SIGN || b->mode == ND_MODE_INDEX;
    if (signing) {
        it->sum = XXH3_64bits(rec.data, rec.len);
    } else if (XXH3_64bits(rec.data, rec.len) != it->sum) {
        it->status = ND_ECHANGED; /* not the bytes pass 1 signed */
        return ND_OK;
    }

    nd_doc doc;
    const char *msg = NULL;
    nd_status st = nd_decode(w->dec, &rec, &doc, &msg);
    if (st == ND_ENOMEM) return st;
    if (st != ND_OK) return item_message(b, it, st, msg);
    if (b->mode == ND_MODE_TEXT) {
        for (size_t i = it->req_first; i < it->req_first + it->req_n; i++) {
            nd_text_req *r = &b->reqs[i];
            if (r->start > doc.len || r->len > doc.len - r->start) {
                it->status = ND_ECHANGED; /* not the text pass 1 cut */
                return ND_OK;
            }
            if (nd_make_snippet(&b->strs, doc.text + r->start, r->len, &r->snip) != ND_OK)
                return ND_ENOMEM;
        }
        return ND_OK;
    }
    size_t bad = 0;
    st = nd_normalize(w->nz, doc.text, doc.len, &w->toks, &bad);
    if (st == ND_ENOMEM) return st;
    if (st == ND_EUTF8) {
        char m[160];
        if (it->json) {
            snprintf(m, sizeof m, "invalid UTF-8 at byte %zu of the \"%s\" field; skipped", bad,
                     w->opts->decode.text_field ? w->opts->decode.text_field : "text");
        } else {
            uint64_t nl = 0; /* line breaks before it, as paragraphs count them */
            for (size_t pos = 0, next; pos < bad && pos < doc.len; pos = next) {
                size_t end = nd_line_end(doc.text, doc.len, pos, &next);
                nl += end < bad && next <= bad;
            }
            it->diag_line = it->line + nl;
            it->diag_offset = it->offset + bad;
            snprintf(m, sizeof m, "invalid UTF-8 at byte %zu; skipped", bad);
        }
        return item_message(b, it, ND_EUTF8, m);
    }
    if (w->toks.n == 0)
        return item_message(b, it, ND_ENOWORDS, "no words (only punctuation or symbols); skipped");
    it->ntokens = w->toks.n > UINT32_MAX ? UINT32_MAX : (uint32_t)w->toks.n;
    st = nd_shingle_hashes(&w->toks, 0, w->toks.n, w->opts->ngram, &w->scratch, &w->sh);
    if (st != ND_OK) return st;
    if (signing) {
        unsigned k = nd_minhash_k(w->mh);
        nd_minhash_sign(w->mh, w->sh.v, w->sh.n, b->sigs + idx * k);
        if (w->opts->containment > 0.0 && (st = fingerprints(w, b, it)) != ND_OK) return st;
        if (nd_arena_put(&b->strs, doc.id, doc.id_len, &it->id) != ND_OK) return ND_ENOMEM;
        it->id_len = doc.id_len;
        if ((w->opts->parts & ND_PART_METRICS) &&
            (st = nd_metrics_compute(w->ms, doc.text, doc.len, &w->toks, w->scratch.v,
                                     &w->opts->gopher, &it->metrics)) != ND_OK)
            return st;
        it->keep_kind = doc.keep_kind;
        it->keep_num = doc.keep_num;
        if (doc.keep_kind == ND_FIELD_STRING) {
            if (nd_arena_put(&b->strs, doc.keep_str, doc.keep_len, &it->keep_str) != ND_OK)
                return ND_ENOMEM;
            it->keep_len = doc.keep_len;
        }
        int paras =
            (w->opts->parts & (ND_PART_BLOCKS | ND_PART_SHORT)) || w->opts->para.want_sentences;
        if (paras && (st = paragraph_pass(w, b, it, &doc)) != ND_OK) return st;
        if (b->mode == ND_MODE_INDEX)
            return index_record(w, b, it, &doc, paras && w->opts->para.want_sentences);
        return ND_OK;
    }
    /* ND_MODE_SET: the exact set, and a snippet for the report. */
    size_t n = nd_u64_sort_unique(w->sh.v, w->sh.n, &w->scratch);
    it->set.v = nd_malloc(n * sizeof *it->set.v);
    if (!it->set.v) return ND_ENOMEM;
    memcpy(it->set.v, w->sh.v, n * sizeof *it->set.v);
    it->set.n = n;
    return nd_make_snippet(&b->strs, doc.text, doc.len, &it->snippet);
}

void nd_process_batch(nd_worker *w, nd_batch *b)
{
    for (size_t i = 0; i < b->n && b->fatal == ND_OK; i++)
        b->fatal = process_item(w, b, i);
}
