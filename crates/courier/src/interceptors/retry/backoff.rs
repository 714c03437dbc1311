//! [`Backoff`]: how long to wait before each retry.

use std::sync::Arc;
use std::time::Duration;

use super::jitter::Jitter;

/// How long to wait before each retry: exponential with jitter, or an explicit list.
///
/// The delays are capped by the interceptor's
/// [`max_delay`](super::RetryInterceptorBuilder::max_delay), which is passed to
/// [`delay`](Backoff::delay).
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::retry::{Backoff, Jitter};
///
/// let cap = Duration::from_secs(30);
/// // The seed's schedule, exactly: 1 s, 2 s, 4 s.
/// let doubling = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none());
/// let listed = Backoff::delays([1, 2, 4].map(Duration::from_secs));
/// for (retry, expected) in [(1, 1), (2, 2), (3, 4)] {
///     assert_eq!(doubling.delay(retry, cap), Duration::from_secs(expected));
///     assert_eq!(listed.delay(retry, cap), Duration::from_secs(expected));
/// }
/// // Past the list, its last delay repeats; the doubling goes on up to the cap.
/// assert_eq!(listed.delay(9, cap), Duration::from_secs(4));
/// assert_eq!(doubling.delay(9, cap), cap);
/// ```
#[derive(Debug, Clone)]
pub struct Backoff {
    schedule: Schedule,
    jitter: Jitter,
}

#[derive(Debug, Clone)]
enum Schedule {
    Exponential { base: Duration, factor: f64 },
    Delays(Arc<[Duration]>),
}

impl Backoff {
    /// Exponential back-off with full jitter: before retry `n` (1 for the first) the ceiling is
    /// `base × factor^(n-1)`, capped by the max delay, and the delay is drawn from zero to that
    /// ceiling. The factor is 2 unless [`factor`](Backoff::factor) changes it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::Backoff;
    /// let backoff = Backoff::exponential(Duration::from_millis(100));
    /// assert!(backoff.delay(3, Duration::from_secs(1)) <= Duration::from_millis(400));
    /// ```
    pub fn exponential(base: Duration) -> Self {
        Self {
            schedule: Schedule::Exponential { base, factor: 2.0 },
            jitter: Jitter::full(),
        }
    }

    /// Exactly these delays, in order, without jitter: the first before the first retry, and
    /// so on; the last one repeats if more retries are allowed than delays are listed
    /// (dio_smart_retry's `retryDelays`). An empty list is rejected by
    /// [`build`](super::RetryInterceptorBuilder::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::Backoff;
    /// let backoff = Backoff::delays([Duration::from_millis(200), Duration::from_secs(1)]);
    /// assert_eq!(backoff.delay(1, Duration::from_secs(30)), Duration::from_millis(200));
    /// ```
    pub fn delays(delays: impl IntoIterator<Item = Duration>) -> Self {
        Self {
            schedule: Schedule::Delays(delays.into_iter().collect()),
            jitter: Jitter::none(),
        }
    }

    /// The growth factor of an exponential back-off (default 2; at least 1, else
    /// [`build`](super::RetryInterceptorBuilder::build) fails). No effect on a list of delays.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).factor(3.0).jitter(Jitter::none());
    /// assert_eq!(backoff.delay(3, Duration::from_secs(60)), Duration::from_secs(9));
    /// ```
    #[must_use]
    pub fn factor(mut self, factor: f64) -> Self {
        if let Schedule::Exponential {
            factor: current, ..
        } = &mut self.schedule
        {
            *current = factor;
        }
        self
    }

    /// How the delays are randomised: [`Jitter::full`] by default for an exponential
    /// back-off, [`Jitter::none`] for a list of delays.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none());
    /// assert_eq!(backoff.delay(1, Duration::from_secs(60)), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The delay before retry number `retry` (1 for the first retry, i.e. before the second
    /// attempt), at most `max_delay`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none());
    /// assert_eq!(backoff.delay(1, Duration::from_millis(500)), Duration::from_millis(500));
    /// ```
    pub fn delay(&self, retry: u32, max_delay: Duration) -> Duration {
        let ceiling = match &self.schedule {
            Schedule::Exponential { base, factor } => {
                let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
                let seconds = base.as_secs_f64() * factor.powi(exponent);
                Duration::try_from_secs_f64(seconds).unwrap_or(max_delay)
            }
            Schedule::Delays(delays) => {
                let index = usize::try_from(retry.saturating_sub(1)).unwrap_or(usize::MAX);
                delays
                    .get(index)
                    .or(delays.last())
                    .copied()
                    .unwrap_or(Duration::ZERO)
            }
        };
        self.jitter.apply(ceiling.min(max_delay))
    }

    /// Why this back-off cannot be used, if it cannot.
    pub(super) fn problem(&self) -> Option<&'static str> {
        match &self.schedule {
            Schedule::Exponential { factor, .. } if !(factor.is_finite() && *factor >= 1.0) => {
                Some("the back-off factor must be a finite number of at least 1")
            }
            Schedule::Delays(delays) if delays.is_empty() => {
                Some("the list of back-off delays is empty")
            }
            _ => None,
        }
    }
}

impl Default for Backoff {
    /// Exponential from 1 s, factor 2, full jitter: ceilings of 1 s, 2 s, 4 s, …
    fn default() -> Self {
        Self::exponential(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Duration = Duration::from_secs(30);

    fn exact(base: Duration) -> Backoff {
        Backoff::exponential(base).jitter(Jitter::none())
    }

    #[test]
    fn exponential_doubles_up_to_the_cap() {
        let backoff = exact(Duration::from_secs(1));
        let delays: Vec<u64> = (1..=7).map(|n| backoff.delay(n, CAP).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn huge_retry_numbers_and_factors_saturate_at_the_cap() {
        assert_eq!(exact(Duration::from_secs(1)).delay(u32::MAX, CAP), CAP);
        let steep = exact(Duration::from_secs(1)).factor(1e300);
        assert_eq!(steep.delay(40, CAP), CAP);
        assert_eq!(exact(Duration::MAX).delay(1, CAP), CAP);
    }

    #[test]
    fn full_jitter_scales_the_ceiling() {
        let half = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::full_with(|| 0.5));
        assert_eq!(half.delay(1, CAP), Duration::from_millis(500));
        assert_eq!(half.delay(4, CAP), Duration::from_secs(4));
        // The cap applies to the ceiling, before the jitter.
        assert_eq!(half.delay(10, CAP), Duration::from_secs(15));
    }

    #[test]
    fn listed_delays_are_capped_and_the_last_repeats() {
        let backoff = Backoff::delays([Duration::from_secs(1), Duration::from_secs(60)]);
        assert_eq!(backoff.delay(1, CAP), Duration::from_secs(1));
        assert_eq!(backoff.delay(2, CAP), CAP);
        assert_eq!(backoff.delay(5, CAP), CAP);
        // Retry 0 does not exist; it is treated as the first.
        assert_eq!(backoff.delay(0, CAP), Duration::from_secs(1));
    }

    #[test]
    fn bad_factors_and_empty_lists_are_reported() {
        let base = Duration::from_secs(1);
        assert!(Backoff::exponential(base).factor(0.5).problem().is_some());
        assert!(
            Backoff::exponential(base)
                .factor(f64::NAN)
                .problem()
                .is_some()
        );
        assert!(Backoff::exponential(base).factor(1.0).problem().is_none());
        assert!(Backoff::delays([]).problem().is_some());
        assert!(Backoff::default().problem().is_none());
    }
}
