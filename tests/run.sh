#!/bin/sh
# The whole test suite: builds tcpstates twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs every test in each,
# runs the report's helper threads under ThreadSanitizer, then runs each
# libFuzzer target for a minute.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
for variant in release sanitize; do
    dir=build-test-$variant
    if [ "$variant" = sanitize ]; then san=ON; type=Debug; else san=OFF; type=RelWithDebInfo; fi
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=$type -DTS_SANITIZE=$san >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== tests ($variant build)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$dir" --output-on-failure
done
# The report's helper threads under ThreadSanitizer: captures in which
# thousands of flows finish at once (report_pool.c) and flows finish all
# through the capture (report_async.c), in each output format.
echo "== ThreadSanitizer (the report on two cores)"
cmake -S . -B build-test-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTS_TESTS=OFF -DTS_LTO=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_C_FLAGS=-fsanitize=thread \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
cmake --build build-test-tsan -j"$jobs" --target tcpstates
for f in testdata/floods/*.pcap; do
    for fmt in json ndjson text; do
        TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
            build-test-tsan/tcpstates --format "$fmt" "$f" >/dev/null
    done
done
echo "tsan: $(ls testdata/floods/*.pcap | wc -l) captures x 3 formats, no race"
# Each fuzz target for a minute on its seeds (clang's libFuzzer).
echo "== fuzzing (60 s per target)"
tests/fuzz/run.sh 60
echo "fuzz: 4 passed, 0 failed"
