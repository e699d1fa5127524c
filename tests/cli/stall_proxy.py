#!/usr/bin/env python3
"""stall_proxy.py — a TCP proxy that can go silent without closing
(tests/cli/scheduler_keepalive.sh): forwards every connection to
127.0.0.1:UPSTREAM_PORT byte for byte (TLS passes through untouched) until
it gets SIGUSR1; from then on the connections open at that moment forward
nothing in either direction but stay open (the kernel still ACKs: TCP
keepalive sees a live peer), while new connections are forwarded normally.

    stall_proxy.py UPSTREAM_PORT PORT_FILE LOG_FILE

writes the port it listens on (127.0.0.1, a free port) to PORT_FILE and
"accepted N" / "frozen N" lines (N: connections so far) to LOG_FILE.
Test helper only (python3 standard library).
"""
import os
import signal
import socket
import sys
import threading

UPSTREAM_PORT = int(sys.argv[1])
PORT_FILE, LOG_FILE = sys.argv[2], sys.argv[3]
LOG = open(LOG_FILE, "a", buffering=1)
state = {"accepted": 0, "frozen_below": 0}
held = []  # sockets of frozen connections: never closed


def pump(src, dst, cid):
    try:
        while True:
            data = src.recv(65536)
            if cid < state["frozen_below"]:
                held.extend((src, dst))
                threading.Event().wait()  # silent from now on
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def freeze(signum, frame):
    state["frozen_below"] = state["accepted"]
    LOG.write("frozen %d\n" % state["accepted"])


signal.signal(signal.SIGUSR1, freeze)
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
while True:
    client, _ = srv.accept()
    cid = state["accepted"]
    state["accepted"] += 1
    LOG.write("accepted %d\n" % state["accepted"])
    try:
        up = socket.create_connection(("127.0.0.1", UPSTREAM_PORT))
    except OSError:
        client.close()
        continue
    threading.Thread(target=pump, args=(client, up, cid), daemon=True).start()
    threading.Thread(target=pump, args=(up, client, cid), daemon=True).start()
