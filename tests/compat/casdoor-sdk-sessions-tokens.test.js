// Casdoor's Node.js SDK (casdoor-nodejs-sdk) session, token and certificate calls against
// the real ferrodoor binary (issue 13): getSessions/getSession/addSession/updateSession/
// deleteSession, getTokens/getToken/addToken/updateToken/deleteToken, addCert/updateCert/
// deleteCert, each as the SDK sends it (node_modules/casdoor-nodejs-sdk/lib/cjs/*.js).
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test casdoor-sdk-sessions-tokens.test.js

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SDK } from 'casdoor-nodejs-sdk';
import { Admin, ADMIN_PASSWORD, certificatePem, describeError, startServer } from './support/ferrodoor.js';

const ALICE = { name: 'alice', password: 'alice-Passw0rd!' };

let server;
let sdk;
let opsSdk;
let app;

before(async () => {
  server = await startServer('casdoor-sdk-sessions');
  const admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  await admin.post('/api/add-organization', { name: 'acme' });
  await admin.post('/api/add-user', { owner: 'acme', ...ALICE });
  app = await admin.addApplication({ name: 'web', organization: 'acme', grantTypes: ['password'] });
  // An application of the built-in organization: its credentials are a global admin's.
  const ops = await admin.addApplication({ name: 'ops', organization: 'built-in' });
  const certificate = await certificatePem(server.base);
  sdk = new SDK({ endpoint: server.base, clientId: app.clientId, clientSecret: app.clientSecret, certificate, orgName: 'acme', appName: 'web' });
  opsSdk = new SDK({ endpoint: server.base, clientId: ops.clientId, clientSecret: ops.clientSecret, certificate, orgName: 'built-in', appName: 'ops' });
});

after(async () => {
  await server?.stop();
});

async function call(promise) {
  try {
    return (await promise).data;
  } catch (e) {
    throw new Error(describeError(e));
  }
}

async function passwordToken() {
  const response = await fetch(`${server.base}/api/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret, username: ALICE.name, password: ALICE.password }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

async function accountStatus(token) {
  return (await fetch(`${server.base}/api/get-account`, { headers: { Authorization: `Bearer ${token}` } })).status;
}

describe('sessions (application credentials)', () => {
  test('addSession, getSession, updateSession, getSessions, deleteSession', async () => {
    const session = { owner: 'acme', name: 'alice', application: 'web', createdTime: '', sessionId: ['s1'] };
    assert.equal((await call(sdk.addSession(session))).data, 'Affected');
    assert.equal((await call(sdk.addSession({ ...session, sessionId: ['s2'] }))).data, 'Affected');
    const read = (await call(sdk.getSession('alice', 'web'))).data;
    assert.deepEqual(read.sessionId, ['s1', 's2']);
    assert.equal((await call(sdk.updateSession({ ...read, sessionId: ['s3'] }))).data, 'Affected');
    const list = (await call(sdk.getSessions())).data;
    assert.deepEqual(list.map((s) => [s.name, s.sessionId]), [['alice', ['s3']]]);
    assert.equal((await call(sdk.deleteSession(read))).data, 'Affected');
    assert.equal((await call(sdk.getSession('alice', 'web'))).data, null);
  });

  test('another organization\'s sessions are refused', async () => {
    const other = new SDK({ ...sdk.config, orgName: 'built-in' });
    await assert.rejects(other.getSessions(), (e) => e.response?.status === 403);
  });
});

describe('tokens (application credentials)', () => {
  test('getTokens and getToken show no token; updateToken expires it; deleteToken', async () => {
    const bearer = await passwordToken();
    const tokens = (await call(sdk.getTokens(1, 100))).data;
    const mine = tokens.filter((t) => t.user === 'alice');
    assert.equal(mine.length, 1);
    assert.ok(!JSON.stringify(tokens).includes(bearer), 'a listed token is a credential');
    const read = (await call(sdk.getToken(mine[0].name))).data;
    assert.equal(read.organization, 'acme');
    assert.equal(await accountStatus(bearer), 200);
    assert.equal((await call(sdk.updateToken({ ...read, expiresIn: 0 }))).data, 'Affected');
    assert.equal(await accountStatus(bearer), 401);
    assert.equal((await call(sdk.deleteToken(read))).data, 'Affected');
    assert.equal((await call(sdk.getToken(read.name))).data, null);
  });

  test('addToken issues a working token, shown once', async () => {
    const added = await call(sdk.addToken({ owner: 'admin', name: 'sdk-minted', application: 'web', organization: 'acme', user: 'alice', scope: 'read' }));
    assert.equal(added.data, 'Affected');
    assert.equal(await accountStatus(added.data2.accessToken), 200);
    const read = (await call(sdk.getToken('sdk-minted'))).data;
    assert.equal(read.accessToken, undefined);
  });
});

describe('certificates (a built-in application\'s credentials)', () => {
  test('addCert generates the key, updateCert, deleteCert; the private key never shows', async () => {
    const cert = { owner: 'admin', name: 'sdk-cert', displayName: 'SDK', scope: 'JWT', type: 'x509', cryptoAlgorithm: 'RS256', bitSize: 2048, expireInYears: 20, certificate: '', privateKey: '' };
    const added = await call(opsSdk.addCert(cert));
    assert.equal(added.data, 'Affected');
    assert.equal(added.data2.privateKey, '***');
    assert.match(added.data2.certificate, /^-----BEGIN CERTIFICATE-----/);
    const read = (await call(opsSdk.getCert('sdk-cert'))).data;
    assert.equal((await call(opsSdk.updateCert({ ...read, displayName: 'SDK 2' }))).data, 'Affected');
    assert.equal((await call(opsSdk.getCert('sdk-cert'))).data.displayName, 'SDK 2');
    assert.equal((await call(opsSdk.deleteCert(read))).data, 'Affected');
    assert.equal((await call(opsSdk.getCert('sdk-cert'))).data, null);
    // An ordinary organization's application manages no certificate.
    await assert.rejects(sdk.addCert({ ...cert, name: 'nope' }), (e) => e.response?.status === 403);
  });
});
