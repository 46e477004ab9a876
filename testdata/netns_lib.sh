# shellcheck shell=bash
# netns_lib.sh - what the capture kits share (testdata/scenarios/run.sh,
# testdata/floods/run.sh): their command line and prerequisites, running
# commands inside namespaces, remembering every process and namespace a run
# creates, and removing them all when it ends, fails or is interrupted.
# Sourced first; the kit then calls kit_checks, sets WORK (its scratch
# directory) and calls kit_begin. D is the scenario's directory.
log()  { printf '[run.sh %s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# kit_checks HELP_LINES WHY TOOLS "$@": -l, -h (the script's comment lines
# HELP_LINES), root (needed for WHY), the scenario names (into SCENARIOS,
# all of ALL_SCENARIOS by default), tcpdump and ethtool (installed when
# missing), the iproute2 TOOLS, python3 (into PY) and namespaces.
kit_checks() {
    local help=$1 why=$2 tools=$3 s t
    shift 3
    if [ "${1:-}" = "-l" ]; then printf '%s\n' "${ALL_SCENARIOS[@]}"; exit 0; fi
    if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n "${help}p" "$0"; exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "run.sh: must run as root ($why)" >&2; exit 2; }
    SCENARIOS=("$@")
    [ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=("${ALL_SCENARIOS[@]}")
    for s in "${SCENARIOS[@]}"; do
        [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || { echo "run.sh: unknown scenario '$s' (run.sh -l lists them)" >&2; exit 2; }
    done
    local missing=()
    for t in tcpdump ethtool; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if [ ${#missing[@]} -gt 0 ]; then
        log "missing ${missing[*]}: installing with apt-get (Debian packages tcpdump ethtool)"
        apt-get install -y tcpdump ethtool >&2 || die "could not install ${missing[*]}; install them and rerun"
    fi
    for t in $tools; do command -v "$t" >/dev/null 2>&1 || die "'$t' not found: install iproute2"; done
    command -v python3 >/dev/null 2>&1 || die "python3 not found: install python3"
    # shellcheck disable=SC2034 # PY is the kits' python
    PY=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
    ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here (kernel without network namespaces?)"
}

# show_logs: the tail of every log of the scenario that failed, on stderr
show_logs() {
    local f
    for f in "$D"/*.log; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 20 "$f"; }; done >&2
}

# kit_begin: from here on every namespace and process is removed at the end
kit_begin() {
    CREATED_NS=()                   # namespaces this run created and has not deleted yet
    PIDS=()                         # processes this run started and has not reaped yet
    CAP_PID=""; LAST_PID=""
    trap cleanup EXIT
    trap 'log "interrupted: cleaning up"; exit 130' INT
    trap 'log "terminated: cleaning up"; exit 143' TERM
}

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
