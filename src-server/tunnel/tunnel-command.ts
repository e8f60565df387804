// `kassa tunnel start|stop|status`: writes the desired tunnel into the database and, when a node
// runs on this home, waits for it to report connected or an error. Without a running node the
// setting is kept for the next `kassa serve`.
import { parseArgs } from 'node:util';
import type { KassaConfig } from '../config/config.ts';
import type { Storage } from '../storage/index.ts';
import { openKeyStore, type PassphrasePromptRequest } from '../wallet/key-store.ts';
import { createTunnelSettings, TunnelInputError, TunnelStartBody, type TunnelObject } from './tunnel-service.ts';
import { TUNNEL_PROVIDERS } from './types.ts';

/** A message for the terminal and the exit code to leave with. */
export class TunnelCommandError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'TunnelCommandError';
    this.exitCode = exitCode;
  }
}

export interface TunnelCommandDeps {
  home: (flag: string | undefined) => string;
  loadConfig: (home: string) => KassaConfig;
  openHome: (home: string) => { storage: Storage; close(): void };
  readSecret: (prompt: string) => Promise<string>;
  promptPassphrase?: ((req: PassphrasePromptRequest) => Promise<string>) | undefined;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export const TUNNEL_USAGE = `kassa tunnel start --provider localtunnel [--host URL] [--subdomain NAME]
  kassa tunnel start --provider ngrok [--authtoken-stdin] [--domain NAME]
  kassa tunnel start --provider cloudflared [--bin PATH]
  kassa tunnel start --provider custom --url URL [--probe]
  kassa tunnel stop
  kassa tunnel status             (all take [--wait SECONDS] [--json] [--home DIR])`;

// zod field → the flag the user typed.
const FLAG_OF: Record<string, string> = { provider: '--provider', host: '--host', subdomain: '--subdomain', authtoken: '--authtoken-stdin', domain: '--domain', url: '--url', probe: '--probe' };

function describe(view: TunnelObject): string {
  const lines = [`tunnel: ${view.status}${view.provider ? ` (${view.provider})` : ''}${view.url ? `  ${view.url}` : ''}${view.since ? `  since ${view.since}` : ''}`];
  if (view.last_error) lines.push(`last error: ${view.last_error}${view.last_error_at ? ` (${view.last_error_at})` : ''}`);
  if (view.next_retry_at) lines.push(`next retry: ${view.next_retry_at} (attempt ${view.attempts + 1})`);
  if (view.public_base_url) lines.push(`checkout URLs start with: ${view.public_base_url}`);
  lines.push(`wanted: ${view.desired.enabled ? `${view.desired.provider} ${JSON.stringify(view.desired.options)}` : 'off'}`);
  if (!view.node_running) lines.push('no node is running on this home (kassa serve applies the wanted state)');
  return `${lines.join('\n')}\n`;
}

export async function cmdTunnel(args: string[], deps: TunnelCommandDeps): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'start' && sub !== 'stop' && sub !== 'status') throw new TunnelCommandError(`tunnel start|stop|status\n\n  ${TUNNEL_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      home: { type: 'string' },
      provider: { type: 'string' },
      host: { type: 'string' },
      subdomain: { type: 'string' },
      'authtoken-stdin': { type: 'boolean' },
      domain: { type: 'string' },
      bin: { type: 'string' },
      url: { type: 'string' },
      probe: { type: 'boolean' },
      wait: { type: 'string', default: '30' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (!/^\d+$/.test(values.wait) || Number(values.wait) > 600) throw new TunnelCommandError('--wait: whole seconds, 0-600');
  const waitMs = Number(values.wait) * 1000;
  const home = deps.home(values.home);
  const config = deps.loadConfig(home);
  const providerFlags = ['provider', 'host', 'subdomain', 'authtoken-stdin', 'domain', 'bin', 'url', 'probe'] as const;
  if (sub !== 'start') {
    const stray = providerFlags.find((f) => values[f] !== undefined);
    if (stray) throw new TunnelCommandError(`--${stray} goes with \`tunnel start\``);
  }

  let authtoken: string | undefined;
  let dataKey: Buffer | null = null;
  let input: (TunnelStartBody & { bin?: string }) | null = null;
  if (sub === 'start') {
    if (!values.provider) throw new TunnelCommandError(`tunnel start: --provider ${TUNNEL_PROVIDERS.join('|')} is required`);
    const only: Record<string, readonly string[]> = { localtunnel: ['host', 'subdomain'], ngrok: ['authtoken-stdin', 'domain'], cloudflared: ['bin'], custom: ['url', 'probe'] };
    const allowed = only[values.provider];
    if (allowed) {
      const stray = providerFlags.find((f) => f !== 'provider' && values[f] !== undefined && !allowed.includes(f));
      if (stray) throw new TunnelCommandError(`--${stray} does not apply to --provider ${values.provider}`);
    }
    if (values.provider === 'ngrok' && values['authtoken-stdin']) {
      authtoken = await deps.readSecret('ngrok authtoken: ');
      if (!authtoken) throw new TunnelCommandError('--authtoken-stdin: no authtoken was given');
    }
    const parsed = TunnelStartBody.safeParse({
      provider: values.provider,
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(values.subdomain !== undefined ? { subdomain: values.subdomain } : {}),
      ...(authtoken !== undefined ? { authtoken } : {}),
      ...(values.domain !== undefined ? { domain: values.domain } : {}),
      ...(values.url !== undefined ? { url: values.url } : {}),
      ...(values.probe !== undefined ? { probe: values.probe } : {}),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = String(issue.path[0] ?? 'provider');
      const flag = FLAG_OF[field] ?? `--${field}`;
      const missing = issue.code === 'invalid_type' && values[field as keyof typeof values] === undefined;
      if (field === 'provider') throw new TunnelCommandError(`--provider: must be one of ${TUNNEL_PROVIDERS.join(', ')}`);
      throw new TunnelCommandError(missing ? `${flag} is required with --provider ${values.provider}` : `${flag}: ${issue.message}`);
    }
    input = values.bin !== undefined ? { ...parsed.data, bin: values.bin } : parsed.data;
    if (authtoken) {
      // Sealed under this home's key store, as the node will open it; never written in plaintext.
      const keyStore = await openKeyStore({ home, prefer: config.keyStore, passphrase: deps.env.KASSA_PASSPHRASE || undefined, promptPassphrase: deps.promptPassphrase });
      dataKey = keyStore.dataKey;
    }
  }

  const { storage, close } = deps.openHome(home);
  try {
    const settings = createTunnelSettings({ storage, dataKey });
    let revision: number;
    try {
      revision = input ? settings.start(input) : sub === 'stop' ? settings.stop() : storage.tunnel.getRevision();
    } catch (err) {
      if (err instanceof TunnelInputError) throw new TunnelCommandError(err.message);
      throw err;
    }
    const print = (view: TunnelObject) => (values.json ? deps.stdout(`${JSON.stringify(view)}\n`) : deps.stdout(describe(view)));
    let view = settings.view();
    if (sub === 'status') return print(view);
    if (!view.node_running) {
      print(view);
      deps.stderr(sub === 'start'
        ? 'kassa: no node is running on this home; the tunnel starts with the next `kassa serve`\n'
        : 'kassa: no node is running on this home; the tunnel stays off\n');
      return;
    }
    // The node applies the new revision within a second; wait for the outcome it reports.
    const wanted = sub === 'start' ? ['connected', 'error'] : ['stopped'];
    const deadline = Date.now() + waitMs;
    for (;;) {
      const status = storage.tunnel.getStatus();
      view = settings.view();
      if ((status?.revision ?? 0) >= revision && wanted.includes(view.status)) break;
      if (!view.node_running || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    print(view);
    if (sub === 'start' && view.status === 'error') throw new TunnelCommandError(`tunnel ${view.provider} failed: ${view.last_error}`, 1);
    if (!wanted.includes(view.status) || !view.applied) {
      if (waitMs === 0) return;
      throw new TunnelCommandError(
        `the tunnel is ${view.status} after ${values.wait} s${view.last_error ? ` (last error: ${view.last_error})` : ''}; the node keeps trying — see \`kassa tunnel status\``,
        1,
      );
    }
  } finally {
    close();
  }
}
