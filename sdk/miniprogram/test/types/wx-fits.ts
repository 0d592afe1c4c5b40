// Compile-time check (`npm run typecheck`, no output): the real `wx`, as typed by
// miniprogram-api-typings, fits the SDK's `WxLike`, and a getPhoneNumber button's event
// fits `loginByPhone`. If WeChat's typings drift away from what the SDK calls, this fails.
import { FerrodoorClient, WxLike } from '../../src';

export const realWx: WxLike = wx;

export function onGetPhoneNumber(client: FerrodoorClient, e: WechatMiniprogram.ButtonGetPhoneNumber) {
  return client.loginByPhone(e);
}

export const client = new FerrodoorClient({ origin: 'https://door.example.com', clientId: 'id' });
