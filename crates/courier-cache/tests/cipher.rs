//! The AEAD cipher: round trips, tampering, key rotation and wrong keys.

use courier_cache::cipher::{CacheCipher, CipherError, XChaCha20Poly1305Cipher};
use proptest::prelude::*;

const AAD: &[u8] = b"GET https://example.com/private";

#[test]
fn round_trip() {
    let cipher = XChaCha20Poly1305Cipher::new([7; 32]);
    for len in [0usize, 1, 15, 16, 17, 4096, 1 << 20] {
        let plain = vec![0xC3u8; len];
        let sealed = cipher.encrypt(&plain, AAD).unwrap();
        assert_eq!(sealed.len(), plain.len() + 2 + 24 + 16);
        assert_eq!(cipher.decrypt(&sealed, AAD).unwrap(), plain);
    }
}

#[test]
fn every_tampered_byte_fails() {
    let cipher = XChaCha20Poly1305Cipher::new([7; 32]);
    let sealed = cipher.encrypt(b"a small secret", AAD).unwrap();
    for at in 0..sealed.len() {
        let mut tampered = sealed.clone();
        tampered[at] ^= 0x01;
        assert!(cipher.decrypt(&tampered, AAD).is_err(), "byte {at}");
    }
}

#[test]
fn other_associated_data_fails() {
    let cipher = XChaCha20Poly1305Cipher::new([7; 32]);
    let sealed = cipher.encrypt(b"x", AAD).unwrap();
    assert_eq!(
        cipher.decrypt(&sealed, b"another key"),
        Err(CipherError::Authentication)
    );
}

#[test]
fn truncated_ciphertext_fails() {
    let cipher = XChaCha20Poly1305Cipher::new([7; 32]);
    let sealed = cipher.encrypt(b"x", AAD).unwrap();
    for len in 0..sealed.len() {
        assert!(cipher.decrypt(&sealed[..len], AAD).is_err(), "length {len}");
    }
}

#[test]
fn key_rotation_reads_old_and_writes_new() {
    let old_key = [1u8; 32];
    let new_key = [2u8; 32];
    let old = XChaCha20Poly1305Cipher::new(old_key);
    let written_before = old.encrypt(b"before rotation", AAD).unwrap();

    let rotated = XChaCha20Poly1305Cipher::new(new_key).with_previous_key(old_key);
    assert_eq!(
        rotated.decrypt(&written_before, AAD).unwrap(),
        b"before rotation"
    );
    let written_after = rotated.encrypt(b"after rotation", AAD).unwrap();
    assert!(old.decrypt(&written_after, AAD).is_err());
    assert_eq!(
        XChaCha20Poly1305Cipher::new(new_key)
            .decrypt(&written_after, AAD)
            .unwrap(),
        b"after rotation"
    );
}

#[test]
fn wrong_key_fails() {
    let sealed = XChaCha20Poly1305Cipher::new([1; 32])
        .encrypt(b"x", AAD)
        .unwrap();
    let err = XChaCha20Poly1305Cipher::new([2; 32])
        .decrypt(&sealed, AAD)
        .unwrap_err();
    assert!(
        matches!(
            err,
            CipherError::UnknownKey { .. } | CipherError::Authentication
        ),
        "{err:?}"
    );
}

#[test]
fn generated_keys_work_and_differ() {
    let a = XChaCha20Poly1305Cipher::generate_key().unwrap();
    let b = XChaCha20Poly1305Cipher::generate_key().unwrap();
    assert_ne!(a, b);
    let cipher = XChaCha20Poly1305Cipher::new(a);
    assert_eq!(
        cipher
            .decrypt(&cipher.encrypt(b"y", b"").unwrap(), b"")
            .unwrap(),
        b"y"
    );
}

#[test]
fn usable_as_a_trait_object() {
    let cipher: std::sync::Arc<dyn CacheCipher> =
        std::sync::Arc::new(XChaCha20Poly1305Cipher::new([3; 32]));
    let sealed = cipher.encrypt(b"z", AAD).unwrap();
    assert_eq!(cipher.decrypt(&sealed, AAD).unwrap(), b"z");
}

proptest! {
    #[test]
    fn round_trips_any_input(plain in proptest::collection::vec(any::<u8>(), 0..1024), aad in proptest::collection::vec(any::<u8>(), 0..64)) {
        let cipher = XChaCha20Poly1305Cipher::new([9; 32]);
        let sealed = cipher.encrypt(&plain, &aad).unwrap();
        prop_assert_eq!(cipher.decrypt(&sealed, &aad).unwrap(), plain);
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = XChaCha20Poly1305Cipher::new([9; 32]).decrypt(&bytes, AAD);
    }
}
