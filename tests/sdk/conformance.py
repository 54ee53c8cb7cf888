"""Official SDK conformance: the unchanged `aliyun-fc2` Python SDK against a running `local_fc` example.

Usage: python conformance.py http://127.0.0.1:PORT
Prints one line per case and a closing 'N passed, N failed' line; exits non-zero when any case fails.
"""
import base64
import json
import sys
import time

import fc2
from fc2.fc_exceptions import FcError

ENDPOINT = sys.argv[1]
client = fc2.Client(endpoint=ENDPOINT, accessKeyID="testKeyId", accessKeySecret="testKeySecret")
results = []


def case(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        results.append((fn.__name__, f"{type(e).__name__}: {e}"))
    return fn


def expect_error(call, status, code=None, contains=None):
    try:
        call()
    except FcError as e:
        assert e.status_code == status, f"status {e.status_code} != {status}: {e.message}"
        if code is not None:
            assert e.err_code == code, f"code {e.err_code!r} != {code!r}"
        if contains is not None:
            assert contains in e.message, f"{contains!r} not in {e.message!r}"
        assert e.request_id and e.request_id != "unknown", "request id missing"
        return e
    raise AssertionError("no error raised")


@case
def sync_json_echo():
    payload = json.dumps({"hello": "world", "n": [1, 2, 3]}).encode()
    r = client.invoke_function("demo", "echo", payload=payload)
    assert r.data == payload, r.data
    for h in ("X-Fc-Request-Id", "X-Fc-Instance-Id", "X-Fc-Code-Checksum", "X-Fc-Invocation-Duration",
              "X-Fc-Max-Memory-Usage", "X-Fc-Invocation-Service-Version"):
        assert r.headers.get(h), f"missing {h}"
    assert r.headers["X-Fc-Invocation-Service-Version"] == "LATEST"


@case
def sync_binary_echo():
    payload = bytes(range(256)) * 4
    r = client.invoke_function("demo", "echo", payload=payload,
                               headers={"content-type": "application/octet-stream"})
    assert r.data == payload


@case
def sync_explicit_type_header():
    r = client.invoke_function("demo", "greet", payload=b'{"name":"sdk"}', headers={"x-fc-invocation-type": "Sync"})
    assert json.loads(r.data) == {"greeting": "Hello, sdk!"}, r.data


@case
def qualifier_latest_and_alias():
    r = client.invoke_function("demo", "greet", payload=b'{"name":"latest"}', qualifier="LATEST")
    assert json.loads(r.data)["greeting"] == "Hello, latest!"
    r = client.invoke_function("demo", "greet", payload=b'{"name":"prod"}', qualifier="prod")
    assert json.loads(r.data)["greeting"] == "Hello, prod!"
    assert r.headers["X-Fc-Invocation-Service-Version"] == "1", r.headers
    expect_error(lambda: client.invoke_function("demo", "greet", payload=b"{}", qualifier="staging"), 404, "AliasNotFound")
    expect_error(lambda: client.invoke_function("demo", "greet", payload=b"{}", qualifier="7"), 404, "VersionNotFound")


@case
def log_tail_decoded():
    r = client.invoke_function("demo", "log", payload=b'{"lines": 3}', headers={"x-fc-log-type": "Tail"})
    assert r.data == b"3", r.data
    log = base64.b64decode(r.headers["X-Fc-Log-Result"]).decode()
    assert "line 3 of 3" in log and "FC Invoke Start RequestId" in log, log


@case
def log_tail_is_last_4kb():
    r = client.invoke_function("demo", "log", payload=b'{"lines": 1000}', headers={"x-fc-log-type": "Tail"})
    log = base64.b64decode(r.headers["X-Fc-Log-Result"])
    assert len(log) == 4096, len(log)
    assert b"line 1000 of 1000" in log


@case
def async_invocation_accepted():
    r = client.invoke_function("demo", "echo", payload=b'{"a":1}', headers={"x-fc-invocation-type": "Async"})
    assert r.data == b"", r.data
    assert r.headers.get("X-Fc-Request-Id")


@case
def stateful_async_invocation_id():
    name = f"video_{int(time.time() * 1000)}"
    headers = {"x-fc-invocation-type": "Async", "x-fc-stateful-async-invocation-id": name}
    r = client.invoke_function("demo", "sleep", payload=b'{"ms": 10}', headers=headers)
    assert r.headers["X-Fc-Stateful-Async-Invocation-Id"] == name, r.headers
    expect_error(lambda: client.invoke_function("demo", "sleep", payload=b'{"ms": 10}', headers=dict(headers)),
                 409, "StatefulAsyncInvocationAlreadyExists")


@case
def handled_error():
    e = expect_error(lambda: client.invoke_function("demo", "fail", payload=b"{}"), 200)
    body = json.loads(e.message)
    assert body["errorMessage"] == "the demo function failed on purpose", body
    assert body["errorType"] == "DemoError", body


@case
def unhandled_error():
    e = expect_error(lambda: client.invoke_function("demo", "crash", payload=b"{}"), 200)
    assert "crashed" in json.loads(e.message)["errorMessage"], e.message
    # the server keeps serving
    assert client.invoke_function("demo", "echo", payload=b"1").data == b"1"


@case
def unknown_function_is_404():
    expect_error(lambda: client.invoke_function("demo", "missing", payload=b"{}"), 404, "FunctionNotFound")
    expect_error(lambda: client.invoke_function("nosuch", "echo", payload=b"{}"), 404, "ServiceNotFound")


@case
def wrong_secret_is_refused():
    bad = fc2.Client(endpoint=ENDPOINT, accessKeyID="testKeyId", accessKeySecret="wrongSecret")
    expect_error(lambda: bad.invoke_function("demo", "echo", payload=b"{}"), 403, "SignatureNotMatch")


@case
def unknown_key_is_refused():
    bad = fc2.Client(endpoint=ENDPOINT, accessKeyID="nobody", accessKeySecret="testKeySecret")
    expect_error(lambda: bad.invoke_function("demo", "echo", payload=b"{}"), 403, "InvalidAccessKeyID")


@case
def oversized_async_payload_is_refused():
    big = b'"' + b"x" * (128 * 1024) + b'"'
    expect_error(lambda: client.invoke_function("demo", "echo", payload=big, headers={"x-fc-invocation-type": "Async"}),
                 400, "EntityTooLarge")


failed = 0
for name, error in results:
    print(f"{'ok  ' if error is None else 'FAIL'} {name}{'' if error is None else ': ' + error}")
    failed += error is not None
print(f"sdk conformance: {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
