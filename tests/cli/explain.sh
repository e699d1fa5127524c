#!/usr/bin/env bash
# explain.sh — `schedlab schedule --explain-pod` and the readable outcomes:
# the explain object only for the named pods (same keys as --explain), the
# per-pod summary (rejections per plugin counted as FitError counts them,
# top nodes with the selected one marked and ties flagged, PreFilter errors),
# the memory bound at 2,000 nodes, preemption named on both sides, the last
# failure kept as history, the totals line.
#
#   SCHEDLAB=build/release/schedlab MODE=release bash tests/cli/explain.sh
#
# The last line is "explain: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
DATA=tests/data
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
run() {
    "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
expect_rc() { if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2"; fi; }
check_grep() {
    if grep -qF -- "$3" "$2"; then pass; else fail "$1: \"$3\" not in $(basename "$2"): $(head -c 600 "$2")"; fi
}
check_no_grep() {
    if grep -qF -- "$3" "$2"; then fail "$1: \"$3\" unexpectedly in $(basename "$2")"; else pass; fi
}
check_json() {
    local name="$1" expr="$2" why
    why=$(python3 - "$TMP/out" "$expr" <<'PY' 2>&1
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
try:
    ok = eval(sys.argv[2])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e)); sys.exit(1)
if not ok:
    print("false: %s" % sys.argv[2]); sys.exit(1)
PY
    )
    if [ $? -eq 0 ]; then pass; else fail "$name: $why"; fi
}

REGEX="--cluster $DATA/schedule/regex-cluster.yaml --config $DATA/schedule/regex-v2-multipoint.yaml"

# --- --explain-pod: only the named pods, today's keys --------------------
run schedule $REGEX -o json --explain-pod default/cncf-pod --explain-pod plain-pod
expect_rc "explain-pod: exit status" 0
check_json "explain-pod: explain object only for the named pods" \
    '[p["name"] for p in d["pods"] if p["explain"] is not None] == ["cncf-pod", "plain-pod"]'
check_json "explain-pod: same explain keys as --explain" \
    'set(pod("cncf-pod")["explain"].keys()) == {"prefilter", "filter", "score", "finalscore", "selectedNode"}'
check_json "explain-pod: full per-node filter map kept" \
    'set(pod("cncf-pod")["explain"]["filter"].keys()) == {"node-0", "kubecon-1", "kubecon-2"}'
check_json "explain-pod: summary only for the named pods" \
    '"explainSummary" in pod("cncf-pod") and "explainSummary" not in pod("kubecon-pod")'
check_json "summary: rejections per plugin with reasons counted" \
    'pod("cncf-pod")["explainSummary"]["rejected"] == [{"plugin": "RegexSchedulingV2", "nodes": 3, "reasons": [{"reason": "node \"kubecon-1\" does not match regex \"cncf-.*\"", "nodes": 1}, {"reason": "node \"kubecon-2\" does not match regex \"cncf-.*\"", "nodes": 1}, {"reason": "node \"node-0\" does not match regex \"cncf-.*\"", "nodes": 1}]}]'
check_json "summary: node counts" \
    'pod("cncf-pod")["explainSummary"]["nodes"] == {"total": 3, "evaluated": 3, "feasible": 0}'
check_json "summary: PostFilter verdict kept" \
    'pod("cncf-pod")["explainSummary"]["postfilter"]["DefaultPreemption"].startswith("preemption: 0/3 nodes")'
check_json "summary: top nodes sorted, totals are the sums of final scores" \
    'all(t["total"] == sum(t["plugins"].values()) for t in pod("plain-pod")["explainSummary"]["top"]) and [t["total"] for t in pod("plain-pod")["explainSummary"]["top"]] == sorted([t["total"] for t in pod("plain-pod")["explainSummary"]["top"]], reverse=True)'
check_json "summary: the chosen node is marked and first" \
    'pod("plain-pod")["explainSummary"]["top"][0]["selected"] and pod("plain-pod")["explainSummary"]["top"][0]["node"] == pod("plain-pod")["node"] and sum(t["selected"] for t in pod("plain-pod")["explainSummary"]["top"]) == 1'
check_json "summary: ties flagged (two nodes with equal totals)" \
    'pod("plain-pod")["explainSummary"]["tiedAtTop"] == 2 and [t["tie"] for t in pod("plain-pod")["explainSummary"]["top"]] == [True, True, False]'

run schedule $REGEX -o json --explain-pod default/plain-pod --explain-top 1
check_json "--explain-top 1: one node listed" 'len(pod("plain-pod")["explainSummary"]["top"]) == 1'

# --- the table: summaries, PreFilter errors, no per-node dump ------------
run schedule $REGEX --explain-pod invalid-pod --explain-pod cncf-pod
check_grep "table: PreFilter error shown" "$TMP/out" '    prefilter: RegexSchedulingV2=failed to compile regex'
check_grep "table: rejection histogram" "$TMP/out" '    rejected by RegexSchedulingV2 on 3 nodes: 1 node "kubecon-1" does not match regex "cncf-.*", 1 node "kubecon-2"'
check_grep "table: evaluated nodes" "$TMP/out" '    attempt 2: 3/3 nodes evaluated, 0 feasible'
check_no_grep "table: unnamed pods not explained" "$TMP/out" '    attempt 1:'

# Filter errors (RegexScheduling v1 compiles the regex in Filter)
run schedule --cluster $DATA/schedule/regex-cluster.yaml --config $DATA/schedule/regex-v1-filter.yaml --explain-pod invalid-pod
check_grep "table: Filter error named with its node and plugin" "$TMP/out" '    error on node-0 from RegexScheduling: running "RegexScheduling" filter plugin: failed to compile regex'
run schedule --cluster $DATA/schedule/regex-cluster.yaml --config $DATA/schedule/regex-v1-filter.yaml --explain-pod invalid-pod -o json
check_json "json: Filter errors listed, not counted as rejections" \
    'pod("invalid-pod")["explainSummary"]["errors"][0]["plugin"] == "RegexScheduling" and pod("invalid-pod")["explainSummary"]["rejected"] == [] and pod("invalid-pod")["explainSummary"]["result"].startswith("running \"RegexScheduling\" filter plugin")'

# --- bad --explain-pod ----------------------------------------------------
run schedule $REGEX --explain-pod default/nope
expect_rc "unknown pod: exit 2" 2
check_grep "unknown pod: named" "$TMP/err" '--explain-pod default/nope: no such pod in'
run schedule $REGEX --explain-pod default/cncf-pdo
check_grep "misspelt pod: did you mean" "$TMP/err" "did you mean default/cncf-pod?"
run schedule $REGEX --explain-pod a/b/c
expect_rc "malformed pod: exit 2" 2

# --- memory: one pod on 2,000 nodes, all of them evaluated ----------------
python3 bench/gen_cluster.py --nodes 2000 --pods 100 >"$TMP/c2k.json"
rss() { /usr/bin/time -f "%M" "$SCHEDLAB" schedule --cluster "$TMP/c2k.json" "$@" 2>&1 >"$TMP/big.out" | tail -1; }
plain=$(rss)
explained=$(rss --explain-pod default/pod-49 -o json)
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=[p for p in d["pods"] if p["name"]=="pod-49"][0]; sys.exit(0 if len(p["explain"]["filter"]) == 2000 and sum(r["nodes"] for r in p["explainSummary"]["rejected"]) == 2000 else 1)' "$TMP/big.out"; then
    pass
else
    fail "2,000 nodes: the unschedulable pod's filter map covers every node"
fi
if [ -n "$plain" ] && [ -n "$explained" ] && [ "$explained" -le $((plain * 10)) ]; then
    pass
else
    fail "2,000 nodes: peak RSS with --explain-pod ${explained} KB > 10x plain ${plain} KB"
fi

# --- preemption, history, totals ------------------------------------------
run schedule --cluster "$DATA/explain/preempt-two.yaml" -o json
expect_rc "preemption: exit status" 0
check_json "preemption: the preemptor says whom it preempted, where" \
    'pod("big")["status"] == "Scheduled" and pod("big")["preempted"] == {"node": "node-b", "victims": ["apps/victim-1", "apps/victim-2"]} and pod("big")["message"] == "scheduled after preempting 2 pods on node node-b: apps/victim-1, apps/victim-2"'
check_json "preemption: each victim names its preemptor" \
    'all(pod(v)["status"] == "Deleted" and pod(v)["preemptedBy"] == "apps/big" and pod(v)["message"] == "preempted by apps/big to make room on node node-b" for v in ("victim-1", "victim-2"))'
check_json "history: the failure before preempting is not the message any more" \
    'pod("big")["lastFailure"].startswith("0/2 nodes are available") and "0/2" not in pod("big")["message"]'
check_json "totals: counted by status" \
    'd["totals"] == {"scheduled": 1, "unschedulable": 1, "error": 0, "gated": 1, "pending": 0, "running": 1, "deleted": 2}'
run schedule --cluster "$DATA/explain/preempt-two.yaml" --explain-pod apps/gated
check_grep "table: a named pod never attempted says so" "$TMP/out" "    no scheduling attempt to explain"
check_grep "table: totals line" "$TMP/out" "6 pods: 1 scheduled, 1 unschedulable, 0 error, 1 gated, 0 pending, 1 running, 2 deleted"
check_grep "table: victim row" "$TMP/out" "apps       victim-1  Deleted          <none>  0         preempted by apps/big to make room on node node-b"
run schedule --cluster "$DATA/schedule/preempt-explain.yaml"
check_grep "table: a scheduled pod's old failure is marked as history" "$TMP/out" "scheduled after preempting 1 pod on node only: default/low"
check_no_grep "table: no bare failure message on a scheduled row" "$TMP/out" "Scheduled      only    2         0/1"

echo "explain: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
