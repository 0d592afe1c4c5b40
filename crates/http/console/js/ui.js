// Small shared pieces of the console's pages.

import { h } from './dom.js';
import { ApiError, api } from './api.js';

/** The title row of a page, with its actions on the right. */
export function pageHeader(title, { subtitle, actions = [], back } = {}) {
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      null,
      back ? h('a', { class: 'back', href: back.href }, `← ${back.label}`) : null,
      h('h1', null, title),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null,
    ),
    h('div', { class: 'actions' }, actions),
  );
}

/** `kind`: primary, secondary (default), danger, link. */
export function button(label, onclick, { kind = 'secondary', type = 'button', ...props } = {}) {
  return h('button', { type, class: `btn btn-${kind}`, onclick, ...props }, label);
}

export function linkButton(label, href, { kind = 'secondary', ...props } = {}) {
  return h('a', { class: `btn btn-${kind}`, href, ...props }, label);
}

/** A boxed message; `kind`: info, success, warning, error. Errors are announced. */
export function notice(kind, ...content) {
  const role = kind === 'error' ? 'alert' : null;
  return h('div', { class: `notice notice-${kind}`, role }, content);
}

export function badge(text, kind = 'neutral', title) {
  return h('span', { class: `badge badge-${kind}`, title }, text);
}

export function section(title, ...content) {
  return h('section', { class: 'card' }, title ? h('h2', null, title) : null, content);
}

/** A short message at the bottom of the window that goes away by itself. */
export function toast(message, kind = 'success') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast toast-${kind}` }, message);
  region.append(item);
  while (region.children.length > 3) region.firstElementChild.remove();
  setTimeout(() => item.remove(), 5000);
}

/** Asks before something that cannot be undone. Resolves to true when confirmed. */
export function confirmDialog(message, { confirmLabel = 'Confirm', danger = true } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog', 'aria-label': 'Confirm' });
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h('p', null, message),
      h(
        'div',
        { class: 'dialog-actions' },
        button('Cancel', () => close(false)),
        button(confirmLabel, () => close(true), { kind: danger ? 'danger' : 'primary' }),
      ),
    );
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A value with a Copy button. `secret` values are masked until "Reveal" is clicked. */
export function copyable(value, { secret = false, label = 'Copy' } = {}) {
  const shown = h('code', { class: 'copy-value' }, secret ? mask(value) : value);
  let revealed = !secret;
  const wrap = h('span', { class: 'copyable' }, shown);
  if (secret) {
    const reveal = button(
      'Reveal',
      () => {
        revealed = !revealed;
        shown.textContent = revealed ? value : mask(value);
        reveal.textContent = revealed ? 'Hide' : 'Reveal';
      },
      { kind: 'small' },
    );
    wrap.append(reveal);
  }
  wrap.append(button(label, () => copyText(value), { kind: 'small' }));
  return wrap;
}

function mask(value) {
  return value ? '•'.repeat(Math.min(24, value.length)) : '(none)';
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard');
  } catch {
    toast('Copying is not allowed here; select the text and copy it by hand', 'warning');
  }
}

/** A definition list of `[label, value]` rows; values may be nodes. */
export function facts(rows) {
  return h(
    'dl',
    { class: 'facts' },
    rows.filter(Boolean).map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  );
}

/** `2026-01-02T03:04:05+08:00` → `2026-01-02 03:04`. */
export function shortTime(iso) {
  if (!iso) return '';
  return String(iso).replace('T', ' ').slice(0, 16);
}

export function loading() {
  return h('p', { class: 'loading' }, 'Loading…');
}

/** A message that replaces a page that could not be loaded. */
export function loadError(error) {
  return notice('error', `Could not load this page: ${error.message}`);
}

/**
 * A Delete button: asks first, then `POST endpoint` with `body`; the server's refusal is
 * shown in `errorTarget` (a form's `showError`). `done()` runs after the deletion.
 */
export function deleteButton({ what, endpoint, body, showError, done }) {
  return button(
    `Delete ${what}`,
    async () => {
      if (!(await confirmDialog(`Delete ${what} “${body.name}”? This cannot be undone.`, { confirmLabel: 'Delete' }))) {
        return;
      }
      try {
        const answer = await api.post(endpoint, body);
        if (answer.data === 'Unaffected') {
          showError(`${what} “${body.name}” was already gone.`);
          return;
        }
        toast(`Deleted ${what} “${body.name}”`);
        done();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(error.message);
      }
    },
    { kind: 'danger' },
  );
}
