// Casdoor's Python SDK (PyPI `casdoor`): the server and its data are set up here, the SDK
// is exercised by pytest (python/: sign-in and users, authorization) in the virtual environment
// `.venv` beside this file (or the Python named by FERRODOOR_COMPAT_PYTHON):
//
//   python3 -m venv .venv && .venv/bin/pip install -r python/requirements.txt

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Admin, ADMIN_PASSWORD, certificatePem, freePort, signInOnHostedPage, startServer } from './support/ferrodoor.js';

const HERE = import.meta.dirname;
const PYTHON = process.env.FERRODOOR_COMPAT_PYTHON ?? path.join(HERE, '.venv', 'bin', 'python');
const PASSWORD = 'alice-Passw0rd!';

let server;
let app;
let callback;

before(async () => {
  server = await startServer('casdoor-python-sdk');
  const admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  callback = `http://127.0.0.1:${await freePort()}/cb`;
  await admin.post('/api/add-organization', { name: 'acme' });
  await admin.post('/api/add-user', { owner: 'acme', name: 'alice', password: PASSWORD, email: 'alice@example.com' });
  await admin.post('/api/add-user', { owner: 'acme', name: 'erin', displayName: 'Erin' });
  app = await admin.addApplication({
    name: 'web',
    organization: 'acme',
    redirectUris: [callback],
    grantTypes: ['authorization_code', 'refresh_token', 'password'],
  });
});

after(async () => {
  await server?.stop();
});

test('casdoor Python SDK: pytest python/', async (t) => {
  assert.ok(
    fs.existsSync(PYTHON),
    `${PYTHON} is missing: python3 -m venv tests/compat/.venv && tests/compat/.venv/bin/pip install -r tests/compat/python/requirements.txt`,
  );
  // The code the SDK's get_oauth_token exchanges, from its own sign-in link's parameters.
  const authorize = new URL('/login/oauth/authorize', server.base);
  authorize.search = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: callback,
    scope: 'read',
    state: 'web',
  });
  const back = await signInOnHostedPage(authorize, 'alice', PASSWORD);
  const run = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'python/',
    // Run by prometheus-exposition.test.js with the metrics it scraped.
    '--ignore', 'python/test_prometheus_exposition.py'], {
    cwd: HERE,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      COMPAT_ENDPOINT: server.base,
      COMPAT_CLIENT_ID: app.clientId,
      COMPAT_CLIENT_SECRET: app.clientSecret,
      COMPAT_CERTIFICATE: await certificatePem(server.base),
      COMPAT_PASSWORD: PASSWORD,
      COMPAT_CODE: back.searchParams.get('code'),
    },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  t.diagnostic(`pytest: ${output.trim().split('\n').at(-1)}`);
  assert.equal(run.status, 0, `pytest failed (exit ${run.status}):\n${output}`);
});
