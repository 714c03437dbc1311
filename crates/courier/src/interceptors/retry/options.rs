//! [`RetryOptions`]: per-request retry settings, carried in the request's extensions.

/// Retry settings for one request, attached with
/// [`RequestBuilder::extension`](crate::RequestBuilder::extension). What is not set here comes
/// from the [`RetryInterceptor`](super::RetryInterceptor).
///
/// ```
/// use courier::interceptors::retry::RetryOptions;
/// # let client = courier::Client::new();
/// // Never retried.
/// let poll = client.get("https://api.example/poll").extension(RetryOptions::disabled());
/// // At most 2 attempts (1 retry).
/// let quick = client.get("https://api.example/search").extension(RetryOptions::new().max_attempts(2));
/// // A POST the caller knows is safe to repeat.
/// let upsert = client
///     .post("https://api.example/tags")
///     .extension(RetryOptions::new().idempotent(true));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryOptions {
    disabled: bool,
    max_attempts: Option<u32>,
    idempotent: bool,
}

impl RetryOptions {
    /// The interceptor's settings, unchanged.
    ///
    /// ```
    /// let options = courier::interceptors::retry::RetryOptions::new();
    /// assert!(!options.is_disabled());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry this request.
    ///
    /// ```
    /// assert!(courier::interceptors::retry::RetryOptions::disabled().is_disabled());
    /// ```
    pub fn disabled() -> Self {
        Self {
            disabled: true,
            ..Self::default()
        }
    }

    /// The most attempts for this request, the first included, in place of the interceptor's
    /// (it may be higher; the retry budget still applies). `1` sends once and never retries.
    ///
    /// ```
    /// let options = courier::interceptors::retry::RetryOptions::new().max_attempts(6);
    /// assert_eq!(options.max_attempts_override(), Some(6));
    /// ```
    #[must_use]
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = Some(max_attempts);
        self
    }

    /// Whether the caller vouches that this request may be sent more than once with the same
    /// effect, so that a POST, a PATCH (or any other method) is retried like a GET. Without
    /// it, a POST or PATCH is retried only when it carries an `Idempotency-Key` header.
    ///
    /// ```
    /// let options = courier::interceptors::retry::RetryOptions::new().idempotent(true);
    /// assert!(options.is_idempotent());
    /// ```
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Whether retries are turned off for the request.
    ///
    /// ```
    /// assert!(!courier::interceptors::retry::RetryOptions::new().is_disabled());
    /// ```
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }

    /// The request's own maximum of attempts, if it sets one.
    ///
    /// ```
    /// assert_eq!(courier::interceptors::retry::RetryOptions::new().max_attempts_override(), None);
    /// ```
    pub fn max_attempts_override(&self) -> Option<u32> {
        self.max_attempts
    }

    /// Whether the caller marked the request as safe to repeat.
    ///
    /// ```
    /// assert!(!courier::interceptors::retry::RetryOptions::new().is_idempotent());
    /// ```
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}
