# shellcheck shell=sh disable=SC2034
# lib.sh - helpers shared by the end-to-end tests in tests/e2e/ (sourced, never run alone).
#
# ctest runs every other tests/e2e/*.sh as `sh SCRIPT` with these in the environment:
#   NEARDUP        the binary under test
#   ND_SOURCE_DIR  the repository (its data/ holds the sample batch, also used as seeds)
#   ND_SHARED_DIR  the team's shared directory (data/ corpora with ground truth, bench/)
#   ND_BUILD_DIR   the build directory
#   ND_SANITIZE    non-empty in the AddressSanitizer build
# A script exits 0 (pass), 77 (skipped) or anything else (fail).
#
# A script sources this file, runs the program with `run`, checks what came out with the
# `expect_*` functions and ends with `finish`. A failed check prints what was expected and
# what came instead, is counted, and the script goes on, so one run shows every broken check;
# `finish` exits 1 if anything failed. Scratch files live in $TMP, a private directory made
# with mktemp -d and removed when the script exits. POSIX sh only (dash runs these).

set -u
LC_ALL=C
export LC_ALL

ND_E2E_DIR=$(cd "$(dirname "$0")" && pwd)
ND_SOURCE_DIR=${ND_SOURCE_DIR:-$(cd "$ND_E2E_DIR/../.." && pwd)}
ND_SHARED_DIR=${ND_SHARED_DIR:-$ND_SOURCE_DIR/../shared}
ND_SANITIZE=${ND_SANITIZE:-}
ND_EXPECTED_DIR=$ND_E2E_DIR/expected
ND_TEST=$(basename "$0" .sh)
# The sample batch doubles as seed articles (the same files as $ND_SHARED_DIR/seeds).
ND_SEEDS=$ND_SOURCE_DIR/data
ND_SEED=$ND_SEEDS/000_beebcc9d70568a44.txt  # Indonesian, 534 words, 21 lines
ND_SEED_OTHER=$ND_SEEDS/004_7112fbb0957666e0.txt

if [ -z "${NEARDUP:-}" ] || [ ! -x "$NEARDUP" ]; then
    echo "$ND_TEST: NEARDUP must name the neardup binary (got '${NEARDUP:-}')" >&2
    exit 1
fi

# A sanitizer report must never pass for "duplicates found" (ASan's default exit status is
# 1); run() also looks for the reports themselves.
ASAN_OPTIONS="exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

TMP=$(mktemp -d "${TMPDIR:-/tmp}/neardup-e2e.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 130' HUP INT TERM
ND_OUT=$TMP/stdout  # what the last run() printed
ND_ERR=$TMP/stderr
ND_STATUS=0
ND_CMD=
ND_FAILURES=0
ND_CHECKS=0

# note MSG: a line of progress on stdout (ctest shows it with --output-on-failure or -V).
note() {
    printf '%s: %s\n' "$ND_TEST" "$*"
}

# fail MSG: reports a failed check (with the last command) and counts it; goes on.
fail() {
    ND_FAILURES=$((ND_FAILURES + 1))
    printf 'FAIL: %s\n  command: %s\n' "$*" "$ND_CMD"
}

# die MSG: the test cannot go on (its own setup failed).
die() {
    printf '%s: error: %s\n' "$ND_TEST" "$*"
    exit 1
}

# skip MSG: exits 77 (ctest: skipped).
skip() {
    printf '%s: skipped: %s\n' "$ND_TEST" "$*"
    exit 77
}

# finish: the end of every script.
finish() {
    if [ "$ND_FAILURES" -gt 0 ]; then
        printf '%s: %d of %d checks FAILED\n' "$ND_TEST" "$ND_FAILURES" "$ND_CHECKS"
        exit 1
    fi
    printf '%s: all %d checks passed\n' "$ND_TEST" "$ND_CHECKS"
    exit 0
}

# need PROGRAM...: skips the test unless every program is on PATH.
need() {
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || skip "'$p' is not installed"
    done
}

# show FILE [LINES]: the first lines of FILE, indented, for failure messages.
show() {
    sed -n "1,${2:-20}p" "$1" | sed 's/^/    | /'
}

# A sanitizer's report on stderr fails the run whatever its exit status.
check_sanitizer() {
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$ND_ERR"; then
        ND_CHECKS=$((ND_CHECKS + 1))
        fail "sanitizer report (exit status $ND_STATUS):"
        show "$ND_ERR" 12
    fi
}

# run CMD...: runs CMD with stdout in $ND_OUT, stderr in $ND_ERR, status in $ND_STATUS.
# Redirect its stdin as usual (`run "$NEARDUP" scan - <file`), but never put it in a
# pipeline: that runs it in a subshell and loses the status; use nd_pipe.
run() {
    ND_CMD="$*"
    "$@" >"$ND_OUT" 2>"$ND_ERR"
    ND_STATUS=$?
    check_sanitizer
    nd_check_json "$@"
}

# nd ARGS...: run "$NEARDUP" ARGS...
nd() {
    run "$NEARDUP" "$@"
}

# nd_pipe FILE ARGS...: `cat FILE | neardup ARGS...`, so standard input is a pipe.
nd_pipe() {
    nd_pipe_in=$1
    shift
    ND_CMD="cat $nd_pipe_in | $NEARDUP $*"
    # shellcheck disable=SC2002 # a pipe is the point
    cat "$nd_pipe_in" | "$NEARDUP" "$@" >"$ND_OUT" 2>"$ND_ERR"
    ND_STATUS=$?
    check_sanitizer
    nd_check_json "$@"
}

# expect_status N: the last run exited with status N.
expect_status() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if [ "$ND_STATUS" -ne "$1" ]; then
        fail "exit status $ND_STATUS, expected $1; stderr:"
        show "$ND_ERR"
    fi
}

# expect_file_same EXPECTED ACTUAL WHAT: exact comparison, with a diff on failure.
expect_file_same() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! cmp -s "$1" "$2"; then
        fail "$3 differs from what was expected (diff -u expected actual):"
        diff -u "$1" "$2" | sed -n '1,40p' | sed 's/^/    | /'
    fi
}

# text_file TEXT FILE: FILE holds TEXT plus a newline, or nothing when TEXT is empty.
text_file() {
    if [ -z "$1" ]; then
        : >"$2"
    else
        printf '%s\n' "$1" >"$2"
    fi
}

# expect_stdout_file F: stdout is exactly the file F. With ND_E2E_UPDATE=1, F is rewritten
# from stdout instead (to regenerate golden files after a deliberate change).
expect_stdout_file() {
    if [ "${ND_E2E_UPDATE:-}" = 1 ]; then
        cp "$ND_OUT" "$1"
        note "updated $1"
    fi
    expect_file_same "$1" "$ND_OUT" "stdout"
}

# expect_stdout_text TEXT: stdout is exactly TEXT and a newline ("" = empty stdout).
expect_stdout_text() {
    text_file "$1" "$TMP/expected"
    expect_file_same "$TMP/expected" "$ND_OUT" "stdout"
}

# expect_stderr_text TEXT: stderr is exactly TEXT and a newline ("" = empty stderr).
expect_stderr_text() {
    text_file "$1" "$TMP/expected"
    expect_file_same "$TMP/expected" "$ND_ERR" "stderr"
}

expect_stderr_empty() {
    expect_stderr_text ""
}

expect_stdout_empty() {
    expect_stdout_text ""
}

# expect_contains FILE WHAT TEXT: FILE has TEXT somewhere (a fixed string).
expect_contains() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! grep -q -F -e "$3" "$1"; then
        fail "$2 does not contain '$3'; it is:"
        show "$1"
    fi
}

# expect_stdout_contains TEXT / expect_stderr_contains TEXT
expect_stdout_contains() {
    expect_contains "$ND_OUT" stdout "$1"
}

expect_stderr_contains() {
    expect_contains "$ND_ERR" stderr "$1"
}

# expect_stderr_lacks TEXT: stderr does not contain TEXT.
expect_stderr_lacks() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if grep -q -F -e "$1" "$ND_ERR"; then
        fail "stderr contains '$1'; it is:"
        show "$ND_ERR"
    fi
}

# expect_line FILE WHAT N TEXT: line N of FILE is exactly TEXT.
expect_line() {
    ND_CHECKS=$((ND_CHECKS + 1))
    got=$(sed -n "$3p" "$1")
    if [ "$got" != "$4" ]; then
        fail "$2 line $3 is not what was expected
    expected: $4
    actual:   $got"
        show "$1"
    fi
}

# expect_stderr_line N TEXT: line N of stderr is exactly TEXT.
expect_stderr_line() {
    expect_line "$ND_ERR" stderr "$1" "$2"
}

# expect_summary TEXT: a line of the text report on stdout begins with TEXT, e.g.
# "3 documents read, 1 skipped; 1 group of near-duplicates (1 document could go)".
expect_summary() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! awk -v t="$1" 'index($0, t) == 1 { found = 1 } END { exit !found }' "$ND_OUT"; then
        fail "no line of stdout begins with '$1'; it is:"
        grep 'documents\{0,1\} read' "$ND_OUT" | show /dev/stdin
    fi
}

# expect_stderr_lines N: stderr has exactly N lines.
expect_stderr_lines() {
    ND_CHECKS=$((ND_CHECKS + 1))
    n=$(wc -l <"$ND_ERR")
    if [ "$n" -ne "$1" ]; then
        fail "stderr has $n lines, expected $1:"
        show "$ND_ERR"
    fi
}

# tsv_pairs FILE: the verified pairs of the TSV report in FILE, "id_a<TAB>id_b"
# one a line, in report order. The report has one record a line, its type first:
# "pair<TAB>id_a<TAB>id_b<TAB>jaccard<TAB>containment_a<TAB>containment_b", then block,
# short and shared records (repeated paragraphs), which this leaves out.
tsv_pairs() {
    awk -F '\t' '$1 == "pair" { print $2 "\t" $3 }' "$1"
}

# expect_pairs TEXT: the verified pairs of a TSV report on stdout are exactly TEXT
# ("id_a<TAB>id_b" one a line; "" = no pairs).
expect_pairs() {
    text_file "$1" "$TMP/expected"
    tsv_pairs "$ND_OUT" >"$TMP/pairs"
    expect_file_same "$TMP/expected" "$TMP/pairs" "the pairs (TSV pair records, ids)"
}

# expect_json PYTHON: stdout parses as JSON (python3) and PYTHON, run with the document in
# `d` and its summary in `s`, raises nothing (write checks as asserts with a message).
# Without python3 (a declared test dependency) the check is skipped with a note.
expect_json() {
    if ! command -v python3 >/dev/null 2>&1; then
        note "python3 not found: JSON check not run: $1"
        return 0
    fi
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
s = d.get("summary", {}) if isinstance(d, dict) else {}
exec(sys.argv[2])
' "$ND_OUT" "$1" >"$TMP/pyerr" 2>&1; then
        fail "JSON check failed: $1"
        tail -n 3 "$TMP/pyerr" | sed 's/^/    | /'
    fi
}

# save NAME: keeps a copy of the last stdout as $TMP/NAME (for comparing runs).
save() {
    cp "$ND_OUT" "$TMP/$1"
}

# text_ids: the ids in a text report on stdout, one a line: each group's representative
# ("  * ID  [representative, ...]") then its members ("    ID  [jaccard ...]").
text_ids() {
    sed -n -e 's/^  \* \(.*\)  \[representative, .*/\1/p' \
        -e 's/^    \([^ ].*\)  \[jaccard .*/\1/p' "$ND_OUT"
}

# ---- inputs ----------------------------------------------------------------------------

# edit_words <IN >OUT: the seed article with three words changed (lines 1, 3 and 5), a
# near-copy with exact word 5-gram Jaccard 0.9449 to the original.
edit_words() {
    sed -e '1s/Jumat/Kamis/' -e '3s/troll/bot/' -e '5s/khusus/umum/'
}

# seed_pair A B: writes the seed article to A and a near-copy (three words edited) to B.
seed_pair() {
    cp "$ND_SEED" "$1" || die "cannot copy $ND_SEED"
    edit_words <"$ND_SEED" >"$2"
    cmp -s "$1" "$2" && die "the seed edit changed nothing"
    chmod 644 "$1" "$2"
}

# jsonl_doc ID FILE: one JSON Lines record {"id": ID, "text": the contents of FILE}.
# (Escapes backslashes, quotes and tabs; carriage returns are dropped.)
jsonl_doc() {
    printf '{"id": "%s", "text": "' "$1"
    tr -d '\r' <"$2" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' |
        awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }'
    printf '"}\n'
}

# ---- the standard checks for one skipped input -----------------------------------------
#
# check_skipped_input PATH...: scans PATH... (which hold one bad input and a pair of
# near-duplicates) with every report format and exit option, and checks that the bad input
# is reported once, exactly, and counted, and that the pair is still found. Set first:
#   SK_MSG    the exact error line on stderr ("neardup: PATH:LINE: ...")
#   SK_SOURCE the skipped input's "source" in the JSON report
#   SK_LINE   its "line" there (a number, or None)
#   SK_PAIR   the pair as "id_a<TAB>id_b"
#   SK_DOCS   how many documents are read (not skipped)
check_skipped_input() {
    sk_summary="neardup: 1 input skipped (see above); exit status 2 (use --allow-skips to accept skips)"
    sk_count="$SK_DOCS documents"
    [ "$SK_DOCS" -eq 1 ] && sk_count="1 document"

    # The default text report: the group, then the counts; the message then the summary.
    nd scan "$@"
    expect_status 2
    printf '%s\n%s\n' "$SK_MSG" "$sk_summary" >"$TMP/stderr.expected"
    expect_file_same "$TMP/stderr.expected" "$ND_ERR" "stderr"
    expect_stdout_contains "group 1: 2 documents"
    expect_summary "$sk_count read, 1 skipped; 1 group of near-duplicates (1 document could go)"
    text_ids | sed 's/ ([^()]*:[0-9]*)$//' >"$TMP/ids"  # "ID (PATH:LINE)" of JSON records
    printf '%s\n' "$SK_PAIR" | tr '\t' '\n' >"$TMP/ids.expected"
    expect_file_same "$TMP/ids.expected" "$TMP/ids" "the group's members"

    # TSV: exactly the pair.
    nd scan -f tsv "$@"
    expect_status 2
    expect_pairs "$SK_PAIR"
    expect_stderr_line 1 "$SK_MSG"

    # JSON: the counts and the skipped input with where it was.
    nd scan -f json "$@"
    expect_status 2
    SK_A=$(printf '%s' "$SK_PAIR" | cut -f 1)
    SK_B=$(printf '%s' "$SK_PAIR" | cut -f 2)
    expect_json "
assert s['documents'] == $SK_DOCS and s['skipped'] == 1 and s['groups'] == 1, s
assert [m['id'] for m in d['groups'][0]['members']] == ['$SK_A', '$SK_B'], d['groups']
assert len(d['skipped']) == 1, d['skipped']
sk = d['skipped'][0]
assert sk['source'] == '''$SK_SOURCE''' and sk['line'] == $SK_LINE, sk
assert '''$SK_MSG'''.endswith(sk['message']), sk"

    # --allow-skips: 0, or 1 with --fail-on-duplicates; without it 2 wins over 1.
    nd scan --allow-skips -f tsv "$@"
    expect_status 0
    expect_pairs "$SK_PAIR"
    expect_stderr_contains "$SK_MSG"
    expect_stderr_line '$' "neardup: 1 input skipped (see above)"
    nd scan --allow-skips --fail-on-duplicates -f tsv "$@"
    expect_status 1
    expect_pairs "$SK_PAIR"
    nd scan --fail-on-duplicates -f tsv "$@"
    expect_status 2
    expect_pairs "$SK_PAIR"

    # -q hides warnings, never errors.
    nd scan -q -f tsv "$@"
    expect_status 2
    expect_stderr_text "$SK_MSG"
}

# ---- JSON reports: every one an e2e test produces is validated -------------------------
#
# run and nd_pipe call nd_check_json after every command: when its command line asks for
# the JSON report (-f json, --format json, --format=json, -fjson), stdout must be one valid
# JSON document (expect_valid_json), or empty when the run failed with status 2.

# nd_wants_json ARGS...: true when ARGS ask for the JSON report (options end at --).
nd_wants_json() {
    nd_wj_prev=
    for nd_wj_arg in "$@"; do
        case $nd_wj_arg in
        --) return 1 ;;
        --format=json | -fjson) return 0 ;;
        json) if [ "$nd_wj_prev" = -f ] || [ "$nd_wj_prev" = --format ]; then return 0; fi ;;
        esac
        nd_wj_prev=$nd_wj_arg
    done
    return 1
}

# expect_valid_json FILE: FILE is exactly one JSON object, by Python's parser, after strict
# UTF-8 decoding (a byte that is not UTF-8 fails), without NaN or Infinity (which
# json.loads would accept) and without a key twice in one object. Without python3 (a
# declared test dependency) the check is skipped with a note.
expect_valid_json() {
    if ! command -v python3 >/dev/null 2>&1; then
        note "python3 not found: JSON validity of $1 not checked"
        return 0
    fi
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 -c '
import json, sys
def constant(name):
    raise ValueError("%s is not JSON" % name)
def unique(pairs):
    keys = set()
    for k, _ in pairs:
        if k in keys:
            raise ValueError("key %r twice in one object" % k)
        keys.add(k)
    return dict(pairs)
with open(sys.argv[1], "rb") as f:
    text = f.read().decode("utf-8", errors="strict")
d = json.loads(text, parse_constant=constant, object_pairs_hook=unique)
assert isinstance(d, dict), "the report is not a JSON object"
' "$1" >"$TMP/jsonerr" 2>&1; then
        fail "the JSON report is not valid JSON:"
        tail -n 2 "$TMP/jsonerr" | sed 's/^/    | /'
    fi
}

# nd_check_json ARGS...: after a command run with ARGS (see above).
nd_check_json() {
    nd_wants_json "$@" || return 0
    if [ ! -s "$ND_OUT" ]; then
        [ "$ND_STATUS" -eq 2 ] && return 0
        ND_CHECKS=$((ND_CHECKS + 1))
        fail "no JSON report on stdout (exit status $ND_STATUS)"
        return 0
    fi
    expect_valid_json "$ND_OUT"
}

# expect_terminal_safe FILE WHAT: FILE (a report or stderr) is valid UTF-8 without control
# characters other than tab and newline (no C0, DEL or C1): nothing in it can drive a
# terminal or break a UTF-8 reader. Skipped with a note without python3.
expect_terminal_safe() {
    if ! command -v python3 >/dev/null 2>&1; then
        note "python3 not found: $2 not checked for raw control bytes"
        return 0
    fi
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 -c '
import sys
with open(sys.argv[1], "rb") as f:
    raw = f.read()
try:
    text = raw.decode("utf-8", errors="strict")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8: %s near %r" % (e.reason, raw[max(0, e.start - 20):e.end + 5]))
for i, ch in enumerate(text):
    o = ord(ch)
    if (o < 0x20 and ch not in "\t\n") or 0x7f <= o <= 0x9f:
        sys.exit("control character U+%04X near %r" % (o, text[max(0, i - 20):i + 5]))
' "$1" >"$TMP/safeerr" 2>&1; then
        fail "$2 is not terminal-safe: $(cat "$TMP/safeerr")"
    fi
}
