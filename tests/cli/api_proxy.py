#!/usr/bin/env python3
"""api_proxy.py — a loopback HTTP proxy in front of `schedlab apiserver` that
plays an older API server: requests whose path starts with one of the DENY
prefixes get 404 NotFound (a Status object), everything else is forwarded
(watch streams included, chunk by chunk).

  python3 tests/cli/api_proxy.py UPSTREAM_URL DENY_PREFIX...

Prints "api_proxy: serving on http://127.0.0.1:PORT" once listening, and
one "denied PATH" line per refused request.
"""
import http.client
import http.server
import json
import socketserver
import sys
import urllib.parse

upstream = urllib.parse.urlparse(sys.argv[1])
deny = sys.argv[2:]
HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "http2-settings", "proxy-connection", "te"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if any(self.path.startswith(p) for p in deny):
            print("denied %s %s" % (self.command, self.path), flush=True)
            data = json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": "the server could not find the requested resource",
                               "reason": "NotFound", "details": {}, "code": 404}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        chunked = resp.getheader("Transfer-Encoding", "").lower() == "chunked"
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in HOP and not (chunked and k.lower() == "content-length"):
                self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while True:
                    data = resp.read1(65536)
                    if not data:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True
        else:
            data = resp.read()
            if resp.getheader("Content-Length") is None:
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print("api_proxy: serving on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
