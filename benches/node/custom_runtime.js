// The Node.js peer of `fc-function`: a minimal FC custom runtime (`POST /invoke` echoes the event, with the
// invocation markers), started and called the same way for the cold-start comparison.
'use strict';
const http = require('http');

const port = Number(process.env.FC_CUSTOM_LISTEN_PORT || process.env.FC_SERVER_PORT || 9000);
const host = process.env.RUST_FC_LISTEN_HOST || '0.0.0.0';

http.createServer((req, res) => {
  const id = req.headers['x-fc-request-id'] || '';
  if (req.method !== 'POST' || req.url !== '/invoke') {
    res.writeHead(404, { 'x-fc-status': '404' });
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    console.log(`FC Invoke Start RequestId: ${id}`);
    const body = Buffer.concat(chunks);
    console.log(`FC Invoke End RequestId: ${id}`);
    res.writeHead(200, { 'x-fc-status': '200', 'content-type': 'application/octet-stream' });
    res.end(body);
  });
}).listen(port, host);
