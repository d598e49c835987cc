/*
 * builder.c - building the scan result, and freeing it (see builder.h).
 */
#include "builder.h"

#include <assert.h>
#include <string.h>

#include "alloc.h"

nd_status nd_result_create(nd_scan_result **out)
{
    nd_scan_result *res = nd_calloc(1, sizeof *res);
    if (!res) return ND_ENOMEM;
    res->mem = nd_calloc(1, sizeof *res->mem);
    if (!res->mem) {
        nd_free(res);
        return ND_ENOMEM;
    }
    *out = res;
    return ND_OK;
}

void nd_scan_result_free(nd_scan_result *res)
{
    if (!res) return;
    struct nd_result_mem *m = res->mem;
    if (m) {
        nd_arena_clear(&m->ids);
        nd_arena_clear(&m->strs);
        nd_free(m->docs);
        nd_free(m->sigs);
        nd_free(m->skips);
        nd_free(m->warns);
        nd_free(m->reps);
        nd_free(m->blocks);
        nd_free(m->block_txt);
        nd_free(m->shorts);
        nd_free(m->short_txt);
        nd_free(m->runs);
        nd_free(m->run_txt);
        nd_free(m->metrics);
        nd_free(m->short_lines);
        nd_free(m->keys);
        nd_free(m->cfps);
        nd_arena_clear(&m->keystrs);
        nd_free(m->source_info);
        nd_free(m->members);
        nd_free(m->groups);
        nd_free(m->pairs);
        nd_free(m->shared);
        nd_free(m->places);
        nd_free(m->shared_txt);
        nd_free(m->info);
        nd_free(m->sources);
        nd_free(m->block_ptrs);
        nd_free(m->run_ptrs);
        nd_free(m->xsrc);
        nd_free(m);
    }
    nd_free(res->skipped);
    nd_free(res->warnings);
    nd_free(res);
}

/* Appends to a list of skips (or warnings) of *n entries. */
static nd_status add_rec(nd_arena *strs, nd_skip_rec **list, size_t *n, size_t *cap,
                         const char *path, uint64_t line, nd_status code, const char *msg,
                         uint32_t source, uint64_t offset)
{
    ND_GROW(*n, *cap, 16, *list);
    nd_skip_rec *r = &(*list)[*n];
    if (nd_arena_put(strs, path, strlen(path), &r->path_off) != ND_OK ||
        nd_arena_put(strs, msg, strlen(msg), &r->msg_off) != ND_OK)
        return ND_ENOMEM;
    r->line = line;
    r->code = code;
    r->source = source;
    r->offset = offset;
    (*n)++;
    return ND_OK;
}

nd_status nd_result_add_skip(nd_scan_result *res, int warning, const char *path, uint64_t line,
                             nd_status code, const char *msg, uint32_t source, uint64_t offset)
{
    struct nd_result_mem *m = res->mem;
    if (warning)
        return add_rec(&m->strs, &m->warns, &m->nwarns, &m->capwarns, path, line, code, msg, source,
                       offset);
    return add_rec(&m->strs, &m->skips, &m->nskips, &m->capskips, path, line, code, msg, source,
                   offset);
}

/* The public view of a list of skips (or warnings): pointers into strs, which no longer
 * moves. */
static void publish_recs(const struct nd_result_mem *m, const nd_skip_rec *r, size_t n,
                         nd_skip *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i].path = m->strs.p + r[i].path_off;
        out[i].message = m->strs.p + r[i].msg_off;
        out[i].line = r[i].line;
        out[i].code = r[i].code;
        out[i].source = r[i].source;
        out[i].offset = r[i].offset;
    }
}

nd_status nd_result_add_doc(nd_scan_result *res, unsigned k, const nd_doc_rec *d, const char *id,
                            size_t id_len, const uint32_t *sig, uint32_t *index)
{
    struct nd_result_mem *m = res->mem;
    if (m->ndocs >= UINT32_MAX - 1) return ND_EINVAL;
    if (m->ndocs == m->capdocs) {
        size_t cap = m->capdocs;
        nd_doc_rec *v = nd_grow_array(m->docs, &cap, m->ndocs + 1, sizeof *v, 1024);
        if (!v) return ND_ENOMEM;
        m->docs = v;
        if (sig) {
            uint32_t *sg = nd_reallocarray(m->sigs, cap * k, sizeof *sg);
            if (!sg) return ND_ENOMEM;
            m->sigs = sg;
        }
        m->capdocs = cap;
    }
    nd_doc_rec *r = &m->docs[m->ndocs];
    *r = *d;
    size_t off;
    if (nd_arena_put(&m->ids, id, id_len, &off) != ND_OK) return ND_ENOMEM;
    r->id_off = off;
    if (sig) memcpy(m->sigs + m->ndocs * k, sig, k * sizeof *m->sigs);
    *index = (uint32_t)m->ndocs++;
    return ND_OK;
}

nd_status nd_result_add_fps(nd_scan_result *res, uint32_t doc, const uint32_t *fp, size_t n)
{
    struct nd_result_mem *m = res->mem;
    ND_RESERVE(m->cfps, m->capcfps, m->ncfps + n, 4096);
    for (size_t i = 0; i < n; i++)
        m->cfps[m->ncfps++] = (uint64_t)fp[i] << 32 | doc;
    return ND_OK;
}

nd_status nd_result_add_archived(nd_scan_result *res, unsigned k, const char *id, size_t id_len,
                                 const char *source, uint64_t line, uint32_t words,
                                 const char *snippet, uint32_t *index)
{
    struct nd_result_mem *m = res->mem;
    size_t src = m->nxsrc;
    if (!m->nxsrc || strcmp(m->strs.p + m->xsrc[m->nxsrc - 1], source) != 0) {
        ND_GROW(m->nxsrc, m->capxsrc, 16, m->xsrc);
        if (nd_arena_put(&m->strs, source, strlen(source), &m->xsrc[m->nxsrc]) != ND_OK)
            return ND_ENOMEM;
        m->nxsrc++;
    } else {
        src = m->nxsrc - 1;
    }
    size_t sn = 0;
    if (snippet) {
        if (nd_arena_put(&m->strs, snippet, strlen(snippet), &sn) != ND_OK) return ND_ENOMEM;
        if (sn + 1 > UINT32_MAX) return ND_ENOMEM;
        sn++;
    }
    uint32_t zero[ND_PERMS_MAX] = {0};
    assert(k <= ND_PERMS_MAX);
    nd_doc_rec d = {0, 0, line, 0, (uint32_t)src, 0, words, (uint32_t)sn};
    nd_status st = nd_result_add_doc(res, k, &d, id, id_len, zero, index);
    if (st == ND_OK) m->narch++;
    return st;
}

nd_status nd_result_set_archive(nd_scan_result *res, const char *path, size_t ndocs)
{
    struct nd_result_mem *m = res->mem;
    size_t off;
    if (nd_arena_put(&m->strs, path, strlen(path), &off) != ND_OK) return ND_ENOMEM;
    m->archive_off = off + 1;
    res->archive_docs = ndocs;
    return ND_OK;
}

nd_status nd_result_add_block(nd_scan_result *res, const nd_block_repeat *b, const char *text)
{
    struct nd_result_mem *m = res->mem;
    ND_GROW2(m->nblocks, m->capblocks, 64, m->blocks, m->block_txt);
    if (nd_arena_put(&m->strs, text, strlen(text), &m->block_txt[m->nblocks]) != ND_OK)
        return ND_ENOMEM;
    m->blocks[m->nblocks++] = *b;
    return ND_OK;
}

nd_status nd_result_add_run(nd_scan_result *res, const nd_run_repeat *r, const char *text)
{
    struct nd_result_mem *m = res->mem;
    ND_GROW2(m->nruns, m->capruns, 64, m->runs, m->run_txt);
    if (nd_arena_put(&m->strs, text, strlen(text), &m->run_txt[m->nruns]) != ND_OK)
        return ND_ENOMEM;
    m->runs[m->nruns++] = *r;
    return ND_OK;
}

nd_status nd_result_add_short(nd_scan_result *res, const nd_short_line *s, const char *text,
                              const uint32_t *lines)
{
    struct nd_result_mem *m = res->mem;
    ND_GROW2(m->nshorts, m->capshorts, 64, m->shorts, m->short_txt);
    ND_RESERVE(m->short_lines, m->capshort_lines, m->nshort_lines + s->count, 256);
    if (nd_arena_put(&m->strs, text, strlen(text), &m->short_txt[m->nshorts]) != ND_OK)
        return ND_ENOMEM;
    memcpy(m->short_lines + m->nshort_lines, lines, s->count * sizeof *lines);
    m->nshort_lines += s->count;
    m->shorts[m->nshorts++] = *s;
    return ND_OK;
}

nd_status nd_result_set_key(nd_scan_result *res, uint32_t doc, nd_field_kind kind, double num,
                            const char *str, size_t len)
{
    struct nd_result_mem *m = res->mem;
    assert(doc < m->ndocs);
    if (doc >= m->capkeys) {
        size_t cap = m->capkeys;
        nd_keep_key *k = nd_grow_array(m->keys, &cap, (size_t)doc + 1, sizeof *k, 1024);
        if (!k) return ND_ENOMEM;
        memset(k + m->capkeys, 0, (cap - m->capkeys) * sizeof *k);
        m->keys = k;
        m->capkeys = cap;
    }
    nd_keep_key *k = &m->keys[doc];
    k->kind = kind;
    k->num = num;
    k->str_off = k->str_len = 0;
    if (kind == ND_FIELD_STRING) {
        size_t off;
        if (nd_arena_put(&m->keystrs, str, len, &off) != ND_OK) return ND_ENOMEM;
        k->str_off = off;
        k->str_len = len;
    }
    return ND_OK;
}

nd_status nd_result_add_repeats(nd_scan_result *res, const nd_doc_repeats *r)
{
    struct nd_result_mem *m = res->mem;
    ND_GROW(m->nreps, m->capreps, 64, m->reps);
    m->reps[m->nreps++] = *r;
    return ND_OK;
}

nd_status nd_result_add_metrics(nd_scan_result *res, const nd_doc_metrics *dm)
{
    struct nd_result_mem *m = res->mem;
    ND_GROW(m->nmetrics, m->capmetrics, 1024, m->metrics);
    m->metrics[m->nmetrics++] = *dm;
    assert(m->nmetrics == m->ndocs);
    res->ngopher += dm->over != 0;
    return ND_OK;
}

/* Documents and sources: the public arrays, with pointers into the arenas. */
static nd_status finish_docs(nd_scan_result *res, nd_reader *reader)
{
    struct nd_result_mem *m = res->mem;
    res->ndocs = m->ndocs;
    res->narchived = m->narch;
    size_t nread = nd_reader_nsources(reader);
    m->info = nd_calloc(m->ndocs ? m->ndocs : 1, sizeof *m->info);
    if (!m->info) return ND_ENOMEM;
    for (size_t i = 0; i < m->ndocs; i++) {
        const nd_doc_rec *d = &m->docs[i];
        nd_doc_info *di = &m->info[i];
        di->id = m->ids.p + d->id_off;
        di->archived = i >= m->ndocs - m->narch;
        di->source = di->archived ? (uint32_t)(nread + d->source) : d->source;
        di->line = d->line;
        di->offset = d->offset;
        di->length = d->len;
        di->checksum = d->sum;
        di->ntokens = d->ntokens;
    }
    res->docs = m->info;
    res->signatures = m->sigs;
    size_t ns = nread + m->nxsrc;
    m->sources = nd_calloc(ns ? ns : 1, sizeof *m->sources);
    m->source_info = nd_calloc(ns ? ns : 1, sizeof *m->source_info);
    if (!m->sources || !m->source_info) return ND_ENOMEM;
    /* An archived document's source (a path it was added from) is no source of this run:
     * format ND_INPUT_JSONL as the archive records, no stream, size and mtime 0. */
    for (size_t i = nread; i < ns; i++)
        m->source_info[i].format = ND_INPUT_JSONL;
    for (size_t i = 0; i < nread; i++) {
        nd_source_desc sd;
        nd_source_info *si = &m->source_info[i];
        if (nd_reader_source_desc(reader, (uint32_t)i, &sd) != ND_OK) return ND_EIO;
        si->format = sd.format;
        si->stream = sd.stream;
        si->compressed = sd.compressed;
        si->size = sd.size;
        si->mtime_sec = sd.mtime_sec;
        si->mtime_nsec = sd.mtime_nsec;
    }
    /* Offsets first (strs may still move), pointers after the last put. */
    for (size_t i = 0; i < nread; i++) {
        const char *p = nd_reader_path(reader, (uint32_t)i);
        size_t off;
        if (nd_arena_put(&m->strs, p, strlen(p), &off) != ND_OK) return ND_ENOMEM;
        m->sources[i] = (const char *)(uintptr_t)off;
    }
    for (size_t i = 0; i < m->nxsrc; i++)
        m->sources[nread + i] = (const char *)(uintptr_t)m->xsrc[i];
    res->sources = m->sources;
    res->source_info = m->source_info;
    res->nsources = ns;
    return ND_OK;
}

nd_status nd_result_finish(nd_scan_result *res, nd_reader *reader, const nd_scan_opts *opts)
{
    struct nd_result_mem *m = res->mem;
    nd_status st = finish_docs(res, reader);
    if (st != ND_OK) return st;
    /* The caller's JSON field names: the result keeps copies (the report prints them). */
    const nd_decode_opts *dec = &opts->decode;
    size_t tf_off = 0, idf_off = 0, kf_off = 0;
    if ((dec->text_field &&
         nd_arena_put(&m->strs, dec->text_field, strlen(dec->text_field), &tf_off) != ND_OK) ||
        (dec->id_field &&
         nd_arena_put(&m->strs, dec->id_field, strlen(dec->id_field), &idf_off) != ND_OK) ||
        (dec->keep_field &&
         nd_arena_put(&m->strs, dec->keep_field, strlen(dec->keep_field), &kf_off) != ND_OK))
        return ND_ENOMEM;
    res->skipped = nd_calloc(m->nskips ? m->nskips : 1, sizeof *res->skipped);
    res->warnings = nd_calloc(m->nwarns ? m->nwarns : 1, sizeof *res->warnings);
    m->block_ptrs = nd_calloc(m->nblocks ? m->nblocks : 1, sizeof *m->block_ptrs);
    m->run_ptrs = nd_calloc(m->nruns ? m->nruns : 1, sizeof *m->run_ptrs);
    if (!res->skipped || !res->warnings || !m->block_ptrs || !m->run_ptrs) return ND_ENOMEM;
    /* strs no longer grows: pointers into it are stable from here on. */
    for (size_t i = 0; i < res->nsources; i++) {
        m->sources[i] = m->strs.p + (uintptr_t)m->sources[i];
        m->source_info[i].path = m->sources[i];
    }
    res->archive = m->archive_off ? m->strs.p + m->archive_off - 1 : NULL;
    publish_recs(m, m->skips, m->nskips, res->skipped);
    res->nskipped = m->nskips;
    assert(res->nwarnings == m->nwarns);
    publish_recs(m, m->warns, m->nwarns, res->warnings);
    res->opts = *opts;
    res->opts.on_diag = NULL;
    res->opts.userdata = NULL;
    res->opts.decode.text_field = dec->text_field ? m->strs.p + tf_off : NULL;
    res->opts.decode.id_field = dec->id_field ? m->strs.p + idf_off : NULL;
    res->opts.decode.keep_field = dec->keep_field ? m->strs.p + kf_off : NULL;
    for (size_t i = 0; i < m->nblocks; i++)
        m->block_ptrs[i] = m->strs.p + m->block_txt[i];
    for (size_t i = 0, fl = 0; i < m->nshorts; i++) {
        m->shorts[i].text = m->strs.p + m->short_txt[i];
        m->shorts[i].lines = m->short_lines + fl;
        fl += m->shorts[i].count;
    }
    for (size_t i = 0; i < m->nruns; i++)
        m->run_ptrs[i] = m->strs.p + m->run_txt[i];
    size_t fb = 0, fs = 0, fr = 0;
    for (size_t i = 0; i < m->nreps; i++) {
        nd_doc_repeats *r = &m->reps[i];
        r->blocks = r->nblocks ? m->blocks + fb : NULL;
        r->block_text = r->nblocks ? m->block_ptrs + fb : NULL;
        r->shorts = r->nshort ? m->shorts + fs : NULL;
        r->runs = r->nruns ? m->runs + fr : NULL;
        r->run_text = r->nruns ? m->run_ptrs + fr : NULL;
        fb += r->nblocks;
        fs += r->nshort;
        fr += r->nruns;
        res->ndoubled += r->doubled != 0;
    }
    assert(fb == m->nblocks && fs == m->nshorts && fr == m->nruns);
    res->repeats = m->reps;
    res->nrepeats = m->nreps;
    assert(!(opts->parts & ND_PART_METRICS) || m->nmetrics == m->ndocs);
    res->metrics = (opts->parts & ND_PART_METRICS) ? m->metrics : NULL;
    for (size_t i = 0; i < res->nshared; i++)
        m->shared[i].text = m->strs.p + m->shared_txt[i] - 1;
    for (size_t g = 0; g < res->ngroups; g++)
        for (size_t k = 0; k < res->groups[g].nmembers; k++) {
            nd_member *mb = &res->groups[g].members[k];
            uint32_t s = m->docs[mb->doc].snippet;
            mb->snippet = s ? m->strs.p + s - 1 : "";
        }
    return ND_OK;
}
