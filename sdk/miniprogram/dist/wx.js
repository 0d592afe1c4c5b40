"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.wxStorage = wxStorage;
exports.memoryStorage = memoryStorage;
exports.wxLogin = wxLogin;
exports.wxRequest = wxRequest;
exports.headerValue = headerValue;
/**
 * The part of the mini program's `wx` object the SDK uses, typed here so the SDK needs no
 * type package at all. The real `wx` (typed by `miniprogram-api-typings`) fits it; tests
 * pass their own.
 */
const errors_1 = require("./errors");
const wxStorages = new WeakMap();
/**
 * wx storage as a `SessionStorage`. One object per `wx`, so every client of the same mini
 * program shares one refresh in flight.
 */
function wxStorage(wxObject) {
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
function memoryStorage() {
    const items = {};
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
function wxLogin(wxObject, timeout) {
    return new Promise((resolve, reject) => {
        wxObject.login({
            timeout,
            success: (result) => {
                if (result && typeof result.code === 'string' && result.code !== '')
                    resolve(result.code);
                else
                    reject(new errors_1.WxLoginError((result && result.errMsg) || 'login:fail no code'));
            },
            fail: (error) => reject(new errors_1.WxLoginError((error && error.errMsg) || 'login:fail')),
        });
    });
}
/** `wx.request()` as a promise; only a missing answer rejects (with a `NetworkError`). */
function wxRequest(wxObject, options) {
    return new Promise((resolve, reject) => {
        wxObject.request({
            url: options.url,
            method: options.method,
            data: options.data,
            header: options.header,
            timeout: options.timeout,
            dataType: 'json',
            responseType: 'text',
            success: (result) => resolve({ status: result.statusCode, data: result.data, header: result.header || {} }),
            fail: (error) => reject(new errors_1.NetworkError((error && error.errMsg) || 'request:fail')),
        });
    });
}
/** A response header, whatever the case of its name. */
function headerValue(header, name) {
    const wanted = name.toLowerCase();
    for (const key of Object.keys(header)) {
        if (key.toLowerCase() === wanted) {
            const value = header[key];
            return value === undefined || value === null ? undefined : String(value);
        }
    }
    return undefined;
}
