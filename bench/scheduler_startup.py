#!/usr/bin/env python3
"""scheduler_startup.py — how long `schedlab scheduler --master URL` takes
from its start until its informers have listed and replayed everything
(the "scheduling against" line, printed once subscribe returned), against a
`schedlab apiserver` holding NODES nodes, PODS pods (half bound to nodes,
half pending for another schedulerName, so no run changes the state) and
OBJECTS each of Services, PodDisruptionBudgets, ReplicaSets and
PriorityClasses.

Each SCHEDLAB binary given is timed RUNS times, interleaved (to compare two
builds on one loaded machine); prints the median and min wall time per
binary and the median CPU time (user+sys, /proc) the scheduler used by then
(less sensitive to other load than the wall time).

  python3 bench/scheduler_startup.py [--runs N] [--nodes N] [--pods N] [--objects N] SCHEDLAB...
"""
import argparse, http.client, json, os, re, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--nodes", type=int, default=5000)
ap.add_argument("--pods", type=int, default=10000)
ap.add_argument("--objects", type=int, default=100)
ap.add_argument("schedlab", nargs="+")
a = ap.parse_args()

tmp = tempfile.mkdtemp()
api = subprocess.Popen([a.schedlab[0], "apiserver", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                       stderr=open(os.path.join(tmp, "api.log"), "w"), text=True)
m = re.search(r"serving on http://([\d.]+):(\d+)", api.stdout.readline())
host, port = m.group(1), int(m.group(2))
url = "http://%s:%d" % (host, port)
conn = http.client.HTTPConnection(host, port)


def post(path, body):
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, (path, r.status)


try:
    t = time.time()
    for i in range(a.nodes):
        post("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-%d" % i, "labels": {"kubernetes.io/hostname": "node-%d" % i, "topology.kubernetes.io/zone": "z%d" % (i % 3)}},
                               "status": {"capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}, "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"}}})
    for i in range(a.pods):
        spec = {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}
        if i % 2:
            spec["nodeName"] = "node-%d" % (i % a.nodes)
        else:
            spec["schedulerName"] = "another-scheduler"
        post("/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-%d" % i, "labels": {"app": "app-%d" % (i % max(a.objects, 1))}}, "spec": spec})
    for i in range(a.objects):
        sel = {"app": "app-%d" % i}
        post("/api/v1/namespaces/default/services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc-%d" % i}, "spec": {"selector": sel, "ports": [{"port": 80}]}})
        post("/apis/policy/v1/namespaces/default/poddisruptionbudgets", {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb-%d" % i}, "spec": {"minAvailable": 1, "selector": {"matchLabels": sel}}})
        post("/apis/apps/v1/namespaces/default/replicasets", {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs-%d" % i}, "spec": {"replicas": 1, "selector": {"matchLabels": sel}, "template": {"metadata": {"labels": sel}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}})
        post("/apis/scheduling.k8s.io/v1/priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "pc-%d" % i}, "value": i})
    print("created %d nodes, %d pods, %d each of Services/PDBs/ReplicaSets/PriorityClasses in %.1f s" % (a.nodes, a.pods, a.objects, time.time() - t))
    times = {b: [] for b in a.schedlab}
    cpu = {b: [] for b in a.schedlab}
    for r in range(a.runs):
        for b in a.schedlab:
            t0 = time.time()
            s = subprocess.Popen([b, "scheduler", "--master", url, "--leader-elect=false", "--secure-port", "0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for line in s.stderr:
                if "scheduling against" in line:
                    break
            times[b].append(time.time() - t0)
            with open("/proc/%d/stat" % s.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[b].append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
            s.terminate()
            s.wait()
    for b in a.schedlab:
        print("%s: start to informers synced: median %.0f ms, min %.0f ms; CPU (user+sys) median %.0f ms (%d runs)" % (
            b, 1000 * statistics.median(times[b]), 1000 * min(times[b]), 1000 * statistics.median(cpu[b]), a.runs))
finally:
    api.terminate()
    api.wait()
