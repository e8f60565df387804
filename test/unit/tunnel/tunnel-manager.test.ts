// The tunnel manager's state machine and backoff, driven by fake providers.
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTunnelManager, reconnectDelay, type TunnelManager } from '../../../src-server/tunnel/tunnel-manager.ts';
import { TunnelError, type ProviderConnectContext, type TunnelProvider, type TunnelProviderName, type TunnelState } from '../../../src-server/tunnel/types.ts';

const logger = pino({ level: 'silent' });

/** A provider whose attempts follow a script: 'ok', 'fail' (retryable), 'fatal', or 'hang'. */
function scriptedProvider(script: ('ok' | 'fail' | 'fatal' | 'hang')[]) {
  const contexts: ProviderConnectContext[] = [];
  const closed: string[] = [];
  let n = 0;
  const provider: TunnelProvider = {
    name: 'localtunnel',
    async connect(ctx) {
      contexts.push(ctx);
      const step = script[Math.min(n, script.length - 1)]!;
      n += 1;
      const url = `https://t${n}.example.test`;
      if (step === 'fail') throw new TunnelError('server_unreachable', `attempt ${n} refused`, { retryable: true });
      if (step === 'fatal') throw new TunnelError('binary_missing', 'no such binary', { retryable: false });
      if (step === 'hang') await new Promise(() => {});
      return { url, close: async () => void closed.push(url) };
    },
  };
  return { provider, contexts, closed, calls: () => n };
}

function managerWith(provider: TunnelProvider, opts: { initialDelayMs?: number; maxDelayMs?: number; connectTimeoutMs?: number } = {}): TunnelManager {
  const providers = Object.fromEntries((['localtunnel', 'ngrok', 'cloudflared', 'custom'] as TunnelProviderName[]).map((p) => [p, provider])) as Record<TunnelProviderName, TunnelProvider>;
  return createTunnelManager({
    providers,
    target: () => ({ host: '127.0.0.1', port: 8421 }),
    logger,
    reconnect: { initialDelayMs: opts.initialDelayMs ?? 10, maxDelayMs: opts.maxDelayMs ?? 40, jitter: 0 },
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    random: () => 0,
  });
}

function recorder(manager: TunnelManager) {
  const states: TunnelState[] = [];
  manager.onChange((s) => states.push(s));
  return states;
}

const until = (m: TunnelManager, status: TunnelState['status'], ms = 5000) => m.waitFor((s) => s.status === status, ms);

let manager: TunnelManager | null = null;
afterEach(async () => {
  vi.useRealTimers();
  await manager?.stop();
  manager = null;
});

describe('reconnectDelay', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 };
  it.each([
    [1, 0, 1000],
    [2, 0, 2000],
    [3, 0, 4000],
    [6, 0, 32_000],
    [7, 0, 60_000],
    [50, 0, 60_000],
    [1, 1, 500],
    [7, 1, 30_000],
    [3, 0.5, 3000],
  ])('attempt %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(reconnectDelay(attempt, policy, () => random)).toBe(expected);
  });
  it('never goes below (1 - jitter) of the base nor above it', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const base = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      for (const r of [0, 0.25, 0.999]) {
        const d = reconnectDelay(attempt, policy, () => r);
        expect(d).toBeLessThanOrEqual(base);
        expect(d).toBeGreaterThanOrEqual(base / 2);
      }
    }
  });
});

describe('tunnel manager', () => {
  it('goes stopped → starting → connected and reports the URL; stop closes the tunnel', async () => {
    const p = scriptedProvider(['ok']);
    manager = managerWith(p.provider);
    const states = recorder(manager);
    expect(manager.state()).toMatchObject({ status: 'stopped', provider: null, url: null });
    await manager.start({ provider: 'localtunnel', options: { host: 'http://127.0.0.1:1' } });
    const connected = await until(manager, 'connected');
    expect(connected).toMatchObject({ provider: 'localtunnel', url: 'https://t1.example.test', attempts: 0, last_error: null });
    expect(states.map((s) => s.status)).toEqual(['starting', 'connected']);
    expect(p.contexts[0]!.target).toEqual({ host: '127.0.0.1', port: 8421 });
    expect(p.contexts[0]!.options).toEqual({ host: 'http://127.0.0.1:1' });
    await manager.stop();
    expect(manager.state()).toMatchObject({ status: 'stopped', url: null });
    expect(p.closed).toEqual(['https://t1.example.test']);
  });

  it('retries failed connects with doubling delays up to the cap, then connects and resets the count', async () => {
    const p = scriptedProvider(['fail', 'fail', 'fail', 'fail', 'ok']);
    manager = managerWith(p.provider, { initialDelayMs: 10, maxDelayMs: 40 });
    const states = recorder(manager);
    await manager.start({ provider: 'localtunnel', options: {} });
    const connected = await until(manager, 'connected');
    expect(connected).toMatchObject({ url: 'https://t5.example.test', attempts: 0, last_error: 'attempt 4 refused' });
    const retries = states.filter((s) => s.status === 'reconnecting');
    expect(retries.map((s) => s.attempts)).toEqual([1, 2, 3, 4]);
    expect(retries.map((s) => s.last_error)).toEqual(['attempt 1 refused', 'attempt 2 refused', 'attempt 3 refused', 'attempt 4 refused']);
    // next_retry_at is written as "now + delay": 10, 20, 40, then capped at 40.
    const delays = retries.map((s) => Date.parse(s.next_retry_at!) - Date.parse(s.last_error_at!));
    expect(delays).toEqual([10, 20, 40, 40]);
    expect(p.calls()).toBe(5);
  });

  it('a fatal error stops in `error` and does not retry', async () => {
    vi.useFakeTimers();
    const p = scriptedProvider(['fatal']);
    manager = managerWith(p.provider);
    await manager.start({ provider: 'cloudflared', options: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.state()).toMatchObject({ status: 'error', provider: 'cloudflared', last_error: 'no such binary', next_retry_at: null, url: null });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(p.calls()).toBe(1);
  });

  it('a dropped tunnel is closed, reported as reconnecting, and reconnected', async () => {
    const p = scriptedProvider(['ok', 'fail', 'ok']);
    manager = managerWith(p.provider);
    await manager.start({ provider: 'localtunnel', options: {} });
    await until(manager, 'connected');
    const states = recorder(manager);
    p.contexts[0]!.onDown(new Error('socket closed'));
    p.contexts[0]!.onDown(new Error('socket closed again')); // the same drop, reported twice
    const back = await until(manager, 'connected');
    expect(back).toMatchObject({ url: 'https://t3.example.test', attempts: 0 });
    expect(states.map((s) => [s.status, s.attempts])).toEqual([['reconnecting', 1], ['reconnecting', 2], ['connected', 0]]);
    expect(states[0]!.last_error).toBe('socket closed');
    expect(p.closed).toEqual(['https://t1.example.test']);
    expect(p.calls()).toBe(3);
  });

  it('a connect that takes too long is abandoned and retried', async () => {
    const p = scriptedProvider(['hang', 'ok']);
    manager = managerWith(p.provider, { connectTimeoutMs: 50 });
    await manager.start({ provider: 'ngrok', options: {} });
    const retrying = await until(manager, 'reconnecting');
    expect(retrying!.last_error).toMatch(/ngrok: no tunnel after/);
    expect(p.contexts[0]!.signal.aborted).toBe(true);
    await until(manager, 'connected');
  });

  it('stop while waiting to retry cancels the retry', async () => {
    vi.useFakeTimers();
    const p = scriptedProvider(['fail', 'ok']);
    manager = managerWith(p.provider, { initialDelayMs: 1000 });
    await manager.start({ provider: 'localtunnel', options: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.state().status).toBe('reconnecting');
    await manager.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.calls()).toBe(1);
    expect(manager.state()).toMatchObject({ status: 'stopped', next_retry_at: null });
  });

  it('a tunnel that connects after stop is closed at once, and a drop of an old tunnel is ignored', async () => {
    let release!: () => void;
    const closed: string[] = [];
    const contexts: ProviderConnectContext[] = [];
    const slow: TunnelProvider = {
      name: 'localtunnel',
      async connect(ctx) {
        contexts.push(ctx);
        if (contexts.length === 1) await new Promise<void>((r) => (release = r));
        const url = `https://slow${contexts.length}.example.test`;
        return { url, close: async () => void closed.push(url) };
      },
    };
    manager = managerWith(slow);
    await manager.start({ provider: 'localtunnel', options: {} });
    await manager.stop();
    release();
    await vi.waitFor(() => expect(closed).toEqual(['https://slow1.example.test']));
    expect(manager.state().status).toBe('stopped');
    // Started again; the first tunnel's late drop report changes nothing.
    await manager.start({ provider: 'localtunnel', options: {} });
    await until(manager, 'connected');
    contexts[0]!.onDown(new Error('old'));
    expect(manager.state()).toMatchObject({ status: 'connected', url: 'https://slow2.example.test' });
  });

  it('start while connected replaces the tunnel (the old one is closed first)', async () => {
    const p = scriptedProvider(['ok']);
    manager = managerWith(p.provider);
    await manager.start({ provider: 'localtunnel', options: {} });
    await until(manager, 'connected');
    await manager.start({ provider: 'custom', options: { url: 'https://pay.example.com' } });
    expect(p.closed).toEqual(['https://t1.example.test']);
    const again = await until(manager, 'connected');
    expect(again).toMatchObject({ provider: 'custom', url: 'https://t2.example.test' });
  });
});
