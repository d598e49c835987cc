# clean_seeds.sh - `neardup clean` on the sample batch (the seeds), and `restore` back.
#
# The seeds have no near-duplicate article but two doubled bodies: clean must remove
# exactly 001's lines 17-26 (the second copy of lines 7-16) and the second copy of each of
# 002's widget headlines (lines 45, 50, ..., 115), keep 000, 001, 002 and 004, write every
# removed range to removed.jsonl with its reason and bytes, and restore must give the batch
# back byte for byte. Then a near-duplicate pair: the copy goes whole (a .txt removed has
# no kept file), with the kept one named in removed.jsonl; --keep last keeps the other one;
# the JSON and TSV reports say who was kept.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "no $TMP"
cp -R "$ND_SEEDS" data || die "cannot copy the seeds"

nd clean -o out data/
expect_status 0
expect_stderr_empty
expect_summary "4 documents read, 0 skipped; 0 groups of near-duplicates"
expect_stdout_contains "cleaned: 0 documents and 16 line ranges removed ("
expect_stdout_contains "; 4 files written to kept/"

# 000 and 004 as they were, 001 without lines 17-26, 002 without the second copies.
for f in 000_beebcc9d70568a44.txt 004_7112fbb0957666e0.txt; do
    expect_file_same "data/$f" "out/kept/data/$f" "kept/data/$f"
done
sed '17,26d' data/001_038cac575548727a.txt >want001
expect_file_same want001 out/kept/data/001_038cac575548727a.txt "kept/data/001"
sed '45d;50d;55d;60d;65d;70d;75d;80d;85d;90d;95d;100d;105d;110d;115d' \
    data/002_a894bd07f7f79a4f.txt >want002
expect_file_same want002 out/kept/data/002_a894bd07f7f79a4f.txt "kept/data/002"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(find out -type f | wc -l)" -eq 5 ] || fail "out/ holds other files: $(find out -type f)"

# removed.jsonl: 16 entries, each with the exact bytes of its lines.
ND_CHECKS=$((ND_CHECKS + 1))
python3 - out/removed.jsonl data >"$TMP/py.out" 2>&1 <<'EOF' || { fail "removed.jsonl:"; show "$TMP/py.out"; }
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(entries) == 16, len(entries)
keys = ["kind", "source", "path", "line", "offset", "id", "lines", "reason", "bytes"]
for e in entries:
    assert list(e) == keys, list(e)
    assert e["kind"] == "repeat", e
    src = open(e["source"], "rb").read()
    lines = src.split(b"\n")
    a, b = e["lines"]
    want = b"".join(l + b"\n" for l in lines[a - 1:b])
    assert e["bytes"].encode() == want, (e["lines"], e["bytes"][:60])
    assert src[e["offset"]:e["offset"] + len(want)] == want
    assert e["line"] == a and e["path"] == e["source"] == e["id"]
first = entries[0]
assert first["path"] == "data/001_038cac575548727a.txt", first["path"]
assert first["lines"] == [17, 26] and first["reason"] == {"repeats": [7, 16], "identical": True}
rest = entries[1:]
assert [e["lines"][0] for e in rest] == list(range(45, 116, 5))
assert all(e["reason"]["repeats"] == [e["lines"][0] - 2] * 2 for e in rest)
EOF

nd restore out back
expect_status 0
expect_stderr_empty
expect_stdout_empty
ND_CHECKS=$((ND_CHECKS + 1))
diff -r data back/data >"$TMP/diff" 2>&1 || { fail "restore differs:"; show "$TMP/diff"; }

# A near-duplicate pair: b.txt goes whole, a.txt (longest, the earliest) is kept.
mkdir pair && seed_pair pair/a.txt pair/b.txt
nd clean -o out2 --parts groups --remove groups pair
expect_status 0
expect_stdout_contains "  * pair/a.txt  [representative, 534 words, kept]"
expect_stdout_contains "    pair/b.txt  [jaccard 0.9449, containment 0.9716, 534 words, removed]"
expect_stdout_contains "cleaned: 1 document and 0 line ranges removed"
ND_CHECKS=$((ND_CHECKS + 1))
[ -f out2/kept/pair/a.txt ] && [ ! -e out2/kept/pair/b.txt ] || fail "kept/: $(find out2)"
ND_CHECKS=$((ND_CHECKS + 1))
python3 - out2/removed.jsonl pair/b.txt >"$TMP/py.out" 2>&1 <<'EOF' || { fail "removed.jsonl:"; show "$TMP/py.out"; }
import json, sys
(e,) = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert e["kind"] == "duplicate" and e["path"] == "pair/b.txt" and e["offset"] == 0, e
assert e["reason"] == {"kept": "pair/a.txt", "kept_source": "pair/a.txt", "kept_line": 1,
                       "jaccard": 0.9449, "containment": 0.9716}, e["reason"]
assert e["bytes"].encode() == open(sys.argv[2], "rb").read()
EOF
nd restore out2 back2
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r pair back2/pair >"$TMP/diff" 2>&1 || { fail "restore differs:"; show "$TMP/diff"; }

# --keep last: b.txt stays. The reports name who was kept.
nd clean -o out3 --parts groups --keep last -f json pair
expect_status 0
expect_json "
g = d['groups'][0]['members']
assert [(m['id'], m['kept']) for m in g] == [('pair/a.txt', False), ('pair/b.txt', True)], g
assert g[0]['duplicate_of'] == 'pair/b.txt' and g[0]['duplicate_jaccard'] == 0.9449, g
assert d['clean']['documents_removed'] == 1 and d['clean']['remove'] == ['groups'], d['clean']
assert d['clean']['keep'] == 'last', d['clean']"
ND_CHECKS=$((ND_CHECKS + 1))
[ -f out3/kept/pair/b.txt ] && [ ! -e out3/kept/pair/a.txt ] || fail "kept/: $(find out3)"
nd clean -o out4 --parts groups -f tsv pair
expect_status 0
expect_stdout_text "group	1	2	pair/a.txt
member	1	keep	pair/a.txt	1.0000	1.0000	534
member	1	drop	pair/b.txt	0.9449	0.9716	534
pair	pair/a.txt	pair/b.txt	0.9449	0.9716	0.9716
removed	pair/b.txt	pair/a.txt	0.9449	0.9716"

# --fail-on-duplicates: exit 1 when a group or a doubled block is found; written all the same.
nd clean -o out5 --fail-on-duplicates -f tsv data/
expect_status 1
ND_CHECKS=$((ND_CHECKS + 1))
[ -s out5/removed.jsonl ] || fail "out5/removed.jsonl is missing or empty"

finish
