//! Matchers: the conditions a request must meet for a [`Mock`](super::Mock) to answer it.
//!
//! Each condition is a free function that returns a small matcher struct, so a mock reads
//! as a sentence: `Mock::given(method("POST")).and(path("/notes")).and(body_json(&note))`.
//! Anything else is a closure: every `Fn(&RecordedRequest) -> bool` is a [`Match`].
//!
//! ```
//! use courier::mock::matchers::{header, method, path, query_param};
//! use courier::mock::RecordedRequest;
//! use courier::{Client, Mock, MockTransport, ResponseTemplate};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockTransport::new();
//! Mock::given(method("GET"))
//!     .and(path("/search"))
//!     .and(query_param("q", "rust"))
//!     .and(header("accept", "application/json"))
//!     .and(|request: &RecordedRequest| request.url().query_pairs().count() == 1)
//!     .respond_with(ResponseTemplate::new(200).body("[]"))
//!     .mount(&mock);
//!
//! let client = Client::builder().base_url("https://api.example").transport(mock).build()?;
//! let response = client
//!     .get("/search")
//!     .query(&[("q", "rust")])
//!     .header("accept", "application/json")
//!     .send()
//!     .await?;
//! assert_eq!(response.text().await?, "[]");
//! # Ok(())
//! # }
//! ```
//!
//! There is no `path_regex`: it would add a regular-expression engine to courier's
//! dependencies for one matcher. A closure does the same job with the engine your tests
//! already use.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;

use super::recorded::RecordedRequest;

/// A condition on a request.
///
/// Implement it for a reusable matcher, or pass a closure: `Fn(&RecordedRequest) -> bool`
/// implements it.
///
/// ```
/// use courier::mock::{Match, RecordedRequest};
///
/// /// Matches requests that carry a body of at least `0` bytes.
/// struct BodyAtLeast(usize);
///
/// impl Match for BodyAtLeast {
///     fn matches(&self, request: &RecordedRequest) -> bool {
///         request.body().len() >= self.0
///     }
///     fn describe(&self) -> String {
///         format!("a body of at least {} bytes", self.0)
///     }
/// }
///
/// let mock = courier::Mock::given(BodyAtLeast(1024))
///     .respond_with(courier::ResponseTemplate::new(413));
/// # drop(mock);
/// ```
pub trait Match: Send + Sync + 'static {
    /// Whether `request` meets the condition.
    ///
    /// Matchers run while the mock's state is locked: they must not call back into the
    /// [`MockTransport`](super::MockTransport).
    ///
    /// ```
    /// use courier::mock::RecordedRequest;
    /// use courier::{Client, Mock, MockTransport, ResponseTemplate};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = MockTransport::new();
    /// Mock::given(|request: &RecordedRequest| request.headers().contains_key("x-debug"))
    ///     .respond_with(ResponseTemplate::new(200))
    ///     .mount(&mock);
    /// let client = Client::builder().transport(mock).build()?;
    /// let debug = client.get("https://api.example/").header("x-debug", "1").send().await?;
    /// assert_eq!(debug.status(), 200);
    /// assert!(client.get("https://api.example/").send().await.is_err()); // the 404
    /// # Ok(())
    /// # }
    /// ```
    fn matches(&self, request: &RecordedRequest) -> bool;

    /// A short description, shown when no mock matched a request and when an expectation
    /// fails. The default says "a custom matcher".
    ///
    /// ```
    /// use courier::mock::Match;
    /// assert_eq!(courier::mock::matchers::path("/x").describe(), "path /x");
    /// ```
    fn describe(&self) -> String {
        String::from("a custom matcher")
    }
}

impl<F> Match for F
where
    F: Fn(&RecordedRequest) -> bool + Send + Sync + 'static,
{
    fn matches(&self, request: &RecordedRequest) -> bool {
        self(request)
    }
}

/// Matches requests with a method; see [`method`].
#[derive(Debug, Clone)]
pub struct MethodMatcher(String);

/// Matches requests whose method is `method` (`"GET"`, `http::Method::POST`), compared
/// without regard to ASCII case.
///
/// ```
/// use courier::mock::matchers::method;
/// let get = method("GET");
/// let post = method(http::Method::POST);
/// # let _ = (get, post);
/// ```
pub fn method(method: impl AsRef<str>) -> MethodMatcher {
    MethodMatcher(method.as_ref().to_owned())
}

impl Match for MethodMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request.method().as_str().eq_ignore_ascii_case(&self.0)
    }

    fn describe(&self) -> String {
        format!("method {}", self.0.to_ascii_uppercase())
    }
}

/// Matches requests with a path; see [`path`].
#[derive(Debug, Clone)]
pub struct PathMatcher(String);

/// Matches requests whose URL path is exactly `path` (the query is not part of it). A
/// missing leading `/` is added.
///
/// ```
/// use courier::mock::matchers::path;
/// use courier::mock::Match;
/// assert_eq!(path("users/7").describe(), "path /users/7");
/// ```
pub fn path(path: impl Into<String>) -> PathMatcher {
    let path = path.into();
    if path.starts_with('/') {
        PathMatcher(path)
    } else {
        PathMatcher(format!("/{path}"))
    }
}

impl Match for PathMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request.url().path() == self.0
    }

    fn describe(&self) -> String {
        format!("path {}", self.0)
    }
}

/// Matches requests with a query parameter; see [`query_param`].
#[derive(Debug, Clone)]
pub struct QueryParamMatcher {
    name: String,
    value: String,
}

/// Matches requests whose query has `name=value` (compared after percent-decoding; other
/// parameters, and other values of `name`, may be present too).
///
/// ```
/// use courier::mock::matchers::query_param;
/// let first_page = query_param("page", "1");
/// # let _ = first_page;
/// ```
pub fn query_param(name: impl Into<String>, value: impl Into<String>) -> QueryParamMatcher {
    QueryParamMatcher {
        name: name.into(),
        value: value.into(),
    }
}

impl Match for QueryParamMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request
            .url()
            .query_pairs()
            .any(|(name, value)| name == self.name && value == self.value)
    }

    fn describe(&self) -> String {
        format!("query parameter {}={}", self.name, self.value)
    }
}

/// Matches requests without a query parameter; see [`query_param_is_missing`].
#[derive(Debug, Clone)]
pub struct QueryParamIsMissingMatcher(String);

/// Matches requests whose query has no parameter called `name`.
///
/// ```
/// use courier::mock::matchers::query_param_is_missing;
/// let no_cursor = query_param_is_missing("cursor");
/// # let _ = no_cursor;
/// ```
pub fn query_param_is_missing(name: impl Into<String>) -> QueryParamIsMissingMatcher {
    QueryParamIsMissingMatcher(name.into())
}

impl Match for QueryParamIsMissingMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        !request.url().query_pairs().any(|(name, _)| name == self.0)
    }

    fn describe(&self) -> String {
        format!("no query parameter {}", self.0)
    }
}

/// Matches requests with a header value; see [`header`].
#[derive(Debug, Clone)]
pub struct HeaderMatcher {
    name: String,
    value: String,
}

/// Matches requests with a header `name` (any case) one of whose values is exactly `value`.
///
/// ```
/// use courier::mock::matchers::header;
/// let json = header("content-type", "application/json");
/// # let _ = json;
/// ```
pub fn header(name: impl Into<String>, value: impl Into<String>) -> HeaderMatcher {
    HeaderMatcher {
        name: name.into(),
        value: value.into(),
    }
}

impl Match for HeaderMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request
            .headers()
            .get_all(self.name.as_str())
            .iter()
            .any(|value| value.as_bytes() == self.value.as_bytes())
    }

    fn describe(&self) -> String {
        format!("header {}: {}", self.name.to_ascii_lowercase(), self.value)
    }
}

/// Matches requests that carry a header; see [`header_exists`].
#[derive(Debug, Clone)]
pub struct HeaderExistsMatcher(String);

/// Matches requests with a header `name` (any case), whatever its value.
///
/// ```
/// use courier::mock::matchers::header_exists;
/// let authenticated = header_exists("authorization");
/// # let _ = authenticated;
/// ```
pub fn header_exists(name: impl Into<String>) -> HeaderExistsMatcher {
    HeaderExistsMatcher(name.into())
}

impl Match for HeaderExistsMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request.headers().contains_key(self.0.as_str())
    }

    fn describe(&self) -> String {
        format!("header {}", self.0.to_ascii_lowercase())
    }
}

/// Matches requests with a JSON body; see [`body_json`].
#[derive(Debug, Clone)]
pub struct BodyJsonMatcher(Result<serde_json::Value, String>);

/// Matches requests whose body is JSON equal to `expected` (compared as JSON values, so key
/// order and whitespace do not matter). A value that does not serialise matches nothing.
///
/// ```
/// use courier::mock::matchers::body_json;
/// #[derive(serde::Serialize)]
/// struct Note { text: &'static str }
/// let by_value = body_json(serde_json::json!({"text": "hi"}));
/// let by_reference = body_json(&Note { text: "hi" });
/// # let _ = (by_value, by_reference);
/// ```
pub fn body_json(expected: impl Serialize) -> BodyJsonMatcher {
    BodyJsonMatcher(serde_json::to_value(expected).map_err(|error| error.to_string()))
}

impl Match for BodyJsonMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        match &self.0 {
            Ok(expected) => request
                .body_json::<serde_json::Value>()
                .is_ok_and(|body| body == *expected),
            Err(_) => false,
        }
    }

    fn describe(&self) -> String {
        match &self.0 {
            Ok(expected) => format!("JSON body {expected}"),
            Err(error) => format!("a JSON body that failed to serialise ({error})"),
        }
    }
}

/// Matches requests with a text body; see [`body_string`].
#[derive(Debug, Clone)]
pub struct BodyStringMatcher(String);

/// Matches requests whose body is exactly the UTF-8 text `expected`.
///
/// ```
/// use courier::mock::matchers::body_string;
/// let hello = body_string("hello");
/// # let _ = hello;
/// ```
pub fn body_string(expected: impl Into<String>) -> BodyStringMatcher {
    BodyStringMatcher(expected.into())
}

impl Match for BodyStringMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        request.body() == self.0.as_bytes()
    }

    fn describe(&self) -> String {
        format!("body {:?}", self.0)
    }
}

/// Matches requests with a body of bytes; see [`body_bytes`].
#[derive(Debug, Clone)]
pub struct BodyBytesMatcher(Bytes);

/// Matches requests whose body is exactly `expected`.
///
/// ```
/// use courier::mock::matchers::body_bytes;
/// let magic = body_bytes(vec![0x89, b'P', b'N', b'G']);
/// # let _ = magic;
/// ```
pub fn body_bytes(expected: impl Into<Bytes>) -> BodyBytesMatcher {
    BodyBytesMatcher(expected.into())
}

impl Match for BodyBytesMatcher {
    fn matches(&self, request: &RecordedRequest) -> bool {
        *request.body() == self.0
    }

    fn describe(&self) -> String {
        format!("body of {} bytes", self.0.len())
    }
}

/// Matches every request; see [`any`].
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyMatcher;

/// Matches every request: a catch-all, typically mounted last.
///
/// ```
/// use courier::mock::matchers::any;
/// use courier::{Mock, ResponseTemplate};
/// let fallback = Mock::given(any()).respond_with(ResponseTemplate::new(503));
/// # drop(fallback);
/// ```
pub fn any() -> AnyMatcher {
    AnyMatcher
}

impl Match for AnyMatcher {
    fn matches(&self, _request: &RecordedRequest) -> bool {
        true
    }

    fn describe(&self) -> String {
        String::from("any request")
    }
}

impl fmt::Debug for dyn Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, Method};
    use url::Url;

    use super::*;

    fn request(method: Method, url: &str, body: &'static str) -> RecordedRequest {
        let mut headers = HeaderMap::new();
        headers.append("x-tag", HeaderValue::from_static("a"));
        headers.append("x-tag", HeaderValue::from_static("b"));
        RecordedRequest::new(
            method,
            Url::parse(url).unwrap(),
            headers,
            Bytes::from_static(body.as_bytes()),
        )
    }

    #[test]
    fn method_ignores_ascii_case() {
        let get = request(Method::GET, "https://a.example/", "");
        assert!(method("get").matches(&get));
        assert!(method(Method::GET).matches(&get));
        assert!(!method("POST").matches(&get));
    }

    #[test]
    fn path_ignores_the_query_and_adds_a_leading_slash() {
        let get = request(Method::GET, "https://a.example/users/7?x=1", "");
        assert!(path("/users/7").matches(&get));
        assert!(path("users/7").matches(&get));
        assert!(!path("/users").matches(&get));
    }

    #[test]
    fn query_params_are_decoded() {
        let get = request(Method::GET, "https://a.example/?q=a%20b&page=2", "");
        assert!(query_param("q", "a b").matches(&get));
        assert!(!query_param("page", "3").matches(&get));
        assert!(query_param_is_missing("cursor").matches(&get));
        assert!(!query_param_is_missing("page").matches(&get));
    }

    #[test]
    fn header_matches_any_of_several_values_and_any_name_case() {
        let get = request(Method::GET, "https://a.example/", "");
        assert!(header("X-Tag", "b").matches(&get));
        assert!(!header("x-tag", "c").matches(&get));
        assert!(header_exists("X-TAG").matches(&get));
        assert!(!header_exists("x-other").matches(&get));
        assert!(!header_exists("not a header name").matches(&get));
    }

    #[test]
    fn body_json_compares_values_not_text() {
        let post = request(Method::POST, "https://a.example/", r#"{ "b": 2, "a": 1 }"#);
        assert!(body_json(serde_json::json!({"a": 1, "b": 2})).matches(&post));
        assert!(!body_json(serde_json::json!({"a": 1})).matches(&post));
        let text = request(Method::POST, "https://a.example/", "not json");
        assert!(!body_json(serde_json::json!(null)).matches(&text));
    }

    #[test]
    fn body_string_and_bytes_are_exact() {
        let post = request(Method::POST, "https://a.example/", "hello");
        assert!(body_string("hello").matches(&post));
        assert!(!body_string("hell").matches(&post));
        assert!(body_bytes(&b"hello"[..]).matches(&post));
        assert!(any().matches(&post));
    }

    #[test]
    fn closures_are_matchers() {
        let get = request(Method::GET, "https://a.example/long/path", "");
        let deep = |request: &RecordedRequest| {
            request.url().path_segments().into_iter().flatten().count() > 1
        };
        assert!(deep.matches(&get));
        assert_eq!(deep.describe(), "a custom matcher");
    }
}
