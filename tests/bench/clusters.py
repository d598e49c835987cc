#!/usr/bin/env python3
"""clusters.py - time and memory of neardup on batches full of copy clusters.

Scraped batches are full of clusters of identical or nearly identical short documents (error
pages, paywall stubs, cookie notices). neardup's time and memory must stay linear in the
number of documents whatever the cluster sizes. This measures, for each case, the wall time
and peak RSS per document of `neardup scan` (all parts, JSON report to a file) against a
corpus of the same number of *distinct* documents of the same shape, and checks the ratio
against the target (at most 2x).

Cases (documents of 5 words, "page N could not be loaded", as in the issue that found the
quadratic blow-up):
  c125      200,000 documents in clusters of 125 identical texts (1,600 distinct)
  c1-10000  200,000 documents in clusters of 1 to 10,000 copies (sizes 1, 2, 5, 10, ..., 10000
            repeated until 200,000), every fifth copy with one word changed
  c1m       1,000,000 documents with 8,000 distinct texts (--big)

Usage: python3 tests/bench/clusters.py [--neardup build/neardup] [--big] [--work DIR]
Python 3 standard library only; needs /usr/bin/time (Debian package `time`).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_corpus(path, n, text_of):
    if os.path.exists(path):
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": "d%d" % i, "text": text_of(i)}) + "\n")
    os.rename(tmp, path)


def sizes_1_to_10000(n):
    """Cluster sizes 1, 2, 5, 10, 20, 50, ... 10000, repeated, cut to n documents."""
    steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
    out, total, k = [], 0, 0
    while total < n:
        s = min(steps[k % len(steps)], n - total)
        out.append(s)
        total += s
        k += 1
    return out


def cluster_texts(n):
    texts = []
    for c, size in enumerate(sizes_1_to_10000(n)):
        for j in range(size):
            word = "loaded" if j % 5 else "shown"
            texts.append("page %d could not be %s" % (c, word))
    return texts


def run(neardup, path, out):
    cmd = ["/usr/bin/time", "-f", "%e %M", neardup, "scan", "-f", "json", "--stats", path]
    with open(out, "w") as f:
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        sys.exit("neardup failed on %s (status %d):\n%s" % (path, p.returncode, p.stderr))
    wall, rss = p.stderr.strip().splitlines()[-1].split()
    with open(out) as f:
        rep = json.load(f)
    return float(wall), int(rss), rep["summary"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--work", default="/tmp/neardup-bench/clusters")
    ap.add_argument("--big", action="store_true", help="also 1,000,000 documents (~1 GB RAM)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    cases = [
        ("c125", 200000, lambda i: "page %d could not be loaded" % (i % 1600)),
        ("c1-10000", 200000, None),
    ]
    if a.big:
        cases.append(("c1m", 1000000, lambda i: "page %d could not be loaded" % (i % 8000)))
    print("%-9s %9s %8s %10s %8s %10s %7s %7s  %s" % (
        "case", "docs", "wall s", "RSS MiB", "ref s", "ref MiB", "t x", "mem x", "groups"))
    worst = 0.0
    for name, n, text_of in cases:
        path = os.path.join(a.work, "%s.jsonl" % name)
        if text_of is None:
            texts = cluster_texts(n)
            write_corpus(path, n, lambda i: texts[i])
        else:
            write_corpus(path, n, text_of)
        ref = os.path.join(a.work, "distinct-%d.jsonl" % n)
        write_corpus(ref, n, lambda i: "page %d could not be loaded" % i)
        w, m, s = run(a.neardup, path, os.path.join(a.work, name + ".json"))
        rw, rm, _ = run(a.neardup, ref, os.path.join(a.work, "distinct.json"))
        tx, mx = w / rw, m / rm
        worst = max(worst, tx, mx)
        print("%-9s %9d %8.2f %10.1f %8.2f %10.1f %7.2f %7.2f  %d groups, %d pairs" % (
            name, n, w, m / 1024, rw, rm / 1024, tx, mx, s["groups"], s["pairs"]))
    print("target: time and peak RSS per document within 2x of distinct documents: %s (worst %.2fx)"
          % ("met" if worst <= 2.0 else "NOT met", worst))


if __name__ == "__main__":
    main()
