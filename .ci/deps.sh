#!/bin/sh
# deps.sh - installs what neardup needs, from Debian 12 packages only (apt-get, without
# recommended packages). Run as root (or with sudo). Safe to run again: only what is
# missing is installed, and apt-get update runs only then.
#
#   sh .ci/deps.sh          to build (GCC, CMake, the libraries, Check for the unit tests)
#   sh .ci/deps.sh --tests  also what tests/check.sh needs: clang with its sanitizer and
#                           libFuzzer runtimes, llvm-symbolizer (readable sanitizer
#                           reports), valgrind, python3 and GNU time (e2e tests), Chromium
#                           (the HTML report), Open MPI (the gcc-mpi configuration)
#   sh .ci/deps.sh --mpi    only Open MPI besides the build's, for the MPI build
#                           (-DNEARDUP_MPI=ON)
set -eu
build="build-essential cmake pkg-config libxxhash-dev uthash-dev check libutf8proc-dev libcjson-dev zlib1g-dev libzstd-dev libsqlite3-dev"
tests="clang libclang-rt-14-dev llvm python3 valgrind time zstd chromium groff-base"
mpi="libopenmpi-dev openmpi-bin"
pkgs=$build
for arg in "$@"; do
    case $arg in
    --tests) pkgs="$pkgs $tests $mpi" ;;
    --mpi) pkgs="$pkgs $mpi" ;;
    *)
        echo "usage: sh .ci/deps.sh [--tests] [--mpi]" >&2
        exit 2
        ;;
    esac
done
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "deps.sh: installing$missing"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
