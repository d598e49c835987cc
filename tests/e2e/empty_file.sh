# empty_file.sh - an empty .txt file (and an empty .jsonl file) next to a near-duplicate
# pair: "neardup: PATH: empty file", counted as skipped, the pair still found; exit 2, or 0/1
# with --allow-skips.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir in
seed_pair in/a.txt in/c.txt
: >in/b.txt
SK_MSG='neardup: in/b.txt: empty file'
SK_SOURCE=in/b.txt SK_LINE=None SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in

# An empty JSON Lines file given between the two.
rm in/b.txt
: >empty.jsonl
SK_MSG='neardup: empty.jsonl: empty file'
SK_SOURCE=empty.jsonl
check_skipped_input in/a.txt empty.jsonl in/c.txt

finish
