#!/usr/bin/env python3
"""gen_cluster.py — writes a synthetic cluster file (a JSON List of Nodes and
Pods) for `schedlab schedule`, shaped like `schedlab bench scheduling`'s
templates: nodes with 4 cpu, 32Gi, 110 pods, a hostname label and one of
three zones; pods with one container requesting 100m cpu / 500Mi.

    python3 bench/gen_cluster.py --nodes 20000 --pods 2000 > /tmp/c20k.json
    schedlab schedule --cluster /tmp/c20k.json --explain-pod default/pod-0

Every 10th pod also carries a node selector on its zone and every 50th asks
for more cpu than any node has (so summaries show rejections as well).
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--plain", action="store_true", help="identical pods (no selectors, no oversized pods)")
    a = ap.parse_args()
    items = []
    for i in range(a.nodes):
        name = "node-%d" % i
        items.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": "zone-%d" % (i % 3)}},
            "status": {"capacity": {"cpu": "4", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "4", "memory": "32Gi", "pods": "110"}},
        })
    for i in range(a.pods):
        cpu = "100m"
        spec = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10",
                                "resources": {"requests": {"cpu": cpu, "memory": "500Mi"}}}]}
        if not a.plain and i % 10 == 9:
            spec["nodeSelector"] = {"topology.kubernetes.io/zone": "zone-%d" % (i % 3)}
        if not a.plain and i % 50 == 49:
            spec["containers"][0]["resources"]["requests"]["cpu"] = "8"
        items.append({"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": "pod-%d" % i, "namespace": "default"}, "spec": spec})
    json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
