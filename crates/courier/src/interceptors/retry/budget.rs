//! [`RetryBudget`]: retries as a fraction of recent calls, so an outage does not multiply the
//! load on the origin.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How many slots the window is cut into: deposits and retries leave the window one slot at
/// a time rather than all at once.
const SLOTS: usize = 10;

/// A limit on retries shared by every clone of a [`RetryInterceptor`](super::RetryInterceptor)
/// (and by any other interceptor given a clone of the same budget).
///
/// Each call deposits one unit; each retry withdraws one. Within a sliding `window`, retries
/// may reach `retry_ratio` × the calls seen in that window, plus a floor of
/// `min_retries_per_sec` × the window's length in seconds, so a client that sends little can
/// still retry. When the budget is spent, the failure is returned as it is (and logged at
/// WARN) instead of being retried.
///
/// Why a budget rather than only a maximum of attempts: with 4 attempts per call, an origin
/// that fails every request receives four times its normal load exactly when it is least able
/// to take it, and every client layer that retries multiplies that again. A budget of 20 %
/// caps the extra load at 1.2× however many attempts each call is allowed, while a lone
/// failure among many successes is still retried at once (the idea of Finagle's
/// `RetryBudget` and tower's `TpsBudget`).
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::retry::RetryBudget;
///
/// // No floor, one retry per two calls.
/// let budget = RetryBudget::new(Duration::from_secs(10), 0, 0.5);
/// assert!(!budget.try_withdraw());
/// budget.deposit();
/// budget.deposit();
/// assert!(budget.try_withdraw());
/// assert!(!budget.try_withdraw());
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    shared: Arc<Shared>,
}

struct Shared {
    window: Duration,
    slot_length: Duration,
    /// Retries allowed in any window regardless of traffic: the floor × the window in seconds.
    reserve: f64,
    retry_ratio: f64,
    ring: Mutex<Ring>,
}

struct Ring {
    slots: [Slot; SLOTS],
    current: usize,
    /// When the current slot began.
    current_start: Instant,
}

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    calls: u64,
    retries: u64,
}

impl RetryBudget {
    /// A budget over a sliding `window` (at least 1 s; shorter counts as 1 s) that allows
    /// `min_retries_per_sec` retries per second of the window, plus `retry_ratio` retries per
    /// call in the window (`0.2`: one retry per five calls; a negative or non-finite ratio
    /// counts as 0).
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::RetryBudget;
    /// let budget = RetryBudget::new(Duration::from_secs(10), 1, 0.1);
    /// assert_eq!(budget.available(), 10);
    /// ```
    pub fn new(window: Duration, min_retries_per_sec: u32, retry_ratio: f64) -> Self {
        let window = window.max(Duration::from_secs(1));
        let retry_ratio = if retry_ratio.is_finite() {
            retry_ratio.max(0.0)
        } else {
            0.0
        };
        let slots = u32::try_from(SLOTS).unwrap_or(u32::MAX);
        Self {
            shared: Arc::new(Shared {
                window,
                slot_length: window / slots,
                reserve: f64::from(min_retries_per_sec) * window.as_secs_f64(),
                retry_ratio,
                ring: Mutex::new(Ring {
                    slots: [Slot::default(); SLOTS],
                    current: 0,
                    current_start: Instant::now(),
                }),
            }),
        }
    }

    /// Records one call. The retry interceptor does this once per call it sees, whatever the
    /// outcome.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let budget = courier::interceptors::retry::RetryBudget::new(Duration::from_secs(10), 0, 1.0);
    /// budget.deposit();
    /// assert_eq!(budget.available(), 1);
    /// ```
    pub fn deposit(&self) {
        self.with_ring(|ring| ring.slots[ring.current].calls += 1);
    }

    /// Takes one retry from the budget if it has one; `false` when it is spent.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let budget = courier::interceptors::retry::RetryBudget::new(Duration::from_secs(1), 1, 0.0);
    /// assert!(budget.try_withdraw());
    /// assert!(!budget.try_withdraw());
    /// ```
    pub fn try_withdraw(&self) -> bool {
        let shared = &*self.shared;
        self.with_ring(|ring| {
            let (calls, retries) = ring.totals();
            let fits = (retries + 1) as f64 <= shared.allowed(calls);
            if fits {
                ring.slots[ring.current].retries += 1;
            }
            fits
        })
    }

    /// How many retries the budget would allow now.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let budget = courier::interceptors::retry::RetryBudget::new(Duration::from_secs(10), 0, 0.2);
    /// for _ in 0..10 {
    ///     budget.deposit();
    /// }
    /// assert_eq!(budget.available(), 2);
    /// ```
    pub fn available(&self) -> u64 {
        let shared = &*self.shared;
        self.with_ring(|ring| {
            let (calls, retries) = ring.totals();
            // A float-to-int `as` saturates: a huge allowance is u64::MAX, not a wrap.
            let allowed = shared.allowed(calls).floor() as u64;
            allowed.saturating_sub(retries)
        })
    }

    fn with_ring<T>(&self, work: impl FnOnce(&mut Ring) -> T) -> T {
        // A panic while holding the lock cannot leave the counters inconsistent (each update
        // is one addition), so a poisoned lock is used as it is.
        let mut ring = self
            .shared
            .ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        ring.advance(Instant::now(), self.shared.slot_length);
        work(&mut ring)
    }
}

impl Shared {
    /// How many retries the window allows after `calls` calls (counts far below 2^52, so the
    /// conversion is exact).
    fn allowed(&self, calls: u64) -> f64 {
        self.reserve + self.retry_ratio * calls as f64
    }
}

impl Ring {
    /// Moves the current slot forward to `now`, emptying the slots that left the window.
    fn advance(&mut self, now: Instant, slot_length: Duration) {
        let elapsed = now.saturating_duration_since(self.current_start);
        if elapsed < slot_length {
            return;
        }
        let steps = elapsed.as_nanos() / slot_length.as_nanos().max(1);
        let cleared = usize::try_from(steps).unwrap_or(usize::MAX).min(SLOTS);
        for _ in 0..cleared {
            self.current = (self.current + 1) % SLOTS;
            self.slots[self.current] = Slot::default();
        }
        self.current_start = u32::try_from(steps)
            .ok()
            .and_then(|steps| slot_length.checked_mul(steps))
            .and_then(|advanced| self.current_start.checked_add(advanced))
            .unwrap_or(now);
    }

    fn totals(&self) -> (u64, u64) {
        self.slots.iter().fold((0, 0), |(calls, retries), slot| {
            (
                calls.saturating_add(slot.calls),
                retries.saturating_add(slot.retries),
            )
        })
    }
}

impl Default for RetryBudget {
    /// Finagle's defaults: a 10 s window, 10 retries per second as a floor, and retries up to
    /// 20 % of the calls.
    fn default() -> Self {
        Self::new(Duration::from_secs(10), 10, 0.2)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("window", &self.shared.window)
            .field("retry_ratio", &self.shared.retry_ratio)
            .field("available", &self.available())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(10);

    #[test]
    fn the_floor_alone_allows_min_per_sec_times_the_window() {
        let budget = RetryBudget::new(WINDOW, 2, 0.0);
        assert_eq!(budget.available(), 20);
        for _ in 0..20 {
            assert!(budget.try_withdraw());
        }
        assert!(!budget.try_withdraw());
    }

    #[test]
    fn calls_add_their_ratio() {
        let budget = RetryBudget::new(WINDOW, 0, 0.2);
        for _ in 0..9 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 1);
        budget.deposit();
        assert_eq!(budget.available(), 2);
        assert!(budget.try_withdraw());
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
    }

    #[tokio::test(start_paused = true)]
    async fn deposits_leave_the_window() {
        let budget = RetryBudget::new(WINDOW, 0, 1.0);
        budget.deposit();
        tokio::time::advance(Duration::from_secs(5)).await;
        budget.deposit();
        assert_eq!(budget.available(), 2);
        // The first deposit is 10 s old: out of the window; the second is still in.
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(budget.available(), 1);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(budget.available(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn spent_retries_come_back_when_they_leave_the_window() {
        let budget = RetryBudget::new(Duration::from_secs(1), 1, 0.0);
        assert!(budget.try_withdraw());
        assert!(!budget.try_withdraw());
        tokio::time::advance(Duration::from_millis(1100)).await;
        assert!(budget.try_withdraw());
    }

    #[test]
    fn odd_parameters_are_made_safe() {
        let budget = RetryBudget::new(Duration::ZERO, 1, f64::NAN);
        assert_eq!(budget.available(), 1);
        let budget = RetryBudget::new(WINDOW, 0, -3.0);
        budget.deposit();
        assert_eq!(budget.available(), 0);
    }

    #[test]
    fn clones_share_one_budget() {
        let budget = RetryBudget::new(WINDOW, 0, 1.0);
        let clone = budget.clone();
        budget.deposit();
        assert!(clone.try_withdraw());
        assert!(!budget.try_withdraw());
    }
}
