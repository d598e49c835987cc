# install.sh - `cmake --install` into a temporary prefix installs the program, its man page,
# the bash completion, the public headers, libneardup.a and libneardup.so (with a SONAME,
# exporting every function of the public headers and nothing else), neardup.pc and the
# CMake package; then a small C program is built against the installed library with
# `pkg-config --cflags --libs neardup` (and once statically, and once through
# find_package(neardup)), and run on the sample batch.
. "$(dirname "$0")/lib.sh"
need cmake pkg-config cc nm readelf

[ -n "${ND_BUILD_DIR:-}" ] && [ -f "$ND_BUILD_DIR/CMakeCache.txt" ] || skip "ND_BUILD_DIR is not a build directory"
PREFIX=$TMP/prefix
ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="cmake --install $ND_BUILD_DIR --prefix $PREFIX"
cmake --install "$ND_BUILD_DIR" --prefix "$PREFIX" >"$TMP/install.log" 2>&1 ||
    { fail "cmake --install failed:"; show "$TMP/install.log"; finish; }

# expect_installed PATTERN WHAT: a file under the prefix matches PATTERN (find -path).
expect_installed() {
    ND_CHECKS=$((ND_CHECKS + 1))
    found=$(find "$PREFIX" -path "$PREFIX/$1" | head -n 1)
    [ -n "$found" ] || { fail "not installed: $2 ($1)"; find "$PREFIX" | sed 's/^/    | /' | head -n 40; }
}
expect_installed "bin/neardup" "the program"
expect_installed "share/man/man1/neardup.1" "the man page"
expect_installed "share/bash-completion/completions/neardup" "the bash completion"
for h in neardup.h status.h input.h options.h result.h scan.h report.h; do
    expect_installed "include/neardup/$h" "the header $h"
done
expect_installed "lib*/libneardup.a" "the static library"
expect_installed "lib*/libneardup.so" "the shared library"
expect_installed "lib*/pkgconfig/neardup.pc" "neardup.pc"
expect_installed "lib*/cmake/neardup/neardupConfig.cmake" "the CMake package"

SO=$(find "$PREFIX" -name 'libneardup.so.*.*.*' | head -n 1)
PC_DIR=$(dirname "$(find "$PREFIX" -name neardup.pc | head -n 1)")
LIBDIR=$(dirname "$SO")

# The installed program runs and its version is the project's.
nd_installed=$PREFIX/bin/neardup
run "$nd_installed" --version
expect_status 0
expect_stdout_contains "neardup "

# The SONAME, and the exported symbols: exactly the functions the public headers declare.
ND_CHECKS=$((ND_CHECKS + 1))
soname=$(readelf -d "$SO" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
case $soname in libneardup.so.[0-9]*) ;; *) fail "SONAME of $SO is '$soname'" ;; esac
nm -D --defined-only "$SO" | awk '$2 ~ /^[TWDBR]$/ { print $3 }' | sort >"$TMP/exported"
sed -n 's/^ND_API [^(]*[ *]\(nd_[a-z0-9_]*\)(.*/\1/p' "$PREFIX"/include/neardup/*.h | sort -u >"$TMP/declared"
expect_file_same "$TMP/declared" "$TMP/exported" "the shared library's exported symbols (left: declared ND_API)"

# A program using the public API: scan the sample batch, write the JSON report.
cat >"$TMP/prog.c" <<'C'
#include <neardup/neardup.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    nd_scan_opts o;
    nd_scan_opts_init(&o);
    o.parts = ND_PART_GROUPS;
    nd_scan_result *r = NULL;
    nd_status st = nd_scan(&o, (const char *const *)argv + 1, (size_t)argc - 1, &r);
    if (st != ND_OK) {
        fprintf(stderr, "scan: %s\n", nd_status_str(st));
        return 1;
    }
    printf("neardup %s: %zu documents, %zu groups\n", nd_version(), r->ndocs, r->ngroups);
    nd_report_opts ro;
    nd_report_opts_init(&ro);
    st = nd_report_write_opts(r, ND_REPORT_TSV, &ro, stdout);
    nd_scan_result_free(r);
    return st == ND_OK ? 0 : 1;
}
C
mkdir -p "$TMP/in" && seed_pair "$TMP/in/a.txt" "$TMP/in/b.txt"
san=""
[ -n "$ND_SANITIZE" ] && san="-fsanitize=$ND_SANITIZE"

# check_prog BINARY WHAT: the program prints the expected report.
check_prog() {
    run env LD_LIBRARY_PATH="$LIBDIR" "$1" "$TMP/in"
    expect_status 0
    expect_stdout_contains "neardup "
    expect_stdout_contains ": 2 documents, 1 groups"
    expect_stdout_contains "member	1	drop	$TMP/in/b.txt	0.9449	"
}

export PKG_CONFIG_PATH="$PC_DIR"
ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="cc prog.c \$(pkg-config --cflags --libs neardup)"
# shellcheck disable=SC2046 # the flags are words
if cc -std=c11 -Wall -Werror $san -o "$TMP/prog" "$TMP/prog.c" $(pkg-config --cflags --libs neardup) 2>"$TMP/cc.log"; then
    check_prog "$TMP/prog"
    ND_CHECKS=$((ND_CHECKS + 1))
    readelf -d "$TMP/prog" | grep -q "NEEDED.*\[$soname\]" || fail "prog does not need $soname"
else
    fail "the program does not build with pkg-config --cflags --libs neardup:"
    show "$TMP/cc.log"
fi
ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="cc -static-lib prog.c \$(pkg-config --static --cflags --libs neardup)"
# Statically: the archive and what pkg-config --static adds for it.
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Werror $san -o "$TMP/prog_static" "$TMP/prog.c" -I"$PREFIX/include" \
    "$LIBDIR/libneardup.a" $(pkg-config --static --libs-only-l --libs-only-other neardup | sed 's/-lneardup//') 2>"$TMP/cc.log"; then
    check_prog "$TMP/prog_static"
else
    fail "the program does not build against libneardup.a:"
    show "$TMP/cc.log"
fi

# find_package(neardup) from a CMake project.
mkdir -p "$TMP/proj" && cp "$TMP/prog.c" "$TMP/proj/"
cat >"$TMP/proj/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(use_neardup C)
find_package(neardup 0.1 REQUIRED)
add_executable(prog prog.c)
target_link_libraries(prog PRIVATE neardup::neardup)
add_executable(prog_static prog.c)
target_link_libraries(prog_static PRIVATE neardup::neardup_static)
CM
if [ -n "$ND_SANITIZE" ]; then  # the library was built with sanitizers: link their runtime
    printf 'target_link_options(%s PRIVATE -fsanitize=%s)\n' prog "$ND_SANITIZE" \
        prog_static "$ND_SANITIZE" >>"$TMP/proj/CMakeLists.txt"
fi
ND_CHECKS=$((ND_CHECKS + 1))
ND_CMD="find_package(neardup)"
if cmake -S "$TMP/proj" -B "$TMP/proj/build" -DCMAKE_PREFIX_PATH="$PREFIX" >"$TMP/cm.log" 2>&1 &&
    cmake --build "$TMP/proj/build" >>"$TMP/cm.log" 2>&1; then
    check_prog "$TMP/proj/build/prog"
    check_prog "$TMP/proj/build/prog_static"
else
    fail "find_package(neardup) and a build against it failed:"
    tail -n 20 "$TMP/cm.log" | sed 's/^/    | /'
fi

# The installed man page renders, and the completion script loads.
if command -v groff >/dev/null 2>&1; then
    ND_CHECKS=$((ND_CHECKS + 1))
    groff -man -Tutf8 -rLL=200n -P-cbou "$PREFIX/share/man/man1/neardup.1" 2>/dev/null |
        grep -q "^NAME" || fail "the installed man page does not render"
fi
ND_CHECKS=$((ND_CHECKS + 1))
bash -c ". '$PREFIX/share/bash-completion/completions/neardup' && complete -p neardup" >/dev/null 2>&1 ||
    fail "the installed completion does not load"

finish
