#!/usr/bin/python3
"""fake_extender.py — a scheduler extender for the CLI tests: records every
request and answers, or fails, on demand (Python standard library only).

    fake_extender.py --listen 127.0.0.1:0 [--mode ok|slow|500|garbage|error]
                     [--delay SECONDS] [--record FILE] [--scores JSON]

Prints "listening on http://HOST:PORT" once up.
  /filter      ok: every node passes (NodeNames or Nodes echoed back)
  /prioritize  HostPriorityList from --scores ({"node": score}, others 0)
  /bind        {"Error": ""}
  /preempt     the candidates back as NodeNameToMetaVictims (only the node
               --preempt-keep names, when given)
--mode applies to every verb: slow = sleep --delay first, then answer;
500 = HTTP 500; garbage = a body that is not JSON; error = {"Error":
"injected failure"} (for prioritize: HTTP 500). --record appends one JSON
line {"path", "body"} per request.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OPTS = None
LOCK = threading.Lock()


def field(obj, key):
    found = None
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.lower() == key.lower():
                found = v
    return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per reply and no Nagle: otherwise every keep-alive reply
    # waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    wbufsize = -1

    def _send(self, code, text, ctype="application/json"):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if OPTS.record:
            with LOCK, open(OPTS.record, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        mode = OPTS.mode
        if mode == "slow":
            time.sleep(OPTS.delay)
        if mode == "500":
            self._send(500, "internal error\n", "text/plain")
            return
        if mode == "garbage":
            self._send(200, "<html>this is not json")
            return
        verb = self.path.rstrip("/").rsplit("/", 1)[-1]
        if verb == "filter":
            if mode == "error":
                reply = {"Error": "injected failure"}
            elif field(body, "NodeNames") is not None:
                reply = {"NodeNames": field(body, "NodeNames")}
            else:
                reply = {"Nodes": field(body, "Nodes")}
        elif verb == "prioritize":
            if mode == "error":
                self._send(500, "no scores\n", "text/plain")
                return
            names = field(body, "NodeNames")
            if names is None:
                names = [n["metadata"]["name"] for n in (field(body, "Nodes") or {}).get("items") or []]
            reply = [{"Host": n, "Score": OPTS.scores.get(n, 0)} for n in names]
        elif verb == "preempt":
            meta = field(body, "NodeNameToMetaVictims")
            if meta is None:
                meta = {node: {"Pods": [{"UID": p["metadata"]["uid"]} for p in (v or {}).get("Pods") or []],
                               "NumPDBViolations": (v or {}).get("NumPDBViolations", 0)}
                        for node, v in (field(body, "NodeNameToVictims") or {}).items()}
            if OPTS.preempt_keep is not None:
                meta = {k: v for k, v in meta.items() if k == OPTS.preempt_keep}
            reply = {"NodeNameToMetaVictims": meta}
        elif verb == "bind":
            reply = {"Error": "injected failure" if mode == "error" else ""}
        else:
            self._send(404, "404 page not found\n", "text/plain")
            return
        self._send(200, json.dumps(reply))

    def log_message(self, fmt, *args):
        pass


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--mode", default="ok", choices=["ok", "slow", "500", "garbage", "error"])
    ap.add_argument("--delay", type=float, default=3.0)
    ap.add_argument("--record")
    ap.add_argument("--scores", type=json.loads, default={})
    ap.add_argument("--preempt-keep", help="preempt: keep only this node's victims")
    OPTS = ap.parse_args()
    host, _, port = OPTS.listen.rpartition(":")
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
