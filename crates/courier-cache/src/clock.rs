//! Where the cache gets the time.
//!
//! Freshness, age and every deadline in the cache are computed from "now". Reading the system
//! clock deep inside the policy would make those rules untestable without sleeping, so the
//! policy takes `now` as an argument and the interceptor asks an injected [`Clock`] for it.
//! Production uses [`SystemClock`]; tests use a [`MockClock`] and travel in time with
//! [`MockClock::advance`], never with `sleep`.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// A source of wall-clock time.
///
/// HTTP dates (`Date`, `Expires`, `Last-Modified`) are wall-clock times, so the cache works in
/// [`SystemTime`], not `Instant`.
///
/// ```
/// use courier_cache::{Clock, SystemClock};
///
/// let clock: Box<dyn Clock> = Box::new(SystemClock);
/// assert!(clock.now() > std::time::SystemTime::UNIX_EPOCH);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    ///
    /// ```
    /// use courier_cache::{Clock, MockClock};
    ///
    /// let clock = MockClock::default();
    /// assert_eq!(clock.now(), clock.clone().now());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn now(&self) -> SystemTime;
}

/// The real clock: [`SystemTime::now`].
///
/// ```
/// use courier_cache::{Clock, SystemClock};
///
/// let before = std::time::SystemTime::now();
/// assert!(SystemClock.now() >= before);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to, for tests.
///
/// Clones share one time, so a test keeps a clone and advances the clock the cache reads.
/// [`MockClock::default`] starts at 2023-11-14T22:13:20Z (Unix time 1 700 000 000), a round
/// number that makes HTTP dates in test fixtures easy to compute.
///
/// ```
/// use std::time::Duration;
/// use courier_cache::{Clock, MockClock};
///
/// let clock = MockClock::default();
/// let cache_side = clock.clone();
/// let start = cache_side.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(cache_side.now().duration_since(start)?, Duration::from_secs(60));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct MockClock {
    // A mutex rather than an atomic so any `SystemTime`, even one before 1970, is representable.
    now: Arc<Mutex<SystemTime>>,
}

impl MockClock {
    /// A mock clock that reads `start` until moved.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::{Clock, MockClock};
    ///
    /// let clock = MockClock::new(SystemTime::UNIX_EPOCH);
    /// assert_eq!(clock.now(), SystemTime::UNIX_EPOCH);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock (and every clone of it) forward by `by`.
    ///
    /// A move past the end of `SystemTime` leaves the clock where it is.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use courier_cache::{Clock, MockClock};
    ///
    /// let clock = MockClock::new(SystemTime::UNIX_EPOCH);
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(clock.now(), SystemTime::UNIX_EPOCH + Duration::from_secs(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(later) = now.checked_add(by) {
            *now = later;
        }
    }

    /// Sets the clock (and every clone of it) to `at`, forward or backward.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use courier_cache::{Clock, MockClock};
    ///
    /// let clock = MockClock::default();
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(42);
    /// clock.set(at);
    /// assert_eq!(clock.now(), at);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set(&self, at: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Default for MockClock {
    fn default() -> Self {
        Self::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    }
}

impl Clock for MockClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_time() {
        let a = MockClock::default();
        let b = a.clone();
        a.advance(Duration::from_secs(3));
        assert_eq!(a.now(), b.now());
    }

    #[test]
    fn advance_saturates_instead_of_panicking() {
        let clock = MockClock::default();
        let before = clock.now();
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), before);
    }

    #[test]
    fn clocks_are_object_safe_and_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MockClock>();
        assert_send_sync::<Box<dyn Clock>>();
    }
}
