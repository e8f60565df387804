// A real devnet for tests: anvil on a free loopback port with the test tokens deployed.
import { type AnvilHandle, startAnvil } from '../../src-server/chains/devnet/anvil.ts';
import { encodeFunctionData } from 'viem';
import { type DevnetInfo, devnetMine, ensureDevnetDeployed, testTokenAbi } from '../../src-server/chains/devnet/devnet.ts';
import { rpcCall } from './devnet-control.ts';

export interface TestDevnet {
  rpcUrl: string;
  pid: number;
  info: DevnetInfo;
  anvil: AnvilHandle;
  stop(): Promise<void>;
}

/**
 * blockTime 0 (default) = nothing is mined until the test calls devnetMine, which keeps tests
 * deterministic; a positive value mines every blockTime seconds, as test mode does.
 */
export async function startTestDevnet(options: { blockTime?: number; statePath?: string; chainId?: number } = {}): Promise<TestDevnet> {
  const anvil = await startAnvil({
    blockTime: options.blockTime ?? 0,
    statePath: options.statePath,
    chainId: options.chainId,
  });
  try {
    const info = await ensureDevnetDeployed(anvil.rpcUrl);
    return { rpcUrl: anvil.rpcUrl, pid: anvil.pid, info, anvil, stop: anvil.stop };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Ethereum mainnet's USDT contract address. */
export const MAINNET_USDT = '0xdAC17F958D2ee523a2206206994597C13D831ec7' as const;

/**
 * An anvil that calls itself Ethereum mainnet (chain id 1) with our test token's code placed at
 * the real USDT address and the faucet funded there: the live code path, without the internet.
 */
export async function startMainnetLikeChain(): Promise<TestDevnet> {
  const chain = await startTestDevnet({ blockTime: 0, chainId: 1 });
  const code = await rpcCall(chain.rpcUrl, 'eth_getCode', [chain.info.tokens.USDT, 'latest']);
  await rpcCall(chain.rpcUrl, 'anvil_setCode', [MAINNET_USDT, code]);
  // anvil signs for its unlocked dev accounts
  const mint = encodeFunctionData({ abi: testTokenAbi, functionName: 'mint', args: [chain.info.faucet.address, 10n ** 12n] });
  await rpcCall(chain.rpcUrl, 'eth_sendTransaction', [{ from: chain.info.faucet.address, to: MAINNET_USDT, data: mint }]);
  await devnetMine(chain.rpcUrl, 1);
  return chain;
}
