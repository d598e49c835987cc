# missing_path.sh - a path that does not exist, given between the two files of a
# near-duplicate pair: "neardup: PATH: cannot open: No such file or directory", counted as
# skipped, the pair still found; exit 2, or 0/1 with --allow-skips. Two missing paths are
# each named in their own message.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir in
seed_pair in/a.txt in/c.txt
SK_MSG='neardup: in/nope.txt: cannot open: No such file or directory'
SK_SOURCE=in/nope.txt SK_LINE=None SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in/a.txt in/nope.txt in/c.txt

# A missing directory.
SK_MSG='neardup: no-such-dir/: cannot open: No such file or directory'
SK_SOURCE=no-such-dir/
check_skipped_input no-such-dir/ in

# Two missing paths: each message names its own path, both are counted.
nd scan -f tsv in/a.txt nope1.txt nope2.txt in/c.txt
expect_status 2
expect_pairs 'in/a.txt	in/c.txt'
expect_stderr_text "neardup: nope1.txt: cannot open: No such file or directory
neardup: nope2.txt: cannot open: No such file or directory
neardup: 2 inputs skipped (see above); exit status 2 (use --allow-skips to accept skips)"
nd scan -f json nope1.txt nope2.txt in
expect_status 2
expect_json "
assert s['skipped'] == 2 and s['groups'] == 1, s
assert [k['source'] for k in d['skipped']] == ['nope1.txt', 'nope2.txt'], d['skipped']"

# Only missing paths: no documents, still a report, exit 2.
nd scan nope1.txt
expect_status 2
expect_summary "0 documents read, 1 skipped; 0 groups of near-duplicates (0 documents could go)"

finish
