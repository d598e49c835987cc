# output.sh - `-o FILE`: the report goes to FILE, whole or not at all (a temporary file in
# its directory, renamed when complete), in the format of its extension unless -f is given;
# nothing on stdout; a failed run leaves an existing FILE as it was and no temporary file.
# Also --limit: the text report's sections are capped, JSON and TSV never.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir in out || die "mkdir"
seed_pair in/a.txt in/b.txt
cp "$ND_SEEDS"/*.txt in/ || die "cp"

# expect_no_temp DIR: no temporary report file (.NAME.XXXXXX) is left in DIR.
expect_no_temp() {
    ND_CHECKS=$((ND_CHECKS + 1))
    left=$(find "$1" -maxdepth 1 -name '.*.??????' | head -n 3)
    [ -z "$left" ] || fail "temporary files left in $1: $left"
}

# The format from the extension; stdout stays empty.
for ext in txt json tsv html; do
    nd scan -o out/r.$ext in
    expect_status 0
    expect_stdout_empty
    expect_stderr_empty
done
nd scan in
expect_file_same "$ND_OUT" out/r.txt "the .txt report"
nd scan -f json in
expect_file_same "$ND_OUT" out/r.json "the .json report"
nd scan -f tsv in
expect_file_same "$ND_OUT" out/r.tsv "the .tsv report"
expect_contains out/r.html "the .html report" "<!DOCTYPE html>"
# -f wins over the extension; an unknown extension is text.
nd scan -f tsv -o out/r.json in
nd scan -f tsv in
expect_file_same "$ND_OUT" out/r.json "-f tsv -o r.json"
nd scan -o out/report in
nd scan in
expect_file_same "$ND_OUT" out/report "-o report (no extension)"
nd scan -o - -f tsv in
nd scan -f tsv in
save tsv
nd scan -o - -f tsv in
expect_file_same "$TMP/tsv" "$ND_OUT" "-o - (standard output)"
nd scan --output=out/R.JSON in
expect_contains out/R.JSON "R.JSON" '"schema": 1'
expect_no_temp out

# The new file has the mode of a new file (0666 less the umask), not mkstemp's 0600.
(umask 022 && "$NEARDUP" scan -o out/mode.txt in)
ND_CHECKS=$((ND_CHECKS + 1))
mode=$(ls -l out/mode.txt | cut -c1-10)
[ "$mode" = "-rw-r--r--" ] || fail "out/mode.txt has mode $mode, expected -rw-r--r--"

# A failed run leaves the old report alone: a missing directory fails before the scan; a
# run that reads nothing still writes (status 2, as on stdout); a usage error writes nothing.
echo old >out/keep.txt
nd scan -o nodir/r.txt in
expect_status 2
expect_stderr_text "neardup: cannot write the report to nodir/r.txt: No such file or directory"
nd scan -o out/keep.txt --threshold 2 in
expect_status 2
expect_file_same "$TMP/out/keep.txt" out/keep.txt "keep.txt after a usage error"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(cat out/keep.txt)" = old ] || fail "out/keep.txt changed after a usage error"
nd scan -o out/ in
expect_status 2
expect_stderr_contains "neardup: cannot write the report to out/: "
expect_no_temp out
if [ "$(id -u)" -ne 0 ]; then
    mkdir ro && chmod 555 ro
    nd scan -o ro/r.txt in
    expect_status 2
    expect_stderr_text "neardup: cannot write the report to ro/r.txt: Permission denied"
fi
# A FILE that is not a regular file is written directly, never replaced by a file: a named
# pipe (read by cat) and /dev/null stay what they were.
mkfifo pipe || die "cannot make a FIFO"
cat pipe >from_pipe &
reader=$!
nd scan -f tsv -o pipe "$ND_SEEDS"
expect_status 0
if [ -p pipe ]; then
    wait "$reader"
else
    fail "-o pipe replaced the named pipe by a file"
    kill "$reader" 2>/dev/null
    : >from_pipe
fi
nd scan -f tsv "$ND_SEEDS"
expect_file_same "$ND_OUT" from_pipe "the report written through -o pipe"
expect_no_temp .
nd scan -o /dev/null "$ND_SEEDS"
expect_status 0
expect_stdout_empty
[ -c /dev/null ] || fail "-o /dev/null replaced the device /dev/null by a file"

# --limit: the text report shows N entries per section and says how many more there are.
nd scan --limit 1 "$ND_SEEDS"
expect_status 0
expect_stdout_contains "  ... and 1 more article (use --limit 0 or -f json)"
expect_stdout_contains "  ... and 2 more shared paragraphs (use --limit 0 or -f json)"
nd scan --limit 0 "$ND_SEEDS"
expect_status 0
save all
nd scan "$ND_SEEDS"
expect_file_same "$TMP/all" "$ND_OUT" "--limit 0 against the default on a small batch"
nd scan --limit 1 -f tsv "$ND_SEEDS"
save tsv1
nd scan -f tsv "$ND_SEEDS"
expect_file_same "$TMP/tsv1" "$ND_OUT" "TSV with --limit 1"
nd scan --limit -1 in
expect_status 2
expect_stderr_line 1 "neardup: --limit takes a whole number from 0 to 1000000000, not '-1'"

finish
