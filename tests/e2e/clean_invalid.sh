# clean_invalid.sh - input the scan skips is never lost by `clean`: copied to kept/
# unchanged with a warning (exit 2, or 0 with --allow-skips, as scan), or moved to
# removed.jsonl (kind "invalid", base64 when not UTF-8) with --drop-invalid; `restore`
# brings it back either way.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "no $TMP"
mkdir bad && seed_pair bad/a.txt bad/b.txt
printf 'Line one.\nLine \377 two.\n' >bad/latin1.txt
printf '{"id": "x", "text": "one two three"}\n{"id": "y", "text": nope}\n{"id": "z", "text": "caf\351"}\n' >bad/feed.jsonl
: >bad/empty.txt

nd clean -o out --parts groups bad/
expect_status 2
# The scan's messages first, then clean's, in input order.
expect_stderr_line 1 "neardup: bad/empty.txt: empty file"
expect_stderr_line 5 "neardup: warning: bad/empty.txt: skipped; the file is copied unchanged to kept/ (--drop-invalid moves it to removed.jsonl)"
expect_stderr_contains "neardup: bad/feed.jsonl:2: malformed JSON near column 21"
expect_stderr_contains "neardup: warning: bad/feed.jsonl: skipped lines copied unchanged to kept/ (--drop-invalid moves them to removed.jsonl)"
expect_stderr_contains "neardup: warning: bad/latin1.txt: skipped; the file is copied unchanged to kept/"
expect_stderr_line '$' "neardup: 4 inputs skipped (see above); exit status 2 (use --allow-skips to accept skips)"
expect_stdout_contains "cleaned: 1 document and 0 line ranges removed (4040 bytes), 4 skipped inputs kept as they were; 4 files written to kept/"
for f in empty.txt feed.jsonl latin1.txt a.txt; do
    expect_file_same "bad/$f" "out/kept/bad/$f" "kept/bad/$f"
done
nd restore out back
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r bad back/bad >diff.out 2>&1 || { fail "restore differs:"; show diff.out; }

nd clean -q -o out-ok --allow-skips --parts groups bad/
expect_status 0
nd clean -q -o out-ok2 --allow-skips --fail-on-duplicates --parts groups bad/
expect_status 1

# --drop-invalid: moved, with what the scan said; the text files have no kept file.
nd clean -q -o out2 --drop-invalid --parts groups bad/
expect_status 2
expect_stdout_contains "cleaned: 1 document and 0 line ranges removed (4116 bytes), 4 skipped inputs moved; 2 files written to kept/"
ND_CHECKS=$((ND_CHECKS + 1))
[ ! -e out2/kept/bad/latin1.txt ] && [ ! -e out2/kept/bad/empty.txt ] || fail "$(find out2)"
printf '{"id": "x", "text": "one two three"}\n' >want
expect_file_same want out2/kept/bad/feed.jsonl "kept/bad/feed.jsonl"
python3 -c '
import base64, json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    if e["kind"] != "invalid":
        continue
    b = base64.b64decode(e["bytes_base64"]) if "bytes_base64" in e else e["bytes"].encode()
    print(e["path"], e["line"], e["offset"], e["reason"]["error"], repr(b))
' out2/removed.jsonl >got
cat >want <<'EOW'
bad/empty.txt 1 0 empty document b''
bad/feed.jsonl 2 37 malformed JSON b'{"id": "y", "text": nope}\n'
bad/feed.jsonl 3 63 invalid UTF-8 b'{"id": "z", "text": "caf\xe9"}\n'
bad/latin1.txt 1 0 invalid UTF-8 b'Line one.\nLine \xff two.\n'
EOW
expect_file_same want got "the invalid entries"
nd restore out2 back2
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r bad back2/bad >diff.out 2>&1 || { fail "restore differs:"; show diff.out; }

finish
