#!/usr/bin/env bash
# apiserver.sh — end-to-end tests of `schedlab apiserver` with real clients
# on loopback: kubectl 1.32 (/usr/bin/kubectl) and Debian's kubectl 1.20
# (unpacked from `apt-get download kubernetes-client` into a cache dir;
# skipped with a printed reason when that is impossible), python3-kubernetes
# (/usr/bin/python3), curl for bad input (malformed bodies, unknown kinds,
# invalid names, stale resourceVersions, oversized bodies, a watch client
# that never reads, a slow-loris connection), HTTPS with a token through the
# written kubeconfig, and persistence across kill -9 in a write storm.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/apiserver.sh
#
# The last line is "apiserver: N passed, M failed".
. "$(dirname "$0")/lib.sh"  # kubectl's discovery cache: a fresh HOME per run
# failures also show the last command's stderr
fail() { failed=$((failed + 1)); echo "FAIL: $1"; [ -s "$TMP/err" ] && sed 's/^/  stderr: /' "$TMP/err" | head -5; return 0; }

# start NAME ARGS...: starts a server; sets URL and PID.
start() {
    local name=$1; shift
    "$SCHEDLAB" apiserver --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PID=$!
    PIDS+=("$PID")
    URL=""
    for _ in $(seq 100); do
        URL=$(sed -n 's/^schedlab apiserver: serving on //p' "$TMP/$name.out")
        [ -n "$URL" ] && break
        sleep 0.05
    done
    [ -n "$URL" ] || { echo "server $name did not start:"; cat "$TMP/$name.log"; }
}
# stop PID: SIGTERM, wait; a sanitizer report in any server log fails
stop() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    if grep -lE "Sanitizer|runtime error" "$TMP"/*.log >/dev/null 2>&1; then
        fail "sanitizer report in a server log:"
        grep -hE -A12 "Sanitizer|runtime error" "$TMP"/*.log | head -40
        rm -f "$TMP"/*.log
    fi
}

# expect NAME WANT-SUBSTRING: checks $TMP/out
expect() {
    if grep -qF -- "$2" "$TMP/out" "$TMP/err"; then pass; else fail "$1: no \"$2\" in output:"; sed 's/^/  out: /' "$TMP/out" | head -8; fi
}
# k ARGS: kubectl 1.32 against $URL, output in $TMP/out, status in $rc
k() { timeout 30 /usr/bin/kubectl --server "$URL" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
# http METHOD PATH [curl args]: status in $code, body in $TMP/out
http() {
    local m=$1 p=$2; shift 2
    code=$(curl -s -o "$TMP/out" -w '%{http_code}' -X "$m" "$URL$p" "$@")
}
expect_code() { if [ "$code" = "$2" ]; then pass; else fail "$1: HTTP $code, want $2: $(head -c 300 "$TMP/out")"; fi; }

cat >"$TMP/pod.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: c
    image: nginx:1.25
    env: [{name: A, value: "1"}, {name: B, value: "2"}]
EOF
cat >"$TMP/node.yaml" <<'EOF'
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {node-role.kubernetes.io/worker: ""}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.32.0}
EOF

# ---------------------------------------------------------------- kubectl 1.32
start main --watch-history 200 --watch-bookmark-seconds 1
k get ns
expect "get ns: Table" "kube-node-lease   Active"
k create -f "$TMP/pod.yaml" --dry-run=server
expect "create --dry-run=server" "pod/web created (server dry run)"
k get pod web
if [ "$rc" -ne 0 ]; then pass; else fail "a server dry run stored the pod"; fi
k create -f "$TMP/pod.yaml"
expect "create" "pod/web created"
k create -f "$TMP/node.yaml"
k get pods
expect "get pods: columns" "NAME   READY   STATUS    RESTARTS   AGE"
expect "get pods: row" "web    0/1     Pending   0"
k get pods -o wide
expect "get -o wide" "NOMINATED NODE"
k get nodes
expect "get nodes: roles and version" "Ready    worker"
k get pod web -o yaml
expect "get -o yaml: kind" "kind: Pod"
expect "get -o yaml: resourceVersion" "resourceVersion:"
k get pod web -o json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["kind"]=="Pod" and d["apiVersion"]=="v1" and d["metadata"]["uid"]' "$TMP/out" 2>/dev/null; then pass; else fail "get -o json"; fi
k get pod web -o name
expect "get -o name" "pod/web"
sed -i 's/value: "2"/value: "3"/' "$TMP/pod.yaml"
k apply -f "$TMP/pod.yaml"
expect "apply (first, adopts)" "pod/web configured"
sed -i 's/, {name: B, value: "3"}//' "$TMP/pod.yaml"
k apply -f "$TMP/pod.yaml"
expect "apply twice with a change" "pod/web configured"
k get pod web -o jsonpath='{.spec.containers[0].env}'
expect "apply removed the env var (\$patch: delete)" '[{"name":"A","value":"1"}]'
k apply -f "$TMP/pod.yaml"
expect "apply unchanged" "pod/web unchanged"
k label pod web tier=front
expect "label" "pod/web labeled"
k annotate pod web note=hello
expect "annotate" "pod/web annotated"
k patch pod web -p '{"metadata":{"labels":{"x":"y"}}}'
k get pod web --show-labels
expect "label + patch visible" "app=web,tier=front,x=y"
k patch pod web --type=json -p '[{"op":"test","path":"/metadata/labels/x","value":"nope"}]'
if [ "$rc" -ne 0 ]; then pass; else fail "json patch test op should fail"; fi
k cordon n1
k get nodes
expect "cordon" "Ready,SchedulingDisabled"
# nodes/status keeps the spec; the main resource keeps the status
http PATCH /api/v1/nodes/n1/status -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"unschedulable":false},"status":{"allocatable":{"cpu":"3"}}}'
if [ "$code" = 200 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["spec"]["unschedulable"] is True and d["status"]["allocatable"]["cpu"]=="3"' "$TMP/out"; then pass; else fail "nodes/status patch: $code $(head -c 300 "$TMP/out")"; fi
http PATCH /api/v1/nodes/n1 -H 'Content-Type: application/merge-patch+json' -d '{"status":{"allocatable":{"cpu":"1"}}}'
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"]["allocatable"]["cpu"]=="3"' "$TMP/out"; then pass; else fail "node main resource changed the status"; fi
k uncordon n1
k get nodes
expect "uncordon" "n1     Ready    worker"
# bind through pods/binding, then field selectors
http POST /api/v1/namespaces/default/pods/web/binding -H 'Content-Type: application/json' \
    -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"kind":"Node","name":"n1"}}'
expect_code "binding" 201
http POST /api/v1/namespaces/default/pods/web/binding -H 'Content-Type: application/json' \
    -d '{"metadata":{"name":"web"},"target":{"name":"n1"}}'
expect_code "second binding -> 409" 409
k get pods -A --field-selector spec.nodeName=n1
expect "field selector spec.nodeName=n1" "default     web"
k get pods -A --field-selector spec.nodeName=
expect "field selector spec.nodeName= (unbound)" "No resources found"
# events through core/v1 and events.k8s.io/v1 both show in describe
uid=$(/usr/bin/kubectl --server "$URL" get pod web -o jsonpath='{.metadata.uid}' 2>/dev/null)
http POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"web.1\"},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"web\",\"uid\":\"$uid\"},\"reason\":\"Scheduled\",\"message\":\"Successfully assigned default/web to n1\",\"type\":\"Normal\",\"source\":{\"component\":\"default-scheduler\"},\"firstTimestamp\":\"2026-01-01T00:00:00Z\",\"lastTimestamp\":\"2026-01-01T00:00:00Z\",\"count\":1}"
expect_code "core/v1 event" 201
http POST /apis/events.k8s.io/v1/namespaces/default/events -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"web.2\"},\"regarding\":{\"kind\":\"Pod\",\"namespace\":\"default\",\"name\":\"web\",\"uid\":\"$uid\"},\"reason\":\"Pulled\",\"note\":\"written as events.k8s.io\",\"type\":\"Normal\",\"reportingController\":\"kubelet\",\"reportingInstance\":\"n1\",\"action\":\"Pull\",\"eventTime\":\"2026-01-01T00:00:00.000000Z\"}"
expect_code "events.k8s.io/v1 event" 201
k describe pod web
expect "describe: core/v1 event" "Successfully assigned default/web to n1"
expect "describe: events.k8s.io event" "written as events.k8s.io"
http GET "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"])==2 and all(i["apiVersion"]=="events.k8s.io/v1" and i["regarding"]["name"]=="web" for i in d["items"])' "$TMP/out"; then pass; else fail "events.k8s.io view of both events"; fi
k get events
expect "get events Table" "pod/web"
k api-resources
expect "api-resources" "priorityclasses"
k get all
expect "get all (categories)" "pod/web"
k get priorityclasses
expect "built-in priority classes" "system-node-critical"
# get -w sees a change
timeout 4 /usr/bin/kubectl --server "$URL" get pods -w >"$TMP/watch.out" 2>&1 &
wpid=$!
sleep 1.5
/usr/bin/kubectl --server "$URL" label pod web watched=yes >/dev/null 2>&1
wait $wpid
if [ "$(grep -c '^web ' "$TMP/watch.out")" -ge 2 ]; then pass; else fail "get -w saw no change: $(cat "$TMP/watch.out")"; fi
if grep -q "^NAME" "$TMP/watch.out" && [ "$(grep -c '^NAME' "$TMP/watch.out")" -eq 1 ]; then pass; else fail "get -w: one header (Table watch)"; fi
curl -s -N --max-time 5 "$URL/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=$(curl -s "$URL/api/v1/pods" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')" >"$TMP/out"
expect "watch bookmark when asked" '"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"'
curl -s -N --max-time 5 "$URL/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=2&resourceVersion=1" >"$TMP/out"
if ! grep -q BOOKMARK "$TMP/out"; then pass; else fail "bookmark without allowWatchBookmarks"; fi
k delete pod web
expect "delete" 'pod "web" deleted'
k get pod web
if [ "$rc" -ne 0 ] && grep -q 'NotFound' "$TMP/err"; then pass; else fail "deleted pod still readable"; fi
# (`kubectl create deployment` 1.32 sends protobuf, which this server does not speak: use -f)
cat >"$TMP/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: d1}
spec:
  selector: {matchLabels: {app: d1}}
  template:
    metadata: {labels: {app: d1}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
k create -f "$TMP/deploy.yaml"
expect "create deployment (apps/v1)" "deployment.apps/d1 created"
k get deploy d1 -o jsonpath='{.metadata.generation}'
expect "generation on apps kinds" "1"
# kubectl 1.32's generators POST protobuf for these flat kinds
k create namespace team-a
expect "create namespace (protobuf body)" "namespace/team-a created"
k create configmap cm1 --from-literal=a=b --from-literal=c=d
expect "create configmap (protobuf body)" "configmap/cm1 created"
k get cm cm1 -o jsonpath='{.data}'
expect "configmap data from protobuf" '{"a":"b","c":"d"}'
k create secret generic s1 --from-literal=a=b
k get secret s1 -o jsonpath='{.data.a} {.type}'
expect "secret from protobuf (bytes base64, type defaulted)" "Yg== Opaque"
k create serviceaccount sa1 -n team-a
expect "create serviceaccount (protobuf body)" "serviceaccount/sa1 created"
k create deployment d2 --image=nginx
expect "other protobuf kinds: a clear 415" "send JSON or YAML"
k delete namespace team-a
expect "delete namespace" 'namespace "team-a" deleted'
k get sa sa1 -n team-a
if [ "$rc" -ne 0 ]; then pass; else fail "namespace delete did not remove its contents"; fi

# ---------------------------------------------------------------- python3-kubernetes
if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
    timeout 120 /usr/bin/python3 tests/cli/apiserver_client.py "$URL" >"$TMP/py.out" 2>&1
    while read -r line; do
        case "$line" in
            ok\ *) pass ;;
            FAIL*) fail "python: $line" ;;
        esac
    done <"$TMP/py.out"
    grep -q '^ok leases_and_events' "$TMP/py.out" || { fail "python client did not finish"; tail -5 "$TMP/py.out"; }
else
    echo "SKIP python: /usr/bin/python3 cannot import kubernetes (apt-get install python3-kubernetes)"
fi

# ---------------------------------------------------------------- bad input
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata": {"name": "x"'
expect_code "malformed JSON" 400
grep -q '"kind":"Status"' "$TMP/out" && pass || fail "malformed JSON: Status body"
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/yaml' --data-binary $'metadata:\n  name: [x\n'
expect_code "malformed YAML" 400
http GET /api/v1/namespaces/default/widgets
expect_code "unknown kind" 404
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"Bad_Name"},"spec":{"containers":[{"name":"c","image":"i"}]}}'
expect_code "invalid name" 422
grep -q '"field":"metadata.name"' "$TMP/out" && pass || fail "invalid name: causes[].field"
http POST "/api/v1/namespaces/default/pods?fieldValidation=Strict" -H 'Content-Type: application/json' -d '{"metadata":{"name":"strict1"},"spec":{"containerz":[],"containers":[{"name":"c","image":"i"}]}}'
expect_code "unknown field with fieldValidation=Strict" 400
expect "strict: names the field" 'unknown field \"spec.containerz\"'
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"lenient1"},"spec":{"containerz":[],"containers":[{"name":"c","image":"i"}]}}'
expect_code "unknown field without Strict is accepted" 201
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"typed1"},"spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"lots"}}}]}}'
if [ "$code" = 400 ] || [ "$code" = 422 ]; then pass; else fail "a bad quantity: HTTP $code"; fi
sed 's/containers:/containerz: []\n  containers:/' "$TMP/pod.yaml" | sed 's/name: web/name: web-typo/' >"$TMP/typo.yaml"
timeout 30 /usr/bin/kubectl --server "$URL" apply -f "$TMP/typo.yaml" >"$TMP/out" 2>"$TMP/err"
expect "kubectl apply of a typo (strict)" 'unknown field "spec.containerz"'
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"kind":"Node","metadata":{"name":"x"}}'
expect_code "kind mismatch" 400
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"nocont"},"spec":{}}'
expect_code "missing containers" 422
grep -q '"field":"spec.containers"' "$TMP/out" && pass || fail "missing containers: field path"
http POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"pc"},"spec":{"priorityClassName":"nosuch","containers":[{"name":"c","image":"i"}]}}'
expect_code "unknown priority class" 403
http POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' -d '{"metadata":{"name":"cm"},"data":{"a":"1"}}'
rv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$TMP/out")
http PUT /api/v1/namespaces/default/configmaps/cm -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"cm\",\"resourceVersion\":\"$rv\"},\"data\":{\"a\":\"2\"}}"
expect_code "update with current RV" 200
http PUT /api/v1/namespaces/default/configmaps/cm -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"cm\",\"resourceVersion\":\"$rv\"},\"data\":{\"a\":\"3\"}}"
expect_code "stale resourceVersion" 409
grep -q '"reason":"Conflict"' "$TMP/out" && pass || fail "stale RV: reason Conflict"
http PATCH /api/v1/namespaces/default/configmaps/cm -H 'Content-Type: application/apply-patch+yaml' -d '{}'
expect_code "server-side apply" 415
head -c 4000000 /dev/zero | tr '\0' 'a' >"$TMP/big"
http POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' --data-binary @"$TMP/big"
expect_code "oversized body" 413
http DELETE /api/v1/namespaces/default
expect_code "default namespace is protected" 403
# list pagination over HTTP, then deletecollection with a selector
for i in 1 2 3 4 5; do curl -s -o /dev/null -X POST "$URL/api/v1/namespaces/default/configmaps" -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"page-$i\",\"labels\":{\"set\":\"page\"}}}"; done
http GET "/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpage&limit=2"
token=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"])==2; print(d["metadata"]["continue"])' "$TMP/out")
http GET "/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpage&limit=2&continue=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$token")"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [i["metadata"]["name"] for i in d["items"]]==["page-3","page-4"] and d["metadata"]["continue"]' "$TMP/out"; then pass; else fail "limit/continue: $(head -c 300 "$TMP/out")"; fi
http DELETE "/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpage"
if [ "$code" = 200 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["items"])==5' "$TMP/out"; then pass; else fail "deletecollection: $code"; fi
http GET "/api/v1/namespaces/default/configmaps?labelSelector=set%3Dpage"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["items"]==[]' "$TMP/out"; then pass; else fail "deletecollection left objects"; fi
# a watch client that never reads, and a slow-loris connection, while others are served
python3 - "$URL" >"$TMP/slow.out" 2>&1 <<'EOF' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
w = socket.create_connection((u.hostname, u.port))
w.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
w.sendall(b"GET /api/v1/configmaps?watch=true HTTP/1.1\r\nHost: x\r\n\r\n")
s = socket.create_connection((u.hostname, u.port))
s.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\n")
for _ in range(8):
    time.sleep(1)
    try:
        s.sendall(b"X-Slow: 1\r\n")
    except OSError:
        break
time.sleep(2)
print("done")
EOF
slowpid=$!
sleep 0.5
t0=$(date +%s%N)
for i in $(seq 300); do
    curl -s -o /dev/null -X POST "$URL/api/v1/namespaces/default/configmaps" -H 'Content-Type: application/json' \
        -d "{\"metadata\":{\"name\":\"storm-$i\"},\"data\":{\"blob\":\"$(printf '%0200d' 0)\"}}"
done
http GET /api/v1/namespaces/default/configmaps/storm-300
expect_code "serving others during a stuck watch and a slow loris" 200
t1=$(date +%s%N)
if [ $(( (t1 - t0) / 1000000 )) -lt 20000 ]; then pass; else fail "300 writes took $(( (t1 - t0) / 1000000 )) ms beside a stuck watcher"; fi
wait $slowpid
# 300 long-lived watches held open do not slow other requests down
python3 - "$URL" >"$TMP/many.out" 2>&1 <<'EOF'
import socket, sys, time, urllib.parse, urllib.request, json
u = urllib.parse.urlparse(sys.argv[1])
socks = []
for i in range(300):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
time.sleep(0.5)
t0 = time.time()
for i in range(50):
    body = json.dumps({"metadata": {"name": "many-%d" % i}}).encode()
    urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/api/v1/namespaces/default/configmaps", body,
                                                  {"Content-Type": "application/json"}), timeout=5).read()
    urllib.request.urlopen(sys.argv[1] + "/api/v1/namespaces/default/configmaps/many-%d" % i, timeout=5).read()
took = time.time() - t0
# every watcher got the last write
got = 0
for s in socks:
    s.settimeout(5)
    buf = b""
    while b"many-49" not in buf:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    got += b"many-49" in buf
print("writes %.2f s, watchers with the last event: %d" % (took, got))
EOF
if grep -q "watchers with the last event: 300" "$TMP/many.out" && python3 -c "import re,sys; sys.exit(0 if float(re.search(r'writes ([0-9.]+)', open(sys.argv[1]).read()).group(1)) < 10 else 1)" "$TMP/many.out"; then pass; else fail "300 watches: $(cat "$TMP/many.out")"; fi
stop "$PID"

# ---------------------------------------------------------------- kubectl 1.20
K120_DIR=${XDG_CACHE_HOME:-/tmp}/schedlab-kubectl-1.20
K120="$K120_DIR/usr/bin/kubectl"
if [ ! -x "$K120" ]; then
    mkdir -p "$K120_DIR"
    (cd "$K120_DIR" && timeout 120 apt-get download kubernetes-client >/dev/null 2>&1 &&
        dpkg-deb -x kubernetes-client_*.deb . && rm -f kubernetes-client_*.deb) || true
fi
if [ -x "$K120" ] && "$K120" version --client 2>/dev/null | grep -q 'v1.20'; then
    start k120
    k120() { timeout 30 "$K120" --server "$URL" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
    sed -i 's/nginx:1.25/nginx:1.26/' "$TMP/pod.yaml"
    k120 create -f "$TMP/pod.yaml"
    expect "1.20 create" "pod/web created"
    k120 get pods
    expect "1.20 get pods Table" "web    0/1     Pending   0"
    sed -i 's/nginx:1.26/nginx:1.27/' "$TMP/pod.yaml"
    k120 apply -f "$TMP/pod.yaml"
    expect "1.20 apply" "pod/web configured"
    k120 get po web -o jsonpath='{.spec.containers[0].image}'
    expect "1.20 apply took effect" "nginx:1.27"
    k120 create -f "$TMP/node.yaml"
    k120 cordon n1
    expect "1.20 cordon" "node/n1 cordoned"
    k120 describe node n1
    expect "1.20 describe node" "Unschedulable:      true"
    k120 delete pod web
    expect "1.20 delete" 'pod "web" deleted'
    stop "$PID"
else
    echo "SKIP kubectl 1.20: apt-get download kubernetes-client did not give a v1.20 binary in $K120_DIR"
fi

# ---------------------------------------------------------------- HTTPS + token
echo "s3cret-token,admin,1" >"$TMP/tokens.csv"
start tls --tls-self-signed --token-file "$TMP/tokens.csv" --write-kubeconfig "$TMP/kubeconfig" --data-dir "$TMP/tlsdata"
case "$URL" in https://*) pass ;; *) fail "TLS server URL is $URL" ;; esac
timeout 30 /usr/bin/kubectl --kubeconfig "$TMP/kubeconfig" get ns >"$TMP/out" 2>"$TMP/err"
expect "kubectl over HTTPS with a token (CA from the kubeconfig)" "kube-system"
code=$(curl -sk -o "$TMP/out" -w '%{http_code}' "$URL/api/v1/namespaces")
expect_code "no token -> 401" 401
code=$(curl -sk -o "$TMP/out" -w '%{http_code}' -H 'Authorization: Bearer s3cret-token' "$URL/api/v1/namespaces")
expect_code "token -> 200" 200
[ -s "$TMP/tlsdata/tls.crt" ] && pass || fail "self-signed pair kept in the data dir"
stop "$PID"
# the same pair given as files
start tls2 --tls-cert "$TMP/tlsdata/tls.crt" --tls-key "$TMP/tlsdata/tls.key" --write-kubeconfig "$TMP/kubeconfig2"
timeout 30 /usr/bin/kubectl --kubeconfig "$TMP/kubeconfig2" get ns >"$TMP/out" 2>"$TMP/err"
expect "kubectl over HTTPS with --tls-cert/--tls-key" "kube-public"
stop "$PID"
start tls --tls-self-signed --token-file "$TMP/tokens.csv" --write-kubeconfig "$TMP/kubeconfig" --data-dir "$TMP/tlsdata"
if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
    if timeout 30 /usr/bin/python3 -c 'import sys
from kubernetes import client, config
config.load_kube_config(sys.argv[1])
names = [n.metadata.name for n in client.CoreV1Api().list_namespace().items]
assert "kube-system" in names, names' "$TMP/kubeconfig" 2>"$TMP/err"; then pass; else fail "python over HTTPS with the kubeconfig's token"; fi
fi
stop "$PID"

# ---------------------------------------------------------------- persistence: kill -9 mid storm
start persist --data-dir "$TMP/data"
python3 - "$URL" "$TMP/acked" <<'EOF' &
import json, sys, threading, urllib.request
url, out = sys.argv[1], sys.argv[2]
lock = threading.Lock()
acked = open(out, "w")
def writer(n):
    i = 0
    while True:
        body = json.dumps({"metadata": {"name": "w%d-%d" % (n, i)}, "data": {"i": str(i)}}).encode()
        req = urllib.request.Request(url + "/api/v1/namespaces/default/configmaps", body,
                                     {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                d = json.load(r)
        except Exception:
            return
        with lock:
            acked.write("%s %s\n" % (d["metadata"]["name"], d["metadata"]["resourceVersion"]))
            acked.flush()
        i += 1
ts = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
for t in ts: t.start()
for t in ts: t.join()
EOF
storm=$!
# kill -9 mid-storm: once some writes are acknowledged (bounded wait on a loaded machine)
for _ in $(seq 200); do
    [ -f "$TMP/acked" ] && [ "$(wc -l <"$TMP/acked")" -ge 100 ] && break
    sleep 0.1
done
sleep 0.3
kill -9 "$PID"
wait "$PID" 2>/dev/null
wait "$storm" 2>/dev/null
nacked=$(wc -l <"$TMP/acked")
maxrv=$(awk '{print $2}' "$TMP/acked" | sort -n | tail -1)
start persist2 --data-dir "$TMP/data"
missing=0
curl -s "$URL/api/v1/namespaces/default/configmaps" >"$TMP/list.json"
missing=$(python3 - "$TMP/list.json" "$TMP/acked" <<'EOF'
import json, sys
have = {i["metadata"]["name"] for i in json.load(open(sys.argv[1]))["items"]}
print(sum(1 for l in open(sys.argv[2]) if l.split()[0] not in have))
EOF
)
if [ "$nacked" -gt 50 ] && [ "$missing" = 0 ]; then pass; else fail "kill -9: $missing of $nacked acknowledged writes missing"; fi
http POST /api/v1/namespaces/default/configmaps -H 'Content-Type: application/json' -d '{"metadata":{"name":"after-restart"}}'
newrv=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$TMP/out")
if [ "$newrv" -gt "$maxrv" ]; then pass; else fail "resourceVersion went back: $newrv after $maxrv"; fi
curl -s -N --max-time 2 "$URL/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$maxrv" >"$TMP/resume.json"
if python3 - "$TMP/resume.json" "$maxrv" "$newrv" <<'EOF'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
lo, new = int(sys.argv[2]), int(sys.argv[3])
assert rvs and rvs[0] == lo + 1, rvs[:3]
assert rvs == sorted(rvs) and rvs[-1] == new, rvs[-3:]
assert evs[-1]["object"]["metadata"]["name"] == "after-restart"
EOF
then pass; else fail "watch from the last acknowledged RV after restart"; fi
echo "persistence: $nacked acknowledged writes before kill -9, resumed at $newrv"
stop "$PID"

echo "apiserver: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
