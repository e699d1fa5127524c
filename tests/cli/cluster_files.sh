#!/usr/bin/env bash
# cluster_files.sh — `schedlab schedule --cluster FILE` checks FILE as
# kube-apiserver would check the objects (strict fields against the
# Kubernetes 1.33 schema, known apiVersion/kind, pods with containers,
# non-negative quantities), keeps what a snapshot of admitted objects
# carries, skips existing kinds it does not use with a warning, --lenient,
# and names files, directories and List items plainly.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/cluster_files.sh
#
# The last line is "cluster_files: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=${SCHEDLAB:-build/release/schedlab}
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
    timeout 60 "$SCHEDLAB" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
expect_rc() { if [ "$rc" -eq "$2" ]; then pass; else fail "$1: exit $rc, want $2"; fi; }
# expect_err NAME TEXT: TEXT (fixed string) in stderr
expect_err() {
    if grep -qF -- "$2" "$TMP/err"; then pass; else fail "$1: \"$2\" not in stderr: $(head -c 400 "$TMP/err")"; fi
}
# expect_line NAME TEXT: stderr is exactly one line equal to TEXT
expect_line() {
    local got
    got=$(cat "$TMP/err")
    if [ "$got" = "$2" ]; then pass; else fail "$1: stderr is \"$got\", want \"$2\""; fi
}
# pod_status NAME POD WANT (table output: NAMESPACE NAME STATUS ...)
pod_status() {
    local got
    got=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(p["status"] + ":" + str(p["node"]) for p in d["pods"] if p["name"] == sys.argv[2]))
' "$TMP/out" "$2" 2>&1)
    if [ "$got" = "$3" ]; then pass; else fail "$1: pod $2 is \"$got\", want \"$3\""; fi
}

NODES='apiVersion: v1
kind: Node
metadata: {name: ssd-node, labels: {disk: ssd}}
status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: hdd-node, labels: {disk: hdd}}
status: {capacity: {cpu: "8", memory: 8Gi, pods: "110"}}
'

# --- a typo used to be ignored: the pod went anywhere; now it is an error ---
cat >"$TMP/typo.yaml" <<EOF
$NODES
---
apiVersion: v1
kind: Pod
metadata: {name: wants-ssd}
spec:
  nodeSelecter: {disk: nvme}
  containers: [{name: app, image: nginx}]
EOF
run schedule --cluster "$TMP/typo.yaml" -o json
expect_rc "typo: exit 2" 2
expect_line "typo: one line, file once, document, field path" \
    "schedlab schedule: $TMP/typo.yaml: document 3: Pod default/wants-ssd: strict decoding error: unknown field \"spec.nodeSelecter\""
run schedule --cluster "$TMP/typo.yaml" -o json --lenient
expect_rc "typo --lenient: exit 0" 0
expect_err "typo --lenient: warning" "warning: $TMP/typo.yaml: document 3: Pod default/wants-ssd: unknown field \"spec.nodeSelecter\""
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["pods"][0]["status"] == "Scheduled" else 1)' "$TMP/out" \
    && pass || fail "typo --lenient: the misspelled selector (no node has disk=nvme) must be ignored"

# --- every legal field is accepted, even those the scheduler ignores ---
cat >"$TMP/full.yaml" <<EOF
$NODES
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}, annotations: {note: x}}
spec:
  nodeSelector: {disk: ssd}
  restartPolicy: Always
  terminationGracePeriodSeconds: 10
  securityContext: {runAsNonRoot: true, runAsUser: 1000}
  volumes:
  - name: cache
    emptyDir: {sizeLimit: 1Gi}
  - name: cfg
    configMap: {name: web-config}
  containers:
  - name: app
    image: nginx:1.27
    ports: [{containerPort: 80, name: http}]
    readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}
    livenessProbe: {exec: {command: [/bin/true]}}
    securityContext: {readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
    volumeMounts: [{name: cache, mountPath: /cache}]
    env: [{name: MODE, value: prod}]
    resources: {requests: {cpu: 500m, memory: 128Mi}, limits: {memory: 256Mi}}
EOF
run schedule --cluster "$TMP/full.yaml" -o json
expect_rc "full pod: exit 0" 0
pod_status "full pod: scheduled by its nodeSelector" web "Scheduled:ssd-node"
if [ ! -s "$TMP/err" ]; then pass; else fail "full pod: no warning expected"; fi

# --- a snapshot keeps status, nodeName, deletionTimestamp, priority ---
cat >"$TMP/snapshot.yaml" <<EOF
$NODES
---
apiVersion: v1
kind: Pod
metadata: {name: running, uid: u-1, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  nodeName: ssd-node
  priority: 1000000
  preemptionPolicy: Never
  containers: [{name: app, resources: {requests: {cpu: "3"}}}]
status:
  phase: Running
  podIP: 10.0.0.7
  conditions: [{type: Ready, status: "True"}]
  containerStatuses: [{name: app, ready: true, restartCount: 0, image: nginx, imageID: "", state: {running: {startedAt: "2025-01-01T00:00:01Z"}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: pending}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: app, resources: {requests: {cpu: "2"}}}]
EOF
run schedule --cluster "$TMP/snapshot.yaml" -o json
expect_rc "snapshot: exit 0" 0
pod_status "snapshot: bound pod kept" running "Running:ssd-node"
pod_status "snapshot: its requests count" pending "Unschedulable:None"

# --- kinds ---
cat >"$TMP/kinds.yaml" <<EOF
$NODES
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
EOF
run schedule --cluster "$TMP/kinds.yaml" -o json
expect_rc "unused kinds: exit 0" 0
# PriorityClasses, PDBs and Services are stored (admission, preemption and
# spreading read them); only kinds the store does not serve are skipped.
for k in PriorityClass PodDisruptionBudget Service; do
    if grep -q "skipping.* $k" "$TMP/err"; then fail "served kind $k stored, not skipped: $(cat "$TMP/err")"; else pass; fi
done
expect_err "unused kinds: Job skipped, not checked" "document 6: skipping batch/v1 Job: not used by the scheduler (not checked)"

sed 's/minAvailable: 1/minAvailible: 1/' "$TMP/kinds.yaml" >"$TMP/kinds-bad.yaml"
run schedule --cluster "$TMP/kinds-bad.yaml" -o json
expect_rc "unused kinds are still checked: exit 2" 2
expect_err "unused kinds are still checked: message" "document 4: PodDisruptionBudget default/pdb: strict decoding error: unknown field \"spec.minAvailible\""

printf '%s---\napiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n' "$NODES" >"$TMP/wrong-version.yaml"
run schedule --cluster "$TMP/wrong-version.yaml"
expect_rc "wrong apiVersion: exit 2" 2
expect_err "wrong apiVersion: message" "document 3: no matches for kind \"Deployment\" in version \"v1\" (Kubernetes has apiVersion: apps/v1)"

printf '%s---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' "$NODES" >"$TMP/unknown-kind.yaml"
run schedule --cluster "$TMP/unknown-kind.yaml"
expect_rc "unknown kind: exit 2" 2
expect_err "unknown kind: message" "document 3: no matches for kind \"Widget\" in version \"example.com/v1\""

printf 'kind: Node\nmetadata: {name: n}\n' >"$TMP/no-api-version.yaml"
run schedule --cluster "$TMP/no-api-version.yaml"
expect_rc "no apiVersion: exit 2" 2
expect_err "no apiVersion: message" "document 1: Node: Object 'apiVersion' is missing (apiVersion: v1?)"

# --- rules the API's validation enforces ---
printf '%s---\napiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {containers: []}\n' "$NODES" >"$TMP/no-containers.yaml"
run schedule --cluster "$TMP/no-containers.yaml"
expect_rc "no containers: exit 2" 2
expect_err "no containers: message" "document 3: Pod default/empty: spec.containers: Required value"

printf '%s---\napiVersion: v1\nkind: Pod\nmetadata: {name: neg}\nspec: {containers: [{name: a, resources: {requests: {cpu: "-500m"}}}]}\n' "$NODES" >"$TMP/negative.yaml"
run schedule --cluster "$TMP/negative.yaml"
expect_rc "negative request: exit 2" 2
expect_err "negative request: message" "document 3: Pod default/neg: spec.containers[0].resources.requests[cpu]: Invalid value: \"-500m\": must be greater than or equal to 0"

printf '%s---\napiVersion: v1\nkind: Pod\nmetadata: {name: over}\nspec: {containers: [{name: a, resources: {requests: {cpu: "6"}, limits: {cpu: "1"}}}]}\n' "$NODES" >"$TMP/over-limit.yaml"
run schedule --cluster "$TMP/over-limit.yaml"
expect_rc "request above limit: exit 2" 2
expect_err "request above limit: message" "document 3: Pod default/over: spec.containers[0].resources.requests: Invalid value: \"6\": must be less than or equal to cpu limit"

printf 'apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {capacity: {memory: -1Gi}}\n' >"$TMP/negative-node.yaml"
run schedule --cluster "$TMP/negative-node.yaml"
expect_rc "negative capacity: exit 2" 2
expect_err "negative capacity: message" "document 1: Node n: status.capacity[memory]: Invalid value: \"-1Gi\": must be greater than or equal to 0"

# --- not a cluster file ---
: >"$TMP/empty.yaml"
run schedule --cluster "$TMP/empty.yaml"
expect_rc "empty file: exit 2" 2
expect_line "empty file: message" "schedlab schedule: $TMP/empty.yaml: no Nodes and no Pods: not a cluster file (it has no objects)"
run schedule --cluster tests/data/schedule/regex-v2-multipoint.yaml
expect_rc "scheduler config as cluster: exit 2" 2
expect_err "scheduler config as cluster: hint" "(a scheduler configuration: pass it with --config)"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' >"$TMP/configmap.yaml"
run schedule --cluster "$TMP/configmap.yaml"
expect_rc "only a ConfigMap: exit 2" 2
expect_err "only a ConfigMap: message" "$TMP/configmap.yaml: no Nodes and no Pods: not a cluster file"

# --- file names once; directories; List items ---
run schedule --cluster "$TMP/nope.yaml"
expect_rc "missing file: exit 2" 2
expect_line "missing file: named once" "schedlab schedule: $TMP/nope.yaml: No such file or directory"
mkdir "$TMP/dir"
run schedule --cluster "$TMP/dir"
expect_rc "directory: exit 2" 2
expect_line "directory: named as such" "schedlab schedule: $TMP/dir: is a directory, not a file"
run schedule --cluster "$TMP/typo.yaml" --config "$TMP/dir"
expect_rc "config directory: exit 2" 2
expect_line "config directory: named once" "schedlab schedule: $TMP/dir: is a directory, not a file"

cat >"$TMP/list.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [{"name": "c"}]}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}, "spec": {"containers": [{"name": "c"}]}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c"}, "spec": {"containers": [{"name": "c", "resource": {}}]}}
]}
EOF
run schedule --cluster "$TMP/list.json"
expect_rc "List item: exit 2" 2
expect_line "List item: counted as items[3]" \
    "schedlab schedule: $TMP/list.json: document 1, items[3]: Pod default/c: strict decoding error: unknown field \"spec.containers[0].resource\""

# --- the help tells ---
run schedule --help
if grep -qF -- "--lenient" "$TMP/out"; then pass; else fail "help: --lenient not documented"; fi

echo "cluster_files: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
