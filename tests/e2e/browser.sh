# browser.sh - the HTML report in a real browser (headless Chromium, Debian's `chromium`):
# reports of the seeds (data/ plus a near-copy of one seed, so that there is a group) and of
# a shared corpus ($ND_SHARED_DIR/data/detik_id, skipped with a note when absent) are
# loaded; their script must run (data-ready) with no error and nothing on the console; the
# DOM must hold the groups, blocks and shared paragraphs the JSON report of the same scan
# counts (up to the limit), marked shared n-grams inside each group, both copies of the
# doubled blocks, the folded headlines; a #q= link must filter the entries. A screenshot
# of each is taken into $ND_SCREENSHOT_DIR (default $ND_BUILD_DIR/screenshots; the README's
# are in docs/). Skipped, saying why, where chromium is not installed.
. "$(dirname "$0")/lib.sh"
need python3
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "chromium is not installed (Debian package 'chromium', which .ci/deps.sh installs)"

SHOTS=${ND_SCREENSHOT_DIR:-${ND_BUILD_DIR:-$TMP}/screenshots}
mkdir -p "$SHOTS" || die "cannot make $SHOTS"
cd "$TMP" || die "cannot cd to $TMP"

# chrome ARGS...: headless Chromium with a fresh profile and no network use of its own.
chrome() {
    profile=$(mktemp -d "$TMP/profile.XXXXXX")
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-quic --disable-extensions --user-data-dir="$profile" \
        --enable-logging=stderr --v=0 "$@"
}

# check_page NAME REPORT.html REPORT.json [CHECKS...]: loads the page (and with #q=QUERY),
# checks the DOM against the JSON report, takes a screenshot NAME.png.
check_page() {
    name=$1 page=$2 json=$3
    shift 3
    ND_CHECKS=$((ND_CHECKS + 1))
    ND_CMD="chromium --dump-dom $page"
    chrome --virtual-time-budget=10000 --dump-dom "file://$page" >"$TMP/$name.dom" 2>"$TMP/$name.log"
    chrome --virtual-time-budget=10000 --dump-dom "file://$page#q=$QUERY" >"$TMP/$name.q.dom" 2>>"$TMP/$name.log"
    if ! python3 - "$TMP/$name.dom" "$TMP/$name.q.dom" "$json" "$TMP/$name.log" "$LIMIT" "$@" \
        >"$TMP/$name.check" 2>&1 <<'PY'; then
import json, re, sys
from html.parser import HTMLParser

dom_path, qdom_path, json_path, log_path, limit = sys.argv[1:6]
extra = sys.argv[6:]
limit = int(limit)

class Page(HTMLParser):
    """Counts elements by class, remembers the <html> attributes and the text."""
    def __init__(self):
        super().__init__()
        self.root = {}
        self.items = {}      # kind -> number of .item elements
        self.visible = {}    # kind -> .item elements without .hidden
        self.marks_in_groups = 0
        self.copies = set()
        self.stack = []
        self.text = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "html":
            self.root = a
        if "item" in cls:
            kind = [c for c in cls if c not in ("item", "hidden")][0]
            self.items[kind] = self.items.get(kind, 0) + 1
            if "hidden" not in cls:
                self.visible[kind] = self.visible.get(kind, 0) + 1
        if tag == "mark" and any("group" in c for c in self.stack):
            self.marks_in_groups += 1
        for c in ("c1", "c2"):
            if c in cls:
                self.copies.add(c)
        if tag not in ("meta", "input", "br", "link"):
            self.stack.append(" ".join(cls))
    def handle_endtag(self, tag):
        if self.stack and tag not in ("meta", "input", "br", "link"):
            self.stack.pop()
    def handle_data(self, d):
        self.text.append(d)

def load(path):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.text = "".join(p.text)
    return p

page, qpage = load(dom_path), load(qdom_path)
report = json.load(open(json_path, encoding="utf-8"))
s = report["summary"]
fails = []
def check(cond, msg):
    if not cond:
        fails.append(msg)

for p, what in ((page, "page"), (qpage, "page#q=")):
    check(p.root.get("data-ready") == "1", "%s: its script did not finish (no data-ready)" % what)
    check("data-errors" not in p.root, "%s: %s script errors" % (what, p.root.get("data-errors")))
console = [l for l in open(log_path, encoding="utf-8", errors="replace") if ":CONSOLE" in l]
check(not console, "console messages: %s" % console[:3])

def shown(n):
    return min(n, limit)
groups = s["groups"] or 0
blocks = s["doubled_block_articles"] or 0
shared = s["shared_paragraphs"] or 0
check(page.items.get("group", 0) == shown(groups),
      "groups: %d in the DOM, %d in the JSON report" % (page.items.get("group", 0), groups))
check(page.items.get("block", 0) == shown(blocks),
      "doubled blocks: %d in the DOM, %d in the JSON report" % (page.items.get("block", 0), blocks))
check(page.items.get("shared", 0) == shown(shared),
      "shared paragraphs: %d in the DOM, %d in the JSON report" % (page.items.get("shared", 0), shared))
gopher = s.get("gopher_flagged") or 0
check(page.items.get("gopher", 0) == shown(gopher),
      "Gopher flags: %d in the DOM, %d in the JSON report" % (page.items.get("gopher", 0), gopher))
for kind, n in page.items.items():
    check(page.visible.get(kind, 0) == min(n, 25), "%s: %d of %d shown on the first page" %
          (kind, page.visible.get(kind, 0), n))
if groups:
    check(page.marks_in_groups > 0, "no shared n-gram marked inside a group")
    for g in report["groups"][:3]:
        for m in g["members"][:2]:
            check(m["id"] in page.text, "member %s of a group is not on the page" % m["id"])
if blocks:
    check(page.copies == {"c1", "c2"}, "both copies of a doubled block are not marked: %s" % page.copies)
for text in extra:
    check(text in page.text, "the page does not show %r" % text)
# #q=: only matching entries are shown, and at least one.
total_visible = sum(qpage.visible.values())
check(0 < total_visible < sum(page.visible.values()) or sum(page.visible.values()) <= 1,
      "#q= shows %d entries (unfiltered page: %d)" % (total_visible, sum(page.visible.values())))
print("%s: %s; %d marks in groups; #q= shows %d" % (json_path.split("/")[-1], page.items,
      page.marks_in_groups, total_visible))
for f in fails:
    print("FAIL " + f)
sys.exit(1 if fails else 0)
PY
        fail "the $name page in Chromium:"
        sed 's/^/    /' "$TMP/$name.check"
        grep -i -e console -e error "$TMP/$name.log" | grep -v -e dbus -e 'D-Bus' | head -n 5 | sed 's/^/    log: /'
    else
        note "$(cat "$TMP/$name.check")"
    fi
    ND_CHECKS=$((ND_CHECKS + 1))
    ND_CMD="chromium --screenshot $page"
    rm -f "$SHOTS/$name.png"
    (cd "$SHOTS" && chrome --window-size=1280,1600 --hide-scrollbars --virtual-time-budget=10000 \
        --screenshot="$SHOTS/$name.png" "file://$page$SHOT_HASH" >/dev/null 2>&1)
    size=$(wc -c <"$SHOTS/$name.png" 2>/dev/null || echo 0)
    if [ "$size" -lt 20000 ]; then
        fail "no screenshot of the $name page ($size bytes)"
    else
        note "screenshot: $SHOTS/$name.png ($size bytes)"
    fi
}

# The seeds: data/ and a near-copy of the first seed (a group of two).
mkdir seeds && cp "$ND_SEEDS"/*.txt seeds/ && edit_words <"$ND_SEED" >seeds/000_copy.txt
LIMIT=500
nd scan -o seeds.html seeds
expect_status 0
nd scan -f json seeds
expect_status 0
cp "$ND_OUT" seeds.json
QUERY=Raja SHOT_HASH="" check_page report-seeds "$TMP/seeds.html" "$TMP/seeds.json" \
    "15 headlines each printed twice" "representative" "jaccard 0.9449"

# A page flattened onto one line with its body twice (a run repeated inside a paragraph,
# the only repeat of that article), beside seed 002, with the Gopher flags: each run shows
# both its copies, and every flagged article is listed.
mkdir runs && cp "$ND_SEEDS"/002_*.txt runs/ || die "cannot copy seed 002"
body=$(tr '\n' ' ' <"$ND_SEED")
printf '%s %s\n' "$body" "$body" >runs/flat.txt
nd scan --gopher -o runs.html runs
expect_status 0
nd scan --gopher -f json runs
expect_status 0
cp "$ND_OUT" runs.json
QUERY=flat SHOT_HASH="" check_page report-runs "$TMP/runs.html" "$TMP/runs.json" \
    "words 535–1068" "repeat as words 535–1068" "Over the Gopher repetition limits" \
    "duplicated_5_n_grams" "2 over the Gopher limits"

# A shared corpus: real news, with boilerplate.
corpus=$ND_SHARED_DIR/data/detik_id/docs.jsonl
if [ -f "$corpus" ]; then
    # Run from the corpus's directory, so the page names it as a reader would: docs.jsonl.
    cd "$(dirname "$corpus")" || die "cannot cd to $(dirname "$corpus")"
    nd scan -o "$TMP/detik.html" docs.jsonl
    expect_status 0
    nd scan -f json docs.jsonl
    expect_status 0
    cd "$TMP" || die "cannot cd to $TMP"
    cp "$ND_OUT" detik.json
    QUERY=SCROLL SHOT_HASH="" check_page report-detik_id "$TMP/detik.html" "$TMP/detik.json" \
        "SCROLL TO CONTINUE WITH CONTENT"
else
    note "skipped: $corpus not found (the shared corpus; the seeds were checked)"
fi

finish
