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

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The enforcers answering one kind of question (`permission:acme/p`, `owner:acme`, …):
/// one per (model, adapter) of the permissions asked about, in key order.
pub struct EnforcerSet {
    pub groups: Vec<(String, model::Compiled)>,
}

/// Enforcers by question, valid for one version of the authorization data.
#[derive(Default)]
pub struct EnforcerCache {
    state: RwLock<CacheState>,
}

#[derive(Default)]
struct CacheState {
    version: i64,
    sets: HashMap<String, Arc<EnforcerSet>>,
}

/// Past this many cached questions the cache starts over (bounds memory against callers
/// asking about many different resources).
const MAX_SETS: usize = 4096;

impl EnforcerCache {
    /// The set cached for `key` at `version`; a different version empties the cache.
    pub fn get(&self, version: i64, key: &str) -> Option<Arc<EnforcerSet>> {
        {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if state.version == version {
                return state.sets.get(key).cloned();
            }
        }
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.version != version {
            state.version = version;
            state.sets.clear();
        }
        None
    }

    /// Keeps a set built from data read at or after `version`.
    pub fn put(&self, version: i64, key: String, set: Arc<EnforcerSet>) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if state.version != version {
            // Built against another version than the cache holds: do not mix.
            if version < state.version {
                return;
            }
            state.version = version;
            state.sets.clear();
        }
        if state.sets.len() >= MAX_SETS {
            state.sets.clear();
        }
        state.sets.insert(key, set);
    }
}
