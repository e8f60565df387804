// Every fault scenario, in the order the runner plays them. One line per scenario.
import type { Scenario } from '../scenario.ts';
import { fuzzApi } from './fuzz-api.ts';
import { killStorm } from './kill-storm.ts';
import { reorgs } from './reorgs.ts';
import { rpcFaults } from './rpc-faults.ts';
import { storageFaults } from './storage-faults.ts';

export const scenarios: readonly Scenario[] = [
  killStorm,
  rpcFaults,
  reorgs,
  fuzzApi,
  storageFaults,
];
