//! Reading an entry back and checking it: the frame's checksum, version and key, and the
//! body against the frame's digest.

use std::time::SystemTime;

use bytes::Bytes;
use redb::ReadableTable;

use crate::entry::encoding;
use crate::entry::{CacheEntry, EntryMetadata};

/// What is stored under a key, for a reader.
#[allow(
    clippy::large_enum_variant,
    reason = "returned once per read and unpacked at once; boxing would allocate per hit"
)]
pub(super) enum Stored {
    /// Nothing, or an entry past its deadline.
    Absent,
    /// Rows that do not make a valid entry: a miss, to be deleted.
    Unreadable,
    /// A valid, live entry.
    Entry(CacheEntry),
}

/// The entry under `key`. With `live_at`, an entry past its deadline then is
/// [`Stored::Absent`] (and its body is not read).
pub(super) fn read_entry(
    metadata: &impl ReadableTable<&'static str, &'static [u8]>,
    bodies: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    live_at: Option<SystemTime>,
) -> Result<Stored, redb::StorageError> {
    let Some(frame) = metadata.get(key)? else {
        return Ok(Stored::Absent);
    };
    open_entry(key, frame.value(), bodies, live_at)
}

/// The entry whose metadata frame under `key` is `frame`, body read from `bodies`.
pub(super) fn open_entry(
    key: &str,
    frame: &[u8],
    bodies: &impl ReadableTable<&'static str, &'static [u8]>,
    live_at: Option<SystemTime>,
) -> Result<Stored, redb::StorageError> {
    let Some((metadata, digest)) = decode_metadata(key, frame) else {
        return Ok(Stored::Unreadable);
    };
    if live_at.is_some_and(|now| metadata.is_expired(now)) {
        return Ok(Stored::Absent);
    }
    with_body(key, metadata, digest, bodies)
}

/// The entry of decoded `metadata` (whose body has `digest`), body read from `bodies`.
pub(super) fn with_body(
    key: &str,
    metadata: EntryMetadata,
    digest: encoding::BodyDigest,
    bodies: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Stored, redb::StorageError> {
    let Some(body) = bodies.get(key)? else {
        return Ok(Stored::Unreadable);
    };
    let body = body.value();
    if digest.verify(body).is_err() || metadata.body_len != digest.len() {
        return Ok(Stored::Unreadable);
    }
    Ok(Stored::Entry(CacheEntry::new(
        metadata,
        Bytes::copy_from_slice(body),
    )))
}

/// The metadata in `frame` and the digest of its body, if the frame is valid and belongs to
/// `key`.
pub(super) fn decode_metadata(
    key: &str,
    frame: &[u8],
) -> Option<(EntryMetadata, encoding::BodyDigest)> {
    // Borrowed from the transaction: one copy of the frame, which the decoded header values
    // then share (cheaper than a copy per value).
    let (metadata, digest) = encoding::decode_detached(Bytes::copy_from_slice(frame)).ok()?;
    // A frame under the wrong key (rows swapped or copied) is not this entry.
    (metadata.key == key).then_some((metadata, digest))
}
