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

/// A PC sign-in by scanning the mini program's code (`wechat_scan`): the person who scans
/// must be a signed-in, active user of the ticket's organization (a person of another
/// organization has no account there to sign in to); once scanned, only that same user may
/// confirm or cancel it (`scanned_by`, `owner/name`; empty while nobody has scanned it).
pub fn require_can_answer_scan<'a>(
    principal: &'a Principal,
    organization: &str,
    scanned_by: &str,
) -> Result<&'a User> {
    let user = principal.user().filter(|u| u.is_active()).ok_or_else(|| {
        Error::forbidden("only a signed-in person may answer a sign-in code, not an application")
    })?;
    if user.owner != organization {
        return Err(Error::forbidden(format!(
            "{} may not sign in to organization {organization}",
            principal.subject()
        )));
    }
    if !scanned_by.is_empty() && scanned_by != user.id_string() {
        return Err(Error::forbidden(
            "this sign-in code was scanned by someone else: only they may answer it",
        ));
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_the_scanner_of_the_tickets_organization_answers_a_scan() {
        let alice = user("acme", "alice", false);
        let bob = user("acme", "bob", false);
        let eve = user("other", "eve", false);
        let global = user("built-in", "admin", true);
        assert_eq!(
            require_can_answer_scan(&alice, "acme", "").unwrap().name,
            "alice"
        );
        assert!(require_can_answer_scan(&alice, "acme", "acme/alice").is_ok());
        // IDOR: Bob answers the ticket Alice scanned; Eve and even a global admin sign
        // in to an organization they have no account in.
        for (who, scanned_by) in [(&bob, "acme/alice"), (&eve, ""), (&global, "")] {
            assert!(matches!(
                require_can_answer_scan(who, "acme", scanned_by),
                Err(Error::Forbidden(_))
            ));
        }
        let app = Principal::Application(Box::new(Application {
            organization: "acme".into(),
            ..Application::default()
        }));
        assert!(require_can_answer_scan(&app, "acme", "").is_err());
        let mut banned = User {
            owner: "acme".into(),
            name: "carl".into(),
            is_forbidden: true,
            ..User::default()
        };
        banned.is_admin = false;
        let banned = Principal::User {
            user: Box::new(banned),
            credential: Credential::Session,
        };
        assert!(require_can_answer_scan(&banned, "acme", "").is_err());
    }
}
