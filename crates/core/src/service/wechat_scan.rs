//! PC sign-in by scanning the mini program's code (`wxa/getwxacodeunlimit`, `scene` = a
//! ticket): the sign-in page shows the code, the person scans it with WeChat, their mini
//! program (signed in with its own session) shows what is asking and confirms or cancels,
//! and the page, polling, finishes the relying party's authorization.
//!
//! Threat model (docs/wechat-web-and-scan.md has it with the test of each threat):
//! - Login CSRF / session fixation: the `scene` is public (it is on the screen), so it
//!   proves nothing. The browser that asked holds a random secret (an HttpOnly cookie, its
//!   hash in the ticket); only that browser can learn the outcome and finish, so a ticket
//!   confirmed on a phone signs in that browser and no other.
//! - QR-jacking (an attacker relays their own code to a victim): the mini program shows the
//!   requesting application, the browser's address and user agent before the person
//!   confirms; tickets live [`TICKET_SECONDS`], so a relayed code goes stale quickly.
//! - Replay: a ticket finishes once (`used`); confirmed, cancelled and used tickets never
//!   change again.
//! - Another person answering: the first scanner owns the ticket; only they may confirm or
//!   cancel it, and only users of the application's organization may scan
//!   ([`crate::authz::require_can_answer_scan`]).
//! - Guessing: scenes carry 144 random bits, the browser secret 256.
//!
//! Tickets live in the database, so any node may show, confirm or finish one.

use serde::Serialize;
use subtle::ConstantTimeEq;

use super::Core;
use super::oauth::AuthorizeRequest;
use super::wechat_login::SignInRules;
use crate::authz::{Principal, require_can_answer_scan};
use crate::clock::Now;
use crate::entity::{Application, Provider, ProviderKind, ScanTicket, scan_status as st};
use crate::error::{Error, Result};
use crate::token::{hash_secret, random_token};

/// How long a code may wait for its scan and confirmation (the default of
/// `CoreConfig::wechat_scan_ticket_seconds`).
pub const TICKET_SECONDS: i64 = 120;
/// The browser's cookie outlives its ticket by this much, so the page's last polls still
/// learn "expired" instead of "made for another browser".
const COOKIE_GRACE_SECONDS: i64 = 60;
/// The mini program's page that answers a scan (it reads `options.scene` in `onLoad`).
pub const SCAN_PAGE: &str = "pages/ferrodoor/web-login";
/// The cookie that binds a ticket to the browser that asked for it.
pub const SCAN_COOKIE: &str = "ferrodoor_wechat_scan";

/// Where a sign-in was asked from, shown to the person before they confirm.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    pub ip: String,
    pub user_agent: String,
}

/// A code to show: its picture, and the secret for [`SCAN_COOKIE`].
#[derive(Debug)]
pub struct ScanStart {
    pub scene: String,
    pub cookie: String,
    pub max_age: i64,
    pub png: Vec<u8>,
    pub application: String,
}

/// What the polling page learns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProgress {
    Waiting,
    Scanned,
    Cancelled,
    Expired,
    /// Signed in: the relying party's `redirect_uri?code&state`.
    Done(String),
}

impl ScanProgress {
    pub fn status(&self) -> &'static str {
        match self {
            ScanProgress::Waiting => st::WAITING,
            ScanProgress::Scanned => st::SCANNED,
            ScanProgress::Cancelled => st::CANCELLED,
            ScanProgress::Expired => "expired",
            ScanProgress::Done(_) => st::CONFIRMED,
        }
    }
}

/// What the mini program does with a scanned code (the SDK's `scanWebLogin`,
/// `confirmWebLogin`, `cancelWebLogin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanAction {
    Scan,
    Confirm,
    Cancel,
}

impl ScanAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "scan" => Some(ScanAction::Scan),
            "confirm" => Some(ScanAction::Confirm),
            "cancel" => Some(ScanAction::Cancel),
            _ => None,
        }
    }
}

/// What the mini program shows before the person confirms.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ScanView {
    pub scene: String,
    pub status: String,
    pub application: String,
    pub organization: String,
    pub requester_ip: String,
    pub requester_agent: String,
    pub created_time: String,
    pub expires_in: i64,
}

impl Core {
    /// Makes a ticket and its code for the authorization request `req` with the
    /// application's mini-program provider `provider` (empty: its first one). Nothing is
    /// stored when WeChat cannot draw the code.
    pub async fn start_scan_login(
        &self,
        req: &AuthorizeRequest,
        provider: &str,
        requester: &Requester,
        now: Now,
    ) -> Result<ScanStart> {
        let app = self.checked_request(req).await?;
        let provider = self.scan_provider(&app, provider).await?;
        let scene = random_token(18);
        let secret = random_token(32);
        let lifetime = self.config.wechat_scan_ticket_seconds;
        let png = self
            .wechat
            .mini_program_code(
                &provider.client_id,
                &provider.client_secret,
                &scene,
                SCAN_PAGE,
            )
            .await
            .map_err(|f| f.into_error())?;
        let request = serde_json::to_string(req)
            .map_err(|e| Error::Internal(format!("authorization request: {e}")))?;
        let ticket = ScanTicket {
            scene: scene.clone(),
            browser_hash: hash_secret(secret.as_bytes()),
            application: app.name.clone(),
            organization: app.organization.clone(),
            provider: provider.name,
            request,
            status: st::WAITING.into(),
            scanned_by: String::new(),
            requester_ip: clip(&requester.ip, 64),
            requester_agent: clip(&requester.user_agent, 256),
            created_at: now.unix(),
            expires_at: now.unix() + lifetime,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_scan_ticket(&ticket).await?;
        tx.commit().await?;
        Ok(ScanStart {
            scene,
            cookie: secret,
            max_age: lifetime + COOKIE_GRACE_SECONDS,
            png,
            application: title(&app),
        })
    }

    /// The polling page's question; a confirmed ticket is finished here, once: the ticket
    /// becomes `used` in the same transaction as the authorization code.
    pub async fn scan_progress(
        &self,
        scene: &str,
        cookie: Option<&str>,
        now: Now,
    ) -> Result<ScanProgress> {
        let ticket = self.store.get_scan_ticket(scene).await?;
        let ticket = own_ticket(ticket, cookie)?;
        let progress = match ticket.status.as_str() {
            st::USED => return Err(used()),
            _ if ticket.expires_at <= now.unix() => ScanProgress::Expired,
            st::WAITING => ScanProgress::Waiting,
            st::SCANNED => ScanProgress::Scanned,
            st::CANCELLED => ScanProgress::Cancelled,
            _ => return self.finish_scan(&ticket, cookie, now).await,
        };
        Ok(progress)
    }

    async fn finish_scan(
        &self,
        seen: &ScanTicket,
        cookie: Option<&str>,
        now: Now,
    ) -> Result<ScanProgress> {
        let req: AuthorizeRequest = serde_json::from_str(&seen.request)
            .map_err(|e| Error::Internal(format!("stored authorization request: {e}")))?;
        let app = self.checked_request(&req).await?;
        let mut tx = self.store.begin().await?;
        let mut ticket = own_ticket(tx.get_scan_ticket_for_update(&seen.scene).await?, cookie)?;
        if ticket.status != st::CONFIRMED {
            // Another poll of this browser finished it meanwhile.
            return Err(used());
        }
        let (owner, name) = ticket
            .scanned_by
            .split_once('/')
            .ok_or_else(|| Error::Internal("a confirmed ticket without its user".into()))?;
        let user = tx
            .get_user(owner, name)
            .await?
            .filter(|u| u.is_active())
            .ok_or_else(|| Error::forbidden("the person who confirmed may no longer sign in"))?;
        ticket.status = st::USED.into();
        tx.update_scan_ticket(&ticket).await?;
        let location = Self::issue_code(&mut *tx, &app, &req, &user, now).await?;
        tx.commit().await?;
        Ok(ScanProgress::Done(location))
    }

    /// The mini program's answer to a scanned code, as the signed-in `principal`.
    pub async fn answer_scan(
        &self,
        principal: &Principal,
        scene: &str,
        action: ScanAction,
        now: Now,
    ) -> Result<ScanView> {
        let mut tx = self.store.begin().await?;
        let mut ticket = tx
            .get_scan_ticket_for_update(scene)
            .await?
            .ok_or_else(unknown)?;
        let user = require_can_answer_scan(principal, &ticket.organization, &ticket.scanned_by)?;
        if ticket.expires_at <= now.unix() && ticket.status != st::USED {
            return Err(Error::invalid(
                "this sign-in code has expired: ask for a new one on the computer",
            ));
        }
        let app = tx
            .get_application(&ticket.application)
            .await?
            .ok_or_else(|| Error::not_found("the application of this sign-in code is gone"))?;
        if action != ScanAction::Cancel && !SignInRules::of(&app, &ticket.provider).can_sign_in {
            return Err(Error::forbidden(
                "the application does not allow signing in with this mini program (canSignIn is off)",
            ));
        }
        let next = match (action, ticket.status.as_str()) {
            (ScanAction::Scan, st::WAITING | st::SCANNED) => st::SCANNED,
            (ScanAction::Confirm, st::SCANNED) => st::CONFIRMED,
            (ScanAction::Confirm, st::WAITING) => {
                return Err(Error::invalid(
                    "scan the code first (the person must see what they sign in to)",
                ));
            }
            (ScanAction::Cancel, st::WAITING | st::SCANNED) => st::CANCELLED,
            (_, status) => {
                return Err(Error::Conflict(format!(
                    "this sign-in code is {status} and cannot change"
                )));
            }
        };
        ticket.status = next.into();
        ticket.scanned_by = user.id_string();
        tx.update_scan_ticket(&ticket).await?;
        tx.commit().await?;
        Ok(ScanView {
            scene: ticket.scene,
            status: ticket.status,
            application: title(&app),
            organization: ticket.organization,
            requester_ip: ticket.requester_ip,
            requester_agent: ticket.requester_agent,
            created_time: Now::from_unix(ticket.created_at).rfc3339(),
            expires_in: (ticket.expires_at - now.unix()).max(0),
        })
    }

    /// The application's mini-program provider `name` (empty: the first one that may sign
    /// people in).
    async fn scan_provider(&self, app: &Application, name: &str) -> Result<Provider> {
        for item in app
            .providers
            .iter()
            .filter(|i| i.can_sign_in && (name.is_empty() || i.name == name))
        {
            if let Some(p) = self.store.get_provider(&item.name).await?
                && p.kind() == ProviderKind::WeChatMiniProgram
            {
                return Ok(p);
            }
        }
        Err(Error::invalid(
            "this application has no WeChat Mini Program provider that may sign people in",
        ))
    }
}

/// The ticket, when `cookie` is the secret of the browser it was made for.
fn own_ticket(ticket: Option<ScanTicket>, cookie: Option<&str>) -> Result<ScanTicket> {
    let ticket = ticket.ok_or_else(unknown)?;
    let hash = hash_secret(cookie.unwrap_or_default().as_bytes());
    if cookie.is_none() || !bool::from(hash.as_bytes().ct_eq(ticket.browser_hash.as_bytes())) {
        return Err(Error::forbidden(
            "this sign-in code was made for another browser: ask for a new one on this page",
        ));
    }
    Ok(ticket)
}

fn unknown() -> Error {
    Error::not_found("no such sign-in code (it may have expired): ask for a new one")
}

fn used() -> Error {
    Error::invalid("this sign-in code was already used: ask for a new one")
}

fn title(app: &Application) -> String {
    if app.display_name.is_empty() {
        app.name.clone()
    } else {
        app.display_name.clone()
    }
}

/// At most `max` bytes of `s`, cut at a character boundary (caller-sent headers).
fn clip(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}
