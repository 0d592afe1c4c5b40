// The real thing the SDK tests run against: the `ferrodoor` binary serving a fresh SQLite
// database on a free loopback port, talking to its own WeChat emulator. Both write their
// output to log files in a temporary directory (kept and named when a test fails).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Admin, postJson, startEmulator, startServer } from '../../../../tests/support/ferrodoor.mjs';

// Processes and the management API come from the launcher the node suites share.
export { BIN } from '../../../../tests/support/ferrodoor.mjs';

export const APPID = 'wx1234567890abcdef';
const APP_SECRET = 's3cret';
const ADMIN_PASSWORD = 'sdk-tests-admin-password';
/** The relying party of the website `site` (never contacted: its code is read from the poll). */
const SITE_REDIRECT = 'http://rp.example/cb';

/**
 * Starts the emulator and the server, signs in as admin and creates the organization
 * `test`, the WeChat Mini Program provider and the application `mini` (which also allows
 * the password grant, for the users who sign in without WeChat).
 */
export async function startFerrodoor() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferrodoor-sdk-'));
  let emulator;
  let server;
  const stop = async () => {
    await server?.stop();
    await emulator?.stop();
  };
  try {
    emulator = await startEmulator({ app: `${APPID}:${APP_SECRET}:unionid`, logDir: dir });
    const emulatorBase = emulator.base;
    // The database and both logs in one directory, kept when a test fails.
    server = await startServer({ adminPassword: ADMIN_PASSWORD, wechatApiBase: emulatorBase, logDir: dir, dir });
    const { base } = server;
    let site;

    const api = await Admin.signIn(base, ADMIN_PASSWORD);
    const admin = (endpoint, body) => api.post(endpoint, body);
    await admin('/api/add-organization', { owner: 'admin', name: 'test', displayName: 'Test' });
    await admin('/api/add-provider', {
      owner: 'admin',
      name: 'wx',
      category: 'OAuth',
      type: 'WeChatMiniProgram',
      clientId: APPID,
      clientSecret: APP_SECRET,
    });
    const { clientId } = await api.addApplication({
      owner: 'admin',
      name: 'mini',
      organization: 'test',
      enableSignUp: true,
      grantTypes: ['password'],
      providers: [{ owner: 'admin', name: 'wx' }],
    });

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
      /**
       * A computer's sign-in page for the website `site` (created on first use: organization
       * `test`, the mini program `wx` as its provider): the scene its code shows, a poll
       * with its browser's cookie, and the site (`clientId`, `clientSecret`, `redirect`).
       */
      async computer(userAgent = 'Mozilla/5.0 (X11; Linux x86_64) sdk-test-computer') {
        site ??= await api
          .addApplication({
            owner: 'admin',
            name: 'site',
            displayName: 'Acme Shop',
            organization: 'test',
            enableSignUp: true,
            redirectUris: [SITE_REDIRECT],
            grantTypes: ['authorization_code'],
            providers: [{ owner: 'admin', name: 'wx', canSignUp: true, canSignIn: true }],
          })
          .then((app) => ({ ...app, redirect: SITE_REDIRECT }));
        const query = new URLSearchParams({
          client_id: site.clientId,
          response_type: 'code',
          redirect_uri: SITE_REDIRECT,
          scope: 'openid',
          state: 'rp-state',
        });
        const page = await fetch(`${base}/login/wechat/scan?${query}`, { headers: { 'user-agent': userAgent } });
        const html = await page.text();
        if (page.status !== 200) throw new Error(`scan page: ${page.status} ${html}`);
        const cookie = page.headers.get('set-cookie').split(';')[0];
        const scene = html.match(/data-scene="([^"]+)"/)[1];
        const poll = async () => {
          const answer = await fetch(`${base}/login/wechat/scan/status?scene=${scene}`, { headers: { cookie } });
          return { status: answer.status, body: await answer.json() };
        };
        return { scene, poll, site };
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
