//! The decisions the policy hands back, each carrying its next step.
//!
//! A boolean "is this fresh?" invites a caller to serve a fresh response without its `Age`, or
//! to send a revalidation without validators. Each decision here instead carries what the
//! caller must use: the headers to serve (with `Age` set), the conditional headers to send,
//! the headers to store. A caller cannot act on the decision without taking them.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

use super::CacheControl;
use super::age::{set_age, span};
use super::freshness::Freshness;

/// Whether and what to store after a response (RFC 9111 §3).
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::policy::{Policy, PolicyConfig, Storability};
///
/// let (req, ()) = http::Request::get("https://example.com/").body(())?.into_parts();
/// let (res, ()) = http::Response::builder()
///     .header("cache-control", "max-age=60")
///     .body(())?
///     .into_parts();
/// let now = SystemTime::now();
/// match Policy::new(PolicyConfig::default()).storability(&(&req).into(), &(&res).into(), now, now) {
///     Storability::Store { response_headers, .. } => assert!(response_headers.contains_key("date")),
///     Storability::DoNotStore(reason) => panic!("{reason:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per response and consumed at once; boxing would only add an allocation"
)]
pub enum Storability {
    /// Store the response: these are the pieces to keep with the entry.
    Store {
        /// The response headers to store: hop-by-hop fields removed, a `Date` added when
        /// missing (RFC 9110 §6.6.1), and in a shared cache `Set-Cookie` and fields named by
        /// `private="…"` removed. The live response passed to the caller keeps them all.
        response_headers: HeaderMap,
        /// The request's values of the fields named by `Vary`, to match later requests.
        request_headers: HeaderMap,
        /// The parsed response `Cache-Control`, to keep with the entry.
        cache_control: CacheControl,
        /// The freshness lifetime at the time of storing.
        freshness: Freshness,
        /// When the response stops being fresh (response time minus the age it arrived with,
        /// plus the lifetime): a hint for the store's expiry, not for serving.
        fresh_until: SystemTime,
    },
    /// Do not store; the reason says which rule forbids it.
    DoNotStore(NotStorable),
}

impl Storability {
    /// Whether the decision is to store.
    ///
    /// ```
    /// use courier_cache::policy::{NotStorable, Storability};
    ///
    /// assert!(!Storability::DoNotStore(NotStorable::ResponseNoStore).is_store());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_store(&self) -> bool {
        matches!(self, Storability::Store { .. })
    }
}

/// Why a response is not stored.
///
/// ```
/// use courier_cache::policy::NotStorable;
///
/// assert_ne!(NotStorable::Private, NotStorable::Authorization);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotStorable {
    /// The request method is not cacheable (only GET and HEAD, and POST when allowed).
    MethodNotCacheable,
    /// The status code is not one this cache understands (RFC 9111 §3), e.g. 1xx or 304.
    StatusNotUnderstood,
    /// 206 Partial Content: this cache does not combine partial responses (§3.3).
    PartialContent,
    /// `no-store` on the request (§5.2.1.5).
    RequestNoStore,
    /// `no-store` on the response (§5.2.2.5).
    ResponseNoStore,
    /// `private` in a shared cache (§5.2.2.7).
    Private,
    /// The request carried `Authorization` and the response does not allow a shared cache to
    /// store it with `public`, `s-maxage` or `must-revalidate` (§3.5).
    Authorization,
    /// No explicit freshness and a status that is not heuristically cacheable (§3, §4.2.2).
    NoFreshnessInformation,
    /// `Vary: *`: the stored response could never be selected (§4.1).
    VaryAny,
}

/// What to do with a request when a stored response exists for its primary key.
///
/// ```
/// use courier_cache::policy::Lookup;
///
/// fn serve(lookup: Lookup) -> &'static str {
///     match lookup {
///         Lookup::Fresh { .. } => "hit",
///         Lookup::NotModified { .. } => "304 from cache",
///         Lookup::Stale { .. } => "stale hit",
///         Lookup::StaleWhileRevalidate { .. } => "stale hit, refresh in background",
///         Lookup::Revalidate(_) => "conditional request",
///         Lookup::Forward(_) => "miss",
///         Lookup::GatewayTimeout => "504",
///     }
/// }
/// assert_eq!(serve(Lookup::GatewayTimeout), "504");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum Lookup {
    /// Serve the stored status and body with these headers (stored headers with a current
    /// `Age`, minus fields named by a qualified `no-cache`).
    Fresh {
        /// The headers to serve.
        response_headers: HeaderMap,
    },
    /// The request was conditional and the fresh stored response satisfies it (RFC 9111
    /// §4.3.2): answer `304 Not Modified` with these headers and no body.
    NotModified {
        /// The headers of the 304.
        response_headers: HeaderMap,
    },
    /// The stored response is stale but the request's `max-stale` accepts it: serve it with
    /// these headers, without contacting the origin.
    Stale {
        /// The headers to serve.
        response_headers: HeaderMap,
    },
    /// Within the response's `stale-while-revalidate` window (RFC 5861 §3): serve these
    /// headers now and send the revalidation in the background.
    StaleWhileRevalidate {
        /// The headers to serve now.
        response_headers: HeaderMap,
        /// The background revalidation.
        revalidation: Revalidation,
    },
    /// Send the request with these validators added; then call
    /// [`Policy::after_revalidation`](super::Policy::after_revalidation).
    Revalidate(Revalidation),
    /// The stored response cannot answer this request: send the request unchanged.
    Forward(ForwardReason),
    /// The request has `only-if-cached` and the stored response cannot be used: answer 504
    /// (RFC 9111 §5.2.1.7).
    GatewayTimeout,
}

/// Why a request goes to the origin unchanged.
///
/// ```
/// use courier_cache::policy::ForwardReason;
///
/// assert_ne!(ForwardReason::VaryMismatch, ForwardReason::MethodMismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForwardReason {
    /// The request's Vary-selected headers differ from the stored request's, or the stored
    /// response has `Vary: *` (RFC 9111 §4.1).
    VaryMismatch,
    /// A stored HEAD response cannot answer a GET; other methods never share entries.
    MethodMismatch,
    /// The caller's own conditional request cannot be answered from a fresh stored response
    /// (RFC 9111 §4.3.2): it is forwarded as the caller wrote it.
    ConditionalRequest,
}

/// A revalidation to send: validators to add to the request, and what may be served if the
/// origin fails.
///
/// ```
/// use http::HeaderMap;
/// use courier_cache::policy::Revalidation;
///
/// fn send(revalidation: &Revalidation, mut request_headers: HeaderMap) -> HeaderMap {
///     revalidation.apply_to(&mut request_headers);
///     request_headers
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Revalidation {
    pub(crate) conditional_headers: HeaderMap,
    pub(crate) on_error: StaleOnError,
}

impl Revalidation {
    /// The validators to send: `If-None-Match` with the stored `ETag` and `If-Modified-Since`
    /// with the stored `Last-Modified` (RFC 9111 §4.3.1). Empty when the stored response has
    /// neither: the revalidation is then a plain request.
    ///
    /// ```
    /// use courier_cache::policy::Revalidation;
    ///
    /// fn has_validators(r: &Revalidation) -> bool {
    ///     !r.conditional_headers().is_empty()
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn conditional_headers(&self) -> &HeaderMap {
        &self.conditional_headers
    }

    /// Adds the validators to the outgoing request's headers, replacing any there.
    ///
    /// ```
    /// use courier_cache::policy::Revalidation;
    ///
    /// fn prepare(r: &Revalidation, request: &mut http::Request<()>) {
    ///     r.apply_to(request.headers_mut());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_to(&self, request_headers: &mut HeaderMap) {
        for (name, value) in &self.conditional_headers {
            request_headers.insert(name, value.clone());
        }
    }

    /// What may be served if the revalidation fails.
    ///
    /// ```
    /// use courier_cache::policy::Revalidation;
    ///
    /// fn strict(r: &Revalidation) -> bool {
    ///     r.on_error().is_forbidden()
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn on_error(&self) -> &StaleOnError {
        &self.on_error
    }
}

/// How the origin failed to answer a revalidation.
///
/// ```
/// use http::StatusCode;
/// use courier_cache::policy::OriginFailure;
///
/// let failure = OriginFailure::Status(StatusCode::BAD_GATEWAY);
/// assert!(failure.is_stale_if_error_failure());
/// assert!(!OriginFailure::Status(StatusCode::NOT_FOUND).is_stale_if_error_failure());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OriginFailure {
    /// The origin could not be reached or timed out (never a cancellation).
    Network,
    /// The origin answered with this status.
    Status(StatusCode),
}

impl OriginFailure {
    /// Whether RFC 5861 §4 `stale-if-error` covers this failure: a network error, or 500,
    /// 502, 503 or 504.
    ///
    /// ```
    /// use courier_cache::policy::OriginFailure;
    ///
    /// assert!(OriginFailure::Network.is_stale_if_error_failure());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_stale_if_error_failure(self) -> bool {
        match self {
            OriginFailure::Network => true,
            OriginFailure::Status(s) => matches!(s.as_u16(), 500 | 502 | 503 | 504),
        }
    }
}

/// Whether a stored response may stand in when the origin fails, and with which headers.
///
/// Two allowances exist: RFC 5861 `stale-if-error` (on the response or the request), and the
/// application's offline fallback (`hit_cache_on_network_failure`, `hit_cache_on_error_codes`)
/// bounded by [`PolicyConfig::max_stale`](super::PolicyConfig::max_stale). Neither applies to
/// a stale response whose origin forbade stale use: `must-revalidate`, unqualified `no-cache`,
/// or in a shared cache `proxy-revalidate` or `s-maxage` (RFC 9111 §4.2.4, §5.2.2.2). A 5xx
/// while revalidating such a response is passed on, never hidden behind the stale entry.
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::policy::{OriginFailure, StaleOnError};
///
/// fn on_timeout(fallback: &StaleOnError, app_serves_cache_offline: bool) -> Option<http::HeaderMap> {
///     fallback.response_for(OriginFailure::Network, app_serves_cache_offline, SystemTime::now())
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaleOnError {
    pub(crate) inner: Option<StaleCandidate>,
}

#[derive(Debug, Clone)]
pub(crate) struct StaleCandidate {
    pub(crate) headers: HeaderMap,
    /// Age at `decided_at`.
    pub(crate) age: Duration,
    pub(crate) decided_at: SystemTime,
    pub(crate) lifetime: Duration,
    /// The longer of the response's and the request's `stale-if-error`.
    pub(crate) stale_if_error: Option<Duration>,
    pub(crate) forbidden_when_stale: bool,
    pub(crate) max_stale: Option<Duration>,
}

impl StaleOnError {
    /// Whether the origin forbade serving this response stale (`must-revalidate` and kin).
    ///
    /// ```
    /// use courier_cache::policy::StaleOnError;
    ///
    /// fn pass_errors_through(fallback: &StaleOnError) -> bool {
    ///     fallback.is_forbidden()
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_forbidden(&self) -> bool {
        self.inner.as_ref().is_none_or(|c| c.forbidden_when_stale)
    }

    /// The headers to serve the stored response with at `now`, if the `failure` allows it.
    /// `app_fallback` says the application asked to serve cache on this failure; it is
    /// honoured within `PolicyConfig::max_stale`. The returned headers carry the `Age` at
    /// `now`.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use http::StatusCode;
    /// use courier_cache::policy::{OriginFailure, StaleOnError};
    ///
    /// fn on_503(fallback: &StaleOnError) -> Option<http::HeaderMap> {
    ///     fallback.response_for(OriginFailure::Status(StatusCode::SERVICE_UNAVAILABLE), false, SystemTime::now())
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn response_for(
        &self,
        failure: OriginFailure,
        app_fallback: bool,
        now: SystemTime,
    ) -> Option<HeaderMap> {
        let c = self.inner.as_ref()?;
        let age = c.age.saturating_add(span(c.decided_at, now));
        let is_stale = age >= c.lifetime;
        if is_stale && c.forbidden_when_stale {
            return None;
        }
        let staleness = age.saturating_sub(c.lifetime);
        let by_rfc5861 = failure.is_stale_if_error_failure()
            && c.stale_if_error.is_some_and(|window| staleness <= window);
        let by_app = app_fallback && c.max_stale.is_none_or(|limit| staleness <= limit);
        if !(by_rfc5861 || by_app) {
            return None;
        }
        let mut headers = c.headers.clone();
        set_age(&mut headers, age);
        Some(headers)
    }
}

/// The outcome of a revalidation (RFC 9111 §4.3.3).
///
/// ```
/// use courier_cache::policy::Revalidated;
///
/// fn next(outcome: Revalidated) -> &'static str {
///     match outcome {
///         Revalidated::NotModified(_) => "rewrite the stored metadata, serve the stored body",
///         Revalidated::Modified(_) => "replace the entry (or delete it) and serve the new response",
///         Revalidated::ServerError(_) => "serve stale if allowed, else pass the error on",
///         Revalidated::Unselected => "the 304 is for another response: ask again unconditionally",
///     }
/// }
/// assert!(next(Revalidated::Unselected).starts_with("the 304"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum Revalidated {
    /// A 304 that selects the stored response: rewrite the stored metadata (never the body)
    /// and serve the stored status and body.
    NotModified(Box<Freshened>),
    /// A full response (any status but 304 and 5xx): it replaces the stored one (§4.3.3). On
    /// [`Storability::DoNotStore`], delete the stored entry, which is now outdated.
    Modified(Storability),
    /// A 5xx: the [`StaleOnError`] says whether the stored response may be served instead.
    ServerError(StaleOnError),
    /// A 304 whose validators match no stored response (§4.3.4): it cannot be used; repeat
    /// the request without validators.
    Unselected,
}

/// A stored response freshened by a 304 or a HEAD response (RFC 9111 §4.3.4, §4.3.5).
///
/// ```
/// use courier_cache::policy::Freshened;
///
/// fn rewrite(f: &Freshened) -> (&http::HeaderMap, &http::HeaderMap) {
///     (&f.response_headers, &f.served_headers)
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Freshened {
    /// The updated headers to store in place of the old ones.
    pub response_headers: HeaderMap,
    /// Their parsed `Cache-Control`, to store.
    pub cache_control: CacheControl,
    /// The new `request_time` to store: when the revalidation was sent.
    pub request_time: SystemTime,
    /// The new `response_time` to store: when the 304 arrived.
    pub response_time: SystemTime,
    /// The headers to serve now, with `Age`.
    pub served_headers: HeaderMap,
    /// The new freshness lifetime.
    pub freshness: Freshness,
    /// Whether the updated response may stay stored: `false` when the new headers carry
    /// `no-store`, or unqualified `private` in a shared cache (RFC 9111 §3). The response is
    /// still served this once, but the stored one must then be removed.
    pub storable: bool,
}

/// What a HEAD response does to a stored GET response (RFC 9111 §4.3.5).
///
/// ```
/// use courier_cache::policy::HeadFreshening;
///
/// assert!(matches!(HeadFreshening::Invalidate, HeadFreshening::Invalidate));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum HeadFreshening {
    /// The HEAD response describes the stored representation: rewrite its metadata.
    Freshened(Box<Freshened>),
    /// Its `ETag`, `Last-Modified` or `Content-Length` differs: the stored response is
    /// outdated; delete it (or mark it stale).
    Invalidate,
    /// The HEAD response is not a 200 and says nothing about the stored response.
    Unrelated,
}
