#!/usr/bin/python3
"""regex_extender.py — the KubeCon NA 2024 regex demo as a scheduler extender
in Python, standard library only (http.server), same answers as the C
extender (examples/regex-extender/regex_extender.c).

    /usr/bin/python3 examples/regex-extender/regex_extender.py [--v1|--v2] [--listen HOST:PORT]

--v1: reads the full `Nodes` list, answers `Nodes` (matching Node objects)
      and `FailedAndUnresolvableNodes`;
--v2 (default, for nodeCacheCapable: true): reads and answers `NodeNames`.
No annotation scheduler.wasmkwokwizardry.io/regex -> every node passes;
a pattern that does not compile -> {"Error": "Invalid regex pattern: <re>"}.
Patterns are Python `re` (RE2 syntax is mostly a subset; the two differ on
exotic constructs such as lookarounds, which RE2 rejects). Request keys are
matched ignoring case, like Go's encoding/json. Port 0 picks a free port;
the bound address is printed as "listening on http://HOST:PORT".
"""
import argparse
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANNOTATION = "scheduler.wasmkwokwizardry.io/regex"


def field(obj, key):
    """Go encoding/json: case-insensitive match, last one wins."""
    found = None
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.lower() == key.lower():
                found = v
    return found


def filter_nodes(req, version):
    pod = field(req, "Pod") or {}
    pattern = ((pod.get("metadata") or {}).get("annotations") or {}).get(ANNOTATION)
    if version == 1:
        nodes = field(req, "Nodes")
        if not isinstance(pattern, str):
            return {"Nodes": nodes}
    else:
        names = field(req, "NodeNames")
        if not isinstance(pattern, str):
            return {"NodeNames": names}
    try:
        regex = re.compile(pattern)
    except re.error:
        return {"Error": f"Invalid regex pattern: {pattern}"}
    failed = {}
    if version == 1:
        kept = []
        for node in (nodes or {}).get("items") or []:
            name = ((node or {}).get("metadata") or {}).get("name") or ""
            if regex.search(name) is None:
                failed[name] = f"Node {name} does not match the regex pattern {pattern}"
            else:
                kept.append(node)
        return {"Nodes": {"items": kept}, "FailedAndUnresolvableNodes": failed}
    kept = []
    for name in names or []:
        if regex.search(name) is None:
            failed[name] = f"Node {name} does not match the regex pattern {pattern}"
        else:
            kept.append(name)
    return {"NodeNames": kept, "FailedAndUnresolvableNodes": failed}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    # One write per reply and no Nagle: otherwise every keep-alive reply
    # waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = -1
    version = 2

    def _send(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/filter":
            self._send(404, "404 page not found\n", "text/plain")
            return
        try:
            req = json.loads(raw)
        except ValueError as e:
            self._send(400, json.dumps({"detail": f"invalid JSON: {e}"}))
            return
        self._send(200, json.dumps(filter_nodes(req, self.version), separators=(",", ":")))

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description="regex demo scheduler extender (POST /filter)")
    ap.add_argument("--listen", default="127.0.0.1:8000", help="HOST:PORT (default 127.0.0.1:8000)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--v1", action="store_true", help="full Nodes in and out")
    g.add_argument("--v2", action="store_true", help="NodeNames in and out (default)")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    Handler.version = 1 if args.v1 else 2
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    print(f"listening on http://{host}:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
