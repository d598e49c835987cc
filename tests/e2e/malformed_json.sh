# malformed_json.sh - a JSON Lines line that is not JSON (and one that is JSON but not an
# object) between the two records of a near-duplicate pair: "neardup: PATH:LINE: malformed
# JSON ...", counted as skipped, the other lines still read; exit 2, or 0/1 with
# --allow-skips.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt
{
    jsonl_doc good-a "$ND_SEED"
    echo 'this line is not JSON at all'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: malformed JSON near column 1'
SK_SOURCE=docs.jsonl SK_LINE=2 SK_DOCS=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

# Broken in the middle of the line: the column points at the problem.
{
    jsonl_doc good-a "$ND_SEED"
    echo '{"id": "x", "text": "fine so far" oops}'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: malformed JSON near column 35'
check_skipped_input docs.jsonl

# Valid JSON, but not an object.
{
    jsonl_doc good-a "$ND_SEED"
    echo '["an", "array"]'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: not a JSON object'
check_skipped_input docs.jsonl

finish
