// Users of an organization: `get-users`, `get-user`, `add-user`, `update-user` (partial: only
// changed fields are sent), `delete-user`, the linked WeChat identities, forbid/unforbid and
// token revocation.

import { h } from '../dom.js';
import { ApiError, GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import {
  badge,
  button,
  confirmDialog,
  deleteButton,
  facts,
  linkButton,
  notice,
  pageHeader,
  section,
  shortTime,
  toast,
} from '../ui.js';

const PROFILE = [
  'displayName',
  'email',
  'phone',
  'avatar',
  'firstName',
  'lastName',
  'affiliation',
  'title',
  'tag',
  'homepage',
  'bio',
];

function fields({ editing }) {
  return [
    {
      name: 'name',
      label: 'Name',
      required: true,
      readOnly: editing,
      help: editing ? null : 'The sign-in name: letters, digits and - _ . @ +. It cannot be changed later.',
    },
    { name: 'displayName', label: 'Display name' },
    { name: 'email', label: 'Email', type: 'email', validate: (v) => (v && !/^[^\s@]+@[^\s@]+$/.test(v) ? 'Email must look like name@example.com.' : null) },
    { name: 'phone', label: 'Phone', type: 'tel' },
    { name: 'avatar', label: 'Avatar URL', placeholder: 'https://…' },
    { name: 'firstName', label: 'First name' },
    { name: 'lastName', label: 'Last name' },
    { name: 'affiliation', label: 'Affiliation' },
    { name: 'title', label: 'Title' },
    { name: 'tag', label: 'Tag' },
    { name: 'homepage', label: 'Homepage', placeholder: 'https://…' },
    { name: 'bio', label: 'Bio', type: 'textarea', rows: 2 },
    {
      name: 'password',
      label: editing ? 'New password' : 'Password',
      type: 'password',
      placeholder: editing ? 'leave empty to keep' : 'optional',
      help: editing
        ? 'Leave empty to keep the current password.'
        : 'Leave empty for users who sign in with WeChat only.',
    },
    {
      name: 'isAdmin',
      label: 'Administrator of this organization',
      type: 'checkbox',
      help: 'In “built-in”, an administrator administers the whole server.',
    },
    // Authorization (issue 12): the groups the user belongs to.
    { name: 'groups', label: 'Groups', type: 'lines', rows: 3, help: 'One group per line, as organization/name.' },
  ];
}

const GROUPS = [
  { title: 'Profile', names: ['name', ...PROFILE], columns: true },
  { title: 'Password and role', names: ['password', 'isAdmin'] },
  { title: 'Groups', names: ['groups'] },
];

async function organizations() {
  return (await api.get('/api/get-organizations', { owner: GLOBAL_OWNER })).data ?? [];
}

/** The organization the list shows: the route's, else the first that is not built-in. */
function chosenOrg(route, orgs) {
  const asked = route.query.get('org');
  if (asked) return asked;
  return (orgs.find((o) => o.name !== 'built-in') ?? orgs[0])?.name ?? 'built-in';
}

export async function renderList(view, { route }) {
  const orgs = await organizations();
  const org = chosenOrg(route, orgs);
  const picker = h(
    'select',
    { id: 'org-picker', onchange: () => go(['users'], { org: picker.value }) },
    orgs.map((o) => h('option', { value: o.name, selected: o.name === org }, o.displayName ? `${o.displayName} (${o.name})` : o.name)),
  );
  const table = await listTable({
    route,
    keep: { org },
    endpoint: '/api/get-users',
    query: { owner: org },
    searchFields: [
      ['name', 'Name'],
      ['displayName', 'Display name'],
      ['email', 'Email'],
      ['phone', 'Phone'],
      ['wechat', 'WeChat openid'],
      ['tag', 'Tag'],
    ],
    empty: 'No users in this organization yet.',
    columns: [
      { label: 'Name', cell: (u) => h('a', { href: href(['user', u.owner, u.name]) }, u.name) },
      { label: 'Display name', cell: (u) => u.displayName },
      { label: 'WeChat', cell: (u) => (u.wechat ? h('code', null, u.wechat) : '') },
      { label: 'Email / phone', cell: (u) => [u.email, u.email && u.phone ? ' · ' : '', u.phone] },
      { label: 'Created', cell: (u) => shortTime(u.createdTime) },
      { label: 'Status', cell: (u) => statusBadges(u) },
    ],
  });
  view.replaceChildren(
    pageHeader('Users', {
      actions: [linkButton('New user', href(['users', 'new'], { org }), { kind: 'primary' })],
    }),
    h('div', { class: 'toolbar' }, h('label', { for: 'org-picker' }, 'Organization'), picker),
    table,
  );
}

function statusBadges(user) {
  return [
    user.isForbidden ? badge('forbidden', 'danger') : badge('active', 'success'),
    user.isAdmin ? [' ', badge('admin', 'accent')] : null,
  ];
}

export async function renderNew(view, { route }) {
  const orgs = await organizations();
  const org = chosenOrg(route, orgs);
  const form = buildForm({
    fields: fields({ editing: false }),
    groups: GROUPS,
    submitLabel: 'Create user',
    onSubmit: async (values) => {
      const body = { owner: org };
      for (const [key, value] of Object.entries(values)) {
        if (value !== '' && value !== false) body[key] = value;
      }
      await api.post('/api/add-user', body);
      toast(`User “${values.name}” created`);
      go(['user', org, values.name]);
    },
    actions: [linkButton('Cancel', href(['users'], { org }), { kind: 'link' })],
  });
  view.replaceChildren(
    pageHeader('New user', {
      subtitle: `In organization ${org}`,
      back: { href: href(['users'], { org }), label: 'Users' },
    }),
    section(null, form.el),
  );
}

export async function renderEdit(view, { route }) {
  const [, owner, name] = route.parts;
  const id = idOf(owner, name);
  const [user, identities] = await Promise.all([
    api.get('/api/get-user', { id }).then((a) => a.data),
    api.get('/api/get-user-identities', { id }).then((a) => a.data ?? []),
  ]);
  const original = { ...user, password: '' };
  const form = buildForm({
    fields: fields({ editing: true }),
    groups: GROUPS,
    values: original,
    onSubmit: async () => {
      const changes = form.changes(original);
      if (!changes.password) delete changes.password;
      if (Object.keys(changes).length === 0) {
        toast('No changes to save', 'info');
        return;
      }
      await api.post('/api/update-user', changes, { id });
      delete changes.password;
      Object.assign(original, changes);
      form.fields.get('password').set('');
      toast(`User “${name}” saved`);
    },
    actions: [
      deleteButton({
        what: 'user',
        endpoint: '/api/delete-user',
        body: { owner, name },
        showError: (m) => form.showError(m),
        done: () => go(['users'], { org: owner }),
      }),
    ],
  });
  const back = { href: href(['users'], { org: owner }), label: `Users of ${owner}` };
  view.replaceChildren(
    pageHeader(user.displayName || user.name, { subtitle: `User ${id}`, back }),
    accessPanel(user, () => renderEdit(view, { route })),
    wechatPanel(identities),
    section(null, form.el),
  );
}

/** Status, forbid/unforbid and "sign out everywhere". */
function accessPanel(user, reload) {
  const id = idOf(user.owner, user.name);
  const problem = h('div');
  const run = async (action) => {
    problem.replaceChildren();
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      problem.replaceChildren(notice('error', error.message));
    }
  };
  const forbid = user.isForbidden
    ? button('Unforbid', () =>
        run(async () => {
          await api.post('/api/update-user', { isForbidden: false }, { id });
          toast(`${user.name} may sign in again`);
          await reload();
        }),
      )
    : button(
        'Forbid',
        () =>
          run(async () => {
            const sure = await confirmDialog(
              `Forbid ${user.name}? They cannot sign in any more and their tokens stop working at once.`,
              { confirmLabel: 'Forbid' },
            );
            if (!sure) return;
            await api.post('/api/update-user', { isForbidden: true }, { id });
            toast(`${user.name} is forbidden`);
            await reload();
          }),
        { kind: 'danger' },
      );
  const revoke = button('Revoke tokens', () =>
    run(async () => {
      const sure = await confirmDialog(
        `Revoke every token of ${user.name}? Their apps must sign in again.`,
        { confirmLabel: 'Revoke' },
      );
      if (!sure) return;
      const count = (await api.post('/api/revoke-user-tokens', {}, { id })).data;
      toast(`${count} token${count === 1 ? '' : 's'} revoked`);
    }),
  );
  return section(
    'Access',
    problem,
    facts([
      ['Status', statusBadges(user)],
      ['ID', h('code', null, user.id)],
      ['Created', shortTime(user.createdTime)],
      ['Updated', shortTime(user.updatedTime)],
      user.signupApplication ? ['Signed up with', h('a', { href: href(['application', user.signupApplication]) }, user.signupApplication)] : null,
      ['Password', user.password ? 'set' : 'none (WeChat only)'],
    ]),
    h('div', { class: 'button-row' }, forbid, revoke),
  );
}

function wechatPanel(identities) {
  if (identities.length === 0) {
    return section('WeChat identities', h('p', { class: 'empty' }, 'No WeChat identity is linked to this user.'));
  }
  return section(
    'WeChat identities',
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', id: 'wechat-identities' },
        h('thead', null, h('tr', null, ['AppID', 'openid', 'unionid', 'Linked', 'Last login'].map((t) => h('th', { scope: 'col' }, t)))),
        h(
          'tbody',
          null,
          identities.map((i) =>
            h(
              'tr',
              null,
              h('td', null, h('code', null, i.appid)),
              h('td', null, h('code', null, i.openid)),
              h('td', null, i.unionid ? h('code', null, i.unionid) : '—'),
              h('td', null, shortTime(i.createdTime)),
              h('td', null, shortTime(i.updatedTime)),
            ),
          ),
        ),
      ),
    ),
  );
}
