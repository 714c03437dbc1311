//! `RetryInterceptorBuilder`: the interceptor's settings, each with its default.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::backoff::Backoff;
use super::budget::RetryBudget;
use super::interceptor::RetryInterceptor;
use super::outcome::AttemptOutcome;
use super::policy::{Policy, Predicate};
use crate::error::{Error, ErrorKind, Result};

/// Configures a [`RetryInterceptor`]; made by [`RetryInterceptor::builder`].
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::retry::{Backoff, Jitter, RetryBudget, RetryInterceptor};
///
/// let retry = RetryInterceptor::builder()
///     .max_attempts(5)                                            // the first + 4 retries
///     .backoff(Backoff::exponential(Duration::from_millis(250)))  // 250 ms, 500 ms, 1 s, … jittered
///     .max_delay(Duration::from_secs(10))                         // no wait longer than 10 s
///     .budget(RetryBudget::new(Duration::from_secs(10), 5, 0.1))  // 5 retries/s + 10 % of calls
///     .build()?;
/// # Ok::<(), courier::Error>(())
/// ```
#[must_use]
pub struct RetryInterceptorBuilder {
    max_attempts: u32,
    backoff: Backoff,
    max_delay: Duration,
    predicate: Option<Predicate>,
    budget: Option<RetryBudget>,
}

impl RetryInterceptorBuilder {
    pub(super) fn new() -> Self {
        Self {
            max_attempts: 4,
            backoff: Backoff::default(),
            max_delay: Duration::from_secs(30),
            predicate: None,
            budget: Some(RetryBudget::default()),
        }
    }

    /// The most attempts per call, the first included: `4` is one attempt and up to three
    /// retries (dio_smart_retry's `retries: 3`). `1` never retries; `0` is rejected by
    /// [`build`](Self::build). Default: 4. A request may set its own with
    /// [`RetryOptions::max_attempts`](super::RetryOptions::max_attempts).
    ///
    /// ```
    /// let retry = courier::interceptors::retry::RetryInterceptor::builder().max_attempts(2).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// How long to wait before each retry. Default:
    /// [`Backoff::exponential`]`(1 s)`: factor 2, full jitter.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, RetryInterceptor};
    /// // The seed's fixed schedule: 1 s, 2 s, 4 s.
    /// let retry = RetryInterceptor::builder()
    ///     .backoff(Backoff::delays([1, 2, 4].map(Duration::from_secs)))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The longest wait before a retry: caps the back-off, and bounds `Retry-After`. A server
    /// that asks for a longer wait than this is not retried: its response (with its
    /// `Retry-After`) is returned at once, since retrying sooner than asked would only meet
    /// the same refusal. Default: 30 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// let retry = courier::interceptors::retry::RetryInterceptor::builder()
    ///     .max_delay(Duration::from_secs(5))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// Which outcomes are worth another attempt. Default:
    /// [`AttemptOutcome::is_transient`] (connection errors, connect/send/receive timeouts, and
    /// 408, 429, 500, 502, 503, 504).
    ///
    /// Whatever the predicate says, a cancelled request, a decode error and an invalid request
    /// are never retried, and neither is a request that may not be repeated (a POST without an
    /// `Idempotency-Key`), one whose body cannot be sent again, or one over its attempts, its
    /// deadline or the budget.
    ///
    /// ```
    /// use courier::interceptors::retry::RetryInterceptor;
    /// // Only connection failures, never a status.
    /// let retry = RetryInterceptor::builder()
    ///     .retry_if(|outcome| outcome.error_kind() == Some(courier::ErrorKind::Connection))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn retry_if(
        mut self,
        predicate: impl Fn(&AttemptOutcome<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// The budget retries are drawn from. Pass a clone of one budget to several interceptors
    /// (or clients) to share it. Default: [`RetryBudget::default`] (10 s window, 10 retries
    /// per second, plus 20 % of the calls), one per built interceptor, shared by its clones.
    ///
    /// ```
    /// use courier::interceptors::retry::{RetryBudget, RetryInterceptor};
    /// let shared = RetryBudget::default();
    /// let api = RetryInterceptor::builder().budget(shared.clone()).build()?;
    /// let uploads = RetryInterceptor::builder().budget(shared).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// No budget: every call may use all its attempts, even during an outage. Only for
    /// clients whose load cannot hurt the origin (tests, a single CLI call).
    ///
    /// ```
    /// let retry = courier::interceptors::retry::RetryInterceptor::builder().without_budget().build()?;
    /// assert!(retry.budget().is_none());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn without_budget(mut self) -> Self {
        self.budget = None;
        self
    }

    /// Builds the interceptor; fails with [`ErrorKind::InvalidRequest`] when `max_attempts` is
    /// 0, the back-off factor is below 1 (or not a number) or the list of delays is empty.
    ///
    /// ```
    /// let error = courier::interceptors::retry::RetryInterceptor::builder()
    ///     .max_attempts(0)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::InvalidRequest);
    /// ```
    pub fn build(self) -> Result<RetryInterceptor> {
        if self.max_attempts == 0 {
            return Err(invalid("max_attempts must be at least 1"));
        }
        if let Some(problem) = self.backoff.problem() {
            return Err(invalid(problem));
        }
        Ok(self.build_unchecked())
    }

    /// Builds without checking: for the defaults, which are valid.
    pub(super) fn build_unchecked(self) -> RetryInterceptor {
        RetryInterceptor::from_parts(
            Policy {
                max_attempts: self.max_attempts,
                backoff: self.backoff,
                max_delay: self.max_delay,
                predicate: self.predicate,
            },
            self.budget,
        )
    }
}

fn invalid(problem: &str) -> Error {
    Error::new(ErrorKind::InvalidRequest).with_message(format!("retry interceptor: {problem}"))
}

impl fmt::Debug for RetryInterceptorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryInterceptorBuilder")
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("max_delay", &self.max_delay)
            .field("custom_predicate", &self.predicate.is_some())
            .field("budget", &self.budget)
            .finish()
    }
}
