use std::fmt;

use chacha20poly1305::aead::{AeadInOut, Generate, KeyInit};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use super::{CacheCipher, CipherError};

/// Version of the ciphertext layout below.
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// version + key id + nonce
const HEADER_LEN: usize = 2 + NONCE_LEN;

/// [`CacheCipher`] with XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`).
///
/// Each call draws a random 24-byte nonce (the extended nonce makes random nonces safe for
/// any realistic number of entries). The ciphertext layout is
/// `version u8 | key id u8 | nonce [24] | ciphertext | tag [16]`, with the version and key id
/// authenticated along with the caller's associated data. Keys are 32 bytes; the key id is
/// the first byte of a SHA-256 of the key, so it identifies a key without revealing it (two
/// keys may share an id: every matching key is tried).
///
/// # Example: rotating keys
///
/// ```
/// use courier_cache::cipher::{CacheCipher, XChaCha20Poly1305Cipher};
///
/// let old_key = [1u8; 32];
/// let written = XChaCha20Poly1305Cipher::new(old_key).encrypt(b"body", b"key")?;
///
/// let new_key = XChaCha20Poly1305Cipher::generate_key()?;
/// let rotated = XChaCha20Poly1305Cipher::new(new_key).with_previous_key(old_key);
/// assert_eq!(rotated.decrypt(&written, b"key")?, b"body"); // old entries still read
/// let rewritten = rotated.encrypt(b"body", b"key")?; // new entries use the new key
/// assert!(XChaCha20Poly1305Cipher::new(old_key).decrypt(&rewritten, b"key").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct XChaCha20Poly1305Cipher {
    /// The current key first, then previous keys, newest first.
    keys: Vec<KeySlot>,
}

#[derive(Clone)]
struct KeySlot {
    id: u8,
    aead: XChaCha20Poly1305,
}

impl KeySlot {
    fn new(key: [u8; 32]) -> Self {
        let digest = Sha256::new()
            .chain_update(b"courier-cache key id\0")
            .chain_update(key)
            .finalize();
        KeySlot {
            id: digest[0],
            aead: XChaCha20Poly1305::new(&Key::from(key)),
        }
    }
}

impl XChaCha20Poly1305Cipher {
    /// A cipher that encrypts with `key` (and decrypts what `key` encrypted).
    ///
    /// Keep the key secret and out of source code; load it from a keyring or secret store.
    /// The cipher zeroizes its copy of the key schedule when dropped.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    ///
    /// let cipher = XChaCha20Poly1305Cipher::new(XChaCha20Poly1305Cipher::generate_key()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: [u8; 32]) -> Self {
        XChaCha20Poly1305Cipher {
            keys: vec![KeySlot::new(key)],
        }
    }

    /// Also decrypts entries written under `key`, a key used before the current one. Call it
    /// once per retired key still in use, newest first.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::{CacheCipher, XChaCha20Poly1305Cipher};
    ///
    /// let old = XChaCha20Poly1305Cipher::new([1; 32]).encrypt(b"x", b"k")?;
    /// let cipher = XChaCha20Poly1305Cipher::new([2; 32]).with_previous_key([1; 32]);
    /// assert_eq!(cipher.decrypt(&old, b"k")?, b"x");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_previous_key(mut self, key: [u8; 32]) -> Self {
        self.keys.push(KeySlot::new(key));
        self
    }

    /// A new random 32-byte key from the operating system's generator.
    ///
    /// # Errors
    ///
    /// [`CipherError::Random`] when the generator fails.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::cipher::XChaCha20Poly1305Cipher;
    ///
    /// assert_ne!(XChaCha20Poly1305Cipher::generate_key()?, XChaCha20Poly1305Cipher::generate_key()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate_key() -> Result<[u8; 32], CipherError> {
        let key = Key::try_generate().map_err(|_| CipherError::Random)?;
        Ok(key.into())
    }

    fn associated_data(version: u8, key_id: u8, associated_data: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(2 + associated_data.len());
        aad.push(version);
        aad.push(key_id);
        aad.extend_from_slice(associated_data);
        aad
    }
}

impl CacheCipher for XChaCha20Poly1305Cipher {
    fn encrypt(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, CipherError> {
        let slot = self.keys.first().ok_or(CipherError::Encrypt)?;
        let nonce = XNonce::try_generate().map_err(|_| CipherError::Random)?;
        let aad = Self::associated_data(VERSION, slot.id, associated_data);
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION);
        out.push(slot.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = slot
            .aead
            .encrypt_inout_detached(&nonce, &aad, (&mut out[HEADER_LEN..]).into())
            .map_err(|_| CipherError::Encrypt)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    fn decrypt(&self, ciphertext: &[u8], associated_data: &[u8]) -> Result<Vec<u8>, CipherError> {
        if ciphertext.len() < HEADER_LEN + TAG_LEN || ciphertext[0] != VERSION {
            return Err(CipherError::Malformed);
        }
        let key_id = ciphertext[1];
        let nonce =
            XNonce::try_from(&ciphertext[2..HEADER_LEN]).map_err(|_| CipherError::Malformed)?;
        let (sealed, tag) =
            ciphertext[HEADER_LEN..].split_at(ciphertext.len() - HEADER_LEN - TAG_LEN);
        let tag = Tag::try_from(tag).map_err(|_| CipherError::Malformed)?;
        let aad = Self::associated_data(VERSION, key_id, associated_data);
        let mut candidates = self.keys.iter().filter(|slot| slot.id == key_id).peekable();
        if candidates.peek().is_none() {
            return Err(CipherError::UnknownKey { key_id });
        }
        for slot in candidates {
            let mut plaintext = sealed.to_vec();
            if slot
                .aead
                .decrypt_inout_detached(&nonce, &aad, (&mut plaintext[..]).into(), &tag)
                .is_ok()
            {
                return Ok(plaintext);
            }
        }
        Err(CipherError::Authentication)
    }
}

impl fmt::Debug for XChaCha20Poly1305Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material; the ids are enough to tell keys apart.
        let ids: Vec<u8> = self.keys.iter().map(|slot| slot.id).collect();
        f.debug_struct("XChaCha20Poly1305Cipher")
            .field("key_ids", &ids)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_differ_per_call() {
        let cipher = XChaCha20Poly1305Cipher::new([3; 32]);
        let a = cipher.encrypt(b"same", b"k").unwrap();
        let b = cipher.encrypt(b"same", b"k").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), HEADER_LEN + 4 + TAG_LEN);
    }

    #[test]
    fn debug_hides_keys() {
        let text = format!("{:?}", XChaCha20Poly1305Cipher::new([0xAB; 32]));
        assert!(text.contains("key_ids"));
        assert!(!text.contains("171"), "{text}");
    }

    #[test]
    fn header_bytes_are_authenticated() {
        let cipher = XChaCha20Poly1305Cipher::new([3; 32]).with_previous_key([3; 32]);
        let mut sealed = cipher.encrypt(b"x", b"k").unwrap();
        sealed[0] ^= 0xff;
        assert_eq!(cipher.decrypt(&sealed, b"k"), Err(CipherError::Malformed));
    }
}
