//! `multipart/form-data` bodies ([RFC 7578]): text fields, in-memory bytes, files and streams.
//!
//! ```no_run
//! use courier::multipart::{Form, Part};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let form = Form::new()
//!     .text("title", "Holiday")
//!     .part("thumbnail", Part::bytes(vec![0x89, b'P', b'N', b'G']).file_name("t.png").mime_str("image/png")?)
//!     .file("photo", "photos/beach.jpg")
//!     .await?;
//!
//! let client = courier::Client::new();
//! client.post("https://api.example/albums").multipart(form).send().await?;
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a form is replayable
//!
//! A request body is needed again more often than it seems: a retry after a dropped
//! connection, a 307/308 redirect, a re-send after an interceptor refreshed a token. A form
//! whose parts are text, bytes and files is therefore encoded into a
//! [`Body::replayable`](crate::Body::replayable): every send re-encodes it, re-using the
//! in-memory parts and **re-opening each file from disk**, so a 2 GiB upload can be retried
//! without ever being held in memory. The length of such a form is known up front (file sizes
//! come from their metadata), so it goes out with `Content-Length` rather than chunked, and
//! upload progress has a total.
//!
//! A [`Part::stream`] is the exception: a stream can be read once, so a form holding one is a
//! one-shot body ([`Body::try_clone`](crate::Body::try_clone) returns `None`) and a request
//! carrying it is not retried.
//!
//! ## Names and file names
//!
//! Field names and file names are written as quoted strings in each part's
//! `Content-Disposition`. Following [RFC 7578 §4.2] they are sent as UTF-8 as they are, never
//! with the RFC 5987 `filename*=` form (which §4.2 forbids); `"` and `\` are escaped as quoted
//! pairs (`\"`, `\\`), and CR and LF, which no header may hold, are percent-encoded as `%0D`
//! and `%0A`, as browsers do.
//!
//! [RFC 7578]: https://www.rfc-editor.org/rfc/rfc7578
//! [RFC 7578 §4.2]: https://www.rfc-editor.org/rfc/rfc7578#section-4.2

mod encode;
mod form;
mod part;

pub use form::Form;
pub use part::Part;
