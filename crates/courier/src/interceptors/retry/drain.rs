//! Discarding a response that is about to be retried, so its connection can be reused.

use std::time::Duration;

use crate::error::Result;

/// The most body bytes read from a discarded response. A connection goes back to the pool
/// only once its response body has been read to the end; for a short error page that is
/// cheap, for a large body closing the connection is cheaper than downloading it.
const DRAIN_LIMIT: usize = 64 * 1024;

/// The longest spent reading a discarded body. The time counts towards the back-off delay.
const DRAIN_TIME_LIMIT: Duration = Duration::from_millis(250);

/// Lets go of an attempt's outcome before the next attempt. A response whose body is still on
/// the wire (a status that `validate_status` accepted) is read to its end when that is quick,
/// else dropped, which closes its connection. A rejected status arrives as an error whose body
/// was already read, and an error holds no connection: both are simply dropped.
pub(super) async fn discard(outcome: Result<crate::Response>) {
    let Ok(mut response) = outcome else {
        return;
    };
    if response.buffered_body().is_some() {
        return;
    }
    let read_to_end = async {
        let mut read = 0usize;
        while let Ok(Some(chunk)) = response.chunk().await {
            read = read.saturating_add(chunk.len());
            if read > DRAIN_LIMIT {
                break;
            }
        }
    };
    // Out of time: the response is dropped, and its connection with it.
    let _ = tokio::time::timeout(DRAIN_TIME_LIMIT, read_to_end).await;
}
