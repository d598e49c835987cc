#!/usr/bin/env python3
"""make_seeds.py - (re)writes the seed inputs of the fuzz targets: tests/fuzz/corpus/*/seed-*.

Seeds are small (libFuzzer's default -max_len is the largest seed), cut from the sample
batch in data/ and edge cases written here. Inputs that once broke an invariant are kept
beside them as corpus/<target>/regress-* (added by hand, never rewritten by this script).
Run from anywhere: python3 tests/fuzz/make_seeds.py
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEP = b"\n==FILE==\n"


def sample(n):
    """The sample articles' first n bytes each, cut at a line end (UTF-8 kept whole)."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "*.txt"))):
        with open(path, "rb") as f:
            b = f.read()
        cut = b.rfind(b"\n", 0, n)
        out.append(b[: cut + 1 if cut > 0 else n])
    return out


def jl(obj):
    return json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n"


def edit(b):
    """A near-copy: a few words changed."""
    words = b.split(b" ")
    for i in range(3, len(words), 37):
        words[i] = b"kata"
    return b" ".join(words)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    for d in glob.glob(os.path.join(HERE, "corpus", "*", "seed-*")):
        os.remove(d)
    arts = sample(700)
    texts = [a.decode("utf-8") for a in arts]

    # ---- reader: arbitrary bytes as a .jsonl and as a .txt file ----------------------------
    write("reader", "article.txt", arts[0])
    write("reader", "lines.jsonl", b"".join(jl({"id": "a%d" % i, "url": "http://x/%d" % i,
                                                "text": t[:300]}) for i, t in enumerate(texts)))
    write("reader", "bom-crlf.jsonl", b"\xef\xbb\xbf" + jl({"id": "b", "text": "x y"}).replace(
        b"\n", b"\r\n") + b"\r\n  \t\n" + jl({"text": "no id"}))
    write("reader", "empty", b"")
    write("reader", "blank-lines.jsonl", b"\n \n\t\r\n\n")
    write("reader", "bad-lines.jsonl", b"".join([
        b'{"id": "m", "text": "ok"}\n',
        b"this is not JSON\n",
        b'{"id": "t", "text": "cut off\n',
        b"[1, 2, 3]\n",
        b'{"text": 42}\n',
        b'{"id": "e", "text": ""}\n',
        b'{"id": "n", "title": "no text"}\n',
        b'{"id": 12345678901234567890, "text": "numeric id"}\n',
        b'{"id": 1.5e300, "text": "float id"}\n',
        b'{"id": "", "url": "u", "text": "empty id"}\n',
        b'{"id": {"a": 1}, "text": "object id"}\n',
        b'{"id": "d", "text": "first", "text": "second"}\n',
        b'{"id": "x", "text": "a"} {"id": "y", "text": "b"}\n',
        b'{"id": "z", "text": "nul \\u0000 inside"}\n',
        b'{"id": "s", "text": "\\ud83d\\ude00 \\ud800 lone"}\n',
        b'{"id": "\xff\xfe", "text": "raw \xc3\x28 bytes"}\n',
        b'{"id": "w", "body": "other field", "url": "http://u"}\n',
        b'{"id": "deep", "text": "t", "x": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}\n',
    ]))
    write("reader", "nul-line2.jsonl", b'{"text": "a"}\n{"text": "b\x00"}\n{"text": "c"}\n')
    write("reader", "nul.txt", b"text\x00more")
    write("reader", "long-line.jsonl", jl({"id": "long", "text": "word " * 60}) +
          jl({"id": "short", "text": "tiny"}))
    write("reader", "no-final-newline.jsonl", b'{"id": "q", "text": "last line"}')

    # ---- normalize: text to tokens -------------------------------------------------------
    write("normalize", "article.txt", arts[1][:600])
    write("normalize", "scripts.txt", "\n".join([
        "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ﬁne ligature Straße İstanbul ǅ",
        "e\u0301 \u0301alone <\u0338 a\u00adb zero\u200bwidth \u200d joiner",
        "한국어 텍스트 中文文本 日本語のテキスト ไทย العربية עברית Ελληνικά Кириллица",
        "emoji 😀👍🏽 flags 🇮🇩 digits ٣ ४ ௫ roman Ⅻ superscript x² ½",
        "“Negara-negara” — ‘kutipan’ … «guillemets» snake_case CamelCase MiXeD123abc",
    ]).encode("utf-8"))
    for name, b in [("lone-lead", b"ab\xc3"), ("bad-cont", b"x \xe2\x82 y"),
                    ("overlong", b"\xc0\xaf \xe0\x80\xaf"), ("surrogate", b"ok \xed\xa0\x80"),
                    ("too-big", b"\xf4\x90\x80\x80"), ("f8", b"word \xf8\x88\x80\x80\x80"),
                    ("ff", b"\xff"), ("four-byte", b"\xf0\x9f\x98\x80 smile")]:
        write("normalize", "utf8-" + name, b)
    # Multi-byte characters across the 16-, 32- and 64-byte blocks of the vector classifier.
    for at in (15, 31, 63, 64, 127):
        for ch in ("é", "€", "😀"):
            c = ch.encode("utf-8")
            b = b"a" * (at - 1) + c + b" tail WORD"
            write("normalize", "edge-%d-%d" % (at, len(c)), b)
            write("normalize", "edge-bad-%d-%d" % (at, len(c)), b"a" * (at - 1) + c[:-1] + b" x")

    # ---- scan: two option bytes, then files cut at SEP ---------------------------------------
    # Option byte 0: bit 0 JSON Lines, bits 1-2 n-gram (1 2 3 5), bit 3 block paragraphs,
    # bit 4 estimate, bits 5-6 parts (all, groups, blocks+short, shared), bit 7 with byte 1's
    # bit 7: 1 and 2 threads. Byte 1: bits 0-1 perms (8 16 32 128), 2-3 threshold (.5 .8 1 .3),
    # 4-5 boilerplate docs - 2, 6 short words - 1.
    near = [t[:500] for t in texts[:2]]
    docs = b"".join(jl({"id": "d%d" % i, "text": t}) for i, t in enumerate(
        near + [edit(near[0].encode()).decode("utf-8", "replace")]))
    write("scan", "jsonl-all", bytes([0x01 | 6, 0x07]) + docs)
    write("scan", "jsonl-groups-threads", bytes([0x01 | 6 | 0x20 | 0x80, 0x83]) + docs)
    doubled = arts[1][:400] * 2 + b"Global\nGlobal\nGlobal\n"
    write("scan", "txt-blocks", bytes([0x00 | 2 | 0x40, 0x46]) + doubled + SEP + arts[2][:400])
    shared = b"Ini adalah kalimat yang dikutip oleh dua media berbeda hari ini.\n"
    write("scan", "txt-shared", bytes([0x60, 0x13]) + arts[0][:300] + shared + SEP +
          arts[3][:300] + shared + SEP + b"" + SEP + b"\x00binary")
    write("scan", "txt-block-mode", bytes([0x08 | 0x80, 0x80]) +
          b"para one line one\nline two of it\n\npara two\nmore words here\n\n" * 3)
    write("scan", "jsonl-bad", bytes([0x11, 0x0c]) + b'{"id": "a", "text": "x"}\nnot json\n'
          b'{"id": "b", "text": "\xc3\x28 invalid"}\n{"text": "!!! ???"}\n')


if __name__ == "__main__":
    main()
