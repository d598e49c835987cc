# invalid_utf8.sh - invalid UTF-8 in a text file (a bad byte on line 3) and in the "text"
# field of a JSON Lines record: the message names the file, the line and the byte; only that
# document is skipped (a near-duplicate pair around it is still found); exit 2, or 0/1 with
# --allow-skips. Every kind of bad sequence is caught.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"

# A directory: a.txt and c.txt are near-duplicates, b.txt has a bad byte on line 3 at byte
# offset 18 + 22 + 21 = 61.
mkdir in
seed_pair in/a.txt in/c.txt
printf 'Line one is fine.\nLine two is fine too.\nLine three has a bad \377 byte.\nLine four.\n' >in/b.txt
SK_MSG='neardup: in/b.txt:3: invalid UTF-8 at byte 61; skipped'
SK_SOURCE=in/b.txt SK_LINE=3 SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in

# Overlong, surrogate, out of range, lone continuation, truncated sequence: all rejected.
for seq in '\300\200' '\355\240\200' '\364\220\200\200' '\200' '\342\202' '\370\210\200\200\200'; do
    # shellcheck disable=SC2059 # $seq holds octal escapes for printf
    printf "Line one is fine.\nLine two is fine too.\nLine three has a bad $seq byte.\nLine four.\n" >in/b.txt
    nd scan -f tsv in
    expect_status 2
    expect_pairs "$SK_PAIR"
    expect_stderr_line 1 "$SK_MSG"
done
# At the very end of a file without a newline.
printf 'Line one is fine.\nLine two.\nends badly \342\202' >in/b.txt
nd scan -q in/b.txt
expect_status 2
expect_stderr_text "neardup: in/b.txt:3: invalid UTF-8 at byte 39; skipped
neardup: no document was read; exit status 2"

# JSON Lines: a raw invalid byte inside the "text" string of line 2.
edit_words <"$ND_SEED" >edited.txt
{
    jsonl_doc good-a "$ND_SEED"
    printf '{"id": "bad", "text": "abc \377 def"}\n'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: invalid UTF-8 at byte 4 of the "text" field; skipped'
SK_SOURCE=docs.jsonl SK_LINE=2 SK_DOCS=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

finish
