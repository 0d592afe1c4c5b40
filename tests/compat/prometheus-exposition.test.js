// Ferrodoor's /api/metrics read by Prometheus' own text-format parser (Python's
// prometheus_client, pytest python/test_prometheus_exposition.py) after known traffic.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Admin, ADMIN_PASSWORD, startServer } from './support/ferrodoor.js';
import { postJson } from '../support/ferrodoor.mjs';

const HERE = import.meta.dirname;
const PYTHON = process.env.FERRODOOR_COMPAT_PYTHON ?? path.join(HERE, '.venv', 'bin', 'python');

let server;

before(async () => {
  server = await startServer('prometheus-exposition');
});

after(async () => {
  await server?.stop();
});

test('prometheus_client parses /api/metrics and sees the known traffic', async (t) => {
  const admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  for (const password of ['wrong-1', 'wrong-2']) {
    const refused = await postJson(`${server.base}/api/login`, { organization: 'built-in', username: 'admin', password });
    assert.equal(refused.status, 401);
  }
  const app = await admin.addApplication({ name: 'scraped', organization: 'built-in', grantTypes: ['password'] });
  const form = new URLSearchParams({
    grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret,
    username: 'admin', password: ADMIN_PASSWORD,
  });
  const token = await fetch(`${server.base}/api/login/oauth/access_token`, { method: 'POST', body: form });
  assert.equal(token.status, 200, await token.text());

  const scrape = await fetch(`${server.base}/api/metrics`, { headers: { Cookie: admin.cookie } });
  assert.equal(scrape.status, 200);
  assert.match(scrape.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferrodoor-metrics-')), 'metrics.txt');
  fs.writeFileSync(file, await scrape.text());

  assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: see casdoor-python-sdk.test.js`);
  const run = spawnSync(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'python/test_prometheus_exposition.py'], {
    cwd: HERE,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, COMPAT_METRICS_FILE: file },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  t.diagnostic(`pytest: ${output.trim().split('\n').at(-1)}`);
  assert.equal(run.status, 0, `pytest failed (exit ${run.status}):\n${output}`);
});
