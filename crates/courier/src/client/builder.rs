//! `ClientBuilder`: Dio's `BaseOptions`, plus the transport and the interceptor chain.

use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use url::Url;

use super::{Client, Config, Dispatch};
use crate::PublicKeyPin;
use crate::error::{Error, ErrorKind, Result};
use crate::interceptor::{DynInterceptor, Interceptor};
use crate::redact::{redact_invalid_url, redact_url};
use crate::request::{RedirectPolicy, ValidateStatus};
use crate::transport::reqwest::ReqwestSettings;
use crate::transport::{DynTransport, ReqwestTransport, Transport};

/// Configures a [`Client`].
///
/// Setters never fail: the first invalid value is remembered and reported once, by
/// [`build`](ClientBuilder::build).
///
/// ```
/// use std::time::Duration;
/// let client = courier::Client::builder()
///     .base_url("https://api.example/v1/")
///     .connect_timeout(Duration::from_secs(5))   // TCP + TLS
///     .send_timeout(Duration::from_secs(10))     // longest upload stall
///     .receive_timeout(Duration::from_secs(15))  // longest server silence
///     .timeout(Duration::from_secs(60))          // the whole call
///     .default_header("accept", "application/json")
///     .build()?;
/// # Ok::<(), courier::Error>(())
/// ```
#[must_use = "a builder does nothing until `build()` is called"]
#[derive(Debug)]
pub struct ClientBuilder {
    config: Config,
    reqwest: ReqwestSettings,
    interceptors: Vec<Arc<dyn DynInterceptor>>,
    transport: Option<Arc<dyn DynTransport>>,
    error: Option<Error>,
}

impl std::fmt::Debug for dyn DynInterceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Interceptor")
    }
}

impl std::fmt::Debug for dyn DynTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transport")
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// The defaults: no base URL, no timeouts, 2xx is success, up to 10 redirects, gzip,
    /// brotli, zstd and deflate accepted, HTTP/2 when the server offers it, the platform's
    /// trusted roots, proxies from the environment.
    ///
    /// ```
    /// let builder = courier::ClientBuilder::new();
    /// ```
    pub fn new() -> Self {
        Self {
            config: Config {
                max_redirects: 10,
                ..Config::default()
            },
            reqwest: ReqwestSettings::default(),
            interceptors: Vec::new(),
            transport: None,
            error: None,
        }
    }

    fn fail(mut self, error: Error) -> Self {
        if self.error.is_none() {
            self.error = Some(error);
        }
        self
    }

    // ----- Where requests go ----------------------------------------------------------

    /// The URL relative request paths are joined to. Default: none (every request needs an
    /// absolute URL).
    ///
    /// A relative path is always appended under the base URL's path, with or without a
    /// slash at the joint; an absolute URL bypasses the base:
    ///
    /// | base URL | path | result |
    /// |---|---|---|
    /// | `https://api.example/v1` | `users` | `https://api.example/v1/users` |
    /// | `https://api.example/v1/` | `/users` | `https://api.example/v1/users` |
    /// | `https://api.example/v1` | `https://cdn.example/x` | `https://cdn.example/x` |
    ///
    /// A base URL must be `http` or `https` and have no query or fragment (use
    /// [`default_query`](Self::default_query)). The error [`build`](Self::build) reports
    /// for a bad one shows the URL without its secrets: no password, and no query or
    /// fragment when the URL does not parse (secret parameters redacted when it does).
    ///
    /// ```
    /// let client = courier::Client::builder().base_url("https://api.example/v1").build()?;
    /// assert_eq!(client.get("/users").build()?.url().as_str(), "https://api.example/v1/users");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        let text = url.as_ref();
        // The text may hold a password or a token: messages show it redacted.
        match Url::parse(text) {
            // Only the scheme: `admin:pw@api.example` (no `//`) parses with scheme `admin`
            // and the password in its path, where nothing redacts it.
            Ok(url) if !matches!(url.scheme(), "http" | "https") => {
                self.fail(Error::new(ErrorKind::InvalidRequest).with_message(format!(
                    "base URL scheme `{}` is not http or https",
                    url.scheme()
                )))
            }
            Ok(url) if url.query().is_some() || url.fragment().is_some() => {
                self.fail(Error::new(ErrorKind::InvalidRequest).with_message(format!(
                    "base URL `{}` has a query or fragment; use default_query instead",
                    redact_url(&url)
                )))
            }
            Ok(url) => {
                self.config.base_url = Some(url);
                self
            }
            Err(error) => self.fail(
                Error::with_source(ErrorKind::InvalidRequest, error)
                    .with_message(format!("invalid base URL `{}`", redact_invalid_url(text))),
            ),
        }
    }

    /// A header sent with every request (a request's own header of the same name wins).
    /// Default: none besides the user agent.
    ///
    /// ```
    /// let client = courier::Client::builder().default_header("x-app", "demo").build()?;
    /// assert_eq!(client.get("https://a.example/").build()?.headers()["x-app"], "demo");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn default_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        let name = match name.try_into() {
            Ok(name) => name,
            Err(error) => return self.fail(invalid(error.into(), "default header name")),
        };
        let value = match value.try_into() {
            Ok(value) => value,
            Err(error) => return self.fail(invalid(error.into(), "default header value")),
        };
        self.config.default_headers.append(name, value);
        self
    }

    /// Several default headers.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-a", http::HeaderValue::from_static("1"));
    /// let client = courier::Client::builder().default_headers(headers).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn default_headers(mut self, headers: HeaderMap) -> Self {
        self.config.default_headers.extend(headers);
        self
    }

    /// A header to remove before a redirect is followed to another origin (another scheme,
    /// host or port), as `Authorization`, `Cookie` and `Proxy-Authorization` always are. Only
    /// needed for credentials under names that do not look like one: `X-Api-Key`,
    /// `X-Auth-Token` and the other names of
    /// [`is_secret_header`](crate::redact::is_secret_header) are removed without it, and so
    /// is the [`AuthInterceptor`](crate::AuthInterceptor)'s header. See
    /// [`RequestOptions::sensitive_headers`](crate::RequestOptions::sensitive_headers).
    ///
    /// ```
    /// let client = courier::Client::builder()
    ///     .default_header("x-tenant", "acme:s3cr3t")
    ///     .sensitive_header("x-tenant")
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn sensitive_header<K>(mut self, name: K) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
    {
        match name.try_into() {
            Ok(name) => {
                self.config.default_options.add_sensitive_header(name);
                self
            }
            Err(error) => self.fail(invalid(error.into(), "sensitive header name")),
        }
    }

    /// Query parameters added to every request, before the request's own. Default: none.
    ///
    /// ```
    /// let client = courier::Client::builder().default_query(&[("lang", "en")]).build()?;
    /// assert_eq!(client.get("https://a.example/?q=1").build()?.url().query(), Some("q=1&lang=en"));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn default_query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(encoded) => {
                if !self.config.default_query.is_empty() && !encoded.is_empty() {
                    self.config.default_query.push('&');
                }
                self.config.default_query.push_str(&encoded);
                self
            }
            Err(error) => self.fail(
                Error::with_source(ErrorKind::InvalidRequest, error)
                    .with_message("default query parameters"),
            ),
        }
    }

    /// The `User-Agent` header. Default: `courier/<version>`.
    ///
    /// ```
    /// let client = courier::Client::builder().user_agent("my-app/1.0").build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn user_agent<V>(mut self, value: V) -> Self
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        match value.try_into() {
            Ok(value) => {
                self.reqwest.user_agent = Some(value);
                self
            }
            Err(error) => self.fail(invalid(error.into(), "user agent")),
        }
    }

    // ----- Timeouts -------------------------------------------------------------------

    /// The longest opening a connection (TCP and TLS) may take; fails with
    /// [`ErrorKind::ConnectTimeout`]. Default: none. Applies to the reqwest transport.
    ///
    /// ```
    /// let client = courier::Client::builder().connect_timeout(std::time::Duration::from_secs(5)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.reqwest.connect_timeout = Some(timeout);
        self
    }

    /// The longest an upload may stall (the connection takes no chunk of the body); fails
    /// with [`ErrorKind::SendTimeout`]. Default: none. Overridable per request.
    ///
    /// ```
    /// let client = courier::Client::builder().send_timeout(std::time::Duration::from_secs(10)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.config.default_options.set_send_timeout(Some(timeout));
        self
    }

    /// The longest the server may be silent: from the end of the upload (or the dispatch of
    /// a request without a body) to the response head, and between two chunks of the body;
    /// fails with [`ErrorKind::ReceiveTimeout`]. Default: none. Overridable per request.
    ///
    /// ```
    /// let client = courier::Client::builder().receive_timeout(std::time::Duration::from_secs(15)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn receive_timeout(mut self, timeout: Duration) -> Self {
        self.config
            .default_options
            .set_receive_timeout(Some(timeout));
        self
    }

    /// The longest a whole call may take: interceptors, retries, refresh waits and reading
    /// the body included; fails with [`ErrorKind::Timeout`]. Default: none. Overridable per
    /// request.
    ///
    /// ```
    /// let client = courier::Client::builder().timeout(std::time::Duration::from_secs(60)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.default_options.set_timeout(Some(timeout));
        self
    }

    // ----- Responses ------------------------------------------------------------------

    /// Which statuses are successes; others fail with [`ErrorKind::BadResponse`], keeping the
    /// response and its body. Default: 2xx. Overridable per request.
    ///
    /// ```
    /// let client = courier::Client::builder()
    ///     .validate_status(|status: http::StatusCode| status.as_u16() < 400)
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn validate_status(
        mut self,
        predicate: impl Fn(StatusCode) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.config
            .default_options
            .set_validate_status(ValidateStatus::new(predicate));
        self
    }

    /// Whether redirects are followed. Default: yes. Overridable per request.
    ///
    /// ```
    /// let client = courier::Client::builder().follow_redirects(false).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        let policy = if follow {
            RedirectPolicy::Limited(self.config.max_redirects)
        } else {
            RedirectPolicy::None
        };
        self.config.default_options.set_redirect(policy);
        self
    }

    /// The most redirects followed; one more fails with [`ErrorKind::Redirect`]. Default: 10.
    ///
    /// ```
    /// let client = courier::Client::builder().max_redirects(3).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.config.max_redirects = max;
        if self.config.default_options.redirect() != RedirectPolicy::None {
            self.config
                .default_options
                .set_redirect(RedirectPolicy::Limited(max));
        }
        self
    }

    /// Whether to accept gzip-compressed responses (decompressed transparently). Default: yes.
    ///
    /// ```
    /// let client = courier::Client::builder().gzip(false).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn gzip(mut self, enable: bool) -> Self {
        self.reqwest.gzip = enable;
        self
    }

    /// Whether to accept brotli-compressed responses. Default: yes.
    ///
    /// ```
    /// let client = courier::Client::builder().brotli(false).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn brotli(mut self, enable: bool) -> Self {
        self.reqwest.brotli = enable;
        self
    }

    /// Whether to accept zstd-compressed responses. Default: yes.
    ///
    /// ```
    /// let client = courier::Client::builder().zstd(false).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn zstd(mut self, enable: bool) -> Self {
        self.reqwest.zstd = enable;
        self
    }

    /// Whether to accept deflate-compressed responses. Default: yes.
    ///
    /// ```
    /// let client = courier::Client::builder().deflate(false).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn deflate(mut self, enable: bool) -> Self {
        self.reqwest.deflate = enable;
        self
    }

    // ----- Connections ----------------------------------------------------------------

    /// Only HTTP/1.1. Default: HTTP/2 when the server offers it by ALPN.
    ///
    /// Contradicts [`http2_prior_knowledge`](Self::http2_prior_knowledge): with both,
    /// [`build`](Self::build) fails with [`ErrorKind::InvalidRequest`].
    ///
    /// ```
    /// let client = courier::Client::builder().http1_only().build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn http1_only(mut self) -> Self {
        self.reqwest.http1_only = true;
        self
    }

    /// HTTP/2 without negotiation (for `http://` servers known to speak it). Default: off.
    ///
    /// Contradicts [`http1_only`](Self::http1_only): with both, [`build`](Self::build) fails
    /// with [`ErrorKind::InvalidRequest`], whichever was called last.
    ///
    /// ```
    /// let client = courier::Client::builder().http2_prior_knowledge().build()?;
    ///
    /// let error = courier::Client::builder()
    ///     .http1_only()
    ///     .http2_prior_knowledge()
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::InvalidRequest);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.reqwest.http2_prior_knowledge = true;
        self
    }

    /// How long an idle pooled connection is kept. Default: 90 s.
    ///
    /// ```
    /// let client = courier::Client::builder().pool_idle_timeout(std::time::Duration::from_secs(30)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.reqwest.pool_idle_timeout = Some(timeout);
        self
    }

    /// The most idle connections kept per host. Default: no limit.
    ///
    /// ```
    /// let client = courier::Client::builder().pool_max_idle_per_host(8).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.reqwest.pool_max_idle_per_host = max;
        self
    }

    /// Ignores proxies set in the environment (`HTTP_PROXY`, …). Default: they are used.
    ///
    /// ```
    /// let client = courier::Client::builder().no_proxy().build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn no_proxy(mut self) -> Self {
        self.reqwest.use_system_proxy = false;
        self
    }

    /// Trusts the certificates of a PEM bundle as roots, besides the platform's. Default:
    /// the platform's roots only.
    ///
    /// ```
    /// let error = courier::Client::builder().add_root_certificate_pem(b"not pem").build().unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::InvalidRequest);
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        match self.reqwest.tls.add_root_certificates_pem(pem) {
            Ok(()) => self,
            Err(error) => self.fail(error),
        }
    }

    /// Pins the hosts matching `host_pattern` to public keys: a TLS connection to such a host
    /// succeeds only when its certificate passes the usual verification **and** its public
    /// key is one of `pins` (each `sha256/BASE64`, see [`PublicKeyPin`]). Otherwise the call
    /// fails with [`ErrorKind::BadCertificate`]. Other hosts are unaffected.
    ///
    /// Give a backup pin (a key kept offline for the next certificate) besides the current
    /// one, or a key rotation locks every installed app out. `host_pattern` is a host name,
    /// `*.example.com` (one more label) or `**.example.com` (the domain and every
    /// subdomain). The pins check the server's own key, not its CA's (the intermediates a
    /// server sends prove nothing by themselves). Pins apply to the default transport, not to
    /// one set with [`transport`](Self::transport). An invalid pin is reported by
    /// [`build`](Self::build).
    ///
    /// ```
    /// let client = courier::Client::builder()
    ///     .pin_public_keys("api.example.com", [
    ///         "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=", // current key
    ///         "sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=", // backup key
    ///     ])
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn pin_public_keys<I>(mut self, host_pattern: &str, pins: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let parsed: Result<Vec<PublicKeyPin>> = pins
            .into_iter()
            .map(|pin| pin.as_ref().parse::<PublicKeyPin>())
            .collect();
        match parsed {
            Ok(pins) if pins.is_empty() => self.fail(
                Error::new(ErrorKind::InvalidRequest)
                    .with_message(format!("no public key pins given for {host_pattern}")),
            ),
            Ok(pins) => {
                self.reqwest.tls.pin_public_keys(host_pattern, pins);
                self
            }
            Err(error) => self.fail(error),
        }
    }

    // ----- Interceptors and transport -------------------------------------------------

    /// Adds an interceptor. Interceptors run in the order added: the first sees the request
    /// first and the response last.
    ///
    /// ```
    /// let client = courier::Client::builder().interceptor(courier::LogInterceptor::new()).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Replaces the transport (for example with a [`MockTransport`](crate::MockTransport) in
    /// tests). Default: a [`ReqwestTransport`] built from this builder's settings; with another
    /// transport, the connection settings (connect timeout, TLS, compression, HTTP versions,
    /// proxies, user agent) do not apply, and [`build`](Self::build) refuses public key pins
    /// rather than drop them.
    ///
    /// ```
    /// let client = courier::Client::builder().transport(courier::MockTransport::new()).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Builds the client, or reports the first invalid setting, then settings that
    /// contradict each other ([`http1_only`](Self::http1_only) with
    /// [`http2_prior_knowledge`](Self::http2_prior_knowledge); public key pins with another
    /// [`transport`](Self::transport), which would not check them), as
    /// [`ErrorKind::InvalidRequest`].
    ///
    /// ```
    /// let error = courier::Client::builder().base_url("ftp://files.example").build().unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::InvalidRequest);
    /// ```
    pub fn build(self) -> Result<Client> {
        if let Some(error) = self.error {
            return Err(error);
        }
        // reqwest would let the last call win; either choice ignores one the caller made.
        // Checked even with another transport, where neither applies: the setup is wrong.
        if self.reqwest.http1_only && self.reqwest.http2_prior_knowledge {
            return Err(Error::new(ErrorKind::InvalidRequest).with_message(
                "http1_only and http2_prior_knowledge contradict each other; choose one",
            ));
        }
        // A pin is a security setting: a transport that cannot apply it must not drop it
        // without a word.
        if self.transport.is_some() && !self.reqwest.tls.pins.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest).with_message(
                "public key pins apply to the default transport only; another transport would not check them",
            ));
        }
        let mut config = self.config;
        for name in config.default_headers.keys() {
            if crate::redact::is_credential_kept_on_redirect(name) {
                config.default_options.add_sensitive_header(name.clone());
            }
        }
        let transport: Arc<dyn DynTransport> = match self.transport {
            Some(transport) => transport,
            None => Arc::new(ReqwestTransport::from_settings(&self.reqwest)?),
        };
        Ok(Client::from_parts(
            config,
            self.interceptors,
            Dispatch::new(transport),
        ))
    }
}

fn invalid(error: http::Error, what: &str) -> Error {
    Error::with_source(ErrorKind::InvalidRequest, error).with_message(format!("invalid {what}"))
}
