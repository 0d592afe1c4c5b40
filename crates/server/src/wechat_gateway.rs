//! The core's WeChat port over the real HTTP client.

use async_trait::async_trait;
use ferrodoor_core::service::{WeChatFailure, WeChatGateway, WeChatSession};
use ferrodoor_wechat::{ErrorKind, WeChatClient, WeChatError};

pub struct HttpWeChatGateway(pub WeChatClient);

#[async_trait]
impl WeChatGateway for HttpWeChatGateway {
    async fn code_to_session(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<WeChatSession, WeChatFailure> {
        let session = self
            .0
            .code_to_session(appid, secret, code)
            .await
            .map_err(failure)?;
        // The session_key is dropped here: nothing needs it yet, so it is never stored.
        Ok(WeChatSession {
            openid: session.openid,
            unionid: session.unionid,
        })
    }
}

fn failure(e: WeChatError) -> WeChatFailure {
    let message = e.to_string();
    match e.kind() {
        ErrorKind::InvalidCode => WeChatFailure::InvalidCode(message),
        ErrorKind::CodeUsed => WeChatFailure::CodeUsed(message),
        ErrorKind::Blocked => WeChatFailure::Blocked(message),
        ErrorKind::RateLimited => WeChatFailure::RateLimited(message),
        ErrorKind::Busy => WeChatFailure::Busy(message),
        ErrorKind::InvalidCredential | ErrorKind::TokenExpired => {
            WeChatFailure::BadCredentials(message)
        }
        ErrorKind::Upstream if matches!(e, WeChatError::Timeout) => WeChatFailure::Timeout,
        ErrorKind::Upstream | ErrorKind::Other => WeChatFailure::Unavailable(message),
    }
}
