"""A loopback stand-in whose verifier is the official ACS3 signer, `alibabacloud_tea_openapi.utils.Utils.
get_authorization` (the function the official FC 3.0 Python SDK signs with): every request is re-signed from what
arrived, over the headers its `SignedHeaders` names, and answered 200 with the body echoed when the official
`Authorization` equals the one sent, 403 with both values otherwise.

Usage: python acs3_verifier.py   (prints `listening on http://127.0.0.1:PORT`; serves until stdin closes)
"""
import hashlib
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from alibabacloud_tea_openapi.utils import Utils

SECRETS = {"testKeyId": "testKeySecret", "STS.verifier": "sts-secret"}


class Request:
    def __init__(self, method, pathname, query, headers):
        self.method, self.pathname, self.query, self.headers = method, pathname, query, headers


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        sent = self.headers.get("authorization", "")
        problems = []
        try:
            fields = dict(p.split("=", 1) for p in sent.split(" ", 1)[1].split(","))
            key_id, signed = fields["Credential"], fields["SignedHeaders"].split(";")
            headers = {}
            for name in signed:
                values = self.headers.get_all(name) or []
                if not values:
                    problems.append(f"signed header {name} was not sent")
                headers[name] = ",".join(values)
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            payload = self.headers.get("x-acs-content-sha256", "")
            if payload != hashlib.sha256(body).hexdigest():
                problems.append("x-acs-content-sha256 is not the body's SHA-256")
            official = Utils.get_authorization(
                Request(self.command, url.path, query, headers), "ACS3-HMAC-SHA256", payload, key_id, SECRETS[key_id]
            )
            if official != sent:
                problems.append(f"official {official} != sent {sent}")
        except Exception as e:  # noqa: BLE001 - reported to the client
            problems.append(f"{type(e).__name__}: {e}")
        status, out = (200, body) if not problems else (403, "; ".join(problems).encode())
        self.send_response(status)
        self.send_header("content-type", "application/octet-stream")
        self.send_header("x-fc-request-id", "verifier-1")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = handle_one


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
sys.stdin.read()
server.shutdown()
