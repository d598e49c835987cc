# gopher.sh - the Gopher repetition measures (--parts metrics) and flags (--gopher) against
# an independent implementation in Python (gopher_ref.py, written from the paper and
# datatrove's definitions), value for value, exactly (the JSON carries each double's shortest
# round-trip decimal): on the seeds, on a corpus truth_corpus.py writes, on texts made for the
# edge cases (CRLF, blank lines, leading and trailing newlines and Unicode white space, ties,
# texts of one to four words, pages twice, flattened ones), and on ../shared/data when it is
# there. The flags at the published limits and at changed ones; the TSV records carry the
# same values; the text report lists the articles over the limits; metrics are null when not
# asked; bad --gopher-limits are usage errors.
. "$(dirname "$0")/lib.sh"

need python3
cd "$ND_SOURCE_DIR" || die "cannot cd to $ND_SOURCE_DIR"

# compare.py REPORT.json LIMITS TEXTS...: every measure and flag of the report against
# gopher_ref.py on the texts (a .jsonl: its records' "text" by "id"; a directory: its .txt
# files by path). LIMITS: "default" or NAME=VALUE,... (VALUE "off"). Prints "docs N", then
# each difference.
cat >"$TMP/compare.py" <<'EOF'
import glob, json, os, sys
sys.path.insert(0, os.environ["ND_E2E_DIR"])
import gopher_ref as g
report, limits_arg, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
limits = dict(g.LIMITS)
if limits_arg != "default":
    for kv in limits_arg.split(","):
        k, v = kv.split("=")
        limits[k] = None if v == "off" else float(v)
texts = {}
for src in sources:
    if src.endswith(".jsonl"):
        for line in open(src, encoding="utf-8"):
            if line.strip():
                r = json.loads(line)
                texts[r["id"]] = r["text"]
    else:
        for p in sorted(glob.glob(os.path.join(src, "*.txt"))):
            texts[p] = open(p, encoding="utf-8", newline="").read()
d = json.load(open(report, encoding="utf-8"))
assert d["options"]["parts"][-1] == "metrics", d["options"]["parts"]
gopt = d["options"]["gopher"]
for k in g.NAMES:
    assert gopt[k] == limits[k], (k, gopt[k], limits[k])
print("docs", len(d["metrics"]))
assert len(d["metrics"]) == len(texts) == d["summary"]["documents"], (len(texts), d["summary"])
bad, flagged = 0, 0
for e in d["metrics"]:
    ref = g.measures(texts[e["id"]])
    for k in ["chars", "lines", "paragraphs"] + g.NAMES:
        if e[k] != ref[k]:
            bad += 1
            print("differs", e["id"], k, e[k], ref[k])
    want = g.flags(ref, limits)
    flagged += bool(want)
    if e["gopher"] != want:
        bad += 1
        print("flags", e["id"], e["gopher"], want)
if d["summary"]["gopher_flagged"] != flagged:
    print("summary.gopher_flagged", d["summary"]["gopher_flagged"], flagged)
EOF
ND_E2E_DIR=$ND_E2E_DIR
export ND_E2E_DIR

# check_metrics WHAT LIMITS SOURCES...: scans SOURCES with --gopher (and LIMITS unless
# "default"), then compares (above).
check_metrics() {
    cm_what=$1
    cm_limits=$2
    shift 2
    if [ "$cm_limits" = default ]; then
        nd scan -q --parts metrics --gopher -f json "$@"
    else
        nd scan -q --parts metrics --gopher-limits "$cm_limits" -f json "$@"
    fi
    expect_status 0
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 "$TMP/compare.py" "$ND_OUT" "$cm_limits" "$@" >"$TMP/cmp" 2>&1; then
        fail "$cm_what: cannot compare: $(tail -n 1 "$TMP/cmp")"
    elif [ "$(wc -l <"$TMP/cmp")" -gt 1 ]; then
        fail "$cm_what: the measures differ from gopher_ref.py:"
        sed -n '2,11p' "$TMP/cmp" | sed 's/^/    | /'
    else
        note "$cm_what: $(cat "$TMP/cmp") documents, every measure and flag as gopher_ref.py"
    fi
}

# ---- the edge cases, made here ----------------------------------------------------------

python3 - "$TMP/edge.jsonl" <<'EOF'
import json, sys
seed = open("data/000_beebcc9d70568a44.txt", encoding="utf-8").read()
body = seed.strip().split("\n")
cases = {
    "hand": "a b a b\na b a b\n\nx y\n",
    "crlf": "x y\r\nx y\r\n",
    "newlines": "\na\n\na\n",
    "spaces": "\u3000a b\n\n\na b\u00a0",
    "one-word": "Hello",
    "two-words": "Hello there",
    "three": "\u00c9a, b\u00e9: c!",
    "four": "satu dua tiga empat",
    "tie": "a bb a bb c d c d",
    "fold": "Dua DUA dua \ufb01",
    "seed-twice": seed + seed,
    "seed-flat-twice": " ".join(body) + " " + " ".join(body),
    "seed-paragraphs": "\n\n".join(body + body[:5]),
    "seed-crlf": seed.replace("\n", "\r\n"),
    "widget": "\n".join(["Baca juga"] * 12 + body[:3]),
    "numbers": " ".join(str(i % 7) for i in range(400)),
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for k, v in cases.items():
        f.write(json.dumps({"id": k, "text": v}) + "\n")
EOF
check_metrics "edge cases" default "$TMP/edge.jsonl"
check_metrics "seeds" default data
python3 "$ND_E2E_DIR/truth_corpus.py" --seed 11 --families 60 --singles 80 "$TMP/corpus" \
    >"$TMP/gen.log" 2>&1 || die "truth_corpus.py failed: $(cat "$TMP/gen.log")"
check_metrics "generated corpus" default "$TMP/corpus/docs.jsonl"
check_metrics "changed limits" "dup_line_frac=0.05,top_2_gram=off,duplicated_5_n_grams=0" \
    "$TMP/edge.jsonl"
if [ -d "$ND_SHARED_DIR/data" ]; then
    for c in "$ND_SHARED_DIR"/data/*/docs.jsonl; do
        check_metrics "$(basename "$(dirname "$c")")" default "$c"
    done
else
    note "no $ND_SHARED_DIR/data: the shared corpora are not compared"
fi

# ---- the reports ----------------------------------------------------------------------------

# TSV: one metrics record per document, 19 fields, the JSON's values (decimals alike).
nd scan --parts metrics --gopher -f json "$TMP/edge.jsonl"
save edge.json
nd scan --parts metrics --gopher -f tsv "$TMP/edge.jsonl"
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
python3 - "$TMP/edge.json" "$ND_OUT" >"$TMP/tsv.out" 2>&1 <<'EOF' || fail "TSV: $(tail -n 1 "$TMP/tsv.out")"
import json, sys
sys.path.insert(0, __import__("os").environ["ND_E2E_DIR"])
import gopher_ref as g
d = json.load(open(sys.argv[1], encoding="utf-8"))
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")]
assert len(rows) == len(d["metrics"]), (len(rows), len(d["metrics"]))
for r, e in zip(rows, d["metrics"]):
    assert len(r) == 19 and r[0] == "metrics" and r[1] == e["id"], r
    assert [int(x) for x in r[2:5]] == [e["chars"], e["lines"], e["paragraphs"]], r
    for x, k in zip(r[5:18], g.NAMES):
        assert (x == "-" and e[k] is None) or float(x) == e[k], (r[1], k, x, e[k])
    assert r[18] == (",".join(e["gopher"]) or "ok"), r
EOF

# Text: the articles over the limits, then the count.
nd scan --parts metrics --gopher "$TMP/edge.jsonl"
expect_status 0
expect_stdout_contains "over the Gopher repetition limits:"
expect_stdout_contains "  hand ($TMP/edge.jsonl:1): dup_line_char_frac 0.3333 > 0.20, top_2_gram 0.5714 > 0.20"
expect_summary "16 documents read, 0 skipped; repetition measures of 16 articles ("

# Not asked: null; asked without --gopher: values, no flags.
nd scan -f json data/
expect_json "assert d['metrics'] is None and d['options']['gopher'] is None, d['options']
assert s['gopher_flagged'] is None and 'metrics' not in d['options']['parts'], s"
nd scan -f json --parts metrics data/
expect_json "assert len(d['metrics']) == 4 and d['options']['gopher'] is None, d['options']
assert all(e['gopher'] is None for e in d['metrics']) and s['gopher_flagged'] is None, s
assert d['repeats'] is None and d['groups'] is None, d['options']['parts']"
nd scan -f tsv --parts metrics data/
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(cut -f 19 "$ND_OUT" | sort -u)" = "-" ] || fail "TSV gopher field without --gopher is not '-'"
nd scan -f json --gopher data/
expect_json "assert d['options']['parts'] == ['groups', 'blocks', 'short', 'shared', 'metrics'], d['options']
assert s['gopher_flagged'] == 2, s"

# Bad limits.
nd scan --gopher-limits dup_line_frac=2 data/
expect_status 2
expect_stderr_contains "--gopher-limits"
nd scan --gopher-limits top_5_gram=0.1 data/
expect_status 2
expect_stderr_contains "'top_5_gram=0.1' is not NAME=VALUE"
nd scan --gopher-limits dup_line_frac data/
expect_status 2
nd scan --parts metrics,bogus data/
expect_status 2

finish
