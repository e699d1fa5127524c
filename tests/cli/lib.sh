# lib.sh — the preamble the tests/cli suites that start processes share.
# Source it first (`. "$(dirname "$0")/lib.sh"`): it moves to the repository
# root, resolves SCHEDLAB (default build/release/schedlab), makes a private
# TMP (and HOME inside it) that is removed on exit after every process in
# PIDS is killed, and defines the pass/fail counters and small helpers. A
# suite prints its own last line "NAME: N passed, M failed".
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
SCHEDLAB=$(realpath "$SCHEDLAB")
ROOT=$PWD
TMP=$(mktemp -d)
export HOME=$TMP/home
mkdir -p "$HOME"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; return 0; }

# Fails (once) when a process under test left a sanitizer report in
# $TMP/*.log, showing it; the logs are removed so it is reported once.
sanitizer_check() {
    if grep -lE "Sanitizer|runtime error" "$TMP"/*.log >/dev/null 2>&1; then
        fail "sanitizer report:"; grep -hE -A20 "Sanitizer|runtime error" "$TMP"/*.log | head -60
        rm -f "$TMP"/*.log
    fi
}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for DESC SECONDS COMMAND...: polls until COMMAND succeeds (pass) or
# the time is up (fail DESC).
wait_for() {
    local desc=$1 secs=$2; shift 2
    local end=$((SECONDS + secs))
    while [ $SECONDS -le $end ]; do
        if "$@" >/dev/null 2>&1; then pass; return 0; fi
        sleep 0.1
    done
    fail "$desc (waited ${secs}s)"
    return 1
}

# start_api NAME ARGS...: sets URL, API_PID (a failure to start is a failed check; returns 1)
start_api() {
    local name=$1; shift
    : >"$TMP/$name.out"
    "$SCHEDLAB" apiserver "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    API_PID=$!
    PIDS+=("$API_PID")
    URL=""
    for _ in $(seq 200); do
        URL=$(sed -n 's/^schedlab apiserver: serving on //p' "$TMP/$name.out")
        [ -n "$URL" ] && break
        sleep 0.05
    done
    [ -n "$URL" ] || { fail "apiserver $name did not start: $(cat "$TMP/$name.log")"; return 1; }
}

# kubeconfig FILE SERVER CA
kubeconfig() {
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "$2", certificate-authority: "$3"}
users:
- name: u
  user: {}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
EOF
}
