# binary_file.sh - a .txt file of random bytes with a NUL in it (and a JSON Lines file with a
# NUL byte) next to a near-duplicate pair: "neardup: PATH: byte N: binary file (...)" with
# the NUL's offset, counted as skipped, the pair still found; exit 2, or 0/1 with
# --allow-skips.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || die "cannot cd to $TMP"
mkdir in
seed_pair in/a.txt in/c.txt
# Random bytes without NULs, then "xx" and a NUL: the first NUL is at offset size + 2.
head -c 4096 /dev/urandom | tr -d '\000' >in/b.txt
size=$(wc -c <in/b.txt)
size=$((size + 0))
printf 'xx\000yy' >>in/b.txt
nul=$((size + 2))
SK_MSG="neardup: in/b.txt: byte $nul: binary file (a NUL byte)"
SK_SOURCE=in/b.txt SK_LINE=None SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in

# A JSON Lines file with a NUL byte in its first line.
rm in/b.txt
printf '{"id": "x", "text": "a\000b"}\n' >bin.jsonl
SK_MSG='neardup: bin.jsonl: byte 22: binary file (a NUL byte)'
SK_SOURCE=bin.jsonl
check_skipped_input in/a.txt bin.jsonl in/c.txt

finish
