//! A bounded memo for lookups that repeat far more often than their inputs change (typo
//! corrections, typo-tolerant dictionary walks): one per snapshot, so it never outlives
//! the data it was computed from, and emptied when full, so memory stays bounded whatever
//! visitors type.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Remembers up to `capacity` answers (and, when answers have a size, up to `budget` of
/// it in all).
pub struct Memo<K, V> {
    map: Mutex<Entries<K, V>>,
    capacity: usize,
    budget: usize,
    size: fn(&V) -> usize,
}

struct Entries<K, V> {
    map: HashMap<K, V>,
    /// Total size of the answers held.
    used: usize,
}

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self { map: HashMap::new(), used: 0 }
    }
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo of `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self::sized(capacity, usize::MAX, |_| 0)
    }

    /// An empty memo of `capacity` entries whose sizes (`size`, in any unit) add up to at
    /// most `budget`: a few large answers cannot hold more memory than many small ones.
    pub fn sized(capacity: usize, budget: usize, size: fn(&V) -> usize) -> Self {
        Self { map: Mutex::default(), capacity, budget, size }
    }

    fn lock(&self) -> MutexGuard<'_, Entries<K, V>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The remembered answer for `key`, or `compute`'s (remembered). The lock is not held
    /// while computing: two threads may both compute a new key, never block on each other.
    pub fn get_or_compute<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        match self.get_or_try_compute(key, || Ok::<V, std::convert::Infallible>(compute())) {
            Ok(value) => value,
        }
    }

    /// [`Self::get_or_compute`] for a computation that may fail: a failure is returned and
    /// not remembered.
    pub fn get_or_try_compute<Q, E>(&self, key: &Q, compute: impl FnOnce() -> Result<V, E>) -> Result<V, E>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(known) = self.lock().map.get(key) {
            return Ok(known.clone());
        }
        let value = compute()?;
        let size = (self.size)(&value);
        if size > self.budget {
            return Ok(value);
        }
        let mut entries = self.lock();
        if entries.map.len() >= self.capacity || entries.used + size > self.budget {
            entries.map.clear();
            entries.used = 0;
        }
        if let Some(old) = entries.map.insert(key.to_owned(), value.clone()) {
            entries.used -= (self.size)(&old).min(entries.used);
        }
        entries.used += size;
        Ok(value)
    }

    /// The remembered answer for `key`, if any.
    #[cfg(test)]
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().map.get(key).cloned()
    }

    /// How many answers are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_returned_and_not_remembered() {
        let memo: Memo<String, usize> = Memo::new(3);
        assert_eq!(memo.get_or_try_compute("a", || Err::<usize, &str>("down")), Err("down"));
        assert_eq!(memo.len(), 0);
        assert_eq!(memo.get_or_try_compute("a", || Ok::<usize, &str>(7)), Ok(7));
        assert_eq!(memo.get_or_try_compute("a", || Err::<usize, &str>("not asked")), Ok(7));
    }

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

    #[test]
    fn sizes_stay_within_the_budget() {
        let memo: Memo<String, Vec<u8>> = Memo::sized(100, 10, Vec::len);
        memo.get_or_compute("a", || vec![0; 6]);
        memo.get_or_compute("b", || vec![0; 3]);
        assert_eq!(memo.len(), 2);
        memo.get_or_compute("c", || vec![0; 4]);
        assert_eq!((memo.len(), memo.get("c").map(|v| v.len())), (1, Some(4)), "emptied to make room");
        assert_eq!(memo.get_or_compute("d", || vec![0; 11]).len(), 11, "too large: answered, not kept");
        assert!(memo.get("d").is_none() && memo.get("c").is_some());
    }
}
