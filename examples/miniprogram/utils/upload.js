// chooseAvatar answers a temporary path (wxfile://… or http://tmp/…) that exists only on this
// phone and only for a while: saving it as the avatar would show a broken image everywhere
// else. Upload it first and save the URL the upload answers.
const config = require('../config');

function uploadAvatar(tempFilePath) {
  return new Promise((resolve, reject) => {
    if (!config.avatarUploadUrl) {
      reject(new Error('set avatarUploadUrl in config.js: a chosen avatar must be uploaded before it is saved'));
      return;
    }
    wx.uploadFile({
      url: config.avatarUploadUrl,
      filePath: tempFilePath,
      name: 'file',
      success(res) {
        let body;
        try {
          body = JSON.parse(res.data);
        } catch (_) {
          body = null;
        }
        if (res.statusCode === 200 && body && typeof body.url === 'string') resolve(body.url);
        else reject(new Error(`avatar upload answered ${res.statusCode}`));
      },
      fail(err) {
        reject(new Error(err.errMsg));
      },
    });
  });
}

module.exports = { uploadAvatar };
