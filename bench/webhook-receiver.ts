// The shop's webhook endpoint for the webhooks benchmark, in its own process so that neither
// sender shares an event loop with it. Reads each body, answers 200 "ok", and counts. Over IPC the
// parent arms it with a number of requests to expect; it reports once that many have arrived,
// with what they carried, so both senders can be shown to send the same requests.
import { createServer } from 'node:http';

let expected = 0;
let count = 0;
let bodyBytes = 0;
let notPost = 0;
let headerNames = '';

const server = createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk: Buffer) => (size += chunk.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    count++;
    bodyBytes += size;
    if (req.method !== 'POST') notPost++;
    if (count === expected) {
      headerNames = Object.keys(req.headers).sort().join(',');
      process.send!({ type: 'reached', count, bodyBytes, notPost, headerNames });
    }
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (msg: { type: 'arm'; expect: number }) => {
  if (msg.type !== 'arm') return;
  expected = msg.expect;
  count = 0;
  bodyBytes = 0;
  notPost = 0;
  process.send!({ type: 'armed' });
});
// The bench is gone (finished or crashed): do not outlive it.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send!({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});
