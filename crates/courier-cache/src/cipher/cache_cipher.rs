use std::fmt;

use super::CipherError;

/// Encrypts and decrypts stored bytes, binding them to associated data.
///
/// Stores call it with the entry's key (plus a label saying which part is encrypted) as
/// `associated_data`, so a ciphertext only decrypts in the slot it was written for.
/// Implementations must be authenticated: decrypting tampered bytes, bytes written with
/// other associated data or with an unknown key is an error, never garbage.
///
/// It is synchronous because it is CPU work; stores call it on the blocking pool.
///
/// # Example
///
/// A store-side round trip:
///
/// ```
/// use courier_cache::cipher::{CacheCipher, XChaCha20Poly1305Cipher};
///
/// let cipher: Box<dyn CacheCipher> = Box::new(XChaCha20Poly1305Cipher::new([7; 32]));
/// let sealed = cipher.encrypt(b"secret body", b"GET https://example.com/")?;
/// assert_eq!(cipher.decrypt(&sealed, b"GET https://example.com/")?, b"secret body");
/// assert!(cipher.decrypt(&sealed, b"GET https://example.com/other").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CacheCipher: Send + Sync + fmt::Debug {
    /// Encrypts `plaintext`, authenticating `associated_data` with it.
    ///
    /// # Errors
    ///
    /// [`CipherError`] when encryption is impossible (no randomness for a nonce, input too
    /// long).
    fn encrypt(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, CipherError>;

    /// Decrypts what [`encrypt`](CacheCipher::encrypt) returned for the same
    /// `associated_data`.
    ///
    /// # Errors
    ///
    /// [`CipherError`] when the input was tampered with, written with other associated data,
    /// or under a key this cipher does not hold.
    fn decrypt(&self, ciphertext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, CipherError>;
}
