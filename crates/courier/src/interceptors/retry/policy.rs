//! The decision: after an attempt, retry (and after how long) or stop, and why. Pure: no
//! I/O, no clock of its own, no budget; the interceptor supplies the facts and does the work.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::outcome::AttemptOutcome;
use crate::error::ErrorKind;
use crate::retry_after::retry_after;

/// The user's rule for which outcomes are worth another attempt.
pub(super) type Predicate = Arc<dyn Fn(&AttemptOutcome<'_>) -> bool + Send + Sync>;

/// The interceptor's settings, as the decision needs them.
#[derive(Clone)]
pub(super) struct Policy {
    pub(super) max_attempts: u32,
    pub(super) backoff: Backoff,
    pub(super) max_delay: Duration,
    /// `None`: [`AttemptOutcome::is_transient`].
    pub(super) predicate: Option<Predicate>,
}

/// The facts about an attempt beyond its outcome.
#[derive(Debug, Clone, Copy)]
pub(super) struct Circumstances {
    /// The most attempts for this request (the interceptor's, or the request's own).
    pub(super) max_attempts: u32,
    /// Whether a copy of the request could be kept for another attempt.
    pub(super) replayable: bool,
    pub(super) now: Instant,
    /// When the call's total timeout runs out.
    pub(super) deadline: Option<Instant>,
    /// Wall-clock time, for a `Retry-After` given as a date.
    pub(super) wall_clock: SystemTime,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Decision {
    /// Return the outcome: it is a success, or a failure that retrying would not mend.
    Return,
    /// The failure is worth retrying but may not be; return it.
    GiveUp { reason: RetryReason, why: GiveUp },
    /// Wait `delay`, then send the request again.
    Retry {
        reason: RetryReason,
        delay: Duration,
        /// Whether the delay is the server's `Retry-After` rather than the back-off.
        from_retry_after: bool,
    },
}

/// Why a failure worth retrying is returned instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GiveUp {
    /// That was the last attempt allowed.
    AttemptsExhausted,
    /// The body was a one-shot stream, already consumed.
    NotReplayable,
    /// The server asked for a longer wait than the max delay.
    RetryAfterBeyondCap(Duration),
    /// The wait would end at or after the call's deadline.
    PastDeadline(Duration),
}

/// What made an attempt fail, for logs: a status or an error kind (never headers or bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RetryReason {
    Status(StatusCode),
    Error(ErrorKind),
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {}", status.as_u16()),
            Self::Error(kind) => write!(f, "{kind}"),
        }
    }
}

impl Policy {
    /// Decides what follows `outcome`.
    pub(super) fn decide(&self, outcome: &AttemptOutcome<'_>, facts: Circumstances) -> Decision {
        if outcome.is_never_retried() {
            return Decision::Return;
        }
        let wanted = match &self.predicate {
            Some(predicate) => predicate(outcome),
            None => outcome.is_transient(),
        };
        if !wanted {
            return Decision::Return;
        }
        let reason = match (outcome.status(), outcome.error_kind()) {
            (Some(status), _) => RetryReason::Status(status),
            (None, Some(kind)) => RetryReason::Error(kind),
            // A success the predicate wants retried: it has a status, so this is unreachable;
            // returning the outcome is the safe answer anyway.
            (None, None) => return Decision::Return,
        };
        let give_up = |why| Decision::GiveUp { reason, why };
        if outcome.attempt() >= facts.max_attempts {
            return give_up(GiveUp::AttemptsExhausted);
        }
        if !facts.replayable {
            return give_up(GiveUp::NotReplayable);
        }
        let asked = response_headers(outcome).and_then(|h| retry_after(h, facts.wall_clock));
        let (delay, from_retry_after) = match asked {
            Some(asked) if asked > self.max_delay => {
                return give_up(GiveUp::RetryAfterBeyondCap(asked));
            }
            Some(asked) => (asked, true),
            None => (self.backoff.delay(outcome.attempt(), self.max_delay), false),
        };
        if let Some(deadline) = facts.deadline
            && facts.now + delay >= deadline
        {
            return give_up(GiveUp::PastDeadline(delay));
        }
        Decision::Retry {
            reason,
            delay,
            from_retry_after,
        }
    }
}

fn response_headers<'a>(outcome: &AttemptOutcome<'a>) -> Option<&'a http::HeaderMap> {
    match outcome.result() {
        Ok(response) => Some(response.headers()),
        Err(error) => error.response().map(crate::Response::headers),
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("max_delay", &self.max_delay)
            .field(
                "predicate",
                &if self.predicate.is_some() {
                    "custom"
                } else {
                    "transient failures"
                },
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use http::Method;
    use http::header::RETRY_AFTER;

    use super::*;
    use crate::error::{Error, Result};
    use crate::interceptors::retry::Jitter;
    use crate::response::Response;

    fn policy() -> Policy {
        Policy {
            max_attempts: 4,
            backoff: Backoff::exponential(Duration::from_secs(1)).jitter(Jitter::none()),
            max_delay: Duration::from_secs(30),
            predicate: None,
        }
    }

    fn facts() -> Circumstances {
        Circumstances {
            max_attempts: 4,
            replayable: true,
            now: Instant::now(),
            deadline: None,
            wall_clock: SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_740),
        }
    }

    fn status(code: u16) -> Result<Response> {
        let response = Response::new(StatusCode::from_u16(code).unwrap(), "");
        Err(Error::bad_response(response))
    }

    fn with_retry_after(code: u16, value: &str) -> Result<Response> {
        let mut response = Response::new(StatusCode::from_u16(code).unwrap(), "");
        response
            .headers_mut()
            .insert(RETRY_AFTER, value.parse().unwrap());
        Err(Error::bad_response(response))
    }

    fn decide(
        policy: &Policy,
        result: &Result<Response>,
        attempt: u32,
        facts: Circumstances,
    ) -> Decision {
        policy.decide(&AttemptOutcome::new(result, attempt, &Method::GET), facts)
    }

    fn delay_of(decision: Decision) -> Duration {
        match decision {
            Decision::Retry { delay, .. } => delay,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn the_back_off_grows_with_each_attempt() {
        let delays: Vec<u64> = (1..=3)
            .map(|attempt| delay_of(decide(&policy(), &status(503), attempt, facts())).as_secs())
            .collect();
        assert_eq!(delays, [1, 2, 4]);
    }

    #[test]
    fn the_last_attempt_gives_up() {
        let decision = decide(&policy(), &status(503), 4, facts());
        assert_eq!(
            decision,
            Decision::GiveUp {
                reason: RetryReason::Status(StatusCode::SERVICE_UNAVAILABLE),
                why: GiveUp::AttemptsExhausted
            }
        );
    }

    #[test]
    fn successes_and_permanent_failures_are_returned() {
        let ok = Ok(Response::new(StatusCode::OK, ""));
        assert_eq!(decide(&policy(), &ok, 1, facts()), Decision::Return);
        assert_eq!(
            decide(&policy(), &status(404), 1, facts()),
            Decision::Return
        );
    }

    #[test]
    fn a_predicate_cannot_retry_cancelled_decode_or_invalid_requests() {
        let always = Policy {
            predicate: Some(Arc::new(|_: &AttemptOutcome<'_>| true)),
            ..policy()
        };
        for kind in [
            ErrorKind::Cancelled,
            ErrorKind::Decode,
            ErrorKind::InvalidRequest,
        ] {
            let result = Err(Error::new(kind));
            assert_eq!(decide(&always, &result, 1, facts()), Decision::Return);
        }
        let result = Err(Error::new(ErrorKind::Timeout));
        assert!(matches!(
            decide(&always, &result, 1, facts()),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn retry_after_seconds_replace_the_back_off() {
        let decision = decide(&policy(), &with_retry_after(429, "7"), 1, facts());
        assert_eq!(
            decision,
            Decision::Retry {
                reason: RetryReason::Status(StatusCode::TOO_MANY_REQUESTS),
                delay: Duration::from_secs(7),
                from_retry_after: true
            }
        );
    }

    #[test]
    fn retry_after_as_a_date_is_measured_from_the_wall_clock() {
        // facts().wall_clock is 1999-12-31T23:59:00Z.
        let result = with_retry_after(503, "Fri, 31 Dec 1999 23:59:20 GMT");
        assert_eq!(
            delay_of(decide(&policy(), &result, 1, facts())),
            Duration::from_secs(20)
        );
    }

    #[test]
    fn retry_after_beyond_the_cap_gives_up() {
        let decision = decide(&policy(), &with_retry_after(503, "31"), 1, facts());
        assert!(matches!(
            decision,
            Decision::GiveUp { why: GiveUp::RetryAfterBeyondCap(asked), .. } if asked == Duration::from_secs(31)
        ));
        let at_cap = decide(&policy(), &with_retry_after(503, "30"), 1, facts());
        assert_eq!(delay_of(at_cap), Duration::from_secs(30));
    }

    #[test]
    fn a_wait_that_reaches_the_deadline_gives_up() {
        let now = Instant::now();
        let tight = Circumstances {
            now,
            deadline: Some(now + Duration::from_secs(2)),
            ..facts()
        };
        // Retry 1 waits 1 s: fine. Retry 2 waits 2 s: would end at the deadline.
        assert!(matches!(
            decide(&policy(), &status(503), 1, tight),
            Decision::Retry { .. }
        ));
        assert!(matches!(
            decide(&policy(), &status(503), 2, tight),
            Decision::GiveUp {
                why: GiveUp::PastDeadline(_),
                ..
            }
        ));
    }

    #[test]
    fn a_one_shot_body_gives_up() {
        let facts = Circumstances {
            replayable: false,
            ..facts()
        };
        let result = Err(Error::new(ErrorKind::Connection));
        assert_eq!(
            decide(&policy(), &result, 1, facts),
            Decision::GiveUp {
                reason: RetryReason::Error(ErrorKind::Connection),
                why: GiveUp::NotReplayable
            }
        );
    }

    #[test]
    fn reasons_name_a_status_or_an_error_kind() {
        assert_eq!(
            RetryReason::Status(StatusCode::BAD_GATEWAY).to_string(),
            "status 502"
        );
        assert_eq!(
            RetryReason::Error(ErrorKind::Connection).to_string(),
            "connection error"
        );
    }
}
