//! Who is asking, and what they may do. Every management operation asks these functions;
//! nothing else grants access.

use std::sync::Arc;

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
    Application(Arc<Application>),
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

/// Where a get-user lookup by id, email or phone searches: the organization asked for,
/// else (Casdoor's Python SDK sends none) every organization for a global admin, the
/// caller's own otherwise. What it finds is shown only if [`can_read_user`].
pub fn user_lookup_scope(principal: &Principal, owner: Option<&str>) -> Option<String> {
    if let Some(owner) = owner.filter(|o| !o.is_empty()) {
        return Some(owner.to_string());
    }
    match principal.admin_scope() {
        AdminScope::Everything => None,
        AdminScope::Organization(org) => Some(org),
        AdminScope::Nothing => Some(
            principal
                .user()
                .map_or_else(String::new, |u| u.owner.clone()),
        ),
    }
}

/// Whether the caller may see user `owner/name`: themselves, or an admin of their
/// organization.
pub fn can_read_user(principal: &Principal, owner: &str, name: &str) -> bool {
    principal.is_user(owner, name) || principal.administers(owner)
}

/// Reading a user: themselves, or an admin of their organization.
pub fn require_can_read_user(principal: &Principal, owner: &str, name: &str) -> Result<()> {
    if can_read_user(principal, owner, name) {
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
    // A WeChat-created account has no password: its owner may set a first one here (the
    // official mini-program example's profile form does). Changing one needs the old one.
    let first_password = target.password_hash.is_none();
    let allowed = |f: &str| User::SELF_EDITABLE.contains(&f) || (first_password && f == "password");
    match changed.iter().find(|f| !allowed(f)) {
        Some(f) if f == "password" => Err(Error::forbidden(
            "you have a password already: change it with /api/set-password and the old one",
        )),
        Some(f) => Err(Error::forbidden(format!(
            "only an administrator may change `{f}`"
        ))),
        None => Ok(()),
    }
}

/// Managing an organization's models, permissions, roles, groups, adapters and enforcers,
/// and reading them: its admins and its applications' credentials, nobody else.
pub fn require_can_manage_authz(principal: &Principal, owner: &str) -> Result<()> {
    if principal.administers(owner) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} may not manage the authorization objects of organization {owner}",
            principal.subject()
        )))
    }
}

/// Which organization a list of authorization objects covers: the one asked for, if the
/// caller manages it; none asked (or Casdoor's `admin`, "all"): every organization for a
/// global admin, the caller's own for an organization's admin or application; users none.
pub fn authz_list_scope(principal: &Principal, owner: Option<&str>) -> Result<Option<String>> {
    let owner = owner.filter(|o| *o != crate::entity::GLOBAL_OWNER);
    match (principal.admin_scope(), owner) {
        (AdminScope::Everything, owner) => Ok(owner.map(str::to_string)),
        (_, Some(owner)) => {
            require_can_manage_authz(principal, owner)?;
            Ok(Some(owner.to_string()))
        }
        (AdminScope::Organization(org), None) => Ok(Some(org)),
        (AdminScope::Nothing, None) => Err(Error::forbidden(format!(
            "{} may not list authorization objects",
            principal.subject()
        ))),
    }
}

/// Where `/api/enforce?resourceId=` looks for permissions: Casdoor searches every
/// organization; Ferrodoor only the caller's (every one for a global admin: None).
pub fn enforce_resource_scope(principal: &Principal) -> Option<String> {
    match principal.admin_scope() {
        AdminScope::Everything => None,
        AdminScope::Organization(org) => Some(org),
        AdminScope::Nothing => Some(
            principal
                .user()
                .map_or_else(String::new, |u| u.owner.clone()),
        ),
    }
}

/// Asking `/api/enforce` about `organization`'s permissions: its admins and applications
/// may ask anything; one of its users (a mini program's Bearer token) only about themselves,
/// i.e. every request's subject (its first value) must be their own `owner/name`.
pub fn require_can_enforce(
    principal: &Principal,
    organization: &str,
    subjects: &[&str],
) -> Result<()> {
    if principal.administers(organization) {
        return Ok(());
    }
    if let Some(user) = principal.user()
        && user.owner == organization
        && user.is_active()
    {
        let me = user.id_string();
        if let Some(other) = subjects.iter().find(|s| **s != me) {
            return Err(Error::forbidden(format!(
                "{me} may only ask about themselves, not about {other:?}"
            )));
        }
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "{} may not ask about the permissions of organization {organization}",
        principal.subject()
    )))
}

/// Setting a user's password: an admin of their organization without the old one (a
/// reset), the user themselves only with the old one (checked by the caller).
pub fn require_can_set_password(
    principal: &Principal,
    owner: &str,
    name: &str,
    old_password_given: bool,
) -> Result<()> {
    if principal.administers(owner) {
        return Ok(());
    }
    if !principal.is_user(owner, name) {
        return Err(Error::forbidden(format!(
            "{} may not set the password of {owner}/{name}",
            principal.subject()
        )));
    }
    if !old_password_given {
        return Err(Error::forbidden("give your current password (oldPassword)"));
    }
    Ok(())
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

/// A provider, and its business-domain verification file (`verification_files`): the global
/// admins for a global provider (owner `admin`), else the admins of its organization.
/// Reading a served verification file needs nothing (WeChat fetches it).
pub fn require_can_manage_provider(principal: &Principal, provider_owner: &str) -> Result<()> {
    if provider_owner == crate::entity::GLOBAL_OWNER {
        require_global_admin(principal)
    } else {
        require_admin_of(principal, provider_owner)
    }
}

// ---- Casdoor's Session objects, tokens and certificates (issue 13) ----

/// The Session objects and tokens of an organization's users (and its applications'
/// client-credentials tokens): its admins and its applications' credentials. `None`
/// (every organization's): global admins only. A plain user sees none, not even their
/// own: these are Casdoor's admin API, and a token list tells who is signed in where.
pub fn require_can_manage_sign_ins(
    principal: &Principal,
    organization: Option<&str>,
) -> Result<()> {
    match organization {
        Some(org) => require_admin_of(principal, org),
        None => require_global_admin(principal),
    }
}

/// Which organization a list of Session objects or tokens covers: the one asked for, if
/// the caller manages it; none asked (or Casdoor's `admin`, "all"): every organization for
/// a global admin, the caller's own for an organization's admin or application.
pub fn sign_in_list_scope(
    principal: &Principal,
    organization: Option<&str>,
) -> Result<Option<String>> {
    let organization = organization.filter(|o| !o.is_empty() && *o != crate::entity::GLOBAL_OWNER);
    match (principal.admin_scope(), organization) {
        (AdminScope::Everything, org) => Ok(org.map(str::to_string)),
        (AdminScope::Organization(own), None) => Ok(Some(own)),
        (_, Some(org)) => {
            require_can_manage_sign_ins(principal, Some(org))?;
            Ok(Some(org.to_string()))
        }
        (AdminScope::Nothing, None) => Err(Error::forbidden(format!(
            "{} may not list sessions or tokens",
            principal.subject()
        ))),
    }
}

/// Issuing a token for `user` of `organization` through `application` (Casdoor's
/// `add-token`): an admin of the organization, and the application must be one of that
/// organization's (a global admin: any application). An organization's admin cannot mint
/// tokens of another organization's application, nor for another organization's user.
pub fn require_can_issue_token(
    principal: &Principal,
    organization: &str,
    application: &Application,
) -> Result<()> {
    require_can_manage_sign_ins(principal, Some(organization))?;
    if principal.is_global_admin() || application.organization == organization {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "{} may not issue tokens of application {} (organization {})",
            principal.subject(),
            application.name,
            application.organization
        )))
    }
}

/// Certificates are global objects (every application's signing key): global admins add,
/// change and delete them.
pub fn require_can_manage_certs(principal: &Principal) -> Result<()> {
    require_global_admin(principal)
}

// ---- issue 12: whose roles, objects and actions a caller may read -------------------------

/// Whose grants `get-all-objects`, `get-all-actions` and `get-all-roles` read, as
/// (`owner`, `name`): without `userId`, the signed-in user's own; with `userId`
/// (`owner/name`), the caller themselves, or anyone of an organization whose authorization
/// objects the caller manages. Differs from Casdoor, which answers anyone about anyone.
pub fn grants_read_target(
    principal: &Principal,
    user_id: Option<&str>,
) -> Result<(String, String)> {
    let user_id = user_id.map(str::trim).filter(|s| !s.is_empty());
    let Some(user_id) = user_id else {
        return principal
            .user()
            .map(|u| (u.owner.clone(), u.name.clone()))
            .ok_or_else(|| Error::invalid("Please login first (or give userId=owner/name)"));
    };
    let (owner, name) = crate::entity::split_id(user_id)
        .ok_or_else(|| Error::invalid(format!("userId must be owner/name, got {user_id:?}")))?;
    if principal.is_user(owner, name) || principal.administers(owner) {
        Ok((owner.to_string(), name.to_string()))
    } else {
        Err(Error::forbidden(format!(
            "{} may not read the grants of {owner}/{name}",
            principal.subject()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IDOR: another organization's admin, a plain user (even about their own) and an
    /// application of another organization are refused.
    #[test]
    fn sessions_and_tokens_belong_to_their_organization_admins() {
        let boss = user("acme", "boss", true);
        let alice = user("acme", "alice", false);
        let other = user("other", "boss", true);
        let root = user("built-in", "admin", true);
        assert!(require_can_manage_sign_ins(&boss, Some("acme")).is_ok());
        assert!(require_can_manage_sign_ins(&other, Some("acme")).is_err());
        assert!(require_can_manage_sign_ins(&alice, Some("acme")).is_err());
        assert!(require_can_manage_sign_ins(&app("other"), Some("acme")).is_err());
        assert!(require_can_manage_sign_ins(&app("acme"), Some("acme")).is_ok());
        assert!(require_can_manage_sign_ins(&boss, None).is_err());
        assert!(require_can_manage_sign_ins(&root, None).is_ok());

        assert_eq!(
            sign_in_list_scope(&boss, None).ok(),
            Some(Some("acme".into()))
        );
        assert_eq!(
            sign_in_list_scope(&boss, Some("admin")).ok(),
            Some(Some("acme".into()))
        );
        assert!(sign_in_list_scope(&boss, Some("other")).is_err());
        assert!(sign_in_list_scope(&alice, None).is_err());
        assert!(sign_in_list_scope(&alice, Some("acme")).is_err());
        assert_eq!(sign_in_list_scope(&root, None).ok(), Some(None));
        assert_eq!(
            sign_in_list_scope(&root, Some("other")).ok(),
            Some(Some("other".into()))
        );
    }

    #[test]
    fn tokens_are_issued_only_through_the_organizations_own_applications() {
        let acme_app = Application {
            name: "web".into(),
            organization: "acme".into(),
            ..Application::default()
        };
        let other_app = Application {
            name: "theirs".into(),
            organization: "other".into(),
            ..Application::default()
        };
        let boss = user("acme", "boss", true);
        assert!(require_can_issue_token(&boss, "acme", &acme_app).is_ok());
        assert!(require_can_issue_token(&boss, "acme", &other_app).is_err());
        assert!(require_can_issue_token(&boss, "other", &other_app).is_err());
        assert!(require_can_issue_token(&user("acme", "alice", false), "acme", &acme_app).is_err());
        assert!(
            require_can_issue_token(&user("built-in", "admin", true), "acme", &other_app).is_ok()
        );
    }

    #[test]
    fn only_global_admins_manage_certificates() {
        assert!(require_can_manage_certs(&user("built-in", "admin", true)).is_ok());
        assert!(require_can_manage_certs(&user("acme", "boss", true)).is_err());
        assert!(require_can_manage_certs(&user("built-in", "alice", false)).is_err());
        assert!(require_can_manage_certs(&app("acme")).is_err());
    }

    /// IDOR: another organization's admin, and a plain user of the same one, are refused.
    #[test]
    fn records_and_webhooks_belong_to_their_organization_admins() {
        assert!(require_can_audit(&user("acme", "boss", true), Some("acme")).is_ok());
        assert!(require_can_audit(&user("other", "boss", true), Some("acme")).is_err());
        assert!(require_can_audit(&user("acme", "alice", false), Some("acme")).is_err());
        assert!(require_can_audit(&user("acme", "boss", true), None).is_err());
        assert!(require_can_audit(&user("built-in", "admin", true), None).is_ok());
    }

    /// IDOR: another organization's admin, a plain user, an organization admin on a global
    /// provider: all refused (for the provider and its verification file alike).
    #[test]
    fn providers_and_their_verification_files_belong_to_their_managers() {
        let f = require_can_manage_provider;
        assert!(f(&user("built-in", "admin", true), "admin").is_ok());
        assert!(f(&user("built-in", "admin", true), "acme").is_ok());
        assert!(f(&user("acme", "boss", true), "acme").is_ok());
        assert!(f(&user("acme", "boss", true), "admin").is_err());
        assert!(f(&user("other", "boss", true), "acme").is_err());
        assert!(f(&user("acme", "alice", false), "acme").is_err());
        assert!(f(&user("built-in", "bob", false), "admin").is_err());
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
        assert!(Principal::Application(Arc::new(app)).administers("acme"));
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
        let with_password = User {
            password_hash: Some("$argon2id$x".into()),
            ..target.clone()
        };
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
        ] {
            let changed = vec![f.to_string()];
            assert!(
                matches!(
                    require_can_update_user(&alice, &with_password, &changed),
                    Err(Error::Forbidden(_))
                ),
                "{f} must be admin-only"
            );
        }
        // A first password (WeChat accounts have none), an email and a phone are the user's.
        let contact = ["password", "email", "phone"].map(String::from);
        assert!(require_can_update_user(&alice, &target, &contact).is_ok());
        // Bob may not give alice a first password either.
        assert!(require_can_update_user(&bob, &target, &contact[..1]).is_err());
        let boss = user("acme", "boss", true);
        assert!(require_can_update_user(&boss, &with_password, &contact).is_ok());
        assert!(require_can_update_user(&boss, &target, &["isAdmin".to_string()]).is_ok());
        assert!(require_can_update_user(&boss, &target, &["name".to_string()]).is_err());
        let other_boss = user("other", "boss", true);
        assert!(require_can_update_user(&other_boss, &target, &ok).is_err());
    }

    fn app(org: &str) -> Principal {
        Principal::Application(Arc::new(Application {
            organization: org.into(),
            name: format!("app-{org}"),
            ..Application::default()
        }))
    }

    #[test]
    fn authorization_objects_belong_to_their_organization() {
        assert!(require_can_manage_authz(&user("acme", "boss", true), "acme").is_ok());
        assert!(require_can_manage_authz(&app("acme"), "acme").is_ok());
        assert!(require_can_manage_authz(&user("built-in", "admin", true), "acme").is_ok());
        for who in [
            user("acme", "alice", false),
            user("other", "boss", true),
            app("other"),
        ] {
            assert!(
                matches!(
                    require_can_manage_authz(&who, "acme"),
                    Err(Error::Forbidden(_))
                ),
                "{} must not manage acme's roles",
                who.subject()
            );
        }
    }

    #[test]
    fn users_enforce_only_about_themselves_and_apps_only_in_their_organization() {
        let alice = user("acme", "alice", false);
        assert!(require_can_enforce(&alice, "acme", &["acme/alice"]).is_ok());
        assert!(require_can_enforce(&alice, "acme", &["acme/alice", "acme/bob"]).is_err());
        assert!(require_can_enforce(&alice, "acme", &["acme/bob"]).is_err());
        // Her own name in another organization's permissions is not hers to ask about.
        assert!(require_can_enforce(&alice, "other", &["acme/alice"]).is_err());
        assert!(require_can_enforce(&app("acme"), "acme", &["acme/bob"]).is_ok());
        assert!(require_can_enforce(&app("other"), "acme", &["acme/bob"]).is_err());
        assert!(require_can_enforce(&user("acme", "boss", true), "acme", &["acme/bob"]).is_ok());
    }

    #[test]
    fn authorization_lists_cover_only_what_the_caller_manages() {
        let root = user("built-in", "admin", true);
        assert_eq!(authz_list_scope(&root, None).unwrap(), None);
        assert_eq!(authz_list_scope(&root, Some("admin")).unwrap(), None);
        assert_eq!(
            authz_list_scope(&root, Some("acme")).unwrap().as_deref(),
            Some("acme")
        );
        // An organization's app without an owner, or with `admin`, sees its own only.
        for owner in [None, Some("admin")] {
            assert_eq!(
                authz_list_scope(&app("acme"), owner).unwrap().as_deref(),
                Some("acme")
            );
        }
        assert!(authz_list_scope(&app("acme"), Some("other")).is_err());
        assert!(authz_list_scope(&user("acme", "alice", false), None).is_err());
        assert!(authz_list_scope(&user("acme", "alice", false), Some("acme")).is_err());
        assert_eq!(enforce_resource_scope(&root), None);
        assert_eq!(
            enforce_resource_scope(&app("acme")).as_deref(),
            Some("acme")
        );
        assert_eq!(
            enforce_resource_scope(&user("other", "eve", false)).as_deref(),
            Some("other")
        );
    }

    /// IDOR: a lookup by email or phone without an organization searches only what the
    /// caller administers, and shows only users they may read.
    #[test]
    fn user_lookups_stay_within_what_the_caller_may_read() {
        let alice = user("acme", "alice", false);
        assert_eq!(user_lookup_scope(&alice, None).as_deref(), Some("acme"));
        assert_eq!(
            user_lookup_scope(&alice, Some("other")).as_deref(),
            Some("other")
        );
        assert!(!can_read_user(&alice, "other", "x") && !can_read_user(&alice, "acme", "bob"));
        assert!(can_read_user(&alice, "acme", "alice"));
        let boss = user("acme", "boss", true);
        assert_eq!(user_lookup_scope(&boss, None).as_deref(), Some("acme"));
        assert!(can_read_user(&boss, "acme", "bob") && !can_read_user(&boss, "other", "bob"));
        let root = user("built-in", "admin", true);
        assert_eq!(user_lookup_scope(&root, None), None);
    }

    /// IDOR: set-password for someone else is refused unless one administers them.
    #[test]
    fn passwords_are_set_by_their_owner_with_the_old_one_or_by_an_admin() {
        let alice = user("acme", "alice", false);
        assert!(require_can_set_password(&alice, "acme", "alice", true).is_ok());
        assert!(require_can_set_password(&alice, "acme", "alice", false).is_err());
        assert!(require_can_set_password(&alice, "acme", "bob", true).is_err());
        let boss = user("acme", "boss", true);
        assert!(require_can_set_password(&boss, "acme", "alice", false).is_ok());
        assert!(require_can_set_password(&boss, "other", "alice", false).is_err());
        let app = Principal::Application(Arc::new(Application {
            organization: "acme".into(),
            ..Application::default()
        }));
        assert!(require_can_set_password(&app, "acme", "alice", false).is_ok());
        assert!(require_can_set_password(&app, "other", "alice", true).is_err());
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
            Principal::Application(Arc::new(Application {
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
        let app = Principal::Application(Arc::new(Application {
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
