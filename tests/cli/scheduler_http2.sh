#!/usr/bin/env bash
# scheduler_http2.sh — `schedlab scheduler --kubeconfig` over HTTP/2, as
# client-go talks to kube-apiserver: h2 negotiated by ALPN over TLS, every
# request and watch multiplexed on one connection.
#
# nghttpx (Debian package nghttp2-proxy) is a reverse proxy with an HTTP/2
# TLS frontend; it stands in front of `schedlab apiserver` (plain HTTP/1.1
# backend, libmicrohttpd speaks only HTTP/1.1). The scheduler reaches the API
# only through the proxy (https, certificate-authority = the proxy's
# self-signed certificate). Checked:
#   - every pod is bound, including one created after the scheduler synced
#     (the pod watch streams over HTTP/2);
#   - nghttpx's access log: every request the scheduler made ($alpn) was h2,
#     the bindings among them, the watches too (logged when SIGTERM ends
#     them), all from one client port: one multiplexed connection;
#   - the client's debug log names the negotiated version (CURLINFO_HTTP_VERSION);
#   - ALPN fallback: straight against `schedlab apiserver --tls-self-signed`
#     (no h2) the same scheduler binds pods over HTTP/1.1;
#   - a slow watch consumer (tests/tools/kube_watch with a 1-byte stream
#     buffer): the h2 stream is paused and resumed, every event arrives in
#     order, requests on the same client go on meanwhile;
#   - the proxy killed and restarted: the scheduler reconnects and binds pods
#     created while it was down and after;
#   - DISABLE_HTTP2=1 (as client-go honours it): HTTP/1.1 through the proxy.
# Skips (0 passed, 0 failed, with a message) only when nghttpx is absent.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_http2.sh
#
# The last line is "scheduler_http2: N passed, M failed".
. "$(dirname "$0")/lib.sh"
NGHTTPX=$(command -v nghttpx || { [ -x /usr/sbin/nghttpx ] && echo /usr/sbin/nghttpx; })
if [ -z "$NGHTTPX" ]; then
    echo "scheduler_http2: SKIPPED: nghttpx not found (install the Debian package nghttp2-proxy: scripts/install-deps.sh)"
    echo "scheduler_http2: 0 passed, 0 failed"
    exit 0
fi
finish() { echo "scheduler_http2: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
K() { kubectl --kubeconfig "$TMP/kc" "$@"; }
all_bound() { # N: N pods, every one bound
    local n; n=$(K get pods -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' 2>/dev/null | grep -c .)
    [ "$n" -ge "$1" ]
}
bound() { [ -n "$(K get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null)" ]; }
pods() { # FROM TO
    for i in $(seq "$1" "$2"); do
        printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: default}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 10m}}}]}\n---\n' "$i"
    done
}
nodes() {
    for i in 1 2 3 4; do
        printf 'apiVersion: v1\nkind: Node\nmetadata: {name: n%d, labels: {kubernetes.io/hostname: n%d}}\nstatus: {capacity: {cpu: "8", memory: 32Gi, pods: "110"}, allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}\n---\n' "$i" "$i"
    done
}
stop_sched() { # PID DESC
    kill -TERM "$1"; wait "$1"; local rc=$?
    [ $rc -eq 0 ] && pass || fail "$2: SIGTERM exit $rc"
}

# A certificate for the proxy: schedlab's own self-signed pair (SAN
# 127.0.0.1), kept in the data dir of a short-lived TLS apiserver.
mkdir -p "$TMP/tls"
start_api tlsgen --listen 127.0.0.1:0 --tls-self-signed --data-dir "$TMP/tls"
kill "$API_PID"; wait "$API_PID" 2>/dev/null
[ -s "$TMP/tls/tls.crt" ] && [ -s "$TMP/tls/tls.key" ] && pass || { fail "no certificate pair in $TMP/tls"; finish; }

# ---- the API server, behind nghttpx (h2 TLS frontend, HTTP/1.1 backend) ----
start_api api --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
BACKEND=${URL#http://}
FPORT=$(free_port)
start_proxy() {
"$NGHTTPX" --conf=/dev/null -f"127.0.0.1,$FPORT" -b"${BACKEND%:*},${BACKEND##*:}" --workers=1 \
    --backend-read-timeout=10m --frontend-read-timeout=10m --frontend-http2-read-timeout=10m \
    --accesslog-file="$TMP/access.log" --accesslog-format='$alpn $remote_port $method $status $path' \
    --errorlog-file="$TMP/nghttpx.log" "$TMP/tls/tls.key" "$TMP/tls/tls.crt" 2>>"$TMP/nghttpx.log" &
NGHTTPX_PID=$!; PIDS+=("$NGHTTPX_PID")
}
start_proxy
proxy_up() { curl -s --cacert "$TMP/tls/tls.crt" -o /dev/null "https://127.0.0.1:$FPORT/version"; }
wait_for "nghttpx serves" 10 proxy_up
PROXY_URL=https://127.0.0.1:$FPORT
kubeconfig "$TMP/kc-proxy" "$PROXY_URL" "$TMP/tls/tls.crt"
: >"$TMP/access.log"

nodes >"$TMP/nodes.yaml"
K apply -f "$TMP/nodes.yaml" >/dev/null 2>"$TMP/err" && pass || fail "apply nodes: $(cat "$TMP/err")"
pods 1 40 >"$TMP/pods.yaml"
K apply -f "$TMP/pods.yaml" >/dev/null 2>"$TMP/err" && pass || fail "apply pods: $(cat "$TMP/err")"

"$SCHEDLAB" scheduler --kubeconfig "$TMP/kc-proxy" --secure-port 0 -v 4 >"$TMP/sched.out" 2>"$TMP/sched.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
wait_for "40 pods bound through the HTTP/2 proxy" 30 all_bound 40
# a pod created later: the watch (an h2 stream) brings it
sleep 1
pods 41 41 | K apply -f - >/dev/null 2>&1
wait_for "a pod created later is bound (watch over HTTP/2)" 15 bound p41
stop_sched "$SCHED_PID" "scheduler through nghttpx"
sleep 0.3  # nghttpx logs the ended watch streams

grep -q 'client: https://127.0.0.1:[0-9]* speaks HTTP/2 ' "$TMP/sched.log" && pass ||
    fail "no 'speaks HTTP/2' line in the scheduler's log: $(grep -i http "$TMP/sched.log" | head -3)"
total=$(grep -c . "$TMP/access.log")
h2=$(grep -c '^h2 ' "$TMP/access.log")
[ "$total" -gt 0 ] && [ "$h2" = "$total" ] && pass || fail "requests over h2: $h2 of $total: $(grep -v '^h2 ' "$TMP/access.log" | head -3)"
binds=$(grep -c '^h2 [0-9]* POST 201 /api/v1/namespaces/default/pods/p[0-9]*/binding' "$TMP/access.log")
[ "$binds" -eq 41 ] && pass || fail "bindings over h2: $binds, want 41"
grep -q '^h2 [0-9]* GET [0-9]* /api/v1/pods?.*watch=' "$TMP/access.log" && pass || fail "no pod watch over h2 in the access log"
grep -q '^h2 [0-9]* GET [0-9]* /api/v1/nodes?.*watch=' "$TMP/access.log" && pass || fail "no node watch over h2 in the access log"
conns=$(awk '{print $2}' "$TMP/access.log" | sort -u | grep -c .)
[ "$conns" -eq 1 ] && pass || fail "requests and watches came on $conns connections, want 1 (multiplexed): $(awk '{print $2}' "$TMP/access.log" | sort | uniq -c)"
echo "scheduler_http2: $total requests (41 bindings) over $conns HTTP/2 connection(s)"

# ---- a slow watcher on the client: with a 1-byte stream buffer the
# transport pauses the h2 stream whenever an event waits and resumes it when
# the watcher catches up; requests on the same client meanwhile ----
TOOL=$(dirname "$SCHEDLAB")/tools/kube_watch
if [ -x "$TOOL" ]; then
    K create namespace slow >/dev/null 2>&1
    SCHEDLAB_LOG=debug "$TOOL" "$TMP/kc-proxy" "/api/v1/namespaces/slow/pods?watch=1" 60 20 1 >"$TMP/watch.out" 2>"$TMP/watch.log" &
    WPID=$!; PIDS+=("$WPID")
    sleep 0.5
    for i in $(seq 60); do
        printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: s%d, namespace: slow, labels: {pad: "%s"}}\nspec: {schedulerName: nobody, containers: [{name: c, image: x}]}\n---\n' "$i" "$(printf 'x%.0s' $(seq 60))"
    done >"$TMP/slow.yaml"
    K apply -f "$TMP/slow.yaml" >/dev/null 2>"$TMP/err" || fail "apply slow pods: $(cat "$TMP/err")"
    end=$((SECONDS + 60))
    while kill -0 "$WPID" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
    wait "$WPID"; rc=$?
    want=$(for i in $(seq 60); do echo "ADDED s$i"; done)
    [ $rc -eq 0 ] && [ "$(grep -v '^watch:' "$TMP/watch.out")" = "$want" ] && pass ||
        fail "slow watcher: rc=$rc, events: $(grep -vc '^watch:' "$TMP/watch.out") $(head -3 "$TMP/watch.out") $(cat "$TMP/watch.log")"
    grep -qx 'watch: 60 events, 6 gets ok, status 200' "$TMP/watch.out" && pass || fail "slow watcher summary: $(tail -1 "$TMP/watch.out")"
    n=$(grep -c 'watch stream paused' "$TMP/watch.log")
    [ "$n" -ge 1 ] && pass || fail "the slow watcher's stream was never paused"
    echo "scheduler_http2: slow watcher: stream paused $n times, 60 events in order"
else
    fail "missing $TOOL (make builds tests/tools)"
fi

# ---- the proxy dies and comes back: the one connection carrying every
# stream is gone; watches end, informers relist and watch again on a new
# connection, requests are retried ----
"$SCHEDLAB" scheduler --kubeconfig "$TMP/kc-proxy" --secure-port 0 -v 4 >"$TMP/sched-restart.out" 2>"$TMP/sched-restart.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
pods 43 43 | K apply -f - >/dev/null 2>&1
wait_for "restart phase: a pod bound" 15 bound p43
kill -9 "$NGHTTPX_PID"; wait "$NGHTTPX_PID" 2>/dev/null
pods 44 44 | K apply -f - >/dev/null 2>&1   # created while the proxy is down
sleep 1
start_proxy
wait_for "nghttpx serves again" 10 proxy_up
wait_for "a pod created while the proxy was down is bound after it returns" 30 bound p44
pods 45 45 | K apply -f - >/dev/null 2>&1
wait_for "a pod created after the proxy returned is bound" 30 bound p45
stop_sched "$SCHED_PID" "scheduler across a proxy restart"

# ---- DISABLE_HTTP2: HTTP/1.1 through the same proxy ----
: >"$TMP/access.log"
DISABLE_HTTP2=1 "$SCHEDLAB" scheduler --kubeconfig "$TMP/kc-proxy" --secure-port 0 -v 4 >"$TMP/sched11.out" 2>"$TMP/sched11.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
pods 42 42 | K apply -f - >/dev/null 2>&1
wait_for "DISABLE_HTTP2: a pod bound" 15 bound p42
stop_sched "$SCHED_PID" "scheduler with DISABLE_HTTP2"
grep -q 'speaks HTTP/1.1' "$TMP/sched11.log" && pass || fail "DISABLE_HTTP2: no 'speaks HTTP/1.1' line"
[ "$(grep -c . "$TMP/access.log")" -gt 0 ] && [ "$(grep -vc '^http/1.1 ' "$TMP/access.log")" -eq 0 ] && pass ||
    fail "DISABLE_HTTP2: not all http/1.1: $(head -3 "$TMP/access.log")"
kill "$NGHTTPX_PID"; wait "$NGHTTPX_PID" 2>/dev/null
kill "$API_PID"; wait "$API_PID" 2>/dev/null

# ---- ALPN fallback: schedlab apiserver's own TLS (HTTP/1.1 only) ----
start_api api-tls --listen 127.0.0.1:0 --tls-self-signed --data-dir "$TMP/tls" --write-kubeconfig "$TMP/kc"
K apply -f "$TMP/nodes.yaml" >/dev/null 2>"$TMP/err" && pass || fail "apply nodes (tls): $(cat "$TMP/err")"
"$SCHEDLAB" scheduler --kubeconfig "$TMP/kc" --secure-port 0 -v 4 >"$TMP/sched-tls.out" 2>"$TMP/sched-tls.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
pods 1 20 | K apply -f - >/dev/null 2>&1
wait_for "ALPN fallback: 20 pods bound over HTTPS/1.1" 30 all_bound 20
sleep 1
pods 21 21 | K apply -f - >/dev/null 2>&1
wait_for "ALPN fallback: a pod created later is bound (watch)" 15 bound p21
stop_sched "$SCHED_PID" "scheduler against the TLS apiserver"
grep -q 'client: https://127.0.0.1:[0-9]* speaks HTTP/1.1 (ALPN fell back' "$TMP/sched-tls.log" && pass ||
    fail "fallback: no 'speaks HTTP/1.1 (ALPN fell back' line: $(grep -i http "$TMP/sched-tls.log" | head -3)"
kill "$API_PID"; wait "$API_PID" 2>/dev/null

if grep -lE "Sanitizer|runtime error" "$TMP"/*.log >/dev/null 2>&1; then
    fail "sanitizer report:"; grep -hE -A12 "Sanitizer|runtime error" "$TMP"/*.log | head -40
fi
finish
