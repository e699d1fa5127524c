#!/usr/bin/env bash
# schedule_decisions.sh — `schedlab schedule` on clusters where schedlab
# used to decide differently from kube-scheduler v1.33 (issue 6 item 1):
# finished pods show their phase, a pending pod being deleted is skipped
# with upstream's message, a pod that may not preempt keeps its nominated
# node (and the lower-priority pod stays off it), a gated pod's nomination
# reserves nothing, a resized pod's actuated resources count.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/schedule_decisions.sh
#
# The last line is "schedule_decisions: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; sed 's/^/  /' "$TMP/out" | head -20; }

# check NAME PYTHON-EXPRESSION: d = the JSON output, pod(name) = its entry.
check() {
    if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def pod(n): return [p for p in d["pods"] if p["name"] == n][0]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/out" "$2" 2>"$TMP/pyerr"; then pass; else fail "$1"; fi
}

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "110"}}
---
apiVersion: v1
kind: Pod
metadata: {name: done}
spec: {nodeName: n1, containers: [{name: c, resources: {requests: {cpu: "2"}}}]}
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: crashed}
spec: {nodeName: n1, containers: [{name: c}]}
status: {phase: Failed}
---
apiVersion: v1
kind: Pod
metadata: {name: leaving, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: running}
spec: {nodeName: n1, priority: 1000, containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: vip}
spec: {priority: 100, preemptionPolicy: Never, containers: [{name: c, resources: {requests: {cpu: "2"}}}]}
status: {nominatedNodeName: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: gated}
spec: {priority: 100, schedulingGates: [{name: later}], containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
status: {nominatedNodeName: n1}
---
apiVersion: v1
kind: Pod
metadata: {name: low}
spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
YAML

"$SCHEDLAB" schedule --cluster "$TMP/cluster.yaml" -o json >"$TMP/out" 2>"$TMP/err"
if [ $? -eq 0 ]; then pass; else fail "schedule exits 0"; fi
check "a Succeeded pod shows its phase and node" 'pod("done")["status"] == "Succeeded" and pod("done")["node"] == "n1" and pod("done")["attempts"] == 0'
check "a Failed pod shows its phase" 'pod("crashed")["status"] == "Failed"'
check "a pending pod being deleted is skipped" 'pod("leaving")["status"] == "Pending" and pod("leaving")["message"] == "skip schedule deleting pod: default/leaving"'
check "a pod that may not preempt keeps its nominated node" 'pod("vip")["status"] == "Unschedulable" and pod("vip").get("nominatedNode") == "n1"'
check "a gated pod is not nominated" 'pod("gated")["status"] == "SchedulingGated" and "nominatedNode" not in pod("gated")'
check "the lower-priority pod stays off the reserved room" 'pod("low")["status"] == "Unschedulable"'

"$SCHEDLAB" schedule --cluster "$TMP/cluster.yaml" >"$TMP/out" 2>"$TMP/err"
if grep -qE '^default +done +Succeeded +n1 ' "$TMP/out"; then pass; else fail "table: the phase as status"; fi

# In-place resize: the running pod holds what its containers actuated.
cat >"$TMP/resize.yaml" <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "4", memory: 4Gi, pods: "110"}}
---
apiVersion: v1
kind: Pod
metadata: {name: resized}
spec: {nodeName: n1, containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
status:
  phase: Running
  containerStatuses: [{name: c, resources: {requests: {cpu: "3"}}, allocatedResources: {cpu: "3"}}]
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: c, resources: {requests: {cpu: "2"}}}]}
YAML
"$SCHEDLAB" schedule --cluster "$TMP/resize.yaml" -o json >"$TMP/out" 2>"$TMP/err"
check "a resized pod's actuated cpu counts" 'pod("web")["status"] == "Unschedulable" and pod("web")["message"].startswith("0/1 nodes are available: 1 Insufficient cpu.")'

echo "schedule_decisions: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
