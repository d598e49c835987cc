/*
 * report_html.c - the HTML report: one self-contained page (inline CSS, a little JS, no
 * network) to read a scan's findings in a browser.
 *
 * What it shows, section by section, each collapsible (<details>), searchable (one box
 * filters every entry by its ids and text) and paginated (25 entries a page):
 *   - the summary: the counts, the bytes read and the bytes that could go, the biggest
 *     groups and the most widespread shared paragraphs, linked to their entries;
 *   - each near-duplicate group: its representative and each member side by side, with the
 *     word n-grams they share marked (<mark>), and the member's Jaccard and containment;
 *   - each article with doubled blocks: its lines around the blocks, the first copy and the
 *     repeat marked in two colours, runs of single-line doubles folded in the heading;
 *   - repeated short lines; shared paragraphs with each place's line, the words it shares
 *     with the first place marked; what was skipped and the warnings; the options.
 *
 * Texts come from the sources again: the reporter reads each shown document through the
 * public reader (nd_reader_fetch at its offset, checked against its checksum) and decodes
 * it (nd_decode), then tokenises it (normalize.h) and shingles it (shingle.h) as the scan
 * did, so "shared" means the scan's own n-grams. A document that cannot be read again
 * (standard input, a file changed or gone) shows its snippet and says why.
 *
 * Bounded: at most `limit` entries per section and per list (members, places), at most
 * TEXT_MEMBERS members of a group side by side (the others in a table), at most
 * TEXT_BYTES bytes of any text shown; so the report of the 100,000-article benchmark stays
 * a few MB. Every string from the input is escaped for HTML; bytes that are not UTF-8 and
 * control characters become U+FFFD, so no input can break the page or run a script.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "alloc.h"
#include "containers.h"
#include "json_out.h"
#include "neardup/input.h"
#include "neardup/neardup.h"
#include "neardup/report.h"
#include "normalize.h"
#include "report_priv.h"
#include "shingle.h"
#include "xxh.h"

#define TEXT_MEMBERS 8u   /* members of a group shown side by side with the representative */
#define TEXT_BYTES 12000u /* bytes of a document's text shown at most */
#define LINE_BYTES 1200u  /* bytes of one line (a shared paragraph's place) shown at most */
#define PLACE_TEXTS 12u   /* places of a shared paragraph shown with their line */
#define BLOCK_CONTEXT 1u  /* lines shown around a doubled block */
#define RUN_BYTES 400u    /* bytes of each copy of a run repeated inside a paragraph shown */
#define SHARED_NGRAM 2u   /* shared paragraphs: word bigrams in common are marked */

/* A document's text, read again, and its tokens. */
typedef struct doc_text {
    uint32_t doc; /* which document, UINT32_MAX when none */
    char *text;   /* its text (owned), NULL when it could not be read again */
    size_t len;
    const char *why; /* why not (static) */
    nd_tokens tok;
    uint32_t *tok_end; /* source end offset of each token */
    size_t cap_end;
} doc_text;

typedef struct html {
    const nd_scan_result *r;
    FILE *f;
    size_t limit;
    nd_reader *reader; /* over one source, the last one read from */
    uint32_t reader_src;
    nd_decoder *dec;
    nd_normalizer *nz;
    doc_text cache[2]; /* the two documents read last */
    unsigned next_slot;
    nd_u64s sa, sb, sc, scratch; /* n-gram sets, hashes, sort scratch */
    unsigned char *fa, *fb;      /* marks per token */
    size_t cap_fa, cap_fb;
} html;

/* ---- escaping ---------------------------------------------------------------------------- */

/* Writes s[0..len) as HTML text (also safe in a double-quoted attribute): & < > " ' as
 * entities; each maximal invalid UTF-8 subpart, every C0 control but tab and newline, DEL
 * and the C1 controls as U+FFFD. Runs of plain bytes are written at once. */
static void esc_n(FILE *f, const char *s, size_t len)
{
    size_t run = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        size_t adv = 1;
        if (c >= 0x80) {
            int n = nd_utf8_seq(s + i, len - i);
            if (n > 1 && !(c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)) {
                i += (size_t)n;
                continue;
            }
            adv = n < 0 ? (size_t)-n : (size_t)n;
            rep = ND_UTF8_REPLACEMENT;
        } else if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"') {
            rep = "&quot;";
        } else if (c == '\'') {
            rep = "&#39;";
        } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
            rep = ND_UTF8_REPLACEMENT;
        } else {
            i++;
            continue;
        }
        if (i > run) fwrite(s + run, 1, i - run, f);
        fputs(rep, f);
        i += adv;
        run = i;
    }
    if (len > run) fwrite(s + run, 1, len - run, f);
}

static void esc(FILE *f, const char *s)
{
    esc_n(f, s, strlen(s));
}

/* "id" or "id (path:line)", escaped; in a check's report, marked new or archived. */
static void put_doc(html *h, uint32_t d)
{
    const nd_doc_info *di = &h->r->docs[d];
    const char *src = h->r->sources[di->source];
    esc(h->f, di->id);
    if (strcmp(di->id, src) != 0) {
        fputs(" <span class=src>(", h->f);
        esc(h->f, src);
        fprintf(h->f, ":%llu)</span>", (unsigned long long)di->line);
    }
    if (h->r->archive)
        fputs(di->archived ? " <span class=\"tag arch\">archived</span>"
                           : " <span class=\"tag new\">new</span>",
              h->f);
}

/* The length of s[0..len) cut at `max` bytes on a character boundary. */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* ---- documents read again ------------------------------------------------------------------ */

static void doc_text_clear(doc_text *t)
{
    nd_free(t->text);
    nd_tokens_clear(&t->tok);
    nd_free(t->tok_end);
    memset(t, 0, sizeof *t);
    t->doc = UINT32_MAX;
}

/* Where the word that starts at text[i] ends: letters, marks and digits (as the normaliser
 * counts them; ASCII alphanumerics and, above ASCII, Unicode categories L, M and N). */
static size_t word_end(const char *text, size_t len, size_t i)
{
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))) break;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) break;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (cat < UTF8PROC_CATEGORY_LU || cat > UTF8PROC_CATEGORY_NO) break;
        i += (size_t)n;
    }
    return i;
}

/* Points the reader at source `src` (a new reader over that one path, read up to its
 * first record so that the source is known). ND_OK, ND_EIO (it cannot be read), or
 * ND_ENOMEM. */
static nd_status open_source(html *h, uint32_t src, const char **why)
{
    if (h->reader && h->reader_src == src) return ND_OK;
    nd_reader_free(h->reader);
    h->reader = NULL;
    const char *path = h->r->sources[src];
    if (strcmp(path, "<stdin>") == 0) {
        *why = "read from standard input: its text is not kept";
        return ND_EIO;
    }
    nd_reader_opts ro = h->r->opts.input;
    nd_status st = nd_reader_create(&ro, &path, 1, &h->reader);
    if (st != ND_OK) return st;
    h->reader_src = src;
    nd_record rec;
    while (nd_reader_nsources(h->reader) == 0) {
        st = nd_reader_next(h->reader, &rec);
        if (st == ND_ENOMEM) return st;
        if (st != ND_OK) break;
    }
    if (nd_reader_nsources(h->reader) == 0) {
        *why = "its file cannot be read again";
        return ND_EIO;
    }
    return ND_OK;
}

/* Reads document d's text again, tokenised, into one of the two cache slots, never the one
 * that holds document `keep` (so two documents can be used together): *out is the slot. A
 * text that cannot be read comes back with text NULL and `why` set. ND_OK or ND_ENOMEM. */
static nd_status load(html *h, uint32_t d, uint32_t keep, doc_text **out)
{
    for (unsigned i = 0; i < 2; i++)
        if (h->cache[i].doc == d) {
            *out = &h->cache[i];
            return ND_OK;
        }
    unsigned slot = h->next_slot;
    if (h->cache[slot].doc == keep) slot ^= 1u;
    h->next_slot = slot ^ 1u;
    doc_text *t = &h->cache[slot];
    doc_text_clear(t);
    t->doc = d;
    *out = t;
    const nd_doc_info *di = &h->r->docs[d];
    const char *why = "its file cannot be read again";
    nd_status st = open_source(h, di->source, &why);
    if (st == ND_ENOMEM) return st;
    nd_record rec;
    if (st == ND_OK)
        st = nd_reader_fetch(h->reader, 0, di->offset, (size_t)di->length, di->line, &rec);
    if (st == ND_ENOMEM) return st;
    if (st != ND_OK || XXH3_64bits(rec.data, rec.len) != di->checksum) {
        t->why = st == ND_OK || st == ND_ECHANGED ? "its file changed since the scan" : why;
        return ND_OK;
    }
    nd_doc doc;
    const char *msg = NULL;
    st = nd_decode(h->dec, &rec, &doc, &msg);
    if (st == ND_ENOMEM) return st;
    if (st != ND_OK) {
        t->why = "it cannot be decoded again";
        return ND_OK;
    }
    t->text = nd_malloc(doc.len + 1);
    if (!t->text) return ND_ENOMEM;
    memcpy(t->text, doc.text, doc.len);
    t->text[doc.len] = '\0';
    t->len = doc.len;
    st = nd_normalize(h->nz, t->text, t->len, &t->tok, NULL);
    if (st == ND_ENOMEM) return st;
    if (st != ND_OK) t->tok.n = 0; /* not UTF-8: shown, nothing marked */
    if (t->tok.n > t->cap_end) {
        uint32_t *e = nd_reallocarray(t->tok_end, t->tok.n, sizeof *e);
        if (!e) return ND_ENOMEM;
        t->tok_end = e;
        t->cap_end = t->tok.n;
    }
    for (size_t i = 0; i < t->tok.n; i++)
        t->tok_end[i] = (uint32_t)word_end(t->text, t->len, t->tok.v[i].src);
    return ND_OK;
}

/* ---- shared n-grams ---------------------------------------------------------------------- */

/* The first and one-past-last token of t that start in bytes [from, to). */
static void token_range(const doc_text *t, size_t from, size_t to, size_t *first, size_t *end)
{
    size_t a = 0, b = t->tok.n;
    while (a < b) { /* first token with src >= from */
        size_t m = a + (b - a) / 2;
        if (t->tok.v[m].src < from)
            a = m + 1;
        else
            b = m;
    }
    size_t e = a;
    while (e < t->tok.n && t->tok.v[e].src < to)
        e++;
    *first = a;
    *end = e;
}

static nd_status grow_marks(unsigned char **p, size_t *cap, size_t n)
{
    if (n <= *cap) return ND_OK;
    unsigned char *q = nd_reallocarray(*p, n, 1);
    if (!q) return ND_ENOMEM;
    *p = q;
    *cap = n;
    return ND_OK;
}

static int in_set(const nd_u64s *s, uint64_t x)
{
    size_t a = 0, b = s->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (s->v[m] < x)
            a = m + 1;
        else if (s->v[m] > x)
            b = m;
        else
            return 1;
    }
    return 0;
}

/* The sorted set of the n-gram hashes of tokens [first, first + count) of t, in out. */
static nd_status ngram_set(html *h, const doc_text *t, size_t first, size_t count, unsigned n,
                           nd_u64s *out)
{
    out->n = 0;
    if (!count) return ND_OK;
    nd_status st = nd_shingle_hashes(&t->tok, first, count, n, &h->scratch, out);
    if (st != ND_OK) return st;
    out->n = nd_u64_sort_unique(out->v, out->n, &h->scratch);
    return ND_OK;
}

/* Marks (marks[i] = 1) the tokens [first, first + count) of t covered by an n-gram in
 * `other`: token i is marked when some n-gram holding it is there too. */
static nd_status mark_shared(html *h, const doc_text *t, size_t first, size_t count, unsigned n,
                             const nd_u64s *other, unsigned char *marks)
{
    memset(marks, 0, count);
    if (!count || !other->n) return ND_OK;
    nd_status st = nd_shingle_hashes(&t->tok, first, count, n, &h->scratch, &h->sb);
    if (st != ND_OK) return st;
    size_t width = count < n ? count : n;
    for (size_t j = 0; j < h->sb.n; j++)
        if (in_set(other, h->sb.v[j])) memset(marks + j, 1, width);
    return ND_OK;
}

/* Writes bytes [from, to) of t's text with the tokens [first, end) whose marks[i - first]
 * is set inside <mark>, the gap between two marked tokens marked too. */
static void put_marked(html *h, const doc_text *t, size_t from, size_t to, size_t first, size_t end,
                       const unsigned char *marks)
{
    FILE *f = h->f;
    size_t pos = from;
    for (size_t i = first; i < end; i++) {
        if (!marks[i - first]) continue;
        size_t j = i;
        while (j + 1 < end && marks[j + 1 - first])
            j++;
        size_t s = t->tok.v[i].src, e = t->tok_end[j];
        if (e > to) e = to;
        if (s < pos) s = pos;
        if (s >= e) {
            i = j;
            continue;
        }
        esc_n(f, t->text + pos, s - pos);
        fputs("<mark>", f);
        esc_n(f, t->text + s, e - s);
        fputs("</mark>", f);
        pos = e;
        i = j;
    }
    if (to > pos) esc_n(f, t->text + pos, to - pos);
}

/* ---- page parts --------------------------------------------------------------------------- */

static const char CSS[] =
    "body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;"
    "color:#1b1f24;background:#f6f7f9}"
    "header{background:#fff;border-bottom:1px solid #d8dce1;padding:12px 20px;position:sticky;"
    "top:0;z-index:2}"
    "h1{font-size:20px;margin:0 0 4px}h2{display:inline;font-size:17px}"
    "main{padding:8px 20px 40px;max-width:1600px}"
    "details.sec{background:#fff;border:1px solid #d8dce1;border-radius:6px;margin:12px 0;"
    "padding:6px 12px}"
    "summary{cursor:pointer;padding:4px 0}.n{color:#57606a;font-weight:normal}"
    ".tools{display:flex;gap:14px;flex-wrap:wrap;align-items:center;margin-top:6px}"
    "#q{font:inherit;padding:4px 8px;width:24em;border:1px solid #aab;border-radius:4px}"
    ".item{border-top:1px solid #e4e7eb;padding:8px 0}.item h3{font-size:15px;margin:2px 0 6px}"
    ".pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:6px 0 12px}"
    ".doc{border:1px solid #d8dce1;border-radius:4px;background:#fcfcfd;min-width:0}"
    ".doc .hd{background:#eef1f4;padding:4px 8px;font-size:13px;overflow-wrap:anywhere}"
    ".txt{white-space:pre-wrap;overflow-wrap:anywhere;padding:6px 8px;max-height:420px;"
    "overflow:auto;font-size:13.5px}"
    ".txt{color:#b42318}mark{background:#fff1b8;color:#1b1f24}.src,.why{color:#57606a}.why{font-"
    "style:italic}"
    ".num{font-variant-numeric:tabular-nums}"
    "table{border-collapse:collapse;font-size:13.5px}td,th{padding:2px 10px 2px 0;"
    "text-align:left;vertical-align:top}"
    ".lines{font:12.5px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;"
    "overflow-wrap:anywhere;border:1px solid #d8dce1;border-radius:4px;background:#fcfcfd}"
    ".ln{display:block;padding:0 8px}.ln i{color:#8c959f;font-style:normal;display:inline-block;"
    "width:4em}.c1{background:#dbeafe}.c2{background:#fde2e1}.gap{color:#8c959f}"
    ".key span{padding:0 6px;border-radius:3px}"
    ".more{color:#57606a;font-style:italic}.pager{margin:8px 0}.pager button{margin-right:6px}"
    ".tag{font-size:11.5px;padding:0 5px;border-radius:3px;border:1px solid}"
    ".tag.arch{color:#57606a;border-color:#aab}.tag.new{color:#1a7f37;border-color:#1a7f37}"
    ".hidden{display:none}.places li{margin:4px 0}.places .txt{max-height:160px;padding:2px 0}";

/* The JS: one search box filtering every section's entries (.item, by their text); each
 * section shows PAGE entries at a time with a pager; checkboxes show or hide sections.
 * A link ending in #q=WORDS opens the page with WORDS searched. It sets data-ready on
 * <html> when it has run, for tests; errors are counted in data-errors by the handler in
 * <head>. */
static const char JS[] =
    "(function(){'use strict';var PAGE=25;var secs=[];"
    "document.querySelectorAll('details.sec').forEach(function(d){var items=[].slice.call("
    "d.querySelectorAll('.item'));if(!items.length)return;var pager=document.createElement('div');"
    "pager.className='pager';d.appendChild(pager);secs.push({d:d,items:items,match:items,"
    "page:0,pager:pager});});"
    "function show(s){var n=s.match.length,pages=Math.max(1,Math.ceil(n/PAGE));"
    "if(s.page>=pages)s.page=pages-1;s.items.forEach(function(e){e.classList.add('hidden');});"
    "s.match.slice(s.page*PAGE,(s.page+1)*PAGE).forEach(function(e){e.classList.remove('hidden');})"
    ";"
    "s.pager.textContent='';if(pages>1){var p=document.createElement('button');p.textContent="
    "'\\u2039 previous';p.disabled=s.page===0;p.onclick=function(){s.page--;show(s);};"
    "var q=document.createElement('button');q.textContent='next \\u203a';"
    "q.disabled=s.page===pages-1;q.onclick=function(){s.page++;show(s);};"
    "s.pager.appendChild(p);s.pager.appendChild(q);}var t=document.createElement('span');"
    "t.className='n';t.textContent=n?('entries '+(s.page*PAGE+1)+'\\u2013'+Math.min(n,"
    "(s.page+1)*PAGE)+' of '+n+' shown here'):'no entry matches';s.pager.appendChild(t);}"
    "function filter(){var q=document.getElementById('q').value.toLowerCase().trim();"
    "secs.forEach(function(s){s.match=q?s.items.filter(function(e){return e.textContent."
    "toLowerCase().indexOf(q)>=0;}):s.items;s.page=0;show(s);});}"
    "document.getElementById('q').addEventListener('input',filter);"
    "document.querySelectorAll('.toggle').forEach(function(c){c.addEventListener('change',"
    "function(){var d=document.getElementById(c.value);if(d)d.classList.toggle('hidden',"
    "!c.checked);});});"
    "document.querySelectorAll('a[href^=\"#\"]').forEach(function(a){a.addEventListener('click',"
    "function(){var id=a.getAttribute('href').slice(1),e=document.getElementById(id);"
    "if(!e)return;secs.forEach(function(s){var i=s.match.indexOf(e);if(i>=0){s.page="
    "Math.floor(i/PAGE);show(s);s.d.open=true;}});});});"
    "var h=decodeURIComponent(location.hash||'');if(h.indexOf('#q=')===0){"
    "document.getElementById('q').value=h.slice(3);filter();}else{secs.forEach(show);}"
    "document.documentElement.setAttribute('data-ready','1');})();";

static void head(html *h)
{
    FILE *f = h->f;
    fputs("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
          "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
          "<title>neardup report</title>\n<style>",
          f);
    fputs(CSS, f);
    fputs("</style>\n<script>window.addEventListener('error',function(){var r="
          "document.documentElement;r.setAttribute('data-errors',String(+(r.getAttribute("
          "'data-errors')||0)+1));});</script>\n</head>\n<body>\n",
          f);
}

/* The counts line of the text report, as the page's subtitle. */
static void counts(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    size_t dups = nd_rep_duplicates(r);
    fprintf(f, "%zu %s read, %zu skipped", (r->ndocs - r->narchived),
            nd_rep_plural((r->ndocs - r->narchived), "document", "documents"), r->nskipped);
    if (r->archive)
        fprintf(f, "; checked against %zu archived %s (%zu in this report)", r->archive_docs,
                nd_rep_plural(r->archive_docs, "document", "documents"), r->narchived);
    if (r->opts.parts & ND_PART_GROUPS)
        fprintf(f, "; %zu %s of near-duplicates (%zu %s could go)", r->ngroups,
                nd_rep_plural(r->ngroups, "group", "groups"), dups,
                nd_rep_plural(dups, "document", "documents"));
    if (r->opts.parts & ND_PART_BLOCKS)
        fprintf(f, "; %zu with doubled blocks (%zu doubled %s)", nd_rep_count_blocks(r),
                r->ndoubled, nd_rep_plural(r->ndoubled, "body", "bodies"));
    if (r->opts.parts & ND_PART_SHORT)
        fprintf(f, "; %zu with repeated short lines", nd_rep_count_shorts(r));
    if (r->opts.parts & ND_PART_SHARED)
        fprintf(f, "; %zu shared %s (%zu boilerplate)", r->nshared,
                nd_rep_plural(r->nshared, "paragraph", "paragraphs"), nd_rep_count_boilerplate(r));
    if (r->opts.gopher.enabled) fprintf(f, "; %zu over the Gopher limits", r->ngopher);
}

static void header(html *h)
{
    FILE *f = h->f;
    unsigned parts = h->r->opts.parts;
    fputs("<header>\n<h1>neardup report</h1>\n<div id=counts>", f);
    counts(h);
    fputs("</div>\n<div class=tools><input id=q type=search placeholder=\"Search ids and "
          "text\" aria-label=\"Search ids and text\">",
          f);
    static const struct {
        unsigned part;
        const char *id, *name;
    } secs[] = {{ND_PART_GROUPS, "groups", "groups"},
                {ND_PART_BLOCKS, "blocks", "doubled blocks"},
                {ND_PART_SHORT, "short", "short lines"},
                {ND_PART_SHARED, "shared", "shared paragraphs"}};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
        if (parts & secs[i].part)
            fprintf(f, "<label><input type=checkbox class=toggle value=%s checked> %s</label>",
                    secs[i].id, secs[i].name);
    if (h->r->opts.gopher.enabled)
        fputs("<label><input type=checkbox class=toggle value=gopher checked> Gopher</label>", f);
    fputs("</div>\n</header>\n<main>\n", f);
}

/* "<p class=more>... and N more WHAT (use --limit 0 or -f json)</p>" when shown < total. */
static void more(html *h, size_t shown, size_t total, const char *one, const char *many)
{
    if (shown >= total) return;
    size_t n = total - shown;
    fprintf(h->f, "<p class=more>&hellip; and %zu more %s (use --limit 0 or -f json)</p>\n", n,
            nd_rep_plural(n, one, many));
}

static void summary(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    char b1[32], b2[32];
    uint64_t read = nd_rep_bytes_read(r);
    fputs("<details class=sec id=summary open><summary><h2>Summary</h2></summary>\n<table>", f);
    fprintf(f, "<tr><th>read</th><td class=num>%s in %zu %s, %zu skipped</td></tr>",
            nd_rep_size(read, b1, sizeof b1), (r->ndocs - r->narchived),
            nd_rep_plural((r->ndocs - r->narchived), "document", "documents"), r->nskipped);
    if (r->opts.parts & ND_PART_GROUPS) {
        size_t dups = nd_rep_duplicates(r);
        uint64_t gone = nd_rep_duplicate_bytes(r);
        if (!dups)
            fputs("<tr><th>could go</th><td>no document (no near-duplicate group)</td></tr>", f);
        else
            fprintf(f,
                    "<tr><th>could go</th><td class=num>%zu %s, %s (%.1f%% of the bytes read): the "
                    "members of %zu %s but %s</td></tr>",
                    dups, nd_rep_plural(dups, "document", "documents"),
                    nd_rep_size(gone, b2, sizeof b2),
                    read ? 100.0 * (double)gone / (double)read : 0.0, r->ngroups,
                    nd_rep_plural(r->ngroups, "group", "groups"),
                    r->ngroups == 1 ? "its representative" : "their representatives");
        size_t top[5];
        size_t k = nd_rep_biggest_groups(r, top, 5);
        if (k) fputs("<tr><th>biggest groups</th><td>", f);
        for (size_t i = 0; i < k; i++) {
            const nd_group *gr = &r->groups[top[i]];
            fprintf(f, "%s<a href=\"#g%zu\">group %zu</a>: %zu documents like ", i ? "<br>" : "",
                    top[i] + 1, top[i] + 1, gr->nmembers);
            put_doc(h, gr->members[0].doc);
        }
        if (k) fputs("</td></tr>", f);
    }
    if ((r->opts.parts & ND_PART_BLOCKS) && nd_rep_count_blocks(r)) {
        uint64_t w = nd_rep_repeated_words(r);
        fprintf(f,
                "<tr><th>doubled blocks</th><td class=num>%llu words in later copies, in %zu "
                "articles (%zu doubled %s)</td></tr>",
                (unsigned long long)w, nd_rep_count_blocks(r), r->ndoubled,
                nd_rep_plural(r->ndoubled, "body", "bodies"));
    }
    if ((r->opts.parts & ND_PART_SHARED) && r->nshared) {
        size_t top[5];
        size_t k = nd_rep_widest_shared(r, top, 5);
        fputs("<tr><th>most widespread<br>shared paragraphs</th><td>", f);
        for (size_t i = 0; i < k; i++) {
            const nd_shared_para *sp = &r->shared[top[i]];
            fprintf(f, "%s<a href=\"#s%zu\">%s in %u articles</a>: &ldquo;", i ? "<br>" : "",
                    top[i] + 1, sp->boilerplate ? "boilerplate" : "passage", sp->ndocs);
            esc(f, sp->text);
            fputs("&rdquo;", f);
        }
        fputs("</td></tr>", f);
    }
    fputs("</table>\n</details>\n", f);
}

/* One side of a pair: the heading, then the text with the shared n-grams marked (or the
 * snippet and why the text is missing). */
static nd_status pair_side(html *h, const nd_member *mb, int rep, doc_text *t,
                           const unsigned char *marks)
{
    FILE *f = h->f;
    const nd_doc_info *di = &h->r->docs[mb->doc];
    fputs("<div class=doc><div class=hd>", f);
    if (rep) fputs("<b>representative</b> ", f);
    put_doc(h, mb->doc);
    if (rep)
        fprintf(f, " &middot; %u words", di->ntokens);
    else if (mb->containment < 0)
        fprintf(f, " &middot; <span class=num>jaccard %.4f (estimated)</span> &middot; %u words",
                mb->jaccard, di->ntokens);
    else
        fprintf(f,
                " &middot; <span class=num>jaccard <b>%.4f</b> &middot; containment <b>%.4f</b>"
                "</span> &middot; %u words",
                mb->jaccard, mb->containment, di->ntokens);
    fputs("</div><div class=txt>", f);
    if (!t->text) {
        esc(f, mb->snippet);
        fputs("\n<span class=why>(text not shown: ", f);
        esc(f, t->why ? t->why : "not available");
        fputs(")</span>", f);
    } else {
        size_t to = cut_utf8(t->text, t->len, TEXT_BYTES), first, end;
        token_range(t, 0, to, &first, &end);
        put_marked(h, t, 0, to, first, end, marks);
        if (to < t->len)
            fprintf(f, "\n<span class=why>(%zu more bytes not shown)</span>", t->len - to);
    }
    fputs("</div></div>", f);
    return ND_OK;
}

/* The representative and member m side by side, their shared n-grams marked. */
static nd_status pair(html *h, const nd_group *gr, size_t m)
{
    doc_text *tr, *tm;
    nd_status st = load(h, gr->members[0].doc, UINT32_MAX, &tr);
    if (st == ND_OK) st = load(h, gr->members[m].doc, gr->members[0].doc, &tm);
    if (st != ND_OK) return st;
    assert(tr != tm);
    unsigned n = h->r->opts.ngram;
    size_t nr = tr->text ? tr->tok.n : 0, nm = tm->text ? tm->tok.n : 0;
    if ((st = grow_marks(&h->fa, &h->cap_fa, nr + 1)) != ND_OK) return st;
    if ((st = grow_marks(&h->fb, &h->cap_fb, nm + 1)) != ND_OK) return st;
    memset(h->fa, 0, nr + 1);
    memset(h->fb, 0, nm + 1);
    if (nr && nm) {
        if ((st = ngram_set(h, tm, 0, nm, n, &h->sa)) != ND_OK) return st;
        if ((st = mark_shared(h, tr, 0, nr, n, &h->sa, h->fa)) != ND_OK) return st;
        if ((st = ngram_set(h, tr, 0, nr, n, &h->sa)) != ND_OK) return st;
        if ((st = mark_shared(h, tm, 0, nm, n, &h->sa, h->fb)) != ND_OK) return st;
    }
    fputs("<div class=pair>", h->f);
    pair_side(h, &gr->members[0], 1, tr, h->fa);
    pair_side(h, &gr->members[m], 0, tm, h->fb);
    fputs("</div>\n", h->f);
    return ND_OK;
}

static nd_status groups(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    fprintf(f,
            "<details class=sec id=groups%s><summary><h2>Near-duplicate groups</h2> "
            "<span class=n>%zu %s, %zu %s could go; the words shared with the "
            "representative (%u-word n-grams) are <mark>marked</mark></span></summary>\n",
            r->ngroups ? " open" : "", r->ngroups, nd_rep_plural(r->ngroups, "group", "groups"),
            nd_rep_duplicates(r), nd_rep_plural(nd_rep_duplicates(r), "document", "documents"),
            r->opts.ngram);
    size_t shown = r->ngroups < h->limit ? r->ngroups : h->limit;
    for (size_t g = 0; g < shown; g++) {
        const nd_group *gr = &r->groups[g];
        fprintf(f, "<div class=\"item group\" id=g%zu><h3>group %zu: %zu documents</h3>\n", g + 1,
                g + 1, gr->nmembers);
        size_t with_text = gr->nmembers - 1 < TEXT_MEMBERS ? gr->nmembers - 1 : TEXT_MEMBERS;
        if (with_text > h->limit) with_text = h->limit;
        for (size_t m = 1; m <= with_text; m++) {
            nd_status st = pair(h, gr, m);
            if (st != ND_OK) return st;
        }
        size_t listed = gr->nmembers - 1 < h->limit ? gr->nmembers - 1 : h->limit;
        if (listed > with_text) {
            fputs("<table><tr><th>more members</th><th>jaccard</th><th>containment</th>"
                  "<th>words</th></tr>",
                  f);
            for (size_t m = with_text + 1; m <= listed; m++) {
                const nd_member *mb = &gr->members[m];
                fputs("<tr><td>", f);
                put_doc(h, mb->doc);
                fprintf(f, "</td><td class=num>%.4f</td><td class=num>", mb->jaccard);
                if (mb->containment < 0)
                    fputs("-", f);
                else
                    fprintf(f, "%.4f", mb->containment);
                fprintf(f, "</td><td class=num>%u</td></tr>", h->r->docs[mb->doc].ntokens);
            }
            fputs("</table>\n", f);
        }
        more(h, listed, gr->nmembers - 1, "member", "members");
        fputs("</div>\n", f);
    }
    more(h, shown, r->ngroups, "group", "groups");
    fputs("</details>\n", f);
    return ND_OK;
}

static int find_line(const doc_text *t, uint32_t ln, size_t *from, size_t *to);

/* Which copy line `ln` of rp's article is in: 1 the first, 2 a repeat, 0 neither. */
static int copy_of(const nd_doc_repeats *rp, uint32_t ln)
{
    for (size_t b = 0; b < rp->nblocks; b++) {
        if (ln >= rp->blocks[b].b_first && ln <= rp->blocks[b].b_last) return 2;
        if (ln >= rp->blocks[b].a_first && ln <= rp->blocks[b].a_last) return 1;
    }
    return 0;
}

/* Whether line ln is within BLOCK_CONTEXT lines of a block's copy. */
static int near_block(const nd_doc_repeats *rp, uint32_t ln)
{
    for (size_t b = 0; b < rp->nblocks; b++) {
        const nd_block_repeat *bl = &rp->blocks[b];
        if ((ln + BLOCK_CONTEXT >= bl->a_first && ln <= bl->a_last + BLOCK_CONTEXT) ||
            (ln + BLOCK_CONTEXT >= bl->b_first && ln <= bl->b_last + BLOCK_CONTEXT))
            return 1;
    }
    return 0;
}

/* The article's lines around its blocks, the copies marked. */
static void article_lines(html *h, const nd_doc_repeats *rp, const doc_text *t)
{
    FILE *f = h->f;
    fputs("<div class=lines>", f);
    uint32_t ln = 1, skipped_from = 0;
    size_t shown = 0;
    for (size_t pos = 0; pos <= t->len; ln++) {
        const char *nl = memchr(t->text + pos, '\n', t->len - pos);
        size_t end = nl ? (size_t)(nl - t->text) : t->len;
        if (near_block(rp, ln) && shown < TEXT_BYTES) {
            if (skipped_from)
                fprintf(f, "<span class=\"ln gap\"><i></i>&#8942; %s %u%s%u not shown</span>",
                        ln - 1 > skipped_from ? "lines" : "line", skipped_from,
                        ln - 1 > skipped_from ? "&ndash;" : "", ln - 1 > skipped_from ? ln - 1 : 0);
            skipped_from = 0;
            int c = copy_of(rp, ln);
            fprintf(f, "<span class=\"ln%s\"><i>%u</i>", c == 1 ? " c1" : c == 2 ? " c2" : "", ln);
            size_t n = cut_utf8(t->text + pos, end - pos, LINE_BYTES);
            esc_n(f, t->text + pos, n);
            if (n < end - pos) fputs("&hellip;", f);
            fputs("</span>", f);
            shown += n;
        } else if (!skipped_from) {
            skipped_from = ln;
        }
        if (!nl) break;
        pos = end + 1;
    }
    fputs("</div>\n", f);
}

/* The bytes of words [first, last] (1-based) of the paragraph that starts on line ln, as
 * [*from, *to); 0 when the text does not have them (it changed, or is not UTF-8). */
static int run_bytes(const doc_text *t, uint32_t ln, uint32_t first, uint32_t last, size_t *from,
                     size_t *to)
{
    size_t ls, le, a, e;
    if (!first || last < first || !find_line(t, ln, &ls, &le)) return 0;
    token_range(t, ls, ls + 1, &a, &e);
    if (a + last > t->tok.n) return 0;
    *from = t->tok.v[a + first - 1].src;
    *to = t->tok_end[a + last - 1];
    return *to > *from;
}

/* One copy of a run as a line of the lines view: its paragraph's line number, which words,
 * and their start (RUN_BYTES at most), marked as the first copy (c = 1) or the repeat. */
static void run_copy(html *h, const doc_text *t, uint32_t ln, uint32_t first, uint32_t last, int c)
{
    FILE *f = h->f;
    size_t from, to;
    fprintf(f, "<span class=\"ln c%d\"><i>%u</i>words %u&ndash;%u: ", c, ln, first, last);
    if (!run_bytes(t, ln, first, last, &from, &to)) {
        fputs("<span class=why>(not found in the text read again)</span></span>", f);
        return;
    }
    size_t n = cut_utf8(t->text + from, to - from, RUN_BYTES);
    esc_n(f, t->text + from, n);
    if (n < to - from) fputs("&hellip;", f);
    fputs("</span>", f);
}

/* The first nr runs of rp's article: the start of each copy, marked. */
static void run_lines(html *h, const nd_doc_repeats *rp, size_t nr, const doc_text *t)
{
    FILE *f = h->f;
    fputs("<div class=lines>", f);
    for (size_t k = 0; k < nr; k++) {
        const nd_run_repeat *ru = &rp->runs[k];
        run_copy(h, t, ru->line, ru->a_first, ru->a_last, 1);
        run_copy(h, t, ru->line, ru->b_first, ru->b_last, 2);
    }
    fputs("</div>\n", f);
}

static nd_status blocks(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    size_t total = nd_rep_count_blocks(r), shown = 0;
    fprintf(f,
            "<details class=sec id=blocks%s><summary><h2>Doubled blocks</h2> <span "
            "class=n>%zu %s with text printed twice (blocks of paragraphs, or runs of words inside "
            "one), %zu doubled %s</span>"
            "</summary>\n<p class=key><span class=c1>first copy</span> <span class=c2>"
            "repeat</span></p>\n",
            total ? " open" : "", total, nd_rep_plural(total, "article", "articles"), r->ndoubled,
            nd_rep_plural(r->ndoubled, "body", "bodies"));
    for (size_t i = 0; i < r->nrepeats && shown < h->limit; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        if (!rp->nblocks && !rp->nruns) continue;
        shown++;
        fprintf(f, "<div class=\"item block\" id=b%zu><h3>", i + 1);
        put_doc(h, rp->doc);
        fprintf(f, ": %.1f%% of its words are repeats%s</h3>\n<ul>",
                100.0 * nd_rep_share(rp->repeated_words, rp->words),
                rp->doubled ? " (doubled body)" : "");
        nd_fold fd;
        size_t nf = 0, nfolds = 0;
        for (size_t b = 0; b < rp->nblocks; b += fd.n, nfolds++)
            nd_rep_fold(rp, b, &fd);
        for (size_t b = 0; b < rp->nblocks && nf < h->limit; b += fd.n, nf++) {
            nd_rep_fold(rp, b, &fd);
            const nd_block_repeat *bl = &rp->blocks[b];
            if (fd.n == 1) {
                fprintf(f, "<li>line%s %u", bl->a_first == bl->a_last ? "" : "s", bl->a_first);
                if (bl->a_last != bl->a_first) fprintf(f, "&ndash;%u", bl->a_last);
                fprintf(f, " repeat%s as line%s %u", bl->a_first == bl->a_last ? "s" : "",
                        bl->b_first == bl->b_last ? "" : "s", bl->b_first);
                if (bl->b_last != bl->b_first) fprintf(f, "&ndash;%u", bl->b_last);
                fprintf(f, " (%u paragraph%s, %s)</li>", bl->nparas, bl->nparas == 1 ? "" : "s",
                        bl->identical ? "identical" : "near-identical");
            } else {
                fprintf(f, "<li>%zu %s each printed twice (lines %u&ndash;%u%s)", fd.n,
                        fd.headlines ? "headlines" : "lines", fd.line_first, fd.line_last,
                        fd.identical ? "" : ", some near-identical");
                if (fd.short_line != SIZE_MAX) {
                    fputs(", with &ldquo;", f);
                    esc(f, rp->shorts[fd.short_line].text);
                    fprintf(f, "&rdquo; x%u among them", rp->shorts[fd.short_line].count);
                }
                fputs("</li>", f);
            }
        }
        size_t nr = 0;
        for (size_t k = 0; k < rp->nruns && nf < h->limit; k++, nf++, nr++) {
            const nd_run_repeat *ru = &rp->runs[k];
            fprintf(f,
                    "<li>line %u: words %u&ndash;%u repeat as words %u&ndash;%u (%u words, inside "
                    "one paragraph)</li>",
                    ru->line, ru->a_first, ru->a_last, ru->b_first, ru->b_last, ru->words);
        }
        fputs("</ul>\n", f);
        more(h, nf, nfolds + rp->nruns, "repeat", "repeats");
        doc_text *t;
        nd_status st = load(h, rp->doc, UINT32_MAX, &t);
        if (st != ND_OK) return st;
        if (t->text) {
            if (rp->nblocks) article_lines(h, rp, t);
            if (nr) run_lines(h, rp, nr, t);
        } else {
            fputs("<p class=why>(text not shown: ", f);
            esc(f, t->why ? t->why : "not available");
            fputs(")</p>\n", f);
        }
        fputs("</div>\n", f);
    }
    more(h, shown, total, "article", "articles");
    fputs("</details>\n", f);
    return ND_OK;
}

static void shorts(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    size_t total = nd_rep_count_shorts(r), shown = 0;
    fprintf(f,
            "<details class=sec id=short%s><summary><h2>Repeated short lines</h2> "
            "<span class=n>%zu %s (lines of fewer than %u words seen twice or more)</span>"
            "</summary>\n",
            total ? " open" : "", total, nd_rep_plural(total, "article", "articles"),
            r->opts.para.short_words);
    for (size_t i = 0; i < r->nrepeats && shown < h->limit; i++) {
        const nd_doc_repeats *rp = &r->repeats[i];
        if (!rp->nshort) continue;
        shown++;
        fputs("<div class=\"item short\"><h3>", f);
        put_doc(h, rp->doc);
        fputs("</h3><table><tr><th>line</th><th>times</th><th>text</th></tr>", f);
        size_t n = rp->nshort < h->limit ? rp->nshort : h->limit;
        for (size_t k = 0; k < n; k++) {
            fprintf(f, "<tr><td class=num>%u</td><td class=num>%u</td><td>",
                    rp->shorts[k].first_line, rp->shorts[k].count);
            esc(f, rp->shorts[k].text);
            fputs("</td></tr>", f);
        }
        fputs("</table>", f);
        more(h, n, rp->nshort, "short line", "short lines");
        fputs("</div>\n", f);
    }
    more(h, shown, total, "article", "articles");
    fputs("</details>\n", f);
}

/* The articles over the Gopher repetition limits (--gopher), each with the measures over
 * their limits. */
static void gopher(html *h)
{
    const nd_scan_result *r = h->r;
    const nd_gopher_opts *g = &r->opts.gopher;
    FILE *f = h->f;
    fprintf(f,
            "<details class=sec id=gopher%s><summary><h2>Over the Gopher repetition limits</h2> "
            "<span class=n>%zu %s over at least one limit (Rae et al. 2021)</span></summary>\n",
            r->ngopher ? " open" : "", r->ngopher,
            nd_rep_plural(r->ngopher, "article", "articles"));
    size_t shown = 0;
    for (size_t d = 0; r->metrics && d < r->ndocs && shown < h->limit; d++) {
        const nd_doc_metrics *m = &r->metrics[d];
        if (!m->over) continue;
        shown++;
        fputs("<div class=\"item gopher\"><h3>", f);
        put_doc(h, (uint32_t)d);
        fputs("</h3><table><tr><th>measure</th><th>value</th><th>limit</th></tr>", f);
        for (unsigned i = 0; i < ND_GOPHER_N; i++)
            if (m->over & (1u << i))
                fprintf(f, "<tr><td>%s</td><td class=num>%.4f</td><td class=num>%.2f</td></tr>",
                        nd_gopher_name(i), m->value[i], g->limit[i]);
        fputs("</table></div>\n", f);
    }
    more(h, shown, r->ngopher, "article", "articles");
    fputs("</details>\n", f);
}

/* Bytes [*from, *to) of line `ln` (1-based) of t; 0 when there is no such line. */
static int find_line(const doc_text *t, uint32_t ln, size_t *from, size_t *to)
{
    size_t pos = 0;
    for (uint32_t l = 1; l < ln; l++) {
        const char *nl = memchr(t->text + pos, '\n', t->len - pos);
        if (!nl) return 0;
        pos = (size_t)(nl - t->text) + 1;
    }
    const char *nl = memchr(t->text + pos, '\n', t->len - pos);
    *from = pos;
    *to = nl ? (size_t)(nl - t->text) : t->len;
    return 1;
}

/* The token range [*a, *e) and bytes [*from, *to) of the line of place pl, loaded (keeping
 * document `keep` loaded); 0 when its text or line is missing (*why says why). */
static nd_status place_line(html *h, const nd_para_place *pl, uint32_t keep, doc_text **t,
                            size_t *from, size_t *to, size_t *a, size_t *e, const char **why)
{
    nd_status st = load(h, pl->doc, keep, t);
    if (st != ND_OK) return st;
    *why = NULL;
    if (!(*t)->text)
        *why = (*t)->why ? (*t)->why : "not available";
    else if (!find_line(*t, pl->line, from, to))
        *why = "no such line";
    if (*why) return ND_OK;
    *to = *from + cut_utf8((*t)->text + *from, *to - *from, LINE_BYTES);
    token_range(*t, *from, *to, a, e);
    return ND_OK;
}

/* The word-bigram set of place pl's line, in out (empty when the line is missing). */
static nd_status place_set(html *h, const nd_para_place *pl, uint32_t keep, nd_u64s *out)
{
    doc_text *t;
    size_t from, to, a, e;
    const char *why;
    out->n = 0;
    nd_status st = place_line(h, pl, keep, &t, &from, &to, &a, &e, &why);
    if (st != ND_OK || why) return st;
    return ngram_set(h, t, a, e - a, SHARED_NGRAM, out);
}

/* One place of a shared paragraph: its article and line, and the line's text with the word
 * bigrams it shares with `other` (the first place's, or the second's for the first) marked. */
static nd_status place(html *h, const nd_para_place *pl, uint32_t keep, const nd_u64s *other)
{
    FILE *f = h->f;
    fputs("<li>", f);
    put_doc(h, pl->doc);
    fprintf(f, ", line %u", pl->line);
    doc_text *t;
    size_t from = 0, to = 0, a = 0, e = 0;
    const char *why;
    nd_status st = place_line(h, pl, keep, &t, &from, &to, &a, &e, &why);
    if (st != ND_OK) return st;
    if (why) {
        fputs(" <span class=why>(text not shown: ", f);
        esc(f, why);
        fputs(")</span></li>", f);
        return ND_OK;
    }
    if ((st = grow_marks(&h->fa, &h->cap_fa, e - a + 1)) != ND_OK) return st;
    if ((st = mark_shared(h, t, a, e - a, SHARED_NGRAM, other, h->fa)) != ND_OK) return st;
    fputs("<div class=txt>", f);
    put_marked(h, t, from, to, a, e, h->fa);
    fputs("</div></li>", f);
    return ND_OK;
}

static nd_status shared(html *h)
{
    const nd_scan_result *r = h->r;
    FILE *f = h->f;
    fprintf(f,
            "<details class=sec id=shared%s><summary><h2>Shared paragraphs</h2> <span "
            "class=n>%zu found in two articles or more, %zu boilerplate (in %zu articles or "
            "more); the words each place shares with the first are <mark>marked</mark>"
            "</span></summary>\n",
            r->nshared ? " open" : "", r->nshared, nd_rep_count_boilerplate(r),
            r->opts.boilerplate_docs);
    size_t shown = r->nshared < h->limit ? r->nshared : h->limit;
    for (size_t i = 0; i < shown; i++) {
        const nd_shared_para *sp = &r->shared[i];
        fprintf(f, "<div class=\"item shared\" id=s%zu><h3>%s in %u articles (%s): &ldquo;", i + 1,
                sp->boilerplate ? "boilerplate" : "passage", sp->ndocs,
                sp->identical ? "identical" : "near-identical");
        esc(f, sp->text);
        fputs("&rdquo;</h3>\n<ol class=places>", f);
        size_t np = sp->nplaces < h->limit ? sp->nplaces : h->limit;
        /* sa: the first place's bigrams; sc: the second's (to mark the first). */
        uint32_t d0 = sp->places[0].doc;
        nd_status st = place_set(h, &sp->places[0], UINT32_MAX, &h->sa);
        if (st == ND_OK && sp->nplaces > 1) st = place_set(h, &sp->places[1], d0, &h->sc);
        if (st != ND_OK) return st;
        for (size_t k = 0; k < np; k++) {
            if (k < PLACE_TEXTS) {
                st = place(h, &sp->places[k], d0, k == 0 ? &h->sc : &h->sa);
                if (st != ND_OK) return st;
            } else {
                fputs("<li>", f);
                put_doc(h, sp->places[k].doc);
                fprintf(f, ", line %u</li>", sp->places[k].line);
            }
        }
        fputs("</ol>\n", f);
        more(h, np, sp->nplaces, "place", "places");
        fputs("</div>\n", f);
    }
    more(h, shown, r->nshared, "shared paragraph", "shared paragraphs");
    fputs("</details>\n", f);
    return ND_OK;
}

/* What was skipped, and the warnings (all of them: each one is a line of the input). */
static void diags(html *h, const char *id, const char *title, const nd_skip *v, size_t n)
{
    FILE *f = h->f;
    if (!n) return;
    fprintf(f,
            "<details class=sec id=%s><summary><h2>%s</h2> <span class=n>%zu</span></summary>"
            "\n<table>",
            id, title, n);
    size_t shown = n < h->limit ? n : h->limit;
    for (size_t i = 0; i < shown; i++) {
        fputs("<tr><td>", f);
        esc(f, v[i].path);
        if (v[i].line != ND_NO_LINE) fprintf(f, ":%llu", (unsigned long long)v[i].line);
        fputs("</td><td>", f);
        esc(f, v[i].message);
        fputs("</td></tr>", f);
    }
    fputs("</table>\n", f);
    more(h, shown, n, "line", "lines");
    fputs("</details>\n", f);
}

static void footer(html *h)
{
    const nd_scan_result *r = h->r;
    fprintf(h->f,
            "<p class=n>neardup %s: %u-word shingles, %u permutations, jaccard &ge; %.2f, %u "
            "bands &times; %u rows, %s verification; paragraphs by %s, short below %u words, "
            "paragraph jaccard &ge; %.2f; at most %zu %s per section "
            "(<code>--limit</code>).</p>\n",
            nd_version(), r->opts.ngram, r->opts.perms, r->opts.threshold, r->lsh.bands,
            r->lsh.rows, r->opts.verify_estimate ? "estimated" : "exact",
            r->opts.para.mode == ND_PARA_BLOCK ? "blank-line block" : "line",
            r->opts.para.short_words, r->opts.para.threshold,
            h->limit == SIZE_MAX ? r->ndocs : h->limit,
            nd_rep_plural(h->limit == SIZE_MAX ? r->ndocs : h->limit, "entry", "entries"));
}

static void html_clear(html *h)
{
    nd_reader_free(h->reader);
    nd_decoder_free(h->dec);
    nd_normalizer_free(h->nz);
    for (unsigned i = 0; i < 2; i++)
        doc_text_clear(&h->cache[i]);
    nd_u64s_clear(&h->sa);
    nd_u64s_clear(&h->sb);
    nd_u64s_clear(&h->sc);
    nd_u64s_clear(&h->scratch);
    nd_free(h->fa);
    nd_free(h->fb);
}

nd_status nd_rep_write_html(const nd_scan_result *r, size_t limit, FILE *f)
{
    html h;
    memset(&h, 0, sizeof h);
    h.r = r;
    h.f = f;
    h.limit = limit;
    h.cache[0].doc = h.cache[1].doc = UINT32_MAX;
    nd_status st = nd_decoder_create(&r->opts.decode, &h.dec);
    if (st == ND_OK) st = nd_normalizer_create(&h.nz);
    if (st != ND_OK) goto out;
    unsigned parts = r->opts.parts;
    head(&h);
    header(&h);
    summary(&h);
    if (parts & ND_PART_GROUPS) st = groups(&h);
    if (st == ND_OK && (parts & ND_PART_BLOCKS)) st = blocks(&h);
    if (st == ND_OK && (parts & ND_PART_SHORT)) shorts(&h);
    if (st == ND_OK && (parts & ND_PART_SHARED)) st = shared(&h);
    if (st != ND_OK) goto out;
    if (r->opts.gopher.enabled) gopher(&h);
    diags(&h, "skipped", "Skipped input", r->skipped, r->nskipped);
    diags(&h, "warnings", "Warnings", r->warnings, r->nwarnings);
    footer(&h);
    fputs("</main>\n<script>", f);
    fputs(JS, f);
    fputs("</script>\n</body>\n</html>\n", f);
out:
    html_clear(&h);
    return st;
}
