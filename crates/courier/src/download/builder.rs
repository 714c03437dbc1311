//! The download's settings and its entry point, [`DownloadBuilder::send`].

use std::path::PathBuf;

use http::header::{HeaderName, HeaderValue};

use super::file::Paths;
use super::job::{Job, Settings};
use crate::cancel::CancelToken;
use crate::client::Client;
use crate::error::Result;
use crate::progress::{Progress, ProgressCallback};
use crate::request::RequestBuilder;

/// Configures a download; made by [`Client::download`].
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let report = courier::Client::new()
///     .download("https://example.com/data.csv", "data.csv")
///     .header("authorization", "Bearer t0k")
///     .delete_on_error(false)
///     .max_resume_attempts(5)
///     .send()
///     .await?;
/// assert_eq!(report.total_bytes, std::fs::metadata("data.csv")?.len());
/// # Ok(())
/// # }
/// ```
#[must_use = "a download does nothing until it is sent"]
#[derive(Debug)]
pub struct DownloadBuilder {
    client: Client,
    request: RequestBuilder,
    path: PathBuf,
    progress: Option<ProgressCallback>,
    delete_on_error: bool,
    resume: bool,
    max_resume_attempts: u32,
}

/// What a finished download did.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), courier::Error> {
/// let report = courier::Client::new().download("https://example.com/a.bin", "a.bin").send().await?;
/// if report.resumed {
///     println!("continued: {} of {} bytes were new", report.bytes_written, report.total_bytes);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadReport {
    /// The file written (the path given to [`Client::download`]).
    pub path: PathBuf,
    /// Bytes this call wrote: the file's size minus what an earlier, interrupted run had
    /// left on disk and this call kept.
    pub bytes_written: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Whether the file continued a partial download (from an earlier run, or after a
    /// reconnection in this one) rather than being written from its first byte in one go.
    pub resumed: bool,
}

impl DownloadBuilder {
    pub(crate) fn new(client: Client, request: RequestBuilder, path: PathBuf) -> Self {
        Self {
            client,
            request,
            path,
            progress: None,
            delete_on_error: true,
            resume: true,
            max_resume_attempts: 3,
        }
    }

    /// Called as the file grows, with the bytes on disk so far (a resumed download starts
    /// at what was already there) and the total when known. Reports never go backwards;
    /// the last one is the file's size (below earlier reports only when a changed resource
    /// forced a restart and the new version is smaller than what was already reported).
    /// Default: none.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// courier::Client::new()
    ///     .download("https://example.com/a.bin", "a.bin")
    ///     .on_progress(|p| println!("{} of {:?}", p.transferred, p.total))
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn on_progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressCallback::new(callback));
        self
    }

    /// Cancels the download when `token` is cancelled: every await stops (the request, the
    /// body, disk writes, a reconnection's back-off), the call fails with
    /// [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled), and the partial file is removed
    /// (unless [`delete_on_error(false)`](DownloadBuilder::delete_on_error)). Default: none.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let token = courier::CancelToken::new();
    /// let download = courier::Client::new()
    ///     .download("https://example.com/a.bin", "a.bin")
    ///     .cancel_token(&token)
    ///     .send();
    /// token.cancel_with("user pressed stop");
    /// assert!(download.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn cancel_token(mut self, token: &CancelToken) -> Self {
        self.request = self.request.cancel_token(token);
        self
    }

    /// Adds a header to the request (see [`RequestBuilder::header`]); `Range` and `If-Range`
    /// are the download's own and are replaced.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// courier::Client::new()
    ///     .download("https://example.com/private.bin", "private.bin")
    ///     .header("x-api-key", "k")
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        K: TryInto<HeaderName>,
        K::Error: Into<http::Error>,
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.request = self.request.header(name, value);
        self
    }

    /// Whether a failed or cancelled download removes its partial file (Dio's
    /// `deleteOnError`). Keep it (`false`) to resume with a later call. Default: `true`.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let client = courier::Client::new();
    /// let first = client.download("https://example.com/a.bin", "a.bin").delete_on_error(false).send().await;
    /// if first.is_err() {
    ///     // Continues from `a.bin.part` with a Range request.
    ///     client.download("https://example.com/a.bin", "a.bin").send().await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_on_error(mut self, delete: bool) -> Self {
        self.delete_on_error = delete;
        self
    }

    /// Whether to continue a partial file left by an earlier call, and to reconnect with
    /// `Range` when the connection breaks mid-body. With `false`, every call downloads from
    /// the first byte. Default: `true`.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// courier::Client::new().download("https://example.com/a.bin", "a.bin").resume(false).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// How many times one call reconnects after the connection broke or stalled mid-body
    /// (waiting 100 ms before the first reconnection, doubling up to 2 s). `0` fails on the
    /// first break. Default: `3`.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// courier::Client::new().download("https://example.com/a.bin", "a.bin").max_resume_attempts(10).send().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_resume_attempts(mut self, attempts: u32) -> Self {
        self.max_resume_attempts = attempts;
        self
    }

    /// Runs the download: through the client's interceptors, into `<name>.part`, then renamed
    /// to the target.
    ///
    /// # Errors
    ///
    /// Any error of the request ([`ErrorKind::BadResponse`](crate::ErrorKind::BadResponse) for
    /// a status other than 200 or 206, a connection error once reconnections are used up,
    /// …); [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled); and
    /// [`ErrorKind::Io`](crate::ErrorKind::Io), naming the path, when the file cannot be
    /// written.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), courier::Error> {
    /// let report = courier::Client::new().download("https://example.com/a.bin", "a.bin").send().await?;
    /// println!("{} bytes", report.total_bytes);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(self) -> Result<DownloadReport> {
        let request = self.request.build()?;
        let cancel = request.options().cancel_token().cloned();
        let url = request.url().clone();
        let paths = Paths::new(self.path)?;
        let settings = Settings {
            resume: self.resume,
            max_resume_attempts: self.max_resume_attempts,
        };
        let mut job = Job::new(self.client, request, paths, settings, self.progress);
        // The request's own guards stop its awaits; this one also stops disk writes and
        // back-offs, and leaves `job` (and so the partial file) to be cleaned up below.
        let result = match &cancel {
            Some(token) if token.is_cancelled() => Err(token.error().with_url(&url)),
            Some(token) => tokio::select! {
                biased;
                () = token.cancelled() => Err(token.error().with_url(&url)),
                result = job.run() => result,
            },
            None => job.run().await,
        };
        if result.is_err() {
            job.abandon(self.delete_on_error).await;
        }
        result
    }
}
