#!/usr/bin/env bash
# extenders.sh — the regex demo's cost per implementation, side by side in
# one run: the same workload (N nodes node-0.., M pods annotated
# scheduler.wasmkwokwizardry.io/regex: "node-[0-9]*[02468]$", i.e. the
# even-numbered nodes) scheduled with
#   native     RegexSchedulingV2 (in-process plugin)
#   C v1       build/examples/regex-extender-v1 (full Nodes in and out)
#   C v2       build/examples/regex-extender-v2 (nodeCacheCapable: names)
#   Python v2  examples/regex-extender/regex_extender.py --v2
# for N = 500 and 5,000. Prints a Markdown table: pods/s, attempt latency
# p50/p99, and the mean extender call (the per-pod extender latency: one
# filter call per pod).
#
#   bench/extenders.sh [PODS]      (default 2000)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
schedlab="${SCHEDLAB:-build/release/schedlab}"
pods="${1:-2000}"
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

start() {  # name cmd... -> sets $url (and remembers the pid to kill)
    local name="$1"; shift
    : >"$tmp/$name.out"
    "$@" >>"$tmp/$name.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^listening on //p' "$tmp/$name.out" || true)
        [ -n "$url" ] && return 0
        sleep 0.05
    done
    echo "cannot start $name" >&2; exit 1
}
start c1 build/examples/regex-extender-v1 --listen 127.0.0.1:0; c1=$url
start c2 build/examples/regex-extender-v2 --listen 127.0.0.1:0; c2=$url
start py2 /usr/bin/python3 examples/regex-extender/regex_extender.py --v2 --listen 127.0.0.1:0; py2=$url

printf 'metadata:\n  annotations:\n    scheduler.wasmkwokwizardry.io/regex: "node-[0-9]*[02468]$"\n' >"$tmp/pod.yaml"
head='apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n'
printf "${head}profiles:\n  - schedulerName: default-scheduler\n    plugins:\n      multiPoint:\n        enabled:\n          - name: RegexSchedulingV2\n" >"$tmp/native.yaml"
printf "${head}extenders:\n  - urlPrefix: $c1\n    filterVerb: filter\n    weight: 10\n" >"$tmp/c1.yaml"
printf "${head}extenders:\n  - urlPrefix: $c2\n    filterVerb: filter\n    weight: 10\n    nodeCacheCapable: true\n" >"$tmp/c2.yaml"
printf "${head}extenders:\n  - urlPrefix: $py2\n    filterVerb: filter\n    weight: 10\n    nodeCacheCapable: true\n" >"$tmp/py2.yaml"

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'), $pods pods per run"
echo
echo "| nodes | implementation | pods/s | attempt p50 ms | attempt p99 ms | extender call mean ms | scheduled |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for nodes in 500 5000; do
    for v in native c1 c2 py2; do
        case $v in native) label="RegexSchedulingV2 (native)";; c1) label="C extender v1";; c2) label="C extender v2";; py2) label="Python extender v2";; esac
        "$schedlab" bench scheduling --nodes "$nodes" --pods "$pods" --config "$tmp/$v.yaml" \
            --pod-template "$tmp/pod.yaml" -o json >"$tmp/r.json"
        /usr/bin/python3 - "$tmp/r.json" "$nodes" "$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ext = d.get("extenders") or []
mean = "%.3f" % ext[0]["mean_ms"] if ext else "-"
print("| %s | %s | %.0f | %.3f | %.3f | %s | %d |" % (sys.argv[2], sys.argv[3], d["pods_per_second"],
      d["latency_ms"]["p50"], d["latency_ms"]["p99"], mean, d["scheduled"]))
PY
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
