//! `RequestBuilder`: Dio's per-request `Options`, as a chain of setters ending in `send()`.

use std::time::Duration;

use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use serde::Serialize;

use super::{RedirectPolicy, Request, ValidateStatus};
use crate::body::Body;
use crate::cancel::CancelToken;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::multipart::Form;
use crate::progress::{Progress, ProgressCallback};
use crate::response::Response;

/// Builds and sends one request; made by [`Client::get`] and friends.
///
/// A bad header, query or body does not break the chain: the first error is kept and
/// returned by [`send`](RequestBuilder::send) (or [`build`](RequestBuilder::build)).
///
/// ```no_run
/// use std::time::Duration;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let client = courier::Client::builder().base_url("https://api.example/v1/").build()?;
/// let response = client
///     .get("users")
///     .query(&[("page", "2")])
///     .header("accept", "application/json")
///     .receive_timeout(Duration::from_secs(5))
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct RequestBuilder {
    client: Client,
    request: Result<Request>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, request: Result<Request>) -> Self {
        Self { client, request }
    }

    fn update(mut self, change: impl FnOnce(&mut Request) -> Result<()>) -> Self {
        if let Ok(request) = &mut self.request
            && let Err(error) = change(request)
        {
            self.request = Err(error);
        }
        self
    }

    /// Adds a header. It replaces a client default of the same name, and joins a header of
    /// the same name set earlier on this request.
    ///
    /// ```
    /// let client = courier::Client::builder().default_header("accept", "text/html").build()?;
    /// let request = client.get("https://a.example/").header("accept", "application/json").build()?;
    /// assert_eq!(request.headers().get_all("accept").iter().count(), 1);
    /// assert_eq!(request.headers()["accept"], "application/json");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn header<K, V>(self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.update(|request| {
            let name = name.try_into().map_err(invalid_header)?;
            let value = value.try_into().map_err(invalid_header)?;
            mark_if_credential(request, &name);
            request.headers_mut().append(name, value);
            Ok(())
        })
    }

    /// Adds several headers.
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("x-a", http::HeaderValue::from_static("1"));
    /// let request = courier::Client::new().get("https://a.example/").headers(headers).build()?;
    /// assert_eq!(request.headers().len(), 1);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn headers(self, headers: HeaderMap) -> Self {
        self.update(|request| {
            let mut last_name = None;
            for (name, value) in headers {
                let name = match name {
                    Some(name) => {
                        last_name = Some(name.clone());
                        name
                    }
                    None => match &last_name {
                        Some(name) => name.clone(),
                        None => continue,
                    },
                };
                mark_if_credential(request, &name);
                request.headers_mut().append(name, value);
            }
            Ok(())
        })
    }

    /// Sends `Authorization: Bearer <token>`, marked sensitive.
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").bearer_auth("t0k").build()?;
    /// assert!(request.headers()["authorization"].is_sensitive());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Self {
        self.update(|request| {
            let mut value =
                HeaderValue::try_from(format!("Bearer {token}")).map_err(invalid_header)?;
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
            Ok(())
        })
    }

    /// Adds query parameters, serialised with serde (`&[("k", "v")]`, a map or a struct).
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/s?x=1").query(&[("q", "a b")]).build()?;
    /// assert_eq!(request.url().query(), Some("x=1&q=a+b"));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.update(|request| {
            let encoded = serde_urlencoded::to_string(query)
                .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?;
            append_query(request.url_mut(), &encoded);
            Ok(())
        })
    }

    /// Sends `value` as JSON (and `Content-Type: application/json` unless set).
    ///
    /// ```
    /// let request = courier::Client::new().post("https://a.example/").json(&serde_json::json!({"a": 1})).build()?;
    /// assert_eq!(request.body().as_bytes().unwrap(), r#"{"a":1}"#);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.update(|request| {
            let bytes = serde_json::to_vec(value)
                .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?;
            set_default_content_type(request, "application/json");
            *request.body_mut() = Body::from(bytes);
            Ok(())
        })
    }

    /// Sends `value` as `application/x-www-form-urlencoded`.
    ///
    /// ```
    /// let request = courier::Client::new().post("https://a.example/").form(&[("a", "1"), ("b", "x y")]).build()?;
    /// assert_eq!(request.body().as_bytes().unwrap(), "a=1&b=x+y");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn form<T: Serialize + ?Sized>(self, value: &T) -> Self {
        self.update(|request| {
            let encoded = serde_urlencoded::to_string(value)
                .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?;
            set_default_content_type(request, "application/x-www-form-urlencoded");
            *request.body_mut() = Body::from(encoded);
            Ok(())
        })
    }

    /// Sends `body` as it is: bytes, text, or a stream ([`Body::wrap_stream`]).
    ///
    /// ```
    /// let request = courier::Client::new().put("https://a.example/").body("raw").build()?;
    /// assert_eq!(request.body().content_length(), Some(3));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn body(self, body: impl Into<Body>) -> Self {
        self.update(|request| {
            *request.body_mut() = body.into();
            Ok(())
        })
    }

    /// Sends a `multipart/form-data` form. The form stays re-sendable (files are reopened),
    /// so retries work.
    ///
    /// ```
    /// let form = courier::multipart::Form::new().text("name", "Ada");
    /// let request = courier::Client::new().post("https://a.example/").multipart(form).build()?;
    /// assert!(request.headers()["content-type"].to_str().unwrap().starts_with("multipart/form-data; boundary="));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn multipart(self, form: Form) -> Self {
        self.update(|request| {
            let content_type =
                HeaderValue::try_from(form.content_type()).map_err(invalid_header)?;
            request.headers_mut().insert(CONTENT_TYPE, content_type);
            *request.body_mut() = form.into_body();
            Ok(())
        })
    }

    /// The longest the whole call may take, retries and body included. Default: the client's
    /// `timeout` (none unless set).
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").timeout(std::time::Duration::from_secs(3)).build()?;
    /// assert_eq!(request.options().timeout(), Some(std::time::Duration::from_secs(3)));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn timeout(self, timeout: Duration) -> Self {
        self.update(|request| {
            request.options_mut().set_timeout(Some(timeout));
            Ok(())
        })
    }

    /// The longest the upload may stall. Default: the client's `send_timeout`.
    ///
    /// ```
    /// let request = courier::Client::new().post("https://a.example/").send_timeout(std::time::Duration::from_secs(3)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn send_timeout(self, timeout: Duration) -> Self {
        self.update(|request| {
            request.options_mut().set_send_timeout(Some(timeout));
            Ok(())
        })
    }

    /// The longest the server may be silent (first byte, and between chunks). Default: the
    /// client's `receive_timeout`.
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").receive_timeout(std::time::Duration::from_secs(3)).build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn receive_timeout(self, timeout: Duration) -> Self {
        self.update(|request| {
            request.options_mut().set_receive_timeout(Some(timeout));
            Ok(())
        })
    }

    /// Attaches typed data for interceptors (Dio's `extra`).
    ///
    /// ```
    /// #[derive(Clone)]
    /// struct SkipAuth;
    /// let request = courier::Client::new().get("https://a.example/").extension(SkipAuth).build()?;
    /// assert!(request.extensions().get::<SkipAuth>().is_some());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn extension<T: Clone + Send + Sync + 'static>(self, value: T) -> Self {
        self.update(|request| {
            request.extensions_mut().insert(value);
            Ok(())
        })
    }

    /// Cancels the request when `token` is cancelled.
    ///
    /// ```
    /// let token = courier::CancelToken::new();
    /// let request = courier::Client::new().get("https://a.example/").cancel_token(&token).build()?;
    /// assert!(request.options().cancel_token().is_some());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn cancel_token(self, token: &CancelToken) -> Self {
        let token = token.clone();
        self.update(|request| {
            request.options_mut().set_cancel_token(Some(token));
            Ok(())
        })
    }

    /// Called as the body is sent, with the bytes sent so far and the total when known.
    ///
    /// ```
    /// let request = courier::Client::new()
    ///     .post("https://a.example/")
    ///     .body(vec![0u8; 1024])
    ///     .on_send_progress(|p| println!("{}/{:?}", p.transferred, p.total))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn on_send_progress(self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.update(|request| {
            request
                .options_mut()
                .set_on_send_progress(Some(ProgressCallback::new(callback)));
            Ok(())
        })
    }

    /// Called as the response body is received.
    ///
    /// ```
    /// let request = courier::Client::new()
    ///     .get("https://a.example/big")
    ///     .on_receive_progress(|p| println!("{:?}", p.fraction()))
    ///     .build()?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn on_receive_progress(self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.update(|request| {
            request
                .options_mut()
                .set_on_receive_progress(Some(ProgressCallback::new(callback)));
            Ok(())
        })
    }

    /// Which statuses are successes for this request. Default: the client's (2xx).
    ///
    /// ```
    /// let request = courier::Client::new()
    ///     .get("https://a.example/")
    ///     .validate_status(|status| status.as_u16() < 500)
    ///     .build()?;
    /// assert!(request.options().validate_status().is_valid(http::StatusCode::NOT_FOUND));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn validate_status(
        self,
        predicate: impl Fn(http::StatusCode) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.update(|request| {
            request
                .options_mut()
                .set_validate_status(ValidateStatus::new(predicate));
            Ok(())
        })
    }

    /// Whether to follow redirects for this request. Default: the client's (on, up to 10).
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").follow_redirects(false).build()?;
    /// assert_eq!(request.options().redirect(), courier::RedirectPolicy::None);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn follow_redirects(self, follow: bool) -> Self {
        let max = self.client.config().max_redirects;
        self.update(|request| {
            request.options_mut().set_redirect(if follow {
                RedirectPolicy::Limited(max)
            } else {
                RedirectPolicy::None
            });
            Ok(())
        })
    }

    /// Follows at most `max` redirects for this request.
    ///
    /// ```
    /// let request = courier::Client::new().get("https://a.example/").max_redirects(2).build()?;
    /// assert_eq!(request.options().redirect(), courier::RedirectPolicy::Limited(2));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn max_redirects(self, max: usize) -> Self {
        self.update(|request| {
            request
                .options_mut()
                .set_redirect(RedirectPolicy::Limited(max));
            Ok(())
        })
    }

    /// The request, without sending it (or the first error met while building it).
    ///
    /// ```
    /// let error = courier::Client::new().get("https://a.example/").header("bad header", "x").build().unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::InvalidRequest);
    /// ```
    pub fn build(self) -> Result<Request> {
        let mut request = self.request?;
        self.client.apply_default_headers(&mut request);
        Ok(request)
    }

    /// The client and the request (with the client's default headers), for callers that send
    /// it more than once or later (pagination).
    pub(crate) fn into_client_and_request(self) -> (Client, Result<Request>) {
        let RequestBuilder { client, request } = self;
        let request = request.map(|mut request| {
            client.apply_default_headers(&mut request);
            request
        });
        (client, request)
    }

    /// Sends the request through the client's interceptors and transport.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let text = courier::Client::new().get("https://example.com/").send().await?.text().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<Response> {
        // Taken apart first, so this future holds the client and not the whole builder
        // beside the call's future.
        let RequestBuilder { client, request } = self;
        let mut request = request?;
        client.apply_default_headers(&mut request);
        client.execute(request).await
    }
}

/// Marks a header that looks like a credential (`X-Api-Key`, …) as
/// [sensitive](crate::RequestOptions::sensitive_headers), so a redirect to another origin drops it.
fn mark_if_credential(request: &mut Request, name: &HeaderName) {
    if crate::redact::is_credential_kept_on_redirect(name) {
        request.options_mut().add_sensitive_header(name.clone());
    }
}

fn invalid_header(error: impl Into<http::Error>) -> Error {
    Error::with_source(ErrorKind::InvalidRequest, error.into())
}

fn set_default_content_type(request: &mut Request, content_type: &'static str) {
    request
        .headers_mut()
        .entry(CONTENT_TYPE)
        .or_insert(HeaderValue::from_static(content_type));
}

/// Appends an encoded query string to the URL's query.
pub(crate) fn append_query(url: &mut url::Url, encoded: &str) {
    if encoded.is_empty() {
        return;
    }
    let query = match url.query() {
        Some(existing) if !existing.is_empty() => format!("{existing}&{encoded}"),
        _ => encoded.to_owned(),
    };
    url.set_query(Some(&query));
}
