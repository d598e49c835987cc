/*
 * main.c - the neardup program: dispatches to one command per file (cmd_*.c).
 *
 * The program is only a client of the library's public API: commands parse arguments,
 * call the library, print and choose the exit code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "mpi_cli.h"
#include "neardup/neardup.h"

static void usage(FILE *f)
{
    fputs("Usage: neardup COMMAND [OPTIONS] PATH...\n"
          "Find near-duplicate articles and repeated paragraphs in scraped news text.\n"
          "\n"
          "Commands:\n"
          "  scan     report groups of near-duplicate articles and repeated paragraphs\n"
          "  clean    write the batch without them, and everything removed, losslessly\n"
          "  restore  rebuild the input of a clean, byte for byte\n"
          "  index    keep an archive's documents in an index: index create|add|info ARCHIVE\n"
          "  check    check a batch against an archive index\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  show the version and exit\n"
          "\n"
          "Run 'neardup COMMAND --help' for a command's options.\n"
          "Exit status: 0 ok, 1 duplicates found with --fail-on-duplicates, 2 usage or input "
          "error.\n",
          f);
}

/*
 * A standard stream the caller closed (`>&-`) would be handed to the next file the scan
 * opens, and the report or the messages written into it. Each closed one is held open on
 * /dev/null in the wrong direction (standard input write-only, the outputs read-only), so
 * that using it still fails with EBADF, as a closed descriptor would.
 */
static void hold_closed_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (nfd >= 0 && nfd != fd) {
            dup2(nfd, fd);
            close(nfd);
        }
    }
}

static int run(int argc, char **argv)
{
    if (argc < 2) return nd_cli_usage_error(NULL, "missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        /* A write that failed inside usage() (longer than stdio's buffer) says why now:
         * errno is lost by the time stdout is closed. */
        return ferror(stdout) ? nd_cli_write_error("to standard output", errno) : ND_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("neardup %s\n", nd_version());
        return ND_EXIT_OK;
    }
    if (strcmp(cmd, "scan") == 0) return nd_cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "clean") == 0) return nd_cmd_clean(argc - 1, argv + 1);
    if (strcmp(cmd, "restore") == 0) return nd_cmd_restore(argc - 1, argv + 1);
    if (strcmp(cmd, "index") == 0) return nd_cmd_index(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0) return nd_cmd_check(argc - 1, argv + 1);
    if (cmd[0] == '-') return nd_cli_usage_error(NULL, "unknown option '%s'", cmd);
    return nd_cli_usage_error(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    hold_closed_std_fds();
    /* Under mpirun (an MPI build): scan shares its pass 1 across the ranks; any other
     * command runs on rank 0 alone. */
    int rc = ND_EXIT_OK;
    if (nd_cli_mpi_init(&argc, &argv) == 1 || nd_cli_mpi_rank() == 0 ||
        (argc >= 2 && strcmp(argv[1], "scan") == 0))
        rc = run(argc, argv);
    return nd_cli_mpi_finalize(nd_cli_close_stdout(rc));
}
