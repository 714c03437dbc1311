//! What an entry becomes in the database, and back: the metadata as a detached entry frame
//! naming its body's digest, the body apart, both sealed by the cipher when there is one.
//!
//! Reading never fails: bytes that do not decode, decrypt or match their digest make the
//! row unreadable (`None`), which the store turns into a miss and a deletion.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::cipher::CacheCipher;
use crate::entry::encoding::{self, BodyDigest};
use crate::entry::{CacheEntry, EntryMetadata};
use crate::store::{StoreError, StoreErrorKind};

/// An entry ready to be written: the column values of its row and its body's.
pub(super) struct NewRow {
    pub(super) key: String,
    pub(super) url: String,
    pub(super) metadata: Vec<u8>,
    /// The body as stored (sealed when there is a cipher).
    pub(super) body: Bytes,
    pub(super) size: i64,
    pub(super) priority: i64,
    pub(super) expires_at: Option<i64>,
}

/// The metadata column of an existing row, re-encoded by
/// [`update_metadata`](crate::store::CacheStore::update_metadata).
pub(super) struct NewMetadata {
    pub(super) url: String,
    pub(super) metadata: Vec<u8>,
    pub(super) size: i64,
    pub(super) priority: i64,
    pub(super) expires_at: Option<i64>,
}

/// Encodes and decodes rows, with the store's cipher if it has one.
pub(super) struct RowCodec {
    cipher: Option<Arc<dyn CacheCipher>>,
}

/// The part of a row that the associated data names, so sealed bytes only open in the slot
/// (row and column) they were written for.
#[derive(Clone, Copy)]
enum Part {
    Metadata,
    Body,
}

impl RowCodec {
    pub(super) fn new(cipher: Option<Arc<dyn CacheCipher>>) -> Self {
        RowCodec { cipher }
    }

    pub(super) fn cipher(&self) -> Option<&Arc<dyn CacheCipher>> {
        self.cipher.as_ref()
    }

    fn associated_data(part: Part, key: &str) -> Vec<u8> {
        let label: &[u8] = match part {
            Part::Metadata => b"courier-cache sqlite metadata\0",
            Part::Body => b"courier-cache sqlite body\0",
        };
        [label, key.as_bytes()].concat()
    }

    fn seal(&self, part: Part, key: &str, plain: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match &self.cipher {
            Some(cipher) => cipher
                .encrypt(plain, &Self::associated_data(part, key))
                .map(Some)
                .map_err(|err| {
                    StoreError::with_source(StoreErrorKind::Cipher, "encrypting entry", err)
                }),
            None => Ok(None),
        }
    }

    /// The row of `entry`, body and all.
    pub(super) fn encode(&self, entry: CacheEntry) -> Result<NewRow, StoreError> {
        let CacheEntry {
            mut metadata, body, ..
        } = entry;
        metadata.body_len = body.len() as u64;
        let body = match self.seal(Part::Body, &metadata.key, &body)? {
            Some(sealed) => Bytes::from(sealed),
            None => body,
        };
        let digest = BodyDigest::of(&body);
        let key = metadata.key.clone();
        let NewMetadata {
            url,
            metadata,
            size,
            priority,
            expires_at,
        } = self.encode_metadata(metadata, digest)?;
        Ok(NewRow {
            key,
            url,
            metadata,
            body,
            size,
            priority,
            expires_at,
        })
    }

    /// The metadata column for `metadata`, belonging to the stored body `digest` names.
    pub(super) fn encode_metadata(
        &self,
        metadata: EntryMetadata,
        digest: BodyDigest,
    ) -> Result<NewMetadata, StoreError> {
        let frame = encoding::encode_detached(&metadata, digest).map_err(|err| {
            StoreError::with_source(StoreErrorKind::Backend, "encoding entry metadata", err)
        })?;
        let frame = match self.seal(Part::Metadata, &metadata.key, &frame)? {
            Some(sealed) => sealed,
            None => frame,
        };
        let size = i64::try_from(frame.len() as u64 + digest.len()).unwrap_or(i64::MAX);
        Ok(NewMetadata {
            size,
            priority: i64::from(metadata.priority.as_u8()),
            expires_at: metadata.expires_at.map(unix_nanos),
            url: metadata.url,
            metadata: frame,
        })
    }

    /// The metadata stored under `key` and the digest of its body, or `None` when the
    /// bytes are unreadable or belong to another key.
    pub(super) fn decode_metadata(
        &self,
        key: &str,
        stored: &[u8],
    ) -> Option<(EntryMetadata, BodyDigest)> {
        let frame = match &self.cipher {
            Some(cipher) => Bytes::from(
                cipher
                    .decrypt(stored, &Self::associated_data(Part::Metadata, key))
                    .ok()?,
            ),
            // Borrowed from the row: one copy of the frame, which the decoded header values
            // then share (cheaper than a copy per value).
            None => Bytes::copy_from_slice(stored),
        };
        let (metadata, digest) = encoding::decode_detached(frame).ok()?;
        (metadata.key == key).then_some((metadata, digest))
    }

    /// The body of `metadata` from its stored bytes, or `None` when they are not the body
    /// `digest` names.
    pub(super) fn decode_body(
        &self,
        metadata: &EntryMetadata,
        digest: BodyDigest,
        stored: &[u8],
    ) -> Option<Bytes> {
        digest.verify(stored).ok()?;
        let body = match &self.cipher {
            Some(cipher) => Bytes::from(
                cipher
                    .decrypt(stored, &Self::associated_data(Part::Body, &metadata.key))
                    .ok()?,
            ),
            None => Bytes::copy_from_slice(stored),
        };
        (body.len() as u64 == metadata.body_len).then_some(body)
    }
}

/// `time` in nanoseconds since the Unix epoch, saturating at the ends of `i64` (the years
/// 1677 and 2262).
pub(super) fn unix_nanos(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_nanos()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}
