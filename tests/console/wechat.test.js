// WeChat sign-in in a real browser: headless Chromium (Debian's package) driven by
// playwright-core, against the real `ferrodoor` binary and its WeChat emulator, whose pages
// stand for the phone ("scan as", "allow"), and the mini-program SDK (its dist/, with a `wx`
// that talks HTTP to the emulator) as the phone's mini program.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test wechat.test.js
//
// On SQLite, and on PostgreSQL too when FERRODOOR_TEST_PG_URL is set. Two nodes share each
// database; the second gives its sign-in codes two seconds (FERRODOOR_WECHAT_SCAN_TICKET_SECONDS),
// so a code expires within the test. Screenshots go to test-artifacts/wechat/<backend>/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Admin, freePort, startEmulator, startServer } from '../support/ferrodoor.mjs';
import { PG_URL, createPgDatabase } from '../support/postgres.mjs';
import { nodeWx } from '../../sdk/miniprogram/test/support/wx.mjs';

const require = createRequire(import.meta.url);
const { ConflictError, FerrodoorClient, FerrodoorError } = require('../../sdk/miniprogram/dist/index.js');

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];
const ADMIN_PASSWORD = 'wechat-browser-test-admin-password';
// One Open Platform account (one unionid per person) binds the three apps.
const MINI = { appid: 'wx1234567890abcdef', secret: 'mini-secret-000000000000000000000' };
const WEB = { appid: 'wx2222222222222222', secret: 'web-secret-0000000000000000000000' };
const OFFICIAL = { appid: 'wx4444444444444444', secret: 'oa-secret-00000000000000000000000' };
const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140 ferrodoor-wechat-test';
const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x18003237) NetType/WIFI Language/zh_CN';
const SHORT_TICKET_SECONDS = 2;

const backends = ['sqlite', ...(PG_URL ? ['postgres'] : [])];

for (const backend of backends) {
  describe(`WeChat sign-in in a browser (${backend})`, () => {
    const artifacts = path.join(REPO, 'test-artifacts', 'wechat', backend);
    let emulator;
    let nodeA;
    let nodeB;
    let pg;
    let dbDir;
    let rp;
    let browser;
    let admin;
    let site;
    let miniClientId;
    let alice;
    const problems = [];

    before(async () => {
      fs.mkdirSync(artifacts, { recursive: true });
      emulator = await startEmulator({
        app: [MINI, WEB, OFFICIAL].map((a) => `${a.appid}:${a.secret}:unionid`),
        logDir: artifacts,
      });
      pg = backend === 'postgres' ? await createPgDatabase('ferrodoor_wechat_browser') : undefined;
      dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrodoor-wechat-db-'));
      const shared = {
        adminPassword: ADMIN_PASSWORD,
        wechatApiBase: emulator.base,
        logDir: artifacts,
        databaseUrl: pg?.url ?? `sqlite://${path.join(dbDir, 'ferrodoor.db')}`,
      };
      // Both nodes seal with one key (a cluster does), so either can read what the other stored.
      const env = {
        FERRODOOR_WECHAT_OPEN_BASE: emulator.base,
        FERRODOOR_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      };
      nodeA = await startServer({ ...shared, logName: 'node-a', tmpPrefix: 'ferrodoor-wechat-a-', env });
      nodeB = await startServer({
        ...shared,
        logName: 'node-b',
        tmpPrefix: 'ferrodoor-wechat-b-',
        env: { ...env, FERRODOOR_WECHAT_SCAN_TICKET_SECONDS: String(SHORT_TICKET_SECONDS) },
      });
      rp = await startRelyingParty();
      admin = await Admin.signIn(nodeA.base, ADMIN_PASSWORD);
      await admin.post('/api/add-organization', { owner: 'admin', name: 'acme', displayName: 'Acme' });
      await admin.post('/api/add-provider', {
        owner: 'admin',
        name: 'wechat-mp',
        displayName: 'Acme mini program',
        category: 'OAuth',
        type: 'WeChatMiniProgram',
        clientId: MINI.appid,
        clientSecret: MINI.secret,
      });
      await admin.post('/api/add-provider', {
        owner: 'admin',
        name: 'wechat-web',
        displayName: 'WeChat',
        category: 'OAuth',
        type: 'WeChat',
        clientId: WEB.appid,
        clientSecret: WEB.secret,
        clientId2: OFFICIAL.appid,
        clientSecret2: OFFICIAL.secret,
      });
      const item = (name) => ({ owner: 'admin', name, canSignUp: true, canSignIn: true });
      site = await admin.addApplication({
        owner: 'admin',
        name: 'shop',
        displayName: 'Acme Shop',
        organization: 'acme',
        enableSignUp: true,
        redirectUris: [rp.redirectUri],
        grantTypes: ['authorization_code'],
        providers: [item('wechat-web'), item('wechat-mp')],
      });
      ({ clientId: miniClientId } = await admin.addApplication({
        owner: 'admin',
        name: 'mini',
        organization: 'acme',
        enableSignUp: true,
        providers: [item('wechat-mp')],
      }));
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    });

    after(async () => {
      await browser?.close();
      await nodeB?.stop();
      await nodeA?.stop();
      await emulator?.stop();
      await rp?.stop();
      await pg?.drop();
      if (dbDir) fs.rmSync(dbDir, { recursive: true, force: true });
    });

    /** A browser of its own (cookies, user agent); page errors are collected. */
    async function newPage(userAgent = DESKTOP_UA) {
      const context = await browser.newContext({ userAgent, viewport: { width: 1000, height: 760 } });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        // A refused poll (403) is logged by Chromium; that is not a script error.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          problems.push(`console: ${message.text()}`);
        }
      });
      return page;
    }

    const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

    /** The hosted sign-in page of the shop on `node`. */
    function openSignIn(page, node = nodeA) {
      const query = new URLSearchParams({
        client_id: site.clientId,
        response_type: 'code',
        redirect_uri: rp.redirectUri,
        scope: 'openid',
        state: 'rp-state',
      });
      return page.goto(`${node.base}/login/oauth/authorize?${query}`);
    }

    /** The relying party's page was reached: its code exchanged, the account's `owner/name`. */
    async function signedInAs(page) {
      await page.waitForURL((url) => url.href.startsWith(rp.redirectUri));
      await page.getByRole('heading', { name: 'Relying party' }).waitFor();
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('state'), 'rp-state');
      const response = await fetch(`${nodeA.base}/api/login/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: site.clientId,
          client_secret: site.clientSecret,
          code: url.searchParams.get('code'),
          redirect_uri: rp.redirectUri,
        }),
      });
      const tokens = await response.json();
      assert.equal(response.status, 200, JSON.stringify(tokens));
      const account = await fetch(`${nodeA.base}/api/get-account`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      const { data } = await account.json();
      return `${data.owner}/${data.name}`;
    }

    const users = async () => (await admin.get('/api/get-users?owner=acme')).data.length;

    /** The mini program on a phone signed in to WeChat as `person`, signed in with the SDK. */
    async function miniProgram(person) {
      const wx = nodeWx({ emulatorBase: emulator.base, user: person, appid: MINI.appid });
      const client = new FerrodoorClient({ origin: nodeA.base, clientId: miniClientId, wx });
      await client.login();
      return client;
    }

    /** Opens the mini program's code on the sign-in page (from its button); answers the scene. */
    async function showCode(page, node = nodeA) {
      await openSignIn(page, node);
      await page.getByRole('link', { name: 'Acme mini program' }).click();
      await page.getByRole('heading', { name: 'Sign in to Acme Shop' }).waitFor();
      const code = page.getByRole('img', { name: 'Mini program code' });
      const scene = await code.getAttribute('data-scene');
      assert.match(scene, /^[\w-]{20,32}$/);
      // The picture is the code WeChat drew for that scene, for the mini program's page.
      const drawn = await (await fetch(`${emulator.base}/__emulator/wxacodes`)).json();
      assert.deepEqual(drawn.at(-1), { appid: MINI.appid, scene, page: 'pages/ferrodoor/web-login' });
      assert.ok((await code.evaluate((img) => img.naturalWidth)) > 0, 'the code is not a picture');
      return scene;
    }

    const status = (page) => page.getByRole('status');

    test('website QR login: a new person gets an account, the same person comes back to it', async () => {
      const before = await users();
      const page = await newPage();
      await openSignIn(page);
      await shot(page, '01-sign-in-page');
      await page.getByRole('link', { name: 'WeChat', exact: true }).click();
      // WeChat's QR page (the emulator's): "scanning" as Alice with her phone.
      await page.waitForURL((url) => url.href.startsWith(`${emulator.base}/connect/qrconnect?`));
      assert.equal(new URL(page.url()).searchParams.get('scope'), 'snsapi_login');
      assert.equal(new URL(page.url()).searchParams.get('appid'), WEB.appid);
      await shot(page, '02-wechat-qrconnect');
      await page.getByLabel(/Scan as/).fill('alice');
      await page.getByRole('button', { name: 'Scan and agree' }).click();
      alice = await signedInAs(page);
      await shot(page, '03-relying-party');
      assert.match(alice, /^acme\//);
      assert.equal(await users(), before + 1);
      await page.context().close();

      // Another day, another browser: the same person, the same account, no new user.
      const again = await newPage();
      await openSignIn(again);
      await again.getByRole('link', { name: 'WeChat', exact: true }).click();
      await again.getByLabel(/Scan as/).fill('alice');
      await again.getByRole('button', { name: 'Scan and agree' }).click();
      assert.equal(await signedInAs(again), alice);
      assert.equal(await users(), before + 1);
      await again.context().close();
    });

    test('embedded QR (WxLogin) on the sign-in page: scanning in the iframe signs the top page in, the same user as the button', async () => {
      assert.ok(alice, 'the QR test signed Alice up');
      const count = await users();
      const page = await newPage();
      const response = await openSignIn(page);
      // Exactly the configured WeChat origin may be framed (the emulator's here).
      const csp = response.headers()['content-security-policy'];
      assert.ok(csp.endsWith(`; frame-src ${emulator.base}`), csp);
      const iframe = page.locator('iframe[title="WeChat QR sign-in"]');
      const src = new URL(await iframe.getAttribute('src'));
      assert.equal(src.origin + src.pathname, `${emulator.base}/connect/qrconnect`);
      assert.equal(src.searchParams.get('appid'), WEB.appid);
      assert.equal(src.searchParams.get('scope'), 'snsapi_login');
      assert.equal(src.searchParams.get('login_type'), 'jssdk');
      assert.equal(src.searchParams.get('self_redirect'), 'false');
      assert.equal(src.searchParams.get('redirect_uri'), `${nodeA.base}/login/wechat/callback`);
      const frame = page.frameLocator('iframe[title="WeChat QR sign-in"]');
      await frame.getByLabel(/Scan as/).waitFor();
      await shot(page, '02b-embedded-qr');
      await frame.getByLabel(/Scan as/).fill('alice');
      await frame.getByRole('button', { name: 'Scan and agree' }).click();
      // The frame sent the TOP window through the callback to the relying party.
      assert.equal(await signedInAs(page), alice);
      assert.equal(await users(), count);

      // The same state from another browser (its own sign-in page open, or none): refused.
      for (const ownPage of [true, false]) {
        const other = await newPage();
        if (ownPage) await openSignIn(other);
        await other.goto(src.href);
        await other.getByLabel(/Scan as/).fill('alice');
        await other.getByRole('button', { name: 'Scan and agree' }).click();
        await other.waitForURL((url) => url.href.startsWith(`${nodeA.base}/login/wechat/callback?`));
        await other.getByRole('heading', { name: 'Cannot sign in' }).waitFor();
        assert.match(await other.locator('.error').textContent(), /not started in this browser/);
        await other.context().close();
      }
      await page.context().close();

      // Inside WeChat's browser nothing is embedded (there is nothing to scan).
      const phone = await newPage(WECHAT_UA);
      const inWeChat = await openSignIn(phone);
      assert.equal(await phone.locator('iframe').count(), 0);
      assert.ok(!inWeChat.headers()['content-security-policy'].includes('frame-src'));
      await phone.context().close();
    });

    test('the same person in the Official Account page (WeChat browser) and the mini program is one user', async () => {
      assert.ok(alice, 'the QR test signed Alice up');
      const count = await users();
      const phone = await newPage(WECHAT_UA);
      await openSignIn(phone);
      await phone.getByRole('link', { name: 'WeChat', exact: true }).click();
      // Inside WeChat: the Official Account's authorize page, silent scope first.
      await phone.waitForURL((url) => url.href.startsWith(`${emulator.base}/connect/oauth2/authorize?`));
      assert.equal(new URL(phone.url()).searchParams.get('appid'), OFFICIAL.appid);
      assert.equal(new URL(phone.url()).searchParams.get('scope'), 'snsapi_base');
      await phone.getByLabel(/WeChat user/).fill('alice');
      await shot(phone, '04-official-account-base');
      await phone.getByRole('button', { name: 'Allow' }).click();
      // Unknown to the Official Account: asked once for the profile (and the unionid).
      await phone.waitForURL((url) => new URL(url).searchParams.get('scope') === 'snsapi_userinfo');
      await phone.getByText('asks for your nickname and avatar').waitFor();
      await shot(phone, '05-official-account-userinfo');
      await phone.getByRole('button', { name: 'Allow' }).click();
      assert.equal(await signedInAs(phone), alice);

      // Known now: the next sign-in in WeChat is silent, straight back to the site.
      await openSignIn(phone);
      await phone.getByRole('link', { name: 'WeChat', exact: true }).click();
      assert.equal(await signedInAs(phone), alice);
      assert.equal(await phone.getByRole('button', { name: 'Allow' }).count(), 0);
      await phone.context().close();

      // The mini program (the SDK over HTTP) finds her too, by unionid.
      const mini = await miniProgram('alice');
      const fromMini = await mini.getAccount();
      assert.equal(`${fromMini.owner}/${fromMini.name}`, alice);
      assert.equal(await users(), count);
    });

    test('PC scan sign-in: the mini program confirms, the page signs in as the person who confirmed', async () => {
      const page = await newPage();
      const scene = await showCode(page);
      await status(page).getByText('Waiting for the scan').waitFor();
      await shot(page, '06-scan-code');
      const mini = await miniProgram('alice');
      const view = await mini.scanWebLogin(scene);
      // What the phone shows before confirming: which site, from which browser.
      assert.equal(view.application, 'Acme Shop');
      assert.equal(view.requesterAgent, DESKTOP_UA);
      await status(page).getByText('Scanned: confirm in the mini program.').waitFor();
      await shot(page, '07-scan-scanned');
      await mini.confirmWebLogin(scene);
      assert.equal(await signedInAs(page), alice);
      await shot(page, '08-scan-signed-in');
      // The ticket is spent.
      await assert.rejects(mini.confirmWebLogin(scene), ConflictError);
      await page.context().close();
    });

    test('PC scan sign-in: cancelled in the mini program, the page says so and nobody signs in', async () => {
      const page = await newPage();
      const scene = await showCode(page);
      const mini = await miniProgram('bob');
      await mini.scanWebLogin(scene);
      await mini.cancelWebLogin(scene);
      await status(page).getByText('Cancelled in the mini program').waitFor();
      await shot(page, '09-scan-cancelled');
      await assert.rejects(mini.confirmWebLogin(scene), ConflictError);
      const poll = await page.evaluate(async (s) => (await fetch(`/login/wechat/scan/status?scene=${s}`)).json(), scene);
      assert.equal(poll.data.status, 'cancelled');
      assert.equal(poll.data.location, undefined);
      assert.ok(page.url().startsWith(nodeA.base), page.url());
      await page.context().close();
    });

    test('PC scan sign-in: an expired code (shown by node B) cannot be scanned on node A', async () => {
      const page = await newPage();
      const scene = await showCode(page, nodeB);
      await status(page).getByText('The code expired').waitFor({ timeout: (SHORT_TICKET_SECONDS + 8) * 1000 });
      await shot(page, '10-scan-expired');
      const mini = await miniProgram('alice');
      const error = await mini.scanWebLogin(scene).catch((e) => e);
      assert.ok(error instanceof FerrodoorError && error.status === 400, String(error));
      assert.match(error.message, /expired/);
      assert.ok(page.url().startsWith(nodeB.base), page.url());
      await page.context().close();
    });

    test('a code confirmed for browser A never signs in browser B', async () => {
      const a = await newPage();
      const b = await newPage();
      const sceneA = await showCode(a);
      // B has a code of its own (and so a cookie for the scan pages), and knows A's scene
      // (it is on A's screen).
      const sceneB = await showCode(b);
      assert.notEqual(sceneA, sceneB);
      const peek = (page, s) =>
        page.evaluate(async (scene) => {
          const r = await fetch(`/login/wechat/scan/status?scene=${scene}`);
          return { status: r.status, body: await r.json() };
        }, s);
      const mini = await miniProgram('alice');
      await mini.scanWebLogin(sceneA);
      await mini.confirmWebLogin(sceneA);
      const stolen = await peek(b, sceneA);
      assert.equal(stolen.status, 403);
      assert.equal(stolen.body.status, 'error');
      assert.ok(!JSON.stringify(stolen.body).includes(rp.redirectUri), JSON.stringify(stolen.body));
      // Opening the poll itself in a tab of B (a top-level navigation) is refused too.
      const tab = await b.context().newPage();
      const direct = await tab.goto(`${nodeA.base}/login/wechat/scan/status?scene=${sceneA}`);
      assert.equal(direct.status(), 403);
      await shot(tab, '11-browser-b-refused');
      // A browser without any cookie learns nothing either.
      const stranger = await newPage();
      const none = await stranger.goto(`${nodeA.base}/login/wechat/scan/status?scene=${sceneA}`);
      assert.equal(none.status(), 403);
      await stranger.context().close();
      // A, the browser that asked, signs in as Alice; B is still waiting for its own code.
      assert.equal(await signedInAs(a), alice);
      const own = await peek(b, sceneB);
      assert.equal(own.status, 200);
      assert.equal(own.body.data.status, 'waiting');
      await a.context().close();
      await b.context().close();
    });

    test('console: the Official Account pair on the provider form, and the verification file served at the root', async () => {
      const page = await newPage();
      await page.goto(`${nodeA.base}/console/`);
      const field = (name) => page.locator(`form.form [name="${name}"]`);
      await field('organization').fill('built-in');
      await field('username').fill('admin');
      await field('password').fill(ADMIN_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.goto(`${nodeA.base}/console/#/provider/wechat-web`);
      await page.getByRole('heading', { name: 'Business-domain verification file' }).waitFor();
      // The second credential pair: the AppID shown, the secret write-only.
      assert.equal(await field('clientId2').inputValue(), OFFICIAL.appid);
      assert.equal(await field('clientSecret2').inputValue(), '');
      assert.equal(await field('clientSecret2').getAttribute('placeholder'), 'leave empty to keep');
      await page.locator('dd', { hasText: 'stored (hidden)' }).nth(1).waitFor();
      assert.ok(!(await page.content()).includes(OFFICIAL.secret), 'the Official Account secret is on the page');

      // The file WeChat gave: picked, uploaded, then served at the origin's root.
      const name = `MP_verify_${backend}Browser1.txt`;
      await page.getByLabel('Verification file').setInputFiles({
        name,
        mimeType: 'text/plain',
        buffer: Buffer.from('0123456789abcdef'),
      });
      assert.equal(await field('fileName').inputValue(), name);
      await page.getByRole('button', { name: 'Upload file' }).click();
      await page.locator('.toast', { hasText: `Verification file “${name}” uploaded` }).waitFor();
      await page.getByRole('link', { name: `/${name}` }).waitFor();
      await shot(page, '12-console-verification-file');
      const served = await fetch(`${nodeB.base}/${name}`);
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(await served.text(), '0123456789abcdef');
      // A bad name is refused in the form, before anything is sent.
      await field('fileName').fill('../evil.txt');
      await page.getByRole('button', { name: 'Upload file' }).click();
      await page.locator('.field-error', { hasText: 'The name must be <name>.txt' }).waitFor();
      assert.equal((await fetch(`${nodeA.base}/${name}`)).status, 200);

      // Per-application sign-in methods: WeChat website / Official Account sign-in off for
      // the shop; its sign-in page drops the button, the mini program's code stays.
      await page.goto(`${nodeA.base}/console/#/application/shop`);
      const signIn = page.getByLabel('wechat-web may sign people in');
      assert.equal(await signIn.isChecked(), true);
      assert.equal(await page.getByLabel('wechat-mp may create accounts').isChecked(), true);
      await signIn.uncheck();
      const [update] = await Promise.all([
        page.waitForRequest((r) => r.url().includes('/api/update-application')),
        page.getByRole('button', { name: 'Save', exact: true }).click(),
      ]);
      const items = update.postDataJSON().providers;
      assert.deepEqual(
        items.map((i) => [i.name, i.canSignIn, i.canSignUp]),
        [
          ['wechat-web', false, true],
          ['wechat-mp', true, true],
        ],
      );
      await page.locator('.toast', { hasText: 'Application “shop” saved' }).waitFor();
      await shot(page, '13-console-sign-in-methods');
      await openSignIn(page);
      await page.getByRole('link', { name: 'Acme mini program' }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'WeChat', exact: true }).count(), 0);
      await page.context().close();
    });

    test('no script errors on the way', () => {
      assert.deepEqual(problems, []);
    });
  });
}

/** The relying party: a page at `/cb` that shows the code it got. */
async function startRelyingParty() {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (url.pathname !== '/cb') {
      res.writeHead(404).end();
      return;
    }
    const code = (url.searchParams.get('code') ?? '').replace(/[^\w.-]/g, '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Relying party</title><h1>Relying party</h1><p>Signed in: code <code>${code}</code></p>`);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    redirectUri: `http://127.0.0.1:${port}/cb`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
