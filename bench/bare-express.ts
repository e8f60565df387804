// The baseline: a bare express app that parses JSON and answers 201 (and a health check), nothing else.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/api/v1/payment-intents', (req, res) => {
  res.status(201).json({ data: { object: 'payment_intent', ...req.body } });
});
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
const server = app.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
