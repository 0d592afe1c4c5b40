//! WeChat's embedded QR (`WxLogin`) on the hosted sign-in page, without WeChat's script:
//! `wxLogin.js` only makes an iframe of `connect/qrconnect?…&login_type=jssdk&self_redirect=false`,
//! which, once the person has scanned, sends the TOP window to `redirect_uri?code&state`.
//! The page renders that iframe itself. The attempt is the button's (same sealed cookie,
//! same callback), so a `state` carried to another browser finds no matching cookie there.

use super::{Channel, enc};
use crate::clock::Now;
use crate::entity::{Application, ProviderKind};
use crate::error::Result;
use crate::service::Core;
use crate::service::oauth::AuthorizeRequest;
use crate::service::{SignInButton, WebLoginStart};

/// The iframe of the embedded QR and the cookie the page sets with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedQr {
    /// `start.location` is the iframe's `src`; `start.cookie` binds its `state` to this browser.
    pub start: WebLoginStart,
    /// The browser-facing WeChat origin (`scheme://host[:port]`), the page's CSP `frame-src`.
    pub origin: String,
}

impl Core {
    /// The embedded QR of the first website provider among `buttons` (WeChat providers whose
    /// sign-in is on), or `None`: inside WeChat's browser (a phone cannot scan its own
    /// screen), when no provider has a website application, or when the configured WeChat
    /// base has no origin a CSP can name.
    pub async fn embedded_wechat_qr(
        &self,
        app: &Application,
        req: &AuthorizeRequest,
        buttons: &[SignInButton],
        in_wechat: bool,
        now: Now,
    ) -> Result<Option<EmbeddedQr>> {
        let Some(origin) = frame_origin(&self.config.wechat_open_base) else {
            return Ok(None);
        };
        if in_wechat {
            return Ok(None);
        }
        for button in buttons.iter().filter(|b| b.kind == ProviderKind::WeChatWeb) {
            let provider = self.web_provider(app, &button.provider).await?;
            if provider.client_id.is_empty() {
                continue;
            }
            let (attempt, cookie) = self.sealed_attempt(
                req.clone(),
                &provider,
                Channel::Website,
                "snsapi_login",
                now,
            )?;
            // wxLogin.js's parameters, in its order (its unused style options empty).
            let src = format!(
                "{}/connect/qrconnect?appid={}&scope=snsapi_login&redirect_uri={}&state={}&login_type=jssdk&self_redirect=false&styletype=&sizetype=&bgcolor=&rst=&href=",
                self.config.wechat_open_base.trim_end_matches('/'),
                enc(&attempt.appid),
                enc(&self.wechat_callback_url()),
                enc(&attempt.state),
            );
            return Ok(Some(EmbeddedQr {
                start: WebLoginStart {
                    location: src,
                    cookie,
                    max_age: super::ATTEMPT_SECONDS,
                },
                origin,
            }));
        }
        Ok(None)
    }
}

/// `scheme://host[:port]` of an http(s) base URL.
fn frame_origin(base: &str) -> Option<String> {
    let url = url::Url::parse(base).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::frame_origin;

    #[test]
    fn the_frame_origin_is_scheme_host_and_port_only() {
        assert_eq!(
            frame_origin("https://open.weixin.qq.com/").as_deref(),
            Some("https://open.weixin.qq.com")
        );
        assert_eq!(
            frame_origin("http://127.0.0.1:8099/some/path?q=1").as_deref(),
            Some("http://127.0.0.1:8099")
        );
        assert_eq!(frame_origin("javascript:alert(1)"), None);
        assert_eq!(frame_origin("not a url"), None);
    }
}
