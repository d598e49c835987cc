# sample.sh - the repository's sample batch (data/, four related Indonesian articles, no
# near-duplicates): the exact text report, no stderr, exit 0; the JSON and TSV reports agree.
. "$(dirname "$0")/lib.sh"

cd "$ND_SOURCE_DIR" || die "cannot cd to $ND_SOURCE_DIR"

nd scan data/
expect_status 0
expect_stdout_file "$ND_EXPECTED_DIR/sample.txt"
expect_stderr_empty

# Same bytes again, and with one thread.
save first
nd scan --threads 1 data/
expect_status 0
expect_file_same "$TMP/first" "$ND_OUT" "stdout with --threads 1"

nd scan -f tsv data/
expect_status 0
expect_pairs ""
expect_stderr_empty

nd scan -f json data/
expect_status 0
expect_stderr_empty
if command -v python3 >/dev/null 2>&1; then
    ND_CHECKS=$((ND_CHECKS + 1))
    python3 -m json.tool "$ND_OUT" >/dev/null 2>"$TMP/pyerr" || {
        fail "python3 -m json.tool rejects the JSON report:"
        show "$TMP/pyerr"
    }
fi
expect_json "
assert d['tool'] == 'neardup' and d['schema'] == 1, d
assert (s['documents'], s['skipped'], s['groups'], s['duplicates'], s['pairs']) == (4, 0, 0, 0, 0), s
assert d['groups'] == [] and d['pairs'] == [] and d['skipped'] == [], d
o = d['options']
assert (o['ngram'], o['perms'], o['threshold'], o['verify']) == (5, 128, 0.8, 'exact'), o"

finish
