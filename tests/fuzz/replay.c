/*
 * replay.c - runs a fuzz target on files, without libFuzzer: `replay_X PATH...` calls
 * LLVMFuzzerTestOneInput once per file (a directory: each file in it, sorted), so every
 * build (GCC, clang, sanitizers, valgrind) checks the committed corpus and the inputs that
 * once broke something. Exit 0 if every input ran (a broken invariant aborts), 2 if a path
 * cannot be read, 1 if no input was found.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so that ASan sees a read past the input. */
    uint8_t *in = malloc(n ? n : 1);
    if (!in) abort();
    memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        if (!S_ISDIR(sb.st_mode)) {
            bad |= run_file(argv[i]) != 0;
            ran++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            bad = 1;
            continue;
        }
        char **list = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') continue;
            if (n == cap) {
                char **l = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof *l);
                if (!l) abort();
                list = l;
            }
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            list[n] = malloc(len);
            if (!list[n]) abort();
            snprintf(list[n++], len, "%s/%s", argv[i], e->d_name);
        }
        closedir(d);
        if (n) qsort(list, n, sizeof *list, cmp_names);
        for (size_t j = 0; j < n; j++) {
            bad |= run_file(list[j]) != 0;
            ran++;
            free(list[j]);
        }
        free(list);
    }
    printf("%s: %zu inputs run\n", argc > 0 ? argv[0] : "replay", ran);
    if (bad) return 2;
    return ran ? 0 : 1;
}
