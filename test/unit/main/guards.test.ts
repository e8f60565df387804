// Navigation, new-window, <webview>, permission and CSP guards of every webContents and session.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEvent, FakeSession, FakeWebContents, fake, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { attachWebContentsGuards, FALLBACK_CSP, headersWithCsp, installAppGuards, installSessionGuards, isExternalWebUrl, isMerchantUrl, permissionAllowed, safeForLog } = await import('../../../src-main/guards.ts');

const MERCHANT = 'http://127.0.0.1:8420';

function guarded(origin: string | null = MERCHANT) {
  const contents = new FakeWebContents();
  const opened: string[] = [];
  const logs: string[] = [];
  attachWebContentsGuards(contents as never, {
    merchantOrigin: () => origin,
    openExternal: async (url) => void opened.push(url),
    log: (line) => logs.push(line),
  });
  return { contents, opened, logs };
}

beforeEach(() => resetFake());

describe('isMerchantUrl', () => {
  it.each([
    ['http://127.0.0.1:8420/', true],
    ['http://127.0.0.1:8420/invoices/pi_1?x=1#y', true],
    ['http://127.0.0.1:8421/', false], // the public listener is another origin
    ['https://127.0.0.1:8420/', false],
    ['http://localhost:8420/', false],
    ['http://127.0.0.1:8420.evil.example/', false],
    ['http://evil.example/?http://127.0.0.1:8420/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['data:text/html,hi', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isMerchantUrl(url, MERCHANT)).toBe(expected);
  });

  it('is false for everything before the core is ready', () => {
    expect(isMerchantUrl('http://127.0.0.1:8420/', null)).toBe(false);
  });
});

describe('isExternalWebUrl', () => {
  it.each([
    ['https://etherscan.io/tx/0x1', true],
    ['http://example.com/', true],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['smb://server/share', false],
    ['ms-settings:', false],
    ['vbscript:msgbox', false],
    ['', false],
  ])('%s → %s', (url, expected) => {
    expect(isExternalWebUrl(url)).toBe(expected);
  });
});

describe('navigation guards', () => {
  it('lets the window move within the merchant origin', () => {
    const { contents } = guarded();
    expect(contents.navigate('will-navigate', `${MERCHANT}/invoices`)).toBe(true);
    expect(contents.navigate('will-redirect', `${MERCHANT}/login`)).toBe(true);
    expect(contents.navigate('will-frame-navigate', `${MERCHANT}/docs`)).toBe(true);
  });

  it('blocks navigations and redirects anywhere else, and logs them without their query', () => {
    const { contents, logs, opened } = guarded();
    expect(contents.navigate('will-navigate', 'https://evil.example/phish?token=secret')).toBe(false);
    expect(contents.navigate('will-redirect', 'http://127.0.0.1:8421/checkout/pi_1')).toBe(false);
    expect(contents.navigate('will-frame-navigate', 'file:///etc/passwd')).toBe(false);
    expect(contents.navigate('will-navigate', 'javascript:alert(1)')).toBe(false);
    expect(logs.join('\n')).toContain('blocked navigation to https://evil.example/phish');
    expect(logs.join('\n')).not.toContain('secret');
    expect(opened).toEqual([]);
  });

  it('blocks every navigation before the core is ready', () => {
    const { contents } = guarded(null);
    expect(contents.navigate('will-navigate', `${MERCHANT}/`)).toBe(false);
  });

  it('refuses to attach a <webview>', () => {
    const { contents } = guarded();
    const event = new FakeEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('window.open', () => {
  it('never opens a window; http(s) links go to the system browser', async () => {
    const { contents, opened } = guarded();
    for (const url of ['https://etherscan.io/tx/0xabc', 'http://example.com/', `${MERCHANT}/docs`]) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(opened).toEqual(['https://etherscan.io/tx/0xabc', 'http://example.com/', `${MERCHANT}/docs`]);
  });

  it('does not hand file:, javascript: or other schemes to the OS', async () => {
    const { contents, opened, logs } = guarded();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'data:text/html,x']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(opened).toEqual([]);
    expect(logs.filter((l) => l.startsWith('blocked a new window'))).toHaveLength(4);
  });
});

describe('installAppGuards', () => {
  it('guards every webContents the app creates', () => {
    installAppGuards(fake.app as never, { merchantOrigin: () => MERCHANT, openExternal: async () => {}, log: () => {} });
    const contents = new FakeWebContents();
    fake.app.emit('web-contents-created', {}, contents);
    expect(contents.windowOpenHandler).not.toBeNull();
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(false);
  });
});

describe('permissions', () => {
  it.each([
    ['clipboard-sanitized-write', `${MERCHANT}/invoices`, true],
    ['clipboard-sanitized-write', 'https://evil.example/', false],
    ['clipboard-sanitized-write', undefined, false],
    ['clipboard-read', `${MERCHANT}/`, false],
    ['media', `${MERCHANT}/`, false],
    ['geolocation', `${MERCHANT}/`, false],
    ['notifications', `${MERCHANT}/`, false],
    ['openExternal', `${MERCHANT}/`, false],
    ['unknown', `${MERCHANT}/`, false],
  ] as const)('%s from %s → %s', (permission, url, expected) => {
    expect(permissionAllowed(permission, url, MERCHANT)).toBe(expected);
  });

  it('the session denies requests and checks by default', async () => {
    const ses = new FakeSession('p');
    const logs: string[] = [];
    installSessionGuards(ses as never, { merchantOrigin: () => MERCHANT, openExternal: async () => {}, log: (l) => logs.push(l) });
    expect(await ses.requestPermission('media', `${MERCHANT}/`)).toBe(false);
    expect(await ses.requestPermission('clipboard-sanitized-write', `${MERCHANT}/`)).toBe(true);
    expect(await ses.requestPermission('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(ses.permissionCheckHandler!(null, 'geolocation', MERCHANT, { isMainFrame: true })).toBe(false);
    expect(ses.permissionCheckHandler!(null, 'clipboard-sanitized-write', MERCHANT, { isMainFrame: true })).toBe(true);
    expect(ses.devicePermissionHandler!()).toBe(false);
    expect(logs).toContain(`denied permission media to ${MERCHANT}/`);
  });
});

describe('CSP', () => {
  it('adds the fallback CSP to merchant-origin responses that lack one', async () => {
    const ses = new FakeSession('p');
    installSessionGuards(ses as never, { merchantOrigin: () => MERCHANT, openExternal: async () => {}, log: () => {} });
    const answer = await ses.headersFor(`${MERCHANT}/`, { 'Content-Type': ['text/html'] });
    expect(answer.responseHeaders['Content-Security-Policy']).toEqual([FALLBACK_CSP]);
    expect(answer.responseHeaders['Content-Type']).toEqual(['text/html']);
  });

  it("keeps the server's own CSP, whatever the header's case", () => {
    expect(headersWithCsp(`${MERCHANT}/`, { 'content-security-policy': ["default-src 'none'"] }, MERCHANT)).toBeNull();
    expect(headersWithCsp(`${MERCHANT}/`, { 'Content-Security-Policy': ["default-src 'none'"] }, MERCHANT)).toBeNull();
  });

  it('leaves other origins alone', () => {
    expect(headersWithCsp('https://example.com/', {}, MERCHANT)).toBeNull();
  });

  it('forbids inline and foreign scripts and framing', () => {
    expect(FALLBACK_CSP).toContain("script-src 'self'");
    expect(FALLBACK_CSP).not.toMatch(/script-src[^;]*unsafe/);
    expect(FALLBACK_CSP).toContain("frame-ancestors 'none'");
    expect(FALLBACK_CSP).toContain("object-src 'none'");
  });
});

describe('safeForLog', () => {
  it('drops query and fragment', () => {
    expect(safeForLog('https://h.example/p?secret=1#frag')).toBe('https://h.example/p');
    expect(safeForLog('garbage?secret=1')).toBe('garbage');
  });
});
