#!/usr/bin/env bash
# scheduler_keepalive.sh — dead-connection detection by TCP keepalive, as
# client-go's dialer has it: the scheduler's connections to the API server
# go silent (the peer is "gone": every packet of those connections is
# dropped, no FIN, no RST) and the scheduler must notice, resume its
# watches on new connections and bind a pod created afterwards.
#
# The suite runs itself in a private network namespace (unshare -n) where
# policy-routing rules (`ip rule ... sport/dport PORT blackhole`, ahead of
# the local table) silently drop the packets of exactly the connections
# the scheduler had open; new connections are unaffected. The keepalive
# intervals are shortened with SCHEDLAB_TCP_KEEPALIVE=1,1,3 (idle 1 s,
# interval 1 s, 3 probes: dead after about 4 s; the default, client-go's,
# is 30 s, 15 s, 9). Without keepalive the pod watch would sit on the dead
# connection until its 120 s no-data limit: the pod created afterwards
# would not be seen within the 20 s allowed here.
#   - HTTP/1.1 (--master http://): every watch and pooled connection;
#   - HTTP/2 through nghttpx (h2 TLS frontend, as scheduler_http2.sh): the
#     one multiplexed connection; all its streams fail with it and resume
#     on a new connection;
#   - HTTP/2 through tests/cli/stall_proxy.py, a TCP proxy that stops
#     forwarding but keeps the connection up (keepalive probes are ACKed):
#     the HTTP/2 health check (SCHEDLAB_H2_HEALTH=2,1: a probe after 2 s
#     without a byte, closed when it is 1 s late) closes it, the watches
#     resume through a new connection; a live idle connection is not closed.
# Skips (0 passed, 0 failed, with a message) only when a network namespace
# cannot be made (no unshare/ip, or not permitted); the HTTP/2 half only
# when nghttpx is absent.
#
#   SCHEDLAB=build/release/schedlab bash tests/cli/scheduler_keepalive.sh
#
# The last line is "scheduler_keepalive: N passed, M failed".
if [ -z "${SCHEDLAB_IN_NETNS:-}" ]; then
    if command -v unshare >/dev/null && command -v ip >/dev/null && command -v ss >/dev/null &&
        unshare -n ip rule list >/dev/null 2>&1; then
        exec unshare -n env SCHEDLAB_IN_NETNS=1 bash "$0" "$@"
    fi
    echo "scheduler_keepalive: SKIPPED: needs a private network namespace (unshare -n, ip, ss)"
    echo "scheduler_keepalive: 0 passed, 0 failed"
    exit 0
fi
. "$(dirname "$0")/lib.sh"

ip link set lo up
# rules that drop chosen connections must be consulted before the local table
ip rule add pref 100 lookup local && ip rule del pref 0 || fail "cannot reorder the routing rules"

K() { kubectl --kubeconfig "$TMP/kc" "$@"; }
bound() { [ -n "$(K get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null)" ]; }
pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: default}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 10m}}}]}\n' "$1" | K apply -f - >/dev/null; }
# conns PID PORT: local ports of PID's established connections to PORT
conns() { ss -tnpH state established "( dport = :$2 )" | grep "pid=$1," | awk '{print $3}' | sed 's/.*://' | sort -n; }
PREF=10
# blackhole PORT...: every packet from or to these local ports is dropped
blackhole() {
    for p in "$@"; do
        ip rule add pref $PREF ipproto tcp sport "$p" blackhole
        ip rule add pref $((PREF + 1)) ipproto tcp dport "$p" blackhole
        PREF=$((PREF + 2))
    done
}
# still_open PID PORT OLD...: any of OLD still among PID's connections
still_open() {
    local pid=$1 port=$2; shift 2
    local now; now=" $(conns "$pid" "$port" | tr '\n' ' ') "
    for p in "$@"; do [[ "$now" == *" $p "* ]] && return 0; done
    return 1
}
watch_resumed() { grep -q 'informer /api/v1/pods: watch ended' "$1"; }

# silent_peer NAME PORT POD-PREFIX: the scheduler (started, its log
# $TMP/NAME.log) has bound POD-PREFIX-1; its connections to PORT go silent.
silent_peer() {
    local name=$1 port=$2 prefix=$3
    local old; old=$(conns "$SCHED_PID" "$port")
    [ -n "$old" ] && pass || { fail "$name: no connection of the scheduler to port $port"; return; }
    echo "$name: silencing $(echo "$old" | grep -c .) connection(s)"
    blackhole $old
    local t0=$SECONDS
    if wait_for "$name: the pod watch on the silent connection ended (keepalive) and resumed" 20 \
        watch_resumed "$TMP/$name.log"; then
        echo "$name: the watch noticed the dead connection after ~$((SECONDS - t0)) s"
    fi
    pod "$prefix-2"
    wait_for "$name: a pod created afterwards is bound (the watch resumed on a new connection)" 20 bound "$prefix-2"
    # shellcheck disable=SC2086
    ! still_open "$SCHED_PID" "$port" $old && pass || fail "$name: a silenced connection is still open: $(conns "$SCHED_PID" "$port" | tr '\n' ' ')"
    [ -n "$(conns "$SCHED_PID" "$port")" ] && pass || fail "$name: no new connection to port $port"
    kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; local rc=$?
    [ $rc -eq 0 ] && pass || fail "$name: SIGTERM exit $rc"
}

# ---- HTTP/1.1 ----
start_api api --listen 127.0.0.1:0 --write-kubeconfig "$TMP/kc"
MAIN_API_PID=$API_PID
APORT=${URL##*:}
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {kubernetes.io/hostname: n1}}\nstatus: {capacity: {cpu: "8", memory: 32Gi, pods: "110"}, allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}\n' |
    K apply -f - >/dev/null 2>"$TMP/err" || fail "apply node: $(cat "$TMP/err")"
SCHEDLAB_TCP_KEEPALIVE=1,1,3 "$SCHEDLAB" scheduler --master "$URL" --leader-elect=false --secure-port 0 -v 4 \
    >"$TMP/h1.out" 2>"$TMP/h1.log" &
SCHED_PID=$!; PIDS+=("$SCHED_PID")
pod h1-1
wait_for "h1: the scheduler binds" 15 bound h1-1
sleep 0.5
silent_peer h1 "$APORT" h1

# a malformed override is a clear error
SCHEDLAB_TCP_KEEPALIVE=1,x "$SCHEDLAB" scheduler --master "$URL" --secure-port 0 >/dev/null 2>"$TMP/err"; rc=$?
[ $rc -ne 0 ] && grep -q 'SCHEDLAB_TCP_KEEPALIVE=1,x: want IDLE,INTERVAL,COUNT' "$TMP/err" && pass ||
    fail "malformed SCHEDLAB_TCP_KEEPALIVE: rc=$rc $(cat "$TMP/err")"

# ---- HTTP/2 through nghttpx ----
NGHTTPX=$(command -v nghttpx || { [ -x /usr/sbin/nghttpx ] && echo /usr/sbin/nghttpx; })
if [ -z "$NGHTTPX" ]; then
    echo "scheduler_keepalive: HTTP/2 half SKIPPED: nghttpx not found (Debian package nghttp2-proxy)"
else
    API_URL=$URL
    mkdir -p "$TMP/tls"
    start_api tlsgen --listen 127.0.0.1:0 --tls-self-signed --data-dir "$TMP/tls"
    kill "$API_PID"; wait "$API_PID" 2>/dev/null
    BACKEND=${API_URL#http://}
    FPORT=$(free_port)
    "$NGHTTPX" --conf=/dev/null -f"127.0.0.1,$FPORT" -b"${BACKEND%:*},${BACKEND##*:}" --workers=1 \
        --backend-read-timeout=10m --frontend-read-timeout=10m --frontend-http2-read-timeout=10m \
        --errorlog-file="$TMP/nghttpx.log" "$TMP/tls/tls.key" "$TMP/tls/tls.crt" 2>>"$TMP/nghttpx.log" &
    NGHTTPX_PID=$!; PIDS+=("$NGHTTPX_PID")
    proxy_up() { curl -s --cacert "$TMP/tls/tls.crt" -o /dev/null "https://127.0.0.1:$FPORT/version"; }
    wait_for "nghttpx serves" 10 proxy_up
    kubeconfig "$TMP/kc-h2" "https://127.0.0.1:$FPORT" "$TMP/tls/tls.crt"
    SCHEDLAB_TCP_KEEPALIVE=1,1,3 "$SCHEDLAB" scheduler --kubeconfig "$TMP/kc-h2" --leader-elect=false --secure-port 0 -v 4 \
        >"$TMP/h2.out" 2>"$TMP/h2.log" &
    SCHED_PID=$!; PIDS+=("$SCHED_PID")
    pod h2-1
    wait_for "h2: the scheduler binds through nghttpx" 15 bound h2-1
    grep -q 'speaks HTTP/2' "$TMP/h2.log" && pass || fail "h2: the scheduler does not speak HTTP/2 to nghttpx"
    sleep 0.5
    silent_peer h2 "$FPORT" h2

    # ---- HTTP/2 through a proxy that stops forwarding but keeps the
    # connection up: TCP keepalive sees a live peer; the HTTP/2 health
    # check (client-go's PING after ReadIdleTimeout, here 2 s, closed
    # after PingTimeout, here 1 s) must find it dead ----
    python3 "$ROOT/tests/cli/stall_proxy.py" "$FPORT" "$TMP/stall.port" "$TMP/stall.log" 2>"$TMP/stall.err" &
    STALL_PID=$!; PIDS+=("$STALL_PID")
    for _ in $(seq 100); do [ -s "$TMP/stall.port" ] && break; sleep 0.05; done
    SPORT=$(cat "$TMP/stall.port")
    sed "s/127.0.0.1:$FPORT/127.0.0.1:$SPORT/" "$TMP/kc-h2" >"$TMP/kc-stall"
    SCHEDLAB_H2_HEALTH=2,1 "$SCHEDLAB" scheduler --kubeconfig "$TMP/kc-stall" --leader-elect=false --secure-port 0 -v 4 \
        >"$TMP/stall-sched.out" 2>"$TMP/stall-sched.log" &
    SCHED_PID=$!; PIDS+=("$SCHED_PID")
    pod st-1
    wait_for "stall: the scheduler binds through the proxy" 15 bound st-1
    sleep 3 # idle longer than the read-idle time: health checks answered, nothing closed
    ! grep -q 'closing the connection' "$TMP/stall-sched.log" && pass ||
        fail "stall: a live connection was closed by the health check: $(grep 'closing the connection' "$TMP/stall-sched.log" | head -2)"
    before=$(grep -c '^accepted' "$TMP/stall.log")
    kill -USR1 "$STALL_PID"
    t0=$SECONDS
    if wait_for "stall: the health check finds the silent connection dead" 20 \
        grep -q 'closing the connection' "$TMP/stall-sched.log"; then
        echo "stall: the health check closed the silent connection after ~$((SECONDS - t0)) s"
    fi
    wait_for "stall: the pod watch resumed" 10 watch_resumed "$TMP/stall-sched.log"
    pod st-2
    wait_for "stall: a pod created afterwards is bound (through a new connection)" 20 bound st-2
    after=$(grep -c '^accepted' "$TMP/stall.log")
    [ "$after" -gt "$before" ] && pass || fail "stall: no new connection through the proxy ($before before, $after after)"
    kill -TERM "$SCHED_PID"; wait "$SCHED_PID"; rc=$?
    [ $rc -eq 0 ] && pass || fail "stall: SIGTERM exit $rc"
    SCHEDLAB_H2_HEALTH=2 "$SCHEDLAB" scheduler --master "$URL" --secure-port 0 >/dev/null 2>"$TMP/err"; rc=$?
    [ $rc -ne 0 ] && grep -q 'SCHEDLAB_H2_HEALTH=2: want READ_IDLE,TIMEOUT' "$TMP/err" && pass ||
        fail "malformed SCHEDLAB_H2_HEALTH: rc=$rc $(cat "$TMP/err")"
    kill "$STALL_PID" 2>/dev/null; wait "$STALL_PID" 2>/dev/null
    kill "$NGHTTPX_PID" 2>/dev/null; wait "$NGHTTPX_PID" 2>/dev/null
fi
kill "$MAIN_API_PID"; wait "$MAIN_API_PID" 2>/dev/null
sanitizer_check
echo "scheduler_keepalive: $passed passed, $failed failed"
[ $failed -eq 0 ]
