//! The request body: empty, bytes in memory, a replayable stream, or a one-shot stream.
//!
//! Whether a body can be sent twice matters: a retry, a redirect that keeps the method
//! (307/308) and a re-send after a token refresh all need the body again. In-memory bodies
//! and replayable streams (multipart, files) can; a one-shot stream cannot, and
//! [`Body::try_clone`] says so by returning `None`.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use sync_wrapper::SyncWrapper;

use crate::error::{BoxError, Error, ErrorKind, Result};

/// A stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

type StreamFactory = Arc<dyn Fn() -> BodyStream + Send + Sync>;

/// A request body.
///
/// ```
/// use courier::Body;
/// let body = Body::from("hello");
/// assert_eq!(body.content_length(), Some(5));
/// assert!(body.try_clone().is_some());
///
/// let once = Body::wrap_stream(futures_util::stream::iter([Ok::<_, std::io::Error>("a")]));
/// assert!(once.try_clone().is_none());
/// ```
pub struct Body {
    inner: Inner,
}

enum Inner {
    Empty,
    Bytes(Bytes),
    Replayable {
        factory: StreamFactory,
        length: Option<u64>,
    },
    // SyncWrapper: a request (and so its body) may be borrowed across an await in an
    // interceptor, which needs `Sync`; the stream is only ever polled through `&mut`.
    Stream {
        stream: SyncWrapper<BodyStream>,
        length: Option<u64>,
    },
}

impl Body {
    /// An empty body.
    ///
    /// ```
    /// assert!(courier::Body::empty().is_empty());
    /// ```
    pub fn empty() -> Self {
        Self {
            inner: Inner::Empty,
        }
    }

    /// A one-shot streaming body. It cannot be re-sent, so a request carrying it is not
    /// retried. Set `Content-Length` yourself if you know it, or use
    /// [`Body::wrap_stream_with_length`].
    ///
    /// ```
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("a"))]);
    /// let body = courier::Body::wrap_stream(chunks);
    /// assert!(!body.is_replayable());
    /// ```
    pub fn wrap_stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        Self::wrap_stream_inner(stream, None)
    }

    /// A one-shot streaming body of a known length (sent as `Content-Length`, not chunked).
    ///
    /// ```
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("abc")]);
    /// assert_eq!(courier::Body::wrap_stream_with_length(chunks, 3).content_length(), Some(3));
    /// ```
    pub fn wrap_stream_with_length<S, B, E>(stream: S, length: u64) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        Self::wrap_stream_inner(stream, Some(length))
    }

    fn wrap_stream_inner<S, B, E>(stream: S, length: Option<u64>) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        let stream: BodyStream =
            Box::pin(stream.map(|chunk| chunk.map(Into::into).map_err(Into::into)));
        Self {
            inner: Inner::Stream {
                stream: SyncWrapper::new(stream),
                length,
            },
        }
    }

    /// A streaming body that can be produced again: `factory` is called once per send. This
    /// is how files and multipart forms stay re-sendable for retries without being held in
    /// memory.
    ///
    /// ```
    /// use bytes::Bytes;
    /// let body = courier::Body::replayable(Some(2), || {
    ///     Box::pin(futures_util::stream::iter([Ok(Bytes::from_static(b"hi"))]))
    /// });
    /// assert!(body.try_clone().is_some());
    /// ```
    pub fn replayable(
        length: Option<u64>,
        factory: impl Fn() -> BodyStream + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner: Inner::Replayable {
                factory: Arc::new(factory),
                length,
            },
        }
    }

    /// Whether the body is known to be empty.
    ///
    /// ```
    /// assert!(!courier::Body::from("x").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Bytes(bytes) => bytes.is_empty(),
            Inner::Replayable { length, .. } | Inner::Stream { length, .. } => *length == Some(0),
        }
    }

    /// The body's length, when known.
    ///
    /// ```
    /// assert_eq!(courier::Body::empty().content_length(), Some(0));
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Bytes(bytes) => Some(bytes.len() as u64),
            Inner::Replayable { length, .. } | Inner::Stream { length, .. } => *length,
        }
    }

    /// The bytes of an in-memory body.
    ///
    /// ```
    /// assert_eq!(courier::Body::from("ab").as_bytes().map(|b| &b[..]), Some(&b"ab"[..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// Whether the body can be sent again (everything but a one-shot stream).
    ///
    /// ```
    /// assert!(courier::Body::from(vec![1, 2, 3]).is_replayable());
    /// ```
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, Inner::Stream { .. })
    }

    /// Whether the body is a stream that can be produced again (a file, a form, a watched
    /// upload), as opposed to bytes in memory or a one-shot stream.
    pub(crate) fn is_replayable_stream(&self) -> bool {
        matches!(self.inner, Inner::Replayable { .. })
    }

    /// A copy for re-sending, or `None` for a one-shot stream.
    ///
    /// ```
    /// assert!(courier::Body::from("x").try_clone().is_some());
    /// ```
    pub fn try_clone(&self) -> Option<Body> {
        let inner = match &self.inner {
            Inner::Empty => Inner::Empty,
            Inner::Bytes(bytes) => Inner::Bytes(bytes.clone()),
            Inner::Replayable { factory, length } => Inner::Replayable {
                factory: factory.clone(),
                length: *length,
            },
            Inner::Stream { .. } => return None,
        };
        Some(Body { inner })
    }

    /// The body as a stream of chunks (an in-memory body is one chunk).
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut stream = courier::Body::from("abc").into_stream();
    /// assert_eq!(stream.next().await.unwrap().unwrap(), "abc");
    /// # }
    /// ```
    pub fn into_stream(self) -> BodyStream {
        match self.inner {
            Inner::Empty => Box::pin(futures_util::stream::empty()),
            Inner::Bytes(bytes) => Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
            Inner::Replayable { factory, .. } => factory(),
            Inner::Stream { stream, .. } => stream.into_inner(),
        }
    }

    /// Reads the whole body into memory (used by the mock transport and by tests).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// assert_eq!(courier::Body::from("abc").collect().await?, "abc");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn collect(self) -> Result<Bytes> {
        match self.inner {
            Inner::Empty => Ok(Bytes::new()),
            Inner::Bytes(bytes) => Ok(bytes),
            other => {
                let mut stream = Body { inner: other }.into_stream();
                let mut collected = Vec::new();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|error| Error::with_source(ErrorKind::Io, error))?;
                    collected.extend_from_slice(&chunk);
                }
                Ok(Bytes::from(collected))
            }
        }
    }

    pub(crate) fn kind_name(&self) -> &'static str {
        match self.inner {
            Inner::Empty => "empty",
            Inner::Bytes(_) => "bytes",
            Inner::Replayable { .. } => "replayable stream",
            Inner::Stream { .. } => "one-shot stream",
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("kind", &self.kind_name())
            .field("length", &self.content_length())
            .finish()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: Inner::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<()> for Body {
    fn from((): ()) -> Self {
        Self::empty()
    }
}
