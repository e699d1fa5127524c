#!/usr/bin/env bash
# run.sh — every benchmark behind bench/RESULTS.md, in one go (`make bench`):
#   1. scheduling throughput: `schedlab bench scheduling`, 5,000 nodes x
#      10,000 pods, default plugins, 5 runs (default and parallelism 1);
#   2. `schedule --explain-pod` on 20,000 nodes (bench/gen_cluster.py) next
#      to the plain run: time and peak RSS;
#   3. the WebAssembly runtime against native, node and wasm-interp
#      (bench/wasm/run.sh);
#   4. per-call cost of the RegexScheduling C wasm guests (bench/wasm_guests.sh);
#   5. RegexScheduling native vs wasm v1 vs wasm v2 end to end
#      (bench/wasm-plugins.sh);
#   6. scheduling with the /metrics recorder (`bench scheduling --metrics`);
#   7. `schedlab scheduler` over HTTP/2 through nghttpx, and with
#      DISABLE_HTTP2 (bench/scheduler_http2.py; skipped without nghttpx).
# Figures go to stdout; copy them into bench/RESULTS.md with the date and
# the machine (nproc, CPU model, load average) when they change.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
schedlab="${SCHEDLAB:-build/release/schedlab}"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# date: $(date -u +%Y-%m-%d)"
echo
echo "## scheduling: $schedlab bench scheduling --nodes 5000 --pods 10000 -o json"
for i in 1 2 3 4 5; do "$schedlab" bench scheduling --nodes 5000 --pods 10000 -o json; done
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
printf 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nparallelism: 1\n' >"$cfg"
echo "## scheduling, parallelism 1 (--config with parallelism: 1)"
for i in 1 2 3 4 5; do "$schedlab" bench scheduling --nodes 5000 --pods 10000 --config "$cfg" -o json; done
echo
echo "## schedule --explain-pod at 20,000 nodes (wall s, user s, sys s, peak RSS KB)"
cluster=$(mktemp)
trap 'rm -f "$cfg" "$cluster"' EXIT
python3 bench/gen_cluster.py --nodes 20000 --pods 2000 >"$cluster"
for args in "" "--explain-pod default/pod-0 -o json" "--explain-pod default/pod-49 -o json"; do
    for i in 1 2 3; do
        # shellcheck disable=SC2086
        /usr/bin/time -f "[${args:-plain}] %e %U %S %M" "$schedlab" schedule --cluster "$cluster" $args 2>&1 >/dev/null | tail -1
    done
done
echo
echo "## WebAssembly runtime: bench/wasm/run.sh"
SCHEDLAB_BUILD="$(dirname "$schedlab")" bench/wasm/run.sh
echo
echo "## RegexScheduling C wasm guests: bench/wasm_guests.sh"
BENCH_TOOL="$(dirname "$schedlab")/tools/bench_wasm_guests" bench/wasm_guests.sh
echo
echo "## RegexScheduling native vs wasm v1 vs wasm v2: bench/wasm-plugins.sh"
SCHEDLAB="$schedlab" bench/wasm-plugins.sh
echo
echo "## scheduling with the /metrics recorder (per-plugin timings in 10% of cycles): bench scheduling --metrics"
for i in 1 2 3 4 5; do "$schedlab" bench scheduling --nodes 5000 --pods 10000 --metrics | grep -E 'pods_per_second|metrics:|cpu seconds'; done
if command -v nghttpx >/dev/null 2>&1 || [ -x /usr/sbin/nghttpx ]; then
    echo
    echo "## schedlab scheduler over HTTP/2 through nghttpx: bench/scheduler_http2.py"
    for i in 1 2 3; do
        python3 bench/scheduler_http2.py "$schedlab" 500 3000
        python3 bench/scheduler_http2.py --disable-http2 "$schedlab" 500 3000
    done
fi
