// The desktop app takes `kassa serve`'s flags (`npm start -- --home DIR --port 0` works in both
// modes) and turns them into the config layer the core's loadConfig expects. Switches Electron or
// Chromium understand are left alone.
import { parseArgs } from 'node:util';
import { SERVE_FLAGS, serveConfigFlags } from '../src-server/config/serve-flags.ts';
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
    options: { ...SERVE_FLAGS, [HIDDEN_FLAG.slice(2)]: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
  });
  // Not strict (Chromium's switches pass), so a string flag given without its value arrives as true.
  const text = (name: string): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new DesktopArgsError(`--${name}: expected a value`);
    return v;
  };
  const overrides = serveConfigFlags(values, (message) => new DesktopArgsError(message), text);
  return { home: text('home'), overrides, hidden: values[HIDDEN_FLAG.slice(2)] === true };
}
