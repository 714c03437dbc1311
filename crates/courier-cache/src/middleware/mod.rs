//! The cache as [`reqwest-middleware`](reqwest_middleware) middleware (feature
//! `reqwest-middleware`): a team on reqwest-middleware adopts courier's cache and stores
//! without switching clients.

mod convert;

use courier::{Client, Error, ErrorKind, Request, Response, Transport};
use http::Extensions;
use tokio::sync::{mpsc, oneshot};

use crate::{CacheInterceptor, CacheOptions, CachePolicy};

/// [`CacheInterceptor`] as a [`reqwest_middleware::Middleware`].
///
/// Everything the interceptor does works here — fresh hits, revalidation with 304s that
/// rewrite metadata only, `Vary`, invalidation on unsafe methods, coalesced misses, the
/// offline fallbacks, every store — with one exception: `stale-while-revalidate` serves the
/// stale response but cannot refresh it after the call returns (the rest of the
/// reqwest-middleware chain is only lent for the call), so the next request revalidates.
/// A `CachePolicy` in the call's `http::Extensions`
/// (`RequestBuilder::with_extension`) overrides the options' policy for that request.
///
/// ```
/// use courier_cache::{CacheMiddleware, CacheOptions, MemoryStore};
///
/// // Any reqwest client; this one has courier's TLS set-up (ring, the platform's roots).
/// let reqwest = courier::ReqwestTransport::client_builder()?.build()?;
/// let client = reqwest_middleware::ClientBuilder::new(reqwest)
///     .with(CacheMiddleware::new(CacheOptions::new(MemoryStore::new()))?)
///     .build();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CacheMiddleware {
    client: Client,
}

impl CacheMiddleware {
    /// The middleware with these cache options.
    ///
    /// ```
    /// let middleware = courier_cache::CacheMiddleware::new(
    ///     courier_cache::CacheOptions::new(courier_cache::MemoryStore::new()),
    /// )?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn new(options: CacheOptions) -> Result<Self, Error> {
        let client = Client::builder()
            // Every status goes back to the reqwest-middleware caller as a response.
            .validate_status(|_| true)
            .interceptor(CacheInterceptor::new(options))
            .transport(RestOfTheChain)
            .build()?;
        Ok(CacheMiddleware { client })
    }
}

/// A request the cache sends on, with where to put the answer.
type Forwarded = (Request, oneshot::Sender<courier::Result<Response>>);

/// Tells [`RestOfTheChain`] where the current call's chain listens.
#[derive(Clone)]
struct ForwardTo(mpsc::UnboundedSender<Forwarded>);

/// The cache's transport: hands each request to the call that is running the rest of the
/// reqwest-middleware chain.
struct RestOfTheChain;

impl Transport for RestOfTheChain {
    async fn send(&self, request: Request) -> courier::Result<Response> {
        let Some(ForwardTo(chain)) = request.extensions().get::<ForwardTo>().cloned() else {
            return Err(Error::new(ErrorKind::Connection)
                .with_message("no reqwest-middleware call to send this request through"));
        };
        let (answer, answered) = oneshot::channel();
        chain.send((request, answer)).map_err(|_| {
            Error::new(ErrorKind::Connection).with_message(
                "the reqwest-middleware call has returned; a background refresh cannot use it",
            )
        })?;
        answered.await.map_err(|_| {
            Error::new(ErrorKind::Connection).with_message("the reqwest-middleware call ended")
        })?
    }
}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for CacheMiddleware {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let (chain, mut forwarded) = mpsc::unbounded_channel::<Forwarded>();
        let mut request = convert::request_from_reqwest(request);
        request.extensions_mut().insert(ForwardTo(chain));
        if let Some(policy) = extensions.get::<CachePolicy>() {
            request.extensions_mut().insert(*policy);
        }
        let call = self.client.execute(request);
        tokio::pin!(call);
        // The rest of the chain's own error, returned as it was when the cache has nothing
        // better to answer with.
        let mut chain_error: Option<reqwest_middleware::Error> = None;
        let result = loop {
            tokio::select! {
                result = &mut call => break result,
                Some((request, answer)) = forwarded.recv() => {
                    let outcome = match next.clone().run(convert::request_to_reqwest(request), extensions).await {
                        Ok(response) => Ok(convert::response_from_reqwest(response)),
                        Err(error) => {
                            let failure = Error::new(convert::error_kind(&error))
                                .with_message(error.to_string());
                            chain_error = Some(error);
                            Err(failure)
                        }
                    };
                    let _ = answer.send(outcome);
                }
            }
        };
        match result {
            Ok(response) => Ok(convert::response_to_reqwest(response)),
            Err(error) => match chain_error {
                Some(original) if convert::error_kind(&original) == error.kind() => Err(original),
                _ => Err(reqwest_middleware::Error::middleware(error)),
            },
        }
    }
}
