"""Official FC 3.0 SDK conformance: the unchanged `alibabacloud-fc20230330` Python SDK (4.8.3) against a running
`local_fc` example, which serves the demo functions under FC 3.0 too.

Usage: python conformance_fc3.py http://127.0.0.1:PORT
Prints one line per case and a closing 'N passed, N failed' line; exits non-zero when any case fails.
"""
import base64
import json
import sys
import time

from alibabacloud_fc20230330 import models as fc_models
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

ENDPOINT = sys.argv[1]
HOST = ENDPOINT.split("://", 1)[1]


def client(secret="testKeySecret"):
    config = open_api_models.Config(
        access_key_id="testKeyId",
        access_key_secret=secret,
        endpoint=HOST,
        protocol="http",
        region_id="cn-hangzhou",
    )
    return Client(config)


CLIENT = client()
results = []


def case(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        results.append((fn.__name__, f"{type(e).__name__}: {e}"))
    return fn


def invoke(function, body=None, qualifier=None, invocation_type=None, log_type=None, task_id=None, c=None):
    request = fc_models.InvokeFunctionRequest(body=body, qualifier=qualifier)
    headers = fc_models.InvokeFunctionHeaders(
        x_fc_invocation_type=invocation_type, x_fc_log_type=log_type, x_fc_async_task_id=task_id
    )
    response = (c or CLIENT).invoke_function_with_options(function, request, headers, RuntimeOptions())
    body = response.body.read() if response.body is not None else b""
    return response, body


def expect_error(call, status, code):
    try:
        call()
    except ClientException as e:
        assert e.status_code == status, f"status {e.status_code} != {status}: {e}"
        assert e.code == code, f"code {e.code!r} != {code!r}"
        assert e.data and e.data.get("RequestId"), f"request id missing: {e.data}"
        return e
    raise AssertionError("no error raised")


@case
def sync_echo_bytes():
    response, body = invoke("echo", body=b"\x00raw\xff")
    assert response.status_code == 200, response.status_code
    assert body == b"\x00raw\xff", body
    assert response.headers.get("x-fc-request-id")


@case
def sync_json_with_alias_qualifier():
    response, body = invoke("greet", body=json.dumps({"name": "SDK"}).encode(), qualifier="prod")
    assert json.loads(body) == {"greeting": "Hello, SDK!"}, body
    assert response.headers.get("x-fc-invocation-service-version") == "1", response.headers


@case
def sync_with_version_and_latest_qualifiers():
    for qualifier in ("1", "LATEST"):
        _, body = invoke("greet", body=b'{"name": "v"}', qualifier=qualifier)
        assert json.loads(body) == {"greeting": "Hello, v!"}, (qualifier, body)
    expect_error(lambda: invoke("greet", body=b"{}", qualifier="9"), 404, "VersionNotFound")


@case
def tail_log_is_base64_and_holds_the_lines():
    response, body = invoke("log", body=b'{"lines": 3}', invocation_type="Sync", log_type="Tail")
    assert body == b"3", body
    log = base64.b64decode(response.headers["x-fc-log-result"]).decode()
    assert "line 3 of 3" in log and "FC Invoke End RequestId" in log, log


@case
def handled_error_is_2xx_with_error_type():
    response, body = invoke("fail", body=b"{}")
    assert 200 <= response.status_code < 300, response.status_code
    assert response.headers.get("x-fc-error-type") == "HandledInvocationError", response.headers
    err = json.loads(body)
    assert err["errorMessage"] == "the demo function failed on purpose", err
    assert err["errorType"] == "DemoError", err


@case
def unhandled_error_is_2xx_with_error_type():
    response, body = invoke("crash", body=b"{}")
    assert response.headers.get("x-fc-error-type") == "UnhandledInvocationError", response.headers
    assert "crashed" in json.loads(body)["errorMessage"], body


@case
def async_with_task_id_is_accepted():
    response, body = invoke("echo", body=b"1", invocation_type="Async", task_id="sdk_task_1")
    assert response.status_code == 202, response.status_code
    assert response.headers.get("x-fc-async-task-id") == "sdk_task_1", response.headers


@case
def async_without_task_id_is_accepted():
    response, _ = invoke("echo", body=b"1", invocation_type="Async")
    assert response.status_code == 202, response.status_code
    assert response.headers.get("x-fc-request-id")


@case
def empty_body_is_signed_and_served():
    _, body = invoke("echo")
    assert body == b"", body


@case
def unknown_function_is_404():
    expect_error(lambda: invoke("nope", body=b"1"), 404, "FunctionNotFound")


@case
def unknown_alias_is_404():
    expect_error(lambda: invoke("greet", body=b"{}", qualifier="staging"), 404, "AliasNotFound")


@case
def wrong_secret_is_403():
    e = expect_error(lambda: invoke("echo", body=b"1", c=client("wrong")), 403, "SignatureNotMatch")
    assert "canonical request" in e.message, e.message


def get_task(function, task_id):
    request = fc_models.GetAsyncTaskRequest()
    return CLIENT.get_async_task_with_options(function, task_id, request, {}, RuntimeOptions()).body


def wait_for(function, task_id, status):
    for _ in range(300):
        task = get_task(function, task_id)
        if task.status == status:
            return task
        time.sleep(0.01)
    raise AssertionError(f"task {task_id} is {task.status}, not {status}")


@case
def async_task_get_after_it_ran():
    invoke("sleep", body=b'{"ms": 1}', invocation_type="Async", task_id="sdk_get_1")
    task = wait_for("sleep", "sdk_get_1", "Succeeded")
    assert task.task_id == "sdk_get_1", task.to_map()
    assert json.loads(task.return_payload) == {"slept_ms": 1}, task.to_map()
    assert [e.status for e in task.events][-1] == "Succeeded", task.to_map()


@case
def async_tasks_list_filters_and_pages():
    for i in range(3):
        invoke("sleep", body=b'{"ms": 1}', invocation_type="Async", task_id=f"sdk_list_{i}")
    for i in range(3):
        wait_for("sleep", f"sdk_list_{i}", "Succeeded")
    request = fc_models.ListAsyncTasksRequest(prefix="sdk_list_", limit=2, include_payload=True, sort_order_by_time="asc")
    first = CLIENT.list_async_tasks_with_options("sleep", request, {}, RuntimeOptions()).body
    assert [t.task_id for t in first.tasks] == ["sdk_list_0", "sdk_list_1"], first.to_map()
    assert first.tasks[0].task_payload, first.to_map()
    assert first.next_token, first.to_map()
    request.next_token = first.next_token
    second = CLIENT.list_async_tasks_with_options("sleep", request, {}, RuntimeOptions()).body
    assert [t.task_id for t in second.tasks] == ["sdk_list_2"], second.to_map()
    assert not second.next_token, second.to_map()
    request = fc_models.ListAsyncTasksRequest(prefix="sdk_list_", status="Failed")
    assert not CLIENT.list_async_tasks_with_options("sleep", request, {}, RuntimeOptions()).body.tasks


@case
def async_task_stop():
    invoke("sleep", body=b'{"ms": 60000}', invocation_type="Async", task_id="sdk_stop_1")
    wait_for("sleep", "sdk_stop_1", "Running")
    request = fc_models.StopAsyncTaskRequest()
    response = CLIENT.stop_async_task_with_options("sleep", "sdk_stop_1", request, {}, RuntimeOptions())
    assert response.status_code == 200, response.status_code
    assert get_task("sleep", "sdk_stop_1").status in ("Stopped", "Stopping")


@case
def unknown_async_task_is_404():
    expect_error(lambda: get_task("sleep", "never_started"), 404, "AsyncTaskNotFound")


failed = [(n, why) for n, why in results if why]
for name, why in results:
    print(f"{'ok  ' if why is None else 'FAIL'} {name}{'' if why is None else ': ' + why}")
print(f"sdk fc3 conformance: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
