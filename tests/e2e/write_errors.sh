# write_errors.sh - standard output that cannot be written: a full disk (/dev/full) or a
# closed descriptor (>&-) gives "neardup: cannot write the report: REASON" (or "cannot
# write to standard output: REASON" for --help and --version) and exit 2, for every report
# format; a closed stdout fails before the scan. A closed standard error or input is never
# handed to a file the scan opens (the stdin spool once took a closed stderr's descriptor,
# and the messages written into it made the scan fail).
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
seed_pair a.txt b.txt

# run_closed_stdout ARGS...: neardup ARGS... with standard output closed.
run_closed_stdout() {
    ND_CMD="$NEARDUP $* >&-"
    "$NEARDUP" "$@" >&- 2>"$ND_ERR"
    ND_STATUS=$?
    : >"$ND_OUT"
    check_sanitizer
}

if [ -w /dev/full ]; then
    for fmt in text json tsv; do
        ND_CMD="$NEARDUP scan -f $fmt a.txt b.txt >/dev/full"
        "$NEARDUP" scan -f "$fmt" a.txt b.txt >/dev/full 2>"$ND_ERR"
        ND_STATUS=$?
        check_sanitizer
        expect_status 2
        expect_stderr_text "neardup: cannot write the report: No space left on device"
    done
    # 2 for the write beats 1 for --fail-on-duplicates.
    "$NEARDUP" scan --fail-on-duplicates a.txt b.txt >/dev/full 2>"$ND_ERR"
    ND_STATUS=$?
    expect_status 2
    for args in --help --version "scan --help" "scan --version"; do
        # shellcheck disable=SC2086 # word splitting is the point
        "$NEARDUP" $args >/dev/full 2>"$ND_ERR"
        ND_STATUS=$?
        ND_CMD="$NEARDUP $args >/dev/full"
        expect_status 2
        expect_stderr_text "neardup: cannot write to standard output: No space left on device"
    done
else
    note "/dev/full is not writable here: full-disk checks not run"
fi

for fmt in text json tsv; do
    run_closed_stdout scan -f "$fmt" a.txt b.txt
    expect_status 2
    expect_stderr_text "neardup: cannot write the report: Bad file descriptor"
done
# Before the scan: no message about the input, only the write error.
run_closed_stdout scan a.txt missing.txt
expect_status 2
expect_stderr_text "neardup: cannot write the report: Bad file descriptor"
run_closed_stdout --version
expect_status 2
expect_stderr_text "neardup: cannot write to standard output: Bad file descriptor"

# A closed standard error: the messages are lost, the report is whole. JSON Lines on a pipe
# are spooled to a temporary file that pass 2 reads again; a missing path's message comes
# between the passes.
{ jsonl_doc a a.txt; jsonl_doc b b.txt; } >docs.jsonl
ND_CMD="cat docs.jsonl | $NEARDUP scan -f tsv - missing.txt 2>&-"
# shellcheck disable=SC2002 # a pipe is the point
cat docs.jsonl | "$NEARDUP" scan -f tsv - missing.txt 2>&- >"$ND_OUT"
ND_STATUS=$?
expect_status 2
expect_pairs "a	b"
# A closed standard input does not disturb files named on the command line.
ND_CMD="$NEARDUP scan -f tsv a.txt b.txt <&-"
"$NEARDUP" scan -f tsv a.txt b.txt <&- >"$ND_OUT" 2>"$ND_ERR"
ND_STATUS=$?
check_sanitizer
expect_status 0
expect_pairs "a.txt	b.txt"
expect_stderr_empty

finish
