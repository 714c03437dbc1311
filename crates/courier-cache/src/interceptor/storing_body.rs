//! Storing a response while the caller reads it: the body streams through, is kept up to the
//! entry size limit, and is stored when it ends. Past the limit, the copy is dropped and the
//! response streams on uncached, so a 1 GiB download is never buffered.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use courier::{ResponseStream, Result};
use futures_core::Stream;

use super::coalesce::{Leader, Outcome};
use super::new_entry::store_with_variant;
use crate::entry::{CacheEntry, EntryMetadata};
use crate::store::CacheStore;

type StoreFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The response body, copied into an entry as it is read.
pub(super) struct StoringBody {
    inner: ResponseStream,
    copy: Option<(BytesMut, EntryMetadata)>,
    /// A second key the entry is also stored under (its `Vary` variant).
    also_as: Option<String>,
    limit: u64,
    /// The body's announced length: once that much has arrived the entry is complete, and
    /// is stored at once, because a reader that knows the length (hyper forwarding the body
    /// of a proxied response, say) may never poll for the end.
    expected_length: Option<u64>,
    store: Arc<dyn CacheStore>,
    leader: Option<Leader>,
    storing: Option<StoreFuture>,
}

impl StoringBody {
    pub(super) fn new(
        inner: ResponseStream,
        metadata: EntryMetadata,
        also_as: Option<String>,
        limit: u64,
        expected_length: Option<u64>,
        store: Arc<dyn CacheStore>,
        leader: Option<Leader>,
    ) -> Self {
        Self {
            inner,
            copy: Some((BytesMut::new(), metadata)),
            also_as,
            limit,
            expected_length,
            store,
            leader,
            storing: None,
        }
    }

    /// The write of the complete entry, or `None` when it is not being kept.
    fn store_copy(&mut self) -> Option<StoreFuture> {
        let (copy, metadata) = self.copy.take()?;
        let entry = CacheEntry::new(metadata, copy.freeze());
        let store = self.store.clone();
        let leader = self.leader.take();
        let also_as = self.also_as.take();
        Some(Box::pin(async move {
            let stored = store_with_variant(&*store, entry, also_as).await;
            if let Some(leader) = leader {
                leader.finish(if stored {
                    Outcome::Stored
                } else {
                    Outcome::NotStorable
                });
            }
        }))
    }

    fn give_up(&mut self) {
        self.copy = None;
        if let Some(leader) = self.leader.take() {
            leader.finish(Outcome::NotStorable);
        }
    }
}

/// Stores `entry`, logging (not failing) on a store error: a cache that cannot write is a
/// cache that misses, never a failed request.
pub(super) async fn store_entry(store: &dyn CacheStore, entry: CacheEntry) -> bool {
    match store.set(entry).await {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(target: "courier::cache", %error, "could not store a response");
            false
        }
    }
}

impl Stream for StoringBody {
    type Item = Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(storing) = &mut this.storing {
            // The body has ended; it is over for the caller once the entry is written, so a
            // request made right after reading a response finds it stored.
            return match storing.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.storing = None;
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            };
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some((copy, _)) = &mut this.copy {
                    if (copy.len() + chunk.len()) as u64 > this.limit {
                        this.give_up();
                    } else {
                        copy.extend_from_slice(&chunk);
                        let complete = this.expected_length == Some(copy.len() as u64);
                        if complete && let Some(storing) = this.store_copy() {
                            // Runs on its own so it finishes even if the reader stops here;
                            // a reader that polls on waits for it before seeing the end.
                            this.storing = Some(match tokio::runtime::Handle::try_current() {
                                Ok(runtime) => {
                                    let task = runtime.spawn(storing);
                                    Box::pin(async move {
                                        let _ = task.await;
                                    })
                                }
                                Err(_) => storing,
                            });
                        }
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => {
                // A body that failed is not stored; followers try again.
                this.copy = None;
                this.leader = None;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) => {
                let Some(mut storing) = this.store_copy() else {
                    return Poll::Ready(None);
                };
                match storing.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(None),
                    Poll::Pending => {
                        this.storing = Some(storing);
                        Poll::Pending
                    }
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
