//! The metadata section of a frame: [postcard](https://docs.rs/postcard) over a private,
//! serde-friendly mirror of [`EntryMetadata`].
//!
//! Writing goes through [`WireMetadata`], whose field order is the format. Reading does not
//! build a `WireMetadata`: [`read_metadata`] walks the same fields with serde seeds and builds
//! the [`EntryMetadata`] directly, so a read allocates no list of fields and copies no header
//! value: each one is a slice of the frame, a [`Bytes`]. The wire types of both sides are
//! the same (postcard writes a `str` and a byte string alike: a varint length and the
//! bytes), which the golden-vector test pins.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DecodeError;
use crate::entry::{EntryMetadata, Priority};

/// The serde mirror of [`EntryMetadata`]. Field order is the format: changing it means a new
/// [`FORMAT_VERSION`](super::FORMAT_VERSION), and [`MetadataSeed`] reads the same fields in
/// the same order.
#[derive(Serialize)]
pub(super) struct WireMetadata<'a> {
    key: &'a str,
    method: &'a str,
    url: &'a str,
    status: u16,
    headers: Vec<WireField<'a>>,
    vary_request_headers: Vec<WireField<'a>>,
    request_time: WireTime,
    response_time: WireTime,
    priority: u8,
    expires_at: Option<WireTime>,
    body_len: u64,
}

/// The names of [`WireMetadata`]'s fields, in order: what the derive would pass postcard
/// (which only counts them).
const WIRE_METADATA_FIELDS: &[&str] = &[
    "key",
    "method",
    "url",
    "status",
    "headers",
    "vary_request_headers",
    "request_time",
    "response_time",
    "priority",
    "expires_at",
    "body_len",
];

/// One header field: its name and raw value bytes (values need not be UTF-8).
#[derive(Serialize)]
struct WireField<'a>(
    &'a str,
    #[serde(serialize_with = "serialize_bytes")] &'a [u8],
);

/// A [`WireField`] as read: the name as bytes too, since [`HeaderName::from_bytes`] checks
/// it anyway (a `str` would be checked for UTF-8 first, for nothing).
#[derive(Deserialize)]
struct StoredField<'a>(#[serde(borrow)] &'a [u8], #[serde(borrow)] &'a [u8]);

/// Seconds and nanoseconds since the Unix epoch (earlier times are stored as the epoch).
#[derive(Serialize, Deserialize)]
struct WireTime(u64, u32);

fn serialize_bytes<S: Serializer>(bytes: &&[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bytes(bytes)
}

impl<'a> WireMetadata<'a> {
    pub(super) fn from_metadata(meta: &'a EntryMetadata) -> Self {
        WireMetadata {
            key: &meta.key,
            method: meta.method.as_str(),
            url: &meta.url,
            status: meta.status,
            headers: wire_fields(&meta.headers),
            vary_request_headers: wire_fields(&meta.vary_request_headers),
            request_time: WireTime::from_time(meta.request_time),
            response_time: WireTime::from_time(meta.response_time),
            priority: meta.priority.as_u8(),
            expires_at: meta.expires_at.map(WireTime::from_time),
            body_len: meta.body_len,
        }
    }
}

fn wire_fields(map: &HeaderMap) -> Vec<WireField<'_>> {
    map.iter()
        .map(|(name, value)| WireField(name.as_str(), value.as_bytes()))
        .collect()
}

impl WireTime {
    fn from_time(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        WireTime(since.as_secs(), since.subsec_nanos())
    }

    fn into_time(self) -> Result<SystemTime, DecodeError> {
        if self.1 >= 1_000_000_000 {
            return Err(DecodeError::Malformed);
        }
        UNIX_EPOCH
            .checked_add(Duration::new(self.0, self.1))
            .ok_or(DecodeError::Malformed)
    }
}

/// A header value whose bytes are `value`, a part of `frame`: a slice of the frame, not a
/// copy (validated like any other value).
fn header_value(frame: &Bytes, value: &[u8]) -> Option<HeaderValue> {
    let value = match shared_slice(frame, value) {
        Some(shared) => HeaderValue::from_maybe_shared(shared),
        None => HeaderValue::from_bytes(value),
    };
    value.ok()
}

/// `part` as a slice of `frame`, or `None` when it does not lie within `frame` (never the
/// case for bytes postcard borrowed from the frame; checked rather than assumed, as
/// [`Bytes::slice_ref`] would panic).
fn shared_slice(frame: &Bytes, part: &[u8]) -> Option<Bytes> {
    let start = part.as_ptr().addr().checked_sub(frame.as_ptr().addr())?;
    let end = start.checked_add(part.len())?;
    (end <= frame.len()).then(|| frame.slice(start..end))
}

/// Reads the metadata section `encoded`, a part of `frame` that must hold exactly one
/// [`WireMetadata`]. Header values are slices of `frame`.
pub(super) fn read_metadata(frame: &Bytes, encoded: &[u8]) -> Result<EntryMetadata, DecodeError> {
    let mut deserializer = postcard::Deserializer::from_bytes(encoded);
    let metadata = MetadataSeed { frame }
        .deserialize(&mut deserializer)
        .map_err(|_| DecodeError::Malformed)?;
    match deserializer.finalize() {
        Ok([]) => Ok(metadata),
        _ => Err(DecodeError::Malformed),
    }
}

/// The serde error for metadata that is well-formed postcard but not valid metadata; every
/// error here becomes [`DecodeError::Malformed`].
fn malformed<E: de::Error>() -> E {
    E::custom(DecodeError::Malformed)
}

/// The next of a [`WireMetadata`]'s fields.
fn next_field<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(seq: &mut A) -> Result<T, A::Error> {
    seq.next_element()?.ok_or_else(malformed::<A::Error>)
}

/// Reads a [`WireMetadata`] into an [`EntryMetadata`].
struct MetadataSeed<'s> {
    /// The frame the metadata is read from, which header values are slices of.
    frame: &'s Bytes,
}

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    type Value = EntryMetadata;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_struct("WireMetadata", WIRE_METADATA_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = EntryMetadata;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("cache entry metadata")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let key: &str = next_field(&mut seq)?;
        // `Method::from_bytes` checks the token, so no UTF-8 check first.
        let method: &[u8] = next_field(&mut seq)?;
        let method = Method::from_bytes(method).map_err(|_| malformed::<A::Error>())?;
        let url: &str = next_field(&mut seq)?;
        let status: u16 = next_field(&mut seq)?;
        let fields = FieldsSeed { frame: self.frame };
        let headers = seq
            .next_element_seed(fields)?
            .ok_or_else(malformed::<A::Error>)?;
        let vary_request_headers = seq
            .next_element_seed(fields)?
            .ok_or_else(malformed::<A::Error>)?;
        let time = |wire: WireTime| wire.into_time().map_err(|_| malformed::<A::Error>());
        let request_time = time(next_field(&mut seq)?)?;
        let response_time = time(next_field(&mut seq)?)?;
        let priority =
            Priority::from_u8(next_field(&mut seq)?).ok_or_else(malformed::<A::Error>)?;
        let expires_at: Option<WireTime> = next_field(&mut seq)?;
        let expires_at = expires_at.map(time).transpose()?;
        let body_len: u64 = next_field(&mut seq)?;
        Ok(EntryMetadata {
            key: key.to_owned(),
            method,
            url: url.to_owned(),
            status,
            headers,
            vary_request_headers,
            request_time,
            response_time,
            priority,
            expires_at,
            body_len,
        })
    }
}

/// At most this many fields are allocated for up front: the count is read from the input, and
/// a damaged one must not reserve gigabytes (the map still grows past it as fields arrive).
const PRESIZED_FIELDS_LIMIT: usize = 128;

/// Reads a list of [`WireField`]s into a [`HeaderMap`], in order.
#[derive(Clone, Copy)]
struct FieldsSeed<'s> {
    /// The frame the fields are read from, which header values are slices of.
    frame: &'s Bytes,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = HeaderMap;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = HeaderMap;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of header fields")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let capacity = seq.size_hint().unwrap_or(0).min(PRESIZED_FIELDS_LIMIT);
        let mut map =
            HeaderMap::try_with_capacity(capacity).map_err(|_| malformed::<A::Error>())?;
        while let Some(StoredField(name, value)) = seq.next_element()? {
            let name = HeaderName::from_bytes(name).map_err(|_| malformed::<A::Error>())?;
            let value = header_value(self.frame, value).ok_or_else(malformed::<A::Error>)?;
            // More distinct names than a `HeaderMap` holds: no encoder wrote this.
            map.try_append(name, value)
                .map_err(|_| malformed::<A::Error>())?;
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> EntryMetadata {
        EntryMetadata::new("k", Method::GET, "https://a.test/", 200, UNIX_EPOCH)
    }

    #[test]
    fn values_are_slices_of_the_frame_and_names_are_checked() {
        let mut meta = metadata();
        meta.headers
            .append("x-custom", HeaderValue::from_static("one"));
        meta.headers
            .append("etag", HeaderValue::from_static("\"2\""));
        meta.headers.append("empty", HeaderValue::from_static(""));
        let frame =
            Bytes::from(postcard::to_allocvec(&WireMetadata::from_metadata(&meta)).unwrap());
        let decoded = read_metadata(&frame, &frame).unwrap();
        assert_eq!(decoded, meta);
        let range = frame.as_ptr_range();
        for value in decoded.headers.values().filter(|value| !value.is_empty()) {
            assert!(
                range.contains(&value.as_bytes().as_ptr()),
                "{value:?} was copied"
            );
        }

        let mut wire = WireMetadata::from_metadata(&meta);
        wire.headers = vec![WireField("bad name", b"v")];
        let frame = Bytes::from(postcard::to_allocvec(&wire).unwrap());
        assert_eq!(read_metadata(&frame, &frame), Err(DecodeError::Malformed));
        wire.headers = vec![WireField("x", b"bad\nvalue")];
        let frame = Bytes::from(postcard::to_allocvec(&wire).unwrap());
        assert_eq!(read_metadata(&frame, &frame), Err(DecodeError::Malformed));
    }

    #[test]
    fn a_value_outside_the_frame_is_copied_not_a_panic() {
        let frame = Bytes::from_static(b"frame");
        let elsewhere = b"elsewhere".to_vec();
        assert_eq!(shared_slice(&frame, &elsewhere), None);
        assert_eq!(
            header_value(&frame, &elsewhere),
            Some(HeaderValue::from_static("elsewhere"))
        );
        assert_eq!(
            shared_slice(&frame, &frame[1..3]).as_deref(),
            Some(&b"ra"[..])
        );
    }

    /// No encoder writes more distinct names than a `HeaderMap` holds (about 24,000), but a
    /// damaged or hostile frame may: an error, where pre-sizing the map by the count read or
    /// `HeaderMap::append` would panic.
    #[test]
    fn more_distinct_names_than_a_header_map_holds_is_malformed() {
        let meta = metadata();
        let names: Vec<String> = (0..25_000).map(|i| format!("x-{i}")).collect();
        let mut wire = WireMetadata::from_metadata(&meta);
        wire.headers = names.iter().map(|name| WireField(name, b"")).collect();
        let frame = Bytes::from(postcard::to_allocvec(&wire).unwrap());
        assert_eq!(read_metadata(&frame, &frame), Err(DecodeError::Malformed));
    }

    #[test]
    fn a_huge_field_count_reserves_nothing_and_is_malformed() {
        let mut encoded = postcard::to_allocvec(&WireMetadata::from_metadata(&metadata())).unwrap();
        // key "k", method "GET", url "https://a.test/", status 200 (2 bytes), then the count.
        let count_at = 2 + 4 + 16 + 2;
        assert_eq!(encoded[count_at], 0);
        encoded.splice(count_at..=count_at, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        let frame = Bytes::from(encoded);
        assert_eq!(read_metadata(&frame, &frame), Err(DecodeError::Malformed));
    }

    #[test]
    fn invalid_nanos_is_malformed_not_a_panic() {
        assert_eq!(
            WireTime(u64::MAX, 999_999_999).into_time(),
            Err(DecodeError::Malformed)
        );
        assert_eq!(
            WireTime(0, 1_000_000_000).into_time(),
            Err(DecodeError::Malformed)
        );
    }
}
