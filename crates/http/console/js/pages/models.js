// Casbin models: the text is checked by the server when saved (an unknown effect or a
// matcher that does not compile is refused with the reason).

import { authzPages } from './authz-object.js';

export const { renderList, renderNew, renderEdit } = authzPages({
  noun: 'model',
  plural: 'models',
  title: 'Models',
  subtitle: 'Casbin models; a permission without one uses Casdoor’s built-in RBAC model.',
  fields: [
    { name: 'displayName', label: 'Display name' },
    { name: 'description', label: 'Description' },
    { name: 'modelText', label: 'Model text', type: 'textarea', rows: 14, help: 'Casbin model: request, policy, role, effect and matchers sections.' },
  ],
  columns: [],
});
