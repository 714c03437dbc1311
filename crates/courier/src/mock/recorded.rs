//! What the mock saw: a request with its body read into memory.

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use url::Url;

/// A request as [`MockTransport`](super::MockTransport) received it, body included.
///
/// Matchers look at it, and [`MockTransport::received_requests`](super::MockTransport::received_requests)
/// returns every one, matched or not, in arrival order.
///
/// ```
/// use courier::{Client, MockTransport};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mock = MockTransport::new();
/// let client = Client::builder().base_url("https://api.example").transport(mock.clone()).build()?;
/// // No mock is mounted: the request is answered 404, and still recorded.
/// let _ = client.post("/notes").body("hello").send().await;
///
/// let received = mock.received_requests();
/// assert_eq!(received[0].method(), http::Method::POST);
/// assert_eq!(received[0].url().path(), "/notes");
/// assert_eq!(received[0].body(), "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Bytes,
}

impl RecordedRequest {
    pub(super) fn new(method: Method, url: Url, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            method,
            url,
            headers,
            body,
        }
    }

    /// The method.
    ///
    /// ```
    /// # use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = MockTransport::new();
    /// # let client = Client::builder().transport(mock.clone()).build()?;
    /// let _ = client.delete("https://api.example/notes/1").send().await;
    /// assert_eq!(mock.received_requests()[0].method(), http::Method::DELETE);
    /// # Ok(())
    /// # }
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL, base URL joined and query included.
    ///
    /// ```
    /// # use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = MockTransport::new();
    /// # let client = Client::builder().transport(mock.clone()).build()?;
    /// let _ = client.get("https://api.example/notes").query(&[("page", "2")]).send().await;
    /// assert_eq!(mock.received_requests()[0].url().as_str(), "https://api.example/notes?page=2");
    /// # Ok(())
    /// # }
    /// ```
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers, as the transport received them (client defaults and interceptors applied).
    ///
    /// ```
    /// # use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = MockTransport::new();
    /// # let client = Client::builder().transport(mock.clone()).build()?;
    /// let _ = client.get("https://api.example/").header("x-trace", "7").send().await;
    /// assert_eq!(mock.received_requests()[0].headers()["x-trace"], "7");
    /// # Ok(())
    /// # }
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, read in full (streamed bodies included).
    ///
    /// ```
    /// # use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = MockTransport::new();
    /// # let client = Client::builder().transport(mock.clone()).build()?;
    /// let _ = client.put("https://api.example/").body(vec![1, 2, 3]).send().await;
    /// assert_eq!(&mock.received_requests()[0].body()[..], &[1, 2, 3]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body decoded from JSON.
    ///
    /// # Errors
    ///
    /// When the body is not valid JSON for `T`.
    ///
    /// ```
    /// # use courier::{Client, MockTransport};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = MockTransport::new();
    /// # let client = Client::builder().transport(mock.clone()).build()?;
    /// let _ = client.post("https://api.example/").json(&serde_json::json!({"n": 1})).send().await;
    /// let sent: serde_json::Value = mock.received_requests()[0].body_json()?;
    /// assert_eq!(sent["n"], 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn body_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The request line, `GET https://api.example/x?y=1`, as failure messages show it.
    pub(super) fn request_line(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}
