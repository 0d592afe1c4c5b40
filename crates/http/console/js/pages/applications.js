// Applications: `get-applications`, `get-application`, `add-`, `update-`, `delete-application`,
// `regenerate-client-secret`; the providers are picked from the provider list and ordered.

import { h } from '../dom.js';
import { ApiError, GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import { miniProgramProviderName } from '../providers-kind.js';
import {
  badge,
  button,
  confirmDialog,
  copyable,
  deleteButton,
  facts,
  linkButton,
  notice,
  pageHeader,
  section,
  shortTime,
  toast,
} from '../ui.js';
import { miniProgramBadge, typeLabel } from './providers.js';

export async function renderList(view, { route }) {
  const table = await listTable({
    route,
    endpoint: '/api/get-applications',
    query: { owner: GLOBAL_OWNER },
    searchFields: [
      ['name', 'Name'],
      ['displayName', 'Display name'],
      ['organization', 'Organization'],
      ['clientId', 'Client ID'],
    ],
    empty: 'No applications yet.',
    columns: [
      { label: 'Name', cell: (a) => h('a', { href: href(['application', a.name]) }, a.name) },
      { label: 'Display name', cell: (a) => a.displayName },
      { label: 'Organization', cell: (a) => a.organization },
      { label: 'Client ID', cell: (a) => h('code', null, a.clientId) },
      { label: 'Sign-up', cell: (a) => signUpBadge(a.enableSignUp) },
      {
        label: 'Mini program',
        cell: (a) => {
          const name = miniProgramProviderName(a.providers, () => null);
          return name ? [miniProgramBadge(), ' ', name] : '—';
        },
      },
      { label: '', cell: (a) => h('a', { href: href(['application', a.name, 'setup']) }, 'Setup') },
    ],
  });
  view.replaceChildren(
    pageHeader('Applications', {
      subtitle: 'What clients (a mini program, a web site) sign users in to.',
      actions: [linkButton('New application', href(['applications', 'new']), { kind: 'primary' })],
    }),
    table,
  );
}

function signUpBadge(on) {
  return on ? badge('on', 'success') : badge('off: login-only', 'warning');
}

/** The ordered provider list of an application, with the mini program one marked. */
function providersEditor(providers) {
  const byName = new Map(providers.map((p) => [p.name, p]));
  let items = [];
  const list = h('ol', { class: 'provider-list', 'aria-label': 'Providers of the application' });
  const picker = h('select', { 'aria-label': 'Provider to add' });
  const add = button('Add provider', () => {
    const provider = byName.get(picker.value);
    if (!provider) return;
    items.push({
      owner: provider.owner,
      name: provider.name,
      canSignUp: true,
      canSignIn: true,
      canUnlink: true,
      prompted: false,
      rule: '',
    });
    render();
  });

  const move = (index, by) => {
    const [item] = items.splice(index, 1);
    items.splice(index + by, 0, item);
    render();
  };

  function render() {
    const used = miniProgramProviderName(items, (name) => byName.get(name));
    list.replaceChildren(
      ...items.map((item, index) => {
        const provider = byName.get(item.name);
        return h(
          'li',
          { class: 'provider-item', dataset: { name: item.name } },
          h('span', { class: 'provider-name' }, item.name),
          h('span', { class: 'provider-type' }, provider ? typeLabel(provider.type) : 'not found'),
          item.name === used ? miniProgramBadge() : null,
          // Casdoor's per-provider sign-in methods: off = this provider cannot sign people
          // in / cannot create accounts (a login-only connection).
          [
            ['canSignIn', 'sign-in', 'may sign people in'],
            ['canSignUp', 'sign-up', 'may create accounts'],
          ].map(([key, text, what]) =>
            h(
              'label',
              { class: 'provider-flag' },
              h('input', {
                type: 'checkbox',
                checked: item[key] !== false,
                'aria-label': `${item.name} ${what}`,
                onchange: (e) => {
                  item[key] = e.target.checked;
                },
              }),
              ` ${text}`,
            ),
          ),
          h(
            'span',
            { class: 'provider-buttons' },
            button('↑', () => move(index, -1), {
              kind: 'small',
              disabled: index === 0,
              'aria-label': `Move ${item.name} up`,
              title: 'Move up',
            }),
            button('↓', () => move(index, 1), {
              kind: 'small',
              disabled: index === items.length - 1,
              'aria-label': `Move ${item.name} down`,
              title: 'Move down',
            }),
            button(
              'Remove',
              () => {
                items.splice(index, 1);
                render();
              },
              { kind: 'small', 'aria-label': `Remove ${item.name}` },
            ),
          ),
        );
      }),
    );
    if (items.length === 0) {
      list.append(h('li', { class: 'provider-empty' }, 'No providers yet.'));
    }
    const available = providers.filter((p) => !items.some((item) => item.name === p.name));
    picker.replaceChildren(
      h('option', { value: '' }, available.length ? 'Choose a provider…' : 'No other providers'),
      ...available.map((p) => h('option', { value: p.name }, `${p.name} (${typeLabel(p.type)})`)),
    );
    picker.disabled = available.length === 0;
    add.disabled = available.length === 0;
  }

  const el = h(
    'div',
    { class: 'providers-editor' },
    list,
    h('div', { class: 'provider-add' }, picker, add),
    providers.length === 0
      ? h('p', { class: 'field-help' }, 'There are no providers yet: ', h('a', { href: href(['providers', 'new']) }, 'create one'), '.')
      : null,
  );
  render();
  return {
    el,
    get: () => items.map((item) => ({ ...item })),
    set(value) {
      items = stripProviders(value);
      render();
    },
  };
}

/** Provider items without the provider the server fills in when reading. */
function stripProviders(items) {
  return (items ?? []).map(({ provider: _filled, ...item }) => item);
}

function fields({ editing, organizations, providers }) {
  return [
    {
      name: 'name',
      label: 'Name',
      required: true,
      readOnly: editing,
      help: editing ? null : 'Letters, digits and - _ . @ + (up to 100). It cannot be changed later.',
    },
    { name: 'displayName', label: 'Display name' },
    {
      name: 'organization',
      label: 'Organization',
      type: 'select',
      required: true,
      options: [['', 'Choose an organization…'], ...organizations.map((o) => [o.name, o.displayName ? `${o.displayName} (${o.name})` : o.name])],
      help: 'New users signing in to this application are created in it.',
    },
    { name: 'description', label: 'Description', type: 'textarea', rows: 2 },
    { name: 'homepageUrl', label: 'Homepage URL', placeholder: 'https://…' },
    {
      name: 'enableSignUp',
      label: 'Allow sign-up',
      type: 'checkbox',
      help: 'Off = login-only mode: only users who already exist can sign in; a new WeChat user is refused.',
    },
    { name: 'enablePassword', label: 'Allow password sign-in', type: 'checkbox' },
    {
      name: 'redirectUris',
      label: 'Redirect URIs',
      type: 'lines',
      rows: 3,
      placeholder: 'https://example.com/callback',
      help: 'One per line. A mini program needs none.',
      validate: (uris) => {
        const bad = uris.find((uri) => !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(uri));
        return bad ? `“${bad}” is not an absolute URI.` : null;
      },
    },
    {
      name: 'expireInHours',
      label: 'Access token lifetime (hours)',
      type: 'number',
      step: 'any',
      required: true,
      validate: (v) => (v <= 0 ? 'The access token lifetime must be more than 0 hours.' : null),
    },
    {
      name: 'refreshExpireInHours',
      label: 'Refresh token lifetime (hours)',
      type: 'number',
      step: 'any',
      min: 0,
      help: '0 = the same as the access token.',
    },
    { name: 'providers', label: 'Providers', hideLabel: true, type: 'custom', build: () => providersEditor(providers) },
  ];
}

const GROUPS = [
  { title: 'Application', names: ['name', 'displayName', 'organization', 'description', 'homepageUrl'] },
  { title: 'Sign-in', names: ['enableSignUp', 'enablePassword', 'redirectUris'] },
  { title: 'Tokens', names: ['expireInHours', 'refreshExpireInHours'] },
  {
    title: 'Providers',
    names: ['providers'],
    note: 'In order. The mini program login uses the first WeChat Mini Program provider of the list (marked).',
  },
];

async function loadChoices() {
  const [organizations, providers] = await Promise.all([
    api.get('/api/get-organizations', { owner: GLOBAL_OWNER }).then((a) => a.data ?? []),
    api.get('/api/get-providers', { owner: GLOBAL_OWNER }).then((a) => a.data ?? []),
  ]);
  return { organizations, providers };
}

export async function renderNew(view, { route }) {
  const choices = await loadChoices();
  const form = buildForm({
    fields: fields({ editing: false, ...choices }),
    groups: GROUPS,
    values: {
      organization: route.query.get('org') ?? '',
      enableSignUp: true,
      enablePassword: true,
      expireInHours: 168,
      refreshExpireInHours: 168,
      providers: [],
    },
    submitLabel: 'Create application',
    onSubmit: async (values) => {
      const answer = await api.post('/api/add-application', { owner: GLOBAL_OWNER, ...values });
      const created = answer.data2 ?? values;
      toast(`Application “${created.name}” created, client ID ${created.clientId ?? ''}`);
      go(['application', created.name]);
    },
    actions: [linkButton('Cancel', href(['applications']), { kind: 'link' })],
  });
  view.replaceChildren(
    pageHeader('New application', { back: { href: href(['applications']), label: 'Applications' } }),
    section(null, form.el),
  );
}

export async function renderEdit(view, { route }) {
  const name = route.parts[1];
  const [app, choices] = await Promise.all([
    api.get('/api/get-application', { id: idOf(GLOBAL_OWNER, name) }).then((a) => a.data),
    loadChoices(),
  ]);
  const original = { ...app, providers: stripProviders(app.providers) };
  const form = buildForm({
    fields: fields({ editing: true, ...choices }),
    groups: GROUPS,
    values: original,
    onSubmit: async () => {
      const changes = form.changes(original);
      if (Object.keys(changes).length === 0) {
        toast('No changes to save', 'info');
        return;
      }
      await api.post('/api/update-application', changes, { id: idOf(GLOBAL_OWNER, name) });
      Object.assign(original, changes);
      toast(`Application “${name}” saved`);
    },
    actions: [
      deleteButton({
        what: 'application',
        endpoint: '/api/delete-application',
        body: { owner: GLOBAL_OWNER, name },
        showError: (m) => form.showError(m),
        done: () => go(['applications']),
      }),
    ],
  });

  view.replaceChildren(
    pageHeader(app.displayName || app.name, {
      subtitle: `Application ${app.name} · organization ${app.organization}`,
      back: { href: href(['applications']), label: 'Applications' },
      actions: [linkButton('Mini program setup', href(['application', name, 'setup']), { kind: 'primary' })],
    }),
    credentials(app),
    section(null, facts([['Created', shortTime(app.createdTime)]]), form.el),
  );
}

/** Client ID, and the secret hidden until "Reveal", with a "Regenerate" that asks first. */
function credentials(app) {
  const secret = h('span', { class: 'secret-slot' }, copyable(app.clientSecret, { secret: true }));
  const problem = h('div', { hidden: true });
  const regenerate = button(
    'Regenerate',
    async () => {
      const sure = await confirmDialog(
        'Generate a new client secret? The current one stops working at once; clients that use it must be updated.',
        { confirmLabel: 'Regenerate' },
      );
      if (!sure) return;
      try {
        const fresh = (await api.post('/api/regenerate-client-secret', {}, { id: idOf(GLOBAL_OWNER, app.name) })).data;
        app.clientSecret = fresh.clientSecret;
        secret.replaceChildren(copyable(fresh.clientSecret, { secret: true }));
        problem.hidden = true;
        toast('New client secret generated; the old one no longer works');
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        problem.replaceChildren(notice('error', error.message));
        problem.hidden = false;
      }
    },
    { kind: 'small' },
  );
  return section(
    'Credentials',
    problem,
    facts([
      ['Client ID', copyable(app.clientId)],
      ['Client secret', [secret, regenerate]],
    ]),
    h('p', { class: 'field-help' }, 'A mini program needs only the client ID; keep the secret on servers.'),
  );
}
