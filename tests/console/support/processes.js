// The processes the browser tests run against: the `ferrodoor` binary (a temporary SQLite
// database, a free loopback port) and its WeChat emulator. Their output goes to log files
// next to the screenshots.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The binary: `FERRODOOR_BIN` (relative to the repository root), else the debug build. */
export const BIN = path.resolve(REPO, process.env.FERRODOOR_BIN ?? 'target/debug/ferrodoor');

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `ferrodoor …args`; `ready()` answers once the process serves. */
function run(name, args, { env, cwd, logDir }) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} does not exist: run \`cargo build -p ferrodoor\` or set FERRODOOR_BIN`);
  }
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'w');
  // Only what the test sets: no FERRODOOR_* of the caller's shell leaks in.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FERRODOOR_')));
  const child = spawn(BIN, args, { cwd, env: { ...clean, ...env }, stdio: ['ignore', log, log] });
  let exited = null;
  // Whatever happens to the test run, the process does not outlive it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.on('exit', (code, signal) => {
    process.removeListener('exit', reap);
    exited = `${name} exited (${code ?? signal}); see ${path.join(logDir, `${name}.log`)}`;
  });
  return {
    child,
    exited: () => exited,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      fs.closeSync(log);
    },
  };
}

/** Polls `url` until it answers 200 (30 s at most). */
async function waitFor(url, process) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (process.exited()) throw new Error(process.exited());
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

export async function startEmulator({ app, logDir }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const emulator = run('wechat-emulator', ['wechat-emulator', '--listen', `127.0.0.1:${port}`, '--app', app], {
    env: {},
    cwd: os.tmpdir(),
    logDir,
  });
  await waitFor(`${base}/__emulator/stats`, emulator);
  return { base, stop: () => emulator.stop() };
}

export async function startServer({ adminPassword, wechatApiBase, logDir }) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrodoor-console-'));
  const base = `http://127.0.0.1:${port}`;
  const server = run('ferrodoor', ['serve'], {
    // A directory of its own: no ferrodoor.toml or conf/app.conf is picked up.
    cwd: dir,
    env: {
      FERRODOOR_LISTEN: `127.0.0.1:${port}`,
      FERRODOOR_DATABASE_URL: `sqlite://${path.join(dir, 'console.db')}`,
      FERRODOOR_ADMIN_PASSWORD: adminPassword,
      FERRODOOR_WECHAT_API_BASE: wechatApiBase,
      FERRODOOR_LOG: 'info',
    },
    logDir,
  });
  await waitFor(`${base}/api/health`, server);
  return {
    base,
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The management API from the test itself (to make data in bulk), signed in by cookie. */
export class Api {
  constructor(base, cookie) {
    this.base = base;
    this.cookie = cookie;
  }

  static async signIn(base, organization, username, password) {
    const response = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization, username, password, type: 'login' }),
    });
    if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
    const cookie = response.headers.get('set-cookie').split(';')[0];
    return new Api(base, cookie);
  }

  async post(endpoint, body) {
    const response = await fetch(`${this.base}${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: this.cookie, Origin: this.base },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${endpoint}: ${response.status} ${answer.msg}`);
    return answer;
  }
}
