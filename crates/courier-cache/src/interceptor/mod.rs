//! The cache interceptor: glues the pure [`policy`](crate::policy) and a
//! [`CacheStore`](crate::CacheStore) into a courier client.
//!
//! For each request it builds the key, reads the store, asks the policy what to do, and does
//! it: serve a fresh entry (with a correct `Age`), revalidate a stale one with
//! `If-None-Match` / `If-Modified-Since` and freshen it from a 304 (metadata only, never the
//! body), serve stale while revalidating in the background (RFC 5861), serve stale when the
//! origin fails and the entry or the options allow it, or fetch and store. Concurrent misses
//! for one key send one request. A successful unsafe request invalidates what it changed.
//! Every response says where it came from in a [`CacheStatus`] extension.
//!
//! A store error is never a failed request: it is logged and the request goes on as a miss.

mod coalesce;
mod fetch;
mod invalidate;
mod new_entry;
mod revalidate;
mod served;
mod storing_body;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use courier::{Error, Interceptor, Next, Request, Response, Result};
use http::{Method, StatusCode};

use self::coalesce::Coalescer;
use self::revalidate::freshen;
use self::served::{RequestParts, Stored, later, mark};
use crate::cache_policy::CachePolicy;
use crate::entry::CacheEntry;
use crate::options::CacheOptions;
use crate::policy::{HeadFreshening, Lookup, Policy, PolicyConfig, ResponseView, vary};
use crate::status::CacheStatus;

/// Caches responses per RFC 9111 and dio_cache_interceptor's options.
///
/// ```
/// use courier::{Mock, MockTransport, ResponseTemplate};
/// use courier::mock::matchers::path;
/// use courier_cache::{CacheInterceptor, CacheOptions, CacheStatus, MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let origin = MockTransport::new();
/// Mock::given(path("/countries"))
///     .respond_with(ResponseTemplate::new(200).insert_header("cache-control", "max-age=3600").body("[…]"))
///     .expect(1) // the second request never reaches the origin
///     .mount(&origin);
/// let client = courier::Client::builder()
///     .base_url("https://api.example")
///     .interceptor(CacheInterceptor::new(CacheOptions::new(MemoryStore::new())))
///     .transport(origin)
///     .build()?;
///
/// let first = client.get("countries").send().await?;
/// assert_eq!(first.extensions().get::<CacheStatus>(), Some(&CacheStatus::Miss { stored: true }));
/// first.bytes().await?; // the entry is stored as the body is read
/// let second = client.get("countries").send().await?;
/// assert_eq!(second.extensions().get::<CacheStatus>(), Some(&CacheStatus::Hit));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CacheInterceptor {
    options: CacheOptions,
    coalescer: Arc<Coalescer>,
}

impl CacheInterceptor {
    /// A cache with these options.
    ///
    /// ```
    /// let cache = courier_cache::CacheInterceptor::new(
    ///     courier_cache::CacheOptions::new(courier_cache::MemoryStore::new()),
    /// );
    /// ```
    pub fn new(options: CacheOptions) -> Self {
        Self {
            options,
            coalescer: Arc::new(Coalescer::default()),
        }
    }

    /// The interceptor's options.
    ///
    /// ```
    /// let cache = courier_cache::CacheInterceptor::new(
    ///     courier_cache::CacheOptions::new(courier_cache::MemoryStore::new()),
    /// );
    /// assert_eq!(cache.options().policy_for_requests(), courier_cache::CachePolicy::Request);
    /// ```
    pub fn options(&self) -> &CacheOptions {
        &self.options
    }
}

impl Interceptor for CacheInterceptor {
    async fn intercept(&self, request: Request, next: Next<'_>) -> Result<Response> {
        let options = effective_options(&self.options, &request);
        let call = Call {
            options: &options,
            policy: policy_for(&options),
            coalescer: &self.coalescer,
        };
        call.run(request, next).await
    }
}

/// The interceptor's options, overridden by a `CacheOptions` or a `CachePolicy` in the
/// request's extensions.
fn effective_options<'a>(defaults: &'a CacheOptions, request: &Request) -> Cow<'a, CacheOptions> {
    let mut options = match request.extensions().get::<CacheOptions>() {
        Some(options) => Cow::Owned(options.clone()),
        None => Cow::Borrowed(defaults),
    };
    if let Some(policy) = request.extensions().get::<CachePolicy>() {
        options.to_mut().policy = *policy;
    }
    options
}

fn policy_for(options: &CacheOptions) -> Policy {
    Policy::new(PolicyConfig {
        shared: options.mode.is_shared(),
        max_stale: options.max_stale,
        allow_post: options.allow_post_method,
        ..PolicyConfig::default()
    })
}

/// One request through the cache.
struct Call<'a> {
    options: &'a CacheOptions,
    policy: Policy,
    coalescer: &'a Arc<Coalescer>,
}

impl Call<'_> {
    fn now(&self) -> SystemTime {
        self.options.clock.now()
    }

    // The paths that go to the origin (miss, revalidation, refresh, unsafe methods) are
    // boxed: their futures are large, and held inline they would make every hit's future as
    // large (several KiB), to be moved into the box courier's chain puts it in.
    async fn run(&self, request: Request, next: Next<'_>) -> Result<Response> {
        let method = request.method().clone();
        let cacheable_method = method == Method::GET
            || method == Method::HEAD
            || (method == Method::POST && self.options.allow_post_method);
        if !cacheable_method {
            return Box::pin(self.forward_and_invalidate(request, next)).await;
        }
        let parts = RequestParts::of(&request);
        if method == Method::HEAD {
            return self.head(request, &parts, next).await;
        }
        let key = self.options.key_builder.key(&request);
        match self.options.policy {
            CachePolicy::NoCache => {
                let result = next.run(request).await;
                if result.is_ok() {
                    self.delete(&key).await;
                }
                self.finish(result, CacheStatus::Bypass { stored: false })
            }
            CachePolicy::Refresh | CachePolicy::RefreshForceCache => {
                Box::pin(self.refresh(request, &parts, key, next)).await
            }
            CachePolicy::ForceCache => match self.serve_any_stored(&key, &parts).await {
                Some(served) => served,
                None => Box::pin(self.fetch(request, &parts, key, next)).await,
            },
            CachePolicy::OnlyIfCached => match self.serve_any_stored(&key, &parts).await {
                Some(served) => served,
                None => Err(gateway_timeout(&request)),
            },
            CachePolicy::Request => self.http_rules(request, &parts, key, next).await,
        }
    }

    /// HEAD is answered from the stored GET response when it is fresh (RFC 9111 §4: a stored
    /// GET response may answer HEAD); otherwise it goes to the origin, and its answer freshens
    /// or invalidates the stored GET response (§4.3.5). HEAD responses are not stored: they
    /// have no body to serve a GET with.
    async fn head(
        &self,
        request: Request,
        parts: &RequestParts,
        next: Next<'_>,
    ) -> Result<Response> {
        let mut as_get = Request::new(Method::GET, request.url().clone());
        *as_get.headers_mut() = parts.headers.clone();
        let key = self.options.key_builder.key(&as_get);
        let stored = match self.options.policy {
            CachePolicy::Request | CachePolicy::ForceCache | CachePolicy::OnlyIfCached => {
                self.read(&key, parts).await
            }
            _ => None,
        };
        if let Some(stored) = &stored
            && let Lookup::Fresh { response_headers } =
                self.policy
                    .lookup(&parts.view(), &stored.exchange(), self.now())
        {
            return self
                .serve(stored, parts, response_headers, CacheStatus::Hit)
                .await;
        }
        if self.options.policy == CachePolicy::OnlyIfCached {
            return Err(gateway_timeout(&request));
        }
        let request_time = self.now();
        let result = next.run(request).await;
        let response_time = self.now();
        if let (Ok(response), Some(stored)) = (&result, &stored) {
            let view = ResponseView {
                status: response.status(),
                headers: response.headers(),
            };
            match self.policy.freshen_with_head(
                &stored.exchange(),
                &view,
                request_time,
                response_time,
            ) {
                HeadFreshening::Freshened(freshened) => {
                    freshen(self.options, stored.entry.metadata.clone(), freshened).await;
                }
                HeadFreshening::Invalidate => self.delete(&key).await,
                HeadFreshening::Unrelated => {}
            }
        }
        self.finish(result, CacheStatus::Bypass { stored: false })
    }

    /// `ForceCache` and `OnlyIfCached`: any stored entry within `max_stale`, fresh or not,
    /// without asking the origin; `None` when there is none.
    async fn serve_any_stored(&self, key: &str, parts: &RequestParts) -> Option<Result<Response>> {
        let stored = self.read(key, parts).await?;
        let headers = self
            .policy
            .force_cache(&parts.view(), &stored.exchange(), self.now())?;
        let status = if self.is_fresh(&stored) {
            CacheStatus::Hit
        } else {
            CacheStatus::Stale
        };
        Some(self.serve(&stored, parts, headers, status).await)
    }

    /// HTTP's rules (RFC 9111), with the options' offline fallbacks.
    async fn http_rules(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        next: Next<'_>,
    ) -> Result<Response> {
        let Some(stored) = self.read(&key, parts).await else {
            if crate::policy::RequestDirectives::from_headers(&parts.headers).only_if_cached() {
                return Err(gateway_timeout(&request));
            }
            return Box::pin(self.fetch(request, parts, key, next)).await;
        };
        match self
            .policy
            .lookup(&parts.view(), &stored.exchange(), self.now())
        {
            Lookup::Fresh { response_headers } => {
                self.serve(&stored, parts, response_headers, CacheStatus::Hit)
                    .await
            }
            Lookup::NotModified { response_headers } => {
                let mut response = Response::new(StatusCode::NOT_MODIFIED, ());
                *response.headers_mut() = response_headers;
                self.finish(Ok(response), CacheStatus::Hit)
            }
            Lookup::Stale { response_headers } => {
                self.serve(&stored, parts, response_headers, CacheStatus::Stale)
                    .await
            }
            Lookup::StaleWhileRevalidate {
                response_headers,
                revalidation,
            } => {
                self.revalidate_in_background(&request, &stored, revalidation, next);
                self.serve(&stored, parts, response_headers, CacheStatus::Stale)
                    .await
            }
            Lookup::Revalidate(revalidation) => {
                Box::pin(self.revalidate(request, parts, stored, revalidation, next)).await
            }
            Lookup::Forward(_) => Box::pin(self.fetch(request, parts, key, next)).await,
            Lookup::GatewayTimeout => Err(gateway_timeout(&request)),
        }
    }

    fn is_fresh(&self, stored: &Stored) -> bool {
        let exchange = stored.exchange();
        self.policy.current_age(&exchange, self.now()) < self.policy.freshness(&exchange).lifetime
    }

    /// Reads the entry for `key`, following `Vary` to the variant this request selects.
    async fn read(&self, key: &str, parts: &RequestParts) -> Option<Stored> {
        let now = self.now();
        let primary = self.get(key, now).await?;
        let metadata = &primary.metadata;
        if vary::matches(
            &metadata.headers,
            &metadata.vary_request_headers,
            &parts.headers,
        ) {
            return Some(Stored::new(primary));
        }
        let secondary = vary::secondary_key(&metadata.headers, &parts.headers)?;
        let variant = self.get(&variant_key(key, &secondary), now).await?;
        Some(Stored::new(variant))
    }

    async fn get(&self, key: &str, now: SystemTime) -> Option<CacheEntry> {
        match self.options.store.get(key, now).await {
            Ok(entry) => entry,
            Err(error) => {
                tracing::warn!(target: "courier::cache", %error, "cache read failed; treated as a miss");
                None
            }
        }
    }

    async fn delete(&self, key: &str) {
        if let Err(error) = self.options.store.delete(key).await {
            tracing::warn!(target: "courier::cache", %error, "cache delete failed");
        }
    }

    /// Serves a stored entry, renewing its deletion deadline when `max_stale` is set.
    async fn serve(
        &self,
        stored: &Stored,
        parts: &RequestParts,
        headers: http::HeaderMap,
        status: CacheStatus,
    ) -> Result<Response> {
        self.renew_deadline(stored).await;
        let response = stored.response(parts, headers);
        self.finish(Ok(response), status)
    }

    async fn renew_deadline(&self, stored: &Stored) {
        let Some(max_stale) = self.options.max_stale else {
            return;
        };
        let now = self.now();
        let renewed = later(now, max_stale);
        // Renewed once a tenth of the window has passed, not on every hit: a hit should not
        // cost a store write.
        let due = stored
            .entry
            .metadata
            .expires_at
            .is_none_or(|deadline| later(deadline, max_stale / 10) < renewed);
        if due {
            let mut metadata = stored.entry.metadata.clone();
            metadata.expires_at = Some(renewed.max(metadata.expires_at.unwrap_or(renewed)));
            if let Err(error) = self.options.store.update_metadata(metadata).await {
                tracing::warn!(target: "courier::cache", %error, "could not renew an entry's deadline");
            }
        }
    }

    fn finish(&self, result: Result<Response>, status: CacheStatus) -> Result<Response> {
        result.map(|mut response| {
            mark(&mut response, status, self.options.cache_status_header);
            response
        })
    }
}

/// The key a variant of `key` is stored under.
fn variant_key(key: &str, secondary: &str) -> String {
    format!("{key}\u{1f}vary\u{1f}{secondary}")
}

/// The error for a request the cache must answer alone but cannot (`only-if-cached`,
/// `OnlyIfCached`): a 504, as RFC 9111 §5.2.1.7 says.
fn gateway_timeout(request: &Request) -> Error {
    let mut response = Response::new(StatusCode::GATEWAY_TIMEOUT, "not in the cache");
    response.set_url(request.url().clone());
    Error::bad_response(response).with_message("only-if-cached: no usable stored response")
}
