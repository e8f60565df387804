// Invoices: the filtered, searchable table (JSON pages and a streamed CSV), one invoice's detail
// (events, webhook deliveries, what can be done), the operator's actions on it, and a new invoice
// made through the same payments service as the merchant API's create.
import { createPaymentSimulator, type SimulateOutcome } from '../../checkout/simulate-payment.ts';
import { conflict, invalidParam, notFound, unprocessable } from '../../http/errors.ts';
import { formatAmount } from '../../money/amount.ts';
import { resolveNetwork } from '../../money/assets.ts';
import { canAcceptLate, canCancel } from '../../payments/lifecycle.ts';
import { dueUnits } from '../../payments/payment-intents-service.ts';
import type { PaymentIntentRow } from '../../storage/payment-intents-store.ts';
import { isWellFormedId } from '../../util/ids.ts';
import { listPage } from '../../util/list-page.ts';
import { deliveryObject } from '../../webhooks/webhook-objects.ts';
import type { AdminOutput, AdminParsed } from '../contract.ts';
import type { AdminCallContext, AdminHandlers } from '../handler-types.ts';
import { ADMIN_STORE_ID, intentView, type HandlerContext } from './context.ts';
import { csvRow } from './csv.ts';
import { invoiceOptions } from './invoice-options.ts';
import { csvFileName, invoiceSearch } from './invoice-search.ts';
import { invoiceStream } from './stream.ts';

type InvoiceRoutes =
  | 'GET /invoices'
  | 'GET /invoices.csv'
  | 'POST /invoices'
  | 'GET /invoice-options'
  | 'GET /invoices/:id'
  | 'POST /invoices/:id/cancel'
  | 'POST /invoices/:id/accept-late'
  | 'POST /invoices/:id/simulate'
  | 'POST /deliveries/:id/redeliver'
  | 'GET /stream';

type Filters = AdminParsed<'GET /invoices.csv'>['query'];

const CSV_COLUMNS = [
  'id', 'created_at', 'status', 'exception', 'network', 'asset', 'amount', 'currency', 'pay_amount', 'amount_received',
  'amount_confirmed', 'receive_address', 'custom_id', 'customer_email', 'description', 'paid_at', 'expires_at', 'txids',
] as const;
const CSV_PAGE = 200;
const DETAIL_DELIVERIES = 100;

/** The devnet refused to send more than the faucet holds (a token revert or a native balance), anywhere in the cause chain. */
export function faucetCannotPay(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (/exceeds balance|insufficient funds/i.test(e.message)) return true;
  }
  return false;
}

export function invoiceHandlers(ctx: HandlerContext): Pick<AdminHandlers, InvoiceRoutes> {
  const { deps } = ctx;
  const { storage, intents } = deps;
  const simulator = createPaymentSimulator({ intentRow: (id) => storage.intents.get(id), testHelpers: deps.testHelpers, logger: deps.logger });

  function filterOf(q: Filters) {
    let network: string | undefined;
    if (q.network !== undefined) {
      const found = resolveNetwork(q.network);
      if (!found) throw invalidParam('network', `network: unknown network "${q.network.slice(0, 32)}"`);
      network = found.id;
    }
    return {
      storeId: ADMIN_STORE_ID,
      livemode: q.mode === 'live',
      status: q.status,
      exception: q.exception,
      network,
      asset: q.asset?.trim().toUpperCase(),
      createdGte: q.created_gte?.toISOString(),
      createdLte: q.created_lte?.toISOString(),
      search: q.q === undefined ? undefined : invoiceSearch(q.q),
    };
  }

  /** The intent behind an admin route: any mode, this store only; anything else is not found. */
  function intentRow(id: string): PaymentIntentRow {
    const row = isWellFormedId(id, 'pi') ? storage.intents.get(id) : null;
    if (!row || row.store_id !== ADMIN_STORE_ID) throw notFound('payment_intent', id);
    return row;
  }

  function detail(id: string): AdminOutput<'GET /invoices/:id'> {
    const row = intentRow(id);
    const payments = storage.payments.listByIntent(row.id);
    // The intent's own events and those about its payments (payment.reverted), in the order written.
    const eventRows = [row.id, ...payments.map((p) => p.id)].flatMap((objectId) => storage.events.listForObject(objectId)).filter((e) => e.store_id === row.store_id);
    eventRows.sort((a, b) => a.seq - b.seq);
    const deliveries = storage.webhooks
      .deliveriesForEvents(eventRows.map((e) => e.id), DETAIL_DELIVERIES)
      .map((d) => deliveryObject(d, storage.webhooks.attemptsOf(d.id)));
    const helpers = deps.testHelpers();
    return {
      invoice: intentView(intents.serialize(row, payments)),
      events: eventRows.map((e) => deps.events.toApiEvent(e)),
      deliveries,
      actions: {
        cancel: canCancel(row.status, payments),
        accept_late: canAcceptLate(row.status, row.exception),
        simulate:
          row.livemode === 0 && (row.status === 'pending' || row.status === 'confirming') && dueUnits(row) > 0n && helpers !== null && helpers.chainFor(row.network) !== null,
      },
    };
  }

  const callerOf = (row: PaymentIntentRow) => ({ storeId: row.store_id, livemode: row.livemode === 1 });

  async function writeCsv(query: Filters, { res }: AdminCallContext): Promise<void> {
    const filter = filterOf(query);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${csvFileName(query.mode, ctx.clock())}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    let closed = false;
    // Stop reading pages once the client has gone (the response closes with the connection).
    res.once('close', () => {
      closed = true;
    });
    const write = async (text: string) => {
      if (!res.write(text)) await new Promise<void>((resolve) => {
        const done = () => (res.off('drain', done), res.off('close', done), resolve());
        res.on('drain', done);
        res.on('close', done);
      });
    };
    await write(csvRow(CSV_COLUMNS));
    let before: { created_at: string; id: string } | undefined;
    while (!closed) {
      const rows = storage.intents.search({ ...filter, before, limit: CSV_PAGE });
      for (const row of rows) {
        const o = intents.serialize(row);
        await write(csvRow([
          o.id, o.created_at, o.status, o.exception, o.network, o.asset, o.amount, o.currency, o.pay_amount, o.amount_received,
          o.amount_confirmed, o.receive_address, o.custom_id, o.customer_email, o.description, o.paid_at, o.expires_at,
          o.payments.map((p) => p.txid).join(' '),
        ]));
        if (closed) break;
      }
      if (rows.length < CSV_PAGE) break;
      const last = rows[rows.length - 1]!;
      before = { created_at: last.created_at, id: last.id };
    }
    res.end();
  }

  return {
    'GET /invoices': ({ query }) => {
      const filter = filterOf(query);
      let before: { created_at: string; id: string } | undefined;
      if (query.starting_after !== undefined) {
        const anchor = isWellFormedId(query.starting_after, 'pi') ? storage.intents.get(query.starting_after) : null;
        if (!anchor || anchor.store_id !== ADMIN_STORE_ID || anchor.livemode !== (filter.livemode ? 1 : 0)) {
          throw invalidParam('starting_after', `starting_after: no such payment_intent '${query.starting_after.slice(0, 80)}' in ${query.mode} mode`);
        }
        before = { created_at: anchor.created_at, id: anchor.id };
      }
      const rows = storage.intents.search({ ...filter, before, limit: query.limit + 1 });
      return listPage(rows, query.limit, (r) => intentView(intents.serialize(r)));
    },

    'GET /invoices.csv': ({ query }, call) => writeCsv(query, call),

    // The API's create under the admin caller: same validation, events and webhooks; its errors name the field.
    'POST /invoices': async ({ body }) => {
      const { mode, ...input } = body;
      const created = await intents.createGrouped(ctx.caller(mode), input);
      return detail(created.id);
    },

    'GET /invoice-options': ({ query }) => {
      const livemode = query.mode === 'live';
      const options = invoiceOptions({
        livemode,
        liveNetworks: deps.liveNetworks(),
        evmDevnet: (deps.testHelpers()?.chainFor('devnet') ?? null) !== null,
        testNetworks: deps.testNetworks(),
      });
      return { mode: query.mode, ...options, wallet: deps.wallet.hasWallet(livemode) };
    },

    'GET /invoices/:id': ({ params }) => detail(params.id),

    'POST /invoices/:id/cancel': ({ params }) => {
      const row = intentRow(params.id);
      intents.cancel(callerOf(row), row.id);
      return detail(row.id);
    },

    'POST /invoices/:id/accept-late': ({ params }) => {
      const row = intentRow(params.id);
      intents.acceptLate(callerOf(row), row.id);
      return detail(row.id);
    },

    'POST /invoices/:id/simulate': async ({ params }) => {
      const row = intentRow(params.id);
      // Live intents have no simulator at all: the same answer as an unknown id.
      if (row.livemode === 1) throw notFound('payment_intent', params.id);
      let outcome: SimulateOutcome;
      try {
        outcome = await simulator.simulate(row.id);
      } catch (err) {
        // An invoice larger than the faucet holds is the operator's input, not a fault of the node (was a 500).
        if (faucetCannotPay(err)) throw unprocessable('faucet_insufficient', `The devnet faucet does not hold ${formatAmount(dueUnits(row), row.decimals)} ${row.asset}, so this invoice cannot be paid by simulation; simulate a smaller invoice.`);
        throw err;
      }
      if (!outcome.ok) {
        switch (outcome.reason) {
          case 'not_found':
            throw notFound('payment_intent', params.id);
          case 'devnet_unavailable':
            throw unprocessable('devnet_unavailable', `There is no devnet for ${row.network} on this node, so its payment cannot be simulated.`);
          case 'in_progress':
            throw conflict('simulation_in_progress', 'A simulated payment for this invoice is already under way.');
          case 'not_payable':
            throw conflict('payment_intent_unexpected_state', `Only a pending or confirming invoice with an amount still due can be paid; this one is ${row.status}.`);
        }
      }
      return detail(row.id);
    },

    'POST /deliveries/:id/redeliver': ({ params }) => {
      const delivery = isWellFormedId(params.id, 'whd') ? storage.webhooks.getDelivery(params.id) : null;
      const endpoint = delivery ? storage.webhooks.getEndpoint(delivery.endpoint_id) : null;
      if (!delivery || !endpoint || endpoint.store_id !== ADMIN_STORE_ID) throw notFound('webhook_delivery', params.id);
      return deps.webhooks.redeliver({ storeId: endpoint.store_id, livemode: endpoint.livemode === 1 }, endpoint.id, delivery.id);
    },

    'GET /stream': invoiceStream(ctx),
  };
}

