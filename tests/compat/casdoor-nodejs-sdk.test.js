// Casdoor's own Node.js SDK (casdoor-nodejs-sdk) against the real ferrodoor binary and its
// WeChat emulator: JWT verification with the X.509 certificate, the user management calls,
// the authorization calls (models, roles, permissions, enforce), and the SDK's token
// exchange and refresh. The SDK is used exactly as its README shows;
// the paths and bodies it sends are its own (node_modules/casdoor-nodejs-sdk/lib/cjs/user.js).
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test     (in tests/compat)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SDK } from 'casdoor-nodejs-sdk';
import {
  Admin,
  ADMIN_PASSWORD,
  APPID,
  APPSECRET,
  certificatePem,
  describeError,
  freePort,
  jwtPayload,
  knownIncompatibility,
  signInOnHostedPage,
  startEmulator,
  startServer,
  tamperClaim,
  tamperSignature,
} from './support/ferrodoor.js';

const ALICE = { name: 'alice', password: 'alice-Passw0rd!', email: 'alice@example.com' };

let emulator;
let server;
let app;
let callback;
let sdk;

before(async () => {
  emulator = await startEmulator('casdoor-sdk');
  server = await startServer('casdoor-sdk', { wechatApiBase: emulator.base });
  const admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  callback = `http://127.0.0.1:${await freePort()}/cb`;
  await admin.post('/api/add-organization', { name: 'acme' });
  await admin.post('/api/add-user', { owner: 'acme', ...ALICE });
  await admin.post('/api/add-provider', {
    owner: 'admin',
    name: 'wx',
    category: 'OAuth',
    type: 'WeChatMiniProgram',
    clientId: APPID,
    clientSecret: APPSECRET,
  });
  app = await admin.addApplication({
    name: 'web',
    organization: 'acme',
    enableSignUp: true,
    redirectUris: [callback],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
    providers: [{ owner: 'admin', name: 'wx' }],
  });
  // As Casdoor's README says: the application's certificate, PEM.
  sdk = new SDK({
    endpoint: server.base,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    certificate: await certificatePem(server.base),
    orgName: 'acme',
    appName: 'web',
  });
});

after(async () => {
  await server?.stop();
  await emulator?.stop();
});

/** The SDK's answer, or an error that names the request and the answer (not axios's dump). */
async function call(promise) {
  try {
    return await promise;
  } catch (e) {
    throw new Error(describeError(e));
  }
}

/** Form POST to the token endpoint, as a backend or the mini program does. */
async function tokenRequest(form) {
  const response = await fetch(`${server.base}/api/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

function passwordGrant(username, password) {
  return tokenRequest({
    grant_type: 'password',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    username,
    password,
  });
}

describe('parseJwtToken (RS256 with the X.509 certificate)', () => {
  test('the certificate from the JWKS x5c is the one the tokens are signed with', async () => {
    const { access_token } = await passwordGrant(ALICE.name, ALICE.password);
    const { kid } = JSON.parse(Buffer.from(access_token.split('.')[0], 'base64url').toString());
    const { keys } = await (await fetch(`${server.base}/.well-known/jwks`)).json();
    assert.equal(keys.length, 1);
    assert.equal(keys[0].kid, kid);
  });

  test('a password-grant access token verifies and carries Casdoor claims', async () => {
    const { access_token, id_token } = await passwordGrant(ALICE.name, ALICE.password);
    const claims = sdk.parseJwtToken(access_token);
    assert.equal(claims.owner, 'acme');
    assert.equal(claims.name, 'alice');
    assert.equal(claims.email, ALICE.email);
    assert.equal(claims.iss, server.base);
    assert.ok(claims.exp > Date.now() / 1000);
    // The ID token verifies with the same certificate (its claims are OpenID Connect's).
    const id = sdk.parseJwtToken(id_token);
    assert.equal(id.sub, claims.sub);
    assert.equal(id.preferred_username, 'alice');
  });

  test('KNOWN INCOMPATIBILITY: the id_token lacks Casdoor\'s claims (Casdoor answers id_token = access_token)', async () => {
    await knownIncompatibility(/id_token has no owner claim/, async () => {
      const { id_token } = await passwordGrant(ALICE.name, ALICE.password);
      const claims = sdk.parseJwtToken(id_token);
      assert.equal(claims.owner, 'acme', 'id_token has no owner claim');
      assert.equal(claims.name, 'alice', 'id_token name is not the user name');
    });
  });

  test('a token with a flipped signature bit is rejected', async () => {
    const { access_token } = await passwordGrant(ALICE.name, ALICE.password);
    assert.throws(() => sdk.parseJwtToken(tamperSignature(access_token)), /invalid signature/);
  });

  test('a token with a changed claim is rejected', async () => {
    const { access_token } = await passwordGrant(ALICE.name, ALICE.password);
    assert.throws(() => sdk.parseJwtToken(tamperClaim(access_token, 'isAdmin', true)), /invalid signature/);
  });

  test('a token signed with another key is rejected', async () => {
    const { generateKeyPairSync, createSign } = await import('node:crypto');
    const { access_token } = await passwordGrant(ALICE.name, ALICE.password);
    const [h, p] = access_token.split('.');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = `${h}.${p}.${createSign('RSA-SHA256').update(`${h}.${p}`).sign(privateKey).toString('base64url')}`;
    assert.throws(() => sdk.parseJwtToken(forged), /invalid signature/);
  });

  test('a mini-program login token (WeChat emulator) verifies', async () => {
    const code = await emulator.loginCode('carol');
    const answer = await tokenRequest({ tag: 'wechat_miniprogram', client_id: app.clientId, code, username: 'Carol' });
    assert.equal(answer.session_key, undefined);
    const claims = sdk.parseJwtToken(answer.access_token);
    assert.equal(claims.owner, 'acme');
    assert.ok(claims.name, 'the token names the user');
    assert.equal(claims.displayName, 'Carol');
    // The user it names is real: the SDK can read it back with the app's credentials.
    const { data } = await call(sdk.getUser(claims.name));
    assert.equal(data.status, 'ok');
    assert.equal(data.data.name, claims.name);
    // The code is single use.
    const replay = await fetch(`${server.base}/api/login/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({ tag: 'wechat_miniprogram', client_id: app.clientId, code }),
    });
    assert.notEqual(replay.status, 200);
  });
});

describe('users (application credentials by HTTP Basic)', () => {
  test('getUsers lists the organization’s users', async () => {
    const { status, data } = await call(sdk.getUsers());
    assert.equal(status, 200);
    assert.equal(data.status, 'ok');
    const names = data.data.map((u) => u.name);
    assert.ok(names.includes('alice'), names.join(','));
    assert.ok(data.data.every((u) => u.owner === 'acme'));
    assert.ok(data.data.every((u) => !u.password || u.password === '***'), 'no password leaks');
  });

  test('getUser answers one user', async () => {
    const { data } = await call(sdk.getUser('alice'));
    assert.equal(data.status, 'ok');
    assert.equal(data.data.owner, 'acme');
    assert.equal(data.data.name, 'alice');
    assert.equal(data.data.email, ALICE.email);
  });

  test('addUser, updateUser (round-tripping the user read back), deleteUser', async () => {
    const bob = {
      owner: 'acme',
      name: 'bob',
      createdTime: new Date().toISOString(),
      displayName: 'Bob',
      password: 'bob-Passw0rd!',
      email: 'bob@example.com',
    };
    const added = await call(sdk.addUser(bob));
    assert.equal(added.data.status, 'ok');
    assert.equal(added.data.data, 'Affected');
    // The password set through the SDK works.
    const { access_token } = await passwordGrant('bob', 'bob-Passw0rd!');
    assert.equal(sdk.parseJwtToken(access_token).name, 'bob');

    // What an integrator does: read the user, change a field, send the object back.
    const read = (await call(sdk.getUser('bob'))).data.data;
    assert.equal(read.displayName, 'Bob');
    const updated = await call(sdk.updateUser({ ...read, displayName: 'Robert' }));
    assert.equal(updated.data.status, 'ok', JSON.stringify(updated.data));
    assert.equal(updated.data.data, 'Affected');
    const reread = (await call(sdk.getUser('bob'))).data.data;
    assert.equal(reread.displayName, 'Robert');
    assert.equal(reread.email, 'bob@example.com');
    // Round-tripping the masked password must not change it.
    await passwordGrant('bob', 'bob-Passw0rd!');

    const deleted = await call(sdk.deleteUser(reread));
    assert.equal(deleted.data.status, 'ok');
    assert.equal(deleted.data.data, 'Affected');
    const names = (await call(sdk.getUsers())).data.data.map((u) => u.name);
    assert.ok(!names.includes('bob'));
  });

  test('wrong client credentials are refused', async () => {
    const stranger = new SDK({ ...sdk.config, clientSecret: 'not-the-secret' });
    await assert.rejects(stranger.getUsers(), (e) => e.response?.status === 401);
  });
});

describe('token exchange (getAuthToken / refreshToken)', () => {
  test('getSignInUrl leads to the hosted page, which redirects back with a code and the SDK\'s state', async () => {
    const back = await signInOnHostedPage(sdk.getSignInUrl(callback), ALICE.name, ALICE.password);
    assert.equal(`${back.origin}${back.pathname}`, callback);
    assert.equal(back.searchParams.get('state'), 'web');
    assert.ok(back.searchParams.get('code'));
  });

  test('getAuthToken(code) exchanges the code although the SDK sends no redirect_uri', async () => {
    const back = await signInOnHostedPage(sdk.getSignInUrl(callback), ALICE.name, ALICE.password);
    const tokens = await call(sdk.getAuthToken(back.searchParams.get('code')));
    assert.ok(tokens.access_token, JSON.stringify(tokens));
    assert.ok(tokens.refresh_token);
    assert.equal(sdk.parseJwtToken(tokens.access_token).name, 'alice');
    // The code was spent: a second exchange is refused.
    await assert.rejects(sdk.getAuthToken(back.searchParams.get('code')));
  });

  test('refreshToken (POST /api/login/oauth/refresh_token) rotates the refresh token', async () => {
    const tokens = await passwordGrant(ALICE.name, ALICE.password);
    const refreshed = await call(sdk.refreshToken(tokens.refresh_token));
    assert.ok(refreshed.access_token, JSON.stringify(refreshed));
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(sdk.parseJwtToken(refreshed.access_token).name, 'alice');
    // The spent refresh token is refused.
    await assert.rejects(sdk.refreshToken(tokens.refresh_token), (e) => e.response?.status === 400 && e.response.data.error === 'invalid_grant');
  });

  test('the access token is a Bearer token for the user’s own account', async () => {
    const { access_token } = await passwordGrant(ALICE.name, ALICE.password);
    const response = await fetch(`${server.base}/api/get-account`, { headers: { Authorization: `Bearer ${access_token}` } });
    const body = await response.json();
    assert.equal(response.status, 200);
    assert.equal(body.data.name, 'alice');
    assert.equal(jwtPayload(access_token).sub, body.data.id);
  });
});

describe('authorization: models, roles, permissions, enforce (application credentials)', () => {
  const RBAC = [
    '[request_definition]', 'r = sub, obj, act', '',
    '[policy_definition]', 'p = sub, obj, act', '',
    '[role_definition]', 'g = _, _', '',
    '[policy_effect]', 'e = some(where (p.eft == allow))', '',
    '[matchers]', 'm = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act',
  ].join('\n');
  const ok = (answer) => assert.equal(answer.data.status, 'ok', JSON.stringify(answer.data));
  const allowed = (subject, act = 'read') => call(sdk.enforce('acme/read-docs', '', '', [subject, 'doc1', act]));

  before(async () => {
    ok(await call(sdk.addModel({ owner: 'acme', name: 'rbac', modelText: RBAC })));
    ok(await call(sdk.addRole({ owner: 'acme', name: 'reader', users: ['acme/alice'], isEnabled: true })));
    ok(await call(sdk.addPermission({
      owner: 'acme',
      name: 'read-docs',
      model: 'rbac',
      roles: ['acme/reader'],
      resources: ['doc1'],
      actions: ['read'],
      effect: 'Allow',
      isEnabled: true,
    })));
  });

  test('enforce and batchEnforce answer from the role the permission names', async () => {
    assert.equal(await allowed('acme/alice'), true);
    assert.equal(await allowed('acme/alice', 'write'), false);
    assert.equal(await allowed('acme/mallory'), false);
    assert.equal(await call(sdk.enforce('', 'acme/rbac', '', ['acme/alice', 'doc1', 'read'])), true);
    const batch = await call(sdk.batchEnforce('acme/read-docs', '', '', [
      ['acme/alice', 'doc1', 'read'],
      ['acme/alice', 'doc2', 'read'],
    ]));
    assert.deepEqual(batch, [true, false]);
  });

  test('updateRole: the very next enforce sees the grant gone, and back', async () => {
    const role = (await call(sdk.getRole('reader'))).data.data;
    assert.deepEqual(role.users, ['acme/alice']);
    ok(await call(sdk.updateRole({ ...role, users: [] })));
    assert.equal(await allowed('acme/alice'), false);
    ok(await call(sdk.updateRole({ ...role, users: ['acme/alice'] })));
    assert.equal(await allowed('acme/alice'), true);
  });

  test('lists read back what was added', async () => {
    assert.deepEqual((await call(sdk.getRoles())).data.data.map((r) => r.name), ['reader']);
    assert.deepEqual((await call(sdk.getPermissions())).data.data.map((p) => p.name), ['read-docs']);
    assert.equal((await call(sdk.getModel('rbac'))).data.data.modelText, RBAC);
  });

  test('the application gets nothing of another organization', async () => {
    const other = new SDK({ ...sdk.config, orgName: 'built-in' });
    await assert.rejects(other.getRoles(), (e) => e.response?.status === 403);
    await assert.rejects(other.getPermissions(), (e) => e.response?.status === 403);
  });
});
