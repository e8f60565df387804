// OS notifications for what the core reports (paid, paid late, a failing webhook endpoint);
// clicking one opens the invoice, or the webhooks page, in the window.
import { Notification, type NotificationConstructorOptions } from 'electron';
import type { CoreNotification } from '../src-server/desktop-entry.ts';

export function notificationOptions(n: CoreNotification): NotificationConstructorOptions {
  return {
    title: n.title.slice(0, 120),
    body: n.body.slice(0, 400),
    // A failing webhook means the shop is not being told about payments: it should stay on screen.
    urgency: n.kind === 'webhook_failing' ? 'critical' : 'normal',
    timeoutType: n.kind === 'webhook_failing' ? 'never' : 'default',
  };
}

/** The dashboard path a click on the notification opens. */
export function notificationTarget(n: CoreNotification): string {
  if (n.invoice_id) return `/invoices/${encodeURIComponent(n.invoice_id)}`;
  if (n.kind === 'webhook_failing') return '/webhooks';
  return '/';
}

// Electron drops a notification's click handler when the object is collected: hold it until closed.
const shown = new Set<Notification>();

/** Shows the notification; false where the OS has no notification service. */
export function showCoreNotification(n: CoreNotification, openPath: (path: string) => void): boolean {
  if (!Notification.isSupported()) return false;
  const notification = new Notification(notificationOptions(n));
  shown.add(notification);
  notification.on('click', () => openPath(notificationTarget(n)));
  notification.on('close', () => shown.delete(notification));
  notification.show();
  return true;
}

export const TEST_NOTIFICATION: CoreNotification = {
  kind: 'paid',
  title: 'Kassa notifications work',
  body: 'Payments and failing webhooks will show up like this.',
};
