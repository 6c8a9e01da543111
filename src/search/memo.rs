//! A bounded memo for lookups that repeat far more often than their inputs change (typo
//! corrections, typo-tolerant dictionary walks): one per snapshot, so it never outlives
//! the data it was computed from, and emptied when full, so memory stays bounded whatever
//! visitors type.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Remembers up to `capacity` answers.
pub struct Memo<K, V> {
    map: Mutex<HashMap<K, V>>,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo of `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { map: Mutex::default(), capacity }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, V>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered answer for `key`, or `compute`'s (remembered). The lock is not held
    /// while computing: two threads may both compute a new key, never block on each other.
    pub fn get_or_compute<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(known) = self.lock().get(key) {
            return known.clone();
        }
        let value = compute();
        let mut map = self.lock();
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(key.to_owned(), value.clone());
        value
    }

    /// The remembered answer for `key`, if any.
    #[cfg(test)]
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().get(key).cloned()
    }

    /// How many answers are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_stays_bounded() {
        let memo: Memo<String, usize> = Memo::new(3);
        let mut calls = 0;
        assert_eq!(
            memo.get_or_compute("a", || {
                calls += 1;
                1
            }),
            1
        );
        assert_eq!(
            memo.get_or_compute("a", || {
                calls += 1;
                2
            }),
            1,
            "remembered"
        );
        assert_eq!(calls, 1);
        for k in ["b", "c", "d", "e"] {
            memo.get_or_compute(k, || 0);
        }
        assert!(memo.len() <= 3 && memo.get("e") == Some(0));
    }
}
