//! Downloads to a file (placeholder: being written).

use std::path::PathBuf;

use crate::client::Client;
use crate::error::Result;
use crate::progress::{Progress, ProgressCallback};
use crate::request::RequestBuilder;

/// Configures a download; made by [`Client::download`].
#[must_use = "a download does nothing until it is sent"]
#[derive(Debug)]
pub struct DownloadBuilder {
    client: Client,
    request: RequestBuilder,
    path: PathBuf,
    progress: Option<ProgressCallback>,
}

/// What a finished download did.
#[derive(Debug, Clone)]
pub struct DownloadReport {
    /// Bytes written by this call.
    pub bytes_written: u64,
}

impl DownloadBuilder {
    pub(crate) fn new(client: Client, request: RequestBuilder, path: PathBuf) -> Self {
        Self {
            client,
            request,
            path,
            progress: None,
        }
    }

    /// Reports progress.
    pub fn on_progress(mut self, callback: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressCallback::new(callback));
        self
    }

    /// Runs the download.
    pub async fn send(self) -> Result<DownloadReport> {
        let _ = (&self.client, &self.path, &self.progress);
        let bytes = self.request.send().await?.bytes().await?;
        Ok(DownloadReport {
            bytes_written: bytes.len() as u64,
        })
    }
}
