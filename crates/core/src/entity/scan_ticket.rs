//! A PC sign-in by scanning the mini program's code: one ticket per code shown.

/// The states of a [`ScanTicket`], in the order they are reached.
pub mod scan_status {
    /// Shown in the browser, nobody has scanned it yet.
    pub const WAITING: &str = "waiting";
    /// Opened in the mini program by `scanned_by`, who has not decided yet.
    pub const SCANNED: &str = "scanned";
    /// `scanned_by` agreed: the browser that asked may now finish signing in.
    pub const CONFIRMED: &str = "confirmed";
    /// `scanned_by` refused.
    pub const CANCELLED: &str = "cancelled";
    /// The browser signed in with it: never again.
    pub const USED: &str = "used";
}

/// The code's `scene` is public (anyone who sees the screen can read it); what proves the
/// browser is the one that asked is a secret cookie, of which only the hash is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanTicket {
    /// The `scene` of the mini program's code (random, at most 32 characters).
    pub scene: String,
    /// Hash of the secret cookie given to the browser that asked for the code.
    pub browser_hash: String,
    pub application: String,
    pub organization: String,
    /// The mini-program provider whose code was shown.
    pub provider: String,
    /// The relying party's authorization request (JSON), completed once confirmed.
    pub request: String,
    /// One of [`scan_status`].
    pub status: String,
    /// `owner/name` of the user who scanned it (empty while waiting).
    pub scanned_by: String,
    /// What the mini program shows the person before they confirm: where the sign-in
    /// was asked from.
    pub requester_ip: String,
    pub requester_agent: String,
    pub created_at: i64,
    pub expires_at: i64,
}
