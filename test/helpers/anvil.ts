// A real devnet for tests: anvil on a free loopback port with the test tokens deployed.
import { type AnvilHandle, startAnvil } from '../../src-server/chains/devnet/anvil.ts';
import { type DevnetInfo, ensureDevnetDeployed } from '../../src-server/chains/devnet/devnet.ts';

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
