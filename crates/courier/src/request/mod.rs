//! A request: an HTTP method, URL, headers and body, plus typed per-request data
//! (`http::Extensions`, Dio's `extra`) and [`RequestOptions`].

mod builder;
mod options;

pub use builder::RequestBuilder;
pub(crate) use builder::append_query;
pub use options::{RedirectPolicy, RequestOptions, ValidateStatus};

use std::fmt;

use http::{Extensions, HeaderMap, Method};
use url::Url;

use crate::body::Body;

/// A request, as interceptors and transports see it.
///
/// Everything is mutable: an interceptor may change the URL, add headers, replace the body,
/// read or attach typed data in [`extensions`](Request::extensions), or tighten a timeout in
/// [`options`](Request::options).
///
/// ```
/// use courier::Request;
/// let mut request = Request::new(http::Method::GET, url::Url::parse("https://api.example/users")?);
/// request.headers_mut().insert("x-trace", http::HeaderValue::from_static("1"));
/// request.extensions_mut().insert(42u32);
/// let copy = request.try_clone().expect("an empty body can be sent again");
/// assert_eq!(copy.extensions().get::<u32>(), Some(&42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Request {
    // Boxed: a request is moved through every layer (builder, client, each interceptor and
    // its boxed future, dispatch, transport); a pointer moves where ~400 bytes were copied.
    inner: Box<Parts>,
}

struct Parts {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Body,
    extensions: Extensions,
    options: RequestOptions,
}

impl Request {
    /// A request with no headers, an empty body and default options.
    ///
    /// ```
    /// let request = courier::Request::new(http::Method::HEAD, url::Url::parse("https://a.example/")?);
    /// assert_eq!(request.method(), http::Method::HEAD);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(method: Method, url: Url) -> Self {
        Self {
            inner: Box::new(Parts {
                method,
                url,
                headers: HeaderMap::new(),
                body: Body::empty(),
                extensions: Extensions::new(),
                options: RequestOptions::default(),
            }),
        }
    }

    /// The method.
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert_eq!(request.method(), http::Method::GET);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The method, to change it.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// *request.method_mut() = http::Method::POST;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn method_mut(&mut self) -> &mut Method {
        &mut self.inner.method
    }

    /// The full URL (the base URL already joined).
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/x")?);
    /// assert_eq!(request.url().path(), "/x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> &Url {
        &self.inner.url
    }

    /// The URL, to change it.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/x")?);
    /// request.url_mut().set_path("/y");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url_mut(&mut self) -> &mut Url {
        &mut self.inner.url
    }

    /// The headers.
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert!(request.headers().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The headers, to change them.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// request.headers_mut().insert(http::header::ACCEPT, "application/json".parse()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.inner.headers
    }

    /// The body.
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert!(request.body().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body(&self) -> &Body {
        &self.inner.body
    }

    /// The body, to replace it.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::POST, url::Url::parse("https://a.example/")?);
    /// *request.body_mut() = courier::Body::from("hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.inner.body
    }

    /// Typed per-request data (Dio's `extra`): set it with
    /// [`RequestBuilder::extension`], read it in an interceptor.
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert!(request.extensions().get::<u8>().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extensions(&self) -> &Extensions {
        &self.inner.extensions
    }

    /// Typed per-request data, to change it.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// request.extensions_mut().insert("tag");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.inner.extensions
    }

    /// Timeouts, cancellation, progress callbacks, status validation and redirects for this
    /// request (the client's defaults, already applied).
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert!(request.options().cancel_token().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> &RequestOptions {
        &self.inner.options
    }

    /// The options, to change them.
    ///
    /// ```
    /// # let mut request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// request.options_mut().set_receive_timeout(Some(std::time::Duration::from_secs(5)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options_mut(&mut self) -> &mut RequestOptions {
        &mut self.inner.options
    }

    /// A copy for sending again, or `None` when the body is a one-shot stream.
    ///
    /// ```
    /// # let request = courier::Request::new(http::Method::GET, url::Url::parse("https://a.example/")?);
    /// assert!(request.try_clone().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_clone(&self) -> Option<Request> {
        let parts = &*self.inner;
        Some(Request {
            inner: Box::new(Parts {
                method: parts.method.clone(),
                url: parts.url.clone(),
                headers: parts.headers.clone(),
                body: parts.body.try_clone()?,
                extensions: parts.extensions.clone(),
                options: parts.options.clone(),
            }),
        })
    }

    /// Splits the request into its parts (for transports).
    pub(crate) fn into_parts(self) -> (Method, Url, HeaderMap, Body, Extensions, RequestOptions) {
        let Parts {
            method,
            url,
            headers,
            body,
            extensions,
            options,
        } = *self.inner;
        (method, url, headers, body, extensions, options)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = &*self.inner;
        f.debug_struct("Request")
            .field("method", &parts.method)
            .field("url", &parts.url)
            .field("headers", &parts.headers)
            .field("body", &parts.body)
            .field("extensions", &parts.extensions)
            .field("options", &parts.options)
            .finish()
    }
}
