"""A custom runtime written in Python: what the management-API tests deploy to LocalFc from a zip, as a user of
any language would. It listens on FC_SERVER_PORT (loopback), answers FC's custom-runtime protocol and HTTP-trigger
requests, and says which package it came from (the VERSION file beside it) so that versions can be told apart.

Events: `fail` fails (404 with x-fc-status: 404, as FC's protocol reports a failure), `sleep:S` sleeps S seconds,
`env:NAME` answers with that environment variable, anything else is echoed.
"""
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "VERSION")) as f:
    VERSION = f.read().strip()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def http(self, body):
        out = {"version": VERSION, "method": self.command, "path": self.path, "body": body.decode("utf-8", "replace")}
        self.reply(200, json.dumps(out).encode(), [("content-type", "application/json")])

    def do_POST(self):
        body = self.body()
        if self.headers.get("x-fc-control-path") == "/http-invoke":
            return self.http(body)
        rid = self.headers.get("x-fc-request-id", "")
        if self.path == "/initialize":
            print(f"FC Initialize Start RequestId: {rid}", flush=True)
            print(f"FC Initialize End RequestId: {rid}", flush=True)
            return self.reply(200, b"")
        if self.path != "/invoke":
            return self.reply(404, b"")
        print(f"FC Invoke Start RequestId: {rid}", flush=True)
        event = body.decode("utf-8", "replace")
        print(f"{rid} [INFO] python {VERSION} got {event[:80]}", flush=True)
        if event == "fail":
            out = json.dumps({"errorType": "PythonError", "errorMessage": f"{VERSION} failed on purpose"}).encode()
            print(f"FC Invoke End RequestId: {rid}, Error: Unhandled function error", flush=True)
            return self.reply(404, out, [("x-fc-status", "404")])
        if event.startswith("sleep:"):
            time.sleep(float(event[6:]))
        answer = {
            "version": VERSION,
            "event": event,
            "qualifier": self.headers.get("x-fc-qualifier"),
            "versionId": self.headers.get("x-fc-version-id"),
            "function": os.environ.get("FC_FUNCTION_NAME"),
        }
        if event.startswith("env:"):
            answer["env"] = os.environ.get(event[4:])
        print(f"FC Invoke End RequestId: {rid}", flush=True)
        self.reply(200, json.dumps(answer).encode(), [("x-fc-status", "200")])

    def do_GET(self):
        if self.path == "/pre-stop" or self.headers.get("x-fc-control-path") == "/pre-stop":
            return self.reply(200, b"")
        self.http(b"")

    do_PUT = do_DELETE = do_PATCH = do_POST


port = int(os.environ.get("FC_SERVER_PORT", "9000"))
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
