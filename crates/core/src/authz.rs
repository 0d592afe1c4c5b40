//! Who is asking, and what they may do. Every management operation asks these functions;
//! nothing else grants access.

use crate::entity::{Application, BUILT_IN_ORG, User};
use crate::error::{Error, Result};

/// How a user proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A console sign-in cookie.
    Session,
    /// An access token (the name of its token row, and its scope).
    Bearer {
        token_name: String,
        scope: String,
        application: String,
        /// The client id the token was issued to (`azp`).
        client_id: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    User {
        user: Box<User>,
        credential: Credential,
    },
    /// An application acting for itself (client credentials), as Casdoor's SDKs do.
    Application(Box<Application>),
}

/// What a caller administers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminScope {
    Everything,
    Organization(String),
    Nothing,
}

impl Principal {
    /// Global admins: admins of the `built-in` organization and the built-in organization's
    /// applications. Unlike Casdoor (#2340), a `built-in` user without `isAdmin` is not one,
    /// and the client secret of an ordinary application only administers its organization.
    pub fn admin_scope(&self) -> AdminScope {
        match self {
            Principal::User { user, .. } if user.is_admin && user.is_active() => {
                if user.owner == BUILT_IN_ORG {
                    AdminScope::Everything
                } else {
                    AdminScope::Organization(user.owner.clone())
                }
            }
            Principal::User { .. } => AdminScope::Nothing,
            Principal::Application(app) if app.organization == BUILT_IN_ORG => {
                AdminScope::Everything
            }
            Principal::Application(app) => AdminScope::Organization(app.organization.clone()),
        }
    }

    pub fn is_global_admin(&self) -> bool {
        self.admin_scope() == AdminScope::Everything
    }

    /// Whether the caller administers `organization`.
    pub fn administers(&self, organization: &str) -> bool {
        match self.admin_scope() {
            AdminScope::Everything => true,
            AdminScope::Organization(org) => org == organization,
            AdminScope::Nothing => false,
        }
    }

    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::User { user, .. } => Some(user),
            Principal::Application(_) => None,
        }
    }

    /// Whether the caller is the user `owner/name` themselves.
    pub fn is_user(&self, owner: &str, name: &str) -> bool {
        self.user()
            .is_some_and(|u| u.owner == owner && u.name == name)
    }

    /// `owner/name` of a user, `admin/<app>` of an application (Casdoor's subject naming).
    pub fn subject(&self) -> String {
        match self {
            Principal::User { user, .. } => user.id_string(),
            Principal::Application(app) => format!("app/{}", app.name),
        }
    }
}

/// Refuses unless the caller administers `organization`.
pub fn require_admin_of(principal: &Principal, organization: &str) -> Result<()> {
    if principal.administers(organization) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} may not administer organization {organization}",
            principal.subject()
        )))
    }
}

pub fn require_global_admin(principal: &Principal) -> Result<()> {
    if principal.is_global_admin() {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} is not a global administrator",
            principal.subject()
        )))
    }
}

/// Reading a user: themselves, or an admin of their organization.
pub fn require_can_read_user(principal: &Principal, owner: &str, name: &str) -> Result<()> {
    if principal.is_user(owner, name) || principal.administers(owner) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} may not read user {owner}/{name}",
            principal.subject()
        )))
    }
}

/// Changing a user: an admin of their organization may change anything but the
/// identity; the user themselves only the fields in [`User::SELF_EDITABLE`].
pub fn require_can_update_user(
    principal: &Principal,
    target: &User,
    changed: &[String],
) -> Result<()> {
    if principal.administers(&target.owner) {
        if let Some(f) = changed
            .iter()
            .find(|f| *f == "owner" || *f == "name" || *f == "id")
        {
            return Err(Error::invalid(format!("the field `{f}` cannot be changed")));
        }
        return Ok(());
    }
    if !principal.is_user(&target.owner, &target.name) {
        return Err(Error::forbidden(format!(
            "{} may not change user {}",
            principal.subject(),
            target.id_string()
        )));
    }
    match changed
        .iter()
        .find(|f| !User::SELF_EDITABLE.contains(&f.as_str()))
    {
        Some(f) => Err(Error::forbidden(format!(
            "only an administrator may change `{f}`"
        ))),
        None => Ok(()),
    }
}

/// Metrics (`/api/metrics`): global admins only; organization admins would see every
/// organization's traffic. A scraper without an account presents the operator's token
/// instead (see [`metrics_token_matches`]).
pub fn require_metrics_reader(principal: &Principal) -> Result<()> {
    require_global_admin(principal)
}

/// Whether `presented` is the configured metrics token, compared in constant time. No
/// token configured (or an empty one) matches nothing.
pub fn metrics_token_matches(configured: Option<&str>, presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    match configured {
        Some(expected) if !expected.is_empty() => {
            bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
        }
        _ => false,
    }
}

/// Records (audit trail) and webhooks of an organization: its admins. `None` (every
/// organization's): global admins only. Records tell who signed in from where, so an
/// ordinary user sees none, not even their own (Casdoor shows them to any signed-in user).
pub fn require_can_audit(principal: &Principal, organization: Option<&str>) -> Result<()> {
    match organization {
        Some(org) => require_admin_of(principal, org),
        None => require_global_admin(principal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IDOR: another organization's admin, and a plain user of the same one, are refused.
    #[test]
    fn records_and_webhooks_belong_to_their_organization_admins() {
        assert!(require_can_audit(&user("acme", "boss", true), Some("acme")).is_ok());
        assert!(require_can_audit(&user("other", "boss", true), Some("acme")).is_err());
        assert!(require_can_audit(&user("acme", "alice", false), Some("acme")).is_err());
        assert!(require_can_audit(&user("acme", "boss", true), None).is_err());
        assert!(require_can_audit(&user("built-in", "admin", true), None).is_ok());
    }

    fn user(owner: &str, name: &str, admin: bool) -> Principal {
        Principal::User {
            user: Box::new(User {
                owner: owner.into(),
                name: name.into(),
                is_admin: admin,
                ..User::default()
            }),
            credential: Credential::Session,
        }
    }

    #[test]
    fn admin_scopes() {
        assert_eq!(
            user("built-in", "admin", true).admin_scope(),
            AdminScope::Everything
        );
        assert_eq!(
            user("built-in", "bob", false).admin_scope(),
            AdminScope::Nothing
        );
        assert_eq!(
            user("acme", "boss", true).admin_scope(),
            AdminScope::Organization("acme".into())
        );
        let app = Application {
            organization: "acme".into(),
            ..Application::default()
        };
        assert!(Principal::Application(Box::new(app)).administers("acme"));
        let mut forbidden_admin = User {
            owner: "built-in".into(),
            is_admin: true,
            is_forbidden: true,
            ..User::default()
        };
        forbidden_admin.name = "x".into();
        let p = Principal::User {
            user: Box::new(forbidden_admin),
            credential: Credential::Session,
        };
        assert_eq!(p.admin_scope(), AdminScope::Nothing);
    }

    #[test]
    fn users_change_only_their_own_profile() {
        let target = User {
            owner: "acme".into(),
            name: "alice".into(),
            ..User::default()
        };
        let alice = user("acme", "alice", false);
        let bob = user("acme", "bob", false);
        let ok = vec!["displayName".to_string(), "avatar".to_string()];
        assert!(require_can_update_user(&alice, &target, &ok).is_ok());
        assert!(matches!(
            require_can_update_user(&bob, &target, &ok),
            Err(Error::Forbidden(_))
        ));
        for f in [
            "isAdmin",
            "owner",
            "name",
            "wechat",
            "properties",
            "password",
            "email",
        ] {
            let changed = vec![f.to_string()];
            assert!(
                matches!(
                    require_can_update_user(&alice, &target, &changed),
                    Err(Error::Forbidden(_))
                ),
                "{f} must be admin-only"
            );
        }
        let boss = user("acme", "boss", true);
        assert!(require_can_update_user(&boss, &target, &["isAdmin".to_string()]).is_ok());
        assert!(require_can_update_user(&boss, &target, &["name".to_string()]).is_err());
        let other_boss = user("other", "boss", true);
        assert!(require_can_update_user(&other_boss, &target, &ok).is_err());
    }

    #[test]
    fn only_global_admins_or_the_metrics_token_read_metrics() {
        assert!(require_metrics_reader(&user("built-in", "admin", true)).is_ok());
        for who in [user("acme", "boss", true), user("built-in", "bob", false)] {
            assert!(matches!(
                require_metrics_reader(&who),
                Err(Error::Forbidden(_))
            ));
        }
        let app = |org: &str| {
            Principal::Application(Box::new(Application {
                organization: org.into(),
                ..Application::default()
            }))
        };
        assert!(require_metrics_reader(&app("acme")).is_err());
        assert!(require_metrics_reader(&app("built-in")).is_ok());
        assert!(metrics_token_matches(Some("s3cret-token"), "s3cret-token"));
        assert!(!metrics_token_matches(Some("s3cret-token"), "s3cret-tokeN"));
        assert!(!metrics_token_matches(Some("s3cret-token"), "s3cret"));
        assert!(!metrics_token_matches(Some(""), ""));
        assert!(!metrics_token_matches(None, ""));
    }
}
