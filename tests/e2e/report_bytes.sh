# report_bytes.sh - ids and file names that are not UTF-8 or hold control characters (a
# JSON Lines "id" with a raw \377 or an escaped ESC, a file named with \377 or ESC, a
# missing path with an OSC title sequence): the JSON report stays valid JSON with each
# malformed sequence replaced by one U+FFFD; the text and TSV reports and the messages on
# stderr write such bytes as \xNN (so they can be recovered) and control characters
# escaped; nothing raw reaches stdout or stderr.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
edit_words <"$ND_SEED" >edited.txt

# JSON Lines: ids "a\377b" (raw byte) and "c\342\202" + ESC "[31m" (a truncated sequence,
# then a control character the JSON escape \u001b makes).
ID_A=$(printf 'a\377b')
ID_C=$(printf 'c\342\202')
{
    jsonl_doc "$ID_A" "$ND_SEED"
    jsonl_doc "${ID_C}ESC[31m" edited.txt | sed 's/ESC\[31m/\\u001b[31m/'
    jsonl_doc other "$ND_SEED_OTHER"
} >docs.jsonl
T='	'

nd scan -f json docs.jsonl  # validated by run (lib.sh): strict UTF-8, real parser
expect_status 0
expect_json "
g = d['groups'][0]
assert [m['id'] for m in g['members']] == ['a\ufffdb', 'c\ufffd\x1b[31m'], g
assert g['representative'] == 'a\ufffdb', g
assert [(p['a'], p['b']) for p in d['pairs']] == [('a\ufffdb', 'c\ufffd\x1b[31m')], d['pairs']"
expect_terminal_safe "$ND_OUT" "the JSON report"

nd scan -f tsv docs.jsonl
expect_status 0
expect_pairs "a\\xffb${T}c\\xe2\\x82\\x1b[31m"
expect_terminal_safe "$ND_OUT" "the TSV report"

nd scan docs.jsonl
expect_status 0
expect_stdout_contains '  * a\xffb (docs.jsonl:1)  [representative, '
expect_stdout_contains '    c\xe2\x82\x1b[31m (docs.jsonl:2)  [jaccard '
expect_terminal_safe "$ND_OUT" "the text report"

# File names: a pair in files named ESC "[1mz.txt" and "x\377y.txt" (in that byte order, the
# first represents the group: same length), an ignored file
# "p\377.html" (a warning), and a missing path with an OSC sequence (an error).
mkdir in
X=$(printf 'in/x\377y.txt')
Z=$(printf 'in/\033[1mz.txt')
P=$(printf 'in/p\377.html')
GONE=$(printf 'gone\033]0;pwned\007.txt')
cp "$ND_SEED" "$X"
cp edited.txt "$Z"
echo '<p>not an article</p>' >"$P"

nd scan -f json in "$GONE"
expect_status 2
expect_json "
g = d['groups'][0]
assert [m['id'] for m in g['members']] == ['in/\x1b[1mz.txt', 'in/x\ufffdy.txt'], g
assert [m['source'] for m in g['members']] == ['in/\x1b[1mz.txt', 'in/x\ufffdy.txt'], g
assert [k['source'] for k in d['skipped']] == ['gone\x1b]0;pwned\x07.txt'], d['skipped']
assert [w['source'] for w in d['warnings']] == ['in/p\ufffd.html'], d['warnings']"
expect_terminal_safe "$ND_OUT" "the JSON report"
expect_stderr_text 'neardup: warning: in/p\xff.html: ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)
neardup: gone\x1b]0;pwned\x07.txt: cannot open: No such file or directory
neardup: 1 input skipped (see above); exit status 2 (use --allow-skips to accept skips)'
expect_terminal_safe "$ND_ERR" "stderr"

nd scan -f tsv in
expect_status 0
expect_pairs "in/\\x1b[1mz.txt${T}in/x\\xffy.txt"
expect_terminal_safe "$ND_OUT" "the TSV report"

nd scan in
expect_status 0
expect_stdout_contains '  * in/\x1b[1mz.txt  [representative, '
expect_stdout_contains '    in/x\xffy.txt  [jaccard '
expect_terminal_safe "$ND_OUT" "the text report"
expect_terminal_safe "$ND_ERR" "stderr"

# A JSON field name that is not UTF-8: the message quoting it is escaped on stderr and
# valid in JSON; usage errors quoting an option value are escaped too.
BAD_FIELD=$(printf 'b\377')
nd scan -f json --allow-skips --text-field "$BAD_FIELD" docs.jsonl edited.txt
expect_status 0
expect_stderr_contains 'neardup: docs.jsonl:1: no "b\xff" field'
expect_terminal_safe "$ND_ERR" "stderr"
expect_json "
assert d['skipped'][0]['message'] == 'no \"b\ufffd\" field', d['skipped']
assert d['options']['text_field'] == 'b\ufffd', d['options']"
nd scan --format "$(printf 'x\033[2J\377')" docs.jsonl
expect_status 2
expect_stderr_text "neardup: --format takes text, json, tsv or html, not 'x\\x1b[2J\\xff'
Try 'neardup scan --help'."

finish
