/*
 * output.h - `-o FILE`: a report written atomically.
 *
 * The report goes to a temporary file in FILE's directory (`.FILE.XXXXXX`, so the rename
 * stays on one file system), which is flushed, synced and renamed over FILE only when it
 * is complete: a reader of FILE sees the old report or the new one, never half of one, and
 * a failed run leaves FILE as it was. The new file gets the mode a new file would
 * (0666 less the umask). A FILE that exists and is not a regular file (a device such as
 * /dev/null, a pipe, a socket) is written directly: it cannot be replaced.
 */
#ifndef NEARDUP_CLI_OUTPUT_H
#define NEARDUP_CLI_OUTPUT_H

#include <stdio.h>

typedef struct nd_cli_output {
    FILE *f;    /* where the report is written; NULL when not open */
    char *tmp;  /* the temporary file's path (malloc'd); NULL when FILE is written directly */
    char *path; /* the final path (malloc'd) */
} nd_cli_output;

/* Creates the temporary file for `path`. 0, or -1 with errno set (nothing is left). */
int nd_cli_output_open(nd_cli_output *o, const char *path);
/* Flushes, syncs and closes the file and renames it to its final path. 0, or -1 with errno
 * set (the temporary file removed). Either way o is closed. */
int nd_cli_output_commit(nd_cli_output *o);
/* Closes and removes the temporary file, if o is still open; a no-op otherwise. */
void nd_cli_output_abort(nd_cli_output *o);

#endif
