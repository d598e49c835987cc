/*
 * stream.c - the bytes of one input file: as stored, or decompressed from gzip or zstd.
 *
 * Owns the zin reader (input_priv.h) and each source's checkpoint index. The compression
 * is recognised by magic number, never by name: gzip (1f 8b, RFC 1952; any number of
 * members, each checked by its CRC-32) through zlib, zstd (28 b5 2f fd; any number of
 * frames, skippable frames skipped) through libzstd. Offsets everywhere else in the reader
 * are offsets in the decompressed stream.
 *
 * Reading again (nd_reader_fetch) must not decompress a whole file per record. While a
 * compressed source is read the first time, checkpoints are recorded where decompression
 * can start afresh: each gzip member and zstd frame start (at most one per CHECK_GAP bytes
 * of output), and inside a long gzip member a zran-style access point (zlib's
 * examples/zran.c) every ACCESS_SPAN bytes of output: the bit position of a deflate block
 * boundary plus the 32 KiB window before it, which goes to a temporary file, so memory
 * holds only 32 bytes per point. A fetch then decompresses from the nearest checkpoint at
 * or before the record, unless the reader's cursor (the last fetch's stream) is already
 * between that checkpoint and the record: records asked for in increasing order cost one
 * decompression of the file in all. A single zstd frame has no inner restart point (zstd
 * offers no window snapshot), so going backwards there starts again from the frame.
 *
 * Not done here: cutting records (frame.c, csv.c, warc.c), paths (reader.c).
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* the buffer-less decoder (libzstd 1.5.4, Debian 12) */
#include <zstd.h>
#include <zstd_errors.h>

#include "input_priv.h"
#include "alloc.h"

#define RAW_CHUNK ((size_t)1 << 18)     /* compressed bytes read at a time */
#define CHECK_GAP ((uint64_t)64 << 10)  /* least output between two member/frame checkpoints */
#define ACCESS_SPAN ((uint64_t)1 << 20) /* output between two gzip access points */
#define WINDOW 32768u                   /* deflate's window */

/* ---- zlib through the library's allocator ------------------------------------------------- */

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return nd_calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    nd_free(p);
}

/* ---- the checkpoint index ------------------------------------------------------------------ */

static nd_status add_point(zindex *ix, uint64_t raw, uint64_t out, uint64_t win, unsigned winlen,
                           unsigned bits)
{
    assert(ix->n == 0 || out >= ix->v[ix->n - 1].out);
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 16;
        zpoint *v = nd_reallocarray(ix->v, cap, sizeof *v);
        if (!v) return ND_ENOMEM;
        ix->v = v;
        ix->cap = cap;
    }
    zpoint *p = &ix->v[ix->n++];
    p->raw = raw;
    p->out = out;
    p->win = win;
    p->winlen = (uint16_t)winlen;
    p->bits = (unsigned char)bits;
    return ND_OK;
}

void nd_zindex_clear(zindex *ix)
{
    nd_free(ix->v);
    memset(ix, 0, sizeof *ix);
}

/* The last checkpoint at or before output offset `out`, or NULL (then: the file's start). */
static const zpoint *find_point(const zindex *ix, uint64_t out)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) { /* first point with p->out > out */
        size_t mid = lo + (hi - lo) / 2;
        if (ix->v[mid].out <= out)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &ix->v[lo - 1] : NULL;
}

/* ---- raw bytes --------------------------------------------------------------------------------
 */

/* Reads more compressed bytes into z->ib (keeping the unread ones). 1 some read, 0 end of
 * file, -1 error (z->msg set). Copies what it reads to the spool, when there is one. */
static int refill(zin *z)
{
    if (z->ipos > 0) {
        memmove(z->ib, z->ib + z->ipos, z->ilen - z->ipos);
        z->raw_base += z->ipos;
        z->ilen -= z->ipos;
        z->ipos = 0;
    }
    if (z->raw_eof || z->ilen == z->icap) return z->ilen > 0 ? 1 : 0;
    ptrdiff_t k;
    for (;;) {
        if (z->pread)
            k = pread(z->fd, z->ib + z->ilen, z->icap - z->ilen, (off_t)(z->raw_base + z->ilen));
        else
            k = read(z->fd, z->ib + z->ilen, z->icap - z->ilen);
        if (k >= 0 || errno != EINTR) break;
    }
    if (k < 0) {
        snprintf(z->msg, sizeof z->msg, "read error: %s", strerror(errno));
        z->status = ND_EIO;
        return -1;
    }
    if (k == 0) {
        z->raw_eof = 1;
        return z->ilen > 0 ? 1 : 0;
    }
    if (z->spool && fwrite(z->ib + z->ilen, 1, (size_t)k, z->spool) != (size_t)k) {
        snprintf(z->msg, sizeof z->msg, "cannot write the temporary copy: %s", strerror(errno));
        z->status = ND_EIO;
        return -1;
    }
    z->ilen += (size_t)k;
    return 1;
}

/* Fails z with status st and a message (printf-style); returns -1. */
__attribute__((format(printf, 3, 4))) static int zfail(zin *z, nd_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(z->msg, sizeof z->msg, fmt, ap);
    va_end(ap);
    z->status = st;
    return -1;
}

/* ---- gzip ------------------------------------------------------------------------------------ */

/* Starts decompressing a gzip member at z->ib[z->ipos] (recording a checkpoint there). */
static int gz_member_start(zin *z)
{
    if (z->ilen - z->ipos < 2 && refill(z) < 0) return -1;
    if (z->ilen - z->ipos < 2 || memcmp(z->ib + z->ipos, "\x1f\x8b", 2) != 0) {
        return zfail(z, ND_EIO,
                     "corrupt gzip data: no gzip header at byte %llu of the file, where the next "
                     "member should start",
                     (unsigned long long)(z->raw_base + z->ipos));
    }
    if (z->index && (z->index->n == 0 || z->out - z->index->v[z->index->n - 1].out >= CHECK_GAP)) {
        if (add_point(z->index, z->raw_base + z->ipos, z->out, UINT64_MAX, 0, 0) != ND_OK)
            return zfail(z, ND_ENOMEM, "%s", "out of memory");
        z->last_access = z->out;
    }
    if (inflateReset2(z->gz, 31) != Z_OK) return zfail(z, ND_EINTERNAL, "%s", "inflateReset2");
    z->open = 1;
    return 0;
}

/* Records a zran access point where inflate stopped at a block boundary. */
static int gz_access_point(zin *z)
{
    unsigned char win[WINDOW];
    uInt wl = 0;
    if (inflateGetDictionary(z->gz, win, &wl) != Z_OK) return 0; /* no point: not an error */
    if (!z->winfile) return 0;
    if (fseeko(z->winfile, 0, SEEK_END) != 0) return 0;
    off_t at = ftello(z->winfile);
    if (at < 0 || fwrite(win, 1, wl, z->winfile) != wl) return 0;
    if (add_point(z->index, z->raw_base + z->ipos, z->out, (uint64_t)at, wl,
                  (unsigned)z->gz->data_type & 7u) != ND_OK)
        return zfail(z, ND_ENOMEM, "%s", "out of memory");
    z->last_access = z->out;
    return 0;
}

static ptrdiff_t gz_read(zin *z, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        if (z->skip_trailer) { /* resumed inside a member: its 8-byte trailer, unchecked */
            if (z->ipos == z->ilen && refill(z) <= 0) break;
            size_t k = z->ilen - z->ipos < z->skip_trailer ? z->ilen - z->ipos : z->skip_trailer;
            z->ipos += k;
            z->skip_trailer -= k;
            continue;
        }
        int dry = 0; /* no input left: only what inflate holds can still come out */
        if (z->ipos == z->ilen) {
            int f = refill(z);
            if (f < 0) break;
            if (f == 0 && !z->open) {
                z->ended = 1;
                break;
            }
            dry = f == 0;
        }
        if (!z->open && gz_member_start(z) < 0) break;
        int block = z->index && z->winfile && z->out - z->last_access >= ACCESS_SPAN;
        z->gz->next_in = z->ib + z->ipos;
        z->gz->avail_in = (uInt)(z->ilen - z->ipos);
        z->gz->next_out = (unsigned char *)p + got;
        z->gz->avail_out = (uInt)(n - got > UINT32_MAX ? UINT32_MAX : n - got);
        uInt before = z->gz->avail_out;
        int ret = inflate(z->gz, block ? Z_BLOCK : Z_NO_FLUSH);
        z->ipos = z->ilen - z->gz->avail_in;
        got += before - z->gz->avail_out;
        z->out += before - z->gz->avail_out;
        if (dry && ret != Z_STREAM_END && before == z->gz->avail_out) {
            zfail(z, ND_EIO, "%s", "truncated gzip data: the file ends inside a member");
            break;
        }
        if (ret == Z_STREAM_END) {
            z->open = 0;
            if (z->resumed) {
                z->skip_trailer = 8;
                z->resumed = 0;
            }
            continue;
        }
        if (ret == Z_MEM_ERROR) {
            zfail(z, ND_ENOMEM, "%s", "out of memory");
            break;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR) {
            zfail(z, ND_EIO, "corrupt gzip data (%s)", z->gz->msg ? z->gz->msg : "zlib error");
            break;
        }
        if (block && (z->gz->data_type & 128) && !(z->gz->data_type & 64) && gz_access_point(z) < 0)
            break;
    }
    if (got == 0 && z->status != ND_OK) return -1;
    return (ptrdiff_t)got;
}

/* ---- zstd ------------------------------------------------------------------------------------ */

static ptrdiff_t zst_read(zin *z, char *p, size_t n)
{
    ZSTD_outBuffer o = {p, n, 0};
    while (o.pos < n) {
        int dry = 0; /* no input left: only what the decoder holds can still come out */
        if (z->ipos == z->ilen) {
            int f = refill(z);
            if (f < 0) break;
            if (f == 0 && !z->open) {
                z->ended = 1;
                break;
            }
            dry = f == 0;
        }
        if (!z->open) {
            if (z->index &&
                (z->index->n == 0 || z->out - z->index->v[z->index->n - 1].out >= CHECK_GAP) &&
                add_point(z->index, z->raw_base + z->ipos, z->out, UINT64_MAX, 0, 0) != ND_OK) {
                zfail(z, ND_ENOMEM, "%s", "out of memory");
                break;
            }
            z->open = 1;
        }
        ZSTD_inBuffer in = {z->ib, z->ilen, z->ipos};
        size_t before = o.pos;
        /* At most one block's output per call: a call that fails reports none of what it
         * decoded, and what came before the damage is worth keeping. */
        size_t room = n - o.pos < ZSTD_BLOCKSIZE_MAX ? n - o.pos : ZSTD_BLOCKSIZE_MAX;
        ZSTD_outBuffer step = {p, o.pos + room, o.pos};
        size_t ret = ZSTD_decompressStream(z->zd, &step, &in);
        o.pos = step.pos;
        z->ipos = in.pos;
        z->out += o.pos - before;
        if (ZSTD_isError(ret)) {
            if (ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation)
                zfail(z, ND_ENOMEM, "%s", "out of memory");
            else
                zfail(z, ND_EIO, "corrupt zstd data (%s)", ZSTD_getErrorName(ret));
            break;
        }
        if (ret == 0) {
            z->open = 0; /* a frame ends here */
        } else if (dry && o.pos == before) {
            zfail(z, ND_EIO, "%s", "truncated zstd data: the file ends inside a frame");
            break;
        }
    }
    if (o.pos == 0 && z->status != ND_OK) return -1;
    return (ptrdiff_t)o.pos;
}

/* ---- the zin reader ------------------------------------------------------------------------ */

/* Readies the decompressor for z->kind. ND_OK or ND_ENOMEM. */
static nd_status start_codec(zin *z)
{
    if (z->kind == ZK_GZIP && !z->gz) {
        z->gz = nd_calloc(1, sizeof *z->gz);
        if (!z->gz) return ND_ENOMEM;
        z->gz->zalloc = z_alloc;
        z->gz->zfree = z_free;
        if (inflateInit2(z->gz, 31) != Z_OK) {
            nd_free(z->gz);
            z->gz = NULL;
            return ND_ENOMEM;
        }
    }
    if (z->kind == ZK_ZSTD && !z->zd) {
        z->zd = ZSTD_createDStream();
        if (!z->zd) return ND_ENOMEM;
    }
    return ND_OK;
}

nd_status nd_zin_open(zin *z, int fd, FILE *spool, zindex *index, FILE *winfile)
{
    memset(z, 0, sizeof *z);
    z->fd = fd;
    z->spool = spool;
    z->index = index;
    z->winfile = winfile;
    z->ib = nd_malloc(RAW_CHUNK);
    if (!z->ib) return ND_ENOMEM;
    z->icap = RAW_CHUNK;
    /* The first bytes tell the compression: read until there are 4 (or the end). */
    while (z->ilen < 4 && !z->raw_eof && z->status == ND_OK)
        if (refill(z) <= 0) break;
    if (z->ilen >= 2 && memcmp(z->ib, "\x1f\x8b", 2) == 0)
        z->kind = ZK_GZIP;
    else if (z->ilen >= 4 && memcmp(z->ib, "\x28\xb5\x2f\xfd", 4) == 0)
        z->kind = ZK_ZSTD;
    else
        z->kind = ZK_PLAIN;
    return start_codec(z);
}

nd_status nd_zin_open_plain(zin *z, int fd)
{
    memset(z, 0, sizeof *z);
    z->fd = fd;
    z->ib = nd_malloc(RAW_CHUNK);
    if (!z->ib) return ND_ENOMEM;
    z->icap = RAW_CHUNK;
    z->kind = ZK_PLAIN;
    return ND_OK;
}

ptrdiff_t nd_zin_read(zin *z, char *p, size_t n)
{
    if (z->status != ND_OK) return -1;
    if (z->kind == ZK_GZIP) return gz_read(z, p, n);
    if (z->kind == ZK_ZSTD) return zst_read(z, p, n);
    /* As stored: what the sniffing left in ib, then straight from the file. */
    size_t got = 0;
    if (z->ipos < z->ilen) {
        got = z->ilen - z->ipos < n ? z->ilen - z->ipos : n;
        memcpy(p, z->ib + z->ipos, got);
        z->ipos += got;
    }
    if (got < n && !z->raw_eof) {
        z->raw_base += z->ilen;
        z->ipos = z->ilen = 0;
        ptrdiff_t k;
        for (;;) {
            if (z->pread)
                k = pread(z->fd, p + got, n - got, (off_t)z->raw_base);
            else
                k = read(z->fd, p + got, n - got);
            if (k >= 0 || errno != EINTR) break;
        }
        if (k < 0) {
            zfail(z, ND_EIO, "read error: %s", strerror(errno));
            return got ? (ptrdiff_t)got : -1;
        }
        if (k == 0) z->raw_eof = 1;
        if (z->spool && k > 0 && fwrite(p + got, 1, (size_t)k, z->spool) != (size_t)k) {
            zfail(z, ND_EIO, "cannot write the temporary copy: %s", strerror(errno));
            return -1;
        }
        z->raw_base += (uint64_t)k;
        got += (size_t)k;
    }
    z->out += got;
    return (ptrdiff_t)got;
}

/* Appends the n bytes just delivered at p to z's decompressed copy, while it has room. */
static void copy_out(zin *z, const char *p, size_t n)
{
    if (!z->dcopy || z->dcopy_lost || n == 0) return;
    assert(z->dcopied <= z->dcopy_room);
    if (n > z->dcopy_room - z->dcopied || fwrite(p, 1, n, z->dcopy) != n) {
        z->dcopy_lost = 1;
        return;
    }
    z->dcopied += n;
}

/* nd_zin_read_full on the thread that decodes. */
static ptrdiff_t read_full_here(zin *z, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ptrdiff_t k = nd_zin_read(z, p + got, n - got);
        if (k < 0) break;
        if (k == 0) break;
        got += (size_t)k;
    }
    copy_out(z, p, got);
    if (got == 0 && z->status != ND_OK) return -1;
    return (ptrdiff_t)got;
}

/* ---- the read-ahead thread ----------------------------------------------------------------- */

/*
 * Decompression costs the thread that reads as much as cutting and copying the records
 * (zstd) or several times that (gzip), and it is the one part of reading that a plain file
 * does not have; on its own thread it overlaps the cutting and the workers' signing. A
 * producer (ahead_main) decodes z's stream into a ring buffer, in chunks of at most CHUNK
 * bytes, at most AHEAD_SLOTS of them ahead of the consumer (nd_zin_read_full), which copies
 * them out in order; the producer writes each chunk to the decompressed copy. The bytes,
 * their order, the copy and the failure at the end (status and message, published to the
 * consumer's z only once it has taken every byte before) are exactly those of decoding on
 * the calling thread.
 *
 * zstd frames are decoded with libzstd's buffer-less API (ZSTD_decompressContinue, zstd.h's
 * "round buffer" method) straight into the ring, which is then the decoder's window too:
 * the streaming decoder would decode each block into a window of its own and copy it out,
 * a copy of every byte that cost the job about 0.1 to 0.2 CPU-seconds in 258 MB. A block is
 * decoded next to the one before until fewer than ROOM bytes are left before the ring's end,
 * then at its start. Nothing is written over what is still needed: a step writes at most
 * STEP bytes at p, and behind p lie (in ring order, with at most one skipped end of less
 * than ROOM bytes) the chunks not yet taken, at most AHEAD_SLOTS * CHUNK - STEP bytes, and
 * the frame's window, windowSize bytes; so a ring of max(windowSize, AHEAD_SLOTS * CHUNK) +
 * 2 * ROOM bytes keeps both. Inside a frame the buffer-less calls are those the streaming
 * decoder makes (it is built on them), so the errors are the same; at a frame start whose
 * header is not a zstd frame the ring can hold (a window larger than the ring, beyond the
 * first frame; a dictionary; a legacy or damaged header; the end of the file), decoding
 * goes on with the streaming decoder for the rest of the file, which then says what it
 * would have said. gzip is decoded through nd_zin_read in steps of at most STEP bytes.
 * Memory: the ring, max(window, 4 MiB) + 257 KiB, per file being read (the streaming
 * decoder's own window buffer is never allocated).
 */
#define AHEAD_SLOTS 4
#define STEP ((size_t)ZSTD_BLOCKSIZE_MAX) /* the most one step writes */
#define ROOM (STEP + 64)                  /* a step starts only with this much room left */
#define WINDOW_MAX ((uint64_t)1 << ZSTD_WINDOWLOG_LIMIT_DEFAULT) /* as the streaming decoder */

typedef struct zahead {
    zin core; /* the decoder; the producer's while it runs */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a chunk filled, a chunk taken, stop */
    pthread_t tid;
    char *ring;  /* the chunks, and the zstd window */
    size_t rcap; /* its size */
    size_t w;    /* the producer's: where the next chunk starts */
    int bl;      /* the producer's: zstd frames are decoded buffer-less into the ring */
    int fresh;   /* the producer's: nothing written to the ring yet (it may be resized) */
    int rawblk;  /* the producer's: the zstd block being read is stored raw */
    uint64_t skip; /* the producer's: bytes of a skippable zstd frame still to pass over */
    size_t start[AHEAD_SLOTS], len[AHEAD_SLOTS]; /* under mu: the filled chunks */
    size_t head, count; /* under mu: the filled chunks, oldest at head */
    int stop;           /* under mu: the consumer wants the producer gone */
    int done;           /* under mu: the stream ended or failed; nothing more comes */
    size_t off;         /* the consumer's: bytes of chunk head already taken */
    int running;        /* the consumer's: a producer thread exists (not joined yet) */
    int threaded;       /* a producer thread may be started (else the consumer decodes) */
} zahead;

/* At a zstd frame start: 1 when its header (more input read as needed) is one the ring can
 * decode buffer-less, resizing the ring for the first frame if its window needs it; 2 for a
 * skippable frame (*skip: its size); 0 when the streaming decoder must go on; -1 a read
 * error (z->msg). */
static int bl_frame_fits(zahead *a, uint64_t *skip)
{
    zin *z = &a->core;
    ZSTD_frameHeader fh;
    size_t h;
    for (;;) {
        h = ZSTD_getFrameHeader(&fh, z->ib + z->ipos, z->ilen - z->ipos);
        if (h == 0 || ZSTD_isError(h) || z->raw_eof) break;
        if (refill(z) < 0) return -1;
    }
    if (h != 0) return 0;
    if (fh.frameType == ZSTD_skippableFrame) {
        *skip = ZSTD_SKIPPABLEHEADERSIZE + fh.frameContentSize; /* (fh.headerSize is 0) */
        return 2;
    }
    if (fh.dictID != 0 || fh.windowSize > WINDOW_MAX) return 0;
    size_t need = (size_t)fh.windowSize;
    need = (need > AHEAD_SLOTS * CHUNK ? need : AHEAD_SLOTS * CHUNK) + 2 * ROOM;
    if (need <= a->rcap) return 1;
    if (!a->fresh) return 0;
    char *ring = nd_malloc(need);
    if (!ring) return 0;
    nd_free(a->ring);
    a->ring = ring;
    a->rcap = need;
    return 1;
}

/* One buffer-less zstd step into dst (at least STEP bytes of room there): a frame header, a
 * block, a checksum, or a piece of a skippable frame. The bytes decoded (0 for all but a
 * block, and at the end: z->ended), or -1 (z->status, z->msg). At a frame start that needs
 * the streaming decoder, switches a->bl off and returns the streaming decoder's first read. */
static ptrdiff_t bl_step(zahead *a, char *dst)
{
    zin *z = &a->core;
    if (!z->open) {
        if (z->ipos == z->ilen) {
            int f = refill(z);
            if (f < 0) return -1;
            if (f == 0) {
                z->ended = 1;
                return 0;
            }
        }
        int fits = bl_frame_fits(a, &a->skip);
        if (fits < 0) return -1;
        if (!fits) { /* a fresh streaming session from this frame on */
            a->bl = 0;
            ZSTD_DCtx_reset(z->zd, ZSTD_reset_session_only);
            return nd_zin_read(z, dst, STEP);
        }
        if (z->index &&
            (z->index->n == 0 || z->out - z->index->v[z->index->n - 1].out >= CHECK_GAP) &&
            add_point(z->index, z->raw_base + z->ipos, z->out, UINT64_MAX, 0, 0) != ND_OK)
            return zfail(z, ND_ENOMEM, "%s", "out of memory");
        if (fits == 1 && ZSTD_isError(ZSTD_decompressBegin(z->zd)))
            return zfail(z, ND_EINTERNAL, "%s", "ZSTD_decompressBegin");
        if (fits == 1) a->skip = 0;
        z->open = 1;
        a->rawblk = 0;
        return 0;
    }
    if (a->skip > 0) { /* a skippable frame: its bytes are passed over, as they come */
        if (z->ipos == z->ilen) {
            int f = refill(z);
            if (f < 0) return -1;
            if (f == 0) return zfail(z, ND_EIO, "%s", "truncated zstd data: the file ends inside a frame");
        }
        size_t k = z->ilen - z->ipos;
        if (k > a->skip) k = (size_t)a->skip;
        z->ipos += k;
        a->skip -= k;
        if (a->skip == 0) z->open = 0;
        return 0;
    }
    size_t need = ZSTD_nextSrcSizeToDecompress(z->zd);
    if (need > z->icap) /* a block is at most 128 KiB: not a zstd block */
        return zfail(z, ND_EIO, "corrupt zstd data (%s)",
                     ZSTD_getErrorString(ZSTD_error_corruption_detected));
    while (z->ilen - z->ipos < need && !z->raw_eof)
        if (refill(z) < 0) return -1;
    if (z->ilen - z->ipos < need) {
        /* The file ends inside the frame. The streaming decoder passes a stored block's
         * bytes on as they come: so do we, then fail at the next step. */
        size_t have = z->ilen - z->ipos;
        if (a->rawblk && ZSTD_nextInputType(z->zd) == ZSTDnit_block && have > 0) {
            assert(have < STEP);
            memcpy(dst, z->ib + z->ipos, have);
            z->ipos = z->ilen;
            z->out += have;
            a->rawblk = 0; /* nothing more of it comes */
            return (ptrdiff_t)have;
        }
        return zfail(z, ND_EIO, "%s", "truncated zstd data: the file ends inside a frame");
    }
    if (ZSTD_nextInputType(z->zd) == ZSTDnit_blockHeader && need >= 1)
        a->rawblk = ((z->ib[z->ipos] >> 1) & 3) == 0; /* Block_Type 0: Raw_Block (RFC 8878) */
    size_t k = ZSTD_decompressContinue(z->zd, dst, STEP, z->ib + z->ipos, need);
    if (ZSTD_isError(k)) {
        if (ZSTD_getErrorCode(k) == ZSTD_error_memory_allocation)
            return zfail(z, ND_ENOMEM, "%s", "out of memory");
        return zfail(z, ND_EIO, "corrupt zstd data (%s)", ZSTD_getErrorName(k));
    }
    z->ipos += need;
    z->out += k;
    if (ZSTD_nextSrcSizeToDecompress(z->zd) == 0) z->open = 0; /* the frame ends here */
    return (ptrdiff_t)k;
}

/* Decodes the next chunk into the ring after the filled ones. Called by the producer
 * without the lock, or by the consumer when no producer runs; count < AHEAD_SLOTS. */
static void fill_one(zahead *a)
{
    zin *z = &a->core;
    size_t at = a->rcap - a->w < ROOM ? 0 : a->w, len = 0;
    int end = 0;
    while (CHUNK - len >= STEP && a->rcap - (at + len) >= ROOM) {
        char *dst = a->ring + at + len;
        int bl = a->bl;
        ptrdiff_t k = bl ? bl_step(a, dst) : nd_zin_read(z, dst, STEP);
        a->fresh = 0;
        if (k < 0 || (k == 0 && (!bl || z->ended || z->status != ND_OK))) {
            end = 1; /* the end, or a failure: core.status */
            break;
        }
        len += (size_t)k;
    }
    copy_out(z, a->ring + at, len);
    pthread_mutex_lock(&a->mu);
    size_t i = (a->head + a->count) % AHEAD_SLOTS;
    a->start[i] = at;
    a->len[i] = len;
    if (len > 0) a->count++;
    if (end) a->done = 1;
    a->w = at + len;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

static void *ahead_main(void *arg)
{
    zahead *a = arg;
    pthread_mutex_lock(&a->mu);
    while (!a->stop && !a->done) {
        if (a->count == AHEAD_SLOTS) {
            pthread_cond_wait(&a->cv, &a->mu);
            continue;
        }
        pthread_mutex_unlock(&a->mu);
        fill_one(a);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* nd_zin_read_full through the read-ahead. */
static ptrdiff_t ahead_read(zin *z, char *p, size_t n)
{
    zahead *a = z->ahead;
    size_t got = 0;
    if (z->status != ND_OK) return -1;
    while (got < n) {
        pthread_mutex_lock(&a->mu);
        if (!a->running && !a->done && a->threaded &&
            pthread_create(&a->tid, NULL, ahead_main, a) == 0)
            a->running = 1;
        while (a->count == 0 && !a->done) {
            if (!a->running) { /* no thread (none could be started): decode here */
                pthread_mutex_unlock(&a->mu);
                fill_one(a);
                pthread_mutex_lock(&a->mu);
                continue;
            }
            pthread_cond_wait(&a->cv, &a->mu);
        }
        if (a->count == 0) { /* done, and every byte taken: now the failure shows */
            pthread_mutex_unlock(&a->mu);
            z->status = a->core.status;
            memcpy(z->msg, a->core.msg, sizeof z->msg);
            break;
        }
        size_t i = a->head, k = a->len[i] - a->off;
        const char *src = a->ring + a->start[i] + a->off;
        pthread_mutex_unlock(&a->mu);
        /* Chunk head is the consumer's while it is filled: the producer writes elsewhere. */
        if (k > n - got) k = n - got;
        memcpy(p + got, src, k);
        got += k;
        a->off += k;
        if (a->off == a->len[i]) {
            pthread_mutex_lock(&a->mu);
            a->head = (a->head + 1) % AHEAD_SLOTS;
            a->count--;
            a->off = 0;
            pthread_cond_signal(&a->cv);
            pthread_mutex_unlock(&a->mu);
        }
    }
    if (got == 0 && z->status != ND_OK) return -1;
    return (ptrdiff_t)got;
}

nd_status nd_zin_ahead(zin *z, int thread)
{
    assert(!z->ahead && !z->pread && z->status == ND_OK);
    zahead *a = nd_calloc(1, sizeof *a);
    if (!a) return ND_ENOMEM;
    a->rcap = AHEAD_SLOTS * CHUNK + 2 * ROOM; /* a larger zstd window: see bl_frame_fits */
    if (!(a->ring = nd_malloc(a->rcap))) {
        nd_free(a);
        return ND_ENOMEM;
    }
    a->fresh = 1;
    a->bl = z->kind == ZK_ZSTD;
    a->threaded = thread;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    /* The decoder moves to the read-ahead; z keeps its descriptor, kind and status. */
    a->core = *z;
    z->ib = NULL;
    z->gz = NULL;
    z->zd = NULL;
    z->spool = z->dcopy = NULL;
    z->index = NULL;
    z->winfile = NULL;
    z->ahead = a;
    return ND_OK;
}

void nd_zin_pause(zin *z)
{
    zahead *a = z->ahead;
    if (!a || !a->running) return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->tid, NULL);
    a->running = 0;
    a->stop = 0; /* no other thread now */
}

void nd_zin_copied(zin *z, uint64_t *copied, int *lost)
{
    nd_zin_pause(z);
    const zin *d = z->ahead ? &z->ahead->core : z;
    *copied = d->dcopied;
    *lost = d->dcopy_lost;
}

void nd_zin_drop_copy(zin *z)
{
    nd_zin_pause(z);
    zin *d = z->ahead ? &z->ahead->core : z;
    d->dcopy = NULL;
    d->dcopy_lost = 1;
}

ptrdiff_t nd_zin_read_full(zin *z, char *p, size_t n)
{
    return z->ahead ? ahead_read(z, p, n) : read_full_here(z, p, n);
}

void nd_zin_close(zin *z)
{
    zahead *a = z->ahead;
    if (a) {
        nd_zin_pause(z);
        nd_zin_close(&a->core);
        nd_free(a->ring);
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        nd_free(a);
    }
    if (z->gz) {
        inflateEnd(z->gz);
        nd_free(z->gz);
    }
    ZSTD_freeDStream(z->zd);
    nd_free(z->ib);
    memset(z, 0, sizeof *z);
    z->fd = -1;
}

/* ---- positioning for a fetch -------------------------------------------------------------- */

/* Restarts z (a fetch stream of `kind` over fd) at checkpoint pt (NULL: the file's start). */
static nd_status restart(zin *z, const zpoint *pt, FILE *winfile)
{
    z->raw_base = pt ? pt->raw : 0;
    z->ipos = z->ilen = 0;
    z->raw_eof = 0;
    z->out = pt ? pt->out : 0;
    z->open = z->resumed = 0;
    z->skip_trailer = 0;
    z->status = ND_OK;
    z->ended = 0;
    if (z->kind == ZK_ZSTD) ZSTD_DCtx_reset(z->zd, ZSTD_reset_session_only);
    if (z->kind != ZK_GZIP || !pt || pt->win == UINT64_MAX) return ND_OK;
    /* A zran access point: raw deflate from a block boundary, primed with the bits of its
     * first byte that belong to the block, and the window before it as the dictionary. */
    unsigned char win[WINDOW];
    if (winfile) fflush(winfile);
    if (!winfile || pt->winlen > WINDOW ||
        pread(fileno(winfile), win, pt->winlen, (off_t)pt->win) != (ssize_t)pt->winlen)
        return ND_EIO;
    if (inflateReset2(z->gz, -15) != Z_OK) return ND_EINTERNAL;
    if (pt->bits) {
        unsigned char b;
        if (pread(z->fd, &b, 1, (off_t)(pt->raw - 1)) != 1) return ND_ECHANGED;
        if (inflatePrime(z->gz, pt->bits, b >> (8 - pt->bits)) != Z_OK) return ND_EINTERNAL;
    }
    if (inflateSetDictionary(z->gz, win, pt->winlen) != Z_OK) return ND_EINTERNAL;
    z->open = z->resumed = 1;
    return ND_OK;
}

nd_status nd_zin_position(zin *z, const zindex *ix, FILE *winfile, uint64_t offset)
{
    assert(z->pread);
    const zpoint *pt = find_point(ix, offset);
    /* Go on from where the cursor is when it is at or before the record and no checkpoint
     * lies between: decompressing on is then the cheapest way there. */
    if (z->status == ND_OK && z->out <= offset && !(pt && pt->out > z->out)) return ND_OK;
    return restart(z, pt, winfile);
}

nd_status nd_zin_open_fetch(zin *z, int fd, int kind)
{
    memset(z, 0, sizeof *z);
    z->fd = fd;
    z->pread = 1;
    z->kind = kind;
    z->ib = nd_malloc(RAW_CHUNK);
    if (!z->ib) return ND_ENOMEM;
    z->icap = RAW_CHUNK;
    z->status = ND_EIO; /* not positioned yet: the first seek restarts it */
    return start_codec(z);
}
