# compressed.sh - gzip and zstd input (made here from the seed articles, so a plain clone
# tests it): .jsonl.gz / .jsonl.zst, multi-member gzip, multi-frame zstd, .txt.gz in a
# directory, a gzip file named .jsonl (the magic number decides) and compressed standard
# input all give the same report as the plain input, apart from the source names; truncated
# .gz and .zst and a corrupt zstd frame give a message with the place and the last complete
# record, and every record before it is kept (exit 2).
. "$(dirname "$0")/lib.sh"
need gzip zstd

cd "$TMP" || die "cannot cd to $TMP"
# A JSON Lines corpus from the seeds: each article, and a near-copy (three words edited).
: >docs.jsonl
for f in "$ND_SEEDS"/*.txt; do
    b=$(basename "$f" .txt)
    jsonl_doc "$b" "$f" >>docs.jsonl
    edit_words <"$f" >edited.txt
    jsonl_doc "$b-edited" edited.txt >>docs.jsonl
done
[ "$(wc -l <docs.jsonl)" -ge 8 ] || die "too few seed articles in $ND_SEEDS"
gzip -c docs.jsonl >docs.jsonl.gz
zstd -q -c docs.jsonl >docs.jsonl.zst
# Several members / frames, cut inside lines.
head -c 5000 docs.jsonl | gzip -c >multi.jsonl.gz
tail -c +5001 docs.jsonl | gzip -c >>multi.jsonl.gz
head -c 7000 docs.jsonl | zstd -q -c >multi.jsonl.zst
tail -c +7001 docs.jsonl | zstd -q -c >>multi.jsonl.zst
cp docs.jsonl.gz named.jsonl

for fmt in text json tsv; do
    nd scan -f "$fmt" docs.jsonl
    expect_status 0
    save "plain.$fmt"
    for f in docs.jsonl.gz docs.jsonl.zst multi.jsonl.gz multi.jsonl.zst named.jsonl; do
        nd scan -f "$fmt" "$f"
        expect_status 0
        expect_stderr_empty
        sed "s|$f|docs.jsonl|g" "$ND_OUT" >"$TMP/renamed"
        expect_file_same "$TMP/plain.$fmt" "$TMP/renamed" "the $fmt report of $f (source renamed)"
    done
    nd scan -f "$fmt" - <docs.jsonl.zst
    expect_status 0
    sed "s|<stdin>|docs.jsonl|g" "$ND_OUT" >"$TMP/renamed"
    expect_file_same "$TMP/plain.$fmt" "$TMP/renamed" "the $fmt report of docs.jsonl.zst on stdin"
done
ND_CHECKS=$((ND_CHECKS + 1))
[ -n "$(tsv_pairs "$TMP/plain.tsv")" ] || fail "no pairs found in the seed corpus"

# Text articles, compressed, in a directory (taken by their inner extension).
mkdir tree
seed_pair a.txt c.txt
gzip -c a.txt >tree/a.txt.gz
zstd -q -c c.txt >tree/c.TXT.zst
nd scan -f tsv tree
expect_status 0
expect_stderr_empty
expect_pairs 'tree/a.txt.gz	tree/c.TXT.zst'

# Damaged streams: the records before the damage are kept; the message names the place.
size=$(wc -c <docs.jsonl.gz)
head -c $((size / 2)) docs.jsonl.gz >cut.jsonl.gz
nd scan -f tsv cut.jsonl.gz
expect_status 2
expect_stderr_contains 'neardup: cut.jsonl.gz:'
expect_stderr_contains ': truncated gzip data: the file ends inside a member; the last complete record is line '
kept=$(grep -c '' "$ND_ERR")
ND_CHECKS=$((ND_CHECKS + 1))
[ "$kept" -eq 2 ] || fail "expected one message and the summary, got: $(cat "$ND_ERR")"
nd scan -f json cut.jsonl.gz
expect_json "assert s['documents'] >= 2 and s['skipped'] == 1, s"

size=$(wc -c <multi.jsonl.zst)
head -c $((size - 5)) multi.jsonl.zst >cut.jsonl.zst
nd scan -f json cut.jsonl.zst
expect_status 2
expect_stderr_contains ': truncated zstd data: the file ends inside a frame; the last complete record is line '
first=$(head -c 7000 docs.jsonl | grep -c '')  # complete lines in the first frame, at least
expect_json "assert s['documents'] >= $first - 1 and s['skipped'] == 1, s"

# A corrupt frame: the second of two frames damaged, the first one's records kept.
python3 - multi.jsonl.zst bad.jsonl.zst <<'PY' || die "cannot damage the zstd file"
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
second = b.index(b'\x28\xb5\x2f\xfd', 4)
for i in range(second + 20, second + 60):
    b[i] ^= 0x5a
open(sys.argv[2], 'wb').write(b)
PY
nd scan -f json bad.jsonl.zst
expect_status 2
expect_stderr_contains 'neardup: bad.jsonl.zst:'
expect_stderr_contains ': corrupt zstd data ('
expect_json "assert s['documents'] >= $first - 1 and s['skipped'] == 1, s"

finish
