// The example mini program (examples/miniprogram) run in Node: its app.js and page logic
// with a global `wx`, `App`, `Page` and `getApp` like the mini program's, the SDK from dist/
// where the WeChat devtools' "build npm" would put it, against the real server.

import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { startFerrodoor } from './support/ferrodoor.mjs';
import { nodeWx } from './support/wx.mjs';

const require = createRequire(import.meta.url);
const SDK = require.resolve('../dist/index.js');
const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/miniprogram');

let fd;
let page;
let wx;
const uploads = [];

before(async () => {
  fd = await startFerrodoor();

  // `require('@ferrodoor/miniprogram')` in the example is the SDK's build.
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === '@ferrodoor/miniprogram' ? SDK : resolve.call(this, request, ...rest);
  };

  wx = nodeWx({ emulatorBase: fd.emulatorBase, user: `example-${process.pid}` });
  // An upload service for chosen avatars: answers the URL the file now has.
  wx.uploadFile = ({ filePath, name, success }) => {
    uploads.push({ filePath, name });
    setImmediate(() =>
      success({ statusCode: 200, data: JSON.stringify({ url: `https://cdn.example.com/${path.basename(filePath)}` }) }),
    );
  };
  let app;
  globalThis.wx = wx;
  globalThis.App = (definition) => {
    app = definition;
  };
  globalThis.getApp = () => app;
  globalThis.Page = (definition) => {
    page = { ...definition, data: structuredClone(definition.data) };
    page.setData = (patch) => Object.assign(page.data, patch);
  };

  const config = require(path.join(EXAMPLE, 'config.js'));
  config.origin = fd.base;
  config.clientId = fd.clientId;
  require(path.join(EXAMPLE, 'app.js'));
  require(path.join(EXAMPLE, 'pages/index/index.js'));
  app.onLaunch();
  await page.onLoad();
});

after(async () => {
  delete globalThis.wx;
  await fd?.stop();
  if (fd && !process.env.FERRODOOR_KEEP_LOGS) fd.removeLogs();
});

test('the example signs in silently at launch and shows the account', () => {
  assert.equal(wx.logins, 1);
  assert.equal(page.data.message, '');
  assert.equal(page.data.account.owner, 'test');
  assert.match(page.data.account.name, /^wechat-/);
});

test('the nickname form saves the display name', async () => {
  await page.onSaveNickname({ detail: { value: { nickname: '  Zoe  ' } } });
  assert.equal(page.data.message, '');
  assert.equal(page.data.account.displayName, 'Zoe');
  assert.equal((await fd.account(wx.getStorageSync(`ferrodoor:${fd.clientId}:session`).access_token)).data.data.displayName, 'Zoe');

  await page.onSaveNickname({ detail: { value: { nickname: ' ' } } });
  assert.equal(page.data.message, 'Enter a nickname first.');
  assert.equal(page.data.account.displayName, 'Zoe');
});

test('a chosen avatar is uploaded, and the uploaded URL (not the temporary path) is saved', async () => {
  const config = require(path.join(EXAMPLE, 'config.js'));
  await page.onChooseAvatar({ detail: { avatarUrl: 'http://tmp/chosen.png' } });
  assert.match(page.data.message, /avatarUploadUrl/, 'without an upload URL nothing is saved');
  assert.equal(page.data.account.avatar, '');
  assert.equal(uploads.length, 0);

  config.avatarUploadUrl = 'https://upload.example.com/avatars';
  await page.onChooseAvatar({ detail: { avatarUrl: 'http://tmp/chosen.png' } });
  assert.equal(page.data.message, '');
  assert.deepEqual(uploads, [{ filePath: 'http://tmp/chosen.png', name: 'file' }]);
  assert.equal(page.data.account.avatar, 'https://cdn.example.com/chosen.png');
});

test('a declined phone-number button shows a message and sends nothing', async () => {
  const before = wx.requests.length;
  await page.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } });
  assert.equal(page.data.message, 'You did not share your phone number.');
  assert.equal(wx.requests.length, before);
  assert.notEqual(page.data.account, null);
});

test('sign out clears the session and the page', async () => {
  // The page only warns when revocation fails; keep that out of the test report.
  const warn = console.warn;
  console.warn = () => {};
  try {
    await page.onLogout();
  } finally {
    console.warn = warn;
  }
  assert.equal(page.data.account, null);
  assert.equal(wx.getStorageSync(`ferrodoor:${fd.clientId}:session`), '');
  assert.equal(page.data.busy, false);

  await page.onSignIn();
  assert.match(page.data.account.name, /^wechat-/);
});

test('the web-login page (a computer’s code scanned) shows what asks, then confirms or cancels', async () => {
  const indexPage = page;
  require(path.join(EXAMPLE, 'pages/ferrodoor/web-login.js'));
  const webLogin = page;
  webLogin.setData = (patch) => Object.assign(webLogin.data, patch);
  page = indexPage;

  const pc = await fd.computer('Mozilla/5.0 (X11; Linux x86_64) example-computer');
  await webLogin.onLoad({ scene: encodeURIComponent(pc.scene) });
  assert.equal(webLogin.data.message, '');
  assert.equal(webLogin.data.state, 'asking');
  assert.equal(webLogin.data.request.application, 'Acme Shop');
  assert.equal(webLogin.data.request.requesterAgent, 'Mozilla/5.0 (X11; Linux x86_64) example-computer');
  assert.equal((await pc.poll()).body.data.status, 'scanned');
  await webLogin.onConfirm();
  assert.equal(webLogin.data.state, 'confirmed');
  const done = (await pc.poll()).body.data;
  assert.equal(done.status, 'confirmed');
  assert.ok(done.location.startsWith(`${pc.site.redirect}?`), done.location);
  // Answering again: the page says so.
  await webLogin.onCancel();
  assert.equal(webLogin.data.state, 'failed');
  assert.match(webLogin.data.message, /already answered/);

  const other = await fd.computer();
  await webLogin.onLoad({ scene: other.scene });
  await webLogin.onCancel();
  assert.equal(webLogin.data.state, 'cancelled');
  assert.equal((await other.poll()).body.data.status, 'cancelled');

  await webLogin.onLoad({});
  assert.equal(webLogin.data.state, 'failed');
  assert.match(webLogin.data.message, /No sign-in code/);
});

