//! The form: a boundary and an ordered list of named parts.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::encode::{self, Encoder, Piece, Segment};
use super::part::Part;
use crate::body::Body;
use crate::error::Result;

/// A `multipart/form-data` form, sent with
/// [`RequestBuilder::multipart`](crate::RequestBuilder::multipart).
///
/// Parts are sent in the order they were added; a name may repeat (a multi-file input).
/// See the [module docs](super) for why a form without [`Part::stream`] can be re-sent.
///
/// ```no_run
/// use courier::multipart::{Form, Part};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let form = Form::new()
///     .text("name", "Ada")
///     .part("notes", Part::text("first draft").file_name("notes.txt"))
///     .file("attachment", "paper.pdf")
///     .await?;
/// courier::Client::new().post("https://api.example/upload").multipart(form).send().await?;
/// # Ok(())
/// # }
/// ```
pub struct Form {
    boundary: String,
    parts: Vec<(String, Part)>,
}

impl Form {
    /// An empty form with a random boundary.
    ///
    /// ```
    /// let form = courier::multipart::Form::new();
    /// assert!(form.boundary().starts_with("courier-"));
    /// ```
    pub fn new() -> Self {
        Self {
            // 128 random bits: content colliding with it by chance is not a concern.
            boundary: format!(
                "courier-{:016x}{:016x}",
                fastrand::u64(..),
                fastrand::u64(..)
            ),
            parts: Vec::new(),
        }
    }

    /// Adds a text field.
    ///
    /// ```
    /// let form = courier::multipart::Form::new().text("name", "Ada").text("lang", "en");
    /// ```
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(name, Part::text(value))
    }

    /// Adds a part.
    ///
    /// ```
    /// use courier::multipart::{Form, Part};
    /// let form = Form::new().part("data", Part::bytes(vec![1, 2, 3]).file_name("data.bin"));
    /// ```
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Self {
        self.parts.push((name.into(), part));
        self
    }

    /// Adds a file part ([`Part::file`]): its size, type and file name are read now, its
    /// content is streamed from disk on each send.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`](crate::ErrorKind::Io) when the file cannot be read.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let form = courier::multipart::Form::new().file("photo", "beach.jpg").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn file(self, name: impl Into<String>, path: impl AsRef<Path>) -> Result<Form> {
        let part = Part::file(path).await?;
        Ok(self.part(name, part))
    }

    /// The boundary that separates the parts.
    ///
    /// ```
    /// let form = courier::multipart::Form::new();
    /// assert!(form.content_type().ends_with(form.boundary()));
    /// ```
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// The `Content-Type` header value: `multipart/form-data; boundary=…`.
    ///
    /// ```
    /// let form = courier::multipart::Form::new();
    /// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
    /// ```
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The encoded body's length, known unless a [`Part::stream`] was added without one.
    ///
    /// ```
    /// let form = courier::multipart::Form::new().text("a", "1");
    /// let length = form.content_length();
    /// assert_eq!(length, form.into_body().content_length());
    /// ```
    pub fn content_length(&self) -> Option<u64> {
        let mut total = encode::closing(&self.boundary).len() as u64;
        for (name, part) in &self.parts {
            let head = encode::part_head(&self.boundary, name, part).len() as u64;
            total += head + part.data_length()? + 2;
        }
        Some(total)
    }

    /// The encoded body. Without a [`Part::stream`] it is a
    /// [`Body::replayable`]: each send re-encodes the form and re-opens its files. With one,
    /// it is a one-shot stream.
    ///
    /// ```
    /// let body = courier::multipart::Form::new().text("a", "1").into_body();
    /// assert!(body.is_replayable());
    /// ```
    pub fn into_body(self) -> Body {
        let length = self.content_length();
        let one_shot = self.parts.iter().any(|(_, part)| part.is_stream());
        let mut encoder = Encoder::default();
        for (name, part) in self.parts {
            encoder.push_part(&self.boundary, &name, part);
        }
        let pieces = encoder.finish(&self.boundary);
        if one_shot {
            let stream = encode::once(pieces);
            return match length {
                Some(length) => Body::wrap_stream_with_length(stream, length),
                None => Body::wrap_stream(stream),
            };
        }
        let segments: Arc<[Segment]> = pieces
            .into_iter()
            .filter_map(|piece| match piece {
                Piece::Replayable(segment) => Some(segment),
                Piece::Stream(_) => None,
            })
            .collect();
        Body::replayable(length, move || encode::replay(&segments))
    }
}

impl Default for Form {
    /// The same as [`Form::new`]: an empty form with a random boundary.
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("boundary", &self.boundary)
            .field("parts", &self.parts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn encoded(form: Form) -> (Option<u64>, String) {
        let body = form.into_body();
        let length = body.content_length();
        let bytes = body.collect().await.unwrap();
        (length, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn with_boundary(mut form: Form, boundary: &str) -> Form {
        form.boundary = boundary.to_owned();
        form
    }

    #[tokio::test]
    async fn encodes_fields_in_order_with_exact_length() {
        let form = with_boundary(
            Form::new()
                .text("name", "Ada")
                .part("blob", Part::bytes("xyz").file_name("b.bin")),
            "B",
        );
        let (length, text) = encoded(form).await;
        let expected = "--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nAda\r\n\
                        --B\r\nContent-Disposition: form-data; name=\"blob\"; filename=\"b.bin\"\r\n\r\nxyz\r\n\
                        --B--\r\n";
        assert_eq!(text, expected);
        assert_eq!(length, Some(expected.len() as u64));
    }

    #[tokio::test]
    async fn file_parts_are_read_on_every_send() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "hello file").unwrap();
        let form = with_boundary(Form::new().file("f", &path).await.unwrap(), "B");
        let body = form.into_body();
        let expected = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"notes.txt\"\r\n\
                        Content-Type: text/plain\r\n\r\nhello file\r\n--B--\r\n";
        assert_eq!(body.content_length(), Some(expected.len() as u64));
        let again = body.try_clone().unwrap();
        assert_eq!(body.collect().await.unwrap(), expected);
        assert_eq!(again.collect().await.unwrap(), expected);
    }

    #[tokio::test]
    async fn a_file_that_changed_size_fails_the_stream_with_io() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grows.bin");
        std::fs::write(&path, "1234").unwrap();
        let body = Form::new().file("f", &path).await.unwrap().into_body();
        std::fs::write(&path, "123456").unwrap();
        let error = body.collect().await.unwrap_err();
        let cause = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<crate::Error>())
            .unwrap();
        assert_eq!(cause.kind(), crate::ErrorKind::Io);
        assert!(cause.to_string().contains("changed size"));
    }

    #[tokio::test]
    async fn a_stream_part_makes_the_form_one_shot() {
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>("ab"), Ok("c")]);
        let form = with_boundary(Form::new().part("s", Part::stream(chunks, None)), "B");
        assert_eq!(form.content_length(), None);
        let body = form.into_body();
        assert!(body.try_clone().is_none());
        let text = String::from_utf8(body.collect().await.unwrap().to_vec()).unwrap();
        assert_eq!(
            text,
            "--B\r\nContent-Disposition: form-data; name=\"s\"\r\n\r\nabc\r\n--B--\r\n"
        );
    }
}
