# clean_usage.sh - `clean` and `restore` on the command line: help, usage errors (stderr
# and exit 2, nothing written), and what OUTDIR and DEST may be.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "no $TMP"
mkdir in && seed_pair in/a.txt in/b.txt

# usage_error MSG ARGS...: `neardup ARGS` fails with MSG, the hint and status 2, on stderr
# only, and writes no out/.
usage_error() {
    msg=$1
    shift
    nd "$@"
    expect_status 2
    expect_stdout_empty
    expect_stderr_text "neardup: $msg
Try 'neardup $1 --help'."
    ND_CHECKS=$((ND_CHECKS + 1))
    [ ! -e out ] || fail "out/ was written"
}

nd clean --help
expect_status 0
expect_stderr_empty
expect_line "$ND_OUT" stdout 1 "Usage: neardup clean [OPTIONS] -o OUTDIR PATH..."
expect_stdout_contains "Every option of 'neardup scan' applies as well"
nd restore -h
expect_status 0
expect_line "$ND_OUT" stdout 1 "Usage: neardup restore [OPTIONS] OUTDIR DEST"
nd clean -V
expect_status 0
expect_stdout_contains "neardup "
nd --help
expect_stdout_contains "  clean    write the batch without them, and everything removed, losslessly"

usage_error "no output directory given (-o OUTDIR)" clean in
usage_error "no PATH given (use - for standard input)" clean -o out
usage_error "option '-o' needs a value" clean in -o
usage_error "unknown option '--frob'" clean --frob -o out in
usage_error "--remove takes groups, blocks, short, boilerplate or all, not 'dups'" clean --remove dups -o out in
usage_error "--keep takes longest, first or last, not 'best'" clean --keep best -o out in
usage_error "--keep-by takes FIELD:min or FIELD:max, not 'published'" clean --keep-by published -o out in
usage_error "--keep-by takes FIELD:min or FIELD:max, not ':min'" clean --keep-by :min -o out in
usage_error "--remove short needs --parts to include short" clean --remove short --parts groups,blocks -o out in
usage_error "--perms takes a whole number from 1 to 1024, not '0'" clean --perms 0 -o out in
usage_error "--parts takes groups, blocks, short, shared or all, not 'x'" clean --parts x -o out in
usage_error "--bands (200) cannot exceed --perms (128)" clean -b 200 -o out in
usage_error "expected OUTDIR and DEST, got 1 argument" restore out
usage_error "unknown option '--frob'" restore --frob out back

# OUTDIR: not empty (nothing touched), a file, a directory of another run with --force.
mkdir out && echo mine >out/notes.txt
nd clean -o out in
expect_status 2
expect_stdout_empty
expect_stderr_text "neardup: out: is not empty (--force writes into it anyway)
neardup: clean stopped; nothing was written to out"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(ls -A out)" = notes.txt ] || fail "out/ holds $(ls -A out)"
nd clean -q --force -o out in
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(ls -A out | tr '\n' ' ')" = "kept notes.txt removed.jsonl " ] || fail "out/ holds $(ls -A out)"
nd clean -o out/notes.txt in
expect_status 2
expect_stderr_text "neardup: out/notes.txt: exists and is not a directory
neardup: clean stopped; nothing was written to out/notes.txt"
# An input inside OUTDIR (a second run over its own output) is refused, even with --force.
nd clean -q --force -o out out/kept
expect_status 2
expect_stderr_contains "neardup: out/kept/in/a.txt: is inside the output directory out (clean a copy, or write elsewhere)"
ND_CHECKS=$((ND_CHECKS + 1))
[ -f out/kept/in/a.txt ] || fail "out/kept/in/a.txt is gone"
# One file named twice would be one kept/ file.
nd clean -q -o out2 in/a.txt ./in/a.txt in/b.txt
expect_status 2
expect_stderr_text "neardup: in/a.txt: two inputs would both be kept/in/a.txt (name each file once)
neardup: clean stopped; nothing was written to out2"
ND_CHECKS=$((ND_CHECKS + 1))
[ ! -e out2 ] || fail "out2/ was written"
# A closed standard output: refused before anything is read or written.
"$NEARDUP" clean -o out3 in >&- 2>"$ND_ERR"
ND_STATUS=$?
ND_CMD="neardup clean -o out3 in >&-"
expect_status 2
expect_stderr_text "neardup: cannot write the report: Bad file descriptor"
ND_CHECKS=$((ND_CHECKS + 1))
[ ! -e out3 ] || fail "out3/ was written"

# restore: DEST not empty; OUTDIR that is not a clean's.
mkdir back && echo x >back/x
nd restore out back
expect_status 2
expect_stderr_text "neardup: back: is not empty (--force writes into it anyway)
neardup: restore stopped; nothing was written to back"
nd restore --force out back
expect_status 0
expect_file_same in/b.txt back/in/b.txt "restored in/b.txt"
expect_file_same back/x back/x "back/x"
nd restore in back2
expect_status 2
expect_stderr_text "neardup: in: is not the output of a clean (no kept/ directory)
neardup: restore stopped; nothing was written to back2"
ND_CHECKS=$((ND_CHECKS + 1))
[ ! -e back2 ] || fail "back2/ was written"

finish
