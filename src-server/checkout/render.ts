// Server-side HTML of the customer-facing pages. Every value is escaped where it is placed; the
// pages carry no inline script or style (CSP `script-src 'self'; style-src 'self'`), so the page
// works before (and without) checkout.js, which only adds live status, copy and the countdown.
import QRCode from 'qrcode';
import { format, LANGUAGE_NAMES, LANGUAGES, MESSAGES, type Lang, type Messages } from './i18n.ts';
import type { PublicCheckoutSession, PublicIntentView, PublicPaymentLink } from './public-views.ts';
import { networkName, safeHttpUrl } from './public-views.ts';
import type { CheckoutAssets } from './static-assets.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML element content and double-quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** A QR code of `text` as an SVG data URL: black on white with a quiet zone, whatever the theme. */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** Confirmations shown as "n of m": the least-confirmed live payment holds the intent back. */
export function confirmationsSoFar(view: Pick<PublicIntentView, 'payments' | 'confirmations_required'>): number {
  if (view.payments.length === 0) return 0;
  return Math.min(view.confirmations_required, ...view.payments.map((p) => p.confirmations));
}

/** The one-line status the page shows (the script computes the same from the live view). */
export function statusText(view: PublicIntentView, m: Messages): string {
  switch (view.status) {
    case 'confirming':
      return format(m.status_confirming, { n: confirmationsSoFar(view), m: view.confirmations_required });
    case 'paid':
      return m.status_paid;
    case 'expired':
      return m.status_expired;
    case 'canceled':
      return m.status_canceled;
    case 'refunded':
      return m.status_refunded;
    default:
      return m.status_pending;
  }
}

/** The extra sentence under the status: underpaid, overpaid, late. */
export function detailText(view: PublicIntentView, m: Messages): string {
  const received = view.amount_received;
  const hasReceived = view.payments.length > 0 && received !== '0';
  if (view.exception === 'paid_late') return m.paid_late;
  if (view.exception === 'overpaid') return m.overpaid;
  if (view.status === 'expired' && hasReceived) return format(m.expired_underpaid, { received, asset: view.asset });
  if ((view.status === 'pending' || view.status === 'confirming') && hasReceived && view.amount_remaining !== '0') {
    return format(m.underpaid, { received, remaining: view.amount_remaining, asset: view.asset });
  }
  return '';
}

/** What the customer should send now: the remainder once something arrived, else the full amount. */
export function amountToSend(view: PublicIntentView): string {
  return view.payments.length > 0 && view.amount_remaining !== '0' ? view.amount_remaining : view.pay_amount;
}

function countdownText(expiresAt: string, now: Date, m: Messages): string {
  const left = Math.floor((Date.parse(expiresAt) - now.getTime()) / 1000);
  if (!(left > 0)) return m.expired_short;
  const h = Math.floor(left / 3600);
  const mm = String(Math.floor((left % 3600) / 60)).padStart(2, '0');
  const ss = String(left % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function withLang(path: string, lang: Lang, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...extra, lang });
  return `${path}?${params.toString()}`;
}

interface PageFrame {
  lang: Lang;
  title: string;
  assets: CheckoutAssets;
  /** Path of this page (for the language switcher), without query. */
  path: string;
  /** Extra query kept by the language switcher. */
  query?: Record<string, string>;
  /** Seconds + URL of a no-JS redirect (paid pages). */
  refreshTo?: { seconds: number; url: string } | null;
  body: string;
}

function page(f: PageFrame): string {
  const m = MESSAGES[f.lang];
  const switcher = LANGUAGES.map((l) =>
    l === f.lang
      ? `<li><a href="${esc(withLang(f.path, l, f.query))}" aria-current="true" lang="${l}">${esc(LANGUAGE_NAMES[l])}</a></li>`
      : `<li><a href="${esc(withLang(f.path, l, f.query))}" lang="${l}" hreflang="${l}">${esc(LANGUAGE_NAMES[l])}</a></li>`,
  ).join('');
  const refresh = f.refreshTo ? `\n<meta http-equiv="refresh" content="${f.refreshTo.seconds};url=${esc(f.refreshTo.url)}">` : '';
  return `<!doctype html>
<html lang="${f.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">${refresh}
<title>${esc(f.title)}</title>
<link rel="stylesheet" href="${esc(f.assets.url('checkout.css'))}">
<script src="${esc(f.assets.url('checkout.js'))}" defer></script>
</head>
<body>
<div class="wrap">
${f.body}
<nav class="languages" aria-label="${esc(m.language)}"><ul>${switcher}</ul></nav>
</div>
</body>
</html>
`;
}

function copyButton(targetId: string, label: string, m: Messages): string {
  // data-label lets the script keep the accessible name in step with the text ("Copied: Address").
  return `<button type="button" class="copy" data-copy="${esc(targetId)}" data-label="${esc(label)}" aria-label="${esc(`${m.copy}: ${label}`)}">${esc(m.copy)}</button>`;
}

function field(id: string, label: string, value: string, m: Messages, extraClass = ''): string {
  return `<div class="field${extraClass ? ` ${extraClass}` : ''}"><dt id="${id}-label">${esc(label)}</dt><dd><span class="value" id="${id}" aria-labelledby="${id}-label">${esc(value)}</span>${copyButton(id, label, m)}</dd></div>`;
}

export interface IntentPageInput {
  view: PublicIntentView;
  lang: Lang;
  assets: CheckoutAssets;
  /** The session this intent is an option of (for "choose another method"), already verified. */
  sessionId?: string | null;
  /** The test-mode simulator is available on this node. */
  canSimulate: boolean;
  now?: Date;
}

export async function renderIntentPage(input: IntentPageInput): Promise<string> {
  const { view, lang } = input;
  const m = MESSAGES[lang];
  const now = input.now ?? new Date();
  const sendAmount = amountToSend(view);
  const qr = await qrDataUrl(view.payment_uri || view.receive_address);
  const detail = detailText(view, m);
  const successUrl = safeHttpUrl(view.success_url);
  const cancelUrl = safeHttpUrl(view.cancel_url);
  const streamUrl = `/api/public/payment-intents/${view.id}/stream`;
  const jsonUrl = `/api/public/payment-intents/${view.id}`;
  const messages = JSON.stringify(MESSAGES[lang]);
  const orderTotal = `${view.amount} ${view.currency}`;

  const testBanner = view.livemode
    ? ''
    : `<aside class="test-banner" aria-label="${esc(m.test_mode)}"><p>${esc(m.test_mode)}</p>${
        input.canSimulate
          ? `<form method="post" action="/api/public/payment-intents/${esc(view.id)}/simulate" class="simulate pay-only"><button type="submit" id="simulate">${esc(m.simulate)}</button><span class="simulate-note" id="simulate-note" role="status"></span></form>`
          : ''
      }</aside>`;

  const links: string[] = [];
  if (input.sessionId) {
    links.push(`<a class="link pay-only" id="other-methods" href="${esc(withLang(`/checkout/${input.sessionId}`, lang))}">${esc(m.other_methods)}</a>`);
  }
  if (successUrl) links.push(`<a class="button done-only" id="back-to-shop" href="${esc(successUrl)}">${esc(m.back_to_shop)}</a>`);
  if (cancelUrl) links.push(`<a class="link pay-only" id="cancel" href="${esc(cancelUrl)}">${esc(m.cancel)}</a>`);
  if (cancelUrl && !successUrl) links.push(`<a class="link end-only" id="back" href="${esc(cancelUrl)}">${esc(m.back_to_shop)}</a>`);

  const body = `<main class="card" id="checkout"
  data-kind="payment_intent" data-id="${esc(view.id)}" data-status="${esc(view.status)}"
  data-expires-at="${esc(view.expires_at)}" data-stream="${esc(streamUrl)}" data-json="${esc(jsonUrl)}"
  data-success-url="${esc(successUrl ?? '')}" data-payment-uri="${esc(view.payment_uri)}">
${testBanner}
<header>
<h1>${esc(m.page_title)}</h1>
${view.description ? `<p class="description"><span class="muted">${esc(m.description)}:</span> <span id="description">${esc(view.description)}</span></p>` : ''}
<p class="total"><span class="muted">${esc(m.order_total)}:</span> <strong id="order-total">${esc(orderTotal)}</strong></p>
</header>
<section class="status" aria-labelledby="status-heading">
<h2 id="status-heading" class="visually-hidden">${esc(m.status)}</h2>
<p id="status-text" role="status" aria-live="polite">${esc(statusText(view, m))}</p>
<p id="status-detail" aria-live="polite">${esc(detail)}</p>
<p id="redirect-note" role="status" aria-live="polite"></p>
<p id="updates-note" class="muted" role="status" aria-live="polite"></p>
<p class="countdown pay-only"><span class="muted">${esc(m.time_left)}:</span> <time id="countdown" datetime="${esc(view.expires_at)}">${esc(countdownText(view.expires_at, now, m))}</time></p>
</section>
<section class="pay pay-only" aria-label="${esc(m.page_title)}">
<dl class="fields">
${field('network', m.network, view.network_name, m)}
${field('asset', m.asset, view.asset, m)}
${field('pay-amount', m.amount_to_pay, sendAmount, m, 'amount')}
${field('address', m.address, view.receive_address, m, 'address')}
</dl>
<figure class="qr"><img id="qr" src="${esc(qr)}" width="240" height="240" alt="${esc(m.qr_alt)}"></figure>
<p><a class="button primary" id="wallet-link" href="${esc(view.payment_uri || '#')}">${esc(m.open_wallet)}</a></p>
<p class="warning">${esc(format(m.warning_network, { asset: view.asset, network: view.network_name }))}</p>
</section>
<nav class="links">${links.join('')}</nav>
</main>
<div id="i18n" hidden data-messages="${esc(messages)}"></div>`;

  return page({
    lang,
    title: `${m.page_title} · ${orderTotal}`,
    assets: input.assets,
    path: `/checkout/${view.id}`,
    query: input.sessionId ? { session: input.sessionId } : {},
    refreshTo: view.status === 'paid' && successUrl ? { seconds: 4, url: successUrl } : null,
    body,
  });
}

export function renderSessionPage(input: { session: PublicCheckoutSession; lang: Lang; assets: CheckoutAssets; now?: Date }): string {
  const { session, lang } = input;
  const m = MESSAGES[lang];
  const now = input.now ?? new Date();
  const successUrl = safeHttpUrl(session.success_url);
  const cancelUrl = safeHttpUrl(session.cancel_url);
  const orderTotal = `${session.amount} ${session.currency}`;
  const statusMessage =
    session.status === 'complete' ? m.session_complete : session.status === 'expired' ? m.session_expired : session.status === 'canceled' ? m.session_canceled : m.choose_method;
  const options = session.status === 'open'
    ? session.options
        .filter((o) => o.status === 'pending' || o.status === 'confirming')
        .map((o) => {
          const label = format(m.pay_with, { asset: o.asset, network: networkName(o.network) });
          return `<li><a class="option" href="${esc(withLang(`/checkout/${o.payment_intent}`, lang, { session: session.id }))}" data-network="${esc(o.network)}" data-asset="${esc(o.asset)}"><span class="option-name">${esc(label)}</span> <span class="option-amount">${esc(`${o.pay_amount} ${o.asset}`)}</span></a></li>`;
        })
        .join('')
    : '';
  const links: string[] = [];
  if (session.status === 'complete' && successUrl) links.push(`<a class="button" id="back-to-shop" href="${esc(successUrl)}">${esc(m.back_to_shop)}</a>`);
  if (session.status !== 'complete' && cancelUrl) links.push(`<a class="link" id="cancel" href="${esc(cancelUrl)}">${session.status === 'open' ? esc(m.cancel) : esc(m.back_to_shop)}</a>`);
  const body = `<main class="card" id="checkout"
  data-kind="checkout_session" data-id="${esc(session.id)}" data-status="${esc(session.status)}"
  data-expires-at="${esc(session.expires_at)}" data-stream="${esc(`/api/public/checkout-sessions/${session.id}/stream`)}" data-json="${esc(`/api/public/checkout-sessions/${session.id}`)}"
  data-success-url="${esc(successUrl ?? '')}">
${session.livemode ? '' : `<aside class="test-banner"><p>${esc(m.test_mode)}</p></aside>`}
<header>
<h1>${esc(m.page_title)}</h1>
${session.description ? `<p class="description"><span class="muted">${esc(m.description)}:</span> <span id="description">${esc(session.description)}</span></p>` : ''}
<p class="total"><span class="muted">${esc(m.order_total)}:</span> <strong id="order-total">${esc(orderTotal)}</strong></p>
</header>
<section class="status">
<div role="status" aria-live="polite"><h2 id="status-text">${esc(statusMessage)}</h2></div>
${session.status === 'open' ? `<p class="countdown"><span class="muted">${esc(m.time_left)}:</span> <time id="countdown" datetime="${esc(session.expires_at)}">${esc(countdownText(session.expires_at, now, m))}</time></p>` : ''}
</section>
${options ? `<ul class="options" aria-labelledby="status-text">${options}</ul>` : ''}
<nav class="links">${links.join('')}</nav>
</main>
<div id="i18n" hidden data-messages="${esc(JSON.stringify(m))}"></div>`;
  return page({
    lang,
    title: `${m.page_title} · ${orderTotal}`,
    assets: input.assets,
    path: `/checkout/${session.id}`,
    refreshTo: session.status === 'complete' && successUrl ? { seconds: 4, url: successUrl } : null,
    body,
  });
}

export function renderLinkPage(input: { link: PublicPaymentLink; lang: Lang; assets: CheckoutAssets; error?: string | null; amount?: string }): string {
  const { link, lang } = input;
  const m = MESSAGES[lang];
  let form: string;
  if (!link.active) {
    form = `<p id="status-text" role="status">${esc(m.link_inactive)}</p>`;
  } else if (link.amount !== null) {
    form = `<p class="total"><span class="muted">${esc(m.order_total)}:</span> <strong id="order-total">${esc(`${link.amount} ${link.currency}`)}</strong></p>
<form method="post" action="${esc(withLang(`/l/${link.id}`, lang))}" class="link-form">
${input.error ? `<p class="error" id="amount-error" role="alert">${esc(input.error)}</p>` : ''}
<button type="submit" class="primary" id="continue">${esc(m.continue)}</button>
</form>`;
  } else {
    const min = link.min_amount ?? null;
    const max = link.max_amount ?? null;
    const hint = min && max ? format(m.amount_range, { min, max, currency: link.currency }) : min ? format(m.amount_min, { min, currency: link.currency }) : max ? format(m.amount_max, { max, currency: link.currency }) : '';
    const describedBy = [hint ? 'amount-hint' : '', input.error ? 'amount-error' : ''].filter(Boolean).join(' ');
    form = `<form method="post" action="${esc(withLang(`/l/${link.id}`, lang))}" class="link-form" novalidate>
<label for="amount">${esc(m.amount)} (${esc(link.currency)})</label>
<input id="amount" name="amount" type="text" inputmode="decimal" autocomplete="off" required maxlength="40" value="${esc(input.amount ?? '')}"${describedBy ? ` aria-describedby="${describedBy}"` : ''}${input.error ? ' aria-invalid="true"' : ''}>
${hint ? `<p class="hint muted" id="amount-hint">${esc(hint)}</p>` : ''}
${input.error ? `<p class="error" id="amount-error" role="alert">${esc(input.error)}</p>` : ''}
<button type="submit" class="primary" id="continue">${esc(m.continue)}</button>
</form>`;
  }
  const body = `<main class="card" id="checkout" data-kind="payment_link" data-id="${esc(link.id)}">
${link.livemode ? '' : `<aside class="test-banner"><p>${esc(m.test_mode)}</p></aside>`}
<header>
<h1>${esc(m.page_title)}</h1>
${link.description ? `<p class="description"><span class="muted">${esc(m.description)}:</span> <span id="description">${esc(link.description)}</span></p>` : ''}
</header>
${form}
</main>`;
  return page({ lang, title: m.page_title, assets: input.assets, path: `/l/${link.id}`, body });
}

export function renderNotFoundPage(input: { lang: Lang; assets: CheckoutAssets; path: string }): string {
  const m = MESSAGES[input.lang];
  const body = `<main class="card" id="checkout" data-kind="not_found">
<h1>${esc(m.not_found_title)}</h1>
<p id="status-text">${esc(m.not_found_body)}</p>
</main>`;
  return page({ lang: input.lang, title: m.not_found_title, assets: input.assets, path: input.path.startsWith('/') && !input.path.startsWith('//') ? input.path : '/', body });
}
