//! Running a store's blocking I/O (files, the OS keychain) off the async runtime.

/// Runs `work` on tokio's blocking pool, or right here when no tokio runtime is running (a
/// test on another executor): a store must not stall the runtime's workers, nor panic
/// without one.
pub(super) async fn run_blocking<T, F>(work: F) -> std::io::Result<T>
where
    F: FnOnce() -> std::io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => runtime
            .spawn_blocking(work)
            .await
            .map_err(|join| std::io::Error::other(format!("token store task failed: {join}")))?,
        Err(_) => work(),
    }
}
