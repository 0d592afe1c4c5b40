"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PhoneNumberError = exports.WxLoginError = exports.NetworkError = exports.UpstreamError = exports.ConflictError = exports.ForbiddenError = exports.AuthError = exports.FerrodoorError = void 0;
exports.errorFor = errorFor;
/**
 * Every failure the SDK reports is a `FerrodoorError`: `status` is the HTTP status (0 when
 * no HTTP answer was involved), `code` the OAuth `error` of the token endpoints, `"api_error"`
 * for the envelope of the other APIs, or one of the SDK's own codes below.
 */
class FerrodoorError extends Error {
    constructor(message, status, code, body) {
        super(message);
        this.name = 'FerrodoorError';
        this.status = status;
        this.code = code;
        this.body = body;
    }
}
exports.FerrodoorError = FerrodoorError;
/** 401, or `invalid_grant` (a spent or expired `wx.login` code, a refresh token that no longer works), or no session at all. Sign in again. */
class AuthError extends FerrodoorError {
    constructor(message, status, code, body) {
        super(message, status, code, body);
        this.name = 'AuthError';
    }
}
exports.AuthError = AuthError;
/** 403: not allowed (a field the user may not edit, a user WeChat blocked). */
class ForbiddenError extends FerrodoorError {
    constructor(message, status, code, body) {
        super(message, status, code, body);
        this.name = 'ForbiddenError';
    }
}
exports.ForbiddenError = ForbiddenError;
/** 409: e.g. the WeChat identity already belongs to another account. */
class ConflictError extends FerrodoorError {
    constructor(message, status, code, body) {
        super(message, status, code, body);
        this.name = 'ConflictError';
    }
}
exports.ConflictError = ConflictError;
/** 429 or 5xx: WeChat or the server is busy, rate limited or unreachable. Worth retrying later. */
class UpstreamError extends FerrodoorError {
    constructor(message, status, code, body, retryAfter) {
        super(message, status, code, body);
        this.name = 'UpstreamError';
        this.retryAfter = retryAfter;
    }
}
exports.UpstreamError = UpstreamError;
/** `wx.request` failed: no answer (offline, DNS, timeout, domain not in the request whitelist). */
class NetworkError extends FerrodoorError {
    constructor(errMsg) {
        super(`request failed: ${errMsg}`, 0, 'network_error');
        this.name = 'NetworkError';
        this.errMsg = errMsg;
    }
}
exports.NetworkError = NetworkError;
/** `wx.login` failed or gave no code. */
class WxLoginError extends FerrodoorError {
    constructor(errMsg) {
        super(`wx.login failed: ${errMsg}`, 0, 'wx_login_failed');
        this.name = 'WxLoginError';
        this.errMsg = errMsg;
    }
}
exports.WxLoginError = WxLoginError;
/**
 * The `getPhoneNumber` button gave no phone code: the user declined (`phone_denied`), the
 * mini program's phone-number quota is used up (`phone_quota_exhausted`, errno 1400001), or
 * another failure (`phone_failed`). No request was made.
 */
class PhoneNumberError extends FerrodoorError {
    constructor(message, code, errMsg, errno) {
        super(message, 0, code);
        this.name = 'PhoneNumberError';
        this.errMsg = errMsg;
        this.errno = errno;
    }
}
exports.PhoneNumberError = PhoneNumberError;
/** The error class an HTTP failure maps to. */
function errorFor(status, code, message, body, retryAfter) {
    if (status === 401 || code === 'invalid_grant')
        return new AuthError(message, status, code, body);
    if (status === 403)
        return new ForbiddenError(message, status, code, body);
    if (status === 409)
        return new ConflictError(message, status, code, body);
    if (status === 429 || status >= 500)
        return new UpstreamError(message, status, code, body, retryAfter);
    return new FerrodoorError(message, status, code, body);
}
