#!/usr/bin/env bash
# scheduler_metrics.sh — per-plugin timings on the /metrics endpoint of
# `schedlab scheduler` (scheduler_plugin_execution_duration_seconds, sampled
# in 10% of the scheduling cycles as upstream's pluginMetricsSamplePercent).
#
# `schedlab apiserver` holds 10 schedulable nodes and 1 unschedulable one
# (spec.unschedulable); 300 small pods are bound by `schedlab scheduler
# --master` serving /metrics on a free port. Every sampled cycle filters all
# 11 nodes (fewer than 100: no early cut) and scores the 10 feasible ones, so:
#   - sampled cycles = the NodeResourcesFit PreFilter count, about 10% of 300;
#   - NodeUnschedulable Filter: 10 per sampled cycle with status Success,
#     1 with UnschedulableAndUnresolvable (the first Filter plugin);
#   - NodeResourcesFit Filter: exactly 10 per sampled cycle (the
#     unschedulable node never reaches it), Score: 10 per sampled cycle;
#   - PreScore/Reserve/PreBind/Bind plugins once per sampled cycle (the
#     default profile has no Permit or PostBind plugin);
# and the whole text parses: a strict line grammar, each histogram's
# buckets are upstream's (le 1e-05 × 1.5^i, 20 of them, then +Inf),
# cumulative, with +Inf equal to _count.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_metrics.sh
#
# The last line is "scheduler_metrics: N passed, M failed".
. "$(dirname "$0")/lib.sh"
[ -n "${KEEP_METRICS:-}" ] && trap "cp \"\$TMP/metrics\" \"\$KEEP_METRICS\"; cleanup" EXIT
finish() { echo "scheduler_metrics: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
K() { kubectl --kubeconfig "$TMP/kc" "$@"; }

NODES=10
PODS=300

PORT=$(free_port)
start_api api --listen 127.0.0.1:$PORT --write-kubeconfig "$TMP/kc" && pass || finish

{
    for i in $(seq 1 $NODES); do
        printf 'apiVersion: v1\nkind: Node\nmetadata: {name: n%d, labels: {kubernetes.io/hostname: n%d}}\nstatus: {capacity: {cpu: "8", memory: 32Gi, pods: "110"}, allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}\n---\n' "$i" "$i"
    done
    printf 'apiVersion: v1\nkind: Node\nmetadata: {name: cordoned, labels: {kubernetes.io/hostname: cordoned}}\nspec: {unschedulable: true}\nstatus: {capacity: {cpu: "8", memory: 32Gi, pods: "110"}, allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}\n---\n'
} >"$TMP/nodes.yaml"
for i in $(seq 1 $PODS); do
    printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: default}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 10m, memory: 16Mi}}}]}\n---\n' "$i"
done >"$TMP/pods.yaml"
K apply -f "$TMP/nodes.yaml" >/dev/null 2>"$TMP/err" && pass || fail "apply nodes: $(cat "$TMP/err")"

MPORT=$(free_port)
"$SCHEDLAB" scheduler --master "$URL" --secure-port "$MPORT" --bind-address 127.0.0.1 --kube-api-qps 1000 \
    --kube-api-burst 1000 >"$TMP/sched.out" 2>"$TMP/sched.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
K apply -f "$TMP/pods.yaml" >/dev/null 2>"$TMP/err" && pass || fail "apply pods: $(cat "$TMP/err")"

bound=0
for _ in $(seq 600); do
    bound=$(K get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' 2>/dev/null | grep -c .)
    [ "$bound" -ge $PODS ] && break
    sleep 0.1
done
[ "$bound" -ge $PODS ] && pass || fail "only $bound of $PODS pods bound: $(tail -5 "$TMP/sched.log")"

curl -sk "https://127.0.0.1:$MPORT/metrics" >"$TMP/metrics" && [ -s "$TMP/metrics" ] && pass || fail "GET /metrics"

PE=scheduler_plugin_execution_duration_seconds
count() { # plugin point status -> the _count value (empty if absent)
    sed -n "s/^${PE}_count{plugin=\"$1\",extension_point=\"$2\",status=\"$3\"} //p" "$TMP/metrics"
}
sampled=$(count NodeResourcesFit PreFilter Success)
attempts=$(sed -n 's/^scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} //p' "$TMP/metrics")
[ "${attempts:-0}" -ge $PODS ] && pass || fail "schedule_attempts_total scheduled = ${attempts:-none}, want >= $PODS"
# Binomial(300, 0.1): mean 30, sd 5.2; [5, 90] is far outside chance.
if [ -n "$sampled" ] && [ "$sampled" -ge 5 ] && [ "$sampled" -le 90 ]; then pass; else
    fail "sampled cycles (NodeResourcesFit PreFilter count) = ${sampled:-none}, want ~10% of $PODS"; fi
sampled=${sampled:-0}

expect() { # plugin point status want
    local got; got=$(count "$1" "$2" "$3")
    [ "${got:-none}" = "$4" ] && pass || fail "$PE{plugin=$1,extension_point=$2,status=$3} count ${got:-none}, want $4"
}
expect NodeUnschedulable Filter Success $((NODES * sampled))
expect NodeUnschedulable Filter UnschedulableAndUnresolvable "$sampled"
expect NodeResourcesFit Filter Success $((NODES * sampled))
expect NodeResourcesFit Score Success $((NODES * sampled))
expect NodeResourcesBalancedAllocation Score Success $((NODES * sampled))
expect TaintToleration Filter Success $((NODES * sampled))
expect DefaultBinder Bind Success "$sampled"
# Unschedulable statuses never reach NodeResourcesFit.
[ -z "$(count NodeResourcesFit Filter Unschedulable)" ] && pass || fail "NodeResourcesFit saw a rejected node"
for pt in PreScore Reserve PreBind; do
    grep -q "^${PE}_count{plugin=\"[A-Za-z]*\",extension_point=\"$pt\",status=\"[A-Za-z]*\"} [1-9]" "$TMP/metrics" && pass ||
        fail "no $PE series at $pt"
done
# upstream's extension point names only
bad=$(grep -o "^${PE}_count{plugin=\"[^\"]*\",extension_point=\"[^\"]*\"" "$TMP/metrics" | sed 's/.*extension_point="//; s/"$//' | sort -u |
      grep -vxE 'PreFilter|PreFilterExtensionAddPod|PreFilterExtensionRemovePod|Filter|PostFilter|PreScore|Score|ScoreExtensionNormalize|Reserve|Unreserve|Permit|PreBind|Bind|PostBind')
[ -z "$bad" ] && pass || fail "unknown extension_point labels: $bad"

# The exposition format, strictly.
if python3 - "$TMP/metrics" >"$TMP/parse" 2>&1 <<'PY'; then pass; else fail "metrics text: $(head -5 "$TMP/parse")"; fi
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"'
sample = re.compile(r'^(' + name + r')(?:\{(' + label + r'(?:,' + label + r')*)\})? (-?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\+Inf|NaN))$')
types = {}
series = {}
errors = []
for ln, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip('\n')
    if line.startswith('# HELP '):
        continue
    if line.startswith('# TYPE '):
        parts = line.split(' ')
        if len(parts) != 4 or parts[3] not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
            errors.append(f'{ln}: bad TYPE line: {line}')
        types[parts[2]] = parts[3]
        continue
    m = sample.match(line)
    if not m:
        errors.append(f'{ln}: not a sample: {line!r}')
        continue
    metric, labels, value = m.group(1), m.group(2) or '', m.group(3)
    base = re.sub(r'_(bucket|sum|count)$', '', metric)
    if base not in types and metric not in types:
        errors.append(f'{ln}: {metric} has no TYPE line')
    if types.get(base) == 'histogram':
        pairs = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"', labels)
        le = [v for k, v in pairs if k == 'le']
        key = (base, tuple((k, v) for k, v in pairs if k != 'le'))
        s = series.setdefault(key, {'buckets': [], 'count': None})
        if metric.endswith('_bucket'):
            s['buckets'].append((le[0], float(value)))
        elif metric.endswith('_count'):
            s['count'] = float(value)
pe = 'scheduler_plugin_execution_duration_seconds'
want_le = [0.00001 * 1.5 ** i for i in range(20)]
nseries = 0
for (base, labels), s in series.items():
    b = s['buckets']
    vals = [v for _, v in b]
    if vals != sorted(vals):
        errors.append(f'{base}{dict(labels)}: buckets not cumulative')
    if not b or b[-1][0] != '+Inf' or b[-1][1] != s['count']:
        errors.append(f'{base}{dict(labels)}: +Inf bucket != _count')
    if base == pe:
        nseries += 1
        les = [float(x) for x, _ in b[:-1]]
        if len(les) != 20 or any(abs(a - w) > w * 1e-5 for a, w in zip(les, want_le)):
            errors.append(f'{base}{dict(labels)}: buckets {les} are not ExponentialBuckets(1e-5, 1.5, 20)')
        if [k for k, _ in labels] != ['plugin', 'extension_point', 'status']:
            errors.append(f'{base}: labels {labels}')
if nseries < 10:
    errors.append(f'only {nseries} {pe} series')
for e in errors[:20]:
    print(e)
sys.exit(1 if errors else 0)
PY

kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
[ $rc -eq 0 ] && pass || fail "scheduler SIGTERM exit $rc: $(tail -5 "$TMP/sched.log")"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
if grep -lE "Sanitizer|runtime error" "$TMP"/*.log >/dev/null 2>&1; then
    fail "sanitizer report:"; grep -hE -A12 "Sanitizer|runtime error" "$TMP"/*.log | head -40
fi
finish
