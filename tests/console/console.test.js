// The admin console in a real browser: headless Chromium (Debian's package) driven by
// playwright-core, against the real `ferrodoor` binary and its WeChat emulator.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test
//
// Screenshots of each step go to test-artifacts/console/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Admin, startEmulator, startServer } from './support/processes.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const APPID = 'wx1234567890abcdef';
const APPSECRET = 's3cret';
const ADMIN_PASSWORD = 'console-test-admin-password';
const XSS = '<img src=x onerror=alert(1)>';

let emulator;
let server;
let browser;
let page;
const problems = [];
let dialogs = 0;

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  emulator = await startEmulator({ app: `${APPID}:${APPSECRET}:unionid`, logDir: ARTIFACTS });
  server = await startServer({ adminPassword: ADMIN_PASSWORD, wechatApiBase: emulator.base, logDir: ARTIFACTS });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A refused API call (401, 403, 400 …) is logged by Chromium; that is not a problem.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  // An alert() would be an XSS; the console uses <dialog>, never window dialogs.
  page.on('dialog', async (dialog) => {
    dialogs += 1;
    await dialog.dismiss();
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.stop();
});

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until a locator is visible and answers it. */
async function see(locator) {
  await locator.first().waitFor({ state: 'visible' });
  return locator.first();
}

const field = (name) => page.locator(`form.form [name="${name}"]`);
const button = (name) => page.getByRole('button', { name, exact: true });
const toast = (text) => see(page.locator('.toast', { hasText: text }));

/** Opens a console route; the same route again is reloaded (a hash change alone is none). */
async function go(hash) {
  const url = `${server.base}/console/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
}

/** A step of the scenario; a failing step leaves a screenshot `failed-<step>.png`. */
function step(t, name, fn) {
  return t.test(name, async () => {
    try {
      await fn();
    } catch (error) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      await shot(`failed-${slug}`).catch(() => {});
      throw error;
    }
  });
}

async function signIn(organization, username, password) {
  await see(field('username'));
  await field('organization').fill(organization);
  await field('username').fill(username);
  await field('password').fill(password);
  await button('Sign in').click();
}

test('the admin console, end to end', async (t) => {
  let clientId;
  let wechatUser;

  await step(t, 'is served with a strict CSP, and the API 404 still works', async () => {
    const root = await fetch(`${server.base}/`, { redirect: 'manual' });
    assert.equal(root.status, 303);
    assert.equal(root.headers.get('location'), '/console/');
    const index = await fetch(`${server.base}/console/`);
    assert.equal(index.status, 200);
    const csp = index.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self';/);
    assert.ok(csp.includes(`connect-src 'self' ${emulator.base}`), csp);
    assert.ok(!csp.includes('unsafe'), csp);
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    const module = await fetch(`${server.base}/console/js/main.js`);
    assert.match(module.headers.get('content-type'), /^text\/javascript/);
    const missing = await fetch(`${server.base}/api/no-such-thing`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).status, 'error');
    assert.equal((await fetch(`${server.base}/console/nope.js`)).status, 404);
  });

  await step(t, 'signs in as admin (a wrong password shows the server message)', async () => {
    await page.goto(`${server.base}/`);
    await page.waitForURL(/\/console\/$/);
    await signIn('built-in', 'admin', 'wrong password');
    const error = await see(page.locator('.form-error'));
    assert.ok((await error.textContent()).length > 5);
    await shot('01-sign-in-refused');
    await field('password').fill(ADMIN_PASSWORD);
    await button('Sign in').click();
    await see(page.getByRole('heading', { name: 'Overview' }));
    await see(page.locator('.whoami-name', { hasText: 'built-in/admin' }));
    await see(page.locator('.badge', { hasText: 'emulator, reachable' }));
    await shot('02-overview');
  });

  await step(t, 'validates organization forms: required fields, then the server message', async () => {
    await page.getByRole('link', { name: 'Organizations', exact: true }).click();
    await (await see(page.getByRole('link', { name: 'New organization' }))).click();
    await button('Create organization').click();
    await see(page.locator('.field-error', { hasText: 'Name is required.' }));
    await see(page.locator('.form-error', { hasText: 'Please correct the highlighted fields.' }));
    await shot('03-validation-required');
    await field('name').fill('bad name!');
    await button('Create organization').click();
    const error = await see(page.locator('.form-error', { hasText: 'invalid organization name' }));
    assert.match(await error.textContent(), /bad name!/);
    await shot('04-validation-server');
  });

  await step(t, 'creates organizations; a display name with HTML renders as text', async () => {
    await field('name').fill('acme');
    await field('displayName').fill('Acme Corp');
    await field('websiteUrl').fill('https://acme.example');
    await button('Create organization').click();
    await toast('Organization “acme” created');
    await see(page.getByRole('heading', { name: 'Acme Corp' }));

    await go('#/organizations/new');
    await field('name').fill('xss-probe');
    await field('displayName').fill(XSS);
    await button('Create organization').click();
    const heading = await see(page.getByRole('heading', { name: XSS }));
    assert.equal(await heading.textContent(), XSS);

    await go('#/organizations');
    const cell = await see(page.locator('td', { hasText: XSS }));
    assert.equal(await cell.textContent(), XSS);
    assert.equal(await page.locator('.content img').count(), 0);
    assert.equal(dialogs, 0);
    await shot('05-organizations-xss-as-text');
  });

  await step(t, 'searches and pages lists', async () => {
    const api = await Admin.signIn(server.base, ADMIN_PASSWORD);
    for (let i = 1; i <= 12; i += 1) {
      await api.post('/api/add-organization', { owner: 'admin', name: `bulk-${String(i).padStart(2, '0')}` });
    }
    await go('#/organizations');
    await see(page.locator('.pager-info', { hasText: '1–10 of 15' }));
    await button('Next →').click();
    await see(page.locator('.pager-info', { hasText: '11–15 of 15' }));
    await page.locator('.search input[type="search"]').fill('bulk-1');
    await button('Search').click();
    await see(page.locator('.pager-info', { hasText: '1–3 of 3' }));
    await shot('06-organizations-search');
    await page.getByRole('link', { name: 'bulk-12' }).click();
    await button('Delete organization').click();
    await see(page.locator('dialog', { hasText: 'Delete organization “bulk-12”?' }));
    await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
    await toast('Deleted organization “bulk-12”');
    await see(page.locator('.pager-info', { hasText: '1–10 of 14' }));
  });

  await step(t, 'creates providers: WeChat Mini Program with AppID and write-only AppSecret', async () => {
    await page.getByRole('link', { name: 'Providers', exact: true }).click();
    await (await see(page.getByRole('link', { name: 'New provider' }))).click();
    await field('type').selectOption('GitHub');
    await field('name').fill('github');
    await field('clientId').fill('gh-client');
    await field('clientSecret').fill('gh-secret');
    await button('Create provider').click();
    await toast('Provider “github” created');

    await go('#/providers/new');
    assert.equal(await field('type').inputValue(), 'WeChatMiniProgram');
    await see(page.locator('label', { hasText: 'AppSecret' }));
    await field('name').fill('wechat-mp');
    await button('Create provider').click();
    await see(page.locator('.field-error', { hasText: 'AppID is required.' }));
    await see(page.locator('.field-error', { hasText: 'AppSecret is required.' }));
    await field('displayName').fill('WeChat MP');
    await field('clientId').fill(APPID);
    await field('clientSecret').fill(APPSECRET);
    await button('Create provider').click();
    await toast('Provider “wechat-mp” created');
    await see(page.getByRole('heading', { name: 'WeChat MP' }));

    // The secret is write-only: an empty field "leave empty to keep", and saving without
    // typing one keeps it (the emulated login below proves it).
    assert.equal(await field('clientSecret').inputValue(), '');
    assert.equal(await field('clientSecret').getAttribute('placeholder'), 'leave empty to keep');
    await field('displayName').fill('WeChat Mini Program');
    const [update] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/update-provider')),
      button('Save').click(),
    ]);
    assert.deepEqual(update.postDataJSON(), { displayName: 'WeChat Mini Program' });
    assert.equal(update.headers()['content-type'], 'application/json');
    await toast('Provider “wechat-mp” saved');
    await shot('07-provider');
  });

  await step(t, 'creates an application and orders its providers; the mini program one is marked', async () => {
    await page.getByRole('link', { name: 'Applications', exact: true }).click();
    await (await see(page.getByRole('link', { name: 'New application' }))).click();
    await field('name').fill('app-mini');
    await field('displayName').fill('Mini App');
    await field('organization').selectOption('acme');
    await field('redirectUris').fill('not a uri');
    await button('Create application').click();
    await see(page.locator('.field-error', { hasText: '“not a uri” is not an absolute URI.' }));
    await field('redirectUris').fill('https://acme.example/callback');

    const picker = page.getByLabel('Provider to add');
    await picker.selectOption('github');
    await button('Add provider').click();
    await picker.selectOption('wechat-mp');
    await button('Add provider').click();
    const items = page.locator('.provider-item');
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.name)), ['github', 'wechat-mp']);
    await see(page.locator('.provider-item[data-name="wechat-mp"] .badge', { hasText: 'Mini program' }));
    assert.equal(await page.locator('.provider-item[data-name="github"] .badge').count(), 0);
    await page.getByRole('button', { name: 'Move wechat-mp up' }).click();
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.name)), ['wechat-mp', 'github']);
    await field('expireInHours').fill('24');
    await button('Create application').click();
    await toast('Application “app-mini” created');
    await see(page.getByRole('heading', { name: 'Mini App' }));

    // Credentials: the ID shown, the secret masked until "Reveal".
    const values = page.locator('.copy-value');
    clientId = (await values.nth(0).textContent()).trim();
    assert.match(clientId, /^[0-9a-f]{20}$/);
    const secret = page.locator('.secret-slot .copy-value');
    assert.match(await secret.textContent(), /^•+$/);
    await shot('08-application');
    await page.getByRole('button', { name: 'Reveal' }).click();
    const revealed = await secret.textContent();
    assert.match(revealed, /^[0-9a-f]{20,}$/);
    await button('Regenerate').click();
    await page.locator('dialog').getByRole('button', { name: 'Regenerate' }).click();
    await toast('New client secret generated');
    await page.getByRole('button', { name: 'Reveal' }).click();
    assert.notEqual(await secret.textContent(), revealed);

    // The saved order and the mark survive a reload.
    await page.reload();
    await see(page.locator('.provider-item[data-name="wechat-mp"] .badge', { hasText: 'Mini program' }));
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.dataset.name)), ['wechat-mp', 'github']);
    assert.equal(await field('enableSignUp').isChecked(), true);
    assert.equal(await field('expireInHours').inputValue(), '24');
  });

  await step(t, 'mini program setup: exact values, the snippet, and an emulated login', async () => {
    await page.getByRole('link', { name: 'Mini program setup' }).click();
    await see(page.getByRole('heading', { name: 'Mini program setup' }));
    await see(page.locator('.copy-value', { hasText: `${server.base}/api/login/oauth/access_token` }));
    await see(page.locator('.copy-value', { hasText: clientId }));
    const code = await page.locator('pre code').first().textContent();
    assert.ok(code.includes(`const FERRODOOR = "${server.base}";`), code);
    assert.ok(code.includes(`const CLIENT_ID = "${clientId}";`), code);
    assert.ok(code.includes('tag: "wechat_miniprogram"'));
    assert.ok(!code.includes('getUserProfile'));
    const wxml = await page.locator('pre code').nth(1).textContent();
    assert.ok(wxml.includes('open-type="chooseAvatar"') && wxml.includes('type="nickname"'));
    await shot('09-setup');

    const [tokenResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/login/oauth/access_token')),
      button('Run test login').click(),
    ]);
    const token = (await tokenResponse.json()).access_token;
    const signedIn = await see(page.locator('.signed-in'));
    const user = await signedIn.locator('a').textContent();
    assert.match(user, /^acme\/wechat-[\w-]{28}$/);
    wechatUser = user.slice('acme/'.length);
    assert.ok((await signedIn.textContent()).includes('Alice'));
    const pageText = await page.locator('body').textContent();
    assert.ok(token.length > 100 && !pageText.includes(token), 'the access token is shown in full');
    assert.ok(pageText.includes(`${token.slice(0, 12)}…`));
    await shot('10-setup-test-login');
  });

  await step(t, 'edits the created user: display name (only that field is sent), then forbid', async () => {
    await page.locator('.signed-in a').click();
    await see(page.getByRole('heading', { name: 'Alice' }));
    await see(page.locator('#wechat-identities td', { hasText: APPID }));
    await field('displayName').fill('Alice W.');
    const [update] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/update-user')),
      button('Save').click(),
    ]);
    assert.deepEqual(update.postDataJSON(), { displayName: 'Alice W.' });
    await toast(`User “${wechatUser}” saved`);

    await button('Revoke tokens').click();
    await page.locator('dialog').getByRole('button', { name: 'Revoke' }).click();
    await toast('1 token revoked');

    await button('Forbid').click();
    await page.locator('dialog').getByRole('button', { name: 'Forbid' }).click();
    await toast('is forbidden');
    await see(page.locator('.badge', { hasText: 'forbidden' }));
    await see(button('Unforbid'));
    await page.reload();
    await see(page.getByRole('heading', { name: 'Alice W.' }));
    await see(page.locator('.badge', { hasText: 'forbidden' }));
    await shot('11-user-forbidden');

    // A forbidden user's login is refused, and the console says so.
    await go('#/application/app-mini/setup');
    await button('Run test login').click();
    await see(page.locator('.test-result .notice-error'));
    await shot('12-forbidden-login-refused');
  });

  await step(t, 'a non-admin who signs in is refused', async () => {
    await go('#/users?org=acme');
    await (await see(page.getByRole('link', { name: 'New user' }))).click();
    await field('name').fill('bob');
    await field('displayName').fill('Bob');
    await field('password').fill('bob-password-1');
    await button('Create user').click();
    await toast('User “bob” created');
    await go('#/users?org=acme');
    await see(page.getByRole('link', { name: 'bob' }));
    await see(page.getByRole('link', { name: wechatUser }));
    await shot('13-users');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn('acme', 'bob', 'bob-password-1');
    await see(page.locator('.notice', { hasText: 'administrators only' }));
    assert.equal(await page.locator('.sidebar').count(), 0);
    await shot('14-non-admin-refused');
    // And the session was ended: the API answers 401 now, not data.
    const status = await page.evaluate(async () => (await fetch('/api/get-account')).status);
    assert.equal(status, 401);
  });

  await step(t, 'no script errors and no alert() on the way', () => {
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
  });
});
