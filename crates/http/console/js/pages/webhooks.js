// Webhooks (Casdoor's objects: `get-webhooks`, `get-webhook`, `add-`, `update-`,
// `delete-webhook`) and each webhook's deliveries (`get-webhook-deliveries`: the outbox's
// state, attempts, last status and error).

import { h, uid } from '../dom.js';
import { GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import { badge, copyable, deleteButton, linkButton, notice, pageHeader, section, shortTime, toast } from '../ui.js';

/** What a webhook may listen to: the server's event list (docs/operations.md, `audit::EVENTS`). */
export const EVENTS = [
  'signup',
  'login',
  'login-failed',
  'logout',
  'add-organization',
  'update-organization',
  'delete-organization',
  'add-application',
  'update-application',
  'delete-application',
  'regenerate-client-secret',
  'rotate-cert',
  'add-provider',
  'update-provider',
  'delete-provider',
  'add-user',
  'update-user',
  'delete-user',
  'revoke-user-tokens',
  'bind-wechat',
  'unbind-wechat',
  'add-webhook',
  'update-webhook',
  'delete-webhook',
  'add-session',
  'update-session',
  'delete-session',
  'sso-logout',
  'add-token',
  'update-token',
  'delete-token',
  'add-cert',
  'update-cert',
  'delete-cert',
  'add-model',
  'update-model',
  'delete-model',
  'add-adapter',
  'update-adapter',
  'delete-adapter',
  'add-enforcer',
  'update-enforcer',
  'delete-enforcer',
  'add-permission',
  'update-permission',
  'delete-permission',
  'add-role',
  'update-role',
  'delete-role',
  'add-group',
  'update-group',
  'delete-group',
  'add-policy',
  'update-policy',
  'remove-policy',
  'upload-verification-file',
  'delete-verification-file',
];

/** Checkboxes, one per event. */
function eventsEditor() {
  const boxes = EVENTS.map((event) => {
    const id = uid('event');
    const box = h('input', { type: 'checkbox', id, value: event, name: `event-${event}` });
    return { event, box, row: h('label', { class: 'event-choice', for: id }, box, h('code', null, event)) };
  });
  const error = h('p', { class: 'field-error', hidden: true });
  return {
    el: h('div', { class: 'event-choices', role: 'group', 'aria-label': 'Events' }, boxes.map((b) => b.row), error),
    get: () => boxes.filter((b) => b.box.checked).map((b) => b.event),
    set: (values) => {
      for (const b of boxes) b.box.checked = (values ?? []).includes(b.event);
    },
    validate: () => {
      const none = boxes.every((b) => !b.box.checked);
      error.textContent = none ? 'Choose at least one event.' : '';
      error.hidden = !none;
      return none ? 'Choose at least one event.' : null;
    },
  };
}

/** `Name: value` per line ⇄ `[{name, value}]`. */
function toHeaders(lines) {
  return lines.map((line) => {
    const at = line.indexOf(':');
    return at < 0 ? { name: line.trim(), value: '' } : { name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
  });
}

function fromHeaders(headers) {
  return (headers ?? []).map((x) => `${x.name}: ${x.value}`);
}

function fields({ editing, orgs }) {
  return [
    { name: 'name', label: 'Name', required: true, readOnly: editing },
    editing
      ? { name: 'organization', label: 'Organization', readOnly: true }
      : { name: 'organization', label: 'Organization', type: 'select', options: orgs.map((o) => [o, o]), required: true },
    { name: 'url', label: 'URL', required: true, placeholder: 'https://crm.example.com/ferrodoor', help: 'A public https or http address; private and loopback addresses are refused unless the operator allows them.' },
    { name: 'method', label: 'Method', type: 'select', options: [['POST', 'POST'], ['PUT', 'PUT'], ['PATCH', 'PATCH']] },
    {
      name: 'contentType',
      label: 'Content type',
      type: 'select',
      options: [['application/json', 'application/json'], ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded']],
    },
    { name: 'headers', label: 'Headers', type: 'lines', rows: 2, placeholder: 'X-Tenant: acme', help: 'One “Name: value” a line, added to every request.' },
    { name: 'events', label: 'Events', type: 'custom', build: eventsEditor },
    { name: 'isUserExtended', label: 'Send the user with each event (extendedUser)', type: 'checkbox' },
    { name: 'isEnabled', label: 'Enabled', type: 'checkbox' },
  ];
}

async function organizations(account) {
  if (account.owner !== 'built-in') return [account.owner];
  return ((await api.get('/api/get-organizations', { owner: GLOBAL_OWNER })).data ?? []).map((o) => o.name);
}

export async function renderList(view, { route, account }) {
  const orgs = await organizations(account);
  const org = account.owner === 'built-in' ? (route.query.get('org') ?? '') : account.owner;
  const table = await listTable({
    route,
    keep: { org },
    endpoint: '/api/get-webhooks',
    query: { organization: org },
    searchFields: [
      ['name', 'Name'],
      ['url', 'URL'],
      ['organization', 'Organization'],
    ],
    empty: 'No webhooks yet.',
    columns: [
      { label: 'Name', cell: (w) => h('a', { href: href(['webhook', w.owner, w.name]) }, w.name) },
      { label: 'Organization', cell: (w) => w.organization },
      { label: 'URL', cell: (w) => h('code', null, w.url) },
      { label: 'Events', cell: (w) => (w.events ?? []).join(', ') },
      { label: 'Status', cell: (w) => (w.isEnabled ? badge('enabled', 'success') : badge('disabled', 'neutral')) },
    ],
  });
  view.replaceChildren(
    pageHeader('Webhooks', {
      subtitle: 'The records of chosen events, sent signed to your systems.',
      actions: [linkButton('New webhook', href(['webhooks', 'new'], { org }), { kind: 'primary' })],
    }),
    orgs.length > 1 ? orgToolbar(orgs, org) : null,
    table,
  );
}

function orgToolbar(orgs, org) {
  const picker = h(
    'select',
    { id: 'webhooks-org', onchange: () => go(['webhooks'], { org: picker.value }) },
    h('option', { value: '', selected: org === '' }, 'All organizations'),
    orgs.map((name) => h('option', { value: name, selected: name === org }, name)),
  );
  return h('div', { class: 'toolbar' }, h('label', { for: 'webhooks-org' }, 'Organization'), picker);
}

export async function renderNew(view, { route, account }) {
  const orgs = (await organizations(account)).filter((o) => o !== 'built-in' || account.owner === 'built-in');
  const org = route.query.get('org') || orgs.find((o) => o !== 'built-in') || orgs[0];
  const form = buildForm({
    fields: fields({ editing: false, orgs }),
    values: { organization: org, method: 'POST', contentType: 'application/json', isEnabled: true, events: ['signup', 'login'] },
    submitLabel: 'Create webhook',
    onSubmit: async (values) => {
      const body = { owner: GLOBAL_OWNER, ...values, headers: toHeaders(values.headers) };
      const answer = await api.post('/api/add-webhook', body);
      toast(`Webhook “${values.name}” created`);
      showSecret(view, answer.data2);
    },
    actions: [linkButton('Cancel', href(['webhooks']), { kind: 'link' })],
  });
  view.replaceChildren(
    pageHeader('New webhook', { back: { href: href(['webhooks']), label: 'Webhooks' } }),
    section(null, form.el),
  );
}

/** After creation: the signing secret, this once, then on to the webhook. */
function showSecret(view, webhook) {
  view.replaceChildren(
    pageHeader(`Webhook ${webhook.name}`, { back: { href: href(['webhooks']), label: 'Webhooks' } }),
    section(
      'Signing secret',
      notice('warning', 'Copy the secret now: it is shown this once. Receivers check X-Ferrodoor-Signature-256 with it.'),
      h('p', { id: 'webhook-secret' }, copyable(webhook.secret, { secret: true })),
      linkButton('Continue to the webhook', href(['webhook', webhook.owner, webhook.name]), { kind: 'primary' }),
    ),
  );
}

export async function renderEdit(view, { route }) {
  const [, owner, name] = route.parts;
  const id = idOf(owner, name);
  const [webhook, deliveries] = await Promise.all([
    api.get('/api/get-webhook', { id }).then((a) => a.data),
    api.get('/api/get-webhook-deliveries', { id }).then((a) => a.data ?? []),
  ]);
  const original = { ...webhook, headers: fromHeaders(webhook.headers) };
  const form = buildForm({
    fields: fields({ editing: true, orgs: [] }),
    values: original,
    onSubmit: async () => {
      const changes = form.changes(original);
      if (Object.keys(changes).length === 0) {
        toast('No changes to save', 'info');
        return;
      }
      const body = { ...changes };
      if (body.headers) body.headers = toHeaders(body.headers);
      await api.post('/api/update-webhook', body, { id });
      Object.assign(original, changes);
      toast(`Webhook “${name}” saved`);
    },
    actions: [
      deleteButton({
        what: 'webhook',
        endpoint: '/api/delete-webhook',
        body: { owner, name },
        showError: (m) => form.showError(m),
        done: () => go(['webhooks']),
      }),
    ],
  });
  view.replaceChildren(
    pageHeader(name, { subtitle: `Webhook ${id}`, back: { href: href(['webhooks']), label: 'Webhooks' } }),
    section(null, form.el),
    deliveriesPanel(deliveries),
  );
}

const STATE_KIND = { delivered: 'success', pending: 'warning', failed: 'danger' };

function unixTime(seconds) {
  return seconds ? shortTime(new Date(seconds * 1000).toISOString()) : '';
}

function deliveriesPanel(deliveries) {
  if (deliveries.length === 0) {
    return section('Deliveries', h('p', { class: 'empty' }, 'Nothing has been sent to this webhook yet.'));
  }
  return section(
    'Deliveries',
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', id: 'webhook-deliveries' },
        h(
          'thead',
          null,
          h('tr', null, ['Created', 'Event', 'State', 'Attempts', 'Last status', 'Last error', 'Next attempt', 'Delivery'].map((t) => h('th', { scope: 'col' }, t))),
        ),
        h(
          'tbody',
          null,
          deliveries.map((d) =>
            h(
              'tr',
              { dataset: { state: d.state, event: d.event } },
              h('td', null, unixTime(d.createdAt)),
              h('td', null, h('code', null, d.event)),
              h('td', null, badge(d.state, STATE_KIND[d.state] ?? 'neutral')),
              h('td', null, String(d.attempts)),
              h('td', null, d.lastStatus ? String(d.lastStatus) : '—'),
              h('td', { class: 'delivery-error' }, d.lastError),
              h('td', null, d.state === 'pending' ? unixTime(d.nextAttemptAt) : ''),
              h('td', null, h('code', null, d.id)),
            ),
          ),
        ),
      ),
    ),
  );
}
