//! The wire format: part headers, quoting, and the body as a sequence of segments.
//!
//! A form is encoded once into segments: runs of bytes (boundaries, part headers and
//! in-memory content, merged while small), files (opened when the stream reaches them) and
//! one-shot streams. A replayable form keeps its segments and turns them into a fresh stream
//! on every send.

use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt};
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

use super::part::{Data, Part};
use crate::body::BodyStream;
use crate::error::{BoxError, Error, ErrorKind};

/// In-memory runs are merged into one chunk up to this size (so a form of ten text fields is
/// one write, not thirty); larger content is sent as its own chunk, without a copy.
const MERGE_LIMIT: usize = 16 * 1024;

/// Files are read in chunks of this size.
const FILE_CHUNK: usize = 64 * 1024;

/// A piece of a replayable body.
pub(super) enum Segment {
    Bytes(Bytes),
    File { path: Arc<Path>, length: u64 },
}

impl Segment {
    fn stream(&self) -> BodyStream {
        match self {
            Segment::Bytes(bytes) => {
                let bytes = bytes.clone();
                Box::pin(futures_util::stream::once(async move { Ok(bytes) }))
            }
            Segment::File { path, length } => file_stream(path.clone(), *length),
        }
    }
}

/// A piece of any body: replayable, or a stream read once.
pub(super) enum Piece {
    Replayable(Segment),
    Stream(BodyStream),
}

/// Builds the list of pieces, merging small byte runs.
#[derive(Default)]
pub(super) struct Encoder {
    pieces: Vec<Piece>,
    pending: BytesMut,
}

impl Encoder {
    pub(super) fn push_bytes(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        if self.pending.len() + bytes.len() <= MERGE_LIMIT {
            self.pending.extend_from_slice(&bytes);
        } else {
            self.flush();
            self.pieces.push(Piece::Replayable(Segment::Bytes(bytes)));
        }
    }

    pub(super) fn push_part(&mut self, boundary: &str, name: &str, part: Part) {
        self.push_bytes(Bytes::from(part_head(boundary, name, &part)));
        match part.data {
            Data::Bytes(bytes) => self.push_bytes(bytes),
            Data::File { path, length } => {
                self.flush();
                self.pieces.push(Piece::Replayable(Segment::File {
                    path: Arc::from(path),
                    length,
                }));
            }
            Data::Stream { stream, .. } => {
                self.flush();
                self.pieces.push(Piece::Stream(stream.into_inner()));
            }
        }
        self.push_bytes(Bytes::from_static(b"\r\n"));
    }

    pub(super) fn finish(mut self, boundary: &str) -> Vec<Piece> {
        self.push_bytes(Bytes::from(closing(boundary)));
        self.flush();
        self.pieces
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let run = self.pending.split().freeze();
            self.pieces.push(Piece::Replayable(Segment::Bytes(run)));
        }
    }
}

/// The body stream of replayable segments, created afresh on each call.
pub(super) fn replay(segments: &[Segment]) -> BodyStream {
    let streams: Vec<BodyStream> = segments.iter().map(Segment::stream).collect();
    Box::pin(futures_util::stream::iter(streams).flatten())
}

/// The body stream of pieces that include a one-shot stream.
pub(super) fn once(pieces: Vec<Piece>) -> BodyStream {
    let streams: Vec<BodyStream> = pieces
        .into_iter()
        .map(|piece| match piece {
            Piece::Replayable(segment) => segment.stream(),
            Piece::Stream(stream) => stream,
        })
        .collect();
    Box::pin(futures_util::stream::iter(streams).flatten())
}

/// The delimiter and headers that open a part, up to and including the blank line.
pub(super) fn part_head(boundary: &str, name: &str, part: &Part) -> Vec<u8> {
    let mut head = String::with_capacity(boundary.len() + name.len() + 64);
    head.push_str("--");
    head.push_str(boundary);
    head.push_str("\r\nContent-Disposition: form-data; name=");
    push_quoted(&mut head, name);
    if let Some(file_name) = &part.file_name {
        head.push_str("; filename=");
        push_quoted(&mut head, file_name);
    }
    head.push_str("\r\n");
    if let Some(mime) = &part.mime {
        head.push_str("Content-Type: ");
        head.push_str(mime.as_ref());
        head.push_str("\r\n");
    }
    let mut head = head.into_bytes();
    for (header, value) in &part.headers {
        if header == CONTENT_DISPOSITION || header == CONTENT_TYPE {
            continue;
        }
        head.extend_from_slice(header.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// The delimiter that closes the body.
pub(super) fn closing(boundary: &str) -> String {
    format!("--{boundary}--\r\n")
}

/// Appends `value` as a quoted string for a `Content-Disposition` parameter: UTF-8 as it is
/// (RFC 7578 §4.2), `"` and `\` as quoted pairs, CR and LF percent-encoded (a header cannot
/// hold them, even quoted).
pub(super) fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A file's content, opened when first polled. The length is checked against the one the
/// form's `Content-Length` was computed from: a file that changed size fails the send rather
/// than sending a body that disagrees with its header.
fn file_stream(path: Arc<Path>, length: u64) -> BodyStream {
    Box::pin(futures_util::stream::once(open(path, length)).try_flatten())
}

async fn open(path: Arc<Path>, length: u64) -> Result<FileChunks, BoxError> {
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|error| io_error(&path, error))?;
    let actual = file
        .metadata()
        .await
        .map_err(|error| io_error(&path, error))?
        .len();
    if actual != length {
        return Err(Error::new(ErrorKind::Io)
            .with_message(format!(
                "{} changed size since the form was built ({length} bytes, now {actual})",
                path.display()
            ))
            .into());
    }
    Ok(FileChunks {
        inner: ReaderStream::with_capacity(file.take(length), FILE_CHUNK),
        remaining: length,
        path,
        done: false,
    })
}

fn io_error(path: &Path, error: std::io::Error) -> BoxError {
    Error::with_source(ErrorKind::Io, error)
        .with_message(format!("cannot read {}", path.display()))
        .into()
}

/// Reads exactly `remaining` bytes of a file; ending early is an error.
struct FileChunks {
    inner: ReaderStream<tokio::io::Take<tokio::fs::File>>,
    remaining: u64,
    path: Arc<Path>,
    done: bool,
}

impl Stream for FileChunks {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                this.done = true;
                Poll::Ready(Some(Err(io_error(&this.path, error))))
            }
            Poll::Ready(None) => {
                this.done = true;
                if this.remaining == 0 {
                    Poll::Ready(None)
                } else {
                    let error = Error::new(ErrorKind::Io).with_message(format!(
                        "{} shrank while it was sent ({} bytes missing)",
                        this.path.display(),
                        this.remaining
                    ));
                    Poll::Ready(Some(Err(error.into())))
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(value: &str) -> String {
        let mut out = String::new();
        push_quoted(&mut out, value);
        out
    }

    #[test]
    fn rfc7578_4_2_quotes_escape_and_utf8_passes_through() {
        assert_eq!(quoted("plain.txt"), r#""plain.txt""#);
        assert_eq!(quoted(r#"a"b.txt"#), r#""a\"b.txt""#);
        assert_eq!(quoted(r"C:\x"), r#""C:\\x""#);
        assert_eq!(quoted("a\r\nb"), r#""a%0D%0Ab""#);
        assert_eq!(quoted("résumé 文件.pdf"), "\"résumé 文件.pdf\"");
    }

    #[test]
    fn part_head_has_disposition_type_and_extra_headers() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-a", http::HeaderValue::from_static("1"));
        headers.insert(CONTENT_TYPE, http::HeaderValue::from_static("ignored/here"));
        let part = Part::bytes("x")
            .file_name("f.bin")
            .mime_str("application/octet-stream")
            .unwrap()
            .headers(headers);
        let head = String::from_utf8(part_head("B", "field", &part)).unwrap();
        assert_eq!(
            head,
            "--B\r\nContent-Disposition: form-data; name=\"field\"; filename=\"f.bin\"\r\n\
             Content-Type: application/octet-stream\r\nx-a: 1\r\n\r\n"
        );
    }

    #[test]
    fn small_runs_are_merged_large_ones_kept_apart() {
        let mut encoder = Encoder::default();
        encoder.push_part("B", "a", Part::text("1"));
        encoder.push_part("B", "b", Part::text("2"));
        assert_eq!(encoder.finish("B").len(), 1);

        let mut encoder = Encoder::default();
        encoder.push_part("B", "big", Part::bytes(vec![0u8; MERGE_LIMIT + 1]));
        // head, the big content, then CRLF merged with the closing delimiter.
        assert_eq!(encoder.finish("B").len(), 3);
    }
}
