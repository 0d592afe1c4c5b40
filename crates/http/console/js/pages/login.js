// Sign-in: Casdoor's `POST /api/login`, which sets the HttpOnly session cookie.

import { h } from '../dom.js';
import { api } from '../api.js';
import { buildForm } from '../form.js';
import { notice } from '../ui.js';

/** `message`: why the sign-in is shown again; `kind`: its notice style. */
export function renderLogin(root, { message, kind = 'warning', onSignedIn }) {
  const form = buildForm({
    fields: [
      {
        name: 'organization',
        label: 'Organization',
        required: true,
        help: 'Administrators of the whole server belong to “built-in”.',
        autocomplete: 'organization',
      },
      { name: 'username', label: 'Username', required: true, autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' },
    ],
    values: { organization: 'built-in' },
    submitLabel: 'Sign in',
    onSubmit: async (values) => {
      await api.post('/api/login', { ...values, type: 'login' });
      await onSignedIn();
    },
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'login' },
      h(
        'div',
        { class: 'login-card card' },
        h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Ferrodoor'),
        h('h1', null, 'Sign in to the console'),
        message ? notice(kind, message) : null,
        form.el,
      ),
    ),
  );
  form.fields.get('username').input.focus();
}
