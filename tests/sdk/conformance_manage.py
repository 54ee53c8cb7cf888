"""Official FC 3.0 SDK conformance for the management API: the unchanged `alibabacloud-fc20230330` Python SDK (4.8.3)
deploys a function whose runtime is written in Python (`python_function/server.py`, started by a `bootstrap` shell
script) to a running `local_fc` example, invokes it, updates it, publishes versions, points an alias with a weight,
adds triggers, an async config with a function destination and a concurrency config, lists everything, checks
FC's refusals, and deletes it all. Every one of the 26 management operations is called.

Usage: python conformance_manage.py http://127.0.0.1:PORT
Prints one line per case and a closing 'N passed, N failed' line; exits non-zero when any case fails.
"""
import base64
import io
import json
import os
import sys
import time
import urllib.error
import urllib.request
import zipfile

from alibabacloud_fc20230330 import models as m
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import utils_models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

ENDPOINT = sys.argv[1]
HOST = ENDPOINT.split("://", 1)[1]
HERE = os.path.dirname(os.path.abspath(__file__))
# Loopback only, never through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

CLIENT = Client(
    open_api_models.Config(
        access_key_id="testKeyId",
        access_key_secret="testKeySecret",
        endpoint=HOST,
        protocol="http",
        region_id="cn-hangzhou",
    )
)
results = []


def case(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
        results.append((fn.__name__, f"{type(e).__name__}: {e}"))
    return fn


def crc64_xz(data):
    """CRC-64/XZ (ECMA-182 reflected), the checksum OSS and FC report, written out here to check LocalFc's."""
    poly, crc = 0xC96C5795D7870F42, 0xFFFFFFFFFFFFFFFF
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def package(version, bootstrap=True, extra=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with open(os.path.join(HERE, "python_function", "server.py"), "rb") as f:
            z.writestr("server.py", f.read())
        z.writestr("VERSION", version)
        if bootstrap:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o100755 << 16
            z.writestr(info, '#!/bin/sh\nexec python3 "$(dirname "$0")/server.py"\n')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def code(zip_bytes):
    return m.InputCodeLocation(zip_file=base64.b64encode(zip_bytes).decode(), checksum=str(crc64_xz(zip_bytes)))


def invoke(function, body=b"", qualifier=None, invocation_type=None):
    request = m.InvokeFunctionRequest(body=io.BytesIO(body), qualifier=qualifier)
    headers = m.InvokeFunctionHeaders(x_fc_invocation_type=invocation_type)
    response = CLIENT.invoke_function_with_options(function, request, headers, RuntimeOptions())
    return response, response.body.read() if response.body is not None else b""


def answer(function, body=b"x", qualifier=None):
    return json.loads(invoke(function, body, qualifier)[1])


def expect_error(call, status, code_):
    try:
        call()
    except ClientException as e:
        assert e.status_code == status, f"status {e.status_code} != {status}: {e}"
        assert e.code == code_, f"code {e.code!r} != {code_!r}: {e}"
        assert e.data and e.data.get("RequestId"), f"request id missing: {e.data}"
        return e
    raise AssertionError(f"no error raised (expected {code_})")


V1 = package("v1")


@case
def create_function_from_a_zip():
    body = m.CreateFunctionInput(
        function_name="pyfn",
        runtime="custom.debian10",
        handler="index.handler",
        code=code(V1),
        timeout=30,
        memory_size=256,
        environment_variables={"GREETING": "hello"},
    )
    created = CLIENT.create_function(m.CreateFunctionRequest(body=body)).body
    assert created.function_name == "pyfn", created.to_map()
    assert created.code_checksum == str(crc64_xz(V1)), (created.code_checksum, crc64_xz(V1))
    assert created.code_size == len(V1), created.code_size
    assert created.state == "Active" and created.last_update_status == "Successful", created.to_map()
    assert created.function_arn.endswith(":functions/pyfn"), created.function_arn
    expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=body)), 409, "FunctionAlreadyExists")


@case
def get_function_and_invoke_it():
    got = CLIENT.get_function("pyfn", m.GetFunctionRequest()).body
    assert got.runtime == "custom.debian10" and got.memory_size == 256, got.to_map()
    assert got.environment_variables == {"GREETING": "hello"}, got.to_map()
    reply = answer("pyfn", b"env:GREETING")
    assert reply["version"] == "v1" and reply["env"] == "hello", reply
    expect_error(lambda: CLIENT.get_function("nope", m.GetFunctionRequest()), 404, "FunctionNotFound")


@case
def update_function_replaces_code_and_keeps_settings():
    v2 = package("v2")
    updated = CLIENT.update_function("pyfn", m.UpdateFunctionRequest(body=m.UpdateFunctionInput(code=code(v2)))).body
    assert updated.code_checksum == str(crc64_xz(v2)), updated.to_map()
    assert updated.memory_size == 256 and updated.timeout == 30, updated.to_map()
    assert answer("pyfn")["version"] == "v2"
    got = CLIENT.get_function_code("pyfn", m.GetFunctionCodeRequest()).body
    assert got.checksum == str(crc64_xz(v2)) and got.url, got.to_map()


@case
def list_functions_pages():
    listed = CLIENT.list_functions(m.ListFunctionsRequest(prefix="py", limit=10)).body
    assert [f.function_name for f in listed.functions] == ["pyfn"], listed.to_map()
    assert not listed.next_token, listed.to_map()


@case
def publish_versions_and_list_them():
    one = CLIENT.publish_function_version("pyfn", m.PublishFunctionVersionRequest(body=m.PublishVersionInput(description="v2"))).body
    assert one.version_id == "1" and one.description == "v2", one.to_map()
    CLIENT.update_function("pyfn", m.UpdateFunctionRequest(body=m.UpdateFunctionInput(code=code(package("v3")))))
    two = CLIENT.publish_function_version("pyfn", m.PublishFunctionVersionRequest()).body
    assert two.version_id == "2", two.to_map()
    listed = CLIENT.list_function_versions("pyfn", m.ListFunctionVersionsRequest()).body
    assert [v.version_id for v in listed.versions] == ["2", "1"] and listed.direction == "BACKWARD", listed.to_map()
    page = CLIENT.list_function_versions("pyfn", m.ListFunctionVersionsRequest(direction="FORWARD", limit=1)).body
    assert [v.version_id for v in page.versions] == ["1"] and page.next_token, page.to_map()
    assert answer("pyfn", qualifier="1")["version"] == "v2"
    assert answer("pyfn", qualifier="2")["version"] == "v3"


@case
def alias_splits_by_its_weight():
    body = m.CreateAliasInput(alias_name="prod", version_id="1", additional_version_weight={"2": 0.5}, description="canary")
    alias = CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=body)).body
    assert alias.alias_name == "prod" and alias.additional_version_weight == {"2": 0.5}, alias.to_map()
    ran = []
    for _ in range(4):
        response, out = invoke("pyfn", b"x", qualifier="prod")
        ran.append((json.loads(out)["version"], response.headers.get("x-fc-invocation-service-version")))
    assert sorted(ran) == [("v2", "1"), ("v2", "1"), ("v3", "2"), ("v3", "2")], ran
    got = CLIENT.get_alias("pyfn", "prod").body
    assert got.version_id == "1", got.to_map()
    moved = CLIENT.update_alias("pyfn", "prod", m.UpdateAliasRequest(body=m.UpdateAliasInput(version_id="2", additional_version_weight={}))).body
    assert moved.version_id == "2" and not moved.additional_version_weight, moved.to_map()
    listed = CLIENT.list_aliases("pyfn", m.ListAliasesRequest()).body
    assert [a.alias_name for a in listed.aliases] == ["prod"], listed.to_map()


@case
def alias_refusals():
    own = m.CreateAliasInput(alias_name="bad", version_id="1", additional_version_weight={"1": 0.5})
    expect_error(lambda: CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=own)), 400, "AdditionalVersionContainsMajorVersion")
    heavy = m.CreateAliasInput(alias_name="bad", version_id="1", additional_version_weight={"2": 1.5})
    expect_error(lambda: CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=heavy)), 400, "InvalidArgument")
    latest = m.CreateAliasInput(alias_name="bad", version_id="LATEST")
    expect_error(lambda: CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=latest)), 400, "InvalidArgument")
    missing = m.CreateAliasInput(alias_name="bad", version_id="9")
    expect_error(lambda: CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=missing)), 404, "VersionNotFound")
    again = m.CreateAliasInput(alias_name="prod", version_id="1")
    expect_error(lambda: CLIENT.create_alias("pyfn", m.CreateAliasRequest(body=again)), 409, "AliasAlreadyExists")
    expect_error(lambda: invoke("pyfn", qualifier="staging"), 404, "AliasNotFound")
    expect_error(lambda: CLIENT.delete_function_version("pyfn", "2"), 409, "VersionInUse")


TRIGGER_URL = []


@case
def http_trigger_listens_and_updates():
    config = json.dumps({"authType": "anonymous", "methods": ["GET", "POST"]})
    body = m.CreateTriggerInput(trigger_name="web", trigger_type="http", trigger_config=config, qualifier="prod")
    trigger = CLIENT.create_trigger("pyfn", m.CreateTriggerRequest(body=body)).body
    url = trigger.http_trigger.url_internet
    TRIGGER_URL.append(url)
    assert trigger.trigger_type == "http" and json.loads(trigger.trigger_config)["authType"] == "anonymous", trigger.to_map()
    with OPENER.open(f"{url}/page?q=1") as response:
        page = json.loads(response.read())
    assert page["version"] == "v3" and page["path"] == "/page?q=1", page
    got = CLIENT.get_trigger("pyfn", "web").body
    assert got.trigger_id == trigger.trigger_id and got.qualifier == "prod", got.to_map()
    update = m.UpdateTriggerInput(trigger_config=json.dumps({"authType": "anonymous", "methods": ["POST"]}))
    updated = CLIENT.update_trigger("pyfn", "web", m.UpdateTriggerRequest(body=update)).body
    assert updated.http_trigger.url_internet == url, updated.to_map()
    try:
        OPENER.open(f"{url}/page")
        raise AssertionError("GET is no longer accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


@case
def timer_and_stored_triggers():
    timer = m.CreateTriggerInput(
        trigger_name="tick",
        trigger_type="timer",
        trigger_config=json.dumps({"cronExpression": "@every 1h", "enable": True, "payload": "tick"}),
    )
    CLIENT.create_trigger("pyfn", m.CreateTriggerRequest(body=timer))
    oss = m.CreateTriggerInput(
        trigger_name="uploads",
        trigger_type="oss",
        trigger_config=json.dumps({"events": ["oss:ObjectCreated:*"]}),
        source_arn="acs:oss:cn-hangzhou:1:bucket",
    )
    CLIENT.create_trigger("pyfn", m.CreateTriggerRequest(body=oss))
    listed = CLIENT.list_triggers("pyfn", m.ListTriggersRequest(limit=2)).body
    assert [t.trigger_name for t in listed.triggers] == ["tick", "uploads"], listed.to_map()
    rest = CLIENT.list_triggers("pyfn", m.ListTriggersRequest(limit=2, next_token=listed.next_token)).body
    assert [t.trigger_name for t in rest.triggers] == ["web"], rest.to_map()
    bad = m.CreateTriggerInput(trigger_name="bad", trigger_type="timer", trigger_config=json.dumps({"cronExpression": "often"}))
    expect_error(lambda: CLIENT.create_trigger("pyfn", m.CreateTriggerRequest(body=bad)), 400, "InvalidArgument")
    expect_error(lambda: CLIENT.create_trigger("pyfn", m.CreateTriggerRequest(body=oss)), 409, "TriggerAlreadyExists")
    expect_error(lambda: CLIENT.get_trigger("pyfn", "nope"), 404, "TriggerNotFound")


@case
def async_config_sends_records_to_a_function_destination():
    sink = m.CreateFunctionInput(function_name="sink", runtime="custom.debian10", handler="index.handler", code=code(package("sink")))
    CLIENT.create_function(m.CreateFunctionRequest(body=sink))
    destination = m.DestinationConfig(on_failure=m.Destination(destination="acs:fc:cn-hangzhou::functions/sink"))
    body = m.PutAsyncInvokeConfigInput(max_async_retry_attempts=0, max_async_event_age_in_seconds=600, destination_config=destination)
    put = CLIENT.put_async_invoke_config("pyfn", m.PutAsyncInvokeConfigRequest(body=body)).body
    assert put.max_async_retry_attempts == 0 and put.destination_config.on_failure.destination.endswith("functions/sink"), put.to_map()
    got = CLIENT.get_async_invoke_config("pyfn", m.GetAsyncInvokeConfigRequest()).body
    assert got.max_async_event_age_in_seconds == 600, got.to_map()
    response, _ = invoke("pyfn", b"fail", invocation_type="Async")
    assert response.status_code == 202, response.status_code
    for _ in range(500):
        tasks = CLIENT.list_async_tasks("sink", m.ListAsyncTasksRequest(include_payload=True)).body.tasks or []
        done = [t for t in tasks if t.status == "Succeeded"]
        if done:
            record = json.loads(done[0].task_payload)
            assert record["requestContext"]["functionArn"].endswith("functions/pyfn"), record
            assert record["requestPayload"] == "fail" and "PythonError" in record["responsePayload"], record
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the sink never received the failure's record")
    listed = CLIENT.list_async_invoke_configs(m.ListAsyncInvokeConfigsRequest(function_name="pyfn")).body
    assert len(listed.configs) == 1, listed.to_map()
    bad = m.PutAsyncInvokeConfigInput(max_async_retry_attempts=9)
    expect_error(lambda: CLIENT.put_async_invoke_config("pyfn", m.PutAsyncInvokeConfigRequest(body=bad)), 400, "InvalidArgument")
    CLIENT.delete_async_invoke_config("pyfn", m.DeleteAsyncInvokeConfigRequest())
    expect_error(lambda: CLIENT.get_async_invoke_config("pyfn", m.GetAsyncInvokeConfigRequest()), 404, "AsyncConfigNotExists")


@case
def concurrency_config():
    put = CLIENT.put_concurrency_config("pyfn", m.PutConcurrencyConfigRequest(body=m.PutConcurrencyInput(reserved_concurrency=0))).body
    assert put.reserved_concurrency == 0 and put.function_arn.endswith("functions/pyfn"), put.to_map()
    try:
        invoke("pyfn", b"x")
        raise AssertionError("a function with no concurrency ran")
    except ClientException as e:
        assert e.status_code == 429, e
    assert CLIENT.get_concurrency_config("pyfn").body.reserved_concurrency == 0
    CLIENT.delete_concurrency_config("pyfn")
    assert answer("pyfn")["version"] == "v3"


@case
def bad_code_is_refused():
    escaping = io.BytesIO()
    with zipfile.ZipFile(escaping, "w") as z:
        z.writestr("../../escape.txt", "x")
    body = m.CreateFunctionInput(function_name="evil", runtime="custom", handler="h", code=m.InputCodeLocation(zip_file=base64.b64encode(escaping.getvalue()).decode()))
    e = expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=body)), 400, "InvalidArgument")
    assert "outside the code directory" in e.message, e.message
    expect_error(lambda: CLIENT.get_function("evil", m.GetFunctionRequest()), 404, "FunctionNotFound")
    wrong = m.CreateFunctionInput(function_name="evil", runtime="custom", handler="h", code=m.InputCodeLocation(zip_file=base64.b64encode(V1).decode(), checksum="1"))
    expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=wrong)), 400, "InvalidArgument")
    huge = bytes(100 * 1024 * 1024 + 1)
    big = m.CreateFunctionInput(function_name="big", runtime="custom", handler="h", code=m.InputCodeLocation(zip_file=base64.b64encode(huge).decode()))
    expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=big)), 400, "EntityTooLarge")
    name = m.CreateFunctionInput(function_name="9lives", runtime="custom", handler="h", code=code(V1))
    expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=name)), 400, "InvalidArgument")
    runtime = m.CreateFunctionInput(function_name="rt", runtime="cobol", handler="h", code=code(V1))
    expect_error(lambda: CLIENT.create_function(m.CreateFunctionRequest(body=runtime)), 400, "InvalidArgument")
    nobootstrap = m.CreateFunctionInput(function_name="nobootstrap", runtime="custom.debian10", handler="h", code=code(package("x", bootstrap=False)))
    CLIENT.create_function(m.CreateFunctionRequest(body=nobootstrap))
    expect_error(lambda: invoke("nobootstrap"), 412, "CAFileNotFound")
    CLIENT.delete_function("nobootstrap")


@case
def delete_everything():
    expect_error(lambda: CLIENT.delete_function("pyfn"), 409, "FunctionNotEmpty")
    for trigger in ("web", "tick", "uploads"):
        CLIENT.delete_trigger("pyfn", trigger)
    try:
        OPENER.open(f"{TRIGGER_URL[0]}/page", timeout=2)
        raise AssertionError("a deleted trigger still answers")
    except (urllib.error.URLError, ConnectionError):
        pass
    CLIENT.delete_alias("pyfn", "prod")
    CLIENT.delete_function_version("pyfn", "1")
    CLIENT.delete_function("pyfn")
    CLIENT.delete_function("sink")
    expect_error(lambda: CLIENT.get_function("pyfn", m.GetFunctionRequest()), 404, "FunctionNotFound")


failed = [(n, e) for n, e in results if e]
for name, error in results:
    print(f"{'ok  ' if not error else 'FAIL'} {name}{'' if not error else ': ' + error}")
print(f"sdk manage conformance: {len(results) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
