//! Stores whose I/O blocks: [`BlockingStore`], the synchronous operations, and
//! [`BlockingAdapter`], the one [`CacheStore`] that runs them on tokio's blocking pool.
//!
//! # Why one adapter
//!
//! The file, SQLite and redb stores do blocking I/O. Each operation hands an owned copy of
//! its arguments and a clone of the store's `Arc` to `spawn_blocking`, and a task that
//! panicked or was cancelled becomes a [`StoreErrorKind::Backend`] error. Written once
//! here, that cannot drift between stores; a store says only what differs: what it checks
//! before an operation ([`ready`](BlockingStore::ready)), whether `exists` can answer from
//! memory, and how it closes.
//!
//! Cancellation: dropping a future after its operation went to the pool does not stop the
//! operation; it runs to the end and its result is dropped, so a write is never cut
//! half-way by a caller giving up.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::SystemTime;

use super::{BoxFuture, CacheStore, CleanFilter, MatchFilter, StoreError, StoreErrorKind};
use crate::entry::{CacheEntry, EntryMetadata};

/// The synchronous operations of a store, run by [`BlockingAdapter`] on the blocking pool.
///
/// Each operation gets the [`Handle`](Self::Handle) that [`ready`](Self::ready) returned on
/// the caller's task; see [`CacheStore`] for what each one does.
pub(crate) trait BlockingStore: Send + Sync + 'static {
    /// What an operation runs with besides the store (redb: the open database), taken
    /// before it goes to the pool, so an operation that got it finishes even if the store
    /// is closed meanwhile.
    type Handle: Send + 'static;

    /// The operations' error: the store's own, converted when the operation ends.
    type Error: Into<StoreError> + Send + 'static;

    /// The message of the [`StoreErrorKind::Backend`] error for a task that panicked or
    /// was cancelled, naming the store.
    const TASK_FAILED: &'static str;

    /// Whether [`exists`](Self::exists) answers from memory, so it runs on the caller's
    /// task rather than waiting for the pool. Default: `false`.
    const EXISTS_IN_MEMORY: bool = false;

    /// Readies the store for an operation, on the caller's task: fails with
    /// [`StoreErrorKind::Closed`] once the store is closed.
    fn ready(self: &Arc<Self>) -> impl Future<Output = Result<Self::Handle, StoreError>> + Send;

    /// [`CacheStore::get`].
    fn get(
        &self,
        handle: &Self::Handle,
        key: &str,
        now: SystemTime,
    ) -> Result<Option<CacheEntry>, Self::Error>;

    /// [`CacheStore::set`].
    fn set(&self, handle: &Self::Handle, entry: CacheEntry) -> Result<(), Self::Error>;

    /// [`CacheStore::update_metadata`].
    fn update_metadata(
        &self,
        handle: &Self::Handle,
        metadata: EntryMetadata,
    ) -> Result<bool, Self::Error>;

    /// [`CacheStore::delete`].
    fn delete(&self, handle: &Self::Handle, key: &str) -> Result<bool, Self::Error>;

    /// [`CacheStore::exists`].
    fn exists(
        &self,
        handle: &Self::Handle,
        key: &str,
        now: SystemTime,
    ) -> Result<bool, Self::Error>;

    /// [`CacheStore::clean`].
    fn clean(
        &self,
        handle: &Self::Handle,
        filter: CleanFilter,
        now: SystemTime,
    ) -> Result<usize, Self::Error>;

    /// [`CacheStore::get_matching`].
    fn get_matching(
        &self,
        handle: &Self::Handle,
        filter: &MatchFilter,
        now: SystemTime,
    ) -> Result<Vec<CacheEntry>, Self::Error>;

    /// [`CacheStore::delete_matching`].
    fn delete_matching(
        &self,
        handle: &Self::Handle,
        filter: &MatchFilter,
    ) -> Result<usize, Self::Error>;

    /// [`CacheStore::close`], in full: the stores differ in what they do when `close` is
    /// called, what when its future is first polled, and what they send to the pool.
    fn close(self: &Arc<Self>) -> BoxFuture<'_, Result<(), StoreError>>;
}

/// A [`BlockingStore`] as a [`CacheStore`]: each operation runs on tokio's blocking pool,
/// after [`ready`](BlockingStore::ready). A cheap handle: clones share the store, which it
/// dereferences to.
pub(crate) struct BlockingAdapter<S> {
    store: Arc<S>,
}

impl<S> Clone for BlockingAdapter<S> {
    fn clone(&self) -> Self {
        BlockingAdapter {
            store: Arc::clone(&self.store),
        }
    }
}

impl<S> Deref for BlockingAdapter<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.store
    }
}

impl<S: BlockingStore> BlockingAdapter<S> {
    pub(crate) fn new(store: S) -> Self {
        BlockingAdapter {
            store: Arc::new(store),
        }
    }

    /// The store's [`ready`](BlockingStore::ready).
    pub(crate) async fn ready(&self) -> Result<S::Handle, StoreError> {
        S::ready(&self.store).await
    }

    /// Runs `op` on the blocking pool once the store is ready.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&S, &S::Handle) -> Result<T, S::Error> + Send + 'static,
    ) -> Result<T, StoreError> {
        let handle = self.ready().await?;
        let store = Arc::clone(&self.store);
        on_pool(S::TASK_FAILED, move || {
            op(&store, &handle).map_err(Into::into)
        })
        .await
    }
}

/// Runs `op` on tokio's blocking pool; a task that panicked or was cancelled is a
/// [`StoreErrorKind::Backend`] error with the message `task_failed`.
pub(crate) async fn on_pool<T: Send + 'static>(
    task_failed: &'static str,
    op: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(op)
        .await
        .map_err(|err| StoreError::with_source(StoreErrorKind::Backend, task_failed, err))?
}

impl<S: BlockingStore> CacheStore for BlockingAdapter<S> {
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Option<CacheEntry>, StoreError>> {
        let key = key.to_owned();
        Box::pin(self.run(move |store, handle| store.get(handle, &key, now)))
    }

    fn set(&self, entry: CacheEntry) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(self.run(move |store, handle| store.set(handle, entry)))
    }

    fn update_metadata(&self, metadata: EntryMetadata) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(self.run(move |store, handle| store.update_metadata(handle, metadata)))
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let key = key.to_owned();
        Box::pin(self.run(move |store, handle| store.delete(handle, &key)))
    }

    fn exists<'a>(
        &'a self,
        key: &'a str,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        if S::EXISTS_IN_MEMORY {
            return Box::pin(async move {
                let handle = self.ready().await?;
                self.store.exists(&handle, key, now).map_err(Into::into)
            });
        }
        let key = key.to_owned();
        Box::pin(self.run(move |store, handle| store.exists(handle, &key, now)))
    }

    fn clean(
        &self,
        filter: CleanFilter,
        now: SystemTime,
    ) -> BoxFuture<'_, Result<usize, StoreError>> {
        Box::pin(self.run(move |store, handle| store.clean(handle, filter, now)))
    }

    fn get_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
        now: SystemTime,
    ) -> BoxFuture<'a, Result<Vec<CacheEntry>, StoreError>> {
        let filter = filter.clone();
        Box::pin(self.run(move |store, handle| store.get_matching(handle, &filter, now)))
    }

    fn delete_matching<'a>(
        &'a self,
        filter: &'a MatchFilter,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        let filter = filter.clone();
        Box::pin(self.run(move |store, handle| store.delete_matching(handle, &filter)))
    }

    fn close(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.store.close()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    /// Every operation panics; `ready` fails once `closed` is set.
    #[derive(Default)]
    struct Panicking {
        closed: AtomicBool,
    }

    impl BlockingStore for Panicking {
        type Handle = ();
        type Error = StoreError;
        const TASK_FAILED: &'static str = "test store task failed";

        async fn ready(self: &Arc<Self>) -> Result<(), StoreError> {
            if self.closed.load(Ordering::Acquire) {
                return Err(StoreError::closed());
            }
            Ok(())
        }

        fn get(&self, _: &(), _: &str, _: SystemTime) -> Result<Option<CacheEntry>, StoreError> {
            panic!("get panicked")
        }

        fn set(&self, _: &(), _: CacheEntry) -> Result<(), StoreError> {
            panic!("set panicked")
        }

        fn update_metadata(&self, _: &(), _: EntryMetadata) -> Result<bool, StoreError> {
            panic!("update_metadata panicked")
        }

        fn delete(&self, _: &(), _: &str) -> Result<bool, StoreError> {
            panic!("delete panicked")
        }

        fn exists(&self, _: &(), _: &str, _: SystemTime) -> Result<bool, StoreError> {
            panic!("exists panicked")
        }

        fn clean(&self, _: &(), _: CleanFilter, _: SystemTime) -> Result<usize, StoreError> {
            panic!("clean panicked")
        }

        fn get_matching(
            &self,
            _: &(),
            _: &MatchFilter,
            _: SystemTime,
        ) -> Result<Vec<CacheEntry>, StoreError> {
            panic!("get_matching panicked")
        }

        fn delete_matching(&self, _: &(), _: &MatchFilter) -> Result<usize, StoreError> {
            panic!("delete_matching panicked")
        }

        fn close(self: &Arc<Self>) -> BoxFuture<'_, Result<(), StoreError>> {
            self.closed.store(true, Ordering::Release);
            Box::pin(std::future::ready(Ok(())))
        }
    }

    #[tokio::test]
    async fn a_panicking_operation_is_a_backend_error_naming_the_store() {
        let store = BlockingAdapter::new(Panicking::default());
        let err = store.delete("k").await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Backend);
        assert!(err.to_string().contains("test store task failed"), "{err}");
    }

    #[tokio::test]
    async fn a_closed_store_sends_nothing_to_the_pool() {
        let store = BlockingAdapter::new(Panicking::default());
        store.close().await.unwrap();
        let err = store.delete("k").await.unwrap_err();
        assert_eq!(err.kind(), StoreErrorKind::Closed);
    }
}
