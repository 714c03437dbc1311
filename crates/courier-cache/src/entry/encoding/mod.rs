//! The versioned binary format entries are persisted in.
//!
//! # Why this layout
//!
//! ```text
//! magic "CRCE" | version u8 | flags u8 | metadata_len u32 LE | metadata (postcard)
//!   | body_len u64 LE | body_crc32 u32 LE | header_crc32 u32 LE | body (unless detached)
//! ```
//!
//! - **Metadata first, body last**: [`decode_metadata`] reads and checks a prefix and never
//!   touches the body, and [`decode`] hands the body out as a zero-copy slice of the input.
//! - **Decoding shares the input**: every decoder takes the frame as [`Bytes`], and the
//!   header values it decodes are slices of it, not copies (see
//!   [Sharing the frame](decode#sharing-the-frame)). Copying each value was most of the
//!   work of a decode.
//! - **Two checksums**: the header CRC-32 covers everything before it (so the metadata can be
//!   trusted alone), the body CRC-32 covers the body. A torn write, a flipped bit or a
//!   truncated file fails one of them; it is a [`DecodeError`], which callers turn into a
//!   miss (and delete the entry). Decoding never panics on any input.
//! - **A version byte checked first**: a format change is read as
//!   [`DecodeError::UnsupportedVersion`] (a miss), never misread.
//! - **Detached bodies** ([`encode_detached`], [`decode_detached`]): stores that keep the body
//!   elsewhere (a second file, a second column) store only the metadata frame plus a
//!   [`BodyDigest`] that names the body it belongs to. Freshening after a `304` then rewrites
//!   the small metadata frame and never the body, and a metadata frame paired with the wrong
//!   body (a crash between two writes) is detected.
//!
//! The metadata is [postcard](https://docs.rs/postcard) over a private, serde-friendly mirror
//! of [`EntryMetadata`] (headers as name + raw bytes), so the public types carry no serde
//! commitment.
//!
//! # Example
//!
//! ```
//! use std::time::SystemTime;
//! use bytes::Bytes;
//! use courier_cache::entry::{encoding, CacheEntry, EntryMetadata};
//!
//! let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
//! let entry = CacheEntry::new(meta, "hello");
//! let frame = Bytes::from(encoding::encode(&entry)?);
//! assert_eq!(encoding::decode_metadata(frame.clone())?, entry.metadata);
//! assert_eq!(encoding::decode(frame)?, entry);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod wire;

use bytes::Bytes;

use self::wire::WireMetadata;
use super::{CacheEntry, EntryMetadata};

/// The first four bytes of every encoded entry.
pub const MAGIC: [u8; 4] = *b"CRCE";

/// The format version this build writes and reads. Any other version decodes as
/// [`DecodeError::UnsupportedVersion`].
pub const FORMAT_VERSION: u8 = 1;

/// Flag bit: the body is not in the frame (see [`encode_detached`]).
const FLAG_DETACHED: u8 = 0b0000_0001;
const KNOWN_FLAGS: u8 = FLAG_DETACHED;

/// magic + version + flags + metadata_len
const PREFIX_LEN: usize = 4 + 1 + 1 + 4;
/// body_len + body_crc + header_crc
const SUFFIX_LEN: usize = 8 + 4 + 4;

/// Why bytes are not a valid entry. Callers treat every kind as a cache miss.
///
/// # Example
///
/// ```
/// use bytes::Bytes;
/// use courier_cache::entry::encoding::{self, DecodeError};
///
/// let frame = Bytes::from_static(b"nope");
/// assert_eq!(encoding::decode_metadata(frame), Err(DecodeError::NotAnEntry));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes do not start with [`MAGIC`].
    #[error("not a cache entry (bad magic number)")]
    NotAnEntry,
    /// The entry was written in a format version this build does not read.
    #[error(
        "cache entry format version {found} is not supported (this build reads {FORMAT_VERSION})"
    )]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// The input ends before the entry does.
    #[error("cache entry is truncated")]
    Truncated,
    /// The header checksum does not match: the metadata is corrupt.
    #[error("cache entry metadata checksum mismatch")]
    HeaderChecksum,
    /// The body checksum or length does not match: the body is corrupt or belongs to another
    /// entry.
    #[error("cache entry body checksum mismatch")]
    BodyChecksum,
    /// The metadata passed its checksum but is not valid (an impossible time, an invalid
    /// header name, unknown flags…).
    #[error("cache entry metadata is malformed")]
    Malformed,
    /// Bytes follow the end of the entry.
    #[error("unexpected bytes after the cache entry")]
    TrailingBytes,
    /// A detached frame was given where a full entry was expected, or the reverse.
    #[error("cache entry has the wrong layout (detached body mismatch)")]
    WrongLayout,
}

/// Why an entry could not be encoded (its metadata is larger than 4 GiB).
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{encoding, CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let result: Result<Vec<u8>, encoding::EncodeError> = encoding::encode(&CacheEntry::new(meta, ""));
/// assert!(result.is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("cache entry could not be encoded: {reason}")]
pub struct EncodeError {
    reason: &'static str,
}

/// The length and CRC-32 of a body stored apart from its metadata frame.
///
/// # Example
///
/// ```
/// use courier_cache::entry::encoding::BodyDigest;
///
/// let digest = BodyDigest::of(b"body");
/// assert_eq!(digest.len(), 4);
/// digest.verify(b"body")?;
/// assert!(digest.verify(b"bodY").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyDigest {
    len: u64,
    checksum: u32,
}

impl BodyDigest {
    /// The digest of `body`.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::entry::encoding::BodyDigest;
    ///
    /// assert_eq!(BodyDigest::of(b""), BodyDigest::of(&[]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of(body: &[u8]) -> Self {
        BodyDigest {
            len: body.len() as u64,
            checksum: crc32fast::hash(body),
        }
    }

    /// The body length in bytes.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::entry::encoding::BodyDigest;
    ///
    /// assert_eq!(BodyDigest::of(b"abc").len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Checks that `body` is the body this digest was taken of.
    ///
    /// # Errors
    ///
    /// [`DecodeError::BodyChecksum`] when the length or checksum differs.
    ///
    /// # Example
    ///
    /// ```
    /// use courier_cache::entry::encoding::{BodyDigest, DecodeError};
    ///
    /// assert_eq!(BodyDigest::of(b"a").verify(b"ab"), Err(DecodeError::BodyChecksum));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self, body: &[u8]) -> Result<(), DecodeError> {
        if *self == BodyDigest::of(body) {
            Ok(())
        } else {
            Err(DecodeError::BodyChecksum)
        }
    }
}

/// Encodes `entry` (metadata and body) into one frame.
///
/// `entry.metadata.body_len` is written as the body's actual length.
///
/// # Errors
///
/// [`EncodeError`] when the encoded metadata exceeds 4 GiB.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use courier_cache::entry::{encoding, CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let frame = encoding::encode(&CacheEntry::new(meta, "body"))?;
/// assert!(frame.starts_with(&encoding::MAGIC));
/// assert!(frame.ends_with(b"body"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode(entry: &CacheEntry) -> Result<Vec<u8>, EncodeError> {
    let digest = BodyDigest::of(&entry.body);
    let mut frame = encode_frame(&entry.metadata, digest, 0, entry.body.len())?;
    frame.extend_from_slice(&entry.body);
    Ok(frame)
}

/// Encodes `metadata` alone, naming the body it belongs to by `body` (the digest of the body
/// *as stored*, e.g. after encryption).
///
/// # Errors
///
/// [`EncodeError`] when the encoded metadata exceeds 4 GiB.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use bytes::Bytes;
/// use courier_cache::entry::{encoding::{self, BodyDigest}, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let frame = encoding::encode_detached(&meta, BodyDigest::of(b"stored body"))?;
/// let (decoded, digest) = encoding::decode_detached(Bytes::from(frame))?;
/// assert_eq!(decoded, meta);
/// digest.verify(b"stored body")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_detached(metadata: &EntryMetadata, body: BodyDigest) -> Result<Vec<u8>, EncodeError> {
    encode_frame(metadata, body, FLAG_DETACHED, 0)
}

/// Decodes a frame written by [`encode`]. Nothing is copied but the key and URL: the body
/// and every header value are slices of `frame` (see [Sharing the frame](#sharing-the-frame)).
///
/// # Errors
///
/// A [`DecodeError`] for anything that is not exactly one valid entry.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use bytes::Bytes;
/// use courier_cache::entry::{encoding::{self, DecodeError}, CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let mut frame = encoding::encode(&CacheEntry::new(meta, "body"))?;
/// let last = frame.len() - 1;
/// frame[last] ^= 1;
/// assert_eq!(encoding::decode(Bytes::from(frame)), Err(DecodeError::BodyChecksum));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Sharing the frame
///
/// Every decoder takes the frame as [`Bytes`] and builds the header values as slices of it
/// (validated, not copied): a read that decodes a dozen headers allocates for none of them.
/// A caller that owns the bytes it read (a `Vec<u8>` from a file, a socket or a cipher)
/// hands them over with `Bytes::from(vec)`, which does not copy either. A caller that only
/// borrows them (a row of a database transaction) copies the frame once with
/// [`Bytes::copy_from_slice`], which still costs less than copying each value.
///
/// The decoded values keep the frame's memory alive as long as they live. That memory is
/// the metadata (and, for [`decode`], the body the entry holds anyway), so it is no more
/// than the entry itself.
pub fn decode(frame: Bytes) -> Result<CacheEntry, DecodeError> {
    let header = Header::parse(&frame)?;
    if header.flags & FLAG_DETACHED != 0 {
        return Err(DecodeError::WrongLayout);
    }
    let body_end = usize::try_from(header.digest.len)
        .ok()
        .and_then(|len| header.len.checked_add(len))
        .ok_or(DecodeError::Truncated)?;
    match frame.len().cmp(&body_end) {
        std::cmp::Ordering::Less => return Err(DecodeError::Truncated),
        std::cmp::Ordering::Greater => return Err(DecodeError::TrailingBytes),
        std::cmp::Ordering::Equal => {}
    }
    let metadata = header.metadata(&frame)?;
    if metadata.body_len != header.digest.len {
        return Err(DecodeError::Malformed);
    }
    let body = frame.slice(header.len..body_end);
    header.digest.verify(&body)?;
    Ok(CacheEntry::new(metadata, body))
}

/// Decodes only the metadata of a frame written by [`encode`] or [`encode_detached`],
/// checking the header checksum and never reading the body. `frame` may be just a prefix
/// that holds the metadata. Header values are slices of `frame`, not copies (see
/// [Sharing the frame](decode#sharing-the-frame)).
///
/// # Errors
///
/// A [`DecodeError`] when the header or metadata is invalid.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use bytes::Bytes;
/// use courier_cache::entry::{encoding, CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let frame = Bytes::from(encoding::encode(&CacheEntry::new(meta, vec![7u8; 1 << 20]))?);
/// // A prefix is enough: the 1 MiB body is never looked at.
/// let prefix = frame.slice(..frame.len() - (1 << 20));
/// assert_eq!(encoding::decode_metadata(prefix)?.key, "k");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_metadata(frame: Bytes) -> Result<EntryMetadata, DecodeError> {
    Header::parse(&frame)?.metadata(&frame)
}

/// Decodes a frame written by [`encode_detached`]: the metadata and the digest of the body
/// it belongs to. Header values are slices of `frame`, not copies (see
/// [Sharing the frame](decode#sharing-the-frame)).
///
/// # Errors
///
/// A [`DecodeError`] for anything that is not exactly one valid detached frame.
///
/// # Example
///
/// ```
/// use std::time::SystemTime;
/// use bytes::Bytes;
/// use courier_cache::entry::{encoding::{self, BodyDigest, DecodeError}, CacheEntry, EntryMetadata};
///
/// let meta = EntryMetadata::new("k", http::Method::GET, "https://example.com/", 200, SystemTime::now());
/// let full = encoding::encode(&CacheEntry::new(meta, "b"))?;
/// // A `Vec<u8>` read from storage becomes `Bytes` without a copy.
/// let full = Bytes::from(full);
/// assert_eq!(encoding::decode_detached(full).map(|_| ()), Err(DecodeError::WrongLayout));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_detached(frame: Bytes) -> Result<(EntryMetadata, BodyDigest), DecodeError> {
    let header = Header::parse(&frame)?;
    if header.flags & FLAG_DETACHED == 0 {
        return Err(DecodeError::WrongLayout);
    }
    if frame.len() != header.len {
        return Err(DecodeError::TrailingBytes);
    }
    Ok((header.metadata(&frame)?, header.digest))
}

fn encode_frame(
    metadata: &EntryMetadata,
    digest: BodyDigest,
    flags: u8,
    body_capacity: usize,
) -> Result<Vec<u8>, EncodeError> {
    let wire = WireMetadata::from_metadata(metadata);
    let encoded = postcard::to_allocvec(&wire).map_err(|_| EncodeError {
        reason: "metadata serialization failed",
    })?;
    let metadata_len = u32::try_from(encoded.len()).map_err(|_| EncodeError {
        reason: "metadata larger than 4 GiB",
    })?;
    let mut frame = Vec::with_capacity(PREFIX_LEN + encoded.len() + SUFFIX_LEN + body_capacity);
    frame.extend_from_slice(&MAGIC);
    frame.push(FORMAT_VERSION);
    frame.push(flags);
    frame.extend_from_slice(&metadata_len.to_le_bytes());
    frame.extend_from_slice(&encoded);
    frame.extend_from_slice(&digest.len.to_le_bytes());
    frame.extend_from_slice(&digest.checksum.to_le_bytes());
    let header_crc = crc32fast::hash(&frame);
    frame.extend_from_slice(&header_crc.to_le_bytes());
    Ok(frame)
}

/// A parsed, checksum-verified frame header.
struct Header<'a> {
    flags: u8,
    metadata: &'a [u8],
    digest: BodyDigest,
    /// Length of the header: the body starts here.
    len: usize,
}

impl<'a> Header<'a> {
    fn parse(frame: &'a [u8]) -> Result<Self, DecodeError> {
        // Check what a reader needs to know first, in order: is it ours, which version.
        match frame.get(..MAGIC.len()) {
            Some(magic) if magic == MAGIC => {}
            // A shorter input that matches so far is a truncated entry, not a foreign one.
            None if MAGIC.starts_with(frame) => return Err(DecodeError::Truncated),
            _ => return Err(DecodeError::NotAnEntry),
        }
        let version = *frame.get(4).ok_or(DecodeError::Truncated)?;
        if version != FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion { found: version });
        }
        let flags = *frame.get(5).ok_or(DecodeError::Truncated)?;
        let metadata_len = u32::from_le_bytes(read_array(frame, 6)?) as usize;
        let metadata_end = PREFIX_LEN
            .checked_add(metadata_len)
            .ok_or(DecodeError::Truncated)?;
        let crc_at = metadata_end + 8 + 4;
        let len = crc_at + 4;
        if frame.len() < len {
            return Err(DecodeError::Truncated);
        }
        let stored_crc = u32::from_le_bytes(read_array(frame, crc_at)?);
        if crc32fast::hash(&frame[..crc_at]) != stored_crc {
            return Err(DecodeError::HeaderChecksum);
        }
        if flags & !KNOWN_FLAGS != 0 {
            return Err(DecodeError::Malformed);
        }
        Ok(Header {
            flags,
            metadata: &frame[PREFIX_LEN..metadata_end],
            digest: BodyDigest {
                len: u64::from_le_bytes(read_array(frame, metadata_end)?),
                checksum: u32::from_le_bytes(read_array(frame, metadata_end + 8)?),
            },
            len,
        })
    }

    /// The metadata, whose header values are slices of `frame`, the frame this header was
    /// parsed from.
    fn metadata(&self, frame: &Bytes) -> Result<EntryMetadata, DecodeError> {
        wire::read_metadata(frame, self.metadata)
    }
}

fn read_array<const N: usize>(frame: &[u8], at: usize) -> Result<[u8; N], DecodeError> {
    frame
        .get(at..at.checked_add(N).ok_or(DecodeError::Truncated)?)
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .ok_or(DecodeError::Truncated)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use http::{HeaderValue, Method};

    use super::*;
    use crate::entry::Priority;

    fn entry(body: &'static [u8]) -> CacheEntry {
        let now = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
        let mut meta = EntryMetadata::new(
            "GET https://a.test/x?y=1",
            Method::PATCH,
            "https://a.test/x?y=1",
            203,
            now,
        );
        meta.headers
            .append("set-cookie", HeaderValue::from_static("a=1"));
        meta.headers
            .append("set-cookie", HeaderValue::from_static("b=2"));
        meta.headers
            .append("x-bin", HeaderValue::from_bytes(&[0xff, 0x80]).unwrap());
        meta.vary_request_headers
            .append("accept", HeaderValue::from_static("text/html"));
        meta.expires_at = Some(now + Duration::from_secs(60));
        meta.priority = Priority::High;
        CacheEntry::new(meta, body)
    }

    #[test]
    fn round_trip_keeps_everything() {
        let e = entry(b"hello body");
        let frame = encode(&e).unwrap();
        let back = decode(Bytes::from(frame)).unwrap();
        assert_eq!(back, e);
        let cookies: Vec<_> = back.metadata.headers.get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
    }

    #[test]
    fn body_and_header_values_are_slices_of_the_frame() {
        let frame = Bytes::from(encode(&entry(b"zero copy")).unwrap());
        let range = frame.as_ptr_range();
        let back = decode(frame.clone()).unwrap();
        assert!(range.contains(&back.body.as_ptr()));
        let values = back.metadata.headers.values();
        for value in values.chain(back.metadata.vary_request_headers.values()) {
            assert!(range.contains(&value.as_bytes().as_ptr()), "{value:?}");
        }
    }

    #[test]
    fn detached_header_values_are_slices_of_the_frame() {
        let e = entry(b"");
        let frame = Bytes::from(encode_detached(&e.metadata, BodyDigest::of(b"")).unwrap());
        let range = frame.as_ptr_range();
        let (meta, _) = decode_detached(frame.clone()).unwrap();
        assert_eq!(meta, e.metadata);
        for value in meta.headers.values() {
            assert!(range.contains(&value.as_bytes().as_ptr()), "{value:?}");
        }
        let meta = decode_metadata(frame.clone()).unwrap();
        for value in meta.headers.values() {
            assert!(range.contains(&value.as_bytes().as_ptr()), "{value:?}");
        }
    }

    #[test]
    fn future_version_is_typed() {
        let mut frame = encode(&entry(b"x")).unwrap();
        frame[4] = FORMAT_VERSION + 1;
        assert_eq!(
            decode(Bytes::from(frame)),
            Err(DecodeError::UnsupportedVersion {
                found: FORMAT_VERSION + 1
            })
        );
    }

    #[test]
    fn detached_round_trip_and_layout_checks() {
        let e = entry(b"abc");
        let frame = encode_detached(&e.metadata, BodyDigest::of(b"stored")).unwrap();
        let frame = Bytes::from(frame);
        let (meta, digest) = decode_detached(frame.clone()).unwrap();
        assert_eq!(meta, e.metadata);
        assert!(digest.verify(b"stored").is_ok());
        assert_eq!(decode(frame), Err(DecodeError::WrongLayout));
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut frame = encode(&entry(b"x")).unwrap();
        frame.push(0);
        assert_eq!(decode(Bytes::from(frame)), Err(DecodeError::TrailingBytes));
    }
}
