//! A small recency index shared by the memory and file stores.
//!
//! A hash map finds an entry; a B-tree keyed by a use counter orders entries by last use, so
//! touching and evicting are O(log n) and never scan.

use std::collections::{BTreeMap, HashMap};

#[derive(Debug)]
pub(crate) struct Lru<V> {
    map: HashMap<String, (V, u64)>,
    order: BTreeMap<u64, String>,
    tick: u64,
}

impl<V> Default for Lru<V> {
    fn default() -> Self {
        Lru {
            map: HashMap::new(),
            order: BTreeMap::new(),
            tick: 0,
        }
    }
}

impl<V> Lru<V> {
    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key).map(|(value, _)| value)
    }

    /// Marks `key` as the most recently used and returns it.
    pub(crate) fn touch(&mut self, key: &str) -> Option<&mut V> {
        let tick = self.next_tick();
        let (value, used) = self.map.get_mut(key)?;
        if let Some(name) = self.order.remove(used) {
            self.order.insert(tick, name);
        }
        *used = tick;
        Some(value)
    }

    /// Inserts or replaces `key` as the most recently used; returns the replaced value.
    pub(crate) fn insert(&mut self, key: String, value: V) -> Option<V> {
        let old = self.remove(&key);
        let tick = self.next_tick();
        self.order.insert(tick, key.clone());
        self.map.insert(key, (value, tick));
        old
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        let (value, used) = self.map.remove(key)?;
        self.order.remove(&used);
        Some(value)
    }

    /// The least recently used key that is not `except`.
    pub(crate) fn oldest_except(&self, except: Option<&str>) -> Option<&str> {
        self.order
            .values()
            .map(String::as_str)
            .find(|key| Some(*key) != except)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.map
            .iter()
            .map(|(key, (value, _))| (key.as_str(), value))
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_in_least_recent_order() {
        let mut lru = Lru::default();
        lru.insert("a".to_owned(), 1);
        lru.insert("b".to_owned(), 2);
        lru.insert("c".to_owned(), 3);
        lru.touch("a");
        assert_eq!(lru.oldest_except(None), Some("b"));
        assert_eq!(lru.oldest_except(Some("b")), Some("c"));
        assert_eq!(lru.remove("b"), Some(2));
        assert_eq!(lru.insert("c".to_owned(), 30), Some(3));
        assert_eq!(lru.oldest_except(None), Some("a"));
        assert_eq!(lru.len(), 2);
        assert_eq!(lru.get("c"), Some(&30));
        assert_eq!(lru.iter().count(), 2);
    }
}
