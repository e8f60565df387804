// Webhook endpoints for the dashboard: thin over the webhooks service. Routes with an id take the
// endpoint's own mode; the list and create take `mode`.
import { notFound } from '../../http/errors.ts';
import type { WebhookEndpointRow } from '../../storage/webhooks-store.ts';
import { isWellFormedId } from '../../util/ids.ts';
import { DEFAULT_ROTATION_OVERLAP_S } from '../../webhooks/webhook-endpoints-service.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { ADMIN_STORE_ID, endpointView, type HandlerContext } from './context.ts';

type WebhookRoutes =
  | 'GET /webhook-endpoints'
  | 'POST /webhook-endpoints'
  | 'PATCH /webhook-endpoints/:id'
  | 'DELETE /webhook-endpoints/:id'
  | 'POST /webhook-endpoints/:id/test'
  | 'POST /webhook-endpoints/:id/rotate-secret'
  | 'GET /webhook-endpoints/:id/deliveries';

/** Every endpoint of a mode fits one dashboard page. */
const LIST_LIMIT = 100;

export function webhookHandlers(ctx: HandlerContext): Pick<AdminHandlers, WebhookRoutes> {
  const { deps } = ctx;
  const { webhooks } = deps;

  function endpoint(id: string): { row: WebhookEndpointRow; caller: { storeId: string; livemode: boolean } } {
    const row = isWellFormedId(id, 'we') ? deps.storage.webhooks.getEndpoint(id) : null;
    if (!row || row.store_id !== ADMIN_STORE_ID) throw notFound('webhook_endpoint', id);
    return { row, caller: { storeId: row.store_id, livemode: row.livemode === 1 } };
  }

  return {
    'GET /webhook-endpoints': ({ query }) => {
      const page = webhooks.list(ctx.caller(query.mode), { limit: LIST_LIMIT });
      return { ...page, data: page.data.map(endpointView) };
    },
    'POST /webhook-endpoints': async ({ query, body }) => endpointView(await webhooks.create(ctx.caller(query.mode), body)),
    'PATCH /webhook-endpoints/:id': async ({ params, body }) => endpointView(await webhooks.update(endpoint(params.id).caller, params.id, body)),
    'DELETE /webhook-endpoints/:id': ({ params }) => {
      webhooks.remove(endpoint(params.id).caller, params.id);
      return { ok: true as const };
    },
    'POST /webhook-endpoints/:id/test': ({ params }) => webhooks.sendTest(endpoint(params.id).caller, params.id),
    'POST /webhook-endpoints/:id/rotate-secret': ({ params }) =>
      endpointView(webhooks.rotateSecret(endpoint(params.id).caller, params.id, { expiresIn: DEFAULT_ROTATION_OVERLAP_S })),
    'GET /webhook-endpoints/:id/deliveries': ({ params, query }) =>
      webhooks.listDeliveries(endpoint(params.id).caller, params.id, { limit: query.limit, startingAfter: query.starting_after }),
  };
}
