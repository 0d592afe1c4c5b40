// The console's operations pages in a real browser (headless Chromium, playwright-core)
// against the real `ferrodoor` binary and its WeChat emulator: the dashboard's SVG charts
// after known traffic, the records list, and a webhook created, delivered to a real
// receiver on loopback, edited and deleted.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test ops.test.js
//
// Screenshots go to test-artifacts/console-ops/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Admin, startEmulator, startServer } from './support/processes.js';
import { postJson } from '../support/ferrodoor.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'console-ops');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const APPID = 'wx00000000000000aa';
const APPSECRET = 'ops-app-secret-0000000000000000';
const ADMIN_PASSWORD = 'ops-console-admin-password';
const DORA_PASSWORD = 'dora-Passw0rd!';

let emulator;
let server;
let browser;
let page;
let receiver;
const received = [];
const problems = [];

/** A webhook receiver on loopback: keeps each request's event header and body. */
function startReceiver() {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ event: req.headers['x-ferrodoor-event'], signature: req.headers['x-ferrodoor-signature-256'], body });
        res.writeHead(200).end('ok');
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${srv.address().port}/hook`, close: () => srv.close() }));
  });
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  receiver = await startReceiver();
  emulator = await startEmulator({ app: `${APPID}:${APPSECRET}:unionid`, logDir: ARTIFACTS });
  server = await startServer({
    adminPassword: ADMIN_PASSWORD,
    wechatApiBase: emulator.base,
    logDir: ARTIFACTS,
    extraEnv: { FERRODOOR_WEBHOOK_ALLOW_PRIVATE: 'true', FERRODOOR_WEBHOOK_POLL_MS: '100' },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await emulator?.stop();
  receiver?.close();
});

const shot = (name) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
const field = (name) => page.locator(`form.form [name="${name}"]`);
const button = (name) => page.getByRole('button', { name, exact: true });
const nav = (name) => page.locator('nav.nav').getByRole('link', { name, exact: true }).click();
async function see(locator) {
  await locator.first().waitFor({ state: 'visible' });
  return locator.first();
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

/** A mini program login of `user` (the emulator's wx.login, then the token endpoint). */
async function miniProgramLogin(clientId, user) {
  const { data } = await postJson(`${emulator.base}/__emulator/login`, { appid: APPID, user });
  return tokenRequest(clientId, data.code);
}

async function tokenRequest(clientId, code) {
  const response = await fetch(`${server.base}/api/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ tag: 'wechat_miniprogram', client_id: clientId, code }),
  });
  return { status: response.status, text: await response.text() };
}

/** The value of today's bar of `series` in chart `id` (0 when it has none). */
async function todays(id, series) {
  const bars = page.locator(`#${id} rect[data-series="${series}"]`);
  if ((await bars.count()) === 0) return 0;
  return Number(await bars.last().getAttribute('data-value'));
}

async function waitUntil(what, done) {
  for (let i = 0; i < 200; i += 1) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('the operations pages, end to end', async (t) => {
  const api = await Admin.signIn(server.base, ADMIN_PASSWORD);
  let clientSecret;
  let webhookSecret;

  await step(t, 'known traffic: mini program sign-ups and sign-ins, a refused code, WeChat busy, passwords', async () => {
    await api.post('/api/add-organization', { owner: 'admin', name: 'acme' });
    await api.post('/api/add-provider', {
      owner: 'admin',
      name: 'mp',
      category: 'OAuth',
      type: 'WeChatMiniProgram',
      clientId: APPID,
      clientSecret: APPSECRET,
    });
    const app = await api.addApplication({
      owner: 'admin',
      name: 'shop',
      organization: 'acme',
      enableSignUp: true,
      providers: [{ owner: 'admin', name: 'mp', canSignUp: true, canSignIn: true }],
    });
    clientSecret = app.clientSecret;
    for (const user of ['alice', 'bob', 'alice']) {
      const answer = await miniProgramLogin(app.clientId, user);
      assert.equal(answer.status, 200, answer.text);
    }
    assert.equal((await tokenRequest(app.clientId, 'not-a-code')).status, 400);
    await postJson(`${emulator.base}/__emulator/faults`, { mode: 'busy' });
    const busy = await miniProgramLogin(app.clientId, 'carol');
    await postJson(`${emulator.base}/__emulator/faults`, { mode: 'none' });
    assert.ok(busy.status >= 500, busy.text);
    await api.post('/api/add-user', { owner: 'acme', name: 'dora', password: DORA_PASSWORD });
    await Admin.signIn(server.base, DORA_PASSWORD, { organization: 'acme', username: 'dora' });
    const wrong = await postJson(`${server.base}/api/login`, { organization: 'acme', username: 'dora', password: 'nope' });
    assert.equal(wrong.status, 401);
  });

  await step(t, 'signs in and draws the dashboard from the records', async () => {
    await page.goto(`${server.base}/console/`);
    await field('organization').fill('built-in');
    await field('username').fill('admin');
    await field('password').fill(ADMIN_PASSWORD);
    await button('Sign in').click();
    await see(page.getByRole('heading', { name: 'Overview' }));
    await nav('Dashboard');
    await see(page.getByRole('heading', { name: 'Dashboard' }));
    await page.locator('#dashboard-org').selectOption('acme');
    await page.locator('#dashboard-days').selectOption('7');
    await page.waitForURL(/days=7/);
    await see(page.locator('#chart-signins svg'));
    // 7 days, today last: the bars are the SQL counts.
    assert.equal(await todays('chart-signins', 'wechat_miniprogram'), 3);
    assert.equal(await todays('chart-signins', 'console_password'), 1);
    assert.equal(await todays('chart-signups', 'wechat_miniprogram'), 2);
    assert.equal(await todays('chart-wechat-errors', 'wechat_miniprogram'), 2);
    assert.equal(await todays('chart-active-users', 'users'), 3);
    assert.equal(await todays('chart-failed', 'console_password'), 1);
    await see(page.locator('#chart-signins .chart-legend li[data-series="wechat_miniprogram"]', { hasText: '3' }));
    const label = await page.locator('#chart-active-users svg').getAttribute('aria-label');
    assert.equal(label, 'Active users: 3 in 7 days');
    await shot('01-dashboard');
    // Another organization has had no traffic: empty charts say so.
    await api.post('/api/add-organization', { owner: 'admin', name: 'quiet' });
    await page.reload();
    await page.locator('#dashboard-org').selectOption('quiet');
    await see(page.locator('#chart-signins .empty', { hasText: 'No sign-ins in this period.' }));
  });

  await step(t, 'lists the records, newest first, searchable, without a secret', async () => {
    await nav('Records');
    await see(page.getByRole('heading', { name: 'Records' }));
    await page.locator('#records-org').selectOption('acme');
    await see(page.locator('td code.record-action', { hasText: 'login-failed' }));
    const times = await page.locator('tbody tr td:first-child').allTextContents();
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    await page.locator('.search select').selectOption('action');
    await page.locator('.search input[type="search"]').fill('login-failed');
    await button('Search').click();
    await see(page.locator('.pager-info', { hasText: '1–3 of 3' }));
    const text = await page.locator('.content').textContent();
    for (const secret of [APPSECRET, clientSecret, DORA_PASSWORD, 'nope']) {
      assert.ok(!text.includes(secret), 'a record shows a secret');
    }
    await see(page.locator('td', { hasText: 'wechat_miniprogram' }));
    await shot('02-records-failed-sign-ins');
  });

  await step(t, 'creates a webhook (the secret shown once) and shows its deliveries', async () => {
    await nav('Webhooks');
    await see(page.getByText('No webhooks yet.'));
    await page.getByRole('link', { name: 'New webhook' }).click();
    await field('name').fill('crm');
    await field('organization').selectOption('acme');
    await field('url').fill(receiver.url);
    await field('headers').fill('X-Tenant: acme');
    // Nothing chosen: refused in the browser.
    await page.locator('input[name="event-signup"]').uncheck();
    await page.locator('input[name="event-login"]').uncheck();
    await button('Create webhook').click();
    await see(page.locator('.field-error', { hasText: 'Choose at least one event.' }));
    await page.locator('input[name="event-add-user"]').check();
    await button('Create webhook').click();
    await see(page.getByRole('heading', { name: 'Webhook crm' }));
    await page.locator('#webhook-secret').getByRole('button', { name: 'Reveal' }).click();
    webhookSecret = await page.locator('#webhook-secret code').textContent();
    assert.ok(webhookSecret.length >= 32, webhookSecret);
    await shot('03-webhook-secret-once');
    await page.getByRole('link', { name: 'Continue to the webhook' }).click();
    await see(page.getByRole('heading', { name: 'crm' }));
    assert.equal(await field('url').inputValue(), receiver.url);
    assert.ok(await page.locator('input[name="event-add-user"]').isChecked());
    assert.ok(!(await page.locator('.content').textContent()).includes(webhookSecret));

    await api.post('/api/add-user', { owner: 'acme', name: 'erin' });
    await waitUntil('the add-user delivery', async () => received.some((r) => r.event === 'add-user'));
    const got = received.find((r) => r.event === 'add-user');
    assert.equal(JSON.parse(got.body).object, 'acme/erin');
    await waitUntil('the delivery shown as delivered', async () => {
      await page.reload();
      return (await page.locator('#webhook-deliveries tr[data-state="delivered"]').count()) === 1;
    });
    const cells = await page.locator('#webhook-deliveries tr[data-state="delivered"] td').allTextContents();
    assert.deepEqual(cells.slice(1, 5), ['add-user', 'delivered', '1', '200']);
    await shot('04-webhook-deliveries');
  });

  await step(t, 'edits (the server refuses an internal URL only when not allowed) and deletes the webhook', async () => {
    await field('isEnabled').uncheck();
    await button('Save').click();
    await see(page.locator('.toast', { hasText: 'Webhook “crm” saved' }));
    const saved = await api.get('/api/get-webhook?id=admin/crm');
    assert.equal(saved.data.isEnabled, false);
    assert.equal(saved.data.secret, '***');
    await field('url').fill('file:///etc/passwd');
    await button('Save').click();
    await see(page.locator('.form-error'));
    await shot('05-webhook-refused-url');
    await page.reload();
    await button('Delete webhook').click();
    await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
    await see(page.getByText('No webhooks yet.'));
  });

  await step(t, 'no page errors', async () => {
    assert.deepEqual(problems, []);
  });
});
