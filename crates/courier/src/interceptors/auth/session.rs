//! The session: the current token, its generation, and the one refresh in flight.
//!
//! # How one refresh serves every request
//!
//! The state (current credential, generation, flight) sits behind a `std` mutex that is
//! never held across an `await`: each decision ("use this token", "wait for that flight",
//! "start a flight") is taken in one short critical section, so two requests can never both
//! decide to start a refresh. A flight is a task of its own that runs the refresher and then,
//! in one critical section, publishes the new token (new generation) and ends the flight;
//! its outcome goes to every waiter through a `watch` channel. A request that stops waiting
//! (cancelled, timed out) drops only its receiver: the flight goes on for the others.
//!
//! Writes (a load from the store, a refresh's result, a sign-in or sign-out) are serialised
//! by an async writer lock, so the store and the memory state change in the same order and
//! a refresh that finishes after a sign-in does not overwrite it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use url::Url;

use super::credential::{Credential, Pending, TokenHeader};
use super::refresh_client::RefreshClient;
use super::refresh_error::RefreshError;
use super::refresh_failure::RefreshFailure;
use super::refresher::DynRefresher;
use super::state::AuthState;
use super::store::{BoxFuture, TokenStore};
use super::token::Token;
use crate::cancel::CancelToken;
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};

/// The clock expiries are compared with.
pub(super) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

tokio::task_local! {
    /// The session whose refresh runs on this task: its requests skip that session's
    /// interceptor, whatever client they are sent on.
    static REFRESHING: u64;
}

/// Gives each session an id for [`REFRESHING`].
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(0);

/// The settings a session works with.
pub(super) struct SessionConfig {
    pub(super) header: TokenHeader,
    pub(super) refresh_margin: Duration,
    pub(super) refresh_timeout: Option<Duration>,
    pub(super) clock: Clock,
}

pub(super) struct Session {
    id: u64,
    config: SessionConfig,
    store: Arc<dyn TokenStore>,
    refresher: Arc<dyn DynRefresher>,
    state: Mutex<State>,
    /// Set once the store has been read (or a sign-in/out made reading it moot).
    loaded: AtomicBool,
    /// Serialises the writes: load, refresh result, sign-in, sign-out.
    writer: tokio::sync::Mutex<()>,
    auth_state: watch::Sender<AuthState>,
}

struct State {
    current: Option<Arc<Credential>>,
    /// The generation of the latest change (the current credential's, when there is one).
    generation: u64,
    flight: Option<Flight>,
    next_flight_id: u64,
    /// The generation whose refresh ahead of expiry failed: it is not tried ahead again (the
    /// token is used until it expires or is rejected), so an unreachable token endpoint
    /// does not cost every request a refresh attempt.
    ahead_failed: Option<u64>,
}

/// A refresh in flight, as waiters see it.
#[derive(Clone)]
struct Flight {
    id: u64,
    outcome: watch::Receiver<Option<Outcome>>,
    /// Started ahead of expiry, while the token still worked.
    ahead: bool,
}

/// How a flight ended.
#[derive(Clone)]
enum Outcome {
    /// This credential is current now.
    Refreshed(Arc<Credential>),
    /// The user is signed out: the refresh was rejected (with its error), or a sign-out
    /// happened meanwhile (`None`).
    SignedOut(Option<Arc<Error>>),
    /// The refresh failed; the tokens were kept.
    Failed(Arc<Error>),
}

/// What a request does after one look at the state.
enum Step {
    Use(Option<Arc<Credential>>),
    Wait(Flight, Option<BoxFuture<'static, ()>>),
}

impl Session {
    pub(super) fn new(
        config: SessionConfig,
        store: Arc<dyn TokenStore>,
        refresher: Arc<dyn DynRefresher>,
    ) -> Session {
        Session {
            id: NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed),
            config,
            store,
            refresher,
            state: Mutex::new(State {
                current: None,
                generation: 0,
                flight: None,
                next_flight_id: 0,
                ahead_failed: None,
            }),
            loaded: AtomicBool::new(false),
            writer: tokio::sync::Mutex::new(()),
            auth_state: watch::Sender::new(AuthState::Unknown),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing in a critical section can panic half-way through a change; a poisoned lock
        // still holds a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> SystemTime {
        (self.config.clock)()
    }

    pub(super) fn header(&self) -> &TokenHeader {
        &self.config.header
    }

    /// Whether the current task is this session's refresh.
    pub(super) fn is_refresh_task(&self) -> bool {
        REFRESHING.try_with(|id| *id == self.id).unwrap_or(false)
    }

    // ----- Reading and writing the token -----

    /// Reads the store once. An unreadable store is logged and counts as no token.
    pub(super) async fn ensure_loaded(&self) {
        if self.loaded.load(Ordering::Acquire) {
            return;
        }
        let _writer = self.writer.lock().await;
        if self.loaded.load(Ordering::Acquire) {
            return;
        }
        let token = match self.store.load().await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(target: "courier::auth", %error, "could not read the token store; signed out");
                None
            }
        };
        let pending = token.and_then(|token| match self.prepare(token, false) {
            Ok(pending) => Some(pending),
            Err(error) => {
                tracing::warn!(target: "courier::auth", %error, "the stored token is unusable; signed out");
                None
            }
        });
        self.publish(pending, None);
        self.loaded.store(true, Ordering::Release);
    }

    /// Makes `token` current, saved to the store.
    pub(super) async fn sign_in(&self, token: Token) -> Result<()> {
        let pending = self.prepare(token, false)?;
        let _writer = self.writer.lock().await;
        let saved = self.store.save(pending.token()).await;
        self.loaded.store(true, Ordering::Release);
        self.publish(Some(pending), None);
        saved
    }

    /// Drops the token, from the store too.
    pub(super) async fn sign_out(&self) -> Result<()> {
        let _writer = self.writer.lock().await;
        let cleared = self.store.clear().await;
        self.loaded.store(true, Ordering::Release);
        self.publish(None, None);
        cleared
    }

    /// The current token.
    pub(super) fn token(&self) -> Option<Token> {
        self.lock()
            .current
            .as_ref()
            .map(|current| current.token.clone())
    }

    pub(super) fn subscribe(&self) -> watch::Receiver<AuthState> {
        self.auth_state.subscribe()
    }

    pub(super) fn auth_state(&self) -> AuthState {
        *self.auth_state.borrow()
    }

    fn prepare(&self, token: Token, from_refresh: bool) -> Result<Pending> {
        Pending::new(
            token,
            &self.config.header,
            from_refresh,
            self.now(),
            self.config.refresh_margin,
        )
    }

    /// Makes `pending` (or no token) current under a new generation, ending the flight
    /// `ending` in the same critical section, and reports the state.
    fn publish(&self, pending: Option<Pending>, ending: Option<u64>) -> Option<Arc<Credential>> {
        let current = {
            let mut state = self.lock();
            state.generation += 1;
            let generation = state.generation;
            state.current = pending.map(|pending| Arc::new(pending.into_credential(generation)));
            if ending.is_some() && state.flight.as_ref().map(|f| f.id) == ending {
                state.flight = None;
            }
            state.current.clone()
        };
        let reported = if current.is_some() {
            AuthState::Authenticated
        } else {
            AuthState::Unauthenticated
        };
        self.auth_state.send_if_modified(|state| {
            let changed = *state != reported;
            *state = reported;
            changed
        });
        current
    }

    // ----- What requests ask -----

    /// The credential to send a request with: the current one; after the refresh in flight
    /// when there is one; after a refresh when the current one is due. `None` when signed
    /// out.
    pub(super) async fn credential_for_request(
        self: &Arc<Self>,
        client: &Client,
        cancel: Option<&CancelToken>,
        url: &Url,
    ) -> Result<Option<Arc<Credential>>> {
        let step = {
            let mut state = self.lock();
            match (&state.flight, &state.current) {
                (Some(flight), _) => Step::Wait(flight.clone(), None),
                (None, Some(current))
                    if state.ahead_failed != Some(current.generation)
                        && current.is_due(self.now(), self.config.refresh_margin) =>
                {
                    let current = Arc::clone(current);
                    let (flight, inline) = self.start_flight(&mut state, current, client, true);
                    Step::Wait(flight, inline)
                }
                (None, current) => Step::Use(current.clone()),
            }
        };
        let (flight, inline) = match step {
            Step::Use(current) => return Ok(current),
            Step::Wait(flight, inline) => (flight, inline),
        };
        let ahead = flight.ahead;
        match wait(flight, inline, cancel, url).await? {
            Outcome::Refreshed(current) => Ok(Some(current)),
            Outcome::SignedOut(reason) => Err(signed_out_error(reason, url)),
            Outcome::Failed(error) => {
                // A refresh ahead of expiry failed: the old token still works until it expires.
                let current = self.lock().current.clone();
                match current {
                    Some(current) if ahead && !current.is_expired(self.now()) => Ok(Some(current)),
                    _ => Err(failed_error(&error, url)),
                }
            }
        }
    }

    /// The credential to send a request again with, after the server rejected `sent`: the
    /// current one if `sent` was replaced meanwhile (no refresh); else the result of the
    /// refresh in flight, or of one started now.
    pub(super) async fn credential_after_rejection(
        self: &Arc<Self>,
        sent: &Credential,
        client: &Client,
        cancel: Option<&CancelToken>,
        url: &Url,
    ) -> Result<Arc<Credential>> {
        let (flight, inline) = {
            let mut state = self.lock();
            match (&state.flight, &state.current) {
                (Some(flight), _) => (flight.clone(), None),
                (None, _) if state.generation != sent.generation => {
                    return state
                        .current
                        .clone()
                        .ok_or_else(|| signed_out_error(None, url));
                }
                (None, Some(current)) => {
                    let current = Arc::clone(current);
                    self.start_flight(&mut state, current, client, false)
                }
                (None, None) => return Err(signed_out_error(None, url)),
            }
        };
        match wait(flight, inline, cancel, url).await? {
            Outcome::Refreshed(current) => Ok(current),
            Outcome::SignedOut(reason) => Err(signed_out_error(reason, url)),
            Outcome::Failed(error) => Err(failed_error(&error, url)),
        }
    }

    /// After the server rejected `sent` on a request that cannot be sent again: starts the
    /// refresh (unless `sent` was already replaced or one is in flight), without waiting.
    pub(super) fn refresh_in_background(self: &Arc<Self>, sent: &Credential, client: &Client) {
        let inline = {
            let mut state = self.lock();
            match (&state.flight, &state.current) {
                (None, Some(current)) if state.generation == sent.generation => {
                    let current = Arc::clone(current);
                    self.start_flight(&mut state, current, client, false).1
                }
                _ => None,
            }
        };
        // Without a tokio runtime nothing can run it in the background; it is dropped, and
        // the next request that meets a 401 refreshes.
        drop(inline);
    }

    // ----- The flight -----

    /// Registers a flight refreshing `from` and spawns it; without a tokio runtime, returns
    /// it for the caller to run.
    fn start_flight(
        self: &Arc<Self>,
        state: &mut State,
        from: Arc<Credential>,
        client: &Client,
        ahead: bool,
    ) -> (Flight, Option<BoxFuture<'static, ()>>) {
        let (sender, receiver) = watch::channel(None);
        state.next_flight_id += 1;
        let flight = Flight {
            id: state.next_flight_id,
            outcome: receiver,
            ahead,
        };
        state.flight = Some(flight.clone());
        tracing::debug!(target: "courier::auth", ahead, "token refresh started");

        let landing = Landing {
            session: Arc::clone(self),
            flight: flight.id,
            ahead,
            sender: Some(sender),
        };
        let session = Arc::clone(self);
        let client = RefreshClient::new(client.clone());
        let task: BoxFuture<'static, ()> = Box::pin(async move {
            let result = session.call_refresher(&from, client).await;
            session.land(landing, &from, result).await;
        });
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                // Detached: it ends by itself, and no caller's cancellation stops it.
                drop(runtime.spawn(task));
                (flight, None)
            }
            Err(_) => (flight, Some(task)),
        }
    }

    async fn call_refresher(
        &self,
        from: &Credential,
        client: RefreshClient,
    ) -> std::result::Result<Token, RefreshError> {
        let refresh = REFRESHING.scope(
            self.id,
            self.refresher.refresh_boxed(from.token.clone(), client),
        );
        let limit = self
            .config
            .refresh_timeout
            .filter(|_| tokio::runtime::Handle::try_current().is_ok());
        match limit {
            None => refresh.await,
            Some(limit) => tokio::time::timeout(limit, refresh)
                .await
                .unwrap_or_else(|_| {
                    Err(RefreshError::transient(
                        Error::new(ErrorKind::Timeout)
                            .with_message("the token refresh took longer than its refresh_timeout"),
                    ))
                }),
        }
    }

    /// Applies a flight's result and tells its waiters.
    async fn land(
        &self,
        mut landing: Landing,
        from: &Credential,
        result: std::result::Result<Token, RefreshError>,
    ) {
        let _writer = self.writer.lock().await;
        let replaced = self.lock().generation != from.generation;
        let outcome = match result {
            // A sign-in or sign-out happened during the refresh: it wins.
            _ if replaced => {
                let current = {
                    let mut state = self.lock();
                    end_flight(&mut state, landing.flight);
                    state.current.clone()
                };
                match current {
                    Some(current) => Outcome::Refreshed(current),
                    None => Outcome::SignedOut(None),
                }
            }
            Ok(token) => self.accept(token, from, landing.flight).await,
            Err(error) if error.is_revoked() => {
                tracing::info!(target: "courier::auth", error = %error.error(), "token refresh rejected; signing out");
                if let Err(error) = self.store.clear().await {
                    tracing::warn!(target: "courier::auth", %error, "could not clear the token store");
                }
                self.publish(None, Some(landing.flight));
                Outcome::SignedOut(Some(Arc::new(error.into_error())))
            }
            Err(error) => {
                tracing::warn!(target: "courier::auth", error = %error.error(), "token refresh failed; tokens kept");
                let mut state = self.lock();
                end_flight(&mut state, landing.flight);
                if landing.ahead {
                    state.ahead_failed = Some(from.generation);
                }
                drop(state);
                Outcome::Failed(Arc::new(error.into_error()))
            }
        };
        landing.tell(outcome);
    }

    /// Makes a refreshed token current: saved first, so that a crash right after cannot
    /// lose a rotated refresh token the server no longer accepts the predecessor of.
    async fn accept(&self, mut token: Token, from: &Credential, flight: u64) -> Outcome {
        // RFC 6749 §6: the server MAY issue a new refresh token; if it does not, the old one
        // stays valid.
        if token.refresh_token().is_none()
            && let Some(refresh_token) = from.token.refresh_token()
        {
            token = token.with_refresh_token(refresh_token);
        }
        let pending = match self.prepare(token, true) {
            Ok(pending) => pending,
            Err(error) => {
                tracing::warn!(target: "courier::auth", %error, "the refreshed token is unusable");
                end_flight(&mut self.lock(), flight);
                return Outcome::Failed(Arc::new(error));
            }
        };
        if let Err(error) = self.store.save(pending.token()).await {
            tracing::warn!(target: "courier::auth", %error, "could not save the refreshed token; it is kept in memory");
        }
        match self.publish(Some(pending), Some(flight)) {
            Some(current) => {
                tracing::debug!(target: "courier::auth", generation = current.generation, "token refreshed");
                Outcome::Refreshed(current)
            }
            None => Outcome::SignedOut(None),
        }
    }
}

fn end_flight(state: &mut State, flight: u64) {
    if state.flight.as_ref().map(|f| f.id) == Some(flight) {
        state.flight = None;
    }
}

/// Ends a flight: tells its waiters the outcome, or, if the flight's task stopped before
/// it had one (a panicking refresher, a runtime shutting down), ends the flight and tells
/// them it failed, so that nobody waits forever and the next request may refresh again.
struct Landing {
    session: Arc<Session>,
    flight: u64,
    ahead: bool,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl Landing {
    fn tell(&mut self, outcome: Outcome) {
        if let Some(sender) = self.sender.take() {
            sender.send_replace(Some(outcome));
        }
    }
}

impl Drop for Landing {
    fn drop(&mut self) {
        if self.sender.is_some() {
            end_flight(&mut self.session.lock(), self.flight);
            let error = Error::new(ErrorKind::Connection)
                .with_message("the token refresh stopped before it finished");
            self.tell(Outcome::Failed(Arc::new(error)));
        }
    }
}

/// Waits for `flight` to land (running it here first when it could not be spawned), or for
/// `cancel`.
async fn wait(
    flight: Flight,
    inline: Option<BoxFuture<'static, ()>>,
    cancel: Option<&CancelToken>,
    url: &Url,
) -> Result<Outcome> {
    let mut outcome = flight.outcome;
    let landed = async move {
        if let Some(task) = inline {
            task.await;
        }
        match outcome.wait_for(Option::is_some).await {
            Ok(landed) => landed.clone(),
            // The sender went without an outcome: only if the task was dropped before it
            // started (its `Landing` tells in every other case).
            Err(_) => None,
        }
    };
    let landed = match cancel {
        None => landed.await,
        Some(cancel) => tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(cancel.error().with_url(url)),
            landed = landed => landed,
        },
    };
    Ok(landed.unwrap_or_else(|| {
        Outcome::Failed(Arc::new(
            Error::new(ErrorKind::Connection).with_message("the token refresh was abandoned"),
        ))
    }))
}

fn signed_out_error(reason: Option<Arc<Error>>, url: &Url) -> Error {
    let error = match reason {
        Some(reason) => Error::with_source(ErrorKind::Unauthorized, RefreshFailure::new(reason))
            .with_message("the token refresh was rejected; signed out"),
        None => Error::new(ErrorKind::Unauthorized).with_message("signed out"),
    };
    error.with_url(url)
}

fn failed_error(error: &Arc<Error>, url: &Url) -> Error {
    Error::with_source(error.kind(), RefreshFailure::new(Arc::clone(error)))
        .with_message("the token refresh failed")
        .with_url(url)
}
