//! One download call: requests, decisions, the partial file, reconnections and progress.

use std::time::Duration;

use http::header::{ACCEPT_ENCODING, IF_RANGE, RANGE};
use http::{HeaderValue, StatusCode};
use url::Url;

use super::DownloadReport;
use super::file::{PartFile, Paths};
use super::resume::{Decision, Validator, accepts_ranges, decide};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::progress::{Progress, ProgressCallback};
use crate::request::{Request, ValidateStatus};
use crate::response::Response;

/// The first reconnection waits this long; each next one twice as long, up to
/// [`MAX_BACKOFF`]. A connection that just broke is often still broken a millisecond later.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Settings of one call, from the builder.
pub(super) struct Settings {
    pub(super) resume: bool,
    pub(super) max_resume_attempts: u32,
}

/// The state of one call. It outlives a cancelled `run` future, so the partial file can still
/// be closed or removed afterwards.
pub(super) struct Job {
    client: Client,
    template: Request,
    url: Url,
    pub(super) paths: Paths,
    settings: Settings,
    progress: Reporter,
    file: Option<PartFile>,
}

/// Where the content stands.
struct Cursor {
    /// Bytes of valid content in the partial file.
    offset: u64,
    /// The version of the resource those bytes come from.
    validator: Option<Validator>,
    /// Bytes that an earlier run left and this one kept.
    reused: u64,
    /// Whether the content continued a partial download (a `206` was appended).
    resumed: bool,
    /// Reconnections left after a broken body.
    attempts_left: u32,
    /// Reconnections made so far.
    attempts_made: u32,
}

enum Step {
    /// The resource is complete in the partial file.
    Done,
    /// Send another request (with `Range` when there is content to continue).
    Again,
}

impl Job {
    pub(super) fn new(
        client: Client,
        mut template: Request,
        paths: Paths,
        settings: Settings,
        progress: Option<ProgressCallback>,
    ) -> Job {
        // Ranges and lengths must be about the bytes of the file itself: a compressed
        // response would be decompressed by the transport, and its Content-Length and byte
        // offsets would then describe something else.
        template
            .headers_mut()
            .entry(ACCEPT_ENCODING)
            .or_insert(HeaderValue::from_static("identity"));
        let url = template.url().clone();
        Job {
            client,
            template,
            url,
            paths,
            settings,
            progress: Reporter {
                callback: progress,
                last: None,
            },
            file: None,
        }
    }

    pub(super) async fn run(&mut self) -> Result<DownloadReport> {
        self.paths.create_parent().await?;
        let mut cursor = Cursor {
            offset: 0,
            validator: None,
            reused: 0,
            resumed: false,
            attempts_left: self.settings.max_resume_attempts,
            attempts_made: 0,
        };
        if self.settings.resume
            && let Some((length, validator)) = self.paths.load_partial(&self.url).await
        {
            cursor.offset = length;
            cursor.validator = Some(validator);
            cursor.reused = length;
        }
        let mut reconnecting = false;
        loop {
            let (request, ranged) = self.attempt(&cursor)?;
            let response = match self.client.execute(request).await {
                Ok(response) => response,
                Err(error) if reconnecting && self.may_reconnect(&error, &mut cursor) => {
                    backoff(cursor.attempts_made).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            match self.receive(response, &mut cursor, ranged).await? {
                Step::Done => break,
                Step::Again => reconnecting = true,
            }
        }
        if let Some(file) = self.file.take() {
            file.sync().await?;
        }
        self.paths.commit().await?;
        self.progress.finish(cursor.offset);
        Ok(DownloadReport {
            path: self.paths.target.clone(),
            bytes_written: cursor.offset.saturating_sub(cursor.reused),
            total_bytes: cursor.offset,
            resumed: cursor.resumed,
        })
    }

    /// Closes the partial file after a failure: flushed when it is kept for a later resume,
    /// removed with its sidecar otherwise.
    pub(super) async fn abandon(&mut self, delete: bool) {
        let file = self.file.take();
        if delete {
            drop(file);
            self.paths.remove_partial().await;
        } else if let Some(file) = file
            && let Err(error) = file.close().await
        {
            tracing::warn!(%error, "could not flush a partial download");
        }
    }

    /// The request for the next attempt: `Range` + `If-Range` when there is content to
    /// continue, and the statuses a download understands.
    fn attempt(&self, cursor: &Cursor) -> Result<(Request, bool)> {
        let mut request = self.template.try_clone().ok_or_else(|| {
            Error::new(ErrorKind::InvalidRequest)
                .with_message("a download request must not carry a one-shot body")
        })?;
        let headers = request.headers_mut();
        headers.remove(RANGE);
        headers.remove(IF_RANGE);
        let if_range = cursor.validator.as_ref().and_then(Validator::if_range);
        let ranged = match if_range {
            Some(if_range) if cursor.offset > 0 => {
                let range = HeaderValue::try_from(format!("bytes={}-", cursor.offset))
                    .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?;
                headers.insert(RANGE, range);
                headers.insert(IF_RANGE, if_range);
                true
            }
            _ => false,
        };
        // 416 is an answer, not a failure, to a request with Range: it may mean the partial
        // file is already complete.
        request
            .options_mut()
            .set_validate_status(ValidateStatus::new(move |status| {
                status == StatusCode::OK
                    || status == StatusCode::PARTIAL_CONTENT
                    || (ranged && status == StatusCode::RANGE_NOT_SATISFIABLE)
            }));
        Ok((request, ranged))
    }

    /// Applies the decision for `response` and streams its body into the partial file.
    async fn receive(
        &mut self,
        mut response: Response,
        cursor: &mut Cursor,
        ranged: bool,
    ) -> Result<Step> {
        let status = response.status();
        let total = match decide(
            status,
            response.headers(),
            cursor.offset,
            cursor.validator.as_ref(),
        ) {
            Decision::Fresh { total } => {
                self.start_over(response.headers(), cursor).await?;
                total
            }
            Decision::Append { total } => {
                if self.file.is_none() {
                    self.file = Some(PartFile::open_at(&self.paths.part, cursor.offset).await?);
                }
                cursor.resumed = true;
                total
            }
            Decision::Complete { total } => {
                cursor.resumed = true;
                self.progress.report(cursor.offset, Some(total));
                return Ok(Step::Done);
            }
            Decision::Restart if ranged => {
                // Ask for everything; the next answer starts the file over.
                cursor.offset = 0;
                cursor.reused = 0;
                cursor.validator = None;
                return Ok(Step::Again);
            }
            Decision::Restart | Decision::Unusable => {
                return Err(Error::new(ErrorKind::BadResponse)
                    .with_message(format!("a download cannot use a {status} answer"))
                    .with_url(response.url()));
            }
        };
        let resumable = self.settings.resume
            && cursor.validator.is_some()
            && (status == StatusCode::PARTIAL_CONTENT || accepts_ranges(response.headers()));
        self.progress.report(cursor.offset, total);

        let start = cursor.offset;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if let Some(file) = &mut self.file {
                        file.write(&chunk).await?;
                    }
                    cursor.offset += chunk.len() as u64;
                    self.progress.report(cursor.offset, total);
                }
                Ok(None) => break,
                Err(error) => {
                    let error = body_error(error, &self.url);
                    if resumable && self.may_reconnect(&error, cursor) {
                        tracing::debug!(%error, offset = cursor.offset, "download interrupted, resuming");
                        backoff(cursor.attempts_made).await;
                        return Ok(Step::Again);
                    }
                    return Err(error);
                }
            }
        }
        // A server may answer a range with less than the rest (some cap range sizes): ask for
        // the remainder, as long as each answer brings something.
        if status == StatusCode::PARTIAL_CONTENT && total.is_some_and(|total| cursor.offset < total)
        {
            if cursor.offset == start {
                return Err(Error::new(ErrorKind::Connection)
                    .with_message("the server sent an empty range before the end of the file")
                    .with_url(&self.url));
            }
            return Ok(Step::Again);
        }
        Ok(Step::Done)
    }

    /// Truncates the partial file for a body that starts at byte 0, and records the version
    /// it comes from. The sidecar goes first and comes back last, so a crash in between never
    /// leaves a sidecar describing bytes of another version.
    async fn start_over(&mut self, headers: &http::HeaderMap, cursor: &mut Cursor) -> Result<()> {
        if let Some(file) = self.file.take() {
            file.close().await?;
        }
        self.paths.remove_meta().await?;
        self.file = Some(PartFile::open_at(&self.paths.part, 0).await?);
        cursor.offset = 0;
        cursor.reused = 0;
        cursor.resumed = false;
        cursor.validator = Validator::from_headers(headers);
        if let Some(validator) = &cursor.validator {
            self.paths.write_meta(&self.url, validator).await?;
        }
        Ok(())
    }

    /// Whether `error` may be followed by a reconnection, using up one attempt if so. Only a
    /// broken or stalled connection qualifies: never a cancellation, a timeout of the whole
    /// call, or a local I/O error.
    fn may_reconnect(&self, error: &Error, cursor: &mut Cursor) -> bool {
        let transient = matches!(
            error.kind(),
            ErrorKind::Connection | ErrorKind::ReceiveTimeout
        );
        if !transient || cursor.attempts_left == 0 || cursor.validator.is_none() {
            return false;
        }
        cursor.attempts_left -= 1;
        cursor.attempts_made += 1;
        true
    }
}

/// A body error, with a connection that closed before the body ended reported as
/// [`ErrorKind::Connection`].
///
/// The reqwest transport currently classifies every error of a response body stream as
/// `Decode` (reqwest's `bytes_stream` labels them so), a broken connection included. The
/// `io::Error` at the bottom of the chain tells them apart: a failed decompression is
/// `InvalidData`, a connection that broke is `UnexpectedEof`, a reset or an abort. Once the
/// transport classifies these itself, this changes nothing.
fn body_error(error: Error, url: &Url) -> Error {
    if error.kind() == ErrorKind::Decode && broke_connection(&error) {
        Error::with_source(ErrorKind::Connection, error)
            .with_message("the connection closed before the body ended")
            .with_url(url)
    } else {
        error
    }
}

fn broke_connection(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            );
        }
        cause = current.source();
    }
    false
}

async fn backoff(attempt: u32) {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
    let delay = FIRST_BACKOFF.saturating_mul(factor).min(MAX_BACKOFF);
    tokio::time::sleep(delay).await;
}

/// Reports progress that never goes backwards: after a restart from byte 0, reports resume
/// once the new content passes what was already reported. The final report is always the
/// file's size as the total, even when a restart brought a version smaller than what was
/// already reported (the one case where a report goes backwards).
struct Reporter {
    callback: Option<ProgressCallback>,
    last: Option<Progress>,
}

impl Reporter {
    fn report(&mut self, transferred: u64, total: Option<u64>) {
        let Some(callback) = &self.callback else {
            return;
        };
        let progress = Progress { transferred, total };
        if let Some(last) = self.last
            && (transferred < last.transferred || progress == last)
        {
            return;
        }
        callback.report(progress);
        self.last = Some(progress);
    }

    fn finish(&mut self, size: u64) {
        let Some(callback) = &self.callback else {
            return;
        };
        let progress = Progress {
            transferred: size,
            total: Some(size),
        };
        if self.last != Some(progress) {
            callback.report(progress);
            self.last = Some(progress);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://a.example/f").unwrap()
    }

    #[test]
    fn a_body_cut_short_is_a_connection_error_and_bad_compression_stays_decode() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete body");
        let cut = body_error(Error::with_source(ErrorKind::Decode, eof), &url());
        assert_eq!(cut.kind(), ErrorKind::Connection);

        let corrupt = std::io::Error::new(std::io::ErrorKind::InvalidData, "bad gzip");
        let corrupt = body_error(Error::with_source(ErrorKind::Decode, corrupt), &url());
        assert_eq!(corrupt.kind(), ErrorKind::Decode);
    }

    #[test]
    fn progress_never_goes_backwards_and_ends_at_the_size() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let mut reporter = Reporter {
            callback: Some(ProgressCallback::new(move |p| sink.lock().unwrap().push(p))),
            last: None,
        };
        reporter.report(50, Some(100));
        reporter.report(0, Some(100)); // a restart from byte 0
        reporter.report(40, Some(100));
        reporter.report(60, Some(100));
        reporter.finish(100);
        let transferred: Vec<u64> = seen.lock().unwrap().iter().map(|p| p.transferred).collect();
        assert_eq!(transferred, [50, 60, 100]);
    }
}
