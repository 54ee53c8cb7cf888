// The official Node SDK's side of fc-bench: `@alicloud/fc2` invoking the benchmark LocalFc.
//
//   node sdk_bench.js invoke ENDPOINT CALLS CONCURRENCY EVENT_JSON
//
// Prints one JSON object: {"calls", "secs", "errors", "latencies_us"}. CONCURRENCY calls are kept in flight on
// the event loop (the SDK's own keep-alive agent), after a warm-up of CONCURRENCY * 4 calls. The SDK is loaded
// from FC_NODE_SDK (the package directory that `npm install @alicloud/fc2@2.6.6` made).
'use strict';

const FC = require(process.env.FC_NODE_SDK || '@alicloud/fc2');

async function invoke(endpoint, calls, concurrency, event) {
  const client = new FC('1234567890', {
    accessKeyID: 'testKeyId',
    accessKeySecret: 'testKeySecret',
    region: 'cn-hangzhou',
    endpoint,
    timeout: 60000,
  });
  const payload = Buffer.from(event);
  const expected = JSON.parse(event).id;
  let errors = 0;
  const latencies = [];
  const one = async (record) => {
    const started = process.hrtime.bigint();
    try {
      const answer = await client.invokeFunction('bench', 'echo', payload);
      const data = typeof answer.data === 'string' ? JSON.parse(answer.data) : answer.data;
      if (!data || data.id !== expected) errors += 1;
    } catch (e) {
      errors += 1;
    }
    if (record) latencies.push(Number((process.hrtime.bigint() - started) / 1000n));
  };
  const drive = async (total, record) => {
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next += 1;
        await one(record);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  };
  await drive(concurrency * 4, false);
  errors = 0;
  const started = process.hrtime.bigint();
  await drive(calls, true);
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ calls, secs, errors, latencies_us: latencies }));
}

const [command, endpoint, calls, concurrency, event] = process.argv.slice(2);
if (command !== 'invoke' || !endpoint || !calls || !concurrency || !event) {
  process.stderr.write('usage: node sdk_bench.js invoke ENDPOINT CALLS CONCURRENCY EVENT_JSON\n');
  process.exit(2);
}
invoke(endpoint, parseInt(calls, 10), parseInt(concurrency, 10), event).catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
