#!/usr/bin/env python3
"""scheduler_remote.py — throughput of `schedlab scheduler` against
`schedlab apiserver` as separate processes on loopback.

Creates NODES nodes and PODS pods through the API (before the scheduler
starts), starts `schedlab scheduler --master URL --kube-api-qps 5000
--kube-api-burst 5000 --leader-elect=false`, and measures the time from
its start until every pod is bound (polling a pod list). Then measures
create-to-bind latency for LATENCY_PODS pods created one at a time while the
scheduler runs (watching for the bind).

With --sim the same objects are written to a cluster file and
`schedlab sim --cluster FILE` (API server and scheduler in one process, no
HTTP between them, memory store) is timed from its start, which includes
creating the objects through the store. With --sim --data-dir the objects
are created through a `schedlab apiserver --data-dir` instead, which is then
stopped, and `schedlab sim --data-dir` (SQLite store) is timed from its
start.

--data-dir alone runs the separate-process API server on SQLite.

BENCH_THREADS=1 also prints CPU seconds per thread (by thread name).

The end is detected by polling for unbound pods (the server filters:
spec.nodeName=, a page of 200) every 0.05 s, and once fewer than 200 are
left, every 2 ms with a page of 1; so a figure is late by a few ms at most.

  python3 bench/scheduler_remote.py [--sim] [--data-dir] [SCHEDLAB] [NODES] [PODS]
"""
import http.client, json, os, re, subprocess, sys, tempfile, time

SIM = "--sim" in sys.argv
if SIM:
    sys.argv.remove("--sim")
PERSIST = "--data-dir" in sys.argv
if PERSIST:
    sys.argv.remove("--data-dir")
schedlab = sys.argv[1] if len(sys.argv) > 1 else "build/release/schedlab"
NODES = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
PODS = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
LATENCY_PODS = 200

tmp = os.environ.get("BENCH_TMP") or tempfile.mkdtemp()

def node_obj(i):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-%d" % i, "labels": {"kubernetes.io/hostname": "node-%d" % i}},
            "status": {"capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}, "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"}}}

def pod_obj(i):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-%d" % i, "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}}

if SIM and not PERSIST:
    # the objects go to a cluster file `schedlab sim --cluster` loads
    cluster_file = os.path.join(tmp, "cluster.json")
    with open(cluster_file, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "items": [node_obj(i) for i in range(NODES)] + [pod_obj(i) for i in range(PODS)]}, f)
    api = None
else:
    api = subprocess.Popen([schedlab, "apiserver", "--listen", "127.0.0.1:0"] + (["--data-dir", tmp] if PERSIST else []), stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "api.log"), "w"), text=True)
    line = api.stdout.readline()
    m = re.search(r"serving on http://([\d.]+):(\d+)", line)
    host, port = m.group(1), int(m.group(2))
    url = "http://%s:%d" % (host, port)
    conn = http.client.HTTPConnection(host, port)

def req(method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data

def stat_cpu(path):
    """(name, user + system CPU seconds) from a /proc .../stat file."""
    st = open(path).read()
    f = st.rsplit(")", 1)[1].split()
    return st[st.index("(") + 1:st.rindex(")")], (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def cpu_seconds(proc):
    """CPU of a running process so far (Linux /proc)."""
    try:
        return stat_cpu("/proc/%d/stat" % proc.pid)[1]
    except (OSError, IndexError, ValueError):
        return 0.0

def thread_cpu(proc):
    """CPU seconds per thread name of a running process."""
    out = {}
    try:
        for tid in os.listdir("/proc/%d/task" % proc.pid):
            name, cpu = stat_cpu("/proc/%d/task/%s/stat" % (proc.pid, tid))
            out[name] = out.get(name, 0) + cpu
    except (OSError, IndexError, ValueError):
        pass
    return " ".join("%s=%.2f" % kv for kv in sorted(out.items(), key=lambda kv: -kv[1]) if kv[1] >= 0.01)

sched = None
try:
    if api:
        t = time.time()
        for i in range(NODES):
            st, _ = req("POST", "/api/v1/nodes", node_obj(i))
            assert st == 201, st
        for i in range(PODS):
            st, _ = req("POST", "/api/v1/namespaces/default/pods", pod_obj(i))
            assert st == 201, st
        print("created %d nodes and %d pods in %.1f s" % (NODES, PODS, time.time() - t))

    if SIM:
        if api:
            api.terminate(); api.wait()
        t0 = time.time()
        source = ["--data-dir", tmp] if PERSIST else ["--cluster", cluster_file]
        api = subprocess.Popen([schedlab, "sim", "--listen", "127.0.0.1:0"] + source, stdout=subprocess.PIPE,
                               stderr=open(os.path.join(tmp, "sim.log"), "w"), text=True, env=dict(os.environ, SCHEDLAB_LOG="info"))
        api.stdout.readline()
        ready_line = api.stdout.readline()
        print("sim: ready %.2f s after start (%s)" % (time.time() - t0, "store loaded from SQLite, scheduler replayed it" if PERSIST else "objects created from the cluster file, scheduler replayed them"))
        m = re.search(r"ready on http://([\d.]+):(\d+)", ready_line)
        conn = http.client.HTTPConnection(m.group(1), int(m.group(2)))
    else:
        api_cpu0 = cpu_seconds(api)
        st, data = req("GET", "/api/v1/namespaces?limit=1")
        rv0 = int(json.loads(data)["metadata"]["resourceVersion"])
        t0 = time.time()
        sched = subprocess.Popen([schedlab, "scheduler", "--master", url, "--kube-api-qps", "5000", "--kube-api-burst", "5000", "--leader-elect=false", "--secure-port", "0"],
                                 stderr=open(os.path.join(tmp, "sched.log"), "w"), env=dict(os.environ, SCHEDLAB_LOG="info"))
    near_end = False
    while True:
        # cheap for both sides: the server filters and returns one page; a
        # short page means the end is near, and then polling gets finer
        st, data = req("GET", "/api/v1/pods?fieldSelector=spec.nodeName%%3D&limit=%d" % (1 if near_end else 200))
        if st == 200:
            left = len(json.loads(data)["items"])
            if not left:
                break
            near_end = left < 200
        if time.time() - t0 > 600:
            print("timeout: pods still unbound"); sys.exit(1)
        time.sleep(0.002 if near_end else 0.05)
    dt = time.time() - t0
    if os.environ.get("BENCH_THREADS"):
        print("  threads: scheduler: %s; apiserver (whole run): %s" % (thread_cpu(sched) if sched else "-", thread_cpu(api)))
    cpu = "" if SIM else "; CPU in that time: scheduler %.2f s, apiserver %.2f s" % (cpu_seconds(sched), cpu_seconds(api) - api_cpu0)
    st, data = req("GET", "/api/v1/pods")
    bound = sum(1 for p in json.loads(data)["items"] if p.get("spec", {}).get("nodeName"))
    assert bound == PODS, "%d of %d pods bound" % (bound, PODS)
    print(("sim (%s store): " % ("SQLite" if PERSIST else "memory") if SIM else "separate processes (%s store): " % ("SQLite" if PERSIST else "memory")) + "all %d pods bound %.2f s after the %s started: %.0f pods/s (including %s of %d nodes + %d pods)" % (
        PODS, dt, "process" if SIM else "scheduler", PODS / dt, ("loading from SQLite" if PERSIST else "creating from the file") if SIM else "the startup LIST", NODES, PODS) + cpu)

    if not SIM:
        # each pod also gets a Scheduled event, written at a lower priority
        # than binds: the store's revision tells when all 2 writes per pod
        # (binding, event) are in
        while True:
            st, data = req("GET", "/api/v1/namespaces?limit=1")
            if int(json.loads(data)["metadata"]["resourceVersion"]) >= rv0 + 2 * PODS or time.time() - t0 > 600:
                break
            time.sleep(0.005)
        print("  all %d Scheduled events written %.2f s after the scheduler started" % (PODS, time.time() - t0))
    for l in open(os.path.join(tmp, "sim.log" if SIM else "sched.log")):
        if "synced" in l:
            print("  " + l.strip())
    lat = []
    for i in range(LATENCY_PODS):
        name = "lat-%d" % i
        t1 = time.time()
        st, data = req("POST", "/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "100m"}}}]}})
        while True:
            st, data = req("GET", "/api/v1/namespaces/default/pods/" + name)
            if json.loads(data).get("spec", {}).get("nodeName"):
                break
            time.sleep(0.0005)
        lat.append(time.time() - t1)
    lat.sort()
    print("create-to-bind latency over %d pods (one at a time, polled): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms" % (
        LATENCY_PODS, 1000 * lat[len(lat) // 2], 1000 * lat[int(len(lat) * 0.9)], 1000 * lat[int(len(lat) * 0.99)]))
finally:
    if sched:
        sched.terminate(); sched.wait()
    api.terminate(); api.wait()
