#!/usr/bin/env python3
"""Benchmark of the archive index (neardup index / neardup check), see tests/bench/README.md.

Three measurements, each printed with the command that made it:

1. `index add` of the 100k benchmark corpus into an empty archive against the article job
   (`neardup scan --parts groups -f tsv`) on the same corpus, run alternately (--runs each);
   the ratio of the minimums (on a shared, loaded machine the least disturbed run of each)
   is the figure issue 13 bounds (at most 2x), the medians' ratio beside it; CPU seconds
   (user + system) of each; then, in each run, a second add of the same corpus (ids
   prefixed "b-") into the archive of 100k: what an add into a non-empty archive costs
   (its maps' runs are merged); also the archive's size on disk and bytes per document.
2. A 1,000,000-document archive built by ten adds of 100k corpora (the reference corpus and
   nine more, seeds 3..11, as `bench.py --sizes 1M` composes them; ids prefixed by part as
   the harness does); built once and reused (--rebuild to build again).
3. `check` of a batch of 10,000 new articles (another seed) against the 1M archive and
   against the 100k one: wall time and peak RSS of each, all parts and --parts groups; the
   check's memory must not grow with the archive.

Python 3 standard library only; /usr/bin/time for peak RSS. Not part of ctest.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    """Runs cmd under /usr/bin/time -v: (wall seconds, peak RSS MiB, stderr text)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-v", "-o", tf.name] + cmd
        t0 = time.monotonic()
        p = subprocess.run(full, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        wall = time.monotonic() - t0
        rss = 0.0
        cpu = 0.0
        for line in tf.read().splitlines():
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", line)
            if m:
                rss = int(m.group(1)) / 1024.0
            m = re.search(r"(User|System) time \(seconds\): ([\d.]+)", line)
            if m:
                cpu += float(m.group(2))
    timed.cpu = cpu
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1):
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd), p.returncode, err[-2000:]))
    return wall, rss, err


def info(nd, archive):
    out = subprocess.run([nd, "index", "info", "--tables", archive], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return out


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def cpu_seconds():
    """Seconds of CPU the whole machine has spent (user + nice + system + irq + softirq)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / os.sysconf("SC_CLK_TCK")


def rm_archive(path):
    for s in ("", "-wal", "-shm"):
        if os.path.exists(path + s):
            os.remove(path + s)


def bench_add(a, work):
    corpus = a.corpus
    scan_cmd = [a.neardup, "scan", "--parts", "groups", "-f", "tsv", "-j", str(a.threads), corpus]
    archive = os.path.join(work, "a100k.idx")
    add_cmd = [a.neardup, "index", "add", "--stats", "-j", str(a.threads), archive, corpus]
    log("reading %s once into the page cache" % corpus)
    with open(corpus, "rb") as f:
        while f.read(1 << 24):
            pass
    scans, adds, seconds = [], [], []
    split = []
    for r in range(a.runs):
        w, rss, _ = timed(scan_cmd)
        scans.append((w, rss, timed.cpu))
        log("scan run %d: %.2f s, %.0f MiB (load %s)" % (r + 1, w, rss, load()))
        rm_archive(archive)
        subprocess.run([a.neardup, "index", "create", archive], check=True)
        w, rss, err = timed(add_cmd)
        adds.append((w, rss, timed.cpu))
        m = re.search(r"scan ([\d.]+)s, write ([\d.]+)s, commit ([\d.]+)s, close ([\d.]+)s", err)
        split.append(m.groups() if m else ())
        log("add run %d: %.2f s, %.0f MiB (load %s)" % (r + 1, w, rss, load()))
        # the same corpus again, its ids prefixed "b-", into the archive of 100k
        sed = subprocess.Popen(["sed", "s/^{\"id\": \"/{\"id\": \"b-/", corpus],
                               stdout=subprocess.PIPE)
        w, rss, err = timed([a.neardup, "index", "add", "--stats", "-q", "-j", str(a.threads),
                             archive, "-"], stdin=sed.stdout)
        sed.wait()
        seconds.append((w, rss, timed.cpu))
        log("second add run %d: %.2f s (load %s)" % (r + 1, w, load()))
    ms = statistics.median(x[0] for x in scans)
    ma = statistics.median(x[0] for x in adds)
    ns, na = min(x[0] for x in scans), min(x[0] for x in adds)
    print("== index add of the 100k benchmark corpus (%s)" % corpus)
    print("article job: %s" % " ".join(scan_cmd))
    print("index add:   %s" % " ".join(add_cmd))
    print("runs (alternating): scan %s s; add %s s; second add %s s" % (
        " ".join("%.2f" % x[0] for x in scans), " ".join("%.2f" % x[0] for x in adds),
        " ".join("%.2f" % x[0] for x in seconds)))
    print("CPU seconds (user + system): scan %s; add %s; second add %s" % (
        " ".join("%.2f" % x[2] for x in scans), " ".join("%.2f" % x[2] for x in adds),
        " ".join("%.2f" % x[2] for x in seconds)))
    print("add phases (scan, write, commit, close) per run: %s" % "; ".join(
        "/".join(s) for s in split))
    print("minimum: scan %.2f s (peak %.0f MiB), add %.2f s (peak %.0f MiB): add / scan = %.2fx"
          % (ns, max(x[1] for x in scans), na, max(x[1] for x in adds), na / ns))
    print("median: scan %.2f s, add %.2f s: add / scan = %.2fx" % (ms, ma, ma / ms))
    print("second add (100k more into the archive of 100k, ids prefixed b-, through sed): "
          "minimum %.2f s, peak %.0f MiB; the archive of 200k:"
          % (min(x[0] for x in seconds), max(x[1] for x in seconds)))
    print(info(a.neardup, archive).rstrip())
    # the archive of 100k again, for the check measurements
    rm_archive(archive)
    subprocess.run([a.neardup, "index", "create", archive], check=True)
    subprocess.run(add_cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print("the archive of 100k:")
    print(info(a.neardup, archive).rstrip())
    return archive


def bench_build_1m(a, work):
    archive = os.path.join(work, "a1m.idx")
    if os.path.exists(archive) and not a.rebuild:
        log("reusing %s (--rebuild to build it again)" % archive)
        print("== 1M archive: reused %s" % archive)
        print(info(a.neardup, archive).rstrip())
        return archive
    parts = [a.corpus] + [os.path.join(a.parts, "part-seed%d" % s, "corpus.jsonl")
                          for s in range(3, 12)]
    for p in parts:
        if not os.path.exists(p):
            sys.exit("bench: missing part %s (generate it: gen_corpus.py --n 100000 --seed S)" % p)
    rm_archive(archive)
    subprocess.run([a.neardup, "index", "create", archive], check=True)
    print("== 1M archive: ten adds of 100k (ids prefixed p0- .. p9-)")
    total = 0.0
    for i, p in enumerate(parts):
        # the ids of part i become "p<i>-<id>", as bench.py composes a 1M corpus
        sed = subprocess.Popen(["sed", "s/^{\"id\": \"/{\"id\": \"p%d-/" % i, p],
                               stdout=subprocess.PIPE)
        w, rss, err = timed([a.neardup, "index", "add", "--stats", "-q", "-j", str(a.threads),
                             archive, "-"], stdin=sed.stdout)
        sed.wait()
        total += w
        m = re.search(r"stats: (.*)", err)
        print("add %d (%s): %.1f s, peak %.0f MiB; %s" % (i, p, w, rss, m.group(1) if m else ""))
        log("add %d: %.1f s" % (i, w))
    print("built in %.0f s" % total)
    print(info(a.neardup, archive).rstrip())
    return archive


def bench_check(a, archives):
    batch = a.batch
    print("== check of %s (10,000 new articles)" % batch)
    rows = []
    for name, archive in archives:
        for parts in ("all", "groups"):
            cmd = [a.neardup, "check", "-f", "tsv", "--stats", "-j", str(a.threads),
                   "--parts", parts, archive, batch]
            best = None
            for r in range(a.runs):
                c0 = cpu_seconds()
                w, rss, err = timed(cmd)
                other = cpu_seconds() - c0
                if best is None or w < best[0]:
                    best = (w, rss, err, other)
            m = re.search(r"archived (\d+) \(of (\d+)\)", best[2])
            rows.append((name, parts, best[0], best[1], m.group(1) if m else "?"))
            print("%s, --parts %s: %.2f s (best of %d), peak %.0f MiB, %s archived documents in "
                  "the report; %s" % (name, parts, best[0], a.runs, best[1],
                                      m.group(1) if m else "?", " ".join(cmd)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"))
    ap.add_argument("--corpus", default="/tmp/neardup-bench/corpus-n100000-seed2/corpus.jsonl",
                    help="the 100k reference corpus")
    ap.add_argument("--parts", default="/tmp/wtix/bench",
                    help="directory of part-seed3 .. part-seed11 (100k corpora)")
    ap.add_argument("--batch", default="/tmp/wtix/bench/batch10k-seed12/corpus.jsonl",
                    help="the 10k batch to check")
    ap.add_argument("--work", default="/tmp/wtix/bench", help="where the archives go")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=["add", "build", "check"], action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--rebuild", action="store_true")
    a = ap.parse_args()
    only = set(a.only or ["add", "build", "check"])
    os.makedirs(a.work, exist_ok=True)
    v = subprocess.run([a.neardup, "--version"], stdout=subprocess.PIPE).stdout.decode().strip()
    cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    print("machine: nproc %d, %s; %s (%s); load %s at start" % (
        os.cpu_count(), cpu[0] if cpu else "?", v, a.neardup, load()))
    a100 = os.path.join(a.work, "a100k.idx")
    if "add" in only:
        a100 = bench_add(a, a.work)
    a1m = os.path.join(a.work, "a1m.idx")
    if "build" in only:
        a1m = bench_build_1m(a, a.work)
    if "check" in only:
        bench_check(a, [("archive of 100k", a100), ("archive of 1M", a1m)])
    print("load %s at the end" % load())


if __name__ == "__main__":
    main()
