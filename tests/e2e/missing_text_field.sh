# missing_text_field.sh - a JSON Lines record without a "text" field between the two records
# of a near-duplicate pair: 'neardup: PATH:LINE: no "text" field', counted as skipped, the
# other lines still read; exit 2, or 0/1 with --allow-skips. Likewise a "text" that is not a
# string, and a field named by --text-field that is missing.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
{
    jsonl_doc good-a "$ND_SEED"
    echo '{"id": "no-text", "body": "The article is in another field."}'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: no "text" field'
SK_SOURCE=docs.jsonl SK_LINE=2 SK_DOCS=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

# "text" is there but is not a string.
{
    jsonl_doc good-a "$ND_SEED"
    echo '{"id": "number", "text": 42}'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: the "text" field is not a string'
check_skipped_input docs.jsonl

# --text-field names the field: now line 2 has it and the others do not.
{
    jsonl_doc good-a "$ND_SEED"
    echo '{"id": "no-text", "body": "The article is in another field."}'
    jsonl_doc good-b edited.txt
} >docs.jsonl
nd scan -f tsv --text-field body docs.jsonl
expect_status 2
expect_pairs ""
expect_stderr_text 'neardup: docs.jsonl:1: no "body" field
neardup: docs.jsonl:3: no "body" field
neardup: 2 inputs skipped (see above); exit status 2 (use --allow-skips to accept skips)'

finish
