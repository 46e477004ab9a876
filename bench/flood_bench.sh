#!/usr/bin/env bash
# flood_bench.sh - benchmark of the SYN-flood detector: how long after a
# flood's onset the alert starts and how long after its end it ends, at
# 100 to 100,000 SYN/s over background traffic, and what a capture of 10
# million spoofed SYNs costs (wall time, peak RSS, evictions) with the
# default --memcap and with 64M. Builds tcpstates in build-flood-bench/,
# generates the captures with bench/gen_flood.py in a temporary directory
# (deleted at the end unless --keep) and prints tables. Installs nothing.
# Not part of the test suite: nothing passes or fails. See bench/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: bench/flood_bench.sh [options]
  --quick        smaller: no 100,000 SYN/s delay run, 1M-SYN big capture
  --models LIST  server models of the delay runs, comma-separated:
                 cookies,backlog (default both; see bench/gen_flood.py)
  --big-syns N   SYNs in the big capture (default 10000000, --quick 1000000)
  --no-big       leave out the big capture
  -n N           rounds of the four big-capture commands (default 3, --quick 1)
  --keep         keep the captures and the tools' outputs (path printed)
  --no-build     reuse build-flood-bench/ as it is
  --out FILE     also write the tables to FILE
  -h, --help     this text
Environment: TIME_BIN (default /usr/bin/time, GNU time for peak RSS),
             TMPDIR (where the captures go, default /tmp).
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-flood-bench
GEN=$ROOT/bench/gen_flood.py
QUICK=0
MODELS=cookies,backlog
BIG_SYNS=""
REPS=""
DO_BIG=1
KEEP=0
BUILD_IT=1
OUT=""

while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1; shift ;;
        --models) MODELS=$2; shift 2 ;;
        --big-syns) BIG_SYNS=$2; shift 2 ;;
        --no-big) DO_BIG=0; shift ;;
        -n) REPS=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        --no-build) BUILD_IT=0; shift ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "flood_bench.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
for m in ${MODELS//,/ }; do
    case $m in cookies|backlog) ;; *) echo "flood_bench.sh: unknown model '$m'" >&2; exit 2 ;; esac
done
[ -z "$BIG_SYNS" ] && BIG_SYNS=$([ "$QUICK" = 1 ] && echo 1000000 || echo 10000000)
case $BIG_SYNS in ''|*[!0-9]*|0) echo "flood_bench.sh: --big-syns needs a positive number" >&2; exit 2 ;; esac
[ -z "$REPS" ] && REPS=$([ "$QUICK" = 1 ] && echo 1 || echo 3)
case $REPS in ''|*[!0-9]*|0) echo "flood_bench.sh: -n needs a positive number" >&2; exit 2 ;; esac

# the delay runs: rate, flood seconds (t0 = 10 s, capture goes on 20 s after the flood)
RATES=(100 1000 10000 100000)
[ "$QUICK" = 1 ] && RATES=(100 1000 10000)
flood_secs() { [ "$1" -ge 100000 ] && echo 5 || echo 10; }
BIG_RATE=100000
TARGET=198.51.100.10:80

# ---- build ----------------------------------------------------------------
TCPSTATES=$BUILD/tcpstates
if [ "$BUILD_IT" = 1 ]; then
    echo "== building (Release) in $BUILD" >&2
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTS_TESTS=OFF >/dev/null
    cmake --build "$BUILD" --target tcpstates -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
[ -x "$TCPSTATES" ] || { echo "flood_bench.sh: $TCPSTATES missing (drop --no-build)" >&2; exit 1; }

TIME_BIN=${TIME_BIN:-/usr/bin/time}
HAVE_TIME=0
if [ -x "$TIME_BIN" ] && "$TIME_BIN" -f '%e %M' true >/dev/null 2>&1; then
    HAVE_TIME=1
else
    echo "== $TIME_BIN (GNU time) not found: no peak RSS (Debian package 'time')" >&2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcpstates-flood-bench.XXXXXX")
cleanup() {
    if [ "$KEEP" = 1 ]; then echo "== captures and outputs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# run_ts OUTFILE ARGS... : tcpstates ARGS > OUTFILE; sets WALL, RSS_KB, RC
run_ts() {
    local out=$1; shift
    local t0 t1
    RC=0
    t0=$(now)
    if [ "$HAVE_TIME" = 1 ]; then
        "$TIME_BIN" -f '%e %M' -o "$WORK/time" "$TCPSTATES" "$@" >"$out" 2>"$WORK/stderr" || RC=$?
        RSS_KB=$(awk 'END { print $2 }' "$WORK/time")
    else
        "$TCPSTATES" "$@" >"$out" 2>"$WORK/stderr" || RC=$?
        RSS_KB=-
    fi
    t1=$(now)
    WALL=$(elapsed "$t0" "$t1")
    if [ "$RC" != 0 ]; then
        echo "   tcpstates $* exited $RC:" >&2
        sed 's/^/      | /' "$WORK/stderr" | tail -5 >&2
    fi
}

# gen OUT ARGS... : bench/gen_flood.py ARGS -o OUT, its JSON line into OUT.json
gen() {
    local out=$1; shift
    local t0 t1
    t0=$(now)
    python3 "$GEN" "$@" -o "$out" >"$out.json"
    t1=$(now)
    GEN_S=$(elapsed "$t0" "$t1")
}

# summarise INFO.json ALERTS.ndjson METRICS.prom -> one tab-separated line:
# starts ends wrong_target start_delay trigger end_delay evidence_delay peak_syn_rate syns
# evicted(alert) alerts_total(metrics) evicted_total(metrics) distinct_sources
summarise() {
    python3 - "$@" <<'EOF'
import json, sys
info = json.load(open(sys.argv[1]))
events = []
try:
    for line in open(sys.argv[2]):
        line = line.strip()
        if line:
            events.append(json.loads(line))
except (OSError, ValueError):
    pass
metrics = {}
try:
    for line in open(sys.argv[3]):
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            metrics[k] = v.strip()
except OSError:
    pass
ip, port = info["target"].rsplit(":", 1)
alerts = [e for e in events if e.get("event_type") == "alert"]
starts = [e for e in alerts if e["status"] == "start"]
ends = [e for e in alerts if e["status"] == "end"]
wrong = sum(1 for e in starts if (e["target"]["ip"], str(e["target"]["port"])) != (ip, port))
first = starts[0] if starts else None
end = next((e for e in ends if first and e["id"] == first["id"]), None)
last = [e for e in alerts if first and e["id"] == first["id"]]
last = last[-1] if last else None
f = lambda v, d=2: "-" if v is None else ("%.*f" % (d, v))
row = [len(starts), len(ends), wrong,
       f(first["ts"] - info["t0"], 3) if first else "-",
       first["trigger"] if first else "-",
       f(end["ts"] - info["last_syn"]) if end else "-",
       f(end["end_ts"] - info["last_syn"]) if end and end.get("end_ts") is not None else "-",
       last["peak_syn_rate"] if last else "-",
       last["syns"] if last else "-",
       last["evicted"] if last else "-",
       metrics.get("tcpstates_syn_flood_alerts_total", "-"),
       metrics.get("tcpstates_connections_evicted_total", "-"),
       last["distinct_sources"] if last else "-"]
print("\t".join(str(x) for x in row))
EOF
}

TABLE=$WORK/table.txt
: >"$TABLE"
say() { printf '%s\n' "$*" >>"$TABLE"; }

say "tcpstates flood bench: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD -- src include 2>/dev/null || echo ' (src modified)'), $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null), $(date -u '+%Y-%m-%d %H:%M UTC')"
[ "$HAVE_TIME" = 1 ] || say "no GNU time: peak RSS not measured"

# ---- 1. detection delay ------------------------------------------------------
say ""
say "1. Detection delay: 50 legitimate connections/s (RTT 20-50 ms) to $TARGET for the"
say "   whole capture; spoofed SYN flood from t0 = 10 s for 10 s (5 s at 100,000/s); capture"
say "   goes on 20 s after the flood's last SYN. Server: Linux, backlog 128 (gen_flood.py):"
say "   cookies = SYN cookies beyond 128 requests, backlog = SYNs beyond 128 dropped."
say "   start: start event ts - t0; end: end event ts - flood's last SYN; evidence: the end"
say "   event's end_ts - last SYN; run: wall time of tcpstates --alerts-only on the capture."
say "   Targets (the issue): start <= 1 s at >= 1,000 SYN/s, end <= 11 s after the flood."
say ""
say "$(printf '%9s %-8s %9s %9s %-10s %8s %9s %6s %10s %7s  %s' 'SYN/s' server packets 'start s' trigger 'end s' 'evid. s' alerts 'peak SYN/s' 'run s' 'vs targets')"
say "$(printf '%9s %-8s %9s %9s %-10s %8s %9s %6s %10s %7s  %s' --------- -------- --------- --------- ---------- -------- --------- ------ ---------- ------- ----------)"
for rate in "${RATES[@]}"; do
    for model in ${MODELS//,/ }; do
        cap=$WORK/delay-$rate-$model.pcap
        secs=$(flood_secs "$rate")
        echo "== delay: $rate SYN/s for $secs s, $model: generating" >&2
        gen "$cap" delay --rate "$rate" --model "$model" --t0 10 --flood-secs "$secs" --tail 20 --bg-rate 50
        run_ts "$cap.alerts" --alerts-only --metrics "$cap.prom" "$cap"
        pkts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$cap.json")
        IFS=$'\t' read -r starts _ wrong sdelay trig edelay evid peak _ \
            < <(summarise "$cap.json" "$cap.alerts" "$cap.prom")
        verdict=$(awk -v r="$rate" -v s="$sdelay" -v e="$edelay" -v n="$starts" -v w="$wrong" -v rc="$RC" 'BEGIN {
            if (rc != 0) { print "tcpstates failed"; exit }
            if (n == 0) { print "NO ALERT"; exit }
            v = ""
            if (n > 1) v = v sprintf("%d starts; ", n)
            if (w > 0) v = v "wrong target; "
            if (r >= 1000 && s > 1) v = v "start > 1 s; "
            if (r < 1000 && s > 60) v = v "start > 60 s; "
            if (e == "-") v = v "no end; "
            else if (e > 11) v = v "end > 11 s; "
            if (v == "") v = (r >= 1000 ? "met" : "met (no start target below 1,000/s)")
            sub(/; $/, "", v)
            print v }')
        printf '   %s SYN/s %-7s: start %s s (%s), end %s s, %s alert(s), gen %s s, run %s s\n' \
            "$rate" "$model" "$sdelay" "$trig" "$edelay" "$starts" "$GEN_S" "$WALL" >&2
        say "$(printf '%9s %-8s %9s %9s %-10s %8s %9s %6s %10s %7s  %s' "$rate" "$model" "$pkts" "$sdelay" "$trig" \
            "$edelay" "$evid" "$starts" "$peak" "$WALL" "$verdict")"
        [ "$KEEP" = 1 ] || rm -f "$cap"
    done
done

# ---- 2. the big capture --------------------------------------------------------
if [ "$DO_BIG" = 1 ]; then
    big=$WORK/big-$BIG_SYNS.pcap
    bsecs=$(awk -v n="$BIG_SYNS" -v r="$BIG_RATE" 'BEGIN { printf "%g", n / r }')
    echo "== big: $BIG_SYNS spoofed SYNs at $BIG_RATE/s ($bsecs s): generating" >&2
    gen "$big" big --syns "$BIG_SYNS" --rate "$BIG_RATE" --t0 5 --tail 15 --bg-rate 10
    big_gen_s=$GEN_S
    big_pkts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$big.json")
    big_mb=$(du -m "$big" | cut -f1)
    echo "   $big_pkts packets, $big_mb MB, generated in $big_gen_s s" >&2
    tiny=$WORK/tiny.pcap
    gen "$tiny" big --syns 1000 --rate "$BIG_RATE" --t0 1 --tail 1 --bg-rate 10
    tiny_pkts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["packets"])' "$tiny.json")

    say ""
    say "2. Big capture: $BIG_SYNS spoofed SYNs (54-byte frames, the server answers none) at"
    say "   $BIG_RATE SYN/s for $bsecs s to $TARGET from t0 = 5 s, 10 legitimate connections/s"
    say "   for the whole capture, 15 s after the flood: $big_pkts packets, $big_mb MB, generated"
    say "   in $big_gen_s s. Page cache warm; $REPS round(s) of the four commands, alternately."
    say "   alerts-only: --alerts-only > file; json: the full report with -o /dev/null."
    say "   wall s: median (min-max); RSS MB: the highest peak RSS of the rounds; base: peak"
    say "   RSS of the same command on a $tiny_pkts-packet capture; over cap: RSS - base - memcap"
    say "   (MB, negative = under the cap); evicted: summary.evicted (from --metrics); alerts:"
    say "   starts in the output / alerts started (--metrics); start: start ts - t0; syns: the"
    say "   alert's last event; end: end event ts - last SYN. The json runs write nothing but"
    say "   --metrics to read: no per-event columns."
    say ""
    say "$(printf '%-11s %6s %7s %11s %7s %7s %8s %9s %7s %-8s %7s %9s %6s  %s' run memcap 'wall s' 'min-max' 'RSS MB' 'base MB' 'over cap' evicted alerts trigger 'start s' syns 'end s' checks)"
    say "$(printf '%-11s %6s %7s %11s %7s %7s %8s %9s %7s %-8s %7s %9s %6s  %s' ----------- ------ ------- ----------- ------- ------- -------- --------- ------- -------- ------- --------- ------ ------)"
    echo "== big: warming the page cache" >&2
    cat "$big" >/dev/null
    declare -A WALLS=() RSSMAX=() BASE=() RCS=()
    COMBOS=("alerts-only 256M" "json 256M" "alerts-only 64M" "json 64M")
    for memcap in 256M 64M; do
        # 256M is the default: those runs give no --memcap at all
        if [ "$memcap" = 256M ]; then MC=(); else MC=(--memcap "$memcap"); fi
        run_ts /dev/null --alerts-only "${MC[@]}" "$tiny"
        BASE[$memcap]=$RSS_KB
    done
    # rounds of the four commands, alternately, so that drift in the machine's load
    # spreads over all of them; the outputs of the last round are the ones read
    for r in $(seq 1 "$REPS"); do
        for combo in "${COMBOS[@]}"; do
            read -r mode memcap <<<"$combo"
            if [ "$memcap" = 256M ]; then MC=(); else MC=(--memcap "$memcap"); fi
            out=$WORK/big-$mode-$memcap
            rm -f "$out.prom"
            if [ "$mode" = json ]; then
                run_ts /dev/null "${MC[@]}" -o /dev/null --metrics "$out.prom" "$big"
                : >"$out.alerts"
            else
                run_ts "$out.alerts" --alerts-only "${MC[@]}" --metrics "$out.prom" "$big"
            fi
            printf '   round %d/%d %-11s --memcap %-4s %7s s %8s KB\n' "$r" "$REPS" "$mode" "$memcap" "$WALL" "$RSS_KB" >&2
            WALLS[$combo]+="$WALL "
            [ "$RC" = 0 ] || RCS[$combo]=$RC
            if [ "$RSS_KB" != - ] && [ "${RSSMAX[$combo]:-0}" -lt "$RSS_KB" ]; then RSSMAX[$combo]=$RSS_KB; fi
        done
    done
    for combo in "${COMBOS[@]}"; do
        read -r mode memcap <<<"$combo"
        out=$WORK/big-$mode-$memcap
        mc_kb=$(( ${memcap%M} * 1024 ))
        base_kb=${BASE[$memcap]}
        rss_kb=${RSSMAX[$combo]:--}
        # shellcheck disable=SC2086
        wall=$(printf '%s\n' ${WALLS[$combo]} | sort -g | awk '{ v[NR] = $1 } END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f %.2f-%.2f", m, v[1], v[NR] }')
        read -r wall_med wall_range <<<"$wall"
        IFS=$'\t' read -r starts _ wrong sdelay trig edelay _ _ syns _ atot etot _ \
            < <(summarise "$big.json" "$out.alerts" "$out.prom")
        checks=$(awk -v m="$mode" -v n="$starts" -v w="$wrong" -v a="$atot" -v s="$syns" \
            -v want="$BIG_SYNS" -v rss="$rss_kb" -v base="$base_kb" -v mc="$mc_kb" -v rc="${RCS[$combo]:-0}" 'BEGIN {
            if (rc != 0) { print "tcpstates failed (exit " rc ")"; exit }
            v = ""
            if (a != 1) v = v "alerts started: " a "; "
            if (m == "alerts-only") {
                if (n != 1) v = v n " starts; "
                if (w > 0) v = v "wrong target; "
                if (s == "-" || s < want * 0.99 || s > want * 1.01) v = v "syns " s "; "
            }
            if (rss != "-" && base != "-" && rss > mc + base)
                v = v sprintf("RSS %.1f MB over memcap + base; ", (rss - mc - base) / 1024)
            if (v == "") v = (m == "json" ? "1 alert, RSS ok" : "1 start, target, syns, RSS ok")
            sub(/; $/, "", v)
            print v }')
        rss_mb=$(awk -v r="$rss_kb" 'BEGIN { print (r == "-") ? "-" : sprintf("%.1f", r / 1024) }')
        base_mb=$(awk -v r="$base_kb" 'BEGIN { print (r == "-") ? "-" : sprintf("%.1f", r / 1024) }')
        over=$(awk -v r="$rss_kb" -v b="$base_kb" -v mc="$mc_kb" 'BEGIN {
            print (r == "-" || b == "-") ? "-" : sprintf("%+.1f", (r - b - mc) / 1024) }')
        if [ "$mode" = json ]; then  # nothing but --metrics to read
            sdelay=-; trig=-; syns=-; edelay=-; starts=$atot
        else
            starts="$starts/$atot"
        fi
        say "$(printf '%-11s %6s %7s %11s %7s %7s %8s %9s %7s %-8s %7s %9s %6s  %s' "$mode" "$memcap" "$wall_med" \
            "$wall_range" "$rss_mb" "$base_mb" "$over" "$etot" "$starts" "$trig" "$sdelay" "$syns" "$edelay" "$checks")"
    done
    [ "$KEEP" = 1 ] || rm -f "$big"
fi

echo
cat "$TABLE"
if [ -n "$OUT" ]; then
    mkdir -p "$(dirname "$OUT")"
    cp "$TABLE" "$OUT"
    echo "== tables written to $OUT" >&2
fi
