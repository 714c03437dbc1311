//! Timeouts and cancellation around a call and around each attempt.
//!
//! Two layers, because they guard different things:
//! - the **call guard** (in [`Client::execute`](crate::Client::execute)) races the whole chain
//!   (interceptors, retry back-offs, refresh waits, every attempt) against the cancel token
//!   and the total deadline;
//! - the **attempt watch** (in the dispatch, per transport call) enforces the send timeout
//!   (the upload stalls: the connection takes no chunk for that long) and the receive timeout
//!   (no response head that long after the body was sent, or after dispatch for a request
//!   without a body — which then also bounds connection set-up; a shorter `connect_timeout`
//!   fires first with its own kind).
//!
//! After the head arrives, the body is guarded by [`crate::response::watch`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::sync::Notify;
use tokio::time::{Instant, sleep_until};
use url::Url;

use crate::body::Body;
use crate::body::BodyStream;
use crate::cancel::CancelToken;
use crate::error::{BoxError, Error, ErrorKind, Result};
use crate::progress::{Progress, ProgressCallback};
use crate::request::Request;
use crate::response::Response;

/// Cancellation and the total deadline for one call.
pub(super) struct CallGuard {
    cancel: Option<CancelToken>,
    deadline: Option<Instant>,
    url: Url,
}

impl CallGuard {
    /// Fixes the call's deadline on the request; `None` when there is nothing to guard.
    pub(super) fn start(request: &mut Request) -> Option<CallGuard> {
        let options = request.options();
        let deadline = match (options.deadline(), options.timeout()) {
            (Some(deadline), _) => Some(deadline),
            (None, Some(timeout)) => {
                let deadline = Instant::now() + timeout;
                request.options_mut().set_deadline(deadline);
                Some(deadline)
            }
            (None, None) => None,
        };
        let cancel = request.options().cancel_token().cloned();
        if cancel.is_none() && deadline.is_none() {
            return None;
        }
        Some(CallGuard {
            cancel,
            deadline,
            url: request.url().clone(),
        })
    }

    pub(super) async fn watch(
        self,
        chain: impl Future<Output = Result<Response>>,
    ) -> Result<Response> {
        if let Some(token) = &self.cancel
            && token.is_cancelled()
        {
            return Err(token.error().with_url(&self.url));
        }
        tokio::select! {
            biased;
            () = cancelled(self.cancel.as_ref()) => Err(self.cancelled_error()),
            () = sleep_until_or_never(self.deadline) => Err(timeout_error(&self.url)),
            result = chain => result,
        }
    }

    fn cancelled_error(&self) -> Error {
        match &self.cancel {
            Some(token) => token.error().with_url(&self.url),
            None => Error::cancelled(None).with_url(&self.url),
        }
    }
}

pub(super) fn timeout_error(url: &Url) -> Error {
    Error::new(ErrorKind::Timeout)
        .with_message("the request did not finish within its total timeout")
        .with_url(url)
}

async fn cancelled(token: Option<&CancelToken>) {
    match token {
        Some(token) => token.cancelled().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// How an upload is going, shared between the body stream the transport pulls and the
/// attempt watch.
#[derive(Debug)]
pub(super) struct Upload {
    state: Mutex<UploadState>,
    finished: Notify,
}

#[derive(Debug, Clone, Copy)]
struct UploadState {
    last_activity: Instant,
    finished_at: Option<Instant>,
}

impl Upload {
    /// Wraps the request body so its progress is observed, when a send timeout, a receive
    /// timeout (which starts when the upload ends) or a send progress callback needs it.
    pub(super) fn monitor(request: &mut Request) -> Option<Arc<Upload>> {
        let options = request.options();
        let progress = options.on_send_progress().cloned();
        let needed = options.send_timeout().is_some()
            || options.receive_timeout().is_some()
            || progress.is_some();
        if request.body().is_empty() || !needed {
            return None;
        }
        let upload = Arc::new(Upload {
            state: Mutex::new(UploadState {
                last_activity: Instant::now(),
                finished_at: None,
            }),
            finished: Notify::new(),
        });
        let body = std::mem::take(request.body_mut());
        let total = body.content_length();
        *request.body_mut() = if body.is_replayable() {
            // Stays replayable, so a 307/308 can still re-send it.
            let watched = upload.clone();
            Body::replayable(total, move || {
                let stream = body.try_clone().map_or_else(
                    || Box::pin(futures_util::stream::empty()) as BodyStream,
                    Body::into_stream,
                );
                Box::pin(TrackedUpload::new(
                    stream,
                    watched.clone(),
                    progress.clone(),
                    total,
                ))
            })
        } else {
            let tracked = TrackedUpload::new(body.into_stream(), upload.clone(), progress, total);
            match total {
                Some(length) => Body::wrap_stream_with_length(tracked, length),
                None => Body::wrap_stream(tracked),
            }
        };
        Some(upload)
    }

    fn touch(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last_activity = Instant::now();
    }

    fn finish(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        state.last_activity = now;
        state.finished_at.get_or_insert(now);
        drop(state);
        self.finished.notify_one();
    }

    fn snapshot(&self) -> UploadState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Upload chunks are handed to the connection at most this big, so progress and the send
/// timeout see steady activity even for one large in-memory body.
const UPLOAD_CHUNK: usize = 64 * 1024;

/// The request body as the transport pulls it, reporting each chunk taken.
struct TrackedUpload {
    inner: BodyStream,
    pending: Bytes,
    upload: Arc<Upload>,
    progress: Option<ProgressCallback>,
    total: Option<u64>,
    sent: u64,
}

impl TrackedUpload {
    fn new(
        inner: BodyStream,
        upload: Arc<Upload>,
        progress: Option<ProgressCallback>,
        total: Option<u64>,
    ) -> Self {
        Self {
            inner,
            pending: Bytes::new(),
            upload,
            progress,
            total,
            sent: 0,
        }
    }

    fn emit(&mut self) -> Bytes {
        let size = self.pending.len().min(UPLOAD_CHUNK);
        let chunk = self.pending.split_to(size);
        self.sent += chunk.len() as u64;
        self.upload.touch();
        // hyper stops polling a body of known length once it has that many bytes, without
        // waiting for the end of the stream: the upload is over when the last byte is taken.
        if self.total.is_some_and(|total| self.sent >= total) {
            self.upload.finish();
        }
        if let Some(progress) = &self.progress {
            progress.report(Progress {
                transferred: self.sent,
                total: self.total,
            });
        }
        chunk
    }
}

impl Stream for TrackedUpload {
    type Item = std::result::Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if !this.pending.is_empty() {
                return Poll::Ready(Some(Ok(this.emit())));
            }
            match this.inner.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => this.pending = chunk,
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => {
                    this.upload.finish();
                    // The last report carries the total, also when no length was known (as
                    // for downloads), so a progress bar can always complete.
                    if let Some(progress) = &this.progress
                        && this.total != Some(this.sent)
                    {
                        progress.report(Progress {
                            transferred: this.sent,
                            total: Some(this.sent),
                        });
                    }
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The send and receive timeouts of one attempt.
#[derive(Debug, Clone, Copy)]
pub(super) struct AttemptLimits {
    pub(super) send_timeout: Option<Duration>,
    pub(super) receive_timeout: Option<Duration>,
}

impl AttemptLimits {
    pub(super) fn is_unlimited(&self) -> bool {
        self.send_timeout.is_none() && self.receive_timeout.is_none()
    }
}

/// Runs one transport call under the attempt's send and receive timeouts.
pub(super) async fn watch_attempt(
    send: impl Future<Output = Result<Response>>,
    upload: Option<Arc<Upload>>,
    limits: AttemptLimits,
    url: &Url,
) -> Result<Response> {
    tokio::select! {
        biased;
        result = send => result,
        error = silence(upload, limits) => Err(error.with_url(url)),
    }
}

/// Completes with the timeout error when the upload stalls or the server stays silent.
async fn silence(upload: Option<Arc<Upload>>, limits: AttemptLimits) -> Error {
    let mut receive_from = Instant::now();
    if let Some(upload) = upload {
        loop {
            let state = upload.snapshot();
            if let Some(finished_at) = state.finished_at {
                receive_from = finished_at;
                break;
            }
            match limits.send_timeout {
                Some(timeout) => {
                    let due = state.last_activity + timeout;
                    if Instant::now() >= due {
                        return Error::new(ErrorKind::SendTimeout)
                            .with_message(format!("the upload stalled for {}", humanize(timeout)));
                    }
                    tokio::select! {
                        () = sleep_until(due) => {}
                        () = upload.finished.notified() => {}
                    }
                }
                None => upload.finished.notified().await,
            }
        }
    }
    match limits.receive_timeout {
        Some(timeout) => {
            sleep_until(receive_from + timeout).await;
            Error::new(ErrorKind::ReceiveTimeout)
                .with_message(format!("no response within {}", humanize(timeout)))
        }
        None => std::future::pending().await,
    }
}

/// A duration for people: `250ms`, `5s`, `1.5s`.
pub(crate) fn humanize(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{}ms", duration.as_millis())
    } else if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}
