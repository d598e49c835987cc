/*
 * mpi_cli.h - the program on several MPI ranks (`mpirun -np N neardup scan ...`).
 *
 * In a build with -DNEARDUP_MPI=ON, main() calls nd_cli_mpi_init first: when the program was
 * started by an MPI launcher (mpirun, srun), MPI is initialised and the ranks counted; else
 * nothing happens and the program is the plain one. mpi_cli.c holds every MPI call of the
 * project: the transport of a distributed scan (neardup/dist.h), a failure that aborts the
 * whole job (exit 2 from every rank), and the --stats of the ranks (bytes exchanged, peak
 * memory). Without the option these are stubs: one rank, nothing to do.
 */
#ifndef NEARDUP_CLI_MPI_CLI_H
#define NEARDUP_CLI_MPI_CLI_H

#include "neardup/dist.h"

/* Initialises MPI when launched by mpirun; the number of ranks (1 without a launcher). */
int nd_cli_mpi_init(int *argc, char ***argv);
/* This rank (0 without MPI) and the number of ranks. */
unsigned nd_cli_mpi_rank(void);
unsigned nd_cli_mpi_size(void);
/* The transport for nd_scan_opts.dist, or NULL with one rank. */
const nd_dist *nd_cli_mpi_dist(void);
/* Every rank: the peak memory of each, and the bytes each sent, printed by rank 0 (when
 * print is set) after the report. */
void nd_cli_mpi_stats(int print);
/* Ends the whole job: "neardup: rank R: MESSAGE" on stderr, then exit status `code` from
 * every rank (MPI_Abort). Returns only without MPI. */
void nd_cli_mpi_abort(int code, const char *message);
/* MPI_Finalize (when initialised); returns rc. */
int nd_cli_mpi_finalize(int rc);

#endif
