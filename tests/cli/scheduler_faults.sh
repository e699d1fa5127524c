#!/usr/bin/env bash
# scheduler_faults.sh — `schedlab scheduler --master` talking to `schedlab
# apiserver` through a fault-injecting proxy (tests/cli/fault_proxy.py;
# kubectl talks to the API server directly):
#   - the API server answering 500 for binding POSTs only, then for every
#     request, then 429 with Retry-After, for a few seconds each, while pods
#     arrive: the scheduler keeps running and retrying; while binds fail the
#     pods carry PodScheduled=False/SchedulerError with upstream's
#     "running Bind plugin" message and an unschedulable pod its
#     Unschedulable condition; afterwards every pod is bound exactly once
#     (one successful binding POST and one Scheduled event per pod,
#     PodScheduled=True);
#   - a binding conflict: the pod is deleted between the cycle and the bind
#     (the proxy holds the POST, deletes the pod, forwards it: 404): the
#     scheduler forgets the pod and moves on — the node's room it held is
#     released (a pod that only fits there once the reservation is gone gets
#     it), no Scheduled event, no second binding attempt; as upstream's
#     handleSchedulingFailure, a FailedScheduling event with the "running
#     Bind plugin" message and an attempted PodScheduled PATCH (404);
#   - a pod bound by someone else meanwhile (409): not bound twice, no
#     Scheduled event from us, not retried; FailedScheduling with the
#     server's conflict message, the PATCH attempted.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_faults.sh
#
# The last line is "scheduler_faults: N passed, M failed".
. "$(dirname "$0")/lib.sh"

K() { kubectl --kubeconfig "$TMP/kc" "$@"; }
node_of() { K get pod "$1" -o jsonpath='{.spec.nodeName}'; }
bound_to() { local n; n=$(node_of "$1"); [[ "$n" == $2 ]]; }
cond_of() { K get pod "$1" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}|{.reason}|{.message}{end}'; }
cond_is() { [[ "$(cond_of "$1")" == "False|$2|"*"$3"* ]]; }
fault() { curl -sf -X POST "http://127.0.0.1:$PPORT/__fault?$1" >/dev/null || fail "proxy rule $1"; }
alive() { kill -0 "$SCHED_PID" 2>/dev/null; }
# pods NAME-PREFIX COUNT CPU [nodeSelector-host]: a manifest
pods() {
    for i in $(seq 1 "$2"); do
        echo "---"
        echo "apiVersion: v1"
        echo "kind: Pod"
        echo "metadata: {name: $1-$i, namespace: default}"
        echo "spec:"
        [ -n "${4:-}" ] && echo "  nodeSelector: {kubernetes.io/hostname: $4}"
        echo "  containers: [{name: c, image: x, resources: {requests: {cpu: \"$3\"}}}]"
    done
}
# binds_ok NAME: successful binding POSTs the scheduler made for the pod
binds_ok() { grep -c "^POST /api/v1/namespaces/default/pods/$1/binding 20[01] forwarded" "$TMP/proxy.log"; }
binds_tried() { grep -c "^POST /api/v1/namespaces/default/pods/$1/binding .* \(forwarded\|injected\)" "$TMP/proxy.log"; }
# event_is REASON POD SUBSTR: an event about POD with that reason whose
# message contains SUBSTR (events are written by a background thread: poll)
event_is() {
    K get events -o jsonpath='{range .items[*]}{.reason}|{.involvedObject.name}|{.message}{"\n"}{end}' |
        grep -F "$1|$2|" | grep -qF "$3"
}
# patched POD CODE: the proxy saw the scheduler's PodScheduled status PATCH
patched() { grep -q "^PATCH /api/v1/namespaces/default/pods/$1/status $2 forwarded" "$TMP/proxy.log"; }
scheduled_events() { K get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.name}{"\n"}{end}' | grep -c "^Scheduled $1\$"; }
all_bound() { # PREFIX COUNT
    local n; n=$(K get pods -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}' | grep -c "^$1-[0-9]* node-")
    [ "$n" -eq "$2" ]
}
# exactly_once PREFIX COUNT: each pod bound once (one 2xx binding, one
# Scheduled event), PodScheduled=True. Events are written by a background
# thread that may still be working off the fault window: polled for 15 s.
once_bad() {
    local bad="" ev
    ev=$(K get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.name}{"\n"}{end}' | grep '^Scheduled ')
    for i in $(seq 1 "$2"); do
        local p=$1-$i
        [ "$(binds_ok "$p")" -eq 1 ] || bad="$bad $p:binds=$(binds_ok "$p")"
        [ "$(grep -c "^Scheduled $p\$" <<<"$ev")" -eq 1 ] || bad="$bad $p:Scheduled=$(grep -c "^Scheduled $p\$" <<<"$ev")"
        [[ "$(K get pod "$p" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}{end}')" == True ]] || bad="$bad $p:condition"
    done
    echo "$bad"
}
exactly_once() {
    local bad end=$((SECONDS + 15))
    while :; do
        bad=$(once_bad "$1" "$2")
        [ -z "$bad" ] && { pass; return; }
        [ $SECONDS -ge $end ] && break
        sleep 0.5
    done
    fail "$1 not bound exactly once:$bad"
}

# ---- setup: API server, proxy, scheduler through the proxy ----
: >"$TMP/api.out"
"$SCHEDLAB" apiserver --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc" >"$TMP/api.out" 2>"$TMP/api.log" &
API_PID=$!; PIDS+=("$API_PID")
URL=""
for _ in $(seq 200); do
    URL=$(sed -n 's/^schedlab apiserver: serving on //p' "$TMP/api.out"); [ -n "$URL" ] && break; sleep 0.05
done
[ -n "$URL" ] || { echo "apiserver did not start"; cat "$TMP/api.log"; }
python3 "$ROOT/tests/cli/fault_proxy.py" "$URL" "$TMP/proxy.port" "$TMP/proxy.log" 2>"$TMP/proxy.err" &
PIDS+=("$!")
for _ in $(seq 100); do [ -s "$TMP/proxy.port" ] && break; sleep 0.05; done
PPORT=$(cat "$TMP/proxy.port")
{
    for i in 0 1 2 3; do
        echo "---"
        echo "apiVersion: v1"
        echo "kind: Node"
        echo "metadata: {name: node-$i, labels: {kubernetes.io/hostname: node-$i}}"
        echo "status: {capacity: {cpu: \"8\", memory: 32Gi, pods: \"110\"}, allocatable: {cpu: \"8\", memory: 32Gi, pods: \"110\"}}"
    done
    echo "---"
    echo "apiVersion: v1"
    echo "kind: Node"
    echo "metadata: {name: solo, labels: {kubernetes.io/hostname: solo}}"
    echo "status: {capacity: {cpu: \"1\", memory: 1Gi, pods: \"10\"}, allocatable: {cpu: \"1\", memory: 1Gi, pods: \"10\"}}"
} >"$TMP/nodes.yaml"
K apply -f "$TMP/nodes.yaml" >/dev/null 2>"$TMP/err" || fail "apply nodes: $(cat "$TMP/err")"
"$SCHEDLAB" scheduler --master "http://127.0.0.1:$PPORT" --secure-port 0 --kube-api-qps 1000 --kube-api-burst 1000 -v 2 \
    >"$TMP/sched.out" 2>"$TMP/sched.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
pods warm 1 100m | K apply -f - >/dev/null
wait_for "the scheduler binds through the proxy" 15 all_bound warm 1

# ---- 500 for binding POSTs only (4 s) ----
fault "match=/binding&status=500&seconds=4"
pods a 8 100m | K apply -f - >/dev/null
pods huge 1 100 | K apply -f - >/dev/null
wait_for "a pod whose bind failed carries SchedulerError with the Bind plugin's message" 3 \
    cond_is a-1 SchedulerError 'running Bind plugin "DefaultBinder": fault_proxy: injected 500'
wait_for "the unschedulable pod carries Unschedulable" 5 cond_is huge-1 Unschedulable 'Insufficient cpu'
[ "$(binds_ok a-1)" -eq 0 ] && pass || fail "a-1 bound inside the fault window"
[ "$(scheduled_events a-1)" -eq 0 ] && pass || fail "a failed bind left a Scheduled event"
wait_for "after the binding fault every pod is bound" 30 all_bound a 8
alive && pass || fail "the scheduler died during the binding fault"
exactly_once a 8
[ -z "$(node_of huge-1)" ] && cond_is huge-1 Unschedulable 'Insufficient cpu' && pass || fail "huge-1: $(cond_of huge-1)"

# ---- 500 for every request (3 s) ----
fault "status=500&seconds=3"
pods b 8 100m | K apply -f - >/dev/null
sleep 3
alive && pass || fail "the scheduler died during the 500 window"
wait_for "after the 500 window every pod is bound" 40 all_bound b 8
exactly_once b 8

# ---- 429 with Retry-After for every request (3 s) ----
fault "status=429&retry_after=1&seconds=3"
pods c 8 100m | K apply -f - >/dev/null
sleep 3
alive && pass || fail "the scheduler died during the 429 window"
wait_for "after the 429 window every pod is bound" 40 all_bound c 8
exactly_once c 8
grep -q ' 429 injected$' "$TMP/proxy.log" && pass || fail "no 429 was injected"

# ---- conflict: the pod is deleted between the cycle and the bind (404) ----
# doomed takes solo's room; the proxy holds its binding POST 2 s, deletes
# the pod, then forwards it. Meanwhile waiter (fits solo only if doomed's
# room is released) is tried and found Unschedulable; once the bind fails
# the scheduler must forget doomed and waiter gets solo.
fault "match=/pods/doomed-1/binding&delay=2&delete_first=1&count=1"
pods doomed 1 800m solo | K apply -f - >/dev/null
sleep 0.5
pods waiter 1 800m solo | K apply -f - >/dev/null
wait_for "while doomed's bind is in flight, waiter finds solo full" 3 cond_is waiter-1 Unschedulable 'Insufficient cpu'
doomed_gone() { ! K get pod doomed-1 >/dev/null 2>&1; }
wait_for "the proxy deleted doomed" 5 doomed_gone
wait_for "the failed bind released doomed's room: waiter bound to solo" 10 bound_to waiter-1 solo
grep -q 'binding default/doomed-1 to solo failed: pods "doomed-1" not found' "$TMP/sched.log" && pass ||
    fail "no bind failure logged for doomed: $(grep doomed "$TMP/sched.log" | head -3)"
[ "$(scheduled_events doomed-1)" -eq 0 ] && pass || fail "the failed bind of doomed left a Scheduled event"
# upstream handleSchedulingFailure: the FailedScheduling event all the same,
# and the PodScheduled=False PATCH is attempted (404: the pod is gone)
wait_for "doomed has upstream's FailedScheduling event" 10 \
    event_is FailedScheduling doomed-1 'running Bind plugin "DefaultBinder": pods "doomed-1" not found'
wait_for "the status PATCH of doomed was attempted (404)" 5 patched doomed-1 404
sleep 3 # backoff would have brought a requeued pod back by now
[ "$(binds_tried doomed-1)" -eq 1 ] && pass || fail "doomed was bound again after its deletion: $(binds_tried doomed-1) binding POSTs"
alive && pass || fail "the scheduler died after the conflict"

# ---- conflict: bound elsewhere by someone else meanwhile (409) ----
fault "match=/pods/contested-1/binding&bind_first=node-3&count=1"
pods contested 1 100m node-0 | K apply -f - >/dev/null
wait_for "contested ends up where the other binder put it" 10 bound_to contested-1 node-3
wait_for "the conflict is logged" 5 grep -q 'binding default/contested-1 to node-0 failed: .*already assigned' "$TMP/sched.log"
sleep 3
[ "$(binds_tried contested-1)" -eq 1 ] && pass || fail "contested retried: $(binds_tried contested-1) binding POSTs"
[ "$(scheduled_events contested-1)" -eq 0 ] && pass || fail "a Scheduled event for a bind that failed (contested)"
[ "$(grep -c '^POST /api/v1/namespaces/default/pods/contested-1/binding 20[01] meddled' "$TMP/proxy.log")" -eq 1 ] && pass || fail "contested bound more than once"
wait_for "contested has upstream's FailedScheduling event" 10 \
    event_is FailedScheduling contested-1 'running Bind plugin "DefaultBinder": '
event_is FailedScheduling contested-1 'already assigned' && pass ||
    fail "contested's event does not carry the server's message: $(K get events --field-selector involvedObject.name=contested-1 -o jsonpath='{.items[*].message}')"
wait_for "the status PATCH of contested was attempted" 5 patched contested-1 200
bound_to contested-1 node-3 && pass || fail "contested moved: $(node_of contested-1)"

# ---- still scheduling afterwards; clean exit ----
pods d 3 100m | K apply -f - >/dev/null
wait_for "pods created after the faults are bound" 15 all_bound d 3
kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
[ $rc -eq 0 ] && pass || fail "SIGTERM exit: rc=$rc"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

echo "scheduler_faults: $passed passed, $failed failed"
[ $failed -eq 0 ]
