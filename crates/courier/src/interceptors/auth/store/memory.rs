//! [`MemoryTokenStore`]: the token kept in memory only.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::{BoxFuture, TokenStore};
use crate::error::Result;
use crate::interceptors::auth::token::Token;

/// Keeps the token in memory: it is gone when the process ends. For tests, and for
/// services that sign in at start-up.
///
/// Clones share one slot, so a test can keep a clone to look at what the interceptor
/// stored.
///
/// ```
/// use courier::interceptors::auth::{MemoryTokenStore, Token, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryTokenStore::with_token(Token::new("a"));
/// assert_eq!(store.token().map(|t| t.access_token().to_owned()), Some("a".into()));
/// store.clear().await?;
/// assert!(store.load().await?.is_none());
/// # Ok::<(), courier::Error>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    slot: Arc<Mutex<Option<Token>>>,
}

impl MemoryTokenStore {
    /// An empty store: the user is signed out.
    ///
    /// ```
    /// assert!(courier::interceptors::auth::MemoryTokenStore::new().token().is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `token`: the user is signed in.
    ///
    /// ```
    /// use courier::interceptors::auth::{MemoryTokenStore, Token};
    /// assert!(MemoryTokenStore::with_token(Token::new("a")).token().is_some());
    /// ```
    pub fn with_token(token: Token) -> Self {
        Self {
            slot: Arc::new(Mutex::new(Some(token))),
        }
    }

    /// The token held now.
    ///
    /// ```
    /// assert!(courier::interceptors::auth::MemoryTokenStore::new().token().is_none());
    /// ```
    pub fn token(&self) -> Option<Token> {
        self.slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set(&self, token: Option<Token>) {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Token>>> {
        Box::pin(async move { Ok(self.token()) })
    }

    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.set(Some(token.clone()));
            Ok(())
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.set(None);
            Ok(())
        })
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("has_token", &self.token().is_some())
            .finish()
    }
}
