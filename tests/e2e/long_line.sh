# long_line.sh - a 100 MB JSON Lines line between two good lines (a near-duplicate pair):
# "neardup: PATH:2: line is longer than the 16777216-byte limit (--max-bytes); skipped",
# counted as skipped, the good lines still read, from a file and from a pipe; the line is
# never held in memory (max RSS < 200 MB, checked in the non-sanitized build when
# /usr/bin/time is there). --max-bytes moves the limit, for lines and text files.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
big=104857600  # bytes of text in the long line
{
    jsonl_doc good-a "$ND_SEED"
    printf '{"id": "huge", "text": "'
    yes 'lorem ipsum dolor sit amet,' | head -c "$big" | tr '\n' ' '
    printf '"}\n'
    jsonl_doc good-b edited.txt
} >docs.jsonl || die "cannot write docs.jsonl"
ND_CHECKS=$((ND_CHECKS + 1))
if [ "$(wc -l <docs.jsonl)" -ne 3 ] || [ "$(wc -c <docs.jsonl)" -le "$big" ]; then
    fail "docs.jsonl is not three lines of which one over $big bytes"
fi

SK_MSG='neardup: docs.jsonl:2: line is longer than the 16777216-byte limit (--max-bytes); skipped'
SK_SOURCE=docs.jsonl SK_LINE=2 SK_DOCS=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

# From a pipe (standard input is spooled, the long line still skipped).
nd_pipe docs.jsonl scan -f tsv -
expect_status 2
expect_pairs "$SK_PAIR"
expect_stderr_line 1 'neardup: <stdin>:2: line is longer than the 16777216-byte limit (--max-bytes); skipped'

# Peak memory: the line is skipped as it streams by, not read whole.
if [ -z "$ND_SANITIZE" ] && [ -x /usr/bin/time ]; then
    for input in file pipe; do
        if [ $input = file ]; then
            run /usr/bin/time -f %M -o "$TMP/rss" "$NEARDUP" scan -f tsv docs.jsonl
        else
            # shellcheck disable=SC2016 # $0 is expanded by the inner shell
            run /usr/bin/time -f %M -o "$TMP/rss" sh -c 'cat docs.jsonl | "$0" scan -f tsv -' "$NEARDUP"
        fi
        expect_status 2
        expect_pairs "$SK_PAIR"
        rss=$(tail -n 1 "$TMP/rss")
        note "max RSS reading the 100 MB line from a $input: $rss KB"
        ND_CHECKS=$((ND_CHECKS + 1))
        [ "$rss" -lt 204800 ] || fail "max RSS $rss KB (from a $input), expected < 200 MB"
    done
else
    note "max RSS not checked (sanitizer build or no /usr/bin/time)"
fi

# --max-bytes: a lower limit for lines, and for whole text files.
nd scan -f tsv --max-bytes 1K docs.jsonl
expect_status 2
expect_pairs ""
expect_stderr_text 'neardup: docs.jsonl:1: line is longer than the 1024-byte limit (--max-bytes); skipped
neardup: docs.jsonl:2: line is longer than the 1024-byte limit (--max-bytes); skipped
neardup: docs.jsonl:3: line is longer than the 1024-byte limit (--max-bytes); skipped
neardup: 3 inputs skipped (see above)
neardup: no document was read; exit status 2'
nd scan -f tsv --max-bytes 200M docs.jsonl
expect_status 0
expect_pairs "$SK_PAIR"
expect_stderr_empty
mkdir in
seed_pair in/a.txt in/c.txt
cat "$ND_SEED_OTHER" "$ND_SEED_OTHER" >in/b.txt  # 6716 bytes; the pair is under 4096
SK_MSG='neardup: in/b.txt: file is larger than the 4096-byte limit (--max-bytes)'
SK_SOURCE=in/b.txt SK_LINE=None
SK_PAIR='in/a.txt	in/c.txt'
nd scan -f tsv --max-bytes 4096 in
expect_status 2
expect_pairs "$SK_PAIR"
expect_stderr_line 1 "$SK_MSG"

finish
