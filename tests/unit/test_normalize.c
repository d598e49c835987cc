/*
 * test_normalize.c - unit tests of the normaliser (include/neardup/normalize.h).
 *
 * What is tested: UTF-8 text to word tokens on real Indonesian articles from data/ (*.txt)
 * (typographic quotes, reduplicated words such as "negara-negara"), checked against an
 * independent ASCII tokeniser; case folding (ASCII, accented capitals, German sharp s);
 * NFKC (fullwidth letters, ligatures, combining marks composed); separators (punctuation,
 * quotes, dashes, no-break space) vanishing; digits as tokens; the soft hyphen dropped
 * inside a word; source offsets of tokens; invalid UTF-8 reported with the exact byte
 * offset, both through nd_normalize and nd_utf8_check (checked exhaustively against a
 * reference decoder for short sequences); empty, 1 MB and every-prefix inputs; and a
 * failing allocator (ND_ENOMEM, nothing leaked, output empty).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "normalize.h"
#include "testutil.h"

/* A cheap assertion for hot loops: ck_assert records a checkpoint per call. */
static const char *const seed_files[] = {
    "data/000_beebcc9d70568a44.txt",
    "data/001_038cac575548727a.txt",
    "data/002_a894bd07f7f79a4f.txt",
    "data/004_7112fbb0957666e0.txt",
};

static nd_normalizer *nz;
static nd_tokens toks;

static void setup(void)
{
    nz = NULL;
    ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
    ck_assert_ptr_nonnull(nz);
    nd_tokens_init(&toks);
}

static void teardown(void)
{
    nd_tokens_clear(&toks);
    nd_normalizer_free(nz);
    nz = NULL;
}

/* Normalises the NUL-terminated s into toks; returns the status. */
static nd_status norm(const char *s, size_t *bad)
{
    return nd_normalize(nz, s, strlen(s), &toks, bad);
}

/* Whether token i of t is exactly the NUL-terminated string want. */
static int tok_is(const nd_tokens *t, size_t i, const char *want)
{
    return i < t->n && t->v[i].len == strlen(want) &&
           memcmp(t->text + t->v[i].off, want, t->v[i].len) == 0;
}

/* Asserts that the tokens of s are exactly the NULL-terminated list want[]. */
static void expect_tokens(const char *s, const char *const *want)
{
    size_t bad = 12345;
    ck_assert_int_eq(norm(s, &bad), ND_OK);
    ck_assert_uint_eq(bad, 12345); /* untouched on success */
    size_t n = 0;
    while (want[n])
        n++;
    ck_assert_msg(toks.n == n, "\"%s\": %zu tokens, expected %zu", s, toks.n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(tok_is(&toks, i, want[i]), "\"%s\": token %zu is \"%.*s\", expected \"%s\"",
                      s, i, (int)toks.v[i].len, toks.text + toks.v[i].off, want[i]);
}

#define TOKENS(s, ...)                                                                             \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__, NULL};                                    \
        expect_tokens((s), want_);                                                                 \
    } while (0)

/* Whether two token lists hold the same tokens (bytes and source offsets). */
static int tokens_equal(const nd_tokens *a, const nd_tokens *b)
{
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].len != b->v[i].len || a->v[i].src != b->v[i].src ||
            memcmp(a->text + a->v[i].off, b->text + b->v[i].off, a->v[i].len) != 0)
            return 0;
    return 1;
}

static int is_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * The reference for texts whose only non-ASCII characters are separators (quotes, dashes,
 * no-break space), as in the seed articles: tokens are the maximal runs of ASCII letters
 * and digits, lower-cased. Returns the number of runs; stores their starts and lengths.
 */
static size_t ascii_runs(const char *s, size_t len, size_t *start, size_t *rlen, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len) {
        if (!is_ascii_alnum((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && is_ascii_alnum((unsigned char)s[j]))
            j++;
        if (n < max) {
            start[n] = i;
            rlen[n] = j - i;
        }
        n++;
        i = j;
    }
    return n;
}

static int lower_eq(const char *orig, const char *tok, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)orig[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        if (c != (unsigned char)tok[i]) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------- */
/* core                                                                                  */

START_TEST(test_ascii_basic)
{
    TOKENS("Hello, World! 2016", "hello", "world", "2016");
    ck_assert_uint_eq(toks.v[0].src, 0);
    ck_assert_uint_eq(toks.v[1].src, 7);
    ck_assert_uint_eq(toks.v[2].src, 14);
}
END_TEST

START_TEST(test_seed_articles_match_reference)
{
    /* The seed articles hold only separators outside ASCII, so the reference tokeniser
     * applies: every token, in order, is an ASCII run lower-cased. */
    for (size_t f = 0; f < sizeof seed_files / sizeof *seed_files; f++) {
        size_t len;
        char *text = tu_read_file(tu_src(seed_files[f]), &len);
        enum { MAXRUNS = 4096 };
        static size_t start[MAXRUNS], rlen[MAXRUNS];
        size_t nref = ascii_runs(text, len, start, rlen, MAXRUNS);
        ck_assert_uint_le(nref, MAXRUNS);
        ck_assert_uint_gt(nref, 300);
        size_t bad = 0;
        ck_assert_int_eq(nd_normalize(nz, text, len, &toks, &bad), ND_OK);
        ck_assert_msg(toks.n == nref, "%s: %zu tokens, reference %zu", seed_files[f], toks.n, nref);
        for (size_t i = 0; i < nref; i++) {
            const nd_token *t = &toks.v[i];
            TU_REQUIRE(t->len == rlen[i] && lower_eq(text + start[i], toks.text + t->off, t->len),
                       "%s: token %zu is \"%.*s\", reference \"%.*s\"", seed_files[f], i,
                       (int)t->len, toks.text + t->off, (int)rlen[i], text + start[i]);
            /* A token after an ASCII byte (or at the start) is in an ASCII segment: its
             * source offset is the run's first byte. */
            if (start[i] == 0 || (unsigned char)text[start[i] - 1] < 0x80)
                TU_REQUIRE(t->src == start[i], "%s: token %zu (%.*s) src %u, expected %zu",
                           seed_files[f], i, (int)t->len, toks.text + t->off, t->src, start[i]);
        }
        free(text);
    }
}
END_TEST

START_TEST(test_seed_article_reduplication_and_quotes)
{
    /* data/000: "...latihan militer besar-besaran...", "Negara-negara Barat ...",
     * "kampanye “disinformasi” terhadap Rusia". */
    size_t len;
    char *text = tu_read_file(tu_src("data/000_beebcc9d70568a44.txt"), &len);
    ck_assert_int_eq(nd_normalize(nz, text, len, &toks, NULL), ND_OK);
    int negara2 = 0, besar = 0, disinf = 0;
    for (size_t i = 0; i + 1 < toks.n; i++) {
        if (tok_is(&toks, i, "negara") && tok_is(&toks, i + 1, "negara")) negara2++;
        if (tok_is(&toks, i, "besar") && tok_is(&toks, i + 1, "besaran")) besar++;
        if (tok_is(&toks, i, "kampanye") && tok_is(&toks, i + 1, "disinformasi") &&
            i + 2 < toks.n && tok_is(&toks, i + 2, "terhadap"))
            disinf++;
    }
    /* "Negara-negara" once and "negara-negara" twice in this article. */
    ck_assert_int_eq(negara2, 3);
    ck_assert_int_eq(besar, 2);
    ck_assert_int_eq(disinf, 1);
    /* No token holds a quote's bytes or an upper-case letter. */
    for (size_t i = 0; i < toks.n; i++)
        for (size_t k = 0; k < toks.v[i].len; k++) {
            unsigned char c = (unsigned char)toks.text[toks.v[i].off + k];
            TU_REQUIRE(c < 0x80 && !(c >= 'A' && c <= 'Z'), "byte 0x%02x in token %zu", c, i);
        }
    free(text);
}
END_TEST

START_TEST(test_typographic_quotes)
{
    TOKENS("“Negara-negara” besar-besaran ‘kata’", "negara", "negara", "besar", "besaran", "kata");
    TOKENS("«Ini» „itu“ ‹a› ‚b‘ \"c\" 'd'", "ini", "itu", "a", "b", "c", "d");
    TOKENS("“disinformasi”", "disinformasi");
}
END_TEST

START_TEST(test_reduplicated_words)
{
    TOKENS("negara-negara", "negara", "negara");
    TOKENS("Negara-Negara besar-besaran masing-masing orang-orang", "negara", "negara", "besar",
           "besaran", "masing", "masing", "orang", "orang");
    /* Both halves hash the same later on: identical bytes. */
    ck_assert_uint_eq(toks.v[0].len, toks.v[1].len);
    ck_assert_mem_eq(toks.text + toks.v[0].off, toks.text + toks.v[1].off, toks.v[0].len);
}
END_TEST

START_TEST(test_case_folding)
{
    TOKENS("HELLO World mIxEd", "hello", "world", "mixed");
    TOKENS("ÉCOLE", "\xc3\xa9"
                    "cole");
    TOKENS("école", "\xc3\xa9"
                    "cole");
    TOKENS("Straße STRASSE strasse", "strasse", "strasse", "strasse");
    TOKENS("ÀÉÎÕÜ", "\xc3\xa0\xc3\xa9\xc3\xae\xc3\xb5\xc3\xbc");
    TOKENS("ΣΟΦΙΑ", "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");          /* σοφια */
    TOKENS("ПРИВЕТ", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"); /* привет */
}
END_TEST

START_TEST(test_nfkc)
{
    TOKENS("ＡＢＣ", "abc");
    TOKENS("ｆｕｌｌ１２３", "full123");
    TOKENS("\xef\xac\x81nal", "final");                /* U+FB01 LATIN SMALL LIGATURE FI */
    TOKENS("e\xcc\x81t\xc3\xa9", "\xc3\xa9t\xc3\xa9"); /* e + U+0301 composes to é */
    /* Decomposed and precomposed spellings give identical bytes. */
    ck_assert_int_eq(norm("Caf\xc3\xa9", NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 1);
    char pre[16];
    size_t plen = toks.v[0].len;
    ck_assert_uint_lt(plen, sizeof pre);
    memcpy(pre, toks.text + toks.v[0].off, plen);
    ck_assert_int_eq(norm("CAFE\xcc\x81", NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 1);
    ck_assert_uint_eq(toks.v[0].len, plen);
    ck_assert_mem_eq(toks.text + toks.v[0].off, pre, plen);
    ck_assert_mem_eq(pre, "caf\xc3\xa9", 5);
    TOKENS("x\xc2\xb2", "x2");     /* superscript two */
    TOKENS("\xe2\x85\xab", "xii"); /* ROMAN NUMERAL TWELVE */
}
END_TEST

START_TEST(test_separators_vanish)
{
    /* ASCII punctuation, typographic quotes, en/em dashes, ellipsis, guillemets, bullets,
     * no-break and ideographic spaces: nothing but separators. */
    ck_assert_int_eq(norm("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\r\n"
                          "“ ” ‘ ’ – — … « » • \xc2\xa0 \xe3\x80\x80 \xe2\x80\x89",
                          NULL),
                     ND_OK);
    ck_assert_uint_eq(toks.n, 0);
    TOKENS("a—b–c…d", "a", "b", "c", "d");
    TOKENS("Jakarta\xc2\xa0-\xc2\xa0Presiden", "jakarta", "presiden");
    TOKENS("under_score", "under", "score");
}
END_TEST

START_TEST(test_digits_are_tokens)
{
    TOKENS("Senin (18/8/2025) pukul 10.30 WIB", "senin", "18", "8", "2025", "pukul", "10", "30",
           "wib");
    TOKENS("Covid-19 G20", "covid", "19", "g20");
}
END_TEST

START_TEST(test_soft_hyphen_dropped)
{
    TOKENS("ko\xc2\xadta", "kota");
    TOKENS("Pe\xc2\xadmi\xc2\xadlu besar", "pemilu", "besar");
}
END_TEST

START_TEST(test_ascii_src_offsets)
{
    const char *s = "  Putin, (AS) 2016...end";
    TOKENS(s, "putin", "as", "2016", "end");
    ck_assert_uint_eq(toks.v[0].src, 2);
    ck_assert_uint_eq(toks.v[1].src, 10);
    ck_assert_uint_eq(toks.v[2].src, 14);
    ck_assert_uint_eq(toks.v[3].src, 21);
    /* A token after a non-ASCII word in another segment keeps its own offset. */
    TOKENS("caf\xc3\xa9 ole", "caf\xc3\xa9", "ole");
    ck_assert_uint_eq(toks.v[0].src, 0);
    ck_assert_uint_eq(toks.v[1].src, 6);
}
END_TEST

START_TEST(test_src_after_typographic_quote)
{
    /* normalize.h: `src` is the byte offset of the token's first byte in the original. A
     * curly quote or dash is a separator, so the token after it starts after its 3 bytes. */
    TOKENS("\xe2\x80\x9c"
           "kata"
           "\xe2\x80\x9d",
           "kata");
    ck_assert_uint_eq(toks.v[0].src, 3);
    TOKENS("a\xe2\x80\x94"
           "b",
           "a", "b");
    ck_assert_uint_eq(toks.v[0].src, 0);
    ck_assert_uint_eq(toks.v[1].src, 4);
}
END_TEST

START_TEST(test_not_nul_terminated)
{
    const char buf[] = "hello world \xc3\xa9t\xc3\xa9 tail";
    ck_assert_int_eq(nd_normalize(nz, buf, 5, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 1);
    ck_assert(tok_is(&toks, 0, "hello"));
    /* Stop inside the non-ASCII word, at a character boundary. */
    ck_assert_int_eq(nd_normalize(nz, buf, 15, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 3);
    ck_assert(tok_is(&toks, 2, "\xc3\xa9t"));
}
END_TEST

START_TEST(test_replaces_previous_tokens)
{
    TOKENS("satu dua tiga empat lima enam", "satu", "dua", "tiga", "empat", "lima", "enam");
    TOKENS("tujuh", "tujuh");
    ck_assert_int_eq(norm("", NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 0);
}
END_TEST

START_TEST(test_empty_input)
{
    size_t bad = 7;
    ck_assert_int_eq(nd_normalize(nz, "", 0, &toks, &bad), ND_OK);
    ck_assert_uint_eq(toks.n, 0);
    ck_assert_uint_eq(bad, 7);
    ck_assert_int_eq(nd_normalize(nz, NULL, 0, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 0);
    ck_assert_int_eq(norm(" \n\t— “” ...", NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 0);
}
END_TEST

START_TEST(test_tokens_clear_reuse)
{
    nd_tokens t;
    nd_tokens_init(&t);
    ck_assert_uint_eq(t.n, 0);
    ck_assert_ptr_null(t.v);
    nd_tokens_clear(&t); /* clearing an empty list is fine */
    ck_assert_int_eq(nd_normalize(nz, "a b", 3, &t, NULL), ND_OK);
    ck_assert_uint_eq(t.n, 2);
    nd_tokens_clear(&t);
    ck_assert_ptr_null(t.v);
    ck_assert_ptr_null(t.text);
    ck_assert_uint_eq(t.n, 0);
    nd_tokens_init(&t);
    ck_assert_int_eq(nd_normalize(nz, "c", 1, &t, NULL), ND_OK);
    ck_assert_uint_eq(t.n, 1);
    nd_tokens_clear(&t);
    nd_normalizer_free(NULL); /* a no-op */
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* errors                                                                                */

typedef struct bad_case {
    const char *s;
    size_t len;
    size_t off;
} bad_case;

#define BAD(lit, off)                                                                              \
    {                                                                                              \
        lit, sizeof lit - 1, off                                                                   \
    }

static const bad_case bad_cases[] = {
    BAD("ab\x80"
        "cd",
        2),                                             /* lone continuation byte */
    BAD("\xbf", 0),                                     /* lone continuation byte at the start */
    BAD("abc \xe2\x80", 4),                             /* truncated 3-byte sequence at the end */
    BAD("abc \xf0\x9f\x98", 4),                         /* truncated 4-byte sequence at the end */
    BAD("abc \xc3", 4),                                 /* truncated 2-byte sequence at the end */
    BAD("\xe2\x80 x", 0),                               /* truncated, then a space */
    BAD("\xe2\x80x", 0),                                /* truncated, then a letter */
    BAD("xy\xc0\x80", 2),                               /* overlong NUL */
    BAD("xy\xc1\xbf", 2),                               /* overlong 2-byte */
    BAD("q \xe0\x80\xaf", 2),                           /* overlong 3-byte '/' */
    BAD("q \xf0\x8f\xbf\xbf", 2),                       /* overlong 4-byte */
    BAD("ab \xed\xa0\x80", 3),                          /* high surrogate U+D800 */
    BAD("ab \xed\xbf\xbf", 3),                          /* low surrogate U+DFFF */
    BAD("\xf4\x90\x80\x80", 0),                         /* above U+10FFFF */
    BAD("z\xf5\x80\x80\x80", 1),                        /* F5 lead */
    BAD("z\xf8\x88\x80\x80\x80", 1),                    /* 5-byte form */
    BAD("z\xfe", 1),                                    /* FE */
    BAD("z\xff", 1),                                    /* FF */
    BAD("\xc3\xa9t\xc3\xa9 \x80", 6),                   /* after a valid non-ASCII word */
    BAD("\xe2\x80\x9cok\xe2\x80\x9d \xc3\xa9\xc3", 11), /* after quotes */
    BAD("satu dua tiga \xe2\x82\x41", 14),              /* bad third byte */
    BAD("satu dua tiga \xf0\x9f\x98\x41", 14),          /* bad fourth byte */
};

START_TEST(test_invalid_utf8_offsets)
{
    const bad_case *c = &bad_cases[_i];
    /* Start from a non-empty token list: an error leaves it empty. */
    ck_assert_int_eq(norm("vorher etwas text", NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 3);
    size_t bad = 999999;
    ck_assert_int_eq(nd_normalize(nz, c->s, c->len, &toks, &bad), ND_EUTF8);
    ck_assert_msg(bad == c->off, "case %d: bad offset %zu, expected %zu", _i, bad, c->off);
    ck_assert_uint_eq(toks.n, 0);
    /* bad_offset may be NULL. */
    ck_assert_int_eq(nd_normalize(nz, c->s, c->len, &toks, NULL), ND_EUTF8);
    /* nd_utf8_check agrees. */
    ck_assert_uint_eq(nd_utf8_check(c->s, c->len), c->off);
}
END_TEST

START_TEST(test_utf8_check_valid)
{
    static const char *const ok[] = {
        "",
        "plain ascii \x01\x7f",
        "\xc2\x80",         /* U+0080 */
        "\xdf\xbf",         /* U+07FF */
        "\xe0\xa0\x80",     /* U+0800 */
        "\xed\x9f\xbf",     /* U+D7FF */
        "\xee\x80\x80",     /* U+E000 */
        "\xef\xbf\xbf",     /* U+FFFF */
        "\xf0\x90\x80\x80", /* U+10000 */
        "\xf0\x9f\x98\x80", /* emoji */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
        "“Negara-negara” ‘kata’ école Straße ＡＢＣ",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        ck_assert_msg(nd_utf8_check(ok[i], strlen(ok[i])) == strlen(ok[i]), "case %zu", i);
    /* An embedded NUL is valid UTF-8, and the length is what counts, not NUL. */
    ck_assert_uint_eq(nd_utf8_check("a\0b", 3), 3);
    ck_assert_uint_eq(nd_utf8_check("\xc3\xa9\xff", 2), 2);
    ck_assert_uint_eq(nd_utf8_check("\xc3\xa9\xff", 3), 2);
}
END_TEST

/* Reference decoder: the length of the valid sequence at s[0..len), or 0 if invalid.
 * Decodes the code point and checks it, unlike the byte-range table of the library. */
static size_t ref_seq_len(const unsigned char *s, size_t len)
{
    if (s[0] < 0x80) return 1;
    size_t n;
    uint32_t cp;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1fu;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0fu;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07u;
    } else
        return 0;
    if (len < n) return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3fu);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* Reference check: the offset of the first invalid sequence, by ref_seq_len. */
static size_t ref_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = ref_seq_len(s + i, len - i);
        if (n == 0) return i;
        i += n;
    }
    return len;
}

START_TEST(test_utf8_check_exhaustive)
{
    /* Every 1- and 2-byte input; every 3- and 4-byte input with a lead byte >= 0xC0, a
     * second byte from the full range and interesting later bytes; all prefix lengths. */
    static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f,
                                          0xa0, 0xbf, 0xc0, 0xc3, 0xe2, 0xf0, 0xff};
    unsigned char b[4];
    size_t checked = 0;
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (unsigned char)x;
        TU_REQUIRE(nd_utf8_check((const char *)b, 1) == ref_check(b, 1), "byte %02x", x);
        for (unsigned y = 0; y < 256; y++) {
            b[1] = (unsigned char)y;
            TU_REQUIRE(nd_utf8_check((const char *)b, 2) == ref_check(b, 2), "bytes %02x %02x", x,
                       y);
            if (x < 0xc0) continue;
            for (size_t t = 0; t < sizeof tails; t++) {
                b[2] = tails[t];
                TU_REQUIRE(nd_utf8_check((const char *)b, 3) == ref_check(b, 3),
                           "bytes %02x %02x %02x", x, y, b[2]);
                for (size_t u = 0; u < sizeof tails; u++) {
                    b[3] = tails[u];
                    TU_REQUIRE(nd_utf8_check((const char *)b, 4) == ref_check(b, 4),
                               "bytes %02x %02x %02x %02x: %zu, reference %zu", x, y, b[2], b[3],
                               nd_utf8_check((const char *)b, 4), ref_check(b, 4));
                    checked += ref_check(b, 4) == 4 && b[0] >= 0xf0;
                }
            }
        }
    }
    /* The loop did see valid 4-byte characters (not only rejections). */
    ck_assert_uint_gt(checked, 1000);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* limits                                                                                */

START_TEST(test_long_text_1mb)
{
    /* A real paragraph with curly quotes and reduplication, repeated to over 1 MB. */
    static const char para[] =
        "Usulan Putin untuk perjanjian non-intervensi di dunia maya muncul di tengah "
        "tuduhan Kremlin bahwa negara-negara Barat meluncurkan kampanye “disinformasi” "
        "terhadap Rusia atas peracunan pemimpin oposisi Alexei Navalny di Siberia.\n";
    size_t plen = sizeof para - 1;
    size_t reps = (1u << 20) / plen + 1;
    char *big = malloc(plen * reps);
    ck_assert_ptr_nonnull(big);
    for (size_t r = 0; r < reps; r++)
        memcpy(big + r * plen, para, plen);
    ck_assert_int_eq(nd_normalize(nz, para, plen, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 31);
    nd_tokens one;
    nd_tokens_init(&one);
    ck_assert_int_eq(nd_normalize(nz, para, plen, &one, NULL), ND_OK);
    size_t per = one.n;

    ck_assert_int_eq(nd_normalize(nz, big, plen * reps, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, per * reps);
    for (size_t r = 0; r < reps; r++)
        for (size_t i = 0; i < per; i++) {
            const nd_token *a = &toks.v[r * per + i], *b = &one.v[i];
            TU_REQUIRE(a->len == b->len &&
                           memcmp(toks.text + a->off, one.text + b->off, a->len) == 0,
                       "repetition %zu, token %zu", r, i);
            /* Offsets of later copies are shifted by whole paragraphs. */
            TU_REQUIRE(a->src == b->src + r * plen, "repetition %zu, token %zu: src %u", r, i,
                       a->src);
        }
    /* ASCII-segment tokens of the last repetition point into the last copy. */
    const nd_token *last = &toks.v[toks.n - 1]; /* "siberia" */
    ck_assert_uint_eq(last->src, (reps - 1) * plen + (size_t)(strstr(para, "Siberia") - para));
    nd_tokens_clear(&one);
    free(big);
}
END_TEST

START_TEST(test_one_huge_token)
{
    /* 1 MB of "é": one non-ASCII segment, one token (scratch buffers must grow). */
    size_t n = 1u << 19;
    char *s = malloc(2 * n);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = (char)0xc3;
        s[2 * i + 1] = (char)(i % 2 ? 0xa9 : 0x89); /* é É alternating */
    }
    ck_assert_int_eq(nd_normalize(nz, s, 2 * n, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 1);
    ck_assert_uint_eq(toks.v[0].len, 2 * n);
    const unsigned char *u = (const unsigned char *)toks.text + toks.v[0].off;
    for (size_t i = 0; i < n; i++)
        TU_REQUIRE(u[2 * i] == 0xc3 && u[2 * i + 1] == 0xa9, "char %zu", i);
    ck_assert_uint_eq(toks.v[0].src, 0);
    /* 1 MB of "a ": half a million one-letter tokens. */
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = 'A';
        s[2 * i + 1] = ' ';
    }
    ck_assert_int_eq(nd_normalize(nz, s, 2 * n, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, n);
    TU_REQUIRE(toks.v[n - 1].src == 2 * (n - 1) && toks.v[n - 1].len == 1, "last token");
    free(s);
}
END_TEST

START_TEST(test_every_prefix)
{
    /* Cutting a text at every byte: the prefix is valid exactly when the cut is at a
     * character boundary; otherwise the bad offset is the cut character's first byte. */
    static const char s[] = "“Negara-negara” ‘kata’ école — Straße ＡＢＣ 😀 e\xcc\x81 ok";
    size_t len = sizeof s - 1;
    for (size_t cut = 0; cut <= len; cut++) {
        int boundary = cut == len || ((unsigned char)s[cut] & 0xc0) != 0x80;
        size_t lead = cut;
        while (!boundary && ((unsigned char)s[lead] & 0xc0) == 0x80)
            lead--;
        size_t bad = 0;
        nd_status st = nd_normalize(nz, s, cut, &toks, &bad);
        if (boundary) {
            ck_assert_msg(st == ND_OK, "cut %zu: status %d", cut, st);
        } else {
            ck_assert_msg(st == ND_EUTF8, "cut %zu: status %d", cut, st);
            ck_assert_msg(bad == lead, "cut %zu: bad %zu, expected %zu", cut, bad, lead);
        }
    }
    ck_assert_int_eq(nd_normalize(nz, s, len, &toks, NULL), ND_OK);
    ck_assert_uint_eq(toks.n, 8);
}
END_TEST

/* Asserts that `part` shifted by `shift` bytes equals whole's tokens [from, from+part.n). */
static void expect_shifted(const nd_tokens *whole, size_t from, const nd_tokens *part, size_t shift,
                           const char *what, size_t k)
{
    for (size_t i = 0; i < part->n; i++) {
        const nd_token *a = &whole->v[from + i], *b = &part->v[i];
        TU_REQUIRE(a->len == b->len &&
                       memcmp(whole->text + a->off, part->text + b->off, a->len) == 0 &&
                       a->src == b->src + shift,
                   "%s %zu: token %zu \"%.*s\"@%u vs \"%.*s\"@%u+%zu", what, k, i, (int)a->len,
                   whole->text + a->off, a->src, (int)b->len, part->text + b->off, b->src, shift);
    }
}

START_TEST(test_split_and_shift_invariance)
{
    /* Splitting a text at a space or shifting it right by padding never changes the
     * tokens (only their offsets), wherever the 64-byte blocks of the fast path fall. */
    static const char para[] =
        "Dalam pernyataannya, Putin meminta kedua negara untuk bertukar “jaminan tidak "
        "campur tangan dalam urusan dalam negeri masing-masing, termasuk pemilu”, dan "
        "ÉCOLE Straße ＡＢＣ ﬁnal e\xcc\x81t\xc3\xa9 ko\xc2\xadta ‘kata’—akhir. "
        "Negara-negara Barat selama bertahun-tahun menuduh Rusia menggunakan peretas.";
    size_t plen = sizeof para - 1;
    nd_tokens whole, left, right;
    nd_tokens_init(&whole);
    nd_tokens_init(&left);
    nd_tokens_init(&right);
    ck_assert_int_eq(nd_normalize(nz, para, plen, &whole, NULL), ND_OK);
    ck_assert_uint_eq(whole.n, 39);
    size_t splits = 0;
    for (size_t k = 0; k <= plen; k++) {
        if (k < plen && para[k] != ' ') continue;
        ck_assert_int_eq(nd_normalize(nz, para, k, &left, NULL), ND_OK);
        ck_assert_int_eq(nd_normalize(nz, para + k, plen - k, &right, NULL), ND_OK);
        ck_assert_msg(left.n + right.n == whole.n, "split at %zu: %zu + %zu tokens != %zu", k,
                      left.n, right.n, whole.n);
        expect_shifted(&whole, 0, &left, 0, "split", k);
        expect_shifted(&whole, left.n, &right, k, "split", k);
        splits++;
    }
    ck_assert_uint_ge(splits, 30);

    char *buf = malloc(plen + 200);
    ck_assert_ptr_nonnull(buf);
    for (size_t pad = 0; pad < 200; pad++) {
        memset(buf, pad % 3 ? ' ' : '\n', pad);
        memcpy(buf + pad, para, plen);
        ck_assert_int_eq(nd_normalize(nz, buf, pad + plen, &toks, NULL), ND_OK);
        ck_assert_uint_eq(toks.n, whole.n);
        expect_shifted(&toks, 0, &whole, pad, "pad", pad);
        /* An invalid byte moves with the text. */
        size_t bad = 0;
        buf[pad + 100] = (char)0xff;
        ck_assert_int_eq(nd_normalize(nz, buf, pad + plen, &toks, &bad), ND_EUTF8);
        ck_assert_uint_eq(bad, pad + 100);
    }
    free(buf);
    nd_tokens_clear(&whole);
    nd_tokens_clear(&left);
    nd_tokens_clear(&right);
}
END_TEST

/* ------------------------------------------------------------------------------------- */
/* oom                                                                                   */

START_TEST(test_oom_create)
{
    long n;
    for (n = 0;; n++) {
        nd_normalizer *z = (nd_normalizer *)&n; /* a sentinel: must stay untouched */
        nd_alloc_fail_after(n);
        nd_status st = nd_normalizer_create(&z);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert_ptr_nonnull(z);
            ck_assert_ptr_ne(z, (nd_normalizer *)&n);
            nd_normalizer_free(z);
            break;
        }
        ck_assert_int_eq(st, ND_ENOMEM);
        ck_assert_ptr_eq(z, (nd_normalizer *)&n);
    }
    ck_assert_int_ge(n, 1);
}
END_TEST

START_TEST(test_oom_normalize)
{
    /* A text long enough to grow the token array, the token text and the code point
     * scratch several times; both ASCII and non-ASCII segments. */
    size_t len;
    char *text = tu_read_file(tu_src("data/000_beebcc9d70568a44.txt"), &len);
    size_t cap = 3 * len + 8192;
    char *mixed = malloc(cap);
    ck_assert_ptr_nonnull(mixed);
    memcpy(mixed, text, len);
    memcpy(mixed + len, text, len);
    size_t mlen = 2 * len;
    /* One long non-ASCII word to force a large code point buffer. */
    for (size_t i = 0; i < 2000; i++) {
        memcpy(mixed + mlen, "\xc3\x89", 2);
        mlen += 2;
    }
    ck_assert_int_eq(nd_normalize(nz, mixed, mlen, &toks, NULL), ND_OK);
    ck_assert_uint_gt(toks.n, 1024);

    long n;
    int failures = 0;
    for (n = 0;; n++) {
        nd_normalizer *z = NULL;
        nd_tokens t;
        nd_tokens_init(&t);
        nd_alloc_fail_after(n);
        nd_status st = nd_normalizer_create(&z);
        if (st == ND_OK) st = nd_normalize(z, mixed, mlen, &t, NULL);
        nd_alloc_fail_after(-1);
        if (st == ND_OK) {
            ck_assert(tokens_equal(&t, &toks));
            nd_tokens_clear(&t);
            nd_normalizer_free(z);
            break;
        }
        failures++;
        ck_assert_msg(st == ND_ENOMEM, "n=%ld: status %d", n, st);
        ck_assert_uint_eq(t.n, 0);
        nd_tokens_clear(&t); /* whatever was allocated belongs to t; ASan finds leaks */
        nd_normalizer_free(z);
    }
    ck_assert_int_ge(failures, 4);
    free(mixed);
    free(text);
}
END_TEST

START_TEST(test_oom_reuse_after_failure)
{
    /* A normaliser and a token list that saw ND_ENOMEM still work afterwards. */
    static const char s[] = "école “Negara-negara” besar-besaran";
    for (long n = 0; n < 4; n++) {
        nd_tokens_clear(&toks);
        nd_tokens_init(&toks);
        nd_normalizer_free(nz);
        nz = NULL;
        ck_assert_int_eq(nd_normalizer_create(&nz), ND_OK);
        nd_alloc_fail_after(n);
        nd_status st = nd_normalize(nz, s, sizeof s - 1, &toks, NULL);
        nd_alloc_fail_after(-1);
        ck_assert(st == ND_ENOMEM || st == ND_OK);
        TOKENS(s,
               "\xc3\xa9"
               "cole",
               "negara", "negara", "besar", "besaran");
    }
}
END_TEST

static Suite *normalize_suite(void)
{
    Suite *s = suite_create("normalize");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_ascii_basic);
    tcase_add_test(tc, test_seed_articles_match_reference);
    tcase_add_test(tc, test_seed_article_reduplication_and_quotes);
    tcase_add_test(tc, test_typographic_quotes);
    tcase_add_test(tc, test_reduplicated_words);
    tcase_add_test(tc, test_case_folding);
    tcase_add_test(tc, test_nfkc);
    tcase_add_test(tc, test_separators_vanish);
    tcase_add_test(tc, test_digits_are_tokens);
    tcase_add_test(tc, test_soft_hyphen_dropped);
    tcase_add_test(tc, test_ascii_src_offsets);
    tcase_add_test(tc, test_src_after_typographic_quote);
    tcase_add_test(tc, test_not_nul_terminated);
    tcase_add_test(tc, test_replaces_previous_tokens);
    tcase_add_test(tc, test_empty_input);
    tcase_add_test(tc, test_tokens_clear_reuse);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_invalid_utf8_offsets, 0,
                        (int)(sizeof bad_cases / sizeof *bad_cases));
    tcase_add_test(tc, test_utf8_check_valid);
    tcase_add_test(tc, test_utf8_check_exhaustive);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_long_text_1mb);
    tcase_add_test(tc, test_one_huge_token);
    tcase_add_test(tc, test_every_prefix);
    tcase_add_test(tc, test_split_and_shift_invariance);
    suite_add_tcase(s, tc);

    tc = tcase_create("oom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_oom_create);
    tcase_add_test(tc, test_oom_normalize);
    tcase_add_test(tc, test_oom_reuse_after_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(normalize_suite());
}
