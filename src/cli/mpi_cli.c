/*
 * mpi_cli.c - every MPI call of the project (see mpi_cli.h).
 *
 * The transport moves a distributed scan's messages (neardup/dist.h) with point-to-point
 * MPI_Isend / MPI_Irecv of MPI_BYTE, cut into pieces of at most 1 GiB (MPI counts are int).
 * Its all-to-all is the same (tag 1): every receive and send posted at once, then waited
 * for together, so no rank blocks another whatever the sizes (MPI_Alltoallv would need int
 * counts and busy-waits). A rank waiting for a message tests it and then sleeps a little,
 * instead of MPI's own busy wait: on a machine with fewer cores than ranks a spinning rank
 * would take a core from one still signing. Bytes sent and received are counted for
 * --stats, and the library counts its bytes per stage (nd_dist.bytes).
 */
#include "mpi_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef NEARDUP_MPI
#include <mpi.h>

#define PIECE ((size_t)1 << 30)

static int initialised;
static int world_rank, world_size = 1;
static unsigned long long sent, received, stage_bytes[ND_DIST_STAGES];
static nd_dist dist;

#define TAG_P2P 0
#define TAG_ALL 1

/* Waits for req: tests it, then sleeps 50 microseconds between tests. */
static int wait_req(MPI_Request *req)
{
    int done = 0;
    for (unsigned i = 0;; i++) {
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
        if (done) return 0;
        if (i >= 100) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
}

static nd_status send_fn(void *ud, unsigned to, const void *p, size_t n)
{
    (void)ud;
    const char *q = p;
    do {
        size_t m = n < PIECE ? n : PIECE;
        MPI_Request req;
        if (MPI_Isend(q, (int)m, MPI_BYTE, (int)to, TAG_P2P, MPI_COMM_WORLD, &req) != MPI_SUCCESS ||
            wait_req(&req) != 0)
            return ND_EIO;
        q += m;
        n -= m;
        sent += m;
    } while (n > 0);
    return ND_OK;
}

static nd_status recv_fn(void *ud, unsigned from, void *p, size_t n)
{
    (void)ud;
    char *q = p;
    do {
        size_t m = n < PIECE ? n : PIECE;
        MPI_Request req;
        if (MPI_Irecv(q, (int)m, MPI_BYTE, (int)from, TAG_P2P, MPI_COMM_WORLD, &req) !=
                MPI_SUCCESS ||
            wait_req(&req) != 0)
            return ND_EIO;
        q += m;
        n -= m;
        received += m;
    } while (n > 0);
    return ND_OK;
}

/* The pieces of a message of n bytes. */
static size_t pieces(size_t n)
{
    return (n + PIECE - 1) / PIECE;
}

/* Posts the pieces of s[0..n) to rank `peer` (s not NULL), or of r[0..n) from it, into
 * req[*nreq ..]. */
static int post(const char *s, char *r, size_t n, int peer, MPI_Request *req, size_t *nreq)
{
    for (size_t off = 0; off < n; off += PIECE) {
        int m = (int)(n - off < PIECE ? n - off : PIECE);
        int rc = s ? MPI_Isend(s + off, m, MPI_BYTE, peer, TAG_ALL, MPI_COMM_WORLD, &req[*nreq])
                   : MPI_Irecv(r + off, m, MPI_BYTE, peer, TAG_ALL, MPI_COMM_WORLD, &req[*nreq]);
        if (rc != MPI_SUCCESS) return -1;
        ++*nreq;
    }
    return 0;
}

static nd_status alltoallv_fn(void *ud, const void *s, const size_t *scount, void *r,
                              const size_t *rcount)
{
    (void)ud;
    size_t nreq = 0, so = 0, ro = 0;
    for (int p = 0; p < world_size; p++)
        if (p != world_rank) nreq += pieces(scount[p]) + pieces(rcount[p]);
    MPI_Request *req = malloc((nreq ? nreq : 1) * sizeof *req);
    if (!req) return ND_ENOMEM;
    nreq = 0;
    int bad = 0;
    for (int p = 0; p < world_size && !bad; p++) {
        if (p == world_rank) {
            if (scount[p] != rcount[p])
                bad = 1;
            else if (scount[p])
                memcpy((char *)r + ro, (const char *)s + so, scount[p]);
        } else {
            bad = post(NULL, (char *)r + ro, rcount[p], p, req, &nreq) != 0 ||
                  post((const char *)s + so, NULL, scount[p], p, req, &nreq) != 0;
            sent += scount[p];
            received += rcount[p];
        }
        so += scount[p];
        ro += rcount[p];
    }
    for (unsigned i = 0; !bad; i++) {
        int done = 0;
        if (MPI_Testall((int)nreq, req, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS) bad = 1;
        if (done) break;
        if (i >= 100) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
    free(req);
    return bad ? ND_EIO : ND_OK;
}

static void fail_fn(void *ud, const char *path, const char *message)
{
    (void)ud;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s: %s", path, message ? message : "cannot be read");
    nd_cli_mpi_abort(2, buf);
}

/* Launched by mpirun (Open MPI, or a PMI/PMIx launcher such as srun)? */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int nd_cli_mpi_init(int *argc, char ***argv)
{
    if (!launched()) return 1;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return 1;
    initialised = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    dist.rank = (unsigned)world_rank;
    dist.nranks = (unsigned)world_size;
    dist.send = send_fn;
    dist.recv = recv_fn;
    dist.on_fail = fail_fn;
    dist.alltoallv = alltoallv_fn;
    dist.bytes = stage_bytes;
    const char *ms = getenv("NEARDUP_MPI_MIN_SPLIT"); /* (tests: cut small files) */
    if (ms) dist.min_split = (size_t)strtoull(ms, NULL, 10);
    const char *rb = getenv("NEARDUP_MPI_ROUND_BYTES"); /* (the sentences' sub-rounds) */
    if (rb) dist.round_bytes = (size_t)strtoull(rb, NULL, 10);
    return world_size;
}

unsigned nd_cli_mpi_rank(void)
{
    return (unsigned)world_rank;
}

unsigned nd_cli_mpi_size(void)
{
    return (unsigned)world_size;
}

const nd_dist *nd_cli_mpi_dist(void)
{
    return world_size > 1 ? &dist : NULL;
}

/* This process's peak resident memory in KiB (VmHWM), 0 when unknown. */
static unsigned long long peak_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kib = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kib = strtoull(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

void nd_cli_mpi_stats(int print)
{
    if (world_size <= 1) return;
    enum { N = 3 + ND_DIST_STAGES };
    unsigned long long mine[N] = {peak_kib(), sent, received};
    memcpy(mine + 3, stage_bytes, sizeof stage_bytes);
    unsigned long long *all = world_rank == 0 ? calloc((size_t)world_size * N, sizeof *all) : NULL;
    if (world_rank == 0 && !all) return;
    MPI_Gather(mine, N, MPI_UNSIGNED_LONG_LONG, all, N, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (world_rank == 0 && print) {
        for (int r = 0; r < world_size; r++) {
            const unsigned long long *v = all + (size_t)N * (size_t)r;
            fprintf(stderr,
                    "neardup: stats: rank %d: peak RSS %.1f MB, sent %llu bytes, received %llu "
                    "bytes; sent: list %llu, batches %llu, band keys %llu, buckets %llu, "
                    "words %llu, sentence entries %llu, sentence pairs %llu\n",
                    r, (double)v[0] / 1024.0, v[1], v[2], v[3 + ND_DIST_LIST],
                    v[3 + ND_DIST_BATCHES], v[3 + ND_DIST_KEYS], v[3 + ND_DIST_BUCKETS],
                    v[3 + ND_DIST_WORDS], v[3 + ND_DIST_SENTENCES], v[3 + ND_DIST_PAIRS]);
        }
    }
    free(all);
}

void nd_cli_mpi_abort(int code, const char *message)
{
    fprintf(stderr, "neardup: rank %d: %s\n", world_rank, message);
    fflush(stderr);
    if (initialised) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

int nd_cli_mpi_finalize(int rc)
{
    if (initialised) MPI_Finalize();
    return rc;
}

#else /* without MPI: one rank */

int nd_cli_mpi_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 1;
}

unsigned nd_cli_mpi_rank(void)
{
    return 0;
}

unsigned nd_cli_mpi_size(void)
{
    return 1;
}

const nd_dist *nd_cli_mpi_dist(void)
{
    return NULL;
}

void nd_cli_mpi_stats(int print)
{
    (void)print;
}

void nd_cli_mpi_abort(int code, const char *message)
{
    fprintf(stderr, "neardup: %s\n", message);
    exit(code);
}

int nd_cli_mpi_finalize(int rc)
{
    return rc;
}

#endif
