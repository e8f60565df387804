// The main side of the preload bridge: one handler per channel, each refusing any sender but the
// main frame of our own window showing the merchant listener's origin.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_CHANNELS, type KassaDesktopBridge } from './bridge-types.ts';
import { originOf, safeForLog } from './guards.ts';

export interface SenderPolicy {
  /** The window's webContents; null while there is no window. */
  trustedWebContents: () => WebContents | null;
  merchantOrigin: () => string | null;
}

type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>;

/** Why a sender is refused, or null when it is our window's main frame on the merchant origin. */
export function senderRefusal(event: SenderEvent, policy: SenderPolicy): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  const trusted = policy.trustedWebContents();
  if (!trusted || event.sender !== trusted) return 'not the Kassa window';
  if (frame.parent !== null) return 'not the main frame';
  const merchant = policy.merchantOrigin();
  if (merchant === null || originOf(frame.url) !== merchant) return `origin ${originOf(frame.url) ?? 'unknown'} is not the merchant listener`;
  return null;
}

export class IpcRefusedError extends Error {
  constructor(channel: string, reason: string) {
    super(`${channel} refused: ${reason}`);
    this.name = 'IpcRefusedError';
  }
}

/** The bridge as main implements it (arguments arrive unchecked from the renderer). */
export type BridgeHandlers = { [K in keyof KassaDesktopBridge]: (...args: unknown[]) => ReturnType<KassaDesktopBridge[K]> };

/** Checks arguments that cross the bridge: the renderer is not trusted to send the right types. */
export function bridgeHandlers(impl: {
  getAppInfo: KassaDesktopBridge['getAppInfo'];
  getStartAtLogin: KassaDesktopBridge['getStartAtLogin'];
  setStartAtLogin: KassaDesktopBridge['setStartAtLogin'];
  showTestNotification: KassaDesktopBridge['showTestNotification'];
}): BridgeHandlers {
  return {
    getAppInfo: () => impl.getAppInfo(),
    getStartAtLogin: () => impl.getStartAtLogin(),
    setStartAtLogin: (enabled) => {
      if (typeof enabled !== 'boolean') return Promise.reject(new TypeError('setStartAtLogin: enabled must be true or false'));
      return impl.setStartAtLogin(enabled);
    },
    showTestNotification: () => impl.showTestNotification(),
  };
}

export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle'>, handlers: BridgeHandlers, policy: SenderPolicy, log: (line: string) => void): void {
  for (const name of Object.keys(IPC_CHANNELS) as (keyof KassaDesktopBridge)[]) {
    const channel = IPC_CHANNELS[name];
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const refusal = senderRefusal(event, policy);
      if (refusal) {
        log(`ipc ${channel} refused: ${refusal} (${safeForLog(event.senderFrame?.url ?? '')})`);
        throw new IpcRefusedError(channel, refusal);
      }
      return handlers[name](...args);
    });
  }
}
