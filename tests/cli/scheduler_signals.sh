#!/usr/bin/env bash
# scheduler_signals.sh — SIGTERM/SIGINT end `schedlab scheduler --master`
# promptly while it still waits for the API server, with exit code 0 as a
# normal stop:
#   - the server unreachable (a closed port): the informers' first LISTs
#     wait ("waiting for the API server"); with leader election (the
#     default) the Lease acquire waits instead;
#   - the server answering 500 to everything (tests/cli/fault_proxy.py);
#   - the server accepting connections but never answering (a request in
#     flight must be cut short, not left to its 60 s timeout).
# Each: the signal 1 s after the start, the process gone within 2 s.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_signals.sh
#
# The last line is "scheduler_signals: N passed, M failed".
. "$(dirname "$0")/lib.sh"

# stops_promptly NAME SIGNAL EXPECTED-LOG ARGS...: starts the scheduler with
# ARGS, sends SIGNAL after 1 s, wants it gone within 2 s with code 0 and
# EXPECTED-LOG (a grep pattern) in its log.
stops_promptly() {
    local name=$1 sig=$2 want=$3; shift 3
    "$SCHEDLAB" scheduler --secure-port 0 -v 2 "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    local pid=$! rc
    PIDS+=("$pid")
    sleep 1
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"; rc=$?
        fail "$name: exited before the signal (rc=$rc): $(tail -3 "$TMP/$name.log")"
        return
    fi
    local t0=$EPOCHREALTIME
    kill -"$sig" "$pid"
    local end=$((SECONDS + 3)) gone=""
    while [ $SECONDS -le $end ]; do
        kill -0 "$pid" 2>/dev/null || { gone=1; break; }
        sleep 0.02
    done
    local took
    took=$(python3 -c "print(round($EPOCHREALTIME - $t0, 2))")
    if [ -z "$gone" ]; then
        fail "$name: still running ${took}s after SIG$sig: $(tail -3 "$TMP/$name.log")"
        kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        return
    fi
    wait "$pid"; rc=$?
    python3 -c "import sys; sys.exit(0 if $took <= 2.0 else 1)" && pass || fail "$name: took ${took}s after SIG$sig (want <= 2 s)"
    [ $rc -eq 0 ] && pass || fail "$name: exit code $rc after SIG$sig (want 0): $(tail -3 "$TMP/$name.log")"
    grep -q "$want" "$TMP/$name.log" && pass || fail "$name: no \"$want\" in the log: $(tail -5 "$TMP/$name.log")"
    echo "$name: stopped ${took}s after SIG$sig"
}

# ---- unreachable: a closed port ----
CLOSED=$(free_port)
stops_promptly closed-informers TERM 'stopped before the informers synced' \
    --master "http://127.0.0.1:$CLOSED" --leader-elect=false
grep -q 'waiting for the API server' "$TMP/closed-informers.log" && pass ||
    fail "closed-informers: it was not waiting for the API server: $(tail -3 "$TMP/closed-informers.log")"
stops_promptly closed-informers-int INT 'stopped before the informers synced' \
    --master "http://127.0.0.1:$CLOSED" --leader-elect=false
stops_promptly closed-lease TERM 'stopped while waiting for the leader lease' \
    --master "http://127.0.0.1:$CLOSED"

# ---- answering 500 to every request ----
python3 "$ROOT/tests/cli/fault_proxy.py" "http://127.0.0.1:$CLOSED" "$TMP/proxy.port" "$TMP/proxy.log" 2>"$TMP/proxy.err" &
PROXY_PID=$!; PIDS+=("$PROXY_PID")
for _ in $(seq 100); do [ -s "$TMP/proxy.port" ] && break; sleep 0.05; done
PPORT=$(cat "$TMP/proxy.port")
curl -sf -X POST "http://127.0.0.1:$PPORT/__fault?status=500&seconds=600" >/dev/null || fail "proxy rule"
stops_promptly err500-informers TERM 'stopped before the informers synced' \
    --master "http://127.0.0.1:$PPORT" --leader-elect=false
grep -q ' 500 injected$' "$TMP/proxy.log" && pass || fail "the proxy answered no 500"
stops_promptly err500-lease TERM 'stopped while waiting for the leader lease' \
    --master "http://127.0.0.1:$PPORT"

# ---- accepting but never answering ----
python3 - "$TMP/silent.port" <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # read nothing, answer nothing, close nothing
EOF
SILENT_PID=$!; PIDS+=("$SILENT_PID")
for _ in $(seq 100); do [ -s "$TMP/silent.port" ] && break; sleep 0.05; done
SPORT=$(cat "$TMP/silent.port")
stops_promptly silent-informers TERM 'stopped before the informers synced' \
    --master "http://127.0.0.1:$SPORT" --leader-elect=false
stops_promptly silent-lease TERM 'stopped while waiting for the leader lease' \
    --master "http://127.0.0.1:$SPORT"

kill "$PROXY_PID" "$SILENT_PID" 2>/dev/null; wait "$PROXY_PID" "$SILENT_PID" 2>/dev/null
sanitizer_check
echo "scheduler_signals: $passed passed, $failed failed"
[ $failed -eq 0 ]
