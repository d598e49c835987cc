/*
 * link_dist.c - the sentences linked across ranks (see link_dist.h).
 *
 * Every exchange is two collectives of the transport: each rank's byte counts for every
 * other rank (8 bytes each), then the bytes. Entries travel packed, their fields copied in
 * and out with memcpy: words as (hash 8, length 4, bytes), exact keys as (key 8, record 4,
 * size 4, ids), band entries as (key 4, record 4, map 16, size 4, document 4, ids). An
 * owner answers in the order it received: word ids, and one byte per exact-key entry
 * (whether it represents its key). Buffers are reused across rounds and grow to the
 * largest.
 */
#include "link_dist.h"

#include <stdlib.h>
#include <string.h>

#include "link_rule.h"
#include "mix.h"
#include "radix.h"
#include "sentences.h"
#include "words.h"

/* The state of the exchanges. */
typedef struct xch {
    const nd_dist *d;
    unsigned n, me;
    size_t *sc, *rc, *eight, *pos, *roff; /* roff: n + 1 block starts in recv */
    uint64_t *cs, *cr;
    unsigned char *send, *recv;
    size_t scap, rcap;
} xch;

static nd_status room(unsigned char **p, size_t *cap, size_t n)
{
    if (n == 0) n = 1;
    if (n <= *cap) return ND_OK;
    size_t c = *cap ? *cap : 4096;
    while (c < n)
        c = c > SIZE_MAX / 2 ? n : 2 * c;
    unsigned char *q = nd_reallocarray(*p, c, 1);
    if (!q) return ND_ENOMEM;
    *p = q;
    *cap = c;
    return ND_OK;
}

/* After x->sc was counted: room in send, and x->pos[r] where rank r's block starts. */
static nd_status begin_fill(xch *x)
{
    size_t at = 0;
    for (unsigned r = 0; r < x->n; r++) {
        x->pos[r] = at;
        at += x->sc[r];
    }
    return room(&x->send, &x->scap, at);
}

/* Sends rank r the x->sc[r] bytes of x->send after those of ranks < r; what each rank sent
 * here into x->recv, rank r's at x->roff[r] .. x->roff[r + 1]. */
static nd_status exchange(xch *x, unsigned stage)
{
    const nd_dist *d = x->d;
    unsigned n = x->n;
    for (unsigned i = 0; i < n; i++)
        x->cs[i] = x->sc[i];
    nd_status st = d->alltoallv(d->ud, x->cs, x->eight, x->cr, x->eight);
    if (st != ND_OK) return st;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (x->cr[i] > SIZE_MAX / 4 - total) return ND_ECORRUPT;
        x->rc[i] = (size_t)x->cr[i];
        x->roff[i] = total;
        total += x->rc[i];
    }
    x->roff[n] = total;
    if ((st = room(&x->recv, &x->rcap, total)) != ND_OK) return st;
    if ((st = room(&x->send, &x->scap, 1)) != ND_OK) return st;
    if ((st = d->alltoallv(d->ud, x->send, x->sc, x->recv, x->rc)) != ND_OK) return st;
    if (d->bytes)
        for (unsigned i = 0; i < n; i++)
            if (i != x->me) d->bytes[stage] += x->sc[i] + sizeof *x->cs;
    return ND_OK;
}

/* Every rank's v, into x->cr. */
static nd_status share_count(xch *x, uint64_t v, unsigned stage)
{
    for (unsigned r = 0; r < x->n; r++)
        x->cs[r] = v;
    nd_status st = x->d->alltoallv(x->d->ud, x->cs, x->eight, x->cr, x->eight);
    if (st == ND_OK && x->d->bytes) x->d->bytes[stage] += (uint64_t)(x->n - 1) * sizeof v;
    return st;
}

/* How many sub-rounds every rank agrees on for entries of `bytes` here (round_bytes each). */
static nd_status rounds(xch *x, uint64_t bytes, size_t round_bytes, unsigned *out)
{
    nd_status st = share_count(x, bytes, ND_DIST_SENTENCES);
    if (st != ND_OK) return st;
    uint64_t most = 0;
    for (unsigned r = 0; r < x->n; r++)
        if (x->cr[r] > most) most = x->cr[r];
    uint64_t s = most / round_bytes + 1;
    *out = s > 65535 ? 65535 : (unsigned)s;
    return ND_OK;
}

static inline void put(unsigned char **p, const void *v, size_t n)
{
    memcpy(*p, v, n);
    *p += n;
}

static inline uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* An owner and a sub-round from a mixed hash: independent bits of it. */
static inline unsigned owner_of(uint64_t h, unsigned n)
{
    return (unsigned)(((h >> 32) * n) >> 32);
}

static inline unsigned sub_of(uint64_t h, unsigned nsub)
{
    return (unsigned)(((h & 0xffffffffu) * nsub) >> 32);
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Pairs of records for rank 0 (two 32-bit records each). */
typedef struct pairs {
    uint32_t *v;
    size_t n, cap; /* pairs */
} pairs;

static nd_status pair_add(pairs *p, uint32_t a, uint32_t b)
{
    if (p->n == p->cap) {
        size_t cap = p->cap;
        uint32_t *v = nd_grow_array(p->v, &cap, p->n + 1, 2 * sizeof *v, 1024);
        if (!v) return ND_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    p->v[2 * p->n] = a;
    p->v[2 * p->n + 1] = b;
    p->n++;
    return ND_OK;
}

/* The pairs to rank 0, which joins them in uf (of total records). */
static nd_status send_pairs(xch *x, pairs *p, size_t total, nd_uf *uf)
{
    memset(x->sc, 0, x->n * sizeof *x->sc);
    x->sc[0] = p->n * 2 * sizeof *p->v;
    nd_status st = begin_fill(x);
    if (st != ND_OK) return st;
    if (p->n) memcpy(x->send, p->v, x->sc[0]);
    p->n = 0;
    if ((st = exchange(x, ND_DIST_PAIRS)) != ND_OK) return st;
    if (x->me != 0) return ND_OK;
    size_t m = x->roff[x->n];
    if (m % 8) return ND_ECORRUPT;
    for (size_t i = 0; i < m; i += 8) {
        uint32_t a = rd32(x->recv + i), b = rd32(x->recv + i + 4);
        if (a >= total || b >= total) return ND_ECORRUPT;
        nd_uf_union(uf, a, b);
    }
    return ND_OK;
}

/* ---- words ----------------------------------------------------------------------------- */

/* The store's word ids made run-wide across the ranks; its dictionary freed. */
static nd_status global_words(xch *x, nd_sent_store *s)
{
    unsigned n = x->n;
    size_t nw = s->words ? nd_words_count(s->words) : 0;
    uint32_t *gmap = NULL;
    nd_words *own = NULL;
    unsigned char *scratch = NULL;
    size_t scap = 0;
    nd_status st = ND_ENOMEM;
    memset(x->sc, 0, n * sizeof *x->sc);
    for (size_t i = 0; i < nw; i++) {
        uint32_t len;
        uint64_t hash;
        nd_words_get(s->words, (uint32_t)i, &len, &hash);
        x->sc[owner_of(nd_fmix64(hash), n)] += 12 + (size_t)len;
    }
    if ((st = begin_fill(x)) != ND_OK) goto out;
    for (size_t i = 0; i < nw; i++) {
        uint32_t len;
        uint64_t hash;
        const char *w = nd_words_get(s->words, (uint32_t)i, &len, &hash);
        unsigned char *p = x->send + x->pos[owner_of(nd_fmix64(hash), n)];
        put(&p, &hash, 8);
        put(&p, &len, 4);
        put(&p, w, len);
        x->pos[owner_of(nd_fmix64(hash), n)] += 12 + (size_t)len;
    }
    if ((st = exchange(x, ND_DIST_WORDS)) != ND_OK) goto out;
    /* Owned: interned in arrival order; the ids back, in the same order. */
    if ((st = nd_words_create(&own)) != ND_OK) goto out;
    size_t nin = 0;
    for (size_t at = 0; at < x->roff[n];) {
        if (x->roff[n] - at < 12) goto corrupt;
        uint32_t len = rd32(x->recv + at + 8);
        if (x->roff[n] - at - 12 < len) goto corrupt;
        at += 12 + (size_t)len;
        nin++;
    }
    unsigned char *reply = NULL;
    size_t rlen = 0;
    memset(x->sc, 0, n * sizeof *x->sc);
    if ((st = room(&x->send, &x->scap, nin * 4)) != ND_OK) goto out;
    reply = x->send;
    for (unsigned r = 0; r < n; r++) {
        for (size_t at = x->roff[r]; at < x->roff[r + 1];) {
            uint64_t hash = rd64(x->recv + at);
            uint32_t len = rd32(x->recv + at + 8), id;
            if (at + 12 + len > x->roff[r + 1]) goto corrupt;
            /* nd_words_intern reads 8 bytes at a time: the word with zeros after it */
            if ((st = room(&scratch, &scap, (size_t)len + 8)) != ND_OK) goto out;
            memcpy(scratch, x->recv + at + 12, len);
            memset(scratch + len, 0, 8);
            if ((st = nd_words_intern(own, hash, (const char *)scratch, len, &id)) != ND_OK)
                goto out;
            if (id >= UINT32_MAX / n) {
                st = ND_EINVAL;
                goto out;
            }
            memcpy(reply + rlen, &id, 4);
            rlen += 4;
            x->sc[r] += 4;
            at += 12 + (size_t)len;
        }
    }
    nd_words_free(own);
    own = NULL;
    if ((st = exchange(x, ND_DIST_WORDS)) != ND_OK) goto out;
    /* Each owner's ids in the order this rank sent its words. */
    if (!(gmap = nd_malloc((nw ? nw : 1) * sizeof *gmap))) {
        st = ND_ENOMEM;
        goto out;
    }
    memset(x->pos, 0, n * sizeof *x->pos);
    for (size_t i = 0; i < nw; i++) {
        uint32_t len;
        uint64_t hash;
        nd_words_get(s->words, (uint32_t)i, &len, &hash);
        unsigned o = owner_of(nd_fmix64(hash), n);
        if (x->pos[o] + 4 > x->rc[o]) goto corrupt;
        gmap[i] = rd32(x->recv + x->roff[o] + x->pos[o]) * n + o;
        x->pos[o] += 4;
    }
    for (unsigned r = 0; r < n; r++)
        if (x->pos[r] != x->rc[r]) goto corrupt;
    for (size_t j = 0; j < s->nwids; j++) {
        if (s->wids[j] >= nw) goto corrupt;
        s->wids[j] = gmap[s->wids[j]];
    }
    /* Long sentences keep their ids sorted (for a merge): sorted again. */
    for (size_t i = 0; i < s->nsk; i++)
        if (s->sk[i].w_n > ND_SENT_FP_SMALL)
            qsort(s->wids + s->sk[i].w_off, s->sk[i].w_n, sizeof *s->wids, u32_cmp);
    nd_words_free(s->words);
    s->words = NULL;
    st = ND_OK;
    goto out;
corrupt:
    st = ND_ECORRUPT;
out:
    nd_words_free(own);
    nd_free(gmap);
    nd_free(scratch);
    return st;
}

/* How many entries recv[0..end) holds, each a head of `head` bytes whose 32-bit field at
 * byte `count_at` counts the 4-byte ids after it; SIZE_MAX if they do not fill it exactly. */
static size_t count_entries(const unsigned char *recv, size_t end, size_t head, size_t count_at)
{
    size_t m = 0;
    for (size_t at = 0; at < end; m++) {
        if (end - at < head || (end - at - head) / 4 < rd32(recv + at + count_at)) return SIZE_MAX;
        at += head + 4 * (size_t)rd32(recv + at + count_at);
    }
    return m;
}

/* Orders the records i < n by their sub-round sub[i] (SKIP: none), ascending within each:
 * round r's are ord[at[r] .. at[r + 1]) (at: room for nsub + 2). So a sub-round reads only
 * its own records. */
#define SKIP UINT16_MAX
static void order_rounds(const uint16_t *sub, size_t n, unsigned nsub, uint32_t *ord, size_t *at)
{
    memset(at, 0, ((size_t)nsub + 2) * sizeof *at);
    for (size_t i = 0; i < n; i++)
        if (sub[i] != SKIP) at[sub[i] + 2]++;
    for (size_t k = 2; k < (size_t)nsub + 2; k++)
        at[k] += at[k - 1];
    for (size_t i = 0; i < n; i++)
        if (sub[i] != SKIP) ord[at[sub[i] + 1]++] = (uint32_t)i;
}

/* ---- exact keys ------------------------------------------------------------------------ */

#define EXACT_HEAD 16u /* key 8, record 4, size 4 */

typedef struct xent {
    uint64_t key;
    size_t at;         /* its bytes in recv */
    uint32_t rec, idx; /* global record, arrival order */
} xent;

static int xent_cmp(const void *a, const void *b)
{
    const xent *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->rec > y->rec) - (x->rec < y->rec);
}

/* A run of one exact key, as nd_link_exact_run reads it. */
typedef struct xrun {
    const xent *e;
    const unsigned char *recv;
    unsigned char *flag; /* by arrival: 1 represents its key, 2 crossed out */
    double threshold;
    pairs *p;
    nd_status st;
} xrun;

static int xrun_live(void *ctx, size_t i)
{
    const xrun *k = ctx;
    return k->flag[k->e[i].idx] != 2;
}

static void xrun_rep(void *ctx, size_t x)
{
    const xrun *k = ctx;
    k->flag[k->e[x].idx] = 1;
}

static int xrun_joins(void *ctx, size_t x, size_t y)
{
    xrun *k = ctx;
    const unsigned char *a = k->recv + k->e[x].at, *b = k->recv + k->e[y].at;
    uint32_t na = rd32(a + 12), nb = rd32(b + 12);
    /* (ids are 4-byte aligned in neither buffer: compared from copies) */
    uint32_t stack[2 * 64], *ia = stack, *ib = stack + 64, *heap = NULL;
    if (na > 64 || nb > 64) {
        heap = nd_malloc(((size_t)na + nb) * sizeof *heap);
        if (!heap) {
            k->st = ND_ENOMEM;
            return 0;
        }
        ia = heap;
        ib = heap + na;
    }
    memcpy(ia, a + EXACT_HEAD, (size_t)na * 4);
    memcpy(ib, b + EXACT_HEAD, (size_t)nb * 4);
    int ok = nd_sent_similar(ia, na, ib, nb, k->threshold);
    nd_free(heap);
    if (!ok) return 0;
    if (k->st == ND_OK) k->st = pair_add(k->p, k->e[x].rec, k->e[y].rec);
    return 1;
}

static void xrun_cross(void *ctx, size_t y)
{
    const xrun *k = ctx;
    k->flag[k->e[y].idx] = 2;
}

/* The exact-key stage: rep[i] = 1 for each of this rank's records that represents its key;
 * the joins to rank 0. */
static nd_status exact_stage(xch *x, const nd_sent_store *s, uint32_t base, double threshold,
                             size_t round_bytes, size_t total, nd_uf *uf, unsigned char *rep)
{
    unsigned n = x->n, nsub;
    pairs p = {0};
    xent *e = NULL;
    unsigned char *flag = NULL;
    size_t ecap = 0;
    uint16_t *subs = NULL;
    uint32_t *ord = NULL;
    size_t *rst = NULL;
    nd_status st =
        rounds(x, (uint64_t)s->nsk * EXACT_HEAD + (uint64_t)s->nwids * 4, round_bytes, &nsub);
    if (st == ND_OK) {
        subs = nd_malloc((s->nsk ? s->nsk : 1) * sizeof *subs);
        ord = nd_malloc((s->nsk ? s->nsk : 1) * sizeof *ord);
        rst = nd_malloc(((size_t)nsub + 2) * sizeof *rst);
        if (!subs || !ord || !rst) st = ND_ENOMEM;
    }
    if (st == ND_OK) {
        for (size_t i = 0; i < s->nsk; i++)
            subs[i] = (uint16_t)sub_of(nd_fmix64(s->recs[i].key), nsub);
        order_rounds(subs, s->nsk, nsub, ord, rst);
    }
    for (unsigned sub = 0; sub < nsub && st == ND_OK; sub++) {
        memset(x->sc, 0, n * sizeof *x->sc);
        for (size_t oi = rst[sub]; oi < rst[sub + 1]; oi++) {
            uint32_t i = ord[oi];
            x->sc[owner_of(nd_fmix64(s->recs[i].key), n)] += EXACT_HEAD + 4u * s->sk[i].w_n;
        }
        if ((st = begin_fill(x)) != ND_OK) break;
        for (size_t oi = rst[sub]; oi < rst[sub + 1]; oi++) {
            uint32_t i = ord[oi];
            unsigned o = owner_of(nd_fmix64(s->recs[i].key), n);
            unsigned char *q = x->send + x->pos[o];
            uint32_t rec = base + (uint32_t)i, wn = s->sk[i].w_n;
            put(&q, &s->recs[i].key, 8);
            put(&q, &rec, 4);
            put(&q, &wn, 4);
            put(&q, s->wids + s->sk[i].w_off, (size_t)wn * 4);
            x->pos[o] = (size_t)(q - x->send);
        }
        if ((st = exchange(x, ND_DIST_SENTENCES)) != ND_OK) break;
        /* Owned: parsed in arrival order (records ascending), sorted by key, record. */
        size_t m = count_entries(x->recv, x->roff[n], EXACT_HEAD, 12);
        if (m >= UINT32_MAX) goto corrupt;
        if (m > ecap) {
            nd_free(e);
            nd_free(flag);
            e = nd_malloc(m * sizeof *e);
            flag = nd_malloc(m);
            ecap = m;
            if (!e || !flag) {
                ecap = 0;
                st = ND_ENOMEM;
                break;
            }
        }
        size_t at = 0;
        for (size_t k = 0; k < m; k++) {
            e[k].key = rd64(x->recv + at);
            e[k].rec = rd32(x->recv + at + 8);
            e[k].at = at;
            e[k].idx = (uint32_t)k;
            at += EXACT_HEAD + 4 * (size_t)rd32(x->recv + at + 12);
        }
        if (m) memset(flag, 0, m);
        qsort(e, m, sizeof *e, xent_cmp);
        xrun k = {e, x->recv, flag, threshold, &p, ND_OK};
        for (size_t i = 0; i < m && k.st == ND_OK;) {
            size_t j = i + 1;
            while (j < m && e[j].key == e[i].key)
                j++;
            k.e = e + i;
            nd_link_exact_run(j - i, xrun_live, xrun_rep, xrun_joins, xrun_cross, &k);
            i = j;
        }
        if ((st = k.st) != ND_OK) break;
        /* Each rank's flags, in the order it sent its entries. */
        memset(x->sc, 0, n * sizeof *x->sc);
        for (unsigned r = 0; r < n; r++)
            for (size_t a = x->roff[r]; a < x->roff[r + 1];) {
                x->sc[r]++;
                a += EXACT_HEAD + 4 * (size_t)rd32(x->recv + a + 12);
            }
        if ((st = begin_fill(x)) != ND_OK) break;
        for (size_t q = 0; q < m; q++)
            x->send[q] = flag[q] == 1;
        if ((st = exchange(x, ND_DIST_PAIRS)) != ND_OK) break;
        memset(x->pos, 0, n * sizeof *x->pos);
        for (size_t oi = rst[sub]; oi < rst[sub + 1]; oi++) {
            uint32_t i = ord[oi];
            unsigned o = owner_of(nd_fmix64(s->recs[i].key), n);
            if (x->pos[o] >= x->rc[o]) goto corrupt;
            rep[i] = x->recv[x->roff[o] + x->pos[o]++];
        }
        for (unsigned r = 0; r < n; r++)
            if (x->pos[r] != x->rc[r]) goto corrupt;
        st = send_pairs(x, &p, total, uf);
    }
    goto out;
corrupt:
    st = ND_ECORRUPT;
out:
    nd_free(p.v);
    nd_free(e);
    nd_free(flag);
    nd_free(subs);
    nd_free(ord);
    nd_free(rst);
    return st;
}

/* ---- bands ----------------------------------------------------------------------------- */

#define BAND_HEAD 32u /* key 4, record 4, map 16, size 4, document 4 */

/* A received band entry. */
typedef struct bent {
    uint64_t bm0, bm1;
    size_t at; /* its ids in recv */
    uint32_t rec, n, doc;
} bent;

/* One bucket, as nd_link_bucket reads it: sorted entries kv[0..) (key << 32 | arrival). */
typedef struct bucket {
    const uint64_t *kv;
    const bent *b;
    const unsigned char *recv;
    nd_uf *local; /* the round's joins, by arrival */
    double threshold;
    uint32_t *ids; /* room for two sets' ids */
    size_t idcap;
    pairs *p;
} bucket;

static void bucket_load(void *ctx, size_t i, nd_link_member *m)
{
    const bucket *k = ctx;
    const bent *b = &k->b[(uint32_t)k->kv[i]];
    m->bm0 = b->bm0;
    m->bm1 = b->bm1;
    m->n = b->n;
    m->doc = b->doc;
}

/* A candidate: verified unless the round joined it already; a join goes to rank 0. */
static nd_status bucket_push(void *ctx, size_t x, size_t y)
{
    bucket *k = ctx;
    uint32_t ax = (uint32_t)k->kv[x], ay = (uint32_t)k->kv[y];
    if (nd_uf_find(k->local, ax) == nd_uf_find(k->local, ay)) return ND_OK;
    const bent *a = &k->b[ax], *b = &k->b[ay];
    size_t need = (size_t)a->n + b->n;
    if (need > k->idcap) {
        uint32_t *v = nd_reallocarray(k->ids, need, sizeof *v);
        if (!v) return ND_ENOMEM;
        k->ids = v;
        k->idcap = need;
    }
    memcpy(k->ids, k->recv + a->at, (size_t)a->n * 4);
    memcpy(k->ids + a->n, k->recv + b->at, (size_t)b->n * 4);
    if (!nd_sent_similar(k->ids, a->n, k->ids + a->n, b->n, k->threshold)) return ND_OK;
    nd_uf_union(k->local, ax, ay);
    return pair_add(k->p, a->rec, b->rec);
}

static nd_status band_stage(xch *x, const nd_sent_store *s, uint32_t base, uint32_t dbase,
                            const unsigned char *rep, double threshold, size_t round_bytes,
                            size_t total, nd_uf *uf)
{
    unsigned n = x->n, nsub;
    uint64_t bytes = 0;
    for (size_t i = 0; i < s->nsk; i++)
        if (rep[i]) bytes += BAND_HEAD + 4u * s->sk[i].w_n;
    uint32_t need[ND_LINK_NEED_MAX + 1];
    nd_link_need(threshold, need);
    pairs p = {0};
    bent *be = NULL;
    uint64_t *kv = NULL, *tmp = NULL;
    size_t bcap = 0;
    nd_uf *local = NULL;
    bucket k = {0};
    k.threshold = threshold;
    k.p = &p;
    uint16_t *subs = NULL;
    uint32_t *ord = NULL;
    size_t *rst = NULL;
    nd_status st = rounds(x, bytes, round_bytes, &nsub);
    if (st == ND_OK) {
        subs = nd_malloc((s->nsk ? s->nsk : 1) * sizeof *subs);
        ord = nd_malloc((s->nsk ? s->nsk : 1) * sizeof *ord);
        rst = nd_malloc(((size_t)nsub + 2) * sizeof *rst);
        if (!subs || !ord || !rst) st = ND_ENOMEM;
    }
    for (unsigned band = 0; band < ND_PARA_BANDS && st == ND_OK; band++) {
        const uint32_t *keys = s->band[band];
        for (size_t i = 0; i < s->nsk; i++)
            subs[i] =
                rep[i] ? (uint16_t)sub_of(nd_fmix64((uint64_t)band << 32 | keys[i]), nsub) : SKIP;
        order_rounds(subs, s->nsk, nsub, ord, rst);
        for (unsigned sub = 0; sub < nsub && st == ND_OK; sub++) {
            memset(x->sc, 0, n * sizeof *x->sc);
            for (size_t oi = rst[sub]; oi < rst[sub + 1]; oi++) {
                uint32_t i = ord[oi];
                x->sc[owner_of(nd_fmix64((uint64_t)band << 32 | keys[i]), n)] +=
                    BAND_HEAD + 4u * s->sk[i].w_n;
            }
            if ((st = begin_fill(x)) != ND_OK) break;
            for (size_t oi = rst[sub]; oi < rst[sub + 1]; oi++) {
                uint32_t i = ord[oi];
                unsigned o = owner_of(nd_fmix64((uint64_t)band << 32 | keys[i]), n);
                unsigned char *q = x->send + x->pos[o];
                const nd_para_sketch *sk = &s->sk[i];
                uint32_t rec = base + (uint32_t)i, doc = dbase + sk->doc, wn = sk->w_n;
                put(&q, &keys[i], 4);
                put(&q, &rec, 4);
                put(&q, sk->bm, 16);
                put(&q, &wn, 4);
                put(&q, &doc, 4);
                put(&q, s->wids + sk->w_off, (size_t)wn * 4);
                x->pos[o] = (size_t)(q - x->send);
            }
            if ((st = exchange(x, ND_DIST_SENTENCES)) != ND_OK) break;
            /* Owned: in arrival order (records ascending); sorted by key, stably. */
            size_t m = count_entries(x->recv, x->roff[n], BAND_HEAD, 24);
            if (m >= UINT32_MAX) goto corrupt;
            if (m > bcap) {
                nd_free(be);
                nd_free(kv);
                nd_free(tmp);
                be = nd_malloc(m * sizeof *be);
                kv = nd_malloc(m * sizeof *kv);
                tmp = nd_malloc(m * sizeof *tmp);
                bcap = m;
                if (!be || !kv || !tmp) {
                    bcap = 0;
                    st = ND_ENOMEM;
                    break;
                }
            }
            size_t at = 0;
            for (size_t q = 0; q < m; q++) {
                const unsigned char *r = x->recv + at;
                be[q].rec = rd32(r + 4);
                be[q].bm0 = rd64(r + 8);
                be[q].bm1 = rd64(r + 16);
                be[q].n = rd32(r + 24);
                be[q].doc = rd32(r + 28);
                be[q].at = at + BAND_HEAD;
                kv[q] = (uint64_t)rd32(r) << 32 | q;
                at += BAND_HEAD + 4 * (size_t)be[q].n;
            }
            const uint64_t *e = m ? nd_radix_sort(kv, NULL, NULL, m, kv, tmp) : tmp;
            nd_uf_free(local);
            local = NULL;
            if ((st = nd_uf_create(m ? m : 1, &local)) != ND_OK) break;
            k.b = be;
            k.recv = x->recv;
            k.local = local;
            for (size_t i = 0; i < m && st == ND_OK;) {
                size_t j = i + 1;
                while (j < m && (e[j] >> 32) == (e[i] >> 32))
                    j++;
                if (j - i > 1) {
                    k.kv = e + i;
                    st = nd_link_bucket(j - i, need, threshold, bucket_load, bucket_push, &k);
                }
                i = j;
            }
            if (st == ND_OK) st = send_pairs(x, &p, total, uf);
        }
    }
    goto out;
corrupt:
    st = ND_ECORRUPT;
out:
    nd_free(subs);
    nd_free(ord);
    nd_free(rst);
    nd_uf_free(local);
    nd_free(k.ids);
    nd_free(p.v);
    nd_free(be);
    nd_free(kv);
    nd_free(tmp);
    return st;
}

nd_status nd_dlink_sentences(const nd_dist *d, nd_sent_store *s, size_t ndocs, double threshold,
                             size_t round_bytes, size_t total, nd_uf *uf)
{
    unsigned n = d->nranks, me = d->rank;
    if (!d->alltoallv || n == 0) return ND_EINVAL;
    if (round_bytes == 0) round_bytes = ND_DLINK_ROUND_BYTES;
    xch x = {d,
             n,
             me,
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n, sizeof(size_t)),
             nd_calloc(n + 1, sizeof(size_t)),
             nd_calloc(n, sizeof(uint64_t)),
             nd_calloc(n, sizeof(uint64_t)),
             NULL,
             NULL,
             0,
             0};
    unsigned char *rep = NULL;
    nd_status st = ND_ENOMEM;
    if (!x.sc || !x.rc || !x.eight || !x.pos || !x.roff || !x.cs || !x.cr) goto out;
    for (unsigned r = 0; r < n; r++)
        x.eight[r] = sizeof(uint64_t);
    /* The ranks' counts of records and documents: where this rank's are numbered from. */
    uint64_t base = 0, all = 0, dbase = 0, dall = 0;
    if ((st = share_count(&x, s->nsk, ND_DIST_SENTENCES)) != ND_OK) goto out;
    for (unsigned r = 0; r < n; r++) {
        if (r == me) base = all;
        all += x.cr[r];
        if (all >= UINT32_MAX) st = ND_EINVAL;
    }
    if ((st == ND_OK) && (st = share_count(&x, ndocs, ND_DIST_SENTENCES)) != ND_OK) goto out;
    for (unsigned r = 0; r < n; r++) {
        if (r == me) dbase = dall;
        dall += x.cr[r];
        if (dall >= UINT32_MAX) st = ND_EINVAL;
    }
    if (st != ND_OK) goto out;
    if (me == 0 && (all != total || !uf)) {
        st = ND_ECORRUPT;
        goto out;
    }
    if ((st = global_words(&x, s)) != ND_OK) goto out;
    if (!(rep = nd_calloc(s->nsk ? s->nsk : 1, 1))) {
        st = ND_ENOMEM;
        goto out;
    }
    st = exact_stage(&x, s, (uint32_t)base, threshold, round_bytes, total, uf, rep);
    if (st == ND_OK)
        st = band_stage(&x, s, (uint32_t)base, (uint32_t)dbase, rep, threshold, round_bytes, total,
                        uf);
    if (st == ND_OK && uf) nd_uf_recount(uf);
out:
    nd_free(rep);
    nd_free(x.sc);
    nd_free(x.rc);
    nd_free(x.eight);
    nd_free(x.pos);
    nd_free(x.roff);
    nd_free(x.cs);
    nd_free(x.cr);
    nd_free(x.send);
    nd_free(x.recv);
    return st;
}
