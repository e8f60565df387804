// OS notifications from the core's messages, and where a click on one leads.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeNotification, resetFake } from './fake-electron.ts';

vi.mock('electron', async () => (await import('./fake-electron.ts')).electron);

const { notificationOptions, notificationTarget, showCoreNotification, TEST_NOTIFICATION } = await import('../../../src-main/notifications.ts');
type CoreNotification = import('../../../src-server/desktop-entry.ts').CoreNotification;

const paid: CoreNotification = { kind: 'paid', title: 'Payment received', body: '25.00 USDT on BSC for ORDER-1042', invoice_id: 'pi_3f9c2a7d1e' };
const late: CoreNotification = { kind: 'paid_late', title: 'Late payment', body: '25.00 USDT arrived after expiry', invoice_id: 'pi_late' };
const failing: CoreNotification = { kind: 'webhook_failing', title: 'Webhook failing', body: 'https://shop.example/kassa has failed for 1 hour' };

beforeEach(() => resetFake());

describe('notificationTarget', () => {
  it.each([
    [paid, '/invoices/pi_3f9c2a7d1e'],
    [late, '/invoices/pi_late'],
    [failing, '/webhooks'],
    [{ kind: 'paid', title: 't', body: 'b', invoice_id: 'pi/../x?y' } as CoreNotification, '/invoices/pi%2F..%2Fx%3Fy'],
    [TEST_NOTIFICATION, '/'],
  ])('%j → %s', (n, path) => {
    expect(notificationTarget(n)).toBe(path);
  });
});

describe('notificationOptions', () => {
  it('keeps title and body, and keeps a failing webhook on screen', () => {
    expect(notificationOptions(paid)).toMatchObject({ title: 'Payment received', body: '25.00 USDT on BSC for ORDER-1042', urgency: 'normal' });
    expect(notificationOptions(failing)).toMatchObject({ urgency: 'critical', timeoutType: 'never' });
  });

  it('bounds what the OS is asked to show', () => {
    const long = notificationOptions({ kind: 'paid', title: 'x'.repeat(1000), body: 'y'.repeat(5000) });
    expect(long.title!.length).toBeLessThanOrEqual(120);
    expect(long.body!.length).toBeLessThanOrEqual(400);
  });
});

describe('showCoreNotification', () => {
  it('shows it, and a click opens the invoice', () => {
    const opened: string[] = [];
    expect(showCoreNotification(paid, (p) => opened.push(p))).toBe(true);
    const n = FakeNotification.instances[0]!;
    expect(n.shown).toBe(true);
    expect(n.options.title).toBe('Payment received');
    n.emit('click');
    expect(opened).toEqual(['/invoices/pi_3f9c2a7d1e']);
  });

  it('does nothing where the OS has no notifications', () => {
    FakeNotification.supported = false;
    expect(showCoreNotification(paid, () => {})).toBe(false);
    expect(FakeNotification.instances).toEqual([]);
  });
});
