// The page a computer's sign-in code opens (Ferrodoor draws the code with
// getwxacodeunlimit for the page `pages/ferrodoor/web-login`, its scene a one-time ticket).
// It shows what asks to be signed in (the site, the computer's address and browser) and
// lets the person confirm or cancel, with this mini program's own session: the computer
// is signed in as the person signed in here.
const { AuthError, ConflictError, ForbiddenError, FerrodoorError } = require('@ferrodoor/miniprogram');

/** What to tell the person, by error. */
function describe(e) {
  if (e instanceof AuthError) return 'Sign in to the mini program first, then scan again.';
  if (e instanceof ConflictError) return 'This code was already answered. Ask for a new one on the computer.';
  if (e instanceof ForbiddenError) return 'This code is not yours to answer (someone else scanned it, or it is for another organization).';
  if (e instanceof FerrodoorError && e.status === 404) return 'Unknown code. Ask for a new one on the computer.';
  if (e instanceof FerrodoorError && e.status === 400) return e.message;
  return e && e.message ? e.message : String(e);
}

Page({
  data: {
    // loading, asking, confirmed, cancelled, failed
    state: 'loading',
    request: null,
    busy: false,
    message: '',
  },

  onLoad(options) {
    this.client = getApp().client;
    // WeChat hands the scene URL-encoded; the SDK decodes it too.
    this.scene = (options && options.scene) || '';
    return getApp().ready.then(() => this.answer('scan'));
  },

  onConfirm() {
    return this.answer('confirm');
  },

  onCancel() {
    return this.answer('cancel');
  },

  async answer(action) {
    if (!this.scene) {
      this.setData({ state: 'failed', message: 'No sign-in code here: scan the code on the computer.' });
      return;
    }
    this.setData({ busy: true, message: '' });
    try {
      const call = { scan: 'scanWebLogin', confirm: 'confirmWebLogin', cancel: 'cancelWebLogin' }[action];
      const request = await this.client[call](this.scene);
      const state = { scan: 'asking', confirm: 'confirmed', cancel: 'cancelled' }[action];
      this.setData({ request, state });
    } catch (e) {
      this.setData({ state: 'failed', message: describe(e) });
    } finally {
      this.setData({ busy: false });
    }
  },
});
