#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for the benchmarks: accepts every POST, reads and discards its body, answers 200
with an empty protobuf body, and keeps connections open (HTTP/1.1), as a real collector does. Every second it
writes how many requests and bytes it received to COUNT_FILE.
   otlp-sink.py PORT COUNT_FILE
Loopback only."""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock, received = threading.Lock(), [0, 0]


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        with lock:
            received[0] += 1
            received[1] += n
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def report(path):
    while True:
        time.sleep(1)
        with lock:
            line = "%d requests, %d bytes\n" % tuple(received)
        with open(path, "w") as f:
            f.write(line)


threading.Thread(target=report, args=(sys.argv[2],), daemon=True).start()
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
