// The mini program code the setup page shows, with the server's origin and the
// application's client ID filled in. It follows the seed (wx.login, then a form POST with
// `tag=wechat_miniprogram`) with today's APIs: the avatar and nickname fill-in components
// instead of the withdrawn `wx.getUserProfile`.

export function miniProgramFiles({ origin, clientId, appName }) {
  const wxml = `<!-- pages/login/login.wxml -->
<view class="login">
  <!-- Avatar fill-in: the user picks a photo (wx.getUserProfile is withdrawn). -->
  <button class="avatar" open-type="chooseAvatar" bind:chooseavatar="onChooseAvatar">
    <image src="{{avatarUrl}}" mode="aspectFill" />
  </button>
  <!-- Nickname fill-in: WeChat checks the name; read it when the form is submitted. -->
  <form bindsubmit="login">
    <input type="nickname" name="nickname" placeholder="Your nickname" />
    <button type="primary" form-type="submit" loading="{{busy}}">Sign in with WeChat</button>
  </form>
</view>
`;

  const js = `// pages/login/login.js: WeChat Mini Program login with Ferrodoor,
// application ${JSON.stringify(appName)}. Add the origin below to the mini program's
// request domains (WeChat requires HTTPS there).
const FERRODOOR = ${JSON.stringify(origin)};
const CLIENT_ID = ${JSON.stringify(clientId)};

Page({
  data: { avatarUrl: "", busy: false },

  // A temporary file on the phone: upload it to your storage (wx.uploadFile) and keep
  // its https URL here; that URL is what Ferrodoor stores as the avatar.
  onChooseAvatar(e) {
    this.setData({ avatarUrl: e.detail.avatarUrl });
  },

  login(e) {
    const nickname = e.detail.value.nickname || "";
    const avatar = this.data.avatarUrl.startsWith("https://") ? this.data.avatarUrl : "";
    this.setData({ busy: true });
    wx.login({
      success: ({ code }) => {
        wx.request({
          url: \`\${FERRODOOR}/api/login/oauth/access_token\`,
          method: "POST",
          header: { "content-type": "application/x-www-form-urlencoded" },
          data: {
            tag: "wechat_miniprogram", // required: marks a mini program login
            client_id: CLIENT_ID,
            code, // from wx.login: single use, valid for 5 minutes
            username: nickname, // optional: sets the display name
            avatar, // optional: an https URL
          },
          success: (res) => {
            if (res.statusCode !== 200) {
              wx.showToast({ title: res.data.error_description || "Sign-in failed", icon: "none" });
              return;
            }
            // A Bearer token for the user's own APIs (GET /api/get-account, ...).
            getApp().globalData.accessToken = res.data.access_token;
            wx.setStorageSync("ferrodoor_refresh_token", res.data.refresh_token);
          },
          fail: () => wx.showToast({ title: "Network error", icon: "none" }),
          complete: () => this.setData({ busy: false }),
        });
      },
      fail: () => this.setData({ busy: false }),
    });
  },

  // Later: the user changes their profile with the same token.
  updateProfile(displayName, avatar) {
    wx.request({
      url: \`\${FERRODOOR}/api/update-user\`,
      method: "POST",
      header: {
        Authorization: \`Bearer \${getApp().globalData.accessToken}\`,
        "content-type": "application/json",
      },
      data: { displayName, avatar },
    });
  },
});
`;

  const app = `// app.js
App({
  globalData: { accessToken: "" },
});
`;
  return [
    { file: 'pages/login/login.js', code: js },
    { file: 'pages/login/login.wxml', code: wxml },
    { file: 'app.js', code: app },
  ];
}
