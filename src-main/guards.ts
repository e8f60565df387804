// What any web content in the app may do: stay on the merchant listener's origin, open nothing in
// a new window (http/https links go to the system browser), attach no <webview>, get no
// permission but the clipboard write the copy buttons use, and always run under a CSP.
import type { App, Session, WebContents } from 'electron';

export interface GuardOptions {
  /** Origin of the merchant listener (`http://127.0.0.1:8420`); null until the core is ready. */
  merchantOrigin: () => string | null;
  openExternal: (url: string) => Promise<void>;
  log: (line: string) => void;
}

export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** True for a URL on the merchant listener's origin (scheme, host and port). */
export function isMerchantUrl(url: string, merchantOrigin: string | null): boolean {
  return merchantOrigin !== null && originOf(url) === merchantOrigin;
}

/** Only web links leave the app; file:, javascript:, custom schemes and the like never do. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Navigation and new-window guards for one webContents (the window, and anything else created). */
export function attachWebContentsGuards(contents: WebContents, opts: GuardOptions): void {
  const keepOnOrigin = (event: { preventDefault(): void }, url: string, kind: string) => {
    if (isMerchantUrl(url, opts.merchantOrigin())) return;
    event.preventDefault();
    opts.log(`blocked ${kind} to ${safeForLog(url)}`);
  };
  contents.on('will-navigate', (event) => keepOnOrigin(event, event.url, 'navigation'));
  contents.on('will-frame-navigate', (event) => keepOnOrigin(event, event.url, 'frame navigation'));
  contents.on('will-redirect', (event) => keepOnOrigin(event, event.url, 'redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    opts.log('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) {
      opts.openExternal(url).catch((err: unknown) => opts.log(`could not open ${safeForLog(url)} in the browser: ${(err as Error).message}`));
    } else {
      opts.log(`blocked a new window for ${safeForLog(url)}`);
    }
    return { action: 'deny' };
  });
}

/** Attaches the guards to every webContents the app ever creates. */
export function installAppGuards(app: Pick<App, 'on'>, opts: GuardOptions): void {
  app.on('web-contents-created', (_event, contents) => attachWebContentsGuards(contents, opts));
}

/** Deny by default: only the copy buttons' clipboard write, and only from the merchant origin. */
export function permissionAllowed(permission: string, requestingUrl: string | undefined, merchantOrigin: string | null): boolean {
  if (permission !== 'clipboard-sanitized-write') return false;
  return requestingUrl !== undefined && isMerchantUrl(requestingUrl, merchantOrigin);
}

/** Used when a merchant-origin response carries no CSP of its own (the listener normally sends one). */
export const FALLBACK_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The response headers with a CSP added when a merchant-origin response lacks one; null: leave as is. */
export function headersWithCsp(url: string, headers: Record<string, string[]> | undefined, merchantOrigin: string | null): Record<string, string[]> | null {
  if (!isMerchantUrl(url, merchantOrigin)) return null;
  const current = headers ?? {};
  if (Object.keys(current).some((name) => name.toLowerCase() === 'content-security-policy')) return null;
  return { ...current, 'Content-Security-Policy': [FALLBACK_CSP] };
}

/** Permission handlers and the CSP fallback for the window's session. */
export function installSessionGuards(ses: Session, opts: GuardOptions): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const allowed = permissionAllowed(permission, details.requestingUrl, opts.merchantOrigin());
    if (!allowed) opts.log(`denied permission ${permission} to ${safeForLog(details.requestingUrl)}`);
    callback(allowed);
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed(permission, details.requestingUrl ?? requestingOrigin, opts.merchantOrigin()),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = headersWithCsp(details.url, details.responseHeaders, opts.merchantOrigin());
    callback(responseHeaders ? { responseHeaders } : {});
  });
}

/** URLs in logs lose their query and fragment (they may carry tokens). */
export function safeForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.slice(0, 200);
  } catch {
    return url.replace(/[?#].*$/, '').slice(0, 200);
  }
}
