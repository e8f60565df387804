// Every operation in the node's OpenAPI document, fuzzed with fast-check (a few cases each, so a
// regression shows in `npm test`; `npm run test:faults -- --only fuzz-api` runs hundreds): never a
// 5xx, every 4xx in the error envelope, every 2xx as documented, nothing persisted from a 4xx.
// KASSA_FUZZ_SEED replays a run; KASSA_FUZZ_RUNS sets the cases per operation.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestNode } from '../../helpers/node.ts';
import { type FuzzTarget, fuzzOperations, startFuzzNode } from '../../faults/scenarios/fuzz-api.ts';

let node: TestNode;
let target: FuzzTarget;

beforeAll(async () => {
  ({ node, target } = await startFuzzNode());
});
afterAll(async () => {
  await node?.stop();
});

it('no operation answers 5xx, a malformed 4xx, an undocumented 2xx, or persists a rejected request', async () => {
  const seed = Number(process.env.KASSA_FUZZ_SEED ?? Date.now() % 2 ** 31);
  const runsPerOperation = Number(process.env.KASSA_FUZZ_RUNS ?? 20);
  const report = await fuzzOperations(target, { runsPerOperation, seed });
  expect(report.operations.length, 'operations in the OpenAPI document').toBeGreaterThan(10);
  expect(report.requests).toBeGreaterThan(report.operations.length * runsPerOperation * 0.9);
  // Valid-ish requests succeed too, or the fuzzer would only ever test the validators.
  expect(Object.keys(report.succeeded).length, JSON.stringify(report.succeeded)).toBeGreaterThan(5);
  // The row-count snapshot sees the node's own writes, so "nothing grew on a 4xx" is not blind.
  expect(report.writesSeen).toBeGreaterThan(0);
  expect(report.failures, `seed ${seed} (KASSA_FUZZ_SEED=${seed} replays it)`).toEqual([]);
}, 300_000);
