# progress.sh - the progress line: drawn on stderr when it is a terminal (here a
# pseudo-terminal made by script(1) from bsdutils), one line redrawn in place ("\r", the
# line, "\033[K") and cleared at the end ("\r\033[K" last); never into a pipe or a file
# unless --progress asks for it; --no-progress and -q turn it off. The report on stdout is
# the same with and without it.
. "$(dirname "$0")/lib.sh"
need script python3

cd "$TMP" || die "cannot cd to $TMP"
mkdir in || die "mkdir"
seed_pair in/a.txt in/b.txt
cp "$ND_SEEDS"/*.txt in/ || die "cp"
nd scan in
save plain

# on_tty ARGS...: runs neardup ARGS with stderr on a pseudo-terminal (stdout to $TMP/tty.out);
# what the terminal received is in $TMP/tty.log.
on_tty() {
    ND_CMD="script $NEARDUP $*"
    # shellcheck disable=SC2016 # expanded by the inner shell
    TERM=xterm script -q -e -c "\"$NEARDUP\" $* >\"$TMP/tty.out\"" "$TMP/tty.log" >/dev/null 2>&1 </dev/null
    ND_STATUS=$?
}

# drawn FILE: checks what a terminal received: at least one progress line, each drawn in
# place, and the screen cleared last. Prints what it saw on failure.
expect_drawn() {
    ND_CHECKS=$((ND_CHECKS + 1))
    if ! python3 - "$1" >"$TMP/drawn" 2>&1 <<'PY'; then
import re, sys
raw = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
# script(1) writes a header and a footer line in some versions: keep what is between.
raw = re.sub(r"^Script started.*?\n", "", raw)
raw = re.sub(r"\n?Script done.*$", "", raw, flags=re.S)
raw = raw.replace("\r\n", "\n")
assert "\n" not in raw.strip("\n"), "a newline in the progress output: %r" % raw[:300]
draws = re.findall(r"\r([^\r\x1b]*)\x1b\[K", raw)
lines = [d for d in draws if d]
assert lines, "no progress line drawn: %r" % raw[:300]
assert raw.endswith("\r\x1b[K"), "not cleared at the end: %r" % raw[-80:]
assert lines[0].startswith("neardup: reading "), lines[0]
for d in lines:
    assert d.startswith("neardup: "), d
    assert len(d) < 80, "wider than the terminal: %r" % d
print(len(lines), "lines drawn:", " | ".join(lines[:4]))
PY
        fail "the progress on the terminal: $(cat "$TMP/drawn")"
    else
        note "$(cat "$TMP/drawn")"
    fi
}

on_tty scan in
expect_status 0
expect_drawn "$TMP/tty.log"
expect_file_same "$TMP/plain" "$TMP/tty.out" "stdout with progress on the terminal"

# A batch big enough to be redrawn: 300 copies of the seed with one word changed in each.
mkdir big || die "mkdir"
i=0
while [ "$i" -lt 300 ]; do
    sed "s/Jumat/Jumat$i/" "$ND_SEED" >big/$i.txt
    i=$((i + 1))
done
on_tty scan --threads 1 big
expect_status 0
expect_drawn "$TMP/tty.log"
ND_CHECKS=$((ND_CHECKS + 1))
grep -q "verifying" "$TMP/tty.log" || fail "no 'verifying' phase drawn: $(head -c 300 "$TMP/tty.log")"

# Off on a terminal with --no-progress or -q.
for opt in --no-progress -q; do
    on_tty scan $opt in
    expect_status 0
    ND_CHECKS=$((ND_CHECKS + 1))
    if grep -q "neardup: " "$TMP/tty.log"; then
        fail "progress drawn with $opt: $(head -c 200 "$TMP/tty.log" | od -c | head -n 3)"
    fi
done
on_tty scan -q --progress in
expect_drawn "$TMP/tty.log"

# Never into a pipe or a file unless asked for.
nd scan in
expect_stderr_empty
nd_pipe "$ND_SEED" scan -
expect_stderr_empty
nd scan --progress in
expect_status 0
expect_file_same "$TMP/plain" "$ND_OUT" "stdout with --progress"
expect_drawn "$ND_ERR"
# A warning clears the line before it is printed, and the line comes back after it.
touch in/z.bin
nd scan --progress in/a.txt in/z.bin
expect_stderr_contains "neardup: in/z.bin: empty file"
ND_CHECKS=$((ND_CHECKS + 1))
grep -q "$(printf '\033\\[K')neardup: in/z.bin: empty file" "$ND_ERR" ||
    fail "the message is not printed on a cleared line: $(od -c "$ND_ERR" | head -n 5)"

finish
