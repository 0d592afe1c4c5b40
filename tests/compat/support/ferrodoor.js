// What every compatibility test needs: the real `ferrodoor` binary on a free loopback port
// with a throw-away SQLite database, its WeChat emulator, the management API signed in as
// the administrator, and a "browser" that signs in on the hosted page with plain fetch.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../../..');
/** The binary: `FERRODOOR_BIN` (relative to the repository root), else the debug build. */
export const BIN = path.resolve(REPO, process.env.FERRODOOR_BIN ?? 'target/debug/ferrodoor');
/** Server and emulator output, kept for a failed CI run. */
export const LOG_DIR = path.join(REPO, 'test-artifacts', 'compat');

export const ADMIN_PASSWORD = 'compat-admin-password-1';
export const APPID = 'wx1234567890abcdef';
export const APPSECRET = 's3cret';

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

function run(name, args, { env, cwd }) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`${BIN} does not exist: run \`cargo build -p ferrodoor\` or set FERRODOOR_BIN`);
  }
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logPath = path.join(LOG_DIR, `${name}.log`);
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

/** Polls `url` until it answers 200 (30 s at most). */
async function waitFor(url, proc) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exited()) throw new Error(proc.exited());
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer 200 within 30 s`);
}

/** `ferrodoor wechat-emulator` with one mini program bound to an open platform. */
export async function startEmulator(label) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = run(`${label}-wechat-emulator`, ['wechat-emulator', '--listen', `127.0.0.1:${port}`, '--app', `${APPID}:${APPSECRET}:unionid`], {
    env: {},
    cwd: os.tmpdir(),
  });
  await waitFor(`${base}/__emulator/stats`, proc);
  return {
    base,
    stop: () => proc.stop(),
    /** What `wx.login()` gives the phone: a fresh one-time code for `user`. */
    async loginCode(user) {
      const response = await fetch(`${base}/__emulator/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ appid: APPID, user }),
      });
      if (response.status !== 200) throw new Error(`emulator login: ${response.status}`);
      return (await response.json()).code;
    },
  };
}

/** `ferrodoor serve` on a free port with a fresh database; answers its base URL. */
export async function startServer(label, { wechatApiBase } = {}) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ferrodoor-compat-${label}-`));
  const base = `http://127.0.0.1:${port}`;
  const env = {
    FERRODOOR_LISTEN: `127.0.0.1:${port}`,
    FERRODOOR_DATABASE_URL: `sqlite://${path.join(dir, `${randomUUID()}.db`)}`,
    FERRODOOR_ADMIN_PASSWORD: ADMIN_PASSWORD,
    FERRODOOR_LOG: 'info',
  };
  if (wechatApiBase) env.FERRODOOR_WECHAT_API_BASE = wechatApiBase;
  // A directory of its own: no ferrodoor.toml or conf/app.conf is picked up.
  const proc = run(`${label}-ferrodoor`, ['serve'], { env, cwd: dir });
  await waitFor(`${base}/api/health`, proc);
  return {
    base,
    async stop() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The management API, signed in with the administrator's cookie. */
export class Admin {
  constructor(base, cookie) {
    this.base = base;
    this.cookie = cookie;
  }

  static async signIn(base) {
    const response = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ organization: 'built-in', username: 'admin', password: ADMIN_PASSWORD, type: 'login' }),
    });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0];
    if (response.status !== 200 || !cookie.startsWith('ferrodoor_session=')) {
      throw new Error(`admin sign-in failed: ${response.status} ${await response.text()}`);
    }
    return new Admin(base, cookie);
  }

  async post(endpoint, body) {
    const response = await fetch(`${this.base}${endpoint}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: this.cookie },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (response.status !== 200 || answer.status !== 'ok') {
      throw new Error(`${endpoint}: ${response.status} ${JSON.stringify(answer)}`);
    }
    return answer;
  }

  /** `add-application`; answers the created application (with its clientId and clientSecret). */
  async addApplication(body) {
    const { data2 } = await this.post('/api/add-application', body);
    if (!data2?.clientId || !data2?.clientSecret) throw new Error(`add-application answered ${JSON.stringify(data2)}`);
    return data2;
  }
}

/** Decodes a JWT's payload without verifying it (to compare with what a library verified). */
export function jwtPayload(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/** The same JWT with one bit of its signature flipped. */
export function tamperSignature(jwt) {
  const [h, p, s] = jwt.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[sig.length - 1] ^= 0x01;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

/** The same JWT with a changed claim and the original signature. */
export function tamperClaim(jwt, claim, value) {
  const [h, p, s] = jwt.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  payload[claim] = value;
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

/**
 * Plays the browser on the hosted sign-in page: GET the authorization URL (must be the
 * HTML form), then POST the form's hidden fields with the credentials. Answers the
 * `Location` of the 303 (the client's callback URL with `code` and `state`).
 */
export async function signInOnHostedPage(authorizationUrl, username, password) {
  const url = new URL(authorizationUrl);
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200 || !/<form[^>]+method="post"/.test(html)) {
    throw new Error(`the authorization endpoint did not show the sign-in form: ${page.status} ${html.slice(0, 300)}`);
  }
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(name, unescapeHtml(value));
  }
  form.append('username', username);
  form.append('password', password);
  const action = new URL(html.match(/<form[^>]+action="([^"]+)"/)[1], url);
  const submitted = await fetch(action, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  const location = submitted.headers.get('location');
  if (submitted.status !== 303 || !location) {
    throw new Error(`sign-in on the hosted page answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
  }
  return new URL(location, action);
}

function unescapeHtml(s) {
  return s
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

/** The signing certificate as PEM, from the JWKS's `x5c` (what Casdoor's SDKs are configured with). */
export async function certificatePem(base, kid) {
  const response = await fetch(`${base}/.well-known/jwks`);
  const { keys } = await response.json();
  const key = kid ? keys.find((k) => k.kid === kid) : keys[0];
  if (!key?.x5c?.[0]) throw new Error(`no x5c in the JWKS: ${JSON.stringify(keys)}`);
  const lines = key.x5c[0].match(/.{1,64}/g).join('\n');
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

/** An error's message with the messages of its causes (openid-client nests the detail). */
export function errorText(e) {
  const parts = [];
  for (let c = e; c && parts.length < 6; c = Array.isArray(c.cause) ? null : c.cause) {
    parts.push(`${c.name ?? ''}: ${c.message ?? ''}`);
  }
  return parts.join(' <- ');
}

/**
 * Awaits a call that must fail, and answers the OAuth error code the server sent: the JSON
 * body's `error` (openid-client's ResponseBodyError), or for a 401 with a `WWW-Authenticate`
 * challenge (RFC 6749 §5.2, client authentication failed), the body of that response.
 */
export async function oauthErrorOf(promise) {
  try {
    await promise;
  } catch (e) {
    if (e.error) return e.error;
    if (e.response && typeof e.response.json === 'function') {
      const body = await e.response.clone().json().catch(() => ({}));
      return `${e.response.status} ${body.error}`;
    }
    return errorText(e);
  }
  return 'no error';
}

/** A known incompatibility: `fn` must fail with `expected`; if it passes, the gap is closed. */
export async function knownIncompatibility(expected, fn) {
  let failure;
  try {
    await fn();
  } catch (e) {
    failure = e;
  }
  if (!failure) {
    throw new Error('this known incompatibility is fixed: turn the test back into a plain one (and update the README)');
  }
  const text = describeError(failure);
  if (!expected.test(text)) throw failure;
}

/** A short account of an error; for an axios error (Casdoor's SDK), the request and the answer. */
export function describeError(e) {
  if (e?.isAxiosError || e?.response?.config) {
    const { config, response } = e;
    return `${config?.method?.toUpperCase()} ${config?.baseURL ?? ''}/${config?.url} ${config?.data ?? ''} -> ${response?.status} ${JSON.stringify(response?.data)}`;
  }
  return errorText(e);
}
