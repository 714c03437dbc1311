//! [`AuthInterceptorBuilder`]: the interceptor's settings, checked once in `build`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderName, HeaderValue, StatusCode};
use url::Url;

use super::audience::Audience;
use super::credential::TokenHeader;
use super::interceptor::{AuthInterceptor, RejectsToken};
use super::refresher::DynRefresher;
use super::session::{Clock, Session, SessionConfig};
use super::store::TokenStore;
use crate::error::{Error, ErrorKind, Result};
use crate::response::Response;

/// Configures an [`AuthInterceptor`]; made by [`AuthInterceptor::builder`].
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::auth::{AuthInterceptor, FileTokenStore, RefreshError, refresh_fn};
///
/// let auth = AuthInterceptor::builder(
///     FileTokenStore::new("/home/ada/.config/app/tokens.json"),
///     refresh_fn(|_, _| async { Err(RefreshError::revoked("no refresh")) }),
/// )
/// .header_name("x-auth")                       // default: authorization
/// .scheme("Token")                             // default: Bearer
/// .allow_origin("https://api.example")         // default: the client's base URL origin
/// .allow_origin("https://uploads.example")
/// .refresh_margin(Duration::from_secs(60))     // default: 30 s before expiry
/// .refresh_timeout(Some(Duration::from_secs(10))) // default: 30 s
/// .rejects_token(|response| response.status() == 401 || response.status() == 419)
/// .build()?;
/// # Ok::<(), courier::Error>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct AuthInterceptorBuilder {
    store: Arc<dyn TokenStore>,
    refresher: Arc<dyn DynRefresher>,
    header_name: HeaderName,
    scheme: Option<String>,
    origins: Vec<Url>,
    rejects_token: RejectsToken,
    refresh_margin: Duration,
    refresh_timeout: Option<Duration>,
    clock: Clock,
    /// The first invalid setting, returned by `build`.
    error: Option<Error>,
}

impl AuthInterceptorBuilder {
    pub(super) fn new(store: Arc<dyn TokenStore>, refresher: Arc<dyn DynRefresher>) -> Self {
        Self {
            store,
            refresher,
            header_name: http::header::AUTHORIZATION,
            scheme: Some("Bearer".to_owned()),
            origins: Vec::new(),
            rejects_token: Arc::new(|response: &Response| {
                response.status() == StatusCode::UNAUTHORIZED
            }),
            refresh_margin: Duration::from_secs(30),
            refresh_timeout: Some(Duration::from_secs(30)),
            clock: Arc::new(SystemTime::now),
            error: None,
        }
    }

    fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    // ----- The header -----

    /// The header the token goes in. Default: `authorization`.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .header_name("x-api-token")
    ///     .no_scheme()
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn header_name(mut self, name: impl AsRef<str>) -> Self {
        match HeaderName::try_from(name.as_ref()) {
            Ok(name) => self.header_name = name,
            Err(error) => self.fail(Error::from(error)),
        }
        self
    }

    /// The scheme before the token: `<scheme> <token>`. Default: `Bearer`.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .scheme("DPoP")
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        let scheme = scheme.into();
        let valid =
            !scheme.is_empty() && !scheme.contains(' ') && HeaderValue::from_str(&scheme).is_ok();
        if valid {
            self.scheme = Some(scheme);
        } else {
            self.fail(
                Error::new(ErrorKind::InvalidRequest)
                    .with_message(format!("invalid authorization scheme {scheme:?}")),
            );
        }
        self
    }

    /// Sends the token alone, without a scheme (for API-key style headers).
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .no_scheme()
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn no_scheme(mut self) -> Self {
        self.scheme = None;
        self
    }

    // ----- Where the token goes -----

    /// Adds an origin (scheme, host and port, from a URL; its path is ignored) that gets the
    /// token. Once one is given, only the origins given get it. Default: the origin of the
    /// client's base URL (and no origin at all for a client without one).
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .allow_origin("https://api.example")
    ///     .allow_origin("https://files.example:8443")
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn allow_origin(mut self, url: impl AsRef<str>) -> Self {
        match Url::parse(url.as_ref()) {
            Ok(url) if url.host().is_some() => self.origins.push(url),
            // Only the scheme: a URL without a host (`admin:pw@api.example` is scheme
            // `admin` and path `pw@api.example`) may hold a secret where nothing redacts it.
            Ok(parsed) => self.fail(Error::new(ErrorKind::InvalidRequest).with_message(format!(
                "the origin URL (scheme `{}`) has no host",
                parsed.scheme()
            ))),
            Err(error) => self.fail(Error::from(error)),
        }
        self
    }

    // ----- When to refresh -----

    /// Which responses mean the token was rejected and call for a refresh. Default: status
    /// `401 Unauthorized`. It sees responses that `validate_status` rejected as well as
    /// accepted ones.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .rejects_token(|response| {
    ///         response.status() == 401
    ///             && response.headers().get("www-authenticate").is_some_and(|v| v.as_bytes().starts_with(b"Bearer"))
    ///     })
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn rejects_token(
        mut self,
        predicate: impl Fn(&Response) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.rejects_token = Arc::new(predicate);
        self
    }

    /// How long before a known expiry the token is refreshed, instead of being sent once
    /// more and rejected. Default: 30 seconds.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .refresh_margin(std::time::Duration::from_secs(120))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The longest a refresh may take; then it fails (transiently: the tokens are kept) with
    /// [`ErrorKind::Timeout`], and the waiting requests with it. `None`: no limit, which
    /// leaves the requests to their own timeouts. Default: 30 seconds.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .refresh_timeout(Some(std::time::Duration::from_secs(5)))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn refresh_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.refresh_timeout = timeout;
        self
    }

    /// The clock expiries are compared with. Default: [`SystemTime::now`]. Tests use it to
    /// follow tokio's paused clock.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    ///
    /// // Wall time that follows tokio's clock (which `tokio::time::pause` stops and
    /// // `advance` moves).
    /// let (wall, start) = (SystemTime::now(), tokio::time::Instant::now());
    /// let auth = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .clock(move || wall + start.elapsed())
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// The interceptor, or the first invalid setting as an
    /// [`InvalidRequest`](ErrorKind::InvalidRequest) error.
    ///
    /// ```
    /// # use courier::interceptors::auth::{AuthInterceptor, MemoryTokenStore, RefreshError, refresh_fn};
    /// let bad = AuthInterceptor::builder(MemoryTokenStore::new(), refresh_fn(|_, _| async { Err(RefreshError::revoked("")) }))
    ///     .scheme("Two words")
    ///     .build();
    /// assert_eq!(bad.unwrap_err().kind(), courier::ErrorKind::InvalidRequest);
    /// ```
    pub fn build(self) -> Result<AuthInterceptor> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let audience = if self.origins.is_empty() {
            Audience::BaseUrl
        } else {
            Audience::Origins(self.origins)
        };
        let config = SessionConfig {
            header: TokenHeader {
                name: self.header_name,
                scheme: self.scheme,
            },
            refresh_margin: self.refresh_margin,
            refresh_timeout: self.refresh_timeout,
            clock: self.clock,
        };
        let session = Session::new(config, self.store, self.refresher);
        Ok(AuthInterceptor::from_parts(
            session,
            audience,
            self.rejects_token,
        ))
    }
}

impl fmt::Debug for AuthInterceptorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthInterceptorBuilder")
            .field("header_name", &self.header_name)
            .field("scheme", &self.scheme)
            .field("origins", &self.origins)
            .field("refresh_margin", &self.refresh_margin)
            .field("refresh_timeout", &self.refresh_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interceptors::auth::{MemoryTokenStore, RefreshError, refresh_fn};

    #[test]
    fn an_origin_without_a_host_shows_no_secret() {
        let refresh = refresh_fn(|_, _| async { Err(RefreshError::revoked("")) });
        // No `//`: scheme `ada`, the password in the path.
        let error = AuthInterceptor::builder(MemoryTokenStore::new(), refresh)
            .allow_origin("ada:hunter2@api.example")
            .build()
            .err()
            .unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        let shown = error.to_string();
        assert!(shown.contains("scheme `ada`"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
