# usage.sh - the command line itself: usage errors give an exact message (and, for wrong
# options and arguments, "Try 'neardup ... --help'.") on stderr, nothing on stdout, exit 2,
# before any input is read; --help/-h print usage on stdout with exit 0; --version/-V print
# "neardup X.Y.Z"; `--` ends the options.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
version=$(sed -n 's/^project(neardup VERSION \([0-9][0-9.]*\).*/\1/p' "$ND_SOURCE_DIR/CMakeLists.txt")
[ -n "$version" ] || version=0.1.0

# usage_error TEXT ARGS...: neardup ARGS... exits 2 with stderr exactly TEXT, stdout empty.
usage_error() {
    ue_text=$1
    shift
    nd "$@"
    expect_status 2
    expect_stdout_empty
    expect_stderr_text "$ue_text"
}
TRY_MAIN="Try 'neardup --help'."
TRY_SCAN="Try 'neardup scan --help'."

# The program.
usage_error "neardup: missing command
$TRY_MAIN"
usage_error "neardup: unknown command 'frob'
$TRY_MAIN" frob
usage_error "neardup: unknown option '--frob'
$TRY_MAIN" --frob

# `scan`: options and their values. "x" would be a missing path: it is never reached.
usage_error "neardup: no PATH given (use - for standard input)
$TRY_SCAN" scan
usage_error "neardup: no PATH given (use - for standard input)
$TRY_SCAN" scan -f tsv
usage_error "neardup: unknown option '--frob'
$TRY_SCAN" scan --frob x
usage_error "neardup: unknown option '-x'
$TRY_SCAN" scan -x x
usage_error "neardup: option '--ngram' needs a value
$TRY_SCAN" scan x --ngram
usage_error "neardup: --threshold takes a number above 0 and at most 1, not '1.5'
$TRY_SCAN" \
    scan --threshold 1.5 x
usage_error "neardup: --threshold takes a number above 0 and at most 1, not 'abc'
$TRY_SCAN" \
    scan --threshold abc x
usage_error "neardup: --threshold takes a number above 0 and at most 1, not '0'
$TRY_SCAN" \
    scan --threshold 0 x
usage_error "neardup: --threshold takes a number above 0 and at most 1, not '0.8x'
$TRY_SCAN" \
    scan -t 0.8x x
usage_error "neardup: --perms takes a whole number from 1 to 1024, not '0'
$TRY_SCAN" scan --perms 0 x
usage_error "neardup: --perms takes a whole number from 1 to 1024, not '1025'
$TRY_SCAN" scan -k 1025 x
usage_error "neardup: --ngram takes a whole number from 1 to 64, not '-3'
$TRY_SCAN" scan --ngram -3 x
usage_error "neardup: --threads takes a whole number from 0 to 256, not 'many'
$TRY_SCAN" \
    scan --threads many x
usage_error "neardup: --max-bytes takes a size from 1 to 1073741824 bytes (K, M, G suffixes allowed), not '2G'
$TRY_SCAN" \
    scan --max-bytes 2G x
usage_error "neardup: --format takes text, json, tsv or html, not 'xml'
$TRY_SCAN" scan --format xml x
usage_error "neardup: --verify takes exact or estimate, not 'maybe'
$TRY_SCAN" scan --verify maybe x
usage_error "neardup: --input-format takes auto, txt, jsonl, csv, tsv or warc, not 'xml'
$TRY_SCAN" scan --input-format xml x
usage_error "neardup: --bands (200) cannot exceed --perms (128)
$TRY_SCAN" scan --bands 200 --perms 128 x
usage_error "neardup: --bands (65) cannot exceed --perms (64)
$TRY_SCAN" scan -k 64 -b 65 x

# Help: on stdout, exit 0, nothing on stderr; it documents the exit status.
for args in --help -h "scan --help" "scan -h"; do
    case $args in
    scan*) first='Usage: neardup scan [OPTIONS] PATH...' ;;
    *) first='Usage: neardup COMMAND [OPTIONS] PATH...' ;;
    esac
    # shellcheck disable=SC2086
    nd $args
    expect_status 0
    expect_stderr_empty
    expect_line "$ND_OUT" "stdout of '$args'" 1 "$first"
    expect_stdout_contains "Exit status"
done
nd scan --help
expect_stdout_contains "--allow-skips"
expect_stdout_contains "--fail-on-duplicates"
expect_stdout_contains "2 wins over 1"
nd scan --help x y
expect_status 0
expect_stderr_empty

# Version.
for args in --version -V "scan --version" "scan -V"; do
    # shellcheck disable=SC2086
    nd $args
    expect_status 0
    expect_stdout_text "neardup $version"
    expect_stderr_empty
done

# `--` ends the options: a file named like an option is read.
cp "$ND_SEED" ./-f
edit_words <"$ND_SEED" >./--frob
nd scan -f tsv -- -f --frob
expect_status 0
expect_pairs "-f	--frob"
expect_stderr_empty

finish
