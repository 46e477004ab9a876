#!/usr/bin/env bash
# run.sh - record the SYN-flood reference captures.  For each scenario it builds
# two throw-away network namespaces joined by one veth pair (a "client side"
# that holds the legit client addresses and runs the raw-socket generators, and
# a "server" with the listener), plays the scenario with flood.py, captures it
# with tcpdump (-s 128, tcp only), asks the kernel (ss, nstat) for its view just
# before the capture stops, writes
#   testdata/floods/<name>.pcap   testdata/floods/<name>.truth
# and removes the namespaces (also on failure or Ctrl-C).
#
# usage (as root):  testdata/floods/run.sh [-l] [SCENARIO...]     default: all
# Addresses used, only inside the namespaces it creates: 10.78.0.0/16.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$HERE

ALL_SCENARIOS=(
    flood_nocookies
    flood_stops
    flood_slow
    flood_cookies
    flash_crowd
    port_scan
    backscatter
)

C=10.78.0.1                     # legit client (client side)
CROWD_NET=10.78.0.10-10.78.0.39 # 30 more client addresses (flash crowd)
S=10.78.0.2                     # server
PORT=80
SPOOF=10.78.128.0/17            # spoofed sources / spoofed "servers"
MAC_C=02:78:00:00:00:01; MAC_S=02:78:00:00:00:02
MAX_PCAP=$((3 * 1024 * 1024))

# shellcheck source=testdata/netns_lib.sh
. "$HERE/../netns_lib.sh"
kit_checks '2,13' 'network namespaces, raw sockets, tcpdump' 'ip ss nstat' "$@"
FLOOD="$HERE/flood.py"
KERNEL=$(uname -r)

# ------------------------------------------------------------------ state & cleanup
TAG="tcpfl$$"                       # every namespace of this run is named ${TAG}[cs]
NS_C=${TAG}c; NS_S=${TAG}s
WORK=$(mktemp -d /tmp/tcpstates-floods.XXXXXX)
kit_begin

reap() {  # reap PID: wait for (or SIGKILL) one process we started, forget it
    local p=$1 q keep=()
    kill -0 "$p" 2>/dev/null && { sleep 0.2; kill -KILL "$p" 2>/dev/null; }
    wait "$p" 2>/dev/null
    for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
}

now()      { "$PY" -c 'import time; print("%.6f" % time.time())'; }
at_in()    { "$PY" -c "import time; print('%.6f' % (time.time() + $1))"; }
add()      { awk "BEGIN{printf \"%.6f\", $1 + $2}"; }
sleep_until() {  # sleep_until EPOCH
    local d
    d=$(awk "BEGIN{d = $1 - $(now); printf \"%.3f\", (d > 0 ? d : 0)}")
    sleep "$d"
}
# jget FILE KEY: one value of a JSON summary (floats with 6 decimals, lists joined by ',')
jget() {
    "$PY" -c '
import json, sys
v = json.load(open(sys.argv[1]))[sys.argv[2]]
if isinstance(v, float): print("%.6f" % v)
elif isinstance(v, list): print(",".join(str(x) for x in v) or "none")
else: print(v)' "$1" "$2"
}
check() {  # check DESCRIPTION AWK-CONDITION
    if awk "BEGIN{exit !($2)}"; then log "  ok: $1"; return 0; fi
    log "  CHECK FAILED: $1   [$2]"; return 1
}

mkns() {
    ip netns add "$1" || return 1
    CREATED_NS+=("$1")
    ip -n "$1" link set lo up
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
        net.core.somaxconn=4096 net.ipv4.tcp_syn_retries=6 net.ipv4.tcp_synack_retries=5 \
        net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 >/dev/null
}

offload_off() { nsx "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 \
                    || log "warning: ethtool -K $2 in $1 failed"; }

# topo SYNCOOKIES: client side c0 (10.78.0.1/16 + 10.78.0.10-39) <-> s0 server (10.78.0.2/16)
topo() {
    local cookies=$1 i
    mkns "$NS_C" && mkns "$NS_S" || return 1
    ip link add c0 netns "$NS_C" address $MAC_C type veth peer name s0 netns "$NS_S" address $MAC_S || return 1
    offload_off "$NS_C" c0
    offload_off "$NS_S" s0
    nsx "$NS_C" sysctl -qw net.ipv4.conf.c0.rp_filter=0 >/dev/null || return 1
    nsx "$NS_S" sysctl -qw net.ipv4.conf.s0.rp_filter=0 net.ipv4.tcp_syncookies="$cookies" \
        net.ipv4.tcp_max_syn_backlog=4096 >/dev/null || return 1
    ip -n "$NS_C" addr add $C/16 dev c0
    for i in $(seq 10 39); do ip -n "$NS_C" addr add 10.78.0.$i/16 dev c0; done
    ip -n "$NS_S" addr add $S/16 dev s0
    ip -n "$NS_C" link set c0 up
    ip -n "$NS_S" link set s0 up
    # static neighbours: no ARP at all
    ip -n "$NS_C" neigh replace $S lladdr $MAC_S dev c0 nud permanent
    ip -n "$NS_S" neigh replace $C lladdr $MAC_C dev s0 nud permanent
    for i in $(seq 10 39); do ip -n "$NS_S" neigh replace 10.78.0.$i lladdr $MAC_C dev s0 nud permanent; done
    # the spoofed net lies behind the other side: the server's SYN-ACKs to spoofed sources go to
    # the client side (which drops them: not its address, forwarding off), and the client side's
    # RSTs to spoofed "servers" (backscatter) go to the server side (dropped there likewise)
    ip -n "$NS_S" route add $SPOOF via $C dev s0 || return 1
    ip -n "$NS_C" route add $SPOOF via $S dev c0 || return 1
    [ "$(nsx "$NS_S" sysctl -n net.ipv4.tcp_syncookies)" = "$cookies" ] || { log "tcp_syncookies not set"; return 1; }
}

serve() {  # serve BACKLOG
    spawn "$NS_S" serve "$PY" "$FLOOD" serve --bind $S --port $PORT --backlog "$1" --ready "$D/serve.ready"
    wait_file "$D/serve.ready" 5 "$LAST_PID"
}

cap_start() {  # cap_start NS DEV
    spawn "$1" tcpdump tcpdump -i "$2" -w "$D/cap.pcap" -U -s 128 -B 16384 --immediate-mode -n tcp
    CAP_PID=$LAST_PID
    local n=100
    until grep -q "listening on" "$D/tcpdump.log" 2>/dev/null; do
        kill -0 "$CAP_PID" 2>/dev/null || { log "tcpdump died: $(cat "$D/tcpdump.log")"; return 1; }
        n=$((n - 1)); [ $n -gt 0 ] || { log "tcpdump did not start"; return 1; }
        sleep 0.05
    done
}

# gen NS NAME flood.py-ARGS...: start a generator whose JSON summary goes to $D/NAME.json
gen() {
    local ns=$1 name=$2; shift 2
    spawn "$ns" "$name" "$PY" "$FLOOD" "$@" --log "$D/$name.json"
    eval "PID_$name=$LAST_PID"
}
# done_gen NAME SECONDS: wait for its summary, then reap it
done_gen() {
    local pid; eval "pid=\$PID_$1"
    wait_file "$D/$1.json" "$2" "$pid" || return 1
    reap "$pid"
}

# ------------------------------------------------------------------ truth
kv() { printf '%s %s\n' "$1" "$2" >>"$D/kv"; }

NSTAT_KEYS="TcpPassiveOpens TcpActiveOpens TcpAttemptFails TcpOutRsts TcpRetransSegs TcpExtListenOverflows
TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtTCPReqQFullDoCookies TcpExtSyncookiesSent
TcpExtSyncookiesRecv TcpExtSyncookiesFailed"
nstat_get() { awk -v k="$1" '$1 == k {print $2; f=1} END {if (!f) print 0}' "$D/nstat.txt"; }

# finish NAME EXPECT_ALERT NSTAT_ROLE COMMENT...: snapshot the kernel, stop the capture, tear down,
# write $D/NAME.truth (the scenario added its own keys with kv before)
finish() {
    local name=$1 expect=$2 role=$3; shift 3
    local nsn; [ "$role" = client ] && nsn=$NS_C || nsn=$NS_S
    # the kernel's view, immediately before tcpdump stops
    nsx "$NS_S" ss -tanH state syn-recv "( sport = :$PORT )" >"$D/ss_synrecv.txt" || return 1
    nsx "$nsn" nstat -asz >"$D/nstat.txt" 2>/dev/null || return 1
    cap_stop
    kill_ours
    del_ns
    SS_SYN_RECV=$(grep -c . "$D/ss_synrecv.txt")
    "$PY" "$FLOOD" pcapstat "$D/cap.pcap" --spoof-net $SPOOF >"$D/pcapstat.json" || return 1
    local dropped
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$D/tcpdump.log")
    {
        echo "# testdata/floods/$name.truth - written by testdata/floods/run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "# from: flood.py JSON summaries (flood_*, legit_*, scan_*), ss -tanH state syn-recv in the"
        echo "# server namespace and nstat -asz in the $role namespace just before tcpdump stopped"
        echo "# (ss_syn_recv, nstat_*), the pcap itself (capture_*); see testdata/floods/README.md"
        local c; for c in "$@"; do echo "# $c"; done
        echo "scenario $name"
        echo "kernel $KERNEL"
        cat "$D/kv"
        echo "ss_syn_recv $SS_SYN_RECV"
        echo "capture_first_ts $(jget "$D/pcapstat.json" first_ts)"
        echo "capture_last_ts $(jget "$D/pcapstat.json" last_ts)"
        echo "expect_alert $expect"
        echo "nstat_netns $role"
        local k; for k in $NSTAT_KEYS; do echo "nstat_$k $(nstat_get "$k")"; done
    } >"$D/$name.truth"
    # common checks
    local bytes; bytes=$(stat -c %s "$D/cap.pcap")
    check "pcap size $bytes < $MAX_PCAP" "$bytes < $MAX_PCAP" || return 1
    check "tcpdump dropped ${dropped:-?} packets" "\"${dropped:-x}\" == \"0\"" || return 1
    check "no bad checksums in the capture" "$(jget "$D/pcapstat.json" bad_checksum) == 0" || return 1
    log "  pcap: $(tr -d '{}"' <"$D/pcapstat.json")"
}

# check_gen NAME RATE DURATION: the generator really sent rate*duration packets in duration seconds
check_gen() {
    local j="$D/$1.json" rate=$2 dur=$3 sent first last
    sent=$(jget "$j" sent); first=$(jget "$j" first_send); last=$(jget "$j" last_send)
    check "$1 sent $sent of $rate/s * $dur s (within 5%)" \
        "$sent >= 0.95 * $rate * $dur && $sent <= 1.05 * $rate * $dur" || return 1
    check "$1 spread over $(awk "BEGIN{printf \"%.3f\", $last - $first}") s of $dur s (within 5%)" \
        "($last - $first) >= 0.95 * $dur - 1 / $rate && ($last - $first) <= 1.05 * $dur" || return 1
}
kv_gen() {  # kv_gen NAME RATE: the flood_* keys from a generator's summary
    kv flood_rate "$2"
    kv flood_first_send "$(jget "$D/$1.json" first_send)"
    kv flood_last_send "$(jget "$D/$1.json" last_send)"
    kv flood_sent "$(jget "$D/$1.json" sent)"
    kv flood_distinct_sources "$(jget "$D/$1.json" distinct_sources)"
}
kv_crowd() {  # kv_crowd NAME: the legit_* keys from a crowd summary
    kv legit_attempted "$(jget "$D/$1.json" attempted)"
    kv legit_completed "$(jget "$D/$1.json" completed)"
    kv legit_first_start "$(jget "$D/$1.json" first_start)"
    kv legit_last_start "$(jget "$D/$1.json" last_start)"
}
kv_common() {  # kv_common SYNCOOKIES BACKLOG
    kv syncookies "$1"
    kv backlog "$2"
    kv target "$S:$PORT"
}

# ------------------------------------------------------------------ scenarios

sc_flood_nocookies() {
    topo 0 && serve 128 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_C" flood syn --dst $S --dport $PORT --rate 2000 --duration 4 --src-net $SPOOF --seed 1 --start-at "$t0"
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 20 --rate 5 --timeout 5 \
        --deadline "$(add "$t0" 5)" --start-at "$t0"
    done_gen flood 12 && done_gen legit 12 || return 1
    sleep_until "$(add "$(jget "$D/flood.json" last_send)" 1)"
    kv_common 0 128; kv_gen flood 2000; kv_crowd legit
    finish flood_nocookies yes server \
        "scenario: tcp_syncookies=0, listener $S:$PORT backlog 128; spoofed SYN flood 2000/s for 4 s from random" \
        "sources in $SPOOF (flood.py syn, raw socket in the client namespace); meanwhile 20 legit connections from $C," \
        "one every 0.2 s from the flood's start, each abandoned at flood start + 5 s; snapshot 1 s after the last SYN;" \
        "captured on the server's veth s0" || return 1
    check_gen flood 2000 4 || return 1
    check "ss shows SYN-RECV at the snapshot ($SS_SYN_RECV)" "$SS_SYN_RECV > 0" || return 1
    check "SYNs captured >= 95% of sent" "$(jget "$D/pcapstat.json" syn_from_spoofed) >= 0.95 * $(jget "$D/flood.json" sent)"
}

sc_flood_stops() {
    topo 0 && serve 128 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.3)
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 40 --rate 2 --timeout 10 \
        --deadline "$(add "$t0" 19.9)" --start-at "$t0"
    gen "$NS_C" flood syn --dst $S --dport $PORT --rate 1000 --duration 3 --src-net $SPOOF --seed 2 \
        --start-at "$(add "$t0" 2)"
    done_gen flood 10 || return 1
    done_gen legit 20 || return 1
    sleep_until "$(add "$(jget "$D/flood.json" last_send)" 15)"
    kv_common 0 128; kv_gen flood 1000; kv_crowd legit
    finish flood_stops yes server \
        "scenario: tcp_syncookies=0, listener $S:$PORT backlog 128; a legit connection from $C every 0.5 s for the" \
        "whole capture (40, each given up after 10 s); spoofed SYN flood 1000/s for 3 s starting 2 s into it; the" \
        "capture goes on for 15 s after the flood's last SYN; captured on the server's veth s0" || return 1
    check_gen flood 1000 3 || return 1
    local qd; qd=$(nstat_get TcpExtTCPReqQFullDrop)
    check "the kernel dropped SYNs on a full SYN queue (TCPReqQFullDrop $qd)" "$qd > 0" || return 1
    check "SYNs captured >= 95% of sent" "$(jget "$D/pcapstat.json" syn_from_spoofed) >= 0.95 * $(jget "$D/flood.json" sent)"
}

sc_flood_slow() {
    topo 0 && serve 128 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_C" flood syn --dst $S --dport $PORT --rate 20 --duration 60 --src-net $SPOOF --seed 3 --start-at "$t0"
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 60 --rate 1 --timeout 5 \
        --deadline "$(add "$t0" 61)" --start-at "$t0"
    done_gen flood 70 && done_gen legit 10 || return 1
    sleep_until "$(add "$(jget "$D/flood.json" last_send)" 1)"
    kv_common 0 128; kv_gen flood 20; kv_crowd legit
    finish flood_slow yes server \
        "scenario: tcp_syncookies=0, listener $S:$PORT backlog 128; slow spoofed SYN flood 20/s for 60 s (below the" \
        "200/s rate threshold: the change detector must catch it); a legit connection from $C every second" \
        "(each given up after 5 s); snapshot 1 s after the last SYN; captured on the server's veth s0" || return 1
    check_gen flood 20 60 || return 1
    check "ss shows SYN-RECV at the snapshot ($SS_SYN_RECV)" "$SS_SYN_RECV > 0" || return 1
    check "SYNs captured >= 95% of sent" "$(jget "$D/pcapstat.json" syn_from_spoofed) >= 0.95 * $(jget "$D/flood.json" sent)"
}

sc_flood_cookies() {
    topo 1 && serve 128 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_C" flood syn --dst $S --dport $PORT --rate 3000 --duration 3 --src-net $SPOOF --seed 4 --start-at "$t0"
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 10 --rate 3.5 --timeout 5 \
        --deadline "$(add "$t0" 4)" --start-at "$t0"
    done_gen flood 10 && done_gen legit 10 || return 1
    sleep_until "$(add "$(jget "$D/flood.json" last_send)" 1)"
    kv_common 1 128; kv_gen flood 3000; kv_crowd legit
    finish flood_cookies yes server \
        "scenario: tcp_syncookies=1 (the default), listener $S:$PORT backlog 128; spoofed SYN flood 3000/s for 3 s;" \
        "once the SYN queue is full the kernel answers with SYN cookies; 10 legit connections from $C over the" \
        "flood (one every 0.29 s); snapshot 1 s after the last SYN; captured on the server's veth s0" || return 1
    check_gen flood 3000 3 || return 1
    local cs; cs=$(nstat_get TcpExtSyncookiesSent)
    check "the kernel sent SYN cookies ($cs)" "$cs > 0" || return 1
    check "SYNs captured >= 95% of sent" "$(jget "$D/pcapstat.json" syn_from_spoofed) >= 0.95 * $(jget "$D/flood.json" sent)"
}

sc_flash_crowd() {
    topo 1 && serve 4096 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_C" legit crowd --src $CROWD_NET --dst $S --dport $PORT --count 2000 --rate 1500 \
        --concurrency 1000 --timeout 10 --start-at "$t0"
    done_gen legit 20 || return 1
    sleep 1
    kv_common 1 4096; kv_crowd legit
    kv legit_sources 30
    kv legit_last_done "$(jget "$D/legit.json" last_done)"
    finish flash_crowd no server \
        "scenario: tcp_syncookies=1, listener $S:$PORT backlog 4096; flash crowd: 2000 real connections paced at" \
        "1500/s from the 30 addresses $CROWD_NET (round robin), each a request line, a reply line, close;" \
        "nothing spoofed; snapshot 1 s after the last one; captured on the server's veth s0" || return 1
    local ndone first lastd
    ndone=$(jget "$D/legit.json" completed); first=$(jget "$D/legit.json" first_start)
    lastd=$(jget "$D/legit.json" last_done)
    check "all 2000 connections completed ($ndone)" "$ndone == 2000" || return 1
    check "within ~1-2 s ($(awk "BEGIN{printf \"%.3f\", $lastd - $first}") s)" "$lastd - $first <= 2.5"
}

sc_port_scan() {
    topo 1 && serve 128 && cap_start "$NS_S" s0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_C" scan scan --src $C --dst $S --ports 1-3000 --concurrency 256 --timeout 1 --start-at "$t0"
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 5 --rate 5 --timeout 5 --start-at "$t0"
    done_gen scan 15 && done_gen legit 10 || return 1
    sleep 0.5
    kv_common 1 128; kv_crowd legit
    kv scan_source $C
    kv scan_ports 1-3000
    kv scan_first_send "$(jget "$D/scan.json" first_send)"
    kv scan_last_send "$(jget "$D/scan.json" last_send)"
    kv scan_open "$(jget "$D/scan.json" open)"
    kv scan_refused "$(jget "$D/scan.json" refused)"
    finish port_scan no server \
        "scenario: listener on $S:$PORT only (tcp_syncookies=1, backlog 128); a connect() scan of ports 1-3000 of" \
        "$S from $C as fast as possible (256 in flight): every closed port answers RST/ACK; port $PORT opens" \
        "and is closed at once; plus 5 normal connections from $C; captured on the server's veth s0" || return 1
    check "scan: port $PORT open" "\"$(jget "$D/scan.json" open)\" == \"$PORT\"" || return 1
    check "scan: 2999 refused" "$(jget "$D/scan.json" refused) == 2999" || return 1
    check "legit: 5 completed" "$(jget "$D/legit.json" completed) == 5"
}

sc_backscatter() {
    topo 1 && serve 128 && cap_start "$NS_C" c0 || return 1
    local t0; t0=$(at_in 0.5)
    gen "$NS_S" flood synack --dst $C --dport-range 1024-65535 --rate 2000 --duration 3 --src-net $SPOOF \
        --seed 7 --start-at "$t0"
    gen "$NS_C" legit crowd --src $C --dst $S --dport $PORT --count 5 --rate 2 --timeout 5 --start-at "$t0"
    done_gen flood 10 && done_gen legit 10 || return 1
    sleep_until "$(add "$(jget "$D/flood.json" last_send)" 1)"
    kv_common 1 128; kv_gen flood 2000; kv_crowd legit
    kv backscatter_victim $C
    finish backscatter no client \
        "scenario: reflection backscatter: 2000 unsolicited SYN-ACKs/s for 3 s from random spoofed servers in" \
        "$SPOOF (source port 80 or 443) to random ports 1024-65535 of $C (flood.py synack, raw socket in the server" \
        "namespace); $C's kernel answers each with a RST; plus 5 normal connections $C -> $S:$PORT; snapshot 1 s" \
        "after the last SYN-ACK; captured on the client's (victim's) veth c0; flood_* describe the SYN-ACKs" || return 1
    check_gen flood 2000 3 || return 1
    local sent; sent=$(jget "$D/flood.json" sent)
    check "SYN-ACKs captured >= 95% of sent" "$(jget "$D/pcapstat.json" synack_from_spoofed) >= 0.95 * $sent" || return 1
    check "the victim's RSTs captured >= 95% of sent" "$(jget "$D/pcapstat.json" rst_to_spoofed) >= 0.95 * $sent" || return 1
    check "legit: 5 completed" "$(jget "$D/legit.json" completed) == 5"
}

# ------------------------------------------------------------------ driver
run_one() {  # run_one NAME ATTEMPT
    local name=$1
    D="$WORK/$name.$2"
    mkdir -p "$D"
    : >"$D/kv"
    local rc=0
    "sc_$name" || rc=1
    kill_ours                      # no-op after finish; cleans up after a failure
    del_ns
    if [ $rc = 0 ]; then
        cp "$D/cap.pcap" "$OUT/$name.pcap" && cp "$D/$name.truth" "$OUT/$name.truth" || return 1
        grep -v '^#' "$OUT/$name.truth" | grep -v '^nstat_' | sed 's/^/    /' >&2
    else
        show_logs
    fi
    return $rc
}

START=$(date +%s.%N)
FAILED=()
for name in "${SCENARIOS[@]}"; do
    log "=== $name"
    ok=0
    for attempt in 1 2 3; do
        if run_one "$name" $attempt; then ok=1; break; fi
        log "$name: attempt $attempt failed"
    done
    [ $ok = 1 ] || FAILED+=("$name")
done
log "done in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $START}") s; outputs in $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then
    log "FAILED: ${FAILED[*]}"
    exit 1
fi
