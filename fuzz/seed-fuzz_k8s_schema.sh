#!/usr/bin/env bash
# seed-fuzz_k8s_schema.sh DIR — seeds for fuzz_k8s_schema: the repository's
# cluster files and a few objects of the served kinds (valid ones, so the
# fuzzer starts deep inside the schema walk rather than at "no such kind").
set -eu
dir="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
i=0
for f in "$root"/tests/data/schedule/*.yaml "$root"/examples/*.yaml; do
    [ -f "$f" ] || continue
    cp "$f" "$dir/seed-$i.yaml"
    i=$((i + 1))
done
cat >"$dir/kinds.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, labels: {app: a}}
spec:
  replicas: 2
  selector: {matchLabels: {app: a}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}}
  template:
    metadata: {labels: {app: a}}
    spec:
      containers:
      - name: c
        image: nginx
        resources: {requests: {cpu: 100m}, limits: {cpu: "1", example.com/gpu: 1}}
        livenessProbe: {httpGet: {path: /, port: 80}}
      volumes: [{name: v, secret: {secretName: s}}]
---
apiVersion: v1
kind: Secret
metadata: {name: s}
data: {a: aGVsbG8=}
stringData: {b: plain}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {selector: {app: a}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p}
spec: {minAvailable: 50%, selector: {matchLabels: {app: a}}}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: l, namespace: kube-node-lease}
spec: {holderIdentity: n1, leaseDurationSeconds: 40, renewTime: "2025-01-01T00:00:00.000000Z"}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {capacity: {cpu: "4", memory: 8Gi}, allocatable: {cpu: 3900m}}
YAML
