// The sandboxed preload: exposes `window.kassaDesktop` (four calls, no Node, no raw ipcRenderer).
// Bundled into one CommonJS file (out/preload/preload.cjs), as sandboxed preloads must be.
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_NAME, IPC_CHANNELS, type DesktopAppInfo, type KassaDesktopBridge } from './bridge-types.ts';

const bridge: KassaDesktopBridge = {
  getAppInfo: () => ipcRenderer.invoke(IPC_CHANNELS.getAppInfo) as Promise<DesktopAppInfo>,
  getStartAtLogin: () => ipcRenderer.invoke(IPC_CHANNELS.getStartAtLogin) as Promise<boolean>,
  setStartAtLogin: (enabled: boolean) => ipcRenderer.invoke(IPC_CHANNELS.setStartAtLogin, enabled === true) as Promise<boolean>,
  showTestNotification: () => ipcRenderer.invoke(IPC_CHANNELS.showTestNotification) as Promise<void>,
};

contextBridge.exposeInMainWorld(BRIDGE_NAME, bridge);
