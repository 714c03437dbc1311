//! Guards a streaming response body: receive timeout between chunks, the call's total
//! deadline, cancellation, and receive progress.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use tokio::time::{Instant, Sleep, sleep_until};
use tokio_util::sync::WaitForCancellationFutureOwned;
use url::Url;

use super::{Response, ResponseStream};
use crate::cancel::CancelToken;
use crate::error::{Error, ErrorKind, Result};
use crate::progress::{Progress, ProgressCallback};
use crate::request::RequestOptions;

/// The limits a body is read under, taken from the request's options.
pub(crate) struct BodyWatch {
    receive_timeout: Option<Duration>,
    deadline: Option<Instant>,
    cancel: Option<CancelToken>,
    progress: Option<ProgressCallback>,
}

impl BodyWatch {
    /// `None` when the options ask for nothing to be watched.
    pub(crate) fn from_options(options: &RequestOptions) -> Option<BodyWatch> {
        let watch = BodyWatch {
            receive_timeout: options.receive_timeout(),
            deadline: options.deadline(),
            cancel: options.cancel_token().cloned(),
            progress: options.on_receive_progress().cloned(),
        };
        let idle = watch.receive_timeout.is_none()
            && watch.deadline.is_none()
            && watch.cancel.is_none()
            && watch.progress.is_none();
        (!idle).then_some(watch)
    }

    /// Puts the response's body under watch.
    pub(crate) fn apply(self, response: &mut Response) {
        let total = response.content_length();
        let url = response.url().clone();
        let body = response.take_body();
        let now = Instant::now();
        *response.body_mut() = body.map_stream(move |inner| {
            Box::pin(WatchedBody {
                inner,
                receive_timeout: self.receive_timeout,
                silence: self
                    .receive_timeout
                    .map(|timeout| Box::pin(sleep_until(now + timeout))),
                deadline: self
                    .deadline
                    .map(|deadline| Box::pin(sleep_until(deadline))),
                cancelled: self
                    .cancel
                    .as_ref()
                    .map(|token| Box::pin(token.cancelled_owned())),
                cancel: self.cancel,
                progress: self.progress,
                received: 0,
                total,
                url,
                finished: false,
            }) as ResponseStream
        });
    }
}

struct WatchedBody {
    inner: ResponseStream,
    receive_timeout: Option<Duration>,
    silence: Option<Pin<Box<Sleep>>>,
    deadline: Option<Pin<Box<Sleep>>>,
    cancelled: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    cancel: Option<CancelToken>,
    progress: Option<ProgressCallback>,
    received: u64,
    total: Option<u64>,
    url: Url,
    finished: bool,
}

impl WatchedBody {
    fn fail(&mut self, error: Error) -> Poll<Option<Result<Bytes>>> {
        self.finished = true;
        // Drop the transport's body now: a cancelled or timed-out body must release its
        // connection even while the caller still holds the response.
        self.inner = Box::pin(futures_util::stream::empty());
        self.silence = None;
        self.deadline = None;
        self.cancelled = None;
        Poll::Ready(Some(Err(error.or_url(&self.url))))
    }
}

impl Stream for WatchedBody {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        if let Some(cancelled) = &mut this.cancelled
            && cancelled.as_mut().poll(cx).is_ready()
        {
            let reason = this.cancel.as_ref().and_then(CancelToken::reason);
            return this.fail(Error::cancelled(reason));
        }
        if let Some(deadline) = &mut this.deadline
            && deadline.as_mut().poll(cx).is_ready()
        {
            return this.fail(
                Error::new(ErrorKind::Timeout)
                    .with_message("the body did not arrive within the total timeout"),
            );
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let (Some(silence), Some(timeout)) = (&mut this.silence, this.receive_timeout) {
                    silence.as_mut().reset(Instant::now() + timeout);
                }
                this.received += chunk.len() as u64;
                if let Some(progress) = &this.progress {
                    progress.report(Progress {
                        transferred: this.received,
                        total: this.total,
                    });
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => this.fail(error),
            Poll::Ready(None) => {
                this.finished = true;
                if let Some(progress) = &this.progress {
                    // The last report carries the total, also when no length was announced.
                    if this.total != Some(this.received) {
                        progress.report(Progress {
                            transferred: this.received,
                            total: Some(this.received),
                        });
                    }
                }
                Poll::Ready(None)
            }
            Poll::Pending => {
                if let Some(silence) = &mut this.silence
                    && silence.as_mut().poll(cx).is_ready()
                {
                    let timeout = this.receive_timeout.unwrap_or_default();
                    return this.fail(Error::new(ErrorKind::ReceiveTimeout).with_message(format!(
                        "the body stalled for {}",
                        crate::client::humanize(timeout)
                    )));
                }
                Poll::Pending
            }
        }
    }
}
