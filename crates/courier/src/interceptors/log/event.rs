//! The events: one per call, on target `courier::log`, with the call's facts as fields.
//!
//! One event per call, written when the call ends, rather than one on the way out and one on
//! the way back: a line then holds everything about a call, so a log search for a URL or a
//! status finds the whole story, and calls running concurrently cannot interleave halves.

use std::fmt;
use std::time::Duration;

use http::{Method, StatusCode};
use tracing::Level;

use crate::error::ErrorKind;

/// The target of every event.
pub(crate) const TARGET: &str = "courier::log";

/// Emits an event at a level chosen at run time (`tracing::event!` needs a constant one).
macro_rules! event_at {
    ($level:expr, $($rest:tt)+) => {{
        let level: Level = $level;
        if level == Level::ERROR {
            tracing::event!(target: TARGET, Level::ERROR, $($rest)+);
        } else if level == Level::WARN {
            tracing::event!(target: TARGET, Level::WARN, $($rest)+);
        } else if level == Level::INFO {
            tracing::event!(target: TARGET, Level::INFO, $($rest)+);
        } else if level == Level::DEBUG {
            tracing::event!(target: TARGET, Level::DEBUG, $($rest)+);
        } else {
            tracing::event!(target: TARGET, Level::TRACE, $($rest)+);
        }
    }};
}

/// Whether a subscriber wants events of `level` from courier's log.
pub(crate) fn is_enabled(level: Level) -> bool {
    if level == Level::ERROR {
        tracing::enabled!(target: TARGET, Level::ERROR)
    } else if level == Level::WARN {
        tracing::enabled!(target: TARGET, Level::WARN)
    } else if level == Level::INFO {
        tracing::enabled!(target: TARGET, Level::INFO)
    } else if level == Level::DEBUG {
        tracing::enabled!(target: TARGET, Level::DEBUG)
    } else {
        tracing::enabled!(target: TARGET, Level::TRACE)
    }
}

/// A body's size in bytes, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Size {
    /// The length from the body in memory or from `Content-Length`.
    Known(u64),
    /// A stream without `Content-Length`.
    Unknown,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Known(bytes) => write!(f, "{bytes}"),
            Size::Unknown => f.write_str("unknown"),
        }
    }
}

/// What is known of a call when it leaves: already redacted.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) request_bytes: Size,
    pub(crate) request_headers: Option<String>,
    pub(crate) request_body: Option<String>,
}

/// What came back: already redacted.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) status: StatusCode,
    pub(crate) response_bytes: Size,
    pub(crate) response_headers: Option<String>,
    pub(crate) response_body: Option<String>,
}

fn millis(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

/// A response came back (and passed `validate_status`).
pub(crate) fn completed(level: Level, sent: &Sent, received: &Received, elapsed: Duration) {
    event_at!(
        level,
        method = %sent.method,
        url = %sent.url,
        status = received.status.as_u16(),
        elapsed_ms = millis(elapsed),
        request_bytes = %sent.request_bytes,
        response_bytes = %received.response_bytes,
        request_headers = sent.request_headers.as_deref().map(tracing::field::display),
        request_body = sent.request_body.as_deref().map(tracing::field::display),
        response_headers = received.response_headers.as_deref().map(tracing::field::display),
        response_body = received.response_body.as_deref().map(tracing::field::display),
        "request completed"
    );
}

/// The call failed; `received` is the rejected response of a `BadResponse`.
pub(crate) fn failed(
    level: Level,
    sent: &Sent,
    received: Option<&Received>,
    elapsed: Duration,
    kind: ErrorKind,
    error: &str,
) {
    event_at!(
        level,
        method = %sent.method,
        url = %sent.url,
        status = received.map(|r| r.status.as_u16()),
        elapsed_ms = millis(elapsed),
        request_bytes = %sent.request_bytes,
        response_bytes = received.map(|r| tracing::field::display(r.response_bytes)),
        error_kind = ?kind,
        error = %error,
        request_headers = sent.request_headers.as_deref().map(tracing::field::display),
        request_body = sent.request_body.as_deref().map(tracing::field::display),
        response_headers = received.and_then(|r| r.response_headers.as_deref()).map(tracing::field::display),
        response_body = received.and_then(|r| r.response_body.as_deref()).map(tracing::field::display),
        "request failed"
    );
}

/// The call was dropped before it ended: cancelled, over the total timeout, or its future
/// dropped by the caller. Which one is not known here: those stop the chain from outside.
pub(crate) fn abandoned(level: Level, sent: &Sent, elapsed: Duration) {
    event_at!(
        level,
        method = %sent.method,
        url = %sent.url,
        elapsed_ms = millis(elapsed),
        request_bytes = %sent.request_bytes,
        request_headers = sent.request_headers.as_deref().map(tracing::field::display),
        request_body = sent.request_body.as_deref().map(tracing::field::display),
        "request abandoned before it ended (cancelled, timed out, or dropped)"
    );
}
