# generated_truth.sh - ground truth this test makes itself (truth_corpus.py: families of
# near-copies, doubled bodies, repeated paragraphs, unrelated articles, with the exact pairs
# at word 5-gram Jaccard >= 0.8 and the doubled ids), so a clone without ../shared checks
# what ground_truth.sh and doubled_truth.sh check on the shared corpora: clean input gives
# exit 0 and nothing on stderr; no false pair (every candidate is verified exactly), with
# the exact Jaccard in the TSV, and recall >= 0.95; exactly the doubled bodies flagged; the
# same bytes with 1 and 2 threads.
. "$(dirname "$0")/lib.sh"

need python3
corpus=$TMP/corpus
python3 "$ND_E2E_DIR/truth_corpus.py" --seed 7 "$corpus" >"$TMP/gen.log" 2>&1 ||
    die "truth_corpus.py failed: $(cat "$TMP/gen.log")"
docs=$corpus/docs.jsonl
ndocs=$(wc -l <"$docs")

# score.py TRUTH.tsv FOUND.tsv: "precision P recall R found F true T", then one line per
# pair whose Jaccard in FOUND differs from the truth by more than the 4 printed decimals.
cat >"$TMP/score.py" <<'EOF'
import sys
truth = {}
with open(sys.argv[1], encoding="utf-8") as f:
    next(f)
    for line in f:
        a, b, j = line.rstrip("\n").split("\t")
        truth[tuple(sorted((a, b)))] = float(j)
found = {}
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        c = line.rstrip("\n").split("\t")
        if c[0] == "pair":
            found[tuple(sorted((c[1], c[2])))] = float(c[3])
tp = len(found.keys() & truth.keys())
print("precision %.4f recall %.4f found %d true %d" % (
    tp / len(found) if found else 1.0, tp / len(truth) if truth else 1.0, len(found), len(truth)))
for k in sorted(found.keys() & truth.keys()):
    if abs(found[k] - truth[k]) > 0.00006:
        print("jaccard %s %s: reported %.4f, exact %.6f" % (k[0], k[1], found[k], truth[k]))
EOF

# Pairs: TSV of the article job.
nd scan --ngram 5 --threshold 0.8 --parts groups --all-pairs -f tsv "$docs"
expect_status 0
expect_stderr_empty
python3 "$TMP/score.py" "$corpus/pairs_j80.tsv" "$ND_OUT" >"$TMP/score" 2>&1 ||
    die "score.py failed: $(cat "$TMP/score")"
read -r _ p _ r _ found _ true <"$TMP/score"
note "$(printf 'pairs: precision %s recall %s (found %s, true %s)' "$p" "$r" "$found" "$true")"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$true" -gt 100 ] || fail "the generated truth has only $true pairs"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$p" = 1.0000 ] || fail "precision $p: a reported pair is below the threshold"
ND_CHECKS=$((ND_CHECKS + 1))
awk -v r="$r" 'BEGIN { exit !(r >= 0.95) }' || fail "recall $r must be >= 0.95"
ND_CHECKS=$((ND_CHECKS + 1))
if [ "$(wc -l <"$TMP/score")" -gt 1 ]; then
    fail "reported Jaccard differs from the exact one:"
    sed -n '2,11p' "$TMP/score" | sed 's/^/    | /'
fi

# Doubled bodies: exactly the generated ones (every other article repeats <= 30%).
nd scan -q --parts blocks -f json "$docs"
expect_status 0
expect_stderr_empty
expect_json "
truth = set(open('$corpus/doubled.txt', encoding='utf-8').read().split())
found = {r['id'] for r in d['repeats'] if r['doubled']}
assert len(truth) >= 20, len(truth)
assert found == truth, ('missed', sorted(truth - found)[:5], 'false', sorted(found - truth)[:5])
assert all(r['doubled'] == (r['repeated_words'] >= 0.4 * r['words']) for r in d['repeats'])
assert s['documents'] == $ndocs and s['skipped'] == 0, s"

# The whole scan: the same bytes whatever the thread count.
nd scan -f json --threads 1 "$docs"
expect_status 0
expect_stderr_empty
save one
nd scan -f json --threads 2 "$docs"
expect_status 0
expect_file_same "$TMP/one" "$ND_OUT" "JSON of the generated corpus with --threads 2 (vs 1)"
expect_json "assert s['documents'] == $ndocs and s['groups'] > 50 and s['doubled_bodies'] >= 20, s"

finish
