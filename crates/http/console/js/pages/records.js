// Records (Casdoor's audit objects, `get-records`): every management write, sign-in,
// sign-out and refused sign-in, newest first, searchable and paged. Read only.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api } from '../api.js';
import { go } from '../router.js';
import { listTable } from '../list.js';
import { badge, pageHeader, shortTime } from '../ui.js';

export async function renderRecords(view, { route, account }) {
  const globalAdmin = account.owner === 'built-in';
  const orgs = globalAdmin
    ? ((await api.get('/api/get-organizations', { owner: GLOBAL_OWNER })).data ?? []).map((o) => o.name)
    : [account.owner];
  const org = globalAdmin ? (route.query.get('org') ?? '') : account.owner;
  const picker = h(
    'select',
    { id: 'records-org', onchange: () => go(['records'], { org: picker.value }) },
    globalAdmin ? h('option', { value: '', selected: org === '' }, 'All organizations') : null,
    orgs.map((name) => h('option', { value: name, selected: name === org }, name)),
  );
  const table = await listTable({
    route,
    keep: { org },
    endpoint: '/api/get-records',
    query: { organization: org, sortField: 'createdTime', sortOrder: 'descend' },
    searchFields: [
      ['action', 'Event'],
      ['user', 'User'],
      ['object', 'Object'],
      ['clientIp', 'Client IP'],
      ['loginMethod', 'Sign-in method'],
      ['statusCode', 'Status'],
    ],
    empty: 'No records yet.',
    columns: [
      { label: 'Time', cell: (r) => shortTime(r.createdTime) },
      { label: 'Event', cell: (r) => h('code', { class: 'record-action' }, r.action) },
      { label: 'Organization', cell: (r) => r.organization },
      { label: 'User', cell: (r) => r.user },
      { label: 'Object', cell: (r) => r.object },
      { label: 'Method', cell: (r) => r.loginMethod },
      { label: 'Client IP', cell: (r) => (r.clientIp ? h('code', null, r.clientIp) : '') },
      { label: 'Status', cell: (r) => statusBadge(r) },
    ],
  });
  view.replaceChildren(
    pageHeader('Records', {
      subtitle: 'Who did what, when, from where. Never a secret or a token.',
    }),
    h('div', { class: 'toolbar' }, h('label', { for: 'records-org' }, 'Organization'), picker),
    table,
  );
}

function statusBadge(record) {
  const code = Number(record.statusCode);
  return badge(String(code), code >= 500 ? 'danger' : code >= 400 ? 'warning' : 'success', messageOf(record));
}

/** The refusal's message, for the badge's tooltip. */
function messageOf(record) {
  try {
    return JSON.parse(record.response)?.msg || null;
  } catch {
    return null;
  }
}
