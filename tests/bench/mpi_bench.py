#!/usr/bin/env python3
"""neardup on MPI ranks: the 1M-article benchmark at -np 1 and -np 2 (not part of ctest).

Needs the MPI build (cmake -DNEARDUP_MPI=ON) and Open MPI's mpirun. The corpus is bench.py's
(`gen_corpus.py --seed 2`, 1M composed from ten independent 100k corpora: reused from
--work when it is there, else generated, ~10 min and ~5.5 GB of disk the first time). Each
configuration runs `neardup scan --stats -f tsv -o FILE corpus.jsonl`:

    single   the program alone (no mpirun), under /usr/bin/time for its peak RSS
    np N     mpirun -np N: with N > 1 each rank reads its own VmHWM at the end and rank 0
             prints them with --stats, with the bytes each rank sent and received, per stage
             (the input's list, pass 1's batches, band keys, buckets); with N = 1 the peak
             RSS is /usr/bin/time's (the largest process under mpirun)

alternately (single, np 1, np 2, single, ...; --runs rounds), the wall time taken here around
the whole command (mpirun's start included). The reports of every configuration must be
identical (byte for byte), else the exit status is 1. Prints one line per configuration:
minimum wall time, peak RSS of each rank, bytes exchanged, and bytes per article; then the
bytes of each stage (all ranks) per article of the corpus. --parts groups: the article job.

    python3 tests/bench/mpi_bench.py --neardup build-mpi/neardup            # 1M
    python3 tests/bench/mpi_bench.py --neardup build-mpi/neardup --n 100000
    python3 tests/bench/mpi_bench.py --neardup build-mpi/neardup --parts groups
    python3 tests/bench/mpi_bench.py --neardup build-mpi/neardup --no-single  # np only
"""
import argparse
import filecmp
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# --bind-to none: Open MPI binds each rank to one core when there are at most 2 ranks, so a
# rank's worker threads would share that core (-np 1 took 4.1 s against 2.5 s unbound on the
# 100k article job).
MPIRUN = ["mpirun", "-q", "--oversubscribe", "--mca", "btl", "self,vader", "--bind-to", "none"]
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_btl_vader_single_copy_mechanism": "none"}


def load_bench():
    spec = importlib.util.spec_from_file_location("nd_bench", os.path.join(HERE, "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_one(name, cmd, out, env):
    """Runs cmd; returns (wall seconds, [peak MB per rank], [sent bytes per rank], stderr,
    {stage: bytes sent by all ranks})."""
    t0 = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env=env)
    wall = time.monotonic() - t0
    if r.returncode not in (0, 1):
        sys.stderr.write(r.stderr[-3000:])
        sys.exit("mpi_bench: %s failed (exit %d)" % (name, r.returncode))
    peaks, sent = [], []
    for m in re.finditer(r"rank (\d+): peak RSS ([\d.]+) MB, sent (\d+) bytes", r.stderr):
        peaks.append(float(m.group(2)))
        sent.append(int(m.group(3)))
    stages = {}
    for m in re.finditer(r"rank \d+: .*; sent: (.*)$", r.stderr, re.M):
        for part in m.group(1).split(", "):
            name, _, v = part.rpartition(" ")
            stages[name] = stages.get(name, 0) + int(v)
    m = re.search(r"^TIME_MAXRSS_KB (\d+)$", r.stderr, re.M)
    if m and not peaks:
        peaks = [int(m.group(1)) / 1024.0]
    return wall, peaks, sent, r.stderr, stages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", required=True, help="the MPI build's neardup")
    ap.add_argument("--n", type=int, default=1_000_000, help="articles (default 1M)")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1, help="rounds (default 1)")
    ap.add_argument("--nps", default="1,2", help="rank counts (default 1,2)")
    ap.add_argument("--threads", type=int, default=2, help="neardup --threads per rank")
    ap.add_argument("--parts", help="neardup --parts (e.g. groups: the article job)")
    ap.add_argument("--no-single", action="store_true",
                    help="skip the one-process run (reports compared with np's first)")
    ap.add_argument("--work", default="/tmp/neardup-bench")
    ap.add_argument("--kit", default=os.environ.get("ND_BENCH_KIT"))
    a = ap.parse_args()
    bench = load_bench()
    kit = a.kit or bench.DEFAULT_KIT
    corpus = os.path.join(bench.ensure_corpus(a.work, a.n, a.seed, kit), "corpus.jsonl")
    size = os.path.getsize(corpus)
    env = dict(os.environ, **MPI_ENV)
    nd = os.path.abspath(a.neardup)
    scan = ["scan", "--stats", "-j", str(a.threads), "-f", "tsv"]
    if a.parts:
        scan += ["--parts", a.parts]
    tmp = tempfile.mkdtemp(prefix="mpi-bench.")
    configs = [] if a.no_single else [
        ("single", lambda out: ["/usr/bin/time", "-f", "TIME_MAXRSS_KB %M", nd] + scan +
         ["-o", out, corpus])]
    for np_ in [int(x) for x in a.nps.split(",")]:
        configs.append(("np %d" % np_, lambda out, np_=np_: ["/usr/bin/time", "-f",
                                                             "TIME_MAXRSS_KB %M"] + MPIRUN +
                        ["-np", str(np_), nd] + scan + ["-o", out, corpus]))
    best = {}
    for rnd in range(a.runs):
        for name, mk in configs:
            out = os.path.join(tmp, name.replace(" ", "") + ".tsv")
            wall, peaks, sent, err, stages = run_one(name, mk(out), out, env)
            print("mpi_bench: round %d %-6s %.1f s, peak RSS %s MB, sent %s bytes"
                  % (rnd + 1, name, wall, "/".join("%.0f" % p for p in peaks),
                     "/".join(str(s) for s in sent) or "0"), flush=True)
            if stages:
                print("mpi_bench:   sent per stage (all ranks), bytes per article: %s"
                      % ", ".join("%s %.1f" % (k, v / a.n) for k, v in stages.items()),
                      flush=True)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, peaks, sent)
    ref = os.path.join(tmp, configs[0][0].replace(" ", "") + ".tsv")
    same = all(filecmp.cmp(ref, os.path.join(tmp, n.replace(" ", "") + ".tsv"), shallow=False)
               for n, _ in configs)
    print("\nmpi_bench: %s articles, %.0f MB (%s), --threads %d per rank, %s, %d round%s, "
          "minimum wall time" % (f"{a.n:,}", size / 1e6, corpus, a.threads,
                                 "--parts " + a.parts if a.parts else "every part", a.runs,
                                 "" if a.runs == 1 else "s"))
    # bytes per article moved: the other ranks hold about (N - 1) / N of the articles
    print("%-8s %9s  %-24s %16s %18s" % ("config", "wall s", "peak RSS MB per rank",
                                          "bytes to rank 0", "per article moved"))
    for name, _ in configs:
        wall, peaks, sent = best[name]
        total = sum(sent[1:]) if len(sent) > 1 else 0
        moved = a.n * (len(sent) - 1) / len(sent) if len(sent) > 1 else 0
        print("%-8s %9.1f  %-24s %16s %18s" % (name, wall, " ".join("%.0f" % p for p in peaks),
                                               f"{total:,}",
                                               "%.0f" % (total / moved) if total else "-"))
    print("reports identical: %s" % ("yes" if same else "NO"))
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
