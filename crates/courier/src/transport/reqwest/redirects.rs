//! Redirects through reqwest, with a per-request policy and the chain recorded.
//!
//! reqwest follows redirects inside its own future, from copies of the request it keeps
//! anyway, so following them there costs nothing extra. Its policy is per client, though, and
//! courier's is per request; and reqwest does not report the chain. A task-local carries the
//! request's policy into reqwest's policy callback (which runs while our future is polled)
//! and brings the chain back.

use std::cell::RefCell;
use std::future::Future;

use url::Url;

use crate::request::RedirectPolicy;

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

/// The error reqwest reports when a redirect chain is too long.
#[derive(Debug)]
struct TooManyRedirects(usize);

impl std::fmt::Display for TooManyRedirects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "too many redirects ({} followed)", self.0 - 1)
    }
}

impl std::error::Error for TooManyRedirects {}
