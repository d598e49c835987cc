/*
 * args.c - option value parsing and CLI messages (see args.h).
 */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neardup/report.h"

/* Set once a failed write to standard output has been reported (one message per run). */
static int stdout_error_reported;

void nd_cli_put(FILE *f, const char *s)
{
    nd_report_write_field(f, s, strlen(s));
}

/* "neardup: " and the formatted message, escaped, and a newline on stderr. */
__attribute__((format(printf, 1, 0))) static void vmessage(const char *fmt, va_list ap)
{
    char buf[1024], *p = buf;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n >= (int)sizeof buf && (p = malloc((size_t)n + 1)) != NULL)
        vsnprintf(p, (size_t)n + 1, fmt, aq);
    else if (n >= (int)sizeof buf)
        p = buf; /* out of memory: the message cut short */
    else if (n < 0)
        buf[0] = '\0';
    va_end(aq);
    fputs("neardup: ", stderr);
    nd_cli_put(stderr, p);
    fputc('\n', stderr);
    if (p != buf) free(p);
}

void nd_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
}

int nd_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, "Try 'neardup %s --help'.\n", cmd);
    else
        fputs("Try 'neardup --help'.\n", stderr);
    return ND_EXIT_ERROR;
}

int nd_cli_write_error(const char *what, int err)
{
    nd_cli_error("cannot write %s: %s", what, strerror(err ? err : EIO));
    stdout_error_reported = 1;
    return ND_EXIT_ERROR;
}

int nd_cli_close_stdout(int rc)
{
    int failed = ferror(stdout) != 0, err = EIO;
    if (fflush(stdout) != 0) failed = 1, err = errno;
    if (fclose(stdout) != 0 && !failed) failed = 1, err = errno;
    if (!failed) return rc;
    if (!stdout_error_reported) nd_cli_write_error("to standard output", err);
    return ND_EXIT_ERROR;
}

int nd_arg_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
                unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || s[0] == '-' || s[0] == '+' || v < min || v > max) {
        nd_cli_error("%s takes a whole number from %lu to %lu, not '%s'", opt, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

int nd_arg_double(const char *opt, const char *s, double lo, double hi, int lo_open, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || v > hi || v < lo || (lo_open && v == lo)) {
        nd_cli_error("%s takes a number %s %g and at most %g, not '%s'", opt,
                     lo_open ? "above" : "of at least", lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int nd_arg_size(const char *opt, const char *s, size_t max, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = 1;
    if (*end == 'K' || *end == 'k')
        mul = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm')
        mul = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g')
        mul = 1ull << 30, end++;
    if (!*s || *end || errno || s[0] == '-' || v == 0 || v > max / mul) {
        nd_cli_error("%s takes a size from 1 to %zu bytes (K, M, G suffixes allowed), not '%s'",
                     opt, max, s);
        return -1;
    }
    *out = (size_t)(v * mul);
    return 0;
}

int nd_arg_input_format(const char *cmd, const char *s, nd_input_format *out)
{
    static const nd_input_format formats[] = {ND_INPUT_AUTO, ND_INPUT_TXT, ND_INPUT_JSONL,
                                              ND_INPUT_CSV,  ND_INPUT_TSV, ND_INPUT_WARC};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
        if (strcmp(s, nd_input_format_name(formats[i])) == 0) {
            *out = formats[i];
            return 0;
        }
    nd_cli_usage_error(cmd, "--input-format takes auto, txt, jsonl, csv, tsv or warc, not '%s'",
                       s);
    return -1;
}

int nd_arg_para_mode(const char *cmd, const char *s, nd_para_mode *out)
{
    if (strcmp(s, "auto") == 0)
        *out = ND_PARA_AUTO;
    else if (strcmp(s, "line") == 0)
        *out = ND_PARA_LINE;
    else if (strcmp(s, "block") == 0)
        *out = ND_PARA_BLOCK;
    else {
        nd_cli_usage_error(cmd, "--paragraphs takes auto, line or block, not '%s'", s);
        return -1;
    }
    return 0;
}
