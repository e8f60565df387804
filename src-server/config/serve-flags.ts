// `kassa serve`'s flags, shared with the desktop app (`npm start -- --home DIR --port 0` means the
// same in both). No imports at run time: the Electron main bundle takes this file in.
import type { ParseArgsOptionsConfig } from 'node:util';

export const SERVE_FLAGS = {
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
} as const satisfies ParseArgsOptionsConfig;

export type ServeFlagValues = { [K in keyof typeof SERVE_FLAGS]?: string | boolean };
type StringFlag = { [K in keyof typeof SERVE_FLAGS]: (typeof SERVE_FLAGS)[K]['type'] extends 'string' ? K : never }[keyof typeof SERVE_FLAGS];

/**
 * The flags as the config layer loadConfig takes (only those given). `text` reads a string flag
 * (the desktop app's rejects a flag left without its value); `fail` makes the caller's error.
 */
export function serveConfigFlags(
  values: ServeFlagValues,
  fail: (message: string) => Error,
  text: (name: StringFlag) => string | undefined = (name) => values[name] as string | undefined,
): Record<string, unknown> {
  const num = (name: StringFlag): number | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    if (!/^\d+(\.\d+)?$/.test(v)) throw fail(`--${name}: expected a number, got "${v}"`);
    return Number(v);
  };
  if (values['no-devnet'] && values['devnet-rpc']) throw fail('--devnet-rpc and --no-devnet contradict each other');
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
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}
