/*
 * share.c - pass 1 split across ranks: shares, and batches on the wire (see share.h).
 *
 * Messages, in order: rank 0 sends each rank the input's list (its length, 8 bytes, then
 * the list: per leaf its path, whether it was found in a directory, its kind and size).
 * After pass 1 each rank r > 0 sends rank 0 a header (its sources, its reader's counts,
 * whether its first source continues rank r - 1's last one) and then its batches, each as
 * its length and its bytes, ended by a length of 0. A batch's bytes are its arrays in a
 * fixed order (put_batch), each as its element count and its elements as they are in
 * memory; the items' pointers are set again on rank 0 (a document's path from its source,
 * which is renumbered into rank 0's reader).
 */
#include "share.h"

#include <string.h>

#include "words.h"

#define DEFAULT_MIN_SPLIT ((uint64_t)1 << 20)

/* ---- bytes in and out ----------------------------------------------------------------- */

static nd_status put(nd_bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = nd_reallocarray(b->p, cap, 1);
        if (!q) return ND_ENOMEM;
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    return ND_OK;
}

static nd_status put64(nd_bytes *b, uint64_t v)
{
    return put(b, &v, sizeof v);
}

/* An array: its count, then its n elements of `size` bytes. */
static nd_status put_arr(nd_bytes *b, const void *p, size_t n, size_t size)
{
    nd_status st = put64(b, n);
    return st == ND_OK ? put(b, p, n * size) : st;
}

typedef struct cursor {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} cursor;

static void get(cursor *c, void *p, size_t n)
{
    if (n == 0) return; /* (p may be NULL: an empty array) */
    if (c->bad || c->len - c->pos < n) {
        c->bad = 1;
        memset(p, 0, n);
        return;
    }
    memcpy(p, c->p + c->pos, n);
    c->pos += n;
}

static uint64_t get64(cursor *c)
{
    uint64_t v;
    get(c, &v, sizeof v);
    return v;
}

/* An array written by put_arr into *p (capacity *cap, grown; elements of `size` bytes), at
 * most max elements: its count, or SIZE_MAX (c->bad, or out of memory in *oom). */
static size_t get_arr(cursor *c, void **p, size_t *cap, size_t size, size_t max, int *oom)
{
    uint64_t n = get64(c);
    if (c->bad || n > max || (c->len - c->pos) / size < n) {
        c->bad = 1;
        return SIZE_MAX;
    }
    if (n > *cap) {
        void *q = nd_grow_array(*p, cap, (size_t)n, size, 64);
        if (!q) {
            *oom = 1;
            return SIZE_MAX;
        }
        *p = q;
    }
    get(c, *p, (size_t)n * size);
    return (size_t)n;
}

/* ---- the shares ------------------------------------------------------------------------ */

/* Where rank r's range of total bytes starts (without overflow). */
static uint64_t range_lo(uint64_t total, unsigned r, unsigned n)
{
    return total / n * r + total % n * r / n;
}

/* The rank whose range holds byte g (the last rank for g == total). */
static unsigned owner(uint64_t total, unsigned n, uint64_t g)
{
    unsigned r = 0;
    while (r + 1 < n && range_lo(total, r + 1, n) <= g)
        r++;
    return r;
}

static nd_status push_part(nd_part **parts, size_t *nparts, size_t *cap, size_t leaf,
                           uint64_t start, uint64_t end)
{
    ND_GROW(*nparts, *cap, 64, *parts);
    (*parts)[(*nparts)++] = (nd_part){leaf, start, end};
    return ND_OK;
}

nd_status nd_share_parts(const nd_leaves *l, unsigned rank, unsigned nranks, uint64_t min_split,
                         nd_part **parts, size_t *nparts, size_t *cap)
{
    if (!min_split) min_split = DEFAULT_MIN_SPLIT;
    uint64_t total = 0;
    for (size_t i = 0; i < l->n; i++)
        total += l->v[i].size;
    uint64_t lo = range_lo(total, rank, nranks);
    uint64_t hi = rank + 1 == nranks ? total : range_lo(total, rank + 1, nranks);
    uint64_t g = 0;
    for (size_t i = 0; i < l->n; i++) {
        const nd_leaf *f = &l->v[i];
        uint64_t w = f->size;
        nd_status st = ND_OK;
        if (f->kind == ND_LEAF_SPLIT && w >= min_split && nranks > 1) {
            uint64_t a = g > lo ? g : lo, b = g + w < hi ? g + w : hi;
            if (a < b)
                st = push_part(parts, nparts, cap, i, a - g, b == g + w ? UINT64_MAX : b - g);
        } else if (owner(total, nranks, g) == rank) {
            st = push_part(parts, nparts, cap, i, 0, UINT64_MAX);
        }
        if (st != ND_OK) return st;
        g += w;
    }
    return ND_OK;
}

/* Parses the list sent by rank 0 into *l. */
static nd_status parse_leaves(const unsigned char *p, size_t n, nd_leaves *l)
{
    cursor c = {p, n, 0, 0};
    uint64_t count = get64(&c);
    for (uint64_t i = 0; i < count && !c.bad; i++) {
        uint64_t len = get64(&c);
        if (c.bad || len > c.len - c.pos) return ND_ECORRUPT;
        const char *path = (const char *)c.p + c.pos;
        c.pos += (size_t)len;
        unsigned char fk[2];
        get(&c, fk, 2);
        uint64_t size = get64(&c);
        if (c.bad) break;
        nd_status st = nd_leaves_push(l, path, (size_t)len, fk[0], fk[1], size);
        if (st != ND_OK) return st;
    }
    return c.bad || c.pos != c.len ? ND_ECORRUPT : ND_OK;
}

static nd_status put_leaves(nd_bytes *b, const nd_leaves *l)
{
    nd_status st = put64(b, l->n);
    for (size_t i = 0; i < l->n && st == ND_OK; i++) {
        size_t len = strlen(l->v[i].path);
        unsigned char fk[2] = {l->v[i].from_dir, l->v[i].kind};
        if ((st = put64(b, len)) == ND_OK && (st = put(b, l->v[i].path, len)) == ND_OK &&
            (st = put(b, fk, 2)) == ND_OK)
            st = put64(b, l->v[i].size);
    }
    return st;
}

nd_status nd_share_reader(const nd_dist *d, const nd_reader_opts *opts, const char *const *paths,
                          size_t npaths, nd_reader **out)
{
    nd_leaves l = {0};
    nd_bytes b = {0};
    nd_part *parts = NULL;
    size_t nparts = 0, cap = 0;
    nd_status st = ND_OK;
    if (d->rank == 0) {
        st = nd_reader_leaves(opts, paths, npaths, &l);
        for (size_t i = 0; i < l.n && st == ND_OK; i++)
            if (l.v[i].kind == ND_LEAF_STREAM) st = ND_EINVAL;
        /* (a failure here is sent as an empty list: every rank then stops) */
        if (st == ND_OK) st = put_leaves(&b, &l);
        for (unsigned r = 1; r < d->nranks; r++) {
            uint64_t n = st == ND_OK ? b.len : 0;
            nd_status s2 = d->send(d->ud, r, &n, sizeof n);
            if (s2 == ND_OK && n) s2 = d->send(d->ud, r, b.p, b.len);
            if (s2 == ND_OK && d->bytes) d->bytes[ND_DIST_LIST] += sizeof n + n;
            if (st == ND_OK) st = s2;
        }
    } else {
        uint64_t n;
        st = d->recv(d->ud, 0, &n, sizeof n);
        if (st == ND_OK && n == 0) st = ND_EINVAL; /* rank 0 failed and says why */
        if (st == ND_OK && (n > SIZE_MAX / 2 || !(b.p = nd_malloc((size_t)n)))) st = ND_ENOMEM;
        if (st == ND_OK) st = d->recv(d->ud, 0, b.p, (size_t)n);
        if (st == ND_OK) st = parse_leaves(b.p, (size_t)n, &l);
    }
    if (st == ND_OK)
        st = nd_share_parts(&l, d->rank, d->nranks, d->min_split, &parts, &nparts, &cap);
    if (st == ND_OK) st = nd_reader_create_parts(opts, &l, parts, nparts, out);
    nd_free(parts);
    nd_bytes_clear(&b);
    nd_leaves_clear(&l);
    return st;
}

/* ---- batches --------------------------------------------------------------------------- */

/* A pass-1 batch's bytes: what commit_sign (scan.c) reads of it (signatures of k values,
 * none for k == 0; the sentences' sketches, ids and words only if sketches is 1). */
static nd_status put_batch(nd_bytes *o, const nd_batch *b, unsigned k, int sketches)
{
    nd_status st = ND_OK;
#define PUT(p, n)                                                                                  \
    if (st == ND_OK) st = put_arr(o, (p), (n), sizeof *(p))
    PUT(b->items, b->n);
    if (st == ND_OK) st = put_arr(o, b->strs.p, b->strs.len, 1);
    if (st == ND_OK) st = put_arr(o, b->sigs, b->n * k, sizeof *b->sigs);
    PUT(b->precs, b->nprecs);
    PUT(b->psent, sketches ? b->nprecs : 0);
    PUT(b->wids, sketches ? b->nwids : 0);
    PUT(b->blocks, b->nblocks);
    PUT(b->block_txt, b->nblocks);
    PUT(b->shorts, b->nshorts);
    PUT(b->short_txt, b->nshorts);
    PUT(b->short_loff, b->nshorts);
    PUT(b->short_lines, b->nshort_lines);
    PUT(b->runs, b->nruns);
    PUT(b->run_txt, b->nruns);
    PUT(b->cfps, b->ncfps);
#undef PUT
    size_t nw = sketches ? nd_words_count(b->words) : 0;
    if (st == ND_OK) st = put64(o, nw);
    for (size_t i = 0; i < nw && st == ND_OK; i++) {
        uint32_t len;
        uint64_t hash;
        const char *w = nd_words_get(b->words, (uint32_t)i, &len, &hash);
        if ((st = put64(o, hash)) == ND_OK && (st = put64(o, len)) == ND_OK) st = put(o, w, len);
    }
    return st;
}

/* Fills b (reset, for signatures of k values) from bytes p[0..n) made by put_batch with
 * signatures of k values, or of none when sigs is 0, and with sketches as `sketches` says
 * (without them, psent keeps room for the records but is not set). */
static nd_status get_batch(nd_batch *b, unsigned k, int sigs, int sketches, const unsigned char *p,
                           size_t n, nd_bytes *scratch)
{
    cursor c = {p, n, 0, 0};
    int oom = 0;
    size_t cap = b->cap, c1, c2;
#define GET(ptr, capv, max) get_arr(&c, (void **)&(ptr), &(capv), sizeof *(ptr), (max), &oom)
/* Two arrays that share one capacity (docwork.h): each holds at least the count. */
#define GET2(n, p1, p2, capv)                                                                      \
    c1 = c2 = (capv);                                                                              \
    (n) = GET(p1, c1, SIZE_MAX);                                                                   \
    if (GET(p2, c2, SIZE_MAX) != (n)) c.bad = 1;                                                   \
    (capv) = c1 < c2 ? c1 : c2;                                                                    \
    if (c.bad || oom) goto out
    b->n = GET(b->items, cap, b->cap);
    if (c.bad || oom) goto out;
    for (size_t i = 0; i < b->n; i++) {
        b->items[i].set.v = NULL; /* (pointers of the sender: set again by the taker) */
        b->items[i].set.n = 0;
        b->items[i].path = NULL;
    }
    b->strs.len = GET(b->strs.p, b->strs.cap, SIZE_MAX);
    size_t nsig = ND_BATCH_ITEMS * (size_t)k;
    if (GET(b->sigs, nsig, nsig) != (sigs ? b->n * k : 0)) c.bad = 1;
    if (sketches) {
        GET2(b->nprecs, b->precs, b->psent, b->capprecs);
    } else {
        c1 = c2 = b->capprecs;
        b->nprecs = GET(b->precs, c1, SIZE_MAX);
        if (GET(b->psent, c2, 0) != 0) c.bad = 1;
        if (c.bad || oom) goto out;
        if (c1 > c2) { /* (the two arrays share one capacity) */
            void *q = nd_reallocarray(b->psent, c1, sizeof *b->psent);
            if (!q) {
                oom = 1;
                goto out;
            }
            b->psent = q;
        }
        b->capprecs = c1;
    }
    b->nwids = GET(b->wids, b->capwids, sketches ? SIZE_MAX : 0);
    GET2(b->nblocks, b->blocks, b->block_txt, b->capblocks);
    GET2(b->nshorts, b->shorts, b->short_txt, b->capshorts);
    if (GET(b->short_loff, b->capshort_loff, SIZE_MAX) != b->nshorts) c.bad = 1;
    b->nshort_lines = GET(b->short_lines, b->capshort_lines, SIZE_MAX);
    GET2(b->nruns, b->runs, b->run_txt, b->capruns);
    b->ncfps = GET(b->cfps, b->capcfps, SIZE_MAX);
#undef GET2
#undef GET
    uint64_t nw = get64(&c);
    if (!sketches && nw) c.bad = 1;
    for (uint64_t i = 0; i < nw && !c.bad && !oom; i++) {
        uint64_t hash = get64(&c), len = get64(&c);
        if (c.bad || len > c.len - c.pos || len > UINT32_MAX) {
            c.bad = 1;
            break;
        }
        /* nd_words_intern reads 8 bytes at a time: the word with zeros after it */
        scratch->len = 0;
        uint64_t zero = 0;
        if (put(scratch, c.p + c.pos, (size_t)len) != ND_OK ||
            put(scratch, &zero, sizeof zero) != ND_OK) {
            oom = 1;
            break;
        }
        c.pos += (size_t)len;
        uint32_t id;
        if (nd_words_intern(b->words, hash, (const char *)scratch->p, (uint32_t)len, &id) != ND_OK)
            oom = 1;
        else if (id != i)
            c.bad = 1; /* a word twice */
    }
out:
    if (!oom && !c.bad && c.pos == c.len) return ND_OK;
    /* Nothing of it is used: empty (nd_batch_reset must not free the sender's pointers). */
    b->n = b->nprecs = b->nwids = b->nblocks = b->nshorts = b->nshort_lines = b->nruns = b->ncfps =
        b->strs.len = 0;
    return oom ? ND_ENOMEM : ND_ECORRUPT;
}

nd_status nd_share_keep(void *ctx, nd_batch *b)
{
    nd_share_out *o = ctx;
    if (!o->f && !(o->f = tmpfile())) return ND_EIO;
    o->buf.len = 0;
    nd_status st = ND_OK;
    if (o->keys) /* (the signatures stay here, as band keys) */
        for (size_t i = 0; i < b->n && st == ND_OK; i++)
            if (nd_item_is_doc(&b->items[i]))
                st = nd_dkeys_add(o->keys, b->sigs + i * o->k, o->lsh);
    if (st == ND_OK) st = put64(&o->buf, 0);
    if (st == ND_OK) st = put_batch(&o->buf, b, o->keys ? 0 : o->k, !o->no_sketches);
    if (st != ND_OK) return st;
    uint64_t len = o->buf.len - sizeof len;
    memcpy(o->buf.p, &len, sizeof len);
    if (fwrite(o->buf.p, 1, o->buf.len, o->f) != o->buf.len) return ND_EIO;
    o->nbatches++;
    return ND_OK;
}

void nd_share_out_clear(nd_share_out *o)
{
    if (o->f) fclose(o->f);
    nd_bytes_clear(&o->buf);
    memset(o, 0, sizeof *o);
}

/* ---- rank > 0 to rank 0 ------------------------------------------------------------------ */

static nd_status put_sources(nd_bytes *b, const nd_reader *r)
{
    size_t ns = nd_reader_nsources(r);
    nd_input_counts counts;
    nd_reader_counts(r, &counts);
    unsigned char cont = (unsigned char)nd_reader_continues(r);
    nd_status st = put(b, &counts, sizeof counts);
    if (st == ND_OK) st = put(b, &cont, 1);
    if (st == ND_OK) st = put64(b, ns);
    for (size_t i = 0; i < ns && st == ND_OK; i++) {
        nd_src_meta m;
        nd_reader_source_meta(r, (uint32_t)i, &m);
        size_t len = strlen(m.path);
        int64_t nsec = m.mtime_nsec;
        unsigned char fz[2] = {m.format, m.zkind};
        if ((st = put64(b, len)) == ND_OK && (st = put(b, m.path, len)) == ND_OK &&
            (st = put(b, fz, 2)) == ND_OK && (st = put(b, &m.text_col, 4)) == ND_OK &&
            (st = put(b, &m.id_col, 4)) == ND_OK && (st = put64(b, m.size)) == ND_OK &&
            (st = put(b, &m.mtime_sec, 8)) == ND_OK)
            st = put(b, &nsec, 8);
    }
    return st;
}

nd_status nd_share_send(const nd_dist *d, nd_share_out *o, const nd_reader *r)
{
    o->buf.len = 0;
    nd_status st = put_sources(&o->buf, r);
    uint64_t len = o->buf.len;
    if (st == ND_OK) st = d->send(d->ud, 0, &len, sizeof len);
    if (st == ND_OK) st = d->send(d->ud, 0, o->buf.p, o->buf.len);
    if (st == ND_OK && d->bytes) d->bytes[ND_DIST_BATCHES] += sizeof len + len;
    if (st == ND_OK && o->f && (fflush(o->f) != 0 || fseek(o->f, 0, SEEK_SET) != 0)) st = ND_EIO;
    for (uint64_t i = 0; i < o->nbatches && st == ND_OK; i++) {
        if (fread(&len, sizeof len, 1, o->f) != 1 || len > SIZE_MAX / 2) {
            st = ND_EIO;
            break;
        }
        if (len > o->buf.cap) {
            unsigned char *q = nd_reallocarray(o->buf.p, (size_t)len, 1);
            if (!q) {
                st = ND_ENOMEM;
                break;
            }
            o->buf.p = q;
            o->buf.cap = (size_t)len;
        }
        if (fread(o->buf.p, 1, (size_t)len, o->f) != len) st = ND_EIO;
        if (st == ND_OK) st = d->send(d->ud, 0, &len, sizeof len);
        if (st == ND_OK) st = d->send(d->ud, 0, o->buf.p, (size_t)len);
        if (st == ND_OK && d->bytes) d->bytes[ND_DIST_BATCHES] += sizeof len + len;
    }
    len = 0;
    if (st == ND_OK) st = d->send(d->ud, 0, &len, sizeof len);
    if (st == ND_OK && d->bytes) d->bytes[ND_DIST_BATCHES] += sizeof len;
    return st;
}

/* ---- rank 0 ------------------------------------------------------------------------------ */

/* Receives one message (its length first) from rank `from` into b. */
static nd_status recv_msg(const nd_dist *d, unsigned from, nd_bytes *b)
{
    uint64_t len;
    nd_status st = d->recv(d->ud, from, &len, sizeof len);
    if (st != ND_OK) return st;
    if (len > SIZE_MAX / 2) return ND_ECORRUPT;
    b->len = 0;
    if (len > b->cap) {
        unsigned char *q = nd_reallocarray(b->p, (size_t)len, 1);
        if (!q) return ND_ENOMEM;
        b->p = q;
        b->cap = (size_t)len;
    }
    b->len = (size_t)len;
    return len ? d->recv(d->ud, from, b->p, (size_t)len) : ND_OK;
}

/* Adds the sources of a header to r; map[i]: local source i's index in r. */
static nd_status take_sources(nd_reader *r, const nd_bytes *b, uint32_t **map, size_t *mapcap,
                              size_t *nmap)
{
    cursor c = {b->p, b->len, 0, 0};
    nd_input_counts counts;
    unsigned char cont;
    get(&c, &counts, sizeof counts);
    get(&c, &cont, 1);
    uint64_t ns = get64(&c);
    if (c.bad || ns > b->len) return ND_ECORRUPT;
    ND_RESERVE(*map, *mapcap, (size_t)ns + 1, 64);
    *nmap = (size_t)ns;
    nd_reader_add_counts(r, &counts);
    for (uint64_t i = 0; i < ns; i++) {
        uint64_t len = get64(&c);
        if (c.bad || len > c.len - c.pos) return ND_ECORRUPT;
        char *path = nd_strndup((const char *)c.p + c.pos, (size_t)len);
        if (!path) return ND_ENOMEM;
        c.pos += (size_t)len;
        unsigned char fz[2];
        int64_t nsec;
        nd_src_meta m = {path, 0, 0, 0, 0, 0, 0, 0};
        get(&c, fz, 2);
        get(&c, &m.text_col, 4);
        get(&c, &m.id_col, 4);
        m.size = get64(&c);
        get(&c, &m.mtime_sec, 8);
        get(&c, &nsec, 8);
        m.format = fz[0];
        m.zkind = fz[1];
        m.mtime_nsec = (long)nsec;
        nd_status st = ND_OK;
        size_t have = nd_reader_nsources(r);
        if (i == 0 && cont && have > 0 &&
            strcmp(nd_reader_path(r, (uint32_t)(have - 1)), path) == 0)
            (*map)[0] = (uint32_t)(have - 1); /* the rest of the previous rank's last file */
        else if (i == 0 && cont)
            st = ND_ECORRUPT;
        else
            st = c.bad ? ND_ECORRUPT : nd_reader_source_add(r, &m, &(*map)[i]);
        nd_free(path);
        if (st != ND_OK) return st;
    }
    return c.bad || c.pos != c.len ? ND_ECORRUPT : ND_OK;
}

nd_status nd_share_take(const nd_dist *d, nd_reader *r, unsigned k, int sigs, int sketches,
                        nd_commit_fn commit, void *ctx)
{
    nd_bytes msg = {0}, scratch = {0};
    nd_batch *b = NULL;
    uint32_t *map = NULL;
    size_t mapcap = 0, nmap = 0;
    nd_status st = nd_batch_create(k, &b);
    for (unsigned from = 1; from < d->nranks && st == ND_OK; from++) {
        if ((st = recv_msg(d, from, &msg)) != ND_OK) break;
        if ((st = take_sources(r, &msg, &map, &mapcap, &nmap)) != ND_OK) break;
        for (;;) {
            if ((st = recv_msg(d, from, &msg)) != ND_OK || msg.len == 0) break;
            nd_batch_reset(b, ND_MODE_SIGN);
            if ((st = get_batch(b, k, sigs, sketches, msg.p, msg.len, &scratch)) != ND_OK) break;
            for (size_t i = 0; i < b->n && st == ND_OK; i++) {
                nd_item *it = &b->items[i];
                if (it->source == UINT32_MAX) continue; /* (its path is a copy in strs) */
                if (it->source >= nmap) {
                    st = ND_ECORRUPT;
                    break;
                }
                it->source = map[it->source];
                it->path = nd_reader_path(r, it->source);
            }
            if (st == ND_OK) st = commit(ctx, b);
            if (st != ND_OK) break;
        }
    }
    if (b) nd_batch_reset(b, ND_MODE_SIGN);
    nd_batch_free(b);
    nd_free(map);
    nd_bytes_clear(&msg);
    nd_bytes_clear(&scratch);
    return st;
}
