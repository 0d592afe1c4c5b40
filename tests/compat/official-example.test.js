// Casdoor's official mini-program example (casdoor/casdoor-wechat-miniprogram-example)
// against the real ferrodoor binary and its WeChat emulator: its three requests sent byte
// for byte as `wx.request` sends them (utils/backend.js; the profile page's form values,
// pages/userinfo): the token request (form: tag, client_id, code), get-account, and the
// profile save `POST /api/update-user?columns=display_name,avatar,email,phone,password`
// with compact JSON {"id","name","displayName","avatar","email","phone","password"}.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test official-example.test.js   (in tests/compat)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, ADMIN_PASSWORD, APPID, APPSECRET, startEmulator, startServer } from './support/ferrodoor.js';

/** What the mini program's requests carry besides their own headers. */
const REFERER = `https://servicewechat.com/${APPID}/0/page-frame.html`;
const WX_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.47 MiniProgramEnv/iOS';

let emulator;
let server;
let app;
let admin;

before(async () => {
  emulator = await startEmulator('official-example');
  server = await startServer('official-example', { wechatApiBase: emulator.base });
  admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  await admin.post('/api/add-organization', { name: 'acme' });
  await admin.post('/api/add-provider', {
    owner: 'admin', name: 'wx', category: 'OAuth', type: 'WeChatMiniProgram', clientId: APPID, clientSecret: APPSECRET,
  });
  app = await admin.addApplication({
    name: 'mini',
    organization: 'acme',
    enableSignUp: true,
    grantTypes: ['authorization_code', 'password'],
    providers: [{ owner: 'admin', name: 'wx' }],
  });
});

after(async () => {
  await server?.stop();
  await emulator?.stop();
});

/** `wx.request`: the raw body string and headers, as the example builds them. */
async function wxRequest(path, { method = 'GET', header = {}, body } = {}) {
  const response = await fetch(`${server.base}${path}`, {
    method,
    headers: { Referer: REFERER, 'User-Agent': WX_UA, ...header },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, data: JSON.parse(text) };
}

/** backend.getAccessToken(code): wx.request form-encodes `data` in its key order. */
function getAccessToken(code) {
  return wxRequest('/api/login/oauth/access_token', {
    method: 'POST',
    header: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tag=wechat_miniprogram&client_id=${encodeURIComponent(app.clientId)}&code=${encodeURIComponent(code)}`,
  });
}

function getAccount(accessToken) {
  return wxRequest('/api/get-account', { header: { Authorization: `Bearer ${accessToken}` } });
}

/** backend.updateUserinfo(accessToken, values): the form's values, JSON.stringify'd. */
function updateUserinfo(accessToken, body) {
  return wxRequest('/api/update-user?columns=display_name,avatar,email,phone,password', {
    method: 'POST',
    header: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
    body,
  });
}

/** The profile form's values in the page's order (disabled id and name inputs are submitted too). */
function formBody(account, { displayName, avatar, email, phone, password }) {
  return `{"id":${JSON.stringify(account.id)},"name":${JSON.stringify(account.name)},"displayName":${JSON.stringify(displayName)},"avatar":${JSON.stringify(avatar)},"email":${JSON.stringify(email)},"phone":${JSON.stringify(phone)},"password":${JSON.stringify(password)}}`;
}

async function passwordGrant(username, password) {
  const response = await fetch(`${server.base}/api/login/oauth/access_token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret, username, password }),
  });
  return { status: response.status, body: await response.json() };
}

describe('the official example: login, account, profile save', () => {
  let token;
  let account;

  test('login: the token request as the example sends it', async () => {
    const res = await getAccessToken(await emulator.loginCode('dora'));
    assert.equal(res.status, 200, res.text);
    assert.ok(res.data.access_token, res.text);
    assert.equal(res.data.error, undefined);
    token = res.data.access_token;
  });

  test('account: a WeChat-created user, no password yet ("" not "***")', async () => {
    const res = await getAccount(token);
    assert.equal(res.data.status, 'ok', res.text);
    account = res.data.data;
    assert.equal(account.owner, 'acme');
    assert.ok(account.id && account.name);
    assert.equal(account.password, '');
  });

  test('profile save: the first password, display name, avatar, email and phone', async () => {
    const body = formBody(account, {
      displayName: 'Dora',
      avatar: 'https://example.com/dora.png',
      email: 'dora@example.com',
      phone: '13800138000',
      password: 'dora-Passw0rd!',
    });
    assert.ok(!body.includes('owner'), 'the example sends no owner');
    const res = await updateUserinfo(token, body);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.data.status, 'ok', res.text);
    assert.equal(res.data.data, 'Affected');

    const after = (await getAccount(token)).data.data;
    assert.equal(after.displayName, 'Dora');
    assert.equal(after.avatar, 'https://example.com/dora.png');
    assert.equal(after.email, 'dora@example.com');
    assert.equal(after.phone, '13800138000');
    assert.equal(after.emailVerified, false, 'a self-set email is unverified');
    assert.equal(after.password, '***');
    // The id and name the form submitted are not written (not in columns).
    assert.equal(after.id, account.id);
    assert.equal(after.name, account.name);
    // The password was hashed and works.
    const grant = await passwordGrant(account.name, 'dora-Passw0rd!');
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    account = after;
  });

  test('profile save again: the masked password "***" re-sent means unchanged', async () => {
    const res = await updateUserinfo(token, formBody(account, { ...account, displayName: 'Dora B', password: '***' }));
    assert.equal(res.data.status, 'ok', res.text);
    assert.equal((await getAccount(token)).data.data.displayName, 'Dora B');
    assert.equal((await passwordGrant(account.name, 'dora-Passw0rd!')).status, 200);
  });

  test('a different password through update-user is refused once one is set (set-password needs the old one)', async () => {
    const res = await updateUserinfo(token, formBody(account, { ...account, password: 'stolen-Passw0rd!' }));
    assert.equal(res.data.status, 'error', res.text);
    assert.match(res.data.msg, /set-password/);
    assert.equal((await passwordGrant(account.name, 'stolen-Passw0rd!')).status, 400);
    assert.equal((await passwordGrant(account.name, 'dora-Passw0rd!')).status, 200);
  });

  test('the self-set email and phone find nobody until verified (no takeover through them)', async () => {
    for (const q of ['email=dora%40example.com', 'phone=13800138000']) {
      const { data } = await admin.get(`/api/get-user?owner=acme&${q}`);
      assert.equal(data, null, q);
    }
  });

  test('another user cannot save a profile onto dora', async () => {
    const other = (await getAccessToken(await emulator.loginCode('eve'))).data.access_token;
    const res = await wxRequest(`/api/update-user?id=acme/${account.name}&columns=display_name`, {
      method: 'POST',
      header: { Authorization: `Bearer ${other}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ displayName: 'pwned' }),
    });
    assert.equal(res.data.status, 'error', res.text);
    assert.equal((await getAccount(token)).data.data.displayName, 'Dora B');
  });
});
