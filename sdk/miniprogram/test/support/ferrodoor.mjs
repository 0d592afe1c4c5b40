// The real thing the SDK tests run against: the `ferrodoor` binary serving a fresh SQLite
// database on a free loopback port, talking to its own WeChat emulator. Both write their
// output to log files in a temporary directory (kept and named when a test fails).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The binary: `FERRODOOR_BIN` (absolute, or relative to the repository root), else the debug build. */
export const BIN = path.resolve(REPO, process.env.FERRODOOR_BIN ?? 'target/debug/ferrodoor');

export const APPID = 'wx1234567890abcdef';
const APP_SECRET = 's3cret';
const ADMIN_PASSWORD = 'sdk-tests-admin-password';

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

function run(name, args, { env, cwd, logDir }) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} does not exist: run \`cargo build -p ferrodoor\` or set FERRODOOR_BIN`);
  }
  const logPath = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logPath, 'w');
  // Only what the test sets: no FERRODOOR_* of the caller's shell leaks in.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FERRODOOR_')));
  const child = spawn(BIN, args, { cwd, env: { ...clean, ...env }, stdio: ['ignore', log, log] });
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = `${name} exited (${code ?? signal}); see ${logPath}`;
  });
  return {
    exited: () => exited,
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
      fs.closeSync(log);
    },
  };
}

async function waitFor(url, proc) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(proc.exited());
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

async function postJson(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
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

/**
 * Starts the emulator and the server, signs in as admin and creates the organization
 * `test`, the WeChat Mini Program provider and the application `mini` (which also allows
 * the password grant, for the users who sign in without WeChat).
 */
export async function startFerrodoor() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrodoor-sdk-'));
  const [wechatPort, port] = [await freePort(), await freePort()];
  const emulatorBase = `http://127.0.0.1:${wechatPort}`;
  const base = `http://127.0.0.1:${port}`;
  const emulator = run(
    'wechat-emulator',
    ['wechat-emulator', '--listen', `127.0.0.1:${wechatPort}`, '--app', `${APPID}:${APP_SECRET}:unionid`],
    { env: {}, cwd: dir, logDir: dir },
  );
  const server = run('ferrodoor', ['serve'], {
    // A directory of its own: no ferrodoor.toml or conf/app.conf is picked up.
    cwd: dir,
    env: {
      FERRODOOR_LISTEN: `127.0.0.1:${port}`,
      FERRODOOR_DATABASE_URL: `sqlite://${path.join(dir, 'sdk.db')}`,
      FERRODOOR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      FERRODOOR_WECHAT_API_BASE: emulatorBase,
      FERRODOOR_LOG: 'info',
    },
    logDir: dir,
  });
  const stop = async () => {
    await server.stop();
    await emulator.stop();
  };
  try {
    await waitFor(`${emulatorBase}/__emulator/stats`, emulator);
    await waitFor(`${base}/api/health`, server);

    const login = await postJson(`${base}/api/login`, {
      organization: 'built-in',
      username: 'admin',
      password: ADMIN_PASSWORD,
      type: 'login',
    });
    if (login.status !== 200) throw new Error(`admin sign-in: ${login.status} ${JSON.stringify(login.data)}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const admin = async (endpoint, body) => {
      const answer = await postJson(`${base}${endpoint}`, body, { cookie, origin: base });
      if (answer.status !== 200 || answer.data.status !== 'ok') {
        throw new Error(`${endpoint}: ${answer.status} ${JSON.stringify(answer.data)}`);
      }
      return answer.data;
    };
    await admin('/api/add-organization', { owner: 'admin', name: 'test', displayName: 'Test' });
    await admin('/api/add-provider', {
      owner: 'admin',
      name: 'wx',
      category: 'OAuth',
      type: 'WeChatMiniProgram',
      clientId: APPID,
      clientSecret: APP_SECRET,
    });
    const app = await admin('/api/add-application', {
      owner: 'admin',
      name: 'mini',
      organization: 'test',
      enableSignUp: true,
      grantTypes: ['password'],
      providers: [{ owner: 'admin', name: 'wx' }],
    });
    const clientId = app.data2?.clientId;
    if (!clientId) throw new Error(`add-application answered no clientId: ${JSON.stringify(app)}`);

    return {
      base,
      emulatorBase,
      clientId,
      logDir: dir,
      /** A management call as admin (throws unless it answers ok). */
      admin,
      /** Sets a fault in the emulator: `{mode, count}`. */
      async fault(body) {
        const answer = await postJson(`${emulatorBase}/__emulator/faults`, body);
        if (answer.status !== 200) throw new Error(`faults: ${answer.status} ${JSON.stringify(answer.data)}`);
      },
      /** A phone code for `getPhoneNumber`, as WeChat would hand it to `user`. */
      async phoneCode(user, phone) {
        const answer = await postJson(`${emulatorBase}/__emulator/phone-code`, { appid: APPID, user, phone });
        if (answer.status !== 200 || !answer.data.code) {
          throw new Error(`phone-code: ${answer.status} ${JSON.stringify(answer.data)}`);
        }
        return answer.data.code;
      },
      /** A raw form POST to the token endpoint (what a non-mini-program client does). */
      async token(params) {
        const response = await fetch(`${base}/api/login/oauth/access_token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params).toString(),
        });
        return { status: response.status, data: await response.json() };
      },
      /** `GET /api/get-account` with a Bearer token, bypassing the SDK. */
      async account(accessToken) {
        const response = await fetch(`${base}/api/get-account`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        return { status: response.status, data: await response.json() };
      },
      stop,
      removeLogs() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stop();
    throw new Error(`${e.message} (logs in ${dir})`);
  }
}
