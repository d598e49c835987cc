# manpage.sh - the documentation agrees with the program, for every command it has:
#   - the man page (doc/neardup.1.in, built as $ND_BUILD_DIR/neardup.1) has a section for
#     every command in `neardup --help` and no other, and each section lists exactly the
#     options of that command's --help (the program's own in OPTIONS); it renders without
#     a warning;
#   - every option of every --help is in the README, and every option in the README's
#     option tables is in some --help;
#   - the bash completion offers every command and every option of each command's --help.
# Commands are read from `neardup --help`, so a command added later is checked too.
. "$(dirname "$0")/lib.sh"
need python3

MAN=$ND_SOURCE_DIR/doc/neardup.1.in
BUILT=${ND_BUILD_DIR:-}/neardup.1
[ -f "$MAN" ] || die "no $MAN"

ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="the options of every --help against $MAN and README.md"
if ! python3 - "$NEARDUP" "$MAN" "$ND_SOURCE_DIR/README.md" >"$TMP/check.out" 2>&1 <<'PY'; then
import re, subprocess, sys

binary, man_path, readme_path = sys.argv[1:4]
OPT = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])")

def help_text(*args):
    p = subprocess.run([binary, *args, "--help"], stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0, "%s --help exits %d" % (" ".join(args), p.returncode)
    return p.stdout

def help_options(text):
    """Options on the option lines of a --help: lines that start with spaces and a dash."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s+(-[A-Za-z], )?(--[a-z][a-z0-9-]*|-[A-Za-z])", line)
        if m:
            opts.update(o.strip(", ") for o in m.groups() if o)
    return opts

main_help = help_text()
commands = re.findall(r"^  ([a-z][a-z-]*)\s{2,}", main_help.split("Commands:")[1].split("\n\n")[0],
                      re.M)
assert commands, "no command in neardup --help"
helps = {"": help_options(main_help)}
for c in commands:
    helps[c] = help_options(help_text(c))

# The man page: .SH OPTIONS holds the program's own; .SS "neardup CMD ..." a command's.
def unroff(s):
    return s.replace("\\-", "-").replace("\\fI", "").replace("\\fR", "").replace("\\fB", "")

man = {}
section = None
prev_tp = False
for line in open(man_path, encoding="utf-8").read().splitlines():
    if line.startswith(".SH "):
        section = "" if line[4:].strip('"') == "OPTIONS" else None
        continue
    if line.startswith(".SS "):
        m = re.match(r'\.SS "?neardup ([a-z][a-z-]*)', line)
        section = m.group(1) if m else None
        if section is not None:
            man.setdefault(section, set())
        continue
    if section is None:
        continue
    # Option tags: the line after .TP (".BR \-n ", " \-\-ngram ..." or ".B \-\-stats").
    if prev_tp and line.startswith("."):
        man.setdefault(section, set()).update(OPT.findall(unroff(line)))
    prev_tp = line.startswith(".TP")

failed = []
man_cmds = set(k for k in man if k)
if set(commands) != man_cmds:
    failed.append("commands: --help has %s, the man page %s" % (sorted(commands), sorted(man_cmds)))
for c, opts in helps.items():
    name = c or "neardup"
    in_man = man.get(c, set())
    for o in sorted(opts - in_man):
        failed.append("%s --help has %s, its man page section does not" % (name, o))
    for o in sorted(in_man - opts):
        failed.append("the man page lists %s under %s, its --help does not" % (o, name))

# The README: every option of every --help somewhere; every option in its tables in a --help.
readme = open(readme_path, encoding="utf-8").read()
everything = set().union(*helps.values())
for o in sorted(everything):
    if not re.search(r"`[^`]*%s[^`]*`" % re.escape(o), readme):
        failed.append("README.md does not mention %s" % o)
for line in readme.splitlines():
    if re.match(r"^\| `-", line):
        first = line.split("|")[1]
        for o in OPT.findall(first):
            if o not in everything:
                failed.append("README.md's table has %s, no --help does: %s" % (o, line[:60]))

for f in failed:
    print(f)
print("%d commands (%s), %d options checked, %d problems" % (len(commands), " ".join(commands),
      sum(len(v) for v in helps.values()), len(failed)))
sys.exit(1 if failed else 0)
PY
    fail "the documentation and --help disagree:"
    sed 's/^/    /' "$TMP/check.out"
else
    note "$(tail -n 1 "$TMP/check.out")"
fi

# The man page renders with no warning (groff -ww), and man shows its name.
if command -v groff >/dev/null 2>&1 && [ -f "$BUILT" ]; then
    ND_CHECKS=$((ND_CHECKS + 1))
    ND_CMD="groff -man -ww -z $BUILT"
    groff -man -Tutf8 -ww -z "$BUILT" >"$TMP/groff" 2>&1
    [ -s "$TMP/groff" ] && { fail "groff warns about the man page:"; show "$TMP/groff"; }
    ND_CHECKS=$((ND_CHECKS + 1))
    groff -man -Tutf8 -rLL=200n -P-cbou "$BUILT" 2>/dev/null | grep -q "neardup - find near-duplicate articles" ||
        fail "the rendered man page has no NAME line"
    ND_CHECKS=$((ND_CHECKS + 1))
    grep -q "@" "$BUILT" && fail "unsubstituted @VARIABLE@ in $BUILT: $(grep -n @ "$BUILT" | head -n 3)"
else
    note "groff or $BUILT not found: rendering not checked"
fi

# The bash completion offers each command, and each option of its --help.
if command -v bash >/dev/null 2>&1; then
    ND_CHECKS=$((ND_CHECKS + 1))
    ND_CMD="bash completion/neardup.bash"
    if ! bash -c '
        . "$1/completion/neardup.bash" || exit 1
        bin=$2
        complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _neardup; printf "%s\n" "${COMPREPLY[@]}"; }
        cmds=$("$bin" --help | sed -n "/^Commands:/,/^\$/s/^  \([a-z][a-z-]*\) .*/\1/p")
        [ -n "$cmds" ] || { echo "no commands in --help"; exit 1; }
        bad=0
        offered=$(complete_words "$bin" "")
        for c in $cmds; do
            printf "%s\n" "$offered" | grep -qx -- "$c" || { echo "command $c not offered"; bad=1; }
            got=$(complete_words "$bin" "$c" -)
            for o in $("$bin" "$c" --help | grep -o -- "^ *-[A-Za-z], --[a-z0-9-]*\|^ *--[a-z0-9-]*" | tr -d " ," | sed "s/^\(-[A-Za-z]\)--/\1 --/"); do
                printf "%s\n" "$got" | grep -qx -- "$o" || { echo "$c: option $o not offered"; bad=1; }
            done
        done
        got=$(complete_words "$bin" scan --format "")
        [ "$(printf "%s\n" "$got" | sort | tr "\n" " ")" = "html json text tsv " ] || { echo "--format values: $got"; bad=1; }
        exit $bad
    ' sh "$ND_SOURCE_DIR" "$NEARDUP" >"$TMP/compl" 2>&1; then
        fail "the bash completion:"
        show "$TMP/compl"
    fi
fi

# Every function declared in a public header is exported (ND_API).
ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="ND_API in include/neardup/*.h"
python3 - "$ND_SOURCE_DIR"/include/neardup/*.h >"$TMP/api" 2>&1 <<'PY' || { fail "public functions without ND_API:"; show "$TMP/api"; }
import re, sys
bad = []
for path in sys.argv[1:]:
    text = re.sub(r"/\*.*?\*/", "", open(path).read(), flags=re.S)
    for decl in re.findall(r"^[A-Za-z_][^;{}#]*?\bnd_\w+\s*\([^;{}]*\)\s*;", text, re.M):
        if decl.startswith("typedef") or "(*" in decl.split("(")[0]:
            continue
        if not decl.startswith("ND_API "):
            bad.append("%s: %s" % (path.split("/")[-1], " ".join(decl.split())[:90]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

finish
