// The shop's webhook endpoint for the detection benchmark, in its own process: answers 200 at
// once, and reports each payment_intent.paid (intent id, arrival time on the shared wall clock)
// to the parent over IPC.
import { createServer } from 'node:http';

const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = now();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; data?: { object?: { id?: string } } };
      if (event.type === 'payment_intent.paid') process.send!({ type: 'paid', id: event.data?.object?.id, at });
    } catch {
      // not an event: ignore
    }
  });
});
server.keepAliveTimeout = 60_000;
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send!({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});
