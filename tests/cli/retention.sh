#!/usr/bin/env bash
# retention.sh — the scheduler under churn, in its two long-running forms:
# `schedlab sim` (store adapter behind the inbox) and `schedlab apiserver` +
# `schedlab scheduler` (the remote informers), driven by tests/cli/churn.py:
# node heartbeats and label flips, pods bound, preempted, deleted and
# modified while queued, nominated and being bound. Superseded versions are
# freed as the run goes (cluster.h Lifetimes), so under ASan any pointer
# the scheduler kept to a freed version is a use-after-free report. Checks:
# the churn runs through, a pod created afterwards is still bound, SIGTERM
# exits 0, no sanitizer report; and (release builds) the sim's resident
# memory after 3,000 more rounds grows far less than the versions written.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/retention.sh
#
# The last line is "retention: N passed, M failed".
. "$(dirname "$0")/lib.sh"
asan=0
nm "$SCHEDLAB" 2>/dev/null | grep -q __asan_init && asan=1
ROUNDS=${ROUNDS:-$([ $asan = 1 ] && echo 60 || echo 200)}

get() { curl -s "$URL$1"; }
node_of() { get "/api/v1/namespaces/default/pods/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("spec",{}).get("nodeName",""))'; }
bound() { [ -n "$(node_of "$1")" ]; }
create_last() {
    curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$URL/api/v1/namespaces/default/pods" \
        -d '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"last"},"spec":{"priorityClassName":"churn-high","containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m"}}}]}}'
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# ---- schedlab sim ----
"$SCHEDLAB" sim --listen 127.0.0.1:0 >"$TMP/sim.out" 2>"$TMP/sim.log" &
SIM_PID=$!; PIDS+=("$SIM_PID")
sim_ready() { grep -q '^schedlab sim: ready on http://127.0.0.1:' "$TMP/sim.out"; }
wait_for "sim prints ready" 20 sim_ready
URL=$(sed -n 's/^schedlab sim: ready on \(http:\/\/[0-9.:]*\).*/\1/p' "$TMP/sim.out")
if timeout 600 python3 tests/cli/churn.py "$URL" "$ROUNDS" >"$TMP/churn.out" 2>&1; then pass; else fail "sim churn: $(tail -3 "$TMP/churn.out")"; fi
[ "$(create_last)" = 201 ] && pass || fail "sim: create last"
wait_for "sim: a pod created after the churn is bound" 20 bound last
if [ $asan = 0 ]; then
    # Superseded versions are freed: resident memory levels off once the
    # store's event history (20,000 events) is full. 3,000 more rounds
    # write ~45,000 node and ~30,000 pod versions (the old adapter kept
    # them all: several hundred MiB).
    ROUNDS_BEFORE=$ROUNDS
    if timeout 600 python3 tests/cli/churn.py "$URL" 1500 b- >"$TMP/churn.out" 2>&1; then pass; else fail "sim churn b: $(tail -3 "$TMP/churn.out")"; fi
    before=$(rss_kib "$SIM_PID")
    if timeout 900 python3 tests/cli/churn.py "$URL" 3000 c- >"$TMP/churn.out" 2>&1; then pass; else fail "sim churn c: $(tail -3 "$TMP/churn.out")"; fi
    after=$(rss_kib "$SIM_PID")
    echo "  sim RSS: ${before} KiB after $((ROUNDS_BEFORE + 1500)) rounds, ${after} KiB after 3000 more"
    [ "$after" -lt $((before + 65536)) ] && pass || fail "sim RSS grew from ${before} KiB to ${after} KiB"
fi
kill -TERM "$SIM_PID"; wait "$SIM_PID"; rc=$?
[ $rc -eq 0 ] && pass || fail "sim SIGTERM: rc=$rc"
sanitizer_check

# ---- schedlab apiserver + schedlab scheduler (remote informers) ----
start_api api --listen 127.0.0.1:0 && pass
"$SCHEDLAB" scheduler --master "$URL" --secure-port 0 --kube-api-qps 5000 --kube-api-burst 5000 >"$TMP/sched.out" 2>"$TMP/sched.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
if timeout 600 python3 tests/cli/churn.py "$URL" "$ROUNDS" >"$TMP/churn.out" 2>&1; then pass; else fail "remote churn: $(tail -3 "$TMP/churn.out")"; fi
[ "$(create_last)" = 201 ] && pass || fail "remote: create last"
wait_for "remote: a pod created after the churn is bound" 30 bound last
kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
[ $rc -eq 0 ] && pass || fail "scheduler SIGTERM: rc=$rc"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

echo "retention: $passed passed, $failed failed"
[ $failed -eq 0 ]
