// A `wx` for Node that behaves like the mini program's where the SDK can tell:
// - `wx.request` makes real HTTP requests (fetch), sends a string `data` as is, parses a JSON
//   answer when `dataType` is "json" (else leaves the text), calls `fail` only when there is
//   no answer at all;
// - `wx.login` asks the WeChat emulator for a code of `wx.user` (one fake phone = one user);
// - storage is in memory, stored values are copies (wx serializes them), a missing key
//   reads as "" as in wx.
// Every request is logged in `wx.requests` as {method, path, status, authorization,
// contentType, body}.

import { APPID } from './ferrodoor.mjs';

/** `appid`: the emulated mini program (the SDK tests' one unless told). */
export function nodeWx({ emulatorBase, user, storage = new Map(), appid = APPID }) {
  const wx = {
    user,
    storage,
    logins: 0,
    requests: [],
    /** Held requests: when set, each request waits for this promise before being sent. */
    gate: null,

    login({ success, fail, complete } = {}) {
      wx.logins += 1;
      fetch(`${emulatorBase}/__emulator/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid, user: wx.user }),
      })
        .then(async (response) => {
          const body = await response.json();
          if (!response.ok || !body.code) throw new Error(`emulator login: ${response.status}`);
          const result = { code: body.code, errMsg: 'login:ok' };
          success?.(result);
          complete?.(result);
        })
        .catch((e) => {
          const error = { errMsg: `login:fail ${e.message}` };
          fail?.(error);
          complete?.(error);
        });
    },

    request({ url, method = 'GET', data, header = {}, timeout = 60000, dataType = 'json', success, fail, complete }) {
      const entry = {
        method,
        path: new URL(url).pathname,
        status: null,
        authorization: header.authorization ?? header.Authorization ?? null,
        contentType: header['content-type'] ?? header['Content-Type'] ?? null,
        body: typeof data === 'string' ? data : data === undefined ? null : JSON.stringify(data),
      };
      wx.requests.push(entry);
      const send = async () => {
        if (wx.gate) await wx.gate;
        const response = await fetch(url, {
          method,
          headers: header,
          body: method === 'GET' ? undefined : entry.body ?? undefined,
          signal: AbortSignal.timeout(timeout),
        });
        const text = await response.text();
        let parsed = text;
        if (dataType === 'json') {
          try {
            parsed = JSON.parse(text);
          } catch {
            // wx leaves a non-JSON answer as text
          }
        }
        entry.status = response.status;
        return {
          statusCode: response.status,
          data: parsed,
          header: Object.fromEntries(response.headers),
          cookies: [],
          errMsg: 'request:ok',
        };
      };
      send().then(
        (result) => {
          success?.(result);
          complete?.(result);
        },
        (e) => {
          entry.status = 'fail';
          const error = { errMsg: `request:fail ${e.cause?.code ?? e.message}`, errno: 600001 };
          fail?.(error);
          complete?.(error);
        },
      );
      return { abort() {} };
    },

    getStorageSync(key) {
      return wx.storage.has(key) ? JSON.parse(wx.storage.get(key)) : '';
    },
    setStorageSync(key, value) {
      wx.storage.set(key, JSON.stringify(value));
    },
    removeStorageSync(key) {
      wx.storage.delete(key);
    },

    /** The requests to one path since the log was last cleared. */
    to(path) {
      return wx.requests.filter((r) => r.path === path);
    },
  };
  return wx;
}
