// The devnet's fixed furniture: test tokens at deterministic addresses, a funded faucet, and
// helpers to pay and mine. Works on an interval-mining devnet and on an on-demand one.
import { readFileSync } from 'node:fs';
import {
  type Address,
  type Hex,
  createPublicClient,
  createTestClient,
  encodeDeployData,
  encodeFunctionData,
  erc20Abi,
  getContractAddress,
  http,
  parseAbi,
  type PublicClient,
  type TestClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ChainLogger, silentLogger } from '../evm/chain-logger.ts';

export interface DevnetAccount {
  address: Address;
  privateKey: Hex;
}

export type DevnetTokenKey = 'USDT' | 'USDC' | 'USDT18' | 'USDC18';

export interface DevnetInfo {
  rpcUrl: string;
  chainId: number;
  faucet: DevnetAccount;
  tokens: Record<DevnetTokenKey, Address>;
}

// Anvil's well-known dev accounts (mnemonic "test test … junk"). Public knowledge, local devnet only.
/** Account 0: 10,000 ETH at genesis; pays "Simulate payment" and tests. */
export const DEVNET_FAUCET: DevnetAccount = {
  address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
};
/** Account 9: deploys only (nonces 0..3 = the four tokens), so token addresses never move. */
export const DEVNET_DEPLOYER: DevnetAccount = {
  address: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
  privateKey: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
};

export interface DevnetTokenSpec {
  key: DevnetTokenKey;
  name: string;
  symbol: string;
  decimals: number;
}

/** Deployment order = deployer nonce; never reorder, or every devnet address changes. */
export const DEVNET_TOKEN_SPECS: readonly DevnetTokenSpec[] = [
  { key: 'USDT', name: 'Tether USD (Kassa devnet)', symbol: 'USDT', decimals: 6 },
  { key: 'USDC', name: 'USD Coin (Kassa devnet)', symbol: 'USDC', decimals: 6 },
  { key: 'USDT18', name: 'Tether USD 18 (Kassa devnet, BSC-style)', symbol: 'USDT', decimals: 18 },
  { key: 'USDC18', name: 'USD Coin 18 (Kassa devnet, BSC-style)', symbol: 'USDC', decimals: 18 },
];

/** What the faucet gets per token, in whole tokens; topped up again when it drops below a tenth. */
export const DEVNET_FAUCET_TOKEN_SUPPLY = 10n ** 12n;

export const testTokenAbi = [
  ...erc20Abi,
  ...parseAbi([
    'constructor(string name_, string symbol_, uint8 decimals_)',
    'function mint(address to, uint256 value)',
    'function transferMany(address[] to, uint256[] values) returns (bool)',
  ]),
] as const;

interface TestTokenArtifact {
  bytecode: Hex;
  sourceSha256: string;
}

let cachedArtifact: TestTokenArtifact | null = null;

export function loadTestTokenArtifact(): TestTokenArtifact {
  if (cachedArtifact) return cachedArtifact;
  const url = new URL('../../../resources/devnet/TestToken.json', import.meta.url);
  let parsed: Partial<TestTokenArtifact>;
  try {
    parsed = JSON.parse(readFileSync(url, 'utf8')) as Partial<TestTokenArtifact>;
  } catch (error) {
    throw new Error(
      `cannot read the devnet token artifact ${url.pathname} (${(error as Error).message}); run \`npm run contracts:build\``,
    );
  }
  if (typeof parsed.bytecode !== 'string' || !parsed.bytecode.startsWith('0x')) {
    throw new Error(`${url.pathname} has no bytecode; run \`npm run contracts:build\``);
  }
  cachedArtifact = { bytecode: parsed.bytecode, sourceSha256: String(parsed.sourceSha256) };
  return cachedArtifact;
}

/** Token addresses are a pure function of the deployer and its nonce. */
export function expectedDevnetTokenAddresses(): Record<DevnetTokenKey, Address> {
  const entries = DEVNET_TOKEN_SPECS.map(
    (spec, nonce) => [spec.key, getContractAddress({ from: DEVNET_DEPLOYER.address, nonce: BigInt(nonce) })] as const,
  );
  return Object.fromEntries(entries) as Record<DevnetTokenKey, Address>;
}

const clients = new Map<string, PublicClient>();

function clientFor(rpcUrl: string): PublicClient {
  let client = clients.get(rpcUrl);
  if (!client) {
    // cacheTime 0: viem otherwise caches eth_blockNumber for 4 s, which hides freshly mined blocks.
    client = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }), cacheTime: 0 });
    clients.set(rpcUrl, client);
  }
  return client;
}

const testClients = new Map<string, TestClient<'anvil'>>();

function testClientFor(rpcUrl: string): TestClient<'anvil'> {
  let client = testClients.get(rpcUrl);
  if (!client) {
    client = createTestClient({ mode: 'anvil', transport: http(rpcUrl, { retryCount: 1 }) });
    testClients.set(rpcUrl, client);
  }
  return client;
}

/** Per-sender queue: each send reads the pending nonce only after the previous send is in the pool. */
const senderQueues = new Map<string, Promise<unknown>>();

function serializePerSender<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = senderQueues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  senderQueues.set(key, settled);
  void settled.then(() => {
    if (senderQueues.get(key) === settled) senderQueues.delete(key);
  });
  return run;
}

interface SendRequest {
  rpcUrl: string;
  from: DevnetAccount;
  /** Absent = contract creation. */
  to?: Address;
  data?: Hex;
  value?: bigint;
  gas?: bigint;
}

/** Signs locally and submits; returns once the node has the tx in its pool (no receipt wait). */
function sendFromDevnetAccount(request: SendRequest): Promise<Hex> {
  const key = `${request.rpcUrl}|${request.from.address.toLowerCase()}`;
  return serializePerSender(key, async () => {
    const client = clientFor(request.rpcUrl);
    const account = privateKeyToAccount(request.from.privateKey);
    const [chainId, nonce, fees] = await Promise.all([
      // Not cached: a test may start another anvil, with another chain id, on a reused port.
      client.getChainId(),
      client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
      client.estimateFeesPerGas(),
    ]);
    let gas = request.gas;
    if (gas === undefined) {
      // Estimated on the pending state so queued sends (no mining) see each other's effects;
      // a transfer that would revert fails here, with its reason, instead of silently on chain.
      const estimate = await client.estimateGas({
        account: account.address,
        to: request.to,
        data: request.data,
        value: request.value ?? 0n,
        blockTag: 'pending',
      });
      gas = (estimate * 3n) / 2n;
    }
    const serialized = await account.signTransaction({
      type: 'eip1559',
      chainId,
      nonce,
      to: request.to,
      data: request.data,
      value: request.value ?? 0n,
      gas,
      // Double the base fee: stays valid while queued on a --no-mining devnet.
      maxFeePerGas: fees.maxFeePerGas * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    return client.sendRawTransaction({ serializedTransaction: serialized });
  });
}

export interface DevnetPayRequest {
  rpcUrl: string;
  from: DevnetAccount;
  to: Address;
  /** Token contract, or null for the native coin. */
  token: Address | null;
  /** Base units. */
  amount: bigint;
}

/**
 * A real ERC-20 transfer (or native send) from `from`. Returns as soon as the node accepted the
 * transaction: on an on-demand devnet nothing is mined until devnetMine is called.
 */
export async function devnetPay(request: DevnetPayRequest): Promise<{ txid: Hex }> {
  if (request.amount < 0n) throw new RangeError('devnetPay: amount must not be negative');
  try {
    const txid =
      request.token === null
        ? await sendFromDevnetAccount({ rpcUrl: request.rpcUrl, from: request.from, to: request.to, value: request.amount })
        : await sendFromDevnetAccount({
            rpcUrl: request.rpcUrl,
            from: request.from,
            to: request.token,
            data: encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [request.to, request.amount] }),
          });
    return { txid };
  } catch (error) {
    const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    throw new Error(`devnetPay to ${request.to} failed: ${message}`, { cause: error });
  }
}

/** Several token transfers in one transaction (TestToken.transferMany): one log per recipient. */
export async function devnetPayMany(request: {
  rpcUrl: string;
  from: DevnetAccount;
  token: Address;
  payments: readonly { to: Address; amount: bigint }[];
}): Promise<{ txid: Hex }> {
  const data = encodeFunctionData({
    abi: testTokenAbi,
    functionName: 'transferMany',
    args: [request.payments.map((p) => p.to), request.payments.map((p) => p.amount)],
  });
  const txid = await sendFromDevnetAccount({ rpcUrl: request.rpcUrl, from: request.from, to: request.token, data });
  return { txid };
}

/** Mines `blocks` blocks now, including whatever is pending (works in every mining mode). */
export async function devnetMine(rpcUrl: string, blocks: number): Promise<void> {
  if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`devnetMine: blocks must be >= 1, got ${blocks}`);
  await testClientFor(rpcUrl).mine({ blocks });
}

async function waitForSuccess(client: PublicClient, txids: readonly Hex[], what: string): Promise<void> {
  for (const hash of txids) {
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50, timeout: 30_000 });
    if (receipt.status !== 'success') throw new Error(`devnet setup: ${what} transaction ${hash} reverted`);
  }
}

const deployments = new Map<string, Promise<DevnetInfo>>();

/**
 * Deploys the test tokens (once: an address that already holds code is left alone, so a devnet
 * restored from --state keeps its tokens) and keeps the faucet's token balances topped up.
 * Concurrent callers in one process share one run.
 */
export function ensureDevnetDeployed(rpcUrl: string, options: { logger?: ChainLogger } = {}): Promise<DevnetInfo> {
  const running = deployments.get(rpcUrl);
  if (running) return running;
  const run = deployDevnet(rpcUrl, options.logger ?? silentLogger).finally(() => deployments.delete(rpcUrl));
  deployments.set(rpcUrl, run);
  return run;
}

async function deployDevnet(rpcUrl: string, logger: ChainLogger): Promise<DevnetInfo> {
  const client = clientFor(rpcUrl);
  const chainId = await client.getChainId();
  const tokens = expectedDevnetTokenAddresses();
  const deployer = DEVNET_DEPLOYER.address;

  // A previous run may have queued setup transactions on an on-demand devnet: mine them first.
  const [minedNonce, pendingNonce] = await Promise.all([
    client.getTransactionCount({ address: deployer, blockTag: 'latest' }),
    client.getTransactionCount({ address: deployer, blockTag: 'pending' }),
  ]);
  if (pendingNonce > minedNonce) await devnetMine(rpcUrl, 1);

  const codes = await Promise.all(DEVNET_TOKEN_SPECS.map((spec) => client.getCode({ address: tokens[spec.key] })));
  const missing = DEVNET_TOKEN_SPECS.map((spec, nonce) => ({ spec, nonce })).filter(
    ({ nonce }) => (codes[nonce] ?? '0x') === '0x',
  );
  if (missing.length > 0) {
    const nonce = await client.getTransactionCount({ address: deployer, blockTag: 'latest' });
    if (missing[0]?.nonce !== nonce || missing.some((m, i) => m.nonce !== nonce + i)) {
      throw new Error(
        `devnet deployer ${deployer} has nonce ${nonce} but tokens ${missing.map((m) => m.spec.key).join(', ')} are missing; ` +
          'this chain was not set up by Kassa (or its state file is damaged). Start it with a fresh state.',
      );
    }
    const { bytecode } = loadTestTokenArtifact();
    const txids: Hex[] = [];
    for (const { spec } of missing) {
      const data = encodeDeployData({ abi: testTokenAbi, bytecode, args: [spec.name, spec.symbol, spec.decimals] });
      txids.push(await sendFromDevnetAccount({ rpcUrl, from: DEVNET_DEPLOYER, data, gas: 3_000_000n }));
    }
    await devnetMine(rpcUrl, 1);
    await waitForSuccess(client, txids, 'token deployment');
    logger.info({ rpcUrl, deployed: missing.map((m) => m.spec.key) }, 'devnet tokens deployed');
  }

  // Verify what sits at each address is our token with the expected decimals.
  const decimals = await Promise.all(
    DEVNET_TOKEN_SPECS.map((spec) => client.readContract({ address: tokens[spec.key], abi: testTokenAbi, functionName: 'decimals' })),
  );
  DEVNET_TOKEN_SPECS.forEach((spec, i) => {
    if (decimals[i] !== spec.decimals) {
      throw new Error(`devnet token ${spec.key} at ${tokens[spec.key]} has ${decimals[i]} decimals, expected ${spec.decimals}`);
    }
  });

  const balances = await Promise.all(
    DEVNET_TOKEN_SPECS.map((spec) =>
      client.readContract({ address: tokens[spec.key], abi: testTokenAbi, functionName: 'balanceOf', args: [DEVNET_FAUCET.address] }),
    ),
  );
  const mints: Hex[] = [];
  for (const [i, spec] of DEVNET_TOKEN_SPECS.entries()) {
    const full = DEVNET_FAUCET_TOKEN_SUPPLY * 10n ** BigInt(spec.decimals);
    if ((balances[i] ?? 0n) >= full / 10n) continue;
    const data = encodeFunctionData({ abi: testTokenAbi, functionName: 'mint', args: [DEVNET_FAUCET.address, full] });
    mints.push(await sendFromDevnetAccount({ rpcUrl, from: DEVNET_DEPLOYER, to: tokens[spec.key], data, gas: 200_000n }));
  }
  if (mints.length > 0) {
    await devnetMine(rpcUrl, 1);
    await waitForSuccess(client, mints, 'faucet mint');
    logger.info({ rpcUrl, mints: mints.length }, 'devnet faucet funded');
  }

  return { rpcUrl, chainId, faucet: { ...DEVNET_FAUCET }, tokens };
}
