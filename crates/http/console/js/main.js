// The console's entry point: sign-in check, the frame (sidebar + content) and the routes.

import { h } from './dom.js';
import { api, setUnauthorizedHandler } from './api.js';
import { currentRoute, href } from './router.js';
import { button, loadError, loading, toast } from './ui.js';
import { renderLogin } from './pages/login.js';
import { renderOverview } from './pages/overview.js';
import * as organizations from './pages/organizations.js';
import * as applications from './pages/applications.js';
import * as providers from './pages/providers.js';
import * as users from './pages/users.js';
import { renderSetup } from './pages/setup.js';
// Operations (issue 16)
import { renderDashboard } from './pages/dashboard.js';
import { renderRecords } from './pages/records.js';
import * as webhooks from './pages/webhooks.js';
// Authorization (issue 12)
import * as roles from './pages/roles.js';
import * as permissions from './pages/permissions.js';
import * as groups from './pages/groups.js';
import * as models from './pages/models.js';

const root = document.getElementById('app');

/** Route table: first path part → page. Each page gets `(view, context)`. */
function pageFor(parts) {
  const [first, second, third] = parts;
  switch (first) {
    case undefined:
      return renderOverview;
    case 'organizations':
      return second === 'new' ? organizations.renderNew : organizations.renderList;
    case 'organization':
      return organizations.renderEdit;
    case 'applications':
      return second === 'new' ? applications.renderNew : applications.renderList;
    case 'application':
      return third === 'setup' ? renderSetup : applications.renderEdit;
    case 'providers':
      return second === 'new' ? providers.renderNew : providers.renderList;
    case 'provider':
      return providers.renderEdit;
    case 'users':
      return second === 'new' ? users.renderNew : users.renderList;
    case 'user':
      return users.renderEdit;
    // Operations (issue 16)
    case 'dashboard':
      return renderDashboard;
    case 'records':
      return renderRecords;
    case 'webhooks':
      return second === 'new' ? webhooks.renderNew : webhooks.renderList;
    case 'webhook':
      return webhooks.renderEdit;
    // Authorization (issue 12)
    case 'roles':
    case 'permissions':
    case 'groups':
    case 'models':
      return authzPage(first, second);
    case 'role':
    case 'permission':
    case 'group':
    case 'model':
      return AUTHZ[`${first}s`].renderEdit;
    default:
      return null;
  }
}

const AUTHZ = { roles, permissions, groups, models };

function authzPage(plural, second) {
  return second === 'new' ? AUTHZ[plural].renderNew : AUTHZ[plural].renderList;
}

const NAV = [
  ['Overview', [], []],
  ['Organizations', ['organizations'], ['organization']],
  ['Applications', ['applications'], ['application']],
  ['Providers', ['providers'], ['provider']],
  ['Users', ['users'], ['user']],
  // Operations (issue 16)
  ['Dashboard', ['dashboard'], []],
  ['Records', ['records'], []],
  ['Webhooks', ['webhooks'], ['webhook']],
  ['Roles', ['roles'], ['role']],
  ['Permissions', ['permissions'], ['permission']],
  ['Groups', ['groups'], ['group']],
  ['Models', ['models'], ['model']],
];

let session = null;

async function start() {
  setUnauthorizedHandler(() => {
    if (session) {
      session = null;
      showLogin('Your session has ended. Please sign in again.');
    }
  });
  root.replaceChildren(loading());
  try {
    const info = (await api.get('/api/get-server-info', null, { quiet401: true })).data;
    const account = (await api.get('/api/get-account')).data;
    showConsole(info, account);
  } catch (error) {
    if (error.status === 401) {
      showLogin();
    } else if (error.status === 403) {
      await signOut();
      showLogin('This console is for administrators only. Sign in with an administrator account.', 'error');
    } else {
      root.replaceChildren(loadError(error));
    }
  }
}

function showLogin(message, kind) {
  renderLogin(root, { message, kind, onSignedIn: start });
}

async function signOut() {
  try {
    await api.post('/api/logout', {});
  } catch {
    // Signed out or unreachable: the sign-in page is shown either way.
  }
}

function showConsole(info, account) {
  session = { info, account };
  const links = NAV.map(([label, parts, also]) => {
    const link = h('a', { href: href(parts), class: 'nav-link' }, label);
    return { link, parts, also };
  });
  const main = h('main', { id: 'main', class: 'content', tabIndex: -1 });
  const sidebar = h(
    'aside',
    { class: 'sidebar' },
    h('a', { class: 'brand', href: href([]) }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Ferrodoor'),
    h('nav', { class: 'nav', 'aria-label': 'Console' }, links.map((l) => l.link)),
    h(
      'div',
      { class: 'whoami' },
      h('span', { class: 'whoami-label' }, 'Signed in as'),
      h('strong', { class: 'whoami-name' }, `${account.owner}/${account.name}`),
      button(
        'Sign out',
        async () => {
          session = null;
          await signOut();
          toast('Signed out');
          showLogin();
        },
        { kind: 'link', class: 'btn btn-link sign-out' },
      ),
    ),
  );
  root.replaceChildren(h('div', { class: 'shell' }, sidebar, main));

  const render = async () => {
    if (!session) return;
    const route = currentRoute();
    for (const { link, parts, also } of links) {
      const active = route.parts[0] === parts[0] || also.includes(route.parts[0]);
      link.classList.toggle('active', active);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const view = h('div', { class: 'view' }, loading());
    main.replaceChildren(view);
    const page = pageFor(route.parts);
    if (!page) {
      view.replaceChildren(h('h1', null, 'Not found'), h('p', null, 'There is no such page in the console.'));
      return;
    }
    try {
      await page(view, { ...session, route });
    } catch (error) {
      view.replaceChildren(loadError(error));
    }
  };
  window.onhashchange = render;
  render();
}

start();
