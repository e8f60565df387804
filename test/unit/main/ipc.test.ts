// IPC handlers answer only the main frame of our window on the merchant origin.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeFrame, FakeWebContents, fake, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { IPC_CHANNELS } = await import('../../../src-main/bridge-types.ts');
const { bridgeHandlers, registerIpcHandlers, senderRefusal } = await import('../../../src-main/ipc.ts');
const { ipcMain } = await import('electron');

const MERCHANT = 'http://127.0.0.1:8420';

function setup(origin: string | null = MERCHANT) {
  const window = new FakeWebContents();
  window.mainFrame = new FakeFrame(`${MERCHANT}/settings`);
  const logs: string[] = [];
  let startAtLogin = false;
  registerIpcHandlers(
    ipcMain,
    bridgeHandlers({
      getAppInfo: async () => ({ name: 'Kassa', version: '0.1.0', platform: 'linux', electron: '45.4.1', startAtLoginSupported: true }),
      getStartAtLogin: async () => startAtLogin,
      setStartAtLogin: async (on) => (startAtLogin = on),
      showTestNotification: async () => {},
    }),
    { trustedWebContents: () => window as never, merchantOrigin: () => origin },
    (line) => logs.push(line),
  );
  const call = (channel: string, event: { sender: unknown; senderFrame: FakeFrame | null }, ...args: unknown[]) => Promise.resolve().then(() => fake.ipcHandlers.get(channel)!(event, ...args));
  return { window, logs, call, fromWindow: { sender: window, senderFrame: window.mainFrame } };
}

beforeEach(() => resetFake());

describe('registerIpcHandlers', () => {
  it('registers one handler per bridge method', () => {
    setup();
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort());
  });

  it('answers the main frame of the window on the merchant origin', async () => {
    const { call, fromWindow } = setup();
    await expect(call(IPC_CHANNELS.getAppInfo, fromWindow)).resolves.toMatchObject({ name: 'Kassa' });
    await expect(call(IPC_CHANNELS.setStartAtLogin, fromWindow, true)).resolves.toBe(true);
    await expect(call(IPC_CHANNELS.getStartAtLogin, fromWindow)).resolves.toBe(true);
  });

  it('refuses another webContents, and logs it', async () => {
    const { call, logs } = setup();
    const other = new FakeWebContents();
    other.mainFrame = new FakeFrame(`${MERCHANT}/`);
    await expect(call(IPC_CHANNELS.setStartAtLogin, { sender: other, senderFrame: other.mainFrame }, true)).rejects.toThrow(/refused: not the Kassa window/);
    expect(logs[0]).toMatch(/ipc kassa:set-start-at-login refused: not the Kassa window/);
  });

  it('refuses a subframe of the window, even on the merchant origin', async () => {
    const { call, window } = setup();
    const iframe = new FakeFrame(`${MERCHANT}/embedded`, window.mainFrame);
    await expect(call(IPC_CHANNELS.getAppInfo, { sender: window, senderFrame: iframe })).rejects.toThrow(/not the main frame/);
  });

  it('refuses the window when it shows another origin', async () => {
    const { call, window } = setup();
    for (const url of ['https://evil.example/', 'http://127.0.0.1:8421/checkout/pi_1', 'file:///tmp/x.html', 'data:text/html,x']) {
      window.mainFrame.url = url;
      await expect(call(IPC_CHANNELS.getAppInfo, { sender: window, senderFrame: window.mainFrame })).rejects.toThrow(/is not the merchant listener/);
    }
  });

  it('refuses everyone before the core is ready, and a frame that is gone', async () => {
    const early = setup(null);
    await expect(early.call(IPC_CHANNELS.getAppInfo, early.fromWindow)).rejects.toThrow(/not the merchant listener/);
    const late = setup();
    await expect(late.call(IPC_CHANNELS.getAppInfo, { sender: late.window, senderFrame: null })).rejects.toThrow(/frame is gone/);
  });

  it('checks argument types that cross the bridge', async () => {
    const { call, fromWindow } = setup();
    await expect(call(IPC_CHANNELS.setStartAtLogin, fromWindow, 'yes')).rejects.toThrow(/must be true or false/);
    await expect(call(IPC_CHANNELS.setStartAtLogin, fromWindow)).rejects.toThrow(/must be true or false/);
  });
});

describe('senderRefusal', () => {
  it('is null only for the trusted main frame on the merchant origin', () => {
    const window = new FakeWebContents();
    window.mainFrame = new FakeFrame(`${MERCHANT}/`);
    const policy = { trustedWebContents: () => window as never, merchantOrigin: () => MERCHANT };
    expect(senderRefusal({ sender: window as never, senderFrame: window.mainFrame as never }, policy)).toBeNull();
    expect(senderRefusal({ sender: window as never, senderFrame: window.mainFrame as never }, { ...policy, trustedWebContents: () => null })).toBe('not the Kassa window');
  });
});
