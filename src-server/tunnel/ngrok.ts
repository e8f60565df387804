// ngrok through its Node SDK (`@ngrok/ngrok`): an HTTPS endpoint forwarding to the public listener.
// The authtoken comes from the node (NGROK_AUTHTOKEN or the sealed secret) and is never logged.
import { oneLine, TunnelError, type ProviderConnectContext, type TunnelConnection, type TunnelProvider } from './types.ts';

/** The part of `@ngrok/ngrok` we use; tests inject a fake (no internet here). */
export interface NgrokModule {
  forward(config: {
    addr: string;
    authtoken?: string;
    domain?: string;
    onStatusChange?: (status: string) => void;
  }): Promise<{ url(): string | null; close(): Promise<void> }>;
}

export const NGROK_AUTHTOKEN_MISSING =
  'ngrok needs an authtoken: set NGROK_AUTHTOKEN in the node\'s environment, or store one with `kassa tunnel start --provider ngrok --authtoken-stdin` (or `authtoken` in POST /api/v1/tunnel/start)';

// Authentication and account problems do not pass by retrying.
const FATAL_NGROK = /ERR_NGROK_(105|106|107|108|120|121|313|314|315|316|317|318|4018)\b|authtoken|authentication failed|not authorized/i;

export function createNgrokProvider(opts: {
  /** Resolves the authtoken at connect time (env first, then the sealed secret); null when there is none. */
  authtoken: () => string | null;
  load?: () => Promise<NgrokModule>;
}): TunnelProvider {
  const load = opts.load ?? (async () => (await import('@ngrok/ngrok')) as unknown as NgrokModule);
  return {
    name: 'ngrok',
    async connect(ctx: ProviderConnectContext): Promise<TunnelConnection> {
      const authtoken = opts.authtoken();
      if (!authtoken) throw new TunnelError('authtoken_missing', NGROK_AUTHTOKEN_MISSING, { retryable: false });
      const ngrok = await load();
      let closed = false;
      let listener: Awaited<ReturnType<NgrokModule['forward']>>;
      try {
        listener = await ngrok.forward({
          addr: `http://${ctx.target.host.includes(':') ? `[${ctx.target.host}]` : ctx.target.host}:${ctx.target.port}`,
          authtoken,
          ...(ctx.options.domain ? { domain: ctx.options.domain } : {}),
          onStatusChange: (status) => {
            if (status === 'closed' && !closed) ctx.onDown(new TunnelError('tunnel_lost', 'ngrok session closed', { retryable: true }));
          },
        });
      } catch (err) {
        // The SDK's messages never contain the token itself; still, keep them short.
        const message = oneLine((err as Error).message ?? String(err)).replaceAll(authtoken, '[authtoken]');
        throw new TunnelError('ngrok_failed', `ngrok: ${message}`, { retryable: !FATAL_NGROK.test(message), cause: err });
      }
      const url = listener.url();
      const close = async () => {
        if (closed) return;
        closed = true;
        await listener.close();
      };
      if (ctx.signal.aborted || !url) {
        await close();
        if (!url) throw new TunnelError('ngrok_failed', 'ngrok: the endpoint has no URL', { retryable: true });
        throw ctx.signal.reason;
      }
      return { url, close };
    },
  };
}
