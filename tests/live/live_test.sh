#!/usr/bin/env bash
# live_test.sh - drive tcpstates on a live interface against real Linux TCP
# connections and record what happened; tests/test_live.c checks the results.
#
# usage (as root):  tests/live/live_test.sh OUTDIR TCPSTATES_BINARY
#
# Exit status: 0 everything was driven (the checks are test_live.c's job);
# 77 skipped (not root, no `ip netns`, a tool missing: OUTDIR/skip says why);
# anything else: the driver itself failed (OUTDIR/log says where).
#
# Topology: two throw-away namespaces tslv<PID>c (client) and tslv<PID>s
# (server) joined by one veth, lvc0 <-> lvs0, offloads off so that every
# segment on the wire is a real one, IPv6 off so that the interface is quiet,
# static neighbour entries (no ARP).  Only 10.77.50.0/24 is used, and only
# inside these namespaces:
#   client lvc0 02:77:50:00:00:01 10.77.50.1
#   server lvs0 02:77:50:00:00:02 10.77.50.2   (listens on 8080; nothing on 8081)
#   10.77.50.99: nobody.  The SYN flood comes "from" it; the server's
#   neighbour entry sends its SYN-ACKs to the unused MAC 02:77:50:00:00:99,
#   so they go nowhere (the client kernel drops them as PACKET_OTHERHOST;
#   tcpstates, capturing lvc0 in promiscuous mode, still sees them).
#
# tcpstates runs in the client namespace:
#   tcpstates -i lvc0 --format ndjson --stats-interval 1 -Z root --msl 2 --timeline
# (--timeline so that the test can see when the client's TIME_WAIT began and
# expired).  The steps, each connection on its own client port:
#   case 1  41001  normal close, client first; `ss` right after it closes
#                  (ss_case1_*): client TIME-WAIT, server gone;
#   case 6  pause  nothing is sent until tcpstates has written case 1's flow
#   (during case 5 two more run: --alerts-only until SIGINT, and
#   --check --metrics live.prom --duration 8)
#                  (its TIME_WAIT expires after 2 x MSL = 4 s); the NDJSON file
#                  is copied the moment the line is there (pause.ndjson);
#   case 2  41002  the server never closes: client FIN-WAIT-2, server CLOSE-WAIT;
#   case 3  41003  abortive close, SO_LINGER {1,0}: RST, both gone;
#   case 4  41004  SYN to port 8081 (no listener): RST, both gone;
#   case 5  flood  200 SYNs from 10.77.50.99, ports 30000-30199, with
#                  tcp_syncookies=0 on the server: SYN-RECV sockets; then
#                  5 s more, so each is half_open (--syn-timeout 3) at the end;
#   then `ss -tanoH` in both namespaces (ss_final_*), a copy of the NDJSON
#   (pre_sigint.ndjson), SIGINT, and the exit status;
#   idle    a second `tcpstates -i lvc0` (defaults) on the quiet interface,
#           SIGINT after it has installed its handlers: how long it takes to
#           exit, and its status.
#
# OUTDIR receives: log, times ("NAME EPOCH_SECONDS" lines), namespaces,
# netns_before, netns_after, tcpstates.ndjson/.err/.status, pause.ndjson,
# pre_sigint.ndjson, ss_case1_{client,server}, ss_final_{client,server},
# idle.ndjson/.err/.status, flood.count (SYN-RECV sockets seen), peers' logs.
#
# Every process it starts is ended by pid, and the EXIT trap deletes the
# namespaces it created whatever happens (also on SIGINT/SIGTERM).
set -eu

OUT=${1:?usage: live_test.sh OUTDIR TCPSTATES_BINARY}
BIN=${2:?usage: live_test.sh OUTDIR TCPSTATES_BINARY}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
rm -f "$OUT"/*

log()   { printf '[live_test.sh %s] %s\n' "$(date +%T.%3N)" "$*" >>"$OUT/log"; }
die()   { log "ERROR: $*"; exit 1; }
skip()  { echo "$*" >"$OUT/skip"; log "SKIP: $*"; exit 77; }
stamp() { echo "$1 $(date +%s.%N)" >>"$OUT/times"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ------------------------------------------------------------------ prerequisites
[ "$(id -u)" = 0 ] || skip "not root: live capture and network namespaces need root"
for t in ip ss ethtool python3 awk; do
    command -v "$t" >/dev/null 2>&1 || skip "'$t' is not installed"
done
ip netns list >/dev/null 2>&1 || skip "'ip netns' does not work here"
[ -x "$BIN" ] || die "no tcpstates binary at $BIN"
PY=$(python3 -c 'import sys; print(sys.executable)') || skip "python3 does not run"

TAG="tslv$$"
NS_C=${TAG}c; NS_S=${TAG}s
C4=10.77.50.1; S4=10.77.50.2; NOBODY=10.77.50.99
MAC_C=02:77:50:00:00:01; MAC_S=02:77:50:00:00:02; MAC_NOBODY=02:77:50:00:00:99
FLOOD_BASE=30000; FLOOD_COUNT=200
CREATED_NS=""
PIDS=""
TS_PID=""; SRV_PID=""; IDLE_PID=""

cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    set +e
    for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
    for p in $PIDS; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    for ns in $CREATED_NS; do ip netns del "$ns" 2>/dev/null || log "could not delete $ns"; done
    ip netns list >"$OUT/netns_after" 2>&1
    log "exit $rc"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

forget() {  # forget PID: it has been reaped
    local p keep=""
    for p in $PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
    PIDS=$keep
}

# until_ok MS CMD...: run CMD every 50 ms until it succeeds; status 1 after MS ms
until_ok() {
    local end=$(( $(now_ms) + $1 )); shift
    until "$@"; do
        [ "$(now_ms)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

alive() { kill -0 "$1" 2>/dev/null; }

# handlers_installed PID: its SigCgt mask has SIGINT (bit 1)
handlers_installed() {
    local m
    m=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$m" ] && (( (16#$m & 2) != 0 ))
}

# (processes started in the background call `ip netns exec` directly, never
# through this function: `ip netns exec` execs its command, so $! is then the
# command's own pid, which signals and `wait` must reach)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ss_state NS LOCAL PEER: the kernel's state of that socket, or "-" for none
ss_state() {
    nsx "$1" ss -tanH | awk -v l="$2" -v p="$3" '$4 == l && $5 == p { s = $1 } END { print (s ? s : "-") }'
}
ss_is() { [ "$(ss_state "$1" "$2" "$3")" = "$4" ]; }
syn_recv_count() {
    nsx "$NS_S" ss -tanH state syn-recv | awk -v p="$NOBODY:" 'index($0, p) { n++ } END { print n + 0 }'
}
flood_filled() { [ "$(syn_recv_count)" -ge "$FLOOD_COUNT" ]; }
has_flow() { grep -q -E "\"event_type\":\"flow\".*\"port\":$1[,}]" "$OUT/tcpstates.ndjson"; }
has_stats() { grep -q '"event_type":"stats"' "$OUT/tcpstates.ndjson"; }

snapshot() {  # snapshot NAME: the kernel's sockets in both namespaces
    nsx "$NS_C" ss -tanoH >"$OUT/ss_${1}_client"
    nsx "$NS_S" ss -tanoH >"$OUT/ss_${1}_server"
    stamp "ss_$1"
}

# client SPORT DPORT MODE: one scripted connection, in the foreground
client() {
    nsx "$NS_C" timeout 15 "$PY" "$HERE/peers.py" client --src $C4 --sport "$1" \
        --dst $S4 --dport "$2" --mode "$3" >>"$OUT/client.log" 2>&1 \
        || die "client $1 ($3) failed: $(tail -n 3 "$OUT/client.log")"
}

# ------------------------------------------------------------------ topology
ip netns list >"$OUT/netns_before" 2>&1
mkns() {
    ip netns add "$1" || skip "cannot create a network namespace ($1)"
    CREATED_NS="$CREATED_NS $1"
    echo "$1" >>"$OUT/namespaces"
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$1" link set lo up
}
mkns "$NS_C"
mkns "$NS_S"
nsx "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=0 net.ipv4.tcp_max_syn_backlog=1024 \
    net.ipv4.tcp_synack_retries=5 net.ipv4.tcp_fin_timeout=60
nsx "$NS_C" sysctl -qw net.ipv4.tcp_fin_timeout=60
ip link add lvc0 netns "$NS_C" address $MAC_C type veth peer name lvs0 netns "$NS_S" address $MAC_S \
    || die "cannot create the veth pair"
nsx "$NS_C" ethtool -K lvc0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || die "ethtool -K lvc0 failed"
nsx "$NS_S" ethtool -K lvs0 tx off rx off tso off gso off gro off >/dev/null 2>&1 || die "ethtool -K lvs0 failed"
ip -n "$NS_C" addr add $C4/24 dev lvc0
ip -n "$NS_S" addr add $S4/24 dev lvs0
ip -n "$NS_C" link set lvc0 up
ip -n "$NS_S" link set lvs0 up
ip -n "$NS_C" neigh replace $S4 lladdr $MAC_S dev lvc0 nud permanent
ip -n "$NS_S" neigh replace $C4 lladdr $MAC_C dev lvs0 nud permanent
ip -n "$NS_S" neigh replace $NOBODY lladdr $MAC_NOBODY dev lvs0 nud permanent
log "namespaces $NS_C $NS_S up"

# ------------------------------------------------------------------ start
ip netns exec "$NS_S" "$PY" "$HERE/peers.py" server --bind $S4 --port 8080 --ready "$OUT/server.ready" \
    >>"$OUT/server.log" 2>&1 &
SRV_PID=$!; PIDS="$PIDS $SRV_PID"
until_ok 10000 test -s "$OUT/server.ready" || die "the server peer did not start"

stamp ts_start
ip netns exec "$NS_C" "$BIN" -i lvc0 --format ndjson --stats-interval 1 -Z root --msl 2 --timeline \
    >"$OUT/tcpstates.ndjson" 2>"$OUT/tcpstates.err" &
TS_PID=$!; PIDS="$PIDS $TS_PID"
until_ok 10000 handlers_installed $TS_PID || die "tcpstates did not start: $(cat "$OUT/tcpstates.err")"
# the first stats event shows that its capture loop runs
until_ok 10000 has_stats || die "no stats event from tcpstates within 10 s: $(cat "$OUT/tcpstates.err")"
stamp ts_ready
log "tcpstates $TS_PID capturing"

# ------------------------------------------------------------------ case 1 + the pause (case 6)
stamp case1_start
client 41001 8080 client_first
until_ok 5000 ss_is "$NS_C" $C4:41001 $S4:8080 TIME-WAIT || die "case 1: no TIME-WAIT on the client"
until_ok 5000 ss_is "$NS_S" $S4:8080 $C4:41001 - || die "case 1: the server socket did not go away"
snapshot case1
stamp pause_start
log "case 1 closed; pausing until tcpstates writes it out"
if until_ok 12000 has_flow 41001; then
    stamp case1_flow_seen
    cp "$OUT/tcpstates.ndjson" "$OUT/pause.ndjson"
    log "case 1 flow written during the pause"
else
    log "case 1 flow NOT written within 12 s of the pause"
fi
alive $TS_PID || die "tcpstates died during the pause: $(cat "$OUT/tcpstates.err")"
stamp pause_end

# ------------------------------------------------------------------ cases 2-4
client 41002 8080 never
until_ok 5000 ss_is "$NS_C" $C4:41002 $S4:8080 FIN-WAIT-2 || die "case 2: no FIN-WAIT-2 on the client"
until_ok 5000 ss_is "$NS_S" $S4:8080 $C4:41002 CLOSE-WAIT || die "case 2: no CLOSE-WAIT on the server"
client 41003 8080 abort
until_ok 5000 ss_is "$NS_S" $S4:8080 $C4:41003 - || die "case 3: the server socket did not go away"
client 41004 8081 refused
stamp cases_done

# ------------------------------------------------------------------ case 5: SYN flood
# two more watchers of the same interface, as monitoring runs them: alert
# events only (until SIGINT), and the plugin check with metrics for 8 s
ip netns exec "$NS_C" "$BIN" -i lvc0 -Z root --alerts-only >"$OUT/alerts.ndjson" 2>"$OUT/alerts.err" &
AL_PID=$!; PIDS="$PIDS $AL_PID"
ip netns exec "$NS_C" "$BIN" -i lvc0 -Z root --check --metrics "$OUT/live.prom" --duration 8 \
    >"$OUT/check.txt" 2>"$OUT/check.err" &
CK_PID=$!; PIDS="$PIDS $CK_PID"
until_ok 10000 handlers_installed $AL_PID || die "tcpstates --alerts-only did not start"
until_ok 10000 handlers_installed $CK_PID || die "tcpstates --check did not start"
sleep 0.5 # their capture is open once their handlers are; a margin for the filter
stamp flood_start
nsx "$NS_C" timeout 15 "$PY" "$HERE/peers.py" flood --src $NOBODY --dst $S4 --dport 8080 \
    --sport-base $FLOOD_BASE --count $FLOOD_COUNT >>"$OUT/flood.log" 2>&1 || die "the SYN flood failed"
stamp flood_end
until_ok 3000 flood_filled || log "only $(syn_recv_count) SYN-RECV sockets after the flood"
syn_recv_count >"$OUT/flood.count"
log "flood: $(cat "$OUT/flood.count") SYN-RECV sockets"
# let the half-open connections age past --syn-timeout (3 s) with a margin
sleep 5
st=0; wait $CK_PID || st=$?
forget $CK_PID
echo $st >"$OUT/check.status"
log "tcpstates --check exited with $st: $(cat "$OUT/check.txt")"
kill -INT $AL_PID
st=0; wait $AL_PID || st=$?
forget $AL_PID
echo $st >"$OUT/alerts.status"

# ------------------------------------------------------------------ snapshot, SIGINT
snapshot final
alive $TS_PID || die "tcpstates died before SIGINT: $(cat "$OUT/tcpstates.err")"
cp "$OUT/tcpstates.ndjson" "$OUT/pre_sigint.ndjson"
stamp sigint
kill -INT $TS_PID
until_ok 10000 eval '! alive $TS_PID' || { log "tcpstates still running 10 s after SIGINT"; kill -KILL $TS_PID; }
st=0; wait $TS_PID || st=$?
forget $TS_PID
stamp ts_exited
echo $st >"$OUT/tcpstates.status"
log "tcpstates exited with $st"
kill -TERM $SRV_PID 2>/dev/null || true
wait $SRV_PID 2>/dev/null || true
forget $SRV_PID

# ------------------------------------------------------------------ idle capture, SIGINT
ip netns exec "$NS_C" "$BIN" -i lvc0 >"$OUT/idle.ndjson" 2>"$OUT/idle.err" &
IDLE_PID=$!; PIDS="$PIDS $IDLE_PID"
until_ok 10000 handlers_installed $IDLE_PID || die "the idle tcpstates did not start: $(cat "$OUT/idle.err")"
sleep 1
stamp idle_sigint
kill -INT $IDLE_PID
end=$(( $(now_ms) + 5000 ))
while alive $IDLE_PID && [ "$(now_ms)" -lt "$end" ]; do sleep 0.01; done
stamp idle_exited
if alive $IDLE_PID; then log "the idle tcpstates still runs 5 s after SIGINT"; kill -KILL $IDLE_PID; fi
st=0; wait $IDLE_PID || st=$?
forget $IDLE_PID
echo $st >"$OUT/idle.status"
log "idle tcpstates exited with $st"
stamp done
exit 0
