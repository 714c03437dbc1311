//! Redirects through reqwest, with a per-request policy and the chain recorded.
//!
//! reqwest follows redirects inside its own future, from copies of the request it keeps
//! anyway, so following them there costs nothing extra. Its policy is per client, though, and
//! courier's is per request; and reqwest does not report the chain. A task-local carries the
//! request's policy into reqwest's policy callback (which runs while our future is polled)
//! and brings the chain back.
//!
//! reqwest re-sends a body on a 307/308 only when it is in memory. courier's replayable
//! streams (files, multipart forms, bodies watched for progress or timeouts) are re-sent by
//! the transport itself: [`replayed`] decides, [`strip_credentials`] drops credentials at an
//! origin change as reqwest does.

use std::cell::RefCell;
use std::future::Future;

use http::header::{AUTHORIZATION, COOKIE, LOCATION, PROXY_AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::request::RedirectPolicy;
use crate::response::Response;

struct RedirectScope {
    policy: RedirectPolicy,
    chain: RefCell<Vec<Url>>,
}

tokio::task_local! {
    static SCOPE: RedirectScope;
}

/// reqwest's policy: asks the current request's scope; outside a scope, reqwest's default.
pub(super) fn policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let decision = SCOPE.try_with(|scope| match scope.policy {
            RedirectPolicy::None => None,
            RedirectPolicy::Limited(max) => {
                let previous = attempt.previous();
                if previous.len() > max {
                    Some(Err(previous.len()))
                } else {
                    let mut chain = scope.chain.borrow_mut();
                    chain.clear();
                    chain.extend_from_slice(previous);
                    Some(Ok(()))
                }
            }
        });
        match decision {
            Ok(None) => attempt.stop(),
            Ok(Some(Ok(()))) => attempt.follow(),
            Ok(Some(Err(count))) => attempt.error(TooManyRedirects(count)),
            // Not sent through courier: behave like reqwest's default.
            Err(_) => {
                let count = attempt.previous().len();
                if count > 10 {
                    attempt.error(TooManyRedirects(count))
                } else {
                    attempt.follow()
                }
            }
        }
    })
}

/// Runs `send` with `policy` and returns its result and the URLs redirected from.
pub(super) async fn record<T>(
    policy: RedirectPolicy,
    send: impl Future<Output = T>,
) -> (T, Vec<Url>) {
    let scope = RedirectScope {
        policy,
        chain: RefCell::new(Vec::new()),
    };
    let mut scoped = std::pin::pin!(SCOPE.scope(scope, send));
    let result = scoped.as_mut().await;
    let chain = scoped
        .as_mut()
        .take_value()
        .map(|scope| scope.chain.into_inner())
        .unwrap_or_default();
    (result, chain)
}

/// Where a 307/308 that reqwest returned (because it could not re-send a streamed body)
/// leads, when it should be followed: `None` for any other response. `chain` holds the URLs
/// redirected from so far; one more than `max` is an [`ErrorKind::Redirect`] error.
pub(super) fn replayed(response: &Response, max: usize, chain: &[Url]) -> Result<Option<Url>> {
    if !matches!(
        response.status(),
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
    ) {
        return Ok(None);
    }
    let Some(location) = response.headers().get(LOCATION) else {
        return Ok(None);
    };
    let invalid = || {
        Error::new(ErrorKind::Redirect)
            .with_message("invalid Location header")
            .with_url(response.url())
    };
    let location = location.to_str().map_err(|_| invalid())?;
    let next = response.url().join(location).map_err(|_| invalid())?;
    if chain.len() + 1 > max {
        return Err(
            Error::with_source(ErrorKind::Redirect, TooManyRedirects(chain.len() + 1))
                .with_url(response.url()),
        );
    }
    Ok(Some(next))
}

/// Removes credentials before a redirect to another origin, as reqwest does for the
/// redirects it follows.
pub(super) fn strip_credentials(headers: &mut HeaderMap, from: &Url, to: &Url) {
    let same_origin = from.scheme() == to.scheme()
        && from.host_str() == to.host_str()
        && from.port_or_known_default() == to.port_or_known_default();
    if !same_origin {
        for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION, WWW_AUTHENTICATE] {
            headers.remove(name);
        }
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
