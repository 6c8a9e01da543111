//! Rate limits (GCRA token buckets from `governor`): one per key (a client address bucket,
//! a visit) plus one over everything, so a single client can neither hammer an endpoint
//! nor spend the allowance of everybody else. State is in memory and swept of idle keys.

use std::hash::Hash;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota};

/// A quota: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Requests allowed per minute after that.
    pub per_minute: u32,
}

impl Rate {
    fn quota(self) -> Quota {
        let per_minute = NonZeroU32::new(self.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Quota::per_minute(per_minute).allow_burst(burst)
    }
}

/// A per-key limit and a global one.
pub struct Throttle<K: Hash + Eq + Clone> {
    per_key: DefaultKeyedRateLimiter<K>,
    global: DefaultDirectRateLimiter,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Throttle<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").field("keys", &self.per_key.len()).finish()
    }
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// Limits of `per_key` for each key and `global` for all together.
    pub fn new(per_key: Rate, global: Rate) -> Self {
        Self {
            per_key: DefaultKeyedRateLimiter::keyed(per_key.quota()),
            global: DefaultDirectRateLimiter::direct(global.quota()),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request for `key`; `Err(wait)` when over either limit. The key's own
    /// bucket is checked first, so a client over its limit does not drain the global one.
    pub fn take(&self, key: &K) -> Result<(), Duration> {
        let now = self.clock.now();
        self.per_key.check_key(key).map_err(|not_until| not_until.wait_time_from(now))?;
        self.global.check().map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Forgets keys whose buckets are full again (call now and then).
    pub fn sweep(&self) {
        self.per_key.retain_recent();
        self.per_key.shrink_to_fit();
    }
}

/// Seconds for a `Retry-After` header: at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_key_then_global() {
        let t: Throttle<u8> = Throttle::new(Rate { burst: 3, per_minute: 1 }, Rate { burst: 5, per_minute: 1 });
        for _ in 0..3 {
            assert!(t.take(&1).is_ok());
        }
        assert!(t.take(&1).is_err_and(|wait| wait > Duration::from_secs(1)));
        assert!(t.take(&2).is_ok());
        assert!(t.take(&2).is_ok());
        assert!(t.take(&3).is_err(), "the global bucket is empty now");
        assert_eq!(retry_after_secs(Duration::from_millis(10)), 1);
    }
}
