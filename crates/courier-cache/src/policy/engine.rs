//! [`Policy`]: the entry point that turns messages and times into decisions.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use url::Url;

use super::age::{AgeCalculation, age_value, with_age};
use super::decision::{
    ForwardReason, Freshened, HeadFreshening, Lookup, Revalidated, Revalidation, StaleCandidate,
    StaleOnError, Storability,
};
use super::freshness::Freshness;
use super::validation::{self, ConditionalOutcome};
use super::{
    CacheControl, FieldScope, PolicyConfig, RequestDirectives, RequestView, ResponseView,
    StoredExchange, invalidation, storage, vary,
};

/// RFC 9111 caching decisions under one [`PolicyConfig`].
///
/// `Policy` is a plain value: no I/O, no clock, no interior state. Every method that depends
/// on time takes `now`, which the caller reads from its [`Clock`](crate::Clock).
///
/// The calls, in the order a cache makes them:
/// 1. [`lookup`](Self::lookup) when a stored response exists for the request's key;
/// 2. after a [`Lookup::Revalidate`], [`after_revalidation`](Self::after_revalidation);
/// 3. after any response from the origin, [`storability`](Self::storability) and
///    [`invalidations`](Self::invalidations).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use courier_cache::policy::{Lookup, Policy, PolicyConfig, Storability, StoredExchange};
///
/// let policy = Policy::new(PolicyConfig::default());
/// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
/// let (res, ()) = http::Response::builder().header("cache-control", "max-age=60").body(())?.into_parts();
/// let t0 = SystemTime::now();
///
/// let Storability::Store { response_headers, request_headers, cache_control, .. } =
///     policy.storability(&(&req).into(), &(&res).into(), t0, t0)
/// else {
///     panic!("storable");
/// };
/// let stored = StoredExchange {
///     method: &req.method,
///     status: res.status,
///     response_headers: &response_headers,
///     request_headers: &request_headers,
///     cache_control: &cache_control,
///     request_time: t0,
///     response_time: t0,
/// };
/// match policy.lookup(&(&req).into(), &stored, t0 + Duration::from_secs(10)) {
///     Lookup::Fresh { response_headers } => assert_eq!(response_headers["age"], "10"),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    config: PolicyConfig,
}

impl Policy {
    /// A policy with this configuration.
    ///
    /// ```
    /// use courier_cache::policy::{Policy, PolicyConfig};
    ///
    /// let mut config = PolicyConfig::default();
    /// config.shared = true;
    /// assert!(Policy::new(config).config().shared);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(config: PolicyConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    ///
    /// ```
    /// use courier_cache::policy::Policy;
    ///
    /// assert!(!Policy::default().config().shared);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// Whether to store a response, and what of it (RFC 9111 §3). `request_time` is when the
    /// request was sent, `response_time` when the response headers arrived.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use courier_cache::policy::{NotStorable, Policy, Storability};
    ///
    /// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
    /// let (res, ()) = http::Response::builder().header("cache-control", "no-store").body(())?.into_parts();
    /// let now = SystemTime::now();
    /// let decision = Policy::default().storability(&(&req).into(), &(&res).into(), now, now);
    /// assert!(matches!(decision, Storability::DoNotStore(NotStorable::ResponseNoStore)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn storability(
        &self,
        request: &RequestView<'_>,
        response: &ResponseView<'_>,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Storability {
        storage::storability(&self.config, request, response, request_time, response_time)
    }

    /// The freshness lifetime of a stored response (RFC 9111 §4.2.1).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, Policy, StoredExchange};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "max-age=5".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let empty = HeaderMap::new();
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &empty, cache_control: &cc,
    ///     request_time: SystemTime::UNIX_EPOCH, response_time: SystemTime::UNIX_EPOCH };
    /// assert_eq!(Policy::default().freshness(&stored).lifetime, Duration::from_secs(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn freshness(&self, stored: &StoredExchange<'_>) -> Freshness {
        Freshness::of(
            &self.config,
            stored.status,
            stored.response_headers,
            stored.cache_control,
            stored.response_time,
        )
    }

    /// The current age of a stored response at `now` (RFC 9111 §4.2.3).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, Policy, StoredExchange};
    /// let headers = HeaderMap::new();
    /// let cc = CacheControl::default();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &headers, cache_control: &cc,
    ///     request_time: t0, response_time: t0 };
    /// assert_eq!(Policy::default().current_age(&stored, t0 + Duration::from_secs(3)), Duration::from_secs(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn current_age(&self, stored: &StoredExchange<'_>, now: SystemTime) -> Duration {
        AgeCalculation::new(
            stored.response_headers,
            stored.request_time,
            stored.response_time,
        )
        .current_age(now)
    }

    /// What to do with `request` given a stored response for its key, at `now`
    /// (RFC 9111 §4, RFC 5861).
    ///
    /// In order: a method or `Vary` mismatch forwards the request; a fresh response that the
    /// request's `no-cache`, `max-age` and `min-fresh` accept is served (or answers the
    /// caller's conditional request with 304); a caller's conditional request that cannot be
    /// answered so is forwarded unchanged; a stale response is served when the request's
    /// `max-stale` or the response's `stale-while-revalidate` allow and `must-revalidate`
    /// (and kin) do not; `only-if-cached` turns the rest into 504; everything else
    /// revalidates.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, Lookup, Policy, StoredExchange};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "max-age=60, stale-while-revalidate=30".parse()?);
    /// headers.insert("etag", "\"v1\"".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let none = HeaderMap::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &none, cache_control: &cc,
    ///     request_time: t0, response_time: t0 };
    /// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
    /// match Policy::default().lookup(&(&req).into(), &stored, t0 + Duration::from_secs(70)) {
    ///     Lookup::StaleWhileRevalidate { revalidation, .. } => {
    ///         assert_eq!(revalidation.conditional_headers()["if-none-match"], "\"v1\"");
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lookup(
        &self,
        request: &RequestView<'_>,
        stored: &StoredExchange<'_>,
        now: SystemTime,
    ) -> Lookup {
        let directives = RequestDirectives::from_headers(request.headers);
        let only_if_cached = directives.only_if_cached();
        let forward = |reason| {
            if only_if_cached {
                Lookup::GatewayTimeout
            } else {
                Lookup::Forward(reason)
            }
        };
        if !method_matches(request.method, stored.method) {
            return forward(ForwardReason::MethodMismatch);
        }
        if !vary::matches(
            stored.response_headers,
            stored.request_headers,
            request.headers,
        ) {
            return forward(ForwardReason::VaryMismatch);
        }

        let cc = stored.cache_control;
        let lifetime = self.freshness(stored).lifetime;
        let age = self.current_age(stored, now);
        let fresh = age < lifetime;
        let staleness = age.saturating_sub(lifetime);
        let no_cache_request = directives.no_cache() && !self.config.ignore_request_no_cache;
        let no_cache_response = cc.no_cache() == Some(FieldScope::All);
        // RFC 8246: an immutable response is not revalidated while fresh just because the
        // client reloads (`max-age=0`); `no-cache` (a forced reload) still revalidates.
        let age_accepted =
            (fresh && cc.immutable()) || directives.max_age().is_none_or(|m| age <= m);
        let may_serve = !no_cache_request && !no_cache_response && age_accepted;

        let conditional = validation::is_conditional(request.headers);
        if fresh
            && may_serve
            && directives
                .min_fresh()
                .is_none_or(|m| lifetime.saturating_sub(age) >= m)
        {
            if conditional {
                return match validation::evaluate_conditional(
                    request.headers,
                    stored.response_headers,
                    stored.response_time,
                ) {
                    ConditionalOutcome::NotModified => Lookup::NotModified {
                        response_headers: validation::not_modified_headers(
                            stored.response_headers,
                            age,
                        ),
                    },
                    ConditionalOutcome::Full => Lookup::Fresh {
                        response_headers: served_headers(stored, age),
                    },
                    ConditionalOutcome::Unsupported => forward(ForwardReason::ConditionalRequest),
                };
            }
            return Lookup::Fresh {
                response_headers: served_headers(stored, age),
            };
        }
        if conditional {
            return forward(ForwardReason::ConditionalRequest);
        }

        let stale_forbidden = self.stale_forbidden(cc);
        if !fresh && may_serve && !stale_forbidden && directives.min_fresh().is_none() {
            if directives.max_stale().is_some_and(|m| m.allows(staleness)) {
                return Lookup::Stale {
                    response_headers: served_headers(stored, age),
                };
            }
            if cc.stale_while_revalidate().is_some_and(|w| staleness <= w) {
                return Lookup::StaleWhileRevalidate {
                    response_headers: served_headers(stored, age),
                    revalidation: self.revalidation(stored, &directives, age, lifetime, now),
                };
            }
        }
        if only_if_cached {
            return Lookup::GatewayTimeout;
        }
        Lookup::Revalidate(self.revalidation(stored, &directives, age, lifetime, now))
    }

    /// The outcome of a revalidation: `request` as sent (validators included or not),
    /// `response` the origin's answer, and the times it was sent and received.
    ///
    /// A 304 that selects the stored response freshens it (§4.3.4); a 304 that does not is
    /// [`Revalidated::Unselected`]; a 5xx lets [`StaleOnError`] decide; any other response
    /// replaces the stored one (§4.3.3).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, Policy, Revalidated, StoredExchange};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("etag", "\"v1\"".parse()?);
    /// headers.insert("content-length", "5".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let none = HeaderMap::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &none, cache_control: &cc,
    ///     request_time: t0, response_time: t0 };
    /// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
    /// let (res, ()) = http::Response::builder().status(304)
    ///     .header("etag", "\"v1\"").header("cache-control", "max-age=60").body(())?.into_parts();
    /// let later = t0 + Duration::from_secs(100);
    /// match Policy::default().after_revalidation(&(&req).into(), &stored, &(&res).into(), later, later) {
    ///     Revalidated::NotModified(f) => {
    ///         assert_eq!(f.response_headers["content-length"], "5");
    ///         assert_eq!(f.freshness.lifetime, Duration::from_secs(60));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn after_revalidation(
        &self,
        request: &RequestView<'_>,
        stored: &StoredExchange<'_>,
        response: &ResponseView<'_>,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Revalidated {
        if response.status == StatusCode::NOT_MODIFIED {
            if !validation::selects(stored.response_headers, response.headers) {
                return Revalidated::Unselected;
            }
            return Revalidated::NotModified(Box::new(self.freshened(
                stored,
                response,
                request_time,
                response_time,
            )));
        }
        if response.status.is_server_error() {
            let directives = RequestDirectives::from_headers(request.headers);
            let lifetime = self.freshness(stored).lifetime;
            let age = self.current_age(stored, response_time);
            return Revalidated::ServerError(
                self.revalidation(stored, &directives, age, lifetime, response_time)
                    .on_error,
            );
        }
        Revalidated::Modified(self.storability(request, response, request_time, response_time))
    }

    /// What a response to a HEAD request does to the stored GET response for the same key
    /// (RFC 9111 §4.3.5).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, HeadFreshening, Policy, StoredExchange};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("etag", "\"v1\"".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let none = HeaderMap::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &none, cache_control: &cc,
    ///     request_time: t0, response_time: t0 };
    /// let (res, ()) = http::Response::builder().header("etag", "\"v2\"").body(())?.into_parts();
    /// let outcome = Policy::default().freshen_with_head(&stored, &(&res).into(), t0, t0);
    /// assert!(matches!(outcome, HeadFreshening::Invalidate));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn freshen_with_head(
        &self,
        stored: &StoredExchange<'_>,
        head_response: &ResponseView<'_>,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> HeadFreshening {
        if head_response.status != StatusCode::OK {
            return HeadFreshening::Unrelated;
        }
        if !validation::head_matches(stored.response_headers, head_response.headers) {
            return HeadFreshening::Invalidate;
        }
        HeadFreshening::Freshened(Box::new(self.freshened(
            stored,
            head_response,
            request_time,
            response_time,
        )))
    }

    /// The URIs whose stored responses to drop after `response` to `request` (RFC 9111
    /// §4.4): for a non-error response to an unsafe method, the target URI and same-origin
    /// `Location` / `Content-Location`.
    ///
    /// ```
    /// use courier_cache::policy::Policy;
    ///
    /// let (req, ()) = http::Request::delete("https://example.com/a").body(())?.into_parts();
    /// let (res, ()) = http::Response::builder().status(204).body(())?.into_parts();
    /// let uris = Policy::default().invalidations(&(&req).into(), &(&res).into());
    /// assert_eq!(uris[0].as_str(), "https://example.com/a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn invalidations(
        &self,
        request: &RequestView<'_>,
        response: &ResponseView<'_>,
    ) -> Vec<Url> {
        invalidation::invalidated_uris(
            request.method,
            request.uri,
            response.status,
            response.headers,
        )
    }

    /// The application's "force cache" read (dio's `CachePolicy.forceCache`): serve a stored
    /// response whatever its directives say, when method and `Vary` match and its staleness
    /// is within [`PolicyConfig::max_stale`]. Returns the headers to serve, with `Age`.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use http::{HeaderMap, Method, StatusCode};
    /// # use courier_cache::policy::{CacheControl, Policy, StoredExchange};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cache-control", "no-cache".parse()?);
    /// let cc = CacheControl::from_headers(&headers);
    /// let none = HeaderMap::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    /// let stored = StoredExchange { method: &Method::GET, status: StatusCode::OK,
    ///     response_headers: &headers, request_headers: &none, cache_control: &cc,
    ///     request_time: t0, response_time: t0 };
    /// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
    /// assert!(Policy::default().force_cache(&(&req).into(), &stored, t0).is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn force_cache(
        &self,
        request: &RequestView<'_>,
        stored: &StoredExchange<'_>,
        now: SystemTime,
    ) -> Option<http::HeaderMap> {
        if !method_matches(request.method, stored.method)
            || !vary::matches(
                stored.response_headers,
                stored.request_headers,
                request.headers,
            )
        {
            return None;
        }
        let age = self.current_age(stored, now);
        let staleness = age.saturating_sub(self.freshness(stored).lifetime);
        if self.config.max_stale.is_some_and(|limit| staleness > limit) {
            return None;
        }
        Some(with_age(stored.response_headers, age))
    }

    /// Whether the origin forbade serving a stale response (RFC 9111 §4.2.4).
    fn stale_forbidden(&self, cc: &CacheControl) -> bool {
        cc.must_revalidate()
            || cc.no_cache() == Some(FieldScope::All)
            || (self.config.shared && (cc.proxy_revalidate() || cc.s_maxage().is_some()))
    }

    fn revalidation(
        &self,
        stored: &StoredExchange<'_>,
        directives: &RequestDirectives,
        age: Duration,
        lifetime: Duration,
        now: SystemTime,
    ) -> Revalidation {
        let stale_if_error = match (
            stored.cache_control.stale_if_error(),
            directives.stale_if_error(),
        ) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Revalidation {
            conditional_headers: validation::conditional_headers([stored.response_headers]),
            on_error: StaleOnError {
                inner: Some(StaleCandidate {
                    headers: served_headers(stored, age),
                    age,
                    decided_at: now,
                    lifetime,
                    stale_if_error,
                    forbidden_when_stale: self.stale_forbidden(stored.cache_control),
                    max_stale: self.config.max_stale,
                }),
            },
        }
    }

    fn freshened(
        &self,
        stored: &StoredExchange<'_>,
        response: &ResponseView<'_>,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Freshened {
        let (mut response_headers, mut date_value) = validation::freshen_headers_dated(
            stored.response_headers,
            response.headers,
            response_time,
            self.config.shared,
        );
        // A 304 usually repeats the stored `Cache-Control`: then its parse is the stored one.
        let cache_control = if response_headers
            .get_all(http::header::CACHE_CONTROL)
            .iter()
            .eq(stored
                .response_headers
                .get_all(http::header::CACHE_CONTROL)
                .iter())
        {
            stored.cache_control.clone()
        } else {
            CacheControl::from_headers(&response_headers)
        };
        if self.config.shared
            && let Some(FieldScope::Fields(names)) = cache_control.private()
        {
            for name in names {
                response_headers.remove(name);
            }
            if names.contains(&http::header::DATE) {
                date_value = super::dates::date_or(&response_headers, response_time);
            }
        }
        let freshness = Freshness::of(
            &self.config,
            stored.status,
            &response_headers,
            &cache_control,
            response_time,
        );
        let age = AgeCalculation::with_date(
            date_value,
            age_value(&response_headers),
            request_time,
            response_time,
        )
        .current_age(response_time);
        let served_headers = with_age(&response_headers, age);
        let withheld = self.config.shared && cache_control.private() == Some(FieldScope::All);
        let storable = !(cache_control.no_store() || withheld);
        Freshened {
            response_headers,
            cache_control,
            request_time,
            response_time,
            served_headers,
            freshness,
            storable,
        }
    }
}

/// A stored GET answers GET and HEAD; otherwise methods must be equal.
fn method_matches(request: &Method, stored: &Method) -> bool {
    request == stored || (*request == Method::HEAD && *stored == Method::GET)
}

/// The stored headers with the current `Age`, minus fields a qualified `no-cache` withholds
/// until revalidation (RFC 9111 §5.2.2.4).
fn served_headers(stored: &StoredExchange<'_>, age: Duration) -> http::HeaderMap {
    let mut headers = with_age(stored.response_headers, age);
    if let Some(FieldScope::Fields(names)) = stored.cache_control.no_cache() {
        for name in names {
            headers.remove(name);
        }
    }
    headers
}
