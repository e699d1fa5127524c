#!/usr/bin/env bash
# pdb_spread.sh — `schedlab schedule` with the objects the scheduler reads
# besides nodes and pods (issue 7 item 5): a PodDisruptionBudget steers
# DefaultPreemption to the node whose victims do not violate it (and a pod
# already in status.disruptedPods does not count), and a Service selecting
# the pods turns on PodTopologySpread's system default constraints (and
# `defaultingType: List` with no constraints turns them off again).
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/pdb_spread.sh
#
# The last line is "pdb_spread: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; sed 's/^/  /' "$TMP/out" | head -20; sed 's/^/  /' "$TMP/err" | head -5; }

# check NAME PYTHON-EXPRESSION: d = the JSON output, pod(name) = its entry.
check() {
    if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def pod(n): return [p for p in d["pods"] if p["name"] == n][0]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$TMP/out" "$2" 2>"$TMP/pyerr"; then pass; else fail "$1"; fi
}

# run FILE [ARGS...]: schedule it, JSON into $TMP/out.
run() { "$SCHEDLAB" schedule --cluster "$@" -o json >"$TMP/out" 2>"$TMP/err"; }

# Everything but the last document (the PDB / the Service).
without_last() { python3 -c '
import sys
docs = open(sys.argv[1]).read().split("\n---\n")
print("\n---\n".join(docs[:-1]))' "$1" >"$2"; }

PDB=tests/data/schedule/pdb-preemption.yaml
SPREAD=tests/data/schedule/spread-service.yaml

# ---- PodDisruptionBudgets ----
without_last "$PDB" "$TMP/nopdb.yaml"
run "$TMP/nopdb.yaml"
check "without a PDB the lowest-priority victim goes" \
    'pod("urgent")["preempted"]["victims"] == ["default/db"] and pod("web")["status"] == "Running"'
run "$PDB"
check "with a PDB the non-violating victim goes" \
    'pod("urgent")["node"] == "n2" and pod("urgent")["preempted"]["victims"] == ["default/web"] and pod("db")["status"] == "Running"'
sed 's/disruptionsAllowed: 0/disruptionsAllowed: 1/' "$PDB" >"$TMP/allowed.yaml"
run "$TMP/allowed.yaml"
check "a PDB allowing a disruption is not violated" 'pod("urgent")["preempted"]["victims"] == ["default/db"]'
sed 's/disruptionsAllowed: 0,/disruptionsAllowed: 0, disruptedPods: {db: "2026-01-01T00:00:00Z"},/' "$PDB" >"$TMP/disrupted.yaml"
run "$TMP/disrupted.yaml"
check "a pod in status.disruptedPods does not violate" 'pod("urgent")["preempted"]["victims"] == ["default/db"]'
sed 's/namespace: default}$/namespace: other}/' "$PDB" >"$TMP/otherns.yaml"
run "$TMP/otherns.yaml"
check "a PDB of another namespace does not count" 'pod("urgent")["preempted"]["victims"] == ["default/db"]'
sed 's/selector: {matchLabels: {app: db}}/selector: {}/' "$PDB" >"$TMP/empty.yaml"
run "$TMP/empty.yaml"
check "a PDB with an empty selector selects nothing" 'pod("urgent")["preempted"]["victims"] == ["default/db"]'

# ---- PodTopologySpread default constraints ----
without_last "$SPREAD" "$TMP/nosvc.yaml"
run "$TMP/nosvc.yaml"
check "without a Service web-3 goes to the least allocated node" 'pod("web-3")["node"] == "n1"'
run "$SPREAD"
check "with a Service the system default constraints spread web-3" 'pod("web-3")["node"] == "n2"'
cat >"$TMP/list.yaml" <<'YAML'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: PodTopologySpread
    args: {defaultingType: List}
YAML
run "$SPREAD" --config "$TMP/list.yaml"
check "defaultingType List without constraints: no spreading" 'pod("web-3")["node"] == "n1"'
cat >"$TMP/list2.yaml" <<'YAML'
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: PodTopologySpread
    args:
      defaultingType: List
      defaultConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule}
YAML
run "$SPREAD" --config "$TMP/list2.yaml"
check "a DoNotSchedule default constraint filters" 'pod("web-3")["node"] == "n2"'
sed 's/^spec: {selector: {app: web}/spec: {selector: {app: other}/' "$SPREAD" >"$TMP/othersvc.yaml"
run "$TMP/othersvc.yaml"
check "a Service not selecting the pod adds nothing" 'pod("web-3")["node"] == "n1"'
python3 - "$SPREAD" >"$TMP/rs.yaml" <<'PY'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")[:-1]
out = []
for d in docs:
    if "name: web-" in d:
        d = d.replace("labels: {app: web}}", "labels: {app: web}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u1, controller: true}]}")
    out.append(d)
out.append("""apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: default}
spec:
  selector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x}]}
""")
print("\n---\n".join(out))
PY
run "$TMP/rs.yaml"
check "the controlling ReplicaSet's selector spreads too" 'pod("web-3")["node"] == "n2"'

# The system defaults through Services place every pod exactly where the
# same constraints written into each pod would (all nodes have both labels).
python3 bench/gen-services-cluster.py 40 300 7 --services >"$TMP/svc.json"
python3 - "$TMP/svc.json" >"$TMP/explicit.json" <<'PY'
import json, sys
docs = [d for d in json.load(open(sys.argv[1])) if d["kind"] in ("Node", "Pod", "PodDisruptionBudget")]
for d in docs:
    if d["kind"] == "Pod":
        sel = {"matchLabels": {"app": d["metadata"]["labels"]["app"]}}
        d["spec"]["topologySpreadConstraints"] = [
            {"maxSkew": 3, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": sel},
            {"maxSkew": 5, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": sel}]
json.dump(docs, sys.stdout)
PY
"$SCHEDLAB" schedule --cluster "$TMP/svc.json" -o json >"$TMP/a.out" 2>"$TMP/err"
"$SCHEDLAB" schedule --cluster "$TMP/explicit.json" -o json >"$TMP/b.out" 2>>"$TMP/err"
python3 bench/gen-services-cluster.py 40 300 7 >"$TMP/plain.json"
"$SCHEDLAB" schedule --cluster "$TMP/plain.json" -o json >"$TMP/c.out" 2>>"$TMP/err"
if python3 -c '
import json, sys
a, b, c = ({p["name"]: p["node"] for p in json.load(open(f))["pods"]} for f in sys.argv[1:4])
sys.exit(0 if a == b and a != c and len(a) == 300 and all(a.values()) else 1)' "$TMP/a.out" "$TMP/b.out" "$TMP/c.out"; then
    pass
else
    cp "$TMP/a.out" "$TMP/out"; fail "Services give the placements of explicit default constraints"
fi

echo "pdb_spread: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
