//! `RetryInterceptor`: the mechanics around the [policy](super::policy): keeping a copy of
//! the request, the budget, the back-off sleep, cancellation and the logs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::Method;
use tokio::time::{Instant, sleep_until};

use super::budget::RetryBudget;
use super::builder::RetryInterceptorBuilder;
use super::drain::discard;
use super::idempotency::may_repeat;
use super::options::RetryOptions;
use super::outcome::AttemptOutcome;
use super::policy::{Circumstances, Decision, GiveUp, Policy, RetryReason};
use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::redact::redact_url;
use crate::request::Request;
use crate::response::Response;

/// The target of every retry event.
const TARGET: &str = "courier::retry";

/// Retries failed attempts that are worth retrying, with exponential back-off and jitter,
/// `Retry-After`, idempotency rules and a retry budget (dio_smart_retry for courier). See the
/// [module documentation](crate::interceptors::retry) for the defaults and the reasons.
///
/// ```
/// use courier::interceptors::retry::RetryInterceptor;
/// use courier::mock::matchers::path;
/// use courier::{Client, Mock, MockTransport, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), courier::Error> {
/// let mock = MockTransport::new();
/// Mock::given(path("/flaky"))
///     .respond_with_sequence([ResponseTemplate::new(503), ResponseTemplate::new(502)])
///     .mount(&mock);
/// Mock::given(path("/flaky")).respond_with(ResponseTemplate::new(200).body("ok")).mount(&mock);
///
/// let client = Client::builder()
///     .base_url("https://api.example")
///     .interceptor(RetryInterceptor::new())
///     .transport(mock.clone())
///     .build()?;
/// assert_eq!(client.get("/flaky").send().await?.text().await?, "ok");
/// assert_eq!(mock.received_requests().len(), 3);
/// # Ok(())
/// # }
/// ```
///
/// Cloning is cheap, and clones share one [`RetryBudget`].
///
/// Where it sits in the chain matters: the interceptors after it run once per attempt (an auth
/// interceptor after it puts the current token on each attempt), the ones before it once per
/// call.
#[derive(Clone)]
pub struct RetryInterceptor {
    policy: Arc<Policy>,
    budget: Option<RetryBudget>,
}

impl RetryInterceptor {
    /// The defaults: 4 attempts, exponential back-off from 1 s with full jitter, delays of at
    /// most 30 s, the transient failures, and a default [`RetryBudget`].
    ///
    /// ```
    /// let client = courier::Client::builder()
    ///     .interceptor(courier::interceptors::retry::RetryInterceptor::new())
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::builder().build_unchecked()
    }

    /// Starts configuring a retry interceptor.
    ///
    /// ```
    /// use std::time::Duration;
    /// use courier::interceptors::retry::{Backoff, RetryInterceptor};
    /// let retry = RetryInterceptor::builder()
    ///     .max_attempts(3)
    ///     .backoff(Backoff::exponential(Duration::from_millis(200)))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn builder() -> RetryInterceptorBuilder {
        RetryInterceptorBuilder::new()
    }

    pub(super) fn from_parts(policy: Policy, budget: Option<RetryBudget>) -> Self {
        Self {
            policy: Arc::new(policy),
            budget,
        }
    }

    /// The budget this interceptor (and its clones) draws retries from, if it has one.
    ///
    /// ```
    /// let retry = courier::interceptors::retry::RetryInterceptor::new();
    /// assert!(retry.budget().is_some());
    /// ```
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.budget.as_ref()
    }

    /// Sends `request` until an attempt succeeds, fails for good, or may not be retried.
    async fn send_with_retries(
        &self,
        mut request: Request,
        next: Next<'_>,
        max_attempts: u32,
    ) -> Result<Response> {
        let method = request.method().clone();
        let mut attempt = 1;
        loop {
            let spare = request.try_clone();
            let deadline = request.options().deadline();
            let result = next.run(request).await;
            let facts = Circumstances {
                max_attempts,
                replayable: spare.is_some(),
                now: Instant::now(),
                deadline,
                wall_clock: SystemTime::now(),
            };
            let decision = self
                .policy
                .decide(&AttemptOutcome::new(&result, attempt, &method), facts);
            let (reason, delay, from_retry_after) = match decision {
                Decision::Return => return result,
                Decision::GiveUp { reason, why } => {
                    return give_up(result, reason, why, attempt, &method);
                }
                Decision::Retry {
                    reason,
                    delay,
                    from_retry_after,
                } => (reason, delay, from_retry_after),
            };
            let Some(spare) = spare else {
                return result;
            };
            if let Some(budget) = &self.budget
                && !budget.try_withdraw()
            {
                tracing::warn!(
                    target: TARGET,
                    method = %method,
                    url = %redact_url(spare.url()),
                    attempt,
                    reason = %reason,
                    "retry budget exhausted: returning the failure without retrying"
                );
                return result;
            }
            tracing::info!(
                target: TARGET,
                method = %method,
                url = %redact_url(spare.url()),
                attempt,
                max_attempts,
                delay_ms = millis(delay),
                retry_after = from_retry_after,
                reason = %reason,
                "retrying request"
            );
            back_off(result, delay, &spare).await?;
            request = spare;
            attempt += 1;
        }
    }
}

/// Waits out `delay` (discarding the failed attempt's response meanwhile), unless the
/// request's cancel token fires first: then the call ends at once as cancelled.
async fn back_off(failed: Result<Response>, delay: Duration, request: &Request) -> Result<()> {
    let wake = Instant::now() + delay;
    let wait = async move {
        discard(failed).await;
        // A timer rounds up to the next millisecond tick: a wait that is already over (a zero
        // delay, or a drain that took it all) must not sleep at all.
        if Instant::now() < wake {
            sleep_until(wake).await;
        }
    };
    match request.options().cancel_token() {
        None => {
            wait.await;
            Ok(())
        }
        Some(token) => tokio::select! {
            biased;
            () = token.cancelled() => Err(token.error().with_url(request.url())),
            () = wait => Ok(()),
        },
    }
}

/// Returns a failure that was worth retrying but is not retried, saying why in the log (and,
/// for a body that cannot be sent again, in the error).
fn give_up(
    result: Result<Response>,
    reason: RetryReason,
    why: GiveUp,
    attempt: u32,
    method: &Method,
) -> Result<Response> {
    match why {
        GiveUp::AttemptsExhausted => {
            tracing::debug!(target: TARGET, method = %method, attempt, reason = %reason,
                "not retrying: no attempts left");
            result
        }
        GiveUp::NotReplayable => {
            tracing::debug!(target: TARGET, method = %method, attempt, reason = %reason,
                "not retrying: the request body is a one-shot stream");
            result.map_err(|error| error.with_note(NOT_REPLAYABLE))
        }
        GiveUp::RetryAfterBeyondCap(asked) => {
            tracing::debug!(target: TARGET, method = %method, attempt, reason = %reason,
                retry_after_ms = millis(asked), "not retrying: Retry-After is longer than the max delay");
            result
        }
        GiveUp::PastDeadline(delay) => {
            tracing::debug!(target: TARGET, method = %method, attempt, reason = %reason,
                delay_ms = millis(delay), "not retrying: the wait would pass the call's deadline");
            result
        }
    }
}

/// The note added to a failure that was not retried because its body cannot be re-sent.
pub(super) const NOT_REPLAYABLE: &str = "not retried: the request body is a one-shot stream that was consumed and cannot be sent again (use bytes, a file or a multipart form to make it replayable)";

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Interceptor for RetryInterceptor {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
        let options = request.extensions().get::<RetryOptions>();
        let max_attempts = options
            .and_then(RetryOptions::max_attempts_override)
            .unwrap_or(self.policy.max_attempts);
        if options.is_some_and(RetryOptions::is_disabled)
            || max_attempts <= 1
            || !may_repeat(&request, options)
        {
            return next.run(request).await;
        }
        self.send_with_retries(request, next, max_attempts).await
    }
}

impl Default for RetryInterceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RetryInterceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryInterceptor")
            .field("policy", &self.policy)
            .field("budget", &self.budget)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;

    use super::*;
    use crate::cancel::CancelToken;
    use crate::error::ErrorKind;

    fn request(token: Option<&CancelToken>) -> Request {
        let mut request = Request::new(
            Method::GET,
            url::Url::parse("https://api.example/x?token=s3cr3t").unwrap(),
        );
        request.options_mut().set_cancel_token(token.cloned());
        request
    }

    #[tokio::test(start_paused = true)]
    async fn the_back_off_waits_its_delay() {
        let started = Instant::now();
        let failed = Ok(Response::new(StatusCode::BAD_GATEWAY, "busy"));
        back_off(failed, Duration::from_secs(3), &request(None))
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancel_ends_the_back_off_at_once() {
        let token = CancelToken::new();
        let request = request(Some(&token));
        let started = Instant::now();
        let failed = Ok(Response::new(StatusCode::SERVICE_UNAVAILABLE, ""));
        let wait = back_off(failed, Duration::from_secs(60), &request);
        tokio::pin!(wait);
        assert!(
            tokio::time::timeout(Duration::from_secs(1), &mut wait)
                .await
                .is_err()
        );
        token.cancel_with("screen closed");
        let error = wait.await.unwrap_err();
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(error.kind(), ErrorKind::Cancelled);
        assert_eq!(error.cancel_reason().unwrap().as_str(), "screen closed");
        assert!(!error.url().unwrap().as_str().contains("s3cr3t"));
    }

    #[tokio::test(start_paused = true)]
    async fn an_already_cancelled_token_does_not_wait() {
        let token = CancelToken::new();
        token.cancel();
        let started = Instant::now();
        let failed = Err(crate::Error::new(ErrorKind::Connection));
        let error = back_off(failed, Duration::from_secs(60), &request(Some(&token)))
            .await
            .unwrap_err();
        assert!(error.is_cancelled());
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[test]
    fn clones_share_the_budget() {
        let retry = RetryInterceptor::new();
        let clone = retry.clone();
        let (Some(original), Some(copy)) = (retry.budget(), clone.budget()) else {
            panic!("the default interceptor has a budget");
        };
        let before = copy.available();
        assert!(original.try_withdraw());
        assert_eq!(copy.available(), before - 1);
    }
}
