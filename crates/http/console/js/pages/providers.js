// Providers: `get-providers`, `get-provider`, `add-`, `update-`, `delete-provider`.
// The secret is write-only: the API answers `***`, so the form leaves it empty and sends
// `clientSecret` only when a new one is typed.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import { MINI_PROGRAM_TYPE, isMiniProgram, isWeChat, miniProgramProviderName } from '../providers-kind.js';
import { verificationFileSection } from './verification-file.js';
import { badge, deleteButton, facts, linkButton, pageHeader, section, shortTime, toast } from '../ui.js';

const OTHER = '__other__';

const TYPES = [
  [MINI_PROGRAM_TYPE, 'WeChat Mini Program'],
  ['WeChat', 'WeChat (Open Platform, Official Account)'],
  ['GitHub', 'GitHub'],
  ['Google', 'Google'],
  ['Custom', 'Custom OAuth'],
  [OTHER, 'Other…'],
];

const CATEGORIES = ['OAuth', 'Email', 'SMS', 'Storage', 'SAML', 'Payment', 'Captcha', 'Notification'];

export function miniProgramBadge() {
  return badge('Mini program', 'accent', 'WeChat Mini Program login');
}

export async function renderList(view, { route }) {
  const table = await listTable({
    route,
    endpoint: '/api/get-providers',
    query: { owner: GLOBAL_OWNER },
    searchFields: [
      ['name', 'Name'],
      ['displayName', 'Display name'],
      ['type', 'Type'],
      ['category', 'Category'],
    ],
    empty: 'No providers yet. A WeChat Mini Program provider holds the AppID and AppSecret.',
    columns: [
      { label: 'Name', cell: (p) => h('a', { href: href(['provider', p.name]) }, p.name) },
      { label: 'Display name', cell: (p) => p.displayName },
      { label: 'Type', cell: (p) => [typeLabel(p.type), isMiniProgram(p) ? [' ', miniProgramBadge()] : null] },
      { label: 'AppID / client ID', cell: (p) => h('code', null, p.clientId) },
      { label: 'Created', cell: (p) => shortTime(p.createdTime) },
    ],
  });
  view.replaceChildren(
    pageHeader('Providers', {
      subtitle: 'Identity providers applications can use. WeChat Mini Program login needs one.',
      actions: [linkButton('New provider', href(['providers', 'new']), { kind: 'primary' })],
    }),
    table,
  );
}

export function typeLabel(type) {
  return TYPES.find(([value]) => value === type)?.[1] ?? type;
}

function fields({ editing }) {
  return [
    {
      name: 'name',
      label: 'Name',
      required: true,
      readOnly: editing,
      help: editing ? null : 'Unique on the server; applications refer to the provider by it. Letters, digits and - _ . @ +.',
    },
    { name: 'displayName', label: 'Display name' },
    { name: 'type', label: 'Type', type: 'select', options: TYPES, required: true },
    { name: 'typeOther', label: 'Type name', placeholder: 'e.g. Facebook' },
    {
      name: 'subType',
      label: 'Sub-type',
      help: 'For a WeChat provider: “Mini Program” makes mini program login use it.',
    },
    { name: 'category', label: 'Category', type: 'select', options: CATEGORIES.map((c) => [c, c]) },
    { name: 'clientId', label: 'AppID', autocomplete: 'off' },
    {
      name: 'clientSecret',
      label: 'AppSecret',
      type: 'password',
      placeholder: editing ? 'leave empty to keep' : '',
      help: editing
        ? 'The stored secret is never shown. Leave empty to keep it; type a new one to replace it.'
        : 'Write-only: it is never shown again once saved.',
    },
    // Casdoor's second credential pair: a WeChat provider's Official Account.
    {
      name: 'clientId2',
      label: 'Official Account AppID',
      autocomplete: 'off',
      help: 'Optional: the Official Account used when the sign-in page is opened inside WeChat.',
    },
    {
      name: 'clientSecret2',
      label: 'Official Account AppSecret',
      type: 'password',
      placeholder: editing ? 'leave empty to keep' : '',
      help: 'Write-only, like the AppSecret.',
    },
    { name: 'providerUrl', label: 'Provider URL', placeholder: 'https://…' },
  ];
}

/** Form values → the provider's fields (the type picker's "Other…" becomes its text). */
function toProvider(values) {
  const { typeOther, ...rest } = values;
  return { ...rest, type: values.type === OTHER ? typeOther : values.type };
}

/** Builds the form and wires the type picker: labels, visible fields and checks follow it. */
function providerForm({ editing, provider, onSubmit, actions }) {
  const known = TYPES.some(([value]) => value === provider.type && value !== OTHER);
  const values = {
    ...provider,
    type: !provider.type ? MINI_PROGRAM_TYPE : known ? provider.type : OTHER,
    typeOther: known ? '' : provider.type,
    category: provider.category || 'OAuth',
    clientSecret: '',
    clientSecret2: '',
  };
  const form = buildForm({
    fields: fields({ editing }),
    values,
    submitLabel: editing ? 'Save' : 'Create provider',
    onSubmit,
    actions,
  });
  const f = (name) => form.fields.get(name);
  const type = () => toProvider(form.values()).type;
  f('typeOther').field.validate = (v) => (f('type').get() === OTHER && !v ? 'Type name is required.' : null);
  f('clientId').field.validate = (v) => (isWeChat(type()) && !v ? `${f('clientId').field.label} is required.` : null);
  f('clientSecret').field.validate = (v) =>
    !editing && isWeChat(type()) && !v ? `${f('clientSecret').field.label} is required.` : null;

  // A required mark on AppID (and AppSecret when creating), for WeChat types only.
  const marks = {};
  for (const name of editing ? ['clientId'] : ['clientId', 'clientSecret']) {
    marks[name] = h('span', { class: 'required', title: 'required' }, ' *');
    f(name).label.append(marks[name]);
  }
  const sync = () => {
    const wechat = isWeChat(type());
    f('typeOther').row.hidden = f('type').get() !== OTHER;
    f('subType').row.hidden = type() !== 'WeChat';
    f('clientId2').row.hidden = type() !== 'WeChat';
    f('clientSecret2').row.hidden = type() !== 'WeChat';
    for (const [name, wx, other] of [
      ['clientId', 'AppID', 'Client ID'],
      ['clientSecret', 'AppSecret', 'Client secret'],
    ]) {
      f(name).field.label = wechat ? wx : other;
      f(name).label.firstChild.textContent = f(name).field.label;
      if (marks[name]) marks[name].hidden = !wechat;
    }
    if (wechat) f('category').set('OAuth');
    f('category').input.disabled = wechat;
  };
  f('type').input.addEventListener('change', sync);
  sync();
  return form;
}

export async function renderNew(view) {
  const form = providerForm({
    editing: false,
    provider: { owner: GLOBAL_OWNER },
    onSubmit: async (values) => {
      const provider = toProvider(values);
      for (const key of ['clientSecret', 'clientId2', 'clientSecret2']) {
        if (!provider[key]) delete provider[key];
      }
      await api.post('/api/add-provider', { owner: GLOBAL_OWNER, ...provider });
      toast(`Provider “${provider.name}” created`);
      go(['provider', provider.name]);
    },
    actions: [linkButton('Cancel', href(['providers']), { kind: 'link' })],
  });
  view.replaceChildren(
    pageHeader('New provider', { back: { href: href(['providers']), label: 'Providers' } }),
    section(null, form.el),
  );
}

export async function renderEdit(view, { route }) {
  const name = route.parts[1];
  const [provider, apps] = await Promise.all([
    api.get('/api/get-provider', { id: idOf(GLOBAL_OWNER, name) }).then((a) => a.data),
    api
      .get('/api/get-applications', { owner: GLOBAL_OWNER })
      .then((a) => a.data ?? [])
      .catch(() => []),
  ]);
  const form = providerForm({
    editing: true,
    provider,
    onSubmit: async (values) => {
      const next = toProvider(values);
      const changes = {};
      for (const [key, value] of Object.entries(next)) {
        if (key === 'clientSecret' || key === 'clientSecret2') continue;
        if (value !== (provider[key] ?? '')) changes[key] = value;
      }
      // Write-only: sent only when a new secret was typed.
      if (next.clientSecret) changes.clientSecret = next.clientSecret;
      if (next.clientSecret2) changes.clientSecret2 = next.clientSecret2;
      if (Object.keys(changes).length === 0) {
        toast('No changes to save', 'info');
        return;
      }
      await api.post('/api/update-provider', changes, { id: idOf(GLOBAL_OWNER, name) });
      Object.assign(provider, changes, { clientSecret: '***' });
      if (changes.clientSecret2) provider.clientSecret2 = '***';
      form.fields.get('clientSecret').set('');
      form.fields.get('clientSecret2').set('');
      toast(`Provider “${name}” saved`);
    },
    actions: [
      deleteButton({
        what: 'provider',
        endpoint: '/api/delete-provider',
        body: { owner: provider.owner, name },
        showError: (m) => form.showError(m),
        done: () => go(['providers']),
      }),
    ],
  });
  const users = apps.filter((app) => (app.providers ?? []).some((item) => item.name === name));
  const usedBy = users.length
    ? h(
        'ul',
        { class: 'plain' },
        users.map((app) =>
          h(
            'li',
            null,
            h('a', { href: href(['application', app.name]) }, app.displayName || app.name),
            miniProgramProviderName(app.providers, () => null) === name
              ? [' ', badge('its mini program login', 'accent')]
              : null,
          ),
        ),
      )
    : 'No application uses it yet.';
  const fileSection = isWeChat(provider.type) ? await verificationFileSection(provider) : null;
  view.replaceChildren(
    pageHeader(provider.displayName || provider.name, {
      subtitle: `Provider ${provider.name}`,
      back: { href: href(['providers']), label: 'Providers' },
    }),
    section(
      null,
      facts([
        ['Created', shortTime(provider.createdTime)],
        ['Secret', provider.clientSecret ? 'stored (hidden)' : 'none'],
        provider.type === 'WeChat'
          ? ['Official Account secret', provider.clientSecret2 ? 'stored (hidden)' : 'none']
          : null,
        ['Used by', usedBy],
      ]),
      form.el,
    ),
    ...(fileSection ? [fileSection] : []),
  );
}
