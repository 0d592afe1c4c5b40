"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.wxStorage = exports.memoryStorage = exports.PhoneNumberError = exports.WxLoginError = exports.NetworkError = exports.UpstreamError = exports.ConflictError = exports.ForbiddenError = exports.AuthError = exports.FerrodoorError = exports.FerrodoorClient = void 0;
/**
 * @ferrodoor/miniprogram: sign a WeChat Mini Program's user in to Ferrodoor (or Casdoor's
 * API) with `wx.login()`, keep the tokens in wx storage, refresh them, and call the
 * account APIs with them. No runtime dependencies.
 */
var client_1 = require("./client");
Object.defineProperty(exports, "FerrodoorClient", { enumerable: true, get: function () { return client_1.FerrodoorClient; } });
var errors_1 = require("./errors");
Object.defineProperty(exports, "FerrodoorError", { enumerable: true, get: function () { return errors_1.FerrodoorError; } });
Object.defineProperty(exports, "AuthError", { enumerable: true, get: function () { return errors_1.AuthError; } });
Object.defineProperty(exports, "ForbiddenError", { enumerable: true, get: function () { return errors_1.ForbiddenError; } });
Object.defineProperty(exports, "ConflictError", { enumerable: true, get: function () { return errors_1.ConflictError; } });
Object.defineProperty(exports, "UpstreamError", { enumerable: true, get: function () { return errors_1.UpstreamError; } });
Object.defineProperty(exports, "NetworkError", { enumerable: true, get: function () { return errors_1.NetworkError; } });
Object.defineProperty(exports, "WxLoginError", { enumerable: true, get: function () { return errors_1.WxLoginError; } });
Object.defineProperty(exports, "PhoneNumberError", { enumerable: true, get: function () { return errors_1.PhoneNumberError; } });
var wx_1 = require("./wx");
Object.defineProperty(exports, "memoryStorage", { enumerable: true, get: function () { return wx_1.memoryStorage; } });
Object.defineProperty(exports, "wxStorage", { enumerable: true, get: function () { return wx_1.wxStorage; } });
