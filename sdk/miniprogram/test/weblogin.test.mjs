// scanWebLogin / confirmWebLogin / cancelWebLogin (the SDK's dist/) against the real server:
// a computer opens the sign-in page of the website `site`, whose code's scene is the ticket;
// the mini program answers with its own session; the page's poll learns the outcome.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { startFerrodoor } from './support/ferrodoor.mjs';
import { nodeWx } from './support/wx.mjs';

const require = createRequire(import.meta.url);
const { AuthError, ConflictError, FerrodoorClient, FerrodoorError, ForbiddenError } = require('../dist/index.js');

const REDIRECT = 'http://rp.example/cb';
const PC_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) sdk-weblogin-test';
const SCAN = '/api/wechat/scan-login';

let fd;
let site;
before(async () => {
  fd = await startFerrodoor();
});
after(async () => {
  await fd?.stop();
  if (fd && !process.env.FERRODOOR_KEEP_LOGS) fd.removeLogs();
});

let serial = 0;
const someone = (prefix) => `${prefix}-${process.pid}-${++serial}`;

/** A mini program signed in as `user`. */
async function phoneOf(user) {
  const wx = nodeWx({ emulatorBase: fd.emulatorBase, user });
  const client = new FerrodoorClient({ origin: fd.base, clientId: fd.clientId, wx });
  await client.login();
  return { wx, client };
}

/** A computer's sign-in page: its scene and its poll. */
async function computer() {
  const pc = await fd.computer(PC_AGENT);
  site = pc.site;
  return pc;
}

/** The account behind the relying party's `location` (its code exchanged). */
async function accountAt(location) {
  const url = new URL(location);
  assert.equal(url.searchParams.get('state'), 'rp-state');
  const tokens = await fd.token({
    grant_type: 'authorization_code',
    client_id: site.clientId,
    client_secret: site.clientSecret,
    code: url.searchParams.get('code'),
    redirect_uri: REDIRECT,
  });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.data));
  return (await fd.account(tokens.data.access_token)).data.data;
}

test('scanWebLogin shows what asks, confirmWebLogin signs the computer in as the phone’s person', async () => {
  const { wx, client } = await phoneOf(someone('alice'));
  const me = await client.getAccount();
  const pc = await computer();
  assert.equal((await pc.poll()).body.data.status, 'waiting');

  const view = await client.scanWebLogin(pc.scene);
  assert.equal(view.scene, pc.scene);
  assert.equal(view.status, 'scanned');
  assert.equal(view.application, 'Acme Shop');
  assert.equal(view.organization, 'test');
  assert.equal(view.requesterAgent, PC_AGENT);
  assert.equal(view.requesterIp, '127.0.0.1');
  assert.ok(view.expiresIn > 0 && view.expiresIn <= 120, String(view.expiresIn));
  assert.ok(!Number.isNaN(Date.parse(view.createdTime)), view.createdTime);
  const [sent] = wx.to(SCAN);
  assert.equal(sent.method, 'POST');
  assert.equal(sent.contentType, 'application/json');
  assert.match(sent.authorization, /^Bearer \S+$/);
  assert.deepEqual(JSON.parse(sent.body), { scene: pc.scene, action: 'scan' });
  assert.equal((await pc.poll()).body.data.status, 'scanned');

  // The scene as WeChat hands it to the page (URL-encoded) is accepted as well.
  const confirmed = await client.confirmWebLogin(encodeURIComponent(pc.scene));
  assert.equal(confirmed.status, 'confirmed');
  const done = await pc.poll();
  assert.equal(done.body.data.status, 'confirmed');
  assert.ok(done.body.data.location.startsWith(`${REDIRECT}?`), done.body.data.location);
  const account = await accountAt(done.body.data.location);
  assert.equal(`${account.owner}/${account.name}`, `${me.owner}/${me.name}`);
  // Once: the ticket is used, answering it again is refused.
  await assert.rejects(client.confirmWebLogin(pc.scene), ConflictError);
});

test('cancelWebLogin: the page learns it, nobody is signed in, the ticket cannot be confirmed', async () => {
  const { client } = await phoneOf(someone('bob'));
  const pc = await computer();
  await client.scanWebLogin(pc.scene);
  const cancelled = await client.cancelWebLogin(pc.scene);
  assert.equal(cancelled.status, 'cancelled');
  const poll = await pc.poll();
  assert.equal(poll.body.data.status, 'cancelled');
  assert.equal(poll.body.data.location, undefined);
  const error = await client.confirmWebLogin(pc.scene).catch((e) => e);
  assert.ok(error instanceof ConflictError, String(error));
  assert.equal(error.status, 409);
});

test('the errors a mini program meets, each its own class; nothing is sent without a scene or session', async () => {
  const { client: carol } = await phoneOf(someone('carol'));
  const { client: dave } = await phoneOf(someone('dave'));
  const pc = await computer();

  // Confirm before scan: the person must see what asks first.
  const early = await carol.confirmWebLogin(pc.scene).catch((e) => e);
  assert.ok(early instanceof FerrodoorError && early.status === 400, String(early));
  assert.match(early.message, /scan the code first/);

  await carol.scanWebLogin(pc.scene);
  // Someone else answering Carol's scan.
  for (const answer of ['scanWebLogin', 'confirmWebLogin', 'cancelWebLogin']) {
    const e = await dave[answer](pc.scene).catch((x) => x);
    assert.ok(e instanceof ForbiddenError, `${answer}: ${e}`);
  }
  assert.equal((await pc.poll()).body.data.status, 'scanned');

  const unknown = await carol.scanWebLogin('no-such-scene-0000000000').catch((e) => e);
  assert.ok(unknown instanceof FerrodoorError && unknown.status === 404, String(unknown));

  const wx = nodeWx({ emulatorBase: fd.emulatorBase, user: someone('erin') });
  const signedOut = new FerrodoorClient({ origin: fd.base, clientId: fd.clientId, wx });
  const notSignedIn = await signedOut.scanWebLogin(pc.scene).catch((e) => e);
  assert.ok(notSignedIn instanceof AuthError && notSignedIn.code === 'not_signed_in', String(notSignedIn));
  await assert.rejects(carol.scanWebLogin(''), TypeError);
  await assert.rejects(carol.scanWebLogin(undefined), TypeError);
  assert.equal(wx.requests.length, 0);
});
