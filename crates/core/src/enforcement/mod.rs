//! Casbin enforcement: policies from Casdoor's objects ([`policy`]), casbin-rs models and
//! enforcers ([`model`]) and the cache of built enforcers ([`EnforcerCache`]).
//!
//! Freshness: every change to an authorization object or a user's groups bumps one version
//! row in the database, in the same transaction. Each enforce reads that version (one
//! indexed single-row read) and drops every cached enforcer when it moved, so the very
//! next enforce on ANY node sees a committed change (bound: zero; cost: one read).

mod index;
pub mod model;
pub mod policy;

use std::sync::Arc;

/// The enforcers answering one kind of question (`permission:acme/p`, `owner:acme`, …):
/// one per (model, adapter) of the permissions asked about, in key order.
pub struct EnforcerSet {
    pub groups: Vec<(String, model::Compiled)>,
}

/// Enforcers by question, valid for one authorization version.
pub type EnforcerCache = crate::versioned::VersionedMap<Arc<EnforcerSet>>;

/// Past this many cached questions the cache starts over (bounds memory against callers
/// asking about many different resources).
pub const MAX_CACHED_QUESTIONS: usize = 4096;
