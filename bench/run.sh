#!/usr/bin/env bash
# run.sh - throughput benchmark of tcpstates against the plain libpcap read
# loop, a buffered read loop, and (when installed) tcpdump, tcptrace, tshark
# and argus. Builds what it needs, generates the capture(s) with
# bench/gen_capture.py if missing, runs every command alternately with the
# page cache warm and prints a table of medians. Installs nothing.
# Not part of the test suite. See bench/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/run.sh [options]
  -n N          runs per command (default 5)
  -t N          runs for tshark, which is slow (default 3; capped at -n)
  --10m         also benchmark a 10,000,000-packet capture and print the
                10M/1M time ratios (linearity); the 10M table leaves out
                tshark, tcptrace and argus unless they are named in --only
  --only LIST   comma-separated subset of:
                plain,buffered,json,text,tcpdump,tcptrace,tshark,argus
                (plain is always run: it is the baseline and the packet count)
  --file FILE   benchmark FILE instead of the generated 1M capture
  --no-build    reuse build-bench/ as it is (no cmake, no cc)
  --runs FILE   also write every run as TSV to FILE
  --memory MODE what memory each timed run starts with (see bench/README.md):
                primed (default): just before it, a helper touches and frees
                  BENCH_PRIME_MB MiB, so its pages are ones the host still backs;
                cold: a pause of BENCH_PAUSE s before it, so that a virtual
                  machine reporting free memory to its host has given it back
                  (not exact: see bench/README.md);
                as-is: neither (each run inherits what the previous one freed)
  -h, --help    this text
Environment: TIME_BIN (default /usr/bin/time), BENCH_1M (default /tmp/tcpstates-bench-1M.pcap),
             BENCH_10M (default /tmp/tcpstates-bench-10M.pcap), BENCH_PRIME_MB
             (default 1280), BENCH_PAUSE (default 10).
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-bench
REPS=5
TSHARK_REPS=3
DO_10M=0
ONLY=""
FILE=""
BUILD_IT=1
RUNS_OUT=""
MEMORY=primed
PRIME_MB=${BENCH_PRIME_MB:-1280}
PAUSE=${BENCH_PAUSE:-10}
CAP_1M=${BENCH_1M:-/tmp/tcpstates-bench-1M.pcap}
CAP_10M=${BENCH_10M:-/tmp/tcpstates-bench-10M.pcap}

while [ $# -gt 0 ]; do
    case $1 in
        -n|-t|--only|--file|--runs|--memory)
            [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; } ;;
    esac
    case $1 in
        -n) REPS=$2; shift 2 ;;
        -t) TSHARK_REPS=$2; shift 2 ;;
        --10m) DO_10M=1; shift ;;
        --only) ONLY=$2; shift 2 ;;
        --file) FILE=$2; shift 2 ;;
        --no-build) BUILD_IT=0; shift ;;
        --runs) RUNS_OUT=$2; shift 2 ;;
        --memory) MEMORY=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
case $REPS in ''|*[!0-9]*|0) echo "run.sh: -n needs a positive number" >&2; exit 2 ;; esac
case $TSHARK_REPS in ''|*[!0-9]*|0) echo "run.sh: -t needs a positive number" >&2; exit 2 ;; esac
[ "$TSHARK_REPS" -gt "$REPS" ] && TSHARK_REPS=$REPS
if [ -n "$FILE" ] && [ "$DO_10M" = 1 ]; then
    echo "run.sh: --file and --10m do not go together" >&2; exit 2
fi

case $MEMORY in
    primed|cold|as-is) ;;
    *) echo "run.sh: --memory is primed, cold or as-is, not '$MEMORY'" >&2; exit 2 ;;
esac
case $PRIME_MB in ''|*[!0-9]*|0) echo "run.sh: BENCH_PRIME_MB needs a positive number of MiB" >&2; exit 2 ;; esac
case $PAUSE in ''|*[!0-9.]*|.) echo "run.sh: BENCH_PAUSE needs a number of seconds" >&2; exit 2 ;; esac

ALL_CMDS=(plain buffered json text tcpdump tcptrace tshark argus)
SLOW_CMDS=" tcptrace tshark argus "
selected() { [ -z "$ONLY" ] || [ "$1" = plain ] || [[ ",$ONLY," == *",$1,"* ]]; }
if [ -n "$ONLY" ]; then
    for c in ${ONLY//,/ }; do
        [[ " ${ALL_CMDS[*]} " == *" $c "* ]] || { echo "run.sh: unknown command '$c' in --only" >&2; exit 2; }
    done
fi

# ---- build ----------------------------------------------------------------
TCPSTATES=$BUILD/tcpstates
LOOP_PLAIN=$BUILD/loop_plain
LOOP_BUFFERED=$BUILD/loop_buffered
TOUCH_MEMORY=$BUILD/touch_memory
if [ "$BUILD_IT" = 1 ]; then
    echo "== building (Release) in $BUILD" >&2
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTS_TESTS=OFF >/dev/null
    cmake --build "$BUILD" --target tcpstates -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
    CC=${CC:-cc}
    "$CC" -O2 -o "$LOOP_PLAIN" "$ROOT/bench/loop_plain.c" -lpcap
    "$CC" -O2 -o "$LOOP_BUFFERED" "$ROOT/bench/loop_buffered.c" -lpcap
    "$CC" -O2 -o "$TOUCH_MEMORY" "$ROOT/bench/touch_memory.c"
fi
NEEDED=("$TCPSTATES" "$LOOP_PLAIN" "$LOOP_BUFFERED")
[ "$MEMORY" = primed ] && NEEDED+=("$TOUCH_MEMORY")
for b in "${NEEDED[@]}"; do
    [ -x "$b" ] || { echo "run.sh: $b missing (drop --no-build)" >&2; exit 1; }
done

# ---- captures ---------------------------------------------------------------
gen_capture() { # FILE PACKETS
    if [ ! -s "$1" ]; then
        echo "== generating $1 ($2 packets; takes about $(( $2 / 80000 + 1 )) s)" >&2
        python3 "$ROOT/bench/gen_capture.py" --packets "$2" -o "$1.tmp" && mv "$1.tmp" "$1"
    fi
}
if [ -n "$FILE" ]; then
    [ -r "$FILE" ] || { echo "run.sh: cannot read $FILE" >&2; exit 1; }
    CAP_1M=$FILE
else
    gen_capture "$CAP_1M" 1000000
fi
[ "$DO_10M" = 1 ] && gen_capture "$CAP_10M" 10000000

# ---- measuring --------------------------------------------------------------
TIME_BIN=${TIME_BIN:-/usr/bin/time}   # GNU time; any other path to test the fallback
HAVE_TIME=0
if [ -x "$TIME_BIN" ] && "$TIME_BIN" -f '%e %M' true >/dev/null 2>&1; then
    HAVE_TIME=1
else
    echo "== $TIME_BIN (GNU time) not found: wall time only, no peak RSS" >&2
fi
have() { command -v "$1" >/dev/null 2>&1; }
now() { # seconds with microseconds
    if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}

# argv of command NAME on FILE; stdout of every command goes to /dev/null
cmd_argv() {
    case $1 in
        plain)    ARGV=("$LOOP_PLAIN" "$2") ;;
        buffered) ARGV=("$LOOP_BUFFERED" "$2") ;;
        json)     ARGV=("$TCPSTATES" "$2") ;;
        text)     ARGV=("$TCPSTATES" --format text "$2") ;;
        tcpdump)  ARGV=(tcpdump -r "$2" -w /dev/null) ;;
        tcptrace) ARGV=(tcptrace -n "$2") ;;
        tshark)   ARGV=(tshark -q -z 'conv,tcp' -r "$2") ;;
        argus)    ARGV=(argus -X -r "$2" -w -) ;;
    esac
}
cmd_label() {
    case $1 in
        plain)    echo "libpcap loop (plain)" ;;
        buffered) echo "libpcap loop (256K buf)" ;;
        json)     echo "tcpstates FILE" ;;
        text)     echo "tcpstates --format text" ;;
        tcpdump)  echo "tcpdump -r -w /dev/null" ;;
        tcptrace) echo "tcptrace -n" ;;
        tshark)   echo "tshark -q -z conv,tcp" ;;
        argus)    echo "argus -X -r -w -" ;;
    esac
}
cmd_available() {
    case $1 in
        plain|buffered|json|text) return 0 ;;
        *) have "$1" ;;
    esac
}

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
[ -n "$RUNS_OUT" ] && printf 'capture\tcommand\trun\twall_s\tpeak_rss_kb\texit\n' >"$RUNS_OUT"

# What memory the next timed run starts with (--memory).
settle_memory() {
    case $MEMORY in
        primed) "$TOUCH_MEMORY" "$PRIME_MB" >/dev/null || {
                    echo "run.sh: $TOUCH_MEMORY $PRIME_MB failed" >&2; exit 1; } ;;
        cold) sleep "$PAUSE" ;;
    esac
}

# Does this machine's balloon device report free memory to the host
# (virtio-balloon, feature bit 5: VIRTIO_BALLOON_F_REPORTING)?
free_page_reporting() {
    local d
    for d in /sys/bus/virtio/devices/*; do
        [ "$(cat "$d/device" 2>/dev/null)" = 0x0005 ] || continue
        [ "$(cut -c6 "$d/features" 2>/dev/null)" = 1 ] && { echo on; return; }
    done
    echo off
}

# run_one NAME FILE -> sets WALL, RSS_KB, RC
run_one() {
    cmd_argv "$1" "$2"
    local t0 t1
    RC=0
    settle_memory
    if [ "$HAVE_TIME" = 1 ]; then
        t0=$(now)
        "$TIME_BIN" -f '%e %M' -o "$TMPD/time" "${ARGV[@]}" >/dev/null 2>"$TMPD/stderr" || RC=$?
        t1=$(now)
        RSS_KB=$(awk 'END { print $2 }' "$TMPD/time")
    else
        t0=$(now)
        "${ARGV[@]}" >/dev/null 2>"$TMPD/stderr" || RC=$?
        t1=$(now)
        RSS_KB=-
    fi
    WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
}

median() { # numbers as arguments; '-' when none
    [ $# -eq 0 ] && { echo -; return; }
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench CAPTURE TAG COMMANDS... ; prints the table, sets MED_<cmd>_<tag>
bench() {
    local cap=$1 tag=$2; shift 2
    local cmds=("$@") c r
    echo "== $cap: warming the page cache" >&2
    cat "$cap" >/dev/null
    local pkts
    if ! pkts=$("$LOOP_PLAIN" "$cap" 2>"$TMPD/stderr"); then
        echo "run.sh: libpcap cannot read $cap:" >&2; cat "$TMPD/stderr" >&2; exit 1
    fi
    declare -gA WALLS RSSS FAILS
    for c in "${cmds[@]}"; do WALLS[$c]=""; RSSS[$c]=""; FAILS[$c]=0; done
    for r in $(seq 1 "$REPS"); do
        for c in "${cmds[@]}"; do
            if [ "$c" = tshark ] && [ "$r" -gt "$TSHARK_REPS" ]; then continue; fi
            run_one "$c" "$cap"
            printf '   round %d/%d %-9s %8.3f s %10s KB%s\n' "$r" "$REPS" "$c" "$WALL" "$RSS_KB" \
                "$([ "$RC" = 0 ] || echo "  exit $RC")" >&2
            [ -n "$RUNS_OUT" ] && printf '%s\t%s\t%d\t%s\t%s\t%d\n' "$cap" "$c" "$r" "$WALL" "$RSS_KB" "$RC" >>"$RUNS_OUT"
            if [ "$RC" != 0 ]; then
                FAILS[$c]=$((FAILS[$c] + 1))
                sed 's/^/      | /' "$TMPD/stderr" | tail -5 >&2
                continue
            fi
            WALLS[$c]+="$WALL "
            [ "$RSS_KB" != - ] && RSSS[$c]+="$RSS_KB "
        done
    done
    local base_plain base_buf
    # shellcheck disable=SC2086
    base_plain=$(median ${WALLS[plain]})
    # shellcheck disable=SC2086
    base_buf=$( [ -n "${WALLS[buffered]:-}" ] && median ${WALLS[buffered]} || echo -)
    echo
    local note=""
    [[ " ${cmds[*]} " == *" tshark "* ]] && [ "$TSHARK_REPS" -lt "$REPS" ] && note=" (tshark $TSHARK_REPS)"
    echo "capture: $cap ($pkts packets, $(du -m "$cap" | cut -f1) MB), runs: $REPS$note"
    printf '%-26s %5s %9s %8s %8s %11s %9s\n' command runs "median s" "x plain" "x buf" "packets/s" "RSS MB"
    printf '%-26s %5s %9s %8s %8s %11s %9s\n' -------------------------- ----- --------- -------- -------- ----------- ---------
    for c in "${cmds[@]}"; do
        local n med rss
        # shellcheck disable=SC2086
        n=$(set -- ${WALLS[$c]}; echo $#)
        # shellcheck disable=SC2086
        med=$(median ${WALLS[$c]})
        # shellcheck disable=SC2086
        rss=$(median ${RSSS[$c]})
        eval "MED_${c}_${tag}=\$med"
        awk -v l="$(cmd_label "$c")" -v n="$n" -v f="${FAILS[$c]}" -v m="$med" -v p="$base_plain" \
            -v b="$base_buf" -v k="$pkts" -v r="$rss" 'BEGIN {
            runs = n (f ? "+" f "F" : "")
            if (m == "-") { printf "%-26s %5s %9s\n", l, runs, "failed"; exit }
            xp = (p == "-" || p == 0) ? "-" : sprintf("%.2f", m / p)
            xb = (b == "-" || b == 0) ? "-" : sprintf("%.2f", m / b)
            pps = m > 0 ? sprintf("%.0f", k / m) : "-"
            rs = (r == "-") ? "-" : sprintf("%.1f", r / 1024)
            printf "%-26s %5s %9.3f %8s %8s %11s %9s\n", l, runs, m, xp, xb, pps, rs }'
    done
    eval "PKTS_${tag}=\$pkts"
}

# ---- the runs ---------------------------------------------------------------
CMDS=()
SKIPPED=()
for c in "${ALL_CMDS[@]}"; do
    selected "$c" || continue
    if cmd_available "$c"; then CMDS+=("$c"); else SKIPPED+=("$c"); fi
done

echo "tcpstates bench: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' (src modified)'), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)"
[ ${#SKIPPED[@]} -gt 0 ] && echo "not installed, skipped: ${SKIPPED[*]}"
[ "$HAVE_TIME" = 1 ] || echo "no GNU time: peak RSS not measured"
case $MEMORY in
    primed) echo "memory: primed (${PRIME_MB} MiB touched and freed just before each run)" ;;
    cold) echo "memory: cold (${PAUSE} s pause before each run; how much the host has taken back varies)" ;;
    as-is) echo "memory: as-is (each run inherits what the previous one freed)" ;;
esac
echo "free page reporting to the host (virtio-balloon): $(free_page_reporting)"

bench "$CAP_1M" 1M "${CMDS[@]}"

if [ "$DO_10M" = 1 ]; then
    CMDS10=()
    for c in "${CMDS[@]}"; do
        if [[ $SLOW_CMDS == *" $c "* ]] && [[ ",$ONLY," != *",$c,"* ]]; then continue; fi
        CMDS10+=("$c")
    done
    bench "$CAP_10M" 10M "${CMDS10[@]}"
    echo
    echo "linearity, 10M/1M (packets ratio $(awk -v a="$PKTS_10M" -v b="$PKTS_1M" 'BEGIN { printf "%.2f", a / b }')):"
    for c in "${CMDS10[@]}"; do
        a=MED_${c}_10M b=MED_${c}_1M
        awk -v l="$(cmd_label "$c")" -v a="${!a}" -v b="${!b}" -v pa="$PKTS_10M" -v pb="$PKTS_1M" 'BEGIN {
            if (a == "-" || b == "-" || b == 0) { printf "  %-26s -\n", l; exit }
            printf "  %-26s time ratio %6.2f   per-packet cost ratio %5.2f\n", l, a / b, (a / pa) / (b / pb) }'
    done
fi
