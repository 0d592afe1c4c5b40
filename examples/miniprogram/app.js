// One client for the whole mini program. It keeps the session in wx storage
// (ferrodoor:<clientId>:session) and refreshes it, so pages just call it.
const { FerrodoorClient } = require('@ferrodoor/miniprogram');
const config = require('./config');

App({
  onLaunch() {
    this.client = new FerrodoorClient({ origin: config.origin, clientId: config.clientId });
    // Silent sign-in: wx.login needs no tap. A returning user keeps the stored session.
    this.ready = this.client.isSignedIn()
      ? Promise.resolve()
      : this.client.login().catch((e) => {
          console.warn('silent sign-in failed', e);
        });
  },
});
