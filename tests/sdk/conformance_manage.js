// Official FC 3.0 SDK conformance for the management API, from Node: the unchanged `@alicloud/fc20230330` SDK
// (4.7.6) calls every one of the 26 management operations against a running `local_fc` example, deploying the
// Python custom runtime whose zips the test wrote (v1.zip, v2.zip in ZIP_DIR), invoking it, versioning, aliasing
// with a weight, triggering, configuring async invocations and concurrency, and deleting it all.
//
// Usage: NODE_PATH=target/node-sdk/node_modules node conformance_manage.js http://127.0.0.1:PORT ZIP_DIR
// Prints one line per case and a closing 'N passed, N failed' line; exits non-zero when any case fails.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Readable } = require('stream');
const FC = require('@alicloud/fc20230330');
const { $OpenApiUtil } = require('@alicloud/openapi-core');

const [endpoint, zipDir] = process.argv.slice(2);
const client = new FC.default(new $OpenApiUtil.Config({
  accessKeyId: 'testKeyId',
  accessKeySecret: 'testKeySecret',
  endpoint: endpoint.split('://')[1],
  protocol: 'http',
  regionId: 'cn-hangzhou',
}));

function crc64xz(bytes) {
  const poly = 0xC96C5795D7870F42n;
  const mask = 0xFFFFFFFFFFFFFFFFn;
  let crc = mask;
  for (const b of bytes) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = (crc & 1n) ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return ((crc ^ mask) & mask).toString();
}

const zips = { v1: fs.readFileSync(path.join(zipDir, 'v1.zip')), v2: fs.readFileSync(path.join(zipDir, 'v2.zip')) };
const code = (zip) => new FC.InputCodeLocation({ zipFile: zip.toString('base64'), checksum: crc64xz(zip) });

function assert(ok, message) {
  if (!ok) throw new Error(message);
}

async function invoke(name, body, qualifier) {
  const request = new FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(body || 'x')]), qualifier });
  const response = await client.invokeFunction(name, request);
  const chunks = [];
  for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
  return { response, body: Buffer.concat(chunks).toString() };
}

async function expectError(call, status, code) {
  try {
    await call();
  } catch (e) {
    assert(e.statusCode === status, `status ${e.statusCode} != ${status}: ${e.message}`);
    assert(e.code === code, `code ${e.code} != ${code}: ${e.message}`);
    return e;
  }
  throw new Error(`no error raised (expected ${code})`);
}

function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    }).on('error', reject);
  });
}

const cases = [];
const test = (name, fn) => cases.push([name, fn]);

test('create_get_invoke', async () => {
  const body = new FC.CreateFunctionInput({
    functionName: 'nodefn', runtime: 'custom.debian11', handler: 'index.handler', code: code(zips.v1), timeout: 30,
  });
  const created = (await client.createFunction(new FC.CreateFunctionRequest({ body }))).body;
  assert(created.codeChecksum === crc64xz(zips.v1), `checksum ${created.codeChecksum}`);
  assert(created.state === 'Active' && created.lastUpdateStatus === 'Successful', JSON.stringify(created));
  await expectError(() => client.createFunction(new FC.CreateFunctionRequest({ body })), 409, 'FunctionAlreadyExists');
  const got = (await client.getFunction('nodefn', new FC.GetFunctionRequest({}))).body;
  assert(got.timeout === 30 && got.runtime === 'custom.debian11', JSON.stringify(got));
  const { body: out } = await invoke('nodefn', 'hi');
  assert(JSON.parse(out).version === 'v1', out);
});

test('update_code_list', async () => {
  const body = new FC.UpdateFunctionInput({ code: code(zips.v2) });
  const updated = (await client.updateFunction('nodefn', new FC.UpdateFunctionRequest({ body }))).body;
  assert(updated.codeChecksum === crc64xz(zips.v2), JSON.stringify(updated));
  assert(JSON.parse((await invoke('nodefn')).body).version === 'v2', 'v2 after the update');
  const fcode = (await client.getFunctionCode('nodefn', new FC.GetFunctionCodeRequest({}))).body;
  assert(fcode.checksum === crc64xz(zips.v2), JSON.stringify(fcode));
  const listed = (await client.listFunctions(new FC.ListFunctionsRequest({ prefix: 'node' }))).body;
  assert(listed.functions.map((f) => f.functionName).join() === 'nodefn', JSON.stringify(listed));
});

test('versions_and_alias', async () => {
  await client.updateFunction('nodefn', new FC.UpdateFunctionRequest({ body: new FC.UpdateFunctionInput({ code: code(zips.v1) }) }));
  const one = (await client.publishFunctionVersion('nodefn', new FC.PublishFunctionVersionRequest({}))).body;
  await client.updateFunction('nodefn', new FC.UpdateFunctionRequest({ body: new FC.UpdateFunctionInput({ code: code(zips.v2) }) }));
  const two = (await client.publishFunctionVersion('nodefn', new FC.PublishFunctionVersionRequest({
    body: new FC.PublishVersionInput({ description: 'second' }),
  }))).body;
  assert(one.versionId === '1' && two.versionId === '2' && two.description === 'second', JSON.stringify([one, two]));
  const versions = (await client.listFunctionVersions('nodefn', new FC.ListFunctionVersionsRequest({}))).body;
  assert(versions.versions.map((v) => v.versionId).join() === '2,1', JSON.stringify(versions));
  const alias = (await client.createAlias('nodefn', new FC.CreateAliasRequest({
    body: new FC.CreateAliasInput({ aliasName: 'prod', versionId: '1', additionalVersionWeight: { 2: 0.5 } }),
  }))).body;
  assert(alias.additionalVersionWeight['2'] === 0.5, JSON.stringify(alias));
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(JSON.parse((await invoke('nodefn', 'x', 'prod')).body).version);
  assert(seen.sort().join() === 'v1,v1,v2,v2', seen.join());
  const got = (await client.getAlias('nodefn', 'prod')).body;
  assert(got.versionId === '1', JSON.stringify(got));
  const moved = (await client.updateAlias('nodefn', 'prod', new FC.UpdateAliasRequest({
    body: new FC.UpdateAliasInput({ versionId: '2', additionalVersionWeight: {} }),
  }))).body;
  assert(moved.versionId === '2', JSON.stringify(moved));
  const aliases = (await client.listAliases('nodefn', new FC.ListAliasesRequest({}))).body;
  assert(aliases.aliases.length === 1, JSON.stringify(aliases));
  await expectError(() => client.createAlias('nodefn', new FC.CreateAliasRequest({
    body: new FC.CreateAliasInput({ aliasName: 'bad', versionId: '1', additionalVersionWeight: { 1: 0.1 } }),
  })), 400, 'AdditionalVersionContainsMajorVersion');
});

let triggerUrl = '';
test('triggers', async () => {
  const created = (await client.createTrigger('nodefn', new FC.CreateTriggerRequest({
    body: new FC.CreateTriggerInput({
      triggerName: 'web', triggerType: 'http', qualifier: 'prod',
      triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET'] }),
    }),
  }))).body;
  triggerUrl = created.httpTrigger.urlInternet;
  const page = await get(`${triggerUrl}/node`);
  assert(page.status === 200 && JSON.parse(page.body).version === 'v2', JSON.stringify(page));
  const got = (await client.getTrigger('nodefn', 'web')).body;
  assert(got.triggerId === created.triggerId, JSON.stringify(got));
  const updated = (await client.updateTrigger('nodefn', 'web', new FC.UpdateTriggerRequest({
    body: new FC.UpdateTriggerInput({ description: 'public page' }),
  }))).body;
  assert(updated.description === 'public page' && updated.httpTrigger.urlInternet === triggerUrl, JSON.stringify(updated));
  const listed = (await client.listTriggers('nodefn', new FC.ListTriggersRequest({}))).body;
  assert(listed.triggers.length === 1, JSON.stringify(listed));
  await expectError(() => client.getTrigger('nodefn', 'nope'), 404, 'TriggerNotFound');
});

test('async_config_and_concurrency', async () => {
  const put = (await client.putAsyncInvokeConfig('nodefn', new FC.PutAsyncInvokeConfigRequest({
    qualifier: 'prod',
    body: new FC.PutAsyncInvokeConfigInput({
      maxAsyncRetryAttempts: 2,
      destinationConfig: new FC.DestinationConfig({
        onSuccess: new FC.Destination({ destination: 'acs:mns:cn-hangzhou:1:/queues/q/messages' }),
      }),
    }),
  }))).body;
  assert(put.maxAsyncRetryAttempts === 2 && put.maxAsyncEventAgeInSeconds === 86400, JSON.stringify(put));
  const got = (await client.getAsyncInvokeConfig('nodefn', new FC.GetAsyncInvokeConfigRequest({ qualifier: 'prod' }))).body;
  assert(got.destinationConfig.onSuccess.destination.startsWith('acs:mns:'), JSON.stringify(got));
  const listed = (await client.listAsyncInvokeConfigs(new FC.ListAsyncInvokeConfigsRequest({ functionName: 'nodefn' }))).body;
  assert(listed.configs.length === 1, JSON.stringify(listed));
  await client.deleteAsyncInvokeConfig('nodefn', new FC.DeleteAsyncInvokeConfigRequest({ qualifier: 'prod' }));
  await expectError(() => client.getAsyncInvokeConfig('nodefn', new FC.GetAsyncInvokeConfigRequest({ qualifier: 'prod' })), 404, 'AsyncConfigNotExists');
  const conc = (await client.putConcurrencyConfig('nodefn', new FC.PutConcurrencyConfigRequest({
    body: new FC.PutConcurrencyInput({ reservedConcurrency: 3 }),
  }))).body;
  assert(conc.reservedConcurrency === 3, JSON.stringify(conc));
  assert((await client.getConcurrencyConfig('nodefn')).body.reservedConcurrency === 3, 'concurrency read back');
  await client.deleteConcurrencyConfig('nodefn');
});

test('delete_everything', async () => {
  await expectError(() => client.deleteFunction('nodefn'), 409, 'FunctionNotEmpty');
  await client.deleteTrigger('nodefn', 'web');
  await client.deleteAlias('nodefn', 'prod');
  await client.deleteFunctionVersion('nodefn', '1');
  await client.deleteFunction('nodefn');
  await expectError(() => client.getFunction('nodefn', new FC.GetFunctionRequest({})), 404, 'FunctionNotFound');
  let refused = false;
  try { refused = (await get(`${triggerUrl}/node`)).status === 404; } catch (e) { refused = true; }
  assert(refused, 'a deleted trigger no longer listens');
});

(async () => {
  let failed = 0;
  for (const [name, fn] of cases) {
    try {
      await fn();
      console.log(`ok   ${name}`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e.stack || e}`);
    }
  }
  console.log(`node sdk manage conformance: ${cases.length - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
