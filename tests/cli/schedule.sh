#!/usr/bin/env bash
# schedule.sh — end-to-end tests of `schedlab schedule` and `schedlab bench
# scheduling`: the KubeCon regex seed demo with RegexScheduling (v1) and
# RegexSchedulingV2 enabled four ways, the default plugins on a small
# cluster, --explain, the JSON and table shapes, bad input (exit 2 with the
# file and field named) and the benchmark's JSON keys.
#
#   SCHEDLAB=build/release/schedlab MODE=release bash tests/cli/schedule.sh
#
# The last line is "schedule: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
MODE=${MODE:-release}
DATA=tests/data/schedule
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    [ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -5
    return 0
}

# run ARGS...: runs schedlab, output in $TMP/out and $TMP/err, status in $rc.
run() {
    "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}

# expect_rc NAME WANT
expect_rc() {
    if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2"; fi
}

# check_json NAME PYTHON-EXPRESSION: evaluated with d = the JSON output,
# pod(name) = that pod's object, msg(name) = its message.
check_json() {
    local name="$1" expr="$2" why
    why=$(python3 - "$TMP/out" "$expr" <<'EOF' 2>&1
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("output is not JSON: %s" % e); sys.exit(1)
def pod(name):
    for p in d["pods"]:
        if p["name"] == name:
            return p
    raise KeyError("no pod %r in output" % name)
def msg(name):
    return pod(name)["message"]
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e)); sys.exit(1)
if not ok:
    print("false: %s" % sys.argv[2]); sys.exit(1)
EOF
    )
    if [ $? -eq 0 ]; then pass; else fail "$name: $why"; fi
}

# check_grep NAME FILE PATTERN (fixed string)
check_grep() {
    if grep -qF -- "$3" "$2"; then pass; else fail "$1: \"$3\" not in $(basename "$2"): $(head -c 400 "$2")"; fi
}

# ---------------------------------------------------------------------------
# The seed demo: v1 and v2, enabled through multiPoint or specific points.
# ---------------------------------------------------------------------------
KUBECON='node "%s" does not match regex "cncf-.*"'
for config in regex-v1-multipoint regex-v1-filter regex-v2-multipoint regex-v2-prefilter-filter; do
    run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/$config.yaml" -o json
    expect_rc "$config: exit status" 0
    check_json "$config: kubecon pod on a kubecon node" \
        'pod("kubecon-pod")["status"] == "Scheduled" and pod("kubecon-pod")["node"] in ("kubecon-1", "kubecon-2")'
    check_json "$config: kubecon pod message empty, one attempt" \
        'msg("kubecon-pod") == "" and pod("kubecon-pod")["attempts"] == 1'
    check_json "$config: cncf pod unschedulable" \
        'pod("cncf-pod")["status"] == "Unschedulable" and pod("cncf-pod")["node"] is None'
    check_json "$config: cncf FitError: 3 nodes, one reason per node" \
        'msg("cncf-pod").startswith("0/3 nodes are available: 1 node \"kubecon-1\" does not match regex \"cncf-.*\", 1 node \"kubecon-2\" does not match regex \"cncf-.*\", 1 node \"node-0\" does not match regex \"cncf-.*\".")'
    check_json "$config: cncf FitError names the preemption outcome" \
        'msg("cncf-pod").endswith(". preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")'
    check_json "$config: invalid regex is an Error" \
        'pod("invalid-pod")["status"] == "Error" and pod("invalid-pod")["node"] is None'
    check_json "$config: invalid regex message" \
        '"failed to compile regex \"kubecon-.*" in msg("invalid-pod")'
    case "$config" in
        regex-v1-*) wrap='running \"RegexScheduling\" filter plugin: ' ;;
        *) wrap='running PreFilter plugin \"RegexSchedulingV2\": ' ;;
    esac
    check_json "$config: the framework wraps the plugin error as upstream does" \
        "msg(\"invalid-pod\").startswith(\"${wrap}failed to compile regex \")"
    check_json "$config: plain pod scheduled anywhere" \
        'pod("plain-pod")["status"] == "Scheduled" and pod("plain-pod")["node"] in ("node-0", "kubecon-1", "kubecon-2")'
done

# Without a regex plugin the annotation means nothing.
run schedule --cluster "$DATA/regex-cluster.yaml" -o json
expect_rc "default config: exit status" 0
check_json "default config: every pod scheduled" 'all(p["status"] == "Scheduled" for p in d["pods"])'

# JSON shape: exactly the documented keys, input order.
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v2-multipoint.yaml" -o json
check_json "json: top level is {pods: [...], totals: {...}}" 'list(d.keys()) == ["pods", "totals"] and isinstance(d["pods"], list)'
check_json "json: pods in input order" \
    '[p["name"] for p in d["pods"]] == ["kubecon-pod", "cncf-pod", "invalid-pod", "plain-pod"]'
check_json "json: keys of every pod" \
    'all(set(p.keys()) == {"namespace", "name", "node", "status", "message", "attempts"} for p in d["pods"])'
check_json "json: types" \
    'all(isinstance(p["attempts"], int) and isinstance(p["message"], str) and p["namespace"] == "default" for p in d["pods"])'

# Same seed, same result; the result does not depend on the output format.
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v2-multipoint.yaml" -o json --seed 7
cp "$TMP/out" "$TMP/seed7a"
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v2-multipoint.yaml" -o json --seed 7
if cmp -s "$TMP/out" "$TMP/seed7a"; then pass; else fail "--seed 7 twice gives different output"; fi

# ---------------------------------------------------------------------------
# --explain
# ---------------------------------------------------------------------------
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v2-multipoint.yaml" -o json --explain
expect_rc "explain: exit status" 0
check_json "explain: keys" \
    'all(set(p["explain"].keys()) == {"prefilter", "filter", "score", "finalscore", "selectedNode"} for p in d["pods"])'
check_json "explain: prefilter success for the regex plugin" \
    'pod("kubecon-pod")["explain"]["prefilter"]["RegexSchedulingV2"] == "success"'
check_json "explain: filter passed on kubecon nodes, rejected on node-0" \
    'all(pod("kubecon-pod")["explain"]["filter"][n]["RegexSchedulingV2"] == "passed" for n in ("kubecon-1", "kubecon-2")) and pod("kubecon-pod")["explain"]["filter"]["node-0"]["RegexSchedulingV2"] == "node \"node-0\" does not match regex \"kubecon-.*\""'
check_json "explain: filter stops at the first failing plugin" \
    'list(pod("kubecon-pod")["explain"]["filter"]["node-0"].values())[-1] != "passed"'
check_json "explain: scores only for feasible nodes" \
    'set(pod("kubecon-pod")["explain"]["score"].keys()) == {"kubecon-1", "kubecon-2"} and set(pod("kubecon-pod")["explain"]["finalscore"].keys()) == {"kubecon-1", "kubecon-2"}'
check_json "explain: raw and final scores are integers, weights applied" \
    'all(isinstance(v, int) for n in pod("kubecon-pod")["explain"]["score"].values() for v in n.values()) and all(0 <= v <= 300 for n in pod("kubecon-pod")["explain"]["finalscore"].values() for v in n.values())'
check_json "explain: TaintToleration final score carries weight 3" \
    'all(n["TaintToleration"] == 300 for n in pod("kubecon-pod")["explain"]["finalscore"].values())'
check_json "explain: selectedNode is the node" \
    'pod("kubecon-pod")["explain"]["selectedNode"] == pod("kubecon-pod")["node"]'
check_json "explain: unschedulable pod has no selected node and per-node reasons" \
    'pod("cncf-pod")["explain"]["selectedNode"] is None and len(pod("cncf-pod")["explain"]["filter"]) == 3 and pod("cncf-pod")["explain"]["score"] == {}'
check_json "explain: invalid regex fails in prefilter" \
    'pod("invalid-pod")["explain"]["prefilter"]["RegexSchedulingV2"].startswith("failed to compile regex") and pod("invalid-pod")["explain"]["filter"] == {}'

# ---------------------------------------------------------------------------
# Default plugins on a small cluster
# ---------------------------------------------------------------------------
run schedule --cluster "$DATA/basic-cluster.yaml" -o json
expect_rc "basic: exit status" 0
check_json "basic: huge pod unschedulable with the FitError histogram" \
    'pod("huge")["status"] == "Unschedulable" and pod("huge")["namespace"] == "team-a" and msg("huge").startswith("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.")'
check_json "basic: nodeSelector disk=ssd avoids the tainted node" 'pod("wants-ssd")["node"] == "big"'
check_json "basic: toleration reaches the tainted node" 'pod("tolerates-gpu")["node"] == "tainted"'
check_json "basic: no toleration" \
    'pod("no-toleration")["status"] == "Unschedulable" and msg("no-toleration").startswith("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn'"'"'t match Pod'"'"'s node affinity/selector.")'
check_json "basic: preassigned pod is Running on its node, never attempted" \
    'pod("preassigned")["status"] == "Running" and pod("preassigned")["node"] == "small" and pod("preassigned")["attempts"] == 0'
check_json "basic: gated pod" \
    'pod("gated")["status"] == "SchedulingGated" and pod("gated")["node"] is None and pod("gated")["attempts"] == 0'
check_json "basic: pod for another scheduler stays Pending" \
    'pod("other-scheduler")["status"] == "Pending" and pod("other-scheduler")["attempts"] == 0'

# ---------------------------------------------------------------------------
# Table output
# ---------------------------------------------------------------------------
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v1-filter.yaml"
expect_rc "table: exit status" 0
check_grep "table: header" "$TMP/out" "NAMESPACE  NAME         STATUS         NODE"
check_grep "table: unschedulable row" "$TMP/out" "cncf-pod     Unschedulable  <none>"
check_grep "table: error row" "$TMP/out" "invalid-pod  Error          <none>"
if [ "$(wc -l <"$TMP/out")" -eq 6 ]; then pass; else fail "table: 6 lines (header + 4 pods + totals)"; fi
check_grep "table: totals line" "$TMP/out" "4 pods: 2 scheduled, 1 unschedulable, 1 error, 0 gated, 0 pending"
# Columns line up: STATUS starts at the same offset on every line.
if awk 'NR == 1 { col = index($0, "STATUS") } NR > 1 && !/ pods: / { if (substr($0, col - 2, 2) != "  ") bad = 1 } END { exit bad }' "$TMP/out"; then
    pass
else
    fail "table: columns aligned"
fi
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/regex-v1-filter.yaml" -o table --explain
check_grep "table --explain: rejections per plugin, not per node" "$TMP/out" '    rejected by RegexScheduling on 1 nodes: 1 node "node-0" does not match regex'
check_grep "table --explain: top nodes with the selected one marked" "$TMP/out" '    top kubecon-1 score=496 (TaintToleration=300 NodeResourcesFit=98 NodeResourcesBalancedAllocation=98 ImageLocality=0) <- selected [tie]'

# ---------------------------------------------------------------------------
# Bad input: exit 2, message names the file and the field
# ---------------------------------------------------------------------------
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/bad-unknown-plugin.yaml"
expect_rc "unknown plugin: exit 2" 2
check_grep "unknown plugin: message" "$TMP/err" \
    "$DATA/bad-unknown-plugin.yaml: profiles[0].plugins.filter.enabled[1]: unknown plugin \"Foo\""
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/bad-weight.yaml"
expect_rc "bad weight: exit 2" 2
check_grep "bad weight: message" "$TMP/err" \
    "$DATA/bad-weight.yaml: profiles[0].pluginConfig[0].args.scoringStrategy.resources[0].weight: Invalid value: 101: resource weight of cpu not in valid range (0, 100]"
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/bad-api-version.yaml"
expect_rc "bad apiVersion: exit 2" 2
check_grep "bad apiVersion: message" "$TMP/err" \
    "$DATA/bad-api-version.yaml: apiVersion: Unsupported value: \"kubescheduler.config.k8s.io/v1beta3\""
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/bad-unknown-field.yaml"
expect_rc "unknown field: exit 2" 2
check_grep "unknown field: message" "$TMP/err" \
    "$DATA/bad-unknown-field.yaml: strict decoding error: unknown field \"profiles[0].plugin\""
run schedule --cluster "$DATA/bad-quantity-cluster.yaml"
expect_rc "bad quantity: exit 2" 2
check_grep "bad quantity: names file, pod and field" "$TMP/err" \
    "$DATA/bad-quantity-cluster.yaml: document 2: Pod default/web-1: spec.containers[0].resources.requests.cpu"
run schedule --cluster "$DATA/bad-syntax-cluster.yaml"
expect_rc "YAML syntax error: exit 2" 2
check_grep "YAML syntax error: names the file" "$TMP/err" "$DATA/bad-syntax-cluster.yaml"
run schedule --cluster "$DATA/no-such-file.yaml"
expect_rc "missing cluster file: exit 2" 2
check_grep "missing cluster file: message" "$TMP/err" "no-such-file.yaml"
run schedule --cluster "$DATA/regex-cluster.yaml" --config "$DATA/no-such-config.yaml"
expect_rc "missing config file: exit 2" 2
run schedule
expect_rc "no --cluster: exit 2" 2
check_grep "no --cluster: message" "$TMP/err" "--cluster FILE is required"
run schedule --cluster "$DATA/regex-cluster.yaml" -o yaml
expect_rc "bad -o: exit 2" 2
run schedule --cluster "$DATA/regex-cluster.yaml" --seed -1
expect_rc "bad --seed: exit 2" 2
run schedule --cluster "$DATA/regex-cluster.yaml" --frobnicate
expect_rc "unknown option: exit 2" 2
run schedule --help
expect_rc "--help: exit 0" 0
check_grep "--help: documents the statuses" "$TMP/out" "SchedulingGated"
check_grep "--help: documents --explain" "$TMP/out" "--explain"

# stdin as the cluster file
"$SCHEDLAB" schedule --cluster - -o json <"$DATA/regex-cluster.yaml" >"$TMP/out" 2>"$TMP/err"
rc=$?
expect_rc "cluster from stdin: exit status" 0
check_json "cluster from stdin: 4 pods" 'len(d["pods"]) == 4'

# ---------------------------------------------------------------------------
# bench scheduling (small sizes)
# ---------------------------------------------------------------------------
run bench scheduling --nodes 50 --pods 200 -o json
expect_rc "bench: exit status" 0
check_json "bench: exact keys" \
    'list(d.keys()) == ["nodes", "pods", "scheduled", "seconds", "pods_per_second", "latency_ms"] and list(d["latency_ms"].keys()) == ["p50", "p90", "p99"]'
check_json "bench: every pod scheduled" 'd["nodes"] == 50 and d["pods"] == 200 and d["scheduled"] == 200'
check_json "bench: numbers make sense" \
    'd["seconds"] > 0 and d["pods_per_second"] > 0 and 0 <= d["latency_ms"]["p50"] <= d["latency_ms"]["p90"] <= d["latency_ms"]["p99"]'
# 4 cpu per node, 100m per pod: 40 pods fit by cpu, 110 by count; 5 nodes x 40 = 200.
run bench scheduling --nodes 5 --pods 250 -o json
check_json "bench: capacity limits scheduling" 'd["scheduled"] == 200'
# Templates: 1Gi pods on tainted nodes they tolerate; 32Gi per node = 32 pods (-> 20 by cpu 200m).
run bench scheduling --nodes 3 --pods 70 --pod-template "$DATA/pod-template.yaml" \
    --node-template "$DATA/node-template.yaml" -o json
expect_rc "bench templates: exit status" 0
check_json "bench templates: merged resources and taints" 'd["scheduled"] == 60'
run bench scheduling --nodes 3 --pods 10 --node-template "$DATA/node-template.yaml" -o json
check_json "bench templates: untolerated taint blocks every pod" 'd["scheduled"] == 0'
run bench scheduling --nodes 10 --pods 20
expect_rc "bench text: exit status" 0
check_grep "bench text: pods_per_second" "$TMP/out" "pods_per_second:"
run bench scheduling --nodes 0
expect_rc "bench --nodes 0: exit 2" 2
run bench scheduling --config "$DATA/bad-unknown-plugin.yaml" --nodes 2 --pods 2
expect_rc "bench bad config: exit 2" 2
check_grep "bench bad config: message" "$TMP/err" "unknown plugin \"Foo\""
run bench nonsense
expect_rc "bench unknown benchmark: exit 2" 2

# Preemption end to end: the high-priority pod evicts the low one, is
# nominated, and binds on its next attempt; --explain describes that last
# attempt (the dry run's Filter calls are not recorded).
run schedule --cluster "$DATA/preempt-explain.yaml" --explain -o json
expect_rc "preemption: exit status" 0
check_json "preemption: victim deleted" 'pod("low")["status"] == "Deleted" and pod("low")["node"] is None'
check_json "preemption: preemptor scheduled on its second attempt" 'pod("high")["status"] == "Scheduled" and pod("high")["node"] == "only" and pod("high")["attempts"] == 2'
check_json "preemption: explain shows the last real attempt" 'pod("high")["explain"]["filter"]["only"]["NodeResourcesFit"] == "passed" and pod("high")["explain"]["selectedNode"] == "only"'

echo "schedule: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
