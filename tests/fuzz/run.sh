#!/bin/sh
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for
# SECONDS (default 60) on seeds made from testdata/ and ../shared/corpus/.
# Inputs that crash are kept in build-fuzz/artifacts/; turn each into a
# capture in testdata/ with a regression test.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-fuzz_decode fuzz_pipeline fuzz_flow fuzz_reader}
CC=clang cmake -S . -B build-fuzz -DTS_FUZZ=ON -DTS_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p build-fuzz/corpus build-fuzz/artifacts
python3 tests/fuzz/make_seeds.py build-fuzz/corpus
for t in $targets; do
    echo "== $t for ${secs}s"
    ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/tests/fuzz/$t -max_total_time="$secs" \
        -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/artifacts/$t- build-fuzz/corpus/$t 2>build-fuzz/$t.log ||
        { tail -40 build-fuzz/$t.log; echo "$t: FAILED (see build-fuzz/$t.log)"; exit 1; }
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" build-fuzz/$t.log | tr '\n' ' '
    echo
done
