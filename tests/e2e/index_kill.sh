# index_kill.sh - an `index add` killed with SIGKILL at random moments (at least 20 kills
# that land while it runs) leaves the archive whole: each time the file passes SQLite's
# PRAGMA integrity_check (read with Python's sqlite3, independently of neardup) and
# neardup's own check (every record and map chunk), and holds exactly the documents it held
# before the add or exactly those after it, nothing in between. The corpus is generated
# here (always runs); the moments are spread over the time a whole add takes.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "cannot cd to $TMP"
# A batch an add takes about a second on: smaller under the sanitizers (some 10x slower).
ND_KILL_DOCS=6000
[ -n "$ND_SANITIZE" ] && ND_KILL_DOCS=1000
export ND_KILL_DOCS
python3 - <<'PY' || die "cannot generate the corpus"
import json, os, random
rng = random.Random(13)
vocab = ["w%d" % i for i in range(5000)]
def article():
    lines = []
    for _ in range(rng.randint(8, 14)):
        sents = []
        for _ in range(rng.randint(1, 3)):
            sents.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(6, 16))) + ".")
        lines.append(" ".join(sents))
    return "\n".join(lines)
with open("base.jsonl", "w") as f:
    for i in range(300):
        f.write(json.dumps({"id": "b%d" % i, "text": article()}) + "\n")
with open("batch.jsonl", "w") as f:
    for i in range(int(os.environ["ND_KILL_DOCS"])):
        f.write(json.dumps({"id": "n%d" % i, "text": article()}) + "\n")
PY
"$NEARDUP" index create base.idx && "$NEARDUP" index add -q base.idx base.jsonl >/dev/null ||
    die "cannot make the base archive"

# ids FILE: the archive's ids, sorted, one a line (Python's sqlite3); "BAD ..." when its
# integrity check fails.
ids() {
    python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ok = c.execute("pragma integrity_check").fetchall()
if ok != [("ok",)]:
    print("BAD", ok)
for (i,) in c.execute("select id from docs order by id"):
    print(i)
PY
}
ids base.idx >old.ids
python3 -c '
import json
ids = [l.rstrip("\n") for l in open("old.ids")] + [json.loads(l)["id"] for l in open("batch.jsonl")]
print("\n".join(sorted(ids)))' >new.ids
[ "$(wc -l <old.ids)" -eq 300 ] || die "the base archive holds $(wc -l <old.ids) documents"

# How long a whole add takes here (seconds, with a margin).
cp base.idx t.idx
start=$(python3 -c 'import time; print(time.monotonic())')
"$NEARDUP" index add -q t.idx batch.jsonl >/dev/null || die "the add failed"
took=$(python3 -c "import time; print(max(0.2, time.monotonic() - $start))")
ids t.idx >t.ids
cmp -s t.ids new.ids || die "a whole add does not give the new set"
note "a whole add takes ${took}s"

kills=0 tries=0 old=0 new=0
while [ "$kills" -lt 24 ] && [ "$tries" -lt 120 ]; do
    tries=$((tries + 1))
    rm -f k.idx k.idx-wal k.idx-shm
    cp base.idx k.idx
    delay=$(python3 -c "import random; print('%.3f' % (random.Random($tries).uniform(0, $took * 1.1)))")
    "$NEARDUP" index add -q k.idx batch.jsonl >/dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then
        kills=$((kills + 1))
    fi
    wait "$pid" 2>/dev/null
    ids k.idx >k.ids
    ND_CHECKS=$((ND_CHECKS + 1))
    if cmp -s k.ids old.ids; then
        old=$((old + 1))
    elif cmp -s k.ids new.ids; then
        new=$((new + 1))
    else
        fail "after a kill at ${delay}s the archive holds neither the old nor the new set: $(head -c 300 k.ids)"
    fi
    run "$NEARDUP" index info --check k.idx
    expect_status 0
done
note "$kills kills in $tries tries: $old times the old set, $new times the new one"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$kills" -ge 20 ] || fail "only $kills kills landed while the add ran"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$old" -ge 1 ] || fail "no kill landed before the commit"

# After a kill the archive takes the same add again, whole.
rm -f k.idx k.idx-wal k.idx-shm
cp base.idx k.idx
"$NEARDUP" index add -q k.idx batch.jsonl >/dev/null 2>&1 &
pid=$!
sleep "$(python3 -c "print($took / 3)")"
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
nd index add -q k.idx batch.jsonl
expect_status 0
ids k.idx >k.ids
expect_file_same new.ids k.ids "the ids after a kill and a new add"

finish
