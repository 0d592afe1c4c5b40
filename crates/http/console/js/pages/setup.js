// "Mini program setup" of an application: the exact values and code for the mini program,
// and a test login against the WeChat emulator when the server talks to one.

import { h } from '../dom.js';
import { GLOBAL_OWNER, api, idOf } from '../api.js';
import { href } from '../router.js';
import { buildForm } from '../form.js';
import { isMiniProgram } from '../providers-kind.js';
import { badge, button, copyText, copyable, facts, linkButton, notice, pageHeader, section, shortTime } from '../ui.js';
import { miniProgramFiles } from './snippet.js';

const TOKEN_PATH = '/api/login/oauth/access_token';

/**
 * Whether WeChat's API base is the emulator and answers: `null` when the server talks to
 * WeChat itself, else `{ base, reachable, stats | error }`.
 */
export async function probeEmulator(info) {
  const base = String(info.wechatApiBase ?? '').replace(/\/+$/, '');
  let host;
  try {
    host = new URL(base).hostname;
  } catch {
    return null;
  }
  if (host.endsWith('weixin.qq.com')) return null;
  try {
    const response = await fetch(`${base}/__emulator/stats`, {
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { base, reachable: true, stats: await response.json() };
  } catch (error) {
    return { base, reachable: false, error: error.message };
  }
}

export async function renderSetup(view, { route, info }) {
  const name = route.parts[1];
  const [app, emulator] = await Promise.all([
    api.get('/api/get-application', { id: idOf(GLOBAL_OWNER, name) }).then((a) => a.data),
    probeEmulator(info),
  ]);
  const origin = info.origin;
  const item = (app.providers ?? []).find((i) => isMiniProgram(i.provider));
  const provider = item?.provider ?? null;
  const tokenEndpoint = `${origin}${TOKEN_PATH}`;

  view.replaceChildren(
    pageHeader('Mini program setup', {
      subtitle: `Application ${app.displayName || app.name} · organization ${app.organization}`,
      back: { href: href(['application', name]), label: app.displayName || app.name },
    }),
    checks(app, provider, origin),
    section(
      'Values for the mini program',
      facts([
        ['Server origin', copyable(origin)],
        ['client_id', copyable(app.clientId)],
        ['Token endpoint', copyable(tokenEndpoint)],
        ['AppID', provider ? copyable(provider.clientId) : '—'],
      ]),
      h(
        'p',
        { class: 'field-help' },
        'The mini program sends tag=wechat_miniprogram, client_id and its wx.login code, form-encoded, to the token endpoint; the answer’s access_token is a Bearer token for the user’s own APIs.',
      ),
    ),
    section('Code', miniProgramFiles({ origin, clientId: app.clientId, appName: app.name }).map(codeBlock)),
    testLogin({ app, provider, emulator }),
  );
}

function checks(app, provider, origin) {
  const rows = [
    provider
      ? ['ok', `Mini program login uses provider “${provider.name}” (AppID ${provider.clientId}).`]
      : ['error', 'No WeChat Mini Program provider: add one to the application, or mini program login is refused.'],
    app.enableSignUp
      ? ['ok', 'Sign-up is on: a first login creates the user.']
      : ['warning', 'Sign-up is off (login-only mode): only users who already exist can log in.'],
    origin.startsWith('https://')
      ? ['ok', 'The origin is HTTPS, as WeChat requires of request domains.']
      : ['warning', 'The origin is not HTTPS: fine for the developer tools, but WeChat requires HTTPS request domains.'],
  ];
  const icon = { ok: '✓', warning: '!', error: '✗' };
  return section(
    'Checks',
    h(
      'ul',
      { class: 'checks' },
      rows.map(([kind, text]) => h('li', { class: `check check-${kind}` }, h('span', { class: 'check-icon', 'aria-hidden': 'true' }, icon[kind]), text)),
    ),
    provider ? null : linkButton('Edit the application', href(['application', app.name])),
  );
}

function codeBlock({ file, code }) {
  return h(
    'figure',
    { class: 'code' },
    h('figcaption', null, h('span', null, file), button('Copy', () => copyText(code), { kind: 'small' })),
    h('pre', null, h('code', null, code)),
  );
}

function testLogin({ app, provider, emulator }) {
  const title = 'Test login with the WeChat emulator';
  if (!emulator) {
    return section(
      title,
      h(
        'p',
        { class: 'field-help' },
        'This server talks to WeChat itself. To try the flow offline, start ',
        h('code', null, 'ferrodoor wechat-emulator'),
        ' and point FERRODOOR_WECHAT_API_BASE at it.',
      ),
    );
  }
  if (!emulator.reachable) {
    return section(title, notice('warning', `The WeChat emulator at ${emulator.base} does not answer (${emulator.error}).`));
  }
  if (!provider) {
    return section(title, notice('warning', 'Add a WeChat Mini Program provider to the application first.'));
  }
  const steps = h('ol', { class: 'run-steps', 'aria-live': 'polite' });
  const result = h('div', { class: 'test-result' });
  const form = buildForm({
    fields: [
      { name: 'user', label: 'Emulated WeChat user', required: true, help: 'Who is holding the phone: the same name always gives the same openid.' },
      { name: 'nickname', label: 'Nickname (optional)' },
      { name: 'avatar', label: 'Avatar URL (optional)', placeholder: 'https://…' },
    ],
    values: { user: 'alice', nickname: 'Alice' },
    submitLabel: 'Run test login',
    onSubmit: async (values) => {
      steps.replaceChildren();
      result.replaceChildren();
      const step = (text) => {
        const li = h('li', { class: 'run-step' }, text);
        steps.append(li);
        return {
          ok: (detail) => {
            li.classList.add('ok');
            li.append(' ', badge('ok', 'success'), detail ? h('span', { class: 'run-detail' }, ` ${detail}`) : null);
          },
          fail: (detail) => {
            li.classList.add('failed');
            li.append(' ', badge('failed', 'danger'), h('span', { class: 'run-detail' }, ` ${detail}`));
          },
        };
      };
      try {
        const user = await runTestLogin({ emulator, provider, app, values, step });
        result.replaceChildren(signedInUser(user));
      } catch (error) {
        result.replaceChildren(notice('error', error.message));
      }
    },
  });
  return section(
    title,
    h(
      'p',
      { class: 'field-help' },
      `Plays the phone: asks the emulator at ${emulator.base} for a wx.login code, then sends the mini program’s request to the token endpoint.`,
    ),
    form.el,
    steps,
    result,
  );
}

/** Answers the signed-in user, or throws with a message saying which step failed. */
async function runTestLogin({ emulator, provider, app, values, step }) {
  const wxLogin = step(`wx.login() as “${values.user}” (AppID ${provider.clientId})`);
  const codeAnswer = await postJson(`${emulator.base}/__emulator/login`, { appid: provider.clientId, user: values.user });
  if (!codeAnswer.ok) {
    wxLogin.fail(codeAnswer.body?.error ?? `HTTP ${codeAnswer.status}`);
    throw new Error(`The emulator gave no code: ${codeAnswer.body?.error ?? codeAnswer.status}`);
  }
  const code = codeAnswer.body.code;
  wxLogin.ok(`code ${code.slice(0, 6)}…`);

  const exchange = step(`POST ${TOKEN_PATH} with tag=wechat_miniprogram`);
  const form = new URLSearchParams({ tag: 'wechat_miniprogram', client_id: app.clientId, code });
  if (values.nickname) form.set('username', values.nickname);
  if (values.avatar) form.set('avatar', values.avatar);
  const tokenResponse = await fetch(TOKEN_PATH, { method: 'POST', body: form, credentials: 'omit' });
  const tokens = await tokenResponse.json().catch(() => ({}));
  if (!tokenResponse.ok) {
    const why = tokens.error_description || tokens.error || `HTTP ${tokenResponse.status}`;
    exchange.fail(why);
    throw new Error(`The token endpoint refused: ${why}`);
  }
  // Never the whole token: enough to recognise it, not to use it.
  exchange.ok(`access token ${tokens.access_token.slice(0, 12)}… (${tokens.access_token.length} characters, expires in ${tokens.expires_in} s)`);

  const account = step('GET /api/get-account with the Bearer token');
  const accountResponse = await fetch('/api/get-account', {
    headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/json' },
    credentials: 'omit',
  });
  const answer = await accountResponse.json().catch(() => ({}));
  if (!accountResponse.ok || answer.status === 'error') {
    account.fail(answer.msg ?? `HTTP ${accountResponse.status}`);
    throw new Error(`The token did not work: ${answer.msg ?? accountResponse.status}`);
  }
  account.ok(`${answer.data.owner}/${answer.data.name}`);
  return answer.data;
}

async function postJson(url, body) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
    return { ok: response.ok, status: response.status, body: await response.json().catch(() => null) };
  } catch (error) {
    return { ok: false, status: 0, body: { error: error.message } };
  }
}

function signedInUser(user) {
  return h(
    'div',
    { class: 'signed-in' },
    h('h3', null, 'Signed in as'),
    facts([
      ['User', h('a', { href: href(['user', user.owner, user.name]) }, `${user.owner}/${user.name}`)],
      ['Display name', user.displayName || '—'],
      ['WeChat', user.wechat ? h('code', null, user.wechat) : '—'],
      ['Created', shortTime(user.createdTime)],
    ]),
  );
}
