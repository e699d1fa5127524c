#!/usr/bin/env bash
# sim_cluster.sh — `schedlab sim --cluster FILE`: a cluster file's objects
# are created through the store (admission, strict fields) before the
# scheduler starts, then scheduled as in a live cluster; kubectl reads them
# back. Bad files exit 2 with a message naming the file and the document.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/sim_cluster.sh
#
# The last line is "sim_cluster: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=$(realpath "${SCHEDLAB:-build/release/schedlab}")
TMP=$(mktemp -d)
export HOME=$TMP/home
mkdir -p "$HOME"
SIM_PID=""
cleanup() { [ -n "$SIM_PID" ] && kill -9 "$SIM_PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
passed=0
failed=0
check() { # description, command...
    local d=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $d"; fi
}
KUBECTL=/usr/bin/kubectl

cat >"$TMP/cluster.yaml" <<'YAML'
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a, topology.kubernetes.io/zone: z1}}
  status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}, capacity: {cpu: "2", memory: 4Gi, pods: "10"}}
- apiVersion: v1
  kind: Node
  metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b, topology.kubernetes.io/zone: z2}}
  status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}, capacity: {cpu: "2", memory: 4Gi, pods: "10"}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 500m}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 500m}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: shop}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "64"}}}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
YAML

start_sim() { # args...: sets URL, SIM_PID
    : >"$TMP/sim.out"
    "$SCHEDLAB" sim --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc" "$@" >"$TMP/sim.out" 2>"$TMP/sim.err" &
    SIM_PID=$!
    URL=""
    for _ in $(seq 200); do
        URL=$(sed -n 's/^schedlab sim: ready on //p' "$TMP/sim.out")
        [ -n "$URL" ] && break
        sleep 0.05
    done
}
stop_sim() { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; local rc=$?; SIM_PID=""; return $rc; }
node_of() { $KUBECTL --server "$URL" -n shop get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null; }
wait_bound() { for _ in $(seq 100); do [ -n "$(node_of "$1")" ] && return 0; sleep 0.05; done; return 1; }

start_sim --cluster "$TMP/cluster.yaml" --data-dir "$TMP/data"
check "sim --cluster starts and says ready" test -n "$URL"
check "web-1 bound" wait_bound web-1
check "web-2 bound" wait_bound web-2
check "the Service reads back" test "$($KUBECTL --server "$URL" -n shop get service web -o jsonpath='{.spec.selector.app}')" = web
check "the namespace the pods name was created" test "$($KUBECTL --server "$URL" get namespace shop -o name)" = namespace/shop
check "the PDB reads back" test "$($KUBECTL --server "$URL" -n shop get pdb web -o jsonpath='{.spec.minAvailable}')" = 1
for _ in $(seq 60); do
    reason=$($KUBECTL --server "$URL" -n shop get pod huge -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}' 2>/dev/null)
    [ "$reason" = Unschedulable ] && break
    sleep 0.05
done
check "huge is Unschedulable" test "$reason" = Unschedulable
check "admission defaulted the pods (schedulerName)" test "$($KUBECTL --server "$URL" -n shop get pod web-1 -o jsonpath='{.spec.schedulerName}')" = default-scheduler
check "SIGTERM exits 0" stop_sim

# the objects persisted: a restart without --cluster has them; loading the
# same file again into that data dir is refused (already exists)
start_sim --data-dir "$TMP/data"
check "restart from the data dir" test -n "$URL"
check "web-1 kept its node after the restart" test -n "$(node_of web-1)"
stop_sim
"$SCHEDLAB" sim --listen 127.0.0.1:0 --data-dir "$TMP/data" --cluster "$TMP/cluster.yaml" >/dev/null 2>"$TMP/err"
rc=$?
check "the same file again: exit 2" test "$rc" = 2
check "the same file again: names the file, document and object" grep -q "cluster.yaml: document 1, items\[0\] (Node node-a): nodes \"node-a\" already exists" "$TMP/err"

# bad files
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, bogus: 1}]}\n' >"$TMP/bad.yaml"
"$SCHEDLAB" sim --listen 127.0.0.1:0 --cluster "$TMP/bad.yaml" >/dev/null 2>"$TMP/err"; rc=$?
check "unknown field: exit 2" test "$rc" = 2
check "unknown field: strict decoding message" grep -q 'bad.yaml: document 1: Pod default/p: strict decoding error: unknown field "spec.containers\[0\].bogus"' "$TMP/err"
printf 'apiVersion: v7\nkind: Pod\nmetadata: {name: p}\n' >"$TMP/bad2.yaml"
"$SCHEDLAB" sim --listen 127.0.0.1:0 --cluster "$TMP/bad2.yaml" >/dev/null 2>"$TMP/err"; rc=$?
check "unknown version: exit 2 with the kube-apiserver message" grep -q 'no matches for kind "Pod" in version "v7"' "$TMP/err"
"$SCHEDLAB" sim --listen 127.0.0.1:0 --cluster "$TMP/missing.yaml" >/dev/null 2>"$TMP/err"; rc=$?
check "missing file: exit 2, names it" test "$rc" = 2 -a -n "$(grep missing.yaml "$TMP/err")"
"$SCHEDLAB" sim --cluster >/dev/null 2>"$TMP/err"; rc=$?
check "--cluster without a value: exit 2" test "$rc" = 2
printf 'not: [valid\n' >"$TMP/bad3.yaml"
"$SCHEDLAB" sim --listen 127.0.0.1:0 --cluster "$TMP/bad3.yaml" >/dev/null 2>"$TMP/err"; rc=$?
check "YAML syntax error: exit 2 with line:column" grep -qE 'bad3.yaml.*[0-9]+:[0-9]+' "$TMP/err"

# typos get a suggestion (sim, and the apiserver and scheduler beside it)
"$SCHEDLAB" sim --clustr x >/dev/null 2>"$TMP/err"; rc=$?
check "sim --clustr: exit 2, did you mean --cluster" grep -q "did you mean --cluster?" "$TMP/err"
"$SCHEDLAB" apiserver --lisen x >/dev/null 2>"$TMP/err"; rc=$?
check "apiserver --lisen: did you mean --listen" grep -q "did you mean --listen?" "$TMP/err"
"$SCHEDLAB" scheduler --kubeconfg x >/dev/null 2>"$TMP/err"; rc=$?
check "scheduler --kubeconfg: exit 2, did you mean --kubeconfig" test "$rc" = 2 -a -n "$(grep 'did you mean --kubeconfig?' "$TMP/err")"

echo "sim_cluster: $passed passed, $failed failed"
[ "$failed" = 0 ]
