# compressed_shared.sh - every corpus in $ND_SHARED_DIR/data, compressed with gzip and with
# zstd, gives the same report as the plain file, byte for byte apart from the source name
# (text, JSON and TSV). Needs ../shared; compressed.sh covers the same on generated data.
. "$(dirname "$0")/lib.sh"
need gzip zstd

[ -d "$ND_SHARED_DIR/data" ] || skip "$ND_SHARED_DIR/data not found (compressed.sh tests the same on generated data)"
cd "$TMP" || die "cannot cd to $TMP"
n=0
for dir in "$ND_SHARED_DIR"/data/*/; do
    corpus=${dir%/}/docs.jsonl
    [ -f "$corpus" ] || continue
    n=$((n + 1))
    name=$(basename "${dir%/}")
    gzip -c "$corpus" >"$name.jsonl.gz"
    zstd -q -c "$corpus" >"$name.jsonl.zst"
    for fmt in text json tsv; do
        nd scan -f "$fmt" "$corpus"
        expect_status 0
        save plain
        for f in "$name.jsonl.gz" "$name.jsonl.zst"; do
            nd scan -f "$fmt" "$f"
            expect_status 0
            expect_stderr_empty
            sed "s|$f|$corpus|g" "$ND_OUT" >"$TMP/renamed"
            expect_file_same "$TMP/plain" "$TMP/renamed" "the $fmt report of $name compressed as $f"
        done
    done
    note "$name: gzip and zstd reports identical to the plain file's"
done
[ "$n" -gt 0 ] || skip "no docs.jsonl in $ND_SHARED_DIR/data"
finish
