# clean_generated.sh - `neardup clean` and `restore` on generated cases:
#   - a chain A~B~C (A and C far apart): A and C are kept, B goes as A's duplicate; with
#     --keep last, C is kept and B goes as C's;
#   - --keep-by published:min and a numeric field with :max;
#   - a block tripled: both later copies go, each naming the first;
#   - a JSON record whose text field is not its last key: only the text string changes;
#   - standard input (JSON Lines and text): kept/stdin.jsonl, kept/stdin.txt;
#   - random JSON Lines and .txt trees (CRLF, no final line break, escapes, duplicates,
#     doubled blocks, short lines, boilerplate) cleaned with every removal and restored
#     byte for byte (these always run; ../shared corpora are clean_shared.sh).
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "no $TMP"

# ---- generated inputs ------------------------------------------------------------------
python3 - "$ND_SEEDS" <<'EOF' || die "cannot generate the inputs"
import json, os, random, sys
seeds = sys.argv[1]
def read(name):
    return open(os.path.join(seeds, name), encoding="utf-8").read()
seed = read("000_beebcc9d70568a44.txt")
other = read("004_7112fbb0957666e0.txt")

def replace(text, positions):
    """text with the whitespace-separated words at these positions replaced."""
    out, w, i = [], 0, 0
    import re
    for m in re.finditer(r"\S+|\s+", text):
        tok = m.group(0)
        if not tok.isspace():
            if w in positions:
                tok = "qzxv%d" % w
            w += 1
        out.append(tok)
    return "".join(out)

os.makedirs("chain")
a = seed
b = replace(seed, {20 + 50 * k for k in range(10)})
c = replace(seed, {20 + 50 * k for k in range(10)} | {45 + 50 * k for k in range(10)})
for name, t in (("a.txt", a), ("b.txt", b), ("c.txt", c)):
    open(os.path.join("chain", name), "w", encoding="utf-8").write(t)

with open("keepby.jsonl", "w", encoding="utf-8") as f:
    for i, (date, n) in enumerate((("2021-05-01", 3), ("2020-12-31", 10), ("2021-01-15", 9))):
        f.write(json.dumps({"id": "k%d" % i, "published": date, "n": n,
                            "text": replace(seed, {100 + i})}) + "\n")
    f.write(json.dumps({"id": "k3", "text": replace(seed, {104})}) + "\n")  # no field

block = ["Line one of a block that the scraper caught three times, with words.",
         "Line two of that block, with a few more words than the first one.",
         "Line three closes the block and says nothing new at all, really."]
body = seed.split("\n")[:6] + block + ["A line in between the copies, of its own words."] + \
       block + ["Another line in between, also with words of its own here."] + block + \
       seed.split("\n")[6:9]
open("tripled.txt", "w", encoding="utf-8").write("\n".join(body) + "\n")

rec = {"text": "\n".join(seed.split("\n")[:4] + block + block + ["caf\u00e9 \u20ac"]),
       "id": "notlast", "meta": {"text": "a nested text key"}, "tags": ["x", "y"], "n": 1.5}
open("notlast.jsonl", "w", encoding="utf-8").write(
    json.dumps(rec) + "\n" + json.dumps({"id": "o", "text": other}) + "\n")

# Random trees.
random.seed(5)
pool = [l for t in (seed, other, read("001_038cac575548727a.txt"),
                    read("002_a894bd07f7f79a4f.txt")) for l in t.split("\n") if l.strip()]
boiler = "Baca juga berita lainnya hanya di portal berita kami setiap hari ini."
def article():
    ls = random.sample(pool, random.randint(3, 12))
    if random.random() < 0.3:  # a doubled block
        k = random.randint(1, len(ls))
        ls = ls + ls[:k]
    if random.random() < 0.4:
        ls.insert(random.randint(0, len(ls)), boiler)
    if random.random() < 0.3:
        ls += ["Global"] * random.randint(2, 4)
    return ls
arts = [article() for _ in range(40)]
for i in range(0, 40, 5):  # near and exact copies
    arts.append(list(arts[i]))
    arts.append([replace(arts[i][0], {1})] + arts[i][1:])
for d in ("tree/txt/sub", "tree/jsonl"):
    os.makedirs(d)
for i, ls in enumerate(arts):
    nl = "\r\n" if i % 3 == 0 else "\n"
    text = nl.join(ls) + (nl if i % 4 else "")
    if i % 2:
        path = "tree/txt/%s%03d.txt" % ("sub/" if i % 5 == 0 else "", i)
        open(path, "w", encoding="utf-8", newline="").write(text)
with open("tree/jsonl/a.jsonl", "w", encoding="utf-8", newline="") as f:
    f.write("\ufeff")
    for i, ls in enumerate(arts):
        if i % 2 == 0:
            text = ("\r\n" if i % 3 == 0 else "\n").join(ls)
            r = {"id": "r%d" % i, "text": text, "i": i}
            if i % 4 == 0:
                r = {"text": text, "id": "r%d" % i}
            f.write(json.dumps(r, ensure_ascii=(i % 8 == 0)))
            f.write("\r\n" if i % 7 == 0 else "\n")
            if i % 9 == 0:
                f.write("\n   \n")
    f.write(json.dumps({"id": "last", "text": "\n".join(arts[1])}))  # no final break
EOF

# ---- a chain ---------------------------------------------------------------------------
# removed.jsonl's duplicate entries as "REMOVED KEPT" lines.
dups() {
    python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    if e["kind"] == "duplicate":
        print(e["id"], e["reason"]["kept"], e["reason"]["jaccard"] >= 0.8)
' "$1"
}

nd clean -q -o out-chain --parts groups chain
expect_status 0
expect_stdout_contains "  * chain/a.txt  [representative, 534 words, kept]"
expect_stdout_contains "    chain/c.txt  [jaccard 0."
expect_stdout_contains ", 534 words, kept]"
dups out-chain/removed.jsonl >got
text_file "chain/b.txt chain/a.txt True" want
expect_file_same want got "the chain's duplicates"
nd clean -q -o out-chain2 --parts groups --keep last chain
expect_status 0
dups out-chain2/removed.jsonl >got
text_file "chain/b.txt chain/c.txt True" want
expect_file_same want got "the chain's duplicates with --keep last"
ND_CHECKS=$((ND_CHECKS + 1))
[ -f out-chain2/kept/chain/a.txt ] && [ -f out-chain2/kept/chain/c.txt ] &&
    [ ! -e out-chain2/kept/chain/b.txt ] || fail "kept/: $(find out-chain2 -type f)"

# ---- --keep-by -------------------------------------------------------------------------
nd clean -q -o out-kb --parts groups --keep-by published:min keepby.jsonl
expect_status 0
dups out-kb/removed.jsonl >got
printf 'k0 k1 True\nk2 k1 True\nk3 k1 True\n' >want
expect_file_same want got "--keep-by published:min"
nd clean -q -o out-kb2 --parts groups --keep-by n:max -f json keepby.jsonl
expect_status 0
expect_json "assert d['clean']['keep'] == {'field': 'n', 'order': 'max'}, d['clean']"
dups out-kb2/removed.jsonl >got
printf 'k0 k1 True\nk2 k1 True\nk3 k1 True\n' >want
expect_file_same want got "--keep-by n:max"
nd clean -q -o out-kb3 --parts groups --keep-by n:min keepby.jsonl
expect_status 0
dups out-kb3/removed.jsonl >got
printf 'k1 k0 True\nk2 k0 True\nk3 k0 True\n' >want
expect_file_same want got "--keep-by n:min"

# ---- a tripled block ---------------------------------------------------------------------
nd clean -q -o out-tri tripled.txt
expect_status 0
sed '11,13d;15,17d' tripled.txt >want
expect_file_same want out-tri/kept/tripled.txt "kept/tripled.txt"
python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    print(e["kind"], e["lines"], e["reason"]["repeats"])
' out-tri/removed.jsonl >got
printf 'repeat [11, 13] [7, 9]\nrepeat [15, 17] [7, 9]\n' >want
expect_file_same want got "the tripled block's entries"

# ---- the text field not last -----------------------------------------------------------
nd clean -q -o out-nl notlast.jsonl
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
python3 - notlast.jsonl out-nl/kept/notlast.jsonl >py.out 2>&1 <<'EOF' || { fail "notlast:"; show py.out; }
import json, sys
orig = open(sys.argv[1], "rb").read().split(b"\n")
kept = open(sys.argv[2], "rb").read().split(b"\n")
assert orig[1:] == kept[1:], "other lines changed"
o, k = orig[0], kept[0]
start = o.index(b'"text": "') + 9
end = o.index(b'", "id": "notlast"')
# Only the text string differs: same bytes before and after it.
assert k[:start] == o[:start] and k.endswith(o[end:]), (k[:80], k[-80:])
ko, kk = json.loads(o), json.loads(k)
assert {x: v for x, v in ko.items() if x != "text"} == {x: v for x, v in kk.items() if x != "text"}
ol, kl = ko["text"].split("\n"), kk["text"].split("\n")
assert kl == ol[:7] + ol[10:], kl
assert b"caf\\u00e9 \\u20ac" in k  # escapes of kept lines stay as they were
EOF
nd restore out-nl back-nl
expect_status 0
expect_file_same notlast.jsonl back-nl/notlast.jsonl "restored notlast.jsonl"

# ---- standard input ------------------------------------------------------------------
run "$NEARDUP" clean -q -o out-in - <notlast.jsonl
expect_status 0
expect_file_same out-nl/kept/notlast.jsonl out-in/kept/stdin.jsonl "kept/stdin.jsonl"
nd restore out-in back-in
expect_status 0
expect_file_same notlast.jsonl back-in/stdin.jsonl "restored stdin.jsonl"
nd_pipe tripled.txt clean -q -o out-in2 -
expect_status 0
expect_file_same out-tri/kept/tripled.txt out-in2/kept/stdin.txt "kept/stdin.txt"
nd restore out-in2 back-in2
expect_status 0
expect_file_same tripled.txt back-in2/stdin.txt "restored stdin.txt"

# ---- random trees, every removal ---------------------------------------------------------
nd clean -o out-tree --remove all --boilerplate-docs 3 tree
expect_status 0
expect_stderr_empty
ND_CHECKS=$((ND_CHECKS + 1))
python3 - out-tree >py.out 2>&1 <<'EOF' || { fail "the tree's removals:"; show py.out; }
import collections, json, sys
kinds = collections.Counter(json.loads(l)["kind"]
                            for l in open(sys.argv[1] + "/removed.jsonl", encoding="utf-8"))
for k in ("duplicate", "repeat", "short", "boilerplate"):
    assert kinds[k] > 0, kinds
EOF
nd restore out-tree back-tree
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r tree back-tree/tree >diff.out 2>&1 || { fail "the restored tree differs:"; show diff.out; }
# With absolute paths: the tree mapped under kept/ without its leading '/'.
nd clean -q -o out-abs --remove all "$TMP/tree"
expect_status 0
nd restore out-abs back-abs
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
diff -r tree "back-abs/${TMP#/}/tree" >diff.out 2>&1 || { fail "absolute paths:"; show diff.out; }

finish
