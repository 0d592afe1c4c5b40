// Roles: their users, groups and sub-roles (members of a sub-role hold this role too).

import { authzPages, members } from './authz-object.js';

export const { renderList, renderNew, renderEdit } = authzPages({
  noun: 'role',
  plural: 'roles',
  title: 'Roles',
  subtitle: 'A role gives its permissions to its users, the users of its groups and the members of its sub-roles.',
  fields: [
    { name: 'displayName', label: 'Display name' },
    { name: 'description', label: 'Description' },
    members('users', 'Users', 'One user per line, as organization/name.'),
    members('groups', 'Groups', 'One group per line, as organization/name.'),
    members('roles', 'Sub-roles', 'One role per line, as organization/name.'),
    members('domains', 'Domains', 'One domain per line (models with domains only).'),
    { name: 'isEnabled', label: 'Enabled', type: 'checkbox' },
  ],
  columns: [{ label: 'Users', cell: (r) => String((r.users ?? []).length) }],
});
