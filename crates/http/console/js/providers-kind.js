// Which provider the mini program login uses: the same rule as the server's
// `Provider::kind` — type `WeChatMiniProgram`, or type `WeChat` with sub-type "Mini Program".

export const MINI_PROGRAM_TYPE = 'WeChatMiniProgram';

export function isMiniProgram(provider) {
  if (!provider) return false;
  const sub = String(provider.subType ?? '')
    .toLowerCase()
    .replace(/[ \-_]/g, '');
  if (provider.type === MINI_PROGRAM_TYPE) return true;
  return provider.type === 'WeChat' && (sub === 'miniprogram' || sub === 'wechatminiprogram');
}

/**
 * The name of the provider an application's mini program login uses: the first of its
 * providers (in order) that is a mini program. `lookup(name)` answers the provider.
 */
export function miniProgramProviderName(items, lookup) {
  const found = (items ?? []).find((item) => isMiniProgram(lookup(item.name) ?? item.provider));
  return found ? found.name : null;
}

/** Whether a provider is one of WeChat's (labels say AppID / AppSecret then). */
export function isWeChat(type) {
  return type === MINI_PROGRAM_TYPE || type === 'WeChat';
}
