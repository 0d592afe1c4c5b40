// A list page: search (Casdoor's `field` + `value`), a table, and paging (`p`, `pageSize`;
// the total comes back in `data2`). The search and the page live in the route's query, so
// the browser's back button and a reload keep them.

import { h } from './dom.js';
import { api } from './api.js';
import { go } from './router.js';
import { button, notice } from './ui.js';

export const PAGE_SIZE = 10;

/**
 * `config`: `{ endpoint, query, columns: [{ label, cell(row) }], searchFields: [[field, label]],
 * route: { parts, query }, keep: {extra query kept across searches}, empty }`.
 */
export async function listTable(config) {
  const { route, searchFields } = config;
  const field = route.query.get('field') || searchFields[0][0];
  const value = route.query.get('value') || '';
  const page = Math.max(1, Number.parseInt(route.query.get('p') || '1', 10) || 1);
  const navigate = (changes) => go(route.parts, { ...config.keep, field, value, p: page, ...changes });

  const fieldSelect = h(
    'select',
    { 'aria-label': 'Search in' },
    searchFields.map(([name, label]) => h('option', { value: name, selected: name === field }, label)),
  );
  const valueInput = h('input', { type: 'search', placeholder: 'Search…', 'aria-label': 'Search for', value });
  const search = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        navigate({ field: fieldSelect.value, value: valueInput.value.trim(), p: 1 });
      },
    },
    fieldSelect,
    valueInput,
    button('Search', null, { type: 'submit' }),
    value ? button('Clear', () => navigate({ value: '', p: 1 }), { kind: 'link' }) : null,
  );

  const wrap = h('div', { class: 'list' }, search);
  let answer;
  try {
    answer = await api.get(config.endpoint, {
      ...config.query,
      p: page,
      pageSize: PAGE_SIZE,
      field: value ? field : '',
      value,
    });
  } catch (error) {
    wrap.append(notice('error', error.message));
    return wrap;
  }
  const rows = answer.data ?? [];
  const total = Number(answer.data2 ?? rows.length);

  if (rows.length === 0) {
    wrap.append(h('p', { class: 'empty' }, value ? `Nothing matches “${value}”.` : config.empty));
  } else {
    wrap.append(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table' },
          h('thead', null, h('tr', null, config.columns.map((c) => h('th', { scope: 'col' }, c.label)))),
          h(
            'tbody',
            null,
            rows.map((row) => h('tr', null, config.columns.map((c) => h('td', null, c.cell(row))))),
          ),
        ),
      ),
    );
  }

  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(total, page * PAGE_SIZE);
  wrap.append(
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h('span', { class: 'pager-info' }, total === 0 ? 'No entries' : `${first}–${last} of ${total}`),
      button('← Previous', () => navigate({ p: page - 1 }), { disabled: page <= 1 }),
      h('span', { class: 'pager-page' }, `Page ${Math.min(page, pages)} of ${pages}`),
      button('Next →', () => navigate({ p: page + 1 }), { disabled: page >= pages }),
    ),
  );
  return wrap;
}
