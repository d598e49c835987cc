# near_copies.sh - one seed article, three near-copies of it and three unrelated articles
# (two of them on the same story): exactly one group with exactly the copies, the longest
# copy as its representative; the TSV pairs and JSON groups agree; --fail-on-duplicates
# exits 1; output is byte-identical across runs and thread counts.
. "$(dirname "$0")/lib.sh"

mkdir "$TMP/nc" || die "cannot make $TMP/nc"
cd "$TMP/nc" || die "cannot cd to $TMP/nc"
cp "$ND_SEED" 1_seed.txt
edit_words <"$ND_SEED" >2_edit.txt                          # three words changed
{ cat "$ND_SEED"; echo "Baca juga: Berita terkini lainnya hanya di situs kami."; } >3_footer.txt
# Curly quotes to straight ones: the same words, so Jaccard 1.
sed -e 's/“/"/g' -e 's/”/"/g' -e "s/‘/'/g" -e "s/’/'/g" "$ND_SEED" >4_quotes.txt
cp "$ND_SEEDS/001_038cac575548727a.txt" 5_other_same_story.txt
cp "$ND_SEEDS/002_a894bd07f7f79a4f.txt" 6_other_same_story.txt
cp "$ND_SEED_OTHER" 7_unrelated.txt
chmod 644 ./*.txt
cmp -s 1_seed.txt 2_edit.txt && die "the word edit changed nothing"
cmp -s 1_seed.txt 4_quotes.txt && die "the quote edit changed nothing"
grep -q -e '“' -e '”' 4_quotes.txt && die "curly quotes left in 4_quotes.txt"

# Text: one group; the footer copy (most words) first, then the others in input order.
nd scan .
expect_status 0
expect_stderr_empty
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(grep -c '^group ' "$ND_OUT")" -eq 1 ] || fail "not exactly one group"
expect_stdout_contains "group 1: 4 documents"
text_ids >"$TMP/ids"
printf '%s\n' ./3_footer.txt ./1_seed.txt ./2_edit.txt ./4_quotes.txt >"$TMP/ids.expected"
expect_file_same "$TMP/ids.expected" "$TMP/ids" "the group's members (text report)"
expect_stdout_contains "    ./4_quotes.txt  [jaccard 0.9833, containment 1.0000, 534 words]"
expect_summary "7 documents read, 0 skipped; 1 group of near-duplicates (3 documents could go)"
save text

# Deterministic: the same bytes again, and with 1 and 2 threads.
nd scan .
expect_file_same "$TMP/text" "$ND_OUT" "stdout of a second run"
nd scan --threads 1 .
expect_status 0
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --threads 1"
nd scan --threads 2 .
expect_status 0
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --threads 2"

# --fail-on-duplicates: 1 when something is found, 0 when not (these two articles have no
# near-duplicate and no doubled paragraph either).
nd scan --fail-on-duplicates .
expect_status 1
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --fail-on-duplicates"
expect_stderr_empty
nd scan --fail-on-duplicates 1_seed.txt 7_unrelated.txt
expect_status 0
expect_summary "2 documents read, 0 skipped; 0 groups of near-duplicates"

# TSV: by default the pairs that joined the group (3 for 4 copies: a tree over them); with
# --all-pairs every pair of copies (a before b in input order), and nothing else.
T='	'
nd scan -f tsv .
expect_status 0
expect_stderr_empty
tsv_pairs "$ND_OUT" | wc -l | tr -d ' ' >"$TMP/npairs"
echo 3 >"$TMP/npairs.expected"
expect_file_same "$TMP/npairs.expected" "$TMP/npairs" "the number of pair records"
nd scan -f tsv --all-pairs .
expect_status 0
expect_stderr_empty
expect_pairs "./1_seed.txt$T./2_edit.txt
./1_seed.txt$T./3_footer.txt
./1_seed.txt$T./4_quotes.txt
./2_edit.txt$T./3_footer.txt
./2_edit.txt$T./4_quotes.txt
./3_footer.txt$T./4_quotes.txt"
expect_stdout_contains "pair$T./1_seed.txt$T./4_quotes.txt${T}1.0000${T}1.0000${T}1.0000"
expect_stdout_contains "pair$T./1_seed.txt$T./2_edit.txt${T}0.9449${T}0.9716${T}0.9716"
save tsv
nd scan -f tsv --all-pairs --threads 1 .
expect_file_same "$TMP/tsv" "$ND_OUT" "TSV with --threads 1"
nd scan -f tsv --all-pairs --threads 2 .
expect_file_same "$TMP/tsv" "$ND_OUT" "TSV with --threads 2"

# JSON: one group with the right ids and representative.
nd scan -f json .
expect_status 0
expect_stderr_empty
expect_json "
assert (s['documents'], s['skipped'], s['groups'], s['duplicates'], s['pairs']) == (7, 0, 1, 3, 3), s
assert len(d['groups']) == 1, d['groups']
g = d['groups'][0]
assert g['representative'] == './3_footer.txt' and g['size'] == 4, g
assert [m['id'] for m in g['members']] == ['./3_footer.txt', './1_seed.txt', './2_edit.txt', './4_quotes.txt'], g
assert all(m['jaccard'] >= 0.8 for m in g['members']), g
assert len(d['pairs']) == 3 and all(p['jaccard'] >= 0.8 for p in d['pairs']), d['pairs']
ids = {m['id'] for m in g['members']}
root = {i: i for i in ids}
def find(x):
    while root[x] != x: x = root[x]
    return x
for p in d['pairs']:
    assert p['a'] in ids and p['b'] in ids, p
    root[find(p['a'])] = find(p['b'])
assert len({find(i) for i in ids}) == 1, d['pairs']  # the pairs join the whole group"
nd scan -f json --all-pairs .
expect_json "assert s['pairs'] == 6 and all(p['jaccard'] >= 0.8 for p in d['pairs']), d['pairs']"
save json
nd scan -f json --all-pairs --threads 1 .
expect_file_same "$TMP/json" "$ND_OUT" "JSON with --threads 1"
nd scan -f json --all-pairs --threads 2 .
expect_file_same "$TMP/json" "$ND_OUT" "JSON with --threads 2"
nd scan -f json .
save json
nd scan -f json --threads 1 .
expect_file_same "$TMP/json" "$ND_OUT" "JSON (joining pairs) with --threads 1"

finish
