// Organizations: `get-organizations`, `get-organization`, `add-`, `update-`, `delete-organization`.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import { deleteButton, facts, linkButton, pageHeader, section, shortTime, toast } from '../ui.js';

const NAME_HELP = 'Letters, digits and - _ . @ + (up to 100). It cannot be changed later.';

const FIELDS = [
  { name: 'name', label: 'Name', required: true, help: NAME_HELP },
  { name: 'displayName', label: 'Display name' },
  { name: 'websiteUrl', label: 'Website URL', placeholder: 'https://example.com' },
  { name: 'favicon', label: 'Favicon URL' },
  { name: 'defaultAvatar', label: 'Default avatar URL', help: 'Shown for users who have no avatar.' },
  { name: 'defaultApplication', label: 'Default application' },
];

export async function renderList(view, { route }) {
  const table = await listTable({
    route,
    endpoint: '/api/get-organizations',
    query: { owner: GLOBAL_OWNER },
    searchFields: [
      ['name', 'Name'],
      ['displayName', 'Display name'],
      ['websiteUrl', 'Website'],
    ],
    empty: 'No organizations yet.',
    columns: [
      { label: 'Name', cell: (o) => h('a', { href: href(['organization', o.name]) }, o.name) },
      { label: 'Display name', cell: (o) => o.displayName },
      { label: 'Website', cell: (o) => o.websiteUrl },
      { label: 'Created', cell: (o) => shortTime(o.createdTime) },
      { label: '', cell: (o) => h('a', { href: href(['users'], { org: o.name }) }, 'Users') },
    ],
  });
  view.replaceChildren(
    pageHeader('Organizations', {
      subtitle: 'Each organization has its own users; applications belong to one organization.',
      actions: [linkButton('New organization', href(['organizations', 'new']), { kind: 'primary' })],
    }),
    table,
  );
}

export async function renderNew(view) {
  const form = buildForm({
    fields: FIELDS,
    submitLabel: 'Create organization',
    onSubmit: async (values) => {
      await api.post('/api/add-organization', { owner: GLOBAL_OWNER, ...values });
      toast(`Organization “${values.name}” created`);
      go(['organization', values.name]);
    },
    actions: [linkButton('Cancel', href(['organizations']), { kind: 'link' })],
  });
  view.replaceChildren(
    pageHeader('New organization', { back: { href: href(['organizations']), label: 'Organizations' } }),
    section(null, form.el),
  );
}

export async function renderEdit(view, { route }) {
  const name = route.parts[1];
  const org = (await api.get('/api/get-organization', { id: idOf(GLOBAL_OWNER, name) })).data;
  const fields = FIELDS.map((f) => (f.name === 'name' ? { ...f, readOnly: true, help: null } : f));
  const form = buildForm({
    fields,
    values: org,
    onSubmit: async (values) => {
      const changes = form.changes(org);
      if (Object.keys(changes).length === 0) {
        toast('No changes to save', 'info');
        return;
      }
      await api.post('/api/update-organization', changes, { id: idOf(GLOBAL_OWNER, name) });
      Object.assign(org, changes);
      toast(`Organization “${values.name}” saved`);
    },
    actions: [
      deleteButton({
        what: 'organization',
        endpoint: '/api/delete-organization',
        body: { owner: GLOBAL_OWNER, name },
        showError: (m) => form.showError(m),
        done: () => go(['organizations']),
      }),
    ],
  });
  view.replaceChildren(
    pageHeader(org.displayName || org.name, {
      subtitle: `Organization ${org.name}`,
      back: { href: href(['organizations']), label: 'Organizations' },
      actions: [
        linkButton('Users', href(['users'], { org: name })),
        linkButton('Applications', href(['applications'], { field: 'organization', value: name })),
      ],
    }),
    section(null, facts([['Created', shortTime(org.createdTime)]]), form.el),
  );
}
