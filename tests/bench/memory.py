#!/usr/bin/env python3
"""memory.py - peak memory per article of neardup scan, with its time (issue 17).

Runs `neardup scan --parts groups` (the article job) and the full scan (every part) on a
corpus (default: the 100k benchmark corpus bench.py builds) and reports, for each, the
minimum wall time over the runs, the peak RSS (`/usr/bin/time -f %M`, KiB) and the peak RSS
per article in KiB (RSS / documents read). With `--ref BIN` the runs of the two binaries
alternate (ref, new, ref, new, ...) so that a busy machine slows both alike, the reports
are compared byte for byte, and the ratios are printed. Targets (issue 17): the article job
at most 1 KiB per article, the full scan at most 3 KiB, at most 5% more time than --ref;
exits 1 when the article job misses its memory target or the reports differ.

Usage: python3 tests/bench/memory.py [--neardup build/neardup] [--ref OLD_BIN]
                                     [--corpus FILE] [--runs N] [--parts groups,all]
Python 3 standard library only; needs /usr/bin/time (Debian package `time`).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = "/tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl"
TARGET_KIB = {"groups": 1.0, "all": 3.0}


def run(neardup, parts, corpus, out):
    """One scan: (wall seconds, peak RSS KiB, documents); the JSON report goes to out."""
    cmd = ["/usr/bin/time", "-f", "%e %M", neardup, "scan", "--format", "json", "-o", out]
    if parts != "all":
        cmd += ["--parts", parts]
    cmd.append(corpus)
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        sys.exit("neardup failed (status %d):\n%s" % (p.returncode, p.stderr))
    wall, rss = p.stderr.strip().splitlines()[-1].split()
    with open(out) as f:
        docs = json.load(f)["summary"]["documents"]
    return float(wall), int(rss), docs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--ref", help="a reference binary, run alternately (e.g. the main branch)")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--parts", default="groups,all", help="groups, all, or both (default)")
    a = ap.parse_args()
    if not os.path.exists(a.corpus):
        sys.exit("no corpus %s: make it with python3 tests/bench/bench.py --no-peer" % a.corpus)
    bins = [("new", a.neardup)] + ([("ref", a.ref)] if a.ref else [])
    ok = True
    with tempfile.TemporaryDirectory(prefix="neardup-memory-") as tmp:
        print("%-7s %-4s %8s %10s %9s" % ("parts", "bin", "wall s", "RSS KiB", "KiB/art"))
        for parts in a.parts.split(","):
            best = {}
            for r in range(a.runs):
                for name, binary in (bins if r % 2 == 0 else bins[::-1]):
                    out = os.path.join(tmp, "%s-%s.json" % (name, parts))
                    w, m, docs = run(binary, parts, a.corpus, out)
                    b = best.setdefault(name, [w, m, docs])
                    b[0], b[1] = min(b[0], w), max(b[1], m)
            for name, _ in bins:
                w, m, docs = best[name]
                print("%-7s %-4s %8.2f %10d %9.2f" % (parts, name, w, m, m / docs))
            w, m, docs = best["new"]
            target = TARGET_KIB.get(parts)
            if target is not None:
                met = m / docs <= target
                ok = ok and (met or parts != "groups")
                print("  target %s: at most %.1f KiB per article: %s" % (
                    parts, target, "met" if met else "NOT met"))
            if a.ref:
                rw, rm, _ = best["ref"]
                same = open(os.path.join(tmp, "new-%s.json" % parts), "rb").read() == \
                    open(os.path.join(tmp, "ref-%s.json" % parts), "rb").read()
                ok = ok and same
                print("  vs ref: time %.3fx (target <= 1.05), RSS %.3fx; reports %s" % (
                    w / rw, m / rm, "identical" if same else "DIFFER"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
