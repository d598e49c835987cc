# index_concurrent.sh - checks run while an `index add` writes (WAL: readers are not
# blocked): each check succeeds and sees the archive either as it was before the add or as
# it is after it, never half of it - its probe documents from the batch are all archived or
# none is - and the add finishes whole. The corpus is generated here.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "cannot cd to $TMP"
python3 - <<'PY' || die "cannot generate the corpus"
import json, random
rng = random.Random(29)
vocab = ["v%d" % i for i in range(5000)]
def article():
    return "\n".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 20))) + "."
                     for _ in range(rng.randint(10, 16)))
base = [article() for _ in range(300)]
batch = [article() for _ in range(8000)]
with open("base.jsonl", "w") as f:
    for i, t in enumerate(base):
        f.write(json.dumps({"id": "b%d" % i, "text": t}) + "\n")
with open("batch.jsonl", "w") as f:
    for i, t in enumerate(batch):
        f.write(json.dumps({"id": "n%d" % i, "text": t}) + "\n")
# The probe: copies of 5 archived documents and of 5 documents of the batch (first, last,
# and three between), under new ids.
with open("probe.jsonl", "w") as f:
    for i in (0, 70, 140, 210, 299):
        f.write(json.dumps({"id": "pb%d" % i, "text": base[i]}) + "\n")
    for i in (0, 2000, 4000, 6000, 7999):
        f.write(json.dumps({"id": "pn%d" % i, "text": batch[i]}) + "\n")
PY
"$NEARDUP" index create a.idx && "$NEARDUP" index add -q a.idx base.jsonl >/dev/null ||
    die "cannot make the archive"

"$NEARDUP" index add -q a.idx batch.jsonl >add.out 2>add.err &
pid=$!
during=0 before=0 after=0 n=0
while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 200 ]; do
    n=$((n + 1))
    nd check -f tsv --parts groups a.idx probe.jsonl
    alive=0
    kill -0 "$pid" 2>/dev/null && alive=1
    expect_status 0
    # Pairs (new, archived): the 5 base copies always; the batch copies all or none.
    nb=$(awk -F '\t' '$1 == "pair" && $2 ~ /^pb/ && $8 == "archived"' "$ND_OUT" | wc -l)
    nn=$(awk -F '\t' '$1 == "pair" && $2 ~ /^pn/ && $8 == "archived"' "$ND_OUT" | wc -l)
    ND_CHECKS=$((ND_CHECKS + 1))
    [ "$nb" -eq 5 ] || fail "a check during the add found $nb of the 5 archived copies"
    ND_CHECKS=$((ND_CHECKS + 1))
    if [ "$nn" -eq 0 ]; then
        before=$((before + 1))
    elif [ "$nn" -eq 5 ]; then
        after=$((after + 1))
    else
        fail "a check saw $nn of the 5 batch documents: half an add"
    fi
    [ "$alive" -eq 1 ] && during=$((during + 1))
done
wait "$pid"
add_status=$?
note "$n checks, $during of them while the add ran ($before saw the archive before it, $after after)"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$add_status" -eq 0 ] || fail "the add failed: $(cat add.err)"
ND_CHECKS=$((ND_CHECKS + 1))
[ "$during" -ge 1 ] || fail "no check ran while the add did"
nd check -f tsv --parts groups a.idx probe.jsonl
expect_status 0
nn=$(awk -F '\t' '$1 == "pair" && $8 == "archived"' "$ND_OUT" | wc -l)
ND_CHECKS=$((ND_CHECKS + 1))
[ "$nn" -eq 10 ] || fail "after the add, $nn of the 10 probe documents are found archived"
nd index info --check a.idx
expect_status 0
expect_stdout_contains "documents: 8,300 in 2 adds"

finish
