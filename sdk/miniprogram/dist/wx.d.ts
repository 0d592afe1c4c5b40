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
    fail?(error: {
        errMsg: string;
        errno?: number;
    }): void;
}
export interface WxLoginOptions {
    timeout?: number;
    success?(result: {
        code: string;
        errMsg: string;
    }): void;
    fail?(error: {
        errMsg: string;
    }): void;
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
/**
 * wx storage as a `SessionStorage`. One object per `wx`, so every client of the same mini
 * program shares one refresh in flight.
 */
export declare function wxStorage(wxObject: WxLike): SessionStorage;
/** A session store that forgets everything when the mini program is closed. */
export declare function memoryStorage(): SessionStorage;
/** `wx.login()` as a promise of the code. */
export declare function wxLogin(wxObject: WxLike, timeout: number): Promise<string>;
export interface HttpAnswer {
    status: number;
    data: unknown;
    header: Record<string, unknown>;
}
/** `wx.request()` as a promise; only a missing answer rejects (with a `NetworkError`). */
export declare function wxRequest(wxObject: WxLike, options: {
    url: string;
    method: 'GET' | 'POST';
    data?: string;
    header: Record<string, string>;
    timeout: number;
}): Promise<HttpAnswer>;
/** A response header, whatever the case of its name. */
export declare function headerValue(header: Record<string, unknown>, name: string): string | undefined;
