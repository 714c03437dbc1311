//! [`KeyringTokenStore`]: the token in the OS keychain, through the `keyring` crate (what
//! FlutterSecureStorage is to a Flutter app).

use std::fmt;
use std::sync::Arc;

use super::blocking::run_blocking;
use super::{BoxFuture, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::interceptors::auth::token::Token;

/// Keeps the token in the OS keychain as one entry (service + user name) holding the JSON of
/// [`Token::to_json`].
///
/// The `keyring` feature turns on the `keyring` crate's stores for macOS (Keychain),
/// Windows (Credential Manager) and Linux (the kernel keyring, which does not survive a
/// reboot). For the Linux Secret Service (GNOME Keyring, KWallet), which does, add the
/// `keyring` crate to your own `Cargo.toml` with its `linux-native-sync-persistent` and
/// `crypto-rust` features: cargo merges them into the one `keyring` courier uses. Keychain
/// calls block, so they run on tokio's blocking pool.
///
/// An entry that does not hold a token courier wrote (not UTF-8, not a token's JSON) loads
/// as no token, with a warning on target `courier::auth`. Windows limits an entry to 2,560
/// bytes: a token with a very long JWT and many `extra` fields may not fit there, and
/// [`save`](TokenStore::save) then fails with kind [`Io`](crate::ErrorKind::Io).
///
/// Tests use the `keyring` crate's mock store, so they never touch the real keychain:
///
/// ```
/// use courier::interceptors::auth::{KeyringTokenStore, Token, TokenStore};
///
/// keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = KeyringTokenStore::new("com.example.app", "alice")?;
/// store.save(&Token::new("a").with_refresh_token("r")).await?;
/// assert_eq!(store.load().await?.and_then(|t| t.refresh_token().map(str::to_owned)), Some("r".into()));
/// store.clear().await?;
/// assert!(store.load().await?.is_none());
/// # Ok::<(), courier::Error>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct KeyringTokenStore {
    // One entry for the store's life: some keychains (and the mock) keep the secret with the
    // entry object, not under its name.
    entry: Arc<keyring::Entry>,
}

impl KeyringTokenStore {
    /// A store in the keychain entry named by `service` (your app's identifier) and `user`
    /// (the account). Fails, with kind [`Io`](crate::ErrorKind::Io), when the platform
    /// rejects the names.
    ///
    /// ```
    /// keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    /// let store = courier::interceptors::auth::KeyringTokenStore::new("com.example.app", "alice")?;
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn new(service: &str, user: &str) -> Result<Self> {
        let entry = keyring::Entry::new(service, user).map_err(keyring_error)?;
        Ok(Self::from_entry(entry))
    }

    /// A store in `entry`: for an entry with a target, or with a credential store of your
    /// choice ([`keyring::Entry::new_with_credential`]).
    ///
    /// ```
    /// keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    /// let entry = keyring::Entry::new_with_target("work", "com.example.app", "alice")?;
    /// let store = courier::interceptors::auth::KeyringTokenStore::from_entry(entry);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_entry(entry: keyring::Entry) -> Self {
        Self {
            entry: Arc::new(entry),
        }
    }

    /// The keychain entry (to inspect it, or to inject errors into a mock one in tests).
    ///
    /// ```
    /// keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    /// let store = courier::interceptors::auth::KeyringTokenStore::new("com.example.app", "alice")?;
    /// assert!(store.entry().get_credential().downcast_ref::<keyring::mock::MockCredential>().is_some());
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn entry(&self) -> &keyring::Entry {
        &self.entry
    }
}

/// What a keychain call returned, with the secrets kept out of errors.
enum Loaded {
    Token(String),
    Missing,
    NotUtf8,
}

impl TokenStore for KeyringTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<Token>>> {
        Box::pin(async move {
            let entry = Arc::clone(&self.entry);
            let loaded = run_blocking(move || {
                Ok(match entry.get_password() {
                    Ok(json) => Ok(Loaded::Token(json)),
                    Err(keyring::Error::NoEntry) => Ok(Loaded::Missing),
                    // Its bytes may be a secret: dropped here, never put in an error.
                    Err(keyring::Error::BadEncoding(_)) => Ok(Loaded::NotUtf8),
                    Err(error) => Err(error),
                })
            })
            .await
            .map_err(|error| Error::with_source(ErrorKind::Io, error))?
            .map_err(keyring_error)?;
            let json = match loaded {
                Loaded::Token(json) => json,
                Loaded::Missing => return Ok(None),
                Loaded::NotUtf8 => {
                    warn_unreadable(&Error::new(ErrorKind::Decode).with_message("not UTF-8"));
                    return Ok(None);
                }
            };
            let token = serde_json::from_str(&json)
                .map_err(|error| Error::with_source(ErrorKind::Decode, error))
                .and_then(|json| Token::from_json(&json));
            match token {
                Ok(token) => Ok(Some(token)),
                Err(error) => {
                    warn_unreadable(&error);
                    Ok(None)
                }
            }
        })
    }

    fn save<'a>(&'a self, token: &'a Token) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let json = token.to_json().to_string();
            let entry = Arc::clone(&self.entry);
            run_blocking(move || Ok(entry.set_password(&json)))
                .await
                .map_err(|error| Error::with_source(ErrorKind::Io, error))?
                .map_err(keyring_error)
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let entry = Arc::clone(&self.entry);
            run_blocking(move || {
                Ok(match entry.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(error) => Err(error),
                })
            })
            .await
            .map_err(|error| Error::with_source(ErrorKind::Io, error))?
            .map_err(keyring_error)
        })
    }
}

fn keyring_error(error: keyring::Error) -> Error {
    Error::with_source(ErrorKind::Io, error).with_message("OS keychain")
}

fn warn_unreadable(error: &Error) {
    tracing::warn!(
        target: "courier::auth",
        %error,
        "the keychain entry does not hold a readable token; treated as signed out"
    );
}

impl fmt::Debug for KeyringTokenStore {
    // The entry's own `Debug` may show the secret (the mock's does).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringTokenStore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring::mock::MockCredential;

    fn mock_store() -> KeyringTokenStore {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        KeyringTokenStore::new("courier-test", "user").unwrap()
    }

    fn mock(store: &KeyringTokenStore) -> &MockCredential {
        store
            .entry()
            .get_credential()
            .downcast_ref::<MockCredential>()
            .expect("the mock credential store is in use")
    }

    #[tokio::test]
    async fn saves_loads_and_clears_through_the_mock_keychain() {
        let store = mock_store();
        assert!(store.load().await.unwrap().is_none());
        store.clear().await.unwrap();
        let token = Token::new("a").with_refresh_token("r");
        store.save(&token).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(token));
        store.clear().await.unwrap();
        assert!(store.load().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_unreadable_entry_is_no_token_and_a_failing_keychain_an_io_error() {
        let store = mock_store();
        store.entry().set_password("not a token").unwrap();
        assert!(store.load().await.unwrap().is_none());

        mock(&store).set_error(keyring::Error::BadEncoding(b"secret\xff".to_vec()));
        assert!(store.load().await.unwrap().is_none());

        let denied = || keyring::Error::NoStorageAccess("locked".into());
        mock(&store).set_error(denied());
        assert_eq!(store.load().await.unwrap_err().kind(), ErrorKind::Io);
        mock(&store).set_error(denied());
        let error = store.save(&Token::new("a")).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Io);
        mock(&store).set_error(denied());
        assert_eq!(store.clear().await.unwrap_err().kind(), ErrorKind::Io);
    }

    #[test]
    fn debug_does_not_show_the_entry() {
        let store = mock_store();
        store
            .entry()
            .set_password("{\"access_token\":\"secret\"}")
            .unwrap();
        assert!(!format!("{store:?}").contains("secret"));
    }
}
