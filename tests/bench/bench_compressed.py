#!/usr/bin/env python3
"""Compressed input against plain JSON Lines (Python 3 standard library; not part of ctest).

Compresses the benchmark corpus with gzip (level 6, one member, as `gzip` writes it) and
zstd (level 3, one frame, as `zstd` writes it), caches both next to the corpus, then times
the article job `neardup scan --parts groups -f tsv --threads T` on the plain, .zst and .gz
files, alternately (plain, .zst, .gz, plain, ...), each under /usr/bin/time for the peak
RSS. Prints the minimum and the median wall time, their ratios to the plain file's, and the
peak RSS; checks that the three reports are the same apart from the source name. Targets
(issue 14): .zst at most +15%, .gz at most +60%, memory as for plain input; they are judged
on the minimum wall time, the run least disturbed by other jobs (on a shared machine the
median mostly measures the load). CPU time (user + system) is printed too.

    python3 tests/bench/bench_compressed.py --neardup build/neardup
    python3 tests/bench/bench_compressed.py --runs 1 --corpus /tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CORPUS = "/tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl"


def compressed(corpus, work, ext, cmd):
    """The corpus compressed with cmd (a list), cached as work/corpus.jsonl.EXT."""
    out = os.path.join(work, os.path.basename(corpus) + "." + ext)
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(corpus):
        print(f"compressing {corpus} -> {out} ...", file=sys.stderr)
        with open(corpus, "rb") as src, open(out + ".tmp", "wb") as dst:
            subprocess.run(cmd, stdin=src, stdout=dst, check=True)
        os.replace(out + ".tmp", out)
    return out


def run(neardup, path, threads, out_path):
    """One timed run: (wall seconds, peak RSS in KiB, CPU seconds user + system)."""
    cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", out_path + ".rss", neardup, "scan",
           "--parts", "groups", "-f", "tsv", "--threads", str(threads), path]
    t0 = time.monotonic()
    with open(out_path, "wb") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):
        sys.exit(f"neardup failed on {path} ({p.returncode}): {p.stderr.decode()[-500:]}")
    with open(out_path + ".rss") as f:
        rss, user, system = f.read().split()[-3:]
    return wall, int(rss), float(user) + float(system)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--work", default=None, help="where the compressed copies go (default: beside the corpus)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        sys.exit(f"{a.corpus} not found: generate it with tests/bench/bench.py first")
    for tool in ("gzip", "zstd"):
        if not shutil.which(tool):
            sys.exit(f"'{tool}' not found (Debian packages gzip, zstd)")
    work = a.work or os.path.dirname(os.path.abspath(a.corpus))
    os.makedirs(work, exist_ok=True)
    files = {"plain": a.corpus,
             "zst": compressed(a.corpus, work, "zst", ["zstd", "-q", "-3", "-c"]),
             "gz": compressed(a.corpus, work, "gz", ["gzip", "-6", "-c"])}
    walls = {k: [] for k in files}
    rss = {k: [] for k in files}
    cpus = {k: [] for k in files}
    outs = {}
    for i in range(a.runs):
        for k, path in files.items():
            out = os.path.join(work, f"compressed-bench.{k}.tsv")
            w, m, c = run(a.neardup, path, a.threads, out)
            walls[k].append(w)
            rss[k].append(m)
            cpus[k].append(c)
            outs[k] = out
            print(f"run {i + 1} {k:5s} {w:6.2f} s wall {c:6.2f} s CPU {m / 1024:7.1f} MiB",
                  file=sys.stderr)
    plain = open(outs["plain"], "rb").read()
    base = min(walls["plain"])
    base_med = statistics.median(walls["plain"])
    base_cpu = statistics.median(cpus["plain"])
    print(f"corpus {a.corpus}: {os.path.getsize(a.corpus) / 1e6:.1f} MB; "
          f".zst {os.path.getsize(files['zst']) / 1e6:.1f} MB, .gz {os.path.getsize(files['gz']) / 1e6:.1f} MB; "
          f"{a.runs} run(s) each, --threads {a.threads}")
    print(f"{'input':6s} {'min wall':>9s} {'vs plain':>9s} {'median wall':>12s} {'vs plain':>9s} "
          f"{'CPU (user+sys)':>15s} {'vs plain':>9s} {'peak RSS':>10s}  report")
    targets = {"zst": 15.0, "gz": 60.0}
    for k, path in files.items():
        low = min(walls[k])
        med = statistics.median(walls[k])
        same = open(outs[k], "rb").read().replace(os.path.basename(path).encode(),
                                                   os.path.basename(a.corpus).encode())
        same = same.replace(path.encode(), a.corpus.encode())
        ok = "same" if same == plain else "DIFFERS"
        pct = (low / base - 1) * 100
        cpu = statistics.median(cpus[k])
        print(f"{k:6s} {low:7.2f} s {pct:+8.1f}% {med:10.2f} s {(med / base_med - 1) * 100:+8.1f}% "
              f"{cpu:13.2f} s {(cpu / base_cpu - 1) * 100:+8.1f}% {max(rss[k]) / 1024:7.1f} MiB  {ok}")
        if k in targets:
            print(f"target: {k} <= +{targets[k]:.0f}% (minimum wall): "
                  f"{'met' if pct <= targets[k] else 'NOT met'} ({pct:+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
