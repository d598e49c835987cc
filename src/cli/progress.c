/*
 * progress.c - the progress line on stderr (see progress.h).
 */
#include "progress.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.25

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int nd_cli_progress_auto(void)
{
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Adds the sizes of the .txt and .jsonl files under directory `dir` (hidden entries and
 * symbolic links skipped, as the reader does) to *total; depth bounds the recursion. */
static void add_dir(const char *dir, uint64_t *total, int depth)
{
    DIR *d = depth < 64 ? opendir(dir) : NULL;
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        if (!path) break;
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                add_dir(path, total, depth + 1);
            else if (S_ISREG(st.st_mode) &&
                     (ends_with(e->d_name, ".txt") || ends_with(e->d_name, ".jsonl")))
                *total += (uint64_t)st.st_size;
        }
        free(path);
    }
    closedir(d);
}

void nd_cli_progress_init(nd_cli_progress *p, int enabled, const char *const *paths, size_t npaths)
{
    memset(p, 0, sizeof *p);
    p->enabled = enabled;
    p->phase = -1;
    p->start = p->phase_start = now();
    if (!enabled) return;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0) continue;
        if (S_ISREG(st.st_mode)) {
            p->bytes_total += (uint64_t)st.st_size;
        } else if (S_ISDIR(st.st_mode)) {
            add_dir(paths[i], &p->bytes_total, 0);
        }
    }
}

/* Columns of the terminal on stderr, or 80. */
static size_t columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
}

/* "1.2 MB", "345 kB", "12 bytes". */
static void size_str(char *buf, size_t cap, uint64_t b)
{
    if (b >= 1000000000u)
        snprintf(buf, cap, "%.1f GB", (double)b / 1e9);
    else if (b >= 1000000u)
        snprintf(buf, cap, "%.1f MB", (double)b / 1e6);
    else if (b >= 1000u)
        snprintf(buf, cap, "%.0f kB", (double)b / 1e3);
    else
        snprintf(buf, cap, "%llu bytes", (unsigned long long)b);
}

/* "1:05" or "1:02:03". */
static void time_str(char *buf, size_t cap, double s)
{
    unsigned long t = s > 0 && s < 1e7 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

/* The text of the line for pr, at time t. */
static void format_line(const nd_cli_progress *p, const nd_progress *pr, double t, char *line,
                        size_t cap)
{
    double el = t - p->phase_start;
    char a[32], b[32], left[32];
    switch (pr->phase) {
    case ND_PHASE_READ: {
        size_str(a, sizeof a, pr->bytes);
        double rate = el > 0 ? (double)pr->docs / el : 0.0;
        if (p->bytes_total && pr->bytes <= p->bytes_total) {
            size_str(b, sizeof b, p->bytes_total);
            double frac = (double)pr->bytes / (double)p->bytes_total;
            if (el > 0.5 && pr->bytes > 0) {
                time_str(left, sizeof left, el * (1.0 - frac) / frac);
            } else {
                snprintf(left, sizeof left, "?");
            }
            snprintf(line, cap,
                     "neardup: reading %llu docs, %s of %s (%.0f%%), %.0f docs/s, %s left",
                     (unsigned long long)pr->docs, a, b, 100.0 * frac, rate, left);
        } else {
            snprintf(line, cap, "neardup: reading %llu docs, %s, %.0f docs/s",
                     (unsigned long long)pr->docs, a, rate);
        }
        break;
    }
    case ND_PHASE_CANDIDATES:
        snprintf(line, cap, "neardup: finding candidate pairs");
        break;
    case ND_PHASE_VERIFY: {
        double frac = pr->docs_total ? (double)pr->docs / (double)pr->docs_total : 0.0;
        if (el > 0.5 && pr->docs > 0)
            time_str(left, sizeof left, el * (1.0 - frac) / frac);
        else
            snprintf(left, sizeof left, "?");
        snprintf(line, cap, "neardup: verifying %llu of %llu candidate docs (%.0f%%), %s left",
                 (unsigned long long)pr->docs, (unsigned long long)pr->docs_total, 100.0 * frac,
                 left);
        break;
    }
    case ND_PHASE_SHARED:
        snprintf(line, cap, "neardup: linking shared paragraphs");
        break;
    default:
        snprintf(line, cap, "neardup: working");
    }
}

void nd_cli_progress_draw(nd_cli_progress *p, const nd_progress *pr)
{
    if (!p || !p->enabled) return;
    double t = now();
    int changed = (int)pr->phase != p->phase;
    if (changed) {
        p->phase = (int)pr->phase;
        p->phase_start = t;
    }
    if (!changed && p->drawn && t - p->last < REDRAW_SECONDS) return;
    char line[512];
    format_line(p, pr, t, line, sizeof line);
    size_t width = columns(), n = strlen(line);
    if (width > 1 && n > width - 1) n = width - 1; /* never wrap: \r would not clear it */
    while (n > 0 && (line[n] & 0xc0) == 0x80)      /* ASCII only today; never cut a character */
        n--;
    fprintf(stderr, "\r%.*s\033[K", (int)n, line);
    fflush(stderr);
    p->drawn = 1;
    p->last = t;
}

void nd_cli_progress_clear(nd_cli_progress *p)
{
    if (!p || !p->drawn) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->drawn = 0;
}
