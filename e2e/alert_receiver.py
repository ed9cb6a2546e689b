#!/usr/bin/env python3
"""A local alert receiver for Wicket's webhook and Slack sinks (the demo's and the e2e tests').

POST /webhook  the generic JSON card; the X-Wicket-Signature HMAC is checked with --secret-file
               (a bad or missing signature is answered 401 and recorded with valid=false)
POST /slack    a Slack incoming-webhook body ({"text": ...})
GET  /received every request so far, as a JSON list: {path, id, alert, valid, body, headers, at}
--syslog PATH  also listen on a Unix datagram socket (like /dev/log) and record each line (path "syslog")

Each arrival is printed as one line on stdout. Run: alert_receiver.py --port 8932 --secret-file F
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECEIVED: list[dict] = []
LOCK = threading.Lock()
SECRET: bytes = b""


def verify(headers, body: bytes) -> bool:
    timestamp = headers.get("X-Wicket-Timestamp", "")
    signature = headers.get("X-Wicket-Signature", "")
    if not timestamp or not signature.startswith("sha256="):
        return False
    expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature[len("sha256="):])


def record(entry: dict) -> None:
    entry["at"] = time.time()
    with LOCK:
        RECEIVED.append(entry)
    print(f"alert {entry['path']} id={entry.get('id')} valid={entry.get('valid')}: "
          f"{entry.get('summary', '')}", flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes = b"ok") -> None:
        # One write: headers and body in separate small segments would meet Nagle and the client's
        # delayed ACK, adding ~40 ms to every alert.
        head = (f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.wfile.write(head + body)

    def do_GET(self) -> None:
        if self.path == "/received":
            with LOCK:
                data = json.dumps(RECEIVED).encode()
            self._answer(200, data)
        else:
            self._answer(404, b"not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        text = body.decode("utf-8", "replace")
        headers = {k: v for k, v in self.headers.items()}
        if self.path == "/webhook":
            valid = verify(self.headers, body)
            try:
                card = json.loads(text)
            except ValueError:
                card = {}
            record({"path": "webhook", "id": card.get("id"), "alert": card.get("alert"), "valid": valid,
                    "body": text, "headers": headers,
                    "summary": f"{card.get('decision')} · {card.get('who')} · {card.get('what')} · {card.get('why')}"})
            self._answer(200 if valid else 401)
        elif self.path == "/slack":
            try:
                valid = isinstance(json.loads(text).get("text"), str)
            except ValueError:
                valid = False
            record({"path": "slack", "valid": valid, "body": text, "headers": headers, "summary": text[:120]})
            self._answer(200 if valid else 400)
        else:
            self._answer(404, b"not found")


def syslog_listener(path: str) -> None:
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    while True:
        data = sock.recv(65536)
        text = data.decode("utf-8", "replace")
        record({"path": "syslog", "valid": True, "body": text, "headers": {}, "summary": text[:120]})


def main(argv: list[str] | None = None) -> int:
    global SECRET
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--syslog")
    args = parser.parse_args(argv)
    SECRET = Path(args.secret_file).read_text().strip().encode()
    if args.syslog:
        threading.Thread(target=syslog_listener, args=(args.syslog,), daemon=True).start()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"alert receiver on http://{args.host}:{args.port} (POST /webhook, /slack; GET /received)", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
