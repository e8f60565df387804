import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileTestToken,
  readNormalizedSource,
  sha256Hex,
  TEST_TOKEN_ARTIFACT_PATH,
  TEST_TOKEN_SOURCE_PATH,
  type ContractArtifact,
} from '../../../resources/devnet/build-contracts.ts';

const artifact = JSON.parse(readFileSync(TEST_TOKEN_ARTIFACT_PATH, 'utf8')) as ContractArtifact;

describe('TestToken artifact', () => {
  it('was built from the current TestToken.sol (run `npm run contracts:build` after editing it)', () => {
    expect(artifact.sourceSha256).toBe(sha256Hex(readNormalizedSource(TEST_TOKEN_SOURCE_PATH)));
  });

  it('has the ERC-20 surface, the open mint and both events', () => {
    const names = new Set(artifact.abi.map((item) => (item as { name?: string }).name));
    for (const name of [
      'name', 'symbol', 'decimals', 'totalSupply', 'balanceOf', 'transfer', 'transferFrom',
      'approve', 'allowance', 'mint', 'transferMany', 'Transfer', 'Approval',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(artifact.contractName).toBe('TestToken');
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]{200,}$/);
    expect(artifact.solcVersion).toMatch(/^0\.8\.\d+/);
  });

  it('is reproducible: compiling the source again gives the same bytecode', () => {
    const fresh = compileTestToken();
    expect(fresh.bytecode).toBe(artifact.bytecode);
    expect(fresh.abi).toEqual(artifact.abi);
  });
});
