# unreadable_path.sh - a file the user may not read (chmod 000) between the two files of a
# near-duplicate pair, and an unreadable subdirectory: "neardup: PATH: cannot open: Permission
# denied" (resp. "cannot open directory: ..."), counted as skipped, the pair still found;
# exit 2, or 0/1 with --allow-skips. As root (who reads anything) the program runs as
# nobody (setpriv, else su); if neither works the test is skipped.
. "$(dirname "$0")/lib.sh"

chmod 755 "$TMP" || die "cannot chmod $TMP"
cd "$TMP" || die "cannot cd to $TMP"
mkdir in in2 in2/locked
seed_pair in/a.txt in/c.txt
seed_pair in2/a.txt in2/c.txt
echo 'A secret article nobody may read, with enough words to count.' >in/b.txt
cp in/b.txt in2/locked/b.txt
chmod 755 in in2
chmod 000 in/b.txt in2/locked

# The program as a user who cannot read them: a wrapper script, so that run() can call it.
real=$NEARDUP
wrap=$TMP/neardup-as-nobody
if [ "$(id -u)" -ne 0 ]; then
    printf '#!/bin/sh\nexec "%s" "$@"\n' "$real" >"$wrap"
elif command -v setpriv >/dev/null 2>&1 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' \
        "$real" >"$wrap"
elif su -s /bin/sh -c true -- nobody 2>/dev/null; then
    # shellcheck disable=SC2016 # expanded by the wrapper
    # "--" before the user: su would take the program's options for its own.
    printf '#!/bin/sh\nexec su -s /bin/sh -c '"'"'exec "$0" "$@"'"'"' -- nobody "%s" "$@"\n' \
        "$real" >"$wrap"
else
    skip "running as root and cannot switch to an unprivileged user (setpriv, su)"
fi
chmod 755 "$wrap"
"$wrap" --version >/dev/null 2>&1 || skip "the unprivileged user cannot run $real"
# The wrapper's user must really be unable to read the file (no CAP_DAC_OVERRIDE).
sed 's|exec \(.*\)"'"$real"'" "\$@"|exec \1cat "$@"|' "$wrap" >"$TMP/cat-as-nobody"
chmod 755 "$TMP/cat-as-nobody"
"$TMP/cat-as-nobody" in/b.txt >/dev/null 2>&1 && skip "the test user can read a chmod 000 file"
NEARDUP=$wrap

SK_MSG='neardup: in/b.txt: cannot open: Permission denied'
SK_SOURCE=in/b.txt SK_LINE=None SK_DOCS=2
SK_PAIR='in/a.txt	in/c.txt'
check_skipped_input in
note "unreadable file: done"

SK_MSG='neardup: in2/locked: cannot open directory: Permission denied'
SK_SOURCE=in2/locked
SK_PAIR='in2/a.txt	in2/c.txt'
check_skipped_input in2
note "unreadable directory: done"

finish
