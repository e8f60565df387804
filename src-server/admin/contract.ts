// The admin API (dashboard ↔ node) declared once. The server mounts handlers typed against this
// map (`AdminHandlers`) and validates every input with these schemas; the renderer and the tests
// call it through `admin/client.ts`, typed against the same map with `import type` only — so the
// browser bundle never carries server code. Keys are "METHOD /path" under /api/admin.
import { z } from 'zod';
import { CreatePaymentIntentBody, EventObject, PaymentIntentObject, PaymentObject } from '../http/schemas.ts';
import { CreateWebhookEndpointBody, UpdateWebhookEndpointBody, WebhookDeliveryObject, WebhookEndpointObject } from '../http/webhook-schemas.ts';
import { TunnelObject, TunnelStartBody, TunnelStopBody } from '../tunnel/tunnel-service.ts';

// ---------------------------------------------------------------------------------------------
// Shared pieces

export const Mode = z.enum(['test', 'live']).describe('test: sk_test_ objects on the devnets; live: real networks.');
export type Mode = z.infer<typeof Mode>;
const modeQuery = z.strictObject({ mode: Mode.default('test') });
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });
const limit = z.coerce.number().int().min(1).max(100).default(25);
const startingAfter = z.string().min(1).max(64).optional();
const Ok = z.object({ ok: z.literal(true) });
const isoDate = z.coerce.date({ error: 'must be an ISO-8601 date or date-time' });

/** A decimal string amount with an optional USD value (null when no rate is known). */
const AssetAmount = z.object({ network: z.string(), asset: z.string(), amount: z.string(), usd: z.string().nullable() });

export function adminList<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() });
}

// ---------------------------------------------------------------------------------------------
// Session and auth

export const SessionView = z.object({
  authenticated: z.boolean(),
  /** Send it back as the `X-Kassa-CSRF` header on every POST/PUT/PATCH/DELETE. */
  csrf_token: z.string().nullable(),
  /** How this session signed in. */
  via: z.enum(['launch', 'password', 'one_time']).nullable(),
  password_set: z.boolean(),
  totp_enabled: z.boolean(),
  /** False until the setup wizard has finished once; the dashboard then opens the wizard. */
  setup_complete: z.boolean(),
  /** Electron's per-launch session or a browser against a headless node. */
  desktop: z.boolean(),
  expires_at: z.string().nullable(),
});
export type SessionView = z.infer<typeof SessionView>;

const password = z.string().min(1).max(1024);
export const LoginBody = z.strictObject({ password, totp: z.string().regex(/^\d{6}$/, 'must be the 6-digit code').optional() });
export const LaunchBody = z.strictObject({ secret: z.string().min(32).max(256) });
export const SetPasswordBody = z.strictObject({
  current_password: password.optional().describe('Required when a password is already set.'),
  new_password: z.string().min(10, 'must be at least 10 characters').max(1024),
});
export const TotpSetupView = z.object({ secret: z.string(), otpauth_uri: z.string(), qr_svg: z.string() });
export const TotpEnableBody = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code') });
export const TotpDisableBody = z.strictObject({ password, code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code') });

// ---------------------------------------------------------------------------------------------
// Setup wizard

export const WalletSummary = z.object({
  exists: z.boolean(),
  kind: z.enum(['seed', 'watch_only']).nullable(),
  /** Schemes with an account key: evm, tron, btc, ltc. */
  schemes: z.array(z.string()),
  created_at: z.string().nullable(),
});
export const KeyStoreView = z.object({
  kind: z.enum(['keychain', 'passphrase', 'none']),
  description: z.string(),
  /** Live seeds need one; without it the wizard offers watch-only. */
  can_seal: z.boolean(),
});
export const SetupView = z.object({
  complete: z.boolean(),
  chosen_mode: Mode.nullable(),
  wallets: z.object({ test: WalletSummary, live: WalletSummary }),
  key_store: KeyStoreView,
  api_keys: z.object({ test: z.number().int(), live: z.number().int() }),
  webhook_endpoints: z.object({ test: z.number().int(), live: z.number().int() }),
});
export const SetupModeBody = z.strictObject({ mode: Mode });
/** The words are held by the node (in memory, 10 min) until three of them are confirmed. */
export const SeedDraftView = z.object({
  draft_id: z.string(),
  words: z.array(z.string()).length(24),
  /** 1-based positions the merchant must type back, chosen at random. */
  confirm_positions: z.array(z.number().int().min(1).max(24)).length(3),
  expires_at: z.string(),
});
export const SeedConfirmBody = z.strictObject({
  draft_id: z.string().min(1).max(64),
  /** Position (1-based, as a string key) → word. */
  words: z.record(z.string().regex(/^\d{1,2}$/), z.string().min(1).max(20)),
});
export const SeedImportBody = z.strictObject({ mnemonic: z.string().min(1).max(1000) });
export const WatchOnlyBody = z.strictObject({
  keys: z.array(z.strictObject({ scheme: z.enum(['evm', 'tron', 'btc', 'ltc']), key: z.string().min(1).max(200) })).min(1).max(4),
});
export const NetworkCheckBody = z.strictObject({
  network: z.string().min(1).max(32),
  rpc_urls: z.array(z.string().min(1).max(2048)).min(1).max(8),
});
export const NetworkCheckView = z.object({
  network: z.string(),
  ok: z.boolean(),
  results: z.array(
    z.object({
      url: z.string().describe('Credentials and API keys in the URL are redacted.'),
      ok: z.boolean(),
      chain_id: z.number().int().nullable(),
      head: z.number().int().nullable(),
      latency_ms: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Settings

export const NetworkSetting = z.object({
  id: z.string(),
  name: z.string(),
  family: z.enum(['evm', 'tron', 'bitcoin']),
  enabled: z.boolean(),
  rpc_urls: z.array(z.string()).describe('Redacted for display.'),
  /** Where the next start takes them from: config.json (written by hand, wins), the dashboard (sealed), or the defaults. */
  rpc_urls_source: z.enum(['config_file', 'dashboard', 'default']),
  default_rpc_urls: z.array(z.string()),
  confirmations: z.number().int(),
  default_confirmations: z.number().int(),
  assets: z.array(z.string()),
});
export const StoreSettings = z.object({
  name: z.string(),
  expires_in: z.number().int().describe('Seconds until an unpaid intent expires.'),
  monitoring_window: z.number().int().describe('Seconds a late payment is still watched for.'),
  late_payment_policy: z.enum(['accept', 'flag']).nullable().describe('null: accept stablecoins, flag volatile assets.'),
  underpaid_tolerance_bps: z.number().int(),
});
export const StoreSettingsBody = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  expires_in: z.number().int().min(60).max(7 * 86400).optional(),
  monitoring_window: z.number().int().min(0).max(90 * 86400).optional(),
  late_payment_policy: z.enum(['accept', 'flag']).nullable().optional(),
  underpaid_tolerance_bps: z.number().int().min(0).max(1000).optional(),
});
export const NetworksSettingsBody = z.strictObject({
  networks: z.record(
    z.string().min(1).max(32),
    z.strictObject({
      enabled: z.boolean(),
      rpc_urls: z.array(z.string().min(1).max(2048)).max(8).optional().describe('Omit to keep the stored URLs (which may hold API keys).'),
      confirmations: z.number().int().min(1).max(1000).optional(),
    }),
  ),
});
export const NotificationSettings = z.object({ paid: z.boolean(), paid_late: z.boolean(), webhook_failing: z.boolean() });
export const SettingsView = z.object({
  store: StoreSettings,
  networks: z.array(NetworkSetting),
  notifications: NotificationSettings,
  key_store: KeyStoreView,
  tunnel: TunnelObject,
  node: z.object({
    version: z.string(),
    home: z.string(),
    merchant_url: z.string(),
    public_url: z.string(),
    public_base_url: z.string(),
    /** Network changes take effect when the node restarts; true until then. */
    restart_required: z.boolean(),
  }),
  backup: z.object({ last_backup_at: z.string().nullable(), last_backup_path: z.string().nullable() }),
});
export const SettingsSaved = z.object({ restart_required: z.boolean() });
export const BackupView = z.object({ path: z.string(), bytes: z.number().int(), created_at: z.string() });

// ---------------------------------------------------------------------------------------------
// Home

export const SyncView = z.object({
  chain: z.string(),
  network: z.string().describe('The network it serves (devnet serves every test EVM network).'),
  livemode: z.boolean(),
  head: z.number().int().nullable(),
  next_block: z.number().int().nullable(),
  lag: z.number().int().nullable(),
  /** 0..1 while catching up since the node started; 1 when synced. */
  progress: z.number().min(0).max(1),
  healthy: z.boolean(),
  last_error: z.string().nullable(),
  synced_at: z.string().nullable(),
});
export const OverviewView = z.object({
  mode: Mode,
  today: z.array(AssetAmount).describe('Paid today (UTC), per network and asset.'),
  last_30_days: z.array(AssetAmount),
  totals_usd: z.object({ today: z.string().nullable(), last_30_days: z.string().nullable() }),
  /** One point per UTC day for the last 30 days, per asset (all networks summed). */
  revenue: z.array(z.object({ asset: z.string(), points: z.array(z.object({ date: z.string(), amount: z.string() })) })),
  counts: z.object({ pending: z.number().int(), confirming: z.number().int(), paid_today: z.number().int(), needs_attention: z.number().int() }),
  recent_payments: z.array(PaymentObject.extend({ network: z.string(), asset: z.string() })),
  sync: z.array(SyncView),
});

// ---------------------------------------------------------------------------------------------
// Invoices (payment intents as the dashboard sees them)

export const INVOICE_STATUSES = ['pending', 'confirming', 'paid', 'expired', 'canceled', 'refunded'] as const;
export const InvoicesQuery = z.strictObject({
  mode: Mode.default('test'),
  status: z.enum(INVOICE_STATUSES).optional(),
  exception: z.enum(['underpaid', 'overpaid', 'paid_late']).optional(),
  network: z.string().min(1).max(32).optional(),
  asset: z.string().min(1).max(16).optional(),
  created_gte: isoDate.optional(),
  created_lte: isoDate.optional(),
  /** Matches id, custom_id, customer email, receive address or a payment txid (exact or prefix). */
  q: z.string().min(1).max(200).optional(),
  limit,
  starting_after: startingAfter,
});
export type InvoicesQuery = z.input<typeof InvoicesQuery>;
export const InvoiceDetailView = z.object({
  invoice: PaymentIntentObject,
  /** Oldest first. */
  events: z.array(EventObject),
  /** Newest first, across all endpoints of the mode. */
  deliveries: z.array(WebhookDeliveryObject),
  /** What the operator can do now. */
  actions: z.object({ cancel: z.boolean(), accept_late: z.boolean(), simulate: z.boolean() }),
});
/**
 * A new invoice from the dashboard: the merchant API's create fields (same limits, same checks in
 * the payments service), a required network, and the mode instead of a test or live key.
 */
export const CreateInvoiceBody = CreatePaymentIntentBody.pick({
  asset: true,
  amount: true,
  currency: true,
  description: true,
  custom_id: true,
  customer_email: true,
  expires_in: true,
}).extend({ mode: Mode, network: CreatePaymentIntentBody.shape.network.unwrap() });
/** What the new-invoice form offers in a mode: the networks and assets this node can take now. */
export const InvoiceOptionsView = z.object({
  mode: Mode,
  /** Test mode: the devnet first (every EVM network runs on it too); live mode: the enabled networks. */
  networks: z.array(z.object({ id: z.string(), name: z.string(), assets: z.array(z.string()).min(1) })),
  /** What the form starts with (test mode: devnet USDT); null when nothing can be taken in this mode. */
  default: z.object({ network: z.string(), asset: z.string() }).nullable(),
  /** Whether the mode has a wallet to give addresses from; without one every invoice is refused. */
  wallet: z.boolean(),
});

// ---------------------------------------------------------------------------------------------
// Balances

export const BalanceRow = z.object({
  network: z.string(),
  asset: z.string(),
  address: z.string(),
  /** What the chain says now (decimal string), or null when it could not be read. */
  amount: z.string().nullable(),
  usd: z.string().nullable(),
  role: z.enum(['receive', 'shared', 'treasury']),
  error: z.string().nullable(),
});
export const BalancesView = z.object({
  mode: Mode,
  read_at: z.string(),
  rows: z.array(BalanceRow).describe('Non-zero balances only, plus rows that could not be read.'),
  totals: z.array(AssetAmount).describe('Per network and asset.'),
  total_usd: z.string().nullable(),
  addresses_checked: z.number().int(),
});

// ---------------------------------------------------------------------------------------------
// API keys

export const ApiKeyView = z.object({
  id: z.string(),
  mode: Mode,
  hint: z.string(),
  name: z.string().nullable(),
  scopes: z.array(z.string()),
  rate_limit: z.number().int().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export const CreateApiKeyBody = z.strictObject({
  mode: Mode,
  name: z.string().min(1).max(100).optional(),
  scopes: z.array(z.string().min(1).max(64)).max(64).optional().describe('Default: every scope.'),
  rate_limit: z.number().int().min(1).max(100_000).nullable().optional(),
});
export const CreatedApiKeyView = z.object({ key: z.string().describe('Shown this once.'), api_key: ApiKeyView });

// ---------------------------------------------------------------------------------------------
// The map

/**
 * kind: 'json' (default) answers `output`; 'csv' streams text/csv; 'sse' streams server-sent
 * events (see `AdminStreamEvent`). public: reachable without a session (login and session only).
 */
export interface AdminEndpoint {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  output: z.ZodType;
  kind?: 'json' | 'csv' | 'sse';
  public?: boolean;
}

export const adminApi = {
  // auth
  'GET /session': { output: SessionView, public: true },
  'POST /auth/login': { body: LoginBody, output: SessionView, public: true },
  'POST /auth/launch': { body: LaunchBody, output: SessionView, public: true },
  'POST /auth/logout': { output: Ok },
  'POST /auth/password': { body: SetPasswordBody, output: Ok },
  'POST /auth/totp/setup': { output: TotpSetupView },
  'POST /auth/totp/enable': { body: TotpEnableBody, output: Ok },
  'POST /auth/totp/disable': { body: TotpDisableBody, output: Ok },

  // setup wizard
  'GET /setup': { output: SetupView },
  'POST /setup/mode': { body: SetupModeBody, output: SetupView },
  'POST /setup/seed/draft': { output: SeedDraftView },
  'POST /setup/seed/confirm': { body: SeedConfirmBody, output: SetupView },
  'POST /setup/seed/import': { body: SeedImportBody, output: SetupView },
  'POST /setup/watch-only': { body: WatchOnlyBody, output: SetupView },
  'POST /setup/networks/check': { body: NetworkCheckBody, output: NetworkCheckView },
  'POST /setup/complete': { output: SetupView },

  // home
  'GET /overview': { query: modeQuery, output: OverviewView },

  // invoices
  'GET /invoices': { query: InvoicesQuery, output: adminList(PaymentIntentObject) },
  'GET /invoices.csv': { query: InvoicesQuery.omit({ limit: true, starting_after: true }), output: z.string(), kind: 'csv' },
  'POST /invoices': { body: CreateInvoiceBody, output: InvoiceDetailView },
  'GET /invoice-options': { query: modeQuery, output: InvoiceOptionsView },
  'GET /invoices/:id': { params: IdParams, output: InvoiceDetailView },
  'POST /invoices/:id/cancel': { params: IdParams, output: InvoiceDetailView },
  'POST /invoices/:id/accept-late': { params: IdParams, output: InvoiceDetailView },
  'POST /invoices/:id/simulate': { params: IdParams, output: InvoiceDetailView },
  'POST /deliveries/:id/redeliver': { params: IdParams, output: WebhookDeliveryObject },
  'GET /stream': { query: modeQuery, output: z.never(), kind: 'sse' },

  // balances
  'GET /balances': { query: modeQuery, output: BalancesView },

  // webhooks
  'GET /webhook-endpoints': { query: modeQuery, output: adminList(WebhookEndpointObject) },
  'POST /webhook-endpoints': { query: modeQuery, body: CreateWebhookEndpointBody, output: WebhookEndpointObject },
  'PATCH /webhook-endpoints/:id': { params: IdParams, body: UpdateWebhookEndpointBody, output: WebhookEndpointObject },
  'DELETE /webhook-endpoints/:id': { params: IdParams, output: Ok },
  'POST /webhook-endpoints/:id/test': { params: IdParams, output: WebhookDeliveryObject },
  'POST /webhook-endpoints/:id/rotate-secret': { params: IdParams, output: WebhookEndpointObject },
  'GET /webhook-endpoints/:id/deliveries': { params: IdParams, query: z.strictObject({ limit, starting_after: startingAfter }), output: adminList(WebhookDeliveryObject) },

  // API keys
  'GET /api-keys': { query: z.strictObject({ mode: Mode.optional() }), output: z.object({ data: z.array(ApiKeyView) }) },
  'POST /api-keys': { body: CreateApiKeyBody, output: CreatedApiKeyView },
  'POST /api-keys/:id/revoke': { params: IdParams, output: ApiKeyView },

  // settings
  'GET /settings': { output: SettingsView },
  'PUT /settings/store': { body: StoreSettingsBody, output: SettingsSaved },
  'PUT /settings/networks': { body: NetworksSettingsBody, output: SettingsSaved },
  'PUT /settings/notifications': { body: NotificationSettings.partial().strict(), output: SettingsSaved },
  'POST /settings/backup': { output: BackupView },
  'GET /tunnel': { output: TunnelObject },
  'POST /tunnel/start': { body: TunnelStartBody, output: TunnelObject },
  'POST /tunnel/stop': { body: TunnelStopBody, output: TunnelObject },
} as const satisfies Record<string, AdminEndpoint>;

export type AdminApi = typeof adminApi;
export type AdminRoute = keyof AdminApi;

type Field<E, F extends string> = E extends Record<F, infer S extends z.ZodType> ? S : never;
/** What the caller sends (before defaults and coercion). */
export type AdminInput<K extends AdminRoute> = {
  [F in 'params' | 'query' | 'body' as Field<AdminApi[K], F> extends never ? never : F]: z.input<Field<AdminApi[K], F>>;
};
/** What a handler receives (after validation, defaults and coercion). */
export type AdminParsed<K extends AdminRoute> = {
  [F in 'params' | 'query' | 'body' as Field<AdminApi[K], F> extends never ? never : F]: z.output<Field<AdminApi[K], F>>;
};
export type AdminOutput<K extends AdminRoute> = z.output<AdminApi[K]['output']>;

/** Server-sent events on `GET /stream`: `event: <type>`, `data: <json>`. */
export type AdminStreamEvent =
  | { type: 'invoice'; data: z.output<typeof PaymentIntentObject> }
  | { type: 'sync'; data: z.output<typeof SyncView>[] }
  | { type: 'delivery'; data: z.output<typeof WebhookDeliveryObject> };

export type PaymentIntentView = z.output<typeof PaymentIntentObject>;
export type WebhookDeliveryView = z.output<typeof WebhookDeliveryObject>;
export type WebhookEndpointView = z.output<typeof WebhookEndpointObject>;
export type EventView = z.output<typeof EventObject>;
