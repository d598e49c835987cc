/*
 * output.c - `-o FILE`: a temporary file beside FILE, renamed over it when complete (see
 * output.h).
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "DIR/.BASE.XXXXXX" for path "DIR/BASE" (or ".BASE.XXXXXX"); NULL without memory. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t n = dirlen + 1 + strlen(base) + 8 + 1;
    char *t = malloc(n);
    if (!t) return NULL;
    snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
    return t;
}

int nd_cli_output_open(nd_cli_output *o, const char *path)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == '/') {
        errno = EISDIR;
        return -1;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* A device, a pipe or a socket (-o /dev/null, -o /dev/stdout): written directly,
         * never replaced by a file (a rename would put a file in place of the device). */
        if (S_ISDIR(sb.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        o->f = fopen(path, "w");
        return o->f ? 0 : -1;
    }
    o->tmp = temp_name(path);
    o->path = strdup(path);
    if (!o->tmp || !o->path) {
        free(o->tmp);
        free(o->path);
        memset(o, 0, sizeof *o);
        errno = ENOMEM;
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        free(o->path);
        memset(o, 0, sizeof *o);
        errno = e;
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        free(o->path);
        memset(o, 0, sizeof *o);
        errno = e;
        return -1;
    }
    return 0;
}

static void release(nd_cli_output *o)
{
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

int nd_cli_output_commit(nd_cli_output *o)
{
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) e = errno ? errno : EIO;
    if (!e && o->tmp && fsync(fileno(o->f)) != 0) e = errno;
    if (fclose(o->f) != 0 && !e) e = errno;
    o->f = NULL;
    if (!o->tmp) { /* written directly */
        release(o);
        errno = e;
        return e ? -1 : 0;
    }
    if (!e && rename(o->tmp, o->path) != 0) e = errno;
    if (e) unlink(o->tmp);
    release(o);
    errno = e;
    return e ? -1 : 0;
}

void nd_cli_output_abort(nd_cli_output *o)
{
    if (!o->f) return;
    fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    release(o);
}
