//! A response: status, headers, final URL, HTTP version, the redirects that led to it,
//! typed extensions (where the cache records a hit or a miss), and a body that is read once.

mod body;
mod watch;

pub(crate) use watch::BodyWatch;

pub use body::{ResponseBody, ResponseStream};

use std::fmt;
use std::sync::LazyLock;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{Extensions, HeaderMap, StatusCode, Version};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

static UNKNOWN_URL: LazyLock<Url> = LazyLock::new(|| {
    // A constant that always parses; `about:blank` marks a response not tied to a request yet.
    Url::parse("about:blank").unwrap_or_else(|_| unreachable!("about:blank is a valid URL"))
});

/// A response.
///
/// The body is read once, by [`bytes`](Response::bytes), [`text`](Response::text),
/// [`json`](Response::json), [`chunk`](Response::chunk) or
/// [`bytes_stream`](Response::bytes_stream). While it is read, the request's receive timeout,
/// total timeout, cancel token and progress callback still apply.
///
/// ```
/// use courier::Response;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let response = Response::new(http::StatusCode::OK, r#"{"id":7}"#);
/// #[derive(serde::Deserialize)]
/// struct User { id: u32 }
/// let user: User = response.json().await?;
/// assert_eq!(user.id, 7);
/// # Ok(())
/// # }
/// ```
pub struct Response {
    // Boxed: a response is moved up through every layer (transport, dispatch, each
    // interceptor's future, the client, the caller), as `Result<Response>`; a pointer moves
    // where ~260 bytes were copied at each level.
    inner: Box<Parts>,
}

#[derive(Debug)]
struct Parts {
    status: StatusCode,
    version: Version,
    headers: HeaderMap,
    url: Option<Url>,
    redirects: Vec<Url>,
    extensions: Extensions,
    body: ResponseBody,
}

impl Response {
    /// A response with `status` and `body`, no headers, HTTP/1.1. Interceptors use it to
    /// answer without the network (Dio's `handler.resolve`); the client records the request's
    /// URL on it.
    ///
    /// ```
    /// let response = courier::Response::new(http::StatusCode::ACCEPTED, "queued");
    /// assert_eq!(response.status(), 202);
    /// ```
    pub fn new(status: StatusCode, body: impl Into<ResponseBody>) -> Self {
        Self {
            inner: Box::new(Parts {
                status,
                version: Version::HTTP_11,
                headers: HeaderMap::new(),
                url: None,
                redirects: Vec::new(),
                extensions: Extensions::new(),
                body: body.into(),
            }),
        }
    }

    /// Builds a response from an `http::Response` and the URL it answers.
    ///
    /// ```
    /// let http = http::Response::builder().status(201).header("location", "/u/1").body("")?;
    /// let response = courier::Response::from_http(http, url::Url::parse("https://a.example/u")?);
    /// assert_eq!(response.headers()["location"], "/u/1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_http<B: Into<ResponseBody>>(response: http::Response<B>, url: Url) -> Self {
        let (parts, body) = response.into_parts();
        Self {
            inner: Box::new(Parts {
                status: parts.status,
                version: parts.version,
                headers: parts.headers,
                url: Some(url),
                redirects: Vec::new(),
                extensions: parts.extensions,
                body: body.into(),
            }),
        }
    }

    /// Converts into an `http::Response` (the URL and redirects are dropped).
    ///
    /// ```
    /// let http = courier::Response::new(http::StatusCode::OK, "x").into_http();
    /// assert_eq!(http.status(), 200);
    /// ```
    pub fn into_http(self) -> http::Response<ResponseBody> {
        let parts = *self.inner;
        let mut response = http::Response::new(parts.body);
        *response.status_mut() = parts.status;
        *response.version_mut() = parts.version;
        *response.headers_mut() = parts.headers;
        *response.extensions_mut() = parts.extensions;
        response
    }

    /// The status.
    ///
    /// ```
    /// assert_eq!(courier::Response::new(http::StatusCode::OK, "").status(), 200);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The status, to change it.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// *response.status_mut() = http::StatusCode::CREATED;
    /// ```
    pub fn status_mut(&mut self) -> &mut StatusCode {
        &mut self.inner.status
    }

    /// The HTTP version the server answered with.
    ///
    /// ```
    /// assert_eq!(courier::Response::new(http::StatusCode::OK, "").version(), http::Version::HTTP_11);
    /// ```
    pub fn version(&self) -> Version {
        self.inner.version
    }

    /// Sets the HTTP version (for transports).
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.set_version(http::Version::HTTP_2);
    /// ```
    pub fn set_version(&mut self, version: Version) {
        self.inner.version = version;
    }

    /// The headers.
    ///
    /// ```
    /// assert!(courier::Response::new(http::StatusCode::OK, "").headers().is_empty());
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The headers, to change them.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.headers_mut().insert("age", http::HeaderValue::from_static("3"));
    /// ```
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.inner.headers
    }

    /// The final URL, after redirects (`about:blank` for a response made up by an
    /// interceptor before the client recorded the request's URL on it).
    ///
    /// ```
    /// assert_eq!(courier::Response::new(http::StatusCode::OK, "").url().as_str(), "about:blank");
    /// ```
    pub fn url(&self) -> &Url {
        self.url_if_known().unwrap_or(&UNKNOWN_URL)
    }

    pub(crate) fn url_if_known(&self) -> Option<&Url> {
        self.inner
            .url
            .as_ref()
            .or_else(|| self.inner.body.reqwest_url())
    }

    /// Copies the final URL out of reqwest's response, which the body still is, before the
    /// body may leave (or change inside) the response.
    fn settle_url(&mut self) {
        if self.inner.url.is_none()
            && let Some(url) = self.inner.body.reqwest_url()
        {
            self.inner.url = Some(url.clone());
        }
    }

    /// Sets the final URL.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.set_url(url::Url::parse("https://a.example/")?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_url(&mut self, url: Url) {
        self.inner.url = Some(url);
    }

    /// Records `url` unless the response already has one.
    pub(crate) fn or_url(&mut self, url: &Url) {
        if self.url_if_known().is_none() {
            self.inner.url = Some(url.clone());
        }
    }

    /// The URLs that redirected to this response, oldest first (empty when there was no
    /// redirect). The final URL is [`url`](Response::url).
    ///
    /// ```
    /// assert!(courier::Response::new(http::StatusCode::OK, "").redirects().is_empty());
    /// ```
    pub fn redirects(&self) -> &[Url] {
        &self.inner.redirects
    }

    /// Sets the redirect chain (for transports).
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.set_redirects(vec![url::Url::parse("http://a.example/old")?]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_redirects(&mut self, redirects: Vec<Url>) {
        self.inner.redirects = redirects;
    }

    /// Typed data attached by interceptors (the cache puts its status here).
    ///
    /// ```
    /// assert!(courier::Response::new(http::StatusCode::OK, "").extensions().is_empty());
    /// ```
    pub fn extensions(&self) -> &Extensions {
        &self.inner.extensions
    }

    /// Typed data, to change it.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.extensions_mut().insert("from-mock");
    /// ```
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.inner.extensions
    }

    /// Marks this response so that the [`on_response`](crate::on_response) hooks outside the
    /// interceptor that made it let it pass without running: Dio's `handler.resolve(response)`
    /// with its default `callFollowingResponseInterceptor: false`. Unmarked, a response made
    /// up by an interceptor is seen by every hook outside it (Dio's `true`). Interceptors of
    /// your own can honour the mark with [`skips_outer_hooks`](Response::skips_outer_hooks).
    ///
    /// ```
    /// use courier::{RequestFlow, Response, on_request};
    ///
    /// // Answers `/ping` locally; no response hook further out sees the answer.
    /// let ping = on_request(|request: courier::Request| async move {
    ///     if request.url().path() == "/ping" {
    ///         let pong = Response::new(http::StatusCode::OK, "pong").skip_outer_hooks();
    ///         return Ok(RequestFlow::Resolve(pong));
    ///     }
    ///     Ok(RequestFlow::Next(request))
    /// });
    /// # let _ = ping;
    /// ```
    #[must_use]
    pub fn skip_outer_hooks(mut self) -> Self {
        self.inner.extensions.insert(SkipOuterHooks);
        self
    }

    /// Whether [`skip_outer_hooks`](Response::skip_outer_hooks) marked this response.
    ///
    /// ```
    /// let response = courier::Response::new(http::StatusCode::OK, "");
    /// assert!(!response.skips_outer_hooks());
    /// assert!(response.skip_outer_hooks().skips_outer_hooks());
    /// ```
    pub fn skips_outer_hooks(&self) -> bool {
        self.inner.extensions.get::<SkipOuterHooks>().is_some()
    }

    /// The `Content-Length` header, when present and valid.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "");
    /// response.headers_mut().insert("content-length", http::HeaderValue::from_static("12"));
    /// assert_eq!(response.content_length(), Some(12));
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        crate::content_length::content_length(&self.inner.headers)
    }

    /// The body, when it is already in memory (for example, the body of a bad response kept
    /// in an [`Error`]).
    ///
    /// ```
    /// let response = courier::Response::new(http::StatusCode::OK, "abc");
    /// assert_eq!(response.buffered_body().map(|b| &b[..]), Some(&b"abc"[..]));
    /// ```
    pub fn buffered_body(&self) -> Option<&Bytes> {
        self.inner.body.as_bytes()
    }

    /// The body, to wrap or replace it (interceptors that tee a body into a cache do this).
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "abc");
    /// *response.body_mut() = courier::ResponseBody::from("xyz");
    /// ```
    pub fn body_mut(&mut self) -> &mut ResponseBody {
        self.settle_url();
        &mut self.inner.body
    }

    /// Takes the body out, leaving an empty one.
    ///
    /// ```
    /// let mut response = courier::Response::new(http::StatusCode::OK, "abc");
    /// let body = response.take_body();
    /// assert_eq!(body.as_bytes().map(|b| b.len()), Some(3));
    /// ```
    pub fn take_body(&mut self) -> ResponseBody {
        self.settle_url();
        std::mem::take(&mut self.inner.body)
    }

    /// Reads the whole body into memory, keeping the response (its body is then buffered).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let mut response = courier::Response::new(http::StatusCode::OK, "abc");
    /// response.buffer().await?;
    /// assert!(response.buffered_body().is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn buffer(&mut self) -> Result<()> {
        if self.inner.body.as_bytes().is_none() {
            let bytes = self.take_body().collect().await?;
            self.inner.body = ResponseBody::from(bytes);
        }
        Ok(())
    }

    /// The whole body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let bytes = courier::Response::new(http::StatusCode::OK, "abc").bytes().await?;
    /// assert_eq!(bytes, "abc");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bytes(self) -> Result<Bytes> {
        let Parts { url, body, .. } = *self.inner;
        body.collect_for(url.as_ref()).await
    }

    /// The whole body as text: UTF-8, with invalid sequences replaced (as browsers do).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// assert_eq!(courier::Response::new(http::StatusCode::OK, "héllo").text().await?, "héllo");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn text(self) -> Result<String> {
        let bytes = self.bytes().await?;
        Ok(match String::from_utf8(bytes.to_vec()) {
            Ok(text) => text,
            Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
        })
    }

    /// The whole body, decoded from JSON. Invalid JSON is an [`ErrorKind::Decode`] error that
    /// names the line and column.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let error = courier::Response::new(http::StatusCode::OK, "{oops")
    ///     .json::<serde_json::Value>()
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(error.kind(), courier::ErrorKind::Decode);
    /// # }
    /// ```
    pub async fn json<T: DeserializeOwned>(self) -> Result<T> {
        let url = self.url_if_known().cloned();
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|error| {
            let error = Error::with_source(ErrorKind::Decode, error);
            match &url {
                Some(url) => error.with_url(url),
                None => error,
            }
        })
    }

    /// The next chunk of the body, or `None` at its end.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let mut response = courier::Response::new(http::StatusCode::OK, "abc");
    /// assert_eq!(response.chunk().await?.unwrap(), "abc");
    /// assert!(response.chunk().await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        self.settle_url();
        self.inner.body.next().await.transpose()
    }

    /// The body as a stream of chunks.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let mut stream = courier::Response::new(http::StatusCode::OK, "abc").bytes_stream();
    /// assert_eq!(stream.next().await.transpose()?.unwrap(), "abc");
    /// # Ok(())
    /// # }
    /// ```
    pub fn bytes_stream(self) -> ResponseBody {
        self.inner.body
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = &*self.inner;
        f.debug_struct("Response")
            .field("status", &parts.status)
            .field("version", &parts.version)
            .field("headers", &parts.headers)
            .field("url", &parts.url)
            .field("redirects", &parts.redirects)
            .field("extensions", &parts.extensions)
            .field("body", &parts.body)
            .finish()
    }
}

/// A response body is a stream of chunks.
impl futures_core::Stream for ResponseBody {
    type Item = Result<Bytes>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

/// The mark that [`Response::skip_outer_hooks`] puts in a response's extensions.
#[derive(Clone, Copy, Debug)]
struct SkipOuterHooks;
