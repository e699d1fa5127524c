#!/usr/bin/env bash
# scheduler_plugins.sh — extenders and wasm plugins in the commands that run
# the scheduler against an API server (issues 9 and 10), driven by kubectl:
#   (a) `schedlab apiserver` + `schedlab scheduler --master URL --config`
#       with the C regex extender v2 (build/examples/regex-extender-v2) on a
#       free port;
#   (b) the same with the regex v2 wasm guest (as RegexSchedulingWasm) (build/wasm/regex_v2.wasm);
#   (c) `schedlab sim --config` with that wasm guest.
# Each applies examples/regex-demo.yaml and asserts: kubecon-pod bound to a
# kubecon node, cncf-pod Pending with PodScheduled=False/Unschedulable
# carrying the extender's / guest's message, and a FailedScheduling event;
# (b) also checks /metrics: scheduler_framework_extension_point_duration_seconds
# and scheduler_plugin_execution_duration_seconds (upstream labels/buckets).
# Every process gets a free port, is bounded by waits, and is killed at the end.
#
#   SCHEDLAB=build/release/schedlab MODE=release bash tests/cli/scheduler_plugins.sh
#
# The last line is "scheduler_plugins: N passed, M failed".
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-release}
if [ "$MODE" = release ]; then EXAMPLES=build/examples; else EXAMPLES=build/$MODE/examples; fi
EXTENDER=${EXTENDER:-$ROOT/$EXAMPLES/regex-extender-v2}
GUEST=${GUEST:-$ROOT/build/wasm/regex_v2.wasm}
cleanup() { # lib.sh's, and wait for what was killed
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$TMP"
}

# start_sched NAME ARGS...: sets SCHED_PID
start_sched() {
    local name=$1; shift
    MPORT=$(free_port)
    "$SCHEDLAB" scheduler --secure-port "$MPORT" --bind-address 127.0.0.1 "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SCHED_PID=$!
    PIDS+=("$SCHED_PID")
}
K() { timeout 20 kubectl --kubeconfig "$TMP/kc" "$@"; }
node_of() { K get pod "$1" -o jsonpath='{.spec.nodeName}'; }
bound_to() { local n; n=$(node_of "$1"); [[ "$n" == $2 ]]; }
cond_is() { # pod reason message-substring
    local c; c=$(K get pod "$1" -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status}|{.reason}|{.message}{end}')
    [[ "$c" == "False|$2|"*"$3"* ]]
}
has_event() { # pod reason
    K get events --field-selector involvedObject.name="$1" -o jsonpath='{range .items[*]}{.reason}{"\n"}{end}' | grep -qx "$2"
}
# demo LABEL CNCF-MESSAGE: applies the regex demo and checks the outcome
demo() {
    local label=$1 msg=$2
    K apply -f "$ROOT/examples/regex-demo.yaml" >/dev/null 2>"$TMP/err" && pass || fail "$label: kubectl apply regex-demo: $(cat "$TMP/err")"
    wait_for "$label: kubecon-pod bound to a kubecon node" 15 bound_to kubecon-pod 'kubecon-*'
    wait_for "$label: cncf-pod PodScheduled=False Unschedulable with the plugin's message" 15 \
        cond_is cncf-pod Unschedulable "$msg"
    [ -z "$(node_of cncf-pod)" ] && pass || fail "$label: cncf-pod was bound"
    [ "$(K get pod cncf-pod -o jsonpath='{.status.phase}')" = Pending ] && pass || fail "$label: cncf-pod not Pending"
    wait_for "$label: FailedScheduling event for cncf-pod" 10 has_event cncf-pod FailedScheduling
}
stop() { # PID: SIGTERM, expect exit 0
    kill -TERM "$1"; wait "$1"; local rc=$?
    [ $rc -eq 0 ] && pass || fail "$2: SIGTERM exit $rc"
}

for f in "$EXTENDER" "$GUEST"; do
    [ -x "$f" ] || [ -f "$f" ] || { fail "missing $f (run make)"; echo "scheduler_plugins: $passed passed, $failed failed"; exit 1; }
done

# ---- (a) schedlab scheduler + the C regex extender v2 ----
: >"$TMP/ext.out"
"$EXTENDER" --listen 127.0.0.1:0 >"$TMP/ext.out" 2>"$TMP/ext.log" &
EXT_PID=$!; PIDS+=("$EXT_PID")
EXT_URL=""
for _ in $(seq 100); do
    EXT_URL=$(sed -n 's/^listening on //p' "$TMP/ext.out")
    [ -n "$EXT_URL" ] && break
    sleep 0.05
done
[ -n "$EXT_URL" ] || fail "extender did not start: $(cat "$TMP/ext.log")"
cat >"$TMP/extender.yaml" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
extenders:
  - urlPrefix: $EXT_URL/
    filterVerb: filter
    weight: 10
    nodeCacheCapable: true
YAML
start_api api-ext --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
start_sched sched-ext --master "$URL" --config "$TMP/extender.yaml"
demo "scheduler+extender" '1 Node kubecon-1 does not match the regex pattern cncf-.*'
stop "$SCHED_PID" "scheduler+extender"
kill "$API_PID" "$EXT_PID"; wait "$API_PID" "$EXT_PID" 2>/dev/null
sanitizer_check

# ---- (b) schedlab scheduler + the regex v2 wasm guest (as RegexSchedulingWasm) ----
cat >"$TMP/wasm.yaml" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    plugins:
      multiPoint:
        enabled:
          - name: RegexSchedulingWasm
    pluginConfig:
      - name: RegexSchedulingWasm
        args:
          guestURL: file://$GUEST
YAML
start_api api-wasm --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
start_sched sched-wasm --master "$URL" --config "$TMP/wasm.yaml"
demo "scheduler+wasm" 'node "kubecon-1" does not match regex "cncf-.*"'
wait_for "scheduler+wasm: invalid-pod SchedulerError" 10 cond_is invalid-pod SchedulerError 'failed to compile regex'
# /metrics: extension point durations, and plugin execution durations
# (sampled in 10% of the cycles: 100 more pods make a sampled cycle all but
# certain, 1 - 0.9^100)
for i in $(seq 100); do printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: m%d, namespace: default}\nspec: {containers: [{name: c, image: x}]}\n---\n' "$i"; done >"$TMP/many.yaml"
K apply -f "$TMP/many.yaml" >/dev/null 2>"$TMP/err" || fail "apply 100 pods: $(cat "$TMP/err")"
wait_for "scheduler+wasm: 100 more pods bound" 30 bound_to m100 '?*'
curl -sk "https://127.0.0.1:$MPORT/metrics" >"$TMP/metrics"
EP=scheduler_framework_extension_point_duration_seconds
PE=scheduler_plugin_execution_duration_seconds
grep -q "^# TYPE $EP histogram\$" "$TMP/metrics" && grep -q "^# TYPE $PE histogram\$" "$TMP/metrics" && pass || fail "metrics TYPE lines"
n=$(sed -n "s/^${EP}_count{extension_point=\"Bind\",status=\"Success\",profile=\"default-scheduler\"} //p" "$TMP/metrics")
[ "${n:-0}" -ge 102 ] && pass || fail "$EP Bind/Success count ${n:-none}, want >= 102"
grep -q "^${EP}_bucket{extension_point=\"PreFilter\",status=\"Success\",profile=\"default-scheduler\",le=\"0.2048\"} [1-9]" "$TMP/metrics" && pass || fail "$EP PreFilter buckets: $(grep "^${EP}_bucket{extension_point=\"PreFilter\"" "$TMP/metrics" | tail -2)"
for pt in Filter PostBind; do
    grep -q "^${EP}_count{extension_point=\"$pt\",status=\"Success\",profile=\"default-scheduler\"} [1-9]" "$TMP/metrics" && pass || fail "$EP $pt Success"
done
grep -q "^${EP}_count{extension_point=\"PostFilter\",status=\"Unschedulable\",profile=\"default-scheduler\"} [1-9]" "$TMP/metrics" && pass || fail "$EP PostFilter Unschedulable (cncf-pod)"
grep -q "^${EP}_bucket{extension_point=\"Score\",status=\"Success\",profile=\"default-scheduler\",le=\"0.0001\"} " "$TMP/metrics" && pass || fail "$EP Score first bucket le=0.0001"
m=$(sed -n "s/^${PE}_count{plugin=\"DefaultBinder\",extension_point=\"Bind\",status=\"Success\"} //p" "$TMP/metrics")
[ "${m:-0}" -ge 1 ] && [ "${m:-0}" -lt "$n" ] && pass || fail "$PE DefaultBinder/Bind sampled count ${m:-none} of $n binds"
grep -q "^${PE}_bucket{plugin=\"RegexSchedulingWasm\",extension_point=\"PreFilter\",status=\"[A-Za-z]*\",le=\"1e-05\"} " "$TMP/metrics" && pass || fail "$PE wasm plugin PreFilter, first bucket le=1e-05"
grep -q "^${PE}_bucket{plugin=\"DefaultBinder\",extension_point=\"Bind\",status=\"Success\",le=\"0.0221684\"} " "$TMP/metrics" && pass || fail "$PE last bucket (0.00001*1.5^19): $(grep "^${PE}_bucket{plugin=\"DefaultBinder\"" "$TMP/metrics" | tail -3)"
stop "$SCHED_PID" "scheduler+wasm"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
sanitizer_check

# ---- (c) schedlab sim + the wasm guest ----
: >"$TMP/sim.out"
"$SCHEDLAB" sim --listen 127.0.0.1:0 --config "$TMP/wasm.yaml" >"$TMP/sim.out" 2>"$TMP/sim.log" &
SIM_PID=$!; PIDS+=("$SIM_PID")
sim_ready() { grep -q '^schedlab sim: ready on http://127.0.0.1:' "$TMP/sim.out"; }
wait_for "sim prints ready" 15 sim_ready
SIM_KC=$(sed -n 's/^schedlab sim: kubeconfig //p' "$TMP/sim.out")
cp "$SIM_KC" "$TMP/kc" 2>/dev/null || fail "sim kubeconfig: $(cat "$TMP/sim.log")"
demo "sim+wasm" 'node "kubecon-1" does not match regex "cncf-.*"'
stop "$SIM_PID" "sim+wasm"
sanitizer_check

echo "scheduler_plugins: $passed passed, $failed failed"
[ $failed -eq 0 ]
