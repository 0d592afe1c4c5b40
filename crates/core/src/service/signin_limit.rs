//! Password guessing: after an organization's `failedSigninLimit` password attempts without a
//! good one (Casdoor's default 5) an account refuses password sign-ins for
//! `failedSigninFrozenTime` minutes (default 15) without checking them, on every password
//! path. Every path checks passwords through [`Core::user_by_password`], the one place this
//! rule lives. The count is in the database (every node sees it) and each attempt is
//! counted before its password is checked, atomically, so concurrent guesses cannot get
//! more than `limit` passwords checked. Other sign-ins (WeChat) never look at it.

use super::Core;
use crate::clock::Now;
use crate::entity::{Organization, User};
use crate::error::{Error, Result};
use crate::store::SigninClaim;

/// Casdoor's defaults, used when an organization leaves its fields at 0.
pub const DEFAULT_FAILED_SIGNIN_LIMIT: i64 = 5;
pub const DEFAULT_FAILED_SIGNIN_FROZEN_MINUTES: i64 = 15;

/// An organization's rule for wrong passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigninPolicy {
    pub limit: i64,
    pub frozen_seconds: i64,
}

impl SigninPolicy {
    pub fn of(organization: Option<&Organization>) -> Self {
        let positive_or = |v: i64, default: i64| if v > 0 { v } else { default };
        let (limit, minutes) = organization.map_or((0, 0), |o| {
            (o.failed_signin_limit, o.failed_signin_frozen_time)
        });
        SigninPolicy {
            limit: positive_or(limit, DEFAULT_FAILED_SIGNIN_LIMIT),
            frozen_seconds: positive_or(minutes, DEFAULT_FAILED_SIGNIN_FROZEN_MINUTES)
                .saturating_mul(60),
        }
    }

    /// The answer while frozen: Casdoor's message, and when to retry.
    pub fn frozen_error(&self, last_wrong_at: i64, now: Now) -> Error {
        let left = (last_wrong_at + self.frozen_seconds - now.unix()).max(1);
        let minutes = (left + 59) / 60;
        Error::TooManyAttempts {
            message: format!(
                "You have entered the wrong password or code too many times, please wait for {minutes} minutes and try again"
            ),
            retry_after_seconds: left as u64,
        }
    }
}

/// Refuses negative limits and times (management API, init data).
pub fn validate_organization_fields(org: &Organization) -> Result<()> {
    if org.failed_signin_limit < 0 || org.failed_signin_frozen_time < 0 {
        return Err(Error::invalid(
            "failedSigninLimit and failedSigninFrozenTime must not be negative (0: the default)",
        ));
    }
    Ok(())
}

/// Refuses a negative count and a `lastSigninWrongTime` that is not RFC 3339.
pub fn validate_user_fields(user: &User) -> Result<()> {
    if user.signin_wrong_times < 0 {
        return Err(Error::invalid("signinWrongTimes must not be negative"));
    }
    if !user.last_signin_wrong_time.is_empty()
        && Now::parse_rfc3339(&user.last_signin_wrong_time).is_none()
    {
        return Err(Error::invalid(
            "lastSigninWrongTime must be an RFC 3339 time or empty",
        ));
    }
    Ok(())
}

impl Core {
    /// The user `username` of `organization` when `password` is theirs (active or not);
    /// None otherwise. One argon2 verification either way, so unknown users and wrong
    /// passwords cost the same time; a frozen account answers `TooManyAttempts` without
    /// a verification.
    pub(crate) async fn user_by_password(
        &self,
        organization: &str,
        username: &str,
        password: &str,
        now: Now,
    ) -> Result<Option<User>> {
        let Some(user) = self.store.get_user(organization, username).await? else {
            self.passwords.verify(password.to_string(), None).await?;
            return Ok(None);
        };
        let org = self.store.get_organization(organization).await?;
        let policy = SigninPolicy::of(org.as_ref());
        let mut tx = self.store.begin().await?;
        let claim = tx
            .claim_signin_attempt(
                &user.owner,
                &user.name,
                policy.limit,
                now.unix() - policy.frozen_seconds,
                now.unix(),
            )
            .await?;
        tx.commit().await?;
        if let SigninClaim::Frozen { last_wrong_at } = claim {
            return Err(policy.frozen_error(last_wrong_at, now));
        }
        let ok = self
            .passwords
            .verify(password.to_string(), user.password_hash.clone())
            .await?;
        if !ok {
            return Ok(None);
        }
        let mut tx = self.store.begin().await?;
        tx.reset_signin_wrong_times(&user.owner, &user.name).await?;
        tx.commit().await?;
        Ok(Some(user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_fields_mean_casdoors_defaults() {
        assert_eq!(
            SigninPolicy::of(None),
            SigninPolicy {
                limit: 5,
                frozen_seconds: 900
            }
        );
        let org = Organization {
            failed_signin_limit: 3,
            failed_signin_frozen_time: 2,
            ..Organization::default()
        };
        assert_eq!(
            SigninPolicy::of(Some(&org)),
            SigninPolicy {
                limit: 3,
                frozen_seconds: 120
            }
        );
    }

    #[test]
    fn the_frozen_answer_says_when_to_retry() {
        let policy = SigninPolicy::of(None);
        match policy.frozen_error(1_000, Now::from_unix(1_010)) {
            Error::TooManyAttempts {
                message,
                retry_after_seconds,
            } => {
                assert_eq!(retry_after_seconds, 890);
                assert!(message.contains("please wait for 15 minutes"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
