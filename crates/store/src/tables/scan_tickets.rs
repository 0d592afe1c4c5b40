//! `wechat_scan_tickets`: PC sign-ins by scanning the mini program's code, shared by every
//! node. Never listed; purged once expired.

use ferrodoor_core::entity::ScanTicket;

crate::tables::table! {
    ScanTicketRow for ScanTicket in "wechat_scan_tickets" {
        key {
            scene: String = "scene", unlisted;
        }
        columns {
            browser_hash: String = "browser_hash", secret;
            application: String = "application", unlisted;
            organization: String = "organization", unlisted;
            provider: String = "provider", unlisted;
            request: String = "request", unlisted;
            status: String = "status", unlisted;
            scanned_by: String = "scanned_by", unlisted;
            requester_ip: String = "requester_ip", unlisted;
            requester_agent: String = "requester_agent", unlisted;
            created_at: i64 = "created_at", unlisted;
            expires_at: i64 = "expires_at", unlisted;
        }
        // The scene is random: a clash means the same ticket was stored twice.
        conflict = |_, _| "scan ticket already exists".to_string();
    }
}
