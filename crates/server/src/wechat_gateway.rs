//! The core's WeChat port over the real HTTP client.

use std::sync::Arc;

use async_trait::async_trait;
use ferrodoor_core::seal::Secret;
use ferrodoor_core::service::{
    WeChatFailure, WeChatGateway, WeChatPhone, WeChatProfile, WeChatSession, WeChatWebGrant,
};
use ferrodoor_wechat::{
    AccessTokenCache, ErrorKind, SharedTokens, WeChatClient, WeChatError, WxaCodeRequest,
};

pub struct HttpWeChatGateway {
    client: WeChatClient,
    tokens: AccessTokenCache,
}

impl HttpWeChatGateway {
    /// `shared`: where the nodes keep the access tokens they share.
    pub fn new(client: WeChatClient, shared: Arc<dyn SharedTokens>) -> Self {
        HttpWeChatGateway {
            tokens: AccessTokenCache::shared(client.clone(), shared),
            client,
        }
    }
}

#[async_trait]
impl WeChatGateway for HttpWeChatGateway {
    async fn code_to_session(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<WeChatSession, WeChatFailure> {
        let session = self
            .client
            .code_to_session(appid, secret, code)
            .await
            .map_err(failure)?;
        Ok(WeChatSession {
            openid: session.openid,
            unionid: session.unionid,
            session_key: Some(Secret(session.session_key.expose().to_string())),
        })
    }

    fn decrypt_data(
        &self,
        session_key: &str,
        iv: &str,
        encrypted_data: &str,
        appid: &str,
    ) -> Result<serde_json::Value, String> {
        ferrodoor_wechat::crypto::decrypt_data(session_key, iv, encrypted_data, appid)
            .map_err(|e| e.to_string())
    }

    fn raw_data_signature_valid(&self, raw_data: &str, session_key: &str, signature: &str) -> bool {
        ferrodoor_wechat::crypto::verify_raw_data_signature(raw_data, session_key, signature)
    }

    async fn phone_number(
        &self,
        appid: &str,
        secret: &str,
        phone_code: &str,
        openid: &str,
    ) -> Result<WeChatPhone, WeChatFailure> {
        let info = self
            .tokens
            .phone_number(appid, secret, phone_code, Some(openid))
            .await
            .map_err(|e| match e.errcode() {
                // 40003: the code is another user's (the openid check failed).
                Some(40003) => WeChatFailure::InvalidCode(e.to_string()),
                _ => failure(e),
            })?;
        Ok(WeChatPhone {
            pure_phone_number: info.pure_phone_number,
            country_code: info.country_code,
        })
    }

    async fn web_access_token(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<WeChatWebGrant, WeChatFailure> {
        let grant = self
            .client
            .web_access_token(appid, secret, code)
            .await
            .map_err(failure)?;
        Ok(WeChatWebGrant {
            openid: grant.openid,
            unionid: grant.unionid,
            access_token: Secret(grant.access_token),
            snapshot_user: grant.is_snapshot_user,
        })
    }

    async fn web_profile(
        &self,
        access_token: &str,
        openid: &str,
    ) -> Result<WeChatProfile, WeChatFailure> {
        let info = self
            .client
            .web_user_info(access_token, openid)
            .await
            .map_err(failure)?;
        Ok(WeChatProfile {
            nickname: info.nickname,
            avatar: info.headimgurl,
            unionid: info.unionid,
        })
    }

    async fn mini_program_code(
        &self,
        appid: &str,
        secret: &str,
        scene: &str,
        page: &str,
    ) -> Result<Vec<u8>, WeChatFailure> {
        let request = WxaCodeRequest {
            scene,
            page,
            env_version: "release",
            check_path: false,
        };
        self.tokens
            .wxa_code_unlimit(appid, secret, &request)
            .await
            .map_err(failure)
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
