# identical.sh - `mpirun -np 1, 2 and 3 neardup scan` prints byte for byte what one process
# prints (the JSON and the text report, every diagnostic, the exit status): on the seeds, on
# a generated corpus of several files (one of them gzip, one large plain JSON Lines file cut
# between ranks), on a file with malformed lines at and beside each cut (their messages keep
# the file's line numbers), and on the shared corpora when ../shared is there. By default the
# article stage's LSH runs across the ranks (band keys to their owners, --stats counts them);
# --verify estimate and --containment, which need the signatures on rank 0, send them there
# (stage 1's path, no band keys), with the same reports. One small file on 3 ranks leaves
# two ranks without documents. The paragraph pass's sentences are linked across the ranks
# (--stats counts their words, entries and joins), with --paragraphs line and block too, and
# in small sub-rounds (NEARDUP_MPI_ROUND_BYTES).
# Then a rank
# that cannot read its share (rank 1 started in a directory without its file) stops the job:
# exit 2, "neardup: rank 1: FILE: ..." and no report. Only in the MPI build (-DNEARDUP_MPI=ON).
. "$(dirname "$0")/../e2e/lib.sh"
need mpirun python3 gzip

# Open MPI as root, in a container, on loopback: allowed and told so; -q: none of mpirun's
# own notes on stderr (a rank that exits 2 gets one).
OMPI_ALLOW_RUN_AS_ROOT=1
OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM OMPI_MCA_btl_vader_single_copy_mechanism
MPIRUN="mpirun -q --oversubscribe --mca btl self,vader"
cd "$TMP" || die "cannot cd to $TMP"

# same WHAT ARGS...: the scan on 1, 2 and 3 ranks against one process, text and JSON (or the
# formats in $FMTS).
same() {
    what=$1
    shift
    for fmt in ${FMTS:-text json}; do
        nd scan -f "$fmt" "$@"
        cp "$ND_OUT" one.out
        cp "$ND_ERR" one.err
        one=$ND_STATUS
        for np in 1 2 3; do
            # shellcheck disable=SC2086 # MPIRUN is words
            run $MPIRUN -np "$np" "$NEARDUP" scan -f "$fmt" "$@"
            expect_status "$one"
            expect_file_same one.out "$ND_OUT" "$what: the $fmt report on $np ranks"
            expect_file_same one.err "$ND_ERR" "$what: stderr ($fmt) on $np ranks"
        done
    done
    note "$what: identical on 1, 2 and 3 ranks"
}

same seeds "$ND_SEEDS"
FMTS=json same "seeds, --paragraphs line" --paragraphs line "$ND_SEEDS"
FMTS=json same "seeds, --paragraphs block" --paragraphs block "$ND_SEEDS"
NEARDUP_MPI_ROUND_BYTES=5000
export NEARDUP_MPI_ROUND_BYTES
FMTS=json same "seeds, the sentences linked in sub-rounds of 5000 bytes" "$ND_SEEDS"
unset NEARDUP_MPI_ROUND_BYTES

# A generated corpus: near-copies within and across files.
python3 - <<'PY' || die "cannot generate the corpus"
import json, random
rnd = random.Random(17)
vocab = ("council voted budget river bridge school mayor said new plan city park road tax "
         "water police report week year local market fire station train court judge").split()
def art(n):
    return " ".join(rnd.choice(vocab) for _ in range(n))
base = [art(rnd.randint(120, 400)) for _ in range(900)]
def lines(name, k, start):
    out = []
    for i in range(k):
        t = base[(start + i) % len(base)]
        if i % 5 == 4:
            w = t.split(); w[len(w) // 2] = "changed"; t = " ".join(w)
        out.append(json.dumps({"id": "%s-%d" % (name, i), "text": t}) + "\n")
    return out
open("a.jsonl", "w").writelines(lines("a", 150, 0))
open("z.jsonl", "w").writelines(lines("z", 100, 700))
open("big.jsonl", "w").writelines(lines("big", 2500, 100))
PY
gzip z.jsonl
same "generated corpus (several files, one cut)" "$ND_SEEDS" a.jsonl z.jsonl.gz big.jsonl
FMTS=json same "generated corpus, --verify estimate" --verify estimate a.jsonl z.jsonl.gz big.jsonl
FMTS=json same "generated corpus, --containment 0.6" --containment 0.6 a.jsonl z.jsonl.gz big.jsonl
FMTS=json same "one small file (ranks without documents)" a.jsonl

# stage_bytes RANK STAGE: the bytes RANK sent in STAGE, from --stats on stderr.
stage_bytes() {
    sed -n "s/^neardup: stats: rank $1: .*; sent: .*$2 \([0-9]*\).*/\1/p" "$ND_ERR"
}
# The band keys go to their owners by default; with --containment the signatures go to
# rank 0 in the batches instead, which are then larger (512 bytes a document).
# shellcheck disable=SC2086
run $MPIRUN -np 2 "$NEARDUP" scan --stats -o /dev/null a.jsonl z.jsonl.gz big.jsonl
expect_status 0
keys=$(stage_bytes 1 "band keys")
spread=$(stage_bytes 1 batches)
ND_CHECKS=$((ND_CHECKS + 1))
[ "${keys:-0}" -gt 0 ] || fail "rank 1 sent no band keys: $(grep 'rank 1' "$ND_ERR")"
# shellcheck disable=SC2086
run $MPIRUN -np 2 "$NEARDUP" scan --stats --containment 0.6 -o /dev/null a.jsonl z.jsonl.gz big.jsonl
expect_status 0
ND_CHECKS=$((ND_CHECKS + 1))
[ "$(stage_bytes 1 "band keys")" = 0 ] || fail "band keys sent with --containment"
whole=$(stage_bytes 1 batches)
ND_CHECKS=$((ND_CHECKS + 1))
[ "$whole" -gt $((${spread:-0} + 1000 * 500)) ] ||
    fail "batches with signatures ($whole bytes) not 500 bytes a document more than without ($spread)"

# The paragraph pass's sentences stay on their ranks and are linked across them: every rank
# sends words, sentence entries and joins (rank 2 too, even when it owns no join).
# shellcheck disable=SC2086
run $MPIRUN -np 3 "$NEARDUP" scan --stats -o /dev/null "$ND_SEEDS"
expect_status 0
for r in 0 1 2; do
    for st in words "sentence entries" "sentence pairs"; do
        ND_CHECKS=$((ND_CHECKS + 1))
        [ "$(stage_bytes $r "$st")" -gt 0 ] || fail "rank $r sent no $st: $(grep "rank $r" "$ND_ERR")"
    done
done

# Malformed lines at and beside every cut of big.jsonl alone (bytes size * r / n): the same
# length, so the cuts stay where they are.
python3 - <<'PY' || die "cannot break lines"
data = open("big.jsonl", "rb").read()
lines = data.split(b"\n")
size = len(data)
for n in (2, 3):
    for r in range(1, n):
        cut = size // n * r + size % n * r // n
        k = data[:cut].count(b"\n")
        for j in (k - 1, k, k + 1):
            lines[j] = (b'{"text": broken' + b" " * len(lines[j]))[:len(lines[j])]
open("bad.jsonl", "wb").write(b"\n".join(lines))
PY
same "malformed lines at the cuts" bad.jsonl
expect_contains "$ND_ERR" stderr "bad.jsonl:"

if [ -d "$ND_SHARED_DIR/data" ]; then
    # shellcheck disable=SC2046 # one word per corpus
    same "shared corpora" $(ls "$ND_SHARED_DIR"/data/*/docs.jsonl)
else
    note "shared corpora: skipped: $ND_SHARED_DIR/data not found (the generated corpus above covers the same)"
fi

# A rank that cannot read its share: rank 1 runs where b.jsonl is not. Two files of one size:
# a.jsonl is rank 0's, b.jsonl rank 1's.
cp a.jsonl b.jsonl
mkdir other
cp a.jsonl other/
# shellcheck disable=SC2086
run $MPIRUN -np 1 "$NEARDUP" scan -o report.txt a.jsonl b.jsonl : \
    -np 1 --wdir "$TMP/other" "$NEARDUP" scan -o report.txt a.jsonl b.jsonl
expect_status 2
expect_contains "$ND_ERR" stderr "neardup: rank 1: b.jsonl: cannot open: No such file or directory"
expect_stdout_empty
ND_CHECKS=$((ND_CHECKS + 1))
if ls -a | grep -q report.txt || ls -a other | grep -q report.txt; then
    fail "a report (or its temporary file) was left after the job stopped:"
    ls -a . other | sed 's/^/    | /'
fi
# Standard input cannot be shared.
# shellcheck disable=SC2086
run $MPIRUN -np 2 "$NEARDUP" scan - </dev/null
expect_status 2
expect_contains "$ND_ERR" stderr "standard input cannot be read by 2 MPI ranks"
# Nor a pipe named on the command line.
mkfifo fifo || die "cannot make a FIFO"
# shellcheck disable=SC2086
run $MPIRUN -np 2 "$NEARDUP" scan a.jsonl fifo
expect_status 2
expect_contains "$ND_ERR" stderr "the input cannot be shared by 2 MPI ranks: a pipe or device"
finish
