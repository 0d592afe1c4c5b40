// What every compatibility test needs: the real `ferrodoor` binary on a free loopback port
// with a throw-away SQLite database, its WeChat emulator, the management API signed in as
// the administrator, and a "browser" that signs in on the hosted page with plain fetch.

import path from 'node:path';

import { REPO, startEmulator as emulator, startServer as server, postJson } from '../../support/ferrodoor.mjs';

// Processes, free ports and the management API come from the launcher the node suites share.
export { Admin, BIN, freePort, REPO } from '../../support/ferrodoor.mjs';

/** Server and emulator output, kept for a failed CI run. */
export const LOG_DIR = path.join(REPO, 'test-artifacts', 'compat');

export const ADMIN_PASSWORD = 'compat-admin-password-1';
export const APPID = 'wx1234567890abcdef';
export const APPSECRET = 's3cret';

/** `ferrodoor wechat-emulator` with one mini program bound to an open platform. */
export async function startEmulator(label) {
  const { base, stop } = await emulator({
    app: `${APPID}:${APPSECRET}:unionid`,
    logDir: LOG_DIR,
    logName: `${label}-wechat-emulator`,
  });
  return {
    base,
    stop,
    /** What `wx.login()` gives the phone: a fresh one-time code for `user`. */
    async loginCode(user) {
      const answer = await postJson(`${base}/__emulator/login`, { appid: APPID, user });
      if (answer.status !== 200) throw new Error(`emulator login: ${answer.status}`);
      return answer.data.code;
    },
  };
}

/** `ferrodoor serve` on a free port with a fresh database; answers `{ base, stop }`. */
export function startServer(label, { wechatApiBase } = {}) {
  return server({
    adminPassword: ADMIN_PASSWORD,
    wechatApiBase,
    logDir: LOG_DIR,
    logName: `${label}-ferrodoor`,
    tmpPrefix: `ferrodoor-compat-${label}-`,
  });
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
