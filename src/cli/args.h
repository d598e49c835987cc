/*
 * args.h - checked parsing of option values, and the CLI's messages.
 *
 * Every number is parsed whole (strtoul/strtod with end and range checks); a bad value
 * gives "neardup: --perms takes a whole number from 1 to 1024, not 'x'" and exit 2.
 */
#ifndef NEARDUP_CLI_ARGS_H
#define NEARDUP_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "neardup/input.h"
#include "neardup/options.h"

#define ND_EXIT_OK 0
#define ND_EXIT_FOUND 1
#define ND_EXIT_ERROR 2

/* Parse s as an integer in [min, max]; on failure print a message naming `opt`, return -1. */
int nd_arg_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
                unsigned long *out);
/* A number in (lo, hi] when lo_open, else [lo, hi]. */
int nd_arg_double(const char *opt, const char *s, double lo, double hi, int lo_open, double *out);
/* A byte count with an optional K, M or G suffix (powers of 1024), in [1, max]. */
int nd_arg_size(const char *opt, const char *s, size_t max, size_t *out);
/* --input-format's value (auto, txt, jsonl, csv, tsv, warc) and --paragraphs' (auto, line,
 * block), for every command that reads input: 0, or a usage error of command `cmd`
 * printed and -1. */
int nd_arg_input_format(const char *cmd, const char *s, nd_input_format *out);
int nd_arg_para_mode(const char *cmd, const char *s, nd_para_mode *out);

/* "neardup: <msg>" on stderr. The formatted message is written as nd_report_write_field
 * writes a field: a path or value quoted in it cannot put control characters or invalid
 * UTF-8 on a terminal. */
void nd_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message (as nd_cli_error), then "Try 'neardup CMD --help'." on stderr.
 * Returns 2. */
int nd_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes s (a path, a message from the input) to f with control characters and invalid
 * UTF-8 escaped (nd_report_write_field). */
void nd_cli_put(FILE *f, const char *s);

/* Says that writing `what` ("the report") to standard output failed with errno `err`:
 * "neardup: cannot write the report: No space left on device". Returns 2. */
int nd_cli_write_error(const char *what, int err);
/* The end of every run: flushes and closes standard output. If that fails, or a write
 * failed earlier that nd_cli_write_error did not report, says so ("cannot write to standard
 * output: REASON") and returns 2; else returns rc. */
int nd_cli_close_stdout(int rc);

#endif
