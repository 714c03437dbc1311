//! Where tokens are kept between runs: the [`TokenStore`] trait and its implementations
//! (FlutterSecureStorage's place in the Dio pattern).
//!
//! | store | keeps tokens | when to use it |
//! |---|---|---|
//! | [`MemoryTokenStore`] | for the life of the process | tests, servers that sign in at start-up |
//! | [`FileTokenStore`] | in a JSON file, mode `0600` on Unix, replaced atomically | CLIs and desktop apps without a keychain |
//! | `KeyringTokenStore` (feature `keyring`) | in the OS keychain (macOS Keychain, Windows Credential Manager, Linux keyring) | desktop apps |
//!
//! A store does I/O only: the [`AuthInterceptor`](super::AuthInterceptor) decides when to
//! load, save and clear, and keeps the current token in memory, so a store is read once per
//! process and written once per refresh.

mod blocking;
mod file;
#[cfg(feature = "keyring")]
mod keychain;
mod memory;

pub use file::FileTokenStore;
#[cfg(feature = "keyring")]
#[cfg_attr(docsrs, doc(cfg(feature = "keyring")))]
pub use keychain::KeyringTokenStore;
pub use memory::MemoryTokenStore;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::token::Token;
use crate::error::Result;

/// A future boxed for dynamic dispatch, as [`TokenStore`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Keeps the token between runs. Object-safe: the interceptor holds an
/// `Arc<dyn TokenStore>`.
///
/// A store that cannot read what it holds (a corrupt file, an entry written by something
/// else) answers `Ok(None)` and logs why, so that the user is asked to sign in again rather
/// than locked out; `Err` is for a store that cannot be reached at all. Either way the
/// interceptor carries on without a token.
///
/// Implement it with boxed futures:
///
/// ```
/// use std::sync::Mutex;
/// use courier::interceptors::auth::{BoxFuture, Token, TokenStore};
///
/// /// Keeps the token in a mutex (what `MemoryTokenStore` does).
/// #[derive(Default)]
/// struct InMemory(Mutex<Option<Token>>);
///
/// impl TokenStore for InMemory {
///     fn load(&self) -> BoxFuture<'_, courier::Result<Option<Token>>> {
///         Box::pin(async move { Ok(self.0.lock().map_err(|_| poisoned())?.clone()) })
///     }
///     fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, courier::Result<()>> {
///         Box::pin(async move {
///             *self.0.lock().map_err(|_| poisoned())? = Some(token.clone());
///             Ok(())
///         })
///     }
///     fn clear(&self) -> BoxFuture<'_, courier::Result<()>> {
///         Box::pin(async move {
///             *self.0.lock().map_err(|_| poisoned())? = None;
///             Ok(())
///         })
///     }
/// }
///
/// fn poisoned() -> courier::Error {
///     courier::Error::new(courier::ErrorKind::Io).with_message("token store poisoned")
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = InMemory::default();
/// store.save(&Token::new("a")).await?;
/// assert_eq!(store.load().await?.map(|t| t.access_token().to_owned()), Some("a".into()));
/// # Ok::<(), courier::Error>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token, or `None` when there is none (or it is unreadable, which is logged).
    fn load(&self) -> BoxFuture<'_, Result<Option<Token>>>;

    /// Replaces the stored token with `token`. When it returns `Ok`, the token survives a
    /// crash.
    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<()>>;

    /// Removes the stored token (nothing to remove is not an error).
    fn clear(&self) -> BoxFuture<'_, Result<()>>;
}

impl<S: TokenStore + ?Sized> TokenStore for Arc<S> {
    fn load(&self) -> BoxFuture<'_, Result<Option<Token>>> {
        (**self).load()
    }

    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<()>> {
        (**self).save(token)
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        (**self).clear()
    }
}
