//! Downloads to a file: atomic, resumable, cancellable, with progress
//! ([`Client::download`](crate::Client::download)).
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), courier::Error> {
//! let client = courier::Client::new();
//! let cancel = courier::CancelToken::new();
//! let report = client
//!     .download("https://example.com/big.iso", "downloads/big.iso")
//!     .on_progress(|p| println!("{:.0}%", 100.0 * p.fraction().unwrap_or(0.0)))
//!     .cancel_token(&cancel)
//!     .send()
//!     .await?;
//! println!("{} bytes in {}", report.total_bytes, report.path.display());
//! # Ok(())
//! # }
//! ```
//!
//! ## Why a temporary file
//!
//! The body is streamed to `<name>.part` in the target's directory, flushed to disk
//! (`fsync`), then renamed over the target. A rename within one directory is atomic, so the
//! target is either absent, its previous version, or the complete new file, never a prefix
//! of it, even if the process dies mid-download. On an error or a cancellation the partial
//! file is removed, unless [`delete_on_error(false)`](DownloadBuilder::delete_on_error) keeps
//! it to be resumed later.
//!
//! ## Why resuming needs a validator
//!
//! When a download starts, the response's validator (its strong `ETag`, else its
//! `Last-Modified`) is saved beside the partial file in `<name>.part.meta`. A later call for
//! the same URL continues the partial file with `Range: bytes=N-` and `If-Range: <validator>`:
//! the server answers `206` with the rest only if the resource has not changed, and the whole
//! resource (`200`) otherwise, which then replaces the partial file. Appending the end of a
//! new version to the start of an old one would produce a file that is silently corrupt;
//! `If-Range` rules that out in the same round trip. A `416` means the partial file may
//! already be complete: it is accepted only if its size equals the length the server states
//! and the answer names no other strong `ETag`. (A server that ignores `If-Range` is caught
//! the same way: a `206` or `416` for another entity tag starts the download over.)
//!
//! Within one call, when the connection breaks mid-body (or stalls past the receive timeout)
//! and the server announced `Accept-Ranges: bytes` and a validator, the download reconnects
//! the same way, up to [`max_resume_attempts`](DownloadBuilder::max_resume_attempts) times. A
//! cancellation is never resumed.
//!
//! Downloads ask for `Accept-Encoding: identity` (unless a header says otherwise): byte
//! ranges and `Content-Length` must describe the bytes of the file, not of a compressed form
//! the transport would decompress on the way.
//!
//! One partial file belongs to one call at a time: two concurrent downloads to the same path
//! would write into the same `<name>.part`.
//!
//! ## Progress
//!
//! Reports count the bytes of the file, so a resumed download starts at the bytes already on
//! disk; the total comes from `Content-Length` (or the `Content-Range` of a `206`). Reports
//! never go backwards, and the last one is the file's size, as both values. When the
//! download starts over from byte 0 (the resource changed), reports pause until the new
//! content passes what was already reported. Only if the new version is smaller than that can
//! the two promises not both hold: then the last report, the file's size, is the one below
//! the earlier ones.

mod builder;
mod file;
mod job;
mod resume;

pub use builder::{DownloadBuilder, DownloadReport};
