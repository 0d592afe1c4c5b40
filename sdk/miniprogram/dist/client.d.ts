import { SessionStorage, WxLike } from './wx';
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
    user?: {
        owner: string;
        name: string;
    };
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
export declare class FerrodoorClient {
    readonly origin: string;
    readonly clientId: string;
    /** The storage key of the session: `ferrodoor:<clientId>:session`. */
    readonly storageKey: string;
    private readonly wx;
    private readonly storage;
    private readonly timeout;
    private readonly refreshLeeway;
    constructor(options: FerrodoorClientOptions);
    /**
     * Signs in with `wx.login()`. A nickname and avatar (from the avatar/nickname fill-in
     * components) set the profile on the first login and update it on later ones.
     */
    login(profile?: {
        username?: string;
        avatar?: string;
    }): Promise<Session>;
    /**
     * Signs in with the phone number of a `getPhoneNumber` button: pass the event (or its
     * `detail`). The server links this WeChat identity to the account with that verified
     * phone number, or creates one. Throws `PhoneNumberError` (and sends nothing) when the
     * user declined.
     */
    loginByPhone(event: {
        detail: PhoneNumberDetail;
    } | PhoneNumberDetail): Promise<Session>;
    /**
     * Adopts tokens obtained elsewhere (a password sign-in, a web-view authorization code
     * flow): they are kept and refreshed like those of `login()`.
     */
    setSession(tokens: TokenResponse): Session;
    /** The stored session, or `null` (it may be expired; requests refresh it). */
    getSession(): Session | null;
    isSignedIn(): boolean;
    /** A current access token (refreshed when needed), e.g. for your own back end. */
    getAccessToken(): Promise<string>;
    /**
     * Revokes the session's refresh token (which revokes its access token too) and clears
     * storage. Storage is cleared even when revocation fails; the error is then thrown.
     */
    logout(): Promise<void>;
    /** The signed-in user (`GET /api/get-account`). */
    getAccount(): Promise<Account>;
    /**
     * Changes the user's own profile (`POST /api/update-user`). Only self-editable fields
     * are accepted; others answer 403 (`ForbiddenError`). Resolves to the envelope's `data`
     * (`"Affected"` or `"Unaffected"`).
     */
    updateProfile(fields: ProfileFields): Promise<unknown>;
    /**
     * Links the WeChat identity of this mini program's user to the signed-in account (one
     * signed in by another method). `ConflictError` when it belongs to another account.
     */
    bindWeChat(): Promise<unknown>;
    /** Removes the link between the signed-in account and its WeChat identity. */
    unbindWeChat(): Promise<unknown>;
    /**
     * The person scanned the code of a computer's sign-in page: pass the page's
     * `options.scene` (URL-encoded or not). Answers what is asking, to show before the person
     * confirms. Uses this client's own session (the signed-in person is who the computer
     * will be signed in as). `FerrodoorError` 400 when the code expired, 404 when unknown,
     * `ForbiddenError` when someone else scanned it first or the person is of another
     * organization, `ConflictError` when it was already answered.
     */
    scanWebLogin(scene: string): Promise<WebLoginRequest>;
    /** Signs the computer that shows the code in as the signed-in person (after `scanWebLogin`). */
    confirmWebLogin(scene: string): Promise<WebLoginRequest>;
    /** Refuses the computer's request: its page says so and signs nobody in. */
    cancelWebLogin(scene: string): Promise<WebLoginRequest>;
    private answerWebLogin;
    private load;
    private save;
    private clear;
    private toSession;
    private expired;
    private signIn;
    /** The stored session, refreshed first when its access token has (nearly) expired. */
    private freshSession;
    private flights;
    /** One refresh at a time per stored session: concurrent callers share it. */
    private refresh;
    private refreshNow;
    private send;
    /** A form POST to an OAuth endpoint; errors are `{error, error_description}`. */
    private oauthPost;
    /** The signed-in user's owner and name: cached, else asked once. */
    private identity;
    /**
     * A Bearer request answering Casdoor's envelope. An expired token is refreshed first; a
     * 401 refreshes once (unless another call already did) and retries once.
     */
    private authorized;
}
