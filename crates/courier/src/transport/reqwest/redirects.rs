//! Redirects through reqwest, with a per-request policy and the chain recorded.
//!
//! reqwest follows redirects inside its own future, from copies of the request it keeps
//! anyway, so following them there costs nothing extra. Its policy is per client, though, and
//! courier's is per request; and reqwest does not report the chain. A thread-local, set only
//! while the request's future is polled (reqwest's policy callback runs inside that poll),
//! carries the request's policy into the callback and brings the chain back.
//!
//! reqwest re-sends a body on a 307/308 only when it is in memory. courier's replayable
//! streams (files, multipart forms, bodies watched for progress or timeouts) are re-sent by
//! the transport itself. reqwest also drops only its own list of credentials
//! (`Authorization`, `Cookie`, `Proxy-Authorization`) at an origin change, so a request
//! carrying [sensitive headers](crate::RequestOptions::sensitive_headers) has reqwest stop
//! at every redirect and the transport follows each hop itself. [`next_hop`] decides where a redirect
//! leads and how (reqwest's rules), [`strip_credentials`] drops the credentials.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HeaderName, LOCATION,
    PROXY_AUTHORIZATION, TRANSFER_ENCODING, WWW_AUTHENTICATE,
};
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::request::RedirectPolicy;
use crate::response::Response;

/// The request being polled on this thread, as reqwest's policy callback sees it.
#[derive(Clone, Copy)]
enum Active {
    /// No courier request is being polled: reqwest's default behaviour.
    Outside,
    /// A courier request with this policy; `redirected` once the callback followed a
    /// redirect during the current poll (the chain is then in [`CHAIN`]).
    Request {
        policy: RedirectPolicy,
        redirected: bool,
        /// Stop (return the 3xx) at every redirect, for the transport to follow: the request
        /// carries sensitive headers to remove at an origin change.
        stop_at_origin_change: bool,
    },
}

thread_local! {
    // Set only for the duration of one poll of a [`Recorded`] future, which runs reqwest's
    // future (and so the policy callback) synchronously on this thread. A `Cell` of a `Copy`
    // value with a const initialiser: setting and reading it is a few instructions, where a
    // task-local swapped the whole scope in and out on every poll.
    static ACTIVE: Cell<Active> = const { Cell::new(Active::Outside) };
    // The URLs redirected from, written by the callback when it follows a redirect and
    // taken by the polling future right after the poll.
    static CHAIN: RefCell<Vec<Url>> = const { RefCell::new(Vec::new()) };
}

/// reqwest's policy: asks the request being polled; outside one, reqwest's default.
pub(super) fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| match ACTIVE.get() {
        Active::Request {
            policy: RedirectPolicy::None,
            ..
        } => attempt.stop(),
        Active::Request {
            policy: RedirectPolicy::Limited(max),
            stop_at_origin_change,
            ..
        } => {
            if stop_at_origin_change {
                // The transport follows every hop itself: only it knows the method, body and
                // headers after each one (reqwest does not say how a 303 it followed changed
                // them), and it removes the credentials at the origin change.
                return attempt.stop();
            }
            let previous = attempt.previous();
            if previous.len() > max {
                let count = previous.len();
                return attempt.error(TooManyRedirects(count));
            }
            CHAIN.with_borrow_mut(|chain| {
                chain.clear();
                chain.extend_from_slice(previous);
            });
            ACTIVE.set(Active::Request {
                policy: RedirectPolicy::Limited(max),
                redirected: true,
                stop_at_origin_change,
            });
            attempt.follow()
        }
        // Not sent through courier: behave like reqwest's default.
        Active::Outside => {
            let count = attempt.previous().len();
            if count > 10 {
                attempt.error(TooManyRedirects(count))
            } else {
                attempt.follow()
            }
        }
    })
}

/// What [`record`] does at a redirect to another origin: a type rather than a field, so the
/// future of every common request stays as small as it was.
pub(super) trait OriginChange {
    /// Whether reqwest stops at every redirect (returns the 3xx) for the transport to
    /// follow, so the transport sees each origin change.
    const STOP: bool;
}

/// reqwest follows redirects to another origin (removing its own list of credentials).
pub(super) struct Follow;

/// reqwest stops at every redirect and the transport follows it: the request carries
/// sensitive headers, to remove at an origin change.
pub(super) struct Stop;

impl OriginChange for Follow {
    const STOP: bool = false;
}

impl OriginChange for Stop {
    const STOP: bool = true;
}

/// Runs `send` with `policy` and returns its result and the URLs redirected from; `R` says
/// what happens at a redirect to another origin.
pub(super) fn record<R: OriginChange, F: Future>(
    policy: RedirectPolicy,
    send: F,
) -> Recorded<F, R> {
    Recorded {
        send,
        policy,
        chain: Vec::new(),
        rule: PhantomData,
    }
}

pin_project_lite::pin_project! {
    /// The future of [`record`]: polls `send` with the request's policy in [`ACTIVE`].
    pub(super) struct Recorded<F, R> {
        #[pin]
        send: F,
        policy: RedirectPolicy,
        chain: Vec<Url>,
        rule: PhantomData<R>,
    }
}

impl<F: Future, R: OriginChange> Future for Recorded<F, R> {
    type Output = (F::Output, Vec<Url>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let restore = Restore(ACTIVE.replace(Active::Request {
            policy: *this.policy,
            redirected: false,
            stop_at_origin_change: R::STOP,
        }));
        let poll = this.send.poll(cx);
        if let Active::Request {
            redirected: true, ..
        } = ACTIVE.get()
        {
            *this.chain = CHAIN.take();
        }
        drop(restore);
        poll.map(|output| (output, std::mem::take(this.chain)))
    }
}

/// Puts back what [`ACTIVE`] held before a poll, also when the poll panics.
struct Restore(Active);

impl Drop for Restore {
    fn drop(&mut self) {
        ACTIVE.set(self.0);
    }
}

/// A redirect the transport follows itself: where to, with which method, and whether the
/// body goes along.
pub(super) struct Hop {
    pub(super) url: Url,
    pub(super) method: Method,
    /// Whether the request's body is sent again (it must then be replayable); otherwise the
    /// hop has no body and the headers that described it are removed.
    pub(super) keeps_body: bool,
}

/// Where a redirect that reqwest returned instead of following (a 307/308 or a non-`POST`
/// 301/302 whose streamed body it cannot copy, or any redirect of a request with sensitive
/// headers) leads, with the method and body rules reqwest follows (tower-http's
/// `FollowRedirect`): a 301/302 turns `POST` into a bodiless `GET` and keeps any other
/// method with its body; a 303 becomes a bodiless `GET` (`HEAD` stays `HEAD`); a 307/308
/// keeps both. `None` when the response is not a redirect to follow, or its `Location`
/// does not resolve to an `http`/`https` URL: the redirect is then the answer, as reqwest
/// returns it. `chain` holds the URLs redirected from so far; one more than `max` is an
/// [`ErrorKind::Redirect`] error.
pub(super) fn next_hop(
    response: &Response,
    method: &Method,
    max: usize,
    chain: &[Url],
) -> Result<Option<Hop>> {
    let (method, keeps_body) = match response.status() {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND if *method == Method::POST => {
            (Method::GET, false)
        }
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => (method.clone(), true),
        StatusCode::SEE_OTHER if *method == Method::HEAD => (Method::HEAD, false),
        StatusCode::SEE_OTHER => (Method::GET, false),
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => (method.clone(), true),
        _ => return Ok(None),
    };
    let Some(url) = response
        .headers()
        .get(LOCATION)
        .and_then(|location| std::str::from_utf8(location.as_bytes()).ok())
        .and_then(|location| response.url().join(location).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
    else {
        return Ok(None);
    };
    if chain.len() + 1 > max {
        return Err(
            Error::with_source(ErrorKind::Redirect, TooManyRedirects(chain.len() + 1))
                .with_url(response.url()),
        );
    }
    Ok(Some(Hop {
        url,
        method,
        keeps_body,
    }))
}

/// Whether `from` and `to` share scheme, host and port.
fn same_origin(from: &Url, to: &Url) -> bool {
    from.scheme() == to.scheme()
        && from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default()
}

/// Removes credentials before a redirect to another origin: reqwest's list (for the
/// redirects it follows) and the request's `sensitive` headers.
pub(super) fn strip_credentials(
    headers: &mut HeaderMap,
    sensitive: &[HeaderName],
    from: &Url,
    to: &Url,
) {
    if !same_origin(from, to) {
        for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, WWW_AUTHENTICATE] {
            headers.remove(name);
        }
        headers.remove("cookie2");
        for name in sensitive {
            headers.remove(name);
        }
    }
}

/// Removes what described a body that a hop leaves behind, as reqwest does.
pub(super) fn strip_body_headers(headers: &mut HeaderMap) {
    for name in [
        TRANSFER_ENCODING,
        CONTENT_ENCODING,
        CONTENT_TYPE,
        CONTENT_LENGTH,
    ] {
        headers.remove(name);
    }
}

/// The error reqwest reports when a redirect chain is too long.
#[derive(Debug)]
struct TooManyRedirects(usize);

impl std::fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "too many redirects ({} followed)", self.0 - 1)
    }
}

impl std::error::Error for TooManyRedirects {}
