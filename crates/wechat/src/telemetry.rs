//! Metrics of WeChat calls, through the `metrics` facade (the server installs the
//! Prometheus recorder; without one these are no-ops).

use std::time::Duration;

use crate::error::WeChatError;

/// Calls by `api` and `errcode`.
pub const CALLS: &str = "ferrodoor_wechat_calls_total";
/// Latency of calls by `api` (seconds).
pub const DURATION: &str = "ferrodoor_wechat_call_duration_seconds";

/// The `errcode` label of an outcome: WeChat's own number ("0" on success), else what went
/// wrong before WeChat could say (`timeout`, `unreachable`, `http_502`, `malformed`, `config`).
pub fn errcode_label<T>(result: &Result<T, WeChatError>) -> String {
    match result {
        Ok(_) => "0".to_string(),
        Err(WeChatError::Api { errcode, .. }) => errcode.to_string(),
        Err(WeChatError::Timeout) => "timeout".to_string(),
        Err(WeChatError::Unreachable(_)) => "unreachable".to_string(),
        Err(WeChatError::HttpStatus(status)) => format!("http_{status}"),
        Err(WeChatError::Malformed(_)) => "malformed".to_string(),
        Err(WeChatError::Config(_)) => "config".to_string(),
    }
}

/// Counts one call and its latency.
pub fn observe<T>(api: &'static str, elapsed: Duration, result: &Result<T, WeChatError>) {
    metrics::counter!(CALLS, "api" => api, "errcode" => errcode_label(result)).increment(1);
    metrics::histogram!(DURATION, "api" => api).record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_errcode_or_the_transport_failure() {
        let api = |errcode| -> Result<(), WeChatError> {
            Err(WeChatError::Api {
                errcode,
                errmsg: "x".into(),
            })
        };
        assert_eq!(errcode_label(&Ok::<(), WeChatError>(())), "0");
        assert_eq!(errcode_label(&api(40029)), "40029");
        assert_eq!(errcode_label(&api(-1)), "-1");
        assert_eq!(
            errcode_label(&Err::<(), _>(WeChatError::HttpStatus(502))),
            "http_502"
        );
        assert_eq!(
            errcode_label(&Err::<(), _>(WeChatError::Timeout)),
            "timeout"
        );
    }
}
