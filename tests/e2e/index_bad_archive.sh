# index_bad_archive.sh - every kind of bad archive is refused with a clear message and exit
# status 2, by `check`, `index add` and `index info`, and the file is left as it was (its
# bytes and its modification time): a missing file (not created), a file that is not SQLite,
# an SQLite database of another program, a damaged page, a newer schema, settings that
# differ from the archive's; and `index create` over an existing file.
. "$(dirname "$0")/lib.sh"
need python3

cd "$TMP" || die "cannot cd to $TMP"
cp "$ND_SEED" a.txt || die "cannot copy the seed"
"$NEARDUP" index create good.idx && "$NEARDUP" index add good.idx a.txt >/dev/null ||
    die "cannot make an archive"

# state FILE: its checksum and modification time (nanoseconds).
state() {
    python3 -c 'import os, sys, zlib
p = sys.argv[1]
print(zlib.crc32(open(p, "rb").read()), os.stat(p).st_mtime_ns, os.stat(p).st_size)' "$1"
}

# refused FILE MESSAGE CMD...: CMD exits 2 with MESSAGE (the whole first stderr line), and
# FILE is as it was.
refused() {
    rf_file=$1
    rf_msg=$2
    shift 2
    state "$rf_file" >"$TMP/state.before"
    nd "$@"
    expect_status 2
    expect_stdout_empty
    expect_stderr_line 1 "$rf_msg"
    state "$rf_file" >"$TMP/state.after"
    expect_file_same "$TMP/state.before" "$TMP/state.after" "$rf_file after '$*'"
}

# each FILE MESSAGE: refused by check, index add and index info.
each() {
    refused "$1" "$2" check "$1" a.txt
    refused "$1" "$2" check --add "$1" a.txt
    refused "$1" "$2" index add "$1" a.txt
    refused "$1" "$2" index info "$1"
}

# A missing file: refused, and not created.
for cmd in "check missing.idx a.txt" "index add missing.idx a.txt" "index info missing.idx"; do
    # shellcheck disable=SC2086 # the words of the command
    nd $cmd
    expect_status 2
    expect_stderr_line 1 "neardup: missing.idx: cannot open: No such file or directory"
    ND_CHECKS=$((ND_CHECKS + 1))
    [ -e missing.idx ] && fail "'$cmd' created missing.idx"
done

# Not SQLite at all.
printf 'these are not the bytes of a database\n' >text.idx
each text.idx "neardup: text.idx: not a neardup index: not an SQLite database"
: >empty.idx
each empty.idx "neardup: empty.idx: not a neardup index: an SQLite database of nothing (an empty file)"
python3 -c 'import sqlite3; c = sqlite3.connect("other.db"); c.execute("create table t(x)"); c.commit()'
each other.db "neardup: other.db: not a neardup index: an SQLite database of another program"

# A newer schema.
cp good.idx newer.idx
python3 -c 'import sqlite3; c = sqlite3.connect("newer.idx"); c.execute("pragma user_version = 2"); c.close()'
each newer.idx "neardup: newer.idx: made by a newer neardup: index schema 2, this neardup reads schema 1"

# A damaged page: the root of the article band-key map, its page type overwritten.
cp good.idx damaged.idx
python3 - damaged.idx <<'PY' || die "cannot damage the archive"
import sqlite3, sys
p = sys.argv[1]
c = sqlite3.connect(p)
root, = c.execute("select rootpage from sqlite_schema where name = 'bands'").fetchone()
size, = c.execute("pragma page_size").fetchone()
c.close()
with open(p, "r+b") as f:
    f.seek((root - 1) * size)
    f.write(b"\x42\x42\x42\x42")
PY
each damaged.idx "neardup: damaged.idx: damaged: database disk image is malformed while opening (run 'neardup index info --check')"

# Settings that differ: each refused by name, with the hint; the index is not touched.
refused good.idx "neardup: good.idx: made with --ngram 5, not 4" check -n 4 good.idx a.txt
expect_stderr_line 2 "neardup: an index's settings are fixed when it is created; leave them out to use them"
refused good.idx "neardup: good.idx: made with --perms 128, not 64" index add --perms 64 good.idx a.txt
refused good.idx "neardup: good.idx: made with --threshold 0.8, not 0.9" check -t 0.9 good.idx a.txt
refused good.idx "neardup: good.idx: made with --bands 20, not 16" check --bands 16 good.idx a.txt
refused good.idx "neardup: good.idx: made with --paragraphs auto, not block" check --paragraphs block good.idx a.txt
refused good.idx "neardup: good.idx: made with --short-words 4, not 3" index add --short-words 3 good.idx a.txt
# The same settings given explicitly are fine.
nd check -n 5 -k 128 -t 0.8 --paragraphs auto --short-words 4 good.idx a.txt
expect_status 0

# create over an existing file.
refused good.idx "neardup: good.idx: cannot create: it exists already" index create good.idx
refused text.idx "neardup: text.idx: cannot create: it exists already" index create text.idx

# The good archive is fine after all this, and info --check finds the damaged one.
nd index info --check good.idx
expect_status 0
expect_stdout_contains "check: ok"
refused damaged.idx "neardup: damaged.idx: damaged: database disk image is malformed while opening (run 'neardup index info --check')" index info --check damaged.idx

finish
