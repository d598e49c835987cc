# fifo.sh - what is not a regular file never hangs a scan: a FIFO met in a directory is not
# opened (opening one blocks until a writer comes) but named in a warning; a named FIFO with
# a writer is read as a stream; a named device that never ends (/dev/zero) is read only up to
# the --max-bytes limit, then reported (exit 2). Every run is under `timeout`.
. "$(dirname "$0")/lib.sh"
need timeout mkfifo

cd "$TMP" || die "cannot cd to $TMP"
mkdir in
seed_pair in/a.txt in/c.txt
mkfifo in/b.jsonl || die "cannot make a FIFO"

run timeout 60 "$NEARDUP" scan -f tsv in
expect_status 0
expect_pairs 'in/a.txt	in/c.txt'
expect_stderr_text 'neardup: warning: in/b.jsonl: not a regular file (FIFO); skipped'

# A named FIFO is read (here JSON Lines, by its name) while a writer feeds it.
{ jsonl_doc seed "$ND_SEED"; jsonl_doc edited in/c.txt; } >docs.jsonl
cat docs.jsonl >in/b.jsonl &
writer=$!
run timeout 60 "$NEARDUP" scan -f tsv in/b.jsonl
wait "$writer"
expect_status 0
expect_pairs 'seed	edited'
expect_stderr_empty

# /dev/zero: read up to the limit, then reported; the run ends.
run timeout 60 "$NEARDUP" scan /dev/zero
expect_status 2
expect_stderr_line 1 'neardup: /dev/zero: input is longer than the 16777216-byte limit (--max-bytes); stopped reading'
run timeout 60 "$NEARDUP" scan --max-bytes 1K -f tsv /dev/zero in/a.txt
expect_status 2
expect_stderr_line 1 'neardup: /dev/zero: input is longer than the 1024-byte limit (--max-bytes); stopped reading'

finish
