//! The console's dashboard: sign-ups, sign-ins, failed WeChat sign-ins and active users per
//! day, counted by the database from the records (`get-record-stats`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::Core;
use crate::authz::{Principal, require_can_audit};
use crate::clock::Now;
use crate::error::{Error, Result};
use crate::store::SigninCount;

/// The longest period the dashboard counts (the default retention is 90 days).
pub const MAX_DAYS: u32 = 366;
/// When `days` is not given.
pub const DEFAULT_DAYS: u32 = 30;
/// The method of a sign-in record that has none (written before methods were recorded,
/// or by a sign-in path that names none).
const OTHER: &str = "other";

/// Per-day series; every series has one value per entry of `days`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordStats {
    /// The organization counted; empty: every organization.
    pub organization: String,
    /// `YYYY-MM-DD` (UTC), oldest first, today last.
    pub days: Vec<String>,
    /// `signup` records by sign-in method.
    pub signups: BTreeMap<String, Vec<u64>>,
    /// `login` records by sign-in method.
    pub signins: BTreeMap<String, Vec<u64>>,
    /// `login-failed` records by sign-in method.
    pub failed_signins: BTreeMap<String, Vec<u64>>,
    /// `login-failed` records of the WeChat methods (`wechat_*`): WeChat refused the code or
    /// failed (timeout, unreachable, busy), by method.
    pub wechat_errors: BTreeMap<String, Vec<u64>>,
    /// Distinct users who signed up or in (applications signing in for themselves are not
    /// counted).
    pub active_users: Vec<u64>,
}

impl RecordStats {
    fn add(&mut self, row: SigninCount, index: usize) {
        let method = if row.login_method.is_empty() {
            OTHER.to_string()
        } else {
            row.login_method
        };
        let series = match row.action.as_str() {
            "signup" => &mut self.signups,
            "login" => &mut self.signins,
            "login-failed" => &mut self.failed_signins,
            _ => return,
        };
        let width = self.days.len();
        bump(series, &method, index, width, row.count);
        if row.action == "login-failed" && method.starts_with("wechat") {
            bump(&mut self.wechat_errors, &method, index, width, row.count);
        }
    }
}

fn bump(series: &mut BTreeMap<String, Vec<u64>>, key: &str, index: usize, width: usize, n: u64) {
    let values = series
        .entry(key.to_string())
        .or_insert_with(|| vec![0; width]);
    values[index] = values[index].saturating_add(n);
}

/// The `days` days that end today, oldest first.
fn day_range(days: u32, now: Now) -> Vec<String> {
    (0..i64::from(days))
        .rev()
        .map(|back| day_of(now.plus_seconds(-back * 86_400)))
        .collect()
}

fn day_of(t: Now) -> String {
    t.rfc3339().chars().take(10).collect()
}

impl Core {
    /// The dashboard's counts over the last `days` days (1 to [`MAX_DAYS`]). `organization`:
    /// one organization's (its admins); None: every organization's (global admins).
    pub async fn record_stats(
        &self,
        who: &Principal,
        organization: Option<&str>,
        days: Option<u32>,
        now: Now,
    ) -> Result<RecordStats> {
        let days = days.unwrap_or(DEFAULT_DAYS);
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(Error::Invalid(format!(
                "days must be between 1 and {MAX_DAYS}"
            )));
        }
        require_can_audit(who, organization)?;
        let mut stats = RecordStats {
            organization: organization.unwrap_or_default().to_string(),
            days: day_range(days, now),
            ..RecordStats::default()
        };
        // Every record of the first day sorts after the bare date.
        let since = stats.days[0].clone();
        let index: BTreeMap<String, usize> = stats
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i))
            .collect();
        for row in self.store.count_signins(organization, &since).await? {
            if let Some(&i) = index.get(&row.day) {
                stats.add(row, i);
            }
        }
        stats.active_users = vec![0; stats.days.len()];
        for (day, n) in self.store.count_active_users(organization, &since).await? {
            if let Some(&i) = index.get(&day) {
                stats.active_users[i] = n;
            }
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(day: &str, action: &str, method: &str, n: u64) -> SigninCount {
        SigninCount {
            day: day.into(),
            action: action.into(),
            login_method: method.into(),
            count: n,
        }
    }

    #[test]
    fn days_end_today_and_cross_month_ends() {
        let now = Now::parse_rfc3339("2026-03-01T23:59:59Z").expect("a time");
        assert_eq!(
            day_range(3, now),
            ["2026-02-27", "2026-02-28", "2026-03-01"]
        );
    }

    #[test]
    fn counts_go_to_their_day_and_method_and_wechat_failures_are_wechat_errors() {
        let mut stats = RecordStats {
            days: vec!["d0".into(), "d1".into()],
            ..RecordStats::default()
        };
        stats.add(count("d1", "login", "password", 2), 1);
        stats.add(count("d1", "login", "", 1), 1);
        stats.add(count("d0", "login-failed", "wechat_miniprogram", 3), 0);
        stats.add(count("d0", "login-failed", "password", 4), 0);
        stats.add(count("d0", "logout", "password", 9), 0);
        assert_eq!(stats.signins["password"], [0, 2]);
        assert_eq!(stats.signins[OTHER], [0, 1]);
        assert_eq!(stats.failed_signins["password"], [4, 0]);
        assert_eq!(stats.wechat_errors["wechat_miniprogram"], [3, 0]);
        assert!(!stats.wechat_errors.contains_key("password"));
        assert!(stats.signups.is_empty());
    }
}
