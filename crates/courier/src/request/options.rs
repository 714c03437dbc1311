//! Per-request options: Dio's `Options`, for everything that is not the method, URL, headers
//! or body.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, StatusCode};

use crate::cancel::CancelToken;
use crate::progress::ProgressCallback;

/// Decides whether a status is a success. Default: 2xx.
///
/// ```
/// use courier::ValidateStatus;
/// let accept_304 = ValidateStatus::new(|status| status.is_success() || status == 304);
/// assert!(accept_304.is_valid(http::StatusCode::NOT_MODIFIED));
/// assert!(!ValidateStatus::default().is_valid(http::StatusCode::NOT_MODIFIED));
/// ```
#[derive(Clone)]
pub struct ValidateStatus(Option<Arc<dyn Fn(StatusCode) -> bool + Send + Sync>>);

impl ValidateStatus {
    /// Uses `predicate`.
    ///
    /// ```
    /// let any = courier::ValidateStatus::new(|_| true);
    /// assert!(any.is_valid(http::StatusCode::INTERNAL_SERVER_ERROR));
    /// ```
    pub fn new(predicate: impl Fn(StatusCode) -> bool + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(predicate)))
    }

    /// Whether `status` passes.
    ///
    /// ```
    /// assert!(courier::ValidateStatus::default().is_valid(http::StatusCode::CREATED));
    /// ```
    pub fn is_valid(&self, status: StatusCode) -> bool {
        match &self.0 {
            None => status.is_success(),
            Some(predicate) => predicate(status),
        }
    }
}

impl Default for ValidateStatus {
    /// 2xx is a success, everything else a [`BadResponse`](crate::ErrorKind::BadResponse).
    fn default() -> Self {
        Self(None)
    }
}

impl fmt::Debug for ValidateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ValidateStatus(custom)"
        } else {
            "ValidateStatus(2xx)"
        })
    }
}

/// Whether and how far redirects are followed.
///
/// ```
/// use courier::RedirectPolicy;
/// assert_eq!(RedirectPolicy::default(), RedirectPolicy::Limited(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectPolicy {
    /// Return 3xx responses as they are.
    None,
    /// Follow up to this many redirects; one more is an [`ErrorKind::Redirect`](crate::ErrorKind::Redirect).
    Limited(usize),
}

impl Default for RedirectPolicy {
    /// Up to 10 redirects, as reqwest and browsers do.
    fn default() -> Self {
        Self::Limited(10)
    }
}

/// Timeouts, cancellation, progress, status validation and redirects for one request.
///
/// Built by [`RequestBuilder`](crate::RequestBuilder) from the client's defaults and the
/// request's own settings, and readable (and changeable) by interceptors.
///
/// ```
/// use std::time::Duration;
/// let mut options = courier::RequestOptions::default();
/// options.set_timeout(Some(Duration::from_secs(30)));
/// assert_eq!(options.timeout(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    send_timeout: Option<Duration>,
    receive_timeout: Option<Duration>,
    timeout: Option<Duration>,
    cancel_token: Option<CancelToken>,
    on_send_progress: Option<ProgressCallback>,
    on_receive_progress: Option<ProgressCallback>,
    validate_status: ValidateStatus,
    redirect: RedirectPolicy,
    /// Headers removed before a redirect to another origin, besides the ones reqwest
    /// removes. Shared, as the options are copied for every request, and one word wide
    /// (a `Vec` behind the `Arc`), as they are part of every request.
    sensitive_headers: Option<Arc<Vec<HeaderName>>>,
    /// When the whole call must be over: set once by the client from `timeout`, so retries
    /// and the body share one deadline.
    deadline: Option<tokio::time::Instant>,
}

impl RequestOptions {
    /// The longest the body upload may stall (no chunk taken by the connection). `None`: no
    /// limit.
    ///
    /// ```
    /// assert_eq!(courier::RequestOptions::default().send_timeout(), None);
    /// ```
    pub fn send_timeout(&self) -> Option<Duration> {
        self.send_timeout
    }

    /// Sets [`send_timeout`](Self::send_timeout).
    ///
    /// ```
    /// courier::RequestOptions::default().set_send_timeout(Some(std::time::Duration::from_secs(1)));
    /// ```
    pub fn set_send_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.send_timeout = timeout;
        self
    }

    /// The longest the server may be silent: before the response head, and between two
    /// chunks of the body. `None`: no limit.
    ///
    /// ```
    /// assert_eq!(courier::RequestOptions::default().receive_timeout(), None);
    /// ```
    pub fn receive_timeout(&self) -> Option<Duration> {
        self.receive_timeout
    }

    /// Sets [`receive_timeout`](Self::receive_timeout).
    ///
    /// ```
    /// courier::RequestOptions::default().set_receive_timeout(None);
    /// ```
    pub fn set_receive_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.receive_timeout = timeout;
        self
    }

    /// The longest the whole call may take, interceptors (retries, refresh waits) and body
    /// included. `None`: no limit.
    ///
    /// ```
    /// assert_eq!(courier::RequestOptions::default().timeout(), None);
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sets [`timeout`](Self::timeout).
    ///
    /// ```
    /// courier::RequestOptions::default().set_timeout(Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// The token that cancels this request.
    ///
    /// ```
    /// assert!(courier::RequestOptions::default().cancel_token().is_none());
    /// ```
    pub fn cancel_token(&self) -> Option<&CancelToken> {
        self.cancel_token.as_ref()
    }

    /// Sets the [`cancel_token`](Self::cancel_token).
    ///
    /// ```
    /// courier::RequestOptions::default().set_cancel_token(Some(courier::CancelToken::new()));
    /// ```
    pub fn set_cancel_token(&mut self, token: Option<CancelToken>) -> &mut Self {
        self.cancel_token = token;
        self
    }

    /// Called as the body is sent.
    ///
    /// ```
    /// assert!(courier::RequestOptions::default().on_send_progress().is_none());
    /// ```
    pub fn on_send_progress(&self) -> Option<&ProgressCallback> {
        self.on_send_progress.as_ref()
    }

    /// Sets [`on_send_progress`](Self::on_send_progress).
    ///
    /// ```
    /// let callback = courier::ProgressCallback::new(|_| {});
    /// courier::RequestOptions::default().set_on_send_progress(Some(callback));
    /// ```
    pub fn set_on_send_progress(&mut self, callback: Option<ProgressCallback>) -> &mut Self {
        self.on_send_progress = callback;
        self
    }

    /// Called as the response body is received.
    ///
    /// ```
    /// assert!(courier::RequestOptions::default().on_receive_progress().is_none());
    /// ```
    pub fn on_receive_progress(&self) -> Option<&ProgressCallback> {
        self.on_receive_progress.as_ref()
    }

    /// Sets [`on_receive_progress`](Self::on_receive_progress).
    ///
    /// ```
    /// courier::RequestOptions::default().set_on_receive_progress(None);
    /// ```
    pub fn set_on_receive_progress(&mut self, callback: Option<ProgressCallback>) -> &mut Self {
        self.on_receive_progress = callback;
        self
    }

    /// Which statuses are successes.
    ///
    /// ```
    /// assert!(courier::RequestOptions::default().validate_status().is_valid(http::StatusCode::OK));
    /// ```
    pub fn validate_status(&self) -> &ValidateStatus {
        &self.validate_status
    }

    /// Sets [`validate_status`](Self::validate_status).
    ///
    /// ```
    /// courier::RequestOptions::default().set_validate_status(courier::ValidateStatus::new(|_| true));
    /// ```
    pub fn set_validate_status(&mut self, validate: ValidateStatus) -> &mut Self {
        self.validate_status = validate;
        self
    }

    /// Whether and how far redirects are followed.
    ///
    /// ```
    /// assert_eq!(courier::RequestOptions::default().redirect(), courier::RedirectPolicy::Limited(10));
    /// ```
    pub fn redirect(&self) -> RedirectPolicy {
        self.redirect
    }

    /// Sets [`redirect`](Self::redirect).
    ///
    /// ```
    /// courier::RequestOptions::default().set_redirect(courier::RedirectPolicy::None);
    /// ```
    pub fn set_redirect(&mut self, policy: RedirectPolicy) -> &mut Self {
        self.redirect = policy;
        self
    }

    /// Headers that are removed before a redirect is followed to another origin (another
    /// scheme, host or port), as `Authorization`, `Cookie` and `Proxy-Authorization` always
    /// are. Headers given to the builders under names that look like credentials
    /// (`X-Api-Key`, `X-Auth-Token`, … see [`is_secret_header`](crate::redact::is_secret_header))
    /// are added by themselves, and so is the [`AuthInterceptor`](crate::AuthInterceptor)'s
    /// header. Headers written straight into [`Request::headers_mut`](crate::Request::headers_mut)
    /// are not looked at (that would cost every request a scan of its headers): an
    /// interceptor that adds a credential there adds its name here too.
    ///
    /// ```
    /// let mut options = courier::RequestOptions::default();
    /// options.add_sensitive_header(http::HeaderName::from_static("x-tenant-key"));
    /// assert_eq!(options.sensitive_headers()[0], "x-tenant-key");
    /// ```
    pub fn sensitive_headers(&self) -> &[HeaderName] {
        self.sensitive_headers
            .as_deref()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Adds `name` to the [`sensitive_headers`](Self::sensitive_headers) (once).
    ///
    /// ```
    /// let mut options = courier::RequestOptions::default();
    /// options.add_sensitive_header(http::HeaderName::from_static("x-tenant-key"));
    /// options.add_sensitive_header(http::HeaderName::from_static("x-tenant-key"));
    /// assert_eq!(options.sensitive_headers().len(), 1);
    /// ```
    pub fn add_sensitive_header(&mut self, name: HeaderName) -> &mut Self {
        if !self.sensitive_headers().contains(&name) {
            let mut names = self.sensitive_headers().to_vec();
            names.push(name);
            self.sensitive_headers = Some(Arc::new(names));
        }
        self
    }

    pub(crate) fn deadline(&self) -> Option<tokio::time::Instant> {
        self.deadline
    }

    pub(crate) fn set_deadline(&mut self, deadline: tokio::time::Instant) {
        self.deadline = Some(deadline);
    }
}
