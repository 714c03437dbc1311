//! Feeds arbitrary bytes to every entry decoder and the cipher. Nothing may panic, and
//! whatever decodes must re-encode to an entry that decodes the same.
#![no_main]

use bytes::Bytes;
use courier_cache::cipher::{CacheCipher, XChaCha20Poly1305Cipher};
use courier_cache::entry::encoding;
use libfuzzer_sys::fuzz_target;

/// A detached frame whose checksums are valid around `metadata`: random bytes rarely get
/// past a CRC-32, so this is how the metadata decoder itself gets fuzzed.
fn frame_around(metadata: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(metadata.len() + 26);
    frame.extend_from_slice(&encoding::MAGIC);
    frame.push(encoding::FORMAT_VERSION);
    frame.push(1); // detached body
    frame.extend_from_slice(&(metadata.len() as u32).to_le_bytes());
    frame.extend_from_slice(metadata);
    frame.extend_from_slice(&0u64.to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(b"").to_le_bytes());
    let header_crc = crc32fast::hash(&frame);
    frame.extend_from_slice(&header_crc.to_le_bytes());
    frame
}

fn check_detached(frame: Bytes) {
    if let Ok((metadata, digest)) = encoding::decode_detached(frame) {
        let again = encoding::encode_detached(&metadata, digest).expect("re-encode detached");
        let (back, back_digest) =
            encoding::decode_detached(Bytes::from(again)).expect("decode re-encoded");
        assert_eq!(back, metadata);
        assert_eq!(back_digest, digest);
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = encoding::decode_metadata(Bytes::copy_from_slice(data));
    check_detached(Bytes::copy_from_slice(data));
    check_detached(Bytes::from(frame_around(data)));
    if let Ok(entry) = encoding::decode(Bytes::copy_from_slice(data)) {
        let again = encoding::encode(&entry).expect("re-encode");
        let back = encoding::decode(Bytes::from(again)).expect("decode re-encoded");
        assert_eq!(back, entry);
    }
    let _ = XChaCha20Poly1305Cipher::new([0; 32]).decrypt(data, b"key");
});
