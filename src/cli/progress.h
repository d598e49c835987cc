/*
 * progress.h - the progress line on stderr.
 *
 * One line, redrawn in place ("\r", the text, "\033[K" to clear what is left of the last
 * one) at most four times a second: the phase, documents and bytes done against the total
 * (the sizes of the input files, found before the scan starts), documents per second and
 * the time left. Cleared before any message is printed and at the end, so it never stays
 * on the screen. Shown when stderr is a terminal (and TERM is not "dumb") or with
 * --progress; never in a pipe, a file or a CI log unless asked for.
 */
#ifndef NEARDUP_CLI_PROGRESS_H
#define NEARDUP_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "neardup/options.h"

typedef struct nd_cli_progress {
    int enabled;
    int drawn;            /* a line is on the screen */
    double start, last;   /* when the scan started, when the line was last drawn */
    double phase_start;   /* when the current phase started */
    int phase;            /* the phase last seen, -1 before the first */
    uint64_t bytes_total; /* the input files' sizes (0 when not known: standard input) */
} nd_cli_progress;

/* Whether progress is shown without being asked: stderr is a terminal, TERM not dumb. */
int nd_cli_progress_auto(void);
/* Sets p up; when enabled, adds up the sizes of the files the scan will read (regular
 * files named, and the .txt/.jsonl files under directories, as the reader takes them). */
void nd_cli_progress_init(nd_cli_progress *p, int enabled, const char *const *paths, size_t npaths);
/* Draws `pr` on p's line, if it is time to (rate limit) or the phase changed. */
void nd_cli_progress_draw(nd_cli_progress *p, const nd_progress *pr);
/* Clears the line if one is drawn; NULL is a no-op. */
void nd_cli_progress_clear(nd_cli_progress *p);

#endif
