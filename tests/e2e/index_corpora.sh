# index_corpora.sh - corpora indexed, then checked against themselves and each other.
#   - against itself, every document is a near-duplicate of its archived self (in one group
#     with the archived document of the same id), and --fail-on-duplicates exits 1;
#   - against another archive, the pairs (new, archived) a check reports are exactly those
#     a scan of both corpora together finds between them (--all-pairs), with the same
#     Jaccard: the archive's stored records verify as the input itself would.
# On generated corpora (always), and on the shared corpora ($ND_SHARED_DIR/data/*/docs.jsonl)
# when they are there (else skipped, visibly, after the generated part).
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "cannot cd to $TMP"
mkdir gen
python3 - <<'PY' || die "cannot generate the corpora"
import json, random
rng = random.Random(41)
vocab = ["g%d" % i for i in range(4000)]
def article():
    return "\n".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 18))) + "."
                     for _ in range(rng.randint(6, 12)))
def edit(t, every):
    w = t.split(" ")
    return " ".join("edit%d" % i if i % every == every - 1 else x for i, x in enumerate(w))
x = [article() for _ in range(400)]
x += [edit(x[i], 80) for i in range(0, 40)]          # near-duplicates inside x
y = [edit(x[i], 80) for i in range(100, 160)]         # near-copies of x's articles
y += [article() for _ in range(300)] + [x[200], x[201]]  # and exact copies
for name, docs, tag in (("x", x, "x"), ("y", y, "y")):
    with open("gen/%s.jsonl" % name, "w") as f:
        for i, t in enumerate(docs):
            f.write(json.dumps({"id": "%s%d" % (tag, i), "text": t}) + "\n")
PY

# self_check NAME ARCHIVE CORPUS: every document with its archived self; exit 1 when asked.
self_check() {
    nd check -f json --parts groups "$2" "$3"
    expect_status 0
    expect_json "
new = {}
for g in d['groups']:
    ids = {(m['id'], m['archived']) for m in g['members']}
    for m in g['members']:
        if not m['archived']:
            assert (m['id'], True) in ids, ('$1', m['id'], 'not with its archived self')
            new[m['id']] = 1
assert len(new) == s['documents'], ('$1', len(new), s['documents'])"
    nd check --fail-on-duplicates --parts groups -f tsv "$2" "$3"
    expect_status 1
}

# cross_check NAME ARCHIVE CORPUS ARCHIVED_CORPUS: the check's (new, archived) pairs are
# the cross pairs of a scan of both corpora.
cross_check() {
    nd check -f tsv --parts groups --all-pairs "$2" "$3"
    expect_status 0
    awk -F '\t' '$1 == "pair" && $7 == "new" && $8 == "archived" { print $2 "\t" $3 "\t" $4 }' \
        "$ND_OUT" | sort >"$TMP/check.pairs"
    nd scan -f tsv --parts groups --all-pairs "$3" "$4"
    expect_status 0
    python3 - "$3" "$4" "$ND_OUT" >"$TMP/scan.pairs" <<'PY'
import json, sys
ids = [set(), set()]
for k in (0, 1):
    for line in open(sys.argv[1 + k], encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            ids[k].add(d.get("id") or d.get("url"))
out = []
for line in open(sys.argv[3], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if f[0] != "pair":
        continue
    a, b = f[1], f[2]
    if a in ids[0] and b in ids[1] and not (a in ids[1] and b in ids[0]):
        out.append((a, b, f[3]))
    elif b in ids[0] and a in ids[1] and not (b in ids[1] and a in ids[0]):
        out.append((b, a, f[3]))
for p in sorted(set(out)):
    print("\t".join(p))
PY
    LC_ALL=C sort -o "$TMP/scan.pairs" "$TMP/scan.pairs"
    expect_file_same "$TMP/scan.pairs" "$TMP/check.pairs" "$1: (new, archived) pairs against the scan's"
}

nd index create gen/x.idx
nd index add gen/x.idx gen/x.jsonl
expect_status 0
nd index create gen/y.idx
nd index add gen/y.idx gen/y.jsonl
expect_status 0
self_check x gen/x.idx gen/x.jsonl
self_check y gen/y.idx gen/y.jsonl
cross_check "y against x" gen/x.idx gen/y.jsonl gen/x.jsonl
cross_check "x against y" gen/y.idx gen/x.jsonl gen/y.jsonl
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(wc -l <"$TMP/check.pairs")" -ge 60 ] || fail "x against y: only $(wc -l <"$TMP/check.pairs") pairs"

# The shared corpora.
set -- "$ND_SHARED_DIR"/data/*/docs.jsonl
if [ ! -f "$1" ]; then
    note "generated corpora: $ND_CHECKS checks"
    [ "$ND_FAILURES" -gt 0 ] && finish
    skip "no shared corpora in $ND_SHARED_DIR/data (the generated ones passed)"
fi
mkdir shared
for c in "$@"; do
    name=$(basename "$(dirname "$c")")
    nd index create "shared/$name.idx"
    nd index add -q "shared/$name.idx" "$c"
    expect_status 0
done
for c in "$@"; do
    name=$(basename "$(dirname "$c")")
    self_check "$name" "shared/$name.idx" "$c"
    for o in "$@"; do
        [ "$o" = "$c" ] && continue
        oname=$(basename "$(dirname "$o")")
        cross_check "$name against $oname" "shared/$oname.idx" "$c" "$o"
    done
done

finish
