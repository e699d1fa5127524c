#!/usr/bin/env bash
# scheduler_remote.sh — `schedlab scheduler` as a separate process against
# `schedlab apiserver` on loopback, driven by kubectl 1.32:
#   - the regex demo: kubecon-pod bound to a kubecon node, cncf-pod Pending
#     with a FailedScheduling event and PodScheduled=False/Unschedulable
#     carrying the upstream message, invalid-pod PodScheduled=False/SchedulerError;
#   - a pod created later is bound (watch → real-time loop);
#   - preemption end to end (victim deleted, preemptor bound);
#   - the API server killed (-9) and restarted on the same port and data dir:
#     the scheduler resumes/relists and binds a pod created afterwards;
#   - HTTPS with a bearer token through --kubeconfig;
#   - two replicas with --leader-elect: one leads, kill -9 -> takeover, no double bind;
#   - deploy/ applied with kubectl and read back; its ConfigMap's config runs
#     as a second scheduler (only its schedulerName) and releases its Lease;
#   - `schedlab sim`: the regex demo and a later pod in one process;
#   - SIGTERM exits 0; unknown flags exit 2 with a clear message.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_remote.sh
#
# The last line is "scheduler_remote: N passed, M failed".
. "$(dirname "$0")/lib.sh"


# start_sched NAME ARGS...: sets SCHED_PID
start_sched() {
    local name=$1; shift
    local serve=(--secure-port 0)
    [[ " $* " == *" --secure-port "* ]] && serve=()
    "$SCHEDLAB" scheduler "${serve[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SCHED_PID=$!
    PIDS+=("$SCHED_PID")
}
# wait_for DESC SECONDS COMMAND...: polls until COMMAND succeeds
K() { kubectl --kubeconfig "$TMP/kc" "$@"; }
node_of() { K get pod "$1" -o jsonpath='{.spec.nodeName}'; }
bound_to() { local n; n=$(node_of "$1"); [[ "$n" == $2 ]]; }
cond_is() { # pod reason message-substring
    local c; c=$(K get pod "$1" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}|{.reason}|{.message}{end}')
    [[ "$c" == "False|$2|"*"$3"* ]]
}

# ---- usage errors ----
"$SCHEDLAB" scheduler --no-such-flag >/dev/null 2>"$TMP/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'unknown flag "--no-such-flag"' "$TMP/err"; then pass; else fail "unknown flag: rc=$rc $(cat "$TMP/err")"; fi
"$SCHEDLAB" scheduler --feature-gates=Foo=true >/dev/null 2>"$TMP/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'kube-scheduler flag --feature-gates is not supported' "$TMP/err"; then pass; else fail "upstream flag: rc=$rc $(cat "$TMP/err")"; fi
HOME=$TMP/nohome KUBECONFIG= "$SCHEDLAB" scheduler >/dev/null 2>"$TMP/err"; rc=$?
if [ $rc -eq 2 ] && grep -q 'no API server' "$TMP/err"; then pass; else fail "no server: rc=$rc $(cat "$TMP/err")"; fi

# ---- the regex demo over HTTP ----
PORT=$(free_port)
mkdir -p "$TMP/data"
start_api api --listen 127.0.0.1:$PORT --data-dir "$TMP/data" --write-kubeconfig "$TMP/kc"
MPORT=$(free_port)
start_sched sched --master "$URL" --config "$ROOT/examples/regex-v2.yaml" --secure-port "$MPORT" --bind-address 127.0.0.1
K apply -f "$ROOT/examples/regex-demo.yaml" >/dev/null 2>"$TMP/err" && pass || fail "kubectl apply regex-demo: $(cat "$TMP/err")"
wait_for "kubecon-pod bound to a kubecon node" 10 bound_to kubecon-pod 'kubecon-*'
wait_for "plain-pod bound" 10 bound_to plain-pod '?*'
wait_for "cncf-pod PodScheduled=False Unschedulable" 10 cond_is cncf-pod Unschedulable '0/3 nodes are available: 1 node "kubecon-1" does not match regex "cncf-.*"'
wait_for "invalid-pod SchedulerError" 10 cond_is invalid-pod SchedulerError 'failed to compile regex'
[ -z "$(node_of cncf-pod)" ] && pass || fail "cncf-pod was bound"
if K get events --field-selector involvedObject.name=cncf-pod -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}' 2>/dev/null | grep -qx FailedScheduling; then pass; else
    fail "no FailedScheduling event for cncf-pod: $(K get events 2>&1 | head -5)"; fi
if K get events --field-selector involvedObject.name=kubecon-pod -o jsonpath='{range .items[*]}{.reason}|{.message}{"\n"}{end}' 2>/dev/null | grep -q '^Scheduled|Successfully assigned default/kubecon-pod to kubecon-'; then pass; else
    fail "no Scheduled event for kubecon-pod"; fi
# the invalid pod fails the same way on every retry (backoff 1 s, 2 s):
# as client-go's recorder, the repeats become a series on one event (the
# condition is not rewritten, so the pod's resourceVersion stays), and the
# condition keeps its first transition time
since=$(K get pod invalid-pod -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].lastTransitionTime}')
series_of_invalid() { K get events.events.k8s.io -o jsonpath='{range .items[?(@.regarding.name=="invalid-pod")]}{.reason} {.series.count}{"\n"}{end}' 2>/dev/null; }
series_counted() { series_of_invalid | grep -q '^FailedScheduling [2-9]'; }
wait_for "invalid-pod's repeated FailedScheduling as a series" 15 series_counted
n=$(series_of_invalid | grep -c '^FailedScheduling')
[ "$n" -le 2 ] && pass || fail "invalid-pod has $n FailedScheduling events (want the first and one series): $(series_of_invalid | tr '\n' ';')"
[ "$(K get pod invalid-pod -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].lastTransitionTime}')" = "$since" ] && pass || fail "invalid-pod's condition was rewritten"

# ---- serving: /healthz /readyz /livez /metrics over HTTPS ----
for ep in healthz readyz livez; do
    [ "$(curl -sk "https://127.0.0.1:$MPORT/$ep")" = ok ] && pass || fail "/$ep"
done
curl -sk "https://127.0.0.1:$MPORT/metrics" >"$TMP/metrics"
grep -q '^scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 2$' "$TMP/metrics" && pass || fail "attempts scheduled: $(grep attempts_total "$TMP/metrics")"
grep -q '^scheduler_schedule_attempts_total{profile="default-scheduler",result="unschedulable"} [1-9]' "$TMP/metrics" && pass || fail "attempts unschedulable"
grep -q '^scheduler_schedule_attempts_total{profile="default-scheduler",result="error"} [1-9]' "$TMP/metrics" && pass || fail "attempts error"
grep -q '^scheduler_scheduling_attempt_duration_seconds_bucket{profile="default-scheduler",result="scheduled",le="16.384"} 2$' "$TMP/metrics" && pass || fail "duration histogram buckets"
pending=$(awk '/^scheduler_pending_pods/ {n += $2} END {print n}' "$TMP/metrics")
[ "$pending" = 2 ] && pass || fail "pending_pods (cncf and invalid pending): $(grep pending_pods "$TMP/metrics")"
[ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$MPORT/nope")" = 404 ] && pass || fail "/nope not 404"

# ---- a pod created later ----
K run later --image=registry.k8s.io/pause:3.10 --restart=Never --annotations=scheduler.wasmkwokwizardry.io/regex='node-.*' >/dev/null 2>&1
wait_for "a pod created later is bound" 10 bound_to later node-0

# ---- API server killed and restarted on the same port and data dir ----
kill -9 "$API_PID"; wait "$API_PID" 2>/dev/null
sleep 0.5
start_api api2 --listen 127.0.0.1:$PORT --data-dir "$TMP/data" --write-kubeconfig "$TMP/kc"
K run after-restart --image=registry.k8s.io/pause:3.10 --restart=Never --annotations=scheduler.wasmkwokwizardry.io/regex='kubecon-1' >/dev/null 2>&1
wait_for "a pod created after the API server restart is bound" 20 bound_to after-restart kubecon-1
n=$(grep -c 'binding .*HTTP' "$TMP/sched.log"); [ "$n" -eq 0 ] && pass || fail "bind failures after restart: $(grep 'binding' "$TMP/sched.log" | head -3)"

# ---- SIGTERM: clean exit ----
kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
[ $rc -eq 0 ] && grep -q "stopping" "$TMP/sched.log" && pass || fail "SIGTERM exit: rc=$rc"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

# ---- preemption, over HTTPS with a token through --kubeconfig ----
echo "secret-token,admin,1,system:masters" >"$TMP/tokens.csv"
start_api api3 --listen 127.0.0.1:0 --tls-self-signed --token-file "$TMP/tokens.csv" --write-kubeconfig "$TMP/kc"
grep -q "token" "$TMP/kc" || fail "kubeconfig has no token"
cat >"$TMP/preempt.yaml" <<'YAML'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: v1
kind: Node
metadata: {name: small, labels: {kubernetes.io/hostname: small}}
status: {capacity: {cpu: "1", memory: 1Gi, pods: "10"}, allocatable: {cpu: "1", memory: 1Gi, pods: "10"}}
---
apiVersion: v1
kind: Pod
metadata: {name: victim, namespace: default}
spec:
  priorityClassName: low
  containers: [{name: c, image: x, resources: {requests: {cpu: 800m}}}]
YAML
start_sched sched3 --kubeconfig "$TMP/kc"
K apply -f "$TMP/preempt.yaml" >/dev/null 2>"$TMP/err" || fail "apply preempt: $(cat "$TMP/err")"
wait_for "victim bound (HTTPS + token)" 10 bound_to victim small
cat >"$TMP/preemptor.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: preemptor, namespace: default}
spec:
  priorityClassName: high
  containers: [{name: c, image: x, resources: {requests: {cpu: 800m}}}]
YAML
K apply -f "$TMP/preemptor.yaml" >/dev/null 2>&1
victim_gone() { ! K get pod victim >/dev/null 2>&1; }
wait_for "victim deleted by preemption" 15 victim_gone
wait_for "preemptor bound after the victim is gone" 15 bound_to preemptor small
if K get events -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}' 2>/dev/null | grep -qx Preempted; then pass; else fail "no Preempted event"; fi
kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
[ $rc -eq 0 ] && pass || fail "SIGTERM exit (HTTPS): rc=$rc"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

# ---- two replicas with leader election: one schedules, kill -9 -> takeover ----
start_api api4 --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
LE=(--leader-elect --leader-elect-lease-duration 3s --leader-elect-renew-deadline 2s --leader-elect-retry-period 500ms)
start_sched rep1 --master "$URL" "${LE[@]}"; P1=$SCHED_PID
start_sched rep2 --master "$URL" "${LE[@]}"; P2=$SCHED_PID
leaders() { grep -l "leading as" "$TMP/rep1.log" "$TMP/rep2.log" 2>/dev/null | wc -l; }
one_leader() { [ "$(leaders)" -eq 1 ]; }
wait_for "one replica leads" 10 one_leader
sleep 1
[ "$(leaders)" -eq 1 ] && pass || fail "both replicas lead"
holder=$(K get lease -n kube-system kube-scheduler -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)
[[ "$holder" =~ ^[^_]+_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] && pass || fail "holderIdentity \"$holder\""
[ "$(K get lease -n kube-system kube-scheduler -o jsonpath='{.spec.leaseDurationSeconds}')" = 3 ] && pass || fail "leaseDurationSeconds"
if grep -q "leading as" "$TMP/rep1.log"; then LEADER=$P1; FOLLOWER_LOG=$TMP/rep2.log; else LEADER=$P2; FOLLOWER_LOG=$TMP/rep1.log; fi
cat >"$TMP/nodes.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {capacity: {cpu: "8", memory: 8Gi, pods: "100"}}
YAML
K apply -f "$TMP/nodes.yaml" >/dev/null
for i in 1 2 3 4 5; do K run "p$i" --image=x --restart=Never >/dev/null 2>&1; done
wait_for "pods bound by the leader" 10 bound_to p5 n1
kill -9 "$LEADER"; t0=$(date +%s.%N)
wait_for "the follower takes over after kill -9" 15 grep -q "leading as" "$FOLLOWER_LOG"
t1=$(date +%s.%N)
echo "  leader failover: $(echo "$t1 - $t0" | bc) s (lease duration 3 s)"
[ "$(K get lease -n kube-system kube-scheduler -o jsonpath='{.spec.leaseTransitions}')" = 1 ] && pass || fail "leaseTransitions != 1"
for i in 6 7 8; do K run "p$i" --image=x --restart=Never >/dev/null 2>&1; done
wait_for "pods bound by the new leader" 10 bound_to p8 n1
dups=$(K get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.name}{"\n"}{end}' | grep '^Scheduled ' | sort | uniq -d)
n=$(K get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.name}{"\n"}{end}' | grep -c '^Scheduled ')
[ -z "$dups" ] && [ "$n" -eq 8 ] && pass || fail "double binds: $dups ($n Scheduled events)"
# a leader whose lease is taken exits 1 (kube-scheduler: "leaderelection lost")
if grep -q "leading as" "$TMP/rep1.log" && kill -0 $P1 2>/dev/null; then NEW=$P1; NEW_LOG=$TMP/rep1.log; else NEW=$P2; NEW_LOG=$TMP/rep2.log; fi
K patch lease -n kube-system kube-scheduler --type merge -p "{\"spec\":{\"holderIdentity\":\"intruder\",\"leaseDurationSeconds\":60,\"renewTime\":\"$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)\"}}" >/dev/null
wait "$NEW"; rc=$?
[ $rc -eq 1 ] && grep -q "leaderelection lost" "$NEW_LOG" && pass || fail "leader that lost its lease: rc=$rc"
kill -TERM $P1 $P2 2>/dev/null; wait $P1 $P2 2>/dev/null
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

# ---- deploy/: accepted by the API server, readable back, and its config runs ----
start_api api5 --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
if K apply -f "$ROOT/deploy/schedlab-scheduler.yaml" >"$TMP/out" 2>"$TMP/err"; then pass; else fail "apply deploy/: $(cat "$TMP/err")"; fi
n=$(K get -f "$ROOT/deploy/schedlab-scheduler.yaml" -o name 2>/dev/null | wc -l)
[ "$n" -eq 5 ] && pass || fail "deploy/ objects read back: $n of 5"
[ "$(K get deploy -n kube-system schedlab-scheduler -o jsonpath='{.spec.replicas}')" = 2 ] && pass || fail "deployment replicas"
verbs=$(K get clusterrole schedlab-scheduler -o jsonpath='{range .rules[*]}{.resources}{.verbs}{"\n"}{end}')
echo "$verbs" | grep -q 'pods/binding.*create' && echo "$verbs" | grep -q 'pods/status.*patch' && pass || fail "clusterrole rules: $verbs"
K get configmap -n kube-system schedlab-scheduler-config -o jsonpath='{.data.config\.yaml}' >"$TMP/deploy-config.yaml"
start_sched deploy --master "$URL" --config "$TMP/deploy-config.yaml"
K apply -f "$TMP/nodes.yaml" >/dev/null
cat >"$TMP/second.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: mine, namespace: default}
spec: {schedulerName: schedlab-scheduler, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: not-mine, namespace: default}
spec: {containers: [{name: c, image: x}]}
YAML
K apply -f "$TMP/second.yaml" >/dev/null
wait_for "the deployed config schedules its schedulerName" 10 bound_to mine n1
sleep 0.5
[ -z "$(node_of not-mine)" ] && pass || fail "a default-scheduler pod was bound by the second scheduler"
[ -n "$(K get lease -n kube-system schedlab-scheduler -o jsonpath='{.spec.holderIdentity}' 2>/dev/null)" ] && pass || fail "no Lease kube-system/schedlab-scheduler"
kill -TERM "$SCHED_PID"; wait "$SCHED_PID"
# SIGTERM released the lease (client-go ReleaseOnCancel)
[ -z "$(K get lease -n kube-system schedlab-scheduler -o jsonpath='{.spec.holderIdentity}')" ] && pass || fail "lease not released on SIGTERM"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

# ---- schedlab sim: one process ----
"$SCHEDLAB" sim --listen 127.0.0.1:0 --config "$ROOT/examples/regex-v2.yaml" >"$TMP/sim.out" 2>"$TMP/sim.log" &
SIM_PID=$!; PIDS+=("$SIM_PID")
sim_ready() { grep -q '^schedlab sim: ready on http://127.0.0.1:' "$TMP/sim.out"; }
wait_for "sim prints ready" 10 sim_ready
SIM_KC=$(sed -n 's/^schedlab sim: kubeconfig //p' "$TMP/sim.out")
cp "$SIM_KC" "$TMP/kc"
K apply -f "$ROOT/examples/regex-demo.yaml" >/dev/null 2>&1
wait_for "sim: kubecon-pod bound" 10 bound_to kubecon-pod 'kubecon-*'
wait_for "sim: cncf-pod Unschedulable" 10 cond_is cncf-pod Unschedulable 'does not match regex "cncf-.*"'
wait_for "sim: invalid-pod SchedulerError" 10 cond_is invalid-pod SchedulerError 'failed to compile regex'
K run later --image=x --restart=Never --annotations=scheduler.wasmkwokwizardry.io/regex='node-.*' >/dev/null 2>&1
wait_for "sim: a pod created later is bound" 10 bound_to later node-0
kill -TERM "$SIM_PID"; wait "$SIM_PID"; rc=$?
[ $rc -eq 0 ] && [ ! -e "$SIM_KC" ] && pass || fail "sim SIGTERM: rc=$rc"
sanitizer_check

echo "scheduler_remote: $passed passed, $failed failed"
[ $failed -eq 0 ]
