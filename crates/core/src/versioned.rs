//! A map valid for one version of stored data: the building block of the in-memory caches
//! (objects, enforcers) that every node keeps fresh by comparing a stored version.

use std::collections::HashMap;
use std::sync::RwLock;

/// Values by key, all read at or after `version`. A newer version empties the map; values
/// read at an older one are not kept (they may predate a change the map already reflects).
pub struct VersionedMap<V> {
    state: RwLock<State<V>>,
    max_entries: usize,
}

struct State<V> {
    version: i64,
    values: HashMap<String, V>,
}

impl<V: Clone> VersionedMap<V> {
    /// Past `max_entries` keys the map starts over, which bounds its memory against callers
    /// asking about many different keys.
    pub fn new(max_entries: usize) -> Self {
        VersionedMap {
            state: RwLock::new(State {
                version: i64::MIN,
                values: HashMap::new(),
            }),
            max_entries,
        }
    }

    /// The value kept for `key`, if it is at least as new as `version`.
    pub fn get(&self, version: i64, key: &str) -> Option<V> {
        let state = self.state.read().unwrap_or_else(|p| p.into_inner());
        if state.version >= version {
            state.values.get(key).cloned()
        } else {
            None
        }
    }

    /// Keeps `value`, read from the store after `version` was read.
    pub fn put(&self, version: i64, key: &str, value: V) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if version < state.version {
            return;
        }
        if version > state.version {
            state.version = version;
            state.values.clear();
        }
        if state.values.len() >= self.max_entries {
            state.values.clear();
        }
        state.values.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_version_empties_the_map_and_an_older_value_is_not_kept() {
        let map = VersionedMap::new(8);
        map.put(1, "a", "a1");
        assert_eq!(map.get(1, "a"), Some("a1"));
        // Asked at an older version: what the map holds is newer, so it answers.
        assert_eq!(map.get(0, "a"), Some("a1"));
        // A newer version than the map's: the value may be stale.
        assert_eq!(map.get(2, "a"), None);
        map.put(2, "b", "b2");
        assert_eq!(
            map.get(2, "a"),
            None,
            "version 2 dropped version 1's values"
        );
        map.put(1, "a", "a1-late");
        assert_eq!(
            map.get(2, "a"),
            None,
            "a value read at version 1 is not kept"
        );
        assert_eq!(map.get(2, "b"), Some("b2"));
    }

    #[test]
    fn the_map_starts_over_past_its_bound() {
        let map = VersionedMap::new(2);
        map.put(1, "a", 1);
        map.put(1, "b", 2);
        map.put(1, "c", 3);
        assert_eq!(map.get(1, "a"), None);
        assert_eq!(map.get(1, "c"), Some(3));
    }
}
