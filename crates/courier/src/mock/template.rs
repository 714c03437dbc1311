//! What a mock answers: status, headers, body, timing and injected faults.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use url::Url;

use super::fault::{Fault, reset_error};
use crate::error::{Error, ErrorKind, Result};
use crate::response::{Response, ResponseBody};

/// The response a [`Mock`](super::Mock) answers with.
///
/// A template is a recipe, cloned for every request it answers. Bodies of known length get a
/// `Content-Length` header unless one is set (none for 1xx, 204 and 304). Timing uses tokio's
/// clock, so tests with paused time (`#[tokio::test(start_paused = true)]`) run instantly.
///
/// Invalid input (a status of 1000, a header name with a space, a value that does not
/// serialise to JSON) never breaks the chain: the request the template answers fails with
/// [`ErrorKind::InvalidRequest`] naming the problem.
///
/// ```
/// use std::time::Duration;
/// use courier::mock::matchers::path;
/// use courier::{Client, Mock, MockTransport, ResponseTemplate};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// Mock::given(path("/users/7"))
///     .respond_with(
///         ResponseTemplate::new(200)
///             .insert_header("x-request-id", "abc")
///             .set_body_json(&serde_json::json!({"name": "Ada"}))
///             .set_delay(Duration::from_millis(5)),
///     )
///     .mount(&mock);
///
/// let client = Client::builder().base_url("https://api.example").transport(mock).build()?;
/// let response = client.get("/users/7").send().await?;
/// assert_eq!(response.headers()["content-type"], "application/json");
/// assert_eq!(response.headers()["x-request-id"], "abc");
/// let user: serde_json::Value = response.json().await?;
/// assert_eq!(user["name"], "Ada");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ResponseTemplate {
    status: StatusCode,
    headers: HeaderMap,
    body: TemplateBody,
    delay: Option<Duration>,
    fault: Option<Fault>,
    /// The first invalid input, reported when the template answers.
    invalid: Option<String>,
}

#[derive(Debug, Clone)]
enum TemplateBody {
    Full(Bytes),
    Chunks { chunks: Vec<Bytes>, gap: Duration },
}

impl ResponseTemplate {
    /// A response with `status` (a `u16` or an `http::StatusCode`), no headers and an empty
    /// body.
    ///
    /// ```
    /// use courier::ResponseTemplate;
    /// let created = ResponseTemplate::new(201);
    /// let gone = ResponseTemplate::new(http::StatusCode::GONE);
    /// # let _ = (created, gone);
    /// ```
    pub fn new<S>(status: S) -> Self
    where
        S: TryInto<StatusCode>,
        S::Error: Into<http::Error>,
    {
        let mut template = Self {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: TemplateBody::Full(Bytes::new()),
            delay: None,
            fault: None,
            invalid: None,
        };
        match status.try_into() {
            Ok(status) => template.status = status,
            Err(error) => template.invalid(error.into()),
        }
        template
    }

    /// A template that injects `fault` (a `200` with an empty body otherwise; use
    /// [`with_fault`](Self::with_fault) to give a [`Fault::ResetMidBody`] a body to cut).
    ///
    /// ```
    /// use courier::mock::Fault;
    /// let refused = courier::ResponseTemplate::fault(Fault::ConnectionRefused);
    /// # let _ = refused;
    /// ```
    pub fn fault(fault: Fault) -> Self {
        Self::new(StatusCode::OK).with_fault(fault)
    }

    /// Injects `fault` into this template (replacing an earlier one).
    ///
    /// ```
    /// use courier::mock::Fault;
    /// let cut = courier::ResponseTemplate::new(200)
    ///     .body("0123456789")
    ///     .with_fault(Fault::ResetMidBody { after: 4 });
    /// # let _ = cut;
    /// ```
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Sets a header, replacing any earlier value of the same name.
    ///
    /// ```
    /// let template = courier::ResponseTemplate::new(200).insert_header("cache-control", "max-age=60");
    /// # let _ = template;
    /// ```
    pub fn insert_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if let Some((name, value)) = self.header_pair(name, value) {
            self.headers.insert(name, value);
        }
        self
    }

    /// Adds a header value, keeping earlier values of the same name.
    ///
    /// ```
    /// let template = courier::ResponseTemplate::new(200)
    ///     .append_header("set-cookie", "a=1")
    ///     .append_header("set-cookie", "b=2");
    /// # let _ = template;
    /// ```
    pub fn append_header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if let Some((name, value)) = self.header_pair(name, value) {
            self.headers.append(name, value);
        }
        self
    }

    fn header_pair<K, V>(&mut self, name: K, value: V) -> Option<(HeaderName, HeaderValue)>
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        let name = name.try_into().map_err(|error| self.invalid(error.into()));
        let value = value.try_into().map_err(|error| self.invalid(error.into()));
        Some((name.ok()?, value.ok()?))
    }

    /// Sets the body, sent in one piece. No `Content-Type` is set.
    ///
    /// ```
    /// let template = courier::ResponseTemplate::new(200).body("plain bytes");
    /// # let _ = template;
    /// ```
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = TemplateBody::Full(body.into());
        self
    }

    /// Sets the body to `value` as JSON, with `Content-Type: application/json`.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct User { name: &'static str }
    /// let template = courier::ResponseTemplate::new(200).set_body_json(&User { name: "Ada" });
    /// # let _ = template;
    /// ```
    pub fn set_body_json(mut self, value: impl Serialize) -> Self {
        match serde_json::to_vec(&value) {
            Ok(json) => {
                self.body = TemplateBody::Full(Bytes::from(json));
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(error) => self.invalid(format!("the JSON body did not serialise: {error}")),
        }
        self
    }

    /// Sets a streamed body: the first chunk right after the head, then each next chunk
    /// after `gap`. For receive-timeout tests (a `gap` longer than the client's
    /// `receive_timeout` stalls the body) and progress tests (one report per chunk).
    ///
    /// ```
    /// use std::time::Duration;
    /// let slow = courier::ResponseTemplate::new(200)
    ///     .set_body_chunks(["first ", "second ", "third"], Duration::from_secs(1));
    /// # let _ = slow;
    /// ```
    pub fn set_body_chunks<I>(mut self, chunks: I, gap: Duration) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Bytes>,
    {
        self.body = TemplateBody::Chunks {
            chunks: chunks.into_iter().map(Into::into).collect(),
            gap,
        };
        self
    }

    /// Waits `delay` before the response head (or before the injected fault), on tokio's
    /// clock.
    ///
    /// ```
    /// use std::time::Duration;
    /// let slow = courier::ResponseTemplate::new(200).set_delay(Duration::from_secs(30));
    /// # let _ = slow;
    /// ```
    pub fn set_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    fn invalid(&mut self, problem: impl ToString) {
        if self.invalid.is_none() {
            self.invalid = Some(problem.to_string());
        }
    }

    /// Plays the template for a request of `method` to `url`.
    pub(super) async fn respond(self, method: &Method, url: Url) -> Result<Response> {
        if let Some(problem) = self.invalid {
            return Err(Error::new(ErrorKind::InvalidRequest)
                .with_message(format!("invalid ResponseTemplate: {problem}"))
                .with_url(&url));
        }
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
        if let Some(fault) = self.fault {
            if let Some(error) = fault.head_error(&url) {
                return Err(error);
            }
            if fault == Fault::Hang {
                return std::future::pending().await;
            }
        }
        let reset_after = match self.fault {
            Some(Fault::ResetMidBody { after }) => Some(after),
            _ => None,
        };

        let mut headers = self.headers;
        let (chunks, gap, streamed) = match self.body {
            TemplateBody::Full(bytes) => (vec![bytes], Duration::ZERO, false),
            TemplateBody::Chunks { chunks, gap } => (chunks, gap, true),
        };
        let length: usize = chunks.iter().map(Bytes::len).sum();
        if may_have_body(self.status) && !headers.contains_key(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }

        let body = if *method == Method::HEAD {
            ResponseBody::empty()
        } else if !streamed && reset_after.is_none() {
            chunks
                .into_iter()
                .next()
                .map(ResponseBody::from)
                .unwrap_or_default()
        } else {
            stream_body(chunks, gap, reset_after, url.clone())
        };

        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = headers;
        Ok(Response::from_http(response, url))
    }
}

/// Whether a response with `status` carries a body (and so a `Content-Length`).
fn may_have_body(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

enum Step {
    Chunk(Bytes),
    Reset,
}

/// The body as a stream: chunks `gap` apart, cut by a reset after `reset_after` bytes.
fn stream_body(
    chunks: Vec<Bytes>,
    gap: Duration,
    reset_after: Option<usize>,
    url: Url,
) -> ResponseBody {
    let mut steps = VecDeque::with_capacity(chunks.len() + 1);
    let mut budget = reset_after;
    for chunk in chunks {
        match budget {
            Some(left) if chunk.len() >= left => {
                steps.push_back(Step::Chunk(chunk.slice(..left)));
                break;
            }
            Some(left) => {
                budget = Some(left - chunk.len());
                steps.push_back(Step::Chunk(chunk));
            }
            None => steps.push_back(Step::Chunk(chunk)),
        }
    }
    if reset_after.is_some() {
        steps.push_back(Step::Reset);
    }
    // Empty chunks carry nothing and would only add a gap.
    steps.retain(|step| !matches!(step, Step::Chunk(chunk) if chunk.is_empty()));

    let stream = futures_util::stream::unfold((steps, true), move |(mut steps, first)| {
        let url = url.clone();
        async move {
            let step = steps.pop_front()?;
            if !first && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            let item = match step {
                Step::Chunk(chunk) => Ok(chunk),
                Step::Reset => Err(reset_error(&url)),
            };
            Some((item, (steps, false)))
        }
    });
    ResponseBody::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://api.example/x").unwrap()
    }

    #[tokio::test]
    async fn a_full_body_gets_a_content_length_and_stays_in_memory() {
        let response = ResponseTemplate::new(200)
            .body("hello")
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert_eq!(response.content_length(), Some(5));
        assert_eq!(response.buffered_body().unwrap(), "hello");
        assert_eq!(response.url(), &url());
    }

    #[tokio::test]
    async fn no_content_has_no_content_length_and_head_has_no_body() {
        let empty = ResponseTemplate::new(204)
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert!(empty.headers().get(CONTENT_LENGTH).is_none());
        let head = ResponseTemplate::new(200)
            .body("abc")
            .respond(&Method::HEAD, url())
            .await
            .unwrap();
        assert_eq!(head.content_length(), Some(3));
        assert_eq!(head.bytes().await.unwrap(), "");
    }

    #[tokio::test]
    async fn an_explicit_content_length_is_kept() {
        let response = ResponseTemplate::new(200)
            .insert_header("content-length", "99")
            .body("abc")
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert_eq!(response.content_length(), Some(99));
    }

    #[tokio::test]
    async fn invalid_input_fails_the_request_with_the_first_problem() {
        let error = ResponseTemplate::new(1000)
            .insert_header("bad name", "x")
            .respond(&Method::GET, url())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert!(error.to_string().contains("status"), "{error}");

        let error = ResponseTemplate::new(200)
            .append_header("bad name", "x")
            .respond(&Method::GET, url())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("header"), "{error}");
    }

    #[tokio::test]
    async fn a_reset_cuts_across_chunks() {
        let mut response = ResponseTemplate::new(200)
            .set_body_chunks(["abc", "def", "ghi"], Duration::ZERO)
            .with_fault(Fault::ResetMidBody { after: 5 })
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert_eq!(response.content_length(), Some(9));
        assert_eq!(response.chunk().await.unwrap().unwrap(), "abc");
        assert_eq!(response.chunk().await.unwrap().unwrap(), "de");
        let error = response.chunk().await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Connection);
        assert!(response.chunk().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_reset_at_zero_sends_no_byte() {
        let mut response = ResponseTemplate::new(200)
            .body("abc")
            .with_fault(Fault::ResetMidBody { after: 0 })
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert_eq!(
            response.chunk().await.unwrap_err().kind(),
            ErrorKind::Connection
        );
    }

    #[tokio::test(start_paused = true)]
    async fn chunks_arrive_gap_apart() {
        let start = tokio::time::Instant::now();
        let mut response = ResponseTemplate::new(200)
            .set_body_chunks(["a", "b", "c"], Duration::from_secs(2))
            .respond(&Method::GET, url())
            .await
            .unwrap();
        assert_eq!(response.chunk().await.unwrap().unwrap(), "a");
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert_eq!(response.chunk().await.unwrap().unwrap(), "b");
        assert_eq!(response.chunk().await.unwrap().unwrap(), "c");
        assert!(response.chunk().await.unwrap().is_none());
        assert_eq!(start.elapsed(), Duration::from_secs(4));
    }
}
