//! The entry format: round trips, and every kind of damage is a typed error, never a panic.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use courier_cache::entry::encoding::{self, BodyDigest, DecodeError, FORMAT_VERSION};
use courier_cache::entry::{CacheEntry, EntryMetadata, Priority};
use http::{HeaderName, HeaderValue, Method};
use proptest::prelude::*;

fn sample() -> CacheEntry {
    let now = UNIX_EPOCH + Duration::new(1_700_000_000, 5);
    let mut meta = EntryMetadata::new(
        "GET https://e.test/p?q",
        Method::GET,
        "https://e.test/p?q",
        200,
        now,
    );
    meta.headers
        .append("set-cookie", HeaderValue::from_static("a=1"));
    meta.headers
        .append("set-cookie", HeaderValue::from_static("b=2"));
    meta.headers
        .append("vary", HeaderValue::from_static("accept"));
    meta.vary_request_headers
        .append("accept", HeaderValue::from_static("*/*"));
    meta.expires_at = Some(now + Duration::from_secs(30));
    CacheEntry::new(meta, Bytes::from_static(b"the body of the entry"))
}

#[test]
fn every_flipped_bit_is_detected() {
    let frame = encoding::encode(&sample()).unwrap();
    for at in 0..frame.len() {
        for bit in 0..8 {
            let mut damaged = frame.clone();
            damaged[at] ^= 1 << bit;
            let result = encoding::decode(Bytes::from(damaged));
            assert!(
                result.is_err(),
                "flip at byte {at} bit {bit} went unnoticed"
            );
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let frame = encoding::encode(&sample()).unwrap();
    for len in 0..frame.len() {
        let result = encoding::decode(Bytes::copy_from_slice(&frame[..len]));
        assert!(
            matches!(result, Err(DecodeError::Truncated)),
            "truncated to {len}: {result:?}"
        );
    }
}

#[test]
fn metadata_decodes_from_a_prefix_but_not_a_shorter_one() {
    let entry = sample();
    let frame = encoding::encode(&entry).unwrap();
    let header_len = frame.len() - entry.body.len();
    assert_eq!(
        encoding::decode_metadata(Bytes::copy_from_slice(&frame[..header_len])).unwrap(),
        entry.metadata
    );
    for len in 0..header_len {
        assert!(
            encoding::decode_metadata(Bytes::copy_from_slice(&frame[..len])).is_err(),
            "prefix {len}"
        );
    }
}

#[test]
fn a_future_version_is_a_typed_error() {
    let mut frame = encoding::encode(&sample()).unwrap();
    frame[4] = FORMAT_VERSION + 1;
    assert_eq!(
        encoding::decode(Bytes::from(frame.clone())),
        Err(DecodeError::UnsupportedVersion {
            found: FORMAT_VERSION + 1
        })
    );
    assert_eq!(
        encoding::decode_metadata(Bytes::from(frame)),
        Err(DecodeError::UnsupportedVersion {
            found: FORMAT_VERSION + 1
        })
    );
}

#[test]
fn foreign_bytes_are_not_an_entry() {
    assert_eq!(
        encoding::decode(Bytes::from_static(b"{\"json\": true}")),
        Err(DecodeError::NotAnEntry)
    );
    assert_eq!(encoding::decode(Bytes::new()), Err(DecodeError::Truncated));
}

#[test]
fn a_body_swapped_for_another_is_detected() {
    let entry = sample();
    let frame = encoding::encode_detached(&entry.metadata, BodyDigest::of(&entry.body)).unwrap();
    let (_, digest) = encoding::decode_detached(Bytes::from(frame)).unwrap();
    assert!(digest.verify(&entry.body).is_ok());
    assert_eq!(
        digest.verify(b"the body of the entrY"),
        Err(DecodeError::BodyChecksum)
    );
}

#[test]
fn errors_are_std_errors() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: E) {}
    assert_error(DecodeError::Truncated);
    assert_eq!(
        DecodeError::HeaderChecksum.to_string(),
        "cache entry metadata checksum mismatch"
    );
}

/// The metadata section of the golden frames, written by hand from the format (postcard:
/// a string is a varint length and its bytes, an integer a LEB128 varint, a `u8` one byte,
/// an `Option` a 0/1 tag).
const GOLDEN_METADATA: &[&[u8]] = &[
    b"\x14GET https://a.test/p", // key
    b"\x03GET",                  // method
    b"\x10https://a.test/p",     // url
    b"\xc8\x01",                 // status 200
    b"\x04",                     // 4 response header fields:
    b"\x0ccontent-type\x0atext/plain",
    b"\x0aset-cookie\x03a=1",
    b"\x0aset-cookie\x03b=2",
    b"\x05x-bin\x02\xff\x80", // obs-text, not UTF-8
    b"\x01",                  // 1 request header field named by Vary:
    b"\x06accept\x09text/html",
    b"\x80\xe2\xcf\xaa\x06\x05",     // request_time 1_700_000_000 s 5 ns
    b"\x81\xe2\xcf\xaa\x06\x00",     // response_time 1_700_000_001 s 0 ns
    b"\x02",                         // priority High
    b"\x01\x90\xfe\xcf\xaa\x06\x00", // expires_at Some(1_700_003_600 s 0 ns)
    b"\x02",                         // body_len 2
];

/// A golden frame: `flags` (0 full, 1 detached) around [`GOLDEN_METADATA`] for the body
/// `hi`, with CRC-32s computed outside Rust (Python's `zlib.crc32`).
fn golden_frame(detached: bool) -> Vec<u8> {
    let (flags, header_crc): (&[u8], &[u8]) = if detached {
        (b"\x01", b"\x35\x3d\xce\x1a")
    } else {
        (b"\x00", b"\xee\x5d\x5b\x03")
    };
    let mut frame = [b"CRCE\x01", flags, b"\x93\x00\x00\x00"].concat(); // metadata: 147 bytes
    frame.extend(GOLDEN_METADATA.concat());
    frame.extend(b"\x02\x00\x00\x00\x00\x00\x00\x00"); // body length 2
    frame.extend(b"\xac\x2a\x93\xd8"); // CRC-32 of "hi"
    frame.extend(header_crc);
    if !detached {
        frame.extend(b"hi");
    }
    frame
}

/// What the golden frames hold.
fn golden_entry() -> CacheEntry {
    let mut meta = EntryMetadata::new(
        "GET https://a.test/p",
        Method::GET,
        "https://a.test/p",
        200,
        UNIX_EPOCH + Duration::new(1_700_000_000, 5),
    );
    meta.response_time = UNIX_EPOCH + Duration::from_secs(1_700_000_001);
    meta.headers
        .append("content-type", HeaderValue::from_static("text/plain"));
    meta.headers
        .append("set-cookie", HeaderValue::from_static("a=1"));
    meta.headers
        .append("set-cookie", HeaderValue::from_static("b=2"));
    meta.headers
        .append("x-bin", HeaderValue::from_bytes(b"\xff\x80").unwrap());
    meta.vary_request_headers
        .append("accept", HeaderValue::from_static("text/html"));
    meta.priority = Priority::High;
    meta.expires_at = Some(UNIX_EPOCH + Duration::from_secs(1_700_003_600));
    CacheEntry::new(meta, Bytes::from_static(b"hi"))
}

/// Entries already on disk must keep decoding: a frame written by hand from the format
/// decodes to the entry it describes, and encoding that entry gives the same bytes.
#[test]
fn golden_frames_decode_and_encode_byte_for_byte() {
    let entry = golden_entry();
    let full = golden_frame(false);
    assert_eq!(full.len(), 175);
    assert_eq!(encoding::decode(Bytes::from(full.clone())).unwrap(), entry);
    assert_eq!(
        encoding::decode_metadata(Bytes::from(full.clone())).unwrap(),
        entry.metadata
    );
    assert_eq!(encoding::encode(&entry).unwrap(), full);

    let detached = golden_frame(true);
    let (metadata, digest) = encoding::decode_detached(Bytes::from(detached.clone())).unwrap();
    assert_eq!(metadata, entry.metadata);
    assert_eq!(digest, BodyDigest::of(b"hi"));
    assert_eq!(
        encoding::encode_detached(&entry.metadata, BodyDigest::of(b"hi")).unwrap(),
        detached
    );
}

/// Many values of one field fit a `HeaderMap` (past the count it can be pre-sized for), so
/// they round-trip rather than make the decoder panic.
#[test]
fn thirty_thousand_values_of_one_field_round_trip() {
    let mut entry = sample();
    for i in 0..30_000 {
        entry.metadata.headers.append(
            "set-cookie",
            HeaderValue::from_str(&format!("c{i}=1")).unwrap(),
        );
    }
    let frame = Bytes::from(encoding::encode(&entry).unwrap());
    assert_eq!(encoding::decode(frame).unwrap(), entry);
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    "[a-z][a-z0-9-]{0,20}".prop_map(|name| HeaderName::from_bytes(name.as_bytes()).unwrap())
}

fn header_value() -> impl Strategy<Value = HeaderValue> {
    // Any visible byte, space or tab, and obs-text, as http allows.
    proptest::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..40)
        .prop_map(|bytes| HeaderValue::from_bytes(&bytes).unwrap())
}

fn time() -> impl Strategy<Value = SystemTime> {
    (0u64..=u64::from(u32::MAX) * 4, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| UNIX_EPOCH + Duration::new(secs, nanos))
}

prop_compose! {
    fn arb_entry()(
        key in ".{0,80}",
        url in ".{0,80}",
        method in prop_oneof![Just(Method::GET), Just(Method::HEAD), Just(Method::POST), "[A-Z]{1,10}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap())],
        status in 100u16..1000,
        headers in proptest::collection::vec((header_name(), header_value()), 0..12),
        vary in proptest::collection::vec((header_name(), header_value()), 0..4),
        request_time in time(),
        response_time in time(),
        expires_at in proptest::option::of(time()),
        priority in prop_oneof![Just(Priority::Low), Just(Priority::Normal), Just(Priority::High)],
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) -> CacheEntry {
        let mut meta = EntryMetadata::new(key, method, url, status, request_time);
        meta.response_time = response_time;
        meta.expires_at = expires_at;
        meta.priority = priority;
        for (name, value) in headers {
            meta.headers.append(name, value);
        }
        for (name, value) in vary {
            meta.vary_request_headers.append(name, value);
        }
        CacheEntry::new(meta, body)
    }
}

/// A detached frame with valid checksums around arbitrary metadata bytes, built from the
/// documented layout, so the metadata decoder is reached past the CRCs.
fn frame_around(metadata: &[u8]) -> Vec<u8> {
    let mut frame = Vec::new();
    frame.extend_from_slice(&encoding::MAGIC);
    frame.push(FORMAT_VERSION);
    frame.push(1);
    frame.extend_from_slice(&(metadata.len() as u32).to_le_bytes());
    frame.extend_from_slice(metadata);
    frame.extend_from_slice(&0u64.to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(b"").to_le_bytes());
    let crc = crc32fast::hash(&frame);
    frame.extend_from_slice(&crc.to_le_bytes());
    frame
}

#[test]
fn the_documented_layout_is_the_real_one() {
    let entry = sample();
    let real = encoding::encode_detached(&entry.metadata, BodyDigest::of(b"")).unwrap();
    let metadata = &real[10..real.len() - 16];
    assert_eq!(frame_around(metadata), real);
}

#[test]
fn unknown_flags_are_malformed() {
    let mut frame = frame_around(b"");
    frame[5] = 0x80;
    let crc_at = frame.len() - 4;
    let crc = crc32fast::hash(&frame[..crc_at]);
    frame[crc_at..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        encoding::decode_metadata(Bytes::from(frame)),
        Err(DecodeError::Malformed)
    );
}

proptest! {
    #[test]
    fn garbage_metadata_behind_valid_checksums_never_panics(metadata in proptest::collection::vec(any::<u8>(), 0..256)) {
        let frame = frame_around(&metadata);
        if let Err(err) = encoding::decode_detached(Bytes::from(frame)) {
            prop_assert_eq!(err, DecodeError::Malformed);
        }
    }

    #[test]
    fn round_trip(entry in arb_entry()) {
        let frame = encoding::encode(&entry).unwrap();
        prop_assert_eq!(&encoding::decode_metadata(Bytes::from(frame.clone())).unwrap(), &entry.metadata);
        prop_assert_eq!(encoding::decode(Bytes::from(frame)).unwrap(), entry.clone());
        let detached = encoding::encode_detached(&entry.metadata, BodyDigest::of(&entry.body)).unwrap();
        let (meta, digest) = encoding::decode_detached(Bytes::from(detached)).unwrap();
        prop_assert_eq!(meta, entry.metadata);
        prop_assert!(digest.verify(&entry.body).is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let bytes = Bytes::from(bytes);
        let _ = encoding::decode(bytes.clone());
        let _ = encoding::decode_metadata(bytes.clone());
        let _ = encoding::decode_detached(bytes);
    }

    #[test]
    fn damaged_valid_frames_never_panic(entry in arb_entry(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut frame = encoding::encode(&entry).unwrap();
        let at = at.index(frame.len());
        frame[at] = byte;
        let _ = encoding::decode(Bytes::from(frame));
    }
}
