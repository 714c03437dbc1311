//! Request coalescing: concurrent misses for one key send one request to the origin.
//!
//! The first caller for a key becomes the *leader* and fetches; the others become
//! *followers* and wait for the leader's [`Outcome`]:
//! - [`Outcome::Stored`]: followers read the entry the leader stored;
//! - [`Outcome::NotStorable`]: the response may not be shared, so followers go to the origin
//!   themselves (all at once: there is nothing to wait for);
//! - the leader failed, was cancelled or panicked (its guard is dropped without an outcome):
//!   followers try again, and one of them becomes the next leader. So a failing origin sees
//!   the retries one at a time, never all of them at once;
//! - the leader's entry is stored only once its caller has read the body, so a follower
//!   waits at most [`FOLLOWER_PATIENCE`] and then fetches itself
//!   ([`Outcome::StillReading`]). Without that bound a caller that sends a second request
//!   for the key before reading the first response would wait for itself forever, and a
//!   slow reader would hold every follower (nginx bounds its `proxy_cache_lock` the same way,
//!   with `proxy_cache_lock_timeout`, also 5 s by default).
//!
//! No follower waits forever.
//!
//! This is moka's `get_with` applied to HTTP: one initialisation per key at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// How long a follower waits for its leader before fetching itself.
pub(crate) const FOLLOWER_PATIENCE: Duration = Duration::from_secs(5);

/// What the leader's fetch led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The response was stored: read it from the store.
    Stored,
    /// The response was not storable: fetch it yourself.
    NotStorable,
    /// Never sent by a leader: the follower stopped waiting (see [`Follower::wait_at_most`]).
    StillReading,
}

/// The state of one key's flight, as followers see it: `None` while the leader works,
/// `Some(outcome)` once it reported, and a closed channel if it gave up.
type Flight = watch::Receiver<Option<Outcome>>;

/// The keys being fetched right now.
#[derive(Debug, Default)]
pub(crate) struct Coalescer {
    in_flight: Mutex<HashMap<String, Flight>>,
}

/// A caller's role for one key.
pub(crate) enum Role {
    /// Fetch, then call [`Leader::finish`] (dropping it without finishing releases the
    /// followers to try again).
    Leader(Leader),
    /// Wait with [`Follower::wait`].
    Follower(Follower),
}

/// The caller that fetches for everyone.
pub(crate) struct Leader {
    coalescer: Arc<Coalescer>,
    key: String,
    sender: watch::Sender<Option<Outcome>>,
}

/// A caller waiting for the leader.
pub(crate) struct Follower {
    flight: Flight,
}

impl Coalescer {
    /// Joins the flight for `key`, as its leader if there is none.
    pub(crate) fn join(self: &Arc<Self>, key: &str) -> Role {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = in_flight.get(key) {
            // A flight whose leader is gone but not yet removed is replaced below.
            if flight.has_changed().is_ok() {
                return Role::Follower(Follower {
                    flight: flight.clone(),
                });
            }
        }
        let (sender, receiver) = watch::channel(None);
        in_flight.insert(key.to_owned(), receiver);
        Role::Leader(Leader {
            coalescer: self.clone(),
            key: key.to_owned(),
            sender,
        })
    }

    #[cfg(test)]
    fn flights(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Leader {
    /// Reports the outcome to the followers and ends the flight.
    pub(crate) fn finish(self, outcome: Outcome) {
        let _no_followers_is_fine = self.sender.send(Some(outcome));
        // Drop removes the flight.
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        let mut in_flight = self
            .coalescer
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only remove our own flight (a newer leader may have replaced it).
        if in_flight
            .get(&self.key)
            .is_some_and(|flight| flight.same_channel(&self.sender.subscribe()))
        {
            in_flight.remove(&self.key);
        }
    }
}

impl Follower {
    /// Waits for the leader: `Some(outcome)` when it reported one, `None` when it gave up
    /// (then join again).
    pub(crate) async fn wait(mut self) -> Option<Outcome> {
        match self.flight.wait_for(Option::is_some).await {
            Ok(outcome) => *outcome,
            Err(_leader_gone) => None,
        }
    }

    /// As [`wait`](Self::wait), but answers [`Outcome::StillReading`] once `patience` has
    /// passed without an outcome.
    pub(crate) async fn wait_at_most(self, patience: Duration) -> Option<Outcome> {
        tokio::time::timeout(patience, self.wait())
            .await
            .unwrap_or(Some(Outcome::StillReading))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Fetches through the coalescer the way the interceptor does; `fetch` returns the
    /// leader's outcome, or `None` to fail.
    async fn coalesced<F, Fut>(coalescer: &Arc<Coalescer>, key: &str, fetch: F) -> Outcome
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Option<Outcome>>,
    {
        loop {
            match coalescer.join(key) {
                Role::Leader(leader) => match fetch().await {
                    Some(outcome) => {
                        leader.finish(outcome);
                        return outcome;
                    }
                    None => drop(leader),
                },
                Role::Follower(follower) => {
                    if let Some(outcome) = follower.wait().await {
                        return outcome;
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn concurrent_misses_for_one_key_fetch_once() {
        let coalescer = Arc::new(Coalescer::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let (release, released) = watch::channel(false);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let coalescer = coalescer.clone();
            let fetches = fetches.clone();
            let released = released.clone();
            tasks.push(tokio::spawn(async move {
                coalesced(&coalescer, "k", || {
                    let fetches = fetches.clone();
                    let mut released = released.clone();
                    async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        let _ = released.wait_for(|go| *go).await;
                        Some(Outcome::Stored)
                    }
                })
                .await
            }));
        }
        tokio::task::yield_now().await;
        let _ = release.send(true);
        for task in tasks {
            assert_eq!(task.await.unwrap(), Outcome::Stored);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(coalescer.flights(), 0);
    }

    #[tokio::test]
    async fn a_failed_leader_hands_over_to_one_follower_at_a_time() {
        let coalescer = Arc::new(Coalescer::default());
        let attempts = Arc::new(AtomicUsize::new(0));
        let concurrent = Arc::new(AtomicUsize::new(0));
        let most_concurrent = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let coalescer = coalescer.clone();
            let attempts = attempts.clone();
            let concurrent = concurrent.clone();
            let most_concurrent = most_concurrent.clone();
            tasks.push(tokio::spawn(async move {
                coalesced(&coalescer, "k", || {
                    let attempts = attempts.clone();
                    let concurrent = concurrent.clone();
                    let most_concurrent = most_concurrent.clone();
                    async move {
                        let now = concurrent.fetch_add(1, Ordering::SeqCst) + 1;
                        most_concurrent.fetch_max(now, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        concurrent.fetch_sub(1, Ordering::SeqCst);
                        // The first three leaders fail; the fourth succeeds.
                        (attempts.fetch_add(1, Ordering::SeqCst) >= 3).then_some(Outcome::Stored)
                    }
                })
                .await
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), Outcome::Stored);
        }
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
        assert_eq!(most_concurrent.load(Ordering::SeqCst), 1);
        assert_eq!(coalescer.flights(), 0);
    }

    #[tokio::test]
    async fn a_cancelled_leader_releases_its_followers() {
        let coalescer = Arc::new(Coalescer::default());
        let Role::Leader(leader) = coalescer.join("k") else {
            panic!("the first caller leads");
        };
        let Role::Follower(follower) = coalescer.join("k") else {
            panic!("the second caller follows");
        };
        let waiting = tokio::spawn(follower.wait());
        drop(leader);
        assert_eq!(waiting.await.unwrap(), None);
        assert!(matches!(coalescer.join("k"), Role::Leader(_)));
    }

    #[tokio::test]
    async fn not_storable_sends_followers_to_the_origin() {
        let coalescer = Arc::new(Coalescer::default());
        let Role::Leader(leader) = coalescer.join("k") else {
            panic!("the first caller leads");
        };
        let Role::Follower(follower) = coalescer.join("k") else {
            panic!("the second caller follows");
        };
        leader.finish(Outcome::NotStorable);
        assert_eq!(follower.wait().await, Some(Outcome::NotStorable));
    }

    #[tokio::test(start_paused = true)]
    async fn a_follower_stops_waiting_for_a_leader_that_never_reports() {
        let coalescer = Arc::new(Coalescer::default());
        let Role::Leader(_leader) = coalescer.join("k") else {
            panic!("the first caller leads");
        };
        let Role::Follower(follower) = coalescer.join("k") else {
            panic!("the second caller follows");
        };
        assert_eq!(
            follower.wait_at_most(FOLLOWER_PATIENCE).await,
            Some(Outcome::StillReading)
        );
    }

    #[tokio::test]
    async fn a_follower_within_its_patience_gets_the_leaders_outcome() {
        let coalescer = Arc::new(Coalescer::default());
        let Role::Leader(leader) = coalescer.join("k") else {
            panic!("the first caller leads");
        };
        let Role::Follower(follower) = coalescer.join("k") else {
            panic!("the second caller follows");
        };
        leader.finish(Outcome::Stored);
        assert_eq!(
            follower.wait_at_most(FOLLOWER_PATIENCE).await,
            Some(Outcome::Stored)
        );
    }

    #[test]
    fn different_keys_do_not_wait_for_each_other() {
        let coalescer = Arc::new(Coalescer::default());
        let first = coalescer.join("a");
        let second = coalescer.join("b");
        assert!(matches!(first, Role::Leader(_)));
        assert!(matches!(second, Role::Leader(_)));
    }
}
