/**
 * Every failure the SDK reports is a `FerrodoorError`: `status` is the HTTP status (0 when
 * no HTTP answer was involved), `code` the OAuth `error` of the token endpoints, `"api_error"`
 * for the envelope of the other APIs, or one of the SDK's own codes below.
 */
export declare class FerrodoorError extends Error {
    /** The HTTP status of the answer; 0 when the failure happened before or without one. */
    readonly status: number;
    /**
     * The OAuth `error` (`invalid_grant`, `invalid_client`, `temporarily_unavailable`, …),
     * `"api_error"` for a `{status:"error"}` envelope, or the SDK's own:
     * `not_signed_in`, `network_error`, `wx_login_failed`, `phone_denied`,
     * `phone_quota_exhausted`, `phone_failed`, `invalid_response`.
     */
    readonly code: string;
    /** The decoded answer body, when there was one. */
    readonly body: unknown;
    constructor(message: string, status: number, code: string, body?: unknown);
}
/** 401, or `invalid_grant` (a spent or expired `wx.login` code, a refresh token that no longer works), or no session at all. Sign in again. */
export declare class AuthError extends FerrodoorError {
    constructor(message: string, status: number, code: string, body?: unknown);
}
/** 403: not allowed (a field the user may not edit, a user WeChat blocked). */
export declare class ForbiddenError extends FerrodoorError {
    constructor(message: string, status: number, code: string, body?: unknown);
}
/** 409: e.g. the WeChat identity already belongs to another account. */
export declare class ConflictError extends FerrodoorError {
    constructor(message: string, status: number, code: string, body?: unknown);
}
/** 429 or 5xx: WeChat or the server is busy, rate limited or unreachable. Worth retrying later. */
export declare class UpstreamError extends FerrodoorError {
    /** Seconds from the `Retry-After` header, when the server sent one. */
    readonly retryAfter: number | undefined;
    constructor(message: string, status: number, code: string, body?: unknown, retryAfter?: number);
}
/** `wx.request` failed: no answer (offline, DNS, timeout, domain not in the request whitelist). */
export declare class NetworkError extends FerrodoorError {
    /** `wx.request`'s `errMsg`. */
    readonly errMsg: string;
    constructor(errMsg: string);
}
/** `wx.login` failed or gave no code. */
export declare class WxLoginError extends FerrodoorError {
    readonly errMsg: string;
    constructor(errMsg: string);
}
/**
 * The `getPhoneNumber` button gave no phone code: the user declined (`phone_denied`), the
 * mini program's phone-number quota is used up (`phone_quota_exhausted`, errno 1400001), or
 * another failure (`phone_failed`). No request was made.
 */
export declare class PhoneNumberError extends FerrodoorError {
    readonly errMsg: string;
    readonly errno: number | undefined;
    constructor(message: string, code: string, errMsg: string, errno?: number);
}
/** The error class an HTTP failure maps to. */
export declare function errorFor(status: number, code: string, message: string, body: unknown, retryAfter?: number): FerrodoorError;
