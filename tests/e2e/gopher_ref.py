#!/usr/bin/env python3
"""gopher_ref.py - an independent implementation of the Gopher repetition measures, for
e2e.gopher: written from Rae et al. 2021 (table A1) as datatrove's gopher_repetition_filter
computes them, with neardup's words in place of datatrove's word tokenizer (the one change
the README states, with n-grams compared as tuples of words rather than joined strings).

As a module: measures(text) -> dict of the 13 measures (None for a top n-gram of a text with
fewer than n words) plus "chars", "lines", "paragraphs"; flags(measures, limits) -> the
names over their limits. Python 3 standard library only.
"""
import re
import unicodedata
from collections import Counter

NAMES = ["dup_line_frac", "dup_para_frac", "dup_line_char_frac", "dup_para_char_frac",
         "top_2_gram", "top_3_gram", "top_4_gram"] + \
        ["duplicated_%d_n_grams" % n for n in range(5, 11)]
LIMITS = dict(zip(NAMES, [0.30, 0.30, 0.20, 0.20, 0.20, 0.18, 0.16,
                          0.15, 0.14, 0.13, 0.12, 0.11, 0.10]))

# neardup's words: the text cut at ASCII bytes that are not letters or digits; each piece
# NFKC-normalised and case folded, default-ignorable format characters dropped; a word is a
# maximal run of letters, digits and marks (Unicode categories L*, N*, M*).
_ASCII_SEP = re.compile(r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+")


def words(text):
    out = []
    for seg in _ASCII_SEP.split(text):
        if not seg:
            continue
        if seg.isascii():
            out.append(seg.lower())
            continue
        norm = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", seg).casefold())
        run = []
        for ch in norm:
            cat = unicodedata.category(ch)
            if cat == "Cf":
                continue
            if cat[0] in "LNM":
                run.append(ch)
            elif run:
                out.append("".join(run))
                run = []
        if run:
            out.append("".join(run))
    return out


def find_duplicates(elements):
    """(elements seen before, their characters)"""
    seen, dup, chars = set(), 0, 0
    for e in elements:
        if e in seen:
            dup += 1
            chars += len(e)
        else:
            seen.add(e)
    return dup, chars


def top_gram(ws, n):
    grams = [tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)]
    if not grams:
        return None
    gram, count = Counter(grams).most_common(1)[0]  # the first met of equal counts
    return len(" ".join(gram)) * count


def all_duplicate(ws, n):
    seen, chars, i = set(), 0, 0
    while i < len(ws) - n + 1:
        gram = tuple(ws[i:i + n])
        if gram in seen:
            chars += len("".join(gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


def measures(text):
    m = {"chars": len(text)}
    paras = re.split(r"\n{2,}", text.strip())
    dup, chars = find_duplicates(paras)
    m["paragraphs"] = len(paras)
    m["dup_para_frac"] = dup / len(paras)
    m["dup_para_char_frac"] = chars / len(text)
    lines = re.split("\n+", text)
    dup, chars = find_duplicates(lines)
    m["lines"] = len(lines)
    m["dup_line_frac"] = dup / len(lines)
    m["dup_line_char_frac"] = chars / len(text)
    ws = words(text)
    for n in (2, 3, 4):
        c = top_gram(ws, n)
        m["top_%d_gram" % n] = None if c is None else c / len(text)
    for n in range(5, 11):
        m["duplicated_%d_n_grams" % n] = all_duplicate(ws, n) / len(text)
    return m


def flags(m, limits=LIMITS):
    return [k for k in NAMES if limits.get(k) is not None and m[k] is not None and
            m[k] > limits[k]]
