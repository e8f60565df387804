// Compiles the devnet test token with solc-js and writes the artifact the devnet deploys.
// Run: `npm run contracts:build` (node resources/devnet/build-contracts.ts). The artifact is
// committed; a unit test compares its sourceSha256 with TestToken.sol so it cannot go stale.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import solc from 'solc';

export const TEST_TOKEN_SOURCE_PATH = fileURLToPath(new URL('./TestToken.sol', import.meta.url));
export const TEST_TOKEN_ARTIFACT_PATH = fileURLToPath(new URL('./TestToken.json', import.meta.url));

/** Older than anvil's default ("latest") hardfork, so the bytecode runs on any recent devnet. */
export const TEST_TOKEN_EVM_VERSION = 'cancun';

export interface ContractArtifact {
  contractName: string;
  abi: unknown[];
  /** 0x-prefixed creation bytecode. */
  bytecode: `0x${string}`;
  solcVersion: string;
  evmVersion: string;
  /** sha256 (hex) of the source with line endings normalised to \n. */
  sourceSha256: string;
}

/** Line endings normalised so a Windows checkout (autocrlf) hashes and compiles the same. */
export function readNormalizedSource(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

export function compileTestToken(): ContractArtifact {
  const source = readNormalizedSource(TEST_TOKEN_SOURCE_PATH);
  const input = {
    language: 'Solidity',
    sources: { 'TestToken.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: TEST_TOKEN_EVM_VERSION,
      outputSelection: { 'TestToken.sol': { TestToken: ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`TestToken.sol does not compile:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const contract = output.contracts?.['TestToken.sol']?.['TestToken'];
  if (!contract || contract.evm.bytecode.object.length === 0) {
    throw new Error('solc produced no bytecode for TestToken');
  }
  return {
    contractName: 'TestToken',
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    solcVersion: solc.version() as string,
    evmVersion: TEST_TOKEN_EVM_VERSION,
    sourceSha256: sha256Hex(source),
  };
}

function main(): void {
  const started = performance.now();
  const artifact = compileTestToken();
  writeFileSync(TEST_TOKEN_ARTIFACT_PATH, `${JSON.stringify(artifact, null, 2)}\n`);
  const ms = Math.round(performance.now() - started);
  console.log(
    `wrote ${TEST_TOKEN_ARTIFACT_PATH} (solc ${artifact.solcVersion}, ${(artifact.bytecode.length - 2) / 2} bytes, ${ms} ms)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
