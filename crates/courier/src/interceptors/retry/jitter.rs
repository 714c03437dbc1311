//! [`Jitter`]: how much of a back-off delay is randomised.

use std::fmt;
use std::sync::Arc;

/// A fraction in `[0, 1]`, drawn once per retry.
type FractionSource = Arc<dyn Fn() -> f64 + Send + Sync>;

/// How a back-off delay is randomised, so clients that failed together do not retry together.
///
/// With **full jitter** (the default of [`Backoff::exponential`](super::Backoff::exponential))
/// the delay before a retry is drawn uniformly between zero and the back-off's ceiling for that
/// retry. Of the schemes compared in AWS's "Exponential Backoff And Jitter", it spreads a herd
/// of clients best and does the least work in total. With [`Jitter::none`] the ceiling itself
/// is the delay (1 s, 2 s, 4 s, …).
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::retry::{Backoff, Jitter};
///
/// // Always the middle of the range: deterministic, for tests.
/// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::full_with(|| 0.5));
/// assert_eq!(backoff.delay(3, Duration::from_secs(60)), Duration::from_secs(2));
/// ```
#[derive(Clone)]
pub struct Jitter {
    source: Option<FractionSource>,
}

impl Jitter {
    /// No randomness: each delay is the back-off's ceiling.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none());
    /// assert_eq!(backoff.delay(2, Duration::from_secs(60)), Duration::from_secs(2));
    /// ```
    pub fn none() -> Self {
        Self { source: None }
    }

    /// Full jitter: a delay drawn uniformly from zero to the ceiling, with a fast
    /// non-cryptographic generator.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::full());
    /// assert!(backoff.delay(2, Duration::from_secs(60)) <= Duration::from_secs(2));
    /// ```
    pub fn full() -> Self {
        Self::full_with(fastrand::f64)
    }

    /// Full jitter with the fractions drawn from `source`, which returns a value in `[0, 1]`
    /// (out-of-range values are clamped, `NaN` counts as 1). Inject a fixed or scripted source
    /// to make delays deterministic in tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, Jitter};
    /// let backoff = Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::full_with(|| 0.0));
    /// assert_eq!(backoff.delay(4, Duration::from_secs(60)), Duration::ZERO);
    /// ```
    pub fn full_with(source: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        Self {
            source: Some(Arc::new(source)),
        }
    }

    /// `ceiling` randomised by this jitter.
    pub(super) fn apply(&self, ceiling: std::time::Duration) -> std::time::Duration {
        match &self.source {
            None => ceiling,
            Some(source) => {
                let fraction = source();
                let fraction = if fraction.is_nan() {
                    1.0
                } else {
                    fraction.clamp(0.0, 1.0)
                };
                ceiling.mul_f64(fraction)
            }
        }
    }
}

impl Default for Jitter {
    /// [`Jitter::full`].
    fn default() -> Self {
        Self::full()
    }
}

impl fmt::Debug for Jitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.source {
            None => "Jitter::None",
            Some(_) => "Jitter::Full",
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn fractions_are_clamped_and_nan_counts_as_the_ceiling() {
        let ceiling = Duration::from_secs(4);
        assert_eq!(Jitter::full_with(|| -1.0).apply(ceiling), Duration::ZERO);
        assert_eq!(Jitter::full_with(|| 7.0).apply(ceiling), ceiling);
        assert_eq!(Jitter::full_with(|| f64::NAN).apply(ceiling), ceiling);
        assert_eq!(Jitter::none().apply(ceiling), ceiling);
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let jitter = Jitter::full();
        for _ in 0..1000 {
            assert!(jitter.apply(Duration::from_millis(250)) <= Duration::from_millis(250));
        }
    }
}
