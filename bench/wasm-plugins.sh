#!/usr/bin/env bash
# wasm-plugins.sh — RegexScheduling native vs wasm v1 vs wasm v2 on one
# workload, in one command: `schedlab bench scheduling` with the same nodes,
# pods and pod template, once per plugin configuration.
#
#   bench/wasm-plugins.sh                       # 500 nodes, 1000 pods, 3 runs each
#   NODES=500 PODS=1000 RUNS=3 bench/wasm-plugins.sh
#   WASM_V1=path/regex_v1.wasm WASM_V2=path/regex_v2.wasm bench/wasm-plugins.sh
#
# Workload: every pod annotated scheduler.wasmkwokwizardry.io/regex:
# "[02468]$", which keeps half of the nodes (node-0..node-N). Plugins, each
# added to the default profile through multiPoint.enabled:
#   native RegexSchedulingV2 (and RegexScheduling, v1);
#   the C SDK guests build/wasm/regex_v1.wasm / regex_v2.wasm (the default
#   `make` target builds them; override with WASM_V1 / WASM_V2), skipped
#   when absent;
#   the lean raw-ABI test guests (tests/wasmplugin/regex_guest.c, built here
#   with clang --target=wasm32-wasi; byte-set patterns only, not full RE2).
# Prints one Markdown table: pods/s (wall, median of the runs), CPU seconds
# of all threads (median) and the CPU ratio against native v2 — the stable
# figure on a shared machine.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
schedlab="${SCHEDLAB:-build/release/schedlab}"
nodes="${NODES:-500}"
pods="${PODS:-1000}"
runs="${RUNS:-3}"
v1="${WASM_V1:-build/wasm/regex_v1.wasm}"
v2="${WASM_V2:-build/wasm/regex_v2.wasm}"
[ -x "$schedlab" ] || { echo "wasm-plugins.sh: $schedlab not built (make)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'metadata:\n  annotations:\n    scheduler.wasmkwokwizardry.io/regex: "[02468]$"\n' >"$tmp/pod.yaml"

native_config() { # file plugin
    printf 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n  - schedulerName: default-scheduler\n    plugins:\n      multiPoint:\n        enabled:\n          - name: %s\n' "$2" >"$1"
}
wasm_config() { # file url
    native_config "$1" RegexWasm
    printf '    pluginConfig:\n      - name: RegexWasm\n        args:\n          guestURL: file://%s\n' "$2" >>"$1"
}

# name|config
cases=()
native_config "$tmp/native-v2.yaml" RegexSchedulingV2
native_config "$tmp/native-v1.yaml" RegexScheduling
cases+=("native RegexSchedulingV2|$tmp/native-v2.yaml" "native RegexScheduling (v1)|$tmp/native-v1.yaml")
for v in 2 1; do
    eval "g=\$v$v"
    if [ -f "$g" ]; then
        wasm_config "$tmp/sdk-v$v.yaml" "$(readlink -f "$g")"
        cases+=("wasm C SDK guest v$v ($g)|$tmp/sdk-v$v.yaml")
    else
        echo "# skipped wasm C SDK guest v$v: $g not found (build it with make, or set WASM_V$v)" >&2
    fi
done
if clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry -Wl,--export=prefilter -Wl,--export=filter \
        -o "$tmp/lean-v2.wasm" tests/wasmplugin/regex_guest.c 2>"$tmp/cc.err" &&
   clang --target=wasm32-wasi -O2 -DREGEX_V1 -nostartfiles -Wl,--no-entry -Wl,--export=filter \
        -o "$tmp/lean-v1.wasm" tests/wasmplugin/regex_guest.c 2>>"$tmp/cc.err"; then
    wasm_config "$tmp/lean-v2.yaml" "$tmp/lean-v2.wasm"
    wasm_config "$tmp/lean-v1.yaml" "$tmp/lean-v1.wasm"
    cases+=("wasm lean test guest v2|$tmp/lean-v2.yaml" "wasm lean test guest v1|$tmp/lean-v1.yaml")
else
    echo "# skipped lean test guests: $(head -c 300 "$tmp/cc.err")" >&2
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# date: $(date -u '+%Y-%m-%d %H:%M UTC'); $schedlab bench scheduling --nodes $nodes --pods $pods --config CONFIG --pod-template pod.yaml; $runs runs each"
echo
echo "| plugin | scheduled | pods/s (wall, median) | CPU s all threads (median) | CPU ratio vs native v2 |"
echo "|---|---|---|---|---|"
base_cpu=
status=0
for c in "${cases[@]}"; do
    name=${c%%|*}
    config=${c#*|}
    : >"$tmp/rates"
    : >"$tmp/cpus"
    scheduled=?
    for _ in $(seq "$runs"); do
        if ! "$schedlab" bench scheduling --nodes "$nodes" --pods "$pods" --config "$config" \
                --pod-template "$tmp/pod.yaml" >"$tmp/out" 2>"$tmp/err"; then
            echo "# $name failed: $(head -c 400 "$tmp/err")" >&2
            status=1
            continue 2
        fi
        awk '/pods_per_second:/ {print $2}' "$tmp/out" >>"$tmp/rates"
        awk '/cpu seconds:/ {print $3}' "$tmp/out" >>"$tmp/cpus"
        scheduled=$(awk '/^  scheduled:/ {print $2}' "$tmp/out")
    done
    rate=$(median <"$tmp/rates")
    cpu=$(median <"$tmp/cpus")
    [ -z "$base_cpu" ] && base_cpu=$cpu
    ratio=$(awk -v b="$base_cpu" -v c="$cpu" 'BEGIN {printf (c > 0 ? "%.3f" : "-"), b / c}')
    echo "| $name | $scheduled/$pods | $rate | $cpu | ${ratio}× |"
done
exit $status
