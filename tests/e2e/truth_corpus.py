#!/usr/bin/env python3
"""truth_corpus.py OUTDIR [--seed N] [--families N] [--singles N]

Writes a JSON Lines corpus with exact ground truth, for tests that must not depend on the
team's shared data (../shared): the same kinds of truth as its corpora, made here.

  OUTDIR/docs.jsonl     {"id", "text"}: articles of paragraphs (one a line) of words
  OUTDIR/pairs_j80.tsv  doc_a, doc_b, jaccard (a header first): every pair whose word
                        5-gram Jaccard is >= 0.8, found exhaustively (inverted index)
  OUTDIR/doubled.txt    the ids of the articles whose body is doubled (repeats hold >= 40%
                        of the words); every other article's repeats hold <= 30%

Articles come in families: an original and copies of it as scrapers and syndication make
them (word edits, a dropped paragraph, truncation, an added footer, a doubled body, one
paragraph repeated, other punctuation), plus unrelated single articles. Words are random
lowercase ASCII, so the tokens of a text are exactly the words it was made of (neardup's
normaliser: NFKC + case fold, runs of letters and digits; punctuation and case vanish).
Deterministic for a given seed. Python 3 standard library only.
"""
import argparse
import json
import os
import random
from collections import defaultdict

NGRAM = 5
THRESHOLD = 0.8


def make_vocab(rng, n):
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                          for _ in range(rng.randint(2, 9))))
    return sorted(words)


def render(paras, rng):
    """Paragraphs (lists of words) as text: capitals, commas, full stops, one a line."""
    lines = []
    for p in paras:
        out = []
        for i, w in enumerate(p):
            if i == 0 or out[-1].endswith("."):
                w = w.capitalize()
            out.append(w)
            r = rng.random()
            if i + 1 < len(p):
                if r < 0.06:
                    out[-1] += "."
                elif r < 0.15:
                    out[-1] += ","
                elif r < 0.17:
                    out.append("-")
        lines.append(" ".join(out) + ".")
    return "\n".join(lines)


def words_of(paras):
    return [w for p in paras for w in p]


def shingles(words):
    if len(words) < NGRAM:
        return {tuple(words)}
    return {tuple(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--families", type=int, default=150)
    ap.add_argument("--singles", type=int, default=200)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    vocab = make_vocab(rng, 5000)

    def para():
        return [rng.choice(vocab) for _ in range(rng.randint(8, 40))]

    def article():
        return [para() for _ in range(rng.randint(5, 14))]

    docs = []  # (id, paragraphs, repeated words)

    def add(name, paras, repeated=0):
        docs.append((name, paras, repeated))

    for f in range(a.families):
        orig = article()
        add("f%03d_orig" % f, orig)
        for c in range(rng.randint(1, 5)):
            kind = rng.choice(["edit", "edit", "edit", "drop", "trunc", "footer", "doubled",
                               "repeat", "same"])
            paras = [list(p) for p in orig]
            repeated = 0
            if kind == "edit":  # k words replaced: Jaccard from about 0.5 to 1
                n = len(words_of(paras))
                for _ in range(rng.randint(1, max(1, n // 20))):
                    p = rng.choice(paras)
                    p[rng.randrange(len(p))] = rng.choice(vocab)
            elif kind == "drop" and len(paras) > 2:
                del paras[rng.randrange(len(paras))]
            elif kind == "trunc":
                paras = paras[:max(2, len(paras) * rng.randint(60, 95) // 100)]
            elif kind == "footer":
                paras.append(["baca", "juga"] + para())
            elif kind == "doubled":  # the whole body again: half its words are repeats
                repeated = len(words_of(paras))
                paras = paras + [list(p) for p in paras]
            elif kind == "repeat":  # one paragraph again further on: a small share
                total = len(words_of(paras))
                small = [i for i, p in enumerate(paras) if len(p) <= 0.4 * total]
                if small:
                    i = rng.choice(small)
                    repeated = len(paras[i])
                    paras.insert(rng.randint(i + 1, len(paras)), list(paras[i]))
            add("f%03d_%d_%s" % (f, c, kind), paras, repeated)
    for s in range(a.singles):
        paras = article()
        repeated = 0
        if s % 10 == 0:
            repeated = len(words_of(paras))
            paras = paras + [list(p) for p in paras]
        add("s%03d" % s, paras, repeated)

    os.makedirs(a.outdir, exist_ok=True)
    sets = []
    with open(os.path.join(a.outdir, "docs.jsonl"), "w", encoding="utf-8") as f:
        for name, paras, _ in docs:
            f.write(json.dumps({"id": name, "text": render(paras, rng)}, ensure_ascii=False))
            f.write("\n")
            sets.append(shingles(words_of(paras)))

    # Exhaustive: every pair that shares a shingle is a candidate, and is measured exactly.
    index = defaultdict(list)
    for i, s in enumerate(sets):
        for g in s:
            index[g].append(i)
    inter = defaultdict(int)
    for ids in index.values():
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                inter[(ids[x], ids[y])] += 1
    pairs = []
    for (i, j), n in inter.items():
        jac = n / (len(sets[i]) + len(sets[j]) - n)
        if jac >= THRESHOLD:
            pairs.append((docs[i][0], docs[j][0], jac))
    with open(os.path.join(a.outdir, "pairs_j80.tsv"), "w", encoding="utf-8") as f:
        f.write("doc_a\tdoc_b\tjaccard\n")
        for x, y, jac in sorted(pairs):
            f.write("%s\t%s\t%.6f\n" % (x, y, jac))

    with open(os.path.join(a.outdir, "doubled.txt"), "w", encoding="utf-8") as f:
        for name, paras, repeated in docs:
            share = repeated / len(words_of(paras))
            assert share <= 0.3 or share >= 0.45, (name, share)  # no borderline case
            if share >= 0.4:
                f.write(name + "\n")


if __name__ == "__main__":
    main()
