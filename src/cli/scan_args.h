/*
 * scan_args.h - the scan's command line and the run around it, shared by the commands that
 * run a scan (scan; clean, which takes every scan option and adds its own).
 *
 * cmd_scan.c owns the option table and its parsing, the diagnostics and progress callbacks,
 * and the end of a run (stats, the report, the skip summary, the exit status). A command
 * that adds options puts its own after nd_scan_longopts() in one getopt_long table, handles
 * its own first and hands the rest to nd_scan_option; then nd_scan_begin, its run, and
 * nd_scan_finish.
 */
#ifndef NEARDUP_CLI_SCAN_ARGS_H
#define NEARDUP_CLI_SCAN_ARGS_H

#include <getopt.h>

#include "neardup/report.h"
#include "neardup/scan.h"
#include "output.h"
#include "progress.h"

/* The scan's short options (after a leading ':' in the getopt string). */
#define ND_SCAN_SHORTOPTS "n:k:t:b:f:o:qj:hV"

/* What the command line asks for, and the state of the run it asks for. */
typedef struct scan_args {
    const char *cmd; /* the command, for messages and "Try 'neardup CMD --help'." */
    nd_scan_opts opts;
    nd_report_format fmt;
    int fmt_given;      /* -f given: the output file's extension does not choose */
    const char *output; /* -o FILE, or NULL for standard output */
    nd_report_opts ropts;
    int progress; /* 1 --progress, 0 --no-progress, -1 when stderr is a terminal */
    int quiet, fail_on_dup, allow_skips, stats;
    /* The run (nd_scan_begin .. nd_scan_finish): */
    nd_cli_progress prog;
    nd_cli_output out;
} scan_args;

/* The defaults, for command cmd. */
void nd_scan_args_init(scan_args *a, const char *cmd);
/* The scan's long options, ended by an entry of NULL name. */
const struct option *nd_scan_longopts(void);
/* Applies scan option c (from the table above; its value in optarg) to a. Returns -1 to
 * go on, or the exit status after a bad value (its message printed). */
int nd_scan_option(int c, scan_args *a);
/* Checks what the options say together once all are parsed (--bands against --perms; the
 * report's format from -o's extension). -1 to go on, or the exit status. */
int nd_scan_args_check(scan_args *a);
/* The diagnostics callback (userdata: the scan_args): "neardup: [warning: ]PATH[:LINE]:
 * MESSAGE" on stderr, the progress line cleared first. */
void nd_scan_on_diag(const nd_diag *d, void *ud);
/* Before the run: checks that the report can be written (standard output open, or -o's
 * temporary file created), sets the diagnostics and progress callbacks in a->opts. -1 to
 * go on, or the exit status (its message printed). */
int nd_scan_begin(scan_args *a, const char *const *paths, size_t npaths);
/* After a run that failed with st (`what` says what: "scan failed"): clears the progress
 * line, removes -o's temporary file, prints the message; returns the exit status (2). */
int nd_scan_fail(scan_args *a, const char *what, nd_status st);
/* The end of a run that worked: stats, the report (standard output, or -o's file renamed
 * into place), the skip summary on stderr; returns the exit status (0, 1 with
 * --fail-on-duplicates and something found, 2). */
int nd_scan_finish(scan_args *a, const nd_scan_result *res);

#endif
