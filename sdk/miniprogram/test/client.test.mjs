// The SDK (its committed build, dist/) against the real server and WeChat emulator.
// Run: npm test (FERRODOOR_BIN=/path/to/ferrodoor for a binary other than target/debug/ferrodoor).

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { startFerrodoor } from './support/ferrodoor.mjs';
import { nodeWx } from './support/wx.mjs';

const require = createRequire(import.meta.url);
const {
  AuthError,
  ConflictError,
  FerrodoorClient,
  FerrodoorError,
  ForbiddenError,
  NetworkError,
  PhoneNumberError,
  UpstreamError,
} = require('../dist/index.js');

const TOKEN = '/api/login/oauth/access_token';
const REVOKE = '/api/login/oauth/revoke';

let fd;
before(async () => {
  fd = await startFerrodoor();
});
after(async () => {
  await fd?.stop();
  if (fd && !process.env.FERRODOOR_KEEP_LOGS) fd.removeLogs();
});

let serial = 0;
/** A WeChat user name of its own for each test (the database lives for the whole file). */
const someone = (prefix) => `${prefix}-${process.pid}-${++serial}`;
/** A fake phone signed in to WeChat as `user`; pass `storage` to share one across phones. */
const phone = (user, storage) => nodeWx({ emulatorBase: fd.emulatorBase, user, storage });
const clientOn = (wx, options = {}) =>
  new FerrodoorClient({ origin: fd.base, clientId: fd.clientId, wx, ...options });
const key = () => `ferrodoor:${fd.clientId}:session`;
const stored = (wx) => wx.getStorageSync(key());
const edit = (wx, change) => wx.setStorageSync(key(), { ...stored(wx), ...change });
const form = (entry) => Object.fromEntries(new URLSearchParams(entry.body));
const refreshes = (wx) => wx.to(TOKEN).filter((r) => form(r).grant_type === 'refresh_token');

/** A user of organization `test` with a password, and a session of theirs from the password grant. */
async function passwordUser(name, extra = {}) {
  const password = 'Pa55-word-for-sdk-tests';
  await fd.admin('/api/add-user', { owner: 'test', name, password, displayName: name, ...extra });
  const answer = await fd.token({ grant_type: 'password', client_id: fd.clientId, username: name, password });
  assert.equal(answer.status, 200, JSON.stringify(answer.data));
  return answer.data;
}

describe('login', () => {
  test('login() posts the wx.login code as a form, stores the session, getAccount() answers the user', async () => {
    const wx = phone(someone('alice'));
    const client = clientOn(wx);
    const before = Date.now();
    const session = await client.login({ username: 'Alice', avatar: 'https://example.com/alice.png' });
    const afterLogin = Date.now();

    assert.equal(wx.logins, 1);
    const [sent] = wx.to(TOKEN);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.contentType, 'application/x-www-form-urlencoded');
    const body = form(sent);
    assert.equal(body.tag, 'wechat_miniprogram');
    assert.equal(body.client_id, fd.clientId);
    assert.match(body.code, /\S/);
    assert.equal(body.username, 'Alice');
    assert.equal(body.avatar, 'https://example.com/alice.png');

    assert.equal(session.token_type, 'Bearer');
    assert.match(session.access_token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(session.refresh_token, 'a refresh token');
    assert.ok(session.expires_in > 0);
    const kept = stored(wx);
    assert.equal(kept.access_token, session.access_token);
    assert.equal(kept.refresh_token, session.refresh_token);
    assert.ok(kept.expires_at >= before + session.expires_in * 1000);
    assert.ok(kept.expires_at <= afterLogin + session.expires_in * 1000);

    const account = await client.getAccount();
    assert.equal(account.owner, 'test');
    assert.match(account.name, /^wechat-/);
    assert.equal(account.displayName, 'Alice');
    assert.equal(account.avatar, 'https://example.com/alice.png');
    const [asked] = wx.to('/api/get-account');
    assert.equal(asked.authorization, `Bearer ${session.access_token}`);
    assert.deepEqual(stored(wx).user, { owner: 'test', name: account.name });

    // Another WeChat user is another account.
    const other = clientOn(phone(someone('bob')));
    await other.login();
    assert.notEqual((await other.getAccount()).name, account.name);
  });

  test('calls without a session throw AuthError and send nothing', async () => {
    const wx = phone(someone('nobody'));
    const client = clientOn(wx);
    for (const call of [() => client.getAccount(), () => client.updateProfile({ displayName: 'x' }), () => client.bindWeChat()]) {
      await assert.rejects(call, (e) => e instanceof AuthError && e.status === 0 && e.code === 'not_signed_in');
    }
    await client.logout();
    assert.equal(client.isSignedIn(), false);
    assert.deepEqual(wx.requests, []);
    assert.equal(wx.logins, 0);
  });

  test('no answer from the server is a NetworkError', async () => {
    const wx = phone(someone('offline'));
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    const client = new FerrodoorClient({ origin: 'http://127.0.0.1:9', clientId: fd.clientId, wx });
    await assert.rejects(
      client.login(),
      (e) => e instanceof NetworkError && e instanceof FerrodoorError && e.status === 0 && e.code === 'network_error',
    );
    assert.equal(client.isSignedIn(), false);
  });

  for (const [mode, status, code, type] of [
    ['busy', 503, 'temporarily_unavailable', UpstreamError],
    ['rate_limit', 429, 'temporarily_unavailable', UpstreamError],
    ['http500', 502, 'temporarily_unavailable', UpstreamError],
    ['blocked', 403, 'access_denied', ForbiddenError],
  ]) {
    test(`a WeChat fault (${mode}) is a ${type.name} with status ${status}`, async () => {
      const wx = phone(someone(mode));
      const client = clientOn(wx);
      await fd.fault({ mode, count: 1 });
      await assert.rejects(client.login(), (e) => {
        assert.ok(e instanceof type, `${e.name}: ${e.message}`);
        assert.equal(e.status, status);
        assert.equal(e.code, code);
        assert.match(e.message, /\S/);
        return true;
      });
      assert.equal(client.isSignedIn(), false);
      // One fault only: the next attempt (with a new wx.login code) goes through.
      await client.login();
      assert.equal(client.isSignedIn(), true);
    });
  }

  test('UpstreamError carries Retry-After', async () => {
    const client = clientOn(phone(someone('retry')));
    await fd.fault({ mode: 'busy', count: 1 });
    await assert.rejects(client.login(), (e) => e instanceof UpstreamError && e.retryAfter === 5);
  });
});

describe('profile', () => {
  test('updateProfile() changes displayName and avatar of the signed-in user only', async () => {
    const wx = phone(someone('carol'));
    const client = clientOn(wx);
    await client.login({ username: 'Carol' });

    assert.equal(await client.updateProfile({ displayName: 'Carol W.', avatar: 'https://example.com/c.png' }), 'Affected');
    // owner and name come from the account, whatever the fields say.
    await client.updateProfile({ bio: 'hello', owner: 'built-in', name: 'admin' });
    const updates = wx.to('/api/update-user');
    assert.equal(updates.length, 2);
    assert.equal(updates[0].contentType, 'application/json');
    assert.equal(updates[0].authorization, `Bearer ${stored(wx).access_token}`);
    const me = await client.getAccount();
    for (const u of updates) {
      const body = JSON.parse(u.body);
      assert.equal(body.owner, 'test');
      assert.equal(body.name, me.name);
    }
    assert.deepEqual(JSON.parse(updates[0].body), { displayName: 'Carol W.', avatar: 'https://example.com/c.png', owner: 'test', name: me.name });
    // The owner and name were asked once, then cached (the third get-account is ours).
    assert.equal(wx.to('/api/get-account').length, 2);
    assert.equal(me.displayName, 'Carol W.');
    assert.equal(me.avatar, 'https://example.com/c.png');
    assert.equal(me.bio, 'hello');
  });

  test('updateProfile() of a field the user may not change is a ForbiddenError (403)', async () => {
    const client = clientOn(phone(someone('mallory')));
    await client.login();
    await assert.rejects(client.updateProfile({ isAdmin: true }), (e) => {
      assert.ok(e instanceof ForbiddenError, `${e.name}: ${e.message}`);
      assert.equal(e.status, 403);
      assert.equal(e.code, 'api_error');
      assert.match(e.message, /\S/);
      assert.equal(e.body.status, 'error');
      return true;
    });
    assert.equal((await client.getAccount()).isAdmin, false);
  });
});

describe('session', () => {
  test('the session in wx storage is reused by a second client and after a restart', async () => {
    const wx = phone(someone('dave'));
    const first = clientOn(wx);
    await first.login();
    const name = (await first.getAccount()).name;

    const second = clientOn(wx);
    assert.equal(second.isSignedIn(), true);
    assert.equal((await second.getAccount()).name, name);

    // A restart: a new wx (nothing shared in memory) over the same storage.
    const restarted = phone(wx.user, wx.storage);
    assert.equal((await clientOn(restarted).getAccount()).name, name);
    assert.equal(restarted.to('/api/get-account')[0].authorization, `Bearer ${stored(wx).access_token}`);

    assert.equal(wx.logins + restarted.logins, 1);
    assert.equal(wx.to(TOKEN).length + restarted.to(TOKEN).length, 1);
  });

  test('an expired access token is refreshed (form, public client) before the request', async () => {
    const wx = phone(someone('erin'));
    const client = clientOn(wx);
    await client.login();
    const old = stored(wx);
    edit(wx, { expires_at: Date.now() - 1000 });
    wx.requests.length = 0;

    const account = await client.getAccount();
    assert.match(account.name, /^wechat-/);
    assert.deepEqual(
      wx.requests.map((r) => [r.method, r.path, r.status]),
      [['POST', TOKEN, 200], ['GET', '/api/get-account', 200]],
    );
    assert.equal(wx.requests[0].contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(form(wx.requests[0]), {
      grant_type: 'refresh_token',
      client_id: fd.clientId,
      refresh_token: old.refresh_token,
    });
    const now = stored(wx);
    assert.notEqual(now.access_token, old.access_token);
    assert.notEqual(now.refresh_token, old.refresh_token);
    assert.ok(now.expires_at > Date.now());
    assert.equal(wx.requests[1].authorization, `Bearer ${now.access_token}`);
    // The server rotated: the old access token is dead.
    assert.equal((await fd.account(old.access_token)).status, 401);
  });

  test('a 401 refreshes once and retries once', async () => {
    const wx = phone(someone('frank'));
    const client = clientOn(wx);
    await client.login();
    edit(wx, { access_token: 'not-a-valid-token' });
    wx.requests.length = 0;

    await client.getAccount();
    assert.deepEqual(
      wx.requests.map((r) => [r.method, r.path, r.status]),
      [['GET', '/api/get-account', 401], ['POST', TOKEN, 200], ['GET', '/api/get-account', 200]],
    );
    assert.equal(wx.requests[0].authorization, 'Bearer not-a-valid-token');
    assert.equal(wx.requests[2].authorization, `Bearer ${stored(wx).access_token}`);
  });

  test('a refused refresh clears the session and throws AuthError', async () => {
    for (const broken of [
      { expires_at: Date.now() - 1000, refresh_token: 'not-a-refresh-token' },
      { access_token: 'not-a-valid-token', refresh_token: 'not-a-refresh-token' },
    ]) {
      const wx = phone(someone('gina'));
      const client = clientOn(wx);
      await client.login();
      edit(wx, broken);
      await assert.rejects(client.getAccount(), (e) => {
        assert.ok(e instanceof AuthError, `${e.name}: ${e.message}`);
        assert.equal(e.code, 'invalid_grant');
        return true;
      });
      assert.equal(stored(wx), '', 'the session is gone from storage');
      assert.equal(client.isSignedIn(), false);
      assert.equal(refreshes(wx).length, 1);
    }
  });

  test('concurrent calls on an expired session share one refresh', async () => {
    const wx = phone(someone('heidi'));
    const [a, b] = [clientOn(wx), clientOn(wx)];
    await a.login();
    await a.getAccount();
    edit(wx, { expires_at: Date.now() - 1000 });
    wx.requests.length = 0;

    const results = await Promise.all([a.getAccount(), b.getAccount(), a.updateProfile({ bio: 'x' }), b.getAccessToken()]);
    assert.equal(refreshes(wx).length, 1);
    assert.equal(results[0].name, results[1].name);
    assert.equal(results[2], 'Affected');
    assert.equal(results[3], stored(wx).access_token);
    for (const r of wx.to('/api/get-account').concat(wx.to('/api/update-user'))) {
      assert.equal(r.status, 200);
      assert.equal(r.authorization, `Bearer ${stored(wx).access_token}`);
    }
  });

  test('concurrent calls that get 401 share one refresh', async () => {
    const wx = phone(someone('ivan'));
    const client = clientOn(wx);
    await client.login();
    edit(wx, { access_token: 'not-a-valid-token' });
    wx.requests.length = 0;

    const accounts = await Promise.all([client.getAccount(), client.getAccount(), client.getAccount()]);
    assert.equal(new Set(accounts.map((a) => a.name)).size, 1);
    assert.equal(refreshes(wx).length, 1);
    const calls = wx.to('/api/get-account');
    assert.equal(calls.filter((r) => r.status === 401).length, 3);
    assert.equal(calls.filter((r) => r.status === 200).length, 3);
  });

  test('logout() revokes the refresh token and clears storage; the old token no longer works', async () => {
    const wx = phone(someone('judy'));
    const client = clientOn(wx);
    await client.login();
    const old = stored(wx);
    assert.equal((await fd.account(old.access_token)).status, 200);

    await client.logout();
    assert.equal(stored(wx), '');
    const [sent] = wx.to(REVOKE);
    assert.equal(sent.status, 200);
    assert.equal(sent.contentType, 'application/x-www-form-urlencoded');
    // A public client: no client_secret.
    assert.deepEqual(form(sent), { client_id: fd.clientId, token: old.refresh_token });

    // The old access token is dead, and a client holding the old session cannot revive it.
    assert.equal((await fd.account(old.access_token)).status, 401);
    const stale = phone(wx.user);
    stale.setStorageSync(key(), old);
    await assert.rejects(clientOn(stale).getAccount(), (e) => e instanceof AuthError);
    assert.equal(stored(stale), '');
  });
});

describe('phone number', () => {
  test('a declined getPhoneNumber button throws PhoneNumberError without any request', async () => {
    const wx = phone(someone('ken'));
    const client = clientOn(wx);
    for (const [detail, code] of [
      [{ errMsg: 'getPhoneNumber:fail user deny' }, 'phone_denied'],
      [{ errMsg: 'getPhoneNumber:fail:user denied' }, 'phone_denied'],
      [{ errMsg: 'getPhoneNumber:fail no permission', errno: 1400001 }, 'phone_quota_exhausted'],
      [{ errMsg: 'getPhoneNumber:ok' }, 'phone_failed'],
    ]) {
      await assert.rejects(client.loginByPhone({ detail }), (e) => {
        assert.ok(e instanceof PhoneNumberError, `${e.name}: ${e.message}`);
        assert.equal(e.code, code);
        assert.equal(e.errMsg, detail.errMsg);
        return true;
      });
    }
    assert.deepEqual(wx.requests, []);
    assert.equal(wx.logins, 0);
  });

  test('loginByPhone() signs in with the verified phone number (new account)', async () => {
    const user = someone('liam');
    const wx = phone(user);
    const client = clientOn(wx);
    const phoneCode = await fd.phoneCode(user, '13800138000');
    await client.loginByPhone({ detail: { code: phoneCode, errMsg: 'getPhoneNumber:ok' } });
    const body = form(wx.to(TOKEN)[0]);
    assert.equal(body.tag, 'wechat_miniprogram');
    assert.equal(body.client_id, fd.clientId);
    assert.match(body.code, /\S/);
    assert.equal(body.phone_code, phoneCode);
    assert.equal(wx.logins, 1);
    assert.match((await client.getAccount()).phone, /13800138000$/);
  });

  test('loginByPhone() links the WeChat identity to the account that has the phone number', async () => {
    const name = someone('mia');
    await passwordUser(name, { phone: '13900139000', countryCode: 'CN' });
    const user = someone('mia-wx');
    const client = clientOn(phone(user));
    await client.loginByPhone({ detail: { code: await fd.phoneCode(user, '13900139000'), errMsg: 'getPhoneNumber:ok' } });
    assert.equal((await client.getAccount()).name, name);
    // Linked: a plain wx.login sign-in of that WeChat user now finds the same account.
    const again = clientOn(phone(user));
    await again.login();
    assert.equal((await again.getAccount()).name, name);
  });
});

describe('phone number refused', () => {
  test("another WeChat user's phone code is an AuthError (invalid_grant) and signs nobody in", async () => {
    const user = someone('nora');
    const client = clientOn(phone(user));
    const theirs = await fd.phoneCode(someone('not-nora'), '13700137000');
    await assert.rejects(client.loginByPhone({ detail: { code: theirs, errMsg: 'getPhoneNumber:ok' } }), (e) => {
      assert.ok(e instanceof AuthError, `${e.name}: ${e.message}`);
      assert.equal(e.status, 400);
      assert.equal(e.code, 'invalid_grant');
      return true;
    });
    assert.equal(client.isSignedIn(), false);
  });

  test('a phone number of another account is a ConflictError (409) and keeps the current session', async () => {
    const user = someone('otto-wx');
    const client = clientOn(phone(user));
    await client.login();
    const mine = (await client.getAccount()).name;
    await passwordUser(someone('otto'), { phone: '13600136000', countryCode: 'CN' });

    await assert.rejects(
      client.loginByPhone({ detail: { code: await fd.phoneCode(user, '13600136000'), errMsg: 'getPhoneNumber:ok' } }),
      (e) => {
        assert.ok(e instanceof ConflictError, `${e.name}: ${e.message}`);
        assert.equal(e.status, 409);
        return true;
      },
    );
    assert.equal((await client.getAccount()).name, mine);
  });
});

describe('WeChat binding', () => {
  test('bindWeChat() links a password user to this WeChat user; unbindWeChat() removes the link', async () => {
    const name = someone('nina');
    const user = someone('nina-wx');
    const wx = phone(user);
    const client = clientOn(wx);
    client.setSession(await passwordUser(name));
    assert.equal((await client.getAccount()).name, name);

    await client.bindWeChat();
    const [bind] = wx.to('/api/bind-wechat');
    assert.equal(bind.contentType, 'application/json');
    const body = JSON.parse(bind.body);
    assert.equal(body.client_id, fd.clientId);
    assert.match(body.code, /\S/);
    assert.equal(bind.authorization, `Bearer ${stored(wx).access_token}`);

    const viaWeChat = clientOn(phone(user));
    await viaWeChat.login();
    assert.equal((await viaWeChat.getAccount()).name, name);

    await client.unbindWeChat();
    assert.deepEqual(JSON.parse(wx.to('/api/unbind-wechat')[0].body), { client_id: fd.clientId });
    const afterUnbind = clientOn(phone(user));
    await afterUnbind.login();
    assert.notEqual((await afterUnbind.getAccount()).name, name);
  });

  test('bindWeChat() of a WeChat identity that belongs to another account is a ConflictError (409)', async () => {
    const user = someone('oscar-wx');
    const owner = clientOn(phone(user));
    await owner.login();
    const ownerName = (await owner.getAccount()).name;

    const name = someone('oscar');
    const client = clientOn(phone(user));
    client.setSession(await passwordUser(name));
    await assert.rejects(client.bindWeChat(), (e) => {
      assert.ok(e instanceof ConflictError, `${e.name}: ${e.message}`);
      assert.equal(e.status, 409);
      return true;
    });
    // Nothing moved: the WeChat user still signs in to its own account.
    const again = clientOn(phone(user));
    await again.login();
    assert.equal((await again.getAccount()).name, ownerName);
  });
});
