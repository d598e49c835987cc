/*
 * mpi_cli.c - every MPI call of the project (see mpi_cli.h).
 *
 * The transport moves a distributed scan's messages (neardup/dist.h) with point-to-point
 * MPI_Isend / MPI_Irecv of MPI_BYTE, cut into pieces of at most 1 GiB (MPI counts are int).
 * A rank waiting for a message tests it and then sleeps a little, instead of MPI's own
 * busy wait: on a machine with fewer cores than ranks a spinning rank would take a core
 * from one still signing. Bytes sent and received are counted for --stats.
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
static unsigned long long sent, received;
static nd_dist dist;

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
        if (MPI_Isend(q, (int)m, MPI_BYTE, (int)to, 0, MPI_COMM_WORLD, &req) != MPI_SUCCESS ||
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
        if (MPI_Irecv(q, (int)m, MPI_BYTE, (int)from, 0, MPI_COMM_WORLD, &req) != MPI_SUCCESS ||
            wait_req(&req) != 0)
            return ND_EIO;
        q += m;
        n -= m;
        received += m;
    } while (n > 0);
    return ND_OK;
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
    const char *ms = getenv("NEARDUP_MPI_MIN_SPLIT"); /* (tests: cut small files) */
    if (ms) dist.min_split = (size_t)strtoull(ms, NULL, 10);
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
    unsigned long long mine[3] = {peak_kib(), sent, received};
    unsigned long long *all = world_rank == 0 ? calloc((size_t)world_size * 3, sizeof *all) : NULL;
    if (world_rank == 0 && !all) return;
    MPI_Gather(mine, 3, MPI_UNSIGNED_LONG_LONG, all, 3, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (world_rank == 0 && print) {
        for (int r = 0; r < world_size; r++)
            fprintf(stderr,
                    "neardup: stats: rank %d: peak RSS %.1f MB, sent %llu bytes, received %llu "
                    "bytes\n",
                    r, (double)all[3 * r] / 1024.0, all[3 * r + 1], all[3 * r + 2]);
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
