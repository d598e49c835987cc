# stdin.sh - `-` reads standard input: JSON Lines when it starts with '{' (same pairs and
# ids as scanning the file), otherwise one article named <stdin>; empty input is reported
# and gives exit 2; a bad line on stdin is named <stdin>:LINE.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
corpus=$ND_SHARED_DIR/data/detik_id/docs.jsonl
if [ ! -f "$corpus" ]; then
    # Without the shared corpora: a small JSON Lines file with one near-duplicate pair.
    corpus=$TMP/docs.jsonl
    edit_words <"$ND_SEED" >edited.txt
    { jsonl_doc seed "$ND_SEED"; jsonl_doc other "$ND_SEED_OTHER"; jsonl_doc edited edited.txt; } >"$corpus"
fi

# JSON Lines on stdin: the same pairs, with the same ids, as the file.
nd scan -f tsv "$corpus"
expect_status 0
save file.tsv
ND_CHECKS=$((ND_CHECKS + 1))
[ -n "$(tsv_pairs "$TMP/file.tsv")" ] || fail "no pairs found in $corpus"
nd_pipe "$corpus" scan -f tsv -
expect_status 0
expect_stderr_empty
expect_file_same "$TMP/file.tsv" "$ND_OUT" "TSV of the corpus on stdin (vs the file)"
nd scan -f tsv - <"$corpus"
expect_status 0
expect_file_same "$TMP/file.tsv" "$ND_OUT" "TSV of the corpus redirected to stdin (vs the file)"
nd_pipe "$corpus" scan -f json -
expect_json "
assert s['skipped'] == 0 and s['pairs'] == $(tsv_pairs "$TMP/file.tsv" | wc -l), s
assert all(m['source'] == '<stdin>' for g in d['groups'] for m in g['members']), d['groups']"

# A plain text article on stdin is one document named <stdin>, next to files.
edit_words <"$ND_SEED" >edited.txt
nd_pipe "$ND_SEED" scan - edited.txt
expect_status 0
expect_stderr_empty
text_ids >"$TMP/ids"
printf '%s\n' '<stdin>' edited.txt >"$TMP/ids.expected"
expect_file_same "$TMP/ids.expected" "$TMP/ids" "the group's members"
expect_summary "2 documents read, 0 skipped; 1 group of near-duplicates (1 document could go)"
nd_pipe "$ND_SEED" scan -f tsv edited.txt -
expect_status 0
expect_pairs "edited.txt	<stdin>"
nd_pipe "$ND_SEED" scan -f json -
expect_status 0
expect_json "assert s['documents'] == 1 and s['groups'] == 0, s"

# Empty standard input: a message naming <stdin>, the input counted as skipped, exit 2.
nd scan - </dev/null
expect_status 2
expect_line "$ND_ERR" stderr 1 "neardup: <stdin>: empty file"
expect_stderr_line 2 "neardup: 1 input skipped (see above)"
expect_stderr_line 3 "neardup: no document was read; exit status 2"
expect_stderr_lines 3
expect_summary "0 documents read, 1 skipped; 0 groups of near-duplicates (0 documents could go)"
nd_pipe /dev/null scan -f tsv -
expect_status 2
expect_pairs ""
expect_stderr_contains "neardup: <stdin>: empty"
# --allow-skips accepts skips, not a run that read nothing.
nd_pipe /dev/null scan --allow-skips -f tsv -
expect_status 2
expect_stderr_line '$' "neardup: no document was read; exit status 2"

# A closed standard input is not an empty one.
nd scan - <&-
expect_status 2
expect_stderr_line 1 "neardup: <stdin>: standard input is closed"
nd scan -f tsv - edited.txt <&-
expect_status 2
expect_stderr_line 1 "neardup: <stdin>: standard input is closed"

# A bad line in JSON Lines on stdin is named by its line; the other lines are read.
{ jsonl_doc seed "$ND_SEED"; echo 'this is not JSON'; jsonl_doc edited edited.txt; } >bad.jsonl
nd scan -f tsv - <bad.jsonl
expect_status 2
expect_pairs "seed	edited"
expect_stderr_line 1 "neardup: <stdin>:2: malformed JSON near column 1"

finish
