#!/usr/bin/env python3
"""fault_proxy.py — a fault-injecting HTTP proxy for the scheduler fault
tests (tests/cli/scheduler_faults.sh): sits between `schedlab scheduler
--master` and `schedlab apiserver`, forwards every request (watch responses
are streamed through chunk by chunk) and, when told, answers some requests
itself or meddles with them first.

    fault_proxy.py UPSTREAM_URL PORT_FILE LOG_FILE

prints nothing; writes the port it listens on (127.0.0.1, a free port) to
PORT_FILE, and one line per request to LOG_FILE:
    METHOD PATH STATUS forwarded|injected

Rules are set through the proxy itself (never forwarded):
    POST /__fault?match=SUBSTR&status=500&seconds=3[&retry_after=1]
        requests whose path contains SUBSTR ("" = all) are answered with
        STATUS (a Kubernetes Status body, Retry-After when given) without
        being forwarded, for SECONDS;
    POST /__fault?match=SUBSTR&delay=1.5&delete_first=1&count=1
        the next COUNT matching POSTs of pods/NAME/binding wait DELAY
        seconds, then the proxy DELETEs the pod upstream, then forwards
        the request (the server answers 404);
    POST /__fault?match=SUBSTR&bind_first=NODE&count=1
        ... the proxy first binds the pod to NODE upstream, then forwards
        (the server answers 409 Conflict);
    DELETE /__fault  clears every rule.
Test helper only (python3 standard library).
"""
import http.client
import http.server
import json
import socketserver
import sys
import threading
import time
import urllib.parse

UPSTREAM = urllib.parse.urlparse(sys.argv[1])
PORT_FILE, LOG_FILE = sys.argv[2], sys.argv[3]
LOCK = threading.Lock()
RULES = []
LOG = open(LOG_FILE, "a", buffering=1)

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te", "trailer"}


def log(method, path, status, how):
    with LOCK:
        LOG.write("%s %s %s %s\n" % (method, path.split("?")[0], status, how))


def upstream_call(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def pod_of_binding(path):
    # /api/v1/namespaces/NS/pods/NAME/binding
    parts = path.split("?")[0].strip("/").split("/")
    return parts[3], parts[5]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def reply(self, status, payload, extra=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def control(self, method):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        with LOCK:
            if method == "DELETE":
                RULES.clear()
            else:
                rule = {k: v[0] for k, v in q.items()}
                rule.setdefault("match", "")
                if "seconds" in rule:
                    rule["until"] = time.time() + float(rule["seconds"])
                rule["count"] = int(rule.get("count", "1000000000"))
                RULES.append(rule)
        self.reply(200, {"ok": True})

    def matching_rule(self, method):
        now = time.time()
        with LOCK:
            for rule in RULES:
                if rule["match"] not in self.path:
                    continue
                if "until" in rule and now >= rule["until"]:
                    continue
                if rule["count"] <= 0:
                    continue
                if ("delete_first" in rule or "bind_first" in rule) and not (
                        method == "POST" and self.path.split("?")[0].endswith("/binding")):
                    continue
                rule["count"] -= 1
                return dict(rule)
        return None

    def handle_any(self, method):
        if self.path.startswith("/__fault"):
            self.body()
            return self.control(method)
        body = self.body()
        rule = self.matching_rule(method)
        if rule and "status" in rule:
            status = int(rule["status"])
            extra = {"Retry-After": rule["retry_after"]} if "retry_after" in rule else None
            log(method, self.path, status, "injected")
            return self.reply(status, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                       "message": "fault_proxy: injected %d" % status, "code": status}, extra)
        if rule:
            time.sleep(float(rule.get("delay", "0")))
            ns, name = pod_of_binding(self.path)
            if "delete_first" in rule:
                st, _ = upstream_call("DELETE", "/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0" % (ns, name))
                log("DELETE", "/api/v1/namespaces/%s/pods/%s" % (ns, name), st, "meddled")
            if "bind_first" in rule:
                b = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, "namespace": ns},
                     "target": {"apiVersion": "v1", "kind": "Node", "name": rule["bind_first"]}}
                st, _ = upstream_call("POST", "/api/v1/namespaces/%s/pods/%s/binding" % (ns, name), json.dumps(b))
                log("POST", "/api/v1/namespaces/%s/pods/%s/binding" % (ns, name), st, "meddled")
        self.forward(method, body)

    def forward(self, method, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=600)
        try:
            conn.request(method, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError:
            conn.close()
            log(method, self.path, 502, "injected")
            return self.reply(502, {"kind": "Status", "status": "Failure", "message": "upstream unreachable", "code": 502})
        log(method, self.path, resp.status, "forwarded")
        streaming = resp.getheader("Content-Length") is None
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        if not streaming:
            data = resp.read()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()
            return
        # a watch (or any chunked answer): pass each piece on at once
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                piece = resp.read1(65536)
                if not piece:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True
        finally:
            conn.close()

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
