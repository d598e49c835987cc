# clean_index.sh - `clean --index ARCHIVE` (issue 13): a batch cleaned against an archive.
#   - 000 and 001 archived; the batch: a copy of 001 with one word changed, and 002. The
#     copy of 001 is removed as a duplicate of the archived 001 (which is not in the batch:
#     nothing of it is written), 002 is kept; restore gives the batch back byte for byte.
#   - Without --index the same batch removes no document (the copy has no twin in it).
#   - The archive is only read; a missing archive or other settings: exit 2, nothing
#     written.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
cp -R "$ND_SOURCE_DIR/data" data || die "cannot copy data/"
mkdir new || die "cannot mkdir"
sed 's/Desakan/Tuntutan/' data/001_038cac575548727a.txt >new/001.txt
cp data/002_a894bd07f7f79a4f.txt new/002.txt

nd index create a.idx
expect_status 0
nd index add a.idx data/000_beebcc9d70568a44.txt data/001_038cac575548727a.txt
expect_status 0
sum0=$(cksum <a.idx)

# Without the archive: nothing in the batch duplicates anything.
nd clean --remove groups -f tsv -o plain new
expect_status 0
awk -F '\t' '$1 == "removed"' "$ND_OUT" >"$TMP/plain.removed"
expect_file_same /dev/null "$TMP/plain.removed" "clean without --index: removed documents"

# With it: the copy of 001 goes, as a duplicate of the archived 001.
nd clean --index a.idx --remove groups -f tsv -o out new
expect_status 0
expect_stderr_empty
awk -F '\t' '$1 == "removed" { print $2 "\t" $3 }' "$ND_OUT" >"$TMP/removed"
printf 'new/001.txt\tdata/001_038cac575548727a.txt\n' >"$TMP/removed.expected"
expect_file_same "$TMP/removed.expected" "$TMP/removed" "removed documents (TSV)"
(cd out && find . -type f | sort) >"$TMP/files"
printf './kept/new/002.txt\n./removed.jsonl\n' >"$TMP/files.expected"
expect_file_same "$TMP/files.expected" "$TMP/files" "the files written"
expect_file_same new/002.txt out/kept/new/002.txt "kept/new/002.txt"
ND_CHECKS=$((ND_CHECKS + 1))
n=$(grep -c '"kind": "duplicate"' out/removed.jsonl)
[ "$n" = 1 ] || fail "removed.jsonl has $n duplicate entries, expected 1"
expect_contains out/removed.jsonl "removed.jsonl" '"reason": {"kept": "data/001_038cac575548727a.txt"'
nd restore out back
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r new back/new >/dev/null || fail "restore did not give the batch back"

# The JSON report names the archive and the archived member as kept.
nd clean --index a.idx --remove groups -f json -o out2 new
expect_status 0
expect_json "
assert d['archive']['path'] == 'a.idx', d['archive']
g = d['groups']
assert len(g) == 1, g
m = {x['id']: x for x in g[0]['members']}
assert m['new/001.txt']['kept'] is False and m['new/001.txt']['archived'] is False, m
assert m['data/001_038cac575548727a.txt']['kept'] is True, m
assert m['data/001_038cac575548727a.txt']['archived'] is True, m
"

# The archive is only read.
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(cksum <a.idx)" = "$sum0" ] || fail "clean --index changed the archive"

# Bad archives: exit 2, nothing written.
nd clean --index missing.idx -o out3 new
expect_status 2
expect_stderr_contains "missing.idx"
nd clean --index a.idx -t 0.5 -o out4 new
expect_status 2
expect_stderr_contains "made with --threshold 0.8, not 0.5"
ND_CHECKS=$((ND_CHECKS + 1))
[ ! -e out3 ] && [ ! -e out4 ] || fail "a refused clean --index wrote its output directory"

finish
