#!/usr/bin/env bash
# scheduler_informers.sh — `schedlab scheduler --master URL` against
# `schedlab apiserver` on loopback (separate processes, kubectl 1.32): the
# informers for the kinds the scheduler reads besides namespaces, nodes and
# pods, each object created AFTER the scheduler started (the watch path):
#   - PriorityClasses: the built-in ones come with the initial LIST, a new
#     one through the watch (the scheduler's debug log, -v 4);
#   - a PodDisruptionBudget steers preemption away from the pod it
#     protects; its status changed to allow a disruption (MODIFIED) and then
#     protecting again and deleted (DELETED) steer it back;
#   - a Service, a ReplicationController, a ReplicaSet and a StatefulSet
#     selecting (or controlling) pods turn on PodTopologySpread's system
#     default constraints: the next replica goes to the other node;
#   - objects changed while the API server was down (restarted on its data
#     dir with a one-event watch history, so the watch gets 410) are relisted
#     and the difference arrives as DELETED / ADDED;
#   - a server that does not serve a kind (a proxy answering 404 for
#     policy/v1, as an old server) does not block startup: logged once, not
#     retried, and the rest works.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_informers.sh
#
# The last line is "scheduler_informers: N passed, M failed".
. "$(dirname "$0")/lib.sh"


# start_sched NAME MASTER: sets SCHED_PID, SLOG (debug log: the informers' events)
start_sched() {
    SLOG=$TMP/$1.log
    "$SCHEDLAB" scheduler --secure-port 0 --master "$2" -v 4 >"$TMP/$1.out" 2>"$SLOG" &
    SCHED_PID=$!
    PIDS+=("$SCHED_PID")
}
stop_pair() {
    kill -TERM "$SCHED_PID" 2>/dev/null; wait "$SCHED_PID"; local rc=$?
    [ $rc -eq 0 ] && pass || fail "scheduler SIGTERM exit: rc=$rc"
    kill "$API_PID" 2>/dev/null; wait "$API_PID" 2>/dev/null
    sanitizer_check
}
# wait_for DESC SECONDS COMMAND...: polls until COMMAND succeeds
wait_for() {
    local desc=$1 secs=$2; shift 2
    local end=$((SECONDS + secs))
    while [ $SECONDS -le $end ]; do
        if "$@" >/dev/null 2>&1; then pass; return 0; fi
        sleep 0.05
    done
    fail "$desc (waited ${secs}s)"
    return 1
}
# seen N "RESOURCE: TYPE KEY": the scheduler logged that informer event at least N times
seen() { [ "$(grep -c "debug: informer $2\$" "$SLOG")" -ge "$1" ]; }
K() { kubectl --kubeconfig "$TMP/kc" "$@"; }
node_of() { K get pod "$1" -o jsonpath='{.spec.nodeName}'; }
bound_to() { [ "$(node_of "$1")" = "$2" ]; }
gone() { ! K get pod "$1" >/dev/null 2>&1; }
exists() { K get pod "$1" >/dev/null 2>&1; }

# pod NAME NODE|- PRIORITYCLASS|- LABEL CPU [OWNER-KIND]
pod() {
    local node="" pc="" owner=""
    [ "$2" != - ] && node="nodeName: $2, "
    [ "$3" != - ] && pc="priorityClassName: $3, "
    case "${6:-}" in
        ReplicaSet | StatefulSet) owner=apps/v1 ;;
        ReplicationController) owner=v1 ;;
    esac
    [ -n "$owner" ] && owner=", ownerReferences: [{apiVersion: $owner, kind: $6, name: web, uid: 6d1f0c2e-0000-4000-8000-000000000001, controller: true}]"
    cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: default, labels: {app: $4}$owner}
spec: {${node}${pc}containers: [{name: c, image: x, resources: {requests: {cpu: $5, memory: 100Mi}}}]}
YAML
}
nodes() { # CPU
    for n in n1 n2; do cat <<YAML
---
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
status: {allocatable: {cpu: "$1", memory: 2Gi, pods: "10"}, capacity: {cpu: "$1", memory: 2Gi, pods: "10"}}
YAML
    done
}
apply() { K apply -f - >/dev/null 2>"$TMP/err" || fail "kubectl apply: $(cat "$TMP/err")"; }

# ---- PriorityClasses and a PodDisruptionBudget steering preemption ----
start_api api --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
start_sched sched "$URL"
wait_for "built-in PriorityClass from the initial LIST" 10 seen 1 "priorityclasses: ADDED system-node-critical"
{ nodes 1
  cat <<'YAML'
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
YAML
} | apply
wait_for "a PriorityClass created later comes through the watch" 10 seen 1 "priorityclasses: ADDED high"
# db (priority 0) on n1, web (priority 10) on n2: without a PDB, preemption
# evicts the lowest-priority victim, db.
{ pod db n1 - db 1; pod web n2 low web 1; } | apply
cat <<'YAML' | apply
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db-pdb, namespace: default}
spec: {minAvailable: 1, selector: {matchLabels: {app: db}}}
YAML
wait_for "the PDB comes through the watch" 10 seen 1 "poddisruptionbudgets: ADDED default/db-pdb"
pod urgent - high urgent 1 | apply
wait_for "PDB: the unprotected victim (web) is preempted" 15 gone web
wait_for "PDB: the preemptor is bound where web was" 15 bound_to urgent n2
exists db && pass || fail "PDB: the protected pod db was preempted"

# status.disruptionsAllowed 1 (MODIFIED): db may go now, and it has the lowest priority
K delete pod urgent --wait=false >/dev/null 2>&1
wait_for "urgent deleted" 10 gone urgent
pod web n2 low web 1 | apply
K patch pdb db-pdb --subresource=status --type=merge -p '{"status":{"disruptionsAllowed":1}}' >/dev/null 2>"$TMP/err" ||
    fail "patch PDB status: $(cat "$TMP/err")"
wait_for "the PDB's status change comes through the watch" 10 seen 1 "poddisruptionbudgets: MODIFIED default/db-pdb"
pod urgent2 - high urgent 1 | apply
wait_for "PDB allowing a disruption: db is preempted" 15 gone db
wait_for "PDB allowing a disruption: the preemptor is bound where db was" 15 bound_to urgent2 n1
exists web && pass || fail "PDB allowing a disruption: web was preempted"

# protecting again (MODIFIED), then deleted (DELETED): db goes again
K delete pod urgent2 --wait=false >/dev/null 2>&1
wait_for "urgent2 deleted" 10 gone urgent2
pod db n1 - db 1 | apply
K patch pdb db-pdb --subresource=status --type=merge -p '{"status":{"disruptionsAllowed":0}}' >/dev/null 2>&1
wait_for "the PDB protects again" 10 seen 2 "poddisruptionbudgets: MODIFIED default/db-pdb"
K delete pdb db-pdb >/dev/null 2>&1
wait_for "the PDB's deletion comes through the watch" 10 seen 1 "poddisruptionbudgets: DELETED default/db-pdb"
pod urgent3 - high urgent 1 | apply
wait_for "PDB deleted: db is preempted" 15 gone db
wait_for "PDB deleted: the preemptor is bound where db was" 15 bound_to urgent3 n1
exists web && pass || fail "PDB deleted: web was preempted"
stop_pair

# ---- PodTopologySpread's system defaults from Services and workloads ----
# web-1 and web-2 on n1, batch (600m) on n2: by resources alone web-3 goes to
# n1; a workload selecting the web pods makes the default constraints
# (hostname maxSkew 3) spread it to n2.
spread_case() { # KIND YAML
    local kind=$1 plural; plural=$(tr 'A-Z' 'a-z' <<<"$1")s
    start_api "api-$kind" --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
    start_sched "sched-$kind" "$URL"
    { nodes 2; pod web-1 n1 - web 100m "$kind"; pod web-2 n1 - web 100m "$kind"; pod batch n2 - batch 600m; } | apply
    echo "$2" | apply
    wait_for "$kind comes through the watch" 10 seen 1 "$plural: ADDED default/web"
    pod web-3 - - web 100m "$kind" | apply
    wait_for "$kind: the default constraints spread web-3 to n2" 10 bound_to web-3 n2
    [ "$(node_of web-3)" = n2 ] || echo "  web-3 went to $(node_of web-3)"
    stop_pair
}
TEMPLATE='template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: x}]}}'
spread_case Service 'apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}'
spread_case ReplicationController "apiVersion: v1
kind: ReplicationController
metadata: {name: web, namespace: default}
spec: {replicas: 3, selector: {app: web}, $TEMPLATE}"
spread_case ReplicaSet "apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web, namespace: default}
spec: {replicas: 3, selector: {matchLabels: {app: web}}, $TEMPLATE}"
spread_case StatefulSet "apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: default}
spec: {replicas: 3, serviceName: web, selector: {matchLabels: {app: web}}, $TEMPLATE}"

# ---- changes made while the API server was down: relist, difference ----
PORT=$(free_port)
mkdir -p "$TMP/data"
start_api api-r --listen 127.0.0.1:$PORT --data-dir "$TMP/data" --write-kubeconfig "$TMP/kc"
start_sched sched-r "$URL"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: svc-a, namespace: default}\nspec: {selector: {app: a}, ports: [{port: 80}]}\n' | apply
wait_for "svc-a comes through the watch" 10 seen 1 "services: ADDED default/svc-a"
kill -9 "$API_PID"; wait "$API_PID" 2>/dev/null
# the same data dir served elsewhere meanwhile: svc-a deleted, svc-b created
cp "$TMP/kc" "$TMP/kc.main"
start_api api-other --listen 127.0.0.1:0 --data-dir "$TMP/data" --write-kubeconfig "$TMP/kc"
K delete service svc-a >/dev/null 2>&1 || fail "delete svc-a"
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: svc-b, namespace: default}\nspec: {selector: {app: b}, ports: [{port: 80}]}\n' | apply
for i in 1 2 3; do K create namespace "filler-$i" >/dev/null 2>&1; done
kill "$API_PID"; wait "$API_PID" 2>/dev/null
cp "$TMP/kc.main" "$TMP/kc"
start_api api-r2 --listen 127.0.0.1:$PORT --data-dir "$TMP/data" --watch-history 1
wait_for "a Service deleted while away arrives as DELETED" 20 seen 1 "services: DELETED default/svc-a"
wait_for "a Service created while away arrives as ADDED" 10 seen 1 "services: ADDED default/svc-b"
grep -q 'informer /api/v1/services: resourceVersion .* is gone; relisting' "$SLOG" && pass ||
    echo "  (note: the services informer relisted after connection failures, not a 410)"
stop_pair

# ---- a server that does not serve policy/v1 (404): startup not blocked ----
start_api api-old --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
: >"$TMP/proxy.out"
python3 "$ROOT/tests/cli/api_proxy.py" "$URL" /apis/policy/ >"$TMP/proxy.out" 2>"$TMP/proxy.err" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
PROXY=""
for _ in $(seq 100); do
    PROXY=$(sed -n 's/^api_proxy: serving on //p' "$TMP/proxy.out")
    [ -n "$PROXY" ] && break
    sleep 0.05
done
[ -n "$PROXY" ] || fail "the proxy did not start: $(cat "$TMP/proxy.err")"
start_sched sched-old "$PROXY"
wait_for "the scheduler starts without PDBs" 10 grep -q "scheduling against" "$SLOG"
{ nodes 2; pod p1 - - p 100m; } | apply
bound_somewhere() { [ -n "$(node_of "$1")" ]; }
wait_for "a pod is bound through the server without PDBs" 10 bound_somewhere p1
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n' | apply
wait_for "the other kinds are still watched" 10 seen 1 "services: ADDED default/web"
sleep 1
n=$(grep -c 'does not serve poddisruptionbudgets' "$SLOG")
[ "$n" -eq 1 ] && pass || fail "the missing kind is logged once: $n times"
n=$(grep -c '^denied GET /apis/policy/v1/poddisruptionbudgets' "$TMP/proxy.out")
[ "$n" -eq 1 ] && pass || fail "the missing kind is asked for once: $n times"
stop_pair
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null

echo "scheduler_informers: $passed passed, $failed failed"
[ $failed -eq 0 ]
