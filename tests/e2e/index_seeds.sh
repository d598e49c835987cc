# index_seeds.sh - the sample batch as an archive (issue 13's "seeds" cases).
#   1. Index 000, 002 and 004, then check 001: the sentences 001 shares with the archived
#      000 (000's lines 7, 8 and 18, as `scan data/` finds them) and 001's own doubled block.
#   2. Index all four, then check a copy of 001 with one word changed: a near-duplicate of
#      the archived 001, named as archived; --fail-on-duplicates exits 1.
# Both reports are compared byte for byte; the JSON and TSV reports name the same things.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
cp -R "$ND_SOURCE_DIR/data" data || die "cannot copy data/"

nd index create seeds.idx
expect_status 0
expect_stdout_empty
expect_stderr_empty
nd index add seeds.idx data/000_beebcc9d70568a44.txt data/002_a894bd07f7f79a4f.txt \
    data/004_7112fbb0957666e0.txt
expect_status 0
expect_stdout_text "3 documents added; the archive holds 3"
expect_stderr_empty

nd check seeds.idx data/001_038cac575548727a.txt
expect_status 0
expect_stdout_file "$ND_EXPECTED_DIR/index_seeds_shared.txt"
expect_stderr_empty
# The same places as `scan data/` finds (000's lines 7, 8 and 18, and 001's).
nd scan -f tsv --parts shared data/
awk -F '\t' '$1 == "shared" { print $2 "\t" $5 "\t" $6 }' "$ND_OUT" | sort >"$TMP/scan.places"
nd check -f tsv --parts shared seeds.idx data/001_038cac575548727a.txt
expect_status 0
awk -F '\t' '$1 == "shared" { print $2 "\t" $5 "\t" $6 }' "$ND_OUT" | sort >"$TMP/check.places"
expect_file_same "$TMP/scan.places" "$TMP/check.places" "the shared places (check against scan)"
awk -F '\t' '$1 == "shared" && $5 ~ /000_/ { print $6 "\t" $7 }' "$ND_OUT" >"$TMP/archived"
printf '7\tarchived\n8\tarchived\n18\tarchived\n' >"$TMP/archived.expected"
expect_file_same "$TMP/archived.expected" "$TMP/archived" "000's shared lines, archived"
nd check --fail-on-duplicates seeds.idx data/001_038cac575548727a.txt
expect_status 1 # the doubled block
nd check --fail-on-duplicates --parts groups,shared seeds.idx data/001_038cac575548727a.txt
expect_status 0 # sharing sentences is not duplicating

# 2. All four archived; 001 with one word changed.
nd index add seeds.idx data/
expect_status 0
expect_stdout_text "1 document added, 3 already in the archive; the archive holds 4"
expect_stderr_lines 3
expect_stderr_contains "neardup: warning: data/000_beebcc9d70568a44.txt:1: id data/000_beebcc9d70568a44.txt is in the archive already; not added"
mkdir new
sed 's/Desakan/Tuntutan/' data/001_038cac575548727a.txt >new/001.txt
cmp -s new/001.txt data/001_038cac575548727a.txt && die "the edit changed nothing"
nd check --parts groups seeds.idx new/001.txt
expect_status 0
expect_stdout_file "$ND_EXPECTED_DIR/index_seeds_near.txt"
expect_stderr_empty
nd check --fail-on-duplicates --parts groups seeds.idx new/001.txt
expect_status 1
nd check -f tsv --parts groups seeds.idx new/001.txt
# (the archived copy is the one kept: the new one is the duplicate to drop)
expect_stdout_text "group	1	2	new/001.txt
member	1	drop	new/001.txt	1.0000	1.0000	794
member	1	keep	data/001_038cac575548727a.txt	0.9578	0.9785	794
pair	new/001.txt	data/001_038cac575548727a.txt	0.9578	0.9785	0.9785	new	archived"
nd check -f json seeds.idx new/001.txt
expect_status 0
expect_json "
a = d['archive']
assert a['documents'] == 4 and a['in_report'] == 2 and a['path'] == 'seeds.idx', a
assert s['documents'] == 1 and s['groups'] == 1, s
m = d['groups'][0]['members']
assert [(x['id'], x['archived']) for x in m] == [('new/001.txt', False), ('data/001_038cac575548727a.txt', True)], m
p = d['pairs'][0]
assert (p['a_archived'], p['b_archived']) == (False, True), p
places = [pl for sh in d['shared'] for pl in sh['places']]
assert {pl['id'] for pl in places if pl['archived']} == {'data/000_beebcc9d70568a44.txt', 'data/001_038cac575548727a.txt'}, places"

# The HTML page of a check tags each document: the new copy and the archived original.
nd check -f html --parts groups seeds.idx new/001.txt
expect_status 0
expect_stdout_contains 'new/001.txt <span class="tag new">new</span>'
expect_stdout_contains 'data/001_038cac575548727a.txt <span class="tag arch">archived</span>'
expect_stdout_contains 'checked against 4 archived documents (1 in this report)'

# The archive is only read by a check: its bytes do not change.
cksum seeds.idx >"$TMP/sum.before"
nd check seeds.idx new/001.txt
cksum seeds.idx >"$TMP/sum.after"
expect_file_same "$TMP/sum.before" "$TMP/sum.after" "the archive after a check"
nd index info --check seeds.idx
expect_status 0
expect_stdout_contains "documents: 4 in 2 adds"
expect_stdout_contains "check: ok"

# check --add-new twice is idempotent: the first adds the new document (it duplicates
# nothing), the second finds it archived, adds nothing, and the archive holds what it did
# (two documents, from the add and the first check: the second recorded no add).
cp data/001_038cac575548727a.txt new/twice.txt
sed -i 's/Putin/Vladimir/g; s/Rusia/Moskow/g; s/AS/Amerika/g' new/twice.txt
nd index create twice.idx
expect_status 0
nd index add twice.idx data/000_beebcc9d70568a44.txt
expect_status 0
nd check --add-new --parts groups twice.idx new/twice.txt
expect_status 0
expect_stderr_text "neardup: 1 document added, 0 with duplicates not added; the archive holds 2"
nd check --add-new --parts groups twice.idx new/twice.txt
expect_status 0
expect_stderr_text "neardup: 0 documents added, 1 with duplicates not added; the archive holds 2"
expect_stdout_contains "group 1: 2 documents (1 new, 1 archived)"
nd index info twice.idx
expect_stdout_contains "documents: 2 in 2 adds"

finish
