"""The official aliyun-fc2 SDK's side of the benchmarks; prints one JSON object.

    sdk_bench.py sign PATH HEADERS_JSON ITERATIONS
    sdk_bench.py sign3 PATH X_ACS_DATE BODY ITERATIONS   (the official FC 3.0 SDK's ACS3 signer)
    sdk_bench.py invoke ENDPOINT CALLS CONCURRENCY EVENT_JSON
    sdk_bench.py manage ENDPOINT FUNCTION CALLS   (GetFunction with the official FC 3.0 SDK, one call at a time)
"""
import json
import sys
import threading
import time
import timeit

import fc2
from fc2.auth import Auth


def sign(path, headers_json, iterations):
    headers = json.loads(headers_json)
    auth = Auth("testKeyId", "testKeySecret")
    signature = auth.sign_request("POST", path, headers)
    timer = timeit.Timer(lambda: auth.sign_request("POST", path, headers))
    best = min(timer.repeat(repeat=5, number=iterations)) / iterations
    print(json.dumps({"ns_per_op": best * 1e9, "signature": signature}))


def sign3(path, date, body, iterations):
    import hashlib

    from alibabacloud_tea_openapi.utils import Utils

    class Request:
        pass

    body = body.encode()

    def once():
        hashed = hashlib.sha256(body).hexdigest()
        request = Request()
        request.method, request.pathname, request.query = "POST", path, {"qualifier": "LATEST"}
        request.headers = {
            "host": "1234567890.cn-hangzhou.fc.aliyuncs.com",
            "content-type": "application/octet-stream",
            "x-acs-action": "InvokeFunction",
            "x-acs-version": "2023-03-30",
            "x-acs-date": date,
            "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
            "x-acs-content-sha256": hashed,
        }
        return Utils.get_authorization(request, "ACS3-HMAC-SHA256", hashed, "testKeyId", "testKeySecret")

    authorization = once()
    best = min(timeit.Timer(once).repeat(repeat=5, number=iterations)) / iterations
    print(json.dumps({"ns_per_op": best * 1e9, "authorization": authorization}))


def invoke(endpoint, calls, concurrency, event):
    payload = event.encode()
    latencies = []
    errors = [0]
    lock = threading.Lock()

    def worker(share):
        client = fc2.Client(endpoint=endpoint, accessKeyID="testKeyId", accessKeySecret="testKeySecret")
        mine = []
        for _ in range(share):
            started = time.perf_counter()
            try:
                r = client.invoke_function("bench", "echo", payload=payload)
                ok = r.data == payload
            except Exception:  # noqa: BLE001 - counted, not raised
                ok = False
            mine.append(int((time.perf_counter() - started) * 1e6))
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    def run(total):
        shares = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
        threads = [threading.Thread(target=worker, args=(s,)) for s in shares]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started

    run(max(calls // 10, concurrency))  # warm-up
    latencies.clear()
    errors[0] = 0
    secs = run(calls)
    print(json.dumps({"calls": calls, "secs": secs, "errors": errors[0], "latencies_us": latencies}))


def manage(endpoint, function, calls):
    from alibabacloud_fc20230330 import models
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi import utils_models

    host = endpoint.split("://", 1)[1]
    config = utils_models.Config(
        access_key_id="testKeyId", access_key_secret="testKeySecret", endpoint=host, protocol="http", region_id="cn-hangzhou"
    )
    client = Client(config)
    for _ in range(max(calls // 10, 1)):
        client.get_function(function, models.GetFunctionRequest())
    started = time.perf_counter()
    for _ in range(calls):
        got = client.get_function(function, models.GetFunctionRequest())
        assert got.body.function_name == function
    secs = time.perf_counter() - started
    print(json.dumps({"calls": calls, "secs": secs, "us_per_call": secs * 1e6 / calls}))


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "manage":
        manage(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "sign3":
        sign3(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        invoke(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
