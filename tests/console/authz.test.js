// The console's authorization pages in a real browser (headless Chromium, playwright-core)
// against the real `ferrodoor` binary: models, roles with their members, groups, and a
// permission with its "try a request" box, whose answer changes with the next grant.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test authz.test.js
//
// Screenshots go to test-artifacts/console-authz/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Admin, startEmulator, startServer } from './support/processes.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'console-authz');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_PASSWORD = 'console-authz-admin-password';
const RBAC = `[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act`;

let emulator;
let server;
let browser;
let page;
const problems = [];

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ app: 'wx00000000000000aa:s3cret:unionid', logDir: ARTIFACTS });
  server = await startServer({ adminPassword: ADMIN_PASSWORD, wechatApiBase: emulator.base, logDir: ARTIFACTS });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.stop();
});

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
async function see(locator) {
  await locator.first().waitFor({ state: 'visible' });
  return locator.first();
}
const field = (name) => page.locator(`form.form [name="${name}"]`);
const button = (name) => page.getByRole('button', { name, exact: true });
const toast = (text) => see(page.locator('.toast', { hasText: text }));
async function go(hash) {
  const url = `${server.base}/console/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}
function step(t, name, fn) {
  return t.test(name, async () => {
    try {
      await fn();
    } catch (error) {
      await shot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => {});
      throw error;
    }
  });
}

test('the authorization pages, end to end', async (t) => {
  const admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  await admin.post('/api/add-organization', { owner: 'admin', name: 'acme' });
  for (const name of ['alice', 'bob']) {
    await admin.post('/api/add-user', { owner: 'acme', name, password: `pw-${name}-123` });
  }

  await step(t, 'signs in and shows the authorization pages in the navigation', async () => {
    await page.goto(`${server.base}/console/`);
    await field('organization').fill('built-in');
    await field('username').fill('admin');
    await field('password').fill(ADMIN_PASSWORD);
    await button('Sign in').click();
    await see(page.getByRole('heading', { name: 'Overview' }));
    for (const name of ['Roles', 'Permissions', 'Groups', 'Models']) {
      await see(page.getByRole('link', { name, exact: true }));
    }
  });

  await step(t, 'a model that does not parse is refused with the reason; a good one is created', async () => {
    await go('#/models/new?org=acme');
    await field('name').fill('rbac');
    await field('modelText').fill(RBAC.replace('some(where (p.eft == allow))', 'subjectPriority(p.eft) || deny'));
    await button('Create model').click();
    await see(page.locator('.form-error', { hasText: 'unsupported policy effect' }));
    await shot('01-model-refused');
    await field('modelText').fill(RBAC);
    await button('Create model').click();
    await toast('Model “rbac” created');
    await go('#/models?org=acme');
    await see(page.getByRole('link', { name: 'rbac', exact: true }));
    await shot('02-models');
  });

  await step(t, 'creates a role with a member, and a group under a top group', async () => {
    await go('#/roles/new?org=acme');
    await field('name').fill('reader');
    await field('displayName').fill('Readers');
    await field('users').fill('acme/alice');
    await button('Create role').click();
    await toast('Role “reader” created');
    await go('#/groups/new?org=acme');
    await field('name').fill('eng');
    await button('Create group').click();
    await toast('Group “eng” created');
    await go('#/groups/new?org=acme');
    await field('name').fill('backend');
    await field('parentId').fill('eng');
    await button('Create group').click();
    await toast('Group “backend” created');
    await go('#/groups?org=acme');
    const row = await see(page.locator('tr', { hasText: 'backend' }));
    assert.match(await row.textContent(), /eng/);
    await shot('03-groups');
  });

  await step(t, 'a permission for the role; "try a request" answers, and follows a membership change', async () => {
    await go('#/permissions/new?org=acme');
    await field('name').fill('read-docs');
    await field('roles').fill('acme/reader');
    await field('model').fill('rbac');
    await field('resources').fill('doc1');
    await field('actions').fill('read');
    await button('Create permission').click();
    await toast('Permission “read-docs” created');
    await see(page.getByRole('heading', { name: 'Try a request' }));
    await page.locator('#try-sub').fill('acme/alice');
    await page.locator('#try-obj').fill('doc1');
    await page.locator('#try-act').fill('read');
    await button('Try').click();
    await see(page.locator('.try-result', { hasText: 'Allowed' }));
    await see(page.locator('.try-result', { hasText: 'permission acme/read-docs' }));
    // Which policy decided: alice holds it through the role.
    await see(page.locator('.try-result', { hasText: 'decided by the policy acme/reader, doc1, read' }));
    await shot('04-try-allowed');
    await page.locator('#try-sub').fill('acme/bob');
    await button('Try').click();
    await see(page.locator('.try-result', { hasText: 'Denied' }));
    await see(page.locator('.try-result', { hasText: 'no policy allows' }));

    // Membership editing: bob joins the role on its page; the next try allows him.
    await go('#/role/acme/reader');
    await field('users').fill('acme/alice\nacme/bob');
    await button('Save').click();
    await toast('Role “reader” saved');
    await go('#/permission/acme/read-docs');
    await page.locator('#try-sub').fill('acme/bob');
    await page.locator('#try-obj').fill('doc1');
    await page.locator('#try-act').fill('read');
    await button('Try').click();
    await see(page.locator('.try-result', { hasText: 'Allowed' }));
    await see(page.locator('.try-result', { hasText: 'decided by the policy acme/reader, doc1, read' }));
    await shot('05-try-after-membership');
    const role = await admin.get('/api/get-role?id=acme/reader');
    assert.deepEqual(role.data.users, ['acme/alice', 'acme/bob']);
  });

  await step(t, 'a user joins a group on their page', async () => {
    await go('#/user/acme/bob');
    await field('groups').fill('acme/eng');
    await button('Save').click();
    await toast('saved');
    const bob = await admin.get('/api/get-user?id=acme/bob');
    assert.deepEqual(bob.data.groups, ['acme/eng']);
  });

  await step(t, 'lists the permission; no page errors on the way', async () => {
    await go('#/permissions?org=acme');
    const row = await see(page.locator('tr', { hasText: 'read-docs' }));
    assert.match(await row.textContent(), /doc1/);
    await shot('06-permissions');
    assert.deepEqual(problems, []);
  });
});
