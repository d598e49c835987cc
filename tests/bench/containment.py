#!/usr/bin/env python3
"""containment.py - truncated reprints: recall and precision of `neardup scan --containment`.

An outlet prints the first half of a wire story, or a scraper cuts a page at a paywall: the
copy is almost wholly contained in the original, but its Jaccard is about 0.5 or lower. This
builds a corpus from the reference benchmark corpus (the first --originals articles of
gen_corpus.py --n 100000 --seed 2, which already holds ordinary near-duplicates) plus
--copies truncated copies: each a prefix, a suffix or a middle part of 30-90% of a random
original's paragraphs (lines), half of them with one word changed in a few lines. Truth is
computed here, exactly, by the shared data's definition (NFKC, case folded, words \\w+, sets of
word 5-grams): every pair of a copy and the documents of its original's family whose
containment |A & B| / min(|A|, |B|) >= 0.9.

Then `neardup scan --parts groups --containment 0.9 --all-pairs -f tsv` is run; recall is
the share of truth pairs reported, precision the share of reported pairs whose exact
containment (recomputed here) is >= 0.9 or whose Jaccard is >= the threshold. The article
job on the same corpus (without --containment) is timed too: the target is at most 2x.

Usage: python3 tests/bench/containment.py [--neardup build/neardup] [--originals 20000]
       [--copies 2000] [--work DIR]. Python 3 standard library only; /usr/bin/time.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = "/tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl"
WORD = re.compile(r"\w+")


def shingles(text, n=5):
    t = unicodedata.normalize("NFKC", text).casefold()
    w = WORD.findall(t)
    if len(w) < n:
        return {tuple(w)} if w else set()
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def sims(a, b):
    inter = len(a & b)
    small = min(len(a), len(b))
    return inter / small if small else 0.0, inter / len(a | b) if a or b else 0.0


def build(a, path, truthpath):
    rng = random.Random(7)
    docs = []
    with open(a.ref) as f:
        for i, line in enumerate(f):
            if i >= a.originals:
                break
            docs.append(json.loads(line))
    # Families: the reference corpus names near-copies d<N>... as their own documents; a
    # family here is an original and the copies made from it below.
    out = list(docs)
    parent = {}
    for c in range(a.copies):
        src = rng.randrange(len(docs))
        lines = docs[src]["text"].split("\n")
        k = len(lines)
        share = rng.uniform(0.3, 0.9)
        m = max(1, int(round(k * share)))
        kind = rng.choice(["prefix", "suffix", "middle"])
        start = 0 if kind == "prefix" else k - m if kind == "suffix" else rng.randrange(0, k - m + 1)
        part = lines[start:start + m]
        if c % 2:
            for _ in range(rng.randint(1, 3)):
                j = rng.randrange(len(part))
                words = part[j].split(" ")
                if len(words) > 3:
                    words[rng.randrange(len(words))] = "changed%d" % rng.randrange(10**6)
                    part[j] = " ".join(words)
        doc = {"id": "t%06d-%s-%s" % (c, kind, docs[src]["id"]), "text": "\n".join(part)}
        parent[doc["id"]] = docs[src]["id"]
        out.append(doc)
    with open(path + ".tmp", "w") as f:
        for d in out:
            f.write(json.dumps(d) + "\n")
    os.rename(path + ".tmp", path)
    # Truth: each copy against its original (and the other copies of the same original).
    sets = {}
    text = {d["id"]: d["text"] for d in out}
    by_parent = {}
    for cid, pid in parent.items():
        by_parent.setdefault(pid, []).append(cid)
    truth = []
    for pid, cids in by_parent.items():
        fam = [pid] + cids
        for x in fam:
            if x not in sets:
                sets[x] = shingles(text[x])
        for i in range(len(fam)):
            for j in range(i + 1, len(fam)):
                c, _ = sims(sets[fam[i]], sets[fam[j]])
                if c >= 0.9:
                    truth.append(tuple(sorted((fam[i], fam[j]))))
    with open(truthpath, "w") as f:
        json.dump(truth, f)


def timed(cmd, out):
    with open(out, "w") as f:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, stdout=f, stderr=subprocess.PIPE,
                           text=True)
    if p.returncode not in (0, 1):
        sys.exit("%s failed (%d):\n%s" % (cmd, p.returncode, p.stderr))
    wall, rss = p.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--ref", default=REF, help="the reference corpus (bench.py makes it)")
    ap.add_argument("--originals", type=int, default=20000)
    ap.add_argument("--copies", type=int, default=2000)
    ap.add_argument("--containment", type=float, default=0.9)
    ap.add_argument("--work", default="/tmp/neardup-bench/containment")
    a = ap.parse_args()
    if not os.path.exists(a.ref):
        sys.exit("%s not found: run python3 tests/bench/bench.py --no-peer once" % a.ref)
    os.makedirs(a.work, exist_ok=True)
    tag = "o%d-c%d" % (a.originals, a.copies)
    corpus = os.path.join(a.work, "corpus-%s.jsonl" % tag)
    truthpath = os.path.join(a.work, "truth-%s.json" % tag)
    if not os.path.exists(corpus) or not os.path.exists(truthpath):
        build(a, corpus, truthpath)
    truth = {tuple(p) for p in json.load(open(truthpath))}
    base = [a.neardup, "scan", "--parts", "groups", "--all-pairs", "-f", "tsv"]
    w0, m0 = timed(base + [corpus], os.path.join(a.work, "jaccard.tsv"))
    w1, m1 = timed(base + ["--containment", str(a.containment), corpus],
                   os.path.join(a.work, "containment.tsv"))
    found = set()
    with open(os.path.join(a.work, "containment.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if p[0] == "pair":
                found.add(tuple(sorted((p[1], p[2]))))
    text = {}
    with open(corpus) as f:
        for line in f:
            d = json.loads(line)
            text[d["id"]] = d["text"]
    bad = 0
    for x, y in found:
        c, j = sims(shingles(text[x]), shingles(text[y]))
        if c < a.containment - 1e-9 and j < 0.8 - 1e-9:
            bad += 1
    hit = len(truth & found)
    print("corpus: %d originals + %d truncated copies; %d true pairs at containment >= %.2f"
          % (a.originals, a.copies, len(truth), a.containment))
    print("recall %.4f (%d of %d), precision %.4f (%d of %d reported pairs hold)"
          % (hit / len(truth) if truth else 1.0, hit, len(truth),
             (len(found) - bad) / len(found) if found else 1.0, len(found) - bad, len(found)))
    print("article job %.2f s %d MiB; with --containment %.2f s %d MiB: %.2fx"
          % (w0, m0 // 1024, w1, m1 // 1024, w1 / w0))
    print("targets: recall >= 0.99 %s, precision 1.0 %s, time <= 2x %s"
          % ("met" if truth and hit / len(truth) >= 0.99 else "NOT met",
             "met" if bad == 0 else "NOT met", "met" if w1 <= 2 * w0 else "NOT met"))


if __name__ == "__main__":
    main()
