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
mod served;
mod storing_body;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use courier::{Error, ErrorKind, Interceptor, Next, Request, Response, Result, ValidateStatus};
use http::{Method, StatusCode};

use self::coalesce::{Coalescer, FOLLOWER_PATIENCE, Leader, Outcome, Role};
use self::served::{RequestParts, Stored, later, mark};
use self::storing_body::{StoringBody, store_entry};
use crate::cache_policy::CachePolicy;
use crate::entry::{CacheEntry, EntryMetadata};
use crate::options::CacheOptions;
use crate::policy::{
    Freshened, HeadFreshening, Lookup, OriginFailure, Policy, PolicyConfig, ResponseView,
    Revalidated, Revalidation, Storability, invalidation, vary,
};
use crate::status::CacheStatus;
use crate::store::MatchFilter;

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
                    freshen(self.options, stored.entry.metadata.clone(), &freshened).await;
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

    /// A miss: fetch (one request for concurrent misses of one key) and store.
    async fn fetch(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        next: Next<'_>,
    ) -> Result<Response> {
        if !self.options.coalesce {
            return self
                .fetch_and_store(request, parts, key, None, next, false)
                .await;
        }
        loop {
            match self.coalescer.join(&key) {
                Role::Leader(leader) => {
                    return self
                        .fetch_and_store(request, parts, key, Some(leader), next, false)
                        .await;
                }
                Role::Follower(follower) => match follower.wait_at_most(FOLLOWER_PATIENCE).await {
                    Some(Outcome::Stored) => {
                        if let Some(stored) = self.read(&key, parts).await
                            && let Lookup::Fresh { response_headers } =
                                self.policy
                                    .lookup(&parts.view(), &stored.exchange(), self.now())
                        {
                            return self
                                .serve(&stored, parts, response_headers, CacheStatus::Hit)
                                .await;
                        }
                        return self
                            .fetch_and_store(request, parts, key, None, next, false)
                            .await;
                    }
                    // Not shareable, or the leader's body is still unread (perhaps by the
                    // task waiting here): fetch without waiting any longer.
                    Some(Outcome::NotStorable | Outcome::StillReading) => {
                        return self
                            .fetch_and_store(request, parts, key, None, next, false)
                            .await;
                    }
                    // The leader failed or was cancelled: try again, perhaps as the leader.
                    None => {}
                },
            }
        }
    }

    /// `Refresh` and `RefreshForceCache`: always the network, with the offline fallbacks.
    async fn refresh(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        next: Next<'_>,
    ) -> Result<Response> {
        let fallback_request = request.try_clone();
        let force = self.options.policy == CachePolicy::RefreshForceCache;
        match self
            .fetch_and_store(request, parts, key.clone(), None, next, force)
            .await
        {
            Ok(response) => Ok(response),
            Err(error) => {
                if let Some(failure) = self.allowed_fallback(&error)
                    && let Some(stored) = self.read(&key, parts).await
                    && let Some(headers) = self.stale_fallback(&stored, parts, failure)
                {
                    drop(fallback_request);
                    return self
                        .serve(&stored, parts, headers, CacheStatus::Stale)
                        .await;
                }
                Err(error)
            }
        }
    }

    /// Whether the options allow serving the cache for this failure.
    fn allowed_fallback(&self, error: &Error) -> Option<OriginFailure> {
        match error.kind() {
            ErrorKind::Cancelled => None,
            ErrorKind::BadResponse => {
                let status = error.status()?;
                self.options
                    .hit_cache_on_error_codes
                    .contains(&status)
                    .then_some(OriginFailure::Status(status))
            }
            ErrorKind::Connection
            | ErrorKind::ConnectTimeout
            | ErrorKind::SendTimeout
            | ErrorKind::ReceiveTimeout
            | ErrorKind::Timeout => self
                .options
                .hit_cache_on_network_failure
                .then_some(OriginFailure::Network),
            _ => None,
        }
    }

    /// The headers to serve a stale entry with after `failure`, when its directives and
    /// `max_stale` allow (`must-revalidate` never does once stale).
    fn stale_fallback(
        &self,
        stored: &Stored,
        parts: &RequestParts,
        failure: OriginFailure,
    ) -> Option<http::HeaderMap> {
        let exchange = stored.exchange();
        let lifetime = self.policy.freshness(&exchange).lifetime;
        let age = self.policy.current_age(&exchange, self.now());
        if age >= lifetime && stored.cache_control.must_revalidate() {
            tracing::debug!(target: "courier::cache", ?failure, "must-revalidate: stale entry not served");
            return None;
        }
        self.policy
            .force_cache(&parts.view(), &exchange, self.now())
    }

    /// Sends the request and stores the response if the policy (or `force`) allows.
    async fn fetch_and_store(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        leader: Option<Leader>,
        next: Next<'_>,
        force: bool,
    ) -> Result<Response> {
        let request_time = self.now();
        let result = next.run(request).await;
        let response_time = self.now();
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                // The leader's guard is dropped: followers try again.
                drop(leader);
                return Err(error);
            }
        };
        let (response, stored) = self
            .store(
                parts,
                key,
                response,
                request_time,
                response_time,
                leader,
                force,
            )
            .await;
        let status = match self.options.policy {
            CachePolicy::Refresh | CachePolicy::RefreshForceCache => CacheStatus::Bypass { stored },
            _ => CacheStatus::Miss { stored },
        };
        self.finish(Ok(response), status)
    }

    /// Stores `response` if allowed: returns it (its body now copied into the store as it is
    /// read) and whether it will be stored.
    #[allow(clippy::too_many_arguments)]
    async fn store(
        &self,
        parts: &RequestParts,
        key: String,
        mut response: Response,
        request_time: SystemTime,
        response_time: SystemTime,
        leader: Option<Leader>,
        force: bool,
    ) -> (Response, bool) {
        let response_view = ResponseView {
            status: response.status(),
            headers: response.headers(),
        };
        let decision =
            self.policy
                .storability(&parts.view(), &response_view, request_time, response_time);
        let (headers, vary_request_headers, fresh_until) = match decision {
            Storability::Store {
                response_headers,
                request_headers,
                fresh_until,
                ..
            } => (response_headers, request_headers, fresh_until),
            Storability::DoNotStore(reason) => {
                let forced = (force || self.options.policy.stores_without_directives())
                    && response.status().is_success()
                    && response.status() != StatusCode::PARTIAL_CONTENT;
                if !forced {
                    tracing::debug!(target: "courier::cache", ?reason, "response not stored");
                    if let Some(leader) = leader {
                        leader.finish(Outcome::NotStorable);
                    }
                    return (response, false);
                }
                let selected = vary::select_request_headers(response.headers(), &parts.headers)
                    .unwrap_or_default();
                (response.headers().clone(), selected, response_time)
            }
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.options.max_entry_size)
        {
            if let Some(leader) = leader {
                leader.finish(Outcome::NotStorable);
            }
            return (response, false);
        }
        let mut metadata = EntryMetadata::new(
            key.clone(),
            parts.method.clone(),
            response.url().as_str(),
            response.status().as_u16(),
            response_time,
        );
        metadata.headers = headers;
        metadata.vary_request_headers = vary_request_headers;
        metadata.request_time = request_time;
        metadata.response_time = response_time;
        metadata.priority = self.options.priority;
        metadata.expires_at = self
            .options
            .max_stale
            .map(|max_stale| later(fresh_until, max_stale));

        // A response that varies is also stored under its variant's key (sharing the body),
        // so several variants of one URL coexist; the primary key holds the latest.
        let variant = vary::secondary_key(&metadata.headers, &metadata.vary_request_headers)
            .filter(|secondary| !secondary.is_empty())
            .map(|secondary| variant_key(&key, &secondary));

        let store = self.options.store.clone();
        let limit = self.options.max_entry_size;
        let body = response.take_body();
        *response.body_mut() = body.map_stream(move |stream| {
            Box::pin(StoringBody::new(
                stream, metadata, variant, limit, store, leader,
            ))
        });
        (response, true)
    }

    /// Revalidates a stale entry with a conditional request.
    async fn revalidate(
        &self,
        request: Request,
        parts: &RequestParts,
        stored: Stored,
        revalidation: Revalidation,
        next: Next<'_>,
    ) -> Result<Response> {
        let Some(mut conditional) = request.try_clone() else {
            return self
                .fetch(request, parts, stored.entry.metadata.key.clone(), next)
                .await;
        };
        revalidation.apply_to(conditional.headers_mut());
        let accept = conditional.options().validate_status().clone();
        conditional
            .options_mut()
            .set_validate_status(ValidateStatus::new(move |status| {
                status == StatusCode::NOT_MODIFIED || accept.is_valid(status)
            }));
        let request_time = self.now();
        let result = next.run(conditional).await;
        let response_time = self.now();
        let key = stored.entry.metadata.key.clone();
        match result {
            Ok(response) => {
                let response_view = ResponseView {
                    status: response.status(),
                    headers: response.headers(),
                };
                match self.policy.after_revalidation(
                    &parts.view(),
                    &stored.exchange(),
                    &response_view,
                    request_time,
                    response_time,
                ) {
                    Revalidated::NotModified(freshened) => {
                        freshen(self.options, stored.entry.metadata.clone(), &freshened).await;
                        let served = stored.response(parts, freshened.served_headers.clone());
                        self.finish(Ok(served), CacheStatus::Revalidated)
                    }
                    Revalidated::Modified(_) => {
                        let (response, stored_again) = self
                            .store(
                                parts,
                                key.clone(),
                                response,
                                request_time,
                                response_time,
                                None,
                                false,
                            )
                            .await;
                        if !stored_again {
                            self.delete(&key).await;
                        }
                        self.finish(
                            Ok(response),
                            CacheStatus::Miss {
                                stored: stored_again,
                            },
                        )
                    }
                    Revalidated::ServerError(on_error) => {
                        // A 5xx the caller's validate_status accepts.
                        let failure = OriginFailure::Status(response.status());
                        let app_fallback = self
                            .options
                            .hit_cache_on_error_codes
                            .contains(&response.status());
                        match on_error.response_for(failure, app_fallback, self.now()) {
                            Some(headers) => {
                                self.serve(&stored, parts, headers, CacheStatus::Stale)
                                    .await
                            }
                            None => self.finish(Ok(response), CacheStatus::Miss { stored: false }),
                        }
                    }
                    Revalidated::Unselected => {
                        let mut again = match request.try_clone() {
                            Some(again) => again,
                            None => {
                                return self
                                    .finish(Ok(response), CacheStatus::Miss { stored: false });
                            }
                        };
                        again.headers_mut().remove(http::header::IF_NONE_MATCH);
                        again.headers_mut().remove(http::header::IF_MODIFIED_SINCE);
                        self.fetch_and_store(again, parts, key, None, next, false)
                            .await
                    }
                }
            }
            Err(error) => {
                let failure = match error.kind() {
                    ErrorKind::Cancelled => return Err(error),
                    ErrorKind::BadResponse => error.status().map(OriginFailure::Status),
                    ErrorKind::Connection
                    | ErrorKind::ConnectTimeout
                    | ErrorKind::SendTimeout
                    | ErrorKind::ReceiveTimeout
                    | ErrorKind::Timeout => Some(OriginFailure::Network),
                    _ => None,
                };
                let Some(failure) = failure else {
                    return Err(error);
                };
                let app_fallback = match failure {
                    OriginFailure::Network => self.options.hit_cache_on_network_failure,
                    OriginFailure::Status(status) => {
                        self.options.hit_cache_on_error_codes.contains(&status)
                    }
                };
                match revalidation
                    .on_error()
                    .response_for(failure, app_fallback, self.now())
                {
                    Some(headers) => {
                        self.serve(&stored, parts, headers, CacheStatus::Stale)
                            .await
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// RFC 5861 `stale-while-revalidate`: the stale entry is served now, and refreshed by a
    /// conditional request that runs on after this call returns.
    fn revalidate_in_background(
        &self,
        request: &Request,
        stored: &Stored,
        revalidation: Revalidation,
        next: Next<'_>,
    ) {
        let Some(mut conditional) = request.try_clone() else {
            return;
        };
        revalidation.apply_to(conditional.headers_mut());
        // The caller's cancel token and deadline belong to the caller, not to this refresh.
        conditional.options_mut().set_cancel_token(None);
        conditional.options_mut().set_timeout(None);
        conditional.extensions_mut().insert(CachePolicy::Request);
        let accept = conditional.options().validate_status().clone();
        conditional
            .options_mut()
            .set_validate_status(ValidateStatus::new(move |status| {
                status == StatusCode::NOT_MODIFIED || accept.is_valid(status)
            }));
        // One background revalidation per entry at a time, however many stale hits.
        let Role::Leader(leader) = self
            .coalescer
            .join(&format!("revalidate\u{1f}{}", stored.entry.metadata.key))
        else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let background = BackgroundRevalidation {
            options: self.options.clone(),
            policy: self.policy.clone(),
            parts: RequestParts::of(request),
            entry: stored.entry.clone(),
        };
        let chain = next.detach();
        runtime.spawn(async move {
            background.run(conditional, chain).await;
            leader.finish(Outcome::Stored);
        });
    }

    /// A non-error response to an unsafe method invalidates the URIs it changed (§4.4).
    async fn forward_and_invalidate(&self, request: Request, next: Next<'_>) -> Result<Response> {
        let parts = RequestParts::of(&request);
        let result = next.run(request).await;
        if let Ok(response) = &result
            && !invalidation::is_safe_method(&parts.method)
        {
            let view = ResponseView {
                status: response.status(),
                headers: response.headers(),
            };
            for uri in self.policy.invalidations(&parts.view(), &view) {
                self.invalidate(&uri).await;
            }
        }
        self.finish(result, CacheStatus::Bypass { stored: false })
    }

    async fn invalidate(&self, url: &url::Url) {
        for method in [Method::GET, Method::HEAD] {
            let request = Request::new(method, url.clone());
            self.delete(&self.options.key_builder.key(&request)).await;
        }
        // Variants of the URI (stored under their own keys).
        let filter = MatchFilter::new().path_glob(url.path());
        match self.options.store.get_matching(&filter, self.now()).await {
            Ok(entries) => {
                for entry in entries {
                    if entry.metadata.url == url.as_str() {
                        self.delete(entry.key()).await;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(target: "courier::cache", %error, "could not list entries to invalidate");
            }
        }
    }
}

/// Writes freshened headers and times into the stored metadata (§4.3.4), renewing the
/// deletion deadline. Metadata only: the body is never rewritten by a 304 or a HEAD.
async fn freshen(options: &CacheOptions, mut metadata: EntryMetadata, freshened: &Freshened) {
    metadata.headers = freshened.response_headers.clone();
    metadata.request_time = freshened.request_time;
    metadata.response_time = freshened.response_time;
    if let Some(max_stale) = options.max_stale {
        let fresh_until = later(freshened.response_time, freshened.freshness.lifetime);
        metadata.expires_at = Some(later(fresh_until, max_stale));
    }
    if let Err(error) = options.store.update_metadata(metadata).await {
        tracing::warn!(target: "courier::cache", %error, "could not freshen an entry");
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

/// A stale-while-revalidate refresh running after its call returned: a 304 freshens the
/// entry's metadata, a new response replaces it.
struct BackgroundRevalidation {
    options: CacheOptions,
    policy: Policy,
    parts: RequestParts,
    entry: CacheEntry,
}

impl BackgroundRevalidation {
    async fn run(self, conditional: Request, chain: courier::DetachedNext) {
        let request_time = self.options.clock.now();
        let result = chain.run(conditional).await;
        let response_time = self.options.clock.now();
        let Ok(response) = result else {
            return;
        };
        let stored = Stored::new(self.entry.clone());
        let view = ResponseView {
            status: response.status(),
            headers: response.headers(),
        };
        match self.policy.after_revalidation(
            &self.parts.view(),
            &stored.exchange(),
            &view,
            request_time,
            response_time,
        ) {
            Revalidated::NotModified(freshened) => {
                freshen(&self.options, self.entry.metadata, &freshened).await;
            }
            Revalidated::Modified(Storability::Store {
                response_headers,
                request_headers,
                fresh_until,
                ..
            }) => {
                let status = response.status().as_u16();
                let url = response.url().to_string();
                let Ok(body) = response.bytes().await else {
                    return;
                };
                if body.len() as u64 > self.options.max_entry_size {
                    return;
                }
                let mut metadata = EntryMetadata::new(
                    self.entry.metadata.key.clone(),
                    self.parts.method.clone(),
                    url,
                    status,
                    response_time,
                );
                metadata.headers = response_headers;
                metadata.vary_request_headers = request_headers;
                metadata.request_time = request_time;
                metadata.priority = self.options.priority;
                metadata.expires_at = self
                    .options
                    .max_stale
                    .map(|max_stale| later(fresh_until, max_stale));
                store_entry(&*self.options.store, CacheEntry::new(metadata, body)).await;
            }
            Revalidated::Modified(Storability::DoNotStore(_)) => {
                if let Err(error) = self.options.store.delete(&self.entry.metadata.key).await {
                    tracing::warn!(target: "courier::cache", %error, "cache delete failed");
                }
            }
            Revalidated::ServerError(_) | Revalidated::Unselected => {}
        }
    }
}
