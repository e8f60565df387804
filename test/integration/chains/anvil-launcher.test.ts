// The anvil launcher: free ports, clear errors, interval mining, state across restarts, clean stop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPublicClient, http } from 'viem';
import { AnvilStartError, resolveAnvilBinary, startAnvil } from '../../../src-server/chains/devnet/anvil.ts';
import { DEVNET_FAUCET, devnetMine, devnetPay, ensureDevnetDeployed, testTokenAbi } from '../../../src-server/chains/devnet/devnet.ts';
import { startTestDevnet } from '../../helpers/anvil.ts';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const headOf = (rpcUrl: string): Promise<bigint> => createPublicClient({ transport: http(rpcUrl), cacheTime: 0 }).getBlockNumber();

describe('startAnvil', () => {
  it('finds the native binary from @foundry-rs/anvil', () => {
    expect(resolveAnvilBinary()).toMatch(/@foundry-rs[\\/]anvil-[a-z0-9]+-[a-z0-9]+[\\/]bin[\\/]anvil(\.exe)?$/);
  });

  it('binds 127.0.0.1 on a free port, answers eth_chainId, and stop() ends the process', async () => {
    const anvil = await startAnvil({ blockTime: 0, chainId: 1337 });
    try {
      expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await createPublicClient({ transport: http(anvil.rpcUrl) }).getChainId()).toBe(1337);
      expect(isRunning(anvil.pid)).toBe(true);
    } finally {
      await anvil.stop();
    }
    expect(isRunning(anvil.pid)).toBe(false);
    await anvil.stop(); // idempotent
  });

  it('says so when the port is taken', async () => {
    const first = await startAnvil({ blockTime: 0 });
    try {
      const error = await startAnvil({ blockTime: 0, port: first.port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnvilStartError);
      expect((error as AnvilStartError).code).toBe('port_in_use');
      expect((error as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${first.port}.*already in use`));
    } finally {
      await first.stop();
    }
  });

  it('says so when the binary is missing or not executable', async () => {
    const missing = await startAnvil({ blockTime: 0, binaryPath: '/nonexistent/anvil' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(AnvilStartError);
    expect((missing as AnvilStartError).code).toBe('anvil_not_found');

    const dir = mkdtempSync(join(tmpdir(), 'kassa-anvil-bin-'));
    tempDirs.push(dir);
    const notExecutable = join(dir, 'anvil');
    writeFileSync(notExecutable, '', { mode: 0o644 });
    const refused = await startAnvil({ blockTime: 0, binaryPath: notExecutable }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AnvilStartError);
    expect((refused as AnvilStartError).code).toBe('anvil_not_found');
    expect((refused as Error).message).toMatch(/cannot execute anvil/);
  });

  it('mines on an interval with blockTime > 0', async () => {
    const anvil = await startAnvil({ blockTime: 1 });
    try {
      const start = await headOf(anvil.rpcUrl);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(await headOf(anvil.rpcUrl)).toBeGreaterThanOrEqual(start + 2n);
    } finally {
      await anvil.stop();
    }
  });

  it('does not mine without demand when blockTime is 0', async () => {
    const anvil = await startAnvil({ blockTime: 0 });
    try {
      await devnetPay({ rpcUrl: anvil.rpcUrl, from: DEVNET_FAUCET, to: '0x0000000000000000000000000000000000000001', token: null, amount: 1n });
      await new Promise((r) => setTimeout(r, 1_200));
      expect(await headOf(anvil.rpcUrl)).toBe(0n);
      await devnetMine(anvil.rpcUrl, 1);
      expect(await headOf(anvil.rpcUrl)).toBe(1n);
    } finally {
      await anvil.stop();
    }
  });
});

describe('devnet state across restarts (--state)', () => {
  it('keeps blocks, tokens and balances; the second setup deploys nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kassa-anvil-state-'));
    tempDirs.push(dir);
    const statePath = join(dir, 'devnet-state.json');
    const recipient = '0x00000000000000000000000000000000005e7a7e';

    const first = await startTestDevnet({ blockTime: 0, statePath });
    let headBefore: bigint;
    try {
      await devnetPay({ rpcUrl: first.rpcUrl, from: first.info.faucet, to: recipient, token: first.info.tokens.USDT, amount: 7_000_000n });
      await devnetMine(first.rpcUrl, 1);
      headBefore = await headOf(first.rpcUrl);
    } finally {
      await first.stop(); // SIGTERM: anvil writes the state file on the way out
    }

    const second = await startAnvil({ blockTime: 0, statePath });
    try {
      const client = createPublicClient({ transport: http(second.rpcUrl), cacheTime: 0 });
      expect(await client.getBlockNumber()).toBe(headBefore);
      const info = await ensureDevnetDeployed(second.rpcUrl);
      expect(info.tokens).toEqual(first.info.tokens);
      expect(await client.getBlockNumber()).toBe(headBefore); // nothing deployed or minted
      expect(
        await client.readContract({ address: info.tokens.USDT, abi: testTokenAbi, functionName: 'balanceOf', args: [recipient] }),
      ).toBe(7_000_000n);
      // Old blocks and their logs survive too, so a watcher can rescan after a restart.
      const logs = await client.getLogs({ address: info.tokens.USDT, fromBlock: 0n, toBlock: headBefore });
      expect(logs.length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.stop();
    }
  });
});
