# wrapped.sh - --paragraphs auto (the default) on hard-wrapped text: the sample batch
# (scraped: one paragraph per line) wrapped here at 90 columns (Python's textwrap, blank
# lines between paragraphs) must give the same findings as the batch itself, at the wrapped
# files' lines: 001's doubled body, 002's doubled headlines and its caption twice in one
# paragraph, the short lines, and the three
# quotes 000 (lines 7, 8, 18) shares with 001. Each document is judged alone: a wrapped 000
# next to the unwrapped 001 still shares its quotes. Read by line, the wrapped batch loses
# them (which is what auto is for). The batch as it is stays read by line.
. "$(dirname "$0")/lib.sh"

need python3
cd "$ND_SOURCE_DIR" || die "cannot cd to $ND_SOURCE_DIR"
mkdir -p "$TMP/w" "$TMP/mixed" || die "cannot make directories"

# wrap.py IN OUT MAP: OUT is IN with each non-empty line wrapped at 90 columns and a blank
# line between them; MAP gets "LINE FIRST LAST" per non-empty line of IN: the lines of OUT
# it became.
cat >"$TMP/wrap.py" <<'EOF'
import sys, textwrap
src = open(sys.argv[1], encoding="utf-8").read().split("\n")
out, m, n = [], [], 0
for i, line in enumerate(src, 1):
    if not line.strip():
        continue
    if out:
        out.append("")
        n += 1
    w = textwrap.wrap(line.strip(), 90)
    m.append("%d %d %d" % (i, n + 1, n + len(w)))
    out.extend(w)
    n += len(w)
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
open(sys.argv[3], "w", encoding="utf-8").write("\n".join(m) + "\n")
EOF
for f in data/*.txt; do
    b=$(basename "$f")
    python3 "$TMP/wrap.py" "$f" "$TMP/w/$b" "$TMP/$b.map" || die "cannot wrap $f"
done
cp "$TMP/w/000_beebcc9d70568a44.txt" "$TMP/mixed/000.txt"
cp data/001_038cac575548727a.txt "$TMP/mixed/001.txt"

# mapped TSV: the TSV report of data/ with every place moved to the wrapped files: ids
# data/X -> w/X, a line to the first wrapped line of its paragraph, the end of a range to
# the last.
mapped() {
    python3 - "$1" "$TMP" <<'EOF'
import sys
rep, tmp = sys.argv[1], sys.argv[2]
maps = {}
def line(doc, n, last=False):
    b = doc.split("/")[-1]
    if b not in maps:
        maps[b] = {int(a): (int(f), int(l)) for a, f, l in
                   (x.split() for x in open("%s/%s.map" % (tmp, b)))}
    return maps[b][n][1 if last else 0]
for rec in open(rep, encoding="utf-8"):
    c = rec.rstrip("\n").split("\t")
    d = c[1] if c[0] in ("block", "run", "short") else c[4]
    nd = "w/" + d.split("/")[-1]
    if c[0] == "block":
        a1, a2 = map(int, c[2].split("-"))
        b1, b2 = map(int, c[3].split("-"))
        c[2] = "%d-%d" % (line(d, a1), line(d, a2, True))
        c[3] = "%d-%d" % (line(d, b1), line(d, b2, True))
        c[1] = nd
    elif c[0] in ("run", "short"):
        c[2] = str(line(d, int(c[2])))
        c[1] = nd
    elif c[0] == "shared":
        c[5] = str(line(d, int(c[5])))
        c[4] = nd
    print("\t".join(c))
EOF
}

# The batch as it is: by line, nothing hard-wrapped.
nd scan -f tsv data/
expect_status 0
expect_stderr_empty
save plain.tsv
nd scan -f json data/
expect_json "assert s['hard_wrapped'] == 0 and d['options']['paragraphs'] == 'auto', s"

# Wrapped: the same records at the wrapped lines.
mapped "$TMP/plain.tsv" >"$TMP/want.tsv" || die "cannot map the report"
cd "$TMP" || die "cannot cd to $TMP"
nd scan -f tsv w/
expect_status 0
expect_stderr_empty
expect_stdout_file "$TMP/want.tsv"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(grep -c '^shared' "$ND_OUT")" -ge 9 ] || fail "fewer than three shared quotes (9 places)"
# The places of the quotes, spelled out: 000's lines 7, 8, 18 and 001's 11, 15, 21, 25, at
# the first wrapped line of each.
for place in 000_beebcc9d70568a44:7 000_beebcc9d70568a44:8 000_beebcc9d70568a44:18 \
    001_038cac575548727a:11 001_038cac575548727a:15 001_038cac575548727a:21 \
    001_038cac575548727a:25; do
    doc=${place%:*}
    want=$(awk -v l="${place#*:}" '$1 == l { print $2 }' "$TMP/$doc.txt.map")
    ND_CHECKS=$((ND_CHECKS + 1))
    awk -F '\t' -v d="w/$doc.txt" -v l="$want" '$1 == "shared" && $5 == d && $6 == l { f = 1 }
        END { exit !f }' "$ND_OUT" || fail "no shared place w/$doc.txt:$want (was line ${place#*:})"
done
nd scan -f json w/
expect_status 0
expect_json "
assert s['hard_wrapped'] == 4 and s['shared_paragraphs'] == 3, s
assert s['doubled_bodies'] == 1 and s['doubled_block_articles'] == 2, s
r = {x['id']: x for x in d['repeats']}
a = r['w/001_038cac575548727a.txt']
assert (a['words'], a['repeated_words'], a['doubled']) == (794, 376, True), a"
nd scan w/
expect_stdout_contains "paragraphs auto (4 hard-wrapped by block)"
save text
nd scan --threads 1 w/
expect_file_same "$TMP/text" "$ND_OUT" "the wrapped batch with --threads 1"

# One document wrapped, the other not: each is read as it is, and they share the quotes.
nd scan -f tsv --parts shared mixed/
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
python3 - "$ND_OUT" "$TMP/000_beebcc9d70568a44.txt.map" >"$TMP/mixed.out" 2>&1 <<'EOF' ||
import sys
m = {int(a): int(f) for a, f, _ in (x.split() for x in open(sys.argv[2]))}
got = sorted((c[4], int(c[5])) for c in (l.rstrip("\n").split("\t") for l in open(sys.argv[1])))
want = sorted([("mixed/000.txt", m[7]), ("mixed/000.txt", m[8]), ("mixed/000.txt", m[18])] +
              [("mixed/001.txt", n) for n in (11, 21, 11, 21, 15, 25)])
assert got == want, (got, want)
EOF
    fail "the mixed batch does not share the three quotes: $(tail -n 1 "$TMP/mixed.out")"

# Forced by line, the wrapped batch loses quotes: its sentences are cut at every line end.
nd scan -f tsv --paragraphs line w/
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
if cmp -s "$TMP/want.tsv" "$ND_OUT"; then
    fail "--paragraphs line finds what auto finds on the wrapped batch"
fi
nd scan --paragraphs line w/
expect_stdout_contains "paragraphs by line, short"

finish
