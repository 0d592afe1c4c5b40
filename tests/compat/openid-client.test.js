// openid-client (panva, v6; OpenID Certified relying-party library) against the real
// ferrodoor binary: discovery, authorization code + PKCE with ID token validation,
// userinfo, refresh, introspection, revocation, client credentials, and a public client.
//
//   FERRODOOR_BIN=target/debug/ferrodoor node --test     (in tests/compat)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import {
  Admin,
  ADMIN_PASSWORD,
  errorText,
  freePort,
  jwtPayload,
  oauthErrorOf,
  signInOnHostedPage,
  startServer,
  tamperClaim,
  tamperSignature,
} from './support/ferrodoor.js';

const ALICE = { name: 'alice', password: 'alice-Passw0rd!', email: 'alice@example.com' };
// Plain HTTP on loopback; and ID token signatures checked against the JWKS (openid-client
// skips that by default for tokens received directly from the token endpoint over TLS).
const clientOptions = { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] };
const failsWith = (pattern) => (e) => pattern.test(errorText(e)) || assert.fail(errorText(e));

let server;
let admin; // the management API as built-in/admin
let web; // confidential application
let spa; // public client (no secret sent)
let callback; // the registered redirect URI
let alice; // the user as the management API created it

before(async () => {
  server = await startServer('openid-client');
  admin = await Admin.signIn(server.base, ADMIN_PASSWORD);
  callback = `http://127.0.0.1:${await freePort()}/cb`;
  await admin.post('/api/add-organization', { name: 'acme' });
  ({ data2: alice } = await admin.post('/api/add-user', { owner: 'acme', ...ALICE }));
  web = await admin.addApplication({
    name: 'web',
    organization: 'acme',
    redirectUris: [callback],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
  });
  spa = await admin.addApplication({
    name: 'spa',
    organization: 'acme',
    redirectUris: [callback],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
});

after(async () => {
  await server?.stop();
});

/** A confidential client configured by discovery (client_secret_basic unless told). */
function discover(auth = client.ClientSecretBasic(web.clientSecret)) {
  return client.discovery(new URL(server.base), web.clientId, undefined, auth, clientOptions);
}

/**
 * Starts a code + PKCE flow, signs alice in on the hosted page and answers what the
 * relying party then holds: the callback URL and the checks it must pass.
 */
async function authorize(config, { scope = 'openid profile email' } = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callback,
    scope,
    state: expectedState,
    nonce: expectedNonce,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
  });
  const callbackUrl = await signInOnHostedPage(url, ALICE.name, ALICE.password);
  return { callbackUrl, checks: { pkceCodeVerifier, expectedState, expectedNonce } };
}

/** A fetch for `config[client.customFetch]` that rewrites the token endpoint's JSON answer. */
function rewriteTokenResponse(rewrite) {
  return async (url, options) => {
    const response = await fetch(url, options);
    if (!String(url).endsWith('/access_token') || response.status !== 200) return response;
    const body = rewrite(await response.json());
    return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
  };
}

describe('discovery', () => {
  test('the issuer matches the URL exactly and the metadata names the endpoints', async () => {
    const config = await discover();
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, server.base);
    assert.equal(meta.token_endpoint, `${server.base}/api/login/oauth/access_token`);
    assert.equal(meta.jwks_uri, `${server.base}/.well-known/jwks`);
    assert.ok(meta.code_challenge_methods_supported.includes('S256'));
    assert.ok(meta.token_endpoint_auth_methods_supported.includes('none'));
  });

  test('a different issuer identifier is refused by the library', async () => {
    // Same server, other spelling of the host: the discovered issuer does not match.
    const other = new URL(server.base.replace('127.0.0.1', 'localhost'));
    await assert.rejects(
      client.discovery(other, web.clientId, undefined, client.ClientSecretBasic(web.clientSecret), clientOptions),
      failsWith(/issuer/i),
    );
  });
});

describe('authorization code + PKCE (confidential client)', () => {
  let config;
  let tokens;

  before(async () => {
    config = await discover();
  });

  test('the code is exchanged and the ID token validates (signature, iss, aud, exp, iat, nonce)', async () => {
    const { callbackUrl, checks } = await authorize(config);
    assert.equal(callbackUrl.searchParams.get('state'), checks.expectedState);
    assert.ok(callbackUrl.searchParams.get('code'));
    tokens = await client.authorizationCodeGrant(config, callbackUrl, checks);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token && tokens.refresh_token && tokens.id_token);
    assert.ok(tokens.expiresIn() > 0);
    const claims = tokens.claims();
    assert.equal(claims.iss, server.base);
    assert.equal(claims.aud, web.clientId);
    assert.equal(claims.nonce, checks.expectedNonce);
    assert.equal(claims.sub, alice.id);
    assert.ok(claims.exp > claims.iat);
  });

  test('userinfo answers the same subject; another expected subject is refused', async () => {
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
    assert.equal(info.sub, alice.id);
    assert.equal(info.preferred_username, 'alice');
    assert.equal(info.email, ALICE.email);
    await assert.rejects(client.fetchUserInfo(config, tokens.access_token, 'someone-else'), failsWith(/"sub"/));
  });

  test('a wrong state in the callback is refused before any token request', async () => {
    const { callbackUrl, checks } = await authorize(config);
    await assert.rejects(
      client.authorizationCodeGrant(config, callbackUrl, { ...checks, expectedState: client.randomState() }),
      failsWith(/"state"/),
    );
  });

  test('an ID token whose nonce differs from the expected one is refused', async () => {
    const { callbackUrl, checks } = await authorize(config);
    await assert.rejects(
      client.authorizationCodeGrant(config, callbackUrl, { ...checks, expectedNonce: client.randomNonce() }),
      failsWith(/"nonce"/),
    );
  });

  test('an ID token with a tampered signature is refused', async () => {
    const tampering = await discover();
    tampering[client.customFetch] = rewriteTokenResponse((body) => ({ ...body, id_token: tamperSignature(body.id_token) }));
    const { callbackUrl, checks } = await authorize(tampering);
    await assert.rejects(client.authorizationCodeGrant(tampering, callbackUrl, checks), failsWith(/signature/i));
  });

  test('an ID token with a changed claim (signature kept) is refused', async () => {
    const tampering = await discover();
    tampering[client.customFetch] = rewriteTokenResponse((body) => ({
      ...body,
      id_token: tamperClaim(body.id_token, 'sub', 'built-in/admin'),
    }));
    const { callbackUrl, checks } = await authorize(tampering);
    await assert.rejects(client.authorizationCodeGrant(tampering, callbackUrl, checks), failsWith(/signature/i));
  });

  test('a wrong PKCE verifier gets invalid_grant from the server', async () => {
    const { callbackUrl, checks } = await authorize(config);
    const wrong = { ...checks, pkceCodeVerifier: client.randomPKCECodeVerifier() };
    assert.equal(await oauthErrorOf(client.authorizationCodeGrant(config, callbackUrl, wrong)), 'invalid_grant');
  });

  test('a code is single use: the second exchange gets invalid_grant', async () => {
    const { callbackUrl, checks } = await authorize(config);
    const first = await client.authorizationCodeGrant(config, callbackUrl, checks);
    assert.ok(first.access_token);
    assert.equal(await oauthErrorOf(client.authorizationCodeGrant(config, callbackUrl, checks)), 'invalid_grant');
    // ... and what the first exchange issued is revoked (RFC 6749 §4.1.2).
    const seen = await client.tokenIntrospection(config, first.access_token);
    assert.equal(seen.active, false);
  });

  test('refresh: new tokens for the same subject; the spent refresh token is refused', async () => {
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    if (refreshed.id_token) {
      // Validated by the library (signature, iss, aud); same subject (OIDC Core §12.2).
      assert.equal(refreshed.claims().sub, alice.id);
    }
    const info = await client.fetchUserInfo(config, refreshed.access_token, alice.id);
    assert.equal(info.sub, alice.id);
    assert.equal(await oauthErrorOf(client.refreshTokenGrant(config, tokens.refresh_token)), 'invalid_grant');
  });

  test('introspection says active, revocation ends it, then introspection says inactive', async () => {
    const { callbackUrl, checks } = await authorize(config);
    const fresh = await client.authorizationCodeGrant(config, callbackUrl, checks);
    const before = await client.tokenIntrospection(config, fresh.access_token);
    assert.equal(before.active, true);
    assert.equal(before.sub, alice.id);
    assert.equal(before.client_id, web.clientId);
    assert.ok(before.exp > Date.now() / 1000);
    await client.tokenRevocation(config, fresh.access_token);
    const after = await client.tokenIntrospection(config, fresh.access_token);
    assert.equal(after.active, false);
    // A revoked access token no longer opens userinfo either.
    await assert.rejects(client.fetchUserInfo(config, fresh.access_token, alice.id), (e) => e.status === 401 || assert.fail(errorText(e)));
  });

  test('introspection of a forged token says inactive', async () => {
    const { callbackUrl, checks } = await authorize(config);
    const fresh = await client.authorizationCodeGrant(config, callbackUrl, checks);
    const forged = tamperClaim(fresh.access_token, 'name', 'admin');
    assert.equal((await client.tokenIntrospection(config, forged)).active, false);
    assert.equal((await client.tokenIntrospection(config, fresh.access_token)).active, true);
  });

  test('client_secret_post works as well as client_secret_basic', async () => {
    const post = await discover(client.ClientSecretPost(web.clientSecret));
    const { callbackUrl, checks } = await authorize(post);
    const got = await client.authorizationCodeGrant(post, callbackUrl, checks);
    assert.equal(got.claims().sub, alice.id);
  });
});

describe('client credentials', () => {
  test('the application gets an access token for itself (no refresh token, no ID token)', async () => {
    const config = await discover();
    const got = await client.clientCredentialsGrant(config);
    assert.ok(got.access_token);
    assert.equal(got.token_type.toLowerCase(), 'bearer');
    assert.equal(got.refresh_token, undefined);
    assert.equal(got.id_token, undefined);
    const claims = jwtPayload(got.access_token);
    assert.equal(claims.iss, server.base);
    assert.ok(claims.aud.includes?.(web.clientId) || claims.aud === web.clientId);
    const seen = await client.tokenIntrospection(config, got.access_token);
    assert.equal(seen.active, true);
    assert.equal(seen.client_id, web.clientId);
  });

  test('a wrong client secret gets invalid_client', async () => {
    const config = await discover(client.ClientSecretBasic('not-the-secret'));
    // RFC 6749 §5.2: 401 with a WWW-Authenticate challenge when Basic authentication failed.
    assert.equal(await oauthErrorOf(client.clientCredentialsGrant(config)), '401 invalid_client');
  });
});

describe('public client (token endpoint auth "none") with PKCE', () => {
  let config;

  before(async () => {
    config = await client.discovery(new URL(server.base), spa.clientId, undefined, client.None(), clientOptions);
  });

  test('code + PKCE without a secret yields a valid ID token', async () => {
    const { callbackUrl, checks } = await authorize(config, { scope: 'openid profile' });
    const got = await client.authorizationCodeGrant(config, callbackUrl, checks);
    const claims = got.claims();
    assert.equal(claims.aud, spa.clientId);
    assert.equal(claims.sub, alice.id);
    assert.equal(claims.nonce, checks.expectedNonce);
    const info = await client.fetchUserInfo(config, got.access_token, alice.id);
    assert.equal(info.preferred_username, 'alice');
    // Scope is honoured: no email claim without the email scope.
    assert.equal(info.email, undefined);
  });

  test('a public client may not skip PKCE', async () => {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: callback,
      scope: 'openid',
      state: client.randomState(),
    });
    const callbackUrl = await signInOnHostedPage(url, ALICE.name, ALICE.password);
    const checks = { expectedState: callbackUrl.searchParams.get('state') };
    assert.equal(await oauthErrorOf(client.authorizationCodeGrant(config, callbackUrl, checks)), '401 invalid_client');
  });
});
