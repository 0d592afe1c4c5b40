/**
 * The part of the mini program's `wx` object the SDK uses, typed here so the SDK needs no
 * type package at all. The real `wx` (typed by `miniprogram-api-typings`) fits it; tests
 * pass their own.
 */
import { NetworkError, WxLoginError } from './errors';

export interface WxRequestSuccess {
  statusCode: number;
  /** Parsed JSON when the answer is JSON (`dataType: "json"`), else the text. */
  data: unknown;
  header: Record<string, unknown>;
}

export interface WxRequestOptions {
  url: string;
  method?: 'GET' | 'POST';
  data?: string;
  header?: Record<string, string>;
  timeout?: number;
  dataType?: string;
  responseType?: 'text';
  success?(result: WxRequestSuccess): void;
  fail?(error: { errMsg: string; errno?: number }): void;
}

export interface WxLoginOptions {
  timeout?: number;
  success?(result: { code: string; errMsg: string }): void;
  fail?(error: { errMsg: string }): void;
}

export interface WxLike {
  login(options: WxLoginOptions): void;
  request(options: WxRequestOptions): unknown;
  getStorageSync(key: string): any;
  setStorageSync(key: string, value: any): void;
  removeStorageSync(key: string): void;
}

/** Where the session is kept. The default keeps it in wx storage (`wx.setStorageSync`). */
export interface SessionStorage {
  /** The stored value, or `undefined`/`null`/`""` when there is none. */
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

const wxStorages = new WeakMap<WxLike, SessionStorage>();

/**
 * wx storage as a `SessionStorage`. One object per `wx`, so every client of the same mini
 * program shares one refresh in flight.
 */
export function wxStorage(wxObject: WxLike): SessionStorage {
  let storage = wxStorages.get(wxObject);
  if (!storage) {
    storage = {
      get: (key) => wxObject.getStorageSync(key),
      set: (key, value) => wxObject.setStorageSync(key, value),
      remove: (key) => wxObject.removeStorageSync(key),
    };
    wxStorages.set(wxObject, storage);
  }
  return storage;
}

/** A session store that forgets everything when the mini program is closed. */
export function memoryStorage(): SessionStorage {
  const items: { [key: string]: unknown } = {};
  return {
    get: (key) => items[key],
    set: (key, value) => {
      items[key] = value;
    },
    remove: (key) => {
      delete items[key];
    },
  };
}

/** `wx.login()` as a promise of the code. */
export function wxLogin(wxObject: WxLike, timeout: number): Promise<string> {
  return new Promise((resolve, reject) => {
    wxObject.login({
      timeout,
      success: (result) => {
        if (result && typeof result.code === 'string' && result.code !== '') resolve(result.code);
        else reject(new WxLoginError((result && result.errMsg) || 'login:fail no code'));
      },
      fail: (error) => reject(new WxLoginError((error && error.errMsg) || 'login:fail')),
    });
  });
}

export interface HttpAnswer {
  status: number;
  data: unknown;
  header: Record<string, unknown>;
}

/** `wx.request()` as a promise; only a missing answer rejects (with a `NetworkError`). */
export function wxRequest(
  wxObject: WxLike,
  options: { url: string; method: 'GET' | 'POST'; data?: string; header: Record<string, string>; timeout: number },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    wxObject.request({
      url: options.url,
      method: options.method,
      data: options.data,
      header: options.header,
      timeout: options.timeout,
      dataType: 'json',
      responseType: 'text',
      success: (result) =>
        resolve({ status: result.statusCode, data: result.data, header: result.header || {} }),
      fail: (error) => reject(new NetworkError((error && error.errMsg) || 'request:fail')),
    });
  });
}

/** A response header, whatever the case of its name. */
export function headerValue(header: Record<string, unknown>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(header)) {
    if (key.toLowerCase() === wanted) {
      const value = header[key];
      return value === undefined || value === null ? undefined : String(value);
    }
  }
  return undefined;
}
