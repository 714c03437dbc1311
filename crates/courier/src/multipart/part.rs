//! One field of a form: its content, and the metadata written in its headers.

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use http::HeaderMap;
use mime_guess::Mime;
use sync_wrapper::SyncWrapper;

use crate::body::BodyStream;
use crate::error::{BoxError, Error, ErrorKind, Result};

/// One part of a [`Form`](super::Form): text, bytes, a file or a stream, with an optional
/// file name, content type and extra headers.
///
/// ```
/// use courier::multipart::{Form, Part};
/// let avatar = Part::bytes(vec![0u8; 16]).file_name("me.png").mime_str("image/png")?;
/// let form = Form::new().part("avatar", avatar);
/// assert!(form.content_length().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Part {
    pub(super) data: Data,
    pub(super) mime: Option<Mime>,
    pub(super) file_name: Option<String>,
    pub(super) headers: HeaderMap,
}

/// Where a part's content comes from.
pub(super) enum Data {
    /// In memory: cloned (cheaply) on every send.
    Bytes(Bytes),
    /// On disk: re-opened and streamed on every send. `length` is the size when the part was
    /// made, which the `Content-Length` of the form was computed from.
    File { path: PathBuf, length: u64 },
    /// Read once. `SyncWrapper`: a form sits in a request, which must be `Sync`; the stream is
    /// only ever taken by value.
    Stream {
        stream: SyncWrapper<BodyStream>,
        length: Option<u64>,
    },
}

impl Part {
    fn new(data: Data) -> Self {
        Self {
            data,
            mime: None,
            file_name: None,
            headers: HeaderMap::new(),
        }
    }

    /// A text part, held in memory. No `Content-Type` is sent, which means `text/plain`
    /// ([RFC 7578 §4.4](https://www.rfc-editor.org/rfc/rfc7578#section-4.4)).
    ///
    /// ```
    /// let part = courier::multipart::Part::text("hello");
    /// let form = courier::multipart::Form::new().part("greeting", part);
    /// ```
    pub fn text(value: impl Into<String>) -> Self {
        Self::new(Data::Bytes(Bytes::from(value.into())))
    }

    /// A part holding bytes in memory. No `Content-Type` is sent unless set with
    /// [`mime_str`](Part::mime_str).
    ///
    /// ```
    /// let part = courier::multipart::Part::bytes(&b"\x00\x01"[..]).mime_str("application/octet-stream")?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn bytes(value: impl Into<Bytes>) -> Self {
        Self::new(Data::Bytes(value.into()))
    }

    /// A file part. The file's size is read now (so the form's length is known), its type is
    /// guessed from the extension (`application/octet-stream` when unknown) and its file name
    /// is the last component of `path`.
    ///
    /// The content is **not** read now, nor ever held in memory: the file is opened and
    /// streamed from disk on every send, which is what keeps the form re-sendable. If the file
    /// changes size after this call, or reading it fails, the send fails with an
    /// [`ErrorKind::Io`] error as the cause.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] when the file does not exist, cannot be read or is not a regular file.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let part = courier::multipart::Part::file("report.pdf").await?;
    /// let form = courier::multipart::Form::new().part("report", part);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn file(path: impl AsRef<Path>) -> Result<Part> {
        let path = path.as_ref();
        let metadata = tokio::fs::metadata(path).await.map_err(|error| {
            Error::with_source(ErrorKind::Io, error)
                .with_message(format!("cannot read {}", path.display()))
        })?;
        if !metadata.is_file() {
            return Err(Error::new(ErrorKind::Io)
                .with_message(format!("{} is not a regular file", path.display())));
        }
        // Absolute, so a later change of the working directory cannot redirect a re-send.
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut part = Self::new(Data::File {
            path: absolute,
            length: metadata.len(),
        });
        part.mime = Some(mime_guess::from_path(path).first_or_octet_stream());
        part.file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Ok(part)
    }

    /// A part read from a stream, once.
    ///
    /// A stream cannot be rewound, so a form holding one is a **one-shot** body: the request
    /// cannot be cloned, retried or re-sent after a redirect or a token refresh. Give its
    /// `length` when you know it, so the form is sent with `Content-Length` (and upload
    /// progress has a total); with `None` it is sent chunked. Prefer [`Part::file`] for files.
    ///
    /// ```
    /// use courier::multipart::{Form, Part};
    /// let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("a"), Ok("b")]);
    /// let form = Form::new().part("log", Part::stream(chunks, Some(2)).file_name("log.txt"));
    /// assert!(!form.into_body().is_replayable());
    /// ```
    pub fn stream<S, B, E>(stream: S, length: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
        B: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        let stream: BodyStream =
            Box::pin(stream.map(|chunk| chunk.map(Into::into).map_err(Into::into)));
        Self::new(Data::Stream {
            stream: SyncWrapper::new(stream),
            length,
        })
    }

    /// Sets the file name sent in `Content-Disposition` (for [`Part::file`], replaces the one
    /// taken from the path).
    ///
    /// ```
    /// let part = courier::multipart::Part::bytes(vec![1, 2, 3]).file_name("data.bin");
    /// ```
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's `Content-Type`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when `mime` is not a valid media type.
    ///
    /// ```
    /// let part = courier::multipart::Part::text("{}").mime_str("application/json")?;
    /// assert!(courier::multipart::Part::text("x").mime_str("not a type").is_err());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn mime_str(mut self, mime: &str) -> Result<Part> {
        let parsed = mime.parse::<Mime>().map_err(|error| {
            Error::with_source(ErrorKind::InvalidRequest, error)
                .with_message(format!("invalid MIME type {mime:?}"))
        })?;
        self.mime = Some(parsed);
        Ok(self)
    }

    /// Sets extra headers for this part, replacing any set before. `Content-Disposition` and
    /// `Content-Type` are ignored here: they come from the field name,
    /// [`file_name`](Part::file_name) and [`mime_str`](Part::mime_str).
    ///
    /// ```
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("content-language", http::HeaderValue::from_static("fr"));
    /// let part = courier::multipart::Part::text("Bonjour").headers(headers);
    /// ```
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// The content's length, when known.
    pub(super) fn data_length(&self) -> Option<u64> {
        match &self.data {
            Data::Bytes(bytes) => Some(bytes.len() as u64),
            Data::File { length, .. } => Some(*length),
            Data::Stream { length, .. } => *length,
        }
    }

    pub(super) fn is_stream(&self) -> bool {
        matches!(self.data, Data::Stream { .. })
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Part");
        match &self.data {
            Data::Bytes(bytes) => debug.field("bytes", &bytes.len()),
            Data::File { path, length } => debug.field("file", path).field("length", length),
            Data::Stream { length, .. } => debug.field("stream_length", length),
        };
        debug
            .field("file_name", &self.file_name)
            .field("mime", &self.mime.as_ref().map(Mime::as_ref))
            .field("headers", &self.headers)
            .finish()
    }
}
