# nothing_read.sh - a run that read no document at all exits 2 with "no document was read",
# whatever made it so (a missing path, an empty directory, only ignored files, only bad
# input) and even with --allow-skips, which accepts skipped input but not an empty run;
# -q never hides it. One document read is enough for exit 0.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
NONE="neardup: no document was read; exit status 2"

# The reproduction of issue 10.6: it exited 0 with "0 documents read".
nd scan --allow-skips /nonexistent
expect_status 2
expect_stderr_text "neardup: /nonexistent: cannot open: No such file or directory
neardup: 1 input skipped (see above)
$NONE"
expect_summary "0 documents read, 1 skipped;"
nd scan /nonexistent
expect_status 2
expect_stderr_line '$' "$NONE"
nd scan -q --allow-skips -f json /nonexistent
expect_status 2
expect_stderr_text "neardup: /nonexistent: cannot open: No such file or directory
$NONE"
expect_json "assert (s['documents'], s['skipped']) == (0, 1), s"

# An empty directory: nothing skipped, nothing read.
mkdir empty
for opt in --allow-skips --fail-on-duplicates -q; do
    nd scan "$opt" empty
    expect_status 2
    expect_stderr_text "$NONE"
    expect_summary "0 documents read, 0 skipped;"
done

# Only files of another type: their warnings, then the error.
mkdir other
echo '<p>x</p>' >other/page.html
nd scan --allow-skips -f tsv other
expect_status 2
expect_stdout_empty
expect_stderr_text "neardup: warning: other/page.html: ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)
$NONE"

# Only bad input (an empty file) with --allow-skips.
: >empty.txt
nd scan --allow-skips empty.txt
expect_status 2
expect_stderr_line '$' "$NONE"

# One document is enough: exit 0 (and the skip is accepted).
cp "$ND_SEED" one.txt
nd scan --allow-skips one.txt /nonexistent
expect_status 0
expect_stderr_lacks "no document was read"
nd scan -f json one.txt
expect_status 0
expect_stderr_empty

finish
