/*
 * index_cli.c - options, diagnostics and archive messages shared by `neardup index` and
 * `neardup check` (see index_cli.h).
 */
#include "index_cli.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "neardup/report.h"

#define EXISTING_SHOWN 10u

const struct option ix_common_longopts[] = {
    {"ngram", required_argument, NULL, 'n'},
    {"perms", required_argument, NULL, 'k'},
    {"threshold", required_argument, NULL, 't'},
    {"bands", required_argument, NULL, 'b'},
    {"paragraphs", required_argument, NULL, IX_OPT_PARAGRAPHS},
    {"short-words", required_argument, NULL, IX_OPT_SHORT_WORDS},
    {"input-format", required_argument, NULL, IX_OPT_INPUT_FORMAT},
    {"text-field", required_argument, NULL, IX_OPT_TEXT_FIELD},
    {"id-field", required_argument, NULL, IX_OPT_ID_FIELD},
    {"max-bytes", required_argument, NULL, IX_OPT_MAX_BYTES},
    {"threads", required_argument, NULL, 'j'},
    {"quiet", no_argument, NULL, 'q'},
    {"allow-skips", no_argument, NULL, IX_OPT_ALLOW_SKIPS},
    {"stats", no_argument, NULL, IX_OPT_STATS},
    {NULL, 0, NULL, 0},
};

/* The usage hint after a bad value (its message printed). */
static int bad_value(const ix_args *a)
{
    fprintf(stderr, "Try 'neardup %s --help'.\n", a->cmd);
    return 2;
}

/* "groups,blocks" -> bits; 0 on a bad name. */
static unsigned parse_parts(const char *s)
{
    static const char *const names[] = {"groups", "blocks", "short", "shared"};
    unsigned bits = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        unsigned b = 0;
        for (unsigned i = 0; i < 4; i++)
            if (strlen(names[i]) == n && strncmp(s, names[i], n) == 0) b = 1u << i;
        if (n == 3 && strncmp(s, "all", 3) == 0) b = ND_PART_ALL;
        if (!b) return 0;
        bits |= b;
        s += n;
        if (*s == ',') s++;
    }
    return bits;
}

/* The options about paragraphs and what a check reports. */
static int report_option(int c, ix_args *a)
{
    unsigned long u;
    switch (c) {
    case IX_OPT_PARA_THRESHOLD:
        if (nd_arg_double("--para-threshold", optarg, 0.0, 1.0, 1, &a->opts.para.threshold))
            return bad_value(a);
        return -1;
    case IX_OPT_BOILER_DOCS:
        if (nd_arg_uint("--boilerplate-docs", optarg, 2, 1000000000, &u)) return bad_value(a);
        a->opts.boilerplate_docs = u;
        return -1;
    case IX_OPT_BOILER_SHARE:
        if (nd_arg_double("--boilerplate-share", optarg, 0.0, 1.0, 1, &a->opts.boilerplate_share))
            return bad_value(a);
        return -1;
    case IX_OPT_PARTS:
        if (!(a->opts.parts = parse_parts(optarg)))
            return nd_cli_usage_error(
                a->cmd, "--parts takes groups, blocks, short, shared or all, not '%s'", optarg);
        return -1;
    case IX_OPT_ALL_PAIRS:
        a->opts.all_pairs = 1;
        return -1;
    case 'f':
        if (nd_report_format_parse(optarg, (nd_report_format *)&a->fmt) != ND_OK)
            return nd_cli_usage_error(a->cmd, "--format takes text, json, tsv or html, not '%s'",
                                      optarg);
        a->format_set = 1;
        return -1;
    case IX_OPT_FAIL:
        a->fail_on_dup = 1;
        return -1;
    case IX_OPT_ADD:
        a->add = 1;
        return -1;
    case IX_OPT_ADD_NEW:
        a->add_new = 1;
        return -1;
    case IX_OPT_ONLY_NEW:
        a->only_new = 1;
        return -1;
    case IX_OPT_CHECK:
        a->check = 1;
        return -1;
    case IX_OPT_TABLES:
        a->tables = 1;
        return -1;
    default:
        assert(!"an option without a case");
        return 2;
    }
}

int ix_apply_option(int c, ix_args *a)
{
    unsigned long u;
    switch (c) {
    case 'n':
        if (nd_arg_uint("--ngram", optarg, 1, ND_NGRAM_MAX, &u)) return bad_value(a);
        a->opts.ngram = (unsigned)u;
        a->given |= ND_SET_NGRAM;
        return -1;
    case 'k':
        if (nd_arg_uint("--perms", optarg, 1, ND_PERMS_MAX, &u)) return bad_value(a);
        a->opts.perms = (unsigned)u;
        a->given |= ND_SET_PERMS;
        return -1;
    case 't':
        if (nd_arg_double("--threshold", optarg, 0.0, 1.0, 1, &a->opts.threshold))
            return bad_value(a);
        a->given |= ND_SET_THRESHOLD;
        return -1;
    case 'b':
        if (nd_arg_uint("--bands", optarg, 1, ND_PERMS_MAX, &u)) return bad_value(a);
        a->opts.bands = (unsigned)u;
        a->given |= ND_SET_BANDS;
        return -1;
    case IX_OPT_PARAGRAPHS:
        if (nd_arg_para_mode(a->cmd, optarg, &a->opts.para.mode)) return ND_EXIT_ERROR;
        a->given |= ND_SET_PARAGRAPHS;
        return -1;
    case IX_OPT_SHORT_WORDS:
        if (nd_arg_uint("--short-words", optarg, 1, 1000, &u)) return bad_value(a);
        a->opts.para.short_words = (unsigned)u;
        a->given |= ND_SET_SHORT_WORDS;
        return -1;
    case IX_OPT_INPUT_FORMAT:
        if (nd_arg_input_format(a->cmd, optarg, &a->opts.input.format)) return ND_EXIT_ERROR;
        return -1;
    case IX_OPT_TEXT_FIELD:
        a->opts.decode.text_field = optarg;
        return -1;
    case IX_OPT_ID_FIELD:
        a->opts.decode.id_field = optarg;
        return -1;
    case IX_OPT_MAX_BYTES:
        if (nd_arg_size("--max-bytes", optarg, (size_t)1 << 30, &a->opts.input.max_doc_bytes))
            return bad_value(a);
        return -1;
    case 'j':
        if (nd_arg_uint("--threads", optarg, 0, 256, &u)) return bad_value(a);
        a->opts.threads = (unsigned)u;
        return -1;
    case 'q':
        a->quiet = 1;
        return -1;
    case IX_OPT_ALLOW_SKIPS:
        a->allow_skips = 1;
        return -1;
    case IX_OPT_STATS:
        a->stats = 1;
        return -1;
    default:
        return report_option(c, a);
    }
}

void ix_on_diag(const nd_diag *d, void *ud)
{
    ix_args *a = ud;
    if (d->level == ND_DIAG_WARNING && a->quiet) return;
    if (d->code == ND_EEXIST && a->shown_existing++ >= EXISTING_SHOWN) return;
    fputs(d->level == ND_DIAG_WARNING ? "neardup: warning: " : "neardup: ", stderr);
    nd_cli_put(stderr, d->path);
    if (d->line != ND_NO_LINE && (d->level != ND_DIAG_WARNING || d->code == ND_EEXIST))
        fprintf(stderr, ":%llu: ", (unsigned long long)d->line);
    else if (d->level != ND_DIAG_WARNING && d->offset != ND_NO_OFFSET)
        fprintf(stderr, ": byte %llu: ", (unsigned long long)d->offset);
    else
        fputs(": ", stderr);
    nd_cli_put(stderr, d->message);
    fputc('\n', stderr);
}

void ix_finish_existing(const ix_args *a, size_t existing)
{
    if (a->quiet || existing <= EXISTING_SHOWN) return;
    fprintf(stderr, "neardup: warning: %zu more documents are in the archive already; not added\n",
            existing - EXISTING_SHOWN);
}

int ix_archive_error(const char *path, nd_status st, const char *msg)
{
    nd_cli_error("%s: %s", path, msg);
    if (st == ND_ESETTINGS)
        fputs("neardup: an index's settings are fixed when it is created; leave them out to use "
              "them\n",
              stderr);
    return 2;
}

nd_index *ix_open(const char *path, int writable, ix_args *a)
{
    char why[ND_INDEX_MSG_MAX];
    nd_index *ix = NULL;
    nd_status st = nd_index_open(path, writable, &ix, why);
    if (st != ND_OK) {
        ix_archive_error(path, st, why);
        return NULL;
    }
    if ((st = nd_index_use_settings(ix, &a->opts, a->given)) != ND_OK) {
        ix_archive_error(path, st, nd_index_errmsg(ix));
        nd_index_close(ix);
        return NULL;
    }
    return ix;
}
