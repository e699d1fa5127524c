#!/usr/bin/env bash
# run.sh — the API server benchmarks behind bench/RESULTS.md ("API server"):
#   1. create throughput: wrk POSTing pods for 5 s (2 threads x 16 connections)
#   2. GET one pod: wrk -t2 -c32 -d10s --latency (target >= 30,000 req/s, p99 <= 5 ms)
#   3. LIST 10,000 pods as JSON and as Table (curl, best of 5)
#   4. RSS of the server with 10,000 pods (VmRSS delta)
#   5. watch fan-out: 100 watchers x 10,000 events, time from the first write
#      until every watcher has every event
#
#   bench/apiserver/run.sh [build/release/schedlab]
set -u
cd "$(dirname "$0")/../.."
SCHEDLAB=$(realpath "${1:-build/release/schedlab}")
DIR=bench/apiserver
TMP=$(mktemp -d)
"$SCHEDLAB" apiserver --listen 127.0.0.1:0 --watch-history 50000 >"$TMP/out" 2>"$TMP/log" &
PID=$!
WATCHERS=()
trap 'kill $PID "${WATCHERS[@]}" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do URL=$(sed -n 's/^schedlab apiserver: serving on //p' "$TMP/out"); [ -n "$URL" ] && break; sleep 0.05; done
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
rss0=$(rss)
# exactly 10,000 pods in default (2 threads x 5,000; wrk runs on until its -d, so stop it)
KIND=pod LIMIT=5000 PREFIX=p wrk -t2 -c8 -d120s -s $DIR/create.lua "$URL/api/v1/namespaces/default/pods" >/dev/null &
loader=$!
count() { curl -s "$URL/api/v1/namespaces/default/pods" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)["items"]))'; }
while [ "$(count)" -lt 10000 ]; do sleep 0.5; done
sleep 0.5
kill $loader 2>/dev/null; wait $loader 2>/dev/null
rss1=$(rss)
echo "## RSS: ${rss0} kB before, ${rss1} kB with 10,000 pods in default ($(count) pods, $(( (rss1 - rss0) * 1024 / 10000 )) bytes per pod)"
pod=$(curl -s "$URL/api/v1/pods?limit=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["metadata"]["name"])')
echo "## GET one pod: wrk -t2 -c32 -d10s --latency $URL/api/v1/namespaces/default/pods/$pod"
wrk -t2 -c32 -d10s --latency "$URL/api/v1/namespaces/default/pods/$pod" | grep -E "Requests/sec|Latency|50%|99%|requests in"
echo "## LIST all pods (JSON, then Table), best of 5"
for accept in "application/json" "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"; do
    best=999
    for i in 1 2 3 4 5; do
        t=$(curl -s -o "$TMP/list" -w '%{time_total}' -H "Accept: $accept" "$URL/api/v1/namespaces/default/pods")
        best=$(python3 -c "print(min($best, $t))")
    done
    echo "$accept: ${best}s, $(stat -c %s "$TMP/list") bytes"
done
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"bench"}}' "$URL/api/v1/namespaces"
echo "## create throughput: wrk -t2 -c16 -d5s -s $DIR/create.lua (pods, namespace bench)"
KIND=pod LIMIT=100000000 PREFIX=b wrk -t2 -c16 -d5s -s $DIR/create.lua "$URL/api/v1/namespaces/bench/pods" | grep -E "Requests/sec|Latency|requests in"
curl -s -o /dev/null -X DELETE "$URL/api/v1/namespaces/bench"
echo "## watch fan-out: 100 watchers x 10,000 events"
rv=$(curl -s "$URL/api/v1/namespaces/default/configmaps?limit=1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
for i in $(seq 100); do
    curl -s -N "$URL/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=120" >"$TMP/w$i" &
    WATCHERS+=($!)
done
sleep 1
start=$(date +%s.%N)
KIND=configmap LIMIT=5000 PREFIX=c wrk -t2 -c16 -d120s -s $DIR/create.lua "$URL/api/v1/namespaces/default/configmaps" >/dev/null &
loader=$!
while :; do
    low=$(for i in $(seq 100); do wc -l <"$TMP/w$i"; done | sort -n | head -1)
    [ "$low" -ge 10000 ] && break
    sleep 0.1
    if python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $start > 120 else 1)"; then echo "timeout: slowest watcher had $low events"; break; fi
done
end=$(date +%s.%N)
kill $loader 2>/dev/null; wait $loader 2>/dev/null
python3 -c "print('all 100 watchers had 10,000 events after %.2f s' % ($end - $start))"
