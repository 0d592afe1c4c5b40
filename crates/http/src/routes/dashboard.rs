//! `GET /api/get-record-stats` (Ferrodoor's): the console dashboard's per-day counts.

use axum::extract::State;
use ferrodoor_core::clock::Now;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Q};
use crate::response::Envelope;

#[derive(Debug, Deserialize)]
pub(crate) struct StatsQs {
    #[serde(default)]
    organization: String,
    days: Option<u32>,
}

/// `?organization=acme&days=30`: that organization's (its admins); no organization: every
/// organization's (global admins).
pub async fn get_record_stats(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<StatsQs>,
) -> Result<Envelope, ApiError> {
    let organization = Some(qs.organization.as_str()).filter(|o| !o.is_empty());
    Ok(Envelope::ok(
        s.core
            .record_stats(&who, organization, qs.days, Now::wall_clock())
            .await?,
    ))
}
