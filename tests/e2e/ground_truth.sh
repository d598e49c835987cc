# ground_truth.sh - precision and recall against the exhaustive ground truth of every corpus
# in $ND_SHARED_DIR/data (pairs with word 5-gram Jaccard >= 0.8): both must be >= 0.95 for
# each corpus (the TSV report's pair records are scored; its paragraph records are not
# pairs). Every corpus is clean input: exit 0 and nothing on stderr. The largest corpus
# is also scanned with 1 and 2 threads: byte-identical JSON.
. "$(dirname "$0")/lib.sh"

need python3
score=$ND_SHARED_DIR/bench/score_pairs.py
[ -f "$score" ] || skip "$score not found"
ncorpora=0
for dir in "$ND_SHARED_DIR"/data/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    if [ ! -f "$dir/docs.jsonl" ] || [ ! -f "$dir/pairs_j80.tsv" ]; then
        continue
    fi
    ncorpora=$((ncorpora + 1))
    nd scan --ngram 5 --threshold 0.8 --all-pairs -f tsv "$dir/docs.jsonl"
    expect_status 0
    expect_stderr_empty
    tsv_pairs "$ND_OUT" >"$TMP/found.tsv"  # the pair records, as id_a<TAB>id_b
    python3 "$score" "$dir/pairs_j80.tsv" "$TMP/found.tsv" >"$TMP/score" 2>&1 ||
        die "$score failed: $(cat "$TMP/score")"
    # "precision P recall R found F true T"
    read -r w1 p w2 r _ found _ true <"$TMP/score"
    note "$(printf '%-20s precision %s recall %s (found %s, true %s)' "$name" "$p" "$r" "$found" "$true")"
    ND_CHECKS=$((ND_CHECKS + 1))
    [ "$w1 $w2" = "precision recall" ] || die "unexpected output of $score: $(cat "$TMP/score")"
    awk -v p="$p" -v r="$r" 'BEGIN { exit !(p >= 0.95 && r >= 0.95) }' ||
        fail "$name: precision $p and recall $r must both be >= 0.95"
done
[ "$ncorpora" -gt 0 ] || skip "no corpora in $ND_SHARED_DIR/data"

# The same bytes whatever the thread count, on a corpus of thousands of documents.
big=$ND_SHARED_DIR/data/reuters21578/docs.jsonl
if [ -f "$big" ]; then
    nd scan -f json --threads 1 "$big"
    expect_status 0
    save one
    nd scan -f json --threads 2 "$big"
    expect_status 0
    expect_file_same "$TMP/one" "$ND_OUT" "JSON of reuters21578 with --threads 2 (vs 1)"
fi

finish
