// Where Ferrodoor runs and which application this mini program is. The origin must be one
// of the mini program's request domains (request合法域名) in the WeChat admin console.
module.exports = {
  origin: 'https://door.example.com',
  clientId: 'REPLACE-WITH-THE-APPLICATION-CLIENT-ID',
  // Where chosen avatars are uploaded (wx.uploadFile, field "file", answer {"url": "https://…"}).
  // chooseAvatar gives a temporary local path that only this phone can read: it must be
  // uploaded before it is saved as the avatar. Empty: avatars cannot be changed.
  avatarUploadUrl: '',
};
