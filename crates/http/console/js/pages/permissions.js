// Permissions: who (users, groups, roles) may do which actions on which resources, under
// which model; the edit page has a "try a request" box that asks `/api/explain-enforce`
// (`/api/enforce`'s question, answered with the policy that decided it).

import { h } from '../dom.js';
import { api, idOf } from '../api.js';
import { button, notice, section } from '../ui.js';
import { authzPages, members } from './authz-object.js';

/** Subject, object, action → allowed or denied, per enforcer the permission belongs to. */
function tryBox(permission, owner) {
  const input = (name, label, value) => {
    const el = h('input', { id: `try-${name}`, name: `try-${name}`, value: value ?? '', autocomplete: 'off' });
    return [h('label', { for: el.id }, label), el];
  };
  const [subLabel, sub] = input('sub', 'Subject', permission.users?.[0] ?? `${owner}/`);
  const [objLabel, obj] = input('obj', 'Object', permission.resources?.[0]);
  const [actLabel, act] = input('act', 'Action', permission.actions?.[0]);
  const result = h('div', { class: 'try-result', 'aria-live': 'polite' });
  const run = async () => {
    result.replaceChildren();
    try {
      const answer = await api.post('/api/explain-enforce', [sub.value, obj.value, act.value], {
        permissionId: idOf(permission.owner, permission.name),
      });
      const results = answer.data ?? [];
      const keys = answer.data2 ?? [];
      if (results.length === 0) {
        result.append(notice('info', 'No enforcer answered (the permission has no policies).'));
      }
      results.forEach(({ allowed, explained, policy }, i) => {
        const where = `model/adapter ${keys[i] ?? '?'}, permission ${permission.owner}/${permission.name}`;
        const by = !explained
          ? `casbin's scan of the model (${where}; the model's matcher does not say which policy)`
          : policy
            ? `the policy ${policy.filter((v) => v !== '').join(', ')} (${where})`
            : `the model's default: no policy ${allowed ? 'denies' : 'allows'} (${where})`;
        result.append(
          notice(allowed ? 'success' : 'warning', allowed ? 'Allowed' : 'Denied', h('span', { class: 'try-by' }, ` — decided by ${by}`)),
        );
      });
    } catch (error) {
      result.append(notice('error', error.message));
    }
  };
  return section(
    'Try a request',
    h('p', { class: 'subtitle' }, 'Asks about this permission as an application would with /api/enforce, and shows which policy decided.'),
    h('div', { class: 'try-box' }, subLabel, sub, objLabel, obj, actLabel, act, button('Try', run, { kind: 'primary' })),
    result,
  );
}

export const { renderList, renderNew, renderEdit } = authzPages({
  noun: 'permission',
  plural: 'permissions',
  title: 'Permissions',
  subtitle: 'Who may do which actions on which resources. Changes are seen by the next enforce.',
  fields: [
    { name: 'displayName', label: 'Display name' },
    { name: 'description', label: 'Description' },
    members('users', 'Users', 'One user per line, as organization/name.'),
    members('groups', 'Groups', 'One group per line, as organization/name.'),
    members('roles', 'Roles', 'One role per line, as organization/name.'),
    members('domains', 'Domains', 'One domain per line (models with domains only).'),
    { name: 'model', label: 'Model', help: 'The model’s name in this organization; empty for the built-in RBAC model.' },
    members('resources', 'Resources', 'One resource per line.'),
    members('actions', 'Actions', 'One action per line.'),
    { name: 'effect', label: 'Effect', type: 'select', options: [['Allow', 'Allow'], ['Deny', 'Deny']] },
    { name: 'isEnabled', label: 'Enabled', type: 'checkbox' },
  ],
  columns: [
    { label: 'Resources', cell: (p) => (p.resources ?? []).join(', ') },
    { label: 'Actions', cell: (p) => (p.actions ?? []).join(', ') },
    { label: 'Effect', cell: (p) => p.effect },
  ],
  extra: (permission, owner) => [tryBox(permission, owner)],
});
