# clean_kill.sh - a `clean` killed with SIGKILL while it writes leaves no file under its
# final name: OUTDIR does not appear (only the hidden temporary directory next to it), and
# with --force into an existing OUTDIR its kept/ and removed.jsonl stay the previous run's.
#
# The run is caught in the act: the test polls for the temporary directory's files and
# stops the process (SIGSTOP) the moment one holds bytes, looks at OUTDIR while it is
# frozen mid-write, then kills it (SIGKILL). The input (about 40 MB of JSON Lines built from
# the seeds, many of them near-copies, so that both kept/ and removed.jsonl grow) makes the
# write phase long enough to see. Under the sanitizers, which make every step several times
# slower, a quarter of it is enough (and keeps CI's slowest test short).
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "no $TMP"
ndocs=12000
[ -z "$ND_SANITIZE" ] || ndocs=3000
python3 - "$ND_SEEDS" "$ndocs" <<'EOF' || die "cannot generate the input"
import json, os, random, sys
random.seed(3)
texts = [open(os.path.join(sys.argv[1], f), encoding="utf-8").read()
         for f in sorted(os.listdir(sys.argv[1]))]
with open("big.jsonl", "w", encoding="utf-8") as f:
    for i in range(int(sys.argv[2])):
        words = random.choice(texts).split(" ")
        for _ in range(3):
            words[random.randrange(len(words))] = "w%d" % random.randrange(10 ** 6)
        f.write(json.dumps({"id": "d%d" % i, "text": " ".join(words)}) + "\n")
EOF

# catch OUTDIR [OPTIONS]: starts clean into OUTDIR, waits until a file in its temporary
# directory has bytes, stops the process there and prints its pid; prints nothing (and
# leaves it to finish) if the run ended first.
catch() {
    out=$1
    shift
    "$NEARDUP" clean -q -f tsv --parts groups "$@" -o "$out" big.jsonl >/dev/null 2>"$TMP/err.$out" &
    pid=$!
    i=0
    while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 60000 ]; do
        if find . -path "*neardup-*" -type f -size +0c 2>/dev/null | grep -q .; then
            kill -STOP "$pid" 2>/dev/null && echo "$pid"
            return
        fi
        i=$((i + 1))
        sleep 0.005
    done
    wait "$pid"
}

caught=0
for attempt in 1 2 3; do
    pid=$(catch out)
    if [ -z "$pid" ]; then
        note "attempt $attempt: the run ended before it could be caught; again"
        rm -rf out .out.neardup-*
        continue
    fi
    caught=1
    note "caught clean (pid $pid) writing: $(find . -path '*neardup-*' -type f | tr '\n' ' ')"
    ND_CMD="clean stopped mid-write"
    ND_CHECKS=$((ND_CHECKS + 1))
    [ ! -e out ] || fail "out/ exists while clean is still writing: $(find out | head -5)"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    ND_CMD="clean killed mid-write"
    ND_CHECKS=$((ND_CHECKS + 1))
    [ ! -e out ] || fail "out/ exists after the kill: $(find out | head -5)"
    ND_CHECKS=$((ND_CHECKS + 1))
    ls -d .out.neardup-* >/dev/null 2>&1 || fail "no temporary directory: what was it writing?"
    break
done
[ "$caught" = 1 ] || die "clean was never caught writing in 3 attempts"

# The next run does not mind the leftover, and its output restores the input.
nd clean -q -f tsv --parts groups -o out big.jsonl
expect_status 0
nd restore out back
expect_status 0
expect_file_same big.jsonl back/big.jsonl "restored big.jsonl"

# --force into the finished OUTDIR, killed mid-write: the previous kept/ and removed.jsonl
# are still there, whole.
cp out/removed.jsonl removed.before
cp out/kept/big.jsonl kept.before
rm -rf .out.neardup-*
caught=0
for attempt in 1 2 3; do
    pid=$(catch out --force --keep last)
    [ -n "$pid" ] || { note "attempt $attempt: not caught; again"; continue; }
    caught=1
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    expect_file_same removed.before out/removed.jsonl "out/removed.jsonl after a killed --force run"
    expect_file_same kept.before out/kept/big.jsonl "out/kept/big.jsonl after a killed --force run"
    break
done
[ "$caught" = 1 ] || die "clean --force was never caught writing in 3 attempts"

finish
