// Kassa checkout page script: live status (SSE, polling fallback), copy buttons, the countdown,
// "Simulate payment" in test mode and the redirect back to the shop. The page works without it.
(function () {
  'use strict';
  var root = document.getElementById('checkout');
  if (!root) return;
  var i18nEl = document.getElementById('i18n');
  var m = {};
  try { m = JSON.parse((i18nEl && i18nEl.getAttribute('data-messages')) || '{}'); } catch (e) { m = {}; }
  var kind = root.getAttribute('data-kind');

  function fmt(template, values) {
    return String(template || '').replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }
  function byId(id) { return document.getElementById(id); }
  function setText(id, text) { var el = byId(id); if (el && el.textContent !== text) el.textContent = text; }

  // Copy buttons: the clipboard API where the page is a secure context, else select-and-copy.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'offscreen';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('button.copy'), function (button) {
    button.addEventListener('click', function () {
      var target = byId(button.getAttribute('data-copy'));
      if (!target) return;
      copyText(target.textContent.trim()).then(function () {
        var label = button.getAttribute('data-label');
        button.textContent = m.copied || 'Copied';
        if (label) button.setAttribute('aria-label', (m.copied || 'Copied') + ': ' + label);
        button.classList.add('done');
        setTimeout(function () {
          button.textContent = m.copy || 'Copy';
          if (label) button.setAttribute('aria-label', (m.copy || 'Copy') + ': ' + label);
          button.classList.remove('done');
        }, 1500);
      }, function () { /* the value stays selectable by hand */ });
    });
  });

  // Countdown to expiry.
  var countdown = byId('countdown');
  var expiresAt = Date.parse(root.getAttribute('data-expires-at') || '');
  function tick() {
    if (!countdown || isNaN(expiresAt)) return;
    var left = Math.floor((expiresAt - Date.now()) / 1000);
    if (left <= 0) { countdown.textContent = m.expired_short || 'Expired'; return; }
    var h = Math.floor(left / 3600);
    var mm = String(Math.floor((left % 3600) / 60)).padStart(2, '0');
    var ss = String(left % 60).padStart(2, '0');
    countdown.textContent = h > 0 ? h + ':' + mm + ':' + ss : mm + ':' + ss;
  }
  tick();
  var countdownTimer = setInterval(tick, 1000);

  var TERMINAL = kind === 'checkout_session' ? ['complete', 'expired', 'canceled'] : ['paid', 'expired', 'canceled', 'refunded'];
  var redirected = false;
  function redirectSoon(url) {
    if (redirected || !url) return;
    redirected = true;
    // Live regions stay in the page, empty, so screen readers announce the text when it arrives.
    setText('redirect-note', m.redirecting || '');
    setTimeout(function () { window.location.assign(url); }, 2500);
  }

  function confirmations(view) {
    var live = (view.payments || []);
    if (!live.length) return 0;
    var least = view.confirmations_required;
    live.forEach(function (p) { if (p.confirmations < least) least = p.confirmations; });
    return least;
  }
  function intentStatusText(view) {
    switch (view.status) {
      case 'confirming': return fmt(m.status_confirming, { n: confirmations(view), m: view.confirmations_required });
      case 'paid': return m.status_paid;
      case 'expired': return m.status_expired;
      case 'canceled': return m.status_canceled;
      case 'refunded': return m.status_refunded;
      default: return m.status_pending;
    }
  }
  function intentDetail(view) {
    var hasReceived = (view.payments || []).length > 0 && view.amount_received !== '0';
    if (view.exception === 'paid_late') return m.paid_late;
    if (view.exception === 'overpaid') return m.overpaid;
    if (view.status === 'expired' && hasReceived) return fmt(m.expired_underpaid, { received: view.amount_received, asset: view.asset });
    if ((view.status === 'pending' || view.status === 'confirming') && hasReceived && view.amount_remaining !== '0') {
      return fmt(m.underpaid, { received: view.amount_received, remaining: view.amount_remaining, asset: view.asset });
    }
    return '';
  }

  var lastUri = root.getAttribute('data-payment-uri') || '';
  function applyIntent(view) {
    root.setAttribute('data-status', view.status);
    setText('status-text', intentStatusText(view));
    var detail = intentDetail(view);
    var detailEl = byId('status-detail');
    if (detailEl && detailEl.textContent !== detail) detailEl.textContent = detail;
    var send = (view.payments || []).length > 0 && view.amount_remaining !== '0' ? view.amount_remaining : view.pay_amount;
    setText('pay-amount', send);
    if (view.payment_uri && view.payment_uri !== lastUri) {
      // The remainder changed the payment request: a new QR (rendered by the node) and deep link.
      lastUri = view.payment_uri;
      root.setAttribute('data-payment-uri', lastUri);
      var link = byId('wallet-link');
      if (link) link.setAttribute('href', lastUri);
      var qr = byId('qr');
      if (qr) qr.setAttribute('src', '/api/public/payment-intents/' + encodeURIComponent(view.id) + '/qr.svg?v=' + encodeURIComponent(view.amount_remaining));
    }
    if (view.status === 'paid' && view.success_url) redirectSoon(view.success_url);
  }
  function applySession(session) {
    if (session.status !== root.getAttribute('data-status')) {
      // The page for another state (paid, expired) comes from the node: reload it.
      if (session.status === 'complete' && session.success_url) { redirectSoon(session.success_url); return; }
      window.location.reload();
    }
  }
  function apply(view) {
    if (kind === 'checkout_session') applySession(view); else applyIntent(view);
    if (TERMINAL.indexOf(view.status) >= 0) {
      clearInterval(countdownTimer);
      return true;
    }
    return false;
  }

  // Live updates: Server-Sent Events, falling back to polling the JSON view.
  var streamUrl = root.getAttribute('data-stream');
  var jsonUrl = root.getAttribute('data-json');
  var done = TERMINAL.indexOf(root.getAttribute('data-status')) >= 0;
  var pollTimer = null;
  function poll() {
    if (done || !jsonUrl) return;
    fetch(jsonUrl, { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (body) {
        if (!body || !body.data) return;
        setText('updates-note', '');
        done = apply(body.data);
      })
      .catch(function () { /* try again on the next tick */ })
      .then(function () { if (!done) pollTimer = setTimeout(poll, 3000); });
  }
  function startPolling() {
    if (pollTimer === null && !done) {
      setText('updates-note', m.updates_paused || '');
      pollTimer = setTimeout(poll, 1000);
    }
  }
  if (!done && (kind === 'payment_intent' || kind === 'checkout_session') && streamUrl) {
    if (typeof window.EventSource === 'function') {
      var failures = 0;
      var source = new EventSource(streamUrl);
      source.addEventListener('update', function (event) {
        failures = 0;
        try { done = apply(JSON.parse(event.data)); } catch (e) { /* ignore a malformed frame */ }
        if (done) source.close();
      });
      source.addEventListener('end', function () { source.close(); });
      source.onerror = function () {
        failures += 1;
        if (done || failures >= 3 || source.readyState === 2) { source.close(); startPolling(); }
      };
    } else {
      startPolling();
    }
  }

  // Test mode: "Simulate payment" without leaving the page.
  var simulateForm = document.querySelector('form.simulate');
  if (simulateForm) {
    simulateForm.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = byId('simulate');
      var note = byId('simulate-note');
      if (button) button.disabled = true;
      if (note) note.textContent = m.simulating || '';
      fetch(simulateForm.getAttribute('action'), { method: 'POST', headers: { accept: 'application/json' } })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          if (note) note.textContent = '';
        })
        .catch(function () {
          if (note) note.textContent = m.simulate_failed || '';
          if (button) button.disabled = false;
        });
    });
  }
})();
