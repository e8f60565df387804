// The desktop app takes `kassa serve`'s flags (`npm start -- --home DIR --port 0` works in both
// modes) and turns them into the config layer the core's loadConfig expects. Switches Electron or
// Chromium understand are left alone.
import { parseArgs } from 'node:util';
import { HIDDEN_FLAG } from './login-item.ts';

export interface DesktopArgs {
  home: string | undefined;
  /** Config flags for the core, shaped as `kassa serve` passes them. */
  overrides: Record<string, unknown>;
  hidden: boolean;
}

export class DesktopArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DesktopArgsError';
  }
}

export function parseDesktopArgs(args: string[]): DesktopArgs {
  const { values } = parseArgs({
    args,
    options: {
      home: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'public-port': { type: 'string' },
      'public-host': { type: 'string' },
      'devnet-rpc': { type: 'string' },
      'no-devnet': { type: 'boolean' },
      'block-time': { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'log-level': { type: 'string' },
      [HIDDEN_FLAG.slice(2)]: { type: 'boolean' },
    },
    strict: false,
    allowPositionals: true,
  });
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new DesktopArgsError(`--${name}: expected a value`);
    return v;
  };
  const num = (name: string): number | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(v)) throw new DesktopArgsError(`--${name}: expected a number, got "${v}"`);
    return Number(v);
  };
  if (values['no-devnet'] && values['devnet-rpc']) throw new DesktopArgsError('--devnet-rpc and --no-devnet contradict each other');
  const devnet: Record<string, unknown> = {};
  if (values['no-devnet'] === true) devnet.enabled = false;
  const devnetRpc = text('devnet-rpc');
  if (devnetRpc) devnet.rpcUrl = devnetRpc;
  const blockTime = num('block-time');
  if (blockTime !== undefined) devnet.blockTime = blockTime;
  const flags: Record<string, unknown> = {
    host: text('host'),
    port: num('port'),
    publicPort: num('public-port'),
    publicHost: text('public-host'),
    allowRemoteMerchantApi: values['allow-remote'] === true ? true : undefined,
    logLevel: text('log-level'),
    ...(Object.keys(devnet).length ? { devnet } : {}),
  };
  const overrides = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { home: text('home'), overrides, hidden: values[HIDDEN_FLAG.slice(2)] === true };
}
