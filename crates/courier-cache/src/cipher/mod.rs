//! Encryption of stored entries: the [`CacheCipher`] trait and an AEAD implementation,
//! [`XChaCha20Poly1305Cipher`].
//!
//! # Why
//!
//! A persistent cache holds responses that may be private (account pages, tokens in JSON).
//! With a cipher set, a store that persists ([`FileStore`](crate::store::FileStore)) encrypts
//! both the metadata (status, headers, URL, times) and the body, each with an authenticated
//! cipher whose associated data is the entry's key: a tampered entry, an entry moved to
//! another key's slot or a body paired with another entry's metadata fails to decrypt, and
//! the store reads it as a miss and deletes it.
//!
//! For any other store, [`EncryptedStore`](crate::store::EncryptedStore) (or
//! [`CacheOptions::cipher`](crate::CacheOptions::cipher), dio's `cipher` option) encrypts each
//! whole entry before the store sees it, leaving the store only the key, URL, method, status,
//! priority and times.
//!
//! # What is and isn't protected
//!
//! - Protected (confidential and authenticated): the metadata (URL, headers, status, times,
//!   priority, deadline) and the body.
//! - Authenticated but not encrypted: the key, passed as associated data. Stores may keep it
//!   readable: [`FileStore`](crate::store::FileStore) names files by a SHA-256 of the key (so
//!   the key is not readable from the directory, but a guessed URL can be confirmed), and
//!   database stores may use the key as a row key.
//! - Not hidden: entry sizes, how many entries there are, and when they were written or read.
//! - Not protected: entries in memory ([`MemoryStore`](crate::store::MemoryStore) keeps
//!   plaintext; it never persists).
//!
//! # Key rotation
//!
//! Every ciphertext starts with a one-byte key id derived from the key. A cipher built with
//! [`XChaCha20Poly1305Cipher::with_previous_key`] encrypts with the current key and still
//! decrypts entries written under the previous ones, so a key can be rotated without
//! dropping the cache; entries rewritten after the rotation use the new key.

mod cache_cipher;
mod error;
mod xchacha;

pub use cache_cipher::CacheCipher;
pub use error::CipherError;
pub use xchacha::XChaCha20Poly1305Cipher;
