# doubled_truth.sh - doubled bodies against the ground truth of every corpus in
# $ND_SHARED_DIR/data: the ids the JSON report marks "doubled": true (with --parts blocks)
# against the rows of internal_repeats.tsv whose `doubled` column (the sixth; a header line
# first) is 1 ("at least 40% of the tokens are repeats"). Precision and recall must both be
# >= 0.95 over all corpora pooled, and for each corpus whose truth has at least 5 doubled
# documents (fewer make a ratio meaningless; they still count in the pooled figures).
# Every corpus is clean input: exit 0, nothing on stderr. Also checks the JSON's own
# consistency: "doubled" is repeated_words >= 0.4 * words. Where a corpus has provenance
# (truth.tsv, the synthetic one: its `doubled_body` column, and `ops`, which say how each
# copy was made), recall must be exactly 1: every doubled body is found, and so is every
# one flattened onto a single line (`format(flatten)`: found as a run of words repeated
# inside the line), of which there must be at least one.
. "$(dirname "$0")/lib.sh"

need python3
MIN_P=0.95
MIN_R=0.95
MIN_TRUTH=5  # doubled documents a corpus needs to be scored alone

# score.py REPORT.json internal_repeats.tsv: prints "tp fp fn" and then the ids missed
# ("miss ID") and wrongly flagged ("false ID"), or fails with a message.
cat >"$TMP/score.py" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
found = set()
for r in d["repeats"]:
    want = r["repeated_words"] >= 0.4 * r["words"] and r["words"] > 0
    assert r["doubled"] == want, ("doubled flag disagrees with its counts", r["id"],
                                  r["words"], r["repeated_words"])
    if r["doubled"]:
        found.add(r["id"])
truth = set()
with open(sys.argv[2], encoding="utf-8") as f:
    head = f.readline().rstrip("\n").split("\t")
    assert len(head) >= 6 and head[0] == "doc_id" and head[5] == "doubled", head
    for line in f:
        c = line.rstrip("\n").split("\t")
        assert c[5] in ("0", "1"), c
        if c[5] == "1":
            truth.add(c[0])
print(len(found & truth), len(found - truth), len(truth - found))
for i in sorted(truth - found):
    print("miss", i)
for i in sorted(found - truth):
    print("false", i)
EOF

# ratio A B: A / B with four decimals, 1.0000 when B is 0 (nothing claimed, nothing to find).
# provenance.py REPORT.json truth.tsv: "doubled D flattened F missed M", then "miss ID"
# per doubled body not flagged.
cat >"$TMP/provenance.py" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    found = {r["id"] for r in json.load(f)["repeats"] if r["doubled"]}
doubled, flat = set(), set()
with open(sys.argv[2], encoding="utf-8") as f:
    head = f.readline().rstrip("\n").split("\t")
    col, ops = head.index("doubled_body"), head.index("ops")
    for line in f:
        c = line.rstrip("\n").split("\t")
        if c[col] == "1":
            doubled.add(c[0])
            if "format(flatten)" in c[ops]:
                flat.add(c[0])
print("doubled %d flattened %d missed %d" % (len(doubled), len(flat), len(doubled - found)))
for i in sorted(doubled - found):
    print("miss", i, "(flattened)" if i in flat else "")
EOF

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", b ? a / b : 1 }'
}

# at_least X MIN: X >= MIN.
at_least() {
    awk -v x="$1" -v m="$2" 'BEGIN { exit !(x >= m) }'
}

ncorpora=0
TP=0
FP=0
FN=0
for dir in "$ND_SHARED_DIR"/data/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    if [ ! -f "$dir/docs.jsonl" ] || [ ! -f "$dir/internal_repeats.tsv" ]; then
        continue
    fi
    ncorpora=$((ncorpora + 1))
    nd scan -q --parts blocks -f json "$dir/docs.jsonl"
    expect_status 0
    expect_stderr_empty
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 "$TMP/score.py" "$ND_OUT" "$dir/internal_repeats.tsv" >"$TMP/score" 2>&1; then
        fail "$name: cannot score the report: $(tail -n 1 "$TMP/score")"
        continue
    fi
    read -r tp fp fn <"$TMP/score"
    TP=$((TP + tp))
    FP=$((FP + fp))
    FN=$((FN + fn))
    p=$(ratio "$tp" $((tp + fp)))
    r=$(ratio "$tp" $((tp + fn)))
    note "$(printf '%-20s precision %s recall %s (found %d, true %d, both %d)' "$name" "$p" "$r" \
        $((tp + fp)) $((tp + fn)) "$tp")"
    awk -v t="$ND_TEST" '$1 == "miss" || $1 == "false" { print t ":       " $0 }' "$TMP/score"
    if [ -f "$dir/truth.tsv" ]; then
        ND_CHECKS=$((ND_CHECKS + 1))
        if ! python3 "$TMP/provenance.py" "$ND_OUT" "$dir/truth.tsv" >"$TMP/prov" 2>&1; then
            fail "$name: cannot read the provenance: $(tail -n 1 "$TMP/prov")"
        else
            read -r _ pd _ pf _ pm <"$TMP/prov"
            note "$(printf '%-20s provenance: %d doubled bodies (%d flattened onto one line), %d missed' \
                "$name" "$pd" "$pf" "$pm")"
            if [ "$pm" -ne 0 ] || [ "$pf" -eq 0 ]; then
                fail "$name: every doubled body must be found, flattened ones included (and one must be flattened):"
                show "$TMP/prov"
            fi
        fi
    fi
    if [ $((tp + fn)) -ge "$MIN_TRUTH" ]; then
        ND_CHECKS=$((ND_CHECKS + 1))
        if ! at_least "$p" "$MIN_P" || ! at_least "$r" "$MIN_R"; then
            fail "$name: precision $p and recall $r must both be >= $MIN_P / $MIN_R"
        fi
    fi
done
[ "$ncorpora" -gt 0 ] || skip "no corpora in $ND_SHARED_DIR/data"

P=$(ratio "$TP" $((TP + FP)))
R=$(ratio "$TP" $((TP + FN)))
note "$(printf '%-20s precision %s recall %s (found %d, true %d, both %d)' "all $ncorpora corpora" \
    "$P" "$R" $((TP + FP)) $((TP + FN)) "$TP")"
ND_CHECKS=$((ND_CHECKS + 1))
[ $((TP + FN)) -gt 0 ] || fail "the truth has no doubled body at all: nothing was measured"
ND_CHECKS=$((ND_CHECKS + 1))
if ! at_least "$P" "$MIN_P" || ! at_least "$R" "$MIN_R"; then
    fail "all corpora: precision $P and recall $R must both be >= $MIN_P / $MIN_R"
fi

finish
