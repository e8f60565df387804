// Payment intents: creation (pricing, address allocation), reads, cancel, and the recompute that
// every chain observation and every clock tick funnels through. Rules live in lifecycle.ts (pure);
// this module wires them to storage and the event log, one transaction per state change.
import type { Logger } from 'pino';
import { getAddress } from 'viem';
import { AmountError, formatAmount, parseAmount } from '../money/amount.ts';
import type { AssetInfo, DevnetTokens, NetworkInfo } from '../money/assets.ts';
import { getNetwork, paymentUri, resolveAsset, resolveNetwork, testModeAsset } from '../money/assets.ts';
import type { RateSource } from '../money/rates.ts';
import { fiatMinorUnits, quoteFiat, RateUnavailableError, UnsupportedCurrencyError } from '../money/rates.ts';
import { GroupCommitError } from '../storage/group-commit.ts';
import type { Storage } from '../storage/index.ts';
import type { IntentStatus, PaymentIntentRow } from '../storage/payment-intents-store.ts';
import type { PaymentRow } from '../storage/payments-store.ts';
import { newId } from '../util/ids.ts';
import { isoSeconds } from '../util/time.ts';
import type { WalletService } from '../wallet/wallet-service.ts';
import type { EventsService } from '../webhooks/events-service.ts';
import type { PaymentChanges } from './lifecycle.ts';
import { canAcceptLate, canCancel, computeIntentState, defaultLatePaymentPolicy, transitionEvents } from './lifecycle.ts';
import { createCreditLedger } from './credit-ledger.ts';
import { pickUniqueAmount } from './unique-amount.ts';
import { listPage } from '../util/list-page.ts';
import { ownedBy } from '../util/owned-by.ts';

/** A rule-level failure the HTTP edge maps to a 4xx naming `param`. */
export class PaymentInputError extends Error {
  readonly status: 400 | 404 | 409 | 422;
  readonly code: string;
  readonly param: string | null;
  constructor(status: PaymentInputError['status'], code: string, param: string | null, message: string) {
    super(message);
    this.name = 'PaymentInputError';
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

export interface CreatePaymentIntentInput {
  method?: string | undefined;
  network?: string | undefined;
  asset: string;
  amount: string | number;
  currency?: string | undefined;
  custom_id?: string | undefined;
  customer_email?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
  expires_in?: number | undefined;
  success_url?: string | undefined;
  cancel_url?: string | undefined;
  /** Set by the checkout-sessions service only (the API schema has no such field). */
  checkout_session?: string | undefined;
}

export interface Caller {
  storeId: string;
  livemode: boolean;
}

export interface DevnetBinding {
  chainId: number;
  tokens: DevnetTokens;
  confirmations: number;
}

/** A devnet standing in for a non-EVM network in test mode. */
export interface TestNetworkBinding {
  /** The chain its watcher watches, e.g. 'tron-devnet'. */
  chain: string;
  /** Token contracts by asset symbol, in the chain's canonical form. */
  tokens: Readonly<Record<string, string>>;
  confirmations: number;
}

export interface PaymentIntentsDeps {
  storage: Storage;
  events: EventsService;
  wallet: WalletService;
  logger: Logger;
  rateSources: RateSource[];
  /** The EVM devnet test mode runs on; null when it is off. */
  devnet: () => DevnetBinding | null;
  /** Test chains of the other families, by network id (e.g. tron → the Tron devnet); absent = no test mode there. */
  testNetworks?: () => ReadonlyMap<string, TestNetworkBinding>;
  /** Live networks the node watches (enabled in config), with their confirmation counts. */
  liveNetworks: () => ReadonlyMap<string, { confirmations: number }>;
  publicBaseUrl: () => string;
  clock?: () => Date;
}

const ISO = (d: Date) => d.toISOString();

/** Hears every status change of an intent inside the transaction that writes it (checkout sessions complete here). */
export type IntentStatusListener = (intent: PaymentIntentRow, from: IntentStatus, at: Date) => void;

/** Base units still to pay: pay_amount minus what has arrived, never below zero. */
export function dueUnits(row: Pick<PaymentIntentRow, 'pay_amount' | 'amount_received'>): bigint {
  const due = BigInt(row.pay_amount) - BigInt(row.amount_received);
  return due > 0n ? due : 0n;
}

export function createPaymentIntentsService(deps: PaymentIntentsDeps) {
  const { storage, events, wallet, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const statusListeners = new Set<IntentStatusListener>();

  function scannedHead(chain: string): number | null {
    return storage.chains.latestBlock(chain)?.number ?? null;
  }

  function serializePayment(p: PaymentRow, head: number | null, family: string, decimals: number) {
    const confirmations = p.status === 'reverted' || head === null || p.block_number === null ? 0 : Math.max(0, head - p.block_number + 1);
    return {
      object: 'payment' as const,
      id: p.id,
      payment_intent: p.intent_id,
      txid: p.txid,
      log_index: (family === 'evm' || family === 'tron') && p.output_index >= 0 ? p.output_index : null,
      vout: family === 'bitcoin' ? p.output_index : null,
      from: p.from_address,
      amount: formatAmount(BigInt(p.amount), decimals),
      block_number: p.block_number,
      block_hash: p.block_hash,
      confirmations,
      status: p.status,
      detected_at: isoSeconds(new Date(p.detected_at)),
      confirmed_at: p.confirmed_at ? isoSeconds(new Date(p.confirmed_at)) : null,
      reverted_at: p.reverted_at ? isoSeconds(new Date(p.reverted_at)) : null,
    };
  }

  // A handful of token contracts, shown on every intent: checksum each once.
  const checksummedContracts = new Map<string, string>();

  /** Contracts are stored lowercase for matching and shown EIP-55 checksummed on EVM. */
  function displayContract(row: PaymentIntentRow, network: NetworkInfo): string | null {
    if (row.token_contract === null) return null;
    if (network.family !== 'evm' && network.id !== 'devnet') return row.token_contract;
    let shown = checksummedContracts.get(row.token_contract);
    if (shown === undefined) {
      shown = getAddress(row.token_contract);
      if (checksummedContracts.size < 1000) checksummedContracts.set(row.token_contract, shown);
    }
    return shown;
  }

  function intentPaymentUri(row: PaymentIntentRow, network: NetworkInfo): string {
    const asset: AssetInfo = { ...(resolveAsset(network, row.asset) as AssetInfo), decimals: row.decimals, contract: displayContract(row, network) };
    const due = dueUnits(row);
    const units = due > 0n ? due : BigInt(row.pay_amount);
    const chainId = row.chain === 'devnet' ? (deps.devnet()?.chainId ?? 31337) : undefined;
    try {
      return paymentUri(network, asset, row.receive_address, units, chainId);
    } catch {
      return '';
    }
  }

  function serialize(row: PaymentIntentRow, payments: PaymentRow[] = storage.payments.listByIntent(row.id)) {
    const network = getNetwork(row.network as NetworkInfo['id']);
    // Only payments show confirmations; a new intent (no payments) skips the head lookup.
    const head = payments.length > 0 ? scannedHead(row.chain) : null;
    return {
      object: 'payment_intent' as const,
      id: row.id,
      livemode: row.livemode === 1,
      store_id: row.store_id,
      status: row.status,
      exception: row.exception,
      network: row.network,
      asset: row.asset,
      amount: row.fiat_amount ?? formatAmount(BigInt(row.amount), row.decimals),
      currency: row.currency,
      pay_amount: formatAmount(BigInt(row.pay_amount), row.decimals),
      amount_received: formatAmount(BigInt(row.amount_received), row.decimals),
      amount_confirmed: formatAmount(BigInt(row.amount_confirmed), row.decimals),
      amount_due: formatAmount(dueUnits(row), row.decimals),
      decimals: row.decimals,
      token_contract: displayContract(row, network),
      rate: row.rate ? (JSON.parse(row.rate) as Record<string, string>) : null,
      receive_address: row.receive_address,
      address_mode: row.address_mode,
      payment_uri: intentPaymentUri(row, network),
      checkout_url: `${deps.publicBaseUrl().replace(/\/$/, '')}/checkout/${row.id}`,
      checkout_session: row.checkout_session_id ?? null,
      confirmations_required: row.confirmations_required,
      late_payment_policy: row.late_payment_policy,
      custom_id: row.custom_id,
      customer_email: row.customer_email,
      description: row.description,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      success_url: row.success_url,
      cancel_url: row.cancel_url,
      payments: payments.map((p) => serializePayment(p, head, network.family, row.decimals)),
      created_at: isoSeconds(new Date(row.created_at)),
      expires_at: isoSeconds(new Date(row.expires_at)),
      monitor_until: isoSeconds(new Date(row.monitor_until)),
      paid_at: row.paid_at ? isoSeconds(new Date(row.paid_at)) : null,
      canceled_at: row.canceled_at ? isoSeconds(new Date(row.canceled_at)) : null,
    };
  }
  type PaymentIntentObject = ReturnType<typeof serialize>;

  function recordIntentEvent(type: Parameters<EventsService['record']>[0]['type'], row: PaymentIntentRow, object: Record<string, unknown>, at: Date) {
    events.record({ type, storeId: row.store_id, livemode: row.livemode === 1, objectType: 'payment_intent', objectId: row.id, object, at });
  }

  /**
   * Derives the intent's state from its payments and the clock, stores it when it changed and
   * records the events of the change. Call inside a transaction.
   */
  function recompute(intentId: string, now: Date, changes: PaymentChanges = { detected: [], reverted: [] }): void {
    const row = storage.intents.get(intentId);
    if (!row) return;
    const payments = storage.payments.listByIntent(intentId);
    const state = computeIntentState({
      status: row.status,
      exception: row.exception,
      amount: BigInt(row.pay_amount),
      tolerance: BigInt(row.tolerance),
      expiresAt: new Date(row.expires_at),
      monitorUntil: new Date(row.monitor_until),
      latePaymentPolicy: row.late_payment_policy,
      payments: payments.map((p) => ({
        id: p.id,
        amount: BigInt(p.amount),
        status: p.status,
        seenAt: new Date(p.block_time === null ? Date.parse(p.detected_at) : Math.min(Date.parse(p.block_time), Date.parse(p.detected_at))),
      })),
      now,
      paidAt: row.paid_at ? new Date(row.paid_at) : null,
    });
    const updated: PaymentIntentRow = {
      ...row,
      status: state.status,
      exception: state.exception,
      amount_received: state.amountReceived.toString(),
      amount_confirmed: state.amountConfirmed.toString(),
      paid_at: state.paidAt ? ISO(state.paidAt) : null,
    };
    const changed =
      updated.status !== row.status ||
      updated.exception !== row.exception ||
      updated.amount_received !== row.amount_received ||
      updated.amount_confirmed !== row.amount_confirmed ||
      updated.paid_at !== row.paid_at;
    const transitions = transitionEvents({ status: row.status, exception: row.exception }, state, changes);
    if (!changed && transitions.length === 0) return;
    if (changed) {
      updated.updated_at = ISO(now);
      storage.intents.updateState(updated);
    }
    const object = serialize(updated, payments);
    for (const t of transitions) {
      if (t.type === 'payment.reverted') {
        const payment = object.payments.find((p) => p.id === t.paymentId);
        if (payment) {
          events.record({ type: t.type, storeId: row.store_id, livemode: row.livemode === 1, objectType: 'payment', objectId: payment.id, object: payment, at: now });
        }
      } else {
        recordIntentEvent(t.type, updated, object, now);
      }
    }
    if (updated.status !== row.status) {
      logger.info({ intent: row.id, from: row.status, to: updated.status, exception: updated.exception }, 'payment intent status changed');
      for (const listener of statusListeners) listener(updated, row.status, now);
    }
  }

  function resolveTerms(caller: Caller, input: CreatePaymentIntentInput) {
    const networkInput = input.network ?? input.method;
    const networkParam = input.network !== undefined ? 'network' : 'method';
    if (networkInput === undefined) throw new PaymentInputError(400, 'parameter_missing', 'network', 'network (or method) is required, e.g. "bsc" or "trc20"');
    const network = resolveNetwork(networkInput);
    if (!network) {
      throw new PaymentInputError(400, 'parameter_invalid', networkParam, `${networkParam}: unsupported network "${String(networkInput).slice(0, 40)}"`);
    }
    if (input.network !== undefined && input.method !== undefined && resolveNetwork(input.method)?.id !== network.id) {
      throw new PaymentInputError(400, 'parameter_invalid', 'method', 'method and network name different networks; send one of them');
    }
    const asset = resolveAsset(network, input.asset);
    if (!asset) {
      throw new PaymentInputError(400, 'parameter_invalid', 'asset', `asset: ${String(input.asset).slice(0, 20)} is not supported on ${network.id} (supported: ${Object.keys(network.assets).join(', ')})`);
    }
    if (!caller.livemode) {
      if (network.id !== 'devnet' && network.family !== 'evm') {
        const test = deps.testNetworks?.().get(network.id);
        if (!test) throw new PaymentInputError(422, 'network_unavailable', networkParam, `${networkParam}: ${network.name} has no test devnet on this node (it is off or not available yet)`);
        const contract = asset.contract === null ? null : test.tokens[asset.symbol];
        if (contract === undefined) throw new PaymentInputError(422, 'network_unavailable', 'asset', `${asset.symbol} on ${network.id} has no devnet stand-in`);
        return { network, asset, chain: test.chain, contract, decimals: asset.decimals, confirmations: test.confirmations };
      }
      const devnet = deps.devnet();
      if (!devnet) throw new PaymentInputError(422, 'devnet_unavailable', networkParam, 'test mode needs the devnet, which is off on this node (started with --no-devnet)');
      const mapped = network.id === 'devnet'
        ? { chain: 'devnet' as const, contract: asset.contract === null ? null : devnet.tokens[asset.symbol as 'USDT' | 'USDC'], decimals: asset.decimals }
        : testModeAsset(network, asset, devnet.tokens);
      if (!mapped) throw new PaymentInputError(422, 'network_unavailable', 'asset', `${asset.symbol} on ${network.id} has no devnet stand-in`);
      return { network, asset, chain: mapped.chain, contract: mapped.contract?.toLowerCase() ?? null, decimals: mapped.decimals, confirmations: devnet.confirmations };
    }
    if (network.id === 'devnet') throw new PaymentInputError(400, 'parameter_invalid', networkParam, 'the devnet takes test keys (sk_test_…), not live ones');
    const live = deps.liveNetworks().get(network.id);
    if (!live) {
      throw new PaymentInputError(422, 'network_disabled', networkParam, network.family === 'evm' || network.family === 'tron' ? `${network.id} is not enabled on this node; set networks.${network.id}.enabled in config.json` : `live ${network.name} payments are not available on this node yet (its chain adapter arrives with a later release); use an EVM network or tron`);
    }
    const contract = asset.contract === null ? null : network.family === 'evm' ? asset.contract.toLowerCase() : asset.contract;
    return { network, asset, chain: network.id as string, contract, decimals: asset.decimals, confirmations: live.confirmations };
  }

  function priceIntent(input: CreatePaymentIntentInput, asset: AssetInfo, decimals: number, now: Date) {
    const currency = (input.currency ?? asset.symbol).trim().toUpperCase();
    if (currency === asset.symbol) {
      try {
        return { units: parseAmount(input.amount, decimals), currency, fiatAmount: null, rate: null };
      } catch (err) {
        if (err instanceof AmountError) throw new PaymentInputError(400, 'parameter_invalid', 'amount', `amount ${err.message}`);
        throw err;
      }
    }
    try {
      const quote = quoteFiat({ fiatAmount: input.amount, currency, asset: { ...asset, decimals }, sources: deps.rateSources, now });
      const minorUnits = fiatMinorUnits(currency)!;
      const fiatAmount = formatAmount(parseAmount(input.amount, minorUnits), minorUnits);
      return { units: quote.units, currency, fiatAmount, rate: quote.rate };
    } catch (err) {
      if (err instanceof AmountError) throw new PaymentInputError(400, 'parameter_invalid', 'amount', `amount ${err.message} for ${currency}`);
      if (err instanceof UnsupportedCurrencyError) throw new PaymentInputError(400, 'parameter_invalid', 'currency', `currency: unsupported currency "${currency.slice(0, 10)}"`);
      if (err instanceof RateUnavailableError) throw new PaymentInputError(422, 'rate_unavailable', 'currency', `currency: no exchange rate for ${err.pair}; configure one under "rates" in config.json`);
      throw err;
    }
  }

  /** Validates and prices a new intent; returns the write (address, unique amount, row, event) to run in a transaction. */
  function planCreate(caller: Caller, input: CreatePaymentIntentInput): () => PaymentIntentObject {
    const now = clock();
    const store = storage.stores.get(caller.storeId);
    if (!store) throw new PaymentInputError(404, 'resource_missing', null, 'the key\'s store no longer exists');
    const terms = resolveTerms(caller, input);
    const price = priceIntent(input, terms.asset, terms.decimals, now);
    if (price.units <= 0n) throw new PaymentInputError(400, 'parameter_invalid', 'amount', 'amount must be greater than 0');
    const fiatAmount = price.fiatAmount;
    const expiresIn = input.expires_in ?? store.default_expires_in;
    const expiresAt = new Date(now.getTime() + expiresIn * 1000);
    const monitorUntil = new Date(expiresAt.getTime() + store.monitoring_window * 1000);
    let tolerance = (price.units * BigInt(store.underpaid_tolerance_bps)) / 10_000n;
    if (tolerance >= price.units) tolerance = price.units - 1n;
    const id = newId('pi');
    return () => {
      if (input.custom_id !== undefined && storage.intents.findByCustomId(caller.storeId, caller.livemode, input.custom_id)) {
        throw new PaymentInputError(409, 'custom_id_taken', 'custom_id', `custom_id "${input.custom_id.slice(0, 80)}" is already used by another payment intent in this store`);
      }
      const scheme = terms.network.id === 'devnet' ? 'evm' : terms.network.addressScheme;
      const shared = (JSON.parse(store.shared_address_networks) as string[]).includes(terms.network.id);
      const { address, index } = shared
        ? wallet.sharedAddress(caller.storeId, caller.livemode, scheme)
        : wallet.allocateAddress(caller.livemode, scheme, `payment_intent:${id}`);
      const watchAddress = scheme === 'evm' ? address.toLowerCase() : address;
      let payAmount = price.units;
      if (shared) {
        // Inside the write transaction: no other intent can take the same amount meanwhile.
        const taken = new Set(storage.intents.sharedPayAmountsInUse(terms.chain, watchAddress, terms.contract, ISO(now)));
        const unique = pickUniqueAmount(price.units, terms.decimals, taken);
        if (unique === null) {
          throw new PaymentInputError(409, 'unique_amount_exhausted', 'amount', 'every unique amount near this one is in use on the shared address; try again later or a slightly different amount');
        }
        payAmount = unique;
      }
      const row: PaymentIntentRow = {
        id,
        store_id: caller.storeId,
        livemode: caller.livemode ? 1 : 0,
        status: 'pending',
        exception: null,
        network: terms.network.id,
        chain: terms.chain,
        asset: terms.asset.symbol,
        decimals: terms.decimals,
        token_contract: terms.contract,
        amount: price.units.toString(),
        currency: price.currency,
        fiat_amount: fiatAmount,
        rate: price.rate ? JSON.stringify(price.rate) : null,
        pay_amount: payAmount.toString(),
        // On a shared address only the exact amount identifies the intent, so nothing less counts.
        tolerance: shared ? '0' : tolerance.toString(),
        amount_received: '0',
        amount_confirmed: '0',
        receive_address: address,
        watch_address: watchAddress,
        address_mode: shared ? 'shared' : 'unique',
        address_scheme: scheme,
        address_index: index,
        confirmations_required: terms.confirmations,
        late_payment_policy: store.late_payment_policy ?? defaultLatePaymentPolicy(terms.asset),
        custom_id: input.custom_id ?? null,
        customer_email: input.customer_email ?? null,
        description: input.description ?? null,
        metadata: JSON.stringify(input.metadata ?? {}),
        success_url: input.success_url ?? null,
        cancel_url: input.cancel_url ?? null,
        checkout_session_id: input.checkout_session ?? null,
        created_at: ISO(now),
        expires_at: ISO(expiresAt),
        monitor_until: ISO(monitorUntil),
        paid_at: null,
        canceled_at: null,
        updated_at: ISO(now),
      };
      storage.intents.insert(row);
      // The event and the API response show the same object (serialized once; nobody mutates it).
      const object = serialize(row, []);
      recordIntentEvent('payment_intent.created', row, object, now);
      return object;
    };
  }

  return {
    serialize,
    recompute,
    /** Registers a listener of status changes (called in the writing transaction); returns its removal. */
    onStatusChange(listener: IntentStatusListener): () => void {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },

    create(caller: Caller, input: CreatePaymentIntentInput): PaymentIntentObject {
      const object = storage.transaction(planCreate(caller, input));
      events.flush();
      return object;
    },

    /**
     * The API's create: the same writes, committed together with other creations arriving at the
     * same moment (group commit, one fsync for all). Resolves once the intent is on disk.
     */
    async createGrouped(caller: Caller, input: CreatePaymentIntentInput): Promise<PaymentIntentObject> {
      const write = planCreate(caller, input);
      let object: PaymentIntentObject;
      try {
        object = await storage.groupTransaction(write);
      } catch (err) {
        // The group's COMMIT failed: none of its events were written, so none may be announced.
        if (err instanceof GroupCommitError) {
          events.discardPending();
          throw err.cause;
        }
        throw err;
      }
      events.flush();
      return object;
    },

    get(caller: Caller, id: string): PaymentIntentObject {
      const row = storage.intents.get(id);
      if (!ownedBy(row, caller)) {
        throw new PaymentInputError(404, 'resource_missing', 'id', `No such payment_intent: '${id.slice(0, 80)}'`);
      }
      return serialize(row);
    },

    /** The row itself (test helpers and the checkout need chain details). */
    getRow(caller: Caller, id: string): PaymentIntentRow {
      const row = storage.intents.get(id);
      if (!ownedBy(row, caller)) {
        throw new PaymentInputError(404, 'resource_missing', 'id', `No such payment_intent: '${id.slice(0, 80)}'`);
      }
      return row;
    },

    list(caller: Caller, q: { status?: IntentStatus | undefined; customId?: string | undefined; createdGte?: Date | undefined; createdLte?: Date | undefined; startingAfter?: string | undefined; limit: number }) {
      let before: { created_at: string; id: string } | undefined;
      if (q.startingAfter !== undefined) {
        const anchor = storage.intents.get(q.startingAfter);
        if (!ownedBy(anchor, caller)) {
          throw new PaymentInputError(400, 'parameter_invalid', 'starting_after', `starting_after: no such payment_intent '${q.startingAfter.slice(0, 80)}'`);
        }
        before = { created_at: anchor.created_at, id: anchor.id };
      }
      const rows = storage.intents.list({
        storeId: caller.storeId,
        livemode: caller.livemode,
        status: q.status,
        customId: q.customId,
        createdGte: q.createdGte ? ISO(q.createdGte) : undefined,
        createdLte: q.createdLte ? ISO(q.createdLte) : undefined,
        before,
        limit: q.limit + 1,
      });
      return listPage(rows, q.limit, (r) => serialize(r));
    },

    cancel(caller: Caller, id: string): PaymentIntentObject {
      const now = clock();
      const row = this.getRow(caller, id);
      const object = storage.transaction(() => {
        const fresh = storage.intents.get(row.id)!;
        const payments = storage.payments.listByIntent(fresh.id);
        if (!canCancel(fresh.status, payments)) {
          throw new PaymentInputError(409, 'payment_intent_unexpected_state', null, `a payment intent can be canceled only while pending with nothing received; this one is ${fresh.status}${payments.length ? ' and has payments' : ''}`);
        }
        const updated: PaymentIntentRow = { ...fresh, status: 'canceled', canceled_at: ISO(now), updated_at: ISO(now) };
        storage.intents.updateState(updated);
        const object = serialize(updated, payments);
        recordIntentEvent('payment_intent.canceled', updated, object, now);
        for (const listener of statusListeners) listener(updated, fresh.status, now);
        return object;
      });
      events.flush();
      return object;
    },

    /**
     * The operator accepts a late payment the 'flag' policy held back: the intent's policy becomes
     * 'accept' and its state is recomputed in the same transaction, so it is paid (with
     * payment_intent.paid) once its payments are confirmed, exactly as under 'accept'.
     */
    acceptLate(caller: Caller, id: string): PaymentIntentObject {
      const now = clock();
      const row = this.getRow(caller, id);
      const object = storage.transaction(() => {
        const fresh = storage.intents.get(row.id)!;
        if (!canAcceptLate(fresh.status, fresh.exception)) {
          throw new PaymentInputError(409, 'payment_intent_unexpected_state', null, `only an expired payment intent with a late payment (exception paid_late) can be accepted; this one is ${fresh.status}${fresh.exception ? ` (${fresh.exception})` : ''}`);
        }
        storage.intents.setLatePaymentPolicy(fresh.id, 'accept', ISO(now));
        recompute(fresh.id, now);
        return serialize(storage.intents.get(fresh.id)!);
      });
      events.flush();
      logger.info({ intent: row.id, status: object.status }, 'late payment accepted by the operator');
      return object;
    },

    /** Test mode: moves a pending intent's expiry to now (a test clock), so expiry paths can be exercised. */
    expireNowForTest(caller: Caller, id: string): PaymentIntentRow {
      const now = clock();
      const row = this.getRow(caller, id);
      if (row.livemode === 1) throw new PaymentInputError(404, 'resource_missing', 'id', `No such payment_intent: '${id.slice(0, 80)}'`);
      if (row.status !== 'pending') {
        throw new PaymentInputError(409, 'payment_intent_unexpected_state', null, `only a pending payment intent can be expired; this one is ${row.status}`);
      }
      const store = storage.stores.get(row.store_id)!;
      // Block timestamps are whole seconds: expire at the previous whole second, so every block mined
      // from now on is unambiguously after the expiry.
      const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 - 1000);
      storage.intents.setExpiry(row.id, ISO(expiresAt), ISO(new Date(expiresAt.getTime() + store.monitoring_window * 1000)), ISO(now));
      return storage.intents.get(row.id)!;
    },

    /** Expires intents whose time is up, once the chain they watch has been scanned past that time. */
    expireDue(now: Date, chainSyncedSince: (chain: string, at: Date) => boolean): number {
      let expired = 0;
      const due = storage.intents.dueForExpiry(ISO(now), 500);
      for (const d of due) {
        if (!chainSyncedSince(d.chain, new Date(d.expires_at))) continue;
        storage.transaction(() => recompute(d.id, now));
        expired++;
      }
      events.flush();
      return expired;
    },

    /** The ledger side the chain watchers call; every method runs inside the watcher's transaction. */
    ledger: createCreditLedger({ storage, events, logger, recompute }),
  };
}

export type PaymentIntentsService = ReturnType<typeof createPaymentIntentsService>;
export type PaymentIntentObject = ReturnType<PaymentIntentsService['serialize']>;
