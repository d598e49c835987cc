# no_words.sh - a document of only punctuation and symbols (a .txt file, and a JSON Lines
# record) next to a near-duplicate pair: "neardup: PATH:LINE: no words ...", counted as
# skipped, the pair still found; exit 2, or 0/1 with --allow-skips.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir in
seed_pair in/a.txt in/c.txt
# (No ™: NFKC makes it the word "TM".)
printf '... !!! ??? --- *** ###\n“” «» — … • © ® § ¶\n' >in/b.txt
SK_MSG='neardup: in/b.txt:1: no words (only punctuation or symbols); skipped'
SK_SOURCE=in/b.txt SK_LINE=1 SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in

edit_words <"$ND_SEED" >edited.txt
{
    jsonl_doc good-a "$ND_SEED"
    echo '{"id": "punct", "text": "... !!! --- “” «» — …"}'
    jsonl_doc good-b edited.txt
} >docs.jsonl
SK_MSG='neardup: docs.jsonl:2: no words (only punctuation or symbols); skipped'
SK_SOURCE=docs.jsonl SK_LINE=2
SK_PAIR='good-a	good-b'
check_skipped_input docs.jsonl

finish
