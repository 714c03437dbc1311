//! The rest of the chain, as seen from one interceptor.

use std::future::Future;
use std::sync::Arc;

use super::DynInterceptor;
use crate::client::{Client, Dispatch};
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
    client: &'a Client,
}

impl<'a> Next<'a> {
    pub(crate) fn new(
        interceptors: &'a [Arc<dyn DynInterceptor>],
        dispatch: &'a Dispatch,
        client: &'a Client,
    ) -> Self {
        Self {
            interceptors,
            dispatch,
            client,
        }
    }

    /// The rest of the chain as an owned value, for work that outlives this call: a
    /// background revalidation, a refresh shared with later requests. It keeps the client
    /// alive while it exists.
    ///
    /// ```
    /// use courier::{Interceptor, Next, Request, Response, Result};
    ///
    /// /// Answers at once and warms a second URL in the background.
    /// struct Prefetch;
    ///
    /// impl Interceptor for Prefetch {
    ///     async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
    ///         let mut warm = Request::new(http::Method::GET, request.url().join("/popular")?);
    ///         *warm.options_mut() = request.options().clone();
    ///         let later = next.detach();
    ///         tokio::spawn(async move {
    ///             let _ = later.run(warm).await;
    ///         });
    ///         next.run(request).await
    ///     }
    /// }
    /// ```
    pub fn detach(self) -> DetachedNext {
        let position = self.client.interceptor_count() - self.interceptors.len();
        DetachedNext {
            client: self.client.clone(),
            position,
        }
    }

    /// The client this chain belongs to (its base URL, a handle for calls of its own).
    pub(crate) fn client(&self) -> &'a Client {
        self.client
    }

    /// Runs the rest of the chain on `request`.
    ///
    /// The future is the next interceptor's (or the transport's) boxed future itself, not a
    /// wrapper around it: an interceptor that awaits it holds one pointer, so every
    /// interceptor's own boxed future stays small however long the chain.
    pub fn run(self, request: Request) -> impl Future<Output = Result<Response>> + Send + 'a {
        match self.interceptors.split_first() {
            Some((first, rest)) => {
                first.intercept_boxed(request, Next::new(rest, self.dispatch, self.client))
            }
            None => self.dispatch.send(request),
        }
    }
}

/// The rest of a chain, owned: made by [`Next::detach`].
#[derive(Clone)]
pub struct DetachedNext {
    client: Client,
    position: usize,
}

impl DetachedNext {
    /// Runs the rest of the chain on `request`, as [`Next::run`] would have.
    pub async fn run(&self, request: Request) -> Result<Response> {
        self.client.next_at(self.position).run(request).await
    }
}

impl std::fmt::Debug for DetachedNext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetachedNext")
            .field("position", &self.position)
            .finish()
    }
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("interceptors_left", &self.interceptors.len())
            .finish()
    }
}
