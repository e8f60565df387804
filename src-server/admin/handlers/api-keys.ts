// API keys for the dashboard: list, create (the key is in this one answer only), revoke.
import { notFound } from '../../http/errors.ts';
import type { ApiKeySummary } from '../../keys/api-keys-service.ts';
import type { AdminOutput } from '../contract.ts';
import type { AdminHandlers } from '../handler-types.ts';
import { ADMIN_STORE_ID, type HandlerContext } from './context.ts';

type ApiKeyRoutes = 'GET /api-keys' | 'POST /api-keys' | 'POST /api-keys/:id/revoke';
type ApiKeyView = AdminOutput<'POST /api-keys/:id/revoke'>;

export function apiKeyView(k: ApiKeySummary): ApiKeyView {
  return {
    id: k.id,
    mode: k.mode,
    hint: k.hint,
    name: k.name,
    scopes: k.scopes,
    rate_limit: k.rate_limit,
    created_at: k.created_at,
    last_used_at: k.last_used_at,
    revoked_at: k.revoked_at,
  };
}

export function apiKeyHandlers(ctx: HandlerContext): Pick<AdminHandlers, ApiKeyRoutes> {
  const { apiKeys } = ctx.deps;
  return {
    'GET /api-keys': ({ query }) => ({
      data: apiKeys
        .list()
        .filter((k) => k.store_id === ADMIN_STORE_ID && (query.mode === undefined || k.mode === query.mode))
        .map(apiKeyView),
    }),
    'POST /api-keys': ({ body }) => {
      const { key, summary } = apiKeys.create({
        mode: body.mode,
        storeId: ADMIN_STORE_ID,
        scopes: body.scopes,
        rateLimit: body.rate_limit === null ? 'off' : body.rate_limit,
        name: body.name,
      });
      return { key, api_key: apiKeyView(summary) };
    },
    'POST /api-keys/:id/revoke': ({ params }) => {
      const existing = apiKeys.list().find((k) => k.id === params.id && k.store_id === ADMIN_STORE_ID);
      if (!existing) throw notFound('api_key', params.id);
      return apiKeyView(apiKeys.revoke(existing.id)!);
    },
  };
}
