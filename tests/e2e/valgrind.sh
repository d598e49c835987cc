# valgrind.sh - the non-sanitized binary under valgrind (memcheck): the sample batch, a
# near-duplicate group (two threads), standard input, every small bad input, a directory
# with a warning and usage errors; each run must exit as it does without valgrind (never
# valgrind's 99) with no memory error and no definite or indirect leak. Skipped in the
# sanitizer build and when valgrind is not installed.
. "$(dirname "$0")/lib.sh"

[ -z "$ND_SANITIZE" ] || skip "sanitizer build (valgrind cannot run it)"
need valgrind

real=$NEARDUP
NEARDUP=$TMP/neardup-under-valgrind
printf '#!/bin/sh\nexec valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect -q --log-file="%s" "%s" "$@"\n' \
    "$TMP/valgrind.log" "$real" >"$NEARDUP"
chmod 755 "$NEARDUP"

# vg_expect N: the last run exited with N, and valgrind reported nothing.
vg_expect() {
    expect_status "$1"
    ND_CHECKS=$((ND_CHECKS + 1))
    if [ "$ND_STATUS" -eq 99 ] || [ -s "$TMP/valgrind.log" ]; then
        fail "valgrind reports errors (exit status $ND_STATUS):"
        show "$TMP/valgrind.log" 30
    fi
    ND_CHECKS=$((ND_CHECKS + 1))
    ! grep -q 'definitely lost' "$TMP/valgrind.log" || fail "valgrind: memory definitely lost"
    rm -f "$TMP/valgrind.log"
}

# The sample batch.
(cd "$ND_SOURCE_DIR" && "$NEARDUP" scan data/ >"$ND_OUT" 2>"$ND_ERR")
ND_STATUS=$? ND_CMD="(in $ND_SOURCE_DIR) valgrind neardup scan data/"
vg_expect 0
expect_stdout_file "$ND_EXPECTED_DIR/sample.txt"
expect_stderr_empty

cd "$TMP" || die "cannot cd to $TMP"
mkdir nc bad
cp "$ND_SEED" nc/1.txt
edit_words <"$ND_SEED" >nc/2.txt
{ cat "$ND_SEED"; echo "Baca juga: Berita terkini lainnya."; } >nc/3.txt
cp "$ND_SEED_OTHER" nc/4.txt

# A group, with two worker threads; every report format.
nd scan --threads 2 nc
vg_expect 0
expect_stdout_contains "group 1: 3 documents"
nd scan --threads 2 -f json --fail-on-duplicates nc
vg_expect 1
nd scan --threads 1 -f tsv --all-pairs nc
vg_expect 0
expect_pairs "nc/1.txt	nc/2.txt
nc/1.txt	nc/3.txt
nc/2.txt	nc/3.txt"

# Standard input: JSON Lines through a pipe, one article, nothing.
{ jsonl_doc a nc/1.txt; jsonl_doc b nc/4.txt; jsonl_doc c nc/2.txt; } >docs.jsonl
nd_pipe docs.jsonl scan -f tsv -
vg_expect 0
expect_pairs "a	c"
nd scan - nc/2.txt <nc/1.txt
vg_expect 0
nd scan - </dev/null
vg_expect 2

# bad_input NAME-OF-CASE PATH EXPECTED-ERROR-LINE: scanning the group plus PATH exits 2,
# names the input, and valgrind is quiet.
bad_input() {
    nd scan -f tsv --all-pairs nc "$2"
    vg_expect 2
    expect_pairs "nc/1.txt	nc/2.txt
nc/1.txt	nc/3.txt
nc/2.txt	nc/3.txt"
    expect_stderr_line 1 "$3"
}
printf 'Line one is fine.\nLine two is fine too.\nLine three has a bad \377 byte.\n' >bad/utf8.txt
bad_input invalid_utf8 bad/utf8.txt 'neardup: bad/utf8.txt:3: invalid UTF-8 at byte 61; skipped'
printf '{"id": "u", "text": "abc \377 def"}\n' >bad/utf8.jsonl
bad_input invalid_utf8_jsonl bad/utf8.jsonl \
    'neardup: bad/utf8.jsonl:1: invalid UTF-8 at byte 4 of the "text" field; skipped'
: >bad/empty.txt
bad_input empty_file bad/empty.txt 'neardup: bad/empty.txt: empty file'
printf 'GIF89a\001\000\001\000\000\377' >bad/binary.txt
bad_input binary_file bad/binary.txt 'neardup: bad/binary.txt: byte 7: binary file (a NUL byte)'
bad_input missing_path bad/nope.txt 'neardup: bad/nope.txt: cannot open: No such file or directory'
echo 'not JSON' >bad/malformed.jsonl
bad_input malformed_json bad/malformed.jsonl 'neardup: bad/malformed.jsonl:1: malformed JSON near column 1'
echo '{"id": "x", "body": "no text field"}' >bad/notext.jsonl
bad_input missing_text_field bad/notext.jsonl 'neardup: bad/notext.jsonl:1: no "text" field'
printf '{"id": "x", "text": "cut in the midd' >bad/truncated.jsonl
nd scan -f tsv nc bad/truncated.jsonl
vg_expect 2
expect_stderr_contains 'neardup: bad/truncated.jsonl:1: malformed JSON'
printf '... !!! ---\n' >bad/nowords.txt
bad_input no_words bad/nowords.txt 'neardup: bad/nowords.txt:1: no words (only punctuation or symbols); skipped'
{ printf '{"id": "long", "text": "'; head -c 5000 /dev/zero | tr '\000' 'a'; printf '"}\n'; } >bad/long.jsonl
nd scan -f tsv --max-bytes 4K nc bad/long.jsonl
vg_expect 2
expect_stderr_line 1 'neardup: bad/long.jsonl:1: line is longer than the 4096-byte limit (--max-bytes); skipped'

# A directory with a warning; usage errors; help.
echo '<html></html>' >nc/page.html
nd scan -f tsv nc
vg_expect 0
expect_stderr_text 'neardup: warning: nc/page.html: ignored: not a .txt, .jsonl, .csv, .tsv, .warc or .wet file (plain, .gz or .zst)'
nd scan --frob x
vg_expect 2
nd scan --threshold 1.5 x
vg_expect 2
nd scan --help
vg_expect 0

# Several inputs skipped in one run (two of them paths that cannot be opened).
nd scan -f tsv nc bad bad/nope1.txt bad/nope2.txt
vg_expect 2
expect_stderr_contains 'neardup: bad/nope1.txt: cannot open: No such file or directory'
expect_stderr_contains 'neardup: bad/nope2.txt: cannot open: No such file or directory'

finish
