#!/usr/bin/env python3
"""scheduler_http2.py — `schedlab scheduler --kubeconfig` through an HTTP/2
TLS reverse proxy (nghttpx, Debian nghttp2-proxy) in front of `schedlab
apiserver`: time from the scheduler's start until every pod is bound, and
what the proxy saw (protocol per request, client connections = distinct
client ports in its access log).

Creates NODES nodes and PODS pods through the API (plain HTTP, straight to
the API server) before the scheduler starts; the scheduler runs with
--kube-api-qps 5000 --kube-api-burst 5000 --leader-elect=false and talks
only to the proxy. --disable-http2 sets DISABLE_HTTP2=1 for the scheduler
(HTTP/1.1 through the same proxy). Certificate: schedlab apiserver's
--tls-self-signed pair.

--direct-tls skips the proxy: the scheduler talks to `schedlab apiserver
--tls-self-signed` (HTTP/1.1 over TLS: the ALPN fallback path).

  python3 bench/scheduler_http2.py [--disable-http2] [--direct-tls] [SCHEDLAB] [NODES] [PODS]
"""
import collections, http.client, json, os, re, shutil, socket, subprocess, sys, tempfile, time

DISABLE = "--disable-http2" in sys.argv
if DISABLE:
    sys.argv.remove("--disable-http2")
DIRECT = "--direct-tls" in sys.argv
if DIRECT:
    sys.argv.remove("--direct-tls")
schedlab = sys.argv[1] if len(sys.argv) > 1 else "build/release/schedlab"
NODES = int(sys.argv[2]) if len(sys.argv) > 2 else 500
PODS = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
nghttpx = shutil.which("nghttpx") or "/usr/sbin/nghttpx"

tmp = tempfile.mkdtemp()
procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start_api(*args):
    p = subprocess.Popen([schedlab, "apiserver", "--listen", "127.0.0.1:0"] + list(args), stdout=subprocess.PIPE,
                         stderr=open(os.path.join(tmp, "api.log"), "a"), text=True)
    procs.append(p)
    m = re.search(r"serving on https?://([\d.]+):(\d+)", p.stdout.readline())
    return p, m.group(1), int(m.group(2))


try:
    tlsdir = os.path.join(tmp, "tls")
    os.mkdir(tlsdir)
    gen, _, _ = start_api("--tls-self-signed", "--data-dir", tlsdir)
    gen.terminate()
    gen.wait()
    if DIRECT:  # no proxy: schedlab apiserver's own TLS (HTTP/1.1 only)
        api, host, port = start_api("--tls-self-signed", "--data-dir", tlsdir)
        import ssl
        conn = http.client.HTTPSConnection(host, port, context=ssl._create_unverified_context())
    else:
        api, host, port = start_api()
        conn = http.client.HTTPConnection(host, port)

    def req(method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()

    for i in range(NODES):
        st, _ = req("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-%d" % i, "labels": {"kubernetes.io/hostname": "node-%d" % i}},
                                             "status": {"capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}, "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"}}})
        assert st == 201, st
    for i in range(PODS):
        st, _ = req("POST", "/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-%d" % i},
                    "spec": {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}})
        assert st == 201, st

    fport = port if DIRECT else free_port()
    access = os.path.join(tmp, "access.log")
    nx = None if DIRECT else subprocess.Popen([nghttpx, "--conf=/dev/null", "-f127.0.0.1,%d" % fport, "-b%s,%d" % (host, port), "--workers=1",
                           "--backend-read-timeout=10m", "--frontend-read-timeout=10m", "--frontend-http2-read-timeout=10m",
                           "--accesslog-file=" + access, "--accesslog-format=$alpn $remote_port $method $status $path",
                           "--errorlog-file=" + os.path.join(tmp, "nghttpx.log"),
                           os.path.join(tlsdir, "tls.key"), os.path.join(tlsdir, "tls.crt")],
                          stderr=subprocess.DEVNULL)
    if nx:
        procs.append(nx)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", fport)).close()
            break
        except OSError:
            time.sleep(0.05)
    kc = os.path.join(tmp, "kc")
    with open(kc, "w") as f:
        f.write("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:%d\", certificate-authority: \"%s\"}\n"
                "users:\n- name: u\n  user: {}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n" % (fport, os.path.join(tlsdir, "tls.crt")))
    env = dict(os.environ)
    if DISABLE:
        env["DISABLE_HTTP2"] = "1"
    t0 = time.time()
    sched = subprocess.Popen([schedlab, "scheduler", "--kubeconfig", kc, "--secure-port", "0", "--leader-elect=false",
                              "--kube-api-qps", "5000", "--kube-api-burst", "5000"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "sched.log"), "w"), env=env)
    procs.append(sched)
    while True:
        st, data = req("GET", "/api/v1/pods")
        items = json.loads(data)["items"]
        if sum(1 for p in items if p["spec"].get("nodeName")) >= PODS:
            break
        if time.time() - t0 > 300:
            raise SystemExit("timeout")
        time.sleep(0.05)
    elapsed = time.time() - t0
    with open("/proc/%d/stat" % sched.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    sched.terminate()
    sched.wait()
    time.sleep(0.3)
    lines = [l.split() for l in open(access) if l.strip()] if not DIRECT else []
    alpn = collections.Counter(l[0] for l in lines)
    ports = {l[1] for l in lines}
    binds = sum(1 for l in lines if l[2] == "POST" and l[4].endswith("/binding"))
    head = "%s: %d nodes, %d pods bound in %.2f s (%.0f pods/s, scheduler CPU %.2f s)" % (
        ("DISABLE_HTTP2" if DISABLE else "default") + (" direct TLS (no proxy)" if DIRECT else ""),
        NODES, PODS, elapsed, PODS / elapsed, cpu)
    if DIRECT:
        print(head)
    else:
        print("%s; proxy saw %d requests (%s), %d bindings, %d client connection(s)"
              % (head, len(lines), ", ".join("%s %d" % kv for kv in sorted(alpn.items())), binds, len(ports)))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
