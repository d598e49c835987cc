#!/usr/bin/env python3
"""clean_bench.py - `neardup clean` against `neardup scan` with the same parts.

Times `scan -f tsv --parts P` and `clean -f tsv --parts P -o OUT` alternately on one corpus
(by default the 100k benchmark corpus bench.py generates, corpus-n100000-seed2), takes the
median wall time and the peak RSS (the child's ru_maxrss) of each, and checks the targets of
issue 12: clean at most 1.3x the scan's time, at the same peak memory plus bounded buffers
(here: at most 64 MiB more). Then restores the last clean once, times it, and checks that it
gives the corpus back byte for byte. Python 3 standard library only; not part of ctest.

    python3 tests/bench/clean_bench.py --neardup build/neardup
    python3 tests/bench/clean_bench.py --parts all --runs 3      # the full scan's parts
"""
import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CORPUS = "/tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl"


def timed(cmd, stdout_path):
    """Runs cmd with stdout to a file; returns (wall seconds, peak RSS in MiB)."""
    with open(stdout_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit("%s failed with status %d:\n%s" % (" ".join(cmd), code, err))
    return wall, ru.ru_maxrss / 1024.0


def cpu_busy():
    """The 1-minute load average (the machine may be shared)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                    help="JSON Lines corpus (default: bench.py's 100k corpus)")
    ap.add_argument("--parts", default="groups", help="--parts for both runs (default groups)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    ap.add_argument("--threads", type=int, default=2, help="--threads (default 2)")
    ap.add_argument("--work", default="/tmp/neardup-clean-bench", help="scratch directory")
    ap.add_argument("--json", help="also write the figures as JSON to this file")
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        sys.exit("no corpus at %s: run `python3 tests/bench/bench.py --no-peer` once to "
                 "generate it, or give --corpus" % a.corpus)
    os.makedirs(a.work, exist_ok=True)
    out = os.path.join(a.work, "out")
    common = ["-f", "tsv", "-q", "--parts", a.parts, "--threads", str(a.threads)]
    scan = [a.neardup, "scan"] + common + [a.corpus]
    clean = [a.neardup, "clean"] + common + ["-o", out, a.corpus]
    size = os.path.getsize(a.corpus)
    # One warm-up of each (page cache, and the output directory's first creation).
    shutil.rmtree(out, ignore_errors=True)
    timed(scan, os.path.join(a.work, "scan.tsv"))
    timed(clean, os.path.join(a.work, "clean.tsv"))
    runs = {"scan": [], "clean": []}
    load = []
    for i in range(a.runs):
        load.append(cpu_busy())
        runs["scan"].append(timed(scan, os.path.join(a.work, "scan.tsv")))
        shutil.rmtree(out, ignore_errors=True)
        runs["clean"].append(timed(clean, os.path.join(a.work, "clean.tsv")))
    kept = sum(os.path.getsize(os.path.join(d, f))
               for d, _, fs in os.walk(os.path.join(out, "kept")) for f in fs)
    removed = os.path.getsize(os.path.join(out, "removed.jsonl"))
    back = os.path.join(a.work, "back")
    shutil.rmtree(back, ignore_errors=True)
    t_restore, rss_restore = timed([a.neardup, "restore", out, back], os.devnull)
    restored = os.path.join(back, os.path.relpath(a.corpus, "/"))
    same = filecmp.cmp(a.corpus, restored, shallow=False)
    shutil.rmtree(back, ignore_errors=True)

    med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    rss = {k: max(r for _, r in v) for k, v in runs.items()}
    ratio = med["clean"] / med["scan"]
    print("corpus: %s (%.1f MB), --parts %s, %d threads, %d runs each, alternated"
          % (a.corpus, size / 1e6, a.parts, a.threads, a.runs))
    print("load average before each pair: %s" % ", ".join("%.1f" % x for x in load))
    print("| run | median wall | runs | peak RSS |")
    print("| --- | --- | --- | --- |")
    for k in ("scan", "clean"):
        print("| %s | %.2f s | %s | %.0f MiB |" % (
            k, med[k], ", ".join("%.2f" % w for w, _ in runs[k]), rss[k]))
    print("| restore | %.2f s | 1 | %.0f MiB |" % (t_restore, rss_restore))
    print("clean / scan: %.2fx (target <= 1.30); peak RSS %+.0f MiB (target <= +64)"
          % (ratio, rss["clean"] - rss["scan"]))
    print("kept/: %.1f MB, removed.jsonl: %.1f MB; restore byte-identical: %s"
          % (kept / 1e6, removed / 1e6, "yes" if same else "NO"))
    ok = ratio <= 1.30 and rss["clean"] - rss["scan"] <= 64 and same
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"corpus": a.corpus, "bytes": size, "parts": a.parts,
                       "threads": a.threads, "runs": runs, "median": med, "peak_rss_mib": rss,
                       "ratio": ratio, "restore_s": t_restore, "restore_identical": same,
                       "kept_bytes": kept, "removed_bytes": removed, "load": load}, f,
                      indent=1)
    shutil.rmtree(out, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
