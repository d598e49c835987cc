#!/usr/bin/env python3
"""neardup benchmark harness (Python 3 standard library only; not part of ctest).

For each corpus size it builds (or reuses) the reference corpus of the shared benchmark kit
(`gen_corpus.py --n N --seed 2 --no-dir`; sizes that are multiples of 100k above 100k are
composed from independent 100k corpora of seeds 2, 3, ..., see compose_corpus), then times `neardup scan -f tsv` and the Go peer
(`run_go_peer.sh`) alternately, each under `/usr/bin/time -v` for the peak RSS, with the wall
time taken here (time.monotonic around the subprocess). It prints, per size, a table of
median/min wall time, MB/s, documents/s, peak RSS, precision and recall against the corpus
ground truth (pairs with exact word 5-gram Jaccard >= 0.8), the peer/neardup ratio, the
--stats stage breakdown of neardup, and "target:" lines. Targets never make the exit status
non-zero; a failed run (neardup exit status other than 0/1, a peer failure, a timeout) or a
failed correctness check (the pathological corpus) does.

    python3 tests/bench/bench.py --neardup build/neardup
    python3 tests/bench/bench.py --pathological --json /tmp/bench.json
    python3 tests/bench/bench.py --scaling --no-peer  # 10k, 100k, 1M + curve (first time
                                                      # ~10 min: 1M is composed from ten
                                                      # 100k corpora, ~5.5 GB of disk)

See tests/bench/README.md for what each line means.
"""
import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_KIT = os.path.join(os.path.dirname(ROOT), "shared", "bench")
DOC_PACKAGES = ["python3.11-doc", "perl-doc", "debian-reference-en"]
SCALING_SIZES = [10_000, 100_000, 1_000_000]
MB = 1e6                      # throughput: MB = 10^6 bytes
MIB = 1024 * 1024             # memory: MiB
GIB = 1024 * MIB
BYTES_PER_ARTICLE = 2_900     # disk estimate for a cached corpus (jsonl + truth + clusters)
GEN_RSS_PER_ARTICLE = 25_000  # gen_corpus.py keeps everything in memory: 100k peaks at 2.45 GB
                              # RSS, so 1M needs ~25 GB (it was OOM-killed on a 23.5 GiB box)
GEN_S_PER_ARTICLE = 0.00055   # ~55 s per 100k articles on the reference 2-core box
COMPOSE_S_PER_ARTICLE = 2e-5  # concatenating parts: ~20 s per 1M articles
COMPOSE_PART = 100_000        # sizes above this that are multiples of it are composed from
COMPOSE_VERSION = 1           # independent parts (bump when the composition recipe changes)
LARGE_SIZE = 1_000_000        # from here on: 1 run unless --runs, no peer unless --peer-large
RAM_BUDGET = 24 * 1024 ** 3   # the "largest corpus that fits" estimate of the scaling curve
PATHO_COPIES = 10_000
PATHO_UNRELATED = 1_000
PATHO_BASE_SIZE = 10_000
PATHO_VERSION = 1             # bump when the pathological corpus recipe changes
GROUP_JSON_LIMIT = 512 * MIB  # larger -f json outputs are scanned line by line


class RunFailed(Exception):
    """A benchmarked process failed (exit status, signal or timeout)."""


def log(msg=""):
    print(msg, flush=True)


def note(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def die(msg):
    note("error: " + msg)
    sys.exit(2)


# ---------------------------------------------------------------------------- environment
def is_root():
    return os.geteuid() == 0


def dpkg_installed(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                             capture_output=True, text=True).stdout
    except FileNotFoundError:
        return False
    return "install ok installed" in out


def dpkg_version(pkg):
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                           capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def apt_install(pkgs, why):
    """Install Debian packages as root (like run_go_peer.sh does for Go); die otherwise."""
    if not is_root():
        die("%s needs %s; run as root or: apt-get install -y %s"
            % (why, " ".join(pkgs), " ".join(pkgs)))
    note("installing %s (%s)" % (" ".join(pkgs), why))
    r = subprocess.run(["apt-get", "install", "-y"] + pkgs,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        note(r.stderr[-2000:])
        die("apt-get install %s failed (exit %d)" % (" ".join(pkgs), r.returncode))


def ensure_time():
    if not os.access("/usr/bin/time", os.X_OK):
        apt_install(["time"], "/usr/bin/time -v (peak RSS)")


def ensure_doc_packages():
    missing = [p for p in DOC_PACKAGES if not dpkg_installed(p)]
    if missing:
        apt_install(missing, "the corpus generator's sentence pool")


def machine_info(neardup):
    info = {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(),
            "cpu_model": None, "mem_total_gib": None, "kernel": platform.release(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_gib"] = round(int(line.split()[1]) * 1024 / GIB, 1)
    except OSError:
        pass
    r = subprocess.run([neardup, "--version"], capture_output=True, text=True)
    if r.returncode != 0:
        die("%s --version failed (exit %d): %s" % (neardup, r.returncode, r.stderr.strip()))
    info["neardup_version"] = r.stdout.strip()
    info["neardup_path"] = neardup
    return info


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def cpu_snapshot():
    """(busy, steal, total) seconds of all CPUs since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = (v + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy / hz, steal / hz, (busy + idle + iowait + steal) / hz


def cpu_noise(before, after, own_cpu_s):
    """Machine CPU use between two snapshots beyond the benchmarked processes' own."""
    if not before or not after:
        return None
    busy, steal, total = (a - b for a, b in zip(after, before))
    return {"machine_busy_s": round(busy, 2), "benchmarked_cpu_s": round(own_cpu_s, 2),
            "other_cpu_s": round(max(0.0, busy - own_cpu_s), 2),
            "steal_pct": round(100 * steal / total, 2) if total > 0 else None}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


# ---------------------------------------------------------------------------- corpora
_pool_sha = None


def current_pool_sha(kit):
    """sha256 of the sentence pool gen_corpus.py would build now (depends on the installed
    documentation packages), computed with the generator's own code; ~2 s."""
    global _pool_sha
    if _pool_sha is None:
        spec = importlib.util.spec_from_file_location("nd_gen_corpus",
                                                      os.path.join(kit, "gen_corpus.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        pool, _ = mod.build_pool(mod.DEFAULT_SOURCES)
        _pool_sha = hashlib.sha256("\n".join(pool).encode()).hexdigest()
    return _pool_sha


def corpus_dir(work, n, seed):
    return os.path.join(work, "corpus-n%d-seed%d" % (n, seed))


def is_composed(n):
    """Sizes above COMPOSE_PART that are multiples of it are composed from independent
    COMPOSE_PART-article corpora instead of generated in one go (gen_corpus.py holds the
    whole corpus in memory: ~25 GB of RAM at 1M)."""
    return n > COMPOSE_PART and n % COMPOSE_PART == 0


def compose_seeds(n, seed):
    return [seed + i for i in range(n // COMPOSE_PART)]


def corpus_matches(d, n, seed, kit):
    """Why a cached corpus cannot be reused, or None when its manifest matches."""
    try:
        with open(os.path.join(d, "manifest.json")) as f:
            man = json.load(f)
        with open(os.path.join(d, "bench-stamp.json")) as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return "no complete corpus"
    if man.get("n_docs") != n or man.get("seed") != seed:
        return "manifest is for another size or seed"
    comp = man.get("composed")
    if is_composed(n):
        if not comp:
            return ("generated in one go; sizes that are multiples of %s above it are composed"
                    % f"{COMPOSE_PART:,}")
        if comp.get("version") != COMPOSE_VERSION:
            return "composition recipe changed"
        parts = comp.get("parts") or []
        if ([p.get("seed") for p in parts] != compose_seeds(n, seed)
                or any(p.get("n_docs") != COMPOSE_PART for p in parts)):
            return "composed from other parts"
    elif comp:
        return "composed corpus where a generated one is expected"
    if stamp.get("generator_sha256") != sha256_file(os.path.join(kit, "gen_corpus.py")):
        return "gen_corpus.py changed"
    if man.get("pool_sha256") != current_pool_sha(kit):
        return "sentence pool changed (documentation packages upgraded?)"
    for name in ("corpus.jsonl", "truth.tsv"):
        p = os.path.join(d, name)
        if not os.path.exists(p) or os.path.getsize(p) != stamp.get("sizes", {}).get(name):
            return "%s missing or of another size" % name
    return None


def mem_available():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def fmt_eta(seconds):
    return "%.0f s" % seconds if seconds < 120 else "%.0f min" % (seconds / 60)


def corpus_plan(work, n, seed, kit):
    """What ensure_corpus(n, seed) would build now: [(articles, seed, "generate"|"compose")],
    empty when the cached corpus is valid. A composed size lists its missing parts first."""
    if corpus_matches(corpus_dir(work, n, seed), n, seed, kit) is None:
        return []
    if not is_composed(n):
        return [(n, seed, "generate")]
    return [(COMPOSE_PART, s, "generate") for s in compose_seeds(n, seed)
            if corpus_matches(corpus_dir(work, COMPOSE_PART, s), COMPOSE_PART, s, kit)
            is not None] + [(n, seed, "compose")]


def plan_problem(work, plan):
    """Why this machine cannot build the corpora of plan now (disk, RAM), or None."""
    if not plan:
        return None
    need_disk = sum(k * BYTES_PER_ARTICLE for k, _, _ in plan)
    free = shutil.disk_usage(work).free
    what = ", ".join("%s %s (seed %d)" % (kind, f"{k:,}", s) for k, s, kind in plan)
    if free < need_disk * 1.2:
        return ("building the corpora (%s) needs ~%.1f GB of disk in %s, %.1f GB free"
                % (what, need_disk / 1e9, work, free / 1e9))
    gens = [k for k, _, kind in plan if kind == "generate"]
    if gens:
        need_mem = max(gens) * GEN_RSS_PER_ARTICLE
        avail = mem_available()
        if avail is not None and avail < need_mem * 1.1:
            return ("generating %s articles needs ~%.1f GB of RAM (gen_corpus.py holds the "
                    "whole corpus in memory), %.1f GB available: use a smaller --sizes list, "
                    "a multiple of %s (composed from independent %s-article parts) or a "
                    "bigger machine" % (f"{max(gens):,}", need_mem / 1e9, avail / 1e9,
                                        f"{COMPOSE_PART:,}", f"{COMPOSE_PART:,}"))
    return None


def ensure_corpus(work, n, seed, kit):
    """Path of a directory with corpus.jsonl, truth.tsv and manifest.json for (n, seed)."""
    d = corpus_dir(work, n, seed)
    why = corpus_matches(d, n, seed, kit)
    if why is None:
        note("reusing corpus %s" % d)
        return d
    os.makedirs(work, exist_ok=True)
    if is_composed(n):
        return compose_corpus(work, n, seed, kit, why)
    problem = plan_problem(work, [(n, seed, "generate")])
    if problem:
        die(problem)
    eta = max(1.0, n * GEN_S_PER_ARTICLE)
    note("generating corpus n=%d seed=%d in %s (%s; expect ~%.0f s, ~%.2f GB of disk, "
         "~%.1f GB of RAM)" % (n, seed, d, why, eta, n * BYTES_PER_ARTICLE / 1e9,
                               n * GEN_RSS_PER_ARTICLE / 1e9))
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    args = ["--n", str(n), "--seed", str(seed), "--out", tmp, "--no-dir"]
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, os.path.join(kit, "gen_corpus.py")] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        note(r.stderr[-3000:])
        die("gen_corpus.py failed (exit %d)" % r.returncode)
    stamp = {"generator_sha256": sha256_file(os.path.join(kit, "gen_corpus.py")),
             "args": args[:4] + ["--no-dir"],
             "seconds": round(time.monotonic() - t0, 1),
             "sizes": {name: os.path.getsize(os.path.join(tmp, name))
                       for name in ("corpus.jsonl", "truth.tsv")}}
    with open(os.path.join(tmp, "bench-stamp.json"), "w") as f:
        json.dump(stamp, f, indent=1)
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    note("generated in %.0f s" % stamp["seconds"])
    return d


# manifest fields of the parts that add up in a composed corpus; every other field except
# "seed" must be equal in all parts (generator parameters, sentence pool, tokenisation)
COMPOSE_SUM_KEYS = ("n_docs", "n_originals", "n_copies", "n_clusters", "total_bytes",
                    "total_tokens", "within_cluster_pairs", "pairs_jaccard_ge")
COMPOSE_TRUTH_NOTE = (
    "truth.tsv is the union of the parts' truth files, ids prefixed with the part's prefix. "
    "It holds no pair across two parts: the parts are independent draws (different seeds) of "
    "the same generator, so an article of one part and an article of another share word "
    "5-grams only by chance, like two unrelated originals of one part, which the generator's "
    "own truth does not list either; a pair across parts at J >= 0.8 is practically "
    "impossible. A tool reporting one gets a false positive 'outside the truth', which the "
    "harness counts and prints.")


def compose_corpus(work, n, seed, kit, why):
    """Build the n-article corpus from n / COMPOSE_PART independent COMPOSE_PART-article
    corpora (seeds seed, seed+1, ...; generated or reused from the cache), streaming their
    files into one corpus.jsonl, truth.tsv and clusters.tsv with ids prefixed "p<i>-"
    (zero-padded so that the prefixed ids sort in part order), plus a manifest.json that
    records the composition. Never holds more than one line of a corpus in memory."""
    d = corpus_dir(work, n, seed)
    seeds = compose_seeds(n, seed)
    m = len(seeds)
    plan = corpus_plan(work, n, seed, kit)
    problem = plan_problem(work, plan)
    if problem:
        die(problem)
    todo = [s for k, s, kind in plan if kind == "generate"]
    note("composing %s articles in %s (%s) from %d independent corpora of %s articles, seeds "
         "%d..%d: %d to generate (~%s, ~%.1f GB of RAM each), then one pass to "
         "concatenate (~%.1f GB of disk)"
         % (f"{n:,}", d, why, m, f"{COMPOSE_PART:,}", seeds[0], seeds[-1], len(todo),
            fmt_eta(len(todo) * COMPOSE_PART * GEN_S_PER_ARTICLE),
            COMPOSE_PART * GEN_RSS_PER_ARTICLE / 1e9, n * BYTES_PER_ARTICLE / 1e9))
    parts = []
    for i, s in enumerate(seeds):
        if s in todo:
            note("part %d/%d" % (i + 1, m))
        parts.append(ensure_corpus(work, COMPOSE_PART, s, kit))
    t0 = time.monotonic()
    width = len(str(m - 1))
    prefixes = ["p%0*d-" % (width, i) for i in range(m)]
    mans, stamps = [], []
    for pd in parts:
        with open(os.path.join(pd, "manifest.json")) as f:
            mans.append(json.load(f))
        with open(os.path.join(pd, "bench-stamp.json")) as f:
            stamps.append(json.load(f))
    man = {}
    for key, val in mans[0].items():
        if key == "seed":
            man[key] = seed
        elif key in COMPOSE_SUM_KEYS:
            if isinstance(val, dict):
                man[key] = {k: sum(mm.get(key, {}).get(k, 0) for mm in mans) for k in val}
            else:
                man[key] = sum(mm.get(key, 0) for mm in mans)
        else:
            odd = [seeds[i] for i, mm in enumerate(mans) if mm.get(key) != val]
            if odd:
                die("cannot compose %s articles: the parts of seeds %s differ from seed %d in "
                    "%r" % (f"{n:,}", odd, seeds[0], key))
            man[key] = val
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    part_info = []
    out_sha = hashlib.sha256()
    id_head = b'{"id": "'
    with open(os.path.join(tmp, "corpus.jsonl"), "wb") as out:
        for i, pd in enumerate(parts):
            pre_s = prefixes[i]
            pre = id_head + pre_s.encode()
            h = hashlib.sha256()
            lines = 0
            with open(os.path.join(pd, "corpus.jsonl"), "rb") as f:
                for line in f:
                    h.update(line)
                    if line.startswith(id_head):          # gen_corpus.py's own layout
                        o = pre + line[len(id_head):]
                    else:
                        doc = json.loads(line)
                        doc["id"] = pre_s + doc["id"]
                        o = (json.dumps(doc) + "\n").encode()
                    out.write(o)
                    out_sha.update(o)
                    lines += 1
            if lines != mans[i].get("n_docs"):
                die("part %s: corpus.jsonl has %d lines, its manifest says %s articles"
                    % (pd, lines, mans[i].get("n_docs")))
            part_info.append({"index": i, "prefix": pre_s, "seed": seeds[i],
                              "n_docs": mans[i].get("n_docs"), "dir": pd,
                              "corpus_jsonl_bytes": os.path.getsize(
                                  os.path.join(pd, "corpus.jsonl")),
                              "corpus_jsonl_sha256": h.hexdigest(),
                              "pool_sha256": mans[i].get("pool_sha256"),
                              "within_cluster_pairs": mans[i].get("within_cluster_pairs"),
                              "pairs_jaccard_ge": mans[i].get("pairs_jaccard_ge"),
                              "generated_seconds": stamps[i].get("seconds")})
    truth_lines = 0
    with open(os.path.join(tmp, "truth.tsv"), "w", encoding="utf-8") as out:
        out.write("doc_a\tdoc_b\tjaccard\n")
        for i, pd in enumerate(parts):
            pre = prefixes[i]
            with open(os.path.join(pd, "truth.tsv"), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("doc_a\t") or not line.strip():
                        continue
                    a_id, b_id, rest = line.split("\t", 2)
                    out.write(pre + a_id + "\t" + pre + b_id + "\t" + rest)
                    truth_lines += 1
    if truth_lines != man.get("within_cluster_pairs", truth_lines):
        die("composed truth.tsv has %d pairs, the parts' manifests say %s"
            % (truth_lines, man.get("within_cluster_pairs")))
    with open(os.path.join(tmp, "clusters.tsv"), "w", encoding="utf-8") as out:
        out.write("id\tcluster\tparent\tedits\n")
        for i, pd in enumerate(parts):
            pre = prefixes[i]
            p = os.path.join(pd, "clusters.tsv")
            if not os.path.exists(p):
                continue
            with open(p, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("id\t") or not line.strip():
                        continue
                    fs = line.rstrip("\n").split("\t")
                    for c in range(min(3, len(fs))):
                        if fs[c] != "-":
                            fs[c] = pre + fs[c]
                    out.write("\t".join(fs) + "\n")
    man["composed"] = {
        "version": COMPOSE_VERSION, "part_size": COMPOSE_PART, "n_parts": m,
        "seeds": seeds, "id_prefix": "p<part index, zero-padded to %d digit(s)>-" % width,
        "recipe": "gen_corpus.py --n %d --seed S --no-dir for S = %d..%d, files concatenated "
                  "in part order with every id (and cluster and parent id) prefixed"
                  % (COMPOSE_PART, seeds[0], seeds[-1]),
        "truth": COMPOSE_TRUTH_NOTE, "parts": part_info}
    man["corpus_jsonl_bytes"] = os.path.getsize(os.path.join(tmp, "corpus.jsonl"))
    man["corpus_jsonl_sha256"] = out_sha.hexdigest()
    with open(os.path.join(tmp, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    stamp = {"generator_sha256": sha256_file(os.path.join(kit, "gen_corpus.py")),
             "args": ["compose", "--n", str(n), "--seed", str(seed),
                      "--part", str(COMPOSE_PART), "--no-dir"],
             "seconds": round(time.monotonic() - t0, 1),
             "parts_generated_seconds": round(sum(st.get("seconds") or 0 for st in stamps), 1),
             "sizes": {name: os.path.getsize(os.path.join(tmp, name))
                       for name in ("corpus.jsonl", "truth.tsv")}}
    with open(os.path.join(tmp, "bench-stamp.json"), "w") as f:
        json.dump(stamp, f, indent=1)
    shutil.rmtree(d, ignore_errors=True)
    os.rename(tmp, d)
    note("composed %s articles (%.2f GB, %d true pairs) in %.0f s"
         % (f"{n:,}", man["corpus_jsonl_bytes"] / 1e9, truth_lines, stamp["seconds"]))
    return d


def warm_cache(path):
    """Read a file once so every timed run starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(8 << 20):
            pass


# ---------------------------------------------------------------------------- running
TIME_FIELDS = {
    "Maximum resident set size (kbytes)": "maxrss_kb",
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
    "Exit status": "exit_status",
}


def parse_time_v(path):
    out = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("Command terminated by signal"):
                    out["signal"] = int(line.split()[-1])
                for label, key in TIME_FIELDS.items():
                    if line.startswith(label + ":"):
                        v = line.split(":", 1)[1].strip()
                        out[key] = float(v) if "." in v else int(v)
    except OSError:
        pass
    return out


def timed_run(label, cmd, stdout_path, rundir, ok_status=(0,), timeout=None):
    """Run cmd under /usr/bin/time -v; wall time from time.monotonic here.
    Returns a dict (wall_s, maxrss_bytes, user_s, sys_s, exit, stderr); raises RunFailed."""
    base = os.path.join(rundir, label)
    tfile, efile = base + ".time", base + ".stderr"
    full = ["/usr/bin/time", "-v", "-o", tfile] + cmd
    with open(stdout_path or os.devnull, "wb") as out, open(efile, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(full, stdout=out, stderr=err, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise RunFailed("%s: timed out after %.0f s: %s" % (label, timeout, " ".join(cmd)))
        wall = time.monotonic() - t0
    tv = parse_time_v(tfile)
    with open(efile, errors="replace") as f:
        stderr = f.read()
    res = {"label": label, "cmd": cmd, "wall_s": round(wall, 4), "exit": rc,
           "maxrss_bytes": tv.get("maxrss_kb", 0) * 1024,
           "user_s": tv.get("user_s"), "sys_s": tv.get("sys_s"),
           "stdout": stdout_path, "stderr_file": efile}
    if rc not in ok_status or "signal" in tv:
        tail = "\n".join(stderr.strip().splitlines()[-10:])
        raise RunFailed("%s: exit status %s%s: %s\n%s" % (
            label, rc, (" (signal %d)" % tv["signal"]) if "signal" in tv else "",
            " ".join(cmd), tail))
    res["stderr"] = stderr
    return res


STATS_ITEM = re.compile(r"^\s*([A-Za-z][\w ]*?)\s+([0-9.]+)(s?)(?:\s*\((.*)\))?\s*$")


def parse_stats(stderr):
    """neardup --stats lines ('neardup: stats: name value, ...') to (lines, counts, times)."""
    lines, counts, times = [], {}, {}
    for line in stderr.splitlines():
        if not line.startswith("neardup: stats:"):
            continue
        lines.append(line)
        # commas inside parentheses separate a stage's parts: "shared 0.9s (link 0.7s, ...)"
        for item in re.split(r",(?![^()]*\))", line[len("neardup: stats:"):]):
            m = STATS_ITEM.match(item)
            if not m:
                continue
            name, val, unit = m.group(1), m.group(2), m.group(3)
            if unit == "s":
                times[name] = float(val)
                for sub in (m.group(4) or "").split(","):
                    sm = STATS_ITEM.match(sub)
                    if sm and sm.group(3) == "s":
                        times[name + "/" + sm.group(1)] = float(sm.group(2))
            else:
                counts[name] = float(val) if "." in val else int(val)
    return lines, counts, times


def parse_peer_stats(stderr):
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("{") and "go-minhashlsh" in line:
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


# ---------------------------------------------------------------------------- scoring
def pair_key(a, b):
    return (a, b) if a < b else (b, a)


def load_truth(path):
    """All within-cluster pairs of truth.tsv -> {pair: jaccard}."""
    truth = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fs = line.rstrip("\n").split("\t")
            try:
                j = float(fs[2])
            except (IndexError, ValueError):
                continue
            truth[pair_key(fs[0], fs[1])] = j
    return truth


def load_found(path):
    """Found pairs (first two TSV columns; '#' lines ignored) -> {pair: reported J or None}.
    neardup's TSV records start with their type: only `pair` records are pairs."""
    found = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            fs = line.rstrip("\n").split("\t")
            if fs[0] in ("group", "member", "block", "run", "short", "shared", "metrics", "removed"):
                continue
            if fs[0] == "pair":
                fs = fs[1:]
            if len(fs) < 2 or fs[0].startswith("#") or fs[0] == fs[1]:
                continue
            j = None
            if len(fs) >= 3:
                try:
                    j = float(fs[2])
                except ValueError:
                    pass
            found[pair_key(fs[0].strip(), fs[1].strip())] = j
    return found


def score(truth, found, min_j=0.8):
    """Precision and recall as score_pairs.py computes them, plus where the errors lie."""
    true = {k for k, j in truth.items() if j >= min_j}
    fset = set(found)
    tp = len(true & fset)
    fp = fset - true
    fn = true - fset
    fp_within = sorted(truth[k] for k in fp if k in truth)
    fn_j = sorted(truth[k] for k in fn)
    diffs = [abs(found[k] - truth[k]) for k in fset if k in truth and found[k] is not None]
    return {
        "precision": tp / len(fset) if fset else 1.0,
        "recall": tp / len(true) if true else 1.0,
        "found": len(fset), "true": len(true), "tp": tp, "fp": len(fp), "fn": len(fn),
        "fp_within_cluster": len(fp_within),
        "fp_within_j_range": [fp_within[0], fp_within[-1]] if fp_within else None,
        "fp_outside_truth": len(fp) - len(fp_within),
        "fn_j_range": [fn_j[0], fn_j[-1]] if fn_j else None,
        "fn_j_ge_0.85": sum(1 for j in fn_j if j >= 0.85),
        "reported_j_max_abs_diff": round(max(diffs), 4) if diffs else None,
    }


# ---------------------------------------------------------------------------- output
def fmt_table(headers, rows, aligns=None):
    cols = list(zip(*([headers] + rows))) if rows else [[h] for h in headers]
    widths = [max(len(str(c)) for c in col) for col in cols]
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)
    def line(vals):
        return "  ".join("%-*s" % (w, v) if a == "<" else "%*s" % (w, v)
                         for v, w, a in zip(vals, widths, aligns)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line([str(v) for v in r]) for r in rows]
    return "\n".join(out)


def f2(x, nd=2):
    return "-" if x is None else "%.*f" % (nd, x)


def target(desc, ok, detail):
    state = "met" if ok else "NOT met"
    if ok is None:
        state = "n/a"
    log("target: %-34s %-7s (%s)" % (desc, state, detail))
    return {"target": desc, "met": ok, "detail": detail}


# ---------------------------------------------------------------------------- one size
def summarize(runs, n_docs, nbytes, sc):
    walls = [r["wall_s"] for r in runs]
    med = statistics.median(walls)
    cpu = [(r["user_s"] or 0) + (r["sys_s"] or 0) for r in runs]
    return {"runs": len(runs), "walls_s": walls, "median_wall_s": round(med, 4),
            "min_wall_s": round(min(walls), 4), "mb_per_s": round(nbytes / med / MB, 2),
            "docs_per_s": round(n_docs / med, 1),
            "peak_rss_bytes": max(r["maxrss_bytes"] for r in runs),
            "median_cpu_s": round(statistics.median(cpu), 3), **sc}


def median_run(runs):
    walls = sorted(runs, key=lambda r: r["wall_s"])
    return walls[(len(walls) - 1) // 2]


def runs_for(n, a):
    """Timed runs at size n: --runs when given, else 3 (1 from LARGE_SIZE on)."""
    if a.runs is not None:
        return a.runs
    return 1 if n >= LARGE_SIZE else 3


def peer_at(n, a):
    """Whether the peer runs at size n (from LARGE_SIZE on only with --peer-large)."""
    return a.peer and (n < LARGE_SIZE or a.peer_large)


def bench_size(n, a, kit, results, failures):
    runs = runs_for(n, a)
    peer = peer_at(n, a)
    cdir = ensure_corpus(a.work, n, a.seed, kit)
    corpus = os.path.join(cdir, "corpus.jsonl")
    with open(os.path.join(cdir, "manifest.json")) as f:
        man = json.load(f)
    nbytes = os.path.getsize(corpus)
    rundir = os.path.join(a.work, "runs", "n%d" % n)
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    truth = load_truth(os.path.join(cdir, "truth.tsv"))
    comp = man.get("composed")
    res = {"articles": n, "corpus": {"dir": cdir, "jsonl_bytes": nbytes,
                                     "text_bytes": man.get("total_bytes"),
                                     "true_pairs_j80": man.get("pairs_jaccard_ge", {}).get("0.8"),
                                     "pool_sha256": man.get("pool_sha256"), "seed": a.seed,
                                     "composed_seeds": comp["seeds"] if comp else None},
           "threads": a.threads, "runs": runs, "peer": peer, "loadavg_before": loadavg(),
           "tools": {}}
    results["sizes"].append(res)
    log("")
    log("=== %s articles: %s (%.1f MB of JSON Lines, %.1f MB of text, %s true pairs at "
        "J >= 0.8), neardup --threads %d, %d run%s each"
        % (f"{n:,}", corpus, nbytes / MB, (res["corpus"]["text_bytes"] or 0) / MB,
           res["corpus"]["true_pairs_j80"], a.threads, runs, "" if runs == 1 else "s"))
    if comp:
        log("composed from %d independent %s-article corpora (seeds %d..%d, ids prefixed "
            "%s..%s); truth = union of their truths (no pair across parts)"
            % (comp["n_parts"], f"{comp['part_size']:,}", comp["seeds"][0], comp["seeds"][-1],
               comp["parts"][0]["prefix"], comp["parts"][-1]["prefix"]))
    if a.runs is None and runs != 3:
        log("%d run at >= %s articles (pass --runs N for more)" % (runs, f"{LARGE_SIZE:,}"))
    if a.peer and not peer:
        log("go peer skipped at >= %s articles (~150 s a run at 1M; --peer-large runs it)"
            % f"{LARGE_SIZE:,}")
    warm_cache(corpus)
    snap = cpu_snapshot()
    # The article job, comparable with the peer: near-duplicate pairs only.
    nd_base = [a.neardup, "scan", "--parts", "groups", "--all-pairs", "-f", "tsv", "--stats"]
    nd_runs, peer_runs = [], []
    try:
        for i in range(1, runs + 1):
            out = os.path.join(rundir, "neardup-t%d-run%d.tsv" % (a.threads, i))
            r = timed_run("neardup-t%d-run%d" % (a.threads, i),
                          nd_base + ["--threads", str(a.threads), corpus], out, rundir,
                          ok_status=(0, 1), timeout=a.timeout)
            nd_runs.append(r)
            note("n=%d neardup run %d: %.2f s, %.0f MiB" % (n, i, r["wall_s"],
                                                            r["maxrss_bytes"] / MIB))
            if peer:
                out = os.path.join(rundir, "peer-run%d.tsv" % i)
                r = timed_run("peer-run%d" % i,
                              [os.path.join(kit, "run_go_peer.sh"), corpus, out],
                              None, rundir, timeout=a.timeout)
                r["stdout"] = out
                peer_runs.append(r)
                note("n=%d peer run %d: %.2f s, %.0f MiB" % (n, i, r["wall_s"],
                                                             r["maxrss_bytes"] / MIB))
        out = os.path.join(rundir, "neardup-t1.tsv")
        t1 = timed_run("neardup-t1", nd_base + ["--threads", "1", corpus], out, rundir,
                       ok_status=(0, 1), timeout=a.timeout)
        note("n=%d neardup --threads 1: %.2f s" % (n, t1["wall_s"]))
    except RunFailed as e:
        failures.append(str(e))
        note("FAILED: " + str(e))
        res["failed"] = str(e)
        return res
    # The whole scan, with the paragraph pass (doubled blocks, short lines, shared
    # sentences), against the article job's median above. A failure here is reported but
    # keeps the article job's figures (the scaling curve needs them).
    para_runs, para_failed = [], None
    try:
        for i in range(1, runs + 1):
            out = os.path.join(rundir, "neardup-all-run%d.tsv" % i)
            para_runs.append(timed_run("neardup-all-run%d" % i,
                                       [a.neardup, "scan", "-f", "tsv", "--stats",
                                        "--threads", str(a.threads), corpus], out, rundir,
                                       ok_status=(0, 1), timeout=a.timeout))
    except RunFailed as e:
        failures.append(str(e))
        note("FAILED: " + str(e))
        para_failed = str(e)
    res["loadavg_after"] = loadavg()
    res["cpu_noise"] = cpu_noise(snap, cpu_snapshot(),
                                 sum((r["user_s"] or 0) + (r["sys_s"] or 0)
                                     for r in nd_runs + peer_runs + [t1] + para_runs))

    # scoring and determinism
    rows = []
    nd_sc = score(truth, load_found(median_run(nd_runs)["stdout"]))
    digests = {sha256_file(r["stdout"]) for r in nd_runs + [t1]}
    nd = summarize(nd_runs, n, nbytes, nd_sc)
    nd["identical_output_all_runs"] = len(digests) == 1
    res["tools"]["neardup"] = nd
    t1_sc = score(truth, load_found(t1["stdout"]))
    st = summarize([t1], n, nbytes, t1_sc)
    res["tools"]["neardup_threads1"] = st
    label_nd = "neardup -j%d" % a.threads
    for name, s in ((label_nd, nd), ("neardup -j1", st)):
        rows.append([name, s["runs"], f2(s["median_wall_s"], 3), f2(s["min_wall_s"], 3),
                     f2(s["median_cpu_s"]), f2(s["mb_per_s"], 1), "%.0f" % s["docs_per_s"],
                     f2(s["peak_rss_bytes"] / MIB, 1), f2(s["precision"], 4),
                     f2(s["recall"], 4), s["found"]])
    pr = None
    if peer_runs:
        pr_sc = score(truth, load_found(median_run(peer_runs)["stdout"]))
        pr = summarize(peer_runs, n, nbytes, pr_sc)
        # the peer prints pairs in Go map order: compare the sets, not the bytes
        pr["identical_output_all_runs"] = len({frozenset(load_found(r["stdout"]))
                                               for r in peer_runs}) == 1
        pr["peer_stats"] = parse_peer_stats(median_run(peer_runs)["stderr"])
        res["tools"]["go_peer"] = pr
        rows.append(["go peer", pr["runs"], f2(pr["median_wall_s"], 3),
                     f2(pr["min_wall_s"], 3), f2(pr["median_cpu_s"]), f2(pr["mb_per_s"], 1),
                     "%.0f" % pr["docs_per_s"], f2(pr["peak_rss_bytes"] / MIB, 1),
                     f2(pr["precision"], 4), f2(pr["recall"], 4), pr["found"]])
    log(fmt_table(["tool", "runs", "median s", "min s", "cpu s", "MB/s", "docs/s",
                   "peak RSS MiB", "precision", "recall", "pairs"], rows))
    log("(MB/s = corpus.jsonl bytes / median wall, MB = 10^6; peak RSS = max over runs; "
        "cpu s = median user+sys; truth: J >= 0.8, %d pairs)" % nd["true"])
    log("walls: %s %s" % (label_nd, " ".join("%.3f" % w for w in nd["walls_s"]))
        + ("; go peer %s" % " ".join("%.3f" % w for w in pr["walls_s"]) if pr else ""))
    if pr and pr["peer_stats"]:
        log("peer stats (median run): " + ", ".join(
            "%s %s" % kv for kv in pr["peer_stats"].items() if kv[0] != "tool"))
    if pr:
        ratio = pr["median_wall_s"] / nd["median_wall_s"]
        res["peer_over_neardup"] = round(ratio, 2)
        log("ratio peer/neardup median wall: %.2f (same run, interleaved)" % ratio)
    for name, s in (("neardup", nd), ("go peer", pr)):
        if not s:
            continue
        parts = ["FP %d" % s["fp"]]
        if s["fp"]:
            parts.append("%d within a truth cluster (J %s..%s), %d outside the truth"
                         % (s["fp_within_cluster"],
                            *(f2(x, 3) for x in (s["fp_within_j_range"] or [None, None])),
                            s["fp_outside_truth"]))
        parts.append("FN %d" % s["fn"])
        if s["fn"]:
            parts.append("J %s..%s, %d with J >= 0.85"
                         % (f2(s["fn_j_range"][0], 3), f2(s["fn_j_range"][1], 3),
                            s["fn_j_ge_0.85"]))
        if s["reported_j_max_abs_diff"] is not None:
            parts.append("max |reported J - truth J| %.4f" % s["reported_j_max_abs_diff"])
        parts.append("%s: %s"
                     % ("output byte-identical across runs and -j1" if name == "neardup"
                        else "same pair set in every run",
                        "yes" if s["identical_output_all_runs"] else "NO"))
        log("errors %-8s %s" % (name + ":", "; ".join(parts)))

    # stage breakdown of the median neardup run and of the single-thread run
    for label, run in (("%s (median run)" % label_nd, median_run(nd_runs)), ("neardup -j1", t1)):
        lines, counts, times = parse_stats(run["stderr"])
        key = "stats" if run is not t1 else "stats_threads1"
        res["tools"]["neardup" if run is not t1 else "neardup_threads1"][key] = {
            "lines": lines, "counts": counts, "seconds": times}
        if not times:
            log("neardup --stats: no stats lines on stderr for %s" % label)
            continue
        total = times.get("total") or sum(times.values())
        log("")
        log("neardup --stats stage breakdown, %s, wall %.3f s:" % (label, run["wall_s"]))
        log(fmt_table(["stage", "seconds", "% of total"],
                      [[k, "%.3f" % v, "%.1f" % (100 * v / total if total else 0)]
                       for k, v in times.items()]))
        log("counts: " + ", ".join("%s %s" % kv for kv in counts.items()))

    log("")
    tg = []
    if pr:
        ratio = res["peer_over_neardup"]
        tg.append(target("neardup wall <= peer wall / 10", ratio >= 10,
                         "peer/neardup = %.2f" % ratio))
    else:
        tg.append(target("neardup wall <= peer wall / 10", None,
                         "--no-peer" if not a.peer else "no peer at this size"))
    tg.append(target("recall >= 0.99", nd["recall"] >= 0.99, "%.4f" % nd["recall"]))
    tg.append(target("precision == 1.0", nd["precision"] == 1.0,
                     "%.4f, %d false positives" % (nd["precision"], nd["fp"])))
    tg.append(target("peak RSS <= 1 GiB", nd["peak_rss_bytes"] <= GIB,
                     "%.1f MiB" % (nd["peak_rss_bytes"] / MIB)))
    tg.append(target("single-thread >= 100 MB/s", st["mb_per_s"] >= 100,
                     "%.1f MB/s" % st["mb_per_s"]))
    # The paragraph pass (issue 3): whole scan vs. the article job, same thread count.
    if para_failed:
        res["paragraph_pass"] = {"failed": para_failed}
        log("paragraph pass: scan with all parts FAILED: %s" % para_failed.splitlines()[0])
        tg.append(target("paragraph pass adds <= 50%", None, "run failed"))
    else:
        pw = sorted(r["wall_s"] for r in para_runs)[len(para_runs) // 2]
        prss = max(r["maxrss_bytes"] for r in para_runs)
        added = pw / nd["median_wall_s"] - 1.0
        res["paragraph_pass"] = {"median_wall_s": round(pw, 3), "peak_rss_bytes": prss,
                                 "article_job_median_wall_s": nd["median_wall_s"],
                                 "added_share": round(added, 3)}
        log("paragraph pass: scan with all parts %.3f s (peak %.1f MiB) vs. article job "
            "%.3f s: +%.0f%%" % (pw, prss / MIB, nd["median_wall_s"], 100 * added))
        lines, counts, times = parse_stats(sorted(para_runs, key=lambda r: r["wall_s"])
                                           [len(para_runs) // 2]["stderr"])
        if times:
            log("  stages: " + ", ".join("%s %.3f" % kv for kv in times.items()))
        tg.append(target("paragraph pass adds <= 50%", added <= 0.5,
                         "+%.0f%%" % (100 * added)))
    res["targets"] = tg
    log("load average before/after: %s / %s" % (res["loadavg_before"], res["loadavg_after"]))
    cn = res["cpu_noise"]
    if cn:
        log("noise: CPU time spent outside the benchmarked processes during the timed runs "
            "%.1f s (they used %.1f s; includes this harness), steal %s%%"
            % (cn["other_cpu_s"], cn["benchmarked_cpu_s"], cn["steal_pct"]))
    return res


# ---------------------------------------------------------------------------- scaling
def clean_floor(x):
    """x rounded down to two significant digits (14,766,000 -> 14,000,000)."""
    if x < 100:
        return int(x)
    step = 10 ** (int(math.log10(x)) - 1)
    return int(x // step * step)


def report_scaling(results):
    pts = [s for s in results["sizes"] if "neardup" in s["tools"]]
    if len(pts) < 2:
        log("scaling: fewer than two sizes succeeded, no curve")
        return
    pts.sort(key=lambda s: s["articles"])
    rows = []
    for s in pts:
        t = s["tools"]["neardup"]
        rows.append([f"{s['articles']:,}", t["runs"], "%.3f" % t["median_wall_s"],
                     "%.1f" % (t["peak_rss_bytes"] / MIB),
                     "%.0f" % (t["peak_rss_bytes"] / s["articles"]),
                     "%.1f" % t["mb_per_s"],
                     "%.2f" % (1e6 * t["median_wall_s"] / s["articles"]),
                     "%.3f" % s["tools"]["neardup_threads1"]["median_wall_s"],
                     "%.3f" % s["tools"]["go_peer"]["median_wall_s"]
                     if "go_peer" in s["tools"] else "-",
                     "%.4f" % t["precision"], "%.4f" % t["recall"],
                     "%.1f" % s["cpu_noise"]["other_cpu_s"] if s.get("cpu_noise") else "-"])
    log("")
    log("=== scaling curve (neardup scan --parts groups -f tsv -j%d, median wall)"
        % pts[0]["threads"])
    log(fmt_table(["articles", "runs", "wall s", "peak RSS MiB", "RSS bytes/article", "MB/s",
                   "us/article", "-j1 wall s", "peer wall s", "precision", "recall",
                   "noise s"], rows))
    log("(RSS bytes/article = peak RSS / articles; MB/s = corpus.jsonl bytes / wall, "
        "MB = 10^6; noise s = CPU seconds other processes used during that size's runs)")
    lo, hi = pts[0], pts[-1]
    tl = lo["tools"]["neardup"]["median_wall_s"]
    th = hi["tools"]["neardup"]["median_wall_s"]
    per = (th / hi["articles"]) / (tl / lo["articles"])
    expo = math.log(th / tl) / math.log(hi["articles"] / lo["articles"])
    super_linear = per > 1.5
    log("time per article at %s vs %s: x%.2f (growth exponent %.2f from %s to %s: wall ~ "
        "n^%.2f) -> %s"
        % (f"{hi['articles']:,}", f"{lo['articles']:,}", per, expo, f"{lo['articles']:,}",
           f"{hi['articles']:,}", expo,
           "SUPER-LINEAR growth (flag: > x1.5)" if super_linear else "roughly linear"))
    steps = []
    for p, q in zip(pts, pts[1:]):
        tp, tq = p["tools"]["neardup"]["median_wall_s"], q["tools"]["neardup"]["median_wall_s"]
        steps.append({"from": p["articles"], "to": q["articles"],
                      "growth_exponent": round(math.log(tq / tp)
                                               / math.log(q["articles"] / p["articles"]), 3)})
    if len(steps) > 1:
        log("growth exponent per step: " + "; ".join(
            "%s -> %s %.2f" % (f"{st['from']:,}", f"{st['to']:,}", st["growth_exponent"])
            for st in steps))
    rl = lo["tools"]["neardup"]["peak_rss_bytes"] / lo["articles"]
    rh = hi["tools"]["neardup"]["peak_rss_bytes"] / hi["articles"]
    log("RSS bytes per article at %s vs %s: x%.2f" % (f"{hi['articles']:,}",
                                                       f"{lo['articles']:,}", rh / rl))
    fit = RAM_BUDGET / rh
    fit_clean = clean_floor(fit)
    log("largest corpus that fits in %d GiB at the %s bytes of RSS per article measured at %s: "
        "~%s articles (%d GiB / %.0f B = %s; assumes RSS stays linear in the article count, "
        "~%.0f GB of JSON Lines at this corpus's %.0f bytes per article)"
        % (RAM_BUDGET // GIB, "%.0f" % rh, f"{hi['articles']:,}", f"{fit_clean:,}",
           RAM_BUDGET // GIB, rh, f"{int(fit):,}",
           fit_clean * hi["corpus"]["jsonl_bytes"] / hi["articles"] / 1e9,
           hi["corpus"]["jsonl_bytes"] / hi["articles"]))
    full = (hi.get("paragraph_pass") or {}).get("peak_rss_bytes")
    full_fit = None
    if full:
        fb = full / hi["articles"]
        full_fit = clean_floor(RAM_BUDGET / fb)
        log("the whole scan (all parts, with the paragraph pass) peaked at %.1f MiB at %s = %.0f "
            "bytes per article: ~%s articles in %d GiB"
            % (full / MIB, f"{hi['articles']:,}", fb, f"{full_fit:,}", RAM_BUDGET // GIB))
    results["scaling"] = {"per_article_time_ratio": round(per, 3),
                          "largest_fitting_articles_whole_scan_clean": full_fit,
                          "growth_exponent": round(expo, 3), "super_linear": super_linear,
                          "growth_exponent_steps": steps,
                          "rss_per_article_ratio": round(rh / rl, 3),
                          "rss_bytes_per_article_at_largest": round(rh, 1),
                          "ram_budget_bytes": RAM_BUDGET,
                          "largest_fitting_articles": int(fit),
                          "largest_fitting_articles_clean": fit_clean,
                          "points": [{"articles": s["articles"],
                                      "runs": s["tools"]["neardup"]["runs"],
                                      "wall_s": s["tools"]["neardup"]["median_wall_s"],
                                      "peak_rss_bytes": s["tools"]["neardup"]["peak_rss_bytes"],
                                      "rss_bytes_per_article":
                                          round(s["tools"]["neardup"]["peak_rss_bytes"]
                                                / s["articles"], 1),
                                      "mb_per_s": s["tools"]["neardup"]["mb_per_s"],
                                      "precision": s["tools"]["neardup"]["precision"],
                                      "recall": s["tools"]["neardup"]["recall"],
                                      "other_cpu_s": (s.get("cpu_noise") or {})
                                      .get("other_cpu_s")}
                                     for s in pts]}


# ---------------------------------------------------------------------------- pathological
WORD_SPLIT = re.compile(r"(\s+)")


def edit_words(rng, text, vocab, k):
    """k random word edits (substitute, delete or insert), whitespace layout kept."""
    parts = WORD_SPLIT.split(text)
    for _ in range(k):
        words = [i for i, p in enumerate(parts) if p and not p.isspace()]
        i = rng.choice(words)
        op = rng.randrange(3)
        if op == 0:
            parts[i] = rng.choice(vocab)
        elif op == 1 and len(words) > 10:
            parts[i] = ""
            if i + 1 < len(parts) and parts[i + 1].isspace():
                parts[i + 1] = ""
        else:
            parts[i] = parts[i] + " " + rng.choice(vocab)
    return "".join(parts)


def make_pathological(a, kit):
    """10,000 copies of one article (half exact, half with 1-3 word edits) plus 1,000
    unrelated articles (singletons of the 10k corpus), shuffled; deterministic in --seed."""
    base = ensure_corpus(a.work, PATHO_BASE_SIZE, a.seed, kit)
    single = set()
    with open(os.path.join(base, "clusters.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            fs = line.rstrip("\n").split("\t")
            if fs[1] == "-":
                single.add(fs[0])
    docs = {}
    with open(os.path.join(base, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["id"] in single:
                docs[d["id"]] = d["text"]
    rng = random.Random("neardup-bench-pathological-%d-%d" % (a.seed, PATHO_VERSION))
    ids = sorted(docs)
    long_ids = [i for i in ids if len(docs[i].split()) >= 300]
    src_id = rng.choice(long_ids)
    others = [i for i in ids if i != src_id]
    unrelated = rng.sample(others, PATHO_UNRELATED)
    vocab = sorted({w for i in unrelated[:200] for w in docs[i].split() if w.isalpha()})
    src = docs[src_id]
    out = []
    copies = []
    for c in range(PATHO_COPIES):
        if c < PATHO_COPIES // 2:
            cid, text = "copy-exact-%05d" % c, src
        else:
            cid, text = "copy-edit-%05d" % c, edit_words(rng, src, vocab, rng.randint(1, 3))
        copies.append(cid)
        out.append({"id": cid, "text": text})
    out += [{"id": i, "text": docs[i]} for i in unrelated]
    rng.shuffle(out)
    d = os.path.join(a.work, "pathological-seed%d" % a.seed)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "corpus.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for doc in out:
            f.write(json.dumps(doc) + "\n")
    man = {"source_article": src_id, "source_words": len(src.split()),
           "copies": PATHO_COPIES, "exact": PATHO_COPIES // 2,
           "edited": PATHO_COPIES - PATHO_COPIES // 2, "unrelated": PATHO_UNRELATED,
           "seed": a.seed, "recipe_version": PATHO_VERSION, "base_corpus": base,
           "bytes": os.path.getsize(path), "sha256": sha256_file(path)}
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(man, f, indent=1)
    return path, set(copies), man, base


def group_sizes_from_json(path):
    """[(size, member ids)] of -f json output; large outputs are scanned line by line."""
    if os.path.getsize(path) <= GROUP_JSON_LIMIT:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return [(g["size"], [m["id"] for m in g["members"]]) for g in doc.get("groups", [])]
    groups, cur, inside = [], None, False
    gre = re.compile(r'^\s*\{"representative": .*"size": (\d+), "members": \[')
    mre = re.compile(r'^\s*\{"id": ("(?:[^"\\]|\\.)*")')
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith('  "pairs"'):
                break
            m = gre.match(line)
            if m:
                cur = (int(m.group(1)), [])
                groups.append(cur)
                continue
            m = mre.match(line)
            if m and cur is not None:
                cur[1].append(json.loads(m.group(1)))
    return groups


def bench_pathological(a, kit, results, failures):
    path, copies, man, base = make_pathological(a, kit)
    rundir = os.path.join(a.work, "runs", "pathological")
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    log("")
    log("=== pathological: %s copies of %s (%d words; %s exact, %s with 1-3 word edits) "
        "+ %s unrelated articles, %.1f MB, sha256 %s"
        % (f"{man['copies']:,}", man["source_article"], man["source_words"],
           f"{man['exact']:,}", f"{man['edited']:,}", f"{man['unrelated']:,}",
           man["bytes"] / MB, man["sha256"][:16]))
    res = {"corpus": man, "threads": a.threads}
    results["pathological"] = res
    warm_cache(path)
    ref_corpus = os.path.join(base, "corpus.jsonl")
    warm_cache(ref_corpus)
    try:
        out = os.path.join(rundir, "neardup.json")
        r = timed_run("neardup-pathological",
                      [a.neardup, "scan", "-f", "json", "--stats", "--threads",
                       str(a.threads), path], out, rundir, ok_status=(0, 1), timeout=a.timeout)
        ref = timed_run("neardup-10k-reference",
                        [a.neardup, "scan", "-f", "json", "--threads", str(a.threads),
                         ref_corpus], os.path.join(rundir, "neardup-10k.json"), rundir,
                        ok_status=(0, 1), timeout=a.timeout)
    except RunFailed as e:
        failures.append(str(e))
        note("FAILED: " + str(e))
        res["failed"] = str(e)
        return res
    groups = group_sizes_from_json(out)
    groups.sort(key=lambda g: -g[0])
    big = groups[0] if groups else (0, [])
    members = set(big[1])
    ok = big[0] == len(copies) and members == copies
    n_docs = man["copies"] + man["unrelated"]
    per_doc = r["wall_s"] / n_docs
    per_doc_ref = ref["wall_s"] / PATHO_BASE_SIZE
    lines, counts, times = parse_stats(r["stderr"])
    res.update({"wall_s": r["wall_s"], "peak_rss_bytes": r["maxrss_bytes"],
                "user_s": r["user_s"], "sys_s": r["sys_s"], "output_bytes": os.path.getsize(out),
                "groups": len(groups), "largest_group": big[0],
                "largest_group_is_all_copies": members == copies,
                "copies_missing_from_largest": len(copies - members),
                "others_in_largest": len(members - copies),
                "ref_10k_wall_s": ref["wall_s"], "ref_10k_peak_rss_bytes": ref["maxrss_bytes"],
                "per_article_vs_10k": round(per_doc / per_doc_ref, 2),
                "stats": {"lines": lines, "counts": counts, "seconds": times}, "check_ok": ok})
    log(fmt_table(["corpus", "articles", "wall s", "cpu s", "peak RSS MiB", "groups",
                   "largest group", "output MB"],
                  [["pathological", n_docs, "%.3f" % r["wall_s"],
                    f2((r["user_s"] or 0) + (r["sys_s"] or 0)),
                    "%.1f" % (r["maxrss_bytes"] / MIB), len(groups), big[0],
                    "%.1f" % (os.path.getsize(out) / MB)],
                   ["10k reference", PATHO_BASE_SIZE, "%.3f" % ref["wall_s"],
                    f2((ref["user_s"] or 0) + (ref["sys_s"] or 0)),
                    "%.1f" % (ref["maxrss_bytes"] / MIB), "-", "-",
                    "%.1f" % (os.path.getsize(os.path.join(rundir, "neardup-10k.json")) / MB)]]))
    for line in lines:
        log(line)
    log("time per article: x%.2f the 10k reference corpus" % (per_doc / per_doc_ref))
    if ok:
        log("check: largest group holds exactly the %d copies: ok" % len(copies))
    else:
        msg = ("pathological check FAILED: largest group has %d members, %d of the %d "
               "copies missing, %d other articles in it"
               % (big[0], len(copies - members), len(copies), len(members - copies)))
        log("check: " + msg)
        failures.append(msg)
    if len(groups) != 1:
        log("note: %d groups in total (1 expected: the unrelated articles are singletons "
            "of the generator)" % len(groups))
    return res


# ---------------------------------------------------------------------------- main
def parse_sizes(s):
    if s.strip().lower() in ("", "none", "0"):
        return []
    out = []
    for x in s.split(","):
        x = x.strip().lower().replace("_", "")
        mult = 1
        if x.endswith("k"):
            mult, x = 1000, x[:-1]
        elif x.endswith("m"):
            mult, x = 1_000_000, x[:-1]
        try:
            v = int(float(x) * mult)
        except ValueError:
            raise argparse.ArgumentTypeError("bad size %r" % x)
        if v < 10:
            raise argparse.ArgumentTypeError("size %d too small (>= 10)" % v)
        out.append(v)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Benchmark neardup against the Go MinHash LSH peer on the shared "
                    "benchmark corpus (see tests/bench/README.md).")
    ap.add_argument("--neardup", default=os.path.join(ROOT, "build", "neardup"),
                    help="neardup binary (default: build/neardup under the repository root)")
    ap.add_argument("--sizes", type=parse_sizes, default=None,
                    help="comma-separated corpus sizes (10k, 1M suffixes allowed; 'none' "
                         "skips the size benchmarks; default 100000, or 10k,100k,1M with "
                         "--scaling)")
    ap.add_argument("--runs", type=int, default=None,
                    help="timed runs per tool (default 3; 1 at sizes >= 1M)")
    ap.add_argument("--threads", type=int, default=2, help="neardup --threads (default 2)")
    ap.add_argument("--work", default="/tmp/neardup-bench",
                    help="cached corpora and run outputs (default /tmp/neardup-bench)")
    ap.add_argument("--seed", type=int, default=2, help="corpus seed (default 2, the reference)")
    ap.add_argument("--scaling", action="store_true",
                    help="sizes 10k, 100k, 1M (unless --sizes) and a scaling curve; the 1M "
                         "corpus is composed from ten 100k corpora: ~10 min once, ~5.2 GB "
                         "of disk, ~2.5 GB of RAM")
    ap.add_argument("--no-peer", dest="peer", action="store_false",
                    help="do not run the Go peer")
    ap.add_argument("--peer-large", action="store_true",
                    help="also run the Go peer at sizes >= 1M (off by default: ~150 s a run "
                         "there)")
    ap.add_argument("--pathological", action="store_true",
                    help="also run the 10,000-copies corpus (quadratic blow-up guard)")
    ap.add_argument("--json", metavar="FILE", help="write every figure to FILE as JSON")
    ap.add_argument("--timeout", type=float, default=3600,
                    help="seconds before a single run counts as failed (default 3600)")
    ap.add_argument("--kit", default=os.environ.get("ND_BENCH_KIT", DEFAULT_KIT),
                    help="shared benchmark kit (default: ../shared/bench next to the repo)")
    a = ap.parse_args(argv)
    if a.sizes is None:
        a.sizes = list(SCALING_SIZES) if a.scaling else [100_000]
    if (a.runs is not None and a.runs < 1) or a.threads < 0:
        ap.error("--runs must be >= 1 and --threads >= 0")
    a.neardup = os.path.abspath(a.neardup)
    a.work = os.path.abspath(a.work)
    kit = os.path.abspath(a.kit)
    if not os.access(a.neardup, os.X_OK):
        die("no neardup binary at %s (build it: cmake -S . -B build && cmake --build build, "
            "or pass --neardup)" % a.neardup)
    for f in ("gen_corpus.py", "run_go_peer.sh"):
        if not os.path.exists(os.path.join(kit, f)):
            die("benchmark kit not found: %s/%s (pass --kit)" % (kit, f))
    big = [n for n in a.sizes if n > 200_000]
    if big and not a.scaling:
        note("warning: sizes %s take minutes to generate and GBs of disk (cached in %s)"
             % (big, a.work))

    ensure_time()
    ensure_doc_packages()
    os.makedirs(a.work, exist_ok=True)
    # refuse up front, not after an hour of smaller runs, when a corpus cannot be built
    needed = sorted(set(a.sizes + ([PATHO_BASE_SIZE] if a.pathological else [])))
    plan = []
    for n in needed:
        for item in corpus_plan(a.work, n, a.seed, kit):
            if item not in plan:
                plan.append(item)
    problem = plan_problem(a.work, plan)
    if problem:
        die(problem)
    if plan:
        eta = sum(k * (GEN_S_PER_ARTICLE if kind == "generate" else COMPOSE_S_PER_ARTICLE)
                  for k, _, kind in plan)
        note("corpora to build first: %s (~%s, ~%.1f GB of disk)"
             % (", ".join("%s %s seed %d" % (kind, f"{k:,}", sd) for k, sd, kind in plan),
                fmt_eta(eta), sum(k for k, _, _ in plan) * BYTES_PER_ARTICLE / 1e9))
    info = machine_info(a.neardup)
    # the pathological corpus is run by neardup only; from LARGE_SIZE on only with --peer-large
    a.peer = a.peer and any(peer_at(n, a) for n in a.sizes)
    if a.peer:
        info["peer"] = {"go": dpkg_version("golang-go"),
                        "library": "golang-github-ekzhu-minhash-lsh-dev %s"
                                   % dpkg_version("golang-github-ekzhu-minhash-lsh-dev")}
    results = {"bench_version": 1, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
               "machine": info,
               "config": {"sizes": a.sizes, "runs": a.runs, "threads": a.threads,
                          "runs_per_size": {n: runs_for(n, a) for n in a.sizes},
                          "peer": a.peer, "peer_sizes": [n for n in a.sizes if peer_at(n, a)],
                          "seed": a.seed, "work": a.work, "kit": kit,
                          "scaling": a.scaling, "pathological": a.pathological,
                          "compose_part": COMPOSE_PART},
               "sizes": [], "failures": []}
    failures = results["failures"]
    log("machine: nproc %d, %s, %s GiB RAM, Linux %s"
        % (info["nproc"], info["cpu_model"], info["mem_total_gib"], info["kernel"]))
    log("neardup: %s (%s)" % (info["neardup_version"], a.neardup))
    if a.peer:
        log("peer: %s, Go %s (run_go_peer.sh: word 5-grams, 128 perms, t = 0.8, "
            "signature-estimate verification)" % (info["peer"]["library"], info["peer"]["go"]))
    log("load average: %s (timings are noisy when other jobs share the CPUs)" % loadavg())

    try:
        if a.peer and a.sizes:
            # build (and if needed install) the peer outside the timed runs
            tiny = os.path.join(a.work, "peer-warmup.jsonl")
            with open(tiny, "w") as f:
                for i in range(20):
                    f.write(json.dumps({"id": "w%d" % i,
                                        "text": "warm up the peer build %d %s" % (i, "x " * i)})
                            + "\n")
            r = subprocess.run([os.path.join(kit, "run_go_peer.sh"), tiny,
                                os.path.join(a.work, "peer-warmup.tsv")],
                               capture_output=True, text=True)
            if r.returncode != 0:
                die("run_go_peer.sh warm-up failed (exit %d): %s"
                    % (r.returncode, r.stderr[-2000:]))
        for n in a.sizes:
            bench_size(n, a, kit, results, failures)
        if a.scaling or len(a.sizes) > 1:
            report_scaling(results)
        if a.pathological:
            bench_pathological(a, kit, results, failures)
    finally:
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1, default=str)
            note("wrote %s" % a.json)
    log("")
    if failures:
        log("FAILED: %d run(s) or check(s) failed:" % len(failures))
        for f in failures:
            log("  " + f.splitlines()[0])
        return 1
    log("all runs completed (targets are informational)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
