# containment.sh - --containment C: truncated reprints join their original's group.
#   - the first half, the last 60% and a middle third (one word changed) of a seed are
#     grouped with it at --containment 0.9 and not without (their Jaccard is far below 0.8);
#   - the report says which contains which: JSON members "contained": true, pairs
#     "contained": "a"/"b", the text report "contained in the representative";
#   - a part too small a share of which is in the seed (a third with every 10th word
#     changed) is not grouped;
#   - clean removes the contained copies and keeps the longer original, whatever the input
#     order; --keep first with the copy first keeps both (a longer document is never
#     removed for containing a kept one); restore rebuilds the input;
#   - --verify estimate finds the same groups; --containment 0 and 1.5 are usage errors.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "no $TMP"
python3 - "$ND_SEED" "$ND_SEED_OTHER" <<'EOF' || die "cannot generate the inputs"
import json, os, re, sys
seed = open(sys.argv[1], encoding="utf-8").read()
other = open(sys.argv[2], encoding="utf-8").read()
words = seed.split()
def part(lo, hi, every=0):
    w = words[lo:hi]
    if every:
        w = [("zq%d" % i) if i % every == 0 else x for i, x in enumerate(w)]
    return " ".join(w) + "\n"
n = len(words)
docs = [("seed", seed), ("other", other), ("half", part(0, n // 2)),
        ("tail", part(n * 2 // 5, n)), ("middle", part(n // 3, 2 * n // 3).replace(words[n // 2], "qqq", 1)),
        ("noisy", part(n // 3, 2 * n // 3, 10))]
os.makedirs("dir")
for name, text in docs:
    open(os.path.join("dir", name + ".txt"), "w", encoding="utf-8").write(text)
with open("docs.jsonl", "w", encoding="utf-8") as f:
    for name, text in docs:
        f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
with open("copyfirst.jsonl", "w", encoding="utf-8") as f:  # the copy before the original
    for name, text in (docs[2], docs[0]):
        f.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
EOF

# Without --containment: no group (the copies' Jaccard with the seed is about 0.3-0.6).
nd scan -q -f json docs.jsonl
expect_status 0
expect_json "assert s['groups'] == 0, s; assert d['options']['containment'] is None, d['options']"

# With it: one group, the seed representative, three contained copies; not the noisy third.
nd scan -q -f json --containment 0.9 docs.jsonl
expect_status 0
expect_json "
assert s['groups'] == 1, s
assert d['options']['containment'] == 0.9, d['options']
g = d['groups'][0]
ids = [m['id'] for m in g['members']]
assert ids[0] == 'seed' and sorted(ids[1:]) == ['half', 'middle', 'tail'], ids
for m in g['members'][1:]:
    assert m['jaccard'] < 0.8 and m['containment'] >= 0.9 and m['contained'] is True, m
assert g['members'][0]['contained'] is False
assert len(d['pairs']) == 3, d['pairs']
for p in d['pairs']:
    side = p['contained']
    assert side in ('a', 'b'), p
    assert p[side] != 'seed' and p['containment_' + side] >= 0.9, p
"

# The text report says which contains which; so does the header line.
nd scan -q --containment 0.9 dir
expect_status 0
expect_stdout_contains "dir/half.txt  [jaccard 0."
expect_stdout_contains "words, contained in the representative]"
expect_stdout_contains "jaccard >= 0.80 or containment >= 0.90,"
grep -c 'contained in the representative' "$ND_OUT" >count
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(cat count)" = 3 ] || fail "expected 3 members contained in the representative, got $(cat count)"

# --all-pairs: every pair of the group that verifies (the copies overlap each other too).
nd scan -q -f json --containment 0.9 --all-pairs docs.jsonl
expect_json "assert len(d['pairs']) >= 3 and all(p['contained'] for p in d['pairs']), d['pairs']"

# Estimated verification: the same group (containment is always verified exactly).
nd scan -q -f json --containment 0.9 --verify estimate docs.jsonl
expect_json "assert s['groups'] == 1 and d['groups'][0]['size'] == 4, d['groups']"

# clean: the contained copies go, each naming the seed; restore gives the input back.
nd clean -q --containment 0.9 -o out docs.jsonl
expect_status 0
python3 - <<'EOF' >check.txt 2>&1 || { ND_CHECKS=$((ND_CHECKS + 1)); fail "clean output: $(cat check.txt)"; }
import json
kept = [json.loads(l)["id"] for l in open("out/kept/docs.jsonl", encoding="utf-8")]
assert kept == ["seed", "other", "noisy"], kept
rem = [json.loads(l) for l in open("out/removed.jsonl", encoding="utf-8")]
assert sorted(r["id"] for r in rem) == ["half", "middle", "tail"], rem
for r in rem:
    assert r["kind"] == "duplicate", r
    assert r["reason"]["kept"] == "seed" and r["reason"]["containment"] >= 0.9, r
EOF
nd restore out restored
expect_status 0
expect_file_same docs.jsonl restored/docs.jsonl "the restored input"

# The copy first: --keep longest (default) still keeps the seed; --keep first keeps the
# copy, and the seed too, as it is not contained in the copy.
nd clean -q --containment 0.9 -o out2 copyfirst.jsonl
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
grep -q '"id": "seed"' out2/kept/copyfirst.jsonl && ! grep -q '"id": "half"' out2/kept/copyfirst.jsonl ||
    fail "--keep longest: expected the seed kept and the half removed"
nd clean -q --containment 0.9 --keep first -o out3 copyfirst.jsonl
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(wc -l <out3/kept/copyfirst.jsonl)" -eq 2 ] && [ ! -s out3/removed.jsonl ] ||
    fail "--keep first with the copy first: expected both kept"

# Bad values.
nd scan --containment 0 docs.jsonl
expect_status 2
nd scan --containment 1.5 docs.jsonl
expect_status 2
expect_stderr_contains "--containment"
finish
