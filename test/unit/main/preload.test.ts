// The preload exposes exactly the typed bridge, each call one IPC invoke on its channel.
import { describe, expect, it, vi } from 'vitest';
import { fake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { BRIDGE_NAME, IPC_CHANNELS } = await import('../../../src-main/bridge-types.ts');
await import('../../../src-main/preload.ts');

describe('preload', () => {
  it('exposes window.kassaDesktop with four calls and nothing else', () => {
    const bridge = fake.exposed.get(BRIDGE_NAME) as Record<string, unknown>;
    expect(BRIDGE_NAME).toBe('kassaDesktop');
    expect(Object.keys(bridge).sort()).toEqual(['getAppInfo', 'getStartAtLogin', 'setStartAtLogin', 'showTestNotification']);
    for (const fn of Object.values(bridge)) expect(typeof fn).toBe('function');
  });

  it('maps each call to its channel, passing only a boolean', async () => {
    const bridge = fake.exposed.get(BRIDGE_NAME) as import('../../../src-main/bridge-types.ts').KassaDesktopBridge;
    await bridge.getAppInfo();
    await bridge.getStartAtLogin();
    await bridge.setStartAtLogin(true);
    await (bridge.setStartAtLogin as (v: unknown) => Promise<boolean>)('yes');
    await bridge.showTestNotification();
    expect(fake.invoked).toEqual([
      { channel: IPC_CHANNELS.getAppInfo, args: [] },
      { channel: IPC_CHANNELS.getStartAtLogin, args: [] },
      { channel: IPC_CHANNELS.setStartAtLogin, args: [true] },
      { channel: IPC_CHANNELS.setStartAtLogin, args: [false] },
      { channel: IPC_CHANNELS.showTestNotification, args: [] },
    ]);
  });
});
