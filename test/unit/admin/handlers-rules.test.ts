// The dashboard handlers' pure rules: CSV cells, the search box, volume and revenue sums in bigint,
// USD totals, sync progress, the seed confirmation check, config.json edits and accept-late.
import { describe, expect, it, vi } from 'vitest';
import { csvCell, csvRow } from '../../../src-server/admin/handlers/csv.ts';
import { applyNetworkSettings, applyRpcUrlSettings, applyStoreSettings, isRpcUrl, mergeRpcUrls } from '../../../src-server/admin/handlers/config-file.ts';
import { csvFileName, invoiceSearch } from '../../../src-server/admin/handlers/invoice-search.ts';
import { firstNonHttpUrl, judgeRpcAnswer, splitCredentials } from '../../../src-server/admin/handlers/network-check.ts';
import { chainNetwork, revenueSeries, startOfUtcDay, sumKnown, sumVolumes, syncProgress, type PaidAmount } from '../../../src-server/admin/handlers/overview-math.ts';
import { checkConfirmWords, createSeedDrafts, normalizeWord, pickConfirmPositions } from '../../../src-server/admin/handlers/seed-drafts.ts';
import { backupFileName } from '../../../src-server/admin/handlers/settings.ts';
import { intentIdOf, sseFrame } from '../../../src-server/admin/handlers/stream.ts';
import { walletSummary } from '../../../src-server/admin/handlers/setup.ts';
import { getNetwork } from '../../../src-server/money/assets.ts';
import { canAcceptLate, type IntentException, type IntentStatus } from '../../../src-server/payments/lifecycle.ts';

describe('csv cells (RFC 4180 + formula guard)', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [42, '42'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    [' padded', '" padded"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+2', "'+1+2"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['25.00', '25.00'],
    ['0x5aE1b3', '0x5aE1b3'],
  ] as const)('%j → %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('a row joins cells with commas and ends with CRLF', () => {
    expect(csvRow(['id', 'a,b', null])).toBe('id,"a,b",\r\n');
  });

  it('names the download by mode and UTC date', () => {
    expect(csvFileName('live', new Date('2026-05-29T23:59:59Z'))).toBe('kassa-invoices-live-2026-05-29.csv');
  });
});

describe('invoice search box', () => {
  it.each([
    ['  pi_abc  ', { text: 'pi_abc', lower: 'pi_abc', length: 6, hex: false }],
    ['0xABCdef', { text: '0xABCdef', lower: '0xabcdef', length: 8, hex: true }],
    ['deadBEEF', { text: 'deadBEEF', lower: 'deadbeef', length: 8, hex: true }],
    ['TR7NHqjeKQ', { text: 'TR7NHqjeKQ', lower: 'tr7nhqjekq', length: 10, hex: false }],
    ['Buyer@Example.com', { text: 'Buyer@Example.com', lower: 'buyer@example.com', length: 17, hex: false }],
    ['日本', { text: '日本', lower: '日本', length: 2, hex: false }],
    ['😀x', { text: '😀x', lower: '😀x', length: 2, hex: false }],
  ] as const)('%j', (q, expected) => {
    expect(invoiceSearch(q)).toEqual(expected);
  });
  it('only spaces is no search', () => {
    expect(invoiceSearch('   ')).toBeUndefined();
  });
});

const paid = (network: string, asset: string, decimals: number, units: string, at: string): PaidAmount => ({ network, asset, decimals, amount_received: units, paid_at: at });

describe('volumes and revenue (bigint)', () => {
  it('sums per network and asset without floating point, beyond 2^53', () => {
    const rows = [
      paid('bsc', 'USDT', 18, '1000000000000000000000000', '2026-05-29T01:00:00Z'),
      paid('bsc', 'USDT', 18, '1', '2026-05-29T02:00:00Z'),
      paid('ethereum', 'USDT', 6, '25000000', '2026-05-29T03:00:00Z'),
    ];
    expect(sumVolumes(rows)).toEqual([
      { network: 'bsc', asset: 'USDT', decimals: 18, units: 1000000000000000000000001n },
      { network: 'ethereum', asset: 'USDT', decimals: 6, units: 25000000n },
    ]);
  });

  it('aligns decimals of one key before adding (6 + 18 → at 18)', () => {
    const rows = [paid('bsc', 'USDT', 6, '1500000', '2026-05-29T01:00:00Z'), paid('bsc', 'USDT', 18, '500000000000000000', '2026-05-29T01:00:00Z')];
    expect(sumVolumes(rows)).toEqual([{ network: 'bsc', asset: 'USDT', decimals: 18, units: 2_000000000000000000n }]);
  });

  it('revenue: 30 UTC days ending today, per asset over networks, empty days at 0', () => {
    const now = new Date('2026-05-29T10:00:00Z');
    const series = revenueSeries(
      [
        paid('bsc', 'USDT', 18, '2000000000000000000', '2026-05-29T00:00:00Z'),
        paid('ethereum', 'USDT', 6, '1250000', '2026-05-29T09:59:59Z'),
        paid('ethereum', 'USDT', 6, '3000000', '2026-04-30T23:59:59Z'),
        paid('ethereum', 'ETH', 18, '1', '2026-04-30T00:00:00Z'),
        paid('ethereum', 'USDT', 6, '999', '2026-04-29T23:59:59Z'), // day 31: outside
      ],
      now,
    );
    expect(series.map((s) => s.asset)).toEqual(['USDT', 'ETH']);
    const usdt = series[0]!.points;
    expect(usdt).toHaveLength(30);
    expect(usdt[0]).toEqual({ date: '2026-04-30', amount: '3.00' });
    expect(usdt[29]).toEqual({ date: '2026-05-29', amount: '3.25' });
    expect(usdt.slice(1, 29).every((p) => p.amount === '0')).toBe(true);
    expect(series[1]!.points[0]).toEqual({ date: '2026-04-30', amount: '0.000000000000000001' });
  });

  it('start of the UTC day', () => {
    expect(startOfUtcDay(new Date('2026-05-29T23:59:59.999Z')).toISOString()).toBe('2026-05-29T00:00:00.000Z');
  });
});

describe('USD totals', () => {
  it('a total only when every part has a value', () => {
    expect(sumKnown([1_000000n, null])).toBeNull();
    expect(sumKnown([1_000000n, 2_500000n])).toBe(3_500000n);
    expect(sumKnown([])).toBe(0n);
  });
});

describe('sync progress', () => {
  it.each([
    ['synced', { head: 100, nextBlock: 101, lag: 0 }, 50, 1],
    ['synced, no baseline', { head: 100, nextBlock: 101, lag: 0 }, null, 1],
    ['nothing known yet', { head: null, nextBlock: null, lag: null }, null, 0],
    ['just started catching up', { head: 1099, nextBlock: 100, lag: 1000 }, 100, 0],
    ['half way', { head: 1099, nextBlock: 600, lag: 500 }, 100, 0.5],
    ['cursor behind the baseline (a reorg rewound it)', { head: 1099, nextBlock: 90, lag: 1010 }, 100, 0],
    ['head behind the baseline', { head: 50, nextBlock: 60, lag: 0 }, 100, 1],
  ] as const)('%s', (_name, status, baseline, expected) => {
    expect(syncProgress(status, baseline)).toBeCloseTo(expected, 10);
  });
  it.each([
    ['devnet', { network: 'devnet', livemode: false }],
    ['tron-devnet', { network: 'tron', livemode: false }],
    ['bitcoin-devnet', { network: 'bitcoin', livemode: false }],
    ['bsc', { network: 'bsc', livemode: true }],
  ] as const)('chain %s serves %j', (chain, expected) => {
    expect(chainNetwork(chain)).toEqual(expected);
  });
});

describe('seed confirmation', () => {
  const words = Array.from({ length: 24 }, (_, i) => `word${i + 1}`);
  const positions = [3, 11, 20];
  it.each([
    ['all three right', { '3': 'word3', '11': 'word11', '20': 'word20' }, { ok: true }],
    ['case and spaces do not matter', { '3': '  WORD3 ', '11': 'Word11', '20': 'word20\n' }, { ok: true }],
    ['a wrong word names its position', { '3': 'word3', '11': 'word12', '20': 'word20' }, { ok: false, param: 'words.11', reason: 'mismatch', position: 11 }],
    ['a missing one', { '3': 'word3', '20': 'word20' }, { ok: false, param: 'words.11', reason: 'missing', position: 11 }],
    ['one not asked for', { '3': 'word3', '4': 'word4', '11': 'word11', '20': 'word20' }, { ok: false, param: 'words.4', reason: 'unexpected', position: '4' }],
    ['a zero-padded key is not a position', { '03': 'word3', '11': 'word11', '20': 'word20' }, { ok: false, param: 'words.03', reason: 'unexpected', position: '03' }],
  ] as const)('%s', (_name, given, expected) => {
    expect(checkConfirmWords(words, positions, given)).toEqual(expected);
  });

  it('positions: three distinct, ascending, 1..24, even when the source repeats itself', () => {
    const seq = [5, 5, 0, 23, 5];
    let i = 0;
    expect(pickConfirmPositions(24, 3, () => seq[i++]!)).toEqual([1, 6, 24]);
    for (let n = 0; n < 200; n++) {
      const p = pickConfirmPositions();
      expect(new Set(p).size).toBe(3);
      expect(p.every((x) => x >= 1 && x <= 24)).toBe(true);
      expect([...p].sort((a, b) => a - b)).toEqual(p);
    }
  });

  it('normalizes a typed word', () => {
    expect(normalizeWord(' Abandon\t')).toBe('abandon');
  });

  it('drafts expire after 10 minutes and are forgotten when discarded', () => {
    let now = 0;
    const drafts = createSeedDrafts({ now: () => now, generate: () => words.join(' ') });
    const d = drafts.create();
    expect(d.words).toEqual(words);
    expect(drafts.get(d.id)).not.toBeNull();
    now = 10 * 60_000 - 1;
    expect(drafts.get(d.id)).not.toBeNull();
    now = 10 * 60_000;
    expect(drafts.get(d.id)).toBeNull();
    const e = drafts.create();
    drafts.discard(e.id);
    expect(drafts.get(e.id)).toBeNull();
  });

  it('an abandoned draft is wiped from memory when it expires, without waiting for the wizard to be used again', () => {
    vi.useFakeTimers();
    try {
      const drafts = createSeedDrafts({ now: () => Date.now(), generate: () => words.join(' ') });
      const d = drafts.create();
      vi.advanceTimersByTime(10 * 60_000 - 1);
      expect(d.words).toEqual(words);
      vi.advanceTimersByTime(1);
      // Nobody called get() or create(): the words are gone all the same.
      expect(d.words.every((w) => w === '')).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('every draft is wiped once a live wallet exists, and dropping the oldest wipes it too', () => {
    const drafts = createSeedDrafts({ now: () => 0, generate: () => words.join(' ') });
    const made = Array.from({ length: 5 }, () => drafts.create());
    expect(made[0]!.words.every((w) => w === '')).toBe(true);
    drafts.discardAll();
    expect(made.every((d) => d.words.every((w) => w === '') && drafts.get(d.id) === null)).toBe(true);
  });

  it('keeps at most four drafts in memory (the oldest goes)', () => {
    const drafts = createSeedDrafts({ now: () => 0, generate: () => words.join(' ') });
    const ids = Array.from({ length: 5 }, () => drafts.create().id);
    expect(drafts.get(ids[0]!)).toBeNull();
    expect(ids.slice(1).every((id) => drafts.get(id) !== null)).toBe(true);
  });
});

describe('accept-late rule', () => {
  const cases: [IntentStatus, IntentException, boolean][] = [
    ['expired', 'paid_late', true],
    ['expired', 'underpaid', false],
    ['expired', null, false],
    ['paid', 'paid_late', false],
    ['confirming', 'paid_late', false],
    ['pending', null, false],
    ['canceled', null, false],
  ];
  it.each(cases)('%s / %s → %s', (status, exception, expected) => {
    expect(canAcceptLate(status, exception)).toBe(expected);
  });
});

describe('network check rules', () => {
  it.each([
    [['https://a.example', 'http://b.example:8545/x'], -1],
    [['https://a.example', 'wss://b.example'], 1],
    [['ftp://a.example'], 0],
    [['not a url'], 0],
    [['https://ok', 'javascript:alert(1)'], 1],
  ] as const)('%j → first bad index %i', (urls, expected) => {
    expect(firstNonHttpUrl(urls)).toBe(expected);
  });
  it('credentials in a URL travel as Basic auth, not in the URL', () => {
    expect(splitCredentials('https://node.example/rpc')).toEqual({ url: 'https://node.example/rpc', headers: {} });
    expect(splitCredentials('http://us%40er:p%3Ass@node.example:8332/')).toEqual({
      url: 'http://node.example:8332/',
      headers: { authorization: `Basic ${Buffer.from('us@er:p:ss').toString('base64')}` },
    });
  });
  const bsc = getNetwork('bsc');
  const tron = getNetwork('tron');
  it.each([
    ['right chain', bsc, { chainId: 56, head: 10 }, null],
    ['another chain', bsc, { chainId: 1, head: 10 }, 'chain id 1 is not BNB Smart Chain (expected 56): this URL serves another chain'],
    ['no head', bsc, { chainId: 56, head: null }, 'no block height in the answer'],
    ['tron has no chain id', tron, { chainId: null, head: 5 }, null],
  ] as const)('%s', (_name, network, answer, expected) => {
    expect(judgeRpcAnswer(network, answer)).toBe(expected);
  });
});

const SEALABLE = { canSeal: true, configFile: '/home/m/config.json' };

describe('config.json edits', () => {
  it('store: maps the form onto config keys, keeps what it does not touch, null policy removes the key', () => {
    const raw = { port: 9000, store: { name: 'Old', latePaymentPolicy: 'flag', sharedAddressNetworks: ['bsc'] }, custom: { kept: true } };
    expect(applyStoreSettings(raw, { name: 'New', expires_in: 900, late_payment_policy: null })).toEqual({
      port: 9000,
      custom: { kept: true },
      store: { name: 'New', expiresIn: 900, sharedAddressNetworks: ['bsc'] },
    });
    expect(raw.store.name).toBe('Old');
  });

  it('networks: enabled and confirmations set; RPC URLs never written, hand-written ones kept', () => {
    const raw = { networks: { bsc: { enabled: false, rpcUrls: ['https://bsc.example/v1/0123456789abcdef0123'] }, tron: { enabled: true } } };
    const ids = new Set(['bsc', 'tron', 'ethereum']);
    expect(applyNetworkSettings(raw, { networks: { bsc: { enabled: true, confirmations: 20 }, tron: { enabled: true, rpc_urls: ['https://t.example/v1/0123456789abcdef0123'] } } }, ids)).toEqual({
      networks: { bsc: { enabled: true, confirmations: 20, rpcUrls: ['https://bsc.example/v1/0123456789abcdef0123'] }, tron: { enabled: true } },
    });
  });

  it('a redacted URL sent back stands for the stored one', () => {
    const stored = ['https://user:pw@rpc.example/v1/0123456789abcdef0123?key=1', 'https://other.example'];
    expect(mergeRpcUrls(['https://***@rpc.example/v1/***?***', 'https://new.example'], stored)).toEqual([stored[0], 'https://new.example']);
  });

  it('refuses unknown networks and bad URLs, naming the field', () => {
    const ids = new Set(['bsc']);
    expect(() => applyNetworkSettings({}, { networks: { devnet: { enabled: true } } }, ids)).toThrow(expect.objectContaining({ param: 'networks.devnet', status: 400 }));
    expect(() => applyRpcUrlSettings({ networks: { bsc: { enabled: true, rpc_urls: ['https://ok.example', 'ftp://x'] } } }, {}, {}, SEALABLE)).toThrow(
      expect.objectContaining({ param: 'networks.bsc.rpc_urls[1]' }),
    );
  });

  it.each([
    ['https://x.example/v1/key', true],
    ['http://127.0.0.1:8545', true],
    // No adapter speaks WebSocket: saving one would leave the network unread after the restart.
    ['wss://x.example', false],
    ['ws://127.0.0.1:8546', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
  ] as const)('an RPC URL %s is accepted: %s', (url, ok) => {
    expect(isRpcUrl(url)).toBe(ok);
    const save = () => applyRpcUrlSettings({ networks: { tron: { enabled: true, rpc_urls: [url] } } }, {}, {}, SEALABLE);
    if (ok) expect(save()).toEqual({ urls: { tron: [url] }, changed: true });
    else expect(save).toThrow(expect.objectContaining({ status: 400, param: 'networks.tron.rpc_urls[0]' }));
  });

  it('backup files sort by time', () => {
    expect(backupFileName(new Date('2026-05-29T12:04:56.123Z'))).toBe('kassa-20260529T120456123Z.db');
  });
});

describe('stream frames', () => {
  it('an event is one frame with a one-line JSON body', () => {
    expect(sseFrame({ type: 'sync', data: [] })).toBe('event: sync\ndata: []\n\n');
  });
  it.each([
    [{ object: 'payment_intent', id: 'pi_1' }, 'pi_1'],
    [{ object: 'payment', id: 'pay_1', payment_intent: 'pi_2' }, 'pi_2'],
    [{ object: 'webhook_endpoint', id: 'we_1' }, null],
  ] as const)('the invoice of %j is %j', (object, expected) => {
    expect(intentIdOf({ data: { object } })).toBe(expected);
  });
});

describe('wallet summary', () => {
  it.each([
    [[], { exists: false, kind: null, schemes: [], created_at: null }],
    [
      [
        { scheme: 'tron', watch_only: 0, created_at: '2026-05-02T00:00:00Z' },
        { scheme: 'evm', watch_only: 0, created_at: '2026-05-01T00:00:00Z' },
      ],
      { exists: true, kind: 'seed', schemes: ['evm', 'tron'], created_at: '2026-05-01T00:00:00Z' },
    ],
    [[{ scheme: 'btc', watch_only: 1, created_at: '2026-05-01T00:00:00Z' }], { exists: true, kind: 'watch_only', schemes: ['btc'], created_at: '2026-05-01T00:00:00Z' }],
  ] as const)('%j', (accounts, expected) => {
    expect(walletSummary(accounts)).toEqual(expected);
  });
});
