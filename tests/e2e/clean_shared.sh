# clean_shared.sh - `clean` then `restore` gives back every corpus of ../shared/data byte
# for byte, with every removal asked for (groups, blocks, short, boilerplate), and the
# kept records are the input's records, each unchanged or repaired inside its text only.
# Skipped (exit 77) when the shared corpora are not there; clean_generated.sh covers the
# same on generated trees and always runs.
. "$(dirname "$0")/lib.sh"
need python3

[ -d "$ND_SHARED_DIR/data" ] || skip "no shared corpora in $ND_SHARED_DIR/data"
n=0
for corpus in "$ND_SHARED_DIR"/data/*/docs.jsonl; do
    [ -f "$corpus" ] || continue
    name=$(basename "$(dirname "$corpus")")
    n=$((n + 1))
    mkdir "$TMP/$name" && cp "$corpus" "$TMP/$name/docs.jsonl" || die "cannot copy $corpus"
    (cd "$TMP" && "$NEARDUP" clean -q -f tsv --remove all -o "out-$name" "$name") \
        >"$TMP/tsv" 2>"$TMP/err"
    ND_STATUS=$?
    ND_CMD="neardup clean --remove all -o out-$name $name"
    expect_status 0
    ND_CHECKS=$((ND_CHECKS + 1))
    python3 - "$TMP/$name/docs.jsonl" "$TMP/out-$name/kept/$name/docs.jsonl" \
        "$TMP/out-$name/removed.jsonl" >"$TMP/py.out" 2>&1 <<'PY' || { fail "$name:"; show "$TMP/py.out"; }
import json, sys
orig = {}
for l in open(sys.argv[1], "rb"):
    if l.strip():
        d = json.loads(l)
        orig[d["id"]] = (l, d)
kept = [l for l in open(sys.argv[2], "rb") if l.strip()]
blank = lambda p: sum(1 for l in open(p, "rb") if not l.strip())
assert blank(sys.argv[2]) == blank(sys.argv[1]), "a removed record left its line break"
removed = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
dups = {e["id"] for e in removed if e["kind"] == "duplicate"}
assert len(kept) + len(dups) == len(orig), (len(kept), len(dups), len(orig))
for l in kept:
    d = json.loads(l)
    ol, od = orig[d["id"]]
    assert d["id"] not in dups
    assert {k: v for k, v in d.items() if k != "text"} == {k: v for k, v in od.items() if k != "text"}
    if l != ol:  # repaired: its lines a subsequence of the original's
        it = iter(od["text"].split("\n"))
        kl = d["text"].rstrip("\n").split("\n") if d["text"].rstrip("\n") else []
        assert all(any(x == y for y in it) for x in kl), d["id"]
for e in removed:
    if e["kind"] == "duplicate":
        assert e["reason"]["jaccard"] >= 0.8 and e["reason"]["kept"] not in dups, e["reason"]
print(len(kept), len(dups), len(removed))
PY
    (cd "$TMP" && "$NEARDUP" restore "out-$name" "back-$name") >"$TMP/out" 2>&1
    ND_STATUS=$?
    ND_CMD="neardup restore out-$name back-$name"
    expect_status 0
    expect_file_same "$corpus" "$TMP/back-$name/$name/docs.jsonl" "restored $name"
    note "$name: $(cat "$TMP/py.out") (kept, duplicates, entries), restored byte for byte"
    rm -rf "$TMP/out-$name" "$TMP/back-$name" "$TMP/$name"
done
[ "$n" -gt 0 ] || skip "no corpus in $ND_SHARED_DIR/data"
finish
