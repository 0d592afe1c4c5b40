//! Time as the domain sees it: a value passed into every rule, never read inside one.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The instant a request is handled at; handlers read the wall clock once and pass it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Now(pub OffsetDateTime);

impl Now {
    pub fn wall_clock() -> Self {
        Now(OffsetDateTime::now_utc())
    }

    pub fn from_unix(seconds: i64) -> Self {
        Now(OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Casdoor's `createdTime` format: RFC 3339, second precision, UTC.
    pub fn rfc3339(&self) -> String {
        let t = self.0.replace_nanosecond(0).unwrap_or(self.0);
        t.format(&Rfc3339).unwrap_or_default()
    }

    /// Reads an RFC 3339 time (Casdoor's format); None when it is not one.
    pub fn parse_rfc3339(text: &str) -> Option<Now> {
        OffsetDateTime::parse(text, &Rfc3339).ok().map(Now)
    }

    pub fn plus_seconds(&self, seconds: i64) -> Now {
        Now(self.0 + time::Duration::seconds(seconds))
    }
}
