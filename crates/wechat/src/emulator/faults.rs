//! Injected failures: what the emulator answers instead of the real thing, so
//! tests can see how a client copes with a busy, slow or broken WeChat.

use std::time::Duration;

use serde::Deserialize;

/// How the next WeChat API requests fail. Control endpoints never fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// No fault: answer normally (also clears an active fault).
    None,
    /// errcode -1 "system error".
    Busy,
    /// errcode 45011, the per-minute quota.
    RateLimit,
    /// Process the request, then wait `delay_ms` before answering, like an
    /// answer stuck in transit: a client that gives up still had its code consumed.
    Slow,
    /// Close the connection without answering.
    Drop,
    /// errcode 40226, WeChat's risk control blocking the user.
    Blocked,
    /// HTTP 500 with an HTML body.
    Http500,
    /// HTTP 200 with a body that is not JSON.
    Garbage,
}

/// The body of `POST /__emulator/faults`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Fault {
    pub mode: FaultMode,
    /// How many following API requests fail; `None` means until reset.
    #[serde(default)]
    pub count: Option<u32>,
    /// Delay of [`FaultMode::Slow`]; defaults to [`DEFAULT_SLOW_DELAY`].
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// Just over the client's default 5 s total timeout, so "slow" alone means "times out".
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_millis(6_000);

impl Fault {
    /// A fault that lasts until reset.
    pub fn always(mode: FaultMode) -> Self {
        Fault {
            mode,
            count: None,
            delay_ms: None,
        }
    }

    /// A fault for the next `count` API requests.
    pub fn times(mode: FaultMode, count: u32) -> Self {
        Fault {
            mode,
            count: Some(count),
            delay_ms: None,
        }
    }

    /// Slow answers for the next `count` requests (all, if `None`).
    pub fn slow(delay: Duration, count: Option<u32>) -> Self {
        Fault {
            mode: FaultMode::Slow,
            count,
            delay_ms: Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
        }
    }
}

/// The fault currently armed, with how many requests it has left.
#[derive(Debug, Default)]
pub(super) struct FaultSlot {
    armed: Option<(FaultMode, Option<u32>, Duration)>,
}

impl FaultSlot {
    pub(super) fn set(&mut self, fault: Fault) {
        let delay = fault
            .delay_ms
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_SLOW_DELAY);
        self.armed = match (fault.mode, fault.count) {
            (FaultMode::None, _) | (_, Some(0)) => None,
            (mode, count) => Some((mode, count, delay)),
        };
    }

    /// The fault that applies to the request being handled, if any; uses up
    /// one of its remaining count.
    pub(super) fn take(&mut self) -> Option<(FaultMode, Duration)> {
        let (mode, remaining, delay) = self.armed.as_mut()?;
        let applied = (*mode, *delay);
        if let Some(left) = remaining {
            *left -= 1;
            if *left == 0 {
                self.armed = None;
            }
        }
        Some(applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_fault_expires() {
        let mut slot = FaultSlot::default();
        slot.set(Fault::times(FaultMode::Busy, 2));
        assert_eq!(slot.take().map(|f| f.0), Some(FaultMode::Busy));
        assert_eq!(slot.take().map(|f| f.0), Some(FaultMode::Busy));
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn uncounted_fault_lasts_until_none() {
        let mut slot = FaultSlot::default();
        slot.set(Fault::always(FaultMode::Garbage));
        for _ in 0..5 {
            assert_eq!(slot.take().map(|f| f.0), Some(FaultMode::Garbage));
        }
        slot.set(Fault::always(FaultMode::None));
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn slow_delay_defaults_past_the_client_timeout() {
        let mut slot = FaultSlot::default();
        slot.set(Fault::always(FaultMode::Slow));
        assert_eq!(slot.take(), Some((FaultMode::Slow, DEFAULT_SLOW_DELAY)));
        slot.set(Fault::slow(Duration::from_millis(50), Some(1)));
        assert_eq!(
            slot.take(),
            Some((FaultMode::Slow, Duration::from_millis(50)))
        );
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn fault_json_shape() {
        let fault: Fault = serde_json::from_str(r#"{"mode":"rate_limit","count":3}"#).unwrap();
        assert_eq!(fault, Fault::times(FaultMode::RateLimit, 3));
        let fault: Fault = serde_json::from_str(r#"{"mode":"slow","delay_ms":250}"#).unwrap();
        assert_eq!(fault.delay_ms, Some(250));
        assert!(serde_json::from_str::<Fault>(r#"{"mode":"explode"}"#).is_err());
    }
}
