const {
  AuthError,
  ConflictError,
  ForbiddenError,
  NetworkError,
  PhoneNumberError,
  UpstreamError,
} = require('@ferrodoor/miniprogram');
const { uploadAvatar } = require('../../utils/upload');

/** What to tell the user, by error class. */
function describe(e) {
  if (e instanceof PhoneNumberError) {
    return e.code === 'phone_denied' ? 'You did not share your phone number.' : 'The phone number is not available right now.';
  }
  if (e instanceof AuthError) return 'Your session has ended. Sign in again.';
  if (e instanceof ConflictError) return 'This WeChat account is already linked to another account.';
  if (e instanceof ForbiddenError) return `Not allowed: ${e.message}`;
  if (e instanceof UpstreamError) return 'WeChat or the server is busy. Try again in a moment.';
  if (e instanceof NetworkError) return 'No network connection.';
  return e && e.message ? e.message : String(e);
}

Page({
  data: {
    account: null,
    avatarPreview: '',
    busy: false,
    message: '',
  },

  onLoad() {
    this.client = getApp().client;
    return getApp().ready.then(() => this.refresh());
  },

  /** Shows the signed-in account, or the sign-in button. */
  refresh() {
    if (!this.client.isSignedIn()) {
      this.setData({ account: null });
      return Promise.resolve();
    }
    return this.run(async () => {
      const account = await this.client.getAccount();
      this.setData({ account, avatarPreview: '' });
    });
  },

  /** Runs one action at a time and shows its failure. */
  async run(action) {
    this.setData({ busy: true, message: '' });
    try {
      await action();
    } catch (e) {
      if (e instanceof AuthError) this.setData({ account: null });
      this.setData({ message: describe(e) });
    } finally {
      this.setData({ busy: false });
    }
  },

  onSignIn() {
    return this.run(() => this.client.login()).then(() => this.refresh());
  },

  /** <button open-type="chooseAvatar">: a temporary path to upload, then save. */
  onChooseAvatar(e) {
    const temp = e.detail.avatarUrl;
    this.setData({ avatarPreview: temp });
    return this.run(async () => {
      const url = await uploadAvatar(temp);
      await this.client.updateProfile({ avatar: url });
      this.setData({ account: await this.client.getAccount(), avatarPreview: '' });
    });
  },

  /**
   * <input type="nickname"> inside a form: WeChat checks the nickname after input and
   * clears it when refused, so read it when the form is submitted.
   */
  onSaveNickname(e) {
    const nickname = ((e.detail.value && e.detail.value.nickname) || '').trim();
    if (!nickname) {
      this.setData({ message: 'Enter a nickname first.' });
      return Promise.resolve();
    }
    return this.run(async () => {
      await this.client.updateProfile({ displayName: nickname });
      this.setData({ account: await this.client.getAccount() });
    });
  },

  /** <button open-type="getPhoneNumber">: sign in (or link) with the verified phone number. */
  onGetPhoneNumber(e) {
    return this.run(async () => {
      await this.client.loginByPhone(e);
      this.setData({ account: await this.client.getAccount() });
    });
  },

  /** Links this WeChat user to the account signed in by another method. */
  onBindWeChat() {
    return this.run(async () => {
      await this.client.bindWeChat();
      this.setData({ message: 'WeChat is now linked to this account.' });
    });
  },

  onUnbindWeChat() {
    return this.run(async () => {
      await this.client.unbindWeChat();
      this.setData({ message: 'WeChat is no longer linked to this account.' });
    });
  },

  async onLogout() {
    try {
      await this.client.logout();
    } catch (e) {
      // The session is cleared on this phone even when revocation fails (e.g. offline).
      console.warn('token revocation failed; signed out on this phone only', e);
    }
    this.setData({ account: null, message: '' });
  },
});
