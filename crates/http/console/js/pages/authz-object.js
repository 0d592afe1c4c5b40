// One set of list / new / edit pages for an organization's authorization objects (roles,
// permissions, groups, models): `get-<kind>s`, `get-<kind>`, `add-`, `update-`, `delete-<kind>`.
// Each kind's file (roles.js, permissions.js, groups.js, models.js) gives its fields.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api, idOf } from '../api.js';
import { go, href } from '../router.js';
import { buildForm } from '../form.js';
import { listTable } from '../list.js';
import { deleteButton, facts, linkButton, pageHeader, section, shortTime, toast } from '../ui.js';

export const NAME_HELP = 'Letters, digits and - _ . @ + (up to 100). It cannot be changed later.';

/** Member lists are edited one `owner/name` per line. */
export function members(name, label, help) {
  return { name, label, type: 'lines', rows: 4, help: help ?? 'One owner/name per line.' };
}

async function organizations() {
  return (await api.get('/api/get-organizations', { owner: GLOBAL_OWNER })).data ?? [];
}

function chosenOrg(route, orgs) {
  const asked = route.query.get('org');
  if (asked) return asked;
  return (orgs.find((o) => o.name !== 'built-in') ?? orgs[0])?.name ?? 'built-in';
}

/**
 * `kind`: `{ noun, plural, title, subtitle, fields, columns, extra(obj, owner) }`; `extra`
 * answers more sections for the edit page (a permission's "try a request" box).
 */
export function authzPages(kind) {
  const { noun, plural, title } = kind;
  const fields = [{ name: 'name', label: 'Name', required: true, help: NAME_HELP }, ...kind.fields];

  async function renderList(view, { route }) {
    const orgs = await organizations();
    const org = chosenOrg(route, orgs);
    const picker = h(
      'select',
      { id: `${noun}-org-picker`, onchange: () => go([plural], { org: picker.value }) },
      orgs.map((o) => h('option', { value: o.name, selected: o.name === org }, o.name)),
    );
    const table = await listTable({
      route,
      keep: { org },
      endpoint: `/api/get-${plural}`,
      query: { owner: org },
      searchFields: [
        ['name', 'Name'],
        ['displayName', 'Display name'],
      ],
      empty: `No ${plural} in this organization yet.`,
      columns: [
        { label: 'Name', cell: (o) => h('a', { href: href([noun, o.owner, o.name]) }, o.name) },
        { label: 'Display name', cell: (o) => o.displayName },
        ...kind.columns,
        { label: 'Created', cell: (o) => shortTime(o.createdTime) },
      ],
    });
    view.replaceChildren(
      pageHeader(title, {
        subtitle: kind.subtitle,
        actions: [linkButton(`New ${noun}`, href([plural, 'new'], { org }), { kind: 'primary' })],
      }),
      h('div', { class: 'toolbar' }, h('label', { for: `${noun}-org-picker` }, 'Organization'), picker),
      table,
    );
  }

  async function renderNew(view, { route }) {
    const orgs = await organizations();
    const org = chosenOrg(route, orgs);
    const form = buildForm({
      fields,
      submitLabel: `Create ${noun}`,
      onSubmit: async (values) => {
        await api.post(`/api/add-${noun}`, { owner: org, ...values });
        toast(`${title.slice(0, -1)} “${values.name}” created`);
        go([noun, org, values.name]);
      },
      actions: [linkButton('Cancel', href([plural], { org }), { kind: 'link' })],
    });
    view.replaceChildren(
      pageHeader(`New ${noun}`, { subtitle: `In organization ${org}`, back: { href: href([plural], { org }), label: title } }),
      section(null, form.el),
    );
  }

  async function renderEdit(view, { route }) {
    const [, owner, name] = route.parts;
    const id = idOf(owner, name);
    const obj = (await api.get(`/api/get-${noun}`, { id })).data;
    const back = { href: href([plural], { org: owner }), label: title };
    if (!obj) {
      view.replaceChildren(pageHeader(`No ${noun} ${id}`, { back }));
      return;
    }
    const editable = fields.map((f) => (f.name === 'name' ? { ...f, readOnly: true, help: null } : f));
    const form = buildForm({
      fields: editable,
      values: obj,
      onSubmit: async () => {
        const changes = form.changes(obj);
        if (Object.keys(changes).length === 0) {
          toast('No changes to save', 'info');
          return;
        }
        await api.post(`/api/update-${noun}`, changes, { id });
        Object.assign(obj, changes);
        toast(`${title.slice(0, -1)} “${name}” saved`);
      },
      actions: [
        deleteButton({
          what: noun,
          endpoint: `/api/delete-${noun}`,
          body: { owner, name },
          showError: (m) => form.showError(m),
          done: () => go([plural], { org: owner }),
        }),
      ],
    });
    view.replaceChildren(
      pageHeader(obj.displayName || obj.name, { subtitle: `${title.slice(0, -1)} ${id}`, back }),
      section(null, facts([['Created', shortTime(obj.createdTime)]]), form.el),
      ...(kind.extra ? kind.extra(obj, owner) : []),
    );
  }

  return { renderList, renderNew, renderEdit };
}
