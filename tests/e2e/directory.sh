# directory.sh - a directory tree: read recursively in byte-wise sorted order (so groups,
# members and pairs come in that order), hidden files and directories skipped, .txt and
# .jsonl files read, anything else named in a "warning:" line (hidden by -q) without
# changing the exit status.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir -p tree/a tree/b/sub tree/.git
cp "$ND_SEED" tree/B.txt                                  # seed
edit_words <"$ND_SEED" >tree/a/m.txt                      # near-copy
cp "$ND_SEED_OTHER" tree/b/o.txt                          # unrelated
{ cat "$ND_SEED"; echo "Baca juga: Berita terkini lainnya hanya di situs kami."; } >tree/b/sub/z.txt
{                                                         # unrelated, then a copy
    jsonl_doc j-002 "$ND_SEEDS/002_a894bd07f7f79a4f.txt"
    jsonl_doc 0-seed "$ND_SEED"
} >tree/c.jsonl
cp "$ND_SEED" tree/.hidden.txt                            # hidden: not read
cp "$ND_SEED" tree/.git/copy.txt                          # in a hidden directory: not read
echo '<html><body>not an article</body></html>' >tree/page.html
WARN="neardup: warning: tree/page.html: ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)"

# Input order: tree/B.txt, tree/a/m.txt, tree/b/o.txt, tree/b/sub/z.txt, then c.jsonl's
# j-002 and 0-seed. The longest copy (z.txt, with a footer) represents the group; the other
# members follow in input order, so 0-seed comes last although its id sorts first.
nd scan tree
expect_status 0
expect_stderr_text "$WARN"
text_ids | sed 's/ ([^()]*:[0-9]*)$//' >"$TMP/ids"
printf '%s\n' tree/b/sub/z.txt tree/B.txt tree/a/m.txt 0-seed >"$TMP/ids.expected"
expect_file_same "$TMP/ids.expected" "$TMP/ids" "the group's members (text report)"
expect_stdout_contains "    0-seed (tree/c.jsonl:2)  [jaccard "
expect_summary "6 documents read, 0 skipped; 1 group of near-duplicates (3 documents could go)"
save text

nd scan -f json tree
expect_status 0
expect_stderr_text "$WARN"
expect_json "
assert (s['documents'], s['skipped'], s['groups'], s['duplicates'], s['pairs']) == (6, 0, 1, 3, 3), s
g = d['groups'][0]
assert [m['id'] for m in g['members']] == ['tree/b/sub/z.txt', 'tree/B.txt', 'tree/a/m.txt', '0-seed'], g
assert [(m['source'], m['line']) for m in g['members']][-1] == ('tree/c.jsonl', 2), g
assert d['skipped'] == [], d['skipped']"
nd scan -f json --all-pairs tree
expect_json "
assert [(p['a'], p['b']) for p in d['pairs']] == [('tree/B.txt', 'tree/a/m.txt'), ('tree/B.txt', 'tree/b/sub/z.txt'), ('tree/B.txt', '0-seed'), ('tree/a/m.txt', 'tree/b/sub/z.txt'), ('tree/a/m.txt', '0-seed'), ('tree/b/sub/z.txt', '0-seed')], d['pairs']"

T='	'
nd scan -f tsv --all-pairs tree
expect_status 0
expect_pairs "tree/B.txt${T}tree/a/m.txt
tree/B.txt${T}tree/b/sub/z.txt
tree/B.txt${T}0-seed
tree/a/m.txt${T}tree/b/sub/z.txt
tree/a/m.txt${T}0-seed
tree/b/sub/z.txt${T}0-seed"

# -q hides the warning; the report is the same; a warning never changes the exit status.
nd scan -q tree
expect_status 0
expect_stderr_empty
expect_file_same "$TMP/text" "$ND_OUT" "stdout with -q"
nd scan --fail-on-duplicates tree
expect_status 1
expect_stderr_text "$WARN"
nd scan --threads 1 tree
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --threads 1"
nd scan --threads 2 tree
expect_file_same "$TMP/text" "$ND_OUT" "stdout with --threads 2"

# A file named on the command line is read whatever its extension.
nd scan -f json tree/page.html tree/B.txt
expect_status 0
expect_stderr_empty
expect_json "assert (s['documents'], s['skipped'], s['groups']) == (2, 0, 0), s"

# Two files of another type: each warning names its own file, in input order.
echo 'notes, not an article' >tree/b/sub/notes.md
nd scan -f tsv --all-pairs tree
expect_status 0
expect_stderr_text "neardup: warning: tree/b/sub/notes.md: ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)
$WARN"
expect_pairs "tree/B.txt${T}tree/a/m.txt
tree/B.txt${T}tree/b/sub/z.txt
tree/B.txt${T}0-seed
tree/a/m.txt${T}tree/b/sub/z.txt
tree/a/m.txt${T}0-seed
tree/b/sub/z.txt${T}0-seed"

finish
