//! The rest of the chain, as seen from one interceptor.

use std::future::Future;
use std::sync::Arc;

use super::DynInterceptor;
use crate::client::Dispatch;
use crate::error::Result;
use crate::request::Request;
use crate::response::Response;

/// The interceptors after the current one, then the transport.
///
/// `Next` is `Copy`: call [`run`](Next::run) as many times as you need (a retry interceptor
/// calls it once per attempt, with a fresh copy of the request).
///
/// ```
/// use courier::{Interceptor, Next, Request, Response, Result};
///
/// /// Sends every request twice and keeps the second answer (for illustration).
/// struct Twice;
///
/// impl Interceptor for Twice {
///     async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
///         let again = request.try_clone();
///         let first = next.run(request).await;
///         match again {
///             Some(again) => next.run(again).await,
///             None => first,
///         }
///     }
/// }
/// ```
#[derive(Clone, Copy)]
pub struct Next<'a> {
    interceptors: &'a [Arc<dyn DynInterceptor>],
    dispatch: &'a Dispatch,
}

impl<'a> Next<'a> {
    pub(crate) fn new(interceptors: &'a [Arc<dyn DynInterceptor>], dispatch: &'a Dispatch) -> Self {
        Self {
            interceptors,
            dispatch,
        }
    }

    /// Runs the rest of the chain on `request`.
    ///
    /// The future is the next interceptor's (or the transport's) boxed future itself, not a
    /// wrapper around it: an interceptor that awaits it holds one pointer, so every
    /// interceptor's own boxed future stays small however long the chain.
    pub fn run(self, request: Request) -> impl Future<Output = Result<Response>> + Send + 'a {
        match self.interceptors.split_first() {
            Some((first, rest)) => first.intercept_boxed(request, Next::new(rest, self.dispatch)),
            None => self.dispatch.send(request),
        }
    }
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("interceptors_left", &self.interceptors.len())
            .finish()
    }
}
