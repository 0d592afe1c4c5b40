import {
  AuthError,
  FerrodoorError,
  PhoneNumberError,
  errorFor,
} from './errors';
import {
  HttpAnswer,
  SessionStorage,
  WxLike,
  headerValue,
  wxLogin,
  wxRequest,
  wxStorage,
} from './wx';

/** The token endpoint's answer (Casdoor's `TokenWrapper`). */
export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  /** Seconds. */
  expires_in: number;
  scope: string;
}

/** What is kept in storage under `ferrodoor:<clientId>:session`. */
export interface Session extends TokenResponse {
  /** When the access token expires, in milliseconds since the epoch (computed on receipt). */
  expires_at: number;
  /** The signed-in user's owner and name, cached by `getAccount()`. */
  user?: { owner: string; name: string };
}

/** The user as Ferrodoor shows it (Casdoor's JSON names); only a few fields are listed. */
export interface Account {
  owner: string;
  name: string;
  id?: string;
  displayName?: string;
  avatar?: string;
  email?: string;
  phone?: string;
  isAdmin?: boolean;
  [field: string]: unknown;
}

/** Fields a user may change on their own account. */
export interface ProfileFields {
  displayName?: string;
  avatar?: string;
  firstName?: string;
  lastName?: string;
  gender?: string;
  birthday?: string;
  bio?: string;
  location?: string;
  region?: string;
  language?: string;
  affiliation?: string;
  title?: string;
  homepage?: string;
  [field: string]: unknown;
}

/**
 * A computer's sign-in request, as the mini program shows it before the person confirms
 * (`POST /api/wechat/scan-login`): what asks, from where, and how long the code lives.
 */
export interface WebLoginRequest {
  scene: string;
  /** `scanned`, `confirmed` or `cancelled` after the call. */
  status: string;
  /** The application's display name (what the person signs in to). */
  application: string;
  organization: string;
  /** The address of the browser that asked (show it: a relayed code comes from elsewhere). */
  requesterIp: string;
  requesterAgent: string;
  /** RFC 3339. */
  createdTime: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** Casdoor's answer envelope. */
export interface Envelope<T = unknown> {
  status: 'ok' | 'error';
  msg: string;
  data: T;
  data2?: unknown;
  [field: string]: unknown;
}

/** `e.detail` of `<button open-type="getPhoneNumber" bindgetphonenumber>`. */
export interface PhoneNumberDetail {
  code?: string;
  errMsg?: string;
  errno?: number;
}

export interface FerrodoorClientOptions {
  /** The server's base URL, e.g. `https://door.example.com` (a request-whitelisted domain). */
  origin: string;
  /** The application's client id. Its secret never belongs in a mini program. */
  clientId: string;
  /** Where the session is kept; wx storage by default. */
  storage?: SessionStorage;
  /** The `wx` object; the global `wx` by default. */
  wx?: WxLike;
  /** Timeout of each request and of `wx.login`, in milliseconds (default 15000). */
  timeout?: number;
  /** Refresh this many milliseconds before the access token expires (default 60000). */
  refreshLeeway?: number;
}

declare const wx: WxLike | undefined;

const TOKEN_PATH = '/api/login/oauth/access_token';
const REVOKE_PATH = '/api/login/oauth/revoke';
const MINIPROGRAM_TAG = 'wechat_miniprogram';
const SCAN_LOGIN_PATH = '/api/wechat/scan-login';
/** `e.detail.errno` when the mini program's phone-number quota is used up. */
const PHONE_QUOTA_ERRNO = 1400001;

/** Refreshes in flight, per storage and key: every client sharing a session shares one. */
const refreshes = new WeakMap<SessionStorage, { [key: string]: Promise<Session> | undefined }>();

type Params = { [name: string]: string | undefined };

function formEncode(params: Params): string {
  return Object.keys(params)
    .filter((k) => params[k] !== undefined && params[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k] as string)}`)
    .join('&');
}

/** The answer body as an object: wx parses JSON itself, but a text answer may be JSON too. */
function bodyOf(answer: HttpAnswer): { [key: string]: unknown } | undefined {
  let data = answer.data;
  if (typeof data === 'string' && data !== '') {
    try {
      data = JSON.parse(data);
    } catch (_) {
      return undefined;
    }
  }
  return data !== null && typeof data === 'object' ? (data as { [key: string]: unknown }) : undefined;
}

function isSession(value: unknown): value is Session {
  const s = value as Session;
  return (
    s !== null &&
    typeof s === 'object' &&
    typeof s.access_token === 'string' &&
    s.access_token !== '' &&
    typeof s.expires_at === 'number'
  );
}

export class FerrodoorClient {
  readonly origin: string;
  readonly clientId: string;
  /** The storage key of the session: `ferrodoor:<clientId>:session`. */
  readonly storageKey: string;
  private readonly wx: WxLike;
  private readonly storage: SessionStorage;
  private readonly timeout: number;
  private readonly refreshLeeway: number;

  constructor(options: FerrodoorClientOptions) {
    if (!options || !options.origin) throw new TypeError('FerrodoorClient: origin is required');
    if (!options.clientId) throw new TypeError('FerrodoorClient: clientId is required');
    const wxObject = options.wx || (typeof wx !== 'undefined' ? wx : undefined);
    if (!wxObject) throw new TypeError('FerrodoorClient: no wx object (pass options.wx outside a mini program)');
    this.origin = options.origin.replace(/\/+$/, '');
    this.clientId = options.clientId;
    this.storageKey = `ferrodoor:${options.clientId}:session`;
    this.wx = wxObject;
    this.storage = options.storage || wxStorage(wxObject);
    this.timeout = options.timeout !== undefined ? options.timeout : 15000;
    this.refreshLeeway = options.refreshLeeway !== undefined ? options.refreshLeeway : 60000;
  }

  // ---- signing in -------------------------------------------------------------------

  /**
   * Signs in with `wx.login()`. A nickname and avatar (from the avatar/nickname fill-in
   * components) set the profile on the first login and update it on later ones.
   */
  async login(profile: { username?: string; avatar?: string } = {}): Promise<Session> {
    const code = await wxLogin(this.wx, this.timeout);
    return this.signIn({
      tag: MINIPROGRAM_TAG,
      client_id: this.clientId,
      code,
      username: profile.username,
      avatar: profile.avatar,
    });
  }

  /**
   * Signs in with the phone number of a `getPhoneNumber` button: pass the event (or its
   * `detail`). The server links this WeChat identity to the account with that verified
   * phone number, or creates one. Throws `PhoneNumberError` (and sends nothing) when the
   * user declined.
   */
  async loginByPhone(event: { detail: PhoneNumberDetail } | PhoneNumberDetail): Promise<Session> {
    const detail: PhoneNumberDetail = (event && 'detail' in event ? event.detail : event) || {};
    const errMsg = detail.errMsg || '';
    const failed = errMsg !== '' && !/:\s*ok$/.test(errMsg);
    if (failed || typeof detail.code !== 'string' || detail.code === '') {
      if (detail.errno === PHONE_QUOTA_ERRNO) {
        throw new PhoneNumberError('the phone-number quota is used up', 'phone_quota_exhausted', errMsg, detail.errno);
      }
      if (/den(y|ied)/i.test(errMsg)) {
        throw new PhoneNumberError('the user declined to share the phone number', 'phone_denied', errMsg, detail.errno);
      }
      throw new PhoneNumberError(`no phone code: ${errMsg || 'empty detail'}`, 'phone_failed', errMsg, detail.errno);
    }
    const code = await wxLogin(this.wx, this.timeout);
    return this.signIn({
      tag: MINIPROGRAM_TAG,
      client_id: this.clientId,
      code,
      phone_code: detail.code,
    });
  }

  /**
   * Adopts tokens obtained elsewhere (a password sign-in, a web-view authorization code
   * flow): they are kept and refreshed like those of `login()`.
   */
  setSession(tokens: TokenResponse): Session {
    const session = this.toSession(tokens);
    this.save(session);
    return session;
  }

  /** The stored session, or `null` (it may be expired; requests refresh it). */
  getSession(): Session | null {
    return this.load();
  }

  isSignedIn(): boolean {
    return this.load() !== null;
  }

  /** A current access token (refreshed when needed), e.g. for your own back end. */
  async getAccessToken(): Promise<string> {
    return (await this.freshSession()).access_token;
  }

  /**
   * Revokes the session's refresh token (which revokes its access token too) and clears
   * storage. Storage is cleared even when revocation fails; the error is then thrown.
   */
  async logout(): Promise<void> {
    const inFlight = this.flights()[this.storageKey];
    if (inFlight) await inFlight.then(noop, noop);
    const session = this.load();
    if (!session) return;
    try {
      await this.oauthPost(REVOKE_PATH, {
        client_id: this.clientId,
        token: session.refresh_token || session.access_token,
      });
    } finally {
      this.clear();
    }
  }

  // ---- the account ------------------------------------------------------------------

  /** The signed-in user (`GET /api/get-account`). */
  async getAccount(): Promise<Account> {
    const { envelope, session } = await this.authorized<Account>('GET', '/api/get-account');
    const account = envelope.data;
    if (!account || typeof account.owner !== 'string' || typeof account.name !== 'string') {
      throw new FerrodoorError('get-account answered no user', 200, 'invalid_response', envelope);
    }
    const stored = this.load();
    if (stored && stored.access_token === session.access_token) {
      this.save({ ...stored, user: { owner: account.owner, name: account.name } });
    }
    return account;
  }

  /**
   * Changes the user's own profile (`POST /api/update-user`). Only self-editable fields
   * are accepted; others answer 403 (`ForbiddenError`). Resolves to the envelope's `data`
   * (`"Affected"` or `"Unaffected"`).
   */
  async updateProfile(fields: ProfileFields): Promise<unknown> {
    const who = await this.identity();
    const body = { ...fields, owner: who.owner, name: who.name };
    return (await this.authorized('POST', '/api/update-user', body)).envelope.data;
  }

  /**
   * Links the WeChat identity of this mini program's user to the signed-in account (one
   * signed in by another method). `ConflictError` when it belongs to another account.
   */
  async bindWeChat(): Promise<unknown> {
    await this.freshSession();
    const code = await wxLogin(this.wx, this.timeout);
    return (await this.authorized('POST', '/api/bind-wechat', { client_id: this.clientId, code })).envelope.data;
  }

  /** Removes the link between the signed-in account and its WeChat identity. */
  async unbindWeChat(): Promise<unknown> {
    return (await this.authorized('POST', '/api/unbind-wechat', { client_id: this.clientId })).envelope.data;
  }

  // ---- signing a computer in (the sign-in page's mini-program code) -----------------

  /**
   * The person scanned the code of a computer's sign-in page: pass the page's
   * `options.scene` (URL-encoded or not). Answers what is asking, to show before the person
   * confirms. Uses this client's own session (the signed-in person is who the computer
   * will be signed in as). `FerrodoorError` 400 when the code expired, 404 when unknown,
   * `ForbiddenError` when someone else scanned it first or the person is of another
   * organization, `ConflictError` when it was already answered.
   */
  scanWebLogin(scene: string): Promise<WebLoginRequest> {
    return this.answerWebLogin(scene, 'scan');
  }

  /** Signs the computer that shows the code in as the signed-in person (after `scanWebLogin`). */
  confirmWebLogin(scene: string): Promise<WebLoginRequest> {
    return this.answerWebLogin(scene, 'confirm');
  }

  /** Refuses the computer's request: its page says so and signs nobody in. */
  cancelWebLogin(scene: string): Promise<WebLoginRequest> {
    return this.answerWebLogin(scene, 'cancel');
  }

  private async answerWebLogin(scene: string, action: 'scan' | 'confirm' | 'cancel'): Promise<WebLoginRequest> {
    const decoded = sceneOf(scene);
    const answer = await this.authorized<WebLoginRequest>('POST', SCAN_LOGIN_PATH, { scene: decoded, action });
    const view = answer.envelope.data;
    if (!view || typeof view.status !== 'string') {
      throw new FerrodoorError('scan-login answered no request', 200, 'invalid_response', answer.envelope);
    }
    return view;
  }

  // ---- session storage --------------------------------------------------------------

  private load(): Session | null {
    const value = this.storage.get(this.storageKey);
    return isSession(value) ? value : null;
  }

  private save(session: Session): void {
    this.storage.set(this.storageKey, session);
  }

  private clear(): void {
    this.storage.remove(this.storageKey);
  }

  private toSession(tokens: TokenResponse, user?: Session['user']): Session {
    if (!tokens || typeof tokens.access_token !== 'string' || tokens.access_token === '') {
      throw new FerrodoorError('the token endpoint answered no access_token', 200, 'invalid_response', tokens);
    }
    const expiresIn = Number(tokens.expires_in) || 0;
    const session: Session = {
      access_token: tokens.access_token,
      id_token: tokens.id_token,
      refresh_token: tokens.refresh_token,
      token_type: tokens.token_type || 'Bearer',
      expires_in: expiresIn,
      scope: tokens.scope || '',
      expires_at: Date.now() + expiresIn * 1000,
    };
    if (user) session.user = user;
    return session;
  }

  private expired(session: Session): boolean {
    return Date.now() >= session.expires_at - this.refreshLeeway;
  }

  // ---- tokens -----------------------------------------------------------------------

  private async signIn(params: Params): Promise<Session> {
    const tokens = (await this.oauthPost(TOKEN_PATH, params)) as unknown as TokenResponse;
    return this.setSession(tokens);
  }

  /** The stored session, refreshed first when its access token has (nearly) expired. */
  private async freshSession(): Promise<Session> {
    const session = this.load();
    if (!session) throw new AuthError('not signed in', 0, 'not_signed_in');
    return this.expired(session) ? this.refresh() : session;
  }

  private flights(): { [key: string]: Promise<Session> | undefined } {
    let map = refreshes.get(this.storage);
    if (!map) {
      map = {};
      refreshes.set(this.storage, map);
    }
    return map;
  }

  /** One refresh at a time per stored session: concurrent callers share it. */
  private refresh(): Promise<Session> {
    const flights = this.flights();
    const key = this.storageKey;
    let flight = flights[key];
    if (!flight) {
      const done = () => {
        if (flights[key] === flight) delete flights[key];
      };
      flight = this.refreshNow();
      flights[key] = flight;
      flight.then(done, done);
    }
    return flight;
  }

  private async refreshNow(): Promise<Session> {
    const old = this.load();
    if (!old || !old.refresh_token) {
      this.clear();
      throw new AuthError('the session expired and cannot be refreshed; sign in again', 0, 'not_signed_in');
    }
    let tokens: TokenResponse;
    try {
      tokens = (await this.oauthPost(TOKEN_PATH, {
        grant_type: 'refresh_token',
        client_id: this.clientId,
        refresh_token: old.refresh_token,
      })) as unknown as TokenResponse;
    } catch (e) {
      // Refused: the refresh token is dead, so is the session. No answer or a busy server
      // says nothing about the token: keep it for a later try.
      const refused = e instanceof FerrodoorError && e.status >= 400 && e.status < 500 && e.status !== 429;
      const current = this.load();
      if (refused && current && current.refresh_token === old.refresh_token) this.clear();
      throw e;
    }
    const current = this.load();
    if (!current || current.refresh_token !== old.refresh_token) {
      // Signed out or in again meanwhile: that state wins.
      if (current) return current;
      throw new AuthError('signed out while the session was being refreshed', 0, 'not_signed_in');
    }
    const session = this.toSession(tokens, old.user);
    this.save(session);
    return session;
  }

  // ---- HTTP -------------------------------------------------------------------------

  private send(method: 'GET' | 'POST', path: string, header: Record<string, string>, data?: string) {
    return wxRequest(this.wx, {
      url: this.origin + path,
      method,
      data,
      header: { accept: 'application/json', ...header },
      timeout: this.timeout,
    });
  }

  /** A form POST to an OAuth endpoint; errors are `{error, error_description}`. */
  private async oauthPost(path: string, params: Params): Promise<{ [key: string]: unknown }> {
    const answer = await this.send(
      'POST',
      path,
      { 'content-type': 'application/x-www-form-urlencoded' },
      formEncode(params),
    );
    const body = bodyOf(answer);
    if (answer.status >= 200 && answer.status < 300) return body || {};
    const code = body && typeof body.error === 'string' ? body.error : `http_${answer.status}`;
    const description =
      body && typeof body.error_description === 'string' && body.error_description !== ''
        ? body.error_description
        : `HTTP ${answer.status}`;
    throw errorFor(answer.status, code, description, body, retryAfter(answer));
  }

  /** The signed-in user's owner and name: cached, else asked once. */
  private async identity(): Promise<{ owner: string; name: string }> {
    const session = await this.freshSession();
    if (session.user) return session.user;
    const account = await this.getAccount();
    return { owner: account.owner, name: account.name };
  }

  /**
   * A Bearer request answering Casdoor's envelope. An expired token is refreshed first; a
   * 401 refreshes once (unless another call already did) and retries once.
   */
  private async authorized<T>(
    method: 'GET' | 'POST',
    path: string,
    json?: object,
  ): Promise<{ envelope: Envelope<T>; session: Session }> {
    let session = await this.freshSession();
    const attempt = (s: Session) =>
      this.send(
        method,
        path,
        json === undefined
          ? { authorization: `Bearer ${s.access_token}` }
          : { authorization: `Bearer ${s.access_token}`, 'content-type': 'application/json' },
        json === undefined ? undefined : JSON.stringify(json),
      );
    let answer = await attempt(session);
    if (answer.status === 401) {
      const current = this.load();
      session =
        current && current.access_token !== session.access_token && !this.expired(current)
          ? current
          : await this.refresh();
      answer = await attempt(session);
    }
    return { envelope: envelopeOf<T>(answer), session };
  }
}

function noop(): void {}

/** The ticket of a page's `options.scene`: WeChat hands it URL-encoded. */
function sceneOf(scene: string): string {
  if (typeof scene !== 'string' || scene.trim() === '') {
    throw new TypeError('scene is required (the page\'s options.scene)');
  }
  let decoded = scene.trim();
  try {
    decoded = decodeURIComponent(decoded);
  } catch (_) {
    // not encoded after all: keep it as it is
  }
  return decoded;
}

function retryAfter(answer: HttpAnswer): number | undefined {
  const value = headerValue(answer.header, 'retry-after');
  const seconds = value === undefined ? NaN : Number(value);
  return isNaN(seconds) ? undefined : seconds;
}

/** The envelope of a 2xx answer with `status: "ok"`; anything else throws. */
function envelopeOf<T>(answer: HttpAnswer): Envelope<T> {
  const body = bodyOf(answer);
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && body && body.status === 'ok') return body as unknown as Envelope<T>;
  const msg =
    body && typeof body.msg === 'string' && body.msg !== ''
      ? body.msg
      : ok
        ? 'the answer is not a Casdoor envelope'
        : `HTTP ${answer.status}`;
  throw errorFor(answer.status, 'api_error', msg, body, retryAfter(answer));
}
