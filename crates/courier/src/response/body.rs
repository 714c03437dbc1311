//! The response body: bytes in memory or a stream read once.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use sync_wrapper::SyncWrapper;

use crate::error::Result;

/// A stream of response chunks whose errors are already courier [`Error`](crate::Error)s.
pub type ResponseStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// The body of a [`Response`](crate::Response).
///
/// ```
/// let body = courier::ResponseBody::from("abc");
/// assert_eq!(body.as_bytes().map(|b| b.len()), Some(3));
/// ```
#[derive(Default)]
pub struct ResponseBody {
    inner: Inner,
}

#[derive(Default)]
enum Inner {
    #[default]
    Empty,
    Bytes(Option<Bytes>),
    // SyncWrapper: responses sit inside `Error`, which must be `Sync`; the stream is only
    // polled through `&mut`.
    Stream(SyncWrapper<ResponseStream>),
    // reqwest's response itself (its headers and extensions already taken), so that reading
    // the whole body collects reqwest's body directly rather than through a boxed stream;
    // made a stream only when read chunk by chunk or wrapped. Its URL is the response's
    // final URL until the body leaves the response (see `Response::settle_url`).
    Reqwest(reqwest::Response),
}

impl ResponseBody {
    /// An empty body.
    ///
    /// ```
    /// assert!(courier::ResponseBody::empty().as_bytes().is_none());
    /// ```
    pub fn empty() -> Self {
        Self {
            inner: Inner::Empty,
        }
    }

    /// A streamed body.
    ///
    /// ```
    /// let chunks = futures_util::stream::iter([Ok(bytes::Bytes::from("a"))]);
    /// let body = courier::ResponseBody::from_stream(chunks);
    /// assert!(body.as_bytes().is_none());
    /// ```
    pub fn from_stream(stream: impl Stream<Item = Result<Bytes>> + Send + 'static) -> Self {
        Self {
            inner: Inner::Stream(SyncWrapper::new(Box::pin(stream))),
        }
    }

    /// reqwest's response, its body still unread.
    pub(crate) fn from_reqwest(response: reqwest::Response) -> Self {
        Self {
            inner: Inner::Reqwest(response),
        }
    }

    /// The URL of the reqwest response this body still is.
    pub(crate) fn reqwest_url(&self) -> Option<&url::Url> {
        match &self.inner {
            Inner::Reqwest(response) => Some(response.url()),
            _ => None,
        }
    }

    /// The bytes, when the body is in memory and not yet read.
    ///
    /// ```
    /// assert!(courier::ResponseBody::from("x").as_bytes().is_some());
    /// ```
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Bytes(bytes) => bytes.as_ref(),
            _ => None,
        }
    }

    /// Reads the whole body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// assert_eq!(courier::ResponseBody::from("ab").collect().await?, "ab");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn collect(self) -> Result<Bytes> {
        match self.inner {
            Inner::Empty => Ok(Bytes::new()),
            Inner::Bytes(bytes) => Ok(bytes.unwrap_or_default()),
            Inner::Reqwest(response) => crate::transport::reqwest::collect(response, false).await,
            Inner::Stream(stream) => {
                let mut stream = stream.into_inner();
                let Some(first) = stream.next().await.transpose()? else {
                    return Ok(Bytes::new());
                };
                // One chunk is the common case for small bodies: no copy then.
                let Some(second) = stream.next().await.transpose()? else {
                    return Ok(first);
                };
                let mut collected = BytesMut::with_capacity(first.len() + second.len());
                collected.extend_from_slice(&first);
                collected.extend_from_slice(&second);
                while let Some(chunk) = stream.next().await.transpose()? {
                    collected.extend_from_slice(&chunk);
                }
                Ok(collected.freeze())
            }
        }
    }

    /// Reads the whole body; an error carries `url`, or for a body still in reqwest's
    /// response (whose URL then is the final URL) that response's URL.
    pub(crate) async fn collect_for(self, url: Option<&url::Url>) -> Result<Bytes> {
        if let Inner::Reqwest(response) = self.inner {
            return match url {
                None => crate::transport::reqwest::collect(response, true).await,
                Some(url) => crate::transport::reqwest::collect(response, false)
                    .await
                    .map_err(|error| error.or_url(url)),
            };
        }
        self.collect().await.map_err(|error| match url {
            Some(url) => error.or_url(url),
            None => error,
        })
    }

    /// Maps the stream's chunks (for interceptors that observe or transform the body).
    ///
    /// ```
    /// let upper = courier::ResponseBody::from("ab").map_stream(|stream| stream);
    /// ```
    pub fn map_stream(self, map: impl FnOnce(ResponseStream) -> ResponseStream) -> ResponseBody {
        let stream: ResponseStream = match self.inner {
            Inner::Empty => Box::pin(futures_util::stream::empty()),
            Inner::Bytes(bytes) => Box::pin(futures_util::stream::iter(bytes.map(Ok))),
            Inner::Stream(stream) => stream.into_inner(),
            Inner::Reqwest(response) => crate::transport::reqwest::stream(response),
        };
        ResponseBody::from_stream(map(stream))
    }

    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        if let Inner::Reqwest(_) = &self.inner
            && let Inner::Reqwest(response) = std::mem::take(&mut self.inner)
        {
            let stream = crate::transport::reqwest::stream(response);
            self.inner = Inner::Stream(SyncWrapper::new(stream));
        }
        match &mut self.inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Bytes(bytes) => Poll::Ready(bytes.take().filter(|b| !b.is_empty()).map(Ok)),
            Inner::Stream(stream) => stream.get_mut().as_mut().poll_next(cx),
            Inner::Reqwest(_) => unreachable!("made a stream above"),
        }
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("ResponseBody(empty)"),
            Inner::Bytes(bytes) => write!(
                f,
                "ResponseBody({} bytes)",
                bytes.as_ref().map_or(0, Bytes::len)
            ),
            Inner::Stream(_) | Inner::Reqwest(_) => f.write_str("ResponseBody(stream)"),
        }
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: Inner::Bytes(Some(bytes)),
        }
    }
}

impl From<Vec<u8>> for ResponseBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for ResponseBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for ResponseBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<&'static [u8]> for ResponseBody {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<()> for ResponseBody {
    fn from((): ()) -> Self {
        Self::empty()
    }
}
