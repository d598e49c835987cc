# readme.sh - the README's examples are what the binary prints. Every fenced block of
# README.md whose info string is `console` is a transcript: a line "$ COMMAND" is run, and
# the lines up to the next "$ " line are exactly what it prints, standard output and
# standard error together, in order. A line of only "..." (indentation allowed) stands for
# any number of lines. The blocks run in README order, each in a new `sh` (so `echo $?`
# works within a block), all in one scratch directory that holds a copy of the
# repository's data/, as if run from the top of a checkout (with ../shared the team's
# shared directory, $ND_SHARED_DIR); `neardup` is the binary under test. A block that uses
# ../shared is skipped, with a note, where that directory is missing. A block that differs fails the test with a diff and its line in README.md, so a
# change of the output needs the README changed with it.
. "$(dirname "$0")/lib.sh"
need python3

README=$ND_SOURCE_DIR/README.md
[ -f "$README" ] || die "no README.md in $ND_SOURCE_DIR"
mkdir "$TMP/work" || die "cannot make $TMP/work"
cp -R "$ND_SOURCE_DIR/data" "$TMP/work/data" || die "cannot copy data/"
if [ -d "$ND_SHARED_DIR/data" ]; then
    ln -s "$(cd "$ND_SHARED_DIR" && pwd)" "$TMP/shared" || die "cannot link $ND_SHARED_DIR"
fi

ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="the console blocks of $README"
if ! python3 - "$README" "$TMP/work" "$NEARDUP" >"$TMP/readme.out" 2>&1 <<'EOF'; then
import difflib, os, re, shlex, subprocess, sys

readme, work, binary = sys.argv[1:4]
MIN_BLOCKS = 4  # the README has at least this many; fewer means the markers were lost

def blocks(lines):
    """Yields (line number of the fence, the block's lines) for each console block."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == "```console":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].rstrip() != "```":
                body.append(lines[i])
                i += 1
            yield start, body
        i += 1

def matches(want, got):
    """want (with "..." lines matching any run of lines) against got, exactly otherwise:
    ok[j] says whether got[j:] matches what is left of want (dynamic programming)."""
    ok = [j == len(got) for j in range(len(got) + 1)]
    for w in reversed(want):
        if w.strip() == "...":
            for j in range(len(got) - 1, -1, -1):
                ok[j] = ok[j] or ok[j + 1]
        else:
            ok = [j < len(got) and got[j] == w and ok[j + 1] for j in range(len(got) + 1)]
    return ok[0]

with open(readme, encoding="utf-8") as f:
    lines = f.read().split("\n")
failed = n = 0
env = dict(os.environ, NEARDUP=binary)
have_shared = os.path.isdir(os.path.join(work, "..", "shared", "data"))
for start, body in blocks(lines):
    n += 1
    if not have_shared and any("../shared/" in l for l in body if l.startswith("$ ")):
        print("README.md:%d: skipped: it reads ../shared, which is missing" % start)
        continue
    if not body or not body[0].startswith("$ "):
        print("README.md:%d: a console block must start with a '$ ' command" % start)
        failed += 1
        continue
    script = ['neardup() { "$NEARDUP" "$@"; }', "exec 2>&1"]
    for line in body:
        if line.startswith("$ "):
            # Print the command line without losing the last status ($? in the README).
            script.append("nd_st=$?; printf '%%s\\n' %s; (exit $nd_st)" % shlex.quote(line))
            script.append(line[2:])
    got = subprocess.run(["sh", "-c", "\n".join(script)], cwd=work, env=env,
                         stdout=subprocess.PIPE, stdin=subprocess.DEVNULL).stdout
    got = got.decode("utf-8", errors="backslashreplace").split("\n")
    if got and got[-1] == "":
        got.pop()
    if not matches(body, got):
        failed += 1
        print("README.md:%d: the console block differs from the binary's output:" % start)
        for d in difflib.unified_diff(body, got, "README.md", "neardup", lineterm="", n=2):
            print("    | " + d)
if n < MIN_BLOCKS:
    print("README.md has %d console blocks, expected at least %d" % (n, MIN_BLOCKS))
    failed += 1
print("%d console blocks, %d differ" % (n, failed))
sys.exit(1 if failed else 0)
EOF
    fail "the README's examples differ from what the binary prints:"
    sed 's/^/    /' "$TMP/readme.out"
else
    while IFS= read -r line; do note "$line"; done <"$TMP/readme.out"
fi

finish
