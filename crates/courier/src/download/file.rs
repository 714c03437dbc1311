//! The files of a download: the target, the partial file beside it, and its sidecar.
//!
//! All of it goes through `tokio::fs`, so no await blocks the runtime on disk I/O.

use std::ffi::OsString;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};
use url::Url;

use super::resume::Validator;
use crate::error::{Error, ErrorKind, Result};
use crate::redact::redact_url;

/// Writes reach the disk in batches of this size rather than once per network chunk.
const WRITE_BUFFER: usize = 256 * 1024;

/// An [`ErrorKind::Io`] error naming what was done to which path.
pub(super) fn io_error(action: &str, path: &Path, error: std::io::Error) -> Error {
    Error::with_source(ErrorKind::Io, error)
        .with_message(format!("cannot {action} {}", path.display()))
}

/// `name` with `suffix` appended to its last component (`a/b.iso` → `a/b.iso.part`).
fn with_suffix(path: &Path, name: &OsString, suffix: &str) -> PathBuf {
    let mut name = name.clone();
    name.push(suffix);
    path.with_file_name(name)
}

/// Where a download writes.
#[derive(Debug, Clone)]
pub(super) struct Paths {
    pub(super) target: PathBuf,
    /// `<name>.part`: the content so far. In the same directory as the target, so the final
    /// rename stays on one file system and is atomic.
    pub(super) part: PathBuf,
    /// `<name>.part.meta`: the URL and validator the partial file was written from.
    pub(super) meta: PathBuf,
}

impl Paths {
    pub(super) fn new(target: PathBuf) -> Result<Paths> {
        let Some(name) = target.file_name().map(OsString::from) else {
            return Err(Error::new(ErrorKind::Io).with_message(format!(
                "the download path {} does not name a file",
                target.display()
            )));
        };
        Ok(Paths {
            part: with_suffix(&target, &name, ".part"),
            meta: with_suffix(&target, &name, ".part.meta"),
            target,
        })
    }

    /// Creates the target's directory if it is missing (as Dio does).
    pub(super) async fn create_parent(&self) -> Result<()> {
        match self.target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => tokio::fs::create_dir_all(parent)
                .await
                .map_err(|error| io_error("create the directory", parent, error)),
            _ => Ok(()),
        }
    }

    /// The length and validator of a partial file left by an earlier run for the same URL,
    /// or `None` when there is nothing usable (no file, no sidecar, another URL, no
    /// validator). Unusable leftovers are simply overwritten later.
    pub(super) async fn load_partial(&self, url: &Url) -> Option<(u64, Validator)> {
        let length = tokio::fs::metadata(&self.part).await.ok()?.len();
        if length == 0 {
            return None;
        }
        let meta = tokio::fs::read(&self.meta).await.ok()?;
        let meta: serde_json::Value = serde_json::from_slice(&meta).ok()?;
        if meta.get("url")?.as_str()? != redact_url(url).as_str() {
            return None;
        }
        let validator = if let Some(etag) = meta.get("etag").and_then(|v| v.as_str()) {
            Validator::ETag(etag.to_owned())
        } else {
            let date = meta.get("last_modified")?.as_str()?;
            Validator::LastModified(date.to_owned())
        };
        validator.if_range()?;
        Some((length, validator))
    }

    /// Saves what the partial file is about to be written from. The URL is stored redacted,
    /// so no token lands on disk.
    pub(super) async fn write_meta(&self, url: &Url, validator: &Validator) -> Result<()> {
        let mut meta = serde_json::Map::new();
        meta.insert("url".into(), redact_url(url).as_str().into());
        match validator {
            Validator::ETag(etag) => meta.insert("etag".into(), etag.as_str().into()),
            Validator::LastModified(date) => {
                meta.insert("last_modified".into(), date.as_str().into())
            }
        };
        let bytes =
            serde_json::to_vec(&meta).map_err(|error| Error::with_source(ErrorKind::Io, error))?;
        tokio::fs::write(&self.meta, bytes)
            .await
            .map_err(|error| io_error("write", &self.meta, error))
    }

    pub(super) async fn remove_meta(&self) -> Result<()> {
        remove_if_present(&self.meta).await
    }

    /// Removes the partial file and its sidecar, best effort (used on the way out of an
    /// error, which is the error to report).
    pub(super) async fn remove_partial(&self) {
        for path in [&self.part, &self.meta] {
            if let Err(error) = remove_if_present(path).await {
                tracing::warn!(%error, "could not remove a partial download");
            }
        }
    }

    /// Moves the finished partial file into place and forgets its sidecar.
    pub(super) async fn commit(&self) -> Result<()> {
        tokio::fs::rename(&self.part, &self.target)
            .await
            .map_err(|error| io_error("rename the partial file to", &self.target, error))?;
        self.remove_meta().await?;
        sync_directory(&self.target).await;
        Ok(())
    }
}

async fn remove_if_present(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(io_error("remove", path, error))
        }
        _ => Ok(()),
    }
}

/// Makes the rename durable: on Unix a rename is recorded in the directory, which has its own
/// fsync. Best effort: the download itself has succeeded.
async fn sync_directory(target: &Path) {
    #[cfg(unix)]
    if let Some(parent) = target.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        if let Ok(directory) = tokio::fs::File::open(parent).await {
            let _best_effort = directory.sync_all().await;
        }
    }
    #[cfg(not(unix))]
    let _ = target;
}

/// The partial file, open for writing at the end of its valid content.
pub(super) struct PartFile {
    writer: BufWriter<tokio::fs::File>,
    path: PathBuf,
}

impl PartFile {
    /// Opens (creating) `path` and cuts it to `offset` bytes, ready to write at `offset`.
    pub(super) async fn open_at(path: &Path, offset: u64) -> Result<PartFile> {
        let fail = |error| io_error("open", path, error);
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .await
            .map_err(fail)?;
        file.set_len(offset).await.map_err(fail)?;
        file.seek(SeekFrom::Start(offset)).await.map_err(fail)?;
        Ok(PartFile {
            writer: BufWriter::with_capacity(WRITE_BUFFER, file),
            path: path.to_path_buf(),
        })
    }

    pub(super) async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.writer
            .write_all(chunk)
            .await
            .map_err(|error| io_error("write", &self.path, error))
    }

    /// Writes out what is buffered (so the file on disk is the longest valid prefix).
    pub(super) async fn close(mut self) -> Result<()> {
        self.writer
            .flush()
            .await
            .map_err(|error| io_error("write", &self.path, error))
    }

    /// Writes out what is buffered and waits until the content is on the disk, so the rename
    /// that follows can never expose a file whose content is still in flight.
    pub(super) async fn sync(mut self) -> Result<()> {
        let fail = |error| io_error("write", &self.path, error);
        self.writer.flush().await.map_err(fail)?;
        self.writer.get_mut().sync_all().await.map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_files_sit_beside_the_target() {
        let paths = Paths::new(PathBuf::from("downloads/big.iso")).unwrap();
        assert_eq!(paths.part, PathBuf::from("downloads/big.iso.part"));
        assert_eq!(paths.meta, PathBuf::from("downloads/big.iso.part.meta"));
        assert_eq!(
            Paths::new(PathBuf::from("/")).unwrap_err().kind(),
            ErrorKind::Io
        );
    }

    #[tokio::test]
    async fn the_sidecar_round_trips_for_the_same_url_only() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path().join("f.bin")).unwrap();
        let url = Url::parse("https://a.example/f.bin?access_token=secret").unwrap();
        tokio::fs::write(&paths.part, b"12345").await.unwrap();
        let validator = Validator::ETag("\"v1\"".into());
        paths.write_meta(&url, &validator).await.unwrap();

        let meta = std::fs::read_to_string(&paths.meta).unwrap();
        assert!(!meta.contains("secret"));
        assert_eq!(paths.load_partial(&url).await, Some((5, validator)));
        let other = Url::parse("https://a.example/other.bin").unwrap();
        assert_eq!(paths.load_partial(&other).await, None);
    }

    #[tokio::test]
    async fn open_at_cuts_to_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        tokio::fs::write(&path, b"0123456789").await.unwrap();
        let mut file = PartFile::open_at(&path, 4).await.unwrap();
        file.write(b"ab").await.unwrap();
        file.sync().await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"0123ab");
    }
}
