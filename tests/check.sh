#!/bin/sh
# check.sh - builds every configuration CI tests and runs the whole suite in each; the
# README's second command and .ci/run run it after `sh .ci/deps.sh --tests`.
#
#   sh tests/check.sh [CONFIG...]     (default: all five, in this order)
#
#   gcc-release     GCC, Release: ctest (unit, e2e, valgrind over the e2e inputs, the fuzz
#                   corpora replayed)
#   clang-asan      clang, Debug, AddressSanitizer + UndefinedBehaviorSanitizer: ctest
#   gcc-asan        GCC, Debug, AddressSanitizer + UndefinedBehaviorSanitizer: ctest
#   clang-fuzz      clang, libFuzzer + ASan + UBSan (-DNEARDUP_FUZZ=ON): ctest (each target
#                   over its corpus once), then each target fuzzed for ND_FUZZ_SECONDS
#                   (default 60) from its corpus
#   gcc-mpi         GCC, Release, -DNEARDUP_MPI=ON (Open MPI, which `sh .ci/deps.sh --tests`
#                   installs): the end-to-end tests without mpirun (the MPI build's
#                   program must be the plain one), and mpi.identical (mpirun -np 1, 2, 3
#                   against one process)
#
# Each configuration builds in build-check/CONFIG and goes on after a failure, so one run
# shows everything that is broken; the summary lists each configuration's result and time
# and every skipped test with its reason, and the exit status is 1 if anything failed.
# Needs what `sh .ci/deps.sh --tests` installs. POSIX sh.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
OUT=$ROOT/build-check
JOBS=${ND_JOBS:-2}
FUZZ_SECONDS=${ND_FUZZ_SECONDS:-60}
CONFIGS=${*:-gcc-release clang-asan gcc-asan clang-fuzz gcc-mpi}
mkdir -p "$OUT" || exit 2
SUMMARY=$OUT/summary.txt
SKIPS=$OUT/skipped.txt
: >"$SUMMARY"
: >"$SKIPS"
FAILED=0

say() {
    printf '\n==== %s\n' "$*"
}

now() {
    date +%s
}

# configure NAME CC ARGS...: a fresh CMake configuration of build-check/NAME with compiler CC.
configure() {
    dir=$OUT/$1
    cc=$2
    shift 2
    cmake -S "$ROOT" -B "$dir" -DCMAKE_C_COMPILER="$cc" "$@" >"$OUT/$(basename "$dir").cmake.log" 2>&1 || {
        cat "$OUT/$(basename "$dir").cmake.log"
        return 1
    }
}

# run_ctest DIR [CTEST-ARGS...]: the suite, then the reasons of the tests it skipped (ctest
# prints only their names; each prints "NAME: skipped: REASON", kept in its log).
run_ctest() {
    st=0
    rdir=$1
    shift
    ctest --test-dir "$rdir" --output-on-failure --no-tests=error -j"$JOBS" "$@" || st=1
    set -- "$rdir"
    log=$1/Testing/Temporary/LastTest.log
    if [ -f "$log" ] && grep -q ': skipped: ' "$log"; then
        printf 'skipped, and why:\n'
        grep ': skipped: ' "$log" | sed "s|^|  $(basename "$1"): |" | tee -a "$SKIPS"
    fi
    return $st
}

# fuzz DIR: each fuzz target for FUZZ_SECONDS from its committed corpus (new inputs go to
# DIR/fuzz-work/TARGET/corpus). A crash, a leak or a timeout fails; the input is printed in
# base64 to keep it after CI's machine is gone.
fuzz() {
    st=0
    for exe in "$1"/tests/fuzz/fuzz_*; do
        [ -x "$exe" ] || continue
        name=${exe##*/fuzz_}
        work=$1/fuzz-work/$name
        mkdir -p "$work/corpus"
        rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
        dict=
        case $name in
        reader | scan) dict=-dict=$ROOT/tests/fuzz/jsonl.dict ;;
        esac
        printf 'fuzz_%s: %s s\n' "$name" "$FUZZ_SECONDS"
        # shellcheck disable=SC2086 # $dict is one word or none
        if ! "$exe" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$work/" $dict \
            "$work/corpus" "$ROOT/tests/fuzz/corpus/$name" >"$work/log" 2>&1; then
            st=1
            grep -v -e '^#' -e '^INFO' "$work/log" | tail -n 60
            for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
                [ -f "$a" ] || continue
                printf 'fuzz_%s found %s; the input (base64 -d > tests/fuzz/corpus/%s/regress-NAME):\n' \
                    "$name" "${a##*/}" "$name"
                base64 "$a" | head -c 20000
                printf '\n'
            done
        fi
        grep -e '^Done' -e 'stat::number_of_executed_units' -e 'stat::peak_rss_mb' "$work/log" |
            sed "s/^/  fuzz_$name: /"
    done
    return $st
}

for config in $CONFIGS; do
    t0=$(now)
    say "$config"
    dir=$OUT/$config
    ok=1
    case $config in
    gcc-release)
        configure "$config" gcc -DCMAKE_BUILD_TYPE=Release || ok=0
        ;;
    clang-asan)
        configure "$config" clang -DCMAKE_BUILD_TYPE=Debug -DNEARDUP_SANITIZE=address,undefined || ok=0
        ;;
    gcc-asan)
        configure "$config" gcc -DCMAKE_BUILD_TYPE=Debug -DNEARDUP_SANITIZE=address,undefined || ok=0
        ;;
    clang-fuzz)
        # Debug keeps the asserts; -O1 makes it fast enough to fuzz.
        configure "$config" clang -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
            -DNEARDUP_FUZZ=ON || ok=0
        ;;
    gcc-mpi)
        configure "$config" gcc -DCMAKE_BUILD_TYPE=Release -DNEARDUP_MPI=ON || ok=0
        ;;
    *)
        echo "check.sh: unknown configuration '$config'" >&2
        exit 2
        ;;
    esac
    [ $ok = 1 ] && { cmake --build "$dir" -j"$JOBS" || ok=0; }
    if [ "$config" = gcc-mpi ]; then
        # Its library and unit tests are gcc-release's; its program differs only in how a
        # scan starts, so the slowest end-to-end tests of other commands (kill loops, the
        # browser, the Gopher reference) are left to gcc-release, to keep CI short.
        [ $ok = 1 ] && { run_ctest "$dir" -L 'e2e|mpi' \
            -E 'valgrind|index_kill|index_corpora|index_bad_archive|gopher|browser|clean_kill' ||
            ok=0; }
    else
        [ $ok = 1 ] && { run_ctest "$dir" || ok=0; }
    fi
    if [ $ok = 1 ] && [ "$config" = clang-fuzz ] && [ "$FUZZ_SECONDS" -gt 0 ]; then
        fuzz "$dir" || ok=0
    fi
    t=$(($(now) - t0))
    if [ $ok = 1 ]; then
        printf '%-12s passed  %4d s\n' "$config" "$t" >>"$SUMMARY"
    else
        printf '%-12s FAILED  %4d s\n' "$config" "$t" >>"$SUMMARY"
        FAILED=1
    fi
done

say "summary"
cat "$SUMMARY"
if [ -s "$SKIPS" ]; then
    printf 'skipped tests:\n'
    sed 's/^ *//' "$SKIPS"
fi
if [ $FAILED = 1 ]; then
    echo "check.sh: FAILED (see above)"
    exit 1
fi
echo "check.sh: all configurations passed"
