/// Why a [`CacheCipher`](super::CacheCipher) could not encrypt or decrypt.
///
/// Stores read every decryption error as a miss and delete the entry.
///
/// # Example
///
/// ```
/// use courier_cache::cipher::{CacheCipher, CipherError, XChaCha20Poly1305Cipher};
///
/// let cipher = XChaCha20Poly1305Cipher::new([1; 32]);
/// assert_eq!(cipher.decrypt(b"short", b"k"), Err(CipherError::Malformed));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// The ciphertext is too short or has an unknown format version.
    #[error("ciphertext is malformed")]
    Malformed,
    /// The ciphertext names a key this cipher does not hold (rotated out, or another
    /// application's cache).
    #[error("ciphertext was written under an unknown key (id {key_id})")]
    UnknownKey {
        /// The key id byte found in the ciphertext.
        key_id: u8,
    },
    /// Authentication failed: the ciphertext was tampered with, or written for other
    /// associated data or under another key.
    #[error("ciphertext failed authentication")]
    Authentication,
    /// Encryption failed (the input is too long for the algorithm).
    #[error("encryption failed")]
    Encrypt,
    /// The operating system's random number generator failed.
    #[error("no randomness available for a nonce or key")]
    Random,
}
