// "My own public URL": the merchant's reverse proxy or tunnel already points at the public listener.
// Nothing to run; the URL becomes the public base URL, optionally after checking it reaches us.
import { isLoopbackHost } from '../config/config.ts';
import { oneLine, TunnelError, type ProviderConnectContext, type TunnelConnection, type TunnelProvider } from './types.ts';

/** https anywhere; http only for loopback (a customer's wallet must not be sent to a plain-http page). Returns the normalised base URL or an error message. */
export function checkCustomUrl(input: string): { url: string } | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    return { error: 'must be an absolute URL such as https://pay.example.com' };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (parsed.protocol === 'http:' && !isLoopbackHost(host)) return { error: 'must use https (http only for a loopback address)' };
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { error: 'must be an http(s) URL' };
  if (parsed.username || parsed.password) return { error: 'must not contain credentials' };
  if (parsed.search || parsed.hash) return { error: 'must not have a query or fragment' };
  return { url: `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}` };
}

/** A public status lookup of an id that never exists: answered the same way by any one node's listener. */
const PROBE_PATH = '/api/public/payment-intents/pi_kassaTunnelProbe0000';

export function createCustomProvider(): TunnelProvider {
  return {
    name: 'custom',
    async connect(ctx: ProviderConnectContext): Promise<TunnelConnection> {
      const checked = checkCustomUrl(ctx.options.url ?? '');
      if ('error' in checked) throw new TunnelError('invalid_url', `custom url ${checked.error}`, { retryable: false });
      if (ctx.options.probe) {
        // The same request, to the URL and to the public listener directly, must get the same answer.
        const answer = async (base: string) => {
          try {
            const res = await fetch(`${base}${PROBE_PATH}`, { signal: ctx.signal, redirect: 'error' });
            return { status: res.status, body: await res.text() };
          } catch (err) {
            if (ctx.signal.aborted) throw ctx.signal.reason;
            const cause = (err as { cause?: { code?: string } }).cause;
            return { status: 0, body: '', error: cause?.code ?? oneLine((err as Error).message, 120) };
          }
        };
        const host = ctx.target.host.includes(':') ? `[${ctx.target.host}]` : ctx.target.host;
        const [theirs, ours] = [await answer(checked.url), await answer(`http://${host}:${ctx.target.port}`)];
        if (theirs.status !== ours.status || theirs.body !== ours.body) {
          const detail = 'error' in theirs ? theirs.error : `HTTP ${theirs.status} where the listener answers ${ours.status}${theirs.status === ours.status ? ' with another body' : ''}`;
          throw new TunnelError('probe_failed', `custom url ${checked.url} does not answer as this node's public listener (${detail})`, { retryable: true });
        }
      }
      return { url: checked.url, close: async () => {} };
    },
  };
}
