#!/usr/bin/env python3
"""thresholds.py - recall and precision of near-duplicate pairs at every threshold.

For each corpus of the shared data (../shared/data/*/docs.jsonl, whose pairs_j50.tsv lists
every pair at exact Jaccard >= 0.5) and each threshold T from 0.5 to 0.95 in steps of 0.05,
runs `neardup scan --parts groups --all-pairs -f tsv --stats --threshold T` and scores its
pairs against the truth pairs at >= T: recall (truth pairs reported), precision (reported
pairs that are truth pairs), the candidate tests and the time it took. Pairs within 1e-6 of
T (the truth's six decimals) count neither way.

Usage: python3 tests/bench/thresholds.py [--neardup build/neardup] [--shared ../shared]
       [--thresholds 0.5,0.55,...] [--corpora a,b] [--markdown] [--json FILE]
Prints one line per corpus and threshold, then (with --markdown) the README's table.
Exits 1 when recall < 0.999 or precision < 1 anywhere. Python 3 standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPS = 1e-6


def key(a, b):
    return (a, b) if a < b else (b, a)


def load_truth(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            try:
                j = float(p[2])
            except (IndexError, ValueError):
                continue
            out[key(p[0], p[1])] = j
    return out


def run(binary, docs, t, threads):
    cmd = [binary, "scan", "--parts", "groups", "--all-pairs", "-f", "tsv", "--stats",
           "--threads", str(threads), "--threshold", "%g" % t, docs]
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):
        sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
    found = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "pair":
            found[key(f[1], f[2])] = float(f[3])
    m = re.search(r"candidates (\d+)", p.stderr)
    b = re.search(r"(\d+) bands x (\d+) rows", p.stderr)
    return found, int(m.group(1)) if m else -1, wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--thresholds", default=",".join("%.2f" % (0.5 + 0.05 * i) for i in range(10)))
    ap.add_argument("--corpora", default="")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    data = os.path.join(a.shared, "data")
    if not os.path.isdir(data):
        sys.exit("no %s: the shared data is needed" % data)
    corpora = [c for c in sorted(os.listdir(data))
               if os.path.exists(os.path.join(data, c, "pairs_j50.tsv"))]
    if a.corpora:
        corpora = [c for c in corpora if c in a.corpora.split(",")]
    ts = [float(x) for x in a.thresholds.split(",")]
    rows, ok = [], True
    for c in corpora:
        truth = load_truth(os.path.join(data, c, "pairs_j50.tsv"))
        for t in ts:
            found, cand, wall = run(a.neardup, os.path.join(data, c, "docs.jsonl"), t, a.threads)
            want = {p for p, j in truth.items() if j >= t + EPS}
            border = {p for p, j in truth.items() if abs(j - t) < EPS}
            hit = len(want & set(found))
            wrong = [p for p in found if p not in border and truth.get(p, 0.0) < t - EPS]
            n = len([p for p in found if p not in border])
            rec = hit / len(want) if want else 1.0
            prec = (n - len(wrong)) / n if n else 1.0
            ok &= rec >= 0.999 and prec >= 1.0
            rows.append({"corpus": c, "threshold": t, "true": len(want), "found": len(found),
                         "recall": rec, "precision": prec, "candidates": cand, "wall": wall,
                         "missed": sorted(want - set(found))[:5]})
            print("%-20s t=%.2f true %6d found %6d recall %.4f precision %.4f candidates %8d "
                  "%.2fs%s" % (c, t, len(want), len(found), rec, prec, cand, wall,
                               "" if rec >= 0.999 else "  missed e.g. %s" % rows[-1]["missed"][:2]),
                  flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    if a.markdown:
        print("\n| corpus | " + " | ".join("%.2f" % t for t in ts) + " |")
        print("| --- |" + " --- |" * len(ts))
        for c in corpora:
            cells = []
            for t in ts:
                r = next(x for x in rows if x["corpus"] == c and x["threshold"] == t)
                cells.append("%.4f / %.4f (%d)" % (r["recall"], r["precision"], r["true"]))
            print("| %s | %s |" % (c, " | ".join(cells)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
