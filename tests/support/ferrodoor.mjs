// The launcher the node suites share (tests/console, tests/compat, sdk/miniprogram): the real
// `ferrodoor` binary on a free loopback port with a throw-away SQLite database in a directory
// of its own, its WeChat emulator, their output in log files, and the management API signed
// in as the administrator. Node built-ins only: each package imports it by relative path.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The binary: `FERRODOOR_BIN` (absolute, or relative to the repository root), else the debug build. */
export const BIN = path.resolve(REPO, process.env.FERRODOOR_BIN ?? 'target/debug/ferrodoor');

/** A port nobody listens on right now (bind port 0, close, reuse). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `ferrodoor …args` with its output in `logDir/name.log`; `stop()` ends it. */
function run(name, args, { env, cwd, logDir }) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} does not exist: run \`cargo build -p ferrodoor\` or set FERRODOOR_BIN`);
  }
  fs.mkdirSync(logDir, { recursive: true });
  const logPath = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logPath, 'w');
  // Only what the test sets: no FERRODOOR_* of the caller's shell leaks in.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FERRODOOR_')));
  const child = spawn(BIN, args, { cwd, env: { ...clean, ...env }, stdio: ['ignore', log, log] });
  let exited = null;
  // Whatever happens to the test run, the process does not outlive it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.on('error', (e) => {
    exited ??= `${name} did not start: ${e.message}`;
  });
  child.on('exit', (code, signal) => {
    process.removeListener('exit', reap);
    exited = `${name} exited (${code ?? signal}); see ${logPath}`;
  });
  let stopping = null;
  return {
    exited: () => exited,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await gone;
          clearTimeout(timer);
        }
        fs.closeSync(log);
      })();
      return stopping;
    },
  };
}

/** Polls `url` until it answers 200 (30 s at most); stops `proc` if it never does. */
async function waitFor(url, proc) {
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      if (proc.exited()) throw new Error(proc.exited());
      try {
        if ((await fetch(url)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${url} did not answer 200 within 30 s`);
  } catch (e) {
    await proc.stop();
    throw e;
  }
}

/**
 * `ferrodoor wechat-emulator --app <app>…` (`appid:secret[:unionid]`; `app` may be a list) on
 * a free port, its log in `logDir/<logName>.log`. Answers `{ base, stop }` once
 * `/__emulator/stats` answers.
 */
export async function startEmulator({ app, logDir, logName = 'wechat-emulator' }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const apps = [app].flat().flatMap((a) => ['--app', a]);
  const proc = run(logName, ['wechat-emulator', '--listen', `127.0.0.1:${port}`, ...apps], {
    env: {},
    cwd: os.tmpdir(),
    logDir,
  });
  await waitFor(`${base}/__emulator/stats`, proc);
  return { base, stop: () => proc.stop() };
}

/**
 * `ferrodoor serve` on a free port with a fresh SQLite database (or `databaseUrl`), its log in
 * `logDir/<logName>.log`. It runs in `dir` (kept), else in a new temporary directory named
 * `<tmpPrefix>…` (removed by `stop()`), so no ferrodoor.toml or conf/app.conf is picked up.
 * `env` (or its older name `extraEnv`): more `FERRODOOR_*` settings (e.g. a webhook receiver on
 * loopback allowed). Answers `{ base, dir, stop }` once `/api/health` answers.
 */
export async function startServer({
  adminPassword,
  wechatApiBase,
  logDir,
  logName = 'ferrodoor',
  dir,
  tmpPrefix = 'ferrodoor-',
  databaseUrl,
  env: moreEnv = {},
  extraEnv = {},
}) {
  const port = await freePort();
  const cwd = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  const removeDir = () => {
    if (!dir) fs.rmSync(cwd, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const env = {
    FERRODOOR_LISTEN: `127.0.0.1:${port}`,
    FERRODOOR_DATABASE_URL: databaseUrl ?? `sqlite://${path.join(cwd, 'ferrodoor.db')}`,
    FERRODOOR_ADMIN_PASSWORD: adminPassword,
    FERRODOOR_LOG: 'info',
    // Every request of a suite comes from 127.0.0.1: a per-client limit no suite reaches.
    FERRODOOR_RATE_LIMIT_PER_MINUTE: '100000',
    FERRODOOR_RATE_LIMIT_BURST: '100000',
  };
  if (wechatApiBase) env.FERRODOOR_WECHAT_API_BASE = wechatApiBase;
  Object.assign(env, moreEnv, extraEnv);
  let proc;
  try {
    proc = run(logName, ['serve'], { env, cwd, logDir });
    await waitFor(`${base}/api/health`, proc);
  } catch (e) {
    removeDir();
    throw e;
  }
  return {
    base,
    dir: cwd,
    async stop() {
      await proc.stop();
      removeDir();
    },
  };
}

/** POSTs `body` as JSON; answers `{ status, data, headers }` (`data` is the text unless JSON). */
export async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  return { status: response.status, data, headers: response.headers };
}

/** The management API, signed in by cookie (built-in/admin unless told otherwise). */
export class Admin {
  constructor(base, cookie) {
    this.base = base;
    this.cookie = cookie;
  }

  static async signIn(base, password, { organization = 'built-in', username = 'admin' } = {}) {
    const login = await postJson(`${base}/api/login`, { organization, username, password, type: 'login' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    if (login.status !== 200 || !cookie.startsWith('ferrodoor_session=')) {
      throw new Error(`admin sign-in failed: ${login.status} ${JSON.stringify(login.data)}`);
    }
    return new Admin(base, cookie);
  }

  /** A management call (throws unless it answers 200 with `status: "ok"`); answers the body. */
  async post(endpoint, body) {
    const answer = await postJson(`${this.base}${endpoint}`, body, { Cookie: this.cookie, Origin: this.base });
    if (answer.status !== 200 || answer.data?.status !== 'ok') {
      throw new Error(`${endpoint}: ${answer.status} ${JSON.stringify(answer.data)}`);
    }
    return answer.data;
  }

  /** A management GET (throws unless it answers 200 with `status: "ok"`); answers the body. */
  async get(endpoint) {
    const response = await fetch(`${this.base}${endpoint}`, { headers: { Cookie: this.cookie } });
    const data = await response.json();
    if (response.status !== 200 || data?.status !== 'ok') {
      throw new Error(`${endpoint}: ${response.status} ${JSON.stringify(data)}`);
    }
    return data;
  }

  /** `add-application`; answers the created application (with its clientId and clientSecret). */
  async addApplication(body) {
    const { data2 } = await this.post('/api/add-application', body);
    if (!data2?.clientId || !data2?.clientSecret) throw new Error(`add-application answered ${JSON.stringify(data2)}`);
    return data2;
  }
}
