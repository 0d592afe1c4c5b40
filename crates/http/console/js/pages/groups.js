// Groups: a tree (parent group, or the organization for a top group); users name their
// groups in their own `groups` field (edited on the user's page).

import { authzPages } from './authz-object.js';

export const { renderList, renderNew, renderEdit } = authzPages({
  noun: 'group',
  plural: 'groups',
  title: 'Groups',
  subtitle: 'Permissions and roles may name groups; a user belongs to the groups listed on their account.',
  fields: [
    { name: 'displayName', label: 'Display name' },
    { name: 'parentId', label: 'Parent group', help: 'The parent group’s name; empty for a top group.' },
    { name: 'type', label: 'Type', type: 'select', options: [['Virtual', 'Virtual'], ['Physical', 'Physical']] },
    { name: 'manager', label: 'Manager' },
    { name: 'contactEmail', label: 'Contact email' },
    { name: 'isEnabled', label: 'Enabled', type: 'checkbox' },
  ],
  columns: [
    { label: 'Parent', cell: (g) => (g.isTopGroup ? '—' : g.parentName || g.parentId) },
    { label: 'Children', cell: (g) => (g.haveChildren ? 'yes' : '') },
  ],
});
