import { z } from 'zod';
import { formatAmount, parseAmount, AmountError } from '../money/amount.ts';
import { listNetworks } from '../money/assets.ts';
import { dueUnits, type PaymentIntentsService } from '../payments/payment-intents-service.ts';
import { ApiError, invalidParam, unprocessable } from './errors.ts';
import { defineRoute, type RouteDef } from './routes.ts';
import {
  CreatePaymentIntentBody,
  IdParams,
  ListPaymentIntentsQuery,
  listOf,
  PaymentIntentObject,
  SupportedAssetObject,
  TestMineBody,
  TestMineResult,
  TestPayBody,
  TestPayResult,
} from './schemas.ts';

function causeChainMatches(err: unknown, pattern: RegExp): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (pattern.test(e.message) || pattern.test(String((e as { details?: unknown }).details ?? ''))) return true;
  }
  return false;
}

/** What the test helpers need from the devnet; provided by the node when test mode runs. */
export interface TestHelpersPort {
  /** Sends `units` of the intent's token (or native coin) from the faucet; returns the txid. */
  pay(input: { chain: string; to: string; tokenContract: string | null; units: bigint }): Promise<string>;
  /** Mines blocks on the devnet behind `chain`, then lets the watcher catch up; returns the head. */
  mine(chain: string, blocks: number): Promise<number>;
  /** The devnet chain behind a network in test mode, or null when that network has none yet. */
  chainFor(networkId: string): string | null;
  /** Scans the chain up to its head and runs the expiry sweep (after a test clock moved). */
  settle(chain: string): Promise<void>;
}

export function paymentIntentRoutes(deps: {
  intents: PaymentIntentsService;
  testHelpers: () => TestHelpersPort | null;
  liveNetworks: () => ReadonlySet<string>;
}): RouteDef[] {
  const caller = (key: { storeId: string; livemode: boolean }) => ({ storeId: key.storeId, livemode: key.livemode });
  const helpers = () => {
    const h = deps.testHelpers();
    if (!h) throw unprocessable('devnet_unavailable', 'The devnet is off on this node (started with --no-devnet), so test helpers cannot run.');
    return h;
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/payment-intents',
      operationId: 'createPaymentIntent',
      summary: 'Create a payment intent: a fresh address and an exact amount to pay.',
      tag: 'Payment intents',
      scope: 'payment_intents:write',
      body: CreatePaymentIntentBody,
      response: PaymentIntentObject,
      envelope: 'data',
      status: 201,
      handler: ({ key, body }) => deps.intents.createGrouped(caller(key), body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/payment-intents',
      operationId: 'listPaymentIntents',
      summary: 'List payment intents, newest first (cursor pagination).',
      tag: 'Payment intents',
      scope: 'payment_intents:read',
      query: ListPaymentIntentsQuery,
      response: listOf(PaymentIntentObject),
      envelope: 'list',
      status: 200,
      handler: ({ key, query }) =>
        deps.intents.list(caller(key), {
          limit: query.limit,
          startingAfter: query.starting_after,
          status: query.status,
          customId: query.custom_id,
          createdGte: query['created[gte]'] ?? query.created_gte,
          createdLte: query['created[lte]'] ?? query.created_lte,
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/payment-intents/:id',
      operationId: 'retrievePaymentIntent',
      summary: 'Retrieve a payment intent with its payments.',
      tag: 'Payment intents',
      scope: 'payment_intents:read',
      params: IdParams,
      response: PaymentIntentObject,
      envelope: 'data',
      status: 200,
      handler: ({ key, params }) => deps.intents.get(caller(key), params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/payment-intents/:id/cancel',
      operationId: 'cancelPaymentIntent',
      summary: 'Cancel a pending payment intent that has received nothing.',
      tag: 'Payment intents',
      scope: 'payment_intents:write',
      params: IdParams,
      body: z.strictObject({}),
      response: PaymentIntentObject,
      envelope: 'data',
      status: 200,
      handler: ({ key, params }) => deps.intents.cancel(caller(key), params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/supported-assets',
      operationId: 'listSupportedAssets',
      summary: 'Networks and assets this node accepts, and in which mode.',
      tag: 'Reference',
      scope: 'payment_intents:read',
      // No filters yet: a query parameter (say a misspelt `network`) is refused, not silently ignored.
      query: z.strictObject({}),
      response: listOf(SupportedAssetObject),
      envelope: 'list',
      status: 200,
      handler: () => {
        const live = deps.liveNetworks();
        const data = listNetworks().flatMap((n) =>
          Object.values(n.assets).map((a) => ({
            object: 'supported_asset' as const,
            network: n.id,
            network_name: n.name,
            aliases: n.aliases,
            asset: a.symbol,
            decimals: a.decimals,
            contract: a.contract || null,
            default_confirmations: n.defaultConfirmations,
            test_mode: n.family === 'evm' && deps.testHelpers() !== null,
            live_mode: live.has(n.id),
          })),
        );
        return { object: 'list' as const, data, has_more: false, next_cursor: null };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/test-helpers/payment-intents/:id/pay',
      operationId: 'testHelperPay',
      summary: 'Test mode: send real devnet tokens from the faucet to the intent\'s address.',
      tag: 'Test helpers',
      scope: 'payment_intents:write',
      testOnly: true,
      params: IdParams,
      body: TestPayBody,
      response: TestPayResult,
      envelope: 'data',
      status: 200,
      handler: async ({ key, params, body }) => {
        const h = helpers();
        const row = deps.intents.getRow(caller(key), params.id);
        let units: bigint;
        if (body.amount !== undefined) {
          try {
            units = parseAmount(body.amount, row.decimals);
          } catch (err) {
            if (err instanceof AmountError) throw invalidParam('amount', `amount ${err.message}`);
            throw err;
          }
          if (units <= 0n) throw invalidParam('amount', 'amount must be greater than 0');
        } else {
          units = dueUnits(row);
          if (units <= 0n) throw new ApiError(409, 'invalid_request_error', 'nothing_due', 'Nothing is due on this payment intent; pass `amount` to pay more anyway.');
        }
        let txid: string;
        try {
          txid = await h.pay({ chain: row.chain, to: row.receive_address, tokenContract: row.token_contract, units });
        } catch (err) {
          // Asking for more than the faucet holds is the caller's input, not a fault of the node.
          if (causeChainMatches(err, /exceeds balance|insufficient funds/i)) {
            throw unprocessable('faucet_insufficient', `amount: the devnet faucet does not hold ${formatAmount(units, row.decimals)} ${row.asset}; pay a smaller amount`, 'amount');
          }
          throw err;
        }
        return {
          object: 'test_helper.payment' as const,
          payment_intent: row.id,
          txid,
          network: row.network,
          chain: row.chain,
          to: row.receive_address,
          amount: formatAmount(units, row.decimals),
          asset: row.asset,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/test-helpers/payment-intents/:id/expire',
      operationId: 'testHelperExpire',
      summary: 'Test mode: expire a pending payment intent now (a test clock for the expiry and late-payment paths).',
      tag: 'Test helpers',
      scope: 'payment_intents:write',
      testOnly: true,
      params: IdParams,
      body: z.strictObject({}),
      response: PaymentIntentObject,
      envelope: 'data',
      status: 200,
      handler: async ({ key, params }) => {
        const h = helpers();
        const row = deps.intents.expireNowForTest(caller(key), params.id);
        await h.settle(row.chain);
        return deps.intents.get(caller(key), row.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/test-helpers/devnet/mine',
      operationId: 'testHelperMine',
      summary: 'Test mode: mine blocks on the devnet behind a network (default: the EVM devnet).',
      tag: 'Test helpers',
      scope: 'payment_intents:write',
      testOnly: true,
      body: TestMineBody,
      response: TestMineResult,
      envelope: 'data',
      status: 200,
      handler: async ({ body }) => {
        const h = helpers();
        const network = body.network ?? 'devnet';
        const chain = h.chainFor(network);
        if (!chain) throw invalidParam('network', `network: no test devnet behind "${network.slice(0, 40)}" on this node`);
        const head = await h.mine(chain, body.blocks);
        return { object: 'test_helper.mine' as const, network, chain, blocks: body.blocks, head };
      },
    }),
  ];
}
