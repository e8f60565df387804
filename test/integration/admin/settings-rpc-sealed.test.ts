// RPC URLs saved from the dashboard on a real node with a passphrase key store: the API key never
// reaches a file in the home (config.json, the database, the logs), Settings shows it redacted,
// and after a restart the network's watcher reads through the saved URL. URLs written in
// config.json by hand win, and the dashboard says so instead of saving over them.
import { createServer } from 'node:http';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiError } from '../../../src-server/admin/client.ts';
import { startTestDevnet, type TestDevnet } from '../../helpers/anvil.ts';
import { signedInAdmin } from '../../helpers/admin-session.ts';
import { watcherHealth } from '../../helpers/devnet-control.ts';
import { eventually, startNode, tempHome, type TestNode } from '../../helpers/node.ts';
import { listenOnLoopback, readBody } from '../../helpers/rpc-proxy.ts';

const env = { KASSA_KEY_STORE: 'passphrase', KASSA_PASSPHRASE: 'correct horse battery staple' };
const KEY = '9f86d081884c7d659a2feaa0c55ad015';

/** A loopback JSON-RPC front for the test chain that records the paths it is asked on. */
async function startRecordingRpc(target: string) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      paths.push(req.url ?? '');
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await readBody(req) });
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    })().catch(() => req.socket.destroy());
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, paths, close };
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...filesContaining(path, needle));
    else if (readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

let chain: TestDevnet;
let rpc: Awaited<ReturnType<typeof startRecordingRpc>>;
let home: string;
let node: TestNode | undefined;

beforeAll(async () => {
  // An anvil that calls itself Ethereum (chain id 1): the live ethereum watcher accepts it.
  chain = await startTestDevnet({ chainId: 1 });
  rpc = await startRecordingRpc(chain.rpcUrl);
  home = tempHome();
}, 120_000);
afterAll(async () => {
  await node?.stop();
  await rpc?.close();
  await chain?.stop();
});

describe('dashboard-saved RPC URLs', () => {
  const keyedUrl = () => `${rpc.url}/v3/${KEY}`;
  const shownUrl = () => `${rpc.url}/v3/***`;
  const configFile = () => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));

  it('are sealed, never written in plain text, and shown redacted', async () => {
    node = await startNode({ home, noDevnet: true, env });
    const { client } = await signedInAdmin(node);
    const saved = await client.call('PUT /settings/networks', { body: { networks: { ethereum: { enabled: true, rpc_urls: [keyedUrl()], confirmations: 2 } } } });
    expect(saved).toEqual({ restart_required: true });
    expect(configFile().networks).toEqual({ ethereum: { enabled: true, confirmations: 2 } });

    const ethereum = (await client.call('GET /settings')).networks.find((n) => n.id === 'ethereum')!;
    expect(ethereum).toMatchObject({ enabled: true, confirmations: 2, rpc_urls: [shownUrl()], rpc_urls_source: 'dashboard' });
    // "Check connection" on the URL as shown checks the saved one, key and all (the proxy sees the key's path).
    rpc.paths.length = 0;
    const check = await client.call('POST /setup/networks/check', { body: { network: 'ethereum', rpc_urls: ethereum.rpc_urls } });
    expect(check).toMatchObject({ ok: true, results: [{ url: shownUrl(), ok: true, chain_id: 1 }] });
    expect(new Set(rpc.paths)).toEqual(new Set([`/v3/${KEY}`]));
    // The form sent back as shown keeps the saved URL (a literal "***" would be refused).
    await client.call('PUT /settings/networks', { body: { networks: { ethereum: { enabled: true, rpc_urls: ethereum.rpc_urls } } } });
    expect((await client.call('GET /settings')).networks.find((n) => n.id === 'ethereum')!.rpc_urls).toEqual([shownUrl()]);

    await node.stop();
    node = undefined;
    // config.json, kassa.db and its WAL, the key file, the node's logs: the key is in none of them.
    expect(filesContaining(home, KEY)).toEqual([]);
  });

  it('after a restart the ethereum watcher reads through the saved URL', async () => {
    rpc.paths.length = 0;
    node = await startNode({ home, noDevnet: true, env });
    expect(rpc.paths.length).toBeGreaterThan(0);
    expect(new Set(rpc.paths)).toEqual(new Set([`/v3/${KEY}`]));
    const health = await eventually(async () => {
      const h = await watcherHealth(node!.merchantUrl, 'ethereum');
      return h.head !== null ? h : null;
    }, 'the ethereum watcher to read a head');
    expect(health.rpc).toEqual([expect.objectContaining({ url: shownUrl(), ok: true })]);
    expect(health.rpc[0]!.requests).toBeGreaterThan(0);
    expect(JSON.stringify(health)).not.toContain(KEY);
  });

  it('URLs written in config.json by hand win; the dashboard will not save over them', async () => {
    const { client } = await signedInAdmin(node!);
    const handWritten = `${chain.rpcUrl}/?apikey=from-the-file`;
    const file = configFile();
    file.networks.ethereum.rpcUrls = [handWritten];
    writeFileSync(join(home, 'config.json'), JSON.stringify(file, null, 2));

    const ethereum = (await client.call('GET /settings')).networks.find((n) => n.id === 'ethereum')!;
    expect(ethereum.rpc_urls).toEqual([`${chain.rpcUrl}/?***`]);
    expect(ethereum.rpc_urls_source).toBe('config_file');
    const refused = await client.call('PUT /settings/networks', { body: { networks: { ethereum: { enabled: true, rpc_urls: [keyedUrl()] } } } }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(AdminApiError);
    expect(refused).toMatchObject({ status: 409, code: 'rpc_urls_in_config_file', param: 'networks.ethereum.rpc_urls' });
    expect((refused as AdminApiError).message).toContain(join(home, 'config.json'));
    // Sent back as shown, with a confirmations change: saved, and the file keeps its URL.
    await client.call('PUT /settings/networks', { body: { networks: { ethereum: { enabled: true, rpc_urls: ethereum.rpc_urls, confirmations: 3 } } } });
    expect(configFile().networks.ethereum).toEqual({ enabled: true, confirmations: 3, rpcUrls: [handWritten] });
  });
});
