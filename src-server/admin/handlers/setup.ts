// The setup wizard: mode, the live wallet (new seed confirmed word by word, an imported seed, or
// watch-only keys), the RPC connectivity check, and "done".
import { ApiError, conflict, invalidParam, unprocessable } from '../../http/errors.ts';
import { resolveNetwork } from '../../money/assets.ts';
import { chainNodeXpubFromExport } from '../../wallet/extended-key.ts';
import { generateMnemonic, validateMnemonic } from '../../wallet/mnemonic.ts';
import { WalletError } from '../../wallet/wallet-error.ts';
import type { AddressScheme } from '../../wallet/derive.ts';
import type { AdminOutput } from '../contract.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { ADMIN_STORE_ID, SETTING, type HandlerContext } from './context.ts';
import { chooseRpcUrls } from '../../config/sealed-rpc-urls.ts';
import { mergeRpcUrls } from './config-file.ts';
import { checkRpcUrls, firstNonHttpUrl } from './network-check.ts';
import { checkConfirmWords, createSeedDrafts } from './seed-drafts.ts';

type SetupRoutes =
  | 'GET /setup'
  | 'POST /setup/mode'
  | 'POST /setup/seed/draft'
  | 'POST /setup/seed/confirm'
  | 'POST /setup/seed/import'
  | 'POST /setup/watch-only'
  | 'POST /setup/networks/check'
  | 'POST /setup/complete';

/** What a wallet's accounts say about it: none, a seed (sealed), or public keys only. */
export function walletSummary(accounts: readonly { scheme: string; watch_only: 0 | 1; created_at: string }[]): AdminOutput<'GET /setup'>['wallets']['test'] {
  if (accounts.length === 0) return { exists: false, kind: null, schemes: [], created_at: null };
  return {
    exists: true,
    kind: accounts.every((a) => a.watch_only === 1) ? 'watch_only' : 'seed',
    schemes: accounts.map((a) => a.scheme).sort(),
    created_at: accounts.map((a) => a.created_at).sort()[0]!,
  };
}

/** Wallet refusals as the wizard shows them: the reason and the fix, on the field at fault. */
export function walletApiError(err: WalletError, param: string | null): ApiError {
  const message = `${err.message} ${err.fix}`.trim();
  switch (err.code) {
    case 'wallet_exists':
      return conflict('wallet_exists', message);
    case 'key_store_missing':
      return unprocessable('key_store_missing', message);
    case 'mnemonic_invalid':
      return invalidParam(param ?? 'mnemonic', message, 'mnemonic_invalid');
    default:
      return new ApiError(400, 'invalid_request_error', err.code, message, param);
  }
}

export function setupHandlers(ctx: HandlerContext): Pick<AdminHandlers, SetupRoutes> {
  const { deps, settings } = ctx;
  const drafts = createSeedDrafts({ now: () => ctx.clock().getTime(), generate: generateMnemonic });

  function view(): AdminOutput<'GET /setup'> {
    const keys = deps.apiKeys.list().filter((k) => k.revoked_at === null && k.store_id === ADMIN_STORE_ID);
    const chosen = settings.getSetting(SETTING.setupMode);
    return {
      complete: settings.getSetting(SETTING.setupComplete) === true,
      chosen_mode: chosen === 'test' || chosen === 'live' ? chosen : null,
      wallets: { test: walletSummary(deps.wallet.listAccounts(false)), live: walletSummary(deps.wallet.listAccounts(true)) },
      key_store: keyStoreView(ctx),
      api_keys: { test: keys.filter((k) => k.mode === 'test').length, live: keys.filter((k) => k.mode === 'live').length },
      webhook_endpoints: {
        test: deps.storage.webhooks.countEndpoints(ADMIN_STORE_ID, false),
        live: deps.storage.webhooks.countEndpoints(ADMIN_STORE_ID, true),
      },
    };
  }

  function refuseExistingLiveWallet(): void {
    if (deps.wallet.hasWallet(true)) throw conflict('wallet_exists', 'This node already has a live wallet; a node never replaces its wallet. Use a new KASSA_HOME for another one.');
  }

  async function createLiveWallet(mnemonic: string, param: string | null): Promise<void> {
    try {
      await deps.wallet.createLiveWallet({ mnemonic });
    } catch (err) {
      if (err instanceof WalletError) throw walletApiError(err, param);
      throw err;
    }
    drafts.discardAll();
    deps.logger.info('live wallet created from the setup wizard');
  }

  return {
    'GET /setup': () => view(),

    'POST /setup/mode': ({ body }) => {
      settings.putSetting(SETTING.setupMode, body.mode);
      return view();
    },

    'POST /setup/seed/draft': () => {
      refuseExistingLiveWallet();
      if (!deps.keyStore.dataKey) {
        throw unprocessable('key_store_missing', `A live seed needs a key store to be sealed in, and this node has none (${deps.keyStore.describe()}). Unlock an OS keychain or set KASSA_PASSPHRASE and restart, or use watch-only keys.`);
      }
      const draft = drafts.create();
      return { draft_id: draft.id, words: [...draft.words], confirm_positions: [...draft.positions], expires_at: new Date(draft.expiresAt).toISOString() };
    },

    'POST /setup/seed/confirm': async ({ body }) => {
      const draft = drafts.get(body.draft_id);
      if (!draft) throw new ApiError(404, 'invalid_request_error', 'resource_missing', 'No such seed draft: drafts last 10 minutes. Start again to get new words.', 'draft_id');
      const check = checkConfirmWords(draft.words, draft.positions, body.words);
      if (!check.ok) {
        const message =
          check.reason === 'missing' ? `word ${check.position} is required`
          : check.reason === 'unexpected' ? `word ${check.position} was not asked for (asked: ${draft.positions.join(', ')})`
          : `word ${check.position} does not match the words shown; check your written copy`;
        throw invalidParam(check.param, message, check.reason === 'missing' ? 'parameter_missing' : 'seed_word_mismatch');
      }
      refuseExistingLiveWallet();
      await createLiveWallet(draft.words.join(' '), null);
      return view();
    },

    'POST /setup/seed/import': async ({ body }) => {
      if (!validateMnemonic(body.mnemonic)) {
        throw invalidParam('mnemonic', 'mnemonic: not a valid BIP39 phrase (an unknown word, a wrong word count, or a bad checksum). Check the words and their order.', 'mnemonic_invalid');
      }
      refuseExistingLiveWallet();
      await createLiveWallet(body.mnemonic, 'mnemonic');
      return view();
    },

    'POST /setup/watch-only': ({ body }) => {
      const keys: Partial<Record<AddressScheme, string>> = {};
      body.keys.forEach(({ scheme, key }, i) => {
        if (keys[scheme] !== undefined) throw invalidParam(`keys[${i}].scheme`, `keys[${i}].scheme: ${scheme} is given twice`);
        try {
          chainNodeXpubFromExport(key.trim(), scheme);
        } catch (err) {
          if (err instanceof WalletError) throw walletApiError(err, `keys[${i}].key`);
          throw err;
        }
        keys[scheme] = key.trim();
      });
      refuseExistingLiveWallet();
      try {
        deps.wallet.importWatchOnly(keys);
      } catch (err) {
        if (err instanceof WalletError) throw walletApiError(err, 'keys');
        throw err;
      }
      drafts.discardAll();
      return view();
    },

    'POST /setup/networks/check': async ({ body }) => {
      const network = resolveNetwork(body.network);
      if (!network) throw invalidParam('network', `network: unknown network "${body.network.slice(0, 32)}"`);
      const bad = firstNonHttpUrl(body.rpc_urls);
      if (bad >= 0) throw invalidParam(`rpc_urls[${bad}]`, `rpc_urls[${bad}]: must be an absolute http:// or https:// URL`);
      const configured = network.id === 'devnet' ? undefined : deps.config.networks[network.id]?.backend;
      // URLs as the settings page shows them (redacted) are checked as stored, key included.
      const stored = network.id === 'devnet' ? [] : chooseRpcUrls(deps.config.networks[network.id]?.rpcUrls, ctx.savedRpcUrls()[network.id], []).urls;
      const results = await checkRpcUrls({ network, urls: mergeRpcUrls(body.rpc_urls, stored), backend: configured, fetch: deps.fetch });
      return { network: network.id, ok: results.every((r) => r.ok), results };
    },

    'POST /setup/complete': () => {
      const chosen = settings.getSetting(SETTING.setupMode);
      if (chosen === 'live' && !deps.wallet.hasWallet(true)) {
        throw conflict('live_wallet_missing', 'Live mode was chosen but there is no live wallet yet: create or import a seed, or give watch-only keys, first.');
      }
      settings.putSetting(SETTING.setupComplete, true);
      return view();
    },
  };
}

export function keyStoreView(ctx: HandlerContext) {
  const ks = ctx.deps.keyStore;
  return { kind: ks.kind, description: ks.describe(), can_seal: ks.dataKey !== null };
}
