# shellcheck shell=bash
# netns_lib.sh - what the capture kits share (testdata/scenarios/run.sh,
# testdata/floods/run.sh): running commands inside namespaces, remembering
# every process and namespace a run creates, and removing them all when it
# ends, fails or is interrupted. Sourced after the caller set WORK (its
# scratch directory), D (the scenario's directory) and defined log.
CREATED_NS=()                       # namespaces this run created and has not deleted yet
PIDS=()                             # processes this run started and has not reaped yet
CAP_PID=""; LAST_PID=""

kill_ours() {                        # end every process we started, by pid
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    PIDS=(); CAP_PID=""
}

del_ns() {
    local ns
    for ns in "${CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    CREATED_NS=()
}

cleanup() {
    trap - EXIT INT TERM
    kill_ours
    del_ns
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted: cleaning up"; exit 130' INT
trap 'log "terminated: cleaning up"; exit 143' TERM

# ------------------------------------------------------------------ helpers
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# spawn NS LOGNAME CMD...: start CMD in NS in the background, remember its pid
spawn() {
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" "$@" >>"$D/$name.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
}

# wait_file FILE SECONDS [PID]: wait until FILE exists; fail early if PID died first
wait_file() {
    local f=$1 t=$2 pid=${3:-} n
    n=$(awk "BEGIN{print int($t*20)}")
    while [ ! -e "$f" ]; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            [ -e "$f" ] && return 0
            log "process $pid ended before $(basename "$f") appeared"; return 1
        fi
        n=$((n - 1)); [ $n -gt 0 ] || { log "timed out waiting for $(basename "$f")"; return 1; }
        sleep 0.05
    done
}

cap_stop() {
    [ -n "$CAP_PID" ] || return 0
    kill -INT "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    local p keep=()
    for p in "${PIDS[@]}"; do [ "$p" = "$CAP_PID" ] || keep+=("$p"); done
    PIDS=("${keep[@]}"); CAP_PID=""
}
