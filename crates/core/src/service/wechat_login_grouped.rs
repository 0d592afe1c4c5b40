//! The common mini-program sign-ins by group commit: a returning user whose profile the
//! sign-in leaves as it is, and a person seen for the first time. The user is read on a
//! reader connection; the sign-in's writes join the grants waiting at that moment in one
//! transaction (`Store::commit_grouped`), which checks again what was read. When the check
//! fails, or for any other sign-in, the sign-in's own transaction decides and answers
//! (`Core::complete_wechat_login`), as it always did.

use super::Core;
use super::audit::Event;
use super::grants::{PendingToken, WECHAT_MINIPROGRAM_TAG};
use super::objects::Objects;
use super::wechat_login::{LOGIN_SCOPE, LoginInput, link_event, new_wechat_user, profile_differs};
use crate::clock::Now;
use crate::entity::{Application, User};
use crate::error::Result;
use crate::store::{GroupedSignup, GroupedWrite, StoreError};

/// A sign-in's user, token and what it writes.
type Prepared = (User, PendingToken, GroupedWrite);

impl Core {
    /// The sign-in by group commit, or None when its own transaction must decide (a phone
    /// sign-in, a profile change, a user who may not sign in, a check that failed).
    pub(super) async fn grouped_login(
        &self,
        objects: &Objects<'_>,
        input: &LoginInput<'_>,
        now: Now,
    ) -> Result<Option<(User, PendingToken)>> {
        if input.phone.is_some() {
            return Ok(None);
        }
        let prepared = match self.store.find_user_by_wechat(input.lookup()).await? {
            Some(user) => self.returning_write(objects, input, user, now).await?,
            None => self.signup_write(objects, input, now).await?,
        };
        let Some((user, pending, write)) = prepared else {
            return Ok(None);
        };
        match self.store.commit_grouped(write).await {
            Ok(true) => Ok(Some((user, pending))),
            // A concurrent first sign-in of this person (or an unrelated user of that name)
            // got there first: the sign-in's own transaction finds or names it.
            Ok(false) | Err(StoreError::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A returning user's sign-in: the identity's touch (applied only while it links this
    /// user and the user is active), the token and the record.
    async fn returning_write(
        &self,
        objects: &Objects<'_>,
        input: &LoginInput<'_>,
        user: User,
        now: Now,
    ) -> Result<Option<Prepared>> {
        let unchanged = !profile_differs(&user, input.nickname, input.avatar);
        if !(input.rules.can_sign_in && user.is_active() && unchanged) {
            return Ok(None);
        }
        let identity = self.wechat_identity(input, &user.name, now)?;
        let pending = login_token(input.app, &user, now);
        let write = Self::grouped_write(
            objects,
            input.app,
            Some(&user),
            &pending,
            Some(identity),
            now,
        )
        .await?;
        Ok(Some((user, pending, write)))
    }

    /// A first sign-in: the new user, its identity and link event, the token, and the
    /// signup and login records (applied only while nobody has the person's unionid).
    async fn signup_write(
        &self,
        objects: &Objects<'_>,
        input: &LoginInput<'_>,
        now: Now,
    ) -> Result<Option<Prepared>> {
        if !input.rules.can_sign_up {
            return Ok(None);
        }
        let user = new_wechat_user(input, 0, now);
        let identity = self.wechat_identity(input, &user.name, now)?;
        let event = link_event(&identity, &user, input.method, now);
        let pending = login_token(input.app, &user, now);
        let mut write =
            Self::grouped_write(objects, input.app, Some(&user), &pending, None, now).await?;
        Self::add_record(&mut write, objects, Event::of_user("signup", &user), now).await?;
        write.signup = Some(GroupedSignup {
            user: user.clone(),
            identity,
            event,
        });
        Ok(Some((user, pending, write)))
    }
}

/// A mini-program sign-in's token for `user`.
pub(super) fn login_token(app: &Application, user: &User, now: Now) -> PendingToken {
    Core::pending_token(app, Some(user), WECHAT_MINIPROGRAM_TAG, LOGIN_SCOPE, now)
}
