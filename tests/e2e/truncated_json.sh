# truncated_json.sh - a JSON Lines file whose last line is cut in the middle of the text
# string, with no newline at the end: the message names that line, says the JSON is
# malformed and that the line ends early (truncated); the two complete records before it
# are still read; exit 2, or 0/1 with --allow-skips.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
{
    jsonl_doc good-a "$ND_SEED"
    jsonl_doc good-b edited.txt
    jsonl_doc cut "$ND_SEED_OTHER" | head -c 300
} >docs.jsonl
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(tail -c 1 docs.jsonl | od -An -c | tr -d ' ')" != '\n' ] || fail "docs.jsonl ends with a newline"

# The line (3) and "malformed JSON" are required; the exact wording is checked below.
nd scan -f tsv docs.jsonl
expect_status 2
expect_pairs 'good-a	good-b'
expect_stderr_contains 'neardup: docs.jsonl:3: malformed JSON'
expect_stderr_lines 2

# The program has a message for a line that ends before its JSON does; a line cut inside
# a string is the common case of it.
SK_MSG='neardup: docs.jsonl:3: malformed JSON: the line ends early (truncated?)'
SK_SOURCE=docs.jsonl SK_LINE=3 SK_DOCS=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

# Cut elsewhere: after the text, before the closing brace.
{
    jsonl_doc good-a "$ND_SEED"
    jsonl_doc good-b edited.txt
    printf '{"id": "cut", "text": "A few words of text."'
} >docs.jsonl
nd scan -f tsv docs.jsonl
expect_status 2
expect_pairs 'good-a	good-b'
expect_stderr_line 1 'neardup: docs.jsonl:3: malformed JSON: the line ends early (truncated?)'

finish
