#!/usr/bin/env bash
# run.sh - record the tcpstates reference captures.  For each scenario it builds
# throw-away network namespaces joined by veths (optionally through the
# user-space bridge.py for delay/drops), runs real TCP connections between them
# with peer.py, captures them with tcpdump, snapshots the kernel's own `ss` in
# every namespace just before the capture stops, writes
#   testdata/<name>.pcap   testdata/<name>.ss   testdata/<name>.truth
# and removes every namespace it made (also on failure or Ctrl-C).
#
# usage (as root):  testdata/scenarios/run.sh [-l] [SCENARIO...]     default: all
# Addresses used, only inside the namespaces it creates: 10.77.0.0/24, fd77::/64.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "$HERE/.." && pwd)

ALL_SCENARIOS=(
    normal_server_closes_first
    normal_client_closes_first
    server_never_closes
    abortive_close_rst
    refused_no_listener
    syn_dropped_firewall
    handshake_ack_dropped
    half_close_server_sends
    reconnect_time_wait
    ipv6_normal
    simultaneous_open
    simultaneous_close
    midstream
    several_parallel
    half_open_synack_retries
    stale_peer_server_restart
)

C4=10.77.0.1;  S4=10.77.0.2;  C6=fd77::1;  S6=fd77::2
MAC_C=02:77:00:00:00:01;  MAC_S=02:77:00:00:00:02
MAC_BC=02:77:00:00:00:11; MAC_BS=02:77:00:00:00:12
SETTLE=0.5            # seconds left for the last ACKs before the snapshot

# shellcheck source=testdata/netns_lib.sh
. "$HERE/../netns_lib.sh"
kit_checks '2,12' 'network namespaces, tcpdump' 'ip ss' "$@"

# ------------------------------------------------------------------ state & cleanup
TAG="tcpst$$"                        # every namespace of this run is named ${TAG}[csb]
NS_C=${TAG}c; NS_S=${TAG}s; NS_B=${TAG}b
WORK=$(mktemp -d /tmp/tcpstates-scenarios.XXXXXX)
kit_begin

mkns() {  # mkns NS [bridge]
    ip netns add "$1" || return 1
    CREATED_NS+=("$1")
    ip -n "$1" link set lo up
    if [ "${2:-}" = bridge ]; then
        nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    else
        nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv6.conf.default.router_solicitations=0 \
            net.ipv4.tcp_syn_retries=6 net.ipv4.tcp_synack_retries=5 net.ipv4.tcp_fin_timeout=60 \
            net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1
    fi
}

offload_off() { nsx "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 \
                    || log "warning: ethtool -K $2 in $1 failed"; }

# cfg_end NS DEV IP4 IP6 PEER_MAC PEER_IP4 PEER_IP6
cfg_end() {
    local ns=$1 dev=$2
    offload_off "$ns" "$dev"
    ip -n "$ns" addr add "$3/24" dev "$dev"
    ip -n "$ns" addr add "$4/64" dev "$dev" nodad
    ip -n "$ns" link set "$dev" up
    ip -n "$ns" neigh replace "$6" lladdr "$5" dev "$dev" nud permanent
    ip -n "$ns" neigh replace "$7" lladdr "$5" dev "$dev" nud permanent
}

topo_direct() {  # client c0 <-> s0 server
    mkns "$NS_C" && mkns "$NS_S" || return 1
    ip link add c0 netns "$NS_C" address $MAC_C type veth peer name s0 netns "$NS_S" address $MAC_S || return 1
    cfg_end "$NS_C" c0 $C4 $C6 $MAC_S $S4 $S6
    cfg_end "$NS_S" s0 $S4 $S6 $MAC_C $C4 $C6
}

topo_bridge() {  # client c0 <-> bc [bridge.py "$@"] bs <-> s0 server
    mkns "$NS_C" && mkns "$NS_S" && mkns "$NS_B" bridge || return 1
    ip link add c0 netns "$NS_C" address $MAC_C type veth peer name bc netns "$NS_B" address $MAC_BC || return 1
    ip link add s0 netns "$NS_S" address $MAC_S type veth peer name bs netns "$NS_B" address $MAC_BS || return 1
    local d
    for d in bc bs; do
        offload_off "$NS_B" $d
        ip -n "$NS_B" link set $d promisc on up
    done
    cfg_end "$NS_C" c0 $C4 $C6 $MAC_S $S4 $S6
    cfg_end "$NS_S" s0 $S4 $S6 $MAC_C $C4 $C6
    spawn "$NS_B" bridge "$PY" "$HERE/bridge.py" --client-if bc --server-if bs --ready "$D/bridge.ready" "$@"
    wait_file "$D/bridge.ready" 5 "$LAST_PID"
}

cap_start() {  # cap_start NS DEV
    spawn "$1" tcpdump tcpdump -i "$2" -w "$D/cap.pcap" -U -s 262144 --immediate-mode -n tcp
    CAP_PID=$LAST_PID
    local n=100
    until grep -q "listening on" "$D/tcpdump.log" 2>/dev/null; do
        kill -0 "$CAP_PID" 2>/dev/null || { log "tcpdump died: $(cat "$D/tcpdump.log")"; return 1; }
        n=$((n - 1)); [ $n -gt 0 ] || { log "tcpdump did not start"; return 1; }
        sleep 0.05
    done
}

snapshot() {  # snapshot FILE: raw ss of every namespace, one section per namespace
    local f=$1 role ns
    : >"$f"
    for role in client server bridge; do
        case $role in client) ns=$NS_C;; server) ns=$NS_S;; bridge) ns=$NS_B;; esac
        [[ " ${CREATED_NS[*]} " == *" $ns "* ]] || continue
        echo "# netns $role $ns: ss -tanoH (IPv4 and IPv6, taken $(date +%T.%6N))" >>"$f"
        nsx "$ns" ss -tanoH >>"$f"
    done
}

server() {  # server IP PORT
    spawn "$NS_S" server "$PY" "$HERE/peer.py" server --bind "$1" --port "$2" --ready "$D/server.$2.ready"
    wait_file "$D/server.$2.ready" 5 "$LAST_PID"
}

client() {  # client SRC SPORT DST DPORT MODE [peer.py options]; done file: $D/done.SPORT
    local src=$1 sport=$2 dst=$3 dport=$4 mode=$5; shift 5
    rm -f "$D/done.$sport"
    spawn "$NS_C" "client.$sport" "$PY" "$HERE/peer.py" client --src "$src" --sport "$sport" \
        --dst "$dst" --dport "$dport" --mode "$mode" --done "$D/done.$sport" "$@"
}

conn() { echo "$*" >>"$D/conns"; }   # conn CROLE CIP CPORT SROLE SIP SPORT [FLAGS]

reap() {  # reap PID: SIGKILL one process we started, wait for it, forget it
    local p=$1 q keep=()
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
    for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
}

# bridge_ctl SIGNAL PATTERN: send SIGNAL to bridge.py (started with --status
# "$D/bridge.status") and wait until it has handled it and its status line
# contains PATTERN
bridge_ctl() {
    local sig=$1 pat=$2 pid gen st n=100
    pid=$(head -n 1 "$D/bridge.ready") || return 1
    gen=$(sed -n 's/^gen=\([0-9]*\) .*/\1/p' "$D/bridge.status")
    [ -n "$gen" ] || { log "no bridge status"; return 1; }
    kill -"$sig" "$pid" || return 1
    until st=$(cat "$D/bridge.status" 2>/dev/null) && [[ $st == "gen=$((gen + 1)) "* ]]; do
        n=$((n - 1)); [ $n -gt 0 ] || { log "bridge did not handle SIG$sig"; return 1; }
        sleep 0.02
    done
    [[ $st == *"$pat"* ]] || { log "bridge status after SIG$sig: '$st', expected '$pat'"; return 1; }
}

at_in() { "$PY" -c "import time; print('%.6f' % (time.time() + $1))"; }

# finish NAME COMMENT...: snapshot ss, stop the capture, tear down, write truth, verify
finish() {
    local name=$1; shift
    local args=() c
    for c in "$@"; do args+=(--comment "$c"); done
    sleep $SETTLE
    snapshot "$D/$name.ss"
    cap_stop
    kill_ours
    del_ns
    "$PY" "$HERE/parse_ss.py" --ss "$D/$name.ss" --conns "$D/conns" --name "$name" "${args[@]}" \
        -o "$D/$name.truth" || return 1
    "$PY" "$HERE/verify.py" --pcap "$D/cap.pcap" --conns "$D/conns" --scenario "$name" >"$D/verify.txt" 2>&1
    local rc=$?
    [ $rc = 0 ] || { cat "$D/verify.txt" >&2; return 1; }
    tail -n 1 "$D/verify.txt" >&2
}

# ------------------------------------------------------------------ scenarios
# Each sc_* builds its topology, plays the connections, records them in $D/conns
# (in the order they began) and calls finish.  Client ports are fixed: 40000+10*N+k.

sc_normal_server_closes_first() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40011 server $S4 8080
    client $C4 40011 $S4 8080 server_first && wait_file "$D/done.40011" 5 "$LAST_PID" || return 1
    finish normal_server_closes_first \
        "client sends a request, the server replies and closes first, then the client closes" \
        "captured on the client's veth; expected: client CLOSED, server TIME_WAIT"
}

sc_normal_client_closes_first() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40021 server $S4 8080
    client $C4 40021 $S4 8080 client_first && wait_file "$D/done.40021" 5 "$LAST_PID" || return 1
    finish normal_client_closes_first \
        "request/response, then the client closes first and the server closes after it" \
        "captured on the client's veth; expected: client TIME_WAIT, server CLOSED"
}

sc_server_never_closes() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40031 server $S4 8080
    client $C4 40031 $S4 8080 never && wait_file "$D/done.40031" 5 "$LAST_PID" || return 1
    finish server_never_closes \
        "client sends a request, shutdown(SHUT_WR) and close(); the server process keeps its socket open and never closes" \
        "expected: client FIN_WAIT_2 (orphan), server CLOSE_WAIT"
}

sc_abortive_close_rst() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40041 server $S4 8080
    client $C4 40041 $S4 8080 abort && wait_file "$D/done.40041" 5 "$LAST_PID" || return 1
    finish abortive_close_rst \
        "request/response, then the client closes with SO_LINGER {1,0}: RST instead of FIN" \
        "expected: client CLOSED, server CLOSED"
}

sc_refused_no_listener() {
    topo_direct && cap_start "$NS_C" c0 || return 1
    conn client $C4 40051 server $S4 8081
    client $C4 40051 $S4 8081 refused && wait_file "$D/done.40051" 5 "$LAST_PID" || return 1
    finish refused_no_listener \
        "SYN to a port with no listener; the server's kernel answers RST/ACK, connect() fails with ECONNREFUSED" \
        "expected: client CLOSED, server CLOSED"
}

sc_syn_dropped_firewall() {
    topo_bridge --drop-syn-to 8080 && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40061 server $S4 8080
    client $C4 40061 $S4 8080 syn_sent && wait_file "$D/done.40061" 5 "$LAST_PID" || return 1
    sleep 3.0          # + SETTLE: snapshot ~3.5 s after the first SYN
    finish syn_dropped_firewall \
        "a bridge between the hosts drops every SYN to port 8080 (server listening); captured on the client side of the bridge: the SYN and its retransmissions" \
        "snapshot ~3.5 s after connect(); expected: client SYN_SENT, server CLOSED (no socket)"
}

sc_handshake_ack_dropped() {
    topo_bridge --drop-client-acks && cap_start "$NS_S" s0 && server $S4 8080 || return 1
    conn client $C4 40071 server $S4 8080
    client $C4 40071 $S4 8080 noack && wait_file "$D/done.40071" 5 "$LAST_PID" || return 1
    sleep 1.5          # + SETTLE: snapshot ~2 s after the SYN (SYN-ACK retransmitted at 1 s, next at 3 s)
    finish handshake_ack_dropped \
        "a bridge drops the client's final handshake ACK (and every later client segment without SYN); captured on the server side of the bridge, so no ACK is in the capture; the client sends no data" \
        "snapshot ~2 s after connect(), the server has retransmitted its SYN-ACK; expected: client ESTABLISHED, server SYN_RCVD"
}

sc_half_close_server_sends() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40081 server $S4 8080
    client $C4 40081 $S4 8080 halfclose && wait_file "$D/done.40081" 5 "$LAST_PID" || return 1
    finish half_close_server_sends \
        "client sends a request and shutdown(SHUT_WR); the server sends 10 segments over 0.5 s, then closes; the client reads to EOF and closes" \
        "expected: client TIME_WAIT, server CLOSED (via CLOSE_WAIT, LAST_ACK)"
}

REUSE_MODE=${REUSE_MODE:-client_first}   # env override to test the fallback: REUSE_MODE=server_first
sc_reconnect_time_wait() {
    topo_direct || return 1
    # Let the TIME_WAIT holder reuse its own 4-tuple for an outgoing SYN
    # (needs tcp timestamps; per-namespace sysctl, default 2 = loopback only).
    nsx "$NS_C" sysctl -qw net.ipv4.tcp_tw_reuse=1
    cap_start "$NS_C" c0 && server $S4 8080 || return 1
    conn client $C4 40091 server $S4 8080 replaced
    client $C4 40091 $S4 8080 $REUSE_MODE && wait_file "$D/done.40091" 5 "$LAST_PID" || return 1
    sleep 1.2          # tw reuse wants the TIME_WAIT's last timestamp at least one second old
    conn client $C4 40091 server $S4 8080
    client $C4 40091 $S4 8080 $REUSE_MODE && wait_file "$D/done.40091" 5 "$LAST_PID" || return 1
    local who=client
    [ $REUSE_MODE = client_first ] || who=server
    finish reconnect_time_wait \
        "two connections on one 4-tuple: the $who closes the first one first and holds TIME_WAIT; 1.2 s later the client reconnects from the same port (client netns: tcp_tw_reuse=1); the second one closes the same way" \
        "row 1 = first connection (its sockets were replaced: CLOSED/CLOSED), row 2 = second connection as ss shows it"
}

sc_ipv6_normal() {
    topo_direct && cap_start "$NS_C" c0 && server $S6 8080 || return 1
    conn client $C6 40101 server $S6 8080
    client $C6 40101 $S6 8080 client_first && wait_file "$D/done.40101" 5 "$LAST_PID" || return 1
    finish ipv6_normal \
        "IPv6 request/response, the client closes first, then the server" \
        "expected: client TIME_WAIT, server CLOSED"
}

sc_simultaneous_open() {
    topo_bridge --delay 150 && cap_start "$NS_C" c0 || return 1
    local at; at=$(at_in 1.0)
    conn client $C4 40111 server $S4 40112 roles_either
    client $C4 40111 $S4 40112 simopen --at "$at"; local p1=$LAST_PID
    spawn "$NS_S" peer.40112 "$PY" "$HERE/peer.py" client --src $S4 --sport 40112 --dst $C4 --dport 40111 \
        --mode simopen --at "$at" --done "$D/done.40112"; local p2=$LAST_PID
    wait_file "$D/done.40111" 5 $p1 && wait_file "$D/done.40112" 5 $p2 || return 1
    finish simultaneous_open \
        "both hosts bind a fixed port and connect() to each other at the same instant through a bridge with 150 ms one-way delay: the SYNs cross" \
        "both sides sent a bare SYN, so either may be called the client; expected: ESTABLISHED / ESTABLISHED"
}

sc_simultaneous_close() {
    topo_bridge --delay 150 && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    local at; at=$(at_in 1.5)
    conn client $C4 40121 server $S4 8080
    client $C4 40121 $S4 8080 simclose --at "$at" && wait_file "$D/done.40121" 6 "$LAST_PID" || return 1
    finish simultaneous_close \
        "established through a bridge with 150 ms one-way delay; both sides shutdown(SHUT_WR) at the same instant, so the FINs cross (CLOSING on both sides)" \
        "expected: client TIME_WAIT, server TIME_WAIT"
}

sc_midstream() {
    topo_direct && server $S4 8080 || return 1
    conn client $C4 40131 server $S4 8080
    client $C4 40131 $S4 8080 midstream --ready "$D/est.40131" --stop "$D/stop.40131" || return 1
    local p=$LAST_PID
    wait_file "$D/est.40131" 5 $p || return 1
    sleep 0.5                       # already exchanging data when the capture starts
    cap_start "$NS_C" c0 || return 1
    sleep 2.5
    touch "$D/stop.40131"
    wait_file "$D/done.40131" 5 $p || return 1
    finish midstream \
        "the connection was established and exchanging ping/pong lines every 0.2 s before tcpdump started; 2.5 s captured, then the client closes first and the server closes" \
        "expected: client TIME_WAIT, server CLOSED"
}

sc_several_parallel() {
    topo_direct && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    local port mode pids=() i=0
    # one after the other (each waits for the previous to be connected), then all
    # five are open together until $D/close appears
    for spec in 40141:client_first 40142:server_first 40143:never 40144:abort 40145:idle; do
        port=${spec%%:*}; mode=${spec#*:}
        conn client $C4 $port server $S4 8080
        client $C4 $port $S4 8080 $mode --ready "$D/conn.$port" --close-when "$D/close"
        pids+=("$LAST_PID")
        wait_file "$D/conn.$port" 5 "$LAST_PID" || return 1
    done
    sleep 0.5
    touch "$D/close"
    for port in 40141 40142 40143 40144 40145; do
        wait_file "$D/done.$port" 5 "${pids[$i]}" || return 1
        i=$((i + 1))
    done
    finish several_parallel \
        "five concurrent connections (all open at once): 40141 client closes first, 40142 server closes first, 40143 server never closes, 40144 RST abort, 40145 idle ESTABLISHED" \
        "expected: TIME_WAIT/CLOSED, CLOSED/TIME_WAIT, FIN_WAIT_2/CLOSE_WAIT, CLOSED/CLOSED, ESTABLISHED/ESTABLISHED"
}

sc_half_open_synack_retries() {
    topo_bridge --drop-client-acks && cap_start "$NS_S" s0 && server $S4 8080 || return 1
    conn client $C4 40151 server $S4 8080
    client $C4 40151 $S4 8080 noack && wait_file "$D/done.40151" 5 "$LAST_PID" || return 1
    sleep 4.0          # + SETTLE: snapshot ~4.5 s after the SYN (SYN-ACK retransmitted at 1 s and 3 s, next at 7 s)
    finish half_open_synack_retries \
        "as handshake_ack_dropped: a bridge drops the client's final handshake ACK (and every later client segment without SYN); captured on the server side of the bridge, so no ACK is in the capture; the client sends no data" \
        "snapshot ~4.5 s after connect(): the server has retransmitted its SYN-ACK twice (1 s, then 3 s after the first); expected: client ESTABLISHED, server SYN_RCVD"
}

sc_stale_peer_server_restart() {
    topo_bridge --status "$D/bridge.status" && cap_start "$NS_C" c0 && server $S4 8080 || return 1
    local spid=$LAST_PID cpid n
    conn client $C4 40161 server $S4 8080
    client $C4 40161 $S4 8080 stale --exchanged "$D/exch.40161" --go "$D/go.40161"
    cpid=$LAST_PID
    wait_file "$D/exch.40161" 5 $cpid || return 1
    sleep 0.3                              # the exchange's last ACKs
    # (a) the bridge drops everything the server sends: its dying kernel tells the client nothing
    bridge_ctl USR1 drop_s2c=1 || return 1
    # (b) the server "crashes": the process is killed (its FIN is dropped), the host unplugged and gone
    reap "$spid"
    # the dead process's socket lives on as an orphan (FIN_WAIT_1, FIN dropped) that would keep the old
    # namespace alive for minutes after its deletion: destroy it as a power-off would (its RST is dropped)
    if nsx "$NS_S" ss -K -tnH dst $C4 >"$D/ss-K.txt" 2>&1; then
        log "old server socket destroyed: $(tr -s ' \n' ' ' <"$D/ss-K.txt")"
    else
        log "warning: ss -K failed: $(cat "$D/ss-K.txt")"
    fi
    ip -n "$NS_B" link del bs || return 1  # unplug (deletes the veth pair, s0 too)
    ip netns del "$NS_S" || return 1
    local keep=() ns
    for ns in "${CREATED_NS[@]}"; do [ "$ns" = "$NS_S" ] || keep+=("$ns"); done
    CREATED_NS=("${keep[@]}")
    sleep 0.5
    # (c) it "reboots": a fresh namespace with the same addresses and MAC, plugged into the bridge again,
    #     with a fresh listener on 8080 (which holds no connection)
    mkns "$NS_S" || return 1
    ip link add s0 netns "$NS_S" address $MAC_S type veth peer name bs netns "$NS_B" address $MAC_BS || return 1
    offload_off "$NS_B" bs
    ip -n "$NS_B" link set bs promisc on up
    cfg_end "$NS_S" s0 $S4 $S6 $MAC_C $C4 $C6
    bridge_ctl HUP server_if=up || return 1
    rm -f "$D/server.8080.ready"
    server $S4 8080 || return 1
    # (d) the bridge forwards server->client again
    bridge_ctl USR2 drop_s2c=0 || return 1
    # (e) the client writes on its old connection; the new kernel answers RST <SEQ=SEG.ACK>
    touch "$D/go.40161"
    wait_file "$D/done.40161" 6 $cpid || return 1
    finish stale_peer_server_restart \
        "through a bridge: handshake and one request/response; then the bridge drops everything the server sends, the server process is killed (its FIN is dropped), its veth and namespace are deleted and a new server namespace with the same addresses and MAC and a fresh listener is attached" \
        "then the client writes on its old connection and the new server kernel answers with a RST without ACK, seq = the ACK of the client's segment (RFC 9293 3.10.7.1); captured on the client side of the bridge" \
        "expected: client CLOSED (reset), server CLOSED (the new kernel has no connection)"
}

# ------------------------------------------------------------------ driver
run_one() {  # run_one NAME ATTEMPT
    local name=$1
    D="$WORK/$name.$2"
    mkdir -p "$D"
    : >"$D/conns"
    local rc=0
    "sc_$name" || rc=1
    kill_ours                      # no-op after finish; cleans up after a failure
    del_ns
    if [ $rc = 0 ]; then
        cp "$D/cap.pcap" "$OUT/$name.pcap" && cp "$D/$name.ss" "$OUT/$name.ss" \
            && cp "$D/$name.truth" "$OUT/$name.truth" || return 1
        grep -v '^#' "$OUT/$name.truth" | sed 's/^/    /' >&2
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
        if [ "$name" = reconnect_time_wait ] && [ $REUSE_MODE = client_first ]; then
            log "reconnect from the client's TIME_WAIT failed: retrying with the server closing first"
            REUSE_MODE=server_first
        fi
        log "$name: attempt $attempt failed"
    done
    [ $ok = 1 ] || FAILED+=("$name")
done
log "done in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $START}") s; outputs in $OUT"
if [ ${#FAILED[@]} -gt 0 ]; then
    log "FAILED: ${FAILED[*]}"
    exit 1
fi
