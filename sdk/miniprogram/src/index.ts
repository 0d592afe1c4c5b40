/**
 * @ferrodoor/miniprogram: sign a WeChat Mini Program's user in to Ferrodoor (or Casdoor's
 * API) with `wx.login()`, keep the tokens in wx storage, refresh them, and call the
 * account APIs with them. No runtime dependencies.
 */
export { FerrodoorClient } from './client';
export type {
  Account,
  Envelope,
  FerrodoorClientOptions,
  PhoneNumberDetail,
  ProfileFields,
  Session,
  TokenResponse,
  WebLoginRequest,
} from './client';
export {
  FerrodoorError,
  AuthError,
  ForbiddenError,
  ConflictError,
  UpstreamError,
  NetworkError,
  WxLoginError,
  PhoneNumberError,
} from './errors';
export { memoryStorage, wxStorage } from './wx';
export type { SessionStorage, WxLike, WxLoginOptions, WxRequestOptions, WxRequestSuccess } from './wx';
