//! `LogInterceptor`: its options, and the interceptor that gathers one event per call.

use std::time::{Duration, Instant};

use crate::content_length::content_length;
use tracing::Level;

use super::event::{self, Received, Sent, Size};
use super::format::{self, Media, Secrets};
use crate::error::Result;
use crate::interceptor::{Interceptor, Next};
use crate::request::Request;
use crate::response::Response;

/// Logs every call on [`tracing`], with secrets redacted: one event per call on target
/// `courier::log`. See the [module documentation](crate::interceptors::log) for what is
/// logged and what never is.
///
/// ```
/// use courier::{Client, LogInterceptor};
///
/// let log = LogInterceptor::new()
///     .level(tracing::Level::DEBUG)
///     .request_headers(true)
///     .response_body(true)
///     .max_body_bytes(1024)
///     .redact_header("x-session")
///     .redact_query_parameter("session");
/// let client = Client::builder().interceptor(log).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Where it sits in the chain matters: it sees the request as the interceptors before it
/// left it, and times everything after it. Add it last to log what goes on the wire, once
/// per attempt; add it first to log each call once, retries included in the time.
#[derive(Debug, Clone)]
pub struct LogInterceptor {
    level: Level,
    request_headers: bool,
    response_headers: bool,
    request_body: bool,
    response_body: bool,
    max_body_bytes: usize,
    secrets: Secrets,
}

impl Default for LogInterceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl LogInterceptor {
    /// Logs method, URL, status, time and sizes at INFO (failures at WARN); no headers and no
    /// bodies.
    ///
    /// ```
    /// let client = courier::Client::builder()
    ///     .interceptor(courier::LogInterceptor::new())
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            level: Level::INFO,
            request_headers: false,
            response_headers: false,
            request_body: false,
            response_body: false,
            max_body_bytes: 4096,
            secrets: Secrets::default(),
        }
    }

    // ----- What is logged -----

    /// Whether to log the request headers, secret ones as `name: REDACTED`. Default: `false`.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().request_headers(true);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn request_headers(mut self, enabled: bool) -> Self {
        self.request_headers = enabled;
        self
    }

    /// Whether to log the response headers, secret ones (`Set-Cookie`, …) as
    /// `name: REDACTED`. Default: `false`.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().response_headers(true);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn response_headers(mut self, enabled: bool) -> Self {
        self.response_headers = enabled;
        self
    }

    /// Whether to log the request body. Only a body in memory is shown (JSON pretty-printed,
    /// forms and JSON with secret fields redacted); a streamed body shows as `<stream>`, as
    /// reading it would consume it. Default: `false`.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().request_body(true);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn request_body(mut self, enabled: bool) -> Self {
        self.request_body = enabled;
        self
    }

    /// Whether to log the response body. Default: `false`.
    ///
    /// **Cost**: to show the body without taking it from the caller, the interceptor reads it
    /// into memory ([`Response::buffer`]) and passes the response on with the body in memory.
    /// The whole body is then held at once, even though only `max_body_bytes` of it are
    /// shown; the caller's [`chunk`](Response::chunk) loop and download progress see it
    /// arrive in one piece; and a body that fails half-way fails the call here, with its
    /// error logged. Binary, multipart and `text/event-stream` responses are not read (an
    /// event stream may never end): the log shows their size, or that they were not read.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().response_body(true);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn response_body(mut self, enabled: bool) -> Self {
        self.response_body = enabled;
        self
    }

    /// The most bytes of a body to log; a longer one is cut on a character boundary and
    /// marked with the number of bytes left out. Counted on the text as shown (pretty JSON is
    /// longer than the bytes received). Default: `4096`.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().response_body(true).max_body_bytes(512);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The level of a completed call. Failures use WARN, or this level when it is more severe
    /// (ERROR). Default: [`Level::INFO`].
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().level(tracing::Level::DEBUG);
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    // ----- Secrets -----

    /// Hides the value of one more header (case-insensitive), on top of
    /// [`crate::redact::is_secret_header`]'s list. Default: only the built-in list.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new()
    ///     .request_headers(true)
    ///     .redact_header("x-session");
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn redact_header(mut self, name: impl Into<String>) -> Self {
        self.secrets.headers.push(name.into());
        self
    }

    /// Hides the value of one more query parameter, and of form and JSON body fields of that
    /// name (case and punctuation ignored), on top of the built-in lists
    /// ([`crate::redact::is_secret_field`]). Default: only the built-in lists.
    ///
    /// ```
    /// let log = courier::LogInterceptor::new().redact_query_parameter("session");
    /// # let _ = log;
    /// ```
    #[must_use]
    pub fn redact_query_parameter(mut self, name: impl Into<String>) -> Self {
        self.secrets.fields.push(name.into());
        self
    }

    // ----- Gathering -----

    /// Failures are at least WARN.
    fn failure_level(&self) -> Level {
        // `Level` orders by verbosity: ERROR is the smallest.
        self.level.min(Level::WARN)
    }

    fn sent(&self, request: &Request) -> Sent {
        let body = request.body();
        let request_bytes = body
            .content_length()
            .or_else(|| content_length(request.headers()))
            .map_or(Size::Unknown, Size::Known);
        let request_body = self.request_body.then(|| match body.as_bytes() {
            Some(bytes) => format::body(
                bytes,
                Media::of(request.headers()),
                self.max_body_bytes,
                &self.secrets,
            ),
            None if body.is_empty() => "<empty>".to_owned(),
            None => "<stream>".to_owned(),
        });
        Sent {
            method: request.method().clone(),
            url: format::url(request.url(), &self.secrets),
            request_bytes,
            request_headers: self
                .request_headers
                .then(|| format::headers(request.headers(), &self.secrets)),
            request_body,
        }
    }

    /// What a response shows; reads its body into memory first when the body is logged.
    async fn received(&self, response: &mut Response, with_body: bool) -> Result<Received> {
        let with_body = with_body && self.response_body;
        if with_body
            && response.buffered_body().is_none()
            && Media::of(response.headers()).is_shown()
        {
            response.buffer().await?;
        }
        Ok(self.received_buffered(response, with_body))
    }

    /// What a response shows, from what is already in memory.
    fn received_buffered(&self, response: &Response, with_body: bool) -> Received {
        let media = Media::of(response.headers());
        let response_bytes = response
            .buffered_body()
            .map(|bytes| bytes.len() as u64)
            .or_else(|| response.content_length())
            .map_or(Size::Unknown, Size::Known);
        let response_body = (with_body && self.response_body).then(|| {
            match (response.buffered_body(), response_bytes) {
                (Some(bytes), _) => format::body(bytes, media, self.max_body_bytes, &self.secrets),
                (None, _) if media == Media::EventStream => "<event stream, not read>".to_owned(),
                (None, Size::Known(0)) => "<empty>".to_owned(),
                (None, Size::Known(len)) if media == Media::Multipart => {
                    format!("<{len} bytes multipart>")
                }
                (None, Size::Known(len)) => format!("<{len} bytes binary>"),
                (None, Size::Unknown) => "<stream, not read>".to_owned(),
            }
        });
        Received {
            status: response.status(),
            response_bytes,
            response_headers: self
                .response_headers
                .then(|| format::headers(response.headers(), &self.secrets)),
            response_body,
        }
    }
}

impl Interceptor for LogInterceptor {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        let failure_level = self.failure_level();
        let completed_on = event::is_enabled(self.level);
        if !completed_on && !event::is_enabled(failure_level) {
            return next.run(request).await;
        }
        let sent = self.sent(&request);
        let request_url = request.url().clone();
        let mut pending = Pending::start(&sent, failure_level);

        let result = next.run(request).await;
        let result = match result {
            Ok(mut response) => match self.received(&mut response, completed_on).await {
                Ok(received) => Ok((response, received)),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        let elapsed = pending.finish();
        match result {
            Ok((response, received)) => {
                if completed_on {
                    event::completed(self.level, &sent, &received, elapsed);
                }
                Ok(response)
            }
            Err(error) => {
                let received = error
                    .response()
                    .map(|response| self.received_buffered(response, true));
                let shown_error = format::error(&error, &request_url, &self.secrets);
                event::failed(
                    failure_level,
                    &sent,
                    received.as_ref(),
                    elapsed,
                    error.kind(),
                    &shown_error,
                );
                Err(error)
            }
        }
    }
}

/// A call on its way: logs it as abandoned if its future is dropped before it ends.
struct Pending<'a> {
    sent: &'a Sent,
    level: Level,
    started: Instant,
    ended: bool,
}

impl<'a> Pending<'a> {
    fn start(sent: &'a Sent, level: Level) -> Self {
        Self {
            sent,
            level,
            started: Instant::now(),
            ended: false,
        }
    }

    /// Marks the call as ended; returns its duration.
    fn finish(&mut self) -> Duration {
        self.ended = true;
        self.started.elapsed()
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.ended {
            event::abandoned(self.level, self.sent, self.started.elapsed());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_as_documented() {
        let log = LogInterceptor::default();
        assert_eq!(log.level, Level::INFO);
        assert_eq!(log.failure_level(), Level::WARN);
        assert_eq!(log.max_body_bytes, 4096);
        assert!(!log.request_headers && !log.response_headers);
        assert!(!log.request_body && !log.response_body);
    }

    #[test]
    fn failures_are_never_less_severe_than_warn() {
        let quiet = LogInterceptor::new().level(Level::TRACE);
        assert_eq!(quiet.failure_level(), Level::WARN);
        let loud = LogInterceptor::new().level(Level::ERROR);
        assert_eq!(loud.failure_level(), Level::ERROR);
    }
}
